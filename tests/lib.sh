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
# Namespace names are unique per test run, so tests may run side by side.
#
# Helpers, by group (each documented where it is defined):
#   results   t_pass t_fail t_check t_check_not require t_done
#   lab       lab_up lab_down server_addr client_addr in_client/router/server
#   daemon    write_config daemon_start daemon_stop daemon_wait_exit
#             daemon_run_fg daemon_refuses daemon_wait_reloads xdp_attached
#   control   ctl ctl_json json_get json_true status_field rule_packets
#             iface_packets
#   traffic   ping_ok ping_blocked tcp_server_start tcp_ok tcp_blocked
#             udp_sink udp_count udp_count_is udp_send
#   DNS       client_xdp_pass dns_server_start dig_query
#   privacy   addresses_in
#   misc      wait_for

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
XDPBLOCKD=$BUILD/xdpblockd
XDPBLOCKCTL=$BUILD/xdpblockctl
# the system's python3 (a version manager's shim on PATH can be slow)
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

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

# require NAME CMD... : t_check NAME CMD...; if it fails, the script ends
# there (status 1). For what the checks after it depend on (the daemon
# started, a server listening): without it some of them would pass for the
# wrong reason, e.g. a log searched for a message that must be absent.
require() {
	local failed=$T_FAILED

	t_check "$@"
	if [ "$T_FAILED" -ne "$failed" ]; then
		echo "    (the checks after this one need it: $(basename "$0") stops here)"
		exit 1
	fi
}

t_done() {
	[ "$T_FAILED" -eq 0 ]
}

ns() { echo "xb${LAB_ID}$1"; }
# the lab daemon's bpffs pin directory (unique per lab, like the namespaces)
pin_dir() { echo "/sys/fs/bpf/xdpb-test-${1:-$LAB_ID}"; }
# pin_dir_remove [LAB_ID] : unpin everything a lab's daemon left (links
# first, so the program detaches before its maps go)
pin_dir_remove() {
	local d
	d=$(pin_dir "${1:-$LAB_ID}")
	[ -d "$d" ] || return 0
	rm -f "$d"/link_* && rm -rf "$d"
}
in_client() { ip netns exec "$(ns c)" "$@"; }
in_router() { ip netns exec "$(ns r)" "$@"; }
in_server() { ip netns exec "$(ns s)" "$@"; }

# A lab whose test was killed before its trap could run (SIGKILL, a
# timeout's --kill-after) is orphaned: WORKDIR/owner names the test's PID
# and its namespaces. lab_up removes the labs of tests no longer alive.
lab_reap_orphans() {
	local f pid names n
	for f in /tmp/xdpblock-test.*/owner; do
		[ -f "$f" ] || continue
		read -r pid names <"$f" || continue
		[ "$pid" != "$$" ] && ! kill -0 "$pid" 2>/dev/null || continue
		for n in $names; do
			ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
			ip netns del "$n" 2>/dev/null
		done
		n=${names%% *}
		n=${n#xb}
		pin_dir_remove "${n%c}"
		rm -rf "$(dirname "$f")"
	done
}

lab_up() {
	lab_reap_orphans
	LAB_ID=$(printf '%05d' $(( $$ % 100000 )))
	local c r s
	c=$(ns c) r=$(ns r) s=$(ns s)
	echo "$$ $c $r $s" >"$WORKDIR/owner"
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
	# A veth passes traffic only once the kernel's link watcher has run
	# (up to a second after "up"); until then the first packets, and the
	# neighbour discovery for them, are lost and retried a second later,
	# which the timings the tests print would show.
	for l in "$c c0" "$r r0" "$r r1" "$s s0"; do
		set -- $l
		for _ in $(seq 40); do
			ip -n "$1" -o link show dev "$2" | grep -q 'state UP' && break
			sleep 0.05
		done
	done
	ip -n "$c" route add default via 192.0.2.1
	ip -n "$c" -6 route add default via 2001:db8:1::1
	ip -n "$s" route add default via 198.51.100.1
	ip -n "$s" -6 route add default via 2001:db8:2::1
	ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$r" sysctl -qw net.ipv6.conf.all.forwarding=1
}

# _extra_addr NS DEV ADDR/LEN LINK4 LINK6 GW4 GW6 : add an address; unless it
# is on the link's own network, give the router a route to it via GW.
# Like an IPv4 secondary, an extra IPv6 address is never picked as the
# source of new traffic by the kernel (preferred_lft 0): bind it explicitly
# (ping -I ADDR, udp_send ... SRC ...). It still answers what is sent to it.
_extra_addr() {
	local n=$1 dev=$2 addr=$3 extra="" net
	case $addr in *:*) extra="nodad preferred_lft 0" ;; esac
	ip -n "$n" addr add "$addr" dev "$dev" $extra || return 1
	net=$("$PYTHON" -c '
import ipaddress, sys
net = ipaddress.ip_interface(sys.argv[1]).network
links = [ipaddress.ip_network(a) for a in sys.argv[2:]]
if not any(net.version == l.version and net.subnet_of(l) for l in links):
    print(net)' "$addr" "$4" "$5") || return 1
	[ -n "$net" ] || return 0
	case $net in
	*:*) ip -n "$(ns r)" -6 route replace "$net" via "$7" ;;
	*) ip -n "$(ns r)" route replace "$net" via "$6" ;;
	esac
}

