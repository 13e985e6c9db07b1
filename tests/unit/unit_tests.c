// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Userspace unit tests: no BPF, no root.
 *
 *   prefix     parsing, formatting, ordering, containment, truncation
 *   listfile   comments, line ends, BOM, errors, the real lists in tests/data
 *   config     a full config, defaults, and every error message
 *   ruleset    sorting, duplicates, stable rule ids
 *   resolve    the resolved tables read by a C model of the datapath lookup
 *              (bpf/ip_match.bpf.h), compared with the reference matcher
 *   refmatch   the combination rules, per address and per packet
 *   promtext   Prometheus text format: label and HELP escaping, samples
 *   listen     metrics_listen addresses: the accepted forms, the refused
 *   features   kernel feature probes on made-up BTF and on the running
 *              kernel's, and the warning a missing feature gives
 *
 * Data files are read from $XDPBLOCK_TOP/tests/data, or ./tests/data when
 * XDPBLOCK_TOP is unset (tests/run.sh runs from the repository root).
 * Random rule sets use fixed seeds, so every run checks the same cases.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "common/escape.h"
#include "common/log.h"
#include "common/prefix.h"
#include "config/config.h"
#include "control/control.h"
#include "daemon/promtext.h"
#include "datapath/kernel_features.h"
#include "formats/addrlist.h"
#include "formats/listfile.h"
#include "formats/namelist.h"
#include "rules/plan.h"
#include "rules/refmatch.h"
#include "rules/ruleids.h"
#include "rules/ruleset.h"
#include "testfiles.h"
#include "testlib.h"
#include "datapath_model.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ==== helpers ========================================================= */

/* splitmix64: small, fast, and the same sequence for the same seed. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed;
}

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rng_below(uint32_t n)
{
	return n ? (uint32_t)(rng_next() % n) : 0;
}

/* Parse a prefix the test itself wrote; a typo in a test is a failure. */
static struct prefix pfx(const char *text)
{
	struct prefix p;
	const char *why = "";
	int err = prefix_parse(text, &p, &why);

	CHECK(err == 0, "test prefix '%s' does not parse: %s", text, why);
	if (err)
		memset(&p, 0, sizeof(p));
	return p;
}

static const char *fmt(const struct prefix *p)
{
	static char buf[4][PREFIX_STRLEN];
	static int slot;
	char *b = buf[slot++ % 4];

	prefix_format(p, b, PREFIX_STRLEN);
	return b;
}

static int prefix_eq(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Randomise every address bit from bit @from on; bits before it stay. */
static void random_bits_from(struct prefix *p, int from)
{
	int bytes = p->family == AF_INET ? 4 : 16;

	for (int i = 0; i < bytes; i++) {
		int keep = from - i * 8;
		uint8_t r = (uint8_t)rng_next();

		if (keep <= 0) {
			p->addr[i] = r;
		} else if (keep < 8) {
			uint8_t m = (uint8_t)(0xff << (8 - keep));

			p->addr[i] = (p->addr[i] & m) | (r & (uint8_t)~m);
		}
	}
}

/* The first (@last = 0) or last address of prefix @p. */
static struct prefix prefix_edge(const struct prefix *p, int last)
{
	struct prefix a = *p;
	int bytes = p->family == AF_INET ? 4 : 16;

	for (int i = 0; last && i < bytes; i++) {
		int keep = p->plen - i * 8;

		if (keep <= 0)
			a.addr[i] = 0xff;
		else if (keep < 8)
			a.addr[i] |= (uint8_t)(0xff >> keep);
	}
	a.plen = prefix_max_len(p);
	return a;
}

static struct prefix random_prefix(int family, int plen)
{
	struct prefix p = {.family = family};

	random_bits_from(&p, 0);
	prefix_truncate(&p, plen);
	return p;
}

/* ==== prefix ========================================================== */

struct valid_prefix {
	const char *text;
	int family, plen;
	const char *formatted;
};

static const struct valid_prefix valid_prefixes[] = {
	{"192.0.2.1", AF_INET, 32, "192.0.2.1/32"},
	{"192.0.2.1/32", AF_INET, 32, "192.0.2.1/32"},
	{"192.0.2.0/24", AF_INET, 24, "192.0.2.0/24"},
	{"192.0.2.128/25", AF_INET, 25, "192.0.2.128/25"},
	{"10.0.0.0/8", AF_INET, 8, "10.0.0.0/8"},
	{"0.0.0.0/0", AF_INET, 0, "0.0.0.0/0"},
	{"0.0.0.0", AF_INET, 32, "0.0.0.0/32"},
	{"255.255.255.255/32", AF_INET, 32, "255.255.255.255/32"},
	{"128.0.0.0/1", AF_INET, 1, "128.0.0.0/1"},
	{"2001:db8::/32", AF_INET6, 32, "2001:db8::/32"},
	{"2001:DB8::1", AF_INET6, 128, "2001:db8::1/128"},
	{"2001:db8:0:0:1::/80", AF_INET6, 80, "2001:db8:0:0:1::/80"},
	{"::/0", AF_INET6, 0, "::/0"},
	{"::", AF_INET6, 128, "::/128"},
	{"::1/128", AF_INET6, 128, "::1/128"},
	{"fe80::/10", AF_INET6, 10, "fe80::/10"},
	{"64:ff9b::192.0.2.1", AF_INET6, 128, "64:ff9b::c000:201/128"},
	{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", AF_INET6, 128,
	 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"},
	{"8000::/1", AF_INET6, 1, "8000::/1"},
};

static void prefix_parse_valid(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(valid_prefixes); i++) {
		const struct valid_prefix *v = &valid_prefixes[i];
		const char *why = NULL;
		char buf[PREFIX_STRLEN];
		struct prefix p;
		int err = prefix_parse(v->text, &p, &why);

		CHECK(err == 0, "'%s' rejected: %s", v->text, why);
		if (err)
			continue;
		CHECK(p.family == v->family && p.plen == v->plen,
		      "'%s': family %d /%d, want %d /%d", v->text, p.family,
		      p.plen, v->family, v->plen);
		prefix_format(&p, buf, sizeof(buf));
		CHECK(!strcmp(buf, v->formatted),
		      "'%s' formats as '%s', want '%s'", v->text, buf,
		      v->formatted);
	}
}

static void prefix_parse_bytes(void)
{
	struct prefix p = pfx("192.0.2.128/25");
	static const uint8_t v4[16] = {192, 0, 2, 128};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				       0,    0,	   0,	 0,    0, 0, 0, 1};

	/* IPv4 uses addr[0..3] in network order; the rest stays zero. */
	CHECK(!memcmp(p.addr, v4, 16),
	      "192.0.2.128/25 stored as %02x%02x%02x%02x...", p.addr[0],
	      p.addr[1], p.addr[2], p.addr[3]);
	p = pfx("2001:db8::1");
	CHECK(!memcmp(p.addr, v6, 16), "2001:db8::1 stored wrongly");
	CHECK(prefix_max_len(&p) == 128, "IPv6 max length %d",
	      prefix_max_len(&p));
	p = pfx("192.0.2.1");
	CHECK(prefix_max_len(&p) == 32, "IPv4 max length %d",
	      prefix_max_len(&p));
}

struct invalid_prefix {
	const char *text;
	const char *why; /* substring of the reason */
};

static const struct invalid_prefix invalid_prefixes[] = {
	/* host bits set past the length */
	{"192.0.2.1/24", "host bits"},
	{"10.0.0.1/31", "host bits"},
	{"11.0.0.0/7", "host bits"},
	{"0.0.0.1/0", "host bits"},
	{"2001:db8::1/64", "host bits"},
	{"::1/0", "host bits"},
	{"2001:db8:4000::/33", "host bits"},
	{"2001:db8:8000::/32", "host bits"},
	/* bad lengths */
	{"10.0.0.0/33", "0..32"},
	{"::/129", "0..128"},
	{"10.0.0.0/-1", "not a number"},
	{"::/-1", "not a number"},
	{"10.0.0.0/abc", "not a number"},
	{"10.0.0.0/", "not a number"},
	{"10.0.0.0/ 8", "not a number"},
	{"10.0.0.0/+8", "not a number"},
	{"10.0.0.0/8x", "prefix length"},
	{"10.0.0.0/8/8", "prefix length"},
	{"10.0.0.0/4294967304", "0..32"}, /* 2^32 + 8 must not wrap to 8 */
	{"::/99999999999999999999999", "0..128"},
	/* not an address */
	{"", "not an IPv4 or IPv6 address"},
	{"/8", "not an IPv4 or IPv6 address"},
	{"garbage", "not an IPv4 or IPv6 address"},
	{"1.2.3", "not an IPv4 or IPv6 address"},
	{"256.0.0.0", "not an IPv4 or IPv6 address"},
	{"1.2.3.4.5", "not an IPv4 or IPv6 address"},
	{"01.2.3.4", "not an IPv4 or IPv6 address"},
	{"0x0a000001", "not an IPv4 or IPv6 address"},
	{" 1.2.3.4", "not an IPv4 or IPv6 address"},
	{"1.2.3.4 ", "not an IPv4 or IPv6 address"},
	{"2001:db8:::1", "not an IPv4 or IPv6 address"},
	{"1:2:3:4:5:6:7:8:9", "not an IPv4 or IPv6 address"},
	{"2001:db8::g", "not an IPv4 or IPv6 address"},
	{"fe80::1%eth0", "not an IPv4 or IPv6 address"},
	{"example.com", "not an IPv4 or IPv6 address"},
	{"1.2.3.4/24 ; SBL123", "prefix length"},
};

static void prefix_parse_invalid(void)
{
	char longtext[200];

	for (size_t i = 0; i < ARRAY_SIZE(invalid_prefixes); i++) {
		const struct invalid_prefix *v = &invalid_prefixes[i];
		const char *why = NULL;
		struct prefix p;
		int err = prefix_parse(v->text, &p, &why);

		CHECK(err == -EINVAL, "'%s' accepted (%d) as %s", v->text, err,
		      err ? "-" : fmt(&p));
		if (err != -EINVAL)
			continue;
		CHECK(why && strstr(why, v->why),
		      "'%s': reason '%s' lacks '%s'", v->text,
		      why ? why : "(null)", v->why);
	}

	/* Longer than any address: no overflow, a clean rejection. */
	memset(longtext, '1', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	{
		const char *why = NULL;
		struct prefix p;

		CHECK(prefix_parse(longtext, &p, &why) == -EINVAL && why,
		      "200-character entry not rejected");
	}
}

/*
 * IPv4-mapped IPv6 (::ffff:a.b.c.d). man xdpblock.conf.5: "is an IPv6
 * rule and matches only IPv6 packets". So it parses as an IPv6 /128,
 * never as IPv4, with the usual host-bit rules; combination_rules checks
 * that it does not match the IPv4 address.
 */
static void prefix_ipv4_mapped_is_ipv6(void)
{
	static const uint8_t want[16] = {0, 0, 0,    0,	   0,	0, 0, 0,
					 0, 0, 0xff, 0xff, 192, 0, 2, 1};
	static const char *const same[] = {"::ffff:192.0.2.1",
					   "::ffff:192.0.2.1/128",
					   "::ffff:c000:201",
					   "0:0:0:0:0:ffff:192.0.2.1"};
	struct prefix v4 = pfx("192.0.2.0/24"), p;
	const char *why = "";

	for (size_t i = 0; i < ARRAY_SIZE(same); i++) {
		int err = prefix_parse(same[i], &p, &why);

		CHECK(err == 0 && p.family == AF_INET6 && p.plen == 128 &&
			      !memcmp(p.addr, want, 16),
		      "'%s': %d %s", same[i], err, err ? why : fmt(&p));
		CHECK(!strcmp(fmt(&p), "::ffff:192.0.2.1/128"),
		      "'%s' formats as %s", same[i], fmt(&p));
		CHECK(!prefix_contains(&v4, &p) && prefix_cmp(&v4, &p) < 0,
		      "192.0.2.0/24 and %s are not kept apart", same[i]);
	}
	p = pfx("::ffff:192.0.2.0/120");
	CHECK(p.family == AF_INET6 && p.plen == 120,
	      "::ffff:192.0.2.0/120 -> %s", fmt(&p));
	CHECK(prefix_parse("::ffff:192.0.2.1/120", &p, &why) == -EINVAL &&
		      strstr(why, "host bits"),
	      "::ffff:192.0.2.1/120 accepted");
	CHECK(prefix_parse("::ffff:192.0.2.0/24", &p, &why) == -EINVAL,
	      "::ffff:192.0.2.0/24 (an IPv4 length on a mapped address) accepted");
}

static void prefix_address_parse(void)
{
	struct prefix p;

	CHECK(address_parse("192.0.2.7", &p) == 0 && p.family == AF_INET &&
		      p.plen == 32 && p.addr[3] == 7,
	      "192.0.2.7 -> %s", fmt(&p));
	CHECK(address_parse("2001:db8::7", &p) == 0 && p.family == AF_INET6 &&
		      p.plen == 128 && p.addr[15] == 7,
	      "2001:db8::7 -> %s", fmt(&p));
	CHECK(address_parse("192.0.2.0/24", &p) == -EINVAL,
	      "address_parse accepts a CIDR");
	CHECK(address_parse("", &p) == -EINVAL, "address_parse accepts ''");
	CHECK(address_parse("nope", &p) == -EINVAL,
	      "address_parse accepts 'nope'");
}

static void prefix_format_round_trip(void)
{
	char buf[PREFIX_STRLEN], buf2[PREFIX_STRLEN];
	int failures = 0;

	rng_seed(101);
	for (int i = 0; i < 4000; i++) {
		int family = i & 1 ? AF_INET6 : AF_INET;
		int plen = rng_below(family == AF_INET ? 33 : 129);
		struct prefix p = random_prefix(family, plen), q;
		const char *why = "";

		/* Also long runs of zero bits, where "::" compression kicks in. */
		if (family == AF_INET6 && rng_below(3) == 0)
			memset(p.addr + rng_below(8), 0, 4 + rng_below(5));
		prefix_truncate(&p, plen);
		prefix_format(&p, buf, sizeof(buf));
		if (prefix_parse(buf, &q, &why) || !prefix_eq(&p, &q)) {
			if (failures++ < 5)
				CHECK(0, "'%s' does not parse back (%s)", buf,
				      why);
			continue;
		}
		prefix_format(&q, buf2, sizeof(buf2));
		if (strcmp(buf, buf2) && failures++ < 5)
			CHECK(0, "'%s' formats again as '%s'", buf, buf2);
	}
	CHECK(failures == 0, "%d round trips failed", failures);
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void prefix_cmp_order(void)
{
	/* Ascending: family, then address, then length. */
	static const char *const sorted[] = {
		"0.0.0.0/0",	 "0.0.0.0/8",	  "10.0.0.0/7",
		"10.0.0.0/8",	 "10.0.0.0/16",	  "10.0.0.0/24",
		"10.0.0.0/32",	 "10.0.0.1/32",	  "10.0.1.0/24",
		"10.1.0.0/16",	 "11.0.0.0/8",	  "255.255.255.255/32",
		"::/0",		 "::/128",	  "::1/128",
		"2001:db8::/32", "2001:db8::/48", "2001:db8:0:1::/64",
		"2001:db9::/32", "ffff::/16",
	};
	struct prefix p[ARRAY_SIZE(sorted)];

	for (size_t i = 0; i < ARRAY_SIZE(sorted); i++)
		p[i] = pfx(sorted[i]);
	for (size_t i = 0; i < ARRAY_SIZE(sorted); i++)
		for (size_t j = 0; j < ARRAY_SIZE(sorted); j++) {
			int want = i < j ? -1 : i > j ? 1 : 0;
			int got = sign(prefix_cmp(&p[i], &p[j]));

			CHECK(got == want, "cmp(%s, %s) = %d, want %d",
			      sorted[i], sorted[j], got, want);
		}
}

/* A prefix sorts before every prefix it contains (random nested pairs). */
static void prefix_cmp_contains_property(void)
{
	int bad = 0;

	rng_seed(102);
	for (int i = 0; i < 20000; i++) {
		int family = i & 1 ? AF_INET6 : AF_INET;
		int max = family == AF_INET ? 32 : 128;
		int inner_len = rng_below(max + 1);
		int outer_len = rng_below(inner_len + 1);
		struct prefix inner = random_prefix(family, inner_len);
		struct prefix outer = inner;
		struct prefix other;

		prefix_truncate(&outer, outer_len);
		if (!prefix_contains(&outer, &inner)) {
			if (bad++ < 5)
				CHECK(0, "%s does not contain %s", fmt(&outer),
				      fmt(&inner));
			continue;
		}
		if (outer_len != inner_len &&
		    (prefix_cmp(&outer, &inner) >= 0 ||
		     prefix_cmp(&inner, &outer) <= 0)) {
			if (bad++ < 5)
				CHECK(0, "%s does not sort before %s",
				      fmt(&outer), fmt(&inner));
		}
		/* Antisymmetry against an unrelated prefix. */
		other = random_prefix(rng_below(2) ? AF_INET : AF_INET6,
				      rng_below(33));
		if (sign(prefix_cmp(&other, &inner)) !=
		    -sign(prefix_cmp(&inner, &other))) {
			if (bad++ < 5)
				CHECK(0, "cmp(%s, %s) not antisymmetric",
				      fmt(&other), fmt(&inner));
		}
	}
	CHECK(bad == 0, "%d ordering violations", bad);
}

static void prefix_contains_cases(void)
{
	static const struct {
		const char *outer, *inner;
		int want;
	} cases[] = {
		{"10.0.0.0/8", "10.1.2.3/32", 1},
		{"10.0.0.0/8", "10.0.0.0/8", 1},
		{"10.0.0.0/8", "10.255.0.0/16", 1},
		{"10.0.0.0/8", "11.0.0.0/8", 0},
		{"10.0.0.0/8", "10.0.0.0/7", 0},
		{"10.0.0.0/16", "10.0.0.0/8", 0},
		{"0.0.0.0/0", "255.255.255.255/32", 1},
		{"0.0.0.0/0", "::/128", 0},
		{"::/0", "0.0.0.0/0", 0},
		{"::/0", "2001:db8::1/128", 1},
		{"192.0.2.128/25", "192.0.2.255/32", 1},
		{"192.0.2.128/25", "192.0.2.127/32", 0},
		{"192.0.2.0/31", "192.0.2.1/32", 1},
		{"192.0.2.0/31", "192.0.2.2/32", 0},
		{"2001:db8::/32", "2001:db8:ffff::/48", 1},
		{"2001:db8::/32", "2001:db9::/32", 0},
		{"2001:db8::/127", "2001:db8::1/128", 1},
		{"2001:db8::/127", "2001:db8::2/128", 0},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct prefix o = pfx(cases[i].outer), in = pfx(cases[i].inner);
		int got = !!prefix_contains(&o, &in);

		CHECK(got == cases[i].want, "contains(%s, %s) = %d, want %d",
		      cases[i].outer, cases[i].inner, got, cases[i].want);
	}
}

static void prefix_truncate_cases(void)
{
	static const struct {
		const char *in;
		int plen;
		const char *want;
	} cases[] = {
		{"192.0.2.255", 25, "192.0.2.128/25"},
		{"192.0.2.255", 24, "192.0.2.0/24"},
		{"192.0.2.255", 0, "0.0.0.0/0"},
		{"192.0.2.255", 32, "192.0.2.255/32"},
		{"255.255.255.255", 1, "128.0.0.0/1"},
		{"255.255.255.255", 31, "255.255.255.254/31"},
		{"2001:db8:abcd:ef01::1", 36, "2001:db8:a000::/36"},
		{"2001:db8:abcd:ef01::1", 127, "2001:db8:abcd:ef01::/127"},
		{"2001:db8:abcd:ef01::1", 128, "2001:db8:abcd:ef01::1/128"},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65,
		 "ffff:ffff:ffff:ffff:8000::/65"},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, "::/0"},
	};
	int bad = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct prefix p = pfx(cases[i].in);

		prefix_truncate(&p, cases[i].plen);
		CHECK(!strcmp(fmt(&p), cases[i].want),
		      "truncate(%s, %d) = %s, want %s", cases[i].in,
		      cases[i].plen, fmt(&p), cases[i].want);
	}

	/* Random: the result is a valid network that contains the input. */
	rng_seed(103);
	for (int i = 0; i < 5000; i++) {
		int family = i & 1 ? AF_INET6 : AF_INET;
		int max = family == AF_INET ? 32 : 128;
		struct prefix p = random_prefix(family, max), t = p, again,
			      parsed;
		int plen = rng_below(max + 1);
		const char *why = "";
		int ok;

		prefix_truncate(&t, plen);
		again = t;
		prefix_truncate(&again, plen);
		ok = t.plen == plen && prefix_contains(&t, &p) &&
		     prefix_eq(&t, &again) &&
		     !prefix_parse(fmt(&t), &parsed, &why) &&
		     prefix_eq(&t, &parsed);
		/* IPv4 never touches the unused bytes 4..15 */
		for (int b = 4; family == AF_INET && b < 16; b++)
			ok &= t.addr[b] == 0;
		if (!ok && bad++ < 5)
			CHECK(0, "truncate(%s, %d) = %s (%s)", fmt(&p), plen,
			      fmt(&t), why);
	}
	CHECK(bad == 0, "%d bad truncations", bad);
}

