#!/usr/bin/env bash
# minisign interoperability, without a network: keys made and lists signed
# by Debian's minisign (directly and through scripts/sign-list.sh), checked
# by `xdpblockd --check`, which runs the daemon's whole list pipeline
# (read, verify, rollback, inflate, parse) and reads but never writes the
# anti-rollback state. For every signature the verdict of `minisign -V`
# is checked too, so both tools agree on what is valid:
#   - prehashed (default) and legacy (-l) signatures, keys inline and as
#     .pub files, a gzipped list
#   - wrong key, one changed byte, a changed trusted comment (version),
#     a signature file of another list: refused by both
#   - another list's file and signature (same key, minisign's own
#     trusted comment file:a.txt) installed as list b.txt: minisign -V
#     accepts it, xdpblockd refuses it (the file: name is not the list's)
#     unless signature_file_check = no; a url list compares the url's name
#   - a custom trusted comment without timestamp: refused unless
#     require_timestamp = no
#   - an older version than the state records: refused as a rollback
#     (minisign, which has no notion of versions, accepts it)
. "$(dirname "$0")/../lib.sh"

SIGN=$TOP/scripts/sign-list.sh
K=$WORKDIR/keys
mkdir -p "$K" "$WORKDIR/state"
minisign -G -W -p "$K/a.pub" -s "$K/a.key" >/dev/null &&
	minisign -G -W -p "$K/b.pub" -s "$K/b.key" >/dev/null ||
	{ t_fail "minisign -G"; exit 1; }
KEY_A=$(sed -n 2p "$K/a.pub")
# key ids as xdpblockd shows them: 16 hex digits (minisign 0.11 drops
# leading zeros in the .pub comment, newer versions do not)
key_id() { printf '%016s' "$(sed -n 's/.*public key //p' "$1")" | tr ' ' 0; }
ID_A=$(key_id "$K/a.pub")
ID_B=$(key_id "$K/b.pub")

LIST=$WORKDIR/drop.txt
printf '; Spamhaus-style list\n192.0.2.0/24 ; SBL1\n2001:db8::/32 ; SBL2\n' >"$LIST"

# check NAME [LIST-KEYS...] : write a config for $LIST with those keys and
# run xdpblockd --check on it; output in $WORKDIR/check.out
check() {
	local conf=$WORKDIR/check.conf
	shift
	{
		printf '[daemon]\ninterfaces = lo\nstate_dir = %s\n' "$WORKDIR/state"
		printf '[list:drop]\npath = %s\n' "$LIST"
		printf '%s\n' "$@"
	} >"$conf"
	"$XDPBLOCKD" --check -c "$conf" >"$WORKDIR/check.out" 2>&1
}
accepted() { # NAME KEYLINES...
	if check "$@"; then
		t_pass "$1: xdpblockd accepts it"
	else
		t_fail "$1: xdpblockd accepts it"
		sed 's/^/    | /' "$WORKDIR/check.out"
	fi
}
refused() { # NAME WHAT KEYLINES...
	local name=$1 what=$2
	shift 2
	if check "$name" "$@"; then
		t_fail "$name: xdpblockd refuses it" "accepted"
	else
		t_check "$name: xdpblockd refuses it: $what" grep -qF -- "$what" "$WORKDIR/check.out"
	fi
	sed 's/^/    | /' "$WORKDIR/check.out"
}
mini_ok() { minisign -V -q -p "$K/$1.pub" -m "$2" ${3:+-x "$3"}; }

# --- valid signatures
"$SIGN" -s "$K/a.key" "$LIST" >/dev/null
accepted "sign-list.sh (prehashed), inline key" "public_key = $KEY_A"
t_check "sign-list.sh (prehashed): --check names the format and counts" \
	grep -q "list drop: spamhaus, 1 IPv4, 1 IPv6 entries" "$WORKDIR/check.out"
t_check "sign-list.sh (prehashed): --check names the key" \
	grep -q "signed by key $ID_A, version" "$WORKDIR/check.out"
t_check "sign-list.sh (prehashed): minisign -V -H accepts it" \
	minisign -V -q -H -p "$K/a.pub" -m "$LIST"
accepted "key from a .pub file" "public_key_file = $K/a.pub"
accepted "two keys, the second signed it" "public_key = $(sed -n 2p "$K/b.pub") $KEY_A"

"$SIGN" -l -s "$K/a.key" "$LIST" >/dev/null
accepted "sign-list.sh -l (legacy)" "public_key_file = $K/a.pub"
t_check "legacy: minisign -V accepts it" mini_ok a "$LIST"
t_check_not "legacy: minisign -V -H refuses it (not prehashed)" \
	minisign -V -q -H -p "$K/a.pub" -m "$LIST"

# minisign itself, its own default trusted comment
minisign -S -s "$K/a.key" -m "$LIST" >/dev/null
accepted "minisign -S with its default trusted comment" "public_key_file = $K/a.pub"
v=$(sed -n 's/^trusted comment: timestamp:\([0-9]*\).*/\1/p' "$LIST.minisig")
t_check "the version is minisign's timestamp ($v)" \
	grep -q "version $v\$" "$WORKDIR/check.out"

