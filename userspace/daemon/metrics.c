// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The metrics endpoint. libmicrohttpd runs in a thread of its own
 * (MHD_USE_INTERNAL_POLLING_THREAD): accepting, reading requests, sending
 * responses and timing out slow clients never pass through the daemon's
 * main loop, so neither a slow scraper nor a crowd of idle connections
 * delays signals, list events or control clients, and the main loop's
 * work never delays the I/O of a scrape.
 *
 * Rendering reads the daemon's state under d->lock, which the main loop
 * holds except while it waits in poll(). A render therefore sees the state
 * between two events, never a reload half applied (reload() rewrites
 * lists, the rule set and last_reload in place), and waits at most for the
 * event the loop is handling; a reload of large lists can take seconds.
 * A snapshot published by the loop would avoid that wait but must copy the
 * rule set for /top; the lock is the simpler sound choice. The counters
 * come from BPF maps, which are safe to read from any thread.
 *
 * Everything served is aggregate: per interface, per list, per action;
 * per-rule detail only through /top, which names rules and, for a rule of
 * one host, tells that someone reached it: off unless metrics_top = yes.
 */
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "common/escape.h"
#include "common/log.h"
#include "common/version.h"
#include "config/config.h"
#include "daemon/commands.h"
#include "daemon/daemon.h"
#include "daemon/metrics.h"
#include "daemon/promtext.h"
#include "daemon/reload.h"
#include "datapath/counters.h"
#include "datapath/kernel_features.h"

/*
 * Scrapers are few; the limits keep a misbehaving client's cost bounded
 * (an idle connection is closed after the timeout).
 */
#define METRICS_BACKLOG 16
#define METRICS_CONNECTION_LIMIT 64
/*
 * One address holds at most this many: 40 slow connections from one local
 * user filled the whole limit and a scrape from elsewhere waited out their
 * timeout. Scrapers on the same address share the budget of that address.
 */
#define METRICS_PER_IP_LIMIT 8
#define METRICS_CONNECTION_TIMEOUT_S 10

#define JSON_CONTENT_TYPE "application/json"
#define TEXT_CONTENT_TYPE "text/plain; charset=utf-8"

struct metrics {
	struct MHD_Daemon *mhd;
	struct daemon *d;
};

/* A sample's labels: LABELS({"name", value}, ...) gives array and count. */
#define LABELS(...)                                                \
	(const struct prom_label[]){__VA_ARGS__},                  \
		sizeof((const struct prom_label[]){__VA_ARGS__}) / \
			sizeof(struct prom_label)

/* The malformed-packet counters of an interface, as kind="..." */
static const struct {
	unsigned int stat;
	const char *kind;
} malformed_kinds[] = {
	{XDPB_STAT_MALFORMED_L2, "l2"},
	{XDPB_STAT_MALFORMED_IPV4, "ipv4"},
	{XDPB_STAT_MALFORMED_IPV6, "ipv6"},
	{XDPB_STAT_MALFORMED_IPV6_EXT, "ipv6_ext"},
	{XDPB_STAT_MALFORMED_DNS, "dns"},
	{XDPB_STAT_MALFORMED_HTTP, "http"},
	{XDPB_STAT_MALFORMED_TLS, "tls"},
};

/* The name-verdict counters of an interface, as protocol="..." */
static const struct {
	unsigned int stat;
	const char *protocol;
} name_protocols[] = {
	{XDPB_STAT_NAME_DNS, "dns"},
	{XDPB_STAT_NAME_TLS, "tls"},
	{XDPB_STAT_NAME_HTTP, "http"},
};

