/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The control commands, as xdpblockd serves them (commands.c). */
#ifndef XDPBLOCK_COMMANDS_H
#define XDPBLOCK_COMMANDS_H

#include <stddef.h>

#include "daemon/daemon.h"

/*
 * Control commands: fill @result or return -1 with @err set. Reading
 * commands (status, stats, top, lookup) are for anyone who can connect;
 * changing ones (reload, stop) for uid 0 or a member of admin_group.
 */
struct json_object;
struct control_peer;
int command_dispatch(struct daemon *d, const struct control_peer *peer,
		     struct json_object *request, struct json_object **result,
		     char *err, size_t errlen);
/*
 * The control server's handler (control_handler, @daemon a struct daemon):
 * one complete request, answered in the main loop with {"ok": true,
 * "result": ...} or {"ok": false, "error": "..."}.
 */
struct json_object *command_serve(void *daemon, const struct control_peer *peer,
				  struct json_object *request);

#define TOP_DEFAULT_RULES 10
#define TOP_MAX_RULES 10000
/*
 * The `top` command, also served as /top by the metrics endpoint: the
 * rules with the most packets, at most "limit" (default 10) of list "list"
 * (default all). Returns 0, -EINVAL for a bad request, or another negative
 * errno, with @err set.
 */
int command_top(struct daemon *d, struct json_object *request,
		struct json_object **result, char *err, size_t errlen);

#endif
