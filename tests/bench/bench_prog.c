// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpblock benchmarks (scripts/bench.sh runs them; docs/benchmarks.md).
 *
 *   bench_prog gen-list v4|v6 NR SEED FILE
 *	Write the first NR generated rules of one family as a list file.
 *   bench_prog load [--twice] FILE
 *	What the daemon does on a reload, timed: parse the list, build the
 *	rule set, resolve, build the maps, switch. Prints the activation
 *	report and the peak RSS of the process.
 *   bench_prog packets [options]
 *	ns/packet of xdpblock, an empty XDP program and xdp-filter's BPF
 *	program under BPF_PROG_TEST_RUN, over a working set of addresses
 *	(see tests/bench/bench_wrapper.bpf.c and docs/benchmarks.md).
 *   bench_prog dns [--sizes 1k,100k,1M] [--rounds N] [--repeat N] [--cpu N]
 *	ns/packet of DNS queries against that many domain (suffix) rules,
 *	for names below a listed name and names not listed, over working
 *	sets of 131,072 distinct names each.
 *   bench_prog tls [--sizes 1k,100k,1M] [--rounds N] [--repeat N] [--cpu N]
 *	ns/packet of TLS ClientHellos (a browser's, with a post-quantum key
 *	share before the server_name) against that many domain rules, for
 *	names below a listed name and names not listed, 131,072 each.
 *   bench_prog memlat [CPU]
 *	Latency of a dependent random memory load on this machine.
 *
 * Rules are random (fixed seed) across the global unicast space with a
 * realistic mix of lengths; the rule set of NR rules is the first NR
 * rules of one generated sequence, so smaller sets are subsets of larger
 * ones and `gen-list` writes exactly the rules `packets` loads.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rng.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/names.h"
#include "common/prefix.h"
#include "datapath/counters.h"
#include "datapath/generation.h"
#include "datapath/loader.h"
#include "formats/addrlist.h"
#include "formats/listfile.h"
#include "formats/namelist.h"
#include "rules/plan.h"
#include "rules/refmatch.h"
#include "rules/ruleids.h"
#include "rules/ruleset.h"
/* bpftool's generated skeleton casts const away (-Wcast-qual) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "tests/bench_wrapper.skel.h"
#pragma GCC diagnostic pop

#define DEFAULT_SEED 20240601u
#define XDPFILTER_OBJ "/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_ip.o"
/* xdp-filter's common_kern_user.h: a rule matches as source, destination */
#define XF_FLAG_SRC (1u << 0)
#define XF_FLAG_DST (1u << 1)

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench_prog: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

static double now_s(void)
{
	return monotonic_ns() / 1e9;
}

/* ---- deterministic random numbers (splitmix64) ------------------------ */

static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n; /* n is tiny against 2^64: bias is negligible */
}

