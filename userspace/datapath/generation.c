// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Building a rule set into the idle generation and switching to it: see
 * generation.h and docs/architecture.md, "The life of a reload".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/bigalloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "datapath/bpfmap.h"
#include "datapath/generation.h"
#include "datapath/loader.h"
#include "datapath/pinning.h"
#include "rules/plan.h"
/* bpftool's generated skeleton casts const away (-Wcast-qual) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "xdpblock.skel.h"
#pragma GCC diagnostic pop

/* The inner maps of one generation, as file descriptors. */
struct gen_maps {
	int root4, nodes4, runs4, singles4, tbl24, tbl8, host, leaf4, root6,
		nodes6, runs6, singles6, leaf6, names, name_filter;
};

static void gen_maps_close(struct gen_maps *g)
{
	int *fds[] = {&g->root4, &g->nodes4, &g->runs4,	     &g->singles4,
		      &g->tbl24, &g->tbl8,   &g->host,	     &g->leaf4,
		      &g->root6, &g->nodes6, &g->runs6,	     &g->singles6,
		      &g->leaf6, &g->names,  &g->name_filter};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* A filter map (XDPB filter chunks) holding @bytes of @bits. */
static int build_filter(const char *what, const char *obj_name,
			const void *bits, size_t bytes, int *fd)
{
	void *filter;
	int err;

	*fd = bpfmap_create_array(obj_name, sizeof(struct xdpb_filter_chunk),
				  bytes / sizeof(struct xdpb_filter_chunk));
	filter = *fd < 0 ? NULL : bpfmap_mmap(*fd, bytes);
	if (!filter) {
		err = -errno;
		log_err("cannot create the %s filter (%zu bytes): %s", what,
			bytes, strerror(errno));
		return err;
	}
	memcpy(filter, bits, bytes);
	bpfmap_munmap(filter, bytes);
	return 0;
}

/*
 * An array map named @name of @nr elements of @size bytes (at least one:
 * an array cannot be empty), holding a copy of @data.
 */
static int array_from(const char *name, uint32_t size, const void *data,
		      size_t nr, int *fd)
{
	size_t slots = nr ? nr : 1, bytes = slots * size;
	void *mem;

	*fd = bpfmap_create_array(name, size, slots);
	mem = *fd < 0 ? NULL : bpfmap_mmap(*fd, bytes);
	if (!mem) {
		int err = -errno;

		log_err("cannot create the rule table %s (%zu bytes): %s; is the memlock limit or kernel memory too low?",
			name, bytes, strerror(errno));
		return err;
	}
	memcpy(mem, data, nr * size);
	bpfmap_munmap(mem, bytes);
	return 0;
}

/*
 * A trie's root of @nr_entries: a copy of @entries, or left as created
 * (all zero) when @entries is NULL, as for an empty set: no copy of the
 * root at every reload of a set without rules of the family.
 */
static int root_from(const char *name, const uint32_t *entries,
		     uint32_t nr_entries, int *fd)
{
	size_t bytes = (size_t)nr_entries * sizeof(uint32_t);
	void *mem;

	*fd = bpfmap_create_root(name, nr_entries);
	if (*fd >= 0 && !entries)
		return 0;
	mem = *fd < 0 ? NULL : bpfmap_mmap(*fd, bytes);
	if (!mem) {
		int err = -errno;

		log_err("cannot create the rule table %s (%zu bytes): %s; is the memlock limit or kernel memory too low?",
			name, bytes, strerror(errno));
		return err;
	}
	memcpy(mem, entries, bytes);
	bpfmap_munmap(mem, bytes);
	return 0;
}

/* The maps of one family's trie; all empty for an empty (or flat) @tp. */
struct trie_maps {
	const char *root, *nodes, *runs, *singles; /* map names */
	int *root_fd, *nodes_fd, *runs_fd, *singles_fd;
	uint32_t root_entries; /* XDPB_TRIE_ROOT_ENTRIES() of the family */
};

static int build_trie(const struct trie_plan *tp, const struct trie_maps *m)
{
	/* the run array in whole chunks, which the datapath reads */
	size_t run_chunks = (tp->nr_runs + XDPB_TBL_CHUNK - 1) / XDPB_TBL_CHUNK;
	uint32_t *runs = calloc(run_chunks + 1, sizeof(struct xdpb_tbl_chunk));
	int err;

	if (!runs)
		return -ENOMEM;
	if (tp->nr_runs)
		memcpy(runs, tp->runs, tp->nr_runs * sizeof(*runs));
	err = root_from(m->root, tp->nr_prefixes ? tp->root : NULL,
			m->root_entries, m->root_fd);
	if (!err)
		err = array_from(m->nodes, sizeof(*tp->nodes), tp->nodes,
				 tp->nr_nodes, m->nodes_fd);
	if (!err)
		err = array_from(m->runs, sizeof(struct xdpb_tbl_chunk), runs,
				 run_chunks, m->runs_fd);
	if (!err)
		err = array_from(m->singles, sizeof(*tp->singles), tp->singles,
				 tp->nr_singles, m->singles_fd);
	free(runs);
	return err;
}

/*
 * The flat IPv4 tables of @plan (64 MiB of tbl24, tbl8, the /32 hash),
 * or all of them empty when the plan is a trie.
 */
static int build_ip4_flat(const struct ip4_plan *plan, struct gen_maps *g)
{
	size_t tbl24_entries = plan->flat ? (size_t)XDPB_TBL16_ENTRIES *
						    XDPB_TBL24_GROUP_SIZE
					  : 0,
	       tbl8_entries = plan->nr_groups * XDPB_TBL8_GROUP_SIZE;
	uint32_t *tbl24 = NULL, *tbl8 = NULL, *host_addrs = NULL,
		 *host_leaves = NULL;
	int err = 0;

	g->tbl24 = bpfmap_create_array("xdpb_tbl24",
				       sizeof(struct xdpb_tbl_chunk),
				       tbl24_entries / XDPB_TBL_CHUNK);
	g->tbl8 = bpfmap_create_array("xdpb_tbl8",
				      sizeof(struct xdpb_tbl_chunk),
				      tbl8_entries / XDPB_TBL_CHUNK);
	g->host = bpfmap_create_hash("xdpb_host4", sizeof(uint32_t),
				     sizeof(uint32_t), plan->nr_hosts);
	if (g->tbl24 < 0 || g->tbl8 < 0 || g->host < 0) {
		err = -errno;
		log_err("cannot create IPv4 rule maps (%zu prefixes): %s; is the memlock limit or kernel memory too low?",
			plan->nr_nodes, strerror(errno));
		return err;
	}
	if (!plan->flat)
		return 0;
	/* filled in place: no copy of the tables in this process */
	tbl24 = bpfmap_mmap(g->tbl24, tbl24_entries * sizeof(uint32_t));
	tbl8 = tbl8_entries
		       ? bpfmap_mmap(g->tbl8, tbl8_entries * sizeof(uint32_t))
		       : NULL;
	host_addrs = big_calloc(plan->nr_hosts + 1, sizeof(uint32_t));
	host_leaves = big_calloc(plan->nr_hosts + 1, sizeof(uint32_t));
	if (!tbl24 || (tbl8_entries && !tbl8) || !host_addrs || !host_leaves) {
		err = -ENOMEM;
		log_err("cannot map the IPv4 rule tables into memory");
		goto out;
	}
	ip4_plan_fill_flat(plan, tbl24, tbl8, host_addrs, host_leaves);
	err = bpfmap_batch_update(g->host, host_addrs, sizeof(uint32_t),
				  host_leaves, sizeof(uint32_t),
				  plan->nr_hosts);
	if (err)
		log_err("cannot fill the IPv4 /32 hash: %s", strerror(-err));
out:
	bpfmap_munmap(tbl24, tbl24_entries * sizeof(uint32_t));
	bpfmap_munmap(tbl8, tbl8_entries * sizeof(uint32_t));
	free(host_addrs);
	free(host_leaves);
	return err;
}

/* @err of a family's plan, with the trie's limit named when it was that. */
static int plan_failed(const char *family, int err)
{
	if (err == -E2BIG)
		log_err("the %s rules need more than %u trie nodes or singles",
			family, XDPB_ENTRY_INDEX_MASK);
	return err;
}

static int build_ip4(const struct rule_table *t, struct gen_maps *g,
		     struct xdpb_gen_info *info, struct activation_report *rep)
{
	const struct trie_maps maps = {
		"xdpb_root4",	"xdpb_nodes4", "xdpb_runs4",
		"xdpb_single4", &g->root4,     &g->nodes4,
		&g->runs4,	&g->singles4,  XDPB_TRIE_ROOT_ENTRIES(1),
	};
	struct ip4_plan plan;
	uint64_t t0 = monotonic_ns();
	int err;

	err = ip4_plan_build(t, &plan);
	if (err)
		return plan_failed("IPv4", err);
	rep->plan_ns += monotonic_ns() - t0;
	t0 = monotonic_ns();
	rep->v4_leaves = plan.nr_leaves;
	rep->v4_flat = plan.flat;
	rep->v4_groups = plan.nr_groups;
	rep->v4_hosts = plan.nr_hosts;
	rep->v4_nodes = plan.trie.nr_nodes - plan.trie.nr_buckets;
	rep->v4_buckets = plan.trie.nr_buckets;
	rep->v4_singles = plan.trie.nr_singles;
	rep->v4_bytes =
		plan.flat ? (size_t)XDPB_TBL16_ENTRIES * XDPB_TBL24_GROUP_SIZE *
					    sizeof(uint32_t) +
				    plan.nr_groups * XDPB_TBL8_GROUP_SIZE *
					    sizeof(uint32_t) +
				    plan.nr_leaves * sizeof(struct xdpb_leaf)
			  : trie_plan_bytes(&plan.trie);
	info->nr_v4_prefixes = (uint32_t)plan.nr_nodes;
	info->ip4_flat = (uint8_t)plan.flat;

	err = build_trie(&plan.trie, &maps);
	if (!err)
		err = build_ip4_flat(&plan, g);
	if (!err)
		err = array_from("xdpb_leaf4", sizeof(*plan.leaves),
				 plan.leaves, plan.nr_leaves, &g->leaf4);
	if (!err)
		rep->build_ns += monotonic_ns() - t0;
	ip4_plan_free(&plan);
	return err;
}

static int build_ip6(const struct rule_table *t, struct gen_maps *g,
		     struct xdpb_gen_info *info, struct activation_report *rep)
{
	const struct trie_maps maps = {
		"xdpb_root6",	"xdpb_nodes6", "xdpb_runs6",
		"xdpb_single6", &g->root6,     &g->nodes6,
		&g->runs6,	&g->singles6,  XDPB_TRIE_ROOT_ENTRIES(0),
	};
	struct trie_plan plan;
	uint64_t t0 = monotonic_ns();
	int err;

	err = ip6_plan_build(t, &plan);
	if (err)
		return plan_failed("IPv6", err);
	rep->plan_ns += monotonic_ns() - t0;
	t0 = monotonic_ns();
	rep->v6_prefixes = plan.nr_prefixes;
	rep->v6_nodes = plan.nr_nodes - plan.nr_buckets;
	rep->v6_buckets = plan.nr_buckets;
	rep->v6_singles = plan.nr_singles;
	rep->v6_depth = plan.max_depth;
	rep->v6_bytes = trie_plan_bytes(&plan);
	info->nr_v6_prefixes = (uint32_t)plan.nr_prefixes;

	err = build_trie(&plan, &maps);
	if (!err)
		err = array_from("xdpb_leaf6", sizeof(*plan.leaves),
				 plan.leaves, plan.nr_leaves, &g->leaf6);
	if (!err)
		rep->build_ns += monotonic_ns() - t0;
	trie_plan_free(&plan);
	return err;
}

/*
 * The name table of @plan in a new array map: a random seed, and if some
 * name lands too far from its home slot (XDPB_NAME_MAX_PROBES), another
 * seed and a quarter more slots, a few times. Sets the table's fields of
 * @info.
 */
static int build_name_table(const struct name_plan *plan, struct gen_maps *g,
			    struct xdpb_gen_info *info)
{
	uint32_t nr_slots = name_table_slots(plan->nr_entries);
	int err = -E2BIG;

	for (int attempt = 0; attempt < 4 && err == -E2BIG; attempt++) {
		size_t bytes = (size_t)nr_slots * sizeof(struct xdpb_name_slot);
		struct xdpb_name_slot *slots;
		uint64_t seed;

		if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) !=
		    sizeof(seed))
			seed = monotonic_ns() * 0x9e3779b97f4a7c15ULL;
		if (g->names >= 0)
			close(g->names);
		g->names = bpfmap_create_array(
			"xdpb_names", sizeof(struct xdpb_name_slot), nr_slots);
		slots = g->names < 0 ? NULL : bpfmap_mmap(g->names, bytes);
		if (!slots) {
			err = -errno;
			log_err("cannot create the domain rule table (%zu bytes): %s",
				bytes, strerror(errno));
			return err;
		}
		err = name_table_fill(plan, slots, nr_slots, seed);
		bpfmap_munmap(slots, bytes);
		info->nr_name_slots = nr_slots;
		info->name_slot_seed = seed;
		nr_slots += nr_slots / 4;
	}
	if (err)
		log_err("cannot place %zu domain names in a table of %u slots, no more than %d slots from where each belongs (names chosen to collide?): %s",
			plan->nr_entries, info->nr_name_slots,
			XDPB_NAME_MAX_PROBES - 1, strerror(-err));
	return err;
}