static void render_daemon(struct daemon *d, struct prom_buf *b)
{
	const struct reload_result *lr = &d->last_reload;

	prom_family(b, "xdpblock_build_info", "gauge",
		    "Always 1; the version label names the running xdpblockd.");
	prom_u64(b, "xdpblock_build_info",
		 LABELS({"version", XDPBLOCK_VERSION}), 1);
	prom_family(b, "xdpblock_start_time_seconds", "gauge",
		    "When xdpblockd started, in seconds since the Unix epoch.");
	prom_u64(b, "xdpblock_start_time_seconds", NULL, 0, d->started);
	prom_family(
		b, "xdpblock_active_generation", "gauge",
		"Number of the rule set now active: successful loads since start, the first included.");
	prom_u64(b, "xdpblock_active_generation", NULL, 0, d->generation);
	prom_family(
		b, "xdpblock_reloads_total", "counter",
		"Loads of the configuration and lists attempted, the first at start-up included.");
	prom_u64(b, "xdpblock_reloads_total", NULL, 0, d->reloads_total);
	prom_family(
		b, "xdpblock_reload_failures_total", "counter",
		"Failed loads by reason; the previous rules stayed active.");
	for (int r = RELOAD_OK + 1; r < RELOAD_REASON_MAX; r++)
		prom_u64(b, "xdpblock_reload_failures_total",
			 LABELS({"reason", reload_reason_name(r)}),
			 d->reload_failures_by_reason[r]);
	prom_family(b, "xdpblock_last_reload_successful", "gauge",
		    "1 if the last load succeeded, 0 if it failed.");
	prom_u64(b, "xdpblock_last_reload_successful", NULL, 0, lr->ok);
	prom_family(b, "xdpblock_last_reload_duration_seconds", "gauge",
		    "How long the last load took, successful or not.");
	prom_double(b, "xdpblock_last_reload_duration_seconds", NULL, 0,
		    lr->duration_ns / 1e9);
}

/* What the datapath runs on: its stages and the kernel's features. */
static void render_datapath(struct daemon *d, struct prom_buf *b)
{
	prom_family(
		b, "xdpblock_datapath_stage_loaded", "gauge",
		"1 if the datapath stage is loaded (dns: DNS queries, web: HTTP Host and TLS SNI), 0 if not; stages are loaded with the first domain list.");
	for (int s = 0; s < XDPB_NR_STAGES; s++)
		prom_u64(b, "xdpblock_datapath_stage_loaded",
			 LABELS({"stage", loader_stage_name(s)}),
			 !!(d->loader.loaded_stages & 1u << s));
	prom_family(
		b, "xdpblock_kernel_feature", "gauge",
		"1 if the running kernel has the optional feature, 0 if not (the start-up log says what is lost); no sample when it could not be probed.");
	for (int f = 0; f < KERNEL_FEATURE_MAX; f++)
		if (d->kernel.state[f] != FEATURE_UNKNOWN)
			prom_u64(b, "xdpblock_kernel_feature",
				 LABELS({"feature", kernel_feature_name(f)}),
				 d->kernel.state[f] == FEATURE_PRESENT);
	prom_family(
		b, "xdpblock_protected_prefixes", "gauge",
		"Prefixes no address rule may drop, by kind: host (the host's own addresses), source (list sources' addresses), operator (protect =). A prefix of two kinds counts in both.");
	for (int k = 0; k < PROTECT_NR_KINDS; k++)
		prom_u64(b, "xdpblock_protected_prefixes",
			 LABELS({"kind", protect_kind_name(k)}),
			 protect_set_count(&d->protected, 1u << k));
}

