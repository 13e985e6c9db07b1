#!/usr/bin/env bash
# make install / make uninstall into a throw-away DESTDIR, as a Debian
# package would lay it out (PREFIX=/usr):
#   - every file where it belongs, with its mode
#   - the installed unit starts the installed binary with the installed
#     config, and is clean for systemd-analyze verify
#   - a second install keeps a config the operator changed
#   - the man pages render without a warning (groff -ww, man --warnings)
#   - make uninstall removes what install put there, except the config
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac

TMP=$(mktemp -d /tmp/xdpblock-install.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
DEST=$TMP/root
failed=0
t_pass() { echo "PASS: $1"; }
t_fail() { echo "FAIL: $1${2:+ ($2)}"; failed=1; }
t_check() {
	local name=$1
	shift
	if "$@" >"$TMP/last.out" 2>&1; then
		t_pass "$name"
	else
		t_fail "$name" "command failed: $*"
		sed 's/^/    | /' "$TMP/last.out" | head -20
	fi
}

# make_install TARGET : make TARGET with the same build, quietly
make_install() {
	make -C "$TOP" --no-print-directory BUILD="$BUILD" DESTDIR="$DEST" \
		PREFIX=/usr "$1" >"$TMP/make-$1.out" 2>&1
}

# mode_is FILE MODE : FILE exists, is a regular file, has MODE
mode_is() { [ -f "$1" ] && [ "$(stat -c %a "$1")" = "$2" ]; }

UNITFILE=$DEST/usr/lib/systemd/system/xdpblockd.service
FILES="
usr/sbin/xdpblockd 755
usr/sbin/xdpblockctl 755
usr/lib/xdpblock/xdpblock.bpf.o 644
usr/lib/systemd/system/xdpblockd.service 644
usr/share/man/man8/xdpblockd.8 644
usr/share/man/man8/xdpblockctl.8 644
usr/share/man/man5/xdpblock.conf.5 644
etc/xdpblock/xdpblock.conf 644
"

if ! make_install install; then
	t_fail "make install DESTDIR=... PREFIX=/usr" "$(tail -5 "$TMP/make-install.out")"
	exit 1
fi
t_pass "make install DESTDIR=... PREFIX=/usr"
while read -r f mode; do
	[ -n "$f" ] || continue
	t_check "installed /$f, mode $mode" mode_is "$DEST/$f" "$mode"
done <<<"$FILES"
t_check "the BPF object is the built one (an ELF BPF object)" \
	sh -c "cmp '$BUILD/xdpblock.bpf.o' '$DEST/usr/lib/xdpblock/xdpblock.bpf.o' &&
		file '$DEST/usr/lib/xdpblock/xdpblock.bpf.o' | grep -q 'eBPF'"
t_check "the config is the example config" \
	cmp "$TOP/contrib/xdpblock.conf.example" "$DEST/etc/xdpblock/xdpblock.conf"
t_check "nothing else was installed" \
	test "$(cd "$DEST" && find . -type f | sed 's|^\./||' | sort)" = \
	"$(awk 'NF { print $1 }' <<<"$FILES" | sort)"

# --- the installed unit
t_check "unit: ExecStart= is the installed daemon with the installed config" \
	grep -qx 'ExecStart=/usr/sbin/xdpblockd -c /etc/xdpblock/xdpblock.conf' "$UNITFILE"
t_check "unit: ExecReload= is the installed xdpblockctl" \
	grep -qx 'ExecReload=/usr/sbin/xdpblockctl reload' "$UNITFILE"
t_check "unit: both point at files that were installed" \
	test -x "$DEST$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$UNITFILE")" -a \
	-x "$DEST$(sed -n 's/^ExecReload=\([^ ]*\).*/\1/p' "$UNITFILE")"
# verify needs the binaries at the paths the unit names: the DESTDIR copy
# of the installed unit, with DESTDIR put in front of them, and the
# installed man pages for Documentation=
sed "s|=/usr/sbin/|=$DEST/usr/sbin/|" "$UNITFILE" >"$TMP/xdpblockd.service"
out=$(MANPATH=$DEST/usr/share/man systemd-analyze verify "$TMP/xdpblockd.service" 2>&1)
rc=$?
printf '%s' "$out" | sed 's/^/    | /'
t_check "unit: systemd-analyze verify of the installed unit is clean" \
	test "$rc" -eq 0 -a -z "$out"
t_check "unit: the installed unit differs from contrib/ only in paths (none for PREFIX=/usr)" \
	cmp "$TOP/contrib/systemd/xdpblockd.service" "$UNITFILE"

# another PREFIX rewrites the paths
DEST_LOCAL=$TMP/local
make -C "$TOP" --no-print-directory BUILD="$BUILD" DESTDIR="$DEST_LOCAL" \
	install >"$TMP/make-local.out" 2>&1
t_check "default PREFIX=/usr/local: the unit goes to /usr/local/lib/systemd/system" \
	test -f "$DEST_LOCAL/usr/local/lib/systemd/system/xdpblockd.service"
t_check "default PREFIX=/usr/local: its ExecStart= is /usr/local/sbin/xdpblockd" \
	grep -qx 'ExecStart=/usr/local/sbin/xdpblockd -c /etc/xdpblock/xdpblock.conf' \
	"$DEST_LOCAL/usr/local/lib/systemd/system/xdpblockd.service"
t_check "default PREFIX=/usr/local: ExecReload= is /usr/local/sbin/xdpblockctl" \
	grep -qx 'ExecReload=/usr/local/sbin/xdpblockctl reload' \
	"$DEST_LOCAL/usr/local/lib/systemd/system/xdpblockd.service"

# --- a second install keeps the operator's config
printf '# edited by the operator\n' >>"$DEST/etc/xdpblock/xdpblock.conf"
cp "$DEST/etc/xdpblock/xdpblock.conf" "$TMP/edited.conf"
t_check "second make install succeeds" make_install install
t_check "second make install keeps the edited config" \
	cmp "$TMP/edited.conf" "$DEST/etc/xdpblock/xdpblock.conf"
t_check "second make install says it kept it" \
	grep -q "kept $DEST/etc/xdpblock/xdpblock.conf" "$TMP/make-install.out"

# --- man pages render without warnings
# man_clean PAGE : groff -ww and man --warnings report nothing
man_clean() {
	local w
	w=$(groff -man -ww -z "$1" 2>&1)
	w=$w$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null)
	[ -z "$w" ] || { printf '%s\n' "$w"; return 1; }
}
for page in usr/share/man/man8/xdpblockd.8 usr/share/man/man8/xdpblockctl.8 \
	usr/share/man/man5/xdpblock.conf.5; do
	t_check "man page /$page renders without warnings" man_clean "$DEST/$page"
done
{ cat "$DEST/usr/share/man/man8/xdpblockd.8"; printf '.XB broken\n\\fBunclosed \\*[nosuchstring]\n'; } >"$TMP/broken.8"
if ! man_clean "$TMP/broken.8" >/dev/null; then
	t_pass "a page with an unknown macro gets warnings (the check can fail)"
else
	t_fail "a page with an unknown macro gets warnings (the check can fail)"
fi

# --- uninstall
t_check "make uninstall succeeds" make_install uninstall
t_check "make uninstall leaves only the config" \
	test "$(cd "$DEST" && find . -type f | sed 's|^\./||')" = "etc/xdpblock/xdpblock.conf"

exit $failed
