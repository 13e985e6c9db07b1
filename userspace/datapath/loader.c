// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The BPF object from userspace: opening and loading it (the entry program
 * and its maps), the stage programs, pins and adoption, closing.
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
#include "common/log.h"
#include "datapath/bpfmap.h"
#include "datapath/generation.h"
#include "datapath/loader.h"
#include "datapath/pinning.h"
/* bpftool's generated skeleton casts const away (-Wcast-qual) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "xdpblock.skel.h"
#pragma GCC diagnostic pop

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
		    !strcmp(bpf_map__name(map), "addr_pair_scratch"))
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

static void unload(struct loader *ld)
{
	bpfmap_munmap(ld->rule_counters, ld->rule_counters_bytes);
	ld->rule_counters = NULL;
	bpfmap_munmap(ld->hit_logs, hit_logs_bytes(ld));
	ld->hit_logs = NULL;
	for (int i = 0; i < ld->nr_stage_skels; i++)
		xdpblock_bpf__destroy(ld->stage_skels[i]);
	ld->nr_stage_skels = 0;
	ld->loaded_stages = 0;
	if (ld->skel)
		xdpblock_bpf__destroy(ld->skel);
	ld->skel = NULL;
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
	ld->rule_counters = bpfmap_mmap(bpf_map__fd(ld->skel->maps.rule_stats),
					ld->rule_counters_bytes);
	if (!ld->rule_counters) {
		err = -errno;
		log_err("cannot map the rule counters: %s", strerror(errno));
		goto fail;
	}
	ld->hit_logs = bpfmap_mmap(bpf_map__fd(ld->skel->maps.hit_logs),
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
