#!/usr/bin/env bash
# Runs every meshpg test suite against the running cluster named by the PG*
# environment (test/run.sh starts one with pg_virtualenv) and records, per
# suite, one line `status<TAB>passed<TAB>failed<TAB>note` in test/out/<suite>.result
# plus its full output in test/out/<suite>.log.  run.sh turns those files into
# the final summary.  A suite that cannot run or crashes records a failure,
# never zero.  Exits non-zero if anything failed (pg_virtualenv then shows the
# server log).
set -euo pipefail
shopt -s inherit_errexit nullglob

cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=test/out
mkdir -p "$out"

pg_config="${PG_CONFIG:-pg_config}"
pgbin="$("$pg_config" --bindir)"
pgxs_test="$("$pg_config" --pkglibdir)/pgxs/src/test"
psql=("$pgbin/psql" -X -A -t -q -v ON_ERROR_STOP=1)
# For housekeeping statements whose NOTICEs are noise.
psql_quiet=("${psql[@]}" -c 'SET client_min_messages = warning')

# Per-command time limits (seconds): a hung test fails instead of hanging CI.
regress_timeout=300
pgtap_file_timeout=120
shell_file_timeout=300
tap_file_timeout=300

# --- helpers ---------------------------------------------------------------

# record SUITE STATUS PASSED FAILED NOTE
record() {
	printf '%s\t%s\t%s\t%s\n' "$2" "$3" "$4" "$5" >"$out/$1.result"
	printf '=== %s: %s (%s passed, %s failed) %s\n' "$1" "$2" "$3" "$4" "$5"
}

# record_counts SUITE PASSED FAILED NOTE: status from the failure count.
record_counts() {
	if [ "$3" -eq 0 ]; then
		record "$1" ok "$2" "$3" "$4"
	else
		record "$1" failed "$2" "$3" "$4"
	fi
}

# Prints "passed failed" for pg_regress / pg_isolation_regress (PG15) output:
#   test name   ... ok   12 ms     |     name   ... FAILED   20 ms
count_regress() {
	awk '
		/^(test |  +)[^ ]+ +\.\.\. / {
			status = $0
			sub(/^.* \.\.\. +/, "", status)
			if (status ~ /^ok/) passed++
			else if (status ~ /^failed \(ignored\)/) ignored++
			else failed++
		}
		END { print passed + 0, failed + 0 }
	' "$1"
}