static void render_interfaces(struct daemon *d, struct prom_buf *b)
{
	struct xdpb_iface_stats stats[CONFIG_MAX_IFACES];
	int counted[CONFIG_MAX_IFACES];
	int n = d->nr_ifaces;

	/*
	 * An interface is counted from its first attachment: one not
	 * registered has no counters to show.
	 */
	for (int i = 0; i < n; i++)
		counted[i] = d->ifaces[i].ifindex > 0 &&
			     loader_read_iface(&d->loader, d->ifaces[i].ifindex,
					       &stats[i]) == 0;

	prom_family(
		b, "xdpblock_interface_attached", "gauge",
		"1 if the XDP program is attached to the interface, in the mode named; 0 with mode=\"none\" if not.");
	for (int i = 0; i < n; i++) {
		const struct iface_state *ifs = &d->ifaces[i];
		int attached = ifs->link_fd >= 0;

		prom_u64(b, "xdpblock_interface_attached",
			 LABELS({"interface", ifs->name},
				{"mode",
				 attached ? xdp_mode_name(ifs->mode) : "none"}),
			 attached);
	}

	prom_family(
		b, "xdpblock_interface_packets_total", "counter",
		"Packets received on the interface by verdict: pass (no rule matched), monitor, drop, allow, and the replies nxdomain, refused, sinkhole, reset.");
	for (int i = 0; i < n; i++)
		for (int s = 0; s < XDPB_ACT_MAX && counted[i]; s++)
			prom_u64(b, "xdpblock_interface_packets_total",
				 LABELS({"interface", d->ifaces[i].name},
					{"action", stat_name(s)}),
				 stats[i].stat[s].packets);
	prom_family(
		b, "xdpblock_interface_bytes_total", "counter",
		"Bytes of the packets in xdpblock_interface_packets_total, Ethernet header included.");
	for (int i = 0; i < n; i++)
		for (int s = 0; s < XDPB_ACT_MAX && counted[i]; s++)
			prom_u64(b, "xdpblock_interface_bytes_total",
				 LABELS({"interface", d->ifaces[i].name},
					{"action", stat_name(s)}),
				 stats[i].stat[s].bytes);

	prom_family(
		b, "xdpblock_interface_non_ip_packets_total", "counter",
		"Packets that were neither IPv4 nor IPv6 (ARP, LLDP, ...): passed without matching.");
	for (int i = 0; i < n; i++)
		if (counted[i])
			prom_u64(b, "xdpblock_interface_non_ip_packets_total",
				 LABELS({"interface", d->ifaces[i].name}),
				 stats[i].stat[XDPB_STAT_NON_IP].packets);
	prom_family(
		b, "xdpblock_interface_malformed_packets_total", "counter",
		"Packets with a malformed header by kind; l2, ipv4 and ipv6 passed without matching, ipv6_ext were matched and are also counted under their verdict.");
	for (int i = 0; i < n; i++)
		for (size_t k = 0;
		     k < sizeof(malformed_kinds) / sizeof(malformed_kinds[0]) &&
		     counted[i];
		     k++)
			prom_u64(
				b, "xdpblock_interface_malformed_packets_total",
				LABELS({"interface", d->ifaces[i].name},
				       {"kind", malformed_kinds[k].kind}),
				stats[i].stat[malformed_kinds[k].stat].packets);
	prom_family(
		b, "xdpblock_interface_tls_unmatched_packets_total", "counter",
		"TLS ClientHellos spread over segments whose SNI was not matched: out_of_order (a segment overtook the expected one), incomplete (no SNI within 16 segments); passed.");
	for (int i = 0; i < n; i++) {
		if (!counted[i])
			continue;
		prom_u64(b, "xdpblock_interface_tls_unmatched_packets_total",
			 LABELS({"interface", d->ifaces[i].name},
				{"reason", "out_of_order"}),
			 stats[i].stat[XDPB_STAT_TLS_OUT_OF_ORDER].packets);
		prom_u64(b, "xdpblock_interface_tls_unmatched_packets_total",
			 LABELS({"interface", d->ifaces[i].name},
				{"reason", "incomplete"}),
			 stats[i].stat[XDPB_STAT_TLS_INCOMPLETE].packets);
	}
	prom_family(
		b, "xdpblock_interface_name_verdict_packets_total", "counter",
		"Packets a domain rule decided (also counted by verdict), by the protocol the name came in: dns (a query), tls (a ClientHello's SNI), http (a request's Host); later segments of a flow the rule blocked count as its protocol.");
	for (int i = 0; i < n; i++)
		for (size_t p = 0;
		     p < sizeof(name_protocols) / sizeof(name_protocols[0]) &&
		     counted[i];
		     p++)
			prom_u64(
				b,
				"xdpblock_interface_name_verdict_packets_total",
				LABELS({"interface", d->ifaces[i].name},
				       {"protocol",
					name_protocols[p].protocol}),
				stats[i].stat[name_protocols[p].stat].packets);
	prom_family(
		b, "xdpblock_interface_stage_missed_packets_total", "counter",
		"Packets whose call into a datapath stage failed: their name was not matched and their addresses decided them (also counted by verdict). Never expected: a fault to report.");
	for (int i = 0; i < n; i++)
		if (counted[i])
			prom_u64(
				b,
				"xdpblock_interface_stage_missed_packets_total",
				LABELS({"interface", d->ifaces[i].name}),
				stats[i].stat[XDPB_STAT_STAGE_MISSED].packets);
	prom_family(
		b, "xdpblock_interface_protected_packets_total", "counter",
		"Packets an address rule would have dropped but whose source or destination is protected (the host's own addresses, list sources, protect =): passed.");
	for (int i = 0; i < n; i++)
		if (counted[i])
			prom_u64(b,
				 "xdpblock_interface_protected_packets_total",
				 LABELS({"interface", d->ifaces[i].name}),
				 stats[i].stat[XDPB_STAT_PROTECTED].packets);
}

