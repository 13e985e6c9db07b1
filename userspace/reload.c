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

#include "daemon.h"
#include "listload.h"
#include "liststate.h"
#include "log.h"

/* Rule ids released by the previous reload, zeroed and freed at the next. */
static uint32_t *pending_ids;
static size_t nr_pending_ids;

const char *daemon_list_name(const struct daemon *d, uint16_t list_id)
{
	return list_id < XDPB_MAX_LISTS ? d->list_names[list_id] : "";
}

/*
 * The list id of @name: the one it had before, or one free in both the new
 * and the running set. An id whose list was just removed is reused only a
 * reload later, after its counters were zeroed and nothing counts on it
 * (reusing it at once would also hand the old list's rule ids, keyed by
 * list id and prefix, to the new list).
 */
static int list_id_for(char (*names)[LIST_NAME_MAX],
		       char (*running)[LIST_NAME_MAX], const char *name)
{
	int free_id = -1;

	for (int id = 1; id < XDPB_MAX_LISTS; id++) {
		if (!strcmp(names[id], name))
			return id;
		if (free_id < 0 && !names[id][0] && !running[id][0])
			free_id = id;
	}
	if (free_id > 0)
		snprintf(names[free_id], LIST_NAME_MAX, "%s", name);
	return free_id;
}

static int load_lists(const struct daemon_config *cfg,
		      char (*names)[LIST_NAME_MAX],
		      char (*running)[LIST_NAME_MAX], struct ruleset *next,
		      struct list_state *states, struct list_versions *versions,
		      struct reload_result *res)
{
	char *err = res->error;
	size_t errlen = sizeof(res->error);

	for (int i = 0; i < cfg->nr_lists; i++) {
		const struct list_config *lc = &cfg->lists[i];
		struct list_state *st = &states[i];
		struct loaded_list loaded;
		int id = list_id_for(names, running, lc->name), ret;

		memset(st, 0, sizeof(*st));
		st->cfg = *lc;
		if (id <= 0) {
			snprintf(
				err, errlen,
				"too many lists: at most %d, counting lists removed by this reload (reload once without them, then with the new ones)",
				XDPB_MAX_LISTS - 1);
			res->reason = RELOAD_ERR_CONFIG;
			return -ENOSPC;
		}
		st->list_id = id;
		ret = list_load(lc, cfg->max_list_bytes,
				list_versions_get(versions, lc->name), &loaded);
		if (ret < 0) {
			/* a malformed line can be fixed, or skipped by choice */
			snprintf(
				err, errlen, "list %s: %s%s", lc->name,
				loaded.error,
				loaded.reason == RELOAD_ERR_PARSE &&
						loaded.parsed.bad_line &&
						lc->on_error ==
							LIST_ON_ERROR_REJECT
					? " (fix the line, or set on_error = skip-line in its [list:] section)"
					: "");
			res->reason = loaded.reason;
			loaded_list_free(&loaded);
			return ret;
		}
		if (loaded.parsed.nr_skipped)
			log_warn(
				"list %s: skipped %zu malformed line(s), first: %s",
				lc->name, loaded.parsed.nr_skipped,
				loaded.parsed.error);
		if (loaded.verified)
			log_debug(
				"list %s: signature by key %s verified, version %llu",
				lc->name, loaded.key_id,
				(unsigned long long)loaded.version);
		log_debug(
			"list %s: %zu bytes (%zu as stored): read %.1f ms, verify %.1f ms, inflate %.1f ms, parse %.1f ms",
			lc->name, loaded.list_bytes, loaded.stored_bytes,
			loaded.read_ns / 1e6, loaded.verify_ns / 1e6,
			loaded.inflate_ns / 1e6, loaded.parse_ns / 1e6);
		st->nr_skipped = loaded.parsed.nr_skipped;
		st->format = loaded.parsed.format;
		st->compressed = loaded.compressed;
		st->verified = loaded.verified;
		st->version = loaded.version;
		memcpy(st->key_id, loaded.key_id, sizeof(st->key_id));
		/* recorded on disk only once the whole reload has succeeded */
		if ((loaded.version &&
		     list_versions_raise(versions, lc->name, loaded.version) <
			     0) ||
		    ruleset_reserve(next, loaded.parsed.nr_v4,
				    loaded.parsed.nr_v6) < 0)
			goto nomem;
		for (size_t e = 0; e < loaded.parsed.nr; e++) {
			if (ruleset_add(next, &loaded.parsed.entries[e].prefix,
					id, lc->action, lc->match,
					loaded.parsed.entries[e].line) < 0)
				goto nomem;
		}
		loaded_list_free(&loaded);
		continue;
	nomem:
		loaded_list_free(&loaded);
		snprintf(err, errlen, "out of memory reading %s", lc->path);
		res->reason = RELOAD_ERR_MEMORY;
		return -ENOMEM;
	}
	return 0;
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
	return 0;
}

