/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TLS: the server_name of a ClientHello, walked field by field over as
 * many segments as it takes (up to XDPB_TLS_MAX_SEGMENTS; a walk cut by a
 * segment's end waits in tls_pending), turned into wire form for the web
 * stage's match.
 */
#ifndef XDPBLOCK_TLS_BPF_H
#define XDPBLOCK_TLS_BPF_H

#include "web_name.bpf.h"

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

static __always_inline int tls_give_up(struct name_query *q,
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
static __always_inline int tls_segment(struct xdp_md *ctx, struct name_query *q,
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

#endif /* XDPBLOCK_TLS_BPF_H */
