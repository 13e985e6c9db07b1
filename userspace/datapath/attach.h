/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Attaching the XDP program to interfaces through bpf_link. */
#ifndef XDPBLOCK_ATTACH_H
#define XDPBLOCK_ATTACH_H

#include <net/if.h>

#include "config/config.h"

struct iface_state {
	char name[IF_NAMESIZE];
	int ifindex;
	int link_fd; /* -1 when not attached */
	enum xdp_mode mode; /* the mode it got: native or generic */
	int adopted; /* the link was a previous daemon's */
	int missing_logged; /* "does not exist" said once, not per event */
	char error[256]; /* why it is not attached */
};

/*
 * Attach @prog_fd to @iface in @want mode (auto: native, else generic).
 * With @pin_dir, a link a previous daemon pinned there for this interface
 * is adopted and moved to @prog_fd in one step (no gap in filtering), and
 * a new link is pinned. Returns 0, or a negative errno with iface->error
 * telling what to do (-ENODEV: the interface does not exist now).
 */
int iface_attach(struct iface_state *iface, int prog_fd, enum xdp_mode want,
		 const char *pin_dir);
/* Detach: unpin the link (if @pin_dir) and close it. */
void iface_detach(struct iface_state *iface, const char *pin_dir);
/* Let go of the link but leave it attached and pinned. */
void iface_release(struct iface_state *iface);

#endif
