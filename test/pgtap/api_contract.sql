-- meshpg public API contract: the names, signatures, argument names,
-- defaults, security properties and catalog objects that scripts, tools and
-- pg_dump rely on.  Checked against the system catalogs, not the install
-- script, so a change in src/sql/ that breaks a caller shows up here.
\set QUIET 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS meshpg;

SELECT plan(132);

-- 1. The extension lives in schema mesh.
SELECT has_schema('mesh', 'schema mesh exists');
SELECT is(
    (SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = 'meshpg'),
    'mesh',
    'extension meshpg is installed in schema mesh');

-- 2. Every public function exists with its exact argument types and return type.
SELECT has_function('mesh', 'create_domain', ARRAY['text', 'regrole', 'text', 'text'],
                    'mesh.create_domain(text, regrole, text, text) exists');
SELECT function_returns('mesh', 'create_domain', ARRAY['text', 'regrole', 'text', 'text'], 'void',
                        'mesh.create_domain returns void');
SELECT has_function('mesh', 'drop_domain', ARRAY['text'], 'mesh.drop_domain(text) exists');
SELECT function_returns('mesh', 'drop_domain', ARRAY['text'], 'void', 'mesh.drop_domain returns void');
SELECT has_function('mesh', 'create_data_product', ARRAY['text', 'text', 'jsonb'],
                    'mesh.create_data_product(text, text, jsonb) exists');
SELECT function_returns('mesh', 'create_data_product', ARRAY['text', 'text', 'jsonb'], 'bigint',
                        'mesh.create_data_product returns bigint (the product id)');
SELECT has_function('mesh', 'alter_data_product', ARRAY['text', 'jsonb'],
                    'mesh.alter_data_product(text, jsonb) exists');
SELECT function_returns('mesh', 'alter_data_product', ARRAY['text', 'jsonb'], 'void',
                        'mesh.alter_data_product returns void');
SELECT has_function('mesh', 'set_status', ARRAY['text', 'text'], 'mesh.set_status(text, text) exists');
SELECT function_returns('mesh', 'set_status', ARRAY['text', 'text'], 'void', 'mesh.set_status returns void');
SELECT has_function('mesh', 'drop_data_product', ARRAY['text', 'boolean'],
                    'mesh.drop_data_product(text, boolean) exists');
SELECT function_returns('mesh', 'drop_data_product', ARRAY['text', 'boolean'], 'void',
                        'mesh.drop_data_product returns void');
SELECT has_function('mesh', 'describe', ARRAY['text'], 'mesh.describe(text) exists');
SELECT function_returns('mesh', 'describe', ARRAY['text'], 'jsonb', 'mesh.describe returns jsonb');
SELECT has_function('mesh', 'search', ARRAY['text', 'text', 'text', 'text', 'text'],
                    'mesh.search(text, text, text, text, text) exists');
SELECT function_returns('mesh', 'search', ARRAY['text', 'text', 'text', 'text', 'text'], 'setof record',
                        'mesh.search returns setof record');
SELECT has_function('mesh', 'flush_usage', ARRAY[]::name[], 'mesh.flush_usage() exists');
SELECT function_returns('mesh', 'flush_usage', ARRAY[]::name[], 'bigint', 'mesh.flush_usage returns bigint');
SELECT has_function('mesh', 'acknowledge_incident', ARRAY['bigint', 'text'],
                    'mesh.acknowledge_incident(bigint, text) exists');
SELECT function_returns('mesh', 'acknowledge_incident', ARRAY['bigint', 'text'], 'void',
                        'mesh.acknowledge_incident returns void');
