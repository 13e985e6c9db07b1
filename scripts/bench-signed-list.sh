#!/usr/bin/env bash
# Benchmark of the signed list pipeline (docs/benchmarks.md, "Signed,
# gzipped 1M-line list"), run by scripts/bench.sh or alone, as root:
# xdpblockd itself, in a throw-away network namespace on a veth pair,
# loads a generated 1,000,000-line IPv4 list, gzipped and signed with
# minisign, then reloads it BENCH_RELOADS times (`xdpblockctl reload`).
# The same is done with the plain, unsigned list for comparison.
#
# Reported per variant: the reload time as the daemon measures it
# (status last_reload.duration_ms: config, read, verify, inflate, parse,
# rule set, maps, switch), the daemon's own breakdown (xdpblockd -v), the
# steady-state RSS after the first load and the peak RSS during the
# reloads (VmHWM, reset before each reload through /proc/PID/clear_refs).
#
#   BENCH_RELOADS=5   reloads per variant (median, min and max reported)
#   BENCH_CPU=N       CPU the daemon runs on (default: the last one)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
reloads=${BENCH_RELOADS:-5}
cpu=${BENCH_CPU:-$(($(nproc) - 1))}
seed=20240601
XDPBLOCKD=$PWD/$build/xdpblockd
XDPBLOCKCTL=$PWD/$build/xdpblockctl

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-signed-list: needs root (XDP, BPF maps)" >&2
	exit 1
fi
for f in "$build/tests/bench_prog" "$XDPBLOCKD" "$XDPBLOCKCTL"; do
	[ -x "$f" ] || { echo "bench-signed-list: missing $f (make tests)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/xdpblock-bench-sig.XXXXXX)
ns=xbsig$$
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

ctl() { "$XDPBLOCKCTL" -s "$work/ctl.sock" "$@"; }
status() { # PYTHON-EXPR on the status result r
	ctl --json status | python3 -c "import json,sys; r=json.load(sys.stdin)['result']; print($1)"
}
kib() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }

"$build/tests/bench_prog" gen-list v4 1000000 "$seed" "$work/plain.txt" >/dev/null
lines=$(wc -l <"$work/plain.txt")
gzip -n -6 -c "$work/plain.txt" >"$work/signed.txt.gz"
minisign -G -W -p "$work/key.pub" -s "$work/key.sec" >/dev/null
scripts/sign-list.sh -s "$work/key.sec" -p "$work/key.pub" "$work/signed.txt.gz" >/dev/null

ip netns add "$ns"
ip -n "$ns" link add xb0 type veth peer name xb1
ip -n "$ns" link set xb0 up
ip -n "$ns" link set xb1 up

# run VARIANT LISTLINES... : start the daemon on one list, reload it
run() {
	local variant=$1 i first steady hwm peak=0 ms
	shift
	{
		printf '[daemon]\ninterfaces = xb0\ncontrol_socket = %s\n' "$work/ctl.sock"
		printf 'state_dir = %s\n[list:bench]\n' "$work/state"
		printf '%s\n' "$@"
	} >"$work/$variant.conf"
	rm -rf "$work/state"
	taskset -c "$cpu" nsenter --net=/run/netns/"$ns" "$XDPBLOCKD" -v \
		-c "$work/$variant.conf" >"$work/$variant.log" 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		ctl status >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || { cat "$work/$variant.log" >&2; exit 1; }
		sleep 0.1
	done
	first=$(status "r['last_reload']['duration_ms']")
	sleep 1
	steady=$(kib "$pid" VmRSS)
	: >"$work/$variant.ms"
	for i in $(seq "$reloads"); do
		echo 5 >"/proc/$pid/clear_refs" # VmHWM := VmRSS
		ctl reload >/dev/null
		hwm=$(kib "$pid" VmHWM)
		[ "$hwm" -gt "$peak" ] && peak=$hwm
		status "r['last_reload']['duration_ms']" >>"$work/$variant.ms"
	done
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=""
	ms=$(sort -n "$work/$variant.ms" | awk '{ v[NR] = $1 } END { printf "%.0f | %.0f..%.0f", v[int((NR + 1) / 2)], v[1], v[NR] }')
	awk -v v="$variant" -v f="$first" -v ms="$ms" -v s="$steady" -v p="$peak" 'BEGIN {
		printf "| %s | %.0f | %s | %.0f MiB | %.0f MiB | %.2f |\n", v, f, ms, s / 1024, p / 1024, p / s
	}' >>"$work/rows"
	# the last reload's breakdown, from the daemon's debug log
	sed -n 's/.*list bench: \([0-9]* bytes.*\)/\1/p' "$work/$variant.log" | tail -1 >"$work/$variant.steps"
	sed -n 's/.*reload timing: //p' "$work/$variant.log" | tail -1 >>"$work/$variant.steps"
}

: >"$work/rows"
run "gzip, signed" "path = $work/signed.txt.gz" "public_key_file = $work/key.pub"
run "plain, unsigned" "path = $work/plain.txt" "signature = none"

echo "## Signed, gzipped 1M-line list"
echo
echo "xdpblockd itself (scripts/bench-signed-list.sh): one list of $lines generated"
echo "IPv4 rules ($(stat -c %s "$work/plain.txt") bytes; gzip -6: $(stat -c %s "$work/signed.txt.gz") bytes, signed with minisign),"
echo "loaded at start, then reloaded $reloads times with \`xdpblockctl reload\`. Times are"
echo "the daemon's reload duration in ms (config, read, verify, inflate, parse, rule"
echo "set, maps, switch); RSS from /proc/PID/status, the peak is VmHWM during the reloads."
echo
echo "| list | first load | reload (median) | reload min..max | steady RSS | peak RSS in reload | peak / steady |"
echo "|---|---:|---:|---:|---:|---:|---:|"
cat "$work/rows"
echo
for v in "gzip, signed" "plain, unsigned"; do
	echo "$v, last reload: $(head -1 "$work/$v.steps"); $(tail -1 "$work/$v.steps")"
	echo
done
# for the targets of scripts/bench.sh
awk -F' [|] ' '/^[|] gzip, signed/ {
	printf "target: signed, gzipped 1M-line list verified, parsed and activated (reload, median): %s ms (limit 2000 ms): %s\n", $3, $3 < 2000 ? "met" : "NOT met"
	sub(/ .*/, "", $7)
	printf "target: peak RSS during a reload / steady state: %s (limit 2): %s\n", $7, $7 < 2 ? "met" : "NOT met"
}' "$work/rows"
