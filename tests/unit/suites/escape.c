// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * text_escape(), and log.c escaping every line whatever its caller passed
 * (issue 12, finding 9).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/escape.h"
#include "common/log.h"
#include "testfiles.h"
#include "testlib.h"
#include "common.h"
#include "suites.h"

static void escape_table(void)
{
	static const struct {
		const char *in;
		size_t size;
		const char *out;
	} cases[] = {
		{"plain text", 64, "plain text"},
		{"\x1b[31mred\x1b[0m", 64, "\\x1b[31mred\\x1b[0m"},
		{"a\tb\nc\rd\x7f", 64, "a\\x09b\\x0ac\\x0dd\\x7f"},
		/* 8-bit CSI, and UTF-8 (U+009B is c2 9b): bytes, not glyphs */
		{"\x9b"
		 "2J \xc2\x9b",
		 64, "\\x9b2J \\xc2\\x9b"},
		/* a backslash is printable: escaping twice changes nothing */
		{"\\x1b", 64, "\\x1b"},
		/* cut at a whole escape: "ab" + "\x1b" needs 7 bytes */
		{"ab\x1b", 7, "ab\\x1b"},
		{"ab\x1b", 6, "ab"},
		{"ab\x1b"
		 "cd",
		 8, "ab\\x1bc"},
		{"", 1, ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64];
		size_t n;

		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		n = text_escape(buf, cases[i].size);
		CHECK(!strcmp(buf, cases[i].out) && n == strlen(buf),
		      "case %zu: '%s' (%zu), want '%s'", i, buf, n,
		      cases[i].out);
		n = text_escape(buf, cases[i].size);
		CHECK(!strcmp(buf, cases[i].out), "case %zu twice: '%s'", i,
		      buf);
	}
}

/* log.c escapes every line, whatever a caller passes to "%s" */
static void escape_log_guard(void)
{
	char path[PATH_MAX], line[256] = "";
	int saved = dup(2), fd;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log.out",
		 tmp_write_str("log.out", "") ? tmp_dir : "/tmp");
	fd = open(path, O_WRONLY | O_TRUNC);
	if (saved < 0 || fd < 0 || dup2(fd, 2) < 0) {
		CHECK(0, "redirect stderr: %s", strerror(errno));
		return;
	}
	log_init("xdpblockd", LOG_LEVEL_INFO);
	log_warn("list %s: %s", "a", "x.zone:1: \x1b[31mred\x9b\nforged line");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	f = fopen(path, "r");
	if (!f || !fgets(line, sizeof(line), f)) {
		CHECK(0, "no log line");
	} else {
		CHECK(strstr(line,
			     "x.zone:1: \\x1b[31mred\\x9b\\x0aforged line\n"),
		      "log line '%s'", line);
		CHECK(!fgets(line, sizeof(line), f), "a second line '%s'",
		      line);
	}
	if (f)
		fclose(f);
}

void suite_escape(void)
{
	RUN_TEST("escape", escape_table);
	RUN_TEST("escape", escape_log_guard);
}
