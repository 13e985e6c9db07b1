// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The resolved tables read by a C model of the datapath lookup
 * (bpf/ip_match.bpf.h, datapath_model.c), compared with the reference
 * matcher: random rule sets, every prefix length, the real lists.
 * Random rule sets use fixed seeds, so every run checks the same cases.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "formats/addrlist.h"
#include "formats/listfile.h"
#include "rules/refmatch.h"
#include "rules/ruleset.h"
#include "testfiles.h"
#include "testlib.h"
#include "common.h"
#include "suites.h"

struct addr_pool {
	struct prefix *a;
	size_t nr, cap;
};

static void pool_add(struct addr_pool *p, const struct prefix *a)
{
	if (p->nr == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 4096;
		p->a = realloc(p->a, p->cap * sizeof(*p->a));
		if (!p->a) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
	}
	p->a[p->nr++] = *a;
}

/*
 * Compare, for every address of @pool, both directions, and @nr_packets
 * random packets (source and destination from the pool, same family).
 * Returns the number of disagreements; the first few are printed.
 */
static size_t compare_pool(struct sim *s, const struct ruleset *rs,
			   const struct addr_pool *pool, size_t nr_packets,
			   const char *label, int quiet)
{
	struct xdpb_leaf *leaves = calloc(pool->nr + 1, sizeof(*leaves));
	uint8_t *have = calloc(pool->nr + 1, 1);
	size_t bad = 0;
	char buf[256];

	if (!leaves || !have) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < pool->nr; i++) {
		const struct prefix *a = &pool->a[i];

		have[i] = sim_lookup(s, a, &leaves[i]);
		for (int d = 0; d < XDPB_NR_DIRS; d++) {
			const struct rule *r = refmatch_address(rs, a, d);
			const struct xdpb_match *m = have[i] ? &leaves[i].dir[d]
							     : NULL;

			if (match_is_rule(m, r))
				continue;
			if (bad++ < 5 && !quiet) {
				describe(buf, sizeof(buf), m, r);
				CHECK(0, "%s: %s as %s: %s", label, fmt(a),
				      d == XDPB_DIR_SRC ? "source"
							: "destination",
				      buf);
			}
		}
	}
	for (size_t n = 0; pool->nr && n < nr_packets; n++) {
		size_t i = rng_below(pool->nr), j = rng_below(pool->nr);
		const struct xdpb_match *m;
		const struct rule *r;

		if (pool->a[i].family != pool->a[j].family)
			continue;
		m = xdpb_decide(&leaves[i], have[i], &leaves[j], have[j]);
		r = refmatch_packet(rs, &pool->a[i], &pool->a[j]);
		if (match_is_rule(m, r))
			continue;
		if (bad++ < 5 && !quiet) {
			describe(buf, sizeof(buf), m, r);
			CHECK(0, "%s: packet %s -> %s: %s", label,
			      fmt(&pool->a[i]), fmt(&pool->a[j]), buf);
		}
	}
	free(leaves);
	free(have);
	return bad;
}

struct gen_list {
	uint8_t action, match;
};

#define GEN_LISTS 8

static void gen_lists(struct gen_list *lists)
{
	static const uint8_t actions[] = {XDPB_ACT_MONITOR, XDPB_ACT_DROP,
					  XDPB_ACT_ALLOW};
	static const uint8_t matches[] = {XDPB_MATCH_SRC, XDPB_MATCH_DST,
					  XDPB_MATCH_BOTH};

	for (int i = 1; i <= GEN_LISTS; i++) {
		/* lists 1-3 cover every action; the rest are random */
		lists[i].action = i <= 3 ? actions[i - 1]
					 : actions[rng_below(3)];
		lists[i].match = i <= 3 ? XDPB_MATCH_BOTH
					: matches[rng_below(3)];
	}
}

static void gen_add(struct ruleset *rs, const struct gen_list *lists,
		    const struct prefix *p, uint32_t line)
{
	uint16_t list = 1 + rng_below(GEN_LISTS);

	CHECK(ruleset_add(rs, p, list, lists[list].action, lists[list].match,
			  line) == 0,
	      "ruleset_add");
}

/*
 * IPv4 rules crowded into a few /24s: short covering prefixes, /25../31
 * groups and /32 hosts in the same /24s, chains of nested prefixes, and
 * the same prefix in several lists.
 */
#define NR_HOT 12

static void gen_v4(struct ruleset *rs, const struct gen_list *lists,
		   int nr_rules, struct prefix *hot)
{
	for (int i = 0; i < NR_HOT; i++) {
		hot[i] = random_prefix(AF_INET, 24);
		if (i && rng_below(2)) /* share a /16 with an earlier one */
			memcpy(hot[i].addr, hot[rng_below(i)].addr, 2);
	}
	for (int n = 0; n < nr_rules; n++) {
		const struct rule_table *t = &rs->v4;
		uint32_t r = rng_below(100);
		struct prefix p;

		if (r < 12 || !t->nr) {
			int plen = rng_below(25) ? 8 + rng_below(17)
						 : rng_below(8);

			p = hot[rng_below(NR_HOT)];
			random_bits_from(&p, 24);
			if (rng_below(4) == 0)
				random_bits_from(&p, 0);
			prefix_truncate(&p, plen);
		} else if (r < 45) {
			p = hot[rng_below(NR_HOT)];
			random_bits_from(&p, 24);
			prefix_truncate(&p, 25 + rng_below(7));
		} else if (r < 72) {
			p = hot[rng_below(NR_HOT)];
			random_bits_from(&p, 24);
			p.plen = 32;
		} else if (r < 90) {
			const struct prefix *parent =
				&t->rules[rng_below(t->nr)].prefix;

			p = *parent;
			if (p.plen < 32) {
				random_bits_from(&p, p.plen);
				prefix_truncate(
					&p,
					parent->plen + 1 +
						rng_below(32 - parent->plen));
			}
		} else {
			p = t->rules[rng_below(t->nr)].prefix;
		}
		gen_add(rs, lists, &p, n + 1);
	}
}

/* IPv6 rules over many prefix lengths, nested in chains under a few roots. */
#define NR_ROOTS 6

