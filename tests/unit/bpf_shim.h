/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Just enough of libbpf's BPF-side headers to compile the datapath's own
 * lookup code (the bpf/ headers) as userspace C, so the tests run the code the
 * XDP program runs instead of a copy of it (tests/unit/datapath_model.c).
 * Maps become plain globals whose addresses name them; the test supplies
 * bpf_map_lookup_elem() over its in-memory tables, and bpf_loop() is a
 * loop. Include it before any bpf/ header, in one file only.
 */
#ifndef XDPBLOCK_BPF_SHIM_H
#define XDPBLOCK_BPF_SHIM_H

#include <linux/bpf.h>
#include <linux/types.h>

#define __BPF_HELPERS__ /* <bpf/bpf_helpers.h>: its helpers are BPF calls */

#define SEC(name)
#define __uint(name, val) int(*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]
#undef __always_inline
#define __always_inline inline __attribute__((always_inline))
#ifndef __noinline
#define __noinline __attribute__((noinline))
#endif

/* the test's tables, looked up by the map (an outer map's address, or
 * what an outer map's lookup returned) and the key */
void *bpf_map_lookup_elem(void *map, const void *key);

/* bpf_loop(): calls @callback(i, @ctx) until it returns non-zero */
static inline long bpf_loop(__u32 nr, void *callback, void *ctx,
			    __u64 flags __attribute__((unused)))
{
	long (*step)(__u32, void *) = (long (*)(__u32, void *))callback;
	__u32 i;

	for (i = 0; i < nr; i++)
		if (step(i, ctx))
			return i + 1;
	return i;
}

#endif
