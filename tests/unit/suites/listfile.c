// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * List files: comments, line ends, BOM, errors, the real lists in
 * tests/data.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/addrlist.h"
#include "formats/listfile.h"
#include "testfiles.h"
#include "testlib.h"
#include "common.h"
#include "suites.h"

static int parse_text(const char *name, const char *text,
		      enum list_on_error on_error, struct parsed_list *l)
{
	return listfile_parse_buffer(name, text, strlen(text), on_error, l);
}

/* Entry @i of @l is @text from line @line. */
static void check_entry(const struct parsed_list *l, size_t i, const char *text,
			uint32_t line)
{
	struct prefix want = pfx(text);

	CHECK(i < l->nr, "entry %zu missing (only %zu)", i, l->nr);
	if (i >= l->nr)
		return;
	CHECK(prefix_eq(&l->entries[i].prefix, &want),
	      "entry %zu is %s, want %s", i, fmt(&l->entries[i].prefix), text);
	CHECK(l->entries[i].line == line, "entry %zu (%s) on line %u, want %u",
	      i, text, l->entries[i].line, line);
}

static void list_comments_blanks_spaces(void)
{
	static const char text[] =
		"# header comment\n" /* 1 */
		"\n" /* 2 */
		"192.0.2.1\n" /* 3 */
		"198.51.100.0/24   # trailing comment\n" /* 4 */
		"  \t10.0.0.0/8 \t \n" /* 5 */
		"\t\n" /* 6 */
		"2001:db8::/32\n" /* 7 */
		"   # indented comment\n" /* 8 */
		"203.0.113.7#comment without a space\n" /* 9 */
		"#192.0.2.99\n" /* 10 */
		"   \n" /* 11 */
		"::1"; /* 12, no newline */
	struct parsed_list l;
	int err = parse_text("basic.txt", text, LIST_ON_ERROR_REJECT, &l);

	CHECK(err == 0, "parse failed: %d %s", err, l.error);
	CHECK(l.nr == 6, "%zu entries, want 6", l.nr);
	CHECK(l.nr_v4 == 4 && l.nr_v6 == 2, "v4 %zu v6 %zu, want 4 and 2",
	      l.nr_v4, l.nr_v6);
	CHECK(l.nr_skipped == 0, "%zu skipped", l.nr_skipped);
	CHECK(l.error[0] == '\0', "error set: %s", l.error);
	check_entry(&l, 0, "192.0.2.1", 3);
	check_entry(&l, 1, "198.51.100.0/24", 4);
	check_entry(&l, 2, "10.0.0.0/8", 5);
	check_entry(&l, 3, "2001:db8::/32", 7);
	check_entry(&l, 4, "203.0.113.7", 9);
	check_entry(&l, 5, "::1", 12);
	parsed_list_free(&l);
}

static void list_crlf_bom_no_final_newline(void)
{
	struct parsed_list l;
	int err;

	err = parse_text(
		"crlf.txt",
		"# c\r\n192.0.2.1\r\n\r\n10.0.0.0/8 # x\r\n 2001:db8::/32 \r\n",
		LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0, "CRLF: %d %s", err, l.error);
	CHECK(l.nr == 3, "CRLF: %zu entries, want 3", l.nr);
	check_entry(&l, 0, "192.0.2.1", 2);
	check_entry(&l, 1, "10.0.0.0/8", 4);
	check_entry(&l, 2, "2001:db8::/32", 5);
	parsed_list_free(&l);

	/* CRLF and no line end after the last line, as in the Feodo list */
	err = parse_text("crlf-eof.txt", "192.0.2.1\r\n192.0.2.2",
			 LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0 && l.nr == 2,
	      "CRLF, no final newline: %d, %zu entries %s", err, l.nr, l.error);
	check_entry(&l, 1, "192.0.2.2", 2);
	parsed_list_free(&l);

	err = parse_text("eof.txt", "192.0.2.1\n2001:db8::/64",
			 LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0 && l.nr == 2, "no final newline: %d, %zu entries", err,
	      l.nr);
	check_entry(&l, 1, "2001:db8::/64", 2);
	parsed_list_free(&l);

	/* UTF-8 BOM before the first entry, and before a first comment */
	err = parse_text("bom.txt",
			 "\xef\xbb\xbf"
			 "192.0.2.1\r\n10.0.0.0/8\n",
			 LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0 && l.nr == 2, "BOM: %d, %zu entries %s", err, l.nr,
	      l.error);
	check_entry(&l, 0, "192.0.2.1", 1);
	check_entry(&l, 1, "10.0.0.0/8", 2);
	parsed_list_free(&l);

	err = parse_text("bom2.txt", "\xef\xbb\xbf# list\n192.0.2.1",
			 LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0 && l.nr == 1, "BOM + comment: %d, %zu entries %s", err,
	      l.nr, l.error);
	check_entry(&l, 0, "192.0.2.1", 2);
	parsed_list_free(&l);

	/* A BOM is only skipped at the start of the file. */
	err = parse_text("bom3.txt",
			 "192.0.2.1\n\xef\xbb\xbf"
			 "192.0.2.2\n",
			 LIST_ON_ERROR_REJECT, &l);
	CHECK(err == -EINVAL && strstr(l.error, "bom3.txt:2:"),
	      "BOM on line 2: %d '%s'", err, l.error);
	parsed_list_free(&l);
}

