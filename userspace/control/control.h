/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Control protocol between xdpblockctl and xdpblockd: one JSON object per
 * line over a UNIX stream socket, one request and one response per
 * connection. Requests carry "version" (CONTROL_PROTOCOL_VERSION) and
 * "command"; responses carry "ok" and either "result" or "error".
 * Every message is length-checked against CONTROL_MAX_MESSAGE.
 */
#ifndef XDPBLOCK_CONTROL_H
#define XDPBLOCK_CONTROL_H

#include <poll.h>
#include <sys/types.h>
#include <json-c/json.h>

#define CONTROL_PROTOCOL_VERSION 1
#define CONTROL_MAX_MESSAGE (16u << 20) /* responses carry rule lists */
#define CONTROL_MAX_REQUEST 4096
#define CONTROL_TIMEOUT_MS 2000
/*
 * Clients served at once: a uid other than root holds at most
 * CONTROL_MAX_PER_PEER connections, and all of them together leave
 * CONTROL_MAX_PER_PEER slots that only root may take.
 */
#define CONTROL_MAX_PER_PEER 8
#define CONTROL_MAX_CLIENTS 64
/* answers waiting for slow readers, all clients together */
#define CONTROL_MAX_QUEUED (4 * CONTROL_MAX_MESSAGE)

/*
 * The commands of xdpblockctl, in the order of its usage text. All but
 * CONTROL_CMD_CLEANUP are sent to the daemon as "command": name.
 */
enum control_cmd {
	CONTROL_CMD_STATUS,
	CONTROL_CMD_RELOAD,
	CONTROL_CMD_LOOKUP,
	CONTROL_CMD_STATS,
	CONTROL_CMD_STOP,
	CONTROL_CMD_CLEANUP,
	CONTROL_CMD_TOP,
	CONTROL_CMD_MAX,
};
/* changes what filters: uid 0 or a member of admin_group only */
#define CONTROL_CMD_CHANGES (1u << 0)
/* xdpblockctl's own, without the daemon */
#define CONTROL_CMD_LOCAL (1u << 1)

struct control_command {
	const char *name;
	unsigned int flags; /* CONTROL_CMD_* */
	/* xdpblockctl --help: up to two forms, each its arguments and help */
	struct {
		const char *args, *help;
	} usage[2];
};
extern const struct control_command control_commands[CONTROL_CMD_MAX];
/* The command called @name (enum control_cmd), or -1. */
int control_command_find(const char *name);
/*
 * The names of the commands whose flags & @mask are @want, "a, b and c",
 * into @buf; returns @buf.
 */
char *control_command_names(char *buf, size_t len, unsigned int mask,
			    unsigned int want);

/* Who is at the other end, from SO_PEERCRED and SO_PEERGROUPS. */
#define CONTROL_MAX_PEER_GROUPS 64
struct control_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	gid_t groups[CONTROL_MAX_PEER_GROUPS]; /* supplementary */
	int nr_groups;
};

/* Is @peer's primary or a supplementary group @gid? */
int control_peer_in_group(const struct control_peer *peer, gid_t gid);

/*
 * The server side of the connections, for a single-threaded poll loop
 * that must never wait on a client: every socket is non-blocking, a
 * client's request is gathered across wake-ups in its own buffer and its
 * response is written as the socket takes it. A client that has not sent
 * its whole request within CONTROL_TIMEOUT_MS, or whose response makes no
 * progress for as long, is dropped.
 */
struct control_server;
/*
 * Answer one parsed request: return the response object (owned by the
 * caller). @peer is who sent it.
 */
typedef struct json_object *(*control_handler)(void *arg,
					       const struct control_peer *peer,
					       struct json_object *request);
struct control_server *control_server_new(int listen_fd, control_handler fn,
					  void *arg);
void control_server_free(struct control_server *s);
/*
 * Fill @pfds (room for CONTROL_MAX_CLIENTS + 1) with the listening socket
 * and every client; returns how many.
 */
int control_server_pollfds(struct control_server *s, struct pollfd *pfds);
/* The longest the poll may wait for the next client deadline; -1: none. */
int control_server_timeout_ms(const struct control_server *s);
/* After a poll: accept, read, answer, write, drop; never blocks. */
void control_server_run(struct control_server *s, const struct pollfd *pfds,
			int nr);

/*
 * Server side: a listening socket at @path, mode 0660, owned by group @gid
 * ((gid_t)-1: the daemon's own group).
 */
int control_listen(const char *path, gid_t gid, char *err, size_t errlen);
/*
 * Read one newline-terminated message of at most @max bytes from @fd
 * within @timeout_ms. Returns the parsed object or NULL with @err set.
 */
struct json_object *control_read(int fd, size_t max, int timeout_ms, char *err,
				 size_t errlen);
/* Write @obj as one line. */
int control_write(int fd, struct json_object *obj);
/* Client side: connect to @path. Returns fd or -errno. */
int control_connect(const char *path);

#endif
