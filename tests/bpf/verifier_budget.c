// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The verifier budget: every program of the XDP object, loaded on its own
 * in the largest configuration, must verify within XDPB_VERIFIER_BUDGET
 * processed instructions on the running kernel (a quarter of the kernel's
 * 1,000,000 limit; docs/architecture.md "Kernels and the verifier").
 *
 * Each program is loaded alone, with statistics-only logging (log_level 4,
 * which does not slow the verifier), so one rejected program cannot hide
 * another's figure. A rejection fails with the verifier's last lines; only
 * a missing privilege skips.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "../maps/xdpblock_maps.h"
/* bpftool's generated skeleton casts const away (-Wcast-qual) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "xdpblock.skel.h"
#pragma GCC diagnostic pop

#define XDPB_VERIFIER_BUDGET 250000
/* the largest rule id capacity the config allows (max_rules_* 2^26 each) */
#define LARGEST_RULE_ID_CAPACITY (3u << 26)
#define STATS_LOG_SIZE (64 * 1024)
/* enough of a rejected program's log to keep its last lines (Linux >= 6.4 rotates) */
#define FULL_LOG_SIZE (16 * 1024 * 1024)
#define TAIL_LINES 25

static int quiet_print(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* The last @n lines of @log. */
static const char *log_tail(const char *log, int n)
{
	const char *p = log + strlen(log);

	while (p > log && (p[-1] == '\n' || p[-1] == '\0'))
		p--;
	while (p > log && n > 0) {
		p--;
		if (*p == '\n')
			n--;
	}
	return *p == '\n' ? p + 1 : p;
}

/*
 * Load program @index of the object alone, with @log_level into @log.
 * Returns 0 or a negative errno.
 */
static int load_one(int index, __u32 log_level, char *log, size_t log_size)
{
	struct xdpblock_bpf *skel = xdpblock_bpf__open();
	struct bpf_program *prog;
	int i = 0, err;

	if (!skel)
		return -errno;
	skel->rodata->rule_id_capacity = LARGEST_RULE_ID_CAPACITY;
	bpf_object__for_each_program(prog, skel->obj)
	{
		bpf_program__set_autoload(prog, i == index);
		if (i == index) {
			log[0] = '\0';
			bpf_program__set_log_level(prog, log_level);
			bpf_program__set_log_buf(prog, log, log_size);
		}
		i++;
	}
	err = xdpblock_bpf__load(skel);
	xdpblock_bpf__destroy(skel);
	return err;
}

int main(void)
{
	struct xdpblock_bpf *skel;
	struct bpf_program *prog;
	char *log = malloc(FULL_LOG_SIZE);
	struct utsname uts;
	int nr_progs = 0, failed = 0;
	const char *names[64];

	if (!log)
		return 1;
	uname(&uts);
	libbpf_set_print(quiet_print);
	skel = xdpblock_bpf__open();
	if (!skel) {
		printf("FAIL: budget: cannot open the BPF object: %s\n",
		       strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj)
	{
		if (nr_progs < 64)
			names[nr_progs++] = strdup(bpf_program__name(prog));
	}
	xdpblock_bpf__destroy(skel);

	for (int i = 0; i < nr_progs; i++) {
		long processed = -1;
		const char *p;
		int err = load_one(i, 4, log, STATS_LOG_SIZE);

		if (err == -EPERM && geteuid() != 0) {
			printf("SKIP: budget/%s: needs root (CAP_BPF)\n",
			       names[i]);
			continue;
		}
		if (err) {
			printf("FAIL: budget/%s: rejected on Linux %s: %s\n",
			       names[i], uts.release, strerror(-err));
			load_one(i, 1, log, FULL_LOG_SIZE);
			printf("  verifier's last lines:\n%s\n",
			       log_tail(log, TAIL_LINES));
			failed++;
			continue;
		}
		p = strstr(log, "processed ");
		if (p)
			processed = strtol(p + strlen("processed "), NULL, 10);
		printf("budget: %-24s processed %7ld insns on Linux %s (budget %d)\n",
		       names[i], processed, uts.release, XDPB_VERIFIER_BUDGET);
		if (processed < 0 || processed > XDPB_VERIFIER_BUDGET) {
			printf("FAIL: budget/%s: %ld processed instructions, over the budget of %d\n",
			       names[i], processed, XDPB_VERIFIER_BUDGET);
			failed++;
		} else {
			printf("PASS: budget/%s\n", names[i]);
		}
	}
	free(log);
	return failed ? 1 : 0;
}
