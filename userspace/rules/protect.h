/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The protected set: prefixes no address rule may block (the host's own
 * addresses, the addresses of the list sources the daemon downloads
 * from, the operator's `protect =` prefixes), each with the kinds that
 * put it there (enum xdpb_protect_kind bits); and how many of them an
 * address list covers.
 */
#ifndef XDPBLOCK_PROTECT_H
#define XDPBLOCK_PROTECT_H

#include <stddef.h>
#include <stdint.h>

#include "../../maps/xdpblock_abi.h"
#include "common/prefix.h"

/* The kinds by index, as status and the metric label name them. */
enum protect_kind {
	PROTECT_KIND_HOST, /* XDPB_PROTECT_HOST */
	PROTECT_KIND_SOURCE, /* XDPB_PROTECT_SOURCE */
	PROTECT_KIND_OPERATOR, /* XDPB_PROTECT_OPERATOR */
	PROTECT_NR_KINDS,
};

/* "host", "source", "operator" */
const char *protect_kind_name(int kind);

struct protect_entry {
	struct prefix prefix;
	uint32_t kinds; /* enum xdpb_protect_kind bits */
};

struct protect_set {
	struct protect_entry *entries;
	size_t nr, cap;
};

/*
 * Add @p for @kind (an enum xdpb_protect_kind bit); a prefix already in
 * the set gains the kind. Host bits past the length are cleared. Returns
 * 0, -E2BIG past XDPB_MAX_PROTECTED of its family, -ENOMEM.
 */
int protect_set_add(struct protect_set *s, const struct prefix *p,
		    uint32_t kind);
/* How many entries carry @kind (a bit). */
size_t protect_set_count(const struct protect_set *s, uint32_t kind);
/* Is @addr (a full-length prefix) inside an entry? Its kinds, or 0. */
uint32_t protect_set_lookup(const struct protect_set *s,
			    const struct prefix *addr);
/* The same entries with the same kinds, in any order? */
int protect_set_equal(const struct protect_set *a, const struct protect_set *b);
/*
 * Set in @hint the slot bits of every entry of @family (AF_INET or
 * AF_INET6) in @s (struct xdpb_protect_hint); bits already set stay, so
 * two calls give the union of two sets.
 */
void protect_set_hint(const struct protect_set *s, int family,
		      struct xdpb_protect_hint *hint);
void protect_set_free(struct protect_set *s);

/*
 * Which entries of a set a list covers: an entry is covered when some
 * list entry overlaps it (holds it or lies in it). Feed every entry of
 * the list to protect_overlap_add(), then read the counts per kind.
 */
struct protect_overlap {
	const struct protect_set *set;
	uint8_t *covered; /* per set entry */
};

int protect_overlap_init(struct protect_overlap *o,
			 const struct protect_set *s);
void protect_overlap_add(struct protect_overlap *o, const struct prefix *p);
/* @counts[enum protect_kind]: covered entries of that kind. */
void protect_overlap_counts(const struct protect_overlap *o,
			    uint32_t counts[PROTECT_NR_KINDS]);
void protect_overlap_free(struct protect_overlap *o);

#endif
