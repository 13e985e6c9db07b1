// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Stable rule ids: see ruleids.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bigalloc.h"
#include "common/names.h"
#include "rules/ruleids.h"
#include "rules/ruleset.h"

/* ---- stable rule ids -------------------------------------------------- */

int rule_ids_init(struct rule_ids *ids, uint32_t capacity)
{
	memset(ids, 0, sizeof(*ids));
	ids->capacity = capacity;
	ids->next_unused = 1; /* 0 means "no rule" in the datapath */
	ids->saved_next_unused = 1;
	return 0;
}

void rule_ids_free(struct rule_ids *ids)
{
	free(ids->free_ids);
	memset(ids, 0, sizeof(*ids));
}

static int rule_ids_take(struct rule_ids *ids, uint32_t *id)
{
	if (ids->nr_free) {
		*id = ids->free_ids[--ids->nr_free];
		return 0;
	}
	if (ids->next_unused >= ids->capacity)
		return -ENOSPC;
	*id = ids->next_unused++;
	return 0;
}

static int push_id(uint32_t **arr, size_t *nr, size_t *cap, uint32_t id)
{
	uint32_t *a = big_grow(*arr, cap, *nr + 1, sizeof(**arr), 1024);

	if (!a)
		return -ENOMEM;
	*arr = a;
	a[(*nr)++] = id;
	return 0;
}

/* Merge-join two sorted tables: same (prefix, list) keeps its id. */
static int assign_table(struct rule_ids *ids, const struct rule_table *prev,
			struct rule_table *next, uint32_t **released,
			size_t *nr_released, size_t *cap_released)
{
	size_t i = 0, j = 0;

	while (j < next->nr) {
		int c = i < prev->nr
				? rule_cmp(&prev->rules[i], &next->rules[j])
				: 1;

		if (c == 0) {
			next->rules[j++].rule_id = prev->rules[i++].rule_id;
		} else if (c < 0) {
			if (push_id(released, nr_released, cap_released,
				    prev->rules[i++].rule_id))
				return -ENOMEM;
		} else {
			if (rule_ids_take(ids, &next->rules[j++].rule_id))
				return -ENOSPC;
		}
	}
	for (; i < prev->nr; i++)
		if (push_id(released, nr_released, cap_released,
			    prev->rules[i].rule_id))
			return -ENOMEM;
	return 0;
}

/* The same merge-join for domain rules: same (name, kind, list) keeps its id. */
static int assign_names(struct rule_ids *ids, const struct name_table *prev,
			struct name_table *next, uint32_t **released,
			size_t *nr_released, size_t *cap_released)
{
	size_t i = 0, j = 0;

	while (j < next->nr) {
		int c = i < prev->nr ? name_rule_cmp(prev, &prev->rules[i],
						     next, &next->rules[j])
				     : 1;

		if (c == 0) {
			next->rules[j++].rule_id = prev->rules[i++].rule_id;
		} else if (c < 0) {
			if (push_id(released, nr_released, cap_released,
				    prev->rules[i++].rule_id))
				return -ENOMEM;
		} else {
			if (rule_ids_take(ids, &next->rules[j++].rule_id))
				return -ENOSPC;
		}
	}
	for (; i < prev->nr; i++)
		if (push_id(released, nr_released, cap_released,
			    prev->rules[i].rule_id))
			return -ENOMEM;
	return 0;
}

int rule_ids_assign(struct rule_ids *ids, const struct ruleset *prev,
		    struct ruleset *next, uint32_t **released,
		    size_t *nr_released)
{
	size_t cap = 0;
	int err;

	ids->saved_next_unused = ids->next_unused;
	ids->saved_nr_free = ids->nr_free;
	*released = NULL;
	*nr_released = 0;
	err = assign_table(ids, &prev->v4, &next->v4, released, nr_released,
			   &cap);
	if (!err)
		err = assign_table(ids, &prev->v6, &next->v6, released,
				   nr_released, &cap);
	if (!err)
		err = assign_names(ids, &prev->names, &next->names, released,
				   nr_released, &cap);
	if (err) {
		rule_ids_rollback(ids);
		free(*released);
		*released = NULL;
		*nr_released = 0;
	}
	return err;
}

void rule_ids_rollback(struct rule_ids *ids)
{
	/* Taking ids only pops the free stack, so restoring the counts undoes it. */
	ids->next_unused = ids->saved_next_unused;
	ids->nr_free = ids->saved_nr_free;
}

int rule_ids_adopt(struct rule_ids *ids, const struct ruleset *rs,
		   uint32_t **unused, size_t *nr_unused)
{
	const struct rule_table *tables[] = {&rs->v4, &rs->v6};
	uint8_t *used = calloc(ids->capacity, 1);
	uint32_t max_id = 0;
	size_t cap = 0;

	*unused = NULL;
	*nr_unused = 0;
	if (!used)
		return -ENOMEM;
	for (int t = 0; t < 2; t++)
		for (size_t i = 0; i < tables[t]->nr; i++) {
			uint32_t id = tables[t]->rules[i].rule_id;

			if (!id || id >= ids->capacity || used[id]) {
				free(used);
				return -EINVAL;
			}
			used[id] = 1;
			if (id > max_id)
				max_id = id;
		}
	for (size_t i = 0; i < rs->names.nr; i++) {
		uint32_t id = rs->names.rules[i].rule_id;

		if (!id || id >= ids->capacity || used[id]) {
			free(used);
			return -EINVAL;
		}
		used[id] = 1;
		if (id > max_id)
			max_id = id;
	}
	ids->next_unused = max_id + 1;
	ids->saved_next_unused = ids->next_unused;
	for (uint32_t id = 1; id <= max_id; id++)
		if (!used[id] && push_id(unused, nr_unused, &cap, id)) {
			free(used);
			free(*unused);
			*unused = NULL;
			*nr_unused = 0;
			return -ENOMEM;
		}
	free(used);
	return 0;
}

int rule_ids_release(struct rule_ids *ids, const uint32_t *released, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		if (push_id(&ids->free_ids, &ids->nr_free, &ids->cap_free,
			    released[i]))
			return -ENOMEM;
	ids->saved_nr_free = ids->nr_free;
	ids->saved_next_unused = ids->next_unused;
	return 0;
}