static int build_names(const struct name_table *t, struct gen_maps *g,
		       struct xdpb_gen_info *info,
		       struct activation_report *rep)
{
	struct name_plan plan;
	uint64_t t0 = monotonic_ns();
	int err;

	err = name_plan_build(t, &plan);
	if (err)
		return err;
	rep->plan_ns += monotonic_ns() - t0;
	t0 = monotonic_ns();
	rep->name_entries = plan.nr_entries;
	rep->name_filter_bytes = plan.filter_bytes;
	info->nr_names = plan.nr_entries;
	info->name_filter_log2 = plan.filter_log2;

	err = build_name_table(&plan, g, info);
	if (!err)
		err = build_filter("domain rule", "xdpb_namefilt", plan.filter,
				   plan.filter_bytes, &g->name_filter);
	if (err)
		goto out;
	rep->name_table_bytes =
		(size_t)info->nr_name_slots * sizeof(struct xdpb_name_slot);
	rep->build_ns += monotonic_ns() - t0;
out:
	name_plan_free(&plan);
	return err;
}

/* Point the outer maps' slot @gen at @g and set its metadata. */
static int install_gen(struct loader *ld, uint32_t gen, struct gen_maps *g,
		       const struct xdpb_gen_info *info)
{
	struct xdpblock_bpf *s = ld->skel;
	struct {
		struct bpf_map *outer;
		int fd;
	} slots[] = {
		{s->maps.ip4_root_gens, g->root4},
		{s->maps.ip4_node_gens, g->nodes4},
		{s->maps.ip4_run_gens, g->runs4},
		{s->maps.ip4_single_gens, g->singles4},
		{s->maps.ip4_tbl24_gens, g->tbl24},
		{s->maps.ip4_tbl8_gens, g->tbl8},
		{s->maps.ip4_host_gens, g->host},
		{s->maps.ip4_leaf_gens, g->leaf4},
		{s->maps.ip6_root_gens, g->root6},
		{s->maps.ip6_node_gens, g->nodes6},
		{s->maps.ip6_run_gens, g->runs6},
		{s->maps.ip6_single_gens, g->singles6},
		{s->maps.ip6_leaf_gens, g->leaf6},
		{s->maps.name_gens, g->names},
		{s->maps.name_filter_gens, g->name_filter},
	};

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (bpf_map_update_elem(bpf_map__fd(slots[i].outer), &gen,
					&slots[i].fd, BPF_ANY))
			return -errno;
	if (bpf_map_update_elem(bpf_map__fd(s->maps.gen_info), &gen, info,
				BPF_ANY))
		return -errno;
	return 0;
}

