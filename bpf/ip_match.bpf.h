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

/*
 * The generation an IPv4 lookup reads. Each inner map is fetched where a
 * step first needs it (an outer array read the verifier inlines), so an
 * address that tbl16 answers pays for tbl16 alone.
 */
struct ip4_tables {
	__u32 gen;
	__u32 flat; /* gen_info.ip4_flat */
};

static __always_inline void ip4_tables_get(__u32 gen,
					   const struct xdpb_gen_info *info,
					   struct ip4_tables *t)
{
	t->gen = gen;
	t->flat = info->ip4_flat;
}

/*
 * Copy leaf @index (0: none) of generation @gen's leaf array, held in
 * @outer, into @out; returns 0 if there is none.
 */
static __always_inline int gen_leaf(void *outer, __u32 gen, __u32 index,
				    struct xdpb_leaf *out)
{
	struct xdpb_leaf *leaf;
	void *leaves;

	if (!index)
		return 0;
	leaves = bpf_map_lookup_elem(outer, &gen);
	if (!leaves)
		return 0;
	leaf = bpf_map_lookup_elem(leaves, &index);
	if (!leaf)
		return 0;
	*out = *leaf;
	return 1;
}

/* Element @index of an array of chunks of u32 entries, or 0. */
static __always_inline __u32 tbl_chunk_entry(void *table, __u32 index)
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

	void *tbl16;

	if (t->flat)
		return XDPB_KIND_GROUP << XDPB_KIND_SHIFT | block;
	tbl16 = bpf_map_lookup_elem(&ip4_tbl16_gens, &t->gen);
	if (!tbl16)
		return 0;
	return tbl_chunk_entry(tbl16, block);
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
	void *tbl24;

	if (tbl16_entry >> XDPB_KIND_SHIFT != XDPB_KIND_GROUP)
		return tbl16_entry;
	tbl24 = bpf_map_lookup_elem(&ip4_tbl24_gens, &t->gen);
	if (!tbl24)
		return 0;
	return tbl_chunk_entry(tbl24, group * XDPB_TBL24_GROUP_SIZE +
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
	__u32 leaf_index;
	void *table;

	leaf_index = entry & XDPB_ENTRY_INDEX_MASK;
	switch (entry >> XDPB_KIND_SHIFT) {
	case XDPB_KIND_GROUP:
		table = bpf_map_lookup_elem(&ip4_tbl8_gens, &t->gen);
		if (!table)
			return 0;
		leaf_index = tbl_chunk_entry(table,
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
		__u32 *host_leaf;

		table = bpf_map_lookup_elem(&ip4_host_gens, &t->gen);
		if (!table)
			return 0;
		host_leaf = bpf_map_lookup_elem(table, &addr);

		if (host_leaf)
			leaf_index = *host_leaf;
		break;
	}
	}
	return gen_leaf(&ip4_leaf_gens, t->gen, leaf_index, out);
}

/*
 * Steps walked inline before the rest go through bpf_loop(): two cover
 * every address of lists up to about 100k random prefixes (one node per
 * /16 and one below it), and keep the program small.
 */
#define XDPB_IP6_INLINE_STEPS 2

/*
 * What the bpf_loop() callback walking the trie needs: the generation
 * (each step fetches its tables, as for IPv4) and the walk's state.
 */
struct ip6_walk {
	__u32 gen;
	struct ip6_pair *pair;
};

/*
 * One step down for one address, if its entry is a node: to the child of
 * the next six bits, a node or a single (counted among the node's
 * children of its kind), or the leaf of its run (counted among the runs
 * before it).
 */
static __always_inline void ip6_step(struct ip6_walk *w, int dir, __u32 depth)
{
	struct ip6_pair *p = w->pair;
	__u32 entry = p->entry[dir], index, k;
	struct xdpb_ip6_node *node;
	void *nodes, *runs;
	__u64 bit, upto;

	if (entry >> XDPB_KIND_SHIFT != XDPB_KIND_NODE)
		return;
	index = entry & XDPB_ENTRY_INDEX_MASK;
	nodes = bpf_map_lookup_elem(&ip6_node_gens, &w->gen);
	node = nodes ? bpf_map_lookup_elem(nodes, &index) : NULL;
	if (!node) {
		p->entry[dir] = 0;
		return;
	}
	bit = 1ULL << xdpb_ip6_child(p->hi[dir], p->lo[dir], depth);
	upto = bit | (bit - 1);
	if (node->children & bit) {
		k = __builtin_popcountll(node->children & upto) - 1;
		p->entry[dir] =
			XDPB_KIND_NODE << XDPB_KIND_SHIFT |
			((node->child_base + k) & XDPB_ENTRY_INDEX_MASK);
		return;
	}
	if (node->singles & bit) {
		k = __builtin_popcountll(node->singles & upto) - 1;
		p->entry[dir] =
			XDPB_KIND_SINGLE << XDPB_KIND_SHIFT |
			((node->single_base + k) & XDPB_ENTRY_INDEX_MASK);
		return;
	}
	k = __builtin_popcountll(node->runs & upto) - 1;
	if (node->run_base != XDPB_IP6_RUNS_INLINE) {
		runs = bpf_map_lookup_elem(&ip6_run_gens, &w->gen);
		k = runs ? tbl_chunk_entry(runs, node->run_base + k) : 0;
	} else if (k < XDPB_IP6_NODE_RUNS)
		k = node->run[k];
	else
		k = 0; /* a node the builder would not make */
	p->entry[dir] = k & XDPB_ENTRY_INDEX_MASK; /* a LEAF entry */
}

