#!/usr/bin/env bash
# bench/masking: what enforcement costs, measured side by side in one run.
#
#   masked role   vs raw read           target <= 1.50x
#   exempt role   vs raw read           target <= 1.02x
#   row policy    vs the same WHERE by hand   target <= 1.05x
#
# A table of ROWS rows (default 2,000,000) with an e-mail, a phone, a birth
# date and a salary, all four masked (mesh.mask_email, mesh.mask_partial,
# mesh.mask_date, mesh.mask_round), and an identical ungoverned copy (the raw
# read).  One aggregate reads all four columns.  A fourth line compares the
# masked role with the same aggregate calling the four masks by hand on the
# ungoverned copy: what enforcement adds on top of the mask functions.  Each round runs every case
# once, in one session, in an order that rotates between rounds; each ratio is
# taken within a round and the script prints its median over ROUNDS rounds
# (default 7), with the median time of each case.
#
# Runs against the cluster given by the usual PG* variables (it needs a
# superuser, meshpg preloaded, and creates then drops the database
# meshpg_bench_masking and roles bench_masking_*), or with --throwaway against
# a temporary cluster it starts itself (PG_CONFIG or pg_config on PATH).
# Parallel query is switched off so that the ratios compare the same plans.
# KEEP=1 keeps the database and roles afterwards.
set -euo pipefail

ROWS="${ROWS:-2000000}"
ROUNDS="${ROUNDS:-7}"
DB=meshpg_bench_masking

if [ "${1:-}" = "--throwaway" ]; then
	pgbin="$("${PG_CONFIG:-pg_config}" --bindir)"
	workdir="$(mktemp -d -t meshpg_bench_masking.XXXXXX)"
	as_server_user=()
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres "$workdir"
		as_server_user=(runuser -u postgres --)
	fi
	trap '"${as_server_user[@]}" "$pgbin/pg_ctl" -D "$workdir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$workdir"' EXIT
	"${as_server_user[@]}" "$pgbin/initdb" -D "$workdir/data" -A trust -U postgres >/dev/null
	"${as_server_user[@]}" "$pgbin/pg_ctl" -D "$workdir/data" -w -l "$workdir/server.log" \
		-o "-p 54359 -k $workdir -c listen_addresses= -c shared_preload_libraries=meshpg -c shared_buffers=256MB" start >/dev/null
	export PGHOST="$workdir" PGPORT=54359 PGUSER=postgres
	PATH="$pgbin:$PATH"
fi

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_admin -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
cleanup_db() {
	[ -n "${KEEP:-}" ] && return 0	# KEEP=1 leaves the database for a closer look
	psql_admin -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
	psql_admin -d postgres -c "DROP ROLE IF EXISTS bench_masking_owner, bench_masking_masked, bench_masking_exempt, bench_masking_regional" >/dev/null 2>&1 || true
}
trap 'cleanup_db; '"$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT$//")" EXIT

echo "meshpg bench/masking: $ROWS rows, $ROUNDS rounds (median), parallel query off"
psql_admin -d "$DB" -v rows="$ROWS" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM mesh.status() WHERE component = 'shared_preload_libraries' AND active) THEN
        RAISE EXCEPTION 'meshpg is not preloaded in this cluster' USING HINT = 'Use --throwaway, or a cluster with shared_preload_libraries = meshpg.';
    END IF;
END $$;
DROP ROLE IF EXISTS bench_masking_owner, bench_masking_masked, bench_masking_exempt, bench_masking_regional;
CREATE ROLE bench_masking_owner NOLOGIN;
CREATE ROLE bench_masking_masked NOLOGIN;
CREATE ROLE bench_masking_exempt NOLOGIN;
CREATE ROLE bench_masking_regional NOLOGIN;
CREATE SCHEMA bench_raw AUTHORIZATION bench_masking_owner;
GRANT USAGE ON SCHEMA bench_raw TO PUBLIC;
CREATE TABLE bench_raw.people (id bigint, email text, phone text, birth date, salary numeric, region text);
INSERT INTO bench_raw.people
SELECT i, 'user' || i || '@example' || (i % 97) || '.org',
       '+33 6 ' || lpad((i * 7919 % 100000000)::text, 8, '0'),
       date '1950-01-01' + (i * 37 % 20000)::int,
       round((20000 + (i * 7907 % 180000))::numeric, 2),
       (ARRAY['emea', 'us', 'apac', 'latam'])[1 + i % 4]
  FROM generate_series(1::bigint, :rows) AS i;
