-- Masking policies, bindings, consumer attributes and row policies: the API,
-- who may call it, and every error.
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_cat_owner NOLOGIN;
CREATE ROLE regress_enforce_cat_dev LOGIN IN ROLE regress_enforce_cat_owner;
CREATE ROLE regress_enforce_cat_gov NOLOGIN;
CREATE ROLE regress_enforce_cat_steward LOGIN IN ROLE regress_enforce_cat_gov;
CREATE ROLE regress_enforce_cat_user LOGIN;
CREATE ROLE regress_enforce_cat_team NOLOGIN;
CREATE ROLE regress_enforce_cat_member LOGIN IN ROLE regress_enforce_cat_team;
CREATE SCHEMA enforce_cat_raw AUTHORIZATION regress_enforce_cat_owner;
CREATE TABLE enforce_cat_raw.customers (id int PRIMARY KEY, email text, region text, birth date, salary numeric);
ALTER TABLE enforce_cat_raw.customers OWNER TO regress_enforce_cat_owner;
SELECT mesh.create_domain('enforce_cat', 'regress_enforce_cat_owner');
SET ROLE regress_enforce_cat_dev;
SELECT mesh.create_data_product('enforce_cat.customers', 'enforce_cat_raw.customers',
    '{"purpose": "customers", "columns": {"email": {"classification": "pii.email"}}}') > 0 AS created;
RESET ROLE;

-- superusers govern
SELECT mesh.create_masking_policy('enforce_cat_email', 'mesh.mask_email(value)');
SELECT name, mask, unmasked_for FROM mesh.masking_policies WHERE name LIKE 'enforce_cat%';
-- ordinary roles do not, not even the domain owner
SET ROLE regress_enforce_cat_dev;
SELECT mesh.create_masking_policy('enforce_cat_mine', 'value');
SELECT mesh.bind_masking_policy('enforce_cat_email', 'pii.email');
SELECT mesh.set_consumer_attribute('regress_enforce_cat_dev', 'region', 'emea');
SELECT mesh.drop_masking_policy('enforce_cat_email');
RESET ROLE;
-- nor can anyone write the catalog tables directly
SET ROLE regress_enforce_cat_user;
INSERT INTO mesh.masking_policies (name, mask) VALUES ('x', 'value');
DELETE FROM mesh.masking_policy_bindings;
UPDATE mesh.consumer_attributes SET value = 'all';
DELETE FROM mesh.row_policies;
-- ... but may read them: policies are not secrets
SELECT count(*) >= 1 AS readable FROM mesh.masking_policies;
RESET ROLE;
-- members of meshpg_governance govern (the role is created by the DBA)
SET ROLE regress_enforce_cat_steward;
SELECT mesh.create_masking_policy('enforce_cat_redact', 'mesh.mask_redact(value)');
RESET ROLE;
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'meshpg_governance') AS created_here \gset
\if :created_here
CREATE ROLE meshpg_governance NOLOGIN;
\endif
GRANT meshpg_governance TO regress_enforce_cat_gov;
SET ROLE regress_enforce_cat_steward;
SELECT mesh.create_masking_policy('enforce_cat_redact', 'mesh.mask_redact(value)');
RESET ROLE;
REVOKE meshpg_governance FROM regress_enforce_cat_gov;

-- names, nulls and duplicates
SELECT mesh.create_masking_policy('Bad Name', 'value');
SELECT mesh.create_masking_policy(NULL, 'value');
SELECT mesh.create_masking_policy('enforce_cat_x', NULL);
SELECT mesh.create_masking_policy('enforce_cat_email', 'value');

-- validation: one expression, no sub-query, trusted code only
SELECT mesh.create_masking_policy('enforce_cat_bad', 'value FROM pg_authid');
SELECT mesh.create_masking_policy('enforce_cat_bad', 'value; DROP TABLE x');
SELECT mesh.create_masking_policy('enforce_cat_bad', '(SELECT rolpassword FROM pg_authid LIMIT 1)');
SELECT mesh.create_masking_policy('enforce_cat_bad', 'value', '(SELECT true)');
SELECT mesh.create_masking_policy('enforce_cat_bad', 'value', 'count(*) > 0');
SELECT mesh.create_masking_policy('enforce_cat_bad', 'value', 'no_such_column');
SELECT mesh.create_masking_policy('enforce_cat_bad', 'value', '42');
CREATE FUNCTION public.enforce_cat_untrusted(text) RETURNS text LANGUAGE sql AS 'SELECT $1';
ALTER FUNCTION public.enforce_cat_untrusted(text) OWNER TO regress_enforce_cat_user;
SELECT mesh.create_masking_policy('enforce_cat_bad', 'value', 'public.enforce_cat_untrusted(''x'') = ''x''');

-- binding to a tag: the mask must fit every column with the tag
SELECT mesh.bind_masking_policy('enforce_cat_email', 'pii.email');
SELECT mesh.bind_masking_policy('enforce_cat_redact', 'pii.email');
SELECT mesh.bind_masking_policy('enforce_cat_nope', 'pii.other');
SELECT mesh.bind_masking_policy('enforce_cat_email', NULL::text);
SELECT mesh.create_masking_policy('enforce_cat_round', 'mesh.mask_round(value, -3)');
SELECT mesh.bind_masking_policy('enforce_cat_round', 'financial');
-- a mask on a column of another type is refused at bind time
SELECT mesh.bind_masking_policy('enforce_cat_round', 'enforce_cat.customers', 'email');
SELECT mesh.bind_masking_policy('enforce_cat_email', 'enforce_cat.customers', 'salary');
-- untrusted code in a mask is refused when it is bound, naming the function
SELECT mesh.create_masking_policy('enforce_cat_evil', 'public.enforce_cat_untrusted(value)');
SELECT mesh.bind_masking_policy('enforce_cat_evil', 'enforce_cat.customers', 'region');

