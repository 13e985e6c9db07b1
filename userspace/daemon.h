/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* xdpblockd's state, shared by its main loop, reloads and commands. */
#ifndef XDPBLOCK_DAEMON_H
#define XDPBLOCK_DAEMON_H

#include <stdint.h>
#include <time.h>

#include "attach.h"
#include "config.h"
#include "listload.h"
#include "loader.h"
#include "ruleset.h"

/* A configured list as it is running now. */
struct list_state {
	struct list_config cfg;
	uint16_t list_id;
	size_t nr_v4, nr_v6; /* distinct rules active */
	size_t nr_skipped; /* malformed lines skipped (on_error = skip-line) */
	enum list_format format; /* as read (auto resolved) */
	int compressed; /* gzip */
	int verified; /* minisign signature checked */
	char key_id[MINISIGN_KEY_ID_STRLEN]; /* the key that signed it */
	uint64_t version; /* signed timestamp, 0 if none */
};

struct reload_result {
	int ok;
	enum reload_reason reason; /* why it failed (a metric label) */
	char error[700];
	time_t when;
	uint64_t duration_ns;
	struct activation_report report;
};

struct daemon {
	const char *config_path;
	int verbose; /* -v given: log_level from the config is ignored */
	struct daemon_config cfg; /* the configuration now running */
	struct loader loader;
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
};

/*
 * Read the config and every list, build and activate a new generation.
 * On any error the running generation and configuration stay as they
 * were; @d->last_reload says what went wrong (file and line).
 */
int daemon_reload(struct daemon *d);
/* Attach/detach to match the configured interfaces; returns failures. */
int daemon_sync_interfaces(struct daemon *d);
void daemon_detach_all(struct daemon *d);
const char *daemon_list_name(const struct daemon *d, uint16_t list_id);

/* Control commands: fill @result or return -1 with @err set. */
struct json_object;
int command_dispatch(struct daemon *d, struct json_object *request,
		     struct json_object **result, char *err, size_t errlen);

#endif