static void gen_v6(struct ruleset *rs, const struct gen_list *lists,
		   int nr_rules, struct prefix *roots)
{
	uint8_t lens[129];
	int nr_lens = 0;

	/* a random third to two thirds of all lengths, 0 and 128 included */
	for (int l = 0; l <= 128; l++)
		if (l == 0 || l == 128 || rng_below(3) != 0)
			lens[nr_lens++] = l;
	for (int i = 0; i < NR_ROOTS; i++)
		roots[i] = random_prefix(AF_INET6, 16 + rng_below(25));
	for (int n = 0; n < nr_rules; n++) {
		const struct rule_table *t = &rs->v6;
		uint32_t r = rng_below(100);
		struct prefix p;

		if (r < 30 || !t->nr) {
			int plen = lens[rng_below(nr_lens)];

			p = roots[rng_below(NR_ROOTS)];
			random_bits_from(&p, p.plen);
			/* /0../15 only now and then */
			if (plen < 16 && rng_below(8))
				plen += 16;
			prefix_truncate(&p, plen);
		} else if (r < 88) {
			const struct prefix *parent =
				&t->rules[rng_below(t->nr)].prefix;
			int j = 0;

			while (j < nr_lens && lens[j] <= parent->plen)
				j++;
			p = *parent;
			if (j < nr_lens) {
				int span = nr_lens - j < 10 ? nr_lens - j : 10;

				random_bits_from(&p, p.plen);
				prefix_truncate(&p, lens[j + rng_below(span)]);
			}
		} else {
			p = t->rules[rng_below(t->nr)].prefix;
		}
		gen_add(rs, lists, &p, n + 1);
	}
}

/*
 * Addresses: both ends of every rule, then random ones: half inside a
 * listed prefix, a quarter sharing a shorter prefix with a rule (these
 * pass the IPv6 filter at shorter lengths and hit neighbouring groups),
 * the rest near the hot spots or
 * anywhere.
 */
static void gen_addresses(struct addr_pool *pool, const struct rule_table *t,
			  const struct prefix *spots, int nr_spots, int family,
			  int nr_random)
{
	int max = family == AF_INET ? 32 : 128;

	for (size_t i = 0; i < t->nr; i++) {
		struct prefix a = prefix_edge(&t->rules[i].prefix, 0);

		pool_add(pool, &a);
		a = prefix_edge(&t->rules[i].prefix, 1);
		pool_add(pool, &a);
	}
	for (int n = 0; n < nr_random; n++) {
		uint32_t r = rng_below(100);
		struct prefix a;

		if (t->nr && r < 50) {
			a = t->rules[rng_below(t->nr)].prefix;
			random_bits_from(&a, a.plen);
		} else if (t->nr && r < 75) {
			a = t->rules[rng_below(t->nr)].prefix;
			random_bits_from(&a, rng_below(a.plen + 1));
		} else if (r < 92) {
			a = spots[rng_below(nr_spots)];
			random_bits_from(&a, a.plen);
		} else {
			a = random_prefix(family, max);
		}
		a.plen = max;
		pool_add(pool, &a);
	}
}

#define RANDOM_SEEDS 8

static void resolve_random_sets(void)
{
	struct sim_totals {
		size_t groups, hosts, group_lookups, host_hits, host_misses;
		size_t node_steps, single_hits, single_misses, max_steps;
		size_t buckets, addresses;
	} tot = {0};

	for (int seed = 1; seed <= RANDOM_SEEDS; seed++) {
		struct gen_list lists[GEN_LISTS + 1];
		struct prefix hot[NR_HOT], roots[NR_ROOTS];
		struct addr_pool pool = {0};
		struct ruleset rs = {0};
		struct sim s;
		char label[32];
		size_t bad;

		rng_seed(1000 + seed);
		gen_lists(lists);
		gen_v4(&rs, lists, 200 + rng_below(400), hot);
		gen_v6(&rs, lists, 200 + rng_below(400), roots);
		ruleset_finish(&rs);
		give_ids(&rs);
		gen_addresses(&pool, &rs.v4, hot, NR_HOT, AF_INET, 15000);
		gen_addresses(&pool, &rs.v6, roots, NR_ROOTS, AF_INET6, 6000);
		if (sim_build(&s, &rs, 0) == 0) {
			snprintf(label, sizeof(label), "seed %d", seed);
			bad = compare_pool(&s, &rs, &pool, 20000, label, 0);
			CHECK(bad == 0,
			      "seed %d: %zu disagreements with refmatch", seed,
			      bad);
			CHECK(s.st.bad_index == 0 && s.st.unfinished == 0,
			      "seed %d: %zu bad table indexes, %zu unfinished trie walks",
			      seed, s.st.bad_index, s.st.unfinished);
			tot.node_steps += s.st.node_steps;
			tot.buckets += s.p4.trie.nr_buckets;
			tot.single_hits += s.st.single_hits;
			tot.single_misses += s.st.single_misses;
			if (s.st.max_steps > tot.max_steps)
				tot.max_steps = s.st.max_steps;
			tot.addresses += pool.nr;
		}
		sim_free(&s);
		/* the same set flat (gen_info.ip4_flat): the same answers */
		if (sim_build(&s, &rs, SIM_FLAT) == 0) {
			snprintf(label, sizeof(label), "seed %d, flat", seed);
			bad = compare_pool(&s, &rs, &pool, 20000, label, 0);
			CHECK(bad == 0 && s.st.bad_index == 0,
			      "seed %d, flat: %zu disagreements with refmatch, %zu bad table indexes",
			      seed, bad, s.st.bad_index);
			tot.groups += s.p4.nr_groups;
			tot.hosts += s.p4.nr_hosts;
			tot.group_lookups += s.st.group_lookups;
			tot.host_hits += s.st.host_hits;
			tot.host_misses += s.st.host_misses;
		}
		sim_free(&s);
		free(pool.a);
		ruleset_free(&rs);
	}
	/* the sets really went through every path of the lookup */
	CHECK(tot.groups > 0 && tot.hosts > 0, "%zu groups, %zu hosts",
	      tot.groups, tot.hosts);
	CHECK(tot.group_lookups > 1000 && tot.host_hits > 100 &&
		      tot.host_misses > 20,
	      "%zu group lookups, %zu host hits, %zu HOST-flag misses",
	      tot.group_lookups, tot.host_hits, tot.host_misses);
	CHECK(tot.node_steps > 1000 && tot.max_steps >= 4,
	      "%zu trie node steps, at most %zu for one address",
	      tot.node_steps, tot.max_steps);
	CHECK(tot.single_hits > 100 && tot.single_misses > 100,
	      "%zu addresses inside a trie single's prefix, %zu outside",
	      tot.single_hits, tot.single_misses);
	CHECK(tot.buckets > 10, "%zu IPv4 buckets", tot.buckets);
	printf("  %d random sets, %zu addresses: flat IPv4 %zu groups, %zu "
	       "hosts, %zu lookups via groups, %zu via the host hash; tries: "
	       "%zu node steps (at most %zu), singles %zu inside, %zu outside, "
	       "%zu IPv4 buckets\n",
	       RANDOM_SEEDS, tot.addresses, tot.groups, tot.hosts,
	       tot.group_lookups, tot.host_hits, tot.node_steps, tot.max_steps,
	       tot.single_hits, tot.single_misses, tot.buckets);
}

