/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bench_prog (tests/bench/): the dispatch in bench_prog.c, a file per
 * subcommand (bench_<name>.c), what they share in bench_common.c.
 */
#ifndef XDPBLOCK_BENCH_H
#define XDPBLOCK_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "common/prefix.h"
#include "datapath/generation.h"
#include "datapath/loader.h"
#include "rules/ruleids.h"
#include "rules/ruleset.h"

#define DEFAULT_SEED 20240601u

struct bench_wrapper_bpf; /* tests/bench_wrapper.skel.h */

/* Open-addressing set of prefixes; values are indexes into gen->rules. */
struct pset {
	uint32_t *slots; /* index + 1, 0 = empty */
	size_t mask;
};

struct gen {
	int family;
	size_t nr;
	int len_lo, len_hi; /* lengths uniform over lo..hi; 0, 0: the mix */
	struct prefix *rules; /* generation order */
	struct pset set;
};

/* The first @nr rules of a generated sequence, as the datapath sees them. */
struct view {
	const struct gen *g;
	size_t nr;
	uint8_t lengths[129];
	int nr_lengths;
	double *cum_size; /* cum_size[i]: addresses covered by rules 0..i */
};

/* The wrapper program's working set (bench_wrapper.bpf.c's pairs map). */
struct bench_pair {
	uint8_t src[16];
	uint8_t dst[16];
};

struct wset {
	struct bench_pair *pairs;
	size_t nr;
	int expect; /* XDP_PASS or XDP_DROP */
	uint8_t *verdict; /* per pair, when the set mixes both; else NULL */
	size_t listed; /* pairs xdpblock drops */
	size_t distinct_src, distinct_dst, distinct_all, distinct_pairs;
};

/* Options of packets, dns and tls. */
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
	unsigned lists; /* packets: bit per list kind (bench_packets.c) */
	/* packets: the Zipf working set (docs/benchmarks.md, "Zipf") */
	double zipf_s, zipf_listed; /* exponent; fraction of pairs listed */
	size_t zipf_dsts, zipf_srcs, zipf_pairs; /* powers of two: pairs */
};

/* The wrapper program, loaded, tail-calling the program under test. */
struct harness {
	struct bench_wrapper_bpf *skel;
	int wrapper_fd, prog_array_fd;
	struct bench_pair *pairs; /* mmapped working set */
	size_t nr_pairs;
	uint8_t pkt4[64], pkt6[78];
};

/* bench_common.c: errors, allocation, time, memory */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void *xcalloc(size_t n, size_t size);
double now_s(void);
long peak_rss_kib(void);

/* random numbers, addresses, generated rules */
uint64_t rng_below(struct rng *r, uint64_t n);
double rng_unit(struct rng *r);
int addr_bytes(int family);
int max_len(int family);
int is_unicast(const struct prefix *p);
void random_unicast(struct rng *r, int family, struct prefix *out);
void random_inside(struct rng *r, const struct prefix *p, struct prefix *out);
uint64_t prefix_hash(const struct prefix *p);
long gen_find(const struct gen *g, const struct prefix *p);
void gen_build(struct gen *g, int family, size_t nr, uint64_t seed);
void gen_build_spread(struct gen *g, int family, size_t nr, uint64_t seed,
		      int lo, int hi);
void gen_free(struct gen *g);
void view_init(struct view *v, const struct gen *g, size_t nr);
void view_free(struct view *v);
int view_matches(const struct view *v, const struct prefix *addr);

/* rule sets */
void ruleset_from(struct ruleset *rs, const struct gen *v4, size_t nr4,
		  const struct gen *v6, size_t nr6);
uint32_t default_capacity(void);
void assign_ids(struct rule_ids *ids, const struct ruleset *prev,
		struct ruleset *rs);
/*
 * The first @n of @texts as suffix rules of list 1 (action monitor: every
 * query or ClientHello is matched, counted and passed) into @rs, with ids
 * kept from @prev, activated in @ld (what it built in @rep).
 */
void activate_names(struct loader *ld, struct rule_ids *ids,
		    const struct ruleset *prev, struct ruleset *rs,
		    char (*texts)[64], size_t n, struct activation_report *rep);

/*
 * Count the packets of @ld's program on their interface, as a daemon's
 * are: a test run's packets arrive on lo (BENCH_IFINDEX), and an
 * interface the daemon did not register would skip its counters and
 * flatter the figures.
 */
#define BENCH_IFINDEX 1
void bench_count_iface(struct loader *ld);

/* the wrapper program */
void harness_open(struct harness *h, size_t nr_pairs);
void harness_set(struct harness *h, int prog_fd, const struct wset *w);
int test_run(int prog_fd, const void *pkt, size_t len, uint32_t repeat,
	     uint32_t *ns);
const void *family_pkt(const struct harness *h, int family, size_t *len);

/* options and figures */
double median(double *v, int n);
const char *size_label(size_t n, char *buf, size_t len);
void parse_sizes(struct packets_opts *o, const char *arg);
void pin_cpu(int cpu);

/* bench_dns.c: names and options, for tls too */
#define DNS_WSET (1u << 17) /* names per working set, distinct */
void bench_name(struct rng *r, char *out);
size_t name_bench_opts(int argc, char **argv, const char *cmd,
		       struct packets_opts *o);

/* the subcommands, a file each: bench_<name>.c */
int cmd_gen_list(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_packets(int argc, char **argv);
int cmd_dns(int argc, char **argv);
int cmd_tls(int argc, char **argv);
int cmd_memlat(int argc, char **argv);
int cmd_clock(int argc, char **argv);
int cmd_tailcall(int argc, char **argv);

#endif
