/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Address lookups against the active generation. Both return the resolved
 * leaf for one address (all overlapping rules already combined by
 * userspace), or "no leaf".
 */
#ifndef XDPBLOCK_IP_MATCH_BPF_H
#define XDPBLOCK_IP_MATCH_BPF_H

#include "maps.bpf.h"

/* The inner maps of one generation; fetched once per packet. */
struct ip4_tables {
	void *tbl24;
	void *tbl8;
	void *host;
	void *leaf;
};

static __always_inline int ip4_tables_get(__u32 gen, struct ip4_tables *t)
{
	t->tbl24 = bpf_map_lookup_elem(&ip4_tbl24_gens, &gen);
	t->tbl8 = bpf_map_lookup_elem(&ip4_tbl8_gens, &gen);
	t->host = bpf_map_lookup_elem(&ip4_host_gens, &gen);
	t->leaf = bpf_map_lookup_elem(&ip4_leaf_gens, &gen);
	if (!t->tbl24 || !t->tbl8 || !t->host || !t->leaf)
		return -1;
	return 0;
}

/* Copies the leaf for @addr into @out; returns 0 if there is none. */
static __always_inline int ip4_lookup(const struct ip4_tables *t, __be32 addr,
				      struct xdpb_leaf *out)
{
	__u32 host_order = bpf_ntohl(addr);
	__u32 index = host_order >> 8;
	struct xdpb_tbl_chunk *chunk;
	struct xdpb_leaf *leaf;
	__u32 entry, leaf_index, chunk_index;

	chunk_index = index / XDPB_TBL_CHUNK;
	chunk = bpf_map_lookup_elem(t->tbl24, &chunk_index);
	if (!chunk)
		return 0;
	entry = chunk->entry[index % XDPB_TBL_CHUNK];
	leaf_index = entry & XDPB_ENTRY_INDEX_MASK;
	switch (entry >> XDPB_KIND_SHIFT) {
	case XDPB_KIND_GROUP:
		index = leaf_index * XDPB_TBL8_GROUP_SIZE + (host_order & 0xff);
		chunk_index = index / XDPB_TBL_CHUNK;
		chunk = bpf_map_lookup_elem(t->tbl8, &chunk_index);
		if (!chunk)
			return 0;
		leaf_index = chunk->entry[index % XDPB_TBL_CHUNK] &
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

/* State of one IPv6 lookup, shared with the bpf_loop() callback. */
struct ip6_search {
	void *prefixes;
	void *filter;
	const struct xdpb_gen_info *info;
	__u32 words[4]; /* the address */
	__u32 bits_mask; /* filter size - 1 */
	struct xdpb_leaf leaf; /* the answer, if found */
	int found;
};

/*
 * One prefix length (the i-th longest): read its filter bit, and only if it
 * is set look the masked address up in the hash. The filter reads of
 * successive lengths do not depend on one another, so their cache misses
 * overlap. Returns 1 (stop) once a prefix is found: its leaf already
 * combines every shorter rule that contains it.
 */
static long ip6_probe_length(__u32 i, struct ip6_search *s)
{
	struct xdpb_filter_chunk *chunk;
	struct xdpb_ip6_key key;
	__u32 *key_words = (__u32 *)key.addr;
	struct xdpb_leaf *leaf;
	__u32 plen, bit, chunk_index;

	if (i >= XDPB_V6_MAX_LENGTHS)
		return 1;
	plen = s->info->v6_lengths[i];
	xdpb_ip6_mask(s->words, plen, key_words);
	bit = xdpb_ip6_filter_bit(key_words, plen, s->bits_mask);
	chunk_index = bit / 512;
	chunk = bpf_map_lookup_elem(s->filter, &chunk_index);
	if (chunk && !(chunk->word[(bit / 64) % 8] & (1ULL << (bit % 64))))
		return 0;
	key.prefixlen = plen;
	leaf = bpf_map_lookup_elem(s->prefixes, &key);
	if (!leaf)
		return 0;
	s->leaf = *leaf;
	s->found = 1;
	return 1;
}

/*
 * Longest length first, through bpf_loop(): an open-coded loop over up to
 * 129 lengths with a branch per step is more than the verifier will walk.
 */
static __always_inline int ip6_lookup(void *prefixes, void *filter,
				      const struct xdpb_gen_info *info,
				      const struct in6_addr *addr,
				      struct xdpb_leaf *out)
{
	struct ip6_search s = {
		.prefixes = prefixes,
		.filter = filter,
		.info = info,
		.bits_mask = (1u << (info->v6_filter_log2 & 31)) - 1,
	};

	__builtin_memcpy(s.words, addr, sizeof(s.words));
	bpf_loop(info->nr_v6_lengths, ip6_probe_length, &s, 0);
	if (s.found)
		*out = s.leaf;
	return s.found;
}

#endif /* XDPBLOCK_IP_MATCH_BPF_H */
