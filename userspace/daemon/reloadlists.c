// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The lists of a reload (reloadlists.h): each configured list read whole
 * into the next rule set, or kept, or falling back when it cannot be read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/safefile.h"
#include "daemon/protected.h"
#include "daemon/reloadlists.h"
#include "lists/lastgood.h"
#include "lists/listload.h"

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
int reload_load_lists(const struct daemon *d, const struct daemon_config *cfg,
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
