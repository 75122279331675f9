-- The lineage graph around data products: across domains, through views that
-- are not products, materialized views and declared external sources; the
-- impact of changing a relation or a column; the exports (DOT, Mermaid,
-- OpenLineage); permissions of mesh.add_source.
SET client_min_messages = warning;
\set SHOW_CONTEXT never
CREATE ROLE lineage_sales_team NOLOGIN;
CREATE ROLE lineage_fin_team NOLOGIN;
CREATE ROLE lineage_reader NOLOGIN;
CREATE ROLE lineage_outsider NOLOGIN;
CREATE SCHEMA lineage_ops AUTHORIZATION lineage_sales_team;
SET ROLE lineage_sales_team;
CREATE TABLE lineage_ops.orders (order_id int PRIMARY KEY, customer_id int NOT NULL, amount numeric NOT NULL,
                                 "Order Status" text, placed_on date);
CREATE TABLE lineage_ops.customers (customer_id int PRIMARY KEY, name text, region text);
-- a view that is not a product, between the tables and the product
CREATE VIEW lineage_ops.paid_orders AS
SELECT o.order_id, o.customer_id, o.amount AS paid_amount, o.placed_on
  FROM lineage_ops.orders o WHERE o."Order Status" = 'paid';
CREATE MATERIALIZED VIEW lineage_ops.region_map AS SELECT customer_id, region FROM lineage_ops.customers;
RESET ROLE;
GRANT USAGE ON SCHEMA lineage_ops TO lineage_fin_team;
GRANT SELECT ON lineage_ops.orders TO lineage_fin_team;
SELECT mesh.create_domain('lineage_sales', 'lineage_sales_team');
SELECT mesh.create_domain('lineage_finance', 'lineage_fin_team');

SELECT mesh.create_data_product('lineage_sales.orders_by_region', $$
    SELECT p.order_id, r.region AS sales_region, p.paid_amount AS amount, p.placed_on
      FROM lineage_ops.paid_orders p JOIN lineage_ops.region_map r ON r.customer_id = p.customer_id
$$, '{"purpose": "paid orders with their sales region", "sources": [{"name": "Shop (Shopify)", "kind": "application"}, {"name": "lineage_ops.orders", "kind": "table"}]}') > 0 AS created;
-- a product of another domain built on the first product: cross-domain lineage
GRANT SELECT ON lineage_sales.orders_by_region TO lineage_fin_team, lineage_reader;
SELECT mesh.create_data_product('lineage_finance.revenue', $$
    SELECT sales_region, sum(amount) AS revenue, count(*) AS orders
      FROM lineage_sales.orders_by_region GROUP BY sales_region
$$, '{"purpose": "revenue per region"}') > 0 AS created;
GRANT SELECT ON lineage_finance.revenue TO lineage_reader;
-- and a plain view of the finance team downstream of its product
SET ROLE lineage_fin_team;
CREATE VIEW lineage_finance.revenue_report AS SELECT sales_region AS region, revenue FROM lineage_finance.revenue;
RESET ROLE;

-- upstream, downstream and both, with levels
SELECT level, side, source, source_kind, source_product, target, target_kind, target_product
  FROM mesh.lineage('lineage_finance.revenue', 'upstream') ORDER BY level, source, target;
SELECT level, side, source, source_kind, target, target_kind
  FROM mesh.lineage('lineage_sales.orders_by_region', 'downstream') ORDER BY level, source, target;
SELECT level, side, source, target FROM mesh.lineage('lineage_sales.orders_by_region')
 ORDER BY side, level, source, target;
-- column edges of one edge: the renamed columns are followed
SELECT jsonb_pretty(columns) FROM mesh.lineage('lineage_finance.revenue', 'upstream', 1);
-- depth limits the walk
SELECT count(*) AS edges_depth_1 FROM mesh.lineage('lineage_finance.revenue', 'upstream', 1);
SELECT count(*) AS edges_depth_2 FROM mesh.lineage('lineage_finance.revenue', 'upstream', 2);
-- bad arguments
SELECT * FROM mesh.lineage('lineage_finance.revenue', 'sideways');
SELECT * FROM mesh.lineage('lineage_finance.revenue', 'both', 0);
SELECT * FROM mesh.lineage('lineage_finance.revenue', 'both', 101);
SELECT * FROM mesh.lineage('lineage_finance.revenue', NULL);
SELECT * FROM mesh.lineage('lineage_finance.nothing');
SELECT * FROM mesh.lineage('not a product');

-- declared external sources
SET ROLE lineage_sales_team;
SELECT mesh.add_source('lineage_sales.orders_by_region', 'CRM "export" \ nightly', 'file', 'nightly CSV');
SELECT mesh.add_source('lineage_sales.orders_by_region', 'CRM "export" \ nightly', 'file', 'again');
SELECT mesh.add_source('lineage_sales.orders_by_region', 'warehouse', 'lake', NULL);
SELECT mesh.add_source('lineage_sales.orders_by_region', '   ', NULL, NULL);
SELECT mesh.add_source('lineage_sales.orders_by_region', E'two\nlines', NULL, NULL);
SELECT mesh.add_source('lineage_sales.orders_by_region', NULL, NULL, NULL);
RESET ROLE;
SET ROLE lineage_outsider;
SELECT mesh.add_source('lineage_sales.orders_by_region', 'sneaky', NULL, NULL);
RESET ROLE;
SET ROLE lineage_fin_team;
SELECT mesh.add_source('lineage_sales.orders_by_region', 'sneaky', NULL, NULL);
RESET ROLE;
-- the added source is part of the descriptor and survives an alter
SELECT mesh.alter_data_product('lineage_sales.orders_by_region', '{"description": "altered"}');
SELECT mesh.describe('lineage_sales.orders_by_region') -> 'sources' AS sources;
SELECT source, source_kind, target, columns FROM mesh.lineage('lineage_sales.orders_by_region', 'upstream', 1)
 WHERE source_kind = 'external' ORDER BY source;

