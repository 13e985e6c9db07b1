#!/usr/bin/env bash
# The harness itself can fail: each of its checks is run against a
# stand-in that breaks it, and must say FAIL (and why); against one that
# behaves, PASS.
#   - run.sh with a TESTS pattern that selects nothing fails
#   - daemon_refuses passes only the documented refusal (exit status 1),
#     and names a crash (a signal), a hang (the timeout) or another status
#   - require (and so a failed daemon start) ends the script: no check
#     after it runs, none passes
#   - wait_for with udp_count_is reads the file at each try; the "$(...)"
#     form it replaced reads it once
# The stand-in daemons are shell scripts run where xdpblockd would be (in
# the router namespace); the expected FAIL lines are captured and shown
# indented, so they do not count.
. "$(dirname "$0")/../lib.sh"

lab_up || { t_fail "lab setup"; exit 1; }
write_config "$WORKDIR/x.conf" "[list:none]" "signature = none" "path = $WORKDIR/none.txt"

# fake NAME BODY : a stand-in daemon, ignoring its arguments
fake() {
	printf '#!/bin/bash\n%s\n' "$2" >"$WORKDIR/$1"
	chmod +x "$WORKDIR/$1"
}
fake refuses 'echo "xdpblockd: error: refused"; exit 1'
fake crashes 'echo "xdpblockd: about to crash"; kill -SEGV $$'
fake usage 'exit 2'
fake runs 'trap "exit 0" TERM; sleep 60 & wait'
fake deaf 'trap "" TERM; sleep 60'

# harness OUT CMD... : run a harness function in a subshell (its counts
# and an exit stay there); its output, indented, in OUT and shown
harness() {
	local out=$1 rc
	shift
	("$@") >"$out.raw" 2>&1
	rc=$?
	sed 's/^/    | /' "$out.raw" >"$out"
	cat "$out"
	return $rc
}

# --- run.sh: a pattern that selects nothing
TESTS=no-such-test-anywhere BUILD=$BUILD "$TOP/tests/run.sh" >"$WORKDIR/run.out" 2>&1
rc=$?
sed 's/^/    | /' "$WORKDIR/run.out"
t_check "run.sh, TESTS selecting nothing: exit status 1 (was $rc)" test "$rc" -eq 1
t_check "run.sh, TESTS selecting nothing: says so" grep -q "matches no test" "$WORKDIR/run.out"
t_check "run.sh, TESTS selecting nothing: counts it as a failure" grep -q '^0 passed, 1 failed$' "$WORKDIR/run.out"

# --- daemon_refuses: status 1 only
# refused STANDIN EXPECTED-RC PATTERN : daemon_refuses on a stand-in returns
# EXPECTED-RC and prints a line matching PATTERN
refused() {
	local rc
	XDPBLOCKD=$WORKDIR/$1 harness "$WORKDIR/$1.out" \
		daemon_refuses "stand-in $1" "$WORKDIR/x.conf" "$WORKDIR/$1.log"
	rc=$?
	[ "$rc" -eq "$2" ] && grep -q "$3" "$WORKDIR/$1.out"
}
t_check "daemon_refuses: status 1 passes" \
	refused refuses 0 '^    | PASS: stand-in refuses: refuses to start (status 1)$'
t_check "daemon_refuses: a crash fails, naming the signal" \
	refused crashes 1 '^    | FAIL: stand-in crashes: .*(killed by SIGSEGV: it crashed)$'
t_check "daemon_refuses: another status fails, naming it" \
	refused usage 1 '^    | FAIL: stand-in usage: .*(exit status 2, not the documented 1)$'
DAEMON_RUN_TIMEOUT=1
t_check "daemon_refuses: still running at the timeout fails, as a hang" \
	refused runs 1 '^    | FAIL: stand-in runs: .*(still running after 1 s: it hung'
t_check "daemon_refuses: deaf to SIGTERM fails, as killed" \
	refused deaf 1 '^    | FAIL: stand-in deaf: .*(killed by SIGKILL: it hung'
unset DAEMON_RUN_TIMEOUT

# --- require: a failure ends the script, nothing after it passes
after_require() { require "$1" "${@:2}"; t_pass "the check after it"; }
harness "$WORKDIR/req-ok.out" after_require "needed" true
t_check "require, met: status 0" test $? -eq 0
t_check "require, met: the check after it runs" grep -q '^    | PASS: the check after it$' "$WORKDIR/req-ok.out"
harness "$WORKDIR/req-bad.out" after_require "needed" false
t_check "require, not met: the script ends with status 1" test $? -eq 1
t_check "require, not met: FAIL" grep -q '^    | FAIL: needed ' "$WORKDIR/req-bad.out"
t_check_not "require, not met: the check after it never runs" grep -q 'the check after it' "$WORKDIR/req-bad.out"
XDPBLOCKD=$WORKDIR/refuses harness "$WORKDIR/start.out" \
	after_require "xdpblockd starts" daemon_start "$WORKDIR/x.conf"
t_check "require daemon_start, the daemon exits: the script ends with status 1" test $? -eq 1
t_check "require daemon_start, the daemon exits: FAIL, with its output" \
	grep -q 'FAIL: xdpblockd starts .*xdpblockd: error: refused' <(tr -d '\n' <"$WORKDIR/start.out")
t_check_not "require daemon_start, the daemon exits: nothing after it runs" \
	grep -q 'the check after it' "$WORKDIR/start.out"
DAEMON_PID=""

# --- wait_for reads again at each try
: >"$WORKDIR/late1.txt"
(sleep 0.5; echo 1 >>"$WORKDIR/late1.txt") &
t_check "wait_for udp_count_is: sees a datagram that comes late" wait_for 10 udp_count_is "$WORKDIR/late1.txt" 1
# the datagram comes once the argument has been expanded (the go file)
: >"$WORKDIR/late2.txt"
(wait_for 10 test -e "$WORKDIR/go"; echo 1 >>"$WORKDIR/late2.txt") &
t_check_not "wait_for test \"\$(udp_count ...)\": reads once, never sees it" \
	wait_for 2 test "$(udp_count "$WORKDIR/late2.txt"; touch "$WORKDIR/go")" -eq 1
t_check "... though it came" udp_count_is "$WORKDIR/late2.txt" 1
wait

t_done
