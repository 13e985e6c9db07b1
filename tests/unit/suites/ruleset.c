// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Rule sets: sorting, duplicates, stable rule ids. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rules/ruleids.h"
#include "rules/ruleset.h"
#include "testlib.h"
#include "common.h"
#include "suites.h"

static void rs_add_drop(struct ruleset *rs, const char *text, uint16_t list)
{
	rs_add(rs, text, list, XDPB_ACT_DROP, XDPB_MATCH_BOTH, 1);
}

static uint32_t id_of(const struct ruleset *rs, const char *text, uint16_t list)
{
	const struct rule *r = rs_find(rs, text, list);

	CHECK(r, "no rule %s in list %u", text, list);
	return r ? r->rule_id : 0;
}

static int id_in(uint32_t id, const uint32_t *ids, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* Every rule id of @rs, in table order (v4 then v6). */
static size_t all_ids(const struct ruleset *rs, uint32_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->v4.nr && n < max; i++)
		out[n++] = rs->v4.rules[i].rule_id;
	for (size_t i = 0; i < rs->v6.nr && n < max; i++)
		out[n++] = rs->v6.rules[i].rule_id;
	return n;
}

/* Ids are in 1..capacity-1 and pairwise distinct. */
static void check_ids_valid(const struct ruleset *rs, uint32_t capacity)
{
	uint32_t ids[256];
	size_t n = all_ids(rs, ids, ARRAY_SIZE(ids));

	for (size_t i = 0; i < n; i++) {
		CHECK(ids[i] >= 1 && ids[i] < capacity, "id %u out of 1..%u",
		      ids[i], capacity - 1);
		for (size_t j = 0; j < i; j++)
			CHECK(ids[i] != ids[j], "id %u given twice", ids[i]);
	}
}

static void ruleset_finish_sorts_and_dedups(void)
{
	struct ruleset rs = {0};
	static const struct {
		const char *prefix;
		uint16_t list;
		uint32_t line;
	} want_v4[] =
		{
			{"9.0.0.0/8", 1, 2},	{"10.0.0.0/8", 1, 7},
			{"10.0.0.0/8", 2, 3},	{"10.0.0.0/16", 2, 9},
			{"10.0.0.1/32", 1, 11}, {"192.0.2.0/24", 3, 1},
		},
	  want_v6[] = {
		  {"::/0", 4, 1},
		  {"2001:db8::/32", 1, 4},
		  {"2001:db8::/48", 1, 5},
		  {"2001:db8:1::/48", 1, 6},
	  };

	/* a list's rules arrive in line order, lists interleaved */
	rs_add(&rs, "192.0.2.0/24", 3, XDPB_ACT_DROP, XDPB_MATCH_BOTH, 1);
	rs_add(&rs, "10.0.0.0/8", 2, XDPB_ACT_DROP, XDPB_MATCH_BOTH, 3);
	rs_add(&rs, "10.0.0.0/8", 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH, 7);
	rs_add(&rs, "2001:db8:1::/48", 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH, 6);
	rs_add(&rs, "10.0.0.0/8", 2, XDPB_ACT_DROP, XDPB_MATCH_BOTH,
	       4); /* dup */
	rs_add(&rs, "10.0.0.1/32", 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH, 11);
	rs_add(&rs, "2001:db8::/48", 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH, 5);
	rs_add(&rs, "10.0.0.0/16", 2, XDPB_ACT_DROP, XDPB_MATCH_BOTH, 9);
	rs_add(&rs, "2001:db8::/32", 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH, 4);
	rs_add(&rs, "9.0.0.0/8", 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH, 2);
	rs_add(&rs, "::/0", 4, XDPB_ACT_DROP, XDPB_MATCH_BOTH, 1);
	rs_add(&rs, "2001:db8::/48", 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH,
	       8); /* dup */
	rs_add(&rs, "10.0.0.0/8", 2, XDPB_ACT_DROP, XDPB_MATCH_BOTH,
	       5); /* dup */
	CHECK(rs.v4.nr == 8 && rs.v6.nr == 5, "before finish: %zu + %zu",
	      rs.v4.nr, rs.v6.nr);
	ruleset_finish(&rs);

	CHECK(rs.v4.nr == ARRAY_SIZE(want_v4), "v4: %zu rules, want %zu",
	      rs.v4.nr, ARRAY_SIZE(want_v4));
	for (size_t i = 0; i < ARRAY_SIZE(want_v4) && i < rs.v4.nr; i++) {
		const struct rule *r = &rs.v4.rules[i];
		struct prefix p = pfx(want_v4[i].prefix);

		CHECK(prefix_eq(&r->prefix, &p) &&
			      r->list_id == want_v4[i].list &&
			      r->line == want_v4[i].line,
		      "v4 rule %zu: %s list %u line %u, want %s list %u line %u",
		      i, fmt(&r->prefix), r->list_id, r->line,
		      want_v4[i].prefix, want_v4[i].list, want_v4[i].line);
	}
	CHECK(rs.v6.nr == ARRAY_SIZE(want_v6), "v6: %zu rules, want %zu",
	      rs.v6.nr, ARRAY_SIZE(want_v6));
	for (size_t i = 0; i < ARRAY_SIZE(want_v6) && i < rs.v6.nr; i++) {
		const struct rule *r = &rs.v6.rules[i];
		struct prefix p = pfx(want_v6[i].prefix);

		CHECK(prefix_eq(&r->prefix, &p) &&
			      r->list_id == want_v6[i].list &&
			      r->line == want_v6[i].line,
		      "v6 rule %zu: %s list %u line %u, want %s list %u line %u",
		      i, fmt(&r->prefix), r->list_id, r->line,
		      want_v6[i].prefix, want_v6[i].list, want_v6[i].line);
	}
	CHECK(ruleset_count_list(&rs, 1, AF_INET) == 3 &&
		      ruleset_count_list(&rs, 2, AF_INET) == 2 &&
		      ruleset_count_list(&rs, 1, AF_INET6) == 3 &&
		      ruleset_count_list(&rs, 4, AF_INET6) == 1 &&
		      ruleset_count_list(&rs, 4, AF_INET) == 0,
	      "ruleset_count_list");

	/* finishing again changes nothing */
	ruleset_finish(&rs);
	CHECK(rs.v4.nr == ARRAY_SIZE(want_v4) &&
		      rs.v6.nr == ARRAY_SIZE(want_v6),
	      "second finish: %zu + %zu", rs.v4.nr, rs.v6.nr);
	ruleset_free(&rs);
	CHECK(rs.v4.nr == 0 && rs.v4.rules == NULL, "ruleset_free");
}

