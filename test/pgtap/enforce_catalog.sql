-- Governance policies: the catalog tables, the public functions and their
-- argument names, the dispatcher binding of every catalog-changing function,
-- the pinned helper mesh._column_is_masked, and the invalidation triggers.
\set QUIET 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS meshpg;

SELECT plan(48);

-- tables, with the pinned columns
SELECT columns_are('mesh', 'masking_policies',
    ARRAY['name', 'mask', 'unmasked_for', 'created_at', 'created_by'], 'mesh.masking_policies columns');
SELECT columns_are('mesh', 'masking_policy_bindings',
    ARRAY['policy', 'tag', 'product_id', 'column_name', 'created_at', 'created_by'], 'mesh.masking_policy_bindings columns');
SELECT columns_are('mesh', 'consumer_attributes',
    ARRAY['role', 'key', 'value', 'updated_at', 'updated_by'], 'mesh.consumer_attributes columns');
SELECT col_type_is('mesh', 'consumer_attributes', 'role', 'regrole', 'consumer_attributes.role is a regrole');
SELECT columns_are('mesh', 'row_policies',
    ARRAY['product_id', 'name', 'filter', 'created_at', 'created_by'], 'mesh.row_policies columns');
SELECT col_is_pk('mesh', 'masking_policies', 'name', 'policies are named uniquely');
SELECT col_is_pk('mesh', 'consumer_attributes', ARRAY['role', 'key'], 'one value per role and key');
SELECT col_is_pk('mesh', 'row_policies', ARRAY['product_id', 'name'], 'row policies are named per product');
SELECT col_is_unique('mesh', 'masking_policy_bindings', 'tag', 'one policy per tag');
SELECT col_is_unique('mesh', 'masking_policy_bindings', ARRAY['product_id', 'column_name'], 'one policy per column');
-- every policy table is dumped with its rows
SELECT ok(c.oid = ANY (e.extconfig), c.relname || ' is dumped by pg_dump')
  FROM pg_extension e CROSS JOIN pg_class c
 WHERE e.extname = 'meshpg' AND c.relnamespace = 'mesh'::regnamespace
   AND c.relname IN ('masking_policies', 'masking_policy_bindings', 'consumer_attributes', 'row_policies')
 ORDER BY c.relname;
-- every change invalidates the enforcement caches and cached plans
SELECT has_trigger('mesh', t, 'enforcement_invalidation', 'mesh.' || t || ' invalidates the enforcement cache')
  FROM unnest(ARRAY['masking_policies', 'masking_policy_bindings', 'consumer_attributes', 'row_policies',
                    'data_product_columns', 'data_products']) AS t ORDER BY t;

-- public functions: signatures, argument names, the dispatcher
SELECT is((SELECT proargnames::text[] FROM pg_proc WHERE oid = to_regprocedure(f)), names, f || ' argument names')
  FROM (VALUES
    ('mesh.create_masking_policy(text, text, text)', ARRAY['name', 'mask', 'unmasked_for']),
    ('mesh.drop_masking_policy(text)', ARRAY['name']),
    ('mesh.bind_masking_policy(text, text)', ARRAY['policy', 'tag']),
    ('mesh.bind_masking_policy(text, text, text)', ARRAY['policy', 'product', 'column_name']),
    ('mesh.unbind_masking_policy(text, text)', ARRAY['policy', 'tag']),
    ('mesh.unbind_masking_policy(text, text, text)', ARRAY['policy', 'product', 'column_name']),
    ('mesh.set_consumer_attribute(regrole, text, text)', ARRAY['role', 'key', 'value']),
    ('mesh.create_row_policy(text, text, text)', ARRAY['product', 'name', 'filter']),
    ('mesh.drop_row_policy(text, text)', ARRAY['product', 'name']),
    ('mesh.attribute(text)', ARRAY['key'])) AS v(f, names)
 ORDER BY f;
SELECT is((SELECT l.lanname::text || ' ' || p.prosrc || ' ' || p.prosecdef FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.oid = to_regprocedure(f)),
          'c meshpg_api_dispatch false', f || ' goes through the API dispatcher')
  FROM unnest(ARRAY['mesh.create_masking_policy(text, text, text)', 'mesh.drop_masking_policy(text)',
                    'mesh.bind_masking_policy(text, text)', 'mesh.bind_masking_policy(text, text, text)',
                    'mesh.unbind_masking_policy(text, text)', 'mesh.unbind_masking_policy(text, text, text)',
                    'mesh.set_consumer_attribute(regrole, text, text)', 'mesh.create_row_policy(text, text, text)',
                    'mesh.drop_row_policy(text, text)']) AS f
 ORDER BY f;
SELECT is((SELECT p.provolatile::text || ' ' || p.prosecdef FROM pg_proc p WHERE p.oid = 'mesh.attribute(text)'::regprocedure),
          's false', 'mesh.attribute is STABLE and SECURITY INVOKER (it reads the current role)');
SELECT is((SELECT pg_get_function_result(p.oid) FROM pg_proc p WHERE p.oid = to_regprocedure('mesh._column_is_masked(bigint, text)')),
          'boolean', 'pinned: mesh._column_is_masked(bigint, text) returns boolean');
SELECT ok(NOT has_function_privilege('public', 'mesh._column_is_masked(bigint, text)', 'EXECUTE'),
          'mesh._column_is_masked is internal');

-- mesh._column_is_masked follows bindings
CREATE ROLE regress_tap_enforce_owner NOLOGIN;
CREATE SCHEMA tap_enforce_raw AUTHORIZATION regress_tap_enforce_owner;
CREATE TABLE tap_enforce_raw.t (id int, email text, note text);
ALTER TABLE tap_enforce_raw.t OWNER TO regress_tap_enforce_owner;
SELECT mesh.create_domain('tap_enforce', 'regress_tap_enforce_owner');
SELECT mesh.create_data_product('tap_enforce.t', 'tap_enforce_raw.t',
    '{"purpose": "tap", "columns": {"email": {"classification": "tap_enforce.email"}}}');
SELECT mesh.create_masking_policy('tap_enforce_email', 'mesh.mask_email(value)');
SELECT is(mesh._column_is_masked(currval('mesh.data_product_id_seq'), 'email'), false, 'no binding: not masked');
SELECT mesh.bind_masking_policy('tap_enforce_email', 'tap_enforce.email');
SELECT is(mesh._column_is_masked(currval('mesh.data_product_id_seq'), 'email'), true, 'tag binding: masked');
SELECT is(mesh._column_is_masked(currval('mesh.data_product_id_seq'), 'note'), false, 'other column: not masked');
SELECT mesh.bind_masking_policy('tap_enforce_email', 'tap_enforce.t', 'note');
SELECT is(mesh._column_is_masked(currval('mesh.data_product_id_seq'), 'note'), true, 'column binding: masked');
SELECT is(mesh._column_is_masked(currval('mesh.data_product_id_seq'), 'nope'), false, 'unknown column: not masked');
-- the guard is put on the governed table
SELECT policies_are('tap_enforce_raw', 't', ARRAY['meshpg_all_rows', 'meshpg_enforcement_guard'],
                    'the governed table carries the fail-closed guard');

SELECT * FROM finish();
ROLLBACK;
