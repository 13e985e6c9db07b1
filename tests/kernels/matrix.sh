#!/usr/bin/env bash
# Kernel matrix: the BPF tests and an end-to-end smoke on each of Debian's
# kernels the project supports (6.1, Debian 12's own; 6.12, Debian 13's,
# from bookworm-backports), each booted once under qemu by
# scripts/kernel-vm.sh against this machine's root filesystem and the same
# built tree ($BUILD, default build). The running kernel is covered by the
# rest of tests/run.sh.
#
# Every result line of the commands run in a VM comes out prefixed with the
# kernel ("PASS: linux-6.1/budget/xdpblock"); a command that prints none
# counts by its exit status; one more line says whether the kernel logged
# a bug, warning or oops meanwhile. The verifier's figures (verifier_budget's
# "budget:" lines) are shown for every kernel. Failing to fetch or boot a
# kernel is a FAIL, never a skip (a panic while booting, before any command
# ran, is booted once more and shown: TCG makes those now and then); so is a command skipping as a whole
# (status 77): in the VM it runs as root, so a skip means the kernel
# refused the program.
#
#   XDPB_MATRIX_KERNELS  kernels to run (default "6.1 6.12")
#   XDPB_MATRIX_SCALE    multiplies every command's timeout (default 1)
#
# Internally, `matrix.sh --inside PREFIX` is what runs in each VM.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
export BUILD

# NAME TIMEOUT(s) COMMAND...: what runs in each VM, in this order. The
# timeouts are for TCG (no KVM), where BPF work runs several times slower
# than on the host.
COMMANDS=(
	"verifier_budget 180 $BUILD/tests/verifier_budget"
	"bpf_tests 420 $BUILD/tests/bpf_tests"
	"dns_tests 180 $BUILD/tests/dns_tests"
	"web_tests 180 $BUILD/tests/web_tests"
	"diff_test 180 $BUILD/tests/diff_test"
	"smoke 240 bash tests/kernels/smoke.sh"
)
SCALE=${XDPB_MATRIX_SCALE:-1}

# run_one PREFIX NAME TIMEOUT COMMAND... : one command; its result lines
# prefixed, its budget lines as they are, the end of its output if it
# failed
run_one() {
	local prefix=$1 name=$2 limit=$(($3 * SCALE)) log rc started p f s
	shift 3
	log=$(mktemp)
	started=$SECONDS
	timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	sed -n -e "s#^\(PASS\|FAIL\|SKIP\): #\1: $prefix/#p" -e '/^budget: /p' "$log"
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	s=$(grep -c '^SKIP: ' "$log")
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "FAIL: $prefix/$name timed out after $limit s"
	elif [ "$rc" -eq 77 ]; then
		echo "FAIL: $prefix/$name skipped as a whole (status 77) although it runs as root: the kernel refused it?"
	elif [ $((p + f + s)) -eq 0 ]; then
		if [ "$rc" -eq 0 ]; then
			echo "PASS: $prefix/$name"
		else
			echo "FAIL: $prefix/$name (exit status $rc)"
		fi
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $prefix/$name exited with status $rc after its cases"
	fi
	if [ "$rc" -ne 0 ]; then
		echo "    $name: status $rc; the end of its output:"
		grep -v -E '^((PASS|FAIL|SKIP): |budget: )' "$log" | tail -n 40 | sed 's/^/    | /'
	fi
	echo "--- $prefix/$name: $((SECONDS - started)) s"
	rm -f "$log"
}

# kernel_log PREFIX : the kernel reported no bug, warning or oops while the
# commands ran (the console shows only emergencies: this reads dmesg)
kernel_log() {
	if dmesg | grep -q -E 'BUG:|WARNING:|Oops'; then
		echo "FAIL: $1/kernel-log (the kernel reported a problem)"
		dmesg | grep -m1 -A 30 -E 'BUG:|WARNING:|Oops' | sed 's/^/    | /'
	else
		echo "PASS: $1/kernel-log"
	fi
}

# inside PREFIX : every command, in the VM; the last line says it got to
# the end (the host tells a VM that died from one that failed tests)
inside() {
	local prefix=$1 entry
	echo "=== $prefix: Linux $(uname -r)"
	for entry in "${COMMANDS[@]}"; do
		# shellcheck disable=SC2086 # the command's words
		run_one "$prefix" $entry
	done
	kernel_log "$prefix"
	echo "matrix: $prefix done"
}

# on_kernel NAME : fetch kernel NAME, boot it once and run every command
on_kernel() {
	local k=$1 prefix=linux-$1 out rc vm_limit=120 entry name limit attempt
	local started=$SECONDS
	out=$(mktemp)
	if ! scripts/kernel-vm.sh fetch "$k" >"$out" 2>&1; then
		echo "FAIL: $prefix/fetch ($(tail -n 1 "$out"))"
		sed 's/^/    | /' "$out"
		rm -f "$out"
		return
	fi
	scripts/kernel-vm.sh list | sed -n "s/^$k  */=== $prefix: /p"
	for entry in "${COMMANDS[@]}"; do
		read -r name limit _ <<<"$entry"
		vm_limit=$((vm_limit + limit * SCALE + 10))
	done
	for attempt in 1 2; do
		XDPB_VM_TIMEOUT=$vm_limit scripts/kernel-vm.sh run "$k" -- \
			bash tests/kernels/matrix.sh --inside "$prefix" \
			2>"$out.err" | tee "$out"
		rc=${PIPESTATUS[0]}
		# Under TCG a kernel now and then panics while booting (an int3
		# of its own text patching, before init runs anything of ours):
		# boot once more, and say so. A panic after the first command
		# started is never retried.
		if [ "$attempt" = 1 ] && [ "$rc" = 125 ] && [ ! -s "$out" ] &&
			grep -q 'the kernel panicked' "$out.err"; then
			echo "matrix: $prefix: the kernel panicked while booting, before any command ran; booting it once more:"
			sed 's/^/    | /' "$out.err" | head -n 3
			continue
		fi
		break
	done
	if ! grep -q "^matrix: $prefix done$" "$out"; then
		echo "FAIL: $prefix/vm (the VM did not run every command, status $rc)"
		sed 's/^/    | /' "$out.err"
	fi
	echo "--- $prefix: $((SECONDS - started)) s in all"
	rm -f "$out" "$out.err"
}

if [ "${1:-}" = --inside ]; then
	inside "$2"
	exit 0
fi

all=$(mktemp)
trap 'rm -f "$all"' EXIT
for k in ${XDPB_MATRIX_KERNELS:-6.1 6.12}; do
	on_kernel "$k"
done | tee "$all"
! grep -q '^FAIL: ' "$all"
