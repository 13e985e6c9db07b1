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

#include "control.h"
#include "daemon.h"
#include "listload.h"
#include "liststate.h"
#include "log.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xdpblockd [-c FILE] [-v] [--check]\n"
		"  -c, --config FILE  configuration (default %s)\n"
		"  -t, --check        read the config and every list, report, exit\n"
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
		} else {
			printf("list %s: %s%s, %zu IPv4, %zu IPv6 entries, %zu skipped lines",
			       lc->name, list_format_name(ll.parsed.format),
			       ll.compressed ? " (gzip)" : "", ll.parsed.nr_v4,
			       ll.parsed.nr_v6, ll.parsed.nr_skipped);
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 't'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static struct daemon d; /* large: keep it off the stack */
	const char *config_path = DEFAULT_CONFIG_PATH;
	int verbose = 0, check = 0, opt, sig_fd, listen_fd = -1, rc = 1;
	uint32_t capacity;
	char err[700];

	while ((opt = getopt_long(argc, argv, "c:tvh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 't':
			check = 1;
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
	/*
	 * Rule ids of a running set and of the set replacing it coexist
	 * during a reload, so the id space is twice the rule capacity: a
	 * full list can be replaced by an entirely different full list.
	 */
	capacity = 2 * (d.cfg.max_rules_v4 + d.cfg.max_rules_v6) + 1;
	rule_ids_init(&d.rule_ids, capacity);
	/* First: a second daemon on the same socket must not touch anything. */
	listen_fd = control_listen(d.cfg.control_socket, err, sizeof(err));
	if (listen_fd < 0) {
		log_err("%s", err);
		return 1;
	}
	if (loader_open(&d.loader, capacity) < 0)
		goto out;
	if (daemon_reload(&d) < 0)
		goto out;
	if (daemon_sync_interfaces(&d) > 0)
		goto out;
	log_info("ready: %d interface(s), control socket %s", d.nr_ifaces,
		 d.cfg.control_socket);

	for (;;) {
		struct pollfd pfds[2] = {
			{.fd = sig_fd, .events = POLLIN},
			{.fd = listen_fd, .events = POLLIN},
		};

		if (poll(pfds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (pfds[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				log_info("SIGHUP: reloading");
				if (daemon_reload(&d) == 0)
					daemon_sync_interfaces(&d);
				continue;
			}
			log_info("%s: shutting down", si.ssi_signo == SIGTERM
							      ? "SIGTERM"
							      : "SIGINT");
			rc = 0;
			break;
		}
		if (pfds[1].revents & POLLIN)
			serve_client(&d, listen_fd);
	}
out:
	daemon_detach_all(&d);
	if (listen_fd >= 0) {
		close(listen_fd);
		unlink(d.cfg.control_socket);
	}
	loader_close(&d.loader);
	return rc;
}
