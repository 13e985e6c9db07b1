#!/usr/bin/env bash
# End to end: the Prometheus endpoint and `top`.
#   - /metrics on the default 127.0.0.1:9469 inside the router namespace:
#     promtool check metrics is clean; exact counter changes for a known
#     number of dropped, monitored and malformed packets; rules-loaded
#     gauges; attach state; the list version is the file's mtime
#   - the default address is loopback only: the client cannot reach it
#     (0.0.0.0 in the config makes it reachable: the control)
#   - reloads: a good one moves reloads_total and the generation, bad ones
#     move reload_failures_total{reason=config|io|parse}; no
#     counter goes down across any of them
#   - xdpblockctl top and GET /top: the blocked rule first with its exact
#     count, --list / list=, errors for a bad N and an unknown list, 404
#   - a real Prometheus server scrapes the daemon every second; a counter
#     queried back through its HTTP API equals the one scraped directly
#   - [::1], off, a taken port and a malformed metrics_listen
#   - the datapath and the kernel: address lists alone load no name stage
#     (stage_loaded{stage="dns"} 0, status "stages: entry (addresses
#     only ...)"); a domain list loads dns and web (1 each, status and
#     --json); timer_cpu_pin in metrics, status and the start-up warning is
#     what bpftool finds in the kernel's BTF; a stage taken out of the
#     pinned stage table makes each DNS packet an exact stage_missed count
#   - no traffic address in any metric or in the daemon log
. "$(dirname "$0")/../lib.sh"

BLOCKED4=203.0.113.10 MONITORED4=198.51.100.2
METRICS=http://127.0.0.1:9469
PROM_PORT=9090
PROM_PID=""
LIST=$WORKDIR/blocked.txt
WATCH=$WORKDIR/watch.txt

prom_stop() {
	[ -n "$PROM_PID" ] || return 0
	kill -TERM "$PROM_PID" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$PROM_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$PROM_PID" 2>/dev/null
	wait "$PROM_PID" 2>/dev/null
	PROM_PID=""
}
trap 'prom_stop; lib_cleanup' EXIT

# router_get URL FILE : GET inside the router namespace; prints the HTTP
# status (000 when nothing answered)
router_get() {
	in_router curl -sS -g --max-time 5 -o "$2" -w '%{http_code}' "$1" 2>/dev/null
}

# scrape FILE : /metrics into FILE; fails unless it answered 200
scrape() { [ "$(router_get "$METRICS/metrics" "$1")" = 200 ]; }

# metric FILE NAME [LABEL=VALUE ...] : the value of the one sample of NAME
# with exactly these labels; fails if there is none
metric() {
	"$PYTHON" - "$@" <<'PY'
import re, sys
path, name, *want = sys.argv[1:]
want = dict(w.split("=", 1) for w in want)
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')
found = []
for line in open(path):
    m = sample.match(line.rstrip("\n"))
    if not m or m.group(1) != name:
        continue
    labels = {k: v for k, v in label.findall(m.group(2) or "")}
    if labels == want:
        found.append(m.group(3))
if len(found) != 1:
    sys.exit(1)
print(found[0])
PY
}

# counters_not_down BEFORE AFTER : every counter sample of BEFORE is in
# AFTER with a value at least as high (prints the ones that are not)
counters_not_down() {
	"$PYTHON" - "$1" "$2" <<'PY'
import sys
def counters(path):
    types, out = {}, {}
    for line in open(path):
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            types[name] = kind
        elif line.strip() and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            if types.get(key.split("{")[0]) == "counter":
                out[key] = float(value)
    return out
before, after = counters(sys.argv[1]), counters(sys.argv[2])
bad = [k for k in before if after.get(k, -1) < before[k]]
for k in bad:
    print(k, before[k], "->", after.get(k))
sys.exit(1 if bad or not before else 0)
PY
}

# between VALUE LOW HIGH : LOW <= VALUE <= HIGH (integers)
between() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# promtool_clean FILE : promtool check metrics finds nothing at all
promtool_clean() {
	local out
	out=$(promtool check metrics <"$1" 2>&1) && [ -z "$out" ] ||
		{ echo "$out"; return 1; }
}

# delta NAME LABELS... : the change of a sample between $M0 and $M1
delta() {
	local a b
	a=$(metric "$M0" "$@") && b=$(metric "$M1" "$@") && echo $((b - a))
}

