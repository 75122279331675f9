#!/usr/bin/env bash
# A mesh must survive pg_dump/pg_restore: builds a small mesh in database
# meshpg_dump_src, dumps it with `pg_dump -Fc`, restores it into
# meshpg_dump_dst with `pg_restore --exit-on-error`, and checks that the
# catalog, descriptors, ports (owner, security_barrier, grants, data) and id
# sequences came back, and that the API still works on the restored mesh.
# Prints `ok - ...` / `not ok - ...` per check; exits 1 if any failed.
# Needs a superuser connection from the PG* environment (test/suites.sh runs
# it inside the pg_virtualenv cluster); drops its databases and roles on exit.
set -euo pipefail
shopt -s inherit_errexit

src_db=meshpg_dump_src
dst_db=meshpg_dump_dst
owner_role=regress_dump_owner
reader_role=regress_dump_reader

pgbin="$("${PG_CONFIG:-pg_config}" --bindir)"
workdir="$(mktemp -d -t meshpg_dump.XXXXXX)"
failures=0

# q DB ARGS...: psql without psqlrc, unaligned tuples only, stop on error.
q() {
	local db="$1"
	shift
	"$pgbin/psql" -XAtq -v ON_ERROR_STOP=1 -d "$db" "$@"
}

ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	failures=$((failures + 1))
}
# diag TEXT: shows TEXT as TAP comment lines.
diag() { printf '%s\n' "$1" | sed 's/^/# /'; }

# fatal LABEL OUTPUT: a setup step failed; later checks would be meaningless.
fatal() {
	not_ok "$1"
	diag "$2"
	exit 1
}

drop_databases() {
	q postgres -c 'SET client_min_messages = warning' \
		-c "DROP DATABASE IF EXISTS $src_db WITH (FORCE)" \
		-c "DROP DATABASE IF EXISTS $dst_db WITH (FORCE)"
}

cleanup() {
	set +e
	# After a backend crash the server is in recovery for a moment.
	local tries=0
	until "$pgbin/pg_isready" -q -d postgres || [ "$tries" -ge 60 ]; do
		tries=$((tries + 1))
		sleep 0.5
	done
	drop_databases
	q postgres -c 'SET client_min_messages = warning' \
		-c "DROP ROLE IF EXISTS $reader_role, $owner_role"
	rm -rf "$workdir"
}
trap cleanup EXIT

# compare LABEL SQL: SQL must print the same, non-empty, in both databases.
compare() {
	local label="$1" sql="$2" src_out dst_out
	if ! src_out="$(q "$src_db" -c "$sql" 2>&1)"; then
		not_ok "$label (query failed in $src_db)"
		diag "$src_out"
		return
	fi
	if ! dst_out="$(q "$dst_db" -c "$sql" 2>&1)"; then
		not_ok "$label (query failed in $dst_db)"
		diag "$dst_out"
		return
	fi
	if [ -z "$src_out" ]; then
		not_ok "$label (nothing to compare: empty in $src_db)"
	elif [ "$src_out" = "$dst_out" ]; then
		ok "$label"
	else
		not_ok "$label"
		diag "$(diff <(printf '%s\n' "$src_out") <(printf '%s\n' "$dst_out") || true)"
	fi
}

# expect LABEL DB SQL EXPECTED: SQL must print exactly EXPECTED in DB.
expect() {
	local label="$1" db="$2" sql="$3" expected="$4" got
	if ! got="$(q "$db" -c "$sql" 2>&1)"; then
		not_ok "$label"
		diag "$got"
	elif [ "$got" = "$expected" ]; then
		ok "$label"
	else
		not_ok "$label"
		diag "expected: $expected"
		diag "got:      $got"
	fi
}

# act_then_expect LABEL DB ACTION_SQL SQL EXPECTED: runs ACTION_SQL (its
# output, e.g. the empty line of a void function, is ignored), then expect.
act_then_expect() {
	local label="$1" db="$2" action="$3" action_out
	if ! action_out="$(q "$db" -c "$action" 2>&1)"; then
		not_ok "$label"
		diag "$action_out"
		return
	fi
	expect "$label" "$db" "$4" "$5"
}

