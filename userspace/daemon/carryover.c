// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Counters across a plain stop. A daemon that stops with --keep-attached
 * or dies leaves its maps pinned, and the next one continues them. A plain
 * stop unpins everything, so what Prometheus sees would start from zero:
 * instead the totals it exports (per list, per interface and verdict, the
 * reload counters) are written to state_dir/counters at the stop, and the
 * next daemon that starts with fresh maps adds them back, by name, before
 * anything counts. Per-rule counters are not carried: they are not
 * metrics, and a rule set can be millions of rules.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "common/log.h"
#include "common/safefile.h"
#include "config/config.h"
#include "daemon/carryover.h"
#include "daemon/daemon.h"
#include "datapath/counters.h"
#include "datapath/pinning.h"
#include "lists/liststate.h"

#define CARRYOVER_FILE "counters"

static void carry_path(const struct daemon *d, char *buf, size_t len)
{
	/* state_dir is at most PATH_MAX - 64 (config.c) */
	snprintf(buf, len, "%.*s/%s", PATH_MAX - 64, d->cfg.state_dir,
		 CARRYOVER_FILE);
}

_Static_assert(RELOAD_REASON_MAX <=
		       sizeof(((struct xdpb_daemon_counters *)0)
				      ->reload_failures_by_reason) /
			       sizeof(__u64),
	       "every reason has a pinned counter slot");

void daemon_pin_counters(struct daemon *d)
{
	struct xdpb_daemon_counters c = {
		.reloads_total = d->reloads_total,
		.reload_failures_total = d->reload_failures_total,
	};
	uint32_t zero = 0;

	for (int i = 0; i < RELOAD_REASON_MAX; i++)
		c.reload_failures_by_reason[i] =
			d->reload_failures_by_reason[i];
	if (d->counters_fd >= 0 &&
	    bpf_map_update_elem(d->counters_fd, &zero, &c, BPF_ANY))
		log_warn("cannot save the reload counters: %s",
			 strerror(errno));
}

void daemon_save_counters_file(struct daemon *d)
{
	char path[PATH_MAX], err[PATH_MAX + 300], *text = NULL;
	struct xdpb_counter c;
	size_t len = 0;
	FILE *f;

	if (!d->generation)
		return;
	carry_path(d, path, sizeof(path));
	/* in memory first: the file itself is written by safe_write_atomic() */
	f = open_memstream(&text, &len);
	if (state_dir_make(d->cfg.state_dir) < 0 || !f) {
		log_warn(
			"cannot write %s (%s): counters start from zero at the next start",
			path, strerror(errno));
		if (f)
			fclose(f);
		free(text);
		return;
	}
	fprintf(f, "# xdpblockd: counters carried over a plain stop\n");
	fprintf(f, "daemon %" PRIu64 " %" PRIu64 "\n", d->reloads_total,
		d->reload_failures_total);
	for (int r = RELOAD_OK + 1; r < RELOAD_REASON_MAX; r++)
		if (d->reload_failures_by_reason[r])
			fprintf(f, "reason %s %" PRIu64 "\n",
				reload_reason_name(r),
				d->reload_failures_by_reason[r]);
	for (int i = 0; i < d->nr_lists; i++)
		if (loader_read_list(&d->loader, d->lists[i].list_id, &c) == 0)
			fprintf(f, "list %s %llu %llu\n", d->lists[i].cfg.name,
				(unsigned long long)c.packets,
				(unsigned long long)c.bytes);
	for (int i = 0; i < d->nr_ifaces; i++) {
		struct xdpb_iface_stats st;

		if (d->ifaces[i].ifindex <= 0 ||
		    loader_read_iface(&d->loader, d->ifaces[i].ifindex, &st) <
			    0)
			continue;
		for (int s = 0; s < XDPB_STAT_MAX; s++)
			if (st.stat[s].packets || st.stat[s].bytes)
				fprintf(f, "iface %s %s %llu %llu\n",
					d->ifaces[i].name, stat_name(s),
					(unsigned long long)st.stat[s].packets,
					(unsigned long long)st.stat[s].bytes);
	}
	if (fclose(f) != 0) {
		log_warn(
			"cannot write %s (%s): counters start from zero at the next start",
			path, strerror(errno));
	} else if (safe_write_atomic(d->cfg.state_dir, CARRYOVER_FILE, text,
				     len, "state_dir", err, sizeof(err)) < 0) {
		log_warn("%s: counters start from zero at the next start", err);
	}
	free(text);
}

