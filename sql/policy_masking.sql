-- Masks and row policies as consumers see them: ports and base tables, tag
-- and column bindings (the column wins), unmasked_for, conditional masks,
-- computed port columns, row policies by consumer attribute.
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_pm_owner NOLOGIN;
CREATE ROLE regress_enforce_pm_reader LOGIN;
CREATE ROLE regress_enforce_pm_hr NOLOGIN;
CREATE ROLE regress_enforce_pm_analyst LOGIN IN ROLE regress_enforce_pm_hr;
CREATE SCHEMA enforce_pm_raw AUTHORIZATION regress_enforce_pm_owner;
SET ROLE regress_enforce_pm_owner;
CREATE TABLE enforce_pm_raw.people (id int PRIMARY KEY, email text, region text, salary numeric, consent boolean, phone text);
INSERT INTO enforce_pm_raw.people VALUES
    (1, 'ann@example.org', 'emea', 51234, true, '+33 1 23 45 67 89'),
    (2, 'bob@example.com', 'us', 72000, false, '+1 555 0100'),
    (3, 'cho@example.net', 'apac', 64500, false, NULL);
GRANT USAGE ON SCHEMA enforce_pm_raw TO PUBLIC;
GRANT SELECT ON enforce_pm_raw.people TO PUBLIC;
RESET ROLE;
SELECT mesh.create_domain('enforce_pm', 'regress_enforce_pm_owner');
SELECT mesh.create_data_product('enforce_pm.people', 'enforce_pm_raw.people',
    '{"purpose": "people", "columns": {"email": {"classification": "enforce_pm.email"}, "salary": {"classification": "enforce_pm.money"}, "phone": {"classification": "enforce_pm.phone"}}}') > 0 AS created;
SELECT mesh.create_data_product('enforce_pm.contacts',
    'SELECT id, lower(email) AS email_lower, region FROM enforce_pm_raw.people',
    '{"purpose": "contacts", "columns": {"email_lower": {"classification": "enforce_pm.email"}}}') > 0 AS created;
GRANT USAGE ON SCHEMA enforce_pm TO PUBLIC;
GRANT SELECT ON enforce_pm.people, enforce_pm.contacts TO PUBLIC;

-- before any policy: raw
SET ROLE regress_enforce_pm_reader;
SELECT id, email FROM enforce_pm.people ORDER BY id;
RESET ROLE;

SELECT mesh.create_masking_policy('enforce_pm_email', 'mesh.mask_email(value)',
                                  unmasked_for => 'pg_has_role(''regress_enforce_pm_hr'', ''MEMBER'')');
SELECT mesh.bind_masking_policy('enforce_pm_email', 'enforce_pm.email');
SELECT mesh.create_masking_policy('enforce_pm_money', 'mesh.mask_round(value, -4)');
SELECT mesh.bind_masking_policy('enforce_pm_money', 'enforce_pm.money');
-- conditional mask: the phone is shown only when the person consented
SELECT mesh.create_masking_policy('enforce_pm_phone', 'CASE WHEN consent THEN value ELSE mesh.mask_partial(value, 0, 2) END');
SELECT mesh.bind_masking_policy('enforce_pm_phone', 'enforce_pm.phone');

-- a masked reader: the port, the base table, and the computed port column
SET ROLE regress_enforce_pm_reader;
SELECT * FROM enforce_pm.people ORDER BY id;
SELECT * FROM enforce_pm_raw.people ORDER BY id;
SELECT * FROM enforce_pm.contacts ORDER BY id;
-- aggregates see masked values only
SELECT sum(salary) AS total, count(DISTINCT email) AS emails FROM enforce_pm.people;
RESET ROLE;

-- unmasked_for: a member of the hr role sees e-mails, not salaries
SET ROLE regress_enforce_pm_analyst;
SELECT id, email, salary FROM enforce_pm.people ORDER BY id;
SELECT email_lower FROM enforce_pm.contacts ORDER BY id;
RESET ROLE;

