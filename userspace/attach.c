// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "log.h"

static int link_xdp(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

int iface_attach(struct iface_state *iface, int prog_fd, enum xdp_mode want)
{
	int fd = -EOPNOTSUPP;

	iface->error[0] = '\0';
	iface->link_fd = -1;
	iface->ifindex = if_nametoindex(iface->name);
	if (!iface->ifindex) {
		snprintf(
			iface->error, sizeof(iface->error),
			"interface %s does not exist (check 'interfaces' in [daemon])",
			iface->name);
		return -ENODEV;
	}
	if (want != XDP_MODE_GENERIC) {
		fd = link_xdp(prog_fd, iface->ifindex, XDP_FLAGS_DRV_MODE);
		iface->mode = XDP_MODE_NATIVE;
	}
	if (fd < 0 && want == XDP_MODE_AUTO && fd != -EBUSY && fd != -EEXIST) {
		log_info(
			"%s: native XDP not available (%s), using generic mode",
			iface->name, strerror(-fd));
	}
	if (fd < 0 && fd != -EBUSY && fd != -EEXIST &&
	    want != XDP_MODE_NATIVE) {
		fd = link_xdp(prog_fd, iface->ifindex, XDP_FLAGS_SKB_MODE);
		iface->mode = XDP_MODE_GENERIC;
	}
	if (fd < 0) {
		if (fd == -EBUSY || fd == -EEXIST)
			snprintf(
				iface->error, sizeof(iface->error),
				"%s already has an XDP program attached (another xdpblockd, or another tool: see 'ip link show dev %s'; remove it first)",
				iface->name, iface->name);
		else
			snprintf(
				iface->error, sizeof(iface->error),
				"cannot attach XDP to %s in %s mode: %s%s",
				iface->name, xdp_mode_name(want), strerror(-fd),
				want == XDP_MODE_NATIVE
					? " (the driver may lack native XDP: try xdp_mode = auto)"
					: "");
		return fd;
	}
	iface->link_fd = fd;
	return 0;
}

void iface_detach(struct iface_state *iface)
{
	/* The link is not pinned: closing its last fd detaches the program. */
	if (iface->link_fd >= 0)
		close(iface->link_fd);
	iface->link_fd = -1;
}
