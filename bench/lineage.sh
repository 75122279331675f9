#!/usr/bin/env bash
# Lineage is computed on demand from the catalogs (docs/lineage.md).  This
# measures what that costs, side by side in one run, against reading the same
# answer from a table of stored edges (what a stored graph would give):
#   - mesh.lineage around a product of the demo mesh,
#   - mesh.impact of a column through a chain of 30 nested views with 200
#     views on its 15th link,
#   - mesh.lineage_dot of the whole demo mesh, and describe_markdown.
# Needs a running server with meshpg installed, reached through the PG*
# variables as a superuser; creates and drops the database meshpg_bench_lineage.
#   bench/lineage.sh [iterations]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n="${1:-50}"
db=meshpg_bench_lineage
psql=(psql -X -q -v ON_ERROR_STOP=1)

"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
trap '"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db"' EXIT
"${psql[@]}" -d "$db" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION meshpg'
"${psql[@]}" -d "$db" -f demo/sample_mesh.sql >/dev/null
"${psql[@]}" -d "$db" -v n="$n" <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA bench;
CREATE TABLE bench.t0 (a int, b int, c int);
DO $$
BEGIN
    FOR i IN 1..30 LOOP
        EXECUTE format('CREATE VIEW bench.v%s AS SELECT a + 1 AS a, b, c FROM bench.%s', i,
                       CASE WHEN i = 1 THEN 't0' ELSE 'v' || (i - 1) END);
    END LOOP;
    FOR i IN 1..200 LOOP
        EXECUTE format('CREATE VIEW bench.f%s AS SELECT a, b FROM bench.v15 WHERE c > %s', i, i);
    END LOOP;
END
$$;
-- the same answers, stored: what reading a table of edges costs
CREATE TABLE bench.stored_lineage AS SELECT * FROM mesh.lineage('finance.invoice_payments');
CREATE TABLE bench.stored_impact AS SELECT * FROM mesh.impact('bench.t0.a');
CREATE INDEX ON bench.stored_lineage (target);
CREATE INDEX ON bench.stored_impact (relation);
ANALYZE bench.stored_lineage, bench.stored_impact;

CREATE FUNCTION pg_temp.ms(query text, n int) RETURNS numeric LANGUAGE plpgsql AS $f$
DECLARE
    t0 timestamptz;
BEGIN
    EXECUTE query;      -- warm the caches and plans once
    t0 := clock_timestamp();
    FOR i IN 1..n LOOP
        EXECUTE query;
    END LOOP;
    RETURN round(extract(epoch FROM clock_timestamp() - t0) * 1000 / n, 3);
END
$f$;

\pset footer off
SELECT name, on_demand_ms, stored_ms, round(on_demand_ms / nullif(stored_ms, 0), 1) AS ratio
  FROM (VALUES
    ('lineage(finance.invoice_payments), 5 edges',
     pg_temp.ms('SELECT count(*) FROM mesh.lineage(''finance.invoice_payments'')', :n),
     pg_temp.ms('SELECT count(*) FROM bench.stored_lineage', :n)),
    ('impact(bench.t0.a), 230 relations',
     pg_temp.ms('SELECT count(*) FROM mesh.impact(''bench.t0.a'')', :n),
     pg_temp.ms('SELECT count(*) FROM bench.stored_impact', :n)),
    ('lineage_dot(NULL), whole demo mesh',
     pg_temp.ms('SELECT length(mesh.lineage_dot(NULL, ''both'', 10))', :n), NULL),
    ('describe_markdown(finance.invoice_payments)',
     pg_temp.ms('SELECT length(mesh.describe_markdown(''finance.invoice_payments''))', :n), NULL)
  ) AS r(name, on_demand_ms, stored_ms);
SQL