# server_addr ADDR/LEN : one more address on the server (v4 or v6). Unless
# it is on the server link's network, the router gets a route to its
# network via the server, so it is reachable from the client.
server_addr() {
	_extra_addr "$(ns s)" s0 "$1" 198.51.100.0/24 2001:db8:2::/64 \
		198.51.100.2 2001:db8:2::2
}

# client_addr ADDR/LEN : one more address on the client, likewise
client_addr() {
	_extra_addr "$(ns c)" c0 "$1" 192.0.2.0/24 2001:db8:1::/64 \
		192.0.2.2 2001:db8:1::2
}

lab_down() {
	[ -n "$LAB_ID" ] || return 0
	for n in c r s; do
		ip netns pids "$(ns $n)" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$(ns $n)" 2>/dev/null
	done
	pin_dir_remove
	LAB_ID=""
}

# write_config FILE LISTSECTIONS... : a [daemon] section for the router
# followed by the given text (list sections). STRICT_START=yes: a list that
# cannot be loaded at start-up stops the start (the tests of those refusals).
write_config() {
	local file=$1
	shift
	cat >"$file" <<-CONF
	[daemon]
	interfaces = r0 r1
	xdp_mode = ${XDP_MODE:-auto}
	control_socket = $WORKDIR/control.sock
	state_dir = $WORKDIR/state
	max_rules_ipv4 = ${MAX_RULES_V4:-100000}
	max_rules_ipv6 = ${MAX_RULES_V6:-100000}
	max_rules_domain = ${MAX_RULES_DOMAIN:-100000}
	pin_path = $(pin_dir)
	watch_lists = ${WATCH_LISTS:-no}
	strict_start = ${STRICT_START:-no}
	CONF
	printf '%s\n' "$@" >>"$file"
}

# daemon_start CONFIG : run xdpblockd in the router namespace; wait until
# its control socket answers (or fail after DAEMON_START_TIMEOUT, 20 s)
daemon_start() {
	local tries=$(( ${DAEMON_START_TIMEOUT:-20} * 10 ))
	# nsenter keeps the host's /sys (and bpffs); ip netns exec would not
	nsenter --net=/run/netns/"$(ns r)" "$XDPBLOCKD" -c "$1" \
		>>"$WORKDIR/daemon.log" 2>&1 &
	DAEMON_PID=$!
	for _ in $(seq "$tries"); do
		if ctl_answers; then
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
	echo "xdpblockd did not answer within ${DAEMON_START_TIMEOUT:-20} s"
	return 1
}

# daemon_wait_exit : wait (20 s at most) for the daemon started by
# daemon_start to exit by itself; its exit status is left in DAEMON_RC
daemon_wait_exit() {
	DAEMON_RC=""
	[ -n "$DAEMON_PID" ] || return 1
	for _ in $(seq 200); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$DAEMON_PID" 2>/dev/null && return 1
	{ wait "$DAEMON_PID"; } 2>/dev/null
	DAEMON_RC=$?
	DAEMON_PID=""
}

# daemon_run_fg CONFIG OUTFILE : run xdpblockd in the router namespace in
# the foreground (DAEMON_RUN_TIMEOUT, 20 s, at most, for start-up
# failures; SIGKILL 5 s after the SIGTERM); returns its status, or 124 if
# it was still running, 137 if it had to be killed
daemon_run_fg() {
	timeout --kill-after=5 "${DAEMON_RUN_TIMEOUT:-20}" \
		nsenter --net=/run/netns/"$(ns r)" "$XDPBLOCKD" -c "$1" >"$2" 2>&1
}

