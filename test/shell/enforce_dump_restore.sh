#!/usr/bin/env bash
# Governed data survives pg_dump and restore: the policy catalog, the
# fail-closed guards on governed tables (restored once, without errors) and
# the masks and row policies a reader sees.  Runs against the cluster in the
# PG* variables (meshpg preloaded), in two databases it creates and drops.
set -euo pipefail
shopt -s inherit_errexit

failures=0
ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	printf '%s\n' "$2" | sed 's/^/# /'
	failures=$((failures + 1))
}
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2"$'\n'"got: $3"; fi
}
workdir="$(mktemp -d -t meshpg_enforce_dump.XXXXXX)"
chmod 755 "$workdir"
cleanup() {
	psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS enforce_dump_src' -c 'DROP DATABASE IF EXISTS enforce_dump_dst' \
		-c 'DROP ROLE IF EXISTS regress_enforce_dump_owner, regress_enforce_dump_reader' >/dev/null 2>&1 || true
	rm -rf "$workdir"
}
trap cleanup EXIT
cleanup
mkdir -p "$workdir"

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE enforce_dump_src' -c 'CREATE DATABASE enforce_dump_dst' \
	-c 'CREATE ROLE regress_enforce_dump_owner NOLOGIN' -c 'CREATE ROLE regress_enforce_dump_reader NOLOGIN'
psql -X -q -v ON_ERROR_STOP=1 -d enforce_dump_src >/dev/null <<'SQL'
CREATE EXTENSION meshpg;
CREATE SCHEMA d_raw AUTHORIZATION regress_enforce_dump_owner;
CREATE TABLE d_raw.people (id int, email text, region text);
ALTER TABLE d_raw.people OWNER TO regress_enforce_dump_owner;
INSERT INTO d_raw.people VALUES (1, 'ann@example.org', 'emea'), (2, 'bob@example.com', 'us');
GRANT USAGE ON SCHEMA d_raw TO regress_enforce_dump_reader;
GRANT SELECT ON d_raw.people TO regress_enforce_dump_reader;
SELECT mesh.create_domain('d', 'regress_enforce_dump_owner');
SELECT mesh.create_data_product('d.people', 'd_raw.people', '{"purpose": "dump", "columns": {"email": {"classification": "pii.email"}}}');
GRANT USAGE ON SCHEMA d TO regress_enforce_dump_reader;
GRANT SELECT ON d.people TO regress_enforce_dump_reader;
SELECT mesh.create_masking_policy('d_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('d_email', 'pii.email');
SELECT mesh.set_consumer_attribute('regress_enforce_dump_reader', 'region', 'emea');
SELECT mesh.create_row_policy('d.people', 'by_region', 'region = mesh.attribute(''region'')');
SQL

pg_dump -d enforce_dump_src -f "$workdir/dump.sql" 2>/dev/null
restore_output="$(psql -X -q -d enforce_dump_dst -f "$workdir/dump.sql" 2>&1 || true)"
case "$restore_output" in
*ERROR*) not_ok "the dump restores without errors" "$restore_output" ;;
*) ok "the dump restores without errors" ;;
esac
read_as_reader() {
	psql -X -q -At -d "$1" -c 'SET ROLE regress_enforce_dump_reader' -c "$2" 2>&1
}
for db in enforce_dump_src enforce_dump_dst; do
	check "$db: the reader reads masked, filtered rows from the port" "1|***@example.org|emea" \
		"$(read_as_reader "$db" 'SELECT * FROM d.people')"
	check "$db: ... and from the table" "1|***@example.org|emea" \
		"$(read_as_reader "$db" 'SELECT * FROM d_raw.people')"
done
check "the policy catalog is restored" "d_email|pii.email|by_region|emea" \
	"$(psql -X -At -d enforce_dump_dst -c "SELECT (SELECT policy || '|' || tag FROM mesh.masking_policy_bindings) || '|' || (SELECT name FROM mesh.row_policies) || '|' || (SELECT value FROM mesh.consumer_attributes)")"
check "the guard is restored once, restrictive, with row security forced" "meshpg_all_rows|t
meshpg_enforcement_guard|f
t|t" \
	"$(psql -X -At -d enforce_dump_dst -c "SELECT polname, polpermissive FROM pg_policy WHERE polrelid = 'd_raw.people'::regclass ORDER BY polname" -c "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'd_raw.people'::regclass")"

if [ "$failures" -gt 0 ]; then
	exit 1
fi
