// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/escape.h"
#include "common/inputfile.h"
#include "common/names.h"
#include "common/prefix.h"
#include "common/words.h"
#include "config/config.h"

/*
 * Debian's libinih (55) passes no line numbers and never reports section
 * headers to the handler, so the file is fed through config_read_line(),
 * which counts lines and handles headers itself; libinih still parses the
 * keys, values, comments and continuation lines.
 */
struct parse_state {
	struct daemon_config *cfg;
	const char *path;
	FILE *file;
	unsigned int line; /* the line libinih is working on */
	int mid_line; /* the last read ended inside a long line */
	size_t line_len; /* bytes of the current line read so far */
	unsigned int error_line; /* the line of msg, once set */
	char msg[400]; /* first error; config_load() adds "path:line: " */
	int in_daemon; /* inside [daemon] */
	unsigned int daemon_line; /* its first header, 0 if none */
	struct list_config *list; /* the [list:NAME] being read, if any */
};

/*
 * One key of a section: the tables daemon_keys[] and list_keys[] below
 * are all the parser knows of a section's keys. @parse reads @value into
 * @field (the key's field in the section's struct, if it has one) and
 * returns 1, or 0 through fail(). The generic parsers read their limits,
 * words and message from the row.
 */
struct config_key {
	const char *name;
	int (*parse)(struct parse_state *st, const struct config_key *key,
		     void *field, const char *value);
	size_t offset, size; /* of the field in daemon_config or list_config */
	uint32_t min, max; /* a number's range; a path's longest length */
	words_fn word; /* the words the value may be, with @ctx */
	const void *ctx;
	/* after "key = 'value': " when the value is refused; a number's unit */
	const char *hint;
	/* the value as xdpblock.conf(5) shows it; NULL: the words, "a | b" */
	const char *help;
};

/*
 * The words of the enumerated keys, in the order messages and
 * xdpblock.conf(5) give them; the *_name() functions read them back.
 */
struct config_choice {
	const char *name;
	int value;
};

static const struct config_choice xdp_modes[] = {
	{"auto", XDP_MODE_AUTO},
	{"native", XDP_MODE_NATIVE},
	{"generic", XDP_MODE_GENERIC},
	{NULL, 0},
};

static const struct config_choice log_levels[] = {
	{"error", LOG_LEVEL_ERR},
	{"warning", LOG_LEVEL_WARN},
	{"info", LOG_LEVEL_INFO},
	{"debug", LOG_LEVEL_DEBUG},
	{NULL, 0},
};

static const struct config_choice list_types[] = {
	{"auto", LIST_TYPE_AUTO},
	{"ip", LIST_TYPE_IP},
	{"domain", LIST_TYPE_DOMAIN},
	{NULL, 0},
};

static const struct config_choice match_dirs[] = {
	{"src", XDPB_MATCH_SRC},
	{"dst", XDPB_MATCH_DST},
	{"both", XDPB_MATCH_BOTH},
	{NULL, 0},
};

static const struct config_choice on_errors[] = {
	{"reject", LIST_ON_ERROR_REJECT},
	{"skip-line", LIST_ON_ERROR_SKIP_LINE},
	{NULL, 0},
};

static const struct config_choice signatures[] = {
	{"minisign", LIST_SIGNATURE_MINISIGN},
	{"none", LIST_SIGNATURE_NONE},
	{NULL, 0},
};

/* dns_action: what a reset list answers DNS with */
static const struct config_choice dns_actions[] = {
	{"nxdomain", XDPB_ACT_NXDOMAIN},
	{"refused", XDPB_ACT_REFUSED},
	{"sinkhole", XDPB_ACT_SINKHOLE},
	{"drop", XDPB_ACT_DROP},
	{NULL, 0},
};

/* protocols: the words, each a set of name views */
static const struct config_choice protocol_words[] = {
	{"dns", XDPB_VIEW_DNS},
	{"web", XDPB_VIEW_WEB},
	{"all", XDPB_VIEWS_ALL},
	{NULL, 0},
};

static const struct config_choice yes_no[] = {
	{"yes", 1},
	{"no", 0},
	{NULL, 0},
};

/* signature_file_check = no sets ignore_signed_file */
static const struct config_choice yes_no_inverted[] = {
	{"yes", 0},
	{"no", 1},
	{NULL, 0},
};

