/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TLS SNI and HTTP Host: find the server name a client asks for in the
 * first data segment of a TCP connection to a configured port, turn it
 * into wire form in the DNS scratch and match it with the same suffix
 * walk as a DNS query (match_wire_name(), "web" view).
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
	WEB_REQUEST, /* a request with a name no rule decides */
	WEB_MALFORMED_HTTP,
	WEB_MALFORMED_TLS,
	WEB_MATCH, /* a request whose name a rule decides */
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

/*
 * Is this a TCP segment with data to an HTTP or TLS port? Fills @q's TCP
 * fields and copies the start of the payload into the window. Returns the
 * bytes copied, 0 if there is nothing to look at.
 */
static __always_inline __u32 web_find_segment(struct xdp_md *ctx,
					      struct dns_query *q,
					      const struct xdpb_gen_info *info,
					      struct web_scratch *w)
{
	void *data = (void *)(long)ctx->data;
	__u64 pkt_len = (void *)(long)ctx->data_end - data, len;
	struct cursor c = {
		.pos = data + bounded(q->l4_off, 0x7ff),
		.end = (void *)(long)ctx->data_end,
	};
	struct tcphdr *tcp;

	if (q->l4_off > 0x7ff)
		return 0;
	tcp = cursor_pull(&c, sizeof(*tcp));
	if (!tcp || tcp->doff < 5 || tcp->syn || tcp->rst)
		return 0;
	if (port_in(info->http_ports, tcp->dest))
		q->kind = WEB_HTTP;
	else if (port_in(info->tls_ports, tcp->dest))
		q->kind = WEB_TLS;
	else
		return 0;
	q->seq = bpf_ntohl(tcp->seq);
	q->ack_seq = bpf_ntohl(tcp->ack_seq);
	q->payload_off = q->l4_off + tcp->doff * 4;
	if (q->l3_end > pkt_len)
		q->l3_end = pkt_len;
	if (q->payload_off >= q->l3_end)
		return 0;
	q->payload_len = q->l3_end - q->payload_off;
	len = q->payload_len;
	if (len > XDPB_WEB_WIN)
		len = XDPB_WEB_WIN;
	/* keep clang from passing a copy of len taken before the checks */
	asm volatile("" : "+r"(len));
	if (len < 1 || len > XDPB_WEB_WIN ||
	    bpf_xdp_load_bytes(ctx, q->payload_off, w->win, len) < 0)
		return 0;
	return len;
}

/*
 * The web work is a global function, as the DNS work is: the verifier
 * checks it once, on its own.
 *
 * Match the server name of the TCP segment described by @q (caller's
 * fields set): WEB_MATCH with the deciding name rule in @out, WEB_REQUEST
 * (a name, no rule), WEB_MALFORMED_* or WEB_NONE.
 */
__noinline int xdpb_web_match(struct xdp_md *ctx, struct dns_query *q,
			      struct xdpb_match *out)
{
	struct xdpb_gen_info *info;
	struct dns_scratch *s;
	struct web_scratch *w;
	__u32 zero = 0, gen, len;
	int labels = 0;

	if (!ctx || !q || !out)
		return WEB_NONE;
	gen = q->gen;
	info = bpf_map_lookup_elem(&gen_info, &gen);
	s = bpf_map_lookup_elem(&dns_scratch, &zero);
	w = bpf_map_lookup_elem(&web_scratch, &zero);
	if (!info || !s || !w)
		return WEB_NONE;
	len = web_find_segment(ctx, q, info, w);
	if (!len)
		return WEB_NONE;
	if (q->kind == WEB_HTTP) {
		labels = http_find_host(w, s, len);
		if (labels < 0)
			return WEB_MALFORMED_HTTP;
	}
	if (labels <= 0)
		return WEB_NONE;
	return match_wire_name(gen, labels, 1, s, info, out) ? WEB_MATCH
							     : WEB_REQUEST;
}

#endif /* XDPBLOCK_WEB_BPF_H */
