// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The list pipeline, without BPF or root:
 *
 *   formats    each list format on real-world-shaped samples (headers,
 *              comments, CRLF, BOM, odd spacing, IPv6, malformed lines)
 *              and on the real lists in tests/data
 *   detect     format = auto on every kind of list in tests/data and on
 *              the domain formats it must refuse
 *   gzip       inflation, multi-member files, truncation at every byte,
 *              corruption, the size cap against a gzip bomb
 *   minisign   keys and signatures made by Debian's minisign 0.11
 *              (tests/data/minisign), legacy and prehashed; wrong key,
 *              every tampered byte, tampered trusted comment
 *   state      the anti-rollback versions file
 *   load       the whole pipeline (listload.c): read, verify, rollback,
 *              inflate, parse, with the reason of every failure
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#define ZLIB_CONST
#include <zlib.h>

#include "common/safefile.h"
#include "config/config.h"
#include "formats/addrlist.h"
#include "formats/listfile.h"
#include "formats/minisign.h"
#include "formats/namelist.h"
#include "lists/lastgood.h"
#include "lists/listload.h"
#include "lists/liststate.h"
#include "lists/listwatch.h"
#include "testfiles.h"
#include "testlib.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct prefix pfx(const char *text)
{
	struct prefix p;
	const char *why;

	if (prefix_parse(text, &p, &why) < 0) {
		fprintf(stderr, "bad test prefix %s: %s\n", text, why);
		exit(2);
	}
	return p;
}

static const char *fmt(const struct prefix *p)
{
	static char buf[4][PREFIX_STRLEN];
	static int n;

	n = (n + 1) % 4;
	prefix_format(p, buf[n], sizeof(buf[n]));
	return buf[n];
}

static int parse_as(enum list_format format, enum list_on_error on_error,
		    const char *name, const char *text, struct parsed_list *l)
{
	const struct list_parse_opts opts = {
		.format = format,
		.on_error = on_error,
		.max_bad_lines = LIST_DEFAULT_MAX_BAD_LINES,
	};

	return listfile_parse_data(name, text, strlen(text), &opts, l);
}

/* Entry @i of @l is @text from line @line. */
static void check_entry(const struct parsed_list *l, size_t i, const char *text,
			uint32_t line)
{
	struct prefix want = pfx(text);

	CHECK(i < l->nr, "entry %zu missing (only %zu)", i, l->nr);
	if (i >= l->nr)
		return;
	CHECK(!prefix_cmp(&l->entries[i].prefix, &want) &&
		      l->entries[i].prefix.plen == want.plen,
	      "entry %zu is %s, want %s", i, fmt(&l->entries[i].prefix), text);
	CHECK(l->entries[i].line == line, "entry %zu (%s) on line %u, want %u",
	      i, text, l->entries[i].line, line);
}

/* A rejected parse: -EINVAL, the message starts "name:line: " and has @why. */
static void check_rejected(int err, const struct parsed_list *l,
			   const char *name, uint32_t line, const char *why)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "%s:%u: ", name, line);
	CHECK(err == -EINVAL, "%s: returned %d, want -EINVAL", name, err);
	CHECK(!strncmp(l->error, prefix, strlen(prefix)) &&
		      strstr(l->error, why),
	      "error '%s', want '%s...%s'", l->error, prefix, why);
	CHECK(l->bad_line == line, "bad_line %u, want %u", l->bad_line, line);
}

/* ==== formats ========================================================== */

/* netset is the plain format under its FireHOL name: same entries. */
static void fmt_plain_and_netset(void)
{
	static const char text[] =
		"#\n# firehol_level1\n#\n# ipv4 hash:net ipset\n"
		"0.0.0.0/8\n1.10.16.0/20 # c\n2001:db8::1\n";
	enum list_format formats[] = {LIST_FORMAT_PLAIN, LIST_FORMAT_NETSET,
				      LIST_FORMAT_AUTO};

	for (size_t f = 0; f < ARRAY_SIZE(formats); f++) {
		struct parsed_list l;
		int err = parse_as(formats[f], LIST_ON_ERROR_REJECT, "n.netset",
				   text, &l);

		CHECK(err == 0 && l.nr == 3, "%s: %d, %zu entries",
		      list_format_name(formats[f]), err, l.nr);
		check_entry(&l, 0, "0.0.0.0/8", 5);
		check_entry(&l, 2, "2001:db8::1/128", 7);
		CHECK(l.format == (formats[f] == LIST_FORMAT_AUTO
					   ? LIST_FORMAT_PLAIN
					   : formats[f]),
		      "format read %s", list_format_name(l.format));
		parsed_list_free(&l);
	}
}

static void fmt_spamhaus_sample(void)
{
	static const char text[] =
		"\xef\xbb\xbf; Spamhaus DROP List 2023/02/20 - (c) 2023 The Spamhaus Project\r\n" /* 1 */
		"; https://www.spamhaus.org/drop/drop.txt\r\n" /* 2 */
		"\r\n" /* 3 */
		"1.10.16.0/20 ; SBL256894\r\n" /* 4 */
		"  1.19.0.0/16\t;\tSBL434604  \r\n" /* 5: odd spacing */
		"2.56.192.0/22;SBL459831\r\n" /* 6: no spaces */
		"2001:678:6c4::/48 ; SBL626637\r\n" /* 7: IPv6 */
		"223.254.0.0/16\r\n" /* 8: no SBL id */
		"   ; indented comment\r\n" /* 9 */
		"; EOF"; /* 10, no line end */
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"1.10.16.1/20 ; SBL1\n", "host bits"},
		{"1.10.16.0/20 1.10.32.0/20 ; SBL1\n", "more than one field"},
		{"SBL256894 ; 1.10.16.0/20\n", "not an IPv4 or IPv6 address"},
		{"1.10.16.0/33 ; SBL1\n", "0..32"},
		{"# a hash comment is not spamhaus\n", "not an IPv4"},
		{"1.10.16.0/20 SBL1\n", "more than one field"},
	};
	struct parsed_list l;
	int err;

	err = parse_as(LIST_FORMAT_SPAMHAUS, LIST_ON_ERROR_REJECT, "drop.txt",
		       text, &l);
	CHECK(err == 0 && l.nr == 5 && l.nr_v4 == 4 && l.nr_v6 == 1,
	      "%d, %zu entries (%zu v4, %zu v6) '%s'", err, l.nr, l.nr_v4,
	      l.nr_v6, l.error);
	check_entry(&l, 0, "1.10.16.0/20", 4);
	check_entry(&l, 1, "1.19.0.0/16", 5);
	check_entry(&l, 2, "2.56.192.0/22", 6);
	check_entry(&l, 3, "2001:678:6c4::/48", 7);
	check_entry(&l, 4, "223.254.0.0/16", 8);
	parsed_list_free(&l);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char text2[256];

		snprintf(text2, sizeof(text2),
			 "; header\n1.2.3.0/24 ; SBL9\n%s", bad[i].text);
		err = parse_as(LIST_FORMAT_SPAMHAUS, LIST_ON_ERROR_REJECT,
			       "bad.txt", text2, &l);
		check_rejected(err, &l, "bad.txt", 3, bad[i].why);
		CHECK(l.nr_skipped == 0, "reject counted %zu skipped",
		      l.nr_skipped);
		parsed_list_free(&l);
		err = parse_as(LIST_FORMAT_SPAMHAUS, LIST_ON_ERROR_SKIP_LINE,
			       "bad.txt", text2, &l);
		CHECK(err == 0 && l.nr == 1 && l.nr_skipped == 1,
		      "skip-line %zu: %d, %zu entries, %zu skipped", i, err,
		      l.nr, l.nr_skipped);
		parsed_list_free(&l);
	}
}

static void fmt_spamhaus_json_sample(void)
{
	static const char text[] =
		"\xef\xbb\xbf{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\",\"rir\":\"apnic\"}\r\n" /* 1 */
		"\r\n" /* 2 */
		"  { \"rir\" : \"ripencc\" , \"cidr\" : \"2.56.192.0/22\" }  \n" /* 3 */
		"{\"cidr\":\"2001:678:6c4::/48\",\"sblid\":\"SBL626637\"}\n" /* 4 */
		"{\"cidr\":\"192.0.2.7\",\"extra\":[1,{\"a\":null}]}\n" /* 5 */
		"{\"type\":\"metadata\",\"timestamp\":1744682874,\"records\":4}"; /* 6 */
	static const struct {
		const char *line, *why;
	} bad[] = {
		{"cidr: 1.2.3.0/24", "not a JSON object"},
		{"{\"cidr\":\"1.2.3.0/24\"", "malformed JSON"},
		{"{\"cidr\":\"1.2.3.0/24\"} x", "malformed JSON"},
		{"{\"cidr\":\"1.2.3.0/24\"}{}", "malformed JSON"},
		{"{\"cidr\":\"1.2.3.0/24\",}", "malformed JSON"},
		{"{\"sblid\":\"SBL1\"}", "no \"cidr\" string"},
		{"{\"cidr\":16909056}", "no \"cidr\" string"},
		{"{\"cidr\":\"1.2.3.4/24\"}", "host bits"},
		{"{\"cidr\":\"1.2.3.0/24 ; x\"}", "length"},
		{"{\"type\":\"comment\"}", "unknown record type"},
		{"[\"1.2.3.0/24\"]", "not a JSON object"},
	};
	struct parsed_list l;
	char text2[512];
	int err;

	err = parse_as(LIST_FORMAT_AUTO, LIST_ON_ERROR_REJECT, "drop.json",
		       text, &l);
	CHECK(err == 0 && l.format == LIST_FORMAT_SPAMHAUS_JSON && l.nr == 4,
	      "%d, format %s, %zu entries '%s'", err,
	      list_format_name(l.format), l.nr, l.error);
	check_entry(&l, 0, "1.10.16.0/20", 1);
	check_entry(&l, 1, "2.56.192.0/22", 3);
	check_entry(&l, 2, "2001:678:6c4::/48", 4);
	check_entry(&l, 3, "192.0.2.7/32", 5);
	parsed_list_free(&l);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text2, sizeof(text2),
			 "{\"cidr\":\"198.51.100.0/24\"}\n%s\n", bad[i].line);
		err = parse_as(LIST_FORMAT_SPAMHAUS_JSON, LIST_ON_ERROR_REJECT,
			       "bad.json", text2, &l);
		check_rejected(err, &l, "bad.json", 2, bad[i].why);
		parsed_list_free(&l);
	}

	/* the metadata line must be last */
	err = parse_as(LIST_FORMAT_SPAMHAUS_JSON, LIST_ON_ERROR_REJECT,
		       "order.json",
		       "{\"type\":\"metadata\"}\n{\"cidr\":\"192.0.2.0/24\"}\n",
		       &l);
	check_rejected(err, &l, "order.json", 2, "after the metadata line 1");
	parsed_list_free(&l);

	/* a metadata count that does not match: cut short; skip-line too */
	snprintf(text2, sizeof(text2),
		 "{\"cidr\":\"192.0.2.0/24\"}\n{\"cidr\":\"bad\"}\n"
		 "{\"type\":\"metadata\",\"records\":3}\n");
	for (int skip = 0; skip < 2; skip++) {
		err = parse_as(LIST_FORMAT_SPAMHAUS_JSON,
			       skip ? LIST_ON_ERROR_SKIP_LINE
				    : LIST_ON_ERROR_REJECT,
			       "cut.json", text2, &l);
		check_rejected(err, &l, "cut.json", skip ? 3 : 2,
			       skip ? "counts 3 records, the file has 2"
				    : "not an IPv4 or IPv6 address");
		parsed_list_free(&l);
	}
	/* the same with the count right: skip-line keeps the good record */
	text2[strlen(text2) - 3] = '2';
	err = parse_as(LIST_FORMAT_SPAMHAUS_JSON, LIST_ON_ERROR_SKIP_LINE,
		       "ok.json", text2, &l);
	CHECK(err == 0 && l.nr == 1 && l.nr_skipped == 1,
	      "count 2, skip-line: %d, %zu entries, %zu skipped '%s'", err,
	      l.nr, l.nr_skipped, l.error);
	parsed_list_free(&l);
}

static void fmt_ipset_sample(void)
{
	static const char text[] =
		"# ipset save, 2 sets\n" /* 1 */
		"create CN hash:net family inet hashsize 2048 maxelem 65536 bucketsize 12 initval 0x82c8553b\n" /* 2 */
		"add CN 103.156.28.0/23\n" /* 3 */
		"add CN 1.0.1.0/24 timeout 300 comment \"nomatch # not an option\"\n" /* 4 */
		"create v6 hash:ip family inet6 counters\r\n" /* 5 */
		"add v6 2001:db8::1 packets 12 bytes 3400\r\n" /* 6 */
		"\n" /* 7 */
		"add   CN\t198.51.100.7  \n" /* 8: a host in hash:net */
		"create masked hash:ip family inet netmask 24\n" /* 9 */
		"add masked 203.0.113.0\n" /* 10 */
		"add masked 192.0.2.77\n" /* 11: stored as its /24 */
		"add masked 10.0.0.0/16\n" /* 12: shorter than the mask */
		"create plain hash:ip\n" /* 13: family inet by default */
		"add plain 192.0.2.9\n"; /* 14 */
	static const struct {
		const char *line, *why;
	} bad[] = {
		{"add nosuch 192.0.2.1", "'nosuch', which no create line"},
		{"add s 192.0.2.1-192.0.2.9", "ranges"},
		{"add s 192.0.2.0/24 nomatch", "nomatch"},
		{"add s 2001:db8::/32", "IPv6 entry in a family inet set"},
		{"add s 192.0.2.1/24", "host bits"},
		{"add s", "without a set name and entry"},
		{"create s hash:net", "already created"},
		{"create p hash:ip,port family inet", "hash:ip,port"},
		{"create l list:set", "list:set"},
		{"create f hash:net family inet7", "inet or inet6"},
		{"create m hash:net netmask 24", "netmask"},
		{"create m hash:ip netmask 33", "netmask"},
		{"del s 192.0.2.1", "ipset command 'del'"},
		{"flush", "ipset command 'flush'"},
	};
	struct parsed_list l;
	char text2[256];
	int err;

	err = parse_as(LIST_FORMAT_AUTO, LIST_ON_ERROR_REJECT, "sets.conf",
		       text, &l);
	CHECK(err == 0 && l.format == LIST_FORMAT_IPSET && l.nr == 8 &&
		      l.nr_v6 == 1,
	      "%d, format %s, %zu entries, %zu v6 '%s'", err,
	      list_format_name(l.format), l.nr, l.nr_v6, l.error);
	check_entry(&l, 0, "103.156.28.0/23", 3);
	check_entry(&l, 1, "1.0.1.0/24", 4);
	check_entry(&l, 2, "2001:db8::1/128", 6);
	check_entry(&l, 3, "198.51.100.7/32", 8);
	check_entry(&l, 4, "203.0.113.0/24", 10);
	check_entry(&l, 5, "192.0.2.0/24", 11);
	check_entry(&l, 6, "10.0.0.0/16", 12);
	check_entry(&l, 7, "192.0.2.9/32", 14);
	parsed_list_free(&l);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text2, sizeof(text2),
			 "create s hash:net family inet\n%s\n", bad[i].line);
		err = parse_as(LIST_FORMAT_IPSET, LIST_ON_ERROR_REJECT,
			       "bad.ipset", text2, &l);
		check_rejected(err, &l, "bad.ipset", 2, bad[i].why);
		parsed_list_free(&l);
	}
}