static int set_active_gen(struct loader *ld, uint32_t gen)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(ld->skel->maps.active_gen), &zero,
				&gen, BPF_ANY))
		return -errno;
	ld->active_gen = gen;
	return 0;
}

/*
 * A serial no generation in either slot has: one more than the active
 * one's (read from the map, so it goes on across daemon restarts). Flow
 * verdicts remembered under another serial are ignored.
 */
static uint32_t next_gen_serial(struct loader *ld)
{
	struct xdpb_gen_info cur = {0}, idle = {0};
	uint32_t active = ld->active_gen, other = !ld->active_gen;
	int fd = bpf_map__fd(ld->skel->maps.gen_info);
	uint32_t serial;

	bpf_map_lookup_elem(fd, &active, &cur);
	bpf_map_lookup_elem(fd, &other, &idle);
	serial = cur.serial + 1;
	if (serial == idle.serial)
		serial++;
	return serial;
}

/*
 * XDP runs in an RCU read-side section, and the kernel waits for a grace
 * period after every update of a map of maps from userspace, so storing
 * the active generation's name table again where it already is waits
 * until every packet that started before has finished.
 */
int loader_wait_for_packets(struct loader *ld)
{
	int outer = bpf_map__fd(ld->skel->maps.name_gens), inner, err = 0;
	uint32_t id;

	if (bpf_map_lookup_elem(outer, &ld->active_gen, &id))
		err = -errno;
	else if ((inner = bpf_map_get_fd_by_id(id)) < 0)
		err = -errno;
	else {
		if (bpf_map_update_elem(outer, &ld->active_gen, &inner,
					BPF_ANY))
			err = -errno;
		close(inner);
	}
	if (err)
		log_warn(
			"cannot wait for packets on the previous rules to finish: %s",
			strerror(-err));
	return err;
}