# daemon_refuses NAME CONFIG OUTPUT : run xdpblockd in the foreground and
# pass if it refuses to start as documented: it exits by itself with
# status 1 (xdpblockd(8), START-UP). Any other status fails, saying what
# happened: a crash (killed by a signal), a hang (the timeout), a usage
# error. Its output is shown and left in OUTPUT for the caller's checks on
# the message.
daemon_refuses() {
	local rc why
	daemon_run_fg "$2" "$3"
	rc=$?
	sed 's/^/    | /' "$3"
	case $rc in
	1)
		t_pass "$1: refuses to start (status 1)"
		return 0
		;;
	124) why="still running after ${DAEMON_RUN_TIMEOUT:-20} s: it hung, or started instead of refusing" ;;
	137) why="killed by SIGKILL: it hung and ignored the timeout's SIGTERM (or was killed)" ;;
	*)
		if [ "$rc" -gt 128 ]; then
			why="killed by SIG$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128))): it crashed"
		else
			why="exit status $rc, not the documented 1"
		fi
		;;
	esac
	t_fail "$1: refuses to start (status 1)" "$why"
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
	"$PYTHON" -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"
}

# json_true JSONFILE PYTHON-EXPR : succeed if the expression is true
json_true() {
	"$PYTHON" -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"
}

# ctl_json FILE CMD [ARGS] : the daemon's JSON answer to CMD, in FILE
# (status exits 3 when a list is degraded: an answer all the same)
ctl_json() {
	local file=$1 rc
	shift
	ctl --json "$@" >"$file"
	rc=$?
	[ "$rc" -eq 3 ] && [ "$1" = status ] && return 0
	return "$rc"
}

# ctl_answers : the daemon answers status (0, or 3: a list is degraded)
ctl_answers() {
	local rc
	ctl status >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]
}

# rule_packets LIST RULE : packets counted so far on RULE of LIST (0: none)
rule_packets() {
	ctl_json "$WORKDIR/rp.json" stats --limit 0 || return 1
	json_get "$WORKDIR/rp.json" "sum(r['packets'] for r in j['result']['rules'] if r['list'] == '$1' and r['rule'] == '$2')"
}

# iface_packets IFACE VERDICT : packets of a verdict (pass, drop, allow,
# monitor, non_ip, ...) counted on IFACE
iface_packets() {
	ctl_json "$WORKDIR/ip.json" stats --limit 0 || return 1
	json_get "$WORKDIR/ip.json" "sum(i['$2']['packets'] for i in j['result']['interfaces'] if i['name'] == '$1')"
}

# status_field PYTHON-EXPR-ON-RESULT : e.g. status_field "r['generation']"
status_field() {
	ctl_json "$WORKDIR/st.json" status || return 1
	json_get "$WORKDIR/st.json" "(lambda r: $1)(j['result'])"
}

# wait_for SECONDS CMD... : run CMD every 0.1 s until it succeeds. CMD's
# arguments are expanded once, before the first try: what must be read
# again at each try goes in a function (udp_count_is FILE N), never in a
# "$(...)" argument, which would be one reading compared over and over.
wait_for() {
	local tries=$(( $1 * 10 ))
	shift
	for _ in $(seq "$tries"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# daemon_wait_reloads N : wait until the daemon has done N reloads (ok or
# not), e.g. after a SIGHUP
_reloads_at_least() { [ "$(status_field "r['reloads_total']")" -ge "$1" ]; }
daemon_wait_reloads() { wait_for 60 _reloads_at_least "$1"; }

# xdp_attached IFACE : the router's IFACE has an XDP program
xdp_attached() {
	ip -n "$(ns r)" link show dev "$1" | grep -q 'prog/xdp'
}

# --- traffic between real peers ---

# ping_ok ADDR [PING-ARGS] : the client gets an echo reply (waits 5 s at most)
ping_ok() {
	local a=$1
	shift
	in_client ping -n -q -c 1 -w 5 "$@" "$a"
}

# ping_blocked ADDR [PING-ARGS] : 3 echo requests, no answer at all (no
# reply and no ICMP error: the packets vanished)
ping_blocked() {
	local a=$1 out
	shift
	out=$(in_client ping -n -q -c 3 -i 0.2 -W 1 "$@" "$a" 2>&1)
	[ $? -eq 1 ] && grep -q ' 0 received' <<<"$out" && ! grep -q error <<<"$out"
}

TCP_PORT=${TCP_PORT:-8080}
TCP_BANNER=xdpblock-tcp-ok

# tcp_server_start : a TCP server on every server address (v4 and v6) that
# answers each connection with a banner
tcp_server_start() {
	in_server socat TCP6-LISTEN:"$TCP_PORT",ipv6only=0,reuseaddr,fork \
		SYSTEM:"echo $TCP_BANNER" </dev/null >/dev/null 2>&1 &
	wait_for 10 in_server sh -c "ss -Htln | grep -q ':$TCP_PORT '"
}

_hostport() {
	case $1 in
	*:*) echo "[$1]:$2" ;;
	*) echo "$1:$2" ;;
	esac
}

