// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Differential test: the XDP program against the reference matcher
 * (refmatch_packet) on random rule sets and random packets.
 *
 * Each rule set has lists with random ids, actions and match directions,
 * IPv4 and IPv6 prefixes of every length (weighted toward the common
 * ones, with /32 and /128 hosts), and a share of prefixes derived from
 * earlier ones: the same prefix in another list, a repeat in the same
 * list, a longer prefix inside one, a shorter one around one. The "dense"
 * set packs everything into one IPv4 /16 and one IPv6 /40, so that nesting
 * is deep and tbl8 groups, /32 hosts inside groups and IPv6 lengths
 * are everywhere.
 *
 * For every packet the verdict must be the reference's, and exactly the
 * reference's deciding rule must have counted it (its rule and list
 * counters move by one packet and the frame length, the interface slot of
 * its action too). The test keeps the expected value of every counter and
 * compares all of them at the end of each set. Sets are activated one
 * after the other on the same program, ids assigned against the previous
 * set, as the daemon reloads.
 *
 * Usage: diff_test [SEED] (or DIFF_SEED=...). Same seed, same sets and
 * packets. Needs root (BPF): without it, prints SKIP and exits 77; as
 * root, a program that does not load is a failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "common/log.h"
#include "datapath/loader.h"
#include "rules/refmatch.h"
#include "rules/ruleset.h"
#include "testlib.h"

#include "frames.h"
#include "xdprun.h"

#define DEFAULT_SEED 0x5eed2024u
/* ids in use at once: the largest set, plus 0 */
#define RULE_ID_CAP (1u << 19)
#define MAX_REPORTED 10 /* mismatches before a family is given up */
#define ULL(x) ((unsigned long long)(x))

static uint64_t run_seed; /* every set's seed derives from it */

struct set_cfg {
	const char *name;
	size_t nr_v4, nr_v6; /* rules added (before duplicates are dropped) */
	int nr_lists;
	int dense; /* all prefixes inside 10.20.0.0/16 and 2001:db8:ab00::/40 */
	int packets; /* per family */
};

/* clang-format off */
static const struct set_cfg set_cfgs[] = {
	{ "tiny", 10, 10, 3, 0, 3000 },
	{ "small", 1000, 1000, 6, 0, 10000 },
	{ "large", 50000, 50000, 16, 0, 10000 },
	{ "dense", 20000, 20000, 8, 1, 10000 },
	/* everything removed: all passes, uncounted; the reload also zeroes
	 * the ~95000 ids the large set released */
	{ "empty", 0, 0, 0, 0, 2000 },
	/* enough prefixes longer than /16 for a flat IPv4 table
	 * (IP4_FLAT_MIN_PREFIXES) */
	{ "flat", 360000, 0, 16, 0, 10000 },
};
/* clang-format on */

#define NR_SETS (sizeof(set_cfgs) / sizeof(set_cfgs[0]))

/* ---- deterministic random numbers (splitmix64) ----------------------------- */

/* Uniform in [0, n); n > 0. */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static int rng_range(struct rng *r, int lo, int hi)
{
	return lo + (int)rng_below(r, hi - lo + 1);
}

static void rng_bytes(struct rng *r, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rng_next(r);
}

/* ---- addresses and prefixes -------------------------------------------------- */

static int family_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* The region every prefix of a dense set lies in. */
static struct prefix dense_region(int family)
{
	return prefix_of(family == AF_INET ? "10.20.0.0/16"
					   : "2001:db8:ab00::/40");
}

/* A random address in @region (its host bits random). */
static struct prefix random_in(struct rng *r, const struct prefix *region)
{
	struct prefix a = *region;
	int max = prefix_max_len(region), nbytes = family_bytes(region->family);

	rng_bytes(r, a.addr, nbytes);
	for (int bit = 0; bit < region->plen; bit++) {
		uint8_t m = 0x80 >> (bit % 8);

		a.addr[bit / 8] = (a.addr[bit / 8] & ~m) |
				  (region->addr[bit / 8] & m);
	}
	a.plen = max;
	return a;
}

/* The first (@last = 0) or last address of prefix @p. */
static struct prefix prefix_edge(const struct prefix *p, int last)
{
	struct prefix a = *p;

	for (int bit = p->plen; bit < prefix_max_len(p); bit++) {
		uint8_t m = 0x80 >> (bit % 8);

		if (last)
			a.addr[bit / 8] |= m;
		else
			a.addr[bit / 8] &= ~m;
	}
	a.plen = prefix_max_len(p);
	return a;
}

