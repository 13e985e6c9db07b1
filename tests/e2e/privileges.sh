#!/usr/bin/env bash
# End to end: the capabilities a running xdpblockd keeps (issue 12).
# Started as root with every capability, once ready it holds only
# CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (effective, permitted and
# bounding), none inheritable or ambient, and no_new_privs; with those:
#   - a reload that adds a domain list (new maps, and the DNS stage
#     program loaded then) works and blocks
#   - an interface that appears is attached (hot-plug)
#   - SIGTERM detaches and unpins cleanly
. "$(dirname "$0")/../lib.sh"

BLOCKED=203.0.113.10
KEPT="CAP_BPF CAP_NET_ADMIN CAP_PERFMON"
lab_up || { t_fail "lab setup"; exit 1; }
server_addr $BLOCKED/24
printf '203.0.113.0/24\n' >"$WORKDIR/block.txt"
printf 'blocked.example\n' >"$WORKDIR/names.txt"
write_config "$WORKDIR/xdpblock.conf" "[list:block]" "signature = none" \
	"path = $WORKDIR/block.txt" "[daemon]" "interfaces = r0 r1 hp0"

# caps PID FIELD : the capability names in /proc/PID/status's FIELD, sorted
caps() {
	capsh --decode="$(awk -v f="$2:" '$1 == f { print $2 }' /proc/"$1"/status)" |
		sed 's/.*=//' | tr ',' '\n' | sed '/^$/d' | tr 'a-z' 'A-Z' | sort | tr '\n' ' ' |
		sed 's/ $//'
}
field() { awk -v f="$2:" '$1 == f { print $2 }' /proc/"$1"/status; }

require "xdpblockd starts" daemon_start "$WORKDIR/xdpblock.conf"
t_pass "xdpblockd starts as root"
t_check "$BLOCKED blocked" ping_blocked $BLOCKED
for f in CapEff CapPrm CapBnd; do
	t_check "$f is exactly $KEPT (got: $(caps "$DAEMON_PID" $f))" \
		test "$(caps "$DAEMON_PID" $f)" = "$KEPT"
done
t_check_not "CapEff lacks CAP_CHOWN (the control socket's group is set)" \
	sh -c "capsh --decode=$(field "$DAEMON_PID" CapEff) | grep -qi chown"
t_check "CapInh is empty" test "$(field "$DAEMON_PID" CapInh)" = 0000000000000000
t_check "CapAmb is empty" test "$(field "$DAEMON_PID" CapAmb)" = 0000000000000000
t_check "no_new_privs set" grep -q '^NoNewPrivs:[[:space:]]*1' /proc/"$DAEMON_PID"/status

# --- reload: new maps, and a domain list's stage program loaded now
write_config "$WORKDIR/xdpblock.conf" "[list:block]" "signature = none" \
	"path = $WORKDIR/block.txt" "[list:names]" "signature = none" \
	"path = $WORKDIR/names.txt" "type = domain" "[daemon]" "interfaces = r0 r1 hp0"
t_check "reload adding a domain list succeeds" ctl reload
t_check "status: the domain list has its rule" \
	test "$(status_field "[l['rules_domain'] for l in r['lists'] if l['name'] == 'names'][0]")" = 1
t_check "after the reload: $BLOCKED still blocked" ping_blocked $BLOCKED
printf '203.0.113.0/24\n198.51.100.77/32\n' >"$WORKDIR/block.txt"
server_addr 198.51.100.77/24
t_check "a second reload succeeds" ctl reload
t_check "after it: 198.51.100.77 blocked" ping_blocked 198.51.100.77

# --- hot-plug: hp0 appears and is attached
ip link add hp0 netns "$(ns r)" type veth peer name hp1 netns "$(ns c)" &&
	ip -n "$(ns r)" link set hp0 up && ip -n "$(ns c)" link set hp1 up
hp_attached() {
	test "$(status_field "[i['attached'] for i in r['interfaces'] if i['name'] == 'hp0'][0]")" = True
}
t_check "hot-plug: hp0 attached" wait_for 10 hp_attached
t_check "hot-plug: ip link shows the program on hp0" \
	sh -c "ip -n '$(ns r)' link show dev hp0 | grep -q prog/xdp"
t_check "capabilities unchanged after reloads and hot-plug" \
	test "$(caps "$DAEMON_PID" CapEff)" = "$KEPT"

# --- exit: detaches
daemon_stop
t_check_not "after SIGTERM: nothing attached to r0" xdp_attached r0
t_check "the daemon log has no capability warning" \
	sh -c "! grep -q 'capabilities' '$WORKDIR/daemon.log'"
t_done