# send_frames ETHERTYPE PAYLOAD-HEX COUNT : raw Ethernet frames from the
# client's c0 to the router's r0
send_frames() {
	local mac
	mac=$(ip -n "$(ns r)" -o link show dev r0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
	in_client "$PYTHON" -c '
import socket, sys
dst, ethertype, payload, n = sys.argv[1:]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("c0", 0))
src = s.getsockname()[4]
frame = bytes.fromhex(dst.replace(":", "")) + src + bytes.fromhex(ethertype + payload)
for _ in range(int(n)):
    s.send(frame)
' "$mac" "$1" "$2" "$3"
}

lab_up || { t_fail "lab setup"; exit 1; }
server_addr $BLOCKED4/24

printf '%s\n' "203.0.113.0/24" "203.0.113.200/32" "192.0.2.128/25" \
	"2001:db8:3::/48" "2001:db8:4::/64" >"$LIST"
touch -d @1700000000 "$LIST"
printf '%s\n' "$MONITORED4/32" >"$WATCH"
LISTS=("[list:blocked]" "signature = none" "path = $LIST" "action = drop"
	"[list:watch]" "signature = none" "path = $WATCH" "action = monitor"
	"[daemon]" "metrics_top = yes") # /top is off by default (hardening.sh)
write_config "$WORKDIR/xdpblock.conf" "${LISTS[@]}"
t_before_start=$(date +%s)
require "xdpblockd starts" daemon_start "$WORKDIR/xdpblock.conf"
t_after_start=$(date +%s)

# --- the endpoint: where it listens, what it serves
t_check "the log says where metrics are served" \
	grep -qF "metrics: serving http://127.0.0.1:9469/metrics" "$WORKDIR/daemon.log"
in_router ss -Htln >"$WORKDIR/ss.txt"
t_check "default: the only listener on port 9469 is 127.0.0.1:9469" \
	test "$(awk '$4 ~ /:9469$/ {print $4}' "$WORKDIR/ss.txt")" = "127.0.0.1:9469"
t_check_not "default: the client cannot reach http://192.0.2.1:9469/metrics" \
	in_client curl -sS --max-time 3 -o /dev/null http://192.0.2.1:9469/metrics

M0=$WORKDIR/m0.txt M1=$WORKDIR/m1.txt
if ! scrape "$M0"; then
	t_fail "GET /metrics answers 200"
	exit 1
fi
t_pass "GET /metrics answers 200"
t_check "promtool check metrics: clean" promtool_clean "$M0"
in_router curl -sS -D "$WORKDIR/headers.txt" -o /dev/null "$METRICS/metrics"
t_check "Content-Type is the 0.0.4 text format" \
	grep -qi '^content-type: text/plain; version=0.0.4' "$WORKDIR/headers.txt"
# Prometheus keeps its connection open between scrapes: so does the daemon
in_router curl -sS -v -o /dev/null "$METRICS/metrics" -o /dev/null "$METRICS/metrics" \
	>"$WORKDIR/keepalive.txt" 2>&1
t_check "two GETs on one connection (keep-alive)" \
	grep -q 'Re-using existing connection' "$WORKDIR/keepalive.txt"
t_check "every family has HELP and TYPE" "$PYTHON" -c '
import sys
help, typ, names = set(), set(), set()
for line in open(sys.argv[1]):
    if line.startswith("# HELP "): help.add(line.split()[2])
    elif line.startswith("# TYPE "): typ.add(line.split()[2])
    elif line.strip(): names.add(line.split("{")[0].split()[0])
sys.exit(0 if names and names <= help and names <= typ else 1)' "$M0"
t_check "build info: one sample, value 1, a version" \
	test "$(grep -c '^xdpblock_build_info{version="[^"]\+"} 1$' "$M0")" = 1
t_check "start time within the start-up" \
	between "$(metric "$M0" xdpblock_start_time_seconds)" "$t_before_start" "$t_after_start"
t_check "active generation 1" test "$(metric "$M0" xdpblock_active_generation)" = 1
t_check "reloads_total 1 (the start-up load)" test "$(metric "$M0" xdpblock_reloads_total)" = 1
for reason in config io size gzip signature rollback parse capacity state memory activation; do
	t_check "reload_failures_total{reason=$reason} is 0" \
		test "$(metric "$M0" xdpblock_reload_failures_total reason=$reason)" = 0
done
t_check "last reload successful" test "$(metric "$M0" xdpblock_last_reload_successful)" = 1
for i in r0 r1; do
	t_check "$i attached in native mode" \
		test "$(metric "$M0" xdpblock_interface_attached interface=$i mode=native)" = 1
