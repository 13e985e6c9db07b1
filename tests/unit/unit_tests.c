// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Userspace unit tests: no BPF, no root.
 *
 * One suite a file in tests/unit/suites/ (common.c: what they share):
 *
 *   prefix     parsing, formatting, ordering, containment, truncation
 *   listfile   comments, line ends, BOM, errors, the real lists in tests/data
 *   config     a full config, defaults, and every error message; the
 *              control server's framing
 *   ruleset    sorting, duplicates, stable rule ids
 *   resolve    the resolved tables read by a C model of the datapath lookup
 *              (bpf/ip_match.bpf.h), compared with the reference matcher
 *   refmatch   the combination rules, per address and per packet
 *   promtext   Prometheus text format: label and HELP escaping, samples
 *   listen     metrics_listen addresses: the accepted forms, the refused
 *   features   kernel feature probes on made-up BTF and on the running
 *              kernel's, and the warning a missing feature gives
 *   escape     text_escape() and log.c's last guard (issue 12, finding 9)
 *
 * Data files are read from $XDPBLOCK_TOP/tests/data, or ./tests/data when
 * XDPBLOCK_TOP is unset (tests/run.sh runs from the repository root).
 * Random rule sets use fixed seeds, so every run checks the same cases.
 */
#include <stdio.h>

#include "testfiles.h"
#include "testlib.h"
#include "suites/suites.h"

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	suite_prefix();
	suite_listfile();
	suite_config();
	suite_ruleset();
	suite_resolve();
	suite_refmatch();
	suite_promtext();
	suite_listen();
	suite_features();
	suite_escape();
	suite_protect();
	printf("unit tests done: %d PASS, %d FAIL\n", tl_passed, tl_failed);
	tmp_cleanup();
	return TEST_EXIT_CODE();
}
