-- Usage counting: reads of output ports per product, role and day are counted
-- in shared memory by the read path and written by mesh.flush_usage(); the
-- counts in mesh.usage_daily are exact after a flush.  Each psql statement
-- is its own transaction: a backend folds its reads into shared memory when
-- its transaction ends.  The scheduler flushes too (every
-- meshpg.usage_flush_interval), at any moment: what a given flush returns
-- depends on it, so the test asserts the totals in mesh.usage_daily, and its
-- own flushes first wait for a flush in progress (pg_temp.flush_usage_waiting:
-- a plain flush that meets another one writes nothing and returns 0).
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE ROLE usage_owner NOLOGIN;
CREATE ROLE usage_reader_a NOLOGIN;
CREATE ROLE usage_reader_b NOLOGIN;
CREATE ROLE usage_outsider NOLOGIN;
SELECT mesh.create_domain('usage_d', 'usage_owner');
CREATE TABLE usage_d.items_src AS SELECT g AS id, 'item ' || g AS label FROM generate_series(1, 5) g;
ALTER TABLE usage_d.items_src OWNER TO usage_owner;
SELECT mesh.create_data_product('usage_d.items', 'usage_d.items_src', '{"purpose": "usage test items"}') > 0 AS created;
SELECT mesh.create_data_product('usage_d.other', 'usage_d.items_src', '{"purpose": "usage test other"}') > 0 AS created;
GRANT USAGE ON SCHEMA usage_d TO usage_reader_a, usage_reader_b, usage_outsider;
GRANT SELECT ON usage_d.items, usage_d.other TO usage_reader_a, usage_reader_b;
-- a view of another role on top of the port: its reads are that role's
CREATE SCHEMA usage_views AUTHORIZATION usage_reader_b;
GRANT USAGE ON SCHEMA usage_views TO usage_reader_a;
SET ROLE usage_reader_b;
CREATE VIEW usage_views.items_again AS SELECT id FROM usage_d.items;
GRANT SELECT ON usage_views.items_again TO usage_reader_a;
RESET ROLE;
CREATE FUNCTION usage_views.read_items() RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
    BEGIN RETURN (SELECT count(*) FROM usage_d.items); END $$;
ALTER FUNCTION usage_views.read_items() OWNER TO usage_reader_b;

CREATE FUNCTION pg_temp.flush_usage_waiting() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    -- the lock a flush takes (NOWAIT): wait here for the scheduler's flush to end
    LOCK TABLE mesh.usage_daily, mesh.access_history_log IN SHARE ROW EXCLUSIVE MODE;
    RETURN mesh.flush_usage();
END $$;

-- the scheduler's flush has its own interval (not the 1 s naptime)
SELECT name, boot_val, unit, context FROM pg_settings WHERE name = 'meshpg.usage_flush_interval';

-- start from empty counters for these products
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;
SELECT count(*) AS rows_before
  FROM mesh.usage_daily u JOIN mesh.data_products p ON p.id = u.product_id WHERE p.domain = 'usage_d';
SELECT now() AS t0 \gset

-- postgres: 3 plain reads
SELECT count(*) FROM usage_d.items;
SELECT label FROM usage_d.items WHERE id = 2;
SELECT count(*) FROM usage_d.items a JOIN usage_d.items b USING (id);  -- a self-join is one read
-- EXPLAIN without ANALYZE reads nothing; EXPLAIN ANALYZE reads
EXPLAIN (COSTS OFF) SELECT * FROM usage_d.items;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM usage_d.items;

SET ROLE usage_reader_a;
-- a prepared statement executed 4 times is 4 reads
PREPARE usage_q(int) AS SELECT label FROM usage_d.items WHERE id = $1;
EXECUTE usage_q(1);
EXECUTE usage_q(2);
EXECUTE usage_q(3);
EXECUTE usage_q(4);
DEALLOCATE usage_q;
-- a cursor is one read, however many fetches
BEGIN;
DECLARE usage_c CURSOR FOR SELECT id FROM usage_d.items ORDER BY id;
FETCH 2 FROM usage_c;
FETCH 2 FROM usage_c;
CLOSE usage_c;
COMMIT;
-- a read that fails after it started is counted; so is one rolled back
SELECT 1 / (id - id) FROM usage_d.items;
BEGIN;
SELECT count(*) FROM usage_d.items;
ROLLBACK;
-- through another role's view: a read by that view's owner (reader_b)
SELECT count(*) FROM usage_views.items_again;
-- inside a function, each execution of the inner query is a read (of its
-- current user: the function is not SECURITY DEFINER, so reader_a)
SELECT usage_views.read_items() FROM generate_series(1, 3);
RESET ROLE;

-- a read refused by the permission check is not a read
SET ROLE usage_outsider;
SELECT count(*) FROM usage_d.items;
RESET ROLE;

-- reader_b reads the other product twice, once in a SECURITY DEFINER
-- function of reader_b called by reader_a
SET ROLE usage_reader_b;
SELECT count(*) FROM usage_d.other;
CREATE FUNCTION usage_views.read_other() RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT count(*) FROM usage_d.other $$;
RESET ROLE;
SET ROLE usage_reader_a;
SELECT usage_views.read_other();
RESET ROLE;

