#!/usr/bin/env bash
# Benchmarks behind docs/benchmarks.md (run by `make bench`, as root):
#   1. load + activate 1M generated IPv4 rules, then 1M IPv6 rules, each in a
#      fresh process (list file parse, rule set, resolve, maps, switch; a
#      reload of the same list; peak RSS); then xdpblockd itself reloading
#      a signed, gzipped 1M-line list (scripts/bench-signed-list.sh),
#   2. ns per packet under BPF_PROG_TEST_RUN for xdpblock, an empty XDP
#      program and xdp-filter's program (shipped and resized maps) with 1k,
#      10k, 100k and 1M rules per family, for lists with few prefix lengths
#      and with many (IPv4 /8-/32, IPv6 /32-/64 and /16-/128), over uniform
#      and Zipf working sets, with table reads per packet
#      (tests/bench/bench_packets.c, tests/bench/bench_wrapper.bpf.c),
#   3. ns per DNS query with 1k to 1M domain rules, for names below
#      a listed name and names not listed (131,072 distinct names each),
#   4. the same for TLS ClientHellos (a browser's, post-quantum key share
#      before the server_name, one segment to port 443),
#   and the cost of the tail call from the entry program to a stage.
# Nothing is sent anywhere: the only namespace and veth pair created (to
# read the tag of the program `xdp-filter load` attaches) are deleted on exit.
# The results are printed and kept in $BUILD/bench/results.md.
#
#   BENCH_ROUNDS=5   runs per figure (the median is reported)
#   BENCH_REPEAT=1048576  packets per run
#   BENCH_SIZES=1k,10k,100k,1M  rules per family (packets, DNS, TLS)
#   BENCH_LISTS=few,many,wide  the lists of part 2: few lengths (the mix
#                    of real lists), many (IPv4 /8-/32, IPv6 /32-/64),
#                    wide (IPv6 /16-/128)
#   BENCH_ZIPF_LISTED=0.01  fraction of the Zipf set's packets with a
#                    listed source
#   BENCH_PARTS=load,packets,tailcall,dns,tls  the parts to run
#   BENCH_CPU=N      CPU to run on (default: the last one)
# A subset, e.g.: BENCH_PARTS=packets BENCH_SIZES=1k,1M BENCH_LISTS=many
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
bench=$build/tests/bench_prog
xf_obj=/usr/lib/$(gcc -dumpmachine)/bpf/xdpfilt_alw_ip.o
rounds=${BENCH_ROUNDS:-5}
repeat=${BENCH_REPEAT:-1048576}
sizes=${BENCH_SIZES:-1k,10k,100k,1M}
lists=${BENCH_LISTS:-few,many,wide}
zipf_listed=${BENCH_ZIPF_LISTED:-0.01}
parts=${BENCH_PARTS:-load,packets,tailcall,dns,tls}
cpu=${BENCH_CPU:-$(($(nproc) - 1))}
seed=20240601
# The parts below are `if part NAME; then ... fi` blocks, left unindented.
part() { [[ ",$parts," == *",$1,"* ]]; }

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (BPF_PROG_TEST_RUN, map creation)" >&2
	exit 1
fi
for f in "$bench" "$xf_obj"; do
	if [ ! -e "$f" ]; then
		echo "bench: missing $f (make tests; apt-get install xdp-tools)" >&2
		exit 1
	fi
done

