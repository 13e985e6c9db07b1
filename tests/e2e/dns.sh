#!/usr/bin/env bash
# End to end: domain lists against a real DNS server (dnsmasq) and a real
# client (dig), UDP and TCP, IPv4 and IPv6.
#   - example.com as a suffix rule and exact.example.net as an exact rule
#     (action nxdomain): dig gets NXDOMAIN at once for www.example.com and
#     exact.example.net, the real answer for sub.exact.example.net and
#     example.org; the reply's question, flags and EDNS are checked. The
#     server holds an address for every blocked name (shown first, without
#     the daemon), and each blocked query is one packet on its rule
#   - refused, drop and sinkhole lists (A/AAAA get the notice address,
#     other types NODATA); an allow rule inside the blocked suffix
#   - over TCP a reply action is answered by the router in the server's
#     place (the answer carries FIN; the client's next segment closes the
#     server's side with a RST), others resolve
#   - stats attribute every block to its rule; lookup explains names
#   - a malformed query is counted as malformed_dns and passes
#   - the daemon's log never names a queried name
. "$(dirname "$0")/../lib.sh"

SERVER4=198.51.100.2 SERVER6=2001:db8:2::2

lab_up || { t_fail "lab setup"; exit 1; }
client_xdp_pass || { t_fail "XDP pass program on the client's veth"; exit 1; }
dns_server_start \
	www.example.com,203.0.113.80,2001:db8:80::80 \
	deep.a.b.c.d.www.example.com,203.0.113.88,2001:db8:80::88 \
	example.com,203.0.113.89,2001:db8:80::89 \
	ok.example.com,203.0.113.84 \
	exact.example.net,203.0.113.81,2001:db8:80::81 \
	sub.exact.example.net,203.0.113.82,2001:db8:80::82 \
	example.org,203.0.113.83 \
	refused.example.net,203.0.113.85 \
	dropped.example.net,203.0.113.86 \
	wwwexample.com,203.0.113.87 ||
	{ t_fail "DNS server setup"; exit 1; }

# answer OUT ADDR : dig's answer section holds ADDR
answer() { grep -qE "IN[[:space:]]+(A|AAAA)[[:space:]]+$2\$" "$1"; }
status_is() { grep -q "status: $2," "$1"; }

# Without the daemon every name blocked below resolves, over both
# families, to the server's address: a failure later is the filter.
# BLOCKED_NAMES: NAME RULE(of dns-block) ADDR4 ADDR6
BLOCKED_NAMES="www.example.com example.com 203.0.113.80 2001:db8:80::80
WWW.Example.COM. example.com 203.0.113.80 2001:db8:80::80
deep.a.b.c.d.www.example.com example.com 203.0.113.88 2001:db8:80::88
example.com example.com 203.0.113.89 2001:db8:80::89
exact.example.net exact.example.net 203.0.113.81 2001:db8:80::81"
# resolves SERVER NAME TYPE ADDR : dig gets NOERROR and ADDR (the first
# query of a family may be lost while the lab's neighbours are resolved:
# this is the precondition, asked for until it holds)
resolves() {
	dig_query "$WORKDIR/d.out" "$1" "$2" "$3" &&
		status_is "$WORKDIR/d.out" NOERROR && answer "$WORKDIR/d.out" "$4"
}
while read -r n _ a4 a6; do
	t_check "without xdpblockd: $n A is NOERROR, $a4" wait_for 10 resolves $SERVER4 "$n" A "$a4"
	t_check "without xdpblockd: $n AAAA over IPv6 is NOERROR, $a6" \
		wait_for 10 resolves $SERVER6 "$n" AAAA "$a6"
done <<<"$BLOCKED_NAMES"

cat >"$WORKDIR/block.txt" <<EOF2
# suffix: the name and everything below it
example.com
# exact: this name only
=exact.example.net
EOF2
printf 'suffix:refused.example.net\n' >"$WORKDIR/refused.txt"
printf 'dropped.example.net\n' >"$WORKDIR/dropped.txt"
printf 'exact:OK.Example.COM.\n' >"$WORKDIR/allow.txt"
printf 'sink.example.net\n' >"$WORKDIR/sink.txt"
write_config "$WORKDIR/xdpblock.conf" \
	"[list:dns-block]" "signature = none" "path = $WORKDIR/block.txt" "action = nxdomain" \
	"[list:dns-refused]" "signature = none" "path = $WORKDIR/refused.txt" "type = domain" "action = refused" \
	"[list:dns-drop]" "signature = none" "path = $WORKDIR/dropped.txt" "type = domain" "action = drop" \
	"[list:dns-allow]" "signature = none" "path = $WORKDIR/allow.txt" "type = domain" "action = allow" \
	"[list:dns-sink]" "signature = none" "path = $WORKDIR/sink.txt" "type = domain" "action = sinkhole" \
	"sinkhole_ipv4 = 203.0.113.99" "sinkhole_ipv6 = 2001:db8:99::99"
