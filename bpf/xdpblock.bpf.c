// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpblock's XDP programs: a staged datapath.
 *
 * `xdpblock`, the entry, is what is attached. It parses the packet, looks
 * both addresses up in the active rule generation and decides on them.
 * When some list has names and the packet carries one (a DNS query, a TCP
 * segment to an HTTP or TLS port), it hands over to a stage with a tail
 * call: `xdpblock_dns` or `xdpblock_web` match the name, combine it with
 * the address verdict, count and act (drop, or a reply built in place).
 *
 * Each program is verified on its own, within its own budget: one program
 * holding all of it went past the verifier's 1,000,000 instructions on
 * Linux 6.18. Stages that the configuration does not need are not loaded
 * at all. The entry program's state reaches the stage in query_scratch.
 */
#include "parsing.bpf.h"
#include "ip_match.bpf.h"
#include "dns.bpf.h"
#include "web.bpf.h"
#include "counters.bpf.h"

/*
 * The stage for the packet's name, or -1: a DNS query goes to port 53
 * (UDP or TCP), HTTP and TLS to the configured ports (TCP).
 */
static __always_inline int stage_of(struct xdp_md *ctx, __u32 l4_off, int l4,
				    const struct xdpb_gen_info *info)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__be16 *ports; /* source, destination: first in UDP and TCP */

	if (l4_off > 0x7ff)
		return -1;
	ports = data + bounded(l4_off, 0x7ff);
	if ((void *)(ports + 2) > end)
		return -1;
	if (ports[1] == bpf_htons(XDPB_DNS_PORT))
		return XDPB_STAGE_DNS;
	if (l4 == IPPROTO_TCP && (port_in(info->http_ports, ports[1]) ||
				  port_in(info->tls_ports, ports[1])))
		return XDPB_STAGE_WEB;
	return -1;
}

/* Count the hit of rule @m, and its action on the interface. */
static __always_inline void count_decision(const struct xdpb_match *m,
					   __u32 ifindex, __u64 bytes)
{
	count_rule(m, bytes);
	count_iface(ifindex, m->action, bytes);
}

/* Would an address verdict of @action drop the packet? */
static __always_inline int action_drops(__u32 action)
{
	return action != XDPB_ACT_NONE && action != XDPB_ACT_MONITOR &&
	       action != XDPB_ACT_ALLOW;
}

/*
 * Count what rule @m decided and act on it, for a decision on the
 * addresses alone: a reply needs a matched name, so a DNS or web action
 * drops. No rule (@m NULL) passes, as `protected` when an address rule
 * was set aside for a protected address.
 */
static __always_inline int address_verdict(const struct xdpb_match *m,
					   __u32 protected, __u32 ifindex,
					   __u64 bytes)
{
	if (!m) {
		count_iface(ifindex,
			    protected ? XDPB_STAT_PROTECTED : XDPB_STAT_PASS,
			    bytes);
		return XDP_PASS;
	}
	count_decision(m, ifindex, bytes);
	switch (m->action) {
	case XDPB_ACT_NONE:
	case XDPB_ACT_MONITOR:
	case XDPB_ACT_ALLOW:
		return XDP_PASS;
	default:
		return XDP_DROP;
	}
}

