// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Control commands. Output names rules, lists and totals only; the one
 * address that appears is the one the operator asked `lookup` about.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "common/escape.h"
#include "common/names.h"
#include "control/control.h"
#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "daemon/reload.h"
#include "datapath/counters.h"
#include "datapath/kernel_features.h"
#include "lists/fetch.h"
#include "rules/refmatch.h"

#define DEFAULT_RULE_LIMIT 100

static struct json_object *counter_json(const struct xdpb_counter *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "packets",
			       json_object_new_uint64(c->packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(c->bytes));
	return o;
}

static void add_str(struct json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, json_object_new_string(val));
}

static void add_u64(struct json_object *o, const char *key, uint64_t val)
{
	json_object_object_add(o, key, json_object_new_uint64(val));
}

static const struct list_state *list_by_id(const struct daemon *d,
					   uint16_t list_id)
{
	for (int i = 0; i < d->nr_lists; i++)
		if (d->lists[i].list_id == list_id)
			return &d->lists[i];
	return NULL;
}

/*
 * A rule as status, stats, top and lookup show it: its list, its text,
 * (@kind, for a domain rule), then its action, id and where it was read.
 */
static struct json_object *rule_fields(const struct daemon *d, uint16_t list_id,
				       const char *text, const char *kind,
				       uint8_t action, uint32_t rule_id,
				       uint32_t line)
{
	const struct list_state *ls = list_by_id(d, list_id);
	struct json_object *o = json_object_new_object();

	add_str(o, "list", daemon_list_name(d, list_id));
	add_str(o, "rule", text);
	if (kind)
		add_str(o, "kind", kind);
	add_str(o, "action", action_name(action));
	add_u64(o, "rule_id", rule_id);
	if (ls)
		add_str(o, "path", ls->cfg.path);
	add_u64(o, "line", line);
	return o;
}

static struct json_object *rule_json(const struct daemon *d,
				     const struct rule *r)
{
	char text[PREFIX_STRLEN];

	prefix_format(&r->prefix, text, sizeof(text));
	return rule_fields(d, r->list_id, text, NULL, r->action, r->rule_id,
			   r->line);
}

/* A url list's downloads: what the last attempt did, and when. */
static struct json_object *source_json(struct daemon *d,
				       const struct list_config *lc)
{
	struct json_object *o = json_object_new_object();
	struct fetch_status st = {0};

	add_str(o, "url", lc->url);
	add_u64(o, "refresh", lc->refresh_s);
	if (!d->fetcher || fetcher_status(d->fetcher, lc->name, &st) < 0)
		return o;
	add_u64(o, "last_attempt", st.last_attempt);
	add_u64(o, "last_success", st.last_success);
	if (st.last_attempt) {
		json_object_object_add(o, "ok",
				       json_object_new_boolean(st.last_ok));
		json_object_object_add(
			o, "not_modified",
			json_object_new_boolean(st.not_modified));
	}
	add_u64(o, "failures", st.failures);
	if (st.last_attempt && !st.last_ok)
		add_str(o, "error", st.error);
	if (st.warning[0])
		add_str(o, "warning", st.warning);
	return o;
}

static const char *kind_name(uint8_t kind)
{
	return kind == XDPB_NAME_EXACT ? "exact" : "suffix";
}

static struct json_object *name_rule_json(const struct daemon *d,
					  const struct name_rule *r)
{
	return rule_fields(d, r->list_id, name_rule_text(&d->active.names, r),
			   kind_name(r->kind), r->action, r->rule_id, r->line);
}

/* The name stages loaded, in stage order (the entry program always is). */
static struct json_object *stages_json(const struct loader *ld)
{
	struct json_object *stages = json_object_new_array();

	for (int s = 0; s < XDPB_NR_STAGES; s++)
		if (ld->loaded_stages & 1u << s)
			json_object_array_add(
				stages,
				json_object_new_string(loader_stage_name(s)));
	return stages;
}

/* The kernel's release and its features: true, false, or null (unknown). */
static struct json_object *kernel_json(const struct kernel_features *kf)
{
	struct json_object *o = json_object_new_object();
	struct json_object *features = json_object_new_object();

	add_str(o, "release", kf->release);
	for (int f = 0; f < KERNEL_FEATURE_MAX; f++)
		json_object_object_add(
			features, kernel_feature_name(f),
			kf->state[f] == FEATURE_UNKNOWN
				? NULL
				: json_object_new_boolean(kf->state[f] ==
							  FEATURE_PRESENT));
	json_object_object_add(o, "features", features);
	if (kf->error[0])
		add_str(o, "error", kf->error);
	return o;
}

