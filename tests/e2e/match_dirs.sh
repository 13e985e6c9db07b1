#!/usr/bin/env bash
# End to end: which address of a packet a list is matched against.
# XDP runs on ingress of r0 (what the client sends) and r1 (what the server
# sends), so one-way UDP (no replies that could be dropped instead) shows
# each direction on its own:
#   match = dst  (to-servers: 203.0.113.0/24, 2001:db8:3::/48)
#       client -> server net dropped; server net -> client delivered
#   match = src  (from-clients: 192.0.2.50/32, 2001:db8:5::50/128)
#       client .50 -> server dropped; server -> client .50 delivered
#       (2001:db8:5::50 sits behind the client, not on the r0 link: an
#       on-link IPv6 host in a src list cannot be reached at all, as its
#       neighbour advertisements come from the listed address)
#   action = monitor (watch: 198.51.100.99/32, 2001:db8:2::99/128)
#       counted on the rule, interface and list, delivered; drop beats it
# Drops are asserted as "the rule counted exactly the packets sent, and
# none arrived", so no test waits for something not to happen.
. "$(dirname "$0")/../lib.sh"

N=5 # datagrams per one-way flow
PORT=9000

lab_up || { t_fail "lab setup"; exit 1; }
server_addr 203.0.113.10/24
server_addr 2001:db8:3::3/64
server_addr 198.51.100.99/24
server_addr 2001:db8:2::99/64
client_addr 192.0.2.50/24
client_addr 2001:db8:5::50/64
tcp_server_start || { t_fail "TCP server setup"; exit 1; }

cat >"$WORKDIR/servers.txt" <<EOF
203.0.113.0/24
2001:db8:3::/48
EOF
cat >"$WORKDIR/clients.txt" <<EOF
192.0.2.50
2001:db8:5::50
EOF
cat >"$WORKDIR/watch.txt" <<EOF
198.51.100.99/32
2001:db8:2::99/128
EOF
write_config "$WORKDIR/xdpblock.conf" \
	"[list:to-servers]" "path = $WORKDIR/servers.txt" "signature = none" "action = drop" "match = dst" \
	"[list:from-clients]" "path = $WORKDIR/clients.txt" "signature = none" "action = drop" "match = src" \
	"[list:watch]" "path = $WORKDIR/watch.txt" "signature = none" "action = monitor" "match = both"

# Sinks: where one-way datagrams land (files count them, one line each)
udp_sink in_server 203.0.113.10 $PORT "$WORKDIR/s-203.txt" &&
	udp_sink in_server 2001:db8:3::3 $PORT "$WORKDIR/s-3-3.txt" &&
	udp_sink in_server 198.51.100.2 $PORT "$WORKDIR/s-198.txt" &&
	udp_sink in_server 2001:db8:2::2 $PORT "$WORKDIR/s-2-2.txt" &&
	udp_sink in_server 198.51.100.99 $PORT "$WORKDIR/s-99.txt" &&
	udp_sink in_client 192.0.2.2 $PORT "$WORKDIR/c-2.txt" &&
	udp_sink in_client 2001:db8:1::2 $PORT "$WORKDIR/c-1-2.txt" &&
	udp_sink in_client 192.0.2.50 $PORT "$WORKDIR/c-50.txt" &&
	udp_sink in_client 2001:db8:5::50 $PORT "$WORKDIR/c-1-50.txt" ||
	{ t_fail "UDP sinks"; exit 1; }

# count_is FILE N : the sink has received exactly N datagrams
count_is() { [ "$(udp_count "$1")" -eq "$2" ]; }
# rule_is LIST RULE N : the rule has counted exactly N packets
rule_is() { [ "$(rule_packets "$1" "$2")" -eq "$3" ]; }
rule_at_least() { [ "$(rule_packets "$1" "$2")" -ge "$3" ]; }
iface_is() { [ "$(iface_packets "$1" "$2")" -eq "$3" ]; }

# flow_delivered NAME NSFUNC SRC DST SINK : N datagrams all arrive
flow_delivered() {
	local before
	before=$(udp_count "$5")
	udp_send "$2" "$3" "$4" $PORT $N
	if wait_for 10 count_is "$5" $((before + N)); then
		t_pass "$1: $N/$N delivered"
	else
		t_fail "$1" "$(($(udp_count "$5") - before)) of $N delivered"
	fi
}