# tcp_ok ADDR : the client connects to ADDR and reads the banner
tcp_ok() {
	in_client timeout 20 socat -u \
		TCP:"$(_hostport "$1" "$TCP_PORT")",connect-timeout=10 STDOUT \
		2>&1 </dev/null | grep -q "$TCP_BANNER"
}

# tcp_blocked ADDR : the client's connection attempt times out (no answer,
# not even a reset)
tcp_blocked() {
	local out
	out=$(in_client timeout 20 socat -u \
		TCP:"$(_hostport "$1" "$TCP_PORT")",connect-timeout=2 STDOUT \
		2>&1 </dev/null)
	[ $? -ne 0 ] && grep -qi 'timed out' <<<"$out"
}

# udp_sink NSFUNC ADDR PORT FILE : NSFUNC (in_client, in_server) receives
# UDP datagrams on ADDR:PORT and appends them to FILE (one line each)
udp_sink() {
	local f=$1 addr=$2 port=$3 file=$4 spec pat
	: >"$file"
	case $addr in
	*:*) spec="UDP6-RECV:$port,bind=[$addr]" pat="[$addr]:$port" ;;
	*) spec="UDP4-RECV:$port,bind=$addr" pat="$addr:$port" ;;
	esac
	"$f" socat -u "$spec" "OPEN:$file,append" </dev/null >/dev/null 2>&1 &
	wait_for 10 "$f" sh -c "ss -Huln | grep -qF '$pat '"
}

# udp_count FILE : datagrams a udp_sink has received
udp_count() { wc -l <"$1"; }
# udp_count_is FILE N : a udp_sink has received N datagrams (for wait_for:
# the file is counted at each try)
udp_count_is() { [ "$(udp_count "$1")" -eq "$2" ]; }

# udp_send NSFUNC SRC DST PORT COUNT : send COUNT one-line datagrams from
# SRC to DST:PORT, 10 ms apart
udp_send() {
	"$1" "$PYTHON" -c '
import socket, sys, time
src, dst, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
for i in range(n):
    s.sendto(b"%d\n" % i, (dst, port))
    time.sleep(0.01)
' "$2" "$3" "$4" "$5"
}

# --- DNS

# client_xdp_pass : a pass-everything XDP program on the client's veth, so
# that frames the router sends back with XDP_TX (DNS replies) arrive
XDP_PASS_OBJ=$BUILD/tests/xdp_pass.bpf.o
client_xdp_pass() {
	ip -n "$(ns c)" link set dev c0 xdp obj "$XDP_PASS_OBJ" sec xdp
}

# dns_server_start HOST-RECORD... : dnsmasq on the server's link addresses
# (198.51.100.2, 2001:db8:2::2), port 53, UDP and TCP, answering the given
# host records (NAME,ADDR[,ADDR6]) and NXDOMAIN for other names of
# example.com, example.net and example.org; nothing is forwarded
dns_server_start() {
	local args=() r
	for r in "$@"; do
		args+=("--host-record=$r")
	done
	in_server dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --no-poll --bind-interfaces \
		--listen-address=198.51.100.2 --listen-address=2001:db8:2::2 \
		--except-interface=lo --pid-file= --user=root --group=root \
		--local=/example.com/ --local=/example.net/ --local=/example.org/ \
		"${args[@]}" >>"$WORKDIR/dnsmasq.log" 2>&1 &
	wait_for 10 in_server sh -c "ss -Htln | grep -q '198.51.100.2:53 '"
}