/*
 * Random: sorted strictly by (prefix, list), every distinct pair kept
 * once, with the first line it came from. Rules of one list are added in
 * line order, as the loader does. Both families (IPv4 has its own sort).
 */
static void ruleset_finish_random(void)
{
	struct prefix pool[64];
	struct ruleset rs = {0};
	size_t distinct = 0;
	int bad = 0;

	rng_seed(201);
	for (size_t i = 0; i < ARRAY_SIZE(pool); i++) {
		int family = i & 1 ? AF_INET6 : AF_INET;

		pool[i] = random_prefix(
			family, rng_below(family == AF_INET ? 33 : 129));
		if (i >= 2 && rng_below(2)) { /* same address, other length */
			pool[i] = pool[i - 2];
			prefix_truncate(&pool[i], rng_below(pool[i].plen + 1));
		}
	}
	CHECK(ruleset_reserve(&rs, 2000, 2000) == 0, "ruleset_reserve");
	CHECK(rs.v4.cap >= 2000 && rs.v6.cap >= 2000 && rs.v4.nr == 0,
	      "reserve: cap %zu/%zu", rs.v4.cap, rs.v6.cap);
	for (uint32_t line = 1; line <= 6000; line++) {
		struct prefix p = pool[rng_below(ARRAY_SIZE(pool))];
		/* mostly a few lists; now and then a high list id */
		uint16_t list = rng_below(10) ? 1 + rng_below(4)
					      : 200 + rng_below(56);

		if (rng_below(8) == 0)
			p = random_prefix(rng_below(2) ? AF_INET : AF_INET6,
					  rng_below(33));
		CHECK(ruleset_add(&rs, &p, list, XDPB_ACT_DROP, XDPB_MATCH_BOTH,
				  line) == 0,
		      "ruleset_add");
	}
	/* the expected result by brute force: distinct pairs, first line */
	{
		struct ruleset want = {0};

		for (int f = 0; f < 2; f++) {
			const struct rule_table *t = f ? &rs.v6 : &rs.v4;

			for (size_t i = 0; i < t->nr; i++) {
				size_t j;

				for (j = 0; j < i; j++)
					if (prefix_eq(&t->rules[j].prefix,
						      &t->rules[i].prefix) &&
					    t->rules[j].list_id ==
						    t->rules[i].list_id)
						break;
				if (j < i)
					continue;
				distinct++;
				ruleset_add(&want, &t->rules[i].prefix,
					    t->rules[i].list_id, XDPB_ACT_DROP,
					    XDPB_MATCH_BOTH, t->rules[i].line);
			}
		}
		ruleset_finish(&rs);
		CHECK(rs.v4.nr + rs.v6.nr == distinct,
		      "%zu rules kept, want %zu", rs.v4.nr + rs.v6.nr,
		      distinct);
		for (int f = 0; f < 2; f++) {
			const struct rule_table *t = f ? &rs.v6 : &rs.v4;
			const struct rule_table *w = f ? &want.v6 : &want.v4;

			for (size_t i = 0; i < w->nr; i++) {
				const struct rule *r = NULL;

				for (size_t k = 0; k < t->nr && !r; k++)
					if (prefix_eq(&t->rules[k].prefix,
						      &w->rules[i].prefix) &&
					    t->rules[k].list_id ==
						    w->rules[i].list_id)
						r = &t->rules[k];
				if ((!r || r->line != w->rules[i].line) &&
				    bad++ < 5)
					CHECK(0,
					      "%s list %u: kept line %u, want %u",
					      fmt(&w->rules[i].prefix),
					      w->rules[i].list_id,
					      r ? r->line : 0,
					      w->rules[i].line);
			}
		}
		ruleset_free(&want);
	}
	for (int f = 0; f < 2; f++) {
		const struct rule_table *t = f ? &rs.v6 : &rs.v4;

		for (size_t i = 1; i < t->nr; i++) {
			const struct rule *a = &t->rules[i - 1],
					  *b = &t->rules[i];
			int c = prefix_cmp(&a->prefix, &b->prefix);

			if ((c > 0 || (c == 0 && a->list_id >= b->list_id)) &&
			    bad++ < 5)
				CHECK(0, "%s/%u before %s/%u", fmt(&a->prefix),
				      a->list_id, fmt(&b->prefix), b->list_id);
		}
	}
	CHECK(bad == 0, "%d violations", bad);
	CHECK(distinct > 500 && rs.v4.nr > 100 && rs.v6.nr > 100,
	      "too few distinct rules to mean much: %zu", distinct);
	ruleset_free(&rs);
}

