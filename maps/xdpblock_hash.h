/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What both sides compute: the tries' child index and prefix tests,
 * the name table's keys and home slots, and the name filter's line.
 * Userspace builds the tables with them and the datapath looks up with
 * them, so the two can never disagree. Plain C on fixed-width types: no
 * BPF helpers.
 */
#ifndef XDPBLOCK_HASH_H
#define XDPBLOCK_HASH_H

#include "xdpblock_abi.h"

/*
 * A trie's child index at @depth (IPv4 16, 22, 28; IPv6 19, 25, ..., 127): the six
 * address bits from there, zeros past bit 127. @hi and @lo are the
 * address's first and last 64 bits in host order. Both the trie's builder
 * and its lookup index with this.
 */
static inline __u32 xdpb_trie_child(__u64 hi, __u64 lo, __u32 depth)
{
	if (depth <= 58) /* IPv4 16..28, IPv6 19..55 */
		return (__u32)(hi >> (58 - depth)) & 63;
	if (depth < 64) /* IPv6 61: the last 3 bits of hi, the first 3 of lo */
		return (__u32)(hi << (depth - 58) | lo >> (122 - depth)) & 63;
	depth -= 64;
	if (depth <= 58)
		return (__u32)(lo >> (58 - depth)) & 63;
	return (__u32)(lo << (depth - 58)) & 63; /* 127: 1 bit and 5 zeros */
}

/*
 * Is the address @hi:@lo (host order halves) inside the prefix @phi:@plo
 * of length @plen (1..128)? One xor and one shift per half, no mask
 * built bit by bit.
 */
static inline int xdpb_trie_inside(__u64 hi, __u64 lo, __u64 phi, __u64 plo,
				   __u32 plen)
{
	if (plen <= 64)
		return !((hi ^ phi) >> (64 - plen));
	return hi == phi && !((lo ^ plo) >> (128 - plen));
}

/*
 * The leaf of the IPv4 address @addr (host order) in bucket @b: its
 * first (longest) prefix that holds the address, else the base.
 */
static inline __u32 xdpb_ip4_bucket_leaf(const struct xdpb_ip4_bucket *b,
					 __u32 addr)
{
	for (int i = 0; i < XDPB_IP4_BUCKET_PREFIXES; i++) {
		__u32 plen = b->plen[i];

		if (!plen)
			break;
		/* plen 17..32: a shift of 0..15 */
		if (!((addr ^ b->addr[i]) >> ((32 - plen) & 31)))
			return b->leaf[i];
	}
	return b->base;
}

/*
 * The leaf of the IPv6 address @hi:@lo (host order halves) in bucket @b,
 * as xdpb_ip4_bucket_leaf(). The address's bits 19..63 line up with the
 * tags' (whose bits 8..18 are zero, and the length below is masked off).
 */
static inline __u32 xdpb_ip6_bucket_leaf(const struct xdpb_ip6_bucket *b,
					 __u64 hi, __u64 lo)
{
	__u64 top = hi << XDPB_IP6_ROOT_BITS;

	for (int i = 0; i < XDPB_IP6_BUCKET_PREFIXES; i++) {
		__u64 tag = b->tag[i];
		__u64 diff = (top ^ tag) & ~XDPB_IP6_BUCKET_PLEN_MASK;
		__u32 plen = (__u32)(tag & XDPB_IP6_BUCKET_PLEN_MASK);

		if (!plen)
			break;
		/* plen 20..64: bits 19..plen-1, a shift of 19..63 */
		if (plen <= 64 &&
		    !(diff >> ((64 + XDPB_IP6_ROOT_BITS - plen) & 63)))
			return b->leaf[i];
		/* plen 65..128: all of them, and the last half's (0..63) */
		if (plen > 64 && !diff &&
		    !((lo ^ b->lo[i]) >> ((128 - plen) & 63)))
			return b->leaf[i];
	}
	return b->base;
}

/*
 * A key sets XDPB_FILTER_KEY_BITS bits of its chunk, 9-bit positions
 * taken from its hash, and the filter says "maybe" only when all are set.
 * Three bits per key keep false positives rare (under 0.1 % per probe at
 * 32 bits per key) in a filter small enough to stay in the last-level
 * cache, where one bit per key needed eight times the memory.
 */
#define XDPB_FILTER_KEY_BITS 3

static inline void xdpb_filter_chunk_add(struct xdpb_filter_chunk *c, __u32 h)
{
	for (int k = 0; k < XDPB_FILTER_KEY_BITS; k++, h >>= 9)
		c->word[(h >> 6) & 7] |= 1ULL << (h & 63);
}

static inline int xdpb_filter_chunk_has(const struct xdpb_filter_chunk *c,
					__u32 h)
{
	__u64 all = 1;

	for (int k = 0; k < XDPB_FILTER_KEY_BITS; k++, h >>= 9)
		all &= c->word[(h >> 6) & 7] >> (h & 63);
	return all & 1;
}

/*
 * The home slot of @key among @nr_slots, under the table's @seed (random
 * per build: names chosen to collide in one table do not in the next).
 */
static inline __u32 xdpb_name_slot_home(const struct xdpb_name_key *key,
					__u64 seed, __u32 nr_slots)
{
	__u64 h = (key->hash[0] ^ seed) * 0x9e3779b97f4a7c15ULL;

	h ^= key->hash[1] * 0xc2b2ae3d27d4eb4fULL;
	h ^= h >> 32;
	return (__u32)(((h & 0xffffffffULL) * nr_slots) >> 32);
}

