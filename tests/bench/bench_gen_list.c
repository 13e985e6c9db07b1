// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_prog gen-list: the first NR generated rules of one family as a
 * list file; with LO-HI, of the list whose lengths are uniform over those.
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
	int family, lo = 0, hi = 0;
	size_t nr;
	FILE *f;

	if (argc != 5 && argc != 6)
		die("usage: gen-list v4|v6 NR SEED FILE [LO-HI]");
	family = !strcmp(argv[1], "v6") ? AF_INET6 : AF_INET;
	nr = strtoull(argv[2], NULL, 0);
	if (argc == 6 && (sscanf(argv[5], "%d-%d", &lo, &hi) != 2 || lo < 1 ||
			  hi < lo || hi > max_len(family)))
		die("gen-list: lengths %s: want LO-HI within 1..%d", argv[5],
		    max_len(family));
	gen_build_spread(&g, family, nr, strtoull(argv[3], NULL, 0), lo, hi);
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
