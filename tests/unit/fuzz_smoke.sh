#!/usr/bin/env bash
# Run each libFuzzer target (tests/fuzz, built into $BUILD/fuzz) for
# FUZZ_SECONDS seconds (default 5: `make test`; `make fuzz` gives 300),
# starting from seeds in tests/data. The datapath target loads the XDP
# programs (root). One PASS/FAIL line per target: FAIL
# when the target finds a crash, a sanitizer report or a broken invariant;
# the input that did it is kept in $BUILD/fuzz/artifacts to reproduce with
#   $BUILD/fuzz/fuzz_TARGET FILE
# New inputs go to FUZZ_CORPUS/TARGET when FUZZ_CORPUS is set (make fuzz
# keeps $BUILD/fuzz/corpus), else to a directory removed at exit.
# FUZZ_TARGETS names the targets to run (default: all).
. "$(dirname "$0")/../lib.sh"

seconds=${FUZZ_SECONDS:-5}
corpus=${FUZZ_CORPUS:-$WORKDIR/corpus}
artifacts=$BUILD/fuzz/artifacts
DATA=$TOP/tests/data
mkdir -p "$artifacts"

# seeds that the files in tests/data do not provide as such
seeds=$WORKDIR/seeds
mkdir -p "$seeds/gunzip" "$seeds/state"
for f in "$DATA"/*.txt "$DATA"/*.json "$DATA"/*.conf*; do
	gzip -n -c "$f" >"$seeds/gunzip/$(basename "$f").gz"
done
cat "$DATA/minisign/signed-list.txt.gz" "$DATA/minisign/signed-list.txt.gz" \
	>"$seeds/gunzip/two-members.gz"
printf '# state\nc2 1795343715\nspamhaus-drop 1700000000\n' >"$seeds/state/ok"
printf 'a 1\nb 2\n' >"$seeds/state/short"
# config: the example configuration and a small one with both list types
mkdir -p "$seeds/config"
cp "$TOP/contrib/xdpblock.conf.example" "$seeds/config/"
printf '[daemon]\ninterfaces = eth0 eth1\ncontrol_group = root\n[list:a]\npath = /etc/xdpblock/a.txt\nsignature = none\n[list:b]\ntype = domain\npath = /etc/xdpblock/b.txt\npublic_key_file = /etc/xdpblock/k.pub\naction = nxdomain\n' \
	>"$seeds/config/small.conf"
# datapath: a selector byte (0 DNS, 1 HTTP, 2 TLS), then the message or
# payload; queries for names on the target's lists and off them
mkdir -p "$seeds/datapath"
python3 - "$seeds/datapath" <<'PY'
import struct, sys
out = sys.argv[1]
def query(name, qtype=1, edns=False):
    m = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 1 if edns else 0)
    for label in name.split('.'):
        m += bytes([len(label)]) + label.encode()
    m += b'\0' + struct.pack('>HH', qtype, 1)
    if edns:
        m += b'\0' + struct.pack('>HHIH', 41, 1232, 0, 0)
    return m
names = ['www.example.com', 'exact.example.net', 'x.refused.example.net',
         'drop.example.org', 'ok.example.com', 'mon.example.org', 'x.y.z',
         'unlisted.test', 'WWW.Example.COM']
for i, n in enumerate(names):
    open(f'{out}/dns{i}', 'wb').write(b'\0' + query(n, edns=i % 2 == 1))
for i, host in enumerate(['www.reset.example.net', 'example.org']):
    open(f'{out}/http{i}', 'wb').write(
        b'\1GET / HTTP/1.1\r\nHost: ' + host.encode() + b'\r\nAccept: */*\r\n\r\n')
def client_hello(sni):
    name = sni.encode()
    sni_ext = struct.pack('>HHHBH', 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    body = (b'\3\3' + bytes(32) + b'\0' + struct.pack('>HH', 2, 0x1301) + b'\1\0' +
            struct.pack('>H', len(sni_ext)) + sni_ext)
    hs = b'\1' + struct.pack('>I', len(body))[1:] + body
    return b'\x16\3\1' + struct.pack('>H', len(hs)) + hs
for i, sni in enumerate(['www.reset.example.net', 'example.org']):
    open(f'{out}/tls{i}', 'wb').write(b'\2' + client_hello(sni))
PY

# inputs up to 4 KiB for the line parsers (a few dozen lines each: many
# small mutations beat a few of the 150 KB seeds), 16 KiB for the rest
declare -A max_len=([listfile]=4096 [minisig]=16384 [gunzip]=16384 [state]=16384
	[datapath]=1500 [config]=4096)
declare -A seed_dirs=(
	[listfile]="$DATA"
	[minisig]="$DATA/minisign"
	[gunzip]="$seeds/gunzip"
	[state]="$seeds/state"
	[datapath]="$seeds/datapath"
	[config]="$seeds/config"
)

for t in ${FUZZ_TARGETS:-listfile minisig gunzip state datapath config}; do
	bin=$BUILD/fuzz/fuzz_$t
	log=$WORKDIR/fuzz-$t.log
	if [ ! -x "$bin" ]; then
		t_fail "fuzz $t" "not built: $bin (make tests)"
		continue
	fi
	mkdir -p "$corpus/$t"
	rm -f "$WORKDIR"/crash-* "$WORKDIR"/leak-* "$WORKDIR"/timeout-* "$WORKDIR"/oom-*
	"$bin" -max_total_time="$seconds" -max_len=${max_len[$t]} -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$WORKDIR/" \
		"$corpus/$t" ${seed_dirs[$t]} >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	found=$(ls "$WORKDIR"/crash-* "$WORKDIR"/leak-* "$WORKDIR"/timeout-* "$WORKDIR"/oom-* 2>/dev/null)
	if [ "$rc" -eq 0 ] && [ -z "$found" ] && [ "${runs:-0}" -gt 0 ]; then
		t_pass "fuzz $t: ${runs} inputs in ${seconds} s, no finding"
	else
		t_fail "fuzz $t" "exit status $rc, ${runs:-0} inputs"
		grep -E 'ERROR|SUMMARY|runtime error|deadly signal|^#' "$log" | tail -15 | sed 's/^/    | /'
		for f in $found; do
			cp "$f" "$artifacts/$t-$(basename "$f")"
			echo "    kept $artifacts/$t-$(basename "$f")"
		done
	fi
done

t_done
