/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The single source of truth for everything the XDP program and userspace
 * both see: constants, enums and the key/value layout of every map.
 * Included by bpf/ and userspace/; never re-declared anywhere else.
 *
 * Matching model (see docs/architecture.md):
 *   Userspace resolves every rule set into "leaves". A leaf answers, for one
 *   address, which rule decides the source-direction match and which decides
 *   the destination-direction match, with all overlapping rules already
 *   combined (allow > drop > monitor, then longest prefix, then the lower
 *   list_id).
 *   The datapath therefore only has to find the longest stored prefix that
 *   covers an address and read one leaf.
 *
 *   IPv4: a DIR-24-8 style table. tbl24 has one u32 per /24 (2^24 entries,
 *   mmapped and filled from userspace); see the entry kinds below. Cost:
 *   one array access, plus at most one group access or one hash lookup,
 *   whatever the list size; a passing packet takes the hash lookup only in
 *   a /24 that holds two or more listed hosts.
 *
 *   IPv6: one hash holding every prefix (keyed by length and masked address)
 *   plus Waldvogel markers, searched by binary search over the prefix
 *   lengths present: at most XDPB_V6_SEARCH_STEPS hash lookups.
 *
 *   Every table exists twice (generation 0 and 1) as inner maps of
 *   ARRAY_OF_MAPS outers. A reload fills fresh inner maps for the idle
 *   generation and then flips active_gen: each packet reads active_gen once,
 *   so it sees the whole old or the whole new set, never a mix.
 */
#ifndef XDPBLOCK_MAPS_H
#define XDPBLOCK_MAPS_H

#include <linux/types.h>

#define XDPB_NR_GENS 2
#define XDPB_MAX_LISTS 256 /* list_id 0 is "no list" */
#define XDPB_TBL24_ENTRIES (1u << 24)
#define XDPB_TBL8_GROUP_SIZE 256
#define XDPB_MAX_VLAN_TAGS 2
#define XDPB_MAX_IPV6_EXT_HDRS 8
#define XDPB_V6_MAX_LENGTHS 129 /* prefix lengths 0..128 */
/* ceil(log2(XDPB_V6_MAX_LENGTHS + 1)): binary search steps over lengths */
#define XDPB_V6_SEARCH_STEPS 8

/*
 * tbl24 and tbl8 are arrays of chunks of 16 u32 entries (one cache line):
 * BPF array elements are 8-byte aligned, so an element holding a bare u32
 * would double the memory, and userspace fills the mmapped chunks as one
 * flat u32 array.
 */
#define XDPB_TBL_CHUNK 16

struct xdpb_tbl_chunk {
	__u32 entry[XDPB_TBL_CHUNK];
};

/*
 * tbl24 entries: the kind in the top two bits. tbl8 entries are always
 * XDPB_KIND_LEAF (a /32 inside a group is simply its own entry).
 *   LEAF   index = leaf for every address of the /24 (0: no rule)
 *   HOSTS  /32 rules in this /24: look the address up in the host hash;
 *          on a miss index is the leaf
 *   GROUP  index = tbl8 group: /25../31 rules in this /24
 *   HOST1  exactly one /32 rule and nothing else covers the /24: the
 *          host's last octet and its leaf are packed into the entry, so
 *          no other address of the /24 costs a second lookup
 */
#define XDPB_KIND_SHIFT 30
#define XDPB_KIND_LEAF 0u
#define XDPB_KIND_HOSTS 1u
#define XDPB_KIND_GROUP 2u
#define XDPB_KIND_HOST1 3u
#define XDPB_ENTRY_INDEX_MASK ((1u << XDPB_KIND_SHIFT) - 1)
#define XDPB_HOST1_OCTET_SHIFT 22
#define XDPB_HOST1_LEAF_MASK ((1u << XDPB_HOST1_OCTET_SHIFT) - 1)

/* Actions. The numeric order is the priority when rules overlap. */
enum xdpb_action {
	XDPB_ACT_NONE = 0, /* no rule matched */
	XDPB_ACT_MONITOR = 1, /* count, pass */
	XDPB_ACT_DROP = 2,
	XDPB_ACT_ALLOW = 3, /* beats any block, whatever the prefix lengths */
	XDPB_ACT_MAX,
};

