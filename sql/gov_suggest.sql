-- mesh.suggest_classifications: from column names and from a bounded sample
-- of values read with the caller's rights; the value detectors on their own.
\set SHOW_CONTEXT never
-- the detectors: valid values, and near misses that must not match
SELECT v, mesh._value_kind(v) AS kind
  FROM (VALUES ('alice@example.com'), ('  bob.smith+tag@mail.example.co.uk '), ('a@b'), ('a@@b.com'),
               ('.a@b.com'), ('a..b@c.com'), ('a@-b.com'), ('a@b.c0m'), ('not an email'),
               ('+33612345678'), ('+1 (555) 123-4567'), ('0612345678'), ('06 12 34 56 78'), ('0044 20 7946 0958'),
               ('(555) 123-4567'), ('5551234567'), ('+0612345678'), ('12345'),
               ('4111 1111 1111 1111'), ('4111-1111-1111-1112'), ('5500000000000004'), ('0000000000000000'),
               ('DE89 3704 0044 0532 0130 00'), ('GB82WEST12345698765432'), ('GB82WEST12345698765433'),
               ('de89370400440532013000'), ('Ünïcødé 😀'), ('')) AS t(v);
SELECT mesh._value_kind(repeat('1', 400)) AS too_long, mesh._value_kind(NULL) AS strict;
SELECT column_name, tag, confidence
  FROM (VALUES ('email'), ('customer_email'), ('mail_address'), ('emailing_campaign'), ('mobile_phone'),
               ('dob'), ('date_of_birth'), ('iban'), ('card_number'), ('last_name'), ('name'),
               ('product_name'), ('zip_code'), ('amount')) AS t(column_name)
  LEFT JOIN LATERAL mesh._name_hint(t.column_name) ON true;

CREATE ROLE govcat_sug_owner NOLOGIN;
CREATE ROLE govcat_sug_reader LOGIN;
CREATE ROLE govcat_sug_stranger LOGIN;
SELECT mesh.create_domain('govsug', 'govcat_sug_owner');
CREATE TABLE govsug.people_raw (
    id integer PRIMARY KEY, contact text, tel text, born date, account text, payment text,
    last_name text, signup date, note text, zip_code text);
INSERT INTO govsug.people_raw
SELECT i, 'user' || i || '@example.org', '+4915' || lpad(i::text, 9, '0'),
       date '1950-01-01' + i * 10, 'GB82WEST12345698765432', '4111 1111 1111 1111',
       'Name' || i, current_date - i, 'free text ' || i, lpad(i::text, 5, '0')
  FROM generate_series(1, 2000) AS i;
ALTER TABLE govsug.people_raw OWNER TO govcat_sug_owner;
SELECT mesh.create_data_product('govsug.people', 'govsug.people_raw',
    '{"purpose": "people", "columns": {"zip_code": {"classification": "pii.address"}}}') > 0 AS created;
GRANT SELECT ON govsug.people TO govcat_sug_reader;

-- a reader of the port: names and values (zip_code is already classified: not suggested again)
SET ROLE govcat_sug_reader;
SELECT * FROM mesh.suggest_classifications('govsug.people');
RESET ROLE;
-- someone who cannot read the port gets name-based suggestions only: the sample
-- is read with the caller's rights, never the extension owner's
SET ROLE govcat_sug_stranger;
SELECT * FROM mesh.suggest_classifications('govsug.people');
RESET ROLE;
-- errors
SELECT * FROM mesh.suggest_classifications('govsug.nothing');
SELECT * FROM mesh.suggest_classifications(NULL);

SELECT mesh.drop_data_product('govsug.people');
DROP TABLE govsug.people_raw;
SELECT mesh.drop_domain('govsug');
DROP ROLE govcat_sug_owner, govcat_sug_reader, govcat_sug_stranger;
