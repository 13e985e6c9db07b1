// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the HTTP responses the fetcher reads (fetch.c through
 * libcurl: the status line, the headers it keeps, redirects, the body
 * into the list's cache file). The input is the whole response a server
 * sends: a server in this process answers every connection with it and
 * closes. The process runs in a network namespace of its own, created at
 * start-up and gone with it, where only its loopback is up: whatever a
 * response redirects to, nothing leaves it. Needs root (the namespace).
 *
 * Byte 0 of the input picks the case, the rest is the response:
 *   bit 0: the list is signed (its .minisig is fetched too, and gets the
 *          same response);
 *   bit 1: a cached copy with validators (ETag, Last-Modified) exists,
 *          so the request is conditional and a 304 is an answer.
 *
 * Beyond memory errors (ASan, UBSan) it checks what the daemon relies on:
 *   - a failed fetch leaves the last good copy and its signature as they
 *     were, byte for byte, and says why in printable ASCII;
 *   - a successful one leaves a regular file within max_list_bytes;
 *   - no temporary is left in the list's directory;
 *   - a kept ETag is one header value: no control bytes (it is sent back
 *     in the next request's If-None-Match).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "lists/fetch.h"

#include "fuzz_target.h"

#define MAX_LIST_BYTES 65536
#define LAST_GOOD "192.0.2.0/24\n"
#define LAST_GOOD_SIG "untrusted comment: the last good signature\n"

static char dir[80], list_path[128], sig_path[128], meta_path[128];
static int port;

/*
 * The response every connection gets, copied from each input: the server
 * may still be on a connection that curl gave up on when the input is gone.
 */
#define MAX_RESPONSE 65536
static pthread_mutex_t response_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t response[MAX_RESPONSE];
static size_t response_len;

__attribute__((noreturn)) static void fail(const char *what)
{
	fprintf(stderr, "fuzz_fetch: %s\n", what);
	__builtin_trap();
}

/* Up to the end of the request's headers (or a close): then answer. */
static void serve(int fd)
{
	char req[8192];
	size_t len = 0;

	while (len < sizeof(req) - 1) {
		ssize_t n = recv(fd, req + len, sizeof(req) - 1 - len, 0);

		if (n <= 0)
			break;
		len += n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	pthread_mutex_lock(&response_lock);
	for (size_t off = 0; off < response_len;) {
		ssize_t n = send(fd, response + off, response_len - off,
				 MSG_NOSIGNAL);

		if (n <= 0)
			break;
		off += n;
	}
	pthread_mutex_unlock(&response_lock);
	shutdown(fd, SHUT_WR);
	/* the client's close, so it reads all before a reset could come */
	while (recv(fd, req, sizeof(req), 0) > 0)
		;
	close(fd);
}

static void *server(void *arg)
{
	int lfd = (int)(intptr_t)arg;

	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		struct timeval tv = {.tv_sec = 5};

		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		serve(fd);
	}
	return NULL;
}

/* This process's own network namespace, its loopback up, nothing else. */
static void private_network(void)
{
	struct ifreq ifr = {0};
	int s;

	if (unshare(CLONE_NEWNET) < 0)
		fail("unshare(CLONE_NEWNET): run as root");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		fail("cannot read the loopback's flags");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		fail("cannot bring the loopback up");
	close(s);
}

static void start_server(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	pthread_t t;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0)
		fail("cannot listen on the namespace's loopback");
	port = ntohs(sa.sin_port);
	if (pthread_create(&t, NULL, server, (void *)(intptr_t)lfd))
		fail("pthread_create");
	pthread_detach(t);
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "fuzz_fetch: %s left behind\n", dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_fetch", LOG_LEVEL_ERR);
	/* in TMPDIR: fuzz_smoke.sh's, removed even after a crash */
	snprintf(dir, sizeof(dir), "%s/fuzz_fetch.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		fail("mkdtemp");
	atexit(cleanup);
	snprintf(list_path, sizeof(list_path), "%s/feed.txt", dir);
	snprintf(sig_path, sizeof(sig_path), "%s/feed.txt.minisig", dir);
	snprintf(meta_path, sizeof(meta_path), "%s/.feed.meta", dir);
	private_network();
	start_server();
	if (fetch_init() < 0)
		fail("fetch_init");
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		fail("cannot write the cache");
}

/* @path holds exactly @text */
static int holds(const char *path, const char *text)
{
	char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return n == strlen(text) && !memcmp(buf, text, n);
}

static void check_printable(const char *text)
{
	for (const char *p = text; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			fail("the error carries a byte that is not printable ASCII");
}

/* the directory holds the cache files and nothing else */
static void check_no_leftovers(void)
{
	DIR *dh = opendir(dir);
	struct dirent *e;

	if (!dh)
		fail("opendir");
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, "feed.txt") &&
		    strcmp(e->d_name, "feed.txt.minisig") &&
		    strcmp(e->d_name, ".feed.meta"))
			fail("a temporary is left in the list's directory");
	closedir(dh);
}

/* the ETag kept in .feed.meta is one clean header value */
static void check_meta(void)
{
	char line[512];
	FILE *f = fopen(meta_path, "r");

	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		for (const char *p = line; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				fail("a control byte in the kept ETag");
	}
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fetch_source src;
	struct fetch_status st = {0};
	struct stat sb;
	int ret;

	if (size < 1 || size - 1 > MAX_RESPONSE)
		return -1;
	memset(&src, 0, sizeof(src));
	snprintf(src.name, sizeof(src.name), "feed");
	snprintf(src.url, sizeof(src.url), "http://127.0.0.1:%d/feed.txt",
		 port);
	snprintf(src.path, sizeof(src.path), "%s", list_path);
	if (data[0] & 1) {
		snprintf(src.sig_url, sizeof(src.sig_url), "%s.minisig",
			 src.url);
		snprintf(src.sig_path, sizeof(src.sig_path), "%s", sig_path);
	}
	src.interval_s = 3600;
	src.timeout_s = 5;
	src.max_bytes = MAX_LIST_BYTES;

	/* the last good copy, and its validators for a conditional GET */
	write_file(list_path, LAST_GOOD);
	write_file(sig_path, LAST_GOOD_SIG);
	if (data[0] & 2)
		write_file(meta_path, "\"v1\"\n1700000000\n");
	else
		unlink(meta_path);

	pthread_mutex_lock(&response_lock);
	memcpy(response, data + 1, size - 1);
	response_len = size - 1;
	pthread_mutex_unlock(&response_lock);

	ret = fetch_source_once(&src, &st);
	check_printable(st.error);
	check_printable(st.warning);
	if (ret < 0) {
		if (!st.error[0])
			fail("a failed fetch without a reason");
		if (!holds(list_path, LAST_GOOD) ||
		    !holds(sig_path, LAST_GOOD_SIG))
			fail("a failed fetch changed the last good copy");
	} else if (ret == 0) {
		if (!holds(list_path, LAST_GOOD))
			fail("an unchanged list changed");
	} else {
		if (lstat(list_path, &sb) < 0 || !S_ISREG(sb.st_mode) ||
		    sb.st_size > MAX_LIST_BYTES)
			fail("a new copy that is not a file within max_list_bytes");
	}
	check_no_leftovers();
	check_meta();
	return 0;
}
