// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* bench_prog tailcall: the cost of one more tail call. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
/* bpftool's generated skeleton casts const away (-Wcast-qual) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "tests/bench_wrapper.skel.h"
#pragma GCC diagnostic pop

/*
 * The cost of one tail call, what a packet with a name pays to go from
 * xdpblock's entry program to its stage: the wrapper calling the empty
 * program directly, and through bench_hop, interleaved, @rounds times.
 */
int cmd_tailcall(int argc, char **argv)
{
	int cpu = argc > 1 ? atoi(argv[1]) : -1;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	uint32_t repeat = argc > 3 ? (uint32_t)atol(argv[3]) : 1u << 20;
	int empty_fd, hop_fd, zero = 0;
	double direct[64], hopped[64];
	struct harness h;
	size_t len;
	const void *pkt;

	if (rounds < 1 || rounds > 64)
		die("tailcall: rounds from 1 to 64");
	pin_cpu(cpu);
	harness_open(&h, 1);
	pkt = family_pkt(&h, AF_INET, &len);
	empty_fd = bpf_program__fd(h.skel->progs.bench_empty);
	hop_fd = bpf_program__fd(h.skel->progs.bench_hop);
	if (bpf_map_update_elem(bpf_map__fd(h.skel->maps.hop), &zero, &empty_fd,
				BPF_ANY))
		die("tailcall: cannot fill the hop: %s", strerror(errno));
	for (int i = 0; i < rounds; i++) {
		uint32_t ns;

		harness_set(&h, empty_fd, NULL);
		if (test_run(h.wrapper_fd, pkt, len, repeat, &ns) != XDP_PASS)
			die("tailcall: the direct call did not pass");
		direct[i] = ns;
		harness_set(&h, hop_fd, NULL);
		if (test_run(h.wrapper_fd, pkt, len, repeat, &ns) != XDP_PASS)
			die("tailcall: the hop did not reach the empty program");
		hopped[i] = ns;
	}
	printf("tailcall: %.1f ns per packet with one more tail call (%.1f -> %.1f ns, medians of %d runs of %u packets)\n",
	       median(hopped, rounds) - median(direct, rounds),
	       median(direct, rounds), median(hopped, rounds), rounds, repeat);
	bench_wrapper_bpf__destroy(h.skel);
	return 0;
}
