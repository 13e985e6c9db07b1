/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * HTTP: is a segment's payload the start of a request, and which Host does
 * it name (turned into wire form for the web stage's match).
 */
#ifndef XDPBLOCK_HTTP_BPF_H
#define XDPBLOCK_HTTP_BPF_H

#include "web_name.bpf.h"

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

#endif /* XDPBLOCK_HTTP_BPF_H */
