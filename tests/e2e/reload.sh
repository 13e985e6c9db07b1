#!/usr/bin/env bash
# End to end: reloading lists.
#   - SIGHUP applies a changed list: a new rule blocks
#   - `xdpblockctl reload` applies a changed list: a removed rule unblocks
#   - a rule present before and after a reload keeps its counter
#   - a bad list ('not-an-ip' at a known line) or a missing list file: the
#     reload fails with file:line / path in the message and in
#     status.last_reload, and the old rules stay active (blocked stays
#     blocked, allowed stays allowed, unblocked stays unblocked)
#   - a bad list by SIGHUP: the same, seen in status
#   - xdpblockd refuses to start on a bad config and on a bad list
#   - replacing 70,000 rules (more than one map batch, 65536) back and
#     forth: the pings to the one listed address the server holds count
#     on its rule, exactly, and on no other; a rule that comes back (its
#     ids reused) starts from zero
. "$(dirname "$0")/../lib.sh"

BLOCKED=203.0.113.10 ALLOWED=203.0.113.20 EXTRA4=198.51.100.77 EXTRA6=2001:db8:2::77
LIST=$WORKDIR/block.txt
ALLOW=$WORKDIR/allow.txt

lab_up || { t_fail "lab setup"; exit 1; }
server_addr $BLOCKED/24
server_addr $ALLOWED/24
server_addr $EXTRA4/24
server_addr $EXTRA6/64
tcp_server_start || { t_fail "TCP server setup"; exit 1; }

# set_list FILE LINES... : replace a list file in one step (rename)
set_list() {
	local f=$1
	shift
	printf '%s\n' "$@" >"$f.new" && mv "$f.new" "$f"
}
gen() { status_field "r['generation']"; }
reloads() { status_field "r['reloads_total']"; }
last_reload_ok() { status_field "r['last_reload']['ok']" | grep -qx True; }
# counter_kept LIST RULE BEFORE : the rule's counter did not go back
counter_kept() {
	local now
	now=$(rule_packets "$1" "$2")
	[ "$now" -ge "$3" ] && [ "$3" -gt 0 ]
}

set_list "$LIST" "203.0.113.0/24"
set_list "$ALLOW" "$ALLOWED/32"
write_config "$WORKDIR/xdpblock.conf" \
	"[list:block]" "path = $LIST" "signature = none" "action = drop" \
	"[list:allow]" "path = $ALLOW" "signature = none" "action = allow"
daemon_start "$WORKDIR/xdpblock.conf" || { t_fail "xdpblockd starts"; exit 1; }

t_check "start: $BLOCKED blocked" ping_blocked $BLOCKED
t_check "start: $ALLOWED allowed" ping_ok $ALLOWED
t_check "start: $EXTRA4 reachable" ping_ok $EXTRA4
t_check "start: $EXTRA6 reachable" ping_ok $EXTRA6

# --- SIGHUP: new rules block
c24=$(rule_packets block 203.0.113.0/24)
g=$(gen)
n=$(reloads)
set_list "$LIST" "203.0.113.0/24" "$EXTRA4/32" "$EXTRA6/128"
kill -HUP "$DAEMON_PID"
if daemon_wait_reloads $((n + 1)); then
	t_pass "SIGHUP: a reload ran"
	t_check "SIGHUP: it succeeded, generation $g -> $((g + 1))" \
		test "$(gen)" -eq $((g + 1))
else
	t_fail "SIGHUP: a reload ran" "reloads_total stayed $n"
fi
t_check "SIGHUP: new rule blocks ping to $EXTRA4" ping_blocked $EXTRA4
t_check "SIGHUP: new rule blocks TCP to $EXTRA4" tcp_blocked $EXTRA4
t_check "SIGHUP: new rule blocks ping to $EXTRA6" ping_blocked $EXTRA6
t_check "SIGHUP: status counts 2 IPv4 and 1 IPv6 rule in block" \
	test "$(status_field "[(l['rules_ipv4'], l['rules_ipv6']) for l in r['lists'] if l['name'] == 'block']")" = "[(2, 1)]"
t_check "SIGHUP: 203.0.113.0/24 kept its counter ($c24 -> $(rule_packets block 203.0.113.0/24))" \
	counter_kept block 203.0.113.0/24 "$c24"
t_check "SIGHUP: old rule still blocks $BLOCKED" ping_blocked $BLOCKED
t_check "SIGHUP: $ALLOWED still allowed" ping_ok $ALLOWED

# --- xdpblockctl reload: a removed rule unblocks, kept rules keep counting
c24=$(rule_packets block 203.0.113.0/24)
c6=$(rule_packets block $EXTRA6/128)
set_list "$LIST" "# $EXTRA4 removed" "203.0.113.0/24" "$EXTRA6/128"
t_check "ctl reload succeeds" ctl reload
t_check "ctl reload: removed rule unblocks ping to $EXTRA4" ping_ok $EXTRA4
t_check "ctl reload: removed rule unblocks TCP to $EXTRA4" tcp_ok $EXTRA4
t_check "ctl reload: $EXTRA4 has no rule in lookup" \
	sh -c "'$XDPBLOCKCTL' -s '$WORKDIR/control.sock' lookup $EXTRA4 | grep -q 'as destination: no rule'"
