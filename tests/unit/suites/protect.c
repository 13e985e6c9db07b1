// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The special-purpose ranges a list entry touches (rules/special.c) and
 * the protected set with its overlap counts (rules/protect.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules/protect.h"
#include "rules/special.h"
#include "testlib.h"
#include "common.h"
#include "suites.h"

/* The names of @bits, in special_name() order, space-separated. */
static const char *names_of(uint32_t bits, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < special_nr_names() && off < len; i++)
		if (bits & 1u << i)
			off += snprintf(buf + off, len - off, "%s%s",
					off ? " " : "", special_name(i));
	return buf;
}

struct special_case {
	const char *entry;
	const char *names; /* expected, in special_name() order */
};

static const struct special_case special_cases[] = {
	/* public addresses touch nothing */
	{"8.8.8.8", ""},
	{"172.32.0.0/16", ""},
	{"100.128.0.1", ""},
	{"2a00:1450::1", ""},
	/* inside one range */
	{"10.1.2.3", "private"},
	{"10.0.0.0/8", "private"},
	{"172.31.255.255", "private"},
	{"192.168.0.0/15", "private"}, /* holds 192.168/16 */
	{"100.64.0.0/10", "shared"},
	{"127.0.0.1", "loopback"},
	{"169.254.1.1", "link-local"},
	{"192.0.2.77", "documentation"},
	{"198.51.100.0/25", "documentation"},
	{"203.0.113.9", "documentation"},
	{"198.19.0.1", "benchmarking"},
	{"0.1.2.3", "this-network"},
	{"224.0.0.251", "multicast"},
	{"255.255.255.254", "reserved"},
	/* the innermost range only: 240/4 holds it too */
	{"255.255.255.255", "broadcast"},
	{"192.31.196.1", "as112"},
	{"192.52.193.1", "amt"},
	{"192.88.99.1", "6to4-relay"},
	{"192.0.0.8", "ietf-protocol"},
	/* holding several */
	{"192.0.0.0/16", "ietf-protocol documentation"},
	{"0.0.0.0/0",
	 "this-network private shared loopback link-local ietf-protocol documentation as112 amt 6to4-relay benchmarking multicast reserved broadcast"},
	/* IPv6 */
	{"::", "unspecified"},
	{"::1", "loopback"},
	{"::ffff:192.0.2.1", "ipv4-mapped"}, /* not IPv4's documentation */
	{"64:ff9b::192.0.2.1", "translation"},
	{"64:ff9b:1::5", "translation"},
	{"100::1", "discard"},
	{"2001:db8::1", "documentation"},
	{"3fff::1", "documentation"},
	{"2001:2::5", "benchmarking"}, /* not also ietf-protocol */
	{"2001:0:1::", "teredo"},
	{"2001:100::1", "ietf-protocol"},
	{"2001:10::1", "orchid"},
	{"2002:c000:201::1", "6to4"},
	{"5f00::1", "srv6"},
	{"fd00::1", "unique-local"},
	{"fe80::1", "link-local"},
	{"ff02::1", "multicast"},
	{"2001::/16", "ietf-protocol documentation benchmarking teredo orchid"},
	{"::/0",
	 "loopback link-local ietf-protocol documentation benchmarking multicast unspecified ipv4-mapped translation discard teredo orchid 6to4 srv6 unique-local"},
};

static void special_ranges_table(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(special_cases); i++) {
		const struct special_case *c = &special_cases[i];
		struct prefix p = pfx(c->entry);
		char got[600], want[600];
		uint32_t want_bits = 0;

		/* the expectation in the same order as the output */
		for (int n = 0; n < special_nr_names(); n++) {
			const char *w = c->names;
			size_t len = strlen(special_name(n));

			while ((w = strstr(w, special_name(n)))) {
				if ((w == c->names || w[-1] == ' ') &&
				    (w[len] == ' ' || !w[len]))
					want_bits |= 1u << n;
				w += len;
			}
		}
		names_of(want_bits, want, sizeof(want));
		CHECK(!strcmp(want, c->names),
		      "table row %s: names out of order or unknown: '%s'",
		      c->entry, c->names);
		names_of(special_classify(&p), got, sizeof(got));
		CHECK(!strcmp(got, c->names), "%s: '%s', want '%s'", c->entry,
		      got, c->names);
	}
}

/* Every name exists once, and each is found for an address of its own. */
static void special_names_distinct(void)
{
	for (int i = 0; i < special_nr_names(); i++)
		for (int j = i + 1; j < special_nr_names(); j++)
			CHECK(strcmp(special_name(i), special_name(j)),
			      "name %s twice", special_name(i));
	CHECK(!strcmp(special_name(special_nr_names()), "?"),
	      "past the last name");
}

