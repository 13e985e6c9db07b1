#!/usr/bin/env bash
# End to end: list files that change reload themselves (inotify, debounced),
# and `xdpblockctl reload LIST` reloads one list.
#   - a file rewritten several times in a burst: one reload, of that list
#   - replaced by rename, deleted and re-created: reloads; while it is
#     missing or bad, the running rules stay and status says why
#   - another file in the same directory: no reload
#   - reload LIST re-reads that list only; the others keep their rules and
#     counters; an unknown list is an error
#   - watch_lists = no: nothing reloads by itself
. "$(dirname "$0")/../lib.sh"

lab_up || { t_fail "lab setup"; exit 1; }
server_addr 203.0.113.10/24
server_addr 198.51.100.77/24
server_addr 2001:db8:99::1/48
mkdir -p "$WORKDIR/lists"
A=$WORKDIR/lists/a.txt
B=$WORKDIR/lists/b.txt
printf '203.0.113.0/24\n' >"$A"
printf '2001:db8:99::/48\n' >"$B"
# (tests/lib.sh turns watching off for the other tests: they reload by hand)
WATCH_LISTS=yes write_config "$WORKDIR/xdpblock.conf" \
	"[list:a]" "signature = none" "path = $A" "[list:b]" "signature = none" "path = $B" \
	"[daemon]" "watch_delay_ms = 300"

reloads() { status_field "r['reloads_total']"; }
rules_of() { status_field "[l['rules_ipv4'] + l['rules_ipv6'] for l in r['lists'] if l['name'] == '$1'][0]"; }
rules_are() { [ "$(rules_of "$1")" -eq "$2" ]; }
reloads_are() { [ "$(reloads)" -eq "$1" ]; }
last_ok() { test "$(status_field "r['last_reload']['ok']")" = True; }
last_failed() { test "$(status_field "r['last_reload']['ok']")" = False; }

# positive controls: the server answers every address blocked below
for a in 203.0.113.10 198.51.100.77 2001:db8:99::1; do
	t_check "no daemon: $a answers" ping_ok "$a"
done
daemon_start "$WORKDIR/xdpblock.conf" || { t_fail "xdpblockd starts"; exit 1; }
ping_dropped_by "start" a 203.0.113.0/24 203.0.113.10
t_check "start: 198.51.100.77 reachable" ping_ok 198.51.100.77

# --- a burst of writes: one reload
n=$(reloads)
printf '203.0.113.0/24\n' >"$A"
printf '203.0.113.0/24\n198.51.100.77/32\n' >"$A"
printf '# updated\n203.0.113.0/24\n198.51.100.77/32\n' >"$A"
t_check "burst: list a reloads by itself" wait_for 10 rules_are a 2
sleep 1
t_check "burst: exactly one reload for three writes" reloads_are $((n + 1))
t_check "burst: the log names list a only" \
	grep -q 'list file(s) changed: reloading a$' "$WORKDIR/daemon.log"
ping_dropped_by "burst: now" a 198.51.100.77/32 198.51.100.77

# --- replaced by rename, as list updaters do
n=$(reloads)
printf '203.0.113.0/24\n' >"$WORKDIR/lists/.a.tmp"
mv "$WORKDIR/lists/.a.tmp" "$A"
t_check "rename: list a reloads" wait_for 10 rules_are a 1
t_check "rename: 198.51.100.77 reachable again" ping_ok 198.51.100.77

# --- bad content: the running rules stay, status says why
n=$(reloads)
printf '203.0.113.0/24\nnot-an-address\n' >"$A"
t_check "bad line: a reload is tried and fails" wait_for 10 last_failed
ctl status >"$WORKDIR/status.txt"
t_check "bad line: status names file and line" grep -q "a.txt:2" "$WORKDIR/status.txt"
ping_dropped_by "bad line: still" a 203.0.113.0/24 203.0.113.10
printf '203.0.113.0/24\n' >"$A"
t_check "fixed: the reload succeeds" wait_for 10 last_ok

# --- deleted, then back
rm "$A"
t_check "deleted: the reload fails" wait_for 10 last_failed
ping_dropped_by "deleted: still" a 203.0.113.0/24 203.0.113.10
printf '203.0.113.0/24\n198.51.100.77/32\n' >"$A"
t_check "re-created: reloads, with the new rule" wait_for 10 rules_are a 2

# --- another file in the same directory
n=$(reloads)
printf 'x\n' >"$WORKDIR/lists/notes.txt"
printf '198.51.100.0/24\n' >"$WORKDIR/lists/a.txt~" # not a.txt.*: unrelated
sleep 1.5
t_check "unrelated files: no reload" reloads_are "$n"

# --- reload LIST, with watching off
daemon_stop
printf '203.0.113.0/24\n' >"$A"
WATCH_LISTS=no write_config "$WORKDIR/nowatch.conf" \
	"[list:a]" "signature = none" "path = $A" "[list:b]" "signature = none" "path = $B"
require "watch_lists = no: starts" daemon_start "$WORKDIR/nowatch.conf"
ping_dropped_by "reload LIST: b's rule" b 2001:db8:99::/48 2001:db8:99::1
b_count=$(rule_packets b 2001:db8:99::/48)
n=$(reloads)
printf '203.0.113.0/24\n198.51.100.77/32\n' >"$A"
printf '2001:db8:99::/48\n2001:db8:98::/48\n' >"$B"
sleep 1
t_check "watch_lists = no: a change does not reload" reloads_are "$n"
t_check "reload a: succeeds" ctl reload a
t_check "reload a: a has its new rule" rules_are a 2
t_check "reload a: b was not re-read" rules_are b 1
t_check "reload a: b's counter goes on ($b_count)" \
	test "$(rule_packets b 2001:db8:99::/48)" -eq "$b_count"
ctl reload nosuchlist >"$WORKDIR/nosuch.out" 2>&1
t_check "reload of an unknown list: exit status 1" test $? -eq 1
t_check "reload of an unknown list: says so" grep -q "no list 'nosuchlist'" "$WORKDIR/nosuch.out"
t_check "reload (all): b has its new rule" sh -c "'$XDPBLOCKCTL' -s '$WORKDIR/control.sock' reload >/dev/null"
t_check "reload (all): ... 2 rules in b" rules_are b 2
t_done
