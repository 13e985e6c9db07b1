/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DNS queries: find the question of a query to port 53 (UDP, or TCP with
 * the query in the segment after its two-byte length), walk its name,
 * match every label-boundary suffix against the listed names, and build
 * NXDOMAIN / REFUSED replies in place.
 *
 * The first bytes of the DNS message are copied into a per-CPU scratch
 * buffer: the suffix walk (hashing, filter, table) runs in bpf_loop()
 * callbacks, which can index a map value with a masked offset but cannot
 * carry packet bounds across iterations; the name walk before it reads
 * the same copy.
 */
#ifndef XDPBLOCK_DNS_BPF_H
#define XDPBLOCK_DNS_BPF_H

#include <linux/tcp.h>
#include <linux/udp.h>

#include "maps.bpf.h"
#include "parsing.bpf.h"
#include "name_table.bpf.h"
#include "reply.bpf.h"

#define DNS_QR 0x80 /* in the first flags byte */
#define DNS_OPCODE_MASK 0x78
#define DNS_RD 0x01
#define DNS_RA 0x80 /* in the second flags byte */
#define DNS_CD 0x10
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_REFUSED 5
#define DNS_TYPE_OPT 41
#define DNS_OPT_LEN 11 /* root name, type, class, TTL, RDLENGTH */
#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1
#define DNS_RR_FIXED 12 /* name pointer, type, class, TTL, RDLENGTH */

/*
 * @v & @mask, done in the program as written: clang drops a C mask it
 * can prove redundant, and the verifier then sees an unbounded offset.
 */
#define bounded(v, mask)                       \
	({                                     \
		__u64 __v = (v);               \
		asm volatile("%[val] &= %[m]"  \
			     : [val] "+r"(__v) \
			     : [m] "i"(mask)); \
		__v;                           \
	})

/*
 * @len, which the caller checked to be from 1 to @max (a power of two),
 * as a helper's size argument. Linux 6.1's verifier forgets what a
 * comparison taught it about a value the compiler had spilled to the
 * stack before it; bounds that come from arithmetic stay with the value.
 */
#define size_in_1_to(len, max) (bounded((len)-1, (max)-1) + 1)

enum dns_status {
	DNS_NONE, /* not a DNS query we match */
	DNS_QUERY, /* a well-formed query */
	DNS_MALFORMED,
	DNS_MATCH, /* a well-formed query whose name a rule decides */
	/*
	 * A later segment of a TCP connection whose query was answered in
	 * the server's place: the rule in the match, q->server_seq set
	 */
	DNS_FLOW,
};

/*
 * The sequence space of TCP segment @tcp at q->l4_off: what a reply to
 * it (a reset, a DNS answer) acknowledges and starts from; and its flow,
 * the key of the flow cache. -1 if the IP header cannot be read.
 */
static __always_inline int tcp_segment_note(struct name_query *q,
					    const struct tcphdr *tcp,
					    void *data, void *end)
{
	__u64 pkt_len = end - data;

	q->seq = bpf_ntohl(tcp->seq);
	q->ack_seq = bpf_ntohl(tcp->ack_seq);
	q->fin = tcp->fin;
	q->rst = tcp->rst;
	q->syn = tcp->syn;
	q->payload_off = q->l4_off + tcp->doff * 4;
	if (q->l3_end > pkt_len)
		q->l3_end = pkt_len;
	q->payload_len = q->payload_off < q->l3_end ? q->l3_end - q->payload_off
						    : 0;
	q->flow.client_port = tcp->source;
	q->flow.server_port = tcp->dest;
	q->flow.is_ipv6 = q->is_ipv6;
	if (q->l3_off > 0x3f)
		return -1;
	if (q->is_ipv6) {
		struct ipv6hdr *ip6 = data + bounded(q->l3_off, 0x3f);

		if ((void *)(ip6 + 1) > end)
			return -1;
		__builtin_memcpy(q->flow.client, &ip6->saddr, 16);
		__builtin_memcpy(q->flow.server, &ip6->daddr, 16);
	} else {
		struct iphdr *ip = data + bounded(q->l3_off, 0x3f);

		if ((void *)(ip + 1) > end)
			return -1;
		__builtin_memcpy(q->flow.client, &ip->saddr, 4);
		__builtin_memcpy(q->flow.server, &ip->daddr, 4);
	}
	return 0;
}