/* ==== listfile ======================================================== */

static int parse_text(const char *name, const char *text,
		      enum list_on_error on_error, struct parsed_list *l)
{
	return listfile_parse_buffer(name, text, strlen(text), on_error, l);
}

/* Entry @i of @l is @text from line @line. */
static void check_entry(const struct parsed_list *l, size_t i, const char *text,
			uint32_t line)
{
	struct prefix want = pfx(text);

	CHECK(i < l->nr, "entry %zu missing (only %zu)", i, l->nr);
	if (i >= l->nr)
		return;
	CHECK(prefix_eq(&l->entries[i].prefix, &want),
	      "entry %zu is %s, want %s", i, fmt(&l->entries[i].prefix), text);
	CHECK(l->entries[i].line == line, "entry %zu (%s) on line %u, want %u",
	      i, text, l->entries[i].line, line);
}

static void list_comments_blanks_spaces(void)
{
	static const char text[] =
		"# header comment\n" /* 1 */
		"\n" /* 2 */
		"192.0.2.1\n" /* 3 */
		"198.51.100.0/24   # trailing comment\n" /* 4 */
		"  \t10.0.0.0/8 \t \n" /* 5 */
		"\t\n" /* 6 */
		"2001:db8::/32\n" /* 7 */
		"   # indented comment\n" /* 8 */
		"203.0.113.7#comment without a space\n" /* 9 */
		"#192.0.2.99\n" /* 10 */
		"   \n" /* 11 */
		"::1"; /* 12, no newline */
	struct parsed_list l;
	int err = parse_text("basic.txt", text, LIST_ON_ERROR_REJECT, &l);

	CHECK(err == 0, "parse failed: %d %s", err, l.error);
	CHECK(l.nr == 6, "%zu entries, want 6", l.nr);
	CHECK(l.nr_v4 == 4 && l.nr_v6 == 2, "v4 %zu v6 %zu, want 4 and 2",
	      l.nr_v4, l.nr_v6);
	CHECK(l.nr_skipped == 0, "%zu skipped", l.nr_skipped);
	CHECK(l.error[0] == '\0', "error set: %s", l.error);
	check_entry(&l, 0, "192.0.2.1", 3);
	check_entry(&l, 1, "198.51.100.0/24", 4);
	check_entry(&l, 2, "10.0.0.0/8", 5);
	check_entry(&l, 3, "2001:db8::/32", 7);
	check_entry(&l, 4, "203.0.113.7", 9);
	check_entry(&l, 5, "::1", 12);
	parsed_list_free(&l);
}

static void list_crlf_bom_no_final_newline(void)
{
	struct parsed_list l;
	int err;

	err = parse_text(
		"crlf.txt",
		"# c\r\n192.0.2.1\r\n\r\n10.0.0.0/8 # x\r\n 2001:db8::/32 \r\n",
		LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0, "CRLF: %d %s", err, l.error);
	CHECK(l.nr == 3, "CRLF: %zu entries, want 3", l.nr);
	check_entry(&l, 0, "192.0.2.1", 2);
	check_entry(&l, 1, "10.0.0.0/8", 4);
	check_entry(&l, 2, "2001:db8::/32", 5);
	parsed_list_free(&l);

	/* CRLF and no line end after the last line, as in the Feodo list */
	err = parse_text("crlf-eof.txt", "192.0.2.1\r\n192.0.2.2",
			 LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0 && l.nr == 2,
	      "CRLF, no final newline: %d, %zu entries %s", err, l.nr, l.error);
	check_entry(&l, 1, "192.0.2.2", 2);
	parsed_list_free(&l);

	err = parse_text("eof.txt", "192.0.2.1\n2001:db8::/64",
			 LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0 && l.nr == 2, "no final newline: %d, %zu entries", err,
	      l.nr);
	check_entry(&l, 1, "2001:db8::/64", 2);
	parsed_list_free(&l);

	/* UTF-8 BOM before the first entry, and before a first comment */
	err = parse_text("bom.txt",
			 "\xef\xbb\xbf"
			 "192.0.2.1\r\n10.0.0.0/8\n",
			 LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0 && l.nr == 2, "BOM: %d, %zu entries %s", err, l.nr,
	      l.error);
	check_entry(&l, 0, "192.0.2.1", 1);
	check_entry(&l, 1, "10.0.0.0/8", 2);
	parsed_list_free(&l);

	err = parse_text("bom2.txt", "\xef\xbb\xbf# list\n192.0.2.1",
			 LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0 && l.nr == 1, "BOM + comment: %d, %zu entries %s", err,
	      l.nr, l.error);
	check_entry(&l, 0, "192.0.2.1", 2);
	parsed_list_free(&l);

	/* A BOM is only skipped at the start of the file. */
	err = parse_text("bom3.txt",
			 "192.0.2.1\n\xef\xbb\xbf"
			 "192.0.2.2\n",
			 LIST_ON_ERROR_REJECT, &l);
	CHECK(err == -EINVAL && strstr(l.error, "bom3.txt:2:"),
	      "BOM on line 2: %d '%s'", err, l.error);
	parsed_list_free(&l);
}

static void list_empty(void)
{
	static const char *const texts[] = {
		"",
		"\n",
		"\r\n",
		"# only a comment",
		"# a\n\n  # b\n\t\n",
		"\xef\xbb\xbf",
		"\xef\xbb\xbf\r\n",
	};

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		struct parsed_list l;
		int err = parse_text("empty.txt", texts[i],
				     LIST_ON_ERROR_REJECT, &l);

		CHECK(err == 0 && l.nr == 0 && l.nr_skipped == 0 && !l.error[0],
		      "text %zu: %d, %zu entries, '%s'", i, err, l.nr, l.error);
		parsed_list_free(&l);
	}
}

static void list_reject_reports_first_bad_line(void)
{
	static const char text[] = "192.0.2.1\n" /* 1 */
				   "# comment\n" /* 2 */
				   "\n" /* 3 */
				   "not-an-ip\n" /* 4: first bad line */
				   "10.0.0.300\n" /* 5 */
				   "198.51.100.0/24\n";
	struct parsed_list l;
	int err = parse_text("bad.txt", text, LIST_ON_ERROR_REJECT, &l);

	CHECK(err == -EINVAL, "reject returned %d", err);
	CHECK(!strncmp(l.error, "bad.txt:4: ", 11),
	      "error '%s' does not start with 'bad.txt:4: '", l.error);
	CHECK(strstr(l.error, "not an IPv4 or IPv6 address"),
	      "error '%s' lacks the reason", l.error);
	parsed_list_free(&l);

	err = parse_text("hostbits.txt", "10.0.0.0/8\r\n192.0.2.1/24\r\n",
			 LIST_ON_ERROR_REJECT, &l);
	CHECK(err == -EINVAL, "host bits: %d", err);
	CHECK(!strncmp(l.error, "hostbits.txt:2: ", 16) &&
		      strstr(l.error, "host bits"),
	      "host bits error '%s'", l.error);
	parsed_list_free(&l);

	err = parse_text("len.txt", "::/129 # too long\n", LIST_ON_ERROR_REJECT,
			 &l);
	CHECK(err == -EINVAL && !strncmp(l.error, "len.txt:1: ", 11) &&
		      strstr(l.error, "0..128"),
	      "bad length: %d '%s'", err, l.error);
	parsed_list_free(&l);
}

static void list_skip_line_counts_and_keeps(void)
{
	static const char text[] = "192.0.2.1\n" /* 1 good */
				   "bogus\n" /* 2 bad */
				   "10.0.0.0/8\n" /* 3 good */
				   "192.0.2.1/24\n" /* 4 bad: host bits */
				   "\n" /* 5 */
				   "2001:db8::1/129\n" /* 6 bad */
				   "a b\n" /* 7 bad: two fields */
				   "2001:db8::/32"; /* 8 good */
	struct parsed_list l;
	int err = parse_text("skip.txt", text, LIST_ON_ERROR_SKIP_LINE, &l);

	CHECK(err == 0, "skip-line returned %d", err);
	CHECK(l.nr == 3, "%zu entries, want 3", l.nr);
	CHECK(l.nr_skipped == 4, "%zu skipped, want 4", l.nr_skipped);
	CHECK(l.nr_v4 == 2 && l.nr_v6 == 1, "v4 %zu v6 %zu", l.nr_v4, l.nr_v6);
	check_entry(&l, 0, "192.0.2.1", 1);
	check_entry(&l, 1, "10.0.0.0/8", 3);
	check_entry(&l, 2, "2001:db8::/32", 8);
	/* the first problem is still reported, for status and logs */
	CHECK(!strncmp(l.error, "skip.txt:2: ", 12) &&
		      strstr(l.error, "not an IPv4 or IPv6 address"),
	      "error '%s'", l.error);
	parsed_list_free(&l);

	/* the same text rejects at line 2 */
	err = parse_text("skip.txt", text, LIST_ON_ERROR_REJECT, &l);
	CHECK(err == -EINVAL && !strncmp(l.error, "skip.txt:2: ", 12),
	      "reject: %d '%s'", err, l.error);
	parsed_list_free(&l);
}

static void list_two_fields_rejected(void)
{
	static const char *const texts[] = {
		"192.0.2.1 198.51.100.1\n", "192.0.2.0/24\t198.51.100.0/24\r\n",
		"  10.0.0.0/8   drop  # why not\n",
		"192.0.2.0/24 ; SBL123456\n", /* Spamhaus style is not plain */
	};

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		struct parsed_list l;
		int err = parse_text("two.txt", texts[i], LIST_ON_ERROR_REJECT,
				     &l);

		CHECK(err == -EINVAL && l.nr == 0, "text %zu: %d, %zu entries",
		      i, err, l.nr);
		CHECK(!strncmp(l.error, "two.txt:1: ", 11) &&
			      strstr(l.error, "more than one field"),
		      "text %zu: error '%s'", i, l.error);
		parsed_list_free(&l);
	}
}

static void list_odd_bytes(void)
{
	static const char nul[] = "192.0.2.1\n192.0.2.2\0junk\n";
	char longline[300];
	struct parsed_list l;
	int err;

	err = listfile_parse_buffer("nul.txt", nul, sizeof(nul) - 1,
				    LIST_ON_ERROR_REJECT, &l);
	CHECK(err == -EINVAL && !strncmp(l.error, "nul.txt:2: ", 11) &&
		      strstr(l.error, "NUL"),
	      "NUL byte: %d '%s'", err, l.error);
	parsed_list_free(&l);

	memset(longline, 'a', sizeof(longline) - 2);
	longline[sizeof(longline) - 2] = '\n';
	longline[sizeof(longline) - 1] = '\0';
	err = parse_text("long.txt", longline, LIST_ON_ERROR_SKIP_LINE, &l);
	CHECK(err == 0 && l.nr == 0 && l.nr_skipped == 1 &&
		      strstr(l.error, "long.txt:1: ") &&
		      strstr(l.error, "too long"),
	      "long line: %d %zu %zu '%s'", err, l.nr, l.nr_skipped, l.error);
	parsed_list_free(&l);
}

/* Entries shorter than "1.2.3.4\n": the array must grow past its guess. */
static void list_many_short_entries(void)
{
	size_t n = 5000, len = 0;
	char *text = malloc(n * 3 + 1);
	struct parsed_list l;
	int err;

	if (!text)
		exit(2);
	for (size_t i = 0; i < n; i++) {
		memcpy(text + len, "::\n", 3);
		len += 3;
	}
	err = listfile_parse_buffer("short.txt", text, len,
				    LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0 && l.nr == n && l.nr_v6 == n, "%d, %zu entries of %zu",
	      err, l.nr, n);
	CHECK(l.nr && l.entries[l.nr - 1].line == n &&
		      l.entries[l.nr - 1].prefix.plen == 128,
	      "last entry line %u", l.nr ? l.entries[l.nr - 1].line : 0);
	parsed_list_free(&l);
	free(text);
}

static void list_files(void)
{
	const char *path = tmp_write_str(
		"list-file.txt",
		"# a list\r\n192.0.2.0/24\r\nbad\r\n2001:db8::/48");
	const char *empty = tmp_write("empty-file.txt", "", 0);
	char missing[PATH_MAX + 32], want[PATH_MAX + 32];
	struct parsed_list l;
	int err;

	err = listfile_parse(path, LIST_ON_ERROR_SKIP_LINE, &l);
	CHECK(err == 0 && l.nr == 2 && l.nr_skipped == 1,
	      "file: %d %zu %zu '%s'", err, l.nr, l.nr_skipped, l.error);
	check_entry(&l, 0, "192.0.2.0/24", 2);
	check_entry(&l, 1, "2001:db8::/48", 4);
	parsed_list_free(&l);

	err = listfile_parse(path, LIST_ON_ERROR_REJECT, &l);
	snprintf(want, sizeof(want), "%s:3: ", path);
	CHECK(err == -EINVAL && !strncmp(l.error, want, strlen(want)),
	      "file reject: %d '%s', want it to start '%s'", err, l.error,
	      want);
	parsed_list_free(&l);

	err = listfile_parse(empty, LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0 && l.nr == 0 && !l.error[0], "empty file: %d %zu '%s'",
	      err, l.nr, l.error);
	parsed_list_free(&l);

	snprintf(missing, sizeof(missing), "%s/does-not-exist.txt", tmp_dir);
	err = listfile_parse(missing, LIST_ON_ERROR_REJECT, &l);
	CHECK(err == -ENOENT, "missing file returned %d", err);
	CHECK(strstr(l.error, missing) && strstr(l.error, "cannot open") &&
		      strstr(l.error, strerror(ENOENT)),
	      "missing file error '%s'", l.error);
	CHECK(l.nr == 0, "missing file has %zu entries", l.nr);
	parsed_list_free(&l);

	err = listfile_parse(tmp_dir, LIST_ON_ERROR_REJECT, &l);
	CHECK(err < 0 && strstr(l.error, tmp_dir) &&
		      strstr(l.error, "not a regular file"),
	      "directory: %d '%s'", err, l.error);
	parsed_list_free(&l);
}

static void list_real_firehol(void)
{
	const char *path = data_path("firehol_level1.netset");
	struct parsed_list l;
	struct stat st = {0};
	int err;

	CHECK(stat(path, &st) == 0,
	      "%s: %s (set XDPBLOCK_TOP to the repository)", path,
	      strerror(errno));
	CHECK(st.st_size == 45901, "%s is %lld bytes, documented 45,901", path,
	      (long long)st.st_size);
	err = listfile_parse(path, LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0, "reject mode failed: %d %s", err, l.error);
	CHECK(l.nr == 2892, "%zu entries, documented 2,892", l.nr);
	CHECK(l.nr_v4 == 2892 && l.nr_v6 == 0, "v4 %zu v6 %zu, want all IPv4",
	      l.nr_v4, l.nr_v6);
	CHECK(l.nr_skipped == 0 && !l.error[0], "%zu skipped, '%s'",
	      l.nr_skipped, l.error);
	check_entry(&l, 0, "0.0.0.0/8", 34);
	if (l.nr)
		check_entry(&l, l.nr - 1, "224.0.0.0/3", 2925);
	parsed_list_free(&l);
}

static void list_real_feodo(void)
{
	const char *path = data_path("feodo_ipblocklist_recommended.txt");
	struct parsed_list l;
	size_t len = 0;
	char *data;
	int err;

	/* The file really has the shape this test is about. */
	CHECK(file_bytes(path, &data, &len) == 0, "cannot read %s", path);
	CHECK(len == 4225, "%s is %zu bytes, documented 4,225", path, len);
	CHECK(data && len && memmem(data, len, "\r\n", 2) &&
		      data[len - 1] != '\n',
	      "%s should have CRLF line ends and no final newline", path);
	free(data);

	err = listfile_parse(path, LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0, "reject mode failed: %d %s", err, l.error);
	CHECK(l.nr == 244, "%zu entries, documented 244", l.nr);
	CHECK(l.nr_v4 == 244 && l.nr_skipped == 0, "v4 %zu skipped %zu",
	      l.nr_v4, l.nr_skipped);
	check_entry(&l, 0, "8.8.8.8", 10);
	if (l.nr)
		check_entry(&l, l.nr - 1, "97.107.134.115", 253);
	parsed_list_free(&l);
}

/* ==== config ========================================================== */

static struct daemon_config *cfg_buf;

static int load_config_text(const char *name, const char *text,
			    const char **path, char *err, size_t errlen)
{
	*path = tmp_write_str(name, text);
	return config_load(*path, cfg_buf, err, errlen);
}