done
t_check "rules: blocked has 3 IPv4 rules" test "$(metric "$M0" xdpblock_list_rules list=blocked family=ipv4)" = 3
t_check "rules: blocked has 2 IPv6 rules" test "$(metric "$M0" xdpblock_list_rules list=blocked family=ipv6)" = 2
t_check "rules: watch has 1 IPv4 rule" test "$(metric "$M0" xdpblock_list_rules list=watch family=ipv4)" = 1
t_check "rules: watch has 0 IPv6 rules" test "$(metric "$M0" xdpblock_list_rules list=watch family=ipv6)" = 0
t_check "list version: blocked.txt's mtime (1700000000)" \
	test "$(metric "$M0" xdpblock_list_version_timestamp_seconds list=blocked)" = 1700000000
t_check "list version: watch.txt's mtime" \
	test "$(metric "$M0" xdpblock_list_version_timestamp_seconds list=watch)" = "$(stat -c %Y "$WATCH")"
t_check "list last reload: during the start-up" \
	between "$(metric "$M0" xdpblock_list_last_reload_timestamp_seconds list=blocked)" "$t_before_start" "$t_after_start"

# --- the datapath and the kernel it runs on: address lists only
# the expected feature, from the kernel's BTF without xdpblock's code
if bpftool btf dump file /sys/kernel/btf/vmlinux | grep -q "'BPF_F_TIMER_CPU_PIN' val="; then
	PIN_HAS=1 PIN_TEXT=yes PIN_JSON=True
else
	PIN_HAS=0 PIN_TEXT=no PIN_JSON=False
fi
for stage in dns web; do
	t_check "address lists only: stage_loaded{stage=\"$stage\"} 0" \
		test "$(metric "$M0" xdpblock_datapath_stage_loaded stage=$stage)" = 0
done
t_check "kernel_feature{feature=\"timer_cpu_pin\"} is $PIN_HAS, as the kernel's BTF says" \
	test "$(metric "$M0" xdpblock_kernel_feature feature=timer_cpu_pin)" = $PIN_HAS
for i in r0 r1; do
	t_check "$i: stage_missed_packets_total 0" \
		test "$(metric "$M0" xdpblock_interface_stage_missed_packets_total interface=$i)" = 0
done
ctl_json "$WORKDIR/st0.json" status
t_check "status --json: no stages, the kernel's release, timer_cpu_pin $PIN_JSON" \
	json_true "$WORKDIR/st0.json" \
	"j['result']['stages'] == [] and j['result']['kernel'] == {'release': '$(uname -r)', 'features': {'timer_cpu_pin': $PIN_JSON}}"
ctl status >"$WORKDIR/st0.txt"
t_check "status: 'stages: entry (addresses only: no domain lists)'" \
	grep -qx 'stages:      entry (addresses only: no domain lists)' "$WORKDIR/st0.txt"
t_check "status: 'kernel: $(uname -r) (timer_cpu_pin: $PIN_TEXT)'" \
	grep -qxF "kernel:      $(uname -r) (timer_cpu_pin: $PIN_TEXT)" "$WORKDIR/st0.txt"
if [ $PIN_HAS = 1 ]; then
	t_check_not "the kernel has BPF_F_TIMER_CPU_PIN: no warning about it" \
		grep -q 'BPF_F_TIMER_CPU_PIN' "$WORKDIR/daemon.log"
else
	t_check "the kernel lacks BPF_F_TIMER_CPU_PIN: one warning says so, and what is lost" \
		test "$(grep -c "kernel $(uname -r) lacks BPF_F_TIMER_CPU_PIN (Linux 6.7): rule counters of a lightly used CPU are folded every 64 hits" "$WORKDIR/daemon.log")" = 1
fi

# --- a real Prometheus scrapes the daemon every second from now on
cat >"$WORKDIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: xdpblock
    static_configs:
      - targets: ['127.0.0.1:9469']
EOF
t_check "promtool check config accepts the scrape config" \
	promtool check config "$WORKDIR/prometheus.yml"
in_router prometheus --config.file="$WORKDIR/prometheus.yml" \
	--storage.tsdb.path="$WORKDIR/prometheus-data" \
	--web.listen-address=127.0.0.1:$PROM_PORT --log.level=warn \
	>"$WORKDIR/prometheus.log" 2>&1 &
PROM_PID=$!

