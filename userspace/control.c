// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"

static int make_parent_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	/* mkdir -p: every missing level, parents first */
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int control_listen(const char *path, gid_t gid, char *err, size_t errlen)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old_umask;
	int fd, probe, bound;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "control socket path %s is too long",
			 path);
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, path);
	probe = control_connect(path);
	if (probe >= 0) {
		close(probe);
		snprintf(
			err, errlen,
			"another xdpblockd is running on %s (stop it first, or set control_socket)",
			path);
		return -EADDRINUSE;
	}
	if (make_parent_dir(path) < 0) {
		snprintf(err, errlen, "cannot create the directory of %s: %s",
			 path, strerror(errno));
		return -errno;
	}
	/* a stale socket from a daemon that died; never anything else */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(
				err, errlen,
				"%s exists and is not a socket: set control_socket to another path",
				path);
			return -EEXIST;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* born 0660: no moment with the umask's permissions */
	old_umask = umask(0117);
	bound = fd >= 0 &&
		bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	umask(old_umask);
	if (!bound || chmod(path, 0660) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot listen on %s: %s", path,
			 strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	/*
	 * control_group: the group's members may connect. Changed before
	 * listen(), so nobody connects while the group is still the daemon's.
	 */
	if (gid != (gid_t)-1 && lchown(path, (uid_t)-1, gid) < 0) {
		int e = errno;

		snprintf(
			err, errlen,
			"cannot give %s to group %u (control_group): %s%s",
			path, (unsigned int)gid, strerror(e),
			e == EPERM
				? "; xdpblockd needs CAP_CHOWN to set a group it is not in"
				: "");
		close(fd);
		unlink(path);
		return -e;
	}
	if (listen(fd, 16) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot listen on %s: %s", path,
			 strerror(e));
		close(fd);
		unlink(path);
		return -e;
	}
	return fd;
}

static long remaining_ms(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

struct json_object *control_read(int fd, size_t max, int timeout_ms, char *err,
				 size_t errlen)
{
	struct timespec deadline;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);
	struct json_object *obj = NULL;
	enum json_tokener_error jerr;

	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long left = remaining_ms(&deadline);
		ssize_t n;

		if (memchr(buf, '\n', len))
			break;
		if (left <= 0 || poll(&pfd, 1, left) <= 0) {
			snprintf(err, errlen,
				 "timed out waiting for a message");
			goto out;
		}
		if (len == cap) {
			char *nb;

			if (cap >= max) {
				snprintf(err, errlen,
					 "message longer than %zu bytes", max);
				goto out;
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen,
				 n == 0 ? "connection closed mid-message"
					: "read failed: %s",
				 strerror(errno));
			goto out;
		}
		len += n;
	}
	buf[len] = '\0';
	obj = json_tokener_parse_verbose(buf, &jerr);
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "not a JSON object: %s",
			 obj ? "wrong type" : json_tokener_error_desc(jerr));
		json_object_put(obj);
		obj = NULL;
	}
out:
	free(buf);
	return obj;
}

int control_write(int fd, struct json_object *obj)
{
	const char *text =
		json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text);
	char *line = malloc(len + 1);
	size_t off = 0;
	int err = 0;

	if (!line)
		return -ENOMEM;
	memcpy(line, text, len);
	line[len++] = '\n';
	while (off < len) {
		ssize_t w = send(fd, line + off, len - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			err = -errno;
			break;
		}
		off += w;
	}
	free(line);
	return err;
}

int control_connect(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int control_peer_in_group(const struct control_peer *peer, gid_t gid)
{
	if (gid == (gid_t)-1)
		return 0;
	if (peer->gid == gid)
		return 1;
	for (int i = 0; i < peer->nr_groups; i++)
		if (peer->groups[i] == gid)
			return 1;
	return 0;
}

void control_peer_get(int fd, struct control_peer *p)
{
	struct ucred cred = {.uid = (uid_t)-1, .gid = (gid_t)-1};
	socklen_t len = sizeof(cred);
	socklen_t glen = sizeof(p->groups);

	memset(p, 0, sizeof(*p));
	/* on failure: uid -1, which no role matches */
	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
	p->pid = cred.pid;
	p->uid = cred.uid;
	p->gid = cred.gid;
	/*
	 * The supplementary groups at connect time (Linux 4.13): a member of
	 * admin_group by a supplementary group is one, as for file access.
	 * A peer with more groups than fit is judged by those that do.
	 */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->groups, &glen) == 0)
		p->nr_groups = glen / sizeof(gid_t);
	else if (errno == ERANGE)
		p->nr_groups = CONTROL_MAX_PEER_GROUPS;
}
