-- The contract-versions API (docs/contracts.md): signatures, argument names,
-- defaults, return types, comments, and the SQLSTATEs scripts branch on.
\set QUIET 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS meshpg;

SELECT plan(44);

-- 1. Signatures and return types
SELECT function_returns('mesh', 'publish_version', ARRAY['text', 'text', 'jsonb'], 'jsonb',
                        'mesh.publish_version(text, text, jsonb) returns jsonb');
SELECT function_returns('mesh', 'diff', ARRAY['text', 'jsonb'], 'setof mesh.contract_change',
                        'mesh.diff(text, jsonb) returns setof mesh.contract_change');
SELECT function_returns('mesh', 'diff_json', ARRAY['text', 'jsonb', 'text'], 'jsonb',
                        'mesh.diff_json(text, jsonb, text) returns jsonb');
SELECT function_returns('mesh', 'deprecate_version', ARRAY['text', 'text', 'timestamp with time zone'], 'timestamp with time zone',
                        'mesh.deprecate_version(text, text, timestamptz) returns the sunset');
SELECT function_returns('mesh', 'retire_version', ARRAY['text', 'text'], 'void',
                        'mesh.retire_version(text, text) returns void');
SELECT function_returns('mesh', 'create_policy', ARRAY['text', 'jsonb', 'text'], 'void',
                        'mesh.create_policy(text, jsonb, text) returns void');
SELECT function_returns('mesh', 'drop_policy', ARRAY['text'], 'void', 'mesh.drop_policy(text) returns void');
SELECT function_returns('mesh', 'plan', ARRAY['jsonb'], 'jsonb', 'mesh.plan(jsonb) returns jsonb');
SELECT function_returns('mesh', 'apply', ARRAY['jsonb'], 'jsonb', 'mesh.apply(jsonb) returns jsonb');
SELECT function_returns('mesh', 'policy_report', ARRAY[]::name[], 'jsonb', 'mesh.policy_report() returns jsonb');
SELECT has_function('mesh', '_retire_due_versions', ARRAY[]::name[], 'mesh._retire_due_versions() exists for the scheduler');
SELECT function_returns('mesh', '_retire_due_versions', ARRAY[]::name[], 'integer',
                        'mesh._retire_due_versions() returns the number retired');

-- 2. Argument names (named notation) and defaults
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = to_regprocedure('mesh.publish_version(text, text, jsonb)')),
          ARRAY['product', 'version', 'descriptor'], 'mesh.publish_version argument names');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = to_regprocedure('mesh.diff(text, jsonb)')),
          ARRAY['product', 'descriptor'], 'mesh.diff argument names');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = to_regprocedure('mesh.deprecate_version(text, text, timestamptz)')),
          ARRAY['product', 'version', 'sunset'], 'mesh.deprecate_version argument names');
SELECT is((SELECT pg_get_expr(proargdefaults, 0) FROM pg_proc WHERE oid = to_regprocedure('mesh.deprecate_version(text, text, timestamptz)')),
          'NULL::timestamp with time zone', 'mesh.deprecate_version: sunset defaults to NULL (now + the notice period)');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = to_regprocedure('mesh.create_policy(text, jsonb, text)')),
          ARRAY['name', 'rule', 'severity'], 'mesh.create_policy argument names');
