/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The configured interfaces, attached and detached (interfaces.c). */
#ifndef XDPBLOCK_INTERFACES_H
#define XDPBLOCK_INTERFACES_H

#include "daemon/daemon.h"

/*
 * Attach/detach to match the configured interfaces and the interfaces
 * present now. Returns how many configured interfaces that exist could
 * not be attached (each says why in its error); missing ones wait.
 */
int daemon_sync_interfaces(struct daemon *d);
/* At exit: detach and unpin, or with d->keep_attached leave all running. */
void daemon_detach_all(struct daemon *d);

#endif
