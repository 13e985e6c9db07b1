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
 *   IPv6: one hash holding every prefix (keyed by length and masked
 *   address), tried longest length first. A blocked Bloom filter (three
 *   bits per key in one cache line, XDPB_V6_FILTER_BITS_PER_PREFIX bits
 *   per prefix) is read before each hash lookup, so a length with no such
 *   prefix costs a bit test. All lengths from 32 up keep their keys in the
 *   line chosen by the address's first 32 bits, so a passing address
 *   reads one filter line (plus the few, cached lines of shorter lengths)
 *   and a hash lookup only on a false positive; source and destination
 *   are searched side by side, so their two line reads overlap.
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
/* IPv6 filter size: this many bits per prefix, a power of two in between */
#define XDPB_V6_FILTER_BITS_PER_PREFIX 32
#define XDPB_V6_FILTER_MIN_LOG2 16
#define XDPB_V6_FILTER_MAX_LOG2 30
/* http_ports, tls_ports: at most this many of each */
#define XDPB_MAX_WEB_PORTS 8
#define XDPB_DEFAULT_HTTP_PORT 80
#define XDPB_DEFAULT_TLS_PORT 443
#define XDPB_DEFAULT_DOT_PORT 853 /* DNS over TLS */

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
 * Readers (userspace/loader.c): hit[0 .. count) are valid while fold_seq
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

/* IPv6 prefix hash key: the address masked to prefixlen. */
struct xdpb_ip6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* Per-generation metadata. */
struct xdpb_gen_info {
	__u32 nr_v6_lengths; /* distinct IPv6 prefix lengths present */
	__u8 v6_lengths[XDPB_V6_MAX_LENGTHS]; /* longest first */
	__u8 v6_filter_log2; /* the IPv6 filter has 2^this bits */
	__u8 name_filter_log2; /* the name filter has 2^this bits */
	__u8 pad;
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

/* The IPv6 and name filters: arrays of 512-bit chunks (one cache line each). */
struct xdpb_filter_chunk {
	__u64 word[8];
};

/*
 * Pure helpers both sides run, so the datapath and the userspace model of
 * it (tests/unit) share one definition. Plain C on __u32: no BPF helpers.
 */

/* Network-order mask of the first @bits (clamped to 0..32) bits of a word. */
static inline __u32 xdpb_word_mask(__s32 bits)
{
	__u32 mask;

	if (bits <= 0)
		return 0;
	if (bits >= 32)
		return 0xffffffff;
	mask = 0xffffffffu << (32 - bits);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	mask = __builtin_bswap32(mask);
#endif
	return mask;
}

/* @out = the IPv6 address @addr (four words as loaded) masked to @plen. */
static inline void xdpb_ip6_mask(const __u32 *addr, __u32 plen, __u32 *out)
{
	out[0] = addr[0] & xdpb_word_mask(plen);
	out[1] = addr[1] & xdpb_word_mask(plen - 32);
	out[2] = addr[2] & xdpb_word_mask(plen - 64);
	out[3] = addr[3] & xdpb_word_mask(plen - 96);
}

/*
 * The rule that decides a packet: the higher action of the source-side and
 * destination-side matches, then the longer prefix, then the source side.
 * NULL when neither side has a rule.
 */
static inline const struct xdpb_match *
xdpb_decide(const struct xdpb_leaf *src_leaf, int have_src,
	    const struct xdpb_leaf *dst_leaf, int have_dst)
{
	const struct xdpb_match *s = have_src ? &src_leaf->dir[XDPB_DIR_SRC]
					      : 0;
	const struct xdpb_match *d = have_dst ? &dst_leaf->dir[XDPB_DIR_DST]
					      : 0;

	if (s && s->action == XDPB_ACT_NONE)
		s = 0;
	if (d && d->action == XDPB_ACT_NONE)
		d = 0;
	if (!s)
		return d;
	if (!d)
		return s;
	if (d->action != s->action)
		return d->action > s->action ? d : s;
	return d->prefixlen > s->prefixlen ? d : s;
}

/*
 * The hash of an IPv6 key: @w is the masked address as four 32-bit words
 * loaded from its bytes (the same on both sides), @plen its length.
 * Multiply-xor hashing: cheap in BPF, and one definition for both sides.
 */
static inline __u32 xdpb_ip6_filter_hash(const __u32 *w, __u32 plen)
{
	__u64 h = (__u64)w[0] * 0x9e3779b97f4a7c15ULL;

	h ^= (__u64)w[1] * 0xc2b2ae3d27d4eb4fULL;
	h ^= (__u64)w[2] * 0x165667b19e3779f9ULL;
	h ^= (__u64)w[3] * 0xd6e8feb86659fd93ULL;
	h ^= (__u64)(plen + 1) * 0xff51afd7ed558ccdULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return (__u32)(h ^ (h >> 32));
}

/*
 * The filter chunk (one 64-byte line) of a key, below @chunk_mask
 * (2^n - 1). Keys are confined to a chunk chosen by a part of the address
 * every length of their tier shares: lengths 32..128 by the first 32
 * bits, lengths 16..31 by the first 16, and each length under 16 has a
 * chunk of its own. Looking an address up then touches one chunk per
 * tier, not one per length; the chunks of the short tiers are few and
 * stay cached.
 */
static inline __u32 xdpb_ip6_filter_chunk(const __u32 *w, __u32 plen,
					  __u32 chunk_mask)
{
	__u32 first16, chunk;

	/* the address's first two bytes, whatever the byte order */
	__builtin_memcpy(&first16, w, 2);
	__builtin_memset((char *)&first16 + 2, 0, 2);
	if (plen < 16)
		chunk = (__u32)(((__u64)(plen + 1) * 0xd6e8feb86659fd93ULL) >>
				32);
	else if (plen < 32)
		chunk = (__u32)(((__u64)first16 * 0xc2b2ae3d27d4eb4fULL) >> 32);
	else
		chunk = (__u32)(((__u64)w[0] * 0x9e3779b97f4a7c15ULL) >> 32);
	return chunk & chunk_mask;
}

/*
 * A key sets XDPB_FILTER_KEY_BITS bits of its chunk, 9-bit positions
 * taken from its hash, and the filter says "maybe" only when all are set.
 * Three bits per key keep false positives rare (under 0.1 % per probe at
 * 32 bits per prefix) in a filter small enough to stay in the last-level
 * cache, where one bit per key needed eight times the memory.
 */
#define XDPB_FILTER_KEY_BITS 3

static inline void xdpb_filter_chunk_add(struct xdpb_filter_chunk *c, __u32 h)
{
	for (int k = 0; k < XDPB_FILTER_KEY_BITS; k++, h >>= 9)
		c->word[(h >> 6) & 7] |= 1ULL << (h & 63);
}

static inline int xdpb_filter_chunk_has(const struct xdpb_filter_chunk *c,
					__u32 h)
{
	__u64 all = 1;

	for (int k = 0; k < XDPB_FILTER_KEY_BITS; k++, h >>= 9)
		all &= c->word[(h >> 6) & 7] >> (h & 63);
	return all & 1;
}

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
 * cache line, whatever the number of its labels.
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
 * The home slot of @key among @nr_slots, under the table's @seed (random
 * per build: names chosen to collide in one table do not in the next).
 */