static void config_full(void)
{
	static const char text[] =
		"# xdpblock test configuration\n"
		"; a semicolon comment\n"
		"[daemon]\n"
		"interfaces = eth0, eth1 ens3\n"
		"xdp_mode = native\n"
		"control_socket = /run/xdpb-test/ctl.sock\n"
		"max_rules_ipv4 = 5000\n"
		"max_rules_ipv6 = 300\n"
		"log_level = debug\n"
		"state_dir = /var/lib/xdpb-test\n"
		"max_list_bytes = 64M\n"
		"\n"
		"[list:firehol]\n"
		"path = /etc/xdpblock/lists/firehol_level1.netset\n"
		"action = drop\n"
		"match = src\n"
		"on_error = reject\n"
		"format = netset\n"
		"public_key = " TEST_KEY "\n"
		"signature_file = /etc/xdpblock/lists/firehol.sig\n"
		"\n"
		"[list:office-allow]\n"
		"path = /etc/xdpblock/allow.txt\n"
		"action = allow\n"
		"match = both\n"
		"on_error = skip-line\n"
		"max_bad_lines = 5\n"
		"signature = none\n"
		"\n"
		"[list:Watch_1.v2]\n"
		"action = monitor\n"
		"path = /srv/lists/watch.txt\n"
		"match = dst\n"
		"format = spamhaus-json\n"
		"signature = minisign\n"
		"public_key = " OTHER_KEY ", " TEST_KEY "\n"
		"public_key = " TEST_KEY "\n"
		"require_timestamp = no\n"
		"signature_file_check = no\n";
	struct daemon_config *c = cfg_buf;
	const char *path;
	char err[1024];
	int rc = load_config_text("full.conf", text, &path, err, sizeof(err));

	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(err[0] == '\0', "error set on success: %s", err);
	CHECK(c->nr_ifaces == 3 && !strcmp(c->ifaces[0], "eth0") &&
		      !strcmp(c->ifaces[1], "eth1") &&
		      !strcmp(c->ifaces[2], "ens3"),
	      "interfaces: %d '%s' '%s' '%s'", c->nr_ifaces, c->ifaces[0],
	      c->ifaces[1], c->ifaces[2]);
	CHECK(c->xdp_mode == XDP_MODE_NATIVE, "xdp_mode %d", c->xdp_mode);
	CHECK(!strcmp(c->control_socket, "/run/xdpb-test/ctl.sock"),
	      "control_socket '%s'", c->control_socket);
	CHECK(c->max_rules_v4 == 5000 && c->max_rules_v6 == 300,
	      "max rules %u %u", c->max_rules_v4, c->max_rules_v6);
	CHECK(c->log_level == LOG_LEVEL_DEBUG, "log_level %d", c->log_level);
	CHECK(c->nr_lists == 3, "%d lists", c->nr_lists);
	if (c->nr_lists != 3)
		return;
	CHECK(!strcmp(c->lists[0].name, "firehol") &&
		      !strcmp(c->lists[0].path,
			      "/etc/xdpblock/lists/firehol_level1.netset") &&
		      c->lists[0].action == XDPB_ACT_DROP &&
		      c->lists[0].match == XDPB_MATCH_SRC &&
		      c->lists[0].on_error == LIST_ON_ERROR_REJECT,
	      "list 0: %s %s %s %s %d", c->lists[0].name, c->lists[0].path,
	      action_name(c->lists[0].action), match_name(c->lists[0].match),
	      c->lists[0].on_error);
	CHECK(!strcmp(c->lists[1].name, "office-allow") &&
		      !strcmp(c->lists[1].path, "/etc/xdpblock/allow.txt") &&
		      c->lists[1].action == XDPB_ACT_ALLOW &&
		      c->lists[1].match == XDPB_MATCH_BOTH &&
		      c->lists[1].on_error == LIST_ON_ERROR_SKIP_LINE,
	      "list 1: %s %s %s %s %d", c->lists[1].name, c->lists[1].path,
	      action_name(c->lists[1].action), match_name(c->lists[1].match),
	      c->lists[1].on_error);
	CHECK(!strcmp(c->lists[2].name, "Watch_1.v2") &&
		      !strcmp(c->lists[2].path, "/srv/lists/watch.txt") &&
		      c->lists[2].action == XDPB_ACT_MONITOR &&
		      c->lists[2].match == XDPB_MATCH_DST &&
		      c->lists[2].on_error == LIST_ON_ERROR_REJECT,
	      "list 2: %s %s %s %s %d", c->lists[2].name, c->lists[2].path,
	      action_name(c->lists[2].action), match_name(c->lists[2].match),
	      c->lists[2].on_error);
	CHECK(!strcmp(c->state_dir, "/var/lib/xdpb-test") &&
		      c->max_list_bytes == 64ull << 20,
	      "state_dir '%s', max_list_bytes %llu", c->state_dir,
	      (unsigned long long)c->max_list_bytes);
	/* signed with one key; the signature file named */
	CHECK(c->lists[0].format == LIST_FORMAT_NETSET &&
		      c->lists[0].signature == LIST_SIGNATURE_MINISIGN &&
		      c->lists[0].nr_keys == 1 &&
		      !strcmp(c->lists[0].signature_file,
			      "/etc/xdpblock/lists/firehol.sig") &&
		      c->lists[0].require_timestamp == 1 &&
		      c->lists[0].max_bad_lines == LIST_DEFAULT_MAX_BAD_LINES,
	      "list 0: format %s, signature %s, %d keys, '%s', %d, %u",
	      list_format_name(c->lists[0].format),
	      signature_name(c->lists[0].signature), c->lists[0].nr_keys,
	      c->lists[0].signature_file, c->lists[0].require_timestamp,
	      c->lists[0].max_bad_lines);
	CHECK(c->lists[1].format == LIST_FORMAT_AUTO &&
		      c->lists[1].signature == LIST_SIGNATURE_NONE &&
		      c->lists[1].nr_keys == 0 &&
		      c->lists[1].max_bad_lines == 5,
	      "list 1: format %s, signature %s, %d keys, max_bad_lines %u",
	      list_format_name(c->lists[1].format),
	      signature_name(c->lists[1].signature), c->lists[1].nr_keys,
	      c->lists[1].max_bad_lines);
	/* two keys on one line, the same key again counted once */
	CHECK(c->lists[2].format == LIST_FORMAT_SPAMHAUS_JSON &&
		      c->lists[2].nr_keys == 2 &&
		      c->lists[2].require_timestamp == 0 &&
		      c->lists[2].ignore_signed_file == 1,
	      "list 2: format %s, %d keys, require_timestamp %d, ignore_signed_file %d",
	      list_format_name(c->lists[2].format), c->lists[2].nr_keys,
	      c->lists[2].require_timestamp, c->lists[2].ignore_signed_file);
	if (c->lists[2].nr_keys == 2) {
		char id0[MINISIGN_KEY_ID_STRLEN], id1[MINISIGN_KEY_ID_STRLEN];

		minisign_key_id_str(c->lists[2].keys[0].id, id0);
		minisign_key_id_str(c->lists[2].keys[1].id, id1);
		CHECK(!strcmp(id0, OTHER_KEY_ID) && !strcmp(id1, TEST_KEY_ID),
		      "key ids %s %s", id0, id1);
	}
}

/* action = sinkhole: its addresses, and the errors that name the fix */
static void config_sinkhole(void)
{
	struct daemon_config *c = cfg_buf;
	const char *path;
	char err[1024];
	int rc = load_config_text(
		"sink.conf",
		"[daemon]\ninterfaces = eth0\n[list:s]\npath = /s.txt\n"
		"type = domain\naction = sinkhole\nsinkhole_ipv4 = 192.0.2.53\n"
		"sinkhole_ipv6 = 2001:db8::53\nsignature = none\n",
		&path, err, sizeof(err));

	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(c->lists[0].action == XDPB_ACT_SINKHOLE &&
		      c->lists[0].sinkhole.has_v4 &&
		      c->lists[0].sinkhole.has_v6 &&
		      c->lists[0].sinkhole.v4 == htonl(0xc0000235) &&
		      c->lists[0].sinkhole.v6[15] == 0x53,
	      "sinkhole list read back");
	rc = load_config_text(
		"sink.conf",
		"[daemon]\ninterfaces = eth0\n[list:s]\n"
		"path = /s.txt\naction = sinkhole\nsignature = none\n",
		&path, err, sizeof(err));
	CHECK(rc < 0 &&
		      strstr(err,
			     "sink.conf:3: [list:s] has action = sinkhole: give the notice address as sinkhole_ipv4"),
	      "sinkhole without an address: %s", err);
	rc = load_config_text(
		"sink.conf",
		"[daemon]\ninterfaces = eth0\n[list:s]\n"
		"path = /s.txt\nsinkhole_ipv4 = 2001:db8::1\nsignature = none\n",
		&path, err, sizeof(err));
	CHECK(rc < 0 &&
		      strstr(err,
			     "sink.conf:5: sinkhole_ipv4 = '2001:db8::1': give an IPv4 address"),
	      "sinkhole_ipv4 with an IPv6 address: %s", err);
	rc = load_config_text("sink.conf",
			      "[daemon]\ninterfaces = eth0\n[list:s]\n"
			      "path = /s.txt\ntype = ip\naction = sinkhole\n"
			      "sinkhole_ipv4 = 192.0.2.1\n",
			      &path, err, sizeof(err));
	CHECK(rc < 0 &&
		      strstr(err,
			     "is an IP list: action = sinkhole needs type = domain"),
	      "sinkhole on an IP list: %s", err);
}

/* http_ports and tls_ports: defaults, lists, none, and every bad form */
static void config_web_ports(void)
{
	struct daemon_config *c = cfg_buf;
	static const char *const bad[] = {
		"0", "65536", "80x", "-1", "", "1 2 3 4 5 6 7 8 9", "80 ,, x",
	};
	const char *path;
	char err[1024], text[256];
	int rc = load_config_text("ports.conf", "[daemon]\ninterfaces = eth0\n",
				  &path, err, sizeof(err));

	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(c->nr_http_ports == 1 && c->http_ports[0] == 80,
	      "default http_ports (%d)", c->nr_http_ports);
	CHECK(c->nr_tls_ports == 2 && c->tls_ports[0] == 443 &&
		      c->tls_ports[1] == 853,
	      "default tls_ports (%d)", c->nr_tls_ports);
	rc = load_config_text("ports.conf",
			      "[daemon]\ninterfaces = eth0\n"
			      "http_ports = 80, 8080 80\ntls_ports = none\n",
			      &path, err, sizeof(err));
	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(c->nr_http_ports == 2 && c->http_ports[0] == 80 &&
		      c->http_ports[1] == 8080,
	      "http_ports 80 8080 (%d)", c->nr_http_ports);
	CHECK(c->nr_tls_ports == 0, "tls_ports none (%d)", c->nr_tls_ports);
	CHECK(c->flow_cache_entries == XDPB_DEFAULT_FLOW_CACHE_ENTRIES,
	      "default flow_cache_entries %u", c->flow_cache_entries);
	rc = load_config_text("ports.conf",
			      "[daemon]\ninterfaces = eth0\n"
			      "flow_cache_entries = 1000\n",
			      &path, err, sizeof(err));
	CHECK(rc < 0 && strstr(err, "from 1024 to"),
	      "flow_cache_entries = 1000 refused: %s", err);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "[daemon]\ninterfaces = eth0\ntls_ports = %s\n",
			 bad[i]);
		rc = load_config_text("ports.conf", text, &path, err,
				      sizeof(err));
		CHECK(rc < 0 && strstr(err, "ports.conf:3: tls_ports = '") &&
			      strstr(err, "up to 8 port numbers"),
		      "tls_ports = '%s' refused: %d %s", bad[i], rc, err);
	}
}

static void config_defaults(void)
{
	struct daemon_config *c = cfg_buf;
	const char *path;
	char err[1024];
	int rc = load_config_text("defaults.conf",
				  "[daemon]\ninterfaces = eth0\n"
				  "[list:a]\npath = /a.txt\n"
				  "public_key = " TEST_KEY "\n",
				  &path, err, sizeof(err));

	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(c->nr_ifaces == 1 && !strcmp(c->ifaces[0], "eth0"),
	      "interfaces %d", c->nr_ifaces);
	CHECK(c->xdp_mode == XDP_MODE_AUTO, "xdp_mode %s",
	      xdp_mode_name(c->xdp_mode));
	CHECK(!strcmp(c->control_socket, DEFAULT_CONTROL_SOCKET),
	      "control_socket '%s'", c->control_socket);
	CHECK(c->max_rules_v4 == XDPB_DEFAULT_MAX_RULES_V4 &&
		      c->max_rules_v6 == XDPB_DEFAULT_MAX_RULES_V6,
	      "max rules %u %u", c->max_rules_v4, c->max_rules_v6);
	CHECK(c->log_level == LOG_LEVEL_INFO, "log_level %d", c->log_level);
	CHECK(c->nr_lists == 1, "%d lists", c->nr_lists);
	CHECK(c->lists[0].action == XDPB_ACT_DROP, "default action %s",
	      action_name(c->lists[0].action));
	CHECK(c->lists[0].match == XDPB_MATCH_BOTH, "default match %s",
	      match_name(c->lists[0].match));
	CHECK(c->lists[0].on_error == LIST_ON_ERROR_REJECT,
	      "default on_error %d", c->lists[0].on_error);
	CHECK(c->lists[0].format == LIST_FORMAT_AUTO &&
		      c->lists[0].signature == LIST_SIGNATURE_MINISIGN &&
		      c->lists[0].require_timestamp == 1 &&
		      !c->lists[0].ignore_signed_file &&
		      c->lists[0].max_bad_lines == 1000 &&
		      !c->lists[0].signature_file[0],
	      "default format %s, signature %s, require_timestamp %d, max_bad_lines %u, signature_file '%s'",
	      list_format_name(c->lists[0].format),
	      signature_name(c->lists[0].signature),
	      c->lists[0].require_timestamp, c->lists[0].max_bad_lines,
	      c->lists[0].signature_file);
	CHECK(!strcmp(c->state_dir, "/var/lib/xdpblock") &&
		      c->max_list_bytes == 512ull << 20,
	      "default state_dir '%s', max_list_bytes %llu", c->state_dir,
	      (unsigned long long)c->max_list_bytes);

	/* No lists at all is a valid (empty) configuration. */
	rc = load_config_text(
		"nolists.conf",
		"[daemon]\ninterfaces = eth0\nxdp_mode = generic\n"
		"log_level = warning\n",
		&path, err, sizeof(err));
	CHECK(rc == 0 && c->nr_lists == 0 && c->xdp_mode == XDP_MODE_GENERIC &&
		      c->log_level == LOG_LEVEL_WARN,
	      "no lists: %d %s", rc, err);
	/* Values from an earlier load do not leak into the next one. */
	rc = load_config_text("again.conf", "[daemon]\ninterfaces = lo\n",
			      &path, err, sizeof(err));
	CHECK(rc == 0 && c->xdp_mode == XDP_MODE_AUTO &&
		      c->log_level == LOG_LEVEL_INFO && c->nr_ifaces == 1,
	      "reload: %d %s", rc, err);
}

/*
 * Error messages as man xdpblock.conf.5 (DIAGNOSTICS) documents them:
 * "file:line: message", where an error about a section is reported at the
 * line of its header, and "file: message" without a line only when the
 * file has no [daemon] section at all.
 *
 * @line: the line the message must name ("path:LINE: "), or 0 for
 * "path: " and no line. @want: strings the message must contain: what is
 * wrong and what to write instead.
 */
static void expect_config_error(const char *name, const char *text, int line,
				const char *const *want)
{
	char err[1024], prefix[PATH_MAX + 32];
	const char *path;
	int rc;

	memset(err, 'X', sizeof(err));
	rc = load_config_text(name, text, &path, err, sizeof(err));
	CHECK(rc == -EINVAL, "config_load returned %d, want -EINVAL ('%s')", rc,
	      rc ? err : "");
	if (line)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	CHECK(!strncmp(err, prefix, strlen(prefix)),
	      "message '%s' does not start with '%s'", rc ? err : "", prefix);
	for (; *want; want++)
		CHECK(strstr(err, *want), "message '%s' lacks '%s'",
		      rc ? err : "", *want);
}

#define CONFIG_ERROR_TEST(fn, text, line, ...)                         \
	static void fn(void)                                           \
	{                                                              \
		static const char *const want[] = {__VA_ARGS__, NULL}; \
		expect_config_error(#fn ".conf", text, line, want);    \
	}

#define HEAD "[daemon]\ninterfaces = eth0\n" /* lines 1-2 */

static void config_control_group(void)
{
	const char *path;
	char err[1024];
	int rc;

	rc = load_config_text("group.conf", HEAD "control_group = root\n",
			      &path, err, sizeof(err));
	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(!strcmp(cfg_buf->control_group, "root") &&
		      cfg_buf->control_gid == 0,
	      "control_group '%s' gid %d", cfg_buf->control_group,
	      (int)cfg_buf->control_gid);
	rc = load_config_text("nogroup.conf", HEAD, &path, err, sizeof(err));
	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(!cfg_buf->control_group[0] && cfg_buf->control_gid == (gid_t)-1,
	      "unset control_group: '%s' gid %d", cfg_buf->control_group,
	      (int)cfg_buf->control_gid);
	/* defaults of the issue-12 keys: root only, no /top */
	CHECK(!cfg_buf->admin_group[0] && cfg_buf->admin_gid == (gid_t)-1 &&
		      !cfg_buf->metrics_top,
	      "defaults: admin_group '%s' gid %d metrics_top %d",
	      cfg_buf->admin_group, (int)cfg_buf->admin_gid,
	      cfg_buf->metrics_top);
	rc = load_config_text("admin.conf",
			      HEAD "admin_group = root\nmetrics_top = yes\n",
			      &path, err, sizeof(err));
	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(!strcmp(cfg_buf->admin_group, "root") &&
		      cfg_buf->admin_gid == 0 && cfg_buf->metrics_top == 1,
	      "admin_group '%s' gid %d metrics_top %d", cfg_buf->admin_group,
	      (int)cfg_buf->admin_gid, cfg_buf->metrics_top);
	rc = load_config_text("adminnone.conf",
			      HEAD "admin_group = root\nadmin_group = none\n",
			      &path, err, sizeof(err));
	CHECK(rc == 0 && !cfg_buf->admin_group[0] &&
		      cfg_buf->admin_gid == (gid_t)-1,
	      "admin_group = none: rc %d '%s' gid %d", rc, cfg_buf->admin_group,
	      (int)cfg_buf->admin_gid);
}

/*
 * The control server without a daemon: an echoing handler, clients on a
 * socket in the test directory, the server run by hand as the main loop
 * would run it.
 */
static struct json_object *echo_handler(void *arg,
					const struct control_peer *peer,
					struct json_object *req)
{
	struct json_object *o = json_object_new_object();

	(*(int *)arg)++;
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "uid", json_object_new_int64(peer->uid));
	json_object_object_add(o, "echo", json_object_get(req));
	return o;
}

