// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Prefixes: parsing, formatting, ordering, containment, truncation. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "common/prefix.h"
#include "testlib.h"
#include "common.h"
#include "suites.h"

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

void suite_prefix(void)
{
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
}
