// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpblockd: loads the lists, keeps the XDP program attached, reloads on
 * SIGHUP or `xdpblockctl reload`, answers the control socket. Runs in the
 * foreground and logs to stderr (systemd style).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <json-c/json.h>
#include <systemd/sd-daemon.h>

#include "common/log.h"
#include "control/control.h"
#include "daemon/carryover.h"
#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "daemon/interfaces.h"
#include "daemon/linkwatch.h"
#include "daemon/metrics.h"
#include "daemon/privs.h"
#include "daemon/protected.h"
#include "daemon/reload.h"
#include "daemon/reloadlists.h"
#include "datapath/kernel_features.h"
#include "datapath/pinning.h"
#include "lists/fetch.h"
#include "lists/listload.h"
#include "lists/liststate.h"
#include "lists/listwatch.h"

/* signals, link events, list watch, reload timer, downloads */
#define FIXED_FDS 5

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xdpblockd [-c FILE] [-v] [--check] [--keep-attached]\n"
		"  -c, --config FILE  configuration (default %s)\n"
		"  -t, --check        read the config and every list, report, exit\n"
		"  -k, --keep-attached  at exit, leave the program filtering with\n"
		"                     the current rules (the next daemon adopts it)\n"
		"  -v, --verbose      debug logging (includes libbpf messages)\n"
		"  -h, --help         this text\n"
		"See xdpblockd(8) and xdpblock.conf(5).\n",
		DEFAULT_CONFIG_PATH);
}

static int check_only(const char *path)
{
	struct daemon_config *cfg = calloc(1, sizeof(*cfg));
	struct list_versions versions = {0};
	char err[700];
	int bad = 0, ret;

	if (!cfg || config_load(path, cfg, err, sizeof(err)) < 0) {
		log_err("%s", cfg ? err : "out of memory");
		free(cfg);
		return 1;
	}
	/* read-only: rollback is checked, nothing is recorded */
	ret = list_versions_load(cfg->state_dir, &versions, err, sizeof(err));
	if (ret == -EACCES) {
		/* e.g. --check as a user on a root-owned state_dir */
		log_warn("%s; lists are checked without rollback protection",
			 err);
	} else if (ret < 0) {
		log_err("%s", err);
		bad = 1;
	}
	for (int i = 0; i < cfg->nr_lists; i++) {
		const struct list_config *lc = &cfg->lists[i];
		struct loaded_list ll;

		if (list_load(lc, cfg->max_list_bytes,
			      list_versions_get(&versions, lc->name),
			      &ll) < 0) {
			log_err("list %s (%s): %s", lc->name,
				reload_reason_name(ll.reason), ll.error);
			bad = 1;
		} else if (daemon_list_fits(lc, &ll, err, sizeof(err)) < 0) {
			log_err("list %s (config): %s", lc->name, err);
			bad = 1;
		} else {
			if (ll.is_domain)
				printf("list %s: %s%s, %zu domain entries, %zu skipped lines, %zu unsupported entries",
				       lc->name,
				       list_format_name(ll.names.format),
				       ll.compressed ? " (gzip)" : "",
				       ll.names.nr, ll.names.nr_skipped,
				       ll.names.nr_unsupported);
			else
				printf("list %s: %s%s, %zu IPv4, %zu IPv6 entries, %zu skipped lines",
				       lc->name,
				       list_format_name(ll.parsed.format),
				       ll.compressed ? " (gzip)" : "",
				       ll.parsed.nr_v4, ll.parsed.nr_v6,
				       ll.parsed.nr_skipped);
			if (ll.verified)
				printf(", signed by key %s, version %llu",
				       ll.key_id,
				       (unsigned long long)ll.version);
			printf("\n");
		}
		loaded_list_free(&ll);
	}
	list_versions_free(&versions);
	free(cfg);
	if (!bad)
		printf("%s: OK\n", path);
	return bad;
}

static int setup_signals(void)
{
	sigset_t mask;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	return signalfd(-1, &mask, SFD_CLOEXEC);
}

/* Watch list files when the config says so (it may change at a reload). */
static void sync_listwatch(const struct daemon *d, struct listwatch **lw)
{
	char err[300];

	if (d->cfg.watch_lists && !*lw) {
		*lw = listwatch_open(err, sizeof(err));
		if (!*lw)
			log_warn("%s", err);
	} else if (!d->cfg.watch_lists && *lw) {
		listwatch_close(*lw);
		*lw = NULL;
	}
	if (*lw)
		listwatch_set(*lw, &d->cfg);
}