/* @a plus @delta (+1 or -1), wrapping around the address space. */
static void address_step(struct prefix *a, int delta)
{
	for (int i = family_bytes(a->family) - 1; i >= 0; i--) {
		uint8_t old = a->addr[i];

		a->addr[i] += delta;
		if ((delta > 0 && a->addr[i] > old) ||
		    (delta < 0 && a->addr[i] < old))
			break;
	}
}

/* Uniform in [lo, hi], skewed toward hi (the larger of two draws). */
static int rng_range_high(struct rng *r, int lo, int hi)
{
	int a = rng_range(r, lo, hi), b = rng_range(r, lo, hi);

	return a > b ? a : b;
}

/*
 * Prefix lengths: all of them possible, the realistic ones likely (hosts,
 * /24 and /48, /64, then longer rather than shorter).
 */
/* clang-format off */
static int random_plen(struct rng *r, int family, int dense)
{
	int x = rng_below(r, 1000);

	if (family == AF_INET) {
		if (dense) /* inside 10.20.0.0/16 */
			return x < 10 ? rng_range(r, 0, 19) :
			       x < 300 ? 32 :
			       x < 450 ? 24 : rng_range_high(r, 20, 31);
		return x < 5 ? rng_range(r, 0, 7) :
		       x < 300 ? 32 :
		       x < 500 ? 24 :
		       x < 550 ? 16 : rng_range_high(r, 8, 31);
	}
	if (dense) /* inside 2001:db8:ab00::/40 */
		return x < 10 ? rng_range(r, 0, 43) :
		       x < 250 ? 128 :
		       x < 400 ? 64 :
		       x < 480 ? 48 : rng_range_high(r, 44, 127);
	return x < 5 ? rng_range(r, 0, 15) :
	       x < 200 ? 128 :
	       x < 350 ? 64 :
	       x < 480 ? 48 :
	       x < 540 ? 56 :
	       x < 580 ? 32 : rng_range_high(r, 16, 127);
}
/* clang-format on */

/* ---- random rule sets ---------------------------------------------------------- */

struct list_info {
	uint16_t id;
	uint8_t action, match;
};

struct set_stats {
	size_t nr_added, nr_derived;
};

/*
 * The first three lists drop, monitor and allow, so even a tiny set has
 * every action; the others are random. Ids are distinct and random, so
 * list order is not the order lists are made in.
 */
static void random_lists(struct rng *r, struct list_info *lists, int n)
{
	static const uint8_t first_actions[] = {XDPB_ACT_DROP, XDPB_ACT_MONITOR,
						XDPB_ACT_ALLOW};

	for (int i = 0; i < n; i++) {
		int a = rng_below(r, 10), m = rng_below(r, 4);
		uint16_t id;
		int dup;

		do {
			id = rng_range(r, 1, XDPB_MAX_LISTS - 1);
			dup = 0;
			for (int j = 0; j < i; j++)
				dup |= lists[j].id == id;
		} while (dup);
		lists[i].id = id;
		if (i < 3)
			lists[i].action = first_actions[i];
		else
			lists[i].action = a < 5	  ? XDPB_ACT_DROP
					  : a < 7 ? XDPB_ACT_ALLOW
						  : XDPB_ACT_MONITOR;
		lists[i].match = m < 2	 ? XDPB_MATCH_BOTH
				 : m < 3 ? XDPB_MATCH_SRC
					 : XDPB_MATCH_DST;
	}
}

/*
 * A random list for a new rule. Allow lists get fewer rules, and longer
 * ones, as allowlists do; very short prefixes go to monitor lists only. An
 * allow /12 or a drop /3 (or, in a dense set, a /20 of the region) would
 * decide most packets and leave nothing to the rules inside it.
 */
static const struct list_info *pick_list(struct rng *r,
					 const struct list_info *lists,
					 int nr_lists, int monitor_only,
					 int allow_ok)
{
	int weight[32], total = 0, x;

	for (int i = 0; i < nr_lists; i++) {
		uint8_t a = lists[i].action;

		if (monitor_only)
			weight[i] = a == XDPB_ACT_MONITOR;
		else if (a == XDPB_ACT_ALLOW)
			weight[i] = allow_ok;
		else
			weight[i] = 4;
		total += weight[i];
	}
	x = rng_below(r, total);
	for (int i = 0; i < nr_lists; i++) {
		if (x < weight[i])
			return &lists[i];
		x -= weight[i];
	}
	return &lists[0];
}

/* Prefixes shorter than this go to monitor lists only. */
static int short_plen(int family, int dense)
{
	if (dense)
		return dense_region(family).plen + 4;
	return family == AF_INET ? 8 : 16;
}

/* Allow lists hold no prefix shorter than this. */
static int min_allow_plen(int family, int dense)
{
	if (family == AF_INET)
		return dense ? 28 : 16; /* a dense /16 has only 256 /24s */
	return dense ? 56 : 32;
}