/* With skip-line, more than max_bad_lines bad lines still reject. */
static void fmt_max_bad_lines(void)
{
	static const char text[] = "192.0.2.1\nx\n192.0.2.2\ny\nz\n";
	struct list_parse_opts opts = {.format = LIST_FORMAT_PLAIN,
				       .on_error = LIST_ON_ERROR_SKIP_LINE};
	struct parsed_list l;
	int err;

	opts.max_bad_lines = 3;
	err = listfile_parse_data("t.txt", text, strlen(text), &opts, &l);
	CHECK(err == 0 && l.nr == 2 && l.nr_skipped == 3,
	      "3 bad, max 3: %d, %zu entries, %zu skipped", err, l.nr,
	      l.nr_skipped);
	parsed_list_free(&l);

	opts.max_bad_lines = 2;
	err = listfile_parse_data("t.txt", text, strlen(text), &opts, &l);
	check_rejected(err, &l, "t.txt", 2, "more than max_bad_lines = 2");
	parsed_list_free(&l);

	opts.max_bad_lines = 0;
	err = listfile_parse_data("t.txt", text, strlen(text), &opts, &l);
	check_rejected(err, &l, "t.txt", 2, "not an IPv4 or IPv6 address");
	parsed_list_free(&l);
}

/* A format given explicitly is used even where auto would choose another. */
static void fmt_explicit_overrides_auto(void)
{
	struct parsed_list l;
	int err;

	err = parse_as(LIST_FORMAT_PLAIN, LIST_ON_ERROR_REJECT, "drop.txt",
		       "; Spamhaus DROP\n1.10.16.0/20 ; SBL256894\n", &l);
	check_rejected(err, &l, "drop.txt", 1, "not an IPv4 or IPv6 address");
	parsed_list_free(&l);

	err = parse_as(LIST_FORMAT_SPAMHAUS, LIST_ON_ERROR_REJECT, "p.txt",
		       "# plain\n192.0.2.0/24\n", &l);
	check_rejected(err, &l, "p.txt", 1, "not an IPv4 or IPv6 address");
	parsed_list_free(&l);

	err = parse_as(LIST_FORMAT_IPSET, LIST_ON_ERROR_REJECT, "p.txt",
		       "192.0.2.0/24\n", &l);
	check_rejected(err, &l, "p.txt", 1, "ipset command '192.0.2.0/24'");
	parsed_list_free(&l);
}

struct real_list {
	const char *file;
	off_t bytes;
	enum list_format format; /* what auto must find */
	size_t nr_v4, nr_v6;
	const char *first;
	uint32_t first_line;
	const char *last;
	uint32_t last_line;
};

/*
 * Every IP list in tests/data, read with format = auto. The counts were
 * taken with grep, independently of the parser:
 *   spamhaus_drop.txt     grep -c -v '^;'  -> 936, none with ':'
 *   spamhaus_dropv6.txt   grep -c -v '^;'  -> 78, all with ':'
 *   spamhaus_drop_v4.json grep -c '"cidr"' -> 1406 (plus the metadata line)
 *   ipset sashablue       grep -c '^add '  -> 50
 *   ipset ipdeny cn       grep -c '^add '  -> 703
 *   firehol / feodo       as documented in tests/data/README.md
 * and the first and last entries with grep -n ... | head -1 / tail -1.
 */
static const struct real_list real_lists[] = {
	{"spamhaus_drop.txt", 26008, LIST_FORMAT_SPAMHAUS, 936, 0,
	 "1.10.16.0/20", 5, "223.254.0.0/16", 940},
	{"spamhaus_dropv6.txt", 2437, LIST_FORMAT_SPAMHAUS, 0, 78,
	 "2001:678:6c4::/48", 5, "2c0f:6c0::/28", 82},
	{"spamhaus_drop_v4.json", 85907, LIST_FORMAT_SPAMHAUS_JSON, 1406, 0,
	 "1.10.16.0/20", 1, "223.254.0.0/16", 1406},
	{"ipset_save_sashablue_blocklist.conf", 1476, LIST_FORMAT_IPSET, 50, 0,
	 "14.103.116.98/32", 2, "140.246.176.218/32", 51},
	{"ipset_save_ipdeny_cn.conf.head", 15979, LIST_FORMAT_IPSET, 703, 0,
	 "103.156.28.0/23", 2, "103.238.0.0/21", 704},
	{"firehol_level1.netset", 45901, LIST_FORMAT_PLAIN, 2892, 0,
	 "0.0.0.0/8", 34, "224.0.0.0/3", 2925},
	{"feodo_ipblocklist_recommended.txt", 4225, LIST_FORMAT_PLAIN, 244, 0,
	 "8.8.8.8/32", 10, "97.107.134.115/32", 253},
};

static void fmt_real_lists(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(real_lists); i++) {
		const struct real_list *r = &real_lists[i];
		const struct list_parse_opts opts = {
			.format = LIST_FORMAT_AUTO,
			.on_error = LIST_ON_ERROR_REJECT,
		};
		struct parsed_list l;
		char *data = NULL;
		size_t len = 0;
		int err;

		CHECK(file_bytes(data_path(r->file), &data, &len) == 0 &&
			      (off_t)len == r->bytes,
		      "%s: %zu bytes, documented %lld (set XDPBLOCK_TOP)",
		      r->file, len, (long long)r->bytes);
		if (!data)
			continue;
		err = listfile_parse_data(r->file, data, len, &opts, &l);
		CHECK(err == 0 && l.format == r->format,
		      "%s: %d, format %s, want %s: %s", r->file, err,
		      list_format_name(l.format), list_format_name(r->format),
		      l.error);
		CHECK(l.nr_v4 == r->nr_v4 && l.nr_v6 == r->nr_v6 &&
			      l.nr_skipped == 0,
		      "%s: %zu IPv4 + %zu IPv6 entries (%zu skipped), want %zu + %zu",
		      r->file, l.nr_v4, l.nr_v6, l.nr_skipped, r->nr_v4,
		      r->nr_v6);
		check_entry(&l, 0, r->first, r->first_line);
		if (l.nr)
			check_entry(&l, l.nr - 1, r->last, r->last_line);
		parsed_list_free(&l);
		free(data);
	}
}

/* ==== domain formats =================================================== */

static int parse_names_as(enum list_format format, enum list_on_error on_error,
			  const char *origin, const char *name,
			  const char *text, struct parsed_names *l)
{
	const struct list_parse_opts opts = {
		.format = format,
		.on_error = on_error,
		.max_bad_lines = LIST_DEFAULT_MAX_BAD_LINES,
		.origin = origin,
	};

	return listfile_parse_names_data(name, text, strlen(text), &opts, l);
}

/* A domain rule as a test writes it: "=name" exact, "name" suffix. */
struct want_name {
	const char *rule;
	uint8_t action; /* NAME_ACTION_LIST or an enum xdpb_action */
	uint32_t line;
};

static void check_name(const struct parsed_names *l, size_t i,
		       const struct want_name *w)
{
	int exact = w->rule[0] == '=';
	const char *text = w->rule + exact;
	const struct name_entry *ne;

	CHECK(i < l->nr, "entry %zu (%s) missing (only %zu)", i, w->rule,
	      l->nr);
	if (i >= l->nr)
		return;
	ne = &l->entries[i];
	CHECK(!strcmp(l->text + ne->text_off, text) &&
		      ne->kind ==
			      (exact ? XDPB_NAME_EXACT : XDPB_NAME_SUFFIX) &&
		      ne->action == w->action && ne->line == w->line,
	      "entry %zu is %s%s action %u line %u, want %s action %u line %u",
	      i, ne->kind == XDPB_NAME_EXACT ? "=" : "", l->text + ne->text_off,
	      ne->action, ne->line, w->rule, w->action, w->line);
}

static void check_names(const struct parsed_names *l,
			const struct want_name *want, size_t nr)
{
	CHECK(l->nr == nr, "%zu entries, want %zu", l->nr, nr);
	for (size_t i = 0; i < nr; i++)
		check_name(l, i, &want[i]);
}

/* A rejected domain list: -EINVAL, "name:line: " and @why. */
static void check_names_rejected(int err, const struct parsed_names *l,
				 const char *name, uint32_t line,
				 const char *why)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "%s:%u: ", name, line);
	CHECK(err == -EINVAL, "%s: returned %d, want -EINVAL", name, err);
	CHECK(!strncmp(l->error, prefix, strlen(prefix)) &&
		      strstr(l->error, why),
	      "error '%s', want '%s...%s'", l->error, prefix, why);
}

#define L NAME_ACTION_LIST

static void fmt_hosts_sample(void)
{
	static const char text[] =
		"\xef\xbb\xbf# hosts\r\n" /* 1 */
		"127.0.0.1 localhost\r\n" /* 2: ignored */
		"::1 localhost ip6-localhost ip6-loopback\n" /* 3: ignored */
		"fe80::1%lo0 localhost\n" /* 4: zone index, ignored */
		"255.255.255.255 broadcasthost\n" /* 5: ignored */
		"0.0.0.0 0.0.0.0\n" /* 6: an address for a name: unsupported */
		"0.0.0.0 Ads.Example.COM\n" /* 7 */
		"127.0.0.1\tone.example two.example # two names\n" /* 8 */
		"::   v6.example\n" /* 9 */
		"::1 loop6.example\n" /* 10 */
		"127.1.2.3 loop8.example\n" /* 11 */
		"192.0.2.7 intranet.example\n" /* 12: a redirect: unsupported */
		"0.0.0.0 last.example"; /* 13, no line end */
	static const struct want_name want[] = {
		{"=ads.example.com", L, 7}, {"=one.example", L, 8},
		{"=two.example", L, 8},	    {"=v6.example", L, 9},
		{"=loop6.example", L, 10},  {"=loop8.example", L, 11},
		{"=last.example", L, 13},
	};
	static const struct {
		const char *line, *why;
	} bad[] = {
		{"0.0.0.0", "an address without a name"},
		{"ads.example 0.0.0.0", "not an IPv4 or IPv6 address"},
		{"0.0.0.0 bad..example", "empty label"},
		{"0.0.0.0 *.wild.example", "a character other than"},
		{"0.0.0.0/8 net.example", "not an IPv4 or IPv6 address"},
	};
	struct parsed_names l;
	char text2[256];
	int err;

	err = parse_names_as(LIST_FORMAT_HOSTS, LIST_ON_ERROR_REJECT, NULL,
			     "hosts", text, &l);
	CHECK(err == 0 && l.nr_unsupported == 2 &&
		      strstr(l.unsupported, "hosts:6: an IPv4 address"),
	      "%d, %zu unsupported '%s' '%s'", err, l.nr_unsupported,
	      l.unsupported, l.error);
	check_names(&l, want, ARRAY_SIZE(want));
	parsed_names_free(&l);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text2, sizeof(text2), "0.0.0.0 a.example\n%s\n",
			 bad[i].line);
		err = parse_names_as(LIST_FORMAT_HOSTS, LIST_ON_ERROR_REJECT,
				     NULL, "bad.hosts", text2, &l);
		check_names_rejected(err, &l, "bad.hosts", 2, bad[i].why);
		parsed_names_free(&l);
		err = parse_names_as(LIST_FORMAT_HOSTS, LIST_ON_ERROR_SKIP_LINE,
				     NULL, "bad.hosts", text2, &l);
		CHECK(err == 0 && l.nr == 1 && l.nr_skipped == 1,
		      "skip-line %zu: %d, %zu entries, %zu skipped", i, err,
		      l.nr, l.nr_skipped);
		parsed_names_free(&l);
	}
}

static void fmt_adblock_sample(void)
{
	static const char text[] =
		"[Adblock Plus 2.0]\n" /* 1 */
		"! Title: sample\n" /* 2 */
		"# a comment too\n" /* 3 */
		"||ads.example^\n" /* 4 */
		"@@||good.ads.example^\n" /* 5: allow */
		"||Tracker.Example.^|\n" /* 6 */
		"|exact.example^\n" /* 7: exact */
		"bare.example\n" /* 8: exact, domains-only syntax */
		"||1.0.218.230^\n" /* 9: an IP literal: unsupported */
		"||opt.example^$important\n" /* 10: options: unsupported */
		"||opt.example^$third-party\n" /* 11 */
		"@@||opt.example^$dnstype=AAAA\n" /* 12 */
		"||url.example/path\n" /* 13: a URL */
		"||port.example:8080^\n" /* 14 */
		"/ads[0-9]+\\.example/\n" /* 15: regex */
		"example.com##.banner\n" /* 16: cosmetic */
		"##.ad\n" /* 17 */
		"||ad*.example^\n" /* 18: wildcard */
		"||noanchor.example\n" /* 19: no ^ */
		"-ad-banner.\n" /* 20: a URL substring pattern */
		"@@||allow2.example^"; /* 21 */
	static const struct want_name want[] = {
		{"ads.example", L, 4},
		{"good.ads.example", XDPB_ACT_ALLOW, 5},
		{"tracker.example", L, 6},
		{"=exact.example", L, 7},
		{"=bare.example", L, 8},
		{"allow2.example", XDPB_ACT_ALLOW, 21},
	};
	static const struct {
		const char *line, *why;
	} bad[] = {
		{"||bad..example^", "empty label"},
		{"||^", "no name in the rule"},
		{"||two words.example^", "not an Adblock-style rule"},
		{"<html><body>", "not an Adblock-style rule"},
		{"@@||bad_name!.example^", "a character other than"},
		{"@@", "@@ without a rule after it"},
	};
	struct parsed_names l;
	char text2[256];
	int err;

	err = parse_names_as(LIST_FORMAT_ADBLOCK, LIST_ON_ERROR_REJECT, NULL,
			     "ab.txt", text, &l);
	CHECK(err == 0 && l.nr_unsupported == 12 && l.nr_skipped == 0 &&
		      strstr(l.unsupported, "ab.txt:9: an IP address rule"),
	      "%d, %zu unsupported '%s' '%s'", err, l.nr_unsupported,
	      l.unsupported, l.error);
	check_names(&l, want, ARRAY_SIZE(want));
	parsed_names_free(&l);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text2, sizeof(text2), "||a.example^\n%s\n",
			 bad[i].line);
		err = parse_names_as(LIST_FORMAT_ADBLOCK, LIST_ON_ERROR_REJECT,
				     NULL, "bad.txt", text2, &l);
		check_names_rejected(err, &l, "bad.txt", 2, bad[i].why);
		parsed_names_free(&l);
	}
}

