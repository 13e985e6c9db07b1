// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The configured interfaces: attached as they appear, detached as they go
 * or leave the configuration, and at exit (interfaces.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>

#include "common/log.h"
#include "daemon/carryover.h"
#include "daemon/daemon.h"
#include "daemon/interfaces.h"
#include "datapath/attach.h"
#include "datapath/counters.h"
#include "datapath/loader.h"
#include "datapath/pinning.h"

static const char *pin_dir(const struct daemon *d)
{
	return d->loader.pin_dir[0] ? d->loader.pin_dir : NULL;
}

/* A pinned link of an interface no longer configured: detach it. */
static int drop_unconfigured_link(const char *ifname, void *arg)
{
	struct daemon *d = arg;

	for (int c = 0; c < d->cfg.nr_ifaces; c++)
		if (!strcmp(d->cfg.ifaces[c], ifname))
			return 0;
	log_info("%s: no longer configured, detaching", ifname);
	pin_link_remove(pin_dir(d), ifname);
	return 0;
}

int daemon_sync_interfaces(struct daemon *d)
{
	int failed = 0, out = 0;

	/* detach what left the config */
	for (int i = 0; i < d->nr_ifaces; i++) {
		int keep = 0;

		for (int c = 0; c < d->cfg.nr_ifaces; c++)
			keep |= !strcmp(d->ifaces[i].name, d->cfg.ifaces[c]);
		if (keep) {
			d->ifaces[out++] = d->ifaces[i];
			continue;
		}
		if (d->ifaces[i].link_fd >= 0)
			log_info("%s: no longer configured, detaching",
				 d->ifaces[i].name);
		iface_detach(&d->ifaces[i], pin_dir(d));
		loader_iface_unregister(&d->loader, d->ifaces[i].ifindex);
	}
	d->nr_ifaces = out;
	if (pin_dir(d))
		pin_for_each_link(pin_dir(d), drop_unconfigured_link, d);

	for (int c = 0; c < d->cfg.nr_ifaces; c++) {
		struct iface_state *ifs = NULL;
		int ifindex = if_nametoindex(d->cfg.ifaces[c]), err;

		for (int i = 0; i < d->nr_ifaces; i++)
			if (!strcmp(d->ifaces[i].name, d->cfg.ifaces[c]))
				ifs = &d->ifaces[i];
		if (!ifs) {
			ifs = &d->ifaces[d->nr_ifaces++];
			memset(ifs, 0, sizeof(*ifs));
			ifs->link_fd = -1;
			snprintf(ifs->name, sizeof(ifs->name), "%s",
				 d->cfg.ifaces[c]);
		}
		if (ifs->link_fd >= 0 && ifindex == ifs->ifindex)
			continue;
		if (ifs->link_fd >= 0) {
			/* deleted (and perhaps re-created): the link is dead */
			log_warn("%s: interface went away, XDP detached%s",
				 ifs->name,
				 ifindex ? "; it is back, attaching again"
					 : "");
			iface_detach(ifs, pin_dir(d));
		}
		if (ifindex > 0) {
			/* before it is attached: nothing counts meanwhile */
			loader_iface_register(&d->loader, ifindex);
			daemon_carry_iface_counters(d, ifs->name, ifindex);
		}
		err = iface_attach(ifs, loader_prog_fd(&d->loader),
				   d->cfg.xdp_mode, pin_dir(d));
		if (err == -ENODEV) {
			if (!ifs->missing_logged)
				log_warn("%s", ifs->error);
			ifs->missing_logged = 1;
			continue;
		}
		ifs->missing_logged = 0;
		if (err < 0) {
			log_err("%s", ifs->error);
			failed++;
			continue;
		}
		loader_iface_register(&d->loader, ifs->ifindex);
		log_info("%s: %s in %s mode", ifs->name,
			 ifs->adopted ? "adopted the running XDP link"
				      : "attached",
			 xdp_mode_name(ifs->mode));
	}
	return failed;
}

void daemon_detach_all(struct daemon *d)
{
	for (int i = 0; i < d->nr_ifaces; i++) {
		if (d->keep_attached && pin_dir(d)) {
			iface_release(&d->ifaces[i]);
			continue;
		}
		if (d->ifaces[i].link_fd >= 0)
			log_info("%s: detaching", d->ifaces[i].name);
		iface_detach(&d->ifaces[i], pin_dir(d));
	}
}
