#!/usr/bin/env bash
# A list that cannot be loaded at start-up never stops the others
# (xdpblockd(8) START-UP, xdpblock.conf(5) strict_start):
#   - every accepted list leaves its last good copy in state_dir/lastgood
#   - a plain restart with a signed list rolled back on disk, a list file
#     deleted and a gzip list cut short: the daemon starts, their last good
#     rules still block, a healthy list loads, and each is reported
#     degraded with its reason: status (exit 3), the log (file, reason),
#     the metric, and sd_notify STATUS
#   - a list with no copy yet: the daemon runs without it; a list over
#     max_rules_ipv4: its copy
#   - degraded lists do not block reloads; fixed, they are healthy again
#     (status exits 0), and the fresh list replaces the copy's rules
#   - a url list after a reboot with no network (no download, the server
#     down): its last good copy
#   - adopting an earlier daemon's pinned state: the degraded list keeps
#     its copy, or with no copy the adopted rules
. "$(dirname "$0")/../lib.sh"

SIGN=$TOP/scripts/sign-list.sh
C2A=203.0.113.10 C2B=198.51.100.77 OTHER=203.0.113.200 GZA=198.51.100.50
GOOD=203.0.113.99 FEEDA=203.0.113.50
K=$WORKDIR/keys
STATE=$WORKDIR/state
CONF=$WORKDIR/xdpblock.conf
C2=$WORKDIR/c2.txt OTHERF=$WORKDIR/other.txt GZ=$WORKDIR/gz.txt GOODF=$WORKDIR/good.txt
SOCK=$WORKDIR/notify.sock MSGS=$WORKDIR/notify.log
FEED=$WORKDIR/feed HTTP_LOG=$WORKDIR/http.log

lab_up || { t_fail "lab setup"; exit 1; }
for a in $C2A $C2B $OTHER $GZA $GOOD $FEEDA; do server_addr $a/24; done
mkdir -p "$K" "$FEED"
minisign -G -W -p "$K/a.pub" -s "$K/a.key" >/dev/null || { t_fail "minisign -G"; exit 1; }

require "notification socket" notify_listen "$SOCK" "$MSGS"

