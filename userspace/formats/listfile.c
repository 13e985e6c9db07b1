// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* List formats: their names, and which one a file is in (listfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "common/bigalloc.h"
#include "common/escape.h"
#include "common/names.h"
#include "formats/listfile.h"
#include "formats/textscan.h"

static const char *const format_names[LIST_FORMAT_MAX] = {
	[LIST_FORMAT_AUTO] = "auto",
	[LIST_FORMAT_PLAIN] = "plain",
	[LIST_FORMAT_NETSET] = "netset",
	[LIST_FORMAT_DOMAINS] = "domains",
	[LIST_FORMAT_SPAMHAUS] = "spamhaus",
	[LIST_FORMAT_SPAMHAUS_JSON] = "spamhaus-json",
	[LIST_FORMAT_IPSET] = "ipset",
	[LIST_FORMAT_HOSTS] = "hosts",
	[LIST_FORMAT_ADBLOCK] = "adblock",
	[LIST_FORMAT_RPZ] = "rpz",
};

const char *list_format_name(enum list_format format)
{
	return format < LIST_FORMAT_MAX ? format_names[format] : "?";
}

int list_format_parse(const char *name, enum list_format *format)
{
	for (int f = 0; f < LIST_FORMAT_MAX; f++) {
		if (!strcmp(name, format_names[f])) {
			*format = f;
			return 0;
		}
	}
	return -EINVAL;
}

/* A line of a DNS zone: an SOA, NS or CNAME record, or the class IN. */
static int zone_record(const char *s, const char *e)
{
	while ((s = skip_space(s, e)) < e) {
		const char *w = word_end(s, e);

		if (word_is(s, w, "IN") || word_is(s, w, "SOA") ||
		    word_is(s, w, "CNAME") || word_is(s, w, "NS"))
			return 1;
		s = w;
	}
	return 0;
}

/* Letters, digits, '-', '_', '.', '*' (and a dot if @need_dot): a name. */
static int domain_like(const char *s, const char *e, int need_dot)
{
	int dot = 0;

	for (; s < e; s++) {
		char c = *s;

		if (c == '.')
			dot = 1;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			   c == '*'))
			return 0;
	}
	return dot || !need_dot;
}

int listfile_detect(const char *buf, size_t len, enum list_format *format,
		    char *why, size_t whylen)
{
	const char *pos = buf, *end = buf + len;
	char first_comment = 0;
	uint32_t line_no = 0;

	pos = skip_bom(buf, len);
	while (pos < end) {
		const char *eol = memchr(pos, '\n', end - pos);
		const char *s = skip_space(pos, eol ? eol : end);
		const char *e = trim_end(s, eol ? eol : end);
		const char *w, *rest;
		char token[PREFIX_STRLEN];
		struct prefix p;

		line_no++;
		pos = eol ? eol + 1 : end;
		if (s == e)
			continue;
		if (*s == '#' || *s == ';' || *s == '!') {
			if (!first_comment)
				first_comment = *s;
			continue;
		}
		if (starts_with(s, e, "[adblock") ||
		    starts_with(s, e, "[adguard") || starts_with(s, e, "|") ||
		    starts_with(s, e, "@@")) {
			*format = LIST_FORMAT_ADBLOCK;
			return 0;
		}
		if (*s == '{') {
			*format = LIST_FORMAT_SPAMHAUS_JSON;
			return 0;
		}
		w = word_end(s, e);
		if (word_is(s, w, "create") || word_is(s, w, "add")) {
			*format = LIST_FORMAT_IPSET;
			return 0;
		}
		if (*s == '$' || zone_record(s, e)) {
			*format = LIST_FORMAT_RPZ;
			return 0;
		}
		rest = skip_space(w, e);
		/* the address part decides; a bad length is the parser's to report */
		token[0] = '\0';
		if ((size_t)(w - s) < sizeof(token)) {
			const char *slash = memchr(s, '/', w - s);
			size_t n = (slash ? slash : w) - s;

			memcpy(token, s, n);
			token[n] = '\0';
		}
		if (address_parse(token, &p) == 0) {
			if (rest == e || *rest == '#') {
				*format = LIST_FORMAT_PLAIN;
				return 0;
			}
			if (*rest == ';') {
				*format = LIST_FORMAT_SPAMHAUS;
				return 0;
			}
			if (domain_like(rest, word_end(rest, e), 0)) {
				*format = LIST_FORMAT_HOSTS;
				return 0;
			}
		} else if (rest == e && (domain_like(s, w, 1) || *s == '=' ||
					 starts_with(s, w, "exact:") ||
					 starts_with(s, w, "suffix:"))) {
			*format = LIST_FORMAT_DOMAINS;
			return 0;
		}
		snprintf(
			why, whylen,
			"cannot tell the list format from line %u: set format = plain, spamhaus, spamhaus-json, ipset, domains, hosts, adblock or rpz in the list's section",
			line_no);
		return -ENOTSUP;
	}
	/* nothing but comments: an empty list in the format they belong to */
	*format = first_comment == ';'	 ? LIST_FORMAT_SPAMHAUS
		  : first_comment == '!' ? LIST_FORMAT_ADBLOCK
					 : LIST_FORMAT_PLAIN;
	return 0;
}