/* Run @s for about @ms; then read what @fd has, up to a line or EOF. */
static ssize_t spin_and_read(struct control_server *s, int ms, int fd,
			     char *buf, size_t size)
{
	size_t len = 0;

	for (int i = 0; i < ms / 10 && len < size - 1; i++) {
		struct pollfd p[CONTROL_MAX_CLIENTS + 1];
		int n = control_server_pollfds(s, p);
		ssize_t r;

		poll(p, n, 10);
		control_server_run(s, p, n);
		r = read(fd, buf + len, size - 1 - len);
		if (r == 0)
			break;
		if (r > 0)
			len += r;
		buf[len] = '\0';
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = '\0';
	return len;
}

static int client_nb(const char *path)
{
	int fd = control_connect(path);

	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void control_server_framing(void)
{
	char path[200], buf[8192], big[5000], err[300];
	struct control_server *s;
	int calls = 0, lfd, silent, c;
	ssize_t n;

	snprintf(path, sizeof(path), "%s", tmp_write("ctl.placeholder", "", 0));
	strcpy(strrchr(path, '/') + 1, "ctl.sock");
	lfd = control_listen(path, (gid_t)-1, err, sizeof(err));
	CHECK(lfd >= 0, "control_listen: %s", err);
	if (lfd < 0)
		return;
	s = control_server_new(lfd, echo_handler, &calls);
	CHECK(s, "control_server_new");
	if (!s)
		goto out;

	/* a silent client first: the others must not wait for it */
	silent = client_nb(path);
	c = client_nb(path);
	CHECK(write(c, "{\"version\": 1,", 14) == 14, "write");
	n = spin_and_read(s, 50, c, buf, sizeof(buf));
	CHECK(n <= 0 && calls == 0, "half a request answered: '%s'", buf);
	CHECK(write(c, " \"command\": \"x\"}\n", 17) == 17, "write");
	n = spin_and_read(s, 200, c, buf, sizeof(buf));
	CHECK(calls == 1 && strstr(buf, "\"command\":\"x\"") &&
		      strstr(buf, "\"ok\":true"),
	      "request in two pieces: %d calls, '%s'", calls, buf);
	close(c);

	c = client_nb(path);
	memset(big, 'a', sizeof(big));
	CHECK(write(c, big, sizeof(big)) > 0, "write");
	n = spin_and_read(s, 200, c, buf, sizeof(buf));
	CHECK(strstr(buf, "request longer than 4096 bytes"),
	      "oversized request: '%s'", buf);
	close(c);

	c = client_nb(path);
	CHECK(write(c, "hello\n", 6) == 6, "write");
	n = spin_and_read(s, 200, c, buf, sizeof(buf));
	CHECK(strstr(buf, "not a JSON object") && calls == 1, "not JSON: '%s'",
	      buf);
	close(c);

	/* the silent client is dropped once CONTROL_TIMEOUT_MS passes */
	n = spin_and_read(s, CONTROL_TIMEOUT_MS + 500, silent, buf,
			  sizeof(buf));
	CHECK(n == 0 && read(silent, buf, 1) == 0,
	      "silent client still open after %d ms", CONTROL_TIMEOUT_MS);
	close(silent);
out:
	control_server_free(s);
	close(lfd);
	unlink(path);
}

CONFIG_ERROR_TEST(config_err_unknown_key, HEAD "# comment\ncolour = blue\n", 4,
		  "unknown key 'colour' in [daemon]")
CONFIG_ERROR_TEST(config_err_unknown_list_key,
		  HEAD "[list:a]\npath = /a\nactoin = drop\n", 5,
		  "unknown key 'actoin' in [list:a]")
/* section errors: at the line of the section's header */
CONFIG_ERROR_TEST(config_err_unknown_section,
		  HEAD "\n[deamon]\n; comment\nxdp_mode = auto\n", 4,
		  "unknown section [deamon]", "use [daemon] or [list:NAME]")
CONFIG_ERROR_TEST(config_err_bad_action,
		  HEAD "[list:a]\npath = /a\naction = block\n", 5,
		  "action = 'block'", "use drop, allow or monitor")
CONFIG_ERROR_TEST(
	config_err_inline_hash,
	HEAD "[list:a]\npath = /a ; a comment\naction = drop # no comment\n", 5,
	"action = 'drop # no comment'", "use drop, allow or monitor")
CONFIG_ERROR_TEST(config_err_bad_match,
		  HEAD "[list:a]\nmatch = source\npath = /a\n", 4,
		  "match = 'source'", "use src, dst or both")
CONFIG_ERROR_TEST(config_err_bad_on_error,
		  HEAD "[list:a]\npath = /a\non_error = ignore\n", 5,
		  "on_error = 'ignore'", "use reject or skip-line")
CONFIG_ERROR_TEST(config_err_bad_xdp_mode,
		  "[daemon]\nxdp_mode = fast\ninterfaces = eth0\n", 2,
		  "xdp_mode = 'fast'", "use auto, native or generic")
CONFIG_ERROR_TEST(config_err_bad_log_level, HEAD "log_level = verbose\n", 3,
		  "log_level = 'verbose'", "use error, warning, info or debug")
CONFIG_ERROR_TEST(config_err_bad_max_rules, HEAD "max_rules_ipv4 = 10k\n", 3,
		  "max_rules_ipv4 = '10k'", "give a number from 1 to 67108864")
CONFIG_ERROR_TEST(config_err_max_rules_zero, HEAD "max_rules_ipv6 = 0\n", 3,
		  "max_rules_ipv6 = '0'", "give a number from 1 to 67108864")
CONFIG_ERROR_TEST(config_err_max_rules_too_big,
		  HEAD "max_rules_ipv6 = 67108865\n", 3,
		  "max_rules_ipv6 = '67108865'",
		  "give a number from 1 to 67108864")
CONFIG_ERROR_TEST(
	config_err_long_interface,
	"[daemon]\ninterfaces = eth0 abcdefghijklmnop\n", 2,
	"interface name 'abcdefghijklmnop' is longer than 15 characters")
CONFIG_ERROR_TEST(config_err_relative_socket,
		  HEAD "control_socket = run/x.sock\n", 3,
		  "control_socket = 'run/x.sock'", "give an absolute path")
CONFIG_ERROR_TEST(config_err_unknown_group,
		  HEAD "control_group = no-such-group-xdpb\n", 3,
		  "control_group = 'no-such-group-xdpb': no such group",
		  "create it with 'groupadd', or fix the name")
CONFIG_ERROR_TEST(config_err_empty_group, HEAD "control_group =\n", 3,
		  "control_group = '': give the name of a group")
CONFIG_ERROR_TEST(config_err_unknown_admin_group,
		  HEAD "admin_group = no-such-group-xdpb\n", 3,
		  "admin_group = 'no-such-group-xdpb': no such group",
		  "create it with 'groupadd', or fix the name")
CONFIG_ERROR_TEST(config_err_metrics_top, HEAD "metrics_top = maybe\n", 3,
		  "metrics_top = 'maybe'", "use yes or no")
CONFIG_ERROR_TEST(config_err_duplicate_list,
		  HEAD "[list:a]\npath = /a\n[list:b]\npath = /b\n"
		       "[list:a]\npath = /c\n",
		  7, "list 'a' is defined twice")
CONFIG_ERROR_TEST(
	config_err_invalid_list_name, HEAD "\n[list:bad name!]\npath = /a\n", 4,
	"list name 'bad name!' must be 1-63 characters of A-Z a-z 0-9 . _ -")
CONFIG_ERROR_TEST(config_err_empty_list_name, HEAD "[list:]\npath = /a\n", 3,
		  "list name '' must be 1-63 characters")
CONFIG_ERROR_TEST(config_err_relative_path,
		  HEAD "[list:a]\naction = drop\npath = lists/a.txt\n", 5,
		  "path = 'lists/a.txt'", "give an absolute path")
CONFIG_ERROR_TEST(config_err_key_outside_section,
		  "interfaces = eth0\n[daemon]\nxdp_mode = auto\n", 1,
		  "'interfaces' outside any section", "put it under [daemon]")
CONFIG_ERROR_TEST(config_err_syntax, HEAD "[list:a]\npath /a\n", 4,
		  "syntax error", "key = value")
/* reading stops at the first error: later errors do not move the line */
CONFIG_ERROR_TEST(config_err_first_error_wins,
		  HEAD
		  "colour = blue\n[list:a]\naction = block\n[nope]\nx = 1\n",
		  3, "unknown key 'colour'")
/* whole-section errors: at the header's line; no [daemon]: no line */
CONFIG_ERROR_TEST(config_err_missing_interfaces,
		  "# no interfaces\n[daemon]\nxdp_mode = auto\n"
		  "[list:a]\npath = /a\n",
		  2,
		  "[daemon] has no interfaces: add 'interfaces = IFNAME ...'")
CONFIG_ERROR_TEST(config_err_missing_interfaces_no_daemon,
		  "[list:a]\npath = /a\n", 0,
		  "no [daemon] section: add one with 'interfaces = IFNAME ...'")
CONFIG_ERROR_TEST(config_err_list_without_path,
		  HEAD "[list:a]\npath = /a\n[list:b]\naction = allow\n"
		       "match = src\n",
		  5, "[list:b] has no 'path = /file/of/prefixes'")
/* Headers are seen even without keys between or after them. */
CONFIG_ERROR_TEST(config_err_duplicate_list_adjacent,
		  HEAD "[list:a]\npath = /a\n[list:a]\npath = /c\n", 5,
		  "list 'a' is defined twice")
CONFIG_ERROR_TEST(config_err_duplicate_list_keyless_between,
		  HEAD "[list:a]\npath = /a\n[daemon]\n[list:a]\npath = /c\n",
		  6, "list 'a' is defined twice")
CONFIG_ERROR_TEST(config_err_list_without_keys,
		  HEAD "[list:a]\npath = /a\n\n[list:empty]\n", 6,
		  "[list:empty] has no 'path = /file/of/prefixes'")
CONFIG_ERROR_TEST(config_err_bad_metrics_listen,
		  HEAD "metrics_listen = localhost:9469\n", 3,
		  "metrics_listen = 'localhost:9469'",
		  "give ADDRESS:PORT with a numeric address", "or off")
CONFIG_ERROR_TEST(config_err_metrics_listen_no_port,
		  HEAD "\nmetrics_listen = 127.0.0.1\n", 4,
		  "metrics_listen = '127.0.0.1'", "127.0.0.1:9469")

/* Signed lists (the default), formats, limits */
#define LIST_A HEAD "[list:a]\npath = /a\n" /* lines 3-4 */
CONFIG_ERROR_TEST(
	config_err_unsigned_list, LIST_A "action = drop\n", 3,
	"[list:a] must be signed",
	"add 'public_key = RW...' or 'public_key_file = /path/key.pub'",
	"set 'signature = none'")
/* an RPZ zone's records carry their actions; origin is the zone's */
CONFIG_ERROR_TEST(
	config_err_rpz_action,
	LIST_A "signature = none\nformat = rpz\naction = drop\n", 3,
	"[list:a] is an RPZ zone, whose records carry their own actions",
	"remove 'action ='")
CONFIG_ERROR_TEST(config_err_origin_not_rpz,
		  LIST_A "signature = none\norigin = rpz\n", 3,
		  "[list:a] has origin, which only an RPZ zone takes")
CONFIG_ERROR_TEST(config_err_bad_origin,
		  LIST_A "signature = none\nformat = rpz\norigin = a..b\n", 7,
		  "origin = 'a..b': give the RPZ zone's name", "empty label")
CONFIG_ERROR_TEST(config_err_none_with_key,
		  LIST_A "signature = none\npublic_key = " TEST_KEY "\n", 3,
		  "[list:a] has 'signature = none' but names a key")
CONFIG_ERROR_TEST(config_err_none_with_signature_file,
		  LIST_A "signature = none\nsignature_file = /a.sig\n", 3,
		  "names a key or signature_file")
CONFIG_ERROR_TEST(config_err_bad_public_key, LIST_A "public_key = RWnotakey\n",
		  5, "public_key = 'RWnotakey': not a minisign public key",
		  "minisign -G")
CONFIG_ERROR_TEST(config_err_second_key_bad,
		  LIST_A "public_key = " TEST_KEY " RWSCAGGu\n", 5,
		  "public_key = 'RWSCAGGu'")
/* the same key id with another key: the last base64 digit is key bits */
CONFIG_ERROR_TEST(config_err_key_id_clash,
		  LIST_A
		  "public_key = " TEST_KEY "\npublic_key = "
		  "RWSCAGGuFqqKwe+EKkHLco6mB1rMAs88WRcD3j8ZieWp660hpEyHBYzo\n",
		  6,
		  "another key of this list has the same key id " TEST_KEY_ID)
CONFIG_ERROR_TEST(config_err_public_key_file_missing,
		  LIST_A "public_key_file = /nonexistent/key.pub\n", 5,
		  "public_key_file = '/nonexistent/key.pub': cannot open")
CONFIG_ERROR_TEST(config_err_public_key_file_relative,
		  LIST_A "public_key_file = key.pub\n", 5,
		  "public_key_file = 'key.pub': give an absolute path")
CONFIG_ERROR_TEST(config_err_bad_signature, LIST_A "signature = gpg\n", 5,
		  "signature = 'gpg': use minisign or none")
CONFIG_ERROR_TEST(config_err_relative_signature_file,
		  LIST_A "signature_file = a.sig\n", 5,
		  "signature_file = 'a.sig': give an absolute path")
CONFIG_ERROR_TEST(
	config_err_bad_format, LIST_A "format = zone\n", 5,
	"format = 'zone': use auto, plain, netset, spamhaus, spamhaus-json, ipset, domains, hosts, adblock or rpz")
CONFIG_ERROR_TEST(config_err_bad_signature_file_check,
		  LIST_A "signature_file_check = maybe\n", 5,
		  "signature_file_check = 'maybe': use yes or no")
/* issue 12, finding 9: a quoted value reaches a terminal escaped */
CONFIG_ERROR_TEST(config_err_escapes_control_bytes,
		  LIST_A "require_timestamp = \x1b[2J\x9b"
			 "1m\n",
		  5, "require_timestamp = '\\x1b[2J\\x9b1m': use yes or no")
CONFIG_ERROR_TEST(config_err_bad_require_timestamp,
		  LIST_A "require_timestamp = maybe\n", 5,
		  "require_timestamp = 'maybe': use yes or no")
CONFIG_ERROR_TEST(config_err_bad_max_bad_lines, LIST_A "max_bad_lines = -1\n",
		  5, "max_bad_lines = '-1': give a number from 0 to 4294967295")
CONFIG_ERROR_TEST(config_err_max_list_bytes_small, HEAD "max_list_bytes = 3K\n",
		  3, "max_list_bytes = '3K': give a size from 4096 to 64G")
CONFIG_ERROR_TEST(config_err_max_list_bytes_big, HEAD "max_list_bytes = 65G\n",
		  3, "max_list_bytes = '65G'")
CONFIG_ERROR_TEST(config_err_max_list_bytes_suffix,
		  HEAD "max_list_bytes = 10MB\n", 3, "max_list_bytes = '10MB'")
CONFIG_ERROR_TEST(config_err_relative_state_dir,
		  HEAD "state_dir = var/lib/xdpblock\n", 3,
		  "state_dir = 'var/lib/xdpblock': give an absolute path")

/* Keys from files, several keys, at most 8; sizes with suffixes. */
static void config_keys_and_sizes(void)
{
	struct daemon_config *c = cfg_buf;
	char text[PATH_MAX + 1024], key[64], pub_path[PATH_MAX], err[1024];
	const char *path;
	int rc, n;

	if (!realpath(data_path("minisign/other.pub"), pub_path)) {
		CHECK(0, "tests/data/minisign/other.pub: %s", strerror(errno));
		return;
	}
	n = snprintf(text, sizeof(text),
		     HEAD "max_list_bytes = 4096\n[list:a]\npath = /a\n"
			  "public_key_file = %s\npublic_key = " TEST_KEY "\n",
		     pub_path);
	rc = load_config_text("keys.conf", text, &path, err, sizeof(err));
	CHECK(rc == 0 && c->nr_lists == 1 && c->lists[0].nr_keys == 2 &&
		      c->max_list_bytes == 4096,
	      "key file + key: %d, %d keys, %llu bytes '%s'", rc,
	      c->nr_lists ? c->lists[0].nr_keys : 0,
	      (unsigned long long)c->max_list_bytes, err);
	if (rc == 0 && c->lists[0].nr_keys == 2) {
		char id[MINISIGN_KEY_ID_STRLEN];

		minisign_key_id_str(c->lists[0].keys[0].id, id);
		CHECK(!strcmp(id, OTHER_KEY_ID), "key from the file: %s", id);
	}
	for (int s = 0; s < 3; s++) {
		static const char *const sizes[] = {"16k", "2M", "64G"};
		static const uint64_t want[] = {16 << 10, 2 << 20, 64ull << 30};

		snprintf(text, sizeof(text),
			 HEAD "max_list_bytes = %s\n[list:a]\npath = /a\n"
			      "signature = none\n",
			 sizes[s]);
		rc = load_config_text("size.conf", text, &path, err,
				      sizeof(err));
		CHECK(rc == 0 && c->max_list_bytes == want[s],
		      "%s: %d %llu '%s'", sizes[s], rc,
		      (unsigned long long)c->max_list_bytes, err);
	}
	/* a .pub file with something else in it */
	snprintf(text, sizeof(text),
		 HEAD "[list:a]\npath = /a\npublic_key_file = %s\n",
		 tmp_write_str("bad.pub", "untrusted comment: x\nnot a key\n"));
	rc = load_config_text("badpub.conf", text, &path, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, ":5: public_key_file = '") &&
		      strstr(err, "not a minisign public key"),
	      "bad .pub: %d '%s'", rc, err);

	/* 8 keys (distinct ids: base64 digits 3-12 are key id bits) */
	n = snprintf(text, sizeof(text), HEAD "[list:a]\npath = /a\n");
	for (int k = 0; k < 9; k++) {
		snprintf(key, sizeof(key), "%s", TEST_KEY);
		key[5] = 'A' + k;
		n += snprintf(text + n, sizeof(text) - n, "public_key = %s\n",
			      key);
		if (k == 7) {
			rc = load_config_text("8keys.conf", text, &path, err,
					      sizeof(err));
			CHECK(rc == 0 && c->lists[0].nr_keys == 8,
			      "8 keys: %d %d '%s'", rc, c->lists[0].nr_keys,
			      err);
		}
	}
	rc = load_config_text("9keys.conf", text, &path, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, ":13: more than 8 public keys"),
	      "9 keys: %d '%s'", rc, err);
}

/*
 * A line past libinih's 65534-byte limit is refused at its own line; its
 * tail must not be read as a line of its own (here: a hidden key in a
 * comment).
 */
static void config_err_line_too_long(void)
{
	size_t pad = 65533, len = strlen(HEAD) + 2 + pad + 32;
	char *text = malloc(len), err[1024];
	const char *path;
	char prefix[PATH_MAX + 32];
	int rc;

	CHECK(text, "out of memory");
	if (!text)
		return;
	snprintf(text, len, "%s; ", HEAD);
	memset(text + strlen(text), 'x', pad);
	snprintf(text + strlen(HEAD) + 2 + pad, 32, "interfaces = eth1\n");
	rc = load_config_text("toolong.conf", text, &path, err, sizeof(err));
	snprintf(prefix, sizeof(prefix), "%s:3: ", path);
	CHECK(rc == -EINVAL, "config_load returned %d for a 65 KB line", rc);
	CHECK(rc && !strncmp(err, prefix, strlen(prefix)) &&
		      strstr(err, "line longer than 65534 bytes"),
	      "message '%s'", rc ? err : "");
	free(text);
}

/* A syntax error stops the reading: a later bad key is not reported. */
static void config_err_syntax_then_bad_key(void)
{
	static const char *const want[] = {"syntax error", NULL};
	char err[1024];
	const char *path;

	expect_config_error("syntax2.conf",
			    HEAD "[list:a]\npath /a\naction = block\n", 4,
			    want);
	load_config_text("syntax3.conf",
			 HEAD "[list:a]\npath /a\naction = block\n", &path, err,
			 sizeof(err));
	CHECK(!strstr(err, "action"), "message '%s' mixes line 4 with line 5",
	      err);
}

