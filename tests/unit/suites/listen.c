// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* metrics_listen addresses: the accepted forms, the refused. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "config/config.h"
#include "testlib.h"
#include "common.h"
#include "suites.h"

static void listen_addr_forms(void)
{
	static const struct {
		const char *text;
		int family;
		const char *addr; /* as inet_ntop writes it */
		unsigned int port;
		const char *formatted;
	} good[] = {
		{"127.0.0.1:9469", AF_INET, "127.0.0.1", 9469,
		 "127.0.0.1:9469"},
		{"0.0.0.0:9469", AF_INET, "0.0.0.0", 9469, "0.0.0.0:9469"},
		{"192.0.2.1:1", AF_INET, "192.0.2.1", 1, "192.0.2.1:1"},
		{"[::1]:9469", AF_INET6, "::1", 9469, "[::1]:9469"},
		{"[::]:65535", AF_INET6, "::", 65535, "[::]:65535"},
		{"[2001:DB8:0::1]:80", AF_INET6, "2001:db8::1", 80,
		 "[2001:db8::1]:80"},
		{"[::ffff:127.0.0.1]:9469", AF_INET6, "::ffff:127.0.0.1", 9469,
		 "[::ffff:127.0.0.1]:9469"},
		{"127.0.0.1:09469", AF_INET, "127.0.0.1", 9469,
		 "127.0.0.1:9469"},
		{"off", AF_UNSPEC, NULL, 0, "off"},
		{"", AF_UNSPEC, NULL, 0, "off"},
	};
	static const char *const bad[] = {
		"127.0.0.1",
		"127.0.0.1:",
		"127.0.0.1:0",
		"127.0.0.1:65536",
		"127.0.0.1:99999999999",
		"127.0.0.1:-1",
		"127.0.0.1:+80",
		"127.0.0.1: 80",
		"127.0.0.1:80x",
		"127.0.0.1:80 ",
		":9469",
		"::1:9469",
		"::1",
		"[::1]",
		"[::1]9469",
		"[::1]:",
		"[]:80",
		"[127.0.0.1]:80",
		"[fe80::1%eth0]:80",
		"localhost:9469",
		"127.1:9469",
		"256.0.0.1:80",
		"Off",
		"no",
		"127.0.0.1:9469:1",
		"[::1]:9469]",
	};
	struct sockaddr_storage ss;
	char text[LISTEN_ADDR_STRLEN], host[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		int rc = listen_addr_parse(good[i].text, &ss);
		unsigned int port = 0;

		CHECK(rc == 0, "'%s' refused", good[i].text);
		if (rc)
			continue;
		CHECK(ss.ss_family == good[i].family, "'%s': family %d",
		      good[i].text, ss.ss_family);
		host[0] = '\0';
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
			port = ntohs(sin->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &sin6->sin6_addr, host,
				  sizeof(host));
			port = ntohs(sin6->sin6_port);
		}
		if (good[i].addr)
			CHECK(!strcmp(host, good[i].addr) &&
				      port == good[i].port,
			      "'%s': %s port %u", good[i].text, host, port);
		listen_addr_format(&ss, text, sizeof(text));
		CHECK(!strcmp(text, good[i].formatted),
		      "'%s' formats as '%s', want '%s'", good[i].text, text,
		      good[i].formatted);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&ss, 0xab, sizeof(ss));
		CHECK(listen_addr_parse(bad[i], &ss) == -EINVAL,
		      "'%s' accepted", bad[i]);
	}
}

void suite_listen(void)
{
	RUN_TEST("listen", listen_addr_forms);
}
