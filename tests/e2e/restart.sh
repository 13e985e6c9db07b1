#!/usr/bin/env bash
# End to end: filtering without a gap across daemon restarts (pinning).
# A client sends a steady UDP stream to a blocked target and to a control
# address through the whole test; the target must receive nothing, ever.
#   - kill -9: the pinned program goes on filtering; a new daemon adopts
#     it, and the rule, list and reload counters continue
#   - xdpblockctl stop --keep-attached, and xdpblockd --keep-attached +
#     SIGTERM: the same
#   - a restart with a bad list: the adopted rules stay, status says why
#   - another daemon on the same pin_path (other socket) is refused
#   - a restart with another capacity: fresh maps, still no gap
#   - a plain stop detaches and unpins; xdpblockctl cleanup removes what a
#     killed daemon left (and refuses while a daemon owns the pins)
. "$(dirname "$0")/../lib.sh"

TARGET=203.0.113.10
CONTROL=198.51.100.2
PORT=9999
lab_up || { t_fail "lab setup"; exit 1; }
server_addr $TARGET/24
printf '# restart test\n203.0.113.0/24\n2001:db8:99::/48\n' >"$WORKDIR/block.txt"
write_config "$WORKDIR/xdpblock.conf" "[list:block]" "signature = none" "path = $WORKDIR/block.txt"
PIN=$(pin_dir)

udp_sink in_server $TARGET $PORT "$WORKDIR/target.txt" &&
	udp_sink in_server $CONTROL $PORT "$WORKDIR/control.txt" ||
	{ t_fail "UDP sinks"; exit 1; }
count_at_least() { [ "$(udp_count "$1")" -ge "$2" ]; }
udp_send in_client 192.0.2.2 $TARGET $PORT 3
t_check "without xdpblockd: the target receives" wait_for 10 count_at_least "$WORKDIR/target.txt" 3
TARGET_BASE=$(udp_count "$WORKDIR/target.txt")

# stream: one datagram to the target and one to the control every ~2 ms
# until $WORKDIR/stop exists
stream() {
	in_client "$PYTHON" - "$TARGET" "$CONTROL" $PORT "$WORKDIR/stop" <<'EOF'
import os, socket, sys, time
target, control, port, stop = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 0))
n = 0
while not os.path.exists(stop):
    for dst in (target, control):
        try:
            s.sendto(b"%d\n" % n, (dst, port))
        except OSError:
            pass
    n += 1
    time.sleep(0.002)
EOF
}

# target_untouched : the target has received nothing since the daemon came
target_untouched() { [ "$(udp_count "$WORKDIR/target.txt")" -eq "$TARGET_BASE" ]; }
# control_flows : the control receives more within 10 s
control_flows() {
	local c0
	c0=$(udp_count "$WORKDIR/control.txt")
	wait_for 10 count_at_least "$WORKDIR/control.txt" $((c0 + 50))
}
rule_drops() { rule_packets block 203.0.113.0/24; }
# A rule no stream touches: exactly the pings the test sends count on it.
V6_PROBE=2001:db8:99::1
V6_EXPECTED=0
v6_probe() {
	ping_blocked $V6_PROBE && V6_EXPECTED=$((V6_EXPECTED + 3))
}
v6_count_is_expected() {
	[ "$(rule_packets block 2001:db8:99::/48)" -eq "$V6_EXPECTED" ]
}
rule_above() { [ "$(rule_drops)" -gt "$1" ]; }
reloads() { status_field "r['reloads_total']"; }
# attached_both : r0 and r1 have an XDP program
attached_both() { xdp_attached r0 && xdp_attached r1; }
# daemon_gone NAME : the daemon exited 0 by itself
daemon_gone() {
	if daemon_wait_exit; then
		t_check "$1: exit status 0" test "$DAEMON_RC" -eq 0
	else
		t_fail "$1: the daemon exits"
	fi
}
# still_filtering NAME : with no daemon, the program is attached, the
# state pinned, and the stream's target gets nothing while the control does
still_filtering() {
	t_check "$1: XDP stays attached on r0 and r1" attached_both
	t_check "$1: the state stays pinned" test -e "$PIN/meta" -a -e "$PIN/link_r0"
	t_check "$1: the control still receives" control_flows
	t_check "$1: the target received nothing" target_untouched
}
# adopted NAME DROPS RELOADS : a new daemon took over, counters continued
adopted() {
	t_check "$1: the new daemon says it adopted the running datapath" \
		grep -q "adopted the running datapath" "$WORKDIR/daemon.log"
	t_check "$1: the quiet rule's counter continued exactly ($V6_EXPECTED)" v6_count_is_expected
	t_check "$1: the busy rule's counter continued (> $2) and grows" wait_for 10 rule_above "$2"
	t_check "$1: the quiet rule still blocks and counts" v6_probe
	t_check "$1: ... exactly ($V6_EXPECTED)" v6_count_is_expected
	t_check "$1: reloads_total continued ($3 before)" test "$(reloads)" -gt "$3"
	t_check "$1: status shows r0 and r1 attached" \
		test "$(status_field "sorted((i['name'], i['attached']) for i in r['interfaces'])")" = \
		"[('r0', True), ('r1', True)]"
}