static void rule_ids_keep_and_fresh(void)
{
	struct ruleset empty = {0}, a = {0}, b = {0};
	uint32_t *released = NULL, a_ids[16];
	size_t nr_released = 0, nr_a;
	struct rule_ids ids;
	uint32_t kept1, kept2, gone1, gone2, new1, new2;
	int err;

	rule_ids_init(&ids, 100);
	rs_add_drop(&a, "10.0.0.0/8", 1);
	rs_add_drop(&a, "10.0.0.0/8", 2);
	rs_add_drop(&a, "192.0.2.0/24", 1);
	rs_add_drop(&a, "2001:db8::/32", 1);
	ruleset_finish(&a);
	err = rule_ids_assign(&ids, &empty, &a, &released, &nr_released);
	CHECK(err == 0 && nr_released == 0, "first assign: %d, %zu released",
	      err, nr_released);
	free(released);
	check_ids_valid(&a, 100);
	nr_a = all_ids(&a, a_ids, ARRAY_SIZE(a_ids));

	/* b: two rules kept, two gone, two new (one same prefix, new list) */
	rs_add_drop(&b, "198.51.100.0/24", 1);
	rs_add_drop(&b, "2001:db8::/32", 1);
	rs_add_drop(&b, "192.0.2.0/24", 2);
	rs_add_drop(&b, "10.0.0.0/8", 1);
	ruleset_finish(&b);
	err = rule_ids_assign(&ids, &a, &b, &released, &nr_released);
	CHECK(err == 0, "second assign: %d", err);
	check_ids_valid(&b, 100);
	kept1 = id_of(&b, "10.0.0.0/8", 1);
	kept2 = id_of(&b, "2001:db8::/32", 1);
	gone1 = id_of(&a, "10.0.0.0/8", 2);
	gone2 = id_of(&a, "192.0.2.0/24", 1);
	new1 = id_of(&b, "198.51.100.0/24", 1);
	new2 = id_of(&b, "192.0.2.0/24", 2);
	CHECK(kept1 == id_of(&a, "10.0.0.0/8", 1),
	      "10.0.0.0/8 list 1 changed id");
	CHECK(kept2 == id_of(&a, "2001:db8::/32", 1),
	      "2001:db8::/32 changed id");
	CHECK(!id_in(new1, a_ids, nr_a) && !id_in(new2, a_ids, nr_a),
	      "new rules got ids %u, %u already used by the running set", new1,
	      new2);
	CHECK(nr_released == 2 && id_in(gone1, released, nr_released) &&
		      id_in(gone2, released, nr_released),
	      "released %zu ids, want %u and %u", nr_released, gone1, gone2);
	free(released);
	ruleset_free(&a);
	ruleset_free(&b);
	rule_ids_free(&ids);
}