static uint64_t degraded_lists(const struct daemon *d)
{
	uint64_t n = 0;

	for (int i = 0; i < d->nr_lists; i++)
		n += list_is_degraded(&d->lists[i]);
	return n;
}

/* How many protected entries of each kind there are (never which). */
static struct json_object *protected_json(const struct daemon *d)
{
	struct json_object *o = json_object_new_object();

	for (int k = 0; k < PROTECT_NR_KINDS; k++)
		add_u64(o, protect_kind_name(k),
			protect_set_count(&d->protected, 1u << k));
	return o;
}

/*
 * What an address list's last load found (daemon/protected.c): the
 * protected entries it covers by kind, its entries in special-purpose
 * ranges by range name (those with none left out).
 */
static void list_hazards_json(struct json_object *o,
			      const struct list_state *ls)
{
	struct json_object *covered = json_object_new_object();
	struct json_object *special = json_object_new_object();

	for (int k = 0; k < PROTECT_NR_KINDS; k++)
		add_u64(covered, protect_kind_name(k),
			ls->protected_covered[k]);
	for (int i = 0; i < special_nr_names(); i++)
		if (ls->special_entries[i])
			add_u64(special, special_name(i),
				ls->special_entries[i]);
	json_object_object_add(o, "protected_covered", covered);
	json_object_object_add(o, "special_ranges", special);
	json_object_object_add(o, "allow_special",
			       json_object_new_boolean(ls->cfg.allow_special));
}

static struct json_object *status_json(struct daemon *d)
{
	struct json_object *res = json_object_new_object();
	struct json_object *ifaces = json_object_new_array();
	struct json_object *lists = json_object_new_array();
	struct json_object *last = json_object_new_object();
	struct json_object *by_reason;
	const struct reload_result *lr = &d->last_reload;

	add_u64(res, "pid", getpid());
	add_u64(res, "started", d->started);
	add_u64(res, "generation", d->generation);
	add_u64(res, "degraded_lists", degraded_lists(d));
	add_u64(res, "reloads_total", d->reloads_total);
	add_u64(res, "reload_failures_total", d->reload_failures_total);
	add_str(res, "pin_path", d->loader.pin_dir);
	json_object_object_add(res, "adopted",
			       json_object_new_boolean(d->loader.adopted));
	json_object_object_add(res, "stages", stages_json(&d->loader));
	json_object_object_add(res, "kernel", kernel_json(&d->kernel));
	by_reason = json_object_new_object();
	for (int r = RELOAD_OK + 1; r < RELOAD_REASON_MAX; r++)
		add_u64(by_reason, reload_reason_name(r),
			d->reload_failures_by_reason[r]);
	json_object_object_add(res, "reload_failures_by_reason", by_reason);
	json_object_object_add(last, "ok", json_object_new_boolean(lr->ok));
	add_u64(last, "time", lr->when);
	json_object_object_add(last, "duration_ms",
			       json_object_new_double(lr->duration_ns / 1e6));
	if (!lr->ok) {
		add_str(last, "reason", reload_reason_name(lr->reason));
		add_str(last, "error", lr->error);
	}
	json_object_object_add(res, "last_reload", last);

	for (int i = 0; i < d->nr_ifaces; i++) {
		const struct iface_state *ifs = &d->ifaces[i];
		struct json_object *o = json_object_new_object();
		int attached = ifs->link_fd >= 0;

		add_str(o, "name", ifs->name);
		add_u64(o, "ifindex", ifs->ifindex);
		json_object_object_add(o, "attached",
				       json_object_new_boolean(attached));
		add_str(o, "xdp_mode",
			attached ? xdp_mode_name(ifs->mode) : "none");
		if (!attached)
			add_str(o, "error", ifs->error);
		json_object_array_add(ifaces, o);
	}
	json_object_object_add(res, "interfaces", ifaces);