/* The state of a generation no daemon has described yet. */
static const struct xdpb_pinned_gen empty_gen = {
	.magic = XDPB_PIN_MAGIC,
	.layout_version = XDPB_PIN_LAYOUT_VERSION,
};

int loader_activate(struct loader *ld, const struct ruleset *rs,
		    const struct xdpb_pinned_gen *gen,
		    struct activation_report *report)
{
	struct gen_maps g;
	struct xdpb_gen_info info = {0};
	struct activation_report rep = {0};
	uint32_t idle = !ld->active_gen;
	uint64_t t0;
	int err;

	memset(&g, -1, sizeof(g)); /* every fd -1: none yet */
	/* before anything changes: a generation is never without its stages */
	err = loader_load_stages(ld, loader_stages_for(rs->names.nr));
	if (err)
		goto out;
	err = build_ip4(&rs->v4, &g, &info, &rep);
	if (!err)
		err = build_ip6(&rs->v6, &g, &info, &rep);
	/* after the address builds, which set their parts of info */
	if (!err)
		err = build_names(&rs->names, &g, &info, &rep);
	if (err)
		goto out;
	for (int i = 0; i < XDPB_MAX_WEB_PORTS; i++) {
		info.http_ports[i] = htons(ld->http_ports[i]);
		info.tls_ports[i] = htons(ld->tls_ports[i]);
	}
	info.serial = next_gen_serial(ld);
	/* before the switch: a daemon dying after it finds the state */
	if (ld->pin_dir[0]) {
		t0 = monotonic_ns();
		err = pin_gen_write(ld->pin_dir, idle, gen ? gen : &empty_gen,
				    rs);
		rep.pin_ns = monotonic_ns() - t0;
		if (err) {
			log_err("cannot pin the new generation's state in %s: %s",
				ld->pin_dir, strerror(-err));
			goto out;
		}
	}

