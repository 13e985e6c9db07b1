/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The daemon's INI configuration (man/xdpblock.conf.5), read with libinih. */
#ifndef XDPBLOCK_CONFIG_H
#define XDPBLOCK_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "../../maps/xdpblock_maps.h"
#include "common/log.h"
#include "formats/listfile.h"
#include "formats/minisign.h"

#define CONFIG_MAX_IFACES 64
#define CONFIG_MAX_PROTECT 256 /* protect = prefixes */
#define LIST_NAME_MAX XDPB_LIST_NAME_MAX
#define DEFAULT_CONTROL_SOCKET "/run/xdpblock/control.sock"
#define DEFAULT_CONFIG_PATH "/etc/xdpblock/xdpblock.conf"
#define DEFAULT_PIN_PATH "/sys/fs/bpf/xdpblock"
#define DEFAULT_WATCH_DELAY_MS 1000
#define DEFAULT_REFRESH_S 3600
#define DEFAULT_FETCH_TIMEOUT_S 30
#define DEFAULT_METRICS_LISTEN "127.0.0.1:9469"
/* "[" IPv6 "]:" port, with its NUL */
#define LISTEN_ADDR_STRLEN (46 + 8)
#define DEFAULT_STATE_DIR "/var/lib/xdpblock"
/* Cap on a list file, as stored and once inflated (max_list_bytes). */
#define DEFAULT_MAX_LIST_BYTES (512ull << 20)
#define MIN_MAX_LIST_BYTES 4096ull
#define MAX_MAX_LIST_BYTES (64ull << 30)
/* Public keys one list may name (public_key, public_key_file). */
#define LIST_MAX_KEYS 8

enum xdp_mode {
	XDP_MODE_AUTO, /* native, falling back to generic */
	XDP_MODE_NATIVE,
	XDP_MODE_GENERIC,
};

enum list_signature {
	LIST_SIGNATURE_MINISIGN, /* the default: unsigned lists are refused */
	LIST_SIGNATURE_NONE,
};

struct list_config {
	char name[LIST_NAME_MAX];
	char path[PATH_MAX];
	uint8_t action; /* enum xdpb_action */
	uint8_t match; /* enum xdpb_match_dirs */
	int action_set; /* action = was written (format = rpz refuses it) */
	enum list_on_error on_error;
	char url[2048]; /* "" = a local file; else path is its cached copy */
	char ca_file[PATH_MAX]; /* for an https url: "" = the system's CAs */
	uint32_t refresh_s; /* between checks of the url */
	uint32_t fetch_timeout_s; /* per download */
	enum list_type type; /* as configured: auto, ip or domain */
	uint32_t max_bad_lines; /* with skip-line: more rejects the list */
	enum list_format format;
	/* format = rpz: the zone's name; "" = $ORIGIN or the SOA's owner */
	char origin[XDPB_NAME_TEXT_MAX + 1];
	enum list_signature signature;
	/* the keys a signature may be made with, from public_key(_file) */
	struct minisign_key keys[LIST_MAX_KEYS];
	int nr_keys;
	char signature_file[PATH_MAX]; /* "" means path + ".minisig" */
	int require_timestamp; /* refuse a signature without timestamp: */
	/*
	 * signature_file_check = no: accept a signature whose trusted
	 * comment's file: names another file (0, the default, refuses it)
	 */
	int ignore_signed_file;
	/* sinkhole_ipv4, sinkhole_ipv6: the answers of action = sinkhole */
	struct xdpb_sinkhole sinkhole;
	/*
	 * protocols: the views a domain list's names are matched in (enum
	 * xdpb_name_views); dns_action: what a reset list answers a DNS
	 * query with (XDPB_ACT_NONE: nxdomain). Each flag: the key was
	 * written (an IP list refuses them).
	 */
	uint8_t protocols;
	uint8_t dns_action;
	int protocols_set, dns_action_set;
	/* allow_special = yes: no warning for special-purpose ranges */
	int allow_special;
	unsigned int line; /* of the [list:NAME] header, for messages */
};