	for (int i = 0; i < d->nr_lists; i++) {
		const struct list_state *ls = &d->lists[i];
		struct json_object *o = json_object_new_object();

		add_str(o, "name", ls->cfg.name);
		add_str(o, "path", ls->cfg.path);
		add_str(o, "action", list_action_label(ls));
		add_str(o, "type", list_type_name(ls->type));
		if (ls->type != LIST_TYPE_DOMAIN)
			add_str(o, "match", match_name(ls->cfg.match));
		else
			add_str(o, "protocols",
				protocols_name(ls->cfg.protocols));
		add_u64(o, "rules_ipv4", ls->nr_v4);
		add_u64(o, "rules_ipv6", ls->nr_v6);
		add_u64(o, "rules_domain", ls->nr_names);
		add_u64(o, "skipped_lines", ls->nr_skipped);
		if (ls->type == LIST_TYPE_DOMAIN)
			add_u64(o, "unsupported_entries", ls->nr_unsupported);
		add_str(o, "format", list_format_name(ls->format));
		json_object_object_add(o, "compressed",
				       json_object_new_boolean(ls->compressed));
		add_str(o, "signature", signature_name(ls->cfg.signature));
		if (ls->verified) {
			add_str(o, "key_id", ls->key_id);
			add_u64(o, "version", ls->version);
		}
		if (ls->cfg.url[0])
			json_object_object_add(o, "source",
					       source_json(d, &ls->cfg));
		if (ls->type == LIST_TYPE_IP)
			list_hazards_json(o, ls);
		if (list_is_degraded(ls)) {
			struct json_object *dg = json_object_new_object();

			add_str(dg, "reason",
				reload_reason_name(ls->degraded_reason));
			add_str(dg, "error", ls->degraded_error);
			add_str(dg, "running",
				list_fallback_name(ls->fallback));
			json_object_object_add(o, "degraded", dg);
		}
		json_object_array_add(lists, o);
	}
	json_object_object_add(res, "lists", lists);
	json_object_object_add(res, "protected", protected_json(d));
	return res;
}

struct rule_hit {
	const struct rule *rule; /* an address rule, or */
	const struct name_rule *name_rule; /* a domain rule */
	uint32_t rule_id;
	struct xdpb_counter counter;
};

static int hit_cmp(const void *a, const void *b)
{
	const struct rule_hit *x = a, *y = b;

	if (x->counter.packets != y->counter.packets)
		return x->counter.packets < y->counter.packets ? 1 : -1;
	return (x->rule_id > y->rule_id) - (x->rule_id < y->rule_id);
}

/*
 * The rules of the running set with packets, most first, at most @limit
 * (0: all), of list @list_id only unless it is 0.
 */
static struct json_object *rules_with_hits(struct daemon *d, size_t limit,
					   uint16_t list_id, char *err,
					   size_t errlen)
{
	uint32_t nr_ids = d->rule_ids.next_unused;
	struct xdpb_counter *counters = calloc(nr_ids, sizeof(*counters));
	const struct rule_table *tables[] = {&d->active.v4, &d->active.v6};
	struct json_object *arr = NULL;
	struct rule_hit *hits = NULL;
	size_t nr_hits = 0, cap = 0;

	if (!counters || loader_read_rules(&d->loader, counters, nr_ids) < 0) {
		snprintf(err, errlen, "cannot read rule counters");
		goto out;
	}
	for (int t = 0; t < 3; t++) {
		size_t nr = t < 2 ? tables[t]->nr : d->active.names.nr;

		for (size_t i = 0; i < nr; i++) {
			const struct rule *r = t < 2 ? &tables[t]->rules[i]
						     : NULL;
			const struct name_rule *nr_ =
				t < 2 ? NULL : &d->active.names.rules[i];
			uint32_t id = r ? r->rule_id : nr_->rule_id;
			uint16_t rule_list = r ? r->list_id : nr_->list_id;

			if (id >= nr_ids || !counters[id].packets ||
			    (list_id && rule_list != list_id))
				continue;
			if (nr_hits == cap) {
				struct rule_hit *n;

				cap = cap ? cap * 2 : 256;
				n = realloc(hits, cap * sizeof(*n));
				if (!n) {
					snprintf(err, errlen, "out of memory");
					goto out;
				}
				hits = n;
			}
			hits[nr_hits].rule = r;
			hits[nr_hits].name_rule = nr_;
			hits[nr_hits].rule_id = id;
			hits[nr_hits].counter = counters[id];
			nr_hits++;
		}
	}
	qsort(hits, nr_hits, sizeof(*hits), hit_cmp);
	arr = json_object_new_array();
	for (size_t i = 0; i < nr_hits && (!limit || i < limit); i++) {
		struct json_object *o =
			hits[i].rule ? rule_json(d, hits[i].rule)
				     : name_rule_json(d, hits[i].name_rule);

		add_u64(o, "packets", hits[i].counter.packets);
		add_u64(o, "bytes", hits[i].counter.bytes);
		json_object_array_add(arr, o);
	}
out:
	free(counters);
	free(hits);
	return arr;
}

