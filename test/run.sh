#!/usr/bin/env bash
# `make test`: installs missing build/test packages, builds meshpg with zero
# warnings, installs it, and runs every test suite (test/suites.sh) inside ONE
# throwaway cluster that preloads meshpg.  Ends with a per-suite breakdown and
# exactly one line `N passed, N failed`; exits non-zero if anything failed or a
# suite could not run.  Runs unattended (CI: root, no stdin, fresh bookworm).
set -euo pipefail
shopt -s inherit_errexit

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export LC_ALL=C.UTF-8
out=test/out

# Suites in the order they are reported; each must leave $out/<name>.result.
suites=(build preload regress isolation pgtap shell tap)

as_root=()
if [ "$(id -u)" -ne 0 ]; then
	as_root=(sudo -n)
fi

# --- packages and build ------------------------------------------------------
# Any failure here is recorded as the build suite failing, and the summary is
# still printed.  `make clean` also removes $out, so $out is made after it.
step_rc=0
step_note=""
clean_log=""
bash test/install-deps.sh </dev/null || step_rc=$?
if [ "$step_rc" -ne 0 ]; then
	step_note="missing packages could not be installed (exit $step_rc)"
else
	clean_log="$(make clean </dev/null 2>&1)" || step_rc=$?
	if [ "$step_rc" -ne 0 ]; then
		step_note="make clean failed (exit $step_rc)"
		printf '%s\n' "$clean_log"
	fi
fi
rm -rf "$out"
mkdir -p "$out"
printf '%s\n' "$clean_log" >"$out/build.log"

if [ "$step_rc" -eq 0 ]; then
	{
		make -j2 COPT='-Werror' && "${as_root[@]}" make install
	} </dev/null 2>&1 | tee -a "$out/build.log" || step_rc=$?
	[ "$step_rc" -eq 0 ] ||
		step_note="build or install failed (exit $step_rc), see $out/build.log"
fi

if [ "$step_rc" -ne 0 ]; then
	printf 'failed\t0\t1\t%s\n' "$step_note" >"$out/build.result"
elif grep -q 'warning:' "$out/build.log"; then
	printf 'failed\t0\t1\tbuild printed warnings, see %s\n' \
		"$out/build.log" >"$out/build.result"
else
	printf 'ok\t0\t0\tbuilt with -Werror and installed\n' >"$out/build.result"
fi

# --- suites, in one throwaway cluster ----------------------------------------
# -t keeps the cluster in a temp dir even as root, so a killed earlier run can
# never block this one; C.UTF-8 gives a UTF8 cluster whatever the CI locale.
build_status="$(cut -f1 "$out/build.result")"
virtualenv_rc=0
if [ "$build_status" = ok ]; then
	echo "=== starting throwaway cluster (pg_virtualenv) ==="
	pg_virtualenv -t -c '--locale=C.UTF-8' \
		-o 'shared_preload_libraries=meshpg' \
		-- bash test/suites.sh </dev/null || virtualenv_rc=$?
fi

# --- summary ---------------------------------------------------------------
total_passed=0
total_failed=0
echo
echo "=== meshpg test summary ==="
for suite in "${suites[@]}"; do
	result="$out/$suite.result"
	if [ -s "$result" ]; then
		IFS=$'\t' read -r status passed failed note <"$result"
	elif [ "$build_status" != ok ]; then
		status=not-run passed=0 failed=0 note="build step failed"
	else
		status=missing passed=0 failed=1
		note="suite did not run or crashed (pg_virtualenv exit $virtualenv_rc)"
	fi
	case "$status" in
	ok | skipped | not-run) ;;
	*) [ "$failed" -gt 0 ] || failed=1 ;;
	esac
	total_passed=$((total_passed + passed))
	total_failed=$((total_failed + failed))
	printf '  %-10s %-8s %4s passed %4s failed  %s\n' \
		"$suite" "$status" "$passed" "$failed" "$note"
done

# A cluster or runner failure that no suite accounted for still fails the run.
if [ "$virtualenv_rc" -ne 0 ] && [ "$total_failed" -eq 0 ]; then
	echo "  pg_virtualenv exited with status $virtualenv_rc"
	total_failed=1
fi

echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