/*
 * The suffix walk's context: the maps it reads, and its state in the
 * scratch (s->match), where the verifier knows nothing of the values. On
 * the stack, each field that is a constant before the first suffix and
 * unknown after it doubled the states the callback was checked in.
 */
struct name_match {
	struct dns_scratch *s;
	void *names;
	void *filter;
};

/*
 * The i-th label from the right: extend the hash state by it, which gives
 * the key of the suffix starting at it; test its "listed" filter bits and
 * only then look it up. The longest listed suffix decides, as its leaf
 * already combines the rules of the shorter ones; a suffix whose "above"
 * bits are not all set has no listed name below it, so the walk ends
 * there: an unlisted name stops at its first unlisted suffix that no
 * listed name shares, most often its last two labels.
 */
static long name_match_step(__u32 i, struct name_match *ctx)
{
	struct name_match_state *m = &ctx->s->match;
	__u32 label = m->nr_labels - 1 - i, off, chunk_index;
	struct xdpb_filter_chunk *chunk;
	const struct xdpb_name_leaf *leaf;
	struct xdpb_name_key key;

	off = ctx->s->label_off[label & XDPB_NAME_MAX_LABELS];
	xdpb_name_mix_label(&m->st, ctx->s->msg + XDPB_DNS_HLEN, off);
	xdpb_name_key_of(&m->st, &key);
	if (i <= 1)
		m->anchor = key;
	chunk_index = xdpb_name_filter_chunk(&m->anchor, m->chunk_mask);
	chunk = bpf_map_lookup_elem(ctx->filter, &chunk_index);
	/* no line (it cannot be): as if every bit were set */
	if (!chunk ||
	    xdpb_filter_chunk_has(chunk, xdpb_name_listed_bits(&key))) {
		leaf = name_table_find(ctx->names, &ctx->s->probe, m->seed,
				       &key);
		if (leaf) {
			m->full = m->web ? leaf->web_full : leaf->full;
			m->below = m->web ? leaf->web_below : leaf->below;
			m->found_labels = i + 1;
		}
	}
	return chunk &&
	       !xdpb_filter_chunk_has(chunk, xdpb_name_above_bits(&key));
}

/*
 * Is this a DNS query we match? @proto and @l4_off: the transport header
 * after IPv4 (not a fragment) or the IPv6 extension chain. Fills @q and
 * copies the message's start into the scratch.
 */
static __always_inline int
dns_find_query(struct xdp_md *ctx, struct name_query *q, struct dns_scratch *s)
{
	void *data = (void *)(long)ctx->data;
	__u64 pkt_len = (void *)(long)ctx->data_end - data, len, udp_len = 0;
	struct cursor cur = {
		.pos = data + bounded(q->l4_off, 0x7ff),
		.end = (void *)(long)ctx->data_end,
	};
	struct cursor *c = &cur;
	__u8 proto = q->proto;
	__u8 *hdr;

	if (q->l4_off > 0x7ff)
		return DNS_NONE; /* past any header chain we walk */
	if (proto == IPPROTO_UDP) {
		struct udphdr *udp = cursor_pull(c, sizeof(*udp));

		if (!udp || udp->dest != bpf_htons(XDPB_DNS_PORT))
			return DNS_NONE;
		udp_len = bpf_ntohs(udp->len);
	} else if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = cursor_pull(c, sizeof(*tcp));

		if (!tcp || tcp->dest != bpf_htons(XDPB_DNS_PORT) ||
		    tcp->doff < 5 ||
		    tcp_segment_note(q, tcp, data, cur.end) < 0)
			return DNS_NONE;
		/* a segment to port 53, query or not (see xdpb_dns_name()) */
		q->is_tcp = 1;
		/* options, then the query's two-byte length (RFC 1035 4.2.2) */
		if (!cursor_pull(c, ((tcp->doff - 5) * 4 + 2) & 0x3f))
			return DNS_NONE;
	} else {
		return DNS_NONE;
	}
	q->dns_off = c->pos - data;
	if (pkt_len < q->dns_off + XDPB_DNS_HLEN)
		return DNS_NONE; /* no DNS header: a SYN, an ACK, not DNS */
	len = pkt_len - q->dns_off;
	/*
	 * Not past the UDP payload: Ethernet padding after a short query
	 * must not complete a name that runs past the datagram.
	 */
	if (udp_len >= sizeof(struct udphdr) &&
	    udp_len - sizeof(struct udphdr) < len)
		len = udp_len - sizeof(struct udphdr);
	if (len > XDPB_DNS_SCRATCH)
		len = XDPB_DNS_SCRATCH;
	/* keep clang from passing a copy of len taken before the checks */
	asm volatile("" : "+r"(len));
	if (len < XDPB_DNS_HLEN || len > XDPB_DNS_SCRATCH ||
	    bpf_xdp_load_bytes(ctx, q->dns_off, s->msg,
			       size_in_1_to(len, XDPB_DNS_SCRATCH)) < 0)
		return DNS_NONE;
	q->copied = len;
	hdr = s->msg;
	/* a standard query (QR 0, opcode 0) with exactly one question */
	if ((hdr[2] & (DNS_QR | DNS_OPCODE_MASK)) || hdr[4] != 0 || hdr[5] != 1)
		return DNS_NONE;
	return DNS_QUERY;
}

