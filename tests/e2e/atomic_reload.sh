#!/usr/bin/env bash
# End to end, the issue's requirement: traffic to a rule present in both the
# old and the new list is never passed while a reload of a large list runs.
#
# Two large generated lists (random /32s and prefixes outside the
# documentation ranges: only data, no traffic goes there) both hold
# 203.0.113.0/24, on different lines. A client sends a steady UDP stream,
# alternating between the blocked target 203.0.113.10 and the unblocked
# control 198.51.100.2, while the daemon reloads several times, switching
# between the two lists (ctl reload and SIGHUP). Then:
#   - not one datagram reached the target (its server-side sink is empty)
#   - the target rule's drop counter grew and never went back
#   - the control flow kept arriving across every reload
. "$(dirname "$0")/../lib.sh"

TARGET=203.0.113.10 CONTROL=198.51.100.2 PORT=9000
NR_V4=${ATOMIC_NR_V4:-300000} NR_V6=${ATOMIC_NR_V6:-30000}
RELOADS=${ATOMIC_RELOADS:-6}
export MAX_RULES_V4=$((NR_V4 + 1000)) MAX_RULES_V6=$((NR_V6 + 1000))
export DAEMON_START_TIMEOUT=60

lab_up || { t_fail "lab setup"; exit 1; }
server_addr $TARGET/24

# gen_list FILE SEED : NR_V4 + NR_V6 random entries plus 203.0.113.0/24 at
# a seed-dependent line. IPv4: first octet 1-126 or 128-191 (never 192,
# 198 or 203) and prefix lengths >= 16, so nothing covers the lab's
# addresses; IPv6 inside 2400::/6-ish space, never 2001:db8::/32.
gen_list() {
	"$PYTHON" - "$1" "$2" "$NR_V4" "$NR_V6" <<'EOF'
import ipaddress, random, sys
path, seed, n4, n6 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(seed)
lines = []
for _ in range(n4):
    first = rnd.choice((rnd.randint(1, 126), rnd.randint(128, 191)))
    addr = (first << 24) | rnd.getrandbits(24)
    plen = 32 if rnd.random() < 0.7 else rnd.randint(16, 31)
    net = ipaddress.ip_network((addr, plen), strict=False)
    lines.append(str(net) if plen < 32 else str(net.network_address))
for _ in range(n6):
    addr = (rnd.randint(0x2400, 0x2c0f) << 112) | rnd.getrandbits(112)
    plen = rnd.choice((32, 48, 56, 64, 128))
    lines.append(str(ipaddress.ip_network((addr, plen), strict=False)))
lines.insert(rnd.randrange(len(lines)), "203.0.113.0/24")
with open(path, "w") as f:
    f.write("# generated, seed %d\n" % seed)
    f.write("\n".join(lines) + "\n")
EOF
}
gen_list "$WORKDIR/list-a.txt" 1 && gen_list "$WORKDIR/list-b.txt" 2 ||
	{ t_fail "generate the large lists"; exit 1; }
t_check "the two large lists differ" test "$(cmp -s "$WORKDIR/list-a.txt" "$WORKDIR/list-b.txt"; echo $?)" -ne 0
line_a=$(grep -n '^203\.0\.113\.0/24$' "$WORKDIR/list-a.txt" | cut -d: -f1)
line_b=$(grep -n '^203\.0\.113\.0/24$' "$WORKDIR/list-b.txt" | cut -d: -f1)
echo "# lists: $(wc -l <"$WORKDIR/list-a.txt") lines each; the target rule at line $line_a / $line_b"

udp_sink in_server $TARGET $PORT "$WORKDIR/target.txt" &&
	udp_sink in_server $CONTROL $PORT "$WORKDIR/control.txt" ||
	{ t_fail "UDP sinks"; exit 1; }

# The stream: alternately one datagram to the target and one to the
# control, a few thousand a second, until $WORKDIR/stop exists; then it
# writes how many the target was sent, and how many sends failed.
stream() {
	in_client "$PYTHON" - "$TARGET" "$CONTROL" $PORT "$WORKDIR/stop" "$WORKDIR/sent" <<'EOF'
import os, socket, sys, time
target, control, port, stop, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 0))
sent = errors = 0
while not os.path.exists(stop):
    for _ in range(40):
        try:
            s.sendto(b"%d\n" % sent, (target, port))
            sent += 1
        except OSError:
            errors += 1
        try:
            s.sendto(b"%d\n" % sent, (control, port))
        except OSError:
            pass
        time.sleep(0.00025)
with open(out, "w") as f:
    f.write("%d %d\n" % (sent, errors))
EOF
}

count_at_least() { [ "$(udp_count "$1")" -ge "$2" ]; }

