// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of domain names: canonical form (case, trailing dot, IDN),
 * validation, domain list files, list type detection, the name hash the
 * datapath shares (lower-casing, suffix keys), resolution into the name
 * hash, the reference matcher, and the no-false-block property: 1M random
 * unlisted names against 1M listed names, no key of any suffix of an
 * unlisted name equal to the key of a different listed name.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/names.h"
#include "formats/addrlist.h"
#include "formats/listfile.h"
#include "formats/namelist.h"
#include "rules/plan.h"
#include "rules/refmatch.h"
#include "rules/ruleset.h"
#include "rng.h"
#include "testlib.h"

/* the datapath's name table lookup, compiled for userspace */
#include "unit/bpf_shim.h"
#include "../bpf/name_table.bpf.h"

static void normalize_valid(void)
{
	static const struct {
		const char *in, *out;
	} rows[] = {
		{"example.com", "example.com"},
		{"Example.COM", "example.com"},
		{"example.com.", "example.com"},
		{"WWW.EXAMPLE.COM.", "www.example.com"},
		{"_dmarc.example.com", "_dmarc.example.com"},
		{"a-b.c0.d9", "a-b.c0.d9"},
		{"com", "com"},
		{"b\xc3\xbc"
		 "cher.example",
		 "xn--bcher-kva.example"},
		{"B\xc3\xbc"
		 "CHER.example.",
		 "xn--bcher-kva.example"},
		/* UTS #46 maps upper case in non-ASCII too (U+00DC -> U+00FC) */
		{"b\xc3\x9c"
		 "cher.example",
		 "xn--bcher-kva.example"},
		/* non-transitional: sharp s stays (IDNA2008), not "ss" */
		{"fa\xc3\x9f.de", "xn--fa-hia.de"},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char out[NAME_TEXT_BUF];
		const char *why = NULL;
		int err = name_normalize(rows[i].in, strlen(rows[i].in), out,
					 &why);

		CHECK(!err, "%s: %s", rows[i].in, why ? why : "?");
		if (!err)
			CHECK(!strcmp(out, rows[i].out),
			      "%s -> %s, expected %s", rows[i].in, out,
			      rows[i].out);
	}
}

static void normalize_invalid(void)
{
	char l63[64], l64[65], n253[260], n254[260], out[NAME_TEXT_BUF];
	const char *why;

	memset(l63, 'a', 63);
	l63[63] = 0;
	memset(l64, 'a', 64);
	l64[64] = 0;
	/* 4 labels: 63 + 63 + 63 + 61 + 3 dots = 253 */
	snprintf(n253, sizeof(n253), "%s.%s.%s.%.61s", l63, l63, l63, l63);
	snprintf(n254, sizeof(n254), "%s.%s.%s.%.62s", l63, l63, l63, l63);
	CHECK(!name_normalize(l63, 63, out, &why), "a 63-character label");
	CHECK(!name_normalize(n253, strlen(n253), out, &why), "253 characters");
	{
		const char *bad[] = {"",      ".",	  "..",	   "a..b",
				     ".a.b",  "a b.c",	  "*.a.b", "a/b.c",
				     "a.b..", "\xff.com", "a@b.c", l64,
				     n254};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			why = NULL;
			CHECK(name_normalize(bad[i], strlen(bad[i]), out,
					     &why) == -EINVAL &&
				      why,
			      "'%.20s' accepted", bad[i]);
		}
	}
}

static void list_markers_and_format(void)
{
	static const char text[] = "\xef\xbb\xbf# a domain list\r\n"
				   "example.com\r\n"
				   "  =Exact.Example.NET.  # trailing comment\n"
				   "exact:two.example\n"
				   "suffix:three.example\n"
				   ".four.example\n"
				   "*.five.example\n"
				   "\n"
				   "b\xc3\xbc"
				   "cher.example";
	static const struct {
		const char *name;
		uint8_t kind;
		uint32_t line;
	} want[] = {
		{"example.com", XDPB_NAME_SUFFIX, 2},
		{"exact.example.net", XDPB_NAME_EXACT, 3},
		{"two.example", XDPB_NAME_EXACT, 4},
		{"three.example", XDPB_NAME_SUFFIX, 5},
		{"four.example", XDPB_NAME_SUFFIX, 6},
		{"five.example", XDPB_NAME_SUFFIX, 7},
		{"xn--bcher-kva.example", XDPB_NAME_SUFFIX, 9},
	};
	struct parsed_names l;
	int err = listfile_parse_names_buffer("d.txt", text, sizeof(text) - 1,
					      LIST_ON_ERROR_REJECT, &l);

	CHECK(!err, "parse: %s", l.error);
	CHECK(l.nr == sizeof(want) / sizeof(want[0]), "%zu entries", l.nr);
	for (size_t i = 0;
	     !err && i < l.nr && i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK(!strcmp(l.text + l.entries[i].text_off, want[i].name),
		      "entry %zu is %s", i, l.text + l.entries[i].text_off);
		CHECK(l.entries[i].kind == want[i].kind, "entry %zu kind", i);
		CHECK(l.entries[i].line == want[i].line, "entry %zu line %u", i,
		      l.entries[i].line);
	}
	parsed_names_free(&l);
}