static const struct config_choice *choice_by_name(const struct config_choice *c,
						  const char *name)
{
	for (; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static const char *choice_name(const struct config_choice *c, int value,
			       const char *other)
{
	for (; c->name; c++)
		if (c->value == value)
			return c->name;
	return other;
}

/* words_fn over a choice table */
static const char *choice_word(const void *choices, size_t i)
{
	return ((const struct config_choice *)choices)[i].name;
}

/*
 * Every action, in the order "action = " messages and xdpblock.conf(5)
 * list them: the replies come last, as only domain lists take them.
 */
static const struct action_def actions[] = {
	{.name = "drop", .action = XDPB_ACT_DROP},
	{.name = "allow", .action = XDPB_ACT_ALLOW},
	{.name = "monitor", .action = XDPB_ACT_MONITOR},
	{.name = "nxdomain", .action = XDPB_ACT_NXDOMAIN, .domain_only = 1},
	{.name = "refused", .action = XDPB_ACT_REFUSED, .domain_only = 1},
	{.name = "sinkhole", .action = XDPB_ACT_SINKHOLE, .domain_only = 1},
	{.name = "reset", .action = XDPB_ACT_RESET, .domain_only = 1},
};
#define NR_ACTIONS (sizeof(actions) / sizeof(actions[0]))

const struct action_def *action_lookup(const char *name)
{
	for (size_t i = 0; i < NR_ACTIONS; i++)
		if (!strcmp(actions[i].name, name))
			return &actions[i];
	return NULL;
}

static const struct action_def *action_by_value(uint8_t action)
{
	for (size_t i = 0; i < NR_ACTIONS; i++)
		if (actions[i].action == action)
			return &actions[i];
	return NULL;
}

const char *action_name(uint8_t action)
{
	const struct action_def *a = action_by_value(action);

	return a ? a->name : "none";
}

int action_is_domain_only(uint8_t action)
{
	const struct action_def *a = action_by_value(action);

	return a && a->domain_only;
}

/*
 * words_fn over the actions: all of them (@only NULL), or those whose
 * domain_only is *@only.
 */
static const char *action_word(const void *only, size_t i)
{
	for (size_t a = 0; a < NR_ACTIONS; a++)
		if (!only || actions[a].domain_only == *(const uint8_t *)only)
			if (!i--)
				return actions[a].name;
	return NULL;
}

const char *match_name(uint8_t match)
{
	return choice_name(match_dirs, match, "both");
}

const char *protocols_name(uint8_t views)
{
	switch (views & XDPB_VIEWS_ALL) {
	case XDPB_VIEW_DNS:
		return "dns";
	case XDPB_VIEW_WEB:
		return "web";
	case XDPB_VIEWS_ALL:
		return "dns, web";
	default:
		return "none";
	}
}

uint8_t list_view_action(const struct list_config *lc, uint8_t action, int web)
{
	return xdpb_view_action(action, lc->dns_action, lc->protocols, web);
}

const char *list_type_name(enum list_type type)
{
	return choice_name(list_types, type, "auto");
}

const char *stat_name(unsigned int stat)
{
	static const char *const names[XDPB_STAT_MAX] = {
		[XDPB_STAT_PASS] = "pass",
		[XDPB_STAT_MONITOR] = "monitor",
		[XDPB_STAT_DROP] = "drop",
		[XDPB_STAT_ALLOW] = "allow",
		[XDPB_STAT_NXDOMAIN] = "nxdomain",
		[XDPB_STAT_REFUSED] = "refused",
		[XDPB_STAT_SINKHOLE] = "sinkhole",
		[XDPB_STAT_RESET] = "reset",
		[XDPB_STAT_NON_IP] = "non_ip",
		[XDPB_STAT_MALFORMED_L2] = "malformed_l2",
		[XDPB_STAT_MALFORMED_IPV4] = "malformed_ipv4",
		[XDPB_STAT_MALFORMED_IPV6] = "malformed_ipv6",
		[XDPB_STAT_MALFORMED_IPV6_EXT] = "malformed_ipv6_ext",
		[XDPB_STAT_MALFORMED_DNS] = "malformed_dns",
		[XDPB_STAT_MALFORMED_HTTP] = "malformed_http",
		[XDPB_STAT_MALFORMED_TLS] = "malformed_tls",
		[XDPB_STAT_TLS_OUT_OF_ORDER] = "tls_out_of_order",
		[XDPB_STAT_TLS_INCOMPLETE] = "tls_incomplete",
		[XDPB_STAT_STAGE_MISSED] = "stage_missed",
		[XDPB_STAT_NAME_DNS] = "name_dns",
		[XDPB_STAT_NAME_TLS] = "name_tls",
		[XDPB_STAT_NAME_HTTP] = "name_http",
		[XDPB_STAT_PROTECTED] = "protected",
	};

	return stat < XDPB_STAT_MAX ? names[stat] : "?";
}

const char *signature_name(enum list_signature signature)
{
	return choice_name(signatures, signature, "minisign");
}

void list_signature_path(const struct list_config *lc, char *buf, size_t len)
{
	if (lc->signature_file[0])
		snprintf(buf, len, "%s", lc->signature_file);
	else
		snprintf(buf, len, "%s.minisig", lc->path);
}

const char *xdp_mode_name(enum xdp_mode mode)
{
	return choice_name(xdp_modes, mode, "auto");
}

/* Record the first error, on the current line; returns 0 for libinih. */
__attribute__((format(printf, 2, 3))) static int fail(struct parse_state *st,
						      const char *fmt, ...)
{
	va_list ap;

	if (!st->msg[0]) {
		va_start(ap, fmt);
		vsnprintf(st->msg, sizeof(st->msg), fmt, ap);
		va_end(ap);
		/* values are quoted: a control byte must not reach a terminal */
		text_escape(st->msg, sizeof(st->msg));
		st->error_line = st->line;
	}
	return 0;
}

static int parse_u32(const char *value, uint32_t min, uint32_t max,
		     uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || end == value || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int listen_addr_parse(const char *text, struct sockaddr_storage *addr)
{
	char host[INET6_ADDRSTRLEN];
	const char *port_text, *host_end;
	uint32_t port;
	int v6 = text[0] == '[';

	memset(addr, 0, sizeof(*addr));
	if (!text[0] || !strcmp(text, "off"))
		return 0;
	if (v6) {
		host_end = strchr(text, ']');
		if (!host_end || host_end[1] != ':')
			return -EINVAL;
		port_text = host_end + 2;
		text++;
	} else {
		/* a bare IPv6 address would be ambiguous: it needs brackets */
		host_end = strchr(text, ':');
		if (!host_end || strchr(host_end + 1, ':'))
			return -EINVAL;
		port_text = host_end + 1;
	}
	/* strtoul() would take " 80" and "+80" too */
	if (host_end == text || (size_t)(host_end - text) >= sizeof(host) ||
	    !isdigit((unsigned char)port_text[0]) ||
	    parse_u32(port_text, 1, 65535, &port))
		return -EINVAL;
	memcpy(host, text, host_end - text);
	host[host_end - text] = '\0';
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)addr;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	}
	return 0;
}

void listen_addr_format(const struct sockaddr_storage *addr, char *buf,
			size_t len)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
	char host[INET6_ADDRSTRLEN];

	if (addr->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else if (addr->ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	} else {
		snprintf(buf, len, "off");
	}
}

/* "N", "NK", "NM" or "NG" (powers of 1024) within [min, max]. */
static int parse_size(const char *value, uint64_t min, uint64_t max,
		      uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (*value < '0' || *value > '9')
		return -1;
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	case '\0':
		break;
	default:
		return -1;
	}
	if (shift && *++end)
		return -1;
	if (v > (max >> shift) || (v << shift) < min)
		return -1;
	*out = v << shift;
	return 0;
}