# gzip: the signature covers the .gz bytes
"$SIGN" -z -s "$K/a.key" -p "$K/a.pub" "$LIST" >/dev/null
LIST=$LIST.gz accepted "sign-list.sh -z (gzip)" "public_key_file = $K/a.pub"
LIST=$LIST.gz check x "public_key_file = $K/a.pub"
t_check "gzip: --check says gzip and finds both entries" \
	grep -q "list drop: spamhaus (gzip), 1 IPv4, 1 IPv6" "$WORKDIR/check.out"

# --- refused by both tools
"$SIGN" -s "$K/b.key" "$LIST" >/dev/null
refused "signed with another key" "signed with key $ID_B, which is not a public_key of this list (it has $ID_A)" \
	"public_key = $KEY_A"
t_check_not "another key: minisign -V refuses it" mini_ok a "$LIST"

"$SIGN" -s "$K/a.key" "$LIST" >/dev/null
cp "$LIST" "$LIST.orig"
sed -i 's/192.0.2.0/192.0.3.0/' "$LIST"
refused "one byte changed after signing" "bad signature in $LIST.minisig" "public_key = $KEY_A"
t_check_not "one byte changed: minisign -V refuses it" mini_ok a "$LIST"
cp "$LIST.orig" "$LIST"

cp "$LIST.minisig" "$LIST.sig.orig"
sed -i '3s/timestamp:\([0-9]*\)/timestamp:9\1/' "$LIST.minisig"
refused "trusted comment (version) changed" "bad signature" "public_key = $KEY_A"
t_check_not "trusted comment changed: minisign -V refuses it" mini_ok a "$LIST"
cp "$LIST.sig.orig" "$LIST.minisig"

printf '198.51.100.0/24\n' >"$WORKDIR/other.txt"
"$SIGN" -s "$K/a.key" "$WORKDIR/other.txt" >/dev/null
refused "the signature of another list" "bad signature" "public_key = $KEY_A" \
	"signature_file = $WORKDIR/other.txt.minisig"
t_check_not "another list's signature: minisign -V refuses it" \
	mini_ok a "$LIST" "$WORKDIR/other.txt.minisig"

# a mirror serves list a's file and signature as list b (issue 12, 8)
cp "$WORKDIR/other.txt" "$WORKDIR/a.txt"
minisign -S -s "$K/a.key" -m "$WORKDIR/a.txt" >/dev/null
t_check "minisign writes file:a.txt in the trusted comment" \
	grep -q "^trusted comment: timestamp:[0-9]*.file:a.txt" "$WORKDIR/a.txt.minisig"
cp "$WORKDIR/a.txt" "$WORKDIR/b.txt" && cp "$WORKDIR/a.txt.minisig" "$WORKDIR/b.txt.minisig"
t_check "a's signature as b's: minisign -V accepts it (it checks no name)" \
	mini_ok a "$WORKDIR/b.txt"
LIST=$WORKDIR/b.txt refused "a's signature as b's" \
	"$WORKDIR/b.txt: $WORKDIR/b.txt.minisig was signed for the file a.txt, not b.txt: it is the signature of another list" \
	"public_key = $KEY_A"
LIST=$WORKDIR/b.txt accepted "a's signature as b's, signature_file_check = no" \
	"public_key = $KEY_A" "signature_file_check = no"
LIST=$WORKDIR/a.txt accepted "a's signature for a itself" "public_key = $KEY_A"
# a url list's copy is named by the operator: the url names the file
LIST=$WORKDIR/b.txt accepted "a url list: its url's file name a.txt is the signed name" \
	"public_key = $KEY_A" "url = https://lists.example/feeds/a.txt?v=2"
LIST=$WORKDIR/b.txt refused "a url list for b.txt with a's signature" \
	"was signed for the file a.txt, not b.txt: it is" \
	"public_key = $KEY_A" "url = https://lists.example/feeds/b.txt"

mv "$LIST.minisig" "$LIST.away"
refused "no signature file" "the list is not signed, $LIST.minisig is missing" "public_key = $KEY_A"
accepted "no signature file, signature = none" "signature = none"
mv "$LIST.away" "$LIST.minisig"

# --- no timestamp in a custom trusted comment
minisign -S -s "$K/a.key" -m "$LIST" -t "feed drop, no version" >/dev/null
t_check "custom trusted comment: minisign -V accepts it" mini_ok a "$LIST"
refused "custom trusted comment without timestamp" "no timestamp: field" "public_key = $KEY_A"
accepted "... with require_timestamp = no" "public_key = $KEY_A" "require_timestamp = no"

# --- rollback: the state holds a newer version than the list's
"$SIGN" -s "$K/a.key" -t 1700000000 "$LIST" >/dev/null
printf 'drop 1700000001\n' >"$WORKDIR/state/list-versions"
refused "older than the accepted version" "rollback: signed at 2023-11-14 22:13:20 UTC (timestamp 1700000000), but a version signed at 2023-11-14 22:13:21 UTC (timestamp 1700000001) was already accepted" \
	"public_key = $KEY_A"
t_check "rollback: minisign -V accepts it (it knows no versions)" mini_ok a "$LIST"
printf 'drop 1700000000\n' >"$WORKDIR/state/list-versions"
accepted "the accepted version itself, read again" "public_key = $KEY_A"
t_check "--check does not write the state" grep -qx 'drop 1700000000' "$WORKDIR/state/list-versions"

t_done