static char *repeat_char(char c, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		exit(2);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/*
 * Lines longer than libinih's 200-byte default (up to 65534 characters,
 * man xdpblock.conf.5), a BOM, CRLF line ends and ; comments after a
 * value; line numbers stay right after a long line.
 */
static void config_crlf_bom_long_lines(void)
{
	char *longname = repeat_char('p', 3000),
	     *comment = repeat_char('c', 5000);
	char *text = malloc(16384), want_path[3100], want_err[PATH_MAX + 32];
	struct daemon_config *c = cfg_buf;
	const char *path;
	char err[1024];
	int rc;

	if (!text)
		exit(2);
	snprintf(want_path, sizeof(want_path), "/%s", longname);
	snprintf(text, 16384,
		 "\xef\xbb\xbf; %s\r\n" /* 1 */
		 "[daemon]\r\n" /* 2 */
		 "interfaces = eth0 ; uplink\r\n" /* 3 */
		 "[list:long]\r\n" /* 4 */
		 "path = %s\r\n" /* 5 */
		 "action = allow ; ok\r\n" /* 6 */
		 "signature = none\r\n", /* 7 */
		 comment, want_path);
	rc = load_config_text("long.conf", text, &path, err, sizeof(err));
	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(rc || (c->nr_ifaces == 1 && !strcmp(c->ifaces[0], "eth0")),
	      "interfaces: %d '%s'", c->nr_ifaces, c->ifaces[0]);
	CHECK(rc || (c->nr_lists == 1 && !strcmp(c->lists[0].path, want_path) &&
		     c->lists[0].action == XDPB_ACT_ALLOW),
	      "list: %d lists, path of %zu characters", c->nr_lists,
	      strlen(c->lists[0].path));

	/* an error after a long line names its own line */
	snprintf(text, 16384,
		 "[daemon]\r\n; %s\r\ninterfaces = eth0\r\ncolour = x\r\n",
		 comment);
	rc = load_config_text("long-err.conf", text, &path, err, sizeof(err));
	snprintf(want_err, sizeof(want_err), "%s:4: unknown key 'colour'",
		 path);
	CHECK(rc == -EINVAL && !strncmp(err, want_err, strlen(want_err)),
	      "%d '%s', want '%s...'", rc, err, want_err);
	free(longname);
	free(comment);
	free(text);
}

/* Several interfaces lines and continuation lines add up, once per name. */
static void config_interfaces_add_up(void)
{
	static const char *const want[] = {"eth0", "eth1", "eth2", "eth3",
					   "bond0"};
	struct daemon_config *c = cfg_buf;
	char text[2048], err[1024];
	const char *path;
	int rc, n;

	rc = load_config_text("ifaces.conf",
			      "[daemon]\n"
			      "interfaces = eth0, eth1\n"
			      "xdp_mode = generic\n"
			      "interfaces = eth1 eth2\n"
			      "  eth3,eth0\n"
			      "[list:a]\n"
			      "path = /a\n"
			      "signature = none\n"
			      "[daemon]\n"
			      "interfaces = bond0\n",
			      &path, err, sizeof(err));
	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(c->nr_ifaces == (int)ARRAY_SIZE(want), "%d interfaces, want %zu",
	      c->nr_ifaces, ARRAY_SIZE(want));
	for (int i = 0; i < c->nr_ifaces && i < (int)ARRAY_SIZE(want); i++)
		CHECK(!strcmp(c->ifaces[i], want[i]),
		      "interface %d is '%s', want '%s'", i, c->ifaces[i],
		      want[i]);

	/* 64 distinct names are fine, the 65th is not */
	n = snprintf(text, sizeof(text), "[daemon]\ninterfaces =");
	for (int i = 0; i < 64; i++)
		n += snprintf(text + n, sizeof(text) - n, " if%d", i);
	n += snprintf(text + n, sizeof(text) - n, "\n");
	rc = load_config_text("64.conf", text, &path, err, sizeof(err));
	CHECK(rc == 0 && c->nr_ifaces == 64, "64 interfaces: %d %s", rc, err);
	snprintf(text + n, sizeof(text) - n, "interfaces = if0 extra\n");
	rc = load_config_text("65.conf", text, &path, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, ":3: more than 64 interfaces"),
	      "65 interfaces: %d '%s'", rc, err);
}

static void config_missing_file(void)
{
	char path[PATH_MAX + 32], err[1024];
	int rc;

	snprintf(path, sizeof(path), "%s/no-such.conf", tmp_dir);
	rc = config_load(path, cfg_buf, err, sizeof(err));
	CHECK(rc == -ENOENT, "missing config returned %d", rc);
	CHECK(strstr(err, path) && strstr(err, strerror(ENOENT)),
	      "missing config error '%s'", err);
}

/* ==== ruleset and rule ids ============================================ */

static void rs_add(struct ruleset *rs, const char *text, uint16_t list,
		   uint8_t action, uint8_t match, uint32_t line)
{
	struct prefix p = pfx(text);

	CHECK(ruleset_add(rs, &p, list, action, match, line) == 0,
	      "ruleset_add(%s)", text);
}

static void rs_add_drop(struct ruleset *rs, const char *text, uint16_t list)
{
	rs_add(rs, text, list, XDPB_ACT_DROP, XDPB_MATCH_BOTH, 1);
}

static const struct rule *rs_find(const struct ruleset *rs, const char *text,
				  uint16_t list)
{
	struct prefix p = pfx(text);
	const struct rule_table *t = p.family == AF_INET ? &rs->v4 : &rs->v6;

	for (size_t i = 0; i < t->nr; i++)
		if (prefix_eq(&t->rules[i].prefix, &p) &&
		    t->rules[i].list_id == list)
			return &t->rules[i];
	return NULL;
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

/* ==== resolution: a model of the datapath ============================= */

/*
 * The tables of one rule set built the way the loader builds them, and
 * the datapath's own lookups over them (datapath_model.c).
 */
struct sim {
	/* IPv4 */
	struct ip4_plan p4;
	uint32_t *tbl24, *tbl8;
	struct model_host *hosts;
	size_t nr_hosts;
	/* IPv6 */
	struct ip6_plan p6;
	struct model_key *keys;
	size_t nr_keys;
	struct model_tables tables; /* all of the above, as the maps hold them */
	/* what the lookups went through, and anything impossible */
	struct model_stats st;
	size_t unfinished_search;
};

static int table_has_prefix(const struct rule_table *t, const struct prefix *p)
{
	size_t lo = 0, hi = t->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = prefix_cmp(&t->rules[mid].prefix, p);

		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static void sim_free(struct sim *s)
{
	ip4_plan_free(&s->p4);
	ip6_plan_free(&s->p6);
	free(s->tbl24);
	free(s->tbl8);
	free(s->hosts);
	free(s->keys);
	memset(s, 0, sizeof(*s));
}

/* Chunks in the IPv6 filter, less one: the datapath's chunk_mask. */
static uint32_t sim_v6_chunk_mask(const struct ip6_plan *p6)
{
	return (uint32_t)(p6->filter_bytes / sizeof(struct xdpb_filter_chunk) -
			  1);
}

/* Build every table from @rs the way the loader does. */
static int sim_build(struct sim *s, const struct ruleset *rs, int clear_filter)
{
	uint32_t *host_addrs, *host_leaves;
	int err;

	memset(s, 0, sizeof(*s));
	err = ip4_plan_build(&rs->v4, &s->p4);
	CHECK(err == 0, "ip4_plan_build: %d", err);
	if (err)
		return err;
	CHECK(s->p4.nr_leaves == s->p4.nr_nodes + 1, "%zu leaves for %zu nodes",
	      s->p4.nr_leaves, s->p4.nr_nodes);
	CHECK(s->p4.leaves[0].dir[0].action == XDPB_ACT_NONE &&
		      s->p4.leaves[0].dir[1].action == XDPB_ACT_NONE,
	      "leaf 0 is not empty");
	s->tbl24 = calloc(XDPB_TBL24_ENTRIES, sizeof(uint32_t));
	s->tbl8 = calloc(s->p4.nr_groups * XDPB_TBL8_GROUP_SIZE + 1,
			 sizeof(uint32_t));
	host_addrs = calloc(s->p4.nr_hosts + 1, sizeof(uint32_t));
	host_leaves = calloc(s->p4.nr_hosts + 1, sizeof(uint32_t));
	s->hosts = calloc(s->p4.nr_hosts + 1, sizeof(*s->hosts));
	if (!s->tbl24 || !s->tbl8 || !host_addrs || !host_leaves || !s->hosts) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	if (s->p4.nr_nodes)
		ip4_plan_fill(&s->p4, s->tbl24, s->tbl8, host_addrs,
			      host_leaves);
	s->nr_hosts = s->p4.nr_hosts;
	for (size_t i = 0; i < s->nr_hosts; i++) {
		s->hosts[i].addr_be = host_addrs[i];
		s->hosts[i].leaf = host_leaves[i];
	}
	free(host_addrs);
	free(host_leaves);
	qsort(s->hosts, s->nr_hosts, sizeof(*s->hosts), model_host_cmp);
	for (size_t i = 1; i < s->nr_hosts; i++)
		CHECK(s->hosts[i - 1].addr_be != s->hosts[i].addr_be,
		      "/32 hash key given twice");

	err = ip6_plan_build(&rs->v6, &s->p6);
	CHECK(err == 0, "ip6_plan_build: %d", err);
	if (err)
		return err;
	s->keys = calloc(s->p6.nr_entries + 1, sizeof(*s->keys));
	if (!s->keys) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < s->p6.nr_entries; i++) {
		struct prefix p = {.family = AF_INET6};
		uint32_t words[4], chunk;

		p.plen = s->p6.keys[i].prefixlen;
		memcpy(p.addr, s->p6.keys[i].addr, 16);
		CHECK(table_has_prefix(&rs->v6, &p),
		      "IPv6 key that is no rule");
		/* no false negatives: every key's filter bits are set */
		memcpy(words, s->p6.keys[i].addr, 16);
		chunk = xdpb_ip6_filter_chunk(words, p.plen,
					      sim_v6_chunk_mask(&s->p6));
		CHECK(xdpb_filter_chunk_has(
			      (struct xdpb_filter_chunk *)s->p6.filter + chunk,
			      xdpb_ip6_filter_hash(words, p.plen)),
		      "filter bits of a key not set");
		s->keys[s->nr_keys].key = s->p6.keys[i];
		s->keys[s->nr_keys].idx = i;
		s->nr_keys++;
	}
	if (clear_filter)
		memset(s->p6.filter, 0, s->p6.filter_bytes);
	qsort(s->keys, s->nr_keys, sizeof(*s->keys), model_key_cmp);
	for (size_t i = 1; i < s->nr_keys; i++)
		CHECK(model_key_cmp(&s->keys[i - 1], &s->keys[i]) != 0,
		      "IPv6 hash key given twice");
	s->tables = (struct model_tables){
		.tbl24 = s->tbl24,
		.tbl8 = s->tbl8,
		.nr_groups = s->p4.nr_groups,
		.hosts = s->hosts,
		.nr_hosts = s->nr_hosts,
		.leaves4 = s->p4.leaves,
		.nr_leaves4 = s->p4.nr_leaves,
		.info = &s->p6.info,
		.filter = s->p6.filter,
		.filter_bytes = s->p6.filter_bytes,
		.keys = s->keys,
		.nr_keys = s->nr_keys,
		.leaves6 = s->p6.leaves,
	};
	return 0;
}

/*
 * The IPv6 plan as the datapath's search needs it: at most
 * XDPB_V6_MAX_LENGTHS lengths, longest first.
 */
static void sim_check_v6_lengths(struct sim *s)
{
	const struct xdpb_gen_info *info = &s->p6.info;

	if (info->nr_v6_lengths > XDPB_V6_MAX_LENGTHS)
		s->unfinished_search++;
	for (uint32_t i = 1; i < info->nr_v6_lengths && i < XDPB_V6_MAX_LENGTHS;
	     i++)
		if (info->v6_lengths[i] >= info->v6_lengths[i - 1])
			s->unfinished_search++;
}

static int sim_lookup(struct sim *s, const struct prefix *a,
		      struct xdpb_leaf *out)
{
	if (a->family == AF_INET) {
		uint32_t be;

		memcpy(&be, a->addr, 4);
		return model_ip4_lookup(&s->tables, be, out, &s->st);
	}
	sim_check_v6_lengths(s);
	return model_ip6_lookup(&s->tables, a->addr, out, &s->st);
}

static int match_is_rule(const struct xdpb_match *m, const struct rule *r)
{
	if (!r)
		return !m || m->action == XDPB_ACT_NONE;
	return m && m->action == r->action && m->rule_id == r->rule_id &&
	       m->list_id == r->list_id && m->prefixlen == r->prefix.plen;
}

static void describe(char *buf, size_t len, const struct xdpb_match *m,
		     const struct rule *r)
{
	int n = snprintf(buf, len, "datapath ");

	if (m && m->action != XDPB_ACT_NONE)
		n += snprintf(buf + n, len - n, "rule %u list %u %s /%u",
			      m->rule_id, m->list_id, action_name(m->action),
			      m->prefixlen);
	else
		n += snprintf(buf + n, len - n, "no rule");
	if (r)
		snprintf(buf + n, len - n, ", reference rule %u %s list %u %s",
			 r->rule_id, fmt(&r->prefix), r->list_id,
			 action_name(r->action));
	else
		snprintf(buf + n, len - n, ", reference no rule");
}

struct addr_pool {
	struct prefix *a;
	size_t nr, cap;
};

static void pool_add(struct addr_pool *p, const struct prefix *a)
{
	if (p->nr == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 4096;
		p->a = realloc(p->a, p->cap * sizeof(*p->a));
		if (!p->a) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
	}
	p->a[p->nr++] = *a;
}

/*
 * Compare, for every address of @pool, both directions, and @nr_packets
 * random packets (source and destination from the pool, same family).
 * Returns the number of disagreements; the first few are printed.
 */
static size_t compare_pool(struct sim *s, const struct ruleset *rs,
			   const struct addr_pool *pool, size_t nr_packets,
			   const char *label, int quiet)
{
	struct xdpb_leaf *leaves = calloc(pool->nr + 1, sizeof(*leaves));
	uint8_t *have = calloc(pool->nr + 1, 1);
	size_t bad = 0;
	char buf[256];

	if (!leaves || !have) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < pool->nr; i++) {
		const struct prefix *a = &pool->a[i];

		have[i] = sim_lookup(s, a, &leaves[i]);
		for (int d = 0; d < XDPB_NR_DIRS; d++) {
			const struct rule *r = refmatch_address(rs, a, d);
			const struct xdpb_match *m = have[i] ? &leaves[i].dir[d]
							     : NULL;

			if (match_is_rule(m, r))
				continue;
			if (bad++ < 5 && !quiet) {
				describe(buf, sizeof(buf), m, r);
				CHECK(0, "%s: %s as %s: %s", label, fmt(a),
				      d == XDPB_DIR_SRC ? "source"
							: "destination",
				      buf);
			}
		}
	}
	for (size_t n = 0; pool->nr && n < nr_packets; n++) {
		size_t i = rng_below(pool->nr), j = rng_below(pool->nr);
		const struct xdpb_match *m;
		const struct rule *r;

		if (pool->a[i].family != pool->a[j].family)
			continue;
		m = xdpb_decide(&leaves[i], have[i], &leaves[j], have[j]);
		r = refmatch_packet(rs, &pool->a[i], &pool->a[j]);
		if (match_is_rule(m, r))
			continue;
		if (bad++ < 5 && !quiet) {
			describe(buf, sizeof(buf), m, r);
			CHECK(0, "%s: packet %s -> %s: %s", label,
			      fmt(&pool->a[i]), fmt(&pool->a[j]), buf);
		}
	}
	free(leaves);
	free(have);
	return bad;
}

static void give_ids(struct ruleset *rs)
{
	struct ruleset empty = {0};
	struct rule_ids ids;
	uint32_t *rel = NULL;
	size_t nr_rel = 0;

	rule_ids_init(&ids, 1u << 24);
	CHECK(rule_ids_assign(&ids, &empty, rs, &rel, &nr_rel) == 0,
	      "rule_ids_assign");
	free(rel);
	rule_ids_free(&ids);
}

struct gen_list {
	uint8_t action, match;
};

#define GEN_LISTS 8

static void gen_lists(struct gen_list *lists)
{
	static const uint8_t actions[] = {XDPB_ACT_MONITOR, XDPB_ACT_DROP,
					  XDPB_ACT_ALLOW};
	static const uint8_t matches[] = {XDPB_MATCH_SRC, XDPB_MATCH_DST,
					  XDPB_MATCH_BOTH};

	for (int i = 1; i <= GEN_LISTS; i++) {
		/* lists 1-3 cover every action; the rest are random */
		lists[i].action = i <= 3 ? actions[i - 1]
					 : actions[rng_below(3)];
		lists[i].match = i <= 3 ? XDPB_MATCH_BOTH
					: matches[rng_below(3)];
	}
}

static void gen_add(struct ruleset *rs, const struct gen_list *lists,
		    const struct prefix *p, uint32_t line)
{
	uint16_t list = 1 + rng_below(GEN_LISTS);

	CHECK(ruleset_add(rs, p, list, lists[list].action, lists[list].match,
			  line) == 0,
	      "ruleset_add");
}

/*
 * IPv4 rules crowded into a few /24s: short covering prefixes, /25../31
 * groups and /32 hosts in the same /24s, chains of nested prefixes, and
 * the same prefix in several lists.
 */
#define NR_HOT 12

static void gen_v4(struct ruleset *rs, const struct gen_list *lists,
		   int nr_rules, struct prefix *hot)
{
	for (int i = 0; i < NR_HOT; i++) {
		hot[i] = random_prefix(AF_INET, 24);
		if (i && rng_below(2)) /* share a /16 with an earlier one */
			memcpy(hot[i].addr, hot[rng_below(i)].addr, 2);
	}
	for (int n = 0; n < nr_rules; n++) {
		const struct rule_table *t = &rs->v4;
		uint32_t r = rng_below(100);
		struct prefix p;

		if (r < 12 || !t->nr) {
			int plen = rng_below(25) ? 8 + rng_below(17)
						 : rng_below(8);

			p = hot[rng_below(NR_HOT)];
			random_bits_from(&p, 24);
			if (rng_below(4) == 0)
				random_bits_from(&p, 0);
			prefix_truncate(&p, plen);
		} else if (r < 45) {
			p = hot[rng_below(NR_HOT)];
			random_bits_from(&p, 24);
			prefix_truncate(&p, 25 + rng_below(7));
		} else if (r < 72) {
			p = hot[rng_below(NR_HOT)];
			random_bits_from(&p, 24);
			p.plen = 32;
		} else if (r < 90) {
			const struct prefix *parent =
				&t->rules[rng_below(t->nr)].prefix;

			p = *parent;
			if (p.plen < 32) {
				random_bits_from(&p, p.plen);
				prefix_truncate(
					&p,
					parent->plen + 1 +
						rng_below(32 - parent->plen));
			}
		} else {
			p = t->rules[rng_below(t->nr)].prefix;
		}
		gen_add(rs, lists, &p, n + 1);
	}
}

/* IPv6 rules over many prefix lengths, nested in chains under a few roots. */
#define NR_ROOTS 6

