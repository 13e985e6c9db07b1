#!/usr/bin/env bash
# End to end: who may use the control socket, and what xdpblockctl says
# when it cannot.
#   - no daemon (no socket file; a stale socket file): "xdpblockd is not
#     running (no daemon listening on PATH)", status 1, nothing on stdout
#   - control_group = GROUP: the socket is mode 0660, group GROUP
#   - user nobody, not in GROUP: "permission denied on PATH: run as root or
#     as a member of the socket's group", status 1
#   - nobody with GROUP as a supplementary group: status works
#   - an unknown group: --check and start-up refuse with file:line
#   - roles (SO_PEERCRED): a control_group member may status, stats, top
#     and lookup but not stop or reload ("needs root or admin_group");
#     with admin_group = ADMIN a member of ADMIN may reload and stop
#   - xdpblockctl reload: status 0 when the reload works, 1 with the
#     daemon's file:line message when it fails
. "$(dirname "$0")/../lib.sh"

GROUP=xdpbt$$
ADMIN=xdpba$$
SOCKDIR=$WORKDIR/sock
SOCK=$SOCKDIR/control.sock

cleanup() {
	lib_cleanup
	getent group "$GROUP" >/dev/null && groupdel "$GROUP"
	getent group "$ADMIN" >/dev/null && groupdel "$ADMIN"
}
trap cleanup EXIT

# as_nobody [GROUP] -- CMD... : run CMD as user nobody (group nogroup),
# with GROUP as a supplementary group if given
as_nobody() {
	local groups=--clear-groups
	if [ "$1" != -- ]; then
		groups=--groups=$(getent group "$1" | cut -d: -f3)
		shift
	fi
	shift
	setpriv --reuid=nobody --regid=nogroup "$groups" -- "$@"
}

# ctl_says FILE STATUS TEXT CMD... : CMD exits STATUS, says exactly TEXT on
# stderr (one line) and prints nothing on stdout
ctl_says() {
	local file=$1 want_rc=$2 text=$3 rc
	shift 3
	"$@" >"$file.out" 2>"$file.err"
	rc=$?
	sed 's/^/    | /' "$file.err"
	[ "$rc" -eq "$want_rc" ] && [ ! -s "$file.out" ] &&
		[ "$(cat "$file.err")" = "$text" ]
}

groupadd "$GROUP" || { t_fail "groupadd $GROUP"; exit 1; }
gid=$(getent group "$GROUP" | cut -d: -f3)
# nobody must reach the socket file for the permission test to be about
# the socket's own mode: the directories on the way are 0755
chmod 0755 "$WORKDIR"
mkdir -m 0755 "$SOCKDIR"

NOT_RUNNING="xdpblockctl: xdpblockd is not running (no daemon listening on $SOCK)"
DENIED="xdpblockctl: permission denied on $SOCK: run as root or as a member of the socket's group"

# --- no daemon
t_check "no socket file: xdpblockctl says the daemon is not running, status 1" \
	ctl_says "$WORKDIR/c1" 1 "$NOT_RUNNING" "$XDPBLOCKCTL" -s "$SOCK" status
t_check "no socket file: --json prints nothing on stdout either" \
	ctl_says "$WORKDIR/c2" 1 "$NOT_RUNNING" "$XDPBLOCKCTL" -s "$SOCK" --json status
# a socket file nobody listens on (a daemon that was killed)
"$PYTHON" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SOCK"
t_check "stale socket file: xdpblockctl says the daemon is not running" \
	ctl_says "$WORKDIR/c3" 1 "$NOT_RUNNING" "$XDPBLOCKCTL" -s "$SOCK" reload
rm -f "$SOCK"

# --- the config names an unknown group
lab_up || { t_fail "lab setup"; exit 1; }
printf '203.0.113.0/24\n' >"$WORKDIR/block.txt"
list=("[list:block]" "signature = none" "path = $WORKDIR/block.txt")
write_config "$WORKDIR/nogroup.conf" "control_group = no-such-group-$$" "${list[@]}"
sed -i "s|^control_socket = .*|control_socket = $SOCK|" "$WORKDIR/nogroup.conf"
"$XDPBLOCKD" --check -c "$WORKDIR/nogroup.conf" >"$WORKDIR/check.out" 2>&1
GROUP_LINE=$(grep -n '^control_group = no-such-group' "$WORKDIR/nogroup.conf" | cut -d: -f1)
t_check "unknown group: --check fails, naming file:line and the group" \
	grep -qF "$WORKDIR/nogroup.conf:$GROUP_LINE: control_group = 'no-such-group-$$': no such group (create it with 'groupadd', or fix the name)" \
	"$WORKDIR/check.out"
daemon_refuses "unknown group" "$WORKDIR/nogroup.conf" "$WORKDIR/start.out"
t_check "unknown group: the start-up error names file:line" \
	grep -qF "$WORKDIR/nogroup.conf:$GROUP_LINE: control_group = 'no-such-group-$$': no such group" "$WORKDIR/start.out"