/*
 * Walk the question's name, recording where each label starts; DNS_QUERY
 * with q->name_len and q->nr_labels set, or malformed. A length byte of
 * 64 or more is a compression pointer (0xc0) or an extended label type:
 * in the question of a query both are malformed.
 *
 * An open-coded loop in this global function, checked once: as a
 * bpf_loop() callback, each label cost a call (about 3 ns a label, a
 * sixth of an unlisted query's DNS work), and the verifier walks the
 * 128 iterations here in about 4,000 instructions.
 */
static __always_inline int dns_walk_name(struct name_query *q,
					 struct dns_scratch *s)
{
	__u32 avail = q->copied - XDPB_DNS_HLEN, pos = 0, len, i;

	/* 128 steps: 127 one-byte labels fill 254 bytes, the root the 255th */
	for (i = 0; i <= XDPB_NAME_MAX_LABELS; i++) {
		/* past the packet, or longer than 255 bytes */
		if (pos >= avail || pos >= XDPB_NAME_MAX)
			return DNS_MALFORMED;
		len = s->msg[bounded(XDPB_DNS_HLEN + pos, 0x1ff)];
		if (len == 0)
			break;
		if (len > XDPB_LABEL_MAX)
			return DNS_MALFORMED;
		s->label_off[bounded(i, XDPB_NAME_MAX_LABELS)] = pos;
		pos += 1 + len;
	}
	/* the name, then QTYPE and QCLASS, must be in the packet */
	if (i > XDPB_NAME_MAX_LABELS || pos + 1 + 4 > avail)
		return DNS_MALFORMED;
	q->name_len = pos + 1;
	q->nr_labels = i;
	return DNS_QUERY;
}

/*
 * The name rule deciding the wire name in the scratch (label offsets
 * recorded, @nr_labels of them), in the DNS view (@web 0) or the TLS SNI /
 * HTTP Host view (@web 1), of generation @gen, copied into @out; 0 if
 * none. A name with no labels (the root) matches nothing. Shared by the
 * DNS and the web stages, and a global function: the verifier checks it
 * once, on its own, not once per path of its callers.
 */
__noinline int xdpb_match_wire_name(__u32 gen, __u32 nr_labels, __u32 web,
				    struct xdpb_match *out)
{
	const struct xdpb_gen_info *info;
	struct name_match_state *m;
	struct name_match ctx;
	const struct xdpb_match *found;
	__u32 zero = 0;

