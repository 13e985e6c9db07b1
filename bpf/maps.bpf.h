/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every map the programs use, each declared here only, with the per-CPU
 * scratch types some of them hold. Layouts userspace shares come from
 * maps/xdpblock_maps.h.
 */
#ifndef XDPBLOCK_MAPS_BPF_H
#define XDPBLOCK_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "../maps/xdpblock_maps.h"

/* DNS bytes kept in the scratch: header, a maximal name and question, OPT. */
#define XDPB_DNS_SCRATCH 512

/*
 * The stage programs (enum xdpb_stage) the entry program tail-calls;
 * filled by userspace with the stages it loaded. Pinned: a tail call
 * through it works only while some file or process holds it, and the
 * attached program must go on matching names when the daemon is gone.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, XDPB_NR_STAGES);
	__type(key, __u32);
	__type(value, __u32);
} stages SEC(".maps");

/* Index of the generation every packet uses; flipped by userspace last. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} active_gen SEC(".maps");

/* Per-generation metadata (IPv6 prefix lengths present). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__type(value, struct xdpb_gen_info);
} gen_info SEC(".maps");

/*
 * Inner-map templates. Userspace creates real inner maps of the same type
 * and flags per reload; BPF_F_INNER_MAP lets their sizes differ. Sizes, not
 * __type(): clang emits only forward declarations for struct types reached
 * solely through a template, and libbpf cannot size those.
 */
struct chunk_array_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct xdpb_tbl_chunk));
};

/*
 * The trie roots always have one entry per /16 (IPv4) or /19 (IPv6): a
 * fixed size, so no BPF_F_INNER_MAP, and the verifier inlines their
 * lookups (an inner array with BPF_F_INNER_MAP costs a helper call per
 * lookup, about 3 ns, and every address starts here).
 */
struct ip4_root_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPB_TRIE_ROOT_ENTRIES(1) / XDPB_TBL_CHUNK);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct xdpb_tbl_chunk));
};

struct ip6_root_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPB_TRIE_ROOT_ENTRIES(0) / XDPB_TBL_CHUNK);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct xdpb_tbl_chunk));
};

struct leaf_array_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct xdpb_leaf));
};

struct filter_array_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct xdpb_filter_chunk));
};

struct ip4_host_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__be32));
	__uint(value_size, sizeof(__u32));
};

struct trie_node_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct xdpb_trie_node));
};

struct trie_single_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct xdpb_trie_single));
};

struct name_table_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct xdpb_name_slot));
};

/*
 * IPv4 trie root: one entry per /16 (leaf, single or node), as for IPv6;
 * unused in a flat generation (gen_info.ip4_flat).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct ip4_root_inner);
} ip4_root_gens SEC(".maps");

/* IPv4 trie nodes, runs and singles, as for IPv6 below. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct trie_node_inner);
} ip4_node_gens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct chunk_array_inner);
} ip4_run_gens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct trie_single_inner);
} ip4_single_gens SEC(".maps");

/*
 * A flat IPv4 generation's tables (DIR-24-8): tbl24, one 256-entry group
 * per /16, in /16 order (64 MiB), one entry per /24.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct chunk_array_inner);
} ip4_tbl24_gens SEC(".maps");

/* IPv4 tbl8: 256-entry groups for /24s holding /25../31 prefixes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct chunk_array_inner);
} ip4_tbl8_gens SEC(".maps");

/* IPv4 /32 rules: address -> leaf index. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct ip4_host_inner);
} ip4_host_gens SEC(".maps");

/* IPv4 resolved leaves, indexed by the tables above (0 = no match). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct leaf_array_inner);
} ip4_leaf_gens SEC(".maps");

/* IPv6 trie root: one entry per /19 (leaf, single or node). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct ip6_root_inner);
} ip6_root_gens SEC(".maps");

/* IPv6 trie nodes (struct xdpb_trie_node). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct trie_node_inner);
} ip6_node_gens SEC(".maps");

/* IPv6 trie: the runs of nodes whose runs do not fit in the node. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct chunk_array_inner);
} ip6_run_gens SEC(".maps");

/* IPv6 trie: subtrees of one prefix (struct xdpb_trie_single). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct trie_single_inner);
} ip6_single_gens SEC(".maps");

/* IPv6 resolved leaves, indexed by the trie's entries (0 = no match). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct leaf_array_inner);
} ip6_leaf_gens SEC(".maps");

/* Listed domain names: the name table (struct xdpb_name_slot). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct name_table_inner);
} name_gens SEC(".maps");

/* Name filter: three bits per listed name, a line per 2-label suffix. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPB_NR_GENS);
	__type(key, __u32);
	__array(values, struct filter_array_inner);
} name_filter_gens SEC(".maps");

/*
 * Per-CPU scratch for one DNS message: its first bytes are copied here to
 * walk the name (bpf_loop callbacks index a map value more easily than the
 * packet) and the reply is assembled here before it is written back.
 */
