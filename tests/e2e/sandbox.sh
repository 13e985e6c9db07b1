#!/usr/bin/env bash
# End to end: the daemon inside the limits the systemd unit sets, taken from
# contrib/systemd/xdpblockd.service itself (PID 1 here is not systemd, so
# the limits are applied the way systemd applies them, one by one):
#   - CapabilityBoundingSet= and NoNewPrivileges=: with exactly that set
#     the daemon starts, blocks, reloads, hands the socket to
#     control_group; its effective set is exactly the unit's
#   - each capability of the set is needed: without it the daemon refuses
#     to start, saying why
#   - SystemCallFilter=: every system call of a session (start, status,
#     stats, lookup, a metrics scrape, a list from a URL, a list file that
#     changes, an interface that appears, reloads good and bad, SIGHUP,
#     SIGTERM) is in the set systemd-analyze expands the unit's filter to
. "$(dirname "$0")/../lib.sh"

UNIT=$TOP/contrib/systemd/xdpblockd.service
BLOCKED=203.0.113.10
GROUP=xdpbt$$

# unit_setting KEY : the values of every KEY= line of the unit, joined
unit_setting() {
	awk -v k="$1" -F= '$1 == k { v = v (v == "" ? "" : " ") substr($0, length(k) + 2) }
		END { print v }' "$UNIT"
}
UNIT_CAPS=$(unit_setting CapabilityBoundingSet)

# setpriv_caps CAP... : "cap_bpf,cap_net_admin" as setpriv's +list
setpriv_caps() {
	local out="" c
	for c in "$@"; do
		c=$(tr 'A-Z' 'a-z' <<<"$c")
		out="$out${out:+,}+${c#cap_}"
	done
	echo "$out"
}

# daemon_start_caps CONFIG CAP... : like daemon_start, with only CAPs in the
# bounding set, no inheritable or ambient ones, and no_new_privs, as the
# unit's CapabilityBoundingSet= and NoNewPrivileges= give
daemon_start_caps() {
	local conf=$1
	shift
	# nsenter and setpriv exec: DAEMON_PID is the daemon's own pid
	nsenter --net=/run/netns/"$(ns r)" setpriv --no-new-privs --inh-caps=-all \
		--bounding-set=-all,"$(setpriv_caps "$@")" \
		"$XDPBLOCKD" -c "$conf" >"$WORKDIR/daemon.log" 2>&1 &
	DAEMON_PID=$!
	wait_for 20 _up_or_gone
	ctl status >/dev/null 2>&1
}
_up_or_gone() { ctl status || ! kill -0 "$DAEMON_PID"; }

# caps_of PID : the effective capability names of PID, sorted, one line
caps_of() {
	capsh --decode="$(awk '/^CapEff:/ { print $2 }' /proc/"$1"/status)" |
		sed 's/.*=//' | tr ',' '\n' | tr 'a-z' 'A-Z' | sort | tr '\n' ' '
}

cleanup() {
	lib_cleanup
	getent group "$GROUP" >/dev/null && groupdel "$GROUP"
}
trap cleanup EXIT

[ -n "$UNIT_CAPS" ] || { t_fail "the unit has a CapabilityBoundingSet= line"; exit 1; }
groupadd "$GROUP" || { t_fail "groupadd $GROUP"; exit 1; }
lab_up || { t_fail "lab setup"; exit 1; }
server_addr $BLOCKED/24
printf '203.0.113.0/24\n' >"$WORKDIR/block.txt"
write_config "$WORKDIR/x.conf" "control_group = $GROUP" "[list:block]" "signature = none" \
	"path = $WORKDIR/block.txt"

# positive control: without the daemon the server answers the address
# blocked below
t_check "no daemon: $BLOCKED answers" ping_ok $BLOCKED

