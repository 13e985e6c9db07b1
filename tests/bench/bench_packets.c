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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/prefix.h"
#include "datapath/generation.h"
#include "datapath/loader.h"
#include "rules/plan.h"
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
	uint32_t *tbl16, *tbl24, *tbl8,
		*host_addrs; /* host_addrs: host order, sorted */
	size_t nr_hosts;
	int flat; /* gen_info.ip4_flat: no tbl16 read */
	/* IPv6: keys of the prefix hash, open addressing */
	struct xdpb_ip6_key *keys;
	uint32_t *slots, mask;
	struct xdpb_gen_info info;
};

struct access_counts {
	double tbl16, tbl24, tbl8, host_probes, leaves; /* IPv4 */
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
		m->tbl16 = xcalloc(XDPB_TBL16_ENTRIES, sizeof(uint32_t));
		m->tbl24 = xcalloc(
			plan.nr_tbl24_groups * XDPB_TBL24_GROUP_SIZE + 1,
			sizeof(uint32_t));
		m->tbl8 = xcalloc(plan.nr_groups * XDPB_TBL8_GROUP_SIZE + 1,
				  sizeof(uint32_t));
		m->host_addrs = xcalloc(plan.nr_hosts + 1, sizeof(uint32_t));
		leaves = xcalloc(plan.nr_hosts + 1, sizeof(uint32_t));
		if (plan.nr_nodes)
			ip4_plan_fill(&plan, m->tbl16, m->tbl24, m->tbl8,
				      m->host_addrs, leaves);
		m->nr_hosts = plan.nr_hosts;
		m->flat = plan.flat;
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
	free(m->tbl16);
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
		e = XDPB_KIND_GROUP << XDPB_KIND_SHIFT | a >> 16;
		if (!m->flat) {
			e = m->tbl16[a >> 16];
			c->tbl16++;
		}
		if (e >> XDPB_KIND_SHIFT == XDPB_KIND_GROUP) {
			e = m->tbl24[(size_t)(e & XDPB_ENTRY_INDEX_MASK) *
					     XDPB_TBL24_GROUP_SIZE +
				     ((a >> 8) & 0xff)];
			c->tbl24++;
		}
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
	c.tbl16 /= nr, c.tbl24 /= nr, c.tbl8 /= nr, c.host_probes /= nr,
		c.leaves /= nr;
	c.probes /= nr, c.hits /= nr;
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
			printf("model IPv4 %s %s: per packet tbl16=%.2f tbl24=%.2f tbl8=%.2f host_probes=%.2f leaves=%.2f\n",
			       lbl, traffic_name[tr], c.tbl16, c.tbl24, c.tbl8,
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
	printf("activate %s: v4_rules=%zu v6_rules=%zu plan_ms=%.1f build_ms=%.1f switch_ms=%.3f v4_leaves=%zu v4_tbl24_groups=%zu v4_flat=%d v4_groups=%zu v4_hosts=%zu v6_entries=%zu v6_lengths=%zu v6_filter_bytes=%zu\n",
	       lbl, z->rs.v4.nr, z->rs.v6.nr, rep.plan_ns / 1e6,
	       rep.build_ns / 1e6, rep.switch_ns / 1e6, rep.v4_leaves,
	       rep.v4_tbl24_groups, rep.v4_flat, rep.v4_groups, rep.v4_hosts,
	       rep.v6_entries, rep.v6_lengths, rep.v6_filter_bytes);
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
