// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tables and the documentation agree: the configuration keys of
 * config.c against xdpblock.conf(5) and the "unknown key" messages, the
 * commands of control.c against xdpblockctl(8) and `xdpblockctl --help`.
 * Reads man/ under $XDPBLOCK_TOP (default .) and runs $BUILD/xdpblockctl
 * (default build).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "control/control.h"
#include "testfiles.h"
#include "testlib.h"

#define MAX_LINES 4000
#define MAX_WORDS 64

struct man {
	const char *name; /* for messages: man/xdpblock.conf.5 */
	char *text;
	char *lines[MAX_LINES];
	int nr;
};

static struct man conf_man = {.name = "man/xdpblock.conf.5"};
static struct man ctl_man = {.name = "man/xdpblockctl.8"};

static void man_read(struct man *m)
{
	char path[PATH_MAX];
	const char *top = getenv("XDPBLOCK_TOP");
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", top && *top ? top : ".", m->name);
	if (file_bytes(path, &m->text, &len)) {
		printf("cannot read %s\n", path);
		exit(2);
	}
	m->text[len] = '\0';
	for (char *line = strtok(m->text, "\n"); line && m->nr < MAX_LINES;
	     line = strtok(NULL, "\n"))
		m->lines[m->nr++] = line;
}

/* The lines of section @sh (".SH" line, exact) up to the next .SH. */
static int man_section(const struct man *m, const char *sh, int *end)
{
	for (int i = 0; i < m->nr; i++) {
		if (strcmp(m->lines[i], sh))
			continue;
		*end = i + 1;
		while (*end < m->nr && strncmp(m->lines[*end], ".SH ", 4))
			(*end)++;
		return i + 1;
	}
	printf("  %s has no section '%s'\n", m->name, sh);
	tl_case_failed = 1;
	*end = 0;
	return 0;
}

/* roff text as a reader sees it: escapes \- \(aq \(dq, fonts dropped. */
static void unroff(char *out, size_t size, const char *in, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < size; i++) {
		if (in[i] != '\\') {
			out[o++] = in[i];
		} else if (in[i + 1] == '-') {
			out[o++] = '-';
			i++;
		} else if (!strncmp(in + i + 1, "(aq", 3)) {
			out[o++] = '\'';
			i += 3;
		} else if (!strncmp(in + i + 1, "(dq", 3)) {
			out[o++] = '"';
			i += 3;
		} else if (in[i + 1] == 'f' && i + 2 < len) {
			i += 2; /* \fB \fI \fR \fP */
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
}

/*
 * The arguments of a macro line (".BI a " b" c") as @args[0..n), each as
 * text; returns n.
 */
static int macro_args(const char *line, char args[][200], int max)
{
	const char *p = strchr(line, ' ');
	int n = 0;

	while (p && *p && n < max) {
		const char *start, *end;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*p == '"') {
			start = ++p;
			end = strchr(p, '"');
			if (!end)
				end = p + strlen(p);
			p = *end ? end + 1 : end;
		} else {
			start = p;
			end = p + strcspn(p, " ");
			p = end;
		}
		unroff(args[n++], sizeof(args[0]), start, end - start);
	}
	return n;
}

struct man_key {
	char name[64];
	char value[200]; /* after "key = " */
};

/* The keys a section of xdpblock.conf(5) documents: .TP/.TQ then .BI */
static int man_keys(const char *sh, struct man_key *keys, int max)
{
	int end, i = man_section(&conf_man, sh, &end), nr = 0;

	for (; i && i < end && nr < max; i++) {
		char args[8][200];
		int n;

		if (strncmp(conf_man.lines[i], ".BI ", 4) ||
		    (strcmp(conf_man.lines[i - 1], ".TP") &&
		     strcmp(conf_man.lines[i - 1], ".TQ")))
			continue;
		n = macro_args(conf_man.lines[i], args, 8);
		snprintf(keys[nr].name, sizeof(keys[nr].name), "%.63s",
			 args[0]);
		keys[nr].value[0] = '\0';
		for (int a = 1; a < n; a++)
			strncat(keys[nr].value, args[a],
				sizeof(keys[nr].value) - 1 -
					strlen(keys[nr].value));
		if (!strncmp(keys[nr].value, " = ", 3))
			memmove(keys[nr].value, keys[nr].value + 3,
				strlen(keys[nr].value + 3) + 1);
		nr++;
	}
	return nr;
}