static inline __u32 xdpb_name_slot_home(const struct xdpb_name_key *key,
					__u64 seed, __u32 nr_slots)
{
	__u64 h = (key->hash[0] ^ seed) * 0x9e3779b97f4a7c15ULL;

	h ^= key->hash[1] * 0xc2b2ae3d27d4eb4fULL;
	h ^= h >> 32;
	return (__u32)(((h & 0xffffffffULL) * nr_slots) >> 32);
}

/* Two hash states over the labels seen so far (from the right). */
struct xdpb_name_state {
	__u64 h[2];
};

static inline void xdpb_name_state_init(struct xdpb_name_state *st)
{
	st->h[0] = 0x6a09e667f3bcc908ULL;
	st->h[1] = 0xbb67ae8584caa73bULL;
}

/*
 * Lower-case the ASCII letters of eight bytes at once: a byte gets 0x20
 * when it is in 'A'..'Z'. Other bytes (digits, '-', '_', bytes >= 0x80)
 * are left as they are.
 */
static inline __u64 xdpb_lower8(__u64 w)
{
	const __u64 ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	__u64 low7 = w & ~high;
	__u64 ge_a = low7 + ones * (0x80 - 'A');
	__u64 gt_z = low7 + ones * (0x80 - 'Z' - 1);

	return w | (((ge_a & ~gt_z & ~w) & high) >> 2);
}