static void list_errors(void)
{
	static const char text[] = "good.example\nbad..example\n"
				   "two names.example\nalso.good\n";
	struct parsed_names l;
	int err;

	err = listfile_parse_names_buffer("d.txt", text, sizeof(text) - 1,
					  LIST_ON_ERROR_REJECT, &l);
	CHECK(err == -EINVAL, "rejected: %d", err);
	CHECK(l.bad_line == 2 && strstr(l.error, "d.txt:2: empty label"),
	      "error: %s", l.error);
	parsed_names_free(&l);
	err = listfile_parse_names_buffer("d.txt", text, sizeof(text) - 1,
					  LIST_ON_ERROR_SKIP_LINE, &l);
	CHECK(!err && l.nr == 2 && l.nr_skipped == 2,
	      "skip-line: %zu kept, %zu skipped", l.nr, l.nr_skipped);
	CHECK(strstr(l.error, "d.txt:2:"), "first error kept: %s", l.error);
	parsed_names_free(&l);
}

/* format = auto tells a domain list from an address list by its first entry. */
static void detect_type(void)
{
	static const struct {
		const char *text;
		int domains;
	} rows[] = {
		{"# c2\n192.0.2.0/24\nexample.com\n", 0},
		{"2001:db8::/32\n", 0},
		{"\n# names\nexample.com\n", 1},
		{"=exact.example\n", 1},
		{"exact:exact.example\n", 1},
		/* the domain formats that start with an address or a '$' */
		{"# hosts\n0.0.0.0 ads.example\n", 1},
		{"||ads.example^\n", 1},
		{"$TTL 300\nads.example CNAME .\n", 1},
		{"# nothing\n", 0},
		{"", 0},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum list_format f = LIST_FORMAT_AUTO;
		char why[256] = "";
		int err = listfile_detect(rows[i].text, strlen(rows[i].text),
					  &f, why, sizeof(why));

		CHECK(err == 0 && list_format_is_domain(f) == rows[i].domains,
		      "row %zu: %d %s %s", i, err, list_format_name(f), why);
	}
}

/* xdpb_lower8 against tolower() for every byte in every position. */
static void lower8_every_byte(void)
{
	for (int pos = 0; pos < 8; pos++)
		for (int b = 0; b < 256; b++) {
			uint8_t in[8] = {'x',  'Y', '0', '-',
					 0x80, 'Z', 'a', '@'};
			uint8_t out[8];
			uint64_t w;

			in[pos] = b;
			memcpy(&w, in, 8);
			w = xdpb_lower8(w);
			memcpy(out, &w, 8);
			for (int i = 0; i < 8; i++) {
				uint8_t c = in[i];
				uint8_t want = c >= 'A' && c <= 'Z' ? c + 32
								    : c;

				if (out[i] != want) {
					CHECK(0, "byte 0x%02x at %d -> 0x%02x",
					      c, i, out[i]);
					return;
				}
			}
		}
}

/*
 * The keys of suffixes: keys[i] is the key of the suffix text itself, and
 * a name in upper case hashes as in lower case (the datapath's mix reads
 * the wire bytes of the query unchanged).
 */
