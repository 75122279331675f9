-- Column lineage read from view definitions: nested views, renamed columns,
-- expressions, aggregates, joins, CTEs (recursive too), subqueries, set
-- operations, sublinks and materialized views.
SET client_min_messages = warning;
CREATE SCHEMA lineage_raw;
CREATE TABLE lineage_raw.orders (order_id int PRIMARY KEY, customer_id int NOT NULL, amount numeric,
                                 status text, placed_on date);
CREATE TABLE lineage_raw.customers (customer_id int PRIMARY KEY, name text, region text, parent_id int);
CREATE TABLE lineage_raw.refunds (order_id int, amount numeric);

-- renamed column, expression, filter
CREATE VIEW lineage_raw.v_orders AS
SELECT o.order_id AS id, o.amount * 100 AS amount_cents, o.customer_id AS buyer
  FROM lineage_raw.orders o WHERE o.status = 'paid';
SELECT * FROM mesh.column_lineage('lineage_raw.v_orders');

-- a view over the view: lineage stops at the view it names (a node of its own)
CREATE VIEW lineage_raw.v_orders_renamed (order_ref, cents) AS
SELECT id, amount_cents FROM lineage_raw.v_orders;
SELECT * FROM mesh.column_lineage('lineage_raw.v_orders_renamed');

-- join keys, aggregates, GROUP BY, HAVING, a binary-compatible cast stays direct
CREATE VIEW lineage_raw.v_region_sales AS
SELECT c.region::varchar AS region, sum(o.amount) AS total, count(*) AS orders
  FROM lineage_raw.orders o JOIN lineage_raw.customers c ON c.customer_id = o.customer_id
 GROUP BY c.region HAVING max(o.placed_on) > DATE '2020-01-01';
SELECT * FROM mesh.column_lineage('lineage_raw.v_region_sales');

-- CTE, subquery in FROM, scalar sublink in the target list, EXISTS in WHERE
CREATE VIEW lineage_raw.v_cte AS
WITH big AS (SELECT order_id AS oid, amount FROM lineage_raw.orders WHERE amount > 10)
SELECT b.oid, s.n,
       (SELECT sum(r.amount) FROM lineage_raw.refunds r WHERE r.order_id = b.oid) AS refunded
  FROM big b, (SELECT count(*) AS n FROM lineage_raw.customers) s
 WHERE EXISTS (SELECT 1 FROM lineage_raw.refunds r2 WHERE r2.order_id = b.oid);
SELECT * FROM mesh.column_lineage('lineage_raw.v_cte');

-- recursive CTE: the self reference is skipped, the anchor and the recursive term traced
CREATE VIEW lineage_raw.v_tree AS
WITH RECURSIVE t(id, root_name, depth) AS (
    SELECT customer_id, name, 0 FROM lineage_raw.customers WHERE parent_id IS NULL
    UNION ALL
    SELECT c.customer_id, t.root_name, t.depth + 1 FROM lineage_raw.customers c JOIN t ON c.parent_id = t.id)
SELECT id, root_name, depth FROM t;
SELECT * FROM mesh.column_lineage('lineage_raw.v_tree');

-- set operation and FULL JOIN USING (a merged column is an expression)
CREATE VIEW lineage_raw.v_union AS
SELECT order_id AS id, amount FROM lineage_raw.orders
UNION ALL
SELECT order_id, -amount FROM lineage_raw.refunds;
SELECT * FROM mesh.column_lineage('lineage_raw.v_union');
CREATE VIEW lineage_raw.v_full AS
SELECT order_id, o.amount AS paid, r.amount AS refunded
  FROM lineage_raw.orders o FULL JOIN lineage_raw.refunds r USING (order_id);
SELECT * FROM mesh.column_lineage('lineage_raw.v_full');

-- window function, whole-row reference, LATERAL function over a column
CREATE VIEW lineage_raw.v_misc AS
SELECT o.order_id, rank() OVER (PARTITION BY o.customer_id ORDER BY o.amount) AS rnk,
       row_to_json(c) AS customer_json, w.word
  FROM lineage_raw.orders o JOIN lineage_raw.customers c USING (customer_id),
       LATERAL regexp_split_to_table(c.name, ' ') AS w(word);
