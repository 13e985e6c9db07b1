// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* bench_prog tls: ns/packet of TLS ClientHellos against domain rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

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

int cmd_tls(int argc, char **argv)
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
	bench_count_iface(&ld);
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

		activate_names(&ld, &ids, &prev, &rs, texts, n, &rep);
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