CREATE TABLE bench_raw.people_ungoverned AS SELECT * FROM bench_raw.people;
ALTER TABLE bench_raw.people OWNER TO bench_masking_owner;
ALTER TABLE bench_raw.people_ungoverned OWNER TO bench_masking_owner;
GRANT SELECT ON bench_raw.people, bench_raw.people_ungoverned TO PUBLIC;
SELECT mesh.create_domain('bench', 'bench_masking_owner');
SELECT mesh.create_data_product('bench.people', 'bench_raw.people', '{"purpose": "masking benchmark",
    "columns": {"email": {"classification": "bench.email"}, "phone": {"classification": "bench.phone"},
                "birth": {"classification": "bench.birth"}, "salary": {"classification": "bench.salary"}}}');
-- the raw read goes through an ungoverned product of the same shape
SELECT mesh.create_data_product('bench.people_ungoverned', 'bench_raw.people_ungoverned', '{"purpose": "raw baseline"}');
GRANT USAGE ON SCHEMA bench TO PUBLIC;
GRANT SELECT ON bench.people, bench.people_ungoverned TO PUBLIC;
-- exempt: the unmasked_for of every policy holds for bench_masking_exempt
SELECT mesh.create_masking_policy('bench_email', 'mesh.mask_email(value)', 'pg_has_role(''bench_masking_exempt'', ''MEMBER'')');
SELECT mesh.create_masking_policy('bench_phone', 'mesh.mask_partial(value, 0, 2)', 'pg_has_role(''bench_masking_exempt'', ''MEMBER'')');
SELECT mesh.create_masking_policy('bench_birth', 'mesh.mask_date(value, ''year'')', 'pg_has_role(''bench_masking_exempt'', ''MEMBER'')');
SELECT mesh.create_masking_policy('bench_salary', 'mesh.mask_round(value, -3)', 'pg_has_role(''bench_masking_exempt'', ''MEMBER'')');
SELECT mesh.bind_masking_policy('bench_email', 'bench.email');
SELECT mesh.bind_masking_policy('bench_phone', 'bench.phone');
SELECT mesh.bind_masking_policy('bench_birth', 'bench.birth');
SELECT mesh.bind_masking_policy('bench_salary', 'bench.salary');
-- the row policy: a second product on its own table, with no mask
CREATE TABLE bench_raw.orders AS SELECT id, region, salary AS amount FROM bench_raw.people;
CREATE TABLE bench_raw.orders_ungoverned AS SELECT * FROM bench_raw.orders;
ALTER TABLE bench_raw.orders OWNER TO bench_masking_owner;
ALTER TABLE bench_raw.orders_ungoverned OWNER TO bench_masking_owner;
GRANT SELECT ON bench_raw.orders, bench_raw.orders_ungoverned TO PUBLIC;
SELECT mesh.create_data_product('bench.orders', 'bench_raw.orders', '{"purpose": "row policy benchmark"}');
SELECT mesh.create_data_product('bench.orders_ungoverned', 'bench_raw.orders_ungoverned', '{"purpose": "hand-written WHERE baseline"}');
GRANT SELECT ON bench.orders, bench.orders_ungoverned TO PUBLIC;
SELECT mesh.set_consumer_attribute('bench_masking_regional', 'region', 'emea');
SELECT mesh.create_row_policy('bench.orders', 'by_region', 'region = mesh.attribute(''region'')');
VACUUM ANALYZE bench_raw.people, bench_raw.people_ungoverned, bench_raw.orders, bench_raw.orders_ungoverned;
SQL

