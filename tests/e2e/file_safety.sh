#!/usr/bin/env bash
# End to end: the files xdpblockd writes as root, and what it downloads
# (issue 12).
#   - symlinks planted at the names of the old temporaries (LIST.download,
#     .NAME.meta.tmp, state_dir's counters.tmp) are never written through:
#     their root-owned targets stay intact, and the list, its validators
#     and the counters land as regular files (state_dir's list-versions:
#     tests/unit/list_tests.c)
#   - a list directory others may write (here sticky and world-writable,
#     like /tmp; a local list's, group-writable) is refused with the chmod
#     that fixes it
#   - a url list checked and found unchanged (304) reloads nothing while
#     its directory is watched
#   - an unsigned list over plain http: a warning in the log and in status
#   - an https url redirected to http is refused; to https, followed
. "$(dirname "$0")/../lib.sh"

FEED=$WORKDIR/feed
CACHE_DIR=$WORKDIR/cache
CACHE=$CACHE_DIR/feed.txt
STATE=$WORKDIR/state
VICTIMS=$WORKDIR/victims
HTTP_LOG=$WORKDIR/http.log
lab_up || { t_fail "lab setup"; exit 1; }
server_addr 203.0.113.10/24
mkdir -p "$FEED"
printf '# feed v1\n203.0.113.0/24\n' >"$FEED/list.txt"
: >"$HTTP_LOG"

HTTP_PID=""
HTTPS_PID=""
# feed_server PORT [CERT KEY] : the feed on 198.51.100.2; echoes its pid
feed_server() {
	local port=$1
	shift
	ip netns exec "$(ns s)" "$PYTHON" "$TOP/tests/e2e/list_server.py" "$FEED" \
		198.51.100.2 "$port" "$HTTP_LOG" "$@" >>"$WORKDIR/server.out" 2>&1 &
	echo $!
}
servers_stop() {
	for pid in $HTTP_PID $HTTPS_PID; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
}
trap 'servers_stop; lib_cleanup' EXIT

reloads() { status_field "r['reloads_total']"; }
count_304() { grep -c '^GET /list.txt 304$' "$HTTP_LOG"; }
three_304() { [ "$(count_304)" -ge 3 ]; }
# victim_intact NAME : the root-owned file a symlink at NAME pointed to
victim_intact() { [ "$(cat "$VICTIMS/$1")" = "root's file" ]; }
regular_file() { [ -f "$1" ] && [ ! -L "$1" ]; }

HTTP_PID=$(feed_server 8000)
wait_for 10 in_server sh -c "ss -Htln | grep -q ':8000 '" || { t_fail "feed server starts"; exit 1; }

# --- symlinks planted at every name the daemon used to write through
mkdir -m 0700 "$CACHE_DIR" "$STATE" "$VICTIMS"
for planted in "$CACHE.download" "$CACHE_DIR/.feed.meta.tmp" "$STATE/counters.tmp"; do
	printf "root's file\n" >"$VICTIMS/${planted##*/}"
	ln -s "$VICTIMS/${planted##*/}" "$planted"
done
WATCH_LISTS=yes write_config "$WORKDIR/xdpblock.conf" "[list:feed]" "signature = none" \
	"url = http://198.51.100.2:8000/list.txt" "path = $CACHE" "refresh = 1" \
	"[daemon]" "watch_delay_ms = 200"
require "xdpblockd starts with a url list" daemon_start "$WORKDIR/xdpblock.conf"
t_check "planted symlinks: the list is downloaded, as a regular file" regular_file "$CACHE"
t_check "planted symlinks: ... and blocks" ping_blocked 203.0.113.10
t_check "planted symlinks: the validators are a regular file" regular_file "$CACHE_DIR/.feed.meta"
t_check "planted symlinks: feed.txt.download's target is intact" victim_intact feed.txt.download
t_check "planted symlinks: .feed.meta.tmp's target is intact" victim_intact .feed.meta.tmp

# --- unchanged: 304 at every check, and not one reload
n=$(reloads)
t_check "unchanged feed: three checks answered 304" wait_for 15 three_304
sleep 1 # past watch_delay_ms, had anything been marked
t_check "unchanged feed: no reload (was $n)" test "$(reloads)" -eq "$n"

