-- The checks API contract: catalog tables and their keys, public function
-- signatures and argument names, the dispatcher binding of catalog-changing
-- functions, the result type of run_checks, the GUC, and the behaviour a
-- product team relies on (a member of the owner role declares, runs and
-- reads checks; an outsider cannot).
\set QUIET 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS meshpg;

SELECT plan(51);

-- 1. Catalog
SELECT has_table('mesh', 'checks', 'table mesh.checks exists');
SELECT has_table('mesh', 'check_runs', 'table mesh.check_runs exists');
SELECT has_view('mesh', 'check_status', 'view mesh.check_status exists');
SELECT col_is_pk('mesh', 'checks', ARRAY['id'], 'mesh.checks is keyed by id');
SELECT col_is_pk('mesh', 'check_runs', ARRAY['id'], 'mesh.check_runs is keyed by id');
SELECT col_is_unique('mesh', 'checks', ARRAY['product_id', 'name'], 'a check name is unique within its product');
SELECT fk_ok('mesh', 'checks', 'product_id', 'mesh', 'data_products', 'id', 'checks belong to a data product');
SELECT fk_ok('mesh', 'check_runs', 'check_id', 'mesh', 'checks', 'id', 'runs belong to a check');
SELECT columns_are('mesh', 'checks',
    ARRAY['id', 'product_id', 'name', 'kind', 'definition', 'severity', 'schedule', 'enabled',
          'declared_in', 'state', 'last_run_at', 'created_at', 'created_by'],
    'mesh.checks has the pinned columns and its own');
SELECT columns_are('mesh', 'check_runs',
    ARRAY['id', 'check_id', 'product_id', 'started_at', 'finished_at', 'status', 'observed', 'threshold',
          'message', 'duration', 'rows_scanned', 'triggered_by'],
    'mesh.check_runs has the pinned columns and its own');
SELECT col_type_is('mesh', 'checks', 'schedule', 'interval', 'mesh.checks.schedule is an interval');
SELECT col_type_is('mesh', 'check_runs', 'duration', 'interval', 'mesh.check_runs.duration is an interval');
-- what checks saw (observed, message, state) is port data: not for PUBLIC
SELECT table_privs_are('mesh', 'checks', 'public', ARRAY[]::text[], 'PUBLIC has no table-wide privilege on mesh.checks');
SELECT table_privs_are('mesh', 'check_runs', 'public', ARRAY[]::text[], 'PUBLIC has no table-wide privilege on mesh.check_runs');
SELECT column_privs_are('mesh', 'checks', 'state', 'public', ARRAY[]::text[], 'PUBLIC cannot read mesh.checks.state');
SELECT column_privs_are('mesh', 'check_runs', 'observed', 'public', ARRAY[]::text[], 'PUBLIC cannot read mesh.check_runs.observed');
SELECT column_privs_are('mesh', 'check_runs', 'message', 'public', ARRAY[]::text[], 'PUBLIC cannot read mesh.check_runs.message');
SELECT column_privs_are('mesh', 'check_runs', 'status', 'public', ARRAY['SELECT'], 'PUBLIC reads mesh.check_runs.status');
SELECT column_privs_are('mesh', 'checks', 'definition', 'public', ARRAY['SELECT'], 'PUBLIC reads mesh.checks.definition');
SELECT table_privs_are('mesh', 'check_status', 'public', ARRAY['SELECT'], 'PUBLIC has exactly SELECT on mesh.check_status');

-- 2. Functions, argument names and result types
SELECT function_returns('mesh', 'add_check', ARRAY['text', 'jsonb'], 'bigint', 'mesh.add_check(text, jsonb) returns bigint');
SELECT function_returns('mesh', 'drop_check', ARRAY['text', 'text'], 'void', 'mesh.drop_check(text, text) returns void');
SELECT function_returns('mesh', 'run_checks', ARRAY['text'], 'setof mesh.check_result', 'mesh.run_checks(text) returns setof mesh.check_result');
SELECT function_returns('mesh', 'execute_checks', ARRAY['text'], 'mesh.check_result[]', 'mesh.execute_checks(text) returns mesh.check_result[]');
SELECT function_returns('mesh', 'profile_product', ARRAY['text'], 'integer', 'mesh.profile_product(text) returns integer');
SELECT function_returns('mesh', 'quality_score', ARRAY['text'], 'numeric', 'mesh.quality_score(text) returns numeric');
SELECT function_returns('mesh', '_run_due_checks', ARRAY[]::name[], 'integer', 'mesh._run_due_checks() returns integer');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = 'mesh.add_check(text, jsonb)'::regprocedure),
          ARRAY['product', 'check'], 'mesh.add_check argument names');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = 'mesh.drop_check(text, text)'::regprocedure),
          ARRAY['product', 'name'], 'mesh.drop_check argument names');
SELECT is((SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
            WHERE attrelid = 'mesh.check_result'::regclass AND attnum > 0),
          ARRAY['name', 'kind', 'status', 'observed', 'threshold', 'message', 'duration'],
          'mesh.check_result has one field per documented column');
