// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/safefile.h"
#include "lists/listload.h"
#include "lists/liststate.h"

/* The state file is small: one short line per list name ever signed. */
#define LIST_VERSIONS_MAX_BYTES (1 << 20)

static void list_versions_discard(struct list_versions *vs);

static void state_path(char *buf, size_t len, const char *state_dir)
{
	snprintf(buf, len, "%s/%s", state_dir, LIST_VERSIONS_FILE);
}

static int valid_name(const char *s, size_t len)
{
	if (!len || len >= LIST_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return 0;
	}
	return 1;
}

static struct list_version *find(const struct list_versions *vs,
				 const char *name)
{
	for (size_t i = 0; i < vs->nr; i++)
		if (!strcmp(vs->v[i].name, name))
			return &vs->v[i];
	return NULL;
}

uint64_t list_versions_get(const struct list_versions *vs, const char *name)
{
	const struct list_version *v = find(vs, name);

	return v ? v->version : 0;
}

int list_versions_raise(struct list_versions *vs, const char *name,
			uint64_t version)
{
	struct list_version *v = find(vs, name), *grown;

	if (v) {
		if (version > v->version) {
			v->version = version;
			vs->changed = 1;
		}
		return 0;
	}
	grown = realloc(vs->v, (vs->nr + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	vs->v = grown;
	v = &vs->v[vs->nr++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->version = version;
	vs->changed = 1;
	return 0;
}

int list_versions_parse(const char *path, char *buf, size_t len,
			struct list_versions *vs, char *err, size_t errlen)
{
	char *pos, *end = buf + len;
	unsigned int line_no = 0;
	int ret = 0;

	memset(vs, 0, sizeof(*vs));
	for (pos = buf; pos < end;) {
		char *eol = memchr(pos, '\n', end - pos), *name, *num,
		     *stop = NULL;
		unsigned long long version = 0;

		line_no++;
		if (!eol) {
			/* written whole by list_versions_prepare(): a cut file */
			snprintf(
				err, errlen,
				"%s:%u: the last line has no line end (a damaged file: fix it, or remove it to forget every accepted version)",
				path, line_no);
			ret = -EINVAL;
			goto out;
		}
		*eol = '\0';
		name = pos;
		pos = eol + 1;
		if (memchr(name, '\0', eol - name)) {
			snprintf(
				err, errlen,
				"%s:%u: NUL byte (a damaged file: fix the line, or remove the file to forget every accepted version)",
				path, line_no);
			ret = -EINVAL;
			goto out;
		}
		if (!*name || *name == '#')
			continue;
		num = strchr(name, ' ');
		if (num) {
			*num++ = '\0';
			errno = 0;
			version = strtoull(num, &stop, 10);
		}
		if (!num || !valid_name(name, strlen(name)) || *num < '0' ||
		    *num > '9' || *stop || errno || find(vs, name)) {
			snprintf(
				err, errlen,
				"%s:%u: expected 'LIST-NAME VERSION', once per list (a damaged file: fix the line, or remove the file to forget every accepted version)",
				path, line_no);
			ret = -EINVAL;
			goto out;
		}
		if (list_versions_raise(vs, name, version) < 0) {
			snprintf(err, errlen, "out of memory reading %s", path);
			ret = -ENOMEM;
			goto out;
		}
	}
	vs->changed = 0;
out:
	if (ret)
		list_versions_free(vs);
	return ret;
}

int list_versions_load(const char *state_dir, struct list_versions *vs,
		       char *err, size_t errlen)
{
	char path[PATH_MAX + 32], why[PATH_MAX + 128], *buf;
	size_t len;
	int ret;

	memset(vs, 0, sizeof(*vs));
	/* a state others could have written is no protection at all */
	ret = dir_check_private(state_dir, "state_dir", err, errlen);
	if (ret == -ENOENT)
		return 0; /* nothing accepted yet */
	if (ret < 0)
		return ret;
	state_path(path, sizeof(path), state_dir);
	ret = list_read_file(path, LIST_VERSIONS_MAX_BYTES, &buf, &len, why,
			     sizeof(why));
	if (ret == -ENOENT)
		return 0; /* nothing accepted yet */
	if (ret == -EFBIG) {
		snprintf(
			err, errlen,
			"%s: larger than 1 MiB, so not an anti-rollback state written by xdpblockd (check state_dir in [daemon])",
			path);
		return ret;
	}
	if (ret < 0) {
		snprintf(
			err, errlen,
			"%s (the anti-rollback state: check state_dir in [daemon])",
			why);
		return ret;
	}
	ret = list_versions_parse(path, buf, len, vs, err, errlen);
	free(buf);
	return ret;
}

int state_dir_make(const char *state_dir)
{
	char path[PATH_MAX];
	size_t len = strlen(state_dir);

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, state_dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int list_versions_prepare(const char *state_dir, struct list_versions *vs,
			  char *err, size_t errlen)
{
	size_t cap = 128 + vs->nr * (LIST_NAME_MAX + 24), len;
	char *text = malloc(cap);
	int ret;

	if (!text) {
		snprintf(err, errlen, "out of memory writing the state");
		return -ENOMEM;
	}
	len = snprintf(
		text, cap,
		"# xdpblockd: newest signed version accepted per list (see xdpblock.conf(5), state_dir)\n");
	for (size_t i = 0; i < vs->nr; i++)
		len += snprintf(text + len, cap - len, "%s %llu\n",
				vs->v[i].name,
				(unsigned long long)vs->v[i].version);
	ret = state_dir_make(state_dir);
	if (ret < 0) {
		snprintf(
			err, errlen,
			"cannot create state_dir %s: %s (it holds the anti-rollback versions: fix its path or permissions)",
			state_dir, strerror(-ret));
		goto out;
	}
	list_versions_discard(vs);
	ret = safe_tmp_open(&vs->tmp, state_dir, "state_dir", err, errlen);
	if (ret < 0)
		goto out;
	ret = write_full(vs->tmp.fd, text, len);
	if (!ret)
		ret = safe_tmp_link(&vs->tmp, LIST_VERSIONS_FILE);
	if (ret < 0) {
		snprintf(
			err, errlen,
			"cannot write a new %s in %s: %s (state_dir holds the anti-rollback versions: fix its permissions or free space)",
			LIST_VERSIONS_FILE, state_dir, strerror(-ret));
		list_versions_discard(vs);
		goto out;
	}
	vs->prepared = 1;
out:
	free(text);
	return ret;
}

int list_versions_commit(const char *state_dir, struct list_versions *vs,
			 char *err, size_t errlen)
{
	int ret;

	if (!vs->prepared)
		return 0;
	ret = safe_tmp_install(&vs->tmp, LIST_VERSIONS_FILE);
	if (ret < 0)
		snprintf(err, errlen, "cannot put %s in place in %s: %s",
			 LIST_VERSIONS_FILE, state_dir, strerror(-ret));
	else
		vs->changed = 0;
	list_versions_discard(vs);
	return ret;
}

static void list_versions_discard(struct list_versions *vs)
{
	if (vs->prepared)
		safe_tmp_discard(&vs->tmp);
	vs->prepared = 0;
}

void list_versions_free(struct list_versions *vs)
{
	list_versions_discard(vs);
	free(vs->v);
	memset(vs, 0, sizeof(*vs));
}
