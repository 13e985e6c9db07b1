/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* xdpblockd's state, shared by its main loop, reloads and commands. */
#ifndef XDPBLOCK_DAEMON_H
#define XDPBLOCK_DAEMON_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "attach.h"
#include "config.h"
#include "kernel_features.h"
#include "listload.h"
#include "loader.h"
#include "ruleset.h"

/* A configured list as it is running now. */
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
};

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
	int keep_attached; /* at exit: leave filtering running, state pinned */
	int stop_requested; /* `xdpblockctl stop`: exit after answering */
	struct fetcher *fetcher; /* downloads of url lists, or NULL */
};

/*
 * Read the config and every list, build and activate a new generation.
 * On any error the running generation and configuration stay as they
 * were; @d->last_reload says what went wrong (file and line).
 */
int daemon_reload(struct daemon *d);
/*
 * The same transaction for some lists only: those i of d->cfg.lists with
 * stale[i] are read again, the others keep their running rules, and the
 * configuration file is not read (it may be mid-edit).
 */
int daemon_reload_lists(struct daemon *d, const uint8_t *stale);
/*
 * daemon_reload() (@stale NULL) or daemon_reload_lists() and
 * daemon_sync_interfaces() as one, told to systemd (RELOADING=1, then
 * READY=1 with the new STATUS).
 */
int daemon_reload_and_sync(struct daemon *d, const uint8_t *stale);
/* One line for STATUS= and logs: rules, lists, interfaces, last error. */
void daemon_status_line(const struct daemon *d, char *buf, size_t len);
/* sd_notify @state ("READY=1", ...) with the current STATUS line. */
void daemon_notify(const struct daemon *d, const char *state);

/*
 * Take over what a previous daemon left running (d->loader.adopted): the
 * active rules with their ids, list ids and the daemon's counters, so that
 * the next reload continues them.
 */
int daemon_adopt(struct daemon *d);
/*
 * Attach/detach to match the configured interfaces and the interfaces
 * present now. Returns how many configured interfaces that exist could
 * not be attached (each says why in its error); missing ones wait.
 */
int daemon_sync_interfaces(struct daemon *d);
/* At exit: detach and unpin, or with d->keep_attached leave all running. */
void daemon_detach_all(struct daemon *d);
const char *daemon_list_name(const struct daemon *d, uint16_t list_id);
/* "config", "list_io", ...: the reason label of a reload failure */

/*
 * Counters across a plain stop (carryover.c): written to state_dir at the
 * stop, added back by a daemon that starts with fresh maps (lists right
 * after the first load, interfaces when first seen), then deleted.
 */
void daemon_save_counters_file(struct daemon *d);
/* Write the daemon's own counters into the pinned daemon_counters map. */
void daemon_pin_counters(struct daemon *d);
void daemon_load_counters_file(struct daemon *d);
void daemon_carry_iface_counters(struct daemon *d, const char *name,
				 int ifindex);

/*
 * Control commands: fill @result or return -1 with @err set. Reading
 * commands (status, stats, top, lookup) are for anyone who can connect;
 * changing ones (reload, stop) for uid 0 or a member of admin_group.
 */
struct json_object;
struct control_peer;
int command_dispatch(struct daemon *d, const struct control_peer *peer,
		     struct json_object *request, struct json_object **result,
		     char *err, size_t errlen);
/*
 * The control server's handler (control_handler, @daemon a struct daemon):
 * one complete request, answered in the main loop with {"ok": true,
 * "result": ...} or {"ok": false, "error": "..."}.
 */
struct json_object *command_serve(void *daemon, const struct control_peer *peer,
				  struct json_object *request);

#define TOP_DEFAULT_RULES 10
#define TOP_MAX_RULES 10000
/*
 * The `top` command, also served as /top by the metrics endpoint: the
 * rules with the most packets, at most "limit" (default 10) of list "list"
 * (default all). Returns 0, -EINVAL for a bad request, or another negative
 * errno, with @err set.
 */
int command_top(struct daemon *d, struct json_object *request,
		struct json_object **result, char *err, size_t errlen);

#endif
