#!/usr/bin/env bash
# End to end: no subscriber address reaches the log, even at debug level.
# The daemon runs with -v through a session of blocked, allowed, monitored
# and passing traffic (ping, TCP, UDP; IPv4 and IPv6; several client and
# server addresses), reloads (good, failing, SIGHUP, changed lists),
# lookups, status and stats. Then its whole output is searched for every
# address that was a packet's source or destination, in every spelling a
# program might print (IPv4 dotted and as hex in either byte order,
# IPv4-mapped IPv6, IPv6 compressed, full, zero-padded), as a whole token.
# No traffic address is written in any list: the lists' prefixes are
# rules and may be logged; a traffic address can only come from a packet.
# The search is run on doctored copies of the log as well, to show that it
# finds each address in each spelling and does not flag near misses.
. "$(dirname "$0")/../lib.sh"

# server: blocked, allowed inside a blocked range, monitored, passing
B4=203.0.113.10 A4=203.0.113.150 M6=2001:db8:2::2 P4=198.51.100.2
B6=2001:db8:3::10 P6=2001:db8:4::20
# client: the lab's own and one more of each family
C4=192.0.2.2 C4B=192.0.2.77 C6=2001:db8:1::2 C6B=2001:db8:1::77
TRAFFIC="$B4 $A4 $P4 $B6 $M6 $P6 $C4 $C4B $C6 $C6B"

lab_up || { t_fail "lab setup"; exit 1; }
server_addr $B4/24 && server_addr $A4/24 && server_addr $B6/64 &&
	server_addr $P6/64 && client_addr $C4B/24 && client_addr $C6B/64 ||
	{ t_fail "extra addresses"; exit 1; }

printf '203.0.113.0/24\n2001:db8:3::/48\n' >"$WORKDIR/blocked.txt"
printf '203.0.113.128/25\n' >"$WORKDIR/allowed.txt"
printf '2001:db8:2::/64\n' >"$WORKDIR/watch.txt"
write_config "$WORKDIR/x.conf" \
	"[list:blocked]" "signature = none" "path = $WORKDIR/blocked.txt" \
	"[list:allowed]" "signature = none" "path = $WORKDIR/allowed.txt" "action = allow" \
	"[list:watch]" "signature = none" "path = $WORKDIR/watch.txt" "action = monitor" "match = dst"