# one round: every case once, as its role, timed inside the server
psql_admin -d "$DB" -v rounds="$ROUNDS" <<'SQL'
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
SELECT set_config('bench.rounds', :'rounds', false) \gset
CREATE TEMP TABLE timings (round int, name text, ms float8);
GRANT ALL ON timings TO PUBLIC;
CREATE TEMP TABLE cases (position int, name text, role text, query text);
INSERT INTO cases VALUES
 (1, 'raw read', 'bench_masking_masked',
     'SELECT count(*), max(email), max(phone), max(birth), sum(salary) FROM bench.people_ungoverned'),
 (2, 'masked role', 'bench_masking_masked',
     'SELECT count(*), max(email), max(phone), max(birth), sum(salary) FROM bench.people'),
 (6, 'masks by hand', 'bench_masking_masked',
     'SELECT count(*), max(mesh.mask_email(email)), max(mesh.mask_partial(phone, 0, 2)), max(mesh.mask_date(birth, ''year'')), sum(mesh.mask_round(salary, -3)) FROM bench.people_ungoverned'),
 (3, 'exempt role', 'bench_masking_exempt',
     'SELECT count(*), max(email), max(phone), max(birth), sum(salary) FROM bench.people'),
 (4, 'WHERE by hand', 'bench_masking_regional',
     'SELECT count(*), sum(amount) FROM bench.orders_ungoverned WHERE region = ''emea'''),
 (5, 'row policy', 'bench_masking_regional',
     'SELECT count(*), sum(amount) FROM bench.orders');
DO $$
DECLARE
    c record;
    started timestamptz;
    elapsed float8;
    rounds int := current_setting('bench.rounds')::int;
    n int := (SELECT count(*) FROM cases);
BEGIN
    -- warm-up: one read of each case
    FOR c IN SELECT * FROM cases ORDER BY position LOOP
        EXECUTE format('SET ROLE %I', c.role);
        EXECUTE c.query;
        RESET ROLE;
    END LOOP;
    FOR r IN 1 .. rounds LOOP
        FOR c IN SELECT * FROM cases ORDER BY (position + r) % n LOOP
            EXECUTE format('SET ROLE %I', c.role);
            started := clock_timestamp();
            EXECUTE c.query;
            elapsed := extract(epoch FROM clock_timestamp() - started) * 1000;
            RESET ROLE;
            INSERT INTO timings VALUES (r, c.name, elapsed);
        END LOOP;
    END LOOP;
END $$;
\pset footer off
-- ratios are taken within each round (the cases of a round run back to back,
-- so a slower or busier moment affects both sides), then the median over rounds
WITH pairs(comparison, name, base, target) AS (VALUES
    ('masked role / raw read', 'masked role', 'raw read', 1.50),
    ('exempt role / raw read', 'exempt role', 'raw read', 1.02),
    ('masked role / masks by hand (enforcement alone)', 'masked role', 'masks by hand', NULL),
    ('row policy / WHERE by hand', 'row policy', 'WHERE by hand', 1.05)
), ratio AS (
    SELECT p.comparison, p.target,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY t.ms / b.ms) AS ratio
      FROM pairs p
      JOIN timings t ON t.name = p.name
      JOIN timings b ON b.name = p.base AND b.round = t.round
     GROUP BY p.comparison, p.target
)
SELECT comparison, round(ratio::numeric, 3) AS ratio, target,
       CASE WHEN target IS NULL THEN '' WHEN ratio <= target THEN 'met' ELSE 'MISSED' END AS result
  FROM ratio ORDER BY comparison;
SELECT name AS "case", round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) AS median_ms,
       round(min(ms)::numeric, 1) AS min_ms, round(max(ms)::numeric, 1) AS max_ms
  FROM timings GROUP BY name ORDER BY min(ms);
SQL
