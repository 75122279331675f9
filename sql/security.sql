-- Security: who may change what, and the attacks that must stay closed.
\set SHOW_CONTEXT never
CREATE ROLE regress_sec_owner NOLOGIN;
CREATE ROLE regress_sec_dev LOGIN IN ROLE regress_sec_owner;
CREATE ROLE regress_sec_consumer LOGIN;
CREATE ROLE regress_sec_other_owner NOLOGIN;
CREATE ROLE regress_sec_attacker LOGIN IN ROLE regress_sec_other_owner;
CREATE SCHEMA sec_raw AUTHORIZATION regress_sec_owner;
CREATE TABLE sec_raw.data (id int PRIMARY KEY, v text);
ALTER TABLE sec_raw.data OWNER TO regress_sec_owner;
INSERT INTO sec_raw.data VALUES (1, 'one');
SELECT mesh.create_domain('sec', 'regress_sec_owner');
SELECT mesh.create_domain('evil', 'regress_sec_other_owner');
SET ROLE regress_sec_dev;
SELECT mesh.create_data_product('sec.data', 'sec_raw.data', '{"purpose": "secured"}') > 0 AS created;
RESET ROLE;

-- consumers read the catalog
SET ROLE regress_sec_consumer;
SELECT product, owner FROM mesh.products;
SELECT count(*) FROM mesh.domains;
SELECT count(*) FROM mesh.data_product_columns;
SELECT count(*) FROM mesh.data_product_sources;
SELECT mesh.describe('sec.data') ->> 'purpose' AS purpose;
SELECT product FROM mesh.search('secured');
-- ... but cannot change a single row of it, on any table
INSERT INTO mesh.domains (name, owner) VALUES ('mine', 'regress_sec_consumer');
UPDATE mesh.domains SET owner = 'regress_sec_consumer';
DELETE FROM mesh.domains;
INSERT INTO mesh.data_products (domain, name, purpose, owner, source_kind, source, port)
     VALUES ('sec', 'x', 'x', 'regress_sec_consumer', 'relation', 'x', 'sec.data');
UPDATE mesh.data_products SET purpose = 'hacked';
DELETE FROM mesh.data_products;
INSERT INTO mesh.data_product_columns (product_id, position, name, type, nullable) VALUES (1, 9, 'x', 'int', true);
UPDATE mesh.data_product_columns SET classification = NULL;
DELETE FROM mesh.data_product_columns;
INSERT INTO mesh.data_product_sources (product_id, name) VALUES (1, 'x');
UPDATE mesh.data_product_sources SET name = 'x';
DELETE FROM mesh.data_product_sources;
TRUNCATE mesh.data_products CASCADE;
SELECT nextval('mesh.data_product_id_seq');
-- every catalog table refuses every write to an ordinary role
SELECT c.oid::regclass AS relation, p.privilege,
       has_table_privilege('regress_sec_consumer', c.oid, p.privilege) AS allowed
  FROM pg_class c CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p(privilege)
 WHERE c.relnamespace = 'mesh'::regnamespace AND c.relkind IN ('r', 'v')
   AND has_table_privilege('regress_sec_consumer', c.oid, p.privilege);
-- nor changes products of a domain it does not own
SELECT mesh.create_data_product('sec.mine', 'sec_raw.data', '{"purpose": "x"}');
SELECT mesh.alter_data_product('sec.data', '{"purpose": "hacked"}');
SELECT mesh.set_status('sec.data', 'active');
SELECT mesh.drop_data_product('sec.data', force => true);
RESET ROLE;

-- attack_spoof_caller: the implementations take the caller as an argument;
-- nobody but the extension owner may call them
SET ROLE regress_sec_attacker;
SELECT mesh._create_data_product('postgres', 'sec.spoofed', 'sec_raw.data', '{"purpose": "x"}');
SELECT mesh._alter_data_product('regress_sec_owner', 'sec.data', '{"purpose": "hacked"}');
SELECT mesh._drop_data_product('postgres', 'sec.data', true);
SELECT mesh._create_port('sec', 'spoofed', 'sec_raw.data', 'regress_sec_owner');
RESET ROLE;
-- only the read-only helpers of describe(), search() and the port guards are callable by PUBLIC
SELECT p.oid::regprocedure AS callable_by_public
  FROM pg_proc p
 WHERE p.pronamespace = 'mesh'::regnamespace AND p.proname LIKE '\_%'
   AND has_function_privilege('regress_sec_attacker', p.oid, 'EXECUTE')
 ORDER BY p.oid::regprocedure::text COLLATE "C";
-- even a superuser cannot run the port helper outside the API
SELECT mesh._create_port('sec', 'direct', 'sec_raw.data', 'regress_sec_owner');

-- attack_security_definer_wrapper: a SECURITY DEFINER function of an attacker
-- acts as the attacker, not as whoever calls it, and not as the extension owner
CREATE FUNCTION public.regress_sec_wrapper() RETURNS void LANGUAGE sql SECURITY DEFINER
    AS $$ SELECT mesh.alter_data_product('sec.data', '{"purpose": "via wrapper"}') $$;