# Without the daemon both destinations receive: the sinks work.
udp_send in_client 192.0.2.2 $TARGET $PORT 5
udp_send in_client 192.0.2.2 $CONTROL $PORT 5
t_check "without xdpblockd: the target receives" wait_for 10 count_at_least "$WORKDIR/target.txt" 5
t_check "without xdpblockd: the control receives" wait_for 10 count_at_least "$WORKDIR/control.txt" 5
target_base=$(udp_count "$WORKDIR/target.txt")

cp "$WORKDIR/list-a.txt" "$WORKDIR/big.txt"
write_config "$WORKDIR/xdpblock.conf" \
	"[list:big]" "path = $WORKDIR/big.txt" "signature = none" "action = drop"
require "xdpblockd starts with the large list" daemon_start "$WORKDIR/xdpblock.conf"
t_check "status: the large list is loaded" test \
	"$(status_field "[l['rules_ipv4'] + l['rules_ipv6'] for l in r['lists']][0]")" -gt $((NR_V4 / 2))
echo "# first load: $(status_field "r['last_reload']['duration_ms']") ms"

rule_grew() { [ "$(rule_packets big 203.0.113.0/24)" -gt "$1" ]; }
stream &
STREAM_PID=$!
control0=$(udp_count "$WORKDIR/control.txt")
t_check "the stream flows: control receives" wait_for 20 count_at_least "$WORKDIR/control.txt" $((control0 + 100))
t_check "the stream flows: target rule counts drops" wait_for 20 rule_grew 0

prev_rule=$(rule_packets big 203.0.113.0/24)
first_rule=$prev_rule
for i in $(seq "$RELOADS"); do
	if [ $((i % 2)) -eq 1 ]; then next=b; else next=a; fi
	cp "$WORKDIR/list-$next.txt" "$WORKDIR/big.new" && mv "$WORKDIR/big.new" "$WORKDIR/big.txt"
	ctl_before=$(udp_count "$WORKDIR/control.txt")
	gen_before=$(status_field "r['generation']")
	if [ $((i % 3)) -eq 0 ]; then
		how=SIGHUP
		n=$(status_field "r['reloads_total']")
		kill -HUP "$DAEMON_PID"
		daemon_wait_reloads $((n + 1))
	else
		how="ctl reload"
		ctl reload >/dev/null
	fi
	ms=$(status_field "r['last_reload']['duration_ms']")
	t_check "reload $i ($how, list $next, $ms ms): succeeded" \
		test "$(status_field "r['generation']")" -eq $((gen_before + 1))
	want=$line_b
	[ $next = a ] && want=$line_a
	t_check "reload $i: lookup finds the target rule at line $want of list $next" \
		sh -c "'$XDPBLOCKCTL' -s '$WORKDIR/control.sock' lookup $TARGET | grep -qF 'big.txt:$want)'"
	if now_rule=$(rule_packets big 203.0.113.0/24); then
		t_check "reload $i: target rule counter did not go back ($prev_rule -> $now_rule)" \
			test "$now_rule" -ge "$prev_rule"
		prev_rule=$now_rule
	else
		t_fail "reload $i: xdpblockctl stats answers"
	fi
	t_check "reload $i: control flow kept arriving" \
		wait_for 20 count_at_least "$WORKDIR/control.txt" $((ctl_before + 100))
	t_check "reload $i: nothing reached the target so far" \
		test "$(udp_count "$WORKDIR/target.txt")" -eq "$target_base"
done

touch "$WORKDIR/stop"
wait "$STREAM_PID"
read -r sent send_errors <"$WORKDIR/sent" || sent=0 send_errors=0
# what the client's veth itself dropped (its peer's queue full) never
# reached XDP
c0_dropped=$(ip -n "$(ns c)" -j -s link show c0 |
	"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])')
final_rule=$(rule_packets big 203.0.113.0/24) || final_rule=-1
target_got=$(( $(udp_count "$WORKDIR/target.txt") - target_base ))
control_got=$(( $(udp_count "$WORKDIR/control.txt") - control0 ))
echo "# stream: $sent datagrams to the target ($send_errors send errors);" \
	"control received $control_got; target rule counted $final_rule drops;" \
	"target received $target_got; c0 dropped $c0_dropped"
t_check "zero datagrams reached the target during $RELOADS reloads" test "$target_got" -eq 0
t_check "the target rule's drop counter grew during the reloads ($first_rule -> $final_rule)" \
	test "$final_rule" -gt "$first_rule"
t_check "the target rule counted every datagram sent to it ($final_rule of $sent, $c0_dropped lost on c0)" \
	test "$final_rule" -le "$sent" -a "$final_rule" -ge $((sent - c0_dropped))
t_check "the control received during the reloads" test "$control_got" -gt 0

t_done
