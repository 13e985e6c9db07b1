// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpblockctl: the command line of xdpblockd (see xdpblockctl(8)). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "common/names.h"
#include "common/prefix.h"
#include "config/config.h"
#include "control/control.h"
#include "datapath/pinning.h"

/*
 * A command's line of the usage text: its form, then its help from the
 * 20th column (two spaces after a longer form), continued lines indented.
 */
static void usage_command(FILE *out, const char *name, const char *args,
			  const char *help)
{
	int len = fprintf(out, "  %s%s%s", name, args ? " " : "",
			  args ? args : "");
	const char *nl;

	fprintf(out, "%*s", len < 18 ? 19 - len : 2, "");
	while ((nl = strchr(help, '\n'))) {
		fprintf(out, "%.*s\n%19s", (int)(nl - help), help, "");
		help = nl + 1;
	}
	fprintf(out, "%s\n", help);
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: xdpblockctl [-s SOCKET] [--json] COMMAND [ARGS]\n"
		     "Commands:\n");
	for (int c = 0; c < CONTROL_CMD_MAX; c++)
		for (int u = 0; u < 2 && control_commands[c].usage[u].help; u++)
			usage_command(out, control_commands[c].name,
				      control_commands[c].usage[u].args,
				      control_commands[c].usage[u].help);
	fprintf(out,
		"Options:\n"
		"  -s, --socket PATH  control socket (default %s)\n"
		"  -j, --json         print the daemon's JSON answer\n"
		"  -h, --help         this text\n",
		DEFAULT_CONTROL_SOCKET);
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v ? json_object_get_string(v) : "";
}

static uint64_t num(struct json_object *o, const char *key)
{
	return json_object_get_uint64(get(o, key));
}

static void print_time(const char *label, time_t t)
{
	char buf[64];

	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
	printf("%s%s\n", label, buf);
}

/* The downloads of a url list, under its line. */
static void print_source(struct json_object *src)
{
	printf("  %-20s from %s, every %" PRIu64 " s\n", "", str(src, "url"),
	       num(src, "refresh"));
	if (!num(src, "last_attempt"))
		return;
	if (json_object_get_boolean(get(src, "ok"))) {
		printf("  %-20s ", "");
		print_time(json_object_get_boolean(get(src, "not_modified"))
				   ? "checked, not modified: "
				   : "downloaded: ",
			   num(src, "last_attempt"));
	} else {
		printf("  %-20s download FAILED (%" PRIu64
		       " in a row, the last good copy stays): %s\n",
		       "", num(src, "failures"), str(src, "error"));
	}
	if (get(src, "warning"))
		printf("  %-20s WARNING: %s\n", "", str(src, "warning"));
}

/* A list whose file cannot be loaded, and what runs for it instead. */
static void print_degraded(struct json_object *dg)
{
	const char *running = str(dg, "running");

	printf("  %-20s DEGRADED (%s): %s\n", "", str(dg, "reason"),
	       str(dg, "error"));
	printf("  %-20s running %s\n", "",
	       !strcmp(running, "last-good-copy")  ? "its last good copy"
	       : !strcmp(running, "running-rules") ? "the rules it had"
						   : "nothing for this list");
}

/* The datapath's programs: the entry program, then the stages loaded. */
static void print_stages(struct json_object *stages)
{
	size_t nr;

	if (!stages)
		return; /* a daemon from before the stages */
	nr = json_object_array_length(stages);
	printf("stages:      entry");
	for (size_t i = 0; i < nr; i++)
		printf(", %s", json_object_get_string(
				       json_object_array_get_idx(stages, i)));
	printf("%s\n", nr ? "" : " (addresses only: no domain lists)");
}

