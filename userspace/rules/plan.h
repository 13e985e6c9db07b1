/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A rule set resolved into the tables the datapath reads (plan.c): the
 * address tries (or IPv4's flat tables), the name table and filter;
 * docs/architecture.md, "Resolving overlapping rules".
 */
#ifndef XDPBLOCK_PLAN_H
#define XDPBLOCK_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "rules/ruleset.h"

/*
 * A trie (docs/architecture.md, "The address tries"): the root's
 * 2^root_bits entries, the nodes, the run array, the singles,
 * and the resolved leaves (leaves[0] empty; the i-th distinct prefix in
 * sort order has leaf i + 1; an IPv4 trie's leaves are its plan's).
 */
struct trie_plan {
	uint32_t *root;
	struct xdpb_trie_node *nodes; /* and buckets */
	size_t nr_nodes; /* buckets included */
	size_t nr_buckets;
	uint32_t *runs;
	size_t nr_runs;
	struct xdpb_trie_single *singles;
	size_t nr_singles;
	struct xdpb_leaf *leaves;
	size_t nr_leaves;
	size_t nr_prefixes; /* distinct prefixes */
	uint32_t root_bits; /* XDPB_TRIE_ROOT_BITS() of the family */
	uint32_t max_depth; /* of the deepest node: 16, 22, 28 or 19, 25, ... 127; 0: none */
};

static inline size_t trie_root_entries(const struct trie_plan *plan)
{
	return (size_t)1 << plan->root_bits;
}

/*
 * Resolution. A node is a distinct prefix with its rules. Its leaf
 * combines every rule whose prefix contains the node: allow > drop >
 * monitor, then the longer prefix, then the lower list_id.
 */
struct ip4_plan {
	size_t nr_nodes;
	struct prefix *node_prefix; /* sorted */
	struct xdpb_leaf *leaves; /* leaves[0] empty; node i -> leaf i + 1 */
	size_t nr_leaves;
	size_t nr_long; /* prefixes longer than /16 */
	int flat; /* gen_info.ip4_flat: DIR-24-8 instead of the trie */
	struct trie_plan trie; /* not flat; its leaves are the ones above */
	size_t nr_groups; /* flat: tbl8 groups needed */
	size_t nr_hosts; /* flat: /32 nodes in the host hash (HOSTS blocks) */
};

/*
 * From this many prefixes longer than /16 on, IPv4 is flat: the trie
 * would be over about 10 MiB, mostly out of the caches, and read two or
 * three lines from DRAM where tbl24 reads one (measured at 100k and 1M
 * prefixes, docs/benchmarks.md).
 */
#define IP4_FLAT_MIN_PREFIXES (1u << 18)

int ip4_plan_build(const struct rule_table *t, struct ip4_plan *plan);
/* Make @plan flat; tests use it on small sets. */
void ip4_plan_flatten(struct ip4_plan *plan);
/*
 * Write a flat plan's tables: @tbl24 (XDPB_TBL16_ENTRIES * 256 entries,
 * zeroed), @tbl8 (nr_groups * 256), and the /32 hash contents as two
 * arrays of nr_hosts: @host_addrs (network order) and @host_leaves.
 */
void ip4_plan_fill_flat(const struct ip4_plan *plan, uint32_t *tbl24,
			uint32_t *tbl8, uint32_t *host_addrs,
			uint32_t *host_leaves);
void ip4_plan_free(struct ip4_plan *plan);

int ip6_plan_build(const struct rule_table *t, struct trie_plan *plan);
/* Bytes of the tables the datapath reads. */
size_t trie_plan_bytes(const struct trie_plan *plan);
void trie_plan_free(struct trie_plan *plan);

/*
 * The name table's contents (one entry per distinct listed name, placed
 * by name_table_fill()) and the name filter (2^filter_log2 bits).
 */
struct name_plan {
	struct xdpb_name_key *keys;
	struct xdpb_name_leaf *leaves;
	size_t nr_entries;
	uint64_t *filter;
	size_t filter_bytes;
	size_t nr_above; /* distinct proper suffixes of the names: "above" keys */
	uint8_t filter_log2;
};

int name_plan_build(const struct name_table *t, struct name_plan *plan);
void name_plan_free(struct name_plan *plan);

/* Slots a name table for @nr_entries names starts with (load 1/2). */
uint32_t name_table_slots(size_t nr_entries);

/*
 * Place the plan's names in @slots (@nr_slots of them, zeroed) under
 * @seed, as the datapath searches them (struct xdpb_name_slot). -E2BIG if
 * some name would sit XDPB_NAME_MAX_PROBES or more slots after its home:
 * try again with another seed and more slots.
 */
int name_table_fill(const struct name_plan *plan, struct xdpb_name_slot *slots,
		    uint32_t nr_slots, uint64_t seed);

#endif
