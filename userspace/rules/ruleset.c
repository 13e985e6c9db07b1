// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Rule tables: rules added from lists, sorted and deduplicated (ruleset.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bigalloc.h"
#include "common/names.h"
#include "rules/ruleset.h"

/* ---- rule tables ------------------------------------------------------ */

int ruleset_add(struct ruleset *rs, const struct prefix *p, uint16_t list_id,
		uint8_t action, uint8_t match, uint32_t line)
{
	struct rule_table *t = p->family == AF_INET ? &rs->v4 : &rs->v6;
	struct rule *r =
		big_grow(t->rules, &t->cap, t->nr + 1, sizeof(*r), 1024);

	if (!r)
		return -ENOMEM;
	t->rules = r;
	r = &t->rules[t->nr++];
	memset(r, 0, sizeof(*r));
	r->prefix = *p;
	r->list_id = list_id;
	r->action = action;
	r->match = match;
	r->line = line;
	return 0;
}

int ruleset_add_name(struct ruleset *rs, const char *text, uint8_t kind,
		     uint16_t list_id, uint8_t action, uint32_t line)
{
	return ruleset_add_name_views(
		rs, text, kind, list_id, action,
		xdpb_view_action(action, XDPB_ACT_NONE, XDPB_VIEWS_ALL, 0),
		xdpb_view_action(action, XDPB_ACT_NONE, XDPB_VIEWS_ALL, 1),
		line);
}

int ruleset_add_name_views(struct ruleset *rs, const char *text, uint8_t kind,
			   uint16_t list_id, uint8_t action, uint8_t dns_action,
			   uint8_t web_action, uint32_t line)
{
	struct name_table *t = &rs->names;
	size_t len = strlen(text) + 1;
	struct name_rule *r;
	char *text_grown;

	r = big_grow(t->rules, &t->cap, t->nr + 1, sizeof(*r), 1024);
	if (!r)
		return -ENOMEM;
	t->rules = r;
	/* text_off is 32 bits */
	if (t->text_len + len > UINT32_MAX)
		return -ENOMEM;
	text_grown =
		big_grow(t->text, &t->text_cap, t->text_len + len, 1, 65536);
	if (!text_grown)
		return -ENOMEM;
	t->text = text_grown;
	r = &t->rules[t->nr++];
	memset(r, 0, sizeof(*r));
	name_key(text, &r->key, NULL);
	r->text_off = t->text_len;
	memcpy(t->text + t->text_len, text, len);
	t->text_len += len;
	r->list_id = list_id;
	r->action = action;
	r->dns_action = dns_action;
	r->web_action = web_action;
	r->kind = kind;
	r->labels = name_labels(text);
	r->line = line;
	return 0;
}

int name_rule_cmp(const struct name_table *ta, const struct name_rule *a,
		  const struct name_table *tb, const struct name_rule *b)
{
	int r = name_key_cmp(&a->key, &b->key);

	if (r)
		return r;
	r = strcmp(name_rule_text(ta, a), name_rule_text(tb, b));
	if (r)
		return r;
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	return (int)a->list_id - (int)b->list_id;
}

size_t ruleset_count_names(const struct ruleset *rs, uint16_t list_id)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->names.nr; i++)
		n += rs->names.rules[i].list_id == list_id;
	return n;
}

/* qsort has no context argument: the table being sorted. */
static const struct name_table *sorting_names;

static int name_qsort_cmp(const void *a, const void *b)
{
	const struct name_rule *ra = a, *rb = b;
	int r = name_rule_cmp(sorting_names, ra, sorting_names, rb);

	return r ? r : (ra->line > rb->line) - (ra->line < rb->line);
}

static void names_finish(struct name_table *t)
{
	size_t out = 0;

	if (!t->nr)
		return;
	sorting_names = t;
	qsort(t->rules, t->nr, sizeof(*t->rules), name_qsort_cmp);
	for (size_t i = 0; i < t->nr; i++) {
		if (out &&
		    !name_rule_cmp(t, &t->rules[out - 1], t, &t->rules[i]))
			continue;
		t->rules[out++] = t->rules[i];
	}
	t->nr = out;
}

