#!/usr/bin/env bash
# End to end: inputs an operator names but someone else may have made
# (issue 12). The daemon runs as root; after every refused reload it keeps
# running and blocking with the last good rules.
#   - a FIFO as a list path: `xdpblockd --check` and a reload fail at once
#     (a hang is a failure: both run under timeout) saying it is a FIFO;
#     a FIFO as the configuration file, and a symlink as a list, too
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
daemon_start "$WORKDIR/xdpblock.conf" || { t_fail "xdpblockd starts"; exit 1; }
t_pass "xdpblockd starts"
t_check "$BLOCKED blocked" ping_blocked $BLOCKED

cp "$WORKDIR/fifo.conf" "$WORKDIR/xdpblock.conf"
reload_refused "reload with a FIFO as a list path" io "$FIFO: not a regular file but a FIFO"
ln -s "$LIST" "$WORKDIR/feed.link"
write_config "$WORKDIR/xdpblock.conf" "[list:feed]" "path = $WORKDIR/feed.link" "signature = none"
reload_refused "reload with a symlink as a list path" io "feed.link: is a symbolic link"
write_config "$WORKDIR/xdpblock.conf" "[list:feed]" "path = $LIST" "signature = none"
t_check "back to the file: ctl reload succeeds" ctl reload

daemon_stop
t_done