static void list_empty(void)
{
	static const char *const texts[] = {
		"",
		"\n",
		"\r\n",
		"# only a comment",
		"# a\n\n  # b\n\t\n",
		"\xef\xbb\xbf",
		"\xef\xbb\xbf\r\n",
	};

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		struct parsed_list l;
		int err = parse_text("empty.txt", texts[i],
				     LIST_ON_ERROR_REJECT, &l);

		CHECK(err == 0 && l.nr == 0 && l.nr_skipped == 0 && !l.error[0],
		      "text %zu: %d, %zu entries, '%s'", i, err, l.nr, l.error);
		parsed_list_free(&l);
	}
}

static void list_reject_reports_first_bad_line(void)
{
	static const char text[] = "192.0.2.1\n" /* 1 */
				   "# comment\n" /* 2 */
				   "\n" /* 3 */
				   "not-an-ip\n" /* 4: first bad line */
				   "10.0.0.300\n" /* 5 */
				   "198.51.100.0/24\n";
	struct parsed_list l;
	int err = parse_text("bad.txt", text, LIST_ON_ERROR_REJECT, &l);

	CHECK(err == -EINVAL, "reject returned %d", err);
	CHECK(!strncmp(l.error, "bad.txt:4: ", 11),
	      "error '%s' does not start with 'bad.txt:4: '", l.error);
	CHECK(strstr(l.error, "not an IPv4 or IPv6 address"),
	      "error '%s' lacks the reason", l.error);
	parsed_list_free(&l);

	err = parse_text("hostbits.txt", "10.0.0.0/8\r\n192.0.2.1/24\r\n",
			 LIST_ON_ERROR_REJECT, &l);
	CHECK(err == -EINVAL, "host bits: %d", err);
	CHECK(!strncmp(l.error, "hostbits.txt:2: ", 16) &&
		      strstr(l.error, "host bits"),
	      "host bits error '%s'", l.error);
	parsed_list_free(&l);

	err = parse_text("len.txt", "::/129 # too long\n", LIST_ON_ERROR_REJECT,
			 &l);
	CHECK(err == -EINVAL && !strncmp(l.error, "len.txt:1: ", 11) &&
		      strstr(l.error, "0..128"),
	      "bad length: %d '%s'", err, l.error);
	parsed_list_free(&l);
}

static void list_skip_line_counts_and_keeps(void)
{
	static const char text[] = "192.0.2.1\n" /* 1 good */
				   "bogus\n" /* 2 bad */
				   "10.0.0.0/8\n" /* 3 good */
				   "192.0.2.1/24\n" /* 4 bad: host bits */
				   "\n" /* 5 */
				   "2001:db8::1/129\n" /* 6 bad */
				   "a b\n" /* 7 bad: two fields */
				   "2001:db8::/32"; /* 8 good */
	struct parsed_list l;
	int err = parse_text("skip.txt", text, LIST_ON_ERROR_SKIP_LINE, &l);

	CHECK(err == 0, "skip-line returned %d", err);
	CHECK(l.nr == 3, "%zu entries, want 3", l.nr);
	CHECK(l.nr_skipped == 4, "%zu skipped, want 4", l.nr_skipped);
	CHECK(l.nr_v4 == 2 && l.nr_v6 == 1, "v4 %zu v6 %zu", l.nr_v4, l.nr_v6);
	check_entry(&l, 0, "192.0.2.1", 1);
	check_entry(&l, 1, "10.0.0.0/8", 3);
	check_entry(&l, 2, "2001:db8::/32", 8);
	/* the first problem is still reported, for status and logs */
	CHECK(!strncmp(l.error, "skip.txt:2: ", 12) &&
		      strstr(l.error, "not an IPv4 or IPv6 address"),
	      "error '%s'", l.error);
	parsed_list_free(&l);

	/* the same text rejects at line 2 */
	err = parse_text("skip.txt", text, LIST_ON_ERROR_REJECT, &l);
	CHECK(err == -EINVAL && !strncmp(l.error, "skip.txt:2: ", 12),
	      "reject: %d '%s'", err, l.error);
	parsed_list_free(&l);
}

