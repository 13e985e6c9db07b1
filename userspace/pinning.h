/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The pinned state under pin_path (bpffs): what keeps filtering running
 * when xdpblockd stops with --keep-attached or dies, and what the next
 * daemon adopts. Layouts are in maps/xdpblock_maps.h.
 *
 *   <pin_path>/<map>          the maps the XDP program uses (libbpf pins)
 *   <pin_path>/meta           struct xdpb_pin_meta
 *   <pin_path>/gen<N>_state   struct xdpb_pinned_gen of generation slot N
 *   <pin_path>/gen<N>_rules4  struct xdpb_pinned_rule4[], sorted
 *   <pin_path>/gen<N>_rules6  struct xdpb_pinned_rule6[], sorted
 *   <pin_path>/gen<N>_names   struct xdpb_pinned_name[], sorted
 *   <pin_path>/gen<N>_nametext the names' text, 64-byte chunks
 *   <pin_path>/daemon_counters struct xdpb_daemon_counters
 *   <pin_path>/link_<ifname>  the XDP link of one interface
 */
#ifndef XDPBLOCK_PINNING_H
#define XDPBLOCK_PINNING_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "../maps/xdpblock_maps.h"
#include "ruleset.h"

#define PIN_LINK_PREFIX "link_"

/* "<dir>/<name>" into @buf; -ENAMETOOLONG if it does not fit. */
int pin_path_join(char *buf, size_t len, const char *dir, const char *name);

/*
 * Make @dir usable: bpffs mounted at /sys/fs/bpf when @dir is below it and
 * nothing is mounted there (fresh machines, containers), the directory
 * created 0700. Fills @err with what to do on failure.
 */
int pin_dir_prepare(const char *dir, char *err, size_t errlen);

/* Does @dir hold any pin? */
int pin_dir_has_pins(const char *dir);

/* -ENOENT when nothing is pinned (no meta). */
int pin_meta_read(const char *dir, struct xdpb_pin_meta *meta);
int pin_meta_write(const char *dir, const struct xdpb_pin_meta *meta);

/*
 * Pin @hdr and the rules of @rs (ids assigned) as the state of slot @slot,
 * replacing what was there.
 */
int pin_gen_write(const char *dir, uint32_t slot,
		  const struct xdpb_pinned_gen *hdr, const struct ruleset *rs);
/* Read slot @slot back: @rs gets every rule with its id, sorted. */
int pin_gen_read(const char *dir, uint32_t slot, struct xdpb_pinned_gen *hdr,
		 struct ruleset *rs);
/* Drop slot @slot's state (it no longer describes a running generation). */
void pin_gen_remove(const char *dir, uint32_t slot);

/* The daemon_counters map, created and pinned when absent: an fd. */
int pin_counters_open(const char *dir);

int pin_link(const char *dir, const char *ifname, int link_fd);
/* The pinned link of @ifname as an fd, or -ENOENT. */
int pin_link_open(const char *dir, const char *ifname);
void pin_link_remove(const char *dir, const char *ifname);
/*
 * Call @fn with the interface name of every pinned link. Stops at and
 * returns the first non-zero @fn result.
 */
int pin_for_each_link(const char *dir, int (*fn)(const char *ifname, void *arg),
		      void *arg);

/*
 * Remove every pin in @dir except links: what a fresh start does with
 * state it cannot adopt (links keep the old program, and so the old maps,
 * running until they are moved to the new program).
 */
void pin_remove_maps(const char *dir);
/*
 * Remove everything: links first (each detaches as its last reference
 * goes), then maps, then the directory. Returns how many pins it removed,
 * or a negative errno.
 */
int pin_remove_all(const char *dir);

#endif
