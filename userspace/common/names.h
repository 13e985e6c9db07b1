/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Domain names as rules and queries see them: the canonical text form
 * (lower case, no trailing dot, IDNs in punycode), the DNS wire form, and
 * the 128-bit keys of every label-boundary suffix, computed by the very
 * functions the datapath runs (maps/xdpblock_hash.h). Pure userspace.
 */
#ifndef XDPBLOCK_NAMES_H
#define XDPBLOCK_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "../../maps/xdpblock_hash.h"

/* Canonical text, NUL-terminated. */
#define NAME_TEXT_BUF (XDPB_NAME_TEXT_MAX + 1)

/*
 * @in (a name as written in a list or on the command line, @len bytes)
 * into canonical text in @out: ASCII lower-cased, one trailing dot
 * dropped, a name with non-ASCII characters converted to punycode
 * (IDNA2008 with UTS #46 non-transitional mapping, libidn2). Checks
 * labels of 1..63 characters of a-z 0-9 - _, at most 253 characters in
 * all. Returns 0, or -EINVAL with *@why saying what is wrong.
 */
int name_normalize(const char *in, size_t len, char *out, const char **why);

/*
 * Canonical text into wire format in @wire (XDPB_NAME_BUF bytes, zeroed
 * past the name): length-prefixed labels and the root label. Fills
 * @label_off[] with each label's offset and returns the number of labels.
 */
int name_to_wire(const char *text, uint8_t *wire, uint8_t *label_off);

/*
 * The keys of all label-boundary suffixes of @text: keys[0] the whole
 * name, keys[n - 1] its last label; @anchors[i] the key that picks the
 * filter line of keys[i]. Returns n, the number of labels.
 */
int name_suffix_keys(const char *text, struct xdpb_name_key *keys,
		     struct xdpb_name_key *anchors);

/* The key of the whole name and, if @anchor, its filter anchor. */
void name_key(const char *text, struct xdpb_name_key *key,
	      struct xdpb_name_key *anchor);

int name_key_cmp(const struct xdpb_name_key *a, const struct xdpb_name_key *b);

/* Labels of canonical text. */
int name_labels(const char *text);

/* Does @text look like a name rather than an address? (for lookup) */
int name_looks_like_name(const char *text);

#endif