# dig_query OUT SERVER NAME [DIG-ARGS] : one query from the client, one try,
# 2 s timeout; dig's output in OUT; dig's exit status
dig_query() {
	local out=$1 server=$2 name=$3
	shift 3
	in_client dig @"$server" +tries=1 +timeout=2 "$@" "$name" >"$out" 2>&1
}

# --- web

# web_server_start NAME... : nginx in the server namespace on 198.51.100.2
# and [2001:db8:2::2]: HTTP on port 80, HTTPS on 443 with a self-signed
# certificate for the given names, made here by openssl. Every request is
# answered "ok HOST". Nothing is logged by the server but errors.
web_server_start() {
	local dir=$WORKDIR/nginx san="" n
	mkdir -p "$dir/logs" "$dir/tmp"
	for n in "$@"; do san="${san:+$san,}DNS:$n"; done
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
		-addext "subjectAltName=$san" -keyout "$dir/key.pem" \
		-out "$dir/cert.pem" 2>>"$WORKDIR/nginx.log" || return 1
	cat >"$dir/nginx.conf" <<-CONF
	daemon off;
	user root;
	worker_processes 1;
	pid $dir/nginx.pid;
	error_log $dir/logs/error.log;
	events { worker_connections 64; }
	http {
		access_log off;
		client_body_temp_path $dir/tmp;
		server {
			listen 198.51.100.2:80;
			listen [2001:db8:2::2]:80;
			listen 198.51.100.2:443 ssl;
			listen [2001:db8:2::2]:443 ssl;
			server_name _;
			ssl_certificate $dir/cert.pem;
			ssl_certificate_key $dir/key.pem;
			location / {
				default_type text/plain;
				return 200 "ok \$host\n";
			}
		}
	}
	CONF
	in_server nginx -p "$dir" -c "$dir/nginx.conf" >>"$WORKDIR/nginx.log" 2>&1 &
	wait_for 10 in_server sh -c "ss -Htln | grep -q '198.51.100.2:443 '"
}