/*
 * All ones if @v is negative, else 0. In BPF through asm: clang turns the
 * shift-and-mask clamps below back into compares, and BPF has no select,
 * so each became a branch; eight words of two branches each were 2^16
 * paths to Linux 6.1's verifier, which in a callback cannot tell that
 * their values do not matter (about 170,000 instructions per stage).
 */
static inline __s64 xdpb_sign_mask(__s64 v)
{
#ifdef __bpf__
	asm volatile("%[v] s>>= 63" : [v] "+r"(v));
	return v;
#else
	return v < 0 ? -1 : 0;
#endif
}

/*
 * The first min(max(@n, 0), 8) bytes of a word as loaded from memory.
 * Without branches: two shifts by 4n stay below 64 for n = 8.
 */
static inline __u64 xdpb_first_bytes(__s32 n)
{
	__s64 m = n, over;
	__u64 k;

	m &= ~xdpb_sign_mask(m); /* max(n, 0) */
	over = m - 8;
	m -= over & ~xdpb_sign_mask(over); /* min(m, 8) */
	k = (__u64)m * 4;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return ((1ULL << k) << k) - 1;
#else
	return ~((~0ULL >> k) >> k);
#endif
}

/*
 * Eight bytes from anywhere. In BPF a plain 8-byte load: memcpy from a
 * byte pointer would become eight byte loads, and the verifier accepts
 * unaligned map value reads where the CPU does (x86, arm64).
 */
static inline __u64 xdpb_load64(const __u8 *p)
{
#ifdef __bpf__
	return *(const __u64 *)p;
#else
	__u64 w;

	__builtin_memcpy(&w, p, 8);
	return w;
#endif
}

static inline __u64 xdpb_mix64(__u64 h, __u64 w, __u64 mul, __u32 shift)
{
	h ^= w;
	h *= mul;
	return h ^ (h >> shift);
}

/*
 * Mix one label into @st: its length byte at @buf[@off] (1..63, already
 * checked), its bytes after it, lower-cased. @buf holds XDPB_NAME_BUF
 * bytes and @off <= 254, so the eight word reads stay inside it (the
 * masks keep the verifier sure of that). Both sides run this very code.
 */
static inline void xdpb_name_mix_label(struct xdpb_name_state *st,
				       const __u8 *buf, __u32 off)
{
	__u32 len;

	off &= 0xff;
	len = buf[off] & XDPB_LABEL_MAX;
	st->h[0] = xdpb_mix64(st->h[0], len + 1, 0x9e3779b97f4a7c15ULL, 29);
	st->h[1] = xdpb_mix64(st->h[1], len + 1, 0xc2b2ae3d27d4eb4fULL, 31);
	/*
	 * Always eight words, the ones past the label masked to zero: the
	 * length went in first, so this is still one input per label, and a
	 * branch per word multiplies the states the verifier walks.
	 */
#ifdef __clang__
#pragma unroll
#endif
	for (__u32 i = 0; i < 8; i++) {
		__u64 w = xdpb_load64(buf + off + 1 + i * 8);

		w = xdpb_lower8(w &
				xdpb_first_bytes((__s32)len - (__s32)i * 8));
		st->h[0] = xdpb_mix64(st->h[0], w, 0xbf58476d1ce4e5b9ULL, 32);
		st->h[1] = xdpb_mix64(st->h[1], w, 0x94d049bb133111ebULL, 29);
	}
}

/* The key of the suffix whose labels @st has taken in. */
static inline void xdpb_name_key_of(const struct xdpb_name_state *st,
				    struct xdpb_name_key *key)
{
	__u64 a = st->h[0], b = st->h[1];

	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdULL;
	a ^= a >> 33;
	b ^= b >> 31;
	b *= 0xd6e8feb86659fd93ULL;
	b ^= b >> 32;
	key->hash[0] = a;
	key->hash[1] = b;
}

/*
 * The name filter chunk (a 512-bit line) of a key, below @chunk_mask
 * (2^n - 1): picked by @anchor, the key of the name's last two labels
 * (the key itself for a one-label name). The key's own bits in the chunk
 * are xdpb_filter_chunk_add/has() of (__u32)key->hash[1].
 */
static inline __u32 xdpb_name_filter_chunk(const struct xdpb_name_key *anchor,
					   __u32 chunk_mask)
{
	return (__u32)(anchor->hash[0] >> 32) & chunk_mask;
}

