-- Access history: who read which columns of which product, when, with the
-- query id; on by default for restricted and confidential products,
-- configurable per product; readable by the product owner and the auditor
-- role only.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE ROLE history_owner NOLOGIN;
CREATE ROLE history_owner_member NOLOGIN IN ROLE history_owner;
CREATE ROLE history_other_owner NOLOGIN;
CREATE ROLE history_reader NOLOGIN;
CREATE ROLE history_viewer NOLOGIN;
CREATE ROLE history_auditor NOLOGIN;
CREATE ROLE history_auditor_member NOLOGIN IN ROLE history_auditor;
SELECT mesh.create_domain('history_d', 'history_owner');
SELECT mesh.create_domain('history_e', 'history_other_owner');
CREATE TABLE history_d.people_src AS
    SELECT g AS id, 'person ' || g AS name, 'p' || g || '@example.com' AS email FROM generate_series(1, 3) g;
ALTER TABLE history_d.people_src OWNER TO history_owner;
CREATE TABLE history_e.orders_src AS SELECT g AS id, g * 10 AS amount FROM generate_series(1, 3) g;
ALTER TABLE history_e.orders_src OWNER TO history_other_owner;

-- defaults by access level, and the descriptor key
SELECT mesh.create_data_product('history_d.people', 'history_d.people_src',
    '{"purpose": "history test people", "access_level": "restricted"}') > 0 AS created;
SELECT mesh.create_data_product('history_d.public_people', 'history_d.people_src',
    '{"purpose": "history test public", "access_level": "public"}') > 0 AS created;
SELECT mesh.create_data_product('history_d.secret_unlogged', 'history_d.people_src',
    '{"purpose": "history test off", "access_level": "confidential", "access_history": {"enabled": false}}') > 0 AS created;
SELECT mesh.create_data_product('history_e.orders', 'history_e.orders_src',
    '{"purpose": "history test orders", "access_history": {"enabled": true, "retention": "2 years"}}') > 0 AS created;
SELECT p.domain || '.' || p.name AS product, p.access_level, s.enabled, s.retention
  FROM mesh.access_history_settings s JOIN mesh.data_products p ON p.id = s.product_id
 WHERE p.domain IN ('history_d', 'history_e') ORDER BY 1;

-- invalid configurations are refused with the JSON path
SELECT mesh.alter_data_product('history_d.people', '{"access_history": true}');
SELECT mesh.alter_data_product('history_d.people', '{"access_history": {"enabled": "yes"}}');
SELECT mesh.alter_data_product('history_d.people', '{"access_history": {"retention": "forever"}}');
SELECT mesh.alter_data_product('history_d.people', '{"access_history": {"retention": "-1 day"}}');
SELECT mesh.alter_data_product('history_d.people', '{"access_history": {"retention": 30}}');
SELECT mesh.alter_data_product('history_d.people', '{"access_history": {"keep": "1 day"}}');
SELECT mesh.alter_data_product('history_d.people', '{"access_history": {"retention": "200 years"}}');

GRANT USAGE ON SCHEMA history_d, history_e TO history_reader;
GRANT SELECT ON history_d.people, history_d.public_people, history_d.secret_unlogged, history_e.orders
    TO history_reader;

-- The scheduler flushes too (every meshpg.usage_flush_interval), at any
-- moment: the test's flushes first wait for a flush in progress (a plain
-- flush that meets another one writes nothing and returns 0), and what a
-- flush returns is not shown, only the history it leaves.
CREATE FUNCTION pg_temp.flush_usage_waiting() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE mesh.usage_daily, mesh.access_history_log IN SHARE ROW EXCLUSIVE MODE;
    RETURN mesh.flush_usage();
END $$;
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;
SELECT now() AS t0 \gset

