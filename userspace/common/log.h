/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Logging to stderr with levels. Under systemd (JOURNAL_STREAM set) lines
 * carry sd-daemon "<N>" priority prefixes so journald keeps the level.
 * Never log packet contents, subscriber addresses or queried names: rules,
 * lists and totals only.
 */
#ifndef XDPBLOCK_LOG_H
#define XDPBLOCK_LOG_H

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARN = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

void log_init(const char *ident, enum log_level max_level);
void log_set_level(enum log_level max_level);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Route libbpf's own messages through log_msg (warnings at debug level). */
void log_setup_libbpf(void);

#define log_err(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