# Timestamps written as JSON strings, normalised when comparing descriptors.
mask_timestamps() {
	sed -E 's/"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}[^"]*"/"<timestamp>"/g'
}

# --- set up the source mesh ------------------------------------------------

if ! leftover_out="$(drop_databases 2>&1)"; then
	fatal "connect and drop databases left by an earlier run" "$leftover_out"
fi
if ! roles_out="$(q postgres 2>&1 <<SQL
SET client_min_messages = warning;
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$owner_role') THEN
        CREATE ROLE $owner_role NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$reader_role') THEN
        CREATE ROLE $reader_role NOLOGIN;
    END IF;
END
\$\$;
CREATE DATABASE $src_db TEMPLATE template0;
SQL
)"; then
	fatal "create roles $owner_role, $reader_role and database $src_db" "$roles_out"
fi

if ! setup_out="$(q "$src_db" 2>&1 <<SQL
CREATE EXTENSION meshpg;
CREATE SCHEMA raw;
CREATE TABLE raw.campaigns (
    id          integer PRIMARY KEY,
    name        text NOT NULL,
    channel     text NOT NULL,
    budget      numeric(12,2) NOT NULL,
    starts_on   date NOT NULL,
    contact     text
);
INSERT INTO raw.campaigns VALUES
    (1, 'Spring sale',      'email',  1200.00, '2024-03-01', 'spring@example.com'),
    (2, 'Grüße aus Köln',   'social',  800.50, '2024-04-15', NULL),
    (3, 'Summer "deals"',   'email',  2500.00, '2024-06-01', 'summer@example.com'),
    (4, 'Back to school',   'search',  950.00, '2024-08-20', NULL),
    (5, 'Black Friday',     'social', 4000.00, '2024-11-29', 'bf@example.com');
GRANT USAGE ON SCHEMA raw TO $owner_role;
GRANT SELECT ON raw.campaigns TO $owner_role;
SELECT mesh.create_domain('dumpdom', '$owner_role', 'a domain');
SELECT mesh.create_domain('dumpsub', '$owner_role', 'a subdomain', 'dumpdom');
SQL
)"; then
	fatal "set up $src_db (extension, raw table, domains)" "$setup_out"
fi
ok "source mesh: extension, raw table, domain and subdomain created"

if ! ids="$(q "$src_db" 2>&1 <<'SQL'
SELECT mesh.create_data_product('dumpdom.campaigns', 'raw.campaigns',
    '{"purpose": "All marketing campaigns, one row each"}');
SELECT mesh.create_data_product('dumpdom.channel_budget',
    'SELECT channel, sum(budget) AS total_budget, count(*) AS campaigns
       FROM raw.campaigns GROUP BY channel',
    $json${
        "purpose": "Budget per marketing channel",
        "tags": ["marketing", "budget"],
        "sla": {"freshness": "1 hour"},
        "columns": {
            "channel": {"description": "Marketing channel"},
            "total_budget": {"description": "Sum of the campaign budgets"}
        },
        "x_custom": {"team": "growth", "reviewed": true}
    }$json$);
SELECT mesh.set_status('dumpdom.campaigns', 'active');
SQL
)"; then
	fatal "create data products in $src_db" "$ids"
fi
# Outputs: one id per create_data_product, then set_status's empty line.
max_src_id="$(printf '%s\n' "$ids" | grep -E '^[0-9]+$' | sort -n | tail -n 1 || true)"
if [ "$(printf '%s\n' "$ids" | grep -cE '^[0-9]+$' || true)" -ne 2 ]; then
	fatal "create data products in $src_db (expected two ids)" "$ids"
fi
ok "source mesh: two data products created (ids $(printf '%s\n' "$ids" | grep -E '^[0-9]+$' | paste -sd, -))"

if ! grant_out="$(q "$src_db" 2>&1 <<SQL
GRANT USAGE ON SCHEMA dumpdom TO $reader_role;
GRANT SELECT ON dumpdom.campaigns TO $reader_role;
SQL
)"; then
	fatal "grant read access on the port to $reader_role" "$grant_out"
fi

