/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The daemon's counters across restarts (carryover.c). */
#ifndef XDPBLOCK_CARRYOVER_H
#define XDPBLOCK_CARRYOVER_H

#include "daemon/daemon.h"

/*
 * Counters across a plain stop (carryover.c): written to state_dir at the
 * stop, added back by a daemon that starts with fresh maps (lists right
 * after the first load, interfaces when first seen), then deleted.
 */
void daemon_save_counters_file(struct daemon *d);
/*
 * Write the daemon's own counters (reloads, failures by reason) into the
 * pinned daemon_counters map: a daemon that adopts the pins goes on
 * counting from them.
 */
void daemon_pin_counters(struct daemon *d);
void daemon_load_counters_file(struct daemon *d);
void daemon_carry_iface_counters(struct daemon *d, const char *name,
				 int ifindex);

#endif