# --- traffic with known counts
#   10 echo requests to a blocked address: 10 drops on r0 (no replies)
#   3 pings to the monitored server: 3 requests on r0 + 3 replies on r1
#   4 IPv4 frames with a 10-byte header: malformed ipv4 on r0
#   5 frames of a local experimental EtherType: non-IP on r0 (ARP may add)
in_client ping -n -q -c 10 -i 0.2 -W 1 $BLOCKED4 >/dev/null
in_client ping -n -q -c 3 -i 0.2 -w 10 $MONITORED4 >"$WORKDIR/ping.txt"
t_check "3 pings to the monitored $MONITORED4 are answered" \
	grep -q '3 received' "$WORKDIR/ping.txt"
send_frames 0800 45000014000000004001 4
send_frames 88b5 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 5
require "GET /metrics after the traffic" scrape "$M1"
t_check "after traffic: promtool check metrics clean" promtool_clean "$M1"
t_check "exact: 10 pings to $BLOCKED4 are 10 drops of list blocked ($(delta xdpblock_list_packets_total list=blocked action=drop))" \
	test "$(delta xdpblock_list_packets_total list=blocked action=drop)" = 10
t_check "exact: ... and 10 drops on r0" \
	test "$(delta xdpblock_interface_packets_total interface=r0 action=drop)" = 10
t_check "exact: ... of 98 bytes each" \
	test "$(delta xdpblock_list_bytes_total list=blocked action=drop)" = 980
t_check "exact: 3 pings to $MONITORED4 are 6 packets of list watch (monitor)" \
	test "$(delta xdpblock_list_packets_total list=watch action=monitor)" = 6
t_check "exact: ... 3 monitored on r0, 3 on r1" \
	test "$(delta xdpblock_interface_packets_total interface=r0 action=monitor) $(delta xdpblock_interface_packets_total interface=r1 action=monitor)" = "3 3"
t_check "exact: 4 short IPv4 headers are 4 malformed ipv4 on r0" \
	test "$(delta xdpblock_interface_malformed_packets_total interface=r0 kind=ipv4)" = 4
t_check "5 non-IP frames: non_ip on r0 grew by at least 5" \
	test "$(delta xdpblock_interface_non_ip_packets_total interface=r0)" -ge 5
t_check "no drops on r1" test "$(delta xdpblock_interface_packets_total interface=r1 action=drop)" = 0
# the same numbers as xdpblockctl stats, read with no traffic in between
ctl_json "$WORKDIR/stats.json" stats --limit 0
t_check "list counters equal xdpblockctl stats" json_true "$WORKDIR/stats.json" \
	"all(l['packets'] == int('$(metric "$M1" xdpblock_list_packets_total list=blocked action=drop)') for l in j['result']['lists'] if l['name'] == 'blocked')"
t_check "interface counters equal xdpblockctl stats" json_true "$WORKDIR/stats.json" \
	"[i for i in j['result']['interfaces'] if i['name'] == 'r0' and i['drop']['packets'] == $(metric "$M1" xdpblock_interface_packets_total interface=r0 action=drop) and i['malformed_ipv4']['packets'] == $(metric "$M1" xdpblock_interface_malformed_packets_total interface=r0 kind=ipv4)]"

# --- top, through the CLI and through HTTP
blocked_hits=$(rule_packets blocked 203.0.113.0/24)
watch_hits=$(rule_packets watch $MONITORED4/32)
t_check "the blocked /24 has more hits than the monitored host ($blocked_hits > $watch_hits)" \
	test "$blocked_hits" -gt "$watch_hits"
ctl_json "$WORKDIR/top.json" top
t_check "top: the blocked rule first, with its packets ($blocked_hits)" json_true "$WORKDIR/top.json" \
	"j['ok'] and j['result']['limit'] == 10 and j['result']['rules'][0]['list'] == 'blocked' and j['result']['rules'][0]['rule'] == '203.0.113.0/24' and j['result']['rules'][0]['action'] == 'drop' and j['result']['rules'][0]['packets'] == $blocked_hits and j['result']['rules'][0]['bytes'] > 0"
t_check "top: then the monitored host; rules without hits are not listed" json_true "$WORKDIR/top.json" \
	"[(r['list'], r['rule'], r['packets']) for r in j['result']['rules']] == [('blocked', '203.0.113.0/24', $blocked_hits), ('watch', '$MONITORED4/32', $watch_hits)]"
ctl_json "$WORKDIR/top1.json" top 1
t_check "top 1: one rule" json_true "$WORKDIR/top1.json" \
	"len(j['result']['rules']) == 1 and j['result']['rules'][0]['rule'] == '203.0.113.0/24'"
