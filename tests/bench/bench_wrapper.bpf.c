// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Benchmark harness for BPF_PROG_TEST_RUN (tests/bench/bench_prog.c).
 *
 * BPF_PROG_TEST_RUN with .repeat = N runs a program N times on the same
 * packet, so on its own it measures one address with hot caches. The
 * wrapper makes every repetition a different packet: it takes the next
 * (source, destination) pair of the working set from an array, writes both
 * addresses into the packet in place and tail-calls the program under test
 * (slot 0 of `target`). Its own cost (index, array read, rewrite, tail
 * call) is measured by tail-calling bench_empty, and subtracted.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct bench_pair {
	__u8 src[16]; /* IPv4 uses the first 4 bytes, network order */
	__u8 dst[16];
};

/* The working set; resized by userspace before load, a power of two. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct bench_pair);
} pairs SEC(".maps");

/* Slot 0: the program under test. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

const volatile __u32 pair_mask = 0; /* max_entries of pairs - 1 */

/* Next pair to use. Test runs execute on one CPU with migration off. */
__u32 cursor = 0;

SEC("xdp")
int bench_wrapper(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct bench_pair *p;
	__u32 i = cursor;

	cursor = i + 1;
	i &= pair_mask;
	p = bpf_map_lookup_elem(&pairs, &i);
	if (!p || (void *)(eth + 1) > end)
		return XDP_ABORTED;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return XDP_ABORTED;
		__builtin_memcpy(&ip->saddr, p->src, 4);
		__builtin_memcpy(&ip->daddr, p->dst, 4);
	} else {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return XDP_ABORTED;
		__builtin_memcpy(&ip6->saddr, p->src, 16);
		__builtin_memcpy(&ip6->daddr, p->dst, 16);
	}
	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED; /* the slot was empty or the call failed */
}

/*
 * DNS: the packet is Ethernet + IPv4 + UDP to port 53 + a DNS header, and
 * each repetition writes the next name of the working set (wire format,
 * QTYPE and QCLASS, zero padded to 64 bytes) after the header.
 */
#define BENCH_NAME_OFF (14 + 20 + 8 + 12)

struct bench_name {
	__u8 wire[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct bench_name);
} names SEC(".maps");

const volatile __u32 name_mask = 0; /* max_entries of names - 1 */
__u32 name_cursor = 0;

SEC("xdp")
int bench_dns_wrapper(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct bench_name *n;
	__u32 i = name_cursor;

	name_cursor = i + 1;
	i &= name_mask;
	n = bpf_map_lookup_elem(&names, &i);
	if (!n || data + BENCH_NAME_OFF + sizeof(*n) > end)
		return XDP_ABORTED;
	__builtin_memcpy(data + BENCH_NAME_OFF, n->wire, sizeof(*n));
	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED;
}

/*
 * TLS: the packet is Ethernet + IPv4 + TCP to port 443 + a ClientHello
 * whose last 64 bytes are a server_name extension and a padding extension
 * filling the rest (so every length stays the same whatever the name);
 * each repetition writes the next name's 64 bytes there. The slot's
 * offset is set by userspace before load.
 */
const volatile __u32 tls_slot_off = 0;

SEC("xdp")
int bench_tls_wrapper(struct xdp_md *ctx)
{
	struct bench_name *n;
	__u32 i = name_cursor;

	name_cursor = i + 1;
	i &= name_mask;
	n = bpf_map_lookup_elem(&names, &i);
	if (!n ||
	    bpf_xdp_store_bytes(ctx, tls_slot_off, n->wire, sizeof(*n)) < 0)
		return XDP_ABORTED;
	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED;
}

/*
 * One more tail call before the baseline callee: the cost of a hop from
 * xdpblock's entry program to a stage (`bench_prog tailcall`).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} hop SEC(".maps");

SEC("xdp")
int bench_hop(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &hop, 0);
	return XDP_ABORTED;
}

/* The baseline callee, and the "empty XDP program" of the results. */
SEC("xdp")
int bench_empty(struct xdp_md *ctx __attribute__((unused)))
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