require "xdpblockd starts" daemon_start "$WORKDIR/xdpblock.conf"
t_check "pins: meta, maps and a link per interface under pin_path" \
	test -e "$PIN/meta" -a -e "$PIN/link_r0" -a -e "$PIN/link_r1" -a -e "$PIN/rule_stats" -a -e "$PIN/active_gen"
stream &
STREAM_PID=$!
t_check "the stream flows: the control receives" control_flows
t_check "the stream flows: the rule counts drops" wait_for 20 rule_above 0
t_check "the quiet rule blocks" v6_probe
t_check "the quiet rule counts exactly ($V6_EXPECTED)" v6_count_is_expected

# --- kill -9
drops=$(rule_drops)
nreloads=$(reloads)
kill -KILL "$DAEMON_PID"
daemon_wait_exit
: >"$WORKDIR/daemon.log"
still_filtering "kill -9"
require "kill -9: a new daemon starts" daemon_start "$WORKDIR/xdpblock.conf"
adopted "kill -9" "$drops" "$nreloads"
t_check "kill -9: the new daemon moved the links to its program (ids differ from before)" \
	grep -q 'adopted the running XDP link' "$WORKDIR/daemon.log"

# --- xdpblockctl stop --keep-attached
drops=$(rule_drops)
nreloads=$(reloads)
ctl stop --keep-attached >"$WORKDIR/stop.out" 2>&1
t_check "stop --keep-attached: answered" test $? -eq 0
t_check "stop --keep-attached: says XDP stays attached" \
	grep -q 'xdpblockd stopping; XDP stays attached with the current rules' "$WORKDIR/stop.out"
daemon_gone "stop --keep-attached"
: >"$WORKDIR/daemon.log"
still_filtering "stop --keep-attached"
require "stop --keep-attached: a new daemon starts" daemon_start "$WORKDIR/xdpblock.conf"
adopted "stop --keep-attached" "$drops" "$nreloads"

# --- a restart with a bad list: the adopted rules stay active
drops=$(rule_drops)
kill -KILL "$DAEMON_PID"
daemon_wait_exit
: >"$WORKDIR/daemon.log"
cp "$WORKDIR/block.txt" "$WORKDIR/block.good"
printf 'not-an-address\n' >>"$WORKDIR/block.txt"
require "bad list at restart: the daemon still starts" daemon_start "$WORKDIR/xdpblock.conf"
ctl status >"$WORKDIR/status.txt"
t_check "bad list at restart: status names the bad line" grep -q 'block.txt:4' "$WORKDIR/status.txt"
t_check "bad list at restart: the adopted rule still counts" wait_for 10 rule_above "$drops"
t_check "bad list at restart: the target received nothing" target_untouched
cp "$WORKDIR/block.good" "$WORKDIR/block.txt"
t_check "bad list at restart: fixed, the reload succeeds" ctl reload

# --- another daemon on the same pin_path, with its own socket
sed -e "s|^control_socket = .*|control_socket = $WORKDIR/other.sock|" \
	-e "s|^pin_path = .*|&\nmetrics_listen = off|" \
	"$WORKDIR/xdpblock.conf" >"$WORKDIR/other.conf"
daemon_refuses "same pin_path, other socket" "$WORKDIR/other.conf" "$WORKDIR/other.out"
t_check "same pin_path: says another xdpblockd uses it" \
	grep -q "another xdpblockd uses pin_path $PIN" "$WORKDIR/other.out"
t_check "same pin_path: the first daemon still answers" ctl status
t_check "same pin_path: the pins are intact" test -e "$PIN/meta" -a -e "$PIN/link_r0"

# --- a plain stop unpins; its totals are carried to the next daemon
list_pkts() { ctl_json "$WORKDIR/ls.json" stats && json_get "$WORKDIR/ls.json" "[l['packets'] for l in j['result']['lists'] if l['name'] == 'block'][0]"; }
L0=$(list_pkts)
I0=$(iface_packets r0 drop)
R0=$(reloads)
daemon_stop
: >"$WORKDIR/daemon.log"
t_check "plain SIGTERM: detached" wait_for 5 sh -c "! ip -n '$(ns r)' link show | grep -q prog/xdp"
t_check_not "plain SIGTERM: pin_path removed" test -e "$PIN"
t_check "plain SIGTERM: the totals are kept in state_dir (>= $L0)" \
	test "$(awk '$1 == "list" && $2 == "block" { print $3 }' "$WORKDIR/state/counters")" -ge "$L0"
