// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The datapath's address lookups, compiled from bpf/ip_match.bpf.h for
 * userspace (see datapath_model.h). bpf_map_lookup_elem() below plays the
 * maps: an outer map's lookup returns the tag of one of the tables, and a
 * table's lookup returns the element, or NULL where the kernel would
 * (an index past the array, a key not in the hash), counting what the
 * lookup went through on the way.
 */
#include <stdlib.h>
#include <string.h>

#include "bpf_shim.h"
#include "../../bpf/ip_match.bpf.h"

#include "datapath_model.h"

/* the tables of the lookup under way, and its counts */
static const struct model_tables *cur;
static struct model_stats *stats;
static size_t steps; /* node reads of the lookup under way */

/* what an outer map's lookup returns: the inner map it names */
static char root4_map, node4_map, run4_map, single4_map, tbl24_map, tbl8_map,
	host_map, leaf4_map, root6_map, node6_map, run6_map, single6_map,
	leaf6_map;
static struct addr_pair pair;

int model_host_cmp(const void *a, const void *b)
{
	const struct model_host *x = a, *y = b;

	return memcmp(&x->addr_be, &y->addr_be, 4);
}

/* element @index of an array of @nr elements of @size bytes, or NULL */
static void *array_elem(void *base, size_t nr, size_t size, uint32_t index)
{
	if (index >= nr) {
		stats->bad_index++;
		return NULL;
	}
	return (char *)base + (size_t)index * size;
}

/* element @index of the trie table @map: its root, nodes, runs or singles */
static void *trie_elem(const struct model_trie *t, void *map, char *root,
		       char *nodes, char *runs, uint32_t index)
{
	if (map == root) /* the family's size, as the map's */
		return array_elem(t->root,
				  XDPB_TRIE_ROOT_ENTRIES(root == &root4_map) /
					  XDPB_TBL_CHUNK,
				  sizeof(struct xdpb_tbl_chunk), index);
	if (map == nodes) {
		steps++;
		return array_elem(t->nodes, t->nr_nodes,
				  sizeof(struct xdpb_trie_node), index);
	}
	if (map == runs) {
		stats->run_array_reads++;
		return array_elem(t->runs, t->nr_run_chunks,
				  sizeof(struct xdpb_tbl_chunk), index);
	}
	return array_elem(t->singles, t->nr_singles,
			  sizeof(struct xdpb_trie_single), index);
}

void *bpf_map_lookup_elem(void *map, const void *key)
{
	struct {
		void *outer;
		char *inner;
	} outers[] = {
		{&ip4_root_gens, &root4_map},
		{&ip4_node_gens, &node4_map},
		{&ip4_run_gens, &run4_map},
		{&ip4_single_gens, &single4_map},
		{&ip4_tbl24_gens, &tbl24_map},
		{&ip4_tbl8_gens, &tbl8_map},
		{&ip4_host_gens, &host_map},
		{&ip4_leaf_gens, &leaf4_map},
		{&ip6_root_gens, &root6_map},
		{&ip6_node_gens, &node6_map},
		{&ip6_run_gens, &run6_map},
		{&ip6_single_gens, &single6_map},
		{&ip6_leaf_gens, &leaf6_map},
		{&addr_pair_scratch, (char *)&pair},
	};
	uint32_t index;

	memcpy(&index, key, sizeof(index)); /* every array's key */
	for (size_t i = 0; i < sizeof(outers) / sizeof(outers[0]); i++)
		if (map == outers[i].outer)
			return outers[i].inner;
	if (map == &root4_map || map == &node4_map || map == &run4_map ||
	    map == &single4_map)
		return trie_elem(&cur->trie4, map, &root4_map, &node4_map,
				 &run4_map, index);
	if (map == &root6_map || map == &node6_map || map == &run6_map ||
	    map == &single6_map)
		return trie_elem(&cur->trie6, map, &root6_map, &node6_map,
				 &run6_map, index);
	if (map == &tbl24_map) {
		stats->tbl24_lookups++;
		return array_elem(cur->tbl24,
				  cur->info->ip4_flat
					  ? (size_t)XDPB_TBL16_ENTRIES *
						    XDPB_TBL24_GROUP_SIZE /
						    XDPB_TBL_CHUNK
					  : 0,
				  sizeof(struct xdpb_tbl_chunk), index);
	}
	if (map == &tbl8_map) {
		stats->group_lookups++;
		return array_elem(cur->tbl8,
				  cur->nr_groups * XDPB_TBL8_GROUP_SIZE /
					  XDPB_TBL_CHUNK,
				  sizeof(struct xdpb_tbl_chunk), index);
	}
	if (map == &leaf4_map)
		return array_elem(cur->leaves4, cur->nr_leaves4,
				  sizeof(struct xdpb_leaf), index);
	if (map == &leaf6_map)
		return array_elem(cur->leaves6, cur->nr_leaves6,
				  sizeof(struct xdpb_leaf), index);
	if (map == &host_map) {
		struct model_host k = {.addr_be = index};
		struct model_host *h = bsearch(&k, cur->hosts, cur->nr_hosts,
					       sizeof(k), model_host_cmp);

		if (!h) {
			stats->host_misses++;
			return NULL;
		}
		stats->host_hits++;
		return &h->leaf;
	}
	abort(); /* a map this model does not hold */
}