static void check_section_keys(enum config_section section, const char *sh,
			       const char *label)
{
	struct man_key keys[MAX_WORDS];
	int nr = man_keys(sh, keys, MAX_WORDS), found;
	const char *name;
	char help[200];

	CHECK(nr > 0, "no keys found in %s, %s", conf_man.name, sh);
	/* every key of the table, documented with the same value */
	for (size_t i = 0;
	     (name = config_key_doc(section, i, help, sizeof(help))); i++) {
		found = 0;
		for (int k = 0; k < nr; k++) {
			if (strcmp(keys[k].name, name))
				continue;
			found = 1;
			CHECK(!strcmp(keys[k].value, help),
			      "%s %s: the parser takes '%s = %s', %s says '%s = %s'",
			      label, name, name, help, conf_man.name, name,
			      keys[k].value);
		}
		CHECK(found,
		      "%s key '%s' is in config.c's table but not in %s (%s)",
		      label, name, conf_man.name, sh);
	}
	/* every key documented, in the table */
	for (int k = 0; k < nr; k++) {
		found = 0;
		for (size_t i = 0;
		     (name = config_key_doc(section, i, help, sizeof(help)));
		     i++)
			found |= !strcmp(keys[k].name, name);
		CHECK(found,
		      "%s documents %s key '%s', which config.c's table does not have",
		      conf_man.name, label, keys[k].name);
	}
}

static void conf_daemon_keys(void)
{
	check_section_keys(CONFIG_SECTION_DAEMON,
			   ".SH \"THE [daemon] SECTION\"", "[daemon]");
}

static void conf_list_keys(void)
{
	check_section_keys(CONFIG_SECTION_LIST,
			   ".SH \"THE [list:NAME] SECTIONS\"", "[list:NAME]");
}

/* "a, b or c" into @words; returns how many. */
static int split_words(char *text, const char *last, char words[][64], int max)
{
	char * or = strstr(text, last);
	int n = 0;

	if (or) {
		* or = ',';
		memmove(or +1, or +strlen(last), strlen(or +strlen(last)) + 1);
	}
	for (char *w = strtok(text, ","); w && n < max; w = strtok(NULL, ","))
		snprintf(words[n++], sizeof(words[0]), "%s",
			 w + strspn(w, " "));
	return n;
}

/*
 * The "unknown key" message of @section, for a file with @text: it names
 * every key of the table, in its order, and xdpblock.conf(5)'s
 * DIAGNOSTICS quotes it (whole, or up to "...").
 */
static void check_unknown_key(enum config_section section, const char *text,
			      const char *in)
{
	static struct daemon_config cfg;
	char err[1000], words[MAX_WORDS][64], help[200], quoted[1000];
	const char *path = tmp_write_str("unknown.conf", text), *name, *use;
	int n, end, i;
	size_t nr = 0;

	CHECK(config_load(path, &cfg, err, sizeof(err)) < 0,
	      "an unknown key is accepted");
	use = strstr(err, ": use ");
	CHECK(strstr(err, in) && use, "message: %s", err);
	if (!use)
		return;
	snprintf(quoted, sizeof(quoted), "%s", use + 6);
	n = split_words(quoted, " or ", words, MAX_WORDS);
	while ((name = config_key_doc(section, nr, help, sizeof(help)))) {
		CHECK((int)nr < n && !strcmp(words[nr], name),
		      "the message's word %zu is '%s', the table's key '%s': %s",
		      nr + 1, (int)nr < n ? words[nr] : "(none)", name, err);
		nr++;
	}
	CHECK(n == (int)nr, "the message names %d keys, the table has %zu: %s",
	      n, nr, err);

	/* the man page's DIAGNOSTICS quote the message */
	i = man_section(&conf_man, ".SH DIAGNOSTICS", &end);
	for (; i && i < end; i++) {
		char line[1000];
		const char *q;
		size_t len;

		unroff(line, sizeof(line), conf_man.lines[i],
		       strlen(conf_man.lines[i]));
		if (!strstr(line, "unknown key") || !strstr(line, in))
			continue;
		q = strstr(line, ": use ");
		CHECK(q, "%s: %s", conf_man.name, line);
		if (!q)
			return;
		q += 6;
		len = strcspn(q, "\"");
		if (len >= 5 && !strncmp(q + len - 5, ", ...", 5))
			CHECK(!strncmp(q, use + 6, len - 5),
			      "%s quotes '%.*s', the message is '%s'",
			      conf_man.name, (int)len, q, use + 6);
		else
			CHECK(len == strlen(use + 6) &&
				      !strncmp(q, use + 6, len),
			      "%s quotes '%.*s', the message is '%s'",
			      conf_man.name, (int)len, q, use + 6);
		return;
	}
	CHECK(0, "%s DIAGNOSTICS does not quote the unknown key message %s",
	      conf_man.name, in);
}

static void conf_unknown_key_messages(void)
{
	check_unknown_key(CONFIG_SECTION_DAEMON,
			  "[daemon]\ninterfaces = eth0\nno_such_key = 1\n",
			  "in [daemon]");
	check_unknown_key(CONFIG_SECTION_LIST,
			  "[daemon]\ninterfaces = eth0\n[list:a]\n"
			  "no_such_key = 1\n",
			  "in [list:");
}

/* Is @name a command of the table? */
static int table_has(const char *name)
{
	return control_command_find(name) >= 0;
}