static void protect_set_merges_kinds(void)
{
	struct protect_set s = {0};
	struct prefix host = pfx("192.0.2.1");
	struct prefix unclean;

	CHECK(!protect_set_add(&s, &host, XDPB_PROTECT_HOST), "add");
	CHECK(!protect_set_add(&s, &host, XDPB_PROTECT_SOURCE), "add again");
	CHECK(s.nr == 1, "one entry, got %zu", s.nr);
	CHECK(protect_set_count(&s, XDPB_PROTECT_HOST) == 1 &&
		      protect_set_count(&s, XDPB_PROTECT_SOURCE) == 1 &&
		      protect_set_count(&s, XDPB_PROTECT_OPERATOR) == 0,
	      "kinds merged");
	/* host bits past the length are cleared on the way in */
	unclean = pfx("198.51.100.0/24");
	unclean.addr[3] = 7;
	CHECK(!protect_set_add(&s, &unclean, XDPB_PROTECT_OPERATOR), "add");
	CHECK(protect_set_lookup(&s, &(struct prefix){0}) == 0, "no family");
	{
		struct prefix in = pfx("198.51.100.200"),
			      out = pfx("198.51.101.1");

		CHECK(protect_set_lookup(&s, &in) == XDPB_PROTECT_OPERATOR,
		      "inside the /24");
		CHECK(protect_set_lookup(&s, &out) == 0, "outside");
		CHECK(protect_set_lookup(&s, &host) ==
			      (XDPB_PROTECT_HOST | XDPB_PROTECT_SOURCE),
		      "both kinds");
	}
	protect_set_free(&s);
	CHECK(s.nr == 0 && !s.entries, "freed");
}

static void protect_set_bounded(void)
{
	struct protect_set s = {0};
	struct prefix p = pfx("192.0.2.0/32"), v6 = pfx("2001:db8::1");
	int err = 0, i;

	for (i = 0; i < XDPB_MAX_PROTECTED && !err; i++) {
		p.addr[2] = i >> 8;
		p.addr[3] = i & 0xff;
		err = protect_set_add(&s, &p, XDPB_PROTECT_HOST);
	}
	CHECK(!err && s.nr == XDPB_MAX_PROTECTED, "%d added", i);
	p.addr[1] = 1;
	CHECK(protect_set_add(&s, &p, XDPB_PROTECT_HOST) == -E2BIG,
	      "one past the map's size refused");
	/* the limit is per family, as the maps are */
	CHECK(!protect_set_add(&s, &v6, XDPB_PROTECT_HOST), "IPv6 still fits");
	protect_set_free(&s);
}

static void protect_set_equality(void)
{
	struct protect_set a = {0}, b = {0};
	struct prefix x = pfx("192.0.2.1"), y = pfx("2001:db8::/48");

	protect_set_add(&a, &x, XDPB_PROTECT_HOST);
	protect_set_add(&a, &y, XDPB_PROTECT_OPERATOR);
	protect_set_add(&b, &y, XDPB_PROTECT_OPERATOR);
	CHECK(!protect_set_equal(&a, &b), "fewer entries");
	protect_set_add(&b, &x, XDPB_PROTECT_SOURCE);
	CHECK(!protect_set_equal(&a, &b), "other kinds");
	protect_set_add(&b, &x, XDPB_PROTECT_HOST);
	protect_set_add(&a, &x, XDPB_PROTECT_SOURCE);
	CHECK(protect_set_equal(&a, &b), "same entries in another order");
	protect_set_free(&a);
	protect_set_free(&b);
}

/* The hint slot of address @a, computed here from its bytes. */
static uint32_t slot_of(const struct prefix *a)
{
	uint32_t first = (uint32_t)a->addr[0] << 24 | a->addr[1] << 16 |
			 a->addr[2] << 8 | a->addr[3];

	/* IPv4: the /16; IPv6: bits 3 to 18 */
	return a->family == AF_INET ? first >> 16 : (first >> 13) & 0xffff;
}

static int hint_has(const struct xdpb_protect_hint *h, uint32_t slot)
{
	return h->word[slot / 64] >> (slot % 64) & 1;
}

static size_t hint_count(const struct xdpb_protect_hint *h)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(h->word); i++)
		n += __builtin_popcountll(h->word[i]);
	return n;
}

