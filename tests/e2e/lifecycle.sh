#!/usr/bin/env bash
# End to end: the daemon's life.
#   - xdpblockctl with no daemon: "not running", non-zero
#   - xdp_mode = auto on veth: native; ip link shows the program
#   - a second daemon on the same socket refuses to start, the first one
#     goes on undisturbed (same config; and other interfaces, same socket)
#   - SIGTERM: exit status 0, programs detached (ip link shows no xdp),
#     control socket removed, filtering gone
#   - SIGKILL: the pinned program keeps filtering; the stale socket does not stop the
#     next daemon, which adopts it; SIGINT stops that one, detaches and unpins
#   - xdp_mode = generic and native: attached in that mode, and filtering
. "$(dirname "$0")/../lib.sh"

BLOCKED=203.0.113.10
lab_up || { t_fail "lab setup"; exit 1; }
server_addr $BLOCKED/24
printf '203.0.113.0/24\n' >"$WORKDIR/block.txt"
write_config "$WORKDIR/xdpblock.conf" "[list:block]" "path = $WORKDIR/block.txt" "signature = none"
SOCK=$WORKDIR/control.sock

# no_xdp_left : `ip link show` of r0 and r1 mentions no xdp at all
no_xdp_left() {
	! ip -n "$(ns r)" link show dev r0 | grep -q xdp &&
		! ip -n "$(ns r)" link show dev r1 | grep -q xdp
}
# not_running : xdpblockctl status fails saying "not running"
not_running() {
	! ctl status >"$WORKDIR/ctl.out" 2>&1 && grep -q 'not running' "$WORKDIR/ctl.out"
}
mode_is() { # MODE : status shows both interfaces attached in MODE
	test "$(status_field "sorted((i['name'], i['attached'], i['xdp_mode']) for i in r['interfaces'])")" = \
		"[('r0', True, '$1'), ('r1', True, '$1')]"
}

# --- no daemon
t_check "no daemon: xdpblockctl status says not running, exits non-zero" not_running
t_check_not "no daemon: xdpblockctl reload fails too" ctl reload
t_check "no daemon: $BLOCKED reachable" ping_ok $BLOCKED

# --- auto mode
require "xdpblockd starts" daemon_start "$WORKDIR/xdpblock.conf"
t_check "auto: status pid is the daemon's" test "$(status_field "r['pid']")" -eq "$DAEMON_PID"
t_check "auto: attached in native mode on veth" mode_is native
t_check "auto: ip link shows XDP on r0" xdp_attached r0
t_check "auto: ip link shows XDP on r1" xdp_attached r1
t_check "auto: $BLOCKED blocked" ping_blocked $BLOCKED

# --- a second daemon, same config
daemon_refuses "second daemon (same config)" "$WORKDIR/xdpblock.conf" "$WORKDIR/second.out"
t_check "second daemon (same config): says what is in the way" \
	grep -Eq 'another xdpblockd is running|already has an XDP program attached' "$WORKDIR/second.out"
t_check "second daemon (same config): the first still answers, same pid" \
	test "$(status_field "r['pid']")" -eq "$DAEMON_PID"
t_check "second daemon (same config): r0 and r1 still filtered" ping_blocked $BLOCKED

# --- a second daemon on other interfaces, same socket
ip -n "$(ns r)" link add xb2 type veth peer name xb3 &&
	ip -n "$(ns r)" link set xb2 up && ip -n "$(ns r)" link set xb3 up
sed 's/^interfaces = .*/interfaces = xb2/' "$WORKDIR/xdpblock.conf" >"$WORKDIR/other.conf"
daemon_refuses "second daemon (same socket)" "$WORKDIR/other.conf" "$WORKDIR/second.out"
t_check "second daemon (same socket): says another xdpblockd is running on it" \
	grep -qF "another xdpblockd is running on $SOCK" "$WORKDIR/second.out"
t_check_not "second daemon (same socket): left no XDP program on xb2" xdp_attached xb2
t_check "second daemon (same socket): the socket still belongs to the first" \
	test "$(status_field "r['pid']")" -eq "$DAEMON_PID"

# --- SIGTERM
kill -TERM "$DAEMON_PID"
pid=$DAEMON_PID
if daemon_wait_exit; then
	t_check "SIGTERM: exit status 0" test "$DAEMON_RC" -eq 0
else
	t_fail "SIGTERM: the daemon exits" "pid $pid still running after 20 s"
