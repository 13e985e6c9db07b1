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

#define WEB_WIN_MASK (XDPB_WEB_WIN - 1)

enum web_status {
	WEB_NONE, /* not a request on a web port, or nothing to match */
	WEB_REQUEST, /* a request with a name (no rule decides it, once matched) */
	WEB_MALFORMED_HTTP,
	WEB_MALFORMED_TLS,
	WEB_MATCH, /* a request whose name a rule decides */
	WEB_FLOW, /* a segment of a flow a name rule blocked before */
	WEB_TLS_OUT_OF_ORDER, /* a ClientHello's segments overtook each other */
	WEB_TLS_INCOMPLETE, /* a ClientHello's SNI not within the bounds */
};

enum web_kind {
	WEB_HTTP = 1,
	WEB_TLS = 2,
};

/* ---- names ---------------------------------------------------------- */

/*
 * Text name to wire name: the name's text at win[off], at most @len
 * bytes (TLS: exactly @len) becomes length-prefixed labels in the DNS
 * scratch at XDPB_DNS_HLEN, where the DNS path keeps its question name.
 * A label's length byte takes the place of the dot before it, so the
 * text's byte i is wire byte i + 1 and a label starting at text byte t
 * has its length byte at wire byte t.
 */
struct name_conv {
	struct web_scratch *w;
	struct dns_scratch *s;
	__u32 off, len;
	__u32 label_start; /* text index of the current label */
	__u32 nr_labels;
	int http; /* ends at CR, LF, SP, HTAB or ':' (a port) */
	int state; /* 0 going, 1 done, -1 not a name */
};

static __always_inline int conv_label_end(struct name_conv *c, __u32 i)
{
	__u32 len = i - c->label_start;

	if (len == 0 || len > XDPB_LABEL_MAX)
		return -1;
	c->s->msg[bounded(XDPB_DNS_HLEN + c->label_start, 0x1ff)] = len;
	c->s->label_off[bounded(c->nr_labels, XDPB_NAME_MAX_LABELS)] =
		c->label_start;
	c->nr_labels++;
	c->label_start = i + 1;
	return 0;
}

static long name_conv_step(__u32 i, struct name_conv *c)
{
	int end = i >= c->len;
	__u8 ch = 0;

	if (!end) {
		ch = c->w->win[bounded(c->off + i, WEB_WIN_MASK)];
		if (c->http && (ch == '\r' || ch == '\n' || ch == ' ' ||
				ch == '\t' || ch == ':'))
			end = 1;
	}
	if (end) {
		__u32 root = i + 1;

		/* HTTP: the window ended inside the name */
		if (c->http && i >= c->len)
			goto bad;
		/* one trailing dot ("example.com."): the root is in its place */
		if (i == c->label_start && c->nr_labels)
			root = i;
		else if (conv_label_end(c, i) < 0)
			goto bad;
		c->s->msg[bounded(XDPB_DNS_HLEN + root, 0x1ff)] = 0;
		c->state = 1;
		return 1;
	}
	/* 253 characters, and a trailing dot after them */
	if (i > XDPB_NAME_TEXT_MAX || (i == XDPB_NAME_TEXT_MAX && ch != '.') ||
	    ch <= ' ' || ch == 0x7f)
		goto bad;
	if (ch == '.') {
		if (conv_label_end(c, i) < 0)
			goto bad;
		return 0;
	}
	c->s->msg[bounded(XDPB_DNS_HLEN + 1 + i, 0x1ff)] = ch;
	return 0;
bad:
	c->state = -1;
	return 1;
}

/* The labels of the converted name, or -1 if it is not a name. */
static __always_inline int web_name_to_wire(struct web_scratch *w,
					    struct dns_scratch *s, __u32 off,
					    __u32 len, int http)
{
	struct name_conv c = {
		.w = w,
		.s = s,
		.off = off,
		.len = len,
		.http = http,
	};

	/* 253 characters, a trailing dot and the end: 255 steps */
	bpf_loop(XDPB_NAME_TEXT_MAX + 2, name_conv_step, &c, 0);
	if (c.state != 1 || !c.nr_labels)
		return -1;
	return c.nr_labels;
}