ctl_json "$WORKDIR/topw.json" top 5 --list watch
t_check "top 5 --list watch: only the monitored rule" json_true "$WORKDIR/topw.json" \
	"j['result']['list'] == 'watch' and [(r['list'], r['rule'], r['action'], r['packets']) for r in j['result']['rules']] == [('watch', '$MONITORED4/32', 'monitor', $watch_hits)]"
ctl top >"$WORKDIR/top.txt" 2>&1
t_check "top (text): the blocked rule's row" \
	grep -Eq "^  blocked +203\.0\.113\.0/24 +drop +$blocked_hits " "$WORKDIR/top.txt"
# ctl_fails STATUS TEXT ARGS... : xdpblockctl ARGS exits with STATUS and
# says TEXT
ctl_fails() {
	local status=$1 text=$2 rc
	shift 2
	ctl "$@" >"$WORKDIR/ctl-err.txt" 2>&1
	rc=$?
	[ "$rc" -eq "$status" ] && grep -qF "$text" "$WORKDIR/ctl-err.txt"
}
t_check "top 0: refused (status 1), says the range" ctl_fails 1 "from 1 to 10000, not '0'" top 0
t_check "top 10001: refused" ctl_fails 1 "from 1 to 10000" top 10001
t_check "top abc: usage error (status 2)" ctl_fails 2 "not 'abc'" top abc
t_check "top --list nope: refused, names the list" ctl_fails 1 "no list named 'nope'" top --list nope
t_check "stats --list: --list goes with top only" ctl_fails 2 "top only" stats --list watch

t_check "GET /top: 200" test "$(router_get "$METRICS/top" "$WORKDIR/http-top.json")" = 200
t_check "GET /top: the same JSON as xdpblockctl --json top" "$PYTHON" -c '
import json, sys
sys.exit(0 if json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])) else 1)' \
	"$WORKDIR/http-top.json" "$WORKDIR/top.json"
t_check "GET /top?n=1: 200" test "$(router_get "$METRICS/top?n=1" "$WORKDIR/t1.json")" = 200
t_check "GET /top?n=1: the blocked rule alone, $blocked_hits packets" json_true "$WORKDIR/t1.json" \
	"[(r['list'], r['rule'], r['packets']) for r in j['result']['rules']] == [('blocked', '203.0.113.0/24', $blocked_hits)]"
t_check "GET /top?n=3&list=watch: 200" test "$(router_get "$METRICS/top?n=3&list=watch" "$WORKDIR/tw.json")" = 200
t_check "GET /top?n=3&list=watch: the monitored rule only" json_true "$WORKDIR/tw.json" \
	"[(r['list'], r['rule']) for r in j['result']['rules']] == [('watch', '$MONITORED4/32')]"
# http_error QUERY STATUS TEXT : GET QUERY answers STATUS with TEXT in it
http_error() {
	[ "$(router_get "$METRICS$1" "$WORKDIR/herr.txt")" = "$2" ] &&
		grep -qF "$3" "$WORKDIR/herr.txt"
}
t_check "GET /top?n=0: 400, says the range" http_error "/top?n=0" 400 "from 1 to 10000"
t_check "GET /top?n=10001: 400" http_error "/top?n=10001" 400 "from 1 to 10000"
t_check "GET /top?n=ten: 400" http_error "/top?n=ten" 400 "not 'ten'"
t_check "GET /top?list=nope: 400, names the list" http_error "/top?list=nope" 400 "no list named 'nope'"
t_check "GET /top?limit=5: 400, names the parameter" http_error "/top?limit=5" 400 "query parameter 'limit'"
t_check "GET /nope: 404" http_error "/nope" 404 "not found"
t_check "GET /: 404" http_error "/" 404 "not found"
t_check "POST /metrics: 405" test \
	"$(in_router curl -sS -X POST -o /dev/null -w '%{http_code}' "$METRICS/metrics")" = 405

# --- reloads
M2=$WORKDIR/m2.txt
scrape "$M1"
printf '%s\n' "203.0.113.0/24" "203.0.113.200/32" "2001:db8:3::/48" \
	"2001:db8:4::/64" "2001:db8:5::/64" "2001:db8:6::/64" >"$LIST.new"
touch -d @1700000555 "$LIST.new" && mv "$LIST.new" "$LIST"
t0=$(date +%s)
t_check "good reload succeeds" ctl reload
t1=$(date +%s)
scrape "$M2"
t_check "good reload: promtool clean" promtool_clean "$M2"
t_check "good reload: reloads_total 1 -> 2" test "$(metric "$M2" xdpblock_reloads_total)" = 2
t_check "good reload: generation 1 -> 2" test "$(metric "$M2" xdpblock_active_generation)" = 2
t_check "good reload: no failure counted (11 reasons, all 0)" \
	test "$(grep -c '^xdpblock_reload_failures_total{.*} 0$' "$M2")" = 11
