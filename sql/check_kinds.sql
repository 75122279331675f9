-- Every check kind on a small product with NULLs, blanks and bad values, then
-- the same checks on an empty product: what each kind counts, how NULLs are
-- treated, and thresholds in rows and in percent.
\set SHOW_CONTEXT never
CREATE ROLE regress_check_kinds_owner NOLOGIN;
SELECT mesh.create_domain('check_kinds', 'regress_check_kinds_owner');
CREATE TABLE check_kinds.orders (id int, email text, status text, amount numeric,
                                 created_at timestamptz, customer int, code text);
ALTER TABLE check_kinds.orders OWNER TO regress_check_kinds_owner;
-- 10 rows: email NULL in 2 and blank in 1, status 'lost' in 1 and NULL in 1,
-- amount out of [0, 100] in 2, customer 9 unknown, (customer, status) repeated
INSERT INTO check_kinds.orders VALUES
 (1, 'a@x.org', 'new',  10, now() - interval '1 hour', 1, 'AB1'),
 (2, 'b@x.org', 'paid', 20, now() - interval '2 hours', 1, 'AB2'),
 (3, NULL,      'paid', 30, now() - interval '3 hours', 2, 'AB3'),
 (4, NULL,      'new',  -5, now() - interval '4 hours', 2, 'AB44'),
 (5, '  ',      'lost', 50, now() - interval '5 hours', 3, 'A5'),
 (6, 'f@x.org', NULL,   60, now() - interval '6 hours', 3, 'AB6'),
 (7, 'bad-mail','new', 170, now() - interval '7 hours', 9, 'AB7'),
 (8, 'h@x.org', 'paid', 80, now() - interval '8 hours', 3, NULL),
 (9, 'i@x.org', 'paid', NULL, now() - interval '9 hours', NULL, 'AB9'),
 (10,'j@x.org', 'paid', 100, now() - interval '10 days', 1, 'AB0');
CREATE TABLE check_kinds.customers (id int);
ALTER TABLE check_kinds.customers OWNER TO regress_check_kinds_owner;
INSERT INTO check_kinds.customers VALUES (1), (2), (3);
CREATE TABLE check_kinds.empty (LIKE check_kinds.orders);
ALTER TABLE check_kinds.empty OWNER TO regress_check_kinds_owner;

-- the same declarations for both products
CREATE TEMP TABLE declared AS SELECT '[
 {"name": "a_rows", "kind": "row_count", "operator": ">=", "value": 5},
 {"name": "b_email_null_rows", "kind": "null", "column": "email"},
 {"name": "b_email_null_pct", "kind": "null", "column": "email", "unit": "percent", "fail_above": 25, "warn_above": 10},
 {"name": "b_email_null_pct_ok", "kind": "null", "column": "email", "unit": "percent", "fail_above": 30},
 {"name": "c_email_missing", "kind": "missing", "column": "email", "fail_above": 3},
 {"name": "c_email_missing_warn", "kind": "missing", "column": "email", "fail_above": 5, "warn_above": 2},
 {"name": "d_status_accepted", "kind": "invalid", "column": "status", "accepted_values": ["new", "paid"]},
 {"name": "d_email_regex", "kind": "invalid", "column": "email", "regex": "^[^@ ]+@[^@ ]+$", "severity": "warn"},
 {"name": "d_amount_range", "kind": "invalid", "column": "amount", "min": 0, "max": 100},
 {"name": "d_code_length", "kind": "invalid", "column": "code", "min_length": 3, "max_length": 3},
 {"name": "e_id_unique", "kind": "duplicate", "column": "id"},
 {"name": "e_customer_status_unique", "kind": "duplicate", "columns": ["customer", "status"]},
 {"name": "f_customer_ref", "kind": "referential", "column": "customer",
  "references": {"relation": "check_kinds.customers", "column": "id"}},
 {"name": "g_fresh", "kind": "freshness", "column": "created_at", "max_age": "2 hours"},
 {"name": "g_stale", "kind": "freshness", "column": "created_at", "max_age": "30 minutes"},
 {"name": "h_retention", "kind": "retention", "column": "created_at", "period": "7 days"},
 {"name": "h_retention_ok", "kind": "retention", "column": "created_at", "period": "30 days"},
 {"name": "i_schema", "kind": "schema", "columns": {"id": "int4", "email": "text", "amount": "numeric"}},
 {"name": "j_amount_max", "kind": "metric", "column": "amount", "metric": "max", "operator": "<=", "value": 100},
 {"name": "j_amount_min", "kind": "metric", "column": "amount", "metric": "min", "operator": ">=", "value": -10},
 {"name": "j_amount_avg", "kind": "metric", "column": "amount", "metric": "avg", "min": 40, "max": 60},
 {"name": "j_amount_sum", "kind": "metric", "column": "amount", "metric": "sum", "operator": "=", "value": 515},
 {"name": "j_amount_stddev", "kind": "metric", "column": "amount", "metric": "stddev", "operator": "<", "value": 10},
 {"name": "j_status_distinct", "kind": "metric", "column": "status", "metric": "distinct_count", "operator": "=", "value": 3},
 {"name": "k_volume", "kind": "volume_anomaly"},
 {"name": "l_status_dist", "kind": "distribution", "column": "status"},
 {"name": "m_custom_metric", "kind": "custom_metric",
  "sql": "SELECT count(*) FROM check_kinds.orders WHERE amount > 50", "operator": "<=", "value": 3},
 {"name": "n_failed_rows", "kind": "failed_rows",
  "sql": "SELECT id FROM check_kinds.orders WHERE amount > 100 OR amount < 0", "fail_above": 1}
]'::jsonb AS checks;

