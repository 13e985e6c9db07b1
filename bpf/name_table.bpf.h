/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A key looked up in the name table (open addressing, at most
 * XDPB_NAME_MAX_PROBES slots from its home; userspace places the keys:
 * rules/plan.c). It uses nothing but bpf_map_lookup_elem() and bpf_loop(),
 * so tests/unit/names_tests.c runs this very code over a table in memory
 * (tests/unit/bpf_shim.h).
 */
#ifndef XDPBLOCK_NAME_TABLE_BPF_H
#define XDPBLOCK_NAME_TABLE_BPF_H

#include "maps.bpf.h"

/*
 * The probe of one name table key: a bpf_loop() of its own. A probe loop
 * open-coded inside the suffix walk's callback made the verifier walk
 * every probe of every suffix, more than 1,000,000 instructions on Linux
 * 6.18. Its state is in the scratch (s->probe), not in this context: on
 * the stack, each way the callback can end left the caller's frame in
 * another state, and Linux 6.1 checked the rest of the suffix walk once
 * for each (about 170,000 more instructions per stage).
 */
struct name_probe {
	void *table;
	struct name_probe_state *st;
};

/*
 * Probe @d from the key's home slot: stop at the key, at an empty slot,
 * or at a key nearer its own home (it would have taken our place).
 */
static long name_probe_step(__u32 d, struct name_probe *p)
{
	struct name_probe_state *st = p->st;
	__u32 index = st->index;
	struct xdpb_name_slot *slot = bpf_map_lookup_elem(p->table, &index);

	if (!slot || !slot->used || slot->dist < d)
		return 1;
	if (slot->key.hash[0] == st->hash[0] &&
	    slot->key.hash[1] == st->hash[1]) {
		st->found = index + 1;
		return 1;
	}
	st->index = index + 1 >= st->nr_slots ? 0 : index + 1;
	return 0;
}

/* The leaf of @key in the name table @table, or NULL. */
static __always_inline const struct xdpb_name_leaf *
name_table_find(void *table, struct name_probe_state *st, __u64 seed,
		const struct xdpb_name_key *key)
{
	struct name_probe p = {.table = table, .st = st};
	struct xdpb_name_slot *slot;
	__u32 index;

	st->hash[0] = key->hash[0];
	st->hash[1] = key->hash[1];
	st->index = xdpb_name_slot_home(key, seed, st->nr_slots);
	st->found = 0;
	bpf_loop(XDPB_NAME_MAX_PROBES, name_probe_step, &p, 0);
	if (!st->found)
		return NULL;
	index = st->found - 1;
	slot = bpf_map_lookup_elem(table, &index);
	return slot ? &slot->leaf : NULL;
}

#endif /* XDPBLOCK_NAME_TABLE_BPF_H */
