// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "common/escape.h"

static int needs_escape(unsigned char c)
{
	return c < 0x20 || c >= 0x7f;
}

size_t text_escape(char *msg, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t len, extra = 0, in, out, total;

	if (!size)
		return 0;
	len = strnlen(msg, size - 1);
	msg[len] = '\0';
	for (in = 0; in < len; in++)
		extra += needs_escape(msg[in]) ? 3 : 0;
	if (!extra)
		return len;
	/*
	 * Work from the end so that no byte is overwritten before it is
	 * read: first find where the escaped text must be cut to fit.
	 */
	out = 0;
	for (in = 0; in < len; in++) {
		size_t w = needs_escape(msg[in]) ? 4 : 1;

		if (out + w > size - 1)
			break;
		out += w;
	}
	total = out;
	msg[out] = '\0';
	while (in-- > 0) {
		unsigned char c = msg[in];

		if (needs_escape(c)) {
			msg[--out] = hex[c & 0xf];
			msg[--out] = hex[c >> 4];
			msg[--out] = 'x';
			msg[--out] = '\\';
		} else {
			msg[--out] = c;
		}
	}
	return total;
}