static void suffix_keys_consistent(void)
{
	const char *name = "a.bb.ccccccccccccccccccccccccccccccc.example.com";
	struct xdpb_name_key keys[130], anchors[130], k, a;
	int n = name_suffix_keys(name, keys, anchors);
	const char *s = name;
	uint8_t wire[XDPB_NAME_BUF], off[130];
	struct xdpb_name_state st;

	CHECK(n == 5, "%d labels", n);
	for (int i = 0; i < n; i++) {
		name_key(s, &k, &a);
		CHECK(!name_key_cmp(&k, &keys[i]), "suffix %d key", i);
		CHECK(!name_key_cmp(&a, &anchors[i]), "suffix %d anchor", i);
		s = strchr(s, '.') ? strchr(s, '.') + 1 : "";
	}
	CHECK(!name_key_cmp(&anchors[0], &keys[3]), "anchor: last two labels");
	CHECK(!name_key_cmp(&anchors[4], &keys[4]),
	      "anchor of the TLD: itself");
	name_to_wire(name, wire, off);
	for (size_t i = 0; i < XDPB_NAME_BUF; i++)
		if (wire[i] >= 'a' && wire[i] <= 'z')
			wire[i] -= 32;
	xdpb_name_state_init(&st);
	for (int i = n - 1; i >= 0; i--)
		xdpb_name_mix_label(&st, wire, off[i]);
	xdpb_name_key_of(&st, &k);
	CHECK(!name_key_cmp(&k, &keys[0]), "upper-case wire name, same key");
	/* label boundaries are part of the key */
	name_key("ab.c", &k, NULL);
	name_key("a.bc", &a, NULL);
	CHECK(name_key_cmp(&k, &a), "ab.c and a.bc differ");
}

/*
 * A label is hashed by its own words only: for every label length 1..63
 * (one to eight words, the last one partial or whole), the key does not
 * change with the bytes after the name in the buffer (the datapath's
 * scratch holds QTYPE, QCLASS and more there), nor with letter case, and
 * a label one byte shorter or with a different last byte gives another
 * key.
 */
static void label_words_only(void)
{
	for (int len = 1; len <= XDPB_LABEL_MAX; len++) {
		char text[XDPB_LABEL_MAX + 8];
		uint8_t wire[XDPB_NAME_BUF], off[XDPB_NAME_MAX_LABELS + 1];
		struct xdpb_name_key k, k_dirty, k_short, k_other;
		struct xdpb_name_state st;
		int n;

		for (int i = 0; i < len; i++)
			text[i] = 'a' + (i * 7 + len) % 26;
		strcpy(text + len, ".com");
		name_key(text, &k, NULL);
		n = name_to_wire(text, wire, off);
		for (size_t i = off[n - 1] + 5; i < XDPB_NAME_BUF; i++)
			wire[i] = 0xa5 ^ (uint8_t)i;
		for (int i = 1; i <= len; i++)
			wire[i] -= 32; /* upper case */
		xdpb_name_state_init(&st);
		for (int i = n - 1; i >= 0; i--)
			xdpb_name_mix_label(&st, wire, off[i]);
		xdpb_name_key_of(&st, &k_dirty);
		CHECK(!name_key_cmp(&k, &k_dirty),
		      "label of %d: bytes after the name or case changed the key",
		      len);
		if (len > 1) {
			memmove(text + len - 1, text + len, 5);
			name_key(text, &k_short, NULL);
			CHECK(name_key_cmp(&k, &k_short),
			      "label of %d: one byte shorter, same key", len);
		}
		for (int i = 0; i < len; i++)
			text[i] = 'a' + (i * 7 + len) % 26;
		strcpy(text + len, ".com");
		text[len - 1] = text[len - 1] == 'z' ? 'y' : 'z';
		name_key(text, &k_other, NULL);
		CHECK(name_key_cmp(&k, &k_other),
		      "label of %d: another last byte, same key", len);
	}
}

