// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/log.h"
#include "common/safefile.h"
#include "lists/listwatch.h"

/* What ends a file's life or begins a new one in a directory. */
#define WATCH_EVENTS                                                \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | \
	 IN_DELETE | IN_ATTRIB)

struct watched_dir {
	int wd;
	char path[PATH_MAX];
};

struct listwatch {
	int fd;
	/* a list's directory, and its signature file's if elsewhere */
	struct watched_dir dirs[2 * XDPB_MAX_LISTS];
	int nr_dirs;
};

struct listwatch *listwatch_open(char *err, size_t errlen)
{
	struct listwatch *lw = calloc(1, sizeof(*lw));

	if (!lw) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	lw->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (lw->fd < 0) {
		snprintf(
			err, errlen,
			"cannot watch list files (inotify): %s; set watch_lists = no to do without",
			strerror(errno));
		free(lw);
		return NULL;
	}
	return lw;
}

int listwatch_fd(const struct listwatch *lw)
{
	return lw->fd;
}

static void split_path(const char *path, char *dir, char *base)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(dir, PATH_MAX, "%s", dirname(tmp));
	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(base, PATH_MAX, "%s", basename(tmp));
}

/* Watch @dir for list @name, once however many lists it holds. */
static int watch_dir(struct listwatch *lw, const char *name, const char *dir)
{
	int wd = inotify_add_watch(lw->fd, dir, WATCH_EVENTS);

	if (wd < 0) {
		log_warn(
			"list %s: cannot watch %s for changes (%s); reload it by hand",
			name, dir, strerror(errno));
		return -1;
	}
	/* the same directory twice gives the same watch */
	for (int j = 0; j < lw->nr_dirs; j++)
		if (lw->dirs[j].wd == wd)
			return 0;
	lw->dirs[lw->nr_dirs].wd = wd;
	snprintf(lw->dirs[lw->nr_dirs].path, PATH_MAX, "%s", dir);
	lw->nr_dirs++;
	return 0;
}

int listwatch_set(struct listwatch *lw, const struct daemon_config *cfg)
{
	int failed = 0;

	for (int i = 0; i < lw->nr_dirs; i++)
		inotify_rm_watch(lw->fd, lw->dirs[i].wd);
	lw->nr_dirs = 0;
	for (int i = 0; i < cfg->nr_lists; i++) {
		const struct list_config *lc = &cfg->lists[i];
		char dir[PATH_MAX], sig_dir[PATH_MAX], base[PATH_MAX],
			sig[PATH_MAX];

		split_path(lc->path, dir, base);
		failed += watch_dir(lw, lc->name, dir) < 0;
		if (lc->signature != LIST_SIGNATURE_MINISIGN)
			continue;
		/* signature_file may live elsewhere */
		list_signature_path(lc, sig, sizeof(sig));
		split_path(sig, sig_dir, base);
		if (strcmp(sig_dir, dir))
			failed += watch_dir(lw, lc->name, sig_dir) < 0;
	}
	return failed ? -ENOENT : 0;
}

/*
 * @name (an event in @dir) is list @lc's file or its signature file. Only
 * those two exact names: temporaries (LIST.download of old fetchers, an
 * updater's LIST.tmp, safefile.c's hidden names) come and go at every
 * check, even when nothing changed, and must not trigger a reload.
 */
static int names_list_file(const char *dir, const char *name,
			   const struct list_config *lc)
{
	char ldir[PATH_MAX], base[PATH_MAX], sig[PATH_MAX];

	if (strstr(name, SAFE_TMP_MARK))
		return 0;
	split_path(lc->path, ldir, base);
	if (!strcmp(ldir, dir) && !strcmp(name, base))
		return 1;
	if (lc->signature != LIST_SIGNATURE_MINISIGN)
		return 0;
	list_signature_path(lc, sig, sizeof(sig));
	split_path(sig, ldir, base);
	return !strcmp(ldir, dir) && !strcmp(name, base);
}

static int mark(const struct listwatch *lw, const struct inotify_event *ev,
		const struct daemon_config *cfg, uint8_t *stale)
{
	const char *dir = NULL;
	int marked = 0;

	for (int i = 0; i < lw->nr_dirs; i++)
		if (lw->dirs[i].wd == ev->wd)
			dir = lw->dirs[i].path;
	if (!dir || !ev->len)
		return 0;
	for (int i = 0; i < cfg->nr_lists; i++) {
		if (!stale[i] &&
		    names_list_file(dir, ev->name, &cfg->lists[i])) {
			log_debug("list %s: %s changed", cfg->lists[i].name,
				  ev->name);
			stale[i] = 1;
			marked++;
		}
	}
	return marked;
}

int listwatch_read(struct listwatch *lw, const struct daemon_config *cfg,
		   uint8_t *stale)
{
	char buf[16384]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	int marked = 0;
	ssize_t n;

	while ((n = read(lw->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			if (ev->mask & IN_Q_OVERFLOW) {
				for (int i = 0; i < cfg->nr_lists; i++)
					stale[i] = 1;
				return -1;
			}
			marked += mark(lw, ev, cfg, stale);
			p += sizeof(*ev) + ev->len;
		}
	}
	return marked;
}

void listwatch_close(struct listwatch *lw)
{
	if (!lw)
		return;
	close(lw->fd);
	free(lw);
}
