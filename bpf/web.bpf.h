/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TLS SNI and HTTP Host: find the server name a client asks for at the
 * start of a TCP connection to a configured port (the HTTP request's
 * first segment; the ClientHello, over as many segments as it takes, up
 * to XDPB_TLS_MAX_SEGMENTS), turn it into wire form in the DNS scratch
 * for the web stage to match with the same suffix walk as a DNS query
 * (xdpb_match_wire_name(), "web" view). Blocked connections are remembered in
 * the flow verdict cache; `reset` answers with a RST built in place.
 *
 * The segment's payload is copied into a per-CPU window first, for the
 * same reason as in the DNS path: bpf_loop() callbacks index a map value
 * with a masked offset, but cannot carry packet bounds across iterations.
 */
#ifndef XDPBLOCK_WEB_BPF_H
#define XDPBLOCK_WEB_BPF_H

#include <linux/tcp.h>

#include "maps.bpf.h"
#include "parsing.bpf.h"
#include "dns.bpf.h"
#include "reply.bpf.h"
#include "web_name.bpf.h"
#include "http.bpf.h"
#include "tls.bpf.h"

/* ---- the segment ---------------------------------------------------- */

static __always_inline int port_in(const __be16 *ports, __be16 port)
{
#pragma unroll
	for (int i = 0; i < XDPB_MAX_WEB_PORTS; i++) {
		if (!ports[i])
			return 0;
		if (ports[i] == port)
			return 1;
	}
	return 0;
}

enum web_segment {
	WEB_SEG_NONE, /* not TCP to a web port */
	WEB_SEG_SYN, /* a SYN: a new connection */
	WEB_SEG_OTHER, /* any other segment to a web port */
};

/*
 * Is this a TCP segment to an HTTP or TLS port? Fills @q's TCP fields and
 * the flow key.
 */
static __always_inline int web_tcp_segment(struct xdp_md *ctx,
					   struct name_query *q,
					   const struct xdpb_gen_info *info)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct cursor c = {
		.pos = data + bounded(q->l4_off, 0x7ff),
		.end = end,
	};
	struct tcphdr *tcp;

	if (q->l4_off > 0x7ff || q->l3_off > 0x3f)
		return WEB_SEG_NONE;
	tcp = cursor_pull(&c, sizeof(*tcp));
	if (!tcp || tcp->doff < 5)
		return WEB_SEG_NONE;
	if (port_in(info->http_ports, tcp->dest))
		q->kind = WEB_HTTP;
	else if (port_in(info->tls_ports, tcp->dest))
		q->kind = WEB_TLS;
	else
		return WEB_SEG_NONE;
	if (tcp_segment_note(q, tcp, data, end) < 0)
		return WEB_SEG_NONE;
	return tcp->syn && !tcp->ack ? WEB_SEG_SYN : WEB_SEG_OTHER;
}

/* Copy the start of the payload into the window: the bytes copied. */
static __always_inline __u32 web_copy_payload(struct xdp_md *ctx,
					      struct name_query *q,
					      struct web_scratch *w)
{
	__u64 len = q->payload_len;

	if (len > XDPB_WEB_WIN)
		len = XDPB_WEB_WIN;
	/* keep clang from passing a copy of len taken before the checks */
	asm volatile("" : "+r"(len));
	if (len < 1 || len > XDPB_WEB_WIN ||
	    bpf_xdp_load_bytes(ctx, q->payload_off, w->win,
			       size_in_1_to(len, XDPB_WEB_WIN)) < 0)
		return 0;
	return len;
}

/*
 * The web work is a global function, as the DNS work is: the verifier
 * checks it once, on its own.
 *
 * Find the server name of the TCP segment described by query_scratch
 * (the entry program's fields set): WEB_REQUEST with the name in wire
 * form in the DNS scratch (q->nr_labels labels) for the stage to match
 * with xdpb_match_wire_name() (see xdpb_dns_name() for why not here),
 * WEB_FLOW with the rule that blocked the segment's flow before in @out,
 * WEB_MALFORMED_*, WEB_TLS_* or WEB_NONE.
 */
