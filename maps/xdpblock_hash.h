/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What both sides compute: prefix masks, the IPv6 trie's child index,
 * the name table's keys and home slots, and the name filter's line.
 * Userspace builds the tables with them and the datapath looks up with
 * them, so the two can never disagree. Plain C
 * on fixed-width types: no BPF helpers.
 */
#ifndef XDPBLOCK_HASH_H
#define XDPBLOCK_HASH_H

#include "xdpblock_abi.h"

/* Network-order mask of the first @bits (clamped to 0..32) bits of a word. */
static inline __u32 xdpb_word_mask(__s32 bits)
{
	__u32 mask;

	if (bits <= 0)
		return 0;
	if (bits >= 32)
		return 0xffffffff;
	mask = 0xffffffffu << (32 - bits);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	mask = __builtin_bswap32(mask);
#endif
	return mask;
}

/* @out = the IPv6 address @addr (four words as loaded) masked to @plen. */
static inline void xdpb_ip6_mask(const __u32 *addr, __u32 plen, __u32 *out)
{
	out[0] = addr[0] & xdpb_word_mask(plen);
	out[1] = addr[1] & xdpb_word_mask(plen - 32);
	out[2] = addr[2] & xdpb_word_mask(plen - 64);
	out[3] = addr[3] & xdpb_word_mask(plen - 96);
}

/*
 * The IPv6 trie's child index at @depth (16, 22, ..., 124): the six
 * address bits from there, zeros past bit 127. @hi and @lo are the
 * address's first and last 64 bits in host order. Both the trie's builder
 * and its lookup index with this.
 */
static inline __u32 xdpb_ip6_child(__u64 hi, __u64 lo, __u32 depth)
{
	if (depth < 64) /* 16..58: within the first half */
		return (__u32)(hi >> (58 - depth)) & 63;
	depth -= 64;
	if (depth <= 58)
		return (__u32)(lo >> (58 - depth)) & 63;
	return (__u32)(lo << (depth - 58)) & 63; /* 124: 4 bits and 2 zeros */
}

/*
 * Is the address @hi:@lo (host order halves) inside the prefix @phi:@plo
 * of length @plen (1..128)? One xor and one shift per half, no mask
 * built bit by bit.
 */
static inline int xdpb_ip6_inside(__u64 hi, __u64 lo, __u64 phi, __u64 plo,
				  __u32 plen)
{
	if (plen <= 64)
		return !((hi ^ phi) >> (64 - plen));
	return hi == phi && !((lo ^ plo) >> (128 - plen));
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
 * All ones if @v is negative, else 0. In BPF through asm: clang turns the
 * shift-and-mask clamps below back into compares, and BPF has no select,
 * so each became a branch; eight words of two branches each were 2^16
 * paths to Linux 6.1's verifier, which in a callback cannot tell that
 * their values do not matter (about 170,000 instructions per stage).
 */
static inline __s64 xdpb_sign_mask(__s64 v)
{
#ifdef __bpf__
	asm volatile("%[v] s>>= 63" : [v] "+r"(v));
	return v;
#else
	return v < 0 ? -1 : 0;
#endif
}

/*
 * The first min(max(@n, 0), 8) bytes of a word as loaded from memory.
 * Without branches: two shifts by 4n stay below 64 for n = 8.
 */
static inline __u64 xdpb_first_bytes(__s32 n)
{
	__s64 m = n, over;
	__u64 k;

	m &= ~xdpb_sign_mask(m); /* max(n, 0) */
	over = m - 8;
	m -= over & ~xdpb_sign_mask(over); /* min(m, 8) */
	k = (__u64)m * 4;
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
 * Mix one label into @st: its length byte at @buf[@off] (1..63, already
 * checked), its bytes after it, lower-cased. @buf holds XDPB_NAME_BUF
 * bytes and @off <= 254, so the eight word reads stay inside it (the
 * masks keep the verifier sure of that). Both sides run this very code.
 */
static inline void xdpb_name_mix_label(struct xdpb_name_state *st,
				       const __u8 *buf, __u32 off)
{
	__u32 len;

	off &= 0xff;
	len = buf[off] & XDPB_LABEL_MAX;
	st->h[0] = xdpb_mix64(st->h[0], len + 1, 0x9e3779b97f4a7c15ULL, 29);
	st->h[1] = xdpb_mix64(st->h[1], len + 1, 0xc2b2ae3d27d4eb4fULL, 31);
	/*
	 * Always eight words, the ones past the label masked to zero: the
	 * length went in first, so this is still one input per label, and a
	 * branch per word multiplies the states the verifier walks.
	 */
#ifdef __clang__
#pragma unroll
#endif
	for (__u32 i = 0; i < 8; i++) {
		__u64 w = xdpb_load64(buf + off + 1 + i * 8);

		w = xdpb_lower8(w &
				xdpb_first_bytes((__s32)len - (__s32)i * 8));
		st->h[0] = xdpb_mix64(st->h[0], w, 0xbf58476d1ce4e5b9ULL, 32);
		st->h[1] = xdpb_mix64(st->h[1], w, 0x94d049bb133111ebULL, 29);
	}
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
 * (the key itself for a one-label name). The key's own bits in the chunk
 * are xdpb_filter_chunk_add/has() of (__u32)key->hash[1].
 */
static inline __u32 xdpb_name_filter_chunk(const struct xdpb_name_key *anchor,
					   __u32 chunk_mask)
{
	return (__u32)(anchor->hash[0] >> 32) & chunk_mask;
}

#endif /* XDPBLOCK_HASH_H */