/*
 * Add @n rules of @family. About a third are derived from a rule added
 * before: the same prefix in another list or the same one, a longer
 * prefix inside it, or a shorter one around it.
 */
static int add_random_rules(struct rng *r, struct ruleset *rs, int family,
			    size_t n, const struct list_info *lists,
			    int nr_lists, int dense, uint32_t *line,
			    struct set_stats *st)
{
	const struct rule_table *t = family == AF_INET ? &rs->v4 : &rs->v6;
	struct prefix whole = {.family = family, .plen = 0};
	int max = family == AF_INET ? 32 : 128;

	for (size_t i = 0; i < n; i++) {
		const struct list_info *l = NULL;
		struct prefix p;
		int err, short_p, allow_ok;

		if (t->nr && rng_below(r, 100) < 35) {
			const struct rule *base =
				&t->rules[rng_below(r, t->nr)];
			int kind = rng_below(r, 100), plen = base->prefix.plen;

			p = base->prefix;
			if (kind < 35) {
				/* same prefix, another list */
			} else if (kind < 45) {
				for (int j = 0; j < nr_lists; j++)
					if (lists[j].id == base->list_id)
						l = &lists[j]; /* a repeat */
			} else if (kind < 80 && plen < max) {
				p = random_in(r, &base->prefix);
				prefix_truncate(&p, rng_range(r, plen + 1,
							      plen + 8 < max
								      ? plen + 8
								      : max));
			} else if (plen > 0) {
				prefix_truncate(
					&p,
					rng_range(r, plen > 8 ? plen - 8 : 0,
						  plen - 1));
			}
			st->nr_derived++;
		} else {
			struct prefix region = dense ? dense_region(family)
						     : whole;

			p = random_in(r, &region);
			prefix_truncate(&p, random_plen(r, family, dense));
		}
		short_p = p.plen < short_plen(family, dense);
		allow_ok = p.plen >= min_allow_plen(family, dense);
		if (!l || (short_p && l->action != XDPB_ACT_MONITOR) ||
		    (!allow_ok && l->action == XDPB_ACT_ALLOW))
			l = pick_list(r, lists, nr_lists, short_p, allow_ok);
		err = ruleset_add(rs, &p, l->id, l->action, l->match,
				  (*line)++);
		if (err)
			return err;
		st->nr_added++;
	}
	return 0;
}

/* ---- packets -------------------------------------------------------------------- */

/*
 * An address to test: half the time inside a random rule's prefix (now
 * and then its first or last address, or the address just outside it),
 * otherwise uniform (for dense sets mostly uniform inside the region).
 */
static struct prefix random_address(struct rng *r, const struct rule_table *t,
				    int family, int dense)
{
	struct prefix whole = {.family = family, .plen = 0};
	int x = rng_below(r, 100);

	if (t->nr && x < 50) {
		const struct prefix *p = &t->rules[rng_below(r, t->nr)].prefix;
		struct prefix a;

		if (x < 40)
			return random_in(r, p);
		a = prefix_edge(p, x & 1);
		if (x >= 45) /* one past the edge: outside @p */
			address_step(&a, x & 1 ? 1 : -1);
		return a;
	}
	if (dense && x < 90) {
		struct prefix region = dense_region(family);

		return random_in(r, &region);
	}
	return random_in(r, &whole);
}

static void build_packet(struct rng *r, const struct prefix *src,
			 const struct prefix *dst, struct frame *f)
{
	uint16_t type = src->family == AF_INET ? ETH_P_IP : ETH_P_IPV6;
	size_t l3;

	frame_init(f);
	if (rng_below(r, 10) == 0) {
		eth_put(f, ETH_P_8021Q);
		vlan_put(f, rng_range(r, 1, 4094), type);
	} else {
		eth_put(f, type);
	}
	if (src->family == AF_INET) {
		l3 = ipv4_put_raw(f, src->addr, dst->addr, IPPROTO_UDP, 0, 0);
		udp_put(f, rng_below(r, 64));
		ipv4_finish(f, l3);
	} else {
		l3 = ipv6_put_raw(f, src->addr, dst->addr, IPPROTO_UDP);
		udp_put(f, rng_below(r, 64));
		ipv6_finish(f, l3);
	}
}

/* ---- the expected counters --------------------------------------------------------- */

struct shadow {
	struct xdpb_counter *rules; /* RULE_ID_CAP */
	struct xdpb_counter lists[XDPB_MAX_LISTS];
	struct xdpb_iface_stats iface;
};

struct env {
	struct loader ld;
	int prog_fd, list_stats_fd;
	struct shadow sh;
	struct xdpb_counter *scratch; /* RULE_ID_CAP */
	const struct rule **by_id; /* RULE_ID_CAP: the current set's rules */
};