/* Resolution and the reference matcher agree on precedence. */
static void resolve_and_refmatch(void)
{
	static const struct {
		const char *name;
		uint8_t kind, action;
		uint16_t list;
	} rules[] = {
		{"example.com", XDPB_NAME_SUFFIX, XDPB_ACT_NXDOMAIN, 1},
		{"ok.example.com", XDPB_NAME_EXACT, XDPB_ACT_ALLOW, 2},
		{"deep.ok.example.com", XDPB_NAME_SUFFIX, XDPB_ACT_DROP, 3},
		{"allowed.org", XDPB_NAME_SUFFIX, XDPB_ACT_ALLOW, 2},
		{"x.allowed.org", XDPB_NAME_SUFFIX, XDPB_ACT_DROP, 3},
		{"mon.example.com", XDPB_NAME_SUFFIX, XDPB_ACT_MONITOR, 4},
		{"same.net", XDPB_NAME_SUFFIX, XDPB_ACT_REFUSED, 5},
		{"same.net", XDPB_NAME_SUFFIX, XDPB_ACT_DROP, 6},
	};
	static const struct {
		const char *query;
		uint16_t list; /* 0: none */
	} want[] = {
		{"example.com", 1},
		{"a.example.com", 1},
		{"ok.example.com", 2},
		{"a.ok.example.com", 1},
		{"deep.ok.example.com", 3},
		{"y.deep.ok.example.com", 3},
		{"allowed.org", 2},
		{"x.allowed.org", 2},
		{"z.x.allowed.org", 2},
		{"mon.example.com", 1},
		{"a.mon.example.com", 1},
		{"same.net", 6},
		{"com", 0},
		{"xexample.com", 0},
	};
	struct ruleset rs = {0};
	struct name_plan plan;
	uint32_t id = 1;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		ruleset_add_name(&rs, rules[i].name, rules[i].kind,
				 rules[i].list, rules[i].action, i + 1);
	ruleset_finish(&rs);
	for (size_t i = 0; i < rs.names.nr; i++)
		rs.names.rules[i].rule_id = id++;
	CHECK(!name_plan_build(&rs.names, &plan), "plan");
	CHECK(plan.nr_entries == 7, "%zu distinct names", plan.nr_entries);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct name_rule *r = refmatch_name(&rs, want[i].query);
		struct xdpb_name_key keys[130], anchors[130];
		int n = name_suffix_keys(want[i].query, keys, anchors);
		const struct xdpb_match *m = NULL;

		CHECK(want[i].list ? r && r->list_id == want[i].list : !r,
		      "refmatch %s: list %u", want[i].query,
		      r ? r->list_id : 0);
		/* the datapath's walk over the plan: longest listed suffix */
		for (int s = 0; s < n && !m; s++)
			for (size_t e = 0; e < plan.nr_entries; e++)
				if (!name_key_cmp(&plan.keys[e], &keys[s])) {
					m = s ? &plan.leaves[e].below
					      : &plan.leaves[e].full;
					break;
				}
		if (m && m->action == XDPB_ACT_NONE)
			m = NULL;
		CHECK(want[i].list ? m && m->list_id == want[i].list &&
					     m->rule_id == r->rule_id
				   : !m,
		      "plan %s: list %u", want[i].query, m ? m->list_id : 0);
	}
	name_plan_free(&plan);
	ruleset_free(&rs);
}

/* The filter bit @bits of @key (in its anchor's line) of @plan is set. */
static int plan_filter_has(const struct name_plan *plan,
			   const struct xdpb_name_key *anchor, __u32 bits)
{
	uint32_t mask = (uint32_t)(plan->filter_bytes /
					   sizeof(struct xdpb_filter_chunk) -
				   1);

	return xdpb_filter_chunk_has(
		(const struct xdpb_filter_chunk *)plan->filter +
			xdpb_name_filter_chunk(anchor, mask),
		bits);
}

/*
 * The filter: "listed" bits for every entry, "above" bits for every
 * distinct proper suffix of an entry (what lets the datapath stop at the
 * first suffix with no listed name below it), counted once each however
 * many names share them, and the filter sized for both.
 */
static void filter_listed_and_above(void)
{
	static const char *const names[] = {
		"a.example.com",  "b.example.com",	"example.com",
		"x.y.z.deep.org", "=exact.example.com",
	};
	/* com, example.com; org, deep.org, z.deep.org, y.z.deep.org */
	static const char *const above[] = {
		"com",	    "example.com", "org",
		"deep.org", "z.deep.org",  "y.z.deep.org",
	};
	static const char *const neither[] = {
		"x.y.z.deep.org.example",
		"a.com",
		"www.a.example.com",
	};
	struct ruleset rs = {0};
	struct name_plan plan;
	struct xdpb_name_key k, a;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *n = names[i];
		uint8_t kind = *n == '=' ? XDPB_NAME_EXACT : XDPB_NAME_SUFFIX;

		ruleset_add_name(&rs, n + (*n == '='), kind, 1, XDPB_ACT_DROP,
				 i + 1);
	}
	ruleset_finish(&rs);
	CHECK(!name_plan_build(&rs.names, &plan), "plan");
	CHECK(plan.nr_entries == 5, "%zu entries", plan.nr_entries);
	CHECK(plan.nr_above == 6, "%zu above keys", plan.nr_above);
	CHECK(plan.filter_log2 == XDPB_NAME_FILTER_MIN_LOG2, "log2 %u",
	      plan.filter_log2);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		name_key(names[i] + (*names[i] == '='), &k, &a);
		CHECK(plan_filter_has(&plan, &a, xdpb_name_listed_bits(&k)),
		      "%s: listed bits", names[i]);
	}
	for (i = 0; i < sizeof(above) / sizeof(above[0]); i++) {
		name_key(above[i], &k, &a);
		CHECK(plan_filter_has(&plan, &a, xdpb_name_above_bits(&k)),
		      "%s: above bits", above[i]);
	}
	/* a false "maybe" is possible, but not for these in 64 Kibit */
	for (i = 0; i < sizeof(neither) / sizeof(neither[0]); i++) {
		name_key(neither[i], &k, &a);
		CHECK(!plan_filter_has(&plan, &a, xdpb_name_above_bits(&k)),
		      "%s: above bits", neither[i]);
	}
	name_plan_free(&plan);
	ruleset_free(&rs);

	/*
	 * sized for the entries or the above keys, whichever are more: 2^16
	 * bits are 32 bits for 2,048 keys; 1,500 names of four labels have
	 * 3,001 distinct proper suffixes
	 */
	memset(&rs, 0, sizeof(rs));
	for (i = 0; i < 1500; i++) {
		char n[64];

		snprintf(n, sizeof(n), "n%zu.o%zu.m%zu.example", i, i, i);
		ruleset_add_name(&rs, n, XDPB_NAME_SUFFIX, 1, XDPB_ACT_DROP,
				 i + 1);
	}
	ruleset_finish(&rs);
	CHECK(!name_plan_build(&rs.names, &plan), "plan");
	CHECK(plan.nr_above == 3001, "%zu above keys", plan.nr_above);
	CHECK(plan.filter_log2 == XDPB_NAME_FILTER_MIN_LOG2 + 1,
	      "log2 %u for 3,001 above keys", plan.filter_log2);
	name_plan_free(&plan);
	ruleset_free(&rs);
}

