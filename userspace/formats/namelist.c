// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Domain list formats: see namelist.h and docs/list-formats.md. */
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
#include "formats/namelist.h"
#include "formats/textscan.h"

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

	struct name_entry *e = big_grow(list->entries, &list->cap, list->nr + 1,
					sizeof(*e), 1024);
	char *t;

	if (!e)
		return -ENOMEM;
	list->entries = e;
	t = big_grow(list->text, &list->text_cap, list->text_len + len, 1,
		     65536);
	if (!t)
		return -ENOMEM;
	list->text = t;
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

	while (n < ZONE_TOKENS && scan_token(&pos, end, &tok[n], &tok_end[n]))
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
	pos = skip_bom(buf, len);
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
