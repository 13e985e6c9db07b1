// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "escape.h"
#include "inputfile.h"
#include "names.h"

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

const char *action_name(uint8_t action)
{
	switch (action) {
	case XDPB_ACT_MONITOR:
		return "monitor";
	case XDPB_ACT_DROP:
		return "drop";
	case XDPB_ACT_ALLOW:
		return "allow";
	case XDPB_ACT_NXDOMAIN:
		return "nxdomain";
	case XDPB_ACT_REFUSED:
		return "refused";
	case XDPB_ACT_RESET:
		return "reset";
	case XDPB_ACT_SINKHOLE:
		return "sinkhole";
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

const char *list_type_name(enum list_type type)
{
	switch (type) {
	case LIST_TYPE_IP:
		return "ip";
	case LIST_TYPE_DOMAIN:
		return "domain";
	default:
		return "auto";
	}
}

int action_is_domain_only(uint8_t action)
{
	return action == XDPB_ACT_NXDOMAIN || action == XDPB_ACT_REFUSED ||
	       action == XDPB_ACT_RESET || action == XDPB_ACT_SINKHOLE;
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
	};

	return stat < XDPB_STAT_MAX ? names[stat] : "?";
}

const char *signature_name(enum list_signature signature)
{
	return signature == LIST_SIGNATURE_NONE ? "none" : "minisign";
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
	switch (mode) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_GENERIC:
		return "generic";
	default:
		return "auto";
	}
}

