// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The configuration file: a full config, defaults, metrics_listen, and
 * every error message; and the control server without a daemon (its
 * framing), as "control/control_server_framing".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "config/config.h"
#include "control/control.h"
#include "testfiles.h"
#include "testlib.h"
#include "common.h"
#include "suites.h"

static struct daemon_config *cfg_buf;

static int load_config_text(const char *name, const char *text,
			    const char **path, char *err, size_t errlen)
{
	*path = tmp_write_str(name, text);
	return config_load(*path, cfg_buf, err, errlen);
}

static void config_full(void)
{
	static const char text[] =
		"# xdpblock test configuration\n"
		"; a semicolon comment\n"
		"[daemon]\n"
		"interfaces = eth0, eth1 ens3\n"
		"xdp_mode = native\n"
		"control_socket = /run/xdpb-test/ctl.sock\n"
		"max_rules_ipv4 = 5000\n"
		"max_rules_ipv6 = 300\n"
		"log_level = debug\n"
		"state_dir = /var/lib/xdpb-test\n"
		"max_list_bytes = 64M\n"
		"\n"
		"[list:firehol]\n"
		"path = /etc/xdpblock/lists/firehol_level1.netset\n"
		"action = drop\n"
		"match = src\n"
		"on_error = reject\n"
		"format = netset\n"
		"public_key = " TEST_KEY "\n"
		"signature_file = /etc/xdpblock/lists/firehol.sig\n"
		"\n"
		"[list:office-allow]\n"
		"path = /etc/xdpblock/allow.txt\n"
		"action = allow\n"
		"match = both\n"
		"on_error = skip-line\n"
		"max_bad_lines = 5\n"
		"signature = none\n"
		"\n"
		"[list:Watch_1.v2]\n"
		"action = monitor\n"
		"path = /srv/lists/watch.txt\n"
		"match = dst\n"
		"format = spamhaus-json\n"
		"signature = minisign\n"
		"public_key = " OTHER_KEY ", " TEST_KEY "\n"
		"public_key = " TEST_KEY "\n"
		"require_timestamp = no\n"
		"signature_file_check = no\n";
	struct daemon_config *c = cfg_buf;
	const char *path;
	char err[1024];
	int rc = load_config_text("full.conf", text, &path, err, sizeof(err));

	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(err[0] == '\0', "error set on success: %s", err);
	CHECK(c->nr_ifaces == 3 && !strcmp(c->ifaces[0], "eth0") &&
		      !strcmp(c->ifaces[1], "eth1") &&
		      !strcmp(c->ifaces[2], "ens3"),
	      "interfaces: %d '%s' '%s' '%s'", c->nr_ifaces, c->ifaces[0],
	      c->ifaces[1], c->ifaces[2]);
	CHECK(c->xdp_mode == XDP_MODE_NATIVE, "xdp_mode %d", c->xdp_mode);
	CHECK(!strcmp(c->control_socket, "/run/xdpb-test/ctl.sock"),
	      "control_socket '%s'", c->control_socket);
	CHECK(c->max_rules_v4 == 5000 && c->max_rules_v6 == 300,
	      "max rules %u %u", c->max_rules_v4, c->max_rules_v6);
	CHECK(c->log_level == LOG_LEVEL_DEBUG, "log_level %d", c->log_level);
	CHECK(c->nr_lists == 3, "%d lists", c->nr_lists);
	if (c->nr_lists != 3)
		return;
	CHECK(!strcmp(c->lists[0].name, "firehol") &&
		      !strcmp(c->lists[0].path,
			      "/etc/xdpblock/lists/firehol_level1.netset") &&
		      c->lists[0].action == XDPB_ACT_DROP &&
		      c->lists[0].match == XDPB_MATCH_SRC &&
		      c->lists[0].on_error == LIST_ON_ERROR_REJECT,
	      "list 0: %s %s %s %s %d", c->lists[0].name, c->lists[0].path,
	      action_name(c->lists[0].action), match_name(c->lists[0].match),
	      c->lists[0].on_error);
	CHECK(!strcmp(c->lists[1].name, "office-allow") &&
		      !strcmp(c->lists[1].path, "/etc/xdpblock/allow.txt") &&
		      c->lists[1].action == XDPB_ACT_ALLOW &&
		      c->lists[1].match == XDPB_MATCH_BOTH &&
		      c->lists[1].on_error == LIST_ON_ERROR_SKIP_LINE,
	      "list 1: %s %s %s %s %d", c->lists[1].name, c->lists[1].path,
	      action_name(c->lists[1].action), match_name(c->lists[1].match),
	      c->lists[1].on_error);
	CHECK(!strcmp(c->lists[2].name, "Watch_1.v2") &&
		      !strcmp(c->lists[2].path, "/srv/lists/watch.txt") &&
		      c->lists[2].action == XDPB_ACT_MONITOR &&
		      c->lists[2].match == XDPB_MATCH_DST &&
		      c->lists[2].on_error == LIST_ON_ERROR_REJECT,
	      "list 2: %s %s %s %s %d", c->lists[2].name, c->lists[2].path,
	      action_name(c->lists[2].action), match_name(c->lists[2].match),
	      c->lists[2].on_error);
	CHECK(!strcmp(c->state_dir, "/var/lib/xdpb-test") &&
		      c->max_list_bytes == 64ull << 20,
	      "state_dir '%s', max_list_bytes %llu", c->state_dir,
	      (unsigned long long)c->max_list_bytes);
	/* signed with one key; the signature file named */
	CHECK(c->lists[0].format == LIST_FORMAT_NETSET &&
		      c->lists[0].signature == LIST_SIGNATURE_MINISIGN &&
		      c->lists[0].nr_keys == 1 &&
		      !strcmp(c->lists[0].signature_file,
			      "/etc/xdpblock/lists/firehol.sig") &&
		      c->lists[0].require_timestamp == 1 &&
		      c->lists[0].max_bad_lines == LIST_DEFAULT_MAX_BAD_LINES,
	      "list 0: format %s, signature %s, %d keys, '%s', %d, %u",
	      list_format_name(c->lists[0].format),
	      signature_name(c->lists[0].signature), c->lists[0].nr_keys,
	      c->lists[0].signature_file, c->lists[0].require_timestamp,
	      c->lists[0].max_bad_lines);
	CHECK(c->lists[1].format == LIST_FORMAT_AUTO &&
		      c->lists[1].signature == LIST_SIGNATURE_NONE &&
		      c->lists[1].nr_keys == 0 &&
		      c->lists[1].max_bad_lines == 5,
	      "list 1: format %s, signature %s, %d keys, max_bad_lines %u",
	      list_format_name(c->lists[1].format),
	      signature_name(c->lists[1].signature), c->lists[1].nr_keys,
	      c->lists[1].max_bad_lines);
	/* two keys on one line, the same key again counted once */
	CHECK(c->lists[2].format == LIST_FORMAT_SPAMHAUS_JSON &&
		      c->lists[2].nr_keys == 2 &&
		      c->lists[2].require_timestamp == 0 &&
		      c->lists[2].ignore_signed_file == 1,
	      "list 2: format %s, %d keys, require_timestamp %d, ignore_signed_file %d",
	      list_format_name(c->lists[2].format), c->lists[2].nr_keys,
	      c->lists[2].require_timestamp, c->lists[2].ignore_signed_file);
	if (c->lists[2].nr_keys == 2) {
		char id0[MINISIGN_KEY_ID_STRLEN], id1[MINISIGN_KEY_ID_STRLEN];

		minisign_key_id_str(c->lists[2].keys[0].id, id0);
		minisign_key_id_str(c->lists[2].keys[1].id, id1);
		CHECK(!strcmp(id0, OTHER_KEY_ID) && !strcmp(id1, TEST_KEY_ID),
		      "key ids %s %s", id0, id1);
	}
}

