/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Running the XDP program with BPF_PROG_TEST_RUN and reading its counters,
 * for the BPF tests. Nothing is attached to any interface: test runs only
 * hand a buffer to the program.
 */
#ifndef XDPBLOCK_TESTS_XDPRUN_H
#define XDPBLOCK_TESTS_XDPRUN_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/prefix.h"
#include "config/config.h"
#include "datapath/counters.h"
#include "datapath/generation.h"
#include "datapath/loader.h"
#include "rules/ruleids.h"
#include "rules/ruleset.h"

#include "frames.h"

/* Test runs report packets as arriving here; counted once registered. */
#define TEST_IFINDEX 1 /* lo */

/* Exit status tests/run.sh reads as "skipped". */
#define EXIT_SKIP 77

struct xdp_result {
	int err; /* from bpf_prog_test_run_opts */
	uint32_t retval; /* XDP verdict */
	uint8_t out[FRAME_MAX];
	uint32_t out_len;
};

/* Run @len bytes at @data through the program once, as received on @ifindex. */
static inline int xdp_run_on(int prog_fd, const void *data, size_t len,
			     int ifindex, struct xdp_result *res)
{
	struct xdp_md ctx = {
		.data_end = len,
		.ingress_ifindex = ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data,
		    .data_size_in = len, .data_out = res->out,
		    .data_size_out = sizeof(res->out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (len > FRAME_MAX)
		return res->err = -EINVAL;
	res->err = bpf_prog_test_run_opts(prog_fd, &opts); /* -errno */
	res->retval = opts.retval;
	res->out_len = opts.data_size_out;
	return res->err;
}

/*
 * The end of a BPF test whose loader_open() failed with @err: a skip only
 * when the privilege is missing; as root, a program the kernel refuses
 * (the verifier, a missing feature) is a failure. Returns the exit status.
 */
static inline int load_failed(const char *suite, int err, const char *why)
{
	if (err == -EPERM && geteuid() != 0) {
		printf("SKIP: %s/all (needs root for BPF)\n", suite);
		return EXIT_SKIP;
	}
	printf("FAIL: %s/load (cannot load the XDP program: %s; verifier figures and its last lines: build/tests/verifier_budget)\n",
	       suite, why && why[0] ? why : strerror(-err));
	return 1;
}

static inline int xdp_run(int prog_fd, const struct frame *f,
			  struct xdp_result *res)
{
	return xdp_run_on(prog_fd, f->data, f->len, TEST_IFINDEX, res);
}

static inline const char *xdp_verdict_name(uint32_t v)
{
	switch (v) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	default:
		return "XDP_?";
	}
}

static inline const char *action_str(unsigned int a)
{
	return action_name(a);
}

/*
 * The verdict the datapath gives a packet decided by a rule of @action
 * (for the replies: a UDP query is answered, anything else dropped).
 */
static inline uint32_t verdict_of(unsigned int action)
{
	return action == XDPB_ACT_DROP ? XDP_DROP : XDP_PASS;
}

/*
 * What a row of a table test (bpf_tests.c, dns_tests.c, web_tests.c)
 * expects, for rows with .verdict, .list, .rule (the deciding rule) and
 * .stat (the interface slot that counts the packet).
 */
#define DROP_BY(l, r) \
	.verdict = XDP_DROP, .list = l, .rule = r, .stat = XDPB_STAT_DROP
#define ALLOW_BY(l, r) \
	.verdict = XDP_PASS, .list = l, .rule = r, .stat = XDPB_STAT_ALLOW
#define MONITOR_BY(l, r) \
	.verdict = XDP_PASS, .list = l, .rule = r, .stat = XDPB_STAT_MONITOR
#define NO_MATCH .verdict = XDP_PASS, .stat = XDPB_STAT_PASS

/* ---- maps ------------------------------------------------------------- */

/*
 * A new fd for the map called @name that @prog_fd uses (the loader keeps
 * its skeleton private), or a negative errno.
 */
static inline int prog_map_fd(int prog_fd, const char *name)
{
	struct bpf_prog_info info = {0};
	uint32_t ids[64], info_len = sizeof(info);
	int found = -ENOENT;

	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &info_len))
		return -errno;
	for (uint32_t i = 0; i < info.nr_map_ids && found < 0; i++) {
		struct bpf_map_info minfo = {0};
		uint32_t mlen = sizeof(minfo);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &minfo, &mlen) &&
		    !strcmp(minfo.name, name)) {
			found = fd;
			continue;
		}
		close(fd);
	}
	return found;
}

