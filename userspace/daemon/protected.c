// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The protected set of the running daemon (protected.h). What it holds
 * and why names are not covered: docs/architecture.md, "Protected
 * addresses".
 */
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "common/log.h"
#include "daemon/protected.h"
#include "datapath/protectmap.h"
#include "lists/fetch.h"
#include "rules/special.h"

/* addresses one url's host may resolve to */
#define SOURCE_ADDRS_MAX 16

void protected_resolve_sources(struct daemon *d)
{
	struct prefix addrs[SOURCE_ADDRS_MAX];

	protect_set_free(&d->source_addrs);
	for (int i = 0; i < d->cfg.nr_lists; i++) {
		const struct list_config *lc = &d->cfg.lists[i];
		int n;

		if (!lc->url[0])
			continue;
		n = fetch_url_addrs(lc->url, addrs, SOURCE_ADDRS_MAX);
		if (n < 0) {
			/* the download will say more; its address is taken then */
			log_warn(
				"list %s: cannot resolve the url's host now (%s): its server is protected once a download reaches it",
				lc->name, strerror(-n));
			continue;
		}
		for (int a = 0; a < n; a++)
			if (protect_set_add(&d->source_addrs, &addrs[a],
					    XDPB_PROTECT_SOURCE) < 0)
				break;
	}
}