static void list_two_fields_rejected(void)
{
	static const char *const texts[] = {
		"192.0.2.1 198.51.100.1\n", "192.0.2.0/24\t198.51.100.0/24\r\n",
		"  10.0.0.0/8   drop  # why not\n",
		"192.0.2.0/24 ; SBL123456\n", /* Spamhaus style is not plain */
	};

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		struct parsed_list l;
		int err = parse_text("two.txt", texts[i], LIST_ON_ERROR_REJECT,
				     &l);

		CHECK(err == -EINVAL && l.nr == 0, "text %zu: %d, %zu entries",
		      i, err, l.nr);
		CHECK(!strncmp(l.error, "two.txt:1: ", 11) &&
			      strstr(l.error, "more than one field"),
		      "text %zu: error '%s'", i, l.error);
		parsed_list_free(&l);
	}
}

static void list_odd_bytes(void)
{
	static const char nul[] = "192.0.2.1\n192.0.2.2\0junk\n";
	char longline[300];
	struct parsed_list l;
	int err;

	err = listfile_parse_buffer("nul.txt", nul, sizeof(nul) - 1,
				    LIST_ON_ERROR_REJECT, &l);
	CHECK(err == -EINVAL && !strncmp(l.error, "nul.txt:2: ", 11) &&
		      strstr(l.error, "NUL"),
	      "NUL byte: %d '%s'", err, l.error);
	parsed_list_free(&l);

	memset(longline, 'a', sizeof(longline) - 2);
	longline[sizeof(longline) - 2] = '\n';
	longline[sizeof(longline) - 1] = '\0';
	err = parse_text("long.txt", longline, LIST_ON_ERROR_SKIP_LINE, &l);
	CHECK(err == 0 && l.nr == 0 && l.nr_skipped == 1 &&
		      strstr(l.error, "long.txt:1: ") &&
		      strstr(l.error, "too long"),
	      "long line: %d %zu %zu '%s'", err, l.nr, l.nr_skipped, l.error);
	parsed_list_free(&l);
}

/* Entries shorter than "1.2.3.4\n": the array must grow past its guess. */
static void list_many_short_entries(void)
{
	size_t n = 5000, len = 0;
	char *text = malloc(n * 3 + 1);
	struct parsed_list l;
	int err;

	if (!text)
		exit(2);
	for (size_t i = 0; i < n; i++) {
		memcpy(text + len, "::\n", 3);
		len += 3;
	}
	err = listfile_parse_buffer("short.txt", text, len,
				    LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0 && l.nr == n && l.nr_v6 == n, "%d, %zu entries of %zu",
	      err, l.nr, n);
	CHECK(l.nr && l.entries[l.nr - 1].line == n &&
		      l.entries[l.nr - 1].prefix.plen == 128,
	      "last entry line %u", l.nr ? l.entries[l.nr - 1].line : 0);
	parsed_list_free(&l);
	free(text);
}

