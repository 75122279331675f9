-- meshpg data product life cycle, as a domain team uses it: a member of the
-- domain owner role publishes a product from its own table, moves it through
-- draft -> active -> deprecated -> retired, and drops it; outsiders cannot
-- touch the domain; superusers can.
\set QUIET 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS meshpg;

SELECT plan(53);

-- Roles: the domain owner (a group), a member who logs in, and an outsider.
CREATE ROLE regress_tap_owner NOLOGIN;
CREATE ROLE regress_tap_member LOGIN IN ROLE regress_tap_owner;
CREATE ROLE regress_tap_outsider LOGIN;

-- The superuser creates the domain (needs CREATE on the database).
SELECT lives_ok($$SELECT mesh.create_domain('tap_life', 'regress_tap_owner', 'life cycle tests')$$,
                'superuser creates domain tap_life for regress_tap_owner');

SET LOCAL ROLE regress_tap_member;

-- 1. The member publishes a product from a table it owns.  The port is
--    owned by the domain owner, so the domain owner must be able to read the
--    source: without a grant the product is refused up front (port.c), not
--    broken for every consumer later.
CREATE TABLE tap_life.orders (
    id          bigint PRIMARY KEY,
    customer    text NOT NULL,
    amount      numeric(12, 2),
    ordered_at  timestamptz NOT NULL
);
SELECT throws_ok($$SELECT mesh.create_data_product('tap_life.orders_daily', 'tap_life.orders',
                                                   '{"purpose": "Orders per day"}')$$,
                 '42501', NULL,
                 'a source the domain owner cannot read is refused (42501)');
SELECT is(to_regclass('tap_life.orders_daily'), NULL, 'the refused product left no port behind');
GRANT SELECT ON tap_life.orders TO regress_tap_owner;
-- (the returned id is kept in a temp table whose column type is the
-- function's result type, checked below)
SELECT lives_ok($$CREATE TEMP TABLE created ON COMMIT DROP AS
                  SELECT mesh.create_data_product('tap_life.orders_daily', 'tap_life.orders',
                                                  '{"purpose": "Orders per day"}') AS id$$,
                'member creates tap_life.orders_daily from its own table');

-- 2. The output port: a view <domain>.<name>, owned by the domain owner,
--    with security_barrier.
SELECT is((SELECT relkind::text FROM pg_class WHERE oid = to_regclass('tap_life.orders_daily')), 'v',
          'the port tap_life.orders_daily is a view');
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = to_regclass('tap_life.orders_daily')),
          'regress_tap_owner',
          'the port is owned by the domain owner, not by the member who created it');
SELECT ok((SELECT reloptions @> ARRAY['security_barrier=true'] FROM pg_class
            WHERE oid = to_regclass('tap_life.orders_daily')),
          'the port has security_barrier');
SELECT lives_ok($$SELECT * FROM tap_life.orders_daily$$, 'the member can read the port');

RESET ROLE;
-- (if the creation failed, a numeric stand-in keeps the rest of the file
-- running; the type check below then fails)
CREATE TEMP TABLE IF NOT EXISTS created (id numeric) ON COMMIT DROP;

-- 3. The id returned is a bigint, and it is the product's id in the catalog.
SELECT is((SELECT format_type(atttypid, atttypmod) FROM pg_attribute
            WHERE attrelid = to_regclass('pg_temp.created') AND attname = 'id'),
          'bigint', 'the value returned by mesh.create_data_product is a bigint');
SELECT is((SELECT p.id FROM mesh.data_products p WHERE p.domain = 'tap_life' AND p.name = 'orders_daily'),
          (SELECT id FROM created),
          'the id returned is the id of tap_life.orders_daily in mesh.data_products');
SELECT is((SELECT port::text FROM mesh.data_products WHERE id = (SELECT id FROM created)),
          'tap_life.orders_daily',
          'mesh.data_products records the port');