SELECT has_function('mesh', 'subscribe', ARRAY['text'], 'mesh.subscribe(text) exists');
SELECT function_returns('mesh', 'subscribe', ARRAY['text'], 'void', 'mesh.subscribe returns void');
SELECT has_function('mesh', 'unsubscribe', ARRAY['text'], 'mesh.unsubscribe(text) exists');
SELECT function_returns('mesh', 'unsubscribe', ARRAY['text'], 'void', 'mesh.unsubscribe returns void');
SELECT has_function('mesh', 'incident_channel', ARRAY['text'], 'mesh.incident_channel(text) exists');
SELECT function_returns('mesh', 'incident_channel', ARRAY['text'], 'text', 'mesh.incident_channel returns text');
SELECT has_function('mesh', 'status', ARRAY[]::name[], 'mesh.status() exists');
SELECT function_returns('mesh', 'status', ARRAY[]::name[], 'setof record', 'mesh.status returns setof record');

-- 3. No overloads: each public name has exactly one signature, so calls with
--    named or defaulted arguments can never become ambiguous.  The one
--    exception is mesh.mask_date, one per date/time type (its volatility
--    depends on the type: timestamptz reads TimeZone).
SELECT is(
    (SELECT array_agg(DISTINCT p.proname::text ORDER BY p.proname::text)
       FROM pg_proc p
      WHERE p.pronamespace = 'mesh'::regnamespace AND p.proname !~ '^_'
      ),
    ARRAY['acknowledge_incident', 'add_check', 'add_source', 'alter_data_product', 'apply',
          'approve_access', 'attribute', 'bind_masking_policy', 'classify', 'column_lineage',
          'create_data_product', 'create_domain', 'create_masking_policy', 'create_policy',
          'create_row_policy', 'define_term', 'delete_review', 'deny_access', 'deprecate_version',
          'describe', 'describe_markdown', 'diff', 'diff_json', 'drop_check', 'drop_data_product',
          'drop_domain', 'drop_masking_policy', 'drop_policy', 'drop_row_policy', 'drop_term',
          'execute_checks', 'export_contract', 'export_contract_yaml', 'flush_usage', 'impact',
          'import_contract', 'incident_channel', 'lineage', 'lineage_dot', 'lineage_mermaid',
          'link_term', 'mask_bucket', 'mask_date', 'mask_default', 'mask_email', 'mask_noise',
          'mask_null', 'mask_partial', 'mask_pseudonym', 'mask_redact', 'mask_round',
          'mask_sha256', 'openlineage_events', 'plan', 'policy_report', 'profile_product',
          'publish_version', 'quality_score', 'request_access', 'retire_version', 'review',
          'revoke_access', 'rotate_pseudonym_key', 'run_checks', 'search', 'search_terms',
          'set_consumer_attribute', 'set_internal_consumer_role', 'set_status', 'status',
          'subscribe', 'suggest_classifications', 'unbind_masking_policy', 'unlink_term',
          'unsubscribe'],
    'schema mesh has exactly the documented public functions');
SELECT is(
    (SELECT array_agg(proname ORDER BY proname) FROM (
        SELECT p.proname::text AS proname FROM pg_proc p
         WHERE p.pronamespace = 'mesh'::regnamespace AND p.proname !~ '^_'
         GROUP BY p.proname HAVING count(*) > 1) AS o),
    ARRAY['bind_masking_policy', 'mask_date', 'unbind_masking_policy'],
    'only mesh.mask_date (per date/time type) and (un)bind_masking_policy (tag, or product and column) have overloads');

-- 4. Argument names as documented (callers use named notation: force => true).
SELECT is((SELECT proargnames::text[] FROM pg_proc
            WHERE oid = to_regprocedure('mesh.create_domain(text, regrole, text, text)')),
          ARRAY['name', 'owner', 'description', 'parent'],
          'mesh.create_domain argument names');
SELECT is((SELECT proargnames::text[] FROM pg_proc
            WHERE oid = to_regprocedure('mesh.drop_domain(text)')),
          ARRAY['name'],
          'mesh.drop_domain argument names');
SELECT is((SELECT proargnames::text[] FROM pg_proc
            WHERE oid = to_regprocedure('mesh.create_data_product(text, text, jsonb)')),
          ARRAY['product', 'source', 'descriptor'],
          'mesh.create_data_product argument names');
