-- attack_partitions: partitions and inheritance children of a governed table
-- are governed, whether read through the parent or directly.
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_pt_owner NOLOGIN;
CREATE ROLE regress_enforce_pt_reader LOGIN;
CREATE SCHEMA enforce_pt_raw AUTHORIZATION regress_enforce_pt_owner;
SET ROLE regress_enforce_pt_owner;
CREATE TABLE enforce_pt_raw.people (id int PRIMARY KEY, email text UNIQUE, region text, salary numeric);
INSERT INTO enforce_pt_raw.people VALUES
    (1, 'ann@example.org', 'emea', 51234), (2, 'bob@example.com', 'us', 72000), (3, 'cho@example.net', 'apac', 64500);
GRANT USAGE ON SCHEMA enforce_pt_raw TO regress_enforce_pt_reader;
GRANT SELECT ON enforce_pt_raw.people TO regress_enforce_pt_reader;
RESET ROLE;
SELECT mesh.create_domain('enforce_pt', 'regress_enforce_pt_owner');
SELECT mesh.create_data_product('enforce_pt.people', 'enforce_pt_raw.people',
    '{"purpose": "people", "columns": {"email": {"classification": "enforce_pt.email"}, "salary": {"classification": "enforce_pt.money"}}}') > 0 AS created;
GRANT USAGE ON SCHEMA enforce_pt TO regress_enforce_pt_reader;
GRANT SELECT ON enforce_pt.people TO regress_enforce_pt_reader;
SELECT mesh.create_masking_policy('enforce_pt_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('enforce_pt_email', 'enforce_pt.email');
SELECT mesh.create_masking_policy('enforce_pt_money', 'mesh.mask_round(value, -4)');
SELECT mesh.bind_masking_policy('enforce_pt_money', 'enforce_pt.money');
SELECT mesh.set_consumer_attribute('regress_enforce_pt_reader', 'region', 'emea');
SELECT mesh.create_row_policy('enforce_pt.people', 'by_region', 'region = mesh.attribute(''region'')');
SET ROLE regress_enforce_pt_owner;
CREATE TABLE enforce_pt_raw.events (id int, email text, region text, salary numeric) PARTITION BY LIST (region);
CREATE TABLE enforce_pt_raw.events_emea PARTITION OF enforce_pt_raw.events FOR VALUES IN ('emea');
CREATE TABLE enforce_pt_raw.events_rest PARTITION OF enforce_pt_raw.events DEFAULT;
INSERT INTO enforce_pt_raw.events SELECT * FROM enforce_pt_raw.people;
CREATE TABLE enforce_pt_raw.archive (note text) INHERITS (enforce_pt_raw.people);
ALTER TABLE enforce_pt_raw.archive DROP COLUMN note;
INSERT INTO enforce_pt_raw.archive VALUES (9, 'old@example.org', 'emea', 99999);
GRANT SELECT ON enforce_pt_raw.events, enforce_pt_raw.events_emea, enforce_pt_raw.events_rest,
    enforce_pt_raw.archive TO regress_enforce_pt_reader;
RESET ROLE;
SELECT mesh.create_data_product('enforce_pt.events', 'enforce_pt_raw.events',
    '{"purpose": "events", "columns": {"email": {"classification": "enforce_pt.email"}}}') > 0 AS created;
SET ROLE regress_enforce_pt_reader;
SELECT * FROM enforce_pt_raw.events ORDER BY id;
SELECT * FROM enforce_pt_raw.events_emea ORDER BY id;
SELECT * FROM enforce_pt_raw.events_rest ORDER BY id;
-- the inheritance child of the product's table: masked and filtered (parent's rules)
SELECT * FROM enforce_pt_raw.people ORDER BY id;
SELECT * FROM enforce_pt_raw.archive ORDER BY id;
SELECT a FROM enforce_pt_raw.archive a;
RESET ROLE;
-- a governed partition of a table that is not governed: read through that
-- parent, its rows came out raw (and the parent's statistics covered them)
SET ROLE regress_enforce_pt_owner;
CREATE TABLE enforce_pt_raw.sales (id int, email text, region text) PARTITION BY LIST (region);
CREATE TABLE enforce_pt_raw.sales_emea PARTITION OF enforce_pt_raw.sales FOR VALUES IN ('emea');
CREATE TABLE enforce_pt_raw.sales_us PARTITION OF enforce_pt_raw.sales FOR VALUES IN ('us');
INSERT INTO enforce_pt_raw.sales VALUES (1, 'ann@example.org', 'emea'), (2, 'bob@example.com', 'us');
ANALYZE enforce_pt_raw.sales;
GRANT SELECT, INSERT ON enforce_pt_raw.sales, enforce_pt_raw.sales_emea, enforce_pt_raw.sales_us
    TO regress_enforce_pt_reader;
RESET ROLE;
SELECT mesh.create_data_product('enforce_pt.sales_emea', 'enforce_pt_raw.sales_emea',
    '{"purpose": "emea sales", "columns": {"email": {"classification": "enforce_pt.email"}}}') > 0 AS created;
SET ROLE regress_enforce_pt_reader;
SELECT * FROM enforce_pt_raw.sales_emea;
SELECT * FROM enforce_pt_raw.sales ORDER BY id;
SELECT s.email FROM (VALUES (1)) v(i) JOIN enforce_pt_raw.sales s ON s.id = v.i;
COPY (SELECT * FROM enforce_pt_raw.sales) TO STDOUT;
SELECT * FROM ONLY enforce_pt_raw.sales;
SELECT * FROM enforce_pt_raw.sales_us;
SELECT attname FROM pg_stats WHERE schemaname = 'enforce_pt_raw' AND tablename = 'sales';
INSERT INTO enforce_pt_raw.sales VALUES (3, 'new@example.org', 'emea');
RESET ROLE;
-- the owner reads through the parent
SET ROLE regress_enforce_pt_owner;
SELECT * FROM enforce_pt_raw.sales ORDER BY id;
RESET ROLE;

-- clean up
SELECT mesh.drop_masking_policy(name) FROM mesh.masking_policies WHERE name LIKE 'enforce_pt%' ORDER BY name;
SELECT mesh.drop_data_product(p.domain || '.' || p.name, force => true) FROM mesh.data_products p WHERE p.domain = 'enforce_pt' ORDER BY p.id DESC;
SELECT mesh.drop_domain('enforce_pt');
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_pt%';
DROP SCHEMA enforce_pt_raw CASCADE;
DROP OWNED BY regress_enforce_pt_reader;
DROP ROLE regress_enforce_pt_owner, regress_enforce_pt_reader;