# flow_dropped NAME NSFUNC SRC DST SINK LIST RULE : the N datagrams are all
# counted on LIST's RULE (exactly N for IPv4; IPv6 may add neighbour
# solicitations from a listed source), and none arrives
flow_dropped() {
	local before r0 r1
	before=$(udp_count "$5")
	r0=$(rule_packets "$6" "$7")
	udp_send "$2" "$3" "$4" $PORT $N
	if wait_for 10 rule_at_least "$6" "$7" $((r0 + N)); then
		r1=$(rule_packets "$6" "$7")
		case $4 in
		*:*) t_pass "$1: $N/$N counted as drops on $7 of $6" ;;
		*) t_check "$1: $N/$N counted as drops on $7 of $6 ($r0 -> $r1)" \
			test $((r1 - r0)) -eq $N ;;
		esac
	else
		r1=$(rule_packets "$6" "$7")
		t_fail "$1: drops counted on $7 of $6" "$((r1 - r0)) instead of $N"
	fi
	t_check "$1: none delivered" count_is "$5" "$before"
}

# Before the daemon: every flow below is delivered.
flow_delivered "without xdpblockd: client -> 203.0.113.10" in_client 192.0.2.2 203.0.113.10 "$WORKDIR/s-203.txt"
flow_delivered "without xdpblockd: client .50 -> 198.51.100.2" in_client 192.0.2.50 198.51.100.2 "$WORKDIR/s-198.txt"
flow_delivered "without xdpblockd: client ::50 -> 2001:db8:2::2" in_client 2001:db8:5::50 2001:db8:2::2 "$WORKDIR/s-2-2.txt"
flow_delivered "without xdpblockd: client -> 2001:db8:3::3" in_client 2001:db8:1::2 2001:db8:3::3 "$WORKDIR/s-3-3.txt"

require "xdpblockd starts" daemon_start "$WORKDIR/xdpblock.conf"
ctl_json "$WORKDIR/status.json" status
t_check "status: match directions as configured" json_true "$WORKDIR/status.json" \
	"{l['name']: l['match'] for l in j['result']['lists']} == {'to-servers': 'dst', 'from-clients': 'src', 'watch': 'both'}"

# --- match = dst
flow_dropped "dst list: client -> 203.0.113.10" in_client 192.0.2.2 203.0.113.10 \
	"$WORKDIR/s-203.txt" to-servers 203.0.113.0/24
flow_dropped "dst list: client -> 2001:db8:3::3" in_client 2001:db8:1::2 2001:db8:3::3 \
	"$WORKDIR/s-3-3.txt" to-servers 2001:db8:3::/48
t_check "dst list: no ping to 203.0.113.10" ping_blocked 203.0.113.10
t_check "dst list: no TCP to 203.0.113.10" tcp_blocked 203.0.113.10
r4=$(rule_packets to-servers 203.0.113.0/24)
r6=$(rule_packets to-servers 2001:db8:3::/48)
flow_delivered "dst list: 203.0.113.10 -> client (source not matched)" in_server 203.0.113.10 192.0.2.2 "$WORKDIR/c-2.txt"
flow_delivered "dst list: 2001:db8:3::3 -> client (source not matched)" in_server 2001:db8:3::3 2001:db8:1::2 "$WORKDIR/c-1-2.txt"
t_check "dst list: those were not counted on 203.0.113.0/24" rule_is to-servers 203.0.113.0/24 "$r4"
t_check "dst list: ... nor on 2001:db8:3::/48" rule_is to-servers 2001:db8:3::/48 "$r6"

# --- match = src
flow_dropped "src list: client .50 -> 198.51.100.2" in_client 192.0.2.50 198.51.100.2 \
	"$WORKDIR/s-198.txt" from-clients 192.0.2.50/32
flow_dropped "src list: client ::50 -> 2001:db8:2::2" in_client 2001:db8:5::50 2001:db8:2::2 \
	"$WORKDIR/s-2-2.txt" from-clients 2001:db8:5::50/128
