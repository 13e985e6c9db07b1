// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Table-driven BPF_PROG_TEST_RUN tests of the XDP program: crafted frames
 * (VLAN tags, IPv4 options and fragments, IPv6 extension headers,
 * truncated and invalid headers, non-IP) against one rule set. Each row
 * names the verdict, the rule that must decide (its counter, and its
 * list's, are the only ones that may move, by one packet and the frame's
 * length) and the interface statistics slot. Passed frames must come out
 * unchanged. Then rule set replacement: verdicts change, surviving rules
 * keep their id and counts, released ids restart at zero, and a packet
 * never sees half of each generation.
 *
 * Needs root (BPF): without it, prints SKIP and exits 77; as root, a
 * program that does not load is a failure.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>
#include <bpf/bpf.h>

#include "common/log.h"
#include "datapath/loader.h"
#include "datapath/pinning.h"
#include "datapath/protectmap.h"
#include "rules/ruleset.h"
#include "testlib.h"

#include "frames.h"
#include "xdprun.h"

#define RULE_ID_CAP 1024

/* ---- the rule set of the table ------------------------------------------ */

enum {
	L_BLOCK = 1,
	L_ALLOW = 2,
	L_MONITOR = 3,
	L_SRC = 4, /* drop, source address only */
	L_DST = 5, /* drop, destination address only */
	L_NESTED = 6, /* nested prefixes in one /24 and one /48 */
	L_DUP = 7, /* repeats prefixes of lower lists (and itself) */
	L_MON_DST = 8, /* monitor, destination only */
	NR_TABLE_LISTS,
};

struct list_def {
	uint16_t id;
	uint8_t action;
	uint8_t match;
	const char *prefixes[12];
};

/* clang-format off */
static const struct list_def table_lists[] = {
	{ L_BLOCK, XDPB_ACT_DROP, XDPB_MATCH_BOTH,
	  { "198.51.100.0/24", "203.0.113.128/25", "192.0.2.77/32",
	    "198.18.0.5/32", "10.50.1.0/24", "10.50.1.1/32",
	    "2001:db8:2::/48", "2001:db8:dead::1/128", "2001:db8:8:1::/64",
	    "2001:db8:8:1::1/128", "198.20.0.0/15", "198.21.128.0/17" } },
	{ L_ALLOW, XDPB_ACT_ALLOW, XDPB_MATCH_BOTH,
	  { "198.51.100.7/32", "172.16.5.66/31", "10.50.0.0/16",
	    "2001:db8:2:0:ff::/80", "2001:db8:8::/48" } },
	{ L_MONITOR, XDPB_ACT_MONITOR, XDPB_MATCH_BOTH,
	  { "203.0.113.0/24", "100.64.0.0/10", "172.16.5.128/25",
	    "2001:db8:aaaa::/48", "2001:db8:7:2::/64", "198.21.0.0/16" } },
	{ L_SRC, XDPB_ACT_DROP, XDPB_MATCH_SRC,
	  { "10.1.0.0/16", "2001:db8:5::/48" } },
	{ L_DST, XDPB_ACT_DROP, XDPB_MATCH_DST,
	  { "10.2.0.0/16", "2001:db8:6::/48" } },
	{ L_NESTED, XDPB_ACT_DROP, XDPB_MATCH_BOTH,
	  { "172.16.5.0/24", "172.16.5.64/26", "172.16.5.68/30",
	    "172.16.5.69/32", "198.18.0.128/25", "2001:db8:7::/48",
	    "2001:db8:7:1::/64", "2001:db8:7:1::/96", "2001:db8:7:1::1/128" } },
	{ L_DUP, XDPB_ACT_DROP, XDPB_MATCH_BOTH,
	  { "198.51.100.0/24", "172.16.5.69/32", "2001:db8:2::/48",
	    "198.51.100.0/24" } },
	{ L_MON_DST, XDPB_ACT_MONITOR, XDPB_MATCH_DST,
	  { "192.0.2.0/24", "2001:db8:dead::/64" } },
};
/* clang-format on */

static int build_ruleset(struct ruleset *rs, const struct list_def *lists,
			 size_t nr_lists)
{
	uint32_t line = 1;

	for (size_t l = 0; l < nr_lists; l++)
		for (int i = 0; i < 12 && lists[l].prefixes[i]; i++) {
			struct prefix p = prefix_of(lists[l].prefixes[i]);

			if (ruleset_add(rs, &p, lists[l].id, lists[l].action,
					lists[l].match, line++))
				return -ENOMEM;
		}
	ruleset_finish(rs);
	return 0;
}

/* ---- the frames ----------------------------------------------------------- */

enum l3_kind { L3_V4, L3_V6, L3_ARP, L3_LLDP };

/* IPv6 extension headers of a row; EXT_END (0) ends the list. */
enum ext_kind {
	EXT_END,
	EXT_HBH, /* hop-by-hop options, 8 bytes */
	EXT_HBH_LONG, /* hop-by-hop options, 16 bytes */
	EXT_RT, /* type 2 routing header */
	EXT_FRAG_FIRST, /* fragment header, offset 0, more fragments */
	EXT_FRAG_LATER, /* fragment header, offset 1480 bytes; what follows
			 * is fragment data (its next header names what the
			 * first fragment carries) */
	EXT_DST, /* destination options */
	EXT_AH,
};

enum mangle {
	M_NONE,
	M_V4_IHL4, /* IHL 4: header shorter than the minimum */
	M_V4_VERSION6, /* version 6 under EtherType IPv4 */
	M_V4_TOTLEN_SHORT, /* total length 16, less than the header */
	M_V6_VERSION4, /* version 4 under EtherType IPv6 */
};

struct pkt_case {
	const char *name;
	/* frame */
	uint16_t tpid[3]; /* VLAN tags, outermost first; 0 ends */
	enum l3_kind l3;
	const char *src, *dst;
	size_t v4_opts; /* IPv4 option bytes */
	uint16_t v4_frag; /* IPv4 frag_off field */
	uint8_t ext[12]; /* enum ext_kind */
	enum mangle mangle;
	size_t l3_len; /* keep only this many bytes past L2 (0: all) */
	size_t frame_len; /* keep only this many bytes (0: all) */
	/* expected */
	uint32_t verdict;
	uint16_t list; /* deciding rule's list, 0: no rule */
	const char *rule; /* deciding rule's prefix */
	int stat; /* interface stat slot */
	int ext_malformed; /* also counted as MALFORMED_IPV6_EXT */
};

#define V4(s, d) .l3 = L3_V4, .src = s, .dst = d
#define V6(s, d) .l3 = L3_V6, .src = s, .dst = d
/* besides xdprun.h's DROP_BY, ALLOW_BY, MONITOR_BY and NO_MATCH */
#define MALFORMED(slot) .verdict = XDP_PASS, .stat = slot

/* Addresses that no rule of the table contains. */
#define N4 "10.9.9.9"
#define N4B "10.9.9.10"
#define N6 "2001:db8:9::1"
#define N6B "2001:db8:9::2"