/* @words (n) and the table name the same commands, each once at least */
static void check_same_commands(const char *where, char words[][64], int n)
{
	for (int c = 0; c < CONTROL_CMD_MAX; c++) {
		int found = 0;

		for (int w = 0; w < n; w++)
			found |= !strcmp(words[w], control_commands[c].name);
		CHECK(found,
		      "command '%s' is in control.c's table but not in %s",
		      control_commands[c].name, where);
	}
	for (int w = 0; w < n; w++)
		CHECK(table_has(words[w]),
		      "%s has command '%s', which control.c's table does not",
		      where, words[w]);
}

static void ctl_man_commands(void)
{
	char words[MAX_WORDS][64], args[4][200];
	int end, i, n = 0;

	/* COMMANDS: a subsection per command (per form) */
	i = man_section(&ctl_man, ".SH COMMANDS", &end);
	for (; i && i < end && n < MAX_WORDS; i++)
		if (!strncmp(ctl_man.lines[i], ".SS ", 4) &&
		    macro_args(ctl_man.lines[i], args, 4))
			snprintf(words[n++], sizeof(words[0]), "%.63s",
				 args[0]);
	check_same_commands("xdpblockctl(8) COMMANDS", words, n);

	/* SYNOPSIS: ".B command" lines */
	n = 0;
	i = man_section(&ctl_man, ".SH SYNOPSIS", &end);
	for (; i && i < end && n < MAX_WORDS; i++)
		if (!strncmp(ctl_man.lines[i], ".B ", 3) &&
		    macro_args(ctl_man.lines[i], args, 4) == 1 &&
		    strcmp(args[0], "xdpblockctl") && args[0][0] != '-')
			snprintf(words[n++], sizeof(words[0]), "%.63s",
				 args[0]);
	check_same_commands("xdpblockctl(8) SYNOPSIS", words, n);
}

/* CONTROL PROTOCOL names every command the daemon serves, not the rest. */
static void ctl_man_protocol(void)
{
	int end, i = man_section(&ctl_man, ".SH CONTROL PROTOCOL", &end);

	for (int c = 0; i && c < CONTROL_CMD_MAX; c++) {
		const char *name = control_commands[c].name;
		int local = control_commands[c].flags & CONTROL_CMD_LOCAL;
		char quoted[80];
		int found = 0;

		snprintf(quoted, sizeof(quoted), "\\(dq%s\\(dq", name);
		for (int l = i; l < end; l++)
			found |= strstr(ctl_man.lines[l], quoted) != NULL;
		CHECK(found != local,
		      "xdpblockctl(8) CONTROL PROTOCOL %s command \"%s\"",
		      local ? "names the local" : "does not name the", name);
	}
}

/* `xdpblockctl --help` lists the table's commands, and only those. */
static void ctl_usage(void)
{
	const char *build = getenv("BUILD");
	char cmd[PATH_MAX + 20], line[400], words[MAX_WORDS][64];
	int in_commands = 0, n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s/xdpblockctl --help",
		 build && *build ? build : "build");
	p = popen(cmd, "r");
	CHECK(p, "cannot run %s", cmd);
	if (!p)
		return;
	while (fgets(line, sizeof(line), p) && n < MAX_WORDS) {
		if (!strcmp(line, "Commands:\n"))
			in_commands = 1;
		else if (!strcmp(line, "Options:\n"))
			in_commands = 0;
		else if (in_commands && line[0] == ' ' && line[1] == ' ' &&
			 line[2] != ' ')
			sscanf(line, "%63s", words[n++]);
	}
	CHECK(pclose(p) == 0, "%s failed", cmd);
	CHECK(n > 0, "no commands in the output of %s", cmd);
	check_same_commands("xdpblockctl --help", words, n);
}

/* The actions, round trip through their names. */
static void actions_named_once(void)
{
	const struct action_def *a;

	for (int act = XDPB_ACT_MONITOR; act < XDPB_ACT_MAX; act++) {
		a = action_lookup(action_name(act));
		CHECK(a && a->action == act, "action %d: '%s'", act,
		      action_name(act));
		CHECK(a && a->domain_only == action_is_domain_only(act),
		      "action %s", action_name(act));
	}
	CHECK(!action_lookup("none") && !strcmp(action_name(0), "none"),
	      "no action is called none");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	man_read(&conf_man);
	man_read(&ctl_man);
	RUN_TEST("docs", conf_daemon_keys);
	RUN_TEST("docs", conf_list_keys);
	RUN_TEST("docs", conf_unknown_key_messages);
	RUN_TEST("docs", actions_named_once);
	RUN_TEST("docs", ctl_man_commands);
	RUN_TEST("docs", ctl_man_protocol);
	RUN_TEST("docs", ctl_usage);
	tmp_cleanup();
	return TEST_EXIT_CODE();
}
