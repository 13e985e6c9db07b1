// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpblock benchmarks (scripts/bench.sh runs them; docs/benchmarks.md).
 *
 *   bench_prog gen-list v4|v6 NR SEED FILE [LO-HI]
 *	Write the first NR generated rules of one family as a list file
 *	(with LO-HI: of the list with lengths uniform over LO..HI).
 *   bench_prog load [--twice] FILE
 *	What the daemon does on a reload, timed: parse the list, build the
 *	rule set, resolve, build the maps, switch. Prints the activation
 *	report and the peak RSS of the process.
 *   bench_prog packets [options]
 *	ns/packet of xdpblock, an empty XDP program and xdp-filter's BPF
 *	program under BPF_PROG_TEST_RUN, over uniform and Zipf working sets
 *	of addresses, for lists with few and with many prefix lengths (see
 *	tests/bench/bench_wrapper.bpf.c and docs/benchmarks.md).
 *   bench_prog dns [--sizes 1k,10k,100k,1M] [--rounds N] [--repeat N] [--cpu N]
 *	ns/packet of DNS queries against that many domain (suffix) rules,
 *	for names below a listed name and names not listed, over working
 *	sets of 131,072 distinct names each.
 *   bench_prog tls [--sizes 1k,10k,100k,1M] [--rounds N] [--repeat N] [--cpu N]
 *	ns/packet of TLS ClientHellos (a browser's, with a post-quantum key
 *	share before the server_name) against that many domain rules, for
 *	names below a listed name and names not listed, 131,072 each.
 *   bench_prog memlat [CPU]
 *	Latency of a dependent random memory load on this machine, and the
 *	clock the program gets (a chain of dependent multiplies).
 *   bench_prog clock [CPU]
 *	The clock line alone.
 *   bench_prog tailcall [CPU [ROUNDS [REPEAT]]]
 *	The cost of one more tail call, as a packet with a name pays it.
 *
 * One file per subcommand (bench_<name>.c); what they share is in
 * bench_common.c (bench.h).
 *
 * Rules are random (fixed seed) across the global unicast space with a
 * realistic mix of lengths; the rule set of NR rules is the first NR
 * rules of one generated sequence, so smaller sets are subsets of larger
 * ones and `gen-list` writes exactly the rules `packets` loads.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "bench.h"

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("bench_prog", LOG_LEVEL_WARN);
	log_setup_libbpf();
	if (argc < 2)
		die("usage: bench_prog gen-list|load|packets|memlat|clock|tailcall|dns|tls ...");
	if (!strcmp(argv[1], "gen-list"))
		return cmd_gen_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "load"))
		return cmd_load(argc - 1, argv + 1);
	if (!strcmp(argv[1], "packets"))
		return cmd_packets(argc - 1, argv + 1);
	if (!strcmp(argv[1], "memlat"))
		return cmd_memlat(argc - 1, argv + 1);
	if (!strcmp(argv[1], "clock"))
		return cmd_clock(argc - 1, argv + 1);
	if (!strcmp(argv[1], "tailcall"))
		return cmd_tailcall(argc - 1, argv + 1);
	if (!strcmp(argv[1], "dns"))
		return cmd_dns(argc - 1, argv + 1);
	if (!strcmp(argv[1], "tls"))
		return cmd_tls(argc - 1, argv + 1);
	die("unknown command %s", argv[1]);
}