/* The kernel's release and its optional features (null: unknown). */
static void print_kernel(struct json_object *kernel)
{
	struct json_object *features = get(kernel, "features");
	const char *sep = " (";

	if (!kernel)
		return;
	printf("kernel:      %s", str(kernel, "release"));
	if (features) {
		json_object_object_foreach(features, name, has)
		{
			printf("%s%s: %s", sep, name,
			       !has			      ? "unknown"
			       : json_object_get_boolean(has) ? "yes"
							      : "no");
			sep = ", ";
		}
	}
	printf("%s\n", strcmp(sep, ", ") ? "" : ")");
}

/*
 * An address list's protected entries and special-purpose ranges, when
 * it has any: counts and range names only, never an address.
 */
static void print_list_hazards(struct json_object *o)
{
	struct json_object *covered = get(o, "protected_covered");
	struct json_object *special = get(o, "special_ranges");
	const char *sep = "";

	if (covered && (num(covered, "host") || num(covered, "source") ||
			num(covered, "operator")))
		printf("  %-20s covers protected addresses (never dropped by it): %" PRIu64
		       " of this host, %" PRIu64 " of list sources, %" PRIu64
		       " configured\n",
		       "", num(covered, "host"), num(covered, "source"),
		       num(covered, "operator"));
	if (!special || !json_object_object_length(special))
		return;
	printf("  %-20s entries in special-purpose ranges%s: ", "",
	       json_object_get_boolean(get(o, "allow_special"))
		       ? " (allow_special)"
		       : "");
	json_object_object_foreach(special, range, count)
	{
		printf("%s%s %" PRId64, sep, range,
		       json_object_get_int64(count));
		sep = ", ";
	}
	printf("\n");
}

/* The protected set's size by kind. */
static void print_protected(struct json_object *p)
{
	if (!p)
		return;
	printf("\nprotected from address rules: %" PRIu64
	       " host address(es), %" PRIu64
	       " list source address(es), %" PRIu64 " configured prefix(es)\n",
	       num(p, "host"), num(p, "source"), num(p, "operator"));
}

static void print_status(struct json_object *r)
{
	struct json_object *last = get(r, "last_reload");
	struct json_object *ifaces = get(r, "interfaces"),
			   *lists = get(r, "lists");

	printf("xdpblockd pid %" PRIu64 ", rule generation %" PRIu64
	       ", %" PRIu64 " reloads (%" PRIu64 " failed)\n",
	       num(r, "pid"), num(r, "generation"), num(r, "reloads_total"),
	       num(r, "reload_failures_total"));
	print_time("started:     ", num(r, "started"));
	printf("pinned:      %s%s\n",
	       *str(r, "pin_path") ? str(r, "pin_path")
				   : "nothing (pin_path = none)",
	       json_object_get_boolean(get(r, "adopted"))
		       ? " (adopted from a previous daemon)"
		       : "");
	print_stages(get(r, "stages"));
	print_kernel(get(r, "kernel"));
	print_time("last reload: ", num(last, "time"));
	if (json_object_get_boolean(get(last, "ok")))
		printf("             ok, %.1f ms\n",
		       json_object_get_double(get(last, "duration_ms")));
	else
		printf("             FAILED (previous rules still active): %s\n"
		       "             reason: %s\n",
		       str(last, "error"), str(last, "reason"));
	printf("\ninterfaces:\n");
	for (size_t i = 0; i < json_object_array_length(ifaces); i++) {
		struct json_object *o = json_object_array_get_idx(ifaces, i);

		if (json_object_get_boolean(get(o, "attached")))
			printf("  %-16s ifindex %-5" PRIu64 " xdp %s\n",
			       str(o, "name"), num(o, "ifindex"),
			       str(o, "xdp_mode"));
		else
			printf("  %-16s NOT ATTACHED: %s\n", str(o, "name"),
			       str(o, "error"));
	}
	printf("\nlists:\n  %-20s %-8s %-6s %-5s %10s %10s %10s  %s\n", "NAME",
	       "ACTION", "TYPE", "MATCH", "IPV4", "IPV6", "DOMAIN", "PATH");
	for (size_t i = 0; i < json_object_array_length(lists); i++) {
		struct json_object *o = json_object_array_get_idx(lists, i);

		printf("  %-20s %-8s %-6s %-5s %10" PRIu64 " %10" PRIu64
		       " %10" PRIu64 "  %s",
		       str(o, "name"), str(o, "action"), str(o, "type"),
		       get(o, "match") ? str(o, "match") : "-",
		       num(o, "rules_ipv4"), num(o, "rules_ipv6"),
		       num(o, "rules_domain"), str(o, "path"));
		/* a domain list narrowed to DNS, or to TLS and HTTP */
		if (get(o, "protocols") &&
		    strcmp(str(o, "protocols"), "dns, web"))
			printf("  (protocols = %s)", str(o, "protocols"));
		if (num(o, "skipped_lines"))
			printf("  (%" PRIu64 " malformed lines skipped)",
			       num(o, "skipped_lines"));
		if (get(o, "unsupported_entries") &&
		    num(o, "unsupported_entries"))
			printf("  (%" PRIu64
			       " entries without a rule xdpblock can apply)",
			       num(o, "unsupported_entries"));
		printf("\n  %-20s %s%s, ", "", str(o, "format"),
		       json_object_get_boolean(get(o, "compressed")) ? ", gzip"
								     : "");
		if (json_object_object_get_ex(o, "key_id", NULL)) {
			printf("signed by key %s, ", str(o, "key_id"));
			if (num(o, "version"))
				print_time("version ", num(o, "version"));
			else
				printf("no timestamp\n");
		} else {
			printf("unsigned\n");
		}
		if (get(o, "source"))
			print_source(get(o, "source"));
		print_list_hazards(o);
		if (get(o, "degraded"))
			print_degraded(get(o, "degraded"));
	}
	print_protected(get(r, "protected"));
}

