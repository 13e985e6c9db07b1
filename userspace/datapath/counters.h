/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The datapath's counters, read and reset from userspace (counters.c): per
 * rule (rule_stats and the per-CPU hit logs not yet folded in), per list,
 * per interface.
 */
#ifndef XDPBLOCK_COUNTERS_H
#define XDPBLOCK_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "datapath/loader.h"

/*
 * Reset counters of released rule ids / a removed list to zero. Rule ids
 * may be reset only when no CPU's hit log holds a hit of theirs (see
 * loader_ids_in_hit_logs()).
 */
int loader_zero_rules(struct loader *ld, const uint32_t *ids, size_t nr);
int loader_zero_list(struct loader *ld, uint16_t list_id);

/*
 * Sum per-CPU rule counters for ids [0, nr_ids) into @out. @out must hold
 * nr_ids entries.
 */
int loader_read_rules(struct loader *ld, struct xdpb_counter *out,
		      uint32_t nr_ids);
/*
 * Which of @ids some CPU's hit log holds hits of, to be added to their
 * counters later: those ids are moved to the front of @ids (order not
 * kept) and their number returned. The others, if the active generation
 * does not use them and no packet can still run against one that does
 * (loader_wait_for_packets()), can no longer be counted and may be
 * zeroed. When a log cannot be read (a fold that does not end), all are
 * held.
 */
size_t loader_ids_in_hit_logs(const struct loader *ld, uint32_t *ids,
			      size_t nr);

/* One rule's counter, summed over CPUs. */
void loader_read_rule(const struct loader *ld, uint32_t rule_id,
		      struct xdpb_counter *out);
int loader_read_list(struct loader *ld, uint16_t list_id,
		     struct xdpb_counter *out);

/* Count this interface's traffic from now on (keeps existing counts). */
int loader_iface_register(struct loader *ld, int ifindex);
int loader_iface_unregister(struct loader *ld, int ifindex);
int loader_read_iface(struct loader *ld, int ifindex,
		      struct xdpb_iface_stats *out);

/*
 * Add @add to a list's / an interface's counters (CPU 0's slot): what a
 * previous daemon counted, carried over a plain restart.
 */
int loader_add_list(struct loader *ld, uint16_t list_id,
		    const struct xdpb_counter *add);
int loader_add_iface(struct loader *ld, int ifindex,
		     const struct xdpb_iface_stats *add);

#endif
