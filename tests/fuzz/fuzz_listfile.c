// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: every list format (listfile.c) on the same input, and
 * format detection. Besides memory errors (ASan, UBSan), it checks what a
 * caller relies on: counts add up, every entry is a valid network
 * (no host bits past its length) from an increasing line, and a failure
 * names the file and, for a malformed line, the line. The domain formats
 * (domains, hosts, adblock, rpz): every entry is a canonical name (what
 * name_normalize() makes of it is itself), of a known kind and action,
 * from a line that never goes back, and unsupported entries are described.
 * Messages quote the input escaped: printable ASCII only (issue 12, 9).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "formats/addrlist.h"
#include "formats/listfile.h"
#include "formats/namelist.h"

#include "fuzz_target.h"

#define NAME "fuzz.list"

/* A message holds no byte a terminal could act on. */
static void check_printable(const char *msg)
{
	for (; *msg; msg++)
		if (*msg < 0x20 || *msg > 0x7e)
			__builtin_trap();
}

static void check(const struct parsed_list *l, int err, size_t lines)
{
	size_t v4 = 0;

	check_printable(l->error);
	if (err) {
		if (strncmp(l->error, NAME ":", strlen(NAME ":")))
			__builtin_trap();
		if (err == -EINVAL && (!l->bad_line || l->bad_line > lines))
			__builtin_trap();
		return;
	}
	if (l->format == LIST_FORMAT_AUTO || l->nr != l->nr_v4 + l->nr_v6)
		__builtin_trap();
	for (size_t i = 0; i < l->nr; i++) {
		struct prefix p = l->entries[i].prefix;

		if (p.plen > prefix_max_len(&p) || !l->entries[i].line ||
		    l->entries[i].line > lines ||
		    (i && l->entries[i].line <= l->entries[i - 1].line))
			__builtin_trap();
		prefix_truncate(&p, p.plen);
		if (memcmp(&p, &l->entries[i].prefix, sizeof(p)))
			__builtin_trap();
		v4 += p.family == AF_INET;
	}
	if (v4 != l->nr_v4)
		__builtin_trap();
}

static void check_names(const struct parsed_names *l, int err, size_t lines)
{
	check_printable(l->error);
	check_printable(l->unsupported);
	if (err) {
		if (strncmp(l->error, NAME ":", strlen(NAME ":")))
			__builtin_trap();
		if (err == -EINVAL && (!l->bad_line || l->bad_line > lines))
			__builtin_trap();
		return;
	}
	if (!list_format_is_domain(l->format) ||
	    !l->nr_unsupported != !l->unsupported[0])
		__builtin_trap();
	for (size_t i = 0; i < l->nr; i++) {
		const struct name_entry *ne = &l->entries[i];
		const char *text = l->text + ne->text_off, *why;
		char again[NAME_TEXT_BUF];

		if (ne->text_off >= l->text_len || !ne->line ||
		    ne->line > lines ||
		    (i && ne->line < l->entries[i - 1].line) ||
		    ne->kind > XDPB_NAME_EXACT ||
		    (ne->action != NAME_ACTION_LIST &&
		     (ne->action == XDPB_ACT_NONE ||
		      ne->action >= XDPB_ACT_MAX)))
			__builtin_trap();
		if (name_normalize(text, strlen(text), again, &why) ||
		    strcmp(again, text))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum list_format formats[] = {
		LIST_FORMAT_AUTO,     LIST_FORMAT_PLAIN,
		LIST_FORMAT_SPAMHAUS, LIST_FORMAT_SPAMHAUS_JSON,
		LIST_FORMAT_IPSET,
	};
	static const enum list_format name_formats[] = {
		LIST_FORMAT_DOMAINS,
		LIST_FORMAT_HOSTS,
		LIST_FORMAT_ADBLOCK,
		LIST_FORMAT_RPZ,
	};
	const char *nl = (const char *)data, *end = nl + size;
	enum list_format detected;
	size_t lines = 1;
	char why[256];

	while ((nl = memchr(nl, '\n', end - nl))) {
		lines++;
		nl++;
	}

	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		for (int skip = 0; skip < 2; skip++) {
			const struct list_parse_opts opts = {
				.format = formats[f],
				.on_error = skip ? LIST_ON_ERROR_SKIP_LINE
						 : LIST_ON_ERROR_REJECT,
				.max_bad_lines = 20,
			};
			struct parsed_list l;
			int err = listfile_parse_data(NAME, (const char *)data,
						      size, &opts, &l);

			check(&l, err, lines);
			parsed_list_free(&l);
		}
	}
	for (size_t f = 0; f < sizeof(name_formats) / sizeof(name_formats[0]);
	     f++) {
		for (int skip = 0; skip < 2; skip++) {
			const struct list_parse_opts opts = {
				.format = name_formats[f],
				.on_error = skip ? LIST_ON_ERROR_SKIP_LINE
						 : LIST_ON_ERROR_REJECT,
				.max_bad_lines = 20,
				.origin = skip ? "rpz" : NULL,
			};
			struct parsed_names l;
			int err = listfile_parse_names_data(
				NAME, (const char *)data, size, &opts, &l);

			check_names(&l, err, lines);
			parsed_names_free(&l);
		}
	}
	if (listfile_detect((const char *)data, size, &detected, why,
			    sizeof(why)) == 0 &&
	    (detected <= LIST_FORMAT_AUTO || detected >= LIST_FORMAT_MAX))
		__builtin_trap();
	return 0;
}
