#!/usr/bin/env bash
# Sign list files for xdpblockd with minisign: LIST.minisig next to LIST.
#
#   scripts/sign-list.sh [-s SECRET_KEY] [-p PUBLIC_KEY] [-t UNIX_TIME] [-z] [-l] LIST...
#
#   -s FILE  minisign secret key (default: minisign's, ~/.minisign/minisign.key)
#   -p FILE  public key: check each signature with `minisign -V` after signing
#   -t SECS  the version to sign, in Unix seconds (default: now). xdpblockd
#            refuses a list older than the newest it has accepted, so only
#            set this to sign a feed with its own generation time.
#   -z       gzip each LIST first (LIST.gz, kept beside LIST) and sign that
#   -l       legacy signature (signs the file, not its BLAKE2b hash);
#            xdpblockd reads both, minisign -V -H only the default
#
# The trusted comment is the one minisign writes by default,
# "timestamp:SECS<TAB>file:NAME[<TAB>hashed]"; xdpblockd takes the list's
# version from its timestamp: field, and refuses the signature for a list
# whose path (or url) has another base name than NAME: sign each LIST
# under the name it is installed as. minisign asks for the key's password
# unless the key has none. See README.md, "Signing lists and managing keys".
set -euo pipefail

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit "${1:-2}"
}

seckey="" pubkey="" version="" gz=0 legacy=0
while getopts "s:p:t:zlh" opt; do
	case $opt in
	s) seckey=$OPTARG ;;
	p) pubkey=$OPTARG ;;
	t) version=$OPTARG ;;
	z) gz=1 ;;
	l) legacy=1 ;;
	h) usage 0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage
command -v minisign >/dev/null || {
	echo "sign-list: minisign is not installed (apt-get install minisign)" >&2
	exit 1
}
if [ -n "$version" ] && ! [[ $version =~ ^[0-9]+$ ]]; then
	echo "sign-list: -t wants Unix seconds, not '$version'" >&2
	exit 2
fi

for list in "$@"; do
	if [ ! -f "$list" ]; then
		echo "sign-list: $list: not a file" >&2
		exit 1
	fi
	if [ "$gz" = 1 ]; then
		gzip -n -9 -c -- "$list" >"$list.gz.tmp"
		mv -- "$list.gz.tmp" "$list.gz"
		list=$list.gz
	fi
	ts=${version:-$(date +%s)}
	comment="timestamp:$ts	file:$(basename -- "$list")"
	args=(-S -m "$list" -x "$list.minisig.tmp")
	if [ "$legacy" = 1 ]; then
		args+=(-l)
	else
		comment+="	hashed"
	fi
	[ -n "$seckey" ] && args+=(-s "$seckey")
	minisign "${args[@]}" -t "$comment"
	# a reader never sees a half-written signature
	mv -- "$list.minisig.tmp" "$list.minisig"
	if [ -n "$pubkey" ]; then
		minisign -V -q -p "$pubkey" -m "$list"
	fi
	echo "signed $list -> $list.minisig (version $ts)"
done