t_check "ctl reload: 203.0.113.0/24 did not reset ($c24 -> $(rule_packets block 203.0.113.0/24))" \
	counter_kept block 203.0.113.0/24 "$c24"
t_check "ctl reload: $EXTRA6/128 did not reset ($c6 -> $(rule_packets block $EXTRA6/128))" \
	counter_kept block $EXTRA6/128 "$c6"
ping_blocked $BLOCKED
ping_blocked $EXTRA6
t_check "ctl reload: 203.0.113.0/24 keeps counting (> $c24)" \
	test "$(rule_packets block 203.0.113.0/24)" -gt "$c24"
t_check "ctl reload: $EXTRA6/128 keeps counting (> $c6)" \
	test "$(rule_packets block $EXTRA6/128)" -gt "$c6"
t_check "ctl reload: the kept rule keeps its line number (now 2)" \
	sh -c "'$XDPBLOCKCTL' -s '$WORKDIR/control.sock' lookup $BLOCKED | grep -q 'block.txt:2)'"

# Reference state for the failures below: BLOCKED and EXTRA6 blocked,
# ALLOWED allowed (inside the blocked /24), EXTRA4 reachable.
check_old_rules() { # PREFIX
	t_check "$1: old rules active: $BLOCKED still blocked" ping_blocked $BLOCKED
	t_check "$1: old rules active: $EXTRA6 still blocked" ping_blocked $EXTRA6
	t_check "$1: old rules active: $ALLOWED still allowed" ping_ok $ALLOWED
	t_check "$1: old rules active: $EXTRA4 still reachable" ping_ok $EXTRA4
}
# reload_fails NAME WHAT : ctl reload exits non-zero naming WHAT, and
# status.last_reload says ok=false with WHAT in the error
reload_fails() {
	local g0
	g0=$(gen)
	if ctl reload >"$WORKDIR/reload.out" 2>&1; then
		t_fail "$1: ctl reload fails" "it succeeded"
	else
		t_pass "$1: ctl reload fails"
	fi
	t_check "$1: the message names $2" grep -qF "$2" "$WORKDIR/reload.out"
	sed 's/^/    | /' "$WORKDIR/reload.out"
	ctl_json "$WORKDIR/st.json" status
	t_check "$1: status last_reload ok=false, error names $2" json_true "$WORKDIR/st.json" \
		"j['result']['last_reload']['ok'] is False and '$2' in j['result']['last_reload']['error']"
	t_check "$1: generation unchanged" test "$(gen)" -eq "$g0"
	t_check "$1: status (text) says FAILED" \
		sh -c "'$XDPBLOCKCTL' -s '$WORKDIR/control.sock' status | grep -q 'FAILED (previous rules still active)'"
}

# --- a bad line: applying it in part would unblock BLOCKED and EXTRA6 and
# block EXTRA4
set_list "$LIST" "$EXTRA4/32" "# the /24 and $EXTRA6 are gone" "not-an-ip" "192.0.2.0/24"
reload_fails "bad list" "$LIST:3"
t_check "bad list: status counts failures" test "$(status_field "r['reload_failures_total']")" -ge 1
check_old_rules "bad list"

# --- a missing list file: the allow list disappears
set_list "$LIST" "203.0.113.0/24" "$EXTRA6/128"
mv "$ALLOW" "$ALLOW.away"
reload_fails "missing list" "$ALLOW"
check_old_rules "missing list"
mv "$ALLOW.away" "$ALLOW"

# --- a bad list by SIGHUP
set_list "$LIST" "203.0.113.0/24" "$EXTRA6/128" "2001:db8::/129"
n=$(reloads)
g=$(gen)
kill -HUP "$DAEMON_PID"
if daemon_wait_reloads $((n + 1)); then
	ctl_json "$WORKDIR/st.json" status
	t_check "SIGHUP bad list: last_reload ok=false naming $LIST:3" json_true "$WORKDIR/st.json" \
		"j['result']['last_reload']['ok'] is False and '$LIST:3' in j['result']['last_reload']['error']"
	t_check "SIGHUP bad list: generation unchanged" test "$(gen)" -eq "$g"
else
	t_fail "SIGHUP bad list: a reload ran"
fi
t_check "SIGHUP bad list: daemon still running" kill -0 "$DAEMON_PID"
check_old_rules "SIGHUP bad list"

# --- fixed: the next reload works again
set_list "$LIST" "203.0.113.0/24" "$EXTRA6/128"
t_check "fixed list: ctl reload succeeds" ctl reload
t_check "fixed list: last_reload ok" last_reload_ok

# --- refusing to start: a bad config always; a bad list with strict_start
# (without it the daemon starts degraded: fail_safe.sh)
daemon_stop
write_config "$WORKDIR/bad.conf" "[list:block]" "path = $LIST" "signature = none"
sed -i 's/^xdp_mode = .*/xdp_mode = turbo/' "$WORKDIR/bad.conf"
line=$(grep -n '^xdp_mode' "$WORKDIR/bad.conf" | cut -d: -f1)
daemon_refuses "bad config" "$WORKDIR/bad.conf" "$WORKDIR/start.out"
t_check "bad config: the message names $WORKDIR/bad.conf:$line" \
	grep -qF "$WORKDIR/bad.conf:$line:" "$WORKDIR/start.out"
