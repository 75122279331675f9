-- attack_roles: group roles and SET ROLE.  Exemption, unmasked_for and
-- consumer attributes follow membership at plan time; a membership change
-- resets cached plans, so a revoked member is masked again at once.
\set SHOW_CONTEXT never
CREATE ROLE regress_enforce_rl_owner NOLOGIN;
CREATE ROLE regress_enforce_rl_reader LOGIN;
CREATE SCHEMA enforce_rl_raw AUTHORIZATION regress_enforce_rl_owner;
SET ROLE regress_enforce_rl_owner;
CREATE TABLE enforce_rl_raw.people (id int PRIMARY KEY, email text UNIQUE, region text, salary numeric);
INSERT INTO enforce_rl_raw.people VALUES
    (1, 'ann@example.org', 'emea', 51234), (2, 'bob@example.com', 'us', 72000), (3, 'cho@example.net', 'apac', 64500);
GRANT USAGE ON SCHEMA enforce_rl_raw TO regress_enforce_rl_reader;
GRANT SELECT ON enforce_rl_raw.people TO regress_enforce_rl_reader;
RESET ROLE;
SELECT mesh.create_domain('enforce_rl', 'regress_enforce_rl_owner');
SELECT mesh.create_data_product('enforce_rl.people', 'enforce_rl_raw.people',
    '{"purpose": "people", "columns": {"email": {"classification": "enforce_rl.email"}, "salary": {"classification": "enforce_rl.money"}}}') > 0 AS created;
GRANT USAGE ON SCHEMA enforce_rl TO regress_enforce_rl_reader;
GRANT SELECT ON enforce_rl.people TO regress_enforce_rl_reader;
SELECT mesh.create_masking_policy('enforce_rl_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('enforce_rl_email', 'enforce_rl.email');
SELECT mesh.create_masking_policy('enforce_rl_money', 'mesh.mask_round(value, -4)');
SELECT mesh.bind_masking_policy('enforce_rl_money', 'enforce_rl.money');
SELECT mesh.set_consumer_attribute('regress_enforce_rl_reader', 'region', 'emea');
SELECT mesh.create_row_policy('enforce_rl.people', 'by_region', 'region = mesh.attribute(''region'')');
CREATE ROLE regress_enforce_rl_group NOLOGIN;
CREATE ROLE regress_enforce_rl_member LOGIN IN ROLE regress_enforce_rl_group;
CREATE ROLE regress_enforce_rl_noinherit LOGIN NOINHERIT IN ROLE regress_enforce_rl_owner;
GRANT USAGE ON SCHEMA enforce_rl_raw TO regress_enforce_rl_group, regress_enforce_rl_noinherit;
GRANT SELECT ON enforce_rl_raw.people TO regress_enforce_rl_group, regress_enforce_rl_noinherit;
SELECT mesh.set_consumer_attribute('regress_enforce_rl_group', 'region', 'us');
SELECT mesh.set_consumer_attribute('regress_enforce_rl_noinherit', 'region', 'apac');
SELECT mesh.create_masking_policy('enforce_rl_hr_only', 'mesh.mask_redact(value)', 'pg_has_role(''regress_enforce_rl_group'', ''USAGE'')');
SELECT mesh.bind_masking_policy('enforce_rl_hr_only', 'enforce_rl.people', 'region');
-- a member reads with the group's privileges and inherits its attribute
SET ROLE regress_enforce_rl_member;
SELECT id, email, region FROM enforce_rl_raw.people ORDER BY id;
-- SET ROLE to the group: the same
SET ROLE regress_enforce_rl_group;
SELECT id, email, region FROM enforce_rl_raw.people ORDER BY id;
RESET ROLE;
-- membership of the owner without inheriting its privileges is not exemption
SET ROLE regress_enforce_rl_noinherit;
SELECT id, email, region FROM enforce_rl_raw.people ORDER BY id;
-- ... until the member takes the owner's role
SET ROLE regress_enforce_rl_owner;
SELECT id, email, region FROM enforce_rl_raw.people ORDER BY id;
RESET ROLE;
-- unmasked_for by membership; revoking it masks again, even a cached plan
SET plan_cache_mode = force_generic_plan;
GRANT regress_enforce_rl_group TO regress_enforce_rl_reader;
SET ROLE regress_enforce_rl_reader;
PREPARE regions AS SELECT id, region FROM enforce_rl_raw.people ORDER BY id;
EXECUTE regions;
RESET ROLE;
REVOKE regress_enforce_rl_group FROM regress_enforce_rl_reader;
SET ROLE regress_enforce_rl_reader;
EXECUTE regions;
RESET ROLE;
RESET plan_cache_mode;
DEALLOCATE regions;
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_rl%';
DROP OWNED BY regress_enforce_rl_group;
DROP OWNED BY regress_enforce_rl_noinherit;
DROP ROLE regress_enforce_rl_member, regress_enforce_rl_noinherit, regress_enforce_rl_group;

-- clean up
SELECT mesh.drop_masking_policy(name) FROM mesh.masking_policies WHERE name LIKE 'enforce_rl%' ORDER BY name;
SELECT mesh.drop_data_product(p.domain || '.' || p.name, force => true) FROM mesh.data_products p WHERE p.domain = 'enforce_rl' ORDER BY p.id DESC;
SELECT mesh.drop_domain('enforce_rl');
DELETE FROM mesh.consumer_attributes WHERE role::text LIKE 'regress_enforce_rl%';
DROP SCHEMA enforce_rl_raw CASCADE;
DROP OWNED BY regress_enforce_rl_reader;
DROP ROLE regress_enforce_rl_owner, regress_enforce_rl_reader;
