#!/usr/bin/env bash
# End to end: what a local client can do to the daemon's control socket
# and metrics endpoint (issue 12, findings 4 and 5).
#   - 20 idle control connections (root's, then a group member's): status
#     answers in under a second and a scrape completes in under 5 s; the
#     times are printed (docs/architecture.md quotes them)
#   - a group member beyond 8 connections is refused with one error line
#     naming the limit; root still gets its answer
#   - a client that sends nothing is dropped after the request time limit
#   - /top is not served by default (404 saying how to turn it on);
#     metrics_top = yes serves it after a reload
#   - 40 slow HTTP connections from 127.0.0.2 do not keep a scrape from
#     127.0.0.1 waiting (per-address connection limit)
. "$(dirname "$0")/../lib.sh"

GROUP=xdpbh$$
METRICS=http://127.0.0.1:9469
HOLD_PIDS=()
HOLD_READY=()

cleanup() {
	rm -f "${HOLD_READY[@]}"
	for p in "${HOLD_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	lib_cleanup
	getent group "$GROUP" >/dev/null && groupdel "$GROUP"
}
trap cleanup EXIT

# hold KIND N READY [SRC] : keep N idle connections open (KIND unix: to the
# control socket; tcp: to the metrics port from address SRC, sending half
# a request line); write to READY how many the other side answered or
# closed within 0.5 s, then sleep until killed
HOLD_PY='
import socket, sys, time, select
kind, n, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
socks = []
for _ in range(n):
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX)
        s.connect(sys.argv[4])
    else:
        s = socket.socket()
        s.bind((sys.argv[4], 0))
        s.connect(("127.0.0.1", 9469))
        s.send(b"GET /metr")
    socks.append(s)
time.sleep(0.5)
answered = [s for s in socks if select.select([s], [], [], 0)[0]]
msgs = set()
for s in answered:
    try:
        msgs.add(s.recv(4096).decode(errors="replace").strip())
    except OSError:
        msgs.add("(reset)")
with open(ready + ".tmp", "w") as f:
    f.write("%d\n" % len(answered))
    for m in sorted(msgs):
        f.write(m + "\n")
import os
os.rename(ready + ".tmp", ready)
# held until release() removes READY (or two minutes at most)
for _ in range(1200):
    if not os.path.exists(ready):
        break
    time.sleep(0.1)
'
hold() { # [WRAPPER...] -- KIND N READY ARG
	local wrap=()
	while [ "$1" != -- ]; do wrap+=("$1"); shift; done
	shift
	rm -f "$3"
	"${wrap[@]}" "$PYTHON" -c "$HOLD_PY" "$@" &
	HOLD_PIDS+=($!)
	HOLD_READY+=("$3")
	wait_for 10 test -e "$3"
}
release() {
	rm -f "${HOLD_READY[@]}"
	HOLD_READY=()
	for p in "${HOLD_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	HOLD_PIDS=()
}

# elapsed_ms CMD... : run CMD (its output to $WORKDIR/el.out); print ms
elapsed_ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >"$WORKDIR/el.out" 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
under() { [ "$1" -lt "$2" ]; }

as_member() {
	setpriv --reuid=nobody --regid=nogroup \
		--groups="$(getent group "$GROUP" | cut -d: -f3)" -- "$@"
}

groupadd "$GROUP" || { t_fail "groupadd $GROUP"; exit 1; }
chmod 0755 "$WORKDIR"
mkdir -m 1777 "$WORKDIR/hold" # the member's holder writes its READY here
lab_up || { t_fail "lab setup"; exit 1; }
printf '203.0.113.0/24\n' >"$WORKDIR/block.txt"
LIST=("[list:block]" "signature = none" "path = $WORKDIR/block.txt")
write_config "$WORKDIR/x.conf" "control_group = $GROUP" "${LIST[@]}"
require "xdpblockd starts" daemon_start "$WORKDIR/x.conf"
SOCK=$WORKDIR/control.sock