/* action = sinkhole: its addresses, and the errors that name the fix */
static void config_sinkhole(void)
{
	struct daemon_config *c = cfg_buf;
	const char *path;
	char err[1024];
	int rc = load_config_text(
		"sink.conf",
		"[daemon]\ninterfaces = eth0\n[list:s]\npath = /s.txt\n"
		"type = domain\naction = sinkhole\nsinkhole_ipv4 = 192.0.2.53\n"
		"sinkhole_ipv6 = 2001:db8::53\nsignature = none\n",
		&path, err, sizeof(err));

	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(c->lists[0].action == XDPB_ACT_SINKHOLE &&
		      c->lists[0].sinkhole.has_v4 &&
		      c->lists[0].sinkhole.has_v6 &&
		      c->lists[0].sinkhole.v4 == htonl(0xc0000235) &&
		      c->lists[0].sinkhole.v6[15] == 0x53,
	      "sinkhole list read back");
	rc = load_config_text(
		"sink.conf",
		"[daemon]\ninterfaces = eth0\n[list:s]\n"
		"path = /s.txt\naction = sinkhole\nsignature = none\n",
		&path, err, sizeof(err));
	CHECK(rc < 0 &&
		      strstr(err,
			     "sink.conf:3: [list:s] has action = sinkhole: give the notice address as sinkhole_ipv4"),
	      "sinkhole without an address: %s", err);
	rc = load_config_text(
		"sink.conf",
		"[daemon]\ninterfaces = eth0\n[list:s]\n"
		"path = /s.txt\nsinkhole_ipv4 = 2001:db8::1\nsignature = none\n",
		&path, err, sizeof(err));
	CHECK(rc < 0 &&
		      strstr(err,
			     "sink.conf:5: sinkhole_ipv4 = '2001:db8::1': give an IPv4 address"),
	      "sinkhole_ipv4 with an IPv6 address: %s", err);
	rc = load_config_text("sink.conf",
			      "[daemon]\ninterfaces = eth0\n[list:s]\n"
			      "path = /s.txt\ntype = ip\naction = sinkhole\n"
			      "sinkhole_ipv4 = 192.0.2.1\n",
			      &path, err, sizeof(err));
	CHECK(rc < 0 &&
		      strstr(err,
			     "is an IP list: action = sinkhole needs type = domain"),
	      "sinkhole on an IP list: %s", err);
}

/*
 * protocols and dns_action: every list in every view by default; the
 * words, alone and together; what each view of a list then does.
 */
static void config_protocols(void)
{
	static const struct {
		const char *keys;
		uint8_t views;
		uint8_t action, dns, web; /* a rule of the list's action */
	} rows[] = {
		{"action = nxdomain\n", XDPB_VIEWS_ALL, XDPB_ACT_NXDOMAIN,
		 XDPB_ACT_NXDOMAIN, XDPB_ACT_RESET},
		{"action = refused\nprotocols = all\n", XDPB_VIEWS_ALL,
		 XDPB_ACT_REFUSED, XDPB_ACT_REFUSED, XDPB_ACT_RESET},
		{"action = reset\n", XDPB_VIEWS_ALL, XDPB_ACT_RESET,
		 XDPB_ACT_NXDOMAIN, XDPB_ACT_RESET},
		{"action = reset\ndns_action = refused\n", XDPB_VIEWS_ALL,
		 XDPB_ACT_RESET, XDPB_ACT_REFUSED, XDPB_ACT_RESET},
		{"action = reset\ndns_action = drop\nprotocols = dns\n",
		 XDPB_VIEW_DNS, XDPB_ACT_RESET, XDPB_ACT_DROP, XDPB_ACT_NONE},
		{"action = nxdomain\nprotocols = web\n", XDPB_VIEW_WEB,
		 XDPB_ACT_NXDOMAIN, XDPB_ACT_NONE, XDPB_ACT_RESET},
		{"action = drop\nprotocols = dns, web\n", XDPB_VIEWS_ALL,
		 XDPB_ACT_DROP, XDPB_ACT_DROP, XDPB_ACT_DROP},
		{"action = allow\nprotocols = web dns\n", XDPB_VIEWS_ALL,
		 XDPB_ACT_ALLOW, XDPB_ACT_ALLOW, XDPB_ACT_ALLOW},
		{"action = monitor\nprotocols = dns\n", XDPB_VIEW_DNS,
		 XDPB_ACT_MONITOR, XDPB_ACT_MONITOR, XDPB_ACT_NONE},
		/* a later line replaces an earlier one */
		{"protocols = dns\nprotocols = web\n", XDPB_VIEW_WEB,
		 XDPB_ACT_DROP, XDPB_ACT_NONE, XDPB_ACT_DROP},
	};
	char text[512], err[1024];
	const char *path;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct list_config *l = &cfg_buf->lists[0];
		int rc;

		snprintf(text, sizeof(text),
			 "[daemon]\ninterfaces = eth0\n[list:d]\n"
			 "path = /d.txt\ntype = domain\nsignature = none\n%s",
			 rows[i].keys);
		rc = load_config_text("protocols.conf", text, &path, err,
				      sizeof(err));
		CHECK(rc == 0, "row %zu: %s", i, err);
		if (rc)
			continue;
		CHECK(l->protocols == rows[i].views,
		      "row %zu: protocols %u, want %u", i, l->protocols,
		      rows[i].views);
		CHECK(l->action == rows[i].action &&
			      list_view_action(l, l->action, 0) ==
				      rows[i].dns &&
			      list_view_action(l, l->action, 1) == rows[i].web,
		      "row %zu: views %s / %s", i,
		      action_name(list_view_action(l, l->action, 0)),
		      action_name(list_view_action(l, l->action, 1)));
		/* an allow record of an adblock list: allowed in each view */
		CHECK(list_view_action(l, XDPB_ACT_ALLOW, 0) ==
				      (l->protocols & XDPB_VIEW_DNS
					       ? XDPB_ACT_ALLOW
					       : XDPB_ACT_NONE) &&
			      list_view_action(l, XDPB_ACT_ALLOW, 1) ==
				      (l->protocols & XDPB_VIEW_WEB
					       ? XDPB_ACT_ALLOW
					       : XDPB_ACT_NONE),
		      "row %zu: an allow record", i);
	}
	CHECK(!strcmp(protocols_name(XDPB_VIEWS_ALL), "dns, web") &&
		      !strcmp(protocols_name(XDPB_VIEW_DNS), "dns") &&
		      !strcmp(protocols_name(XDPB_VIEW_WEB), "web"),
	      "protocols_name");
}