/*
 * What each action is in each view (xdpb_view_action()): a blocked name
 * is blocked on every protocol, in the form the protocol has; protocols
 * narrows the views.
 */
static void view_actions(void)
{
	static const struct {
		uint8_t action, reset_dns, views, dns, web;
	} rows[] = {
		{XDPB_ACT_NXDOMAIN, 0, XDPB_VIEWS_ALL, XDPB_ACT_NXDOMAIN,
		 XDPB_ACT_RESET},
		{XDPB_ACT_REFUSED, 0, XDPB_VIEWS_ALL, XDPB_ACT_REFUSED,
		 XDPB_ACT_RESET},
		{XDPB_ACT_SINKHOLE, 0, XDPB_VIEWS_ALL, XDPB_ACT_SINKHOLE,
		 XDPB_ACT_RESET},
		{XDPB_ACT_RESET, 0, XDPB_VIEWS_ALL, XDPB_ACT_NXDOMAIN,
		 XDPB_ACT_RESET},
		{XDPB_ACT_RESET, XDPB_ACT_REFUSED, XDPB_VIEWS_ALL,
		 XDPB_ACT_REFUSED, XDPB_ACT_RESET},
		{XDPB_ACT_RESET, XDPB_ACT_SINKHOLE, XDPB_VIEWS_ALL,
		 XDPB_ACT_SINKHOLE, XDPB_ACT_RESET},
		{XDPB_ACT_RESET, XDPB_ACT_DROP, XDPB_VIEWS_ALL, XDPB_ACT_DROP,
		 XDPB_ACT_RESET},
		{XDPB_ACT_DROP, 0, XDPB_VIEWS_ALL, XDPB_ACT_DROP,
		 XDPB_ACT_DROP},
		{XDPB_ACT_MONITOR, 0, XDPB_VIEWS_ALL, XDPB_ACT_MONITOR,
		 XDPB_ACT_MONITOR},
		{XDPB_ACT_ALLOW, 0, XDPB_VIEWS_ALL, XDPB_ACT_ALLOW,
		 XDPB_ACT_ALLOW},
		/* a reset's dns_action is for a reset only */
		{XDPB_ACT_NXDOMAIN, XDPB_ACT_DROP, XDPB_VIEWS_ALL,
		 XDPB_ACT_NXDOMAIN, XDPB_ACT_RESET},
		{XDPB_ACT_NXDOMAIN, 0, XDPB_VIEW_DNS, XDPB_ACT_NXDOMAIN,
		 XDPB_ACT_NONE},
		{XDPB_ACT_NXDOMAIN, 0, XDPB_VIEW_WEB, XDPB_ACT_NONE,
		 XDPB_ACT_RESET},
		{XDPB_ACT_RESET, XDPB_ACT_REFUSED, XDPB_VIEW_DNS,
		 XDPB_ACT_REFUSED, XDPB_ACT_NONE},
		{XDPB_ACT_ALLOW, 0, XDPB_VIEW_WEB, XDPB_ACT_NONE,
		 XDPB_ACT_ALLOW},
		{XDPB_ACT_DROP, 0, 0, XDPB_ACT_NONE, XDPB_ACT_NONE},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t dns = xdpb_view_action(
			rows[i].action, rows[i].reset_dns, rows[i].views, 0);
		uint8_t web = xdpb_view_action(
			rows[i].action, rows[i].reset_dns, rows[i].views, 1);

		CHECK(dns == rows[i].dns && web == rows[i].web,
		      "row %zu: action %u in views %u: DNS %u, web %u; want %u, %u",
		      i, rows[i].action, rows[i].views, dns, web, rows[i].dns,
		      rows[i].web);
	}
}

