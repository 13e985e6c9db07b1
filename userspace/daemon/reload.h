/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The reload transaction, interfaces, and what systemd is told (reload.c). */
#ifndef XDPBLOCK_RELOAD_H
#define XDPBLOCK_RELOAD_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/daemon.h"

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
const char *daemon_list_name(const struct daemon *d, uint16_t list_id);

#endif