SELECT is((SELECT proargnames::text[] FROM pg_proc
            WHERE oid = to_regprocedure('mesh.alter_data_product(text, jsonb)')),
          ARRAY['product', 'descriptor'],
          'mesh.alter_data_product argument names');
SELECT is((SELECT proargnames::text[] FROM pg_proc
            WHERE oid = to_regprocedure('mesh.set_status(text, text)')),
          ARRAY['product', 'status'],
          'mesh.set_status argument names');
SELECT is((SELECT proargnames::text[] FROM pg_proc
            WHERE oid = to_regprocedure('mesh.drop_data_product(text, boolean)')),
          ARRAY['product', 'force'],
          'mesh.drop_data_product argument names');
SELECT is((SELECT proargnames::text[] FROM pg_proc
            WHERE oid = to_regprocedure('mesh.describe(text)')),
          ARRAY['product'],
          'mesh.describe argument names');

SELECT is((SELECT proargnames::text[] FROM pg_proc
            WHERE oid = to_regprocedure('mesh.classify(text, text, text)')),
          ARRAY['product', 'column_name', 'tag'],
          'mesh.classify argument names');
SELECT is((SELECT l.lanname::text || ' ' || p.prosrc FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.oid = to_regprocedure('mesh.classify(text, text, text)')),
          'c meshpg_api_dispatch',
          'mesh.classify goes through the API dispatcher');
SELECT columns_are('mesh', 'governed_columns',
    ARRAY['relation', 'attnum', 'product_id', 'column_name', 'tag', 'inherited_from'],
    'mesh.governed_columns has exactly the pinned columns');
SELECT is((SELECT array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) FROM pg_attribute a
            WHERE a.attrelid = 'mesh.governed_columns'::regclass AND a.attnum > 0 AND NOT a.attisdropped),
          ARRAY['regclass', 'smallint', 'bigint', 'text', 'text', 'text'],
          'mesh.governed_columns columns have the pinned types');

-- govcat: access requests
SELECT is((SELECT proargnames::text[] FROM pg_proc
            WHERE oid = to_regprocedure('mesh.request_access(text, text, timestamptz)')),
          ARRAY['product', 'purpose', 'until'], 'mesh.request_access argument names');
SELECT is((SELECT pg_get_expr(proargdefaults, 0) FROM pg_proc
            WHERE oid = to_regprocedure('mesh.request_access(text, text, timestamptz)')),
          'NULL::timestamp with time zone', 'mesh.request_access: until defaults to NULL');
SELECT function_returns('mesh', 'request_access', ARRAY['text', 'text', 'timestamp with time zone'], 'bigint',
                        'mesh.request_access returns the request id');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = to_regprocedure('mesh.approve_access(bigint)')),
          ARRAY['request_id'], 'mesh.approve_access argument names');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = to_regprocedure('mesh.deny_access(bigint, text)')),
          ARRAY['request_id', 'reason'], 'mesh.deny_access argument names');
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = to_regprocedure('mesh.revoke_access(text, regrole)')),
          ARRAY['product', 'role'], 'mesh.revoke_access argument names');
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
            WHERE p.pronamespace = 'mesh'::regnamespace
              AND p.proname IN ('request_access', 'approve_access', 'deny_access', 'revoke_access', 'classify')
              AND p.prosrc = 'meshpg_api_dispatch'),
          ARRAY['approve_access', 'classify', 'deny_access', 'request_access', 'revoke_access'],
          'the access and classification API goes through the dispatcher');
SELECT columns_are('mesh', 'access_requests',
    ARRAY['id', 'product_id', 'role', 'purpose', 'until', 'status', 'requested_at', 'decided_at', 'decided_by',
          'reason', 'first_approved_by', 'first_approved_at'],
    'mesh.access_requests has the pinned columns (and the first approval of confidential requests)');
