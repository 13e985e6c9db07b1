#!/usr/bin/env bash
# End to end: a list that covers the router's own addresses and the server
# its list is downloaded from cuts off neither (protected addresses,
# xdpblock.conf(5) PROTECTED ADDRESSES).
#   - the client reaches the router's addresses (ping, TCP, IPv6) although
#     the list covers them and the client's own address; the client's
#     traffic to anywhere else is still dropped (its address is listed)
#   - protect = prefixes: a protected server address is reached, its
#     listed neighbour is not
#   - the list's refreshes still come: a changed feed becomes active, also
#     after a restart that loaded the cached list before any download
#   - an address added to the router at run time is protected at once,
#     and no longer once removed
#   - the warning names the list and the numbers of covered protected
#     addresses and of entries in special-purpose ranges, never an
#     address; allow_special = yes silences the second
#   - the interface's protected counter moved; status and /metrics show
#     the counts
#   - stop --keep-attached and a new daemon: the protected set is whole
. "$(dirname "$0")/../lib.sh"

FEED=$WORKDIR/feed
CACHE=$WORKDIR/cache/feed.txt
HTTP_LOG=$WORKDIR/http.log
lab_up || { t_fail "lab setup"; exit 1; }
server_addr 203.0.113.10/24 # protected by protect =
server_addr 203.0.113.11/24 # listed, not protected
server_addr 203.0.113.200/24 # not listed
mkdir -p "$FEED"
: >"$HTTP_LOG"
# v1 covers the router's 192.0.2.1, 198.51.100.1 and 2001:db8:1::1 (3 host
# addresses), the feed server 198.51.100.2 (a list source) and
# 203.0.113.10 (protect =); the client's 192.0.2.2 and 2001:db8:1::2 too
LIST_V1='192.0.2.0/24
198.51.100.0/24
203.0.113.0/25
2001:db8:1::/64'
printf '# feed v1\n%s\n' "$LIST_V1" >"$FEED/list.txt"
LAB_ADDRS="192.0.2.1 192.0.2.2 198.51.100.1 198.51.100.2 203.0.113.10
203.0.113.11 203.0.113.200 203.0.113.99 2001:db8:1::1 2001:db8:1::2
2001:db8:2::1 2001:db8:2::2"


feed_rules() { status_field "[l['rules_ipv4'] + l['rules_ipv6'] for l in r['lists'] if l['name'] == 'feed'][0]"; }
feed_rules_are() { [ "$(feed_rules)" -eq "$1" ]; }
feed_covered() { status_field "[l['protected_covered']['$1'] for l in r['lists'] if l['name'] == 'feed'][0]"; }
protected_count() { status_field "r['protected']['$1']"; }
protected_count_is() { [ "$(protected_count "$1")" -eq "$2" ]; }
gets_200() { grep -c '^GET /list.txt 200$' "$HTTP_LOG"; }
# a TCP banner server on the router itself
router_tcp_start() {
	in_router socat TCP6-LISTEN:"$TCP_PORT",ipv6only=0,reuseaddr,fork \
		SYSTEM:"echo $TCP_BANNER" </dev/null >/dev/null 2>&1 &
	wait_for 10 in_router sh -c "ss -Htln | grep -q ':$TCP_PORT '"
}
no_lab_address() { [ -z "$(addresses_in "$1" $LAB_ADDRS)" ]; }
# lines of the daemon's log about the protected set and the list check
hazard_lines() {
	grep -E 'covers protected|special-purpose|protected from address rules' \
		"$WORKDIR/daemon.log" >"$WORKDIR/hazard.log"
}

# --- positive controls: without the daemon everything answers
require "router TCP server starts" router_tcp_start
t_check "no daemon: the router's 192.0.2.1 answers" ping_ok 192.0.2.1
t_check "no daemon: 203.0.113.200 answers" ping_ok 203.0.113.200
t_check "no daemon: 203.0.113.11 answers" ping_ok 203.0.113.11
t_check "no daemon: 2001:db8:2::2 answers" ping_ok 2001:db8:2::2
t_check "no daemon: TCP to the router" tcp_ok 192.0.2.1

