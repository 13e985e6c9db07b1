// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Kernel feature probes. Each reads the kernel's BTF rather than loading
 * a test program: no verifier run, no CAP_BPF needed, and the answer
 * comes from the same type information the BPF program is built against.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/btf.h>

#include "../../maps/xdpblock_maps.h"
#include "common/log.h"
#include "datapath/kernel_features.h"

/*
 * What the timer_cpu_pin warning says: without the pin a timer may fire
 * on another CPU, which must leave the log alone (bpf/counters.bpf.h), so
 * a log is folded when full instead of XDPB_HIT_LOG_FLUSH_NS after a hit.
 */
_Static_assert(XDPB_HIT_LOG_LEN == 64, "the warning says 64 hits");
_Static_assert(XDPB_HIT_LOG_FLUSH_NS == 100000000ULL,
	       "the warning says 100 ms");

/* Whether some enum of @btf has a value named @name. */
static int btf_has_enum_value(const struct btf *btf, const char *name)
{
	uint32_t nr_types = btf__type_cnt(btf);

	for (uint32_t id = 1; id < nr_types; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		uint16_t nr_values;

		if (!t || !btf_is_any_enum(t))
			continue;
		nr_values = btf_vlen(t);
		for (uint16_t i = 0; i < nr_values; i++) {
			uint32_t name_off = btf_is_enum(t)
						    ? btf_enum(t)[i].name_off
						    : btf_enum64(t)[i].name_off;
			const char *value = btf__name_by_offset(btf, name_off);

			if (value && !strcmp(value, name))
				return 1;
		}
	}
	return 0;
}

/*
 * The flag is a value of an anonymous enum in the UAPI header: there is
 * no type to look up by name, so every enum is searched (reading and
 * searching the BTF took 25 ms on 6.18, once at start-up).
 */
static int probe_timer_cpu_pin(const struct btf *vmlinux)
{
	return btf_has_enum_value(vmlinux, "BPF_F_TIMER_CPU_PIN");
}

/* One row per enum kernel_feature, in its order; a feature is a row. */
static const struct feature_probe {
	const char *name; /* the label in status and metrics */
	const char *lacks; /* what the kernel lacks, as its headers name it */
	const char *since; /* the first Linux release that has it */
	const char *lost; /* what the datapath does without it */
	int (*probe)(const struct btf *vmlinux); /* 1 there, 0 not */
} probes[] = {
	{
		.name = "timer_cpu_pin",
		.lacks = "BPF_F_TIMER_CPU_PIN",
		.since = "6.7",
		.lost = "rule counters of a lightly used CPU are folded every 64 hits instead of within 100 ms; counts stay exact",
		.probe = probe_timer_cpu_pin,
	},
};
_Static_assert(sizeof(probes) / sizeof(probes[0]) == KERNEL_FEATURE_MAX,
	       "one probe per enum kernel_feature");

const char *kernel_feature_name(enum kernel_feature feature)
{
	return feature < KERNEL_FEATURE_MAX ? probes[feature].name : "?";
}

void features_probe_btf(struct kernel_features *kf, const struct btf *vmlinux)
{
	for (int f = 0; f < KERNEL_FEATURE_MAX; f++)
		kf->state[f] = probes[f].probe(vmlinux) > 0 ? FEATURE_PRESENT
							    : FEATURE_ABSENT;
	kf->error[0] = '\0';
}

int features_probe(struct kernel_features *kf)
{
	struct btf *vmlinux;
	struct utsname uts;
	int err;

	memset(kf, 0, sizeof(*kf));
	snprintf(kf->release, sizeof(kf->release), "%s",
		 uname(&uts) == 0 ? uts.release : "unknown");
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		err = errno ? -errno : -ENOENT;
		snprintf(
			kf->error, sizeof(kf->error),
			"cannot read the kernel's BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF): %s",
			strerror(-err));
		return err;
	}
	features_probe_btf(kf, vmlinux);
	btf__free(vmlinux);
	return 0;
}

int features_warning(const struct kernel_features *kf,
		     enum kernel_feature feature, char *buf, size_t len)
{
	const struct feature_probe *p;

	if (len)
		buf[0] = '\0';
	if (feature >= KERNEL_FEATURE_MAX ||
	    kf->state[feature] != FEATURE_ABSENT)
		return 0;
	p = &probes[feature];
	snprintf(buf, len, "kernel %s lacks %s (Linux %s): %s", kf->release,
		 p->lacks, p->since, p->lost);
	return 1;
}

void features_log_missing(const struct kernel_features *kf)
{
	char msg[400];

	if (kf->error[0]) {
		log_warn(
			"kernel %s: %s; its optional features show as unknown in status and metrics",
			kf->release, kf->error);
		return;
	}
	for (int f = 0; f < KERNEL_FEATURE_MAX; f++)
		if (features_warning(kf, f, msg, sizeof(msg)))
			log_warn("%s", msg);
}