# govcat: a classification (descriptor and governed columns) and a decided
# access request come back with the catalog
if ! gov_out="$(q "$src_db" 2>&1 <<SQL
SELECT mesh.classify('dumpdom.campaigns', 'contact', 'pii.email');
SET ROLE $reader_role;
SELECT mesh.request_access('dumpdom.channel_budget', 'dump test', now() + interval '30 days');
RESET ROLE;
SELECT mesh.approve_access(max(id)) FROM mesh.access_requests;
SQL
)"; then
	fatal "classify and approve an access request in $src_db" "$gov_out"
fi

expect "source describe() keeps tags, sla freshness and x_custom" "$src_db" \
	"SELECT d->'tags' @> '[\"marketing\", \"budget\"]' AND jsonb_array_length(d->'tags') = 2,
	        (d->'sla'->>'freshness')::interval = '1 hour',
	        d->'x_custom' = '{\"team\": \"growth\", \"reviewed\": true}'
	   FROM mesh.describe('dumpdom.channel_budget') AS d" \
	't|t|t'

# --- dump and restore ------------------------------------------------------

dump="$workdir/$src_db.dump"
if ! dump_out="$("$pgbin/pg_dump" -Fc -d "$src_db" -f "$dump" 2>&1)"; then
	fatal "pg_dump -Fc $src_db" "$dump_out"
fi
ok "pg_dump -Fc $src_db"
[ -z "$dump_out" ] || diag "$dump_out"

if ! createdb_out="$(q postgres -c "CREATE DATABASE $dst_db TEMPLATE template0" 2>&1)"; then
	fatal "create database $dst_db" "$createdb_out"
fi
if ! restore_out="$("$pgbin/pg_restore" -d "$dst_db" --exit-on-error "$dump" 2>&1)"; then
	fatal "pg_restore --exit-on-error into $dst_db" "$restore_out"
fi
ok "pg_restore --exit-on-error into $dst_db"
[ -z "$restore_out" ] || diag "$restore_out"

# --- the restored catalog ----------------------------------------------------

compare "mesh.products has the same rows" \
	"SELECT p::text FROM mesh.products AS p ORDER BY 1"
compare "mesh.domains has the same rows" \
	"SELECT d::text FROM mesh.domains AS d ORDER BY 1"

# Every catalog table of the extension, whatever its name, must come back
# (pg_extension_config_dump); empty tables compare equal.
catalog_tables="$(q "$src_db" -c "
	SELECT c.oid::regclass FROM pg_class AS c
	 WHERE c.relnamespace = 'mesh'::regnamespace AND c.relkind IN ('r', 'p')
	 ORDER BY 1")"
mapfile -t catalog_tables <<<"$catalog_tables"
for table in "${catalog_tables[@]}"; do
	[ -n "$table" ] || continue
	# the pseudonym keys: the restore adds the fresh key of CREATE EXTENSION, checked below
	[ "$table" != "mesh.pseudonym_keys" ] || continue
	src_rows="$(q "$src_db" -c "SELECT t::text FROM $table AS t ORDER BY 1")"
	dst_rows="$(q "$dst_db" -c "SELECT t::text FROM $table AS t ORDER BY 1" 2>&1 || true)"
	if [ "$src_rows" = "$dst_rows" ]; then
		ok "catalog table $table restored ($(q "$src_db" -c "SELECT count(*) FROM $table") rows)"
	else
		not_ok "catalog table $table restored"
		diag "$(diff <(printf '%s\n' "$src_rows") <(printf '%s\n' "$dst_rows") || true)"
	fi
done

# govcat: pseudonyms survive the dump and restore (the restored key wins over
# the one CREATE EXTENSION generated during the restore)
src_keys="$(q "$src_db" -c "SELECT encode(key, 'hex') FROM mesh.pseudonym_keys ORDER BY 1")"
if [ -n "$src_keys" ] && [ "$(q "$dst_db" -c "SELECT count(*) FROM mesh.pseudonym_keys
		WHERE encode(key, 'hex') IN ($(printf "'%s'," $src_keys | sed 's/,$//'))")" = "$(printf '%s\n' $src_keys | wc -l)" ]; then
	ok "the pseudonym keys are restored"
else
	not_ok "the pseudonym keys are restored"
fi
compare "pseudonyms are the same after the restore" \
	"SELECT mesh.mask_pseudonym('alice@example.com') || ' ' || mesh.mask_pseudonym('Ünïcødé')"

