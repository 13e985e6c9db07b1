#!/usr/bin/env bash
# xdpblock demo (make demo): a throw-away namespace lab
#
#   client 192.0.2.2 --- r0 [router: xdpblockd, XDP on r0 and r1] r1 --- server
#
# with documentation addresses only. It blocks an IPv4 /24 and an IPv6 /48,
# allows one /32 inside the blocked /24, and shows status, a blocked and an
# allowed flow (ping and TCP), lookups and counters, the Prometheus
# metrics, and filtering that survives kill -9 of the daemon (a new one
# adopts it, counters continuing). Everything it creates
# is removed on exit, also on failure or Ctrl-C. Exit status 0 only if the
# blocked flow was blocked and the allowed flow got through.
set -u
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces and XDP): sudo $0" >&2
	exit 1
fi
. "$(dirname "$0")/../tests/lib.sh"

for b in "$XDPBLOCKD" "$XDPBLOCKCTL"; do
	[ -x "$b" ] || { echo "demo: $b is not built: run 'make' first" >&2; exit 1; }
done

BLOCKED4=203.0.113.10 ALLOWED4=203.0.113.20 BLOCKED6=2001:db8:3::3 OTHER4=198.51.100.2
PROBLEMS=()

if [ -t 1 ]; then
	BOLD=$'\033[1m' RED=$'\033[31m' GREEN=$'\033[32m' PLAIN=$'\033[0m'
else
	BOLD="" RED="" GREEN="" PLAIN=""
fi
step() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }
say() { printf '   %s\n' "$*"; }
show() { # CMD... : print the command as a human would type it, run it,
	# indent its output
	local shown="$*"
	case $1 in
	ctl) shown="xdpblockctl -s $WORKDIR/control.sock ${*:2}" ;;
	in_client) shown="ip netns exec $(ns c) ${*:2}" ;;
	esac
	printf '   $ %s\n' "$shown"
	"$@" 2>&1 | sed 's/^/     /'
	return "${PIPESTATUS[0]}"
}
problem() {
	PROBLEMS+=("$1")
	T_FAILED=$((T_FAILED + 1)) # makes the cleanup print the daemon's log
	printf '   %s!! %s%s\n' "$RED" "$1" "$PLAIN"
}
ok() { printf '   %s-> %s%s\n' "$GREEN" "$1" "$PLAIN"; }

step "1. The lab: three network namespaces joined by veth pairs"
lab_up || { echo "demo: cannot build the lab" >&2; exit 1; }
server_addr $BLOCKED4/24
server_addr $ALLOWED4/24
server_addr $BLOCKED6/64
tcp_server_start || { echo "demo: cannot start the TCP server" >&2; exit 1; }
say "client  $(ns c): c0 192.0.2.2, 2001:db8:1::2"
say "router  $(ns r): r0 192.0.2.1 | r1 198.51.100.1 (xdpblockd attaches here)"
say "server  $(ns s): s0 $OTHER4, $BLOCKED4, $ALLOWED4, 2001:db8:2::2, $BLOCKED6"
say "the server runs a TCP service on port $TCP_PORT that answers '$TCP_BANNER'"

say "without xdpblockd, every server address answers:"
for a in $BLOCKED4 $ALLOWED4 $BLOCKED6 $OTHER4; do
	if ping_ok $a >/dev/null 2>&1; then
		ok "ping $a: answered"
	else
		problem "ping $a fails even without xdpblockd: the lab is broken"
	fi
done

step "2. Configuration and lists"
cat >"$WORKDIR/blocked.txt" <<EOF
# networks nobody may talk to
203.0.113.0/24
2001:db8:3::/48
EOF
cat >"$WORKDIR/allowed.txt" <<EOF
# exceptions: allow beats any block, whatever the prefix lengths
203.0.113.20/32
EOF
write_config "$WORKDIR/xdpblock.conf" \
	"" "[list:blocked]" "path = $WORKDIR/blocked.txt" "signature = none" "action = drop" "match = both" \
	"# the lab's addresses are documentation ranges (RFC 5737, 3849): meant here" \
	"allow_special = yes" \
	"" "[list:exceptions]" "path = $WORKDIR/allowed.txt" "signature = none" "action = allow"
for f in xdpblock.conf blocked.txt allowed.txt; do
	say "--- $WORKDIR/$f"
	sed 's/^/     /' "$WORKDIR/$f"
done

step "3. Start xdpblockd in the router namespace"
if ! daemon_start "$WORKDIR/xdpblock.conf"; then
	echo "demo: xdpblockd did not start" >&2
	exit 1
fi
sed 's/^/     /' "$WORKDIR/daemon.log"
say "The daemon's view: interfaces, lists, last reload"
show ctl status || problem "xdpblockctl status failed"

step "4. A blocked flow: client -> $BLOCKED4 (in 203.0.113.0/24)"
if show in_client ping -n -c 3 -i 0.2 -W 1 $BLOCKED4; then
	problem "ping to $BLOCKED4 got an answer: it should be blocked"
