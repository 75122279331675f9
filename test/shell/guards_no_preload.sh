#!/usr/bin/env bash
# The port guards trust meshpg.sanctioned_port_ddl (the flag the mesh API
# sets around its own DDL) only as the loaded library defines it, a
# superuser-only setting.  Without shared_preload_libraries a session that
# has not loaded meshpg yet can SET any meshpg.* name as a placeholder; the
# guards must not take such a placeholder for the API.  Starts a throwaway
# cluster without the preload, like no_preload.sh.
# Prints `ok - ...` / `not ok - ...` per check; exits 1 if any failed.
set -euo pipefail
shopt -s inherit_errexit

pgbin="$("${PG_CONFIG:-pg_config}" --bindir)"
workdir="$(mktemp -d -t meshpg_guards_np.XXXXXX)"
port=54331
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
# expect LABEL PATTERN OUTPUT: OUTPUT contains PATTERN
expect() {
	case "$3" in
	*"$2"*) ok "$1" ;;
	*) not_ok "$1" "expected to contain: $2"$'\n'"got: $3" ;;
	esac
}

"${as_server_user[@]}" "$pgbin/initdb" -D "$workdir/data" -A trust -U postgres >"$workdir/initdb.log" 2>&1
"${as_server_user[@]}" "$pgbin/pg_ctl" -D "$workdir/data" -w -l "$workdir/server.log" \
	-o "-p $port -k $workdir -c listen_addresses= -c shared_preload_libraries=" start >/dev/null

psql_np() {
	"$pgbin/psql" -X -q -h "$workdir" -p "$port" -U postgres -d postgres "$@"
}

psql_np -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<'SQL'
SET client_min_messages = error;
CREATE EXTENSION meshpg;
CREATE ROLE gnp_owner NOLOGIN;
CREATE TABLE public.gnp_source (id int PRIMARY KEY, note text);
ALTER TABLE public.gnp_source OWNER TO gnp_owner;
SELECT mesh.create_domain('gnp', 'gnp_owner');
SELECT mesh.create_data_product('gnp.p', 'public.gnp_source', '{"purpose": "guarded without preload"}');
SQL

# each psql run is a new session, in which meshpg is not loaded yet
out="$(psql_np 2>&1 <<'SQL'
SET ROLE gnp_owner;
SET meshpg.sanctioned_port_ddl = on;
CREATE OR REPLACE VIEW gnp.p AS SELECT id, note FROM public.gnp_source WHERE false;
SQL
)" || true
expect "a placeholder flag does not let the domain owner replace a port" \
	'cannot run CREATE VIEW on the output port of data product "gnp.p"' "$out"

out="$(psql_np 2>&1 <<'SQL'
SET ROLE gnp_owner;
SET meshpg.sanctioned_port_ddl = on;
DROP SCHEMA gnp CASCADE;
SQL
)" || true
expect "a placeholder flag does not let the domain owner drop a domain and its ports" \
	'cannot drop gnp.p because it is the output port of data product "gnp.p"' "$out"

expect "the port and the domain are intact" "gnp.p|t" \
	"$(psql_np -At -c "SELECT product, to_regclass('gnp.p') IS NOT NULL FROM mesh.products")"

# a superuser's setting is the API's own: it passes (and is what publish_version uses)
out="$(psql_np -At 2>&1 <<'SQL'
BEGIN;
SET LOCAL meshpg.sanctioned_port_ddl = on;
CREATE OR REPLACE VIEW gnp.p AS SELECT id, note FROM public.gnp_source;
ROLLBACK;
SELECT 'done';
SQL
)" || true
expect "the flag set by a superuser still lets DDL through" "done" "$out"
case "$out" in
*ERROR*) not_ok "no error for the superuser's sanctioned DDL" "$out" ;;
*) ok "no error for the superuser's sanctioned DDL" ;;
esac

# and the API's own DDL passes: a new major renames and replaces the port
check_out="$(psql_np -At 2>&1 <<'SQL'
SET client_min_messages = error;
SELECT mesh.set_status('gnp.p', 'active');
SELECT mesh.publish_version('gnp.p', '1.0.0', '{"purpose": "guarded without preload", "source": "SELECT id FROM public.gnp_source"}') ->> 'port';
SELECT to_regclass('gnp.p_v0') IS NOT NULL;
SQL
)" || true
expect "publish_version renames and replaces ports without the preload" "$(printf '\ngnp.p\nt')" "$check_out"

if [ "$failures" -gt 0 ]; then
	exit 1
fi