struct hint_case {
	const char *entries[4]; /* the set, NULL ends */
	int family;
	size_t bits; /* how many slots are set */
	const char *in[3]; /* addresses whose slot is set */
	const char *out[3]; /* and whose is not */
};

/* clang-format off */
static const struct hint_case hint_cases[] = {
	{{"192.0.2.1"}, AF_INET, 1, {"192.0.255.255", "192.0.0.0"},
	 {"192.1.0.0", "191.255.255.255"}},
	/* shorter than /16: every /16 in it, the last included */
	{{"198.50.0.0/15"}, AF_INET, 2, {"198.50.0.1", "198.51.255.255"},
	 {"198.49.255.255", "198.52.0.0"}},
	{{"10.0.0.0/8", "10.1.2.3"}, AF_INET, 256, {"10.0.0.0", "10.255.0.1"},
	 {"11.0.0.0", "9.255.255.255"}},
	{{"0.0.0.0/0"}, AF_INET, 65536, {"0.0.0.0", "255.255.255.255"}, {NULL}},
	/* the other family's entries set nothing */
	{{"2001:db8::1"}, AF_INET, 0, {NULL}, {"32.1.13.184"}},
	/* IPv6: a /19 per slot */
	{{"2001:db8::1"}, AF_INET6, 1, {"2001::", "2001:1fff:ffff::1"},
	 {"2001:2000::", "2000:ffff::1"}},
	/* a /17 is four /19s */
	{{"2001:8000::/17"}, AF_INET6, 4, {"2001:8000::", "2001:ffff::1"},
	 {"2001:7fff::1", "2002::"}},
	/* outside 2000::/3 an address shares the slot of its bits 3-18 */
	{{"2001:db8::1"}, AF_INET6, 1, {"4001:db8::1", "c001:1000::"},
	 {"c001:2000::"}},
	{{"2000::/3"}, AF_INET6, 65536, {"2000::", "3fff:ffff::1", "fe80::1"},
	 {NULL}},
	{{"::/4"}, AF_INET6, 32768, {"::1", "fff:ffff::"},
	 {"1000::", "3000::"}},
};
/* clang-format on */

/*
 * protect_set_hint(): the slots of each entry, as counted and at the
 * edges; and for random sets, every address inside an entry finds its
 * slot set (a missing bit would let a rule drop a protected address).
 */
static void protect_hint_slots(void)
{
	struct xdpb_protect_hint *h = calloc(1, sizeof(*h));

	CHECK(h, "calloc");
	for (size_t i = 0; h && i < ARRAY_SIZE(hint_cases); i++) {
		const struct hint_case *c = &hint_cases[i];
		struct protect_set s = {0};

		for (size_t k = 0; k < 4 && c->entries[k]; k++) {
			struct prefix p = pfx(c->entries[k]);

			CHECK(!protect_set_add(&s, &p, XDPB_PROTECT_HOST),
			      "add %s", c->entries[k]);
		}
		memset(h, 0, sizeof(*h));
		protect_set_hint(&s, c->family, h);
		CHECK(hint_count(h) == c->bits, "%s: %zu slots, want %zu",
		      c->entries[0], hint_count(h), c->bits);
		for (size_t k = 0; k < 3 && c->in[k]; k++) {
			struct prefix a = pfx(c->in[k]);

			CHECK(hint_has(h, slot_of(&a)), "%s: %s not hinted",
			      c->entries[0], c->in[k]);
		}
		for (size_t k = 0; k < 3 && c->out[k]; k++) {
			struct prefix a = pfx(c->out[k]);

			CHECK(!hint_has(h, slot_of(&a)), "%s: %s hinted",
			      c->entries[0], c->out[k]);
		}
		protect_set_free(&s);
	}
	rng_seed(1513);
	for (int round = 0; h && round < 200; round++) {
		int family = round & 1 ? AF_INET6 : AF_INET;
		int bits = family == AF_INET ? 32 : 128;
		struct protect_set s = {0};
		struct prefix p[8];

		memset(h, 0, sizeof(*h));
		for (size_t k = 0; k < ARRAY_SIZE(p); k++) {
			/* mostly long prefixes, as hosts; some short */
			p[k] = random_prefix(family,
					     rng_below(4) ? bits - rng_below(9)
							  : rng_below(24));
			CHECK(!protect_set_add(&s, &p[k], XDPB_PROTECT_HOST),
			      "add");
		}
		protect_set_hint(&s, family, h);
		for (size_t k = 0; k < ARRAY_SIZE(p); k++)
			for (int last = 0; last < 2; last++) {
				struct prefix a = prefix_edge(&p[k], last);

				CHECK(hint_has(h, slot_of(&a)),
				      "%s: its %s address not hinted",
				      fmt(&p[k]), last ? "last" : "first");
			}
		protect_set_free(&s);
	}
	free(h);
}