__noinline int xdpb_web_name(struct xdp_md *ctx, struct xdpb_match *out)
{
	struct xdpb_gen_info *info;
	struct dns_scratch *s;
	struct xdpb_flow_verdict *flow;
	struct web_scratch *w;
	struct name_query *q;
	__u32 zero = 0, gen, len;
	int labels = 0;

	q = bpf_map_lookup_elem(&query_scratch, &zero);
	if (!ctx || !q || !out)
		return WEB_NONE;
	gen = q->gen;
	info = bpf_map_lookup_elem(&gen_info, &gen);
	s = bpf_map_lookup_elem(&dns_scratch, &zero);
	w = bpf_map_lookup_elem(&web_scratch, &zero);
	if (!info || !s || !w)
		return WEB_NONE;
	switch (web_tcp_segment(ctx, q, info)) {
	case WEB_SEG_NONE:
		return WEB_NONE;
	case WEB_SEG_SYN:
		/*
		 * A new connection on the four-tuple: a verdict remembered
		 * for an earlier one (a shared server address, a reused
		 * client port) must not decide it.
		 */
		bpf_map_delete_elem(&flow_verdict, &q->flow);
		return WEB_NONE;
	}
	flow = bpf_map_lookup_elem(&flow_verdict, &q->flow);
	if (flow && flow->gen_serial == info->serial) {
		*out = flow->match;
		return WEB_FLOW;
	}
	if (q->rst || !q->payload_len)
		return WEB_NONE;
	if (q->kind == WEB_HTTP) {
		len = web_copy_payload(ctx, q, w);
		if (!len)
			return WEB_NONE;
		labels = http_find_host(w, s, len);
		if (labels < 0)
			return WEB_MALFORMED_HTTP;
	} else {
		labels = tls_segment(ctx, q, w, s);
		if (labels == TLS_OUT_OUT_OF_ORDER)
			return WEB_TLS_OUT_OF_ORDER;
		if (labels == TLS_OUT_INCOMPLETE)
			return WEB_TLS_INCOMPLETE;
		if (labels < 0)
			return WEB_MALFORMED_TLS;
	}
	if (labels <= 0)
		return WEB_NONE;
	q->nr_labels = labels;
	return WEB_REQUEST;
}

/*
 * Remember that name rule @m blocked the flow of the segment in
 * query_scratch (drop or
 * reset), for generation @gen: the flow's later segments are decided by
 * the cache.
 */
__noinline int xdpb_flow_remember(const struct xdpb_match *m, __u32 gen)
{
	struct xdpb_flow_verdict v = {};
	struct xdpb_gen_info *info;
	struct name_query *q;
	__u32 zero = 0;

	q = bpf_map_lookup_elem(&query_scratch, &zero);
	if (!q || !m)
		return 0;
	info = bpf_map_lookup_elem(&gen_info, &gen);
	if (!info)
		return 0;
	v.match = *m;
	v.gen_serial = info->serial;
	v.server_seq = q->seq; /* a DNS query's: see xdpb_tcp_reply() */
	bpf_map_update_elem(&flow_verdict, &q->flow, &v, BPF_ANY);
	return 0;
}

/* ---- reset ---------------------------------------------------------- */

#define TCP_FLAGS_RST 0x04
#define TCP_FLAGS_ACK 0x10
#define TCP_FLAGS_RST_ACK 0x14
#define RESET_TTL 64

/* What xdpb_tcp_reply() makes of a client's segment. */
enum tcp_reply {
	TCP_RST_TO_CLIENT, /* a web rule's reset */
	TCP_RST_TO_SERVER, /* close the server's side of an answered DNS query */
	TCP_ACK_TO_CLIENT, /* acknowledge the client's FIN after that */
};

/*
 * Turn the client's segment in query_scratch (matched just before) into a RST to the
 * client, in place: MACs, addresses and ports swapped, VLAN tags kept,
 * the payload and TCP options cut off. The RST carries the segment's
 * acknowledgement number as its sequence number (what the client expects
 * next from the server, so it accepts it: RFC 9293 3.10.7.1, RFC 5961
 * 3.2) and acknowledges the segment (ACK = its seq + payload + FIN).
 * IPv4 gets TTL 64, DF and a fresh header checksum (options, which a
 * client hardly ever sends, are not answered: the segment is dropped);
 * IPv6 hop limit 64 (extension headers likewise). Returns XDP_TX, or
 * XDP_DROP when no reply can be built.
 *
 * TCP_ACK_TO_CLIENT: the same segment with ACK alone, which lets the
 * client close a connection whose server side is already gone.
 *
 * TCP_RST_TO_SERVER: a RST that goes on to the server instead
 * (XDP_PASS): addresses and ports as they are, the sequence number the
 * server expects (q->server_seq; exactly that one, so the server resets
 * at once: RFC 5961 3.2), no ACK. This closes the server's side of a
 * connection whose DNS query was answered in its place, which it would
 * otherwise hold until its idle timeout.
 */