/* http_ports and tls_ports: defaults, lists, none, and every bad form */
static void config_web_ports(void)
{
	struct daemon_config *c = cfg_buf;
	static const char *const bad[] = {
		"0", "65536", "80x", "-1", "", "1 2 3 4 5 6 7 8 9", "80 ,, x",
	};
	const char *path;
	char err[1024], text[256];
	int rc = load_config_text("ports.conf", "[daemon]\ninterfaces = eth0\n",
				  &path, err, sizeof(err));

	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(c->nr_http_ports == 1 && c->http_ports[0] == 80,
	      "default http_ports (%d)", c->nr_http_ports);
	CHECK(c->nr_tls_ports == 2 && c->tls_ports[0] == 443 &&
		      c->tls_ports[1] == 853,
	      "default tls_ports (%d)", c->nr_tls_ports);
	rc = load_config_text("ports.conf",
			      "[daemon]\ninterfaces = eth0\n"
			      "http_ports = 80, 8080 80\ntls_ports = none\n",
			      &path, err, sizeof(err));
	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(c->nr_http_ports == 2 && c->http_ports[0] == 80 &&
		      c->http_ports[1] == 8080,
	      "http_ports 80 8080 (%d)", c->nr_http_ports);
	CHECK(c->nr_tls_ports == 0, "tls_ports none (%d)", c->nr_tls_ports);
	CHECK(c->flow_cache_entries == XDPB_DEFAULT_FLOW_CACHE_ENTRIES,
	      "default flow_cache_entries %u", c->flow_cache_entries);
	rc = load_config_text("ports.conf",
			      "[daemon]\ninterfaces = eth0\n"
			      "flow_cache_entries = 1000\n",
			      &path, err, sizeof(err));
	CHECK(rc < 0 && strstr(err, "from 1024 to"),
	      "flow_cache_entries = 1000 refused: %s", err);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "[daemon]\ninterfaces = eth0\ntls_ports = %s\n",
			 bad[i]);
		rc = load_config_text("ports.conf", text, &path, err,
				      sizeof(err));
		CHECK(rc < 0 && strstr(err, "ports.conf:3: tls_ports = '") &&
			      strstr(err, "up to 8 port numbers"),
		      "tls_ports = '%s' refused: %d %s", bad[i], rc, err);
	}
}

/* protect = prefixes add up over lines; allow_special per list. */
static void config_protect(void)
{
	struct daemon_config *c = cfg_buf;
	static const char *const bad[] = {"192.0.2.1/33", "192.0.2.1/24",
					  "example.org", "2001:db8::/129"};
	const char *path;
	char err[1024], text[300], buf[PREFIX_STRLEN];
	int rc = load_config_text("protect.conf",
				  "[daemon]\ninterfaces = eth0\n"
				  "protect = 192.0.2.1 198.51.100.0/24\n"
				  "protect = 2001:db8::/48, 192.0.2.1\n"
				  "[list:a]\npath = /tmp/a\nsignature = none\n"
				  "allow_special = yes\n"
				  "[list:b]\npath = /tmp/b\nsignature = none\n",
				  &path, err, sizeof(err));

	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(c->nr_protect == 3, "3 distinct prefixes, got %d", c->nr_protect);
	prefix_format(&c->protect[2], buf, sizeof(buf));
	CHECK(!strcmp(buf, "2001:db8::/48"), "third: %s", buf);
	CHECK(c->nr_lists == 2 && c->lists[0].allow_special &&
		      !c->lists[1].allow_special,
	      "allow_special yes on a only");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "[daemon]\ninterfaces = eth0\nprotect = %s\n", bad[i]);
		rc = load_config_text("protect.conf", text, &path, err,
				      sizeof(err));
		CHECK(rc < 0 && strstr(err, "protect.conf:3: protect = '") &&
			      strstr(err, "give addresses or prefixes"),
		      "protect = '%s' refused: %d %s", bad[i], rc, err);
	}
}

static void config_defaults(void)
{
	struct daemon_config *c = cfg_buf;
	const char *path;
	char err[1024];
	int rc = load_config_text("defaults.conf",
				  "[daemon]\ninterfaces = eth0\n"
				  "[list:a]\npath = /a.txt\n"
				  "public_key = " TEST_KEY "\n",
				  &path, err, sizeof(err));

	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(c->nr_ifaces == 1 && !strcmp(c->ifaces[0], "eth0"),
	      "interfaces %d", c->nr_ifaces);
	CHECK(c->xdp_mode == XDP_MODE_AUTO, "xdp_mode %s",
	      xdp_mode_name(c->xdp_mode));
	CHECK(!strcmp(c->control_socket, DEFAULT_CONTROL_SOCKET),
	      "control_socket '%s'", c->control_socket);
	CHECK(c->max_rules_v4 == XDPB_DEFAULT_MAX_RULES_V4 &&
		      c->max_rules_v6 == XDPB_DEFAULT_MAX_RULES_V6,
	      "max rules %u %u", c->max_rules_v4, c->max_rules_v6);
	CHECK(c->log_level == LOG_LEVEL_INFO, "log_level %d", c->log_level);
	CHECK(c->nr_lists == 1, "%d lists", c->nr_lists);
	CHECK(c->lists[0].action == XDPB_ACT_DROP, "default action %s",
	      action_name(c->lists[0].action));
	CHECK(c->lists[0].match == XDPB_MATCH_BOTH, "default match %s",
	      match_name(c->lists[0].match));
	CHECK(c->lists[0].on_error == LIST_ON_ERROR_REJECT,
	      "default on_error %d", c->lists[0].on_error);
	CHECK(c->lists[0].format == LIST_FORMAT_AUTO &&
		      c->lists[0].signature == LIST_SIGNATURE_MINISIGN &&
		      c->lists[0].require_timestamp == 1 &&
		      !c->lists[0].ignore_signed_file &&
		      c->lists[0].max_bad_lines == 1000 &&
		      !c->lists[0].signature_file[0],
	      "default format %s, signature %s, require_timestamp %d, max_bad_lines %u, signature_file '%s'",
	      list_format_name(c->lists[0].format),
	      signature_name(c->lists[0].signature),
	      c->lists[0].require_timestamp, c->lists[0].max_bad_lines,
	      c->lists[0].signature_file);
	CHECK(!strcmp(c->state_dir, "/var/lib/xdpblock") &&
		      c->max_list_bytes == 512ull << 20,
	      "default state_dir '%s', max_list_bytes %llu", c->state_dir,
	      (unsigned long long)c->max_list_bytes);

	/* No lists at all is a valid (empty) configuration. */
	rc = load_config_text(
		"nolists.conf",
		"[daemon]\ninterfaces = eth0\nxdp_mode = generic\n"
		"log_level = warning\n",
		&path, err, sizeof(err));
	CHECK(rc == 0 && c->nr_lists == 0 && c->xdp_mode == XDP_MODE_GENERIC &&
		      c->log_level == LOG_LEVEL_WARN,
	      "no lists: %d %s", rc, err);
	/* Values from an earlier load do not leak into the next one. */
	rc = load_config_text("again.conf", "[daemon]\ninterfaces = lo\n",
			      &path, err, sizeof(err));
	CHECK(rc == 0 && c->xdp_mode == XDP_MODE_AUTO &&
		      c->log_level == LOG_LEVEL_INFO && c->nr_ifaces == 1,
	      "reload: %d %s", rc, err);
}

/*
 * Error messages as man xdpblock.conf.5 (DIAGNOSTICS) documents them:
 * "file:line: message", where an error about a section is reported at the
 * line of its header, and "file: message" without a line only when the
 * file has no [daemon] section at all.
 *
 * @line: the line the message must name ("path:LINE: "), or 0 for
 * "path: " and no line. @want: strings the message must contain: what is
 * wrong and what to write instead.
 */
