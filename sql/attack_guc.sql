-- attack_guc: meshpg.enforcement is superuser-only;
-- with enforcement off, masked readers get an error (never raw data) from the
-- table and from the port, while the owner still reads.
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_gu_owner NOLOGIN;
CREATE ROLE regress_enforce_gu_reader LOGIN;
CREATE SCHEMA enforce_gu_raw AUTHORIZATION regress_enforce_gu_owner;
SET ROLE regress_enforce_gu_owner;
CREATE TABLE enforce_gu_raw.people (id int PRIMARY KEY, email text UNIQUE, region text, salary numeric);
INSERT INTO enforce_gu_raw.people VALUES
    (1, 'ann@example.org', 'emea', 51234), (2, 'bob@example.com', 'us', 72000), (3, 'cho@example.net', 'apac', 64500);
GRANT USAGE ON SCHEMA enforce_gu_raw TO regress_enforce_gu_reader;
GRANT SELECT ON enforce_gu_raw.people TO regress_enforce_gu_reader;
RESET ROLE;
SELECT mesh.create_domain('enforce_gu', 'regress_enforce_gu_owner');
SELECT mesh.create_data_product('enforce_gu.people', 'enforce_gu_raw.people',
    '{"purpose": "people", "columns": {"email": {"classification": "enforce_gu.email"}, "salary": {"classification": "enforce_gu.money"}}}') > 0 AS created;
GRANT USAGE ON SCHEMA enforce_gu TO regress_enforce_gu_reader;
GRANT SELECT ON enforce_gu.people TO regress_enforce_gu_reader;
SELECT mesh.create_masking_policy('enforce_gu_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('enforce_gu_email', 'enforce_gu.email');
SELECT mesh.create_masking_policy('enforce_gu_money', 'mesh.mask_round(value, -4)');
SELECT mesh.bind_masking_policy('enforce_gu_money', 'enforce_gu.money');
SELECT mesh.set_consumer_attribute('regress_enforce_gu_reader', 'region', 'emea');
SELECT mesh.create_row_policy('enforce_gu.people', 'by_region', 'region = mesh.attribute(''region'')');
SET ROLE regress_enforce_gu_reader;
SET meshpg.enforcement = off;
SELECT set_config('meshpg.enforcement', 'off', false);
ALTER ROLE regress_enforce_gu_reader SET meshpg.enforcement = off;

SHOW meshpg.enforcement;
SELECT id, email FROM enforce_gu.people;
RESET ROLE;
-- a superuser turns enforcement off: masked readers are refused, not unmasked
SET meshpg.enforcement = off;
SELECT component, active FROM mesh.status() WHERE component = 'read-path enforcement';
SET ROLE regress_enforce_gu_reader;
SELECT id, email FROM enforce_gu_raw.people;
SELECT id, email FROM enforce_gu.people;
COPY enforce_gu_raw.people TO STDOUT;
RESET ROLE;
SET ROLE regress_enforce_gu_owner;
SELECT id, email FROM enforce_gu.people ORDER BY id;
RESET ROLE;
RESET meshpg.enforcement;
SELECT component, active FROM mesh.status() WHERE component = 'read-path enforcement';
SET ROLE regress_enforce_gu_reader;
SELECT id, email FROM enforce_gu.people;
RESET ROLE;
-- the guard is on the table, restrictive and forced
SELECT polname, polpermissive, polcmd FROM pg_policy WHERE polrelid = 'enforce_gu_raw.people'::regclass ORDER BY polname;
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'enforce_gu_raw.people'::regclass;

-- clean up
SELECT mesh.drop_masking_policy(name) FROM mesh.masking_policies WHERE name LIKE 'enforce_gu%' ORDER BY name;
SELECT mesh.drop_data_product(p.domain || '.' || p.name, force => true) FROM mesh.data_products p WHERE p.domain = 'enforce_gu' ORDER BY p.id DESC;
SELECT mesh.drop_domain('enforce_gu');
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_gu%';
DROP SCHEMA enforce_gu_raw CASCADE;
DROP OWNED BY regress_enforce_gu_reader;
DROP ROLE regress_enforce_gu_owner, regress_enforce_gu_reader;
