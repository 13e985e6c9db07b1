// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Kernel feature probes on made-up BTF and on the running kernel's, and
 * the warning a missing feature gives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/btf.h>

#include "common/log.h"
#include "datapath/kernel_features.h"
#include "testlib.h"
#include "common.h"
#include "suites.h"

/* A made-up kernel BTF: the probe reads types, not a running kernel. */
struct fake_enum {
	const char *type_name; /* NULL: anonymous, as in the UAPI header */
	int is_enum64;
	const char *values[3]; /* NULL ends */
};

static enum feature_state probe_fake(const struct fake_enum *enums, size_t nr)
{
	struct kernel_features kf = {0};
	struct btf *btf = btf__new_empty();
	int int_id;

	CHECK(btf, "btf__new_empty failed");
	if (!btf)
		return FEATURE_UNKNOWN;
	/* types around the enums, one named like the flag but not an enum */
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	CHECK(int_id > 0, "btf__add_int: %d", int_id);
	CHECK(btf__add_struct(btf, "bpf_timer_like", 4) > 0, "add_struct");
	CHECK(btf__add_field(btf, "BPF_F_TIMER_CPU_PIN", int_id, 0, 0) == 0,
	      "add_field");
	for (size_t i = 0; i < nr; i++) {
		int id = enums[i].is_enum64
				 ? btf__add_enum64(btf, enums[i].type_name, 8,
						   false)
				 : btf__add_enum(btf, enums[i].type_name, 4);

		CHECK(id > 0, "adding enum %zu: %d", i, id);
		for (int v = 0; v < 3 && enums[i].values[v]; v++)
			CHECK((enums[i].is_enum64
				       ? btf__add_enum64_value(
						 btf, enums[i].values[v],
						 1u << v)
				       : btf__add_enum_value(btf,
							     enums[i].values[v],
							     1 << v)) == 0,
			      "adding %s", enums[i].values[v]);
	}
	features_probe_btf(&kf, btf);
	btf__free(btf);
	return kf.state[KERNEL_FEATURE_TIMER_CPU_PIN];
}

static void features_btf_timer_cpu_pin(void)
{
	/* Linux 6.7 and later: the anonymous enum of bpf_timer_start() flags */
	static const struct fake_enum v6_7[] = {
		{"bpf_stats_type", 0, {"BPF_STATS_RUN_TIME"}},
		{NULL, 0, {"BPF_F_TIMER_ABS", "BPF_F_TIMER_CPU_PIN"}},
	};
	/* a compiler may give 64-bit values (1ULL << 1) an ENUM64 */
	static const struct fake_enum v6_7_enum64[] = {
		{NULL, 1, {"BPF_F_TIMER_ABS", "BPF_F_TIMER_CPU_PIN"}},
	};
	/* Linux 6.4 to 6.6: BPF_F_TIMER_ABS alone */
	static const struct fake_enum v6_4[] = {
		{"bpf_stats_type", 0, {"BPF_STATS_RUN_TIME"}},
		{NULL, 0, {"BPF_F_TIMER_ABS"}},
	};
	/* the name as a prefix of another value does not count */
	static const struct fake_enum longer[] = {
		{NULL, 0, {"BPF_F_TIMER_CPU_PINNED"}},
	};

	CHECK(probe_fake(v6_7, ARRAY_SIZE(v6_7)) == FEATURE_PRESENT,
	      "6.7 enum: not found");
	CHECK(probe_fake(v6_7_enum64, ARRAY_SIZE(v6_7_enum64)) ==
		      FEATURE_PRESENT,
	      "6.7 enum64: not found");
	CHECK(probe_fake(v6_4, ARRAY_SIZE(v6_4)) == FEATURE_ABSENT,
	      "6.4: found");
	CHECK(probe_fake(longer, ARRAY_SIZE(longer)) == FEATURE_ABSENT,
	      "a longer name: found");
	CHECK(probe_fake(NULL, 0) == FEATURE_ABSENT,
	      "no enums (a struct member of the name): found");
}

static void features_warning_text(void)
{
	struct kernel_features kf = {.release = "6.1.0-28-amd64"};
	char buf[400];

	kf.state[KERNEL_FEATURE_TIMER_CPU_PIN] = FEATURE_ABSENT;
	CHECK(features_warning(&kf, KERNEL_FEATURE_TIMER_CPU_PIN, buf,
			       sizeof(buf)) == 1,
	      "absent: no warning");
	CHECK(!strcmp(buf,
		      "kernel 6.1.0-28-amd64 lacks BPF_F_TIMER_CPU_PIN (Linux 6.7): rule counters of a lightly used CPU are folded every 64 hits instead of within 100 ms; counts stay exact"),
	      "got '%s'", buf);
	for (int state = FEATURE_UNKNOWN; state <= FEATURE_PRESENT; state++) {
		if (state == FEATURE_ABSENT)
			continue;
		kf.state[KERNEL_FEATURE_TIMER_CPU_PIN] = state;
		strcpy(buf, "stale");
		CHECK(features_warning(&kf, KERNEL_FEATURE_TIMER_CPU_PIN, buf,
				       sizeof(buf)) == 0 &&
			      !buf[0],
		      "state %d: warned '%s'", state, buf);
	}
	CHECK(!strcmp(kernel_feature_name(KERNEL_FEATURE_TIMER_CPU_PIN),
		      "timer_cpu_pin"),
	      "name '%s'", kernel_feature_name(KERNEL_FEATURE_TIMER_CPU_PIN));
}

/*
 * The running kernel, against a plain search of its BTF's string section
 * for the name (a NUL-terminated string), which needs no BTF parsing.
 */
static void features_running_kernel(void)
{
	static const char name[] = "\0BPF_F_TIMER_CPU_PIN";
	struct kernel_features kf;
	struct utsname uts;
	size_t len = 0, cap = 1 << 20, n;
	FILE *f = fopen("/sys/kernel/btf/vmlinux", "rb");
	char *raw = malloc(cap);
	int rc = features_probe(&kf), expected = 0;

	CHECK(uname(&uts) == 0 && !strcmp(kf.release, uts.release),
	      "release '%s'", kf.release);
	if (!f || !raw) {
		/* a kernel without BTF: the probe says unknown, and why */
		CHECK(rc < 0 && kf.error[0] &&
			      kf.state[KERNEL_FEATURE_TIMER_CPU_PIN] ==
				      FEATURE_UNKNOWN,
		      "no BTF, yet rc %d", rc);
		goto out;
	}
	while ((n = fread(raw + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			char *more = realloc(raw, cap *= 2);

			CHECK(more, "out of memory");
			if (!more)
				goto out;
			raw = more;
		}
	}
	expected = memmem(raw, len, name, sizeof(name)) != NULL;
	CHECK(rc == 0 && !kf.error[0], "rc %d: %s", rc, kf.error);
	CHECK(kf.state[KERNEL_FEATURE_TIMER_CPU_PIN] ==
		      (expected ? FEATURE_PRESENT : FEATURE_ABSENT),
	      "kernel %s: the probe says state %d, the BTF strings say %s",
	      kf.release, kf.state[KERNEL_FEATURE_TIMER_CPU_PIN],
	      expected ? "present" : "absent");
out:
	if (f)
		fclose(f);
	free(raw);
}

void suite_features(void)
{
	RUN_TEST("features", features_btf_timer_cpu_pin);
	RUN_TEST("features", features_warning_text);
	RUN_TEST("features", features_running_kernel);
}
