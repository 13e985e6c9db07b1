/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Capabilities after start-up. xdpblockd starts as root (or with the
 * unit's CapabilityBoundingSet=); once its control socket, metrics port,
 * bpffs and first generation are set up it keeps only what a running
 * daemon uses:
 *
 *   CAP_BPF        create the maps of every new generation (reloads)
 *   CAP_PERFMON    load a datapath stage a new generation needs (the DNS
 *                  and web stages load with the first domain list), which
 *                  the verifier accepts only with it
 *   CAP_NET_ADMIN  attach to an interface that appears (hot-plug), detach
 *                  at exit
 *
 * Everything else goes from the effective, permitted and inheritable
 * sets, the ambient set, and (when CAP_SETPCAP allows it) the bounding
 * set: CAP_CHOWN (the control socket's group, set at start-up),
 * CAP_SYS_ADMIN (a bpffs mount), CAP_NET_BIND_SERVICE, CAP_DAC_OVERRIDE
 * and the rest of a root start. no_new_privs is set too: xdpblockd runs
 * no programs, and nothing it could run may gain them back.
 */
#ifndef XDPBLOCK_PRIVS_H
#define XDPBLOCK_PRIVS_H

#include <stddef.h>

/*
 * Drop every capability but those above. Returns 0, or a negative errno
 * with @err saying what failed (the daemon runs on with what it has).
 * On a kernel without CAP_BPF and CAP_PERFMON (before 5.8) nothing is
 * dropped (-EOPNOTSUPP): CAP_SYS_ADMIN stands for them there.
 */
int privs_drop_after_startup(char *err, size_t errlen);

#endif
