/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The pinned state under pin_path (bpffs): what keeps filtering running
 * when xdpblockd stops with --keep-attached or dies, and what the next
 * daemon adopts. The records' layouts are below; the maps' are in
 * maps/xdpblock_abi.h.
 *
 *   <pin_path>/<map>          the maps the XDP program uses (libbpf pins)
 *   <pin_path>/meta           struct xdpb_pin_meta
 *   <pin_path>/gen<N>_state   struct xdpb_pinned_gen of generation slot N
 *   <pin_path>/gen<N>_rules4  struct xdpb_pinned_rule4[], sorted
 *   <pin_path>/gen<N>_rules6  struct xdpb_pinned_rule6[], sorted
 *   <pin_path>/gen<N>_names   struct xdpb_pinned_name[], sorted
 *   <pin_path>/gen<N>_nametext the names' text, 64-byte chunks
 *   <pin_path>/daemon_counters struct xdpb_daemon_counters
 *   <pin_path>/link_<ifname>  the XDP link of one interface
 */
#ifndef XDPBLOCK_PINNING_H
#define XDPBLOCK_PINNING_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "../../maps/xdpblock_abi.h"
#include "rules/ruleset.h"

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
 * 6: iface_stats counts missed stage calls (stage_missed);
 * 7: a blocked name on every protocol: per-list protocols and dns_action,
 *    iface_stats counts name verdicts per protocol (name_dns/tls/http);
 *    iface_stats counts protected packets; the protected4/6 maps
 * 8: IPv4 DIR-16-8-8: ip4_tbl16_gens, and ip4_tbl24_gens' inner maps hold
 *    tbl24 groups (one per /16 that needs one), no longer a whole tbl24
 * 9: the IPv6 trie (ip6_root/node/run/single/leaf_gens) instead of the
 *    IPv6 prefix hash and filter; gen_info without the IPv6 lengths; the
 *    first levels (tbl16, the IPv6 root) without BPF_F_INNER_MAP; name
 *    keys hash a label's own words only (the name table and filter of an
 *    older daemon hold keys this program would not find); the name filter
 *    has "above" bits, without which the walk would stop early
 * 10: IPv4 in a trie as IPv6 (ip4_root/node/run/single_gens; tbl16 and
 *    the tiered tbl24 groups gone), or flat (a whole tbl24); the scratch
 *    of both walks is addr_pair_scratch
 * 11: BUCKET entries in the IPv4 root (a layout-10 program would read
 *    them as a walk cut short: no rule)
 * 12: the IPv6 root is per /19 (2^19 entries), its nodes at depths 19,
 *    25, ... 127
 * 13: protected_hint (a program of this layout asks protected4/6 only
 *    where the hint has a bit; an older daemon's maps have no hint)
 * 14: trie singles of 64 bytes, with copies of their two leaves
 * 15: interface counters in iface_slots (a per-CPU array, a slot per
 *    ifindex % 64) and iface_spill, instead of the iface_stats hash
 */
#define XDPB_PIN_LAYOUT_VERSION 15
#define XDPB_PIN_MAGIC 0x58445042 /* "XDPB" */

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
	/* domain lists: enum xdpb_name_views, the protocols key */
	__u8 protocols;
	/* domain lists: a reset's DNS answer (enum xdpb_action; 0: nxdomain) */
	__u8 dns_action;
	__u8 pad[2];
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

#define PIN_LINK_PREFIX "link_"

/* "<dir>/<name>" into @buf; -ENAMETOOLONG if it does not fit. */
int pin_path_join(char *buf, size_t len, const char *dir, const char *name);

/*
 * Make @dir usable: bpffs mounted at /sys/fs/bpf when @dir is below it and
 * nothing is mounted there (fresh machines, containers), the directory
 * created 0700. Fills @err with what to do on failure.
 */
int pin_dir_prepare(const char *dir, char *err, size_t errlen);

/* Does @dir hold any pin? */
int pin_dir_has_pins(const char *dir);

/* -ENOENT when nothing is pinned (no meta). */
int pin_meta_read(const char *dir, struct xdpb_pin_meta *meta);
int pin_meta_write(const char *dir, const struct xdpb_pin_meta *meta);

/*
 * Pin @hdr and the rules of @rs (ids assigned) as the state of slot @slot,
 * replacing what was there.
 */
int pin_gen_write(const char *dir, uint32_t slot,
		  const struct xdpb_pinned_gen *hdr, const struct ruleset *rs);
/* Read slot @slot back: @rs gets every rule with its id, sorted. */
int pin_gen_read(const char *dir, uint32_t slot, struct xdpb_pinned_gen *hdr,
		 struct ruleset *rs);
/* Drop slot @slot's state (it no longer describes a running generation). */
void pin_gen_remove(const char *dir, uint32_t slot);

/* The daemon_counters map, created and pinned when absent: an fd. */
int pin_counters_open(const char *dir);

int pin_link(const char *dir, const char *ifname, int link_fd);
/* The pinned link of @ifname as an fd, or -ENOENT. */
int pin_link_open(const char *dir, const char *ifname);
void pin_link_remove(const char *dir, const char *ifname);
/*
 * Call @fn with the interface name of every pinned link. Stops at and
 * returns the first non-zero @fn result.
 */
int pin_for_each_link(const char *dir, int (*fn)(const char *ifname, void *arg),
		      void *arg);

/*
 * Remove every pin in @dir except links: what a fresh start does with
 * state it cannot adopt (links keep the old program, and so the old maps,
 * running until they are moved to the new program).
 */
void pin_remove_maps(const char *dir);
/*
 * Remove everything: links first (each detaches as its last reference
 * goes), then maps, then the directory. Returns how many pins it removed,
 * or a negative errno.
 */
int pin_remove_all(const char *dir);

#endif