t_check "src list: no ping from 192.0.2.50" ping_blocked 198.51.100.2 -I 192.0.2.50
r4=$(rule_packets from-clients 192.0.2.50/32)
flow_delivered "src list: server -> client .50 (destination not matched)" in_server 198.51.100.2 192.0.2.50 "$WORKDIR/c-50.txt"
flow_delivered "src list: server -> client ::50 (destination not matched)" in_server 2001:db8:2::2 2001:db8:5::50 "$WORKDIR/c-1-50.txt"
t_check "src list: those were not counted on 192.0.2.50/32" rule_is from-clients 192.0.2.50/32 "$r4"
# (the IPv6 rule is not checked the same way: the client's own neighbour
# solicitations may come from the listed source at any time)
t_check "src list: r1 dropped nothing sent by the server" iface_is r1 drop 0
t_check "src list: the client's other address still works (ping)" ping_ok 198.51.100.2
t_check "src list: the client's other address still works (TCP)" tcp_ok 198.51.100.2

# --- action = monitor
m0=$(rule_packets watch 198.51.100.99/32)
t_check "monitor: ping 198.51.100.99 passes" ping_ok 198.51.100.99
t_check "monitor: TCP to 198.51.100.99 passes" tcp_ok 198.51.100.99
t_check "monitor: ping 2001:db8:2::99 passes" ping_ok 2001:db8:2::99
m1=$(rule_packets watch 198.51.100.99/32)
in_client ping -n -q -c 3 -i 0.2 -w 10 198.51.100.99 >/dev/null
m2=$(rule_packets watch 198.51.100.99/32)
t_check "monitor: hits counted on 198.51.100.99/32 of watch ($m0 -> $m1)" test "$m1" -gt "$m0"
t_check "monitor: 3 pings are 6 packets on the rule, both directions ($m1 -> $m2)" \
	test $((m2 - m1)) -eq 6
t_check "monitor: hits counted on 2001:db8:2::99/128 of watch" \
	test "$(rule_packets watch 2001:db8:2::99/128)" -gt 0
ctl stats --json >"$WORKDIR/stats.json"
t_check "monitor: rule entry says action monitor" json_true "$WORKDIR/stats.json" \
	"[r for r in j['result']['rules'] if r['list'] == 'watch' and r['action'] == 'monitor' and r['packets'] > 0]"
t_check "monitor: list total of watch" json_true "$WORKDIR/stats.json" \
	"[l for l in j['result']['lists'] if l['name'] == 'watch' and l['action'] == 'monitor' and l['packets'] > 0]"
t_check "monitor: r0 and r1 count monitor verdicts" json_true "$WORKDIR/stats.json" \
	"all(i['monitor']['packets'] > 0 for i in j['result']['interfaces'])"
w0=$(rule_packets watch 198.51.100.99/32)
flow_dropped "drop beats monitor: client .50 -> 198.51.100.99" in_client 192.0.2.50 198.51.100.99 \
	"$WORKDIR/s-99.txt" from-clients 192.0.2.50/32
t_check "drop beats monitor: not counted on the monitor rule" rule_is watch 198.51.100.99/32 "$w0"

# --- lookup reflects the directions
lookup_dirs() { # ADDR SRC-RULE|- DST-RULE|-
	ctl --json lookup "$1" >"$WORKDIR/lookup.json" &&
		json_true "$WORKDIR/lookup.json" "[(m or {}).get('rule', '-') for m in (j['result']['as_source'], j['result']['as_destination'])] == ['$2', '$3']"
}
t_check "lookup 203.0.113.10: destination only" lookup_dirs 203.0.113.10 - 203.0.113.0/24
t_check "lookup 2001:db8:3::3: destination only" lookup_dirs 2001:db8:3::3 - 2001:db8:3::/48
t_check "lookup 192.0.2.50: source only" lookup_dirs 192.0.2.50 192.0.2.50/32 -
t_check "lookup 2001:db8:5::50: source only" lookup_dirs 2001:db8:5::50 2001:db8:5::50/128 -
t_check "lookup 198.51.100.99: both (monitor)" lookup_dirs 198.51.100.99 198.51.100.99/32 198.51.100.99/32
t_check "lookup 192.0.2.2: none" lookup_dirs 192.0.2.2 - -

t_done
