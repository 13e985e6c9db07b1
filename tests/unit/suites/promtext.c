// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Prometheus text format: label and HELP escaping, samples. */
#include <stdio.h>
#include <string.h>

#include "daemon/promtext.h"
#include "testlib.h"
#include "common.h"
#include "suites.h"

static const char *label_escaped(const char *value)
{
	static char out[256];
	struct prom_buf b = {0};

	prom_label_value(&b, value);
	snprintf(out, sizeof(out), "%s", b.text ? b.text : "");
	CHECK(!b.failed, "allocation failed");
	prom_buf_free(&b);
	return out;
}

static void promtext_label_escaping(void)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
		{"eth0", "eth0"},
		{"", ""},
		/* the three escapes of the format */
		{"a\"b", "a\\\"b"},
		{"back\\slash", "back\\\\slash"},
		{"two\nlines", "two\\nlines"},
		{"\\n", "\\\\n"}, /* a backslash then n: not a line feed */
		/* other bytes pass as they are, valid UTF-8 too */
		{"tab\there {x}=,", "tab\there {x}=,"},
		{"caf\xc3\xa9", "caf\xc3\xa9"},
		{"\xe2\x82\xac \xf0\x9f\x98\x80",
		 "\xe2\x82\xac \xf0\x9f\x98\x80"},
		/* what is not UTF-8 becomes U+FFFD, byte by byte */
		{"a\xff"
		 "b",
		 "a\xef\xbf\xbd"
		 "b"},
		{"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"}, /* overlong '/' */
		{"\xed\xa0\x80", /* a UTF-16 surrogate */
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"\xf4\x90\x80\x80", /* past U+10FFFF */
		 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd"}, /* cut short */
		{"\x80\"", "\xef\xbf\xbd\\\""},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *got = label_escaped(cases[i].value);

		CHECK(!strcmp(got, cases[i].want),
		      "case %zu: got '%s', want '%s'", i, got, cases[i].want);
	}
}

static void promtext_families_and_samples(void)
{
	static const char want[] =
		"# HELP xb_packets_total Packets, \\\\ and \\n escaped: \"quotes\" stay.\n"
		"# TYPE xb_packets_total counter\n"
		"xb_packets_total{interface=\"eth0\",action=\"drop\"} 18446744073709551615\n"
		"xb_packets_total{interface=\"we\\\"ird\\\\\\n\"} 0\n"
		"# HELP xb_seconds A gauge.\n"
		"# TYPE xb_seconds gauge\n"
		"xb_seconds 0.25\n"
		"xb_seconds{k=\"v\"} 1700000000.5\n"
		"xb_seconds 0.001\n"
		"xb_seconds 0.30000000000000004\n"
		"xb_seconds NaN\n"
		"xb_seconds -Inf\n";
	const struct prom_label labels[] = {{"interface", "eth0"},
					    {"action", "drop"}};
	const struct prom_label weird[] = {{"interface", "we\"ird\\\n"}};
	const struct prom_label kv[] = {{"k", "v"}};
	struct prom_buf b = {0};

	prom_family(&b, "xb_packets_total", "counter",
		    "Packets, \\ and \n escaped: \"quotes\" stay.");
	prom_u64(&b, "xb_packets_total", labels, 2, UINT64_MAX);
	prom_u64(&b, "xb_packets_total", weird, 1, 0);
	prom_family(&b, "xb_seconds", "gauge", "A gauge.");
	prom_double(&b, "xb_seconds", NULL, 0, 0.25);
	prom_double(&b, "xb_seconds", kv, 1, 1700000000.5);
	prom_double(&b, "xb_seconds", NULL, 0, 0.001);
	/* 0.1 + 0.2 needs 17 digits to read back the same */
	prom_double(&b, "xb_seconds", NULL, 0, 0.1 + 0.2);
	prom_double(&b, "xb_seconds", NULL, 0, 0.0 / 0.0);
	prom_double(&b, "xb_seconds", NULL, 0, -1.0 / 0.0);
	CHECK(!b.failed, "allocation failed");
	CHECK(b.text && !strcmp(b.text, want), "got:\n%s\nwant:\n%s",
	      b.text ? b.text : "(nothing)", want);
	CHECK(b.text && b.len == strlen(b.text), "len %zu", b.len);
	prom_buf_free(&b);
}

/* A text larger than any first allocation grows and stays whole. */
static void promtext_grows(void)
{
	struct prom_buf b = {0};
	char name[32];
	size_t expect = 0;

	for (int i = 0; i < 5000; i++) {
		const struct prom_label l[] = {{"n", name}};

		snprintf(name, sizeof(name), "list-%d", i);
		prom_u64(&b, "xb_rules", l, 1, i);
		expect += strlen("xb_rules{n=\"\"} \n") + strlen(name) +
			  snprintf(NULL, 0, "%d", i);
	}
	CHECK(!b.failed && b.len == expect && strlen(b.text) == expect,
	      "len %zu, want %zu", b.len, expect);
	CHECK(b.text && strstr(b.text, "xb_rules{n=\"list-4999\"} 4999\n"),
	      "last sample missing");
	prom_buf_free(&b);
}

void suite_promtext(void)
{
	RUN_TEST("promtext", promtext_label_escaping);
	RUN_TEST("promtext", promtext_families_and_samples);
	RUN_TEST("promtext", promtext_grows);
}
