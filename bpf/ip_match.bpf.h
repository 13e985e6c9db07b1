/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Address lookups against the active generation: for the source and the
 * destination address of a packet, the resolved leaf (all overlapping
 * rules already combined by userspace), or "no leaf".
 */
#ifndef XDPBLOCK_IP_MATCH_BPF_H
#define XDPBLOCK_IP_MATCH_BPF_H

#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>

#include "maps.bpf.h"

/* The inner maps of one generation; fetched once per packet. */
struct ip4_tables {
	__u32 flat; /* gen_info.ip4_flat */
	void *tbl16;
	void *tbl24;
	void *tbl8;
	void *host;
	void *leaf;
};

static __always_inline int ip4_tables_get(__u32 gen,
					  const struct xdpb_gen_info *info,
					  struct ip4_tables *t)
{
	t->flat = info->ip4_flat;
	t->tbl16 = bpf_map_lookup_elem(&ip4_tbl16_gens, &gen);
	t->tbl24 = bpf_map_lookup_elem(&ip4_tbl24_gens, &gen);
	t->tbl8 = bpf_map_lookup_elem(&ip4_tbl8_gens, &gen);
	t->host = bpf_map_lookup_elem(&ip4_host_gens, &gen);
	t->leaf = bpf_map_lookup_elem(&ip4_leaf_gens, &gen);
	if (!t->tbl16 || !t->tbl24 || !t->tbl8 || !t->host || !t->leaf)
		return -1;
	return 0;
}

/* Element @index of an array of chunks of u32 entries, or 0. */
static __always_inline __u32 ip4_chunk_entry(void *table, __u32 index)
{
	__u32 chunk_index = index / XDPB_TBL_CHUNK;
	struct xdpb_tbl_chunk *chunk;

	chunk = bpf_map_lookup_elem(table, &chunk_index);
	if (!chunk)
		return 0;
	return chunk->entry[index % XDPB_TBL_CHUNK];
}

/*
 * First step of a lookup: the tbl16 entry of @addr (0 if unreadable),
 * made up without a read when every /16 has its group in /16 order.
 * tbl16 is 256 KiB and mostly in the L2 cache; the caller reads both
 * addresses' entries before it branches on either, and likewise issues
 * both tbl24 reads (ip4_entry()) before it branches on their results,
 * so that two cache misses overlap instead of following one another.
 */
static __always_inline __u32 ip4_tbl16_entry(const struct ip4_tables *t,
					     __be32 addr)
{
	__u32 block = bpf_ntohl(addr) >> 16;

	if (t->flat)
		return XDPB_KIND_GROUP << XDPB_KIND_SHIFT | block;
	return ip4_chunk_entry(t->tbl16, block);
}

/*
 * Second step: the tbl24 entry of @addr given its @tbl16_entry. A tbl16
 * LEAF entry answers for the whole /16 and is itself a tbl24 LEAF entry;
 * a GROUP entry names the group holding one entry per /24 of the /16.
 */
static __always_inline __u32 ip4_entry(const struct ip4_tables *t, __be32 addr,
				       __u32 tbl16_entry)
{
	__u32 group = tbl16_entry & XDPB_ENTRY_INDEX_MASK;

	if (tbl16_entry >> XDPB_KIND_SHIFT != XDPB_KIND_GROUP)
		return tbl16_entry;
	return ip4_chunk_entry(t->tbl24,
			       group * XDPB_TBL24_GROUP_SIZE +
				       ((bpf_ntohl(addr) >> 8) & 0xff));
}

/*
 * Third step: the leaf for @addr given its tbl24 @entry, copied into @out;
 * returns 0 if there is none.
 */
static __always_inline int ip4_resolve(const struct ip4_tables *t, __be32 addr,
				       __u32 entry, struct xdpb_leaf *out)
{
	__u32 host_order = bpf_ntohl(addr);
	struct xdpb_leaf *leaf;
	__u32 leaf_index;

	leaf_index = entry & XDPB_ENTRY_INDEX_MASK;
	switch (entry >> XDPB_KIND_SHIFT) {
	case XDPB_KIND_GROUP:
		leaf_index = ip4_chunk_entry(t->tbl8,
					     leaf_index * XDPB_TBL8_GROUP_SIZE +
						     (host_order & 0xff)) &
			     XDPB_ENTRY_INDEX_MASK;
		break;
	case XDPB_KIND_HOST1:
		if (((entry >> XDPB_HOST1_OCTET_SHIFT) & 0xff) !=
		    (host_order & 0xff))
			return 0;
		leaf_index = entry & XDPB_HOST1_LEAF_MASK;
		break;
	case XDPB_KIND_HOSTS: {
		__u32 *host_leaf = bpf_map_lookup_elem(t->host, &addr);

		if (host_leaf)
			leaf_index = *host_leaf;
		break;
	}
	}
	if (!leaf_index)
		return 0;
	leaf = bpf_map_lookup_elem(t->leaf, &leaf_index);
	if (!leaf)
		return 0;
	*out = *leaf;
	return 1;
}

/* State of one packet's IPv6 lookups, shared with the bpf_loop() callback. */
struct ip6_search {
	void *prefixes;
	void *filter;
	const struct xdpb_gen_info *info;
	struct ip6_pair *pair;
	__u32 chunk_mask; /* filter chunks - 1 */
};