static void counter_add(struct xdpb_counter *c, uint64_t bytes)
{
	c->packets++;
	c->bytes += bytes;
}

static int counter_eq(const struct xdpb_counter *a,
		      const struct xdpb_counter *b)
{
	return a->packets == b->packets && a->bytes == b->bytes;
}

/*
 * Read every counter; report each that differs from the expected values
 * (at most @max_print lines) and take the kernel's values as expected
 * from now on. Returns the number of differing counters.
 */
static int shadow_resync(struct env *e, const char *when, int max_print)
{
	struct xdpb_iface_stats st;
	int diffs = 0, err;
	char buf[160];

	err = loader_read_rules(&e->ld, e->scratch, RULE_ID_CAP);
	if (err) {
		printf("  reading rule counters: %s\n", strerror(-err));
		return 1;
	}
	for (uint32_t id = 0; id < RULE_ID_CAP; id++) {
		if (counter_eq(&e->scratch[id], &e->sh.rules[id]))
			continue;
		if (e->by_id[id])
			rule_format(e->by_id[id], buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "no rule of the set has it");
		if (diffs++ < max_print)
			printf("  %s: rule_id %u (%s) has %llu packets %llu bytes, expected %llu / %llu\n",
			       when, id, buf, ULL(e->scratch[id].packets),
			       ULL(e->scratch[id].bytes),
			       ULL(e->sh.rules[id].packets),
			       ULL(e->sh.rules[id].bytes));
		e->sh.rules[id] = e->scratch[id];
	}
	for (int l = 0; l < XDPB_MAX_LISTS; l++) {
		struct xdpb_counter c;

		if (loader_read_list(&e->ld, l, &c) ||
		    counter_eq(&c, &e->sh.lists[l]))
			continue;
		if (diffs++ < max_print)
			printf("  %s: list %d has %llu packets, expected %llu\n",
			       when, l, ULL(c.packets),
			       ULL(e->sh.lists[l].packets));
		e->sh.lists[l] = c;
	}
	if (!loader_read_iface(&e->ld, TEST_IFINDEX, &st))
		for (int s = 0; s < XDPB_STAT_MAX; s++) {
			if (counter_eq(&st.stat[s], &e->sh.iface.stat[s]))
				continue;
			if (diffs++ < max_print)
				printf("  %s: iface slot %s has %llu packets, expected %llu\n",
				       when, stat_name(s),
				       ULL(st.stat[s].packets),
				       ULL(e->sh.iface.stat[s].packets));
			e->sh.iface.stat[s] = st.stat[s];
		}
	return diffs;
}

/* ---- one family of one set ---------------------------------------------------------- */

struct family_result {
	int packets, mismatches;
	int by_action[XDPB_ACT_MAX]; /* expected deciders' actions */
	int hosts; /* decided by a /32 or /128 */
};

static void print_packet(const char *tag, const struct prefix *src,
			 const struct prefix *dst)
{
	char s[PREFIX_STRLEN], d[PREFIX_STRLEN];

	prefix_format(src, s, sizeof(s));
	prefix_format(dst, d, sizeof(d));
	printf("  %s: src %s dst %s\n", tag, s, d);
}

/*
 * Run one packet, compare with the reference. On a mismatch, print the
 * packet, the reference's answer and every counter that differs from the
 * expected values (the rule the program counted among them).
 */
static int check_packet(struct env *e, const struct ruleset *rs, struct rng *r,
			const struct prefix *src, const struct prefix *dst,
			const struct rule *want, const char *tag)
{
	uint32_t want_verdict = want ? verdict_of(want->action) : XDP_PASS;
	int stat = want ? want->action : XDPB_STAT_PASS;
	struct xdpb_counter rule_c = {0}, list_c = {0};
	struct xdpb_iface_stats st;
	struct xdp_result res;
	struct frame f;
	int bad = 0, err;
	char buf[160];

	build_packet(r, src, dst, &f);
	err = xdp_run(e->prog_fd, &f, &res);
	if (err) {
		printf("  BPF_PROG_TEST_RUN: %s\n", strerror(-err));
		return 1;
	}
	if (want) {
		counter_add(&e->sh.rules[want->rule_id], f.len);
		counter_add(&e->sh.lists[want->list_id], f.len);
		loader_read_rule(&e->ld, want->rule_id, &rule_c);
		bad |= !counter_eq(&rule_c, &e->sh.rules[want->rule_id]);
		bad |= percpu_counter_read(e->list_stats_fd, want->list_id,
					   e->ld.nr_cpus, &list_c) ||
		       !counter_eq(&list_c, &e->sh.lists[want->list_id]);
	}
	counter_add(&e->sh.iface.stat[stat], f.len);
	bad |= loader_read_iface(&e->ld, TEST_IFINDEX, &st) ||
	       !counter_eq(&st.stat[stat], &e->sh.iface.stat[stat]);
	bad |= res.retval != want_verdict;
	if (!bad)
		return 0;

	print_packet(tag, src, dst);
	rule_format(want, buf, sizeof(buf));
	printf("    reference: %s -> %s\n", buf,
	       xdp_verdict_name(want_verdict));
	rule_format(refmatch_address(rs, src, XDPB_DIR_SRC), buf, sizeof(buf));
	printf("    reference src-direction winner: %s\n", buf);
	rule_format(refmatch_address(rs, dst, XDPB_DIR_DST), buf, sizeof(buf));
	printf("    reference dst-direction winner: %s\n", buf);
	printf("    XDP program: %s; counters that differ from the reference's:\n",
	       xdp_verdict_name(res.retval));
	shadow_resync(e, "    counted", 8);
	return 1;
}