/* clang-format off */
static const struct pkt_case cases[] = {
	/* IPv4: actions, lengths, lists, directions */
	{ "v4_no_match", V4(N4, N4B), NO_MATCH },
	{ "v4_drop24_src", V4("198.51.100.20", N4),
	  DROP_BY(L_BLOCK, "198.51.100.0/24") },
	{ "v4_drop24_dst", V4(N4, "198.51.100.20"),
	  DROP_BY(L_BLOCK, "198.51.100.0/24") },
	{ "v4_drop24_first_addr", V4("198.51.100.0", N4),
	  DROP_BY(L_BLOCK, "198.51.100.0/24") },
	{ "v4_drop24_last_addr", V4("198.51.100.255", N4),
	  DROP_BY(L_BLOCK, "198.51.100.0/24") },
	{ "v4_drop24_neighbour_24", V4("198.51.101.0", "198.51.99.255"),
	  NO_MATCH },
	{ "v4_allow32_beats_drop24", V4("198.51.100.7", N4),
	  ALLOW_BY(L_ALLOW, "198.51.100.7/32") },
	{ "v4_allow32_dst_beats_drop24_dst", V4(N4, "198.51.100.7"),
	  ALLOW_BY(L_ALLOW, "198.51.100.7/32") },
	{ "v4_allow_src_beats_drop_dst", V4("198.51.100.7", "203.0.113.200"),
	  ALLOW_BY(L_ALLOW, "198.51.100.7/32") },
	{ "v4_allow16_beats_drop24_and_32", V4("10.50.1.1", N4),
	  ALLOW_BY(L_ALLOW, "10.50.0.0/16") },
	{ "v4_drop25_beats_monitor24", V4(N4, "203.0.113.200"),
	  DROP_BY(L_BLOCK, "203.0.113.128/25") },
	{ "v4_monitor24_lower_half", V4(N4, "203.0.113.5"),
	  MONITOR_BY(L_MONITOR, "203.0.113.0/24") },
	{ "v4_monitor_both_dst_longer", V4("100.64.1.1", "203.0.113.5"),
	  MONITOR_BY(L_MONITOR, "203.0.113.0/24") },
	{ "v4_monitor_src_drop_dst", V4("100.64.1.1", "198.51.100.20"),
	  DROP_BY(L_BLOCK, "198.51.100.0/24") },
	{ "v4_host32_plain_24", V4("192.0.2.77", N4),
	  DROP_BY(L_BLOCK, "192.0.2.77/32") },
	{ "v4_host32_neighbour_src", V4("192.0.2.78", N4), NO_MATCH },
	{ "v4_monitor_dst_only_list", V4(N4, "192.0.2.78"),
	  MONITOR_BY(L_MON_DST, "192.0.2.0/24") },
	{ "v4_host32_dst_beats_monitor24", V4(N4, "192.0.2.77"),
	  DROP_BY(L_BLOCK, "192.0.2.77/32") },
	{ "v4_src_list_as_src", V4("10.1.2.3", N4),
	  DROP_BY(L_SRC, "10.1.0.0/16") },
	{ "v4_src_list_as_dst", V4(N4, "10.1.2.3"), NO_MATCH },
	{ "v4_dst_list_as_dst", V4(N4, "10.2.3.4"),
	  DROP_BY(L_DST, "10.2.0.0/16") },
	{ "v4_dst_list_as_src", V4("10.2.3.4", N4), NO_MATCH },
	{ "v4_tie_same_len_src_wins", V4("10.1.2.3", "10.2.3.4"),
	  DROP_BY(L_SRC, "10.1.0.0/16") },
	{ "v4_tie_longer_dst_wins", V4("10.1.2.3", "198.51.100.20"),
	  DROP_BY(L_BLOCK, "198.51.100.0/24") },
	{ "v4_dup_prefix_lowest_list", V4(N4, "198.51.100.99"),
	  DROP_BY(L_BLOCK, "198.51.100.0/24") },
	/* IPv4: /24 + /26 + /30 + /32 nested, tbl8 group and host hash */
	{ "v4_nested_32_in_group", V4("172.16.5.69", N4),
	  DROP_BY(L_NESTED, "172.16.5.69/32") },
	{ "v4_nested_30_first", V4("172.16.5.68", N4),
	  DROP_BY(L_NESTED, "172.16.5.68/30") },
	{ "v4_nested_30_last", V4("172.16.5.71", N4),
	  DROP_BY(L_NESTED, "172.16.5.68/30") },
	{ "v4_nested_26_past_30", V4("172.16.5.72", N4),
	  DROP_BY(L_NESTED, "172.16.5.64/26") },
	{ "v4_nested_26_last", V4(N4, "172.16.5.127"),
	  DROP_BY(L_NESTED, "172.16.5.64/26") },
	{ "v4_nested_24_below_26", V4("172.16.5.63", N4),
	  DROP_BY(L_NESTED, "172.16.5.0/24") },
	{ "v4_nested_allow31_in_26", V4("172.16.5.67", N4),
	  ALLOW_BY(L_ALLOW, "172.16.5.66/31") },
	{ "v4_nested_drop24_beats_monitor25", V4("172.16.5.200", N4),
	  DROP_BY(L_NESTED, "172.16.5.0/24") },
	{ "v4_nested_dup32_lowest_list", V4(N4, "172.16.5.69"),
	  DROP_BY(L_NESTED, "172.16.5.69/32") },
	/* a /32 that sorts before the /25 that makes its /24 a tbl8 group */
	{ "v4_host32_before_group", V4("198.18.0.5", N4),
	  DROP_BY(L_BLOCK, "198.18.0.5/32") },
	{ "v4_host32_before_group_neighbour", V4("198.18.0.4", N4), NO_MATCH },
	{ "v4_group25_after_host", V4(N4, "198.18.0.255"),
	  DROP_BY(L_NESTED, "198.18.0.128/25") },
	/* a /15, a /16 and a /17 in one region: tbl16, then a tbl24 group */
	{ "v4_fold_15_in_tbl16", V4("198.20.1.1", N4),
	  DROP_BY(L_BLOCK, "198.20.0.0/15") },
	{ "v4_fold_drop15_beats_monitor16", V4("198.21.1.1", N4),
	  DROP_BY(L_BLOCK, "198.20.0.0/15") },
	{ "v4_fold_17_in_group", V4(N4, "198.21.200.1"),
	  DROP_BY(L_BLOCK, "198.21.128.0/17") },
	{ "v4_fold_past_15", V4("198.22.0.1", N4), NO_MATCH },
	/* IPv4: encapsulation, options, fragments */
	{ "v4_vlan", .tpid = { ETH_P_8021Q }, V4("198.51.100.20", N4),
	  DROP_BY(L_BLOCK, "198.51.100.0/24") },
	{ "v4_vlan_8021ad", .tpid = { ETH_P_8021AD },
	  V4("198.51.100.7", N4), ALLOW_BY(L_ALLOW, "198.51.100.7/32") },
	{ "v4_qinq", .tpid = { ETH_P_8021AD, ETH_P_8021Q },
	  V4(N4, "198.51.100.20"), DROP_BY(L_BLOCK, "198.51.100.0/24") },
	{ "v4_double_8021q", .tpid = { ETH_P_8021Q, ETH_P_8021Q },
	  V4(N4, "203.0.113.5"), MONITOR_BY(L_MONITOR, "203.0.113.0/24") },
	{ "v4_three_tags_malformed", .tpid = { ETH_P_8021AD, ETH_P_8021Q,
					       ETH_P_8021Q },
	  V4("198.51.100.20", N4), MALFORMED(XDPB_STAT_MALFORMED_L2) },
	{ "v4_options_8", V4("198.51.100.20", N4), .v4_opts = 8,
	  DROP_BY(L_BLOCK, "198.51.100.0/24") },
	{ "v4_options_40", V4(N4, "198.51.100.20"), .v4_opts = 40,
	  DROP_BY(L_BLOCK, "198.51.100.0/24") },
	{ "v4_options_40_no_payload", V4(N4, "198.51.100.20"), .v4_opts = 40,
	  .l3_len = 60, DROP_BY(L_BLOCK, "198.51.100.0/24") },
	{ "v4_options_pass", V4(N4, N4B), .v4_opts = 4, NO_MATCH },
	{ "v4_frag_first", V4(N4, "198.51.100.20"), .v4_frag = IPV4_MF,
	  DROP_BY(L_BLOCK, "198.51.100.0/24") },
	{ "v4_frag_middle", V4(N4, "198.51.100.20"),
	  .v4_frag = IPV4_MF | 185, DROP_BY(L_BLOCK, "198.51.100.0/24") },
	{ "v4_frag_last", V4("198.51.100.20", N4), .v4_frag = 370,
	  DROP_BY(L_BLOCK, "198.51.100.0/24") },
	{ "v4_frag_last_allowed", V4("198.51.100.7", N4), .v4_frag = 370,
	  ALLOW_BY(L_ALLOW, "198.51.100.7/32") },
	{ "v4_frag_df_options", V4("10.1.2.3", N4), .v4_opts = 12,
	  .v4_frag = IPV4_DF, DROP_BY(L_SRC, "10.1.0.0/16") },
	/* IPv6: actions, lengths, lists, directions */
	{ "v6_no_match", V6(N6, N6B), NO_MATCH },
	{ "v6_drop48_src", V6("2001:db8:2::5", N6),
	  DROP_BY(L_BLOCK, "2001:db8:2::/48") },
	{ "v6_drop48_dst", V6(N6, "2001:db8:2:ffff:ffff:ffff:ffff:ffff"),
	  DROP_BY(L_BLOCK, "2001:db8:2::/48") },
	{ "v6_allow80_in_drop48", V6("2001:db8:2:0:ff::1", N6),
	  ALLOW_BY(L_ALLOW, "2001:db8:2:0:ff::/80") },
	{ "v6_allow80_last_addr", V6(N6, "2001:db8:2:0:ff:ffff:ffff:ffff"),
	  ALLOW_BY(L_ALLOW, "2001:db8:2:0:ff::/80") },
	{ "v6_drop48_past_allow80", V6("2001:db8:2:0:100::", N6),
	  DROP_BY(L_BLOCK, "2001:db8:2::/48") },
	{ "v6_allow48_beats_drop64_128", V6("2001:db8:8:1::1", N6),
	  ALLOW_BY(L_ALLOW, "2001:db8:8::/48") },
	{ "v6_host128_src", V6("2001:db8:dead::1", N6),
	  DROP_BY(L_BLOCK, "2001:db8:dead::1/128") },
	{ "v6_host128_neighbour_src", V6("2001:db8:dead::2", N6), NO_MATCH },
	{ "v6_host128_neighbour_dst", V6(N6, "2001:db8:dead::2"),
	  MONITOR_BY(L_MON_DST, "2001:db8:dead::/64") },
	{ "v6_host128_dst", V6(N6, "2001:db8:dead::1"),
	  DROP_BY(L_BLOCK, "2001:db8:dead::1/128") },
	{ "v6_monitor48", V6("2001:db8:aaaa:1::1", N6),
	  MONITOR_BY(L_MONITOR, "2001:db8:aaaa::/48") },
	{ "v6_src_list_as_src", V6("2001:db8:5::1", N6),
	  DROP_BY(L_SRC, "2001:db8:5::/48") },
	{ "v6_src_list_as_dst", V6(N6, "2001:db8:5::1"), NO_MATCH },
	{ "v6_dst_list_as_dst", V6(N6, "2001:db8:6::1"),
	  DROP_BY(L_DST, "2001:db8:6::/48") },
	{ "v6_dst_list_as_src", V6("2001:db8:6::1", N6), NO_MATCH },
	{ "v6_tie_same_len_src_wins", V6("2001:db8:5::1", "2001:db8:6::1"),
	  DROP_BY(L_SRC, "2001:db8:5::/48") },
	{ "v6_tie_longer_dst_wins", V6("2001:db8:5::1", "2001:db8:dead::1"),
	  DROP_BY(L_BLOCK, "2001:db8:dead::1/128") },
	{ "v6_nested_128", V6("2001:db8:7:1::1", N6),
	  DROP_BY(L_NESTED, "2001:db8:7:1::1/128") },
	{ "v6_nested_96", V6("2001:db8:7:1::2", N6),
	  DROP_BY(L_NESTED, "2001:db8:7:1::/96") },
	{ "v6_nested_64", V6("2001:db8:7:1:0:1::1", N6),
	  DROP_BY(L_NESTED, "2001:db8:7:1::/64") },
	{ "v6_nested_48", V6(N6, "2001:db8:7:3::1"),
	  DROP_BY(L_NESTED, "2001:db8:7::/48") },
	{ "v6_nested_drop48_beats_monitor64", V6("2001:db8:7:2::1", N6),
	  DROP_BY(L_NESTED, "2001:db8:7::/48") },
	{ "v6_dup_prefix_lowest_list", V6(N6, "2001:db8:2::99"),
	  DROP_BY(L_BLOCK, "2001:db8:2::/48") },
	/* IPv6: encapsulation and extension headers */
	{ "v6_vlan", .tpid = { ETH_P_8021Q }, V6("2001:db8:2::5", N6),
	  DROP_BY(L_BLOCK, "2001:db8:2::/48") },
	{ "v6_qinq", .tpid = { ETH_P_8021AD, ETH_P_8021Q },
	  V6(N6, "2001:db8:2:0:ff::1"), ALLOW_BY(L_ALLOW, "2001:db8:2:0:ff::/80") },
	{ "v6_ext_hbh_rt_frag_dst", V6(N6, "2001:db8:2::5"),
	  .ext = { EXT_HBH, EXT_RT, EXT_FRAG_FIRST, EXT_DST },
	  DROP_BY(L_BLOCK, "2001:db8:2::/48") },
	{ "v6_ext_chain_allowed", V6("2001:db8:2:0:ff::1", "2001:db8:2::5"),
	  .ext = { EXT_HBH_LONG, EXT_RT, EXT_FRAG_FIRST, EXT_DST },
	  ALLOW_BY(L_ALLOW, "2001:db8:2:0:ff::/80") },
	{ "v6_ext_chain_no_match", V6(N6, N6B),
	  .ext = { EXT_HBH, EXT_RT, EXT_FRAG_FIRST, EXT_DST }, NO_MATCH },
	{ "v6_ext_frag_later", V6("2001:db8:dead::1", N6),
	  .ext = { EXT_FRAG_LATER },
	  DROP_BY(L_BLOCK, "2001:db8:dead::1/128") },
	/* a later fragment's data is not parsed, whatever it looks like */
	{ "v6_ext_frag_later_opaque_data", V6(N6, "2001:db8:2::5"),
	  .ext = { EXT_HBH, EXT_FRAG_LATER, EXT_DST },
	  DROP_BY(L_BLOCK, "2001:db8:2::/48") },
	{ "v6_ext_ah", V6(N6, "2001:db8:2::5"), .ext = { EXT_DST, EXT_AH },
	  DROP_BY(L_BLOCK, "2001:db8:2::/48") },
	{ "v6_ext_seven_headers", V6(N6, "2001:db8:2::5"),
	  .ext = { EXT_HBH, EXT_DST, EXT_DST, EXT_DST, EXT_DST, EXT_DST,
		   EXT_DST },
	  DROP_BY(L_BLOCK, "2001:db8:2::/48") },
	/* XDPB_MAX_IPV6_EXT_HDRS headers: not "longer than" the maximum */
	{ "v6_ext_eight_headers", V6(N6, "2001:db8:2::5"),
	  .ext = { EXT_HBH, EXT_DST, EXT_DST, EXT_DST, EXT_DST, EXT_DST,
		   EXT_DST, EXT_DST },
	  DROP_BY(L_BLOCK, "2001:db8:2::/48") },
	{ "v6_ext_too_long_still_matched", V6(N6, "2001:db8:2::5"),
	  .ext = { EXT_HBH, EXT_DST, EXT_DST, EXT_DST, EXT_DST, EXT_DST,
		   EXT_DST, EXT_DST, EXT_DST, EXT_DST },
	  DROP_BY(L_BLOCK, "2001:db8:2::/48"), .ext_malformed = 1 },
	{ "v6_ext_cut_in_hbh_still_matched", V6("2001:db8:2::5", N6),
	  .ext = { EXT_HBH_LONG }, .l3_len = IPV6_HLEN + 8,
	  DROP_BY(L_BLOCK, "2001:db8:2::/48"), .ext_malformed = 1 },
	{ "v6_ext_cut_before_hbh_still_matched", V6(N6, "2001:db8:dead::1"),
	  .ext = { EXT_HBH }, .l3_len = IPV6_HLEN,
	  DROP_BY(L_BLOCK, "2001:db8:dead::1/128"), .ext_malformed = 1 },
	{ "v6_ext_cut_in_frag_still_matched", V6(N6, "2001:db8:2::5"),
	  .ext = { EXT_HBH, EXT_FRAG_FIRST }, .l3_len = IPV6_HLEN + 8 + 4,
	  DROP_BY(L_BLOCK, "2001:db8:2::/48"), .ext_malformed = 1 },
	{ "v6_ext_cut_no_match", V6(N6, N6B), .ext = { EXT_HBH_LONG },
	  .l3_len = IPV6_HLEN + 8, NO_MATCH, .ext_malformed = 1 },
	{ "v6_ext_cut_allowed", V6("2001:db8:2:0:ff::1", N6),
	  .ext = { EXT_RT }, .l3_len = IPV6_HLEN + 10,
	  ALLOW_BY(L_ALLOW, "2001:db8:2:0:ff::/80"), .ext_malformed = 1 },
	/*
	 * malformed: passed, counted in their slot, no rule counted.
	 * No row is shorter than an Ethernet header: BPF_PROG_TEST_RUN on
	 * 6.x refuses such input, and drivers do not hand runts to XDP.
	 * The Ethernet pull is the same bounds check the VLAN rows below
	 * exercise.
	 */
	{ "l2_vlan_truncated", .tpid = { ETH_P_8021Q },
	  V4("198.51.100.20", N4), .frame_len = ETH_HLEN + 2,
	  MALFORMED(XDPB_STAT_MALFORMED_L2) },
	{ "l2_vlan_no_tag", .tpid = { ETH_P_8021Q }, V4("198.51.100.20", N4),
	  .frame_len = ETH_HLEN, MALFORMED(XDPB_STAT_MALFORMED_L2) },
	{ "l2_qinq_inner_truncated", .tpid = { ETH_P_8021AD, ETH_P_8021Q },
	  V6("2001:db8:2::5", N6), .frame_len = ETH_HLEN + VLAN_HLEN + 3,
	  MALFORMED(XDPB_STAT_MALFORMED_L2) },
	{ "v4_no_header", V4("198.51.100.20", N4), .frame_len = ETH_HLEN,
	  MALFORMED(XDPB_STAT_MALFORMED_IPV4) },
	{ "v4_header_truncated", V4("198.51.100.20", N4), .l3_len = 12,
	  MALFORMED(XDPB_STAT_MALFORMED_IPV4) },
	{ "v4_header_19_bytes", V4("198.51.100.20", N4), .l3_len = 19,
	  MALFORMED(XDPB_STAT_MALFORMED_IPV4) },
	{ "v4_vlan_header_truncated", .tpid = { ETH_P_8021Q },
	  V4(N4, "198.51.100.20"), .l3_len = 16,
	  MALFORMED(XDPB_STAT_MALFORMED_IPV4) },
	{ "v4_options_truncated", V4("198.51.100.20", N4), .v4_opts = 40,
	  .l3_len = IPV4_HLEN + 20, MALFORMED(XDPB_STAT_MALFORMED_IPV4) },
	{ "v4_options_4_truncated", V4("198.51.100.20", N4), .v4_opts = 4,
	  .l3_len = IPV4_HLEN + 2, MALFORMED(XDPB_STAT_MALFORMED_IPV4) },
	{ "v4_ihl4", V4("198.51.100.20", N4), .mangle = M_V4_IHL4,
	  MALFORMED(XDPB_STAT_MALFORMED_IPV4) },
	{ "v4_version6", V4("198.51.100.20", N4), .mangle = M_V4_VERSION6,
	  MALFORMED(XDPB_STAT_MALFORMED_IPV4) },
	{ "v4_totlen_below_header", V4("198.51.100.20", N4),
	  .mangle = M_V4_TOTLEN_SHORT, MALFORMED(XDPB_STAT_MALFORMED_IPV4) },
	{ "v6_no_header", V6("2001:db8:2::5", N6), .frame_len = ETH_HLEN,
	  MALFORMED(XDPB_STAT_MALFORMED_IPV6) },
	{ "v6_header_truncated", V6("2001:db8:2::5", N6),
	  .l3_len = IPV6_HLEN - 1, MALFORMED(XDPB_STAT_MALFORMED_IPV6) },
	{ "v6_vlan_header_truncated", .tpid = { ETH_P_8021Q },
	  V6(N6, "2001:db8:2::5"), .l3_len = 24,
	  MALFORMED(XDPB_STAT_MALFORMED_IPV6) },
	{ "v6_version4", V6("2001:db8:2::5", N6), .mangle = M_V6_VERSION4,
	  MALFORMED(XDPB_STAT_MALFORMED_IPV6) },
	/* not IP */
	{ "arp", .l3 = L3_ARP, .src = "198.51.100.20", .dst = "198.51.100.7",
	  MALFORMED(XDPB_STAT_NON_IP) },
	{ "arp_vlan", .tpid = { ETH_P_8021Q }, .l3 = L3_ARP,
	  .src = "198.51.100.20", .dst = "198.51.100.7",
	  MALFORMED(XDPB_STAT_NON_IP) },
	{ "lldp", .l3 = L3_LLDP, MALFORMED(XDPB_STAT_NON_IP) },
};
/* clang-format on */

