/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Files the daemon (root) writes: list downloads, their validators, the
 * anti-rollback state and the carried counters. Their directories must be
 * writable by root alone, and nothing is ever opened through a name another
 * user may have planted: a new file starts unnamed (O_TMPFILE), or under a
 * random name created with O_EXCL|O_NOFOLLOW where the file system lacks
 * O_TMPFILE, is written and synced, and only then linked under a hidden
 * random name and renamed over the target. A symlink or file planted at any
 * name is never written through, and never installed.
 */
#ifndef XDPBLOCK_SAFEFILE_H
#define XDPBLOCK_SAFEFILE_H

#include <stddef.h>

/*
 * Hidden temporaries are named ".TARGET" SAFE_TMP_MARK "XXXXXX": watchers
 * (listwatch.c) ignore names with the mark.
 */
#define SAFE_TMP_MARK ".xdpb-tmp-"

/* A file being written in a directory, not yet under its name. */
struct safe_tmp {
	int dir_fd;
	int fd;
	char name[300]; /* "" while unnamed (O_TMPFILE) or not yet linked */
};

/*
 * 0 if @dir is a directory owned by root (or the effective user) and not
 * writable by group or others (the sticky bit does not help: in /tmp any
 * user may plant names), and so is every directory above it, as written
 * and as resolved, except that those may be sticky (/tmp/private-dir is
 * fine). Else a negative errno with @err saying what to run; @what names
 * the setting ("state_dir", "the directory of list x").
 */
int dir_check_private(const char *dir, const char *what, char *err,
		      size_t errlen);

/*
 * Open @dir (after dir_check_private()) and a new empty file in it.
 * Returns 0 or a negative errno with @err set.
 */
int safe_tmp_open(struct safe_tmp *t, const char *dir, const char *what,
		  char *err, size_t errlen);
/*
 * Sync the file, give it a hidden random name in its directory (not yet
 * the target's: list_versions_prepare() links before the commit).
 */
int safe_tmp_link(struct safe_tmp *t, const char *target);
/* Rename it over @target (linking it first if needed), sync the directory. */
int safe_tmp_install(struct safe_tmp *t, const char *target);
/* Close, and remove the file unless it was installed. */
void safe_tmp_discard(struct safe_tmp *t);

/* Write @len bytes; 0 or a negative errno. */
int write_full(int fd, const void *data, size_t len);

/*
 * Replace @dir/@name with @data atomically (checked directory, temporary,
 * fsync, rename, fsync of the directory). 0 or a negative errno with @err.
 */
int safe_write_atomic(const char *dir, const char *name, const void *data,
		      size_t len, const char *what, char *err, size_t errlen);

/*
 * open(@path) for reading, never through a symlink (O_NOFOLLOW), and only
 * a regular file. The descriptor, or a negative errno.
 */
int open_read_nofollow(const char *path);

#endif
