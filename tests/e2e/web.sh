#!/usr/bin/env bash
# End to end: domain lists against HTTP Host and TLS SNI with a real web
# server (nginx, HTTP and HTTPS) and a real client (curl, --resolve: no
# DNS), IPv4 and IPv6.
#   - without the daemon every name is served
#   - example.com (action drop): curl http:// and https://www.example.com
#     time out
#   - www.example.net (action reset): curl reports the connection reset at once
#   - example.org and a name only a protocols = dns list holds are served;
#     a name of an nxdomain list is reset (a listed name is blocked on
#     every protocol: tests/e2e/name_everywhere.sh has the rest)
#   - a ClientHello spread over four segments (no offloads, MTU 300) is
#     dropped, reset or served by its SNI all the same
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
printf 'nx.example.net\n' >"$WORKDIR/nx.txt"
printf 'www.example.net\n' >"$WORKDIR/reset.txt"
write_config "$WORKDIR/xdpblock.conf" \
	"[list:web-block]" "signature = none" "path = $WORKDIR/block.txt" "action = drop" \
	"[list:web-reset]" "signature = none" "path = $WORKDIR/reset.txt" "action = reset" \
	"[list:dns-only]" "signature = none" "path = $WORKDIR/dnsonly.txt" "action = nxdomain" \
	"protocols = dns" \
	"[list:nx]" "signature = none" "path = $WORKDIR/nx.txt" "action = nxdomain"
require "xdpblockd starts" daemon_start "$WORKDIR/xdpblock.conf"

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
	t_check "HTTP to $addr: a name only a protocols = dns list holds is served" served "$O" dnsonly.example.net
	web_get "$O" http://www.nx.example.net/ $addr
	rc=$?
	t_check "HTTP to $addr: a name of an nxdomain list is reset (curl status $rc)" test "$rc" -eq 56
done

# --- HTTPS: the ClientHello's SNI decides
for addr in $SERVER4 $SERVER6; do
	web_get "$O" https://www.example.com/ $addr
	rc=$?
	t_check "HTTPS to $addr: www.example.com is dropped (curl status $rc: timeout)" test "$rc" -eq 28
	web_get "$O" https://example.org/ $addr
	t_check "HTTPS to $addr: example.org is served" served "$O" example.org
	web_get "$O" https://dnsonly.example.net/ $addr
	t_check "HTTPS to $addr: a name only a protocols = dns list holds is served" served "$O" dnsonly.example.net
	web_get "$O" https://www.nx.example.net/ $addr
	rc=$?
	t_check "HTTPS to $addr: a name of an nxdomain list is reset (curl status $rc)" test "$rc" -eq 35
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

# --- a ClientHello spread over segments: no offloads on the client's veth
# (they would send it as one), an MTU of 300 (MSS 248; IPv4 only, as IPv6
# needs 1280) and curl offering every cipher suite OpenSSL has (161, as
# some clients do), which puts the server_name extension past byte 400 of
# an 800-byte ClientHello: four segments, the name not in the first. A
# sniffer on c0 shows it.
in_client ethtool -K c0 tso off gso off >/dev/null 2>&1
ip -n "$(ns c)" link set c0 mtu 300
CIPHERS=(--ciphers 'ALL:COMPLEMENTOFALL:@SECLEVEL=0')
in_client "$PYTHON" - "$WORKDIR/segments.txt" "$WORKDIR/sniffing" <<'PY' &
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("c0", 0))
open(sys.argv[2], "w").close()
s.settimeout(0.2)
flows, end = {}, time.time() + 12
while time.time() < end:
    try:
        f = s.recv(65535)
    except socket.timeout:
        continue
    if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
        continue
    ihl = (f[14] & 15) * 4
    tcp = 14 + ihl
    sport, dport = struct.unpack("!HH", f[tcp:tcp + 4])
    tot = struct.unpack("!H", f[16:18])[0]
    data = f[tcp + (f[tcp + 12] >> 4) * 4:14 + tot]
    if dport == 443 and data:
        flows.setdefault(sport, []).append(data)
with open(sys.argv[1], "w") as out:
    for sport, segs in flows.items():
        hello = segs[0]
        # the name is the first one in the ClientHello that carries it
        name = next((n for n in (b"www.example.com", b"www.example.net", b"example.org")
                     if any(n in x for x in segs)), b"?")
        print(name.decode(), len(segs), int(name in hello), file=out)
PY
SNIFFER=$!
t_check "the sniffer on c0 is ready" wait_for 10 test -e "$WORKDIR/sniffing"
web_get "$O" https://www.example.com/ $SERVER4 "${CIPHERS[@]}"
rc=$?
t_check "split ClientHello: www.example.com is dropped (curl status $rc: timeout)" test "$rc" -eq 28
web_get "$O" https://www.example.net/ $SERVER4 "${CIPHERS[@]}"
rc=$?
t_check "split ClientHello: www.example.net is reset (curl status $rc)" test "$rc" -eq 35
web_get "$O" https://example.org/ $SERVER4 "${CIPHERS[@]}"
t_check "split ClientHello: example.org is served" served "$O" example.org
wait "$SNIFFER"
echo "    sniffed (name, data segments to 443, name in the first one):"
sed 's/^/      /' "$WORKDIR/segments.txt"
for n in www.example.com www.example.net example.org; do
	t_check "split ClientHello: $n's SNI was not in the first segment" \
		grep -Eqx "$n ([2-9]|[1-9][0-9]+) 0" "$WORKDIR/segments.txt"
done
ip -n "$(ns c)" link set c0 mtu 1500

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
t_check "stats: the nxdomain list's rule has its 4 resets" json_true "$J" \
	"[r for r in j['result']['rules'] if r['list'] == 'nx' and r['rule'] == 'nx.example.net' and r['packets'] == 4]"

# --- lookup: the DNS and the web view of a name
ctl --json lookup www.example.net >"$WORKDIR/l.json"
t_check "lookup www.example.net: DNS gets the reset list's NXDOMAIN" \
	json_true "$WORKDIR/l.json" "j['ok'] and j['result']['match']['list'] == 'web-reset' and j['result']['match']['action'] == 'nxdomain' and j['result']['match']['rule_action'] == 'reset'"
t_check "lookup www.example.net: the web view resets" json_true "$WORKDIR/l.json" \
	"j['result']['web_match']['list'] == 'web-reset' and j['result']['web_match']['action'] == 'reset'"
ctl --json lookup dnsonly.example.net >"$WORKDIR/l.json"
t_check "lookup dnsonly.example.net: DNS nxdomain, no web rule (protocols = dns)" json_true "$WORKDIR/l.json" \
	"j['result']['match']['action'] == 'nxdomain' and j['result']['web_match'] is None"
ctl --json lookup a.nx.example.net >"$WORKDIR/l.json"
t_check "lookup a.nx.example.net: DNS nxdomain, the web view resets" json_true "$WORKDIR/l.json" \
	"j['result']['match']['action'] == 'nxdomain' and j['result']['web_match']['list'] == 'nx' and j['result']['web_match']['action'] == 'reset'"
ctl lookup www.example.net >"$WORKDIR/l.txt"
t_check "lookup (text) shows the web view" grep -q "TLS SNI, HTTP Host: reset by suffix rule www.example.net of list web-reset" "$WORKDIR/l.txt"

# Privacy: requested names never reach the log (rule names are not requests)
daemon_stop
for n in www.example.com example.org; do
	t_check_not "the daemon log has no requested name $n" grep -qi "$n" "$WORKDIR/daemon.log"
done

t_done
