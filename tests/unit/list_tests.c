// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * List files, without BPF or root:
 *
 *   formats    each list format on real-world-shaped samples (headers,
 *              comments, CRLF, BOM, odd spacing, IPv6, malformed lines)
 *              and on the real lists in tests/data
 *   detect     format = auto on every kind of list in tests/data and on
 *              the domain formats it must refuse
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listfile.h"
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
		 "# Title: StevenBlack/hosts\n#\n127.0.0.1 localhost\n", -1,
		 "line 3 looks like a hosts file"},
		{"urlhaus_filter_hosts_online.txt",
		 "# Title: Online Malicious Hosts Blocklist\n\n0.0.0.0 1008691.com\n",
		 -1, "line 3 looks like a hosts file"},
		{"adblock_dnsbunker_cti.txt",
		 "[Adblock Plus 2.0]\n! Title: x\n||0011pgvip.com^\n", -1,
		 "line 1 looks like an Adblock-style filter list"},
		{"adblock_urlhaus_filter_agh_online.txt",
		 "! Title: x\n||1.0.218.230^\n", -1,
		 "line 2 looks like an Adblock-style filter list"},
		{"adblock comments only", "! Title: x\n", -1, "Adblock"},
		{"rpz_dnsbunker_cti.zone.head",
		 "; comment\n$TTL 300\n@ IN SOA localhost. admin.localhost. (\n",
		 -1, "line 2 looks like a DNS zone (RPZ)"},
		{"rpz_serrc_safesearch.zone",
		 "rpz.\t\t\t      300 IN SOA\tlocalhost. need.to.know.only. (\n",
		 -1, "line 1 looks like a DNS zone (RPZ)"},
		{"domains_dnsbunker_cti.txt", "# x\n\n0011pgvip.com\n", -1,
		 "line 3 looks like a list of domain names"},
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
				      (strstr(why, "not supported yet") ||
				       strstr(why, "set format")),
			      "%s: %d '%s', want '%s'", cases[i].what, err, why,
			      cases[i].why);
	}
}

/* A refused format reaches the caller as -ENOTSUP with the file's name. */
static void detect_refusal_names_file(void)
{
	struct parsed_list l;
	int err = parse_as(LIST_FORMAT_AUTO, LIST_ON_ERROR_SKIP_LINE,
			   "hosts.txt", "0.0.0.0 example.com\n", &l);

	CHECK(err == -ENOTSUP && !strncmp(l.error, "hosts.txt: line 1 ", 18),
	      "%d '%s'", err, l.error);
	parsed_list_free(&l);
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

	RUN_TEST("detect", detect_table);
	RUN_TEST("detect", detect_refusal_names_file);



	printf("list tests done: %d PASS, %d FAIL\n", tl_passed, tl_failed);
	tmp_cleanup();
	return TEST_EXIT_CODE();
}