-- the owner and superusers see raw data
SET ROLE regress_enforce_pm_owner;
SELECT id, email, salary FROM enforce_pm.people ORDER BY id;
RESET ROLE;
SELECT id, email, salary FROM enforce_pm.people ORDER BY id;

-- a column binding wins over the tag binding
SELECT mesh.create_masking_policy('enforce_pm_email_redact', 'mesh.mask_redact(value)');
SELECT mesh.bind_masking_policy('enforce_pm_email_redact', 'enforce_pm.people', 'email');
SET ROLE regress_enforce_pm_reader;
SELECT id, email FROM enforce_pm.people ORDER BY id;
SELECT id, email_lower FROM enforce_pm.contacts ORDER BY id;
RESET ROLE;
SELECT mesh.unbind_masking_policy('enforce_pm_email_redact', 'enforce_pm.people', 'email');

-- row policies by consumer attribute: on the port and on the table it reads
SELECT mesh.set_consumer_attribute('regress_enforce_pm_reader', 'region', 'emea');
SELECT mesh.create_row_policy('enforce_pm.people', 'by_region', 'region = mesh.attribute(''region'')');
SET ROLE regress_enforce_pm_reader;
SELECT id, email, region FROM enforce_pm.people ORDER BY id;
SELECT id, region FROM enforce_pm_raw.people ORDER BY id;
SELECT count(*) FROM enforce_pm_raw.people WHERE region <> 'emea';
RESET ROLE;
-- a reader without the attribute sees no row; changing it takes effect at once
SET ROLE regress_enforce_pm_analyst;
SELECT count(*) AS no_attribute FROM enforce_pm.people;
RESET ROLE;
SELECT mesh.set_consumer_attribute('regress_enforce_pm_reader', 'region', 'us');
SET ROLE regress_enforce_pm_reader;
SELECT id, region FROM enforce_pm.people ORDER BY id;
RESET ROLE;
-- the owner is not filtered
SET ROLE regress_enforce_pm_owner;
SELECT count(*) AS owner_sees FROM enforce_pm.people;
RESET ROLE;
-- two row policies: both must pass
SELECT mesh.create_row_policy('enforce_pm.people', 'rich_only', 'salary > 70000');
SET ROLE regress_enforce_pm_reader;
SELECT id, region FROM enforce_pm.people ORDER BY id;
RESET ROLE;
SELECT mesh.drop_row_policy('enforce_pm.people', 'rich_only');

-- unmasked_for on a consumer attribute; a new attribute value takes effect at once
SELECT mesh.create_masking_policy('enforce_pm_clearance', 'mesh.mask_redact(value)',
                                  'mesh.attribute(''clearance'') = ''high''');
SELECT mesh.bind_masking_policy('enforce_pm_clearance', 'enforce_pm.people', 'region');
SET ROLE regress_enforce_pm_reader;
SELECT id, region FROM enforce_pm.people ORDER BY id;
RESET ROLE;
SELECT mesh.set_consumer_attribute('regress_enforce_pm_reader', 'clearance', 'high');
SET ROLE regress_enforce_pm_reader;
SELECT id, region FROM enforce_pm.people ORDER BY id;
RESET ROLE;
SELECT mesh.unbind_masking_policy('enforce_pm_clearance', 'enforce_pm.people', 'region');

-- dropping the policy unmasks
SELECT mesh.drop_masking_policy('enforce_pm_money');
SET ROLE regress_enforce_pm_reader;
SELECT id, salary FROM enforce_pm.people ORDER BY id;
RESET ROLE;

-- clean up
SELECT mesh.drop_masking_policy(name) FROM mesh.masking_policies WHERE name LIKE 'enforce_pm%' ORDER BY name;
SELECT mesh.drop_data_product('enforce_pm.contacts', force => true);
SELECT mesh.drop_data_product('enforce_pm.people', force => true);
SELECT mesh.drop_domain('enforce_pm');
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_pm%';
DROP SCHEMA enforce_pm_raw CASCADE;
DROP ROLE regress_enforce_pm_owner, regress_enforce_pm_reader, regress_enforce_pm_hr, regress_enforce_pm_analyst;