static void expect_config_error(const char *name, const char *text, int line,
				const char *const *want)
{
	char err[1024], prefix[PATH_MAX + 32];
	const char *path;
	int rc;

	memset(err, 'X', sizeof(err));
	rc = load_config_text(name, text, &path, err, sizeof(err));
	CHECK(rc == -EINVAL, "config_load returned %d, want -EINVAL ('%s')", rc,
	      rc ? err : "");
	if (line)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	CHECK(!strncmp(err, prefix, strlen(prefix)),
	      "message '%s' does not start with '%s'", rc ? err : "", prefix);
	for (; *want; want++)
		CHECK(strstr(err, *want), "message '%s' lacks '%s'",
		      rc ? err : "", *want);
}

#define CONFIG_ERROR_TEST(fn, text, line, ...)                         \
	static void fn(void)                                           \
	{                                                              \
		static const char *const want[] = {__VA_ARGS__, NULL}; \
		expect_config_error(#fn ".conf", text, line, want);    \
	}

#define HEAD "[daemon]\ninterfaces = eth0\n" /* lines 1-2 */

static void config_control_group(void)
{
	const char *path;
	char err[1024];
	int rc;

	rc = load_config_text("group.conf", HEAD "control_group = root\n",
			      &path, err, sizeof(err));
	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(!strcmp(cfg_buf->control_group, "root") &&
		      cfg_buf->control_gid == 0,
	      "control_group '%s' gid %d", cfg_buf->control_group,
	      (int)cfg_buf->control_gid);
	rc = load_config_text("nogroup.conf", HEAD, &path, err, sizeof(err));
	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(!cfg_buf->control_group[0] && cfg_buf->control_gid == (gid_t)-1,
	      "unset control_group: '%s' gid %d", cfg_buf->control_group,
	      (int)cfg_buf->control_gid);
	/* defaults of the issue-12 keys: root only, no /top */
	CHECK(!cfg_buf->admin_group[0] && cfg_buf->admin_gid == (gid_t)-1 &&
		      !cfg_buf->metrics_top,
	      "defaults: admin_group '%s' gid %d metrics_top %d",
	      cfg_buf->admin_group, (int)cfg_buf->admin_gid,
	      cfg_buf->metrics_top);
	rc = load_config_text("admin.conf",
			      HEAD "admin_group = root\nmetrics_top = yes\n",
			      &path, err, sizeof(err));
	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(!strcmp(cfg_buf->admin_group, "root") &&
		      cfg_buf->admin_gid == 0 && cfg_buf->metrics_top == 1,
	      "admin_group '%s' gid %d metrics_top %d", cfg_buf->admin_group,
	      (int)cfg_buf->admin_gid, cfg_buf->metrics_top);
	rc = load_config_text("adminnone.conf",
			      HEAD "admin_group = root\nadmin_group = none\n",
			      &path, err, sizeof(err));
	CHECK(rc == 0 && !cfg_buf->admin_group[0] &&
		      cfg_buf->admin_gid == (gid_t)-1,
	      "admin_group = none: rc %d '%s' gid %d", rc, cfg_buf->admin_group,
	      (int)cfg_buf->admin_gid);
}

/*
 * The control server without a daemon: an echoing handler, clients on a
 * socket in the test directory, the server run by hand as the main loop
 * would run it.
 */
static struct json_object *echo_handler(void *arg,
					const struct control_peer *peer,
					struct json_object *req)
{
	struct json_object *o = json_object_new_object();

	(*(int *)arg)++;
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "uid", json_object_new_int64(peer->uid));
	json_object_object_add(o, "echo", json_object_get(req));
	return o;
}