# put_c2 VERSION LINES... : the c2 list, signed with key a at VERSION
put_c2() {
	local v=$1
	shift
	printf '%s\n' "$@" >"$C2" && "$SIGN" -s "$K/a.key" -t "$v" "$C2" >/dev/null
}
list_field() { status_field "[l['$2'] for l in r['lists'] if l['name'] == '$1'][0]"; }
# degraded LIST : "REASON RUNNING" of a degraded list, "healthy" otherwise
degraded() {
	status_field "(lambda l: l['degraded']['reason'] + ' ' + l['degraded']['running'] if 'degraded' in l else 'healthy')([l for l in r['lists'] if l['name'] == '$1'][0])"
}
degraded_is() { [ "$(degraded "$1")" = "$2" ]; }
status_rc() {
	ctl status >"$WORKDIR/status.txt" 2>&1
	echo $?
}
scrape() { in_router curl -sS --max-time 5 -o "$1" http://127.0.0.1:9469/metrics; }

T1=1700000000 T2=1700003600 T3=1700007200
put_c2 $T2 "# C2 feed" "$C2A/32" "$C2B/32"
printf '%s\n' "$OTHER/32" >"$OTHERF"
printf '%s\n' "# gzipped" "$GZA/32" "203.0.113.128/25" | gzip -c >"$GZ"
printf '%s\n' "$GOOD/32" >"$GOODF"
LISTS=("[list:c2]" "path = $C2" "public_key_file = $K/a.pub"
	"[list:other]" "path = $OTHERF" "signature = none"
	"[list:gz]" "path = $GZ" "signature = none"
	"[list:good]" "path = $GOODF" "signature = none")
write_config "$CONF" "${LISTS[@]}"

# --- every accepted list leaves its copy
require "first start" daemon_start "$CONF"
ping_dropped_by "first start" c2 $C2B/32 $C2B
for l in c2 other gz good; do
	t_check "first start: $l has a last good copy (0600)" \
		test "$(stat -c %a "$STATE/lastgood/list-$l" 2>/dev/null)" = 600
done
t_check "first start: the copy of c2 holds its signature" \
	grep -q "trusted comment: timestamp:$T2" "$STATE/lastgood/list-c2"
t_check "first start: status exits 0" test "$(status_rc)" -eq 0
daemon_stop

# --- rolled back, deleted, cut short: a plain restart runs the copies
put_c2 $T1 "# C2 feed" "$C2A/32"
rm "$OTHERF"
head -c 30 "$GZ" >"$GZ.cut" && mv "$GZ.cut" "$GZ"
printf '%s\n' "$GOOD/32" "198.51.100.99/32" >"$GOODF"
: >"$WORKDIR/daemon.log"
NOTIFY_SOCKET=$SOCK require "bad lists at start: the daemon starts" daemon_start "$CONF"
ping_dropped_by "rollback" c2 $C2B/32 $C2B
ping_dropped_by "file deleted" other $OTHER/32 $OTHER
ping_dropped_by "gzip cut short" gz $GZA/32 $GZA
ping_dropped_by "the healthy list loads its new version" good 198.51.100.99/32 198.51.100.99
t_check "rollback: degraded, running the last good copy" degraded_is c2 "rollback last-good-copy"
t_check "file deleted: degraded (io), running the last good copy" degraded_is other "io last-good-copy"
t_check "gzip cut short: degraded (gzip), running the last good copy" degraded_is gz "gzip last-good-copy"
t_check "the healthy list is not degraded" degraded_is good healthy
t_check "degraded: ctl status exits 3" test "$(status_rc)" -eq 3
t_check "degraded: ctl status says DEGRADED, why, and what runs" \
	grep -Eq "DEGRADED \(rollback\): $C2: rollback: signed at .*running its last good copy" \
	<(tr -s ' \n' ' ' <"$WORKDIR/status.txt")
t_check "degraded: ctl --json status exits 3 too" sh -c "'$XDPBLOCKCTL' -s '$WORKDIR/control.sock' --json status >/dev/null; test \$? -eq 3"
t_check "the log names the list, the reason and the file" \
	grep -q "list c2: cannot load (rollback): $C2: rollback: signed at .*; running its last good copy, saved" "$WORKDIR/daemon.log"
t_check "the log says the deleted file is missing" \
	grep -q "list other: cannot load (io): $OTHERF: .*; running its last good copy" "$WORKDIR/daemon.log"
t_check "the log says the gzip is cut short" \
	grep -q "list gz: cannot load (gzip): .*$GZ.*; running its last good copy" "$WORKDIR/daemon.log"
t_check "the log never says cannot start" test "$(grep -c 'cannot start' "$WORKDIR/daemon.log")" -eq 0
require "metrics answer" scrape "$WORKDIR/m.txt"
t_check "metric: c2 degraded (rollback, last-good-copy)" \
	grep -qx 'xdpblock_list_degraded{list="c2",reason="rollback",running="last-good-copy"} 1' "$WORKDIR/m.txt"
t_check "metric: good not degraded" \
	grep -qx 'xdpblock_list_degraded{list="good",reason="ok",running="file"} 0' "$WORKDIR/m.txt"
t_check "sd_notify: READY=1 whose STATUS names the degraded lists" \
	grep -Eq '^READY=1 \| STATUS=.*degraded: c2 \(rollback, last-good-copy\), other \(io, last-good-copy\), gz \(gzip, last-good-copy\)' "$MSGS"

# --- degraded lists do not block a reload (a new list, say)
g0=$(status_field "r['generation']")
write_config "$CONF" "${LISTS[@]}" "[list:extra]" "path = $GOODF" "signature = none"
t_check "degraded lists: ctl reload succeeds" ctl reload
t_check "degraded lists: the generation moved on" test "$(status_field "r['generation']")" -gt "$g0"
t_check "degraded lists: the new list loaded" test "$(list_field extra rules_ipv4)" -eq 2
t_check "degraded lists: c2 still degraded on its copy" degraded_is c2 "rollback last-good-copy"
ping_dropped_by "after the reload, c2's copy" c2 $C2B/32 $C2B

# --- fixed: healthy again; the fresh version replaces the copy's rules
put_c2 $T3 "# C2 feed" "$C2A/32"
printf '%s\n' "$OTHER/32" >"$OTHERF"
printf '%s\n' "# gzipped" "$GZA/32" | gzip -c >"$GZ"
write_config "$CONF" "${LISTS[@]}"
t_check "fixed: ctl reload succeeds" ctl reload
for l in c2 other gz good; do
	t_check "fixed: $l is healthy" degraded_is $l healthy
done
t_check "fixed: ctl status exits 0" test "$(status_rc)" -eq 0
t_check "fixed: $C2B (only in the old copy) answers" ping_ok $C2B
ping_dropped_by "fixed: c2's new version" c2 $C2A/32 $C2A
t_check "fixed: the copy of c2 is the new version" \
	grep -q "trusted comment: timestamp:$T3" "$STATE/lastgood/list-c2"
t_check "removed list: its copy is gone" test ! -e "$STATE/lastgood/list-extra"
daemon_stop

# --- a list that never loaded: the daemon runs without it
write_config "$CONF" "${LISTS[@]}" "[list:new]" "path = $WORKDIR/none.txt" "signature = none"
require "a list with no copy: the daemon starts" daemon_start "$CONF"
t_check "a list with no copy: degraded (io), running none" degraded_is new "io none"
t_check "a list with no copy: no rules" test "$(list_field new rules_ipv4)" -eq 0
t_check "a list with no copy: the log says it runs without it" \
	grep -q "list new: cannot load (io): .*; running without it (it has no last good copy yet)" "$WORKDIR/daemon.log"
ping_dropped_by "a list with no copy: the others load" c2 $C2A/32 $C2A

# --- adopting an earlier daemon's pinned state
write_config "$CONF" "${LISTS[@]}"
t_check "adopt: reload without the list that never loaded" ctl reload
t_check "adopt: stop --keep-attached" ctl stop --keep-attached
daemon_wait_exit
put_c2 $T1 "# C2 feed" "$C2B/32"
require "adopt, c2 rolled back: the daemon starts" daemon_start "$CONF"
t_check "adopt: the pinned state was adopted" test "$(status_field "r['adopted']")" = True
t_check "adopt: c2 degraded, on its copy" degraded_is c2 "rollback last-good-copy"
ping_dropped_by "adopt: c2's copy" c2 $C2A/32 $C2A
t_check "adopt: stop --keep-attached again" ctl stop --keep-attached
daemon_wait_exit
rm "$STATE/lastgood/list-c2"
require "adopt, no copy: the daemon starts" daemon_start "$CONF"
t_check "adopt, no copy: c2 keeps the adopted rules" degraded_is c2 "rollback running-rules"
ping_dropped_by "adopt, no copy: the adopted rule" c2 $C2A/32 $C2A
daemon_stop

# --- over capacity: the list that does not fit falls back, not the start
printf '%s\n' "$C2A/32" "$C2B/32" >"$WORKDIR/big.txt"
MAX_RULES_V4=3 write_config "$CONF" "[list:big]" "path = $WORKDIR/big.txt" "signature = none"
require "capacity: the daemon starts with 2 of 3 rules" daemon_start "$CONF"
daemon_stop
printf '%s\n' "$C2A/32" "$C2B/32" 203.0.113.1 203.0.113.2 203.0.113.3 >"$WORKDIR/big.txt"
require "capacity: 5 rules of 3, the daemon starts" daemon_start "$CONF"
t_check "capacity: degraded (capacity), on its copy" degraded_is big "capacity last-good-copy"
t_check "capacity: the copy's 2 rules run" test "$(list_field big rules_ipv4)" -eq 2
t_check "capacity: the log says how many rules exceed what" \
	grep -q "list big: cannot load (capacity): .*big.txt: with it, 5 IPv4 rules exceed max_rules_ipv4 = 3" "$WORKDIR/daemon.log"
daemon_stop

# --- a reboot without network: a url list with no download, server down
printf '%s\n' "$FEEDA/32" >"$FEED/list.txt"
require "feed server starts" feed_start
mkdir -m 0700 "$WORKDIR/cache"
write_config "$CONF" "[list:feed]" "url = http://198.51.100.2:8000/list.txt" \
	"path = $WORKDIR/cache/feed.txt" "signature = none"
require "url list: the daemon starts" daemon_start "$CONF"
ping_dropped_by "url list: downloaded" feed $FEEDA/32 $FEEDA
daemon_stop
pin_dir_remove # a reboot: nothing pinned survives
feed_stop
rm -f "$WORKDIR"/cache/feed.txt*
require "reboot without network: the daemon starts" daemon_start "$CONF"
t_check "reboot without network: feed degraded (io), on its copy" degraded_is feed "io last-good-copy"
ping_dropped_by "reboot without network: the copy blocks" feed $FEEDA/32 $FEEDA
daemon_stop
t_done
