#!/usr/bin/env bash
# End to end: lists downloaded from an HTTP(S) feed in the server namespace
# (tests/e2e/list_server.py: ETag, Last-Modified, 304).
#   - first start: downloaded at once, loaded, blocking
#   - unchanged feed: conditional requests answered 304, no reload
#   - changed feed: downloaded and reloaded by itself
#   - feed down, slow (past fetch_timeout), or serving a bad list: the last
#     good rules stay, status says what failed
#   - a restart while the feed is down starts from the cached copy
#   - HTTPS with the operator's CA (ca_file); without it, refused
. "$(dirname "$0")/../lib.sh"

FEED=$WORKDIR/feed
CACHE=$WORKDIR/cache/feed.txt
HTTP_LOG=$WORKDIR/http.log
lab_up || { t_fail "lab setup"; exit 1; }
server_addr 203.0.113.10/24
server_addr 198.51.100.77/24
mkdir -p "$FEED"
printf '# feed v1\n203.0.113.0/24\n' >"$FEED/list.txt"
: >"$HTTP_LOG"


source_field() { status_field "[l['source'].get('$1') for l in r['lists'] if l['name'] == 'feed'][0]"; }
feed_rules() { status_field "[l['rules_ipv4'] for l in r['lists'] if l['name'] == 'feed'][0]"; }
feed_rules_are() { [ "$(feed_rules)" -eq "$1" ]; }
download_failed() { [ "$(source_field ok)" = False ]; }
download_ok() { [ "$(source_field ok)" = True ]; }
count_304() { grep -c '^GET /list.txt 304$' "$HTTP_LOG"; }
has_304() { [ "$(count_304)" -ge 1 ]; }
reloads() { status_field "r['reloads_total']"; }
last_reason_is() { [ "$(status_field "r['last_reload'].get('reason', '')")" = "$1" ]; }
# status_says PATTERN : the text status matches PATTERN (grep -E)
status_says() { ctl status >"$WORKDIR/status.txt" 2>&1 && grep -Eq "$1" "$WORKDIR/status.txt"; }

# positive controls: without the daemon the server answers the addresses
# blocked below
t_check "no daemon: 203.0.113.10 answers" ping_ok 203.0.113.10
t_check "no daemon: 198.51.100.77 answers" ping_ok 198.51.100.77

feed_start || { t_fail "feed server starts"; exit 1; }
write_config "$WORKDIR/xdpblock.conf" "[list:feed]" "signature = none" \
	"url = http://198.51.100.2:8000/list.txt" "path = $CACHE" \
	"refresh = 1" "fetch_timeout = 2"
daemon_start "$WORKDIR/xdpblock.conf" || { t_fail "xdpblockd starts with a url list"; exit 1; }
t_check "first start: the list was downloaded into its path" grep -q '^203.0.113.0/24$' "$CACHE"
ping_dropped_by "first start" feed 203.0.113.0/24 203.0.113.10
t_check "first start: 198.51.100.77 reachable" ping_ok 198.51.100.77
t_check "first start: status names the source" \
	test "$(source_field url)" = "http://198.51.100.2:8000/list.txt"

# --- unchanged: conditional requests, 304, no reload
n=$(reloads)
t_check "unchanged feed: the daemon asks again and gets 304" wait_for 10 has_304
t_check "unchanged feed: ... more than once (refresh = 1)" wait_for 10 sh -c "[ \$(grep -c '^GET /list.txt 304$' '$HTTP_LOG') -ge 2 ]"
t_check "unchanged feed: no reload" test "$(reloads)" -eq "$n"
t_check "unchanged feed: status says checked, not modified" \
	test "$(source_field not_modified)" = True

# --- an ETag with a bare CR inside is not kept (it would go back in the
# next If-None-Match and end that header line early); found by fuzz_fetch.
# A new copy of the list (a new comment) comes with it. Its mtime, the
# Last-Modified, is a second back: after v1's (two refreshes ago) and
# before the next change's, whenever in this second that comes.
printf '"a\rInjected: 1"' >"$FEED/list.txt.etag"
printf '# feed v1, again\n203.0.113.0/24\n' >"$FEED/list.txt"
touch -d '-1 second' "$FEED/list.txt"
t_check "CR in an ETag: the new copy is downloaded" \
	wait_for 10 grep -q '^# feed v1, again$' "$CACHE"
META=$(dirname "$CACHE")/.feed.meta
etag_kept_empty() { [ -f "$META" ] && [ -z "$(head -n1 "$META")" ]; }
t_check "CR in an ETag: no ETag is kept with the new copy (.feed.meta)" wait_for 5 etag_kept_empty
t_check_not "... and no CR is" grep -q "$(printf '\r')" "$META"
rm -f "$FEED/list.txt.etag"

# --- changed: downloaded and reloaded
printf '# feed v2\n203.0.113.0/24\n198.51.100.77/32\n' >"$FEED/list.txt"
t_check "changed feed: reloaded with the new rule" wait_for 15 feed_rules_are 2
ping_dropped_by "changed feed" feed 198.51.100.77/32 198.51.100.77
t_check "changed feed: the log says a new copy came" \
	grep -q 'list feed: new copy downloaded' "$WORKDIR/daemon.log"

