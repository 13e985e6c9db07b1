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

/* Network-order mask of the first @bits (0..32) bits of a 32-bit word. */
static __always_inline __u32 word_mask(__s32 bits)
{
	if (bits <= 0)
		return 0;
	if (bits >= 32)
		return 0xffffffff;
	return bpf_htonl(0xffffffffu << (32 - bits));
}

/*
 * Waldvogel binary search over the prefix lengths present. A hit (a real
 * prefix or a marker) means "a longer match may exist": remember its leaf
 * and search the longer half; a miss searches the shorter half. Markers
 * carry the best match of their own prefix, so the last hit's leaf is the
 * answer.
 */
static __always_inline int ip6_lookup(void *prefixes,
				      const struct xdpb_gen_info *info,
				      const struct in6_addr *addr,
				      struct xdpb_leaf *out)
{
	const __u32 *words = (const __u32 *)addr;
	struct xdpb_ip6_key key;
	__s32 lo = 0, hi = (__s32)info->nr_v6_lengths - 1;
	int found = 0;

	for (int step = 0; step < XDPB_V6_SEARCH_STEPS; step++) {
		struct xdpb_leaf *leaf;
		__u32 *key_words = (__u32 *)key.addr;
		__u32 mid, plen;

		if (lo > hi)
			break;
		mid = (__u32)(lo + hi) >> 1;
		if (mid >= XDPB_V6_MAX_LENGTHS)
			break;
		plen = info->v6_lengths[mid];
		key.prefixlen = plen;
		key_words[0] = words[0] & word_mask(plen);
		key_words[1] = words[1] & word_mask(plen - 32);
		key_words[2] = words[2] & word_mask(plen - 64);
		key_words[3] = words[3] & word_mask(plen - 96);
		leaf = bpf_map_lookup_elem(prefixes, &key);
		if (leaf) {
			*out = *leaf;
			found = 1;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

/*
 * The rule that decides a packet: the higher action of the source-side and
 * destination-side matches, then the longer prefix, then the source side.
 */
static __always_inline const struct xdpb_match *
decide(const struct xdpb_leaf *src_leaf, int have_src,
       const struct xdpb_leaf *dst_leaf, int have_dst)
{
	const struct xdpb_match *s = have_src ? &src_leaf->dir[XDPB_DIR_SRC]
					      : 0;
	const struct xdpb_match *d = have_dst ? &dst_leaf->dir[XDPB_DIR_DST]
					      : 0;

	if (s && s->action == XDPB_ACT_NONE)
		s = 0;
	if (d && d->action == XDPB_ACT_NONE)
		d = 0;
	if (!s)
		return d;
	if (!d)
		return s;
	if (d->action != s->action)
		return d->action > s->action ? d : s;
	return d->prefixlen > s->prefixlen ? d : s;
}

#endif /* XDPBLOCK_IP_MATCH_BPF_H */