# --- exactly the unit's capabilities
# shellcheck disable=SC2086
if daemon_start_caps "$WORKDIR/x.conf" $UNIT_CAPS; then
	t_pass "unit's capabilities ($UNIT_CAPS): xdpblockd starts"
	# once started it drops what start-up alone needed (privs.h)
	want=$(tr ' ' '\n' <<<"$UNIT_CAPS" | sed '/^$/d' | grep -vx CAP_CHOWN | sort | tr '\n' ' ')
	t_check "unit's capabilities: once started the daemon holds them but CAP_CHOWN" \
		test "$(caps_of "$DAEMON_PID")" = "$want"
	t_check "unit's capabilities: no_new_privs set" \
		grep -q '^NoNewPrivs:[[:space:]]*1' /proc/"$DAEMON_PID"/status
	ping_dropped_by "unit's capabilities" block 203.0.113.0/24 $BLOCKED
	t_check "unit's capabilities: 198.51.100.2 reachable" ping_ok 198.51.100.2
	t_check "unit's capabilities: xdpblockctl reload succeeds" ctl reload
	t_check "unit's capabilities: the socket belongs to control_group" \
		test "$(stat -c %G "$WORKDIR/control.sock")" = "$GROUP"
	daemon_stop
else
	t_fail "unit's capabilities ($UNIT_CAPS): xdpblockd starts"
	sed 's/^/    | /' "$WORKDIR/daemon.log"
fi

# --- each one is needed: the message says what failed
declare -A without_says=(
	[CAP_BPF]="cannot load the XDP program"
	[CAP_PERFMON]="cannot load the XDP program"
	[CAP_NET_ADMIN]="cannot load the XDP program"
	[CAP_CHOWN]="(control_group): Operation not permitted; xdpblockd needs CAP_CHOWN"
)
for cap in $UNIT_CAPS; do
	rest=$(tr ' ' '\n' <<<"$UNIT_CAPS" | grep -vx "$cap" | tr '\n' ' ')
	# shellcheck disable=SC2086
	daemon_start_caps "$WORKDIR/x.conf" $rest
	if kill -0 "$DAEMON_PID" 2>/dev/null && ctl status >/dev/null 2>&1; then
		t_fail "without $cap: xdpblockd refuses to start" "it started: is $cap still needed?"
		daemon_stop
		continue
	fi
	wait "$DAEMON_PID" 2>/dev/null
	rc=$?
	DAEMON_PID=""
	t_check "without $cap: xdpblockd refuses to start (status $rc)" test "$rc" -eq 1
	t_check "without $cap: it says '${without_says[$cap]:-?}'" \
		grep -qF "${without_says[$cap]:-no message recorded for $cap}" "$WORKDIR/daemon.log"
	t_check "without $cap: no XDP program left behind" \
		sh -c "! ip -n '$(ns r)' link show | grep -q prog/xdp"
done

# --- system calls: everything a session uses is in the unit's filter
# filter_calls FILTER... : the system calls a SystemCallFilter= allows, from
# systemd-analyze's own table of sets (read once: one call per set is slow)
filter_calls() {
	systemd-analyze syscall-filter 2>/dev/null | "$PYTHON" -c '
import sys
sets, cur = {}, None
for line in sys.stdin:
    word = line.strip()
    if not word or word.startswith("#"):
        continue
    if not line[0].isspace():
        cur = sets.setdefault(word, [])
    elif cur is not None:
        cur.append(word)
def calls(name, seen=()):
    if not name.startswith("@"):
        return {name}
    out = set()
    for member in sets.get(name, []):
        if member not in seen:
            out |= calls(member, seen + (name,))
    return out
allow, deny = set(), set()
for f in sys.argv[1:]:
    if f.startswith("~"):
        deny |= calls(f[1:])
    else:
        allow |= calls(f)
print("\n".join(sorted(allow - deny)))
' "$@"
}
# shellcheck disable=SC2046
filter_calls $(unit_setting SystemCallFilter) >"$WORKDIR/filter.txt"
t_check "SystemCallFilter: expands to a list with bpf in it" grep -qx bpf "$WORKDIR/filter.txt"
t_check_not "SystemCallFilter: setrlimit is not in it (~@resources)" grep -qx setrlimit "$WORKDIR/filter.txt"