/*
 * Where a domain rule stands against the match @m already chosen: allow
 * beats any block, a block beats monitor; within that the rule of the
 * name with more labels (the more specific), then the higher action,
 * then the lower list id. Returns non-zero if (@action, @labels,
 * @list_id) beats @m.
 */
static inline int xdpb_action_class(__u32 action)
{
	switch (action) {
	case XDPB_ACT_NONE:
		return 0;
	case XDPB_ACT_MONITOR:
		return 1;
	case XDPB_ACT_ALLOW:
		return 3;
	default:
		return 2; /* drop and the replies */
	}
}

/*
 * Does a domain rule of @action take part in the DNS view (@web 0) or the
 * TLS SNI / HTTP Host view (@web 1) of a name? The DNS answers mean
 * nothing on a TCP connection to a web server (nxdomain, refused,
 * sinkhole), and a reset nothing to a DNS query; an operator who wants
 * both writes two lists.
 */
static inline int xdpb_action_in_view(__u32 action, int web)
{
	if (web)
		return action != XDPB_ACT_NXDOMAIN &&
		       action != XDPB_ACT_REFUSED &&
		       action != XDPB_ACT_SINKHOLE;
	return action != XDPB_ACT_RESET;
}

static inline int xdpb_name_rule_beats(__u32 action, __u32 labels,
				       __u32 list_id,
				       const struct xdpb_match *m)
{
	if (xdpb_action_class(action) != xdpb_action_class(m->action))
		return xdpb_action_class(action) > xdpb_action_class(m->action);
	if (labels != m->prefixlen)
		return labels > m->prefixlen;
	if (action != m->action)
		return action > m->action;
	return list_id < m->list_id;
}

/*
 * The rule that decides a DNS query packet, from the address verdict
 * @ip (NULL: no address rule) and the name verdict @name (NULL: none).
 * An address allow wins over everything. A name allow only lifts name
 * blocks: an address drop stands. Otherwise the higher action, and on a
 * tie the address rule.
 */
static inline const struct xdpb_match *
xdpb_decide_name(const struct xdpb_match *ip, const struct xdpb_match *name)
{
	if (!name || name->action == XDPB_ACT_NONE)
		return ip;
	if (!ip)
		return name;
	if (ip->action == XDPB_ACT_ALLOW)
		return ip;
	if (name->action == XDPB_ACT_ALLOW)
		return ip->action == XDPB_ACT_DROP ? ip : name;
	return name->action > ip->action ? name : ip;
}

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

_Static_assert(sizeof(struct xdpb_counter) == 16, "counter layout");
_Static_assert(sizeof(struct xdpb_match) == 8, "match layout");
_Static_assert(sizeof(struct xdpb_leaf) == 16, "leaf layout");
_Static_assert(sizeof(struct xdpb_ip6_key) == 20, "ip6 key layout");
_Static_assert(sizeof(struct xdpb_gen_info) == 192, "gen info layout");
_Static_assert(sizeof(struct xdpb_tbl_chunk) == 64, "chunk layout");
_Static_assert(XDPB_TBL8_GROUP_SIZE % XDPB_TBL_CHUNK == 0,
	       "groups are whole chunks");
_Static_assert(sizeof(struct xdpb_name_slot) == 64, "name slot layout");
_Static_assert(sizeof(struct xdpb_filter_chunk) == 64, "filter chunk layout");
_Static_assert(sizeof(struct xdpb_name_key) == 16, "name key layout");
_Static_assert(sizeof(struct xdpb_name_leaf) == 32, "name leaf layout");
_Static_assert(sizeof(struct xdpb_flow_key) == 40, "flow key layout");
_Static_assert(sizeof(struct xdpb_flow_verdict) == 24, "flow verdict layout");
_Static_assert(sizeof(struct xdpb_sinkhole) == 24, "sinkhole layout");

/* Default max_rules_ipv4 / max_rules_ipv6 (config [daemon]). */
#define XDPB_DEFAULT_MAX_RULES_V4 1048576
#define XDPB_DEFAULT_MAX_RULES_V6 1048576
#define XDPB_DEFAULT_MAX_RULES_DOMAIN 1048576
#define XDPB_MAX_IFACES 256