/* An interface address as a full-length prefix; 0 if it is none. */
static int sockaddr_prefix(const struct sockaddr *sa, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	if (!sa)
		return 0;
	p->family = sa->sa_family;
	if (sa->sa_family == AF_INET) {
		p->plen = 32;
		memcpy(p->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 1;
	}
	if (sa->sa_family == AF_INET6) {
		p->plen = 128;
		memcpy(p->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr,
		       16);
		return 1;
	}
	return 0;
}

/* The host's addresses into @s; on failure the running set's host entries. */
static int add_host_addrs(const struct daemon *d, struct protect_set *s)
{
	struct ifaddrs *list;
	struct prefix p;
	int err = 0;

	if (getifaddrs(&list) < 0) {
		log_warn(
			"cannot read the host's addresses: %s (the protected ones stay as they were)",
			strerror(errno));
		for (size_t i = 0; !err && i < d->protected.nr; i++)
			if (d->protected.entries[i].kinds & XDPB_PROTECT_HOST)
				err = protect_set_add(
					s, &d->protected.entries[i].prefix,
					XDPB_PROTECT_HOST);
		return err;
	}
	for (struct ifaddrs *ifa = list; ifa && !err; ifa = ifa->ifa_next)
		if (sockaddr_prefix(ifa->ifa_addr, &p))
			err = protect_set_add(s, &p, XDPB_PROTECT_HOST);
	freeifaddrs(list);
	return err;
}

/* The addresses the last downloads connected to. */
static int add_fetched_addrs(const struct daemon *d, struct protect_set *s)
{
	struct fetch_status *st;
	struct prefix p;
	int err = 0;

	if (!d->fetcher)
		return 0;
	st = malloc(sizeof(*st)); /* large: a path and an error */
	if (!st)
		return -ENOMEM;
	for (int i = 0; !err && i < d->cfg.nr_lists; i++)
		if (d->cfg.lists[i].url[0] &&
		    !fetcher_status(d->fetcher, d->cfg.lists[i].name, st) &&
		    st->primary_ip[0] && !address_parse(st->primary_ip, &p))
			err = protect_set_add(s, &p, XDPB_PROTECT_SOURCE);
	free(st);
	return err;
}

int protected_update(struct daemon *d)
{
	struct protect_set next = {0};
	int err = add_host_addrs(d, &next);

	for (size_t i = 0; !err && i < d->source_addrs.nr; i++)
		err = protect_set_add(&next, &d->source_addrs.entries[i].prefix,
				      XDPB_PROTECT_SOURCE);
	if (!err)
		err = add_fetched_addrs(d, &next);
	for (int i = 0; !err && i < d->cfg.nr_protect; i++)
		err = protect_set_add(&next, &d->cfg.protect[i],
				      XDPB_PROTECT_OPERATOR);
	if (err)
		log_warn(
			"the protected set is incomplete: %s (at most %d prefixes per family)",
			strerror(-err), XDPB_MAX_PROTECTED);
	if (protect_set_equal(&next, &d->protected) && d->protected.nr) {
		protect_set_free(&next);
		return err;
	}
	err = protectmap_sync(&d->loader, &next);
	if (err) {
		/* the running set stays what it was: the next update tries again */
		log_err("cannot update the protected set in the datapath: %s (the next address event or xdpblockctl reload tries again)",
			strerror(-err));
		protect_set_free(&next);
		return err;
	}
	if (protect_set_count(&next, XDPB_PROTECT_HOST) !=
		    protect_set_count(&d->protected, XDPB_PROTECT_HOST) ||
	    protect_set_count(&next, XDPB_PROTECT_SOURCE) !=
		    protect_set_count(&d->protected, XDPB_PROTECT_SOURCE) ||
	    protect_set_count(&next, XDPB_PROTECT_OPERATOR) !=
		    protect_set_count(&d->protected, XDPB_PROTECT_OPERATOR))
		log_info(
			"protected from address rules: %zu host address(es), %zu list source address(es), %zu configured prefix(es)",
			protect_set_count(&next, XDPB_PROTECT_HOST),
			protect_set_count(&next, XDPB_PROTECT_SOURCE),
			protect_set_count(&next, XDPB_PROTECT_OPERATOR));
	protect_set_free(&d->protected);
	d->protected = next;
	return err;
}

/* The running set, with the operator's prefixes of @cfg (a reload's). */
static int set_for_config(const struct daemon *d,
			  const struct daemon_config *cfg,
			  struct protect_set *s)
{
	int err = 0;

	for (size_t i = 0; !err && i < d->protected.nr; i++) {
		uint32_t kinds = d->protected.entries[i].kinds &
				 ~XDPB_PROTECT_OPERATOR;

		if (kinds)
			err = protect_set_add(
				s, &d->protected.entries[i].prefix, kinds);
	}
	for (int i = 0; !err && i < cfg->nr_protect; i++)
		err = protect_set_add(s, &cfg->protect[i],
				      XDPB_PROTECT_OPERATOR);
	return err;
}

static void warn_special(const struct list_config *lc,
			 const struct list_state *st)
{
	char ranges[600] = "";
	size_t off = 0;
	uint32_t total = 0;

	for (int i = 0; i < special_nr_names(); i++) {
		if (!st->special_entries[i])
			continue;
		total += st->special_entries[i];
		if (off < sizeof(ranges))
			off += snprintf(ranges + off, sizeof(ranges) - off,
					"%s%s %u", off ? ", " : "",
					special_name(i),
					st->special_entries[i]);
	}
	/* an allow or monitor list cuts nothing off: counted, not warned */
	if (!total || lc->allow_special || lc->action != XDPB_ACT_DROP)
		return;
	log_warn(
		"list %s: entries in special-purpose address ranges (RFC 6890): %s; dropping them can cut off local, private or infrastructure networks (set allow_special = yes in [list:%s] if that is meant)",
		lc->name, ranges, lc->name);
}

void protected_check_list(const struct daemon *d,
			  const struct daemon_config *cfg,
			  const struct list_config *lc,
			  const struct parsed_list *parsed,
			  struct list_state *st)
{
	struct protect_set set = {0};
	struct protect_overlap o;
	uint32_t *covered = st->protected_covered;

	memset(st->protected_covered, 0, sizeof(st->protected_covered));
	memset(st->special_entries, 0, sizeof(st->special_entries));
	if (set_for_config(d, cfg, &set) < 0 ||
	    protect_overlap_init(&o, &set) < 0) {
		protect_set_free(&set);
		log_warn(
			"list %s: out of memory checking it against the protected set",
			lc->name);
		return;
	}
	for (size_t e = 0; e < parsed->nr; e++) {
		const struct prefix *p = &parsed->entries[e].prefix;
		uint32_t bits = special_classify(p);

		protect_overlap_add(&o, p);
		for (int i = 0; bits; i++, bits >>= 1)
			st->special_entries[i] += bits & 1;
	}
	protect_overlap_counts(&o, covered);
	protect_overlap_free(&o);
	protect_set_free(&set);
	/* an allow or monitor list drops nothing: counted, not warned about */
	if ((covered[PROTECT_KIND_HOST] || covered[PROTECT_KIND_SOURCE] ||
	     covered[PROTECT_KIND_OPERATOR]) &&
	    lc->action == XDPB_ACT_DROP)
		log_warn(
			"list %s covers protected addresses: %u of this host's, %u of list sources, %u configured prefix(es); packets from or to them are never dropped by its rules",
			lc->name, covered[PROTECT_KIND_HOST],
			covered[PROTECT_KIND_SOURCE],
			covered[PROTECT_KIND_OPERATOR]);
	warn_special(lc, st);
}