SET ROLE history_reader;
SELECT name FROM history_d.people WHERE id = 1;           -- columns name and id
SELECT * FROM history_d.people ORDER BY id LIMIT 1;       -- all three
SELECT count(*) FROM history_d.people;                    -- no column
SELECT p FROM history_d.people p WHERE false;             -- the whole row
SELECT name FROM history_d.people WHERE id = 2;           -- same query, same query id
SELECT email FROM history_d.public_people;                -- not recorded: public
SELECT email FROM history_d.secret_unlogged;              -- not recorded: disabled
SELECT amount FROM history_e.orders WHERE id = 3;
RESET ROLE;

SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;
-- identical reads within a second may share a record (reads counts them),
-- so the records are shown per query
SELECT product, role, columns, sum(reads) AS reads,
       bool_and(read_at BETWEEN :'t0' AND now() AND last_read_at BETWEEN read_at AND now()) AS read_at_ok,
       bool_and(query_id IS NOT NULL AND query_id <> 0) AS has_query_id
  FROM mesh.access_history WHERE product LIKE 'history\_%'
 GROUP BY product, role, columns, query_id ORDER BY product, columns::text, reads;
SELECT count(DISTINCT query_id) AS distinct_queries, sum(reads) AS reads
  FROM mesh.access_history WHERE product = 'history_d.people';

-- merging: five identical reads in one statement are one record of 5 reads;
-- with meshpg.access_history_merge off (superuser only), five records
SET ROLE history_reader;
DO $$ BEGIN FOR i IN 1..5 LOOP PERFORM count(*) FROM history_e.orders; END LOOP; END $$;
SET meshpg.access_history_merge = off;
RESET ROLE;
SET meshpg.access_history_merge = off;
SET ROLE history_reader;
DO $$ BEGIN FOR i IN 1..5 LOOP PERFORM count(*) FROM history_e.orders; END LOOP; END $$;
RESET ROLE;
RESET meshpg.access_history_merge;
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;
SELECT reads, count(*) AS records FROM mesh.access_history
 WHERE product = 'history_e.orders' AND columns = '{}' GROUP BY reads ORDER BY reads;
SELECT product, bool_and(keep_until = read_at + CASE product WHEN 'history_e.orders' THEN interval '2 years'
                                                            ELSE interval '180 days' END) AS kept_as_configured
  FROM mesh.access_history WHERE product LIKE 'history\_%' GROUP BY 1 ORDER BY 1;

-- through another role's view: role is the view owner, read_by the reader
CREATE SCHEMA history_views AUTHORIZATION history_reader;
SET ROLE history_reader;
CREATE VIEW history_views.names AS SELECT name FROM history_d.people;
GRANT USAGE ON SCHEMA history_views TO history_viewer;
GRANT SELECT ON history_views.names TO history_viewer;
RESET ROLE;
SET ROLE history_viewer;
SELECT count(*) FROM history_views.names;
RESET ROLE;
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;
SELECT product, role, read_by, login_role, columns, reads FROM mesh.access_history
 WHERE read_by = 'history_viewer'::regrole;
-- inside a SECURITY DEFINER function the current user is its owner; the
-- login role still says who asked
CREATE FUNCTION history_views.count_people() RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT count(*) FROM history_d.people $$;
ALTER FUNCTION history_views.count_people() OWNER TO history_reader;
GRANT EXECUTE ON FUNCTION history_views.count_people() TO history_viewer;
SET ROLE history_viewer;
SELECT history_views.count_people();
RESET ROLE;
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;
SELECT product, role, read_by, login_role, columns FROM mesh.access_history
 WHERE product = 'history_d.people' ORDER BY id DESC LIMIT 1;
SELECT count(*) AS others_read_by_another_role FROM mesh.access_history
 WHERE product LIKE 'history\_%' AND read_by <> 'history_viewer'::regrole AND read_by <> role;
DROP SCHEMA history_views CASCADE;

-- who may read it: the owner's members see their products, the auditor all,
-- anyone else nothing
SET ROLE history_reader;
SELECT count(*) AS reader_sees FROM mesh.access_history;
SELECT count(*) FROM mesh.access_history_log;
-- a leaky function in the reader's query never sees the filtered rows
CREATE FUNCTION pg_temp.history_leak(text) RETURNS boolean
    LANGUAGE plpgsql COST 0.0000001 AS $$ BEGIN RAISE WARNING 'leaked %', $1; RETURN true; END $$;
