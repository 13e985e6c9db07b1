/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Lists of words in messages and help text ("use a, b or c", "a | b | c"),
 * made from the tables that define the words, so that a message cannot
 * name fewer or other words than the table holds.
 */
#ifndef XDPBLOCK_WORDS_H
#define XDPBLOCK_WORDS_H

#include <stddef.h>

/* The @i-th word of the list @ctx stands for; NULL past the last. */
typedef const char *(*words_fn)(const void *ctx, size_t i);

/*
 * Write the words of @word into @buf (@len bytes), @sep between two and
 * @last before the last one ("a, b or c": ", " and " or "); cut to fit.
 * Returns @buf.
 */
char *words_join(char *buf, size_t len, words_fn word, const void *ctx,
		 const char *sep, const char *last);

#endif