/* A refused value, with the row's hint: "key = 'value': hint". */
static int bad_value(struct parse_state *st, const struct config_key *key,
		     const char *value)
{
	return fail(st, "%s = '%s': %s", key->name, value, key->hint);
}

/* An int or uint8_t field of an enumerated key. */
static void set_int(void *field, size_t size, int value)
{
	if (size == sizeof(uint8_t))
		*(uint8_t *)field = (uint8_t)value;
	else
		*(int *)field = value;
}

/* One of the words of a choice table (key->ctx). */
static int choice_key(struct parse_state *st, const struct config_key *key,
		      void *field, const char *value)
{
	const struct config_choice *c = choice_by_name(key->ctx, value);
	char words[200];

	if (!c)
		return fail(st, "%s = '%s': use %s", key->name, value,
			    words_join(words, sizeof(words), key->word,
				       key->ctx, ", ", " or "));
	set_int(field, key->size, c->value);
	return 1;
}

/* A uint32_t within [min, max]: "give <hint> from <min> to <max>". */
static int u32_key(struct parse_state *st, const struct config_key *key,
		   void *field, const char *value)
{
	if (parse_u32(value, key->min, key->max, field))
		return fail(st, "%s = '%s': give %s from %u to %u", key->name,
			    value, key->hint, key->min, key->max);
	return 1;
}

/* An absolute path of at most key->max characters. */
static int path_key(struct parse_state *st, const struct config_key *key,
		    void *field, const char *value)
{
	if (value[0] != '/' || strlen(value) > key->max)
		return bad_value(st, key, value);
	strcpy(field, value);
	return 1;
}

static int iface_listed(const struct daemon_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->nr_ifaces; i++)
		if (!strcmp(cfg->ifaces[i], name))
			return 1;
	return 0;
}

/*
 * control_group, admin_group: the group is resolved when the file is
 * read, so a misspelt name is an error with its line (and xdpblockd
 * --check finds it), not a surprise when the socket is created or a
 * command is refused.
 */
static int group_key(struct parse_state *st, const char *key, const char *value,
		     char *name, size_t name_size, gid_t *gid)
{
	struct group grp, *found = NULL;
	char what[200];
	size_t size = 1024;
	char *buf = NULL;
	int rc;

	snprintf(what, sizeof(what), "%s = '%.150s'", key, value);
	if (!*value || strlen(value) >= name_size)
		return fail(st,
			    "%s: give the name of a group, under 64 characters",
			    what);
	/* a group with many members needs a bigger buffer: grow on ERANGE */
	do {
		char *nb = realloc(buf, size *= 2);

		if (!nb) {
			rc = ENOMEM;
			break;
		}
		buf = nb;
		rc = getgrnam_r(value, &grp, buf, size, &found);
	} while (rc == ERANGE && size < (1u << 20));
	if (!rc && found) {
		strcpy(name, value);
		*gid = grp.gr_gid;
	}
	free(buf);
	if (rc)
		return fail(st, "%s: cannot look the group up: %s", what,
			    strerror(rc));
	if (!found)
		return fail(
			st,
			"%s: no such group (create it with 'groupadd', or fix the name)",
			what);
	return 1;
}

/*
 * "80 8080" (spaces or commas) or "none" into @ports; repeats are kept
 * once. -EINVAL for anything else or more than XDPB_MAX_WEB_PORTS ports.
 */
static int parse_ports(const char *value, uint16_t *ports, int *nr)
{
	const char *p = value;

	*nr = 0;
	if (!strcmp(value, "none"))
		return 0;
	while (*p) {
		unsigned long port;
		char *end;
		int seen = 0;

		if (*p == ' ' || *p == '\t' || *p == ',') {
			p++;
			continue;
		}
		if (*p < '0' || *p > '9')
			return -EINVAL;
		errno = 0;
		port = strtoul(p, &end, 10);
		if (errno || port < 1 || port > 65535 ||
		    (*end && *end != ' ' && *end != '\t' && *end != ','))
			return -EINVAL;
		p = end;
		for (int i = 0; i < *nr; i++)
			seen |= ports[i] == port;
		if (seen)
			continue;
		if (*nr == XDPB_MAX_WEB_PORTS)
			return -EINVAL;
		ports[(*nr)++] = (uint16_t)port;
	}
	return *nr ? 0 : -EINVAL;
}

/*
 * Call @fn for each word of @value (words are separated by spaces, tabs or
 * commas) until it fails; returns 1 or 0, as a key handler does.
 */
static int each_word(struct parse_state *st, const char *value,
		     int (*fn)(struct parse_state *st, const char *word))
{
	char *buf = strdup(value), *save, *tok;
	int ok = 1;

	if (!buf)
		return fail(st, "out of memory");
	for (tok = strtok_r(buf, " \t,", &save); tok && ok;
	     tok = strtok_r(NULL, " \t,", &save))
		ok = fn(st, tok);
	free(buf);
	return ok;
}

static int add_interface(struct parse_state *st, const char *name)
{
	struct daemon_config *cfg = st->cfg;

	if (strlen(name) >= IF_NAMESIZE)
		return fail(st,
			    "interface name '%s' is longer than %d characters",
			    name, IF_NAMESIZE - 1);
	if (iface_listed(cfg, name))
		return 1;
	if (cfg->nr_ifaces == CONFIG_MAX_IFACES)
		return fail(st, "more than %d interfaces", CONFIG_MAX_IFACES);
	strcpy(cfg->ifaces[cfg->nr_ifaces++], name);
	return 1;
}

/* repeated and continuation lines add interfaces */
static int interfaces_key(struct parse_state *st, const struct config_key *key,
			  void *field, const char *value)
{
	(void)key;
	(void)field;
	return each_word(st, value, add_interface);
}

static int pin_path_key(struct parse_state *st, const struct config_key *key,
			void *field, const char *value)
{
	if (strcmp(value, "none"))
		return path_key(st, key, field, value);
	st->cfg->pin_path[0] = '\0';
	return 1;
}