/*
 * The comparison has teeth: with the tries' singles read as their base,
 * or flat without the HOST1/HOSTS entries, the same random sets disagree
 * with the reference.
 */
static void resolve_model_detects_breakage(void)
{
	struct gen_list lists[GEN_LISTS + 1];
	struct prefix hot[NR_HOT], roots[NR_ROOTS];
	struct addr_pool pool = {0};
	struct ruleset rs = {0};
	size_t bad, cleared = 0;
	struct sim s;

	rng_seed(1001);
	gen_lists(lists);
	gen_v4(&rs, lists, 400, hot);
	gen_v6(&rs, lists, 400, roots);
	/* lone hosts (HOST1 entries) and pairs in one /24 (HOSTS entries) */
	for (int i = 0; i < 40; i++) {
		struct prefix h = random_prefix(AF_INET, 32);

		ruleset_add(&rs, &h, 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH,
			    10000 + i);
		if (i % 2) {
			h.addr[3] ^= 0x80;
			ruleset_add(&rs, &h, 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH,
				    20000 + i);
		}
	}
	ruleset_finish(&rs);
	give_ids(&rs);
	gen_addresses(&pool, &rs.v4, hot, NR_HOT, AF_INET, 5000);
	gen_addresses(&pool, &rs.v6, roots, NR_ROOTS, AF_INET6, 5000);

	if (sim_build(&s, &rs, SIM_NO_SINGLES) == 0) {
		bad = compare_pool(&s, &rs, &pool, 0, "no singles", 1);
		CHECK(bad > 0, "reading no trie single changed no result");
	}
	sim_free(&s);

	if (sim_build(&s, &rs, SIM_FLAT) == 0) {
		/* turn every host kind back into a plain leaf entry */
		for (size_t i = 0;
		     i < (size_t)XDPB_TBL16_ENTRIES * XDPB_TBL24_GROUP_SIZE;
		     i++) {
			uint32_t kind = s.tbl24[i] >> XDPB_KIND_SHIFT;

			if (kind == XDPB_KIND_HOSTS) {
				s.tbl24[i] &= XDPB_ENTRY_INDEX_MASK;
				cleared++;
			} else if (kind == XDPB_KIND_HOST1) {
				s.tbl24[i] = 0;
				cleared++;
			}
		}
		CHECK(cleared > 0, "no host entries in the set");
		bad = compare_pool(&s, &rs, &pool, 0, "no host entries", 1);
		CHECK(bad > 0, "clearing every host entry changed no result");
	}
	sim_free(&s);
	free(pool.a);
	ruleset_free(&rs);
}

/* The empty set: nothing matches, and the lookups find no leaf. */
static void resolve_empty_set(void)
{
	struct ruleset rs = {0};
	struct xdpb_leaf leaf;
	struct prefix a;
	struct sim s;

	ruleset_finish(&rs);
	if (sim_build(&s, &rs, 0) == 0) {
		CHECK(s.p4.nr_nodes == 0 && s.p6.nr_prefixes == 0 &&
			      s.p6.nr_nodes == 0 && s.p6.nr_singles == 0,
		      "empty plans: %zu nodes, %zu prefixes", s.p4.nr_nodes,
		      s.p6.nr_prefixes);
		a = pfx("192.0.2.1");
		CHECK(!sim_lookup(&s, &a, &leaf), "IPv4 leaf in an empty set");
		a = pfx("2001:db8::1");
		CHECK(!sim_lookup(&s, &a, &leaf), "IPv6 leaf in an empty set");
		CHECK(!refmatch_address(&rs, &a, XDPB_DIR_SRC) &&
			      !refmatch_packet(&rs, &a, &a),
		      "refmatch finds a rule in an empty set");
	}
	sim_free(&s);
}

/*
 * A rule at every length along one address (all 129 IPv6 lengths and the
 * other /128 of the last /127, so the trie has a node at every depth and
 * an address on the chain walks all XDPB_IP6_MAX_STEPS steps; all 33 IPv4 lengths, so a
 * /24 has a group, hosts and covering prefixes), with actions and
 * directions varying by length; addresses leaving the chain at each bit.
 */
