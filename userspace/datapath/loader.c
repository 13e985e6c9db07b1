// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
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
#include "common/log.h"
#include "datapath/loader.h"
#include "datapath/pinning.h"
/* bpftool's generated skeleton casts const away (-Wcast-qual) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "xdpblock.skel.h"
#pragma GCC diagnostic pop

/* Per-CPU lookups and updates move this many entries per syscall. */
#define BATCH_CHUNK 65536

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The inner maps of one generation, as file descriptors. */
struct gen_maps {
	int tbl24, tbl8, host, leaf, ip6, filter6, names, name_filter;
};

static void gen_maps_close(struct gen_maps *g)
{
	int *fds[] = {&g->tbl24, &g->tbl8,    &g->host,	 &g->leaf,
		      &g->ip6,	 &g->filter6, &g->names, &g->name_filter};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* Element sizes are multiples of 8, so the mmapped memory has no gaps. */
static int create_array(const char *name, uint32_t value_size, uint32_t entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts,
		    .map_flags = BPF_F_MMAPABLE | BPF_F_INNER_MAP);

	return bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(uint32_t),
			      value_size, entries ? entries : 1, &opts);
}

static int create_hash(const char *name, uint32_t key_size, uint32_t value_size,
		       uint32_t entries)
{
	return bpf_map_create(BPF_MAP_TYPE_HASH, name, key_size, value_size,
			      entries ? entries : 1, NULL);
}