/* Headers moved to the front when a reply grows there (dns_reply()). */
#define XDPB_DNS_HDR_MOVE 128

/* TCP options: at most 40 bytes; 64 so offsets can be masked */
#define XDPB_TCP_OPT_ROOM 64

/* Where the probe of one key in the name table stands (bpf/dns.bpf.h). */
struct name_probe_state {
	__u64 hash[2]; /* the key */
	__u32 index; /* the slot to read next */
	__u32 nr_slots; /* of the name table */
	__u32 found; /* 1 + the slot that holds the key; 0: none */
	__u32 pad;
};

/* Where the match of a name's suffixes stands (bpf/dns.bpf.h). */
struct name_match_state {
	__u32 chunk_mask; /* name filter chunks - 1 */
	__u32 pad;
	__u64 seed; /* the name table's */
	__u32 nr_labels;
	__u32 found_labels; /* labels of the longest listed suffix, 0: none */
	__u32 web; /* the view: 0 DNS, 1 TLS SNI / HTTP Host */
	struct xdpb_name_state st;
	struct xdpb_name_key anchor; /* key of the last two labels */
	/* the longest listed suffix's leaf, in the view asked for only */
	struct xdpb_match full, below;
};

struct dns_scratch {
	struct name_match_state match;
	struct name_probe_state probe;
	__u8 msg[XDPB_DNS_SCRATCH];
	__u8 label_off[XDPB_NAME_MAX_LABELS + 1]; /* of each label in the name */
	__u8 hdr[XDPB_DNS_HDR_MOVE];
	/* DNS over TCP: the query's options, then our reply's options and length */
	__u8 tcp_opt[XDPB_TCP_OPT_ROOM];
	__u8 tcp_tail[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_scratch);
} dns_scratch SEC(".maps");

/*
 * Per-CPU window onto one TCP segment's payload (HTTP Host, TLS SNI):
 * XDPB_WEB_WIN bytes (a power of two, offsets are masked) and slack for
 * the 8-byte reads at its end.
 */
#define XDPB_WEB_WIN 4096

/*
 * Where a ClientHello walk stands (bpf/web.bpf.h). It lives in a map
 * value, not on the stack: the verifier knows nothing of a map value's
 * contents, so it checks the walk's bpf_loop() callback once for all its
 * stages instead of once per stage it could tell apart.
 */
struct tls_parse {
	__u32 base, end; /* stream offsets of win[0] and of the data's end */
	__u32 want; /* stream offset of the next field */
	__u32 rec_end, hello_end, ext_end, sni_end;
	__u32 name_len;
	__u32 stage; /* enum tls_stage */
	__u32 state; /* enum tls_state */
};

/*
 * A ClientHello walk in progress over several segments of one flow: the
 * walk, where the stream starts in TCP sequence space, and the bytes of
 * a field the last segment cut in two (at most a server_name extension's
 * header, list header and a 254-byte name: 263 bytes).
 */