static void resolve_every_length(void)
{
	static const struct {
		uint8_t action, match;
	} kinds[] = {
		{XDPB_ACT_MONITOR, XDPB_MATCH_BOTH},
		{XDPB_ACT_DROP, XDPB_MATCH_SRC},
		{XDPB_ACT_DROP, XDPB_MATCH_BOTH},
		{XDPB_ACT_ALLOW, XDPB_MATCH_DST},
		{XDPB_ACT_MONITOR, XDPB_MATCH_DST},
		{XDPB_ACT_DROP, XDPB_MATCH_DST},
		{XDPB_ACT_ALLOW, XDPB_MATCH_SRC},
	};
	struct prefix base6 = pfx("2001:db8:89ab:cdef:123:4567:89ab:cdef");
	struct prefix base4 = pfx("203.0.113.77");
	struct addr_pool pool = {0};
	struct ruleset rs = {0};
	size_t bad;
	struct sim s;

	rng_seed(401);
	for (int f = 0; f < 2; f++) {
		const struct prefix *base = f ? &base6 : &base4;
		int max = prefix_max_len(base);

		for (int l = 0; l <= max; l++) {
			struct prefix p = *base, a;
			/* allow only near the ends, so drops decide in between */
			size_t k = (l % 5 == 4 && l > 8 && l < max - 8) ? 1
									: l % 7;

			prefix_truncate(&p, l);
			ruleset_add(&rs, &p, 1 + l % 5, kinds[k].action,
				    kinds[k].match, l + 1);
			/* the address that leaves the chain at bit l */
			a = *base;
			if (l < max) {
				a.addr[l / 8] ^= (uint8_t)(0x80 >> (l % 8));
				random_bits_from(&a, l + 1);
			}
			pool_add(&pool, &a);
		}
	}
	/* the /128 beside the chain's: a node at 127, the deepest there is */
	base6.addr[15] ^= 1;
	ruleset_add(&rs, &base6, 2, XDPB_ACT_DROP, XDPB_MATCH_BOTH, 130);
	pool_add(&pool, &base6);
	ruleset_finish(&rs);
	give_ids(&rs);
	if (sim_build(&s, &rs, 0) == 0) {
		CHECK(s.p6.nr_prefixes == 130 && s.p6.max_depth == 127,
		      "%zu IPv6 prefixes, deepest node at %u", s.p6.nr_prefixes,
		      s.p6.max_depth);
		/* the IPv4 chain: a node at 16, 22 and 28, the last step */
		CHECK(s.p4.nr_nodes == 33 && s.p4.trie.max_depth == 28,
		      "%zu IPv4 prefixes, deepest node at %u", s.p4.nr_nodes,
		      s.p4.trie.max_depth);
		bad = compare_pool(&s, &rs, &pool, 2000, "every length", 0);
		CHECK(bad == 0, "%zu disagreements with refmatch", bad);
		CHECK(s.st.bad_index == 0 && s.st.unfinished == 0 &&
			      s.st.max_steps == XDPB_IP6_MAX_STEPS,
		      "%zu bad indexes, %zu trie walks out of steps, %zu steps at most",
		      s.st.bad_index, s.st.unfinished, s.st.max_steps);
	}
	sim_free(&s);
	if (sim_build(&s, &rs, SIM_FLAT) == 0) {
		/* the /25../32 chain shares one group; its /32 is a group entry */
		CHECK(s.p4.nr_groups == 1 && s.p4.nr_hosts == 0,
		      "%zu groups, %zu hosts", s.p4.nr_groups, s.p4.nr_hosts);
		bad = compare_pool(&s, &rs, &pool, 2000, "every length, flat",
				   0);
		CHECK(bad == 0 && s.st.bad_index == 0,
		      "flat: %zu disagreements with refmatch, %zu bad indexes",
		      bad, s.st.bad_index);
	}
	sim_free(&s);
	free(pool.a);
	ruleset_free(&rs);
}

/*
 * The IPv4 root answers a /16 that holds nothing longer than /16; below
 * a /16 with one longer prefix is a single, with a few a bucket. Each
 * row: an address, the rule that must decide it (NULL: none), and
 * whether the lookup reads past the root. The set has a /15, a /16 and a /17 in one region,
 * 0.0.0.0/0 and 255.255.255.255/32 at the ends, and allows inside drops.
 * Flat, every address reads tbl24 once.
 */