SELECT count(*) AS leaked FROM mesh.access_history WHERE pg_temp.history_leak(product);
DROP FUNCTION pg_temp.history_leak(text);
RESET ROLE;
SET ROLE history_owner_member;
SELECT product, sum(reads) FROM mesh.access_history GROUP BY 1 ORDER BY 1;
RESET ROLE;
SET ROLE history_other_owner;
SELECT product, sum(reads) FROM mesh.access_history GROUP BY 1 ORDER BY 1;
RESET ROLE;
SET ROLE history_auditor_member;
SELECT count(*) AS auditor_sees_before_named FROM mesh.access_history WHERE product LIKE 'history\_%';
-- only a superuser names the auditor role
SET meshpg.access_history_auditor = 'history_auditor_member';
RESET ROLE;
SET meshpg.access_history_auditor = 'history_auditor';
SET ROLE history_auditor_member;
SELECT product, sum(reads) FROM mesh.access_history WHERE product LIKE 'history\_%' GROUP BY 1 ORDER BY 1;
RESET ROLE;
SET meshpg.access_history_auditor = 'no_such_role';
SET ROLE history_auditor_member;
SELECT count(*) AS unknown_auditor_sees FROM mesh.access_history WHERE product LIKE 'history\_%';
RESET ROLE;
RESET meshpg.access_history_auditor;
-- the internal functions are out of reach
SET ROLE history_reader;
SELECT * FROM mesh._access_history_take();
SELECT mesh._purge_access_history();
RESET ROLE;

-- disabling stops the recording; re-enabling starts it again
SELECT mesh.alter_data_product('history_d.people', '{"access_history": {"enabled": false}}');
SET ROLE history_reader;
SELECT count(*) FROM history_d.people;
RESET ROLE;
SELECT mesh.alter_data_product('history_d.people', '{"access_history": {"enabled": true, "retention": "30 days"}}');
SET ROLE history_reader;
SELECT id FROM history_d.people WHERE id = 1;
RESET ROLE;
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;
SELECT columns, keep_until = read_at + interval '30 days' AS kept_30_days
  FROM mesh.access_history WHERE product = 'history_d.people' ORDER BY id DESC LIMIT 1;
SELECT sum(reads) AS people_reads FROM mesh.access_history WHERE product = 'history_d.people';

-- retention: records past keep_until are purged by the flush
UPDATE mesh.access_history_log SET keep_until = now() - interval '1 second'
 WHERE product = 'history_d.people' AND columns = '{id}';
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;
SELECT sum(reads) AS people_reads FROM mesh.access_history WHERE product = 'history_d.people';

-- the history outlives a dropped product: only auditors still see it
SET ROLE history_reader;
SELECT amount FROM history_e.orders WHERE id = 1;
RESET ROLE;
SELECT mesh.drop_data_product('history_e.orders', force => true);
SELECT pg_temp.flush_usage_waiting() >= 0 AS flushed;
SET ROLE history_other_owner;
SELECT count(*) AS former_owner_sees FROM mesh.access_history;
RESET ROLE;
SET meshpg.access_history_auditor = 'history_auditor';
SET ROLE history_auditor_member;
SELECT product, role, columns, sum(reads) FROM mesh.access_history WHERE product = 'history_e.orders'
 GROUP BY 1, 2, 3 ORDER BY 3;
RESET ROLE;
RESET meshpg.access_history_auditor;

-- cleanup
DELETE FROM mesh.access_history_log WHERE product LIKE 'history\_%';
SELECT mesh.drop_data_product(product, force => true) FROM mesh.products
 WHERE domain IN ('history_d', 'history_e') ORDER BY product;
DROP TABLE history_d.people_src, history_e.orders_src;
SELECT mesh.drop_domain('history_d');
SELECT mesh.drop_domain('history_e');
DROP ROLE history_owner_member, history_owner, history_other_owner, history_reader, history_viewer,
    history_auditor_member, history_auditor;