static void print_counter_row(const char *name, struct json_object *c)
{
	printf("  %-20s %14" PRIu64 " %16" PRIu64 "\n", name, num(c, "packets"),
	       num(c, "bytes"));
}

/* A table of rules with their counters, most packets first. */
static void print_rules(struct json_object *rules)
{
	printf("  %-20s %-43s %-8s %14s %16s\n", "LIST", "RULE", "ACTION",
	       "PACKETS", "BYTES");
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		struct json_object *o = json_object_array_get_idx(rules, i);

		char rule[300];

		/* exact domain rules as written in a list: =NAME */
		snprintf(rule, sizeof(rule), "%s%s",
			 strcmp(str(o, "kind"), "exact") ? "" : "=",
			 str(o, "rule"));
		printf("  %-20s %-43s %-8s %14" PRIu64 " %16" PRIu64 "\n",
		       str(o, "list"), rule, str(o, "action"),
		       num(o, "packets"), num(o, "bytes"));
	}
	if (!json_object_array_length(rules))
		printf("  (none)\n");
}

static void print_stats(struct json_object *r)
{
	struct json_object *totals = get(r, "totals"),
			   *ifaces = get(r, "interfaces");
	struct json_object *lists = get(r, "lists");

	printf("totals:\n  %-20s %14s %16s\n", "VERDICT", "PACKETS", "BYTES");
	json_object_object_foreach(totals, name, c) print_counter_row(name, c);
	for (size_t i = 0; i < json_object_array_length(ifaces); i++) {
		struct json_object *o = json_object_array_get_idx(ifaces, i);

		printf("\ninterface %s:\n", str(o, "name"));
		json_object_object_foreach(o, field, counter)
		{
			if (strcmp(field, "name"))
				print_counter_row(field, counter);
		}
	}
	printf("\nlists:\n  %-20s %-8s %14s %16s\n", "NAME", "ACTION",
	       "PACKETS", "BYTES");
	for (size_t i = 0; i < json_object_array_length(lists); i++) {
		struct json_object *o = json_object_array_get_idx(lists, i);

		printf("  %-20s %-8s %14" PRIu64 " %16" PRIu64 "\n",
		       str(o, "name"), str(o, "action"), num(o, "packets"),
		       num(o, "bytes"));
	}
	printf("\nrules with hits:\n");
	print_rules(get(r, "rules"));
}