/*
 * A daemon adopting a running set takes over its ids: the gaps are handed
 * back (for zeroing), new rules never collide, repeated or out-of-range
 * ids (state from another capacity) are refused.
 */
static void rule_ids_adopt_running_set(void)
{
	struct ruleset empty = {0}, a = {0}, b = {0};
	uint32_t *unused = NULL, *rel = NULL;
	size_t nr_unused = 0, nr_rel = 0;
	struct rule_ids ids, fresh;
	int err;

	rule_ids_init(&ids, 100);
	rs_add_drop(&a, "192.0.2.0/24", 1);
	rs_add_drop(&a, "198.51.100.0/24", 1);
	rs_add_drop(&a, "2001:db8::/32", 2);
	ruleset_finish(&a);
	CHECK(rule_ids_assign(&ids, &empty, &a, &rel, &nr_rel) == 0,
	      "assign a");
	free(rel);
	/* a gap, as a removed rule leaves: 198.51.100.0/24 gets id 7 */
	a.v4.rules[1].rule_id = 7;

	rule_ids_init(&fresh, 100);
	err = rule_ids_adopt(&fresh, &a, &unused, &nr_unused);
	CHECK(err == 0, "adopt: %d", err);
	CHECK(fresh.next_unused == 8, "next_unused %u, want 8",
	      fresh.next_unused);
	/* ids 1 and 3 are held (192.0.2.0/24, 2001:db8::/32), 7 too */
	CHECK(nr_unused == 4 && id_in(2, unused, nr_unused) &&
		      id_in(4, unused, nr_unused) &&
		      id_in(5, unused, nr_unused) &&
		      id_in(6, unused, nr_unused),
	      "unused: %zu ids", nr_unused);
	rule_ids_release(&fresh, unused, nr_unused);
	free(unused);

	/* the next reload keeps the adopted ids and takes only free ones */
	rs_add_drop(&b, "192.0.2.0/24", 1);
	rs_add_drop(&b, "198.51.100.0/24", 1);
	rs_add_drop(&b, "203.0.113.0/24", 3);
	ruleset_finish(&b);
	CHECK(rule_ids_assign(&fresh, &a, &b, &rel, &nr_rel) == 0,
	      "assign after adopt");
	CHECK(id_of(&b, "192.0.2.0/24", 1) == 1 &&
		      id_of(&b, "198.51.100.0/24", 1) == 7,
	      "adopted ids not kept");
	CHECK(!id_in(id_of(&b, "203.0.113.0/24", 3), (uint32_t[]){1, 3, 7}, 3),
	      "a new rule got an adopted id");
	CHECK(nr_rel == 1 && rel[0] == 3, "released %zu", nr_rel);
	free(rel);
	rule_ids_free(&fresh);

	/* corrupt state: a repeated id, an id past the capacity */
	rule_ids_init(&fresh, 100);
	a.v4.rules[1].rule_id = a.v4.rules[0].rule_id;
	CHECK(rule_ids_adopt(&fresh, &a, &unused, &nr_unused) == -EINVAL,
	      "a repeated id is accepted");
	a.v4.rules[1].rule_id = 100;
	CHECK(rule_ids_adopt(&fresh, &a, &unused, &nr_unused) == -EINVAL,
	      "an id past the capacity is accepted");
	rule_ids_free(&fresh);
	rule_ids_free(&ids);
	ruleset_free(&a);
	ruleset_free(&b);
}