	ctx.s = bpf_map_lookup_elem(&dns_scratch, &zero);
	info = bpf_map_lookup_elem(&gen_info, &gen);
	ctx.names = bpf_map_lookup_elem(&name_gens, &gen);
	ctx.filter = bpf_map_lookup_elem(&name_filter_gens, &gen);
	if (!out || !ctx.s || !info || !ctx.names || !ctx.filter || !nr_labels)
		return 0;
	m = &ctx.s->match;
	m->nr_labels = nr_labels;
	m->web = web;
	/* 2^log2 bits in 512-bit chunks; log2 >= 16 */
	m->chunk_mask = (1u << ((info->name_filter_log2 - 9) & 31)) - 1;
	ctx.s->probe.nr_slots = info->nr_name_slots;
	m->seed = info->name_slot_seed;
	m->found_labels = 0;
	xdpb_name_state_init(&m->st);
	bpf_loop(nr_labels, name_match_step, &ctx, 0);
	if (!m->found_labels)
		return 0;
	found = m->found_labels == nr_labels ? &m->full : &m->below;
	if (found->action == XDPB_ACT_NONE)
		return 0;
	*out = *found;
	return 1;
}

#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_TS 8
#define TCP_OPT_TS_LEN 10
#define TCP_FLAGS_FIN_PSH_ACK 0x19
/* the window our answer advertises; the connection is closing anyway */
#define DNS_TCP_WINDOW 65535

/* Where a scan of a TCP segment's options stands (a bpf_loop() context). */
struct tcp_opt_scan {
	const __u8 *opt; /* the options, copied (XDPB_TCP_OPT_ROOM bytes) */
	__u32 len; /* their length */
	__u32 pos;
	__u32 ts; /* offset of the timestamp option, if found */
	int found;
};

/* One option: step over it, or stop at the end or at a timestamp. */
static long tcp_opt_step(__u32 i __attribute__((unused)),
			 struct tcp_opt_scan *sc)
{
	__u32 pos = sc->pos;
	__u8 kind, len;

	if (pos >= sc->len || pos >= XDPB_TCP_OPT_ROOM - 1)
		return 1;
	kind = sc->opt[pos & (XDPB_TCP_OPT_ROOM - 1)];
	if (kind == TCP_OPT_EOL)
		return 1;
	if (kind == TCP_OPT_NOP) {
		sc->pos = pos + 1;
		return 0;
	}
	len = sc->opt[(pos + 1) & (XDPB_TCP_OPT_ROOM - 1)];
	if (kind == TCP_OPT_TS && len == TCP_OPT_TS_LEN &&
	    pos + TCP_OPT_TS_LEN <= sc->len) {
		sc->ts = pos;
		sc->found = 1;
		return 1;
	}
	if (len < 2)
		return 1; /* malformed: no timestamp taken from it */
	sc->pos = pos + len;
	return 0;
}

/*
 * The options of our answer over TCP, into s->tcp_tail, followed by the
 * message's two-byte length: a timestamp option if the client's segment
 * had one (TSval: the client's TSecr, the server's clock as last seen;
 * TSecr: the client's TSval), as a peer that negotiated timestamps
 * expects on every segment (RFC 7323 3.2); no other option. Returns the
 * options' length (0 or 12), or -1 if the client's cannot be read.
 */
static __always_inline int
dns_tcp_options(struct xdp_md *ctx, struct name_query *q, struct dns_scratch *s)
{
	__u64 opt_len = q->payload_off - q->l4_off - sizeof(struct tcphdr);
	struct tcp_opt_scan sc = {.opt = s->tcp_opt};
	__u8 *t = s->tcp_tail;

	/* keep clang from passing a copy taken before the check */
	asm volatile("" : "+r"(opt_len));
	if (opt_len > 40)
		return -1;
	if (!opt_len)
		return 0;
	if (bpf_xdp_load_bytes(ctx, q->l4_off + sizeof(struct tcphdr),
			       s->tcp_opt,
			       size_in_1_to(opt_len, XDPB_TCP_OPT_ROOM)) < 0)
		return -1;
	sc.len = opt_len;
	/* NOPs are one byte: at most 40 steps */
	bpf_loop(40, tcp_opt_step, &sc, 0);
	if (!sc.found)
		return 0;
	t[0] = TCP_OPT_NOP;
	t[1] = TCP_OPT_NOP;
	t[2] = TCP_OPT_TS;
	t[3] = TCP_OPT_TS_LEN;
	for (int i = 0; i < 4; i++) {
		/* TSval = their TSecr, TSecr = their TSval */
		t[4 + i] =
			s->tcp_opt[(sc.ts + 6 + i) & (XDPB_TCP_OPT_ROOM - 1)];
		t[8 + i] =
			s->tcp_opt[(sc.ts + 2 + i) & (XDPB_TCP_OPT_ROOM - 1)];
	}
	return 12;
}

