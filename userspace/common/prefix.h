/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* IPv4/IPv6 prefixes: parsing, formatting, ordering, containment. */
#ifndef XDPBLOCK_PREFIX_H
#define XDPBLOCK_PREFIX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* addr is in network order; IPv4 uses addr[0..3], the rest stays zero. */
struct prefix {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t plen;
	uint8_t addr[16];
};

#define PREFIX_STRLEN 64

/*
 * Parse "ADDR" or "ADDR/LEN" (IPv4 or IPv6). Host bits past LEN must be
 * zero. On error returns -EINVAL and points *why at a reason.
 */
int prefix_parse(const char *text, struct prefix *out, const char **why);
/* Parse a plain address (no length) as a full-length prefix. */
int address_parse(const char *text, struct prefix *out);
void prefix_format(const struct prefix *p, char *buf, size_t len);
int prefix_max_len(const struct prefix *p);
/* Order by family, address, then length: a prefix sorts before every
 * prefix it contains. */
int prefix_cmp(const struct prefix *a, const struct prefix *b);
/* Does @outer contain @inner (same family, inner at least as long)? */
int prefix_contains(const struct prefix *outer, const struct prefix *inner);
/* Zero every bit of @p past @plen and set its length to @plen. */
void prefix_truncate(struct prefix *p, int plen);

#endif