static double rng_unit(struct rng *r)
{
	return (rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static void rng_bytes(struct rng *r, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = rng_next(r);

		memcpy(out + i, &v, len - i < 8 ? len - i : 8);
	}
}

/* ---- addresses -------------------------------------------------------- */

static int addr_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

static int max_len(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* The space rules are drawn from: global unicast. */
static int v4_is_unicast(uint32_t a)
{
	uint8_t b0 = a >> 24;

	if (b0 == 0 || b0 == 10 || b0 == 127 || b0 >= 224)
		return 0;
	if ((a & 0xffc00000u) == 0x64400000u || /* 100.64/10 */
	    (a & 0xffff0000u) == 0xa9fe0000u || /* 169.254/16 */
	    (a & 0xfff00000u) == 0xac100000u || /* 172.16/12 */
	    (a & 0xffff0000u) == 0xc0a80000u) /* 192.168/16 */
		return 0;
	return 1;
}

static int is_unicast(const struct prefix *p)
{
	uint32_t a;

	if (p->family == AF_INET6)
		return (p->addr[0] & 0xe0) == 0x20; /* 2000::/3 */
	memcpy(&a, p->addr, 4);
	return v4_is_unicast(ntohl(a));
}

static void random_unicast(struct rng *r, int family, struct prefix *out)
{
	memset(out, 0, sizeof(*out));
	out->family = family;
	out->plen = max_len(family);
	do {
		rng_bytes(r, out->addr, addr_bytes(family));
		if (family == AF_INET6)
			out->addr[0] = 0x20 | (out->addr[0] & 0x1f);
	} while (!is_unicast(out));
}

/* A random address inside @p. */
static void random_inside(struct rng *r, const struct prefix *p,
			  struct prefix *out)
{
	int bytes = addr_bytes(p->family);

	*out = *p;
	out->plen = max_len(p->family);
	rng_bytes(r, out->addr, bytes);
	for (int i = 0; i < bytes; i++) {
		int keep = p->plen - i * 8;
		uint8_t mask;

		if (keep <= 0)
			break;
		mask = keep >= 8 ? 0xff : (uint8_t)(0xff << (8 - keep));
		out->addr[i] = (p->addr[i] & mask) | (out->addr[i] & ~mask);
	}
}

/* ---- rule generation -------------------------------------------------- */

/*
 * IPv4: 80% /32 hosts, 12% /24, 5% /16../23 (longer ones likelier), 3%
 * /25../31. IPv6: 50% /128, 20% /64, 15% /48, 10% /32, 5% odd lengths.
 */
static int v4_random_len(struct rng *r)
{
	static const int mid_weights[8] = {1, 1, 2, 2,
					   3, 3, 4, 4}; /* /16../23 */
	uint64_t x = rng_below(r, 1000);

	if (x < 800)
		return 32;
	if (x < 920)
		return 24;
	if (x < 970) {
		int w = rng_below(r, 20);

		for (int i = 0; i < 8; i++) {
			w -= mid_weights[i];
			if (w < 0)
				return 16 + i;
		}
		return 23;
	}
	return 25 + rng_below(r, 7);
}

static int v6_random_len(struct rng *r)
{
	static const int odd[] = {29, 40, 44, 56, 60, 96, 112, 127};
	uint64_t x = rng_below(r, 1000);

	if (x < 500)
		return 128;
	if (x < 700)
		return 64;
	if (x < 850)
		return 48;
	if (x < 950)
		return 32;
	return odd[rng_below(r, sizeof(odd) / sizeof(odd[0]))];
}

/* Open-addressing set of prefixes; values are indexes into gen->rules. */
struct pset {
	uint32_t *slots; /* index + 1, 0 = empty */
	size_t mask;
};

static uint64_t prefix_hash(const struct prefix *p)
{
	uint64_t h = 0xcbf29ce484222325ull ^ p->plen;

	for (int i = 0; i < 16; i++)
		h = (h ^ p->addr[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

struct gen {
	int family;
	size_t nr;
	struct prefix *rules; /* generation order */
	struct pset set;
};

/* Index of the rule equal to @p, or -1. */
static long gen_find(const struct gen *g, const struct prefix *p)
{
	for (size_t i = prefix_hash(p) & g->set.mask;;
	     i = (i + 1) & g->set.mask) {
		uint32_t s = g->set.slots[i];

		if (!s)
			return -1;
		if (g->rules[s - 1].plen == p->plen &&
		    !memcmp(g->rules[s - 1].addr, p->addr, 16))
			return s - 1;
	}
}

static void gen_build(struct gen *g, int family, size_t nr, uint64_t seed)
{
	struct rng r = {seed ^ (family == AF_INET ? 0x4444 : 0x6666)};
	size_t cap = 1;

	while (cap < nr * 2)
		cap <<= 1;
	g->family = family;
	g->nr = 0;
	g->rules = xcalloc(nr, sizeof(*g->rules));
	g->set.slots = xcalloc(cap, sizeof(uint32_t));
	g->set.mask = cap - 1;
	while (g->nr < nr) {
		struct prefix p;
		size_t i;

		random_unicast(&r, family, &p);
		prefix_truncate(&p, family == AF_INET ? v4_random_len(&r)
						      : v6_random_len(&r));
		if (!is_unicast(&p) || gen_find(g, &p) >= 0)
			continue; /* no duplicates: exactly nr distinct rules */
		for (i = prefix_hash(&p) & g->set.mask; g->set.slots[i];
		     i = (i + 1) & g->set.mask)
			;
		g->rules[g->nr] = p;
		g->set.slots[i] = ++g->nr;
	}
}

static void gen_free(struct gen *g)
{
	free(g->rules);
	free(g->set.slots);
	memset(g, 0, sizeof(*g));
}

/* The first @nr rules of a generated sequence, as the datapath sees them. */
struct view {
	const struct gen *g;
	size_t nr;
	uint8_t lengths[129];
	int nr_lengths;
	double *cum_size; /* cum_size[i]: addresses covered by rules 0..i */
};

static void view_init(struct view *v, const struct gen *g, size_t nr)
{
	int present[129] = {0};
	double total = 0;

	memset(v, 0, sizeof(*v));
	v->g = g;
	v->nr = nr;
	v->cum_size = xcalloc(nr, sizeof(double));
	for (size_t i = 0; i < nr; i++) {
		present[g->rules[i].plen] = 1;
		total += ldexp(1.0, max_len(g->family) - g->rules[i].plen);
		v->cum_size[i] = total;
	}
	for (int l = 0; l <= max_len(g->family); l++)
		if (present[l])
			v->lengths[v->nr_lengths++] = l;
}

static void view_free(struct view *v)
{
	free(v->cum_size);
}

/* Does any of the view's rules contain @addr? */
static int view_matches(const struct view *v, const struct prefix *addr)
{
	for (int i = 0; i < v->nr_lengths; i++) {
		struct prefix p = *addr;
		long idx;

		prefix_truncate(&p, v->lengths[i]);
		idx = gen_find(v->g, &p);
		if (idx >= 0 && (size_t)idx < v->nr)
			return 1;
	}
	return 0;
}

/* ---- working sets ----------------------------------------------------- */

/*
 * Passing addresses. Half "near" rules: a random address in the
 * neighbourhood of a random rule (the same /24 as an IPv4 host, the same
 * /64 as an IPv6 host, ...), where lookups walk the deepest paths (host
 * entries, tbl8 groups, IPv6 filter chunks) and still find nothing. Half uniform
 * across the unicast range the rules are drawn from. Neither matches any
 * rule.
 */
static int neighbourhood_len(int family, int plen)
{
	static const int v4[] = {8, 16, 24};
	static const int v6[] = {16, 24, 32, 48, 64};
	const int *steps = family == AF_INET ? v4 : v6;
	int n = family == AF_INET ? 3 : 5, best = steps[0];

	for (int i = 0; i < n; i++)
		if (steps[i] < plen)
			best = steps[i];
	return best;
}

static void pass_address(struct rng *r, const struct view *v, int near,
			 struct prefix *out)
{
	for (;;) {
		if (near) {
			struct prefix around = v->g->rules[rng_below(r, v->nr)];

			prefix_truncate(&around,
					neighbourhood_len(around.family,
							  around.plen));
			random_inside(r, &around, out);
		} else {
			random_unicast(r, v->g->family, out);
		}
		if (is_unicast(out) && !view_matches(v, out))
			return;
	}
}

/*
 * Dropped addresses. Half "per rule": a random address inside a rule
 * picked uniformly among the rules (mostly hosts, as in the lists). Half
 * uniform across the address range the rules cover: the rule is picked
 * with a probability proportional to its size.
 */
static void drop_address(struct rng *r, const struct view *v, int by_size,
			 struct prefix *out)
{
	size_t idx;

	if (by_size) {
		double x = rng_unit(r) * v->cum_size[v->nr - 1];
		size_t lo = 0, hi = v->nr - 1;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (v->cum_size[mid] <= x)
				lo = mid + 1;
			else
				hi = mid;
		}
		idx = lo;
	} else {
		idx = rng_below(r, v->nr);
	}
	random_inside(r, &v->g->rules[idx], out);
}

struct bench_pair {
	uint8_t src[16];
	uint8_t dst[16];
};

enum traffic {
	TR_PASS, /* neither address listed: half near rules, half uniform */
	TR_DROP, /* source listed (any rule), destination a passing address */
	TR_HOST, /* source one of the exact hosts xdp-filter holds */
	TR_PASS_NEAR, /* diagnostics: the two halves of TR_PASS apart */
	TR_PASS_UNIFORM,
	TR_MAX,
};

static const char *const traffic_name[TR_MAX] = {
	[TR_PASS] = "pass",
	[TR_DROP] = "drop",
	[TR_HOST] = "drop, exact host",
	[TR_PASS_NEAR] = "pass, near rules only",
	[TR_PASS_UNIFORM] = "pass, uniform only",
};

struct wset {
	struct bench_pair *pairs;
	size_t nr;
	int expect; /* XDP_PASS or XDP_DROP */
	size_t distinct_src, distinct_dst, distinct_all;
};

static void shuffle(struct rng *r, struct prefix *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_below(r, i);
		struct prefix t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

static int addr16_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static size_t count_distinct(uint8_t (*addrs)[16], size_t n)
{
	size_t d = 0;

	qsort(addrs, n, 16, addr16_cmp);
	for (size_t i = 0; i < n; i++)
		d += !i || memcmp(addrs[i - 1], addrs[i], 16);
	return d;
}

static void wset_count(struct wset *w)
{
	uint8_t(*a)[16] = xcalloc(2 * w->nr, 16);

	for (size_t i = 0; i < w->nr; i++)
		memcpy(a[i], w->pairs[i].src, 16);
	w->distinct_src = count_distinct(a, w->nr);
	for (size_t i = 0; i < w->nr; i++)
		memcpy(a[i], w->pairs[i].dst, 16);
	w->distinct_dst = count_distinct(a, w->nr);
	for (size_t i = 0; i < w->nr; i++) {
		memcpy(a[i], w->pairs[i].src, 16);
		memcpy(a[w->nr + i], w->pairs[i].dst, 16);
	}
	w->distinct_all = count_distinct(a, 2 * w->nr);
	free(a);
}

/*
 * @hosts / @nr_hosts: the exact addresses xdp-filter holds (TR_HOST).
 * 2 * nr passing addresses of each kind (near, uniform); TR_PASS takes nr
 * of each, the destinations of the dropped pairs are those, reshuffled.
 */
static void wsets_build(const struct view *v, size_t nr, uint64_t seed,
			const struct prefix *hosts, size_t nr_hosts,
			struct wset out[TR_MAX])
{
	struct rng r = {seed ^ (0x5eed0000u + v->nr) ^ v->g->family};
	struct prefix *near = xcalloc(2 * nr, sizeof(*near));
	struct prefix *uni = xcalloc(2 * nr, sizeof(*uni));
	struct prefix *mix = xcalloc(2 * nr, sizeof(*mix));
	struct prefix *drop = xcalloc(nr, sizeof(*drop));
	int bytes = addr_bytes(v->g->family);

	for (size_t i = 0; i < 2 * nr; i++) {
		pass_address(&r, v, 1, &near[i]);
		pass_address(&r, v, 0, &uni[i]);
	}
	for (size_t i = 0; i < nr; i++) {
		mix[i] = near[i];
		mix[nr + i] = uni[i];
		drop_address(&r, v, i < nr / 2, &drop[i]);
	}
	shuffle(&r, mix, 2 * nr);
	shuffle(&r, drop, nr);
	for (int t = 0; t < TR_MAX; t++) {
		out[t].nr = nr;
		out[t].pairs = xcalloc(nr, sizeof(struct bench_pair));
		out[t].expect = t == TR_DROP || t == TR_HOST ? XDP_DROP
							     : XDP_PASS;
	}
	for (size_t i = 0; i < nr; i++) {
		memcpy(out[TR_PASS].pairs[i].src, mix[2 * i].addr, bytes);
		memcpy(out[TR_PASS].pairs[i].dst, mix[2 * i + 1].addr, bytes);
		memcpy(out[TR_PASS_NEAR].pairs[i].src, near[2 * i].addr, bytes);
		memcpy(out[TR_PASS_NEAR].pairs[i].dst, near[2 * i + 1].addr,
		       bytes);
		memcpy(out[TR_PASS_UNIFORM].pairs[i].src, uni[2 * i].addr,
		       bytes);
		memcpy(out[TR_PASS_UNIFORM].pairs[i].dst, uni[2 * i + 1].addr,
		       bytes);
		memcpy(out[TR_DROP].pairs[i].src, drop[i].addr, bytes);
		if (nr_hosts)
			memcpy(out[TR_HOST].pairs[i].src,
			       hosts[rng_below(&r, nr_hosts)].addr, bytes);
	}
	shuffle(&r, mix, 2 * nr);
	for (size_t i = 0; i < nr; i++) {
		memcpy(out[TR_DROP].pairs[i].dst, mix[i].addr, bytes);
		memcpy(out[TR_HOST].pairs[i].dst, mix[nr + i].addr, bytes);
	}
	for (int t = 0; t < TR_MAX; t++)
		wset_count(&out[t]);
	free(near);
	free(uni);
	free(mix);
	free(drop);
}

static void pair_prefix(const struct bench_pair *bp, int family, int dst,
			struct prefix *out)
{
	memset(out, 0, sizeof(*out));
	out->family = family;
	out->plen = max_len(family);
	memcpy(out->addr, dst ? bp->dst : bp->src, addr_bytes(family));
}

/* The reference matcher agrees with what each pair is meant to be. */
static void wset_check_refmatch(const struct wset *w, const struct ruleset *rs,
				int family, size_t nr_check, const char *what)
{
	for (size_t i = 0; i < w->nr && i < nr_check; i++) {
		struct prefix s, d;
		const struct rule *r;
		int verdict;

		pair_prefix(&w->pairs[i], family, 0, &s);
		pair_prefix(&w->pairs[i], family, 1, &d);
		r = refmatch_packet(rs, &s, &d);
		verdict = r && r->action == XDPB_ACT_DROP ? XDP_DROP : XDP_PASS;
		if (verdict != w->expect) {
			char a[PREFIX_STRLEN], b[PREFIX_STRLEN];

			prefix_format(&s, a, sizeof(a));
			prefix_format(&d, b, sizeof(b));
			die("%s: pair %zu (%s -> %s): reference matcher says %s, working set expects %s",
			    what, i, a, b,
			    verdict == XDP_DROP ? "drop" : "pass",
			    w->expect == XDP_DROP ? "drop" : "pass");
		}
	}
}

/* ---- table accesses per packet (a model of the datapath's reads) ------ */

/*
 * Replays the IPv4 and IPv6 lookups of bpf/ip_match.bpf.h on the tables
 * userspace builds (ip4_plan_fill, ip6_plan_build) for a working set, and
 * counts the table reads a packet makes. With tables far larger than the
 * caches, each read is roughly one cache miss (two for a hash probe:
 * bucket, then element), which is what the ns figures mostly measure.
 */
struct access_model {
	int family;
	/* IPv4 */
	uint32_t *tbl24, *tbl8,
		*host_addrs; /* host_addrs: host order, sorted */
	size_t nr_hosts;
	/* IPv6: keys of the prefix hash, open addressing */
	struct xdpb_ip6_key *keys;
	uint32_t *slots, mask;
	struct xdpb_gen_info info;
};

struct access_counts {
	double tbl24, tbl8, host_probes, leaves; /* IPv4 */
	double probes, hits; /* IPv6: filter reads, hash lookups */
};

static uint64_t key6_hash(const struct xdpb_ip6_key *k)
{
	struct prefix p = {.family = AF_INET6, .plen = k->prefixlen};

	memcpy(p.addr, k->addr, 16);
	return prefix_hash(&p);
}

static void model_build(struct access_model *m, const struct ruleset *rs,
			int family)
{
	memset(m, 0, sizeof(*m));
	m->family = family;
	if (family == AF_INET) {
		struct ip4_plan plan;
		uint32_t *leaves;

		if (ip4_plan_build(&rs->v4, &plan))
			die("ip4_plan_build failed");
		m->tbl24 = xcalloc(XDPB_TBL24_ENTRIES, sizeof(uint32_t));
		m->tbl8 = xcalloc(plan.nr_groups * XDPB_TBL8_GROUP_SIZE + 1,
				  sizeof(uint32_t));
		m->host_addrs = xcalloc(plan.nr_hosts + 1, sizeof(uint32_t));
		leaves = xcalloc(plan.nr_hosts + 1, sizeof(uint32_t));
		if (plan.nr_nodes)
			ip4_plan_fill(&plan, m->tbl24, m->tbl8, m->host_addrs,
				      leaves);
		m->nr_hosts = plan.nr_hosts;
		for (size_t i = 0; i < m->nr_hosts; i++)
			m->host_addrs[i] = ntohl(m->host_addrs[i]);
		free(leaves);
		ip4_plan_free(&plan);
	} else {
		struct ip6_plan plan;
		size_t cap = 2;

		if (ip6_plan_build(&rs->v6, &plan))
			die("ip6_plan_build failed");
		while (cap < plan.nr_entries * 2)
			cap <<= 1;
		m->keys = plan.keys;
		plan.keys = NULL;
		m->info = plan.info;
		m->slots = xcalloc(cap, sizeof(uint32_t));
		m->mask = cap - 1;
		for (size_t i = 0; i < plan.nr_entries; i++) {
			size_t h = key6_hash(&m->keys[i]) & m->mask;

			while (m->slots[h])
				h = (h + 1) & m->mask;
			m->slots[h] = i + 1;
		}
		ip6_plan_free(&plan);
	}
}

static void model_free(struct access_model *m)
{
	free(m->tbl24);
	free(m->tbl8);
	free(m->host_addrs);
	free(m->keys);
	free(m->slots);
}

static int model_is_host(const struct access_model *m, uint32_t a)
{
	size_t lo = 0, hi = m->nr_hosts;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->host_addrs[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->nr_hosts && m->host_addrs[lo] == a;
}

static int model_has_key(const struct access_model *m,
			 const struct xdpb_ip6_key *k)
{
	for (size_t h = key6_hash(k) & m->mask; m->slots[h];
	     h = (h + 1) & m->mask) {
		const struct xdpb_ip6_key *e = &m->keys[m->slots[h] - 1];

		if (e->prefixlen == k->prefixlen &&
		    !memcmp(e->addr, k->addr, 16))
			return 1;
	}
	return 0;
}

static void model_address(const struct access_model *m, const uint8_t *addr,
			  struct access_counts *c)
{
	if (m->family == AF_INET) {
		uint32_t a, e;

		memcpy(&a, addr, 4);
		a = ntohl(a);
		e = m->tbl24[a >> 8];
		c->tbl24++;
		switch (e >> XDPB_KIND_SHIFT) {
		case XDPB_KIND_GROUP:
			e = m->tbl8[(size_t)(e & XDPB_ENTRY_INDEX_MASK) *
					    XDPB_TBL8_GROUP_SIZE +
				    (a & 0xff)];
			c->tbl8++;
			break;
		case XDPB_KIND_HOST1:
			if (((e >> XDPB_HOST1_OCTET_SHIFT) & 0xff) !=
			    (a & 0xff))
				return;
			c->leaves++;
			return;
		case XDPB_KIND_HOSTS:
			c->host_probes++;
			if (model_is_host(m, a)) {
				c->leaves++;
				return;
			}
			break;
		}
		if (e & XDPB_ENTRY_INDEX_MASK)
			c->leaves++;
	} else {
		/*
		 * Longest length first: one filter read per length until a
		 * prefix is found, and a hash lookup where the filter says
		 * yes (false positives, about 1 in 64, are not modelled).
		 */
		for (uint32_t i = 0; i < m->info.nr_v6_lengths; i++) {
			struct prefix p = {.family = AF_INET6, .plen = 128};
			struct xdpb_ip6_key k;

			memcpy(p.addr, addr, 16);
			prefix_truncate(&p, m->info.v6_lengths[i]);
			k.prefixlen = p.plen;
			memcpy(k.addr, p.addr, 16);
			c->probes++;
			if (model_has_key(m, &k)) {
				c->hits++;
				break;
			}
		}
	}
}

/* Mean table reads per packet (source and destination) over @nr pairs. */
static struct access_counts model_wset(const struct access_model *m,
				       const struct wset *w, size_t nr)
{
	struct access_counts c = {0};

	if (nr > w->nr)
		nr = w->nr;
	for (size_t i = 0; i < nr; i++) {
		model_address(m, w->pairs[i].src, &c);
		model_address(m, w->pairs[i].dst, &c);
	}
	c.tbl24 /= nr, c.tbl8 /= nr, c.host_probes /= nr, c.leaves /= nr;
	c.probes /= nr, c.hits /= nr;
	return c;
}

/* ---- rule sets -------------------------------------------------------- */

static void ruleset_from(struct ruleset *rs, const struct gen *v4, size_t nr4,
			 const struct gen *v6, size_t nr6)
{
	memset(rs, 0, sizeof(*rs));
	if (ruleset_reserve(rs, nr4, nr6))
		die("out of memory");
	for (size_t i = 0; i < nr4; i++)
		if (ruleset_add(rs, &v4->rules[i], 1, XDPB_ACT_DROP,
				XDPB_MATCH_BOTH, i + 1))
			die("out of memory");
	for (size_t i = 0; i < nr6; i++)
		if (ruleset_add(rs, &v6->rules[i], 1, XDPB_ACT_DROP,
				XDPB_MATCH_BOTH, nr4 + i + 1))
			die("out of memory");
	ruleset_finish(rs);
}

/* The daemon's default id space: 2 * (max_rules_ipv4 + max_rules_ipv6) + 1 */
static uint32_t default_capacity(void)
{
	return 2 * (XDPB_DEFAULT_MAX_RULES_V4 + XDPB_DEFAULT_MAX_RULES_V6) + 1;
}

/* Ids for @rs, keeping those of @prev's rules (NULL: none running). */
static void assign_ids(struct rule_ids *ids, const struct ruleset *prev,
		       struct ruleset *rs)
{
	struct ruleset empty = {0};
	uint32_t *released;
	size_t nr_released;

	if (rule_ids_assign(ids, prev ? prev : &empty, rs, &released,
			    &nr_released))
		die("cannot assign rule ids");
	free(released);
}

/* ---- gen-list --------------------------------------------------------- */

static int cmd_gen_list(int argc, char **argv)
{
	struct gen g;
	int family;
	size_t nr;
	FILE *f;

	if (argc != 5)
		die("usage: gen-list v4|v6 NR SEED FILE");
	family = !strcmp(argv[1], "v6") ? AF_INET6 : AF_INET;
	nr = strtoull(argv[2], NULL, 0);
	gen_build(&g, family, nr, strtoull(argv[3], NULL, 0));
	f = fopen(argv[4], "w");
	if (!f)
		die("%s: %s", argv[4], strerror(errno));
	fprintf(f,
		"# %zu generated %s rules, seed %s (tests/bench/bench_prog.c)\n",
		nr, argv[1], argv[3]);
	for (size_t i = 0; i < g.nr; i++) {
		char buf[INET6_ADDRSTRLEN];

		inet_ntop(family, g.rules[i].addr, buf, sizeof(buf));
		if (g.rules[i].plen == max_len(family))
			fprintf(f, "%s\n", buf);
		else
			fprintf(f, "%s/%u\n", buf, g.rules[i].plen);
	}
	if (fclose(f))
		die("%s: %s", argv[4], strerror(errno));
	gen_free(&g);
	return 0;
}

/* ---- load ------------------------------------------------------------- */

static long peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/*
 * One reload as the daemon does it (userspace/daemon/reload.c), timed. @running
 * is the active rule set (empty at first); on return it is the new one.
 */
static void load_once(struct loader *ld, struct rule_ids *ids,
		      struct ruleset *running, const char *path,
		      const char *label)
{
	struct parsed_list parsed;
	struct ruleset rs = {0};
	struct activation_report rep;
	uint64_t t0, t_parse, t_set, t_done;
	int err;

	t0 = monotonic_ns();
	if (listfile_parse(path, LIST_ON_ERROR_REJECT, &parsed) < 0)
		die("%s", parsed.error);
	t_parse = monotonic_ns();
	if (ruleset_reserve(&rs, parsed.nr_v4, parsed.nr_v6))
		die("out of memory");
	for (size_t i = 0; i < parsed.nr; i++)
		if (ruleset_add(&rs, &parsed.entries[i].prefix, 1,
				XDPB_ACT_DROP, XDPB_MATCH_BOTH,
				parsed.entries[i].line))
			die("out of memory");
	parsed_list_free(&parsed);
	ruleset_finish(&rs);
	assign_ids(ids, running, &rs);
	t_set = monotonic_ns();
	err = loader_activate(ld, &rs, NULL, &rep);
	if (err)
		die("activation failed: %s", strerror(-err));
	t_done = monotonic_ns();
	printf("load %s: window_monotonic_ns=%llu-%llu\n", label,
	       (unsigned long long)t0, (unsigned long long)t_done);
	printf("load %s: rules=%zu+%zu total_ms=%.1f parse_ms=%.1f ruleset_ms=%.1f plan_ms=%.1f build_ms=%.1f switch_ms=%.3f"
	       " v4_leaves=%zu v4_groups=%zu v4_hosts=%zu v6_entries=%zu v6_lengths=%zu v6_filter_bytes=%zu\n",
	       label, rs.v4.nr, rs.v6.nr, (t_done - t0) / 1e6,
	       (t_parse - t0) / 1e6, (t_set - t_parse) / 1e6, rep.plan_ns / 1e6,
	       rep.build_ns / 1e6, rep.switch_ns / 1e6, rep.v4_leaves,
	       rep.v4_groups, rep.v4_hosts, rep.v6_entries, rep.v6_lengths,
	       rep.v6_filter_bytes);
	fflush(stdout);
	ruleset_free(running);
	*running = rs;
}

static int cmd_load(int argc, char **argv)
{
	struct ruleset running = {0};
	struct loader ld;
	struct rule_ids ids;
	int twice = 0, i = 1;
	uint64_t t0;

	if (argc > 1 && !strcmp(argv[1], "--twice")) {
		twice = 1;
		i++;
	}
	if (argc != i + 1)
		die("usage: load [--twice] FILE");
	rule_ids_init(&ids, default_capacity());
	t0 = monotonic_ns();
	if (loader_open(&ld, default_capacity(), NULL, NULL, 0))
		die("cannot open the XDP program (root? BPF enabled?)");
	printf("open: loader_open_ms=%.1f rss_kib=%ld\n",
	       (monotonic_ns() - t0) / 1e6, peak_rss_kib());
	load_once(&ld, &ids, &running, argv[i], "first");
	if (twice) /* a reload of the same list beside the running one */
		load_once(&ld, &ids, &running, argv[i], "reload");
	printf("peak_rss_kib=%ld\n", peak_rss_kib());
	ruleset_free(&running);
	loader_close(&ld, 0);
	rule_ids_free(&ids);
	return 0;
}

/* ---- packets ---------------------------------------------------------- */

/* Programs under test, tail-called by the wrapper. */
enum target {
	T_EMPTY,
	T_XDPBLOCK,
	T_XF, /* xdp-filter's BPF object as shipped (maps of 10000) */
	T_XF_BIG, /* the same object, maps resized to hold every host rule */
	T_MAX,
};

static const char *const target_name[T_MAX] = {
	[T_EMPTY] = "empty XDP",
	[T_XDPBLOCK] = "xdpblock",
	[T_XF] = "xdp-filter",
	[T_XF_BIG] = "xdp-filter, resized maps",
};

struct xdpfilter {
	struct bpf_object *obj;
	int prog_fd, map_fd[2]; /* [0] IPv4, [1] IPv6 */
	uint32_t capacity[2];
	size_t held[2];
};

static void xf_open(struct xdpfilter *xf, const char *path, uint32_t cap4,
		    uint32_t cap6)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	memset(xf, 0, sizeof(*xf));
	xf->obj = bpf_object__open_file(path, NULL);
	if (!xf->obj)
		die("%s: %s", path, strerror(errno));
	/* Keep it private: its maps are pinned by name when xdp-filter loads it. */
	bpf_object__for_each_map(map, xf->obj) bpf_map__set_pin_path(map, NULL);
	map = bpf_object__find_map_by_name(xf->obj, "filter_ipv4");
	if (!map || !bpf_object__find_map_by_name(xf->obj, "filter_ipv6"))
		die("%s: no filter_ipv4/filter_ipv6 maps", path);
	if (cap4)
		bpf_map__set_max_entries(map, cap4);
	if (cap6)
		bpf_map__set_max_entries(
			bpf_object__find_map_by_name(xf->obj, "filter_ipv6"),
			cap6);
	err = bpf_object__load(xf->obj);
	if (err)
		die("%s: load: %s", path, strerror(-err));
	prog = bpf_object__next_program(xf->obj, NULL);
	if (!prog || bpf_program__type(prog) != BPF_PROG_TYPE_XDP)
		die("%s: no XDP program", path);
	xf->prog_fd = bpf_program__fd(prog);
	map = bpf_object__find_map_by_name(xf->obj, "filter_ipv4");
	xf->map_fd[0] = bpf_map__fd(map);
	xf->capacity[0] = bpf_map__max_entries(map);
	map = bpf_object__find_map_by_name(xf->obj, "filter_ipv6");
	xf->map_fd[1] = bpf_map__fd(map);
	xf->capacity[1] = bpf_map__max_entries(map);
}

/*
 * Give xdp-filter the first @nr of @hosts (exact addresses: all it can
 * match), as `xdp-filter ip ADDR -m src,dst` does: per-CPU values holding
 * the flags. Each rule-set size has instances of its own.
 */
static void xf_fill(struct xdpfilter *xf, int family,
		    const struct prefix *hosts, size_t nr)
{
	int f = family == AF_INET ? 0 : 1, nr_cpus = libbpf_num_possible_cpus();
	size_t key_size = addr_bytes(family);
	uint8_t *keys;
	uint64_t *values;

	if (nr > xf->capacity[f])
		nr = xf->capacity[f];
	keys = xcalloc(nr, key_size);
	values = xcalloc(nr * nr_cpus, sizeof(uint64_t));
	for (size_t i = 0; i < nr; i++) {
		memcpy(keys + i * key_size, hosts[i].addr, key_size);
		for (int c = 0; c < nr_cpus; c++)
			values[i * nr_cpus + c] = XF_FLAG_SRC | XF_FLAG_DST;
	}
	for (size_t done = 0; done < nr;) {
		uint32_t count = nr - done > 65536 ? 65536 : nr - done;

		if (bpf_map_update_batch(xf->map_fd[f], keys + done * key_size,
					 values + done * nr_cpus, &count, NULL))
			die("xdp-filter map update (%zu of %zu): %s", done, nr,
			    strerror(errno));
		done += count;
	}
	xf->held[f] = nr;
	free(keys);
	free(values);
}

struct packets_opts {
	size_t sizes[8];
	int nr_sizes;
	size_t nr_pairs; /* power of two */
	uint32_t repeat;
	int rounds;
	size_t verify;
	uint64_t seed;
	const char *xf_path;
	int cpu;
	int families; /* bit 0 IPv4, bit 1 IPv6 */
};

struct harness {
	struct bench_wrapper_bpf *skel;
	int wrapper_fd, prog_array_fd;
	struct bench_pair *pairs; /* mmapped working set */
	size_t nr_pairs;
	uint8_t pkt4[64], pkt6[78];
};

static void build_packets(struct harness *h)
{
	/* Ethernet + IPv4/IPv6 + UDP to port 53 + payload; addresses set per run. */
	static const uint8_t eth4[14] = {2, 0, 0, 0, 0, 2,    2,
					 0, 0, 0, 0, 1, 0x08, 0x00};
	static const uint8_t eth6[14] = {2, 0, 0, 0, 0, 2,    2,
					 0, 0, 0, 0, 1, 0x86, 0xdd};
	uint8_t *p;

	memset(h->pkt4, 0, sizeof(h->pkt4));
	memcpy(h->pkt4, eth4, 14);
	p = h->pkt4 + 14;
	p[0] = 0x45; /* version 4, ihl 5 */
	p[2] = 0, p[3] = 50; /* total length */
	p[8] = 64; /* ttl */
	p[9] = 17; /* UDP */
	p += 20;
	p[0] = 0x30, p[1] = 0x39, p[2] = 0, p[3] = 53, p[4] = 0, p[5] = 30;

	memset(h->pkt6, 0, sizeof(h->pkt6));
	memcpy(h->pkt6, eth6, 14);
	p = h->pkt6 + 14;
	p[0] = 0x60;
	p[4] = 0, p[5] = 24; /* payload length */
	p[6] = 17; /* next header UDP */
	p[7] = 64; /* hop limit */
	p += 40;
	p[0] = 0x30, p[1] = 0x39, p[2] = 0, p[3] = 53, p[4] = 0, p[5] = 24;
}

static void harness_open(struct harness *h, size_t nr_pairs)
{
	size_t bytes = nr_pairs * sizeof(struct bench_pair);
	void *m;

	memset(h, 0, sizeof(*h));
	h->skel = bench_wrapper_bpf__open();
	if (!h->skel)
		die("cannot open the wrapper program: %s", strerror(errno));
	h->skel->rodata->pair_mask = nr_pairs - 1;
	bpf_map__set_max_entries(h->skel->maps.pairs, nr_pairs);
	if (bench_wrapper_bpf__load(h->skel))
		die("cannot load the wrapper program: %s", strerror(errno));
	h->wrapper_fd = bpf_program__fd(h->skel->progs.bench_wrapper);
	h->prog_array_fd = bpf_map__fd(h->skel->maps.target);
	m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(h->skel->maps.pairs), 0);
	if (m == MAP_FAILED)
		die("cannot mmap the working set: %s", strerror(errno));
	h->pairs = m;
	h->nr_pairs = nr_pairs;
	build_packets(h);
}

static void harness_set(struct harness *h, int prog_fd, const struct wset *w)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(h->prog_array_fd, &zero, &prog_fd, BPF_ANY))
		die("cannot make program fd %d a tail-call target: %s", prog_fd,
		    strerror(errno));
	if (w) {
		memcpy(h->pairs, w->pairs, w->nr * sizeof(*w->pairs));
		h->skel->bss->cursor = 0;
	}
}

/* One BPF_PROG_TEST_RUN; returns the XDP verdict, *ns the mean duration. */
static int test_run(int prog_fd, const void *pkt, size_t len, uint32_t repeat,
		    uint32_t *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt,
		    .data_size_in = len, .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		die("BPF_PROG_TEST_RUN: %s", strerror(errno));
	if (ns)
		*ns = opts.duration;
	return opts.retval;
}

static const void *family_pkt(const struct harness *h, int family, size_t *len)
{
	*len = family == AF_INET ? sizeof(h->pkt4) : sizeof(h->pkt6);
	return family == AF_INET ? h->pkt4 : h->pkt6;
}

/* Every one of the first @nr pairs, one test run each, gets its verdict. */
static void verify_target(struct harness *h, int prog_fd, const struct wset *w,
			  int family, size_t nr, const char *what)
{
	size_t len;
	const void *pkt = family_pkt(h, family, &len);
	int expect;

	harness_set(h, prog_fd, w);
	for (size_t i = 0; i < nr && i < w->nr; i++) {
		int ret = test_run(h->wrapper_fd, pkt, len, 1, NULL);

		expect = prog_fd == bpf_program__fd(h->skel->progs.bench_empty)
				 ? XDP_PASS
				 : w->expect;
		if (ret != expect)
			die("%s: pair %zu: verdict %d, expected %d", what, i,
			    ret, expect);
	}
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_ROUNDS 64

struct result {
	int valid;
	double raw[MAX_ROUNDS]; /* ns per run, wrapper included */
	double med, lo, hi; /* median, min, max of raw */
};

static void result_finish(struct result *r, int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, r->raw, n * sizeof(double));
	r->med = median(s, n);
	r->lo = s[0];
	r->hi = s[n - 1];
	r->valid = 1;
}

static const char *size_label(size_t n, char *buf, size_t len)
{
	if (n >= 1000000 && n % 1000000 == 0)
		snprintf(buf, len, "%zuM", n / 1000000);
	else if (n >= 1000 && n % 1000 == 0)
		snprintf(buf, len, "%zuk", n / 1000);
	else
		snprintf(buf, len, "%zu", n);
	return buf;
}

static void parse_sizes(struct packets_opts *o, const char *arg)
{
	char *copy = strdup(arg), *save = NULL;

	o->nr_sizes = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok && o->nr_sizes < 8;
	     tok = strtok_r(NULL, ",", &save)) {
		double v = strtod(tok, NULL);

		if (strchr(tok, 'k'))
			v *= 1000;
		if (strchr(tok, 'M'))
			v *= 1000000;
		o->sizes[o->nr_sizes++] = (size_t)v;
	}
	free(copy);
	/* ascending: the 2x target compares the last with the first */
	for (int i = 0; i < o->nr_sizes; i++)
		for (int j = i + 1; j < o->nr_sizes; j++)
			if (o->sizes[j] < o->sizes[i]) {
				size_t t = o->sizes[i];

				o->sizes[i] = o->sizes[j];
				o->sizes[j] = t;
			}
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "bench_prog: cannot pin to CPU %d: %s\n", cpu,
			strerror(errno));
}