/* Released ids come back only after rule_ids_release(), and then first. */
static void rule_ids_reuse_after_release(void)
{
	struct ruleset empty = {0}, a = {0}, b = {0}, c = {0}, d = {0};
	uint32_t *rel_ab = NULL, *rel = NULL, a_ids[8];
	size_t nr_rel_ab = 0, nr_rel = 0, nr_a;
	struct rule_ids ids;
	uint32_t fresh;
	int err;

	rule_ids_init(&ids, 1000);
	rs_add_drop(&a, "192.0.2.1", 1);
	rs_add_drop(&a, "192.0.2.2", 1);
	rs_add_drop(&a, "192.0.2.3", 1);
	rs_add_drop(&a, "2001:db8::3", 1);
	ruleset_finish(&a);
	CHECK(rule_ids_assign(&ids, &empty, &a, &rel, &nr_rel) == 0,
	      "assign a");
	free(rel);
	nr_a = all_ids(&a, a_ids, ARRAY_SIZE(a_ids));

	/* a -> b: 192.0.2.2 and 2001:db8::3 go; their ids are pending */
	rs_add_drop(&b, "192.0.2.1", 1);
	rs_add_drop(&b, "192.0.2.3", 1);
	ruleset_finish(&b);
	CHECK(rule_ids_assign(&ids, &a, &b, &rel_ab, &nr_rel_ab) == 0 &&
		      nr_rel_ab == 2,
	      "assign b: %zu released", nr_rel_ab);

	/* b -> c, before the release: new rules must not get pending ids */
	rs_add_drop(&c, "192.0.2.1", 1);
	rs_add_drop(&c, "192.0.2.3", 1);
	rs_add_drop(&c, "198.51.100.1", 1);
	rs_add_drop(&c, "2001:db8::4", 2);
	ruleset_finish(&c);
	CHECK(rule_ids_assign(&ids, &b, &c, &rel, &nr_rel) == 0 && nr_rel == 0,
	      "assign c: %zu released", nr_rel);
	free(rel);
	{
		uint32_t c_ids[8];
		size_t nr_c = all_ids(&c, c_ids, ARRAY_SIZE(c_ids));

		for (size_t i = 0; i < nr_c; i++)
			CHECK(!id_in(c_ids[i], rel_ab, nr_rel_ab),
			      "id %u handed out before rule_ids_release()",
			      c_ids[i]);
	}
	CHECK(!id_in(id_of(&c, "198.51.100.1", 1), rel_ab, nr_rel_ab) &&
		      !id_in(id_of(&c, "2001:db8::4", 2), rel_ab, nr_rel_ab),
	      "a pending id was handed out before rule_ids_release()");
	CHECK(!id_in(id_of(&c, "198.51.100.1", 1), a_ids, nr_a) &&
		      !id_in(id_of(&c, "2001:db8::4", 2), a_ids, nr_a),
	      "an id of the running set was reused");
	check_ids_valid(&c, 1000);

	/* the swap to b is done: release; c -> d's new rules reuse them */
	CHECK(rule_ids_release(&ids, rel_ab, nr_rel_ab) == 0, "release");
	fresh = ids.next_unused;
	rs_add_drop(&d, "192.0.2.1", 1);
	rs_add_drop(&d, "192.0.2.3", 1);
	rs_add_drop(&d, "198.51.100.1", 1);
	rs_add_drop(&d, "2001:db8::4", 2);
	rs_add_drop(&d, "203.0.113.0/24", 1);
	rs_add_drop(&d, "203.0.113.0/24", 2);
	rs_add_drop(&d, "2001:db8:5::/48", 1);
	ruleset_finish(&d);
	err = rule_ids_assign(&ids, &c, &d, &rel, &nr_rel);
	CHECK(err == 0 && nr_rel == 0, "assign d: %d, %zu released", err,
	      nr_rel);
	free(rel);
	check_ids_valid(&d, 1000);
	{
		uint32_t n1 = id_of(&d, "203.0.113.0/24", 1);
		uint32_t n2 = id_of(&d, "203.0.113.0/24", 2);
		uint32_t n3 = id_of(&d, "2001:db8:5::/48", 1);
		int reused = id_in(n1, rel_ab, nr_rel_ab) +
			     id_in(n2, rel_ab, nr_rel_ab) +
			     id_in(n3, rel_ab, nr_rel_ab);

		CHECK(reused == 2, "%d of the 2 released ids reused (%u %u %u)",
		      reused, n1, n2, n3);
		CHECK(n1 == fresh || n2 == fresh || n3 == fresh,
		      "the third new rule did not get the next fresh id %u",
		      fresh);
	}
	free(rel_ab);
	ruleset_free(&a);
	ruleset_free(&b);
	ruleset_free(&c);
	ruleset_free(&d);
	rule_ids_free(&ids);
}

