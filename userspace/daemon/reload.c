// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reloads: config + lists -> rule set -> new generation -> switch.
 * Everything is read and validated before the datapath changes; a failure
 * at any step leaves the running rules and configuration as they were.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <systemd/sd-daemon.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/safefile.h"
#include "daemon/carryover.h"
#include "daemon/daemon.h"
#include "daemon/interfaces.h"
#include "daemon/protected.h"
#include "daemon/reload.h"
#include "daemon/reloadlists.h"
#include "datapath/counters.h"
#include "datapath/generation.h"
#include "datapath/pinning.h"
#include "lists/lastgood.h"
#include "lists/listload.h"
#include "lists/liststate.h"
#include "rules/ruleids.h"

/* Rule ids earlier reloads stopped using, zeroed and freed at a later one. */
static uint32_t *pending_ids;
static size_t nr_pending_ids;

const char *daemon_list_name(const struct daemon *d, uint16_t list_id)
{
	return list_id < XDPB_MAX_LISTS ? d->list_names[list_id] : "";
}

/* Signed lists need the anti-rollback state; unsigned ones never touch it. */
static int any_signed(const struct daemon_config *cfg)
{
	for (int i = 0; i < cfg->nr_lists; i++)
		if (cfg->lists[i].signature != LIST_SIGNATURE_NONE)
			return 1;
	return 0;
}

static int check_capacity(const struct daemon *d, const struct ruleset *next,
			  char *err, size_t errlen)
{
	if (next->v4.nr > d->cfg.max_rules_v4) {
		snprintf(
			err, errlen,
			"%zu IPv4 rules exceed max_rules_ipv4 = %u: raise it in [daemon] and restart xdpblockd",
			next->v4.nr, d->cfg.max_rules_v4);
		return -ENOSPC;
	}
	if (next->v6.nr > d->cfg.max_rules_v6) {
		snprintf(
			err, errlen,
			"%zu IPv6 rules exceed max_rules_ipv6 = %u: raise it in [daemon] and restart xdpblockd",
			next->v6.nr, d->cfg.max_rules_v6);
		return -ENOSPC;
	}
	if (next->names.nr > d->cfg.max_rules_domain) {
		snprintf(
			err, errlen,
			"%zu domain rules exceed max_rules_domain = %u: raise it in [daemon] and restart xdpblockd",
			next->names.nr, d->cfg.max_rules_domain);
		return -ENOSPC;
	}
	return 0;
}

/* Settings that only take effect at start-up keep their running values. */
static void keep_startup_settings(const struct daemon *d,
				  struct daemon_config *cfg)
{
	if (!d->generation)
		return;
	if (cfg->max_rules_v4 != d->cfg.max_rules_v4 ||
	    cfg->max_rules_v6 != d->cfg.max_rules_v6 ||
	    cfg->max_rules_domain != d->cfg.max_rules_domain)
		log_warn(
			"max_rules_ipv4/ipv6/domain changed: restart xdpblockd to apply");
	if (cfg->flow_cache_entries != d->cfg.flow_cache_entries)
		log_warn(
			"flow_cache_entries changed: restart xdpblockd to apply");
	cfg->flow_cache_entries = d->cfg.flow_cache_entries;
	if (strcmp(cfg->control_socket, d->cfg.control_socket))
		log_warn("control_socket changed: restart xdpblockd to apply");
	if (strcmp(cfg->pin_path, d->cfg.pin_path))
		log_warn("pin_path changed: restart xdpblockd to apply");
	memcpy(cfg->pin_path, d->cfg.pin_path, sizeof(cfg->pin_path));
	if (memcmp(&cfg->metrics_addr, &d->cfg.metrics_addr,
		   sizeof(cfg->metrics_addr)))
		log_warn("metrics_listen changed: restart xdpblockd to apply");
	cfg->metrics_addr = d->cfg.metrics_addr;
	if (strcmp(cfg->control_group, d->cfg.control_group))
		log_warn("control_group changed: restart xdpblockd to apply");
	cfg->max_rules_v4 = d->cfg.max_rules_v4;
	cfg->max_rules_v6 = d->cfg.max_rules_v6;
	cfg->max_rules_domain = d->cfg.max_rules_domain;
	memcpy(cfg->control_socket, d->cfg.control_socket,
	       sizeof(cfg->control_socket));
	memcpy(cfg->control_group, d->cfg.control_group,
	       sizeof(cfg->control_group));
	cfg->control_gid = d->cfg.control_gid;
}

