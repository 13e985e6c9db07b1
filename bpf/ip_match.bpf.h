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
 * A flat IPv4 generation (gen_info.ip4_flat, lists of several hundred
 * thousand prefixes): the tbl24 entry of @addr, in the group of its /16.
 * The caller issues both addresses' reads before it branches on either,
 * so that their cache misses overlap.
 */
static __always_inline __u32 ip4_flat_entry(__u32 gen, __be32 addr)
{
	__u32 host_order = bpf_ntohl(addr);
	void *tbl24 = bpf_map_lookup_elem(&ip4_tbl24_gens, &gen);

	if (!tbl24)
		return 0;
	return tbl_chunk_entry(tbl24,
			       (host_order >> 16) * XDPB_TBL24_GROUP_SIZE +
				       ((host_order >> 8) & 0xff));
}

/*
 * The leaf for @addr given its tbl24 @entry, copied into @out; returns 0
 * if there is none.
 */
static __always_inline int ip4_flat_resolve(__u32 gen, __be32 addr, __u32 entry,
					    struct xdpb_leaf *out)
{
	__u32 host_order = bpf_ntohl(addr);
	__u32 leaf_index;
	void *table;

	leaf_index = entry & XDPB_ENTRY_INDEX_MASK;
	switch (entry >> XDPB_KIND_SHIFT) {
	case XDPB_KIND_GROUP:
		table = bpf_map_lookup_elem(&ip4_tbl8_gens, &gen);
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

		table = bpf_map_lookup_elem(&ip4_host_gens, &gen);
		if (!table)
			return 0;
		host_leaf = bpf_map_lookup_elem(table, &addr);

		if (host_leaf)
			leaf_index = *host_leaf;
		break;
	}
	}
	return gen_leaf(&ip4_leaf_gens, gen, leaf_index, out);
}

/*
 * The tries (docs/architecture.md, "The address tries"): IPv6 always,
 * IPv4 unless the generation is flat. One walk serves both; @v4 is a
 * constant wherever these are inlined, so each family's copy reads its
 * own maps. An IPv4 address walks as the first 32 bits of @hi.
 */
#define TRIE_MAP(v4, name) ((v4) ? (void *)&ip4_##name : (void *)&ip6_##name)

/*
 * IPv6 steps walked inline before the rest go through bpf_loop(): two
 * cover almost every address of lists up to 1M random prefixes (a node
 * per /19 and, rarely, one below it), and keep the program small. An IPv4
 * walk is at most XDPB_IP4_MAX_STEPS, all inline.
 */
#define XDPB_IP6_INLINE_STEPS 2

/*
 * What the bpf_loop() callback walking the IPv6 trie needs: the
 * generation (each step fetches its tables) and the walk's state.
 */
struct trie_walk {
	__u32 gen;
	struct addr_pair *pair;
};

/*
 * One step down for one address, if its entry is a node: to the child of
 * the next six bits, a node or a single (counted among the node's
 * children of its kind), or the leaf of its run (counted among the runs
 * before it).
 */
static __always_inline void trie_step(struct trie_walk *w, int dir, __u32 depth,
				      const int v4)
{
	struct addr_pair *p = w->pair;
	__u32 entry = p->entry[dir], index, k;
	struct xdpb_trie_node *node;
	void *nodes, *runs;
	__u64 bit, upto;

	if (entry >> XDPB_KIND_SHIFT != XDPB_KIND_NODE)
		return;
	index = entry & XDPB_ENTRY_INDEX_MASK;
	nodes = bpf_map_lookup_elem(TRIE_MAP(v4, node_gens), &w->gen);
	node = nodes ? bpf_map_lookup_elem(nodes, &index) : NULL;
	if (!node) {
		p->entry[dir] = 0;
		return;
	}
	bit = 1ULL << xdpb_trie_child(p->hi[dir], p->lo[dir], depth);
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
	if (node->run_base != XDPB_TRIE_RUNS_INLINE) {
		runs = bpf_map_lookup_elem(TRIE_MAP(v4, run_gens), &w->gen);
		k = runs ? tbl_chunk_entry(runs, node->run_base + k) : 0;
	} else if (k < XDPB_TRIE_NODE_RUNS) {
		/*
		 * run[k] read as a word of the line at a masked index: 6.1's
		 * verifier loses the check above when the compiler reloads k
		 * from the stack for the read, and the mask keeps any index
		 * inside the line.
		 */
		k = node->word[(XDPB_TRIE_NODE_RUN_WORD + k) & 15];
	} else {
		k = 0; /* a node the builder would not make */
	}
	p->entry[dir] = k & XDPB_ENTRY_INDEX_MASK; /* a LEAF entry */
}

