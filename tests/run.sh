#!/usr/bin/env bash
# Run every test; end with one line "N passed, N failed[, N skipped]".
# A test program prints "PASS: name" / "FAIL: name" / "SKIP: name" lines,
# one per case; a program that prints none counts as one test by its exit
# status (0 pass, 77 skip, anything else fail). TESTS="pattern" selects
# the programs whose path contains it; one that selects none fails.
set -u
cd "$(dirname "$0")/.."
build=${BUILD:-build}
logdir=$build/test-logs
mkdir -p "$logdir"

programs=(
	"$build/tests/unit_tests"
	"$build/tests/names_tests"
	"$build/tests/doc_tests"
	"$build/tests/list_tests"
	"$build/tests/verifier_budget"
	"$build/tests/bpf_tests"
	"$build/tests/diff_test"
	"$build/tests/dns_tests"
	"$build/tests/web_tests"
)
# shell tests: tests/unit/*.sh need no network, tests/e2e/*.sh build a lab;
# last, the kernel matrix: the BPF tests and a smoke on Debian's 6.1 and 6.12
for t in tests/unit/*.sh tests/e2e/*.sh tests/kernels/matrix.sh; do
	[ -e "$t" ] && programs+=("$t")
done

passed=0 failed=0 skipped=0 matched=0
for prog in "${programs[@]}"; do
	if [ -n "${TESTS:-}" ] && [[ "$prog" != *${TESTS}* ]]; then
		continue
	fi
	matched=$((matched + 1))
	name=$(basename "$prog")
	log=$logdir/$name.log
	echo "=== $name"
	if [ ! -x "$prog" ]; then
		echo "FAIL: $name (not built: $prog)"
		failed=$((failed + 1))
		continue
	fi
	started=$(date +%s)
	# the kernel matrix boots two kernels under emulation: more time
	limit=300
	[[ "$prog" == */matrix.sh ]] && limit=900
	BUILD=$build timeout --kill-after=10 "$limit" "$prog" >"$log" 2>&1
	rc=$?
	cat "$log"
	echo "--- $name: $(($(date +%s) - started)) s"
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	s=$(grep -c '^SKIP: ' "$log")
	if [ $((p + f + s)) -eq 0 ]; then
		case $rc in
		0) p=1 ;;
		77) s=1 ;;
		*) f=1 ;;
		esac
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $name exited with status $rc after its cases"
		f=1
	fi
	[ "$rc" -eq 124 ] && echo "FAIL: $name timed out"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done

# a pattern that selects nothing has tested nothing: not a pass
if [ "$matched" -eq 0 ]; then
	echo "FAIL: TESTS='${TESTS:-}' matches no test (names are paths such as tests/e2e/reload.sh or build/tests/unit_tests)"
	failed=$((failed + 1))
fi

echo
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