struct daemon_config {
	char ifaces[CONFIG_MAX_IFACES][IF_NAMESIZE];
	int nr_ifaces;
	enum xdp_mode xdp_mode;
	char control_socket[108]; /* sizeof(sun_path) */
	char pin_path[PATH_MAX]; /* "" = pin nothing (pin_path = none) */
	int watch_lists; /* reload a list when its file changes */
	/*
	 * strict_start = yes: a list that cannot be loaded at start-up stops
	 * the start (the default starts without it, or with its last good
	 * copy, and reports it degraded)
	 */
	int strict_start;
	uint32_t watch_delay_ms; /* quiet time after a change before that */
	/*
	 * control_group: the socket's group, so that its members may use
	 * xdpblockctl without root; (gid_t)-1 when unset (the daemon's group).
	 */
	char control_group[64];
	gid_t control_gid;
	/*
	 * admin_group: members may also use the commands that change state
	 * (reload, stop); (gid_t)-1 when unset or none (root only).
	 */
	char admin_group[64];
	gid_t admin_gid;
	uint32_t max_rules_v4;
	uint32_t max_rules_v6;
	uint32_t max_rules_domain;
	uint32_t flow_cache_entries; /* blocked TCP flows remembered */
	enum log_level log_level;
	/* http_ports, tls_ports: TCP server ports whose requests are parsed */
	uint16_t http_ports[XDPB_MAX_WEB_PORTS];
	int nr_http_ports;
	uint16_t tls_ports[XDPB_MAX_WEB_PORTS];
	int nr_tls_ports;
	/* metrics_listen: the HTTP metrics endpoint; AF_UNSPEC when off */
	struct sockaddr_storage metrics_addr;
	int metrics_top; /* metrics_top: serve /top (off by default) */
	char state_dir[PATH_MAX]; /* anti-rollback versions (liststate.h) */
	uint64_t max_list_bytes;
	/* protect: prefixes no address rule may block (rules/protect.h) */
	struct prefix protect[CONFIG_MAX_PROTECT];
	int nr_protect;
	struct list_config lists[XDPB_MAX_LISTS - 1];
	int nr_lists;
};

/*
 * Read @path into @cfg. Returns 0, or a negative errno with @err holding
 * "path:line: what is wrong and what to write instead".
 */
int config_load(const char *path, struct daemon_config *cfg, char *err,
		size_t errlen);

/* The sections of the file, for config_key_doc(). */
enum config_section {
	CONFIG_SECTION_DAEMON, /* [daemon] */
	CONFIG_SECTION_LIST, /* [list:NAME] */
	CONFIG_SECTION_MAX,
};
/*
 * The @i-th key of @section, NULL past the last, with in @help its value
 * as xdpblock.conf(5) shows it after "key = " (tests/unit/doc_tests.c
 * holds the man page to the parser's tables with it).
 */
const char *config_key_doc(enum config_section section, size_t i, char *help,
			   size_t helplen);

/*
 * A listen address as metrics_listen takes it: "IPV4:PORT", "[IPV6]:PORT",
 * or "off" / "" (then @addr's family is AF_UNSPEC). Returns 0 or -EINVAL.
 */
int listen_addr_parse(const char *text, struct sockaddr_storage *addr);
/* @addr as listen_addr_parse() reads it back; "off" for AF_UNSPEC. */
void listen_addr_format(const struct sockaddr_storage *addr, char *buf,
			size_t len);

/* An action as the configuration and the output spell it. */
struct action_def {
	const char *name;
	uint8_t action; /* enum xdpb_action */
	uint8_t domain_only; /* a reply to a name: domain lists only */
};
/* The action called @name, or NULL. */
const struct action_def *action_lookup(const char *name);
/* The name of @action; "none" for XDPB_ACT_NONE. */
const char *action_name(uint8_t action);
const char *match_name(uint8_t match);
const char *list_type_name(enum list_type type);
/* A list's protocols key as written: "dns", "web" or "dns, web". */
const char *protocols_name(uint8_t views);
/*
 * What a rule of @action in domain list @lc does in view @web (0 DNS,
 * 1 TLS SNI / HTTP Host): xdpb_view_action() with the list's protocols
 * and dns_action; XDPB_ACT_NONE where the list takes no part.
 */
uint8_t list_view_action(const struct list_config *lc, uint8_t action, int web);
/* Is @action one only domain lists take (the replies)? */
int action_is_domain_only(uint8_t action);
const char *xdp_mode_name(enum xdp_mode mode);
const char *signature_name(enum list_signature signature);
/* The signature file of @lc: signature_file, or path + ".minisig". */
void list_signature_path(const struct list_config *lc, char *buf, size_t len);
/* Name of an enum xdpb_stat slot, as in `xdpblockctl stats --json`. */
const char *stat_name(unsigned int stat);

#endif