static void *map_mmap(int fd, size_t bytes)
{
	size_t page = sysconf(_SC_PAGESIZE);
	void *p;

	bytes = (bytes + page - 1) / page * page;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void map_munmap(void *p, size_t bytes)
{
	size_t page = sysconf(_SC_PAGESIZE);

	if (p)
		munmap(p, (bytes + page - 1) / page * page);
}

static int batch_update(int fd, const void *keys, size_t key_size,
			const void *values, size_t value_size, size_t nr)
{
	for (size_t done = 0; done < nr;) {
		uint32_t count = nr - done > BATCH_CHUNK ? BATCH_CHUNK
							 : nr - done;
		int err = bpf_map_update_batch(
			fd, (const char *)keys + done * key_size,
			(const char *)values + done * value_size, &count, NULL);

		if (err)
			return -errno;
		done += count;
	}
	return 0;
}

static int build_ip4(const struct rule_table *t, struct gen_maps *g,
		     struct activation_report *rep)
{
	struct ip4_plan plan;
	uint32_t *tbl24 = NULL, *tbl8 = NULL, *host_addrs = NULL,
		 *host_leaves = NULL;
	struct xdpb_leaf *leaves = NULL;
	size_t tbl24_entries, tbl8_entries;
	uint64_t t0 = monotonic_ns();
	int err;

	err = ip4_plan_build(t, &plan);
	if (err)
		return err;
	rep->plan_ns += monotonic_ns() - t0;
	t0 = monotonic_ns();
	rep->v4_leaves = plan.nr_leaves;
	rep->v4_groups = plan.nr_groups;
	rep->v4_hosts = plan.nr_hosts;

	/* An empty set needs no 64 MiB table: lookups past the end miss. */
	tbl24_entries = plan.nr_nodes ? XDPB_TBL24_ENTRIES : XDPB_TBL_CHUNK;
	tbl8_entries = plan.nr_groups * XDPB_TBL8_GROUP_SIZE;
	g->tbl24 = create_array("xdpb_tbl24", sizeof(struct xdpb_tbl_chunk),
				tbl24_entries / XDPB_TBL_CHUNK);
	g->tbl8 = create_array("xdpb_tbl8", sizeof(struct xdpb_tbl_chunk),
			       tbl8_entries / XDPB_TBL_CHUNK);
	g->leaf = create_array("xdpb_leaf4", sizeof(struct xdpb_leaf),
			       plan.nr_leaves);
	g->host = create_hash("xdpb_host4", sizeof(uint32_t), sizeof(uint32_t),
			      plan.nr_hosts);
	if (g->tbl24 < 0 || g->tbl8 < 0 || g->leaf < 0 || g->host < 0) {
		err = -errno;
		log_err("cannot create IPv4 rule maps (%zu prefixes): %s; is the memlock limit or kernel memory too low?",
			plan.nr_nodes, strerror(errno));
		goto out;
	}
	tbl24 = map_mmap(g->tbl24, tbl24_entries * sizeof(uint32_t));
	tbl8 = tbl8_entries ? map_mmap(g->tbl8, tbl8_entries * sizeof(uint32_t))
			    : NULL;
	leaves = map_mmap(g->leaf, plan.nr_leaves * sizeof(*leaves));
	host_addrs = big_calloc(plan.nr_hosts + 1, sizeof(uint32_t));
	host_leaves = big_calloc(plan.nr_hosts + 1, sizeof(uint32_t));
	if (!tbl24 || (tbl8_entries && !tbl8) || !leaves || !host_addrs ||
	    !host_leaves) {
		err = -ENOMEM;
		log_err("cannot map the IPv4 rule tables into memory");
		goto out;
	}
	memcpy(leaves, plan.leaves, plan.nr_leaves * sizeof(*leaves));
	if (plan.nr_nodes)
		ip4_plan_fill(&plan, tbl24, tbl8, host_addrs, host_leaves);
	err = batch_update(g->host, host_addrs, sizeof(uint32_t), host_leaves,
			   sizeof(uint32_t), plan.nr_hosts);
	if (err)
		log_err("cannot fill the IPv4 /32 hash: %s", strerror(-err));
	rep->build_ns += monotonic_ns() - t0;
out:
	map_munmap(tbl24, tbl24_entries * sizeof(uint32_t));
	map_munmap(tbl8, tbl8_entries * sizeof(uint32_t));
	map_munmap(leaves, plan.nr_leaves * sizeof(*leaves));
	free(host_addrs);
	free(host_leaves);
	ip4_plan_free(&plan);
	return err;
}

/* A filter map (XDPB filter chunks) holding @bytes of @bits. */
static int build_filter(const char *what, const char *obj_name,
			const void *bits, size_t bytes, int *fd)
{
	void *filter;
	int err;

	*fd = create_array(obj_name, sizeof(struct xdpb_filter_chunk),
			   bytes / sizeof(struct xdpb_filter_chunk));
	filter = *fd < 0 ? NULL : map_mmap(*fd, bytes);
	if (!filter) {
		err = -errno;
		log_err("cannot create the %s filter (%zu bytes): %s", what,
			bytes, strerror(errno));
		return err;
	}
	memcpy(filter, bits, bytes);
	map_munmap(filter, bytes);
	return 0;
}

/* A hash of rules behind a bit filter: the shape of IPv6 rules. */
struct hashed_table {
	const char *what; /* for messages: "IPv6 rule" */
	const char *hash_name, *filter_name; /* BPF object names */
	uint32_t key_size, value_size;
	const void *keys, *values;
	size_t nr;
	const void *filter;
	size_t filter_bytes;
};

static int build_hash_and_filter(const struct hashed_table *t, int *hash_fd,
				 int *filter_fd)
{
	int err;

	*hash_fd = create_hash(t->hash_name, t->key_size, t->value_size, t->nr);
	if (*hash_fd < 0) {
		err = -errno;
		log_err("cannot create the %s map (%zu entries): %s", t->what,
			t->nr, strerror(errno));
		return err;
	}
	err = batch_update(*hash_fd, t->keys, t->key_size, t->values,
			   t->value_size, t->nr);
	if (err) {
		log_err("cannot fill the %s map: %s", t->what, strerror(-err));
		return err;
	}
	return build_filter(t->what, t->filter_name, t->filter, t->filter_bytes,
			    filter_fd);
}

static int build_ip6(const struct rule_table *t, struct gen_maps *g,
		     struct xdpb_gen_info *info, struct activation_report *rep)
{
	struct ip6_plan plan;
	uint64_t t0 = monotonic_ns();
	int err;

	err = ip6_plan_build(t, &plan);
	if (err)
		return err;
	rep->plan_ns += monotonic_ns() - t0;
	t0 = monotonic_ns();
	rep->v6_entries = plan.nr_entries;
	rep->v6_filter_bytes = plan.filter_bytes;
	rep->v6_lengths = plan.info.nr_v6_lengths;
	*info = plan.info;

	err = build_hash_and_filter(
		&(struct hashed_table){
			.what = "IPv6 rule",
			.hash_name = "xdpb_prefix6",
			.filter_name = "xdpb_filter6",
			.key_size = sizeof(*plan.keys),
			.value_size = sizeof(*plan.leaves),
			.keys = plan.keys,
			.values = plan.leaves,
			.nr = plan.nr_entries,
			.filter = plan.filter,
			.filter_bytes = plan.filter_bytes,
		},
		&g->ip6, &g->filter6);
	if (err)
		goto out;
	rep->build_ns += monotonic_ns() - t0;
out:
	ip6_plan_free(&plan);
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
		g->names = create_array(
			"xdpb_names", sizeof(struct xdpb_name_slot), nr_slots);
		slots = g->names < 0 ? NULL : map_mmap(g->names, bytes);
		if (!slots) {
			err = -errno;
			log_err("cannot create the domain rule table (%zu bytes): %s",
				bytes, strerror(errno));
			return err;
		}
		err = name_table_fill(plan, slots, nr_slots, seed);
		map_munmap(slots, bytes);
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
		{s->maps.ip4_tbl24_gens, g->tbl24},
		{s->maps.ip4_tbl8_gens, g->tbl8},
		{s->maps.ip4_host_gens, g->host},
		{s->maps.ip4_leaf_gens, g->leaf},
		{s->maps.ip6_prefix_gens, g->ip6},
		{s->maps.ip6_filter_gens, g->filter6},
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
	struct gen_maps g = {-1, -1, -1, -1, -1, -1, -1, -1};
	struct xdpb_gen_info info = {0};
	struct activation_report rep = {0};
	uint32_t idle = !ld->active_gen;
	uint64_t t0;
	int err;

	/* before anything changes: a generation is never without its stages */
	err = loader_load_stages(ld, loader_stages_for(rs->names.nr));
	if (err)
		goto out;
	err = build_ip4(&rs->v4, &g, &rep);
	if (!err)
		err = build_ip6(&rs->v6, &g, &info, &rep);
	/* after build_ip6, which sets the IPv6 part of info */
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
	 * unless that failed, which is logged). Its eight maps and gen_info
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

/* Maps libbpf creates, or reuses when pinned, under ld->pin_dir. */
static int set_pin_paths(struct loader *ld)
{
	struct bpf_map *map;
	char path[PATH_MAX];

	bpf_object__for_each_map(map, ld->skel->obj)
	{
		if (bpf_map__is_internal(map))
			continue; /* .rodata: each program has its own */
		/*
		 * Not these: the flow cache holds client addresses and the
		 * scratch maps bytes of packets, which must never be in a
		 * file (bpffs included), and none of them carries state a
		 * new daemon needs. A restarted daemon starts with an empty
		 * flow cache.
		 */
		if (!strcmp(bpf_map__name(map), "flow_verdict") ||
		    !strcmp(bpf_map__name(map), "tls_pending") ||
		    !strcmp(bpf_map__name(map), "dns_scratch") ||
		    !strcmp(bpf_map__name(map), "web_scratch") ||
		    !strcmp(bpf_map__name(map), "query_scratch") ||
		    !strcmp(bpf_map__name(map), "ip6_pair_scratch"))
			continue;
		/* each program arms its own (bpf/maps.bpf.h) */
		if (!strcmp(bpf_map__name(map), "hit_log_timers"))
			continue;
		/*
		 * Each daemon fills its own, with its own stages: the one a
		 * previous daemon pinned keeps that daemon's attached
		 * program whole until loader_pin_stages() replaces it.
		 */
		if (!strcmp(bpf_map__name(map), "stages"))
			continue;
		if (pin_path_join(path, sizeof(path), ld->pin_dir,
				  bpf_map__name(map)) ||
		    bpf_map__set_pin_path(map, path))
			return -ENAMETOOLONG;
	}
	return 0;
}

static size_t hit_logs_bytes(const struct loader *ld)
{
	return (size_t)ld->nr_cpus * sizeof(struct xdpb_hit_log);
}

static void unload(struct loader *ld)
{
	map_munmap(ld->rule_counters, ld->rule_counters_bytes);
	ld->rule_counters = NULL;
	map_munmap(ld->hit_logs, hit_logs_bytes(ld));
	ld->hit_logs = NULL;
	for (int i = 0; i < ld->nr_stage_skels; i++)
		xdpblock_bpf__destroy(ld->stage_skels[i]);
	ld->nr_stage_skels = 0;
	ld->loaded_stages = 0;
	if (ld->skel)
		xdpblock_bpf__destroy(ld->skel);
	ld->skel = NULL;
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

static uint32_t flow_cache_entries = XDPB_DEFAULT_FLOW_CACHE_ENTRIES;

static struct bpf_program *stage_prog(struct xdpblock_bpf *skel, int stage)
{
	switch (stage) {
	case XDPB_STAGE_DNS:
		return skel->progs.xdpblock_dns;
	case XDPB_STAGE_WEB:
		return skel->progs.xdpblock_web;
	}
	return NULL;
}

const char *loader_stage_name(int stage)
{
	static const char *const names[XDPB_NR_STAGES] = {
		[XDPB_STAGE_DNS] = "dns",
		[XDPB_STAGE_WEB] = "web",
	};

	return stage >= 0 && stage < XDPB_NR_STAGES ? names[stage] : "?";
}

uint32_t loader_stages_for(uint32_t nr_names)
{
	return nr_names ? 1u << XDPB_STAGE_DNS | 1u << XDPB_STAGE_WEB : 0;
}

/* Open the object with the settings every load of it shares. */
static struct xdpblock_bpf *open_object(const struct loader *ld)
{
	struct xdpblock_bpf *skel = xdpblock_bpf__open();

	if (skel)
		skel->rodata->rule_id_capacity = ld->rule_id_capacity;
	return skel;
}

int loader_load_stages(struct loader *ld, uint32_t want)
{
	uint32_t missing = want & ~ld->loaded_stages;
	int stages_fd = bpf_map__fd(ld->skel->maps.stages);
	struct xdpblock_bpf *skel;
	struct bpf_map *map;
	int err = 0;

	if (!missing)
		return 0;
	/* every load adds a stage: there cannot be more loads than stages */
	if (ld->nr_stage_skels >= XDPB_NR_STAGES)
		return -E2BIG;
	skel = open_object(ld);
	if (!skel) {
		err = -errno;
		log_err("cannot open the BPF object for its stages: %s",
			strerror(errno));
		return err;
	}
	/* the stages run on the entry program's maps, every one of them */
	bpf_object__for_each_map(map, skel->obj)
	{
		struct bpf_map *ours;

		if (bpf_map__is_internal(map))
			continue; /* .rodata: the same values, set above */
		ours = bpf_object__find_map_by_name(ld->skel->obj,
						    bpf_map__name(map));
		err = ours ? bpf_map__reuse_fd(map, bpf_map__fd(ours))
			   : -ENOENT;
		if (err)
			goto fail;
	}
	bpf_program__set_autoload(skel->progs.xdpblock, false);
	for (int i = 0; i < XDPB_NR_STAGES; i++)
		bpf_program__set_autoload(stage_prog(skel, i),
					  missing & 1u << i);
	err = xdpblock_bpf__load(skel);
	if (err)
		goto fail;
	for (uint32_t i = 0; i < XDPB_NR_STAGES; i++) {
		int fd = bpf_program__fd(stage_prog(skel, i));

		if (!(missing & 1u << i))
			continue;
		if (bpf_map_update_elem(stages_fd, &i, &fd, BPF_ANY)) {
			err = -errno;
			goto fail;
		}
	}
	ld->stage_skels[ld->nr_stage_skels++] = skel;
	ld->loaded_stages |= missing;
	for (int i = 0; i < XDPB_NR_STAGES; i++)
		if (missing & 1u << i)
			log_info("loaded the %s stage", loader_stage_name(i));
	return 0;
fail:
	log_err("cannot load the datapath's name stages: %s (run 'xdpblockd -v' for the verifier's detail; domain lists cannot be matched on this kernel)",
		strerror(-err));
	/* a stage put in before the failure is harmless: its slot stays */
	xdpblock_bpf__destroy(skel);
	return err;
}

int loader_pin_stages(struct loader *ld)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int err;

	if (!ld->pin_dir[0])
		return 0;
	if (pin_path_join(path, sizeof(path), ld->pin_dir, "stages") ||
	    pin_path_join(tmp, sizeof(tmp), ld->pin_dir, "stages_new"))
		return -ENAMETOOLONG;
	unlink(tmp);
	/*
	 * Pinned beside (bpffs refuses names with a dot), then renamed over
	 * the old pin in one step: the previous daemon's array, if any,
	 * loses its last holder only now, when no attached program uses it
	 * any more.
	 */
	if (bpf_obj_pin(bpf_map__fd(ld->skel->maps.stages), tmp) ||
	    rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
		log_warn(
			"cannot pin the stage table in %s: %s (names stay matched while this daemon runs)",
			ld->pin_dir, strerror(-err));
		return err;
	}
	return 0;
}

void loader_set_flow_cache_entries(uint32_t entries)
{
	flow_cache_entries = entries;
}

static int open_and_load(struct loader *ld)
{
	uint32_t capacity = ld->rule_id_capacity;
	int err;

	ld->skel = open_object(ld);
	if (!ld->skel) {
		err = -errno;
		log_err("cannot open the BPF object: %s", strerror(errno));
		return err;
	}
	/* the stages come when a generation needs them: loader_load_stages() */
	for (int i = 0; i < XDPB_NR_STAGES; i++)
		bpf_program__set_autoload(stage_prog(ld->skel, i), false);
	bpf_map__set_max_entries(ld->skel->maps.rule_stats,
				 ld->nr_cpus * capacity);
	bpf_map__set_max_entries(ld->skel->maps.hit_logs, ld->nr_cpus);
	bpf_map__set_max_entries(ld->skel->maps.hit_log_timers, ld->nr_cpus);
	bpf_map__set_max_entries(ld->skel->maps.flow_verdict,
				 flow_cache_entries);
	err = ld->pin_dir[0] ? set_pin_paths(ld) : 0;
	if (!err)
		err = xdpblock_bpf__load(ld->skel);
	if (err) {
		log_err("cannot load the XDP program: %s (run as root with BPF enabled; 'xdpblockd -v' shows libbpf's detail)",
			strerror(-err));
		goto fail;
	}
	ld->rule_counters = map_mmap(bpf_map__fd(ld->skel->maps.rule_stats),
				     ld->rule_counters_bytes);
	if (!ld->rule_counters) {
		err = -errno;
		log_err("cannot map the rule counters: %s", strerror(errno));
		goto fail;
	}
	ld->hit_logs = map_mmap(bpf_map__fd(ld->skel->maps.hit_logs),
				hit_logs_bytes(ld));
	if (!ld->hit_logs) {
		err = -errno;
		log_err("cannot map the rule hit logs: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	unload(ld);
	return err;
}

/*
 * Can the pinned state be adopted? Only what this daemon would have made
 * itself: same layouts, same rule id capacity, same CPUs. Anything else is
 * removed (except links, which keep the old program filtering until they
 * are moved to the new one) and the daemon starts fresh.
 */
static int pinned_state_usable(struct loader *ld)
{
	struct xdpb_pin_meta meta;
	int err = pin_meta_read(ld->pin_dir, &meta);

	if (!err && meta.magic == XDPB_PIN_MAGIC &&
	    meta.layout_version == XDPB_PIN_LAYOUT_VERSION &&
	    meta.rule_id_capacity == ld->rule_id_capacity &&
	    meta.nr_cpus == (uint32_t)ld->nr_cpus)
		return 1;
	if (!err)
		log_warn(
			"the state pinned in %s was made for %s: starting with fresh maps (filtering goes on; counters restart)",
			ld->pin_dir,
			meta.layout_version != XDPB_PIN_LAYOUT_VERSION
				? "another xdpblock version"
				: "other max_rules_ipv4/ipv6/domain or CPUs");
	else if (err != -ENOENT)
		log_warn(
			"the state pinned in %s is unreadable (%s): starting with fresh maps",
			ld->pin_dir, strerror(-err));
	pin_remove_maps(ld->pin_dir);
	return 0;
}

static int lock_pin_dir(struct loader *ld, char *errbuf, size_t errlen)
{
	ld->pin_lock_fd = open(ld->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ld->pin_lock_fd < 0) {
		snprintf(errbuf, errlen, "cannot open pin_path %s: %s",
			 ld->pin_dir, strerror(errno));
		return -errno;
	}
	if (flock(ld->pin_lock_fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(
			errbuf, errlen,
			"another xdpblockd uses pin_path %s: stop it, or give this daemon its own pin_path",
			ld->pin_dir);
		return -EBUSY;
	}
	return 0;
}

int loader_open(struct loader *ld, uint32_t rule_id_capacity,
		const char *pin_dir, char *errbuf, size_t errlen)
{
	struct ruleset empty = {0};
	uint32_t zero = 0;
	int err;

	memset(ld, 0, sizeof(*ld));
	ld->pin_lock_fd = -1;
	ld->http_ports[0] = XDPB_DEFAULT_HTTP_PORT;
	ld->tls_ports[0] = XDPB_DEFAULT_TLS_PORT;
	ld->tls_ports[1] = XDPB_DEFAULT_DOT_PORT;
	snprintf(errbuf, errlen, "cannot load the XDP program (see above)");
	ld->nr_cpus = libbpf_num_possible_cpus();
	if (ld->nr_cpus <= 0)
		return -EINVAL;
	ld->rule_id_capacity = rule_id_capacity;
	ld->rule_counters_bytes = (size_t)ld->nr_cpus * rule_id_capacity *
				  sizeof(struct xdpb_counter);
	if ((uint64_t)ld->nr_cpus * rule_id_capacity > UINT32_MAX) {
		snprintf(
			errbuf, errlen,
			"max_rules_ipv4/ipv6/domain too large for %d CPUs: lower them",
			ld->nr_cpus);
		return -E2BIG;
	}
	if (pin_dir) {
		if (snprintf(ld->pin_dir, sizeof(ld->pin_dir), "%s", pin_dir) >=
		    (int)sizeof(ld->pin_dir))
			return -ENAMETOOLONG;
		err = pin_dir_prepare(pin_dir, errbuf, errlen);
		if (!err)
			err = lock_pin_dir(ld, errbuf, errlen);
		if (err)
			goto fail;
		ld->found_pins = pin_dir_has_pins(ld->pin_dir);
		ld->adopted = pinned_state_usable(ld);
	}
	err = open_and_load(ld);
	if (err && ld->adopted) {
		log_warn("cannot reuse the maps pinned in %s: starting fresh",
			 ld->pin_dir);
		pin_remove_maps(ld->pin_dir);
		ld->adopted = 0;
		err = open_and_load(ld);
	}
	if (err)
		goto fail;
	if (ld->adopted) {
		struct xdpb_gen_info info;

		if (bpf_map_lookup_elem(bpf_map__fd(ld->skel->maps.active_gen),
					&zero, &ld->active_gen) ||
		    ld->active_gen >= XDPB_NR_GENS ||
		    bpf_map_lookup_elem(bpf_map__fd(ld->skel->maps.gen_info),
					&ld->active_gen, &info)) {
			err = -EINVAL;
			snprintf(
				errbuf, errlen,
				"the pinned active_gen in %s is unreadable: run 'xdpblockctl cleanup' and start again",
				ld->pin_dir);
			goto fail;
		}
		/* the running rules' stages, before this program attaches */
		err = loader_load_stages(ld, loader_stages_for(info.nr_names));
		if (err) {
			snprintf(
				errbuf, errlen,
				"cannot load the name stages the pinned rules need (see above)");
			goto fail;
		}
		return 0;
	}
	/* Both slots get a valid, empty generation before anything attaches. */
	for (int i = 0; i < XDPB_NR_GENS; i++) {
		err = loader_activate(ld, &empty, NULL, NULL);
		if (err)
			goto fail;
	}
	if (ld->pin_dir[0]) {
		struct xdpb_pin_meta meta = {
			.magic = XDPB_PIN_MAGIC,
			.layout_version = XDPB_PIN_LAYOUT_VERSION,
			.rule_id_capacity = rule_id_capacity,
			.nr_cpus = ld->nr_cpus,
		};

		/* last: until it is there, the pins are not adoptable */
		err = pin_meta_write(ld->pin_dir, &meta);
		if (err) {
			snprintf(errbuf, errlen, "cannot pin state in %s: %s",
				 ld->pin_dir, strerror(-err));
			goto fail;
		}
	}
	return 0;
fail:
	unload(ld);
	if (ld->pin_lock_fd >= 0)
		close(ld->pin_lock_fd);
	ld->pin_lock_fd = -1;
	ld->pin_dir[0] = '\0'; /* not ours: loader_close must not unpin */
	return err;
}

int loader_adopted_rules(struct loader *ld, struct xdpb_pinned_gen *gen,
			 struct ruleset *rs)
{
	return pin_gen_read(ld->pin_dir, ld->active_gen, gen, rs);
}

void loader_close(struct loader *ld, int unpin)
{
	unload(ld);
	if (unpin && ld->pin_dir[0]) {
		int n = pin_remove_all(ld->pin_dir);

		if (n < 0)
			log_warn("cannot remove %s: %s", ld->pin_dir,
				 strerror(-n));
	}
	if (ld->pin_lock_fd >= 0)
		close(ld->pin_lock_fd);
	ld->pin_lock_fd = -1;
}

int loader_prog_fd(const struct loader *ld)
{
	return bpf_program__fd(ld->skel->progs.xdpblock);
}

int loader_zero_rules(struct loader *ld, const uint32_t *ids, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		if (ids[i] >= ld->rule_id_capacity)
			continue;
		for (int c = 0; c < ld->nr_cpus; c++)
			memset(&ld->rule_counters[(size_t)c *
							  ld->rule_id_capacity +
						  ids[i]],
			       0, sizeof(struct xdpb_counter));
	}
	return 0;
}

int loader_zero_list(struct loader *ld, uint16_t list_id)
{
	struct xdpb_counter *zeros = calloc(ld->nr_cpus, sizeof(*zeros));
	uint32_t key = list_id;
	int err = 0;

	if (!zeros)
		return -ENOMEM;
	if (bpf_map_update_elem(bpf_map__fd(ld->skel->maps.list_stats), &key,
				zeros, BPF_ANY))
		err = -errno;
	free(zeros);
	return err;
}

/*
 * One CPU's logged hits, as rules with their totals (rule_stats plus the
 * hits), all as they stood at one instant: read between two equal, even
 * fold_seq values, as rule_stats changes only while the CPU adds its log.
 */
struct hit_snapshot {
	uint32_t nr; /* distinct rules, by rule id */
	uint32_t rule_id[XDPB_HIT_LOG_LEN];
	struct xdpb_counter total[XDPB_HIT_LOG_LEN];
};

static uint32_t load_u32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Where @id is in @s, or where it would go. */
static uint32_t snapshot_find(const struct hit_snapshot *s, uint32_t id)
{
	uint32_t lo = 0, hi = s->nr;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (s->rule_id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void snapshot_add_hit(struct hit_snapshot *s, uint32_t id,
			     uint32_t bytes)
{
	uint32_t at = snapshot_find(s, id);

	if (at == s->nr || s->rule_id[at] != id) {
		memmove(&s->rule_id[at + 1], &s->rule_id[at],
			(s->nr - at) * sizeof(s->rule_id[0]));
		memmove(&s->total[at + 1], &s->total[at],
			(s->nr - at) * sizeof(s->total[0]));
		s->rule_id[at] = id;
		s->total[at] = (struct xdpb_counter){0};
		s->nr++;
	}
	s->total[at].packets++;
	s->total[at].bytes += bytes;
}

/*
 * A fold takes microseconds, but a preempted one (PREEMPT_RT, or a
 * BPF_PROG_TEST_RUN) can take longer: yield, and give up after a second
 * rather than hang the daemon, and say so. 0, or -EAGAIN with @s empty.
 */
static int hit_snapshot_take(const struct loader *ld, int cpu,
			     struct hit_snapshot *s)
{
	const struct xdpb_hit_log *log = &ld->hit_logs[cpu];
	const struct xdpb_counter *slice =
		&ld->rule_counters[(size_t)cpu * ld->rule_id_capacity];
	static int warned;
	uint64_t t0 = 0;

	for (unsigned int attempt = 0;; attempt++) {
		uint32_t seq = load_u32(&log->fold_seq);
		uint32_t n = load_u32(&log->count);

		s->nr = 0;
		if (!(seq & 1)) {
			if (n > XDPB_HIT_LOG_LEN)
				n = XDPB_HIT_LOG_LEN;
			for (uint32_t i = 0; i < n; i++) {
				struct xdpb_rule_hit h = log->hit[i];

				if (h.rule_id < ld->rule_id_capacity)
					snapshot_add_hit(s, h.rule_id, h.bytes);
			}
			for (uint32_t k = 0; k < s->nr; k++) {
				s->total[k].packets +=
					slice[s->rule_id[k]].packets;
				s->total[k].bytes += slice[s->rule_id[k]].bytes;
			}
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (load_u32(&log->fold_seq) == seq)
				return 0;
		}
		if (attempt < 1000)
			continue;
		if (!t0)
			t0 = monotonic_ns();
		else if (monotonic_ns() - t0 > 1000000000ULL)
			break;
		sched_yield();
	}
	if (!warned++)
		log_warn(
			"CPU %d's rule hit log stays locked: rule counts leave out its last hits",
			cpu);
	s->nr = 0;
	return -EAGAIN;
}

/*
 * Add CPU @cpu's counters of rule ids [first, first + nr) to @out. A rule
 * with logged hits takes its total from the snapshot; any other from
 * rule_stats, read after the snapshot: hits it had logged before were
 * added to rule_stats since (or it would be in the snapshot), so what a
 * reader sees never goes back.
 */
static void add_cpu_rules(const struct loader *ld, int cpu, uint32_t first,
			  uint32_t nr, struct xdpb_counter *out)
{
	const struct xdpb_counter *slice =
		&ld->rule_counters[(size_t)cpu * ld->rule_id_capacity];
	struct hit_snapshot s;
	uint32_t k;

	hit_snapshot_take(ld, cpu, &s); /* on failure: rule_stats alone */
	k = snapshot_find(&s, first);
	for (uint32_t i = 0; i < nr; i++) {
		uint32_t id = first + i;

		if (k < s.nr && s.rule_id[k] == id) {
			out[i].packets += s.total[k].packets;
			out[i].bytes += s.total[k].bytes;
			k++;
		} else {
			out[i].packets += slice[id].packets;
			out[i].bytes += slice[id].bytes;
		}
	}
}

void loader_read_rule(const struct loader *ld, uint32_t rule_id,
		      struct xdpb_counter *out)
{
	memset(out, 0, sizeof(*out));
	if (rule_id >= ld->rule_id_capacity)
		return;
	for (int c = 0; c < ld->nr_cpus; c++)
		add_cpu_rules(ld, c, rule_id, 1, out);
}

int loader_read_rules(struct loader *ld, struct xdpb_counter *out,
		      uint32_t nr_ids)
{
	if (nr_ids > ld->rule_id_capacity)
		nr_ids = ld->rule_id_capacity;
	memset(out, 0, nr_ids * sizeof(*out));
	for (int c = 0; c < ld->nr_cpus; c++)
		add_cpu_rules(ld, c, 0, nr_ids, out);
	return 0;
}

size_t loader_ids_in_hit_logs(const struct loader *ld, uint32_t *ids, size_t nr)
{
	struct hit_snapshot s;
	size_t held = 0;

	/* ids[0 .. held) are held; each CPU's log may hold more of the rest */
	for (int c = 0; c < ld->nr_cpus && held < nr; c++) {
		if (hit_snapshot_take(ld, c, &s))
			return nr;
		for (size_t i = held; i < nr; i++) {
			uint32_t k = snapshot_find(&s, ids[i]), id = ids[i];

			if (k < s.nr && s.rule_id[k] == id) {
				ids[i] = ids[held];
				ids[held++] = id;
			}
		}
	}
	return held;
}

/*
 * Per-CPU map values that are @n counters each (list_stats: 1,
 * iface_stats: XDPB_STAT_MAX): @out = their sums over the CPUs.
 */
static int read_percpu_counters(int fd, uint32_t key, int nr_cpus,
				struct xdpb_counter *out, int n)
{
	struct xdpb_counter *values =
		calloc((size_t)nr_cpus * n, sizeof(*values));
	int err = 0;

	if (!values)
		return -ENOMEM;
	memset(out, 0, n * sizeof(*out));
	if (bpf_map_lookup_elem(fd, &key, values))
		err = -errno;
	for (int c = 0; !err && c < nr_cpus; c++)
		for (int i = 0; i < n; i++) {
			out[i].packets += values[c * n + i].packets;
			out[i].bytes += values[c * n + i].bytes;
		}
	free(values);
	return err;
}

/* The same values: add @add to CPU 0's (counts carried over a restart). */
static int add_percpu_counters(int fd, uint32_t key, int nr_cpus,
			       const struct xdpb_counter *add, int n)
{
	struct xdpb_counter *values =
		calloc((size_t)nr_cpus * n, sizeof(*values));
	int err = 0;

	if (!values)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, values) == 0) {
		for (int i = 0; i < n; i++) {
			values[i].packets += add[i].packets;
			values[i].bytes += add[i].bytes;
		}
		if (bpf_map_update_elem(fd, &key, values, BPF_EXIST))
			err = -errno;
	} else {
		err = -errno;
	}
	free(values);
	return err;
}

int loader_read_list(struct loader *ld, uint16_t list_id,
		     struct xdpb_counter *out)
{
	return read_percpu_counters(bpf_map__fd(ld->skel->maps.list_stats),
				    list_id, ld->nr_cpus, out, 1);
}

int loader_iface_register(struct loader *ld, int ifindex)
{
	int fd = bpf_map__fd(ld->skel->maps.iface_stats);
	struct xdpb_iface_stats *zeros = calloc(ld->nr_cpus, sizeof(*zeros));
	uint32_t key = ifindex;
	int err = 0;

	if (!zeros)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &key, zeros, BPF_NOEXIST) &&
	    errno != EEXIST)
		err = -errno;
	free(zeros);
	return err;
}

int loader_iface_unregister(struct loader *ld, int ifindex)
{
	uint32_t key = ifindex;

	if (bpf_map_delete_elem(bpf_map__fd(ld->skel->maps.iface_stats),
				&key) &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

int loader_read_iface(struct loader *ld, int ifindex,
		      struct xdpb_iface_stats *out)
{
	return read_percpu_counters(bpf_map__fd(ld->skel->maps.iface_stats),
				    ifindex, ld->nr_cpus, out->stat,
				    XDPB_STAT_MAX);
}

int loader_add_list(struct loader *ld, uint16_t list_id,
		    const struct xdpb_counter *add)
{
	return add_percpu_counters(bpf_map__fd(ld->skel->maps.list_stats),
				   list_id, ld->nr_cpus, add, 1);
}

int loader_add_iface(struct loader *ld, int ifindex,
		     const struct xdpb_iface_stats *add)
{
	return add_percpu_counters(bpf_map__fd(ld->skel->maps.iface_stats),
				   ifindex, ld->nr_cpus, add->stat,
				   XDPB_STAT_MAX);
}
