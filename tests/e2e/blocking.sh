#!/usr/bin/env bash
# End to end: a drop list (an IPv4 /24 and an IPv6 /48) and an allow list
# (hosts inside them) between a real client and a real server.
#   - blocked addresses: no ping, no TCP; allowed and unlisted ones: both
#   - stats attribute the hits to the right rules of the right lists, with
#     exact counts for a known number of pings, and interface totals
#   - lookup answers for blocked, allowed and unlisted addresses (JSON)
#   - status shows both interfaces attached and the lists' rule counts
. "$(dirname "$0")/../lib.sh"

BLOCKED4=203.0.113.10 ALLOWED4=203.0.113.20 OTHER4=198.51.100.2
BLOCKED6=2001:db8:3::3 ALLOWED6=2001:db8:3::20 OTHER6=2001:db8:2::2

lab_up || { t_fail "lab setup"; exit 1; }
server_addr $BLOCKED4/24
server_addr $ALLOWED4/24
server_addr $BLOCKED6/64
server_addr $ALLOWED6/64
tcp_server_start || { t_fail "TCP server setup"; exit 1; }

# Without the daemon every address answers: a failure later is the filter.
for a in $BLOCKED4 $ALLOWED4 $OTHER4 $BLOCKED6 $ALLOWED6 $OTHER6; do
	t_check "without xdpblockd: ping $a" ping_ok $a
	t_check "without xdpblockd: TCP to $a" tcp_ok $a
done

cat >"$WORKDIR/blocked.txt" <<EOF
# networks nobody may talk to
203.0.113.0/24
2001:db8:3::/48   # trailing comment
EOF
cat >"$WORKDIR/allowed.txt" <<EOF
203.0.113.20/32
# the IPv6 exception
2001:db8:3::20/128
EOF
write_config "$WORKDIR/xdpblock.conf" \
	"[list:blocked-nets]" "path = $WORKDIR/blocked.txt" "signature = none" "action = drop" \
	"[list:allowed-hosts]" "path = $WORKDIR/allowed.txt" "signature = none" "action = allow"
require "xdpblockd starts" daemon_start "$WORKDIR/xdpblock.conf"

# --- status
if ctl_json "$WORKDIR/status.json" status; then
	S=$WORKDIR/status.json
	for i in r0 r1; do
		t_check "status: $i attached" json_true "$S" \
			"[x for x in j['result']['interfaces'] if x['name'] == '$i' and x['attached'] and x['xdp_mode'] in ('native', 'generic')]"
		t_check "ip link: $i has an XDP program" xdp_attached $i
	done
	t_check "status: blocked-nets is drop/both with 1 IPv4 and 1 IPv6 rule" json_true "$S" \
		"[x for x in j['result']['lists'] if x['name'] == 'blocked-nets' and x['action'] == 'drop' and x['match'] == 'both' and x['rules_ipv4'] == 1 and x['rules_ipv6'] == 1 and x['path'] == '$WORKDIR/blocked.txt']"
	t_check "status: allowed-hosts is allow with 1 IPv4 and 1 IPv6 rule" json_true "$S" \
		"[x for x in j['result']['lists'] if x['name'] == 'allowed-hosts' and x['action'] == 'allow' and x['rules_ipv4'] == 1 and x['rules_ipv6'] == 1]"
	t_check "status: last reload ok" json_true "$S" "j['result']['last_reload']['ok'] and j['result']['generation'] == 1"
else
	t_fail "status --json answers"
fi
ctl status >"$WORKDIR/status.txt" 2>&1
t_check "status (text) names the lists and interfaces" \
	grep -q 'blocked-nets.*drop' "$WORKDIR/status.txt"

# --- traffic
for a in $BLOCKED4 $BLOCKED6; do
	t_check "blocked: no ping to $a" ping_blocked $a
	t_check "blocked: no TCP to $a" tcp_blocked $a
done
for a in $ALLOWED4 $ALLOWED6; do
	t_check "allowed inside the blocked net: ping $a" ping_ok $a
	t_check "allowed inside the blocked net: TCP to $a" tcp_ok $a
