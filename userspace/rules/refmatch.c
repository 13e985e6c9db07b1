// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "common/names.h"
#include "rules/refmatch.h"

/* Is @r a better decider than @best? allow > drop > monitor, longer, lower list. */
static int better(const struct rule *r, const struct rule *best)
{
	if (!best)
		return 1;
	if (r->action != best->action)
		return r->action > best->action;
	if (r->prefix.plen != best->prefix.plen)
		return r->prefix.plen > best->prefix.plen;
	return r->list_id < best->list_id;
}

/* First rule in @t whose prefix equals @p (binary search), or t->nr. */
static size_t find_first(const struct rule_table *t, const struct prefix *p)
{
	size_t lo = 0, hi = t->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (prefix_cmp(&t->rules[mid].prefix, p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct rule *refmatch_address(const struct ruleset *rs,
				    const struct prefix *addr, int dir)
{
	const struct rule_table *t = addr->family == AF_INET ? &rs->v4
							     : &rs->v6;
	const struct rule *best = NULL;

	/* Every prefix that contains the address, shortest to longest. */
	for (int plen = 0; plen <= prefix_max_len(addr); plen++) {
		struct prefix p = *addr;

		prefix_truncate(&p, plen);
		for (size_t i = find_first(t, &p);
		     i < t->nr && prefix_cmp(&t->rules[i].prefix, &p) == 0;
		     i++) {
			const struct rule *r = &t->rules[i];

			if ((r->match & (1u << dir)) && better(r, best))
				best = r;
		}
	}
	return best;
}

const struct rule *refmatch_packet(const struct ruleset *rs,
				   const struct prefix *src,
				   const struct prefix *dst)
{
	const struct rule *s = refmatch_address(rs, src, XDPB_DIR_SRC);
	const struct rule *d = refmatch_address(rs, dst, XDPB_DIR_DST);

	if (!s || !d)
		return s ? s : d;
	/* Across directions: higher action, then longer prefix, then source. */
	if (d->action != s->action)
		return d->action > s->action ? d : s;
	return d->prefix.plen > s->prefix.plen ? d : s;
}

/* First rule in @t whose key is @key (binary search), or t->nr. */
static size_t find_first_name(const struct name_table *t,
			      const struct xdpb_name_key *key)
{
	size_t lo = 0, hi = t->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (name_key_cmp(&t->rules[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct name_rule *refmatch_name(const struct ruleset *rs,
				      const char *name)
{
	return refmatch_name_view(rs, name, 0);
}

const struct name_rule *refmatch_name_view(const struct ruleset *rs,
					   const char *name, int web)
{
	const struct name_table *t = &rs->names;
	const struct name_rule *best = NULL;
	struct xdpb_match best_m = {0};
	const char *suffix = name;

	/* the name itself (any rule), then each shorter suffix (suffix rules) */
	for (int depth = 0; *suffix; depth++) {
		struct xdpb_name_key key;

		name_key(suffix, &key, NULL);
		for (size_t i = find_first_name(t, &key);
		     i < t->nr && !name_key_cmp(&t->rules[i].key, &key); i++) {
			const struct name_rule *r = &t->rules[i];
			uint8_t action = name_rule_view_action(r, web);

			if (strcmp(name_rule_text(t, r), suffix) ||
			    (depth && r->kind != XDPB_NAME_SUFFIX) ||
			    action == XDPB_ACT_NONE)
				continue;
			if (xdpb_name_rule_beats(action, r->labels, r->list_id,
						 &best_m)) {
				best = r;
				best_m.action = action;
				best_m.prefixlen = r->labels;
				best_m.list_id = r->list_id;
			}
		}
		suffix = strchr(suffix, '.');
		suffix = suffix ? suffix + 1 : "";
	}
	return best;
}