-- the domain owner binds policies to its own columns, not to other domains'
SET ROLE regress_enforce_cat_dev;
SELECT mesh.bind_masking_policy('enforce_cat_round', 'enforce_cat.customers', 'salary');
SELECT mesh.bind_masking_policy('enforce_cat_round', 'enforce_cat.customers', 'salary');
SELECT mesh.bind_masking_policy('enforce_cat_redact', 'enforce_cat.customers', 'nope');
RESET ROLE;
SET ROLE regress_enforce_cat_user;
SELECT mesh.bind_masking_policy('enforce_cat_redact', 'enforce_cat.customers', 'region');
SELECT mesh.create_row_policy('enforce_cat.customers', 'mine', 'true');
RESET ROLE;
SELECT policy, tag, column_name FROM mesh.masking_policy_bindings b
 WHERE policy LIKE 'enforce_cat%' ORDER BY policy, tag, column_name;
-- pinned for the global rules: is a mask applied to the column?
SELECT c.name, mesh._column_is_masked(c.product_id, c.name) AS masked
  FROM mesh.data_product_columns c JOIN mesh.data_products p ON p.id = c.product_id
 WHERE p.domain = 'enforce_cat' ORDER BY c.position;

-- consumer attributes, read with mesh.attribute(); inherited when unambiguous
SELECT mesh.set_consumer_attribute('regress_enforce_cat_team', 'region', 'emea');
SELECT mesh.set_consumer_attribute('regress_enforce_cat_user', 'region', 'us');
SELECT mesh.set_consumer_attribute('regress_enforce_cat_user', 'Bad Key', 'x');
SELECT mesh.set_consumer_attribute(NULL, 'region', 'x');
SET ROLE regress_enforce_cat_member;
SELECT mesh.attribute('region') AS inherited;
RESET ROLE;
SET ROLE regress_enforce_cat_user;
SELECT mesh.attribute('region') AS own, mesh.attribute('nothing') AS unset;
RESET ROLE;
-- two groups that disagree: no value (a filter on it lets no row through)
CREATE ROLE regress_enforce_cat_team2 NOLOGIN;
GRANT regress_enforce_cat_team2 TO regress_enforce_cat_member;
SELECT mesh.set_consumer_attribute('regress_enforce_cat_team2', 'region', 'us');
SET ROLE regress_enforce_cat_member;
SELECT mesh.attribute('region') IS NULL AS ambiguous_is_null;
RESET ROLE;
-- the member's own value wins
SELECT mesh.set_consumer_attribute('regress_enforce_cat_member', 'region', 'apac');
SET ROLE regress_enforce_cat_member;
SELECT mesh.attribute('region') AS own_wins;
RESET ROLE;
-- NULL removes
SELECT mesh.set_consumer_attribute('regress_enforce_cat_member', 'region', NULL);
SELECT count(*) FROM mesh.consumer_attributes WHERE role = 'regress_enforce_cat_member'::regrole;

-- row policies: validated against the product's columns
SET ROLE regress_enforce_cat_dev;
SELECT mesh.create_row_policy('enforce_cat.customers', 'by_region', 'region = mesh.attribute(''region'')');
SELECT mesh.create_row_policy('enforce_cat.customers', 'by_region', 'true');
SELECT mesh.create_row_policy('enforce_cat.customers', 'bad', 'nope = 1');
SELECT mesh.create_row_policy('enforce_cat.customers', 'bad', 'region');
SELECT mesh.create_row_policy('enforce_cat.customers', 'bad', 'random() > 0.5');
SELECT mesh.create_row_policy('enforce_cat.customers', 'bad', 'id IN (SELECT 1)');
SELECT mesh.create_row_policy('enforce_cat.nope', 'bad', 'true');
SELECT product_id IS NOT NULL AS stored, name, filter FROM mesh.row_policies WHERE name = 'by_region';
SELECT mesh.drop_row_policy('enforce_cat.customers', 'by_region');
SELECT mesh.drop_row_policy('enforce_cat.customers', 'by_region');
RESET ROLE;

-- unbinding and dropping
SELECT mesh.unbind_masking_policy('enforce_cat_email', 'pii.email');
SELECT mesh.unbind_masking_policy('enforce_cat_email', 'pii.email');
SELECT mesh.unbind_masking_policy('enforce_cat_round', 'enforce_cat.customers', 'salary');
SELECT mesh.unbind_masking_policy('enforce_cat_round', 'enforce_cat.customers', 'salary');
SELECT mesh.drop_masking_policy('enforce_cat_round');
SELECT mesh.drop_masking_policy('enforce_cat_round');
SELECT count(*) FROM mesh.masking_policy_bindings WHERE policy = 'enforce_cat_round';

-- clean up
SELECT mesh.drop_masking_policy(name) FROM mesh.masking_policies WHERE name LIKE 'enforce_cat%' ORDER BY name;
SELECT mesh.drop_data_product('enforce_cat.customers', force => true);
SELECT mesh.drop_domain('enforce_cat');
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_cat%';
DROP FUNCTION public.enforce_cat_untrusted(text);
DROP SCHEMA enforce_cat_raw CASCADE;
\if :created_here
DROP ROLE meshpg_governance;
\endif
DROP ROLE regress_enforce_cat_owner, regress_enforce_cat_dev, regress_enforce_cat_gov, regress_enforce_cat_steward,
    regress_enforce_cat_user, regress_enforce_cat_team, regress_enforce_cat_team2, regress_enforce_cat_member;
