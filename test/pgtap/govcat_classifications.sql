-- mesh.governed_columns as the enforcement area relies on it: readable by
-- everyone, written by nobody but meshpg, every change invalidates the
-- relcache entry that per-backend caches listen to, rows go with the product.
\set QUIET 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS meshpg;
SELECT plan(9);

SELECT trigger_is('mesh', 'governed_columns', 'governed_columns_changed', 'mesh', '_governed_columns_changed',
                  'a trigger on mesh.governed_columns sends the relcache invalidation');
SELECT is((SELECT tgtype::int & 1 FROM pg_trigger WHERE tgname = 'governed_columns_changed'), 0,
          'the invalidation trigger is per statement, not per row');
SELECT is((SELECT (tgtype::int >> 2) & 15 FROM pg_trigger WHERE tgname = 'governed_columns_changed'), 15,
          'the invalidation trigger fires on INSERT, DELETE, UPDATE and TRUNCATE');
SELECT trigger_is('mesh', 'governed_columns', 'governed_columns_deleted', 'mesh', '_governed_columns_deleted',
                  'a trigger recomputes inherited rows when a product''s rows are deleted');
SELECT fk_ok('mesh', 'governed_columns', 'product_id', 'mesh', 'data_products', 'id',
             'governed_columns.product_id references data_products.id');
SELECT is((SELECT confdeltype FROM pg_constraint
            WHERE conrelid = 'mesh.governed_columns'::regclass AND contype = 'f'), 'c',
          'rows of a dropped product are deleted with it (ON DELETE CASCADE)');
SELECT ok(has_table_privilege('public', 'mesh.governed_columns', 'SELECT'), 'PUBLIC reads mesh.governed_columns');
SELECT ok(NOT has_table_privilege('public', 'mesh.governed_columns', 'INSERT, UPDATE, DELETE, TRUNCATE'),
          'PUBLIC writes nothing to mesh.governed_columns');
SELECT ok(EXISTS (SELECT FROM pg_proc WHERE oid = to_regprocedure('mesh._on_store_20_classifications(regrole, bigint, jsonb)')
                    AND EXISTS (SELECT FROM pg_depend d WHERE d.objid = pg_proc.oid AND d.deptype = 'e')),
          'the store handler is a member of the extension, so _store_descriptor calls it');

SELECT * FROM finish();
ROLLBACK;