/* The walk is over: neither address is at a node. */
static __always_inline int ip6_walk_done(const struct ip6_pair *p)
{
	return p->entry[XDPB_DIR_SRC] >> XDPB_KIND_SHIFT != XDPB_KIND_NODE &&
	       p->entry[XDPB_DIR_DST] >> XDPB_KIND_SHIFT != XDPB_KIND_NODE;
}

/*
 * Step @i of the walk, for both addresses: their node reads are issued
 * in the same step, so the two cache misses overlap.
 */
static __always_inline void ip6_walk_both(struct ip6_walk *w, __u32 i)
{
	__u32 depth = XDPB_IP6_ROOT_BITS + i * XDPB_IP6_STRIDE;

	ip6_step(w, XDPB_DIR_SRC, depth);
	ip6_step(w, XDPB_DIR_DST, depth);
}

/* Steps from XDPB_IP6_INLINE_STEPS on, through bpf_loop(); 1: stop. */
static long ip6_walk_step(__u32 i, struct ip6_walk *w)
{
	ip6_walk_both(w, XDPB_IP6_INLINE_STEPS + i);
	return ip6_walk_done(w->pair);
}

/*
 * The leaf of one address from its final entry: a LEAF entry is its
 * index, a SINGLE entry the single's leaf if the address is inside its
 * prefix and the single's base otherwise. Returns 0 if there is none.
 */
static __always_inline int ip6_resolve(__u32 gen, struct ip6_pair *p, int dir,
				       struct xdpb_leaf *out)
{
	__u32 entry = p->entry[dir], index = entry & XDPB_ENTRY_INDEX_MASK;
	struct xdpb_ip6_single *single;
	void *table;

	if (entry >> XDPB_KIND_SHIFT == XDPB_KIND_SINGLE) {
		table = bpf_map_lookup_elem(&ip6_single_gens, &gen);
		if (!table)
			return 0;
		single = bpf_map_lookup_elem(table, &index);
		if (!single)
			return 0;
		index = xdpb_ip6_inside(p->hi[dir], p->lo[dir], single->hi,
					single->lo, single->plen)
				? single->leaf
				: single->base;
	} else if (entry >> XDPB_KIND_SHIFT != XDPB_KIND_LEAF) {
		return 0; /* a walk cut short: a table it could not read */
	}
	return gen_leaf(&ip6_leaf_gens, gen, index, out);
}

/* The first and last 64 bits of an address, in host order. */
static __always_inline void ip6_halves(const __u32 *w, __u64 *hi, __u64 *lo)
{
	*hi = (__u64)bpf_ntohl(w[0]) << 32 | bpf_ntohl(w[1]);
	*lo = (__u64)bpf_ntohl(w[2]) << 32 | bpf_ntohl(w[3]);
}

/*
 * Both addresses through the trie: the root's entry for each, then, while
 * either is at a node, the walk down: the first steps inline, the rest
 * through bpf_loop() (an open-coded loop of XDPB_IP6_MAX_STEPS steps with
 * branches in each is more than the verifier likes to walk). Sets
 * @have[dir] and @leaf[dir] as ip4_resolve() does, for xdpb_decide().
 */
static __always_inline void ip6_lookup(__u32 gen, const struct ipv6hdr *ip6,
				       struct xdpb_leaf leaf[XDPB_NR_DIRS],
				       int have[XDPB_NR_DIRS])
{
	__u32 zero = 0;
	struct ip6_pair *p = bpf_map_lookup_elem(&ip6_pair_scratch, &zero);
	struct ip6_walk w = {.gen = gen};
	void *root = bpf_map_lookup_elem(&ip6_root_gens, &gen);

	if (!p || !root)
		return;
	w.pair = p;
	__builtin_memcpy(p->words[XDPB_DIR_SRC], &ip6->saddr, 16);
	__builtin_memcpy(p->words[XDPB_DIR_DST], &ip6->daddr, 16);
	ip6_halves(p->words[XDPB_DIR_SRC], &p->hi[XDPB_DIR_SRC],
		   &p->lo[XDPB_DIR_SRC]);
	ip6_halves(p->words[XDPB_DIR_DST], &p->hi[XDPB_DIR_DST],
		   &p->lo[XDPB_DIR_DST]);
	p->entry[XDPB_DIR_SRC] =
		tbl_chunk_entry(root, p->hi[XDPB_DIR_SRC] >> 48);
	p->entry[XDPB_DIR_DST] =
		tbl_chunk_entry(root, p->hi[XDPB_DIR_DST] >> 48);
	/* the first steps inline: the usual walk never pays for a call */
	for (__u32 i = 0; i < XDPB_IP6_INLINE_STEPS && !ip6_walk_done(p); i++)
		ip6_walk_both(&w, i);
	if (!ip6_walk_done(p))
		bpf_loop(XDPB_IP6_MAX_STEPS - XDPB_IP6_INLINE_STEPS,
			 ip6_walk_step, &w, 0);
	have[XDPB_DIR_SRC] =
		ip6_resolve(gen, p, XDPB_DIR_SRC, &leaf[XDPB_DIR_SRC]);
	have[XDPB_DIR_DST] =
		ip6_resolve(gen, p, XDPB_DIR_DST, &leaf[XDPB_DIR_DST]);
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
