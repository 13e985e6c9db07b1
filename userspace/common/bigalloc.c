// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/bigalloc.h"

#define HUGE_PAGE (2u << 20)
#define PAGE 4096u

/* Advise before first touch; only whole 2 MiB-aligned stretches benefit. */
static void advise_huge(void *p, size_t bytes)
{
	uintptr_t start = ((uintptr_t)p + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	uintptr_t end = ((uintptr_t)p + bytes) & ~(uintptr_t)(PAGE - 1);

	if (bytes >= HUGE_PAGE && end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
}

void *big_realloc(void *p, size_t bytes)
{
	void *q = realloc(p, bytes);

	if (q)
		advise_huge(q, bytes);
	return q;
}

void *big_grow(void *base, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t n = *cap ? *cap : first;
	void *q;

	if (need <= *cap)
		return base;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return NULL;
		n *= 2;
	}
	if (size && n > SIZE_MAX / size)
		return NULL;
	q = big_realloc(base, n * size);
	if (q)
		*cap = n;
	return q;
}

void *big_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = malloc(n * size);
	if (!p)
		return NULL;
	advise_huge(p, n * size);
	memset(p, 0, n * size);
	return p;
}
