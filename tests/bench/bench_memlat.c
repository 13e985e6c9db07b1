// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_prog memlat: the latency of a dependent random memory load, and of
 * a dependent multiply (the CPU's effective clock).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/clock.h"
#include "datapath/loader.h"
#include "bench.h"

/*
 * Context for the figures: the latency of one dependent random load over
 * @mib MiB (a pointer chase through 64-byte lines in random order), with
 * 4 KiB pages and with transparent huge pages. BPF maps use 4 KiB pages.
 */
static double chase_ns(size_t mib, int huge)
{
	size_t n = mib * 1024 * 1024 / 64, iters = 2000000;
	struct rng r = {42};
	size_t *perm = xcalloc(n, sizeof(*perm));
	char *m = mmap(NULL, n * 64, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void **p;
	uint64_t t0;

	if (m == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	madvise(m, n * 64, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng_below(&r, i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		*(void **)(m + perm[i] * 64) = m + perm[(i + 1) % n] * 64;
	p = (void **)(m + perm[0] * 64);
	for (size_t i = 0; i < n; i++) /* fault in, warm the TLB's caches */
		p = *p;
	t0 = monotonic_ns();
	for (size_t i = 0; i < iters; i++)
		p = *p;
	t0 = monotonic_ns() - t0;
	if (!p)
		die("chase");
	munmap(m, n * 64);
	free(perm);
	return (double)t0 / iters;
}

/*
 * ns per dependent 64-bit multiply: a chain of multiplies, 3 cycles each
 * on the x86 CPUs at hand, by an odd factor (the product stays odd, never
 * 0). 3 / this is the clock the program gets, lower than the nominal one
 * when the host steals time or slows the core. Runs from two machines
 * differ by it where memory does not explain them.
 */
static double multiply_ns(void)
{
	const size_t iters = 100000000;
	uint64_t x = 1, t0 = monotonic_ns();

	for (size_t i = 0; i < iters; i++) {
		x *= 0x9e3779b97f4a7c15ull;
		asm volatile(""
			     : "+r"(x)); /* one chain: no unrolling it away */
	}
	t0 = monotonic_ns() - t0;
	if (x == 0)
		die("multiply");
	return (double)t0 / iters;
}

static void print_clock(void)
{
	double mul = multiply_ns();

	printf("cpuclock: dependent 64-bit multiply %.2f ns (a 3-cycle chain: about %.1f GHz)\n",
	       mul, 3 / mul);
}

int cmd_memlat(int argc, char **argv)
{
	int cpu = argc > 1 ? atoi(argv[1]) : -1;

	pin_cpu(cpu);
	printf("memlat: random dependent load, ns: 1 MiB %.0f, 16 MiB %.0f, 256 MiB %.0f (4 KiB pages), 256 MiB %.0f (2 MiB pages)\n",
	       chase_ns(1, 0), chase_ns(16, 0), chase_ns(256, 0),
	       chase_ns(256, 1));
	print_clock();
	return 0;
}

/* bench_prog clock [CPU]: the clock line alone (the end of a run). */
int cmd_clock(int argc, char **argv)
{
	pin_cpu(argc > 1 ? atoi(argv[1]) : -1);
	print_clock();
	return 0;
}