-- 4. What mesh.products shows for a new product: defaults and the caller.
SELECT results_eq(
    $$SELECT product, domain, name, version, status, access_level, owner::text, purpose, column_count
        FROM mesh.products WHERE product = 'tap_life.orders_daily'$$,
    $$VALUES ('tap_life.orders_daily', 'tap_life', 'orders_daily', '0.1.0', 'draft', 'internal',
              'regress_tap_owner', 'Orders per day', 4)$$,
    'mesh.products: version 0.1.0, status draft, access_level internal, owner = the domain owner');
SELECT is((SELECT created_by || '/' || updated_by FROM mesh.products WHERE product = 'tap_life.orders_daily'),
          'regress_tap_member/regress_tap_member',
          'created_by and updated_by are the member who called the API, not the extension owner');
SELECT set_eq($$SELECT name FROM mesh.data_product_columns
                 WHERE product_id = (SELECT id FROM created)$$,
              ARRAY['id', 'customer', 'amount', 'ordered_at'],
              'the port''s columns are recorded');

-- 5. The life cycle, as the member: a draft cannot be deprecated; then
--    draft -> active -> deprecated -> active -> deprecated -> retired, with
--    the forbidden moves refused (55000) on the way.
SET LOCAL ROLE regress_tap_member;
SELECT throws_ok($$SELECT mesh.set_status('tap_life.orders_daily', 'deprecated')$$, '55000', NULL,
                 'draft -> deprecated is refused (55000)');
SELECT lives_ok($$SELECT mesh.set_status('tap_life.orders_daily', 'active')$$, 'draft -> active');
SELECT is((SELECT status FROM mesh.products WHERE product = 'tap_life.orders_daily'), 'active',
          'the product is active');
SELECT throws_ok($$SELECT mesh.set_status('tap_life.orders_daily', 'retired')$$, '55000', NULL,
                 'active -> retired is refused (55000): deprecate first');
SELECT throws_ok($$SELECT mesh.set_status('tap_life.orders_daily', 'draft')$$, '55000', NULL,
                 'active -> draft is refused (55000)');
SELECT lives_ok($$SELECT mesh.set_status('tap_life.orders_daily', 'deprecated')$$, 'active -> deprecated');
SELECT lives_ok($$SELECT mesh.set_status('tap_life.orders_daily', 'active')$$, 'deprecated -> active');
SELECT lives_ok($$SELECT mesh.set_status('tap_life.orders_daily', 'deprecated')$$, 'active -> deprecated again');
SELECT throws_ok($$SELECT mesh.drop_data_product('tap_life.orders_daily')$$, '55000', NULL,
                 'a deprecated product cannot be dropped without force (55000)');
SELECT lives_ok($$SELECT mesh.set_status('tap_life.orders_daily', 'retired')$$, 'deprecated -> retired');
SELECT is((SELECT status FROM mesh.products WHERE product = 'tap_life.orders_daily'), 'retired',
          'the product is retired');
SELECT throws_ok($$SELECT mesh.set_status('tap_life.orders_daily', 'active')$$, '55000', NULL,
                 'retired -> active is refused (55000): retired is final');
SELECT is((SELECT status FROM mesh.products WHERE product = 'tap_life.orders_daily'), 'retired',
          'the refused move left the product retired');
SELECT throws_ok($$SELECT mesh.set_status('tap_life.orders_daily', 'archived')$$, '22023', NULL,
                 'an unknown status is refused (22023)');

-- 6. A retired product is dropped without force: port and catalog rows go.
SELECT lives_ok($$SELECT mesh.drop_data_product('tap_life.orders_daily')$$, 'a retired product is dropped');
SELECT is(to_regclass('tap_life.orders_daily'), NULL, 'its port is gone');
SELECT is((SELECT count(*)::int FROM mesh.data_products WHERE domain = 'tap_life' AND name = 'orders_daily'), 0,
          'its catalog row is gone');
SELECT is((SELECT count(*)::int FROM mesh.data_product_columns
            WHERE product_id = (SELECT id FROM created)), 0,
          'its column rows are gone');

