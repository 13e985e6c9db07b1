/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the running kernel offers that the datapath uses when it is there
 * and does without otherwise. Probed once at start-up from the kernel's
 * BTF, without loading a program, so that a missing feature is named in
 * the log, in `xdpblockctl status` and in the metrics instead of showing
 * only as a behaviour.
 *
 * (Not "features.h": tests build with -Iuserspace, and glibc includes its
 * own <features.h> everywhere.)
 */
#ifndef XDPBLOCK_KERNEL_FEATURES_H
#define XDPBLOCK_KERNEL_FEATURES_H

#include <stddef.h>
#include <stdint.h>

struct btf;

enum kernel_feature {
	/* BPF_F_TIMER_CPU_PIN: the hit-log flush timer runs on its own CPU */
	KERNEL_FEATURE_TIMER_CPU_PIN,
	KERNEL_FEATURE_MAX,
};

/* Zero (unknown) until probed. */
enum feature_state {
	FEATURE_UNKNOWN, /* the kernel's BTF could not be read */
	FEATURE_ABSENT,
	FEATURE_PRESENT,
};

#define KERNEL_RELEASE_MAX 65 /* struct utsname's release */

struct kernel_features {
	char release[KERNEL_RELEASE_MAX]; /* uname -r */
	uint8_t state[KERNEL_FEATURE_MAX]; /* enum feature_state */
	char error[200]; /* why the features are unknown, or "" */
};

/* The feature's label in status and metrics ("timer_cpu_pin"). */
const char *kernel_feature_name(enum kernel_feature feature);

/*
 * The running kernel's release and, from its BTF
 * (/sys/kernel/btf/vmlinux), each feature. Returns 0, or a negative errno
 * when the BTF cannot be read: every feature is then FEATURE_UNKNOWN and
 * @kf->error says why.
 */
int features_probe(struct kernel_features *kf);
/* The features as @vmlinux describes them; the release is left alone. */
void features_probe_btf(struct kernel_features *kf, const struct btf *vmlinux);

/*
 * The warning for @feature: what xdpblock does without it and which Linux
 * brings it. Returns 1 with the text in @buf when @feature is missing, 0
 * with @buf empty when it is there or unknown.
 */
int features_warning(const struct kernel_features *kf,
		     enum kernel_feature feature, char *buf, size_t len);
/* Log one warning per missing feature, or one that they are unknown. */
void features_log_missing(const struct kernel_features *kf);

#endif