done
for a in $OTHER4 $OTHER6; do
	t_check "unlisted: ping $a" ping_ok $a
	t_check "unlisted: TCP to $a" tcp_ok $a
done

# --- stats: who got the hits
if ctl stats --json >"$WORKDIR/stats.json"; then
	J=$WORKDIR/stats.json
	rule_hit() { # LIST RULE ACTION
		json_true "$J" "[r for r in j['result']['rules'] if r['list'] == '$1' and r['rule'] == '$2' and r['action'] == '$3' and r['packets'] > 0 and r['bytes'] > 0]"
	}
	t_check "stats: hits on 203.0.113.0/24 of blocked-nets" rule_hit blocked-nets 203.0.113.0/24 drop
	t_check "stats: hits on 2001:db8:3::/48 of blocked-nets" rule_hit blocked-nets 2001:db8:3::/48 drop
	t_check "stats: hits on 203.0.113.20/32 of allowed-hosts" rule_hit allowed-hosts 203.0.113.20/32 allow
	t_check "stats: hits on 2001:db8:3::20/128 of allowed-hosts" rule_hit allowed-hosts 2001:db8:3::20/128 allow
	t_check "stats: rules carry path and line" json_true "$J" \
		"[r for r in j['result']['rules'] if r['rule'] == '2001:db8:3::/48' and r['path'] == '$WORKDIR/blocked.txt' and r['line'] == 3]"
	t_check "stats: no rule hits other than the four" json_true "$J" "len(j['result']['rules']) == 4"
	t_check "stats: list totals for blocked-nets and allowed-hosts" json_true "$J" \
		"all(l['packets'] > 0 for l in j['result']['lists'] if l['name'] in ('blocked-nets', 'allowed-hosts')) and len(j['result']['lists']) == 2"
	iface() { # IFACE VERDICT CONDITION
		json_true "$J" "[i for i in j['result']['interfaces'] if i['name'] == '$1' and i['$2']['packets'] $3]"
	}
	t_check "stats: r0 dropped packets" iface r0 drop "> 0"
	t_check "stats: r0 allowed packets" iface r0 allow "> 0"
	t_check "stats: r1 allowed packets (the replies)" iface r1 allow "> 0"
	t_check "stats: r0 passed unlisted packets" iface r0 pass "> 0"
	t_check "stats: totals add up the interfaces" json_true "$J" \
		"all(j['result']['totals'][v]['packets'] == sum(i[v]['packets'] for i in j['result']['interfaces']) for v in ('pass', 'drop', 'allow', 'monitor'))"
else
	t_fail "stats --json answers"
fi
ctl stats --limit 1 --json >"$WORKDIR/stats1.json"
t_check "stats --limit 1 lists one rule" json_true "$WORKDIR/stats1.json" "len(j['result']['rules']) == 1"
ctl stats >"$WORKDIR/stats.txt" 2>&1
t_check "stats (text) shows the rules with hits" \
	grep -q 'blocked-nets.*203\.0\.113\.0/24.*drop' "$WORKDIR/stats.txt"

# Exact counts: 3 echo requests to a blocked address are 3 drops on its
# rule; 3 pings to an allowed one are 3 requests plus 3 replies on its
# rule, and nothing on the blocking /24 behind it.
d0=$(rule_packets blocked-nets 203.0.113.0/24)
a0=$(rule_packets allowed-hosts 203.0.113.20/32)
ping_blocked $BLOCKED4
d1=$(rule_packets blocked-nets 203.0.113.0/24)
t_check "exact: 3 pings to $BLOCKED4 are 3 drops on 203.0.113.0/24 ($d0 -> $d1)" \
	test "$((d1 - d0))" -eq 3
