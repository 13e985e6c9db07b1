/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ABI between the XDP programs and userspace: constants, enums and the
 * key/value layout of every map, with _Static_asserts on their sizes.
 * Included by bpf/ and userspace/ (through xdpblock_maps.h); never
 * re-declared anywhere else.
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
 *   Addresses are looked up in a multibit trie, one per family, the
 *   same structure for both. The root has one entry per /16 (IPv4: 2^16
 *   u32s, 256 KiB, which stays in the L2 cache) or per /19 (IPv6, see
 *   XDPB_IP6_ROOT_BITS); below it, nodes of 64
 *   children each (6 bits of the address per step) exist only where two
 *   or more prefixes longer than the node's depth share its subtree. A
 *   subtree holding one such prefix is a SINGLE entry: that prefix,
 *   checked against the whole address at the end; a root entry whose
 *   subtree holds 2..XDPB_IP4_BUCKET_PREFIXES (IPv4) or
 *   XDPB_IP6_BUCKET_PREFIXES (IPv6) is a BUCKET, all of them in one
 *   line. So a lookup reads the root, a node per 6 bits only where
 *   rules crowd, and at most one single (or one bucket), whatever the
 *   number of prefixes or of distinct lengths: at most
 *   XDPB_IP4_MAX_STEPS (IPv4) or XDPB_IP6_MAX_STEPS nodes. Nodes
 *   are after Poptrie's (Asai and Ohara, SIGCOMM 2015): one cache line,
 *   bitmaps of the children that are nodes and that are singles (each
 *   kind stored side by side, found by a popcount), and a bitmap of where
 *   runs of equal leaves start among the rest, the runs inline in the
 *   line when they fit. Source and destination are walked step by step
 *   side by side, so their reads overlap. An IPv4 address walks as the
 *   first 32 of 128 bits.
 *
 *   IPv4 lists of several hundred thousand prefixes are *flat* instead
 *   (gen_info.ip4_flat): DIR-24-8, a 64 MiB tbl24 of one entry per /24,
 *   which may point on to a tbl8 group or the host hash; one tbl24 line
 *   per address, where a trie that size would read two or more from
 *   DRAM.

 *   Every table exists twice (generation 0 and 1) as inner maps of
 *   ARRAY_OF_MAPS outers. A reload fills fresh inner maps for the idle
 *   generation and then flips active_gen: each packet reads active_gen once,
 *   so it sees the whole old or the whole new set, never a mix.
 */
#ifndef XDPBLOCK_ABI_H
#define XDPBLOCK_ABI_H

#include <linux/types.h>

#include <linux/types.h>

#define XDPB_NR_GENS 2
#define XDPB_MAX_LISTS 256 /* list_id 0 is "no list" */
#define XDPB_LIST_NAME_MAX 64 /* with its NUL */
#define XDPB_TBL16_ENTRIES (1u << 16) /* one per /16 */
#define XDPB_TBL24_GROUP_SIZE 256 /* one per /24 of a /16 */
#define XDPB_TBL8_GROUP_SIZE 256 /* one per address of a /24 */
#define XDPB_MAX_VLAN_TAGS 2
#define XDPB_MAX_IPV6_EXT_HDRS 8
/*
 * The tries: the root's bits, the bits per node, nodes on the longest
 * path. The IPv6 root takes 19 bits: every global unicast address is in
 * 2000::/3, so 16 bits of its root would tell only 8,192 subtrees apart
 * where IPv4's tell 65,536; with 19, 2000::/3 alone has 2^16 entries (256
 * KiB, the part traffic reads) of the root's 2 MiB.
 */
