-- attack_side_channels: unique and foreign-key constraints.  A masked reader
-- who may INSERT learns whether a value it guesses exists (the constraint
-- must answer); it never learns a value it did not supply.  This is the one
-- channel left open, documented in docs/security.md.
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_sc_owner NOLOGIN;
CREATE ROLE regress_enforce_sc_reader LOGIN;
CREATE SCHEMA enforce_sc_raw AUTHORIZATION regress_enforce_sc_owner;
SET ROLE regress_enforce_sc_owner;
CREATE TABLE enforce_sc_raw.people (id int PRIMARY KEY, email text UNIQUE, region text, salary numeric);
INSERT INTO enforce_sc_raw.people VALUES
    (1, 'ann@example.org', 'emea', 51234), (2, 'bob@example.com', 'us', 72000), (3, 'cho@example.net', 'apac', 64500);
GRANT USAGE ON SCHEMA enforce_sc_raw TO regress_enforce_sc_reader;
GRANT SELECT ON enforce_sc_raw.people TO regress_enforce_sc_reader;
RESET ROLE;
SELECT mesh.create_domain('enforce_sc', 'regress_enforce_sc_owner');
SELECT mesh.create_data_product('enforce_sc.people', 'enforce_sc_raw.people',
    '{"purpose": "people", "columns": {"email": {"classification": "enforce_sc.email"}, "salary": {"classification": "enforce_sc.money"}}}') > 0 AS created;
GRANT USAGE ON SCHEMA enforce_sc TO regress_enforce_sc_reader;
GRANT SELECT ON enforce_sc.people TO regress_enforce_sc_reader;
SELECT mesh.create_masking_policy('enforce_sc_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('enforce_sc_email', 'enforce_sc.email');
SELECT mesh.create_masking_policy('enforce_sc_money', 'mesh.mask_round(value, -4)');
SELECT mesh.bind_masking_policy('enforce_sc_money', 'enforce_sc.money');
SELECT mesh.set_consumer_attribute('regress_enforce_sc_reader', 'region', 'emea');
SELECT mesh.create_row_policy('enforce_sc.people', 'by_region', 'region = mesh.attribute(''region'')');
GRANT INSERT ON enforce_sc_raw.people TO regress_enforce_sc_reader;
SET ROLE regress_enforce_sc_reader;
INSERT INTO enforce_sc_raw.people VALUES (10, 'ann@example.org', 'emea', 1);
INSERT INTO enforce_sc_raw.people VALUES (1, 'new@example.org', 'emea', 1);
-- what RETURNING gives back is what the reader wrote
INSERT INTO enforce_sc_raw.people VALUES (11, 'new@example.org', 'emea', 1) RETURNING *;
-- ON CONFLICT DO UPDATE would read the existing row: refused
INSERT INTO enforce_sc_raw.people VALUES (1, 'x@example.org', 'emea', 1)
    ON CONFLICT (id) DO UPDATE SET region = excluded.region RETURNING *;
-- ON CONFLICT DO NOTHING reveals only existence, like the unique error
INSERT INTO enforce_sc_raw.people VALUES (1, 'y@example.org', 'emea', 1) ON CONFLICT DO NOTHING RETURNING *;
RESET ROLE;
-- a foreign key to a governed table tells only whether a guessed key exists
SET ROLE regress_enforce_sc_owner;
GRANT REFERENCES ON enforce_sc_raw.people TO regress_enforce_sc_reader;
RESET ROLE;
GRANT CREATE ON SCHEMA enforce_sc_raw TO regress_enforce_sc_reader;
SET ROLE regress_enforce_sc_reader;
CREATE TABLE enforce_sc_raw.probe (email text REFERENCES enforce_sc_raw.people (email));
INSERT INTO enforce_sc_raw.probe VALUES ('bob@example.com');
INSERT INTO enforce_sc_raw.probe VALUES ('nobody@example.com');
RESET ROLE;

-- clean up
SELECT mesh.drop_masking_policy(name) FROM mesh.masking_policies WHERE name LIKE 'enforce_sc%' ORDER BY name;
SELECT mesh.drop_data_product(p.domain || '.' || p.name, force => true) FROM mesh.data_products p WHERE p.domain = 'enforce_sc' ORDER BY p.id DESC;
SELECT mesh.drop_domain('enforce_sc');
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_sc%';
DROP SCHEMA enforce_sc_raw CASCADE;
DROP OWNED BY regress_enforce_sc_reader;
DROP ROLE regress_enforce_sc_owner, regress_enforce_sc_reader;