/*
 * @cfg->packets packets of @family against @rs. Addresses come from the
 * prefixes of @addr_rs (@rs, or the set before an empty one).
 */
static void run_family(struct env *e, const struct ruleset *rs,
		       const struct ruleset *addr_rs, const struct set_cfg *cfg,
		       int family, uint64_t seed, struct family_result *fr)
{
	const struct rule_table *t = family == AF_INET ? &addr_rs->v4
						       : &addr_rs->v6;
	struct rng r = {seed};
	char tag[96];

	memset(fr, 0, sizeof(*fr));
	for (int i = 0; i < cfg->packets; i++) {
		struct prefix src = random_address(&r, t, family, cfg->dense);
		struct prefix dst = random_address(&r, t, family, cfg->dense);
		const struct rule *want = refmatch_packet(rs, &src, &dst);

		fr->by_action[want ? want->action : XDPB_ACT_NONE]++;
		fr->hosts += want && want->prefix.plen == prefix_max_len(&src);
		snprintf(tag, sizeof(tag),
			 "MISMATCH run seed %#" PRIx64 ", set %s, %s packet %d",
			 run_seed, cfg->name,
			 family == AF_INET ? "IPv4" : "IPv6", i);
		fr->mismatches +=
			check_packet(e, rs, &r, &src, &dst, want, tag);
		fr->packets++;
		if (fr->mismatches >= MAX_REPORTED) {
			printf("  giving up on this family after %d mismatches\n",
			       fr->mismatches);
			break;
		}
	}
}

/* ---- one set --------------------------------------------------------------------------- */

/*
 * Reload to @next (xdprun.h: reload_ruleset) and follow it in the
 * expected counters: the ids released by the previous reload are zeroed
 * now, the ones released by this one keep their counts until the next.
 */
static int activate(struct env *e, struct id_keeper *k,
		    const struct ruleset *prev, struct ruleset *next,
		    struct activation_report *rep)
{
	size_t nr_zeroed = k->nr_pending;
	uint32_t *zeroed = malloc((nr_zeroed + 1) * sizeof(*zeroed));
	int err;

	if (!zeroed)
		return -ENOMEM;
	memcpy(zeroed, k->pending, nr_zeroed * sizeof(*zeroed));
	err = reload_ruleset(&e->ld, k, prev, next, rep);
	if (!err) {
		for (size_t i = 0; i < nr_zeroed; i++)
			memset(&e->sh.rules[zeroed[i]], 0,
			       sizeof(e->sh.rules[0]));
		for (size_t i = 0; i < k->nr_pending; i++)
			e->by_id[k->pending[i]] = NULL;
		for (size_t i = 0; i < next->v4.nr; i++)
			e->by_id[next->v4.rules[i].rule_id] =
				&next->v4.rules[i];
		for (size_t i = 0; i < next->v6.nr; i++)
			e->by_id[next->v6.rules[i].rule_id] =
				&next->v6.rules[i];
	}
	free(zeroed);
	return err;
}

/* One "PASS: diff/SET/WHAT" line for tests/run.sh. */
static void report(int failed, const char *set, const char *what)
{
	char suite[64];

	snprintf(suite, sizeof(suite), "diff/%s", set);
	tl_case_failed = failed;
	tl_case_done(suite, what);
}