-- 7. An active product is not dropped unless force => true.
SELECT lives_ok($$SELECT mesh.create_data_product('tap_life.big_orders',
                                                  'SELECT id, amount FROM tap_life.orders WHERE amount > 1000',
                                                  '{"purpose": "Large orders"}')$$,
                'member creates tap_life.big_orders from a query');
SELECT lives_ok($$SELECT mesh.set_status('tap_life.big_orders', 'active')$$, 'big_orders: draft -> active');
SELECT throws_ok($$SELECT mesh.drop_data_product('tap_life.big_orders')$$, '55000', NULL,
                 'an active product cannot be dropped (55000)');
SELECT throws_ok($$SELECT mesh.drop_data_product('tap_life.big_orders', false)$$, '55000', NULL,
                 'an active product cannot be dropped with force => false (55000)');
SELECT isnt(to_regclass('tap_life.big_orders'), NULL, 'the refused drop kept the port');
SELECT lives_ok($$SELECT mesh.drop_data_product('tap_life.big_orders', force => true)$$,
                'an active product is dropped with force => true');
SELECT is(to_regclass('tap_life.big_orders'), NULL, 'the forced drop removed the port');

-- 8. A draft product is dropped without force.
SELECT lives_ok($$SELECT mesh.create_data_product('tap_life.customers',
                                                  'SELECT DISTINCT customer FROM tap_life.orders',
                                                  '{"purpose": "Customers who ordered"}')$$,
                'member creates tap_life.customers');
SELECT lives_ok($$SELECT mesh.drop_data_product('tap_life.customers')$$, 'a draft product is dropped');

-- 9. An outsider (not a member of the domain owner) can change nothing in
--    the domain: create, alter, set_status and drop are refused with 42501.
SELECT lives_ok($$SELECT mesh.create_data_product('tap_life.order_ids', 'SELECT id FROM tap_life.orders',
                                                  '{"purpose": "Order ids"}')$$,
                'member creates tap_life.order_ids');
SET LOCAL ROLE regress_tap_outsider;
SELECT throws_ok($$SELECT mesh.create_data_product('tap_life.stolen', 'SELECT 1 AS one',
                                                   '{"purpose": "not mine"}')$$,
                 '42501', NULL, 'outsider cannot create a product in tap_life (42501)');
SELECT throws_ok($$SELECT mesh.alter_data_product('tap_life.order_ids', '{"purpose": "mine now"}')$$,
                 '42501', NULL, 'outsider cannot alter a product in tap_life (42501)');
SELECT throws_ok($$SELECT mesh.set_status('tap_life.order_ids', 'active')$$,
                 '42501', NULL, 'outsider cannot set_status in tap_life (42501)');
SELECT throws_ok($$SELECT mesh.drop_data_product('tap_life.order_ids', force => true)$$,
                 '42501', NULL, 'outsider cannot drop a product in tap_life, even with force (42501)');
RESET ROLE;
SELECT results_eq($$SELECT purpose, status FROM mesh.products WHERE product = 'tap_life.order_ids'$$,
                  $$VALUES ('Order ids', 'draft')$$,
                  'the outsider''s attempts changed nothing');
SELECT is(to_regclass('tap_life.stolen'), NULL, 'the outsider''s port was not created');

-- 10. A superuser (not a member of the owner role) can do all of it.
SELECT lives_ok($$SELECT mesh.create_data_product('tap_life.admin_orders', 'tap_life.orders',
                                                  '{"purpose": "Created by an administrator"}')$$,
                'superuser creates a product in tap_life');
SELECT lives_ok($$SELECT mesh.alter_data_product('tap_life.order_ids', '{"purpose": "Order ids, fixed"}')$$,
                'superuser alters a product in tap_life');
SELECT lives_ok($$SELECT mesh.set_status('tap_life.order_ids', 'active')$$,
                'superuser sets the status of a product in tap_life');
SELECT lives_ok($$SELECT mesh.drop_data_product('tap_life.order_ids', force => true)$$,
                'superuser drops a product in tap_life');
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = to_regclass('tap_life.admin_orders')),
          'regress_tap_owner',
          'a port created by a superuser is owned by the domain owner too');

SELECT * FROM finish();
ROLLBACK;