static struct json_object *cmd_stats(struct daemon *d, struct json_object *req,
				     char *err, size_t errlen)
{
	struct json_object *res = json_object_new_object();
	struct json_object *ifaces = json_object_new_array();
	struct json_object *lists = json_object_new_array();
	struct json_object *totals = json_object_new_object();
	struct json_object *limit_obj, *rules;
	struct xdpb_iface_stats sum = {0};
	size_t limit = DEFAULT_RULE_LIMIT;

	if (json_object_object_get_ex(req, "limit", &limit_obj))
		limit = json_object_get_uint64(limit_obj);

	for (int i = 0; i < d->nr_ifaces; i++) {
		struct json_object *o = json_object_new_object();
		struct xdpb_iface_stats st;

		if (d->ifaces[i].ifindex <= 0 ||
		    loader_read_iface(&d->loader, d->ifaces[i].ifindex, &st) <
			    0)
			memset(&st, 0, sizeof(st));
		add_str(o, "name", d->ifaces[i].name);
		for (int s = 0; s < XDPB_STAT_MAX; s++) {
			json_object_object_add(o, stat_name(s),
					       counter_json(&st.stat[s]));
			sum.stat[s].packets += st.stat[s].packets;
			sum.stat[s].bytes += st.stat[s].bytes;
		}
		json_object_array_add(ifaces, o);
	}
	for (int s = 0; s < XDPB_STAT_MAX; s++)
		json_object_object_add(totals, stat_name(s),
				       counter_json(&sum.stat[s]));
	json_object_object_add(res, "totals", totals);
	json_object_object_add(res, "interfaces", ifaces);

	for (int i = 0; i < d->nr_lists; i++) {
		struct json_object *o = json_object_new_object();
		struct xdpb_counter c;

		if (loader_read_list(&d->loader, d->lists[i].list_id, &c) < 0)
			memset(&c, 0, sizeof(c));
		add_str(o, "name", d->lists[i].cfg.name);
		add_str(o, "action", list_action_label(&d->lists[i]));
		add_u64(o, "packets", c.packets);
		add_u64(o, "bytes", c.bytes);
		json_object_array_add(lists, o);
	}
	json_object_object_add(res, "lists", lists);

	rules = rules_with_hits(d, limit, 0, err, errlen);
	if (!rules) {
		json_object_put(res);
		return NULL;
	}
	json_object_object_add(res, "rules", rules);
	return res;
}

/* The rule @r deciding @name, as lookup shows it (NULL: none). */
static struct json_object *name_match_json(struct daemon *d,
					   const struct name_rule *r,
					   const char *name, int web)
{
	struct json_object *m;

	if (!r)
		return NULL;
	m = name_rule_json(d, r);
	/* what the rule does here; its action as listed beside it */
	add_str(m, "action", action_name(name_rule_view_action(r, web)));
	add_str(m, "rule_action", action_name(r->action));
	add_str(m, "how",
		strcmp(name_rule_text(&d->active.names, r), name)
			? "suffix rule of a parent name"
		: r->kind == XDPB_NAME_EXACT ? "exact rule of the name"
					     : "suffix rule of the name");
	return m;
}

/*
 * `lookup NAME`: the domain rule a DNS query for NAME meets ("match"),
 * the one a TLS SNI or HTTP Host of NAME meets ("web_match"), each with
 * what it does there ("action": a DNS answer of a reset list, the reset
 * of a DNS-answer list; xdpb_view_action()) and how it matched (the name
 * itself, or a suffix rule of a name above it). Address rules are not
 * consulted: they depend on the packet's addresses.
 */
static struct json_object *lookup_name(struct daemon *d, const char *text,
				       char *err, size_t errlen)
{
	char name[NAME_TEXT_BUF];
	struct json_object *res;
	const char *why;

	if (name_normalize(text, strlen(text), name, &why)) {
		snprintf(err, errlen, "lookup: '%s' is not a domain name: %s",
			 text, why);
		return NULL;
	}
	res = json_object_new_object();
	add_str(res, "name", name);
	json_object_object_add(
		res, "match",
		name_match_json(d, refmatch_name_view(&d->active, name, 0),
				name, 0));
	json_object_object_add(
		res, "web_match",
		name_match_json(d, refmatch_name_view(&d->active, name, 1),
				name, 1));
	return res;
}