#define XDPB_TLS_CARRY 320
/* segments a ClientHello may take (a 16 KiB record in 1 KiB segments) */
#define XDPB_TLS_MAX_SEGMENTS 16
#define XDPB_TLS_PENDING_ENTRIES 16384

struct tls_pending {
	struct tls_parse tp; /* base: the stream offset of carry[0] */
	__u32 seq0; /* TCP sequence number of stream offset 0 */
	__u32 next_off; /* stream offset the next segment must start at */
	__u32 nr_segments;
	__u32 carry_len;
	__u8 carry[XDPB_TLS_CARRY];
};

struct web_scratch {
	struct tls_parse tp;
	struct tls_pending pend; /* a new or updated entry, built here */
	/* slack for 8-byte reads and a carry taken from the window's end */
	__u8 win[XDPB_WEB_WIN + 512];
};

/*
 * Flows whose ClientHello is spread over segments and whose SNI has not
 * come yet (see bpf/web.bpf.h); not pinned (client addresses).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XDPB_TLS_PENDING_ENTRIES);
	__type(key, struct xdpb_flow_key);
	__type(value, struct tls_pending);
} tls_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct web_scratch);
} web_scratch SEC(".maps");

/*
 * Client -> server TCP flows a name rule blocked: their later segments are
 * decided without parsing. Sized by userspace before load
 * (flow_cache_entries); not pinned (it holds client addresses).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XDPB_DEFAULT_FLOW_CACHE_ENTRIES);
	__type(key, struct xdpb_flow_key);
	__type(value, struct xdpb_flow_verdict);
} flow_verdict SEC(".maps");

/*
 * Sinkhole lists' notice addresses by list id; written by userspace before
 * each activation (not per generation: a packet still on the previous
 * generation may meet a list's new address, which is harmless).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPB_MAX_LISTS);
	__type(key, __u32);
	__type(value, struct xdpb_sinkhole);
} sinkhole_addrs SEC(".maps");

/* Rule ids per CPU slice of rule_stats; set by userspace before load. */
const volatile __u32 rule_id_capacity = 1;

/*
 * Per-rule packet/byte counters at [cpu * rule_id_capacity + rule_id]:
 * each CPU owns a slice, so plain adds are race-free as in a PERCPU_ARRAY,
 * but a hit costs one memory access instead of two (per-CPU pointer, then
 * value) and userspace reads the slices through mmap. Shared by both
 * generations, indexed by stable rule ids, so a rule that survives a
 * reload keeps counting. Sized by userspace before load.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xdpb_counter);
} rule_stats SEC(".maps");

/*
 * Each CPU's rule hits not yet in rule_stats, indexed by CPU; sized to the
 * possible CPUs by userspace before load (struct xdpb_hit_log).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xdpb_hit_log);
} hit_logs SEC(".maps");

/*
 * Each CPU's flush timer (a timer cannot live in an mmapable map). Not
 * pinned: each loaded program sets up its own, as a timer keeps the
 * program whose callback it runs.
 */
enum hit_log_timer_state {
	HIT_LOG_TIMER_UNSET,
	HIT_LOG_TIMER_READY, /* initialised, callback set */
	/*
	 * The kernel refused it, which it does once no process holds the
	 * map (a daemon stopped with --keep-attached): not tried again, as
	 * trying costs an allocation. Logs are then added when a hit finds
	 * them full.
	 */
	HIT_LOG_TIMER_REFUSED,
};

struct hit_log_timer {
	struct bpf_timer timer;
	__u32 state; /* enum hit_log_timer_state */
	__u32 armed; /* started, and its callback has not run yet */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hit_log_timer);
} hit_log_timers SEC(".maps");

