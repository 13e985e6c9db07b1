/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The protected set in the datapath (maps protected4, protected6, and
 * their hint, protected_hint): made to hold exactly a set, in place,
 * while packets run. Not part of a
 * rule generation: a change of the host's addresses needs no reload.
 */
#ifndef XDPBLOCK_PROTECTMAP_H
#define XDPBLOCK_PROTECTMAP_H

#include "datapath/loader.h"
#include "rules/protect.h"

/*
 * Make the maps hold @s: entries are added before stale ones go, so a
 * prefix in both the old and the new set is never missing, and the hint
 * covers both sets until the stale ones are gone. Returns 0 or a
 * negative errno (the maps then hold at least the new entries added
 * before the failure, and possibly old ones; the hint covers them all).
 */
int protectmap_sync(struct loader *ld, const struct protect_set *s);

/* What the maps hold now, into @out (emptied first). */
int protectmap_read(struct loader *ld, struct protect_set *out);

#endif