static struct json_object *cmd_lookup(struct daemon *d, struct json_object *req,
				      char *err, size_t errlen)
{
	struct json_object *addr_obj, *name_obj, *res;
	const struct rule *src, *dst;
	const char *text;
	struct prefix addr;

	if (json_object_object_get_ex(req, "name", &name_obj) &&
	    (text = json_object_get_string(name_obj)))
		return lookup_name(d, text, err, errlen);
	if (!json_object_object_get_ex(req, "address", &addr_obj) ||
	    !(text = json_object_get_string(addr_obj)) ||
	    address_parse(text, &addr) < 0) {
		snprintf(
			err, errlen,
			"lookup needs an IPv4 or IPv6 address, e.g. 192.0.2.1 or 2001:db8::1, or a domain name");
		return NULL;
	}
	src = refmatch_address(&d->active, &addr, XDPB_DIR_SRC);
	dst = refmatch_address(&d->active, &addr, XDPB_DIR_DST);
	res = json_object_new_object();
	add_str(res, "address", text);
	json_object_object_add(res, "as_source",
			       src ? rule_json(d, src) : NULL);
	json_object_object_add(res, "as_destination",
			       dst ? rule_json(d, dst) : NULL);
	return res;
}

int command_top(struct daemon *d, struct json_object *req,
		struct json_object **result, char *err, size_t errlen)
{
	struct json_object *limit_obj, *list_obj, *rules;
	int64_t limit = TOP_DEFAULT_RULES;
	const struct list_state *ls = NULL;

	*result = NULL;
	if (json_object_object_get_ex(req, "limit", &limit_obj)) {
		limit = json_object_get_int64(limit_obj);
		if (!json_object_is_type(limit_obj, json_type_int) ||
		    limit < 1 || limit > TOP_MAX_RULES) {
			const char *given = json_object_get_string(limit_obj);

			snprintf(
				err, errlen,
				"the number of rules must be a whole number from 1 to %d, not '%s'",
				TOP_MAX_RULES, given ? given : "null");
			return -EINVAL;
		}
	}
	if (json_object_object_get_ex(req, "list", &list_obj)) {
		const char *name = json_object_get_string(list_obj);

		for (int i = 0; i < d->nr_lists && name; i++)
			if (!strcmp(d->lists[i].cfg.name, name))
				ls = &d->lists[i];
		if (!ls) {
			snprintf(
				err, errlen,
				"no list named '%s' is running (xdpblockctl status shows the lists)",
				name ? name : "");
			return -EINVAL;
		}
	}
	rules = rules_with_hits(d, limit, ls ? ls->list_id : 0, err, errlen);
	if (!rules)
		return -ENOMEM;
	*result = json_object_new_object();
	add_u64(*result, "limit", limit);
	if (ls)
		add_str(*result, "list", ls->cfg.name);
	json_object_object_add(*result, "rules", rules);
	return 0;
}

/*
 * The commands that change what filters (CONTROL_CMD_CHANGES: reload and
 * stop): uid 0, or a member of admin_group. A `stop` exits 0, so
 * systemd's Restart=on-failure would not undo it.
 */
static int may_change(const struct daemon *d, const struct control_peer *peer,
		      const char *cmd, char *err, size_t errlen)
{
	char readers[100];

	if (peer->uid == 0 || control_peer_in_group(peer, d->cfg.admin_gid))
		return 1;
	control_command_names(readers, sizeof(readers),
			      CONTROL_CMD_CHANGES | CONTROL_CMD_LOCAL, 0);
	if (d->cfg.admin_group[0])
		snprintf(
			err, errlen,
			"%s needs root or a member of admin_group (%s); members of the socket's group may use %s",
			cmd, d->cfg.admin_group, readers);
	else
		snprintf(
			err, errlen,
			"%s needs root or a member of admin_group (none is set: set admin_group in [daemon] to allow a group); members of the socket's group may use %s",
			cmd, readers);
	return 0;
}

static struct json_object *cmd_status(struct daemon *d,
				      struct json_object *request, char *err,
				      size_t errlen)
{
	(void)request;
	(void)err;
	(void)errlen;
	return status_json(d);
}