static void rule_ids_rollback_restores(void)
{
	struct ruleset empty = {0}, a = {0}, b = {0};
	uint32_t *rel = NULL, first[8], second[8];
	size_t nr_rel = 0, n1, n2;
	struct rule_ids ids;
	uint32_t saved_next;
	size_t saved_free;

	rule_ids_init(&ids, 1000);
	rs_add_drop(&a, "192.0.2.1", 1);
	rs_add_drop(&a, "192.0.2.2", 1);
	rs_add_drop(&a, "192.0.2.3", 1);
	ruleset_finish(&a);
	CHECK(rule_ids_assign(&ids, &empty, &a, &rel, &nr_rel) == 0,
	      "assign a");
	free(rel);
	/* pretend two ids came back earlier, so the free stack is used too */
	{
		static const uint32_t back[] = {500, 501};

		CHECK(rule_ids_release(&ids, back, 2) == 0, "release");
	}
	saved_next = ids.next_unused;
	saved_free = ids.nr_free;

	/* b takes 2 free ids and 2 fresh ones; its activation "fails" */
	rs_add_drop(&b, "192.0.2.1", 1);
	rs_add_drop(&b, "10.0.0.0/8", 1);
	rs_add_drop(&b, "10.0.0.0/16", 1);
	rs_add_drop(&b, "2001:db8::/32", 1);
	rs_add_drop(&b, "2001:db8::/33", 1);
	ruleset_finish(&b);
	CHECK(rule_ids_assign(&ids, &a, &b, &rel, &nr_rel) == 0 && nr_rel == 2,
	      "assign b: %zu released", nr_rel);
	free(rel);
	n1 = all_ids(&b, first, ARRAY_SIZE(first));
	CHECK(ids.next_unused == saved_next + 2 && ids.nr_free == 0,
	      "assign b: next_unused %u nr_free %zu", ids.next_unused,
	      ids.nr_free);
	rule_ids_rollback(&ids);
	CHECK(ids.next_unused == saved_next && ids.nr_free == saved_free,
	      "rollback: next_unused %u (want %u), nr_free %zu (want %zu)",
	      ids.next_unused, saved_next, ids.nr_free, saved_free);

	/* the retry of the same set hands out exactly the same ids again */
	for (size_t i = 0; i < b.v4.nr; i++)
		b.v4.rules[i].rule_id = 0;
	for (size_t i = 0; i < b.v6.nr; i++)
		b.v6.rules[i].rule_id = 0;
	CHECK(rule_ids_assign(&ids, &a, &b, &rel, &nr_rel) == 0 && nr_rel == 2,
	      "retry: %zu released", nr_rel);
	free(rel);
	n2 = all_ids(&b, second, ARRAY_SIZE(second));
	CHECK(n1 == n2 && !memcmp(first, second, n1 * sizeof(first[0])),
	      "the retry gave different ids");
	check_ids_valid(&b, 1000);
	{
		uint32_t a_ids[4];
		size_t nr_a = all_ids(&a, a_ids, 4);
		int from_free = 0;

		for (size_t i = 0; i < n2; i++)
			from_free += second[i] == 500 || second[i] == 501;
		CHECK(from_free == 2,
		      "%d ids reused from the free stack, want 2", from_free);
		CHECK(id_in(id_of(&b, "192.0.2.1", 1), a_ids, nr_a),
		      "kept rule lost its id");
	}
	ruleset_free(&a);
	ruleset_free(&b);
	rule_ids_free(&ids);
}