in_client ping -n -q -c 3 -i 0.2 -w 10 $ALLOWED4 >/dev/null
a1=$(rule_packets allowed-hosts 203.0.113.20/32)
d2=$(rule_packets blocked-nets 203.0.113.0/24)
t_check "exact: 3 pings to $ALLOWED4 are 6 packets on 203.0.113.20/32 ($a0 -> $a1)" \
	test "$((a1 - a0))" -eq 6
t_check "exact: ... and none on the blocking 203.0.113.0/24 ($d1 -> $d2)" \
	test "$d2" -eq "$d1"

# --- lookup
lookup_is() { # ADDR LIST RULE ACTION LINE
	ctl --json lookup "$1" >"$WORKDIR/lookup.json" &&
		json_true "$WORKDIR/lookup.json" "j['ok'] and j['result']['address'] == '$1' and all(m is not None and m['list'] == '$2' and m['rule'] == '$3' and m['action'] == '$4' and m['line'] == $5 for m in (j['result']['as_source'], j['result']['as_destination']))"
}
lookup_none() { # ADDR
	ctl --json lookup "$1" >"$WORKDIR/lookup.json" &&
		json_true "$WORKDIR/lookup.json" "j['ok'] and j['result']['as_source'] is None and j['result']['as_destination'] is None"
}
t_check "lookup $BLOCKED4: drop by 203.0.113.0/24 of blocked-nets, line 2" \
	lookup_is $BLOCKED4 blocked-nets 203.0.113.0/24 drop 2
t_check "lookup $BLOCKED6: drop by 2001:db8:3::/48 of blocked-nets, line 3" \
	lookup_is $BLOCKED6 blocked-nets 2001:db8:3::/48 drop 3
t_check "lookup 2001:db8:3:ffff::1 (edge of the /48): drop" \
	lookup_is 2001:db8:3:ffff::1 blocked-nets 2001:db8:3::/48 drop 3
t_check "lookup $ALLOWED4: allow by 203.0.113.20/32 of allowed-hosts, line 1" \
	lookup_is $ALLOWED4 allowed-hosts 203.0.113.20/32 allow 1
t_check "lookup $ALLOWED6: allow by 2001:db8:3::20/128 of allowed-hosts, line 3" \
	lookup_is $ALLOWED6 allowed-hosts 2001:db8:3::20/128 allow 3
for a in $OTHER4 $OTHER6 203.0.114.1 2001:db8:4::1; do
	t_check "lookup $a: no rule" lookup_none $a
done
ctl lookup $BLOCKED4 >"$WORKDIR/lookup.txt" 2>&1
t_check "lookup (text) names rule, list and file:line" \
	grep -q "drop by rule 203.0.113.0/24 of list blocked-nets ($WORKDIR/blocked.txt:2)" "$WORKDIR/lookup.txt"
t_check_not "lookup of '300.1.2.3' (neither address nor name) fails" ctl lookup 300.1.2.3
t_check_not "lookup of 'bad..name' (an invalid name) fails" ctl lookup bad..name
# the documented spellings: options after the command and its argument
ctl lookup $ALLOWED4 --json >"$WORKDIR/lookup2.json" 2>&1
t_check "'lookup ADDR --json' answers JSON" json_true "$WORKDIR/lookup2.json" \
	"j['ok'] and j['result']['as_destination']['rule'] == '203.0.113.20/32'"
ctl stats --limit 0 --json >"$WORKDIR/stats0.json" 2>&1
t_check "'stats --limit 0 --json' lists every rule with hits" json_true "$WORKDIR/stats0.json" \
	"len(j['result']['rules']) == 4"

# Privacy: after all that traffic, the daemon's log names rules, lists and
# interfaces, never a packet's address (the lists' own prefixes are rules).
daemon_stop
t_check "the daemon logged something (the check below has text to search)" \
	test -s "$WORKDIR/daemon.log"
for addr in 192.0.2.2 2001:db8:1::2 203.0.113.10 203.0.113.20 198.51.100.2 \
	2001:db8:2::2 2001:db8:3::3; do
	t_check_not "the daemon log has no traffic address $addr" \
		grep -qF "$addr" "$WORKDIR/daemon.log"
done

t_done
