#!/usr/bin/env bash
# Checks declared under 0.1.0: a product whose descriptor already held a
# "checks" key (kept untouched by 0.1.0) gets its checks stored by the
# upgrade to 0.2.0 (which runs the module store handlers once per product),
# and they run; and the checks catalog survives pg_dump/restore.
# Runs against the cluster named by the PG* environment (test/suites.sh).
# Prints `ok - ...` / `not ok - ...` per check; exits 1 if any failed.
set -euo pipefail
shopt -s inherit_errexit

pgbin="$("${PG_CONFIG:-pg_config}" --bindir)"
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
psql_db() {
	local db=$1
	shift
	"$pgbin/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"
}

db=meshpg_check_upgrade
restored=meshpg_check_restored
cleanup() {
	psql_db postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP DATABASE IF EXISTS $restored" \
		-c "DROP ROLE IF EXISTS check_upgrade_team" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
psql_db postgres -c "CREATE DATABASE $db" -c "CREATE DATABASE $restored" -c "CREATE ROLE check_upgrade_team"

psql_db "$db" -c "SET client_min_messages = error" -c "CREATE EXTENSION meshpg VERSION '0.1.0'" >/dev/null
psql_db "$db" >/dev/null <<'SQL'
SET client_min_messages = error;
SELECT mesh.create_domain('shop', 'check_upgrade_team');
CREATE TABLE shop.orders (id bigint, email text);
ALTER TABLE shop.orders OWNER TO check_upgrade_team;
INSERT INTO shop.orders VALUES (1, 'a@example.org'), (2, NULL);
SELECT mesh.create_data_product('shop.orders_p', 'shop.orders', '{"purpose": "Orders", "checks": [
  {"name": "has_rows", "kind": "row_count"},
  {"name": "email_present", "kind": "null", "column": "email", "unit": "percent", "fail_above": 10}]}');
SQL
check "0.1.0 keeps the checks key without acting on it" "f" \
	"$(psql_db "$db" -c "SELECT to_regclass('mesh.checks') IS NOT NULL")"

psql_db "$db" -c "SET client_min_messages = error" -c "ALTER EXTENSION meshpg UPDATE" >/dev/null
check "the upgrade stores the checks declared under 0.1.0" "email_present:descriptor,has_rows:descriptor" \
	"$(psql_db "$db" -c "SELECT string_agg(name || ':' || declared_in, ',' ORDER BY name) FROM mesh.checks")"
check "and they run" "email_present:fail,has_rows:pass" \
	"$(psql_db "$db" -c "SELECT string_agg(name || ':' || status, ',' ORDER BY name) FROM mesh.run_checks('shop.orders_p')")"

# dump and restore: checks, their history and state come back, and still run
"$pgbin/pg_dump" -d "$db" -Fc -f "/tmp/$db.dump" 2>/dev/null
"$pgbin/pg_restore" -d "$restored" "/tmp/$db.dump" 2>/dev/null || true
rm -f "/tmp/$db.dump"
check "pg_dump keeps the checks and their history" "2:2" \
	"$(psql_db "$restored" -c "SELECT (SELECT count(*) FROM mesh.checks) || ':' || (SELECT count(*) FROM mesh.check_runs)")"
check "restored checks run" "email_present:fail,has_rows:pass" \
	"$(psql_db "$restored" -c "SELECT string_agg(name || ':' || status, ',' ORDER BY name) FROM mesh.run_checks('shop.orders_p')")"
check "new runs continue the restored history" "4" \
	"$(psql_db "$restored" -c "SELECT count(*) FROM mesh.check_runs")"

exit $((failures > 0))