/* Exact-address rules (the only kind xdp-filter has), in generation order. */
static struct prefix *host_rules(const struct gen *g, size_t nr,
				 size_t *nr_hosts)
{
	struct prefix *h = xcalloc(nr, sizeof(*h));
	size_t n = 0;

	for (size_t i = 0; i < nr; i++)
		if (g->rules[i].plen == max_len(g->family))
			h[n++] = g->rules[i];
	*nr_hosts = n;
	return h;
}

/* One rule-set size: its own xdpblock and xdp-filter instances. */
struct sized {
	size_t nr_rules;
	struct ruleset rs;
	struct loader ld;
	struct xdpfilter xf, xf_big;
	int target_fd[T_MAX];
	struct wset ws[2][TR_MAX]; /* [family][traffic] */
	size_t held[2][2]; /* [family][xf, xf_big] */
	struct result res[2][TR_MAX][T_MAX];
	struct result hot[2][2][T_MAX]; /* [family][pass, drop] */
};

struct bench {
	struct packets_opts o;
	struct gen gens[2]; /* [0] IPv4, [1] IPv6 */
	struct prefix *hosts[2];
	size_t nr_hosts[2];
	struct harness h;
	struct sized *sz; /* o.nr_sizes of them */
	double t_start;
};

static const int fams[2] = {AF_INET, AF_INET6};