static void resolve_ip4_root(void)
{
	static const struct {
		const char *prefix;
		uint16_t list;
		uint8_t action;
	} rules[] = {
		{"0.0.0.0/0", 1, XDPB_ACT_MONITOR},
		{"10.0.0.0/8", 2, XDPB_ACT_DROP},
		{"10.1.0.0/16", 3, XDPB_ACT_ALLOW},
		{"20.1.2.0/24", 2, XDPB_ACT_DROP},
		{"30.0.0.0/15", 2, XDPB_ACT_DROP},
		{"30.1.0.0/16", 3, XDPB_ACT_ALLOW},
		{"30.1.128.0/17", 2, XDPB_ACT_DROP},
		{"40.0.0.0/8", 2, XDPB_ACT_DROP},
		{"40.5.6.7/32", 3, XDPB_ACT_ALLOW},
		{"50.1.0.0/17", 2, XDPB_ACT_DROP},
		{"50.1.2.0/24", 3, XDPB_ACT_ALLOW},
		{"50.1.2.3/32", 2, XDPB_ACT_DROP},
		{"255.255.255.255/32", 2, XDPB_ACT_DROP},
	};
	static const struct {
		const char *addr, *rule;
		uint16_t list;
		int below; /* the lookup reads past the root */
		const char *why;
	} cases[] = {
		{"9.9.9.9", "0.0.0.0/0", 1, 0, "/0 alone: the root"},
		{"10.2.3.4", "10.0.0.0/8", 2, 0, "/8 drop: the root"},
		{"10.1.3.4", "10.1.0.0/16", 3, 0,
		 "allow /16 in a drop /8: the root"},
		{"20.1.2.3", "20.1.2.0/24", 2, 1, "/24: its /16 has a single"},
		{"20.1.3.3", "0.0.0.0/0", 1, 1, "beside the /24, same /16"},
		{"20.2.2.3", "0.0.0.0/0", 1, 0, "next /16: the root"},
		{"30.0.0.1", "30.0.0.0/15", 2, 0, "/15 first half: the root"},
		{"30.1.0.1", "30.1.0.0/16", 3, 1, "/16 beside a /17: single"},
		{"30.1.127.255", "30.1.0.0/16", 3, 1, "last of the /16's half"},
		{"30.1.128.0", "30.1.0.0/16", 3, 1, "allow /16 beats drop /17"},
		{"30.2.0.0", "0.0.0.0/0", 1, 0, "past the /15: the root"},
		{"40.5.6.7", "40.5.6.7/32", 3, 1, "allow /32 in a drop /8"},
		{"40.5.6.8", "40.0.0.0/8", 2, 1, "beside the allowed host"},
		{"40.6.0.1", "40.0.0.0/8", 2, 0,
		 "other /16 of the /8: the root"},
		{"255.255.255.255", "255.255.255.255/32", 2, 1, "last address"},
		{"255.255.255.254", "0.0.0.0/0", 1, 1, "beside it: /0"},
		{"255.254.0.1", "0.0.0.0/0", 1, 0, "the /16 before: the root"},
		{"50.1.2.3", "50.1.2.0/24", 3, 1, "bucket: allow /24 over /32"},
		{"50.1.2.4", "50.1.2.0/24", 3, 1, "bucket: the /24"},
		{"50.1.3.1", "50.1.0.0/17", 2, 1, "bucket: the /17"},
		{"50.1.200.1", "0.0.0.0/0", 1, 1, "bucket: none, its base"},
	};
	struct ruleset rs = {0};

	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		rs_add(&rs, rules[i].prefix, rules[i].list, rules[i].action,
		       XDPB_MATCH_BOTH, i + 1);
	ruleset_finish(&rs);
	give_ids(&rs);
	/* the trie, then flat: every address then reads tbl24 */
	for (int flat = 0; flat < 2; flat++) {
		struct sim s;

		if (sim_build(&s, &rs, flat ? SIM_FLAT : 0) != 0) {
			sim_free(&s);
			continue;
		}
		/*
		 * singles in 20.1, 30.1, 40.5 and 255.255 after single 0 (the
		 * empty /16s' no-match single), a bucket in 50.1
		 */
		CHECK(flat || (s.p4.trie.nr_singles == 5 &&
			       s.p4.trie.nr_buckets == 1 &&
			       s.p4.trie.nr_nodes == 1),
		      "%zu singles, %zu buckets, %zu nodes",
		      s.p4.trie.nr_singles, s.p4.trie.nr_buckets,
		      s.p4.trie.nr_nodes);
		for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
			struct prefix a = pfx(cases[i].addr);
			const struct rule *want =
				rs_find(&rs, cases[i].rule, cases[i].list);
			size_t reads = s.st.tbl24_lookups + s.st.node_steps +
				       s.st.single_hits + s.st.single_misses;
			struct xdpb_leaf leaf;
			char buf[256];
			int have = sim_lookup(&s, &a, &leaf);
			const struct xdpb_match *m =
				have ? &leaf.dir[XDPB_DIR_SRC] : NULL;

			CHECK(want, "%s: no such rule", cases[i].rule);
			CHECK(refmatch_address(&rs, &a, XDPB_DIR_SRC) == want,
			      "%s (%s): refmatch disagrees with the table",
			      cases[i].addr, cases[i].why);
			describe(buf, sizeof(buf), m, want);
			CHECK(match_is_rule(m, want), "%s (%s, flat %d): %s",
			      cases[i].addr, cases[i].why, flat, buf);
			reads = s.st.tbl24_lookups + s.st.node_steps +
				s.st.single_hits + s.st.single_misses - reads;
			CHECK(reads == (size_t)(flat || cases[i].below),
			      "%s (%s, flat %d): %zu reads past the root",
			      cases[i].addr, cases[i].why, flat, reads);
		}
		CHECK(s.st.bad_index == 0, "%zu bad table indexes",
		      s.st.bad_index);
		sim_free(&s);
	}
	ruleset_free(&rs);
}

/*
 * A bucket's edges: a /16 with XDPB_IP4_BUCKET_PREFIXES prefixes longer
 * than /16 (nested, two of one length, an allow inside drops) is a
 * bucket; one more prefix makes the next /16 a node. Every address of
 * both /16s, step 256 and each prefix's first, last and next address,
 * answers as refmatch says.
 */
static void resolve_ip4_bucket_edges(void)
{
	static const char *const full[XDPB_IP4_BUCKET_PREFIXES] = {
		"60.1.0.0/17",	 "60.1.2.0/24",	  "60.1.3.0/24",
		"60.1.2.128/25", "60.1.2.130/32", "60.1.200.7/32",
	};
	struct addr_pool pool = {0};
	struct ruleset rs = {0};
	struct prefix a;
	struct sim s;
	size_t bad;

	rs_add(&rs, "60.0.0.0/8", 1, XDPB_ACT_MONITOR, XDPB_MATCH_BOTH, 1);
	for (int i = 0; i < XDPB_IP4_BUCKET_PREFIXES; i++) {
		char next[32];

		rs_add(&rs, full[i], (uint16_t)(2 + i % 2),
		       i % 2 ? XDPB_ACT_ALLOW : XDPB_ACT_DROP, XDPB_MATCH_BOTH,
		       10 + i);
		/* the same shape one /16 on, and one more prefix there */
		snprintf(next, sizeof(next), "60.2%s", full[i] + 4);
		rs_add(&rs, next, 2, XDPB_ACT_DROP, XDPB_MATCH_SRC, 20 + i);
	}
	rs_add(&rs, "60.2.99.0/24", 3, XDPB_ACT_ALLOW, XDPB_MATCH_DST, 30);
	ruleset_finish(&rs);
	give_ids(&rs);
	for (uint32_t x = 0; x < 2u << 16; x += 256) {
		a = pfx("60.1.0.0");
		a.addr[1] = (uint8_t)(1 + (x >> 16));
		a.addr[2] = (uint8_t)(x >> 8);
		a.addr[3] = (uint8_t)(x & 0xff);
		pool_add(&pool, &a);
	}
	for (size_t i = 0; i < rs.v4.nr; i++) {
		const struct prefix *p = &rs.v4.rules[i].prefix;
		uint32_t first, size = p->plen ? 1u << (32 - p->plen) : 0;

		memcpy(&first, p->addr, 4);
		first = ntohl(first);
		for (uint32_t k = 0; k < 3; k++) {
			uint32_t v = htonl(k == 0   ? first
					   : k == 1 ? first + size - 1
						    : first + size);

			a = pfx("0.0.0.0");
			memcpy(a.addr, &v, 4);
			pool_add(&pool, &a);
		}
	}
	if (sim_build(&s, &rs, 0) == 0) {
		uint32_t k1 = s.p4.trie.root[60 << 8 | 1] >> XDPB_KIND_SHIFT,
			 k2 = s.p4.trie.root[60 << 8 | 2] >> XDPB_KIND_SHIFT;

		CHECK(k1 == XDPB_KIND_BUCKET && k2 == XDPB_KIND_NODE,
		      "60.1 is kind %u (a bucket: %u), 60.2 kind %u (a node: %u)",
		      k1, XDPB_KIND_BUCKET, k2, XDPB_KIND_NODE);
		bad = compare_pool(&s, &rs, &pool, 5000, "bucket edges", 0);
		CHECK(bad == 0 && s.st.bad_index == 0,
		      "%zu disagreements with refmatch, %zu bad indexes", bad,
		      s.st.bad_index);
	}
	sim_free(&s);
	free(pool.a);
	ruleset_free(&rs);
}