/*
 * After a lookup of one address as both source and destination: the
 * counts of one walk into @st (the model counted both), its leaf into
 * @out, 0 if none.
 */
static int both_to_one(const struct model_trie *t, struct model_stats *st,
		       const struct model_stats *both,
		       const struct xdpb_leaf leaf[XDPB_NR_DIRS],
		       const int have[XDPB_NR_DIRS], struct xdpb_leaf *out)
{
	__u32 entry;

	if (have[XDPB_DIR_SRC] != have[XDPB_DIR_DST] ||
	    pair.entry[XDPB_DIR_SRC] != pair.entry[XDPB_DIR_DST])
		abort(); /* one address, two answers */
	entry = pair.entry[XDPB_DIR_SRC];
	if (entry >> XDPB_KIND_SHIFT == XDPB_KIND_NODE)
		st->unfinished++;
	if (entry >> XDPB_KIND_SHIFT == XDPB_KIND_SINGLE &&
	    (entry & XDPB_ENTRY_INDEX_MASK) < t->nr_singles) {
		const struct xdpb_trie_single *s =
			&t->singles[entry & XDPB_ENTRY_INDEX_MASK];
		if (xdpb_trie_inside(pair.hi[XDPB_DIR_SRC],
				     pair.lo[XDPB_DIR_SRC], s->hi, s->lo,
				     s->plen))
			st->single_hits++;
		else
			st->single_misses++;
	}
	st->node_steps += steps / 2;
	if (steps / 2 > st->max_steps)
		st->max_steps = steps / 2;
	st->run_array_reads += both->run_array_reads / 2;
	st->bad_index += both->bad_index;
	out->dir[XDPB_DIR_SRC] = leaf[XDPB_DIR_SRC].dir[XDPB_DIR_SRC];
	out->dir[XDPB_DIR_DST] = leaf[XDPB_DIR_DST].dir[XDPB_DIR_DST];
	return have[XDPB_DIR_SRC];
}

int model_ip4_lookup(const struct model_tables *t, uint32_t addr_be,
		     struct xdpb_leaf *out, struct model_stats *st)
{
	struct xdpb_leaf leaf[XDPB_NR_DIRS];
	struct model_stats both = {0};
	int have[XDPB_NR_DIRS] = {0};

	cur = t;
	if (t->info->ip4_flat) {
		__u32 entry;

		stats = st;
		entry = ip4_flat_entry(0, addr_be);
		if (entry >> XDPB_KIND_SHIFT == XDPB_KIND_HOST1 &&
		    ((entry >> XDPB_HOST1_OCTET_SHIFT) & 0xff) ==
			    (bpf_ntohl(addr_be) & 0xff))
			st->host1_hits++;
		return ip4_flat_resolve(0, addr_be, entry, out);
	}
	stats = &both;
	steps = 0;
	ip4_lookup(0, t->info, addr_be, addr_be, leaf, have);
	return both_to_one(&t->trie4, st, &both, leaf, have, out);
}

int model_ip6_lookup(const struct model_tables *t, const uint8_t addr[16],
		     struct xdpb_leaf *out, struct model_stats *st)
{
	struct xdpb_leaf leaf[XDPB_NR_DIRS];
	struct model_stats both = {0};
	int have[XDPB_NR_DIRS] = {0};
	struct ipv6hdr ip6;

	cur = t;
	stats = &both;
	steps = 0;
	memset(&ip6, 0, sizeof(ip6));
	memcpy(&ip6.saddr, addr, 16);
	memcpy(&ip6.daddr, addr, 16);
	ip6_lookup(0, &ip6, leaf, have);
	return both_to_one(&t->trie6, st, &both, leaf, have, out);
}
