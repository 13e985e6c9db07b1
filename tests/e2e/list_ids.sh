#!/usr/bin/env bash
# End to end: a list keeps its id, and so its counters, across reloads
# (list_id_for in reload.c: a list that stays is found by name, a new one
# takes a free id). Two reloads that would renumber the lists if ids
# followed the order of the config:
#   - a list added before the running one: the running list's counter
#     goes on, the new list's starts at 0
#   - the two lists swapped: both go on
# Each step sends 3 pings per list to a listed address; the counts are
# exact (stats: lists[].packets, and the rule's own counter).
. "$(dirname "$0")/../lib.sh"

T4=203.0.113.10 T6=2001:db8:3::10
lab_up || { t_fail "lab setup"; exit 1; }
printf '203.0.113.0/24\n' >"$WORKDIR/first.txt"
printf '2001:db8:3::/48\n' >"$WORKDIR/added.txt"
FIRST=("[list:first]" "signature = none" "path = $WORKDIR/first.txt")
ADDED=("[list:added]" "signature = none" "path = $WORKDIR/added.txt")

# list_packets NAME : the list's packet counter (stats)
list_packets() {
	ctl_json "$WORKDIR/lp.json" stats &&
		json_get "$WORKDIR/lp.json" "[l['packets'] for l in j['result']['lists'] if l['name'] == '$1'][0]"
}
# counts_are STEP FIRST ADDED : the two lists' counters, and their rules'
counts_are() {
	t_check "$1: list first counts $2 (is $(list_packets first))" test "$(list_packets first)" = "$2"
	t_check "$1: rule 203.0.113.0/24 of first counts $2" test "$(rule_packets first 203.0.113.0/24)" = "$2"
	[ "$3" = - ] && return
	t_check "$1: list added counts $3 (is $(list_packets added))" test "$(list_packets added)" = "$3"
	t_check "$1: rule 2001:db8:3::/48 of added counts $3" test "$(rule_packets added 2001:db8:3::/48)" = "$3"
}

write_config "$WORKDIR/x.conf" "${FIRST[@]}"
require "xdpblockd starts" daemon_start "$WORKDIR/x.conf"
t_check "start: ping $T4 blocked" ping_blocked $T4
counts_are "start" 3 -

# --- a list added before it
write_config "$WORKDIR/x.conf" "${ADDED[@]}" "${FIRST[@]}"
require "a list added before first: the reload succeeds" ctl reload
t_check "status shows added, then first" \
	test "$(status_field "[l['name'] for l in r['lists']]")" = "['added', 'first']"
counts_are "added before it" 3 0
t_check "added before it: ping $T4 blocked" ping_blocked $T4
t_check "added before it: ping $T6 blocked" ping_blocked $T6
counts_are "added before it, more traffic" 6 3

# --- the two swapped
write_config "$WORKDIR/x.conf" "${FIRST[@]}" "${ADDED[@]}"
require "the lists swapped: the reload succeeds" ctl reload
t_check "status shows first, then added" \
	test "$(status_field "[l['name'] for l in r['lists']]")" = "['first', 'added']"
counts_are "swapped" 6 3
t_check "swapped: ping $T4 blocked" ping_blocked $T4
t_check "swapped: ping $T6 blocked" ping_blocked $T6
counts_are "swapped, more traffic" 9 6

t_done
