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

/* The bytes of the mmapped hit_logs: one log per CPU. */
static inline size_t hit_logs_bytes(const struct loader *ld)
{
	return (size_t)ld->nr_cpus * sizeof(struct xdpb_hit_log);
}

#endif
