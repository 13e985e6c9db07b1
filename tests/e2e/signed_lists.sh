#!/usr/bin/env bash
# End to end: signed lists in the namespace lab. Keys are made and lists
# signed by Debian's minisign (through scripts/sign-list.sh). After every
# refused update the daemon keeps blocking with the last good rules, and
# `xdpblockctl status` names the reason:
#   - a list signed with minisign loads and blocks; status shows its key
#     and version
#   - one byte changed after signing: refused (signature)
#   - a newer signed list is applied; the old one re-signed with an older
#     timestamp is refused (rollback), also by a restarted daemon, which
#     then refuses to start until the current list is back
#   - an unsigned list: refused unless its section says signature = none
#   - signed with a key the list does not name: refused (signature)
#   - a gzipped signed list loads; a gzip bomb past max_list_bytes is
#     refused (size); a gzip file cut short is refused (gzip)
#   - a list path that is a directory (io), more malformed lines than
#     max_bad_lines (parse), more rules than max_rules_ipv4 (capacity)
#   - a Spamhaus DROP list and an ipset save file, signed, load with the
#     expected rule counts
. "$(dirname "$0")/../lib.sh"

SIGN=$TOP/scripts/sign-list.sh
BLOCKED=203.0.113.10 NEWER=198.51.100.77 OTHER=203.0.113.200
LIST=$WORKDIR/c2.txt
K=$WORKDIR/keys
STATE=$WORKDIR/state

lab_up || { t_fail "lab setup"; exit 1; }
server_addr $BLOCKED/24
server_addr $NEWER/24
server_addr $OTHER/24
mkdir -p "$K"
minisign -G -W -p "$K/a.pub" -s "$K/a.key" >/dev/null &&
	minisign -G -W -p "$K/b.pub" -s "$K/b.key" >/dev/null ||
	{ t_fail "minisign -G"; exit 1; }
# key ids as xdpblockd shows them: 16 hex digits (minisign 0.11 drops
# leading zeros in the .pub comment, newer versions do not)
key_id() { printf '%016s' "$(sed -n 's/.*public key //p' "$1")" | tr ' ' 0; }
ID_A=$(key_id "$K/a.pub")

NOW=$(date +%s)
T1=$((NOW - 7200)) T2=$((NOW - 3600))

# positive controls: without the daemon the server answers every address
# blocked below
for a in $BLOCKED $NEWER $OTHER; do
	t_check "no daemon: $a answers" ping_ok "$a"
done

# put_list FILE VERSION LINES... : write FILE and sign it with key a
put_list() {
	local f=$1 v=$2
	shift 2
	printf '%s\n' "$@" >"$f" && "$SIGN" -s "$K/a.key" -t "$v" "$f" >/dev/null
}
gen() { status_field "r['generation']"; }
list_field() { status_field "[l['$2'] for l in r['lists'] if l['name'] == '$1'][0]"; }
# reload_refused NAME REASON TEXT : ctl reload fails; status names REASON
# and TEXT; the generation stays; the old rules still block (c2's rule
# counts the pings)
reload_refused() {
	local g0 n0
	g0=$(gen)
	n0=$(status_field "r['reload_failures_by_reason']['$2']")
	if ctl reload >"$WORKDIR/reload.out" 2>&1; then
		t_fail "$1: ctl reload fails" "it succeeded"
	else
		t_pass "$1: ctl reload fails"
	fi
	sed 's/^/    | /' "$WORKDIR/reload.out"
	ctl_json "$WORKDIR/st.json" status
	t_check "$1: status: reason $2, error names '$3'" json_true "$WORKDIR/st.json" \
		"j['result']['last_reload']['reason'] == '$2' and '''$3''' in j['result']['last_reload']['error']"
	t_check "$1: reload_failures_by_reason.$2 counted" \
		test "$(status_field "r['reload_failures_by_reason']['$2']")" -eq $((n0 + 1))
	t_check "$1: status (text) says FAILED and the reason" \
		sh -c "'$XDPBLOCKCTL' -s '$WORKDIR/control.sock' status | grep -A1 'FAILED (previous rules still active)' | grep -q 'reason: $2'"
	t_check "$1: generation unchanged" test "$(gen)" -eq "$g0"
	ping_dropped_by "$1: old rules still block" c2 203.0.113.0/25 $BLOCKED
}