/* The walk is over: neither address is at a node. */
static __always_inline int trie_walk_done(const struct addr_pair *p)
{
	return p->entry[XDPB_DIR_SRC] >> XDPB_KIND_SHIFT != XDPB_KIND_NODE &&
	       p->entry[XDPB_DIR_DST] >> XDPB_KIND_SHIFT != XDPB_KIND_NODE;
}

/*
 * Step @i of the walk, for both addresses: their node reads are issued
 * in the same step, so the two cache misses overlap.
 */
static __always_inline void trie_walk_both(struct trie_walk *w, __u32 i,
					   const int v4)
{
	__u32 depth = XDPB_TRIE_ROOT_BITS(v4) + i * XDPB_TRIE_STRIDE;

	trie_step(w, XDPB_DIR_SRC, depth, v4);
	trie_step(w, XDPB_DIR_DST, depth, v4);
}

/* IPv6 steps from XDPB_IP6_INLINE_STEPS on, through bpf_loop(); 1: stop. */
static long ip6_walk_step(__u32 i, struct trie_walk *w)
{
	trie_walk_both(w, XDPB_IP6_INLINE_STEPS + i, 0);
	return trie_walk_done(w->pair);
}

/*
 * The leaf of one address from its final entry: a LEAF entry is its
 * index, a SINGLE entry the single's leaf if the address is inside its
 * prefix and the single's base otherwise, a BUCKET entry the leaf of its
 * longest prefix that holds the address. Returns 0 if there is
 * none.
 */
static __always_inline int trie_resolve(__u32 gen, struct addr_pair *p, int dir,
					struct xdpb_leaf *out, const int v4)
{
	__u32 entry = p->entry[dir], index = entry & XDPB_ENTRY_INDEX_MASK;
	struct xdpb_trie_single *single;
	void *table, *bucket;

	if (entry >> XDPB_KIND_SHIFT == XDPB_KIND_BUCKET) {
		table = bpf_map_lookup_elem(TRIE_MAP(v4, node_gens), &gen);
		if (!table)
			return 0;
		bucket = bpf_map_lookup_elem(table, &index);
		if (!bucket)
			return 0;
		index = v4 ? xdpb_ip4_bucket_leaf(bucket,
						  (__u32)(p->hi[dir] >> 32))
			   : xdpb_ip6_bucket_leaf(bucket, p->hi[dir],
						  p->lo[dir]);
	} else if (entry >> XDPB_KIND_SHIFT == XDPB_KIND_SINGLE) {
		/* its leaves are in its line: no read of the leaf array */
		table = bpf_map_lookup_elem(TRIE_MAP(v4, single_gens), &gen);
		if (!table)
			return 0;
		single = bpf_map_lookup_elem(table, &index);
		if (!single)
			return 0;
		if (xdpb_trie_inside(p->hi[dir], p->lo[dir], single->hi,
				     single->lo, single->plen)) {
			*out = single->inside;
			return single->leaf != 0;
		}
		*out = single->outside;
		return single->base != 0;
	} else if (entry >> XDPB_KIND_SHIFT != XDPB_KIND_LEAF) {
		return 0; /* a walk cut short: a table it could not read */
	}
	return gen_leaf(TRIE_MAP(v4, leaf_gens), gen, index, out);
}

