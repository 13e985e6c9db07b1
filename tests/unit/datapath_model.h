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

/*
 * One generation's tables, as the loader fills the maps (not const: a
 * map lookup hands out writable elements).
 */
struct model_tables {
	uint32_t *tbl16, *tbl24, *tbl8;
	size_t nr_tbl24_groups, nr_groups;
	struct model_host *hosts; /* sorted by model_host_cmp() */
	size_t nr_hosts;
	struct xdpb_leaf *leaves4;
	size_t nr_leaves4;
	struct xdpb_gen_info *info;
	/* the IPv6 trie: root (XDPB_IP6_ROOT_ENTRIES), runs in whole chunks */
	uint32_t *root6, *runs6;
	size_t nr_run_chunks6;
	struct xdpb_ip6_node *nodes6;
	size_t nr_nodes6;
	struct xdpb_ip6_single *singles6;
	size_t nr_singles6;
	struct xdpb_leaf *leaves6;
	size_t nr_leaves6;
};

/* What the lookups went through, and any index the maps would refuse. */
struct model_stats {
	size_t tbl24_lookups, group_lookups, host_hits, host_misses, host1_hits;
	/* IPv6: node steps, runs read from the run array, singles checked */
	size_t node_steps, run_array_reads, single_hits, single_misses;
	size_t max_steps; /* the most node steps of one address */
	size_t unfinished; /* walks still at a node after the last step */
	size_t bad_index;
};

int model_host_cmp(const void *a, const void *b);

/*
 * ip4_tbl16_entry(), ip4_entry() and ip4_resolve(): the leaf of @addr_be,
 * 0 if none.
 */
int model_ip4_lookup(const struct model_tables *t, uint32_t addr_be,
		     struct xdpb_leaf *out, struct model_stats *st);
/* ip6_lookup(), for @addr as source and destination: its leaf, 0 if none. */
int model_ip6_lookup(const struct model_tables *t, const uint8_t addr[16],
		     struct xdpb_leaf *out, struct model_stats *st);

#endif