/*
 * Turn the query @q into a reply with @rcode, in place: the question
 * is kept, everything after it dropped, except that an EDNS OPT record
 * right after the question (the usual place in a query) is answered with
 * an OPT of our own (payload size XDPB_DNS_EDNS_UDP_SIZE, DO echoed, no
 * options). MACs, addresses and ports are swapped; lengths and the IPv4
 * header and UDP or TCP checksums are set.
 *
 * Over TCP the answer is the server's next segment: it starts at the
 * query's acknowledgement number, acknowledges the query's bytes, and
 * carries FIN, since the server never saw the query and the stream to it
 * cannot go on (the client opens a new connection for its next query).
 * Returns XDP_TX, or XDP_DROP if the packet cannot be rewritten (and a
 * segment with SYN or RST, which no data segment can answer, and an IPv6
 * packet with extension headers).
 */
static __always_inline int dns_reply(struct xdp_md *ctx, struct name_query *q,
				     struct dns_scratch *s, __u8 rcode,
				     const struct xdpb_sinkhole *sink)
{
	__u32 qd_end = (XDPB_DNS_HLEN + q->name_len + 4) & 0x1ff;
	__u32 msg_len, new_len, csum_len, l4_len, dns_off;
	__u8 *msg = s->msg, do_bit = 0;
	struct udphdr *udp;
	struct tcphdr *tcp;
	__u8 *l4;
	void *data, *end;
	int opt = 0, tcp_opt = 0;
	__be16 port;
	__s64 sum;

	if (qd_end > XDPB_DNS_HLEN + XDPB_NAME_MAX + 4)
		return XDP_DROP;
	/*
	 * IPv6 extension headers would go back as they came: a Fragment
	 * header (the client would wait for fragments that never come), a
	 * routing header, AH. Such a query is dropped, not answered.
	 */
	if (q->is_ipv6 && q->l4_off != q->l3_off + sizeof(struct ipv6hdr))
		return XDP_DROP;
	/* an OPT record: root name, TYPE 41, as the only additional record */
	if (msg[6] == 0 && msg[7] == 0 && msg[8] == 0 && msg[9] == 0 &&
	    msg[10] == 0 && msg[11] == 1 && qd_end + DNS_OPT_LEN <= q->copied &&
	    msg[qd_end] == 0 && msg[(qd_end + 1) & 0x1ff] == 0 &&
	    msg[(qd_end + 2) & 0x1ff] == DNS_TYPE_OPT) {
		opt = 1;
		do_bit = msg[(qd_end + 7) & 0x1ff] & 0x80;
	}
	msg[2] = DNS_QR | (msg[2] & (DNS_OPCODE_MASK | DNS_RD));
	msg[3] = DNS_RA | (msg[3] & DNS_CD) | rcode;
	msg[4] = 0;
	msg[5] = 1; /* the question */
	msg[6] = msg[7] = msg[8] = msg[9] = msg[10] = 0;
	msg[11] = opt;
	msg_len = qd_end;
	if (sink) {
		/* the question's QTYPE and QCLASS end it */
		__u32 qtype = msg[(qd_end - 4) & 0x1ff] << 8 |
			      msg[(qd_end - 3) & 0x1ff];
		__u32 in = msg[(qd_end - 2) & 0x1ff] == 0 &&
			   msg[(qd_end - 1) & 0x1ff] == DNS_CLASS_IN;
		__u8 *a = msg + qd_end;

		/* an A or AAAA the list has an address for; else NODATA */
		if (in && ((qtype == DNS_TYPE_A && sink->has_v4) ||
			   (qtype == DNS_TYPE_AAAA && sink->has_v6))) {
			__u32 rdlen = qtype == DNS_TYPE_A ? 4 : 16;

			a[0] = 0xc0; /* the name: a pointer to the question's */
			a[1] = XDPB_DNS_HLEN;
			a[2] = 0;
			a[3] = qtype;
			a[4] = 0;
			a[5] = DNS_CLASS_IN;
			a[6] = XDPB_SINKHOLE_TTL >> 24;
			a[7] = (XDPB_SINKHOLE_TTL >> 16) & 0xff;
			a[8] = (XDPB_SINKHOLE_TTL >> 8) & 0xff;
			a[9] = XDPB_SINKHOLE_TTL & 0xff;
			a[10] = 0;
			a[11] = rdlen;
			if (rdlen == 4)
				__builtin_memcpy(a + 12, &sink->v4, 4);
			else
				__builtin_memcpy(a + 12, sink->v6, 16);
			msg[7] = 1; /* ANCOUNT */
			msg_len += DNS_RR_FIXED + rdlen;
		}
	}
	if (opt) {
		__u8 *o = msg + bounded(msg_len, 0x1ff);

		if (msg_len >
		    XDPB_DNS_HLEN + XDPB_NAME_MAX + 4 + DNS_RR_FIXED + 16)
			return XDP_DROP;

		o[0] = 0; /* root */
		o[1] = 0;
		o[2] = DNS_TYPE_OPT;
		o[3] = XDPB_DNS_EDNS_UDP_SIZE >> 8;
		o[4] = XDPB_DNS_EDNS_UDP_SIZE & 0xff;
		o[5] = 0; /* extended RCODE */
		o[6] = 0; /* version */
		o[7] = do_bit;
		o[8] = 0;
		o[9] = 0; /* no options */
		o[10] = 0;
		msg_len += DNS_OPT_LEN;
	}
	/* zero padding up to 4 bytes, for the checksum over whole words */
	msg[msg_len & 0x1ff] = 0;
	msg[(msg_len + 1) & 0x1ff] = 0;
	msg[(msg_len + 2) & 0x1ff] = 0;
	csum_len = (msg_len + 3) & ~3u;
	if (msg_len > XDPB_DNS_SCRATCH - 4 || csum_len > XDPB_DNS_SCRATCH)
		return XDP_DROP;

	/*
	 * The transport header the reply has: UDP's, or TCP's without the
	 * query's options but a timestamp, then the message's length.
	 */
	if (q->is_tcp) {
		if (q->syn || q->rst)
			return XDP_DROP;
		tcp_opt = dns_tcp_options(ctx, q, s);
		if (tcp_opt < 0)
			return XDP_DROP;
		s->tcp_tail[tcp_opt & 15] = msg_len >> 8;
		s->tcp_tail[(tcp_opt + 1) & 15] = msg_len & 0xff;
		s->tcp_tail[(tcp_opt + 2) & 15] = 0;
		s->tcp_tail[(tcp_opt + 3) & 15] = 0;
		dns_off = q->l4_off + sizeof(struct tcphdr) + tcp_opt + 2;
	} else {
		dns_off = q->l4_off + sizeof(struct udphdr);
	}
	/* never past the query's: the headers before dns_off are its own */
	if (dns_off > q->dns_off)
		return XDP_DROP;
	new_len = dns_off + msg_len;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	/* shorter than the query, or (a sinkhole answer) longer */
	if (new_len != (__u32)(end - data) &&
	    bpf_xdp_adjust_tail(ctx, (int)new_len - (int)(end - data)) < 0) {
		__u32 grow = new_len - (__u32)(end - data);
		__u64 hdr_len = dns_off;

		asm volatile("" : "+r"(hdr_len)); /* as opt_len above */

		/*
		 * Not enough room after the frame (a veth frame from an skb
		 * has only the tailroom its allocation left): grow at the
		 * front, where XDP always has 256 bytes, and move the
		 * headers there. The message is written whole below.
		 */
		if (new_len < (__u32)(end - data) || grow > 64 ||
		    hdr_len > XDPB_DNS_HDR_MOVE || hdr_len < 1 ||
		    bpf_xdp_load_bytes(ctx, 0, s->hdr,
				       size_in_1_to(hdr_len,
						    XDPB_DNS_HDR_MOVE)) < 0 ||
		    bpf_xdp_adjust_head(ctx, -(int)grow) < 0 ||
		    bpf_xdp_store_bytes(ctx, 0, s->hdr,
					size_in_1_to(hdr_len,
						     XDPB_DNS_HDR_MOVE)) < 0)
			return XDP_DROP;
	}
	if (msg_len == 0 ||
	    bpf_xdp_store_bytes(ctx, dns_off, msg,
				size_in_1_to(msg_len, XDPB_DNS_SCRATCH)) < 0)
		return XDP_DROP;
	if (q->is_tcp &&
	    bpf_xdp_store_bytes(ctx, q->l4_off + sizeof(struct tcphdr),
				s->tcp_tail, (tcp_opt + 2) & 15) < 0)
		return XDP_DROP;

	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (eth_swap_macs(data, end) < 0)
		return XDP_DROP;

	if (q->l4_off > 0x7ff || q->l3_off > 0x3f)
		return XDP_DROP;
	l4_len = new_len - q->l4_off;
	sum = bpf_csum_diff(NULL, 0, (__be32 *)msg, csum_len, 0);
	/*
	 * One pointer for both transports, checked once (the reply is longer
	 * than a TCP header either way), and q->is_tcp to tell them apart:
	 * Linux 6.1 lost track of which of two pointers was set when a later
	 * branch tested the pointer instead of the flag.
	 */
	l4 = data + bounded(q->l4_off, 0x7ff);
	if ((void *)(l4 + sizeof(*tcp)) > end)
		return XDP_DROP;
	tcp = (struct tcphdr *)l4;
	udp = (struct udphdr *)l4;
	port = tcp->source; /* the ports lead both headers */
	tcp->source = tcp->dest;
	tcp->dest = port;
	if (q->is_tcp) {
		/* the options and the length, zero-padded to whole words */
		sum = bpf_csum_diff(NULL, 0, (__be32 *)s->tcp_tail,
				    tcp_opt ? 16 : 4, sum);
		tcp->seq = bpf_htonl(q->ack_seq);
		tcp->ack_seq = bpf_htonl(q->seq + q->payload_len + q->fin);
		l4[12] = ((sizeof(*tcp) + tcp_opt) / 4) << 4;
		l4[13] = TCP_FLAGS_FIN_PSH_ACK;
		tcp->window = bpf_htons(DNS_TCP_WINDOW);
		tcp->check = 0;
		tcp->urg_ptr = 0;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)tcp, sizeof(*tcp), sum);
	} else {
		udp->len = bpf_htons(l4_len);
		udp->check = 0;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)udp, sizeof(*udp), sum);
	}
	if (q->is_ipv6) {
		struct ipv6hdr *ip6 = data + bounded(q->l3_off, 0x3f);
		struct in6_addr addr;

		if ((void *)(ip6 + 1) > end)
			return XDP_DROP;
		addr = ip6->saddr;
		ip6->saddr = ip6->daddr;
		ip6->daddr = addr;
		ip6->payload_len =
			bpf_htons(new_len - q->l3_off - sizeof(*ip6));
		sum = pseudo6_sum(ip6, q->is_tcp ? IPPROTO_TCP : IPPROTO_UDP,
				  l4_len, sum);
	} else {
		struct iphdr *ip = data + bounded(q->l3_off, 0x3f);
		__be16 old_len;
		__be32 addr;

		if ((void *)(ip + 1) > end)
			return XDP_DROP;
		addr = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = addr;
		old_len = ip->tot_len;
		ip->tot_len = bpf_htons(new_len - q->l3_off);
		/* swapping the addresses leaves the header's sum as it was */
		ip->check = csum_replace16(ip->check, old_len, ip->tot_len);
		sum = pseudo4_sum(ip, q->is_tcp ? IPPROTO_TCP : IPPROTO_UDP,
				  l4_len, sum);
	}
	if (sum < 0)
		return XDP_DROP;
	if (q->is_tcp) {
		tcp->check = csum_fold(sum);
	} else {
		udp->check = csum_fold(sum);
		if (!udp->check)
			udp->check = 0xffff; /* 0 means "no checksum" in UDP */
	}
	return XDP_TX;
}