static void rule_ids_enospc(void)
{
	struct ruleset empty = {0}, a = {0}, b = {0}, c = {0}, d = {0};
	static uint32_t poison;
	uint32_t *rel = &poison, gone;
	size_t nr_rel = 99;
	struct rule_ids ids;
	int err;

	/* capacity 4: ids 1, 2 and 3 */
	rule_ids_init(&ids, 4);
	rs_add_drop(&a, "192.0.2.1", 1);
	rs_add_drop(&a, "192.0.2.2", 1);
	rs_add_drop(&a, "2001:db8::1", 1);
	ruleset_finish(&a);
	err = rule_ids_assign(&ids, &empty, &a, &rel, &nr_rel);
	CHECK(err == 0, "3 rules in capacity 4: %d", err);
	free(rel);
	check_ids_valid(&a, 4);

	/* one more (IPv6, after the IPv4 table fitted): no space */
	rs_add_drop(&b, "192.0.2.1", 1);
	rs_add_drop(&b, "192.0.2.2", 1);
	rs_add_drop(&b, "2001:db8::1", 1);
	rs_add_drop(&b, "2001:db8::2", 1);
	ruleset_finish(&b);
	rel = &poison;
	nr_rel = 99;
	err = rule_ids_assign(&ids, &a, &b, &rel, &nr_rel);
	CHECK(err == -ENOSPC, "4th id: %d, want -ENOSPC", err);
	CHECK(rel == NULL && nr_rel == 0, "failed assign left released %p/%zu",
	      (void *)rel, nr_rel);
	CHECK(ids.next_unused == 4 && ids.nr_free == 0,
	      "failed assign changed the state: next %u free %zu",
	      ids.next_unused, ids.nr_free);

	/* replacing a rule needs its id released first */
	rs_add_drop(&c, "192.0.2.1", 1);
	rs_add_drop(&c, "2001:db8::1", 1);
	rs_add_drop(&c, "198.51.100.0/24", 1);
	ruleset_finish(&c);
	err = rule_ids_assign(&ids, &a, &c, &rel, &nr_rel);
	CHECK(err == -ENOSPC, "replacement before release: %d, want -ENOSPC",
	      err);

	/* drop one rule, release its id after the "swap", then it fits */
	rs_add_drop(&d, "192.0.2.1", 1);
	rs_add_drop(&d, "2001:db8::1", 1);
	ruleset_finish(&d);
	gone = id_of(&a, "192.0.2.2", 1);
	err = rule_ids_assign(&ids, &a, &d, &rel, &nr_rel);
	CHECK(err == 0 && nr_rel == 1 && rel && rel[0] == gone,
	      "shrink: %d, %zu released", err, nr_rel);
	CHECK(nr_rel == 1 && rule_ids_release(&ids, rel, nr_rel) == 0,
	      "release");
	free(rel);
	for (size_t i = 0; i < c.v4.nr; i++)
		c.v4.rules[i].rule_id = 0;
	for (size_t i = 0; i < c.v6.nr; i++)
		c.v6.rules[i].rule_id = 0;
	/* two new rules with one free id: no space, and the free id stays */
	{
		struct ruleset e = {0};

		rs_add_drop(&e, "192.0.2.1", 1);
		rs_add_drop(&e, "2001:db8::1", 1);
		rs_add_drop(&e, "198.51.100.0/24", 1);
		rs_add_drop(&e, "203.0.113.0/24", 1);
		ruleset_finish(&e);
		err = rule_ids_assign(&ids, &d, &e, &rel, &nr_rel);
		CHECK(err == -ENOSPC, "two new, one free id: %d", err);
		CHECK(ids.nr_free == 1,
		      "failed assign consumed the free id (%zu)", ids.nr_free);
		ruleset_free(&e);
	}
	err = rule_ids_assign(&ids, &d, &c, &rel, &nr_rel);
	CHECK(err == 0 && nr_rel == 0, "after release: %d", err);
	free(rel);
	CHECK(id_of(&c, "198.51.100.0/24", 1) == gone,
	      "new rule got id %u, want the released %u",
	      id_of(&c, "198.51.100.0/24", 1), gone);
	check_ids_valid(&c, 4);
	ruleset_free(&a);
	ruleset_free(&b);
	ruleset_free(&c);
	ruleset_free(&d);
	rule_ids_free(&ids);
}

void suite_ruleset(void)
{
	RUN_TEST("ruleset", ruleset_finish_sorts_and_dedups);
	RUN_TEST("ruleset", ruleset_finish_random);
	RUN_TEST("ruleset", rule_ids_keep_and_fresh);
	RUN_TEST("ruleset", rule_ids_reuse_after_release);
	RUN_TEST("ruleset", rule_ids_adopt_running_set);
	RUN_TEST("ruleset", rule_ids_rollback_restores);
	RUN_TEST("ruleset", rule_ids_enospc);
}
