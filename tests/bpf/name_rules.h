/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Domain rules for the BPF table tests (dns_tests.c, web_tests.c): a table
 * of names as a list file writes them, added to a rule set, and the rule id
 * a case expects its hit on. Include after ruleset.h, names.h, xdprun.h.
 */
#ifndef XDPBLOCK_TEST_NAME_RULES_H
#define XDPBLOCK_TEST_NAME_RULES_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct name_def {
	uint16_t list;
	uint8_t action;
	const char *entry; /* as in a list file: "=name" exact */
};

/* Add @defs to @rs; line numbers are the entries' positions, from 1. */
static int add_name_defs(struct ruleset *rs, const struct name_def *defs,
			 size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		const char *e = defs[i].entry, *why;
		uint8_t kind = XDPB_NAME_SUFFIX;
		char text[NAME_TEXT_BUF];

		if (*e == '=') {
			kind = XDPB_NAME_EXACT;
			e++;
		}
		if (name_normalize(e, strlen(e), text, &why)) {
			fprintf(stderr, "bad name %s: %s\n", e, why);
			return -EINVAL;
		}
		if (ruleset_add_name(rs, text, kind, defs[i].list,
				     defs[i].action, i + 1))
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

#endif
