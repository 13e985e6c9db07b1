// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpblockd: loads the lists, keeps the XDP program attached, reloads on
 * SIGHUP or `xdpblockctl reload`, answers the control socket. Runs in the
 * foreground and logs to stderr (systemd style).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <systemd/sd-daemon.h>

#include "control.h"
#include "daemon.h"
#include "linkwatch.h"
#include "log.h"
#include "pinning.h"

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

static void serve_client(struct daemon *d, int listen_fd)
{
	struct json_object *req, *resp, *result = NULL;
	const struct timeval send_timeout = {.tv_sec =
						     CONTROL_TIMEOUT_MS / 1000};
	char err[700] = "";
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* a client that stops reading must not stall the daemon */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout,
		   sizeof(send_timeout));
	req = control_read(fd, CONTROL_MAX_REQUEST, CONTROL_TIMEOUT_MS, err,
			   sizeof(err));
	resp = json_object_new_object();
	if (req && command_dispatch(d, req, &result, err, sizeof(err)) == 0) {
		json_object_object_add(resp, "ok", json_object_new_boolean(1));
		json_object_object_add(resp, "result", result);
	} else {
		json_object_object_add(resp, "ok", json_object_new_boolean(0));
		json_object_object_add(resp, "error",
				       json_object_new_string(err));
	}
	control_write(fd, resp);
	json_object_put(resp);
	json_object_put(req);
	close(fd);
}

static int check_only(const char *path)
{
	struct daemon_config *cfg = calloc(1, sizeof(*cfg));
	char err[700];
	int bad = 0;

	if (!cfg || config_load(path, cfg, err, sizeof(err)) < 0) {
		log_err("%s", cfg ? err : "out of memory");
		free(cfg);
		return 1;
	}
	for (int i = 0; i < cfg->nr_lists; i++) {
		struct parsed_list pl;

		if (listfile_parse(cfg->lists[i].path, cfg->lists[i].on_error,
				   &pl) < 0) {
			log_err("list %s: %s", cfg->lists[i].name, pl.error);
			bad = 1;
		} else {
			printf("list %s: %zu IPv4, %zu IPv6 entries, %zu skipped lines\n",
			       cfg->lists[i].name, pl.nr_v4, pl.nr_v6,
			       pl.nr_skipped);
		}
		parsed_list_free(&pl);
	}
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
	const char *config_path = DEFAULT_CONFIG_PATH;
	int verbose = 0, check = 0, keep_attached = 0, opt, sig_fd,
	    listen_fd = -1, rc = 1, watchdog_ms, ready = 0;
	struct linkwatch *links = NULL;
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

	d.config_path = config_path;
	d.verbose = verbose;
	d.started = time(NULL);
	d.counters_fd = -1;
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
	listen_fd = control_listen(d.cfg.control_socket, err, sizeof(err));
	if (listen_fd < 0) {
		log_err("%s", err);
		return 1;
	}
	/* Before anything attaches, so no interface event is missed. */
	links = linkwatch_open(err, sizeof(err));
	if (!links) {
		log_err("%s", err);
		goto out;
	}
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
	/* With adopted rules a bad list is a failed reload, not a failed start. */
	if (daemon_reload(&d) < 0 && !d.loader.adopted)
		goto out;
	if (daemon_sync_interfaces(&d) > 0)
		goto out;
	log_info("ready: %d interface(s), control socket %s", d.nr_ifaces,
		 d.cfg.control_socket);
	daemon_notify(&d, "READY=1");
	ready = 1;
	watchdog_ms = watchdog_interval_ms();

	while (!d.stop_requested) {
		struct pollfd pfds[3] = {
			{.fd = sig_fd, .events = POLLIN},
			{.fd = listen_fd, .events = POLLIN},
			{.fd = linkwatch_fd(links), .events = POLLIN},
		};
		int n = poll(pfds, 3, watchdog_ms);

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
				daemon_reload_and_sync(&d);
				continue;
			}
			log_info("%s: shutting down", si.ssi_signo == SIGTERM
							      ? "SIGTERM"
							      : "SIGINT");
			rc = 0;
			break;
		}
		if (pfds[2].revents & POLLIN && linkwatch_read(links)) {
			daemon_sync_interfaces(&d);
			daemon_notify(&d, "READY=1");
		}
		if (pfds[1].revents & POLLIN)
			serve_client(&d, listen_fd);
	}
	if (d.stop_requested) {
		log_info("stop requested by xdpblockctl: shutting down");
		rc = 0;
	}
out:
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
	daemon_detach_all(&d);
	if (listen_fd >= 0) {
		close(listen_fd);
		unlink(d.cfg.control_socket);
	}
	if (d.counters_fd >= 0)
		close(d.counters_fd);
	linkwatch_close(links);
	loader_close(&d.loader, !d.keep_attached);
	return rc;
}