/* Two hash states over the labels seen so far (from the right). */
struct xdpb_name_state {
	__u64 h[2];
};

static inline void xdpb_name_state_init(struct xdpb_name_state *st)
{
	st->h[0] = 0x6a09e667f3bcc908ULL;
	st->h[1] = 0xbb67ae8584caa73bULL;
}

/*
 * Lower-case the ASCII letters of eight bytes at once: a byte gets 0x20
 * when it is in 'A'..'Z'. Other bytes (digits, '-', '_', bytes >= 0x80)
 * are left as they are.
 */
static inline __u64 xdpb_lower8(__u64 w)
{
	const __u64 ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	__u64 low7 = w & ~high;
	__u64 ge_a = low7 + ones * (0x80 - 'A');
	__u64 gt_z = low7 + ones * (0x80 - 'Z' - 1);

	return w | (((ge_a & ~gt_z & ~w) & high) >> 2);
}

/*
 * The first @n (1..8) bytes of a word as loaded from memory. Two shifts
 * by 4n, as one by 8n is undefined (and masked by the CPU) for n = 8.
 */
static inline __u64 xdpb_first_bytes(__u32 n)
{
	__u64 k = (__u64)n * 4;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return ((1ULL << k) << k) - 1;
#else
	return ~((~0ULL >> k) >> k);
#endif
}

/*
 * Eight bytes from anywhere. In BPF a plain 8-byte load: memcpy from a
 * byte pointer would become eight byte loads, and the verifier accepts
 * unaligned map value reads where the CPU does (x86, arm64).
 */
static inline __u64 xdpb_load64(const __u8 *p)
{
#ifdef __bpf__
	return *(const __u64 *)p;
#else
	__u64 w;

	__builtin_memcpy(&w, p, 8);
	return w;
#endif
}

static inline __u64 xdpb_mix64(__u64 h, __u64 w, __u64 mul, __u32 shift)
{
	h ^= w;
	h *= mul;
	return h ^ (h >> shift);
}

/*
 * Mix one label into @st: its wire bytes, the length byte at @buf[@off]
 * (1..63, already checked) and the label after it, lower-cased, as
 * ceil((length + 1) / 8) words, the last one's bytes past the label
 * masked to zero. The length byte leads the first word, so the words
 * of a name decode into its labels one way only (the keys are
 * injective), and a label of up to seven bytes is one word: most labels
 * are one or two, where hashing eight words for each (and the length on
 * its own before them) was most of the cost of an unlisted DNS query.
 * Lower-casing leaves the length byte (< 'A') as it is. @buf holds
 * XDPB_NAME_BUF bytes and @off <= 254, so the word reads stay inside it
 * (the masks keep the verifier sure of that). Both sides run this very
 * code.
 */
static inline void xdpb_name_mix_label(struct xdpb_name_state *st,
				       const __u8 *buf, __u32 off)
{
	__u64 a = st->h[0], b = st->h[1], w;
	__u32 len, last;

	off &= 0xff;
	len = buf[off] & XDPB_LABEL_MAX;
	/* the index of the last word, 0..7 */
	last = len >> 3;
	/*
	 * The whole words before the last: a loop of at most seven, which
	 * the verifier walks once per length (eight paths through the rest
	 * of the callback), where a branch per word of a mask made 2^8.
	 */
	for (__u32 i = 0; i < last; i++) {
		w = xdpb_lower8(xdpb_load64(buf + off + i * 8));
		a = xdpb_mix64(a, w, 0xbf58476d1ce4e5b9ULL, 32);
		b = xdpb_mix64(b, w, 0x94d049bb133111ebULL, 29);
	}
	/* its 1..8 bytes: no clamp, so no branch for clang to make */
	w = xdpb_load64(buf + off + last * 8) & xdpb_first_bytes((len & 7) + 1);
	w = xdpb_lower8(w);
	st->h[0] = xdpb_mix64(a, w, 0xbf58476d1ce4e5b9ULL, 32);
	st->h[1] = xdpb_mix64(b, w, 0x94d049bb133111ebULL, 29);
}

/* The key of the suffix whose labels @st has taken in. */
static inline void xdpb_name_key_of(const struct xdpb_name_state *st,
				    struct xdpb_name_key *key)
{
	__u64 a = st->h[0], b = st->h[1];

	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdULL;
	a ^= a >> 33;
	b ^= b >> 31;
	b *= 0xd6e8feb86659fd93ULL;
	b ^= b >> 32;
	key->hash[0] = a;
	key->hash[1] = b;
}

/*
 * The name filter chunk (a 512-bit line) of a key, below @chunk_mask
 * (2^n - 1): picked by @anchor, the key of the name's last two labels
 * (the key itself for a one-label name).
 */
static inline __u32 xdpb_name_filter_chunk(const struct xdpb_name_key *anchor,
					   __u32 chunk_mask)
{
	return (__u32)(anchor->hash[0] >> 32) & chunk_mask;
}

/*
 * A key's two sets of bits in its chunk (xdpb_filter_chunk_add/has()):
 * "listed", the name is in the table; "above", some listed name is below
 * it (the key is of a proper suffix of a listed name). A query's suffix
 * whose "above" bits are not all set ends the walk: no longer suffix can
 * be listed.
 */
static inline __u32 xdpb_name_listed_bits(const struct xdpb_name_key *key)
{
	return (__u32)key->hash[1];
}

static inline __u32 xdpb_name_above_bits(const struct xdpb_name_key *key)
{
	return (__u32)(key->hash[1] >> 32);
}

#endif /* XDPBLOCK_HASH_H */