__noinline int xdpb_tcp_reply(struct xdp_md *ctx, enum tcp_reply kind)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 new_len, pkt_len = end - data, ack, zero = 0;
	struct name_query *q;
	struct tcphdr *tcp;
	__s64 sum, tcp_sum;

	q = bpf_map_lookup_elem(&query_scratch, &zero);
	if (!ctx || !q || q->rst)
		return XDP_DROP;
	if (q->l3_off > 0x3f || q->l4_off > 0x7ff ||
	    q->l4_off != q->l3_off + (q->is_ipv6 ? sizeof(struct ipv6hdr)
						 : sizeof(struct iphdr)))
		return XDP_DROP;
	new_len = q->l4_off + sizeof(struct tcphdr);
	if (new_len > pkt_len)
		return XDP_DROP;
	if (new_len < pkt_len &&
	    bpf_xdp_adjust_tail(ctx, (int)new_len - (int)pkt_len) < 0)
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (kind != TCP_RST_TO_SERVER && eth_swap_macs(data, end) < 0)
		return XDP_DROP;

	tcp = data + bounded(q->l4_off, 0x7ff);
	if ((void *)(tcp + 1) > end)
		return XDP_DROP;
	if (kind == TCP_RST_TO_SERVER) {
		tcp->seq = bpf_htonl(q->server_seq);
		tcp->ack_seq = 0;
		((__u8 *)tcp)[13] = TCP_FLAGS_RST;
	} else {
		__be16 port = tcp->source;

		tcp->source = tcp->dest;
		tcp->dest = port;
		ack = q->seq + q->payload_len + (q->fin ? 1 : 0);
		tcp->seq = bpf_htonl(q->ack_seq);
		tcp->ack_seq = bpf_htonl(ack);
		((__u8 *)tcp)[13] = kind == TCP_ACK_TO_CLIENT
					    ? TCP_FLAGS_ACK
					    : TCP_FLAGS_RST_ACK;
	}
	/* data offset 5: no options */
	((__u8 *)tcp)[12] = 5 << 4;
	tcp->window = 0;
	tcp->check = 0;
	tcp->urg_ptr = 0;
	tcp_sum = bpf_csum_diff(NULL, 0, (__be32 *)tcp, sizeof(*tcp), 0);
	if (q->is_ipv6) {
		struct ipv6hdr *ip6 = data + bounded(q->l3_off, 0x3f);
		struct in6_addr addr;

		if ((void *)(ip6 + 1) > end)
			return XDP_DROP;
		if (kind != TCP_RST_TO_SERVER) {
			addr = ip6->saddr;
			ip6->saddr = ip6->daddr;
			ip6->daddr = addr;
		}
		ip6->payload_len = bpf_htons(sizeof(struct tcphdr));
		ip6->hop_limit = RESET_TTL;
		sum = pseudo6_sum(ip6, IPPROTO_TCP, sizeof(struct tcphdr),
				  tcp_sum);
	} else {
		struct iphdr *ip = data + bounded(q->l3_off, 0x3f);
		__be32 addr;

		if ((void *)(ip + 1) > end)
			return XDP_DROP;
		if (kind != TCP_RST_TO_SERVER) {
			addr = ip->saddr;
			ip->saddr = ip->daddr;
			ip->daddr = addr;
		}
		ip->tot_len = bpf_htons(sizeof(*ip) + sizeof(struct tcphdr));
		ip->frag_off = bpf_htons(0x4000); /* DF */
		ip->ttl = RESET_TTL;
		ip->check = 0;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)ip, sizeof(*ip), 0);
		if (sum < 0)
			return XDP_DROP;
		ip->check = csum_fold(sum);
		sum = pseudo4_sum(ip, IPPROTO_TCP, sizeof(struct tcphdr),
				  tcp_sum);
	}
	if (sum < 0)
		return XDP_DROP;
	tcp->check = csum_fold(sum);
	return kind == TCP_RST_TO_SERVER ? XDP_PASS : XDP_TX;
}

#endif /* XDPBLOCK_WEB_BPF_H */
