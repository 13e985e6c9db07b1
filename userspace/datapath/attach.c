// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "datapath/attach.h"
#include "datapath/pinning.h"

static int link_xdp(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

/* The mode the kernel reports for the program on @ifindex. */
static enum xdp_mode attached_mode(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q) == 0 &&
	    q.attach_mode == XDP_ATTACHED_SKB)
		return XDP_MODE_GENERIC;
	return XDP_MODE_NATIVE;
}

/*
 * Take over the link a previous daemon pinned for @iface: 1 if adopted,
 * 0 if there was none usable (a stale one, whose interface was deleted
 * and perhaps re-created since, is unpinned).
 */
static int adopt_link(struct iface_state *iface, int prog_fd,
		      enum xdp_mode want, const char *pin_dir)
{
	struct bpf_link_info info = {0};
	uint32_t info_len = sizeof(info);
	int fd = pin_link_open(pin_dir, iface->name);

	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len) ||
	    info.type != BPF_LINK_TYPE_XDP ||
	    info.xdp.ifindex != (uint32_t)iface->ifindex ||
	    (want != XDP_MODE_AUTO && attached_mode(iface->ifindex) != want)) {
		log_info(
			"%s: the pinned link is stale or in another mode, attaching anew",
			iface->name);
		goto stale;
	}
	/* one step: packets see the old program or the new one, never none */
	if (bpf_link_update(fd, prog_fd, NULL)) {
		log_warn(
			"%s: cannot move the pinned link to the new program: %s",
			iface->name, strerror(errno));
		goto stale;
	}
	iface->link_fd = fd;
	iface->mode = attached_mode(iface->ifindex);
	return 1;
stale:
	pin_link_remove(pin_dir, iface->name);
	close(fd); /* detaches it, if it was still attached */
	return 0;
}

int iface_attach(struct iface_state *iface, int prog_fd, enum xdp_mode want,
		 const char *pin_dir)
{
	int fd = -EOPNOTSUPP;

	iface->error[0] = '\0';
	iface->link_fd = -1;
	iface->ifindex = if_nametoindex(iface->name);
	if (!iface->ifindex) {
		snprintf(
			iface->error, sizeof(iface->error),
			"interface %s does not exist (waiting for it to appear; check 'interfaces' in [daemon])",
			iface->name);
		return -ENODEV;
	}
	if (pin_dir && adopt_link(iface, prog_fd, want, pin_dir)) {
		iface->adopted = 1;
		return 0;
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
	iface->adopted = 0;
	if (pin_dir) {
		int err = pin_link(pin_dir, iface->name, fd);

		if (err)
			log_warn(
				"%s: cannot pin the XDP link in %s (%s): filtering here stops with the daemon",
				iface->name, pin_dir, strerror(-err));
	}
	return 0;
}

void iface_detach(struct iface_state *iface, const char *pin_dir)
{
	/* unpinned, closing the last fd detaches the program */
	if (pin_dir)
		pin_link_remove(pin_dir, iface->name);
	iface_release(iface);
}

void iface_release(struct iface_state *iface)
{
	if (iface->link_fd >= 0)
		close(iface->link_fd);
	iface->link_fd = -1;
}