static void print_top(struct json_object *r)
{
	if (get(r, "list"))
		printf("top %" PRIu64 " rules of list %s by packets:\n",
		       num(r, "limit"), str(r, "list"));
	else
		printf("top %" PRIu64 " rules by packets:\n", num(r, "limit"));
	print_rules(get(r, "rules"));
}

static void print_match(const char *label, struct json_object *m)
{
	if (!m) {
		printf("  %-15s no rule matches (passed)\n", label);
		return;
	}
	printf("  %-15s %s by rule %s of list %s (%s:%" PRIu64 ")\n", label,
	       str(m, "action"), str(m, "rule"), str(m, "list"), str(m, "path"),
	       num(m, "line"));
}

static void print_name_match(const char *label, struct json_object *m)
{
	if (!m)
		printf("  %-19s no domain rule matches (passed)\n", label);
	else if (get(m, "rule_action") &&
		 strcmp(str(m, "rule_action"), str(m, "action")))
		printf("  %-19s %s (the form of %s here) by %s rule %s of list %s (%s:%" PRIu64
		       "): %s\n",
		       label, str(m, "action"), str(m, "rule_action"),
		       str(m, "kind"), str(m, "rule"), str(m, "list"),
		       str(m, "path"), num(m, "line"), str(m, "how"));
	else
		printf("  %-19s %s by %s rule %s of list %s (%s:%" PRIu64
		       "): %s\n",
		       label, str(m, "action"), str(m, "kind"), str(m, "rule"),
		       str(m, "list"), str(m, "path"), num(m, "line"),
		       str(m, "how"));
}

static void print_lookup(struct json_object *r)
{
	struct json_object *m = get(r, "match");

	if (get(r, "name")) {
		printf("%s\n", str(r, "name"));
		print_name_match("DNS query:", m);
		print_name_match("TLS SNI, HTTP Host:", get(r, "web_match"));
		return;
	}
	printf("%s\n", str(r, "address"));
	print_match("as source:", get(r, "as_source"));
	print_match("as destination:", get(r, "as_destination"));
}

static int collect_link(const char *ifname, void *arg)
{
	json_object_array_add(arg, json_object_new_string(ifname));
	return 0;
}

/*
 * `cleanup`: runs without the daemon. A running daemon holds an flock on
 * its pin directory, so that is what tells whether anyone still owns it.
 */