static void render_lists(struct daemon *d, struct prom_buf *b)
{
	struct xdpb_counter counters[XDPB_MAX_LISTS - 1];
	int n = d->nr_lists;

	for (int i = 0; i < n; i++)
		if (loader_read_list(&d->loader, d->lists[i].list_id,
				     &counters[i]) < 0)
			memset(&counters[i], 0, sizeof(counters[i]));

	prom_family(
		b, "xdpblock_list_packets_total", "counter",
		"Packets decided by a rule of the list; action is the list's action (per-record for an RPZ zone).");
	for (int i = 0; i < n; i++)
		prom_u64(b, "xdpblock_list_packets_total",
			 LABELS({"list", d->lists[i].cfg.name},
				{"action", list_action_label(&d->lists[i])}),
			 counters[i].packets);
	prom_family(b, "xdpblock_list_bytes_total", "counter",
		    "Bytes of the packets in xdpblock_list_packets_total.");
	for (int i = 0; i < n; i++)
		prom_u64(b, "xdpblock_list_bytes_total",
			 LABELS({"list", d->lists[i].cfg.name},
				{"action", list_action_label(&d->lists[i])}),
			 counters[i].bytes);
	prom_family(
		b, "xdpblock_list_rules", "gauge",
		"Distinct rules of the list in the active rule set, by family (ipv4, ipv6, domain).");
	for (int i = 0; i < n; i++) {
		prom_u64(b, "xdpblock_list_rules",
			 LABELS({"list", d->lists[i].cfg.name},
				{"family", "ipv4"}),
			 d->lists[i].nr_v4);
		prom_u64(b, "xdpblock_list_rules",
			 LABELS({"list", d->lists[i].cfg.name},
				{"family", "ipv6"}),
			 d->lists[i].nr_v6);
		prom_u64(b, "xdpblock_list_rules",
			 LABELS({"list", d->lists[i].cfg.name},
				{"family", "domain"}),
			 d->lists[i].nr_names);
	}
	prom_family(
		b, "xdpblock_list_protected_covered", "gauge",
		"Protected entries an address list covers, by kind (host: the host's own addresses, source: list sources' addresses, operator: protect = prefixes), as of the list's last load; its rules never drop them.");
	for (int i = 0; i < n; i++)
		for (int k = 0;
		     k < PROTECT_NR_KINDS && d->lists[i].type == LIST_TYPE_IP;
		     k++)
			prom_u64(b, "xdpblock_list_protected_covered",
				 LABELS({"list", d->lists[i].cfg.name},
					{"kind", protect_kind_name(k)}),
				 d->lists[i].protected_covered[k]);
	prom_family(
		b, "xdpblock_list_special_range_entries", "gauge",
		"Entries of an address list in special-purpose ranges (IANA registries, RFC 6890; multicast), by range name, as of the list's last load.");
	for (int i = 0; i < n; i++)
		for (int r = 0;
		     r < special_nr_names() && d->lists[i].type == LIST_TYPE_IP;
		     r++)
			prom_u64(b, "xdpblock_list_special_range_entries",
				 LABELS({"list", d->lists[i].cfg.name},
					{"range", special_name(r)}),
				 d->lists[i].special_entries[r]);
	prom_family(
		b, "xdpblock_list_skipped_lines", "gauge",
		"Malformed lines skipped in the running version of the list (on_error = skip-line).");
	for (int i = 0; i < n; i++)
		prom_u64(b, "xdpblock_list_skipped_lines",
			 LABELS({"list", d->lists[i].cfg.name}),
			 d->lists[i].nr_skipped);
	prom_family(
		b, "xdpblock_list_unsupported_entries", "gauge",
		"Well-formed entries of the running version of a domain list that give no rule (Adblock address or $option rules, RPZ redirects, ...).");
	for (int i = 0; i < n; i++)
		prom_u64(b, "xdpblock_list_unsupported_entries",
			 LABELS({"list", d->lists[i].cfg.name}),
			 d->lists[i].nr_unsupported);
	prom_family(
		b, "xdpblock_list_version_timestamp_seconds", "gauge",
		"Version of the running list as a Unix time: the list file's modification time when it was loaded.");
	for (int i = 0; i < n; i++)
		prom_u64(b, "xdpblock_list_version_timestamp_seconds",
			 LABELS({"list", d->lists[i].cfg.name}),
			 d->lists[i].version_time > 0 ? d->lists[i].version_time
						      : 0);
	prom_family(
		b, "xdpblock_list_degraded", "gauge",
		"1 if the list's file cannot be loaded and its last good copy, the rules it had, or nothing runs instead (reason: why; running: which); else 0.");
	for (int i = 0; i < n; i++) {
		const struct list_state *ls = &d->lists[i];
		int degraded = list_is_degraded(ls);

		prom_u64(b, "xdpblock_list_degraded",
			 LABELS({"list", ls->cfg.name},
				{"reason",
				 reload_reason_name(ls->degraded_reason)},
				{"running",
				 degraded ? list_fallback_name(ls->fallback)
					  : "file"}),
			 degraded);
	}
	prom_family(
		b, "xdpblock_list_last_reload_timestamp_seconds", "gauge",
		"When the running version of the list was loaded (the last successful reload), as a Unix time.");
	for (int i = 0; i < n; i++)
		prom_u64(b, "xdpblock_list_last_reload_timestamp_seconds",
			 LABELS({"list", d->lists[i].cfg.name}),
			 d->lists[i].loaded_at);
}

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned int status,
			      const char *type, char *body, size_t len,
			      enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, mode);
	if (!resp) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					"GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result answer_text(struct MHD_Connection *conn,
				   unsigned int status, const char *text)
{
	char *copy = strdup(text); /* MHD takes a non-const buffer */

	if (!copy)
		return MHD_NO;
	return answer(conn, status, TEXT_CONTENT_TYPE, copy, strlen(copy),
		      MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result serve_metrics(struct metrics *m,
				     struct MHD_Connection *conn)
{
	struct prom_buf b = {0};

	render_daemon(m->d, &b);
	render_datapath(m->d, &b);
	render_interfaces(m->d, &b);
	render_lists(m->d, &b);
	if (b.failed) {
		prom_buf_free(&b);
		return answer_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "out of memory\n");
	}
	return answer(conn, MHD_HTTP_OK, PROM_CONTENT_TYPE, b.text, b.len,
		      MHD_RESPMEM_MUST_FREE);
}

struct top_query {
	struct json_object *request;
	char error[200];
};

/* Query parameters of /top become the `top` command's request. */
static enum MHD_Result top_param(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *value)
{
	struct top_query *q = cls;
	const char *field = !strcmp(key, "n")	   ? "limit"
			    : !strcmp(key, "list") ? "list"
						   : NULL;
	struct json_object *v;
	long long n;
	char *end;

	(void)kind;
	if (!value)
		value = "";
	if (!field || json_object_object_get_ex(q->request, field, NULL)) {
		snprintf(
			q->error, sizeof(q->error),
			"unknown or repeated query parameter '%s': /top takes n=N (1 to %d) and list=NAME, each at most once",
			key, TOP_MAX_RULES);
		return MHD_NO;
	}
	errno = 0;
	n = strtoll(value, &end, 10);
	if (!strcmp(field, "limit") && !errno && end != value && !*end)
		v = json_object_new_int64(n);
	else /* a list name, or an N for the command to refuse */
		v = json_object_new_string(value);
	json_object_object_add(q->request, field, v);
	return MHD_YES;
}

static enum MHD_Result serve_top(struct metrics *m, struct MHD_Connection *conn)
{
	struct top_query q = {.request = json_object_new_object()};
	struct json_object *envelope = json_object_new_object(), *result;
	unsigned int status = MHD_HTTP_OK;
	char err[700] = "";
	const char *text;
	char *body;
	int ret;

	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, top_param, &q);
	if (q.error[0]) {
		snprintf(err, sizeof(err), "%s", q.error);
		ret = -EINVAL;
	} else {
		ret = command_top(m->d, q.request, &result, err, sizeof(err));
	}
	json_object_object_add(envelope, "ok", json_object_new_boolean(!ret));
	if (ret) {
		status = ret == -EINVAL ? MHD_HTTP_BAD_REQUEST
					: MHD_HTTP_INTERNAL_SERVER_ERROR;
		text_escape(err, sizeof(err)); /* it quotes the query */
		json_object_object_add(envelope, "error",
				       json_object_new_string(err));
	} else {
		json_object_object_add(envelope, "result", result);
	}
	/* the same text `xdpblockctl --json top` prints */
	text = json_object_to_json_string_ext(
		envelope,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	body = text ? malloc(strlen(text) + 2) : NULL;
	if (body)
		sprintf(body, "%s\n", text);
	json_object_put(envelope);
	json_object_put(q.request);
	if (!body)
		return answer_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "out of memory\n");
	return answer(conn, status, JSON_CONTENT_TYPE, body, strlen(body),
		      MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn,
				      const char *url, const char *method,
				      const char *version,
				      const char *upload_data,
				      size_t *upload_data_size, void **req_cls)
{
	static int headers_seen;
	struct metrics *m = cls;

	(void)version;
	(void)upload_data;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return answer_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				   "method not allowed: use GET\n");
	/*
	 * Answer once the whole request is read: a response queued at the
	 * first call, right after the headers, makes MHD close the
	 * connection, and Prometheus would reconnect at every scrape.
	 */
	if (!*req_cls) {
		*req_cls = &headers_seen;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* a GET body means nothing here */
		return MHD_YES;
	}
	if (!strcmp(url, "/metrics")) {
		enum MHD_Result ret;

		pthread_mutex_lock(&m->d->lock);
		ret = serve_metrics(m, conn);
		pthread_mutex_unlock(&m->d->lock);
		return ret;
	}
	if (!strcmp(url, "/top")) {
		enum MHD_Result ret;

		pthread_mutex_lock(&m->d->lock);
		/* read under the lock: a reload may turn it on or off */
		ret = m->d->cfg.metrics_top
			      ? serve_top(m, conn)
			      : answer_text(
					conn, MHD_HTTP_NOT_FOUND,
					"not found: /top is off; set metrics_top = yes in [daemon] to serve it (it names rules and their hits to anyone who can connect)\n");
		pthread_mutex_unlock(&m->d->lock);
		return ret;
	}
	return answer_text(conn, MHD_HTTP_NOT_FOUND,
			   "not found: xdpblockd serves /metrics and /top\n");
}

