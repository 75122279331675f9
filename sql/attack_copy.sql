-- attack_copy: COPY <table> TO goes through the masks and row policies
-- (it is rewritten to COPY (SELECT ...) TO); COPY (query) TO is planned.
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_cp_owner NOLOGIN;
CREATE ROLE regress_enforce_cp_reader LOGIN;
CREATE SCHEMA enforce_cp_raw AUTHORIZATION regress_enforce_cp_owner;
SET ROLE regress_enforce_cp_owner;
CREATE TABLE enforce_cp_raw.people (id int PRIMARY KEY, email text UNIQUE, region text, salary numeric);
INSERT INTO enforce_cp_raw.people VALUES
    (1, 'ann@example.org', 'emea', 51234), (2, 'bob@example.com', 'us', 72000), (3, 'cho@example.net', 'apac', 64500);
GRANT USAGE ON SCHEMA enforce_cp_raw TO regress_enforce_cp_reader;
GRANT SELECT ON enforce_cp_raw.people TO regress_enforce_cp_reader;
RESET ROLE;
SELECT mesh.create_domain('enforce_cp', 'regress_enforce_cp_owner');
SELECT mesh.create_data_product('enforce_cp.people', 'enforce_cp_raw.people',
    '{"purpose": "people", "columns": {"email": {"classification": "enforce_cp.email"}, "salary": {"classification": "enforce_cp.money"}}}') > 0 AS created;
GRANT USAGE ON SCHEMA enforce_cp TO regress_enforce_cp_reader;
GRANT SELECT ON enforce_cp.people TO regress_enforce_cp_reader;
SELECT mesh.create_masking_policy('enforce_cp_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('enforce_cp_email', 'enforce_cp.email');
SELECT mesh.create_masking_policy('enforce_cp_money', 'mesh.mask_round(value, -4)');
SELECT mesh.bind_masking_policy('enforce_cp_money', 'enforce_cp.money');
SELECT mesh.set_consumer_attribute('regress_enforce_cp_reader', 'region', 'emea');
SELECT mesh.create_row_policy('enforce_cp.people', 'by_region', 'region = mesh.attribute(''region'')');
SET ROLE regress_enforce_cp_reader;
COPY enforce_cp_raw.people TO STDOUT;
COPY enforce_cp_raw.people (email, salary) TO STDOUT WITH (FORMAT csv, HEADER);
COPY (SELECT * FROM enforce_cp.people) TO STDOUT;
COPY (SELECT email FROM enforce_cp_raw.people) TO STDOUT;
-- a system column in the column list read past the masked columns
COPY enforce_cp_raw.people (id, xmin) TO STDOUT;
RESET ROLE;
-- the owner copies raw data
SET ROLE regress_enforce_cp_owner;
COPY enforce_cp_raw.people TO STDOUT;
RESET ROLE;

-- clean up
SELECT mesh.drop_masking_policy(name) FROM mesh.masking_policies WHERE name LIKE 'enforce_cp%' ORDER BY name;
SELECT mesh.drop_data_product(p.domain || '.' || p.name, force => true) FROM mesh.data_products p WHERE p.domain = 'enforce_cp' ORDER BY p.id DESC;
SELECT mesh.drop_domain('enforce_cp');
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_cp%';
DROP SCHEMA enforce_cp_raw CASCADE;
DROP OWNED BY regress_enforce_cp_reader;
DROP ROLE regress_enforce_cp_owner, regress_enforce_cp_reader;