/* ---- HTTP ----------------------------------------------------------- */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define STR4(a, b, c, d) \
	((__u64)(a) | (__u64)(b) << 8 | (__u64)(c) << 16 | (__u64)(d) << 24)
#else
#error "the word constants below assume a little-endian BPF target"
#endif
#define STR5(a, b, c, d, e) (STR4(a, b, c, d) | (__u64)(e) << 32)
#define STR6(a, b, c, d, e, f) (STR5(a, b, c, d, e) | (__u64)(f) << 40)
#define STR7(a, b, c, d, e, f, g) (STR6(a, b, c, d, e, f) | (__u64)(g) << 48)
#define STR8(a, b, c, d, e, f, g, h) \
	(STR7(a, b, c, d, e, f, g) | (__u64)(h) << 56)

/* Does the payload start with a request method and a space? */
static __always_inline int http_is_request(__u64 w, __u32 len)
{
	__u64 w4 = w & 0xffffffffULL, w5 = w & 0xffffffffffULL;
	__u64 w6 = w & 0xffffffffffffULL, w7 = w & 0xffffffffffffffULL;

	if (len < 8)
		return 0;
	return w4 == STR4('G', 'E', 'T', ' ') ||
	       w4 == STR4('P', 'U', 'T', ' ') ||
	       w5 == STR5('P', 'O', 'S', 'T', ' ') ||
	       w5 == STR5('H', 'E', 'A', 'D', ' ') ||
	       w6 == STR6('P', 'A', 'T', 'C', 'H', ' ') ||
	       w6 == STR6('T', 'R', 'A', 'C', 'E', ' ') ||
	       w7 == STR7('D', 'E', 'L', 'E', 'T', 'E', ' ') ||
	       w == STR8('O', 'P', 'T', 'I', 'O', 'N', 'S', ' ') ||
	       w == STR8('C', 'O', 'N', 'N', 'E', 'C', 'T', ' ');
}

/* State of the header scan, shared with its bpf_loop() callback. */
struct http_scan {
	struct web_scratch *w;
	__u32 len; /* bytes in the window */
	__u32 value_off; /* after "Host:" */
	int state; /* 0 scanning, 1 found, 2 not in this segment */
};

/*
 * Eight bytes: a line starts after each LF among them. Words without an
 * LF (most of them) cost one test. A line "Host:" (any case) is the one;
 * an empty line ends the headers.
 */
static long http_scan_step(__u32 i, struct http_scan *h)
{
	const __u64 ones = 0x0101010101010101ULL;
	__u32 off = i * 8;
	__u64 w, x;

	if (off >= h->len) {
		h->state = 2;
		return 1;
	}
	w = xdpb_load64(h->w->win + bounded(off, WEB_WIN_MASK));
	x = w ^ (ones * '\n');
	if (!((x - ones) & ~x & (ones * 0x80)))
		return 0;
#pragma unroll
	for (__u32 b = 0; b < 8; b++) {
		__u32 pos = off + b + 1;
		__u64 line;

		if (((w >> (b * 8)) & 0xff) != '\n')
			continue;
		if (pos + 5 > h->len) {
			h->state = 2;
			return 1;
		}
		line = xdpb_load64(h->w->win + bounded(pos, WEB_WIN_MASK));
		if ((xdpb_lower8(line) & 0xffffffffffULL) ==
		    STR5('h', 'o', 's', 't', ':')) {
			h->value_off = pos + 5;
			h->state = 1;
			return 1;
		}
		if ((line & 0xff) == '\r' || (line & 0xff) == '\n') {
			h->state = 2;
			return 1;
		}
	}
	return 0;
}

/*
 * The Host header of an HTTP/1 request in the window: its name in wire
 * form in @s. Returns the number of labels, 0 if the segment is not a
 * request or holds no Host header, -1 if the Host is not a name.
 */
static __always_inline int http_find_host(struct web_scratch *w,
					  struct dns_scratch *s, __u32 len)
{
	struct http_scan h = {
		.w = w,
		.len = len,
	};
	__u32 off;

