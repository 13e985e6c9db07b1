#!/usr/bin/env bash
# End to end: domain lists against HTTP Host and TLS SNI with a real web
# server (nginx, HTTP and HTTPS) and a real client (curl, --resolve: no
# DNS), IPv4 and IPv6.
#   - without the daemon every name is served
#   - example.com (action drop): curl http:// and https://www.example.com
#     time out
#   - www.example.net (action reset): curl reports the connection reset at once
#   - example.org and a name only a DNS list (nxdomain) holds are served
#   - stats attribute every block to its rule
#   - the daemon's log never names a requested host
. "$(dirname "$0")/../lib.sh"

SERVER4=198.51.100.2 SERVER6=2001:db8:2::2

lab_up || { t_fail "lab setup"; exit 1; }
client_xdp_pass || { t_fail "XDP pass program on the client's veth"; exit 1; }
web_server_start www.example.com example.com example.org www.example.org \
	dnsonly.example.net www.example.net || { t_fail "web server setup"; exit 1; }

# served OUT NAME : the server answered for NAME
served() { grep -qx "ok $2" "$1"; }
O=$WORKDIR/w.out

# Without the daemon every name is served: a failure later is the filter.
for n in www.example.com example.org; do
	for scheme in http https; do
		web_get "$O" "$scheme://$n/" $SERVER4
		t_check "without xdpblockd: $scheme://$n is served" served "$O" $n
	done
done

printf 'example.com\n' >"$WORKDIR/block.txt"
printf 'dnsonly.example.net\n' >"$WORKDIR/dnsonly.txt"
printf 'www.example.net\n' >"$WORKDIR/reset.txt"
write_config "$WORKDIR/xdpblock.conf" \
	"[list:web-block]" "path = $WORKDIR/block.txt" "action = drop" \
	"[list:web-reset]" "path = $WORKDIR/reset.txt" "action = reset" \
	"[list:dns-only]" "path = $WORKDIR/dnsonly.txt" "action = nxdomain"
daemon_start "$WORKDIR/xdpblock.conf" || { t_fail "xdpblockd starts"; exit 1; }

# --- HTTP: the blocked name times out, others are served
for addr in $SERVER4 $SERVER6; do
	web_get "$O" http://www.example.com/ $addr
	rc=$?
	t_check "HTTP to $addr: www.example.com is dropped (curl status $rc: timeout)" test "$rc" -eq 28
	web_get "$O" http://WWW.Example.COM./ $addr
	rc=$?
	t_check "HTTP to $addr: WWW.Example.COM. is dropped too (status $rc)" test "$rc" -eq 28
	web_get "$O" http://example.org/ $addr
	t_check "HTTP to $addr: example.org is served" served "$O" example.org
	web_get "$O" http://dnsonly.example.net/ $addr
	t_check "HTTP to $addr: a name only an nxdomain list holds is served" served "$O" dnsonly.example.net
done

# --- HTTPS: the ClientHello's SNI decides
for addr in $SERVER4 $SERVER6; do
	web_get "$O" https://www.example.com/ $addr
	rc=$?
	t_check "HTTPS to $addr: www.example.com is dropped (curl status $rc: timeout)" test "$rc" -eq 28
	web_get "$O" https://example.org/ $addr
	t_check "HTTPS to $addr: example.org is served" served "$O" example.org
	web_get "$O" https://dnsonly.example.net/ $addr
	t_check "HTTPS to $addr: a name only an nxdomain list holds is served" served "$O" dnsonly.example.net
done

# --- reset: the client sees its connection reset at once (curl 35: TLS
# handshake failed with "Connection reset by peer"; 56: receive failed)
for addr in $SERVER4 $SERVER6; do
	web_get "$O" https://www.example.net/ $addr
	rc=$?
	t_check "HTTPS to $addr: www.example.net is reset (curl status $rc)" test "$rc" -eq 35
	t_check "HTTPS to $addr: curl says the connection was reset" grep -qi "reset by peer" "$O.err"
	web_get "$O" http://www.example.net/ $addr
	rc=$?
	t_check "HTTP to $addr: www.example.net is reset (curl status $rc)" test "$rc" -eq 56
	t_check "HTTP to $addr: curl says the connection was reset" grep -qi "reset by peer" "$O.err"
done

# --- stats: the blocks on their rule
ctl stats --json >"$WORKDIR/stats.json"
J=$WORKDIR/stats.json
t_check "stats: example.com of web-block has the hits" json_true "$J" \
	"[r for r in j['result']['rules'] if r['list'] == 'web-block' and r['rule'] == 'example.com' and r['action'] == 'drop' and r['packets'] > 0]"
t_check "stats: www.example.net of web-reset has the resets" json_true "$J" \
	"[r for r in j['result']['rules'] if r['list'] == 'web-reset' and r['rule'] == 'www.example.net' and r['action'] == 'reset' and r['packets'] >= 4]"
t_check "stats: r0 counted the resets" json_true "$J" \
	"[i for i in j['result']['interfaces'] if i['name'] == 'r0' and i['reset']['packets'] >= 4]"
t_check "stats: nothing on the dns-only list" json_true "$J" \
	"not [r for r in j['result']['rules'] if r['list'] == 'dns-only']"

# --- lookup: the DNS and the web view of a name
ctl --json lookup www.example.net >"$WORKDIR/l.json"
t_check "lookup www.example.net: no DNS rule (reset lists are web only)" \
	json_true "$WORKDIR/l.json" "j['ok'] and j['result']['match'] is None"
t_check "lookup www.example.net: the web view resets" json_true "$WORKDIR/l.json" \
	"j['result']['web_match']['list'] == 'web-reset' and j['result']['web_match']['action'] == 'reset'"
ctl --json lookup dnsonly.example.net >"$WORKDIR/l.json"
t_check "lookup dnsonly.example.net: DNS nxdomain, no web rule" json_true "$WORKDIR/l.json" \
	"j['result']['match']['action'] == 'nxdomain' and j['result']['web_match'] is None"
ctl lookup www.example.net >"$WORKDIR/l.txt"
t_check "lookup (text) shows the web view" grep -q "TLS SNI, HTTP Host: reset by suffix rule www.example.net of list web-reset" "$WORKDIR/l.txt"

# Privacy: requested names never reach the log (rule names are not requests)
daemon_stop
for n in www.example.com example.org; do
	t_check_not "the daemon log has no requested name $n" grep -qi "$n" "$WORKDIR/daemon.log"
done

t_done