/*
 * Rule ids released by an earlier reload have not been in the active
 * generation since its switch, and loader_activate() waited for a grace
 * period after it, so no packet can still log a hit of theirs. A
 * CPU's hit log may still hold hits of theirs, though, to be added to
 * their counters at its next fold (when the log is full, or by its timer):
 * those ids wait for a later reload. The others are zeroed and handed out
 * again.
 */
static void release_pending_ids(struct daemon *d)
{
	size_t held, nr;

	if (!nr_pending_ids)
		return;
	held = loader_ids_in_hit_logs(&d->loader, pending_ids, nr_pending_ids);
	nr = nr_pending_ids - held;
	if (held)
		log_info(
			"%zu ids of removed rules are reused at a later reload (a CPU has not counted their last hits yet)",
			held);
	if (loader_zero_rules(&d->loader, pending_ids + held, nr) == 0)
		rule_ids_release(&d->rule_ids, pending_ids + held, nr);
	else
		log_warn(
			"cannot reset counters of %zu removed rules; their ids stay unused",
			nr);
	nr_pending_ids = held;
	if (!held) {
		free(pending_ids);
		pending_ids = NULL;
	}
}

/* Ids the running generation no longer uses (@ids, taken over) join them. */
static void add_pending_ids(uint32_t *ids, size_t nr)
{
	uint32_t *all;

	if (!nr) {
		free(ids);
		return;
	}
	all = realloc(pending_ids, (nr_pending_ids + nr) * sizeof(*all));
	if (!all) {
		/* never reused: safe, and a restart gets them back */
		log_warn("out of memory: %zu ids of removed rules stay unused",
			 nr);
		free(ids);
		return;
	}
	memcpy(all + nr_pending_ids, ids, nr * sizeof(*all));
	free(ids);
	pending_ids = all;
	nr_pending_ids += nr;
}

/* After a successful switch: what the old set alone used is retired. */
static void retire_old(struct daemon *d, uint32_t *released, size_t nr_released,
		       char (*new_names)[LIST_NAME_MAX])
{
	add_pending_ids(released, nr_released);

	/* A removed list's counters start over; its id is reused a reload later. */
	for (int id = 1; id < XDPB_MAX_LISTS; id++)
		if (d->list_names[id][0] &&
		    strcmp(new_names[id], d->list_names[id]))
			loader_zero_list(&d->loader, id);
}

/* What a daemon adopting this generation needs to know of its lists. */
static void pinned_gen_fill(struct xdpb_pinned_gen *gen, uint64_t generation,
			    char (*names)[LIST_NAME_MAX],
			    const struct daemon_config *cfg,
			    const struct list_state *states)
{
	memset(gen, 0, sizeof(*gen));
	gen->magic = XDPB_PIN_MAGIC;
	gen->layout_version = XDPB_PIN_LAYOUT_VERSION;
	gen->generation = generation;
	for (int id = 1; id < XDPB_MAX_LISTS; id++) {
		if (!names[id][0])
			continue;
		memcpy(gen->lists[id].name, names[id], LIST_NAME_MAX);
		for (int i = 0; i < cfg->nr_lists; i++)
			if (!strcmp(cfg->lists[i].name, names[id])) {
				gen->lists[id].action = cfg->lists[i].action;
				gen->lists[id].match = cfg->lists[i].match;
				gen->lists[id].protocols =
					cfg->lists[i].protocols;
				gen->lists[id].dns_action =
					cfg->lists[i].dns_action;
				gen->lists[id].format = states[i].format;
				gen->lists[id].is_domain = states[i].type ==
							   LIST_TYPE_DOMAIN;
			}
	}
}