	if (!http_is_request(xdpb_load64(w->win), len))
		return 0;
	bpf_loop(XDPB_WEB_WIN / 8, http_scan_step, &h, 0);
	if (h.state != 1)
		return 0;
	/* optional white space before the value */
	off = h.value_off;
#pragma unroll
	for (int i = 0; i < 8; i++) {
		__u8 ch = w->win[bounded(off, WEB_WIN_MASK)];

		if (off >= len || (ch != ' ' && ch != '\t'))
			break;
		off++;
	}
	/* an IP literal: not a name, nothing to match */
	if (off < len && w->win[bounded(off, WEB_WIN_MASK)] == '[')
		return 0;
	if (off >= len)
		return -1;
	return web_name_to_wire(w, s, off, len - off, 1);
}

/* ---- TLS ------------------------------------------------------------ */

#define TLS_CONTENT_HANDSHAKE 0x16
#define TLS_HANDSHAKE_CLIENT_HELLO 1
#define TLS_EXT_SERVER_NAME 0
#define TLS_SNI_HOST_NAME 0
/* fields walked per ClientHello: 7 before the extensions, then one each */
#define TLS_MAX_FIELDS 128

enum tls_stage {
	TLS_RECORD, /* content type, version, length */
	TLS_HANDSHAKE, /* type, 24-bit length; version and random skipped */
	TLS_SESSION_ID,
	TLS_CIPHER_SUITES,
	TLS_COMPRESSION,
	TLS_EXTENSIONS, /* their total length */
	TLS_EXTENSION, /* type, length */
	TLS_SNI, /* list length, name type, name length */
	TLS_SNI_NAME,
};

enum tls_state {
	TLS_WALKING,
	TLS_FOUND, /* name_len bytes at want */
	TLS_NO_SNI, /* a ClientHello without a server_name */
	TLS_MORE, /* the next field is past the data we have */
	TLS_NOT_HELLO, /* not a handshake record with a ClientHello */
	TLS_MALFORMED,
};

/*
 * The ClientHello walk (struct tls_parse, in the window's map value).
 * Offsets are into the TLS stream from its first byte (the record
 * header): win[0] holds stream byte base, and the window's data ends at
 * stream offset end. Each step reads one field at want, or stops with
 * TLS_MORE when it is not all there, so a walk can go on over a later
 * segment (see the flow state).
 */
struct tls_walk {
	struct web_scratch *w;
};

/* The bytes a stage's field takes (the name's are in name_len). */
static __always_inline __u32 tls_field_len(__u32 stage)
{
	switch (stage) {
	case TLS_RECORD:
	case TLS_SNI:
		return 5;
	case TLS_HANDSHAKE:
	case TLS_EXTENSION:
		return 4;
	case TLS_CIPHER_SUITES:
	case TLS_EXTENSIONS:
		return 2;
	default:
		return 1;
	}
}

static __always_inline __u32 tls_byte(struct tls_walk *t, __u32 k)
{
	const struct tls_parse *p = &t->w->tp;

	return t->w->win[bounded(p->want - p->base + k, WEB_WIN_MASK)];
}

static __always_inline __u32 tls_be16(struct tls_walk *t, __u32 k)
{
	return tls_byte(t, k) << 8 | tls_byte(t, k + 1);
}

