// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
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

/* An ipset `create` line: what its `add` lines mean. */
struct ipset_set {
	char name[32]; /* IPSET_MAXNAMELEN */
	uint8_t family;
	uint8_t netmask; /* hash:ip netmask N: entries are /N; 0 if none */
};

/* What one format's line parser keeps between lines. */
struct parse_ctx {
	uint32_t line_no;
	char why[200]; /* a reason with details (set names, JSON errors) */
	/* spamhaus-json */
	struct json_tokener *tok;
	uint32_t json_meta_line; /* line of the metadata record, 0 if none */
	long long json_meta_records; /* its "records", -1 if absent */
	size_t json_records; /* record lines seen, good or bad */
	/* ipset */
	struct ipset_set *sets;
	size_t nr_sets;
};

/*
 * A line parser gets one line without its line end and without leading
 * and trailing white space. It returns 1 with *out set for an entry, 0
 * for a line without one (blank, comment, set definition), -1 with *why
 * set for a malformed line.
 */
typedef int (*line_parser)(struct parse_ctx *ctx, const char *s, const char *e,
			   struct prefix *out, const char **why);

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static const char *trim_end(const char *s, const char *e)
{
	while (e > s && is_space(e[-1]))
		e--;
	return e;
}

static const char *skip_space(const char *s, const char *e)
{
	while (s < e && is_space(*s))
		s++;
	return s;
}

/* The first word of [s, e) ends here. */
static const char *word_end(const char *s, const char *e)
{
	while (s < e && !is_space(*s))
		s++;
	return s;
}

static int word_is(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - s) == n && !memcmp(s, word, n);
}

/* [s, e) is exactly one address or CIDR. */
static int one_prefix(const char *s, const char *e, struct prefix *out,
		      const char **why, const char *two_fields)
{
	char token[PREFIX_STRLEN];

	const char *w = word_end(s, e);

	/* the first field decides the message: a bad one is the problem */
	if ((size_t)(w - s) >= sizeof(token)) {
		*why = "entry too long for an address";
		return -1;
	}
	memcpy(token, s, w - s);
	token[w - s] = '\0';
	if (prefix_parse(token, out, why) < 0)
		return -1;
	if (w != e) {
		*why = two_fields;
		return -1;
	}
	return 1;
}

/* plain, netset: "ADDR[/LEN]", '#' starts a comment anywhere */
static int plain_line(struct parse_ctx *ctx, const char *s, const char *e,
		      struct prefix *out, const char **why)
{
	const char *hash = memchr(s, '#', e - s);

	(void)ctx;
	if (hash)
		e = trim_end(s, hash);
	if (s == e)
		return 0;
	return one_prefix(
		s, e, out, why,
		"more than one field (expected one address or CIDR per line)");
}

/* spamhaus: "CIDR ; SBLnnn", ';' starts a comment anywhere */
static int spamhaus_line(struct parse_ctx *ctx, const char *s, const char *e,
			 struct prefix *out, const char **why)
{
	const char *semi = memchr(s, ';', e - s);

	(void)ctx;
	if (semi)
		e = trim_end(s, semi);
	if (s == e)
		return 0;
	return one_prefix(s, e, out, why,
			  "more than one field (expected 'CIDR ; SBLnnn')");
}

/* spamhaus-json: {"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"} */
static int json_line(struct parse_ctx *ctx, const char *s, const char *e,
		     struct prefix *out, const char **why)
{
	struct json_object *obj, *field;
	enum json_tokener_error jerr;
	int ret = -1;

