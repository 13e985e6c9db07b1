/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Domain lists: domains, hosts, adblock and rpz (namelist.c;
 * docs/list-formats.md). Types are in listfile.h.
 */
#ifndef XDPBLOCK_NAMELIST_H
#define XDPBLOCK_NAMELIST_H

#include <stddef.h>

#include "formats/listfile.h"

int listfile_parse_names_buffer(const char *name, const char *buf, size_t len,
				enum list_on_error on_error,
				struct parsed_names *list);
/*
 * Parse an in-memory list of a domain format (@opts->format: domains,
 * hosts, adblock or rpz; docs/list-formats.md), with the max_bad_lines
 * limit of listfile_parse_data(). Returns 0, or a negative errno with
 * list->error "name:line: reason" (-EINVAL, -ENOMEM).
 */
int listfile_parse_names_data(const char *name, const char *buf, size_t len,
			      const struct list_parse_opts *opts,
			      struct parsed_names *list);
void parsed_names_free(struct parsed_names *list);

#endif
