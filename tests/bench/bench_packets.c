// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_prog packets: ns/packet of xdpblock, an empty XDP program and
 * xdp-filter's BPF program under BPF_PROG_TEST_RUN, over working sets of
 * addresses; and the table accesses per packet of a model of the
 * datapath's reads.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/prefix.h"
#include "datapath/generation.h"
#include "datapath/loader.h"
#include "datapath/protectmap.h"
#include "rules/plan.h"
#include "rules/protect.h"
#include "rules/refmatch.h"
#include "rules/ruleids.h"
#include "rules/ruleset.h"
#include "bench.h"
/* bpftool's generated skeleton casts const away (-Wcast-qual) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "tests/bench_wrapper.skel.h"
#pragma GCC diagnostic pop

#define XDPFILTER_OBJ "/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_ip.o"
/* xdp-filter's common_kern_user.h: a rule matches as source, destination */
#define XF_FLAG_SRC (1u << 0)
#define XF_FLAG_DST (1u << 1)

/* ---- working sets ----------------------------------------------------- */

/*
 * Passing addresses. Half "near" rules: a random address in the
 * neighbourhood of a random rule (the same /24 as an IPv4 host, the same
 * /64 as an IPv6 host, ...), where lookups walk the deepest paths (host
 * entries, tbl8 groups, IPv6 trie nodes) and still find nothing. Half uniform
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

enum traffic {
	TR_PASS, /* neither address listed: half near rules, half uniform */
	TR_DROP, /* source listed (any rule), destination a passing address */
	TR_HOST, /* source one of the exact hosts xdp-filter holds */
	TR_PASS_NEAR, /* diagnostics: the two halves of TR_PASS apart */
	TR_PASS_UNIFORM,
	TR_ZIPF, /* Zipf over flows, a fraction of the sources listed */
	TR_ZIPF_DROP, /* the same flows, every source listed */
	TR_MAX,
};

#define TR_BIT(t) (1u << (t))
#define TR_ALL (TR_BIT(TR_MAX) - 1)
/* what a many-lengths list is measured with: its lengths are the point */
#define TR_BASIC                                               \
	(TR_BIT(TR_PASS) | TR_BIT(TR_DROP) | TR_BIT(TR_ZIPF) | \
	 TR_BIT(TR_ZIPF_DROP))

static const char *const traffic_name[TR_MAX] = {
	[TR_PASS] = "pass",
	[TR_DROP] = "drop",
	[TR_HOST] = "drop, exact host",
	[TR_PASS_NEAR] = "pass, near rules only",
	[TR_PASS_UNIFORM] = "pass, uniform only",
	[TR_ZIPF] = "listed fraction",
	[TR_ZIPF_DROP] = "drop (all listed)",
};

static int traffic_zipf(int tr)
{
	return tr == TR_ZIPF || tr == TR_ZIPF_DROP;
}

/* "uniform pass", "Zipf 1% listed", ...: set and packets, for the tables */
static const char *traffic_label(const struct packets_opts *o, int tr,
				 char *buf, size_t len)
{
	if (tr == TR_ZIPF)
		snprintf(buf, len, "Zipf | %g%% listed", o->zipf_listed * 100);
	else
		snprintf(buf, len, "%s | %s",
			 traffic_zipf(tr) ? "Zipf" : "uniform",
			 traffic_name[tr]);
	return buf;
}

