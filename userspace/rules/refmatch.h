/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The reference matcher: the datapath's semantics written as plainly as
 * possible, straight from the rule tables (no leaves, tables or filters).
 * `xdpblockctl lookup` uses it; tests compare it with the XDP program.
 */
#ifndef XDPBLOCK_REFMATCH_H
#define XDPBLOCK_REFMATCH_H

#include "rules/ruleset.h"

/* The rule deciding direction @dir for @addr (a full-length prefix), or NULL. */
const struct rule *refmatch_address(const struct ruleset *rs,
				    const struct prefix *addr, int dir);

/*
 * The rule deciding a packet from @src to @dst, or NULL (pass, uncounted).
 * The verdict is the rule's action.
 */
const struct rule *refmatch_packet(const struct ruleset *rs,
				   const struct prefix *src,
				   const struct prefix *dst);

/*
 * The domain rule deciding a DNS query for @name (canonical text), or
 * NULL: every rule of the name itself and every suffix rule of a shorter
 * suffix of it that takes part in the DNS view, the best by
 * xdpb_name_rule_beats() on its DNS action (allow, then block, then
 * monitor; then the most labels; then the higher action; then the lower
 * list id). The verdict is name_rule_view_action(rule, 0). Combining it
 * with the address verdict is xdpb_decide_name().
 */
const struct name_rule *refmatch_name(const struct ruleset *rs,
				      const char *name);
/*
 * The same for one view: @web 0 is a DNS query (what refmatch_name()
 * answers), 1 a TLS SNI or HTTP Host; each rule by what it does in that
 * view (name_rule_view_action(), xdpb_view_action()), the verdict
 * name_rule_view_action(rule, @web).
 */
const struct name_rule *refmatch_name_view(const struct ruleset *rs,
					   const char *name, int web);

#endif
