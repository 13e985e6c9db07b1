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
#include "names.h"

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

/* Map @path read-only: *@map (NULL when empty) and *@size. */
static int map_file(const char *path, void **map, size_t *size,
		    int64_t *mtime, char *error, size_t errlen)
{
	struct stat st;
	int fd, err;

	*map = NULL;
	*size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(error, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return err;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(error, errlen, "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_size > 0) {
		*map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (*map == MAP_FAILED) {
			err = -errno;
			*map = NULL;
			snprintf(error, errlen, "%s: cannot read: %s", path,
				 strerror(errno));
			close(fd);
			return err;
		}
	}
	*size = st.st_size;
	if (mtime)
		*mtime = st.st_mtime;
	close(fd);
	return 0;
}

int listfile_parse(const char *path, enum list_on_error on_error,
		   struct parsed_list *list)
{
	int64_t mtime = 0;
	size_t size;
	void *map;
	int err;

	memset(list, 0, sizeof(*list));
	err = map_file(path, &map, &size, &mtime, list->error,
		       sizeof(list->error));
	if (err)
		return err;
	err = listfile_parse_buffer(path, map ? map : "", size, on_error, list);
	list->mtime = mtime; /* parsing starts from a zeroed list */
	if (map)
		munmap(map, size);
	return err;
}

/*
 * The next entry of a list buffer: the token of the next line that has
 * one (comments and surrounding blanks removed). Returns 0 at the end.
 */
static int next_token(const char **pos, const char *end, uint32_t *line_no,
		      const char **tok, const char **tok_end)
{
	while (*pos < end) {
		const char *eol = memchr(*pos, '\n', end - *pos);
		const char *line_end = eol ? eol : end, *hash, *t, *te;

		(*line_no)++;
		hash = memchr(*pos, '#', line_end - *pos);
		if (hash)
			line_end = hash;
		t = *pos;
		while (t < line_end && is_space(*t))
			t++;
		te = line_end;
		while (te > t && is_space(te[-1]))
			te--;
		*pos = eol ? eol + 1 : end;
		if (t == te)
			continue;
		*tok = t;
		*tok_end = te;
		return 1;
	}
	return 0;
}

static int names_append(struct parsed_names *list, const char *text,
			uint8_t kind, uint32_t line)
{
	size_t len = strlen(text) + 1;

	if (list->nr == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 1024;
		struct name_entry *e =
			big_realloc(list->entries, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		list->entries = e;
		list->cap = cap;
	}
	if (list->text_len + len > list->text_cap) {
		size_t cap = list->text_cap ? list->text_cap * 2 : 65536;
		char *t;

		while (cap < list->text_len + len)
			cap *= 2;
		t = big_realloc(list->text, cap);
		if (!t)
			return -ENOMEM;
		list->text = t;
		list->text_cap = cap;
	}
	memcpy(list->text + list->text_len, text, len);
	list->entries[list->nr].text_off = list->text_len;
	list->entries[list->nr].line = line;
	list->entries[list->nr].kind = kind;
	list->nr++;
	list->text_len += len;
	return 0;
}

/* One entry: its kind marker, then the name. */
static int parse_name_entry(const char *tok, size_t len, char *out,
			    uint8_t *kind, const char **why)
{
	static const struct {
		const char *marker;
		uint8_t kind;
	} markers[] = {
		{"exact:", XDPB_NAME_EXACT},   {"=", XDPB_NAME_EXACT},
		{"suffix:", XDPB_NAME_SUFFIX}, {"*.", XDPB_NAME_SUFFIX},
		{".", XDPB_NAME_SUFFIX},
	};

	*kind = XDPB_NAME_SUFFIX;
	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
		size_t ml = strlen(markers[i].marker);

		if (len > ml && !strncasecmp(tok, markers[i].marker, ml)) {
			*kind = markers[i].kind;
			tok += ml;
			len -= ml;
			break;
		}
	}
	if (memchr(tok, ' ', len) || memchr(tok, '\t', len)) {
		*why = "more than one field (expected one name per line)";
		return -EINVAL;
	}
	return name_normalize(tok, len, out, why);
}

int listfile_parse_names_buffer(const char *name, const char *buf, size_t len,
				enum list_on_error on_error,
				struct parsed_names *list)
{
	const char *pos = buf, *end = buf + len, *tok, *tok_end;
	uint32_t line_no = 0;

	memset(list, 0, sizeof(*list));
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos += 3;
	while (next_token(&pos, end, &line_no, &tok, &tok_end)) {
		char text[NAME_TEXT_BUF];
		const char *why = NULL;
		uint8_t kind;

		if (memchr(tok, '\0', tok_end - tok))
			why = "NUL byte in line";
		else
			parse_name_entry(tok, tok_end - tok, text, &kind, &why);
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
		if (names_append(list, text, kind, line_no) < 0) {
			snprintf(list->error, sizeof(list->error),
				 "%s: out of memory", name);
			return -ENOMEM;
		}
	}
	return 0;
}

int listfile_parse_names(const char *path, enum list_on_error on_error,
			 struct parsed_names *list)
{
	int64_t mtime = 0;
	size_t size;
	void *map;
	int err;

	memset(list, 0, sizeof(*list));
	err = map_file(path, &map, &size, &mtime, list->error,
		       sizeof(list->error));
	if (err)
		return err;
	err = listfile_parse_names_buffer(path, map ? map : "", size, on_error,
					  list);
	list->mtime = mtime;
	if (map)
		munmap(map, size);
	return err;
}

void parsed_names_free(struct parsed_names *list)
{
	free(list->entries);
	free(list->text);
	list->entries = NULL;
	list->text = NULL;
	list->nr = list->cap = list->text_len = list->text_cap = 0;
}

int listfile_detect_type(const char *path)
{
	const char *pos, *end, *tok, *tok_end;
	char err[256], token[PREFIX_STRLEN];
	uint32_t line_no = 0;
	int type = LIST_TYPE_IP;
	size_t size;
	void *map;
	int ret = map_file(path, &map, &size, NULL, err, sizeof(err));

	if (ret)
		return ret;
	if (!map)
		return LIST_TYPE_IP;
	pos = map;
	end = pos + size;
	if (size >= 3 && memcmp(pos, "\xef\xbb\xbf", 3) == 0)
		pos += 3;
	if (next_token(&pos, end, &line_no, &tok, &tok_end)) {
		struct prefix p;
		const char *why;

		type = LIST_TYPE_DOMAIN;
		if ((size_t)(tok_end - tok) < sizeof(token)) {
			memcpy(token, tok, tok_end - tok);
			token[tok_end - tok] = '\0';
			if (!prefix_parse(token, &p, &why))
				type = LIST_TYPE_IP;
		}
	}
	munmap(map, size);
	return type;
}

void parsed_list_free(struct parsed_list *list)
{
	free(list->entries);
	list->entries = NULL;
	list->nr = list->cap = 0;
}
