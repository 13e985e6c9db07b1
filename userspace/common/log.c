// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/libbpf.h>

#include "common/escape.h"
#include "common/log.h"

static const char *log_ident = "xdpblock";
static enum log_level log_max = LOG_LEVEL_INFO;
static int log_journal;

void log_init(const char *ident, enum log_level max_level)
{
	log_ident = ident;
	log_max = max_level;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_set_level(enum log_level max_level)
{
	log_max = max_level;
}

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERR:
		return "error";
	case LOG_LEVEL_WARN:
		return "warning";
	case LOG_LEVEL_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (level > log_max)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	/* One line per message: drop a trailing newline (libbpf adds them). */
	while (n > 0 && (size_t)n < sizeof(line) && line[n - 1] == '\n')
		line[--n] = '\0';
	/*
	 * The last guard: whatever a message quotes, a log line holds no
	 * terminal escape and no second line (messages escape at their
	 * source; escaping again changes nothing there).
	 */
	text_escape(line, sizeof(line));
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", level, line);
	else
		fprintf(stderr, "%s: %s: %s\n", log_ident, level_name(level),
			line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	/*
	 * libbpf's warnings are mostly probing noise (e.g. feature checks);
	 * callers report failures themselves with one clear message.
	 */
	if (level == LIBBPF_DEBUG)
		return 0;
	log_vmsg(LOG_LEVEL_DEBUG, fmt, ap);
	return 0;
}

void log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
