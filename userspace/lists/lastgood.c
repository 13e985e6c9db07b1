// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/safefile.h"
#include "lists/lastgood.h"
#include "lists/liststate.h"

#define MAGIC "xdpblock-last-good 1\n"
#define TARGET_PREFIX "list-"

static void dir_path(char *buf, size_t len, const char *state_dir)
{
	/* state_dir is at most PATH_MAX - 64 (config.c) */
	snprintf(buf, len, "%.*s/%s", PATH_MAX - 64, state_dir, LASTGOOD_DIR);
}

void lastgood_path(char *buf, size_t len, const char *state_dir,
		   const char *name)
{
	char dir[PATH_MAX];

	dir_path(dir, sizeof(dir), state_dir);
	snprintf(buf, len, "%s/" TARGET_PREFIX "%s", dir, name);
}

/* STATE_DIR and STATE_DIR/lastgood, 0700, checked as the state is. */
static int make_dir(const char *state_dir, char *dir, size_t dirlen, char *err,
		    size_t errlen)
{
	int ret = state_dir_make(state_dir);

	dir_path(dir, dirlen, state_dir);
	if (ret == 0 && mkdir(dir, 0700) < 0 && errno != EEXIST)
		ret = -errno;
	if (ret < 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir,
			 strerror(-ret));
		return ret;
	}
	return dir_check_private(dir, "state_dir", err, errlen);
}

static int header(char *buf, size_t len, const struct list_bytes *b)
{
	return snprintf(buf, len, MAGIC "signature %zu\nlist %zu\n\n",
			b->sig ? b->sig_len : 0, b->len);
}

/* Does the copy at @path hold exactly @hdr, then @b's bytes? */
static int same_copy(const char *path, const char *hdr, size_t hdr_len,
		     const struct list_bytes *b)
{
	size_t sig_len = b->sig ? b->sig_len : 0;
	const struct {
		const char *p;
		size_t len;
	} parts[] = {{hdr, hdr_len}, {b->sig, sig_len}, {b->data, b->len}};
	char buf[65536];
	struct stat st;
	int fd = open_read_nofollow(path), same = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 ||
	    (uint64_t)st.st_size != hdr_len + sig_len + b->len)
		goto out;
	for (size_t i = 0; i < 3; i++) {
		size_t off = 0;

		while (off < parts[i].len) {
			size_t want = parts[i].len - off;
			ssize_t n =
				read(fd, buf,
				     want < sizeof(buf) ? want : sizeof(buf));

			if (n <= 0 || memcmp(buf, parts[i].p + off, n))
				goto out;
			off += n;
		}
	}
	same = 1;
out:
	close(fd);
	return same;
}

int lastgood_stage(struct lastgood_batch *b, const char *state_dir,
		   const char *name, const struct list_bytes *bytes, char *err,
		   size_t errlen)
{
	struct lastgood_staged *item;
	char dir[PATH_MAX], path[PATH_MAX + LIST_NAME_MAX + 16], hdr[96];
	struct safe_tmp t;
	int hdr_len = header(hdr, sizeof(hdr), bytes), ret;

	if (b->nr >= XDPB_MAX_LISTS)
		return -ENOSPC; /* one per list: never */
	lastgood_path(path, sizeof(path), state_dir, name);
	if (same_copy(path, hdr, hdr_len, bytes))
		return 0;
	ret = make_dir(state_dir, dir, sizeof(dir), err, errlen);
	if (ret < 0)
		return ret;
	ret = safe_tmp_open(&t, dir, "state_dir", err, errlen);
	if (ret < 0)
		return ret;
	item = &b->items[b->nr];
	snprintf(item->target, sizeof(item->target), TARGET_PREFIX "%s", name);
	ret = write_full(t.fd, hdr, hdr_len);
	if (!ret && bytes->sig)
		ret = write_full(t.fd, bytes->sig, bytes->sig_len);
	if (!ret)
		ret = write_full(t.fd, bytes->data, bytes->len);
	if (!ret)
		ret = safe_tmp_link(&t, item->target);
	if (ret < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path,
			 strerror(-ret));
		safe_tmp_discard(&t);
		return ret;
	}
	/* synced and named: only its name is needed until the commit */
	snprintf(item->hidden, sizeof(item->hidden), "%s", t.name);
	close(t.fd);
	close(t.dir_fd);
	b->nr++;
	return 0;
}