mkdir -p "$build/bench"
results=$build/bench/results.md
work=$(mktemp -d /tmp/xdpblock-bench.XXXXXX)
ns=""
cleanup() {
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
exec 3>&2 # progress: terminal only
exec > >(tee "$results") 2>&1

echo "# xdpblock benchmark run"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"family $(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
	"model $(sed -n 's/^model[[:space:]]*: //p' /proc/cpuinfo | head -1);" \
	"$(nproc) cores$(grep -qw hypervisor /proc/cpuinfo && echo ', virtual machine')"
echo "- memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "- kernel: $(uname -r)"
# Mitigations that make every call and return dearer (a BPF helper call,
# a bpf_loop() callback, a global function, a tail call): runs on hosts
# with different ones differ most where a packet makes many calls.
vuln=/sys/devices/system/cpu/vulnerabilities
echo "- call and return mitigations:" \
	"spectre_v2: $(cat $vuln/spectre_v2 2>/dev/null || echo '?');" \
	"retbleed: $(cat $vuln/retbleed 2>/dev/null || echo '?');" \
	"spec_rstack_overflow: $(cat $vuln/spec_rstack_overflow 2>/dev/null || echo '?')"
echo "- xdp-tools $(dpkg-query -W -f='${Version}' xdp-tools 2>/dev/null || echo '?'), clang $(clang -dumpversion)"
echo "- git: $(git describe --always --dirty 2>/dev/null || echo '?')"
echo "$("$bench" memlat "$cpu" | sed 's/^[a-z]*: /- /')"
echo "- runs on CPU $cpu; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
# CPU $cpu's counters now, for the share the host stole during the run
cpu_stat_start=$(awk -v c="cpu$cpu" '$1 == c' /proc/stat)

# ---- 1. load and activate 1M rules --------------------------------------
v4_ms=""
if part load; then
"$bench" gen-list v4 1000000 "$seed" "$work/v4.list"
"$bench" gen-list v6 1000000 "$seed" "$work/v6.list"
for fam in v4 v6; do
	taskset -c "$cpu" "$bench" load --twice "$work/$fam.list" >"$work/load-$fam.out"
done

echo "## Loading and activating 1M rules"
echo
echo "One fresh process per list, as the daemon reloads (userspace/daemon/reload.c): parse the"
echo "list file, build and sort the rule set, resolve (plan), create and fill the maps"
echo "(build), switch. \"reload\" repeats it with the first set active. Milliseconds."
echo
echo "| list | activation | total | parse | rule set | plan | build | switch | tables | peak RSS |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---|---:|"
for fam in v4 v6; do
	awk -v fam="$fam" '
	function v(k,   i) { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
	/^peak_rss_kib=/ { rss = substr($0, 14) }
	/^load (first|reload): rules=/ {
		which = $2; sub(":", "", which)
		tables = fam == "v4" ? (v("v4_flat") == "1" ? sprintf("%s leaves, flat: %s tbl8 groups, %s /32 hosts, %.1f MiB", v("v4_leaves"), v("v4_groups"), v("v4_hosts"), v("v4_bytes") / 1048576) \
						     : sprintf("%s leaves, trie: %s nodes, %s buckets, %s singles, %.1f MiB", v("v4_leaves"), v("v4_nodes"), v("v4_buckets"), v("v4_singles"), v("v4_bytes") / 1048576)) \
				    : sprintf("%s trie nodes (deepest at /%s), %s buckets, %s singles, %.1f MiB", v("v6_nodes"), v("v6_depth"), v("v6_buckets"), v("v6_singles"), v("v6_bytes") / 1048576)
		row[++n] = sprintf("| 1M %s | %s | %s | %s | %s | %s | %s | %s | %s |", fam == "v4" ? "IPv4" : "IPv6", which,
			v("total_ms"), v("parse_ms"), v("ruleset_ms"), v("plan_ms"), v("build_ms"), v("switch_ms"), tables)
	}
	END { for (i = 1; i <= n; i++) printf "%s %.0f MiB |\n", row[i], rss / 1024 }
	' "$work/load-$fam.out"
done
echo
awk '/^open:/ { sub(/^open: loader_open_ms=/, ""); sub(/ .*/, ""); printf "loader_open (program load, empty generations, per-rule counter map): %s ms\n", $0; exit }' "$work/load-v4.out"
v4_ms=$(awk '/^load first: rules=/ { for (i = 1; i <= NF; i++) if ($i ~ /^total_ms=/) print substr($i, 10) }' "$work/load-v4.out")
echo

# ---- 1b. the signed list pipeline, through xdpblockd itself --------------
BUILD=$build scripts/bench-signed-list.sh >"$work/signed.out" 2>&3
grep -v '^target: ' "$work/signed.out"
fi

if part packets; then
# ---- the program `xdp-filter load` attaches, for comparison -------------
# The benchmark loads xdp-filter's BPF object itself. Check that it is the
# program xdp-filter attaches: same tag (a hash of the instructions).
deployed_tag=""
ns=xdpbench$$
if ip netns add "$ns" 2>/dev/null &&
	ip -n "$ns" link add xb0 type veth peer name xb1 &&
	ip -n "$ns" link set xb0 up &&
	ip netns exec "$ns" sh -c 'mount -t bpf bpf /sys/fs/bpf && xdp-filter load -f ipv4,ipv6 xb0' >"$work/xdp-filter.out" 2>&1; then
	id=$(ip -n "$ns" -d link show xb0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -1)
	[ -n "$id" ] && deployed_tag=$(bpftool prog show id "$id" | sed -n 's/.*tag \([0-9a-f]*\).*/\1/p' | head -1)
fi
ip netns del "$ns" 2>/dev/null || true
ns=""

# ---- 2. ns per packet ----------------------------------------------------
"$bench" packets --sizes "$sizes" --rounds "$rounds" --repeat "$repeat" \
	--lists "$lists" --zipf-listed "$zipf_listed" \
	--cpu "$cpu" --xdp-filter-obj "$xf_obj" >"$work/packets.out" 2>&3
echo "## Packets under BPF_PROG_TEST_RUN"
echo
sed -n '/^### ns per packet/,$p' "$work/packets.out" | grep -v '^peak_rss_kib='
echo
grep -E '^(activate|program) ' "$work/packets.out" | sed 's/^/    /'
echo
echo "Working sets (address pairs; distinct pairs, sources, destinations, all addresses; pairs with a listed source):"
echo
grep '^workset ' "$work/packets.out" | sed 's/^/    /'
echo
bench_tag=$(sed -n 's/^program xdp-filter: .*tag=\([0-9a-f]*\).*/\1/p' "$work/packets.out")
if [ -z "$deployed_tag" ]; then
	echo "xdp-filter: could not load it on a veth to compare tags (see above); benchmarked $xf_obj, tag $bench_tag"
elif [ "$deployed_tag" = "$bench_tag" ]; then
	echo "xdp-filter: the program \`xdp-filter load -f ipv4,ipv6\` attaches has tag $deployed_tag, the one benchmarked ($xf_obj) the same"
else
	echo "xdp-filter: WARNING: \`xdp-filter load\` attaches tag $deployed_tag, the benchmark loaded $bench_tag"
fi
sed -n 's/^peak_rss_kib=\([0-9]*\) elapsed_s=\([0-9]*\)/packet benchmark: peak RSS \1 KiB, \2 s/p' "$work/packets.out"
fi

# ---- 2b. the stage hop ----------------------------------------------------
if part tailcall; then
echo
echo "## The hop from the entry program to a stage"
echo
echo "A packet with a name (DNS, HTTP, TLS) reaches its stage by one tail call"
echo "(docs/architecture.md, \"Stages\"): the empty program called directly by the"
echo "wrapper, and through one more program that only tail-calls it, interleaved:"
echo
"$bench" tailcall "$cpu" "$rounds" "$repeat" | sed 's/^tailcall: /- /'
fi

# ---- 3. DNS queries -------------------------------------------------------
if part dns; then
echo "bench: DNS queries..." >&3
"$bench" dns --sizes "$sizes" --rounds "$rounds" --repeat "$repeat" \
	--cpu "$cpu" >"$work/dns.out" 2>&3
echo
echo "## DNS queries under BPF_PROG_TEST_RUN"
echo
grep -v '^dns rules=' "$work/dns.out"
fi

# ---- 4. TLS ClientHellos --------------------------------------------------
if part tls; then
echo "bench: TLS ClientHellos..." >&3
"$bench" tls --sizes "$sizes" --rounds "$rounds" --repeat "$repeat" \
	--cpu "$cpu" >"$work/tls.out" 2>&3
echo
echo "## TLS ClientHellos under BPF_PROG_TEST_RUN"
echo
grep -v '^tls rules=' "$work/tls.out"
fi

# ---- targets -------------------------------------------------------------
echo
echo "## The machine during the run"
echo
# /proc/stat: user nice system idle iowait irq softirq steal (in ticks)
awk -v c="cpu$cpu" -v start="$cpu_stat_start" '$1 == c {
	split(start, s)
	for (i = 2; i <= 9; i++) total += $i - s[i]
	if (total > 0)
		printf "- CPU %s: %.1f %% of its time stolen by the host (a quiet machine: under 1 %%; more, and the figures above are slower and spread wider)\n",
			substr(c, 4), 100 * ($9 - s[9]) / total
}' /proc/stat
"$bench" clock "$cpu" | sed 's/^cpuclock: /- at the end: /'
echo
echo "## Targets"
echo
if [ -n "$v4_ms" ]; then
	awk -v ms="$v4_ms" 'BEGIN { printf "- load + activate 1M IPv4 rules: %.0f ms (limit 2000 ms): %s\n", ms, ms < 2000 ? "met" : "NOT met" }'
fi
for f in signed packets; do
	if [ -e "$work/$f.out" ]; then sed -n 's/^target: /- /p' "$work/$f.out"; fi
done
part dns && awk '/^dns rules=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[$2, kv[1]] = kv[2] } n[++k] = $2 }
END {
	lo = n[1]; hi = n[k]; split(lo, a, "="); split(hi, b, "=")
	for (t = 1; t <= 2; t++) {
		key = t == 1 ? "match_ns" : "miss_ns"
		r = v[hi, key] / v[lo, key]
		printf "- DNS query cost (%s), %s vs %s domain rules: %.0f / %.0f ns = %.2fx (limit 2x): %s\n",
			t == 1 ? "below a listed name" : "not listed", b[2], a[2], v[hi, key], v[lo, key], r, r <= 2 ? "met" : "NOT met"
	}
}' "$work/dns.out"
part tls || exit 0
awk '/^tls rules=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[$2, kv[1]] = kv[2] } n[++k] = $2 }
END {
	lo = n[1]; hi = n[k]; split(lo, a, "="); split(hi, b, "=")
	for (t = 1; t <= 2; t++) {
		key = t == 1 ? "match_ns" : "miss_ns"
		r = v[hi, key] / v[lo, key]
		printf "- ClientHello cost (%s), %s vs %s domain rules: %.0f / %.0f ns = %.2fx (limit 2x): %s\n",
			t == 1 ? "below a listed name" : "not listed", b[2], a[2], v[hi, key], v[lo, key], r, r <= 2 ? "met" : "NOT met"
	}
}' "$work/tls.out"
