// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the control protocol's requests, as xdpblockd serves
 * them. A daemon is set up once, as xdpblockd sets itself up (its config,
 * two small lists, the BPF maps and program loaded, no interface
 * attached: the configured one does not exist), with its real control
 * server (control.c) and command handler (commands.c). Each input is sent
 * over a connection to that server:
 *
 *   byte 0, bit 0: who asks. 0: root; 1: a member of the socket's group
 *                  only (the handler is given that peer instead of the
 *                  connection's own, which is root's);
 *   byte 1:        the size of each write, 1 to 256 bytes, so a request
 *                  arrives in pieces across the server's wake-ups;
 *   the rest:      the bytes of the request. Without a newline the client
 *                  shuts its side after them.
 *
 * Beyond memory errors (ASan, UBSan) it checks what a client and the
 * operator rely on (each broken one is a crash):
 *   - the server finishes with the connection without waiting for a
 *     deadline: it answers or closes;
 *   - a request line within CONTROL_MAX_REQUEST gets exactly one answer:
 *     one line, a JSON object with "ok", and "result" or an "error" in
 *     printable ASCII (input it quotes is escaped: issue 12, finding 9);
 *   - a group member never stops the daemon or reloads it (issue 12,
 *     finding 3), and the running rules stay as they were.
 * Needs root (the BPF maps and program).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "control/control.h"
#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "daemon/reload.h"
#include "rules/ruleids.h"

#include "fuzz_target.h"

#define MEMBER_UID 65534
#define MAX_STEPS 10000

static struct daemon d;
static struct control_server *server;
static char dir[80], sock_path[128];
static int as_member; /* the role of the input being run */
static int handled; /* requests that reached the handler */

__attribute__((noreturn)) static void fail(const char *what)
{
	fprintf(stderr, "fuzz_control: %s\n", what);
	__builtin_trap();
}

