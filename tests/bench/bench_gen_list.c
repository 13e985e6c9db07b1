// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_prog gen-list: the first NR generated rules of one family as a
 * list file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/prefix.h"
#include "bench.h"

int cmd_gen_list(int argc, char **argv)
{
	struct gen g;
	int family;
	size_t nr;
	FILE *f;

	if (argc != 5)
		die("usage: gen-list v4|v6 NR SEED FILE");
	family = !strcmp(argv[1], "v6") ? AF_INET6 : AF_INET;
	nr = strtoull(argv[2], NULL, 0);
	gen_build(&g, family, nr, strtoull(argv[3], NULL, 0));
	f = fopen(argv[4], "w");
	if (!f)
		die("%s: %s", argv[4], strerror(errno));
	fprintf(f,
		"# %zu generated %s rules, seed %s (tests/bench/bench_prog.c)\n",
		nr, argv[1], argv[3]);
	for (size_t i = 0; i < g.nr; i++) {
		char buf[INET6_ADDRSTRLEN];

		inet_ntop(family, g.rules[i].addr, buf, sizeof(buf));
		if (g.rules[i].plen == max_len(family))
			fprintf(f, "%s\n", buf);
		else
			fprintf(f, "%s/%u\n", buf, g.rules[i].plen);
	}
	if (fclose(f))
		die("%s: %s", argv[4], strerror(errno));
	gen_free(&g);
	return 0;
}