static void fmt_rpz_sample(void)
{
	static const char text[] =
		"; a policy zone\n" /* 1 */
		"$TTL 1h\n" /* 2 */
		"@ IN SOA ns.example. hostmaster.example. ( 1 ; serial\n" /* 3 */
		"   3600 600 ; \"quoted ; in a comment\"\n" /* 4 */
		"   86400 300 )\n" /* 5 */
		"  IN NS localhost.\n" /* 6: blank owner: the apex */
		"bad.example CNAME .\n" /* 7: nxdomain, exact */
		"*.bad.example 300 IN CNAME .\n" /* 8: nxdomain, suffix */
		"good.bad.example IN 300 cname rpz-passthru.\n" /* 9: allow */
		"nodata.example CNAME *.\n" /* 10: refused */
		"drop.example.rpz.test. CNAME rpz-drop.\n" /* 11: absolute */
		"$ORIGIN sub.example.rpz.test.\n" /* 12 */
		"www CNAME ( . )\n" /* 13: www.sub.example */
		"redirect.example.rpz.test. CNAME walled.example.\n" /* 14 */
		"a.example.rpz.test. A 192.0.2.1\n" /* 15: local data */
		"32.1.2.0.192.rpz-ip.rpz.test. CNAME .\n" /* 16: rpz-ip */
		"tcp.example.rpz.test. CNAME rpz-tcp-only.\n" /* 17 */
		"txt.example.rpz.test. TXT \"a ; b\"\n"; /* 18 */
	static const struct want_name want[] = {
		{"=bad.example", XDPB_ACT_NXDOMAIN, 7},
		{"bad.example", XDPB_ACT_NXDOMAIN, 8},
		{"=good.bad.example", XDPB_ACT_ALLOW, 9},
		{"=nodata.example", XDPB_ACT_REFUSED, 10},
		{"=drop.example", XDPB_ACT_DROP, 11},
		{"=www.sub.example", XDPB_ACT_NXDOMAIN, 13},
	};
	static const struct {
		const char *line, *why;
	} bad[] = {
		{"x.example CNAME . extra", "more than one CNAME target"},
		{"x.example CNAME", "a record without data"},
		{"x.other. CNAME .", "not inside the zone rpz.test"},
		{"$INCLUDE /etc/other.zone", "$INCLUDE"},
		{"$GENERATE 1-10 x$ CNAME .", "a directive other than"},
		{"x..example CNAME .", "empty label"},
		{"x.example 300 IN", "no record type"},
		{"x.example ( CNAME .", "'(' without ')'"},
		{"x.example CNAME . )", "')' without '('"},
		{"@ CNAME .", "at the zone's own name"},
		{"<html> CNAME .", "a character other than"},
	};
	struct parsed_names l;
	char text2[256];
	int err;

	/* the SOA's owner is "@": the configured origin is the zone */
	err = parse_names_as(LIST_FORMAT_RPZ, LIST_ON_ERROR_REJECT, "rpz.test.",
			     "p.zone", text, &l);
	CHECK(err == 0 && l.nr_unsupported == 5 &&
		      strstr(l.unsupported,
			     "p.zone:14: a CNAME to another name"),
	      "%d, %zu unsupported '%s' '%s'", err, l.nr_unsupported,
	      l.unsupported, l.error);
	check_names(&l, want, ARRAY_SIZE(want));
	parsed_names_free(&l);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(
			text2, sizeof(text2),
			"rpz.test. SOA a. b. 1 2 3 4 5\nok.example CNAME .\n%s\n",
			bad[i].line);
		err = parse_names_as(LIST_FORMAT_RPZ, LIST_ON_ERROR_REJECT,
				     NULL, "bad.zone", text2, &l);
		check_names_rejected(err, &l, "bad.zone", 3, bad[i].why);
		parsed_names_free(&l);
		err = parse_names_as(LIST_FORMAT_RPZ, LIST_ON_ERROR_SKIP_LINE,
				     NULL, "bad.zone", text2, &l);
		CHECK(err == 0 && l.nr == 1 && l.nr_skipped == 1,
		      "skip-line %zu: %d, %zu entries, %zu skipped '%s'", i,
		      err, l.nr, l.nr_skipped, l.error);
		parsed_names_free(&l);
	}
}

/* An address format is not a domain format, and the other way round. */
static void fmt_domain_format_mismatch(void)
{
	struct parsed_names n;
	struct parsed_list l;
	int err;

	err = parse_names_as(LIST_FORMAT_PLAIN, LIST_ON_ERROR_REJECT, NULL,
			     "p.txt", "192.0.2.0/24\n", &n);
	CHECK(err == -EINVAL && strstr(n.error, "holds addresses"), "%d '%s'",
	      err, n.error);
	parsed_names_free(&n);
	err = parse_as(LIST_FORMAT_AUTO, LIST_ON_ERROR_REJECT, "h.txt",
		       "0.0.0.0 example.com\n", &l);
	CHECK(err == -ENOTSUP && strstr(l.error, "format hosts"), "%d '%s'",
	      err, l.error);
	parsed_list_free(&l);
	/* more than max_bad_lines malformed lines reject a domain list too */
	{
		const struct list_parse_opts opts = {
			.format = LIST_FORMAT_HOSTS,
			.on_error = LIST_ON_ERROR_SKIP_LINE,
			.max_bad_lines = 1,
		};
		static const char text[] = "x\n0.0.0.0 a.example\ny\n";

		err = listfile_parse_names_data("m.hosts", text, strlen(text),
						&opts, &n);
		check_names_rejected(err, &n, "m.hosts", 1,
				     "more than max_bad_lines = 1");
		parsed_names_free(&n);
	}
}

struct real_domain_list {
	const char *file;
	off_t bytes;
	enum list_format format; /* what auto must find */
	const char *origin; /* rpz: the configured zone name */
	size_t nr, nr_exact, nr_unsupported;
	struct want_name first, last;
};

/*
 * Every domain-format list in tests/data, read with format = auto. The
 * counts were taken with grep and awk, not with the parser:
 *   stevenblack_hosts.head   grep -c '^0\.0\.0\.0 '  -> 4377, one of them
 *       "0.0.0.0 0.0.0.0" (line 28): 4376 rules, 1 unsupported; every
 *       other entry line names only localhost-type names (grep -v, awk
 *       '{print $2}' | sort | uniq -c); each 0.0.0.0 line has one name
 *   urlhaus_filter_hosts_online.txt  grep -c '^0\.0\.0\.0 ' -> 1135
 *   adblock_dnsbunker_cti.txt  grep -c '^||[^/$]*\^$' -> 6125, no other
 *       rule lines
 *   adblock_urlhaus_filter_agh_online.txt  the same -> 5493, of which
 *       grep -cE '^\|\|[0-9.]+\^$' -> 4358 address rules
 *   rpz_dnsbunker_cti.zone.head  grep -cE '^[^;* ].*CNAME +\.$' -> 2386
 *       names, grep -cE '^\*\..*CNAME +\.$' -> 2386 wildcards
 *   rpz_urlhaus_filter_online.zone  grep -c ' CNAME \.$' -> 1135
 *   rpz_serrc_safesearch.zone  grep -c 'IN CNAME' -> 200, every one to
 *       another name (a redirect): no rule
 *   rpz_rodrigoavv_ubuntu.zone  grep -cE '^[a-z0-9].*\.rpz\. +CNAME \.$'
 *       -> 167 names, grep -cE '^\*\..*\.rpz\. +CNAME \.$' -> 165
 *   domains_dnsbunker_cti.txt  grep -vcE '^(#|$)' -> 6125
 *   urlhaus_filter_domains_online.txt  grep -vcE '^(#|$)' -> 5493, of
 *       which grep -cE '^[0-9.]+$' -> 4358 addresses
 * and the first and last entries with grep -n ... | sed -n '1p;$p'.
 */
static const struct real_domain_list real_domain_lists[] = {
	{"stevenblack_hosts.head",
	 153584,
	 LIST_FORMAT_HOSTS,
	 NULL,
	 4376,
	 4376,
	 1,
	 {"=ck.getcookiestxt.com", L, 40},
	 {"=a987.casalemedia.com", L, 5855}},
	{"urlhaus_filter_hosts_online.txt",
	 31009,
	 LIST_FORMAT_HOSTS,
	 NULL,
	 1135,
	 1135,
	 0,
	 {"=1008691.com", L, 10},
	 {"=zofer.com.br", L, 1144}},
	{"adblock_dnsbunker_cti.txt",
	 103033,
	 LIST_FORMAT_ADBLOCK,
	 NULL,
	 6125,
	 0,
	 0,
	 {"0011pgvip.com", L, 13},
	 {"zzzmoechattest.vip", L, 6137}},
	{"adblock_urlhaus_filter_agh_online.txt",
	 100739,
	 LIST_FORMAT_ADBLOCK,
	 NULL,
	 1135,
	 0,
	 4358,
	 {"1008691.com", L, 76},
	 {"zofer.com.br", L, 5502}},
	{"rpz_dnsbunker_cti.zone.head",
	 153555,
	 LIST_FORMAT_RPZ,
	 NULL,
	 4772,
	 2386,
	 0,
	 {"=0011pgvip.com", XDPB_ACT_NXDOMAIN, 17},
	 {"emagrecermounjaro.store", XDPB_ACT_NXDOMAIN, 4788}},
	{"rpz_urlhaus_filter_online.zone",
	 31136,
	 LIST_FORMAT_RPZ,
	 NULL,
	 1135,
	 1135,
	 0,
	 {"=1008691.com", XDPB_ACT_NXDOMAIN, 15},
	 {"=zofer.com.br", XDPB_ACT_NXDOMAIN, 1149}},
	{"rpz_serrc_safesearch.zone",
	 13680,
	 LIST_FORMAT_RPZ,
	 NULL,
	 0,
	 0,
	 200,
	 {NULL, 0, 0},
	 {NULL, 0, 0}},
	{"rpz_rodrigoavv_ubuntu.zone",
	 13608,
	 LIST_FORMAT_RPZ,
	 "rpz",
	 332,
	 167,
	 0,
	 {"=tiktok.com", XDPB_ACT_NXDOMAIN, 11},
	 {"zapgames.io", XDPB_ACT_NXDOMAIN, 507}},
	{"domains_dnsbunker_cti.txt",
	 84590,
	 LIST_FORMAT_DOMAINS,
	 NULL,
	 6125,
	 0,
	 0,
	 {"0011pgvip.com", L, 10},
	 {"zzzmoechattest.vip", L, 6134}},
	{"urlhaus_filter_domains_online.txt",
	 84249,
	 LIST_FORMAT_PLAIN,
	 NULL,
	 1135,
	 0,
	 4358,
	 {"1008691.com", L, 76},
	 {"zofer.com.br", L, 5502}},
};

static void fmt_real_domain_lists(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(real_domain_lists); i++) {
		const struct real_domain_list *r = &real_domain_lists[i];
		struct list_parse_opts opts = {
			.on_error = LIST_ON_ERROR_REJECT,
			.origin = r->origin,
		};
		struct parsed_names l;
		char why[256] = "";
		size_t len = 0, exact = 0;
		char *data = NULL;
		int err;

		CHECK(file_bytes(data_path(r->file), &data, &len) == 0 &&
			      (off_t)len == r->bytes,
		      "%s: %zu bytes, documented %lld (set XDPBLOCK_TOP)",
		      r->file, len, (long long)r->bytes);
		if (!data)
			continue;
		err = listfile_detect(data, len, &opts.format, why,
				      sizeof(why));
		CHECK(err == 0 && opts.format == r->format,
		      "%s: detected %d %s, want %s (%s)", r->file, err,
		      list_format_name(opts.format),
		      list_format_name(r->format), why);
		/*
		 * urlhaus_filter_domains_online.txt starts with an address,
		 * so auto reads it as plain (and refuses its first name):
		 * it is a domain list only with format = domains
		 */
		if (r->format == LIST_FORMAT_PLAIN)
			opts.format = LIST_FORMAT_DOMAINS;
		err = listfile_parse_names_data(r->file, data, len, &opts, &l);
		for (size_t e = 0; e < l.nr; e++)
			exact += l.entries[e].kind == XDPB_NAME_EXACT;
		CHECK(err == 0 && l.nr == r->nr && exact == r->nr_exact &&
			      l.nr_unsupported == r->nr_unsupported &&
			      l.nr_skipped == 0,
		      "%s: %d, %zu entries (%zu exact), %zu unsupported, want %zu (%zu), %zu: %s",
		      r->file, err, l.nr, exact, l.nr_unsupported, r->nr,
		      r->nr_exact, r->nr_unsupported, l.error);
		if (r->first.rule) {
			check_name(&l, 0, &r->first);
			if (l.nr)
				check_name(&l, l.nr - 1, &r->last);
		}
		parsed_names_free(&l);
		free(data);
	}
}