t_check_not "bad config: nothing attached to r0" xdp_attached r0

set_list "$WORKDIR/bad.txt" "203.0.113.0/24" "" "# two good lines, then" "300.1.2.3/24"
STRICT_START=yes write_config "$WORKDIR/badlist.conf" "[list:block]" "path = $WORKDIR/bad.txt" "signature = none"
daemon_refuses "bad list at start" "$WORKDIR/badlist.conf" "$WORKDIR/start.out"
t_check "bad list at start: the message names $WORKDIR/bad.txt:4" \
	grep -qF "$WORKDIR/bad.txt:4:" "$WORKDIR/start.out"
t_check_not "bad list at start: nothing attached to r0" xdp_attached r0
t_check_not "bad list at start: no control socket left" test -e "$WORKDIR/control.sock"

STRICT_START=yes write_config "$WORKDIR/nolist.conf" "[list:block]" "path = $WORKDIR/does-not-exist.txt" "signature = none"
daemon_refuses "missing list at start" "$WORKDIR/nolist.conf" "$WORKDIR/start.out"
t_check "missing list at start: the message names the file" \
	grep -qF "$WORKDIR/does-not-exist.txt" "$WORKDIR/start.out"

# --- replacing more rules than one map batch (65536) at once, back and
# forth: a = 69,998 /32 rules in 10/8, 203.0.113.1 and $BLOCKED; b =
# 69,998 in 11/8, 203.0.113.2 and $ALLOWED. A /24 with two /32 rules or
# more goes to the /32 hash, in address order: $BLOCKED and $ALLOWED are
# the last of 70,000 entries, in the hash's second batch. A removed rule's
# id is zeroed and reused at the reload after next, so the rules of a list
# that comes back may hold ids that counted before: every reload must
# leave no rule with hits, and pings count on their rule only.
"$PYTHON" -c '
import sys
for name, first, last in (("a", 10, sys.argv[2:4]), ("b", 11, sys.argv[4:6])):
    with open(sys.argv[1] + "/bulk-" + name + ".txt", "w") as f:
        for i in range(69998):
            f.write("%d.%d.%d.%d\n" % (first, i >> 16, (i >> 8) & 255, i & 255))
        f.write("\n".join(last) + "\n")
' "$WORKDIR" 203.0.113.1 $BLOCKED 203.0.113.2 $ALLOWED
# hits_are [RULE=N...] : the rules with hits are exactly these, of list bulk
# (what there is instead is printed)
hits_are() {
	ctl_json "$WORKDIR/bulk.json" stats --limit 0 || return 1
	"$PYTHON" -c '
import json, sys
j = json.load(open(sys.argv[1]))
have = sorted((r["list"], r["rule"], r["packets"]) for r in j["result"]["rules"])
want = sorted(("bulk", a.split("=")[0], int(a.split("=")[1])) for a in sys.argv[2:])
if have != want:
    print("rules with hits:", have[:5], "..." if len(have) > 5 else "")
    sys.exit(1)
' "$WORKDIR/bulk.json" "$@"
}
# bulk_round NAME IN OUT : with 70,000 rules loaded, IN among them, not
# OUT: no rule has hits; OUT answers; IN is blocked, its 3 pings on its
# rule and on no other
bulk_round() {
	t_check "$1: 70000 rules loaded" test "$(status_field "[l['rules_ipv4'] for l in r['lists'] if l['name'] == 'bulk']")" = "[70000]"
	t_check "$1: no rule has hits" hits_are
	t_check "$1: $3 (not listed) answers" ping_ok "$3"
	ping_dropped_by "$1" bulk "$2/32" "$2"
	t_check "$1: the only rule with hits is $2/32, with 3" hits_are "$2/32=3"
}
t_check "bulk, no daemon: $BLOCKED answers" ping_ok $BLOCKED
t_check "bulk, no daemon: $ALLOWED answers" ping_ok $ALLOWED
cp "$WORKDIR/bulk-a.txt" "$WORKDIR/bulk.txt"
write_config "$WORKDIR/bulk.conf" "[list:bulk]" "path = $WORKDIR/bulk.txt" "signature = none"
if daemon_start "$WORKDIR/bulk.conf"; then
	bulk_round "bulk a at start" $BLOCKED $ALLOWED
	for f in b a b; do
		cp "$WORKDIR/bulk-$f.txt" "$WORKDIR/bulk.txt"
		t_check "bulk $f replaces the other: ctl reload succeeds" ctl reload
		if [ $f = a ]; then
			bulk_round "bulk a reloaded" $BLOCKED $ALLOWED
		else
			bulk_round "bulk b reloaded" $ALLOWED $BLOCKED
		fi
	done
else
	t_fail "bulk list: xdpblockd starts"
fi

t_done
