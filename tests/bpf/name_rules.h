/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Domain rules for the BPF table tests (dns_tests.c, web_tests.c): a table
 * of names as a list file writes them, added to a rule set, and the rule id
 * a case expects its hit on; the counters around a run, and the check of
 * what a run moved; the longest and the deepest name. Include after
 * ruleset.h, names.h, loader.h, testlib.h and xdprun.h, with RULE_ID_CAP
 * defined.
 */
#ifndef XDPBLOCK_TEST_NAME_RULES_H
#define XDPBLOCK_TEST_NAME_RULES_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* 63 + 63 + 63 + 61 characters and three dots: 253, the longest name */
#define L63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define L61 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define LONGEST L63 "." L63 "." L63 "." L61

/*
 * 121 one-letter labels under example.com: 253 characters (255 wire
 * bytes), 123 labels. Written by deepest_make().
 */
static char deepest[300];

static void deepest_make(void)
{
	char *p = deepest;

	for (int i = 0; i < 121; i++)
		p += sprintf(p, "a.");
	strcpy(p, "example.com");
}

struct name_def {
	uint16_t list;
	uint8_t action;
	const char *entry; /* as in a list file: "=name" exact */
};

/*
 * A list's dns_action (0: nxdomain) and protocols (enum xdpb_name_views);
 * a list without a row has the defaults: every view.
 */
struct list_form {
	uint16_t list;
	uint8_t dns_action;
	uint8_t views;
};

/*
 * Add @defs to @rs, each rule in the views of its list's form in @forms;
 * line numbers are the entries' positions, from 1.
 */
static int add_name_defs(struct ruleset *rs, const struct name_def *defs,
			 size_t nr, const struct list_form *forms,
			 size_t nr_forms)
{
	for (size_t i = 0; i < nr; i++) {
		const char *e = defs[i].entry, *why;
		uint8_t kind = XDPB_NAME_SUFFIX;
		struct list_form form = {.views = XDPB_VIEWS_ALL};
		char text[NAME_TEXT_BUF];

		for (size_t f = 0; f < nr_forms; f++)
			if (forms[f].list == defs[i].list)
				form = forms[f];

		if (*e == '=') {
			kind = XDPB_NAME_EXACT;
			e++;
		}
		if (name_normalize(e, strlen(e), text, &why)) {
			fprintf(stderr, "bad name %s: %s\n", e, why);
			return -EINVAL;
		}
		if (ruleset_add_name_views(
			    rs, text, kind, defs[i].list, defs[i].action,
			    xdpb_view_action(defs[i].action, form.dns_action,
					     form.views, 0),
			    xdpb_view_action(defs[i].action, form.dns_action,
					     form.views, 1),
			    i + 1))
			return -ENOMEM;
	}
	return 0;
}

/* The rule id of @rule in list @list (a name, or a prefix), 0 if none. */
static uint32_t rule_id_of(const struct ruleset *rs, uint16_t list,
			   const char *rule)
{
	if (strchr(rule, '/')) {
		const struct rule *r = ruleset_find(rs, rule, list);

		return r ? r->rule_id : 0;
	}
	for (size_t i = 0; i < rs->names.nr; i++) {
		const struct name_rule *r = &rs->names.rules[i];

		if (r->list_id == list &&
		    !strcmp(name_rule_text(&rs->names, r), rule))
			return r->rule_id;
	}
	return 0;
}

/*
 * The rule set of a table: @defs, and beside them an address allow rule
 * (10.77.0.1/32, list @l_allow) and drop rule (10.88.0.0/16, list @l_drop)
 * for the rows that weigh address rules against names.
 */
static int build_name_ruleset(struct ruleset *rs, const struct name_def *defs,
			      size_t nr, const struct list_form *forms,
			      size_t nr_forms, uint16_t l_allow,
			      uint16_t l_drop)
{
	struct prefix allow = prefix_of("10.77.0.1/32");
	struct prefix drop = prefix_of("10.88.0.0/16");

	if (add_name_defs(rs, defs, nr, forms, nr_forms))
		return -EINVAL;
	if (ruleset_add(rs, &allow, l_allow, XDPB_ACT_ALLOW, XDPB_MATCH_BOTH,
			1) ||
	    ruleset_add(rs, &drop, l_drop, XDPB_ACT_DROP, XDPB_MATCH_BOTH, 1))
		return -ENOMEM;
	ruleset_finish(rs);
	return 0;
}

/* Every rule counter and one interface's counters, to diff around a run. */
struct counts {
	struct xdpb_counter rules[RULE_ID_CAP];
	struct xdpb_iface_stats iface;
};

static void counts_take(struct loader *ld, struct counts *c)
{
	loader_read_rules(ld, c->rules, RULE_ID_CAP);
	if (loader_read_iface(ld, TEST_IFINDEX, &c->iface))
		memset(&c->iface, 0, sizeof(c->iface));
}

/*
 * Between @before and @after, around one run of a frame of @len bytes:
 * only the rule @want_id (0: none) moved, by one packet of @len bytes, and
 * of the interface's slots @stat, @malformed and @name_stat (0: none; the
 * protocol's XDPB_STAT_NAME_* when a domain rule decided), by one each.
 */
static void counts_check(const struct counts *before,
			 const struct counts *after, uint32_t want_id,
			 size_t len, int stat, int malformed, int name_stat)
{
	uint64_t moved = 0;

	for (uint32_t id = 1; id < RULE_ID_CAP; id++) {
		uint64_t d =
			after->rules[id].packets - before->rules[id].packets;

		moved += d;
		if (d && id != want_id)
			CHECK(0, "rule id %u counted %llu packet(s)", id,
			      (unsigned long long)d);
	}
	CHECK(moved == (want_id ? 1 : 0), "%llu rule hits, expected %d",
	      (unsigned long long)moved, want_id ? 1 : 0);
	if (want_id)
		CHECK(after->rules[want_id].bytes -
				      before->rules[want_id].bytes ==
			      len,
		      "bytes counted on the rule");
	for (int s = 0; s < XDPB_STAT_MAX; s++) {
		uint64_t d = after->iface.stat[s].packets -
			     before->iface.stat[s].packets;
		uint64_t want = (s == stat) + (malformed && s == malformed) +
				(name_stat && s == name_stat);

		CHECK(d == want,
		      "interface slot %s moved by %llu, expected %llu",
		      stat_name(s), (unsigned long long)d,
		      (unsigned long long)want);
	}
}

#endif
