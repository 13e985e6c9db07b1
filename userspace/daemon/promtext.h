/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The Prometheus text exposition format (version 0.0.4): a growing buffer
 * and writers for metric families, samples and escaped label values. No
 * HTTP and no daemon state here (metrics.c has those), so all of it is
 * unit-tested.
 *
 * The format wants every sample of a family right after the family's
 * HELP and TYPE lines: callers write one family, then all its samples.
 */
#ifndef XDPBLOCK_PROMTEXT_H
#define XDPBLOCK_PROMTEXT_H

#include <stddef.h>
#include <stdint.h>

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_buf {
	char *text; /* NUL-terminated once anything was written */
	size_t len, cap;
	int failed; /* an allocation failed: the text is incomplete */
};

struct prom_label {
	const char *name; /* a fixed label name, written as is */
	const char *value; /* any text: escaped when written */
};

/* "# HELP name help" and "# TYPE name type" (counter, gauge). */
void prom_family(struct prom_buf *b, const char *name, const char *type,
		 const char *help);
/* One sample: name{label="value",...} value */
void prom_u64(struct prom_buf *b, const char *name,
	      const struct prom_label *labels, size_t nr_labels,
	      uint64_t value);
void prom_double(struct prom_buf *b, const char *name,
		 const struct prom_label *labels, size_t nr_labels,
		 double value);
/*
 * Append @value as a label value without its quotes: backslash, double
 * quote and line feed escaped, bytes that are not valid UTF-8 replaced
 * by U+FFFD (the format is UTF-8; an interface name need not be).
 */
void prom_label_value(struct prom_buf *b, const char *value);
void prom_buf_free(struct prom_buf *b);

#endif
