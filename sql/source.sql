-- The source of a product: a relation name or one read-only SELECT.  Every
-- other kind of source is refused with a clear error, and columns are traced
-- through joins, subqueries, CTEs and views to the relations they come from.
\set SHOW_CONTEXT errors
CREATE ROLE regress_src_owner NOLOGIN;
CREATE SCHEMA src_raw AUTHORIZATION regress_src_owner;
SET ROLE regress_src_owner;
CREATE TABLE src_raw.accounts (id int PRIMARY KEY, name text NOT NULL, plan text NOT NULL);
CREATE TABLE src_raw.events (account_id int NOT NULL REFERENCES src_raw.accounts, kind text NOT NULL, at date NOT NULL,
                             PRIMARY KEY (account_id, kind, at));
CREATE VIEW src_raw.paying AS SELECT id, name FROM src_raw.accounts WHERE plan <> 'free';
CREATE MATERIALIZED VIEW src_raw.plans AS SELECT DISTINCT plan FROM src_raw.accounts;
INSERT INTO src_raw.accounts VALUES (1, 'acme', 'pro'), (2, 'globex', 'free');
INSERT INTO src_raw.events VALUES (1, 'login', '2026-01-01'), (1, 'export', '2026-01-02');
RESET ROLE;
SELECT mesh.create_domain('src', 'regress_src_owner');
\set SHOW_CONTEXT never

-- relation sources: table, view, materialized view; unqualified names use the caller's search_path
SELECT mesh.create_data_product('src.accounts', 'src_raw.accounts', '{"purpose": "accounts"}') > 0 AS created;
SELECT mesh.create_data_product('src.paying', 'src_raw.paying', '{"purpose": "paying accounts"}') > 0 AS created;
SELECT mesh.create_data_product('src.plans', 'src_raw.plans', '{"purpose": "plans"}') > 0 AS created;
SET search_path = src_raw, public;
SELECT mesh.create_data_product('src.events', 'events', '{"purpose": "events"}') > 0 AS created;
SELECT mesh.create_data_product('src.events_quoted', '"src_raw"."events"', '{"purpose": "events again"}') > 0 AS created;
RESET search_path;
SELECT product, source_kind, source, source_relation FROM mesh.data_products p
  JOIN mesh.products USING (domain, name) ORDER BY product;

-- query sources, and what the catalog learns about their columns
SELECT mesh.create_data_product('src.activity', $$
    WITH recent AS (SELECT account_id, kind, at FROM src_raw.events WHERE at > '2025-01-01')
    SELECT a.id, a.name, r.kind, r.at, upper(a.plan) AS plan_label
      FROM src_raw.accounts a LEFT JOIN recent r ON r.account_id = a.id
$$, '{"purpose": "activity"}') > 0 AS created;
SELECT mesh.create_data_product('src.by_plan', $$
    SELECT plan, count(*) AS accounts FROM src_raw.accounts GROUP BY ROLLUP (plan)
$$, '{"purpose": "accounts by plan"}') > 0 AS created;
SELECT mesh.create_data_product('src.named', $$
    SELECT s.id AS account_id, s.name FROM (SELECT id, name FROM src_raw.accounts WHERE plan = 'pro') s
$$, '{"purpose": "pro accounts"}') > 0 AS created;
SELECT mesh.create_data_product('src.all_ids', $$
    SELECT id FROM src_raw.accounts UNION SELECT account_id FROM src_raw.events
$$, '{"purpose": "ids"}') > 0 AS created;
SELECT mesh.create_data_product('src.on_port', 'SELECT id, name FROM src.accounts', '{"purpose": "built on a port"}') > 0 AS created;
SELECT mesh.create_data_product('src.full_join', $$
    SELECT a.id, e.kind FROM src_raw.accounts a FULL JOIN src_raw.events e ON e.account_id = a.id
$$, '{"purpose": "full join"}') > 0 AS created;
SELECT p.name AS product, c.name, c.type, c.nullable, c.primary_key, c."references"
  FROM mesh.data_product_columns c JOIN mesh.data_products p ON p.id = c.product_id
 ORDER BY p.name, c.position;

-- refused: statements that are not one read-only SELECT
SELECT mesh.create_data_product('src.bad', 'DELETE FROM src_raw.accounts', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'INSERT INTO src_raw.accounts VALUES (3, $$x$$, $$y$$)', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'UPDATE src_raw.accounts SET name = name', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'DROP TABLE src_raw.accounts', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'CREATE TABLE src_raw.x (a int)', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'SELECT 1; DROP TABLE src_raw.accounts', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'SELECT * INTO src_raw.copy FROM src_raw.accounts', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'SELECT * FROM src_raw.accounts FOR UPDATE', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'WITH gone AS (DELETE FROM src_raw.accounts RETURNING *) SELECT * FROM gone', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'SELECT 1 UNION SELECT 2 INTO src_raw.y', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', '   ', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', ';', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'SELEC id FROM src_raw.accounts', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'SELECT nope FROM src_raw.accounts', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'src_raw.nope', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'accounts', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'src_raw.accounts_pkey', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', NULL, '{"purpose": "x"}');
CREATE TEMP TABLE scratch (id int);
SELECT mesh.create_data_product('src.bad', 'pg_temp.scratch', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.bad', 'SELECT * FROM pg_temp.scratch', '{"purpose": "x"}');
-- nothing was left behind by the refused attempts
SELECT count(*) AS leftovers FROM pg_class WHERE relnamespace = 'src'::regnamespace AND relname = 'bad';
SELECT to_regclass('src_raw.copy') AS copy, to_regclass('src_raw.x') AS x, (SELECT count(*) FROM src_raw.accounts) AS accounts;

-- the domain owner must be able to read the source: the port runs with its rights
CREATE TABLE public.secret_salaries (name text, salary int);
SELECT mesh.create_data_product('src.salaries', 'public.secret_salaries', '{"purpose": "x"}');
SELECT mesh.create_data_product('src.salaries', 'SELECT count(*) FROM public.secret_salaries', '{"purpose": "x"}');
GRANT SELECT ON public.secret_salaries TO regress_src_owner;
SELECT mesh.create_data_product('src.salaries', 'public.secret_salaries', '{"purpose": "now readable"}') > 0 AS created;
SELECT mesh.drop_data_product('src.salaries');
DROP TABLE public.secret_salaries;

-- cleanup
SELECT mesh.drop_data_product(product) FROM mesh.products WHERE domain = 'src' ORDER BY product = 'src.accounts', product;
SELECT mesh.drop_domain('src');
DROP SCHEMA src_raw CASCADE;
DROP ROLE regress_src_owner;
