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

/*
 * A list this reload does not re-read: its rules come from the running set
 * as they are, its state from the running list.
 */
static int keep_list(const struct daemon *d, uint16_t list_id,
		     struct ruleset *next, struct list_state *st)
{
	const struct rule_table *tables[] = {&d->active.v4, &d->active.v6};
	const struct name_table *nt = &d->active.names;

	for (int i = 0; i < d->nr_lists; i++)
		if (d->lists[i].list_id == list_id)
			*st = d->lists[i];
	for (int t = 0; t < 2; t++)
		for (size_t i = 0; i < tables[t]->nr; i++) {
			const struct rule *r = &tables[t]->rules[i];

			if (r->list_id == list_id &&
			    ruleset_add(next, &r->prefix, list_id, r->action,
					r->match, r->line) < 0)
				return -ENOMEM;
		}
	for (size_t i = 0; i < nt->nr; i++) {
		const struct name_rule *r = &nt->rules[i];

		if (r->list_id == list_id &&
		    ruleset_add_name_views(next, name_rule_text(nt, r), r->kind,
					   list_id, r->action, r->dns_action,
					   r->web_action, r->line) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The rules of a loaded address list into @next. */
static int add_prefixes(const struct list_config *lc, int id,
			const struct parsed_list *parsed, struct ruleset *next,
			struct list_state *st)
{
	if (parsed->nr_skipped)
		log_warn("list %s: skipped %zu malformed line(s), first: %s",
			 lc->name, parsed->nr_skipped, parsed->error);
	st->nr_skipped = parsed->nr_skipped;
	if (ruleset_reserve(next, parsed->nr_v4, parsed->nr_v6) < 0)
		return -ENOMEM;
	for (size_t e = 0; e < parsed->nr; e++)
		if (ruleset_add(next, &parsed->entries[e].prefix, id,
				lc->action, lc->match,
				parsed->entries[e].line) < 0)
			return -ENOMEM;
	return 0;
}

/* The rules of a loaded domain list into @next. */
static int add_names(const struct list_config *lc, int id,
		     const struct parsed_names *parsed, struct ruleset *next,
		     struct list_state *st)
{
	if (parsed->nr_skipped)
		log_warn("list %s: skipped %zu malformed line(s), first: %s",
			 lc->name, parsed->nr_skipped, parsed->error);
	if (parsed->nr_unsupported)
		log_info(
			"list %s: %zu entries have no rule xdpblock can apply and were skipped, first: %s",
			lc->name, parsed->nr_unsupported, parsed->unsupported);
	st->nr_skipped = parsed->nr_skipped;
	st->nr_unsupported = parsed->nr_unsupported;
	for (size_t e = 0; e < parsed->nr; e++) {
		const struct name_entry *ne = &parsed->entries[e];
		/*
		 * adblock "@@" rules and RPZ records carry their own action,
		 * which takes its form in each view as the list's does
		 */
		uint8_t action = ne->action == NAME_ACTION_LIST ? lc->action
								: ne->action;

		if (ruleset_add_name_views(
			    next, parsed->text + ne->text_off, ne->kind, id,
			    action, list_view_action(lc, action, 0),
			    list_view_action(lc, action, 1), ne->line) < 0)
			return -ENOMEM;
	}
	return 0;
}

int daemon_list_fits(const struct list_config *lc,
		     const struct loaded_list *loaded, char *err, size_t errlen)
{
	if (!loaded->is_domain && action_is_domain_only(lc->action)) {
		snprintf(
			err, errlen,
			"%.400s holds addresses, and action = %s needs a domain list",
			lc->path, action_name(lc->action));
		return -EINVAL;
	}
	if (!loaded->is_domain && (lc->protocols_set || lc->dns_action_set)) {
		snprintf(
			err, errlen,
			"%.400s holds addresses, and %s applies to domain lists only (an address rule decides every packet of its addresses, whatever the protocol): remove it from [list:%s]",
			lc->path,
			lc->protocols_set ? "protocols" : "dns_action",
			lc->name);
		return -EINVAL;
	}
	if (loaded->is_domain && loaded->names.format == LIST_FORMAT_RPZ &&
	    (lc->action_set || lc->dns_action_set)) {
		snprintf(
			err, errlen,
			"%.400s is an RPZ zone, whose records carry their own actions: remove '%s =' from [list:%s]",
			lc->path, lc->action_set ? "action" : "dns_action",
			lc->name);
		return -EINVAL;
	}
	return 0;
}

/* The directory of @lc's file: refused if others can write it. */
static int list_dir_check(const struct list_config *lc, char *err,
			  size_t errlen)
{
	char dir[PATH_MAX], what[LIST_NAME_MAX + 32];
	const char *slash = strrchr(lc->path, '/');

	/* path is absolute (config.c): there is a slash */
	snprintf(dir, sizeof(dir), "%.*s",
		 slash && slash != lc->path ? (int)(slash - lc->path) : 1,
		 lc->path);
	snprintf(what, sizeof(what), "list %s: directory", lc->name);
	return dir_check_private(dir, what, err, errlen);
}

/* The running state of the list named @name, or NULL. */
static const struct list_state *running_list(const struct daemon *d,
					     const char *name)
{
	for (int i = 0; i < d->nr_lists; i++)
		if (!strcmp(d->lists[i].cfg.name, name))
			return &d->lists[i];
	return NULL;
}

/*
 * Would @loaded's rules, added to those before it, exceed the capacity?
 * (Counted before duplicates across lists are merged, so near the limit
 * this errs on the side of refusing: check_capacity() has the last word.)
 */
static int list_capacity(const struct daemon_config *cfg,
			 const struct list_config *lc,
			 const struct loaded_list *loaded,
			 const struct ruleset *next, char *err, size_t errlen)
{
	const char *what = NULL, *key = NULL;
	size_t have = 0, add = 0;
	uint32_t max = 0;

	if (loaded->is_domain) {
		have = next->names.nr, add = loaded->names.nr;
		max = cfg->max_rules_domain, what = "domain";
		key = "max_rules_domain";
	} else if (next->v4.nr + loaded->parsed.nr_v4 > cfg->max_rules_v4) {
		have = next->v4.nr, add = loaded->parsed.nr_v4;
		max = cfg->max_rules_v4, what = "IPv4", key = "max_rules_ipv4";
	} else {
		have = next->v6.nr, add = loaded->parsed.nr_v6;
		max = cfg->max_rules_v6, what = "IPv6", key = "max_rules_ipv6";
	}
	if (have + add <= max)
		return 0;
	snprintf(
		err, errlen,
		"%.400s: with it, %zu %s rules exceed %s = %u (%zu in this list): raise it in [daemon] and restart xdpblockd",
		lc->path, have + add, what, key, max, add);
	return -ENOSPC;
}

/*
 * A loaded list that passed its checks: its state, its version and its
 * rules into @next. Returns 0; or a negative errno with @err and @reason
 * set: a list that does not fit (its action, the capacity), checked
 * before anything is added, or no memory (-ENOMEM, fatal).
 */
static int accept_list(const struct daemon_config *cfg,
		       const struct list_config *lc, int id,
		       struct loaded_list *loaded, struct ruleset *next,
		       struct list_state *st, struct list_versions *versions,
		       char *err, size_t errlen, enum reload_reason *reason)
{
	int ret;

	if (daemon_list_fits(lc, loaded, err, errlen) < 0) {
		*reason = RELOAD_ERR_CONFIG;
		return -EINVAL;
	}
	ret = list_capacity(cfg, lc, loaded, next, err, errlen);
	if (ret < 0) {
		*reason = RELOAD_ERR_CAPACITY;
		return ret;
	}
	st->type = loaded->is_domain ? LIST_TYPE_DOMAIN : LIST_TYPE_IP;
	st->format = loaded->is_domain ? loaded->names.format
				       : loaded->parsed.format;
	st->compressed = loaded->compressed;
	st->verified = loaded->verified;
	st->version = loaded->version;
	/* the signed timestamp is the version; else the file's mtime */
	st->version_time = loaded->version ? (int64_t)loaded->version
					   : loaded->mtime;
	memcpy(st->key_id, loaded->key_id, sizeof(st->key_id));
	/* recorded on disk only once the whole reload has succeeded */
	ret = loaded->version
		      ? list_versions_raise(versions, lc->name, loaded->version)
		      : 0;
	if (!ret)
		ret = loaded->is_domain
			      ? add_names(lc, id, &loaded->names, next, st)
			      : add_prefixes(lc, id, &loaded->parsed, next, st);
	if (ret < 0) {
		snprintf(err, errlen, "out of memory reading %.400s", lc->path);
		*reason = RELOAD_ERR_MEMORY;
	}
	return ret;
}

/*
 * Whether a list that cannot be loaded falls back instead of failing the
 * reload: at start-up (unless strict_start), so that one bad feed never
 * leaves the others unenforced; afterwards only a list degraded already,
 * so that it does not block every reload until it is fixed. A list that
 * was good and fails while running fails its reload, which changes
 * nothing: its rules stay, and whoever changed it is told.
 */
static int may_fall_back(const struct daemon *d,
			 const struct daemon_config *cfg, const char *name)
{
	const struct list_state *run = running_list(d, name);

	if (run && list_is_degraded(run))
		return 1;
	return !d->started_up && !cfg->strict_start;
}

/*
 * @lc could not be loaded (@reason, @why): what runs for it instead, in
 * order: its last good copy, verified and parsed again with its current
 * settings; the rules it runs now (a daemon adopted them, or it was
 * degraded already); nothing. Returns 0, or -ENOMEM.
 */
static int fall_back(const struct daemon *d, const struct daemon_config *cfg,
		     const struct list_config *lc, int id,
		     enum reload_reason reason, const char *why,
		     struct ruleset *next, struct list_state *st,
		     struct list_versions *versions)
{
	char copy_err[600], path[PATH_MAX + LIST_NAME_MAX + 16], when[32];
	enum reload_reason copy_reason = RELOAD_OK;
	struct loaded_list loaded;
	struct list_bytes copy;
	struct tm tm;
	int ret;

	ret = lastgood_read(cfg->state_dir, lc->name, cfg->max_list_bytes,
			    &copy, copy_err, sizeof(copy_err));
	if (ret == 0) {
		ret = list_load_bytes(lc, cfg->max_list_bytes,
				      list_versions_get(versions, lc->name),
				      &copy, &loaded);
		if (ret < 0) {
			snprintf(copy_err, sizeof(copy_err), "%s",
				 loaded.error);
		} else {
			ret = accept_list(cfg, lc, id, &loaded, next, st,
					  versions, copy_err, sizeof(copy_err),
					  &copy_reason);
			if (ret == 0 && !loaded.is_domain)
				protected_check_list(d, cfg, lc, &loaded.parsed,
						     st);
		}
		loaded_list_free(&loaded);
		if (ret == -ENOMEM || copy_reason == RELOAD_ERR_MEMORY) {
			list_bytes_free(&copy);
			return -ENOMEM;
		}
	}
	if (ret == 0) {
		st->fallback = LIST_FALLBACK_COPY;
		gmtime_r(&(time_t){copy.mtime}, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		log_err("list %s: cannot load (%s): %s; running its last good copy, saved %s",
			lc->name, reload_reason_name(reason), why, when);
	} else if (running_list(d, lc->name)) {
		if (keep_list(d, id, next, st) < 0) {
			list_bytes_free(&copy);
			return -ENOMEM;
		}
		st->fallback = LIST_FALLBACK_RUNNING;
		log_err("list %s: cannot load (%s): %s; keeping the rules it runs",
			lc->name, reload_reason_name(reason), why);
	} else {
		lastgood_path(path, sizeof(path), cfg->state_dir, lc->name);
		st->fallback = LIST_FALLBACK_NONE;
		log_err("list %s: cannot load (%s): %s; running without it (%s)",
			lc->name, reload_reason_name(reason), why,
			ret == -ENOENT ? "it has no last good copy yet"
				       : copy_err);
	}
	list_bytes_free(&copy);
	st->cfg = *lc;
	st->list_id = id;
	st->degraded_reason = reason;
	snprintf(st->degraded_error, sizeof(st->degraded_error), "%.*s",
		 (int)sizeof(st->degraded_error) - 1, why);
	return 0;
}

/*
 * Every list of @cfg into @next. With @stale, only lists i with stale[i]
 * are read again; the others keep their running rules. The bytes of each
 * list read are staged in @copies as its last good copy.
 */
static int load_lists(const struct daemon *d, const struct daemon_config *cfg,
		      const uint8_t *stale, char (*names)[LIST_NAME_MAX],
		      char (*running)[LIST_NAME_MAX], struct ruleset *next,
		      struct list_state *states, struct list_versions *versions,
		      struct lastgood_batch *copies, struct reload_result *res)
{
	char *err = res->error, why[sizeof(res->error)];
	size_t errlen = sizeof(res->error);

	for (int i = 0; i < cfg->nr_lists; i++) {
		const struct list_config *lc = &cfg->lists[i];
		struct list_state *st = &states[i];
		struct loaded_list loaded;
		struct list_bytes bytes;
		enum reload_reason reason = RELOAD_OK;
		int id = list_id_for(names, running, lc->name), ret;

		memset(st, 0, sizeof(*st));
		st->cfg = *lc;
		if (id <= 0) {
			snprintf(
				err, errlen,
				"too many lists: at most %d, counting lists removed by this reload (reload once without them, then with the new ones)",
				XDPB_MAX_LISTS - 1);
			res->reason = RELOAD_ERR_CAPACITY;
			return -ENOSPC;
		}
		st->list_id = id;
		if (stale && !stale[i]) {
			if (keep_list(d, id, next, st) < 0)
				goto nomem;
			continue;
		}
		/* whoever may write the directory may swap the list */
		ret = list_dir_check(lc, why, sizeof(why));
		/* a missing directory: list_load() says the file is missing */
		if (ret < 0 && ret != -ENOENT) {
			reason = RELOAD_ERR_IO;
			goto failed;
		}
		ret = list_load_keep(lc, cfg->max_list_bytes,
				     list_versions_get(versions, lc->name),
				     &bytes, &loaded);
		if (ret < 0) {
			/* a malformed line can be fixed, or skipped by choice */
			snprintf(
				why, sizeof(why), "%s%s", loaded.error,
				loaded.reason == RELOAD_ERR_PARSE &&
						(loaded.parsed.bad_line ||
						 loaded.names.bad_line) &&
						lc->on_error ==
							LIST_ON_ERROR_REJECT
					? " (fix the line, or set on_error = skip-line in its [list:] section)"
					: "");
			reason = loaded.reason;
			loaded_list_free(&loaded);
			goto failed;
		}
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
		ret = accept_list(cfg, lc, id, &loaded, next, st, versions, why,
				  sizeof(why), &reason);
		if (ret == 0 && !loaded.is_domain)
			protected_check_list(d, cfg, lc, &loaded.parsed, st);
		loaded_list_free(&loaded);
		if (ret == 0 && lastgood_stage(copies, cfg->state_dir, lc->name,
					       &bytes, why, sizeof(why)) < 0)
			log_warn(
				"list %s: its last good copy cannot be saved, so a start-up that cannot load it would run without it: %s",
				lc->name, why);
		list_bytes_free(&bytes);
		if (ret == 0)
			continue;
	failed:
		if (reason == RELOAD_ERR_MEMORY)
			goto nomem;
		if (!may_fall_back(d, cfg, lc->name)) {
			snprintf(err, errlen, "list %s: %.600s", lc->name, why);
			res->reason = reason;
			return ret;
		}
		if (fall_back(d, cfg, lc, id, reason, why, next, st, versions) <
		    0)
			goto nomem;
		continue;
	nomem:
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
	err = load_lists(d, cfg, stale, names, d->list_names, &next, states,
			 &versions, copies, res);
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
