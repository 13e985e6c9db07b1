// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/promtext.h"

static int reserve(struct prom_buf *b, size_t more)
{
	size_t cap;
	char *text;

	if (b->failed)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	text = realloc(b->text, cap);
	if (!text) {
		b->failed = 1;
		return -1;
	}
	b->text = text;
	b->cap = cap;
	return 0;
}

static void append(struct prom_buf *b, const char *data, size_t len)
{
	if (reserve(b, len))
		return;
	memcpy(b->text + b->len, data, len);
	b->len += len;
	b->text[b->len] = '\0';
}

static void append_str(struct prom_buf *b, const char *s)
{
	append(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
append_fmt(struct prom_buf *b, const char *fmt, ...)
{
	char small[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		append(b, small, n);
		return;
	}
	if (reserve(b, n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->text + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

/* Length of the valid UTF-8 sequence at @s (1..4), 0 if it is not one. */
static size_t utf8_sequence(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0; /* a continuation byte, or C0, C1, F5..FF */
	/* no overlong forms, no UTF-16 surrogates, nothing past U+10FFFF */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	/* a NUL fails here before anything past it is read */
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

void prom_label_value(struct prom_buf *b, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;

	while (*s) {
		size_t len = utf8_sequence(s);

		if (*s == '\\')
			append_str(b, "\\\\");
		else if (*s == '"')
			append_str(b, "\\\"");
		else if (*s == '\n')
			append_str(b, "\\n");
		else if (len)
			append(b, (const char *)s, len);
		else
			append_str(b, "\xef\xbf\xbd");
		s += len ? len : 1;
	}
}

void prom_family(struct prom_buf *b, const char *name, const char *type,
		 const char *help)
{
	append_fmt(b, "# HELP %s ", name);
	/* HELP text escapes only backslash and line feed */
	for (const char *c = help; *c; c++) {
		if (*c == '\\')
			append_str(b, "\\\\");
		else if (*c == '\n')
			append_str(b, "\\n");
		else
			append(b, c, 1);
	}
	append_fmt(b, "\n# TYPE %s %s\n", name, type);
}

static void sample_start(struct prom_buf *b, const char *name,
			 const struct prom_label *labels, size_t nr_labels)
{
	append_str(b, name);
	for (size_t i = 0; i < nr_labels; i++) {
		append_fmt(b, "%c%s=\"", i ? ',' : '{', labels[i].name);
		prom_label_value(b, labels[i].value);
		append_str(b, "\"");
	}
	if (nr_labels)
		append_str(b, "}");
}

void prom_u64(struct prom_buf *b, const char *name,
	      const struct prom_label *labels, size_t nr_labels, uint64_t value)
{
	sample_start(b, name, labels, nr_labels);
	append_fmt(b, " %" PRIu64 "\n", value);
}

void prom_double(struct prom_buf *b, const char *name,
		 const struct prom_label *labels, size_t nr_labels,
		 double value)
{
	char text[32];

	sample_start(b, name, labels, nr_labels);
	if (isnan(value)) {
		append_str(b, " NaN\n");
		return;
	}
	if (isinf(value)) {
		append_str(b, value > 0 ? " +Inf\n" : " -Inf\n");
		return;
	}
	/* the shortest of the two that reads back as the same number */
	snprintf(text, sizeof(text), "%.15g", value);
	if (strtod(text, NULL) != value)
		snprintf(text, sizeof(text), "%.17g", value);
	append_fmt(b, " %s\n", text);
}

void prom_buf_free(struct prom_buf *b)
{
	free(b->text);
	memset(b, 0, sizeof(*b));
}
