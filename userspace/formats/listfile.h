/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * List files: the one place where the bytes of a list become rules:
 * prefixes (parsed_list) or domain names (parsed_names).
 * Nothing is activated here. Formats (docs/list-formats.md):
 *
 *   plain, netset  one IPv4/IPv6 address or CIDR per line, '#' comments
 *                  (FireHOL .netset files are plain lists)
 *   spamhaus       "CIDR ; SBLnnn", ';' comments (DROP, EDROP, DROPv6)
 *   spamhaus-json  Spamhaus JSON lines: {"cidr": ...} records and a
 *                  final {"type": "metadata", "records": N} line
 *   ipset          `ipset save` output: create/add lines of hash:ip and
 *                  hash:net sets
 *
 * and of domain rules (listfile_parse_names_data()):
 *
 *   domains        one name per line (see below)
 *   hosts          "ADDRESS NAME..." lines: exact rules
 *   adblock        "||name^" (suffix) and "@@||name^" (allow) rules
 *   rpz            a DNS response policy zone: per-record actions
 *
 * Every format: blank lines, CRLF line ends, a UTF-8 BOM at the start and a
 * missing final line end are fine; a NUL byte is an error. Each entry is
 * one rule: an address without a length is a host (/32, /128) rule.
 */
#ifndef XDPBLOCK_LISTFILE_H
#define XDPBLOCK_LISTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/prefix.h"

enum list_on_error {
	LIST_ON_ERROR_REJECT, /* any malformed line rejects the whole list */
	LIST_ON_ERROR_SKIP_LINE, /* malformed lines are skipped and counted */
};

/* The values are kept in pinned state (xdpb_pinned_list.format): append. */
enum list_format {
	LIST_FORMAT_AUTO, /* detected from the first entry line */
	LIST_FORMAT_PLAIN,
	LIST_FORMAT_NETSET,
	LIST_FORMAT_SPAMHAUS,
	LIST_FORMAT_SPAMHAUS_JSON,
	LIST_FORMAT_IPSET,
	LIST_FORMAT_DOMAINS, /* a domain list: listfile_parse_names_buffer() */
	LIST_FORMAT_HOSTS, /* the domain formats: listfile_parse_names_data() */
	LIST_FORMAT_ADBLOCK,
	LIST_FORMAT_RPZ,
	LIST_FORMAT_MAX,
};

/* With skip-line, more malformed lines than this reject the list. */
#define LIST_DEFAULT_MAX_BAD_LINES 1000

struct list_parse_opts {
	enum list_format format;
	enum list_on_error on_error;
	uint32_t max_bad_lines; /* only with LIST_ON_ERROR_SKIP_LINE */
	/*
	 * rpz: the zone's name (its origin, as the resolver's zone statement
	 * gives it), NULL or "" if not configured: then $ORIGIN or the
	 * owner of the SOA record, else the root.
	 */
	const char *origin;
};

/* Does @format hold domain rules (parsed_names) rather than addresses? */
static inline int list_format_is_domain(enum list_format format)
{
	return format == LIST_FORMAT_DOMAINS || format == LIST_FORMAT_HOSTS ||
	       format == LIST_FORMAT_ADBLOCK || format == LIST_FORMAT_RPZ;
}

struct list_entry {
	struct prefix prefix;
	uint32_t line;
};

struct parsed_list {
	struct list_entry *entries;
	size_t nr, cap;
	size_t nr_v4, nr_v6;
	size_t nr_skipped; /* malformed lines skipped (skip-line) */
	uint32_t bad_line; /* first malformed line, 0 if none */
	enum list_format format; /* the format read (never AUTO) */
	/* First problem, "path:line: reason", for logs and status. */
	char error[512];
};

/*
 * Which format @buf is in, decided by its first line that is neither
 * blank nor a comment (docs/list-formats.md), address or domain format.
 * Returns 0, or -ENOTSUP with @why saying which line it cannot tell.
 */
int listfile_detect(const char *buf, size_t len, enum list_format *format,
		    char *why, size_t whylen);

/*
 * Domain lists: one name per line, '#' comments, blank lines, CRLF and a
 * BOM as above. A name alone is a suffix rule (the name and every name
 * below it); "suffix:NAME", ".NAME" and "*.NAME" say the same
 * explicitly. "exact:NAME" or "=NAME" is an exact rule (that name only).
 * Names are canonicalised by name_normalize() (case, trailing dot, IDN).
 */
enum list_type {
	LIST_TYPE_AUTO, /* from the first entry of the file */
	LIST_TYPE_IP,
	LIST_TYPE_DOMAIN,
};

/* name_entry.action: the rule takes the list's configured action. */
#define NAME_ACTION_LIST 0xff

struct name_entry {
	uint32_t text_off; /* canonical name in parsed_names.text */
	uint32_t line;
	uint8_t kind; /* enum xdpb_name_kind */
	/*
	 * enum xdpb_action of the entry itself (adblock "@@": allow; every
	 * rpz record), or NAME_ACTION_LIST
	 */
	uint8_t action;
};

struct parsed_names {
	struct name_entry *entries;
	size_t nr, cap;
	char *text;
	size_t text_len, text_cap;
	size_t nr_skipped; /* malformed lines skipped (skip-line) */
	uint32_t bad_line;
	/*
	 * Entries that are well-formed in their format but have no rule
	 * xdpblock can apply (adblock options, URL and IP literal rules, RPZ
	 * local data and rpz-ip triggers, hosts redirects): skipped, counted
	 * here, never malformed; the first is described in @unsupported.
	 */
	size_t nr_unsupported;
	enum list_format format; /* the format read */
	char error[512];
	char unsupported[512]; /* "path:line: what" of the first, or "" */
};

const char *list_format_name(enum list_format format);
/* Returns 0 and sets *format for a name in list_format_name()'s set. */
int list_format_parse(const char *name, enum list_format *format);

#endif
