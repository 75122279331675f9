#!/usr/bin/env bash
# The lineage exports are read by other programs, so they are checked by those
# programs: Graphviz must parse mesh.lineage_dot() for names made to break DOT
# quoting (quotes, backslashes, line breaks, braces, "->", a trailing
# backslash), and draw exactly one node per relation and source; every
# OpenLineage event must be a JSON document of the RunEvent shape.  Builds its
# mesh in database meshpg_lineage_render on the cluster of the PG* environment
# and drops it, and its roles, on exit.
# Prints `ok - ...` / `not ok - ...` per check; exits 1 if any failed.
set -euo pipefail
shopt -s inherit_errexit

db=meshpg_lineage_render
team=regress_lineage_render_team
pgbin="$("${PG_CONFIG:-pg_config}" --bindir)"
workdir="$(mktemp -d -t meshpg_lineage.XXXXXX)"
failures=0

q() {
	local d="$1"
	shift
	"$pgbin/psql" -XAtq -v ON_ERROR_STOP=1 -d "$d" "$@"
}
ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	printf '%s\n' "$2" | sed 's/^/# /'
	failures=$((failures + 1))
}
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2"$'\n'"got: $3"; fi
}
drop_mesh() {
	q postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	q postgres -c "DROP ROLE IF EXISTS $team" >/dev/null 2>&1 || true
}
cleanup() {
	drop_mesh
	rm -rf "$workdir"
}
trap cleanup EXIT

if ! command -v dot >/dev/null; then
	not_ok "graphviz is installed" "dot not found: apt-get install graphviz (test/install-deps.sh lists it)"
	exit 1
fi

drop_mesh
q postgres -c "CREATE DATABASE $db" -c "CREATE ROLE $team NOLOGIN"
q "$db" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION meshpg;
CREATE SCHEMA "raw ""quoted"" \\ schema" AUTHORIZATION $team;
SET ROLE $team;
CREATE TABLE "raw ""quoted"" \\ schema"."t -> {x}; y" (id int, "v""al" numeric);
CREATE TABLE "raw ""quoted"" \\ schema"."line
break\\" (id int);
CREATE VIEW "raw ""quoted"" \\ schema"."mid\\n" AS
SELECT a.id, a."v""al" * 2 AS doubled FROM "raw ""quoted"" \\ schema"."t -> {x}; y" a
  JOIN "raw ""quoted"" \\ schema"."line
break\\" b USING (id);
RESET ROLE;
SELECT mesh.create_domain('render', '$team');
SELECT mesh.create_data_product('render.result', 'SELECT id, doubled FROM "raw ""quoted"" \\ schema"."mid\\n"',
                                '{"purpose": "hostile names"}');
SET ROLE $team;
SELECT mesh.add_source('render.result', 'sys "A" \\ {b} -> c;', 'api', 'x');
SELECT mesh.add_source('render.result', 'ends with \\', 'file', NULL);
RESET ROLE;
SQL

q "$db" -c "SELECT mesh.lineage_dot('render.result')" >"$workdir/lineage.dot"
if dot -Tsvg "$workdir/lineage.dot" -o "$workdir/lineage.svg" 2>"$workdir/dot.err"; then
	ok "dot parses lineage_dot output with hostile names"
else
	not_ok "dot parses lineage_dot output with hostile names" "$(cat "$workdir/dot.err" "$workdir/lineage.dot")"
fi
# nodes: the port, the view, two tables, two external sources
check "graphviz draws one node per relation and source" 6 \
	"$(grep -c 'class="node"' "$workdir/lineage.svg" || true)"
check "graphviz draws every edge" 5 "$(grep -c 'class="edge"' "$workdir/lineage.svg" || true)"
# the labels graphviz draws are the names, exactly (escapes undone, line
# breaks kept), each followed by the kind of node
q "$db" -c "SELECT string_agg(replace(l, E'\n', '<NL>'), E'\n' ORDER BY l COLLATE \"C\") FROM (
              SELECT DISTINCT coalesce(p || E'\ndata product', n || E'\n' || k) AS l FROM (
                SELECT source AS n, source_kind AS k, source_product AS p FROM mesh.lineage('render.result') UNION
                SELECT target, target_kind, target_product FROM mesh.lineage('render.result')) x) y" \
	>"$workdir/labels.expected"
python3 - "$workdir/lineage.svg" >"$workdir/labels.actual" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
labels = []
for g in ET.parse(sys.argv[1]).getroot().iter("{http://www.w3.org/2000/svg}g"):
    if g.get("class") == "node":
        labels.append("<NL>".join(t.text or "" for t in g.findall("s:text", ns)))
print("\n".join(sorted(labels, key=lambda s: s.encode())))
PY
if diff -u "$workdir/labels.expected" "$workdir/labels.actual" >"$workdir/labels.diff"; then
	ok "the labels graphviz draws are the relation and source names"
else
	not_ok "the labels graphviz draws are the relation and source names" "$(cat "$workdir/labels.diff")"
fi

# OpenLineage events: valid JSON with the RunEvent fields (jq-free: python3's json)
q "$db" -c "SELECT e::text FROM mesh.openlineage_events('render.result') e" >"$workdir/events.jsonl"
if python3 - "$workdir/events.jsonl" <<'PY'
import json, sys, uuid
events = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
assert len(events) == 2, len(events)
for e in events:
    assert e["eventType"] == "COMPLETE"
    uuid.UUID(e["run"]["runId"])
    assert e["job"]["namespace"].startswith("postgres://") and e["job"]["name"]
    for d in e["inputs"] + e["outputs"]:
        assert d["namespace"].startswith("postgres://") and d["name"].count(".") >= 2
        assert all("name" in f and "type" in f for f in d["facets"]["schema"]["fields"])
    cl = e["outputs"][0]["facets"]["columnLineage"]
    for col, f in cl["fields"].items():
        for i in f["inputFields"]:
            assert {"namespace", "name", "field", "transformations"} <= i.keys()
            assert i["transformations"][0]["type"] in ("DIRECT", "INDIRECT")
PY
then
	ok "openlineage_events are RunEvent documents with schema and columnLineage facets"
else
	not_ok "openlineage_events are RunEvent documents with schema and columnLineage facets" "$(cat "$workdir/events.jsonl")"
fi

exit $((failures > 0))