int lastgood_commit(struct lastgood_batch *b, const char *state_dir, char *err,
		    size_t errlen)
{
	char dir[PATH_MAX];
	int dir_fd, ret = 0;

	if (!b->nr)
		return 0;
	dir_path(dir, sizeof(dir), state_dir);
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", dir,
			 strerror(-ret));
		return ret;
	}
	for (int i = 0; i < b->nr; i++)
		if (renameat(dir_fd, b->items[i].hidden, dir_fd,
			     b->items[i].target) < 0 &&
		    !ret) {
			ret = -errno;
			snprintf(err, errlen, "cannot rename %s/%s: %s", dir,
				 b->items[i].target, strerror(-ret));
			unlinkat(dir_fd, b->items[i].hidden, 0);
		}
	if (fsync(dir_fd) < 0 && !ret) {
		ret = -errno;
		snprintf(err, errlen, "cannot sync %s: %s", dir,
			 strerror(-ret));
	}
	close(dir_fd);
	b->nr = 0;
	return ret;
}

void lastgood_discard(struct lastgood_batch *b, const char *state_dir)
{
	char dir[PATH_MAX];
	int dir_fd;

	if (!b->nr)
		return;
	dir_path(dir, sizeof(dir), state_dir);
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	for (int i = 0; dir_fd >= 0 && i < b->nr; i++)
		unlinkat(dir_fd, b->items[i].hidden, 0);
	if (dir_fd >= 0)
		close(dir_fd);
	b->nr = 0;
}

/* "WORD N\n" at *@pos: N, and *@pos past the line; -1 if it is not there. */
static int64_t header_number(const char **pos, const char *end,
			     const char *word)
{
	size_t wlen = strlen(word);
	const char *p = *pos;
	uint64_t n = 0;

	if ((size_t)(end - p) < wlen + 2 || memcmp(p, word, wlen) ||
	    p[wlen] != ' ')
		return -1;
	p += wlen + 1;
	if (p >= end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - 9) / 10 || n > INT64_MAX / 10)
			return -1;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p >= end || *p != '\n')
		return -1;
	*pos = p + 1;
	return (int64_t)n;
}

int lastgood_read(const char *state_dir, const char *name, uint64_t max_bytes,
		  struct list_bytes *out, char *err, size_t errlen)
{
	char path[PATH_MAX + LIST_NAME_MAX + 16], *data = NULL;
	const char *pos, *end;
	int64_t sig_len, list_len;
	struct stat st;
	size_t len;
	int ret;

	memset(out, 0, sizeof(*out));
	lastgood_path(path, sizeof(path), state_dir, name);
	ret = list_read_file(path, max_bytes + LIST_SIGNATURE_MAX_BYTES + 4096,
			     &data, &len, err, errlen);
	if (ret < 0)
		return ret;
	if (stat(path, &st) == 0)
		out->mtime = st.st_mtime;
	pos = data;
	end = data + len;
	if (len < sizeof(MAGIC) - 1 || memcmp(data, MAGIC, sizeof(MAGIC) - 1))
		goto bad;
	pos += sizeof(MAGIC) - 1;
	sig_len = header_number(&pos, end, "signature");
	list_len = header_number(&pos, end, "list");
	if (sig_len < 0 || list_len < 0 || pos >= end || *pos++ != '\n' ||
	    (uint64_t)(end - pos) != (uint64_t)sig_len + (uint64_t)list_len)
		goto bad;
	if (sig_len) {
		out->sig = malloc(sig_len + 1);
		if (!out->sig)
			goto nomem;
		memcpy(out->sig, pos, sig_len);
		out->sig[sig_len] = '\0';
		out->sig_len = sig_len;
	}
	/* the list's bytes stay in place: moved to the front of the buffer */
	memmove(data, pos + sig_len, list_len);
	data[list_len] = '\0';
	out->data = data;
	out->len = list_len;
	return 0;
bad:
	snprintf(err, errlen,
		 "%s: not a last good copy written by xdpblockd (remove it)",
		 path);
	free(data);
	return -EINVAL;
nomem:
	snprintf(err, errlen, "%s: out of memory", path);
	free(data);
	return -ENOMEM;
}

void lastgood_prune(const char *state_dir, const struct daemon_config *cfg)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *dh;
	int fd;

	dir_path(dir, sizeof(dir), state_dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	dh = fdopendir(fd);
	if (!dh) {
		close(fd);
		return;
	}
	while ((de = readdir(dh))) {
		const char *name = de->d_name;
		int configured = 0;

		/* a copy staged by a daemon that died before its commit */
		if (strstr(name, SAFE_TMP_MARK)) {
			unlinkat(dirfd(dh), name, 0);
			continue;
		}
		if (strncmp(name, TARGET_PREFIX, strlen(TARGET_PREFIX)))
			continue;
		name += strlen(TARGET_PREFIX);
		for (int i = 0; i < cfg->nr_lists && !configured; i++)
			configured = !strcmp(cfg->lists[i].name, name);
		if (!configured)
			unlinkat(dirfd(dh), de->d_name, 0);
	}
	closedir(dh);
}
