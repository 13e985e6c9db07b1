#!/usr/bin/env bash
# End to end: configured interfaces that come and go (rtnetlink events).
#   - an interface in the config that does not exist yet does not stop the
#     daemon; status says it is waiting
#   - when it appears it is attached (measured: how long after it appeared)
#     and filters real traffic
#   - deleted: reported in status and the log, the daemon keeps running
#     and keeps filtering elsewhere
#   - re-created: attached again, filters again
#   - an interface that is not configured is left alone
. "$(dirname "$0")/../lib.sh"

# a listed destination the client reaches through hp0 (the server's): not
# the router's own address on hp0, which is protected (xdpblock.conf(5),
# PROTECTED ADDRESSES) and never dropped by an address rule
PROBE=2001:db8:2::2
HP0_ADDR=2001:db8:3::1 # the router's address on hp0
lab_up || { t_fail "lab setup"; exit 1; }
printf '203.0.113.0/24\n%s/128\n' $PROBE >"$WORKDIR/block.txt"
write_config "$WORKDIR/xdpblock.conf" "[list:block]" "signature = none" "path = $WORKDIR/block.txt" \
	"[daemon]" "interfaces = hp0"

# hp_create : the veth pair hp0 (router) - hp1 (client), with addresses,
# and the client's route to PROBE through it
hp_create() {
	ip link add hp0 netns "$(ns r)" type veth peer name hp1 netns "$(ns c)" &&
		ip -n "$(ns r)" addr add $HP0_ADDR/64 dev hp0 nodad &&
		ip -n "$(ns c)" addr add 2001:db8:3::2/64 dev hp1 nodad &&
		ip -n "$(ns r)" link set hp0 up && ip -n "$(ns c)" link set hp1 up &&
		ip -n "$(ns c)" -6 route replace $PROBE/128 via $HP0_ADDR dev hp1
}
hp_attached() {
	test "$(status_field "[i['attached'] for i in r['interfaces'] if i['name'] == 'hp0'][0]")" = True
}
hp_detached_in_status() {
	test "$(status_field "[i['attached'] for i in r['interfaces'] if i['name'] == 'hp0'][0]")" = False
}
now_ms() { date +%s%3N; }
# attach_latency T0 : ms from T0 until ip link shows a program on hp0
# (polled every 10 ms, 10 s at most); prints it, fails on timeout. An upper
# bound: it includes the polling and the ip commands that set hp0 up.
attach_latency() {
	local t0=$1 t
	for _ in $(seq 1000); do
		if ip -n "$(ns r)" link show dev hp0 2>/dev/null | grep -q prog/xdp; then
			t=$(now_ms)
			echo $((t - t0))
			return 0
		fi
		sleep 0.01
	done
	return 1
}
probe_drops() { rule_packets block $PROBE/128; }

require "xdpblockd starts although hp0 does not exist yet" daemon_start "$WORKDIR/xdpblock.conf"
t_check "status: r0 and r1 attached, hp0 waiting" \
	test "$(status_field "sorted((i['name'], i['attached']) for i in r['interfaces'])")" = \
	"[('hp0', False), ('r0', True), ('r1', True)]"
t_check "status: hp0's error says it is waiting for it" \
	test "$(status_field "[i.get('error', '') for i in r['interfaces'] if i['name'] == 'hp0'][0]")" != ""
ctl status >"$WORKDIR/status.txt"
t_check "status (text): hp0 is waiting" grep -q 'hp0.*waiting' "$WORKDIR/status.txt"

# --- hp0 appears
t0=$(now_ms)
hp_create || t_fail "create hp0"
if ms=$(attach_latency "$t0"); then
	t_pass "hp0 appears: XDP attached"
	echo "# hp0 attached $ms ms after it was created"
	echo "$ms" >>"$WORKDIR/latencies"
else
	t_fail "hp0 appears: XDP attached"
fi
t_check "hp0 appears: status shows it attached" wait_for 5 hp_attached
t_check "hp0 appears: the log says so" grep -q 'hp0: attached' "$WORKDIR/daemon.log"
t_check "hp0 appears: traffic to the listed address is dropped" ping_blocked $PROBE
t_check "hp0 appears: ... and counted" test "$(probe_drops)" -eq 3

# --- an interface that is not configured appears, then hp0 is deleted:
# the daemon reads link events in order, so once it has seen hp0 go, it
# has seen hp2 come (no fixed wait for something that must not happen)
ip link add hp2 netns "$(ns r)" type veth peer name hp3 netns "$(ns c)"
ip -n "$(ns r)" link set hp2 up
ip -n "$(ns r)" link del hp0
t_check "hp0 deleted: status shows it detached" wait_for 5 hp_detached_in_status
t_check_not "hp2 (not configured): left alone" xdp_attached hp2
t_check "hp2 (not configured): not in status" \
	test "$(status_field "'hp2' in [i['name'] for i in r['interfaces']]")" = False
t_check "hp0 deleted: the log reports it" grep -q 'hp0: interface went away' "$WORKDIR/daemon.log"
t_check "hp0 deleted: the daemon keeps running" kill -0 "$DAEMON_PID"
t_check "hp0 deleted: r0 still filters" ping_blocked 203.0.113.10

# --- hp0 is re-created (a new ifindex)
t0=$(now_ms)
hp_create || t_fail "re-create hp0"
if ms=$(attach_latency "$t0"); then
	t_pass "hp0 re-created: XDP attached again"
	echo "# hp0 re-attached $ms ms after it was re-created"
	echo "$ms" >>"$WORKDIR/latencies"
else
	t_fail "hp0 re-created: XDP attached again"
fi
t_check "hp0 re-created: status shows it attached" wait_for 5 hp_attached
t_check "hp0 re-created: traffic to the listed address is dropped" ping_blocked $PROBE
t_check "hp0 re-created: the rule counts on (3 + 3)" test "$(probe_drops)" -eq 6

# --- a plain stop detaches hp0 too
daemon_stop
t_check_not "stop: hp0 detached" xdp_attached hp0
echo "# attach latencies (ms): $(tr '\n' ' ' <"$WORKDIR/latencies" 2>/dev/null)"
t_done
