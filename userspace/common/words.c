// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>

#include "common/words.h"

char *words_join(char *buf, size_t len, words_fn word, const void *ctx,
		 const char *sep, const char *last)
{
	size_t used = 0;
	const char *w;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; (w = word(ctx, i)) && used < len; i++) {
		const char *between = !i ? "" : word(ctx, i + 1) ? sep : last;
		int n = snprintf(buf + used, len - used, "%s%s", between, w);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}