static int control_group_key(struct parse_state *st,
			     const struct config_key *key, void *field,
			     const char *value)
{
	(void)field;
	return group_key(st, key->name, value, st->cfg->control_group,
			 sizeof(st->cfg->control_group), &st->cfg->control_gid);
}

static int admin_group_key(struct parse_state *st, const struct config_key *key,
			   void *field, const char *value)
{
	(void)field;
	if (!strcmp(value, "none")) {
		st->cfg->admin_group[0] = '\0';
		st->cfg->admin_gid = (gid_t)-1;
		return 1;
	}
	return group_key(st, key->name, value, st->cfg->admin_group,
			 sizeof(st->cfg->admin_group), &st->cfg->admin_gid);
}

static int http_ports_key(struct parse_state *st, const struct config_key *key,
			  void *field, const char *value)
{
	if (parse_ports(value, field, &st->cfg->nr_http_ports))
		return bad_value(st, key, value);
	return 1;
}

static int tls_ports_key(struct parse_state *st, const struct config_key *key,
			 void *field, const char *value)
{
	if (parse_ports(value, field, &st->cfg->nr_tls_ports))
		return bad_value(st, key, value);
	return 1;
}

static int add_protect(struct parse_state *st, const char *word)
{
	struct daemon_config *cfg = st->cfg;
	struct prefix p;
	const char *why;

	if (prefix_parse(word, &p, &why) < 0)
		return fail(
			st,
			"protect = '%s': %s: give addresses or prefixes (192.0.2.1 198.51.100.0/24 2001:db8::/48) separated by spaces",
			word, why);
	for (int i = 0; i < cfg->nr_protect; i++)
		if (!prefix_cmp(&cfg->protect[i], &p))
			return 1;
	if (cfg->nr_protect == CONFIG_MAX_PROTECT)
		return fail(st, "protect: more than %d prefixes",
			    CONFIG_MAX_PROTECT);
	cfg->protect[cfg->nr_protect++] = p;
	return 1;
}

/* repeated and continuation lines add prefixes */
static int protect_key(struct parse_state *st, const struct config_key *key,
		       void *field, const char *value)
{
	(void)key;
	(void)field;
	return each_word(st, value, add_protect);
}

static int listen_key(struct parse_state *st, const struct config_key *key,
		      void *field, const char *value)
{
	if (listen_addr_parse(value, field))
		return bad_value(st, key, value);
	return 1;
}

static int list_bytes_key(struct parse_state *st, const struct config_key *key,
			  void *field, const char *value)
{
	if (parse_size(value, MIN_MAX_LIST_BYTES, MAX_MAX_LIST_BYTES, field))
		return bad_value(st, key, value);
	return 1;
}

/* Add a public key to the list being read; same key twice counts once. */
static int add_key(struct parse_state *st, const struct minisign_key *key,
		   const char *value)
{
	struct list_config *l = st->list;
	char id[MINISIGN_KEY_ID_STRLEN];

	for (int i = 0; i < l->nr_keys; i++) {
		if (memcmp(l->keys[i].id, key->id, sizeof(key->id)))
			continue;
		if (!memcmp(l->keys[i].pk, key->pk, sizeof(key->pk)))
			return 1;
		minisign_key_id_str(key->id, id);
		return fail(
			st,
			"'%s': another key of this list has the same key id %s: remove one",
			value, id);
	}
	if (l->nr_keys == LIST_MAX_KEYS)
		return fail(st, "more than %d public keys for one list",
			    LIST_MAX_KEYS);
	l->keys[l->nr_keys++] = *key;
	return 1;
}

static int add_public_key(struct parse_state *st, const char *text)
{
	struct minisign_key key;
	const char *why;

	if (minisign_key_parse(text, &key, &why) < 0)
		return fail(st, "public_key = '%s': %s", text, why);
	return add_key(st, &key, text);
}

/* several keys may share a line; repeated lines add up */
static int public_keys(struct parse_state *st, const struct config_key *key,
		       void *field, const char *value)
{
	(void)key;
	(void)field;
	return each_word(st, value, add_public_key);
}

static int public_key_file(struct parse_state *st,
			   const struct config_key *config_key, void *field,
			   const char *value)
{
	struct minisign_key key;
	char text[4096], why_buf[200];
	const char *why;
	size_t len;
	FILE *f;
	int fd;

	(void)config_key;
	(void)field;
	if (value[0] != '/')
		return fail(st, "public_key_file = '%s': give an absolute path",
			    value);
	fd = input_open(value, NULL, why_buf, sizeof(why_buf));
	if (fd < 0)
		return fail(st, "public_key_file = '%s': %s", value, why_buf);
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return fail(st, "public_key_file = '%s': cannot open: %s",
			    value, strerror(errno));
	}
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	if (minisign_pubfile_parse(text, len, &key, &why) < 0)
		return fail(st, "public_key_file = '%s': %s", value, why);
	return add_key(st, &key, value);
}

static int action_key(struct parse_state *st, const struct config_key *key,
		      void *field, const char *value)
{
	const struct action_def *a = action_lookup(value);
	const uint8_t plain_only = 0, domain_only = 1;
	char plain[100], replies[100];

	st->list->action_set = 1;
	if (a) {
		*(uint8_t *)field = a->action;
		return 1;
	}
	return fail(st, "%s = '%s': use %s (domain lists also %s)", key->name,
		    value,
		    words_join(plain, sizeof(plain), action_word, &plain_only,
			       ", ", " or "),
		    words_join(replies, sizeof(replies), action_word,
			       &domain_only, ", ", " or "));
}

/*
 * protocols = dns | web | dns, web | all: repeated words add up within
 * the line; a line replaces what an earlier one said.
 */
static int add_protocol(struct parse_state *st, const char *word)
{
	const struct config_choice *c = choice_by_name(protocol_words, word);

	if (!c && (!strcmp(word, "tls") || !strcmp(word, "http")))
		return fail(
			st,
			"protocols = '%s': TLS SNI and HTTP Host are matched together, as one view of a name: use protocols = web",
			word);
	if (!c)
		return fail(st, "protocols = '%s': use dns, web or all", word);
	st->list->protocols |= (uint8_t)c->value;
	return 1;
}