/* Run @s for about @ms; then read what @fd has, up to a line or EOF. */
static ssize_t spin_and_read(struct control_server *s, int ms, int fd,
			     char *buf, size_t size)
{
	size_t len = 0;

	for (int i = 0; i < ms / 10 && len < size - 1; i++) {
		struct pollfd p[CONTROL_MAX_CLIENTS + 1];
		int n = control_server_pollfds(s, p);
		ssize_t r;

		poll(p, n, 10);
		control_server_run(s, p, n);
		r = read(fd, buf + len, size - 1 - len);
		if (r == 0)
			break;
		if (r > 0)
			len += r;
		buf[len] = '\0';
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = '\0';
	return len;
}

static int client_nb(const char *path)
{
	int fd = control_connect(path);

	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void control_server_framing(void)
{
	char path[200], buf[8192], big[5000], err[300];
	struct control_server *s;
	int calls = 0, lfd, silent, c;
	ssize_t n;

	snprintf(path, sizeof(path), "%s", tmp_write("ctl.placeholder", "", 0));
	strcpy(strrchr(path, '/') + 1, "ctl.sock");
	lfd = control_listen(path, (gid_t)-1, err, sizeof(err));
	CHECK(lfd >= 0, "control_listen: %s", err);
	if (lfd < 0)
		return;
	s = control_server_new(lfd, echo_handler, &calls);
	CHECK(s, "control_server_new");
	if (!s)
		goto out;

	/* a silent client first: the others must not wait for it */
	silent = client_nb(path);
	c = client_nb(path);
	CHECK(write(c, "{\"version\": 1,", 14) == 14, "write");
	n = spin_and_read(s, 50, c, buf, sizeof(buf));
	CHECK(n <= 0 && calls == 0, "half a request answered: '%s'", buf);
	CHECK(write(c, " \"command\": \"x\"}\n", 17) == 17, "write");
	n = spin_and_read(s, 200, c, buf, sizeof(buf));
	CHECK(calls == 1 && strstr(buf, "\"command\":\"x\"") &&
		      strstr(buf, "\"ok\":true"),
	      "request in two pieces: %d calls, '%s'", calls, buf);
	close(c);

	c = client_nb(path);
	memset(big, 'a', sizeof(big));
	CHECK(write(c, big, sizeof(big)) > 0, "write");
	n = spin_and_read(s, 200, c, buf, sizeof(buf));
	CHECK(strstr(buf, "request longer than 4096 bytes"),
	      "oversized request: '%s'", buf);
	close(c);

	c = client_nb(path);
	CHECK(write(c, "hello\n", 6) == 6, "write");
	n = spin_and_read(s, 200, c, buf, sizeof(buf));
	CHECK(strstr(buf, "not a JSON object") && calls == 1, "not JSON: '%s'",
	      buf);
	close(c);

	/* the silent client is dropped once CONTROL_TIMEOUT_MS passes */
	n = spin_and_read(s, CONTROL_TIMEOUT_MS + 500, silent, buf,
			  sizeof(buf));
	CHECK(n == 0 && read(silent, buf, 1) == 0,
	      "silent client still open after %d ms", CONTROL_TIMEOUT_MS);
	close(silent);
out:
	control_server_free(s);
	close(lfd);
	unlink(path);
}

CONFIG_ERROR_TEST(config_err_unknown_key, HEAD "# comment\ncolour = blue\n", 4,
		  "unknown key 'colour' in [daemon]")
CONFIG_ERROR_TEST(config_err_unknown_list_key,
		  HEAD "[list:a]\npath = /a\nactoin = drop\n", 5,
		  "unknown key 'actoin' in [list:a]")
/* section errors: at the line of the section's header */
CONFIG_ERROR_TEST(config_err_unknown_section,
		  HEAD "\n[deamon]\n; comment\nxdp_mode = auto\n", 4,
		  "unknown section [deamon]", "use [daemon] or [list:NAME]")
CONFIG_ERROR_TEST(config_err_bad_action,
		  HEAD "[list:a]\npath = /a\naction = block\n", 5,
		  "action = 'block'", "use drop, allow or monitor")
CONFIG_ERROR_TEST(
	config_err_inline_hash,
	HEAD "[list:a]\npath = /a ; a comment\naction = drop # no comment\n", 5,
	"action = 'drop # no comment'", "use drop, allow or monitor")
CONFIG_ERROR_TEST(config_err_bad_match,
		  HEAD "[list:a]\nmatch = source\npath = /a\n", 4,
		  "match = 'source'", "use src, dst or both")
CONFIG_ERROR_TEST(config_err_bad_on_error,
		  HEAD "[list:a]\npath = /a\non_error = ignore\n", 5,
		  "on_error = 'ignore'", "use reject or skip-line")
CONFIG_ERROR_TEST(config_err_bad_xdp_mode,
		  "[daemon]\nxdp_mode = fast\ninterfaces = eth0\n", 2,
		  "xdp_mode = 'fast'", "use auto, native or generic")
CONFIG_ERROR_TEST(config_err_bad_log_level, HEAD "log_level = verbose\n", 3,
		  "log_level = 'verbose'", "use error, warning, info or debug")
CONFIG_ERROR_TEST(config_err_bad_max_rules, HEAD "max_rules_ipv4 = 10k\n", 3,
		  "max_rules_ipv4 = '10k'", "give a number from 1 to 67108864")
CONFIG_ERROR_TEST(config_err_max_rules_zero, HEAD "max_rules_ipv6 = 0\n", 3,
		  "max_rules_ipv6 = '0'", "give a number from 1 to 67108864")
CONFIG_ERROR_TEST(config_err_max_rules_too_big,
		  HEAD "max_rules_ipv6 = 67108865\n", 3,
		  "max_rules_ipv6 = '67108865'",
		  "give a number from 1 to 67108864")
CONFIG_ERROR_TEST(
	config_err_long_interface,
	"[daemon]\ninterfaces = eth0 abcdefghijklmnop\n", 2,
	"interface name 'abcdefghijklmnop' is longer than 15 characters")
CONFIG_ERROR_TEST(config_err_relative_socket,
		  HEAD "control_socket = run/x.sock\n", 3,
		  "control_socket = 'run/x.sock'", "give an absolute path")
CONFIG_ERROR_TEST(config_err_unknown_group,
		  HEAD "control_group = no-such-group-xdpb\n", 3,
		  "control_group = 'no-such-group-xdpb': no such group",
		  "create it with 'groupadd', or fix the name")
CONFIG_ERROR_TEST(config_err_empty_group, HEAD "control_group =\n", 3,
		  "control_group = '': give the name of a group")
CONFIG_ERROR_TEST(config_err_unknown_admin_group,
		  HEAD "admin_group = no-such-group-xdpb\n", 3,
		  "admin_group = 'no-such-group-xdpb': no such group",
		  "create it with 'groupadd', or fix the name")
CONFIG_ERROR_TEST(config_err_metrics_top, HEAD "metrics_top = maybe\n", 3,
		  "metrics_top = 'maybe'", "use yes or no")
CONFIG_ERROR_TEST(config_err_duplicate_list,
		  HEAD "[list:a]\npath = /a\n[list:b]\npath = /b\n"
		       "[list:a]\npath = /c\n",
		  7, "list 'a' is defined twice")
CONFIG_ERROR_TEST(
	config_err_invalid_list_name, HEAD "\n[list:bad name!]\npath = /a\n", 4,
	"list name 'bad name!' must be 1-63 characters of A-Z a-z 0-9 . _ -")
CONFIG_ERROR_TEST(config_err_empty_list_name, HEAD "[list:]\npath = /a\n", 3,
		  "list name '' must be 1-63 characters")
CONFIG_ERROR_TEST(config_err_relative_path,
		  HEAD "[list:a]\naction = drop\npath = lists/a.txt\n", 5,
		  "path = 'lists/a.txt'", "give an absolute path")
CONFIG_ERROR_TEST(config_err_key_outside_section,
		  "interfaces = eth0\n[daemon]\nxdp_mode = auto\n", 1,
		  "'interfaces' outside any section", "put it under [daemon]")
CONFIG_ERROR_TEST(config_err_syntax, HEAD "[list:a]\npath /a\n", 4,
		  "syntax error", "key = value")
/* reading stops at the first error: later errors do not move the line */
CONFIG_ERROR_TEST(config_err_first_error_wins,
		  HEAD
		  "colour = blue\n[list:a]\naction = block\n[nope]\nx = 1\n",
		  3, "unknown key 'colour'")
/* whole-section errors: at the header's line; no [daemon]: no line */
CONFIG_ERROR_TEST(config_err_missing_interfaces,
		  "# no interfaces\n[daemon]\nxdp_mode = auto\n"
		  "[list:a]\npath = /a\n",
		  2,
		  "[daemon] has no interfaces: add 'interfaces = IFNAME ...'")
CONFIG_ERROR_TEST(config_err_missing_interfaces_no_daemon,
		  "[list:a]\npath = /a\n", 0,
		  "no [daemon] section: add one with 'interfaces = IFNAME ...'")
CONFIG_ERROR_TEST(config_err_list_without_path,
		  HEAD "[list:a]\npath = /a\n[list:b]\naction = allow\n"
		       "match = src\n",
		  5, "[list:b] has no 'path = /file/of/prefixes'")
/* Headers are seen even without keys between or after them. */
CONFIG_ERROR_TEST(config_err_duplicate_list_adjacent,
		  HEAD "[list:a]\npath = /a\n[list:a]\npath = /c\n", 5,
		  "list 'a' is defined twice")
CONFIG_ERROR_TEST(config_err_duplicate_list_keyless_between,
		  HEAD "[list:a]\npath = /a\n[daemon]\n[list:a]\npath = /c\n",
		  6, "list 'a' is defined twice")
CONFIG_ERROR_TEST(config_err_list_without_keys,
		  HEAD "[list:a]\npath = /a\n\n[list:empty]\n", 6,
		  "[list:empty] has no 'path = /file/of/prefixes'")
CONFIG_ERROR_TEST(config_err_bad_metrics_listen,
		  HEAD "metrics_listen = localhost:9469\n", 3,
		  "metrics_listen = 'localhost:9469'",
		  "give ADDRESS:PORT with a numeric address", "or off")
CONFIG_ERROR_TEST(config_err_metrics_listen_no_port,
		  HEAD "\nmetrics_listen = 127.0.0.1\n", 4,
		  "metrics_listen = '127.0.0.1'", "127.0.0.1:9469")

/* Signed lists (the default), formats, limits */
#define LIST_A HEAD "[list:a]\npath = /a\n" /* lines 3-4 */
CONFIG_ERROR_TEST(
	config_err_unsigned_list, LIST_A "action = drop\n", 3,
	"[list:a] must be signed",
	"add 'public_key = RW...' or 'public_key_file = /path/key.pub'",
	"set 'signature = none'")
/* an RPZ zone's records carry their actions; origin is the zone's */
CONFIG_ERROR_TEST(
	config_err_rpz_action,
	LIST_A "signature = none\nformat = rpz\naction = drop\n", 3,
	"[list:a] is an RPZ zone, whose records carry their own actions",
	"remove 'action ='")
/* protocols and dns_action: domain lists only, and only where they act */
#define DOMAIN_A LIST_A "signature = none\ntype = domain\n" /* lines 3-6 */
CONFIG_ERROR_TEST(config_err_protocols_tls, DOMAIN_A "protocols = dns, tls\n",
		  7, "protocols = 'tls'",
		  "TLS SNI and HTTP Host are matched together",
		  "use protocols = web")
CONFIG_ERROR_TEST(config_err_protocols_bad, DOMAIN_A "protocols = smtp\n", 7,
		  "protocols = 'smtp': use dns, web or all")
CONFIG_ERROR_TEST(config_err_protocols_empty, DOMAIN_A "protocols = ,\n", 7,
		  "protocols = ',': use dns, web or all")
CONFIG_ERROR_TEST(
	config_err_bad_dns_action,
	DOMAIN_A "action = reset\ndns_action = reset\n", 8,
	"dns_action = 'reset': use nxdomain, refused, sinkhole or drop")
CONFIG_ERROR_TEST(
	config_err_dns_action_not_reset,
	DOMAIN_A "action = nxdomain\ndns_action = refused\n", 3,
	"[list:a] has dns_action, which only a list with action = reset takes",
	"action = nxdomain applies to DNS queries as it is",
	"remove dns_action, or set action = reset")
CONFIG_ERROR_TEST(config_err_dns_action_web_only,
		  DOMAIN_A
		  "action = reset\ndns_action = refused\nprotocols = web\n",
		  3, "[list:a] has dns_action and protocols = web",
		  "remove one of them")
CONFIG_ERROR_TEST(
	config_err_dns_action_sinkhole_no_address,
	DOMAIN_A "action = reset\ndns_action = sinkhole\n", 3,
	"[list:a] has dns_action = sinkhole: give the notice address as sinkhole_ipv4 = ADDRESS")
CONFIG_ERROR_TEST(config_err_dns_action_rpz,
		  LIST_A "signature = none\nformat = rpz\ndns_action = drop\n",
		  3, "[list:a] is an RPZ zone", "remove dns_action")
CONFIG_ERROR_TEST(
	config_err_protocols_ip_list,
	LIST_A "signature = none\ntype = ip\nprotocols = dns\n", 3,
	"[list:a] is an IP list: protocols applies to domain lists only",
	"set type = domain")
CONFIG_ERROR_TEST(
	config_err_dns_action_ip_list,
	LIST_A "signature = none\ntype = ip\ndns_action = drop\n", 3,
	"[list:a] is an IP list: dns_action applies to domain lists only")
CONFIG_ERROR_TEST(config_err_origin_not_rpz,
		  LIST_A "signature = none\norigin = rpz\n", 3,
		  "[list:a] has origin, which only an RPZ zone takes")
CONFIG_ERROR_TEST(config_err_bad_origin,
		  LIST_A "signature = none\nformat = rpz\norigin = a..b\n", 7,
		  "origin = 'a..b': give the RPZ zone's name", "empty label")
CONFIG_ERROR_TEST(config_err_none_with_key,
		  LIST_A "signature = none\npublic_key = " TEST_KEY "\n", 3,
		  "[list:a] has 'signature = none' but names a key")
CONFIG_ERROR_TEST(config_err_none_with_signature_file,
		  LIST_A "signature = none\nsignature_file = /a.sig\n", 3,
		  "names a key or signature_file")
CONFIG_ERROR_TEST(config_err_bad_public_key, LIST_A "public_key = RWnotakey\n",
		  5, "public_key = 'RWnotakey': not a minisign public key",
		  "minisign -G")
CONFIG_ERROR_TEST(config_err_second_key_bad,
		  LIST_A "public_key = " TEST_KEY " RWSCAGGu\n", 5,
		  "public_key = 'RWSCAGGu'")
/* the same key id with another key: the last base64 digit is key bits */
CONFIG_ERROR_TEST(config_err_key_id_clash,
		  LIST_A
		  "public_key = " TEST_KEY "\npublic_key = "
		  "RWSCAGGuFqqKwe+EKkHLco6mB1rMAs88WRcD3j8ZieWp660hpEyHBYzo\n",
		  6,
		  "another key of this list has the same key id " TEST_KEY_ID)
CONFIG_ERROR_TEST(config_err_public_key_file_missing,
		  LIST_A "public_key_file = /nonexistent/key.pub\n", 5,
		  "public_key_file = '/nonexistent/key.pub': cannot open")
CONFIG_ERROR_TEST(config_err_public_key_file_relative,
		  LIST_A "public_key_file = key.pub\n", 5,
		  "public_key_file = 'key.pub': give an absolute path")
CONFIG_ERROR_TEST(config_err_bad_signature, LIST_A "signature = gpg\n", 5,
		  "signature = 'gpg': use minisign or none")
CONFIG_ERROR_TEST(config_err_relative_signature_file,
		  LIST_A "signature_file = a.sig\n", 5,
		  "signature_file = 'a.sig': give an absolute path")
CONFIG_ERROR_TEST(
	config_err_bad_format, LIST_A "format = zone\n", 5,
	"format = 'zone': use auto, plain, netset, spamhaus, spamhaus-json, ipset, domains, hosts, adblock or rpz")
CONFIG_ERROR_TEST(config_err_bad_signature_file_check,
		  LIST_A "signature_file_check = maybe\n", 5,
		  "signature_file_check = 'maybe': use yes or no")
/* issue 12, finding 9: a quoted value reaches a terminal escaped */
CONFIG_ERROR_TEST(config_err_escapes_control_bytes,
		  LIST_A "require_timestamp = \x1b[2J\x9b"
			 "1m\n",
		  5, "require_timestamp = '\\x1b[2J\\x9b1m': use yes or no")
CONFIG_ERROR_TEST(config_err_bad_require_timestamp,
		  LIST_A "require_timestamp = maybe\n", 5,
		  "require_timestamp = 'maybe': use yes or no")
CONFIG_ERROR_TEST(config_err_bad_max_bad_lines, LIST_A "max_bad_lines = -1\n",
		  5, "max_bad_lines = '-1': give a number from 0 to 4294967295")
CONFIG_ERROR_TEST(config_err_max_list_bytes_small, HEAD "max_list_bytes = 3K\n",
		  3, "max_list_bytes = '3K': give a size from 4096 to 64G")
CONFIG_ERROR_TEST(config_err_max_list_bytes_big, HEAD "max_list_bytes = 65G\n",
		  3, "max_list_bytes = '65G'")
CONFIG_ERROR_TEST(config_err_max_list_bytes_suffix,
		  HEAD "max_list_bytes = 10MB\n", 3, "max_list_bytes = '10MB'")
CONFIG_ERROR_TEST(config_err_relative_state_dir,
		  HEAD "state_dir = var/lib/xdpblock\n", 3,
		  "state_dir = 'var/lib/xdpblock': give an absolute path")

/* Keys from files, several keys, at most 8; sizes with suffixes. */
static void config_keys_and_sizes(void)
{
	struct daemon_config *c = cfg_buf;
	char text[PATH_MAX + 1024], key[64], pub_path[PATH_MAX], err[1024];
	const char *path;
	int rc, n;

	if (!realpath(data_path("minisign/other.pub"), pub_path)) {
		CHECK(0, "tests/data/minisign/other.pub: %s", strerror(errno));
		return;
	}
	n = snprintf(text, sizeof(text),
		     HEAD "max_list_bytes = 4096\n[list:a]\npath = /a\n"
			  "public_key_file = %s\npublic_key = " TEST_KEY "\n",
		     pub_path);
	rc = load_config_text("keys.conf", text, &path, err, sizeof(err));
	CHECK(rc == 0 && c->nr_lists == 1 && c->lists[0].nr_keys == 2 &&
		      c->max_list_bytes == 4096,
	      "key file + key: %d, %d keys, %llu bytes '%s'", rc,
	      c->nr_lists ? c->lists[0].nr_keys : 0,
	      (unsigned long long)c->max_list_bytes, err);
	if (rc == 0 && c->lists[0].nr_keys == 2) {
		char id[MINISIGN_KEY_ID_STRLEN];

		minisign_key_id_str(c->lists[0].keys[0].id, id);
		CHECK(!strcmp(id, OTHER_KEY_ID), "key from the file: %s", id);
	}
	for (int s = 0; s < 3; s++) {
		static const char *const sizes[] = {"16k", "2M", "64G"};
		static const uint64_t want[] = {16 << 10, 2 << 20, 64ull << 30};

		snprintf(text, sizeof(text),
			 HEAD "max_list_bytes = %s\n[list:a]\npath = /a\n"
			      "signature = none\n",
			 sizes[s]);
		rc = load_config_text("size.conf", text, &path, err,
				      sizeof(err));
		CHECK(rc == 0 && c->max_list_bytes == want[s],
		      "%s: %d %llu '%s'", sizes[s], rc,
		      (unsigned long long)c->max_list_bytes, err);
	}
	/* a .pub file with something else in it */
	snprintf(text, sizeof(text),
		 HEAD "[list:a]\npath = /a\npublic_key_file = %s\n",
		 tmp_write_str("bad.pub", "untrusted comment: x\nnot a key\n"));
	rc = load_config_text("badpub.conf", text, &path, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, ":5: public_key_file = '") &&
		      strstr(err, "not a minisign public key"),
	      "bad .pub: %d '%s'", rc, err);

	/* 8 keys (distinct ids: base64 digits 3-12 are key id bits) */
	n = snprintf(text, sizeof(text), HEAD "[list:a]\npath = /a\n");
	for (int k = 0; k < 9; k++) {
		snprintf(key, sizeof(key), "%s", TEST_KEY);
		key[5] = 'A' + k;
		n += snprintf(text + n, sizeof(text) - n, "public_key = %s\n",
			      key);
		if (k == 7) {
			rc = load_config_text("8keys.conf", text, &path, err,
					      sizeof(err));
			CHECK(rc == 0 && c->lists[0].nr_keys == 8,
			      "8 keys: %d %d '%s'", rc, c->lists[0].nr_keys,
			      err);
		}
	}
	rc = load_config_text("9keys.conf", text, &path, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, ":13: more than 8 public keys"),
	      "9 keys: %d '%s'", rc, err);
}