static uint16_t l3_ethertype(enum l3_kind k)
{
	switch (k) {
	case L3_V4:
		return ETH_P_IP;
	case L3_V6:
		return ETH_P_IPV6;
	case L3_ARP:
		return ETH_P_ARP;
	default:
		return ETH_P_LLDP;
	}
}

static uint8_t ext_proto(uint8_t kind)
{
	switch (kind) {
	case EXT_HBH:
	case EXT_HBH_LONG:
		return IPPROTO_HOPOPTS;
	case EXT_RT:
		return IPPROTO_ROUTING;
	case EXT_FRAG_FIRST:
	case EXT_FRAG_LATER:
		return IPPROTO_FRAGMENT;
	case EXT_DST:
		return IPPROTO_DSTOPTS;
	case EXT_AH:
		return IPPROTO_AH;
	default:
		return IPPROTO_UDP;
	}
}

/*
 * IPv6 header, the row's extension headers, then UDP. After a later
 * fragment's header comes fragment data: the rest of the row only names
 * the fragment header's next header.
 */
static void build_ipv6(const struct pkt_case *c, struct frame *f)
{
	size_t l3;
	int i;

	l3 = ipv6_put(f, c->src, c->dst, ext_proto(c->ext[0]));
	for (i = 0; c->ext[i] != EXT_END; i++) {
		uint8_t next = ext_proto(c->ext[i + 1]);

		switch (c->ext[i]) {
		case EXT_HBH:
		case EXT_DST:
			ipv6_opts_put(f, next, 0);
			break;
		case EXT_HBH_LONG:
			ipv6_opts_put(f, next, 1);
			break;
		case EXT_RT:
			ipv6_routing_put(f, next, "2001:db8:9::77");
			break;
		case EXT_FRAG_FIRST:
			ipv6_frag_put(f, next, 0, 1);
			break;
		case EXT_FRAG_LATER:
			ipv6_frag_put(f, next, 185, 0);
			/* data that would read as a header claiming 1296 bytes */
			put_payload(f, 40);
			ipv6_finish(f, l3);
			return;
		case EXT_AH:
			ipv6_ah_put(f, next);
			break;
		}
	}
	udp_put(f, 18);
	ipv6_finish(f, l3);
}

static void build_ipv4(const struct pkt_case *c, struct frame *f)
{
	size_t l3 = ipv4_put(f, c->src, c->dst, IPPROTO_UDP, c->v4_opts,
			     c->v4_frag);

	if (c->v4_frag & 0x1fff)
		put_payload(f, 40); /* not the first fragment: no UDP header */
	else
		udp_put(f, 18);
	ipv4_finish(f, l3);
}

/* A minimal LLDPDU: chassis ID, port ID, TTL, end. */
static void build_lldp(struct frame *f)
{
	static const uint8_t lldpdu[] = {
		0x02, 0x07, 0x04, 0x02, 0x00, 0x00, 0x00,
		0x00, 0x01, 0x04, 0x04, 0x05, 'e',  't',
		'h',  0x06, 0x02, 0x00, 0x78, 0x00, 0x00,
	};

	put_bytes(f, lldpdu, sizeof(lldpdu));
}

static void build_case(const struct pkt_case *c, struct frame *f)
{
	uint16_t l3type = l3_ethertype(c->l3);
	int nr_tags = 0;
	size_t l3;

	while (nr_tags < 3 && c->tpid[nr_tags])
		nr_tags++;
	frame_init(f);
	eth_put(f, nr_tags ? c->tpid[0] : l3type);
	for (int i = 0; i < nr_tags; i++)
		vlan_put(f, 100 + i, i + 1 < nr_tags ? c->tpid[i + 1] : l3type);
	l3 = f->len;
	switch (c->l3) {
	case L3_V4:
		build_ipv4(c, f);
		break;
	case L3_V6:
		build_ipv6(c, f);
		break;
	case L3_ARP:
		arp_put(f, c->src, c->dst);
		break;
	case L3_LLDP:
		build_lldp(f);
		break;
	}
	/* Invalid fields are set after the fact; checksums left stale. */
	switch (c->mangle) {
	case M_NONE:
		break;
	case M_V4_IHL4:
		f->data[l3] = 0x44;
		break;
	case M_V4_VERSION6:
		f->data[l3] = 0x65;
		break;
	case M_V4_TOTLEN_SHORT:
		set_be16(f, l3 + 2, 16);
		break;
	case M_V6_VERSION4:
		f->data[l3] = 0x40;
		break;
	}
	if (c->l3_len && l3 + c->l3_len < f->len)
		f->len = l3 + c->l3_len;
	if (c->frame_len && c->frame_len < f->len)
		f->len = c->frame_len;
}

/* ---- counters ------------------------------------------------------------ */

struct snapshot {
	struct xdpb_counter rules[RULE_ID_CAP];
	struct xdpb_counter lists[XDPB_MAX_LISTS];
	struct xdpb_iface_stats iface;
};

static int snapshot_take(struct loader *ld, struct snapshot *s)
{
	int err = loader_read_rules(ld, s->rules, RULE_ID_CAP);

	for (int l = 0; !err && l < XDPB_MAX_LISTS; l++)
		err = loader_read_list(ld, l, &s->lists[l]);
	if (!err)
		err = loader_read_iface(ld, TEST_IFINDEX, &s->iface);
	return err;
}

