#!/usr/bin/env bash
# Exported ODCS contracts are checked by tools that are not meshpg: every
# export validates against the official ODCS v3.1.0 JSON Schema
# (test/odcs/odcs-json-schema-v3.1.0.json) with ajv, and every YAML export,
# read by the `yaml` npm package (not libyaml), equals the JSON export.  The
# products come from test/odcs/orders.odcs.yaml, a JSON contract with a query
# source, a product made with the API, and the standard's examples that import.
# The npm packages are installed with `npm ci` in test/node (never globally).
# Prints `ok - ...` / `not ok - ...` per check; exits 1 if any failed.  Needs a
# superuser connection from the PG* environment; drops its database and role
# on exit.
set -euo pipefail
shopt -s inherit_errexit

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
db=meshpg_odcs_schema
team=regress_odcs_sh_team
schema_file=test/odcs/odcs-json-schema-v3.1.0.json
pgbin="$("${PG_CONFIG:-pg_config}" --bindir)"
workdir="$(mktemp -d -t meshpg_odcs.XXXXXX)"
failures=0

q() { "$pgbin/psql" -XAtq -v ON_ERROR_STOP=1 -d "$db" "$@"; }
ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	failures=$((failures + 1))
}
diag() { printf '%s\n' "$1" | sed 's/^/# /'; }
fatal() {
	not_ok "$1"
	diag "$2"
	exit 1
}

drop_objects() {
	"$pgbin/psql" -XAtq -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	"$pgbin/psql" -XAtq -d postgres -c "DROP ROLE IF EXISTS $team" >/dev/null 2>&1 || true
}
cleanup() {
	drop_objects
	rm -rf "$workdir"
}
trap cleanup EXIT

# the validators, exactly as package-lock.json pins them
if ! command -v npm >/dev/null 2>&1; then
	fatal "npm is installed (test/install-deps.sh installs nodejs and npm)" "npm not found"
fi
if out="$(cd test/node && npm ci --no-audit --no-fund --loglevel=error 2>&1)"; then
	ok "npm ci installs ajv and yaml in test/node"
else
	fatal "npm ci installs ajv and yaml in test/node" "$out"
fi

drop_objects
"$pgbin/psql" -XAtq -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" -c "CREATE ROLE $team NOLOGIN"
if ! out="$(q 2>&1 <<SQL
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
CREATE SCHEMA odcs_src AUTHORIZATION $team;
CREATE SCHEMA odcs_ex_src AUTHORIZATION $team;
SET ROLE $team;
CREATE TABLE odcs_src.orders (order_id integer PRIMARY KEY, customer_email text NOT NULL,
                              amount numeric(12,2), placed_at timestamptz NOT NULL, code varchar(2) UNIQUE);
CREATE TABLE odcs_src.lines (order_id integer, line_no smallint, sku text NOT NULL, PRIMARY KEY (order_id, line_no));
CREATE TABLE odcs_ex_src.tbl (txn_ref_dt date, rcvr_id varchar(18) PRIMARY KEY, rcvr_cntry_code varchar(2));
CREATE TABLE odcs_ex_src.air_quality ("UniqueID" integer PRIMARY KEY, "DataValue" numeric(3,2));
RESET ROLE;
SELECT mesh.create_domain('odcs_sales', '$team', 'Sales');
SELECT mesh.create_domain('odcs_ex', '$team', 'Examples of the standard');
SELECT mesh.create_domain('odcs_ex2', '$team', 'More examples of the standard');
SELECT mesh.create_domain('odcs_ex3', '$team', 'More examples of the standard');
SELECT mesh.create_data_product('odcs_sales.big_orders',
    'SELECT order_id, amount FROM odcs_src.orders WHERE amount > 1000',
    '{"purpose": "Large orders", "version": "2.0.0-rc.1", "access_level": "confidential",
      "sla": {"freshness": "90 minutes", "delivery_window": {"start": "06:00", "end": "08:00", "timezone": "UTC"},
              "backfill": {"max_lookback": "30 days"}},
      "support": [{"channel": "e-mail", "email": "sales@example.com", "description": "Weekdays"}],
      "sources": [{"name": "odcs_src.orders", "kind": "table"}],
      "examples": {"queries": [{"title": "All", "sql": "SELECT * FROM odcs_sales.big_orders"}],
                   "records": [{"order_id": 1, "amount": 1500.00}]},
      "columns": {"amount": {"description": "Amount in EUR", "references": "fx.rates(amount)",
                             "classification": "finance.amount", "tags": ["eur"], "x_unit": "EUR"}},
      "review": {"approved_by": "jane"}}');