	if (s == e)
		return 0;
	if (ctx->json_meta_line) {
		snprintf(
			ctx->why, sizeof(ctx->why),
			"a record after the metadata line %u (it must be the last line)",
			ctx->json_meta_line);
		*why = ctx->why;
		return -1;
	}
	if (*s != '{') {
		*why = "not a JSON object (expected {\"cidr\": \"...\", ...})";
		return -1;
	}
	json_tokener_reset(ctx->tok);
	/* strict: no trailing commas, no single quotes, no bare words */
	json_tokener_set_flags(ctx->tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(ctx->tok, s, e - s);
	jerr = json_tokener_get_error(ctx->tok);
	if (!obj || jerr != json_tokener_success ||
	    json_tokener_get_parse_end(ctx->tok) != (size_t)(e - s)) {
		snprintf(ctx->why, sizeof(ctx->why), "malformed JSON: %s",
			 !obj && jerr == json_tokener_continue
				 ? "the object is not closed"
			 : jerr != json_tokener_success
				 ? json_tokener_error_desc(jerr)
				 : "text after the object");
		*why = ctx->why;
		goto out;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		*why = "not a JSON object (expected {\"cidr\": \"...\", ...})";
		goto out;
	}
	if (json_object_object_get_ex(obj, "type", &field)) {
		if (!json_object_is_type(field, json_type_string) ||
		    strcmp(json_object_get_string(field), "metadata")) {
			*why = "unknown record type (expected a \"cidr\" record or \"type\": \"metadata\")";
			goto out;
		}
		ctx->json_meta_line = ctx->line_no;
		ctx->json_meta_records = -1;
		if (json_object_object_get_ex(obj, "records", &field)) {
			if (!json_object_is_type(field, json_type_int) ||
			    json_object_get_int64(field) < 0) {
				*why = "metadata \"records\" is not a count";
				goto out;
			}
			ctx->json_meta_records = json_object_get_int64(field);
		}
		ret = 0;
		goto out;
	}
	ctx->json_records++;
	if (!json_object_object_get_ex(obj, "cidr", &field) ||
	    !json_object_is_type(field, json_type_string)) {
		*why = "no \"cidr\" string in the record";
		goto out;
	}
	if (json_object_get_string_len(field) >= PREFIX_STRLEN) {
		*why = "entry too long for an address";
		goto out;
	}
	ret = prefix_parse(json_object_get_string(field), out, why) < 0 ? -1
									: 1;
out:
	json_object_put(obj);
	return ret;
}

/* Next token of an ipset line; a "quoted string" (a comment) is one. */
static int ipset_token(const char **pos, const char *e, const char **tok,
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

static struct ipset_set *ipset_find(struct parse_ctx *ctx, const char *s,
				    const char *e)
{
	for (size_t i = 0; i < ctx->nr_sets; i++)
		if (word_is(s, e, ctx->sets[i].name))
			return &ctx->sets[i];
	return NULL;
}

static int ipset_create(struct parse_ctx *ctx, const char *pos, const char *e,
			const char **why)
{
	const char *name, *name_end, *type, *type_end, *opt, *opt_end;
	struct ipset_set set = {.family = AF_INET}, *sets;
	unsigned long netmask = 0;

	if (!ipset_token(&pos, e, &name, &name_end) ||
	    !ipset_token(&pos, e, &type, &type_end)) {
		*why = "create without a set name and type";
		return -1;
	}
	if ((size_t)(name_end - name) >= sizeof(set.name)) {
		*why = "set name longer than 31 characters";
		return -1;
	}
	if (!word_is(type, type_end, "hash:ip") &&
	    !word_is(type, type_end, "hash:net")) {
		snprintf(
			ctx->why, sizeof(ctx->why),
			"set type %.*s: only hash:ip and hash:net sets hold plain addresses",
			(int)(type_end - type), type);
		*why = ctx->why;
		return -1;
	}
	/* Other options (hashsize, maxelem, timeout, ...) change no rule. */
	while (ipset_token(&pos, e, &opt, &opt_end)) {
		const char *val, *val_end;

		if (!word_is(opt, opt_end, "family") &&
		    !word_is(opt, opt_end, "netmask"))
			continue;
		if (!ipset_token(&pos, e, &val, &val_end)) {
			*why = "family or netmask without a value";
			return -1;
		}
		if (word_is(opt, opt_end, "netmask")) {
			char buf[8] = "", *end;

			if ((size_t)(val_end - val) < sizeof(buf))
				memcpy(buf, val, val_end - val);
			netmask = strtoul(buf, &end, 10);
			if (!buf[0] || *end || netmask < 1 || netmask > 128) {
				*why = "netmask is not a prefix length";
				return -1;
			}
		} else if (word_is(val, val_end, "inet")) {
			set.family = AF_INET;
		} else if (word_is(val, val_end, "inet6")) {
			set.family = AF_INET6;
		} else {
			*why = "family must be inet or inet6";
			return -1;
		}
	}
	if (netmask && (!word_is(type, type_end, "hash:ip") ||
			netmask > (set.family == AF_INET ? 32u : 128u))) {
		*why = "netmask must be a prefix length of the set's family, on a hash:ip set";
		return -1;
	}
	set.netmask = netmask;
	memcpy(set.name, name, name_end - name);
	if (ipset_find(ctx, name, name_end)) {
		*why = "a set of this name was already created";
		return -1;
	}
	sets = realloc(ctx->sets, (ctx->nr_sets + 1) * sizeof(*sets));
	if (!sets) {
		*why = "out of memory";
		return -1;
	}
	ctx->sets = sets;
	ctx->sets[ctx->nr_sets++] = set;
	return 0;
}

static int ipset_add(struct parse_ctx *ctx, const char *pos, const char *e,
		     struct prefix *out, const char **why)
{
	const char *name, *name_end, *entry, *entry_end, *opt, *opt_end;
	char token[PREFIX_STRLEN];
	struct ipset_set *set;

	if (!ipset_token(&pos, e, &name, &name_end) ||
	    !ipset_token(&pos, e, &entry, &entry_end)) {
		*why = "add without a set name and entry";
		return -1;
	}
	set = ipset_find(ctx, name, name_end);
	if (!set) {
		snprintf(
			ctx->why, sizeof(ctx->why),
			"add to set '%.*s', which no create line before defines",
			(int)(name_end - name), name);
		*why = ctx->why;
		return -1;
	}
	if ((size_t)(entry_end - entry) >= sizeof(token)) {
		*why = "entry too long for an address";
		return -1;
	}
	memcpy(token, entry, entry_end - entry);
	token[entry_end - entry] = '\0';
	if (strchr(token, '-')) {
		*why = "address ranges (FROM-TO) are not read: write CIDR blocks";
		return -1;
	}
	/* "nomatch" is an exception inside the set; skip quoted comments */
	while (ipset_token(&pos, e, &opt, &opt_end)) {
		if (word_is(opt, opt_end, "nomatch")) {
			*why = "nomatch entries (exceptions) are not read: put them in a list with action = allow";
			return -1;
		}
	}
	if (set->netmask) {
		/* ipset stores hash:ip netmask entries as their /N network */
		char *slash = strchr(token, '/');
		long plen = -1;

		if (slash) {
			*slash = '\0';
			if (slash[1] < '0' || slash[1] > '9') {
				*why = "prefix length is not a number";
				return -1;
			}
			plen = strtol(slash + 1, &slash, 10);
		}
		if (address_parse(token, out) < 0 || (slash && *slash) ||
		    plen > prefix_max_len(out)) {
			*why = "not an IPv4 or IPv6 address";
			return -1;
		}
		prefix_truncate(out, plen >= 0 && plen < set->netmask
					     ? plen
					     : set->netmask);
	} else if (prefix_parse(token, out, why) < 0) {
		return -1;
	}
	if (out->family != set->family) {
		*why = set->family == AF_INET
			       ? "IPv6 entry in a family inet set"
			       : "IPv4 entry in a family inet6 set";
		return -1;
	}
	return 1;
}

/* ipset: `ipset save` output, "create SET TYPE ..." and "add SET ENTRY ..." */
static int ipset_line(struct parse_ctx *ctx, const char *s, const char *e,
		      struct prefix *out, const char **why)
{
	const char *cmd_end;

	if (s == e || *s == '#')
		return 0;
	cmd_end = word_end(s, e);
	if (word_is(s, cmd_end, "create"))
		return ipset_create(ctx, cmd_end, e, why);
	if (word_is(s, cmd_end, "add"))
		return ipset_add(ctx, cmd_end, e, out, why);
	snprintf(
		ctx->why, sizeof(ctx->why),
		"ipset command '%.*s': a save file has only create and add lines",
		(int)(cmd_end - s > 20 ? 20 : cmd_end - s), s);
	*why = ctx->why;
	return -1;
}

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

static int starts_with(const char *s, const char *e, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(e - s) >= n && !strncasecmp(s, prefix, n);
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

	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		pos += 3;
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

static int record_error(const char *name, struct parsed_list *list,
			uint32_t line_no, const char *why)
{
	if (!list->error[0]) {
		snprintf(list->error, sizeof(list->error), "%s:%u: %s", name,
			 line_no, why);
		/* @why may quote the line: a terminal escape in a feed */
		text_escape(list->error, sizeof(list->error));
		list->bad_line = line_no;
	}
	return -EINVAL;
}

/* After the last line: whole-file checks of the format. */
static int parse_finish(const char *name, struct parse_ctx *ctx,
			struct parsed_list *list)
{
	if (list->format == LIST_FORMAT_SPAMHAUS_JSON && ctx->json_meta_line &&
	    ctx->json_meta_records >= 0 &&
	    (size_t)ctx->json_meta_records != ctx->json_records) {
		/* a cut or edited file; not one line to skip */
		list->error[0] = '\0';
		snprintf(
			ctx->why, sizeof(ctx->why),
			"the metadata line counts %lld records, the file has %zu (cut short or edited?)",
			ctx->json_meta_records, ctx->json_records);
		return record_error(name, list, ctx->json_meta_line, ctx->why);
	}
	return 0;
}

int listfile_parse_data(const char *name, const char *buf, size_t len,
			const struct list_parse_opts *opts,
			struct parsed_list *list)
{
	const char *pos = buf, *end = buf + len;
	struct parse_ctx ctx = {0};
	line_parser parse_line;
	char why_detect[256];
	int err = 0;

	memset(list, 0, sizeof(*list));
	list->format = opts->format;
	if (list->format == LIST_FORMAT_AUTO &&
	    listfile_detect(buf, len, &list->format, why_detect,
			    sizeof(why_detect)) < 0) {
		snprintf(list->error, sizeof(list->error), "%s: %s", name,
			 why_detect);
		text_escape(list->error, sizeof(list->error));
		return -ENOTSUP;
	}
	switch (list->format) {
	case LIST_FORMAT_DOMAINS:
	case LIST_FORMAT_HOSTS:
	case LIST_FORMAT_ADBLOCK:
	case LIST_FORMAT_RPZ:
		snprintf(list->error, sizeof(list->error),
			 "%s: holds domain names (format %s), not addresses",
			 name, list_format_name(list->format));
		return -ENOTSUP;
	case LIST_FORMAT_SPAMHAUS:
		parse_line = spamhaus_line;
		break;
	case LIST_FORMAT_SPAMHAUS_JSON:
		parse_line = json_line;
		ctx.tok = json_tokener_new();
		if (!ctx.tok)
			goto nomem;
		break;
	case LIST_FORMAT_IPSET:
		parse_line = ipset_line;
		break;
	default:
		parse_line = plain_line;
		break;
	}
	/*
	 * The shortest IPv4 entry ("1.2.3.4\n") is 8 bytes: reserving len / 8
	 * entries up front costs only address space (pages are touched as
	 * they fill) and usually avoids copying a growing array (lists of
	 * shorter IPv6 entries such as "::1" still grow as needed).
	 */
	list->cap = len / 8 + 16;
	list->entries = big_malloc(list->cap * sizeof(*list->entries));
	if (!list->entries)
		goto nomem;
	/* A UTF-8 byte-order mark at the start is not part of the first line. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos += 3;

	while (pos < end) {
		const char *eol = memchr(pos, '\n', end - pos);
		const char *s = skip_space(pos, eol ? eol : end);
		const char *e = trim_end(s, eol ? eol : end);
		const char *why = NULL;
		struct prefix p;
		int ret;

		ctx.line_no++;
		pos = eol ? eol + 1 : end;
		if (memchr(s, '\0', e - s)) {
			why = "NUL byte in line";
			ret = -1;
		} else {
			ret = parse_line(&ctx, s, e, &p, &why);
		}
		if (ret < 0) {
			record_error(name, list, ctx.line_no, why);
			list->nr_skipped++;
			if (opts->on_error == LIST_ON_ERROR_REJECT) {
				err = -EINVAL;
				goto out;
			}
			if (list->nr_skipped > opts->max_bad_lines) {
				size_t used = strlen(list->error);

				snprintf(
					list->error + used,
					sizeof(list->error) - used,
					" (the first of more than max_bad_lines = %u malformed lines: fix the list or raise max_bad_lines)",
					opts->max_bad_lines);
				err = -EINVAL;
				goto out;
			}
			continue;
		}
		if (ret > 0 && list_append(list, &p, ctx.line_no) < 0)
			goto nomem;
	}
	err = parse_finish(name, &ctx, list);
	goto out;
nomem:
	snprintf(list->error, sizeof(list->error), "%s: out of memory", name);
	err = -ENOMEM;
out:
	if (ctx.tok)
		json_tokener_free(ctx.tok);
	free(ctx.sets);
	if (err == -EINVAL && opts->on_error == LIST_ON_ERROR_REJECT)
		list->nr_skipped = 0;
	return err;
}

int listfile_parse_buffer(const char *name, const char *buf, size_t len,
			  enum list_on_error on_error, struct parsed_list *list)
{
	const struct list_parse_opts opts = {
		.format = LIST_FORMAT_PLAIN,
		.on_error = on_error,
		.max_bad_lines = UINT32_MAX,
	};

	return listfile_parse_data(name, buf, len, &opts, list);
}

/* Map @path read-only: *@map (NULL when empty) and *@size. */
static int map_file(const char *path, void **map, size_t *size, char *error,
		    size_t errlen)
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
	close(fd);
	return 0;
}

int listfile_parse(const char *path, enum list_on_error on_error,
		   struct parsed_list *list)
{
	size_t size;
	void *map;
	int err;

	memset(list, 0, sizeof(*list));
	err = map_file(path, &map, &size, list->error, sizeof(list->error));
	if (err)
		return err;
	err = listfile_parse_buffer(path, map ? map : "", size, on_error, list);
	if (map)
		munmap(map, size);
	return err;
}

/*
 * Domain formats. A line parser gets one line as the address formats do
 * (no line end, no surrounding white space) and whether it was indented
 * (a zone record with a blank owner). It adds its rules with names_emit()
 * and reports entries it cannot apply with names_unsupported(); it
 * returns 0, -1 with *why set for a malformed line, or -ENOMEM.
 */
struct names_ctx {
	const char *name; /* the file, for messages */
	struct parsed_names *list;
	uint32_t line_no;
	char why[300];
	/* rpz */
	char origin[NAME_TEXT_BUF]; /* $ORIGIN, "" for the root */
	char apex[NAME_TEXT_BUF]; /* the zone's name: its policy names end in it */
	int apex_configured;
	int origin_set; /* by a $ORIGIN line */
	char owner[NAME_TEXT_BUF]; /* the last owner, for a blank one */
	int have_owner;
	char rec[2048]; /* a record, its lines joined while '(' is open */
	size_t rec_len;
	uint32_t rec_line;
	int rec_indented;
	int paren; /* inside ( ... ) */
};

typedef int (*names_line_fn)(struct names_ctx *ctx, const char *s,
			     const char *e, int indented, const char **why);

static int names_append(struct parsed_names *list, const char *text,
			uint8_t kind, uint8_t action, uint32_t line)
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
	list->entries[list->nr].action = action;
	list->nr++;
	list->text_len += len;
	return 0;
}

static int names_emit(struct names_ctx *ctx, uint32_t line, const char *text,
		      uint8_t kind, uint8_t action)
{
	return names_append(ctx->list, text, kind, action, line);
}

/* An entry of the format that gives no rule: counted, the first described. */
static void names_unsupported(struct names_ctx *ctx, uint32_t line,
			      const char *what)
{
	if (!ctx->list->nr_unsupported++) {
		snprintf(ctx->list->unsupported, sizeof(ctx->list->unsupported),
			 "%s:%u: %s", ctx->name, line, what);
		text_escape(ctx->list->unsupported,
			    sizeof(ctx->list->unsupported));
	}
}

/* Canonical text that is an IPv4 address (it has only a-z 0-9 - _ .). */
static int is_ipv4_text(const char *text)
{
	struct prefix p;

	return address_parse(text, &p) == 0;
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

static const char not_a_name[] =
	"an IPv4 address, not a name: put addresses in a list of their own";

/* domains: one name per line, '#' starts a comment anywhere */
static int domains_line(struct names_ctx *ctx, const char *s, const char *e,
			int indented, const char **why)
{
	const char *hash = memchr(s, '#', e - s);
	char text[NAME_TEXT_BUF];
	uint8_t kind;

	(void)indented;
	if (hash)
		e = trim_end(s, hash);
	if (s == e)
		return 0;
	if (parse_name_entry(s, e - s, text, &kind, why) < 0)
		return -1;
	if (is_ipv4_text(text)) {
		names_unsupported(ctx, ctx->line_no, not_a_name);
		return 0;
	}
	return names_emit(ctx, ctx->line_no, text, kind, NAME_ACTION_LIST);
}

/* The names a hosts file gives its own machine, not blocks (case-blind). */
static int hosts_local_name(const char *text)
{
	static const char *const local[] = {
		"localhost",	 "localhost.localdomain",
		"local",	 "broadcasthost",
		"ip6-localhost", "ip6-loopback",
		"ip6-localnet",	 "ip6-mcastprefix",
		"ip6-allnodes",	 "ip6-allrouters",
		"ip6-allhosts",	 "ip6-allrouters",
		"localhost6",	 "localhost6.localdomain6",
	};

	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (!strcmp(text, local[i]))
			return 1;
	return 0;
}

/*
 * The addresses a blocking hosts file maps names to: 0.0.0.0 and ::
 * (nothing), 127.0.0.0/8 and ::1 (this machine). Any other is a redirect.
 */
static int hosts_block_address(const struct prefix *p)
{
	static const uint8_t zero[16];

	if (p->family == AF_INET)
		return !memcmp(p->addr, zero, 4) || p->addr[0] == 127;
	return !memcmp(p->addr, zero, 15) && p->addr[15] <= 1;
}

/* hosts: "ADDRESS NAME [NAME...]", '#' starts a comment anywhere */
static int hosts_line(struct names_ctx *ctx, const char *s, const char *e,
		      int indented, const char **why)
{
	const char *hash = memchr(s, '#', e - s), *w, *pct;
	char token[PREFIX_STRLEN];
	struct prefix addr;
	int block, names = 0;

	(void)indented;
	if (hash)
		e = trim_end(s, hash);
	if (s == e)
		return 0;
	w = word_end(s, e);
	/* a zone index (fe80::1%lo0) is not part of the address */
	pct = memchr(s, '%', w - s);
	if ((size_t)((pct ? pct : w) - s) >= sizeof(token)) {
		*why = "not an IPv4 or IPv6 address (a hosts line is ADDRESS NAME...)";
		return -1;
	}
	memcpy(token, s, (pct ? pct : w) - s);
	token[(pct ? pct : w) - s] = '\0';
	if (address_parse(token, &addr) < 0) {
		*why = "not an IPv4 or IPv6 address (a hosts line is ADDRESS NAME...)";
		return -1;
	}
	block = hosts_block_address(&addr);
	for (s = skip_space(w, e); s < e; s = skip_space(w, e)) {
		char text[NAME_TEXT_BUF];

		w = word_end(s, e);
		names++;
		if (name_normalize(s, w - s, text, why) < 0)
			return -1;
		if (hosts_local_name(text))
			continue;
		if (is_ipv4_text(text)) {
			names_unsupported(ctx, ctx->line_no, not_a_name);
			continue;
		}
		if (!block) {
			snprintf(
				ctx->why, sizeof(ctx->why),
				"a name mapped to %s: a redirect, not a block (xdpblock blocks names mapped to 0.0.0.0, 127.0.0.0/8, :: or ::1)",
				token);
			names_unsupported(ctx, ctx->line_no, ctx->why);
			continue;
		}
		if (names_emit(ctx, ctx->line_no, text, XDPB_NAME_EXACT,
			       NAME_ACTION_LIST) < 0)
			return -ENOMEM;
	}
	if (!names) {
		*why = "an address without a name (a hosts line is ADDRESS NAME...)";
		return -1;
	}
	return 0;
}

/* adblock: "||name^", "@@||name^", "|name^", "name"; see list-formats.md */
static int adblock_line(struct names_ctx *ctx, const char *s, const char *e,
			int indented, const char **why)
{
	uint8_t action = NAME_ACTION_LIST, kind = XDPB_NAME_SUFFIX;
	char text[NAME_TEXT_BUF];
	const char *host, *host_end, *hash;

	(void)indented;
	if (s == e || *s == '!')
		return 0;
	if (*s == '[' && e[-1] == ']') /* [Adblock Plus 2.0] */
		return 0;
	/* '#' comments, but "##", "#@#", "#?#", "#$#" start cosmetic rules */
	if (*s == '#' && !(e - s > 1 && strchr("#@?$%", s[1])))
		return 0;
	hash = memchr(s, '#', e - s);
	if (hash && e - hash > 1 && strchr("#@?$%", hash[1])) {
		names_unsupported(
			ctx, ctx->line_no,
			"a cosmetic (element hiding) rule: it acts on web pages, not on DNS");
		return 0;
	}
	if (e - s >= 2 && s[0] == '@' && s[1] == '@') {
		action = XDPB_ACT_ALLOW;
		s += 2;
		if (s == e) {
			*why = "@@ without a rule after it";
			return -1;
		}
	}
	if (e - s > 1 && *s == '/' && e[-1] == '/') {
		names_unsupported(
			ctx, ctx->line_no,
			"a regular expression rule: xdpblock matches names and suffixes only");
		return 0;
	}
	if (memchr(s, '$', e - s)) {
		names_unsupported(
			ctx, ctx->line_no,
			"a rule with $options: they change what the rule matches or how it ranks, which xdpblock cannot follow");
		return 0;
	}
	for (const char *c = s; c < e; c++)
		if (is_space(*c) || *c == '<' || *c == '>') {
			*why = "not an Adblock-style rule (expected ||name^ or @@||name^)";
			return -1;
		}
	if (e - s >= 2 && s[0] == '|' && s[1] == '|') {
		host = s + 2;
	} else if (s < e && *s == '|') {
		host = s + 1;
		kind = XDPB_NAME_EXACT;
	} else {
		/*
		 * A bare host name (a dot inside, no '-' or '.' at either
		 * end): that name only, AdGuard's domains-only syntax. Other
		 * bare text is a URL substring pattern.
		 */
		const char *dot = memchr(s, '.', e - s);

		if (!dot || dot == s || *s == '-' || e[-1] == '.' ||
		    e[-1] == '-') {
			names_unsupported(
				ctx, ctx->line_no,
				"a URL pattern, not anchored at a host name (||name^)");
			return 0;
		}
		host = s;
		kind = XDPB_NAME_EXACT;
	}
	host_end = host;
	while (host_end < e && !strchr("^/:|*?", *host_end))
		host_end++;
	if (host == s && host_end != e) {
		names_unsupported(
			ctx, ctx->line_no,
			"a URL pattern, not anchored at a host name (||name^)");
		return 0;
	}
	if (host != s && !(host_end < e && *host_end == '^' &&
			   (host_end + 1 == e ||
			    (host_end + 2 == e && host_end[1] == '|')))) {
		names_unsupported(
			ctx, ctx->line_no,
			host_end == e
				? "no ^ after the name: a pattern that also matches longer names"
			: *host_end == '/' || *host_end == ':' ||
					*host_end == '?'
				? "a URL rule: DNS sees host names, not paths or ports"
				: "a wildcard pattern: xdpblock matches names and suffixes only");
		return 0;
	}
	if (host_end == host) {
		*why = "no name in the rule (expected ||name^)";
		return -1;
	}
	if (name_normalize(host, host_end - host, text, why) < 0)
		return -1;
	if (is_ipv4_text(text)) {
		names_unsupported(
			ctx, ctx->line_no,
			"an IP address rule (||ADDR^): AdGuard Home matches it against DNS answers, which xdpblock does not read; put addresses in an IP list");
		return 0;
	}
	return names_emit(ctx, ctx->line_no, text, kind, action);
}

/* "@", "name." or "name" (relative to $ORIGIN) as a name without the dot */
static int zone_name(struct names_ctx *ctx, const char *s, const char *e,
		     char *out, const char **why)
{
	size_t n = e - s, o = strlen(ctx->origin);

	if (n == 1 && *s == '@') {
		strcpy(out, ctx->origin);
		return 0;
	}
	if (n && s[n - 1] == '.') {
		n--;
		o = 0; /* absolute */
	}
	if (n + 1 + o >= NAME_TEXT_BUF) {
		*why = "name longer than 253 characters";
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i];
	out[n] = '\0';
	if (o) {
		if (n)
			strcat(out, ".");
		strcat(out, ctx->origin);
	}
	return 0;
}

static int word_is_ci(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - s) == n && !strncasecmp(s, word, n);
}

/* A TTL: 3600, or BIND's 1h, 30d, 1w2d, ... */
static int zone_ttl(const char *s, const char *e)
{
	if (s == e || *s < '0' || *s > '9')
		return 0;
	for (; s < e; s++)
		if (!((*s >= '0' && *s <= '9') || strchr("smhdwSMHDW", *s)))
			return 0;
	return 1;
}

static int zone_class(const char *s, const char *e)
{
	return word_is_ci(s, e, "IN") || word_is_ci(s, e, "CH") ||
	       word_is_ci(s, e, "HS") || word_is_ci(s, e, "CS");
}

/* RPZ's own trigger zones: they match answers, servers or clients. */
static int rpz_special_trigger(const char *trigger)
{
	static const char *const labels[] = {"rpz-ip", "rpz-nsip",
					     "rpz-nsdname", "rpz-client-ip"};
	const char *last = strrchr(trigger, '.');

	last = last ? last + 1 : trigger;
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (!strcasecmp(last, labels[i]))
			return 1;
	return 0;
}

#define ZONE_TOKENS 8

/* A whole record (its parenthesised lines joined) in ctx->rec. */
static int rpz_record(struct names_ctx *ctx, const char **why)
{
	const char *tok[ZONE_TOKENS], *tok_end[ZONE_TOKENS];
	const char *pos = ctx->rec, *end = ctx->rec + ctx->rec_len;
	char owner[NAME_TEXT_BUF], trigger[NAME_TEXT_BUF], text[NAME_TEXT_BUF];
	uint32_t line = ctx->rec_line;
	int n = 0, i = 0, kind = XDPB_NAME_EXACT;
	size_t al = strlen(ctx->apex), ol;
	uint8_t action;

	while (n < ZONE_TOKENS && ipset_token(&pos, end, &tok[n], &tok_end[n]))
		n++;
	if (!n)
		return 0;
	if (!ctx->rec_indented && *tok[0] == '$') {
		if (word_is_ci(tok[0], tok_end[0], "$TTL") && n == 2 &&
		    zone_ttl(tok[1], tok_end[1]))
			return 0;
		if (word_is_ci(tok[0], tok_end[0], "$ORIGIN") && n == 2) {
			if (zone_name(ctx, tok[1], tok_end[1], owner, why) < 0)
				return -1;
			strcpy(ctx->origin, owner);
			ctx->origin_set = 1;
			return 0;
		}
		*why = word_is_ci(tok[0], tok_end[0], "$INCLUDE")
			       ? "$INCLUDE: xdpblock reads one file (put the included records in it)"
			       : "a directive other than $TTL NUMBER or $ORIGIN NAME";
		return -1;
	}
	if (ctx->rec_indented) {
		if (!ctx->have_owner) {
			*why = "a record without an owner name, and none before it";
			return -1;
		}
		strcpy(owner, ctx->owner);
	} else {
		if (zone_name(ctx, tok[0], tok_end[0], owner, why) < 0)
			return -1;
		strcpy(ctx->owner, owner);
		ctx->have_owner = 1;
		i = 1;
	}
	while (i < n &&
	       (zone_ttl(tok[i], tok_end[i]) || zone_class(tok[i], tok_end[i])))
		i++;
	if (i == n) {
		*why = "no record type (expected NAME [TTL] [IN] CNAME TARGET)";
		return -1;
	}
	if (word_is_ci(tok[i], tok_end[i], "SOA")) {
		/*
		 * The zone's own name, unless the configuration gave it; as
		 * for a resolver loading the zone under that name, it is also
		 * the origin of relative names until a $ORIGIN line.
		 */
		if (!ctx->apex_configured) {
			strcpy(ctx->apex, owner);
			if (!ctx->origin_set)
				strcpy(ctx->origin, owner);
		}
		return 0;
	}
	if (word_is_ci(tok[i], tok_end[i], "NS"))
		return 0;
	/* the policy name: the owner without the zone's name */
	ol = strlen(owner);
	if (al && !strcmp(owner, ctx->apex)) {
		*why = "a policy record at the zone's own name (its apex)";
		return -1;
	}
	if (al && !(ol > al + 1 && owner[ol - al - 1] == '.' &&
		    !strcmp(owner + ol - al, ctx->apex))) {
		snprintf(
			ctx->why, sizeof(ctx->why),
			"%.60s is not inside the zone %.60s (set origin = the zone's name in the list's section)",
			owner[0] ? owner : ".", ctx->apex);
		*why = ctx->why;
		return -1;
	}
	snprintf(trigger, sizeof(trigger), "%.*s", (int)(al ? ol - al - 1 : ol),
		 owner);
	for (const char *c = tok[i]; c < tok_end[i]; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9'))) {
			*why = "not a record type (expected NAME [TTL] [IN] CNAME TARGET)";
			return -1;
		}
	if (i + 1 >= n) {
		*why = "a record without data";
		return -1;
	}
	if (rpz_special_trigger(trigger)) {
		names_unsupported(
			ctx, line,
			"an rpz-ip, rpz-nsip, rpz-nsdname or rpz-client-ip trigger: it matches answers, name servers or clients, which xdpblock does not read");
		return 0;
	}
	if (!word_is_ci(tok[i], tok_end[i], "CNAME")) {
		snprintf(
			ctx->why, sizeof(ctx->why),
			"a %.*s record: local data (an answer to give), which xdpblock does not give",
			(int)(tok_end[i] - tok[i] > 12 ? 12
						       : tok_end[i] - tok[i]),
			tok[i]);
		names_unsupported(ctx, line, ctx->why);
		return 0;
	}
	i++;
	if (word_is(tok[i], tok_end[i], ".")) {
		action = XDPB_ACT_NXDOMAIN;
	} else if (word_is(tok[i], tok_end[i], "*.")) {
		action = XDPB_ACT_REFUSED; /* NODATA: REFUSED is the closest */
	} else if (word_is_ci(tok[i], tok_end[i], "rpz-drop.")) {
		action = XDPB_ACT_DROP;
	} else if (word_is_ci(tok[i], tok_end[i], "rpz-passthru.")) {
		action = XDPB_ACT_ALLOW;
	} else {
		names_unsupported(
			ctx, line,
			word_is_ci(tok[i], tok_end[i], "rpz-tcp-only.")
				? "CNAME rpz-tcp-only.: xdpblock has no action that makes a client retry over TCP"
				: "a CNAME to another name: a redirect (local data), which xdpblock does not give");
		return 0;
	}
	if (i + 1 < n) {
		*why = "more than one CNAME target";
		return -1;
	}
	if (!strncmp(trigger, "*.", 2)) {
		kind = XDPB_NAME_SUFFIX;
		memmove(trigger, trigger + 2, strlen(trigger + 2) + 1);
	} else if (!strcmp(trigger, "*")) {
		names_unsupported(
			ctx, line,
			"a wildcard over every name in the zone: not a rule of one name or suffix");
		return 0;
	}
	if (!trigger[0]) {
		*why = "a policy record at the zone's own name (its apex)";
		return -1;
	}
	if (name_normalize(trigger, strlen(trigger), text, why) < 0)
		return -1;
	return names_emit(ctx, line, text, kind, action);
}

/*
 * Append @c to the record being joined; -1 with @why when it is full.
 * Every byte of a record goes through here: the one place its bound is
 * checked (a byte appended beside it once let a feed write past ctx->rec,
 * one space per comment line inside parentheses).
 */
static int rpz_rec_append(struct names_ctx *ctx, char c, const char **why)
{
	if (ctx->rec_len + 1 >= sizeof(ctx->rec)) {
		ctx->paren = 0;
		*why = "a record longer than 2047 characters (a '(' never closed?)";
		return -1;
	}
	ctx->rec[ctx->rec_len++] = c;
	return 0;
}

/*
 * rpz: a DNS master file (RFC 1035, section 5) of response policy
 * records. ';' comments (not inside quotes), '(' ... ')' joining lines.
 */
static int rpz_line(struct names_ctx *ctx, const char *s, const char *e,
		    int indented, const char **why)
{
	int quoted = 0;

	if (!ctx->paren) {
		ctx->rec_len = 0;
		ctx->rec_line = ctx->line_no;
		ctx->rec_indented = indented;
	}
	for (; s < e; s++) {
		char c = *s;

		if (c == '"')
			quoted = !quoted;
		if (!quoted && c == ';')
			break;
		if (!quoted && (c == '(' || c == ')')) {
			if (c == ')' && !ctx->paren) {
				*why = "')' without '('";
				return -1;
			}
			ctx->paren = c == '(';
			c = ' ';
		}
		if (rpz_rec_append(ctx, c, why) < 0)
			return -1;
	}
	/* the line's end separates fields */
	if (rpz_rec_append(ctx, ' ', why) < 0)
		return -1;
	if (ctx->paren)
		return 0;
	return rpz_record(ctx, why);
}

/* A malformed line: 0 to go on (skip-line), or -EINVAL. */
static int names_bad(const char *name, struct parsed_names *list,
		     const struct list_parse_opts *opts, uint32_t line,
		     const char *why)
{
	if (!list->error[0]) {
		snprintf(list->error, sizeof(list->error), "%s:%u: %s", name,
			 line, why);
		/* @why may quote the line: a terminal escape in a feed */
		text_escape(list->error, sizeof(list->error));
		list->bad_line = line;
	}
	if (opts->on_error == LIST_ON_ERROR_REJECT)
		return -EINVAL;
	if (++list->nr_skipped > opts->max_bad_lines) {
		size_t used = strlen(list->error);

		snprintf(
			list->error + used, sizeof(list->error) - used,
			" (the first of more than max_bad_lines = %u malformed lines: fix the list or raise max_bad_lines)",
			opts->max_bad_lines);
		return -EINVAL;
	}
	return 0;
}

int listfile_parse_names_data(const char *name, const char *buf, size_t len,
			      const struct list_parse_opts *opts,
			      struct parsed_names *list)
{
	const char *pos = buf, *end = buf + len;
	struct names_ctx *ctx;
	names_line_fn parse_line;
	int err = 0;

	memset(list, 0, sizeof(*list));
	list->format = opts->format;
	switch (opts->format) {
	case LIST_FORMAT_DOMAINS:
		parse_line = domains_line;
		break;
	case LIST_FORMAT_HOSTS:
		parse_line = hosts_line;
		break;
	case LIST_FORMAT_ADBLOCK:
		parse_line = adblock_line;
		break;
	case LIST_FORMAT_RPZ:
		parse_line = rpz_line;
		break;
	default:
		snprintf(list->error, sizeof(list->error),
			 "%s: format %s holds addresses, not domain names",
			 name, list_format_name(opts->format));
		return -EINVAL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		goto nomem;
	ctx->name = name;
	ctx->list = list;
	if (opts->origin && opts->origin[0]) {
		const char *why;

		if (name_normalize(opts->origin, strlen(opts->origin),
				   ctx->apex, &why) < 0) {
			snprintf(list->error, sizeof(list->error),
				 "%s: origin %s: %s", name, opts->origin, why);
			free(ctx);
			return -EINVAL;
		}
		strcpy(ctx->origin, ctx->apex);
		ctx->apex_configured = 1;
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos += 3;
	while (pos < end) {
		const char *eol = memchr(pos, '\n', end - pos);
		const char *s = skip_space(pos, eol ? eol : end);
		const char *e = trim_end(s, eol ? eol : end);
		const char *why = NULL;
		int indented = s != pos, ret;

		ctx->line_no++;
		pos = eol ? eol + 1 : end;
		if (s == e)
			continue;
		if (memchr(s, '\0', e - s)) {
			why = "NUL byte in line";
			ret = -1;
		} else {
			ret = parse_line(ctx, s, e, indented, &why);
		}
		if (ret == -ENOMEM)
			goto nomem;
		if (ret < 0) {
			err = names_bad(name, list, opts, ctx->line_no, why);
			if (err)
				goto out;
		}
	}
	if (ctx->paren)
		err = names_bad(name, list, opts, ctx->rec_line,
				"'(' without ')' before the end of the file");
	goto out;
nomem:
	snprintf(list->error, sizeof(list->error), "%s: out of memory", name);
	err = -ENOMEM;
out:
	free(ctx);
	return err;
}

int listfile_parse_names_buffer(const char *name, const char *buf, size_t len,
				enum list_on_error on_error,
				struct parsed_names *list)
{
	const struct list_parse_opts opts = {
		.format = LIST_FORMAT_DOMAINS,
		.on_error = on_error,
		.max_bad_lines = UINT32_MAX,
	};

	return listfile_parse_names_data(name, buf, len, &opts, list);
}

void parsed_names_free(struct parsed_names *list)
{
	free(list->entries);
	free(list->text);
	list->entries = NULL;
	list->text = NULL;
	list->nr = list->cap = list->text_len = list->text_cap = 0;
}

void parsed_list_free(struct parsed_list *list)
{
	free(list->entries);
	list->entries = NULL;
	list->nr = list->cap = 0;
}