# --- a signed list loads
put_list "$LIST" $T1 "# C2 feed" "203.0.113.0/25"
write_config "$WORKDIR/xdpblock.conf" \
	"[list:c2]" "path = $LIST" "public_key_file = $K/a.pub" "action = drop"
daemon_start "$WORKDIR/xdpblock.conf" || { t_fail "xdpblockd starts with a signed list"; exit 1; }
t_pass "xdpblockd starts with a signed list"
ping_dropped_by "signed list" c2 203.0.113.0/25 $BLOCKED
t_check "signed list: $NEWER reachable" ping_ok $NEWER
t_check "status: signed by key $ID_A" test "$(list_field c2 key_id)" = "$ID_A"
t_check "status: version $T1" test "$(list_field c2 version)" -eq $T1
t_check "status (text): signed by key $ID_A" \
	sh -c "'$XDPBLOCKCTL' -s '$WORKDIR/control.sock' status | grep -q 'plain, signed by key $ID_A, version'"
t_check "state: version $T1 recorded for c2" grep -qx "c2 $T1" "$STATE/list-versions"
t_check "state_dir created 0700" test "$(stat -c %a "$STATE")" = 700

# --- one byte changed: 203.0.113.0/25 becomes 203.0.112.0/25, which
# would unblock $BLOCKED if it were applied
sed -i 's#203.0.113.0/25#203.0.112.0/25#' "$LIST"
t_check "one byte changed: cmp finds exactly one differing byte" \
	test "$(printf '%s\n' "# C2 feed" "203.0.113.0/25" | cmp -l - "$LIST" | wc -l)" -eq 1
reload_refused "one byte changed" signature "bad signature in $LIST.minisig"

# --- a newer signed list applies
put_list "$LIST" $T2 "# C2 feed" "203.0.113.0/25" "$NEWER/32"
t_check "newer list: ctl reload succeeds" ctl reload
ping_dropped_by "newer list: now" c2 $NEWER/32 $NEWER
t_check "newer list: state records $T2" grep -qx "c2 $T2" "$STATE/list-versions"

# --- the old list, validly signed again with its old timestamp: rollback
put_list "$LIST" $T1 "# C2 feed" "203.0.113.0/25"
reload_refused "rollback" rollback "rollback: signed at"
ping_dropped_by "rollback: newer rules stay" c2 $NEWER/32 $NEWER
t_check "rollback: state still $T2" grep -qx "c2 $T2" "$STATE/list-versions"

# ... and after a restart: with strict_start the daemon refuses to start
daemon_stop
sed 's/^strict_start = no$/strict_start = yes/' "$WORKDIR/xdpblock.conf" >"$WORKDIR/strict.conf"
daemon_refuses "rollback after a restart" "$WORKDIR/strict.conf" "$WORKDIR/start.out"
t_check "rollback after a restart: the message says rollback and the version" \
	grep -q "(rollback).*timestamp $T2" "$WORKDIR/start.out"
t_check_not "rollback after a restart: nothing attached to r0" xdp_attached r0
t_check "rollback after a restart: $NEWER answers" ping_ok $NEWER
# without it, the daemon starts with the last good copy: still blocking
require "rollback, default start: the daemon starts" daemon_start "$WORKDIR/xdpblock.conf"
ping_dropped_by "rollback, default start: the last good rules" c2 $NEWER/32 $NEWER
t_check "rollback, default start: degraded (rollback), running the last good copy" \
	test "$(list_field c2 "degraded']['reason'] + ' ' + l['degraded']['running")" = "rollback last-good-copy"
