// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bigalloc.h"
#include "listfile.h"

static int list_append(struct parsed_list *list, const struct prefix *p,
		       uint32_t line)
{
	if (list->nr == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 1024;
		struct list_entry *e =
			big_realloc(list->entries, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		list->entries = e;
		list->cap = cap;
	}
	list->entries[list->nr].prefix = *p;
	list->entries[list->nr].line = line;
	list->nr++;
	if (p->family == AF_INET)
		list->nr_v4++;
	else
		list->nr_v6++;
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int listfile_parse_buffer(const char *name, const char *buf, size_t len,
			  enum list_on_error on_error, struct parsed_list *list)
{
	const char *pos = buf, *end = buf + len;
	uint32_t line_no = 0;

	memset(list, 0, sizeof(*list));
	/*
	 * The shortest IPv4 entry ("1.2.3.4\n") is 8 bytes: reserving len / 8
	 * entries up front costs only address space (pages are touched as
	 * they fill) and usually avoids copying a growing array (lists of
	 * shorter IPv6 entries such as "::1" still grow as needed).
	 */
	list->cap = len / 8 + 16;
	list->entries = big_malloc(list->cap * sizeof(*list->entries));
	if (!list->entries) {
		snprintf(list->error, sizeof(list->error), "%s: out of memory",
			 name);
		return -ENOMEM;
	}
	/* A UTF-8 byte-order mark at the start is not part of the first line. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos += 3;

	while (pos < end) {
		const char *eol = memchr(pos, '\n', end - pos);
		const char *line_end = eol ? eol : end;
		const char *tok, *tok_end, *hash;
		char token[PREFIX_STRLEN];
		const char *why = NULL;
		struct prefix p;

		line_no++;
		hash = memchr(pos, '#', line_end - pos);
		if (hash)
			line_end = hash;
		tok = pos;
		while (tok < line_end && is_space(*tok))
			tok++;
		tok_end = line_end;
		while (tok_end > tok && is_space(tok_end[-1]))
			tok_end--;
		pos = eol ? eol + 1 : end;
		if (tok == tok_end)
			continue;

		if (memchr(tok, '\0', tok_end - tok))
			why = "NUL byte in line";
		else if ((size_t)(tok_end - tok) >= sizeof(token))
			why = "entry too long for an address";
		else {
			memcpy(token, tok, tok_end - tok);
			token[tok_end - tok] = '\0';
			if (strpbrk(token, " \t"))
				why = "more than one field (expected one address or CIDR per line)";
			else
				prefix_parse(token, &p, &why);
		}
		if (why) {
			if (!list->error[0]) {
				snprintf(list->error, sizeof(list->error),
					 "%s:%u: %s", name, line_no, why);
				list->bad_line = line_no;
			}
			if (on_error == LIST_ON_ERROR_REJECT)
				return -EINVAL;
			list->nr_skipped++;
			continue;
		}
		if (list_append(list, &p, line_no) < 0) {
			snprintf(list->error, sizeof(list->error),
				 "%s: out of memory", name);
			return -ENOMEM;
		}
	}
	return 0;
}

int listfile_parse(const char *path, enum list_on_error on_error,
		   struct parsed_list *list)
{
	struct stat st;
	void *map = NULL;
	int fd, err;

	memset(list, 0, sizeof(*list));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(list->error, sizeof(list->error),
			 "%s: cannot open: %s", path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(list->error, sizeof(list->error),
			 "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_size > 0) {
		map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			err = -errno;
			snprintf(list->error, sizeof(list->error),
				 "%s: cannot read: %s", path, strerror(errno));
			close(fd);
			return err;
		}
	}
	close(fd);
	err = listfile_parse_buffer(path, map ? map : "", st.st_size, on_error,
				    list);
	list->mtime = st.st_mtime;
	if (map)
		munmap(map, st.st_size);
	return err;
}

void parsed_list_free(struct parsed_list *list)
{
	free(list->entries);
	list->entries = NULL;
	list->nr = list->cap = 0;
}
