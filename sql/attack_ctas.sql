-- attack_ctas: CREATE TABLE AS, SELECT INTO and materialized views made by a
-- masked reader hold masked data; a materialized view on governed columns is
-- governed too (through mesh.governed_columns when it is a product source).
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_ct_owner NOLOGIN;
CREATE ROLE regress_enforce_ct_reader LOGIN;
CREATE SCHEMA enforce_ct_raw AUTHORIZATION regress_enforce_ct_owner;
SET ROLE regress_enforce_ct_owner;
CREATE TABLE enforce_ct_raw.people (id int PRIMARY KEY, email text UNIQUE, region text, salary numeric);
INSERT INTO enforce_ct_raw.people VALUES
    (1, 'ann@example.org', 'emea', 51234), (2, 'bob@example.com', 'us', 72000), (3, 'cho@example.net', 'apac', 64500);
GRANT USAGE ON SCHEMA enforce_ct_raw TO regress_enforce_ct_reader;
GRANT SELECT ON enforce_ct_raw.people TO regress_enforce_ct_reader;
RESET ROLE;
SELECT mesh.create_domain('enforce_ct', 'regress_enforce_ct_owner');
SELECT mesh.create_data_product('enforce_ct.people', 'enforce_ct_raw.people',
    '{"purpose": "people", "columns": {"email": {"classification": "enforce_ct.email"}, "salary": {"classification": "enforce_ct.money"}}}') > 0 AS created;
GRANT USAGE ON SCHEMA enforce_ct TO regress_enforce_ct_reader;
GRANT SELECT ON enforce_ct.people TO regress_enforce_ct_reader;
SELECT mesh.create_masking_policy('enforce_ct_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('enforce_ct_email', 'enforce_ct.email');
SELECT mesh.create_masking_policy('enforce_ct_money', 'mesh.mask_round(value, -4)');
SELECT mesh.bind_masking_policy('enforce_ct_money', 'enforce_ct.money');
SELECT mesh.set_consumer_attribute('regress_enforce_ct_reader', 'region', 'emea');
SELECT mesh.create_row_policy('enforce_ct.people', 'by_region', 'region = mesh.attribute(''region'')');
SET ROLE regress_enforce_ct_reader;
CREATE TEMP TABLE copied AS SELECT * FROM enforce_ct_raw.people;
SELECT * FROM copied;
SELECT * INTO TEMP copied2 FROM enforce_ct.people;
SELECT * FROM copied2;
CREATE TEMP TABLE copied3 AS WITH c AS (SELECT email FROM enforce_ct_raw.people) SELECT * FROM c;
SELECT * FROM copied3;
INSERT INTO copied SELECT id + 10, email, region, salary FROM enforce_ct_raw.people;
SELECT count(*) FILTER (WHERE email LIKE '***%') AS masked, count(*) AS total FROM copied;
RESET ROLE;
GRANT CREATE ON SCHEMA enforce_ct_raw TO regress_enforce_ct_reader;
SET ROLE regress_enforce_ct_reader;
CREATE MATERIALIZED VIEW enforce_ct_raw.mine AS SELECT email, salary FROM enforce_ct_raw.people;
SELECT * FROM enforce_ct_raw.mine;
REFRESH MATERIALIZED VIEW enforce_ct_raw.mine;
SELECT * FROM enforce_ct_raw.mine;
RESET ROLE;
-- a materialized view of the owner that is the source of a product is governed
SET ROLE regress_enforce_ct_owner;
CREATE MATERIALIZED VIEW enforce_ct_raw.summary AS SELECT id, email, region FROM enforce_ct_raw.people;
GRANT SELECT ON enforce_ct_raw.summary TO regress_enforce_ct_reader;
RESET ROLE;
SELECT mesh.create_data_product('enforce_ct.summary', 'enforce_ct_raw.summary',
    '{"purpose": "summary", "columns": {"email": {"classification": "enforce_ct.email"}}}') > 0 AS created;
SET ROLE regress_enforce_ct_reader;
SELECT * FROM enforce_ct_raw.summary ORDER BY id;
RESET ROLE;
-- a materialized view the owner builds on governed columns holds raw data;
-- its copied columns carry the rules of the columns they copy
SET ROLE regress_enforce_ct_owner;
CREATE MATERIALIZED VIEW enforce_ct_raw.owner_copy AS
    SELECT p.id, p.email AS contact, p.salary, upper(p.region) AS region_code FROM enforce_ct_raw.people p;
CREATE MATERIALIZED VIEW enforce_ct_raw.owner_port_copy AS SELECT id, email FROM enforce_ct.people;
GRANT SELECT ON enforce_ct_raw.owner_copy, enforce_ct_raw.owner_port_copy TO regress_enforce_ct_reader;
SELECT * FROM enforce_ct_raw.owner_copy ORDER BY id;
RESET ROLE;
SET ROLE regress_enforce_ct_reader;
SELECT * FROM enforce_ct_raw.owner_copy ORDER BY id;
SELECT * FROM enforce_ct_raw.owner_port_copy ORDER BY id;
RESET ROLE;
-- statistics of a governed materialized view (no row security possible) are
-- hidden from masked readers by the read hook
SET ROLE regress_enforce_ct_owner;
ANALYZE enforce_ct_raw.summary;
SELECT attname FROM pg_stats WHERE schemaname = 'enforce_ct_raw' AND tablename = 'summary' ORDER BY attname;
RESET ROLE;
SET ROLE regress_enforce_ct_reader;
SELECT attname FROM pg_stats WHERE schemaname = 'enforce_ct_raw' AND tablename = 'summary' ORDER BY attname;
RESET ROLE;

-- clean up
DROP MATERIALIZED VIEW enforce_ct_raw.owner_port_copy, enforce_ct_raw.owner_copy;
SELECT mesh.drop_masking_policy(name) FROM mesh.masking_policies WHERE name LIKE 'enforce_ct%' ORDER BY name;
SELECT mesh.drop_data_product(p.domain || '.' || p.name, force => true) FROM mesh.data_products p WHERE p.domain = 'enforce_ct' ORDER BY p.id DESC;
SELECT mesh.drop_domain('enforce_ct');
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_ct%';
DROP SCHEMA enforce_ct_raw CASCADE;
DROP OWNED BY regress_enforce_ct_reader;
DROP ROLE regress_enforce_ct_owner, regress_enforce_ct_reader;