static const char *fam_name(int f)
{
	return f ? "IPv6" : "IPv4";
}

/* xdp-filter has no prefixes: it cannot drop TR_DROP's sources. */
static int target_applies(int tr, int t)
{
	return !(tr == TR_DROP && (t == T_XF || t == T_XF_BIG));
}

static void progress(const struct bench *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void progress(const struct bench *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "[%5.0fs] ", now_s() - b->t_start);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static void print_tag(const char *what, int prog_fd)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		die("%s: cannot read program info: %s", what, strerror(errno));
	printf("program %s: name=%s tag=", what, info.name);
	for (int i = 0; i < BPF_TAG_SIZE; i++)
		printf("%02x", info.tag[i]);
	printf(" xlated_bytes=%u jited_bytes=%u\n", info.xlated_prog_len,
	       info.jited_prog_len);
}

/* Exact-address rules among the set's: what xdp-filter gets (a prefix of hosts). */
static size_t hosts_in_set(const struct bench *b, const struct sized *z, int f)
{
	size_t nh = 0;

	if (!(b->o.families & (1 << f)))
		return 0;
	while (nh < b->nr_hosts[f] &&
	       (size_t)gen_find(&b->gens[f], &b->hosts[f][nh]) < z->nr_rules)
		nh++;
	return nh;
}

