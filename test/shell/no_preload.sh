#!/usr/bin/env bash
# Without shared_preload_libraries meshpg still serves its catalog and API,
# but says so: CREATE EXTENSION warns, and mesh.status() reports what is
# inactive.  This needs a server started WITHOUT the preload, so it starts a
# second throwaway cluster of its own (as the postgres user when run as root),
# on a Unix socket in a temporary directory, and removes it on exit.
# Prints `ok - ...` / `not ok - ...` per check; exits 1 if any failed.
set -euo pipefail
shopt -s inherit_errexit

pgbin="$("${PG_CONFIG:-pg_config}" --bindir)"
workdir="$(mktemp -d -t meshpg_nopreload.XXXXXX)"
port=54329
failures=0

as_server_user=()
if [ "$(id -u)" -eq 0 ]; then
	chown postgres "$workdir"
	as_server_user=(runuser -u postgres --)
fi

cleanup() {
	"${as_server_user[@]}" "$pgbin/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$workdir"
}
trap cleanup EXIT

ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	printf '%s\n' "$2" | sed 's/^/# /'
	failures=$((failures + 1))
}
# check LABEL EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2"$'\n'"got: $3"; fi
}

"${as_server_user[@]}" "$pgbin/initdb" -D "$workdir/data" -A trust -U postgres >"$workdir/initdb.log" 2>&1
"${as_server_user[@]}" "$pgbin/pg_ctl" -D "$workdir/data" -w -l "$workdir/server.log" \
	-o "-p $port -k $workdir -c listen_addresses= -c shared_preload_libraries=" start >/dev/null

psql_np() {
	"$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$workdir" -p "$port" -U postgres -d postgres "$@"
}

# CREATE EXTENSION works and warns, with a hint that says what to do
create_output="$(psql_np -c 'CREATE EXTENSION meshpg' 2>&1)"
case "$create_output" in
*"WARNING:  meshpg is not loaded through shared_preload_libraries"*) ok "CREATE EXTENSION warns when meshpg is not preloaded" ;;
*) not_ok "CREATE EXTENSION warns when meshpg is not preloaded" "$create_output" ;;
esac
case "$create_output" in
*"HINT:  Add meshpg to shared_preload_libraries"*) ok "the warning's hint says how to preload" ;;
*) not_ok "the warning's hint says how to preload" "$create_output" ;;
esac

check "mesh.status() reports every component that needs the preload as inactive" \
	"access expiry|f
access history|f
freshness tracking|f
read-path enforcement|f
shared_preload_libraries|f
usage counters|f
workers|f" \
	"$(psql_np -At -c "SELECT component, active FROM mesh.status() WHERE NOT active ORDER BY component")"
check "mesh.status() keeps the catalog and API active" \
	"4" \
	"$(psql_np -At -c "SELECT count(*) FROM mesh.status() WHERE active")"

# the catalog and API work all the same
api_output="$(psql_np -At 2>&1 <<'SQL'
CREATE ROLE np_owner NOLOGIN;
CREATE TABLE public.np_source (id int PRIMARY KEY);
ALTER TABLE public.np_source OWNER TO np_owner;
SELECT mesh.create_domain('np', 'np_owner');
SELECT mesh.create_data_product('np.p', 'public.np_source', '{"purpose": "works without preload"}') > 0;
SELECT product || ' ' || column_count FROM mesh.products;
SQL
)" || true
check "the API works without the preload" "$(printf '\nt\nnp.p 1')" "$api_output"

# without the preload reads are not counted: the flush finds nothing
usage_output="$(psql_np -At 2>&1 <<'SQL'
SELECT count(*) FROM np.p;
SELECT mesh.flush_usage();
SELECT count(*) FROM mesh.usage_daily;
SELECT product || ' ' || popularity FROM mesh.products;
SQL
)" || true
check "without the preload reads are not counted and the flush writes nothing" \
	"$(printf '0\n0\n0\nnp.p 0')" "$usage_output"

if [ "$failures" -gt 0 ]; then
	exit 1
fi
