/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The web path's common part (web.bpf.h, http.bpf.h, tls.bpf.h): what a
 * segment to a web port turned out to be, and the server name it carries
 * (an HTTP Host, a TLS SNI) turned from text into the wire form the DNS
 * path's suffix walk matches.
 */
#ifndef XDPBLOCK_WEB_NAME_BPF_H
#define XDPBLOCK_WEB_NAME_BPF_H

#include "maps.bpf.h"
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

#endif /* XDPBLOCK_WEB_NAME_BPF_H */