/* Working sets of one family at one size, checked against the reference. */
static void prepare_family(struct bench *b, struct sized *z, int f)
{
	const struct packets_opts *o = &b->o;
	size_t nh = hosts_in_set(b, z, f);
	struct access_model m;
	struct view v;
	char lbl[32];

	size_label(z->nr_rules, lbl, sizeof(lbl));
	xf_fill(&z->xf, fams[f], b->hosts[f], nh);
	xf_fill(&z->xf_big, fams[f], b->hosts[f], nh);
	z->held[f][0] = z->xf.held[f];
	z->held[f][1] = z->xf_big.held[f];

	view_init(&v, &b->gens[f], z->nr_rules);
	wsets_build(&v, o->nr_pairs, o->seed, b->hosts[f], z->xf.held[f],
		    z->ws[f]);
	view_free(&v);
	for (int tr = 0; tr < TR_MAX; tr++) {
		const struct wset *w = &z->ws[f][tr];
		char what[96];

		snprintf(what, sizeof(what), "%s %s %s", fam_name(f), lbl,
			 traffic_name[tr]);
		wset_check_refmatch(w, &z->rs, fams[f], o->verify, what);
		printf("workset %s: pairs=%zu distinct_src=%zu distinct_dst=%zu distinct_addresses=%zu\n",
		       what, w->nr, w->distinct_src, w->distinct_dst,
		       w->distinct_all);
	}

	model_build(&m, &z->rs, fams[f]);
	for (int tr = 0; tr < TR_MAX; tr++) {
		struct access_counts c = model_wset(&m, &z->ws[f][tr], 65536);

		if (fams[f] == AF_INET)
			printf("model IPv4 %s %s: per packet tbl24=%.2f tbl8=%.2f host_probes=%.2f leaves=%.2f\n",
			       lbl, traffic_name[tr], c.tbl24, c.tbl8,
			       c.host_probes, c.leaves);
		else
			printf("model IPv6 %s %s: per packet filter_reads=%.2f hash_lookups=%.2f\n",
			       lbl, traffic_name[tr], c.probes, c.hits);
	}
	model_free(&m);

	/* Verdicts first: the timing must measure the intended path. */
	for (int tr = 0; tr < TR_MAX; tr++)
		for (int t = 0; t < T_MAX; t++) {
			char what[128];

			if (!target_applies(tr, t))
				continue;
			snprintf(what, sizeof(what), "verify %s %s %s %s",
				 fam_name(f), lbl, traffic_name[tr],
				 target_name[t]);
			verify_target(&b->h, z->target_fd[t], &z->ws[f][tr],
				      fams[f], o->verify, what);
		}
}

/* Rule set, programs and working sets of one size, verified. */
static void prepare_size(struct bench *b, struct sized *z)
{
	const struct packets_opts *o = &b->o;
	struct activation_report rep;
	struct rule_ids ids;
	char lbl[32];
	int err;

	size_label(z->nr_rules, lbl, sizeof(lbl));
	progress(b, "%s rules per family: loading and activating...", lbl);
	if (loader_open(&z->ld, default_capacity(), NULL, NULL, 0))
		die("cannot open xdpblock (root? BPF enabled?)");
	xf_open(&z->xf, o->xf_path, 0, 0);
	/* resized to hold exactly this set's exact-address rules */
	xf_open(&z->xf_big, o->xf_path, hosts_in_set(b, z, 0) ?: 1,
		hosts_in_set(b, z, 1) ?: 1);
	z->target_fd[T_EMPTY] = bpf_program__fd(b->h.skel->progs.bench_empty);
	z->target_fd[T_XDPBLOCK] = loader_prog_fd(&z->ld);
	z->target_fd[T_XF] = z->xf.prog_fd;
	z->target_fd[T_XF_BIG] = z->xf_big.prog_fd;
	/* A tail-call target must be an XDP program like the wrapper: check. */
	for (int t = 0; t < T_MAX; t++)
		harness_set(&b->h, z->target_fd[t], NULL);

	ruleset_from(&z->rs, &b->gens[0], (o->families & 1) ? z->nr_rules : 0,
		     &b->gens[1], (o->families & 2) ? z->nr_rules : 0);
	rule_ids_init(&ids, default_capacity());
	assign_ids(&ids, NULL, &z->rs);
	rule_ids_free(&ids);
	err = loader_activate(&z->ld, &z->rs, NULL, &rep);
	if (err)
		die("activation of %s rules failed: %s", lbl, strerror(-err));
	printf("activate %s: v4_rules=%zu v6_rules=%zu plan_ms=%.1f build_ms=%.1f switch_ms=%.3f v4_leaves=%zu v4_groups=%zu v4_hosts=%zu v6_entries=%zu v6_lengths=%zu v6_filter_bytes=%zu\n",
	       lbl, z->rs.v4.nr, z->rs.v6.nr, rep.plan_ns / 1e6,
	       rep.build_ns / 1e6, rep.switch_ns / 1e6, rep.v4_leaves,
	       rep.v4_groups, rep.v4_hosts, rep.v6_entries, rep.v6_lengths,
	       rep.v6_filter_bytes);
	for (int f = 0; f < 2; f++)
		if (o->families & (1 << f))
			prepare_family(b, z, f);
	progress(b, "%s: verdicts of %zu pairs per case and program verified",
		 lbl, o->verify);
}

/*
 * Rounds interleave every size and program, so drift in the machine's
 * load spreads over all of them alike instead of biasing one.
 */
static void time_family(struct bench *b, int f)
{
	const struct packets_opts *o = &b->o;
	size_t len;
	const void *pkt = family_pkt(&b->h, fams[f], &len);

	for (int tr = 0; tr < TR_MAX; tr++) {
		progress(b, "timing %s %s...", fam_name(f), traffic_name[tr]);
		for (int r = -1; r < o->rounds; r++) /* round -1 warms up */
			for (int si = 0; si < o->nr_sizes; si++)
				for (int t = 0; t < T_MAX; t++) {
					struct sized *z = &b->sz[si];
					uint32_t ns;

					if (!target_applies(tr, t))
						continue;
					harness_set(&b->h, z->target_fd[t],
						    &z->ws[f][tr]);
					test_run(b->h.wrapper_fd, pkt, len,
						 o->repeat, &ns);
					if (r >= 0)
						z->res[f][tr][t].raw[r] = ns;
				}
		for (int si = 0; si < o->nr_sizes; si++)
			for (int t = 0; t < T_MAX; t++)
				if (target_applies(tr, t))
					result_finish(&b->sz[si].res[f][tr][t],
						      o->rounds);
	}

	/* For contrast: one fixed packet repeated, no wrapper (hot caches). */
	for (int si = 0; si < o->nr_sizes; si++)
		for (int k = 0; k < 2; k++) {
			struct sized *z = &b->sz[si];
			const struct bench_pair *bp =
				&z->ws[f][k ? TR_HOST : TR_PASS].pairs[0];
			int off = fams[f] == AF_INET ? 14 + 12 : 14 + 8;
			int bytes = addr_bytes(fams[f]);
			uint8_t copy[128];

			memcpy(copy, pkt, len);
			memcpy(copy + off, bp->src, bytes);
			memcpy(copy + off + bytes, bp->dst, bytes);
			for (int t = 0; t < T_MAX; t++) {
				if (test_run(z->target_fd[t], copy, len, 1,
					     NULL) !=
				    (t == T_EMPTY || !k ? XDP_PASS : XDP_DROP))
					die("%s: fixed packet: wrong verdict from %s",
					    fam_name(f), target_name[t]);
				for (int r = 0; r < o->rounds; r++) {
					uint32_t ns;

					test_run(z->target_fd[t], copy, len,
						 o->repeat, &ns);
					z->hot[f][k][t].raw[r] = ns;
				}
				result_finish(&z->hot[f][k][t], o->rounds);
			}
		}
}

/*
 * Net cost: the median over rounds of (program - empty) measured in the
 * same round, so drift in the machine's load cancels pairwise.
 */
static double net_median(const struct result *r, const struct result *empty,
			 int rounds)
{
	double d[MAX_ROUNDS];

	for (int i = 0; i < rounds; i++)
		d[i] = r->raw[i] - empty->raw[i];
	return median(d, rounds);
}

static void print_cell(const struct result *r, const struct result *empty,
		       int rounds)
{
	if (!r->valid)
		printf(" n/a |");
	else if (empty)
		printf(" %.0f |", net_median(r, empty, rounds));
	else
		printf(" %.0f |", r->med);
}