/*
 * A line past libinih's 65534-byte limit is refused at its own line; its
 * tail must not be read as a line of its own (here: a hidden key in a
 * comment).
 */
static void config_err_line_too_long(void)
{
	size_t pad = 65533, len = strlen(HEAD) + 2 + pad + 32;
	char *text = malloc(len), err[1024];
	const char *path;
	char prefix[PATH_MAX + 32];
	int rc;

	CHECK(text, "out of memory");
	if (!text)
		return;
	snprintf(text, len, "%s; ", HEAD);
	memset(text + strlen(text), 'x', pad);
	snprintf(text + strlen(HEAD) + 2 + pad, 32, "interfaces = eth1\n");
	rc = load_config_text("toolong.conf", text, &path, err, sizeof(err));
	snprintf(prefix, sizeof(prefix), "%s:3: ", path);
	CHECK(rc == -EINVAL, "config_load returned %d for a 65 KB line", rc);
	CHECK(rc && !strncmp(err, prefix, strlen(prefix)) &&
		      strstr(err, "line longer than 65534 bytes"),
	      "message '%s'", rc ? err : "");
	free(text);
}

/* A syntax error stops the reading: a later bad key is not reported. */
static void config_err_syntax_then_bad_key(void)
{
	static const char *const want[] = {"syntax error", NULL};
	char err[1024];
	const char *path;

	expect_config_error("syntax2.conf",
			    HEAD "[list:a]\npath /a\naction = block\n", 4,
			    want);
	load_config_text("syntax3.conf",
			 HEAD "[list:a]\npath /a\naction = block\n", &path, err,
			 sizeof(err));
	CHECK(!strstr(err, "action"), "message '%s' mixes line 4 with line 5",
	      err);
}