static struct json_object *
cmd_top(struct daemon *d, struct json_object *request, char *err, size_t errlen)
{
	struct json_object *result;

	return command_top(d, request, &result, err, errlen) ? NULL : result;
}

static struct json_object *cmd_reload(struct daemon *d,
				      struct json_object *request, char *err,
				      size_t errlen)
{
	uint8_t stale[XDPB_MAX_LISTS] = {0};
	struct json_object *list_obj;
	const char *list = NULL;
	int found = 0;

	if (json_object_object_get_ex(request, "list", &list_obj))
		list = json_object_get_string(list_obj);
	for (int i = 0; list && i < d->cfg.nr_lists; i++)
		if (!strcmp(d->cfg.lists[i].name, list))
			found = stale[i] = 1;
	if (list && !found) {
		snprintf(
			err, errlen,
			"no list '%s' in the running configuration (xdpblockctl status shows them; a new list needs a full reload)",
			list);
		return NULL;
	}
	if (daemon_reload_and_sync(d, list ? stale : NULL) < 0) {
		snprintf(err, errlen, "%s", d->last_reload.error);
		return NULL;
	}
	return status_json(d);
}

static struct json_object *cmd_stop(struct daemon *d,
				    struct json_object *request, char *err,
				    size_t errlen)
{
	struct json_object *keep, *result;

	d->keep_attached |=
		json_object_object_get_ex(request, "keep_attached", &keep) &&
		json_object_get_boolean(keep);
	if (d->keep_attached && !d->loader.pin_dir[0]) {
		snprintf(
			err, errlen,
			"cannot keep filtering without the daemon: pin_path = none in the config");
		d->keep_attached = 0;
		return NULL;
	}
	d->stop_requested = 1;
	result = json_object_new_object();
	json_object_object_add(result, "keep_attached",
			       json_object_new_boolean(d->keep_attached));
	return result;
}

/* What xdpblockd serves of control_commands[]; NULL: not a daemon's. */
static struct json_object *(*const handlers[CONTROL_CMD_MAX])(
	struct daemon *d, struct json_object *request, char *err,
	size_t errlen) = {
	[CONTROL_CMD_STATUS] = cmd_status, [CONTROL_CMD_RELOAD] = cmd_reload,
	[CONTROL_CMD_LOOKUP] = cmd_lookup, [CONTROL_CMD_STATS] = cmd_stats,
	[CONTROL_CMD_STOP] = cmd_stop,	   [CONTROL_CMD_TOP] = cmd_top,
};

int command_dispatch(struct daemon *d, const struct control_peer *peer,
		     struct json_object *request, struct json_object **result,
		     char *err, size_t errlen)
{
	struct json_object *cmd_obj, *ver_obj;
	const char *cmd;
	int id;

	*result = NULL;
	if (!json_object_object_get_ex(request, "version", &ver_obj) ||
	    json_object_get_int(ver_obj) != CONTROL_PROTOCOL_VERSION) {
		snprintf(
			err, errlen,
			"protocol version mismatch: xdpblockctl and xdpblockd must be the same release");
		return -1;
	}
	if (!json_object_object_get_ex(request, "command", &cmd_obj) ||
	    !(cmd = json_object_get_string(cmd_obj))) {
		snprintf(err, errlen, "request has no command");
		return -1;
	}
	id = control_command_find(cmd);
	if (id < 0 || !handlers[id]) {
		snprintf(err, errlen, "unknown command '%s'", cmd);
		return -1;
	}
	if ((control_commands[id].flags & CONTROL_CMD_CHANGES) &&
	    !may_change(d, peer, cmd, err, errlen))
		return -1;
	*result = handlers[id](d, request, err, errlen);
	return *result ? 0 : -1;
}

struct json_object *command_serve(void *daemon, const struct control_peer *peer,
				  struct json_object *request)
{
	struct json_object *resp = json_object_new_object(), *result = NULL;
	char err[700] = "";

	if (command_dispatch(daemon, peer, request, &result, err,
			     sizeof(err)) == 0) {
		json_object_object_add(resp, "ok", json_object_new_boolean(1));
		json_object_object_add(resp, "result", result);
	} else {
		/* errors quote the request (a command, a list name): escaped */
		text_escape(err, sizeof(err));
		json_object_object_add(resp, "ok", json_object_new_boolean(0));
		json_object_object_add(resp, "error",
				       json_object_new_string(err));
	}
	return resp;
}