-- impact of a column: renamed on the way, through a view that is no product,
-- two products in two domains, a plain view downstream, and who reads them
SELECT level, relation, kind, product, column_name, how, consumers
  FROM mesh.impact('lineage_ops.orders.amount') ORDER BY level, relation, column_name NULLS FIRST;
-- a filter column changes which rows there are: everything downstream, as a whole
SELECT level, relation, kind, product, column_name, how
  FROM mesh.impact('lineage_ops.orders."Order Status"') ORDER BY level, relation, column_name NULLS FIRST;
-- a column nothing reads: only itself
SELECT level, relation, column_name, how FROM mesh.impact('lineage_ops.customers.name');
-- a whole relation
SELECT level, relation, kind, product, column_name
  FROM mesh.impact('lineage_ops.region_map') ORDER BY level, relation, column_name NULLS FIRST;
-- bad objects
SELECT * FROM mesh.impact('lineage_ops.orders.nope');
SELECT * FROM mesh.impact('lineage_ops.nope');
SELECT * FROM mesh.impact('a.b.c.d.e');
SELECT * FROM mesh.impact('lineage_ops."unterminated');
SELECT * FROM mesh.impact(NULL);

-- Graphviz and Mermaid: quoted ids and labels, even for hostile names
SELECT mesh.lineage_dot('lineage_sales.orders_by_region');
SELECT mesh.lineage_mermaid('lineage_sales.orders_by_region');
SELECT mesh.lineage_dot('lineage_finance.revenue', 'sideways');

-- OpenLineage: one COMPLETE run event per view upstream of the product
SELECT e -> 'job' ->> 'name' AS job, e ->> 'eventType' AS event_type,
       e ->> 'schemaURL' AS schema_url,
       (e -> 'run' ->> 'runId') ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' AS uuid_run_id,
       (e ->> 'eventTime') ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS iso_time,
       e -> 'job' ->> 'namespace' ~ '^postgres://[^:/]+:\d+$' AS namespace_ok,
       (SELECT array_agg(i ->> 'name' ORDER BY i ->> 'name') FROM jsonb_array_elements(e -> 'inputs') i) AS inputs
  FROM mesh.openlineage_events('lineage_finance.revenue') e ORDER BY 1;
-- the port's output dataset: schema facet and columnLineage facet
SELECT jsonb_pretty(o -> 'facets' -> 'schema' -> 'fields') AS schema_fields,
       jsonb_pretty(o -> 'facets' -> 'columnLineage' -> 'fields') AS column_lineage,
       jsonb_pretty(o -> 'facets' -> 'columnLineage' -> 'dataset') AS dataset_lineage,
       o -> 'facets' -> 'columnLineage' ->> '_schemaURL' AS facet_schema
  FROM mesh.openlineage_events('lineage_finance.revenue') e, jsonb_array_elements(e -> 'outputs') o
 WHERE e -> 'job' ->> 'name' = current_database() || '.lineage_finance.revenue';

-- every edge of the database as a relation (mesh.lineage_edges), here filtered by target
SELECT source, source_column, target_column, how FROM mesh.lineage_edges
 WHERE target = 'lineage_sales.orders_by_region'::regclass ORDER BY 1, 2, 3 NULLS LAST, 4;

-- the lineage functions read only the catalogs: any role may call them
SET ROLE lineage_outsider;
SELECT count(*) > 0 AS outsider_sees_lineage FROM mesh.lineage('lineage_finance.revenue');
SELECT count(*) AS outsider_events FROM mesh.openlineage_events('lineage_finance.revenue');
SELECT level, relation, column_name FROM mesh.impact('lineage_finance.revenue.revenue') ORDER BY 1, 2, 3;
RESET ROLE;

-- dropping a view of the chain changes the graph at once: nothing is stored
SET ROLE lineage_fin_team;
DROP VIEW lineage_finance.revenue_report;
RESET ROLE;
SELECT count(*) AS downstream_after_drop FROM mesh.lineage('lineage_finance.revenue', 'downstream');

-- the whole mesh (NULL product) for the rendered picture in docs/
SELECT mesh.lineage_dot(NULL) ~ 'label="lineage of the data mesh"' AS whole_mesh,
       mesh.lineage_dot(NULL) ~ '"lineage_sales.orders_by_region" -> "lineage_finance.revenue"' AS has_cross_domain_edge;
SELECT mesh.lineage_mermaid(NULL, 'upstream', 0);

-- cleanup
SELECT mesh.drop_data_product('lineage_finance.revenue');
SELECT mesh.drop_data_product('lineage_sales.orders_by_region');
SELECT mesh.drop_domain('lineage_finance');
SELECT mesh.drop_domain('lineage_sales');
DROP SCHEMA lineage_ops CASCADE;
DROP ROLE lineage_sales_team, lineage_fin_team, lineage_reader, lineage_outsider;
