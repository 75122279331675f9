#!/usr/bin/env bash
# Regenerates docs/lineage.svg (and docs/lineage.dot): the lineage of the demo
# mesh, drawn by Graphviz from mesh.lineage_dot(NULL), i.e. around every product.
#
# It needs a running PostgreSQL server where meshpg is installed, reached
# through the usual PG* variables (PGHOST, PGPORT, PGUSER with superuser
# rights), and Graphviz's dot.  It creates a scratch database, loads
# demo/sample_mesh.sql into it, renders, and drops the database again; the
# server's other databases are not touched.
#
#   PGHOST=... PGPORT=... docs/render-lineage.sh [scratch-database-name]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

db="${1:-meshpg_lineage_render}"
psql=(psql -X -q -v ON_ERROR_STOP=1)
command -v dot >/dev/null || { echo "render-lineage.sh: Graphviz 'dot' is not installed (apt-get install graphviz)" >&2; exit 1; }

"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\""
trap '"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS \"$db\""' EXIT
"${psql[@]}" -d "$db" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION meshpg'
"${psql[@]}" -d "$db" -f demo/sample_mesh.sql >/dev/null
"${psql[@]}" -d "$db" -A -t -c "SELECT mesh.lineage_dot(NULL, 'both', 10)" >docs/lineage.dot
dot -Tsvg docs/lineage.dot -o docs/lineage.svg
echo "wrote docs/lineage.dot and docs/lineage.svg"
