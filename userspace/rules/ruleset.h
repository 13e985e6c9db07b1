/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rule sets: the rules of every list, with stable rule ids, and their
 * resolution into the tables the datapath reads (maps/xdpblock_maps.h).
 * Pure userspace: no BPF calls here, so all of it is unit-tested.
 */
#ifndef XDPBLOCK_RULESET_H
#define XDPBLOCK_RULESET_H

#include <stddef.h>
#include <stdint.h>

#include "../../maps/xdpblock_maps.h"
#include "common/prefix.h"

struct rule {
	struct prefix prefix;
	uint16_t list_id;
	uint8_t action; /* enum xdpb_action */
	uint8_t match; /* enum xdpb_match_dirs */
	uint32_t rule_id;
	uint32_t line; /* line in the list file, for lookups */
};

/* One family's rules, sorted by (prefix, list_id), no duplicates. */
struct rule_table {
	struct rule *rules;
	size_t nr, cap;
};

/*
 * A domain rule. The name's canonical text is in its table's text arena;
 * the key is that of the whole name (names.h).
 */
struct name_rule {
	struct xdpb_name_key key;
	uint32_t text_off;
	uint32_t rule_id;
	uint32_t line;
	uint16_t list_id;
	uint8_t action; /* enum xdpb_action */
	uint8_t kind; /* enum xdpb_name_kind */
	uint8_t labels;
};

/* Domain rules, sorted by (key, name, kind, list_id), no duplicates. */
struct name_table {
	struct name_rule *rules;
	size_t nr, cap;
	char *text; /* NUL-terminated names, back to back */
	size_t text_len, text_cap;
};

struct ruleset {
	struct rule_table v4, v6;
	struct name_table names;
};

static inline const char *name_rule_text(const struct name_table *t,
					 const struct name_rule *r)
{
	return t->text + r->text_off;
}

int ruleset_add(struct ruleset *rs, const struct prefix *p, uint16_t list_id,
		uint8_t action, uint8_t match, uint32_t line);
/* A domain rule for canonical name @text (names.h: name_normalize). */
int ruleset_add_name(struct ruleset *rs, const char *text, uint8_t kind,
		     uint16_t list_id, uint8_t action, uint32_t line);
/* Order of domain rules: key, name, kind, list id. */
int name_rule_cmp(const struct name_table *ta, const struct name_rule *a,
		  const struct name_table *tb, const struct name_rule *b);
size_t ruleset_count_names(const struct ruleset *rs, uint16_t list_id);
/*
 * Sort all tables and drop repeats of a prefix within one list, keeping
 * the one added first (rules are added in file order, so the first line).
 */
void ruleset_finish(struct ruleset *rs);
/* Make room for @nr_v4 + @nr_v6 more rules (avoids growing by copies). */
int ruleset_reserve(struct ruleset *rs, size_t nr_v4, size_t nr_v6);
void ruleset_free(struct ruleset *rs);
size_t ruleset_count_list(const struct ruleset *rs, uint16_t list_id,
			  int family);

/*
 * Stable rule ids. A rule (list, prefix) present in the running set keeps
 * its id in the next one, so its counters go on. Ids of rules that
 * disappear are released only after the swap (their counters are zeroed
 * first) so a packet still using the old set never counts on a reused id.
 */
struct rule_ids {
	uint32_t capacity; /* ids are 1..capacity-1 */
	uint32_t next_unused;
	uint32_t *free_ids;
	size_t nr_free, cap_free;
	/* undo point for rule_ids_rollback() */
	uint32_t saved_next_unused;
	size_t saved_nr_free;
};

int rule_ids_init(struct rule_ids *ids, uint32_t capacity);
void rule_ids_free(struct rule_ids *ids);
/*
 * Give every rule of @next an id, reusing those of @prev. Fills
 * *released with the ids of @prev's rules absent from @next. Returns
 * -ENOSPC when the id space is exhausted.
 */
int rule_ids_assign(struct rule_ids *ids, const struct ruleset *prev,
		    struct ruleset *next, uint32_t **released,
		    size_t *nr_released);
/* The activation failed: forget the ids handed out by the last assign. */
void rule_ids_rollback(struct rule_ids *ids);
/*
 * Take over the ids of @rs, a rule set a previous daemon left running.
 * *unused gets the ids below the highest in use that no rule holds: zero
 * their counters, then rule_ids_release() them. -EINVAL if @rs repeats an
 * id or holds one outside the id space (state from another capacity).
 */
int rule_ids_adopt(struct rule_ids *ids, const struct ruleset *rs,
		   uint32_t **unused, size_t *nr_unused);
/* After the swap: @released ids may be handed out again. */
int rule_ids_release(struct rule_ids *ids, const uint32_t *released, size_t nr);

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
	size_t nr_groups; /* tbl8 groups needed */
	size_t nr_hosts; /* /32 nodes in the host hash (HOSTS blocks) */
};

int ip4_plan_build(const struct rule_table *t, struct ip4_plan *plan);
/*
 * Write the tables: @tbl24 (XDPB_TBL24_ENTRIES, zeroed), @tbl8
 * (nr_groups * 256), and the /32 hash contents as two arrays of nr_hosts:
 * @host_addrs (network order) and @host_leaves.
 */
void ip4_plan_fill(const struct ip4_plan *plan, uint32_t *tbl24, uint32_t *tbl8,
		   uint32_t *host_addrs, uint32_t *host_leaves);
void ip4_plan_free(struct ip4_plan *plan);

/*
 * The IPv6 hash contents, as the two arrays a batch update takes, and the
 * filter (2^info.v6_filter_log2 bits) with a bit set for every key.
 */
struct ip6_plan {
	struct xdpb_ip6_key *keys;
	struct xdpb_leaf *leaves;
	size_t nr_entries;
	uint64_t *filter;
	size_t filter_bytes;
	struct xdpb_gen_info info;
};

int ip6_plan_build(const struct rule_table *t, struct ip6_plan *plan);
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