static int cleanup(const char *pin_dir, int json)
{
	struct json_object *out, *links;
	int fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), removed;

	if (fd < 0 && errno == ENOENT) {
		if (json)
			printf("{ \"pin_path\": %s, \"removed\": 0, \"detached\": [] }\n",
			       json_object_to_json_string_ext(
				       out = json_object_new_string(pin_dir),
				       JSON_C_TO_STRING_NOSLASHESCAPE));
		else
			printf("nothing pinned in %s\n", pin_dir);
		if (json)
			json_object_put(out);
		return 0;
	}
	if (fd < 0) {
		fprintf(stderr, "xdpblockctl: cannot open %s: %s\n", pin_dir,
			strerror(errno));
		return 1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr,
			"xdpblockctl: an xdpblockd is running with pin_path %s: stop it first ('xdpblockctl stop'), it unpins on a plain stop\n",
			pin_dir);
		close(fd);
		return 1;
	}
	links = json_object_new_array();
	pin_for_each_link(pin_dir, collect_link, links);
	removed = pin_remove_all(pin_dir);
	close(fd);
	if (removed < 0) {
		fprintf(stderr, "xdpblockctl: cannot clean up %s: %s\n",
			pin_dir, strerror(-removed));
		json_object_put(links);
		return 1;
	}
	out = json_object_new_object();
	json_object_object_add(out, "pin_path",
			       json_object_new_string(pin_dir));
	json_object_object_add(out, "removed", json_object_new_int(removed));
	json_object_object_add(out, "detached", links);
	if (json) {
		printf("%s\n",
		       json_object_to_json_string_ext(
			       out, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		printf("removed %d pin(s) from %s", removed, pin_dir);
		if (json_object_array_length(links)) {
			printf("; XDP detached from:");
			for (size_t i = 0; i < json_object_array_length(links);
			     i++)
				printf(" %s", json_object_get_string(
						      json_object_array_get_idx(
							      links, i)));
		}
		printf("\n");
	}
	json_object_put(out);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"limit", required_argument, NULL, 'n'},
		{"keep-attached", no_argument, NULL, 'k'},
		{"pin-path", required_argument, NULL, 'p'},
		{"list", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *sock_path = DEFAULT_CONTROL_SOCKET, *cmd, *list = NULL;
	const char *pin_path = NULL;
	struct json_object *req, *resp, *result;
	int json = 0, keep_attached = 0, opt, fd, rc = 0, ret, id;
	long limit = -1;
	char err[256];

	/* GNU getopt permutes: options may come before or after the command */
	while ((opt = getopt_long(argc, argv, "s:jn:l:h", opts, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 's':
			sock_path = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'k':
			keep_attached = 1;
			break;
		case 'p':
			pin_path = optarg;
			break;
		case 'n':
			errno = 0;
			limit = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || limit < 0) {
				fprintf(stderr,
					"xdpblockctl: --limit takes a number >= 0 (0: all rules), not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'l':
			list = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind++];
	id = control_command_find(cmd);
	if ((keep_attached && id != CONTROL_CMD_STOP) ||
	    (pin_path && id != CONTROL_CMD_CLEANUP)) {
		fprintf(stderr,
			"xdpblockctl: --keep-attached goes with stop, --pin-path with cleanup\n");
		return 2;
	}
	if (id == CONTROL_CMD_CLEANUP) {
		if (optind < argc) {
			fprintf(stderr,
				"xdpblockctl: unexpected argument '%s' (cleanup takes --pin-path DIR)\n",
				argv[optind]);
			return 2;
		}
		return cleanup(pin_path ? pin_path : DEFAULT_PIN_PATH, json);
	}
	req = json_object_new_object();
	json_object_object_add(req, "version",
			       json_object_new_int(CONTROL_PROTOCOL_VERSION));
	json_object_object_add(req, "command", json_object_new_string(cmd));
	switch (id) {
	case CONTROL_CMD_LOOKUP: {
		struct prefix addr;

		if (optind >= argc || (address_parse(argv[optind], &addr) < 0 &&
				       !name_looks_like_name(argv[optind]))) {
			fprintf(stderr,
				"xdpblockctl: lookup needs an IPv4 or IPv6 address or a domain name, e.g. 'xdpblockctl lookup 192.0.2.1' or 'xdpblockctl lookup www.example.com'\n");
			return 2;
		}
		json_object_object_add(req,
				       address_parse(argv[optind], &addr) < 0
					       ? "name"
					       : "address",
				       json_object_new_string(argv[optind]));
		optind++;
		break;
	}
	case CONTROL_CMD_TOP: {
		char *end;
		long long n;

		/* the range is the daemon's to check: one message for both */
		if (optind < argc) {
			errno = 0;
			n = strtoll(argv[optind], &end, 10);
			if (errno || end == argv[optind] || *end) {
				fprintf(stderr,
					"xdpblockctl: top takes a number of rules, e.g. 'xdpblockctl top 20', not '%s'\n",
					argv[optind]);
				return 2;
			}
			json_object_object_add(req, "limit",
					       json_object_new_int64(n));
			optind++;
		}
		if (list)
			json_object_object_add(req, "list",
					       json_object_new_string(list));
		break;
	}
	case CONTROL_CMD_RELOAD:
		if (optind < argc)
			json_object_object_add(
				req, "list",
				json_object_new_string(argv[optind++]));
		break;
	case CONTROL_CMD_STOP:
		json_object_object_add(req, "keep_attached",
				       json_object_new_boolean(keep_attached));
		break;
	case CONTROL_CMD_STATUS:
	case CONTROL_CMD_STATS:
		break;
	default:
		fprintf(stderr, "xdpblockctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (list && id != CONTROL_CMD_TOP) {
		fprintf(stderr, "xdpblockctl: --list goes with top only\n");
		return 2;
	}
	if (limit >= 0 && id == CONTROL_CMD_TOP) {
		fprintf(stderr,
			"xdpblockctl: top takes N as its argument, not --limit: 'xdpblockctl top %ld'\n",
			limit);
		return 2;
	}
	if (limit >= 0)
		json_object_object_add(req, "limit",
				       json_object_new_int64(limit));
	if (optind < argc) {
		fprintf(stderr, "xdpblockctl: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}

	fd = control_connect(sock_path);
	if (fd < 0) {
		if (fd == -ENOENT || fd == -ECONNREFUSED)
			fprintf(stderr,
				"xdpblockctl: xdpblockd is not running (no daemon listening on %s)\n",
				sock_path);
		else if (fd == -EACCES || fd == -EPERM)
			fprintf(stderr,
				"xdpblockctl: permission denied on %s: run as root or as a member of the socket's group\n",
				sock_path);
		else
			fprintf(stderr,
				"xdpblockctl: cannot connect to %s: %s\n",
				sock_path, strerror(-fd));
		return 1;
	}
	/*
	 * A reload of a large list takes seconds: wait up to 60 s (under
	 * systemd's default 90 s for ExecReload). A daemon that refuses the
	 * connection (too many from this user) has written why and closed:
	 * the send fails, the line is still there to read.
	 */
	ret = control_write(fd, req);
	resp = control_read(fd, CONTROL_MAX_MESSAGE, ret < 0 ? 1000 : 60000,
			    err, sizeof(err));
	if (ret < 0 && !resp) {
		fprintf(stderr, "xdpblockctl: cannot send the request: %s\n",
			strerror(-ret));
		close(fd);
		return 1;
	}
	close(fd);
	if (!resp) {
		fprintf(stderr,
			"xdpblockctl: no valid answer from xdpblockd: %s\n",
			err);
		return 1;
	}
	if (!json_object_get_boolean(get(resp, "ok")))
		rc = 1;
	/* for a monitoring check: the daemon runs, but not every list */
	else if (id == CONTROL_CMD_STATUS &&
		 num(get(resp, "result"), "degraded_lists"))
		rc = 3;
	if (json) {
		printf("%s\n",
		       json_object_to_json_string_ext(
			       resp, JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (rc == 1) {
		fprintf(stderr, "xdpblockctl: %s: %s\n", cmd,
			str(resp, "error"));
	} else {
		result = get(resp, "result");
		switch (id) {
		case CONTROL_CMD_RELOAD:
			printf("reload ok\n\n");
			/* fallthrough */
		case CONTROL_CMD_STATUS:
			print_status(result);
			break;
		case CONTROL_CMD_STATS:
			print_stats(result);
			break;
		case CONTROL_CMD_STOP:
			printf("xdpblockd stopping%s\n",
			       json_object_get_boolean(
				       get(result, "keep_attached"))
				       ? "; XDP stays attached with the current rules"
				       : "");
			break;
		case CONTROL_CMD_TOP:
			print_top(result);
			break;
		default:
			print_lookup(result);
			break;
		}
	}
	json_object_put(req);
	json_object_put(resp);
	return rc;
}