#define XDPB_IP4_ROOT_BITS 16
#define XDPB_IP6_ROOT_BITS 19
#define XDPB_TRIE_ROOT_BITS(v4) ((v4) ? XDPB_IP4_ROOT_BITS : XDPB_IP6_ROOT_BITS)
#define XDPB_TRIE_ROOT_ENTRIES(v4) (1u << XDPB_TRIE_ROOT_BITS(v4))
#define XDPB_TRIE_STRIDE 6
#define XDPB_IP4_MAX_STEPS 3 /* (32 - 16) / 6, rounded up */
#define XDPB_IP6_MAX_STEPS 19 /* (128 - 19) / 6, rounded up */
/* http_ports, tls_ports: at most this many of each */
#define XDPB_MAX_WEB_PORTS 8
#define XDPB_DEFAULT_HTTP_PORT 80
#define XDPB_DEFAULT_TLS_PORT 443
#define XDPB_DEFAULT_DOT_PORT 853 /* DNS over TLS */

/*
 * The roots, tbl24 and tbl8 are arrays of chunks of 16 u32 entries (one
 * cache line):
 * BPF array elements are 8-byte aligned, so an element holding a bare u32
 * would double the memory, and userspace fills the mmapped chunks as one
 * flat u32 array.
 */
#define XDPB_TBL_CHUNK 16

struct xdpb_tbl_chunk {
	__u32 entry[XDPB_TBL_CHUNK];
};

/*
 * Entries: the kind in the top two bits.
 *
 * Trie entries (the roots, a node's children, see struct
 * xdpb_trie_node):
 *   LEAF    index = leaf for every address of the subtree (0: no rule)
 *   SINGLE  index = xdpb_trie_single: the one prefix longer than this
 *           depth in the subtree, its leaf, and the leaf of the rest
 *   NODE    index = xdpb_trie_node for the next 6 bits
 *   BUCKET  root entries only: index = the xdpb_ip4_bucket or
 *           xdpb_ip6_bucket, in the node array, of a /16 (IPv4) or /19
 *           (IPv6) holding 2..XDPB_IP4/6_BUCKET_PREFIXES longer prefixes
 *
 * tbl24 entries (flat IPv4; group n is the n-th /16's, indexed by the
 * third octet):
 *   LEAF   index = leaf for every address of the /24 (0: no rule)
 *   HOSTS  /32 rules in this /24: look the address up in the host hash;
 *          on a miss index is the leaf
 *   GROUP  index = tbl8 group: /25../31 rules in this /24
 *   HOST1  exactly one /32 rule and nothing else covers the /24: the
 *          host's last octet and its leaf are packed into the entry, so
 *          no other address of the /24 costs a second lookup
 *
 * tbl8 entries are always LEAF (a /32 inside a group is simply its own
 * entry).
 */
#define XDPB_KIND_SHIFT 30
#define XDPB_KIND_LEAF 0u
#define XDPB_KIND_HOSTS 1u
#define XDPB_KIND_GROUP 2u
#define XDPB_KIND_HOST1 3u
#define XDPB_ENTRY_INDEX_MASK ((1u << XDPB_KIND_SHIFT) - 1)
#define XDPB_HOST1_OCTET_SHIFT 22
#define XDPB_HOST1_LEAF_MASK ((1u << XDPB_HOST1_OCTET_SHIFT) - 1)
#define XDPB_KIND_SINGLE 1u /* tries only: the value of HOSTS */
#define XDPB_KIND_NODE 2u /* tries only: the value of GROUP */
#define XDPB_KIND_BUCKET 3u /* the tries' roots only: the value of HOST1 */

/*
 * Actions. The numeric order is the priority when rules overlap. IP lists
 * take monitor, drop and allow; domain lists also the replies. A reply
 * ranks below drop: when an IP rule drops a packet whose query a domain
 * rule would answer, the packet is dropped.
 */
