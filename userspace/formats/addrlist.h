/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Address lists: plain, netset, spamhaus, spamhaus-json and ipset
 * (addrlist.c; docs/list-formats.md). Types are in listfile.h.
 */
#ifndef XDPBLOCK_ADDRLIST_H
#define XDPBLOCK_ADDRLIST_H

#include <stddef.h>

#include "formats/listfile.h"

/*
 * Parse an in-memory list; @name is used in messages. Returns 0, or a
 * negative errno with list->error set to a message naming @name and the
 * line (-EINVAL: malformed content, -ENOTSUP: a format that carries no
 * address rules, -ENOMEM).
 */
int listfile_parse_data(const char *name, const char *buf, size_t len,
			const struct list_parse_opts *opts,
			struct parsed_list *list);

/* The plain format, with no max_bad_lines limit under skip-line. */
int listfile_parse_buffer(const char *name, const char *buf, size_t len,
			  enum list_on_error on_error,
			  struct parsed_list *list);
/* Read @path whole and parse it as listfile_parse_buffer() does. */
int listfile_parse(const char *path, enum list_on_error on_error,
		   struct parsed_list *list);
void parsed_list_free(struct parsed_list *list);

#endif