/* Build, activate and test one set; non-zero if it could not be activated. */
static int run_set(struct env *e, struct id_keeper *k,
		   const struct ruleset *prev, struct ruleset *rs,
		   const struct set_cfg *cfg, uint64_t seed)
{
	struct list_info lists[32] = {{0}};
	struct set_stats st = {0};
	struct activation_report rep;
	struct rng r = {seed};
	uint32_t line = 1;
	uint64_t t0;
	int err;

	random_lists(&r, lists, cfg->nr_lists);
	err = add_random_rules(&r, rs, AF_INET, cfg->nr_v4, lists,
			       cfg->nr_lists, cfg->dense, &line, &st);
	if (!err)
		err = add_random_rules(&r, rs, AF_INET6, cfg->nr_v6, lists,
				       cfg->nr_lists, cfg->dense, &line, &st);
	ruleset_finish(rs);
	t0 = monotonic_ns();
	if (!err)
		err = activate(e, k, prev, rs, &rep);
	printf("set %s: seed %#" PRIx64 ", %d lists, %zu IPv4 + %zu IPv6 rules "
	       "(%zu added, %zu derived from others), activated in %.1f ms\n",
	       cfg->name, seed, cfg->nr_lists, rs->v4.nr, rs->v6.nr,
	       st.nr_added, st.nr_derived, (monotonic_ns() - t0) / 1e6);
	if (err) {
		printf("  building or activating: %s\n", strerror(-err));
		report(1, cfg->name, "activate");
		return err;
	}
	if (rep.v4_flat)
		printf("  IPv4: %zu leaves, flat: %zu tbl8 groups, %zu /32 hosts; ",
		       rep.v4_leaves, rep.v4_groups, rep.v4_hosts);
	else
		printf("  IPv4: %zu leaves, %zu trie nodes, %zu buckets, %zu singles; ",
		       rep.v4_leaves, rep.v4_nodes, rep.v4_buckets,
		       rep.v4_singles);
	printf("IPv6: %zu prefixes, %zu trie nodes (deepest at /%zu), %zu buckets, %zu singles\n",
	       rep.v6_prefixes, rep.v6_nodes, rep.v6_depth, rep.v6_buckets,
	       rep.v6_singles);

	for (int fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET;
		struct family_result fr;

		t0 = monotonic_ns();
		run_family(e, rs, rs->v4.nr + rs->v6.nr ? rs : prev, cfg,
			   family, seed ^ (fam ? 0x6666 : 0x4444), &fr);
		printf("  %s: %d packets in %.1f ms; reference deciders: %d none, "
		       "%d monitor, %d drop, %d allow (%d by a host rule); "
		       "%d mismatches\n",
		       fam ? "IPv6" : "IPv4", fr.packets,
		       (monotonic_ns() - t0) / 1e6, fr.by_action[XDPB_ACT_NONE],
		       fr.by_action[XDPB_ACT_MONITOR],
		       fr.by_action[XDPB_ACT_DROP],
		       fr.by_action[XDPB_ACT_ALLOW], fr.hosts, fr.mismatches);
		report(fr.mismatches != 0, cfg->name, fam ? "ipv6" : "ipv4");
	}
	/* Nothing counted anywhere the reference did not expect. */
	err = shadow_resync(e, "after the set", 10);
	if (err)
		printf("  %d counters differ from the expected values\n", err);
	report(err != 0, cfg->name, "all_counters");
	return 0;
}

/* ---- names ----------------------------------------------------------------------- */

/*
 * Domain rules against DNS queries: names built from a small vocabulary
 * (so that rules nest: exact and suffix rules of a name, its parents and
 * its children, in lists of every action), IPv4 address rules on the
 * clients, and queries of random names in random letter case. The verdict
 * and the counted rule must be the reference's: refmatch_name() and
 * refmatch_packet() combined by xdpb_decide_name().
 */
#define NAME_QUERIES 20000

static const char *const vocab[] = {"www", "mail",    "a",    "cdn", "x1",
				    "ads", "example", "test", "b-c", "_srv"};
static const char *const name_tlds[] = {"com", "net", "org"};

static void vocab_name(struct rng *r, char *out, int max_labels)
{
	int labels = rng_range(r, 1, max_labels);

	out[0] = '\0';
	for (int i = 0; i < labels; i++) {
		strcat(out,
		       vocab[rng_below(r, sizeof(vocab) / sizeof(vocab[0]))]);
		strcat(out, ".");
	}
	strcat(out, name_tlds[rng_below(r, 3)]);
}

static uint32_t verdict_of_dns(const struct xdpb_match *m)
{
	if (!m)
		return XDP_PASS;
	switch (m->action) {
	case XDPB_ACT_DROP:
		return XDP_DROP;
	case XDPB_ACT_NXDOMAIN:
	case XDPB_ACT_REFUSED:
	case XDPB_ACT_SINKHOLE:
		return XDP_TX;
	default:
		return XDP_PASS;
	}
}