SEC("xdp")
int xdpblock(struct xdp_md *ctx)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	void *frame = c.pos;
	__u64 bytes = c.end - c.pos;
	__u32 ifindex = ctx->ingress_ifindex;
	/* the leaves of the source and destination address, if found */
	struct xdpb_leaf leaf[XDPB_NR_DIRS];
	int have[XDPB_NR_DIRS] = {0, 0};
	struct name_query *q;
	int l4 = -1, stage;
	const struct xdpb_match *m;
	struct xdpb_gen_info *info;
	__u32 zero = 0, gen;
	__u32 *gen_ptr;
	__be32 saddr4 = 0, daddr4 = 0;
	__be16 proto;
	/*
	 * What a stage needs from the headers, kept here and written to
	 * query_scratch only for a packet that goes to one: most do not.
	 */
	__u32 l3_off, l4_off = 0, l3_end = 0, is_ipv6 = 0, protected = 0;

	if (parse_ethernet(&c, &proto) < 0) {
		count_iface(ifindex, XDPB_STAT_MALFORMED_L2, bytes);
		return XDP_PASS;
	}

	/* Read once: this packet uses this generation throughout. */
	gen_ptr = bpf_map_lookup_elem(&active_gen, &zero);
	if (!gen_ptr)
		return XDP_PASS;
	l3_off = c.pos - frame;
	gen = *gen_ptr;
	info = bpf_map_lookup_elem(&gen_info, &gen);
	if (!info)
		return XDP_PASS;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = parse_ipv4(&c);

		if (!ip) {
			count_iface(ifindex, XDPB_STAT_MALFORMED_IPV4, bytes);
			return XDP_PASS;
		}
		saddr4 = ip->saddr;
		daddr4 = ip->daddr;
		if (info->nr_v4_prefixes)
			ip4_lookup(gen, info, saddr4, daddr4, leaf, have);
		/* only a first, unfragmented packet starts with its UDP/TCP header */
		if (!(ip->frag_off & bpf_htons(0x3fff)))
			l4 = ip->protocol;
		l4_off = c.pos - frame;
		l3_end = l3_off + bpf_ntohs(ip->tot_len);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = parse_ipv6(&c);

		if (!ip6) {
			count_iface(ifindex, XDPB_STAT_MALFORMED_IPV6, bytes);
			return XDP_PASS;
		}
		l4 = parse_ipv6_ext(&c, ip6->nexthdr);
		if (l4 < 0)
			count_iface(ifindex, XDPB_STAT_MALFORMED_IPV6_EXT,
				    bytes);
		/*
		 * An offset, not the cursor: a packet pointer live across
		 * the lookups below would keep the verifier from merging
		 * the paths through the extension headers.
		 */
		l4_off = c.pos - frame;
		l3_end = l3_off + sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
		if (info->nr_v6_prefixes)
			ip6_lookup(gen, ip6, leaf, have);
		is_ipv6 = 1;
	} else {
		count_iface(ifindex, XDPB_STAT_NON_IP, bytes);
		return XDP_PASS;
	}

	m = xdpb_decide(&leaf[XDPB_DIR_SRC], have[XDPB_DIR_SRC],
			&leaf[XDPB_DIR_DST], have[XDPB_DIR_DST]);
	/*
	 * No address rule drops a packet from or to a protected address;
	 * name rules still may (a DNS query to the host's own resolver),
	 * so the stage sees no address verdict.
	 */
	if (m && action_drops(m->action) &&
	    (is_ipv6 ? ip6_protected() : ip4_protected(saddr4, daddr4))) {
		m = NULL;
		protected = 1;
	}
	/* names are matched only when some list has names */
	if (info->nr_names && (l4 == IPPROTO_UDP || l4 == IPPROTO_TCP) &&
	    !(m && m->action == XDPB_ACT_ALLOW)) {
		stage = stage_of(ctx, l4_off, l4, info);
		q = stage >= 0 ? bpf_map_lookup_elem(&query_scratch, &zero)
			       : NULL;
		if (q) {
			__builtin_memset(q, 0, sizeof(*q));
			q->l3_off = l3_off;
			q->l4_off = l4_off;
			q->l3_end = l3_end;
			q->is_ipv6 = is_ipv6;
			q->protected = protected;
			q->gen = gen;
			q->proto = l4;
			if (m) {
				q->ip_match = *m;
				q->has_ip_match = 1;
			}
			/*
			 * A constant index per call site: the JIT then jumps
			 * straight to the stage, patched when userspace fills
			 * the slot. A variable index is an indirect jump, a
			 * retpoline where the kernel mitigates Spectre v2 so
			 * (docs/architecture.md, "The cost").
			 */
			if (stage == XDPB_STAGE_DNS)
				bpf_tail_call_static(ctx, &stages,
						     XDPB_STAGE_DNS);
			else
				bpf_tail_call_static(ctx, &stages,
						     XDPB_STAGE_WEB);
			/* not loaded, or refused: the addresses decide */
			count_iface(ifindex, XDPB_STAT_STAGE_MISSED, bytes);
		}
	}
	return address_verdict(m, protected, ifindex, bytes);
}

/*
 * The stage's own view of the entry's verdict on the addresses, or NULL:
 * a copy on the stage's stack, so that "the name decided" is a comparison
 * of two stack pointers.
 */
static __always_inline const struct xdpb_match *
ip_match_of(const struct name_query *q, struct xdpb_match *copy)
{
	if (!q->has_ip_match)
		return NULL;
	*copy = q->ip_match;
	return copy;
}