fi
t_check "SIGTERM: no XDP program left on r0 and r1" no_xdp_left
t_check_not "SIGTERM: control socket removed" test -e "$SOCK"
t_check "SIGTERM: xdpblockctl says not running" not_running
t_check "SIGTERM: $BLOCKED reachable again" ping_ok $BLOCKED
t_check "SIGTERM: the log says it shut down" grep -q 'SIGTERM' "$WORKDIR/daemon.log"

# --- SIGKILL, then a new daemon over the stale socket, then SIGINT
require "restart after SIGTERM" daemon_start "$WORKDIR/xdpblock.conf"
kill -KILL "$DAEMON_PID"
daemon_wait_exit
t_check "SIGKILL: the pinned program still filters" ping_blocked $BLOCKED
t_check "SIGKILL: stale socket left behind" test -S "$SOCK"
t_check "SIGKILL: xdpblockctl says not running" not_running
if daemon_start "$WORKDIR/xdpblock.conf"; then
	t_pass "SIGKILL: a new daemon starts over the stale socket"
	t_check "SIGKILL: ... and filters" ping_blocked $BLOCKED
	kill -INT "$DAEMON_PID"
	if daemon_wait_exit; then
		t_check "SIGINT: exit status 0" test "$DAEMON_RC" -eq 0
	else
		t_fail "SIGINT: the daemon exits"
	fi
	t_check "SIGINT: no XDP program left" no_xdp_left
	t_check_not "SIGINT: control socket removed" test -e "$SOCK"
	t_check_not "SIGINT: pinned state removed" test -e "$(pin_dir)"
else
	t_fail "SIGKILL: a new daemon starts over the stale socket"
fi

# --- auto falls back to generic where the driver has no native XDP
# (a bridge device has none; repeated 'interfaces' add up)
ip -n "$(ns r)" link add dm0 type bridge && ip -n "$(ns r)" link set dm0 up ||
	t_fail "auto fallback: cannot create a bridge device for the test"
write_config "$WORKDIR/dummy.conf" "[list:block]" "path = $WORKDIR/block.txt" "signature = none" \
	"[daemon]" "interfaces = dm0"
if daemon_start "$WORKDIR/dummy.conf"; then
	t_check "auto: dm0 (a bridge: no native XDP) falls back to generic, r0 stays native" \
		test "$(status_field "sorted((i['name'], i['attached'], i['xdp_mode']) for i in r['interfaces'])")" = \
		"[('dm0', True, 'generic'), ('r0', True, 'native'), ('r1', True, 'native')]"
	t_check "auto: ip link shows xdpgeneric on dm0" \
		sh -c "ip -n '$(ns r)' link show dev dm0 | grep -q xdpgeneric"
	daemon_stop
else
	t_fail "auto with a bridge device: xdpblockd starts"
fi

# --- forced modes
for mode in generic native; do
	XDP_MODE=$mode write_config "$WORKDIR/$mode.conf" "[list:block]" "path = $WORKDIR/block.txt" "signature = none"
	if ! daemon_start "$WORKDIR/$mode.conf"; then
		t_fail "xdp_mode = $mode: xdpblockd starts"
		continue
	fi
	t_check "xdp_mode = $mode: status says $mode on r0 and r1" mode_is $mode
	ctl status >"$WORKDIR/status.txt"
	t_check "xdp_mode = $mode: status (text) says xdp $mode" grep -q "r0 .* xdp $mode" "$WORKDIR/status.txt"
	if [ $mode = generic ]; then
		t_check "xdp_mode = generic: ip link shows xdpgeneric" \
			sh -c "ip -n '$(ns r)' link show dev r0 | grep -q xdpgeneric"
	else
		t_check_not "xdp_mode = native: ip link shows no xdpgeneric" \
			sh -c "ip -n '$(ns r)' link show dev r0 | grep -q xdpgeneric"
	fi
	d0=$(rule_packets block 203.0.113.0/24)
	t_check "xdp_mode = $mode: $BLOCKED blocked" ping_blocked $BLOCKED
	t_check "xdp_mode = $mode: the drops are counted" test "$(rule_packets block 203.0.113.0/24)" -eq $((d0 + 3))
	t_check "xdp_mode = $mode: 198.51.100.2 reachable" ping_ok 198.51.100.2
	kill -TERM "$DAEMON_PID"
	daemon_wait_exit
	t_check "xdp_mode = $mode: SIGTERM exits 0 and detaches" \
		sh -c "[ '$DAEMON_RC' = 0 ] && ! ip -n '$(ns r)' link show | grep -q prog/xdp"
done

t_done