static long tls_walk_step(__u32 i __attribute__((unused)), struct tls_walk *t)
{
	struct tls_parse *p = &t->w->tp;
	__u32 stage = p->stage, need, n;

	if (stage == TLS_EXTENSION && p->want >= p->ext_end) {
		p->state = TLS_NO_SNI;
		return 1;
	}
	if (stage == TLS_SNI_NAME)
		need = p->name_len;
	else if (stage < TLS_SNI_NAME)
		need = tls_field_len(stage);
	else
		goto bad;
	if (p->want + need > p->end) {
		p->state = TLS_MORE;
		return 1;
	}
	switch (stage) {
	case TLS_RECORD:
		/* a handshake record of SSL 3.0 / TLS 1.x framing */
		if (tls_byte(t, 0) != TLS_CONTENT_HANDSHAKE ||
		    tls_byte(t, 1) != 3) {
			p->state = TLS_NOT_HELLO;
			return 1;
		}
		p->rec_end = 5 + tls_be16(t, 3);
		p->want = 5;
		break;
	case TLS_HANDSHAKE:
		if (tls_byte(t, 0) != TLS_HANDSHAKE_CLIENT_HELLO) {
			p->state = TLS_NOT_HELLO;
			return 1;
		}
		/* a ClientHello spread over several records is not read */
		p->hello_end = 9 + (tls_byte(t, 1) << 16 | tls_be16(t, 2));
		if (p->hello_end > p->rec_end)
			goto bad;
		p->want = 9 + 2 + 32; /* client_version, random */
		break;
	case TLS_SESSION_ID:
		n = tls_byte(t, 0);
		if (n > 32)
			goto bad;
		p->want += 1 + n;
		break;
	case TLS_CIPHER_SUITES:
		n = tls_be16(t, 0);
		if (!n || (n & 1))
			goto bad;
		p->want += 2 + n;
		break;
	case TLS_COMPRESSION:
		p->want += 1 + tls_byte(t, 0);
		if (p->want > p->hello_end)
			goto bad;
		if (p->want == p->hello_end) {
			p->state = TLS_NO_SNI; /* no extensions at all */
			return 1;
		}
		break;
	case TLS_EXTENSIONS:
		p->ext_end = p->want + 2 + tls_be16(t, 0);
		if (p->ext_end > p->hello_end)
			goto bad;
		p->want += 2;
		break;
	case TLS_EXTENSION:
		n = tls_be16(t, 2);
		if (p->want + 4 + n > p->ext_end)
			goto bad;
		if (tls_be16(t, 0) == TLS_EXT_SERVER_NAME) {
			p->want += 4;
			p->sni_end = p->want + n;
			p->stage = TLS_SNI;
			return 0;
		}
		p->want += 4 + n;
		return 0;
	case TLS_SNI:
		/* the first name of the list: a host_name, 1..254 bytes */
		n = tls_be16(t, 3);
		if (tls_byte(t, 2) != TLS_SNI_HOST_NAME ||
		    p->want + 2 + tls_be16(t, 0) > p->sni_end ||
		    3 + n > tls_be16(t, 0) || n < 1 ||
		    n > XDPB_NAME_TEXT_MAX + 1)
			goto bad;
		p->want += 5;
		p->name_len = n;
		break;
	case TLS_SNI_NAME:
		p->state = TLS_FOUND;
		return 1;
	}
	p->stage++;
	return 0;
bad:
	p->state = TLS_MALFORMED;
	return 1;
}

/* What a TLS segment gave, besides a name (labels > 0) or nothing (0). */
enum tls_outcome {
	TLS_OUT_MALFORMED = -1,
	TLS_OUT_OUT_OF_ORDER = -2, /* ahead of the expected segment: given up */
	TLS_OUT_INCOMPLETE = -3, /* no SNI within the segments allowed */
};

static __always_inline int tls_give_up(struct dns_query *q,
				       struct tls_pending *pend, int outcome)
{
	if (pend)
		bpf_map_delete_elem(&tls_pending, &q->flow);
	return outcome;
}

/*
 * Walk the ClientHello in the TLS segment @q, from its start or (when the
 * flow has an entry in tls_pending) from where its previous segment left
 * the walk: the window then holds the carried bytes, then the segment's
 * new ones. Returns the SNI's labels (its wire form in @s), 0 for none
 * (not a ClientHello, no SNI, a retransmission, or more to come: the
 * walk is saved), or an enum tls_outcome.
 *
 * Sequence numbers: the stream's offset 0 is the first data segment's
 * seq. A segment that starts where the walk stopped continues it; one
 * that only repeats bytes seen before is passed and changes nothing; one
 * that overlaps the end continues it from there; one that starts past it
 * (a segment overtook the one before) ends the walk unfinished
 * (TLS_OUT_OUT_OF_ORDER): the segments are passed, never dropped, so a
 * reordered ClientHello is not matched but no connection stalls.
 */