# --- feed down: the last good rules stay
feed_stop
t_check "feed down: status reports the failed download" wait_for 15 download_failed
t_check "feed down: the error names the URL" \
	status_says 'download FAILED.*198.51.100.2:8000'
t_check "feed down: the rules stay (2)" feed_rules_are 2
ping_dropped_by "feed down: still" feed 198.51.100.77/32 198.51.100.77

# --- a restart while the feed is down: the cached copy
daemon_stop
require "feed down: the daemon restarts" daemon_start "$WORKDIR/xdpblock.conf"
t_check "restart, feed down: starts with the cached copy (2 rules)" feed_rules_are 2
ping_dropped_by "restart, feed down" feed 198.51.100.77/32 198.51.100.77

# --- slow feed: past fetch_timeout, the download is abandoned
echo 5 >"$FEED/.slow"
printf '# feed v3\n203.0.113.0/24\n' >"$FEED/list.txt"
require "feed server restarts" feed_start
t_check "slow feed: the download times out" wait_for 20 status_says 'download FAILED.*[Tt]imed? ?out'
t_check "slow feed: the rules stay (2)" feed_rules_are 2
rm "$FEED/.slow"
t_check "feed fast again: the new copy loads (1 rule)" wait_for 20 feed_rules_are 1

# --- a bad list from the feed: downloaded, refused at the reload
printf '203.0.113.0/24\nnot-a-prefix\n' >"$FEED/list.txt"
t_check "bad list: the reload fails" wait_for 15 \
	status_says 'FAILED \(previous rules still active\).*feed.txt:2'
ping_dropped_by "bad list: still" feed 203.0.113.0/24 203.0.113.10
feed_stop
daemon_stop
t_check "daemon stopped: 203.0.113.10 answers again" ping_ok 203.0.113.10

# --- a signed feed: the signature is fetched from beside the list
K=$WORKDIR/keys
mkdir -p "$K"
minisign -G -W -p "$K/f.pub" -s "$K/f.key" >/dev/null || t_fail "minisign -G"
printf '# signed feed\n203.0.113.0/24\n' >"$FEED/list.txt"
"$TOP/scripts/sign-list.sh" -s "$K/f.key" -t $(($(date +%s) - 60)) "$FEED/list.txt" >/dev/null ||
	t_fail "sign the feed"
require "feed server restarts" feed_start
rm -f "$CACHE" "$CACHE.minisig"
write_config "$WORKDIR/signed.conf" "[list:feed]" "public_key_file = $K/f.pub" \
	"url = http://198.51.100.2:8000/list.txt" "path = $CACHE" "refresh = 1"
if daemon_start "$WORKDIR/signed.conf"; then
	t_pass "signed feed: the daemon starts"
	t_check "signed feed: list and signature downloaded" test -s "$CACHE" -a -s "$CACHE.minisig"
	ping_dropped_by "signed feed: verified and blocking" feed 203.0.113.0/24 203.0.113.10
	t_check "signed feed: status shows the signing key" \
		test "$(status_field "[l.get('key_id', '') for l in r['lists'] if l['name'] == 'feed'][0]")" != ""
	# the server's list changes but its signature does not: refused
	printf '# signed feed\n203.0.113.0/24\n198.51.100.77/32\n' >"$FEED/list.txt"
	t_check "tampered feed: the reload fails on the signature" wait_for 15 last_reason_is signature
	t_check "tampered feed: the old rules stay (1 rule)" feed_rules_are 1
	t_check "tampered feed: 198.51.100.77 not blocked" ping_ok 198.51.100.77
	daemon_stop
else
	t_fail "signed feed: the daemon starts"
fi
feed_stop

# --- HTTPS with a private CA
test_ca_and_cert 198.51.100.2
printf '203.0.113.0/24\n' >"$FEED/list.txt"
feed_start "$WORKDIR/srv.pem" "$WORKDIR/srv.key" || t_fail "TLS feed server starts"
rm -f "$CACHE"
write_config "$WORKDIR/tls.conf" "[list:feed]" "signature = none" \
	"url = https://198.51.100.2:8443/list.txt" "path = $CACHE" "ca_file = $WORKDIR/ca.pem"
if daemon_start "$WORKDIR/tls.conf"; then
	t_pass "https with ca_file: the daemon starts"
	ping_dropped_by "https with ca_file: downloaded and blocking" feed 203.0.113.0/24 203.0.113.10
	daemon_stop
else
	t_fail "https with ca_file: the daemon starts"
fi
rm -f "$CACHE"
STRICT_START=yes write_config "$WORKDIR/noca.conf" "[list:feed]" "signature = none" \
	"url = https://198.51.100.2:8443/list.txt" "path = $CACHE"
daemon_refuses "https without the CA" "$WORKDIR/noca.conf" "$WORKDIR/noca.out"
t_check "https without the CA: the log says the certificate was refused" \
	grep -qi 'certificate' "$WORKDIR/noca.out"
t_check_not "https without the CA: nothing was cached" test -e "$CACHE"
t_done