static int protocols_key(struct parse_state *st, const struct config_key *key,
			 void *field, const char *value)
{
	(void)key;
	(void)field;
	st->list->protocols = 0;
	st->list->protocols_set = 1;
	if (!each_word(st, value, add_protocol))
		return 0;
	if (!st->list->protocols)
		return fail(st, "protocols = '%s': use dns, web or all", value);
	return 1;
}

static int dns_action_key(struct parse_state *st, const struct config_key *key,
			  void *field, const char *value)
{
	st->list->dns_action_set = 1;
	return choice_key(st, key, field, value);
}

static int sinkhole4_key(struct parse_state *st, const struct config_key *key,
			 void *field, const char *value)
{
	(void)field;
	if (inet_pton(AF_INET, value, &st->list->sinkhole.v4) != 1)
		return bad_value(st, key, value);
	st->list->sinkhole.has_v4 = 1;
	return 1;
}

static int sinkhole6_key(struct parse_state *st, const struct config_key *key,
			 void *field, const char *value)
{
	(void)field;
	if (inet_pton(AF_INET6, value, st->list->sinkhole.v6) != 1)
		return bad_value(st, key, value);
	st->list->sinkhole.has_v6 = 1;
	return 1;
}

static int url_key(struct parse_state *st, const struct config_key *key,
		   void *field, const char *value)
{
	if ((strncmp(value, "https://", 8) && strncmp(value, "http://", 7)) ||
	    strlen(value) >= key->size)
		return bad_value(st, key, value);
	strcpy(field, value);
	return 1;
}

/* words_fn over the list formats */
static const char *format_word(const void *ctx, size_t i)
{
	(void)ctx;
	return i < LIST_FORMAT_MAX ? list_format_name(i) : NULL;
}

static int format_key(struct parse_state *st, const struct config_key *key,
		      void *field, const char *value)
{
	char words[200];

	if (list_format_parse(value, field))
		return fail(st, "%s = '%s': use %s", key->name, value,
			    words_join(words, sizeof(words), format_word, NULL,
				       ", ", " or "));
	return 1;
}

static int origin_key(struct parse_state *st, const struct config_key *key,
		      void *field, const char *value)
{
	char text[NAME_TEXT_BUF];
	const char *why;

	if (name_normalize(value, strlen(value), text, &why) < 0)
		return fail(st, "%s = '%s': %s (%s)", key->name, value,
			    key->hint, why);
	strcpy(field, text);
	return 1;
}

/* The rows of the tables: a key of a generic parser, or with its own. */
#define DAEMON_SIZE(f) sizeof(((struct daemon_config *)0)->f)
#define DAEMON_FIELD(f) \
	.offset = offsetof(struct daemon_config, f), .size = DAEMON_SIZE(f)
#define LIST_SIZE(f) sizeof(((struct list_config *)0)->f)
#define LIST_FIELD(f) \
	.offset = offsetof(struct list_config, f), .size = LIST_SIZE(f)
#define NO_FIELD .offset = 0
#define CHOICE(key, field, table)                                             \
	{                                                                     \
		.name = key, field, .parse = choice_key, .word = choice_word, \
		.ctx = table                                                  \
	}
#define NUMBER(key, field, lo, hi, unit, synopsis)                          \
	{                                                                   \
		.name = key, field, .parse = u32_key, .min = lo, .max = hi, \
		.hint = unit, .help = synopsis                              \
	}
#define PATH(key, field, longest, why, synopsis)                       \
	{                                                              \
		.name = key, field, .parse = path_key, .max = longest, \
		.hint = why, .help = synopsis                          \
	}
#define WORDS(key, field, fn, words)                           \
	{                                                      \
		.name = key, field, .parse = fn, .word = words \
	}
#define KEY(key, field, fn, why, synopsis)                                     \
	{                                                                      \
		.name = key, field, .parse = fn, .hint = why, .help = synopsis \
	}

/*
 * [daemon], in the order of xdpblock.conf(5) and of the "unknown key"
 * message. A key is a row here and, unless a generic parser reads it, its
 * handler above; tests/unit/doc_tests.c holds the man page to the table.
 */
static const struct config_key daemon_keys[] = {
	KEY("interfaces", NO_FIELD, interfaces_key, NULL, "name ..."),
	CHOICE("xdp_mode", DAEMON_FIELD(xdp_mode), xdp_modes),
	PATH("control_socket", DAEMON_FIELD(control_socket),
	     DAEMON_SIZE(control_socket) - 1,
	     "give an absolute path under 108 characters", "path"),
	KEY("control_group", NO_FIELD, control_group_key, NULL, "group"),
	KEY("admin_group", NO_FIELD, admin_group_key, NULL, "group | none"),
	/* room for the pins' names after the directory */
	{.name = "pin_path",
	 DAEMON_FIELD(pin_path),
	 .parse = pin_path_key,
	 .max = DAEMON_SIZE(pin_path) - 33,
	 .hint = "give an absolute directory below /sys/fs/bpf, or none",
	 .help = "dir | none"},
	CHOICE("watch_lists", DAEMON_FIELD(watch_lists), yes_no),
	NUMBER("watch_delay_ms", DAEMON_FIELD(watch_delay_ms), 0, 600000,
	       "milliseconds", "n"),
	NUMBER("max_rules_ipv4", DAEMON_FIELD(max_rules_v4), 1, 1u << 26,
	       "a number", "n"),
	NUMBER("max_rules_ipv6", DAEMON_FIELD(max_rules_v6), 1, 1u << 26,
	       "a number", "n"),
	NUMBER("max_rules_domain", DAEMON_FIELD(max_rules_domain), 1, 1u << 26,
	       "a number", "n"),
	NUMBER("flow_cache_entries", DAEMON_FIELD(flow_cache_entries), 1024,
	       1u << 26, "a number", "n"),
	KEY("http_ports", DAEMON_FIELD(http_ports), http_ports_key,
	    "give up to 8 port numbers (1-65535) separated by spaces, or none",
	    "port ... | none"),
	KEY("tls_ports", DAEMON_FIELD(tls_ports), tls_ports_key,
	    "give up to 8 port numbers (1-65535) separated by spaces, or none",
	    "port ... | none"),
	CHOICE("log_level", DAEMON_FIELD(log_level), log_levels),
	KEY("metrics_listen", DAEMON_FIELD(metrics_addr), listen_key,
	    "give ADDRESS:PORT with a numeric address (127.0.0.1:9469, [::1]:9469, 0.0.0.0:9469) or off",
	    "address:port | off"),
	CHOICE("metrics_top", DAEMON_FIELD(metrics_top), yes_no),
	/* room for the state files' names */
	PATH("state_dir", DAEMON_FIELD(state_dir), DAEMON_SIZE(state_dir) - 65,
	     "give an absolute path", "directory"),
	CHOICE("strict_start", DAEMON_FIELD(strict_start), yes_no),
	KEY("max_list_bytes", DAEMON_FIELD(max_list_bytes), list_bytes_key,
	    "give a size from 4096 to 64G (a number, optionally followed by K, M or G)",
	    "size"),
	KEY("protect", NO_FIELD, protect_key, NULL, "prefix ..."),
};