/* Sum of one per-CPU counter element. */
static inline int percpu_counter_read(int fd, uint32_t key, int nr_cpus,
				      struct xdpb_counter *out)
{
	struct xdpb_counter *v = calloc(nr_cpus, sizeof(*v));
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, v))
		err = -errno;
	for (int c = 0; !err && c < nr_cpus; c++) {
		out->packets += v[c].packets;
		out->bytes += v[c].bytes;
	}
	free(v);
	return err;
}

/* ---- reloads ------------------------------------------------------------ */

/*
 * Rule ids across reloads, the daemon's way (userspace/daemon/reload.c): the ids
 * a reload releases stay pending until the next reload, which zeroes their
 * counters and only then hands them out again, as a packet may still be
 * running on the old generation right after the switch.
 */
struct id_keeper {
	struct rule_ids ids;
	uint32_t *pending;
	size_t nr_pending;
};

static inline void id_keeper_init(struct id_keeper *k, uint32_t capacity)
{
	memset(k, 0, sizeof(*k));
	rule_ids_init(&k->ids, capacity);
}

static inline void id_keeper_free(struct id_keeper *k)
{
	rule_ids_free(&k->ids);
	free(k->pending);
	memset(k, 0, sizeof(*k));
}

/*
 * Until no hit log holds hits of @ids: at once, or when the logs' timers
 * (100 ms) have fired. 0, or -ETIMEDOUT after 2 s.
 */
static inline int wait_ids_not_logged(const struct loader *ld, uint32_t *ids,
				      size_t nr)
{
	for (int i = 0; i < 200; i++) {
		if (!loader_ids_in_hit_logs(ld, ids, nr))
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/*
 * Replace the running @prev by finished @next: retire the pending ids,
 * give @next its ids (those of @prev's rules it keeps), activate it, and
 * leave the ids only @prev had pending. Like the daemon, pending ids are
 * zeroed and reused only when no hit log holds hits of theirs; where the
 * daemon leaves such ids for a later reload, this waits for the logs'
 * timers, so that tests see ids reused when they expect.
 */
static inline int reload_ruleset(struct loader *ld, struct id_keeper *k,
				 const struct ruleset *prev,
				 struct ruleset *next,
				 struct activation_report *rep)
{
	uint32_t *released = NULL;
	size_t nr_released = 0;
	int err;

	err = wait_ids_not_logged(ld, k->pending, k->nr_pending);
	if (err)
		return err;
	err = loader_zero_rules(ld, k->pending, k->nr_pending);
	if (err)
		return err;
	err = rule_ids_release(&k->ids, k->pending, k->nr_pending);
	if (err)
		return err;
	free(k->pending);
	k->pending = NULL;
	k->nr_pending = 0;
	err = rule_ids_assign(&k->ids, prev, next, &released, &nr_released);
	if (err)
		return err;
	err = loader_activate(ld, next, NULL, rep);
	if (err) {
		rule_ids_rollback(&k->ids);
		free(released);
		return err;
	}
	k->pending = released;
	k->nr_pending = nr_released;
	return 0;
}

/* ---- rules ------------------------------------------------------------ */

static inline struct prefix prefix_of(const char *text)
{
	struct prefix p;
	const char *why = "";

	if (prefix_parse(text, &p, &why)) {
		fprintf(stderr, "bad prefix %s: %s\n", text, why);
		abort();
	}
	return p;
}

static inline struct prefix address_of(const char *text)
{
	struct prefix p;

	if (address_parse(text, &p)) {
		fprintf(stderr, "bad address %s\n", text);
		abort();
	}
	return p;
}

/* The rule of @list_id for prefix @text in finished @rs, or NULL. */
static inline const struct rule *
ruleset_find(const struct ruleset *rs, const char *text, uint16_t list_id)
{
	struct prefix p = prefix_of(text);
	const struct rule_table *t = p.family == AF_INET ? &rs->v4 : &rs->v6;

	for (size_t i = 0; i < t->nr; i++)
		if (t->rules[i].list_id == list_id &&
		    !prefix_cmp(&t->rules[i].prefix, &p))
			return &t->rules[i];
	return NULL;
}

static inline void rule_format(const struct rule *r, char *buf, size_t len)
{
	char p[PREFIX_STRLEN];

	if (!r) {
		snprintf(buf, len, "(none)");
		return;
	}
	prefix_format(&r->prefix, p, sizeof(p));
	snprintf(buf, len, "%s list %u %s id %u", p, r->list_id,
		 action_str(r->action), r->rule_id);
}

#endif
