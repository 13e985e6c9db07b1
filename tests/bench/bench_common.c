// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the benchmarks share (bench.h): random rules and addresses, rule
 * sets, the wrapper program's harness, options and medians.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/clock.h"
#include "common/prefix.h"
#include "datapath/counters.h"
#include "datapath/generation.h"
#include "datapath/loader.h"
#include "rules/ruleids.h"
#include "rules/ruleset.h"
#include "bench.h"
/* bpftool's generated skeleton casts const away (-Wcast-qual) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "tests/bench_wrapper.skel.h"
#pragma GCC diagnostic pop

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench_prog: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

double now_s(void)
{
	return monotonic_ns() / 1e9;
}

long peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* ---- deterministic random numbers (splitmix64) ------------------------ */

uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n; /* n is tiny against 2^64: bias is negligible */
}

double rng_unit(struct rng *r)
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

int addr_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

int max_len(int family)
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

int is_unicast(const struct prefix *p)
{
	uint32_t a;

	if (p->family == AF_INET6)
		return (p->addr[0] & 0xe0) == 0x20; /* 2000::/3 */
	memcpy(&a, p->addr, 4);
	return v4_is_unicast(ntohl(a));
}

void random_unicast(struct rng *r, int family, struct prefix *out)
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
void random_inside(struct rng *r, const struct prefix *p, struct prefix *out)
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

uint64_t prefix_hash(const struct prefix *p)
{
	uint64_t h = 0xcbf29ce484222325ull ^ p->plen;

	for (int i = 0; i < 16; i++)
		h = (h ^ p->addr[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

/* Index of the rule equal to @p, or -1. */
long gen_find(const struct gen *g, const struct prefix *p)
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

/*
 * At most 1/256 of the space a length spans (2000::/3 for IPv6) in rules
 * of that length: a spread uniform over /8../32 would otherwise list every
 * /8 from 10k rules on and leave no address to pass.
 */
static size_t spread_cap(int family, int len)
{
	int bits = (family == AF_INET ? len : len - 3) - 8;

	if (bits >= 40)
		return SIZE_MAX;
	return bits <= 0 ? 1 : (size_t)1 << bits;
}

static int spread_len(struct rng *r, int family, int lo, int hi,
		      const size_t *count)
{
	for (;;) {
		int len = lo + rng_below(r, hi - lo + 1);

		if (count[len] < spread_cap(family, len))
			return len;
	}
}

void gen_build_spread(struct gen *g, int family, size_t nr, uint64_t seed,
		      int lo, int hi)
{
	/* the mix keeps its stream: results stay comparable with older runs */
	struct rng r = {seed ^ (family == AF_INET ? 0x4444 : 0x6666) ^
			((uint64_t)(lo << 8 | hi) << 32)};
	size_t cap = 1, count[129] = {0};

	if (hi) {
		size_t room = 0;

		for (int len = lo; len <= hi && room < nr; len++) {
			size_t c = spread_cap(family, len);

			room = c > SIZE_MAX - room ? SIZE_MAX : room + c;
		}
		if (room < nr)
			die("%zu rules do not fit lengths /%d-/%d", nr, lo, hi);
	}
	while (cap < nr * 2)
		cap <<= 1;
	g->family = family;
	g->nr = 0;
	g->len_lo = lo;
	g->len_hi = hi;
	g->rules = xcalloc(nr, sizeof(*g->rules));
	g->set.slots = xcalloc(cap, sizeof(uint32_t));
	g->set.mask = cap - 1;
	while (g->nr < nr) {
		struct prefix p;
		size_t i;
		int len;

		random_unicast(&r, family, &p);
		if (hi)
			len = spread_len(&r, family, lo, hi, count);
		else
			len = family == AF_INET ? v4_random_len(&r)
						: v6_random_len(&r);
		prefix_truncate(&p, len);
		if (!is_unicast(&p) || gen_find(g, &p) >= 0)
			continue; /* no duplicates: exactly nr distinct rules */
		for (i = prefix_hash(&p) & g->set.mask; g->set.slots[i];
		     i = (i + 1) & g->set.mask)
			;
		count[len]++;
		g->rules[g->nr] = p;
		g->set.slots[i] = ++g->nr;
	}
}

void gen_build(struct gen *g, int family, size_t nr, uint64_t seed)
{
	gen_build_spread(g, family, nr, seed, 0, 0);
}

void gen_free(struct gen *g)
{
	free(g->rules);
	free(g->set.slots);
	memset(g, 0, sizeof(*g));
}

void view_init(struct view *v, const struct gen *g, size_t nr)
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

void view_free(struct view *v)
{
	free(v->cum_size);
}

/* Does any of the view's rules contain @addr? */
int view_matches(const struct view *v, const struct prefix *addr)
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

/* ---- rule sets -------------------------------------------------------- */

void ruleset_from(struct ruleset *rs, const struct gen *v4, size_t nr4,
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
uint32_t default_capacity(void)
{
	return 2 * (XDPB_DEFAULT_MAX_RULES_V4 + XDPB_DEFAULT_MAX_RULES_V6) + 1;
}

/* Ids for @rs, keeping those of @prev's rules (NULL: none running). */
void assign_ids(struct rule_ids *ids, const struct ruleset *prev,
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

void bench_count_iface(struct loader *ld)
{
	if (loader_iface_register(ld, BENCH_IFINDEX))
		die("cannot register the interface's counters");
}

void activate_names(struct loader *ld, struct rule_ids *ids,
		    const struct ruleset *prev, struct ruleset *rs,
		    char (*texts)[64], size_t n, struct activation_report *rep)
{
	for (size_t i = 0; i < n; i++)
		if (ruleset_add_name(rs, texts[i], XDPB_NAME_SUFFIX, 1,
				     XDPB_ACT_MONITOR, i + 1))
			die("out of memory");
	ruleset_finish(rs);
	assign_ids(ids, prev, rs);
	if (loader_activate(ld, rs, NULL, rep))
		die("cannot activate %zu domain rules", n);
}

/* ---- the wrapper program ---------------------------------------------- */

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

void harness_open(struct harness *h, size_t nr_pairs)
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

void harness_set(struct harness *h, int prog_fd, const struct wset *w)
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
int test_run(int prog_fd, const void *pkt, size_t len, uint32_t repeat,
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

const void *family_pkt(const struct harness *h, int family, size_t *len)
{
	*len = family == AF_INET ? sizeof(h->pkt4) : sizeof(h->pkt6);
	return family == AF_INET ? h->pkt4 : h->pkt6;
}

/* ---- options and figures ---------------------------------------------- */

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

const char *size_label(size_t n, char *buf, size_t len)
{
	if (n >= 1000000 && n % 1000000 == 0)
		snprintf(buf, len, "%zuM", n / 1000000);
	else if (n >= 1000 && n % 1000 == 0)
		snprintf(buf, len, "%zuk", n / 1000);
	else
		snprintf(buf, len, "%zu", n);
	return buf;
}

void parse_sizes(struct packets_opts *o, const char *arg)
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

void pin_cpu(int cpu)
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