for a in $TRAFFIC; do
	if grep -qF "$a" "$WORKDIR"/*.txt "$WORKDIR/x.conf"; then
		t_fail "test setup: traffic address $a is written in a list or the config"
	fi
done

# the daemon with -v: lib.sh starts $XDPBLOCKD -c CONFIG
printf '#!/bin/sh\nexec %s -v "$@"\n' "$XDPBLOCKD" >"$WORKDIR/xdpblockd-v"
chmod +x "$WORKDIR/xdpblockd-v"
XDPBLOCKD=$WORKDIR/xdpblockd-v
require "xdpblockd -v starts" daemon_start "$WORKDIR/x.conf"

# --- traffic
t_check "ping $B4: blocked" ping_blocked $B4
t_check "ping $B4 from $C4B: blocked" ping_blocked $B4 -I $C4B
t_check "ping $A4: allowed" ping_ok $A4
t_check "ping $P4 from $C4B: passes" ping_ok $P4 -I $C4B
t_check "ping $B6: blocked" ping_blocked $B6
t_check "ping $M6 from $C6B: passes, monitored" ping_ok $M6 -I $C6B
t_check "ping $P6: passes" ping_ok $P6
tcp_server_start || t_fail "TCP server starts"
t_check "TCP to $P4: connects" tcp_ok $P4
t_check "TCP to $A4: connects" tcp_ok $A4
t_check "TCP to $M6: connects" tcp_ok $M6
t_check "TCP to $B4: blocked" tcp_blocked $B4
t_check "TCP to $B6: blocked" tcp_blocked $B6
udp_sink in_server $P4 5353 "$WORKDIR/udp4.txt" || t_fail "UDP sink on $P4"
udp_sink in_server $P6 5353 "$WORKDIR/udp6.txt" || t_fail "UDP sink on $P6"
udp_send in_client $C4B $P4 5353 5
udp_send in_client $C6B $P6 5353 5
udp_send in_client $C4 $B4 5353 5
udp_send in_client $C6 $B6 5353 5
t_check "UDP $C4B -> $P4: 5 datagrams arrive" wait_for 10 udp_count_is "$WORKDIR/udp4.txt" 5
t_check "UDP $C6B -> $P6: 5 datagrams arrive" wait_for 10 udp_count_is "$WORKDIR/udp6.txt" 5

# --- control: reloads of every kind, lookups of rule addresses, counters
t_check "xdpblockctl reload" ctl reload
printf 'not-an-address\n' >>"$WORKDIR/watch.txt"
t_check_not "xdpblockctl reload of a bad list fails" ctl reload
sed -i '$d' "$WORKDIR/watch.txt"
printf '198.51.100.128/25\n' >>"$WORKDIR/blocked.txt"
kill -HUP "$DAEMON_PID"
t_check "SIGHUP reload" daemon_wait_reloads 4
t_check "reload with a changed list" ctl reload
for a in 203.0.113.99 203.0.113.200 2001:db8:3::99 198.51.100.200; do
	t_check "lookup $a (inside a rule, never traffic)" ctl lookup $a
done
t_check "status" ctl status
t_check "stats" ctl stats --limit 0
t_check "the traffic was seen: drops counted" test "$(iface_packets r0 drop)" -gt 0
t_check "the traffic was seen: passes counted" test "$(iface_packets r0 pass)" -gt 0
t_check "the traffic was seen: allow counted" test "$(iface_packets r0 allow)" -gt 0
t_check "the traffic was seen: monitor counted" test "$(iface_packets r0 monitor)" -gt 0
daemon_stop
cp "$WORKDIR/daemon.log" "$WORKDIR/log.txt"

# --- the search (addresses_in: lib.sh)
t_check "the log has debug lines (-v was in effect)" grep -q ': debug: ' "$WORKDIR/log.txt"
t_check "the log has the session's reloads" \
	test "$(grep -c 'rules active: generation' "$WORKDIR/log.txt")" -ge 4
# shellcheck disable=SC2086
found=$(addresses_in "$WORKDIR/log.txt" $TRAFFIC | tr '\n' ' ')
t_check "no traffic address in the daemon's output (found: ${found:-none})" test -z "$found"
for a in $TRAFFIC; do
	t_check_not "no $a in the daemon's output" test -n "$(addresses_in "$WORKDIR/log.txt" "$a")"
done

# --- the search can fail: each spelling planted in a copy is found ...
"$PYTHON" - "$TRAFFIC" >"$WORKDIR/planted.txt" <<-'PY'
import ipaddress, sys
for a in sys.argv[1].split():
    ip = ipaddress.ip_address(a)
    if ip.version == 4:
        forms = [str(ip), "::ffff:" + str(ip), ip.packed.hex(), ip.packed[::-1].hex().upper()]
    else:
        forms = [ip.compressed, ip.exploded.upper(),
                 ":".join("%x" % int(g, 16) for g in ip.exploded.split(":"))]
    for f in forms:
        print(a, f)
PY
missed=""
while read -r a form; do
	{ cat "$WORKDIR/log.txt"; echo "xdpblockd: debug: packet from $form, dropped."; } >"$WORKDIR/doctored.txt"
	[ -n "$(addresses_in "$WORKDIR/doctored.txt" "$a")" ] || missed="$missed $form"
done <"$WORKDIR/planted.txt"
t_check "planted in a copy of the log, every spelling of every address is found (missed:${missed:- none})" \
	test -z "$missed" -a -s "$WORKDIR/planted.txt"
# ... and near misses are not: longer addresses, rule prefixes
{
	cat "$WORKDIR/log.txt"
	echo "rule 203.0.113.0/24 203.0.113.100 2001:db8:3::/48 2001:db8:3::100 192.0.2.21"
	echo "198.51.100.21 1.203.0.113.10 2001:db8:4::200 a2001:db8:1::2"
} >"$WORKDIR/nearmiss.txt"
# shellcheck disable=SC2086
t_check "near misses (longer addresses, rules) are not taken for traffic addresses" \
	test -z "$(addresses_in "$WORKDIR/nearmiss.txt" $TRAFFIC)"

t_done
