/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The datapath's address lookups run in userspace: the code of
 * bpf/ip_match.bpf.h itself, compiled against in-memory copies of one
 * generation's tables (datapath_model.c, through tests/unit/bpf_shim.h).
 * The IPv4 host hash is a sorted array searched for the exact key.
 */
#ifndef XDPBLOCK_DATAPATH_MODEL_H
#define XDPBLOCK_DATAPATH_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "../../maps/xdpblock_abi.h"

struct model_host {
	uint32_t addr_be;
	uint32_t leaf;
};

/* One trie as its maps hold it: runs in whole chunks. */
struct model_trie {
	uint32_t *root; /* XDPB_TRIE_ROOT_ENTRIES() of the family */
	uint32_t *runs;
	size_t nr_run_chunks;
	struct xdpb_trie_node *nodes;
	size_t nr_nodes;
	struct xdpb_trie_single *singles;
	size_t nr_singles;
};

/*
 * One generation's tables, as the loader fills the maps (not const: a
 * map lookup hands out writable elements).
 */
struct model_tables {
	struct model_trie trie4, trie6;
	/* flat IPv4 (info->ip4_flat): tbl24 of XDPB_TBL16_ENTRIES groups */
	uint32_t *tbl24, *tbl8;
	size_t nr_groups;
	struct model_host *hosts; /* sorted by model_host_cmp() */
	size_t nr_hosts;
	struct xdpb_leaf *leaves4;
	size_t nr_leaves4;
	struct xdpb_leaf *leaves6;
	size_t nr_leaves6;
	struct xdpb_gen_info *info;
};

/* What the lookups went through, and any index the maps would refuse. */
struct model_stats {
	/* flat IPv4 */
	size_t tbl24_lookups, group_lookups, host_hits, host_misses, host1_hits;
	/* the tries: node steps, runs read from the run array, singles */
	size_t node_steps, run_array_reads, single_hits, single_misses;
	size_t max_steps; /* the most node steps of one address */
	size_t unfinished; /* walks still at a node after the last step */
	size_t bad_index;
};

int model_host_cmp(const void *a, const void *b);

/* ip4_lookup(), for @addr_be as source and destination: its leaf, 0 if none. */
int model_ip4_lookup(const struct model_tables *t, uint32_t addr_be,
		     struct xdpb_leaf *out, struct model_stats *st);
/* ip6_lookup(), for @addr as source and destination: its leaf, 0 if none. */
int model_ip6_lookup(const struct model_tables *t, const uint8_t addr[16],
		     struct xdpb_leaf *out, struct model_stats *st);

#endif