static void report(struct bench *b)
{
	const struct packets_opts *o = &b->o;
	char lbl[32];

	printf("\n### ns per packet, net of the wrapper\n\n");
	printf("BPF_PROG_TEST_RUN, %zu address pairs cycled, %d runs of %u packets each per figure;\n"
	       "each figure is the median over the runs of (wrapper -> program) - (wrapper -> empty XDP\n"
	       "program), both measured in the same round.\n\n",
	       o->nr_pairs, o->rounds, o->repeat);
	printf("| family | rules | packets | wrapper -> empty XDP, raw | xdpblock | xdp-filter | xdp-filter, resized maps |\n");
	printf("|---|---:|---|---:|---:|---:|---:|\n");
	for (int f = 0; f < 2; f++)
		for (int si = 0; si < o->nr_sizes && (o->families & (1 << f));
		     si++)
			for (int tr = 0; tr < TR_MAX; tr++) {
				struct result *r = b->sz[si].res[f][tr];

				printf("| %s | %s | %s | %.0f |", fam_name(f),
				       size_label(o->sizes[si], lbl,
						  sizeof(lbl)),
				       traffic_name[tr], r[T_EMPTY].med);
				for (int t = T_XDPBLOCK; t < T_MAX; t++)
					print_cell(&r[t], &r[T_EMPTY],
						   o->rounds);
				printf("\n");
			}

	printf("\nRaw ns per run, min..max over the %d runs (wrapper included):\n\n",
	       o->rounds);
	printf("| family | rules | packets | empty XDP | xdpblock | xdp-filter | xdp-filter, resized maps |\n");
	printf("|---|---:|---|---|---|---|---|\n");
	for (int f = 0; f < 2; f++)
		for (int si = 0; si < o->nr_sizes && (o->families & (1 << f));
		     si++)
			for (int tr = 0; tr < TR_MAX; tr++) {
				printf("| %s | %s | %s |", fam_name(f),
				       size_label(o->sizes[si], lbl,
						  sizeof(lbl)),
				       traffic_name[tr]);
				for (int t = 0; t < T_MAX; t++) {
					struct result *r =
						&b->sz[si].res[f][tr][t];

					if (r->valid)
						printf(" %.0f..%.0f |", r->lo,
						       r->hi);
					else
						printf(" n/a |");
				}
				printf("\n");
			}

	printf("\nExact-address rules given to xdp-filter (the shipped object's maps hold %u IPv4 and %u IPv6 entries):\n\n",
	       b->sz[0].xf.capacity[0], b->sz[0].xf.capacity[1]);
	printf("| family | rules | of which exact addresses | xdp-filter | xdp-filter, resized maps |\n|---|---:|---:|---:|---:|\n");
	for (int f = 0; f < 2; f++)
		for (int si = 0; si < o->nr_sizes && (o->families & (1 << f));
		     si++)
			printf("| %s | %s | %zu | %zu | %zu |\n", fam_name(f),
			       size_label(o->sizes[si], lbl, sizeof(lbl)),
			       b->sz[si].held[f][1], b->sz[si].held[f][0],
			       b->sz[si].held[f][1]);

	printf("\n### For contrast: one fixed packet repeated, no wrapper (hot caches), raw ns per run\n\n");
	printf("| family | rules | packet | empty XDP | xdpblock | xdp-filter | xdp-filter, resized maps |\n");
	printf("|---|---:|---|---:|---:|---:|---:|\n");
	for (int f = 0; f < 2; f++)
		for (int si = 0; si < o->nr_sizes && (o->families & (1 << f));
		     si++)
			for (int k = 0; k < 2; k++) {
				printf("| %s | %s | %s |", fam_name(f),
				       size_label(o->sizes[si], lbl,
						  sizeof(lbl)),
				       k ? "drop, exact host" : "pass");
				for (int t = 0; t < T_MAX; t++)
					print_cell(&b->sz[si].hot[f][k][t],
						   NULL, 0);
				printf("\n");
			}

	/* The target: passing cost with the most rules within 2x of the fewest. */
	printf("\n");
	for (int f = 0; f < 2 && o->nr_sizes >= 2; f++) {
		struct result *lo, *hi;
		double x, y;

		if (!(o->families & (1 << f)))
			continue;
		lo = b->sz[0].res[f][TR_PASS];
		hi = b->sz[o->nr_sizes - 1].res[f][TR_PASS];
		x = net_median(&lo[T_XDPBLOCK], &lo[T_EMPTY], o->rounds);
		y = net_median(&hi[T_XDPBLOCK], &hi[T_EMPTY], o->rounds);
		printf("target: %s passing packets, %zu vs %zu rules: %.0f / %.0f ns = %.2fx (limit 2x): %s\n",
		       fam_name(f), o->sizes[o->nr_sizes - 1], o->sizes[0], y,
		       x, x > 0 ? y / x : 0,
		       x > 0 && y <= 2 * x ? "met" : "NOT met");
	}
}

static int cmd_packets(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{"sizes", required_argument, NULL, 's'},
		{"pairs", required_argument, NULL, 'p'},
		{"repeat", required_argument, NULL, 'r'},
		{"rounds", required_argument, NULL, 'n'},
		{"verify", required_argument, NULL, 'v'},
		{"seed", required_argument, NULL, 'S'},
		{"xdp-filter-obj", required_argument, NULL, 'x'},
		{"cpu", required_argument, NULL, 'c'},
		{"family", required_argument, NULL, 'f'},
		{0},
	};
	static struct bench bench;
	struct bench *b = &bench;
	struct packets_opts *o = &b->o;
	size_t max_size = 0;
	int c;

	b->t_start = now_s();
	o->nr_pairs = 1u << 17;
	o->repeat = 1u << 20;
	o->rounds = 5;
	o->verify = 4096;
	o->seed = DEFAULT_SEED;
	o->xf_path = XDPFILTER_OBJ;
	o->cpu = -1;
	o->families = 3;
	parse_sizes(o, "1k,100k,1M");
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case 's':
			parse_sizes(o, optarg);
			break;
		case 'p':
			o->nr_pairs = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			o->repeat = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			o->rounds = atoi(optarg);
			break;
		case 'v':
			o->verify = strtoull(optarg, NULL, 0);
			break;
		case 'S':
			o->seed = strtoull(optarg, NULL, 0);
			break;
		case 'x':
			o->xf_path = optarg;
			break;
		case 'c':
			o->cpu = atoi(optarg);
			break;
		case 'f':
			o->families = !strcmp(optarg, "v4")   ? 1
				      : !strcmp(optarg, "v6") ? 2
							      : 3;
			break;
		default:
			die("usage: packets [--sizes 1k,100k,1M] [--pairs N] [--repeat N] [--rounds N] [--verify N] [--seed N] [--xdp-filter-obj PATH] [--cpu N] [--family v4|v6|both]");
		}
	}
	if (!o->nr_pairs || (o->nr_pairs & (o->nr_pairs - 1)))
		die("--pairs must be a power of two");
	if (o->rounds < 1 || o->rounds > MAX_ROUNDS)
		die("--rounds must be 1..%d", MAX_ROUNDS);
	if (!o->nr_sizes)
		die("--sizes: no sizes");
	pin_cpu(o->cpu);
	for (int i = 0; i < o->nr_sizes; i++)
		if (o->sizes[i] > max_size)
			max_size = o->sizes[i];

	progress(b, "generating %zu rules per family (seed %llu)...", max_size,
		 (unsigned long long)o->seed);
	for (int f = 0; f < 2; f++) {
		gen_build(&b->gens[f], fams[f], max_size, o->seed);
		b->hosts[f] =
			host_rules(&b->gens[f], max_size, &b->nr_hosts[f]);
	}
	harness_open(&b->h, o->nr_pairs);
	b->sz = xcalloc(o->nr_sizes, sizeof(*b->sz));
	for (int si = 0; si < o->nr_sizes; si++) {
		b->sz[si].nr_rules = o->sizes[si];
		prepare_size(b, &b->sz[si]);
	}
	print_tag("xdpblock", b->sz[0].target_fd[T_XDPBLOCK]);
	print_tag("xdp-filter", b->sz[0].target_fd[T_XF]);
	for (int f = 0; f < 2; f++)
		if (o->families & (1 << f))
			time_family(b, f);
	report(b);
	printf("\npeak_rss_kib=%ld elapsed_s=%.0f\n", peak_rss_kib(),
	       now_s() - b->t_start);

	bench_wrapper_bpf__destroy(b->h.skel);
	for (int si = 0; si < o->nr_sizes; si++) {
		struct sized *z = &b->sz[si];

		bpf_object__close(z->xf.obj);
		bpf_object__close(z->xf_big.obj);
		loader_close(&z->ld, 0);
		ruleset_free(&z->rs);
		for (int f = 0; f < 2; f++)
			for (int tr = 0; tr < TR_MAX; tr++)
				free(z->ws[f][tr].pairs);
	}
	for (int f = 0; f < 2; f++) {
		gen_free(&b->gens[f]);
		free(b->hosts[f]);
	}
	free(b->sz);
	return 0;
}

/* ---- memlat ----------------------------------------------------------- */

/* ---- dns ------------------------------------------------------------------ */

#define DNS_WSET (1u << 17) /* names per working set, distinct */
#define DNS_PKT_LEN (14 + 20 + 8 + 12 + 64)

static const char *const bench_tlds[] = {"com", "net", "org",
					 "de",	"io",  "example"};

/* A random name of 2..3 labels of 4..12 characters (wire <= 46 bytes). */
static void bench_name(struct rng *r, char *out)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	int labels = 2 + rng_below(r, 2);
	char *p = out;

	for (int l = 0; l < labels - 1; l++) {
		int len = 4 + rng_below(r, 9);

		for (int i = 0; i < len; i++)
			*p++ = chars[rng_below(r, 36)];
		*p++ = '.';
	}
	strcpy(p, bench_tlds[rng_below(r, 6)]);
}

/* The wrapper's 64-byte slot: wire name, QTYPE A, QCLASS IN. */
static void name_slot(const char *text, uint8_t *slot)
{
	uint8_t wire[XDPB_NAME_BUF], off[XDPB_NAME_MAX_LABELS + 1];
	size_t len = strlen(text) + 2;

	name_to_wire(text, wire, off);
	if (len + 4 > 64)
		die("name %s too long for the benchmark slot", text);
	memset(slot, 0, 64);
	memcpy(slot, wire, len);
	slot[len + 1] = 1;
	slot[len + 3] = 1;
}

/*
 * Options of the name benchmarks (dns, tls): sizes, rounds, repeat, cpu;
 * pins the CPU and returns the largest rule count asked for.
 */
static size_t name_bench_opts(int argc, char **argv, const char *cmd,
			      struct packets_opts *o)
{
	static const struct option opts[] = {
		{"sizes", required_argument, NULL, 's'},
		{"rounds", required_argument, NULL, 'r'},
		{"repeat", required_argument, NULL, 'n'},
		{"cpu", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	size_t max_rules = 0;
	int c;

	memset(o, 0, sizeof(*o));
	o->rounds = 5;
	o->repeat = 1 << 20;
	o->cpu = -1;
	parse_sizes(o, "1k,100k,1M");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			parse_sizes(o, optarg);
			break;
		case 'r':
			o->rounds = atoi(optarg);
			break;
		case 'n':
			o->repeat = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			o->cpu = atoi(optarg);
			break;
		default:
			die("usage: bench_prog %s [--sizes LIST] [--rounds N] [--repeat N] [--cpu N]",
			    cmd);
		}
	}
	if (o->rounds < 1 || o->rounds > 64)
		die("--rounds: 1..64");
	if (o->cpu >= 0)
		pin_cpu(o->cpu);
	for (int i = 0; i < o->nr_sizes; i++)
		if (o->sizes[i] > max_rules)
			max_rules = o->sizes[i];
	log_init("bench_prog", LOG_LEVEL_WARN);
	return max_rules;
}