/* libmicrohttpd's own messages: debug level, they are rarely actionable. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[300];
	size_t len;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = '\0';
	log_debug("metrics: libmicrohttpd: %s", msg);
}

int metrics_start(struct metrics **out, struct daemon *d)
{
	const struct sockaddr_storage *addr = &d->cfg.metrics_addr;
	socklen_t addr_len = addr->ss_family == AF_INET6
				     ? sizeof(struct sockaddr_in6)
				     : sizeof(struct sockaddr_in);
	char where[LISTEN_ADDR_STRLEN];
	struct metrics *m;
	int fd, one = 1, e;

	*out = NULL;
	if (addr->ss_family == AF_UNSPEC)
		return 0;
	listen_addr_format(addr, where, sizeof(where));
	/*
	 * The socket is ours, not MHD's: bind errors get a clear message,
	 * and SO_REUSEADDR lets a restarted daemon bind while connections
	 * of the old one are in TIME_WAIT.
	 */
	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)addr, addr_len) < 0 ||
	    listen(fd, METRICS_BACKLOG) < 0) {
		e = errno;
		log_err("cannot serve metrics on %s: %s: set metrics_listen in [daemon] to a free local ADDRESS:PORT, or to off",
			where, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		close(fd);
		log_err("cannot serve metrics: out of memory");
		return -ENOMEM;
	}
	m->d = d;
	/*
	 * One thread of MHD's own (the signals stay blocked in it: it is
	 * created after setup_signals()), epoll where the library has it.
	 */
	m->mhd = MHD_start_daemon(
		MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		handle_request, m, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)METRICS_CONNECTION_LIMIT,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned int)METRICS_PER_IP_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)METRICS_CONNECTION_TIMEOUT_S,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (!m->mhd) {
		/* the listening socket is left open: MHD may have closed it */
		log_err("cannot serve metrics on %s: libmicrohttpd did not start (xdpblockd -v shows its messages); set metrics_listen = off in [daemon] to run without metrics",
			where);
		free(m);
		return -EIO;
	}
	*out = m;
	log_info("metrics: serving http://%s/metrics%s", where,
		 d->cfg.metrics_top ? " and /top" : "");
	return 0;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->mhd);
	free(m);
}
