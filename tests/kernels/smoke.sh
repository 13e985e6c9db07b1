#!/usr/bin/env bash
# End-to-end smoke, one of each kind of block, short enough to run on every
# kernel of the matrix (tests/kernels/matrix.sh runs it inside each VM) and
# on the host (bash tests/kernels/smoke.sh, after make tests):
#   - an IPv4 and an IPv6 prefix (action drop): no ping to an address in
#     them, while an unlisted address of the same family answers
#   - a name (action nxdomain): dig through the router gets NXDOMAIN, an
#     unlisted name resolves
#   - a TLS server name (action reset): the connection is reset, an
#     unlisted name is served
# One daemon holds all three lists. The lab, the daemon, dnsmasq and nginx
# are tests/lib.sh's; everything is removed on exit.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# Under TCG (the matrix's VMs) loading the XDP program takes longer
DAEMON_START_TIMEOUT=${DAEMON_START_TIMEOUT:-90}

SERVER4=198.51.100.2 SERVER6=2001:db8:2::2
BLOCKED4=203.0.113.10 BLOCKED6=2001:db8:3::3

lab_up || { t_fail "smoke: lab setup"; exit 1; }
server_addr $BLOCKED4/24
server_addr $BLOCKED6/64
# the router answers queries and resets connections with XDP_TX: a veth
# only takes such frames when its peer has an XDP program
client_xdp_pass || { t_fail "smoke: XDP pass program on the client's veth"; exit 1; }
dns_server_start blocked.example.com,203.0.113.80 ok.example.org,203.0.113.81 ||
	{ t_fail "smoke: DNS server setup"; exit 1; }
web_server_start www.example.net example.org || { t_fail "smoke: web server setup"; exit 1; }

# Without the daemon the blocked addresses answer: a failure later is the filter
t_check "smoke: without xdpblockd, $BLOCKED4 and $BLOCKED6 answer" \
	eval "ping_ok $BLOCKED4 && ping_ok $BLOCKED6"

printf '203.0.113.0/24\n2001:db8:3::/48\n' >"$WORKDIR/nets.txt"
printf 'blocked.example.com\n' >"$WORKDIR/names.txt"
printf 'www.example.net\n' >"$WORKDIR/tls.txt"
write_config "$WORKDIR/xdpblock.conf" \
	"[list:smoke-nets]" "signature = none" "path = $WORKDIR/nets.txt" "action = drop" \
	"[list:smoke-dns]" "signature = none" "path = $WORKDIR/names.txt" "type = domain" "action = nxdomain" \
	"[list:smoke-tls]" "signature = none" "path = $WORKDIR/tls.txt" "type = domain" "action = reset"
daemon_start "$WORKDIR/xdpblock.conf" || { t_fail "smoke: xdpblockd starts"; exit 1; }

# --- addresses
t_check "smoke: IPv4 prefix 203.0.113.0/24 dropped (no ping to $BLOCKED4)" ping_blocked $BLOCKED4
t_check "smoke: IPv4 unlisted $SERVER4 answers" ping_ok $SERVER4
t_check "smoke: IPv6 prefix 2001:db8:3::/48 dropped (no ping to $BLOCKED6)" ping_blocked $BLOCKED6
t_check "smoke: IPv6 unlisted $SERVER6 answers" ping_ok $SERVER6

# --- DNS through the router
Q=$WORKDIR/q.out
dig_query "$Q" $SERVER4 blocked.example.com A
t_check "smoke: DNS blocked.example.com gets NXDOMAIN" grep -q 'status: NXDOMAIN,' "$Q"
dig_query "$Q" $SERVER4 ok.example.org A
t_check "smoke: DNS unlisted ok.example.org resolves" \
	grep -qE 'IN[[:space:]]+A[[:space:]]+203\.0\.113\.81$' "$Q"

# --- TLS server name (curl 35: the handshake failed, reset by peer)
O=$WORKDIR/w.out
web_get "$O" https://www.example.net/ $SERVER4
rc=$?
t_check "smoke: TLS to www.example.net reset (curl status $rc)" \
	eval "[ $rc -eq 35 ] && grep -qi 'reset by peer' '$O.err'"
web_get "$O" https://example.org/ $SERVER4
t_check "smoke: TLS to unlisted example.org served" grep -qx "ok example.org" "$O"

t_done