require "feed server starts" feed_start
write_config "$WORKDIR/xdpblock.conf" "protect = 203.0.113.10" \
	"[list:feed]" "signature = none" \
	"url = http://198.51.100.2:8000/list.txt" "path = $CACHE" \
	"refresh = 1" "fetch_timeout = 2" \
	"[list:own]" "signature = none" "path = $WORKDIR/own.txt" \
	"allow_special = yes" \
	"[list:exceptions]" "signature = none" "path = $WORKDIR/exceptions.txt" \
	"action = allow"
printf '203.0.113.128/30\n' >"$WORKDIR/own.txt"
printf '198.51.100.200/32\n' >"$WORKDIR/exceptions.txt"
require "xdpblockd starts with a list covering the router and its feed" \
	daemon_start "$WORKDIR/xdpblock.conf"
t_check "the list was downloaded and loaded (4 rules)" feed_rules_are 4

# --- the router stays reachable; the client's other traffic does not
before_protected=$(iface_packets r0 protected)
t_check "the client pings the router's 192.0.2.1 (listed, protected)" ping_ok 192.0.2.1
t_check "TCP from the client to the router's 192.0.2.1" tcp_ok 192.0.2.1
t_check "the client pings the router's 2001:db8:1::1" ping_ok 2001:db8:1::1
t_check "the client's 192.0.2.2 (in the same listed /24) to 203.0.113.200 is dropped" \
	ping_blocked 203.0.113.200
t_check "the client's 2001:db8:1::2 (in the same listed /64) to 2001:db8:2::2 is dropped" \
	ping_blocked 2001:db8:2::2
t_check "protect = 203.0.113.10: reached although listed" ping_ok 203.0.113.10
t_check "its listed neighbour 203.0.113.11 is dropped" ping_blocked 203.0.113.11
after_protected=$(iface_packets r0 protected)
t_check "r0 counted protected packets ($before_protected -> $after_protected)" \
	test "$after_protected" -ge $((before_protected + 4))
t_check "... and dropped ones" test "$(iface_packets r0 drop)" -ge 9

# --- what the daemon says: counts and range names, no address
hazard_lines
t_check "the warning names the list and its covered protected addresses" \
	grep -q 'list feed covers protected addresses: 3 of this host.s, 1 of list sources, 1 configured prefix' \
	"$WORKDIR/hazard.log"
t_check "the special-range warning names the list and the range" \
	grep -q 'list feed: entries in special-purpose address ranges (RFC 6890): documentation 4' \
	"$WORKDIR/hazard.log"
t_check_not "allow_special = yes: no special-range warning for list own" \
	grep -q 'list own: entries in special-purpose' "$WORKDIR/hazard.log"
t_check_not "an allow list cuts nothing off: no special-range warning" \
	grep -q 'list exceptions: entries in special-purpose' "$WORKDIR/hazard.log"
t_check "... but its entry in a special range is counted" \
	test "$(status_field "[l['special_ranges'].get('documentation', 0) for l in r['lists'] if l['name'] == 'exceptions'][0]")" -eq 1
t_check "the protected set's size is logged" \
	grep -q 'protected from address rules: [0-9]* host address(es), 1 list source address(es), 1 configured prefix(es)' \
	"$WORKDIR/hazard.log"
ctl status >"$WORKDIR/status.txt" 2>&1
t_check "status shows the covered counts per list" \
	grep -q 'covers protected addresses (never dropped by it): 3 of this host, 1 of list sources, 1 configured' \
	"$WORKDIR/status.txt"
t_check "status shows the special ranges per list" \
	grep -q 'entries in special-purpose ranges: documentation 4' "$WORKDIR/status.txt"
t_check "status shows list own's ranges as allowed" \
	grep -q 'entries in special-purpose ranges (allow_special): documentation 1' "$WORKDIR/status.txt"
in_router curl -sS --max-time 5 -o "$WORKDIR/metrics.txt" http://127.0.0.1:9469/metrics
t_check "metrics: xdpblock_list_protected_covered{list=feed,kind=host} 3" \
	grep -q '^xdpblock_list_protected_covered{list="feed",kind="host"} 3$' "$WORKDIR/metrics.txt"
t_check "metrics: xdpblock_list_special_range_entries{list=feed,range=documentation} 4" \
	grep -q '^xdpblock_list_special_range_entries{list="feed",range="documentation"} 4$' "$WORKDIR/metrics.txt"
