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
	uint8_t action; /* enum xdpb_action, as listed (the list's or its own) */
	/*
	 * What it does in each view (xdpb_view_action()): a DNS query, and a
	 * TLS SNI or HTTP Host; XDPB_ACT_NONE where it takes no part
	 */
	uint8_t dns_action, web_action;
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
/* What domain rule @r does in view @web (0 DNS, 1 TLS SNI / HTTP Host). */
static inline uint8_t name_rule_view_action(const struct name_rule *r, int web)
{
	return web ? r->web_action : r->dns_action;
}

/*
 * A domain rule for canonical name @text (names.h: name_normalize), in
 * every view, with the default forms (xdpb_view_action(): a reset answers
 * DNS with NXDOMAIN).
 */
int ruleset_add_name(struct ruleset *rs, const char *text, uint8_t kind,
		     uint16_t list_id, uint8_t action, uint32_t line);
/* The same with what it does in each view (XDPB_ACT_NONE: no part). */
int ruleset_add_name_views(struct ruleset *rs, const char *text, uint8_t kind,
			   uint16_t list_id, uint8_t action, uint8_t dns_action,
			   uint8_t web_action, uint32_t line);
/* Order of address rules: prefix, then list id. */
int rule_cmp(const struct rule *a, const struct rule *b);
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

#endif