/*
 * Pinned daemon state (userspace only; the XDP program never reads it).
 * A daemon that stops with --keep-attached, or dies, leaves the program
 * attached and its maps pinned; the next daemon adopts them. What it needs
 * beyond the maps the program uses is here: which rule id belongs to which
 * (list, prefix), so per-rule counters continue, and which list id names
 * which list. A copy is written for each generation before the switch to
 * it, so the copy of the active generation always matches what the
 * datapath runs, whenever the daemon dies.
 *
 * Bump XDPB_PIN_LAYOUT_VERSION whenever the layout of any pinned map
 * changes: a daemon finding another version starts fresh (no gap in
 * filtering, but counters restart) instead of misreading the old maps.
 */
/*
 * 2: domain rules, actions renumbered; 3: web views, ports, reset, flows;
 * 4: the name table (an array) instead of a name hash;
 * 5: per-CPU rule hit logs before rule_stats;
 * 6: iface_stats counts missed stage calls (stage_missed)
 */
#define XDPB_PIN_LAYOUT_VERSION 6
#define XDPB_PIN_MAGIC 0x58445042 /* "XDPB" */
#define XDPB_LIST_NAME_MAX 64

/* pinned "meta": what the pinned maps were made for */
struct xdpb_pin_meta {
	__u32 magic;
	__u32 layout_version;
	__u32 rule_id_capacity; /* sizes rule_stats */
	__u32 nr_cpus;
};

struct xdpb_pinned_list {
	char name[XDPB_LIST_NAME_MAX]; /* "" = id unused */
	__u8 action; /* enum xdpb_action */
	__u8 match; /* enum xdpb_match_dirs */
	__u8 is_domain; /* a domain list */
	/* the daemon's enum list_format as read; 0 (auto) if not recorded */
	__u8 format;
	__u8 pad[4];
};

/* pinned "gen<N>_state": the daemon's view of generation slot N */
struct xdpb_pinned_gen {
	__u32 magic;
	__u32 layout_version;
	__u64 generation; /* successful activations, as in status */
	__u32 nr_rules_v4; /* records in gen<N>_rules4 (set by the writer) */
	__u32 nr_rules_v6; /* records in gen<N>_rules6 (set by the writer) */
	__u32 nr_names; /* records in gen<N>_names (set by the writer) */
	__u32 name_text_bytes; /* bytes used in gen<N>_nametext */
	struct xdpb_pinned_list lists[XDPB_MAX_LISTS]; /* by list_id */
};

/* one element of "gen<N>_rules4" */
struct xdpb_pinned_rule4 {
	__be32 addr;
	__u32 rule_id;
	__u32 line; /* in the list file, for lookups */
	__u16 list_id;
	__u8 prefixlen;
	__u8 pad;
};

/* one element of "gen<N>_rules6" */
struct xdpb_pinned_rule6 {
	__u8 addr[16];
	__u32 rule_id;
	__u32 line;
	__u16 list_id;
	__u8 prefixlen;
	__u8 pad[5];
};

/*
 * one element of "gen<N>_names"; the names themselves are in
 * "gen<N>_nametext" (an array of 64-byte chunks read as one byte string),
 * NUL-terminated, in lower-case text form
 */
struct xdpb_pinned_name {
	__u32 text_off;
	__u32 rule_id;
	__u32 line;
	__u16 list_id;
	__u8 kind; /* enum xdpb_name_kind */
	/*
	 * enum xdpb_action of the rule (adblock "@@", RPZ records differ
	 * from their list's); 0 in records written before it was kept
	 * (then the list's action, as then every rule had)
	 */
	__u8 action;
};

/* pinned "daemon_counters": the daemon's own counters, across restarts */
struct xdpb_daemon_counters {
	__u64 reloads_total;
	__u64 reload_failures_total;
	/* by the daemon's enum reload_failure; unused slots stay zero */
	__u64 reload_failures_by_reason[14];
};

_Static_assert(sizeof(struct xdpb_pin_meta) == 16, "pin meta layout");
_Static_assert(sizeof(struct xdpb_pinned_list) == 72, "pinned list layout");
_Static_assert(sizeof(struct xdpb_pinned_rule4) == 16, "rule4 record layout");
_Static_assert(sizeof(struct xdpb_pinned_rule6) == 32, "rule6 record layout");
_Static_assert(sizeof(struct xdpb_pinned_name) == 16, "name record layout");
_Static_assert(sizeof(struct xdpb_daemon_counters) == 128,
	       "daemon counters layout");

#endif /* XDPBLOCK_MAPS_H */
