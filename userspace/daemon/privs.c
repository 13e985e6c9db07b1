// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "daemon/privs.h"

/* linux/capability.h of older distributions lacks the 5.8 ones */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define CAP_BIT(cap) (1ull << (cap))
#define KEPT_CAPS \
	(CAP_BIT(CAP_BPF) | CAP_BIT(CAP_PERFMON) | CAP_BIT(CAP_NET_ADMIN))

/* The highest capability this kernel knows; -1 when it cannot be read. */
static int cap_last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = -1;

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = -1;
		fclose(f);
	}
	return last;
}

static uint64_t caps64(const struct __user_cap_data_struct *d, int set)
{
	const __u32 *lo = set == 0   ? &d[0].effective
			  : set == 1 ? &d[0].permitted
				     : &d[0].inheritable;
	const __u32 *hi = set == 0   ? &d[1].effective
			  : set == 1 ? &d[1].permitted
				     : &d[1].inheritable;

	return (uint64_t)*hi << 32 | *lo;
}

int privs_drop_after_startup(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	uint64_t eff, prm;
	int last = cap_last_cap(), ret;

	if (last < CAP_BPF) {
		snprintf(
			err, errlen,
			"this kernel has no CAP_BPF (Linux 5.8+): capabilities are kept");
		return -EOPNOTSUPP;
	}
	if (syscall(SYS_capget, &hdr, data) < 0)
		goto fail_errno;
	eff = caps64(data, 0);
	prm = caps64(data, 1);
	/*
	 * The bounding set first, while CAP_SETPCAP is held: it bounds what
	 * an execve could ever give back. Under the systemd unit it is the
	 * unit's set already and CAP_SETPCAP is not in it; no_new_privs and
	 * empty permitted sets then keep a dropped capability out of reach.
	 */
	if (eff & CAP_BIT(CAP_SETPCAP)) {
		for (int cap = 0; cap <= last && cap < 64; cap++) {
			if (KEPT_CAPS & CAP_BIT(cap))
				continue;
			if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 &&
			    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
				goto fail_errno;
		}
	}
	/* EINVAL: a kernel without ambient capabilities (before 4.3) */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		goto fail_errno;
	eff &= KEPT_CAPS;
	prm &= KEPT_CAPS;
	data[0].effective = (__u32)eff;
	data[1].effective = (__u32)(eff >> 32);
	data[0].permitted = (__u32)prm;
	data[1].permitted = (__u32)(prm >> 32);
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data) < 0)
		goto fail_errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		goto fail_errno;
	return 0;
fail_errno:
	ret = -errno;
	snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
	return ret;
}
