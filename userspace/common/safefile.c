// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/safefile.h"

static int trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/*
 * One directory on the way to @dir (@path, @last for @dir itself). Any
 * directory above may be swapped by whoever can write its parent, so each
 * must be trusted; above @dir, a sticky directory (/tmp) is fine, as
 * nobody may rename or remove what another user put there. A symlink
 * another user owns is refused as the kernel's protected_symlinks would
 * in a sticky directory (it may be off).
 */
static int check_step(const char *path, const char *dir, int last,
		      const char *what, char *err, size_t errlen)
{
	char subject[2 * PATH_MAX + 160];
	struct stat st;
	int ret;

	/* "state_dir /a/b", or "state_dir /a/b: /a" for a directory above */
	if (strcmp(path, dir))
		snprintf(subject, sizeof(subject), "%s %s: %s", what, dir,
			 path);
	else
		snprintf(subject, sizeof(subject), "%s %s", what, dir);
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    !trusted_owner(st.st_uid)) {
		snprintf(
			err, errlen,
			"%s is a symlink of uid %u, who could point it anywhere: use a path without it",
			subject, (unsigned int)st.st_uid);
		return -EPERM;
	}
	if (stat(path, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", subject, strerror(errno));
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", subject);
		return -ENOTDIR;
	}
	if (!trusted_owner(st.st_uid)) {
		snprintf(
			err, errlen,
			"%s belongs to uid %u, who could replace the files xdpblockd uses there: run chown root %s, or choose a directory only root can write",
			subject, (unsigned int)st.st_uid, path);
		return -EPERM;
	}
	/* in @dir itself, sticky or not: anyone who may create names may plant */
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
	    (last || !(st.st_mode & S_ISVTX))) {
		snprintf(
			err, errlen,
			"%s is writable by %s (mode %04o), who could replace the files xdpblockd uses there: run chmod go-w %s, or choose a directory only root can write",
			subject, st.st_mode & S_IWOTH ? "others" : "its group",
			(unsigned int)(st.st_mode & 07777), path);
		return -EPERM;
	}
	return 0;
}

/* Every directory on @path, then @path itself. */
static int check_path(const char *path, const char *dir, const char *what,
		      char *err, size_t errlen)
{
	char prefix[PATH_MAX];
	size_t len = strlen(path);
	int ret;

	if (len >= sizeof(prefix))
		return -ENAMETOOLONG;
	memcpy(prefix, path, len + 1);
	ret = check_step("/", dir, len == 1 && path[0] == '/', what, err,
			 errlen);
	for (char *p = prefix + 1; !ret && *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		ret = check_step(prefix, dir, 0, what, err, errlen);
		*p = '/';
	}
	if (!ret && (len > 1 || path[0] != '/'))
		ret = check_step(path, dir, 1, what, err, errlen);
	return ret;
}

int dir_check_private(const char *dir, const char *what, char *err,
		      size_t errlen)
{
	char real[PATH_MAX];
	int ret;

	/* the path as written (its symlinks), then where it leads */
	ret = check_path(dir, dir, what, err, errlen);
	if (ret < 0)
		return ret;
	if (!realpath(dir, real)) {
		ret = -errno;
		snprintf(err, errlen, "%s %s: %s", what, dir, strerror(errno));
		return ret;
	}
	return check_path(real, dir, what, err, errlen);
}

/* ".TARGET.xdpb-tmp-XXXXXXXXXXXX", unpredictable: nobody can plant it first */
static int random_name(char *buf, size_t len, const char *target)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[12];
	char suffix[sizeof(rnd) + 1];
	int n;

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -EIO;
	for (size_t i = 0; i < sizeof(rnd); i++)
		suffix[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
	suffix[sizeof(rnd)] = '\0';
	n = snprintf(buf, len, ".%.200s" SAFE_TMP_MARK "%s", target, suffix);
	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

int safe_tmp_open(struct safe_tmp *t, const char *dir, const char *what,
		  char *err, size_t errlen)
{
	int ret;

	t->dir_fd = -1;
	t->fd = -1;
	t->name[0] = '\0';
	ret = dir_check_private(dir, what, err, errlen);
	if (ret < 0)
		return ret;
	t->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dir_fd < 0) {
		ret = -errno;
		goto fail;
	}
	t->fd = openat(t->dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (t->fd >= 0)
		return 0;
	/* a file system without O_TMPFILE: a fresh random name, exclusively */
	for (int tries = 0; tries < 8 && t->fd < 0; tries++) {
		ret = random_name(t->name, sizeof(t->name), "new");
		if (ret < 0)
			goto fail;
		t->fd = openat(t->dir_fd, t->name,
			       O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
				       O_CLOEXEC,
			       0600);
		if (t->fd < 0 && errno != EEXIST)
			break;
	}
	if (t->fd >= 0)
		return 0;
	ret = -errno;
	t->name[0] = '\0';
fail:
	snprintf(err, errlen, "cannot create a temporary file in %s %s: %s",
		 what, dir, strerror(-ret));
	if (t->dir_fd >= 0)
		close(t->dir_fd);
	t->dir_fd = -1;
	return ret;
}

int safe_tmp_link(struct safe_tmp *t, const char *target)
{
	char proc[64], name[sizeof(t->name)];
	int ret;

	if (fsync(t->fd) < 0)
		return -errno;
	if (t->name[0])
		return 0; /* created under a random name already */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t->fd);
	for (int tries = 0; tries < 8; tries++) {
		ret = random_name(name, sizeof(name), target);
		if (ret < 0)
			return ret;
		/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc does not */
		if (linkat(t->fd, "", t->dir_fd, name, AT_EMPTY_PATH) == 0 ||
		    (errno != EEXIST && linkat(AT_FDCWD, proc, t->dir_fd, name,
					       AT_SYMLINK_FOLLOW) == 0)) {
			snprintf(t->name, sizeof(t->name), "%s", name);
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int safe_tmp_install(struct safe_tmp *t, const char *target)
{
	int ret = safe_tmp_link(t, target);

	if (ret < 0)
		return ret;
	if (renameat(t->dir_fd, t->name, t->dir_fd, target) < 0)
		return -errno;
	t->name[0] = '\0';
	/* the rename itself must reach the disk before we rely on it */
	if (fsync(t->dir_fd) < 0)
		return -errno;
	return 0;
}

void safe_tmp_discard(struct safe_tmp *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->dir_fd >= 0) {
		if (t->name[0])
			unlinkat(t->dir_fd, t->name, 0);
		close(t->dir_fd);
	}
	t->fd = -1;
	t->dir_fd = -1;
	t->name[0] = '\0';
}

int write_full(int fd, const void *data, size_t len)
{
	const char *pos = data;

	while (len) {
		ssize_t n = write(fd, pos, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		pos += n;
		len -= n;
	}
	return 0;
}

int safe_write_atomic(const char *dir, const char *name, const void *data,
		      size_t len, const char *what, char *err, size_t errlen)
{
	struct safe_tmp t;
	int ret;

	ret = safe_tmp_open(&t, dir, what, err, errlen);
	if (ret < 0)
		return ret;
	ret = write_full(t.fd, data, len);
	if (!ret)
		ret = safe_tmp_install(&t, name);
	if (ret < 0)
		snprintf(err, errlen, "cannot write %s/%s: %s", dir, name,
			 strerror(-ret));
	safe_tmp_discard(&t);
	return ret;
}

int open_read_nofollow(const char *path)
{
	/* O_NONBLOCK: a FIFO in its place must not hang the open */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}
