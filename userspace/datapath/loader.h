/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The BPF object and its maps: load, build a rule generation beside the
 * running one and switch to it in one step, read and reset counters.
 */
#ifndef XDPBLOCK_LOADER_H
#define XDPBLOCK_LOADER_H

#include <limits.h>
#include <stdint.h>

#include "../../maps/xdpblock_maps.h"
#include "rules/ruleset.h"

struct xdpb_pinned_gen; /* pinning.h */

struct xdpblock_bpf;

struct loader {
	struct xdpblock_bpf *skel; /* the maps and the entry program */
	/*
	 * Stage programs (enum xdpb_stage), loaded when a rule generation
	 * first needs them, each load from its own open of the object that
	 * shares every map of skel; in the `stages` PROG_ARRAY.
	 */
	struct xdpblock_bpf *stage_skels[XDPB_NR_STAGES];
	int nr_stage_skels;
	uint32_t loaded_stages; /* 1 << enum xdpb_stage */
	uint32_t active_gen;
	uint32_t rule_id_capacity; /* rule ids per CPU slice of rule_stats */
	int nr_cpus;
	/* rule_stats, mmapped: nr_cpus slices of rule_id_capacity counters */
	struct xdpb_counter *rule_counters;
	size_t rule_counters_bytes;
	/* hit_logs, mmapped: one per CPU, the hits not yet in rule_counters */
	struct xdpb_hit_log *hit_logs;
	char pin_dir[PATH_MAX]; /* "" = nothing pinned */
	int pin_lock_fd; /* flock on pin_dir: one daemon per pinned state */
	int adopted; /* the maps and generations a previous daemon left */
	int found_pins; /* pin_dir held something when we came */
	/* TCP ports parsed for HTTP Host / TLS SNI, host order, 0 ends */
	uint16_t http_ports[XDPB_MAX_WEB_PORTS];
	uint16_t tls_ports[XDPB_MAX_WEB_PORTS];
};

/* What one activation built, for logs, status and benchmarks. */
struct activation_report {
	uint64_t plan_ns; /* resolve rules into tables */
	uint64_t build_ns; /* create and fill the maps */
	uint64_t pin_ns; /* pin the generation's state */
	uint64_t switch_ns; /* install and flip */
	size_t v4_leaves, v4_groups, v4_hosts;
	size_t v6_entries, v6_lengths, v6_filter_bytes;
	size_t name_entries, name_filter_bytes, name_table_bytes;
};

/*
 * Open and load the program. With @pin_dir, its maps are pinned there; when
 * a previous daemon left compatible pinned state, they are adopted as they
 * are (ld->adopted: rules, generations and counters keep running) and
 * loader_adopted_rules() returns the running rules; otherwise both
 * generations start empty. @err says what to do on failure.
 */
int loader_open(struct loader *ld, uint32_t rule_id_capacity,
		const char *pin_dir, char *err, size_t errlen);
/* The rule set (ids assigned) and list table of the active generation. */
int loader_adopted_rules(struct loader *ld, struct xdpb_pinned_gen *gen,
			 struct ruleset *rs);
/*
 * The size of the flow verdict cache the next loader_open() creates
 * (default XDPB_DEFAULT_FLOW_CACHE_ENTRIES): one setting per process,
 * like the program it sizes.
 */
void loader_set_flow_cache_entries(uint32_t entries);

/*
 * Close everything. With @unpin, remove the pinned maps (links must be
 * gone first); without, they stay for the next daemon.
 */
void loader_close(struct loader *ld, int unpin);
/* The entry program, the one to attach. */
int loader_prog_fd(const struct loader *ld);

/* The name of stage @stage ("dns", "web"), as status and metrics show it. */
const char *loader_stage_name(int stage);
/*
 * The stages a generation with @nr_names domain names needs: none for
 * addresses alone, the DNS and web stages otherwise.
 */
uint32_t loader_stages_for(uint32_t nr_names);
/*
 * Load the stages of @want not loaded yet and put them into the `stages`
 * PROG_ARRAY; loader_activate() does so before a generation needs them.
 * On error nothing changed and the message says what to do.
 */
int loader_load_stages(struct loader *ld, uint32_t want);
/*
 * Pin the `stages` PROG_ARRAY in the pin directory, replacing the one a
 * previous daemon left: call it once this daemon's entry program is
 * attached everywhere. Until then the previous one keeps the previous
 * daemon's program matching names; from then on it is this daemon's.
 */
int loader_pin_stages(struct loader *ld);

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

uint64_t monotonic_ns(void);

#endif
