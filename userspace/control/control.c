// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/words.h"
#include "config/config.h"
#include "control/control.h"

/*
 * Every command, once: xdpblockctl reads its usage text and what to send
 * from here, xdpblockd what it serves and who may ask (commands.c);
 * tests/unit/doc_tests.c holds xdpblockctl(8) to the table.
 */
const struct control_command control_commands[CONTROL_CMD_MAX] = {
	[CONTROL_CMD_STATUS] = {"status",
				0,
				{{NULL,
				  "interfaces, lists and the last reload"}}},
	[CONTROL_CMD_RELOAD] =
		{"reload",
		 CONTROL_CMD_CHANGES,
		 {{"[LIST]",
		   "reload config and lists (or only LIST's file), wait for the result"}}},
	[CONTROL_CMD_LOOKUP] =
		{"lookup",
		 0,
		 {{"ADDRESS",
		   "which list and rule match ADDRESS, as source and destination"},
		  {"NAME",
		   "which domain rule and list a DNS query, a TLS SNI and an HTTP Host of NAME meet"}}},
	[CONTROL_CMD_STATS] =
		{"stats",
		 0,
		 {{"[--limit N]",
		   "totals per interface and list, rules with hits (N: 0 = all)"}}},
	[CONTROL_CMD_STOP] =
		{"stop",
		 CONTROL_CMD_CHANGES,
		 {{"[--keep-attached]",
		   "stop the daemon; with --keep-attached filtering\n"
		   "goes on with the current rules until the next daemon"}}},
	[CONTROL_CMD_CLEANUP] =
		{"cleanup",
		 CONTROL_CMD_LOCAL,
		 {{"[--pin-path DIR]",
		   "with no daemon running: detach and unpin what\n"
		   "a daemon left (default " DEFAULT_PIN_PATH ")"}}},
	[CONTROL_CMD_TOP] =
		{"top",
		 0,
		 {{"[N] [--list NAME]",
		   "the N rules with the most packets (default 10, at most 10000)"}}},
};

int control_command_find(const char *name)
{
	for (int c = 0; c < CONTROL_CMD_MAX; c++)
		if (!strcmp(control_commands[c].name, name))
			return c;
	return -1;
}

struct command_filter {
	unsigned int mask, want;
};

/* words_fn over the names of the commands that pass a command_filter */
static const char *command_word(const void *filter, size_t i)
{
	const struct command_filter *f = filter;

	for (int c = 0; c < CONTROL_CMD_MAX; c++)
		if ((control_commands[c].flags & f->mask) == f->want && !i--)
			return control_commands[c].name;
	return NULL;
}

char *control_command_names(char *buf, size_t len, unsigned int mask,
			    unsigned int want)
{
	const struct command_filter f = {mask, want};

	return words_join(buf, len, command_word, &f, ", ", " and ");
}

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

struct control_client {
	int fd;
	struct control_peer peer;
	char in[CONTROL_MAX_REQUEST + 1]; /* the request, gathered */
	size_t in_len;
	char *out; /* the response line being sent, or NULL */
	size_t out_len, out_off;
	uint64_t deadline_ms; /* CLOCK_MONOTONIC: dropped when it passes */
};

struct control_server {
	int listen_fd;
	control_handler fn;
	void *arg;
	struct control_client clients[CONTROL_MAX_CLIENTS];
	int nr;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct control_server *control_server_new(int listen_fd, control_handler fn,
					  void *arg)
{
	struct control_server *s = calloc(1, sizeof(*s));

	/* accept_clients() takes all that wait, then finds EAGAIN */
	if (!s || fcntl(listen_fd, F_SETFL,
			fcntl(listen_fd, F_GETFL) | O_NONBLOCK) < 0) {
		free(s);
		return NULL;
	}
	s->listen_fd = listen_fd;
	s->fn = fn;
	s->arg = arg;
	return s;
}

static void client_close(struct control_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
}

void control_server_free(struct control_server *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nr; i++)
		client_close(&s->clients[i]);
	free(s);
}