t_check "good reload: rules follow the list (2 IPv4, 4 IPv6)" test \
	"$(metric "$M2" xdpblock_list_rules list=blocked family=ipv4) $(metric "$M2" xdpblock_list_rules list=blocked family=ipv6)" = "2 4"
t_check "good reload: list version is the new mtime" \
	test "$(metric "$M2" xdpblock_list_version_timestamp_seconds list=blocked)" = 1700000555
t_check "good reload: list last reload time is the reload's" \
	between "$(metric "$M2" xdpblock_list_last_reload_timestamp_seconds list=blocked)" "$t0" "$t1"
t_check "good reload: no counter went down" counters_not_down "$M1" "$M2"
t_check "good reload: the list's drops are kept" test \
	"$(metric "$M2" xdpblock_list_packets_total list=blocked action=drop)" = "$(metric "$M1" xdpblock_list_packets_total list=blocked action=drop)"

# bad_reload NAME REASON : ctl reload fails; only failures{reason=REASON}
# moves (by 1), reloads_total too; the running set is untouched
bad_reload() {
	local before=$WORKDIR/bad0.txt after=$WORKDIR/bad1.txt r
	scrape "$before"
	if ctl reload >"$WORKDIR/reload.out" 2>&1; then
		t_fail "$1: ctl reload fails" "it succeeded"
	else
		t_pass "$1: ctl reload fails"
	fi
	scrape "$after"
	t_check "$1: promtool clean" promtool_clean "$after"
	M0=$before M1=$after
	t_check "$1: reloads_total +1" test "$(delta xdpblock_reloads_total)" = 1
	for r in config io size gzip signature rollback parse capacity state memory activation; do
		if [ $r = "$2" ]; then
			t_check "$1: reload_failures_total{reason=$r} +1" \
				test "$(delta xdpblock_reload_failures_total reason=$r)" = 1
		else
			t_check "$1: reload_failures_total{reason=$r} unchanged" \
				test "$(delta xdpblock_reload_failures_total reason=$r)" = 0
		fi
	done
	t_check "$1: last reload not successful" test "$(metric "$after" xdpblock_last_reload_successful)" = 0
	t_check "$1: generation unchanged" test "$(delta xdpblock_active_generation)" = 0
	t_check "$1: rules and list version unchanged" test \
		"$(metric "$after" xdpblock_list_rules list=blocked family=ipv6) $(metric "$after" xdpblock_list_version_timestamp_seconds list=blocked)" = "4 1700000555"
	t_check "$1: no counter went down" counters_not_down "$before" "$after"
	ctl_json "$WORKDIR/st.json" status
	t_check "$1: status says reason $2" json_true "$WORKDIR/st.json" \
		"not j['result']['last_reload']['ok'] and j['result']['last_reload']['reason'] == '$2'"
}
cp "$LIST" "$WORKDIR/good.txt"
printf 'not-an-ip\n' >>"$LIST"
bad_reload "bad list line" parse
cp "$WORKDIR/good.txt" "$LIST"
write_config "$WORKDIR/xdpblock.conf" "${LISTS[@]}" "[daemon]" "colour = blue"
bad_reload "bad config" config
write_config "$WORKDIR/xdpblock.conf" "${LISTS[@]}"
mv "$LIST" "$WORKDIR/moved.txt"
bad_reload "missing list file" io
mv "$WORKDIR/moved.txt" "$LIST"
t_check "the fixed config reloads" ctl reload
scrape "$M2"
t_check "after the fix: last reload successful, generation 3" test \
	"$(metric "$M2" xdpblock_last_reload_successful) $(metric "$M2" xdpblock_active_generation)" = "1 3"
t_check "after the fix: reloads 6, failures 3" test \
	"$(metric "$M2" xdpblock_reloads_total) $(awk '/^xdpblock_reload_failures_total/ {s += $2} END {print s}' "$M2")" = "6 3"

# a changed metrics_listen waits for a restart; the old address serves on
write_config "$WORKDIR/xdpblock.conf" "${LISTS[@]}" "[daemon]" "metrics_listen = 127.0.0.1:9470"
t_check "reload with another metrics_listen succeeds" ctl reload
t_check "... logs that it needs a restart" \
	grep -q 'metrics_listen changed: restart xdpblockd to apply' "$WORKDIR/daemon.log"
