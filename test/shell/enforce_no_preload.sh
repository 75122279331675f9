#!/usr/bin/env bash
# Fail closed: without shared_preload_libraries the read hooks are not
# installed, so a masked reader must get an error -- never raw data -- from a
# governed table, from the output port on it and from COPY, while the owner
# and superusers still read.  Starts a throwaway cluster without the preload
# (as the postgres user when run as root) and removes it on exit.
# Prints `ok - ...` / `not ok - ...` per check; exits 1 if any failed.
set -euo pipefail
shopt -s inherit_errexit

pgbin="$("${PG_CONFIG:-pg_config}" --bindir)"
workdir="$(mktemp -d -t meshpg_enforce_nopreload.XXXXXX)"
port=54339
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

psql_np -c 'CREATE EXTENSION meshpg' >/dev/null 2>&1
psql_np >/dev/null 2>&1 <<'SQL'
CREATE ROLE np_owner NOLOGIN;
CREATE ROLE np_reader LOGIN;
CREATE SCHEMA np_raw AUTHORIZATION np_owner;
CREATE TABLE np_raw.people (id int PRIMARY KEY, email text, region text);
ALTER TABLE np_raw.people OWNER TO np_owner;
INSERT INTO np_raw.people VALUES (1, 'secret@example.org', 'emea');
GRANT USAGE ON SCHEMA np_raw TO np_reader;
GRANT SELECT ON np_raw.people TO np_reader;
SELECT mesh.create_domain('np', 'np_owner');
SELECT mesh.create_data_product('np.people', 'np_raw.people', '{"purpose": "people", "columns": {"email": {"classification": "pii.email"}}}');
GRANT USAGE ON SCHEMA np TO np_reader;
GRANT SELECT ON np.people TO np_reader;
SELECT mesh.create_masking_policy('np_email', 'mesh.mask_email(value)');
SELECT mesh.bind_masking_policy('np_email', 'pii.email');
SQL

# reader_query SQL: the output and errors of a query run as np_reader
reader_query() {
	psql_np -At -c "SET ROLE np_reader" -c "$1" 2>&1 || true
}
for query in 'SELECT email FROM np_raw.people' 'SELECT email FROM np.people' \
	'SELECT p FROM np.people p' 'COPY np_raw.people TO STDOUT' \
	'CREATE TEMP TABLE t AS SELECT * FROM np.people'; do
	out="$(reader_query "$query")"
	case "$out" in
	*secret*) not_ok "a masked reader gets no raw data without the preload: $query" "$out" ;;
	*"cannot be read while meshpg enforcement is inactive"*) ok "a masked reader gets an error without the preload: $query" ;;
	*) not_ok "a masked reader gets an error without the preload: $query" "$out" ;;
	esac
done
out="$(reader_query 'SELECT email FROM np.people')"
case "$out" in
*"not loaded through shared_preload_libraries"*) ok "the error says the library is not preloaded" ;;
*) not_ok "the error says the library is not preloaded" "$out" ;;
esac
# loading the library later in the session does not switch enforcement on
out="$(psql_np -At -c "LOAD 'meshpg'" -c "SET ROLE np_reader" -c 'SELECT email FROM np.people' 2>&1 || true)"
case "$out" in
*secret*) not_ok "LOAD does not unmask" "$out" ;;
*"cannot be read while meshpg enforcement is inactive"*) ok "LOAD in the session does not make enforcement active" ;;
*) not_ok "LOAD in the session does not make enforcement active" "$out" ;;
esac
# a placeholder value set by an ordinary role before the library is loaded in
# the session is not honoured, and enforcement stays inactive: still an error
out="$(psql_np -At -c "SET ROLE np_reader" -c "SET meshpg.enforcement = off" \
	-c 'SELECT email FROM np.people' -c 'SHOW meshpg.enforcement' 2>&1 || true)"
case "$out" in
*secret*) not_ok "a placeholder meshpg.enforcement set by a reader does not unmask" "$out" ;;
*"cannot be read while meshpg enforcement is inactive"*) ok "a placeholder meshpg.enforcement set by a reader does not unmask" ;;
*) not_ok "a placeholder meshpg.enforcement set by a reader does not unmask" "$out" ;;
esac
out="$(psql_np -At -c "SET ROLE np_reader" -c "SET meshpg.enforcement = off" \
	-c 'SELECT count(*) >= 0 FROM mesh.status()' -c 'SHOW meshpg.enforcement' 2>&1 || true)"
check "the placeholder value of an ordinary role is dropped when the library defines the setting" "on" "$(printf '%s\n' "$out" | tail -1)"
check "the owner still reads its data through the port" "secret@example.org" \
	"$(psql_np -At -c "SET ROLE np_owner" -c 'SELECT email FROM np.people' 2>&1 | tail -1)"
check "superusers still read" "secret@example.org" \
	"$(psql_np -At -c 'SELECT email FROM np_raw.people' 2>&1)"

if [ "$failures" -gt 0 ]; then
	exit 1
fi