static void check_delta(const char *what, int idx, const struct xdpb_counter *a,
			const struct xdpb_counter *b, uint64_t packets,
			uint64_t bytes)
{
	uint64_t dp = b->packets - a->packets, db = b->bytes - a->bytes;

	CHECK(dp == packets && db == bytes,
	      "%s %d moved by %llu packets %llu bytes, want %llu / %llu", what,
	      idx, (unsigned long long)dp, (unsigned long long)db,
	      (unsigned long long)packets, (unsigned long long)bytes);
}

/*
 * Between @a and @b exactly @packets packets of @bytes bytes each were
 * counted on rule @rule_id (0: none) and its list @list_id, and on the
 * interface slots @stat and (unless -1) @stat2; nothing else moved.
 */
static void check_counted(const struct snapshot *a, const struct snapshot *b,
			  uint32_t rule_id, uint16_t list_id, int stat,
			  int stat2, uint64_t packets, uint64_t bytes)
{
	for (uint32_t id = 0; id < RULE_ID_CAP; id++) {
		int hit = rule_id && id == rule_id;

		check_delta("rule_id", id, &a->rules[id], &b->rules[id],
			    hit ? packets : 0, hit ? packets * bytes : 0);
	}
	for (int l = 0; l < XDPB_MAX_LISTS; l++) {
		int hit = rule_id && l == list_id;

		check_delta("list_id", l, &a->lists[l], &b->lists[l],
			    hit ? packets : 0, hit ? packets * bytes : 0);
	}
	for (int s = 0; s < XDPB_STAT_MAX; s++) {
		int hit = s == stat || s == stat2;

		check_delta("iface slot", s, &a->iface.stat[s],
			    &b->iface.stat[s], hit ? packets : 0,
			    hit ? packets * bytes : 0);
	}
}

/* ---- the table ----------------------------------------------------------- */

static struct loader table_ld;
static struct ruleset table_rs;
static struct snapshot snap_before, snap_after;

static void run_case(const struct pkt_case *c)
{
	const struct rule *want = NULL;
	struct xdp_result res;
	struct frame f;
	char buf[128];
	int err;

	tl_case_failed = 0;
	build_case(c, &f);
	if (c->list) {
		want = ruleset_find(&table_rs, c->rule, c->list);
		CHECK(want,
		      "the table names rule %s of list %u, not in the set",
		      c->rule, c->list);
		if (want)
			CHECK(verdict_of(want->action) == c->verdict &&
				      want->action == c->stat,
			      "row inconsistent with the rule's action");
	}
	err = snapshot_take(&table_ld, &snap_before);
	CHECK(!err, "reading counters: %s", strerror(-err));
	err = xdp_run(loader_prog_fd(&table_ld), &f, &res);
	CHECK(!err, "BPF_PROG_TEST_RUN (%zu bytes): %s", f.len, strerror(-err));
	if (err)
		goto out;
	err = snapshot_take(&table_ld, &snap_after);
	CHECK(!err, "reading counters: %s", strerror(-err));

	CHECK(res.retval == c->verdict, "verdict %s, want %s",
	      xdp_verdict_name(res.retval), xdp_verdict_name(c->verdict));
	rule_format(want, buf, sizeof(buf));
	check_counted(&snap_before, &snap_after, want ? want->rule_id : 0,
		      c->list, c->stat,
		      c->ext_malformed ? XDPB_STAT_MALFORMED_IPV6_EXT : -1, 1,
		      f.len);
	if (res.retval == XDP_PASS)
		CHECK(res.out_len == f.len && !memcmp(res.out, f.data, f.len),
		      "passed frame changed (%u bytes out, %zu in)",
		      res.out_len, f.len);
out:
	if (tl_case_failed)
		printf("  frame of %zu bytes, expected decider %s\n", f.len,
		       buf);
	tl_case_done("frames", c->name);
}

static const struct pkt_case *case_named(const char *name)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(cases[i].name, name))
			return &cases[i];
	fprintf(stderr, "no table row %s\n", name);
	abort();
}

/* One test run of 1000 repetitions counts 1000 packets. */
static void repeat_counts_every_run(void)
{
	const struct pkt_case *c = case_named("v4_drop24_src");
	const struct rule *want = ruleset_find(&table_rs, c->rule, c->list);
	uint8_t out[FRAME_MAX];
	struct frame f;
	struct xdp_md ctx = {.ingress_ifindex = TEST_IFINDEX};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1000);
	int err;

	build_case(c, &f);
	ctx.data_end = f.len;
	opts.data_in = f.data;
	opts.data_size_in = f.len;
	CHECK(!snapshot_take(&table_ld, &snap_before), "reading counters");
	err = bpf_prog_test_run_opts(loader_prog_fd(&table_ld), &opts);
	CHECK(!err, "BPF_PROG_TEST_RUN: %s", strerror(-err));
	CHECK(!snapshot_take(&table_ld, &snap_after), "reading counters");
	CHECK(opts.retval == XDP_DROP, "verdict %s",
	      xdp_verdict_name(opts.retval));
	CHECK(want, "rule");
	if (want && !err)
		check_counted(&snap_before, &snap_after, want->rule_id,
			      want->list_id, XDPB_STAT_DROP, -1, 1000, f.len);
}

/* An interface the daemon did not register is not counted. */
static void unregistered_iface_not_counted(void)
{
	const struct pkt_case *c = case_named("v4_drop24_src");
	const struct rule *want = ruleset_find(&table_rs, c->rule, c->list);
	struct xdpb_iface_stats st;
	struct xdp_result res;
	struct frame f;

	build_case(c, &f);
	CHECK(!loader_read_rules(&table_ld, snap_before.rules, RULE_ID_CAP),
	      "read rules");
	CHECK(!loader_iface_unregister(&table_ld, TEST_IFINDEX), "unregister");
	CHECK(!xdp_run(loader_prog_fd(&table_ld), &f, &res), "test run");
	CHECK(res.retval == XDP_DROP, "verdict %s",
	      xdp_verdict_name(res.retval));
	CHECK(loader_read_iface(&table_ld, TEST_IFINDEX, &st) == -ENOENT,
	      "iface stats entry appeared");
	CHECK(!loader_iface_register(&table_ld, TEST_IFINDEX), "register");
	CHECK(!loader_read_iface(&table_ld, TEST_IFINDEX, &st), "read iface");
	for (int s = 0; s < XDPB_STAT_MAX; s++)
		CHECK(!st.stat[s].packets, "slot %s not zero after re-register",
		      stat_name(s));
	/* rule and list still count */
	CHECK(!loader_read_rules(&table_ld, snap_after.rules, RULE_ID_CAP),
	      "read rules");
	if (want)
		check_delta("rule_id", want->rule_id,
			    &snap_before.rules[want->rule_id],
			    &snap_after.rules[want->rule_id], 1, f.len);
}

/* Run the drop case @f once on TEST_IFINDEX and read its counters. */
static uint64_t iface_drops_after_run(const struct frame *f)
{
	struct xdpb_iface_stats st;
	struct xdp_result res;

	CHECK(!xdp_run(loader_prog_fd(&table_ld), f, &res) &&
		      res.retval == XDP_DROP,
	      "test run");
	if (loader_read_iface(&table_ld, TEST_IFINDEX, &st)) {
		CHECK(0, "read iface %d", TEST_IFINDEX);
		return 0;
	}
	return st.stat[XDPB_STAT_DROP].packets;
}

/*
 * An interface whose slot (ifindex % XDPB_IFACE_SLOTS) another holds is
 * counted in the spill hash, read and carried over from there, and takes
 * a slot again once it is free and the interface registers anew.
 */
static void iface_counters_spill(void)
{
	const int other = TEST_IFINDEX + XDPB_IFACE_SLOTS; /* the same slot */
	struct xdpb_iface_stats st, add = {0};
	struct frame f;

	build_case(case_named("v4_drop24_src"), &f);
	CHECK(!loader_iface_unregister(&table_ld, TEST_IFINDEX), "unregister");
	CHECK(!loader_iface_register(&table_ld, other), "register %d", other);
	CHECK(!loader_iface_register(&table_ld, TEST_IFINDEX), "register");
	CHECK(iface_drops_after_run(&f) == 1, "spilled interface: one drop");
	CHECK(iface_drops_after_run(&f) == 2, "spilled interface: two drops");
	CHECK(!loader_read_iface(&table_ld, other, &st) &&
		      !st.stat[XDPB_STAT_DROP].packets,
	      "the slot's owner counted another interface's packets");
	/* registering again keeps the counts, wherever they are */
	CHECK(!loader_iface_register(&table_ld, TEST_IFINDEX),
	      "register again");
	add.stat[XDPB_STAT_DROP].packets = 10;
	CHECK(!loader_add_iface(&table_ld, TEST_IFINDEX, &add), "add (spill)");
	CHECK(iface_drops_after_run(&f) == 13,
	      "spill: registered again, added");
	/* the owner leaves: this one stays in the spill hash until it leaves */
	CHECK(!loader_iface_unregister(&table_ld, other), "unregister %d",
	      other);
	CHECK(loader_read_iface(&table_ld, other, &st) == -ENOENT,
	      "%d still registered", other);
	CHECK(iface_drops_after_run(&f) == 14, "spill after the owner left");
	CHECK(!loader_iface_unregister(&table_ld, TEST_IFINDEX), "unregister");
	CHECK(loader_read_iface(&table_ld, TEST_IFINDEX, &st) == -ENOENT,
	      "spill entry left behind");
	/* back in its slot, from zero */
	CHECK(!loader_iface_register(&table_ld, TEST_IFINDEX), "register");
	CHECK(iface_drops_after_run(&f) == 1, "slot: counted from zero");
	CHECK(!loader_iface_register(&table_ld, TEST_IFINDEX),
	      "register again");
	CHECK(!loader_add_iface(&table_ld, TEST_IFINDEX, &add), "add (slot)");
	CHECK(iface_drops_after_run(&f) == 12, "slot: registered again, added");
	CHECK(loader_iface_register(&table_ld, 0) == -EINVAL, "ifindex 0");
}

/*
 * Address rules alone need no stage: none is loaded, the stages map is
 * empty, and the table's queries to port 53 above were decided without
 * one (their rows count every interface slot, stage_missed included).
 */
static void addresses_only_load_no_stage(void)
{
	int stages_fd = prog_map_fd(loader_prog_fd(&table_ld), "stages");

	CHECK(table_ld.loaded_stages == 0, "stages loaded: %#x",
	      table_ld.loaded_stages);
	CHECK(stages_fd >= 0, "the stages map: %s", strerror(-stages_fd));
	for (uint32_t slot = 0; stages_fd >= 0 && slot < XDPB_NR_STAGES;
	     slot++) {
		uint32_t id;

		CHECK(bpf_map_lookup_elem(stages_fd, &slot, &id) &&
			      errno == ENOENT,
		      "stage slot %u is empty", slot);
	}
	if (stages_fd >= 0)
		close(stages_fd);
}

/* ---- replacing the rule set ----------------------------------------------- */

/*
 * A: 192.0.2.0/24 drop (kept), 2001:db8:1::/48 drop (kept),
 *    198.51.100.0/24 drop (removed), 203.0.113.9/32 allow (removed).
 * B: the kept ones, plus 203.0.113.0/24 drop (new).
 */
/* clang-format off */
static const struct list_def set_a[] = {
	{ 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH, { "192.0.2.0/24", "2001:db8:1::/48" } },
	{ 2, XDPB_ACT_DROP, XDPB_MATCH_BOTH, { "198.51.100.0/24" } },
	{ 3, XDPB_ACT_ALLOW, XDPB_MATCH_BOTH, { "203.0.113.9/32" } },
};

