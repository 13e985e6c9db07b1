// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The rules of combination, per address and per packet. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "rules/refmatch.h"
#include "rules/ruleset.h"
#include "testlib.h"
#include "common.h"
#include "suites.h"

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

void suite_refmatch(void)
{
	RUN_TEST("refmatch", combination_rules);
	RUN_TEST("refmatch", refmatch_packet_cross_direction);
	RUN_TEST("refmatch", decide_by_hand);
}
