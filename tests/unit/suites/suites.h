/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The unit test suites, one file each in tests/unit/suites/, run by
 * tests/unit/unit_tests.c in this order. Each runs its tests with
 * RUN_TEST (testlib.h).
 */
#ifndef XDPBLOCK_UNIT_SUITES_H
#define XDPBLOCK_UNIT_SUITES_H

void suite_prefix(void);
void suite_listfile(void);
void suite_config(void);
void suite_ruleset(void);
void suite_resolve(void);
void suite_refmatch(void);
void suite_promtext(void);
void suite_listen(void);
void suite_features(void);
void suite_escape(void);
void suite_protect(void);

#endif