t_check "... and 127.0.0.1:9469 still serves" scrape "$WORKDIR/m3.txt"

# --- Prometheus: a counter read back through its query API
PROM=http://127.0.0.1:$PROM_PORT
want=$(metric "$WORKDIR/m3.txt" xdpblock_list_packets_total list=blocked action=drop)
# prom_value QUERY : the value of a one-sample instant vector
prom_value() {
	in_router curl -sS --max-time 5 -G "$PROM/api/v1/query" \
		--data-urlencode "query=$1" -o "$WORKDIR/prom.json" &&
		json_get "$WORKDIR/prom.json" \
			"j['data']['result'][0]['value'][1] if j['status'] == 'success' and len(j['data']['result']) == 1 else 'none'"
}
prom_sees() { [ "$(prom_value "$1")" = "$2" ]; }
t_check "prometheus is up" wait_for 60 in_router curl -sf --max-time 2 -o /dev/null "$PROM/-/ready"
t_check "prometheus scrapes the daemon: up{job=\"xdpblock\"} is 1" \
	wait_for 60 prom_sees 'up{job="xdpblock"}' 1
t_check "prometheus: list drops equal the scraped value ($want)" \
	wait_for 60 prom_sees 'xdpblock_list_packets_total{list="blocked",action="drop"}' "$want"
t_check "prometheus: parse failures = 1" \
	wait_for 30 prom_sees 'xdpblock_reload_failures_total{reason="parse"}' 1
t_check "prometheus: every sample of the page was scraped ($(grep -vc '^#' "$WORKDIR/m3.txt"))" \
	prom_sees 'scrape_samples_scraped{job="xdpblock"}' "$(grep -vc '^#' "$WORKDIR/m3.txt")"
prom_stop

# --- privacy: aggregate labels only
for addr in 192.0.2.2 $BLOCKED4 $MONITORED4; do
	t_check_not "no traffic address $addr in /metrics" grep -qF "$addr" "$WORKDIR/m3.txt" "$M2"
done

# --- a domain list loads the name stages
DOMAINS=$WORKDIR/domains.txt
printf 'example.com\n' >"$DOMAINS"
write_config "$WORKDIR/xdpblock.conf" "${LISTS[@]}" "[list:names]" \
	"signature = none" "path = $DOMAINS" "type = domain" "action = drop"
t_check "reload with a domain list succeeds" ctl reload
S0=$WORKDIR/s0.txt S1=$WORKDIR/s1.txt S2=$WORKDIR/s2.txt
scrape "$S0"
t_check "with a domain list: promtool clean" promtool_clean "$S0"
for stage in dns web; do
	t_check "with a domain list: stage_loaded{stage=\"$stage\"} 1" \
		test "$(metric "$S0" xdpblock_datapath_stage_loaded stage=$stage)" = 1
done
t_check "with a domain list: kernel_feature still $PIN_HAS" \
	test "$(metric "$S0" xdpblock_kernel_feature feature=timer_cpu_pin)" = $PIN_HAS
ctl_json "$WORKDIR/st1.json" status
t_check "with a domain list: status --json stages [dns, web]" \
	json_true "$WORKDIR/st1.json" "j['result']['stages'] == ['dns', 'web']"
ctl status >"$WORKDIR/st1.txt"
t_check "with a domain list: status 'stages: entry, dns, web'" \
	grep -qx 'stages:      entry, dns, web' "$WORKDIR/st1.txt"
# UDP to port 53 goes through the DNS stage: no missed call
udp_send in_client 192.0.2.2 198.51.100.2 53 5
scrape "$S1"
M0=$S0 M1=$S1
t_check "5 datagrams to port 53 with the stage in place: stage_missed +0 on r0" \
	test "$(delta xdpblock_interface_stage_missed_packets_total interface=r0)" = 0
# stages_map_id : the id of the `stages` PROG_ARRAY of the program
# attached to r0 (found through the program: other daemons may run)
stages_map_id() {
	local prog
	prog=$(ip -n "$(ns r)" -d link show dev r0 | grep -o 'prog/xdp id [0-9]*' | grep -o '[0-9]*$') &&
		[ -n "$prog" ] || return 1
	for m in $(bpftool prog show id "$prog" | grep -o 'map_ids [0-9,]*' | cut -d' ' -f2 | tr , ' '); do
		bpftool map show id "$m" | grep -q "prog_array  name stages " && echo "$m" && return 0
	done
	return 1
}
# the DNS stage (XDPB_STAGE_DNS = 0) taken out of the stage table: the
# entry program's tail call fails and counts each packet
STAGES_ID=$(stages_map_id)
t_check "the entry program on r0 has a stage table (map id ${STAGES_ID:-none})" test -n "$STAGES_ID"
t_check "the dns stage's slot is removed from the stage table" \
	bpftool map delete id "${STAGES_ID:-0}" key 0 0 0 0
