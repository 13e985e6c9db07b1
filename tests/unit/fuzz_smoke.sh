#!/usr/bin/env bash
# Run each libFuzzer target (tests/fuzz, built into $BUILD/fuzz) for
# FUZZ_SECONDS seconds (default 5: `make test`; `make fuzz` gives 300),
# starting from seeds in tests/data. The datapath and control targets load
# the XDP programs, the fetch target makes its own network namespace (root). One PASS/FAIL line per target: FAIL
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

# control: a role byte (0 root, 1 a member of the socket's group), a
# write-size byte, then a request as xdpblockctl sends it
mkdir -p "$seeds/control"
for req in '"command":"status"' '"command":"stats","limit":5' \
	'"command":"top","limit":3,"list":"names"' '"command":"lookup","name":"www.example.com"' \
	'"command":"lookup","address":"192.0.2.1"' '"command":"reload","list":"ips"' \
	'"command":"stop","keep_attached":true' '"command":"stop"'; do
	for role in 0 1; do
		printf '\%o\020{"version":1,%s}\n' "$role" "$req" \
			>"$seeds/control/$role-$(printf '%s' "$req" | md5sum | cut -c1-8)"
	done
done

# fetch: a case byte (bit 0 signed, bit 1 a cached copy with validators),
# then the whole HTTP response
mkdir -p "$seeds/fetch"
printf '\0HTTP/1.1 200 OK\r\nContent-Length: 16\r\nETag: "v2"\r\nLast-Modified: Tue, 01 Dec 2026 10:00:00 GMT\r\n\r\n198.51.100.0/24\n' \
	>"$seeds/fetch/ok"
printf '\2HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n' >"$seeds/fetch/not-modified"
printf '\1HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n198.51.100.0/24\n\r\n0\r\n\r\n' \
	>"$seeds/fetch/chunked"
printf '\0HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n' >"$seeds/fetch/redirect"
printf '\0HTTP/1.0 200 OK\r\nContent-Encoding: identity\r\n\r\n203.0.113.0/24\n' >"$seeds/fetch/http10"
printf '\3HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n' >"$seeds/fetch/missing"

# inputs up to 4 KiB for the line parsers (a few dozen lines each: many
# small mutations beat a few of the 150 KB seeds), 16 KiB for the rest
declare -A max_len=([listfile]=4096 [minisig]=16384 [gunzip]=16384 [state]=16384
	[datapath]=1500 [config]=4096 [control]=4200 [fetch]=4096)
declare -A seed_dirs=(
	[listfile]="$DATA"
	[minisig]="$DATA/minisign"
	[gunzip]="$seeds/gunzip"
	[state]="$seeds/state"
	[datapath]="$seeds/datapath"
	[config]="$seeds/config"
	[control]="$seeds/control"
	[fetch]="$seeds/fetch"
)

for t in ${FUZZ_TARGETS:-listfile minisig gunzip state datapath config control fetch}; do
	bin=$BUILD/fuzz/fuzz_$t
	log=$WORKDIR/fuzz-$t.log
	if [ ! -x "$bin" ]; then
		t_fail "fuzz $t" "not built: $bin (make tests)"
		continue
	fi
	mkdir -p "$corpus/$t"
	rm -f "$WORKDIR"/crash-* "$WORKDIR"/leak-* "$WORKDIR"/timeout-* "$WORKDIR"/oom-*
	TMPDIR=$WORKDIR "$bin" -max_total_time="$seconds" -max_len=${max_len[$t]} -timeout=10 -rss_limit_mb=2048 \
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
