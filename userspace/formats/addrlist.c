// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Address list formats: see addrlist.h and docs/list-formats.md. */
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
#include "formats/addrlist.h"
#include "formats/listfile.h"
#include "formats/textscan.h"

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

	if (!scan_token(&pos, e, &name, &name_end) ||
	    !scan_token(&pos, e, &type, &type_end)) {
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
	while (scan_token(&pos, e, &opt, &opt_end)) {
		const char *val, *val_end;

		if (!word_is(opt, opt_end, "family") &&
		    !word_is(opt, opt_end, "netmask"))
			continue;
		if (!scan_token(&pos, e, &val, &val_end)) {
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

	if (!scan_token(&pos, e, &name, &name_end) ||
	    !scan_token(&pos, e, &entry, &entry_end)) {
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
	while (scan_token(&pos, e, &opt, &opt_end)) {
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
	struct list_entry *e = big_grow(list->entries, &list->cap, list->nr + 1,
					sizeof(*e), 1024);

	if (!e)
		return -ENOMEM;
	list->entries = e;
	list->entries[list->nr].prefix = *p;
	list->entries[list->nr].line = line;
	list->nr++;
	if (p->family == AF_INET)
		list->nr_v4++;
	else
		list->nr_v6++;
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
	pos = skip_bom(buf, len);

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

void parsed_list_free(struct parsed_list *list)
{
	free(list->entries);
	list->entries = NULL;
	list->nr = list->cap = 0;
}