/* Reload after @ms of quiet: every new change pushes it back (debounce). */
static void arm_timer(int timer_fd, uint32_t ms)
{
	struct itimerspec its = {
		.it_value = {.tv_sec = ms / 1000,
			     .tv_nsec = (ms % 1000) * 1000000L + 1},
	};

	timerfd_settime(timer_fd, 0, &its, NULL);
}

/* The lists whose files changed, reloaded as one transaction. */
static void reload_changed(struct daemon *d, uint8_t *stale)
{
	char names[512] = "";
	size_t off = 0;

	for (int i = 0; i < d->cfg.nr_lists && off < sizeof(names); i++)
		if (stale[i])
			off += snprintf(names + off, sizeof(names) - off,
					"%s%s", off ? ", " : "",
					d->cfg.lists[i].name);
	log_info("list file(s) changed: reloading %s", names);
	daemon_reload_and_sync(d, stale);
	memset(stale, 0, XDPB_MAX_LISTS);
}

/* The url lists of @cfg as download sources; returns how many. */
static int build_sources(const struct daemon_config *cfg,
			 struct fetch_source *src)
{
	int n = 0;

	for (int i = 0; i < cfg->nr_lists; i++) {
		const struct list_config *lc = &cfg->lists[i];
		struct fetch_source *s = &src[n];

		if (!lc->url[0])
			continue;
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", lc->name);
		snprintf(s->url, sizeof(s->url), "%s", lc->url);
		snprintf(s->path, sizeof(s->path), "%s", lc->path);
		snprintf(s->ca_file, sizeof(s->ca_file), "%s", lc->ca_file);
		/* a signed list's signature is fetched from beside it */
		if (lc->signature == LIST_SIGNATURE_MINISIGN) {
			snprintf(s->sig_url, sizeof(s->sig_url), "%.*s.minisig",
				 (int)sizeof(s->sig_url) - 9, lc->url);
			list_signature_path(lc, s->sig_path,
					    sizeof(s->sig_path));
		}
		s->interval_s = lc->refresh_s;
		s->timeout_s = lc->fetch_timeout_s;
		s->max_bytes = cfg->max_list_bytes;
		n++;
	}
	return n;
}

/* mkdir -p of the directory holding @path. */
static void make_parent_dirs(const char *path)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
}

/*
 * Before the first load: a url list with no downloaded copy yet is
 * downloaded now. If that fails the load fails on the missing file, and
 * the log says why; a list with a copy starts with it, whatever the
 * server does (a restart without network keeps the last good rules).
 */
static void fetch_missing(const struct daemon_config *cfg)
{
	static struct fetch_source src[XDPB_MAX_LISTS];
	int n = build_sources(cfg, src);

	for (int i = 0; i < n; i++) {
		struct fetch_status st = {0};

		make_parent_dirs(src[i].path);
		if (access(src[i].path, F_OK) == 0)
			continue;
		log_info("list %s: no downloaded copy yet, fetching it",
			 src[i].name);
		if (fetch_source_once(&src[i], &st) < 0)
			log_err("list %s: the first download failed: %s",
				src[i].name, st.error);
	}
}

/* Start, update or stop the download thread to match the config. */
static void sync_fetcher(struct daemon *d)
{
	static struct fetch_source src[XDPB_MAX_LISTS];
	int n = build_sources(&d->cfg, src);
	char err[300];

	if (n && !d->fetcher) {
		d->fetcher = fetcher_start(err, sizeof(err));
		if (!d->fetcher)
			log_err("%s: url lists will not be refreshed", err);
	}
	if (d->fetcher)
		fetcher_set_sources(d->fetcher, src, n, 0);
}

struct mark_ctx {
	const struct daemon_config *cfg;
	uint8_t *stale;
	int marked;
};

static void mark_downloaded(const char *name, void *arg)
{
	struct mark_ctx *m = arg;

	for (int i = 0; i < m->cfg->nr_lists; i++)
		if (!strcmp(m->cfg->lists[i].name, name)) {
			m->stale[i] = 1;
			m->marked++;
		}
}