# --- finding 5: /top is off unless asked for
code=$(in_router curl -sS --max-time 5 -o "$WORKDIR/top.out" -w '%{http_code}' "$METRICS/top")
t_check "/top by default: 404 (was $code)" test "$code" = 404
t_check "/top by default: says how to turn it on" grep -qF "metrics_top = yes" "$WORKDIR/top.out"
t_check_not "/top by default: no rule text" grep -qF "203.0.113" "$WORKDIR/top.out"
write_config "$WORKDIR/x.conf" "control_group = $GROUP" "metrics_top = yes" "${LIST[@]}"
t_check "reload with metrics_top = yes" ctl reload
code=$(in_router curl -sS --max-time 5 -o "$WORKDIR/top.out" -w '%{http_code}' "$METRICS/top")
t_check "metrics_top = yes: /top answers 200 (was $code)" test "$code" = 200

# --- finding 4: idle control connections do not slow anyone down
hold -- unix 20 "$WORKDIR/root.ready" "$SOCK"
ms=$(elapsed_ms ctl status)
echo "    status with 20 idle root connections: $ms ms"
t_check "20 idle root connections: status answers in under 1 s ($ms ms)" under "$ms" 1000
ms=$(elapsed_ms in_router curl -sS --max-time 10 -o /dev/null "$METRICS/metrics")
echo "    scrape with 20 idle root connections: $ms ms"
t_check "20 idle root connections: a scrape completes in under 5 s ($ms ms)" under "$ms" 5000
release

hold as_member -- unix 20 "$WORKDIR/hold/member.ready" "$SOCK"
sed 's/^/    | /' "$WORKDIR/hold/member.ready"
t_check "a member's 20 connections: 12 refused at once (8 allowed)" \
	test "$(head -n1 "$WORKDIR/hold/member.ready")" = 12
t_check "... with one error line naming the limit" \
	grep -qF "too many control connections from uid" "$WORKDIR/hold/member.ready"
ms=$(elapsed_ms ctl status)
echo "    status with a member's 20 connections open: $ms ms"
t_check "... root's status answers in under 1 s ($ms ms)" under "$ms" 1000
as_member "$XDPBLOCKCTL" -s "$SOCK" status >"$WORKDIR/ninth.out" 2>&1
rc=$?
sed 's/^/    | /' "$WORKDIR/ninth.out"
t_check "... the member's own 9th is refused (status 1)" test "$rc" = 1
t_check "... and says why" grep -qF "too many control connections" "$WORKDIR/ninth.out"
ms=$(elapsed_ms in_router curl -sS --max-time 10 -o /dev/null "$METRICS/metrics")
echo "    scrape with a member's 20 connections open: $ms ms"
t_check "... a scrape completes in under 5 s ($ms ms)" under "$ms" 5000
release
t_check "the connections closed: the member's status works again" \
	wait_for 5 as_member "$XDPBLOCKCTL" -s "$SOCK" status

# a client that sends nothing is dropped after the request time limit
t_check "a silent client is dropped within 4 s" "$PYTHON" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(4)
t0 = time.time()
try:
    s.recv(1)
except socket.timeout:
    sys.exit(1)
print("dropped after %.1f s" % (time.time() - t0))' "$SOCK"

# --- finding 5: 40 slow HTTP connections from one address
hold in_router -- tcp 40 "$WORKDIR/http.ready" 127.0.0.2
ms=$(elapsed_ms in_router curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$METRICS/metrics")
echo "    scrape with 40 slow connections from 127.0.0.2: $ms ms ($(cat "$WORKDIR/el.out"))"
t_check "40 slow connections from 127.0.0.2: a scrape from 127.0.0.1 answers 200 in under 5 s" \
	grep -qx 200 "$WORKDIR/el.out"
release

t_check "the daemon is still running" kill -0 "$DAEMON_PID"
t_done