products="$(q "$src_db" -c "SELECT product FROM mesh.products ORDER BY 1")"
mapfile -t products <<<"$products"
for product in "${products[@]}"; do
	[ -n "$product" ] || continue
	src_desc="$(q "$src_db" -c "SELECT mesh.describe('$product')" 2>&1 || true)"
	dst_desc="$(q "$dst_db" -c "SELECT mesh.describe('$product')" 2>&1 || true)"
	if [ "$src_desc" = "$dst_desc" ]; then
		ok "describe('$product') is identical after restore"
	elif [ "$(mask_timestamps <<<"$src_desc")" = "$(mask_timestamps <<<"$dst_desc")" ]; then
		ok "describe('$product') is identical after restore except timestamps"
		diag "note: timestamps changed in the restore"
	else
		not_ok "describe('$product') is identical after restore"
		diag "$src_db: $src_desc"
		diag "$dst_db: $dst_desc"
	fi

	port="$(q "$src_db" -c "SELECT port FROM mesh.products WHERE product = '$product'")"
	compare "port $port returns the same rows" \
		"SELECT t::text FROM $port AS t ORDER BY 1"
	compare "port $port has the same definition" \
		"SELECT pg_get_viewdef('$port'::regclass)"
	expect "port $port is a security_barrier view owned by $owner_role" "$dst_db" \
		"SELECT c.relkind, 'security_barrier=true' = ANY (c.reloptions),
		        pg_get_userbyid(c.relowner)
		   FROM pg_class AS c WHERE c.oid = '$port'::regclass" \
		"v|t|$owner_role"
done

expect "grant on the port survived: $reader_role reads dumpdom.campaigns" "$dst_db" \
	"SET ROLE $reader_role; SELECT count(*) FROM dumpdom.campaigns" \
	"5"

# --- the API on the restored mesh ------------------------------------------

if new_id="$(q "$dst_db" -c "
	SELECT mesh.create_data_product('dumpdom.after_restore',
	    'SELECT id, name FROM raw.campaigns WHERE budget > 1000',
	    '{\"purpose\": \"Created after the restore\"}')" 2>&1)"; then
	if [[ "$new_id" =~ ^[0-9]+$ ]] && [ "$new_id" -gt "$max_src_id" ]; then
		ok "new product in the restored db gets a fresh id ($new_id > $max_src_id)"
	else
		not_ok "new product in the restored db gets a fresh id"
		diag "got id '$new_id', ids in the source go up to $max_src_id"
	fi
	expect "new product's port works in the restored db" "$dst_db" \
		"SELECT count(*) FROM dumpdom.after_restore" "3"
else
	not_ok "create_data_product in the restored db"
	diag "$new_id"
fi

act_then_expect "alter_data_product works on a restored product" "$dst_db" \
	"SELECT mesh.alter_data_product('dumpdom.channel_budget',
	        '{\"purpose\": \"Changed after the restore\", \"x_custom\": null}')" \
	"SELECT d->>'purpose', d ? 'x_custom', p.purpose
	   FROM mesh.describe('dumpdom.channel_budget') AS d,
	        mesh.products AS p
	  WHERE p.product = 'dumpdom.channel_budget'" \
	"Changed after the restore|f|Changed after the restore"

act_then_expect "set_status works on a restored product (active -> deprecated)" "$dst_db" \
	"SELECT mesh.set_status('dumpdom.campaigns', 'deprecated')" \
	"SELECT status FROM mesh.products WHERE product = 'dumpdom.campaigns'" \
	"deprecated"

act_then_expect "drop_data_product works on new and restored products" "$dst_db" \
	"SELECT mesh.drop_data_product('dumpdom.after_restore');
	 SELECT mesh.drop_data_product('dumpdom.channel_budget')" \
	"SELECT to_regclass('dumpdom.after_restore') IS NULL,
	        to_regclass('dumpdom.channel_budget') IS NULL,
	        (SELECT string_agg(product, ',' ORDER BY product) FROM mesh.products)" \
	"t|t|dumpdom.campaigns"

if [ "$failures" -ne 0 ]; then
	echo "# $failures check(s) failed"
	exit 1
fi
