// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <string.h>

#include "rules/special.h"

enum special_name_index {
	SP_THIS_NETWORK,
	SP_PRIVATE,
	SP_SHARED,
	SP_LOOPBACK,
	SP_LINK_LOCAL,
	SP_IETF_PROTOCOL,
	SP_DOCUMENTATION,
	SP_AS112,
	SP_AMT,
	SP_6TO4_RELAY,
	SP_BENCHMARKING,
	SP_MULTICAST,
	SP_RESERVED,
	SP_BROADCAST,
	SP_UNSPECIFIED,
	SP_IPV4_MAPPED,
	SP_TRANSLATION,
	SP_DISCARD,
	SP_TEREDO,
	SP_ORCHID,
	SP_6TO4,
	SP_SRV6,
	SP_UNIQUE_LOCAL,
	SP_NR_NAMES,
};

_Static_assert(SP_NR_NAMES <= SPECIAL_MAX_NAMES, "names fit the bits");

static const char *const names[SP_NR_NAMES] = {
	[SP_THIS_NETWORK] = "this-network",
	[SP_PRIVATE] = "private",
	[SP_SHARED] = "shared",
	[SP_LOOPBACK] = "loopback",
	[SP_LINK_LOCAL] = "link-local",
	[SP_IETF_PROTOCOL] = "ietf-protocol",
	[SP_DOCUMENTATION] = "documentation",
	[SP_AS112] = "as112",
	[SP_AMT] = "amt",
	[SP_6TO4_RELAY] = "6to4-relay",
	[SP_BENCHMARKING] = "benchmarking",
	[SP_MULTICAST] = "multicast",
	[SP_RESERVED] = "reserved",
	[SP_BROADCAST] = "broadcast",
	[SP_UNSPECIFIED] = "unspecified",
	[SP_IPV4_MAPPED] = "ipv4-mapped",
	[SP_TRANSLATION] = "translation",
	[SP_DISCARD] = "discard",
	[SP_TEREDO] = "teredo",
	[SP_ORCHID] = "orchid",
	[SP_6TO4] = "6to4",
	[SP_SRV6] = "srv6",
	[SP_UNIQUE_LOCAL] = "unique-local",
};

struct special_range {
	const char *text; /* as the registry writes it */
	int name;
	struct prefix prefix; /* parsed once, from text */
};

/*
 * IANA IPv4 Special-Purpose Address Registry, IPv6 Special-Purpose
 * Address Registry (as of 2024, RFC 9637's 3fff::/20 included), and the
 * multicast blocks (RFC 5771, RFC 4291). Sub-ranges of 192.0.0.0/24 are
 * left to it.
 */
static struct special_range ranges[] = {
	{"0.0.0.0/8", SP_THIS_NETWORK, {0}},
	{"10.0.0.0/8", SP_PRIVATE, {0}},
	{"100.64.0.0/10", SP_SHARED, {0}},
	{"127.0.0.0/8", SP_LOOPBACK, {0}},
	{"169.254.0.0/16", SP_LINK_LOCAL, {0}},
	{"172.16.0.0/12", SP_PRIVATE, {0}},
	{"192.0.0.0/24", SP_IETF_PROTOCOL, {0}},
	{"192.0.2.0/24", SP_DOCUMENTATION, {0}},
	{"192.31.196.0/24", SP_AS112, {0}},
	{"192.52.193.0/24", SP_AMT, {0}},
	{"192.88.99.0/24", SP_6TO4_RELAY, {0}},
	{"192.168.0.0/16", SP_PRIVATE, {0}},
	{"192.175.48.0/24", SP_AS112, {0}},
	{"198.18.0.0/15", SP_BENCHMARKING, {0}},
	{"198.51.100.0/24", SP_DOCUMENTATION, {0}},
	{"203.0.113.0/24", SP_DOCUMENTATION, {0}},
	{"224.0.0.0/4", SP_MULTICAST, {0}},
	{"240.0.0.0/4", SP_RESERVED, {0}},
	{"255.255.255.255/32", SP_BROADCAST, {0}},
	{"::/128", SP_UNSPECIFIED, {0}},
	{"::1/128", SP_LOOPBACK, {0}},
	{"::ffff:0:0/96", SP_IPV4_MAPPED, {0}},
	{"64:ff9b::/96", SP_TRANSLATION, {0}},
	{"64:ff9b:1::/48", SP_TRANSLATION, {0}},
	{"100::/64", SP_DISCARD, {0}},
	{"2001::/23", SP_IETF_PROTOCOL, {0}},
	{"2001::/32", SP_TEREDO, {0}},
	{"2001:2::/48", SP_BENCHMARKING, {0}},
	{"2001:10::/28", SP_ORCHID, {0}},
	{"2001:20::/28", SP_ORCHID, {0}},
	{"2001:db8::/32", SP_DOCUMENTATION, {0}},
	{"2002::/16", SP_6TO4, {0}},
	{"3fff::/20", SP_DOCUMENTATION, {0}},
	{"5f00::/16", SP_SRV6, {0}},
	{"fc00::/7", SP_UNIQUE_LOCAL, {0}},
	{"fe80::/10", SP_LINK_LOCAL, {0}},
	{"ff00::/8", SP_MULTICAST, {0}},
};

#define NR_RANGES (sizeof(ranges) / sizeof(ranges[0]))

int special_nr_names(void)
{
	return SP_NR_NAMES;
}

const char *special_name(int i)
{
	return i >= 0 && i < SP_NR_NAMES ? names[i] : "?";
}

/* The table's prefixes, parsed at first use (the text is checked by tests). */
static void ranges_parse(void)
{
	static int parsed;
	const char *why;

	if (parsed)
		return;
	for (size_t i = 0; i < NR_RANGES; i++)
		prefix_parse(ranges[i].text, &ranges[i].prefix, &why);
	parsed = 1;
}

/*
 * Do the first @bits bits of @a and @b agree? Cheaper than
 * prefix_contains(), which copies: this runs for every entry of a list
 * times every range.
 */
static int leading_bits_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return 0;
	return !rest || !((a[bytes] ^ b[bytes]) & (0xff << (8 - rest)));
}

uint32_t special_classify(const struct prefix *p)
{
	int inner = -1; /* the innermost range holding @p */
	uint32_t bits = 0;

	ranges_parse();
	for (size_t i = 0; i < NR_RANGES; i++) {
		const struct prefix *r = &ranges[i].prefix;
		int shorter = r->plen < p->plen ? r->plen : p->plen;

		if (r->family != p->family ||
		    !leading_bits_equal(r->addr, p->addr, shorter))
			continue;
		if (r->plen <= p->plen) {
			if (inner < 0 || ranges[inner].prefix.plen < r->plen)
				inner = i;
		} else {
			bits |= 1u << ranges[i].name;
		}
	}
	if (inner >= 0)
		bits |= 1u << ranges[inner].name;
	return bits;
}