SELECT * FROM mesh.column_lineage('lineage_raw.v_misc');

-- correlated references: a LATERAL subquery and a CTE inside a scalar subquery
-- read columns of the enclosing query
CREATE VIEW lineage_raw.v_correlated AS
SELECT c.customer_id,
       l.last_amount,
       (WITH mine AS (SELECT r.amount * 2 AS twice, c.region AS reg FROM lineage_raw.refunds r
                       WHERE r.order_id = c.parent_id)
        SELECT max(twice) || reg FROM mine GROUP BY reg) AS refund_label
  FROM lineage_raw.customers c,
       LATERAL (SELECT o.amount + c.parent_id AS last_amount FROM lineage_raw.orders o
                 WHERE o.customer_id = c.customer_id ORDER BY o.placed_on DESC LIMIT 1) l;
SELECT * FROM mesh.column_lineage('lineage_raw.v_correlated');

-- a materialized view is traced the same way
CREATE MATERIALIZED VIEW lineage_raw.mv_daily AS
SELECT placed_on AS day, sum(amount) AS revenue FROM lineage_raw.orders GROUP BY placed_on WITH NO DATA;
SELECT * FROM mesh.column_lineage('lineage_raw.mv_daily');

-- a definition whose trace explodes (each CTE reads the previous one twice)
-- is refused after a bounded amount of work instead of running for hours
SELECT format('CREATE VIEW lineage_raw.v_explode AS WITH c0 AS (SELECT order_id AS x FROM lineage_raw.orders), %s SELECT x FROM c30',
              string_agg(format('c%s AS (SELECT a.x + b.x AS x FROM c%s a, c%s b)', i, i - 1, i - 1), ', ' ORDER BY i))
  FROM generate_series(1, 30) i \gexec
SELECT * FROM mesh.column_lineage('lineage_raw.v_explode');
-- ten links are fine
SELECT format('CREATE VIEW lineage_raw.v_ten AS WITH c0 AS (SELECT order_id AS x FROM lineage_raw.orders), %s SELECT x FROM c10',
              string_agg(format('c%s AS (SELECT a.x + b.x AS x FROM c%s a, c%s b)', i, i - 1, i - 1), ', ' ORDER BY i))
  FROM generate_series(1, 10) i \gexec
SELECT * FROM mesh.column_lineage('lineage_raw.v_ten');

-- a table has no lineage of its own; a dropped column leaves no trace
SELECT count(*) AS table_lineage FROM mesh.column_lineage('lineage_raw.orders');
ALTER TABLE lineage_raw.refunds ADD COLUMN note text;
ALTER TABLE lineage_raw.refunds DROP COLUMN note;
SELECT count(*) AS refunds_rows FROM mesh.column_lineage('lineage_raw.v_union')
 WHERE source_relation = 'lineage_raw.refunds';
-- NULL in, nothing out (STRICT); a relation that does not exist is the usual regclass error
SELECT count(*) FROM mesh.column_lineage(NULL);
SELECT * FROM mesh.column_lineage('lineage_raw.nope');

-- reading lineage locks no relation: a role without privileges on a view
-- cannot hold up DDL on it by keeping a transaction open
BEGIN;
SELECT count(*) > 0 AS traced FROM mesh.column_lineage('lineage_raw.v_cte');
SELECT count(*) AS locks_on_lineage_relations FROM pg_locks
 WHERE pid = pg_backend_pid() AND locktype = 'relation'
   AND relation IN ('lineage_raw.v_cte'::regclass, 'lineage_raw.orders'::regclass, 'lineage_raw.refunds'::regclass);
COMMIT;

-- hardened databases that hide view definitions hide lineage too
CREATE ROLE lineage_nosy;
REVOKE SELECT ON pg_catalog.pg_rewrite FROM PUBLIC;
SET ROLE lineage_nosy;
SELECT * FROM mesh.column_lineage('mesh.products');
RESET ROLE;
GRANT SELECT ON pg_catalog.pg_rewrite TO PUBLIC;
SET ROLE lineage_nosy;
SELECT count(*) > 0 AS visible_again FROM mesh.column_lineage('mesh.products');
RESET ROLE;
DROP ROLE lineage_nosy;

-- cleanup
DROP SCHEMA lineage_raw CASCADE;
