/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Stable rule ids across reloads (ruleids.c). */
#ifndef XDPBLOCK_RULEIDS_H
#define XDPBLOCK_RULEIDS_H

#include <stddef.h>
#include <stdint.h>

#include "rules/ruleset.h"

/*
 * Stable rule ids. A rule (list, prefix) present in the running set keeps
 * its id in the next one, so its counters go on. Ids of rules that
 * disappear are released only after the swap (their counters are zeroed
 * first) so a packet still using the old set never counts on a reused id.
 */
struct rule_ids {
	uint32_t capacity; /* ids are 1..capacity-1 */
	uint32_t next_unused;
	uint32_t *free_ids;
	size_t nr_free, cap_free;
	/* undo point for rule_ids_rollback() */
	uint32_t saved_next_unused;
	size_t saved_nr_free;
};

int rule_ids_init(struct rule_ids *ids, uint32_t capacity);
void rule_ids_free(struct rule_ids *ids);
/*
 * Give every rule of @next an id, reusing those of @prev. Fills
 * *released with the ids of @prev's rules absent from @next. Returns
 * -ENOSPC when the id space is exhausted.
 */
int rule_ids_assign(struct rule_ids *ids, const struct ruleset *prev,
		    struct ruleset *next, uint32_t **released,
		    size_t *nr_released);
/* The activation failed: forget the ids handed out by the last assign. */
void rule_ids_rollback(struct rule_ids *ids);
/*
 * Take over the ids of @rs, a rule set a previous daemon left running.
 * *unused gets the ids below the highest in use that no rule holds: zero
 * their counters, then rule_ids_release() them. -EINVAL if @rs repeats an
 * id or holds one outside the id space (state from another capacity).
 */
int rule_ids_adopt(struct rule_ids *ids, const struct ruleset *rs,
		   uint32_t **unused, size_t *nr_unused);
/* After the swap: @released ids may be handed out again. */
int rule_ids_release(struct rule_ids *ids, const uint32_t *released, size_t nr);

#endif