struct overlap_case {
	const char *list[4]; /* the list's entries, NULL ends */
	uint32_t host, source, operator;
};

/*
 * The set: 192.0.2.1 (host and source), 2001:db8::1 (host), 198.51.100.7
 * (source), 203.0.113.0/24 (operator). A protected entry counts once,
 * however many list entries cover it.
 */
static const struct overlap_case overlap_cases[] = {
	{{"10.0.0.0/8", NULL}, 0, 0, 0},
	{{"192.0.2.0/24", NULL}, 1, 1, 0},
	{{"192.0.2.0/24", "192.0.2.1", "192.0.0.0/16", NULL}, 1, 1, 0},
	{{"192.0.2.2", "198.51.100.8", NULL}, 0, 0, 0},
	/* an entry inside a protected prefix overlaps it */
	{{"203.0.113.128/25", NULL}, 0, 0, 1},
	{{"203.0.0.0/8", NULL}, 0, 0, 1},
	{{"2001:db8::/32", NULL}, 1, 0, 0},
	{{"::ffff:192.0.2.1", NULL}, 0, 0, 0}, /* another family */
	{{"0.0.0.0/0", "::/0", NULL}, 2, 2, 1},
};

static void protect_overlap_table(void)
{
	struct protect_set s = {0};
	struct prefix p;

	p = pfx("192.0.2.1");
	protect_set_add(&s, &p, XDPB_PROTECT_HOST);
	protect_set_add(&s, &p, XDPB_PROTECT_SOURCE);
	p = pfx("2001:db8::1");
	protect_set_add(&s, &p, XDPB_PROTECT_HOST);
	p = pfx("198.51.100.7");
	protect_set_add(&s, &p, XDPB_PROTECT_SOURCE);
	p = pfx("203.0.113.0/24");
	protect_set_add(&s, &p, XDPB_PROTECT_OPERATOR);
	for (size_t i = 0; i < ARRAY_SIZE(overlap_cases); i++) {
		const struct overlap_case *c = &overlap_cases[i];
		uint32_t counts[PROTECT_NR_KINDS];
		struct protect_overlap o;

		CHECK(!protect_overlap_init(&o, &s), "init");
		for (int e = 0; c->list[e]; e++) {
			p = pfx(c->list[e]);
			protect_overlap_add(&o, &p);
		}
		protect_overlap_counts(&o, counts);
		protect_overlap_free(&o);
		CHECK(counts[PROTECT_KIND_HOST] == c->host &&
			      counts[PROTECT_KIND_SOURCE] == c->source &&
			      counts[PROTECT_KIND_OPERATOR] == c->operator,
		      "row %zu (%s...): host %u source %u operator %u, want %u %u %u",
		      i, c->list[0], counts[PROTECT_KIND_HOST],
		      counts[PROTECT_KIND_SOURCE],
		      counts[PROTECT_KIND_OPERATOR], c->host, c->source,
		      c->operator);
	}
	protect_set_free(&s);
}

/* An empty set covers nothing, and needs no entries to count. */
static void protect_overlap_empty_set(void)
{
	struct protect_set s = {0};
	struct protect_overlap o;
	uint32_t counts[PROTECT_NR_KINDS];
	struct prefix all = pfx("0.0.0.0/0");

	CHECK(!protect_overlap_init(&o, &s), "init");
	protect_overlap_add(&o, &all);
	protect_overlap_counts(&o, counts);
	protect_overlap_free(&o);
	CHECK(!counts[0] && !counts[1] && !counts[2], "nothing covered");
	CHECK(!strcmp(protect_kind_name(PROTECT_KIND_HOST), "host") &&
		      !strcmp(protect_kind_name(PROTECT_KIND_SOURCE),
			      "source") &&
		      !strcmp(protect_kind_name(PROTECT_KIND_OPERATOR),
			      "operator"),
	      "kind names");
}

void suite_protect(void)
{
	RUN_TEST("protect", special_ranges_table);
	RUN_TEST("protect", special_names_distinct);
	RUN_TEST("protect", protect_set_merges_kinds);
	RUN_TEST("protect", protect_set_bounded);
	RUN_TEST("protect", protect_set_equality);
	RUN_TEST("protect", protect_hint_slots);
	RUN_TEST("protect", protect_overlap_table);
	RUN_TEST("protect", protect_overlap_empty_set);
}