nsenter --net=/run/netns/"$(ns r)" "$XDPBLOCKD" --keep-attached \
	-c "$WORKDIR/xdpblock.conf" >>"$WORKDIR/daemon.log" 2>&1 &
DAEMON_PID=$!
require "--keep-attached: the daemon starts" wait_for 20 ctl status
t_check "after a plain stop: the list counter goes on from $L0" test "$(list_pkts)" -ge "$L0"
t_check "after a plain stop: r0's drop counter goes on from $I0" test "$(iface_packets r0 drop)" -ge "$I0"
t_check "after a plain stop: reloads_total goes on ($R0 + 1)" test "$(reloads)" -eq $((R0 + 1))
t_check_not "after a plain stop: the carried totals are used once (file gone)" test -e "$WORKDIR/state/counters"
t_check "--keep-attached: the rule counts drops" wait_for 20 rule_above 0
V6_EXPECTED=0
t_check "--keep-attached: the quiet rule counts from zero" v6_probe
# what reached the target while nothing filtered has arrived by now
sleep 0.5
TARGET_BASE=$(udp_count "$WORKDIR/target.txt")
drops=$(rule_drops)
nreloads=$(reloads)
kill -TERM "$DAEMON_PID"
daemon_gone "--keep-attached + SIGTERM"
still_filtering "--keep-attached + SIGTERM"
: >"$WORKDIR/daemon.log"
require "--keep-attached: a new daemon starts" daemon_start "$WORKDIR/xdpblock.conf"
adopted "--keep-attached + SIGTERM" "$drops" "$nreloads"

# --- a restart with another capacity: fresh maps, no gap
kill -KILL "$DAEMON_PID"
daemon_wait_exit
: >"$WORKDIR/daemon.log"
MAX_RULES_V4=50000 write_config "$WORKDIR/bigger.conf" "[list:block]" "signature = none" "path = $WORKDIR/block.txt"
require "other capacity: the daemon starts" daemon_start "$WORKDIR/bigger.conf"
t_check "other capacity: it says it starts fresh" grep -q 'starting with fresh maps' "$WORKDIR/daemon.log"
t_check "other capacity: the links were adopted (no gap)" grep -q 'adopted the running XDP link' "$WORKDIR/daemon.log"
t_check "other capacity: the rule counts again" wait_for 20 rule_above 0
t_check "other capacity: the target received nothing" target_untouched

# --- cleanup after kill -9
kill -KILL "$DAEMON_PID"
daemon_wait_exit
nsenter --net=/run/netns/"$(ns r)" "$XDPBLOCKD" -c "$WORKDIR/bigger.conf" \
	>>"$WORKDIR/daemon.log" 2>&1 &
DAEMON_PID=$!
require "cleanup: a daemon owns the pins" wait_for 20 ctl status
"$XDPBLOCKCTL" cleanup --pin-path "$PIN" >"$WORKDIR/cleanup.out" 2>&1
t_check "cleanup while a daemon owns the pins: refused" test $? -eq 1
t_check "cleanup while a daemon owns the pins: says why" \
	grep -q 'is running with pin_path' "$WORKDIR/cleanup.out"
t_check "cleanup while a daemon owns the pins: nothing removed" test -e "$PIN/link_r0"
kill -KILL "$DAEMON_PID"
daemon_wait_exit
touch "$WORKDIR/stop"
wait "$STREAM_PID"
"$XDPBLOCKCTL" --json cleanup --pin-path "$PIN" >"$WORKDIR/cleanup.json"
t_check "cleanup: names the detached interfaces" \
	json_true "$WORKDIR/cleanup.json" "sorted(j['detached']) == ['r0', 'r1'] and j['removed'] > 5"
t_check_not "cleanup: pin_path removed" test -e "$PIN"
t_check "cleanup: no XDP program left" wait_for 5 sh -c "! ip -n '$(ns r)' link show | grep -q prog/xdp"
t_check "cleanup: the target is reachable again" ping_ok $TARGET
t_check "cleanup again: nothing to do, exit 0" sh -c "'$XDPBLOCKCTL' cleanup --pin-path '$PIN' | grep -q 'nothing pinned'"
t_check "through it all, the target received nothing while filtered" \
	test "$(udp_count "$WORKDIR/target.txt")" -eq "$TARGET_BASE"

# --- a plain xdpblockctl stop: detaches and unpins
require "plain stop: a daemon starts" daemon_start "$WORKDIR/xdpblock.conf"
ctl stop >"$WORKDIR/stop.out" 2>&1
t_check "plain stop: answered" test $? -eq 0
t_check "plain stop: says it stops, nothing about staying attached" \
	sh -c "grep -qx 'xdpblockd stopping' '$WORKDIR/stop.out'"
daemon_gone "plain stop"
t_check "plain stop: no XDP program left" sh -c "! ip -n '$(ns r)' link show | grep -q prog/xdp"
t_check_not "plain stop: pin_path removed" test -e "$PIN"
t_done