/*
 * One address at one prefix length: test its filter bits, and only if
 * they are all set look the masked address up in the hash.
 */
static __always_inline void ip6_probe(struct ip6_search *s, int dir, __u32 plen)
{
	struct xdpb_filter_chunk *chunk;
	struct xdpb_ip6_key key;
	__u32 *key_words = (__u32 *)key.addr;
	struct xdpb_leaf *leaf;
	__u32 chunk_index;

	xdpb_ip6_mask(s->pair->words[dir], plen, key_words);
	chunk_index = xdpb_ip6_filter_chunk(key_words, plen, s->chunk_mask);
	chunk = bpf_map_lookup_elem(s->filter, &chunk_index);
	if (chunk && !xdpb_filter_chunk_has(
			     chunk, xdpb_ip6_filter_hash(key_words, plen)))
		return;
	key.prefixlen = plen;
	leaf = bpf_map_lookup_elem(s->prefixes, &key);
	if (!leaf)
		return;
	s->pair->match[dir] = leaf->dir[dir];
	s->pair->found[dir] = 1;
}

/*
 * The i-th longest length, for both addresses: their filter lines are
 * read in the same step, so the two cache misses overlap. An address is
 * done once a prefix is found: its leaf already combines every shorter
 * rule that contains it. Returns 1 (stop) when both are done.
 */
static long ip6_probe_length(__u32 i, struct ip6_search *s)
{
	struct ip6_pair *pair = s->pair;
	__u32 plen;

	if (i >= XDPB_V6_MAX_LENGTHS)
		return 1;
	plen = s->info->v6_lengths[i];
	if (!pair->found[XDPB_DIR_SRC])
		ip6_probe(s, XDPB_DIR_SRC, plen);
	if (!pair->found[XDPB_DIR_DST])
		ip6_probe(s, XDPB_DIR_DST, plen);
	return pair->found[XDPB_DIR_SRC] && pair->found[XDPB_DIR_DST];
}

/*
 * Longest length first, through bpf_loop(): an open-coded loop over up to
 * 129 lengths with a branch per step is more than the verifier will walk.
 * Sets @have[dir] and the @leaf[dir].dir[dir] that xdpb_decide() reads
 * for the source and the destination address.
 */
static __always_inline void ip6_lookup(void *prefixes, void *filter,
				       const struct xdpb_gen_info *info,
				       const struct ipv6hdr *ip6,
				       struct xdpb_leaf leaf[XDPB_NR_DIRS],
				       int have[XDPB_NR_DIRS])
{
	__u32 zero = 0;
	struct ip6_pair *pair = bpf_map_lookup_elem(&ip6_pair_scratch, &zero);
	struct ip6_search s = {
		.prefixes = prefixes,
		.filter = filter,
		.info = info,
		/* 2^log2 bits in 512-bit chunks; log2 >= 16 */
		.chunk_mask = (1u << ((info->v6_filter_log2 - 9) & 31)) - 1,
	};

	if (!pair)
		return;
	s.pair = pair;
	__builtin_memcpy(pair->words[XDPB_DIR_SRC], &ip6->saddr, 16);
	__builtin_memcpy(pair->words[XDPB_DIR_DST], &ip6->daddr, 16);
	pair->found[XDPB_DIR_SRC] = 0;
	pair->found[XDPB_DIR_DST] = 0;
	bpf_loop(info->nr_v6_lengths, ip6_probe_length, &s, 0);
	for (int dir = 0; dir < XDPB_NR_DIRS; dir++) {
		have[dir] = pair->found[dir];
		leaf[dir].dir[dir] = pair->match[dir];
	}
}

/*
 * Is the source or the destination address protected (protected4)? Asked
 * only when an address rule would drop the packet, so a passing packet
 * pays nothing; two LPM trie lookups on a small trie otherwise.
 */
static __always_inline int ip4_protected(__be32 saddr, __be32 daddr)
{
	struct xdpb_protect4_key key = {.prefixlen = 32};

	__builtin_memcpy(key.addr, &saddr, 4);
	if (bpf_map_lookup_elem(&protected4, &key))
		return 1;
	__builtin_memcpy(key.addr, &daddr, 4);
	return bpf_map_lookup_elem(&protected4, &key) != NULL;
}

/*
 * The same for IPv6 (protected6), on the addresses ip6_lookup() left in
 * the pair scratch: an address rule matched, so the lookup ran for this
 * packet. The key lives there too, off the entry program's full stack.
 */
static __always_inline int ip6_protected(void)
{
	__u32 zero = 0;
	struct ip6_pair *pair = bpf_map_lookup_elem(&ip6_pair_scratch, &zero);

	if (!pair)
		return 0;
	pair->protect_key.prefixlen = 128;
	__builtin_memcpy(pair->protect_key.addr, pair->words[XDPB_DIR_SRC], 16);
	if (bpf_map_lookup_elem(&protected6, &pair->protect_key))
		return 1;
	__builtin_memcpy(pair->protect_key.addr, pair->words[XDPB_DIR_DST], 16);
	return bpf_map_lookup_elem(&protected6, &pair->protect_key) != NULL;
}

#endif /* XDPBLOCK_IP_MATCH_BPF_H */