static int table_reserve(struct rule_table *t, size_t more)
{
	struct rule *n;

	if (t->nr + more <= t->cap)
		return 0;
	n = big_realloc(t->rules, (t->nr + more) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	t->rules = n;
	t->cap = t->nr + more;
	return 0;
}

int ruleset_reserve(struct ruleset *rs, size_t nr_v4, size_t nr_v6)
{
	if (table_reserve(&rs->v4, nr_v4) || table_reserve(&rs->v6, nr_v6))
		return -ENOMEM;
	return 0;
}

int rule_cmp(const struct rule *a, const struct rule *b)
{
	int r = prefix_cmp(&a->prefix, &b->prefix);

	if (r)
		return r;
	return (int)a->list_id - (int)b->list_id;
}

static int rule_qsort_cmp(const void *a, const void *b)
{
	const struct rule *ra = a, *rb = b;
	int r = rule_cmp(ra, rb);

	/* Equal (prefix, list): keep the first added (rules come in line order). */
	return r ? r : (ra->line > rb->line) - (ra->line < rb->line);
}

struct sort_item {
	uint64_t key;
	uint32_t index;
};

/*
 * IPv4 rules sort by one 64-bit key (address, length, list) with a stable
 * LSD radix sort: qsort on the structs was most of a 1M-rule reload.
 * Stability keeps the first line of a repeated (prefix, list) first.
 */
static int sort_v4(struct rule_table *t)
{
	struct sort_item *a = big_malloc(t->nr * sizeof(*a));
	struct sort_item *b = big_malloc(t->nr * sizeof(*b));
	struct rule *sorted = big_malloc(t->nr * sizeof(*sorted));

	if (!a || !b || !sorted) {
		free(a);
		free(b);
		free(sorted);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->nr; i++) {
		const struct rule *r = &t->rules[i];
		uint32_t addr;

		memcpy(&addr, r->prefix.addr, 4);
		a[i].key = (uint64_t)ntohl(addr) << 32 |
			   (uint64_t)r->prefix.plen << 16 | r->list_id;
		a[i].index = i;
	}
	for (int shift = 0; shift < 64; shift += 16) {
		static size_t count[1 << 16];
		size_t sum = 0;

		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < t->nr; i++)
			count[(a[i].key >> shift) & 0xffff]++;
		if (count[a[0].key >> shift & 0xffff] == t->nr)
			continue; /* this digit is the same everywhere */
		for (size_t d = 0; d < (1 << 16); d++) {
			size_t c = count[d];

			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < t->nr; i++)
			b[count[(a[i].key >> shift) & 0xffff]++] = a[i];
		struct sort_item *tmp = a;
		a = b;
		b = tmp;
	}
	for (size_t i = 0; i < t->nr; i++)
		sorted[i] = t->rules[a[i].index];
	free(t->rules);
	t->rules = sorted;
	t->cap = t->nr;
	free(a);
	free(b);
	return 0;
}

static void table_finish(struct rule_table *t)
{
	size_t out = 0;

	if (!t->nr)
		return;
	if (t->rules[0].prefix.family != AF_INET || sort_v4(t) < 0)
		qsort(t->rules, t->nr, sizeof(*t->rules), rule_qsort_cmp);
	for (size_t i = 0; i < t->nr; i++) {
		if (out && rule_cmp(&t->rules[out - 1], &t->rules[i]) == 0)
			continue;
		t->rules[out++] = t->rules[i];
	}
	t->nr = out;
}

void ruleset_finish(struct ruleset *rs)
{
	table_finish(&rs->v4);
	table_finish(&rs->v6);
	names_finish(&rs->names);
}

void ruleset_free(struct ruleset *rs)
{
	free(rs->v4.rules);
	free(rs->v6.rules);
	free(rs->names.rules);
	free(rs->names.text);
	memset(rs, 0, sizeof(*rs));
}

size_t ruleset_count_list(const struct ruleset *rs, uint16_t list_id,
			  int family)
{
	const struct rule_table *t = family == AF_INET ? &rs->v4 : &rs->v6;
	size_t n = 0;

	for (size_t i = 0; i < t->nr; i++)
		n += t->rules[i].list_id == list_id;
	return n;
}
