/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xdpblockd's state, shared by its main loop, reloads and commands. What
 * works on it is declared by each module: reload.h, carryover.h,
 * commands.h.
 */
#ifndef XDPBLOCK_DAEMON_H
#define XDPBLOCK_DAEMON_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "config/config.h"
#include "datapath/attach.h"
#include "datapath/generation.h"
#include "datapath/kernel_features.h"
#include "datapath/loader.h"
#include "lists/listload.h"
#include "rules/protect.h"
#include "rules/ruleids.h"
#include "rules/ruleset.h"
#include "rules/special.h"

/* A configured list as it is running now. */
/* What runs for a list whose file cannot be loaded (reload.c). */
enum list_fallback {
	LIST_FALLBACK_NONE, /* nothing: no usable copy */
	LIST_FALLBACK_COPY, /* its last good copy in state_dir (lastgood.h) */
	LIST_FALLBACK_RUNNING, /* the rules it had (adopted, or running) */
};

/* As status names it. */
static inline const char *list_fallback_name(enum list_fallback f)
{
	return f == LIST_FALLBACK_COPY	    ? "last-good-copy"
	       : f == LIST_FALLBACK_RUNNING ? "running-rules"
					    : "none";
}

struct list_state {
	struct list_config cfg;
	uint16_t list_id;
	enum list_type type; /* resolved: LIST_TYPE_IP or LIST_TYPE_DOMAIN */
	size_t nr_v4, nr_v6, nr_names; /* distinct rules active */
	size_t nr_skipped; /* malformed lines skipped (on_error = skip-line) */
	/* well-formed entries with no rule xdpblock can apply (parsed_names) */
	size_t nr_unsupported;
	/*
	 * The version of the list now running, as a Unix time: the signed
	 * trusted timestamp of a signed list, else the file's mtime when it
	 * was read (xdpblock_list_version_timestamp_seconds).
	 */
	int64_t version_time;
	time_t loaded_at; /* the successful reload that loaded it */
	enum list_format format; /* as read (auto resolved) */
	int compressed; /* gzip */
	int verified; /* minisign signature checked */
	char key_id[MINISIGN_KEY_ID_STRLEN]; /* the key that signed it */
	uint64_t version; /* signed timestamp, 0 if none */
	/*
	 * Degraded: the list's file could not be loaded (at start-up, or
	 * again while it was degraded), so what runs for it is @fallback.
	 * degraded_reason is RELOAD_OK for a list that loaded;
	 * degraded_error names the file (and line) and why.
	 */
	enum reload_reason degraded_reason;
	enum list_fallback fallback;
	char degraded_error[600];
	/*
	 * At its last load (daemon/protected.c): protected entries it
	 * covers, by enum protect_kind; entries in special-purpose ranges,
	 * by special_name() index.
	 */
	uint32_t protected_covered[PROTECT_NR_KINDS];
	uint32_t special_entries[SPECIAL_MAX_NAMES];
};

static inline int list_is_degraded(const struct list_state *ls)
{
	return ls->degraded_reason != RELOAD_OK;
}

/*
 * A list's action as status and metrics name it: an RPZ zone's records
 * carry their own actions, so it has none of its own.
 */
static inline const char *list_action_label(const struct list_state *ls)
{
	return ls->format == LIST_FORMAT_RPZ ? "per-record"
					     : action_name(ls->cfg.action);
}

struct reload_result {
	int ok;
	enum reload_reason reason; /* why it failed (a metric label) */
	char error[700];
	time_t when;
	uint64_t duration_ns;
	struct activation_report report;
};

struct daemon {
	/*
	 * Held by the main loop except while it waits in poll(); the metrics
	 * thread takes it to render, so it never sees a reload half done.
	 */
	pthread_mutex_t lock;
	const char *config_path;
	int verbose; /* -v given: log_level from the config is ignored */
	struct daemon_config cfg; /* the configuration now running */
	struct loader loader;
	/* the running kernel and its optional features, probed at start-up */
	struct kernel_features kernel;
	struct rule_ids rule_ids;
	struct ruleset active; /* the rules of the active generation */
	struct list_state lists[XDPB_MAX_LISTS - 1];
	int nr_lists;
	/* list_id -> list name; ids stay with a name so counters continue */
	char list_names[XDPB_MAX_LISTS][LIST_NAME_MAX];
	struct iface_state ifaces[CONFIG_MAX_IFACES];
	int nr_ifaces;
	time_t started;
	uint64_t generation; /* successful activations so far */
	uint64_t reloads_total, reload_failures_total;
	uint64_t reload_failures_by_reason[RELOAD_REASON_MAX];
	struct reload_result last_reload;
	int counters_fd; /* pinned daemon_counters, or -1 */
	/*
	 * The first reload has been tried: until then a list that cannot be
	 * loaded falls back (unless strict_start), after it only a list
	 * already degraded does.
	 */
	int started_up;
	int keep_attached; /* at exit: leave filtering running, state pinned */
	int stop_requested; /* `xdpblockctl stop`: exit after answering */
	struct fetcher *fetcher; /* downloads of url lists, or NULL */
	struct protect_set protected; /* what protected4/6 hold (protected.c) */
	/* the url lists' hosts resolved at the last configuration load */
	struct protect_set source_addrs;
};

#endif
