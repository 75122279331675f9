#!/usr/bin/env bash
# `make demo`: meshpg from nothing to a working data mesh, in one command.
#
#   1. installs the Debian packages meshpg needs (only the missing ones),
#   2. builds and installs the extension,
#   3. starts a throwaway PostgreSQL 15 cluster (pg_virtualenv) that preloads
#      meshpg (0.2.0 needs it: read-path masking and row policies, usage
#      counters, freshness, the scheduler), creates a database with the
#      extension, loads the sample mesh (demo/sample_mesh.sql) and takes a
#      tour of it (demo/show.sql): governance, access requests, checks,
#      incidents, freshness, lineage, usage, ODCS export, a new version,
#   4. and throws the cluster away again.
#
# Runs unattended (root or passwordless sudo, no stdin).  Nothing is left
# running; your own clusters are not touched.
set -euo pipefail
shopt -s inherit_errexit

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export LC_ALL=C.UTF-8
SECONDS=0
trap 'echo "meshpg demo FAILED after ${SECONDS}s (see the messages above)" >&2' ERR

step() { printf '\n### %s\n' "$*"; }

as_root=()
if [ "$(id -u)" -ne 0 ]; then
	as_root=(sudo -n)
fi

step "1/3 Debian packages (installing only what is missing)"
bash test/install-deps.sh </dev/null

step "2/3 building and installing meshpg"
make -s -j2 </dev/null
"${as_root[@]}" make -s install </dev/null

step "3/3 throwaway PostgreSQL cluster with shared_preload_libraries = meshpg"

# What runs inside the cluster.  pg_virtualenv exports PGHOST, PGPORT, PGUSER
# and PGPASSWORD for it, and drops the cluster when it exits (also on failure).
in_cluster=$(
	cat <<'INSIDE'
set -euo pipefail
psql=(psql -X -q -v ON_ERROR_STOP=1)

createdb meshdemo
export PGDATABASE=meshdemo

preload=$("${psql[@]}" -At -c 'SHOW shared_preload_libraries')
echo "shared_preload_libraries = '$preload'"
case ",${preload// /}," in
*,meshpg,*) ;;
*)
	echo "demo: meshpg is not preloaded in the demo cluster" >&2
	exit 1
	;;
esac

"${psql[@]}" -c 'CREATE EXTENSION meshpg'
"${psql[@]}" -At -c "SELECT format('meshpg %s installed in database %s', extversion, current_database())
                     FROM pg_extension WHERE extname = 'meshpg'"

echo
echo "--- loading the sample mesh (demo/sample_mesh.sql) ---"
# -o /dev/null: only its \echo progress lines (and any warning) are shown.
"${psql[@]}" -o /dev/null -f demo/sample_mesh.sql

echo
echo "--- the tour (demo/show.sql) ---"
"${psql[@]}" -f demo/show.sql
INSIDE
)

# -t keeps the cluster in a temporary directory even as root, so the demo
# never collides with a real cluster or with a concurrent `make test`.
# meshpg.naptime = 1s (the default, spelled out): the tour waits one
# scheduler round for the freshness SLAs to be evaluated.
pg_virtualenv -t -c '--locale=C.UTF-8' -o 'shared_preload_libraries=meshpg' -o 'meshpg.naptime=1000' \
	-- bash -c "$in_cluster" </dev/null

echo
echo "meshpg demo finished in ${SECONDS}s."
echo "To load the same sample mesh into a database of your own (as a superuser, in a"
echo "server with shared_preload_libraries = 'meshpg'):"
echo "  psql -c 'CREATE EXTENSION meshpg' && psql -v ON_ERROR_STOP=1 -f demo/sample_mesh.sql"
echo "  psql -v ON_ERROR_STOP=1 -f demo/show.sql"