/* The leaf of @query in @plan: the datapath's walk, view @web. */
static const struct xdpb_match *plan_walk(const struct name_plan *plan,
					  const char *query, int web)
{
	struct xdpb_name_key keys[130], anchors[130];
	int n = name_suffix_keys(query, keys, anchors);

	for (int s = 0; s < n; s++)
		for (size_t e = 0; e < plan->nr_entries; e++) {
			const struct xdpb_name_leaf *l = &plan->leaves[e];
			const struct xdpb_match *m;

			if (name_key_cmp(&plan->keys[e], &keys[s]))
				continue;
			m = web ? s ? &l->web_below : &l->web_full
			    : s ? &l->below
				: &l->full;
			return m->action == XDPB_ACT_NONE ? NULL : m;
		}
	return NULL;
}

/*
 * Each view resolved on its own, from each rule's action in it: the
 * reference matcher and the plan's leaves agree on the rule and on the
 * action it takes there.
 */
static void resolve_views(void)
{
	static const struct {
		const char *name;
		uint8_t kind, action, dns, web;
		uint16_t list;
	} rules[] = {
		{"example.com", XDPB_NAME_SUFFIX, XDPB_ACT_NXDOMAIN,
		 XDPB_ACT_NXDOMAIN, XDPB_ACT_RESET, 1},
		/* reset, dns_action = refused */
		{"www.example.com", XDPB_NAME_SUFFIX, XDPB_ACT_RESET,
		 XDPB_ACT_REFUSED, XDPB_ACT_RESET, 2},
		/* sinkhole, protocols = web */
		{"web.example.com", XDPB_NAME_SUFFIX, XDPB_ACT_SINKHOLE,
		 XDPB_ACT_NONE, XDPB_ACT_RESET, 3},
		/* allow, protocols = dns */
		{"ok.example.com", XDPB_NAME_EXACT, XDPB_ACT_ALLOW,
		 XDPB_ACT_ALLOW, XDPB_ACT_NONE, 4},
		/* drop over a reset of the same name: drop ranks higher */
		{"both.net", XDPB_NAME_SUFFIX, XDPB_ACT_RESET,
		 XDPB_ACT_NXDOMAIN, XDPB_ACT_RESET, 2},
		{"both.net", XDPB_NAME_SUFFIX, XDPB_ACT_DROP, XDPB_ACT_DROP,
		 XDPB_ACT_DROP, 5},
	};
	static const struct {
		const char *query;
		uint16_t dns_list, web_list; /* 0: none */
		uint8_t dns, web;
	} want[] = {
		{"a.example.com", 1, 1, XDPB_ACT_NXDOMAIN, XDPB_ACT_RESET},
		{"x.www.example.com", 2, 2, XDPB_ACT_REFUSED, XDPB_ACT_RESET},
		{"web.example.com", 1, 3, XDPB_ACT_NXDOMAIN, XDPB_ACT_RESET},
		{"ok.example.com", 4, 1, XDPB_ACT_ALLOW, XDPB_ACT_RESET},
		{"a.ok.example.com", 1, 1, XDPB_ACT_NXDOMAIN, XDPB_ACT_RESET},
		{"www.both.net", 5, 5, XDPB_ACT_DROP, XDPB_ACT_DROP},
		{"example.org", 0, 0, 0, 0},
	};
	struct ruleset rs = {0};
	struct name_plan plan;
	uint32_t id = 1;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		ruleset_add_name_views(&rs, rules[i].name, rules[i].kind,
				       rules[i].list, rules[i].action,
				       rules[i].dns, rules[i].web, i + 1);
	ruleset_finish(&rs);
	for (size_t i = 0; i < rs.names.nr; i++)
		rs.names.rules[i].rule_id = id++;
	CHECK(!name_plan_build(&rs.names, &plan), "plan");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		for (int web = 0; web < 2; web++) {
			const struct name_rule *r =
				refmatch_name_view(&rs, want[i].query, web);
			const struct xdpb_match *m =
				plan_walk(&plan, want[i].query, web);
			uint16_t list = web ? want[i].web_list
					    : want[i].dns_list;
			uint8_t action = web ? want[i].web : want[i].dns;

			CHECK(list ? r && r->list_id == list &&
					      name_rule_view_action(r, web) ==
						      action
				   : !r,
			      "refmatch %s view %d: list %u", want[i].query,
			      web, r ? r->list_id : 0);
			CHECK(list ? m && r && m->list_id == list &&
					      m->rule_id == r->rule_id &&
					      m->action == action
				   : !m,
			      "plan %s view %d: list %u action %u",
			      want[i].query, web, m ? m->list_id : 0,
			      m ? m->action : 0);
		}
	name_plan_free(&plan);
	ruleset_free(&rs);
}