SQL
)"; then
	fatal "set up the products" "$out"
fi

import_file() { # import_file LABEL FILE [DOMAIN]
	local doc
	doc="$(if [ -n "${3:-}" ]; then echo "domain: $3"; fi; cat "$2")"
	if out="$(printf '%s\n' 'SET search_path = odcs_ex_src, public;' \
		"SELECT mesh.import_contract(:'doc');" | q -v doc="$doc" 2>&1)"; then
		ok "$1 imports"
	else
		not_ok "$1 imports"
		diag "$out"
	fi
}
import_file "test/odcs/orders.odcs.yaml" test/odcs/orders.odcs.yaml
cat >"$workdir/lines.json" <<'JSON'
{"apiVersion": "v3.0.2", "kind": "DataContract", "id": "lines-1", "version": "0.2.0", "status": "draft",
 "domain": "odcs_sales", "name": "Order lines", "dataProduct": "order_lines",
 "description": {"purpose": "Order lines with their SKU", "usage": "Basket analysis"},
 "schema": [{"name": "lines", "physicalType": "query",
             "customProperties": [{"property": "meshpg.sourceQuery",
                                   "value": "SELECT order_id, line_no, sku FROM odcs_src.lines"}],
             "properties": [{"name": "order_id", "primaryKey": true, "primaryKeyPosition": 1},
                            {"name": "line_no", "primaryKey": true, "primaryKeyPosition": 2},
                            {"name": "sku", "required": true}]}],
 "slaProperties": [{"property": "freshness", "value": 1, "unit": "d"}]}
JSON
import_file "a JSON contract with a query source" "$workdir/lines.json"
import_file "example fundamentals-table-column-description" \
	test/odcs/examples/fundamentals-table-column-description.odcs.yaml odcs_ex
import_file "example quality-column-completeness" test/odcs/examples/quality-column-completeness.odcs.yaml odcs_ex2
import_file "example quality-column-custom" test/odcs/examples/quality-column-custom.odcs.yaml odcs_ex3

# every product: JSON export validates, YAML export reads back as the JSON export
mapfile -t products < <(q -c 'SELECT product FROM mesh.products ORDER BY product')
if [ "${#products[@]}" -eq 6 ]; then
	ok "six products to export"
else
	not_ok "six products to export"
	diag "${products[*]}"
fi
files=()
for product in "${products[@]}"; do
	echo "SELECT mesh.export_contract(:'p')" | q -v p="$product" >"$workdir/$product.json"
	echo "SELECT mesh.export_contract_yaml(:'p')" | q -v p="$product" >"$workdir/$product.yaml"
	files+=("$workdir/$product.json")
	if json="$(node test/node/yaml-to-json.js "$workdir/$product.yaml" 2>&1)" &&
		[ "$(echo "SELECT :'j'::jsonb = mesh.export_contract(:'p')" | q -v p="$product" -v j="$json")" = t ]; then
		ok "YAML export of $product, read by the yaml package, equals its JSON export"
	else
		not_ok "YAML export of $product, read by the yaml package, equals its JSON export"
		diag "$json"
	fi
done
if out="$(node test/node/validate-odcs.js "$schema_file" "${files[@]}")"; then
	printf '%s\n' "$out"
else
	# the validator prints one ok/not ok line per file
	printf '%s\n' "$out"
	failures=$((failures + $(grep -c '^not ok' <<<"$out")))
fi

# the validator is real: it refuses what the schema forbids
q -c "SELECT mesh.export_contract('odcs_sales.orders') || '{\"unknownKey\": 1}'" >"$workdir/broken1.json"
q -c "SELECT jsonb_set(mesh.export_contract('odcs_sales.orders'), '{schema,0,properties,0,logicalType}', '\"decimal\"')" \
	>"$workdir/broken2.json"
q -c "SELECT mesh.export_contract('odcs_sales.orders') - 'apiVersion'" >"$workdir/broken3.json"
for broken in broken1 broken2 broken3; do
	if node test/node/validate-odcs.js "$schema_file" "$workdir/$broken.json" >/dev/null; then
		not_ok "the validator refuses a contract the schema forbids ($broken)"
	else
		ok "the validator refuses a contract the schema forbids ($broken)"
	fi
done

[ "$failures" -eq 0 ]