int control_server_pollfds(struct control_server *s, struct pollfd *pfds)
{
	pfds[0] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
	for (int i = 0; i < s->nr; i++)
		pfds[i + 1] = (struct pollfd){
			.fd = s->clients[i].fd,
			.events = s->clients[i].out ? POLLOUT : POLLIN,
		};
	return s->nr + 1;
}

int control_server_timeout_ms(const struct control_server *s)
{
	uint64_t now = now_ms(), first = UINT64_MAX;

	for (int i = 0; i < s->nr; i++)
		if (s->clients[i].deadline_ms < first)
			first = s->clients[i].deadline_ms;
	if (first == UINT64_MAX)
		return -1;
	return first <= now ? 0 : (int)(first - now);
}

/* Send what the socket takes now; 1 when all is sent, 0 for more, -1. */
static int client_flush(struct control_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		c->out_off += w;
		/* a reader that makes progress gets another period */
		c->deadline_ms = now_ms() + CONTROL_TIMEOUT_MS;
	}
	return 1;
}

static struct json_object *error_response(const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

/*
 * Queue @obj as the response line (taking it) and send what fits now.
 * Answers wait in memory for clients that read slowly: one is at most
 * what a client accepts (CONTROL_MAX_MESSAGE), all of them together at
 * most CONTROL_MAX_QUEUED; beyond either the client gets an error line.
 */
static int client_respond(struct control_server *s, struct control_client *c,
			  struct json_object *obj)
{
	const char *text = obj ? json_object_to_json_string_ext(
					 obj, JSON_C_TO_STRING_PLAIN)
			       : NULL;
	size_t len = text ? strlen(text) : 0, queued = 0;
	char msg[200] = "";

	for (int i = 0; i < s->nr; i++)
		if (s->clients[i].fd >= 0 && s->clients[i].out)
			queued += s->clients[i].out_len - s->clients[i].out_off;
	if (len >= CONTROL_MAX_MESSAGE)
		snprintf(
			msg, sizeof(msg),
			"the answer is %zu bytes, more than the %u a client accepts: ask for fewer rules (--limit)",
			len, CONTROL_MAX_MESSAGE);
	else if (queued + len > CONTROL_MAX_QUEUED)
		snprintf(
			msg, sizeof(msg),
			"xdpblockd has %zu bytes of answers waiting for slow clients: try again shortly",
			queued);
	if (msg[0]) {
		json_object_put(obj);
		obj = error_response(msg);
		text = json_object_to_json_string_ext(obj,
						      JSON_C_TO_STRING_PLAIN);
		len = text ? strlen(text) : 0;
	}
	if (text)
		c->out = malloc(len + 1);
	if (c->out) {
		memcpy(c->out, text, len);
		c->out[len++] = '\n';
		c->out_len = len;
		c->out_off = 0;
	}
	json_object_put(obj);
	if (!c->out)
		return -1;
	c->deadline_ms = now_ms() + CONTROL_TIMEOUT_MS;
	return client_flush(c);
}

/* Read what has arrived; answer once the line is complete. 0: keep. */
static int client_read(struct control_server *s, struct control_client *c)
{
	struct json_object *req;
	enum json_tokener_error jerr;
	char err[200];

	for (;;) {
		ssize_t n;

		if (memchr(c->in, '\n', c->in_len))
			break;
		if (c->in_len == CONTROL_MAX_REQUEST) {
			snprintf(err, sizeof(err),
				 "request longer than %u bytes",
				 CONTROL_MAX_REQUEST);
			return client_respond(s, c, error_response(err)) < 0
				       ? -1
				       : 0;
		}
		n = read(c->fd, c->in + c->in_len,
			 CONTROL_MAX_REQUEST - c->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		if (n == 0)
			return -1; /* gone mid-request: nobody to answer */
		c->in_len += n;
	}
	c->in[c->in_len] = '\0';
	req = json_tokener_parse_verbose(c->in, &jerr);
	if (!req || !json_object_is_type(req, json_type_object)) {
		snprintf(err, sizeof(err), "not a JSON object: %s",
			 req ? "wrong type" : json_tokener_error_desc(jerr));
		json_object_put(req);
		return client_respond(s, c, error_response(err)) < 0 ? -1 : 0;
	}
	/* the handler runs in the loop: the request is complete by now */
	if (client_respond(s, c, s->fn(s->arg, &c->peer, req)) < 0) {
		json_object_put(req);
		return -1;
	}
	json_object_put(req);
	return 0;
}

/*
 * A client beyond its share gets one line saying so. What it sent is read
 * first: closing a UNIX socket with unread data makes its reader see
 * ECONNRESET instead of the line.
 */
static void refuse(int fd, const char *msg)
{
	struct json_object *o = error_response(msg);
	const char *text =
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	char drain[CONTROL_MAX_REQUEST];

	while (recv(fd, drain, sizeof(drain), MSG_DONTWAIT) > 0)
		;
	/* a fresh socket's buffer takes one short line without waiting */
	if (send(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
		send(fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_WR);
	json_object_put(o);
	close(fd);
}

static void peer_read(int fd, struct control_peer *p)
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

static void accept_clients(struct control_server *s)
{
	for (;;) {
		struct control_peer peer;
		int fd = accept4(s->listen_fd, NULL, NULL,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);
		int same = 0, others = 0;
		char msg[200];

		if (fd < 0)
			return; /* EAGAIN: all taken; anything else: next wake */
		peer_read(fd, &peer);
		for (int i = 0; i < s->nr; i++) {
			same += s->clients[i].peer.uid == peer.uid;
			others += s->clients[i].peer.uid != 0;
		}
		/*
		 * root is never refused while a slot is free: the group's
		 * members cannot keep the administrator out.
		 */
		if (peer.uid != 0 && same >= CONTROL_MAX_PER_PEER) {
			snprintf(
				msg, sizeof(msg),
				"too many control connections from uid %u (at most %d at once): wait for the others to finish",
				(unsigned int)peer.uid, CONTROL_MAX_PER_PEER);
			refuse(fd, msg);
			continue;
		}
		if (s->nr == CONTROL_MAX_CLIENTS ||
		    (peer.uid != 0 &&
		     others >= CONTROL_MAX_CLIENTS - CONTROL_MAX_PER_PEER)) {
			snprintf(
				msg, sizeof(msg),
				"too many control connections (at most %d at once): try again shortly",
				CONTROL_MAX_CLIENTS);
			refuse(fd, msg);
			continue;
		}
		s->clients[s->nr] = (struct control_client){
			.fd = fd,
			.peer = peer,
			.deadline_ms = now_ms() + CONTROL_TIMEOUT_MS,
		};
		s->nr++;
	}
}

void control_server_run(struct control_server *s, const struct pollfd *pfds,
			int nr)
{
	uint64_t now;
	int out = 0;

	/* pfds[i + 1] is clients[i]: nothing reordered them since the fill */
	for (int i = 0; i + 1 < nr && i < s->nr; i++) {
		struct control_client *c = &s->clients[i];
		short ev = pfds[i + 1].revents;
		int r = 0;

		if (!ev || pfds[i + 1].fd != c->fd)
			continue;
		if (c->out) {
			r = client_flush(c);
		} else if (ev & (POLLIN | POLLHUP | POLLERR)) {
			r = client_read(s, c);
			if (r == 0 && c->out)
				r = client_flush(c);
		}
		/* answered in full: one request per connection */
		if (r != 0)
			client_close(c);
	}
	now = now_ms();
	for (int i = 0; i < s->nr; i++) {
		struct control_client *c = &s->clients[i];

		if (c->fd >= 0 && c->deadline_ms <= now)
			client_close(c); /* too slow to send or to read */
		if (c->fd >= 0)
			s->clients[out++] = *c;
	}
	s->nr = out;
	if (nr > 0 && pfds[0].revents & POLLIN)
		accept_clients(s);
}
