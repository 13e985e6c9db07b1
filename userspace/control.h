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

#include <sys/types.h>
#include <json-c/json.h>

#define CONTROL_PROTOCOL_VERSION 1
#define CONTROL_MAX_MESSAGE (16u << 20) /* responses carry rule lists */
#define CONTROL_MAX_REQUEST 4096
#define CONTROL_TIMEOUT_MS 2000

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

/* Who is at the other end of the accepted connection @fd. */
void control_peer_get(int fd, struct control_peer *peer);

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