/* ---- the name table ----------------------------------------------------- */

#define TABLE_NAMES 1000000

/*
 * name_table_find() of bpf/name_table.bpf.h itself, over an array: the
 * map it reads is the tag below, and bpf_map_lookup_elem() hands out the
 * array's slots, counting the probes.
 */
static char slots_map;
static struct xdpb_name_slot *probe_slots;
static uint32_t probe_nr_slots;
static int probe_reads;

void *bpf_map_lookup_elem(void *map, const void *key)
{
	uint32_t index;

	memcpy(&index, key, sizeof(index));
	if (map != &slots_map || index >= probe_nr_slots)
		return NULL;
	probe_reads++;
	return &probe_slots[index];
}

static const struct xdpb_name_slot *table_find(struct xdpb_name_slot *slots,
					       uint32_t nr_slots, uint64_t seed,
					       const struct xdpb_name_key *key,
					       int *probes)
{
	struct name_probe_state st = {.nr_slots = nr_slots};
	const struct xdpb_name_leaf *leaf;

	probe_slots = slots;
	probe_nr_slots = nr_slots;
	probe_reads = 0;
	leaf = name_table_find(&slots_map, &st, seed, key);
	/* a found key's slot is read once more, for its leaf */
	*probes += probe_reads - (leaf != NULL);
	if (!leaf)
		return NULL;
	return (const struct xdpb_name_slot *)((const char *)leaf -
					       offsetof(struct xdpb_name_slot,
							leaf));
}

static void random_key(struct rng *r, struct xdpb_name_key *k)
{
	k->hash[0] = rng_next(r);
	k->hash[1] = rng_next(r);
}

/*
 * Every name of a plan is found where the datapath looks, with its own
 * leaf; no other key is; each slot's dist is its distance from home.
 */
static void table_places_and_finds(void)
{
	struct name_plan plan = {.nr_entries = TABLE_NAMES};
	uint32_t nr_slots = name_table_slots(TABLE_NAMES), used = 0;
	struct xdpb_name_slot *slots = calloc(nr_slots, sizeof(*slots));
	struct rng r = {0x7ab1e5eed};
	uint64_t seed = 0x0123456789abcdefULL;
	int hit_probes = 0, miss_probes = 0, max_dist = 0;
	size_t found = 0, false_found = 0;

	plan.keys = calloc(TABLE_NAMES, sizeof(*plan.keys));
	plan.leaves = calloc(TABLE_NAMES, sizeof(*plan.leaves));
	if (!slots || !plan.keys || !plan.leaves) {
		CHECK(0, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < TABLE_NAMES; i++) {
		random_key(&r, &plan.keys[i]);
		plan.leaves[i].full.rule_id = i + 1;
	}
	CHECK(name_table_fill(&plan, slots, TABLE_NAMES, seed) == -E2BIG,
	      "a table with no free slot is refused");
	CHECK(!name_table_fill(&plan, slots, nr_slots, seed), "table filled");
	for (uint32_t i = 0; i < nr_slots; i++) {
		uint32_t home;

		if (!slots[i].used)
			continue;
		used++;
		home = xdpb_name_slot_home(&slots[i].key, seed, nr_slots);
		if ((i + nr_slots - home) % nr_slots != slots[i].dist) {
			CHECK(0, "slot %u: dist %u, %u from home", i,
			      slots[i].dist, (i + nr_slots - home) % nr_slots);
			break;
		}
		if (slots[i].dist > max_dist)
			max_dist = slots[i].dist;
	}
	CHECK(used == TABLE_NAMES, "%u slots used", used);
	for (uint32_t i = 0; i < TABLE_NAMES; i++) {
		const struct xdpb_name_slot *s = table_find(
			slots, nr_slots, seed, &plan.keys[i], &hit_probes);

		found += s && s->leaf.full.rule_id == i + 1;
	}
	for (uint32_t i = 0; i < TABLE_NAMES; i++) {
		struct xdpb_name_key k;

		random_key(&r, &k);
		false_found += table_find(slots, nr_slots, seed, &k,
					  &miss_probes) != NULL;
	}
	printf("  %d names in %u slots: longest distance %d, %.2f probes per hit, %.2f per miss\n",
	       TABLE_NAMES, nr_slots, max_dist,
	       (double)hit_probes / TABLE_NAMES,
	       (double)miss_probes / TABLE_NAMES);
	CHECK(found == TABLE_NAMES, "%zu of %d names found with their leaf",
	      found, TABLE_NAMES);
	CHECK(false_found == 0, "%zu unlisted keys found", false_found);
	CHECK(max_dist < XDPB_NAME_MAX_PROBES, "longest distance %d", max_dist);
out:
	free(slots);
	free(plan.keys);
	free(plan.leaves);
}

/* ---- no false blocks ---------------------------------------------------- */

#define NR_NAMES 1000000

static const char *const tlds[] = {"com", "net", "org",	    "de",
				   "uk",  "io",	 "example", "test"};

static void random_name(struct rng *r, char *out)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
	int labels = 2 + rng_next(r) % 3;
	char *p = out;

	for (int l = 0; l < labels - 1; l++) {
		int len = 4 + rng_next(r) % 12;

		for (int i = 0; i < len; i++)
			*p++ = chars[rng_next(r) % 36]; /* no '-' at the ends */
		*p++ = '.';
	}
	strcpy(p, tlds[rng_next(r) % (sizeof(tlds) / sizeof(tlds[0]))]);
}

