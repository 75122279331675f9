#!/usr/bin/env bash
# TPC-B (pgbench) on governed tables: the cost of commit-time freshness
# tracking.  Starts two throwaway clusters side by side from the same
# binaries: A preloads meshpg and registers the four pgbench tables as the
# sources of data products (so every transaction's changes are tracked and
# published at commit, and the scheduler persists them each naptime); B does
# not load meshpg at all.  Runs pgbench against A and B alternately, ROUNDS
# times each, and prints every run and the ratio of the medians
# (target: A/B >= 0.98).
#
# Usage: bench/monitoring/tpcb.sh   (env: SCALE=10 CLIENTS=4 THREADS=2
#        DURATION=20 ROUNDS=5 PG_CONFIG=...).  Needs meshpg installed in
#        PG_CONFIG's installation; as root it runs the clusters as user postgres.
set -euo pipefail

scale=${SCALE:-10}
clients=${CLIENTS:-4}
threads=${THREADS:-2}
duration=${DURATION:-20}
rounds=${ROUNDS:-5}
bindir="$("${PG_CONFIG:-pg_config}" --bindir)"

run_as=()
if [ "$(id -u)" -eq 0 ]; then
	run_as=(runuser -u postgres --)
fi
work="$(mktemp -d -t meshpg_tpcb.XXXXXX)"
chmod 777 "$work"
sock="$work"
port_a=$((20000 + RANDOM % 10000))
port_b=$((port_a + 1))

cleanup() {
	for c in a b; do
		[ -f "$work/$c/postmaster.pid" ] && "${run_as[@]}" "$bindir/pg_ctl" -D "$work/$c" -m immediate stop >/dev/null 2>&1 || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

start_cluster() { # name port preload
	local name=$1 port=$2 preload=$3
	"${run_as[@]}" "$bindir/initdb" -D "$work/$name" -A trust -U postgres --no-sync >/dev/null
	cat >>"$work/$name/postgresql.conf" <<CONF
port = $port
unix_socket_directories = '$sock'
listen_addresses = ''
shared_buffers = 256MB
max_wal_size = 2GB
synchronous_commit = on
shared_preload_libraries = '$preload'
meshpg.naptime = '1s'
CONF
	"${run_as[@]}" "$bindir/pg_ctl" -D "$work/$name" -l "$work/$name.log" -w start >/dev/null
}

psql_on() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -U postgres -p "$1" -d postgres "${@:2}"; }

start_cluster a "$port_a" meshpg
start_cluster b "$port_b" ''

for port in "$port_a" "$port_b"; do
	"$bindir/pgbench" -q -i -s "$scale" -h "$sock" -U postgres -p "$port" postgres >/dev/null 2>&1
done

# A: the pgbench tables are governed: each is the source of a data product
psql_on "$port_a" -At >/dev/null <<'SQL'
CREATE EXTENSION meshpg;
CREATE ROLE bench_owner NOLOGIN;
GRANT SELECT ON pgbench_accounts, pgbench_branches, pgbench_tellers, pgbench_history TO bench_owner;
SELECT count(*) FROM mesh.create_domain('bank', 'bench_owner');
SELECT count(mesh.create_data_product('bank.' || t, 'public.pgbench_' || t,
                                jsonb_build_object('purpose', 'TPC-B ' || t, 'sla', '{"freshness": "1 hour"}'::jsonb)))
  FROM unnest(ARRAY['accounts', 'branches', 'tellers', 'history']) t;
SQL
tracked="$(psql_on "$port_a" -At -c "SELECT count(*) FROM mesh.freshness_sources")"
echo "cluster A: meshpg preloaded, $tracked tracked source relations; cluster B: no meshpg"
echo "pgbench TPC-B: scale $scale, $clients clients, $threads threads, ${duration}s per run, $rounds rounds"

tps_a=()
tps_b=()
run_pgbench() { # port
	"$bindir/pgbench" -n -c "$clients" -j "$threads" -T "$duration" -h "$sock" -U postgres -p "$1" postgres 2>/dev/null |
		awk '/^tps = / { print $3; exit }'
}
for ((r = 1; r <= rounds; r++)); do
	# alternate which cluster goes first, so drift in machine load hits both
	if ((r % 2)); then order=(a b); else order=(b a); fi
	for c in "${order[@]}"; do
		if [ "$c" = a ]; then
			t="$(run_pgbench "$port_a")"
			tps_a+=("$t")
		else
			t="$(run_pgbench "$port_b")"
			tps_b+=("$t")
		fi
		printf 'round %d  %s  tps %s\n' "$r" "$([ "$c" = a ] && echo 'A (meshpg, tracked)' || echo 'B (no meshpg)      ')" "$t"
	done
done

persisted="$(psql_on "$port_a" -At -c "SELECT count(*) FROM mesh.freshness_state")"
fresh="$(psql_on "$port_a" -At -c "SELECT count(*) FROM mesh.freshness WHERE last_change > now() - interval '10 minutes'")"
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ma="$(median "${tps_a[@]}")"
mb="$(median "${tps_b[@]}")"
echo "tracking check: $fresh of 4 products fresh, $persisted commit times persisted by the scheduler"
printf 'median tps: A %s, B %s\n' "$ma" "$mb"
awk -v a="$ma" -v b="$mb" 'BEGIN { r = a / b; printf "ratio A/B = %.3f (target >= 0.98): %s\n", r, (r >= 0.98 ? "MET" : "NOT MET") }'
