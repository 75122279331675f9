#!/usr/bin/env bash
# Freshness SLAs at scale: PRODUCTS data products (default 10,000) on
# TABLES source tables, one scheduler with meshpg.naptime = 1s.  Measures, in
# one run:
#  1. the scheduler's idle CPU over IDLE_SECONDS (from /proc/<pid>/stat, so
#     the script must run on the database host), as a share of one core
#     (target < 1%);
#  2. BREACHES times: a probe product with "freshness": "3 seconds" is
#     changed, then left alone; the time from its deadline (commit + 3s) to
#     the incident being visible to a client polling every 20 ms, and the
#     time_to_detect meshpg records (target: within 1s = one naptime).
# Prints the ratios to their targets.
#
# Usage: bench/monitoring/freshness.sh   (env: PRODUCTS=10000 TABLES=100
#        IDLE_SECONDS=30 BREACHES=5, PG* for a superuser connection to a
#        server that preloads meshpg; DB=meshpg_bench_fresh is dropped and
#        recreated).  The server's meshpg.naptime is set to 1s (ALTER SYSTEM,
#        reset at exit).
set -euo pipefail

products=${PRODUCTS:-10000}
tables=${TABLES:-100}
idle_seconds=${IDLE_SECONDS:-30}
breaches=${BREACHES:-5}
db=${DB:-meshpg_bench_fresh}
bindir="$("${PG_CONFIG:-pg_config}" --bindir)"
q() { "$bindir/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"; }

cleanup() {
	q -d postgres -c 'ALTER SYSTEM RESET meshpg.naptime' -c 'SELECT pg_reload_conf()' >/dev/null || true
}
trap cleanup EXIT

q -d postgres -c 'SET client_min_messages = warning' -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
q -d postgres -c "ALTER SYSTEM SET meshpg.naptime = '1s'" -c 'SELECT pg_reload_conf()' >/dev/null

echo "setting up $products products on $tables tables..."
start=$(date +%s)
q -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_fresh_owner') THEN
        CREATE ROLE bench_fresh_owner NOLOGIN;
    END IF;
END \$\$;
SELECT mesh.create_domain('fleet', 'bench_fresh_owner');
SELECT format('CREATE TABLE fleet.src_%s (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
               ALTER TABLE fleet.src_%s OWNER TO bench_fresh_owner;
               INSERT INTO fleet.src_%s VALUES (1);', g, g, g)
  FROM generate_series(1, $tables) g \gexec
CREATE TABLE fleet.probe (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
ALTER TABLE fleet.probe OWNER TO bench_fresh_owner;
SQL
# products in batches of 500 (one transaction each)
for ((first = 1; first <= products; first += 500)); do
	last=$((first + 499 > products ? products : first + 499))
	q -d "$db" -c "SELECT count(mesh.create_data_product(format('fleet.p%s', g), format('fleet.src_%s', 1 + g % $tables),
	               '{\"purpose\": \"fleet product\", \"sla\": {\"freshness\": \"1 day\", \"cadence\": \"7 days\"}}'))
	               FROM generate_series($first, $last) g" >/dev/null
done
q -d "$db" -c "SELECT mesh.create_data_product('fleet.probe_p', 'fleet.probe',
               '{\"purpose\": \"probe\", \"sla\": {\"freshness\": \"3 seconds\"}}')" >/dev/null
echo "  $(q -d "$db" -c 'SELECT count(*) FROM mesh.data_products') products, $(q -d "$db" -c 'SELECT count(*) FROM mesh.freshness_sources') tracked (product, relation) pairs, set up in $(($(date +%s) - start))s"

# every source changed once, so every product has a deadline
echo "SELECT format('UPDATE fleet.src_%s SET at = now()', g) FROM generate_series(1, $tables) g \gexec" | q -d "$db" >/dev/null
q -d "$db" -c 'INSERT INTO fleet.probe VALUES (0)' >/dev/null
pid=""
for _ in $(seq 1 100); do
	pid="$(q -d "$db" -c "SELECT pid FROM mesh.worker_status WHERE database = current_database() AND state = 'idle'")"
	[ -n "$pid" ] && break
	sleep 0.2
