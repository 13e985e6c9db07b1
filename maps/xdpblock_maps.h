/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Everything the XDP programs and userspace share, by role:
 *   xdpblock_abi.h     constants, enums, map keys and values (the layout)
 *   xdpblock_hash.h    the hashes and filters both sides compute
 *   xdpblock_policy.h  which matching rule decides a packet
 * Records only userspace keeps (the pinned daemon state) are in
 * userspace/datapath/pinning.h.
 */
#ifndef XDPBLOCK_MAPS_H
#define XDPBLOCK_MAPS_H

#include "xdpblock_abi.h"
#include "xdpblock_hash.h"
#include "xdpblock_policy.h"

#endif /* XDPBLOCK_MAPS_H */