int daemon_adopt(struct daemon *d)
{
	struct xdpb_pinned_gen *gen = calloc(1, sizeof(*gen));
	struct xdpb_daemon_counters c;
	struct ruleset rs;
	uint32_t *unused = NULL, zero = 0;
	size_t nr_unused = 0;
	int err;

	if (!gen)
		return -ENOMEM;
	err = loader_adopted_rules(&d->loader, gen, &rs);
	if (err) {
		log_err("cannot read the running rules pinned in %s (%s): run 'xdpblockctl cleanup' and start again",
			d->loader.pin_dir, strerror(-err));
		free(gen);
		return err;
	}
	err = rule_ids_adopt(&d->rule_ids, &rs, &unused, &nr_unused);
	if (err) {
		log_err("the rule ids pinned in %s are inconsistent: run 'xdpblockctl cleanup' and start again",
			d->loader.pin_dir);
		ruleset_free(&rs);
		free(gen);
		return err;
	}
	/*
	 * Ids nothing holds may carry counts of rules removed before the
	 * restart, in rule_stats or still logged: zeroed and reused when
	 * released like those of a reload. The previous daemon may have died
	 * between its switch and its wait for the packets on the generation
	 * before, so wait here.
	 */
	loader_wait_for_packets(&d->loader);
	add_pending_ids(unused, nr_unused);

	ruleset_free(&d->active);
	d->active = rs;
	d->generation = gen->generation;
	for (int id = 1; id < XDPB_MAX_LISTS; id++)
		memcpy(d->list_names[id], gen->lists[id].name, LIST_NAME_MAX);
	d->nr_lists = 0;
	for (int i = 0; i < d->cfg.nr_lists; i++) {
		for (int id = 1; id < XDPB_MAX_LISTS; id++) {
			struct list_state *st = &d->lists[d->nr_lists];

			if (strcmp(d->list_names[id], d->cfg.lists[i].name))
				continue;
			memset(st, 0, sizeof(*st));
			st->cfg = d->cfg.lists[i];
			st->list_id = id;
			st->nr_v4 = ruleset_count_list(&rs, id, AF_INET);
			st->nr_v6 = ruleset_count_list(&rs, id, AF_INET6);
			st->nr_names = ruleset_count_names(&rs, id);
			st->type = gen->lists[id].is_domain ? LIST_TYPE_DOMAIN
							    : LIST_TYPE_IP;
			if (gen->lists[id].format < LIST_FORMAT_MAX)
				st->format = gen->lists[id].format;
			d->nr_lists++;
		}
	}
	if (d->counters_fd >= 0 &&
	    bpf_map_lookup_elem(d->counters_fd, &zero, &c) == 0) {
		d->reloads_total = c.reloads_total;
		d->reload_failures_total = c.reload_failures_total;
		for (int i = 0; i < RELOAD_REASON_MAX; i++)
			d->reload_failures_by_reason[i] =
				c.reload_failures_by_reason[i];
	}
	log_info(
		"adopted the running datapath from %s: generation %llu, %zu IPv4, %zu IPv6 and %zu domain rules; counters continue",
		d->loader.pin_dir, (unsigned long long)d->generation, rs.v4.nr,
		rs.v6.nr, rs.names.nr);
	free(gen);
	return 0;
}

/*
 * The reload transaction. @stale NULL: read the configuration and every
 * list. Otherwise the running configuration stays and only the lists i of
 * d->cfg with stale[i] are read again.
 */