static int cmd_dns(int argc, char **argv)
{
	struct packets_opts o;
	struct bench_wrapper_bpf *skel;
	uint8_t pkt[DNS_PKT_LEN] = {0};
	uint8_t(*match)[64], (*miss)[64], (*slots)[64];
	struct rule_ids ids;
	struct loader ld;
	struct ruleset prev = {0};
	char errbuf[256], (*texts)[64];
	size_t max_rules = 0;
	struct rng r = {DEFAULT_SEED ^ 0xd25};
	uint32_t zero = 0, xdp_fd;

	max_rules = name_bench_opts(argc, argv, "dns", &o);
	texts = xcalloc(max_rules, sizeof(*texts));
	for (size_t i = 0; i < max_rules; i++)
		bench_name(&r, texts[i]);

	if (loader_open(&ld, 2 * max_rules + 16, NULL, errbuf, sizeof(errbuf)))
		die("%s", errbuf);
	rule_ids_init(&ids, 2 * max_rules + 16);
	skel = bench_wrapper_bpf__open();
	if (!skel)
		die("cannot open the wrapper program");
	skel->rodata->name_mask = DNS_WSET - 1;
	bpf_map__set_max_entries(skel->maps.names, DNS_WSET);
	if (bench_wrapper_bpf__load(skel))
		die("cannot load the wrapper program: %s", strerror(errno));
	slots = mmap(NULL, DNS_WSET * 64, PROT_READ | PROT_WRITE, MAP_SHARED,
		     bpf_map__fd(skel->maps.names), 0);
	if (slots == MAP_FAILED)
		die("cannot mmap the names");
	match = xcalloc(DNS_WSET, 64);
	miss = xcalloc(DNS_WSET, 64);

	/* Ethernet, IPv4, UDP to 53, DNS header: a query with one question */
	pkt[12] = 0x08;
	pkt[14] = 0x45;
	pkt[16] = DNS_PKT_LEN - 14;
	pkt[22] = 64;
	pkt[23] = 17;
	pkt[26] = 192, pkt[27] = 0, pkt[28] = 2, pkt[29] = 2;
	pkt[30] = 198, pkt[31] = 51, pkt[32] = 100, pkt[33] = 2;
	pkt[35] = 0x39, pkt[37] = 53, pkt[39] = DNS_PKT_LEN - 34;
	pkt[44] = 1; /* RD */
	pkt[47] = 1; /* QDCOUNT */

	printf("### DNS queries, ns per packet\n\n");
	printf("%u distinct names per working set, 2^%d packets per run, median of %d runs of "
	       "(wrapper -> xdpblock) - (wrapper -> empty XDP program); rules are suffix rules "
	       "(action monitor, so every query is matched, counted and passed)\n\n",
	       DNS_WSET, __builtin_ctz(o.repeat), o.rounds);
	printf("| domain rules | queries | wrapper -> empty (raw) | xdpblock |\n|---:|---|---:|---:|\n");
	for (int si = 0; si < o.nr_sizes; si++) {
		size_t n = o.sizes[si];
		struct ruleset rs = {0};
		struct activation_report rep;
		double raw[3][64];
		char label[32];

		for (size_t i = 0; i < n; i++)
			if (ruleset_add_name(&rs, texts[i], XDPB_NAME_SUFFIX, 1,
					     XDPB_ACT_MONITOR, i + 1))
				die("out of memory");
		ruleset_finish(&rs);
		assign_ids(&ids, &prev, &rs);
		if (loader_activate(&ld, &rs, NULL, &rep))
			die("cannot activate %zu domain rules", n);
		/* below a listed name (one to two more labels), or not listed */
		for (uint32_t i = 0; i < DNS_WSET; i++) {
			char name[128], extra[32];
			const char *base = texts[rng_below(&r, n)];

			bench_name(&r, extra);
			*strchr(extra, '.') = '\0';
			snprintf(name, sizeof(name), "%s%s%s",
				 i % 4 ? extra : "", i % 4 ? "." : "", base);
			/* i % 4 == 0: the listed name itself; others distinct by
			 * their random first label */
			if (i % 4 == 0)
				snprintf(name, sizeof(name), "w%u.%s", i, base);
			name_slot(name, match[i]);
			/* random names; the rare one a rule covers is drawn again */
			do
				bench_name(&r, name);
			while (refmatch_name(&rs, name));
			name_slot(name, miss[i]);
		}
		ruleset_free(&prev);
		prev = rs;
		for (int k = 0; k < 3; k++) {
			int fd = k == 2 ? bpf_program__fd(
						  skel->progs.bench_empty)
					: loader_prog_fd(&ld);

			if (bpf_map_update_elem(bpf_map__fd(skel->maps.target),
						&zero, &fd, BPF_ANY))
				die("tail-call target: %s", strerror(errno));
			memcpy(slots, k == 1 ? miss : match, DNS_WSET * 64);
			for (int round = -1; round < o.rounds; round++) {
				uint32_t ns;

				skel->bss->name_cursor = 0;
				xdp_fd = test_run(
					bpf_program__fd(
						skel->progs.bench_dns_wrapper),
					pkt, sizeof(pkt), o.repeat, &ns);
				if (xdp_fd != XDP_PASS)
					die("verdict %u", xdp_fd);
				if (round >= 0)
					raw[k][round] = ns;
			}
		}
		{
			double net[2][64];

			for (int k = 0; k < 2; k++)
				for (int i = 0; i < o.rounds; i++)
					net[k][i] = raw[k][i] - raw[2][i];
			size_label(n, label, sizeof(label));
			printf("| %s | below a listed name | %.0f | %.0f |\n",
			       label, median(raw[2], o.rounds),
			       median(net[0], o.rounds));
			printf("| %s | not listed | %.0f | %.0f |\n", label,
			       median(raw[2], o.rounds),
			       median(net[1], o.rounds));
			printf("dns rules=%zu match_ns=%.0f miss_ns=%.0f name_entries=%zu filter_bytes=%zu table_bytes=%zu\n",
			       n, median(net[0], o.rounds),
			       median(net[1], o.rounds), rep.name_entries,
			       rep.name_filter_bytes, rep.name_table_bytes);
		}
	}
	/* the hits went to the rules: a query below a listed name was matched */
	{
		struct xdpb_counter cnt;
		uint64_t total = 0;

		for (size_t i = 0; i < prev.names.nr; i++) {
			loader_read_rule(&ld, prev.names.rules[i].rule_id,
					 &cnt);
			total += cnt.packets;
		}
		printf("\nrule hits counted in the last size: %llu\n",
		       (unsigned long long)total);
		if (!total)
			die("no rule counted a hit: the benchmark measured nothing");
	}
	ruleset_free(&prev);
	loader_close(&ld, 0);
	return 0;
}

/* ---- tls ------------------------------------------------------------------ */

#define TLS_PKT_MAX 2048
#define TLS_SLOT 64

static size_t put16(uint8_t *p, size_t at, unsigned int v)
{
	p[at] = v >> 8;
	p[at + 1] = v;
	return at + 2;
}

/*
 * A ClientHello as a 2025 browser sends it to port 443, in one segment:
 * GREASE, supported_versions, supported_groups, signature_algorithms,
 * ALPN, psk_key_exchange_modes, an X25519MLKEM768 + X25519 key share
 * (1,286 bytes), then the 64-byte slot (server_name + padding) last, so
 * the walk crosses every extension before the name. Returns the packet
 * length; *slot_off gets the slot's offset.
 */
static size_t tls_bench_packet(uint8_t *pkt, size_t *slot_off)
{
	size_t n = 14 + 20, tcp = n, hello, hs, exts, ks;

	memset(pkt, 0, TLS_PKT_MAX);
	pkt[12] = 0x08;
	pkt[14] = 0x45;
	pkt[22] = 64;
	pkt[23] = 6;
	pkt[26] = 192, pkt[27] = 0, pkt[28] = 2, pkt[29] = 2;
	pkt[30] = 198, pkt[31] = 51, pkt[32] = 100, pkt[33] = 2;
	put16(pkt, tcp, 40000);
	put16(pkt, tcp + 2, 443);
	pkt[tcp + 7] = 1; /* seq */
	pkt[tcp + 11] = 1; /* ack */
	pkt[tcp + 12] = 5 << 4;
	pkt[tcp + 13] = 0x18; /* PSH, ACK */
	put16(pkt, tcp + 14, 65535);
	n = hello = tcp + 20;
	pkt[n++] = 0x16;
	n = put16(pkt, n, 0x0301);
	n += 2; /* record length */
	pkt[n++] = 1; /* ClientHello */
	hs = n;
	n += 3;
	n = put16(pkt, n, 0x0303);
	memset(pkt + n, 0x5a, 32);
	n += 32;
	pkt[n++] = 32;
	memset(pkt + n, 0x33, 32);
	n += 32;
	n = put16(pkt, n, 32); /* 16 cipher suites */
	for (int i = 0; i < 16; i++)
		n = put16(pkt, n, 0x1301 + i);
	pkt[n++] = 1;
	pkt[n++] = 0;
	exts = n;
	n += 2;
	n = put16(pkt, n, 0x3a3a); /* GREASE */
	n = put16(pkt, n, 0);
	n = put16(pkt, n, 0x002b); /* supported_versions */
	n = put16(pkt, n, 5);
	pkt[n++] = 4;
	n = put16(pkt, n, 0x0304);
	n = put16(pkt, n, 0x0303);
	n = put16(pkt, n, 0x000a); /* supported_groups */
	n = put16(pkt, n, 8);
	n = put16(pkt, n, 6);
	n = put16(pkt, n, 0x11ec);
	n = put16(pkt, n, 0x001d);
	n = put16(pkt, n, 0x0017);
	n = put16(pkt, n, 0x000d); /* signature_algorithms */
	n = put16(pkt, n, 18);
	n = put16(pkt, n, 16);
	for (int i = 0; i < 8; i++)
		n = put16(pkt, n, 0x0401 + i);
	n = put16(pkt, n, 0x0010); /* ALPN: h2, http/1.1 */
	n = put16(pkt, n, 14);
	n = put16(pkt, n, 12);
	pkt[n++] = 2;
	memcpy(pkt + n, "h2", 2);
	n += 2;
	pkt[n++] = 8;
	memcpy(pkt + n, "http/1.1", 8);
	n += 8;
	n = put16(pkt, n, 0x002d); /* psk_key_exchange_modes */
	n = put16(pkt, n, 2);
	pkt[n++] = 1;
	pkt[n++] = 1;
	n = put16(pkt, n, 0x0033); /* key_share */
	ks = n;
	n += 4;
	n = put16(pkt, n, 0x11ec);
	n = put16(pkt, n, 1216);
	memset(pkt + n, 0x4b, 1216);
	n += 1216;
	n = put16(pkt, n, 0x001d);
	n = put16(pkt, n, 32);
	memset(pkt + n, 0x58, 32);
	n += 32;
	put16(pkt, ks, n - ks - 2);
	put16(pkt, ks + 2, n - ks - 4);
	*slot_off = n;
	n += TLS_SLOT;
	put16(pkt, exts, n - exts - 2);
	pkt[hs] = 0;
	put16(pkt, hs + 1, n - hs - 3);
	put16(pkt, hello + 3, n - hello - 5);
	put16(pkt, 16, n - 14); /* IPv4 total length */
	if (n > TLS_PKT_MAX)
		die("ClientHello too long");
	return n;
}

/* The slot for @text: server_name, then padding up to 64 bytes. */
static void tls_slot(const char *text, uint8_t *slot)
{
	size_t len = strlen(text), at = 0;

	if (len + 13 > TLS_SLOT)
		die("name %s too long for the benchmark slot", text);
	memset(slot, 0, TLS_SLOT);
	at = put16(slot, at, 0); /* server_name */
	at = put16(slot, at, 5 + len);
	at = put16(slot, at, 3 + len);
	slot[at++] = 0;
	at = put16(slot, at, len);
	memcpy(slot + at, text, len);
	at += len;
	at = put16(slot, at, 0x0015); /* padding */
	put16(slot, at, TLS_SLOT - at - 4);
}

