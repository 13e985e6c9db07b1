// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/inputfile.h"

static const char *file_type_name(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "FIFO";
	if (S_ISDIR(mode))
		return "directory";
	if (S_ISSOCK(mode))
		return "socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "device";
	return "special file";
}

int input_open(const char *path, struct stat *st, char *err, size_t errlen)
{
	struct stat own;
	int fd, flags, ret;

	if (!st)
		st = &own;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ELOOP)
			snprintf(
				err, errlen,
				"is a symbolic link, which xdpblock does not follow (name the file it points to)");
		else
			snprintf(err, errlen, "cannot open: %s",
				 strerror(-ret));
		return ret;
	}
	if (fstat(fd, st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot stat: %s", strerror(-ret));
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(
			err, errlen,
			"not a regular file but a %s: name a file (replace it by rename, not through a pipe)",
			file_type_name(st->st_mode));
		ret = -EINVAL;
		goto fail;
	}
	/* a regular file reads the same either way; clear it for clarity */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open: %s", strerror(-ret));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return ret;
}
