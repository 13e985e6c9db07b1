// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* bench_prog dns: ns/packet of DNS queries against domain rules. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "common/names.h"
#include "datapath/counters.h"
#include "datapath/generation.h"
#include "datapath/loader.h"
#include "rules/refmatch.h"
#include "rules/ruleids.h"
#include "rules/ruleset.h"
#include "bench.h"
/* bpftool's generated skeleton casts const away (-Wcast-qual) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "tests/bench_wrapper.skel.h"
#pragma GCC diagnostic pop

#define DNS_PKT_LEN (14 + 20 + 8 + 12 + 64)

static const char *const bench_tlds[] = {"com", "net", "org",
					 "de",	"io",  "example"};

/* A random name of 2..3 labels of 4..12 characters (wire <= 46 bytes). */
void bench_name(struct rng *r, char *out)
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
size_t name_bench_opts(int argc, char **argv, const char *cmd,
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
	parse_sizes(o, "1k,10k,100k,1M");
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

int cmd_dns(int argc, char **argv)
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
	bench_count_iface(&ld);
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

		activate_names(&ld, &ids, &prev, &rs, texts, n, &rep);
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