done
[ -n "$pid" ] || { echo "no idle scheduler in $db"; exit 1; }
# let the first evaluation of every product finish and the probe's first breach pass
for _ in $(seq 1 300); do
	n="$(q -d "$db" -c "SELECT count(*) FROM mesh.freshness_deadlines")"
	[ "$n" -ge "$products" ] && break
	sleep 0.2
done
q -d "$db" -c "SELECT mesh.alter_data_product('fleet.probe_p', '{\"sla\": {\"freshness\": \"1 day\"}}')" >/dev/null
sleep 3
echo "scheduler pid $pid; $(q -d "$db" -c 'SELECT count(*) FROM mesh.freshness_deadlines') products with a deadline"

# 1. idle CPU
hz="$(getconf CLK_TCK)"
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
t0="$(ticks "$pid")"
s0="$(date +%s.%N)"
runs0="$(q -d "$db" -c "SELECT runs FROM mesh.worker_status WHERE pid = $pid")"
sleep "$idle_seconds"
t1="$(ticks "$pid")"
s1="$(date +%s.%N)"
runs1="$(q -d "$db" -c "SELECT runs FROM mesh.worker_status WHERE pid = $pid")"
cpu="$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s0="$s0" -v s1="$s1" 'BEGIN { printf "%.3f", 100 * (b - a) / hz / (s1 - s0) }')"
echo "idle: $((runs1 - runs0)) rounds in ${idle_seconds}s, $((t1 - t0)) CPU ticks (1/${hz}s): ${cpu}% of one core"

# 2. breaches of the probe (freshness 3 seconds)
q -d "$db" -c "SELECT mesh.alter_data_product('fleet.probe_p', '{\"sla\": {\"freshness\": \"3 seconds\"}}')" >/dev/null
visible=()
recorded=()
for ((i = 1; i <= breaches; i++)); do
	last="$(q -d "$db" -c "INSERT INTO fleet.probe VALUES ($i) RETURNING 1" >/dev/null; q -d "$db" -c "SELECT max(last_change) FROM mesh.freshness WHERE product = 'fleet.probe_p'")"
	# wait until the previous incident is resolved, then for the new one
	for _ in $(seq 1 500); do
		open="$(q -d "$db" -c "SELECT count(*) FROM mesh.incidents i JOIN mesh.data_products p ON p.id = i.product_id WHERE p.name = 'probe_p' AND i.status = 'open' AND i.opened_at > '$last'")"
		[ "$open" -ge 1 ] && break
		sleep 0.02
	done
	seen="$(q -d "$db" -c "SELECT extract(epoch FROM clock_timestamp() - ('$last'::timestamptz + interval '3 seconds'))")"
	ttd="$(q -d "$db" -c "SELECT extract(epoch FROM time_to_detect) FROM mesh.incidents i JOIN mesh.data_products p ON p.id = i.product_id WHERE p.name = 'probe_p' AND i.opened_at > '$last'")"
	visible+=("$seen")
	recorded+=("$ttd")
	printf 'breach %d: visible to a client %.3fs after the deadline, time_to_detect %.3fs\n' "$i" "$seen" "$ttd"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maxof() { printf '%s\n' "$@" | sort -g | tail -1; }
mv="$(median "${visible[@]}")"
xv="$(maxof "${visible[@]}")"
echo
echo "== monitoring: freshness at scale ($products products, naptime 1s)"
awk -v c="$cpu" 'BEGIN { printf "idle CPU of the scheduler: %.3f%% of a core; ratio to the 1%% target = %.3f: %s\n", c, c / 1.0, (c < 1.0 ? "MET" : "NOT MET") }'
awk -v m="$mv" -v x="$xv" 'BEGIN { printf "breach visible after its deadline: median %.3fs, max %.3fs; max / naptime = %.3f: %s\n", m, x, x / 1.0, (x <= 1.0 ? "MET" : "NOT MET") }'
q -d postgres -c 'SET client_min_messages = warning' -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