static void run_names(struct env *e, struct id_keeper *k,
		      const struct ruleset *prev, struct ruleset *rs,
		      uint64_t seed)
{
	/*
	 * Lists of every action; reset ones answer DNS with NXDOMAIN or
	 * their dns_action, sinkhole ones answer (NODATA here); lists with
	 * protocols = web decide no DNS query, protocols = dns ones do.
	 */
	static const uint8_t actions[] = {XDPB_ACT_NXDOMAIN, XDPB_ACT_REFUSED,
					  XDPB_ACT_DROP,     XDPB_ACT_ALLOW,
					  XDPB_ACT_MONITOR,  XDPB_ACT_NXDOMAIN,
					  XDPB_ACT_RESET,    XDPB_ACT_SINKHOLE,
					  XDPB_ACT_RESET,    XDPB_ACT_RESET,
					  XDPB_ACT_NXDOMAIN, XDPB_ACT_ALLOW};
	static const uint8_t reset_dns[sizeof(actions)] = {
		[8] = XDPB_ACT_REFUSED, [9] = XDPB_ACT_DROP};
	static const uint8_t views[sizeof(actions)] = {[0 ... 9] =
							       XDPB_VIEWS_ALL,
						       [10] = XDPB_VIEW_WEB,
						       [11] = XDPB_VIEW_DNS};
	static const char *const client_nets[] = {
		"10.60.0.0/16", "10.61.0.0/16", "10.62.0.0/16"};
	static const uint8_t client_actions[] = {XDPB_ACT_ALLOW, XDPB_ACT_DROP,
						 XDPB_ACT_MONITOR};
	struct prefix server = address_of("198.51.100.2");
	int mismatches = 0, by_verdict[5] = {0};
	struct rng r = {seed};
	char name[300];

	for (int i = 0; i < 600; i++) {
		int l = rng_below(&r, sizeof(actions));

		vocab_name(&r, name, 3);
		ruleset_add_name_views(
			rs, name,
			rng_below(&r, 3) ? XDPB_NAME_SUFFIX : XDPB_NAME_EXACT,
			40 + l, actions[l],
			xdpb_view_action(actions[l], reset_dns[l], views[l], 0),
			xdpb_view_action(actions[l], reset_dns[l], views[l], 1),
			i + 1);
	}
	for (int i = 0; i < 3; i++) {
		struct prefix p = prefix_of(client_nets[i]);

		ruleset_add(rs, &p, 60 + i, client_actions[i], XDPB_MATCH_SRC,
			    1);
	}
	ruleset_finish(rs);
	if (activate(e, k, prev, rs, NULL)) {
		report(1, "names", "activate");
		return;
	}
	for (size_t i = 0; i < rs->names.nr; i++)
		e->by_id[rs->names.rules[i].rule_id] = NULL;
	printf("set names: seed %#" PRIx64
	       ", %zu domain rules, %zu IPv4 rules\n",
	       seed, rs->names.nr, rs->v4.nr);
	for (int q = 0; q < NAME_QUERIES && mismatches < MAX_REPORTED; q++) {
		struct prefix client = address_of("192.0.2.2");
		const struct name_rule *nr;
		const struct rule *ip;
		struct xdpb_match ipm = {0}, nm = {0};
		const struct xdpb_match *want;
		struct xdp_result res;
		struct frame f;
		size_t l3, l4;
		uint32_t want_verdict, want_id = 0;
		uint16_t want_list = 0;

		vocab_name(&r, name, 5);
		if (rng_below(&r, 4) == 0) /* a client inside a listed /16 */
			client.addr[1] = 60 + rng_below(&r, 3),
			client.addr[0] = 10;
		ip = refmatch_packet(rs, &client, &server);
		nr = refmatch_name(rs, name);
		if (ip) {
			ipm.rule_id = ip->rule_id;
			ipm.list_id = ip->list_id;
			ipm.action = ip->action;
		}
		if (nr) {
			nm.rule_id = nr->rule_id;
			nm.list_id = nr->list_id;
			nm.action = name_rule_view_action(nr, 0);
		}
		want = xdpb_decide_name(ip ? &ipm : NULL, nr ? &nm : NULL);
		want_verdict = verdict_of_dns(want);
		if (want) {
			want_id = want->rule_id;
			want_list = want->list_id;
		}
		/* random letter case: the datapath folds it */
		for (char *c = name; *c; c++)
			if (*c >= 'a' && *c <= 'z' && rng_below(&r, 2))
				*c -= 32;
		frame_init(&f);
		eth_put(&f, ETH_P_IP);
		l3 = ipv4_put_raw(&f, client.addr, server.addr, IPPROTO_UDP, 0,
				  0);
		l4 = f.len;
		put_be16(&f, 40000);
		put_be16(&f, 53);
		put_be16(&f, 0);
		put_be16(&f, 0);
		put_be16(&f, q);
		put_be16(&f, 0x0100);
		put_be16(&f, 1);
		put_be16(&f, 0);
		put_be16(&f, 0);
		put_be16(&f, 0);
		dns_name_put(&f, name);
		put_be16(&f, 1);
		put_be16(&f, 1);
		set_be16(&f, l4 + 4, f.len - l4);
		ipv4_finish(&f, l3);
		if (xdp_run(e->prog_fd, &f, &res)) {
			mismatches++;
			continue;
		}
		if (want) {
			counter_add(&e->sh.rules[want_id], f.len);
			counter_add(&e->sh.lists[want_list], f.len);
		}
		counter_add(
			&e->sh.iface.stat[want ? want->action : XDPB_STAT_PASS],
			f.len);
		if (want == &nm)
			counter_add(&e->sh.iface.stat[XDPB_STAT_NAME_DNS],
				    f.len);
		by_verdict[want_verdict]++;
		if (res.retval != want_verdict) {
			printf("  MISMATCH seed %#" PRIx64
			       " query %d (%s): %s, reference %s by rule id %u\n",
			       seed, q, name, xdp_verdict_name(res.retval),
			       xdp_verdict_name(want_verdict), want_id);
			mismatches++;
		}
	}
	printf("  %d queries: %d passed, %d dropped, %d answered; %d mismatches\n",
	       NAME_QUERIES, by_verdict[XDP_PASS], by_verdict[XDP_DROP],
	       by_verdict[XDP_TX], mismatches);
	report(mismatches != 0, "names", "verdicts");
	mismatches = shadow_resync(e, "after the names", 10);
	report(mismatches != 0, "names", "all_counters");
}