static int stat_by_name(const char *name)
{
	for (int s = 0; s < XDPB_STAT_MAX; s++)
		if (!strcmp(stat_name(s), name))
			return s;
	return -1;
}

static int reason_by_name(const char *name)
{
	for (int r = RELOAD_OK + 1; r < RELOAD_REASON_MAX; r++)
		if (!strcmp(reload_reason_name(r), name))
			return r;
	return -1;
}

/* Interfaces' carried counters wait here until the interface is seen. */
struct carried_iface {
	char name[IF_NAMESIZE];
	struct xdpb_iface_stats stats;
};

static struct carried_iface *carried_ifaces;
static int nr_carried_ifaces;

void daemon_load_counters_file(struct daemon *d)
{
	char path[PATH_MAX], line[512], a[128], b[128], err[PATH_MAX + 300];
	unsigned long long p, q;
	int lists = 0, fd;
	FILE *f;

	carry_path(d, path, sizeof(path));
	fd = open_read_nofollow(path);
	if (fd < 0)
		return;
	if (dir_check_private(d->cfg.state_dir, "state_dir", err, sizeof(err)) <
	    0) {
		log_warn(
			"%s: the counters of the previous run are not carried over",
			err);
		close(fd);
		return;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "daemon %llu %llu", &p, &q) == 2) {
			d->reloads_total += p;
			d->reload_failures_total += q;
		} else if (sscanf(line, "reason %127s %llu", a, &p) == 2 &&
			   reason_by_name(a) > 0) {
			d->reload_failures_by_reason[reason_by_name(a)] += p;
		} else if (sscanf(line, "list %127s %llu %llu", a, &p, &q) ==
			   3) {
			for (int i = 0; i < d->nr_lists; i++) {
				struct xdpb_counter c = {p, q};

				if (strcmp(d->lists[i].cfg.name, a))
					continue;
				if (loader_add_list(&d->loader,
						    d->lists[i].list_id,
						    &c) == 0)
					lists++;
			}
		} else if (sscanf(line, "iface %15s %127s %llu %llu", a, b, &p,
				  &q) == 4 &&
			   stat_by_name(b) >= 0) {
			struct carried_iface *ci = NULL;

			for (int i = 0; i < nr_carried_ifaces; i++)
				if (!strcmp(carried_ifaces[i].name, a))
					ci = &carried_ifaces[i];
			if (!ci) {
				struct carried_iface *n = realloc(
					carried_ifaces,
					(nr_carried_ifaces + 1) * sizeof(*n));

				if (!n)
					continue;
				carried_ifaces = n;
				ci = &n[nr_carried_ifaces++];
				memset(ci, 0, sizeof(*ci));
				snprintf(ci->name, sizeof(ci->name), "%.15s",
					 a);
			}
			ci->stats.stat[stat_by_name(b)].packets += p;
			ci->stats.stat[stat_by_name(b)].bytes += q;
		}
	}
	fclose(f);
	/* used once: a later fresh start must not add the same counts again */
	unlink(path);
	daemon_pin_counters(d);
	log_info(
		"counters of the previous run carried over: %d list(s), %d interface(s)",
		lists, nr_carried_ifaces);
}

void daemon_carry_iface_counters(struct daemon *d, const char *name,
				 int ifindex)
{
	for (int i = 0; i < nr_carried_ifaces; i++) {
		if (strcmp(carried_ifaces[i].name, name))
			continue;
		loader_add_iface(&d->loader, ifindex, &carried_ifaces[i].stats);
		/* once: a re-created interface does not get them again */
		carried_ifaces[i] = carried_ifaces[--nr_carried_ifaces];
		return;
	}
}
