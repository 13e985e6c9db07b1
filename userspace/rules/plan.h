/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A rule set resolved into the tables the datapath reads (plan.c): the
 * IPv4 DIR-16-8-8 tables, the IPv6 trie, the name table and filter; docs/architecture.md, "Resolving overlapping rules".
 */
#ifndef XDPBLOCK_PLAN_H
#define XDPBLOCK_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "rules/ruleset.h"

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
	/* /16s holding a prefix longer than /16; all of them when flat */
	size_t nr_tbl24_groups;
	int flat; /* gen_info.ip4_flat: a group per /16, in /16 order */
	size_t nr_groups; /* tbl8 groups needed */
	size_t nr_hosts; /* /32 nodes in the host hash (HOSTS blocks) */
};

/*
 * From this many tbl24 groups on, a plan is flat: a /16 without a group
 * is then mostly a /16 without rules (the benchmark's 100k rules need
 * groups in 46,853 /16s, 1k rules in 993), and sparing tbl16 its 192 KiB
 * of leaf entries cannot pay for a tbl16 read on every address.
 */
#define IP4_FLAT_MIN_GROUPS (XDPB_TBL16_ENTRIES / 2)

int ip4_plan_build(const struct rule_table *t, struct ip4_plan *plan);
/* Make @plan flat (before ip4_plan_fill()); tests use it on small sets. */
void ip4_plan_flatten(struct ip4_plan *plan);
/*
 * Write the tables: @tbl16 (XDPB_TBL16_ENTRIES, zeroed), @tbl24
 * (nr_tbl24_groups * 256), @tbl8 (nr_groups * 256), and the /32 hash
 * contents as two arrays of nr_hosts: @host_addrs (network order) and
 * @host_leaves. A flat plan's tbl16 is valid too: its GROUP entries name
 * the /16's own group.
 */
void ip4_plan_fill(const struct ip4_plan *plan, uint32_t *tbl16,
		   uint32_t *tbl24, uint32_t *tbl8, uint32_t *host_addrs,
		   uint32_t *host_leaves);
void ip4_plan_free(struct ip4_plan *plan);

/*
 * The IPv6 trie (docs/architecture.md): the root's XDPB_IP6_ROOT_ENTRIES
 * entries, the nodes, the run array, the singles, and the resolved
 * leaves (leaves[0] empty; the i-th distinct prefix in sort order has
 * leaf i + 1).
 */
struct ip6_plan {
	uint32_t *root;
	struct xdpb_ip6_node *nodes;
	size_t nr_nodes;
	uint32_t *runs;
	size_t nr_runs;
	struct xdpb_ip6_single *singles;
	size_t nr_singles;
	struct xdpb_leaf *leaves;
	size_t nr_leaves;
	size_t nr_prefixes; /* distinct prefixes */
	uint32_t max_depth; /* of the deepest node: 16, 22, ... 124; 0: none */
};

int ip6_plan_build(const struct rule_table *t, struct ip6_plan *plan);
/* Bytes of the tables the datapath reads. */
size_t ip6_plan_bytes(const struct ip6_plan *plan);
void ip6_plan_free(struct ip6_plan *plan);

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