ctl status >/dev/null 2>&1
t_check "rollback, default start: ctl status exits 3" test $? -eq 3
daemon_stop
put_list "$LIST" $T2 "# C2 feed" "203.0.113.0/25" "$NEWER/32"
daemon_start "$WORKDIR/xdpblock.conf" || { t_fail "restart with the current list"; exit 1; }
t_pass "restart with the current list (version $T2, equal to the state) works"
ping_dropped_by "restart" c2 $NEWER/32 $NEWER
# signed under the list's own name (file:c2.txt), as a replayed one is
mkdir -p "$WORKDIR/old"
put_list "$WORKDIR/old/c2.txt" $T1 "# C2 feed" "203.0.113.0/25"
cp "$LIST" "$LIST.cur" && cp "$LIST.minisig" "$LIST.cur.minisig"
mv "$WORKDIR/old/c2.txt" "$LIST" && mv "$WORKDIR/old/c2.txt.minisig" "$LIST.minisig"
reload_refused "rollback, reloaded after the restart" rollback "(timestamp $T2) was already accepted"
ping_dropped_by "rollback after the restart: still" c2 $NEWER/32 $NEWER
mv "$LIST.cur" "$LIST" && mv "$LIST.cur.minisig" "$LIST.minisig"

# --- unsigned: refused, unless signature = none
mv "$LIST.minisig" "$LIST.minisig.away"
reload_refused "unsigned list" signature "the list is not signed"
write_config "$WORKDIR/xdpblock.conf" "[list:c2]" "path = $LIST" "signature = none"
t_check "unsigned list with signature = none: reload succeeds" ctl reload
t_check "signature = none: status says unsigned" test "$(list_field c2 signature)" = none
mv "$LIST.minisig.away" "$LIST.minisig"

# --- another key
write_config "$WORKDIR/xdpblock.conf" \
	"[list:c2]" "path = $LIST" "public_key_file = $K/a.pub"
t_check "back to signed: reload succeeds" ctl reload
"$SIGN" -s "$K/b.key" "$LIST" >/dev/null
reload_refused "signed with another key" signature "which is not a public_key of this list (it has $ID_A)"
"$SIGN" -s "$K/a.key" "$LIST" >/dev/null

# --- gzip: a signed .gz loads; a bomb and a cut file are refused
GZ=$WORKDIR/gz.txt
printf '%s\n' "# gzipped" "$OTHER/32" >"$GZ"
"$SIGN" -z -s "$K/a.key" "$GZ" >/dev/null
write_config "$WORKDIR/xdpblock.conf" \
	"[list:c2]" "path = $LIST" "public_key_file = $K/a.pub" \
	"[list:gz]" "path = $GZ.gz" "public_key_file = $K/a.pub" \
	"[daemon]" "max_list_bytes = 1M"
t_check "gzipped signed list: reload succeeds" ctl reload
ping_dropped_by "gzipped signed list" gz $OTHER/32 $OTHER
t_check "status: gz is compressed" test "$(list_field gz compressed)" = True

# 64 MiB of comment lines is about 64 KiB of gzip, validly signed
"$PYTHON" -c '
import gzip, sys
with gzip.open(sys.argv[1], "wb") as f:
    line = b"#" * 1023 + b"\n"
    for _ in range(65536):
        f.write(line)
' "$GZ.gz"
"$SIGN" -s "$K/a.key" "$GZ.gz" >/dev/null
t_check "the bomb is small ($(stat -c %s "$GZ.gz") bytes)" test "$(stat -c %s "$GZ.gz")" -lt 1048576
reload_refused "gzip bomb" size "inflates to more than max_list_bytes = 1048576"
ping_dropped_by "gzip bomb: still" gz $OTHER/32 $OTHER