static void gen_v6(struct ruleset *rs, const struct gen_list *lists,
		   int nr_rules, struct prefix *roots)
{
	uint8_t lens[129];
	int nr_lens = 0;

	/* a random third to two thirds of all lengths, 0 and 128 included */
	for (int l = 0; l <= 128; l++)
		if (l == 0 || l == 128 || rng_below(3) != 0)
			lens[nr_lens++] = l;
	for (int i = 0; i < NR_ROOTS; i++)
		roots[i] = random_prefix(AF_INET6, 16 + rng_below(25));
	for (int n = 0; n < nr_rules; n++) {
		const struct rule_table *t = &rs->v6;
		uint32_t r = rng_below(100);
		struct prefix p;

		if (r < 30 || !t->nr) {
			int plen = lens[rng_below(nr_lens)];

			p = roots[rng_below(NR_ROOTS)];
			random_bits_from(&p, p.plen);
			/* /0../15 only now and then */
			if (plen < 16 && rng_below(8))
				plen += 16;
			prefix_truncate(&p, plen);
		} else if (r < 88) {
			const struct prefix *parent =
				&t->rules[rng_below(t->nr)].prefix;
			int j = 0;

			while (j < nr_lens && lens[j] <= parent->plen)
				j++;
			p = *parent;
			if (j < nr_lens) {
				int span = nr_lens - j < 10 ? nr_lens - j : 10;

				random_bits_from(&p, p.plen);
				prefix_truncate(&p, lens[j + rng_below(span)]);
			}
		} else {
			p = t->rules[rng_below(t->nr)].prefix;
		}
		gen_add(rs, lists, &p, n + 1);
	}
}

/*
 * Addresses: both ends of every rule, then random ones: half inside a
 * listed prefix, a quarter sharing a shorter prefix with a rule (these
 * pass the IPv6 filter at shorter lengths and hit neighbouring groups),
 * the rest near the hot spots or
 * anywhere.
 */
static void gen_addresses(struct addr_pool *pool, const struct rule_table *t,
			  const struct prefix *spots, int nr_spots, int family,
			  int nr_random)
{
	int max = family == AF_INET ? 32 : 128;

	for (size_t i = 0; i < t->nr; i++) {
		struct prefix a = prefix_edge(&t->rules[i].prefix, 0);

		pool_add(pool, &a);
		a = prefix_edge(&t->rules[i].prefix, 1);
		pool_add(pool, &a);
	}
	for (int n = 0; n < nr_random; n++) {
		uint32_t r = rng_below(100);
		struct prefix a;

		if (t->nr && r < 50) {
			a = t->rules[rng_below(t->nr)].prefix;
			random_bits_from(&a, a.plen);
		} else if (t->nr && r < 75) {
			a = t->rules[rng_below(t->nr)].prefix;
			random_bits_from(&a, rng_below(a.plen + 1));
		} else if (r < 92) {
			a = spots[rng_below(nr_spots)];
			random_bits_from(&a, a.plen);
		} else {
			a = random_prefix(family, max);
		}
		a.plen = max;
		pool_add(pool, &a);
	}
}

#define RANDOM_SEEDS 8

static void resolve_random_sets(void)
{
	struct sim_totals {
		size_t groups, hosts, group_lookups, host_hits, host_misses;
		size_t filter_skips, false_positives, max_lengths, addresses;
	} tot = {0};

	for (int seed = 1; seed <= RANDOM_SEEDS; seed++) {
		struct gen_list lists[GEN_LISTS + 1];
		struct prefix hot[NR_HOT], roots[NR_ROOTS];
		struct addr_pool pool = {0};
		struct ruleset rs = {0};
		struct sim s;
		char label[32];
		size_t bad;

		rng_seed(1000 + seed);
		gen_lists(lists);
		gen_v4(&rs, lists, 200 + rng_below(400), hot);
		gen_v6(&rs, lists, 200 + rng_below(400), roots);
		ruleset_finish(&rs);
		give_ids(&rs);
		gen_addresses(&pool, &rs.v4, hot, NR_HOT, AF_INET, 15000);
		gen_addresses(&pool, &rs.v6, roots, NR_ROOTS, AF_INET6, 6000);
		if (sim_build(&s, &rs, 0) == 0) {
			snprintf(label, sizeof(label), "seed %d", seed);
			bad = compare_pool(&s, &rs, &pool, 20000, label, 0);
			CHECK(bad == 0,
			      "seed %d: %zu disagreements with refmatch", seed,
			      bad);
			CHECK(s.st.bad_index == 0 && s.unfinished_search == 0,
			      "seed %d: %zu bad table indexes, %zu unfinished IPv6 searches",
			      seed, s.st.bad_index, s.unfinished_search);
			tot.groups += s.p4.nr_groups;
			tot.hosts += s.p4.nr_hosts;
			tot.group_lookups += s.st.group_lookups;
			tot.host_hits += s.st.host_hits;
			tot.host_misses += s.st.host_misses;
			tot.filter_skips += s.st.filter_skips;
			tot.false_positives += s.st.filter_false_positives;
			if (s.p6.info.nr_v6_lengths > tot.max_lengths)
				tot.max_lengths = s.p6.info.nr_v6_lengths;
			tot.addresses += pool.nr;
		}
		sim_free(&s);
		free(pool.a);
		ruleset_free(&rs);
	}
	/* the sets really went through every path of the lookup */
	CHECK(tot.groups > 0 && tot.hosts > 0, "%zu groups, %zu hosts",
	      tot.groups, tot.hosts);
	CHECK(tot.group_lookups > 1000 && tot.host_hits > 100 &&
		      tot.host_misses > 20,
	      "%zu group lookups, %zu host hits, %zu HOST-flag misses",
	      tot.group_lookups, tot.host_hits, tot.host_misses);
	CHECK(tot.filter_skips > 1000, "%zu lengths skipped by the filter",
	      tot.filter_skips);
	CHECK(tot.max_lengths >= 64, "at most %zu distinct IPv6 lengths",
	      tot.max_lengths);
	printf("  %d random sets, %zu addresses: %zu groups, %zu hosts, "
	       "%zu lookups via groups, %zu via the host hash, %zu IPv6 lengths "
	       "skipped by the filter, %zu filter false positives\n",
	       RANDOM_SEEDS, tot.addresses, tot.groups, tot.hosts,
	       tot.group_lookups, tot.host_hits, tot.filter_skips,
	       tot.false_positives);
}

/*
 * The comparison has teeth: with the IPv6 filter cleared, or without the
 * HOST1/HOSTS entries, the same random sets disagree with the reference.
 */
static void resolve_model_detects_breakage(void)
{
	struct gen_list lists[GEN_LISTS + 1];
	struct prefix hot[NR_HOT], roots[NR_ROOTS];
	struct addr_pool pool = {0};
	struct ruleset rs = {0};
	size_t bad, cleared = 0;
	struct sim s;

	rng_seed(1001);
	gen_lists(lists);
	gen_v4(&rs, lists, 400, hot);
	gen_v6(&rs, lists, 400, roots);
	/* lone hosts (HOST1 entries) and pairs in one /24 (HOSTS entries) */
	for (int i = 0; i < 40; i++) {
		struct prefix h = random_prefix(AF_INET, 32);

		ruleset_add(&rs, &h, 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH,
			    10000 + i);
		if (i % 2) {
			h.addr[3] ^= 0x80;
			ruleset_add(&rs, &h, 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH,
				    20000 + i);
		}
	}
	ruleset_finish(&rs);
	give_ids(&rs);
	gen_addresses(&pool, &rs.v4, hot, NR_HOT, AF_INET, 5000);
	gen_addresses(&pool, &rs.v6, roots, NR_ROOTS, AF_INET6, 5000);

	if (sim_build(&s, &rs, 1) == 0) {
		bad = compare_pool(&s, &rs, &pool, 0, "no filter bits", 1);
		CHECK(bad > 0, "clearing the IPv6 filter changed no result");
	}
	sim_free(&s);

	if (sim_build(&s, &rs, 0) == 0) {
		/* turn every host kind back into a plain leaf entry */
		for (size_t i = 0; i < XDPB_TBL24_ENTRIES; i++) {
			uint32_t kind = s.tbl24[i] >> XDPB_KIND_SHIFT;

			if (kind == XDPB_KIND_HOSTS) {
				s.tbl24[i] &= XDPB_ENTRY_INDEX_MASK;
				cleared++;
			} else if (kind == XDPB_KIND_HOST1) {
				s.tbl24[i] = 0;
				cleared++;
			}
		}
		CHECK(cleared > 0, "no host entries in the set");
		bad = compare_pool(&s, &rs, &pool, 0, "no host entries", 1);
		CHECK(bad > 0, "clearing every host entry changed no result");
	}
	sim_free(&s);
	free(pool.a);
	ruleset_free(&rs);
}

/* The empty set: nothing matches, and the lookups find no leaf. */
static void resolve_empty_set(void)
{
	struct ruleset rs = {0};
	struct xdpb_leaf leaf;
	struct prefix a;
	struct sim s;

	ruleset_finish(&rs);
	if (sim_build(&s, &rs, 0) == 0) {
		CHECK(s.p4.nr_nodes == 0 && s.p6.nr_entries == 0 &&
			      s.p6.info.nr_v6_lengths == 0,
		      "empty plans: %zu nodes, %zu entries", s.p4.nr_nodes,
		      s.p6.nr_entries);
		a = pfx("192.0.2.1");
		CHECK(!sim_lookup(&s, &a, &leaf), "IPv4 leaf in an empty set");
		a = pfx("2001:db8::1");
		CHECK(!sim_lookup(&s, &a, &leaf), "IPv6 leaf in an empty set");
		CHECK(!refmatch_address(&rs, &a, XDPB_DIR_SRC) &&
			      !refmatch_packet(&rs, &a, &a),
		      "refmatch finds a rule in an empty set");
	}
	sim_free(&s);
}

/*
 * A rule at every length along one address (all 129 IPv6 lengths, so the
 * lookup walks all 129 lengths; all 33 IPv4 lengths, so a
 * /24 has a group, hosts and covering prefixes), with actions and
 * directions varying by length; addresses leaving the chain at each bit.
 */
static void resolve_every_length(void)
{
	static const struct {
		uint8_t action, match;
	} kinds[] = {
		{XDPB_ACT_MONITOR, XDPB_MATCH_BOTH},
		{XDPB_ACT_DROP, XDPB_MATCH_SRC},
		{XDPB_ACT_DROP, XDPB_MATCH_BOTH},
		{XDPB_ACT_ALLOW, XDPB_MATCH_DST},
		{XDPB_ACT_MONITOR, XDPB_MATCH_DST},
		{XDPB_ACT_DROP, XDPB_MATCH_DST},
		{XDPB_ACT_ALLOW, XDPB_MATCH_SRC},
	};
	struct prefix base6 = pfx("2001:db8:89ab:cdef:123:4567:89ab:cdef");
	struct prefix base4 = pfx("203.0.113.77");
	struct addr_pool pool = {0};
	struct ruleset rs = {0};
	size_t bad;
	struct sim s;

	rng_seed(401);
	for (int f = 0; f < 2; f++) {
		const struct prefix *base = f ? &base6 : &base4;
		int max = prefix_max_len(base);

		for (int l = 0; l <= max; l++) {
			struct prefix p = *base, a;
			/* allow only near the ends, so drops decide in between */
			size_t k = (l % 5 == 4 && l > 8 && l < max - 8) ? 1
									: l % 7;

			prefix_truncate(&p, l);
			ruleset_add(&rs, &p, 1 + l % 5, kinds[k].action,
				    kinds[k].match, l + 1);
			/* the address that leaves the chain at bit l */
			a = *base;
			if (l < max) {
				a.addr[l / 8] ^= (uint8_t)(0x80 >> (l % 8));
				random_bits_from(&a, l + 1);
			}
			pool_add(&pool, &a);
		}
	}
	ruleset_finish(&rs);
	give_ids(&rs);
	if (sim_build(&s, &rs, 0) == 0) {
		CHECK(s.p6.info.nr_v6_lengths == 129, "%u IPv6 lengths",
		      s.p6.info.nr_v6_lengths);
		/* the /25../32 chain shares one group; its /32 is a group entry */
		CHECK(s.p4.nr_groups == 1 && s.p4.nr_hosts == 0,
		      "%zu groups, %zu hosts", s.p4.nr_groups, s.p4.nr_hosts);
		bad = compare_pool(&s, &rs, &pool, 2000, "every length", 0);
		CHECK(bad == 0, "%zu disagreements with refmatch", bad);
		CHECK(s.st.bad_index == 0 && s.unfinished_search == 0,
		      "%zu bad indexes, %zu IPv6 searches out of steps",
		      s.st.bad_index, s.unfinished_search);
	}
	sim_free(&s);
	free(pool.a);
	ruleset_free(&rs);
}

/* The two real lists plus allow/monitor exceptions inside them. */
static void resolve_real_lists(void)
{
	static const struct {
		const char *file;
		uint16_t list;
		uint8_t action, match;
	} real[] = {
		{"firehol_level1.netset", 1, XDPB_ACT_DROP, XDPB_MATCH_SRC},
		{"feodo_ipblocklist_recommended.txt", 2, XDPB_ACT_DROP,
		 XDPB_MATCH_BOTH},
	};
	struct prefix spots[1] = {pfx("0.0.0.0/0")};
	struct addr_pool pool = {0};
	struct ruleset rs = {0};
	size_t nr_real, bad;
	struct sim s;

	for (size_t f = 0; f < ARRAY_SIZE(real); f++) {
		struct parsed_list l;
		int err = listfile_parse(data_path(real[f].file),
					 LIST_ON_ERROR_REJECT, &l);

		CHECK(err == 0, "%s: %s", real[f].file, l.error);
		for (size_t i = 0; i < l.nr; i++)
			ruleset_add(&rs, &l.entries[i].prefix, real[f].list,
				    real[f].action, real[f].match,
				    l.entries[i].line);
		parsed_list_free(&l);
	}
	CHECK(rs.v4.nr == 2892 + 244, "%zu rules from the two lists", rs.v4.nr);
	nr_real = rs.v4.nr;
	/* exceptions nested in the listed prefixes: allow (3), monitor (4) */
	rng_seed(301);
	for (int n = 0; nr_real && n < 1500; n++) {
		struct prefix p = rs.v4.rules[rng_below(nr_real)].prefix;
		int plen = p.plen + rng_below(33 - p.plen);

		random_bits_from(&p, p.plen);
		if (rng_below(3) == 0)
			plen = 32;
		prefix_truncate(&p, plen);
		if (n % 2)
			ruleset_add(&rs, &p, 3, XDPB_ACT_ALLOW, XDPB_MATCH_BOTH,
				    n);
		else
			ruleset_add(&rs, &p, 4, XDPB_ACT_MONITOR,
				    XDPB_MATCH_DST, n);
	}
	ruleset_finish(&rs);
	give_ids(&rs);
	gen_addresses(&pool, &rs.v4, spots, 1, AF_INET, 60000);
	if (sim_build(&s, &rs, 0) == 0) {
		CHECK(s.p4.nr_groups > 0 && s.p4.nr_hosts > 0,
		      "%zu groups, %zu hosts", s.p4.nr_groups, s.p4.nr_hosts);
		bad = compare_pool(&s, &rs, &pool, 30000, "real lists", 0);
		CHECK(bad == 0, "%zu disagreements with refmatch", bad);
		CHECK(s.st.bad_index == 0, "%zu bad table indexes",
		      s.st.bad_index);
	}
	sim_free(&s);
	free(pool.a);
	ruleset_free(&rs);
}

/* ==== the rules of combination ======================================== */

enum { L_DROP_A = 1, L_DROP_B, L_ALLOW, L_MON, L_SRC_DROP, L_DST_ALLOW };

static void build_combination_set(struct ruleset *rs)
{
	static const struct {
		const char *prefix;
		uint16_t list;
	} rules[] = {
		{"10.0.0.0/8", L_DROP_A},
		{"10.1.0.0/16", L_ALLOW},
		{"10.1.2.3/32", L_DROP_A},
		{"10.1.2.0/25", L_DROP_B},
		{"10.2.0.0/16", L_MON},
		{"10.2.3.4/32", L_MON},
		{"10.3.0.0/16", L_DROP_B},
		{"10.3.3.0/24", L_DROP_A},
		{"10.4.0.0/16", L_DROP_B},
		{"10.4.0.0/16", L_DROP_A},
		{"10.4.0.0/16", L_MON},
		{"10.5.5.128/25", L_ALLOW},
		{"10.5.5.200/32", L_DROP_B},
		{"10.5.5.201/32", L_MON},
		{"192.0.2.0/24", L_SRC_DROP},
		{"198.51.100.0/24", L_MON},
		{"198.51.100.64/26", L_DST_ALLOW},
		{"2001:db8::/32", L_DROP_A},
		{"2001:db8:1::/48", L_ALLOW},
		{"2001:db8:1::1/128", L_DROP_A},
		{"2001:db8:2::/48", L_MON},
		{"2001:db8:3::/48", L_DROP_B},
		{"2001:db8:4::/48", L_DROP_B},
		{"2001:db8:4::/48", L_DROP_A},
		{"2001:db8:5::/64", L_SRC_DROP},
		{"2001:db8:6::/64", L_SRC_DROP},
		{"2001:db8:6::/96", L_DST_ALLOW},
		{"198.18.0.0/15", L_DROP_A},
		{"::ffff:203.0.113.0/120", L_DROP_B},
	};
	static const struct {
		uint8_t action, match;
	} list[] = {
		[L_DROP_A] = {XDPB_ACT_DROP, XDPB_MATCH_BOTH},
		[L_DROP_B] = {XDPB_ACT_DROP, XDPB_MATCH_BOTH},
		[L_ALLOW] = {XDPB_ACT_ALLOW, XDPB_MATCH_BOTH},
		[L_MON] = {XDPB_ACT_MONITOR, XDPB_MATCH_BOTH},
		[L_SRC_DROP] = {XDPB_ACT_DROP, XDPB_MATCH_SRC},
		[L_DST_ALLOW] = {XDPB_ACT_ALLOW, XDPB_MATCH_DST},
	};

	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		rs_add(rs, rules[i].prefix, rules[i].list,
		       list[rules[i].list].action, list[rules[i].list].match,
		       i + 1);
	ruleset_finish(rs);
	give_ids(rs);
}

