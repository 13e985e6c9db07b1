/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-CPU counters: plain adds, no atomics needed. */
#ifndef XDPBLOCK_COUNTERS_BPF_H
#define XDPBLOCK_COUNTERS_BPF_H

#include "maps.bpf.h"

static __always_inline void counter_add(struct xdpb_counter *c, __u64 bytes)
{
	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/* Interfaces the daemon did not register (tests) are not counted. */
static __always_inline void count_iface(__u32 ifindex, __u32 stat, __u64 bytes)
{
	struct xdpb_iface_stats *s =
		bpf_map_lookup_elem(&iface_stats, &ifindex);

	if (s && stat < XDPB_STAT_MAX)
		counter_add(&s->stat[stat], bytes);
}

static __always_inline void count_rule(const struct xdpb_match *m, __u64 bytes)
{
	__u32 slot = bpf_get_smp_processor_id() * rule_id_capacity + m->rule_id;
	__u32 list_id = m->list_id;

	counter_add(bpf_map_lookup_elem(&rule_stats, &slot), bytes);
	counter_add(bpf_map_lookup_elem(&list_stats, &list_id), bytes);
}

#endif /* XDPBLOCK_COUNTERS_BPF_H */