static int env_open(struct env *e)
{
	int err = loader_open(&e->ld, RULE_ID_CAP, NULL, NULL, 0);

	if (err)
		return err;
	e->prog_fd = loader_prog_fd(&e->ld);
	e->list_stats_fd = prog_map_fd(e->prog_fd, "list_stats");
	e->sh.rules = calloc(RULE_ID_CAP, sizeof(*e->sh.rules));
	e->scratch = calloc(RULE_ID_CAP, sizeof(*e->scratch));
	e->by_id = calloc(RULE_ID_CAP, sizeof(*e->by_id));
	if (e->list_stats_fd < 0)
		return e->list_stats_fd;
	if (!e->sh.rules || !e->scratch || !e->by_id)
		return -ENOMEM;
	return loader_iface_register(&e->ld, TEST_IFINDEX);
}

int main(int argc, char **argv)
{
	const char *seed_text = argc > 1 ? argv[1] : getenv("DIFF_SEED");
	uint64_t seed = seed_text ? strtoull(seed_text, NULL, 0) : DEFAULT_SEED;
	struct ruleset sets[2]; /* previous and current */
	struct id_keeper k;
	struct env e = {0};
	uint64_t t0 = monotonic_ns();
	int err;

	run_seed = seed;
	memset(sets, 0, sizeof(sets));
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("diff_test", LOG_LEVEL_WARN);
	printf("diff_test: seed %#" PRIx64 " (rerun: %s %#" PRIx64 ")\n", seed,
	       argv[0], seed);
	err = env_open(&e);
	if (err && !e.ld.skel)
		return load_failed("diff", err, NULL);
	if (err) {
		printf("FAIL: diff/setup (%s)\n", strerror(-err));
		return 1;
	}
	id_keeper_init(&k, RULE_ID_CAP);

	for (size_t i = 0; i < NR_SETS; i++) {
		struct ruleset *prev = &sets[i % 2], *cur = &sets[(i + 1) % 2];
		/* a different, reproducible seed per set */
		uint64_t set_seed = seed + 0x1000193ull * (i + 1);

		if (run_set(&e, &k, prev, cur, &set_cfgs[i], set_seed))
			break; /* the next set would be assigned against it */
		ruleset_free(prev);
	}
	if (!tl_failed) {
		/* after the last (empty) set, which sits in sets[NR_SETS % 2] */
		struct ruleset *prev = &sets[NR_SETS % 2],
			       *cur = &sets[(NR_SETS + 1) % 2];

		ruleset_free(cur);
		run_names(&e, &k, prev, cur, seed ^ 0xd05);
	}
	printf("diff_test: %d passed, %d failed in %.1f s (seed %#" PRIx64
	       ")\n",
	       tl_passed, tl_failed, (monotonic_ns() - t0) / 1e9, seed);

	ruleset_free(&sets[0]);
	ruleset_free(&sets[1]);
	id_keeper_free(&k);
	free(e.sh.rules);
	free(e.scratch);
	free(e.by_id);
	close(e.list_stats_fd);
	loader_close(&e.ld, 0);
	return TEST_EXIT_CODE();
}