static void combination_rules(void)
{
	static const struct {
		const char *addr;
		int dir;
		const char *rule; /* NULL: no rule */
		uint16_t list;
		const char *why;
	} cases[] = {
		{"10.1.2.3", XDPB_DIR_SRC, "10.1.0.0/16", L_ALLOW,
		 "allow /16 beats drop /32"},
		{"10.1.2.9", XDPB_DIR_DST, "10.1.0.0/16", L_ALLOW,
		 "allow /16 beats drop /25"},
		{"10.2.3.4", XDPB_DIR_SRC, "10.0.0.0/8", L_DROP_A,
		 "drop /8 beats monitor /32"},
		{"10.2.9.9", XDPB_DIR_DST, "10.0.0.0/8", L_DROP_A,
		 "drop /8 beats monitor /16"},
		{"10.3.1.1", XDPB_DIR_SRC, "10.3.0.0/16", L_DROP_B,
		 "longer drop wins"},
		{"10.3.3.3", XDPB_DIR_SRC, "10.3.3.0/24", L_DROP_A,
		 "the longest drop wins"},
		{"10.4.1.1", XDPB_DIR_SRC, "10.4.0.0/16", L_DROP_A,
		 "same prefix and action: lower list_id"},
		{"10.4.1.1", XDPB_DIR_DST, "10.4.0.0/16", L_DROP_A,
		 "same prefix and action: lower list_id"},
		{"10.5.5.200", XDPB_DIR_SRC, "10.5.5.128/25", L_ALLOW,
		 "allow group beats drop host"},
		{"10.5.5.201", XDPB_DIR_SRC, "10.5.5.128/25", L_ALLOW,
		 "allow group beats monitor host"},
		{"10.5.5.100", XDPB_DIR_SRC, "10.0.0.0/8", L_DROP_A,
		 "outside the group: the /8"},
		{"10.9.9.9", XDPB_DIR_DST, "10.0.0.0/8", L_DROP_A,
		 "only the /8"},
		{"11.0.0.1", XDPB_DIR_SRC, NULL, 0, "nothing listed"},
		{"192.0.2.9", XDPB_DIR_SRC, "192.0.2.0/24", L_SRC_DROP,
		 "src-only list as source"},
		{"192.0.2.9", XDPB_DIR_DST, NULL, 0,
		 "src-only list does not match a destination"},
		{"198.51.100.70", XDPB_DIR_DST, "198.51.100.64/26", L_DST_ALLOW,
		 "dst-only allow as destination"},
		{"198.51.100.70", XDPB_DIR_SRC, "198.51.100.0/24", L_MON,
		 "dst-only allow does not match a source"},
		{"2001:db8:1::1", XDPB_DIR_SRC, "2001:db8:1::/48", L_ALLOW,
		 "IPv6: allow /48 beats drop /128"},
		{"2001:db8:2::1", XDPB_DIR_DST, "2001:db8::/32", L_DROP_A,
		 "IPv6: drop /32 beats monitor /48"},
		{"2001:db8:3::1", XDPB_DIR_SRC, "2001:db8:3::/48", L_DROP_B,
		 "IPv6: longer drop wins"},
		{"2001:db8:4::1", XDPB_DIR_SRC, "2001:db8:4::/48", L_DROP_A,
		 "IPv6: lower list_id"},
		{"2001:db8:5::1", XDPB_DIR_SRC, "2001:db8:5::/64", L_SRC_DROP,
		 "IPv6: src-only as source"},
		{"2001:db8:5::1", XDPB_DIR_DST, "2001:db8::/32", L_DROP_A,
		 "IPv6: src-only skipped as destination"},
		{"2001:db8:6::1", XDPB_DIR_DST, "2001:db8:6::/96", L_DST_ALLOW,
		 "IPv6: dst-only allow"},
		{"2001:db8:6::1", XDPB_DIR_SRC, "2001:db8:6::/64", L_SRC_DROP,
		 "IPv6: src-only drop"},
		{"2001:db9::1", XDPB_DIR_SRC, NULL, 0, "IPv6: nothing listed"},
		{"::ffff:203.0.113.9", XDPB_DIR_SRC, "::ffff:203.0.113.0/120",
		 L_DROP_B, "IPv4-mapped rule matches the IPv6 address"},
		{"203.0.113.9", XDPB_DIR_SRC, NULL, 0,
		 "IPv4-mapped rule does not match the IPv4 address"},
		{"198.18.0.1", XDPB_DIR_DST, "198.18.0.0/15", L_DROP_A,
		 "IPv4 rule"},
		{"::ffff:198.18.0.1", XDPB_DIR_DST, NULL, 0,
		 "IPv4 rule does not match the IPv4-mapped address"},
	};
	struct ruleset rs = {0};
	struct sim s;
	int built;

	build_combination_set(&rs);
	built = sim_build(&s, &rs, 0) == 0;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct prefix a = pfx(cases[i].addr);
		const struct rule *want =
			cases[i].rule
				? rs_find(&rs, cases[i].rule, cases[i].list)
				: NULL;
		const struct rule *r = refmatch_address(&rs, &a, cases[i].dir);
		const char *dir = cases[i].dir == XDPB_DIR_SRC ? "src" : "dst";
		struct xdpb_leaf leaf;
		char buf[256];

		CHECK(!cases[i].rule || want, "case %zu: no such rule", i);
		CHECK(r == want, "%s as %s (%s): refmatch gives %s list %u",
		      cases[i].addr, dir, cases[i].why,
		      r ? fmt(&r->prefix) : "none", r ? r->list_id : 0);
		if (built) {
			int have = sim_lookup(&s, &a, &leaf);
			const struct xdpb_match *m =
				have ? &leaf.dir[cases[i].dir] : NULL;

			describe(buf, sizeof(buf), m, want);
			CHECK(match_is_rule(m, want), "%s as %s (%s): %s",
			      cases[i].addr, dir, cases[i].why, buf);
		}
	}
	sim_free(&s);
	ruleset_free(&rs);
}

/*
 * The precedence, written out by hand rather than computed: the
 * differential tests compare the datapath with refmatch, and both call
 * xdpb_decide() and xdpb_decide_name(), so a wrong rule there would agree
 * with itself. Each row: the two matches (action, prefix length; action 0
 * is "no rule") and which one must decide ('s'ource or address, 'd'est-
 * ination or name, '-' none).
 */
static void decide_by_hand(void)
{
	/* clang-format off */
	static const struct {
		uint8_t a_action, a_len, b_action, b_len;
		char want;
	} addr_rows[] = {
		{ 0, 0, 0, 0, '-' },
		{ XDPB_ACT_DROP, 24, 0, 0, 's' },
		{ 0, 0, XDPB_ACT_MONITOR, 8, 'd' },
		/* the higher action, whatever the lengths */
		{ XDPB_ACT_MONITOR, 32, XDPB_ACT_DROP, 8, 'd' },
		{ XDPB_ACT_ALLOW, 8, XDPB_ACT_DROP, 32, 's' },
		{ XDPB_ACT_DROP, 16, XDPB_ACT_ALLOW, 16, 'd' },
		/* the same action: the longer prefix; then the source */
		{ XDPB_ACT_DROP, 16, XDPB_ACT_DROP, 24, 'd' },
		{ XDPB_ACT_DROP, 25, XDPB_ACT_DROP, 24, 's' },
		{ XDPB_ACT_DROP, 24, XDPB_ACT_DROP, 24, 's' },
	}, name_rows[] = {
		/* a = the address verdict, b = the name rule */
		{ 0, 0, 0, 0, '-' },
		{ XDPB_ACT_DROP, 24, 0, 0, 's' },
		{ 0, 0, XDPB_ACT_NXDOMAIN, 2, 'd' },
		/* an address allow wins over every name rule */
		{ XDPB_ACT_ALLOW, 24, XDPB_ACT_DROP, 3, 's' },
		/* a name allow lifts a name-level block, not an address drop */
		{ XDPB_ACT_MONITOR, 24, XDPB_ACT_ALLOW, 2, 'd' },
		{ XDPB_ACT_DROP, 24, XDPB_ACT_ALLOW, 2, 's' },
		/* otherwise the higher action; on a tie the address rule */
		{ XDPB_ACT_MONITOR, 32, XDPB_ACT_NXDOMAIN, 2, 'd' },
		{ XDPB_ACT_DROP, 32, XDPB_ACT_RESET, 2, 's' },
		{ XDPB_ACT_DROP, 8, XDPB_ACT_DROP, 3, 's' },
	};
	/* clang-format on */

	for (size_t i = 0; i < sizeof(addr_rows) / sizeof(addr_rows[0]); i++) {
		struct xdpb_leaf src = {0}, dst = {0};
		const struct xdpb_match *m;
		char got;

		src.dir[XDPB_DIR_SRC].action = addr_rows[i].a_action;
		src.dir[XDPB_DIR_SRC].prefixlen = addr_rows[i].a_len;
		dst.dir[XDPB_DIR_DST].action = addr_rows[i].b_action;
		dst.dir[XDPB_DIR_DST].prefixlen = addr_rows[i].b_len;
		m = xdpb_decide(&src, 1, &dst, 1);
		got = !m ? '-' : m == &src.dir[XDPB_DIR_SRC] ? 's' : 'd';
		CHECK(got == addr_rows[i].want,
		      "xdpb_decide row %zu: %c decides, the table says %c", i,
		      got, addr_rows[i].want);
	}
	for (size_t i = 0; i < sizeof(name_rows) / sizeof(name_rows[0]); i++) {
		struct xdpb_match ip = {0}, name = {0};
		const struct xdpb_match *m;
		char got;

		ip.action = name_rows[i].a_action;
		ip.prefixlen = name_rows[i].a_len;
		name.action = name_rows[i].b_action;
		name.prefixlen = name_rows[i].b_len;
		m = xdpb_decide_name(ip.action ? &ip : NULL, &name);
		got = !m ? '-' : m == &ip ? 's' : 'd';
		CHECK(got == name_rows[i].want,
		      "xdpb_decide_name row %zu: %c decides, the table says %c",
		      i, got, name_rows[i].want);
	}
}

static void refmatch_packet_cross_direction(void)
{
	static const struct {
		const char *prefix;
		uint16_t list;
		uint8_t action, match;
	} rules[] = {
		{"192.0.2.0/24", 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH},
		{"203.0.113.0/24", 2, XDPB_ACT_ALLOW, XDPB_MATCH_DST},
		{"198.51.100.0/24", 3, XDPB_ACT_MONITOR, XDPB_MATCH_BOTH},
		{"192.0.2.128/25", 4, XDPB_ACT_DROP, XDPB_MATCH_BOTH},
		{"10.0.0.0/24", 5, XDPB_ACT_DROP, XDPB_MATCH_BOTH},
		{"100.64.0.0/10", 6, XDPB_ACT_ALLOW, XDPB_MATCH_BOTH},
		{"100.64.1.0/25", 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH},
		{"2001:db8::/32", 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH},
		{"2001:db8:1::/48", 4, XDPB_ACT_DROP, XDPB_MATCH_SRC},
	};
	static const struct {
		const char *src, *dst;
		const char *rule; /* NULL: pass, no rule */
		uint16_t list;
		const char *why;
	} cases[] = {
		{"192.0.2.1", "203.0.113.5", "203.0.113.0/24", 2,
		 "destination allow beats source drop"},
		{"198.51.100.1", "192.0.2.1", "192.0.2.0/24", 1,
		 "destination drop beats source monitor"},
		{"192.0.2.1", "198.51.100.1", "192.0.2.0/24", 1,
		 "source drop beats destination monitor"},
		{"192.0.2.1", "192.0.2.200", "192.0.2.128/25", 4,
		 "same action: the longer destination prefix"},
		{"192.0.2.200", "192.0.2.1", "192.0.2.128/25", 4,
		 "same action: the longer source prefix"},
		{"10.0.0.1", "192.0.2.1", "10.0.0.0/24", 5,
		 "same action and length: the source side"},
		{"192.0.2.1", "10.0.0.1", "192.0.2.0/24", 1,
		 "same action and length: the source side"},
		{"100.64.1.1", "100.64.2.2", "100.64.0.0/10", 6,
		 "allow /10 as destination beats drop /25 as source"},
		{"8.8.8.8", "198.51.100.7", "198.51.100.0/24", 3,
		 "only the destination matches"},
		{"198.51.100.7", "8.8.8.8", "198.51.100.0/24", 3,
		 "only the source matches"},
		{"203.0.113.5", "8.8.8.8", NULL, 0,
		 "dst-only list as source: no match"},
		{"8.8.8.8", "203.0.113.5", "203.0.113.0/24", 2,
		 "dst-only list as destination"},
		{"8.8.8.8", "8.8.4.4", NULL, 0, "nothing listed"},
		{"2001:db8:1::1", "2001:db8:2::1", "2001:db8:1::/48", 4,
		 "IPv6: longer source prefix"},
		{"2001:db8:2::1", "2001:db8:1::1", "2001:db8::/32", 1,
		 "IPv6: src-only list as destination; equal: source"},
	};
	struct ruleset rs = {0};
	struct sim s;
	int built;

	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		rs_add(&rs, rules[i].prefix, rules[i].list, rules[i].action,
		       rules[i].match, i + 1);
	ruleset_finish(&rs);
	give_ids(&rs);
	built = sim_build(&s, &rs, 0) == 0;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct prefix src = pfx(cases[i].src), dst = pfx(cases[i].dst);
		const struct rule *want =
			cases[i].rule
				? rs_find(&rs, cases[i].rule, cases[i].list)
				: NULL;
		const struct rule *r = refmatch_packet(&rs, &src, &dst);

		CHECK(!cases[i].rule || want, "case %zu: no such rule", i);
		CHECK(r == want, "%s -> %s (%s): refmatch gives %s list %u",
		      cases[i].src, cases[i].dst, cases[i].why,
		      r ? fmt(&r->prefix) : "none", r ? r->list_id : 0);
		if (built) {
			struct xdpb_leaf sl, dl;
			int hs = sim_lookup(&s, &src, &sl);
			int hd = sim_lookup(&s, &dst, &dl);
			const struct xdpb_match *m =
				xdpb_decide(&sl, hs, &dl, hd);
			char buf[256];

			describe(buf, sizeof(buf), m, want);
			CHECK(match_is_rule(m, want), "%s -> %s (%s): %s",
			      cases[i].src, cases[i].dst, cases[i].why, buf);
		}
	}
	sim_free(&s);
	ruleset_free(&rs);
}

/* ==== main ============================================================ */

/* ==== promtext ======================================================= */

static const char *label_escaped(const char *value)
{
	static char out[256];
	struct prom_buf b = {0};

	prom_label_value(&b, value);
	snprintf(out, sizeof(out), "%s", b.text ? b.text : "");
	CHECK(!b.failed, "allocation failed");
	prom_buf_free(&b);
	return out;
}

static void promtext_label_escaping(void)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
		{"eth0", "eth0"},
		{"", ""},
		/* the three escapes of the format */
		{"a\"b", "a\\\"b"},
		{"back\\slash", "back\\\\slash"},
		{"two\nlines", "two\\nlines"},
		{"\\n", "\\\\n"}, /* a backslash then n: not a line feed */
		/* other bytes pass as they are, valid UTF-8 too */
		{"tab\there {x}=,", "tab\there {x}=,"},
		{"caf\xc3\xa9", "caf\xc3\xa9"},
		{"\xe2\x82\xac \xf0\x9f\x98\x80",
		 "\xe2\x82\xac \xf0\x9f\x98\x80"},
		/* what is not UTF-8 becomes U+FFFD, byte by byte */
		{"a\xff"
		 "b",
		 "a\xef\xbf\xbd"
		 "b"},
		{"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"}, /* overlong '/' */
		{"\xed\xa0\x80", /* a UTF-16 surrogate */
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"\xf4\x90\x80\x80", /* past U+10FFFF */
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd"}, /* cut short */
		{"\x80\"", "\xef\xbf\xbd\\\""},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *got = label_escaped(cases[i].value);

		CHECK(!strcmp(got, cases[i].want),
		      "case %zu: got '%s', want '%s'", i, got, cases[i].want);
	}
}

static void promtext_families_and_samples(void)
{
	static const char want[] =
		"# HELP xb_packets_total Packets, \\\\ and \\n escaped: \"quotes\" stay.\n"
		"# TYPE xb_packets_total counter\n"
		"xb_packets_total{interface=\"eth0\",action=\"drop\"} 18446744073709551615\n"
		"xb_packets_total{interface=\"we\\\"ird\\\\\\n\"} 0\n"
		"# HELP xb_seconds A gauge.\n"
		"# TYPE xb_seconds gauge\n"
		"xb_seconds 0.25\n"
		"xb_seconds{k=\"v\"} 1700000000.5\n"
		"xb_seconds 0.001\n"
		"xb_seconds 0.30000000000000004\n"
		"xb_seconds NaN\n"
		"xb_seconds -Inf\n";
	const struct prom_label labels[] = {{"interface", "eth0"},
					    {"action", "drop"}};
	const struct prom_label weird[] = {{"interface", "we\"ird\\\n"}};
	const struct prom_label kv[] = {{"k", "v"}};
	struct prom_buf b = {0};

	prom_family(&b, "xb_packets_total", "counter",
		    "Packets, \\ and \n escaped: \"quotes\" stay.");
	prom_u64(&b, "xb_packets_total", labels, 2, UINT64_MAX);
	prom_u64(&b, "xb_packets_total", weird, 1, 0);
	prom_family(&b, "xb_seconds", "gauge", "A gauge.");
	prom_double(&b, "xb_seconds", NULL, 0, 0.25);
	prom_double(&b, "xb_seconds", kv, 1, 1700000000.5);
	prom_double(&b, "xb_seconds", NULL, 0, 0.001);
	/* 0.1 + 0.2 needs 17 digits to read back the same */
	prom_double(&b, "xb_seconds", NULL, 0, 0.1 + 0.2);
	prom_double(&b, "xb_seconds", NULL, 0, 0.0 / 0.0);
	prom_double(&b, "xb_seconds", NULL, 0, -1.0 / 0.0);
	CHECK(!b.failed, "allocation failed");
	CHECK(b.text && !strcmp(b.text, want), "got:\n%s\nwant:\n%s",
	      b.text ? b.text : "(nothing)", want);
	CHECK(b.text && b.len == strlen(b.text), "len %zu", b.len);
	prom_buf_free(&b);
}

/* A text larger than any first allocation grows and stays whole. */
static void promtext_grows(void)
{
	struct prom_buf b = {0};
	char name[32];
	size_t expect = 0;

	for (int i = 0; i < 5000; i++) {
		const struct prom_label l[] = {{"n", name}};

		snprintf(name, sizeof(name), "list-%d", i);
		prom_u64(&b, "xb_rules", l, 1, i);
		expect += strlen("xb_rules{n=\"\"} \n") + strlen(name) +
			  snprintf(NULL, 0, "%d", i);
	}
	CHECK(!b.failed && b.len == expect && strlen(b.text) == expect,
	      "len %zu, want %zu", b.len, expect);
	CHECK(b.text && strstr(b.text, "xb_rules{n=\"list-4999\"} 4999\n"),
	      "last sample missing");
	prom_buf_free(&b);
}

/* ==== listen ========================================================== */