t_check "metrics: xdpblock_interface_protected_packets_total on r0 moved" \
	grep -Eq '^xdpblock_interface_protected_packets_total\{interface="r0"\} [1-9]' "$WORKDIR/metrics.txt"
t_check "metrics: xdpblock_protected_prefixes{kind=operator} 1" \
	grep -q '^xdpblock_protected_prefixes{kind="operator"} 1$' "$WORKDIR/metrics.txt"
# the lines this feature writes (status also shows the url, configuration)
grep -E 'protected|special-purpose' "$WORKDIR/status.txt" >"$WORKDIR/status.hazards"
grep -E '^xdpblock_(list_protected|list_special|protected_|interface_protected)' \
	"$WORKDIR/metrics.txt" >"$WORKDIR/metrics.hazards"
for f in hazard.log status.hazards metrics.hazards; do
	t_check "$f has lines to check" test -s "$WORKDIR/$f"
	t_check "no lab address in $f" no_lab_address "$WORKDIR/$f"
done
# the check itself finds an address where there is one
echo "planted 2001:db8:1::1 here" >"$WORKDIR/planted"
t_check_not "positive control: a planted address is found" \
	no_lab_address "$WORKDIR/planted"

# --- the feed's refreshes still come through, from inside the listed /24
printf '# feed v2\n%s\n203.0.113.11/32\n' "$LIST_V1" >"$FEED/list.txt"
t_check "changed feed: downloaded and active (5 rules)" wait_for 15 feed_rules_are 5
t_check "changed feed: the server answered 200 again" test "$(gets_200)" -ge 2

# --- a restart with the cached list, which covers the feed, active at once
daemon_stop
# a second after v2: the If-Modified-Since of the next request is v2's
# Last-Modified, in whole seconds
sleep 1
printf '# feed v3\n%s\n203.0.113.11/32\n203.0.113.12/32\n' "$LIST_V1" >"$FEED/list.txt"
require "the daemon restarts" daemon_start "$WORKDIR/xdpblock.conf"
t_check "restart: the cached list is downloaded over again (6 rules)" \
	wait_for 15 feed_rules_are 6

# --- addresses of the router follow without a reload
reloads=$(status_field "r['reloads_total']")
hosts=$(protected_count host)
in_router ip addr add 203.0.113.99/32 dev lo
t_check "an address added to the router is protected (host count +1)" \
	wait_for 5 protected_count_is host $((hosts + 1))
t_check "the client reaches the new address 203.0.113.99 (listed)" ping_ok 203.0.113.99
in_router ip addr del 203.0.113.99/32 dev lo
t_check "removed again: no longer protected" wait_for 5 protected_count_is host "$hosts"
t_check "no reload for either" test "$(status_field "r['reloads_total']")" -eq "$reloads"

# --- stop --keep-attached, then a new daemon adopts the datapath
ctl stop --keep-attached >/dev/null 2>&1
daemon_wait_exit
t_check "daemon gone, datapath kept: the router still answers" ping_ok 192.0.2.1
t_check "... and the client's other traffic is still dropped" ping_blocked 203.0.113.200
require "a new daemon adopts it" daemon_start "$WORKDIR/xdpblock.conf"
t_check "adopted: status says so" test "$(status_field "r['adopted']")" = True
t_check "adopted: the router answers" ping_ok 192.0.2.1
t_check "adopted: protect = still holds" ping_ok 203.0.113.10
t_check "adopted: 203.0.113.11 still dropped" ping_blocked 203.0.113.11
t_check "adopted: the set's operator prefix is there" protected_count_is operator 1

# --- protect = removed by a reload: 203.0.113.10 is dropped again
sed -i '/^protect = /d' "$WORKDIR/xdpblock.conf"
n=$(status_field "r['reloads_total']")
ctl reload >/dev/null 2>&1
daemon_wait_reloads $((n + 1))
t_check "protect = removed: no configured prefix left" protected_count_is operator 0
t_check "protect = removed: 203.0.113.10 is dropped" ping_blocked 203.0.113.10
t_check "protect = removed: the router still answers" ping_ok 192.0.2.1

feed_stop
t_done