# web_get OUT URL ADDR [CURL-ARGS] : curl from the client, the URL's host
# resolved to ADDR (--resolve: no DNS), trusting the lab's certificate;
# connect and total timeouts of 3 s; the body in OUT, curl's exit status
# (0 fetched, 7 refused, 28 timed out, 35 TLS handshake failed or 56
# connection reset)
web_get() {
	local out=$1 url=$2 addr=$3 host port
	shift 3
	host=${url#*://}
	host=${host%%/*}
	port=80
	case $url in https*) port=443 ;; esac
	case $host in *:*) port=${host##*:} host=${host%:*} ;; esac
	case $addr in *:*) addr="[$addr]" ;; esac
	in_client curl -sS --max-time 3 --connect-timeout 3 \
		--cacert "$WORKDIR/nginx/cert.pem" \
		--resolve "$host:$port:$addr" "$@" "$url" >"$out" 2>"$out.err"
}

# --- privacy

# addresses_in FILE ADDR... : print each spelling of each ADDR found in FILE
# as a whole token (not inside a longer address, number or word): IPv4
# dotted, IPv4-mapped IPv6, and as hex in either byte order; IPv6
# compressed, full and zero-padded; any case
addresses_in() {
	"$PYTHON" - "$@" <<-'PY'
	import ipaddress, re, sys
	text = open(sys.argv[1], errors="replace").read()
	for a in sys.argv[2:]:
	    ip = ipaddress.ip_address(a)
	    if ip.version == 4:
	        b = ip.packed
	        forms = {str(ip), "::ffff:" + str(ip), b.hex(), b[::-1].hex()}
	    else:
	        forms = {ip.compressed, ip.exploded,
	                 ":".join("%x" % int(g, 16) for g in ip.exploded.split(":"))}
	    for f in sorted(forms):
	        if re.search(r"(?<![0-9A-Za-z:.])" + re.escape(f) +
	                     r"(?![0-9A-Za-z]|[.:][0-9A-Za-z])", text, re.I):
	            print(f)
	PY
}

# feed_start [CERT KEY] : tests/e2e/list_server.py serving $FEED on
# 198.51.100.2, port 8000 (8443 with TLS), its requests logged to
# $HTTP_LOG; waits until it listens. feed_stop stops it (lib_cleanup too).
FEED_PID=""
feed_start() {
	local port=8000
	[ $# -eq 2 ] && port=8443
	# not through in_server: $! must be the server itself, to stop it
	ip netns exec "$(ns s)" "$PYTHON" "$TOP/tests/e2e/list_server.py" "$FEED" \
		198.51.100.2 $port "$HTTP_LOG" "$@" >>"$WORKDIR/server.out" 2>&1 &
	FEED_PID=$!
	wait_for 10 in_server sh -c "ss -Htln | grep -q ':$port '"
}
feed_stop() {
	[ -n "$FEED_PID" ] && kill "$FEED_PID" 2>/dev/null
	wait "$FEED_PID" 2>/dev/null
	FEED_PID=""
}

# notify_listen SOCKET LOG : a stand-in for systemd's notification socket
# at SOCKET (for NOTIFY_SOCKET=): one line per datagram in LOG, newlines
# inside it as " | "; waits until it listens (lib_cleanup stops it)
NOTIFY_PID=""
notify_listen() {
	"$PYTHON" - "$1" "$2" <<'EOF' &
import socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().strip().replace("\n", " | ") + "\n")
EOF
	NOTIFY_PID=$!
	wait_for 5 test -S "$1"
}

lib_cleanup() {
	if [ "$T_FAILED" -gt 0 ] && [ -s "$WORKDIR/daemon.log" ]; then
		echo "--- daemon log (last 30 lines)"
		tail -n 30 "$WORKDIR/daemon.log" | sed 's/^/    /'
	fi
	daemon_stop
	feed_stop
	[ -n "$NOTIFY_PID" ] && kill "$NOTIFY_PID" 2>/dev/null
	lab_down
	rm -rf "$WORKDIR"
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM

# test_ca_and_cert IP: a private CA ($WORKDIR/ca.pem) and a server
# certificate it signed for IP ($WORKDIR/srv.pem, srv.key), for HTTPS
# feeds in the lab
test_ca_and_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=xdpblock-test-ca \
		-keyout "$WORKDIR/ca.key" -out "$WORKDIR/ca.pem" >/dev/null 2>&1
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" \
		-keyout "$WORKDIR/srv.key" -out "$WORKDIR/srv.csr" >/dev/null 2>&1
	printf 'subjectAltName=IP:%s\n' "$1" >"$WORKDIR/san.ext"
	openssl x509 -req -in "$WORKDIR/srv.csr" -CA "$WORKDIR/ca.pem" -CAkey "$WORKDIR/ca.key" \
		-CAcreateserial -days 2 -extfile "$WORKDIR/san.ext" -out "$WORKDIR/srv.pem" >/dev/null 2>&1
}

# --- counters of one rule (tests/e2e: positive controls)
# "Blocked" alone also passes for an address nothing answers: a test shows
# the path working first (ping_ok to the same address while it is not
# listed), then pairs the block with the rule that dropped the packets, by
# their exact number.

# rule_packets_are LIST RULE N : RULE of LIST has counted N packets so far
rule_packets_are() { [ "$(rule_packets "$1" "$2")" = "$3" ]; }

# rule_count_check NAME LIST RULE BEFORE N : t_check that RULE of LIST went
# from BEFORE to exactly BEFORE + N packets (waits 5 s at most to get there)
rule_count_check() {
	local name=$1 list=$2 rule=$3 before=$4 n=$5 now
	case $before in
	'' | *[!0-9]*)
		t_fail "$name: $list's rule $rule counted $n packets" "no counter before: '$before'"
		return
		;;
	esac
	wait_for 5 rule_packets_are "$list" "$rule" $((before + n))
	now=$(rule_packets "$list" "$rule")
	t_check "$name: $list's rule $rule counted exactly $n packets ($before -> $now)" \
		test "$now" = $((before + n))
}

# ping_dropped_by NAME LIST RULE ADDR [PING-ARGS] : ping_blocked ADDR, and
# its 3 echo requests are counted on RULE of LIST, no more, no fewer
ping_dropped_by() {
	local name=$1 list=$2 rule=$3 addr=$4 before
	shift 4
	before=$(rule_packets "$list" "$rule")
	t_check "$name: $addr blocked" ping_blocked "$addr" "$@"
	rule_count_check "$name" "$list" "$rule" "$before" 3
}
