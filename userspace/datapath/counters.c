// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The datapath's counters from userspace: see counters.h. */
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
#include "datapath/counters.h"
#include "datapath/loader.h"
#include "datapath/pinning.h"
/* bpftool's generated skeleton casts const away (-Wcast-qual) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "xdpblock.skel.h"
#pragma GCC diagnostic pop

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
 * @out = the sums over @nr_cpus CPUs of @n counters each, CPU c's at
 * @first + c * @stride bytes (a map value per CPU, or a field of one).
 */
static void counters_sum(const void *first, size_t stride, int nr_cpus,
			 struct xdpb_counter *out, int n)
{
	memset(out, 0, n * sizeof(*out));
	for (int c = 0; c < nr_cpus; c++) {
		const struct xdpb_counter *v =
			(const void *)((const char *)first + c * stride);

		for (int i = 0; i < n; i++) {
			out[i].packets += v[i].packets;
			out[i].bytes += v[i].bytes;
		}
	}
}

/* @to += @add, @n counters (counts carried over a restart). */
static void counters_add(struct xdpb_counter *to,
			 const struct xdpb_counter *add, int n)
{
	for (int i = 0; i < n; i++) {
		to[i].packets += add[i].packets;
		to[i].bytes += add[i].bytes;
	}
}

/*
 * Per-CPU map values that are @n counters each (list_stats: 1,
 * iface_spill: XDPB_STAT_MAX): @out = their sums over the CPUs.
 */
static int read_percpu_counters(int fd, uint32_t key, int nr_cpus,
				struct xdpb_counter *out, int n)
{
	struct xdpb_counter *values =
		calloc((size_t)nr_cpus * n, sizeof(*values));
	int err = 0;

	if (!values)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, values))
		err = -errno;
	else
		counters_sum(values, n * sizeof(*values), nr_cpus, out, n);
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
		counters_add(values, add, n);
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

/*
 * Interface counters: in the interface's slot of iface_slots when it
 * holds it, else in iface_spill (struct xdpb_iface_slot in
 * xdpblock_abi.h). Every CPU's copy of a slot carries the same owner.
 */
enum iface_home { IFACE_NONE, IFACE_SLOT, IFACE_SPILL };

/* @values: one struct xdpb_iface_slot per CPU. */
static int iface_slot_read(struct loader *ld, uint32_t slot,
			   struct xdpb_iface_slot *values)
{
	if (bpf_map_lookup_elem(bpf_map__fd(ld->skel->maps.iface_slots), &slot,
				values))
		return -errno;
	return 0;
}

/* Where @ifindex's counters are; @values holds its slot's on return. */
static int iface_home(struct loader *ld, uint32_t ifindex,
		      struct xdpb_iface_slot *values, enum iface_home *home)
{
	struct xdpb_iface_stats *spill =
		calloc(ld->nr_cpus, sizeof(struct xdpb_iface_stats));
	int err = iface_slot_read(ld, ifindex % XDPB_IFACE_SLOTS, values);

	if (!spill)
		return -ENOMEM;
	if (!err) {
		if (values[0].ifindex == ifindex)
			*home = IFACE_SLOT;
		else if (!bpf_map_lookup_elem(
				 bpf_map__fd(ld->skel->maps.iface_spill),
				 &ifindex, spill))
			*home = IFACE_SPILL;
		else
			*home = IFACE_NONE;
	}
	free(spill);
	return err;
}