# The session uses every part of the daemon: a list from a URL (the
# download thread), list watching (inotify, timerfd), the metrics server,
# an interface that comes and goes (netlink), pinning.
mkdir -p "$WORKDIR/feed"
printf '192.0.2.192/26\n' >"$WORKDIR/feed/feed.txt"
ip netns exec "$(ns s)" "$PYTHON" "$TOP/tests/e2e/list_server.py" "$WORKDIR/feed" \
	198.51.100.2 8000 "$WORKDIR/http.log" >/dev/null 2>&1 &
FEED_PID=$!
trap 'kill $FEED_PID 2>/dev/null; cleanup' EXIT
wait_for 10 in_server sh -c "ss -Htln | grep -q ':8000 '"
WATCH_LISTS=yes write_config "$WORKDIR/session.conf" "interfaces = hp0" \
	"[list:block]" "signature = none" "path = $WORKDIR/block.txt" \
	"[list:feed]" "signature = none" "url = http://198.51.100.2:8000/feed.txt" \
	"path = $WORKDIR/cache/feed.txt" "refresh = 1"
nsenter --net=/run/netns/"$(ns r)" strace -f -qq -o "$WORKDIR/strace.out" \
	"$XDPBLOCKD" -c "$WORKDIR/session.conf" >"$WORKDIR/daemon.log" 2>&1 &
DAEMON_PID=$!
if wait_for 20 ctl status; then
	ctl stats >/dev/null
	ctl lookup 203.0.113.99 >/dev/null
	t_check "session: metrics scraped" in_router curl -sf -o /dev/null http://127.0.0.1:9469/metrics
	t_check "session: the feed was checked again (304)" \
		wait_for 10 grep -q '^GET /feed.txt 304$' "$WORKDIR/http.log"
	n=$(status_field "r['reloads_total']")
	printf '203.0.113.0/24\n# touched\n' >"$WORKDIR/block.txt"
	t_check "session: a changed list file reloads" daemon_wait_reloads $((n + 1))
	ip link add hp0 netns "$(ns r)" type veth peer name hp1 netns "$(ns c)"
	t_check "session: an interface that appears is attached" wait_for 10 xdp_attached hp0
	ip -n "$(ns r)" link del hp0
	ctl reload >/dev/null
	printf 'not-an-address\n' >>"$WORKDIR/block.txt"
	ctl reload >/dev/null 2>&1
	# signals go to the daemon itself (DAEMON_PID is strace's pid)
	traced=$(status_field "r['pid']")
	# counted before the signal: a reload done before the count is read
	# would be waited for in vain
	n=$(status_field "r['reloads_total']")
	kill -HUP "$traced"
	t_check "SIGHUP under strace: a reload" daemon_wait_reloads $((n + 1))
	kill -TERM "$traced"
	t_check "SIGTERM under strace: the daemon exits (and strace with it)" daemon_wait_exit
	# "1234  name(" and "1234  <... name resumed>" lines
	sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p; s/^[0-9]+ +<\.\.\. ([a-z0-9_]+) resumed>.*/\1/p' \
		"$WORKDIR/strace.out" | sort -u >"$WORKDIR/used.txt"
	t_check "strace saw the session (bpf, accept4 and signalfd among its calls)" \
		sh -c "grep -qx bpf '$WORKDIR/used.txt' && grep -qx accept4 '$WORKDIR/used.txt' && grep -qx signalfd4 '$WORKDIR/used.txt'"
	outside=$(grep -vxFf "$WORKDIR/filter.txt" "$WORKDIR/used.txt" | tr '\n' ' ')
	t_check "every system call the daemon made is allowed by SystemCallFilter= (outside: ${outside:-none})" \
		test -z "$outside"
	# the comparison can fail: a call outside the filter is seen
	t_check "the comparison finds a call outside the filter (setrlimit)" \
		sh -c "echo setrlimit | grep -vxFf '$WORKDIR/filter.txt' | grep -qx setrlimit"
else
	t_fail "xdpblockd starts under strace"
fi

t_done