/* Settings that only take effect at start-up keep their running values. */
static void keep_startup_settings(const struct daemon *d,
				  struct daemon_config *cfg)
{
	if (!d->generation)
		return;
	if (cfg->max_rules_v4 != d->cfg.max_rules_v4 ||
	    cfg->max_rules_v6 != d->cfg.max_rules_v6)
		log_warn(
			"max_rules_ipv4/ipv6 changed: restart xdpblockd to apply");
	if (strcmp(cfg->control_socket, d->cfg.control_socket))
		log_warn("control_socket changed: restart xdpblockd to apply");
	cfg->max_rules_v4 = d->cfg.max_rules_v4;
	cfg->max_rules_v6 = d->cfg.max_rules_v6;
	memcpy(cfg->control_socket, d->cfg.control_socket,
	       sizeof(cfg->control_socket));
}

/*
 * Rule ids released by the previous reload have not been referenced by any
 * generation since that reload's switch, so no packet can still count on
 * them: zero their counters and let this reload hand them out again.
 */
static void release_pending_ids(struct daemon *d)
{
	if (loader_zero_rules(&d->loader, pending_ids, nr_pending_ids) == 0)
		rule_ids_release(&d->rule_ids, pending_ids, nr_pending_ids);
	else
		log_warn(
			"cannot reset counters of %zu removed rules; their ids stay unused",
			nr_pending_ids);
	free(pending_ids);
	pending_ids = NULL;
	nr_pending_ids = 0;
}

/* After a successful switch: what the old set alone used is retired. */
static void retire_old(struct daemon *d, uint32_t *released, size_t nr_released,
		       char (*new_names)[LIST_NAME_MAX])
{
	pending_ids = released;
	nr_pending_ids = nr_released;

	/* A removed list's counters start over; its id is reused a reload later. */
	for (int id = 1; id < XDPB_MAX_LISTS; id++)
		if (d->list_names[id][0] &&
		    strcmp(new_names[id], d->list_names[id]))
			loader_zero_list(&d->loader, id);
}

int daemon_reload(struct daemon *d)
{
	struct daemon_config *cfg = calloc(1, sizeof(*cfg));
	struct list_state *states = calloc(XDPB_MAX_LISTS, sizeof(*states));
	char(*names)[LIST_NAME_MAX] = calloc(XDPB_MAX_LISTS, LIST_NAME_MAX);
	struct reload_result *res = &d->last_reload;
	struct ruleset next = {0};
	struct list_versions versions = {0};
	uint32_t *released = NULL;
	size_t nr_released = 0;
	uint64_t t0 = monotonic_ns(), t_parsed;
	int err;

	d->reloads_total++;
	memset(res, 0, sizeof(*res));
	res->when = time(NULL);
	if (!cfg || !states || !names) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		err = -ENOMEM;
		goto fail;
	}
	err = config_load(d->config_path, cfg, res->error, sizeof(res->error));
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
	err = load_lists(cfg, names, d->list_names, &next, states, &versions,
			 res);
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
		res->reason = RELOAD_ERR_ACTIVATION;
		goto fail;
	}
	err = loader_activate(&d->loader, &next, &res->report);
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
		d->lists[i] = states[i];
	}
	d->cfg = *cfg;
	d->generation++;
	if (!d->verbose)
		log_set_level(cfg->log_level);
	res->ok = 1;
	res->duration_ns = monotonic_ns() - t0;
	log_info(
		"rules active: generation %llu, %zu IPv4 and %zu IPv6 rules from %d list(s) in %.1f ms",
		(unsigned long long)d->generation, next.v4.nr, next.v6.nr,
		cfg->nr_lists, res->duration_ns / 1e6);
	log_debug(
		"reload timing: read+sort %.1f ms, resolve %.1f ms, build maps %.1f ms, switch %.3f ms",
		(t_parsed - t0) / 1e6, res->report.plan_ns / 1e6,
		res->report.build_ns / 1e6, res->report.switch_ns / 1e6);
	free(cfg);
	free(states);
	free(names);
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
	ruleset_free(&next);
	free(cfg);
	free(states);
	free(names);
	return err ? err : -EINVAL;
}

/*
 * Attach to configured interfaces not attached yet, detach from those no
 * longer configured. Returns the number of configured interfaces that
 * could not be attached (each says why in its error).
 */
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
		iface_detach(&d->ifaces[i]);
		loader_iface_unregister(&d->loader, d->ifaces[i].ifindex);
	}
	d->nr_ifaces = out;

	for (int c = 0; c < d->cfg.nr_ifaces; c++) {
		struct iface_state *ifs = NULL;

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
		if (ifs->link_fd >= 0)
			continue;
		if (iface_attach(ifs, loader_prog_fd(&d->loader),
				 d->cfg.xdp_mode) < 0) {
			log_err("%s", ifs->error);
			failed++;
			continue;
		}
		loader_iface_register(&d->loader, ifs->ifindex);
		log_info("%s: attached in %s mode", ifs->name,
			 xdp_mode_name(ifs->mode));
	}
	return failed;
}

void daemon_detach_all(struct daemon *d)
{
	for (int i = 0; i < d->nr_ifaces; i++) {
		if (d->ifaces[i].link_fd >= 0)
			log_info("%s: detaching", d->ifaces[i].name);
		iface_detach(&d->ifaces[i]);
	}
}
