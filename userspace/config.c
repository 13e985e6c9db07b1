// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

struct parse_state {
	struct daemon_config *cfg;
	const char *path;
	char *err;
	size_t errlen;
	char section[80]; /* the section the previous key was in */
	char msg[400]; /* first error; config_load() adds "path:line: " */
	struct list_config *list; /* the [list:NAME] being read */
};

const char *action_name(uint8_t action)
{
	switch (action) {
	case XDPB_ACT_MONITOR:
		return "monitor";
	case XDPB_ACT_DROP:
		return "drop";
	case XDPB_ACT_ALLOW:
		return "allow";
	default:
		return "none";
	}
}

const char *match_name(uint8_t match)
{
	switch (match) {
	case XDPB_MATCH_SRC:
		return "src";
	case XDPB_MATCH_DST:
		return "dst";
	default:
		return "both";
	}
}

const char *xdp_mode_name(enum xdp_mode mode)
{
	switch (mode) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_GENERIC:
		return "generic";
	default:
		return "auto";
	}
}

/*
 * Debian's libinih passes no line number to the handler; ini_parse_file()
 * returns the first failing line, so the message is completed there.
 */
static int fail(struct parse_state *st, const char *fmt, const char *a,
		const char *b)
{
	if (!st->msg[0])
		snprintf(st->msg, sizeof(st->msg), fmt, a, b);
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

static int iface_listed(const struct daemon_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->nr_ifaces; i++)
		if (!strcmp(cfg->ifaces[i], name))
			return 1;
	return 0;
}

static int daemon_key(struct parse_state *st, const char *name,
		      const char *value)
{
	struct daemon_config *cfg = st->cfg;

	if (!strcmp(name, "interfaces")) {
		char *buf = strdup(value), *save, *tok;
		int ok = 1;

		if (!buf)
			return fail(st, "out of memory%s%s", "", "");
		/* repeated and continuation lines add interfaces */
		for (tok = strtok_r(buf, " \t,", &save); tok && ok;
		     tok = strtok_r(NULL, " \t,", &save)) {
			if (strlen(tok) >= IF_NAMESIZE)
				ok = fail(st,
					  "interface name '%s' is longer than %s characters",
					  tok, "15");
			else if (iface_listed(cfg, tok))
				continue;
			else if (cfg->nr_ifaces == CONFIG_MAX_IFACES)
				ok = fail(st, "more than %s interfaces%s", "64", "");
			else
				strcpy(cfg->ifaces[cfg->nr_ifaces++], tok);
		}
		free(buf);
		if (!ok)
			return 0;
	} else if (!strcmp(name, "xdp_mode")) {
		if (!strcmp(value, "auto"))
			cfg->xdp_mode = XDP_MODE_AUTO;
		else if (!strcmp(value, "native"))
			cfg->xdp_mode = XDP_MODE_NATIVE;
		else if (!strcmp(value, "generic"))
			cfg->xdp_mode = XDP_MODE_GENERIC;
		else
			return fail(st,
				    "xdp_mode = '%s': use auto, native or generic%s",
				    value, "");
	} else if (!strcmp(name, "control_socket")) {
		if (value[0] != '/' || strlen(value) >= sizeof(cfg->control_socket))
			return fail(st,
				    "control_socket = '%s': give an absolute path under 108 characters%s",
				    value, "");
		strcpy(cfg->control_socket, value);
	} else if (!strcmp(name, "max_rules_ipv4")) {
		if (parse_u32(value, 1, 1u << 26, &cfg->max_rules_v4))
			return fail(st,
				    "max_rules_ipv4 = '%s': give a number from 1 to %s",
				    value, "67108864");
	} else if (!strcmp(name, "max_rules_ipv6")) {
		if (parse_u32(value, 1, 1u << 26, &cfg->max_rules_v6))
			return fail(st,
				    "max_rules_ipv6 = '%s': give a number from 1 to %s",
				    value, "67108864");
	} else if (!strcmp(name, "log_level")) {
		if (!strcmp(value, "error"))
			cfg->log_level = LOG_LEVEL_ERR;
		else if (!strcmp(value, "warning"))
			cfg->log_level = LOG_LEVEL_WARN;
		else if (!strcmp(value, "info"))
			cfg->log_level = LOG_LEVEL_INFO;
		else if (!strcmp(value, "debug"))
			cfg->log_level = LOG_LEVEL_DEBUG;
		else
			return fail(st,
				    "log_level = '%s': use error, warning, info or debug%s",
				    value, "");
	} else {
		return fail(st, "unknown key '%s' in [daemon]%s", name, "");
	}
	return 1;
}