static int reload(struct daemon *d, const uint8_t *stale)
{
	struct daemon_config *cfg = calloc(1, sizeof(*cfg));
	struct list_state *states = calloc(XDPB_MAX_LISTS, sizeof(*states));
	char(*names)[LIST_NAME_MAX] = calloc(XDPB_MAX_LISTS, LIST_NAME_MAX);
	struct xdpb_pinned_gen *gen = calloc(1, sizeof(*gen));
	struct lastgood_batch *copies = calloc(1, sizeof(*copies));
	struct reload_result *res = &d->last_reload;
	struct ruleset next = {0};
	struct list_versions versions = {0};
	uint32_t *released = NULL;
	size_t nr_released = 0;
	uint64_t t0 = monotonic_ns(), t_parsed;
	int err = 0;

	d->reloads_total++;
	memset(res, 0, sizeof(*res));
	res->when = time(NULL);
	if (!cfg || !states || !names || !gen || !copies) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		res->reason = RELOAD_ERR_MEMORY;
		err = -ENOMEM;
		goto fail;
	}
	if (stale)
		*cfg = d->cfg;
	else
		err = config_load(d->config_path, cfg, res->error,
				  sizeof(res->error));
	if (err) {
		res->reason = RELOAD_ERR_CONFIG;
		goto fail;
	}
	keep_startup_settings(d, cfg);
	if (!d->generation)
		d->cfg = *cfg; /* capacity checks use the start-up values */

	/* Names of lists no longer configured give their ids back. */
	for (int id = 1; id < XDPB_MAX_LISTS; id++)
		for (int i = 0; i < cfg->nr_lists; i++)
			if (!strcmp(d->list_names[id], cfg->lists[i].name))
				memcpy(names[id], d->list_names[id],
				       LIST_NAME_MAX);

	if (any_signed(cfg)) {
		err = list_versions_load(cfg->state_dir, &versions, res->error,
					 sizeof(res->error));
		if (err) {
			res->reason = RELOAD_ERR_STATE;
			goto fail;
		}
	}
	err = reload_load_lists(d, cfg, stale, names, d->list_names, &next,
				states, &versions, copies, res);
	if (err)
		goto fail;
	ruleset_finish(&next);
	t_parsed = monotonic_ns();
	err = check_capacity(d, &next, res->error, sizeof(res->error));
	if (err) {
		res->reason = RELOAD_ERR_CAPACITY;
		goto fail;
	}
	/* a state that cannot be recorded fails now, while nothing changed */
	if (versions.changed) {
		err = list_versions_prepare(cfg->state_dir, &versions,
					    res->error, sizeof(res->error));
		if (err) {
			res->reason = RELOAD_ERR_STATE;
			goto fail;
		}
	}
	release_pending_ids(d);
	err = rule_ids_assign(&d->rule_ids, &d->active, &next, &released,
			      &nr_released);
	if (err) {
		snprintf(
			res->error, sizeof(res->error),
			err == -ENOSPC
				? "no free rule ids (%s): restart xdpblockd to compact them"
				: "cannot assign rule ids: %s",
			strerror(-err));
		res->reason = err == -ENOSPC ? RELOAD_ERR_CAPACITY
					     : RELOAD_ERR_MEMORY;
		goto fail;
	}
	pinned_gen_fill(gen, d->generation + 1, names, cfg, states);
	/* a sinkhole list's addresses are in place before its rules are */
	for (int i = 0; i < cfg->nr_lists; i++) {
		const struct list_config *lc = &cfg->lists[i];
		struct xdpb_sinkhole none = {0};

		err = loader_set_sinkhole(&d->loader, states[i].list_id,
					  list_view_action(lc, lc->action, 0) ==
							  XDPB_ACT_SINKHOLE
						  ? &lc->sinkhole
						  : &none);
		if (err) {
			rule_ids_rollback(&d->rule_ids);
			free(released);
			snprintf(
				res->error, sizeof(res->error),
				"cannot set the sinkhole address of list %s: %s",
				lc->name, strerror(-err));
			res->reason = RELOAD_ERR_ACTIVATION;
			goto fail;
		}
	}
	/* the ports go into the new generation: they switch with the rules */
	loader_set_web_ports(&d->loader, cfg->http_ports, cfg->nr_http_ports,
			     cfg->tls_ports, cfg->nr_tls_ports);
	err = loader_activate(&d->loader, &next, gen, &res->report);
	if (err) {
		rule_ids_rollback(&d->rule_ids);
		free(released);
		snprintf(res->error, sizeof(res->error),
			 "cannot activate the new rules: %s", strerror(-err));
		res->reason = RELOAD_ERR_ACTIVATION;
		goto fail;
	}
	if (list_versions_commit(cfg->state_dir, &versions, res->error,
				 sizeof(res->error)) < 0)
		log_err("the new rules are active, but their versions were not recorded, so an older list could be accepted after a restart: %s",
			res->error);
	if (lastgood_commit(copies, cfg->state_dir, res->error,
			    sizeof(res->error)) < 0)
		log_warn(
			"the new rules are active, but their last good copies were not saved: %s",
			res->error);
	if (!stale)
		lastgood_prune(cfg->state_dir, cfg);
	res->error[0] = '\0';
	list_versions_free(&versions);

	/* Committed: the datapath runs the new generation. */
	retire_old(d, released, nr_released, names);
	memcpy(d->list_names, names, XDPB_MAX_LISTS * LIST_NAME_MAX);
	ruleset_free(&d->active);
	d->active = next;
	d->nr_lists = cfg->nr_lists;
	for (int i = 0; i < cfg->nr_lists; i++) {
		states[i].nr_v4 =
			ruleset_count_list(&next, states[i].list_id, AF_INET);
		states[i].nr_v6 =
			ruleset_count_list(&next, states[i].list_id, AF_INET6);
		if (!stale || stale[i]) /* kept lists keep their time */
			states[i].loaded_at = time(NULL);
		states[i].nr_names =
			ruleset_count_names(&next, states[i].list_id);
		d->lists[i] = states[i];
	}
	d->cfg = *cfg;
	d->generation++;
	if (!d->verbose)
		log_set_level(cfg->log_level);
	res->ok = 1;
	res->duration_ns = monotonic_ns() - t0;
	log_info(
		"rules active: generation %llu, %zu IPv4, %zu IPv6 and %zu domain rules from %d list(s) in %.1f ms",
		(unsigned long long)d->generation, next.v4.nr, next.v6.nr,
		next.names.nr, cfg->nr_lists, res->duration_ns / 1e6);
	log_debug(
		"reload timing: read+sort %.1f ms, resolve %.1f ms, build maps %.1f ms, pin state %.1f ms, switch %.3f ms",
		(t_parsed - t0) / 1e6, res->report.plan_ns / 1e6,
		res->report.build_ns / 1e6, res->report.pin_ns / 1e6,
		res->report.switch_ns / 1e6);
	free(cfg);
	free(states);
	free(names);
	free(gen);
	free(copies);
	d->started_up = 1;
	daemon_pin_counters(d);
	return 0;