SEC("xdp")
int xdpblock_dns(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	__u32 ifindex = ctx->ingress_ifindex, zero = 0;
	struct xdpb_match ip_m, name_m;
	const struct xdpb_match *m;
	struct name_query *q;
	int dns, verdict;

	q = bpf_map_lookup_elem(&query_scratch, &zero);
	if (!q)
		return XDP_PASS;
	m = ip_match_of(q, &ip_m);
	dns = xdpb_dns_name(ctx, &name_m);
	if (dns == DNS_QUERY &&
	    xdpb_match_wire_name(q->gen, q->nr_labels, 0, &name_m))
		dns = DNS_MATCH;
	if (dns == DNS_MALFORMED)
		count_iface(ifindex, XDPB_STAT_MALFORMED_DNS, bytes);
	else if (dns == DNS_MATCH || dns == DNS_FLOW)
		m = xdpb_decide_name(m, &name_m);
	if (!m || m != &name_m)
		return address_verdict(m, q->protected, ifindex, bytes);
	count_iface(ifindex, XDPB_STAT_NAME_DNS, bytes);
	/*
	 * A later segment of a connection whose DNS query was answered: the
	 * first goes on to the server as a RST; after that the client's FIN
	 * is acknowledged, so that its side closes too. Counted as resets on
	 * the interface only (the rule counted the query).
	 */
	if (dns == DNS_FLOW) {
		count_iface(ifindex, XDPB_STAT_RESET, bytes);
		if (!q->server_reset)
			return xdpb_tcp_reply(ctx, TCP_RST_TO_SERVER);
		if (q->fin)
			return xdpb_tcp_reply(ctx, TCP_ACK_TO_CLIENT);
		return XDP_DROP;
	}
	count_decision(m, ifindex, bytes);
	switch (m->action) {
	case XDPB_ACT_NXDOMAIN:
	case XDPB_ACT_REFUSED:
	case XDPB_ACT_SINKHOLE:
		verdict = xdpb_dns_reply(
			ctx,
			m->action == XDPB_ACT_SINKHOLE	 ? DNS_RCODE_NOERROR
			: m->action == XDPB_ACT_NXDOMAIN ? DNS_RCODE_NXDOMAIN
							 : DNS_RCODE_REFUSED,
			m->action == XDPB_ACT_SINKHOLE ? m->list_id : 0);
		/* over TCP: the connection's next segment resets the server */
		if (verdict == XDP_TX && q->is_tcp)
			xdpb_flow_remember(m, q->gen);
		return verdict;
	case XDPB_ACT_NONE:
	case XDPB_ACT_MONITOR:
	case XDPB_ACT_ALLOW:
		return XDP_PASS;
	default:
		/* drop; never a reset: the DNS view holds its DNS form */
		return XDP_DROP;
	}
}

SEC("xdp")
int xdpblock_web(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	__u32 ifindex = ctx->ingress_ifindex, zero = 0;
	struct xdpb_match ip_m, name_m;
	const struct xdpb_match *m;
	struct name_query *q;
	int web;

	q = bpf_map_lookup_elem(&query_scratch, &zero);
	if (!q)
		return XDP_PASS;
	m = ip_match_of(q, &ip_m);
	web = xdpb_web_name(ctx, &name_m);
	if (web == WEB_REQUEST &&
	    xdpb_match_wire_name(q->gen, q->nr_labels, 1, &name_m))
		web = WEB_MATCH;
	if (web == WEB_MALFORMED_HTTP)
		count_iface(ifindex, XDPB_STAT_MALFORMED_HTTP, bytes);
	else if (web == WEB_MALFORMED_TLS)
		count_iface(ifindex, XDPB_STAT_MALFORMED_TLS, bytes);
	else if (web == WEB_TLS_OUT_OF_ORDER)
		count_iface(ifindex, XDPB_STAT_TLS_OUT_OF_ORDER, bytes);
	else if (web == WEB_TLS_INCOMPLETE)
		count_iface(ifindex, XDPB_STAT_TLS_INCOMPLETE, bytes);
	else if (web == WEB_MATCH || web == WEB_FLOW)
		m = xdpb_decide_name(m, &name_m);
	if (!m || m != &name_m)
		return address_verdict(m, q->protected, ifindex, bytes);
	count_iface(ifindex,
		    q->kind == WEB_TLS ? XDPB_STAT_NAME_TLS
				       : XDPB_STAT_NAME_HTTP,
		    bytes);
	count_decision(m, ifindex, bytes);
	switch (m->action) {
	case XDPB_ACT_DROP:
		/* a name rule blocked a connection: its later segments need no parsing */
		if (web == WEB_MATCH)
			xdpb_flow_remember(m, q->gen);
		return XDP_DROP;
	case XDPB_ACT_RESET:
		if (web == WEB_MATCH)
			xdpb_flow_remember(m, q->gen);
		return xdpb_tcp_reply(ctx, TCP_RST_TO_CLIENT);
	case XDPB_ACT_NONE:
	case XDPB_ACT_MONITOR:
	case XDPB_ACT_ALLOW:
		return XDP_PASS;
	default:
		/* never a DNS answer: the web view holds its reset form */
		return XDP_DROP;
	}
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