static char *repeat_char(char c, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		exit(2);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/*
 * Lines longer than libinih's 200-byte default (up to 65534 characters,
 * man xdpblock.conf.5), a BOM, CRLF line ends and ; comments after a
 * value; line numbers stay right after a long line.
 */
static void config_crlf_bom_long_lines(void)
{
	char *longname = repeat_char('p', 3000),
	     *comment = repeat_char('c', 5000);
	char *text = malloc(16384), want_path[3100], want_err[PATH_MAX + 32];
	struct daemon_config *c = cfg_buf;
	const char *path;
	char err[1024];
	int rc;

	if (!text)
		exit(2);
	snprintf(want_path, sizeof(want_path), "/%s", longname);
	snprintf(text, 16384,
		 "\xef\xbb\xbf; %s\r\n" /* 1 */
		 "[daemon]\r\n" /* 2 */
		 "interfaces = eth0 ; uplink\r\n" /* 3 */
		 "[list:long]\r\n" /* 4 */
		 "path = %s\r\n" /* 5 */
		 "action = allow ; ok\r\n" /* 6 */
		 "signature = none\r\n", /* 7 */
		 comment, want_path);
	rc = load_config_text("long.conf", text, &path, err, sizeof(err));
	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(rc || (c->nr_ifaces == 1 && !strcmp(c->ifaces[0], "eth0")),
	      "interfaces: %d '%s'", c->nr_ifaces, c->ifaces[0]);
	CHECK(rc || (c->nr_lists == 1 && !strcmp(c->lists[0].path, want_path) &&
		     c->lists[0].action == XDPB_ACT_ALLOW),
	      "list: %d lists, path of %zu characters", c->nr_lists,
	      strlen(c->lists[0].path));

	/* an error after a long line names its own line */
	snprintf(text, 16384,
		 "[daemon]\r\n; %s\r\ninterfaces = eth0\r\ncolour = x\r\n",
		 comment);
	rc = load_config_text("long-err.conf", text, &path, err, sizeof(err));
	snprintf(want_err, sizeof(want_err), "%s:4: unknown key 'colour'",
		 path);
	CHECK(rc == -EINVAL && !strncmp(err, want_err, strlen(want_err)),
	      "%d '%s', want '%s...'", rc, err, want_err);
	free(longname);
	free(comment);
	free(text);
}

/* Several interfaces lines and continuation lines add up, once per name. */
static void config_interfaces_add_up(void)
{
	static const char *const want[] = {"eth0", "eth1", "eth2", "eth3",
					   "bond0"};
	struct daemon_config *c = cfg_buf;
	char text[2048], err[1024];
	const char *path;
	int rc, n;

	rc = load_config_text("ifaces.conf",
			      "[daemon]\n"
			      "interfaces = eth0, eth1\n"
			      "xdp_mode = generic\n"
			      "interfaces = eth1 eth2\n"
			      "  eth3,eth0\n"
			      "[list:a]\n"
			      "path = /a\n"
			      "signature = none\n"
			      "[daemon]\n"
			      "interfaces = bond0\n",
			      &path, err, sizeof(err));
	CHECK(rc == 0, "config_load: %d %s", rc, err);
	CHECK(c->nr_ifaces == (int)ARRAY_SIZE(want), "%d interfaces, want %zu",
	      c->nr_ifaces, ARRAY_SIZE(want));
	for (int i = 0; i < c->nr_ifaces && i < (int)ARRAY_SIZE(want); i++)
		CHECK(!strcmp(c->ifaces[i], want[i]),
		      "interface %d is '%s', want '%s'", i, c->ifaces[i],
		      want[i]);

	/* 64 distinct names are fine, the 65th is not */
	n = snprintf(text, sizeof(text), "[daemon]\ninterfaces =");
	for (int i = 0; i < 64; i++)
		n += snprintf(text + n, sizeof(text) - n, " if%d", i);
	n += snprintf(text + n, sizeof(text) - n, "\n");
	rc = load_config_text("64.conf", text, &path, err, sizeof(err));
	CHECK(rc == 0 && c->nr_ifaces == 64, "64 interfaces: %d %s", rc, err);
	snprintf(text + n, sizeof(text) - n, "interfaces = if0 extra\n");
	rc = load_config_text("65.conf", text, &path, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, ":3: more than 64 interfaces"),
	      "65 interfaces: %d '%s'", rc, err);
}