/* [list:NAME], in the order of the "unknown key" message. */
static const struct config_key list_keys[] = {
	PATH("path", LIST_FIELD(path), LIST_SIZE(path) - 1,
	     "give an absolute path", "file"),
	CHOICE("type", LIST_FIELD(type), list_types),
	WORDS("action", LIST_FIELD(action), action_key, action_word),
	KEY("protocols", NO_FIELD, protocols_key, NULL,
	    "dns | web | dns, web | all"),
	{.name = "dns_action",
	 LIST_FIELD(dns_action),
	 .parse = dns_action_key,
	 .word = choice_word,
	 .ctx = dns_actions},
	CHOICE("match", LIST_FIELD(match), match_dirs),
	CHOICE("on_error", LIST_FIELD(on_error), on_errors),
	NUMBER("max_bad_lines", LIST_FIELD(max_bad_lines), 0, UINT32_MAX,
	       "a number", "n"),
	WORDS("format", LIST_FIELD(format), format_key, format_word),
	KEY("origin", LIST_FIELD(origin), origin_key,
	    "give the RPZ zone's name, as in the resolver's zone statement",
	    "name"),
	CHOICE("signature", LIST_FIELD(signature), signatures),
	KEY("public_key", NO_FIELD, public_keys, NULL, "key ..."),
	KEY("public_key_file", NO_FIELD, public_key_file, NULL, "file"),
	PATH("signature_file", LIST_FIELD(signature_file),
	     LIST_SIZE(signature_file) - 1, "give an absolute path", "file"),
	CHOICE("signature_file_check", LIST_FIELD(ignore_signed_file),
	       yes_no_inverted),
	CHOICE("require_timestamp", LIST_FIELD(require_timestamp), yes_no),
	KEY("url", LIST_FIELD(url), url_key,
	    "give an https:// (or http://) URL of under 2048 characters",
	    "https://host/path"),
	NUMBER("refresh", LIST_FIELD(refresh_s), 1, 7 * 86400,
	       "seconds between checks,", "seconds"),
	NUMBER("fetch_timeout", LIST_FIELD(fetch_timeout_s), 1, 3600, "seconds",
	       "seconds"),
	PATH("ca_file", LIST_FIELD(ca_file), LIST_SIZE(ca_file) - 1,
	     "give the absolute path of a PEM file of CA certificates", "file"),
	KEY("sinkhole_ipv4", NO_FIELD, sinkhole4_key,
	    "give an IPv4 address (the notice server's)", "address"),
	KEY("sinkhole_ipv6", NO_FIELD, sinkhole6_key,
	    "give an IPv6 address (the notice server's)", "address"),
	CHOICE("allow_special", LIST_FIELD(allow_special), yes_no),
};

static const struct {
	const struct config_key *keys;
	size_t nr;
} sections[CONFIG_SECTION_MAX] = {
	[CONFIG_SECTION_DAEMON] = {daemon_keys, sizeof(daemon_keys) /
							sizeof(daemon_keys[0])},
	[CONFIG_SECTION_LIST] = {list_keys,
				 sizeof(list_keys) / sizeof(list_keys[0])},
};

/* words_fn over a section's key names (@section: enum config_section *) */
static const char *key_word(const void *section, size_t i)
{
	enum config_section s = *(const enum config_section *)section;

	return i < sections[s].nr ? sections[s].keys[i].name : NULL;
}

const char *config_key_doc(enum config_section section, size_t i, char *help,
			   size_t helplen)
{
	const struct config_key *key;

	if (section >= CONFIG_SECTION_MAX || i >= sections[section].nr)
		return NULL;
	key = &sections[section].keys[i];
	if (key->help)
		snprintf(help, helplen, "%s", key->help);
	else
		words_join(help, helplen, key->word, key->ctx, " | ", " | ");
	return key->name;
}

/*
 * @name = @value in @section, whose struct is @base and whose header is
 * @header ("[daemon]", "[list:NAME]").
 */
static int section_key(struct parse_state *st, enum config_section section,
		       void *base, const char *header, const char *name,
		       const char *value)
{
	char names[400];

	for (size_t i = 0; i < sections[section].nr; i++) {
		const struct config_key *key = &sections[section].keys[i];

		if (!strcmp(key->name, name))
			return key->parse(st, key, (char *)base + key->offset,
					  value);
	}
	return fail(st, "unknown key '%s' in %s: use %s", name, header,
		    words_join(names, sizeof(names), key_word, &section, ", ",
			       " or "));
}

static int valid_list_name(const char *name)
{
	if (!*name || strlen(name) >= LIST_NAME_MAX)
		return 0;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
		      *c == '.'))
			return 0;
	return 1;
}