int loader_iface_register(struct loader *ld, int ifindex)
{
	uint32_t key = ifindex, slot = key % XDPB_IFACE_SLOTS;
	struct xdpb_iface_slot *values;
	enum iface_home home;
	int err;

	if (ifindex <= 0)
		return -EINVAL;
	values = calloc(ld->nr_cpus, sizeof(*values));
	if (!values)
		return -ENOMEM;
	err = iface_home(ld, key, values, &home);
	if (!err && home == IFACE_NONE && values[0].ifindex == 0) {
		/* a free slot: this interface's, from zero on every CPU */
		memset(values, 0, ld->nr_cpus * sizeof(*values));
		for (int c = 0; c < ld->nr_cpus; c++)
			values[c].ifindex = key;
		if (bpf_map_update_elem(bpf_map__fd(ld->skel->maps.iface_slots),
					&slot, values, BPF_ANY))
			err = -errno;
	} else if (!err && home == IFACE_NONE) {
		/* the slot is another interface's: this one spills */
		struct xdpb_iface_stats *zeros =
			calloc(ld->nr_cpus, sizeof(*zeros));

		if (!zeros)
			err = -ENOMEM;
		else if (bpf_map_update_elem(
				 bpf_map__fd(ld->skel->maps.iface_spill), &key,
				 zeros, BPF_NOEXIST) &&
			 errno != EEXIST)
			err = -errno;
		free(zeros);
	}
	free(values);
	return err;
}

int loader_iface_unregister(struct loader *ld, int ifindex)
{
	uint32_t key = ifindex, slot = key % XDPB_IFACE_SLOTS;
	struct xdpb_iface_slot *values = calloc(ld->nr_cpus, sizeof(*values));
	enum iface_home home = IFACE_NONE;
	int err;

	if (!values)
		return -ENOMEM;
	err = iface_home(ld, key, values, &home);
	if (!err && home == IFACE_SLOT) {
		/* free again, its counts gone with it */
		memset(values, 0, ld->nr_cpus * sizeof(*values));
		if (bpf_map_update_elem(bpf_map__fd(ld->skel->maps.iface_slots),
					&slot, values, BPF_ANY))
			err = -errno;
	} else if (!err && home == IFACE_SPILL &&
		   bpf_map_delete_elem(bpf_map__fd(ld->skel->maps.iface_spill),
				       &key) &&
		   errno != ENOENT) {
		err = -errno;
	}
	free(values);
	return err;
}

int loader_read_iface(struct loader *ld, int ifindex,
		      struct xdpb_iface_stats *out)
{
	struct xdpb_iface_slot *values = calloc(ld->nr_cpus, sizeof(*values));
	enum iface_home home = IFACE_NONE;
	int err;

	if (!values)
		return -ENOMEM;
	err = ifindex > 0 ? iface_home(ld, ifindex, values, &home) : -EINVAL;
	if (!err && home == IFACE_SLOT)
		counters_sum(values[0].stats.stat, sizeof(*values), ld->nr_cpus,
			     out->stat, XDPB_STAT_MAX);
	else if (!err && home == IFACE_SPILL)
		err = read_percpu_counters(
			bpf_map__fd(ld->skel->maps.iface_spill), ifindex,
			ld->nr_cpus, out->stat, XDPB_STAT_MAX);
	else if (!err)
		err = -ENOENT;
	free(values);
	return err;
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
	struct xdpb_iface_slot *values = calloc(ld->nr_cpus, sizeof(*values));
	uint32_t slot = (uint32_t)ifindex % XDPB_IFACE_SLOTS;
	enum iface_home home = IFACE_NONE;
	int err;

	if (!values)
		return -ENOMEM;
	err = ifindex > 0 ? iface_home(ld, ifindex, values, &home) : -EINVAL;
	if (!err && home == IFACE_SLOT) {
		counters_add(values[0].stats.stat, add->stat, XDPB_STAT_MAX);
		if (bpf_map_update_elem(bpf_map__fd(ld->skel->maps.iface_slots),
					&slot, values, BPF_EXIST))
			err = -errno;
	} else if (!err && home == IFACE_SPILL) {
		err = add_percpu_counters(
			bpf_map__fd(ld->skel->maps.iface_spill), ifindex,
			ld->nr_cpus, add->stat, XDPB_STAT_MAX);
	} else if (!err) {
		err = -ENOENT;
	}
	free(values);
	return err;
}