static void config_missing_file(void)
{
	char path[PATH_MAX + 32], err[1024];
	int rc;

	snprintf(path, sizeof(path), "%s/no-such.conf", tmp_dir);
	rc = config_load(path, cfg_buf, err, sizeof(err));
	CHECK(rc == -ENOENT, "missing config returned %d", rc);
	CHECK(strstr(err, path) && strstr(err, strerror(ENOENT)),
	      "missing config error '%s'", err);
}

/* The default is loopback; off and the other forms are read from [daemon]. */
static void config_metrics_listen(void)
{
	static const struct {
		const char *line, *formatted;
	} cases[] = {
		{"", "127.0.0.1:9469"}, /* no metrics_listen line */
		{"metrics_listen = [::1]:9470\n", "[::1]:9470"},
		{"metrics_listen = 0.0.0.0:9469\n", "0.0.0.0:9469"},
		{"metrics_listen = off\n", "off"},
		{"metrics_listen =\n", "off"},
		{"metrics_listen = off\nmetrics_listen = 127.0.0.1:1\n",
		 "127.0.0.1:1"}, /* the last value counts */
	};
	char text[256], err[1024], formatted[LISTEN_ADDR_STRLEN];
	const char *path;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int rc;

		snprintf(text, sizeof(text), "[daemon]\ninterfaces = eth0\n%s",
			 cases[i].line);
		rc = load_config_text("metrics.conf", text, &path, err,
				      sizeof(err));
		CHECK(rc == 0, "'%s': %s", cases[i].line, err);
		listen_addr_format(&cfg_buf->metrics_addr, formatted,
				   sizeof(formatted));
		CHECK(!strcmp(formatted, cases[i].formatted),
		      "'%s': got %s, want %s", cases[i].line, formatted,
		      cases[i].formatted);
	}
}

void suite_config(void)
{
	cfg_buf = calloc(1, sizeof(*cfg_buf));
	if (!cfg_buf) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	RUN_TEST("config", config_full);
	RUN_TEST("config", config_defaults);
	RUN_TEST("config", config_web_ports);
	RUN_TEST("config", config_protect);
	RUN_TEST("config", config_sinkhole);
	RUN_TEST("config", config_missing_file);
	RUN_TEST("config", config_err_unknown_key);
	RUN_TEST("config", config_err_unknown_list_key);
	RUN_TEST("config", config_err_unknown_section);
	RUN_TEST("config", config_err_bad_action);
	RUN_TEST("config", config_err_bad_match);
	RUN_TEST("config", config_err_bad_on_error);
	RUN_TEST("config", config_err_bad_xdp_mode);
	RUN_TEST("config", config_err_bad_log_level);
	RUN_TEST("config", config_err_bad_max_rules);
	RUN_TEST("config", config_err_max_rules_zero);
	RUN_TEST("config", config_err_max_rules_too_big);
	RUN_TEST("config", config_err_long_interface);
	RUN_TEST("config", config_err_relative_socket);
	RUN_TEST("config", config_control_group);
	RUN_TEST("control", control_server_framing);
	RUN_TEST("config", config_err_unknown_group);
	RUN_TEST("config", config_err_empty_group);
	RUN_TEST("config", config_err_unknown_admin_group);
	RUN_TEST("config", config_err_metrics_top);
	RUN_TEST("config", config_err_duplicate_list);
	RUN_TEST("config", config_err_invalid_list_name);
	RUN_TEST("config", config_err_empty_list_name);
	RUN_TEST("config", config_err_relative_path);
	RUN_TEST("config", config_err_rpz_action);
	RUN_TEST("config", config_err_origin_not_rpz);
	RUN_TEST("config", config_protocols);
	RUN_TEST("config", config_err_protocols_tls);
	RUN_TEST("config", config_err_protocols_bad);
	RUN_TEST("config", config_err_protocols_empty);
	RUN_TEST("config", config_err_bad_dns_action);
	RUN_TEST("config", config_err_dns_action_not_reset);
	RUN_TEST("config", config_err_dns_action_web_only);
	RUN_TEST("config", config_err_dns_action_sinkhole_no_address);
	RUN_TEST("config", config_err_dns_action_rpz);
	RUN_TEST("config", config_err_protocols_ip_list);
	RUN_TEST("config", config_err_dns_action_ip_list);
	RUN_TEST("config", config_err_bad_origin);
	RUN_TEST("config", config_err_key_outside_section);
	RUN_TEST("config", config_err_syntax);
	RUN_TEST("config", config_err_missing_interfaces);
	RUN_TEST("config", config_err_list_without_path);
	RUN_TEST("config", config_err_first_error_wins);
	RUN_TEST("config", config_err_syntax_then_bad_key);
	RUN_TEST("config", config_err_inline_hash);
	RUN_TEST("config", config_err_missing_interfaces_no_daemon);
	RUN_TEST("config", config_crlf_bom_long_lines);
	RUN_TEST("config", config_err_line_too_long);
	RUN_TEST("config", config_interfaces_add_up);
	RUN_TEST("config", config_err_duplicate_list_adjacent);
	RUN_TEST("config", config_err_duplicate_list_keyless_between);
	RUN_TEST("config", config_err_list_without_keys);
	RUN_TEST("config", config_err_bad_metrics_listen);
	RUN_TEST("config", config_err_metrics_listen_no_port);
	RUN_TEST("config", config_metrics_listen);
	RUN_TEST("config", config_err_unsigned_list);
	RUN_TEST("config", config_err_none_with_key);
	RUN_TEST("config", config_err_none_with_signature_file);
	RUN_TEST("config", config_err_bad_public_key);
	RUN_TEST("config", config_err_second_key_bad);
	RUN_TEST("config", config_err_key_id_clash);
	RUN_TEST("config", config_err_public_key_file_missing);
	RUN_TEST("config", config_err_public_key_file_relative);
	RUN_TEST("config", config_err_bad_signature);
	RUN_TEST("config", config_err_relative_signature_file);
	RUN_TEST("config", config_err_bad_format);
	RUN_TEST("config", config_err_bad_signature_file_check);
	RUN_TEST("config", config_err_escapes_control_bytes);
	RUN_TEST("config", config_err_bad_require_timestamp);
	RUN_TEST("config", config_err_bad_max_bad_lines);
	RUN_TEST("config", config_err_max_list_bytes_small);
	RUN_TEST("config", config_err_max_list_bytes_big);
	RUN_TEST("config", config_err_max_list_bytes_suffix);
	RUN_TEST("config", config_err_relative_state_dir);
	RUN_TEST("config", config_keys_and_sizes);
	free(cfg_buf);
	cfg_buf = NULL;
}