/*
 * Both addresses from the root entries in @p down to their leaves; sets
 * @have[dir] and @leaf[dir] for xdpb_decide(). IPv6 walks its first
 * steps inline and the rest through bpf_loop() (an open-coded loop of
 * XDPB_IP6_MAX_STEPS steps with branches in each is more than the
 * verifier likes to walk); IPv4 never has more than XDPB_IP4_MAX_STEPS.
 */
static __always_inline void trie_lookup(__u32 gen, struct addr_pair *p,
					struct xdpb_leaf leaf[XDPB_NR_DIRS],
					int have[XDPB_NR_DIRS], const int v4)
{
	struct trie_walk w = {.gen = gen, .pair = p};
	__u32 inline_steps = v4 ? XDPB_IP4_MAX_STEPS : XDPB_IP6_INLINE_STEPS;

	/* the first steps inline: the usual walk never pays for a call */
	for (__u32 i = 0; i < inline_steps && !trie_walk_done(p); i++)
		trie_walk_both(&w, i, v4);
	if (!v4 && !trie_walk_done(p))
		bpf_loop(XDPB_IP6_MAX_STEPS - XDPB_IP6_INLINE_STEPS,
			 ip6_walk_step, &w, 0);
	have[XDPB_DIR_SRC] =
		trie_resolve(gen, p, XDPB_DIR_SRC, &leaf[XDPB_DIR_SRC], v4);
	have[XDPB_DIR_DST] =
		trie_resolve(gen, p, XDPB_DIR_DST, &leaf[XDPB_DIR_DST], v4);
}

/* The root's entry for the address whose first 64 bits are @hi. */
static __always_inline __u32 trie_root_entry(void *root, __u64 hi, const int v4)
{
	return tbl_chunk_entry(root, hi >> (64 - XDPB_TRIE_ROOT_BITS(v4)));
}

/*
 * The leaves of both IPv4 addresses (network order): through the trie,
 * or the flat tables in a flat generation. Sets @have[dir] and
 * @leaf[dir] for xdpb_decide().
 */
static __always_inline void ip4_lookup(__u32 gen,
				       const struct xdpb_gen_info *info,
				       __be32 saddr, __be32 daddr,
				       struct xdpb_leaf leaf[XDPB_NR_DIRS],
				       int have[XDPB_NR_DIRS])
{
	__u32 zero = 0, src_entry, dst_entry;
	struct addr_pair *p;
	void *root;

	if (info->ip4_flat) {
		/* both reads before either result is used: see above */
		src_entry = ip4_flat_entry(gen, saddr);
		dst_entry = ip4_flat_entry(gen, daddr);
		have[XDPB_DIR_SRC] = ip4_flat_resolve(gen, saddr, src_entry,
						      &leaf[XDPB_DIR_SRC]);
		have[XDPB_DIR_DST] = ip4_flat_resolve(gen, daddr, dst_entry,
						      &leaf[XDPB_DIR_DST]);
		return;
	}
	p = bpf_map_lookup_elem(&addr_pair_scratch, &zero);
	root = bpf_map_lookup_elem(&ip4_root_gens, &gen);
	if (!p || !root)
		return;
	p->hi[XDPB_DIR_SRC] = (__u64)bpf_ntohl(saddr) << 32;
	p->hi[XDPB_DIR_DST] = (__u64)bpf_ntohl(daddr) << 32;
	p->lo[XDPB_DIR_SRC] = p->lo[XDPB_DIR_DST] = 0;
	p->entry[XDPB_DIR_SRC] = trie_root_entry(root, p->hi[XDPB_DIR_SRC], 1);
	p->entry[XDPB_DIR_DST] = trie_root_entry(root, p->hi[XDPB_DIR_DST], 1);
	trie_lookup(gen, p, leaf, have, 1);
}

