#!/usr/bin/env bash
# End to end: what the operator can read names no subscriber. After real
# traffic from the client's addresses (blocked, allowed, monitored and
# passing; IPv4 and IPv6; ping, TCP, UDP), DNS queries and HTTP and HTTPS
# requests (names in no list, names below a listed suffix), every output
# of xdpblockctl status, stats and top (plain and --json), the metrics
# server's /metrics and /top, and the daemon's log are searched for
#   - every address that was a packet's source or destination, in every
#     spelling (addresses_in, lib.sh), and
#   - every name that was queried or requested but is in no list: each
#     has a label of its own (zq...), searched for in any case, as text
#     and as hex.
# Lists name rules, and rules may be shown: no traffic address or queried
# name is written in a list. The search is shown to find what is planted
# in a copy of the outputs.
. "$(dirname "$0")/../lib.sh"

# server: blocked, allowed inside a blocked range, monitored, passing
B4=203.0.113.10 A4=203.0.113.150 M6=2001:db8:2::2 P4=198.51.100.2
B6=2001:db8:3::10 P6=2001:db8:4::20
# client: the lab's own and one more of each family
C4=192.0.2.2 C4B=192.0.2.77 C6=2001:db8:1::2 C6B=2001:db8:1::77
TRAFFIC="$B4 $A4 $P4 $B6 $M6 $P6 $C4 $C4B $C6 $C6B"
# queried names: passing, below a blocked suffix (DNS), below a dropped
# suffix (web); the DNS and web servers answer on $P4 and $M6
N_PASS=zq1pass.example.net N_DNS=zq2below.example.com N_WEB=zq3web.example.org
NAMES="$N_PASS $N_DNS $N_WEB"
LABELS="zq1pass zq2below zq3web"

lab_up || { t_fail "lab setup"; exit 1; }
server_addr $B4/24 && server_addr $A4/24 && server_addr $B6/64 &&
	server_addr $P6/64 && client_addr $C4B/24 && client_addr $C6B/64 ||
	{ t_fail "extra addresses"; exit 1; }
require "XDP pass program on the client's veth" client_xdp_pass
require "DNS server" dns_server_start "$N_PASS,$P4,$M6"
require "web server" web_server_start "$N_PASS" "$N_WEB"

printf '203.0.113.0/24\n2001:db8:3::/48\n' >"$WORKDIR/blocked.txt"
printf '203.0.113.128/25\n' >"$WORKDIR/allowed.txt"
printf '2001:db8:2::/64\n' >"$WORKDIR/watch.txt"
printf 'example.com\n' >"$WORKDIR/dns.txt"
printf 'example.org\n' >"$WORKDIR/web.txt"
write_config "$WORKDIR/x.conf" \
	"[list:blocked]" "signature = none" "path = $WORKDIR/blocked.txt" \
	"[list:allowed]" "signature = none" "path = $WORKDIR/allowed.txt" "action = allow" \
	"[list:watch]" "signature = none" "path = $WORKDIR/watch.txt" "action = monitor" "match = dst" \
	"[list:dns]" "signature = none" "path = $WORKDIR/dns.txt" "action = nxdomain" \
	"[list:web]" "signature = none" "path = $WORKDIR/web.txt" "action = drop" \
	"[daemon]" "metrics_listen = 127.0.0.1:9469" "metrics_top = yes"