# Prints "passed failed" for TAP output: top-level `ok N` / `not ok N` lines
# (pgTAP, prove) and the `ok - text` lines of the shell suites; prove's bare
# per-file verdict `ok` is not an assertion.  A TODO failure is expected, so
# it counts as passed, as prove does.
count_tap() {
	awk '
		/^not ok( [0-9]+| -)/ {
			if ($0 ~ /# *TODO/) passed++; else failed++
			next
		}
		/^ok( [0-9]+| -)/ { passed++ }
		END { print passed + 0, failed + 0 }
	' "$1"
}

# run_logged LOG TIMEOUT CMD...: runs CMD, showing and appending its output to
# LOG; returns CMD's exit status (124 on timeout).
run_logged() {
	local log="$1" limit="$2"
	shift 2
	local rc=0
	timeout --kill-after=10 "$limit" "$@" </dev/null 2>&1 | tee -a "$log" || rc=$?
	if [ "$rc" -eq 124 ]; then
		echo "*** timed out after ${limit}s: $*" | tee -a "$log"
	fi
	return "$rc"
}

# tap_file LOG TIMEOUT LABEL CMD...: runs one TAP-producing command, counts
# its assertions, and adds one failure when it exits non-zero without a
# failing assertion (died, bad plan, timeout) or passes with no assertion.
# Sets globals file_passed / file_failed.
tap_file() {
	local log="$1" limit="$2" label="$3"
	shift 3
	local piece rc=0
	piece="$(mktemp)"
	run_logged "$piece" "$limit" "$@" || rc=$?
	cat "$piece" >>"$log"
	read -r file_passed file_failed < <(count_tap "$piece")
	rm -f "$piece"
	if [ "$rc" -ne 0 ] && [ "$file_failed" -eq 0 ]; then
		echo "not ok - $label exited with status $rc" | tee -a "$log"
		file_failed=1
	elif [ "$rc" -eq 0 ] && [ "$((file_passed + file_failed))" -eq 0 ]; then
		echo "not ok - $label reported no results" | tee -a "$log"
		file_failed=1
	fi
}

# wait_for_server: after a backend crash the server spends a few seconds in
# recovery; wait so that one crashing suite does not fail the next ones too.
wait_for_server() {
	local tries=0
	until "$pgbin/pg_isready" -q -d postgres; do
		tries=$((tries + 1))
		if [ "$tries" -ge 60 ]; then
			echo "*** server not accepting connections after 30s"
			return 0
		fi
		sleep 0.5
	done
}

# --- suites ------------------------------------------------------------------

suite_preload() {
	local preload version
	preload="$("${psql[@]}" -d postgres -c 'SHOW shared_preload_libraries')"
	version="$("${psql[@]}" -d postgres -c 'SHOW server_version_num')"
	echo "server_version_num=$version shared_preload_libraries=$preload" >"$out/preload.log"
	if [[ ",${preload// /}," != *,meshpg,* ]]; then
		record preload failed 0 1 "meshpg not preloaded: shared_preload_libraries='$preload'"
	elif [ "${version:0:2}" != 15 ]; then
		record preload failed 0 1 "expected PostgreSQL 15, server is $version"
	else
		record preload ok 0 0 "shared_preload_libraries=$preload"
	fi
}

# record_regress SUITE LOG RC DIFFS NOTE: counts a pg_regress-style run; a
# non-zero exit or a run that reported no test counts as (one) failure.
record_regress() {
	local suite="$1" log="$2" rc="$3" diffs="$4" note="$5" passed failed
	read -r passed failed < <(count_regress "$log")
	if [ "$rc" -ne 0 ] && [ -s "$diffs" ]; then
		cp "$diffs" "$out/$suite.diffs"
		echo "--- $diffs (first 200 lines) ---"
		head -n 200 "$diffs"
	fi
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		failed=1
	elif [ "$((passed + failed))" -eq 0 ]; then
		failed=1
		note="$note, reported no tests"
	fi
	record_counts "$suite" "$passed" "$failed" "$note"
}

# a) pg_regress through PGXS: REGRESS lists sql/*.sql.
suite_regress() {
	local log="$out/regress.log" tests=(sql/*.sql) rc=0
	if [ "${#tests[@]}" -eq 0 ]; then
		record regress skipped 0 0 "no sql/*.sql"
		return
	fi
	: >"$log"
	run_logged "$log" "$regress_timeout" \
		make installcheck ISOLATION= TAP_TESTS= || rc=$?
	record_regress regress "$log" "$rc" regression.diffs \
		"make installcheck exit $rc"
}

# d) isolation tests, if any: specs/<name>.spec with expected/<name>.out.
suite_isolation() {
	local log="$out/isolation.log" specs=(specs/*.spec) names=() spec rc=0
	if [ "${#specs[@]}" -eq 0 ]; then
		record isolation skipped 0 0 "no specs/*.spec"
		return
	fi
	for spec in "${specs[@]}"; do
		spec="${spec#specs/}"
		names+=("${spec%.spec}")
	done
	: >"$log"
	run_logged "$log" "$regress_timeout" \
		make installcheck REGRESS= TAP_TESTS= ISOLATION="${names[*]}" || rc=$?
	record_regress isolation "$log" "$rc" output_iso/regression.diffs \
		"make installcheck ISOLATION=... exit $rc"
}

# b) pgTAP: each file runs in a freshly created database meshpg_pgtap (dropped
# afterwards); the files create the pgtap and meshpg extensions themselves,
# inside a transaction they roll back.
suite_pgtap() {
	local log="$out/pgtap.log" files=(test/pgtap/*.sql) file
	if [ "${#files[@]}" -eq 0 ]; then
		record pgtap skipped 0 0 "no test/pgtap/*.sql"
		return
	fi
	: >"$log"
	local passed=0 failed=0
	for file in "${files[@]}"; do
		"${psql_quiet[@]}" -d postgres \
			-c 'DROP DATABASE IF EXISTS meshpg_pgtap WITH (FORCE)' \
			-c 'CREATE DATABASE meshpg_pgtap'
		tap_file "$log" "$pgtap_file_timeout" "$file" \
			pg_prove --verbose --psql-bin "$pgbin/psql" --dbname meshpg_pgtap "$file"
		passed=$((passed + file_passed))
		failed=$((failed + file_failed))
		wait_for_server
	done
	"${psql_quiet[@]}" -d postgres -c 'DROP DATABASE IF EXISTS meshpg_pgtap WITH (FORCE)'
	record_counts pgtap "$passed" "$failed" "${#files[@]} file(s) via pg_prove"
}

# c) shell suites: test/shell/*.sh print `ok - text` / `not ok - text`.
suite_shell() {
	local log="$out/shell.log" files=(test/shell/*.sh) file
	if [ "${#files[@]}" -eq 0 ]; then
		record shell skipped 0 0 "no test/shell/*.sh"
		return
	fi
	: >"$log"
	local passed=0 failed=0
	for file in "${files[@]}"; do
		echo "--- $file"
		tap_file "$log" "$shell_file_timeout" "$file" bash "$file"
		passed=$((passed + file_passed))
		failed=$((failed + file_failed))
		wait_for_server
	done
	record_counts shell "$passed" "$failed" "${#files[@]} script(s)"
}

# d) Perl TAP tests (t/*.pl, PostgreSQL::Test::Cluster).  initdb refuses to
# run as root, so as root they run as user meshpg_tap on a copy of the tree.
suite_tap() {
	local log="$out/tap.log" files=(t/*.pl) file
	if [ "${#files[@]}" -eq 0 ]; then
		record tap skipped 0 0 "no t/*.pl"
		return
	fi
	: >"$log"
	local workdir="$PWD" as_user=()
	if [ "$(id -u)" -eq 0 ]; then
		id -u meshpg_tap >/dev/null 2>&1 ||
			useradd --system --create-home --home-dir /var/lib/meshpg_tap \
				--shell /bin/bash meshpg_tap
		workdir="$(mktemp -d -t meshpg_tap.XXXXXX)"
		# This suite runs in its own subshell: the trap only removes the copy.
		tap_copy="$workdir"
		trap 'rm -rf "$tap_copy"' EXIT
		tar --exclude=./.git --exclude=./test/out -cf - . | tar -C "$workdir" -xf -
		chown -R meshpg_tap: "$workdir"
		as_user=(runuser -u meshpg_tap --)
	fi
	local passed=0 failed=0
	for file in "${files[@]}"; do
		tap_file "$log" "$tap_file_timeout" "$file" \
			"${as_user[@]}" env -C "$workdir" \
			PATH="$pgbin:/usr/local/bin:/usr/bin:/bin" \
			PERL5LIB="$pgxs_test/perl" \
			PG_REGRESS="$pgxs_test/regress/pg_regress" \
			TESTDIR="$workdir" \
			prove --verbose -I "$pgxs_test/perl" -I . "$file"
		passed=$((passed + file_passed))
		failed=$((failed + file_failed))
	done
	if [ "$failed" -ne 0 ] && [ -d "$workdir/tmp_check/log" ]; then
		cp -r "$workdir/tmp_check/log" "$out/tap_logs"
	fi
	record_counts tap "$passed" "$failed" "${#files[@]} file(s) via prove"
}

# --- main ----------------------------------------------------------------------

# run_suite NAME: runs suite_NAME with errexit in a subshell; if it dies
# before recording a result, records the crash as a failure.
run_suite() {
	local name="$1" rc
	rm -f "$out/$name.result"
	echo
	echo "=== suite: $name ==="
	wait_for_server
	set +e
	(
		set -e
		"suite_$name"
	)
	rc=$?
	set -e
	if [ ! -s "$out/$name.result" ]; then
		record "$name" error 0 1 "suite runner crashed (exit $rc)"
	fi
}

suites=(preload regress isolation pgtap shell tap)
for suite in "${suites[@]}"; do
	run_suite "$suite"
done

# Non-zero exit when anything failed, so pg_virtualenv prints the server log.
all_ok=true
for suite in "${suites[@]}"; do
	case "$(cut -f1 "$out/$suite.result")" in
	ok | skipped) ;;
	*) all_ok=false ;;
	esac
done
"$all_ok"