ALTER FUNCTION public.regress_sec_wrapper() OWNER TO regress_sec_attacker;
SELECT public.regress_sec_wrapper();
SET ROLE regress_sec_dev;
SELECT public.regress_sec_wrapper();
RESET ROLE;
SELECT purpose FROM mesh.products WHERE product = 'sec.data';
DROP FUNCTION public.regress_sec_wrapper();

-- attack_read_through_port: a domain team cannot publish data its owner role cannot read
CREATE TABLE public.regress_sec_private (secret text);
INSERT INTO public.regress_sec_private VALUES ('the secret');
SET ROLE regress_sec_attacker;
SELECT mesh.create_data_product('evil.leak', 'public.regress_sec_private', '{"purpose": "leak"}');
SELECT mesh.create_data_product('evil.leak', 'SELECT (SELECT secret FROM public.regress_sec_private) AS s', '{"purpose": "leak"}');
SELECT mesh.create_data_product('evil.leak', 'SELECT * FROM pg_catalog.pg_authid', '{"purpose": "leak"}');
RESET ROLE;
-- even when a superuser creates it, the port reads with the domain owner's rights
SELECT mesh.create_data_product('evil.leak', 'public.regress_sec_private', '{"purpose": "leak"}');
SELECT mesh.create_data_product('evil.leak', 'SELECT rolname, rolpassword FROM pg_catalog.pg_authid', '{"purpose": "leak"}');
SELECT count(*) AS evil_products FROM mesh.data_products WHERE domain = 'evil';

-- attack_owner_escalation: a product's owner must be a role the caller belongs to
SET ROLE regress_sec_dev;
SELECT mesh.alter_data_product('sec.data', '{"owner": "postgres"}');
SELECT mesh.alter_data_product('sec.data', '{"owner": "regress_sec_other_owner"}');
RESET ROLE;

-- attack_search_path: functions planted in the caller's search_path, better
-- matches than the built-ins, are never called by the implementations
CREATE SCHEMA regress_sec_trap AUTHORIZATION regress_sec_attacker;
SET ROLE regress_sec_attacker;
CREATE FUNCTION regress_sec_trap.pg_has_role(oid, oid, text) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'trap sprung: pg_has_role'; END $$;
CREATE FUNCTION regress_sec_trap.format(text, text, text) RETURNS text LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'trap sprung: format'; END $$;
CREATE FUNCTION regress_sec_trap.quote_ident(text) RETURNS text LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'trap sprung: quote_ident'; END $$;
CREATE FUNCTION regress_sec_trap.jsonb_build_object(text, text, text, text, text, text, text, text, text, text)
    RETURNS jsonb LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trap sprung: jsonb_build_object'; END $$;
CREATE TABLE regress_sec_trap.domains (name text, owner regrole);
SET search_path = regress_sec_trap, public;
SELECT mesh.create_data_product('evil.trap', 'SELECT 1 AS one', '{"purpose": "published with traps on the path"}') > 0 AS created;
SELECT mesh.alter_data_product('evil.trap', '{"tags": ["trap"]}');
SELECT mesh.describe('evil.trap') ->> 'purpose' AS purpose;
SELECT product FROM mesh.search('traps');
SELECT mesh.drop_data_product('evil.trap');
SELECT mesh.create_data_product('sec.trap', 'sec_raw.data', '{"purpose": "x"}');
RESET search_path;
RESET ROLE;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_sec_attacker';
-- ... while a relation source still resolves with the caller's search_path, as the domain owner
SET search_path = sec_raw;
SET ROLE regress_sec_dev;
SELECT mesh.create_data_product('sec.by_path', 'data', '{"purpose": "resolved with the caller''s search_path"}') > 0 AS created;
RESET ROLE;
RESET search_path;
SELECT source_relation FROM mesh.data_products WHERE name = 'by_path';

-- attack_injection: names and descriptors are data, never SQL
SELECT mesh.create_data_product('sec.x; DROP TABLE sec_raw.data', 'sec_raw.data', '{"purpose": "x"}');
SELECT mesh.create_data_product('sec."x"', 'sec_raw.data', '{"purpose": "x"}');
SELECT mesh.create_data_product('sec.data_copy', 'sec_raw.data; DROP TABLE sec_raw.data', '{"purpose": "x"}');
SELECT mesh.create_data_product('sec.quoted', 'sec_raw."data"', $$ {"purpose": "'); DROP TABLE sec_raw.data; --",
    "description": "x'y \\\" $q$ %I %s", "columns": {"v": {"description": "'); DELETE FROM sec_raw.data; --"}},
    "x_sql": "'; DROP TABLE sec_raw.data; --"} $$) > 0 AS created;
SELECT d -> 'purpose' AS purpose, d -> 'description' AS description, d -> 'x_sql' AS x_sql,
       d #> '{columns,1,description}' AS column_description
  FROM mesh.describe('sec.quoted') d;
SELECT count(*) AS rows_still_there FROM sec_raw.data;

-- cleanup
SELECT mesh.drop_data_product(product, force => true) FROM mesh.products ORDER BY product;
SELECT mesh.drop_domain('sec');
SELECT mesh.drop_domain('evil');
DROP TABLE public.regress_sec_private;
DROP SCHEMA sec_raw, regress_sec_trap CASCADE;
DROP ROLE regress_sec_dev, regress_sec_consumer, regress_sec_attacker, regress_sec_owner, regress_sec_other_owner;