t_check_not "unknown group: no socket left behind" test -e "$SOCK"

# --- control_group = GROUP
write_config "$WORKDIR/x.conf" "control_group = $GROUP" "${list[@]}"
sed -i "s|^control_socket = .*|control_socket = $SOCK|" "$WORKDIR/x.conf"
ctl() { "$XDPBLOCKCTL" -s "$SOCK" "$@"; } # lib.sh's points at WORKDIR
require "xdpblockd starts with control_group = $GROUP" daemon_start "$WORKDIR/x.conf"
t_check "control_group: the socket is mode 0660, owner root, group $GROUP" \
	test "$(stat -c '%a %U %G' "$SOCK")" = "660 root $GROUP"
t_check "nobody can reach the socket file (so the next check is about its mode)" \
	as_nobody -- test -S "$SOCK"
t_check "nobody, not in $GROUP: 'permission denied' in plain words, status 1" \
	ctl_says "$WORKDIR/c4" 1 "$DENIED" as_nobody -- "$XDPBLOCKCTL" -s "$SOCK" status
t_check "nobody with $GROUP (gid $gid) as a supplementary group: status works" \
	as_nobody "$GROUP" -- "$XDPBLOCKCTL" -s "$SOCK" status
for cmd in stats top "lookup 203.0.113.1"; do
	# shellcheck disable=SC2086 # the command's words
	t_check "nobody with $GROUP: $cmd works (reading)" \
		as_nobody "$GROUP" -- "$XDPBLOCKCTL" -s "$SOCK" $cmd
done
ROLE="needs root or a member of admin_group"
for cmd in stop reload; do
	as_nobody "$GROUP" -- "$XDPBLOCKCTL" -s "$SOCK" $cmd >"$WORKDIR/r.out" 2>&1
	rc=$?
	sed 's/^/    | /' "$WORKDIR/r.out"
	t_check "nobody with $GROUP: $cmd refused (status 1), says who may" \
		sh -c "[ $rc -eq 1 ] && grep -qF '$ROLE' '$WORKDIR/r.out'"
done
t_check "after the refused stop the daemon still runs and answers" \
	sh -c "kill -0 $DAEMON_PID && '$XDPBLOCKCTL' -s '$SOCK' status >/dev/null"

# --- admin_group = ADMIN: its members may change state too
groupadd "$ADMIN" || { t_fail "groupadd $ADMIN"; exit 1; }
sed -i "s|^control_group = .*|control_group = $GROUP\nadmin_group = $ADMIN|" "$WORKDIR/x.conf"
t_check "root adds admin_group = $ADMIN by reload" ctl reload
t_check "nobody with $GROUP and $ADMIN: reload works" \
	setpriv --reuid=nobody --regid=nogroup \
	--groups="$(getent group "$GROUP" | cut -d: -f3),$(getent group "$ADMIN" | cut -d: -f3)" \
	-- "$XDPBLOCKCTL" -s "$SOCK" reload
t_check_not "nobody with $GROUP only: reload still refused" \
	as_nobody "$GROUP" -- "$XDPBLOCKCTL" -s "$SOCK" reload
write_config "$WORKDIR/badadmin.conf" "admin_group = no-such-group-$$" "${list[@]}"
"$XDPBLOCKD" --check -c "$WORKDIR/badadmin.conf" >"$WORKDIR/checkadmin.out" 2>&1
t_check "unknown admin_group: --check names file:line and the group" \
	grep -qF "admin_group = 'no-such-group-$$': no such group" "$WORKDIR/checkadmin.out"

# --- reload status for ExecReload=
t_check "xdpblockctl reload of a good config: status 0, 'reload ok'" \
	sh -c "'$XDPBLOCKCTL' -s '$SOCK' reload | grep -qx 'reload ok'"
printf 'not-an-address\n' >>"$WORKDIR/block.txt"
ctl reload >"$WORKDIR/bad.out" 2>"$WORKDIR/bad.err"
rc=$?
t_check "xdpblockctl reload of a bad list: status 1" test "$rc" -eq 1
t_check "xdpblockctl reload of a bad list: says file:line on stderr" \
	grep -qF "xdpblockctl: reload: list block: $WORKDIR/block.txt:2: not an IPv4 or IPv6 address" "$WORKDIR/bad.err"
t_check "after the failed reload the daemon still answers" ctl status

# --- a changed control_group is a restart setting: reload warns, keeps it
sed -i "s|^control_group = .*|control_group = root|" "$WORKDIR/x.conf"
sed -i '$d' "$WORKDIR/block.txt"
t_check "reload with another control_group succeeds" ctl reload
t_check "... and logs that it needs a restart" \
	grep -q "control_group changed: restart xdpblockd to apply" "$WORKDIR/daemon.log"
t_check "... and the socket keeps group $GROUP" test "$(stat -c %G "$SOCK")" = "$GROUP"

t_done
