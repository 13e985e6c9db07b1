#!/usr/bin/env bash
# End to end: what xdpblockd tells systemd (sd_notify), read off a real
# notification socket as systemd would see it.
#   - READY=1 only once the rules are active and the interfaces attached,
#     with a STATUS line
#   - WATCHDOG=1 keeps coming when WATCHDOG_USEC is set
#   - a reload: RELOADING=1 (with MONOTONIC_USEC), then READY=1; a failed
#     reload also ends with READY=1, its STATUS saying it failed
#   - SIGTERM: STOPPING=1
. "$(dirname "$0")/../lib.sh"

lab_up || { t_fail "lab setup"; exit 1; }
printf '203.0.113.0/24\n' >"$WORKDIR/block.txt"
write_config "$WORKDIR/xdpblock.conf" "[list:block]" "signature = none" "path = $WORKDIR/block.txt"
SOCK=$WORKDIR/notify.sock
MSGS=$WORKDIR/notify.log

require "notification socket" notify_listen "$SOCK" "$MSGS"

# seen PATTERN : a message matching PATTERN (grep -E) arrived
seen() { grep -Eq "$1" "$MSGS"; }
count() { grep -Ec "$1" "$MSGS"; }
# after A B : the first match of B comes after the last match of A
after() {
	local a b
	a=$(grep -En "$1" "$MSGS" | tail -1 | cut -d: -f1)
	b=$(grep -En "$2" "$MSGS" | tail -1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ]
}

NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=400000 require "xdpblockd starts" daemon_start "$WORKDIR/xdpblock.conf"
t_check "READY=1 sent" wait_for 5 seen '^READY=1'
t_check "READY=1 comes with a STATUS line naming rules and interfaces" \
	seen '^READY=1 \| STATUS=generation 1: 1 IPv4, 0 IPv6 and 0 domain rules from 1 list\(s\), 2 of 2 interface\(s\) attached$'
t_check "no READY before the rules were active (first message is READY)" \
	sh -c "head -1 '$MSGS' | grep -q '^READY=1'"

# the watchdog: 400 ms, so a ping every 200 ms or sooner; how often is a
# timing, not checked: only that they keep coming
count_at_least() { [ "$(count "$1")" -ge "$2" ]; }
w0=$(count '^WATCHDOG=1$')
t_check "WATCHDOG=1 keeps coming (4 more after $w0)" wait_for 20 count_at_least '^WATCHDOG=1$' $((w0 + 4))

# a reload
t_check "reload: xdpblockctl reload succeeds" ctl reload
t_check "reload: RELOADING=1 with MONOTONIC_USEC" seen '^RELOADING=1 \| MONOTONIC_USEC=[0-9]+'
t_check "reload: READY=1 follows RELOADING=1" after '^RELOADING=1' '^READY=1 \| STATUS=generation 2:'

# a failed reload still ends with READY=1, and STATUS says what failed
printf 'not-an-address\n' >>"$WORKDIR/block.txt"
t_check_not "failed reload: xdpblockctl reload fails" ctl reload
t_check "failed reload: READY=1 follows, STATUS names the failure" \
	after '^RELOADING=1' '^READY=1 \| STATUS=generation 2: .*last reload failed: list block: .*block.txt:2'

# SIGTERM
kill -TERM "$DAEMON_PID"
daemon_wait_exit
t_check "SIGTERM: STOPPING=1 sent" seen '^STOPPING=1'
t_check "SIGTERM: STOPPING=1 is the last message" sh -c "tail -1 '$MSGS' | grep -q '^STOPPING=1'"
t_done
