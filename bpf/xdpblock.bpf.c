// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpblock XDP entry: parse, look both addresses up in the active rule
 * generation, apply the deciding rule's action, count.
 */
#include "parsing.bpf.h"
#include "ip_match.bpf.h"
#include "counters.bpf.h"

SEC("xdp")
int xdpblock(struct xdp_md *ctx)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	__u64 bytes = c.end - c.pos;
	__u32 ifindex = ctx->ingress_ifindex;
	struct xdpb_leaf src_leaf, dst_leaf;
	int have_src = 0, have_dst = 0;
	const struct xdpb_match *m;
	__u32 zero = 0, gen;
	__u32 *gen_ptr;
	__be16 proto;

	if (parse_ethernet(&c, &proto) < 0) {
		count_iface(ifindex, XDPB_STAT_MALFORMED_L2, bytes);
		return XDP_PASS;
	}

	/* Read once: this packet uses this generation throughout. */
	gen_ptr = bpf_map_lookup_elem(&active_gen, &zero);
	if (!gen_ptr)
		return XDP_PASS;
	gen = *gen_ptr;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct ip4_tables t;
		struct iphdr *ip = parse_ipv4(&c);

		if (!ip) {
			count_iface(ifindex, XDPB_STAT_MALFORMED_IPV4, bytes);
			return XDP_PASS;
		}
		if (ip4_tables_get(gen, &t) < 0)
			return XDP_PASS;
		have_src = ip4_lookup(&t, ip->saddr, &src_leaf);
		have_dst = ip4_lookup(&t, ip->daddr, &dst_leaf);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = parse_ipv6(&c);
		struct xdpb_gen_info *info;
		void *prefixes, *filter;

		if (!ip6) {
			count_iface(ifindex, XDPB_STAT_MALFORMED_IPV6, bytes);
			return XDP_PASS;
		}
		if (parse_ipv6_ext(&c, ip6->nexthdr) < 0)
			count_iface(ifindex, XDPB_STAT_MALFORMED_IPV6_EXT,
				    bytes);
		info = bpf_map_lookup_elem(&gen_info, &gen);
		prefixes = bpf_map_lookup_elem(&ip6_prefix_gens, &gen);
		filter = bpf_map_lookup_elem(&ip6_filter_gens, &gen);
		if (!info || !prefixes || !filter)
			return XDP_PASS;
		if (info->nr_v6_lengths) {
			have_src = ip6_lookup(prefixes, filter, info,
					      &ip6->saddr, &src_leaf);
			have_dst = ip6_lookup(prefixes, filter, info,
					      &ip6->daddr, &dst_leaf);
		}
	} else {
		count_iface(ifindex, XDPB_STAT_NON_IP, bytes);
		return XDP_PASS;
	}

	m = xdpb_decide(&src_leaf, have_src, &dst_leaf, have_dst);
	if (!m) {
		count_iface(ifindex, XDPB_STAT_PASS, bytes);
		return XDP_PASS;
	}
	count_rule(m, bytes);
	count_iface(ifindex, m->action, bytes);
	return m->action == XDPB_ACT_DROP ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