SELECT has_function('mesh', '_expire_access', ARRAY[]::name[], 'mesh._expire_access() exists (the scheduler calls it)');
SELECT function_returns('mesh', '_expire_access', ARRAY[]::name[], 'integer', 'mesh._expire_access returns integer');
SELECT columns_are('mesh', 'settings', ARRAY['key', 'value'], 'mesh.settings is (key, value)');

-- 5. Result columns of the set-returning functions, by name and type.
SELECT is((SELECT pg_get_function_identity_arguments(oid) || ' -> ' || pg_get_function_result(oid)
             FROM pg_proc WHERE oid = to_regprocedure('mesh.search(text, text, text, text, text)')),
          'query text, in_domain text, with_tag text, with_access_level text, with_status text -> TABLE(product text, domain text, name text, status text, purpose text, rank real, popularity numeric)',
          'mesh.search(query, filters) returns (product, domain, name, status, purpose, rank real, popularity numeric)');
SELECT is((SELECT pg_get_expr(proargdefaults, 0) FROM pg_proc
            WHERE oid = to_regprocedure('mesh.search(text, text, text, text, text)')),
          'NULL::text, NULL::text, NULL::text, NULL::text',
          'mesh.search: the filters default to NULL, so mesh.search(query) works as in 0.1.0');
SELECT is((SELECT pg_get_function_identity_arguments(oid) || ' -> ' || pg_get_function_result(oid)
             FROM pg_proc WHERE oid = to_regprocedure('mesh.suggest_classifications(text)')),
          'product text -> TABLE(column_name text, tag text, confidence real, reason text)',
          'mesh.suggest_classifications(product) returns (column_name, tag, confidence real, reason)');
SELECT isnt_definer('mesh', 'suggest_classifications', ARRAY['text'],
                    'mesh.suggest_classifications is not SECURITY DEFINER (it samples with the caller''s rights)');
SELECT is((SELECT pg_get_function_arguments(oid) FROM pg_proc WHERE oid = to_regprocedure('mesh.status()')),
          'OUT component text, OUT active boolean, OUT detail text',
          'mesh.status() returns (component text, active boolean, detail text)');

-- 6. Defaults: description and parent default to NULL, descriptor to '{}',
--    force to false; required arguments have no default.
SELECT is((SELECT pg_get_expr(proargdefaults, 0) FROM pg_proc
            WHERE oid = to_regprocedure('mesh.create_domain(text, regrole, text, text)')),
          'NULL::text, NULL::text',
          'mesh.create_domain: description and parent default to NULL');
SELECT is((SELECT pg_get_expr(proargdefaults, 0) FROM pg_proc
            WHERE oid = to_regprocedure('mesh.create_data_product(text, text, jsonb)')),
          '''{}''::jsonb',
          'mesh.create_data_product: descriptor defaults to ''{}''');
SELECT is((SELECT pg_get_expr(proargdefaults, 0) FROM pg_proc
            WHERE oid = to_regprocedure('mesh.drop_data_product(text, boolean)')),
          'false',
          'mesh.drop_data_product: force defaults to false');
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
            WHERE p.oid IN (to_regprocedure('mesh.alter_data_product(text, jsonb)'),
                            to_regprocedure('mesh.set_status(text, text)'),
                            to_regprocedure('mesh.drop_domain(text)'),
                            to_regprocedure('mesh.describe(text)'),
                            to_regprocedure('mesh.flush_usage()'))
              AND p.pronargdefaults = 0),
          ARRAY['alter_data_product', 'describe', 'drop_domain', 'flush_usage', 'set_status'],
          'functions with only required arguments have no defaults');

-- 7. Not SECURITY DEFINER: the API runs as its caller (the C dispatcher
--    switches to the extension owner itself, after recording the caller).
SELECT isnt_definer('mesh', 'create_domain', ARRAY['text', 'regrole', 'text', 'text'],
                    'mesh.create_domain is not SECURITY DEFINER');