daemon_start "$WORKDIR/xdpblock.conf" || { t_fail "xdpblockd starts"; exit 1; }

ctl_json "$WORKDIR/status.json" status
t_check "status: dns-block is a domain list with 2 rules (type detected)" \
	json_true "$WORKDIR/status.json" \
	"[l for l in j['result']['lists'] if l['name'] == 'dns-block' and l['type'] == 'domain' and l['rules_domain'] == 2 and l['action'] == 'nxdomain']"

# query_time OUT : dig's "Query time", printed (never a pass/fail criterion)
query_time() { sed -n 's/^;; Query time: \([0-9]*\) msec.*/\1/p' "$1"; }

# --- the blocked names: NXDOMAIN from the router, at once, each query
# (one packet: dig tries once) counted on its rule
for fam in 4 6; do
	server=$SERVER4 type=A
	[ $fam = 6 ] && server=$SERVER6 type=AAAA
	while read -r n rule _; do
		out=$WORKDIR/q.out
		before=$(rule_packets dns-block "$rule")
		dig_query "$out" "$server" "$n" $type
		t_check "IPv$fam UDP: $n gets NXDOMAIN" status_is "$out" NXDOMAIN
		t_check "IPv$fam UDP: $n: no answer" grep -q 'ANSWER: 0,' "$out"
		rule_count_check "IPv$fam UDP: $n" dns-block "$rule" "$before" 1
		echo "    dig $n $type over IPv$fam: answered in $(query_time "$out") ms"
	done <<<"$BLOCKED_NAMES"
done
dig_query "$WORKDIR/q.out" $SERVER4 www.example.com A
Q=$WORKDIR/q.out
t_check "reply: flags qr rd ra" grep -q 'flags: qr rd ra;' "$Q"
t_check "reply: the question is kept, no answer" grep -q 'QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1' "$Q"
t_check "reply: question section names the query" grep -qE '^;www\.example\.com\.[[:space:]]+IN[[:space:]]+A$' "$Q"
t_check "reply: an EDNS OPT record (udp 1232)" grep -q 'EDNS: version: 0, flags:; udp: 1232' "$Q"
dig_query "$Q" $SERVER4 www.example.com A +noedns
t_check "reply without EDNS: no additional record" grep -q 'QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 0' "$Q"
t_check "reply without EDNS: NXDOMAIN" status_is "$Q" NXDOMAIN
dig_query "$Q" $SERVER4 www.example.com A +dnssec
t_check "reply to a DO query: DO echoed" grep -q 'EDNS: version: 0, flags: do; udp: 1232' "$Q"

# --- other actions and the allow rule
dig_query "$Q" $SERVER4 refused.example.net A
t_check "refused list: REFUSED" status_is "$Q" REFUSED
dig_query "$Q" $SERVER4 dropped.example.net A
rc=$?
t_check "drop list: no answer at all (dig times out, status $rc)" test "$rc" -eq 9
dig_query "$Q" $SERVER4 ok.example.com A
t_check "allow rule inside the blocked suffix: ok.example.com resolves" answer "$Q" 203.0.113.84

# --- sinkhole: the notice address, from the router, for A and AAAA
for server in $SERVER4 $SERVER6; do
	dig_query "$Q" $server www.sink.example.net A
	t_check "sinkhole via $server: www.sink.example.net A is 203.0.113.99" answer "$Q" 203.0.113.99
	dig_query "$Q" $server WWW.Sink.Example.NET. AAAA
	t_check "sinkhole via $server: AAAA is 2001:db8:99::99" answer "$Q" 2001:db8:99::99
done
t_check "sinkhole: NOERROR, one answer" sh -c "grep -q 'status: NOERROR,' '$Q' && grep -q 'ANSWER: 1,' '$Q'"
dig_query "$Q" $SERVER4 sink.example.net MX
t_check "sinkhole: MX gets NOERROR without an answer (NODATA)" sh -c "grep -q 'status: NOERROR,' '$Q' && grep -q 'ANSWER: 0,' '$Q'"

