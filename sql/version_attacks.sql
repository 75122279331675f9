-- Attacks on the versions API: forged callers, hostile version strings and
-- sources, squatting on the names meshpg will use, reading through a new
-- source what the domain owner may not read, pretending to be the API.
\set SHOW_CONTEXT never
CREATE ROLE regress_versions_atk_owner NOLOGIN;
CREATE ROLE regress_versions_atk_member NOLOGIN IN ROLE regress_versions_atk_owner;
CREATE ROLE regress_versions_atk_stranger NOLOGIN;
SELECT mesh.create_domain('veratk', 'regress_versions_atk_owner');
CREATE TABLE veratk.t (id integer PRIMARY KEY, a text);
ALTER TABLE veratk.t OWNER TO regress_versions_atk_owner;
CREATE TABLE public.veratk_secret (id integer, secret text);
REVOKE ALL ON public.veratk_secret FROM PUBLIC;
SELECT mesh.create_data_product('veratk.p', 'SELECT id, a FROM veratk.t', '{"purpose": "attacks"}') > 0 AS created;
SELECT mesh.set_status('veratk.p', 'active');

-- forged caller: the implementations are not callable, whoever claims to be the caller
SET ROLE regress_versions_atk_stranger;
SELECT mesh._publish_version('regress_versions_atk_owner', 'veratk.p', '9.0.0', '{"purpose": "forged"}');
SELECT mesh._drift_check('regress_versions_atk_owner', 'veratk.t', 1::int2, 'drop');
SELECT mesh._retire_due_versions();
SELECT mesh._create_policy('regress_versions_atk_stranger', 'atk', '{"kind": "required", "fields": ["sla"]}', 'error');
-- catalog tables are read-only for everyone
INSERT INTO mesh.product_versions (product_id, version, major, status, contract) VALUES (1, '9.9.9', 9, 'active', '{}');
UPDATE mesh.breaking_changes SET consumed_by = 'x';
DELETE FROM mesh.global_policies;
-- the API's own DDL flag is superuser-only
SET meshpg.sanctioned_port_ddl = on;
SELECT set_config('meshpg.sanctioned_port_ddl', 'on', true);
RESET ROLE;

-- hostile version strings are refused before anything is read
SELECT mesh.publish_version('veratk.p', '1.0.0''; DROP TABLE veratk.t; --', '{"purpose": "x"}');
SELECT mesh.publish_version('veratk.p', '1.0.0-', '{"purpose": "x"}');
SELECT mesh.publish_version('veratk.p', '01.0.0', '{"purpose": "x"}');
SELECT mesh.publish_version('veratk.p', '1.0.0+', '{"purpose": "x"}');
SELECT to_regclass('veratk.t') IS NOT NULL AS table_still_there;

-- a new source is parsed once, must be one read-only SELECT, and is read as the domain owner
SELECT mesh.publish_version('veratk.p', '1.0.0', '{"purpose": "x", "source": "SELECT id, a FROM veratk.t; DROP TABLE veratk.t"}');
SELECT mesh.publish_version('veratk.p', '1.0.0', '{"purpose": "x", "source": "WITH d AS (DELETE FROM veratk.t RETURNING *) SELECT * FROM d"}');
SELECT mesh.publish_version('veratk.p', '1.0.0', '{"purpose": "x", "source": "SELEC id FROM veratk.t"}');
SET ROLE regress_versions_atk_member;
SELECT mesh.publish_version('veratk.p', '1.0.0', '{"purpose": "x", "source": "SELECT id, secret AS a FROM public.veratk_secret"}');
SELECT * FROM mesh.diff('veratk.p', '{"purpose": "x", "source": "SELECT id, secret AS a FROM public.veratk_secret"}');
RESET ROLE;
SELECT count(*) AS staging_views FROM pg_class WHERE relname LIKE '\_meshpg\_next\_%';

-- squatting on the staging name: meshpg builds its staging view under another name,
-- and leaves the squatter's table alone; squatting on the kept-major name is refused
DO $$
BEGIN
    EXECUTE format('CREATE TABLE veratk.%I (x integer)',
                   '_meshpg_next_' || (SELECT id FROM mesh.data_products WHERE domain = 'veratk'));
END
$$;
SELECT mesh.publish_version('veratk.p', '0.2.0', '{"purpose": "x", "source": "SELECT id, a, 1 AS b FROM veratk.t"}') ->> 'class' AS class;
SELECT count(*) AS squatter_tables FROM pg_class WHERE relname LIKE '\_meshpg\_next\_%' AND relkind = 'r';
DO $$
BEGIN
    EXECUTE format('DROP TABLE veratk.%I', '_meshpg_next_' || (SELECT id FROM mesh.data_products WHERE domain = 'veratk'));
END
$$;
CREATE VIEW veratk.p_v0 AS SELECT 1 AS x;
SELECT mesh.publish_version('veratk.p', '1.0.0', '{"purpose": "x", "source": "SELECT id FROM veratk.t"}');
DROP VIEW veratk.p_v0;
SELECT version, (SELECT count(*) FROM mesh.product_versions v WHERE v.product_id = p.id) AS versions
  FROM mesh.data_products p WHERE domain = 'veratk';

-- the override names one product exactly: a pattern or a list does not match
BEGIN;
SET LOCAL meshpg.allow_breaking_change = 'veratk.%';
ALTER TABLE veratk.t RENAME COLUMN a TO b;
ROLLBACK;
BEGIN;
SET LOCAL meshpg.allow_breaking_change = 'veratk.p, veratk.q';
ALTER TABLE veratk.t RENAME COLUMN a TO b;
ROLLBACK;
-- a stranger's statement cannot be smuggled through an owner's transaction setting:
-- membership is checked for the role that runs the DDL
BEGIN;
SET LOCAL meshpg.allow_breaking_change = 'veratk.p';
SET LOCAL ROLE regress_versions_atk_stranger;
ALTER TABLE veratk.t RENAME COLUMN a TO b;
ROLLBACK;

-- policies hold no SQL: a json_path rule is a path, not a query
SELECT mesh.create_policy('veratk_sql', '{"kind": "json_path", "path": "$.x ? (@ == 1) || (SELECT 1)"}', 'error');

-- clean up
SELECT mesh.drop_data_product('veratk.p', force => true);
DROP TABLE veratk.t, public.veratk_secret;
SELECT mesh.drop_domain('veratk');
DROP ROLE regress_versions_atk_owner, regress_versions_atk_member, regress_versions_atk_stranger;