static void listen_addr_forms(void)
{
	static const struct {
		const char *text;
		int family;
		const char *addr; /* as inet_ntop writes it */
		unsigned int port;
		const char *formatted;
	} good[] = {
		{"127.0.0.1:9469", AF_INET, "127.0.0.1", 9469,
		 "127.0.0.1:9469"},
		{"0.0.0.0:9469", AF_INET, "0.0.0.0", 9469, "0.0.0.0:9469"},
		{"192.0.2.1:1", AF_INET, "192.0.2.1", 1, "192.0.2.1:1"},
		{"[::1]:9469", AF_INET6, "::1", 9469, "[::1]:9469"},
		{"[::]:65535", AF_INET6, "::", 65535, "[::]:65535"},
		{"[2001:DB8:0::1]:80", AF_INET6, "2001:db8::1", 80,
		 "[2001:db8::1]:80"},
		{"[::ffff:127.0.0.1]:9469", AF_INET6, "::ffff:127.0.0.1", 9469,
		 "[::ffff:127.0.0.1]:9469"},
		{"127.0.0.1:09469", AF_INET, "127.0.0.1", 9469,
		 "127.0.0.1:9469"},
		{"off", AF_UNSPEC, NULL, 0, "off"},
		{"", AF_UNSPEC, NULL, 0, "off"},
	};
	static const char *const bad[] = {
		"127.0.0.1",
		"127.0.0.1:",
		"127.0.0.1:0",
		"127.0.0.1:65536",
		"127.0.0.1:99999999999",
		"127.0.0.1:-1",
		"127.0.0.1:+80",
		"127.0.0.1: 80",
		"127.0.0.1:80x",
		"127.0.0.1:80 ",
		":9469",
		"::1:9469",
		"::1",
		"[::1]",
		"[::1]9469",
		"[::1]:",
		"[]:80",
		"[127.0.0.1]:80",
		"[fe80::1%eth0]:80",
		"localhost:9469",
		"127.1:9469",
		"256.0.0.1:80",
		"Off",
		"no",
		"127.0.0.1:9469:1",
		"[::1]:9469]",
	};
	struct sockaddr_storage ss;
	char text[LISTEN_ADDR_STRLEN], host[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		int rc = listen_addr_parse(good[i].text, &ss);
		unsigned int port = 0;

		CHECK(rc == 0, "'%s' refused", good[i].text);
		if (rc)
			continue;
		CHECK(ss.ss_family == good[i].family, "'%s': family %d",
		      good[i].text, ss.ss_family);
		host[0] = '\0';
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
			port = ntohs(sin->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &sin6->sin6_addr, host,
				  sizeof(host));
			port = ntohs(sin6->sin6_port);
		}
		if (good[i].addr)
			CHECK(!strcmp(host, good[i].addr) &&
				      port == good[i].port,
			      "'%s': %s port %u", good[i].text, host, port);
		listen_addr_format(&ss, text, sizeof(text));
		CHECK(!strcmp(text, good[i].formatted),
		      "'%s' formats as '%s', want '%s'", good[i].text, text,
		      good[i].formatted);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&ss, 0xab, sizeof(ss));
		CHECK(listen_addr_parse(bad[i], &ss) == -EINVAL,
		      "'%s' accepted", bad[i]);
	}
}

/* The default is loopback; off and the other forms are read from [daemon]. */
static void config_metrics_listen(void)
{
	static const struct {
		const char *line, *formatted;
	} cases[] = {
		{"", "127.0.0.1:9469"}, /* no metrics_listen line */
		{"metrics_listen = [::1]:9470\n", "[::1]:9470"},
		{"metrics_listen = 0.0.0.0:9469\n", "0.0.0.0:9469"},
		{"metrics_listen = off\n", "off"},
		{"metrics_listen =\n", "off"},
		{"metrics_listen = off\nmetrics_listen = 127.0.0.1:1\n",
		 "127.0.0.1:1"}, /* the last value counts */
	};
	char text[256], err[1024], formatted[LISTEN_ADDR_STRLEN];
	const char *path;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int rc;

		snprintf(text, sizeof(text), "[daemon]\ninterfaces = eth0\n%s",
			 cases[i].line);
		rc = load_config_text("metrics.conf", text, &path, err,
				      sizeof(err));
		CHECK(rc == 0, "'%s': %s", cases[i].line, err);
		listen_addr_format(&cfg_buf->metrics_addr, formatted,
				   sizeof(formatted));
		CHECK(!strcmp(formatted, cases[i].formatted),
		      "'%s': got %s, want %s", cases[i].line, formatted,
		      cases[i].formatted);
	}
}

/* ==== features ======================================================== */

/* A made-up kernel BTF: the probe reads types, not a running kernel. */
struct fake_enum {
	const char *type_name; /* NULL: anonymous, as in the UAPI header */
	int is_enum64;
	const char *values[3]; /* NULL ends */
};

static enum feature_state probe_fake(const struct fake_enum *enums, size_t nr)
{
	struct kernel_features kf = {0};
	struct btf *btf = btf__new_empty();
	int int_id;

	CHECK(btf, "btf__new_empty failed");
	if (!btf)
		return FEATURE_UNKNOWN;
	/* types around the enums, one named like the flag but not an enum */
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	CHECK(int_id > 0, "btf__add_int: %d", int_id);
	CHECK(btf__add_struct(btf, "bpf_timer_like", 4) > 0, "add_struct");
	CHECK(btf__add_field(btf, "BPF_F_TIMER_CPU_PIN", int_id, 0, 0) == 0,
	      "add_field");
	for (size_t i = 0; i < nr; i++) {
		int id = enums[i].is_enum64
				 ? btf__add_enum64(btf, enums[i].type_name, 8,
						   false)
				 : btf__add_enum(btf, enums[i].type_name, 4);

		CHECK(id > 0, "adding enum %zu: %d", i, id);
		for (int v = 0; v < 3 && enums[i].values[v]; v++)
			CHECK((enums[i].is_enum64
				       ? btf__add_enum64_value(
						 btf, enums[i].values[v],
						 1u << v)
				       : btf__add_enum_value(btf,
							     enums[i].values[v],
							     1 << v)) == 0,
			      "adding %s", enums[i].values[v]);
	}
	features_probe_btf(&kf, btf);
	btf__free(btf);
	return kf.state[KERNEL_FEATURE_TIMER_CPU_PIN];
}

static void features_btf_timer_cpu_pin(void)
{
	/* Linux 6.7 and later: the anonymous enum of bpf_timer_start() flags */
	static const struct fake_enum v6_7[] = {
		{"bpf_stats_type", 0, {"BPF_STATS_RUN_TIME"}},
		{NULL, 0, {"BPF_F_TIMER_ABS", "BPF_F_TIMER_CPU_PIN"}},
	};
	/* a compiler may give 64-bit values (1ULL << 1) an ENUM64 */
	static const struct fake_enum v6_7_enum64[] = {
		{NULL, 1, {"BPF_F_TIMER_ABS", "BPF_F_TIMER_CPU_PIN"}},
	};
	/* Linux 6.4 to 6.6: BPF_F_TIMER_ABS alone */
	static const struct fake_enum v6_4[] = {
		{"bpf_stats_type", 0, {"BPF_STATS_RUN_TIME"}},
		{NULL, 0, {"BPF_F_TIMER_ABS"}},
	};
	/* the name as a prefix of another value does not count */
	static const struct fake_enum longer[] = {
		{NULL, 0, {"BPF_F_TIMER_CPU_PINNED"}},
	};

	CHECK(probe_fake(v6_7, ARRAY_SIZE(v6_7)) == FEATURE_PRESENT,
	      "6.7 enum: not found");
	CHECK(probe_fake(v6_7_enum64, ARRAY_SIZE(v6_7_enum64)) ==
		      FEATURE_PRESENT,
	      "6.7 enum64: not found");
	CHECK(probe_fake(v6_4, ARRAY_SIZE(v6_4)) == FEATURE_ABSENT,
	      "6.4: found");
	CHECK(probe_fake(longer, ARRAY_SIZE(longer)) == FEATURE_ABSENT,
	      "a longer name: found");
	CHECK(probe_fake(NULL, 0) == FEATURE_ABSENT,
	      "no enums (a struct member of the name): found");
}

static void features_warning_text(void)
{
	struct kernel_features kf = {.release = "6.1.0-28-amd64"};
	char buf[400];

	kf.state[KERNEL_FEATURE_TIMER_CPU_PIN] = FEATURE_ABSENT;
	CHECK(features_warning(&kf, KERNEL_FEATURE_TIMER_CPU_PIN, buf,
			       sizeof(buf)) == 1,
	      "absent: no warning");
	CHECK(!strcmp(buf,
		      "kernel 6.1.0-28-amd64 lacks BPF_F_TIMER_CPU_PIN (Linux 6.7): rule counters of a lightly used CPU are folded every 64 hits instead of within 100 ms; counts stay exact"),
	      "got '%s'", buf);
	for (int state = FEATURE_UNKNOWN; state <= FEATURE_PRESENT; state++) {
		if (state == FEATURE_ABSENT)
			continue;
		kf.state[KERNEL_FEATURE_TIMER_CPU_PIN] = state;
		strcpy(buf, "stale");
		CHECK(features_warning(&kf, KERNEL_FEATURE_TIMER_CPU_PIN, buf,
				       sizeof(buf)) == 0 &&
			      !buf[0],
		      "state %d: warned '%s'", state, buf);
	}
	CHECK(!strcmp(kernel_feature_name(KERNEL_FEATURE_TIMER_CPU_PIN),
		      "timer_cpu_pin"),
	      "name '%s'", kernel_feature_name(KERNEL_FEATURE_TIMER_CPU_PIN));
}

/*
 * The running kernel, against a plain search of its BTF's string section
 * for the name (a NUL-terminated string), which needs no BTF parsing.
 */
static void features_running_kernel(void)
{
	static const char name[] = "\0BPF_F_TIMER_CPU_PIN";
	struct kernel_features kf;
	struct utsname uts;
	size_t len = 0, cap = 1 << 20, n;
	FILE *f = fopen("/sys/kernel/btf/vmlinux", "rb");
	char *raw = malloc(cap);
	int rc = features_probe(&kf), expected = 0;

	CHECK(uname(&uts) == 0 && !strcmp(kf.release, uts.release),
	      "release '%s'", kf.release);
	if (!f || !raw) {
		/* a kernel without BTF: the probe says unknown, and why */
		CHECK(rc < 0 && kf.error[0] &&
			      kf.state[KERNEL_FEATURE_TIMER_CPU_PIN] ==
				      FEATURE_UNKNOWN,
		      "no BTF, yet rc %d", rc);
		goto out;
	}
	while ((n = fread(raw + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			char *more = realloc(raw, cap *= 2);

			CHECK(more, "out of memory");
			if (!more)
				goto out;
			raw = more;
		}
	}
	expected = memmem(raw, len, name, sizeof(name)) != NULL;
	CHECK(rc == 0 && !kf.error[0], "rc %d: %s", rc, kf.error);
	CHECK(kf.state[KERNEL_FEATURE_TIMER_CPU_PIN] ==
		      (expected ? FEATURE_PRESENT : FEATURE_ABSENT),
	      "kernel %s: the probe says state %d, the BTF strings say %s",
	      kf.release, kf.state[KERNEL_FEATURE_TIMER_CPU_PIN],
	      expected ? "present" : "absent");
out:
	if (f)
		fclose(f);
	free(raw);
}

/* ==== escape (issue 12, finding 9) ==================================== */

static void escape_table(void)
{
	static const struct {
		const char *in;
		size_t size;
		const char *out;
	} cases[] = {
		{"plain text", 64, "plain text"},
		{"\x1b[31mred\x1b[0m", 64, "\\x1b[31mred\\x1b[0m"},
		{"a\tb\nc\rd\x7f", 64, "a\\x09b\\x0ac\\x0dd\\x7f"},
		/* 8-bit CSI, and UTF-8 (U+009B is c2 9b): bytes, not glyphs */
		{"\x9b"
		 "2J \xc2\x9b",
		 64, "\\x9b2J \\xc2\\x9b"},
		/* a backslash is printable: escaping twice changes nothing */
		{"\\x1b", 64, "\\x1b"},
		/* cut at a whole escape: "ab" + "\x1b" needs 7 bytes */
		{"ab\x1b", 7, "ab\\x1b"},
		{"ab\x1b", 6, "ab"},
		{"ab\x1b"
		 "cd",
		 8, "ab\\x1bc"},
		{"", 1, ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64];
		size_t n;

		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		n = text_escape(buf, cases[i].size);
		CHECK(!strcmp(buf, cases[i].out) && n == strlen(buf),
		      "case %zu: '%s' (%zu), want '%s'", i, buf, n,
		      cases[i].out);
		n = text_escape(buf, cases[i].size);
		CHECK(!strcmp(buf, cases[i].out), "case %zu twice: '%s'", i,
		      buf);
	}
}

/* log.c escapes every line, whatever a caller passes to "%s" */
static void escape_log_guard(void)
{
	char path[PATH_MAX], line[256] = "";
	int saved = dup(2), fd;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log.out",
		 tmp_write_str("log.out", "") ? tmp_dir : "/tmp");
	fd = open(path, O_WRONLY | O_TRUNC);
	if (saved < 0 || fd < 0 || dup2(fd, 2) < 0) {
		CHECK(0, "redirect stderr: %s", strerror(errno));
		return;
	}
	log_init("xdpblockd", LOG_LEVEL_INFO);
	log_warn("list %s: %s", "a", "x.zone:1: \x1b[31mred\x9b\nforged line");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	f = fopen(path, "r");
	if (!f || !fgets(line, sizeof(line), f)) {
		CHECK(0, "no log line");
	} else {
		CHECK(strstr(line,
			     "x.zone:1: \\x1b[31mred\\x9b\\x0aforged line\n"),
		      "log line '%s'", line);
		CHECK(!fgets(line, sizeof(line), f), "a second line '%s'",
		      line);
	}
	if (f)
		fclose(f);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	cfg_buf = calloc(1, sizeof(*cfg_buf));
	if (!cfg_buf)
		return 2;

	RUN_TEST("prefix", prefix_parse_valid);
	RUN_TEST("prefix", prefix_parse_bytes);
	RUN_TEST("prefix", prefix_parse_invalid);
	RUN_TEST("prefix", prefix_ipv4_mapped_is_ipv6);
	RUN_TEST("prefix", prefix_address_parse);
	RUN_TEST("prefix", prefix_format_round_trip);
	RUN_TEST("prefix", prefix_cmp_order);
	RUN_TEST("prefix", prefix_cmp_contains_property);
	RUN_TEST("prefix", prefix_contains_cases);
	RUN_TEST("prefix", prefix_truncate_cases);

	RUN_TEST("listfile", list_comments_blanks_spaces);
	RUN_TEST("listfile", list_crlf_bom_no_final_newline);
	RUN_TEST("listfile", list_empty);
	RUN_TEST("listfile", list_reject_reports_first_bad_line);
	RUN_TEST("listfile", list_skip_line_counts_and_keeps);
	RUN_TEST("listfile", list_two_fields_rejected);
	RUN_TEST("listfile", list_odd_bytes);
	RUN_TEST("listfile", list_many_short_entries);
	RUN_TEST("listfile", list_files);
	RUN_TEST("listfile", list_real_firehol);
	RUN_TEST("listfile", list_real_feodo);

	RUN_TEST("config", config_full);
	RUN_TEST("config", config_defaults);
	RUN_TEST("config", config_web_ports);
	RUN_TEST("config", config_sinkhole);
	RUN_TEST("config", config_missing_file);
	RUN_TEST("config", config_err_unknown_key);
	RUN_TEST("config", config_err_unknown_list_key);
	RUN_TEST("config", config_err_unknown_section);
	RUN_TEST("config", config_err_bad_action);
	RUN_TEST("config", config_err_bad_match);
	RUN_TEST("config", config_err_bad_on_error);
	RUN_TEST("config", config_err_bad_xdp_mode);
	RUN_TEST("config", config_err_bad_log_level);
	RUN_TEST("config", config_err_bad_max_rules);
	RUN_TEST("config", config_err_max_rules_zero);
	RUN_TEST("config", config_err_max_rules_too_big);
	RUN_TEST("config", config_err_long_interface);
	RUN_TEST("config", config_err_relative_socket);
	RUN_TEST("config", config_control_group);
	RUN_TEST("control", control_server_framing);
	RUN_TEST("config", config_err_unknown_group);
	RUN_TEST("config", config_err_empty_group);
	RUN_TEST("config", config_err_unknown_admin_group);
	RUN_TEST("config", config_err_metrics_top);
	RUN_TEST("config", config_err_duplicate_list);
	RUN_TEST("config", config_err_invalid_list_name);
	RUN_TEST("config", config_err_empty_list_name);
	RUN_TEST("config", config_err_relative_path);
	RUN_TEST("config", config_err_rpz_action);
	RUN_TEST("config", config_err_origin_not_rpz);
	RUN_TEST("config", config_err_bad_origin);
	RUN_TEST("config", config_err_key_outside_section);
	RUN_TEST("config", config_err_syntax);
	RUN_TEST("config", config_err_missing_interfaces);
	RUN_TEST("config", config_err_list_without_path);
	RUN_TEST("config", config_err_first_error_wins);
	RUN_TEST("config", config_err_syntax_then_bad_key);
	RUN_TEST("config", config_err_inline_hash);
	RUN_TEST("config", config_err_missing_interfaces_no_daemon);
	RUN_TEST("config", config_crlf_bom_long_lines);
	RUN_TEST("config", config_err_line_too_long);
	RUN_TEST("config", config_interfaces_add_up);
	RUN_TEST("config", config_err_duplicate_list_adjacent);
	RUN_TEST("config", config_err_duplicate_list_keyless_between);
	RUN_TEST("config", config_err_list_without_keys);
	RUN_TEST("config", config_err_bad_metrics_listen);
	RUN_TEST("config", config_err_metrics_listen_no_port);
	RUN_TEST("config", config_metrics_listen);
	RUN_TEST("config", config_err_unsigned_list);
	RUN_TEST("config", config_err_none_with_key);
	RUN_TEST("config", config_err_none_with_signature_file);
	RUN_TEST("config", config_err_bad_public_key);
	RUN_TEST("config", config_err_second_key_bad);
	RUN_TEST("config", config_err_key_id_clash);
	RUN_TEST("config", config_err_public_key_file_missing);
	RUN_TEST("config", config_err_public_key_file_relative);
	RUN_TEST("config", config_err_bad_signature);
	RUN_TEST("config", config_err_relative_signature_file);
	RUN_TEST("config", config_err_bad_format);
	RUN_TEST("config", config_err_bad_signature_file_check);
	RUN_TEST("config", config_err_escapes_control_bytes);
	RUN_TEST("config", config_err_bad_require_timestamp);
	RUN_TEST("config", config_err_bad_max_bad_lines);
	RUN_TEST("config", config_err_max_list_bytes_small);
	RUN_TEST("config", config_err_max_list_bytes_big);
	RUN_TEST("config", config_err_max_list_bytes_suffix);
	RUN_TEST("config", config_err_relative_state_dir);
	RUN_TEST("config", config_keys_and_sizes);

	RUN_TEST("ruleset", ruleset_finish_sorts_and_dedups);
	RUN_TEST("ruleset", ruleset_finish_random);
	RUN_TEST("ruleset", rule_ids_keep_and_fresh);
	RUN_TEST("ruleset", rule_ids_reuse_after_release);
	RUN_TEST("ruleset", rule_ids_adopt_running_set);
	RUN_TEST("ruleset", rule_ids_rollback_restores);
	RUN_TEST("ruleset", rule_ids_enospc);

	RUN_TEST("resolve", resolve_empty_set);
	RUN_TEST("resolve", resolve_random_sets);
	RUN_TEST("resolve", resolve_model_detects_breakage);
	RUN_TEST("resolve", resolve_every_length);
	RUN_TEST("resolve", resolve_real_lists);

	RUN_TEST("refmatch", combination_rules);
	RUN_TEST("refmatch", refmatch_packet_cross_direction);
	RUN_TEST("refmatch", decide_by_hand);

	RUN_TEST("promtext", promtext_label_escaping);
	RUN_TEST("promtext", promtext_families_and_samples);
	RUN_TEST("promtext", promtext_grows);
	RUN_TEST("listen", listen_addr_forms);

	RUN_TEST("features", features_btf_timer_cpu_pin);
	RUN_TEST("features", features_warning_text);
	RUN_TEST("features", features_running_kernel);
	RUN_TEST("escape", escape_table);
	RUN_TEST("escape", escape_log_guard);

	printf("unit tests done: %d PASS, %d FAIL\n", tl_passed, tl_failed);
	free(cfg_buf);
	tmp_cleanup();
	return TEST_EXIT_CODE();
}
