#!/usr/bin/env bash
# Upgrading from 0.1.0: a database that created meshpg 0.1.0 and registered
# products keeps them through ALTER EXTENSION meshpg UPDATE, ends with exactly
# the objects of a fresh install, and its old products are taken over by the
# 0.2.0 modules (the upgrade runs their store handlers once per product).
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

old=meshpg_upgrade_old
new=meshpg_upgrade_new
cleanup() {
	psql_db postgres -c "DROP DATABASE IF EXISTS $old" -c "DROP DATABASE IF EXISTS $new" \
		-c "DROP ROLE IF EXISTS upgrade_team" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
psql_db postgres -c "CREATE DATABASE $old" -c "CREATE DATABASE $new" -c "CREATE ROLE upgrade_team"

# 0.1.0 with a domain and a product
psql_db "$old" -c "SET client_min_messages = error" -c "CREATE EXTENSION meshpg VERSION '0.1.0'" >/dev/null
psql_db "$old" >/dev/null <<'SQL'
SET client_min_messages = error;
SELECT mesh.create_domain('sales', 'upgrade_team', 'Sales');
CREATE TABLE sales.orders (order_id bigint PRIMARY KEY, email text NOT NULL, amount numeric(12,2));
ALTER TABLE sales.orders OWNER TO upgrade_team;
INSERT INTO sales.orders VALUES (1, 'ann@example.com', 10), (2, 'bob@example.com', 20);
SELECT mesh.create_data_product('sales.orders_daily', 'sales.orders',
    '{"purpose": "Orders", "tags": ["kpi"], "columns": {"email": {"classification": "pii.email"}}}');
SQL
check "0.1.0 is installed" "0.1.0" "$(psql_db "$old" -c "SELECT extversion FROM pg_extension WHERE extname = 'meshpg'")"

before="$(psql_db "$old" -c "SELECT mesh.describe('sales.orders_daily') - 'updated_at' - 'updated_by'")"
psql_db "$old" -c "SET client_min_messages = error" -c "ALTER EXTENSION meshpg UPDATE" >/dev/null
check "ALTER EXTENSION meshpg UPDATE reaches the default version" \
	"$(psql_db "$old" -c "SELECT default_version FROM pg_available_extensions WHERE name = 'meshpg'")" \
	"$(psql_db "$old" -c "SELECT extversion FROM pg_extension WHERE extname = 'meshpg'")"
check "a product registered under 0.1.0 describes the same after the upgrade" "$before" \
	"$(psql_db "$old" -c "SELECT mesh.describe('sales.orders_daily') - 'updated_at' - 'updated_by'")"
check "its port still reads" "2" "$(psql_db "$old" -c "SELECT count(*) FROM sales.orders_daily")"
check "it can still be altered" "1.0.0" \
	"$(psql_db "$old" -c "SET client_min_messages = error" \
		-c "SELECT mesh.alter_data_product('sales.orders_daily', '{\"version\": \"1.0.0\"}')" \
		-c "SELECT version FROM mesh.data_products WHERE name = 'orders_daily'" | tail -1)"

# the upgraded extension has exactly the objects of a fresh install
psql_db "$new" -c "SET client_min_messages = error" -c "CREATE EXTENSION meshpg" >/dev/null
objects="SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend
          WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
            AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'meshpg') ORDER BY 1"
fresh_objects="$(psql_db "$new" -c "$objects")"
upgraded_objects="$(psql_db "$old" -c "$objects")"
if [ "$fresh_objects" = "$upgraded_objects" ]; then
	ok "an upgraded database has the same extension objects as a fresh install ($(wc -l <<<"$fresh_objects") objects)"
else
	not_ok "an upgraded database has the same extension objects as a fresh install" \
		"$(diff <(echo "$fresh_objects") <(echo "$upgraded_objects") || true)"
fi
functions="SELECT p.oid::regprocedure::text || ' ' || md5(coalesce(p.prosrc, '') || coalesce(p.proconfig::text, ''))
            FROM pg_proc p WHERE p.pronamespace = 'mesh'::regnamespace ORDER BY 1"
check "and the same function bodies and settings" "$(psql_db "$new" -c "$functions")" \
	"$(psql_db "$old" -c "$functions")"

exit $((failures > 0))