enum xdpb_action {
	XDPB_ACT_NONE = 0, /* no rule matched */
	XDPB_ACT_MONITOR = 1, /* count, pass */
	XDPB_ACT_REFUSED = 2, /* DNS: answer REFUSED (UDP), drop (TCP) */
	XDPB_ACT_NXDOMAIN = 3, /* DNS: answer NXDOMAIN (UDP), drop (TCP) */
	XDPB_ACT_SINKHOLE = 4, /* DNS: answer with the list's notice address */
	XDPB_ACT_RESET = 5, /* TLS SNI, HTTP Host: RST to the client, drop */
	XDPB_ACT_DROP = 6,
	XDPB_ACT_ALLOW = 7, /* beats any block, whatever the prefix lengths */
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
 * Which views of a name a domain list takes part in (its protocols key):
 * DNS queries, and TLS SNI with HTTP Host, which share one view in the
 * name leaf (struct xdpb_name_leaf, one 64-byte slot with no room for a
 * third view).
 */
enum xdpb_name_views {
	XDPB_VIEW_DNS = 1u << 0,
	XDPB_VIEW_WEB = 1u << 1,
	XDPB_VIEWS_ALL = XDPB_VIEW_DNS | XDPB_VIEW_WEB,
};

/*
 * Per-interface statistics slots. The first XDPB_ACT_MAX slots are the
 * verdicts (NONE counts packets that matched nothing and passed); the rest
 * count packets that passed because they could not be parsed.
 */
enum xdpb_stat {
	XDPB_STAT_PASS = XDPB_ACT_NONE,
	XDPB_STAT_MONITOR = XDPB_ACT_MONITOR,
	XDPB_STAT_REFUSED = XDPB_ACT_REFUSED,
	XDPB_STAT_NXDOMAIN = XDPB_ACT_NXDOMAIN,
	XDPB_STAT_SINKHOLE = XDPB_ACT_SINKHOLE,
	XDPB_STAT_RESET = XDPB_ACT_RESET,
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
	/*
	 * A DNS query (UDP or TCP to port 53, one question) whose name has a
	 * label over 63 bytes, a compression pointer, more than 255 bytes, or
	 * runs past the packet; or whose question is cut short. Its name is
	 * not matched; its addresses were, and decide it.
	 */
	XDPB_STAT_MALFORMED_DNS,
	/*
	 * An HTTP request on an HTTP port whose Host header is not a name
	 * (an empty or over-long label, over 253 bytes, cut short by the
	 * end of the segment). Its addresses decide it.
	 */
	XDPB_STAT_MALFORMED_HTTP,
	/*
	 * A TLS ClientHello on a TLS port whose lengths do not add up, whose
	 * server_name is not a host name (or not a name), that is spread
	 * over several TLS records, or whose SNI comes after more than
	 * about 120 extensions. Its addresses decide it.
	 */
	XDPB_STAT_MALFORMED_TLS,
	/*
	 * A segment of a ClientHello spread over segments arrived ahead of
	 * the one the walk waited for: the walk is given up, the segments
	 * pass (never dropped, so no connection stalls), the name unmatched.
	 */
	XDPB_STAT_TLS_OUT_OF_ORDER,
	/*
	 * A ClientHello whose SNI did not come within 16 segments, or within
	 * the first 3.5 KiB of one oversized (offloaded) segment: passed.
	 */
	XDPB_STAT_TLS_INCOMPLETE,
	/*
	 * The entry program's tail call into a stage failed (the stage is
	 * not loaded, or the kernel refused the call): the packet's name was
	 * not matched, and its addresses decided it. Never expected; a
	 * non-zero count is a fault to report.
	 */
	XDPB_STAT_STAGE_MISSED,
	/*
	 * Packets a domain rule decided (its verdict won over the addresses'),
	 * by the protocol its name came in: a DNS query, a TLS ClientHello's
	 * SNI, an HTTP request's Host; later segments of a flow the rule
	 * blocked count as the flow's protocol. They also count in the
	 * verdict's slot above: these say which protocol it was.
	 */
	XDPB_STAT_NAME_DNS,
	XDPB_STAT_NAME_TLS,
	XDPB_STAT_NAME_HTTP,
	/*
	 * An address rule would have dropped the packet, but its source or
	 * destination is protected (the protected4/protected6 maps: the
	 * host's own addresses, the list sources', `protect` in [daemon]):
	 * passed. Name rules are not overridden, so a packet a name rule
	 * decides is counted under that rule's verdict instead.
	 */
	XDPB_STAT_PROTECTED,
	XDPB_STAT_MAX,
};

/*
 * Datapath stages: programs of their own that the entry program
 * (`xdpblock`) tail-calls through the `stages` PROG_ARRAY, indexed by
 * this. Each is verified on its own, within its own budget, and loaded
 * only when the configuration has domain lists. The names are the
 * programs' (SEC("xdp") functions in bpf/xdpblock.bpf.c).
 */
enum xdpb_stage {
	XDPB_STAGE_DNS, /* a DNS query (UDP or TCP port 53): name, reply */
	XDPB_STAGE_WEB, /* a TCP segment to an HTTP or TLS port */
	XDPB_NR_STAGES,
};

struct xdpb_counter {
	__u64 packets;
	__u64 bytes;
};

/*
 * Rule hits a CPU has logged but not yet added to its slice of rule_stats
 * (bpf/counters.bpf.h says why). One per CPU in the mmapable `hit_logs`,
 * indexed by CPU. A full log is added in one pass when the next hit comes,
 * and a timer armed by a hit adds the log XDPB_HIT_LOG_FLUSH_NS later
 * (where the kernel lets it: docs/architecture.md, "Counters").
 *
 * Readers (userspace/datapath/loader.c): hit[0 .. count) are valid while fold_seq
 * stays the same even number; it is odd while the hits are being added,
 * and moves on once they are. rule_stats changes only then.
 */
#define XDPB_HIT_LOG_LEN 64 /* a power of two */
#define XDPB_HIT_LOG_FLUSH_NS 100000000ULL /* 100 ms */

struct xdpb_rule_hit {
	__u32 rule_id;
	__u32 bytes;
};

struct xdpb_hit_log {
	__u32 count;
	__u32 fold_seq;
	/*
	 * Set while this CPU's XDP program changes the log: the timer,
	 * which can interrupt a BPF_PROG_TEST_RUN on the same CPU, then
	 * tries again later instead of adding hits under its feet.
	 */
	__u32 busy;
	__u32 pad[13]; /* the hits start on their own cache line */
	struct xdpb_rule_hit hit[XDPB_HIT_LOG_LEN];
};

_Static_assert(sizeof(struct xdpb_hit_log) == 64 + 8 * XDPB_HIT_LOG_LEN,
	       "hit log layout");

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

/*
 * A trie node: 64 children, one per value of the next 6 bits, of
 * three kinds told apart by two bitmaps. The k-th set bit of @children is
 * node child_base + k, the k-th set bit of @singles single single_base +
 * k (each node's children and singles side by side in their arrays). The
 * other children are leaves, in runs of equal leaves, a run starting at
 * each set bit of @runs; the k-th run's leaf is run[k] when the node's
 * runs fit in its line (run_base == XDPB_TRIE_RUNS_INLINE), else entry
 * run_base + k of the run array. Mostly one run: the leaf the subtree
 * inherits.
 */
#define XDPB_TRIE_NODE_RUNS 7
#define XDPB_TRIE_RUNS_INLINE 0xffffffffu

struct xdpb_trie_node {
	union {
		struct {
			__u64 children;
			__u64 singles;
			__u64 runs;
			__u32 child_base;
			__u32 single_base;
			__u32 run_base;
			__u32 run[XDPB_TRIE_NODE_RUNS];
		};
		/* the line as words, for a masked index (see trie_step()) */
		__u32 word[16];
	};
};
/* the index in word[] of run[0] */
#define XDPB_TRIE_NODE_RUN_WORD 9

/*
 * A subtree's one prefix longer than its depth: an address inside
 * @addr/@plen takes leaf @leaf, any other address of the subtree leaf
 * @base (the leaf of the longest shorter prefix that covers the subtree,
 * or 0: none). Both leaves are copied into the line (@inside, @outside),
 * so that a single answers without a second, dependent read of the leaf
 * array: at 1M prefixes that read was a DRAM miss for every listed
 * address. The indices stay: the datapath reads "no leaf" from an index
 * of 0, userspace (the trie checks) which leaf a copy must equal.
 */
struct xdpb_trie_single {
	__u64 hi, lo; /* the prefix's first and last 64 bits, host order */
	struct xdpb_leaf inside; /* leaf @leaf */
	struct xdpb_leaf outside; /* leaf @base, zero if none */
	__u32 plen; /* 17..128 */
	__u32 leaf;
	__u32 base;
	__u32 pad;
};

/*
 * Single 0 of a trie with prefixes matches nothing (the all-zero
 * address's /32 or /64 over leaf 0, both leaves 0): root entries with
 * no rule and nothing below name it, so that they take the path of a
 * single, not one of their own (rules/plan.c, trie_set_no_single()).
 */
#define XDPB_TRIE_NO_SINGLE 0u

/*
 * Buckets: a root entry's subtree (an IPv4 /16, an IPv6 /19) with a few
 * prefixes longer than the root's bits, in one line: where a node and a
 * single below it would be two dependent reads, this is one. The
 * prefixes are longest first (0 ends the list), so the first that
 * contains an address is its longest match, and its leaf already
 * combines every rule on the shorter ones; an address inside none takes
 * @base. Stored in the family's node array (same size).
 */
#define XDPB_IP4_BUCKET_PREFIXES 6

struct xdpb_ip4_bucket {
	__u32 base;
	__u32 addr[XDPB_IP4_BUCKET_PREFIXES]; /* host order */
	__u32 leaf[XDPB_IP4_BUCKET_PREFIXES]; /* plen 17..32 */
	__u8 plen[XDPB_IP4_BUCKET_PREFIXES];
	__u8 pad[6];
};

/*
 * Three IPv6 prefixes fit a line because the root entry already fixed
 * their first 19 bits: @tag holds bits 19..63 at its top and the length
 * (20..128) in its low byte, @lo the last 64 bits.
 */
#define XDPB_IP6_BUCKET_PREFIXES 3
#define XDPB_IP6_BUCKET_PLEN_MASK 0xffull

struct xdpb_ip6_bucket {
	__u32 base;
	__u32 leaf[XDPB_IP6_BUCKET_PREFIXES];
	__u64 tag[XDPB_IP6_BUCKET_PREFIXES]; /* 0: the end of the list */
	__u64 lo[XDPB_IP6_BUCKET_PREFIXES];
};

/* Per-generation metadata. */
struct xdpb_gen_info {
	__u32 nr_v4_prefixes; /* distinct IPv4 prefixes; 0: no lookup */
	__u32 nr_v6_prefixes; /* distinct IPv6 prefixes; 0: no lookup */
	__u8 name_filter_log2; /* the name filter has 2^this bits */
	/*
	 * 1: IPv4 is looked up in tbl24 (every /16's group, group number =
	 * /16 number) instead of the trie: set for lists of several hundred
	 * thousand prefixes, see IP4_FLAT_MIN_PREFIXES in rules/plan.h.
	 */
	__u8 ip4_flat;
	__u32 nr_names; /* distinct names in the name table; 0: no DNS work */
	__u32 nr_name_slots; /* slots of the name table */
	__u64 name_slot_seed; /* xdpb_name_slot_home()'s */
	/*
	 * TCP server ports whose first data segments are parsed for an HTTP
	 * Host header / a TLS ClientHello's SNI, network order; 0 ends a
	 * list. In the generation, so a reload changes them atomically.
	 */
	__be16 http_ports[XDPB_MAX_WEB_PORTS];
	__be16 tls_ports[XDPB_MAX_WEB_PORTS];
	/*
	 * Different for every activation: a flow verdict remembered under
	 * another generation is ignored (see struct xdpb_flow_verdict).
	 */
	__u32 serial;
};

/* The name filter: an array of 512-bit chunks (one cache line each). */
struct xdpb_filter_chunk {
	__u64 word[8];
};

/*
 * Domain names.
 *
 * A name is matched in DNS wire format (length-prefixed labels), lower-
 * cased. Every label-boundary suffix of a name ("www.example.com",
 * "example.com", "com") has a 128-bit key: two 64-bit hash states run
 * over the suffix's labels from the right (the TLD side), so the key of
 * a suffix extends the key of the next shorter one by one label and one
 * walk over the name gives all of them. The name table holds one entry per
 * distinct listed name, keyed by that name's key; its value says what a
 * query for exactly that name gets (exact and suffix rules of the name,
 * suffix rules of its listed ancestors, all combined by userspace) and
 * what a query for a name below it gets (suffix rules only). The
 * datapath therefore only has to find the longest listed suffix of the
 * query name.
 *
 * Keys are 128 bits so that a name not on any list is never blocked: with
 * n listed names and a query name of at most 127 suffixes, the chance
 * that any suffix's key equals a listed key of a different name is at
 * most 127 * n / 2^128 for hash states that behave as random functions
 * (below 2^-100 for n = 2^20). The exact name text is not stored in the
 * datapath: comparing it would cost a second read of every hit.
 *
 * A filter (three bits per name in one 512-bit line per registered
 * domain, like the IPv6 filter) is read before each table lookup: all
 * suffixes of two or more labels of a query share the line chosen by its
 * last two labels, so a query whose names are not listed costs one
 * cache line, whatever the number of its labels. Three more bits per
 * proper suffix of a listed name ("above") let the walk stop at the
 * first suffix with no listed name below it.
 */
#define XDPB_NAME_MAX 255 /* wire format, with the root label */
#define XDPB_NAME_TEXT_MAX 253 /* text, without a trailing dot */
#define XDPB_LABEL_MAX 63
#define XDPB_NAME_MAX_LABELS 127
/* Scratch for one wire name: 256 bytes plus slack for 8-byte word reads. */
#define XDPB_NAME_BUF 320
#define XDPB_NAME_FILTER_BITS_PER_NAME 32
#define XDPB_NAME_FILTER_MIN_LOG2 16
#define XDPB_NAME_FILTER_MAX_LOG2 30
#define XDPB_DNS_PORT 53
#define XDPB_DNS_HLEN 12
/* The UDP payload size the OPT record of a reply advertises (RFC 9715). */
#define XDPB_DNS_EDNS_UDP_SIZE 1232

/* Rule kinds of domain rules. */
enum xdpb_name_kind {
	XDPB_NAME_SUFFIX = 0, /* the name and every name below it */
	XDPB_NAME_EXACT = 1, /* the name only */
};

struct xdpb_name_key {
	__u64 hash[2];
};

/*
 * The value of a listed name. prefixlen of a match holds the number of
 * labels of the deciding rule's name. Two views of the same rules: DNS
 * queries see every list but those whose action only makes sense on a
 * TCP connection (reset); TLS SNI and HTTP Host ("web") see every list but
 * those whose action is a DNS answer (nxdomain, refused). Each view is
 * resolved on its own, so a DNS-only rule never hides a web rule of a
 * shorter name, nor the other way round.
 */
struct xdpb_name_leaf {
	struct xdpb_match full; /* DNS: the query is this name */
	struct xdpb_match below; /* DNS: the query is a name below it */
	struct xdpb_match web_full; /* SNI / Host: this name */
	struct xdpb_match web_below; /* SNI / Host: a name below it */
};

/*
 * The name table: each listed name in one slot of an open-addressed,
 * mmapable array, filled whole by userspace (name_table_fill()). A slot
 * is one cache line holding the key and its leaf, so a lookup reads one
 * line where a BPF hash read a bucket and then an element (two cache
 * misses at 1M names). Keys are placed in Robin Hood order by linear
 * probing from their home slot, at most XDPB_NAME_MAX_PROBES - 1 slots
 * away (userspace picks another seed and more slots until that holds); a
 * search stops at an empty slot, or at a slot whose key is nearer its own
 * home than the search has gone (Robin Hood: the key cannot be further).
 */
#define XDPB_NAME_MAX_PROBES 16

struct xdpb_name_slot {
	struct xdpb_name_key key;
	struct xdpb_name_leaf leaf;
	__u16 used;
	__u16 dist; /* slots after its home */
	__u32 pad[3]; /* one slot per 64-byte line */
};

/*
 * The flow verdict cache (LRU hash "flow_verdict", flow_cache_entries in
 * [daemon]): once a name rule has blocked a TCP connection (drop, reset),
 * the client's later segments of it are decided from here, without
 * parsing, and counted on the same rule. Keyed client -> server only: the
 * server's segments are never looked up (it has nothing to send once the
 * request it never got is dropped). IPv4 addresses take the first four
 * bytes of the address fields, the rest zero.
 */
struct xdpb_flow_key {
	__u8 client[16];
	__u8 server[16];
	__be16 client_port;
	__be16 server_port;
	__u8 is_ipv6;
	__u8 pad[3];
};

/*
 * A remembered verdict holds for the generation it was made in only
 * (gen_serial = gen_info.serial): after a reload the flow's next
 * ClientHello or request, if the client retransmits it, is matched
 * against the new rules, and a rule id the reload released is never
 * counted again through a stale entry.
 */
struct xdpb_flow_verdict {
	struct xdpb_match match;
	__u32 gen_serial;
	/*
	 * A DNS query over TCP answered in the server's place (match.action
	 * nxdomain, refused or sinkhole): the sequence number the server
	 * still expects (the query's), for the RST that closes its side,
	 * and whether that RST has gone.
	 */
	__u32 server_seq;
	__u32 server_reset;
	__u32 pad;
};

#define XDPB_DEFAULT_FLOW_CACHE_ENTRIES 262144

/*
 * The notice addresses of a sinkhole list (map "sinkhole_addrs", indexed
 * by list id): a DNS query for a name the list decides gets an answer
 * with the address of its QTYPE (A or AAAA), or no answer (NOERROR,
 * NODATA) when the list has none of that family or the QTYPE is another.
 */
struct xdpb_sinkhole {
	__u8 v6[16];
	__be32 v4;
	__u8 has_v4, has_v6;
	__u8 pad[2];
};

#define XDPB_SINKHOLE_TTL 60 /* seconds, of the answer record */

struct xdpb_iface_stats {
	struct xdpb_counter stat[XDPB_STAT_MAX];
};

/*
 * Where an interface's counters live (docs/architecture.md, "Counters"):
 * in slot ifindex % XDPB_IFACE_SLOTS of iface_slots, a per-CPU array,
 * when no other registered interface holds that slot (@ifindex says
 * whose it is, 0: free); else in iface_spill, a per-CPU hash keyed by
 * ifindex. Every packet is counted on its interface, and an array slot
 * costs an index where the hash cost a hash and a probe.
 */
#define XDPB_IFACE_SLOTS 64

struct xdpb_iface_slot {
	__u32 ifindex;
	__u32 pad;
	struct xdpb_iface_stats stats;
};

_Static_assert(sizeof(struct xdpb_counter) == 16, "counter layout");
_Static_assert(__builtin_offsetof(struct xdpb_iface_slot, stats) == 8,
	       "iface slot layout");
_Static_assert(sizeof(struct xdpb_match) == 8, "match layout");
_Static_assert(sizeof(struct xdpb_leaf) == 16, "leaf layout");
_Static_assert(sizeof(struct xdpb_trie_node) == 64, "trie node: one line");
_Static_assert(__builtin_offsetof(struct xdpb_trie_node, run) ==
		       XDPB_TRIE_NODE_RUN_WORD * 4,
	       "trie node: where the runs start");
_Static_assert(sizeof(struct xdpb_trie_single) == 64, "trie single layout");
_Static_assert(sizeof(struct xdpb_ip4_bucket) ==
			       sizeof(struct xdpb_trie_node) &&
		       sizeof(struct xdpb_ip6_bucket) ==
			       sizeof(struct xdpb_trie_node),
	       "a bucket takes a node's place");
_Static_assert(XDPB_IP6_ROOT_BITS >= 8,
	       "the IPv6 bucket's tag has the root's bits free for the length");
_Static_assert(sizeof(struct xdpb_gen_info) == 72, "gen info layout");
_Static_assert(sizeof(struct xdpb_tbl_chunk) == 64, "chunk layout");
_Static_assert(XDPB_TBL8_GROUP_SIZE % XDPB_TBL_CHUNK == 0 &&
		       XDPB_TBL24_GROUP_SIZE % XDPB_TBL_CHUNK == 0 &&
		       XDPB_TBL16_ENTRIES % XDPB_TBL_CHUNK == 0 &&
		       XDPB_TRIE_ROOT_ENTRIES(0) % XDPB_TBL_CHUNK == 0,
	       "tables and groups are whole chunks");
_Static_assert(sizeof(struct xdpb_name_slot) == 64, "name slot layout");
_Static_assert(sizeof(struct xdpb_filter_chunk) == 64, "filter chunk layout");
_Static_assert(sizeof(struct xdpb_name_key) == 16, "name key layout");
_Static_assert(sizeof(struct xdpb_name_leaf) == 32, "name leaf layout");
_Static_assert(sizeof(struct xdpb_flow_key) == 40, "flow key layout");
_Static_assert(sizeof(struct xdpb_flow_verdict) == 24, "flow verdict layout");
_Static_assert(sizeof(struct xdpb_sinkhole) == 24, "sinkhole layout");

/*
 * The protected set (maps protected4, protected6): prefixes no address
 * rule may block, looked up only when an address rule would drop a
 * packet. Keys as BPF_MAP_TYPE_LPM_TRIE wants them (the length, then
 * the address in network order); the value says why the prefix is
 * protected (enum xdpb_protect_kind bits, for userspace).
 */
#define XDPB_MAX_PROTECTED 1024 /* per family */

enum xdpb_protect_kind {
	XDPB_PROTECT_HOST = 1u << 0, /* an address of the host's interfaces */
	XDPB_PROTECT_SOURCE = 1u << 1, /* a list source the daemon fetches */
	XDPB_PROTECT_OPERATOR = 1u << 2, /* `protect =` in [daemon] */
};

struct xdpb_protect4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct xdpb_protect6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

_Static_assert(sizeof(struct xdpb_protect4_key) == 8, "protect4 key layout");
_Static_assert(sizeof(struct xdpb_protect6_key) == 20, "protect6 key layout");

/*
 * The protected set's hint (map protected_hint, index 0 IPv4, 1 IPv6):
 * one bit per slot of 2^16, set when some protected prefix of the family
 * overlaps the slot. The datapath asks the LPM tries only for an address
 * whose slot's bit is set: a drop then costs two bit tests instead of two
 * trie lookups, as long as the protected set (the host's own addresses,
 * a few operator prefixes) is far from the dropped traffic.
 *
 * An address's slot is the root index of its trie, modulo 2^16: the /16
 * of an IPv4 address, bits 3 to 18 of an IPv6 address (its /19 within
 * 2000::/3, where global unicast is; other /3s share the slots, which
 * only costs them a lookup). A bit set too many is a wasted lookup; a
 * bit missing would drop a protected address, so userspace sets the
 * union of the old and the new set's bits before it changes the tries.
 */
#define XDPB_PROTECT_HINT_SLOTS (1u << 16)

struct xdpb_protect_hint {
	__u64 word[XDPB_PROTECT_HINT_SLOTS / 64];
};

/* The hint slot of the address whose first 64 bits (host order) are @hi. */
#define XDPB_PROTECT_HINT_SLOT(hi, v4)                     \
	((__u32)((hi) >> (64 - XDPB_TRIE_ROOT_BITS(v4))) & \
	 (XDPB_PROTECT_HINT_SLOTS - 1))

_Static_assert(XDPB_IP4_ROOT_BITS >= 16 && XDPB_IP6_ROOT_BITS >= 16,
	       "a hint slot is the root index modulo 2^16");

/* Default max_rules_ipv4 / max_rules_ipv6 (config [daemon]). */
#define XDPB_DEFAULT_MAX_RULES_V4 1048576
#define XDPB_DEFAULT_MAX_RULES_V6 1048576
#define XDPB_DEFAULT_MAX_RULES_DOMAIN 1048576
#define XDPB_MAX_IFACES 256

#endif /* XDPBLOCK_ABI_H */
