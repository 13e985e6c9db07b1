/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Attaching the XDP program to interfaces through bpf_link. */
#ifndef XDPBLOCK_ATTACH_H
#define XDPBLOCK_ATTACH_H

#include <net/if.h>

#include "config.h"

struct iface_state {
	char name[IF_NAMESIZE];
	int ifindex;
	int link_fd; /* -1 when not attached */
	enum xdp_mode mode; /* the mode it got: native or generic */
	char error[256]; /* why it is not attached */
};

/*
 * Attach @prog_fd to @iface in @want mode (auto: native, else generic).
 * Returns 0, or a negative errno with iface->error telling what to do.
 */
int iface_attach(struct iface_state *iface, int prog_fd, enum xdp_mode want);
void iface_detach(struct iface_state *iface);

#endif