/* The first and last 64 bits of an address, in host order. */
static __always_inline void ip6_halves(const __u32 *w, __u64 *hi, __u64 *lo)
{
	*hi = (__u64)bpf_ntohl(w[0]) << 32 | bpf_ntohl(w[1]);
	*lo = (__u64)bpf_ntohl(w[2]) << 32 | bpf_ntohl(w[3]);
}

/* The leaves of both IPv6 addresses, as ip4_lookup() for IPv4. */
static __always_inline void ip6_lookup(__u32 gen, const struct ipv6hdr *ip6,
				       struct xdpb_leaf leaf[XDPB_NR_DIRS],
				       int have[XDPB_NR_DIRS])
{
	__u32 zero = 0;
	struct addr_pair *p = bpf_map_lookup_elem(&addr_pair_scratch, &zero);
	void *root = bpf_map_lookup_elem(&ip6_root_gens, &gen);

	if (!p || !root)
		return;
	__builtin_memcpy(p->words[XDPB_DIR_SRC], &ip6->saddr, 16);
	__builtin_memcpy(p->words[XDPB_DIR_DST], &ip6->daddr, 16);
	ip6_halves(p->words[XDPB_DIR_SRC], &p->hi[XDPB_DIR_SRC],
		   &p->lo[XDPB_DIR_SRC]);
	ip6_halves(p->words[XDPB_DIR_DST], &p->hi[XDPB_DIR_DST],
		   &p->lo[XDPB_DIR_DST]);
	p->entry[XDPB_DIR_SRC] = trie_root_entry(root, p->hi[XDPB_DIR_SRC], 0);
	p->entry[XDPB_DIR_DST] = trie_root_entry(root, p->hi[XDPB_DIR_DST], 0);
	trie_lookup(gen, p, leaf, have, 0);
}

/*
 * May the address whose first 64 bits are @src_hi, or @dst_hi, be
 * protected? Their bits in the family's hint (protected_hint): clear for
 * both, and the tries need not be asked.
 */
static __always_inline int protect_hint(__u64 src_hi, __u64 dst_hi,
					const int v4)
{
	__u32 family = v4 ? 0 : 1;
	__u32 src = XDPB_PROTECT_HINT_SLOT(src_hi, v4);
	__u32 dst = XDPB_PROTECT_HINT_SLOT(dst_hi, v4);
	struct xdpb_protect_hint *hint;

	hint = bpf_map_lookup_elem(&protected_hint, &family);
	if (!hint)
		return 1; /* cannot tell: ask the tries */
	return (hint->word[src / 64] >> (src % 64) & 1) ||
	       (hint->word[dst / 64] >> (dst % 64) & 1);
}

/*
 * Is the source or the destination address protected (protected4)? Asked
 * only when an address rule would drop the packet, so a passing packet
 * pays nothing; the hint's two bits, and two LPM trie lookups on a small
 * trie for an address near a protected one.
 */
static __always_inline int ip4_protected(__be32 saddr, __be32 daddr)
{
	struct xdpb_protect4_key key = {.prefixlen = 32};

	if (!protect_hint((__u64)bpf_ntohl(saddr) << 32,
			  (__u64)bpf_ntohl(daddr) << 32, 1))
		return 0;
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
	struct addr_pair *pair = bpf_map_lookup_elem(&addr_pair_scratch, &zero);

	if (!pair)
		return 0;
	if (!protect_hint(pair->hi[XDPB_DIR_SRC], pair->hi[XDPB_DIR_DST], 0))
		return 0;
	pair->protect_key.prefixlen = 128;
	__builtin_memcpy(pair->protect_key.addr, pair->words[XDPB_DIR_SRC], 16);
	if (bpf_map_lookup_elem(&protected6, &pair->protect_key))
		return 1;
	__builtin_memcpy(pair->protect_key.addr, pair->words[XDPB_DIR_DST], 16);
	return bpf_map_lookup_elem(&protected6, &pair->protect_key) != NULL;
}

#endif /* XDPBLOCK_IP_MATCH_BPF_H */