/* The sooner of two poll timeouts, where -1 is "none". */
static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* Half the systemd watchdog interval in ms, or -1 when there is none. */
static int watchdog_interval_ms(void)
{
	uint64_t usec;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return -1;
	return usec / 2000 ? (int)(usec / 2000) : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 't'},
		{"keep-attached", no_argument, NULL, 'k'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static struct daemon d; /* large: keep it off the stack */
	struct control_server *control = NULL;
	struct metrics *metrics = NULL;
	const char *config_path = DEFAULT_CONFIG_PATH;
	int verbose = 0, check = 0, keep_attached = 0, opt, sig_fd,
	    listen_fd = -1, rc = 1, watchdog_ms, ready = 0;
	struct linkwatch *links = NULL;
	struct listwatch *list_watch = NULL;
	uint8_t stale[XDPB_MAX_LISTS] = {0};
	int timer_fd = -1;
	uint32_t capacity;
	char err[700];

	while ((opt = getopt_long(argc, argv, "c:tkvh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'k':
			keep_attached = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xdpblockd: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	log_init("xdpblockd", verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	log_setup_libbpf();
	if (check)
		return check_only(config_path);

	if (fetch_init() < 0) {
		log_err("cannot initialise libcurl");
		return 1;
	}
	d.config_path = config_path;
	d.verbose = verbose;
	d.started = time(NULL);
	d.counters_fd = -1;
	/*
	 * d.lock is held by this thread except while it waits in poll(): the
	 * metrics thread renders only between two events, never in the middle
	 * of a reload or an interface change (see metrics.c).
	 */
	pthread_mutex_init(&d.lock, NULL);
	pthread_mutex_lock(&d.lock);
	/* Before the (possibly long) first load: signals wait in the fd. */
	sig_fd = setup_signals();
	if (sig_fd < 0) {
		log_err("cannot set up signal handling: %s", strerror(errno));
		return 1;
	}
	if (config_load(config_path, &d.cfg, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return 1;
	}
	if (keep_attached && !d.cfg.pin_path[0]) {
		log_err("--keep-attached needs pinning: set pin_path in [daemon] (it is 'none')");
		return 1;
	}
	/*
	 * Rule ids of a running set and of the set replacing it coexist
	 * during a reload, so the id space is twice the rule capacity: a
	 * full list can be replaced by an entirely different full list.
	 */
	capacity = 2 * (d.cfg.max_rules_v4 + d.cfg.max_rules_v6 +
			d.cfg.max_rules_domain) +
		   1;
	rule_ids_init(&d.rule_ids, capacity);
	/* First: a second daemon on the same socket must not touch anything. */
	listen_fd = control_listen(d.cfg.control_socket, d.cfg.control_gid, err,
				   sizeof(err));
	if (listen_fd < 0) {
		log_err("%s", err);
		return 1;
	}
	control = control_server_new(listen_fd, command_serve, &d);
	if (!control) {
		log_err("out of memory");
		goto out;
	}
	/* a taken metrics port, too, stops us before an interface is touched */
	if (metrics_start(&metrics, &d) < 0)
		goto out;
	/* Before anything attaches, so no interface event is missed. */
	links = linkwatch_open(err, sizeof(err));
	if (!links) {
		log_err("%s", err);
		goto out;
	}
	/* before the load: a missing feature is said once, ahead of its effects */
	features_probe(&d.kernel);
	features_log_missing(&d.kernel);
	loader_set_flow_cache_entries(d.cfg.flow_cache_entries);
	if (loader_open(&d.loader, capacity,
			d.cfg.pin_path[0] ? d.cfg.pin_path : NULL, err,
			sizeof(err)) < 0) {
		log_err("%s", err);
		goto out;
	}
	if (d.loader.pin_dir[0])
		d.counters_fd = pin_counters_open(d.loader.pin_dir);
	if (d.loader.adopted && daemon_adopt(&d) < 0)
		goto out;
	/* before any list loads: a cached list may cover its own server */
	protected_resolve_sources(&d);
	protected_update(&d);
	fetch_missing(&d.cfg);
	/* With adopted rules a bad list is a failed reload, not a failed start. */
	if (daemon_reload(&d) < 0 && !d.loader.adopted)
		goto out;
	if (!d.loader.adopted)
		daemon_load_counters_file(&d);
	if (daemon_sync_interfaces(&d) > 0)
		goto out;
	/* attached: from now on names are matched by this daemon's stages */
	loader_pin_stages(&d.loader);
	/* what only start-up needed (CAP_CHOWN, ...) goes now: privs.h */
	if (privs_drop_after_startup(err, sizeof(err)) < 0)
		log_warn("%s", err);
	log_info("ready: %d interface(s), control socket %s", d.nr_ifaces,
		 d.cfg.control_socket);
	daemon_notify(&d, "READY=1");
	ready = 1;
	watchdog_ms = watchdog_interval_ms();
	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	sync_listwatch(&d, &list_watch);
	sync_fetcher(&d);

	while (!d.stop_requested) {
		/* fixed slots first, then the control socket and its clients */
		struct pollfd pfds[FIXED_FDS + CONTROL_MAX_CLIENTS + 1] = {
			[0] = {.fd = sig_fd, .events = POLLIN},
			[1] = {.fd = linkwatch_fd(links), .events = POLLIN},
			[2] = {.fd = list_watch ? listwatch_fd(list_watch) : -1,
			       .events = POLLIN},
			[3] = {.fd = timer_fd, .events = POLLIN},
			[4] = {.fd = d.fetcher ? fetcher_fd(d.fetcher) : -1,
			       .events = POLLIN},
		};
		int nr_control =
			control_server_pollfds(control, pfds + FIXED_FDS);
		int n;

		pthread_mutex_unlock(&d.lock);
		n = poll(pfds, FIXED_FDS + nr_control,
			 min_timeout(watchdog_ms,
				     control_server_timeout_ms(control)));
		pthread_mutex_lock(&d.lock);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			break;
		}
		/* every wake-up proves the loop is alive, not only timeouts */
		if (watchdog_ms >= 0)
			sd_notify(0, "WATCHDOG=1");
		if (pfds[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				log_info("SIGHUP: reloading");
				daemon_reload_and_sync(&d, NULL);
				sync_listwatch(&d, &list_watch);
				sync_fetcher(&d);
				continue;
			}
			log_info("%s: shutting down", si.ssi_signo == SIGTERM
							      ? "SIGTERM"
							      : "SIGINT");
			rc = 0;
			break;
		}
		if (pfds[1].revents & POLLIN) {
			int changes = linkwatch_read(links);

			if (changes & LINKWATCH_LINKS) {
				daemon_sync_interfaces(&d);
				daemon_notify(&d, "READY=1");
			}
			if (changes & LINKWATCH_ADDRS)
				protected_update(&d);
		}
		if (pfds[2].revents & POLLIN &&
		    listwatch_read(list_watch, &d.cfg, stale))
			arm_timer(timer_fd, d.cfg.watch_delay_ms);
		if (pfds[4].revents & POLLIN) {
			struct mark_ctx m = {.cfg = &d.cfg, .stale = stale};

			fetcher_take_updated(d.fetcher, mark_downloaded, &m);
			/* a download may have reached a new server address */
			protected_update(&d);
			if (m.marked)
				arm_timer(timer_fd, 0);
		}
		if (pfds[3].revents & POLLIN) {
			uint64_t expirations;

			if (read(timer_fd, &expirations, sizeof(expirations)) ==
			    sizeof(expirations))
				reload_changed(&d, stale);
		}
		{
			uint64_t generation = d.generation;

			/* also after a timeout: slow clients are dropped */
			control_server_run(control, pfds + FIXED_FDS,
					   nr_control);
			if (d.generation != generation) {
				sync_listwatch(&d, &list_watch);
				sync_fetcher(&d);
			}
		}
	}
	if (d.stop_requested) {
		log_info("stop requested by xdpblockctl: shutting down");
		rc = 0;
	}
out:
	/* the metrics thread may be waiting for the lock: let it finish */
	pthread_mutex_unlock(&d.lock);
	metrics_stop(metrics);
	control_server_free(control);
	d.keep_attached |= keep_attached;
	/*
	 * A start that failed leaves what it found pinned as it was: what a
	 * previous daemon left running keeps filtering.
	 */
	if (!ready && d.loader.found_pins)
		d.keep_attached = 1;
	sd_notify(0, "STOPPING=1");
	if (d.keep_attached && d.loader.pin_dir[0])
		log_info(
			"leaving XDP attached with the current rules; state pinned in %s",
			d.loader.pin_dir);
	else
		d.keep_attached = 0;
	/* the pinned counters go with the pins: keep the totals */
	if (ready && !d.keep_attached)
		daemon_save_counters_file(&d);
	daemon_detach_all(&d);
	if (listen_fd >= 0) {
		close(listen_fd);
		unlink(d.cfg.control_socket);
	}
	if (d.counters_fd >= 0)
		close(d.counters_fd);
	fetcher_stop(d.fetcher);
	linkwatch_close(links);
	listwatch_close(list_watch);
	if (timer_fd >= 0)
		close(timer_fd);
	loader_close(&d.loader, !d.keep_attached);
	protect_set_free(&d.protected);
	protect_set_free(&d.source_addrs);
	return rc;
}