/*
 * The protected set, by family: prefixes no address rule may block (the
 * host's own addresses, the list sources', `protect =`), kinds as value.
 * Not per generation: userspace updates them in place whenever the set
 * changes, without a reload. Read only when an address rule would drop.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XDPB_MAX_PROTECTED);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdpb_protect4_key);
	__type(value, __u32);
} protected4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XDPB_MAX_PROTECTED);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xdpb_protect6_key);
	__type(value, __u32);
} protected6 SEC(".maps");

/*
 * Which slots of each family (index 0 IPv4, 1 IPv6) have a protected
 * prefix: the tries above are read only for an address in such a slot
 * (struct xdpb_protect_hint). Written by userspace with the tries.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct xdpb_protect_hint);
} protected_hint SEC(".maps");

/* Per-list totals, indexed by list_id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPB_MAX_LISTS);
	__type(key, __u32);
	__type(value, struct xdpb_counter);
} list_stats SEC(".maps");

/*
 * Per-interface verdict and malformed-packet totals: in the interface's
 * slot (ifindex % XDPB_IFACE_SLOTS) if it holds the slot, else in the
 * spill hash keyed by ifindex (struct xdpb_iface_slot).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPB_IFACE_SLOTS);
	__type(key, __u32);
	__type(value, struct xdpb_iface_slot);
} iface_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, XDPB_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct xdpb_iface_stats);
} iface_spill SEC(".maps");

/*
 * The two addresses of one packet (index XDPB_DIR_SRC, XDPB_DIR_DST) and
 * what their lookups found. In a per-CPU map value, not on the stack:
 * the XDP program's call chain is near the 512-byte stack limit.
 */
struct addr_pair {
	__u32 words[XDPB_NR_DIRS][4];
	/* the addresses' halves in host order, for xdpb_trie_child() */
	__u64 hi[XDPB_NR_DIRS], lo[XDPB_NR_DIRS];
	/* each address's trie entry so far */
	__u32 entry[XDPB_NR_DIRS];
	/* the protected6 key being looked up (ip6_protected()) */
	struct xdpb_protect6_key protect_key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct addr_pair);
} addr_pair_scratch SEC(".maps");

/*
 * Where a packet's query for a name sits, for matching and for the reply:
 * a DNS question, or a TCP segment to a web port (an HTTP Host, a TLS
 * SNI). It is what the entry program hands the stage it tail-calls. The
 * first fields up to is_ipv6 (and l3_end, ip_match, protected) are
 * filled by the entry program, only for a packet it hands over (most
 * packets pay neither the clearing nor the copy), the rest by the match.
 */
struct name_query {
	__u32 l3_off, l4_off; /* from the start of the frame */
	__u32 gen; /* the generation this packet uses */
	__u8 proto, is_ipv6;
	__u8 is_tcp;
	__u8 kind; /* web: enum web_kind, once known */
	__u32 dns_off;
	__u32 copied; /* bytes of the message in the scratch */
	__u32 name_len; /* wire bytes of the name, root label included */
	__u32 nr_labels;
	/* TCP segments: the web path (web.bpf.h) and DNS over TCP */
	__u32 l3_end; /* end of the IP datagram (Ethernet padding after it) */
	__u32 payload_off; /* TCP payload, from the start of the frame */
	__u32 payload_len;
	__u32 seq, ack_seq; /* of the segment, host order */
	__u32 fin; /* the segment has FIN: it takes one sequence number */
	__u32 rst; /* the segment has RST: never answered */
	__u32 syn; /* the segment has SYN (data in a SYN: TCP Fast Open) */
	__u32 server_seq; /* DNS_FLOW: the sequence number the server expects */
	__u32 server_reset; /* DNS_FLOW: the server was sent its RST before */
	struct xdpb_flow_key flow; /* client -> server, for the flow cache */
	/* the entry program's verdict on the addresses, for the stage */
	struct xdpb_match ip_match;
	__u32 has_ip_match;
	/*
	 * An address rule would have dropped the packet but an address is
	 * protected: when the name decides nothing, it passes as protected.
	 */
	__u32 protected;
};

/*
 * The packet's name_query, per CPU: the entry program writes it, the stage
 * it tail-calls reads it (a tail call keeps no stack). A packet runs to
 * its end on one CPU, so no other packet can come between.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct name_query);
} query_scratch SEC(".maps");

#endif /* XDPBLOCK_MAPS_BPF_H */