static int on_section(struct parse_state *st, const char *section)
{
	struct daemon_config *cfg = st->cfg;
	const char *name;

	st->list = NULL;
	st->in_daemon = !strcmp(section, "daemon");
	if (st->in_daemon) {
		if (!st->daemon_line)
			st->daemon_line = st->line;
		return 1;
	}
	if (strncmp(section, "list:", 5))
		return fail(st,
			    "unknown section [%s]: use [daemon] or [list:NAME]",
			    section);
	name = section + 5;
	if (!valid_list_name(name))
		return fail(
			st,
			"list name '%s' must be 1-63 characters of A-Z a-z 0-9 . _ -",
			name);
	for (int i = 0; i < cfg->nr_lists; i++)
		if (!strcmp(cfg->lists[i].name, name))
			return fail(st, "list '%s' is defined twice", name);
	if (cfg->nr_lists == XDPB_MAX_LISTS - 1)
		return fail(st, "more than %d lists", XDPB_MAX_LISTS - 1);
	st->list = &cfg->lists[cfg->nr_lists++];
	memset(st->list, 0, sizeof(*st->list));
	strcpy(st->list->name, name);
	st->list->action = XDPB_ACT_DROP;
	st->list->match = XDPB_MATCH_BOTH;
	st->list->protocols = XDPB_VIEWS_ALL;
	st->list->on_error = LIST_ON_ERROR_REJECT;
	st->list->refresh_s = DEFAULT_REFRESH_S;
	st->list->fetch_timeout_s = DEFAULT_FETCH_TIMEOUT_S;
	st->list->max_bad_lines = LIST_DEFAULT_MAX_BAD_LINES;
	st->list->format = LIST_FORMAT_AUTO;
	st->list->signature = LIST_SIGNATURE_MINISIGN;
	st->list->require_timestamp = 1;
	st->list->line = st->line;
	return 1;
}

/* fgets() for libinih that counts lines and sees section headers first. */
static char *config_read_line(char *buf, int size, void *stream)
{
	struct parse_state *st = stream;
	char *start, *end;
	int line_start = !st->mid_line;

	if (st->msg[0] || !fgets(buf, size, st->file))
		return NULL; /* after an error: stop as if at the end */
	if (line_start) {
		st->line++;
		st->line_len = 0;
	}
	st->line_len += strlen(buf);
	st->mid_line = !strchr(buf, '\n');
	/*
	 * libinih grows its buffer up to ini_max_line and then reads the rest
	 * of a longer line as a line of its own: refuse such lines instead.
	 */
	if (st->mid_line && st->line_len >= (size_t)ini_max_line - 1 &&
	    !feof(st->file)) {
		fail(st, "line longer than 65534 bytes");
		return NULL;
	}
	if (!line_start)
		return buf;
	start = buf;
	if (st->line == 1 && !strncmp(start, "\xef\xbb\xbf", 3))
		start += 3;
	/* An indented line continues a value; a header starts in column 1. */
	if (*start != '[')
		return buf;
	end = strchr(start, ']');
	if (!end) {
		fail(st, "section header '[' has no closing ]");
		return NULL;
	}
	*end = '\0';
	if (!on_section(st, start + 1))
		return NULL;
	*end = ']';
	return buf;
}

static int on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct parse_state *st = user;
	char header[LIST_NAME_MAX + 8];

	(void)section; /* libinih cuts it at 50 bytes; on_section saw it whole */
	if (st->in_daemon)
		return section_key(st, CONFIG_SECTION_DAEMON, st->cfg,
				   "[daemon]", name, value);
	if (st->list) {
		snprintf(header, sizeof(header), "[list:%s]", st->list->name);
		return section_key(st, CONFIG_SECTION_LIST, st->list, header,
				   name, value);
	}
	return fail(st, "'%s' outside any section: put it under [daemon]",
		    name);
}

/*
 * The DNS side of list @lc: dns_action only where a reset list answers
 * DNS, and a sinkhole answer only with its address. 0, or -1 with @why.
 */
static int list_dns_action_check(const struct list_config *lc, char *why,
				 size_t whylen)
{
	uint8_t dns = list_view_action(lc, lc->action, 0);

	if (lc->dns_action_set && lc->format == LIST_FORMAT_RPZ) {
		snprintf(
			why, whylen,
			"is an RPZ zone, whose records carry their own actions: remove dns_action");
		return -1;
	}
	if (lc->dns_action_set && lc->action != XDPB_ACT_RESET) {
		snprintf(
			why, whylen,
			"has dns_action, which only a list with action = reset takes (action = %s applies to DNS queries as it is): remove dns_action, or set action = reset",
			action_name(lc->action));
		return -1;
	}
	if (lc->dns_action_set && !(lc->protocols & XDPB_VIEW_DNS)) {
		snprintf(
			why, whylen,
			"has dns_action and protocols = %s, which leaves DNS alone: remove one of them",
			protocols_name(lc->protocols));
		return -1;
	}
	if (dns == XDPB_ACT_SINKHOLE && !lc->sinkhole.has_v4 &&
	    !lc->sinkhole.has_v6) {
		snprintf(
			why, whylen,
			"has %s = sinkhole: give the notice address as sinkhole_ipv4 = ADDRESS and/or sinkhole_ipv6 = ADDRESS",
			lc->action == XDPB_ACT_SINKHOLE ? "action"
							: "dns_action");
		return -1;
	}
	return 0;
}