/* Bits @from..127 of @a set to @one (0 or 1). */
static void addr_fill_from(struct prefix *a, int from, int one)
{
	for (int i = from; i < 128; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));

		a->addr[i / 8] = one ? a->addr[i / 8] | bit
				     : a->addr[i / 8] & ~bit;
	}
}

/* The IPv6 root entry (first XDPB_IP6_ROOT_BITS bits) of @a. */
static uint32_t ip6_root_index(const struct prefix *a)
{
	return (uint32_t)(a->addr[0] << 16 | a->addr[1] << 8 | a->addr[2]) >>
	       (24 - XDPB_IP6_ROOT_BITS);
}

/*
 * Root entries with no rule and nothing below name single 0, which
 * matches nothing: not the all-zero address it holds, nor any other
 * address of such an entry; the rules' addresses still match, and a
 * root entry a short prefix covers stays a leaf.
 */
static void resolve_no_single(void)
{
	static const char *const rules[] = {"192.0.2.0/24", "10.0.0.0/8",
					    "2001:db8::/48", "3000::/12"};
	/* none of them in a rule; 2001:db9:: shares 2001:db8::/48's /19 */
	static const char *const none[] = {
		"0.0.0.0",	   "0.0.0.1", "198.51.100.7",
		"255.255.255.255", "::",      "::1",
		"2001:db9::1",	   "4000::1", "ffff::",
	};
	struct ruleset rs = {0};
	struct prefix a = pfx("4000::1");
	/* the root entries of 198.51/16 and of 4000::/19: empty */
	const uint32_t empty[2] = {ip6_root_index(&a), 198u << 8 | 51};
	struct xdpb_leaf leaf;
	struct sim s;

	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		rs_add(&rs, rules[i], 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH, i + 1);
	ruleset_finish(&rs);
	give_ids(&rs);
	if (sim_build(&s, &rs, 0) != 0) {
		sim_free(&s);
		ruleset_free(&rs);
		return;
	}
	for (int v4 = 0; v4 < 2; v4++) {
		const struct trie_plan *p = v4 ? &s.p4.trie : &s.p6;
		const struct xdpb_trie_single *z = &p->singles[0];

		CHECK(p->nr_singles >= 1 && z->plen == (v4 ? 32u : 64u) &&
			      !z->hi && !z->lo && !z->leaf && !z->base,
		      "IPv%d single 0: plen %u, leaf %u, base %u", v4 ? 4 : 6,
		      z->plen, z->leaf, z->base);
		CHECK(p->root[empty[v4]] ==
			      (XDPB_KIND_SINGLE << XDPB_KIND_SHIFT |
			       XDPB_TRIE_NO_SINGLE),
		      "IPv%d: an empty root entry is %#x", v4 ? 4 : 6,
		      p->root[empty[v4]]);
	}
	a = pfx("10.1.2.3");
	CHECK(s.p4.trie.root[10 << 8 | 1] >> XDPB_KIND_SHIFT ==
			      XDPB_KIND_LEAF &&
		      sim_lookup(&s, &a, &leaf),
	      "a /16 inside a /8: a leaf entry that matches");
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		a = pfx(rules[i]);
		CHECK(sim_lookup(&s, &a, &leaf) &&
			      leaf.dir[XDPB_DIR_SRC].rule_id ==
				      rs_find(&rs, rules[i], 1)->rule_id,
		      "%s: its own first address does not match it", rules[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(none); i++) {
		a = pfx(none[i]);
		CHECK(!sim_lookup(&s, &a, &leaf) &&
			      !refmatch_address(&rs, &a, XDPB_DIR_SRC),
		      "%s matches a rule", none[i]);
	}
	CHECK(s.st.bad_index == 0, "%zu bad table indexes", s.st.bad_index);
	sim_free(&s);
	ruleset_free(&rs);
}

/*
 * IPv6 buckets: two /19s with XDPB_IP6_BUCKET_PREFIXES prefixes each (a
 * nested chain of /20, /32 and /64, the shortest and the longest a
 * bucket's first half holds; and /65, /80, /128 in the second half) are
 * buckets, and a third with one prefix more is a node. For each prefix
 * its first and last address, the one after, and its first with each bit
 * from 19 on flipped; random addresses of the three /19s: all answer as
 * refmatch says.
 */
static void resolve_ip6_bucket_edges(void)
{
	static const char *const bucket[2][XDPB_IP6_BUCKET_PREFIXES] = {
		{"2001::/20", "2001:db8::/32", "2001:db8:0:1::/64"},
		{"2001:2000::8000:0:0:0/65", "2001:2000::ffff:0:0:0/80",
		 "2001:2000::1/128"},
	};
	static const char *const node[] = {
		"2001:4000::/20",
		"2001:4db8::/32",
		"2001:4db8:0:1::/64",
		"2001:4000:0:0:ffff::/80",
	};
	struct addr_pool pool = {0};
	struct ruleset rs = {0};
	struct prefix a;
	struct sim s;
	size_t bad;

	rs_add(&rs, "2001::/16", 1, XDPB_ACT_MONITOR, XDPB_MATCH_BOTH, 1);
	for (int b = 0; b < 2; b++)
		for (int i = 0; i < XDPB_IP6_BUCKET_PREFIXES; i++)
			rs_add(&rs, bucket[b][i], (uint16_t)(2 + i % 2),
			       i % 2 ? XDPB_ACT_ALLOW : XDPB_ACT_DROP,
			       b ? XDPB_MATCH_SRC : XDPB_MATCH_BOTH,
			       10 + 10 * b + i);
	for (size_t i = 0; i < sizeof(node) / sizeof(node[0]); i++)
		rs_add(&rs, node[i], 2, XDPB_ACT_DROP, XDPB_MATCH_DST,
		       (int)(30 + i));
	ruleset_finish(&rs);
	give_ids(&rs);
	for (size_t i = 0; i < rs.v6.nr; i++) {
		const struct prefix *p = &rs.v6.rules[i].prefix;

		a = *p;
		a.plen = 128;
		pool_add(&pool, &a);
		for (int j = XDPB_IP6_ROOT_BITS; j < 128; j++) {
			struct prefix f = a;

			f.addr[j / 8] ^= (uint8_t)(0x80 >> (j % 8));
			pool_add(&pool, &f);
		}
		addr_fill_from(&a, p->plen, 1); /* the last */
		pool_add(&pool, &a);
		for (int j = 15; j >= 0 && !++a.addr[j]; j--)
			; /* the next */
		pool_add(&pool, &a);
	}
	for (int n = 0; n < 3000; n++) {
		a = pfx(n % 3 == 0   ? "2001::"
			: n % 3 == 1 ? "2001:2000::"
				     : "2001:4000::");
		random_bits_from(&a, XDPB_IP6_ROOT_BITS);
		pool_add(&pool, &a);
	}
	if (sim_build(&s, &rs, 0) == 0) {
		uint32_t kind[3];

		for (int b = 0; b < 3; b++) {
			a = pfx(b == 2 ? node[0] : bucket[b][0]);
			kind[b] = s.p6.root[ip6_root_index(&a)] >>
				  XDPB_KIND_SHIFT;
		}
		CHECK(kind[0] == XDPB_KIND_BUCKET &&
			      kind[1] == XDPB_KIND_BUCKET &&
			      kind[2] == XDPB_KIND_NODE && s.p6.nr_buckets == 2,
		      "the /19s are kinds %u, %u, %u (bucket %u, node %u), %zu buckets",
		      kind[0], kind[1], kind[2], XDPB_KIND_BUCKET,
		      XDPB_KIND_NODE, s.p6.nr_buckets);
		bad = compare_pool(&s, &rs, &pool, 20000, "IPv6 bucket edges",
				   0);
		CHECK(bad == 0 && s.st.bad_index == 0,
		      "%zu disagreements with refmatch, %zu bad indexes", bad,
		      s.st.bad_index);
	}
	sim_free(&s);
	free(pool.a);
	ruleset_free(&rs);
}

/*
 * The entries of the real list @file (tests/data), its format found as
 * the daemon finds it, into @rs as rules of @list; the number added.
 */
static size_t add_real_list(struct ruleset *rs, const char *file, uint16_t list,
			    uint8_t action, uint8_t match)
{
	const struct list_parse_opts opts = {
		.format = LIST_FORMAT_AUTO,
		.on_error = LIST_ON_ERROR_REJECT,
	};
	struct parsed_list l;
	char *data = NULL;
	size_t len = 0, nr = 0;
	int err = file_bytes(data_path(file), &data, &len);

	if (!err)
		err = listfile_parse_data(file, data, len, &opts, &l);
	CHECK(err == 0, "%s: cannot read or parse it (%d)", file, err);
	for (size_t i = 0; !err && i < l.nr; i++, nr++)
		ruleset_add(rs, &l.entries[i].prefix, list, action, match,
			    l.entries[i].line);
	if (!err)
		parsed_list_free(&l);
	free(data);
	return nr;
}

/*
 * @count exceptions nested in the first @nr_real rules of @t (a table of
 * @rs): each a random prefix inside a random one of them, a third at
 * host length; odd ones allow (list 3, both directions), even ones
 * monitor (list 4, destination).
 */
static void add_nested_exceptions(struct ruleset *rs,
				  const struct rule_table *t, size_t nr_real,
				  int count)
{
	for (int n = 0; nr_real && n < count; n++) {
		/* t->rules is read again each time: adding may move it */
		struct prefix p = t->rules[rng_below(nr_real)].prefix;
		int max = prefix_max_len(&p);
		int plen = p.plen + rng_below(max + 1 - p.plen);

		random_bits_from(&p, p.plen);
		if (rng_below(3) == 0)
			plen = max;
		prefix_truncate(&p, plen);
		ruleset_add(rs, &p, n % 2 ? 3 : 4,
			    n % 2 ? XDPB_ACT_ALLOW : XDPB_ACT_MONITOR,
			    n % 2 ? XDPB_MATCH_BOTH : XDPB_MATCH_DST, n);
	}
}

/* The two real lists plus allow/monitor exceptions inside them. */
static void resolve_real_lists(void)
{
	static const struct {
		const char *file;
		uint16_t list;
		uint8_t action, match;
	} real[] = {
		{"firehol_level1.netset", 1, XDPB_ACT_DROP, XDPB_MATCH_SRC},
		{"feodo_ipblocklist_recommended.txt", 2, XDPB_ACT_DROP,
		 XDPB_MATCH_BOTH},
	};
	struct prefix spots[1] = {pfx("0.0.0.0/0")};
	struct addr_pool pool = {0};
	struct ruleset rs = {0};
	size_t nr_real, bad;
	struct sim s;

	for (size_t f = 0; f < ARRAY_SIZE(real); f++)
		add_real_list(&rs, real[f].file, real[f].list, real[f].action,
			      real[f].match);
	CHECK(rs.v4.nr == 2892 + 244, "%zu rules from the two lists", rs.v4.nr);
	nr_real = rs.v4.nr;
	rng_seed(301);
	add_nested_exceptions(&rs, &rs.v4, nr_real, 1500);
	ruleset_finish(&rs);
	give_ids(&rs);
	gen_addresses(&pool, &rs.v4, spots, 1, AF_INET, 60000);
	/* the trie, then flat */
	for (int flat = 0; flat < 2; flat++) {
		if (sim_build(&s, &rs, flat ? SIM_FLAT : 0) == 0) {
			CHECK(flat ? s.p4.nr_groups > 0 && s.p4.nr_hosts > 0
				   : s.p4.trie.nr_nodes > 0 &&
					      s.p4.trie.nr_singles > 0,
			      "flat %d: %zu groups, %zu hosts, %zu nodes, %zu singles",
			      flat, s.p4.nr_groups, s.p4.nr_hosts,
			      s.p4.trie.nr_nodes, s.p4.trie.nr_singles);
			bad = compare_pool(
				&s, &rs, &pool, 30000,
				flat ? "real lists, flat" : "real lists", 0);
			CHECK(bad == 0,
			      "flat %d: %zu disagreements with refmatch", flat,
			      bad);
			CHECK(s.st.bad_index == 0 && s.st.unfinished == 0,
			      "flat %d: %zu bad table indexes, %zu unfinished",
			      flat, s.st.bad_index, s.st.unfinished);
		}
		sim_free(&s);
	}
	free(pool.a);
	ruleset_free(&rs);
}

/* Bit @i (0 = the first) of a 16-byte address; 0 past the end. */
static uint32_t addr_bit(const uint8_t *a, uint32_t i)
{
	return i < 128 ? (uint32_t)(a[i / 8] >> (7 - i % 8)) & 1 : 0;
}

static void addr_halves(const uint8_t *a, __u64 *hi, __u64 *lo)
{
	*hi = *lo = 0;
	for (int i = 0; i < 8; i++) {
		*hi = *hi << 8 | a[i];
		*lo = *lo << 8 | a[8 + i];
	}
}

/*
 * The trie's child index and prefix test (maps/xdpblock_hash.h) against
 * the bits themselves, on random addresses: the index at every node
 * depth (16, 22, ... 124, where two bits lie past the address), and
 * "inside" at every length, for the address itself, one with a bit
 * flipped inside the prefix (out) and one flipped past it (still in).
 */
static void resolve_ip6_child_and_inside(void)
{
	size_t bad_child = 0, bad_inside = 0, checks = 0;

	rng_seed(77);
	for (int n = 0; n < 2000; n++) {
		struct prefix a = random_prefix(AF_INET6, 128);
		__u64 hi, lo;

		addr_halves(a.addr, &hi, &lo);
		/* every depth: IPv4's 16..28, IPv6's 19..127 among them */
		for (uint32_t d = 0; d < 128; d++) {
			uint32_t want = 0;

			for (uint32_t j = 0; j < XDPB_TRIE_STRIDE; j++)
				want = want << 1 | addr_bit(a.addr, d + j);
			bad_child += xdpb_trie_child(hi, lo, d) != want;
			checks++;
		}
		for (uint32_t plen = 1; plen <= 128; plen++) {
			struct prefix p = a, b = a;
			__u64 phi, plo, bhi, blo;
			uint32_t in = rng_below(plen), out;

			prefix_truncate(&p, (int)plen);
			addr_halves(p.addr, &phi, &plo);
			bad_inside += !xdpb_trie_inside(hi, lo, phi, plo, plen);
			b.addr[in / 8] ^= (uint8_t)(0x80 >> (in % 8));
			addr_halves(b.addr, &bhi, &blo);
			bad_inside +=
				xdpb_trie_inside(bhi, blo, phi, plo, plen);
			if (plen < 128) {
				b = a;
				out = plen + rng_below(128 - plen);
				b.addr[out / 8] ^= (uint8_t)(0x80 >> (out % 8));
				addr_halves(b.addr, &bhi, &blo);
				bad_inside += !xdpb_trie_inside(bhi, blo, phi,
								plo, plen);
			}
			checks += 3;
		}
	}
	CHECK(bad_child == 0 && bad_inside == 0,
	      "%zu wrong child indexes, %zu wrong inside answers in %zu checks",
	      bad_child, bad_inside, checks);
}

/*
 * Spamhaus DROPv6 as published (tests/data), with allow and monitor
 * exceptions nested in its prefixes down to /128: the trie's answers are
 * the reference matcher's.
 */
static void resolve_real_ipv6(void)
{
	struct prefix spots[1] = {pfx("2000::/3")};
	struct addr_pool pool = {0};
	struct ruleset rs = {0};
	size_t nr_real, bad;
	struct sim s;

	/* its "; SBL..." comments need the Spamhaus format, found by auto */
	nr_real = add_real_list(&rs, "spamhaus_dropv6.txt", 1, XDPB_ACT_DROP,
				XDPB_MATCH_BOTH);
	CHECK(nr_real > 50, "%zu rules from DROPv6", nr_real);
	rng_seed(302);
	add_nested_exceptions(&rs, &rs.v6, nr_real, 600);
	ruleset_finish(&rs);
	give_ids(&rs);
	gen_addresses(&pool, &rs.v6, spots, 1, AF_INET6, 30000);
	if (sim_build(&s, &rs, 0) == 0) {
		CHECK(s.p6.nr_nodes > 0 && s.p6.nr_singles > 0,
		      "%zu nodes, %zu singles", s.p6.nr_nodes, s.p6.nr_singles);
		bad = compare_pool(&s, &rs, &pool, 30000, "DROPv6", 0);
		CHECK(bad == 0, "%zu disagreements with refmatch", bad);
		CHECK(s.st.bad_index == 0 && s.st.unfinished == 0,
		      "%zu bad table indexes, %zu unfinished walks",
		      s.st.bad_index, s.st.unfinished);
	}
	sim_free(&s);
	free(pool.a);
	ruleset_free(&rs);
}

void suite_resolve(void)
{
	RUN_TEST("resolve", resolve_empty_set);
	RUN_TEST("resolve", resolve_random_sets);
	RUN_TEST("resolve", resolve_model_detects_breakage);
	RUN_TEST("resolve", resolve_every_length);
	RUN_TEST("resolve", resolve_ip4_root);
	RUN_TEST("resolve", resolve_no_single);
	RUN_TEST("resolve", resolve_ip4_bucket_edges);
	RUN_TEST("resolve", resolve_ip6_bucket_edges);
	RUN_TEST("resolve", resolve_real_lists);
	RUN_TEST("resolve", resolve_ip6_child_and_inside);
	RUN_TEST("resolve", resolve_real_ipv6);
}
