#!/usr/bin/env bash
# End to end: inputs an operator names but someone else may have made
# (issue 12). The daemon runs as root; after every refused reload it keeps
# running and blocking with the last good rules.
#   - a FIFO as a list path: `xdpblockd --check` and a reload fail at once
#     (a hang is a failure: both run under timeout) saying it is a FIFO;
#     a FIFO as the configuration file, and a symlink as a list, too
#   - control bytes in a list (an RPZ owner with ESC [ 31 m, a record
#     with the 8-bit CSI 0x9b): --check, ctl reload, status (text and
#     JSON) and the log quote them as \x1b, never the raw byte
#   - an RPZ record of 2,035 bytes and 5,000 comment lines inside '(':
#     refused by --check and by a running daemon's reload (once a heap
#     overflow)
. "$(dirname "$0")/../lib.sh"

BLOCKED=203.0.113.10
LIST=$WORKDIR/feed.txt
FIFO=$WORKDIR/feed.fifo

lab_up || { t_fail "lab setup"; exit 1; }
server_addr $BLOCKED/24
printf '%s\n' "# feed" "203.0.113.0/25" >"$LIST"
mkfifo "$FIFO"

# check_refused NAME CONFIG TEXT : --check fails by itself within 15 s
# and its output says TEXT
check_refused() {
	local rc
	timeout --kill-after=5 15 "$XDPBLOCKD" --check -c "$2" >"$WORKDIR/check.out" 2>&1
	rc=$?
	sed 's/^/    | /' "$WORKDIR/check.out"
	t_check "$1: --check fails at once (status $rc, 124 is a hang)" \
		test "$rc" -ne 0 -a "$rc" -ne 124
	t_check "$1: --check says '$3'" grep -qF -- "$3" "$WORKDIR/check.out"
}

# reload_refused NAME REASON TEXT : ctl reload fails within 20 s; status
# names REASON and TEXT; the daemon runs on and still blocks
reload_refused() {
	local rc
	timeout --kill-after=5 20 "$XDPBLOCKCTL" -s "$WORKDIR/control.sock" reload \
		>"$WORKDIR/reload.out" 2>&1
	rc=$?
	sed 's/^/    | /' "$WORKDIR/reload.out"
	t_check "$1: ctl reload fails at once (status $rc, 124 is a hang)" \
		test "$rc" -ne 0 -a "$rc" -ne 124
	t_check "$1: the daemon is still running" kill -0 "$DAEMON_PID"
	ctl_json "$WORKDIR/st.json" status
	t_check "$1: status: reason $2, error names '$3'" json_true "$WORKDIR/st.json" \
		"j['result']['last_reload']['reason'] == '$2' and '''$3''' in j['result']['last_reload']['error']"
	t_check "$1: the old rules still block $BLOCKED" ping_blocked $BLOCKED
}

# --- finding 6: FIFOs and symlinks
write_config "$WORKDIR/fifo.conf" "[list:feed]" "path = $FIFO" "signature = none"
check_refused "a FIFO as a list path" "$WORKDIR/fifo.conf" \
	"$FIFO: not a regular file but a FIFO"
check_refused "a FIFO as the configuration file" "$FIFO" \
	"$FIFO: cannot read config: not a regular file but a FIFO"

write_config "$WORKDIR/xdpblock.conf" "[list:feed]" "path = $LIST" "signature = none"
require "xdpblockd starts" daemon_start "$WORKDIR/xdpblock.conf"
t_pass "xdpblockd starts"
t_check "$BLOCKED blocked" ping_blocked $BLOCKED

cp "$WORKDIR/fifo.conf" "$WORKDIR/xdpblock.conf"
reload_refused "reload with a FIFO as a list path" io "$FIFO: not a regular file but a FIFO"
ln -s "$LIST" "$WORKDIR/feed.link"
write_config "$WORKDIR/xdpblock.conf" "[list:feed]" "path = $WORKDIR/feed.link" "signature = none"
reload_refused "reload with a symlink as a list path" io "feed.link: is a symbolic link"
write_config "$WORKDIR/xdpblock.conf" "[list:feed]" "path = $LIST" "signature = none"
t_check "back to the file: ctl reload succeeds" ctl reload

