-- DROP ... CASCADE of the tables under governed products: the enforcement
-- cache is rebuilt in the middle of the DROP (the guard's event trigger runs
-- queries), while the catalog still names the port being dropped; that must
-- give the foundation guard's refusal, not an internal error, and readers
-- are served afterwards.
\set SHOW_CONTEXT never
\set VERBOSITY terse
CREATE ROLE regress_enforce_dc_owner NOLOGIN;
CREATE ROLE regress_enforce_dc_reader LOGIN;
CREATE SCHEMA enforce_dc_raw AUTHORIZATION regress_enforce_dc_owner;
CREATE TABLE enforce_dc_raw.people (id int, email text);
ALTER TABLE enforce_dc_raw.people OWNER TO regress_enforce_dc_owner;
CREATE TABLE public.enforce_dc_other (id int);
GRANT SELECT ON public.enforce_dc_other TO regress_enforce_dc_reader;
SELECT mesh.create_domain('enforce_dc', 'regress_enforce_dc_owner');
SELECT mesh.create_data_product('enforce_dc.people', 'enforce_dc_raw.people',
    '{"purpose": "dropped", "columns": {"email": {"classification": "enforce_dc.email"}}}') > 0 AS created;
SELECT mesh.create_masking_policy('enforce_dc_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('enforce_dc_email', 'enforce_dc.email');
-- a port is not dropped on its own (the foundation's guard) ...
DROP SCHEMA enforce_dc_raw CASCADE;
-- ... nor through a materialized view that depends on it
CREATE MATERIALIZED VIEW public.enforce_dc_copy AS SELECT id, email FROM enforce_dc.people;
DROP SCHEMA enforce_dc_raw CASCADE;
SET ROLE regress_enforce_dc_reader;
SELECT count(*) FROM public.enforce_dc_other;
RESET ROLE;
-- clean up
DROP MATERIALIZED VIEW public.enforce_dc_copy;
SELECT mesh.drop_masking_policy('enforce_dc_email');
SELECT mesh.drop_data_product('enforce_dc.people', force => true);
SELECT mesh.drop_domain('enforce_dc');
DROP SCHEMA enforce_dc_raw CASCADE;
DROP TABLE public.enforce_dc_other;
DROP ROLE regress_enforce_dc_owner, regress_enforce_dc_reader;
