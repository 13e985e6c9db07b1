/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Link events from rtnetlink (libnl-route-3): interfaces that appear, go
 * away or are re-created, so the daemon re-attaches without a restart;
 * and address events, so the protected set follows the host's addresses.
 */
#ifndef XDPBLOCK_LINKWATCH_H
#define XDPBLOCK_LINKWATCH_H

#include <stddef.h>

struct linkwatch;

/* NULL on failure, with @err saying why. */
struct linkwatch *linkwatch_open(char *err, size_t errlen);
/* Poll this fd for POLLIN. */
int linkwatch_fd(const struct linkwatch *lw);
/* What linkwatch_read() saw, as bits. */
enum linkwatch_change {
	LINKWATCH_LINKS = 1, /* an interface was added, removed or changed */
	LINKWATCH_ADDRS = 2, /* an address was added or removed */
};

/*
 * Drain pending events. Returns enum linkwatch_change bits (both when
 * events were lost: the caller must re-check everything), 0 if nothing
 * relevant happened.
 */
int linkwatch_read(struct linkwatch *lw);
void linkwatch_close(struct linkwatch *lw);

#endif
