-- attack_policy_injection: policy expressions cannot run code of ordinary
-- roles: functions, operators, casts, domains and types they own are refused
-- (when stored, bound, and each time a policy is applied), and unqualified
-- names resolve in pg_catalog only.
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_pi_owner NOLOGIN;
CREATE ROLE regress_enforce_pi_reader LOGIN;
CREATE SCHEMA enforce_pi_raw AUTHORIZATION regress_enforce_pi_owner;
SET ROLE regress_enforce_pi_owner;
CREATE TABLE enforce_pi_raw.people (id int PRIMARY KEY, email text UNIQUE, region text, salary numeric);
INSERT INTO enforce_pi_raw.people VALUES
    (1, 'ann@example.org', 'emea', 51234), (2, 'bob@example.com', 'us', 72000), (3, 'cho@example.net', 'apac', 64500);
GRANT USAGE ON SCHEMA enforce_pi_raw TO regress_enforce_pi_reader;
GRANT SELECT ON enforce_pi_raw.people TO regress_enforce_pi_reader;
RESET ROLE;
SELECT mesh.create_domain('enforce_pi', 'regress_enforce_pi_owner');
SELECT mesh.create_data_product('enforce_pi.people', 'enforce_pi_raw.people',
    '{"purpose": "people", "columns": {"email": {"classification": "enforce_pi.email"}, "salary": {"classification": "enforce_pi.money"}}}') > 0 AS created;