SELECT isnt_definer('mesh', 'drop_domain', ARRAY['text'], 'mesh.drop_domain is not SECURITY DEFINER');
SELECT isnt_definer('mesh', 'create_data_product', ARRAY['text', 'text', 'jsonb'],
                    'mesh.create_data_product is not SECURITY DEFINER');
SELECT isnt_definer('mesh', 'alter_data_product', ARRAY['text', 'jsonb'],
                    'mesh.alter_data_product is not SECURITY DEFINER');
SELECT isnt_definer('mesh', 'set_status', ARRAY['text', 'text'], 'mesh.set_status is not SECURITY DEFINER');
SELECT isnt_definer('mesh', 'drop_data_product', ARRAY['text', 'boolean'],
                    'mesh.drop_data_product is not SECURITY DEFINER');
SELECT isnt_definer('mesh', 'describe', ARRAY['text'], 'mesh.describe is not SECURITY DEFINER');
SELECT isnt_definer('mesh', 'search', ARRAY['text', 'text', 'text', 'text', 'text'],
                    'mesh.search is not SECURITY DEFINER');
SELECT isnt_definer('mesh', 'flush_usage', ARRAY[]::name[], 'mesh.flush_usage is not SECURITY DEFINER');
SELECT isnt_definer('mesh', 'status', ARRAY[]::name[], 'mesh.status is not SECURITY DEFINER');
SELECT is((SELECT array_agg(oid::regprocedure::text ORDER BY oid::regprocedure::text) FROM pg_proc
            WHERE pronamespace = 'mesh'::regnamespace AND prosecdef),
          NULL,
          'no function in schema mesh (internal ones included) is SECURITY DEFINER');

-- 8. Every non-C function in schema mesh pins search_path to pg_catalog, pg_temp
--    (written as if an attacker owned search_path).
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text)
             FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.pronamespace = 'mesh'::regnamespace
              AND l.lanname <> 'c'
              AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)),
          NULL,
          'every non-C function in schema mesh has SET search_path = pg_catalog, pg_temp');
SELECT cmp_ok((SELECT count(*)::int FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
                WHERE p.pronamespace = 'mesh'::regnamespace AND l.lanname <> 'c'),
              '>=', 20,
              'the search_path check above covered the SQL and PL/pgSQL functions');

-- 9. The view mesh.products: exactly the documented columns, typed as documented.
SELECT has_view('mesh', 'products', 'view mesh.products exists');
SELECT columns_are('mesh', 'products',
    ARRAY['product', 'domain', 'name', 'version', 'status', 'owner', 'access_level', 'purpose',
          'freshness', 'column_count', 'tags', 'port', 'created_at', 'created_by', 'updated_at',
          'updated_by', 'popularity'],
    'mesh.products has exactly the documented columns');
SELECT col_type_is('mesh', 'products', 'popularity', 'numeric', 'mesh.products.popularity is numeric');
SELECT col_type_is('mesh', 'products', 'freshness', 'interval', 'mesh.products.freshness is an interval');
SELECT col_type_is('mesh', 'products', 'tags', 'text[]', 'mesh.products.tags is text[]');
SELECT col_type_is('mesh', 'products', 'port', 'regclass', 'mesh.products.port is a regclass');
SELECT col_type_is('mesh', 'products', 'product', 'text', 'mesh.products.product is text');

-- 10. The catalog tables exist, each with its primary key.
SELECT has_table('mesh', 'domains', 'table mesh.domains exists');
SELECT has_table('mesh', 'data_products', 'table mesh.data_products exists');
SELECT has_table('mesh', 'data_product_columns', 'table mesh.data_product_columns exists');
SELECT has_table('mesh', 'data_product_sources', 'table mesh.data_product_sources exists');
SELECT tables_are('mesh', ARRAY['domains', 'data_products', 'data_product_columns', 'data_product_sources',
                                'access_grants', 'access_history_log', 'access_history_settings',
                                'access_requests', 'breaking_changes', 'changelog', 'check_runs',
                                'checks', 'consumer_attributes', 'freshness_deadlines',
                                'freshness_observations', 'freshness_sources', 'freshness_state',
                                'global_policies', 'glossary_links', 'glossary_terms',
                                'governed_columns', 'incidents', 'masking_policies',
                                'masking_policy_bindings', 'product_versions', 'pseudonym_keys',
                                'retention_runs', 'reviews', 'row_policies', 'settings',
                                'subscriptions', 'usage_daily', 'worker_runs'],
                  'schema mesh has exactly the catalog tables');