static int cmd_tls(int argc, char **argv)
{
	struct packets_opts o;
	struct bench_wrapper_bpf *skel;
	static uint8_t pkt[TLS_PKT_MAX];
	uint8_t(*match)[64], (*miss)[64], (*slots)[64];
	struct rule_ids ids;
	struct loader ld;
	struct ruleset prev = {0};
	char errbuf[256], (*texts)[64];
	size_t max_rules = 0, pkt_len, slot_off;
	struct rng r = {DEFAULT_SEED ^ 0x715};
	uint32_t zero = 0, verdict;

	max_rules = name_bench_opts(argc, argv, "tls", &o);
	texts = xcalloc(max_rules, sizeof(*texts));
	for (size_t i = 0; i < max_rules; i++)
		bench_name(&r, texts[i]);
	pkt_len = tls_bench_packet(pkt, &slot_off);

	if (loader_open(&ld, 2 * max_rules + 16, NULL, errbuf, sizeof(errbuf)))
		die("%s", errbuf);
	rule_ids_init(&ids, 2 * max_rules + 16);
	skel = bench_wrapper_bpf__open();
	if (!skel)
		die("cannot open the wrapper program");
	skel->rodata->name_mask = DNS_WSET - 1;
	skel->rodata->tls_slot_off = slot_off;
	bpf_map__set_max_entries(skel->maps.names, DNS_WSET);
	if (bench_wrapper_bpf__load(skel))
		die("cannot load the wrapper program: %s", strerror(errno));
	slots = mmap(NULL, DNS_WSET * 64, PROT_READ | PROT_WRITE, MAP_SHARED,
		     bpf_map__fd(skel->maps.names), 0);
	if (slots == MAP_FAILED)
		die("cannot mmap the names");
	match = xcalloc(DNS_WSET, 64);
	miss = xcalloc(DNS_WSET, 64);

	printf("### TLS ClientHellos, ns per packet\n\n");
	printf("A %zu-byte browser ClientHello (post-quantum key share, the server_name "
	       "extension after it: the walk crosses all %d extensions) in one segment to "
	       "port 443; %u distinct names per working set, 2^%d packets per run, median "
	       "of %d runs of (wrapper -> xdpblock) - (wrapper -> empty XDP program); rules "
	       "are suffix rules (action monitor, so every ClientHello is parsed, matched, "
	       "counted and passed, never cached as a blocked flow)\n\n",
	       pkt_len - 54, 9, DNS_WSET, __builtin_ctz(o.repeat), o.rounds);
	printf("| domain rules | ClientHellos | wrapper -> empty (raw) | xdpblock |\n|---:|---|---:|---:|\n");
	for (int si = 0; si < o.nr_sizes; si++) {
		size_t n = o.sizes[si];
		struct ruleset rs = {0};
		struct activation_report rep;
		double raw[3][64];
		char label[32];

		for (size_t i = 0; i < n; i++)
			if (ruleset_add_name(&rs, texts[i], XDPB_NAME_SUFFIX, 1,
					     XDPB_ACT_MONITOR, i + 1))
				die("out of memory");
		ruleset_finish(&rs);
		assign_ids(&ids, &prev, &rs);
		if (loader_activate(&ld, &rs, NULL, &rep))
			die("cannot activate %zu domain rules", n);
		for (uint32_t i = 0; i < DNS_WSET; i++) {
			char name[128], extra[32];
			const char *base = texts[rng_below(&r, n)];

			bench_name(&r, extra);
			*strchr(extra, '.') = '\0';
			if (i % 4 == 0)
				snprintf(name, sizeof(name), "w%u.%s", i, base);
			else
				snprintf(name, sizeof(name), "%s.%s", extra,
					 base);
			tls_slot(name, match[i]);
			do
				bench_name(&r, name);
			while (refmatch_name_view(&rs, name, 1));
			tls_slot(name, miss[i]);
		}
		ruleset_free(&prev);
		prev = rs;
		for (int k = 0; k < 3; k++) {
			int fd = k == 2 ? bpf_program__fd(
						  skel->progs.bench_empty)
					: loader_prog_fd(&ld);

			if (bpf_map_update_elem(bpf_map__fd(skel->maps.target),
						&zero, &fd, BPF_ANY))
				die("tail-call target: %s", strerror(errno));
			memcpy(slots, k == 1 ? miss : match, DNS_WSET * 64);
			for (int round = -1; round < o.rounds; round++) {
				uint32_t ns;

				skel->bss->name_cursor = 0;
				verdict = test_run(
					bpf_program__fd(
						skel->progs.bench_tls_wrapper),
					pkt, pkt_len, o.repeat, &ns);
				if (verdict != XDP_PASS)
					die("verdict %u", verdict);
				if (round >= 0)
					raw[k][round] = ns;
			}
		}
		{
			double net[2][64];

			for (int k = 0; k < 2; k++)
				for (int i = 0; i < o.rounds; i++)
					net[k][i] = raw[k][i] - raw[2][i];
			size_label(n, label, sizeof(label));
			printf("| %s | below a listed name | %.0f | %.0f |\n",
			       label, median(raw[2], o.rounds),
			       median(net[0], o.rounds));
			printf("| %s | not listed | %.0f | %.0f |\n", label,
			       median(raw[2], o.rounds),
			       median(net[1], o.rounds));
			printf("tls rules=%zu match_ns=%.0f miss_ns=%.0f\n", n,
			       median(net[0], o.rounds),
			       median(net[1], o.rounds));
		}
	}
	/* the hits went to the rules: a ClientHello below a listed name matched */
	{
		struct xdpb_counter cnt;
		uint64_t total = 0;

		for (size_t i = 0; i < prev.names.nr; i++) {
			loader_read_rule(&ld, prev.names.rules[i].rule_id,
					 &cnt);
			total += cnt.packets;
		}
		printf("\nrule hits counted in the last size: %llu\n",
		       (unsigned long long)total);
		if (!total)
			die("no rule counted a hit: the benchmark measured nothing");
	}
	ruleset_free(&prev);
	loader_close(&ld, 0);
	return 0;
}

/*
 * Context for the figures: the latency of one dependent random load over
 * @mib MiB (a pointer chase through 64-byte lines in random order), with
 * 4 KiB pages and with transparent huge pages. BPF maps use 4 KiB pages.
 */
static double chase_ns(size_t mib, int huge)
{
	size_t n = mib * 1024 * 1024 / 64, iters = 2000000;
	struct rng r = {42};
	size_t *perm = xcalloc(n, sizeof(*perm));
	char *m = mmap(NULL, n * 64, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void **p;
	uint64_t t0;

	if (m == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	madvise(m, n * 64, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng_below(&r, i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		*(void **)(m + perm[i] * 64) = m + perm[(i + 1) % n] * 64;
	p = (void **)(m + perm[0] * 64);
	for (size_t i = 0; i < n; i++) /* fault in, warm the TLB's caches */
		p = *p;
	t0 = monotonic_ns();
	for (size_t i = 0; i < iters; i++)
		p = *p;
	t0 = monotonic_ns() - t0;
	if (!p)
		die("chase");
	munmap(m, n * 64);
	free(perm);
	return (double)t0 / iters;
}

static int cmd_memlat(int argc, char **argv)
{
	int cpu = argc > 1 ? atoi(argv[1]) : -1;

	pin_cpu(cpu);
	printf("memlat: random dependent load, ns: 1 MiB %.0f, 16 MiB %.0f, 256 MiB %.0f (4 KiB pages), 256 MiB %.0f (2 MiB pages)\n",
	       chase_ns(1, 0), chase_ns(16, 0), chase_ns(256, 0),
	       chase_ns(256, 1));
	return 0;
}

/*
 * The cost of one tail call, what a packet with a name pays to go from
 * xdpblock's entry program to its stage: the wrapper calling the empty
 * program directly, and through bench_hop, interleaved, @rounds times.
 */
static int cmd_tailcall(int argc, char **argv)
{
	int cpu = argc > 1 ? atoi(argv[1]) : -1;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	uint32_t repeat = argc > 3 ? (uint32_t)atol(argv[3]) : 1u << 20;
	int empty_fd, hop_fd, zero = 0;
	double direct[64], hopped[64];
	struct harness h;
	size_t len;
	const void *pkt;

	if (rounds < 1 || rounds > 64)
		die("tailcall: rounds from 1 to 64");
	pin_cpu(cpu);
	harness_open(&h, 1);
	pkt = family_pkt(&h, AF_INET, &len);
	empty_fd = bpf_program__fd(h.skel->progs.bench_empty);
	hop_fd = bpf_program__fd(h.skel->progs.bench_hop);
	if (bpf_map_update_elem(bpf_map__fd(h.skel->maps.hop), &zero, &empty_fd,
				BPF_ANY))
		die("tailcall: cannot fill the hop: %s", strerror(errno));
	for (int i = 0; i < rounds; i++) {
		uint32_t ns;

		harness_set(&h, empty_fd, NULL);
		if (test_run(h.wrapper_fd, pkt, len, repeat, &ns) != XDP_PASS)
			die("tailcall: the direct call did not pass");
		direct[i] = ns;
		harness_set(&h, hop_fd, NULL);
		if (test_run(h.wrapper_fd, pkt, len, repeat, &ns) != XDP_PASS)
			die("tailcall: the hop did not reach the empty program");
		hopped[i] = ns;
	}
	printf("tailcall: %.1f ns per packet with one more tail call (%.1f -> %.1f ns, medians of %d runs of %u packets)\n",
	       median(hopped, rounds) - median(direct, rounds),
	       median(direct, rounds), median(hopped, rounds), rounds, repeat);
	bench_wrapper_bpf__destroy(h.skel);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("bench_prog", LOG_LEVEL_WARN);
	log_setup_libbpf();
	if (argc < 2)
		die("usage: bench_prog gen-list|load|packets|memlat|tailcall|dns|tls ...");
	if (!strcmp(argv[1], "gen-list"))
		return cmd_gen_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "load"))
		return cmd_load(argc - 1, argv + 1);
	if (!strcmp(argv[1], "packets"))
		return cmd_packets(argc - 1, argv + 1);
	if (!strcmp(argv[1], "memlat"))
		return cmd_memlat(argc - 1, argv + 1);
	if (!strcmp(argv[1], "tailcall"))
		return cmd_tailcall(argc - 1, argv + 1);
	if (!strcmp(argv[1], "dns"))
		return cmd_dns(argc - 1, argv + 1);
	if (!strcmp(argv[1], "tls"))
		return cmd_tls(argc - 1, argv + 1);
	die("unknown command %s", argv[1]);
}