/*
 * Without origin, a zone whose owners end in the zone's name but that has
 * no $ORIGIN and an SOA at "@" gives names with that suffix: origin is
 * what makes rpz_rodrigoavv_ubuntu.zone read right.
 */
static void fmt_rpz_origin(void)
{
	struct parsed_names l;
	size_t len;
	char *data = NULL;
	int err;

	if (file_bytes(data_path("rpz_rodrigoavv_ubuntu.zone"), &data, &len)) {
		CHECK(0, "rpz_rodrigoavv_ubuntu.zone missing");
		return;
	}
	data[len] = '\0';
	err = parse_names_as(LIST_FORMAT_RPZ, LIST_ON_ERROR_REJECT, NULL,
			     "r.zone", data, &l);
	CHECK(err == 0 && l.nr == 332 &&
		      !strcmp(l.text + l.entries[0].text_off, "tiktok.com.rpz"),
	      "%d, %zu, first %s", err, l.nr,
	      l.nr ? l.text + l.entries[0].text_off : "-");
	parsed_names_free(&l);
	/* an origin the owners are not in */
	err = parse_names_as(LIST_FORMAT_RPZ, LIST_ON_ERROR_REJECT,
			     "other.zone", "r.zone", data, &l);
	check_names_rejected(
		err, &l, "r.zone", 11,
		"tiktok.com.rpz is not inside the zone other.zone");
	parsed_names_free(&l);
	free(data);
}

/*
 * Issue 12, finding 1: each line inside '(' ... ')' appends a separator.
 * That byte once went past the record's bound check, so a long record
 * followed by comment-only lines wrote past the record buffer (a feed
 * crashed a running daemon). Now the record is refused, whatever the
 * number of lines, and with skip-line the next record parses again.
 */
static void fmt_rpz_record_bound(void)
{
	size_t cap = 2048 + 12 + 5000 * 3 + 64, len = 0;
	char *zone = malloc(cap);
	struct parsed_names l;
	int err;

	if (!zone) {
		CHECK(0, "malloc");
		return;
	}
	len += snprintf(zone + len, cap - len, "a CNAME ( ");
	memset(zone + len, 'x', 2035);
	len += 2035;
	zone[len++] = '\n';
	for (int i = 0; i < 5000; i++)
		len += snprintf(zone + len, cap - len, ";c\n");
	len += snprintf(zone + len, cap - len, ")\nok CNAME .\n");
	err = parse_names_as(LIST_FORMAT_RPZ, LIST_ON_ERROR_REJECT, NULL,
			     "bomb.zone", zone, &l);
	check_names_rejected(err, &l, "bomb.zone", 3,
			     "a record longer than 2047 characters");
	parsed_names_free(&l);
	err = parse_names_as(LIST_FORMAT_RPZ, LIST_ON_ERROR_SKIP_LINE, NULL,
			     "bomb.zone", zone, &l);
	CHECK(err == 0 && l.nr == 1 &&
		      !strcmp(l.text + l.entries[0].text_off, "ok"),
	      "skip-line: %d, %zu entries, first %s", err, l.nr,
	      l.nr ? l.text + l.entries[0].text_off : "-");
	parsed_names_free(&l);
	free(zone);
}

/*
 * Issue 12, finding 9: an RPZ owner with a terminal escape (ESC [ 31 m)
 * was quoted raw in the error, which reaches the journal, `xdpblockctl
 * status` and `xdpblockd --check` on a terminal. It comes out as \x1b,
 * in a domain list's error and an address list's alike.
 */
static void check_escaped(const char *what, const char *error, const char *want)
{
	CHECK(strstr(error, want), "%s: error '%s' lacks '%s'", what, error,
	      want);
	for (const char *c = error; *c; c++)
		CHECK(*c >= 0x20 && *c < 0x7f, "%s: raw byte 0x%02x in '%s'",
		      what, (unsigned char)*c, error);
}

static void fmt_error_escapes_control_bytes(void)
{
	struct parsed_names n;
	struct parsed_list l;
	int err;

	/* an owner outside the zone: the message quotes it */
	err = parse_names_as(LIST_FORMAT_RPZ, LIST_ON_ERROR_REJECT,
			     "rpz.example", "esc.zone",
			     "evil.\x1b[31mred. CNAME .\n", &n);
	CHECK(err == -EINVAL, "rpz: %d", err);
	check_escaped("rpz", n.error, "evil.\\x1b[31mred is not inside");
	parsed_names_free(&n);
	/* an ipset command: quoted; the 8-bit CSI (0x9b) too */
	err = parse_as(LIST_FORMAT_IPSET, LIST_ON_ERROR_REJECT, "esc.ipset",
		       "\x9b"
		       "2J\x1b]0;title\x07 x\n",
		       &l);
	CHECK(err == -EINVAL, "ipset: %d", err);
	check_escaped("ipset", l.error, "'\\x9b2J\\x1b]0;title\\x07'");
	parsed_list_free(&l);
}

#undef L

/* ==== detect =========================================================== */

static void detect_table(void)
{
	/* heads of the lists in /work/shared/lists, quoted from each */
	static const struct {
		const char *what, *text;
		int format; /* -1: refused */
		const char *why;
	} cases[] = {
		{"plain", "192.0.2.0/24\n", LIST_FORMAT_PLAIN, NULL},
		{"empty", "", LIST_FORMAT_PLAIN, NULL},
		{"comments only", "# x\n\n", LIST_FORMAT_PLAIN, NULL},
		{"spamhaus comments only", "; Spamhaus DROP\n; EOF\n",
		 LIST_FORMAT_SPAMHAUS, NULL},
		{"spamhaus without header", "1.10.16.0/20 ; SBL256894\n",
		 LIST_FORMAT_SPAMHAUS, NULL},
		{"plain with a bad first length", "# x\n192.0.2.1/24\n",
		 LIST_FORMAT_PLAIN, NULL},
		{"ipset add first", "add CN 1.2.3.0/24\n", LIST_FORMAT_IPSET,
		 NULL},
		{"json", "\xef\xbb\xbf\r\n{\"cidr\":\"1.10.16.0/20\"}\n",
		 LIST_FORMAT_SPAMHAUS_JSON, NULL},
		{"stevenblack_hosts.head",
		 "# Title: StevenBlack/hosts\n#\n127.0.0.1 localhost\n",
		 LIST_FORMAT_HOSTS, NULL},
		{"urlhaus_filter_hosts_online.txt",
		 "# Title: Online Malicious Hosts Blocklist\n\n0.0.0.0 1008691.com\n",
		 LIST_FORMAT_HOSTS, NULL},
		{"hosts, IPv6 first", "::1 localhost\n", LIST_FORMAT_HOSTS,
		 NULL},
		{"adblock_dnsbunker_cti.txt",
		 "[Adblock Plus 2.0]\n! Title: x\n||0011pgvip.com^\n",
		 LIST_FORMAT_ADBLOCK, NULL},
		{"adblock_urlhaus_filter_agh_online.txt",
		 "! Title: x\n||1.0.218.230^\n", LIST_FORMAT_ADBLOCK, NULL},
		{"adblock allow rule first", "@@||example.com^\n",
		 LIST_FORMAT_ADBLOCK, NULL},
		{"adblock comments only", "! Title: x\n", LIST_FORMAT_ADBLOCK,
		 NULL},
		{"rpz_dnsbunker_cti.zone.head",
		 "; comment\n$TTL 300\n@ IN SOA localhost. admin.localhost. (\n",
		 LIST_FORMAT_RPZ, NULL},
		{"rpz_serrc_safesearch.zone",
		 "rpz.\t\t\t      300 IN SOA\tlocalhost. need.to.know.only. (\n",
		 LIST_FORMAT_RPZ, NULL},
		{"rpz without header", "bad.example CNAME .\n", LIST_FORMAT_RPZ,
		 NULL},
		{"domains_dnsbunker_cti.txt", "# x\n\n0011pgvip.com\n",
		 LIST_FORMAT_DOMAINS, NULL},
		{"exact domain rule first", "=exact.example.net\n",
		 LIST_FORMAT_DOMAINS, NULL},
		{"garbage", "<html><body>404</body></html>\n", -1,
		 "cannot tell the list format from line 1: set format ="},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		enum list_format f = LIST_FORMAT_AUTO;
		char why[256] = "";
		int err = listfile_detect(cases[i].text, strlen(cases[i].text),
					  &f, why, sizeof(why));

		if (cases[i].format >= 0)
			CHECK(err == 0 && (int)f == cases[i].format,
			      "%s: %d, %s, want %s (%s)", cases[i].what, err,
			      list_format_name(f),
			      list_format_name(cases[i].format), why);
		else
			CHECK(err == -ENOTSUP && strstr(why, cases[i].why) &&
				      strstr(why, "set format"),
			      "%s: %d '%s', want '%s'", cases[i].what, err, why,
			      cases[i].why);
	}
}

/* An undetectable list reaches the caller as -ENOTSUP with the file's name. */
static void detect_refusal_names_file(void)
{
	struct parsed_list l;
	int err = parse_as(LIST_FORMAT_AUTO, LIST_ON_ERROR_SKIP_LINE,
			   "page.html", "<html>\n", &l);

	CHECK(err == -ENOTSUP &&
		      !strncmp(l.error, "page.html: cannot tell", 22),
	      "%d '%s'", err, l.error);
	parsed_list_free(&l);
}

/* ==== gzip ============================================================= */