	/*
	 * The idle slot holds the generation before last, which no packet
	 * uses any more: every switch is followed by a grace period (below;
	 * unless that failed, which is logged). Its fifteen maps and gen_info
	 * are replaced one by one.
	 */
	t0 = monotonic_ns();
	err = install_gen(ld, idle, &g, &info);
	if (!err)
		err = set_active_gen(ld, idle); /* the one-step switch */
	rep.switch_ns = monotonic_ns() - t0;
	if (err) {
		log_err("cannot switch to the new rule generation: %s",
			strerror(-err));
		goto out;
	}
	if (ld->pin_dir[0])
		pin_gen_remove(ld->pin_dir, !idle); /* describes the past */
	/* the rule ids only the previous generation used: see the header */
	loader_wait_for_packets(
		ld); /* a failure is logged; the switch stands */
out:
	gen_maps_close(&g); /* the outer maps hold their own references */
	if (report)
		*report = rep;
	return err;
}

void loader_set_web_ports(struct loader *ld, const uint16_t *http, int nr_http,
			  const uint16_t *tls, int nr_tls)
{
	memset(ld->http_ports, 0, sizeof(ld->http_ports));
	memset(ld->tls_ports, 0, sizeof(ld->tls_ports));
	for (int i = 0; i < nr_http && i < XDPB_MAX_WEB_PORTS; i++)
		ld->http_ports[i] = http[i];
	for (int i = 0; i < nr_tls && i < XDPB_MAX_WEB_PORTS; i++)
		ld->tls_ports[i] = tls[i];
}

int loader_set_sinkhole(struct loader *ld, uint16_t list_id,
			const struct xdpb_sinkhole *sinkhole)
{
	uint32_t key = list_id;

	if (list_id >= XDPB_MAX_LISTS)
		return -EINVAL;
	if (bpf_map_update_elem(bpf_map__fd(ld->skel->maps.sinkhole_addrs),
				&key, sinkhole, BPF_ANY))
		return -errno;
	return 0;
}
