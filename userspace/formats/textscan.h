/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Scanning one line of a list, [s, e): white space and words, as every
 * list format and the format detection read them.
 */
#ifndef XDPBLOCK_TEXTSCAN_H
#define XDPBLOCK_TEXTSCAN_H

#include <string.h>
#include <strings.h>

static inline int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static inline const char *trim_end(const char *s, const char *e)
{
	while (e > s && is_space(e[-1]))
		e--;
	return e;
}

static inline const char *skip_space(const char *s, const char *e)
{
	while (s < e && is_space(*s))
		s++;
	return s;
}

/* The first word of [s, e) ends here. */
static inline const char *word_end(const char *s, const char *e)
{
	while (s < e && !is_space(*s))
		s++;
	return s;
}

static inline int word_is(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - s) == n && !memcmp(s, word, n);
}

static inline int starts_with(const char *s, const char *e, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(e - s) >= n && !strncasecmp(s, prefix, n);
}

static inline int word_is_ci(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - s) == n && !strncasecmp(s, word, n);
}

/*
 * The next token of [*pos, e), moving *pos past it: a word, or a
 * "quoted string" whole (an ipset comment, a zone's TXT data).
 */
static inline int scan_token(const char **pos, const char *e, const char **tok,
			     const char **tok_end)
{
	const char *s = skip_space(*pos, e);

	if (s == e)
		return 0;
	*tok = s;
	if (*s == '"') {
		const char *q = memchr(s + 1, '"', e - s - 1);

		s = q ? q + 1 : e;
	} else {
		s = word_end(s, e);
	}
	*tok_end = s;
	*pos = s;
	return 1;
}

/* Where a list's first line starts: a UTF-8 byte-order mark is not part of it. */
static inline const char *skip_bom(const char *buf, size_t len)
{
	return len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3) ? buf + 3 : buf;
}

#endif