for w in $TRAFFIC $LABELS; do
	grep -qiF "$w" "$WORKDIR"/*.txt "$WORKDIR/x.conf" &&
		t_fail "test setup: $w is written in a list or the config"
done
require "xdpblockd starts" daemon_start "$WORKDIR/x.conf"

# --- traffic
t_check "ping $B4: blocked" ping_blocked $B4
t_check "ping $B4 from $C4B: blocked" ping_blocked $B4 -I $C4B
t_check "ping $A4: allowed" ping_ok $A4
t_check "ping $P4 from $C4B: passes" ping_ok $P4 -I $C4B
t_check "ping $B6: blocked" ping_blocked $B6
t_check "ping $M6 from $C6B: passes, monitored" ping_ok $M6 -I $C6B
t_check "ping $P6: passes" ping_ok $P6
require "TCP server starts" tcp_server_start
t_check "TCP to $A4: connects" tcp_ok $A4
t_check "TCP to $B4: blocked" tcp_blocked $B4
require "UDP sink on $P4" udp_sink in_server $P4 5353 "$WORKDIR/udp4.txt"
udp_send in_client $C4B $P4 5353 5
udp_send in_client $C6 $B6 5353 5
t_check "UDP $C4B -> $P4: 5 datagrams arrive" wait_for 10 udp_count_is "$WORKDIR/udp4.txt" 5
# names
for server in $P4 $M6; do
	dig_query "$WORKDIR/d.out" $server $N_PASS A
	t_check "DNS via $server: $N_PASS resolves" grep -q "status: NOERROR," "$WORKDIR/d.out"
	dig_query "$WORKDIR/d.out" $server $N_DNS AAAA
	t_check "DNS via $server: $N_DNS is NXDOMAIN (below example.com)" grep -q "status: NXDOMAIN," "$WORKDIR/d.out"
done
for scheme in http https; do
	web_get "$WORKDIR/w.out" $scheme://$N_PASS/ $P4
	t_check "$scheme://$N_PASS/ is served" grep -qx "ok $N_PASS" "$WORKDIR/w.out"
	web_get "$WORKDIR/w.out" $scheme://$N_WEB/ $M6
	t_check "$scheme://$N_WEB/ is dropped (below example.org; curl status $?)" test $? -eq 28
done
t_check "the traffic was seen: drops counted" test "$(iface_packets r0 drop)" -gt 0
t_check "the traffic was seen: allow counted" test "$(iface_packets r0 allow)" -gt 0
t_check "the traffic was seen: monitor counted" test "$(iface_packets r0 monitor)" -gt 0
ctl_json "$WORKDIR/s.json" stats
for l in dns web; do
	t_check "the names were seen: list $l counted" \
		json_true "$WORKDIR/s.json" "[l for l in j['result']['lists'] if l['name'] == '$l' and l['packets'] > 0]"
done

# --- every output
OUT=$WORKDIR/out
mkdir "$OUT"
for cmd in status "stats --limit 0" "top 10000"; do
	f=${cmd%% *}
	# shellcheck disable=SC2086
	t_check "xdpblockctl $cmd" sh -c "'$XDPBLOCKCTL' -s '$WORKDIR/control.sock' $cmd >'$OUT/$f.txt'"
	# shellcheck disable=SC2086
	t_check "xdpblockctl --json $cmd" sh -c "'$XDPBLOCKCTL' -s '$WORKDIR/control.sock' --json $cmd >'$OUT/$f.json'"
done
t_check "stats names the rules that matched (the output is not empty)" \
	grep -q 'example.com' "$OUT/stats.txt"
t_check "GET /metrics" in_router curl -sSf --max-time 5 -o "$OUT/metrics.txt" http://127.0.0.1:9469/metrics
t_check "GET /top" in_router curl -sSf --max-time 5 -o "$OUT/top-http.json" "http://127.0.0.1:9469/top?n=1000"
daemon_stop
cp "$WORKDIR/daemon.log" "$OUT/daemon.log"

# names_in FILE NAME... : print each name found in FILE by its own label,
# in any case, as text or as hex (DNS wire format carries it as is)
names_in() {
	"$PYTHON" - "$@" <<-'PY'
	import sys
	text = open(sys.argv[1], errors="replace").read().lower()
	for name in sys.argv[2:]:
	    label = name.split(".")[0].lower()
	    if label in text or label.encode().hex() in text:
	        print(name)
	PY
}

for f in "$OUT"/*; do
	# shellcheck disable=SC2086
	found=$(addresses_in "$f" $TRAFFIC | tr '\n' ' ')
	t_check "${f##*/}: no traffic address (found: ${found:-none})" test -z "$found"
	# shellcheck disable=SC2086
	found=$(names_in "$f" $NAMES | tr '\n' ' ')
	t_check "${f##*/}: no queried name (found: ${found:-none})" test -z "$found"
done

# --- the search can fail: what is planted in a copy is found
missed=""
for f in "$OUT"/*; do
	for a in $TRAFFIC; do
		{ cat "$f"; echo "client $a"; } >"$WORKDIR/planted"
		[ -n "$(addresses_in "$WORKDIR/planted" "$a")" ] || missed="$missed ${f##*/}:$a"
	done
	for n in $NAMES; do
		{ cat "$f"; echo "query ${n^^}"; } >"$WORKDIR/planted"
		[ -n "$(names_in "$WORKDIR/planted" "$n")" ] || missed="$missed ${f##*/}:$n"
		{ cat "$f"; printf '%s' "$n" | od -An -tx1 | tr -d ' \n'; } >"$WORKDIR/planted"
		[ -n "$(names_in "$WORKDIR/planted" "$n")" ] || missed="$missed ${f##*/}:hex-$n"
	done
done
t_check "planted in a copy of each output, every address and name is found (missed:${missed:- none})" \
	test -z "$missed"

t_done
