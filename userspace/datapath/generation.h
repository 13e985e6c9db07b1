/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A rule set built into the idle generation's maps and switched to in one
 * step (generation.c); the sinkhole addresses and web ports that go with it.
 */
#ifndef XDPBLOCK_GENERATION_H
#define XDPBLOCK_GENERATION_H

#include <stddef.h>
#include <stdint.h>

#include "datapath/loader.h"
#include "rules/ruleset.h"

struct xdpb_pinned_gen; /* pinning.h */

/* What one activation built, for logs, status and benchmarks. */
struct activation_report {
	uint64_t plan_ns; /* resolve rules into tables */
	uint64_t build_ns; /* create and fill the maps */
	uint64_t pin_ns; /* pin the generation's state */
	uint64_t switch_ns; /* install and flip */
	size_t v4_leaves;
	int v4_flat; /* gen_info.ip4_flat */
	size_t v4_groups, v4_hosts; /* flat: tbl8 groups, /32 hash entries */
	size_t v4_nodes, v4_buckets, v4_singles; /* the trie's, when not flat */
	size_t v4_bytes; /* the tables the datapath reads */
	/* IPv6 trie: prefixes, nodes, buckets, singles, deepest node, bytes */
	size_t v6_prefixes, v6_nodes, v6_buckets, v6_singles, v6_depth,
		v6_bytes;
	size_t name_entries, name_filter_bytes, name_table_bytes;
};

/*
 * Build @rs (ids assigned) into the idle generation and make it active.
 * When pinning, @gen (the list table and generation number) is pinned with
 * it. On error nothing the datapath reads has changed. On success it
 * returns after loader_wait_for_packets() (a failed wait is only logged).
 */
int loader_activate(struct loader *ld, const struct ruleset *rs,
		    const struct xdpb_pinned_gen *gen,
		    struct activation_report *report);

/*
 * Wait for an RCU grace period: every packet that started before has
 * finished, so none still runs against a generation that was not active.
 * A failure is logged, and returned.
 */
int loader_wait_for_packets(struct loader *ld);

/*
 * The ports the next activations give the datapath (host order, @nr_* at
 * most XDPB_MAX_WEB_PORTS; excess ignored). loader_open() sets the
 * defaults: HTTP 80, TLS 443 and 853.
 */
void loader_set_web_ports(struct loader *ld, const uint16_t *http, int nr_http,
			  const uint16_t *tls, int nr_tls);

/*
 * The notice addresses of list @list_id for action = sinkhole (all zero:
 * none), written at once for the datapath: call it before activating the
 * rules that use them.
 */
int loader_set_sinkhole(struct loader *ld, uint16_t list_id,
			const struct xdpb_sinkhole *sinkhole);

#endif
