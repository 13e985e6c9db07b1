/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Allocation of arrays with millions of entries (list entries, rule
 * tables, sort buffers, plans). They ask the kernel for transparent huge
 * pages: a 1M-rule reload on the target VMs spent most of its time taking
 * 4 KiB page faults (perf: clear_page, irq enable in the fault path), and
 * huge pages cut the reload time about 3x. Free with free().
 */
#ifndef XDPBLOCK_BIGALLOC_H
#define XDPBLOCK_BIGALLOC_H

#include <stddef.h>

void *big_realloc(void *p, size_t bytes);
void *big_calloc(size_t n, size_t size);
/*
 * An array that grows by doubling (list entries, rule tables, name text):
 * @base with room for at least @need elements of @size bytes, *@cap of
 * them allocated, the first allocation @first. Returns the array (moved or
 * not; *@cap updated), or NULL with @base and *@cap as they were.
 */
void *big_grow(void *base, size_t *cap, size_t need, size_t size, size_t first);
static inline void *big_malloc(size_t bytes)
{
	return big_realloc(NULL, bytes);
}

#endif