SELECT col_is_pk('mesh', 'usage_daily', ARRAY['product_id', 'role', 'day'],
                 'mesh.usage_daily is keyed by (product_id, role, day)');
SELECT columns_are('mesh', 'usage_daily', ARRAY['product_id', 'role', 'day', 'reads', 'last_read'],
                   'mesh.usage_daily has exactly the pinned columns');
SELECT has_view('mesh', 'access_history', 'view mesh.access_history exists');
SELECT col_is_pk('mesh', 'domains', ARRAY['name'], 'mesh.domains is keyed by name');
SELECT col_is_pk('mesh', 'data_products', ARRAY['id'], 'mesh.data_products is keyed by id');
SELECT col_is_pk('mesh', 'data_product_columns', ARRAY['product_id', 'name'],
                 'mesh.data_product_columns is keyed by (product_id, name)');
SELECT col_is_pk('mesh', 'data_product_sources', ARRAY['product_id', 'name'],
                 'mesh.data_product_sources is keyed by (product_id, name)');
SELECT col_is_unique('mesh', 'data_products', ARRAY['domain', 'name'],
                     'a product name is unique within its domain');
SELECT col_type_is('mesh', 'data_products', 'id', 'bigint', 'mesh.data_products.id is a bigint');
SELECT has_sequence('mesh', 'data_product_id_seq', 'sequence mesh.data_product_id_seq exists');
SELECT col_default_is('mesh', 'data_products', 'id', 'nextval(''mesh.data_product_id_seq''::regclass)',
                      'product ids come from mesh.data_product_id_seq');

-- 11. pg_dump keeps the catalog: every table and the sequence are registered
--     with pg_extension_config_dump, with no row filter.
SELECT set_eq(
    $$SELECT unnest(extconfig)::regclass::text FROM pg_extension WHERE extname = 'meshpg'$$,
    ARRAY['mesh.domains', 'mesh.data_product_id_seq', 'mesh.data_products',
          'mesh.data_product_columns', 'mesh.data_product_sources',
          'mesh.access_grants', 'mesh.access_history_log', 'mesh.access_history_log_id_seq',
          'mesh.access_history_settings', 'mesh.access_request_id_seq', 'mesh.access_requests',
          'mesh.breaking_changes', 'mesh.breaking_changes_id_seq', 'mesh.changelog',
          'mesh.changelog_id_seq', 'mesh.check_id_seq', 'mesh.check_run_id_seq', 'mesh.check_runs',
          'mesh.checks', 'mesh.consumer_attributes', 'mesh.freshness_observations',
          'mesh.freshness_sources', 'mesh.global_policies', 'mesh.glossary_links',
          'mesh.glossary_terms', 'mesh.governed_columns', 'mesh.incident_id_seq', 'mesh.incidents',
          'mesh.masking_policies', 'mesh.masking_policy_bindings', 'mesh.product_versions',
          'mesh.pseudonym_keys', 'mesh.retention_run_id_seq', 'mesh.retention_runs',
          'mesh.reviews', 'mesh.row_policies', 'mesh.settings', 'mesh.subscriptions',
          'mesh.usage_daily'],
    'pg_extension.extconfig lists the catalog tables and their sequences');
