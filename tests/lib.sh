# shellcheck shell=bash
# Shared helpers for end-to-end tests: results, a client - router - server
# namespace lab with documentation addresses, and the daemon inside it.
# Source it, call lab_up, then daemon_start. Everything is removed on exit
# (trap), whether the test passed or not.
#
#   client  c0 192.0.2.2/24      2001:db8:1::2/64
#   router  r0 192.0.2.1/24      2001:db8:1::1/64   (XDP attached here)
#           r1 198.51.100.1/24   2001:db8:2::1/64   (and here)
#   server  s0 198.51.100.2/24   2001:db8:2::2/64   (+ extra addresses)
#
# Interface names are unique per test run, so tests may run side by side.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
XDPBLOCKD=$BUILD/xdpblockd
XDPBLOCKCTL=$BUILD/xdpblockctl

T_PASSED=0
T_FAILED=0
LAB_ID=""
DAEMON_PID=""
WORKDIR=$(mktemp -d /tmp/xdpblock-test.XXXXXX)

t_pass() { echo "PASS: $1"; T_PASSED=$((T_PASSED + 1)); }
t_fail() { echo "FAIL: $1${2:+ ($2)}"; T_FAILED=$((T_FAILED + 1)); }

# t_check NAME CMD... : pass if CMD succeeds
t_check() {
	local name=$1
	shift
	if "$@" >"$WORKDIR/last.out" 2>&1; then
		t_pass "$name"
	else
		t_fail "$name" "command failed: $*"
		sed 's/^/    /' "$WORKDIR/last.out" | head -20
	fi
}

# t_check_not NAME CMD... : pass if CMD fails
t_check_not() {
	local name=$1
	shift
	if "$@" >"$WORKDIR/last.out" 2>&1; then
		t_fail "$name" "command unexpectedly succeeded: $*"
	else
		t_pass "$name"
	fi
}

t_done() {
	[ "$T_FAILED" -eq 0 ]
}

ns() { echo "xb${LAB_ID}$1"; }
in_client() { ip netns exec "$(ns c)" "$@"; }
in_router() { ip netns exec "$(ns r)" "$@"; }
in_server() { ip netns exec "$(ns s)" "$@"; }

lab_up() {
	LAB_ID=$(printf '%05d' $(( $$ % 100000 )))
	local c r s
	c=$(ns c) r=$(ns r) s=$(ns s)
	ip netns add "$c" && ip netns add "$r" && ip netns add "$s" || return 1
	ip link add "c0" netns "$c" type veth peer name "r0" netns "$r"
	ip link add "r1" netns "$r" type veth peer name "s0" netns "$s"
	for n in "$c" "$r" "$s"; do
		ip -n "$n" link set lo up
	done
	ip -n "$c" addr add 192.0.2.2/24 dev c0
	ip -n "$c" addr add 2001:db8:1::2/64 dev c0 nodad
	ip -n "$r" addr add 192.0.2.1/24 dev r0
	ip -n "$r" addr add 2001:db8:1::1/64 dev r0 nodad
	ip -n "$r" addr add 198.51.100.1/24 dev r1
	ip -n "$r" addr add 2001:db8:2::1/64 dev r1 nodad
	ip -n "$s" addr add 198.51.100.2/24 dev s0
	ip -n "$s" addr add 2001:db8:2::2/64 dev s0 nodad
	for l in "$c c0" "$r r0" "$r r1" "$s s0"; do
		set -- $l
		ip -n "$1" link set "$2" up
	done
	ip -n "$c" route add default via 192.0.2.1
	ip -n "$c" -6 route add default via 2001:db8:1::1
	ip -n "$s" route add default via 198.51.100.1
	ip -n "$s" -6 route add default via 2001:db8:2::1
	ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$r" sysctl -qw net.ipv6.conf.all.forwarding=1
}

# addr_net ADDR/LEN : the network of an interface address (203.0.113.10/24
# -> 203.0.113.0/24)
addr_net() {
	python3 -c 'import ipaddress,sys; print(ipaddress.ip_interface(sys.argv[1]).network)' "$1"
}

# server_addr ADDR/LEN : one more address on the server (v4 or v6). Unless
# its network is the server link's own, the router gets a route to it via
# the server, so the address is reachable from the client.
server_addr() {
	local extra="" net
	case $1 in *:*) extra=nodad ;; esac
	ip -n "$(ns s)" addr add "$1" dev s0 $extra || return 1
	net=$(addr_net "$1") || return 1
	case $net in
	198.51.100.*/2[4-9] | 198.51.100.*/3[0-2] | 2001:db8:2::/*) ;;
	*:*) ip -n "$(ns r)" -6 route replace "$net" via 2001:db8:2::2 ;;
	*) ip -n "$(ns r)" route replace "$net" via 198.51.100.2 ;;
	esac
}

# client_addr ADDR/LEN : one more address on the client, likewise routed
client_addr() {
	local extra="" net
	case $1 in *:*) extra=nodad ;; esac
	ip -n "$(ns c)" addr add "$1" dev c0 $extra || return 1
	net=$(addr_net "$1") || return 1
	case $net in
	192.0.2.*/2[4-9] | 192.0.2.*/3[0-2] | 2001:db8:1::/*) ;;
	*:*) ip -n "$(ns r)" -6 route replace "$net" via 2001:db8:1::2 ;;
	*) ip -n "$(ns r)" route replace "$net" via 192.0.2.2 ;;
	esac
}

lab_down() {
	[ -n "$LAB_ID" ] || return 0
	for n in c r s; do
		ip netns pids "$(ns $n)" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$(ns $n)" 2>/dev/null
	done
	LAB_ID=""
}

# write_config FILE LISTSECTIONS... : a [daemon] section for the router
# followed by the given text (list sections).
write_config() {
	local file=$1
	shift
	cat >"$file" <<-CONF
	[daemon]
	interfaces = r0 r1
	xdp_mode = ${XDP_MODE:-auto}
	control_socket = $WORKDIR/control.sock
	max_rules_ipv4 = ${MAX_RULES_V4:-100000}
	max_rules_ipv6 = ${MAX_RULES_V6:-100000}
	CONF
	printf '%s\n' "$@" >>"$file"
}

# daemon_start CONFIG : run xdpblockd in the router namespace; wait until
# its control socket answers (or fail after 20 s)
daemon_start() {
	# nsenter keeps the host's /sys (and bpffs); ip netns exec would not
	nsenter --net=/run/netns/"$(ns r)" "$XDPBLOCKD" -c "$1" \
		>>"$WORKDIR/daemon.log" 2>&1 &
	DAEMON_PID=$!
	for _ in $(seq 200); do
		if ctl status >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			echo "xdpblockd exited early:"
			sed 's/^/    /' "$WORKDIR/daemon.log"
			DAEMON_PID=""
			return 1
		fi
		sleep 0.1
	done
	echo "xdpblockd did not answer within 20 s"
	return 1
}

daemon_stop() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
}

ctl() { "$XDPBLOCKCTL" -s "$WORKDIR/control.sock" "$@"; }

# json_get JSONFILE PYTHON-EXPR : evaluate an expression on the parsed JSON 'j'
json_get() {
	python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"
}

lib_cleanup() {
	daemon_stop
	lab_down
	rm -rf "$WORKDIR"
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM
