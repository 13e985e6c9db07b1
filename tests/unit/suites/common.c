// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the unit test suites share (common.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/config.h"
#include "rules/plan.h"
#include "rules/ruleids.h"
#include "rules/ruleset.h"
#include "testlib.h"
#include "common.h"

/* splitmix64: small, fast, and the same sequence for the same seed. */
static uint64_t rng_state;

void rng_seed(uint64_t seed)
{
	rng_state = seed;
}

uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t rng_below(uint32_t n)
{
	return n ? (uint32_t)(rng_next() % n) : 0;
}

/* Parse a prefix the test itself wrote; a typo in a test is a failure. */
struct prefix pfx(const char *text)
{
	struct prefix p;
	const char *why = "";
	int err = prefix_parse(text, &p, &why);

	CHECK(err == 0, "test prefix '%s' does not parse: %s", text, why);
	if (err)
		memset(&p, 0, sizeof(p));
	return p;
}

const char *fmt(const struct prefix *p)
{
	static char buf[4][PREFIX_STRLEN];
	static int slot;
	char *b = buf[slot++ % 4];

	prefix_format(p, b, PREFIX_STRLEN);
	return b;
}

int prefix_eq(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Randomise every address bit from bit @from on; bits before it stay. */
void random_bits_from(struct prefix *p, int from)
{
	int bytes = p->family == AF_INET ? 4 : 16;

	for (int i = 0; i < bytes; i++) {
		int keep = from - i * 8;
		uint8_t r = (uint8_t)rng_next();

		if (keep <= 0) {
			p->addr[i] = r;
		} else if (keep < 8) {
			uint8_t m = (uint8_t)(0xff << (8 - keep));

			p->addr[i] = (p->addr[i] & m) | (r & (uint8_t)~m);
		}
	}
}

/* The first (@last = 0) or last address of prefix @p. */
struct prefix prefix_edge(const struct prefix *p, int last)
{
	struct prefix a = *p;
	int bytes = p->family == AF_INET ? 4 : 16;

	for (int i = 0; last && i < bytes; i++) {
		int keep = p->plen - i * 8;

		if (keep <= 0)
			a.addr[i] = 0xff;
		else if (keep < 8)
			a.addr[i] |= (uint8_t)(0xff >> keep);
	}
	a.plen = prefix_max_len(p);
	return a;
}

struct prefix random_prefix(int family, int plen)
{
	struct prefix p = {.family = family};

	random_bits_from(&p, 0);
	prefix_truncate(&p, plen);
	return p;
}

void rs_add(struct ruleset *rs, const char *text, uint16_t list, uint8_t action,
	    uint8_t match, uint32_t line)
{
	struct prefix p = pfx(text);

	CHECK(ruleset_add(rs, &p, list, action, match, line) == 0,
	      "ruleset_add(%s)", text);
}

const struct rule *rs_find(const struct ruleset *rs, const char *text,
			   uint16_t list)
{
	struct prefix p = pfx(text);
	const struct rule_table *t = p.family == AF_INET ? &rs->v4 : &rs->v6;

	for (size_t i = 0; i < t->nr; i++)
		if (prefix_eq(&t->rules[i].prefix, &p) &&
		    t->rules[i].list_id == list)
			return &t->rules[i];
	return NULL;
}

void sim_free(struct sim *s)
{
	ip4_plan_free(&s->p4);
	trie_plan_free(&s->p6);
	free(s->tbl24);
	free(s->tbl8);
	free(s->hosts);
	free(s->runs4);
	free(s->runs6);
	memset(s, 0, sizeof(*s));
}

/*
 * A trie is a tree of well-formed nodes: each node reached from exactly
 * one entry, no node deeper than the last step, every node's runs where
 * it says (the first non-node child starts one, no run starts at a node
 * child), and every index inside its table. A node holds two or more
 * prefixes, so no more than the family's most steps in nodes per prefix
 * (chains of nested prefixes down to one address).
 */
struct trie_check {
	const struct trie_plan *p;
	const struct xdpb_leaf *leaves; /* the family's, by index */
	uint32_t bits; /* of an address: 32 or 128 */
	unsigned char *seen;
	size_t bad;
};

static void check_node(struct trie_check *c, uint32_t index, uint32_t depth);

/* A single of a subtree at @depth: its prefix is longer. */
static void check_single(struct trie_check *c, uint32_t index, uint32_t depth)
{
	const struct xdpb_trie_single *s = &c->p->singles[index];

	if (index >= c->p->nr_singles || s->leaf >= c->p->nr_leaves ||
	    s->base >= c->p->nr_leaves || s->plen <= depth || s->plen > c->bits)
		c->bad++;
	/* the copies the datapath answers from are its leaves */
	else if (memcmp(&s->inside, &c->leaves[s->leaf], sizeof(s->inside)) ||
		 memcmp(&s->outside, &c->leaves[s->base], sizeof(s->outside)))
		c->bad++;
}

static void check_entry(struct trie_check *c, uint32_t e, uint32_t depth)
{
	uint32_t index = e & XDPB_ENTRY_INDEX_MASK;

	switch (e >> XDPB_KIND_SHIFT) {
	case XDPB_KIND_LEAF:
		if (index >= c->p->nr_leaves)
			c->bad++;
		break;
	case XDPB_KIND_SINGLE:
		check_single(c, index, depth);
		break;
	case XDPB_KIND_NODE:
		check_node(c, index, depth);
		break;
	default:
		c->bad++;
	}
}

static void check_node(struct trie_check *c, uint32_t index, uint32_t depth)
{
	const struct xdpb_trie_node *n;
	uint64_t leaves;
	uint32_t nr_runs, nr_singles, nr_kids, below = depth + XDPB_TRIE_STRIDE;

	if (index >= c->p->nr_nodes || c->seen[index] || depth >= c->bits) {
		c->bad++;
		return;
	}
	c->seen[index] = 1;
	n = &c->p->nodes[index];
	leaves = ~(n->children | n->singles);
	nr_runs = (uint32_t)__builtin_popcountll(n->runs);
	nr_singles = (uint32_t)__builtin_popcountll(n->singles);
	nr_kids = (uint32_t)__builtin_popcountll(n->children);
	if ((n->children & n->singles) || (n->runs & ~leaves) ||
	    (leaves && !(n->runs & (leaves & -leaves))))
		c->bad++;
	if (n->run_base == XDPB_TRIE_RUNS_INLINE
		    ? nr_runs > XDPB_TRIE_NODE_RUNS
		    : n->run_base + (size_t)nr_runs > c->p->nr_runs)
		c->bad++;
	if (n->single_base + (size_t)nr_singles > c->p->nr_singles) {
		c->bad++;
		return;
	}
	for (uint32_t k = 0; k < nr_runs; k++)
		check_entry(c,
			    n->run_base == XDPB_TRIE_RUNS_INLINE
				    ? n->run[k]
				    : c->p->runs[n->run_base + k],
			    below);
	for (uint32_t k = 0; k < nr_singles; k++)
		check_single(c, n->single_base + k, below);
	for (uint32_t k = 0; k < nr_kids; k++)
		check_node(c, n->child_base + k, below);
}

/*
 * Root entry @root's bucket: 2..XDPB_IP4/6_BUCKET_PREFIXES prefixes of
 * its subtree, longer than the root's bits, longest first, then nothing.
 */
static void check_bucket(struct trie_check *c, uint32_t index, uint32_t root)
{
	const void *line = &c->p->nodes[index];
	uint32_t n, max, base, plen[XDPB_IP4_BUCKET_PREFIXES] = {0};
	uint32_t leaf[XDPB_IP4_BUCKET_PREFIXES] = {0};
	int stray =
		0; /* bits that say another subtree, or bits set past the end */

	if (index >= c->p->nr_nodes || c->seen[index]) {
		c->bad++;
		return;
	}
	c->seen[index] = 1;
	if (c->bits == 32) {
		const struct xdpb_ip4_bucket *bk = line;

		max = XDPB_IP4_BUCKET_PREFIXES;
		base = bk->base;
		for (n = 0; n < max; n++) {
			plen[n] = bk->plen[n];
			leaf[n] = bk->leaf[n];
			stray |= plen[n] && bk->addr[n] >> 16 != root;
		}
	} else {
		const struct xdpb_ip6_bucket *bk = line;

		max = XDPB_IP6_BUCKET_PREFIXES;
		base = bk->base;
		for (n = 0; n < max; n++) {
			plen[n] = bk->tag[n] & XDPB_IP6_BUCKET_PLEN_MASK;
			leaf[n] = bk->leaf[n];
			/* the root's bits are not kept: 8..18 must be zero */
			stray |= (bk->tag[n] >> 8 & 0x7ff) ||
				 (!plen[n] && (bk->tag[n] || bk->lo[n]));
		}
	}
	if (base >= c->p->nr_leaves || stray)
		c->bad++;
	for (n = 0; n < max && plen[n]; n++)
		if (plen[n] <= c->p->root_bits || plen[n] > c->bits ||
		    (n && plen[n] > plen[n - 1]) || !leaf[n] ||
		    leaf[n] >= c->p->nr_leaves)
			c->bad++;
	if (n < 2)
		c->bad++;
	for (; n < max; n++)
		if (plen[n])
			c->bad++;
}

static void sim_check_trie(const struct trie_plan *p,
			   const struct xdpb_leaf *leaves, uint32_t bits)
{
	struct trie_check c = {.p = p,
			       .leaves = leaves,
			       .bits = bits,
			       .seen = calloc(p->nr_nodes + 1, 1)};
	size_t max_steps = bits == 32 ? XDPB_IP4_MAX_STEPS : XDPB_IP6_MAX_STEPS;
	size_t reached = 0;

	if (!c.seen) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	if (p->root_bits != XDPB_TRIE_ROOT_BITS(bits == 32))
		c.bad++;
	for (uint32_t r = 0; p->root && r < trie_root_entries(p); r++)
		if (p->root[r] >> XDPB_KIND_SHIFT == XDPB_KIND_BUCKET)
			check_bucket(&c, p->root[r] & XDPB_ENTRY_INDEX_MASK, r);
		else
			check_entry(&c, p->root[r], p->root_bits);
	for (size_t i = 0; i < p->nr_nodes; i++)
		reached += c.seen[i];
	CHECK(c.bad == 0, "%zu malformed IPv%d trie entries", c.bad,
	      bits == 32 ? 4 : 6);
	CHECK(reached == p->nr_nodes, "%zu of %zu IPv%d trie nodes reached",
	      reached, p->nr_nodes, bits == 32 ? 4 : 6);
	CHECK(p->nr_nodes <= p->nr_prefixes * max_steps,
	      "%zu IPv%d trie nodes for %zu prefixes", p->nr_nodes,
	      bits == 32 ? 4 : 6, p->nr_prefixes);
	free(c.seen);
}

/* Copy of a trie's runs in whole chunks, as the map holds them. */
static uint32_t *runs_in_chunks(const struct trie_plan *p)
{
	uint32_t *runs = calloc(p->nr_runs + XDPB_TBL_CHUNK, sizeof(uint32_t));

	if (!runs) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	if (p->nr_runs)
		memcpy(runs, p->runs, p->nr_runs * sizeof(uint32_t));
	return runs;
}

static struct model_trie model_trie_of(const struct trie_plan *p,
				       uint32_t *runs)
{
	return (struct model_trie){
		.root = p->root,
		.runs = runs,
		.nr_run_chunks =
			(p->nr_runs + XDPB_TBL_CHUNK - 1) / XDPB_TBL_CHUNK,
		.nodes = p->nodes,
		.nr_nodes = p->nr_nodes,
		.singles = p->singles,
		.nr_singles = p->nr_singles,
	};
}

/*
 * Every single and every bucket answers its base, inside its prefixes
 * too (SIM_NO_SINGLES).
 */
static void sim_drop_singles(struct trie_plan *p)
{
	for (size_t i = 0; i < p->nr_singles; i++) {
		p->singles[i].leaf = p->singles[i].base;
		p->singles[i].inside = p->singles[i].outside;
	}
	for (uint32_t r = 0; r < trie_root_entries(p); r++) {
		void *line = &p->nodes[p->root[r] & XDPB_ENTRY_INDEX_MASK];
		struct xdpb_ip4_bucket *b4 = line;
		struct xdpb_ip6_bucket *b6 = line;

		if (p->root[r] >> XDPB_KIND_SHIFT != XDPB_KIND_BUCKET)
			continue;
		if (p->root_bits == XDPB_IP4_ROOT_BITS)
			for (int n = 0; n < XDPB_IP4_BUCKET_PREFIXES; n++)
				b4->leaf[n] = b4->base;
		else
			for (int n = 0; n < XDPB_IP6_BUCKET_PREFIXES; n++)
				b6->leaf[n] = b6->base;
	}
}

/* Build every table from @rs the way the loader does. */
int sim_build(struct sim *s, const struct ruleset *rs, int flags)
{
	uint32_t *host_addrs, *host_leaves;
	int err;

	memset(s, 0, sizeof(*s));
	err = ip4_plan_build(&rs->v4, &s->p4);
	CHECK(err == 0, "ip4_plan_build: %d", err);
	if (err)
		return err;
	CHECK(s->p4.nr_leaves == s->p4.nr_nodes + 1, "%zu leaves for %zu nodes",
	      s->p4.nr_leaves, s->p4.nr_nodes);
	CHECK(s->p4.leaves[0].dir[0].action == XDPB_ACT_NONE &&
		      s->p4.leaves[0].dir[1].action == XDPB_ACT_NONE,
	      "leaf 0 is not empty");
	if (flags & SIM_FLAT)
		ip4_plan_flatten(&s->p4);
	s->tbl24 = calloc(s->p4.flat ? (size_t)XDPB_TBL16_ENTRIES *
					       XDPB_TBL24_GROUP_SIZE
				     : 1,
			  sizeof(uint32_t));
	s->tbl8 = calloc(s->p4.nr_groups * XDPB_TBL8_GROUP_SIZE + 1,
			 sizeof(uint32_t));
	host_addrs = calloc(s->p4.nr_hosts + 1, sizeof(uint32_t));
	host_leaves = calloc(s->p4.nr_hosts + 1, sizeof(uint32_t));
	s->hosts = calloc(s->p4.nr_hosts + 1, sizeof(*s->hosts));
	if (!s->tbl24 || !s->tbl8 || !host_addrs || !host_leaves || !s->hosts) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	if (s->p4.flat)
		ip4_plan_fill_flat(&s->p4, s->tbl24, s->tbl8, host_addrs,
				   host_leaves);
	else {
		CHECK(s->p4.trie.root != NULL, "an IPv4 plan without a trie");
		if (!s->p4.trie.root)
			return -EINVAL;
		sim_check_trie(&s->p4.trie, s->p4.leaves, 32);
		if (flags & SIM_NO_SINGLES)
			sim_drop_singles(&s->p4.trie);
	}
	s->runs4 = runs_in_chunks(&s->p4.trie);
	s->nr_hosts = s->p4.nr_hosts;
	for (size_t i = 0; i < s->nr_hosts; i++) {
		s->hosts[i].addr_be = host_addrs[i];
		s->hosts[i].leaf = host_leaves[i];
	}
	free(host_addrs);
	free(host_leaves);
	qsort(s->hosts, s->nr_hosts, sizeof(*s->hosts), model_host_cmp);
	for (size_t i = 1; i < s->nr_hosts; i++)
		CHECK(s->hosts[i - 1].addr_be != s->hosts[i].addr_be,
		      "/32 hash key given twice");

	err = ip6_plan_build(&rs->v6, &s->p6);
	CHECK(err == 0, "ip6_plan_build: %d", err);
	if (err)
		return err;
	CHECK(s->p6.nr_leaves == s->p6.nr_prefixes + 1,
	      "%zu IPv6 leaves for %zu prefixes", s->p6.nr_leaves,
	      s->p6.nr_prefixes);
	sim_check_trie(&s->p6, s->p6.leaves, 128);
	if (flags & SIM_NO_SINGLES)
		sim_drop_singles(&s->p6);
	s->runs6 = runs_in_chunks(&s->p6);
	s->info.ip4_flat = (uint8_t)s->p4.flat;
	s->info.nr_v6_prefixes = (uint32_t)s->p6.nr_prefixes;
	s->info.nr_v4_prefixes = (uint32_t)s->p4.nr_nodes;
	s->tables = (struct model_tables){
		.trie4 = model_trie_of(&s->p4.trie, s->runs4),
		.trie6 = model_trie_of(&s->p6, s->runs6),
		.tbl24 = s->tbl24,
		.tbl8 = s->tbl8,
		.nr_groups = s->p4.nr_groups,
		.hosts = s->hosts,
		.nr_hosts = s->nr_hosts,
		.leaves4 = s->p4.leaves,
		.nr_leaves4 = s->p4.nr_leaves,
		.leaves6 = s->p6.leaves,
		.nr_leaves6 = s->p6.nr_leaves,
		.info = &s->info,
	};
	return 0;
}

int sim_lookup(struct sim *s, const struct prefix *a, struct xdpb_leaf *out)
{
	if (a->family == AF_INET) {
		uint32_t be;

		memcpy(&be, a->addr, 4);
		if (!s->info.nr_v4_prefixes)
			return 0; /* the datapath does not look */
		return model_ip4_lookup(&s->tables, be, out, &s->st);
	}
	if (!s->info.nr_v6_prefixes)
		return 0; /* the datapath does not look */
	return model_ip6_lookup(&s->tables, a->addr, out, &s->st);
}

int match_is_rule(const struct xdpb_match *m, const struct rule *r)
{
	if (!r)
		return !m || m->action == XDPB_ACT_NONE;
	return m && m->action == r->action && m->rule_id == r->rule_id &&
	       m->list_id == r->list_id && m->prefixlen == r->prefix.plen;
}

void describe(char *buf, size_t len, const struct xdpb_match *m,
	      const struct rule *r)
{
	int n = snprintf(buf, len, "datapath ");

	if (m && m->action != XDPB_ACT_NONE)
		n += snprintf(buf + n, len - n, "rule %u list %u %s /%u",
			      m->rule_id, m->list_id, action_name(m->action),
			      m->prefixlen);
	else
		n += snprintf(buf + n, len - n, "no rule");
	if (r)
		snprintf(buf + n, len - n, ", reference rule %u %s list %u %s",
			 r->rule_id, fmt(&r->prefix), r->list_id,
			 action_name(r->action));
	else
		snprintf(buf + n, len - n, ", reference no rule");
}

void give_ids(struct ruleset *rs)
{
	struct ruleset empty = {0};
	struct rule_ids ids;
	uint32_t *rel = NULL;
	size_t nr_rel = 0;

	rule_ids_init(&ids, 1u << 24);
	CHECK(rule_ids_assign(&ids, &empty, rs, &rel, &nr_rel) == 0,
	      "rule_ids_assign");
	free(rel);
	rule_ids_free(&ids);
}