# --- plain http, unsigned: said out loud
t_check "http, unsigned: the log warns" \
	grep -q 'list feed: unsigned list over plain http' "$WORKDIR/daemon.log"
t_check "http, unsigned: status warns" sh -c \
	"'$XDPBLOCKCTL' -s '$WORKDIR/control.sock' status | grep -q 'WARNING: unsigned list over plain http'"

daemon_stop # a plain stop writes state_dir/counters
t_check "planted symlinks: the counters are a regular file" regular_file "$STATE/counters"
t_check "planted symlinks: counters.tmp's target is intact" victim_intact counters.tmp

# --- a list directory anyone may write: refused, with what to do
rm -f "$CACHE" "$CACHE_DIR"/.feed.meta
chmod 1777 "$CACHE_DIR"
sed 's/^strict_start = no$/strict_start = yes/' "$WORKDIR/xdpblock.conf" >"$WORKDIR/strict.conf"
daemon_refuses "world-writable list directory" "$WORKDIR/strict.conf" "$WORKDIR/ww.out"
t_check "world-writable list directory: the log says chmod go-w" \
	grep -q "chmod go-w $CACHE_DIR" "$WORKDIR/ww.out"
t_check_not "world-writable list directory: nothing downloaded into it" test -e "$CACHE"
chmod 0700 "$CACHE_DIR"

# --- a local list in a directory its group may write: refused as well
mkdir -m 0770 "$WORKDIR/shared"
printf '203.0.113.0/24\n' >"$WORKDIR/shared/local.txt"
STRICT_START=yes write_config "$WORKDIR/local.conf" "[list:local]" "signature = none" "path = $WORKDIR/shared/local.txt"
daemon_refuses "group-writable directory of a local list" "$WORKDIR/local.conf" "$WORKDIR/local.out"
t_check "group-writable directory of a local list: the log says chmod go-w" \
	grep -q "list local: directory $WORKDIR/shared is writable by its group (mode 0770).*chmod go-w $WORKDIR/shared" "$WORKDIR/local.out"
chmod 0750 "$WORKDIR/shared"
if daemon_start "$WORKDIR/local.conf"; then
	t_pass "local list, directory 0750: the daemon starts"
	daemon_stop
else
	t_fail "local list, directory 0750: the daemon starts"
fi

# --- https redirected to http: refused; to https: followed
test_ca_and_cert 198.51.100.2
HTTPS_PID=$(feed_server 8443 "$WORKDIR/srv.pem" "$WORKDIR/srv.key")
require "TLS feed server starts" wait_for 10 in_server sh -c "ss -Htln | grep -q ':8443 '"
echo "http://198.51.100.2:8000/list.txt" >"$FEED/down.txt.redirect"
echo "https://198.51.100.2:8443/list.txt" >"$FEED/moved.txt.redirect"
rm -f "$CACHE"
STRICT_START=yes write_config "$WORKDIR/down.conf" "[list:feed]" "signature = none" \
	"url = https://198.51.100.2:8443/down.txt" "path = $CACHE" "ca_file = $WORKDIR/ca.pem"
: >"$HTTP_LOG"
daemon_refuses "https redirected to http" "$WORKDIR/down.conf" "$WORKDIR/down.out"
t_check "https redirected to http: the log says why" \
	grep -q 'down.txt redirects to a plain http URL, refused' "$WORKDIR/down.out"
t_check "https redirected to http: the redirect was answered" grep -q '^GET /down.txt 302$' "$HTTP_LOG"
t_check_not "https redirected to http: the http url was never asked" grep -q '^GET /list.txt' "$HTTP_LOG"
t_check_not "https redirected to http: nothing was cached" test -e "$CACHE"
write_config "$WORKDIR/moved.conf" "[list:feed]" "signature = none" \
	"url = https://198.51.100.2:8443/moved.txt" "path = $CACHE" "ca_file = $WORKDIR/ca.pem"
: >"$WORKDIR/daemon.log"
if daemon_start "$WORKDIR/moved.conf"; then
	t_pass "https redirected to https: the daemon starts"
	t_check "https redirected to https: downloaded and blocking" ping_blocked 203.0.113.10
	t_check_not "https, unsigned: no http warning" \
		grep -q 'unsigned list over plain http' "$WORKDIR/daemon.log"
	daemon_stop
else
	t_fail "https redirected to https: the daemon starts"
fi
t_done