static const struct list_def set_b[] = {
	{ 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH, { "192.0.2.0/24", "2001:db8:1::/48" } },
	{ 4, XDPB_ACT_DROP, XDPB_MATCH_SRC, { "203.0.113.0/24" } },
};
/* clang-format on */

static struct frame frame_v4(const char *src, const char *dst)
{
	struct frame f;
	size_t l3;

	frame_init(&f);
	eth_put(&f, ETH_P_IP);
	l3 = ipv4_put(&f, src, dst, IPPROTO_UDP, 0, 0);
	udp_put(&f, 18);
	ipv4_finish(&f, l3);
	return f;
}

static struct frame frame_v6(const char *src, const char *dst)
{
	struct frame f;
	size_t l3;

	frame_init(&f);
	eth_put(&f, ETH_P_IPV6);
	l3 = ipv6_put(&f, src, dst, IPPROTO_UDP);
	udp_put(&f, 18);
	ipv6_finish(&f, l3);
	return f;
}

static uint32_t run_verdict(struct loader *ld, const struct frame *f)
{
	struct xdp_result res;

	if (xdp_run(loader_prog_fd(ld), f, &res))
		return (uint32_t)-1;
	return res.retval;
}

/* ---- the protected set ---------------------------------------------------- */

/*
 * Protected by the test: 198.51.100.9 and 2001:db8:2::9 (inside L_BLOCK's
 * 198.51.100.0/24 and 2001:db8:2::/48), 203.0.113.192/26 (inside its
 * 203.0.113.128/25), 203.0.113.5 (L_MONITOR's 203.0.113.0/24, not a
 * drop) and 10.77.0.1 (no rule).
 */
struct protected_row {
	const char *name;
	int v6;
	const char *src, *dst;
	uint32_t verdict;
	int stat; /* the interface slot that counts it */
	const char *rule; /* of the deciding list, or NULL: no rule counts */
	uint16_t list;
};

/* clang-format off */
static const struct protected_row protected_rows[] = {
	{ "v4_src_protected", 0, "198.51.100.9", "10.9.9.9", XDP_PASS,
	  XDPB_STAT_PROTECTED, NULL, 0 },
	{ "v4_dst_protected", 0, "10.9.9.9", "198.51.100.9", XDP_PASS,
	  XDPB_STAT_PROTECTED, NULL, 0 },
	/* the positive control: the same /24, not protected */
	{ "v4_neighbour_dropped", 0, "198.51.100.10", "10.9.9.9", XDP_DROP,
	  XDPB_STAT_DROP, "198.51.100.0/24", L_BLOCK },
	/* one protected address suffices, whatever the other's rule */
	{ "v4_listed_to_protected", 0, "198.51.100.10", "198.51.100.9",
	  XDP_PASS, XDPB_STAT_PROTECTED, NULL, 0 },
	{ "v4_protected_prefix", 0, "203.0.113.200", "10.9.9.9", XDP_PASS,
	  XDPB_STAT_PROTECTED, NULL, 0 },
	{ "v4_outside_protected_prefix", 0, "203.0.113.130", "10.9.9.9",
	  XDP_DROP, XDPB_STAT_DROP, "203.0.113.128/25", L_BLOCK },
	/* protection sets aside drops only: a monitor rule still counts */
	{ "v4_protected_monitored", 0, "203.0.113.5", "10.9.9.9", XDP_PASS,
	  XDPB_STAT_MONITOR, "203.0.113.0/24", L_MONITOR },
	/* and a packet no rule matches passes as it always did */
	{ "v4_protected_unlisted", 0, "10.77.0.1", "10.9.9.9", XDP_PASS,
	  XDPB_STAT_PASS, NULL, 0 },
	{ "v6_src_protected", 1, "2001:db8:2::9", "2001:db8:ffff::1",
	  XDP_PASS, XDPB_STAT_PROTECTED, NULL, 0 },
	{ "v6_dst_protected", 1, "2001:db8:ffff::1", "2001:db8:2::9",
	  XDP_PASS, XDPB_STAT_PROTECTED, NULL, 0 },
	{ "v6_neighbour_dropped", 1, "2001:db8:2::10", "2001:db8:ffff::1",
	  XDP_DROP, XDPB_STAT_DROP, "2001:db8:2::/48", L_BLOCK },
};
/* clang-format on */

/*
 * Then protected by prefixes shorter than a hint slot (the hint's bits
 * cover each slot they touch; a slot missed is a protected address
 * dropped): 198.50.0.0/15 is two /16s, 198.51/16 the second;
 * 2000::/15 sixteen /19s, 2001:db8:2::/48's the ninth.
 */
static const char *const protected_short[] = {"198.50.0.0/15", "2000::/15"};

/* clang-format off */
static const struct protected_row protected_short_rows[] = {
	{ "v4_short_prefix_protected", 0, "198.51.100.10", "10.9.9.9",
	  XDP_PASS, XDPB_STAT_PROTECTED, NULL, 0 },
	{ "v4_short_prefix_dst", 0, "10.9.9.9", "198.51.100.10", XDP_PASS,
	  XDPB_STAT_PROTECTED, NULL, 0 },
	/* the positive control: another /16 of the same list */
	{ "v4_short_prefix_outside", 0, "203.0.113.130", "10.9.9.9",
	  XDP_DROP, XDPB_STAT_DROP, "203.0.113.128/25", L_BLOCK },
	{ "v6_short_prefix_protected", 1, "2001:db8:2::10",
	  "2001:db8:ffff::1", XDP_PASS, XDPB_STAT_PROTECTED, NULL, 0 },
};
/* clang-format on */

static int protect_add_all(struct protect_set *s, const char *const *prefixes,
			   size_t nr)
{
	int err = 0;

	for (size_t i = 0; !err && i < nr; i++) {
		struct prefix p = prefix_of(prefixes[i]);

		err = protect_set_add(s, &p, XDPB_PROTECT_OPERATOR);
	}
	return err;
}

static int protect_table_set(struct protect_set *s)
{
	static const char *const prefixes[] = {
		"198.51.100.9", "2001:db8:2::9", "203.0.113.192/26",
		"203.0.113.5",	"10.77.0.1",
	};

	return protect_add_all(s, prefixes,
			       sizeof(prefixes) / sizeof(prefixes[0]));
}

static void run_protected_row(const struct protected_row *r)
{
	const struct rule *want = NULL;
	struct frame f = r->v6 ? frame_v6(r->src, r->dst)
			       : frame_v4(r->src, r->dst);
	struct xdp_result res;
	int err;

	tl_case_failed = 0;
	if (r->rule) {
		want = ruleset_find(&table_rs, r->rule, r->list);
		CHECK(want, "rule %s of list %u not in the set", r->rule,
		      r->list);
	}
	CHECK(!snapshot_take(&table_ld, &snap_before), "reading counters");
	err = xdp_run(loader_prog_fd(&table_ld), &f, &res);
	CHECK(!err, "BPF_PROG_TEST_RUN: %s", strerror(-err));
	CHECK(!snapshot_take(&table_ld, &snap_after), "reading counters");
	if (!err) {
		CHECK(res.retval == r->verdict, "verdict %s, want %s",
		      xdp_verdict_name(res.retval),
		      xdp_verdict_name(r->verdict));
		check_counted(&snap_before, &snap_after,
			      want ? want->rule_id : 0, r->list, r->stat, -1, 1,
			      f.len);
	}
	tl_case_done("protected", r->name);
}

/*
 * The table's rules with the protected set in place; then another set
 * of short prefixes in its place; then the set emptied in place (no
 * reload): the protected addresses are dropped again, and the maps read
 * back as what was written.
 */
static void protected_set_in_datapath(void)
{
	struct protect_set s = {0}, back = {0}, none = {0};
	struct frame f = frame_v4("198.51.100.9", "10.9.9.9");
	int err = protect_table_set(&s);

	CHECK(!err, "building the set: %s", strerror(-err));
	err = protectmap_sync(&table_ld, &s);
	CHECK(!err, "protectmap_sync: %s", strerror(-err));
	CHECK(!protectmap_read(&table_ld, &back) &&
		      protect_set_equal(&s, &back),
	      "the maps hold %zu entries, %zu written", back.nr, s.nr);
	for (size_t i = 0;
	     i < sizeof(protected_rows) / sizeof(protected_rows[0]); i++)
		run_protected_row(&protected_rows[i]);
	tl_case_failed = 0;
	protect_set_free(&s);
	err = protect_add_all(&s, protected_short,
			      sizeof(protected_short) /
				      sizeof(protected_short[0]));
	CHECK(!err, "building the set: %s", strerror(-err));
	err = protectmap_sync(&table_ld, &s);
	CHECK(!err, "protectmap_sync: %s", strerror(-err));
	for (size_t i = 0;
	     i < sizeof(protected_short_rows) / sizeof(protected_short_rows[0]);
	     i++)
		run_protected_row(&protected_short_rows[i]);
	tl_case_failed = 0;
	err = protectmap_sync(&table_ld, &none);
	CHECK(!err, "emptying: %s", strerror(-err));
	CHECK(!protectmap_read(&table_ld, &back) && back.nr == 0,
	      "%zu entries left", back.nr);
	CHECK(run_verdict(&table_ld, &f) == XDP_DROP,
	      "unprotected again: dropped");
	protect_set_free(&s);
	protect_set_free(&back);
}

static uint64_t rule_packets(struct loader *ld, uint32_t id)
{
	struct xdpb_counter c[RULE_ID_CAP];

	if (loader_read_rules(ld, c, RULE_ID_CAP))
		return UINT64_MAX;
	return id < RULE_ID_CAP ? c[id].packets : UINT64_MAX;
}

