/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the unit test suites (tests/unit/suites/) share: one seeded random
 * sequence, prefixes the tests write, rule sets, and the datapath model
 * over a rule set's tables (resolve.c and refmatch.c).
 */
#ifndef XDPBLOCK_UNIT_COMMON_H
#define XDPBLOCK_UNIT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "common/prefix.h"
#include "rules/plan.h"
#include "rules/ruleset.h"
#include "../datapath_model.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * splitmix64: one sequence for the whole run, so a suite that draws
 * without seeding sees what the suites before it left.
 */
void rng_seed(uint64_t seed);
uint64_t rng_next(void);
uint32_t rng_below(uint32_t n);

/* Prefixes: pfx() fails the running test on a typo in the test itself. */
struct prefix pfx(const char *text);
/* Formatted into one of four rotating buffers. */
const char *fmt(const struct prefix *p);
int prefix_eq(const struct prefix *a, const struct prefix *b);
void random_bits_from(struct prefix *p, int from);
struct prefix prefix_edge(const struct prefix *p, int last);
struct prefix random_prefix(int family, int plen);

/* Rule sets */
void rs_add(struct ruleset *rs, const char *text, uint16_t list, uint8_t action,
	    uint8_t match, uint32_t line);
const struct rule *rs_find(const struct ruleset *rs, const char *text,
			   uint16_t list);
/* Rule ids for every rule of @rs, as for a first load. */
void give_ids(struct ruleset *rs);

/*
 * The tables of one rule set built the way the loader builds them, and
 * the datapath's own lookups over them (datapath_model.c).
 */
struct sim {
	/* IPv4 */
	struct ip4_plan p4; /* its trie, or flat: */
	uint32_t *tbl24, *tbl8;
	struct model_host *hosts;
	size_t nr_hosts;
	/* IPv6 */
	struct trie_plan p6;
	/* the tries' runs in whole chunks, as the maps hold them */
	uint32_t *runs4, *runs6;
	struct xdpb_gen_info info;
	struct model_tables tables; /* all of the above, as the maps hold them */
	/* what the lookups went through, and anything impossible */
	struct model_stats st;
};

void sim_free(struct sim *s);
/* sim_build() flags */
enum {
	SIM_NO_SINGLES = 1, /* trie singles as their base: must be caught */
	SIM_FLAT = 2, /* IPv4 flat (gen_info.ip4_flat) whatever the size */
};
int sim_build(struct sim *s, const struct ruleset *rs, int flags);
int sim_lookup(struct sim *s, const struct prefix *a, struct xdpb_leaf *out);
/* The datapath's match @m is the reference matcher's rule @r. */
int match_is_rule(const struct xdpb_match *m, const struct rule *r);
void describe(char *buf, size_t len, const struct xdpb_match *m,
	      const struct rule *r);

#endif
