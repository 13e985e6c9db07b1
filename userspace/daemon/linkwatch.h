/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Link events from rtnetlink (libnl-route-3): interfaces that appear, go
 * away or are re-created, so the daemon re-attaches without a restart.
 */
#ifndef XDPBLOCK_LINKWATCH_H
#define XDPBLOCK_LINKWATCH_H

#include <stddef.h>

struct linkwatch;

/* NULL on failure, with @err saying why. */
struct linkwatch *linkwatch_open(char *err, size_t errlen);
/* Poll this fd for POLLIN. */
int linkwatch_fd(const struct linkwatch *lw);
/*
 * Drain pending events. Returns 1 if an interface was added, removed or
 * changed (or events were lost: the caller must re-check every interface),
 * 0 if nothing relevant happened.
 */
int linkwatch_read(struct linkwatch *lw);
void linkwatch_close(struct linkwatch *lw);

#endif