int config_load(const char *path, struct daemon_config *cfg, char *err,
		size_t errlen)
{
	struct parse_state st = {.cfg = cfg, .path = path};
	char why[200];
	int line, fd;

	memset(cfg, 0, sizeof(*cfg));
	cfg->xdp_mode = XDP_MODE_AUTO;
	strcpy(cfg->control_socket, DEFAULT_CONTROL_SOCKET);
	strcpy(cfg->pin_path, DEFAULT_PIN_PATH);
	cfg->watch_lists = 1;
	cfg->watch_delay_ms = DEFAULT_WATCH_DELAY_MS;
	cfg->control_gid = (gid_t)-1;
	cfg->admin_gid = (gid_t)-1; /* admin_group = none: root only */
	cfg->max_rules_v4 = XDPB_DEFAULT_MAX_RULES_V4;
	cfg->max_rules_v6 = XDPB_DEFAULT_MAX_RULES_V6;
	cfg->max_rules_domain = XDPB_DEFAULT_MAX_RULES_DOMAIN;
	cfg->flow_cache_entries = XDPB_DEFAULT_FLOW_CACHE_ENTRIES;
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->http_ports[0] = XDPB_DEFAULT_HTTP_PORT;
	cfg->nr_http_ports = 1;
	cfg->tls_ports[0] = XDPB_DEFAULT_TLS_PORT;
	cfg->tls_ports[1] = XDPB_DEFAULT_DOT_PORT;
	cfg->nr_tls_ports = 2;
	listen_addr_parse(DEFAULT_METRICS_LISTEN, &cfg->metrics_addr);
	strcpy(cfg->state_dir, DEFAULT_STATE_DIR);
	cfg->max_list_bytes = DEFAULT_MAX_LIST_BYTES;
	err[0] = '\0';

	/*
	 * Debian's libinih takes its options at run time: stop at the first
	 * error so the line it returns is the line our message is about, and
	 * grow the line buffer instead of splitting lines over 200 bytes.
	 */
	ini_stop_on_first_error = true;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 65536;
	fd = input_open(path, NULL, why, sizeof(why));
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot read config: %s", path, why);
		return fd;
	}
	st.file = fdopen(fd, "r");
	if (!st.file) {
		int e = errno;

		close(fd);
		snprintf(err, errlen, "%s: cannot open config: %s", path,
			 strerror(e));
		return -e;
	}
	line = ini_parse_stream(config_read_line, &st, on_key, &st);
	fclose(st.file);
	if (st.msg[0]) {
		snprintf(err, errlen, "%s:%u: %s", path, st.error_line, st.msg);
		return -EINVAL;
	}
	if (line != 0) {
		snprintf(
			err, errlen,
			"%s:%u: syntax error (expected [section], key = value, or a ; or # comment)",
			path, st.line);
		return -EINVAL;
	}
	if (cfg->nr_ifaces == 0) {
		if (st.daemon_line)
			snprintf(
				err, errlen,
				"%s:%u: [daemon] has no interfaces: add 'interfaces = IFNAME ...'",
				path, st.daemon_line);
		else
			snprintf(
				err, errlen,
				"%s: no [daemon] section: add one with 'interfaces = IFNAME ...'",
				path);
		return -EINVAL;
	}
	for (int i = 0; i < cfg->nr_lists; i++) {
		if (!cfg->lists[i].path[0]) {
			snprintf(
				err, errlen,
				cfg->lists[i].url[0]
					? "%s:%u: [list:%s] has a url but no 'path = /where/the/downloaded/copy/is/kept'"
					: "%s:%u: [list:%s] has no 'path = /file/of/prefixes'",
				path, cfg->lists[i].line, cfg->lists[i].name);
			return -EINVAL;
		}
		if (cfg->lists[i].format == LIST_FORMAT_RPZ &&
		    cfg->lists[i].action_set) {
			snprintf(
				err, errlen,
				"%s:%u: [list:%s] is an RPZ zone, whose records carry their own actions: remove 'action ='",
				path, cfg->lists[i].line, cfg->lists[i].name);
			return -EINVAL;
		}
		if (cfg->lists[i].origin[0] &&
		    cfg->lists[i].format != LIST_FORMAT_RPZ) {
			snprintf(
				err, errlen,
				"%s:%u: [list:%s] has origin, which only an RPZ zone takes: set format = rpz, or remove origin",
				path, cfg->lists[i].line, cfg->lists[i].name);
			return -EINVAL;
		}
		if (cfg->lists[i].type == LIST_TYPE_IP &&
		    action_is_domain_only(cfg->lists[i].action)) {
			snprintf(
				err, errlen,
				"%s:%u: [list:%s] is an IP list: action = %s needs type = domain",
				path, cfg->lists[i].line, cfg->lists[i].name,
				action_name(cfg->lists[i].action));
			return -EINVAL;
		}
		if (cfg->lists[i].type == LIST_TYPE_IP &&
		    (cfg->lists[i].protocols_set ||
		     cfg->lists[i].dns_action_set)) {
			snprintf(
				err, errlen,
				"%s:%u: [list:%s] is an IP list: %s applies to domain lists only (an address rule decides every packet of its addresses, whatever the protocol); remove it, or set type = domain",
				path, cfg->lists[i].line, cfg->lists[i].name,
				cfg->lists[i].protocols_set ? "protocols"
							    : "dns_action");
			return -EINVAL;
		}
		if (list_dns_action_check(&cfg->lists[i], why, sizeof(why))) {
			snprintf(err, errlen, "%s:%u: [list:%s] %s", path,
				 cfg->lists[i].line, cfg->lists[i].name, why);
			return -EINVAL;
		}
	}
	for (int i = 0; i < cfg->nr_lists; i++) {
		const struct list_config *l = &cfg->lists[i];

		if (l->signature == LIST_SIGNATURE_MINISIGN && !l->nr_keys) {
			snprintf(
				err, errlen,
				"%s:%u: [list:%s] must be signed (signature = minisign is the default) but names no key: add 'public_key = RW...' or 'public_key_file = /path/key.pub', or set 'signature = none' for an unsigned list",
				path, l->line, l->name);
			return -EINVAL;
		}
		if (l->signature == LIST_SIGNATURE_NONE &&
		    (l->nr_keys || l->signature_file[0])) {
			snprintf(
				err, errlen,
				"%s:%u: [list:%s] has 'signature = none' but names a key or signature_file: remove them, or remove 'signature = none' to verify the list",
				path, l->line, l->name);
			return -EINVAL;
		}
		if (!l->signature_file[0] &&
		    strlen(l->path) + sizeof(".minisig") > sizeof(l->path)) {
			snprintf(
				err, errlen,
				"%s:%u: [list:%s] path is too long to add .minisig: set signature_file",
				path, l->line, l->name);
			return -EINVAL;
		}
	}
	return 0;
}