static void list_files(void)
{
	const char *path = tmp_write_str(
		"list-file.txt",
		"# a list\r\n192.0.2.0/24\r\nbad\r\n2001:db8::/48");
	const char *empty = tmp_write("empty-file.txt", "", 0);
	char missing[PATH_MAX + 32], want[PATH_MAX + 32];
	struct parsed_list l;
	int err;

	err = listfile_parse(path, LIST_ON_ERROR_SKIP_LINE, &l);
	CHECK(err == 0 && l.nr == 2 && l.nr_skipped == 1,
	      "file: %d %zu %zu '%s'", err, l.nr, l.nr_skipped, l.error);
	check_entry(&l, 0, "192.0.2.0/24", 2);
	check_entry(&l, 1, "2001:db8::/48", 4);
	parsed_list_free(&l);

	err = listfile_parse(path, LIST_ON_ERROR_REJECT, &l);
	snprintf(want, sizeof(want), "%s:3: ", path);
	CHECK(err == -EINVAL && !strncmp(l.error, want, strlen(want)),
	      "file reject: %d '%s', want it to start '%s'", err, l.error,
	      want);
	parsed_list_free(&l);

	err = listfile_parse(empty, LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0 && l.nr == 0 && !l.error[0], "empty file: %d %zu '%s'",
	      err, l.nr, l.error);
	parsed_list_free(&l);

	snprintf(missing, sizeof(missing), "%s/does-not-exist.txt", tmp_dir);
	err = listfile_parse(missing, LIST_ON_ERROR_REJECT, &l);
	CHECK(err == -ENOENT, "missing file returned %d", err);
	CHECK(strstr(l.error, missing) && strstr(l.error, "cannot open") &&
		      strstr(l.error, strerror(ENOENT)),
	      "missing file error '%s'", l.error);
	CHECK(l.nr == 0, "missing file has %zu entries", l.nr);
	parsed_list_free(&l);

	err = listfile_parse(tmp_dir, LIST_ON_ERROR_REJECT, &l);
	CHECK(err < 0 && strstr(l.error, tmp_dir) &&
		      strstr(l.error, "not a regular file"),
	      "directory: %d '%s'", err, l.error);
	parsed_list_free(&l);
}

static void list_real_firehol(void)
{
	const char *path = data_path("firehol_level1.netset");
	struct parsed_list l;
	struct stat st = {0};
	int err;

	CHECK(stat(path, &st) == 0,
	      "%s: %s (set XDPBLOCK_TOP to the repository)", path,
	      strerror(errno));
	CHECK(st.st_size == 45901, "%s is %lld bytes, documented 45,901", path,
	      (long long)st.st_size);
	err = listfile_parse(path, LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0, "reject mode failed: %d %s", err, l.error);
	CHECK(l.nr == 2892, "%zu entries, documented 2,892", l.nr);
	CHECK(l.nr_v4 == 2892 && l.nr_v6 == 0, "v4 %zu v6 %zu, want all IPv4",
	      l.nr_v4, l.nr_v6);
	CHECK(l.nr_skipped == 0 && !l.error[0], "%zu skipped, '%s'",
	      l.nr_skipped, l.error);
	check_entry(&l, 0, "0.0.0.0/8", 34);
	if (l.nr)
		check_entry(&l, l.nr - 1, "224.0.0.0/3", 2925);
	parsed_list_free(&l);
}

static void list_real_feodo(void)
{
	const char *path = data_path("feodo_ipblocklist_recommended.txt");
	struct parsed_list l;
	size_t len = 0;
	char *data;
	int err;

	/* The file really has the shape this test is about. */
	CHECK(file_bytes(path, &data, &len) == 0, "cannot read %s", path);
	CHECK(len == 4225, "%s is %zu bytes, documented 4,225", path, len);
	CHECK(data && len && memmem(data, len, "\r\n", 2) &&
		      data[len - 1] != '\n',
	      "%s should have CRLF line ends and no final newline", path);
	free(data);

	err = listfile_parse(path, LIST_ON_ERROR_REJECT, &l);
	CHECK(err == 0, "reject mode failed: %d %s", err, l.error);
	CHECK(l.nr == 244, "%zu entries, documented 244", l.nr);
	CHECK(l.nr_v4 == 244 && l.nr_skipped == 0, "v4 %zu skipped %zu",
	      l.nr_v4, l.nr_skipped);
	check_entry(&l, 0, "8.8.8.8", 10);
	if (l.nr)
		check_entry(&l, l.nr - 1, "97.107.134.115", 253);
	parsed_list_free(&l);
}

void suite_listfile(void)
{
	RUN_TEST("listfile", list_comments_blanks_spaces);
	RUN_TEST("listfile", list_crlf_bom_no_final_newline);
	RUN_TEST("listfile", list_empty);
	RUN_TEST("listfile", list_reject_reports_first_bad_line);
	RUN_TEST("listfile", list_skip_line_counts_and_keeps);
	RUN_TEST("listfile", list_two_fields_rejected);
	RUN_TEST("listfile", list_odd_bytes);
	RUN_TEST("listfile", list_many_short_entries);
	RUN_TEST("listfile", list_files);
	RUN_TEST("listfile", list_real_firehol);
	RUN_TEST("listfile", list_real_feodo);
}