"$SIGN" -z -s "$K/a.key" "$GZ" >/dev/null
head -c -6 "$GZ.gz" >"$GZ.cut" && mv "$GZ.cut" "$GZ.gz"
"$SIGN" -s "$K/a.key" "$GZ.gz" >/dev/null
reload_refused "gzip cut short (and signed so)" gzip "the gzip stream is truncated"

# --- more failures, each leaving the rules as they were
write_config "$WORKDIR/xdpblock.conf" \
	"[list:c2]" "path = $LIST" "public_key_file = $K/a.pub" \
	"[list:gz]" "path = $WORKDIR/adir" "signature = none"
# (in WORKDIR: /tmp, WORKDIR's own directory, is refused as a list directory)
mkdir -p "$WORKDIR/adir"
reload_refused "a list path that is a directory" io "$WORKDIR/adir: not a regular file"

# skip-line, but more malformed lines than max_bad_lines
printf '%s\n' "$OTHER/32" "<html>" "<body>" "<p>502 Bad Gateway</p>" >"$GZ"
write_config "$WORKDIR/xdpblock.conf" \
	"[list:c2]" "path = $LIST" "public_key_file = $K/a.pub" \
	"[list:gz]" "path = $GZ" "signature = none" "on_error = skip-line" "max_bad_lines = 2"
reload_refused "more malformed lines than max_bad_lines" parse "$GZ:2: not an IPv4 or IPv6 address (the first of more than max_bad_lines = 2"

# more rules than max_rules_ipv4 (100000 in this lab)
"$PYTHON" -c '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(100001):
        f.write("10.%d.%d.%d\n" % (i >> 16, (i >> 8) & 255, i & 255))
' "$GZ"
"$SIGN" -s "$K/a.key" "$GZ" >/dev/null
write_config "$WORKDIR/xdpblock.conf" \
	"[list:c2]" "path = $LIST" "public_key_file = $K/a.pub" \
	"[list:gz]" "path = $GZ" "public_key_file = $K/a.pub"
# (100001 rules, and the 2 of c2)
reload_refused "a signed list over max_rules_ipv4" capacity "100003 IPv4 rules exceed max_rules_ipv4 = 100000"

# --- real formats, signed: Spamhaus DROP and an ipset save file
cp "$TOP/tests/data/spamhaus_drop.txt" "$WORKDIR/drop.txt"
cp "$TOP/tests/data/ipset_save_ipdeny_cn.conf.head" "$WORKDIR/cn.ipset"
"$SIGN" -s "$K/a.key" "$WORKDIR/drop.txt" "$WORKDIR/cn.ipset" >/dev/null
"$SIGN" -z -s "$K/a.key" "$GZ" >/dev/null
write_config "$WORKDIR/xdpblock.conf" \
	"[list:c2]" "path = $LIST" "public_key_file = $K/a.pub" \
	"[list:drop]" "path = $WORKDIR/drop.txt" "public_key_file = $K/a.pub" "match = src" \
	"[list:cn]" "path = $WORKDIR/cn.ipset" "public_key_file = $K/a.pub" "format = ipset" "action = monitor"
t_check "Spamhaus DROP + ipset, signed: reload succeeds" ctl reload
t_check "drop: detected as spamhaus" test "$(list_field drop format)" = spamhaus
t_check "drop: 936 IPv4 rules (grep -c -v '^;')" test "$(list_field drop rules_ipv4)" -eq 936
t_check "cn: 703 IPv4 rules (grep -c '^add ')" test "$(list_field cn rules_ipv4)" -eq 703
t_check "lookup 1.10.16.1: the DROP rule 1.10.16.0/20 of line 5" \
	sh -c "'$XDPBLOCKCTL' -s '$WORKDIR/control.sock' lookup 1.10.16.1 | grep -q 'drop.txt:5)'"
ping_dropped_by "Spamhaus + ipset: still, by c2" c2 203.0.113.0/25 $BLOCKED

t_done