static int list_key(struct parse_state *st, const char *name,
		    const char *value)
{
	struct list_config *l = st->list;

	if (!strcmp(name, "path")) {
		if (value[0] != '/' || strlen(value) >= sizeof(l->path))
			return fail(st, "path = '%s': give an absolute path%s",
				    value, "");
		strcpy(l->path, value);
	} else if (!strcmp(name, "action")) {
		if (!strcmp(value, "drop"))
			l->action = XDPB_ACT_DROP;
		else if (!strcmp(value, "allow"))
			l->action = XDPB_ACT_ALLOW;
		else if (!strcmp(value, "monitor"))
			l->action = XDPB_ACT_MONITOR;
		else
			return fail(st,
				    "action = '%s': use drop, allow or monitor%s",
				    value, "");
	} else if (!strcmp(name, "match")) {
		if (!strcmp(value, "src"))
			l->match = XDPB_MATCH_SRC;
		else if (!strcmp(value, "dst"))
			l->match = XDPB_MATCH_DST;
		else if (!strcmp(value, "both"))
			l->match = XDPB_MATCH_BOTH;
		else
			return fail(st, "match = '%s': use src, dst or both%s",
				    value, "");
	} else if (!strcmp(name, "on_error")) {
		if (!strcmp(value, "reject"))
			l->on_error = LIST_ON_ERROR_REJECT;
		else if (!strcmp(value, "skip-line"))
			l->on_error = LIST_ON_ERROR_SKIP_LINE;
		else
			return fail(st,
				    "on_error = '%s': use reject or skip-line%s",
				    value, "");
	} else {
		return fail(st, "unknown key '%s' in [list:%s]", name,
			    l->name);
	}
	return 1;
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

	snprintf(st->section, sizeof(st->section), "%s", section);
	st->list = NULL;
	if (!strcmp(section, "daemon"))
		return 1;
	if (strncmp(section, "list:", 5))
		return fail(st,
			    "unknown section [%s]: use [daemon] or [list:NAME]%s",
			    section, "");
	name = section + 5;
	if (!valid_list_name(name))
		return fail(st,
			    "list name '%s' must be 1-63 characters of A-Z a-z 0-9 . _ -%s",
			    name, "");
	for (int i = 0; i < cfg->nr_lists; i++)
		if (!strcmp(cfg->lists[i].name, name))
			return fail(st, "list '%s' is defined twice%s", name,
				    "");
	if (cfg->nr_lists == XDPB_MAX_LISTS - 1)
		return fail(st, "more than %s lists%s", "255", "");
	st->list = &cfg->lists[cfg->nr_lists++];
	memset(st->list, 0, sizeof(*st->list));
	strcpy(st->list->name, name);
	st->list->action = XDPB_ACT_DROP;
	st->list->match = XDPB_MATCH_BOTH;
	st->list->on_error = LIST_ON_ERROR_REJECT;
	return 1;
}

static int config_key(void *user, const char *section, const char *name,
		       const char *value)
{
	struct parse_state *st = user;

	if (section[0] && strcmp(section, st->section) && !on_section(st, section))
		return 0;
	if (!section[0])
		return fail(st, "'%s' outside any section: put it under [daemon]%s",
			    name, "");
	if (!strcmp(section, "daemon"))
		return daemon_key(st, name, value);
	if (st->list)
		return list_key(st, name, value);
	return 0; /* section already reported */
}

int config_load(const char *path, struct daemon_config *cfg, char *err,
		size_t errlen)
{
	struct parse_state st = { .cfg = cfg, .path = path, .err = err,
				  .errlen = errlen };
	FILE *f;
	int line;

	memset(cfg, 0, sizeof(*cfg));
	cfg->xdp_mode = XDP_MODE_AUTO;
	strcpy(cfg->control_socket, DEFAULT_CONTROL_SOCKET);
	cfg->max_rules_v4 = XDPB_DEFAULT_MAX_RULES_V4;
	cfg->max_rules_v6 = XDPB_DEFAULT_MAX_RULES_V6;
	cfg->log_level = LOG_LEVEL_INFO;
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
	f = fopen(path, "r");
	if (!f) {
		int e = errno;

		snprintf(err, errlen, "%s: cannot open config: %s", path,
			 strerror(e));
		return -e;
	}
	line = ini_parse_file(f, config_key, &st);
	fclose(f);
	if (line != 0) {
		if (st.msg[0])
			snprintf(err, errlen, "%s:%d: %s", path, line, st.msg);
		else
			snprintf(err, errlen,
				 "%s:%d: syntax error (expected [section], key = value, or a ; or # comment)",
				 path, line);
		return -EINVAL;
	}
	if (cfg->nr_ifaces == 0) {
		snprintf(err, errlen,
			 "%s: no interfaces: add 'interfaces = IFNAME ...' to [daemon]",
			 path);
		return -EINVAL;
	}
	for (int i = 0; i < cfg->nr_lists; i++) {
		if (!cfg->lists[i].path[0]) {
			snprintf(err, errlen,
				 "%s: [list:%s] has no 'path = /file/of/prefixes'",
				 path, cfg->lists[i].name);
			return -EINVAL;
		}
	}
	return 0;
}