static __always_inline int tls_segment(struct xdp_md *ctx, struct dns_query *q,
				       struct web_scratch *w,
				       struct dns_scratch *s)
{
	struct tls_pending *pend = bpf_map_lookup_elem(&tls_pending, &q->flow);
	struct tls_walk t = {
		.w = w,
	};
	__u32 skip = 0, carry = 0, nr = 1, want, end;
	__u64 len;

	if (pend) {
		__s32 gap = (__s32)(q->seq - pend->seq0 - pend->next_off);

		if (gap > 0)
			return tls_give_up(q, pend, TLS_OUT_OUT_OF_ORDER);
		if ((__s32)(gap + q->payload_len) <= 0)
			return 0; /* a retransmission of bytes walked over */
		skip = -gap;
		w->tp = pend->tp;
		carry = pend->carry_len;
		if (carry > XDPB_TLS_CARRY)
			return tls_give_up(q, pend, TLS_OUT_INCOMPLETE);
		__builtin_memcpy(w->win, pend->carry, XDPB_TLS_CARRY);
		nr = pend->nr_segments + 1;
	} else {
		__builtin_memset(&w->tp, 0, sizeof(w->tp));
	}
	len = q->payload_len - skip;
	if (len > XDPB_WEB_WIN - 512)
		len = XDPB_WEB_WIN - 512;
	/* keep clang from passing a copy of len taken before the checks */
	asm volatile("" : "+r"(len));
	if (len < 1 || len > XDPB_WEB_WIN - 512 ||
	    bpf_xdp_load_bytes(ctx, q->payload_off + skip,
			       w->win + bounded(carry, 0x1ff),
			       size_in_1_to(len, XDPB_WEB_WIN)) < 0)
		return tls_give_up(q, pend, 0);
	w->tp.end = w->tp.base + carry + len;
	w->tp.state = TLS_WALKING;
	bpf_loop(TLS_MAX_FIELDS, tls_walk_step, &t, 0);

	switch (w->tp.state) {
	case TLS_FOUND:
		tls_give_up(q, pend, 0);
		return web_name_to_wire(
			w, s, bounded(w->tp.want - w->tp.base, WEB_WIN_MASK),
			w->tp.name_len, 0);
	case TLS_MORE:
		break;
	case TLS_NO_SNI:
	case TLS_NOT_HELLO:
		return tls_give_up(q, pend, 0);
	default:
		/* malformed, or the SNI after more than TLS_MAX_FIELDS fields */
		return tls_give_up(q, pend, TLS_OUT_MALFORMED);
	}
	/* more to come: only a record that starts as a handshake one */
	if (!pend && w->win[0] != TLS_CONTENT_HANDSHAKE)
		return 0;
	/* the segment was longer than the window, or too many segments */
	if (len < q->payload_len - skip || nr > XDPB_TLS_MAX_SEGMENTS)
		return tls_give_up(q, pend, TLS_OUT_INCOMPLETE);
	want = w->tp.want;
	end = w->tp.end;
	w->pend.tp = w->tp;
	w->pend.carry_len = 0;
	w->pend.tp.base = end;
	if (want < end) {
		/* the next field began in this segment: carry its start */
		if (end - want > XDPB_TLS_CARRY)
			return tls_give_up(q, pend, TLS_OUT_MALFORMED);
		__builtin_memcpy(w->pend.carry,
				 w->win + bounded(want - w->tp.base,
						  WEB_WIN_MASK),
				 XDPB_TLS_CARRY);
		w->pend.carry_len = end - want;
		w->pend.tp.base = want;
	}
	w->pend.seq0 = pend ? pend->seq0 : q->seq;
	w->pend.next_off = end;
	w->pend.nr_segments = nr;
	bpf_map_update_elem(&tls_pending, &q->flow, &w->pend, BPF_ANY);
	return 0;
}

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
					   struct dns_query *q,
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
					      struct dns_query *q,
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
	struct dns_query *q;
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
	struct dns_query *q;
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
	struct dns_query *q;
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