-- catalog-changing functions go through the dispatcher, none is SECURITY DEFINER
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
            WHERE p.pronamespace = 'mesh'::regnamespace AND p.prosrc = 'meshpg_api_dispatch'
              AND p.proname IN ('add_check', 'drop_check', 'execute_checks', 'profile_product')),
          ARRAY['add_check', 'drop_check', 'execute_checks', 'profile_product'],
          'add_check, drop_check, execute_checks and profile_product are bound to the dispatcher');
SELECT is((SELECT count(*)::int FROM pg_proc p WHERE p.pronamespace = 'mesh'::regnamespace
              AND p.prosecdef AND (p.proname LIKE '%check%' OR p.proname IN ('quality_score', 'profile_product'))),
          0, 'no checks function is SECURITY DEFINER');
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
            WHERE p.pronamespace = 'mesh'::regnamespace AND p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
              AND (p.proname LIKE '\_check%' OR p.proname LIKE '%check%' OR p.proname IN ('quality_score'))
              AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%')),
          NULL, 'every SQL/PLpgSQL checks function pins its search_path');
SELECT is(current_setting('meshpg.check_statement_timeout'), '1min', 'meshpg.check_statement_timeout defaults to one minute');
SELECT is((SELECT context FROM pg_settings WHERE name = 'meshpg.check_statement_timeout'), 'superuser',
          'meshpg.check_statement_timeout is PGC_SUSET');

-- 3. Behaviour: a member of the domain owner declares, runs and reads checks
CREATE ROLE regress_tap_checks_owner NOLOGIN;
CREATE ROLE regress_tap_checks_member LOGIN IN ROLE regress_tap_checks_owner;
CREATE ROLE regress_tap_checks_outsider LOGIN;
SELECT lives_ok($$SELECT mesh.create_domain('tap_checks', 'regress_tap_checks_owner')$$, 'domain created');
SET LOCAL ROLE regress_tap_checks_member;
CREATE TABLE tap_checks.src (id int, label text);
INSERT INTO tap_checks.src VALUES (1, 'a'), (2, NULL), (3, 'c');
ALTER TABLE tap_checks.src OWNER TO regress_tap_checks_owner;
SELECT lives_ok($$SELECT mesh.create_data_product('tap_checks.items', 'tap_checks.src',
    '{"purpose": "checks api", "checks": [{"name": "label_present", "kind": "null", "column": "label", "unit": "percent", "fail_above": 50}]}')$$,
    'a member creates a product with a declared check');
SELECT is((SELECT declared_in FROM mesh.checks WHERE name = 'label_present'), 'descriptor', 'the declared check is stored');
SELECT ok(mesh.add_check('tap_checks.items', '{"name": "has_rows", "kind": "row_count", "operator": ">=", "value": 3}') > 0,
          'a member adds a check');
SELECT results_eq($$SELECT name, status FROM mesh.run_checks('tap_checks.items') ORDER BY name$$,
                  $$VALUES ('has_rows'::text, 'pass'::text), ('label_present', 'pass')$$,
                  'run_checks returns one row per check with its status');
SELECT is((SELECT count(*)::int FROM mesh.check_runs r JOIN mesh.checks c ON c.id = r.check_id
            WHERE c.product_id = (SELECT id FROM mesh.data_products WHERE domain = 'tap_checks')), 2,
          'each run is recorded');
SELECT is((SELECT created_by FROM mesh.checks WHERE name = 'has_rows'), 'regress_tap_checks_member',
          'the check records its real creator, not the extension owner');
SELECT is(mesh.quality_score('tap_checks.items'), 100.0, 'all checks pass: score 100');
SELECT throws_ok($$SELECT mesh.add_check('tap_checks.items', '{"name": "has_rows", "kind": "row_count"}')$$,
                 '42710', NULL, 'a duplicate check name is refused (42710)');
SELECT throws_ok($$SELECT mesh.add_check('tap_checks.items', '{"name": "x", "kind": "nope"}')$$,
                 '22023', NULL, 'a bad definition is refused (22023)');
RESET ROLE;
SET LOCAL ROLE regress_tap_checks_outsider;
SELECT throws_ok($$SELECT * FROM mesh.run_checks('tap_checks.items')$$, '42501', NULL,
                 'an outsider cannot run the checks (42501)');
SELECT throws_ok($$SELECT mesh.drop_check('tap_checks.items', 'has_rows')$$, '42501', NULL,
                 'an outsider cannot drop a check (42501)');
SELECT throws_ok($$SELECT mesh._run_due_checks()$$, '42501', 'permission denied for function _run_due_checks',
                 'an outsider cannot call the scheduler entry point');
SELECT is((SELECT status FROM mesh.check_status WHERE product = 'tap_checks.items' AND check_name = 'has_rows'), 'pass',
          'an outsider reads the latest status');
RESET ROLE;
SELECT lives_ok($$SELECT mesh.drop_data_product('tap_checks.items')$$, 'dropping the product');
SELECT is((SELECT count(*)::int FROM mesh.checks WHERE name IN ('has_rows', 'label_present')), 0,
          'dropping the product drops its checks and their history');

SELECT * FROM finish();
ROLLBACK;
