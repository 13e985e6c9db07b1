// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_prog load: what the daemon does on a reload, timed, with the
 * activation report and the peak RSS.
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "datapath/generation.h"
#include "datapath/loader.h"
#include "formats/addrlist.h"
#include "formats/listfile.h"
#include "rules/ruleids.h"
#include "rules/ruleset.h"
#include "bench.h"

/*
 * One reload as the daemon does it (userspace/daemon/reload.c), timed. @running
 * is the active rule set (empty at first); on return it is the new one.
 */
static void load_once(struct loader *ld, struct rule_ids *ids,
		      struct ruleset *running, const char *path,
		      const char *label)
{
	struct parsed_list parsed;
	struct ruleset rs = {0};
	struct activation_report rep;
	uint64_t t0, t_parse, t_set, t_done;
	int err;

	t0 = monotonic_ns();
	if (listfile_parse(path, LIST_ON_ERROR_REJECT, &parsed) < 0)
		die("%s", parsed.error);
	t_parse = monotonic_ns();
	if (ruleset_reserve(&rs, parsed.nr_v4, parsed.nr_v6))
		die("out of memory");
	for (size_t i = 0; i < parsed.nr; i++)
		if (ruleset_add(&rs, &parsed.entries[i].prefix, 1,
				XDPB_ACT_DROP, XDPB_MATCH_BOTH,
				parsed.entries[i].line))
			die("out of memory");
	parsed_list_free(&parsed);
	ruleset_finish(&rs);
	assign_ids(ids, running, &rs);
	t_set = monotonic_ns();
	err = loader_activate(ld, &rs, NULL, &rep);
	if (err)
		die("activation failed: %s", strerror(-err));
	t_done = monotonic_ns();
	printf("load %s: window_monotonic_ns=%llu-%llu\n", label,
	       (unsigned long long)t0, (unsigned long long)t_done);
	printf("load %s: rules=%zu+%zu total_ms=%.1f parse_ms=%.1f ruleset_ms=%.1f plan_ms=%.1f build_ms=%.1f switch_ms=%.3f"
	       " v4_leaves=%zu v4_flat=%d v4_groups=%zu v4_hosts=%zu v4_nodes=%zu v4_buckets=%zu v4_singles=%zu v4_bytes=%zu v6_prefixes=%zu v6_nodes=%zu v6_buckets=%zu v6_singles=%zu v6_depth=%zu v6_bytes=%zu\n",
	       label, rs.v4.nr, rs.v6.nr, (t_done - t0) / 1e6,
	       (t_parse - t0) / 1e6, (t_set - t_parse) / 1e6, rep.plan_ns / 1e6,
	       rep.build_ns / 1e6, rep.switch_ns / 1e6, rep.v4_leaves,
	       rep.v4_flat, rep.v4_groups, rep.v4_hosts, rep.v4_nodes,
	       rep.v4_buckets, rep.v4_singles, rep.v4_bytes, rep.v6_prefixes,
	       rep.v6_nodes, rep.v6_buckets, rep.v6_singles, rep.v6_depth,
	       rep.v6_bytes);
	fflush(stdout);
	ruleset_free(running);
	*running = rs;
}

int cmd_load(int argc, char **argv)
{
	struct ruleset running = {0};
	struct loader ld;
	struct rule_ids ids;
	int twice = 0, i = 1;
	uint64_t t0;

	if (argc > 1 && !strcmp(argv[1], "--twice")) {
		twice = 1;
		i++;
	}
	if (argc != i + 1)
		die("usage: load [--twice] FILE");
	rule_ids_init(&ids, default_capacity());
	t0 = monotonic_ns();
	if (loader_open(&ld, default_capacity(), NULL, NULL, 0))
		die("cannot open the XDP program (root? BPF enabled?)");
	printf("open: loader_open_ms=%.1f rss_kib=%ld\n",
	       (monotonic_ns() - t0) / 1e6, peak_rss_kib());
	load_once(&ld, &ids, &running, argv[i], "first");
	if (twice) /* a reload of the same list beside the running one */
		load_once(&ld, &ids, &running, argv[i], "reload");
	printf("peak_rss_kib=%ld\n", peak_rss_kib());
	ruleset_free(&running);
	loader_close(&ld, 0);
	rule_ids_free(&ids);
	return 0;
}
