/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * List files. This module reads a list file whole and turns it into
 * prefixes; nothing is activated here. Format for now: one IPv4/IPv6
 * address or CIDR per line, '#' comments (whole-line or trailing), blank
 * lines, CRLF line ends and a UTF-8 BOM tolerated. New formats plug in
 * beside listfile_parse_plain().
 */
#ifndef XDPBLOCK_LISTFILE_H
#define XDPBLOCK_LISTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

enum list_on_error {
	LIST_ON_ERROR_REJECT, /* any malformed line rejects the whole list */
	LIST_ON_ERROR_SKIP_LINE, /* malformed lines are skipped and counted */
};

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
	int64_t mtime; /* listfile_parse(): the file's mtime, from the fd read */
	/* First problem, "path:line: reason", for logs and status. */
	char error[512];
};

/*
 * Read and parse @path. Returns 0, or a negative errno with
 * list->error set to a message naming the file and line.
 */
int listfile_parse(const char *path, enum list_on_error on_error,
		   struct parsed_list *list);
/* Parse an in-memory buffer; @name is used in messages. */
int listfile_parse_buffer(const char *name, const char *buf, size_t len,
			  enum list_on_error on_error,
			  struct parsed_list *list);
void parsed_list_free(struct parsed_list *list);

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

struct name_entry {
	uint32_t text_off; /* canonical name in parsed_names.text */
	uint32_t line;
	uint8_t kind; /* enum xdpb_name_kind */
};

struct parsed_names {
	struct name_entry *entries;
	size_t nr, cap;
	char *text;
	size_t text_len, text_cap;
	size_t nr_skipped;
	uint32_t bad_line;
	int64_t mtime; /* the file's mtime, from the fd read */
	char error[512];
};

int listfile_parse_names(const char *path, enum list_on_error on_error,
			 struct parsed_names *list);
int listfile_parse_names_buffer(const char *name, const char *buf, size_t len,
				enum list_on_error on_error,
				struct parsed_names *list);
void parsed_names_free(struct parsed_names *list);
/*
 * What the first entry of @path is: LIST_TYPE_IP for an address or CIDR,
 * LIST_TYPE_DOMAIN for anything else (an empty list: LIST_TYPE_IP).
 * Negative errno if the file cannot be read.
 */
int listfile_detect_type(const char *path);

#endif
