/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Minimal C test harness. Each TEST prints "PASS: name" or "FAIL: name";
 * tests/run.sh counts those lines. CHECK records a failure and goes on,
 * so one run shows every broken expectation.
 */
#ifndef XDPBLOCK_TESTLIB_H
#define XDPBLOCK_TESTLIB_H

#include <stdio.h>

/*
 * Weak, so that a program built from several files (unit_tests and its
 * suites) counts in one set; a one-file program sees no difference.
 */
__attribute__((weak)) int tl_case_failed, tl_failed, tl_passed;

#define CHECK(cond, ...)                                                \
	do {                                                            \
		if (!(cond)) {                                          \
			printf("  %s:%d: check failed: %s: ", __FILE__, \
			       __LINE__, #cond);                        \
			printf(__VA_ARGS__);                            \
			printf("\n");                                   \
			tl_case_failed = 1;                             \
		}                                                       \
	} while (0)

/*
 * The end of the case @suite/@name: its PASS or FAIL line, and its count.
 * For cases that are not functions (the rows of a table), after setting
 * tl_case_failed to 0 and running the case.
 */
static inline void tl_case_done(const char *suite, const char *name)
{
	printf("%s: %s/%s\n", tl_case_failed ? "FAIL" : "PASS", suite, name);
	fflush(stdout);
	if (tl_case_failed)
		tl_failed++;
	else
		tl_passed++;
}

#define RUN_TEST(suite, fn)               \
	do {                              \
		tl_case_failed = 0;       \
		fn();                     \
		tl_case_done(suite, #fn); \
	} while (0)

#define TEST_EXIT_CODE() (tl_failed ? 1 : 0)

#endif