SELECT is((SELECT pg_get_expr(proargdefaults, 0) FROM pg_proc WHERE oid = to_regprocedure('mesh.create_policy(text, jsonb, text)')),
          '''error''::text', 'mesh.create_policy: severity defaults to error');
SELECT is((SELECT pg_get_expr(proargdefaults, 0) FROM pg_proc WHERE oid = to_regprocedure('mesh.diff_json(text, jsonb, text)')),
          'NULL::text', 'mesh.diff_json: version defaults to NULL (the next patch)');

-- 3. The row type of a change
SELECT is((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
             FROM pg_attribute a WHERE a.attrelid = 'mesh.contract_change'::regclass AND a.attnum > 0),
          'path text, kind text, old jsonb, new jsonb, class text, reason text',
          'mesh.contract_change is (path, kind, old, new, class, reason)');
SELECT columns_are('mesh', 'version_consumers', ARRAY['product', 'version', 'status', 'sunset_at', 'port', 'consumer'],
                   'mesh.version_consumers columns');
SELECT columns_are('mesh', 'policy_compliance', ARRAY['domain', 'products', 'evaluations', 'errors', 'warnings', 'score'],
                   'mesh.policy_compliance columns');

-- 4. The catalog-changing functions go through the C dispatcher
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.pronamespace = 'mesh'::regnamespace
              AND p.proname IN ('publish_version', 'diff_json', 'deprecate_version', 'retire_version',
                                'create_policy', 'drop_policy', 'plan', 'apply', 'policy_report')
              AND l.lanname = 'c' AND p.prosrc = 'meshpg_api_dispatch'),
          ARRAY['apply', 'create_policy', 'deprecate_version', 'diff_json', 'drop_policy', 'plan',
                'policy_report', 'publish_version', 'retire_version'],
          'every catalog-changing versions function is bound to meshpg_api_dispatch');
SELECT ok(EXISTS (SELECT FROM pg_event_trigger WHERE evtname = 'meshpg_drift_guard' AND evtevent = 'ddl_command_start'
                    AND evtenabled = 'O'),
          'the drift guard is an enabled ddl_command_start event trigger');
SELECT ok(EXISTS (SELECT FROM pg_settings WHERE name = 'meshpg.deprecation_notice' AND context = 'superuser' AND unit = 'min'),
          'meshpg.deprecation_notice is a superuser setting in minutes');
SELECT ok(EXISTS (SELECT FROM pg_settings WHERE name = 'meshpg.allow_breaking_change' AND context = 'user'),
          'meshpg.allow_breaking_change is a user setting (checked against ownership when used)');
SELECT is(current_setting('meshpg.deprecation_notice'), '30d', 'the default notice period is 30 days');

-- 5. SQLSTATEs
CREATE ROLE regress_tap_versions_owner NOLOGIN;
CREATE ROLE regress_tap_versions_stranger NOLOGIN;
DO $$
BEGIN
    PERFORM mesh.create_domain('tap_ver', 'regress_tap_versions_owner');
    CREATE TABLE tap_ver.src (id integer PRIMARY KEY, label text);
    ALTER TABLE tap_ver.src OWNER TO regress_tap_versions_owner;
    PERFORM mesh.create_data_product('tap_ver.items', 'SELECT id, label FROM tap_ver.src', '{"purpose": "versions API test"}');
    PERFORM mesh.set_status('tap_ver.items', 'active');
END
$$;
SELECT throws_ok($$SELECT mesh.publish_version('tap_ver.items', '0.1.0', '{"purpose": "x"}')$$, '22023', NULL,
                 'a version that does not increase: 22023');
SELECT throws_ok($$SELECT mesh.publish_version('tap_ver.items', '0.2', '{"purpose": "x"}')$$, '22023',
                 'invalid version "0.2"', 'a version that is not semver: 22023');
SELECT throws_ok($$SELECT mesh.publish_version('tap_ver.items', '0.1.1', '{"purpose": "x", "source": "SELECT id FROM tap_ver.src"}')$$,
                 '22023', NULL, 'an understated version: 22023');
SELECT throws_ok($$SELECT mesh.publish_version('tap_ver.items', NULL, '{"purpose": "x"}')$$, '22004', NULL,
                 'a NULL version: 22004');
SELECT throws_ok($$SELECT mesh.publish_version('tap_ver.nothing', '1.0.0', '{"purpose": "x"}')$$, '42704', NULL,
                 'an unknown product: 42704');
SELECT throws_ok($$SELECT mesh.retire_version('tap_ver.items', '0.1.0')$$, '55000', NULL,
                 'active -> retired: 55000');
SELECT throws_ok($$SELECT mesh.deprecate_version('tap_ver.items', '0.1.0', now())$$, '22023', NULL,
                 'a sunset inside the notice period: 22023');
SELECT throws_ok($$SELECT mesh.deprecate_version('tap_ver.items', '7.0.0')$$, '42704', NULL,
                 'an unknown version: 42704');
SELECT throws_ok($$ALTER TABLE tap_ver.src DROP COLUMN label$$, '2BP01', NULL,
                 'a breaking DDL statement on a source: 2BP01');
SELECT throws_ok($$SELECT mesh.create_policy('tap_bad', '{"kind": "x"}', 'error')$$, '22023', NULL,
                 'an invalid rule: 22023');
SELECT throws_ok($$SELECT mesh.drop_policy('tap_nothing')$$, '42704', NULL, 'an unknown policy: 42704');
SELECT lives_ok($$SELECT mesh.create_policy('tap_purpose', '{"kind": "required", "fields": ["description"], "domains": ["tap_ver"]}', 'error')$$,
                'a policy is created');
SELECT throws_ok($$SELECT mesh.publish_version('tap_ver.items', '0.1.1', '{"purpose": "x"}')$$, '23514', NULL,
                 'a version violating an error policy: 23514');
SELECT throws_ok($$SELECT mesh.apply('{"purpose": "x"}')$$, '22023', NULL, 'a contract file without a product: 22023');
SET LOCAL ROLE regress_tap_versions_stranger;
SELECT throws_ok($$SELECT mesh.publish_version('tap_ver.items', '0.1.1', '{"purpose": "x"}')$$, '42501', NULL,
                 'a stranger publishing: 42501');
SELECT throws_ok($$SELECT mesh.create_policy('tap_x', '{"kind": "required", "fields": ["sla"]}')$$, '42501', NULL,
                 'a stranger declaring a policy: 42501');
RESET ROLE;
-- refused calls left no trace
SELECT is((SELECT count(*)::int FROM mesh.product_versions v JOIN mesh.data_products p ON p.id = v.product_id
            WHERE p.domain = 'tap_ver'), 0, 'the refused calls published nothing');

SELECT * FROM finish();
ROLLBACK;