static void shuffle(struct rng *r, struct prefix *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_below(r, i);
		struct prefix t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* Ranks 0..n-1 with P(k) proportional to 1 / (k + 1)^s, by inversion. */
struct zipf {
	double *cum;
	size_t n;
};

static void zipf_init(struct zipf *z, size_t n, double s)
{
	double total = 0;

	z->n = n;
	z->cum = xcalloc(n, sizeof(double));
	for (size_t k = 0; k < n; k++) {
		total += pow((double)(k + 1), -s);
		z->cum[k] = total;
	}
}

static size_t zipf_draw(const struct zipf *z, struct rng *r)
{
	double x = rng_unit(r) * z->cum[z->n - 1];
	size_t lo = 0, hi = z->n - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (z->cum[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Traffic-like sets (docs/benchmarks.md, "Zipf"): o->zipf_pairs pairs, the
 * destination drawn by Zipf rank from o->zipf_dsts passing addresses, the
 * source from o->zipf_srcs passing addresses; both populations half near
 * rules, half uniform, like the pass set, and shuffled so that popular
 * ranks are not neighbours in the tables. Exactly o->zipf_listed of the
 * pairs, at random positions, take their source by Zipf rank from a third
 * population of o->zipf_srcs addresses inside rules (half per rule, half
 * by size, like the drop set). TR_ZIPF_DROP: the same destinations, every
 * source from that third population.
 */
static void zipf_build(const struct view *v, const struct packets_opts *o,
		       struct wset out[TR_MAX])
{
	struct rng r = {o->seed ^ (0x21bf0000u + v->nr) ^ v->g->family ^
			((uint64_t)v->g->len_hi << 40)};
	size_t nd = o->zipf_dsts, ns = o->zipf_srcs, nr = o->zipf_pairs;
	size_t want = (size_t)(o->zipf_listed * nr + 0.5);
	struct prefix *dst = xcalloc(nd, sizeof(*dst));
	struct prefix *src = xcalloc(ns, sizeof(*src));
	struct prefix *bad = xcalloc(ns, sizeof(*bad));
	struct wset *mix = &out[TR_ZIPF], *drop = &out[TR_ZIPF_DROP];
	int bytes = addr_bytes(v->g->family);
	struct zipf zd, zs;

	for (size_t i = 0; i < nd; i++)
		pass_address(&r, v, i & 1, &dst[i]);
	for (size_t i = 0; i < ns; i++) {
		pass_address(&r, v, i & 1, &src[i]);
		drop_address(&r, v, i & 1, &bad[i]);
	}
	shuffle(&r, dst, nd);
	shuffle(&r, src, ns);
	shuffle(&r, bad, ns);
	zipf_init(&zd, nd, o->zipf_s);
	zipf_init(&zs, ns, o->zipf_s);
	for (int t = TR_ZIPF; t <= TR_ZIPF_DROP; t++) {
		out[t].nr = nr;
		out[t].pairs = xcalloc(nr, sizeof(struct bench_pair));
	}
	mix->expect = XDP_PASS;
	mix->verdict = xcalloc(nr, 1);
	drop->expect = XDP_DROP;
	drop->listed = nr;
	for (size_t i = 0; i < nr; i++) {
		const struct prefix *d = &dst[zipf_draw(&zd, &r)];
		/* selection sampling: exactly @want of the @nr, anywhere */
		int listed = rng_below(&r, nr - i) < want;

		want -= listed;
		memcpy(mix->pairs[i].dst, d->addr, bytes);
		memcpy(mix->pairs[i].src,
		       (listed ? bad : src)[zipf_draw(&zs, &r)].addr, bytes);
		mix->verdict[i] = listed ? XDP_DROP : XDP_PASS;
		mix->listed += listed;
		memcpy(drop->pairs[i].dst, d->addr, bytes);
		memcpy(drop->pairs[i].src, bad[zipf_draw(&zs, &r)].addr, bytes);
	}
	free(zd.cum);
	free(zs.cum);
	free(dst);
	free(src);
	free(bad);
}

/*
 * Distinct keys (addresses, pairs), counted in a hash set of pointers to
 * them: sorting a million 32-byte pairs took most of the preparation.
 */
struct keyset {
	const uint8_t **slots;
	size_t mask, len, count; /* len: key bytes, a multiple of 8 */
};

static void keyset_init(struct keyset *ks, size_t nr, size_t len)
{
	size_t cap = 2;

	while (cap < 2 * nr)
		cap <<= 1;
	ks->slots = xcalloc(cap, sizeof(*ks->slots));
	ks->mask = cap - 1;
	ks->len = len;
	ks->count = 0;
}

static void keyset_add(struct keyset *ks, const uint8_t *key)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	size_t i;

	for (size_t o = 0; o < ks->len; o += 8) {
		uint64_t word;

		memcpy(&word, key + o, 8);
		h = (h ^ word) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	for (i = h & ks->mask; ks->slots[i]; i = (i + 1) & ks->mask)
		if (!memcmp(ks->slots[i], key, ks->len))
			return;
	ks->slots[i] = key;
	ks->count++;
}

/* Distinct keys of @len bytes at offsets @off (and @off2, if not -1). */
static size_t count_distinct(const struct bench_pair *pairs, size_t n,
			     size_t len, int off, int off2)
{
	struct keyset ks;

	keyset_init(&ks, off2 < 0 ? n : 2 * n, len);
	for (size_t i = 0; i < n; i++) {
		keyset_add(&ks, (const uint8_t *)&pairs[i] + off);
		if (off2 >= 0)
			keyset_add(&ks, (const uint8_t *)&pairs[i] + off2);
	}
	free(ks.slots);
	return ks.count;
}

static void wset_count(struct wset *w)
{
	const int src = offsetof(struct bench_pair, src);
	const int dst = offsetof(struct bench_pair, dst);

	w->distinct_src = count_distinct(w->pairs, w->nr, 16, src, -1);
	w->distinct_dst = count_distinct(w->pairs, w->nr, 16, dst, -1);
	w->distinct_all = count_distinct(w->pairs, w->nr, 16, src, dst);
	w->distinct_pairs = count_distinct(w->pairs, w->nr,
					   sizeof(struct bench_pair), 0, -1);
}

/*
 * @hosts / @nr_hosts: the exact addresses xdp-filter holds (TR_HOST).
 * 2 * nr passing addresses of each kind (near, uniform); TR_PASS takes nr
 * of each, the destinations of the dropped pairs are those, reshuffled.
 */
static void wsets_build(const struct view *v, const struct packets_opts *o,
			unsigned traffics, const struct prefix *hosts,
			size_t nr_hosts, struct wset out[TR_MAX])
{
	size_t nr = o->nr_pairs;
	uint64_t seed = o->seed;
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
	for (int t = 0; t <= TR_PASS_UNIFORM; t++) {
		out[t].nr = nr;
		out[t].pairs = xcalloc(nr, sizeof(struct bench_pair));
		out[t].expect = t == TR_DROP || t == TR_HOST ? XDP_DROP
							     : XDP_PASS;
		out[t].listed = out[t].expect == XDP_DROP ? nr : 0;
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
	free(near);
	free(uni);
	free(mix);
	free(drop);
	if (traffics & (TR_BIT(TR_ZIPF) | TR_BIT(TR_ZIPF_DROP)))
		zipf_build(v, o, out);
	for (int t = 0; t < TR_MAX; t++)
		if (traffics & TR_BIT(t))
			wset_count(&out[t]);
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
		if (verdict != (w->verdict ? w->verdict[i] : w->expect)) {
			char a[PREFIX_STRLEN], b[PREFIX_STRLEN];

			prefix_format(&s, a, sizeof(a));
			prefix_format(&d, b, sizeof(b));
			die("%s: pair %zu (%s -> %s): reference matcher says %s, working set expects %s",
			    what, i, a, b,
			    verdict == XDP_DROP ? "drop" : "pass",
			    verdict == XDP_DROP ? "pass" : "drop");
		}
	}
}

/* ---- table accesses per packet (a model of the datapath's reads) ------ */

/*
 * Replays the IPv4 and IPv6 lookups of bpf/ip_match.bpf.h on the tables
 * userspace builds (ip4_plan_build, ip6_plan_build) for a working set, and
 * counts the table reads a packet makes. With tables far larger than the
 * caches, each read is roughly one cache miss (two for a hash probe:
 * bucket, then element), which is what the ns figures mostly measure.
 */
struct access_model {
	int family;
	/* the trie (IPv6, IPv4 unless flat) */
	struct trie_plan trie;
	/* flat IPv4 (gen_info.ip4_flat) */
	int flat;
	uint32_t *tbl24, *tbl8,
		*host_addrs; /* host_addrs: host order, sorted */
	size_t nr_hosts;
};

struct access_counts {
	double tbl24, tbl8, host_probes; /* flat IPv4 */
	double root, nodes, runs, singles; /* the tries */
	double leaves; /* both */
};

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
		m->flat = plan.flat;
		if (!plan.flat) {
			/* keep the trie; the plan's copy is freed with it */
			m->trie = plan.trie;
			memset(&plan.trie, 0, sizeof(plan.trie));
			ip4_plan_free(&plan);
			return;
		}
		m->tbl24 = xcalloc((size_t)XDPB_TBL16_ENTRIES *
					   XDPB_TBL24_GROUP_SIZE,
				   sizeof(uint32_t));
		m->tbl8 = xcalloc(plan.nr_groups * XDPB_TBL8_GROUP_SIZE + 1,
				  sizeof(uint32_t));
		m->host_addrs = xcalloc(plan.nr_hosts + 1, sizeof(uint32_t));
		leaves = xcalloc(plan.nr_hosts + 1, sizeof(uint32_t));
		ip4_plan_fill_flat(&plan, m->tbl24, m->tbl8, m->host_addrs,
				   leaves);
		m->nr_hosts = plan.nr_hosts;
		for (size_t i = 0; i < m->nr_hosts; i++)
			m->host_addrs[i] = ntohl(m->host_addrs[i]);
		free(leaves);
		ip4_plan_free(&plan);
	} else if (ip6_plan_build(&rs->v6, &m->trie)) {
		die("ip6_plan_build failed");
	}
}

static void model_free(struct access_model *m)
{
	free(m->tbl24);
	free(m->tbl8);
	free(m->host_addrs);
	trie_plan_free(&m->trie);
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

/* A flat IPv4 lookup of @a (host order): ip4_flat_entry, ip4_flat_resolve. */
static void model_flat(const struct access_model *m, uint32_t a,
		       struct access_counts *c)
{
	uint32_t e = m->tbl24[a >> 8];

	c->tbl24++;
	switch (e >> XDPB_KIND_SHIFT) {
	case XDPB_KIND_GROUP:
		e = m->tbl8[(size_t)(e & XDPB_ENTRY_INDEX_MASK) *
				    XDPB_TBL8_GROUP_SIZE +
			    (a & 0xff)];
		c->tbl8++;
		break;
	case XDPB_KIND_HOST1:
		if (((e >> XDPB_HOST1_OCTET_SHIFT) & 0xff) != (a & 0xff))
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
}

/* The walk of trie_lookup() for the address @hi:@lo, entry by entry. */
static void model_trie(const struct trie_plan *t, uint64_t hi, uint64_t lo,
		       struct access_counts *c)
{
	uint32_t e, index;

	if (!t->nr_prefixes)
		return;
	e = t->root[hi >> (64 - t->root_bits)];
	c->root++;
	if (e >> XDPB_KIND_SHIFT == XDPB_KIND_BUCKET) {
		const void *line = &t->nodes[e & XDPB_ENTRY_INDEX_MASK];

		c->nodes++; /* a line of the node array, as a node */
		if (t->root_bits == XDPB_IP4_ROOT_BITS
			    ? xdpb_ip4_bucket_leaf(line, (uint32_t)(hi >> 32))
			    : xdpb_ip6_bucket_leaf(line, hi, lo))
			c->leaves++;
		return;
	}
	for (uint32_t depth = t->root_bits;
	     e >> XDPB_KIND_SHIFT == XDPB_KIND_NODE;
	     depth += XDPB_TRIE_STRIDE) {
		const struct xdpb_trie_node *n =
			&t->nodes[e & XDPB_ENTRY_INDEX_MASK];
		uint64_t bit = 1ull << xdpb_trie_child(hi, lo, depth);
		uint64_t upto = bit | (bit - 1);
		uint32_t k;

		c->nodes++;
		if (n->children & bit) {
			k = (uint32_t)__builtin_popcountll(n->children & upto) -
			    1;
			e = XDPB_KIND_NODE << XDPB_KIND_SHIFT |
			    (n->child_base + k);
			continue;
		}
		if (n->singles & bit) {
			k = (uint32_t)__builtin_popcountll(n->singles & upto) -
			    1;
			e = XDPB_KIND_SINGLE << XDPB_KIND_SHIFT |
			    (n->single_base + k);
			continue;
		}
		k = (uint32_t)__builtin_popcountll(n->runs & upto) - 1;
		if (n->run_base == XDPB_TRIE_RUNS_INLINE) {
			e = n->run[k];
		} else {
			e = t->runs[n->run_base + k];
			c->runs++;
		}
	}
	index = e & XDPB_ENTRY_INDEX_MASK;
	if (e >> XDPB_KIND_SHIFT == XDPB_KIND_SINGLE) {
		/* its leaves are in its line: no leaf read */
		c->singles++;
		return;
	}
	if (index)
		c->leaves++;
}

static void model_address(const struct access_model *m, const uint8_t *addr,
			  struct access_counts *c)
{
	uint64_t hi = 0, lo = 0;

	if (m->family == AF_INET) {
		uint32_t a;

		memcpy(&a, addr, 4);
		a = ntohl(a);
		if (m->flat)
			model_flat(m, a, c);
		else
			model_trie(&m->trie, (uint64_t)a << 32, 0, c);
		return;
	}
	for (int i = 0; i < 8; i++) {
		hi = hi << 8 | addr[i];
		lo = lo << 8 | addr[8 + i];
	}
	model_trie(&m->trie, hi, lo, c);
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
	c.root /= nr, c.nodes /= nr, c.runs /= nr, c.singles /= nr;
	return c;
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

/* Every one of the first @nr pairs, one test run each, gets @expect[i]. */
static void verify_target(struct harness *h, int prog_fd, const struct wset *w,
			  int family, const uint8_t *expect, size_t nr,
			  const char *what)
{
	size_t len;
	const void *pkt = family_pkt(h, family, &len);

	harness_set(h, prog_fd, w);
	for (size_t i = 0; i < nr && i < w->nr; i++) {
		int ret = test_run(h->wrapper_fd, pkt, len, 1, NULL);

		if (ret != expect[i])
			die("%s: pair %zu: verdict %d, expected %d", what, i,
			    ret, expect[i]);
	}
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

/*
 * The lists, each measured at every size: the mix of lengths real lists
 * have ("few": 12-13 lengths), and lengths uniform over a range ("many",
 * "wide"), where a lookup that walks the lengths pays for each.
 */
struct list_kind {
	const char *name; /* for --lists */
	int lo[2], hi[2]; /* [IPv4, IPv6] lengths; 0, 0: the mix */
	int families; /* bit 0 IPv4, bit 1 IPv6 */
	unsigned traffics; /* TR_BIT()s */
};

static const struct list_kind list_kinds[] = {
	{"few", {0, 0}, {0, 0}, 3, TR_ALL},
	{"many", {8, 32}, {32, 64}, 3, TR_BASIC},
	{"wide", {0, 16}, {0, 128}, 2, TR_BASIC},
};

#define NR_LISTS (int)(sizeof(list_kinds) / sizeof(list_kinds[0]))

/* One rule-set size of one list: its own xdpblock and xdp-filter instances. */
struct sized {
	size_t nr_rules;
	struct ruleset rs;
	struct loader ld;
	struct protect_set protect; /* bench_protected, in ld's maps */
	struct xdpfilter xf, xf_big;
	int target_fd[T_MAX];
	struct wset ws[2][TR_MAX]; /* [family][traffic] */
	size_t held[2][2]; /* [family][xf, xf_big] */
	long last_held[2][2]; /* generation index of the last host held */
	int nr_lengths[2];
	struct access_counts model[2][TR_MAX];
	struct result res[2][TR_MAX][T_MAX];
	struct result hot[2][2][T_MAX]; /* [family][pass, drop] */
};

/* One list kind, timed on its own; its results are kept for the report. */
struct list_run {
	const struct list_kind *k;
	int families; /* the kind's, as asked for */
	struct gen gens[2]; /* [0] IPv4, [1] IPv6 */
	struct prefix *hosts[2];
	size_t nr_hosts[2];
	struct sized *sz; /* o.nr_sizes of them */
};

struct bench {
	struct packets_opts o;
	struct harness h; /* the uniform sets, o.nr_pairs */
	struct harness hz; /* the Zipf sets, o.zipf_pairs */
	struct list_run lists[NR_LISTS];
	int families; /* those some list that ran has */
	int tags_printed;
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

static struct harness *harness_of(struct bench *b, int tr)
{
	return traffic_zipf(tr) ? &b->hz : &b->h;
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
static size_t hosts_in_set(const struct list_run *lr, const struct sized *z,
			   int f)
{
	size_t nh = 0;

	if (!(lr->families & (1 << f)))
		return 0;
	while (nh < lr->nr_hosts[f] &&
	       (size_t)gen_find(&lr->gens[f], &lr->hosts[f][nh]) < z->nr_rules)
		nh++;
	return nh;
}

/* Does xdp-filter instance @which ([xf, xf_big]) hold @addr? */
static int xf_holds(const struct list_run *lr, const struct sized *z, int f,
		    int which, const uint8_t *addr)
{
	struct prefix p;
	long idx;

	if (!z->held[f][which])
		return 0;
	memset(&p, 0, sizeof(p));
	p.family = fams[f];
	p.plen = max_len(fams[f]);
	memcpy(p.addr, addr, addr_bytes(fams[f]));
	idx = gen_find(&lr->gens[f], &p);
	return idx >= 0 && idx <= z->last_held[f][which];
}

/*
 * The protected set xdpblock runs with, as a daemon's would hold it: the
 * host's addresses, a list source's, an operator's management prefix.
 * Never empty in production, so the bench does not leave it empty.
 */
static const char *const bench_protected[] = {
	"192.0.2.1",   "192.0.2.53",   "198.51.100.0/24",
	"2001:db8::1", "2001:db8::53", "2001:db8:ffff::/48",
};

static void bench_protect_set(struct protect_set *s)
{
	for (size_t i = 0;
	     i < sizeof(bench_protected) / sizeof(bench_protected[0]); i++) {
		const char *why = "";
		struct prefix p;

		if (prefix_parse(bench_protected[i], &p, &why) ||
		    protect_set_add(s, &p, XDPB_PROTECT_HOST))
			die("protected prefix %s: %s", bench_protected[i], why);
	}
}

/* Is either address of pair @bp in the protected set? */
static int pair_protected(const struct protect_set *s,
			  const struct bench_pair *bp, int family)
{
	struct prefix a;

	pair_prefix(bp, family, 0, &a);
	if (protect_set_lookup(s, &a))
		return 1;
	pair_prefix(bp, family, 1, &a);
	return protect_set_lookup(s, &a) != 0;
}

/* The verdict program @t must give pair @i of set @tr. */
static int expected_verdict(const struct list_run *lr, const struct sized *z,
			    int f, int tr, int t, size_t i)
{
	const struct wset *w = &z->ws[f][tr];

	if (t == T_EMPTY)
		return XDP_PASS;
	/* no address rule drops a protected address */
	if (t == T_XDPBLOCK &&
	    pair_protected(&z->protect, &w->pairs[i], fams[f]))
		return XDP_PASS;
	/* the Zipf sets' listed sources are inside prefixes of any length */
	if ((t == T_XF || t == T_XF_BIG) && traffic_zipf(tr))
		return xf_holds(lr, z, f, t == T_XF ? 0 : 1, w->pairs[i].src)
			       ? XDP_DROP
			       : XDP_PASS;
	return w->verdict ? w->verdict[i] : w->expect;
}

static const char *lengths_label(const struct list_run *lr,
				 const struct sized *z, int f, char *buf,
				 size_t len)
{
	if (lr->k->hi[f])
		snprintf(buf, len, "/%d-/%d (%d)", lr->k->lo[f], lr->k->hi[f],
			 z->nr_lengths[f]);
	else
		snprintf(buf, len, "few (%d)", z->nr_lengths[f]);
	return buf;
}

/* Working sets of one family at one size, checked against the reference. */
static void prepare_family(struct bench *b, struct list_run *lr,
			   struct sized *z, int f)
{
	const struct packets_opts *o = &b->o;
	size_t nh = hosts_in_set(lr, z, f);
	uint8_t *expect = xcalloc(o->verify, 1);
	struct access_model m;
	struct view v;
	char lbl[32];

	size_label(z->nr_rules, lbl, sizeof(lbl));
	xf_fill(&z->xf, fams[f], lr->hosts[f], nh);
	xf_fill(&z->xf_big, fams[f], lr->hosts[f], nh);
	z->held[f][0] = z->xf.held[f];
	z->held[f][1] = z->xf_big.held[f];
	for (int i = 0; i < 2; i++)
		z->last_held[f][i] =
			z->held[f][i]
				? gen_find(&lr->gens[f],
					   &lr->hosts[f][z->held[f][i] - 1])
				: -1;

	view_init(&v, &lr->gens[f], z->nr_rules);
	z->nr_lengths[f] = v.nr_lengths;
	wsets_build(&v, o, lr->k->traffics, lr->hosts[f], z->xf.held[f],
		    z->ws[f]);
	view_free(&v);
	for (int tr = 0; tr < TR_MAX; tr++) {
		const struct wset *w = &z->ws[f][tr];
		char what[128], tl[64];

		if (!(lr->k->traffics & TR_BIT(tr)))
			continue;
		snprintf(what, sizeof(what), "%s %s %s %s", fam_name(f), lbl,
			 lr->k->name, traffic_label(o, tr, tl, sizeof(tl)));
		wset_check_refmatch(w, &z->rs, fams[f], o->verify, what);
		printf("workset %s: pairs=%zu distinct_pairs=%zu distinct_src=%zu distinct_dst=%zu distinct_addresses=%zu listed_pairs=%zu\n",
		       what, w->nr, w->distinct_pairs, w->distinct_src,
		       w->distinct_dst, w->distinct_all, w->listed);
	}

	model_build(&m, &z->rs, fams[f]);
	for (int tr = 0; tr < TR_MAX; tr++)
		if (lr->k->traffics & TR_BIT(tr))
			z->model[f][tr] = model_wset(&m, &z->ws[f][tr], 65536);
	model_free(&m);

	/* Verdicts first: the timing must measure the intended path. */
	for (int tr = 0; tr < TR_MAX; tr++)
		for (int t = 0; t < T_MAX; t++) {
			const struct wset *w = &z->ws[f][tr];
			char what[160], tl[64];

			if (!(lr->k->traffics & TR_BIT(tr)) ||
			    !target_applies(tr, t))
				continue;
			snprintf(what, sizeof(what), "verify %s %s %s %s %s",
				 fam_name(f), lbl, lr->k->name,
				 traffic_label(o, tr, tl, sizeof(tl)),
				 target_name[t]);
			for (size_t i = 0; i < o->verify && i < w->nr; i++)
				expect[i] =
					expected_verdict(lr, z, f, tr, t, i);
			verify_target(harness_of(b, tr), z->target_fd[t], w,
				      fams[f], expect, o->verify, what);
		}
	free(expect);
}

/* Rule set, programs and working sets of one size, verified. */
static void prepare_size(struct bench *b, struct list_run *lr, struct sized *z)
{
	const struct packets_opts *o = &b->o;
	struct activation_report rep;
	struct rule_ids ids;
	char lbl[32];
	int err;

	size_label(z->nr_rules, lbl, sizeof(lbl));
	progress(b, "%s list, %s rules per family: loading and activating...",
		 lr->k->name, lbl);
	if (loader_open(&z->ld, default_capacity(), NULL, NULL, 0))
		die("cannot open xdpblock (root? BPF enabled?)");
	bench_protect_set(&z->protect);
	bench_count_iface(&z->ld);
	err = protectmap_sync(&z->ld, &z->protect);
	if (err)
		die("the protected set: %s", strerror(-err));
	xf_open(&z->xf, o->xf_path, 0, 0);
	/* resized to hold exactly this set's exact-address rules */
	xf_open(&z->xf_big, o->xf_path, hosts_in_set(lr, z, 0) ?: 1,
		hosts_in_set(lr, z, 1) ?: 1);
	z->target_fd[T_EMPTY] = bpf_program__fd(b->h.skel->progs.bench_empty);
	z->target_fd[T_XDPBLOCK] = loader_prog_fd(&z->ld);
	z->target_fd[T_XF] = z->xf.prog_fd;
	z->target_fd[T_XF_BIG] = z->xf_big.prog_fd;
	/*
	 * A tail-call target must be an XDP program like the wrapper: check.
	 * Both wrappers call the first one's empty program; that is allowed.
	 */
	for (int t = 0; t < T_MAX; t++) {
		harness_set(&b->h, z->target_fd[t], NULL);
		harness_set(&b->hz, z->target_fd[t], NULL);
	}

	ruleset_from(&z->rs, &lr->gens[0], (lr->families & 1) ? z->nr_rules : 0,
		     &lr->gens[1], (lr->families & 2) ? z->nr_rules : 0);
	rule_ids_init(&ids, default_capacity());
	assign_ids(&ids, NULL, &z->rs);
	rule_ids_free(&ids);
	err = loader_activate(&z->ld, &z->rs, NULL, &rep);
	if (err)
		die("activation of %s rules failed: %s", lbl, strerror(-err));
	printf("activate %s %s: v4_rules=%zu v6_rules=%zu plan_ms=%.1f build_ms=%.1f switch_ms=%.3f v4_leaves=%zu v4_flat=%d v4_groups=%zu v4_hosts=%zu v4_nodes=%zu v4_buckets=%zu v4_singles=%zu v4_bytes=%zu v6_prefixes=%zu v6_nodes=%zu v6_buckets=%zu v6_singles=%zu v6_depth=%zu v6_bytes=%zu\n",
	       lr->k->name, lbl, z->rs.v4.nr, z->rs.v6.nr, rep.plan_ns / 1e6,
	       rep.build_ns / 1e6, rep.switch_ns / 1e6, rep.v4_leaves,
	       rep.v4_flat, rep.v4_groups, rep.v4_hosts, rep.v4_nodes,
	       rep.v4_buckets, rep.v4_singles, rep.v4_bytes, rep.v6_prefixes,
	       rep.v6_nodes, rep.v6_buckets, rep.v6_singles, rep.v6_depth,
	       rep.v6_bytes);
	for (int f = 0; f < 2; f++)
		if (lr->families & (1 << f))
			prepare_family(b, lr, z, f);
	progress(
		b,
		"%s list, %s: verdicts of %zu pairs per case and program verified",
		lr->k->name, lbl, o->verify);
}

/*
 * Rounds interleave every size and program, so drift in the machine's
 * load spreads over all of them alike instead of biasing one.
 */
static void time_family(struct bench *b, struct list_run *lr, int f)
{
	const struct packets_opts *o = &b->o;
	size_t len;
	const void *pkt = family_pkt(&b->h, fams[f], &len);

	for (int tr = 0; tr < TR_MAX; tr++) {
		struct harness *h = harness_of(b, tr);
		char tl[64];

		if (!(lr->k->traffics & TR_BIT(tr)))
			continue;
		progress(b, "timing %s list, %s %s...", lr->k->name,
			 fam_name(f), traffic_label(o, tr, tl, sizeof(tl)));
		for (int r = -1; r < o->rounds; r++) /* round -1 warms up */
			for (int si = 0; si < o->nr_sizes; si++)
				for (int t = 0; t < T_MAX; t++) {
					struct sized *z = &lr->sz[si];
					uint32_t ns;

					if (!target_applies(tr, t))
						continue;
					harness_set(h, z->target_fd[t],
						    &z->ws[f][tr]);
					test_run(h->wrapper_fd, pkt, len,
						 o->repeat, &ns);
					if (r >= 0)
						z->res[f][tr][t].raw[r] = ns;
				}
		for (int si = 0; si < o->nr_sizes; si++)
			for (int t = 0; t < T_MAX; t++)
				if (target_applies(tr, t))
					result_finish(&lr->sz[si].res[f][tr][t],
						      o->rounds);
	}

	/* For contrast: one fixed packet repeated, no wrapper (hot caches). */
	for (int si = 0;
	     si < o->nr_sizes && (lr->k->traffics & TR_BIT(TR_HOST)); si++)
		for (int k = 0; k < 2; k++) {
			struct sized *z = &lr->sz[si];
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

/* Generate, load, verify and time one list kind; keep only its results. */
static void run_list(struct bench *b, struct list_run *lr)
{
	const struct packets_opts *o = &b->o;
	size_t max_size = o->sizes[o->nr_sizes - 1];

	progress(b, "%s list: generating %zu rules per family (seed %llu)...",
		 lr->k->name, max_size, (unsigned long long)o->seed);
	for (int f = 0; f < 2; f++) {
		if (!(lr->families & (1 << f)))
			continue;
		gen_build_spread(&lr->gens[f], fams[f], max_size, o->seed,
				 lr->k->lo[f], lr->k->hi[f]);
		lr->hosts[f] =
			host_rules(&lr->gens[f], max_size, &lr->nr_hosts[f]);
	}
	lr->sz = xcalloc(o->nr_sizes, sizeof(*lr->sz));
	for (int si = 0; si < o->nr_sizes; si++) {
		lr->sz[si].nr_rules = o->sizes[si];
		prepare_size(b, lr, &lr->sz[si]);
	}
	if (!b->tags_printed++) {
		print_tag("xdpblock", lr->sz[0].target_fd[T_XDPBLOCK]);
		print_tag("xdp-filter", lr->sz[0].target_fd[T_XF]);
	}
	for (int f = 0; f < 2; f++)
		if (lr->families & (1 << f))
			time_family(b, lr, f);

	for (int si = 0; si < o->nr_sizes; si++) {
		struct sized *z = &lr->sz[si];

		bpf_object__close(z->xf.obj);
		bpf_object__close(z->xf_big.obj);
		loader_close(&z->ld, 0);
		protect_set_free(&z->protect);
		ruleset_free(&z->rs);
		for (int f = 0; f < 2; f++)
			for (int tr = 0; tr < TR_MAX; tr++) {
				free(z->ws[f][tr].pairs);
				free(z->ws[f][tr].verdict);
			}
	}
	for (int f = 0; f < 2; f++) {
		gen_free(&lr->gens[f]);
		free(lr->hosts[f]);
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

/* Every (size, list, traffic) measured in family @f, in table order. */
#define for_each_row(b, f, si, lr, tr)                              \
	for (int si = 0; si < (b)->o.nr_sizes; si++)                \
		for (struct list_run *lr = (b)->lists;              \
		     lr < (b)->lists + NR_LISTS; lr++)              \
			if (lr->sz && (lr->families & (1 << (f))))  \
				for (int tr = 0; tr < TR_MAX; tr++) \
					if (lr->k->traffics & TR_BIT(tr))

static void row_head(const struct bench *b, const struct list_run *lr, int f,
		     int si, int tr)
{
	char lbl[32], ll[48], tl[64];

	printf("| %s | %s | %s |", size_label(b->o.sizes[si], lbl, sizeof(lbl)),
	       lengths_label(lr, &lr->sz[si], f, ll, sizeof(ll)),
	       traffic_label(&b->o, tr, tl, sizeof(tl)));
}

static void report(struct bench *b)
{
	const struct packets_opts *o = &b->o;
	struct list_run *few = b->lists[0].sz ? &b->lists[0] : NULL;
	char lbl[32];

	printf("\n### ns per packet, net of the wrapper\n\n");
	printf("BPF_PROG_TEST_RUN, %d runs of %u packets each per figure; uniform sets: %zu address\n"
	       "pairs cycled, Zipf sets: %zu (s = %g over %zu destinations and %zu sources, %g%% of the\n"
	       "pairs with a listed source). Each figure is the median over the runs of (wrapper ->\n"
	       "program) - (wrapper -> empty XDP program), both measured in the same round.\n"
	       "Rules per family, both families loaded; lengths: distinct prefix lengths in the set.\n",
	       o->rounds, o->repeat, o->nr_pairs, o->zipf_pairs, o->zipf_s,
	       o->zipf_dsts, o->zipf_srcs, o->zipf_listed * 100);
	for (int f = 0; f < 2; f++) {
		if (!(b->families & (1 << f)))
			continue;
		printf("\n%s:\n\n", fam_name(f));
		printf("| rules | lengths | set | packets | wrapper -> empty XDP, raw | xdpblock | xdp-filter | xdp-filter, resized maps |\n");
		printf("|---:|---|---|---|---:|---:|---:|---:|\n");
		for_each_row(b, f, si, lr, tr)
		{
			struct result *r = lr->sz[si].res[f][tr];

			row_head(b, lr, f, si, tr);
			printf(" %.0f |", r[T_EMPTY].med);
			for (int t = T_XDPBLOCK; t < T_MAX; t++)
				print_cell(&r[t], &r[T_EMPTY], o->rounds);
			printf("\n");
		}
	}

	printf("\nRaw ns per run, min..max over the %d runs (wrapper included):\n\n",
	       o->rounds);
	printf("| family | rules | lengths | set | packets | empty XDP | xdpblock | xdp-filter | xdp-filter, resized maps |\n");
	printf("|---|---:|---|---|---|---|---|---|---|\n");
	for (int f = 0; f < 2; f++) {
		if (!(b->families & (1 << f)))
			continue;
		for_each_row(b, f, si, lr, tr)
		{
			printf("| %s ", fam_name(f));
			row_head(b, lr, f, si, tr);
			for (int t = 0; t < T_MAX; t++) {
				struct result *r = &lr->sz[si].res[f][tr][t];

				if (r->valid)
					printf(" %.0f..%.0f |", r->lo, r->hi);
				else
					printf(" n/a |");
			}
			printf("\n");
		}
	}

	printf("\nTable reads per packet (source + destination), replayed in userspace on the same tables\n"
	       "(tests/bench/bench_packets.c, access_model) over the first 65,536 pairs of each set;\n"
	       "each is about one cache line, and one miss once the tables outgrow the caches\n"
	       "(a hash probe: about two, bucket and element):\n\n");
	for (int f = 0; f < 2; f++) {
		if (!(b->families & (1 << f)))
			continue;
		if (fams[f] == AF_INET)
			printf("| IPv4 rules | lengths | set | packets | root | nodes | run array | singles | flat: tbl24 | tbl8 | /32 hash probes | leaf reads |\n|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		else
			printf("| IPv6 rules | lengths | set | packets | root | nodes | run array | singles | leaf reads |\n|---:|---|---|---|---:|---:|---:|---:|---:|\n");
		for_each_row(b, f, si, lr, tr)
		{
			const struct access_counts *c =
				&lr->sz[si].model[f][tr];

			row_head(b, lr, f, si, tr);
			if (fams[f] == AF_INET)
				printf(" %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n",
				       c->root, c->nodes, c->runs, c->singles,
				       c->tbl24, c->tbl8, c->host_probes,
				       c->leaves);
			else
				printf(" %.2f | %.2f | %.2f | %.2f | %.2f |\n",
				       c->root, c->nodes, c->runs, c->singles,
				       c->leaves);
		}
		printf("\n");
	}

	for (struct list_run *lr = b->lists; lr < b->lists + NR_LISTS; lr++)
		if (lr->sz) {
			printf("Exact-address rules given to xdp-filter (the shipped object's maps hold %u IPv4 and %u IPv6 entries):\n\n",
			       lr->sz[0].xf.capacity[0],
			       lr->sz[0].xf.capacity[1]);
			break;
		}
	printf("| family | rules | lengths | of which exact addresses | xdp-filter | xdp-filter, resized maps |\n|---|---:|---|---:|---:|---:|\n");
	for (int f = 0; f < 2; f++)
		for (int si = 0; si < o->nr_sizes && (b->families & (1 << f));
		     si++)
			for (struct list_run *lr = b->lists;
			     lr < b->lists + NR_LISTS; lr++) {
				char ll[48];

				if (!lr->sz || !(lr->families & (1 << f)))
					continue;
				printf("| %s | %s | %s | %zu | %zu | %zu |\n",
				       fam_name(f),
				       size_label(o->sizes[si], lbl,
						  sizeof(lbl)),
				       lengths_label(lr, &lr->sz[si], f, ll,
						     sizeof(ll)),
				       lr->sz[si].held[f][1],
				       lr->sz[si].held[f][0],
				       lr->sz[si].held[f][1]);
			}
	if (!few)
		return;

	printf("\n### For contrast: one fixed packet repeated, no wrapper (hot caches), raw ns per run\n\n");
	printf("| family | rules | packet | empty XDP | xdpblock | xdp-filter | xdp-filter, resized maps |\n");
	printf("|---|---:|---|---:|---:|---:|---:|\n");
	for (int f = 0; f < 2; f++)
		for (int si = 0; si < o->nr_sizes && (few->families & (1 << f));
		     si++)
			for (int k = 0; k < 2; k++) {
				printf("| %s | %s | %s |", fam_name(f),
				       size_label(o->sizes[si], lbl,
						  sizeof(lbl)),
				       k ? "drop, exact host" : "pass");
				for (int t = 0; t < T_MAX; t++)
					print_cell(&few->sz[si].hot[f][k][t],
						   NULL, 0);
				printf("\n");
			}

	/* The target: passing cost with the most rules within 2x of the fewest. */
	printf("\n");
	for (int f = 0; f < 2 && o->nr_sizes >= 2; f++) {
		struct result *lo, *hi;
		double x, y;

		if (!(few->families & (1 << f)))
			continue;
		lo = few->sz[0].res[f][TR_PASS];
		hi = few->sz[o->nr_sizes - 1].res[f][TR_PASS];
		x = net_median(&lo[T_XDPBLOCK], &lo[T_EMPTY], o->rounds);
		y = net_median(&hi[T_XDPBLOCK], &hi[T_EMPTY], o->rounds);
		printf("target: %s passing packets, %zu vs %zu rules: %.0f / %.0f ns = %.2fx (limit 2x): %s\n",
		       fam_name(f), o->sizes[o->nr_sizes - 1], o->sizes[0], y,
		       x, x > 0 ? y / x : 0,
		       x > 0 && y <= 2 * x ? "met" : "NOT met");
	}
}

static void parse_lists(struct packets_opts *o, const char *arg)
{
	char *copy = strdup(arg), *save = NULL;

	o->lists = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int i = 0;

		while (i < NR_LISTS && strcmp(list_kinds[i].name, tok))
			i++;
		if (i == NR_LISTS)
			die("--lists: unknown list %s (few, many, wide)", tok);
		o->lists |= 1u << i;
	}
	free(copy);
}

static int is_pow2(size_t n)
{
	return n && !(n & (n - 1));
}

int cmd_packets(int argc, char **argv)
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
		{"lists", required_argument, NULL, 'l'},
		{"zipf-s", required_argument, NULL, 'z'},
		{"zipf-listed", required_argument, NULL, 'L'},
		{"zipf-dsts", required_argument, NULL, 'D'},
		{"zipf-srcs", required_argument, NULL, 'R'},
		{"zipf-pairs", required_argument, NULL, 'P'},
		{0},
	};
	static struct bench bench;
	struct bench *b = &bench;
	struct packets_opts *o = &b->o;
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
	o->lists = (1u << NR_LISTS) - 1;
	o->zipf_s = 1.0;
	o->zipf_listed = 0.01;
	o->zipf_dsts = 1u << 20;
	o->zipf_srcs = 1u << 16;
	o->zipf_pairs = 1u << 20;
	parse_sizes(o, "1k,10k,100k,1M");
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
		case 'l':
			parse_lists(o, optarg);
			break;
		case 'z':
			o->zipf_s = strtod(optarg, NULL);
			break;
		case 'L':
			o->zipf_listed = strtod(optarg, NULL);
			break;
		case 'D':
			o->zipf_dsts = strtoull(optarg, NULL, 0);
			break;
		case 'R':
			o->zipf_srcs = strtoull(optarg, NULL, 0);
			break;
		case 'P':
			o->zipf_pairs = strtoull(optarg, NULL, 0);
			break;
		default:
			die("usage: packets [--sizes 1k,10k,100k,1M] [--lists few,many,wide] [--pairs N] [--repeat N] [--rounds N] [--verify N] [--seed N] [--xdp-filter-obj PATH] [--cpu N] [--family v4|v6|both] [--zipf-s S] [--zipf-listed FRACTION] [--zipf-dsts N] [--zipf-srcs N] [--zipf-pairs N]");
		}
	}
	if (!is_pow2(o->nr_pairs) || !is_pow2(o->zipf_pairs))
		die("--pairs and --zipf-pairs must be powers of two");
	if (o->rounds < 1 || o->rounds > MAX_ROUNDS)
		die("--rounds must be 1..%d", MAX_ROUNDS);
	if (!o->nr_sizes)
		die("--sizes: no sizes");
	if (!o->lists)
		die("--lists: no lists");
	if (o->zipf_listed < 0 || o->zipf_listed > 1 || o->zipf_s <= 0 ||
	    !o->zipf_dsts || !o->zipf_srcs)
		die("--zipf-listed must be 0..1, --zipf-s above 0, populations not empty");
	pin_cpu(o->cpu);

	harness_open(&b->h, o->nr_pairs);
	harness_open(&b->hz, o->zipf_pairs);
	for (int i = 0; i < NR_LISTS; i++) {
		struct list_run *lr = &b->lists[i];

		lr->k = &list_kinds[i];
		lr->families = o->families & lr->k->families;
		if ((o->lists & (1u << i)) && lr->families) {
			run_list(b, lr);
			b->families |= lr->families;
		}
	}
	report(b);
	printf("\npeak_rss_kib=%ld elapsed_s=%.0f\n", peak_rss_kib(),
	       now_s() - b->t_start);

	bench_wrapper_bpf__destroy(b->h.skel);
	bench_wrapper_bpf__destroy(b->hz.skel);
	for (int i = 0; i < NR_LISTS; i++)
		free(b->lists[i].sz);
	return 0;
}
