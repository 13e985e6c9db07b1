/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Lists from HTTP(S) sources (libcurl). A thread of its own downloads each
 * source on its interval, so a slow or dead server never holds up the
 * daemon's loop; the main thread only learns which lists have a new copy.
 *
 * A source is downloaded into its cache file (and its signature beside it)
 * through unnamed temporary files (safefile.h) renamed into place, in
 * directories only root may write, only when the server has a
 * new version (ETag / Last-Modified, kept in a hidden file beside it), so
 * the cache always holds the last complete copy the server gave. Whether
 * that copy is good is the reload's business: it is verified and parsed
 * like any list file, and a bad one leaves the running rules as they are.
 */
#ifndef XDPBLOCK_FETCH_H
#define XDPBLOCK_FETCH_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/prefix.h"

#define FETCH_URL_MAX 2048

struct fetch_source {
	char name[64]; /* the list's name */
	char url[FETCH_URL_MAX];
	char sig_url[FETCH_URL_MAX]; /* "" = the list is not signed */
	char path[PATH_MAX]; /* cache file: what the list loads */
	char sig_path[PATH_MAX]; /* where the signature goes */
	char ca_file[PATH_MAX]; /* "" = the system's CAs */
	uint32_t interval_s; /* between successful checks */
	uint32_t timeout_s; /* whole transfer, per file */
	uint64_t max_bytes; /* larger downloads are refused */
};

/* What happened at the last attempt, for status. */
struct fetch_status {
	time_t last_attempt, last_success; /* 0 = never */
	int last_ok; /* the last attempt succeeded (new copy or 304) */
	int not_modified; /* ... and the server had nothing new */
	unsigned int failures; /* in a row, for the back-off */
	char error[PATH_MAX + 512];
	/* set for a list no signature or TLS protects (and logged) */
	char warning[200];
	/*
	 * The address the last attempt connected to (CURLINFO_PRIMARY_IP),
	 * "" if none: the daemon protects it (daemon/protected.c). Never
	 * shown: it is the host's traffic.
	 */
	char primary_ip[48];
};

/*
 * One download of @src now, in the calling thread. Returns 1 if a new copy
 * is in place, 0 if the server had nothing new, or a negative errno with
 * st->error saying what went wrong (the cache is left as it was).
 */
int fetch_source_once(const struct fetch_source *src, struct fetch_status *st);

/*
 * The addresses of @url's host, as full-length prefixes into @out (at
 * most @max): a numeric host as written, a name as the system resolver
 * gives it now (this blocks for as long as the resolver takes). Returns
 * how many, or a negative errno.
 */
int fetch_url_addrs(const char *url, struct prefix *out, int max);

/* Once, before any thread starts (libcurl's global set-up). */
int fetch_init(void);

struct fetcher;

/* Start the thread (with no sources yet). NULL with @err on failure. */
struct fetcher *fetcher_start(char *err, size_t errlen);
/*
 * Replace the sources. A source whose name and URL are unchanged keeps its
 * schedule and status; a new one is due at once unless @first_due_s says
 * later (it was just fetched at start-up).
 */
void fetcher_set_sources(struct fetcher *f, const struct fetch_source *src,
			 int nr, uint32_t first_due_s);
/* Readable when a list has a new copy: then call fetcher_take_updated(). */
int fetcher_fd(const struct fetcher *f);
/*
 * Names of lists with a new copy since the last call: calls @fn for each,
 * clears them.
 */
void fetcher_take_updated(struct fetcher *f,
			  void (*fn)(const char *name, void *arg), void *arg);
/* The status of source @name; -ENOENT if there is none. */
int fetcher_status(struct fetcher *f, const char *name,
		   struct fetch_status *st);
void fetcher_stop(struct fetcher *f);

#endif