SELECT mesh.create_data_product('check_kinds.orders_p', 'check_kinds.orders',
    jsonb_build_object('purpose', 'every kind', 'checks', checks)) > 0 AS created FROM declared;
SELECT mesh.create_data_product('check_kinds.empty_p', 'check_kinds.empty',
    jsonb_build_object('purpose', 'every kind, no rows',
                       'checks', (SELECT jsonb_agg(c) FROM jsonb_array_elements(checks) c
                                   WHERE c ->> 'kind' NOT IN ('custom_metric', 'failed_rows'))))
       > 0 AS created FROM declared;
SELECT c.name, c.kind, c.severity, c.declared_in, c.definition
  FROM mesh.checks c JOIN mesh.data_products p ON p.id = c.product_id
 WHERE p.domain = 'check_kinds' AND p.name = 'orders_p' ORDER BY c.name;

-- every check, one row each; freshness ages change with the clock, so not shown
SELECT name, kind, status,
       CASE WHEN kind IN ('freshness', 'retention') THEN observed - 'age' - 'latest' - 'oldest' ELSE observed END AS observed,
       threshold,
       CASE WHEN kind IN ('freshness', 'retention') THEN regexp_replace(message, ' is .* old', ' is ... old') ELSE message END AS message,
       duration >= interval '0' AS timed
  FROM mesh.run_checks('check_kinds.orders_p') ORDER BY name;

-- the empty product: percent of 0 rows is 0, aggregates of no rows are NULL
SELECT name, status,
       CASE WHEN kind = 'schema' THEN NULL ELSE observed END AS observed, message
  FROM mesh.run_checks('check_kinds.empty_p') ORDER BY name;

-- history with durations; column checks of one run share one pass (same start)
SELECT count(*) AS runs, count(DISTINCT r.started_at) FILTER (WHERE c.kind IN ('null', 'missing', 'invalid')) AS pass_starts,
       bool_and(r.duration >= interval '0') AS durations,
       bool_and(r.rows_scanned = 10) FILTER (WHERE c.kind IN ('null', 'missing', 'invalid', 'duplicate')) AS scanned
  FROM mesh.check_runs r JOIN mesh.checks c ON c.id = r.check_id
  JOIN mesh.data_products p ON p.id = r.product_id WHERE p.domain = 'check_kinds' AND p.name = 'orders_p';

-- a bad value in one check does not take the shared pass's other checks with it
SELECT mesh.add_check('check_kinds.orders_p', '{"name": "z_bad_bound", "kind": "invalid", "column": "amount", "min": "abc"}') > 0 AS added;
SELECT name, status, message FROM mesh.run_checks('check_kinds.orders_p')
 WHERE name IN ('z_bad_bound', 'd_amount_range', 'a_rows') ORDER BY name;

SELECT mesh.drop_data_product('check_kinds.orders_p');
SELECT mesh.drop_data_product('check_kinds.empty_p');
SELECT count(*) AS checks_left FROM mesh.checks c
 WHERE NOT EXISTS (SELECT FROM mesh.data_products p WHERE p.id = c.product_id);
DROP TABLE check_kinds.orders, check_kinds.customers, check_kinds.empty;
SELECT mesh.drop_domain('check_kinds');
DROP ROLE regress_check_kinds_owner;