/* gzip-compress @len bytes of @in (all of it repeated @times) */
static unsigned char *gzip_bytes(const void *in, size_t len, size_t times,
				 size_t *out_len)
{
	size_t cap = (len * times) / 2 + 4096;
	unsigned char *out = malloc(cap);
	z_stream zs = {0};

	if (!out || deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
		exit(2);
	zs.next_out = out;
	zs.avail_out = cap;
	for (size_t i = 0; i < times; i++) {
		zs.next_in = in;
		zs.avail_in = len;
		while (zs.avail_in)
			if (deflate(&zs, Z_NO_FLUSH) != Z_OK || !zs.avail_out)
				exit(2);
	}
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		exit(2);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

static void gzip_round_trip_and_members(void)
{
	static const char a[] = "192.0.2.0/24\n", b[] = "2001:db8::/32\n";
	size_t la, lb, out_len;
	unsigned char *ga = gzip_bytes(a, strlen(a), 1000, &la);
	unsigned char *gb = gzip_bytes(b, strlen(b), 1, &lb);
	unsigned char *both = malloc(la + lb);
	char *out, err[256];
	int ret;

	CHECK(list_is_gzip(ga, la) && !list_is_gzip(a, strlen(a)) &&
		      !list_is_gzip("\x1f", 1),
	      "gzip magic");
	ret = list_gunzip("a.gz", ga, la, 1 << 20, &out, &out_len, err,
			  sizeof(err));
	CHECK(ret == 0 && out_len == 13000 && !memcmp(out, a, 13) &&
		      !memcmp(out + 12987, a, 13) && out[out_len] == '\0',
	      "one member: %d, %zu bytes '%s'", ret, out_len, err);
	free(out);

	/* `cat a.gz b.gz` is one gzip file of two members */
	memcpy(both, ga, la);
	memcpy(both + la, gb, lb);
	ret = list_gunzip("ab.gz", both, la + lb, 1 << 20, &out, &out_len, err,
			  sizeof(err));
	CHECK(ret == 0 && out_len == 13000 + strlen(b) &&
		      !memcmp(out + 13000, b, strlen(b)),
	      "two members: %d, %zu bytes '%s'", ret, out_len, err);
	free(out);

	/* the cap: exactly the size passes, a byte less does not */
	ret = list_gunzip("a.gz", ga, la, 13000, &out, &out_len, err,
			  sizeof(err));
	CHECK(ret == 0 && out_len == 13000, "at the cap: %d '%s'", ret, err);
	free(out);
	ret = list_gunzip("a.gz", ga, la, 12999, &out, &out_len, err,
			  sizeof(err));
	CHECK(ret == -EFBIG && !out &&
		      strstr(err,
			     "a.gz: inflates to more than max_list_bytes = 12999"),
	      "over the cap: %d '%s'", ret, err);

	/* data after the last member */
	memcpy(both + la, "junk", 4);
	ret = list_gunzip("junk.gz", both, la + 4, 1 << 20, &out, &out_len, err,
			  sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "junk.gz: data after the end"),
	      "trailing junk: %d '%s'", ret, err);
	free(ga);
	free(gb);
	free(both);
}

/* Cut anywhere, or with any byte changed, a gzip file never inflates. */
static void gzip_truncated_and_corrupt(void)
{
	static const char text[] = "# list\n192.0.2.0/24\n198.51.100.0/24\n";
	size_t len, out_len, truncated = 0;
	unsigned char *gz = gzip_bytes(text, strlen(text), 3, &len);
	char *out, err[256];
	int ret;

	for (size_t cut = 2; cut < len; cut++) {
		ret = list_gunzip("cut.gz", gz, cut, 1 << 20, &out, &out_len,
				  err, sizeof(err));
		CHECK(ret == -EINVAL && !out && !strncmp(err, "cut.gz: ", 8),
		      "cut at %zu of %zu: %d '%s'", cut, len, ret, err);
		truncated += strstr(err, "truncated") != NULL;
	}
	/* most cuts end inside the stream; all say so in those words */
	CHECK(truncated >= len - 12, "%zu of %zu cuts said truncated",
	      truncated, len - 2);
	for (size_t i = 10; i < len; i++) {
		gz[i] ^= 0x20;
		ret = list_gunzip("bad.gz", gz, len, 1 << 20, &out, &out_len,
				  err, sizeof(err));
		CHECK(ret == -EINVAL && !out, "byte %zu changed: %d", i, ret);
		gz[i] ^= 0x20;
		if (ret != -EINVAL)
			free(out);
	}
	free(gz);
}

/* 64 MiB of zeros is 64 KiB of gzip: the cap stops it, not the memory. */
static void gzip_bomb(void)
{
	static char zeros[1 << 16];
	size_t len, out_len;
	unsigned char *gz = gzip_bytes(zeros, sizeof(zeros), 1024, &len);
	char *out, err[256];
	int ret;

	CHECK(len < (1 << 17), "bomb is %zu bytes", len);
	ret = list_gunzip("bomb.gz", gz, len, 1 << 20, &out, &out_len, err,
			  sizeof(err));
	CHECK(ret == -EFBIG && !out &&
		      strstr(err, "more than max_list_bytes = 1048576") &&
		      strstr(err, "gzip bomb"),
	      "bomb: %d '%s'", ret, err);
	free(gz);
}

/* ==== minisign ========================================================= */

static char *fixture(const char *name, size_t *len)
{
	char path[PATH_MAX];
	char *data = NULL;

	snprintf(path, sizeof(path), "minisign/%s", name);
	if (file_bytes(data_path(path), &data, len) < 0) {
		printf("  cannot read tests/data/%s\n", path);
		return NULL;
	}
	data[*len] = '\0';
	return data;
}

/* The timestamp written in a fixture, read without minisign.c. */
static uint64_t fixture_timestamp(const char *sig_name)
{
	size_t len;
	char *text = fixture(sig_name, &len);
	const char *ts = text ? strstr(text, "timestamp:") : NULL;
	uint64_t v = ts ? strtoull(ts + 10, NULL, 10) : 0;

	free(text);
	return v;
}

static void minisign_keys(void)
{
	struct minisign_key key;
	char id[MINISIGN_KEY_ID_STRLEN], *text;
	const char *why;
	size_t len;

	CHECK(minisign_key_parse(TEST_KEY, &key, &why) == 0, "key: %s", why);
	minisign_key_id_str(key.id, id);
	CHECK(!strcmp(id, TEST_KEY_ID), "key id %s, want %s", id, TEST_KEY_ID);
	CHECK(minisign_key_parse("  " TEST_KEY " \r", &key, &why) == 0,
	      "key with spaces: %s", why);
	/* the .pub file as minisign -G writes it, and its comment's id */
	text = fixture("key.pub", &len);
	CHECK(text && minisign_pubfile_parse(text, len, &key, &why) == 0,
	      ".pub: %s", text ? why : "missing");
	minisign_key_id_str(key.id, id);
	CHECK(text && strstr(text, id), "id %s not in the .pub comment", id);
	free(text);
	CHECK(minisign_pubfile_parse(TEST_KEY "\n", strlen(TEST_KEY) + 1, &key,
				     &why) == 0,
	      "bare key line: %s", why);

	static const char *const bad[] = {
		"",
		"RWSCAGGuFqqKwe+EKkHLco6mB1rMAs88WRcD3j8ZieWp660hpEyHBYz",
		"RWSCAGGuFqqKwe+EKkHLco6mB1rMAs88WRcD3j8ZieWp660hpEyHBYznAA==",
		"RWSCAGGuFqqKwe+EKkHLco6mB1rMAs88WRcD3j8ZieWp660hpEy*BYzn",
		"RWSCAGGuFqqKwe+EKkHLco6mB1rMAs88WRcD3j8ZieWp 660hpEyHBYzn",
		/* a valid base64 blob of the right size, algorithm "Ee" */
		"RWWCAGGuFqqKwe+EKkHLco6mB1rMAs88WRcD3j8ZieWp660hpEyHBYzn",
		"untrusted comment: minisign public key C18AAA16AE610082",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(minisign_key_parse(bad[i], &key, &why) == -EINVAL,
		      "bad key %zu accepted", i);
	CHECK(minisign_pubfile_parse("untrusted comment: x\n", 21, &key,
				     &why) == -EINVAL &&
		      strstr(why, "no public key"),
	      "comment-only .pub accepted");
}

struct sig_fixture {
	const char *sig, *list;
	int prehashed;
};

static const struct sig_fixture sig_fixtures[] = {
	{"signed-list.txt.minisig", "signed-list.txt", 1},
	{"signed-list.txt.legacy.minisig", "signed-list.txt", 0},
	{"signed-list.txt.gz.minisig", "signed-list.txt.gz", 1},
};

static void minisign_verify_fixtures(void)
{
	struct minisign_key keys[2];
	const char *why;

	minisign_key_parse(OTHER_KEY, &keys[0], &why);
	minisign_key_parse(TEST_KEY, &keys[1], &why);
	for (size_t i = 0; i < ARRAY_SIZE(sig_fixtures); i++) {
		const struct sig_fixture *f = &sig_fixtures[i];
		struct minisign_sig sig;
		size_t sig_len, len;
		char *text = fixture(f->sig, &sig_len);
		char *list = fixture(f->list, &len), err[256], id[17];
		uint64_t ts = 0;
		int ret;

		if (!text || !list) {
			CHECK(0, "fixtures missing");
			free(text);
			free(list);
			continue;
		}
		ret = minisign_sig_parse(text, sig_len, &sig, err, sizeof(err));
		CHECK(ret == 0 && sig.prehashed == f->prehashed, "%s: %d %s",
		      f->sig, ret, err);
		minisign_key_id_str(sig.key_id, id);
		CHECK(!strcmp(id, TEST_KEY_ID), "%s: key id %s", f->sig, id);
		CHECK(minisign_timestamp(sig.trusted_comment, &ts, &why) == 0 &&
			      ts == fixture_timestamp(f->sig) &&
			      ts > 1700000000,
		      "%s: timestamp %llu", f->sig, (unsigned long long)ts);
		/* the key with its id is found among several */
		ret = minisign_verify(&sig, keys, 2, list, len);
		CHECK(ret == 1, "%s: verify returned %d, want key 1", f->sig,
		      ret);
		ret = minisign_verify(&sig, keys, 1, list, len);
		CHECK(ret == -ENOKEY, "%s: other key only: %d", f->sig, ret);

		/* every single changed bit of the list is caught */
		for (size_t b = 0; b < len; b++) {
			list[b] ^= 1 << (b % 8);
			ret = minisign_verify(&sig, keys, 2, list, len);
			list[b] ^= 1 << (b % 8);
			if (ret != -EBADMSG) {
				CHECK(0, "%s: byte %zu changed: %d", f->sig, b,
				      ret);
				break;
			}
		}
		CHECK(minisign_verify(&sig, keys, 2, list, len - 1) == -EBADMSG,
		      "%s: list cut by a byte", f->sig);
		/* the trusted comment (the version) is signed too */
		sig.trusted_comment[10]++;
		CHECK(minisign_verify(&sig, keys, 2, list, len) == -EBADMSG,
		      "%s: changed timestamp accepted", f->sig);
		sig.trusted_comment[10]--;
		sig.global_sig[5] ^= 4;
		CHECK(minisign_verify(&sig, keys, 2, list, len) == -EBADMSG,
		      "%s: changed global signature accepted", f->sig);
		sig.global_sig[5] ^= 4;
		sig.sig[60] ^= 0x80;
		CHECK(minisign_verify(&sig, keys, 2, list, len) == -EBADMSG,
		      "%s: changed signature accepted", f->sig);
		sig.sig[60] ^= 0x80;
		/* a legacy signature read as prehashed and back fails */
		sig.prehashed = !sig.prehashed;
		CHECK(minisign_verify(&sig, keys, 2, list, len) == -EBADMSG,
		      "%s: algorithm flipped accepted", f->sig);
		sig.prehashed = !sig.prehashed;
		CHECK(minisign_verify(&sig, keys, 2, list, len) == 1,
		      "%s: restored signature fails", f->sig);
		free(text);
		free(list);
	}
}

static void minisign_sig_format(void)
{
	size_t len;
	char *good = fixture("signed-list.txt.minisig", &len);
	char text[2048], err[256];
	struct minisign_sig sig;
	char *l2, *l3, *l4;

	if (!good) {
		CHECK(0, "fixture missing");
		return;
	}
	/* CRLF line ends and no final line end, as minisign accepts */
	l2 = strchr(good, '\n') + 1;
	l3 = strchr(l2, '\n') + 1;
	l4 = strchr(l3, '\n') + 1;
	snprintf(text, sizeof(text), "%.*s\r\n%.*s\r\n%.*s\r\n%.*s",
		 (int)(l2 - good - 1), good, (int)(l3 - l2 - 1), l2,
		 (int)(l4 - l3 - 1), l3, (int)strcspn(l4, "\n"), l4);
	CHECK(minisign_sig_parse(text, strlen(text), &sig, err, sizeof(err)) ==
			      0 &&
		      !strchr(sig.trusted_comment, '\r'),
	      "CRLF: %s", err);

	static const struct {
		const char *what;
		int line; /* which line to replace (1-4), 0: cut after N */
		const char *with, *why;
	} bad[] = {
		{"cut after 0 lines", 0, "0", "ends after 0 line(s)"},
		{"cut after 3 lines", 0, "3", "ends after 3 line(s)"},
		{"no untrusted comment", 1, "comment: x",
		 "line 1: does not start"},
		{"short signature", 2, "RUSCAGGuFqqKwaBRGmB/s0vh",
		 "line 2: not a base64"},
		{"unknown algorithm", 2,
		 "RXSCAGGuFqqKwaBRGmB/s0vhAIjFzDahdOGDWSz73RBheBBVVQJZuJH7au3iXhT1AvukK6WBywimxPxf8mMu+Bo5VhQ7r3Sk+wM=",
		 "line 2: unknown signature algorithm"},
		{"no trusted comment", 3, "timestamp:1",
		 "line 3: does not start"},
		{"control character", 3,
		 "trusted comment: a\x01"
		 "b",
		 "line 3: control character"},
		{"CR inside", 3, "trusted comment: a\rb",
		 "line 3: stray carriage"},
		{"bad global signature", 4, "AAAA", "line 4: not a base64"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *lines[4] = {good, l2, l3, l4};
		int lens[4] = {(int)(l2 - good - 1), (int)(l3 - l2 - 1),
			       (int)(l4 - l3 - 1), (int)strcspn(l4, "\n")};
		int n = 0;

		if (bad[i].line == 0) {
			int keep = atoi(bad[i].with);

			for (int k = 0; k < keep; k++)
				n += snprintf(text + n, sizeof(text) - n,
					      "%.*s\n", lens[k], lines[k]);
		} else {
			for (int k = 0; k < 4; k++)
				n += snprintf(text + n, sizeof(text) - n,
					      "%.*s\n",
					      k + 1 == bad[i].line
						      ? (int)strlen(bad[i].with)
						      : lens[k],
					      k + 1 == bad[i].line ? bad[i].with
								   : lines[k]);
		}
		CHECK(minisign_sig_parse(text, n, &sig, err, sizeof(err)) ==
				      -EINVAL &&
			      strstr(err, bad[i].why),
		      "%s: '%s', want '%s'", bad[i].what, err, bad[i].why);
	}
	/* the first three lines must end: a file cut inside line 3 */
	snprintf(text, sizeof(text), "%.*s", (int)(l3 - good + 10), good);
	CHECK(minisign_sig_parse(text, strlen(text), &sig, err, sizeof(err)) ==
			      -EINVAL &&
		      strstr(err, "line 3: no line end"),
	      "cut in line 3: '%s'", err);
	free(good);
}

static void minisign_timestamps(void)
{
	static const struct {
		const char *comment;
		int ret;
		uint64_t ts;
	} cases[] = {
		{"timestamp:1795346717\tfile:signed-list.txt\thashed", 0,
		 1795346717},
		{"file:x timestamp:42", 0, 42},
		{"timestamp:0", 0, 0},
		{"timestamp:18446744073709551615", 0, UINT64_MAX},
		{"file:x", -ENOENT, 0},
		{"", -ENOENT, 0},
		{"mytimestamp:5 file:x", -ENOENT, 0},
		{"timestamp:", -EINVAL, 0},
		{"timestamp:12a", -EINVAL, 0},
		{"timestamp:-1", -EINVAL, 0},
		{"timestamp:18446744073709551616", -EINVAL, 0},
		{"timestamp:1 timestamp:2", -EINVAL, 0},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t ts = 7;
		const char *why = "";
		int ret = minisign_timestamp(cases[i].comment, &ts, &why);

		CHECK(ret == cases[i].ret && (ret || ts == cases[i].ts),
		      "'%s': %d %llu (%s), want %d %llu", cases[i].comment, ret,
		      (unsigned long long)ts, why, cases[i].ret,
		      (unsigned long long)cases[i].ts);
	}
}

/* ==== state ============================================================ */

static void state_round_trip(void)
{
	char dir[PATH_MAX], file[PATH_MAX + 32], err[512];
	struct list_versions vs;
	struct stat st;
	int ret;

	tmp_write_str("state-anchor", "");
	snprintf(dir, sizeof(dir), "%s/state/sub", tmp_dir);
	snprintf(file, sizeof(file), "%s/list-versions", dir);

	/* nothing there yet: empty, and nothing is created by reading */
	ret = list_versions_load(dir, &vs, err, sizeof(err));
	CHECK(ret == 0 && vs.nr == 0 && stat(dir, &st) < 0, "empty: %d %s", ret,
	      err);
	CHECK(list_versions_raise(&vs, "a", 100) == 0 && vs.changed, "raise a");
	CHECK(list_versions_raise(&vs, "b.x-1", 5) == 0, "raise b");
	vs.changed = 0;
	CHECK(list_versions_raise(&vs, "a", 99) == 0 && !vs.changed &&
		      list_versions_get(&vs, "a") == 100,
	      "a lower version must not lower the mark");
	CHECK(list_versions_get(&vs, "nope") == 0, "unknown list");
	ret = list_versions_prepare(dir, &vs, err, sizeof(err));
	CHECK(ret == 0 && stat(file, &st) < 0, "prepare: %d %s", ret, err);
	ret = list_versions_commit(dir, &vs, err, sizeof(err));
	CHECK(ret == 0 && stat(file, &st) == 0, "commit: %d %s", ret, err);
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700,
	      "state_dir mode %o, want 700", st.st_mode & 0777);
	list_versions_free(&vs);

	ret = list_versions_load(dir, &vs, err, sizeof(err));
	CHECK(ret == 0 && vs.nr == 2 && list_versions_get(&vs, "a") == 100 &&
		      list_versions_get(&vs, "b.x-1") == 5 && !vs.changed,
	      "reloaded: %d, %zu entries %s", ret, vs.nr, err);
	/* prepared but not committed: the file keeps the old versions */
	list_versions_raise(&vs, "a", 200);
	list_versions_prepare(dir, &vs, err, sizeof(err));
	list_versions_free(&vs);
	list_versions_load(dir, &vs, err, sizeof(err));
	CHECK(list_versions_get(&vs, "a") == 100,
	      "an uncommitted version was recorded");
	list_versions_free(&vs);
	snprintf(file, sizeof(file), "%s/.list-versions.tmp", dir);
	CHECK(stat(file, &st) < 0, "temporary file left behind");

	/* damaged files are refused with their line */
	static const struct {
		const char *text;
		int line;
	} bad[] = {
		{"a 1\nb\n", 2}, {"a x\n", 1},
		{"a 1 2\n", 1},	 {"a 1\na 2\n", 2},
		{"a b 1\n", 1},	 {"# c\na 1", 2},
		{"a -1\n", 1},	 {"a 99999999999999999999\n", 1},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char want[PATH_MAX + 48];
		FILE *f;

		snprintf(file, sizeof(file), "%s/list-versions", dir);
		f = fopen(file, "w");
		fputs(bad[i].text, f);
		fclose(f);
		ret = list_versions_load(dir, &vs, err, sizeof(err));
		snprintf(want, sizeof(want), "%s:%d: ", file, bad[i].line);
		CHECK(ret == -EINVAL && !strncmp(err, want, strlen(want)),
		      "'%s': %d '%s', want '%s'", bad[i].text, ret, err, want);
		list_versions_free(&vs);
	}
	unlink(file);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/state", tmp_dir);
	rmdir(dir);
}

/* ==== files the daemon writes (issue 12) ============================== */

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh directory @name under tmp_dir with @mode (after the umask). */
static void fresh_dir(char *dir, size_t len, const char *name, mode_t mode)
{
	tmp_write_str("files-anchor", "");
	snprintf(dir, len, "%s/%s", tmp_dir, name);
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(dir, 0700);
	chmod(dir, mode);
}

static int file_is(const char *path, const char *text)
{
	char buf[256] = "";
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return f && !strcmp(buf, text);
}

/* How many entries @dir holds besides . and .. */
static int dir_entries(const char *dir)
{
	char cmd[PATH_MAX + 64], out[32] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	if (p && fgets(out, sizeof(out), p) == NULL)
		out[0] = '\0';
	if (p)
		pclose(p);
	return atoi(out);
}

/*
 * The state's temporary used to be STATE_DIR/.list-versions.tmp, opened
 * with O_TRUNC through whatever was there: a symlink planted at that name
 * made the daemon overwrite its target. Now nothing planted is written
 * through, and the state lands as a regular file.
 */
static void state_symlink_planted(void)
{
	char dir[PATH_MAX], link_path[PATH_MAX + 32], file[PATH_MAX + 32],
		err[512];
	const char *victim = tmp_write_str("victim", "root's file\n");
	static const char *const planted[] = {".list-versions.tmp",
					      "list-versions.tmp"};
	struct list_versions vs = {0};
	struct stat st;
	int ret;

	fresh_dir(dir, sizeof(dir), "state-planted", 0700);
	for (size_t i = 0; i < ARRAY_SIZE(planted); i++) {
		snprintf(link_path, sizeof(link_path), "%s/%s", dir,
			 planted[i]);
		CHECK(symlink(victim, link_path) == 0, "symlink %s", link_path);
	}
	list_versions_raise(&vs, "a", 100);
	ret = list_versions_prepare(dir, &vs, err, sizeof(err));
	CHECK(ret == 0, "prepare: %d %s", ret, err);
	ret = list_versions_commit(dir, &vs, err, sizeof(err));
	CHECK(ret == 0, "commit: %d %s", ret, err);
	list_versions_free(&vs);
	CHECK(file_is(victim, "root's file\n"),
	      "the symlink's target was written through");
	snprintf(file, sizeof(file), "%s/list-versions", dir);
	CHECK(lstat(file, &st) == 0 && S_ISREG(st.st_mode),
	      "list-versions is not a regular file");
	ret = list_versions_load(dir, &vs, err, sizeof(err));
	CHECK(ret == 0 && list_versions_get(&vs, "a") == 100, "reloaded: %d %s",
	      ret, err);
	list_versions_free(&vs);
	/* the two planted links and the state: no temporary left behind */
	CHECK(dir_entries(dir) == 3, "%d entries in state_dir, want 3",
	      dir_entries(dir));
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * A state_dir others may write is refused, with the chmod that fixes it;
 * the sticky bit does not make it safe (anyone may still plant names).
 */
static void state_dir_writable_refused(void)
{
	static const struct {
		mode_t mode;
		int ret;
	} cases[] = {
		{0700, 0},	{0755, 0},	 {0750, 0},
		{0770, -EPERM}, {0777, -EPERM},	 {01777, -EPERM},
		{0702, -EPERM}, {01770, -EPERM},
	};
	char dir[PATH_MAX], err[512];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct list_versions vs = {0};
		char want[PATH_MAX + 32];
		int ret;

		fresh_dir(dir, sizeof(dir), "state-mode", cases[i].mode);
		err[0] = '\0';
		list_versions_raise(&vs, "a", 1);
		ret = list_versions_prepare(dir, &vs, err, sizeof(err));
		if (!ret)
			ret = list_versions_commit(dir, &vs, err, sizeof(err));
		list_versions_free(&vs);
		snprintf(want, sizeof(want), "chmod go-w %s", dir);
		CHECK(ret == cases[i].ret &&
			      (!cases[i].ret || strstr(err, want)),
		      "mode %04o: write %d '%s', want %d and '%s'",
		      (unsigned int)cases[i].mode, ret, err, cases[i].ret,
		      want);
		/* reading such a state is refused as well */
		ret = list_versions_load(dir, &vs, err, sizeof(err));
		CHECK(ret == cases[i].ret, "mode %04o: load %d '%s'",
		      (unsigned int)cases[i].mode, ret, err);
		list_versions_free(&vs);
	}
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * safe_write_atomic() replaces whatever is at the name (a planted symlink
 * included) without writing through it, leaves no temporary, and refuses
 * a directory another user owns.
 */
static void files_write_atomic(void)
{
	char dir[PATH_MAX - 64], path[PATH_MAX], err[512];
	const char *victim = tmp_write_str("victim-atomic", "root's file\n");
	struct stat st;
	int ret, fd;

	fresh_dir(dir, sizeof(dir), "atomic", 0700);
	snprintf(path, sizeof(path), "%s/out", dir);
	CHECK(symlink(victim, path) == 0, "symlink %s", path);
	fd = open_read_nofollow(path);
	CHECK(fd == -ELOOP, "read through a symlink: %d", fd);
	ret = safe_write_atomic(dir, "out", "new\n", 4, "test dir", err,
				sizeof(err));
	CHECK(ret == 0, "write: %d %s", ret, err);
	CHECK(file_is(victim, "root's file\n"), "written through the symlink");
	CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		      (st.st_mode & 0777) == 0600 && file_is(path, "new\n"),
	      "out is not the new regular file");
	fd = open_read_nofollow(path);
	CHECK(fd >= 0, "read back: %d", fd);
	if (fd >= 0)
		close(fd);
	CHECK(open_read_nofollow(dir) == -EINVAL, "a directory read as a file");
	CHECK(dir_entries(dir) == 1, "%d entries, want 1 (a temporary left)",
	      dir_entries(dir));
	if (geteuid() == 0) {
		/* a directory of another user: chown nobody */
		CHECK(chown(dir, 65534, -1) == 0, "chown %s", dir);
		ret = safe_write_atomic(dir, "out", "x\n", 2, "test dir", err,
					sizeof(err));
		CHECK(ret == -EPERM && strstr(err, "chown root"),
		      "another user's directory: %d '%s'", ret, err);
	}
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Directories above: one anyone may write (not sticky) lets them swap the
 * whole directory; a sticky one (/tmp) does not. A symlink on the way,
 * owned by another user, could lead anywhere; the path it leads to is
 * checked as well.
 */
static void files_dir_ancestors(void)
{
	char top[PATH_MAX - 128], dir[PATH_MAX], link_path[PATH_MAX],
		err[2 * PATH_MAX], want[PATH_MAX + 32];
	int ret;

	fresh_dir(top, sizeof(top), "ancestors", 0777);
	snprintf(dir, sizeof(dir), "%s/lists", top);
	mkdir(dir, 0700);
	ret = dir_check_private(dir, "test dir", err, sizeof(err));
	snprintf(want, sizeof(want), "chmod go-w %s,", top);
	CHECK(ret == -EPERM && strstr(err, want),
	      "parent 0777: %d '%s', want '%s'", ret, err, want);
	chmod(top, 01777);
	ret = dir_check_private(dir, "test dir", err, sizeof(err));
	CHECK(ret == 0, "parent 1777 (sticky): %d '%s'", ret, err);

	/* through a symlink of root's: checked where it leads, too */
	chmod(top, 0777);
	snprintf(link_path, sizeof(link_path), "%s-link", top);
	unlink(link_path);
	CHECK(symlink(dir, link_path) == 0, "symlink %s", link_path);
	ret = dir_check_private(link_path, "test dir", err, sizeof(err));
	CHECK(ret == -EPERM && strstr(err, want),
	      "symlink to a dir under a 0777 parent: %d '%s'", ret, err);
	chmod(top, 0755);
	ret = dir_check_private(link_path, "test dir", err, sizeof(err));
	CHECK(ret == 0, "root's symlink to a private dir: %d '%s'", ret, err);
	if (geteuid() == 0) {
		CHECK(lchown(link_path, 65534, -1) == 0, "lchown");
		ret = dir_check_private(link_path, "test dir", err,
					sizeof(err));
		CHECK(ret == -EPERM && strstr(err, "symlink of uid 65534"),
		      "another user's symlink: %d '%s'", ret, err);
	}
	unlink(link_path);
	nftw(top, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Events for @name in @dir: create, write, close, remove. */
static void touch_and_remove(const char *dir, const char *name, int keep)
{
	char path[PATH_MAX + 128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, "x\n", 2) != 2)
			perror(path);
		close(fd);
	}
	if (!keep)
		unlink(path);
}

/*
 * The fetcher's LIST.download came and went at every check, even on a
 * 304, and the watcher took it for the list: a reload per check. Only the
 * list file and its signature file count.
 */
static void watch_ignores_temporaries(void)
{
	static const struct {
		const char *name;
		int signed_list, marks;
	} cases[] = {
		{"feed.txt.download", 0, 0},
		{"feed.txt.tmp", 0, 0},
		{".feed.txt.xdpb-tmp-abcdef", 0, 0},
		{".feed.meta", 0, 0},
		{"feed.txt.minisig.download", 1, 0},
		{"feed.txt.minisig", 0, 0}, /* an unsigned list has none */
		{"feed.txt.minisig", 1, 1},
		{"feed.txt", 0, 1},
		{"other.txt", 0, 0},
	};
	struct daemon_config *cfg = calloc(1, sizeof(*cfg));
	char dir[PATH_MAX - 64], sig_dir[PATH_MAX - 32], err[300];
	struct listwatch *lw = listwatch_open(err, sizeof(err));
	uint8_t stale[XDPB_MAX_LISTS];

	CHECK(cfg && lw, "set-up: %s", lw ? "out of memory" : err);
	if (!cfg || !lw)
		goto out;
	fresh_dir(dir, sizeof(dir), "watch", 0700);
	cfg->nr_lists = 1;
	snprintf(cfg->lists[0].name, sizeof(cfg->lists[0].name), "feed");
	snprintf(cfg->lists[0].path, sizeof(cfg->lists[0].path), "%s/feed.txt",
		 dir);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int marked;

		cfg->lists[0].signature = cases[i].signed_list
						  ? LIST_SIGNATURE_MINISIGN
						  : LIST_SIGNATURE_NONE;
		CHECK(listwatch_set(lw, cfg) == 0, "watch %s", dir);
		memset(stale, 0, sizeof(stale));
		touch_and_remove(dir, cases[i].name, 0);
		marked = listwatch_read(lw, cfg, stale);
		CHECK(marked == cases[i].marks && stale[0] == cases[i].marks,
		      "%s (%s list): marked %d, want %d", cases[i].name,
		      cases[i].signed_list ? "signed" : "unsigned", marked,
		      cases[i].marks);
	}
	/* a signature_file in a directory of its own is watched there */
	snprintf(sig_dir, sizeof(sig_dir), "%s/sigs", dir);
	mkdir(sig_dir, 0700);
	snprintf(cfg->lists[0].signature_file,
		 sizeof(cfg->lists[0].signature_file), "%s/feed.sig", sig_dir);
	cfg->lists[0].signature = LIST_SIGNATURE_MINISIGN;
	CHECK(listwatch_set(lw, cfg) == 0, "watch %s", sig_dir);
	memset(stale, 0, sizeof(stale));
	touch_and_remove(sig_dir, "feed.sig", 1);
	CHECK(listwatch_read(lw, cfg, stale) == 1 && stale[0],
	      "signature_file in another directory: not marked");
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
out:
	listwatch_close(lw);
	free(cfg);
}

/* ==== load ============================================================= */

static void config_for(struct list_config *lc, const char *name,
		       const char *list)
{
	char path[PATH_MAX];
	const char *why;

	memset(lc, 0, sizeof(*lc));
	snprintf(lc->name, sizeof(lc->name), "%s", name);
	snprintf(path, sizeof(path), "minisign/%s", list);
	if (!realpath(data_path(path), lc->path))
		snprintf(lc->path, sizeof(lc->path), "%s", data_path(path));
	lc->format = LIST_FORMAT_AUTO;
	lc->on_error = LIST_ON_ERROR_REJECT;
	lc->max_bad_lines = LIST_DEFAULT_MAX_BAD_LINES;
	lc->signature = LIST_SIGNATURE_MINISIGN;
	lc->require_timestamp = 1;
	minisign_key_parse(TEST_KEY, &lc->keys[0], &why);
	lc->nr_keys = 1;
}

/* signature_file = the list's path + @suffix */
static void sig_next_to(struct list_config *lc, const char *suffix)
{
	if (snprintf(lc->signature_file, sizeof(lc->signature_file), "%s%s",
		     lc->path, suffix) >= (int)sizeof(lc->signature_file))
		exit(2);
}

/* Load @lc: expect @reason (RELOAD_OK for success) and @why in the error. */
static int load_expect(const struct list_config *lc, uint64_t max_bytes,
		       uint64_t accepted, enum reload_reason reason,
		       const char *why, struct loaded_list *l)
{
	int ret = list_load(lc, max_bytes, accepted, l);

	if (reason == RELOAD_OK)
		CHECK(ret == 0, "%s: %d (%s) %s", lc->name, ret,
		      reload_reason_name(l->reason), l->error);
	else
		CHECK(ret < 0 && l->reason == reason && strstr(l->error, why),
		      "%s: %d, reason %s '%s', want %s '%s'", lc->name, ret,
		      reload_reason_name(l->reason), l->error,
		      reload_reason_name(reason), why);
	return ret;
}

static void load_signed(void)
{
	uint64_t ts = fixture_timestamp("signed-list.txt.minisig");
	uint64_t ts_gz = fixture_timestamp("signed-list.txt.gz.minisig");
	struct list_config lc;
	struct loaded_list l;

	config_for(&lc, "prehashed", "signed-list.txt");
	load_expect(&lc, 1 << 20, 0, RELOAD_OK, NULL, &l);
	CHECK(l.verified && l.prehashed && l.version == ts && !l.compressed &&
		      !strcmp(l.key_id, TEST_KEY_ID) && l.parsed.nr == 3 &&
		      l.parsed.nr_v6 == 1,
	      "verified %d prehashed %d version %llu key %s, %zu entries",
	      l.verified, l.prehashed, (unsigned long long)l.version, l.key_id,
	      l.parsed.nr);
	loaded_list_free(&l);

	/* equal to the accepted version: the same list read again */
	load_expect(&lc, 1 << 20, ts, RELOAD_OK, NULL, &l);
	loaded_list_free(&l);
	load_expect(&lc, 1 << 20, ts + 1, RELOAD_ERR_ROLLBACK,
		    "rollback: signed at", &l);
	CHECK(strstr(l.error, lc.path) && strstr(l.error, "UTC"),
	      "rollback message '%s'", l.error);
	loaded_list_free(&l);

	config_for(&lc, "legacy", "signed-list.txt");
	sig_next_to(&lc, ".legacy.minisig");
	load_expect(&lc, 1 << 20, 0, RELOAD_OK, NULL, &l);
	CHECK(l.verified && !l.prehashed && l.version == ts, "legacy: %d %d",
	      l.verified, l.prehashed);
	loaded_list_free(&l);

	config_for(&lc, "gzip", "signed-list.txt.gz");
	load_expect(&lc, 1 << 20, 0, RELOAD_OK, NULL, &l);
	CHECK(l.compressed && l.verified && l.version == ts_gz &&
		      l.stored_bytes == 111 && l.list_bytes == 105 &&
		      l.parsed.nr == 3,
	      "gzip: compressed %d, %zu -> %zu bytes, %zu entries",
	      l.compressed, l.stored_bytes, l.list_bytes, l.parsed.nr);
	loaded_list_free(&l);
	/* the cap applies to the file as stored */
	load_expect(&lc, 110, 0, RELOAD_ERR_SIZE,
		    "111 bytes, over max_list_bytes = 110", &l);
	loaded_list_free(&l);

	/* two keys configured, the second one signed it */
	config_for(&lc, "two-keys", "signed-list.txt");
	lc.keys[1] = lc.keys[0];
	minisign_key_parse(OTHER_KEY, &lc.keys[0], &(const char *){NULL});
	lc.nr_keys = 2;
	load_expect(&lc, 1 << 20, 0, RELOAD_OK, NULL, &l);
	loaded_list_free(&l);
}

static void load_refused(void)
{
	struct list_config lc;
	struct loaded_list l;
	const char *copy, *why;
	size_t len;
	char *data;

	config_for(&lc, "wrong-key", "signed-list.txt");
	minisign_key_parse(OTHER_KEY, &lc.keys[0], &why);
	load_expect(
		&lc, 1 << 20, 0, RELOAD_ERR_SIGNATURE,
		"signed with key " TEST_KEY_ID
		", which is not a public_key of this list (it has " OTHER_KEY_ID,
		&l);
	loaded_list_free(&l);

	config_for(&lc, "no-timestamp", "signed-list.txt");
	sig_next_to(&lc, ".notime.minisig");
	load_expect(
		&lc, 1 << 20, 0, RELOAD_ERR_SIGNATURE,
		"no timestamp: field, so the list cannot be checked against rollback",
		&l);
	loaded_list_free(&l);
	lc.require_timestamp = 0;
	load_expect(&lc, 1 << 20, 5, RELOAD_OK, NULL, &l);
	CHECK(l.verified && l.version == 0,
	      "no timestamp allowed: version %llu",
	      (unsigned long long)l.version);
	loaded_list_free(&l);

	/* one changed byte, and the signature of the original next to it */
	data = fixture("signed-list.txt", &len);
	if (data) {
		char sig_path[PATH_MAX + 16];
		char *sig;
		size_t sig_len;

		data[len - 3] ^= 1; /* 2001:db8:dead::/48 -> ...dead::/49 */
		copy = tmp_write("tampered.txt", data, len);
		sig = fixture("signed-list.txt.minisig", &sig_len);
		snprintf(sig_path, sizeof(sig_path), "tampered.txt.minisig");
		tmp_write(sig_path, sig, sig_len);
		config_for(&lc, "tampered", "signed-list.txt");
		snprintf(lc.path, sizeof(lc.path), "%s", copy);
		load_expect(&lc, 1 << 20, 0, RELOAD_ERR_SIGNATURE,
			    "bad signature in", &l);
		CHECK(!strncmp(l.error, copy, strlen(copy)) && l.parsed.nr == 0,
		      "'%s', %zu entries parsed", l.error, l.parsed.nr);
		loaded_list_free(&l);

		/* unsigned: no .minisig next to it */
		copy = tmp_write("unsigned.txt", data, len);
		snprintf(lc.path, sizeof(lc.path), "%s", copy);
		load_expect(&lc, 1 << 20, 0, RELOAD_ERR_SIGNATURE,
			    "the list is not signed", &l);
		loaded_list_free(&l);
		/* ... which signature = none accepts */
		lc.signature = LIST_SIGNATURE_NONE;
		load_expect(&lc, 1 << 20, 0, RELOAD_OK, NULL, &l);
		CHECK(!l.verified && l.parsed.nr == 3, "unsigned: %d %zu",
		      l.verified, l.parsed.nr);
		loaded_list_free(&l);

		/* a signature file that is not one */
		lc.signature = LIST_SIGNATURE_MINISIGN;
		tmp_write("unsigned.txt.minisig", data, len);
		load_expect(&lc, 1 << 20, 0, RELOAD_ERR_SIGNATURE,
			    "not a minisign signature: line 1", &l);
		loaded_list_free(&l);
		free(sig);
		free(data);
	}

	config_for(&lc, "missing", "no-such-list.txt");
	load_expect(&lc, 1 << 20, 0, RELOAD_ERR_IO, "cannot open", &l);
	loaded_list_free(&l);
	config_for(&lc, "directory", "");
	load_expect(&lc, 1 << 20, 0, RELOAD_ERR_IO, "not a regular file", &l);
	loaded_list_free(&l);

	/* a malformed line in a signed list: the parse error, with its line */
	copy = tmp_write_str("badline.txt", "192.0.2.0/24\nnope\n");
	config_for(&lc, "badline", "signed-list.txt");
	snprintf(lc.path, sizeof(lc.path), "%s", copy);
	lc.signature = LIST_SIGNATURE_NONE;
	load_expect(&lc, 1 << 20, 0, RELOAD_ERR_PARSE, ":2: not an IPv4", &l);
	loaded_list_free(&l);

	/* a gzip file cut short: the whole list is refused */
	{
		static const char text[] = "192.0.2.0/24\n198.51.100.0/24\n";
		size_t gz_len;
		unsigned char *gz = gzip_bytes(text, strlen(text), 1, &gz_len);

		copy = tmp_write("cut.txt.gz", (char *)gz, gz_len - 5);
		snprintf(lc.path, sizeof(lc.path), "%s", copy);
		load_expect(&lc, 1 << 20, 0, RELOAD_ERR_GZIP, "truncated", &l);
		loaded_list_free(&l);
		free(gz);

		/* ... and the cap applies to the inflated size too */
		gz = gzip_bytes(text, strlen(text), 1000, &gz_len);
		copy = tmp_write("big.txt.gz", (char *)gz, gz_len);
		snprintf(lc.path, sizeof(lc.path), "%s", copy);
		load_expect(&lc, 29000, 0, RELOAD_OK, NULL, &l);
		CHECK(l.compressed && l.list_bytes == 29000 &&
			      l.parsed.nr == 2000,
		      "%zu bytes inflated, %zu entries", l.list_bytes,
		      l.parsed.nr);
		loaded_list_free(&l);
		load_expect(&lc, 28999, 0, RELOAD_ERR_SIZE,
			    "inflates to more than max_list_bytes = 28999", &l);
		loaded_list_free(&l);
		free(gz);
	}
}

/* type and format together choose the parser of a domain list */
static void load_domain_formats(void)
{
	struct list_config lc;
	struct loaded_list l;
	const char *path;

	path = tmp_write_str("hosts", "0.0.0.0 ads.example.com\n");
	config_for(&lc, "hosts", "signed-list.txt");
	snprintf(lc.path, sizeof(lc.path), "%s", path);
	lc.signature = LIST_SIGNATURE_NONE;
	load_expect(&lc, 1 << 20, 0, RELOAD_OK, NULL, &l);
	CHECK(l.is_domain && l.names.format == LIST_FORMAT_HOSTS &&
		      l.names.nr == 1 &&
		      l.names.entries[0].kind == XDPB_NAME_EXACT,
	      "auto: domain %d, format %s, %zu entries", l.is_domain,
	      list_format_name(l.names.format), l.names.nr);
	loaded_list_free(&l);
	lc.type = LIST_TYPE_DOMAIN; /* a domain format stays itself */
	load_expect(&lc, 1 << 20, 0, RELOAD_OK, NULL, &l);
	CHECK(l.names.format == LIST_FORMAT_HOSTS, "type = domain: %s",
	      list_format_name(l.names.format));
	loaded_list_free(&l);
	lc.type = LIST_TYPE_IP;
	load_expect(&lc, 1 << 20, 0, RELOAD_ERR_PARSE,
		    "holds domain names (format hosts), and type = ip", &l);
	loaded_list_free(&l);

	/* names after an address: plain for auto, domains for type = domain */
	path = tmp_write_str("mixed", "192.0.2.1\nads.example.com\n");
	snprintf(lc.path, sizeof(lc.path), "%s", path);
	lc.type = LIST_TYPE_DOMAIN;
	load_expect(&lc, 1 << 20, 0, RELOAD_OK, NULL, &l);
	CHECK(l.names.format == LIST_FORMAT_DOMAINS && l.names.nr == 1 &&
		      l.names.nr_unsupported == 1,
	      "mixed, type = domain: %s, %zu entries, %zu unsupported",
	      list_format_name(l.names.format), l.names.nr,
	      l.names.nr_unsupported);
	loaded_list_free(&l);
	lc.type = LIST_TYPE_AUTO;
	load_expect(&lc, 1 << 20, 0, RELOAD_ERR_PARSE,
		    ":2: not an IPv4 or IPv6 address", &l);
	loaded_list_free(&l);

	/* a zone with origin: per-record actions, names without the zone */
	path = tmp_write_str("zone", "x.example.rpz. CNAME rpz-drop.\n");
	snprintf(lc.path, sizeof(lc.path), "%s", path);
	snprintf(lc.origin, sizeof(lc.origin), "rpz");
	load_expect(&lc, 1 << 20, 0, RELOAD_OK, NULL, &l);
	CHECK(l.names.format == LIST_FORMAT_RPZ && l.names.nr == 1 &&
		      !strcmp(l.names.text, "x.example") &&
		      l.names.entries[0].action == XDPB_ACT_DROP,
	      "zone: %s, %zu entries, '%s'", list_format_name(l.names.format),
	      l.names.nr, l.names.nr ? l.names.text : "");
	loaded_list_free(&l);
}

/*
 * Issue 12, finding 8: a valid signature of another list by the same key
 * (trusted comment file:signed-list.txt) was accepted for this one. The
 * signed name must be the base name of path, or for a url list the file
 * name of the url; signature_file_check = no turns the check off.
 */
static void load_signed_for_another_file(void)
{
	size_t len, sig_len;
	char *data = fixture("signed-list.txt", &len);
	char *sig = fixture("signed-list.txt.minisig", &sig_len);
	struct list_config lc;
	struct loaded_list l;
	const char *copy;

	if (!data || !sig) {
		CHECK(0, "fixtures");
		goto out;
	}
	copy = tmp_write("other-list.txt", data, len);
	tmp_write("other-list.txt.minisig", sig, sig_len);
	config_for(&lc, "other", "signed-list.txt");
	snprintf(lc.path, sizeof(lc.path), "%s", copy);
	load_expect(
		&lc, 1 << 20, 0, RELOAD_ERR_SIGNATURE,
		"was signed for the file signed-list.txt, not other-list.txt: it is the signature of another list",
		&l);
	CHECK(!l.verified && l.parsed.nr == 0 &&
		      strstr(l.error,
			     "signature_file_check = no in [list:other]"),
	      "verified %d, %zu entries, '%s'", l.verified, l.parsed.nr,
	      l.error);
	loaded_list_free(&l);

	lc.ignore_signed_file = 1;
	load_expect(&lc, 1 << 20, 0, RELOAD_OK, NULL, &l);
	CHECK(l.verified && l.parsed.nr == 3, "opt-out: %d %zu", l.verified,
	      l.parsed.nr);
	loaded_list_free(&l);

	/* a url list: the url names the file the signer signed */
	lc.ignore_signed_file = 0;
	snprintf(lc.url, sizeof(lc.url),
		 "https://lists.example/feeds/signed-list.txt?key=1#top");
	load_expect(&lc, 1 << 20, 0, RELOAD_OK, NULL, &l);
	loaded_list_free(&l);
	snprintf(lc.url, sizeof(lc.url),
		 "https://lists.example/signed-list.txt/other.txt");
	load_expect(&lc, 1 << 20, 0, RELOAD_ERR_SIGNATURE,
		    "not other-list.txt or other.txt", &l);
	loaded_list_free(&l);
	/* the url has no file name: only the path's name is compared */
	snprintf(lc.url, sizeof(lc.url), "https://lists.example/");
	load_expect(&lc, 1 << 20, 0, RELOAD_ERR_SIGNATURE,
		    "not other-list.txt: it is", &l);
	loaded_list_free(&l);
	snprintf(lc.url, sizeof(lc.url), "https://signed-list.txt?x=/a");
	load_expect(&lc, 1 << 20, 0, RELOAD_ERR_SIGNATURE,
		    "not other-list.txt: it is", &l);
	loaded_list_free(&l);

	/* the file: field: minisign's tab-separated one, a hand-written one */
	{
		static const struct {
			const char *comment, *name;
			int ret, match;
		} cases[] = {
			{"timestamp:1\tfile:a.txt\thashed", "a.txt", 0, 1},
			{"timestamp:1\tfile:a.txt", "a.txt", 0, 1},
			{"timestamp:1\tfile:a b.txt\thashed", "a b.txt", 0, 1},
			{"file:a.txt no version", "a.txt", 0, 1},
			{"timestamp:1\tfile:a.txt.gz\thashed", "a.txt", 0, 0},
			{"timestamp:1\tfile:a.tx", "a.txt", 0, 0},
			{"timestamp:1\tfile:\thashed", "a.txt", 0, 0},
			{"timestamp:1\tprofile:a.txt", "a.txt", -ENOENT, 0},
			{"file:a.txt\tfile:b.txt", "b.txt", -EINVAL, 0},
		};

		for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
			const char *v = NULL, *why = NULL;
			size_t vl = 0;
			int ret = minisign_signed_file(cases[i].comment, &v,
						       &vl, &why);
			int match = ret == 0 &&
				    minisign_file_is(v, vl, cases[i].name,
						     strlen(cases[i].name));

			CHECK(ret == cases[i].ret && match == cases[i].match,
			      "'%s': %d match %d, want %d %d", cases[i].comment,
			      ret, match, cases[i].ret, cases[i].match);
		}
	}

	/* the list under its signed name, a legacy and a gzip signature */
	config_for(&lc, "legacy", "signed-list.txt");
	sig_next_to(&lc, ".legacy.minisig");
	load_expect(&lc, 1 << 20, 0, RELOAD_OK, NULL, &l);
	loaded_list_free(&l);
	config_for(&lc, "gzip-sig-for-plain", "signed-list.txt");
	sig_next_to(&lc, ".gz.minisig");
	load_expect(&lc, 1 << 20, 0, RELOAD_ERR_SIGNATURE, "bad signature", &l);
	loaded_list_free(&l);
out:
	free(data);
	free(sig);
}

/*
 * Issue 12, finding 6: a FIFO named as a list, a signature, a public key
 * or the configuration hung the daemon in open() (no writer) before the
 * S_ISREG check. Each is now refused at once, saying what it is; a symlink
 * is refused too (O_NOFOLLOW). SIGALRM ends the test if anything blocks.
 */
static void load_fifo_and_symlink(void)
{
	char fifo[PATH_MAX], link_path[PATH_MAX], conf[PATH_MAX + 128];
	char err[512];
	struct daemon_config *cfg = malloc(sizeof(*cfg));
	struct list_config lc;
	struct loaded_list l;
	const char *list, *conf_path;

	list = tmp_write_str("fifo-test.txt", "192.0.2.0/24\n");
	snprintf(fifo, sizeof(fifo), "%s/a.fifo", tmp_dir);
	snprintf(link_path, sizeof(link_path), "%s/a.link", tmp_dir);
	if (!cfg || mkfifo(fifo, 0600) < 0 || symlink(list, link_path) < 0) {
		CHECK(0, "mkfifo/symlink: %s", strerror(errno));
		free(cfg);
		return;
	}
	alarm(20);

	config_for(&lc, "fifo", "signed-list.txt");
	snprintf(lc.path, sizeof(lc.path), "%s", fifo);
	lc.signature = LIST_SIGNATURE_NONE;
	load_expect(&lc, 1 << 20, 0, RELOAD_ERR_IO,
		    "not a regular file but a FIFO", &l);
	loaded_list_free(&l);

	/* the list is a file, its signature a FIFO */
	config_for(&lc, "fifo-sig", "signed-list.txt");
	snprintf(lc.signature_file, sizeof(lc.signature_file), "%s", fifo);
	load_expect(&lc, 1 << 20, 0, RELOAD_ERR_IO,
		    "not a regular file but a FIFO", &l);
	loaded_list_free(&l);

	config_for(&lc, "symlink", "signed-list.txt");
	snprintf(lc.path, sizeof(lc.path), "%s", link_path);
	lc.signature = LIST_SIGNATURE_NONE;
	load_expect(&lc, 1 << 20, 0, RELOAD_ERR_IO, "is a symbolic link", &l);
	loaded_list_free(&l);

	CHECK(config_load(fifo, cfg, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "not a regular file but a FIFO"),
	      "config file: '%s'", err);
	snprintf(
		conf, sizeof(conf),
		"[daemon]\ninterfaces = eth0\n[list:a]\npath = /a\npublic_key_file = %s\n",
		fifo);
	conf_path = tmp_write_str("fifo-key.conf", conf);
	CHECK(config_load(conf_path, cfg, err, sizeof(err)) == -EINVAL &&
		      strstr(err, ":5: public_key_file = ") &&
		      strstr(err, "not a regular file but a FIFO"),
	      "public_key_file: '%s'", err);

	alarm(0);
	unlink(fifo);
	unlink(link_path);
	free(cfg);
}

/* ==== last good copies ================================================= */

/* Files in @dir, hidden ones included. */
static int files_in(const char *dir)
{
	char cmd[PATH_MAX + 64], out[32] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	if (!p || !fgets(out, sizeof(out), p))
		out[0] = '\0';
	if (p)
		pclose(p);
	return atoi(out);
}

static void lastgood_round_trip(void)
{
	uint64_t ts = fixture_timestamp("signed-list.txt.gz.minisig");
	struct lastgood_batch *b = calloc(1, sizeof(*b));
	struct daemon_config *cfg = calloc(1, sizeof(*cfg));
	char dir[PATH_MAX], sub[PATH_MAX + 16], path[PATH_MAX + 80], err[600];
	struct list_bytes keep, copy, other = {.data = "x\n", .len = 2};
	struct list_config lc;
	struct loaded_list l;
	struct stat st;
	FILE *f;

	if (!b || !cfg)
		exit(2);
	snprintf(dir, sizeof(dir), "%s/lgstate", tmp_dir);
	snprintf(sub, sizeof(sub), "%s/" LASTGOOD_DIR, dir);
	lastgood_path(path, sizeof(path), dir, "gz");
	config_for(&lc, "gz", "signed-list.txt.gz");

	/* the bytes as stored (still gzip) and the signature, handed over */
	CHECK(list_load_keep(&lc, 1 << 20, 0, &keep, &l) == 0 &&
		      keep.len == 111 && keep.sig && keep.sig_len > 0 &&
		      l.parsed.nr == 3,
	      "keep: %zu bytes, signature %zu, %zu entries (%s)", keep.len,
	      keep.sig_len, l.parsed.nr, l.error);
	loaded_list_free(&l);

	/* staged: not visible under its name before the commit */
	CHECK(lastgood_stage(b, dir, "gz", &keep, err, sizeof(err)) == 0 &&
		      b->nr == 1 && stat(path, &st) < 0,
	      "stage: %d staged, %s", b->nr, err);
	CHECK(lastgood_commit(b, dir, err, sizeof(err)) == 0 &&
		      stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
		      files_in(sub) == 1,
	      "commit: mode %o, %d files (%s)", st.st_mode & 0777,
	      files_in(sub), err);
	CHECK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700,
	      "lastgood directory mode %o", st.st_mode & 0777);
	/* the same bytes again: nothing to write */
	CHECK(lastgood_stage(b, dir, "gz", &keep, err, sizeof(err)) == 0 &&
		      b->nr == 0,
	      "an unchanged copy was staged again");

	/* read back: the same bytes, verified and parsed like the file */
	CHECK(lastgood_read(dir, "gz", 1 << 20, &copy, err, sizeof(err)) == 0 &&
		      copy.len == keep.len &&
		      !memcmp(copy.data, keep.data, keep.len) &&
		      copy.sig_len == keep.sig_len &&
		      !memcmp(copy.sig, keep.sig, keep.sig_len),
	      "read back: %zu bytes, signature %zu (%s)", copy.len,
	      copy.sig_len, err);
	CHECK(list_load_bytes(&lc, 1 << 20, ts, &copy, &l) == 0 && l.verified &&
		      l.version == ts && l.compressed && l.parsed.nr == 3,
	      "copy loads: verified %d version %llu, %zu entries (%s)",
	      l.verified, (unsigned long long)l.version, l.parsed.nr, l.error);
	loaded_list_free(&l);
	/* the same checks as the file: rollback, the bytes, the key */
	CHECK(list_load_bytes(&lc, 1 << 20, ts + 1, &copy, &l) < 0 &&
		      l.reason == RELOAD_ERR_ROLLBACK,
	      "copy older than the accepted version: %s", l.error);
	loaded_list_free(&l);
	copy.data[copy.len / 2] ^= 1;
	CHECK(list_load_bytes(&lc, 1 << 20, 0, &copy, &l) < 0 &&
		      l.reason == RELOAD_ERR_SIGNATURE,
	      "a changed byte in the copy: %s", l.error);
	loaded_list_free(&l);
	copy.data[copy.len / 2] ^= 1;
	CHECK(list_load_bytes(&lc, 110, 0, &copy, &l) < 0 &&
		      l.reason == RELOAD_ERR_SIZE,
	      "a copy over max_list_bytes: %s", l.error);
	loaded_list_free(&l);
	free(copy.sig);
	copy.sig = NULL;
	CHECK(list_load_bytes(&lc, 1 << 20, 0, &copy, &l) < 0 &&
		      l.reason == RELOAD_ERR_SIGNATURE &&
		      strstr(l.error, "holds no signature"),
	      "a signed list's copy without signature: %s", l.error);
	loaded_list_free(&l);
	list_bytes_free(&copy);

	/* staged and discarded: nothing is left */
	CHECK(lastgood_stage(b, dir, "other", &other, err, sizeof(err)) == 0 &&
		      b->nr == 1,
	      "stage other: %s", err);
	lastgood_discard(b, dir);
	CHECK(files_in(sub) == 1, "discard left %d files", files_in(sub));
	/* an unsigned copy round trip */
	lastgood_stage(b, dir, "other", &other, err, sizeof(err));
	lastgood_commit(b, dir, err, sizeof(err));
	CHECK(lastgood_read(dir, "other", 1 << 20, &copy, err, sizeof(err)) ==
			      0 &&
		      copy.len == 2 && !copy.sig &&
		      !memcmp(copy.data, "x\n", 2),
	      "unsigned copy: %zu bytes (%s)", copy.len, err);
	list_bytes_free(&copy);

	/* missing, damaged */
	CHECK(lastgood_read(dir, "nope", 1 << 20, &copy, err, sizeof(err)) ==
		      -ENOENT,
	      "no copy: want -ENOENT");
	f = fopen(path, "w");
	if (f) {
		fputs("xdpblock-last-good 1\nsignature 5\nlist 9\n\nabc", f);
		fclose(f);
	}
	CHECK(lastgood_read(dir, "gz", 1 << 20, &copy, err, sizeof(err)) ==
			      -EINVAL &&
		      strstr(err, "not a last good copy written by xdpblockd"),
	      "damaged copy: '%s'", err);

	/* pruned: the lists a configuration no longer has */
	snprintf(cfg->lists[0].name, sizeof(cfg->lists[0].name), "other");
	cfg->nr_lists = 1;
	lastgood_prune(dir, cfg);
	CHECK(stat(path, &st) < 0 && files_in(sub) == 1, "prune: %d files left",
	      files_in(sub));
	list_bytes_free(&keep);
	free(cfg);
	free(b);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);

	RUN_TEST("formats", fmt_plain_and_netset);
	RUN_TEST("formats", fmt_spamhaus_sample);
	RUN_TEST("formats", fmt_spamhaus_json_sample);
	RUN_TEST("formats", fmt_ipset_sample);
	RUN_TEST("formats", fmt_max_bad_lines);
	RUN_TEST("formats", fmt_explicit_overrides_auto);
	RUN_TEST("formats", fmt_real_lists);
	RUN_TEST("formats", fmt_hosts_sample);
	RUN_TEST("formats", fmt_adblock_sample);
	RUN_TEST("formats", fmt_rpz_sample);
	RUN_TEST("formats", fmt_domain_format_mismatch);
	RUN_TEST("formats", fmt_real_domain_lists);
	RUN_TEST("formats", fmt_rpz_origin);
	RUN_TEST("formats", fmt_rpz_record_bound);
	RUN_TEST("formats", fmt_error_escapes_control_bytes);

	RUN_TEST("detect", detect_table);
	RUN_TEST("detect", detect_refusal_names_file);

	RUN_TEST("gzip", gzip_round_trip_and_members);
	RUN_TEST("gzip", gzip_truncated_and_corrupt);
	RUN_TEST("gzip", gzip_bomb);

	RUN_TEST("minisign", minisign_keys);
	RUN_TEST("minisign", minisign_verify_fixtures);
	RUN_TEST("minisign", minisign_sig_format);
	RUN_TEST("minisign", minisign_timestamps);

	RUN_TEST("state", state_round_trip);
	RUN_TEST("state", state_symlink_planted);
	RUN_TEST("state", state_dir_writable_refused);
	RUN_TEST("files", files_write_atomic);
	RUN_TEST("files", files_dir_ancestors);
	RUN_TEST("watch", watch_ignores_temporaries);

	RUN_TEST("load", load_signed);
	RUN_TEST("load", load_refused);
	RUN_TEST("load", load_fifo_and_symlink);
	RUN_TEST("load", load_signed_for_another_file);
	RUN_TEST("load", load_domain_formats);
	RUN_TEST("lastgood", lastgood_round_trip);

	printf("list tests done: %d PASS, %d FAIL\n", tl_passed, tl_failed);
	tmp_cleanup();
	return TEST_EXIT_CODE();
}