SELECT is((SELECT array_agg(c.oid::regclass::text ORDER BY c.relname) FROM pg_class c
            WHERE c.relnamespace = 'mesh'::regnamespace AND c.relkind IN ('r', 'p', 'S')
              AND c.oid <> ALL ((SELECT extconfig FROM pg_extension WHERE extname = 'meshpg')::oid[])
              -- server-local state, meaningless in another server: relation oids, worker pids
              AND c.oid::regclass::text NOT IN ('mesh.freshness_state', 'mesh.freshness_deadlines',
                                                'mesh.worker_runs', 'mesh.worker_run_id_seq')),
          NULL,
          'no table or sequence in schema mesh is missing from extconfig (but server-local state)');
SELECT is((SELECT array_agg(DISTINCT cond) FROM pg_extension e, unnest(e.extcondition) AS cond
            WHERE e.extname = 'meshpg'),
          ARRAY[''],
          'extconfig entries dump all rows (no WHERE condition)');

-- 12. The extension is installed as documented: not relocatable, version 0.2.0
--     (0.2.0 installs as 0.1.0 plus the upgrade script).
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'meshpg'), false,
          'meshpg is not relocatable');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'meshpg'), '0.2.0',
          'installed version is 0.2.0');

-- 13. mesh.status() reports every component, and in this (preloading)
--     cluster every component is active.
SELECT set_eq($$SELECT component FROM mesh.status()$$,
              ARRAY['catalog', 'api', 'output ports', 'search', 'shared_preload_libraries',
                    'usage counters', 'access history', 'access expiry', 'workers',
                    'freshness tracking', 'read-path enforcement'],
              'mesh.status() lists the documented components');
SELECT is((SELECT array_agg(component ORDER BY component) FROM mesh.status() WHERE NOT active),
          NULL,
          'mesh.status(): every component is active when meshpg is preloaded');

-- 14. Comments: every public function and the view is documented in the catalog
--     (what \df+ and tools show).
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
            WHERE p.pronamespace = 'mesh'::regnamespace AND p.proname !~ '^_'
              AND obj_description(p.oid, 'pg_proc') IS NULL),
          NULL,
          'every public mesh function has a COMMENT');

-- 15. Every relation in schema mesh belongs to the extension owner (the role
--     the API writes as), none to an ordinary user.
SELECT is((SELECT array_agg(c.oid::regclass::text ORDER BY c.relname) FROM pg_class c
            WHERE c.relnamespace = 'mesh'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'S')
              AND c.relowner <> (SELECT extowner FROM pg_extension WHERE extname = 'meshpg')),
          NULL,
          'every relation in schema mesh is owned by the extension owner');

-- 16. The documented error codes, which scripts branch on: null argument
--     22004, bad name 42602, unknown domain 3F000, unknown product 42704,
--     missing source relation 42P01, source not one read-only SELECT
--     22023/42601, invalid descriptor 22023, duplicate domain 42P06,
--     duplicate product 42710, domain with products 2BP01.
CREATE ROLE regress_tap_api_owner NOLOGIN;
DO $$
BEGIN
    PERFORM mesh.create_domain('tap_api', 'regress_tap_api_owner');
    CREATE TABLE tap_api.src (id integer PRIMARY KEY, label text);
    ALTER TABLE tap_api.src OWNER TO regress_tap_api_owner;
    PERFORM mesh.create_data_product('tap_api.items', 'tap_api.src', '{"purpose": "API contract test"}');
END
$$;
SELECT throws_ok($$SELECT mesh.create_domain(NULL, 'regress_tap_api_owner')$$, '22004',
                 'argument "name" must not be null', 'create_domain(NULL, ...): 22004 naming the argument');
SELECT throws_ok($$SELECT mesh.create_domain('tap_api2', NULL)$$, '22004', NULL, 'create_domain(..., NULL owner): 22004');
SELECT throws_ok($$SELECT mesh.create_data_product('tap_api.x', NULL, '{"purpose": "x"}')$$, '22004', NULL,
                 'create_data_product with a NULL source: 22004');
