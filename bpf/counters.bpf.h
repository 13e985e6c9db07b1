/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-CPU counters: plain adds, no atomics needed. */
#ifndef XDPBLOCK_COUNTERS_BPF_H
#define XDPBLOCK_COUNTERS_BPF_H

#include <linux/errno.h>

#include "maps.bpf.h"

#define CLOCK_MONOTONIC 1
/* BPF_F_TIMER_CPU_PIN (Linux 6.7); older kernels refuse it, see below */
#define TIMER_CPU_PIN 2
#define HIT_LOG_RETRY_NS 1000000 /* 1 ms */

/* Keeps the compiler from moving memory accesses across it. */
#define compiler_barrier() asm volatile("" ::: "memory")

static __always_inline void counter_add(struct xdpb_counter *c, __u64 bytes)
{
	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/*
 * The counters of interface @ifindex: its slot's if it holds it, else its
 * entry in the spill hash; NULL for an interface the daemon did not
 * register (tests), which is not counted.
 */
static __always_inline struct xdpb_iface_stats *iface_counters(__u32 ifindex)
{
	__u32 slot = ifindex % XDPB_IFACE_SLOTS;
	struct xdpb_iface_slot *s = bpf_map_lookup_elem(&iface_slots, &slot);

	if (s && s->ifindex == ifindex)
		return &s->stats;
	return bpf_map_lookup_elem(&iface_spill, &ifindex);
}

static __always_inline void count_iface(__u32 ifindex, __u32 stat, __u64 bytes)
{
	struct xdpb_iface_stats *s = iface_counters(ifindex);

	if (s && stat < XDPB_STAT_MAX)
		counter_add(&s->stat[stat], bytes);
}

/*
 * Add a CPU's logged hits to its slice of rule_stats. The counter of a
 * random rule among a million is a cache miss, and adding at every hit
 * made the miss wait for the one before it (the rule id comes out of the
 * lookup's own miss): about 200 ns per matched packet at 1M domain rules
 * on the machine of docs/benchmarks.md. Here the hits' addresses are all
 * known up front, so their misses overlap: about 10 ns per hit.
 *
 * fold_seq is odd while rule_stats changes (readers retry). The stores
 * are plain, which is enough on x86, where other CPUs see them in program
 * order. On weakly ordered CPUs (arm64) they are not: a read racing a fold
 * could count the log's hits twice or not at all, and a counter zeroed
 * for reuse right after a fold could get its last adds back.
 */
struct hit_log_fold_ctx {
	struct xdpb_hit_log *log;
	__u32 base; /* the CPU's slice of rule_stats */
};

/*
 * One logged hit into rule_stats. A bpf_loop() callback, not an
 * open-coded loop: the verifier walked each of the 64 steps, about 20,000
 * instructions in every program that counts.
 */
static long hit_log_fold_step(__u32 i, struct hit_log_fold_ctx *f)
{
	struct xdpb_rule_hit *hit = &f->log->hit[i & (XDPB_HIT_LOG_LEN - 1)];
	__u32 id = hit->rule_id, slot = f->base + id;

	if (id < rule_id_capacity)
		counter_add(bpf_map_lookup_elem(&rule_stats, &slot),
			    hit->bytes);
	return 0;
}

static __noinline int hit_log_fold(struct xdpb_hit_log *log, __u32 cpu)
{
	struct hit_log_fold_ctx f = {.log = log};
	__u32 n;

	if (!log)
		return 0;
	f.base = cpu * rule_id_capacity;
	n = log->count;
	if (n > XDPB_HIT_LOG_LEN)
		n = XDPB_HIT_LOG_LEN;
	log->fold_seq++;
	compiler_barrier();
	bpf_loop(n, hit_log_fold_step, &f, 0);
	log->count = 0;
	compiler_barrier();
	log->fold_seq++;
	return 0;
}

/* Pinned: the callback must run on the CPU whose log it adds. */
static __always_inline long hit_log_timer_start(struct hit_log_timer *t,
						__u64 ns)
{
	if (!bpf_timer_start(&t->timer, ns, TIMER_CPU_PIN))
		return 0;
	return bpf_timer_start(&t->timer, ns, 0); /* before Linux 6.7 */
}

/*
 * Started by a hit that found the timer unarmed; runs in softirq context.
 * Pinned to its CPU, it cannot interrupt that CPU's XDP program (also a
 * softirq); it can interrupt a BPF_PROG_TEST_RUN there, hence `busy`.
 * Before Linux 6.7 the timer cannot be pinned and may fire on another CPU,
 * where it must leave the log alone: that log is then added when a hit
 * finds it full.
 */
static int hit_log_flush(void *map __attribute__((unused)), __u32 *key,
			 struct hit_log_timer *t)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct xdpb_hit_log *log;

	t->armed = 0; /* from here on the next hit arms it again */
	if (*key != cpu)
		return 0;
	log = bpf_map_lookup_elem(&hit_logs, &cpu);
	if (!log)
		return 0;
	if (log->busy) {
		t->armed = !hit_log_timer_start(t, HIT_LOG_RETRY_NS);
		return 0;
	}
	hit_log_fold(log, cpu);
	return 0;
}

static __noinline int hit_log_arm(struct hit_log_timer *t)
{
	long err;

	if (!t)
		return 0;
	if (t->state == HIT_LOG_TIMER_UNSET) {
		err = bpf_timer_init(&t->timer, &hit_log_timers,
				     CLOCK_MONOTONIC);
		if (!err || err == -EBUSY) /* -EBUSY: set up already */
			err = bpf_timer_set_callback(&t->timer, hit_log_flush);
		t->state = err ? HIT_LOG_TIMER_REFUSED : HIT_LOG_TIMER_READY;
	}
	if (t->state == HIT_LOG_TIMER_READY)
		t->armed = !hit_log_timer_start(t, XDPB_HIT_LOG_FLUSH_NS);
	return 0;
}

/*
 * Log a hit; a full log is added to rule_stats first. The timer is armed
 * once per XDPB_HIT_LOG_FLUSH_NS at most, not at every fold: starting a
 * timer costs more than a fold's share of a hit.
 */
static __always_inline void hit_log_add(struct xdpb_hit_log *log, __u32 cpu,
					__u32 rule_id, __u64 bytes)
{
	struct hit_log_timer *t;
	__u32 n;

	log->busy = 1;
	compiler_barrier();
	n = log->count;
	if (n >= XDPB_HIT_LOG_LEN) {
		hit_log_fold(log, cpu);
		n = 0;
	}
	log->hit[n & (XDPB_HIT_LOG_LEN - 1)].rule_id = rule_id;
	log->hit[n & (XDPB_HIT_LOG_LEN - 1)].bytes = bytes;
	compiler_barrier(); /* readers trust hit[] below count */
	log->count = n + 1;
	t = bpf_map_lookup_elem(&hit_log_timers, &cpu);
	if (t && !t->armed && t->state != HIT_LOG_TIMER_REFUSED)
		hit_log_arm(t);
	compiler_barrier();
	log->busy = 0;
}

static __always_inline void count_rule(const struct xdpb_match *m, __u64 bytes)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct xdpb_hit_log *log = bpf_map_lookup_elem(&hit_logs, &cpu);
	__u32 list_id = m->list_id;

	if (log)
		hit_log_add(log, cpu, m->rule_id, bytes);
	counter_add(bpf_map_lookup_elem(&list_stats, &list_id), bytes);
}

#endif /* XDPBLOCK_COUNTERS_BPF_H */