-- the flush writes one row per product, role and day
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;
SELECT p.name, u.role, u.day = (now() AT TIME ZONE 'UTC')::date AS today, u.reads,
       u.last_read BETWEEN :'t0' AND now() AS last_read_ok
  FROM mesh.usage_daily u JOIN mesh.data_products p ON p.id = u.product_id
 WHERE p.domain = 'usage_d'
 ORDER BY p.name, u.role::text;

-- flushing again writes nothing and changes nothing
SELECT pg_temp.flush_usage_waiting() AS written_again;
SELECT sum(u.reads) AS total_reads
  FROM mesh.usage_daily u JOIN mesh.data_products p ON p.id = u.product_id WHERE p.domain = 'usage_d';

-- more reads are added to the same day's row
SELECT count(*) FROM usage_d.items;
SELECT count(*) FROM usage_d.items;
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;
SELECT u.role, u.reads FROM mesh.usage_daily u JOIN mesh.data_products p ON p.id = u.product_id
 WHERE p.domain = 'usage_d' AND p.name = 'items' AND u.role = 'postgres'::regrole;

-- reads of the flushing transaction itself are written by the next flush
BEGIN;
SELECT count(*) FROM usage_d.items;
SELECT pg_temp.flush_usage_waiting() AS written_in_same_transaction;
-- once per transaction: what a flush takes is cleared at its commit
SELECT mesh.flush_usage();
ROLLBACK;
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed_next;
SELECT u.reads FROM mesh.usage_daily u JOIN mesh.data_products p ON p.id = u.product_id
 WHERE p.domain = 'usage_d' AND p.name = 'items' AND u.role = 'postgres'::regrole;

-- a flush that fails (here: rolled back in a subtransaction) loses nothing
-- (whether it or the scheduler took the read, the total is the same)
SELECT count(*) FROM usage_d.items;
BEGIN;
SAVEPOINT s;
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed_then_rolled_back;
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed_after_failed_flush;
SELECT u.reads FROM mesh.usage_daily u JOIN mesh.data_products p ON p.id = u.product_id
 WHERE p.domain = 'usage_d' AND p.name = 'items' AND u.role = 'postgres'::regrole;

-- rows of other days are kept apart: yesterday's row is not touched
INSERT INTO mesh.usage_daily (product_id, role, day, reads, last_read)
SELECT id, 'usage_reader_b', (now() AT TIME ZONE 'UTC')::date - 1, 7, now() - interval '1 day'
  FROM mesh.data_products WHERE domain = 'usage_d' AND name = 'items';
SET ROLE usage_reader_b;
SELECT count(*) FROM usage_d.items;
RESET ROLE;
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;
SELECT u.role, (now() AT TIME ZONE 'UTC')::date - u.day AS days_ago, u.reads
  FROM mesh.usage_daily u JOIN mesh.data_products p ON p.id = u.product_id
 WHERE p.domain = 'usage_d' AND p.name = 'items' AND u.role = 'usage_reader_b'::regrole
 ORDER BY u.day;

-- popularity: distinct reading roles + ln(1 + reads) over the last 30 days
-- items: 3 roles, 8 + 10 + 2 + 7 reads; other: 1 role, 2 reads
SELECT product, popularity,
       popularity = CASE name WHEN 'items' THEN round((3 + ln(1 + 27))::numeric, 3)
                              ELSE round((1 + ln(1 + 2))::numeric, 3) END AS as_documented
  FROM mesh.products WHERE domain = 'usage_d' ORDER BY product;
-- rows older than 30 days do not count
UPDATE mesh.usage_daily SET day = day - 30
 WHERE role = 'usage_reader_b'::regrole AND reads = 7;
SELECT product, popularity, popularity = round((3 + ln(1 + 20))::numeric, 3) AS as_documented
  FROM mesh.products WHERE product = 'usage_d.items';

-- counters of a dropped product are discarded at the flush
SELECT count(*) FROM usage_d.other;
SELECT mesh.drop_data_product('usage_d.other', force => true);
SELECT pg_temp.flush_usage_waiting() AS written;
SELECT count(*) AS rows_of_dropped FROM mesh.usage_daily u
 WHERE NOT EXISTS (SELECT FROM mesh.data_products p WHERE p.id = u.product_id);

-- nobody writes mesh.usage_daily directly; everyone may read it and flush
SET ROLE usage_outsider;
SELECT count(*) > 0 AS readable FROM mesh.usage_daily;
DELETE FROM mesh.usage_daily;
SELECT * FROM mesh._usage_take();
SELECT mesh.flush_usage() >= 0 AS outsider_flushed;
RESET ROLE;

-- cleanup
DROP FUNCTION usage_views.read_items(), usage_views.read_other();
DROP VIEW usage_views.items_again;
DROP SCHEMA usage_views;
SELECT mesh.drop_data_product('usage_d.items', force => true);
DROP TABLE usage_d.items_src;
SELECT mesh.drop_domain('usage_d');
DROP ROLE usage_owner, usage_reader_a, usage_reader_b, usage_outsider;