else
	ok "no answer: blocked"
fi
tcp_try() { # ADDR TIMEOUT : connect, print what the server says
	say "\$ ip netns exec $(ns c) socat -u TCP:$1:$TCP_PORT,connect-timeout=$2 STDOUT"
	in_client timeout 20 socat -u TCP:"$1":$TCP_PORT,connect-timeout="$2" STDOUT \
		>"$WORKDIR/tcp.out" 2>&1 </dev/null
	sed 's/^/     /' "$WORKDIR/tcp.out"
	grep -q "$TCP_BANNER" "$WORKDIR/tcp.out"
}
if tcp_try $BLOCKED4 2; then
	problem "TCP to $BLOCKED4 connected: it should be blocked"
else
	ok "no TCP connection: blocked"
fi
if show in_client ping -n -c 3 -i 0.2 -W 1 $BLOCKED6; then
	problem "ping to $BLOCKED6 got an answer: it should be blocked"
else
	ok "no answer from $BLOCKED6 (in 2001:db8:3::/48): blocked"
fi

step "5. An allowed flow: client -> $ALLOWED4 (an exception inside the blocked /24)"
if show in_client ping -n -c 3 -i 0.2 -w 10 $ALLOWED4; then
	ok "answered: allowed"
else
	problem "ping to $ALLOWED4 failed: it should be allowed"
fi
if tcp_try $ALLOWED4 10; then
	ok "the server answered over TCP: allowed"
else
	problem "TCP to $ALLOWED4 failed: it should be allowed"
fi
if show in_client ping -n -c 1 -w 5 $OTHER4 >/dev/null; then
	ok "$OTHER4 (in no list) answers ping too"
else
	problem "ping to $OTHER4 (in no list) failed"
fi

step "6. Which rule decides? xdpblockctl lookup"
show ctl lookup $BLOCKED4 || problem "lookup $BLOCKED4 failed"
show ctl lookup $ALLOWED4 || problem "lookup $ALLOWED4 failed"
show ctl lookup $OTHER4 || problem "lookup $OTHER4 failed"

step "7. Counters: xdpblockctl stats"
show ctl stats || problem "xdpblockctl stats failed"
if [ "$(rule_packets blocked 203.0.113.0/24)" -gt 0 ] &&
	[ "$(rule_packets exceptions 203.0.113.20/32)" -gt 0 ]; then
	ok "the drops and the allowed packets are counted on their rules"
else
	problem "the counters do not show the drops and the allowed packets"
fi

step "8. Prometheus metrics: what an operator scrapes (127.0.0.1:9469)"
if in_router curl -sf http://127.0.0.1:9469/metrics >"$WORKDIR/metrics.txt"; then
	grep -E '^xdpblock_list_packets_total' "$WORKDIR/metrics.txt" | sed 's/^/     /'
	if promtool check metrics <"$WORKDIR/metrics.txt" >/dev/null 2>&1; then
		ok "promtool check metrics: clean"
	else
		problem "promtool check metrics found problems"
	fi
else
	problem "the metrics endpoint did not answer"
fi

step "9. The daemon dies (kill -9): filtering goes on, a new daemon adopts it"
before=$(rule_packets blocked 203.0.113.0/24)
kill -KILL "$DAEMON_PID"
daemon_wait_exit
if ping_blocked $BLOCKED4; then
	ok "with no daemon running, $BLOCKED4 is still blocked (pinned program and maps)"
else
	problem "$BLOCKED4 answered while no daemon ran"
fi
: >"$WORKDIR/daemon.log"
if daemon_start "$WORKDIR/xdpblock.conf"; then
	grep 'adopted' "$WORKDIR/daemon.log" | sed 's/^/     /'
	after=$(rule_packets blocked 203.0.113.0/24)
	if [ "$after" -ge $((before + 3)) ]; then
		ok "the rule's counter went on: $before before, $after now (the 3 pings meanwhile included)"
	else
		problem "the counter did not continue ($before before, $after now)"
	fi
else
	problem "a new xdpblockd did not start"
fi

step "10. Stop xdpblockd (SIGTERM) and remove the lab"
kill -TERM "$DAEMON_PID"
if daemon_wait_exit && [ "$DAEMON_RC" -eq 0 ]; then
	ok "xdpblockd exited cleanly"
else
	problem "xdpblockd did not exit cleanly"
fi
if xdp_attached r0 || xdp_attached r1; then
	problem "an XDP program is still attached"
else
	ok "no XDP program left on r0 and r1"
fi
tail -n 3 "$WORKDIR/daemon.log" | sed 's/^/     /'
lab_down
ok "namespaces removed"

echo
if [ ${#PROBLEMS[@]} -eq 0 ]; then
	printf '%sdemo OK: blocked traffic was dropped, allowed traffic passed%s\n' "$GREEN" "$PLAIN"
	exit 0
fi
printf '%sdemo FAILED:%s\n' "$RED" "$PLAIN"
printf '  - %s\n' "${PROBLEMS[@]}"
exit 1
