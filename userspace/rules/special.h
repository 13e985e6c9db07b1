/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The special-purpose address ranges of the IANA IPv4 and IPv6
 * Special-Purpose Address Registries (RFC 6890 and their later entries),
 * with multicast beside them: which of them a list entry touches. Public
 * lists carry such ranges (FireHOL level1 lists 10.0.0.0/8 and
 * 192.168.0.0/16), and a list that drops one cuts off whatever the host
 * or its clients reach there.
 */
#ifndef XDPBLOCK_SPECIAL_H
#define XDPBLOCK_SPECIAL_H

#include <stdint.h>

#include "common/prefix.h"

/* Ranges sharing a use share a name ("private": 10/8, 172.16/12, ...). */
#define SPECIAL_MAX_NAMES 32

/* How many names there are; special_name(i) for i below it. */
int special_nr_names(void);
/* A range's name, as logs and the metric label spell it ("private"). */
const char *special_name(int i);
/*
 * The names @p touches, as bits (1 << i): the innermost range holding
 * @p, and every range @p holds. 0: none. An entry in 2001:2::/48 is
 * "benchmarking", not also "ietf-protocol" (2001::/23 around it); an
 * entry 0.0.0.0/0 touches every IPv4 name.
 */
uint32_t special_classify(const struct prefix *p);

#endif
