/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The daemon's INI configuration (man/xdpblock.conf.5), read with libinih. */
#ifndef XDPBLOCK_CONFIG_H
#define XDPBLOCK_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdint.h>

#include "../maps/xdpblock_maps.h"
#include "listfile.h"
#include "log.h"

#define CONFIG_MAX_IFACES 64
#define LIST_NAME_MAX XDPB_LIST_NAME_MAX
#define DEFAULT_CONTROL_SOCKET "/run/xdpblock/control.sock"
#define DEFAULT_CONFIG_PATH "/etc/xdpblock/xdpblock.conf"
#define DEFAULT_PIN_PATH "/sys/fs/bpf/xdpblock"

enum xdp_mode {
	XDP_MODE_AUTO, /* native, falling back to generic */
	XDP_MODE_NATIVE,
	XDP_MODE_GENERIC,
};

struct list_config {
	char name[LIST_NAME_MAX];
	char path[PATH_MAX];
	uint8_t action; /* enum xdpb_action */
	uint8_t match; /* enum xdpb_match_dirs */
	enum list_on_error on_error;
	enum list_type type; /* as configured: auto, ip or domain */
	unsigned int line; /* of the [list:NAME] header, for messages */
};

struct daemon_config {
	char ifaces[CONFIG_MAX_IFACES][IF_NAMESIZE];
	int nr_ifaces;
	enum xdp_mode xdp_mode;
	char control_socket[108]; /* sizeof(sun_path) */
	char pin_path[PATH_MAX]; /* "" = pin nothing (pin_path = none) */
	uint32_t max_rules_v4;
	uint32_t max_rules_v6;
	uint32_t max_rules_domain;
	enum log_level log_level;
	struct list_config lists[XDPB_MAX_LISTS - 1];
	int nr_lists;
};

/*
 * Read @path into @cfg. Returns 0, or a negative errno with @err holding
 * "path:line: what is wrong and what to write instead".
 */
int config_load(const char *path, struct daemon_config *cfg, char *err,
		size_t errlen);

const char *action_name(uint8_t action);
const char *match_name(uint8_t match);
const char *list_type_name(enum list_type type);
/* Is @action one only domain lists take (the DNS replies)? */
int action_is_dns_only(uint8_t action);
const char *xdp_mode_name(enum xdp_mode mode);
/* Name of an enum xdpb_stat slot, as in `xdpblockctl stats --json`. */
const char *stat_name(unsigned int stat);

#endif
