-- Masks and row policies also govern the kept ports of earlier majors
-- (<product>_v<N>, mesh.product_versions): they stay granted to their
-- consumers until the sunset, so a masked reader of the _v0 port sees the
-- same masked values and filtered rows as on the current port.
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_kp_owner NOLOGIN;
CREATE ROLE regress_enforce_kp_reader NOLOGIN;
CREATE SCHEMA enforce_kp_raw AUTHORIZATION regress_enforce_kp_owner;
SET ROLE regress_enforce_kp_owner;
CREATE TABLE enforce_kp_raw.people (id int PRIMARY KEY, email text, region text, note text);
INSERT INTO enforce_kp_raw.people VALUES
    (1, 'Ann@Example.org', 'emea', 'a'),
    (2, 'Bob@Example.com', 'us', 'b'),
    (3, 'Cho@Example.net', 'apac', 'c');
RESET ROLE;
SELECT mesh.create_domain('enforce_kp', 'regress_enforce_kp_owner');
-- a computed column (masked in the port itself) and a column dropped by the next major
SELECT mesh.create_data_product('enforce_kp.contacts',
    'SELECT id, lower(email) AS email_lower, region, note FROM enforce_kp_raw.people',
    '{"purpose": "kept ports", "columns": {"email_lower": {"classification": "enforce_kp.email"}}}') > 0 AS created;
SELECT mesh.set_status('enforce_kp.contacts', 'active');
GRANT USAGE ON SCHEMA enforce_kp TO regress_enforce_kp_reader;
GRANT SELECT ON enforce_kp.contacts TO regress_enforce_kp_reader;
SELECT mesh.create_masking_policy('enforce_kp_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('enforce_kp_email', 'enforce_kp.email');
SELECT mesh.set_consumer_attribute('regress_enforce_kp_reader', 'region', 'emea');
SELECT mesh.create_row_policy('enforce_kp.contacts', 'by_region', 'region = mesh.attribute(''region'')');

-- a new major drops "note": 0.1.0 is kept side by side as enforce_kp.contacts_v0
SET client_min_messages = warning;
SELECT mesh.publish_version('enforce_kp.contacts', '1.0.0', '{"purpose": "kept ports",
    "source": "SELECT id, lower(email) AS email_lower, region FROM enforce_kp_raw.people",
    "columns": {"email_lower": {"classification": "enforce_kp.email"}}}') ->> 'class' AS class;
RESET client_min_messages;
SELECT v.version, v.status, v.port_name FROM mesh.product_versions v
  JOIN mesh.data_products p ON p.id = v.product_id WHERE p.domain = 'enforce_kp' ORDER BY v.version;
SELECT has_table_privilege('regress_enforce_kp_reader', 'enforce_kp.contacts_v0', 'SELECT') AS reader_keeps_v0;

-- the masked reader: masked values and filtered rows on both ports
SET ROLE regress_enforce_kp_reader;
SELECT * FROM enforce_kp.contacts ORDER BY id;
SELECT * FROM enforce_kp.contacts_v0 ORDER BY id;
SELECT count(*) AS unfiltered_v0_rows FROM enforce_kp.contacts_v0 WHERE region <> 'emea';
SELECT count(*) AS raw_emails_v0 FROM enforce_kp.contacts_v0 WHERE email_lower = 'ann@example.org';
RESET ROLE;
-- the rules of the kept port are in the enforcement catalog
SELECT r.relid::regclass AS relation, r.policy FROM mesh._enforcement_filters() r
 WHERE r.product = 'enforce_kp.contacts' ORDER BY 1::text;
SELECT m.relid::regclass AS relation, a.attname, m.policy FROM mesh._enforcement_masks() m
  JOIN pg_attribute a ON a.attrelid = m.relid AND a.attnum = m.attnum
 WHERE m.policy = 'enforce_kp_email' ORDER BY 1::text, 2;
-- the owner still sees raw data on the kept port
SET ROLE regress_enforce_kp_owner;
SELECT id, email_lower, region FROM enforce_kp.contacts_v0 ORDER BY id;
RESET ROLE;

-- once the old major is retired its port is gone, and so are its rules (the
-- sunset moved into the past in the same transaction: the scheduler does not
-- retire it first)
BEGIN;
UPDATE mesh.product_versions v SET sunset_at = now() - interval '1 second'
  FROM mesh.data_products p WHERE p.id = v.product_id AND p.domain = 'enforce_kp' AND v.version = '0.1.0';
SELECT mesh.retire_version('enforce_kp.contacts', '0.1.0');
COMMIT;
SELECT to_regclass('enforce_kp.contacts_v0') AS kept_port;
SELECT count(*) AS rules_left FROM mesh._enforcement_filters() r
 WHERE r.product = 'enforce_kp.contacts' AND r.relid::regclass::text LIKE '%\_v0';

-- clean up
SELECT mesh.drop_row_policy('enforce_kp.contacts', 'by_region');
SELECT mesh.drop_masking_policy('enforce_kp_email');
SELECT mesh.drop_data_product('enforce_kp.contacts', force => true);
SELECT mesh.drop_domain('enforce_kp');
DELETE FROM mesh.consumer_attributes WHERE role = 'regress_enforce_kp_reader'::regrole;
DROP SCHEMA enforce_kp_raw CASCADE;
DROP ROLE regress_enforce_kp_owner, regress_enforce_kp_reader;