fail:
	if (res->reason == RELOAD_OK)
		res->reason = err == -ENOMEM ? RELOAD_ERR_MEMORY
					     : RELOAD_ERR_ACTIVATION;
	d->reload_failures_total++;
	d->reload_failures_by_reason[res->reason]++;
	res->duration_ns = monotonic_ns() - t0;
	if (d->generation)
		log_err("reload failed (%s), the previous rules stay active: %s",
			reload_reason_name(res->reason), res->error);
	else
		log_err("cannot start (%s): %s",
			reload_reason_name(res->reason), res->error);
	list_versions_free(&versions);
	if (copies)
		lastgood_discard(copies, cfg ? cfg->state_dir : "");
	ruleset_free(&next);
	free(cfg);
	free(states);
	free(names);
	free(gen);
	free(copies);
	d->started_up = 1;
	daemon_pin_counters(d);
	return err ? err : -EINVAL;
}

int daemon_reload(struct daemon *d)
{
	return reload(d, NULL);
}

int daemon_reload_lists(struct daemon *d, const uint8_t *stale)
{
	return reload(d, stale);
}

void daemon_status_line(const struct daemon *d, char *buf, size_t len)
{
	int attached = 0, degraded = 0, n;

	for (int i = 0; i < d->nr_ifaces; i++)
		attached += d->ifaces[i].link_fd >= 0;
	n = snprintf(
		buf, len,
		"generation %llu: %zu IPv4, %zu IPv6 and %zu domain rules from %d list(s), %d of %d interface(s) attached",
		(unsigned long long)d->generation, d->active.v4.nr,
		d->active.v6.nr, d->active.names.nr, d->nr_lists, attached,
		d->cfg.nr_ifaces);
	for (int i = 0; i < d->nr_lists && n > 0 && (size_t)n < len; i++) {
		const struct list_state *ls = &d->lists[i];

		if (list_is_degraded(ls))
			n += snprintf(buf + n, len - n, "%s%s (%s, %s)",
				      degraded++ ? ", " : "; degraded: ",
				      ls->cfg.name,
				      reload_reason_name(ls->degraded_reason),
				      list_fallback_name(ls->fallback));
	}
	if (!d->last_reload.ok && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, "; last reload failed: %s",
			 d->last_reload.error);
}

void daemon_notify(const struct daemon *d, const char *state)
{
	char status[800];

	daemon_status_line(d, status, sizeof(status));
	sd_notifyf(0, "%s\nSTATUS=%s", state, status);
}

int daemon_reload_and_sync(struct daemon *d, const uint8_t *stale)
{
	struct timespec now;
	int err;

	/* systemd holds `systemctl reload` until READY=1 follows */
	clock_gettime(CLOCK_MONOTONIC, &now);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
		   (unsigned long long)now.tv_sec * 1000000ull +
			   now.tv_nsec / 1000);
	err = reload(d, stale);
	if (!err)
		daemon_sync_interfaces(d);
	if (!err && !stale) /* the url lists may have changed */
		protected_resolve_sources(d);
	protected_update(d);
	daemon_notify(d, "READY=1");
	return err;
}