/* Record the first error, on the current line; returns 0 for libinih. */
static int fail(struct parse_state *st, const char *fmt, const char *a,
		const char *b)
{
	if (!st->msg[0]) {
		snprintf(st->msg, sizeof(st->msg), fmt, a, b);
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

static int parse_yes_no(const char *value, int *out)
{
	if (!strcmp(value, "yes"))
		*out = 1;
	else if (!strcmp(value, "no"))
		*out = 0;
	else
		return -1;
	return 0;
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
		return fail(
			st,
			"%s: give the name of a group, under 64 characters%s",
			what, "");
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
			"%s: no such group%s (create it with 'groupadd', or fix the name)",
			what, "");
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
				ok = fail(
					st,
					"interface name '%s' is longer than %s characters",
					tok, "15");
			else if (iface_listed(cfg, tok))
				continue;
			else if (cfg->nr_ifaces == CONFIG_MAX_IFACES)
				ok = fail(st, "more than %s interfaces%s", "64",
					  "");
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
			return fail(
				st,
				"xdp_mode = '%s': use auto, native or generic%s",
				value, "");
	} else if (!strcmp(name, "control_socket")) {
		if (value[0] != '/' ||
		    strlen(value) >= sizeof(cfg->control_socket))
			return fail(
				st,
				"control_socket = '%s': give an absolute path under 108 characters%s",
				value, "");
		strcpy(cfg->control_socket, value);
	} else if (!strcmp(name, "pin_path")) {
		if (!strcmp(value, "none")) {
			cfg->pin_path[0] = '\0';
		} else if (value[0] != '/' ||
			   strlen(value) >= sizeof(cfg->pin_path) - 32) {
			return fail(
				st,
				"pin_path = '%s': give an absolute directory below /sys/fs/bpf, or none%s",
				value, "");
		} else {
			strcpy(cfg->pin_path, value);
		}
	} else if (!strcmp(name, "watch_lists")) {
		if (!strcmp(value, "yes"))
			cfg->watch_lists = 1;
		else if (!strcmp(value, "no"))
			cfg->watch_lists = 0;
		else
			return fail(st, "watch_lists = '%s': use yes or no%s",
				    value, "");
	} else if (!strcmp(name, "watch_delay_ms")) {
		if (parse_u32(value, 0, 600000, &cfg->watch_delay_ms))
			return fail(
				st,
				"watch_delay_ms = '%s': give milliseconds from 0 to %s",
				value, "600000");
	} else if (!strcmp(name, "control_group")) {
		return group_key(st, name, value, cfg->control_group,
				 sizeof(cfg->control_group), &cfg->control_gid);
	} else if (!strcmp(name, "admin_group")) {
		if (!strcmp(value, "none")) {
			cfg->admin_group[0] = '\0';
			cfg->admin_gid = (gid_t)-1;
			return 1;
		}
		return group_key(st, name, value, cfg->admin_group,
				 sizeof(cfg->admin_group), &cfg->admin_gid);
	} else if (!strcmp(name, "metrics_top")) {
		if (parse_yes_no(value, &cfg->metrics_top))
			return fail(st, "metrics_top = '%s': use yes or no%s",
				    value, "");
	} else if (!strcmp(name, "max_rules_ipv4")) {
		if (parse_u32(value, 1, 1u << 26, &cfg->max_rules_v4))
			return fail(
				st,
				"max_rules_ipv4 = '%s': give a number from 1 to %s",
				value, "67108864");
	} else if (!strcmp(name, "max_rules_ipv6")) {
		if (parse_u32(value, 1, 1u << 26, &cfg->max_rules_v6))
			return fail(
				st,
				"max_rules_ipv6 = '%s': give a number from 1 to %s",
				value, "67108864");
	} else if (!strcmp(name, "max_rules_domain")) {
		if (parse_u32(value, 1, 1u << 26, &cfg->max_rules_domain))
			return fail(
				st,
				"max_rules_domain = '%s': give a number from 1 to %s",
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
			return fail(
				st,
				"log_level = '%s': use error, warning, info or debug%s",
				value, "");
	} else if (!strcmp(name, "flow_cache_entries")) {
		if (parse_u32(value, 1024, 1u << 26, &cfg->flow_cache_entries))
			return fail(
				st,
				"flow_cache_entries = '%s': give a number from 1024 to %s",
				value, "67108864");
	} else if (!strcmp(name, "http_ports")) {
		if (parse_ports(value, cfg->http_ports, &cfg->nr_http_ports))
			return fail(
				st,
				"http_ports = '%s': give up to %s port numbers (1-65535) separated by spaces, or none",
				value, "8");
	} else if (!strcmp(name, "tls_ports")) {
		if (parse_ports(value, cfg->tls_ports, &cfg->nr_tls_ports))
			return fail(
				st,
				"tls_ports = '%s': give up to %s port numbers (1-65535) separated by spaces, or none",
				value, "8");
	} else if (!strcmp(name, "metrics_listen")) {
		if (listen_addr_parse(value, &cfg->metrics_addr))
			return fail(
				st,
				"metrics_listen = '%s': give ADDRESS:PORT with a numeric address (127.0.0.1:9469, [::1]:9469, 0.0.0.0:9469) or off%s",
				value, "");
	} else if (!strcmp(name, "state_dir")) {
		if (value[0] != '/' ||
		    strlen(value) >= sizeof(cfg->state_dir) - 64)
			return fail(st,
				    "state_dir = '%s': give an absolute path%s",
				    value, "");
		strcpy(cfg->state_dir, value);
	} else if (!strcmp(name, "max_list_bytes")) {
		if (parse_size(value, MIN_MAX_LIST_BYTES, MAX_MAX_LIST_BYTES,
			       &cfg->max_list_bytes))
			return fail(
				st,
				"max_list_bytes = '%s': give a size from 4096 to 64G (a number, optionally followed by K, M or G)%s",
				value, "");
	} else {
		return fail(
			st,
			"unknown key '%s' in [daemon]: use interfaces, xdp_mode, control_socket, control_group, admin_group, pin_path, watch_lists, watch_delay_ms, max_rules_ipv4, max_rules_ipv6, max_rules_domain, flow_cache_entries, http_ports, tls_ports, log_level, metrics_listen, metrics_top, state_dir or max_list_bytes%s",
			name, "");
	}
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
		return fail(st, "more than %s public keys for one list%s", "8",
			    "");
	l->keys[l->nr_keys++] = *key;
	return 1;
}

static int public_keys(struct parse_state *st, const char *value)
{
	char *buf = strdup(value), *save, *tok;
	int ok = 1;

	if (!buf)
		return fail(st, "out of memory%s%s", "", "");
	/* several keys may share a line; repeated lines add up */
	for (tok = strtok_r(buf, " \t,", &save); tok && ok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		struct minisign_key key;
		const char *why;

		if (minisign_key_parse(tok, &key, &why) < 0)
			ok = fail(st, "public_key = '%s': %s", tok, why);
		else
			ok = add_key(st, &key, tok);
	}
	free(buf);
	return ok;
}

static int public_key_file(struct parse_state *st, const char *value)
{
	struct minisign_key key;
	char text[4096], why_buf[200];
	const char *why;
	size_t len;
	FILE *f;
	int fd;

	if (value[0] != '/')
		return fail(st,
			    "public_key_file = '%s': give an absolute path%s",
			    value, "");
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

static int list_key(struct parse_state *st, const char *name, const char *value)
{
	struct list_config *l = st->list;

	if (!strcmp(name, "path")) {
		if (value[0] != '/' || strlen(value) >= sizeof(l->path))
			return fail(st, "path = '%s': give an absolute path%s",
				    value, "");
		strcpy(l->path, value);
	} else if (!strcmp(name, "action")) {
		l->action_set = 1;
		if (!strcmp(value, "drop"))
			l->action = XDPB_ACT_DROP;
		else if (!strcmp(value, "allow"))
			l->action = XDPB_ACT_ALLOW;
		else if (!strcmp(value, "monitor"))
			l->action = XDPB_ACT_MONITOR;
		else if (!strcmp(value, "nxdomain"))
			l->action = XDPB_ACT_NXDOMAIN;
		else if (!strcmp(value, "refused"))
			l->action = XDPB_ACT_REFUSED;
		else if (!strcmp(value, "reset"))
			l->action = XDPB_ACT_RESET;
		else if (!strcmp(value, "sinkhole"))
			l->action = XDPB_ACT_SINKHOLE;
		else
			return fail(
				st,
				"action = '%s': use drop, allow or monitor (domain lists also nxdomain, refused, sinkhole or reset)%s",
				value, "");
	} else if (!strcmp(name, "type")) {
		if (!strcmp(value, "auto"))
			l->type = LIST_TYPE_AUTO;
		else if (!strcmp(value, "ip"))
			l->type = LIST_TYPE_IP;
		else if (!strcmp(value, "domain"))
			l->type = LIST_TYPE_DOMAIN;
		else
			return fail(st, "type = '%s': use auto, ip or domain%s",
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
	} else if (!strcmp(name, "sinkhole_ipv4")) {
		if (inet_pton(AF_INET, value, &l->sinkhole.v4) != 1)
			return fail(
				st,
				"sinkhole_ipv4 = '%s': give an IPv4 address (the notice server's)%s",
				value, "");
		l->sinkhole.has_v4 = 1;
	} else if (!strcmp(name, "sinkhole_ipv6")) {
		if (inet_pton(AF_INET6, value, l->sinkhole.v6) != 1)
			return fail(
				st,
				"sinkhole_ipv6 = '%s': give an IPv6 address (the notice server's)%s",
				value, "");
		l->sinkhole.has_v6 = 1;
	} else if (!strcmp(name, "on_error")) {
		if (!strcmp(value, "reject"))
			l->on_error = LIST_ON_ERROR_REJECT;
		else if (!strcmp(value, "skip-line"))
			l->on_error = LIST_ON_ERROR_SKIP_LINE;
		else
			return fail(
				st,
				"on_error = '%s': use reject or skip-line%s",
				value, "");
	} else if (!strcmp(name, "url")) {
		if ((strncmp(value, "https://", 8) &&
		     strncmp(value, "http://", 7)) ||
		    strlen(value) >= sizeof(l->url))
			return fail(
				st,
				"url = '%s': give an https:// (or http://) URL of under 2048 characters%s",
				value, "");
		strcpy(l->url, value);
	} else if (!strcmp(name, "ca_file")) {
		if (value[0] != '/' || strlen(value) >= sizeof(l->ca_file))
			return fail(
				st,
				"ca_file = '%s': give the absolute path of a PEM file of CA certificates%s",
				value, "");
		strcpy(l->ca_file, value);
	} else if (!strcmp(name, "refresh")) {
		if (parse_u32(value, 1, 7 * 86400, &l->refresh_s))
			return fail(
				st,
				"refresh = '%s': give seconds between checks, from 1 to %s",
				value, "604800");
	} else if (!strcmp(name, "fetch_timeout")) {
		if (parse_u32(value, 1, 3600, &l->fetch_timeout_s))
			return fail(
				st,
				"fetch_timeout = '%s': give seconds from 1 to %s",
				value, "3600");
	} else if (!strcmp(name, "max_bad_lines")) {
		if (parse_u32(value, 0, UINT32_MAX, &l->max_bad_lines))
			return fail(
				st,
				"max_bad_lines = '%s': give a number from 0 to %s",
				value, "4294967295");
	} else if (!strcmp(name, "format")) {
		if (list_format_parse(value, &l->format))
			return fail(
				st,
				"format = '%s': use auto, plain, netset, spamhaus, spamhaus-json, ipset, domains, hosts, adblock or rpz%s",
				value, "");
	} else if (!strcmp(name, "origin")) {
		char text[NAME_TEXT_BUF];
		const char *why;

		if (name_normalize(value, strlen(value), text, &why) < 0)
			return fail(
				st,
				"origin = '%s': give the RPZ zone's name, as in the resolver's zone statement (%s)",
				value, why);
		strcpy(l->origin, text);
	} else if (!strcmp(name, "signature")) {
		if (!strcmp(value, "minisign"))
			l->signature = LIST_SIGNATURE_MINISIGN;
		else if (!strcmp(value, "none"))
			l->signature = LIST_SIGNATURE_NONE;
		else
			return fail(st,
				    "signature = '%s': use minisign or none%s",
				    value, "");
	} else if (!strcmp(name, "public_key")) {
		return public_keys(st, value);
	} else if (!strcmp(name, "public_key_file")) {
		return public_key_file(st, value);
	} else if (!strcmp(name, "signature_file")) {
		if (value[0] != '/' ||
		    strlen(value) >= sizeof(l->signature_file))
			return fail(
				st,
				"signature_file = '%s': give an absolute path%s",
				value, "");
		strcpy(l->signature_file, value);
	} else if (!strcmp(name, "require_timestamp")) {
		if (parse_yes_no(value, &l->require_timestamp))
			return fail(st,
				    "require_timestamp = '%s': use yes or no%s",
				    value, "");
	} else if (!strcmp(name, "signature_file_check")) {
		int check;

		if (parse_yes_no(value, &check))
			return fail(
				st,
				"signature_file_check = '%s': use yes or no%s",
				value, "");
		l->ignore_signed_file = !check;
	} else {
		return fail(
			st,
			"unknown key '%s' in [list:%s]: use path, type, action, match, on_error, max_bad_lines, format, origin, signature, public_key, public_key_file, signature_file, signature_file_check, require_timestamp, url, refresh, fetch_timeout, ca_file, sinkhole_ipv4 or sinkhole_ipv6",
			name, l->name);
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

	st->list = NULL;
	st->in_daemon = !strcmp(section, "daemon");
	if (st->in_daemon) {
		if (!st->daemon_line)
			st->daemon_line = st->line;
		return 1;
	}
	if (strncmp(section, "list:", 5))
		return fail(
			st,
			"unknown section [%s]: use [daemon] or [list:NAME]%s",
			section, "");
	name = section + 5;
	if (!valid_list_name(name))
		return fail(
			st,
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
		fail(st, "line longer than %s bytes%s", "65534", "");
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
		fail(st, "section header '%s' has no closing ]%s", "[", "");
		return NULL;
	}
	*end = '\0';
	if (!on_section(st, start + 1))
		return NULL;
	*end = ']';
	return buf;
}

static int config_key(void *user, const char *section, const char *name,
		      const char *value)
{
	struct parse_state *st = user;

	(void)section; /* libinih cuts it at 50 bytes; on_section saw it whole */
	if (st->in_daemon)
		return daemon_key(st, name, value);
	if (st->list)
		return list_key(st, name, value);
	return fail(st, "'%s' outside any section: put it under [daemon]%s",
		    name, "");
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
	line = ini_parse_stream(config_read_line, &st, config_key, &st);
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
		if (cfg->lists[i].action == XDPB_ACT_SINKHOLE &&
		    !cfg->lists[i].sinkhole.has_v4 &&
		    !cfg->lists[i].sinkhole.has_v6) {
			snprintf(
				err, errlen,
				"%s:%u: [list:%s] has action = sinkhole: give the notice address as sinkhole_ipv4 = ADDRESS and/or sinkhole_ipv6 = ADDRESS",
				path, cfg->lists[i].line, cfg->lists[i].name);
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