GRANT USAGE ON SCHEMA enforce_pi TO regress_enforce_pi_reader;
GRANT SELECT ON enforce_pi.people TO regress_enforce_pi_reader;
SELECT mesh.create_masking_policy('enforce_pi_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('enforce_pi_email', 'enforce_pi.email');
SELECT mesh.create_masking_policy('enforce_pi_money', 'mesh.mask_round(value, -4)');
SELECT mesh.bind_masking_policy('enforce_pi_money', 'enforce_pi.money');
SELECT mesh.set_consumer_attribute('regress_enforce_pi_reader', 'region', 'emea');
SELECT mesh.create_row_policy('enforce_pi.people', 'by_region', 'region = mesh.attribute(''region'')');
CREATE ROLE regress_enforce_pi_evil LOGIN;
CREATE SCHEMA enforce_pi_evil AUTHORIZATION regress_enforce_pi_evil;
GRANT USAGE ON SCHEMA enforce_pi_evil TO PUBLIC;
SET ROLE regress_enforce_pi_evil;
CREATE FUNCTION enforce_pi_evil.steal(text) RETURNS text LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION enforce_pi_evil.eq(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT $1 = $2';
CREATE OPERATOR enforce_pi_evil.=== (FUNCTION = enforce_pi_evil.eq, LEFTARG = text, RIGHTARG = text);
CREATE DOMAIN enforce_pi_evil.dtext AS text CHECK (enforce_pi_evil.steal(VALUE) IS NOT NULL);
CREATE TYPE enforce_pi_evil.color AS ENUM ('red');
CREATE FUNCTION enforce_pi_evil.to_int(text) RETURNS int LANGUAGE sql AS 'SELECT 1';
RESET ROLE;
CREATE CAST (text AS int) WITH FUNCTION enforce_pi_evil.to_int(text);
-- functions
SELECT mesh.create_masking_policy('enforce_pi_f', 'enforce_pi_evil.steal(value)');
SELECT mesh.bind_masking_policy('enforce_pi_f', 'enforce_pi.people', 'email');
SELECT mesh.create_masking_policy('enforce_pi_c', 'value', 'enforce_pi_evil.steal(current_user) IS NOT NULL');
SELECT mesh.create_row_policy('enforce_pi.people', 'evil', 'enforce_pi_evil.steal(email) IS NOT NULL');
-- operators
SELECT mesh.create_row_policy('enforce_pi.people', 'evil', 'email OPERATOR(enforce_pi_evil.===) ''x''');
-- domains and types
SELECT mesh.create_row_policy('enforce_pi.people', 'evil', 'email::enforce_pi_evil.dtext IS NOT NULL');
SELECT mesh.create_row_policy('enforce_pi.people', 'evil', '''red''::enforce_pi_evil.color IS NOT NULL');
-- casts through a function of an ordinary role
SELECT mesh.create_row_policy('enforce_pi.people', 'evil', 'email::int > 0');
-- built-in functions that run SQL text or read a relation by name would run
-- the author's code (a security_invoker view) with the reader's rights
SELECT mesh.create_row_policy('enforce_pi.people', 'evil', $$table_to_xml('enforce_pi_raw.people', false, false, '') IS NOT NULL$$);
SELECT mesh.create_row_policy('enforce_pi.people', 'evil', $$pg_catalog.schema_to_xml('enforce_pi_evil', false, false, '') IS NOT NULL$$);
SELECT mesh.create_row_policy('enforce_pi.people', 'evil', $$database_to_xmlschema(false, false, '') IS NOT NULL$$);
SELECT mesh.create_masking_policy('enforce_pi_q', $$left(query_to_xml('SELECT 1', false, false, '')::text, 0) || value$$);
SELECT mesh.bind_masking_policy('enforce_pi_q', 'enforce_pi.people', 'email');
SELECT mesh.drop_masking_policy('enforce_pi_q');
SELECT mesh.create_masking_policy('enforce_pi_t', 'value', $$ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery') IS NOT NULL$$);
-- volatile functions could change the reader's session: set_config of its
-- search_path would make its later unqualified calls run the author's code
SELECT mesh.create_masking_policy('enforce_pi_v', $$left(set_config('search_path', 'enforce_pi_evil, pg_catalog', false), 0) || value$$);
SELECT mesh.bind_masking_policy('enforce_pi_v', 'enforce_pi.people', 'email');
SELECT mesh.drop_masking_policy('enforce_pi_v');
SELECT mesh.create_masking_policy('enforce_pi_w', 'value', $$set_config('search_path', 'enforce_pi_evil', false) IS NOT NULL$$);
-- masks and filters run as the current role, which inside a definer function
-- is the definer: role-dependent functions would test the definer, not the
-- reader (an HR member's definer function unmasked for every caller), and
-- settings are the reader's to change
SELECT mesh.create_masking_policy('enforce_pi_r', $$CASE WHEN pg_has_role('regress_enforce_pi_evil', 'MEMBER') THEN value ELSE mesh.mask_email(value) END$$);
SELECT mesh.bind_masking_policy('enforce_pi_r', 'enforce_pi.people', 'email');
SELECT mesh.drop_masking_policy('enforce_pi_r');
SELECT mesh.create_masking_policy('enforce_pi_r', $$CASE WHEN mesh.attribute('clearance') = 'high' THEN value ELSE mesh.mask_email(value) END$$);
SELECT mesh.bind_masking_policy('enforce_pi_r', 'enforce_pi.people', 'email');
SELECT mesh.drop_masking_policy('enforce_pi_r');
SELECT mesh.create_masking_policy('enforce_pi_r', $$CASE WHEN current_user = 'regress_enforce_pi_evil' THEN value ELSE mesh.mask_email(value) END$$);
SELECT mesh.bind_masking_policy('enforce_pi_r', 'enforce_pi.people', 'email');
SELECT mesh.drop_masking_policy('enforce_pi_r');
SELECT mesh.create_row_policy('enforce_pi.people', 'evil', $$has_table_privilege('enforce_pi_raw.people', 'UPDATE')$$);
SELECT mesh.create_row_policy('enforce_pi.people', 'evil', $$session_user = 'regress_enforce_pi_reader'$$);
SELECT mesh.create_row_policy('enforce_pi.people', 'evil', $$region = current_setting('enforce_pi.region', true)$$);
SELECT mesh.create_masking_policy('enforce_pi_r', 'value', $$current_setting('enforce_pi.clearance', true) = 'high'$$);
-- unqualified names are pg_catalog's, whatever search_path the author has
SET search_path = enforce_pi_evil, pg_catalog;
SELECT mesh.create_masking_policy('enforce_pi_sp', 'steal(value)');
SELECT mesh.create_masking_policy('enforce_pi_sp', 'value');
SELECT mesh.bind_masking_policy('enforce_pi_sp', 'enforce_pi.people', 'email');
RESET search_path;
-- ... and whatever search_path the reader has
SET ROLE regress_enforce_pi_reader;
SET search_path = enforce_pi_evil, pg_catalog;
SELECT id, email FROM enforce_pi_raw.people;
RESET search_path;
RESET ROLE;
-- an object dropped and re-created by an ordinary role after binding is
-- refused when the policy is applied: the reader gets an error, not data
CREATE FUNCTION enforce_pi_evil.trusted(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT left($1, 1)';
SELECT mesh.create_masking_policy('enforce_pi_swap', 'enforce_pi_evil.trusted(value)');
SELECT mesh.bind_masking_policy('enforce_pi_swap', 'enforce_pi.people', 'region');
SET ROLE regress_enforce_pi_reader;
SELECT id, region FROM enforce_pi_raw.people;
RESET ROLE;
SET ROLE regress_enforce_pi_evil;
DROP FUNCTION enforce_pi_evil.trusted(text);
CREATE FUNCTION enforce_pi_evil.trusted(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT $1';
RESET ROLE;
SET ROLE regress_enforce_pi_reader;
SELECT id, region FROM enforce_pi_raw.people;
RESET ROLE;
DROP CAST (text AS int);
DROP SCHEMA enforce_pi_evil CASCADE;
DROP ROLE regress_enforce_pi_evil;

-- clean up
SELECT mesh.drop_masking_policy(name) FROM mesh.masking_policies WHERE name LIKE 'enforce_pi%' ORDER BY name;
SELECT mesh.drop_data_product(p.domain || '.' || p.name, force => true) FROM mesh.data_products p WHERE p.domain = 'enforce_pi' ORDER BY p.id DESC;
SELECT mesh.drop_domain('enforce_pi');
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_pi%';
DROP SCHEMA enforce_pi_raw CASCADE;
DROP OWNED BY regress_enforce_pi_reader;
DROP ROLE regress_enforce_pi_owner, regress_enforce_pi_reader;