# --- finding 9: control bytes in a list reach no terminal or log raw
ZONE=$WORKDIR/policy.zone
printf '$ORIGIN rpz.example.\nevil.\033[31mred. CNAME .\n' >"$ZONE"
write_config "$WORKDIR/esc.conf" "[list:zone]" "path = $ZONE" "signature = none" \
	"format = rpz" "origin = rpz.example"
# no_raw NAME FILE : FILE quotes the owner escaped and holds no ESC or CSI
no_raw() {
	t_check "$1: quotes the owner as evil.\\x1b[31mred" \
		grep -qF 'evil.\x1b[31mred is not inside the zone' "$2"
	t_check_not "$1: no raw ESC or CSI byte" grep -q "$(printf '[\033\233]')" "$2"
}
check_refused "an ESC in an RPZ owner" "$WORKDIR/esc.conf" "is not inside the zone"
no_raw "--check" "$WORKDIR/check.out"
cp "$WORKDIR/esc.conf" "$WORKDIR/xdpblock.conf"
reload_refused "reload with an ESC in an RPZ owner" parse "is not inside the zone"
no_raw "ctl reload" "$WORKDIR/reload.out"
ctl status >"$WORKDIR/status.txt" 2>&1
no_raw "ctl status" "$WORKDIR/status.txt"
ctl --json status >"$WORKDIR/status.json"
t_check "status JSON: the error holds the text \\x1b, no U+001B" json_true "$WORKDIR/status.json" \
	"'evil.\\\\x1b[31mred' in j['result']['last_reload']['error'] and '\\x1b' not in json.dumps(j, ensure_ascii=False)"
no_raw "daemon log" "$WORKDIR/daemon.log"

# an 8-bit CSI in an address list (the ipset command it quotes)
printf '\2332J x\n' >"$LIST.bad"
write_config "$WORKDIR/xdpblock.conf" "[list:feed]" "path = $LIST" "signature = none" \
	"[list:bad]" "path = $LIST.bad" "signature = none" "format = ipset"
reload_refused "reload with a CSI in an ipset file" parse 'x9b2J'
ctl status >"$WORKDIR/status.txt" 2>&1
t_check_not "CSI: no raw 0x9b in ctl status" grep -q "$(printf '\233')" "$WORKDIR/status.txt"
t_check_not "CSI: no raw 0x9b in the daemon log" grep -q "$(printf '\233')" "$WORKDIR/daemon.log"

# a control request quoted in its error: `reload LIST` with a list name
# carrying ESC and CSI (found by fuzz_control)
ctl reload "$(printf 'x\033[31m\233y')" >"$WORKDIR/ctlname.out" 2>&1
t_check "ctl reload of an unknown list named with ESC/CSI: quoted escaped" \
	grep -qF "no list 'x\x1b[31m\x9by'" "$WORKDIR/ctlname.out"
t_check_not "... with no raw ESC or CSI byte" grep -q "$(printf '[\033\233]')" "$WORKDIR/ctlname.out"

# --- finding 1: an RPZ record whose lines overran the record buffer (a
# heap overflow that crashed a running daemon from a list feed)
BOMB=$WORKDIR/bomb.zone
{
	printf '$ORIGIN rpz.example.\na CNAME ( %s\n' "$(printf 'x%.0s' $(seq 2035))"
	for _ in $(seq 5000); do printf ';c\n'; done
	printf ')\n'
} >"$BOMB"
write_config "$WORKDIR/bomb.conf" "[list:feed]" "path = $LIST" "signature = none" \
	"[list:bomb]" "path = $BOMB" "signature = none" "format = rpz"
check_refused "an overlong parenthesised RPZ record" "$WORKDIR/bomb.conf" \
	"a record longer than 2047 characters"
cp "$WORKDIR/bomb.conf" "$WORKDIR/xdpblock.conf"
reload_refused "reload with an overlong RPZ record" parse \
	"a record longer than 2047 characters"

daemon_stop
t_done