SELECT throws_ok($$SELECT mesh.alter_data_product('tap_api.items', NULL)$$, '22004', NULL,
                 'alter_data_product with a NULL descriptor: 22004');
SELECT throws_ok($$SELECT mesh.set_status('tap_api.items', NULL)$$, '22004', NULL, 'set_status(p, NULL): 22004');
SELECT throws_ok($$SELECT mesh.describe(NULL)$$, '22004',
                 'argument "product" must not be null', 'describe(NULL): 22004 naming the argument');
SELECT throws_ok($$SELECT mesh.search(NULL)$$, '22004', NULL, 'search(NULL): 22004');
SELECT throws_ok($$SELECT mesh.create_domain('Tap_Api', 'regress_tap_api_owner')$$, '42602', NULL,
                 'an upper-case domain name: 42602');
SELECT throws_ok(format($$SELECT mesh.create_domain(%L, 'regress_tap_api_owner')$$, repeat('a', 64)), '42602', NULL,
                 'a 64-byte domain name: 42602');
SELECT throws_ok($$SELECT mesh.describe('items')$$, '42602', NULL, 'a product name without a domain: 42602');
SELECT throws_ok($$SELECT mesh.create_data_product('tap_nowhere.x', 'tap_api.src', '{"purpose": "x"}')$$, '3F000', NULL,
                 'a product in an unknown domain: 3F000');
SELECT throws_ok($$SELECT mesh.drop_domain('tap_nowhere')$$, '3F000', NULL, 'drop_domain of an unknown domain: 3F000');
SELECT throws_ok($$SELECT mesh.describe('tap_api.nothing')$$, '42704', NULL, 'describe of an unknown product: 42704');
SELECT throws_ok($$SELECT mesh.set_status('tap_api.nothing', 'active')$$, '42704', NULL,
                 'set_status of an unknown product: 42704');
SELECT throws_ok($$SELECT mesh.drop_data_product('tap_api.nothing')$$, '42704', NULL,
                 'drop_data_product of an unknown product: 42704');
SELECT throws_ok($$SELECT mesh.create_data_product('tap_api.x', 'tap_api.missing', '{"purpose": "x"}')$$, '42P01', NULL,
                 'a missing source relation: 42P01');
SELECT throws_ok($$SELECT mesh.create_data_product('tap_api.x', 'DELETE FROM tap_api.src', '{"purpose": "x"}')$$,
                 '22023', NULL, 'a DELETE as the source: 22023');
SELECT throws_ok($$SELECT mesh.create_data_product('tap_api.x',
                     'WITH d AS (DELETE FROM tap_api.src RETURNING *) SELECT * FROM d', '{"purpose": "x"}')$$,
                 '22023', NULL, 'a data-modifying WITH as the source: 22023');
SELECT throws_ok($$SELECT mesh.create_data_product('tap_api.x', 'SELECT 1 AS a; SELECT 2 AS b', '{"purpose": "x"}')$$,
                 '42601', NULL, 'two statements as the source: 42601');
SELECT throws_ok($$SELECT mesh.create_data_product('tap_api.x', 'tap_api.src')$$, '22023', NULL,
                 'the default descriptor ''{}'' has no purpose: 22023');
SELECT throws_ok($$SELECT mesh.create_domain('tap_api', 'regress_tap_api_owner')$$, '42P06', NULL,
                 'a duplicate domain: 42P06');
SELECT throws_ok($$SELECT mesh.create_data_product('tap_api.items', 'tap_api.src', '{"purpose": "x"}')$$, '42710', NULL,
                 'a duplicate product: 42710');
SELECT throws_ok($$SELECT mesh.drop_domain('tap_api')$$, '2BP01', NULL, 'dropping a domain with products: 2BP01');
-- Refused calls left no trace.
SELECT is((SELECT array_agg(product ORDER BY product) FROM mesh.products WHERE domain LIKE 'tap\_%'),
          ARRAY['tap_api.items'],
          'the refused calls created no product');

SELECT * FROM finish();
ROLLBACK;