struct keyed {
	struct xdpb_name_key key;
	uint32_t index;
};

static int keyed_cmp(const void *a, const void *b)
{
	return name_key_cmp(&((const struct keyed *)a)->key,
			    &((const struct keyed *)b)->key);
}

static void million_unlisted_never_blocked(void)
{
	struct keyed *listed = calloc(NR_NAMES, sizeof(*listed));
	char(*texts)[64] = calloc(NR_NAMES, 64);
	struct rng r = {0x5eedd0a1};
	size_t false_hits = 0, true_hits = 0, suffixes = 0;

	if (!listed || !texts) {
		CHECK(0, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < NR_NAMES; i++) {
		random_name(&r, texts[i]);
		name_key(texts[i], &listed[i].key, NULL);
		listed[i].index = i;
	}
	qsort(listed, NR_NAMES, sizeof(*listed), keyed_cmp);
	for (uint32_t i = 0; i < NR_NAMES; i++) {
		struct xdpb_name_key keys[130], anchors[130];
		char name[64];
		const char *suffix = name;
		int n;

		random_name(&r, name);
		n = name_suffix_keys(name, keys, anchors);
		for (int s = 0; s < n; s++) {
			struct keyed probe = {.key = keys[s]}, *hit;

			suffixes++;
			hit = bsearch(&probe, listed, NR_NAMES, sizeof(*listed),
				      keyed_cmp);
			if (hit && strcmp(texts[hit->index], suffix))
				false_hits++;
			else if (hit)
				true_hits++; /* the same name drawn twice */
			suffix = strchr(suffix, '.') + (s + 1 < n);
		}
	}
	printf("  %d listed, %d unlisted names (%zu suffixes): %zu false blocks, %zu names drawn in both\n",
	       NR_NAMES, NR_NAMES, suffixes, false_hits, true_hits);
	CHECK(false_hits == 0,
	      "%zu suffixes of unlisted names hit a listed key", false_hits);
out:
	free(listed);
	free(texts);
}

int main(void)
{
	RUN_TEST("names", normalize_valid);
	RUN_TEST("names", normalize_invalid);
	RUN_TEST("names", list_markers_and_format);
	RUN_TEST("names", list_errors);
	RUN_TEST("names", detect_type);
	RUN_TEST("names", lower8_every_byte);
	RUN_TEST("names", suffix_keys_consistent);
	RUN_TEST("names", label_words_only);
	RUN_TEST("names", resolve_and_refmatch);
	RUN_TEST("names", filter_listed_and_above);
	RUN_TEST("names", view_actions);
	RUN_TEST("names", resolve_views);
	RUN_TEST("names", table_places_and_finds);
	RUN_TEST("names", million_unlisted_never_blocked);
	printf("names_tests: %d passed, %d failed\n", tl_passed, tl_failed);
	return TEST_EXIT_CODE();
}