# --- names that are not blocked resolve, with the server's answer
for fam in 4 6; do
	server=$SERVER4 type=A addr=203.0.113.82
	[ $fam = 6 ] && server=$SERVER6 type=AAAA addr=2001:db8:80::82
	dig_query "$Q" $server sub.exact.example.net $type
	t_check "IPv$fam UDP: sub.exact.example.net resolves (exact rule only)" answer "$Q" $addr
done
dig_query "$Q" $SERVER4 example.org A
t_check "UDP: example.org resolves" answer "$Q" 203.0.113.83
dig_query "$Q" $SERVER4 wwwexample.com A
t_check "UDP: wwwexample.com (not below example.com) resolves" answer "$Q" 203.0.113.87

# --- TCP: the router answers in the server's place (the answer carries
# FIN: the server never saw the query); others resolve
for fam in 4 6; do
	server=$SERVER4 type=A
	[ $fam = 6 ] && server=$SERVER6 type=AAAA
	dig_query "$Q" $server www.example.com $type +tcp
	t_check "IPv$fam TCP: www.example.com gets NXDOMAIN" status_is "$Q" NXDOMAIN
	t_check "IPv$fam TCP: the question is kept, EDNS answered" \
		grep -q 'QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1' "$Q"
	echo "    dig +tcp www.example.com $type over IPv$fam: answered in $(query_time "$Q") ms"
done
# the server never saw those queries: the client's next segment after the
# answer reached it as a RST, so it holds no connection for them; and the
# client's FIN was acknowledged, so the client holds none either
server_tcp53() { in_server ss -Htn state established state close-wait '( sport = :53 )' | wc -l; }
client_tcp53() { in_client ss -Htn state fin-wait-1 state fin-wait-2 state last-ack state closing '( dport = :53 )' | wc -l; }
no_server_tcp53() { [ "$(server_tcp53)" -eq 0 ]; }
no_client_tcp53() { [ "$(client_tcp53)" -eq 0 ]; }
t_check "TCP: the server holds no connection for the answered queries" wait_for 5 no_server_tcp53
t_check "TCP: the client holds no half-closed connection" wait_for 5 no_client_tcp53
dig_query "$Q" $SERVER4 refused.example.net A +tcp +dnssec
t_check "TCP: refused list: REFUSED" status_is "$Q" REFUSED
t_check "TCP: DO echoed" grep -q 'EDNS: version: 0, flags: do; udp: 1232' "$Q"
dig_query "$Q" $SERVER6 www.sink.example.net AAAA +tcp
t_check "TCP over IPv6: sinkhole AAAA is 2001:db8:99::99" answer "$Q" 2001:db8:99::99
n0=$(rule_packets dns-block exact.example.net)
for _ in 1 2 3; do dig_query "$Q" $SERVER4 exact.example.net A +tcp; done
n1=$(rule_packets dns-block exact.example.net)
t_check "TCP: 3 queries for exact.example.net are 3 hits on its rule ($n0 -> $n1)" test "$((n1 - n0))" -eq 3
t_check "TCP: the last of them got NXDOMAIN" status_is "$Q" NXDOMAIN
dig_query "$Q" $SERVER4 sub.exact.example.net A +tcp
t_check "TCP: sub.exact.example.net resolves" answer "$Q" 203.0.113.82
dig_query "$Q" $SERVER6 example.org A +tcp
t_check "TCP over IPv6: example.org resolves" answer "$Q" 203.0.113.83

# --- a malformed query (a compression pointer in the question) passes
mal0=$(iface_packets r0 malformed_dns)
in_client "$PYTHON" -c '
import socket
q = bytes.fromhex("abcd01000001000000000000") + b"\x03www\xc0\x0c" + b"\x00\x01\x00\x01"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(q, ("198.51.100.2", 53))
'
malformed_counted() { [ "$(iface_packets r0 malformed_dns)" -eq "$((mal0 + 1))" ]; }
t_check "malformed query counted as malformed_dns on r0 (was $mal0)" wait_for 5 malformed_counted

# --- stats: every block on its rule
ctl stats --json >"$WORKDIR/stats.json"
J=$WORKDIR/stats.json
rule_hit() { # LIST RULE KIND ACTION
	json_true "$J" "[r for r in j['result']['rules'] if r['list'] == '$1' and r['rule'] == '$2' and r['kind'] == '$3' and r['action'] == '$4' and r['packets'] > 0]"
}
t_check "stats: example.com (suffix) of dns-block has the www hits" rule_hit dns-block example.com suffix nxdomain
t_check "stats: exact.example.net (exact) of dns-block" rule_hit dns-block exact.example.net exact nxdomain
t_check "stats: refused.example.net of dns-refused" rule_hit dns-refused refused.example.net suffix refused
t_check "stats: dropped.example.net of dns-drop" rule_hit dns-drop dropped.example.net suffix drop
t_check "stats: ok.example.com of dns-allow" rule_hit dns-allow ok.example.com exact allow
t_check "stats: sink.example.net of dns-sink" rule_hit dns-sink sink.example.net suffix sinkhole
t_check "stats: r0 counted nxdomain replies" json_true "$J" \
	"[i for i in j['result']['interfaces'] if i['name'] == 'r0' and i['nxdomain']['packets'] > 0 and i['refused']['packets'] > 0]"
