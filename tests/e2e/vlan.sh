#!/usr/bin/env bash
# End to end: VLAN-tagged traffic through the XDP program on the router's
# parent interface r0.
#
# Part 1, tagged frames on the wire (runs everywhere): the client writes
# 802.1Q, 802.1ad+802.1Q (QinQ) and untagged IPv4/IPv6 UDP frames straight
# onto c0 (AF_PACKET), so the tags are in the frame XDP sees on r0, in
# native and in generic mode. Without a VLAN interface on the router the
# kernel discards tagged frames after XDP, so the verdicts are read from
# the counters, exactly: N frames to a blocked address are N drops on its
# rule; N to a monitored address are N monitor hits (parsed and passed).
# A third tag is more than the parser takes: counted as malformed_l2.
#
# Real VLAN sub-interfaces (c0.100 - r0.100) are not used: the CI kernel
# has no 802.1Q support (CONFIG_VLAN_8021Q unset, "type vlan" is an unknown
# device type), and a test that can never run here would only pretend.
. "$(dirname "$0")/../lib.sh"

N=7

lab_up || { t_fail "lab setup"; exit 1; }
printf '203.0.113.0/24\n2001:db8:3::/48\n' >"$WORKDIR/block.txt"
printf '198.51.100.99/32\n2001:db8:2::99/128\n' >"$WORKDIR/watch.txt"
conf() { # MODE
	XDP_MODE=$1 write_config "$WORKDIR/$1.conf" \
		"[list:block]" "path = $WORKDIR/block.txt" "signature = none" "action = drop" \
		"[list:watch]" "path = $WORKDIR/watch.txt" "signature = none" "action = monitor"
}

R0_MAC=$(ip -n "$(ns r)" -j link show r0 | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
C0_MAC=$(ip -n "$(ns c)" -j link show c0 | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')

# send_frames TAGS DST COUNT : COUNT UDP frames from the client to DST
# (v4 or v6) with TAGS, e.g. "8100:100" or "88a8:200,8100:100" or "-"
send_frames() {
	in_client "$PYTHON" - "$C0_MAC" "$R0_MAC" "$1" "$2" "$3" <<'EOF'
import ipaddress, socket, struct, sys

src_mac, dst_mac, tags, dst, count = sys.argv[1:6]
mac = lambda m: bytes.fromhex(m.replace(":", ""))

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

dst = ipaddress.ip_address(dst)
payload = b"xdpblock vlan test"
if dst.version == 4:
    src = ipaddress.ip_address("192.0.2.2")
    udp = struct.pack("!HHHH", 40000, 9000, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                      src.packed, dst.packed)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    l3, ethertype = hdr + udp, 0x0800
else:
    src = ipaddress.ip_address("2001:db8:1::2")
    length = 8 + len(payload)
    pseudo = src.packed + dst.packed + struct.pack("!IxxxB", length, 17)
    udp = struct.pack("!HHHH", 40000, 9000, length, 0) + payload
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    hdr = struct.pack("!IHBB16s16s", 6 << 28, length, 17, 64, src.packed, dst.packed)
    l3, ethertype = hdr + udp, 0x86DD

frame = mac(dst_mac) + mac(src_mac)
if tags != "-":
    for tag in tags.split(","):
        tpid, vid = tag.split(":")
        frame += struct.pack("!HH", int(tpid, 16), int(vid))
frame += struct.pack("!H", ethertype) + l3

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("c0", 0))
for _ in range(int(count)):
    s.send(frame)
EOF
}

# frames_counted NAME TAGS DST LIST RULE : N frames are exactly N hits on RULE
frames_counted() {
	local before after
	before=$(rule_packets "$4" "$5")
	send_frames "$2" "$3" $N || { t_fail "$1" "cannot send frames"; return; }
	if wait_for 10 rule_is "$4" "$5" $((before + N)); then
		t_pass "$1: $N/$N counted on $5 of $4"
	else
		after=$(rule_packets "$4" "$5")
		t_fail "$1" "$((after - before)) of $N counted on $5 of $4"
	fi
}
rule_is() { [ "$(rule_packets "$1" "$2")" -eq "$3" ]; }
iface_is() { [ "$(iface_packets "$1" "$2")" -eq "$3" ]; }

# --- part 1: tagged frames, native and generic XDP
for mode in native generic; do
	conf $mode
	daemon_start "$WORKDIR/$mode.conf" || { t_fail "$mode: xdpblockd starts"; continue; }
	frames_counted "$mode: untagged IPv4 to 203.0.113.10 dropped" - 203.0.113.10 block 203.0.113.0/24
	frames_counted "$mode: 802.1Q IPv4 to 203.0.113.10 dropped" 8100:100 203.0.113.10 block 203.0.113.0/24
	frames_counted "$mode: 802.1Q IPv6 to 2001:db8:3::3 dropped" 8100:100 2001:db8:3::3 block 2001:db8:3::/48
	frames_counted "$mode: 802.1ad+802.1Q IPv4 to 203.0.113.10 dropped" 88a8:200,8100:100 203.0.113.10 block 203.0.113.0/24
	frames_counted "$mode: 802.1Q+802.1Q IPv6 to 2001:db8:3::3 dropped" 8100:200,8100:100 2001:db8:3::3 block 2001:db8:3::/48
	frames_counted "$mode: 802.1Q IPv4 to 198.51.100.99 parsed, monitored, passed" 8100:100 198.51.100.99 watch 198.51.100.99/32
	frames_counted "$mode: 802.1ad+802.1Q IPv6 to 2001:db8:2::99 parsed, monitored, passed" 88a8:200,8100:100 2001:db8:2::99 watch 2001:db8:2::99/128
	m0=$(iface_packets r0 malformed_l2)
	send_frames 88a8:300,8100:200,8100:100 203.0.113.10 $N
	t_check "$mode: three tags: counted malformed_l2 on r0 (documented limit of 2)" \
		wait_for 10 iface_is r0 malformed_l2 $((m0 + N))
	daemon_stop
done

t_done