enum xdpb_dir {
	XDPB_DIR_SRC = 0,
	XDPB_DIR_DST = 1,
	XDPB_NR_DIRS,
};

/* Which address(es) of a packet a list is matched against. */
enum xdpb_match_dirs {
	XDPB_MATCH_SRC = 1u << XDPB_DIR_SRC,
	XDPB_MATCH_DST = 1u << XDPB_DIR_DST,
	XDPB_MATCH_BOTH = XDPB_MATCH_SRC | XDPB_MATCH_DST,
};

/*
 * Per-interface statistics slots. The first XDPB_ACT_MAX slots are the
 * verdicts (NONE counts packets that matched nothing and passed); the rest
 * count packets that passed because they could not be parsed.
 */
enum xdpb_stat {
	XDPB_STAT_PASS = XDPB_ACT_NONE,
	XDPB_STAT_MONITOR = XDPB_ACT_MONITOR,
	XDPB_STAT_DROP = XDPB_ACT_DROP,
	XDPB_STAT_ALLOW = XDPB_ACT_ALLOW,
	XDPB_STAT_NON_IP, /* not IPv4/IPv6 (ARP, LLDP, ...): passed */
	XDPB_STAT_MALFORMED_L2, /* truncated Ethernet/VLAN header */
	XDPB_STAT_MALFORMED_IPV4, /* truncated or invalid IPv4 header */
	XDPB_STAT_MALFORMED_IPV6, /* truncated IPv6 header */
	/*
	 * Extension header chain truncated or longer than
	 * XDPB_MAX_IPV6_EXT_HDRS. The fixed header was valid, so the
	 * addresses were still matched: a crafted tail must not let a listed
	 * address through.
	 */
	XDPB_STAT_MALFORMED_IPV6_EXT,
	XDPB_STAT_MAX,
};

struct xdpb_counter {
	__u64 packets;
	__u64 bytes;
};

/* The rule that decides one direction for one address. */
struct xdpb_match {
	__u32 rule_id; /* 0: no rule */
	__u16 list_id;
	__u8 action; /* enum xdpb_action */
	__u8 prefixlen; /* of the deciding rule; breaks ties between directions */
};

struct xdpb_leaf {
	struct xdpb_match dir[XDPB_NR_DIRS];
};

/* IPv6 prefix hash key: the address masked to prefixlen. */
struct xdpb_ip6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* Per-generation metadata. */
struct xdpb_gen_info {
	__u32 nr_v6_lengths; /* distinct IPv6 prefix lengths present */
	__u8 v6_lengths[XDPB_V6_MAX_LENGTHS]; /* sorted ascending */
	__u8 pad[3];
};

struct xdpb_iface_stats {
	struct xdpb_counter stat[XDPB_STAT_MAX];
};

_Static_assert(sizeof(struct xdpb_counter) == 16, "counter layout");
_Static_assert(sizeof(struct xdpb_match) == 8, "match layout");
_Static_assert(sizeof(struct xdpb_leaf) == 16, "leaf layout");
_Static_assert(sizeof(struct xdpb_ip6_key) == 20, "ip6 key layout");
_Static_assert(sizeof(struct xdpb_gen_info) == 136, "gen info layout");
_Static_assert(sizeof(struct xdpb_tbl_chunk) == 64, "chunk layout");
_Static_assert(XDPB_TBL8_GROUP_SIZE % XDPB_TBL_CHUNK == 0,
	       "groups are whole chunks");
_Static_assert(XDPB_V6_MAX_LENGTHS < (1u << XDPB_V6_SEARCH_STEPS),
	       "binary search steps cover every length");

/* Default max_rules_ipv4 / max_rules_ipv6 (config [daemon]). */
#define XDPB_DEFAULT_MAX_RULES_V4 1048576
#define XDPB_DEFAULT_MAX_RULES_V6 1048576
#define XDPB_MAX_IFACES 256

#endif /* XDPBLOCK_MAPS_H */