n0=$(rule_packets dns-block exact.example.net)
for _ in 1 2 3; do dig_query "$Q" $SERVER4 exact.example.net A; done
n1=$(rule_packets dns-block exact.example.net)
t_check "exact: 3 queries for exact.example.net are 3 hits on its rule ($n0 -> $n1)" test "$((n1 - n0))" -eq 3
ctl stats >"$WORKDIR/stats.txt"
t_check "stats (text) shows the exact rule as =exact.example.net" grep -q 'dns-block *=exact.example.net *nxdomain' "$WORKDIR/stats.txt"

# --- metrics: domain rules per list, replies per interface, malformed kind
in_router curl -sf http://127.0.0.1:9469/metrics >"$WORKDIR/metrics.txt"
t_check "metrics: promtool check metrics is clean" sh -c "promtool check metrics <'$WORKDIR/metrics.txt'"
t_check "metrics: dns-block has its 2 domain rules" \
	grep -qx 'xdpblock_list_rules{list="dns-block",family="domain"} 2' "$WORKDIR/metrics.txt"
t_check "metrics: r0 counted nxdomain replies" \
	grep -Eq '^xdpblock_interface_packets_total\{interface="r0",action="nxdomain"\} [1-9]' "$WORKDIR/metrics.txt"
t_check "metrics: the malformed query, kind dns" \
	grep -Eq '^xdpblock_interface_malformed_packets_total\{interface="r0",kind="dns"\} [1-9]' "$WORKDIR/metrics.txt"

# --- lookup
lookup_name() { # NAME LIST RULE KIND ACTION
	ctl --json lookup "$1" >"$WORKDIR/l.json" &&
		json_true "$WORKDIR/l.json" "j['ok'] and j['result']['match'] is not None and j['result']['match']['list'] == '$2' and j['result']['match']['rule'] == '$3' and j['result']['match']['kind'] == '$4' and j['result']['match']['action'] == '$5'"
}
lookup_none() {
	ctl --json lookup "$1" >"$WORKDIR/l.json" &&
		json_true "$WORKDIR/l.json" "j['ok'] and j['result']['match'] is None"
}
t_check "lookup www.example.com: suffix rule example.com" lookup_name www.example.com dns-block example.com suffix nxdomain
t_check "lookup EXACT.example.NET.: exact rule" lookup_name EXACT.example.NET. dns-block exact.example.net exact nxdomain
t_check "lookup ok.example.com: the allow rule" lookup_name ok.example.com dns-allow ok.example.com exact allow
t_check "lookup sub.exact.example.net: no rule" lookup_none sub.exact.example.net
t_check "lookup example.org: no rule" lookup_none example.org
ctl lookup www.example.com >"$WORKDIR/l.txt" 2>&1
t_check "lookup (text) says how" grep -q "nxdomain by suffix rule example.com of list dns-block ($WORKDIR/block.txt:2): suffix rule of a parent name" "$WORKDIR/l.txt"

# --- a daemon killed and restarted adopts the pinned domain rules: the
# replies go on meanwhile and the domain rule counters continue
c0=$(rule_packets dns-block exact.example.net)
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=""
dig_query "$Q" $SERVER4 exact.example.net A
t_check "no daemon: exact.example.net still gets NXDOMAIN" status_is "$Q" NXDOMAIN
require "xdpblockd restarts" daemon_start "$WORKDIR/xdpblock.conf"
t_check "restart: the new daemon adopted the running datapath" \
	grep -q "adopted the running datapath.* 6 domain rules" "$WORKDIR/daemon.log"
c1=$(rule_packets dns-block exact.example.net)
t_check "restart: the exact rule's counter continued ($c0 -> $c1, one query in between)" \
	test "$c1" -eq "$((c0 + 1))"

# Privacy: queried names never reach the log (rule names are not queries)
daemon_stop
for n in www.example.com deep.a.b.c.d sub.exact example.org ok.example; do
	t_check_not "the daemon log has no queried name $n" grep -qi "$n" "$WORKDIR/daemon.log"
done

t_done
