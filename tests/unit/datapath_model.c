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
static char tbl16_map, tbl24_map, tbl8_map, host_map, leaf4_map, root6_map,
	node6_map, run6_map, single6_map, leaf6_map;
static struct ip6_pair pair;

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

void *bpf_map_lookup_elem(void *map, const void *key)
{
	uint32_t index;

	memcpy(&index, key, sizeof(index)); /* every array's key */
	if (map == &ip4_tbl16_gens)
		return &tbl16_map;
	if (map == &ip4_tbl24_gens)
		return &tbl24_map;
	if (map == &ip4_tbl8_gens)
		return &tbl8_map;
	if (map == &ip4_host_gens)
		return &host_map;
	if (map == &ip4_leaf_gens)
		return &leaf4_map;
	if (map == &ip6_root_gens)
		return &root6_map;
	if (map == &ip6_node_gens)
		return &node6_map;
	if (map == &ip6_run_gens)
		return &run6_map;
	if (map == &ip6_single_gens)
		return &single6_map;
	if (map == &ip6_leaf_gens)
		return &leaf6_map;
	if (map == &ip6_pair_scratch)
		return &pair;
	if (map == &tbl16_map)
		return array_elem(cur->tbl16,
				  XDPB_TBL16_ENTRIES / XDPB_TBL_CHUNK,
				  sizeof(struct xdpb_tbl_chunk), index);
	if (map == &tbl24_map) {
		stats->tbl24_lookups++;
		return array_elem(cur->tbl24,
				  cur->nr_tbl24_groups * XDPB_TBL24_GROUP_SIZE /
					  XDPB_TBL_CHUNK,
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
	if (map == &root6_map)
		return array_elem(cur->root6,
				  XDPB_IP6_ROOT_ENTRIES / XDPB_TBL_CHUNK,
				  sizeof(struct xdpb_tbl_chunk), index);
	if (map == &node6_map) {
		steps++;
		return array_elem(cur->nodes6, cur->nr_nodes6,
				  sizeof(struct xdpb_ip6_node), index);
	}
	if (map == &run6_map) {
		stats->run_array_reads++;
		return array_elem(cur->runs6, cur->nr_run_chunks6,
				  sizeof(struct xdpb_tbl_chunk), index);
	}
	if (map == &single6_map)
		return array_elem(cur->singles6, cur->nr_singles6,
				  sizeof(struct xdpb_ip6_single), index);
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

int model_ip4_lookup(const struct model_tables *t, uint32_t addr_be,
		     struct xdpb_leaf *out, struct model_stats *st)
{
	struct ip4_tables tables;
	__u32 entry;

	cur = t;
	stats = st;
	ip4_tables_get(0, t->info, &tables);
	entry = ip4_tbl16_entry(&tables, addr_be);
	entry = ip4_entry(&tables, addr_be, entry);
	if (entry >> XDPB_KIND_SHIFT == XDPB_KIND_HOST1 &&
	    ((entry >> XDPB_HOST1_OCTET_SHIFT) & 0xff) ==
		    (bpf_ntohl(addr_be) & 0xff))
		st->host1_hits++;
	return ip4_resolve(&tables, addr_be, entry, out);
}

int model_ip6_lookup(const struct model_tables *t, const uint8_t addr[16],
		     struct xdpb_leaf *out, struct model_stats *st)
{
	struct xdpb_leaf leaf[XDPB_NR_DIRS];
	struct model_stats both = {0};
	int have[XDPB_NR_DIRS] = {0};
	struct ipv6hdr ip6;
	__u32 entry;

	cur = t;
	stats = &both;
	steps = 0;
	memset(&ip6, 0, sizeof(ip6));
	memcpy(&ip6.saddr, addr, 16);
	memcpy(&ip6.daddr, addr, 16);
	ip6_lookup(0, &ip6, leaf, have);
	if (have[XDPB_DIR_SRC] != have[XDPB_DIR_DST] ||
	    pair.entry[XDPB_DIR_SRC] != pair.entry[XDPB_DIR_DST])
		abort(); /* one address, two answers */
	entry = pair.entry[XDPB_DIR_SRC];
	if (entry >> XDPB_KIND_SHIFT == XDPB_KIND_NODE)
		st->unfinished++;
	if (entry >> XDPB_KIND_SHIFT == XDPB_KIND_SINGLE) {
		const struct xdpb_ip6_single *s =
			&t->singles6[entry & XDPB_ENTRY_INDEX_MASK];
		if (xdpb_ip6_inside(pair.hi[XDPB_DIR_SRC],
				    pair.lo[XDPB_DIR_SRC], s->hi, s->lo,
				    s->plen))
			st->single_hits++;
		else
			st->single_misses++;
	}
	/* both directions walked the same address: every count twice */
	st->node_steps += steps / 2;
	if (steps / 2 > st->max_steps)
		st->max_steps = steps / 2;
	st->run_array_reads += both.run_array_reads / 2;
	st->bad_index += both.bad_index;
	out->dir[XDPB_DIR_SRC] = leaf[XDPB_DIR_SRC].dir[XDPB_DIR_SRC];
	out->dir[XDPB_DIR_DST] = leaf[XDPB_DIR_DST].dir[XDPB_DIR_DST];
	return have[XDPB_DIR_SRC];
}