static int in_ids(const uint32_t *ids, size_t nr, uint32_t id)
{
	for (size_t i = 0; i < nr; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/*
 * Reloads A -> B -> A -> empty -> empty, ids kept the daemon's way
 * (xdprun.h: reload_ruleset). Verdicts follow the active set; a rule in
 * both sets keeps its id and its count; a removed rule's id is zeroed one
 * reload later and may then serve a new rule, which starts from zero.
 */
static void replace_rule_set(void)
{
	struct ruleset empty = {0}, a = {0}, b = {0}, a2 = {0};
	struct frame keep4 = frame_v4("192.0.2.5", "10.9.9.9");
	struct frame keep6 = frame_v6("2001:db8:1::5", "2001:db8:9::1");
	struct frame removed = frame_v4("10.9.9.9", "198.51.100.5");
	struct frame added = frame_v4("203.0.113.50", "10.9.9.9");
	struct frame was_allowed = frame_v4("203.0.113.9", "10.9.9.9");
	const struct rule *ka, *k6a, *ra, *aa, *kb, *k6b, *nb, *ra2;
	struct xdpb_counter list_before, list_after;
	struct id_keeper k;
	struct loader ld;
	int err;

	err = loader_open(&ld, RULE_ID_CAP, NULL, NULL, 0);
	CHECK(!err, "loader_open: %s", strerror(-err));
	if (err)
		return;
	id_keeper_init(&k, RULE_ID_CAP);
	err = build_ruleset(&a, set_a, 3) || build_ruleset(&b, set_b, 2) ||
	      build_ruleset(&a2, set_a, 3);
	CHECK(!err, "building sets");

	/* A */
	err = reload_ruleset(&ld, &k, &empty, &a, NULL);
	CHECK(!err, "activating A: %s", strerror(-err));
	ka = ruleset_find(&a, "192.0.2.0/24", 1);
	k6a = ruleset_find(&a, "2001:db8:1::/48", 1);
	ra = ruleset_find(&a, "198.51.100.0/24", 2);
	aa = ruleset_find(&a, "203.0.113.9/32", 3);
	if (err || !ka || !k6a || !ra || !aa)
		goto out;
	CHECK(run_verdict(&ld, &keep4) == XDP_DROP, "A: kept rule v4");
	CHECK(run_verdict(&ld, &keep6) == XDP_DROP, "A: kept rule v6");
	CHECK(run_verdict(&ld, &removed) == XDP_DROP, "A: removed rule");
	CHECK(run_verdict(&ld, &added) == XDP_PASS, "A: added rule");
	CHECK(run_verdict(&ld, &was_allowed) == XDP_PASS, "A: allow rule");
	CHECK(rule_packets(&ld, ka->rule_id) == 1, "A: kept rule counted %llu",
	      (unsigned long long)rule_packets(&ld, ka->rule_id));
	CHECK(rule_packets(&ld, ra->rule_id) == 1, "A: removed rule counted");
	CHECK(rule_packets(&ld, aa->rule_id) == 1, "A: allow rule counted");
	CHECK(!loader_read_list(&ld, 1, &list_before), "read list");

	/* A -> B */
	err = reload_ruleset(&ld, &k, &a, &b, NULL);
	CHECK(!err, "activating B: %s", strerror(-err));
	kb = ruleset_find(&b, "192.0.2.0/24", 1);
	k6b = ruleset_find(&b, "2001:db8:1::/48", 1);
	nb = ruleset_find(&b, "203.0.113.0/24", 4);
	if (err || !kb || !k6b || !nb)
		goto out;
	CHECK(kb->rule_id == ka->rule_id && k6b->rule_id == k6a->rule_id,
	      "kept rules changed ids: %u -> %u, %u -> %u", ka->rule_id,
	      kb->rule_id, k6a->rule_id, k6b->rule_id);
	CHECK(k.nr_pending == 2 && in_ids(k.pending, 2, ra->rule_id) &&
		      in_ids(k.pending, 2, aa->rule_id),
	      "%zu ids released, want the 2 removed rules'", k.nr_pending);
	CHECK(nb->rule_id != ra->rule_id && nb->rule_id != aa->rule_id,
	      "new rule reuses id %u released by this very reload",
	      nb->rule_id);
	CHECK(run_verdict(&ld, &keep4) == XDP_DROP, "B: kept rule v4");
	CHECK(run_verdict(&ld, &keep6) == XDP_DROP, "B: kept rule v6");
	CHECK(run_verdict(&ld, &removed) == XDP_PASS, "B: removed rule");
	CHECK(run_verdict(&ld, &added) == XDP_DROP, "B: added rule");
	CHECK(run_verdict(&ld, &was_allowed) == XDP_DROP, "B: allow removed");
	CHECK(rule_packets(&ld, ka->rule_id) == 2,
	      "B: kept v4 rule has %llu packets, want 2",
	      (unsigned long long)rule_packets(&ld, ka->rule_id));
	CHECK(rule_packets(&ld, k6a->rule_id) == 2,
	      "B: kept v6 rule has %llu packets, want 2",
	      (unsigned long long)rule_packets(&ld, k6a->rule_id));
	CHECK(rule_packets(&ld, nb->rule_id) == 2,
	      "B: new rule has %llu packets",
	      (unsigned long long)rule_packets(&ld, nb->rule_id));
	/* released, not yet zeroed: nothing counts on them any more */
	CHECK(rule_packets(&ld, ra->rule_id) == 1 &&
		      rule_packets(&ld, aa->rule_id) == 1,
	      "B: a removed rule's counter moved");
	CHECK(!loader_read_list(&ld, 1, &list_after), "read list");
	CHECK(list_after.packets == list_before.packets + 2,
	      "list 1 went from %llu to %llu packets",
	      (unsigned long long)list_before.packets,
	      (unsigned long long)list_after.packets);

	/* B -> A: the re-added rules get the zeroed ids back */
	err = reload_ruleset(&ld, &k, &b, &a2, NULL);
	CHECK(!err, "activating A again: %s", strerror(-err));
	ra2 = ruleset_find(&a2, "198.51.100.0/24", 2);
	if (err || !ra2)
		goto out;
	CHECK(ruleset_find(&a2, "192.0.2.0/24", 1)->rule_id == ka->rule_id,
	      "kept id changed");
	CHECK(ra2->rule_id == ra->rule_id || ra2->rule_id == aa->rule_id,
	      "re-added rule got id %u, not a recycled one", ra2->rule_id);
	CHECK(rule_packets(&ld, ra2->rule_id) == 0,
	      "re-added rule (id %u) starts at %llu packets", ra2->rule_id,
	      (unsigned long long)rule_packets(&ld, ra2->rule_id));
	CHECK(run_verdict(&ld, &removed) == XDP_DROP, "A2: removed rule back");
	CHECK(run_verdict(&ld, &was_allowed) == XDP_PASS, "A2: allow back");
	CHECK(run_verdict(&ld, &added) == XDP_PASS, "A2: added rule gone");
	CHECK(rule_packets(&ld, ra2->rule_id) == 1, "A2: re-added rule count");
	CHECK(rule_packets(&ld, ka->rule_id) == 2, "A2: kept rule count");

	/* A -> empty: everything passes, uncounted */
	err = reload_ruleset(&ld, &k, &a2, &empty, NULL);
	CHECK(!err, "activating the empty set: %s", strerror(-err));
	CHECK(k.nr_pending == 4, "%zu ids released, want 4", k.nr_pending);
	CHECK(rule_packets(&ld, nb->rule_id) == 0, "B's rule zeroed");
	CHECK(run_verdict(&ld, &keep4) == XDP_PASS, "empty: v4");
	CHECK(run_verdict(&ld, &keep6) == XDP_PASS, "empty: v6");
	CHECK(run_verdict(&ld, &removed) == XDP_PASS, "empty: v4 dst");
	CHECK(rule_packets(&ld, ka->rule_id) == 2, "empty: pending id moved");
	/* empty -> empty retires A's ids */
	err = reload_ruleset(&ld, &k, &empty, &empty, NULL);
	CHECK(!err, "activating the empty set again: %s", strerror(-err));
	CHECK(rule_packets(&ld, ka->rule_id) == 0, "released rule zeroed");
out:
	id_keeper_free(&k);
	ruleset_free(&a);
	ruleset_free(&b);
	ruleset_free(&a2);
	loader_close(&ld, 0);
}

/*
 * Atomic switch. X and Y swap roles between the two sets:
 *   A: X drop, Y allow      B: X allow, Y drop
 * A packet X -> Y passes (an allow decides) under either set. Had a
 * packet looked its source up in one generation and its destination in
 * the other, it would meet two drops and count on a drop rule. Packets
 * run in a thread while the sets flip.
 */
struct flip_runner {
	int prog_fd;
	volatile int stop;
	unsigned long runs, drops, errors;
	struct frame f;
};

static void *flip_run(void *arg)
{
	struct flip_runner *r = arg;
	struct xdp_result res;

	while (!r->stop) {
		if (xdp_run(r->prog_fd, &r->f, &res))
			r->errors++;
		else if (res.retval != XDP_PASS)
			r->drops++;
		r->runs++;
	}
	return NULL;
}

/* clang-format off */
static const struct list_def flip_a[] = {
	{ 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH, { "192.0.2.1/32" } },
	{ 2, XDPB_ACT_ALLOW, XDPB_MATCH_BOTH, { "198.51.100.0/24" } },
};

static const struct list_def flip_b[] = {
	{ 1, XDPB_ACT_DROP, XDPB_MATCH_BOTH, { "198.51.100.0/24" } },
	{ 2, XDPB_ACT_ALLOW, XDPB_MATCH_BOTH, { "192.0.2.1/32" } },
};
/* clang-format on */

static void replace_is_atomic(void)
{
	struct ruleset empty = {0}, sets[2];
	struct flip_runner r = {0};
	const struct ruleset *prev = &empty;
	struct xdpb_counter list1;
	struct id_keeper k;
	struct loader ld;
	pthread_t th;
	int err, flips = 0;
	uint64_t t0;

	err = loader_open(&ld, RULE_ID_CAP, NULL, NULL, 0);
	CHECK(!err, "loader_open: %s", strerror(-err));
	if (err)
		return;
	id_keeper_init(&k, RULE_ID_CAP);
	memset(sets, 0, sizeof(sets));
	build_ruleset(&sets[0], flip_a, 2);
	build_ruleset(&sets[1], flip_b, 2);
	err = reload_ruleset(&ld, &k, prev, &sets[0], NULL);
	CHECK(!err, "activate: %s", strerror(-err));
	prev = &sets[0];
	r.prog_fd = loader_prog_fd(&ld);
	r.f = frame_v4("192.0.2.1", "198.51.100.1");
	CHECK(run_verdict(&ld, &r.f) == XDP_PASS, "A verdict");
	CHECK(!pthread_create(&th, NULL, flip_run, &r), "pthread_create");
	t0 = monotonic_ns();
	while (!err && flips < 40 &&
	       (flips < 6 || monotonic_ns() - t0 < 1000000000ull)) {
		struct ruleset *next = &sets[(flips + 1) % 2];

		err = reload_ruleset(&ld, &k, prev, next, NULL);
		prev = next;
		flips++;
	}
	r.stop = 1;
	pthread_join(th, NULL);
	CHECK(!err, "activate: %s", strerror(-err));
	CHECK(!r.errors, "%lu test runs failed", r.errors);
	CHECK(!r.drops, "%lu of %lu packets dropped: mixed generations",
	      r.drops, r.runs);
	CHECK(!loader_read_list(&ld, 1, &list1) && !list1.packets,
	      "the drop list counted %llu packets",
	      (unsigned long long)list1.packets);
	printf("  %d reloads, %lu packets during them\n", flips, r.runs);
	id_keeper_free(&k);
	ruleset_free(&sets[0]);
	ruleset_free(&sets[1]);
	loader_close(&ld, 0);
}

/* ---- rule hit logs (bpf/counters.bpf.h) ------------------------------ */

/*
 * A loader running set A, with the test's CPU pinned to @cpu so that its
 * hits go to one CPU's log. @r: the rules of 192.0.2.0/24 and
 * 198.51.100.0/24 (drop), which frames_a[0] and [1] hit.
 */
struct hit_env {
	struct loader ld;
	struct id_keeper k;
	struct ruleset rs;
	const struct rule *r[2];
	struct frame f[2];
};

/* Run the calling thread on @cpu only, or (-1) on any. */
static int pin_test_cpu(int cpu)
{
	long nr = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	for (long c = 0; c < nr; c++)
		if (cpu < 0 || c == cpu % nr)
			CPU_SET(c, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static int hit_env_open(struct hit_env *e)
{
	struct ruleset empty = {0};
	int err;

	memset(e, 0, sizeof(*e));
	e->f[0] = frame_v4("192.0.2.5", "10.9.9.9");
	e->f[1] = frame_v4("10.9.9.9", "198.51.100.5");
	err = loader_open(&e->ld, RULE_ID_CAP, NULL, NULL, 0);
	CHECK(!err, "loader_open: %s", strerror(-err));
	if (err)
		return err;
	id_keeper_init(&e->k, RULE_ID_CAP);
	err = build_ruleset(&e->rs, set_a, 3);
	if (!err)
		err = reload_ruleset(&e->ld, &e->k, &empty, &e->rs, NULL);
	CHECK(!err, "activating A: %s", strerror(-err));
	e->r[0] = ruleset_find(&e->rs, "192.0.2.0/24", 1);
	e->r[1] = ruleset_find(&e->rs, "198.51.100.0/24", 2);
	CHECK(e->r[0] && e->r[1], "rules of set A");
	return err || !e->r[0] || !e->r[1] ? -EINVAL : 0;
}

static void hit_env_close(struct hit_env *e)
{
	id_keeper_free(&e->k);
	ruleset_free(&e->rs);
	loader_close(&e->ld, 0);
}

/* Packets of rule @id in rule_stats itself, without the logs. */
static uint64_t rule_stats_packets(const struct loader *ld, uint32_t id)
{
	uint64_t n = 0;

	for (int c = 0; c < ld->nr_cpus; c++)
		n += ld->rule_counters[(size_t)c * ld->rule_id_capacity + id]
			     .packets;
	return n;
}

static uint32_t logged_hits(const struct loader *ld)
{
	uint32_t n = 0;

	for (int c = 0; c < ld->nr_cpus; c++)
		n += __atomic_load_n(&ld->hit_logs[c].count, __ATOMIC_ACQUIRE);
	return n;
}

/* Up to 2 s for every log to be empty (their timers fire after 100 ms). */
static int wait_logs_empty(const struct loader *ld)
{
	for (int i = 0; i < 200 && logged_hits(ld); i++)
		usleep(10000);
	return logged_hits(ld) ? -ETIMEDOUT : 0;
}

/*
 * Counts are exact whether a hit is still logged or already added: read
 * after every hit of 200 (three full logs and a partial one on the test's
 * CPU), then once the log's timer has emptied it.
 */
static void hit_log_counts_exact(void)
{
	uint64_t sent[2] = {0};
	struct hit_env e;
	int bad = 0;

	if (hit_env_open(&e) || pin_test_cpu(0)) {
		CHECK(0, "setup");
		hit_env_close(&e);
		return;
	}
	CHECK(!wait_logs_empty(&e.ld), "logs not emptied at the start");
	for (int i = 0; i < 200 && !bad; i++) {
		int w = i % 3 == 2;
		struct xdpb_counter one;

		bad = run_verdict(&e.ld, &e.f[w]) != XDP_DROP;
		CHECK(!bad, "hit %d not dropped", i);
		sent[w]++;
		for (int j = 0; j < 2 && !bad; j++) {
			loader_read_rule(&e.ld, e.r[j]->rule_id, &one);
			bad = one.packets != sent[j] ||
			      one.bytes != sent[j] * e.f[j].len ||
			      rule_packets(&e.ld, e.r[j]->rule_id) != sent[j];
			CHECK(!bad,
			      "after %d hits rule %d has %llu packets, %llu bytes; sent %llu",
			      i + 1, j, (unsigned long long)one.packets,
			      (unsigned long long)one.bytes,
			      (unsigned long long)sent[j]);
		}
	}
	/* both sources were in use: 200 hits on one CPU fill its log thrice */
	CHECK(rule_stats_packets(&e.ld, e.r[0]->rule_id) +
			      rule_stats_packets(&e.ld, e.r[1]->rule_id) >=
		      3 * XDPB_HIT_LOG_LEN,
	      "rule_stats has %llu of 200 hits",
	      (unsigned long long)(rule_stats_packets(&e.ld, e.r[0]->rule_id) +
				   rule_stats_packets(&e.ld, e.r[1]->rule_id)));
	CHECK(!wait_logs_empty(&e.ld), "the log's timer did not empty it");
	for (int j = 0; j < 2; j++)
		CHECK(rule_stats_packets(&e.ld, e.r[j]->rule_id) == sent[j],
		      "rule %d: %llu packets in rule_stats once the log is empty, sent %llu",
		      j,
		      (unsigned long long)rule_stats_packets(&e.ld,
							     e.r[j]->rule_id),
		      (unsigned long long)sent[j]);
	pin_test_cpu(-1);
	hit_env_close(&e);
}

/*
 * loader_ids_in_hit_logs() holds the ids a log has hits of, until the log
 * is added to rule_stats, by a full log or by the timer.
 */
static void hit_log_holds_ids(void)
{
	struct hit_env e;
	uint32_t ids[2];
	size_t held;

	if (hit_env_open(&e) || pin_test_cpu(0)) {
		CHECK(0, "setup");
		goto out;
	}
	ids[0] = e.r[0]->rule_id;
	ids[1] = e.r[1]->rule_id;
	CHECK(!wait_logs_empty(&e.ld), "logs not emptied at the start");
	CHECK(!loader_ids_in_hit_logs(&e.ld, ids, 2), "empty logs hold ids");

	CHECK(run_verdict(&e.ld, &e.f[0]) == XDP_DROP, "hit");
	held = loader_ids_in_hit_logs(&e.ld, ids, 2);
	/* unless the timer (100 ms) came in between, the hit is still there */
	if (logged_hits(&e.ld))
		CHECK(held == 1 && ids[0] == e.r[0]->rule_id,
		      "%zu ids held (first %u), want rule 0's (%u)", held,
		      ids[0], e.r[0]->rule_id);
	/* 64 hits of rule 1: the log is full, added, and holds one of them */
	for (int i = 0; i < XDPB_HIT_LOG_LEN; i++)
		run_verdict(&e.ld, &e.f[1]);
	ids[0] = e.r[0]->rule_id;
	CHECK(!loader_ids_in_hit_logs(&e.ld, ids, 1),
	      "rule 0 still held after %d more hits", XDPB_HIT_LOG_LEN);
	/* and the timer adds the last */
	ids[0] = e.r[1]->rule_id;
	CHECK(!wait_ids_not_logged(&e.ld, ids, 1),
	      "the timer did not add rule 1's last hit");
out:
	pin_test_cpu(-1);
	hit_env_close(&e);
}

struct hit_writer {
	struct hit_env *e;
	int runs; /* test runs of 1000 hits each */
	int err;
};

static void *hit_writer_run(void *arg)
{
	struct hit_writer *w = arg;
	struct xdp_md ctx = {.ingress_ifindex = TEST_IFINDEX};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1000);

	pin_test_cpu(0);
	for (int i = 0; i < w->runs && !w->err; i++) {
		const struct frame *f = &w->e->f[i % 2];

		opts.data_in = f->data;
		opts.data_size_in = f->len;
		ctx.data_end = f->len;
		w->err = bpf_prog_test_run_opts(loader_prog_fd(&w->e->ld),
						&opts);
		if (!w->err && opts.retval != XDP_DROP)
			w->err = -EPROTO;
	}
	return NULL;
}

/*
 * Reads racing the datapath's folds (one CPU hits, the other reads):
 * counts never go back and end exact.
 */
static void hit_log_concurrent_reads(void)
{
	/*
	 * In the kernel matrix's emulated machines (scripts/kernel-vm.sh
	 * sets XDPB_VM_KERNEL) a tenth: still thousands of folds to race,
	 * in a tenth of the 100 s the whole took there.
	 */
	struct hit_writer w = {.runs = getenv("XDPB_VM_KERNEL") ? 200 : 2000};
	uint64_t last[2] = {0}, reads = 0, backwards = 0;
	struct xdpb_counter c;
	struct hit_env e;
	pthread_t t;

	if (hit_env_open(&e) || pin_test_cpu(1)) {
		CHECK(0, "setup");
		hit_env_close(&e);
		return;
	}
	w.e = &e;
	if (pthread_create(&t, NULL, hit_writer_run, &w)) {
		CHECK(0, "pthread_create");
		hit_env_close(&e);
		return;
	}
	do {
		for (int j = 0; j < 2; j++) {
			loader_read_rule(&e.ld, e.r[j]->rule_id, &c);
			backwards += c.packets < last[j];
			last[j] = c.packets;
		}
		reads++;
	} while (pthread_tryjoin_np(t, NULL));
	CHECK(!w.err, "test runs: %s", strerror(-w.err));
	CHECK(!backwards, "%llu of %llu reads went back",
	      (unsigned long long)backwards, (unsigned long long)reads);
	for (int j = 0; j < 2; j++) {
		loader_read_rule(&e.ld, e.r[j]->rule_id, &c);
		CHECK(c.packets == (uint64_t)w.runs / 2 * 1000,
		      "rule %d: %llu packets, sent %d", j,
		      (unsigned long long)c.packets, w.runs / 2 * 1000);
	}
	printf("  %llu reads of both rules during %d000 hits\n",
	       (unsigned long long)reads, w.runs);
	pin_test_cpu(-1);
	hit_env_close(&e);
}

static int same_rules(const struct rule_table *a, const struct rule_table *b)
{
	if (a->nr != b->nr)
		return 0;
	for (size_t i = 0; i < a->nr; i++) {
		const struct rule *x = &a->rules[i], *y = &b->rules[i];

		if (prefix_cmp(&x->prefix, &y->prefix) ||
		    x->list_id != y->list_id || x->rule_id != y->rule_id ||
		    x->line != y->line || x->action != y->action ||
		    x->match != y->match)
			return 0;
	}
	return 1;
}

/*
 * Restart without a gap, at the loader level: a loader that closes without
 * unpinning leaves its generation and counters; the next one adopts them
 * as they are (same rules, ids, lines, list table, counters, active slot),
 * a loader with another capacity starts fresh instead, and closing with
 * unpin leaves nothing behind.
 */
static void pinned_state_adopted(void)
{
	struct ruleset adopted_rs = {0};
	struct xdpb_pinned_gen *gen = calloc(1, sizeof(*gen)),
			       *back = calloc(1, sizeof(*back));
	struct xdpb_counter before, after;
	struct id_keeper k;
	struct loader ld;
	uint32_t probe_id, slot;
	char dir[64], err[300];
	int ret;

	snprintf(dir, sizeof(dir), "/sys/fs/bpf/xdpb-unit-%d", (int)getpid());
	ret = loader_open(&ld, RULE_ID_CAP, dir, err, sizeof(err));
	CHECK(ret == 0 && !ld.adopted, "fresh open: %d %s", ret, err);
	if (ret || !gen || !back)
		goto out_free;
	id_keeper_init(&k, RULE_ID_CAP);
	ret = reload_ruleset(&ld, &k, &(struct ruleset){0}, &table_rs, NULL);
	CHECK(ret == 0, "activate: %d", ret);
	/* a generation with a list table, as the daemon pins it */
	gen->magic = XDPB_PIN_MAGIC;
	gen->layout_version = XDPB_PIN_LAYOUT_VERSION;
	gen->generation = 42;
	snprintf(gen->lists[L_BLOCK].name, XDPB_LIST_NAME_MAX, "block");
	gen->lists[L_BLOCK].action = XDPB_ACT_DROP;
	gen->lists[L_BLOCK].match = XDPB_MATCH_BOTH;
	for (int id = 1; id < NR_TABLE_LISTS; id++)
		if (id != L_BLOCK)
			snprintf(gen->lists[id].name, XDPB_LIST_NAME_MAX,
				 "list%d", id);
	for (size_t i = 0; i < sizeof(table_lists) / sizeof(table_lists[0]);
	     i++) {
		gen->lists[table_lists[i].id].action = table_lists[i].action;
		gen->lists[table_lists[i].id].match = table_lists[i].match;
	}
	ret = loader_activate(&ld, &table_rs, gen, NULL);
	CHECK(ret == 0, "activate with a list table: %d", ret);
	slot = ld.active_gen;
	/* a counter value to find again */
	probe_id = table_rs.v4.rules[0].rule_id;
	ld.rule_counters[probe_id].packets += 5;
	ld.rule_counters[probe_id].bytes += 500;
	loader_read_rule(&ld, probe_id, &before);
	loader_close(&ld, 0);
	id_keeper_free(&k);

	ret = loader_open(&ld, RULE_ID_CAP, dir, err, sizeof(err));
	CHECK(ret == 0 && ld.adopted, "second open: %d adopted %d %s", ret,
	      ld.adopted, err);
	if (ret)
		goto out_clean;
	CHECK(ld.active_gen == slot, "active slot %u, was %u", ld.active_gen,
	      slot);
	ret = loader_adopted_rules(&ld, back, &adopted_rs);
	CHECK(ret == 0, "read the adopted rules: %d", ret);
	CHECK(back->generation == 42 &&
		      !strcmp(back->lists[L_BLOCK].name, "block"),
	      "list table: generation %llu, list %d '%s'",
	      (unsigned long long)back->generation, L_BLOCK,
	      back->lists[L_BLOCK].name);
	CHECK(same_rules(&adopted_rs.v4, &table_rs.v4) &&
		      same_rules(&adopted_rs.v6, &table_rs.v6),
	      "adopted rules differ: %zu/%zu v4, %zu/%zu v6", adopted_rs.v4.nr,
	      table_rs.v4.nr, adopted_rs.v6.nr, table_rs.v6.nr);
	loader_read_rule(&ld, probe_id, &after);
	CHECK(after.packets == before.packets && after.bytes == before.bytes,
	      "counter %llu/%llu, was %llu/%llu",
	      (unsigned long long)after.packets,
	      (unsigned long long)after.bytes,
	      (unsigned long long)before.packets,
	      (unsigned long long)before.bytes);
	ruleset_free(&adopted_rs);
	loader_close(&ld, 0);

	/* another capacity: not adoptable, fresh maps and counters */
	ret = loader_open(&ld, RULE_ID_CAP / 2, dir, err, sizeof(err));
	CHECK(ret == 0 && !ld.adopted, "open with another capacity: %d %d", ret,
	      ld.adopted);
	if (!ret) {
		loader_read_rule(&ld, probe_id, &after);
		CHECK(after.packets == 0, "fresh counters hold %llu",
		      (unsigned long long)after.packets);
		loader_close(&ld, 1);
	}
out_clean:
	CHECK(access(dir, F_OK) != 0, "%s left behind", dir);
	pin_remove_all(dir);
out_free:
	free(gen);
	free(back);
}

/*
 * The per-view actions of domain rules survive a restart: an adopting
 * loader rebuilds each rule's DNS and web action from the pinned list's
 * protocols and dns_action and the rule's own action (an RPZ-style record
 * of its own), as reload.c made them. And the state of an older layout
 * (6, before these fields) is not adopted: fresh maps instead.
 */
static void pinned_name_views_adopted(void)
{
	enum { L_NX = 1, L_RESET_REFUSED = 2, L_DNS_ONLY = 3 };
	static const struct {
		uint16_t list;
		uint8_t action;
		const char *name;
	} names[] = {
		{L_NX, XDPB_ACT_NXDOMAIN, "example.com"},
		{L_NX, XDPB_ACT_ALLOW, "ok.example.com"}, /* its own action */
		{L_RESET_REFUSED, XDPB_ACT_RESET, "example.net"},
		{L_DNS_ONLY, XDPB_ACT_REFUSED, "example.org"},
	};
	struct ruleset rs = {0}, adopted_rs = {0};
	struct xdpb_pinned_gen *gen = calloc(1, sizeof(*gen)),
			       *back = calloc(1, sizeof(*back));
	struct xdpb_pin_meta meta;
	struct id_keeper k;
	struct loader ld;
	char dir[64], err[300];
	int ret;

	snprintf(dir, sizeof(dir), "/sys/fs/bpf/xdpb-views-%d", (int)getpid());
	if (!gen || !back)
		goto out_free;
	gen->magic = XDPB_PIN_MAGIC;
	gen->layout_version = XDPB_PIN_LAYOUT_VERSION;
	gen->generation = 7;
	snprintf(gen->lists[L_NX].name, XDPB_LIST_NAME_MAX, "nx");
	gen->lists[L_NX].action = XDPB_ACT_NXDOMAIN;
	gen->lists[L_NX].protocols = XDPB_VIEWS_ALL;
	snprintf(gen->lists[L_RESET_REFUSED].name, XDPB_LIST_NAME_MAX, "rr");
	gen->lists[L_RESET_REFUSED].action = XDPB_ACT_RESET;
	gen->lists[L_RESET_REFUSED].protocols = XDPB_VIEWS_ALL;
	gen->lists[L_RESET_REFUSED].dns_action = XDPB_ACT_REFUSED;
	snprintf(gen->lists[L_DNS_ONLY].name, XDPB_LIST_NAME_MAX, "dnsonly");
	gen->lists[L_DNS_ONLY].action = XDPB_ACT_REFUSED;
	gen->lists[L_DNS_ONLY].protocols = XDPB_VIEW_DNS;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct xdpb_pinned_list *l = &gen->lists[names[i].list];

		ruleset_add_name_views(
			&rs, names[i].name, XDPB_NAME_SUFFIX, names[i].list,
			names[i].action,
			xdpb_view_action(names[i].action, l->dns_action,
					 l->protocols, 0),
			xdpb_view_action(names[i].action, l->dns_action,
					 l->protocols, 1),
			i + 1);
	}
	ruleset_finish(&rs);
	ret = loader_open(&ld, RULE_ID_CAP, dir, err, sizeof(err));
	CHECK(ret == 0 && !ld.adopted, "fresh open: %d %s", ret, err);
	if (ret)
		goto out_free;
	id_keeper_init(&k, RULE_ID_CAP);
	ret = reload_ruleset(&ld, &k, &(struct ruleset){0}, &rs, NULL);
	CHECK(ret == 0, "activate: %d", ret);
	ret = loader_activate(&ld, &rs, gen, NULL);
	CHECK(ret == 0, "activate with a list table: %d", ret);
	loader_close(&ld, 0);
	id_keeper_free(&k);

	ret = loader_open(&ld, RULE_ID_CAP, dir, err, sizeof(err));
	CHECK(ret == 0 && ld.adopted, "second open: %d adopted %d %s", ret,
	      ld.adopted, err);
	if (ret)
		goto out_clean;
	ret = loader_adopted_rules(&ld, back, &adopted_rs);
	CHECK(ret == 0 && adopted_rs.names.nr == rs.names.nr,
	      "read the adopted rules: %d, %zu names of %zu", ret,
	      adopted_rs.names.nr, rs.names.nr);
	for (size_t i = 0; !ret && i < rs.names.nr && i < adopted_rs.names.nr;
	     i++) {
		const struct name_rule *a = &rs.names.rules[i],
				       *b = &adopted_rs.names.rules[i];

		CHECK(!strcmp(name_rule_text(&rs.names, a),
			      name_rule_text(&adopted_rs.names, b)) &&
			      a->rule_id == b->rule_id &&
			      a->action == b->action &&
			      a->dns_action == b->dns_action &&
			      a->web_action == b->web_action,
		      "%s: adopted as %s, action %u DNS %u web %u; was %u %u %u",
		      name_rule_text(&rs.names, a),
		      name_rule_text(&adopted_rs.names, b), b->action,
		      b->dns_action, b->web_action, a->action, a->dns_action,
		      a->web_action);
	}
	/* and what they are: the DNS form of the reset, no web rule of dnsonly */
	for (size_t i = 0; i < adopted_rs.names.nr; i++) {
		const struct name_rule *b = &adopted_rs.names.rules[i];

		if (b->list_id == L_RESET_REFUSED)
			CHECK(b->dns_action == XDPB_ACT_REFUSED &&
				      b->web_action == XDPB_ACT_RESET,
			      "reset, dns_action = refused: %u %u",
			      b->dns_action, b->web_action);
		if (b->list_id == L_DNS_ONLY)
			CHECK(b->dns_action == XDPB_ACT_REFUSED &&
				      b->web_action == XDPB_ACT_NONE,
			      "protocols = dns: %u %u", b->dns_action,
			      b->web_action);
	}
	ruleset_free(&adopted_rs);
	loader_close(&ld, 0);

	/* the same state made by a daemon of layout 6: not adopted */
	ret = pin_meta_read(dir, &meta);
	CHECK(ret == 0, "read the pinned meta: %d", ret);
	meta.layout_version = 6;
	ret = ret ? ret : pin_meta_write(dir, &meta);
	CHECK(ret == 0, "write an older meta: %d", ret);
	ret = loader_open(&ld, RULE_ID_CAP, dir, err, sizeof(err));
	CHECK(ret == 0 && !ld.adopted, "open over layout 6: %d, adopted %d",
	      ret, ld.adopted);
	if (!ret)
		loader_close(&ld, 1);
out_clean:
	pin_remove_all(dir);
	CHECK(access(dir, F_OK) != 0, "%s left behind", dir);
out_free:
	ruleset_free(&rs);
	free(gen);
	free(back);
}

int main(void)
{
	struct ruleset empty = {0};
	struct id_keeper k;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("bpf_tests", LOG_LEVEL_WARN);
	err = loader_open(&table_ld, RULE_ID_CAP, NULL, NULL, 0);
	if (err)
		return load_failed("bpf", err, NULL);
	id_keeper_init(&k, RULE_ID_CAP);
	err = build_ruleset(&table_rs, table_lists,
			    sizeof(table_lists) / sizeof(table_lists[0]));
	if (!err)
		err = reload_ruleset(&table_ld, &k, &empty, &table_rs, NULL);
	if (!err)
		err = loader_iface_register(&table_ld, TEST_IFINDEX);
	if (err) {
		printf("FAIL: bpf/setup (%s)\n", strerror(-err));
		return 1;
	}
	printf("table rule set: %zu IPv4 and %zu IPv6 rules in %d lists\n",
	       table_rs.v4.nr, table_rs.v6.nr, NR_TABLE_LISTS - 1);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	RUN_TEST("bpf", repeat_counts_every_run);
	RUN_TEST("bpf", unregistered_iface_not_counted);
	RUN_TEST("bpf", iface_counters_spill);
	RUN_TEST("bpf", addresses_only_load_no_stage);
	RUN_TEST("bpf", protected_set_in_datapath);
	RUN_TEST("bpf", replace_rule_set);
	RUN_TEST("bpf", replace_is_atomic);
	RUN_TEST("bpf", hit_log_counts_exact);
	RUN_TEST("bpf", hit_log_holds_ids);
	RUN_TEST("bpf", hit_log_concurrent_reads);
	RUN_TEST("bpf", pinned_state_adopted);
	RUN_TEST("bpf", pinned_name_views_adopted);

	printf("bpf_tests: %d passed, %d failed\n", tl_passed, tl_failed);
	id_keeper_free(&k);
	ruleset_free(&table_rs);
	loader_close(&table_ld, 0);
	return TEST_EXIT_CODE();
}