static void write_file(const char *name, const char *text)
{
	char path[192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		fail("cannot write the lab's files");
}

/* the daemon's handler, given the role the input picked */
static struct json_object *handler(void *arg, const struct control_peer *peer,
				   struct json_object *req)
{
	struct control_peer member = *peer;

	handled++;
	if (as_member) {
		member.uid = MEMBER_UID;
		member.gid = 0; /* control_group = root */
		member.nr_groups = 0;
	}
	return command_serve(arg, &member, req);
}

static void cleanup(void)
{
	char cmd[128];

	control_server_free(server);
	loader_close(&d.loader, 1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "fuzz_control: %s left behind\n", dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char conf[2048], err[700];
	int listen_fd;

	(void)argc;
	(void)argv;
	log_init("fuzz_control", LOG_LEVEL_ERR);
	/* in TMPDIR: fuzz_smoke.sh's, removed even after a crash */
	snprintf(dir, sizeof(dir), "%s/fuzz_control.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		fail("mkdtemp");
	snprintf(sock_path, sizeof(sock_path), "%s/control.sock", dir);
	write_file("ips.txt", "192.0.2.0/24\n2001:db8::/32\n203.0.113.7\n");
	write_file("names.txt",
		   "example.com\nbad.example.net\nxn--bcher-kva.example\n");
	snprintf(conf, sizeof(conf),
		 "[daemon]\n"
		 "interfaces = xdpbfz0\n" /* none such: nothing is attached */
		 "control_socket = %s\n"
		 "control_group = root\n"
		 "pin_path = none\n"
		 "state_dir = %s/state\n"
		 "watch_lists = no\n"
		 "log_level = error\n"
		 "[list:ips]\npath = %s/ips.txt\nsignature = none\n"
		 "[list:names]\ntype = domain\npath = %s/names.txt\n"
		 "signature = none\naction = nxdomain\n",
		 sock_path, dir, dir, dir);
	write_file("xdpblock.conf", conf);
	atexit(cleanup);

	snprintf(conf, sizeof(conf), "%s/xdpblock.conf", dir);
	d.config_path = strdup(conf);
	d.counters_fd = -1;
	if (config_load(d.config_path, &d.cfg, err, sizeof(err)) < 0)
		fail(err);
	rule_ids_init(&d.rule_ids, 1024);
	if (loader_open(&d.loader, 1024, NULL, err, sizeof(err)) < 0)
		fail(err);
	if (daemon_reload(&d) < 0)
		fail(d.last_reload.error);
	listen_fd =
		control_listen(sock_path, d.cfg.control_gid, err, sizeof(err));
	if (listen_fd < 0)
		fail(err);
	server = control_server_new(listen_fd, handler, &d);
	if (!server)
		fail("control_server_new");
	return 0;
}

/* One pass of the daemon's loop without waiting; how many fds it watched. */
static int server_step(void)
{
	struct pollfd pfds[CONTROL_MAX_CLIENTS + 1];
	int nr = control_server_pollfds(server, pfds);

	if (poll(pfds, nr, 0) < 0 && errno != EINTR)
		fail("poll");
	control_server_run(server, pfds, nr);
	return nr;
}

static void check_printable(const char *text)
{
	for (const char *p = text; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			fail("an error message carries a byte that is not printable ASCII");
}

static void check_answer(const char *buf, size_t len)
{
	struct json_object *resp, *ok, *val;
	enum json_tokener_error jerr;

	if (!len || buf[len - 1] != '\n' ||
	    memchr(buf, '\n', len) != buf + len - 1)
		fail("the answer is not one line");
	resp = json_tokener_parse_verbose(buf, &jerr);
	if (!resp || !json_object_is_type(resp, json_type_object))
		fail("the answer is not a JSON object");
	if (!json_object_object_get_ex(resp, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean))
		fail("the answer has no \"ok\"");
	if (json_object_get_boolean(ok)) {
		if (!json_object_object_get_ex(resp, "result", &val))
			fail("an ok answer has no \"result\"");
	} else {
		if (!json_object_object_get_ex(resp, "error", &val) ||
		    !json_object_is_type(val, json_type_string) ||
		    !json_object_get_string_len(val))
			fail("a failed answer has no \"error\"");
		check_printable(json_object_get_string(val));
	}
	json_object_put(resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char answer[CONTROL_MAX_MESSAGE / 64];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	uint64_t generation = d.generation, reloads = d.reloads_total;
	size_t chunk, sent = 0, got = 0, line_len;
	const uint8_t *req, *nl;
	int fd, closed = 0, steps = 0;

	if (size < 2)
		return -1;
	as_member = data[0] & 1;
	chunk = (size_t)data[1] + 1;
	req = data + 2;
	size -= 2;
	nl = memchr(req, '\n', size);
	line_len = nl ? (size_t)(nl - req) + 1 : 0;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail("cannot connect to the control socket");
	fcntl(fd, F_SETFL, O_NONBLOCK);
	handled = 0;
	/*
	 * The request in pieces, the server woken between them. Nothing after
	 * its line: a client sends one request, and a server that closes with
	 * unread input has its answer replaced by a reset.
	 */
	if (nl)
		size = line_len;
	while (sent < size) {
		size_t n = size - sent < chunk ? size - sent : chunk;
		ssize_t w = send(fd, req + sent, n, MSG_NOSIGNAL);

		if (w < 0 && errno != EAGAIN)
			break; /* the server has answered and closed */
		if (w > 0)
			sent += w;
		server_step();
		if (++steps > MAX_STEPS)
			fail("the server does not take the request");
	}
	if (!nl)
		shutdown(fd, SHUT_WR);
	/* then the answer, until the server closes its side */
	while (!closed) {
		ssize_t r = recv(fd, answer + got, sizeof(answer) - 1 - got, 0);

		if (r > 0) {
			got += r;
			if (got == sizeof(answer) - 1)
				fail("an answer larger than this test allows");
		} else if (r == 0 || errno != EAGAIN) {
			closed = 1; /* EOF, or a reset after unread input */
		}
		if (closed)
			break;
		server_step();
		if (++steps > MAX_STEPS)
			fail("neither an answer nor a close");
	}
	close(fd);
	server_step();
	answer[got] = '\0';

	/* a longer line is refused, if the refusal arrives before the reset */
	if ((nl && line_len <= CONTROL_MAX_REQUEST) || got)
		check_answer(answer, got);
	if (handled > 1)
		fail("one connection, more than one request served");
	if (as_member && (d.stop_requested || d.generation != generation ||
			  d.reloads_total != reloads))
		fail("a member of the socket's group changed the daemon");
	d.stop_requested = 0;
	d.keep_attached = 0;
	return 0;
}
