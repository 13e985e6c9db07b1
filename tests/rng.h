/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Deterministic random numbers for tests and benchmarks (splitmix64). */
#ifndef XDPBLOCK_TEST_RNG_H
#define XDPBLOCK_TEST_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif
