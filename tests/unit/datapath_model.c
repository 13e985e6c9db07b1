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
static size_t filter_reads, prefix_reads;

/* what an outer map's lookup returns: the inner map it names */
static char tbl16_map, tbl24_map, tbl8_map, host_map, leaf4_map, prefix_map,
	filter_map;
static struct ip6_pair pair;

int model_host_cmp(const void *a, const void *b)
{
	const struct model_host *x = a, *y = b;

	return memcmp(&x->addr_be, &y->addr_be, 4);
}

int model_key_cmp(const void *a, const void *b)
{
	const struct model_key *x = a, *y = b;

	return memcmp(&x->key, &y->key, sizeof(x->key));
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
	if (map == &ip6_prefix_gens)
		return &prefix_map;
	if (map == &ip6_filter_gens)
		return &filter_map;
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
	if (map == &filter_map) {
		filter_reads++;
		return array_elem(cur->filter,
				  cur->filter_bytes /
					  sizeof(struct xdpb_filter_chunk),
				  sizeof(struct xdpb_filter_chunk), index);
	}
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
	if (map == &prefix_map) {
		struct model_key k;
		struct model_key *hit;

		memset(&k, 0, sizeof(k));
		memcpy(&k.key, key, sizeof(k.key));
		prefix_reads++;
		hit = bsearch(&k, cur->keys, cur->nr_keys, sizeof(k),
			      model_key_cmp);
		if (!hit) {
			stats->filter_false_positives++;
			return NULL;
		}
		return &cur->leaves6[hit->idx];
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
	if (ip4_tables_get(0, t->info, &tables) < 0)
		abort();
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

	cur = t;
	stats = &both;
	filter_reads = prefix_reads = 0;
	memset(&ip6, 0, sizeof(ip6));
	memcpy(&ip6.saddr, addr, 16);
	memcpy(&ip6.daddr, addr, 16);
	ip6_lookup(&prefix_map, &filter_map, t->info, &ip6, leaf, have);
	if (have[XDPB_DIR_SRC] != have[XDPB_DIR_DST])
		abort(); /* one address, two answers */
	/* both directions probed the same address: every count twice */
	st->filter_skips += (filter_reads - prefix_reads) / 2;
	st->filter_false_positives += both.filter_false_positives / 2;
	st->bad_index += both.bad_index;
	out->dir[XDPB_DIR_SRC] = leaf[XDPB_DIR_SRC].dir[XDPB_DIR_SRC];
	out->dir[XDPB_DIR_DST] = leaf[XDPB_DIR_DST].dir[XDPB_DIR_DST];
	return have[XDPB_DIR_SRC];
}
