-- attack_dml: UPDATE, DELETE, MERGE, RETURNING and row locks could reveal raw
-- values through their conditions; they are refused to masked readers.
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_dm_owner NOLOGIN;
CREATE ROLE regress_enforce_dm_reader LOGIN;
CREATE SCHEMA enforce_dm_raw AUTHORIZATION regress_enforce_dm_owner;
SET ROLE regress_enforce_dm_owner;
CREATE TABLE enforce_dm_raw.people (id int PRIMARY KEY, email text UNIQUE, region text, salary numeric);
INSERT INTO enforce_dm_raw.people VALUES
    (1, 'ann@example.org', 'emea', 51234), (2, 'bob@example.com', 'us', 72000), (3, 'cho@example.net', 'apac', 64500);
GRANT USAGE ON SCHEMA enforce_dm_raw TO regress_enforce_dm_reader;
GRANT SELECT ON enforce_dm_raw.people TO regress_enforce_dm_reader;
RESET ROLE;
SELECT mesh.create_domain('enforce_dm', 'regress_enforce_dm_owner');
SELECT mesh.create_data_product('enforce_dm.people', 'enforce_dm_raw.people',
    '{"purpose": "people", "columns": {"email": {"classification": "enforce_dm.email"}, "salary": {"classification": "enforce_dm.money"}}}') > 0 AS created;
GRANT USAGE ON SCHEMA enforce_dm TO regress_enforce_dm_reader;
GRANT SELECT ON enforce_dm.people TO regress_enforce_dm_reader;
SELECT mesh.create_masking_policy('enforce_dm_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('enforce_dm_email', 'enforce_dm.email');
SELECT mesh.create_masking_policy('enforce_dm_money', 'mesh.mask_round(value, -4)');
SELECT mesh.bind_masking_policy('enforce_dm_money', 'enforce_dm.money');
SELECT mesh.set_consumer_attribute('regress_enforce_dm_reader', 'region', 'emea');
SELECT mesh.create_row_policy('enforce_dm.people', 'by_region', 'region = mesh.attribute(''region'')');
GRANT INSERT, UPDATE, DELETE ON enforce_dm_raw.people TO regress_enforce_dm_reader;
GRANT CREATE ON SCHEMA enforce_dm_raw TO regress_enforce_dm_reader;
SET ROLE regress_enforce_dm_reader;
UPDATE enforce_dm_raw.people SET region = region WHERE salary > 51000 RETURNING id;
DELETE FROM enforce_dm_raw.people WHERE email = 'ann@example.org' RETURNING id;
UPDATE enforce_dm.people SET region = 'x';
CREATE TABLE enforce_dm_raw.src (id int);
INSERT INTO enforce_dm_raw.src VALUES (1);
MERGE INTO enforce_dm_raw.people p USING enforce_dm_raw.src s ON p.id = s.id AND p.salary > 51000
    WHEN MATCHED THEN DELETE;
SELECT id FROM enforce_dm_raw.people FOR UPDATE;
SELECT id FROM enforce_dm_raw.people FOR SHARE;
-- reading a governed table in the FROM of a write to another table is masked
CREATE TABLE enforce_dm_raw.sink (id int, email text);
INSERT INTO enforce_dm_raw.sink VALUES (1, NULL);
UPDATE enforce_dm_raw.sink s SET email = p.email FROM enforce_dm_raw.people p WHERE p.id = s.id RETURNING s.*;
DELETE FROM enforce_dm_raw.sink s USING enforce_dm_raw.people p WHERE p.id = s.id AND p.salary = 51234 RETURNING s.id;
SELECT * FROM enforce_dm_raw.sink;
RESET ROLE;
-- the owner may change its data
SET ROLE regress_enforce_dm_owner;
UPDATE enforce_dm_raw.people SET region = region WHERE salary > 51000 RETURNING id, email;
RESET ROLE;

-- clean up
SELECT mesh.drop_masking_policy(name) FROM mesh.masking_policies WHERE name LIKE 'enforce_dm%' ORDER BY name;
SELECT mesh.drop_data_product(p.domain || '.' || p.name, force => true) FROM mesh.data_products p WHERE p.domain = 'enforce_dm' ORDER BY p.id DESC;
SELECT mesh.drop_domain('enforce_dm');
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_dm%';
DROP SCHEMA enforce_dm_raw CASCADE;
DROP OWNED BY regress_enforce_dm_reader;
DROP ROLE regress_enforce_dm_owner, regress_enforce_dm_reader;