/*
 * The DNS work is in global functions: the verifier checks each once, on
 * its own, instead of once per path of the stage that calls it. They take
 * the packet's name_query from query_scratch, not as an argument: Linux 6.1
 * takes a map key only from the stack, the packet or a map value, not
 * from memory behind a global function's pointer argument.
 */

/*
 * Find the name of the DNS query described by query_scratch (the entry
 * program's fields set): DNS_QUERY with its labels walked in the scratch
 * (q->nr_labels) for xdpb_match_wire_name(), DNS_FLOW with the rule of an
 * answered TCP connection in @out, DNS_MALFORMED or DNS_NONE. The match
 * is the stage's own call, not this function's: nested, the two frames
 * and the match's callbacks were more stack than Linux 6.1 allows a call
 * chain (512 bytes).
 */
__noinline int xdpb_dns_name(struct xdp_md *ctx, struct xdpb_match *out)
{
	struct xdpb_gen_info *info;
	struct dns_scratch *s;
	struct name_query *q;
	__u32 zero = 0, gen;
	int ret;

	q = bpf_map_lookup_elem(&query_scratch, &zero);
	if (!ctx || !q || !out)
		return DNS_NONE;
	gen = q->gen;
	info = bpf_map_lookup_elem(&gen_info, &gen);
	s = bpf_map_lookup_elem(&dns_scratch, &zero);
	if (!info || !s)
		return DNS_NONE;
	ret = dns_find_query(ctx, q, s);
	/*
	 * A segment to port 53 without a query (the client's ACK or FIN
	 * after an answer) on a connection whose query was answered in the
	 * server's place. A segment with a query is matched as any other:
	 * a retransmitted query gets the answer again.
	 */
	if (q->is_tcp && ret == DNS_NONE) {
		struct xdpb_flow_verdict *flow;

		/* a new connection: nothing remembered of an earlier one */
		if (q->syn) {
			bpf_map_delete_elem(&flow_verdict, &q->flow);
		} else {
			flow = bpf_map_lookup_elem(&flow_verdict, &q->flow);
			/* remembered only for an answer (refused..sinkhole) */
			if (flow && flow->gen_serial == info->serial &&
			    flow->match.action >= XDPB_ACT_REFUSED &&
			    flow->match.action <= XDPB_ACT_SINKHOLE) {
				*out = flow->match;
				q->server_seq = flow->server_seq;
				q->server_reset = flow->server_reset;
				flow->server_reset = 1; /* by this segment */
				return DNS_FLOW;
			}
		}
	}
	if (ret != DNS_QUERY)
		return ret;
	ret = dns_walk_name(q, s);
	if (ret != DNS_QUERY)
		return ret;
	return DNS_QUERY;
}

/*
 * Answer the query in query_scratch (UDP or TCP), matched just before, with @rcode, and with
 * the notice address of list @sinkhole_list when that is not 0: XDP_TX or
 * XDP_DROP.
 */
__noinline int xdpb_dns_reply(struct xdp_md *ctx, __u32 rcode,
			      __u32 sinkhole_list)
{
	const struct xdpb_sinkhole *sink = NULL;
	struct dns_scratch *s;
	struct name_query *q;
	__u32 zero = 0;

	q = bpf_map_lookup_elem(&query_scratch, &zero);
	if (!ctx || !q)
		return XDP_DROP;
	s = bpf_map_lookup_elem(&dns_scratch, &zero);
	if (!s)
		return XDP_DROP;
	if (sinkhole_list) {
		sink = bpf_map_lookup_elem(&sinkhole_addrs, &sinkhole_list);
		if (!sink)
			return XDP_DROP;
	}
	return dns_reply(ctx, q, s, rcode & 0xf, sink);
}

#endif /* XDPBLOCK_DNS_BPF_H */