udp_send in_client 192.0.2.2 198.51.100.2 53 5
scrape "$S2"
M0=$S1 M1=$S2
t_check "without the dns stage: exactly 5 stage_missed on r0 ($(delta xdpblock_interface_stage_missed_packets_total interface=r0))" \
	test "$(delta xdpblock_interface_stage_missed_packets_total interface=r0)" = 5
t_check "... none on r1" \
	test "$(delta xdpblock_interface_stage_missed_packets_total interface=r1)" = 0
t_check "... and their addresses decided them: monitor +5 on r0 ($MONITORED4 is in list watch)" \
	test "$(delta xdpblock_interface_packets_total interface=r0 action=monitor)" = 5
t_check "without the dns stage: promtool clean" promtool_clean "$S2"

# --- other listen addresses: restart with each
restart_with() { # METRICS_LISTEN-LINE
	daemon_stop
	write_config "$WORKDIR/xdpblock.conf" "${LISTS[@]}" "[daemon]" "$1"
	daemon_start "$WORKDIR/xdpblock.conf"
}
if restart_with "metrics_listen = 0.0.0.0:9469"; then
	t_check "0.0.0.0:9469: the client reaches http://192.0.2.1:9469/metrics" \
		in_client curl -sSf --max-time 5 -o /dev/null http://192.0.2.1:9469/metrics
else
	t_fail "metrics_listen = 0.0.0.0:9469: xdpblockd starts"
fi
if restart_with "metrics_listen = [::1]:9469"; then
	t_check "[::1]:9469: GET http://[::1]:9469/metrics answers 200" \
		test "$(router_get "http://[::1]:9469/metrics" "$WORKDIR/m6.txt")" = 200
	t_check "[::1]:9469: promtool clean" promtool_clean "$WORKDIR/m6.txt"
	t_check "[::1]:9469: nothing on 127.0.0.1:9469" \
		test "$(router_get "$METRICS/metrics" /dev/null)" = 000
else
	t_fail "metrics_listen = [::1]:9469: xdpblockd starts"
fi
if restart_with "metrics_listen = off"; then
	t_check "off: nothing listens on port 9469" \
		sh -c "! ip netns exec '$(ns r)' ss -Htln | grep -q ':9469 '"
	t_check "off: the control socket works" ctl status
else
	t_fail "metrics_listen = off: xdpblockd starts"
fi
daemon_stop

# a taken port: refused before any interface is touched
in_router socat TCP4-LISTEN:9469,bind=127.0.0.1,reuseaddr,fork /dev/null </dev/null >/dev/null 2>&1 &
wait_for 10 sh -c "ip netns exec '$(ns r)' ss -Htln | grep -q '127.0.0.1:9469 '"
write_config "$WORKDIR/xdpblock.conf" "${LISTS[@]}"
daemon_refuses "port 9469 taken" "$WORKDIR/xdpblock.conf" "$WORKDIR/taken.out"
t_check "port 9469 taken: says where and why, and what to change" \
	grep -q 'cannot serve metrics on 127.0.0.1:9469: Address already in use: set metrics_listen' "$WORKDIR/taken.out"
t_check_not "port 9469 taken: no XDP program left on r0" xdp_attached r0

write_config "$WORKDIR/bad.conf" "${LISTS[@]}" "[daemon]" "metrics_listen = ::1:9469"
daemon_refuses "metrics_listen = ::1:9469" "$WORKDIR/bad.conf" "$WORKDIR/bad.out"
t_check "metrics_listen = ::1:9469: file:line and the forms to use" \
	grep -qF "$WORKDIR/bad.conf:$(grep -n '^metrics_listen = ::1:9469$' "$WORKDIR/bad.conf" | cut -d: -f1): metrics_listen = '::1:9469': give ADDRESS:PORT" "$WORKDIR/bad.out"

t_check "the daemon logged something (the check below has text to search)" \
	test -s "$WORKDIR/daemon.log"
for addr in 192.0.2.2 $BLOCKED4 $MONITORED4; do
	t_check_not "the daemon log has no traffic address $addr" \
		grep -qF "$addr" "$WORKDIR/daemon.log"
done

t_done
