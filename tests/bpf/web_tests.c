// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN table tests of HTTP Host and TLS SNI matching:
 * crafted requests and ClientHellos (case, trailing dot, a port, deep and
 * maximal names, malformed names and lengths, VLAN tags, IPv6) against
 * one rule set of domain and address rules. Each row names the verdict,
 * the deciding rule (the only rule counter that may move, by one packet)
 * and the interface slot; a malformed row also its malformed count.
 * Passed frames must come out unchanged.
 *
 * Needs root (BPF): without it, prints SKIP and exits 77; as root, a
 * program that does not load is a failure.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/names.h"
#include "datapath/loader.h"
#include "rules/refmatch.h"
#include "rules/ruleset.h"
#include "testlib.h"

#include "frames.h"
#include "rng.h"
#include "xdprun.h"

#define RULE_ID_CAP 1024
#include "name_rules.h"

#define L64 L63 "a" /* one character over the longest label */

enum {
	L_DROP = 1,
	L_NX = 2, /* a DNS answer list: resets SNI and Host */
	L_ALLOW = 3,
	L_MONITOR = 4,
	L_IP_ALLOW = 5,
	L_IP_DROP = 6,
	L_RESET = 7,
	L_DNS_ONLY =
		8, /* nxdomain, protocols = dns: never matches SNI or Host */
	L_SINK = 9, /* sinkhole, protocols = web: resets */
	L_REFUSED_DNS = 10, /* refused, protocols = dns, over a web drop */
};

/* clang-format off */
static const struct name_def name_defs[] = {
	{ L_DROP, XDPB_ACT_DROP, "example.com" },
	{ L_DROP, XDPB_ACT_DROP, "=exact.example.net" },
	{ L_DROP, XDPB_ACT_DROP, "=" LONGEST },
	{ L_DROP, XDPB_ACT_DROP, "web.example.org" },
	{ L_NX, XDPB_ACT_NXDOMAIN, "x.web.example.org" },
	{ L_NX, XDPB_ACT_NXDOMAIN, "nx.example.org" },
	{ L_DNS_ONLY, XDPB_ACT_NXDOMAIN, "dnsonly.example.org" },
	{ L_SINK, XDPB_ACT_SINKHOLE, "sink.example.org" },
	{ L_REFUSED_DNS, XDPB_ACT_REFUSED, "y.web.example.org" },
	{ L_ALLOW, XDPB_ACT_ALLOW, "=ok.example.com" },
	{ L_MONITOR, XDPB_ACT_MONITOR, "mon.example.org" },
	{ L_RESET, XDPB_ACT_RESET, "reset.example.net" },
};

static const struct list_form list_forms[] = {
	{ L_DNS_ONLY, XDPB_ACT_NONE, XDPB_VIEW_DNS },
	{ L_SINK, XDPB_ACT_NONE, XDPB_VIEW_WEB },
	{ L_REFUSED_DNS, XDPB_ACT_NONE, XDPB_VIEW_DNS },
};
/* clang-format on */

struct web_case {
	const char *name;
	/* the segment */
	uint16_t tpid[3]; /* VLAN tags, outermost first; 0 ends */
	int v6;
	const char *src, *dst; /* client, server; defaults C4/S4, C6/S6 */
	uint16_t dport; /* 0: 80 for HTTP, 443 for TLS */
	const char *http; /* the request, as is */
	int syn; /* a SYN without data */
	int fin; /* a FIN with the data */
	int rst; /* a RST (with ACK) */
	int ip_options; /* 8 bytes of IPv4 options */
	int unparsed; /* the Host in it is not one the datapath reads */
	/* a ClientHello instead of an HTTP request */
	int tls;
	const char *sni; /* NULL: no server_name extension */
	int sni_last; /* server_name after a post-quantum key share */
	int fault; /* enum tls_fault */
	size_t cut; /* bytes of the ClientHello left out of the segment */
	/* expected */
	uint32_t verdict;
	uint16_t list; /* the deciding rule's list, 0: none */
	const char *rule; /* its name (domain rules) or prefix (address) */
	int stat;
	int malformed; /* the malformed slot that must move, 0: none */
};

#define C4 "192.0.2.2"
#define S4 "198.51.100.2"
#define C6 "2001:db8:1::2"
#define S6 "2001:db8:2::2"

/* besides xdprun.h's DROP_BY, ALLOW_BY, MONITOR_BY and NO_MATCH */
#define RESET_BY(l, r) \
	.verdict = XDP_TX, .list = l, .rule = r, .stat = XDPB_STAT_RESET
#define MALFORMED_TLS                                \
	.verdict = XDP_PASS, .stat = XDPB_STAT_PASS, \
	.malformed = XDPB_STAT_MALFORMED_TLS
#define MALFORMED_HTTP                               \
	.verdict = XDP_PASS, .stat = XDPB_STAT_PASS, \
	.malformed = XDPB_STAT_MALFORMED_HTTP

#define GET(host) \
	"GET /index.html HTTP/1.1\r\nHost: " host "\r\nAccept: */*\r\n\r\n"

static char http_longest[400], http_deepest[400], longest_dot[300];

/* What is wrong with a crafted ClientHello. */
enum tls_fault {
	TF_NONE,
	TF_EXT_LEN, /* the extensions run past the ClientHello */
	TF_EXT_PAST, /* one extension runs past the extensions */
	TF_SNI_LIST_LEN, /* the name list runs past its extension */
	TF_SNI_TYPE, /* a name of type 1, not host_name */
	TF_NAME_EMPTY, /* a host_name of 0 bytes */
	TF_NAME_PAST, /* the name runs past its list */
	TF_TWO_RECORDS, /* the record is shorter than the ClientHello */
	TF_NOT_HELLO, /* a handshake message of another type */
	TF_APP_DATA, /* an application data record */
	TF_SID_33, /* a session id of 33 bytes */
};

/* clang-format off */
static const struct web_case cases[] = {
	/* HTTP Host */
	{ "http_suffix_self", .http = GET("example.com"), DROP_BY(L_DROP, "example.com") },
	{ "http_below", .http = GET("www.example.com"), DROP_BY(L_DROP, "example.com") },
	{ "http_upper_case",
	  .http = "GET / HTTP/1.1\r\nHOST: WWW.Example.COM\r\n\r\n", DROP_BY(L_DROP, "example.com") },
	{ "http_port", .http = GET("www.example.com:8080"), DROP_BY(L_DROP, "example.com") },
	{ "http_trailing_dot", .http = GET("www.example.com."), DROP_BY(L_DROP, "example.com") },
	{ "http_trailing_dot_port", .http = GET("www.example.com.:80"),
	  DROP_BY(L_DROP, "example.com") },
	{ "http_no_space_tab", .http = "POST /form HTTP/1.1\r\nUser-Agent: t\r\nhost:\texample.com\r\n\r\n",
	  DROP_BY(L_DROP, "example.com") },
	{ "http_host_late", .http = "HEAD / HTTP/1.1\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n"
	  "Accept-Language: en\r\nX-Long: 0123456789012345678901234567890123456789\r\n"
	  "Host: a.b.example.com\r\n\r\n", DROP_BY(L_DROP, "example.com") },
	{ "http_deepest", .http = http_deepest, DROP_BY(L_DROP, "example.com") },
	{ "http_longest_exact", .http = http_longest, DROP_BY(L_DROP, LONGEST) },
	{ "http_exact", .http = GET("exact.example.net"), DROP_BY(L_DROP, "exact.example.net") },
	{ "http_below_exact", .http = GET("a.exact.example.net"), NO_MATCH },
	{ "http_not_below", .http = GET("wwwexample.com"), NO_MATCH },
	{ "http_not_listed", .http = GET("example.net"), NO_MATCH },
	/*
	 * a listed name is blocked on every protocol: a DNS answer list
	 * resets, its longer name beating the drop of the shorter; a list
	 * with protocols = dns leaves the name to the shorter drop
	 */
	{ "http_nxdomain_rule_resets", .http = GET("x.web.example.org"),
	  RESET_BY(L_NX, "x.web.example.org") },
	{ "http_nxdomain_list_resets", .http = GET("www.nx.example.org"),
	  RESET_BY(L_NX, "nx.example.org") },
	{ "http_sinkhole_web_only_resets", .http = GET("sink.example.org"),
	  RESET_BY(L_SINK, "sink.example.org") },
	{ "http_protocols_dns_list", .http = GET("dnsonly.example.org"), NO_MATCH },
	{ "http_protocols_dns_rule_skipped", .http = GET("a.y.web.example.org"),
	  DROP_BY(L_DROP, "web.example.org") },
	{ "http_allow_exact", .http = GET("ok.example.com"), ALLOW_BY(L_ALLOW, "ok.example.com") },
	{ "http_monitor", .http = GET("mon.example.org"), MONITOR_BY(L_MONITOR, "mon.example.org") },
	{ "http_ip_allow_beats_name", .src = "10.77.0.1", .http = GET("www.example.com"),
	  ALLOW_BY(L_IP_ALLOW, "10.77.0.1/32") },
	{ "http_ip_drop", .src = "10.88.1.1", .http = GET("example.net"),
	  DROP_BY(L_IP_DROP, "10.88.0.0/16") },
	/* not what we match */
	{ "http_other_port", .dport = 8080, .http = GET("www.example.com"), NO_MATCH },
	{ "http_syn", .syn = 1, NO_MATCH },
	{ "http_not_a_request", .unparsed = 1, .http = "HELLO www.example.com\r\nHost: example.com\r\n\r\n", NO_MATCH },
	{ "http_lower_case_method", .unparsed = 1, .http = "get / HTTP/1.1\r\nHost: example.com\r\n\r\n", NO_MATCH },
	{ "http_no_host", .http = "GET / HTTP/1.0\r\nAccept: */*\r\n\r\n", NO_MATCH },
	{ "http_host_in_body", .unparsed = 1, .http = "POST / HTTP/1.1\r\nContent-Length: 19\r\n\r\nHost: example.com\r\n",
	  NO_MATCH },
	{ "http_x_forwarded_host", .http = "GET / HTTP/1.1\r\nX-Forwarded-Host: example.com\r\n"
	  "Host: example.net\r\n\r\n", NO_MATCH },
	{ "http_ip_literal", .http = GET("[2001:db8::1]:80"), NO_MATCH },
	/* malformed names pass, counted */
	{ "http_empty_label", .http = GET("www..example.com"), MALFORMED_HTTP },
	{ "http_leading_dot", .http = GET(".example.com"), MALFORMED_HTTP },
	{ "http_label_64", .http = GET(L64 ".example.com"), MALFORMED_HTTP },
	{ "http_name_over_253", .http = GET(LONGEST ".com"), MALFORMED_HTTP },
	{ "http_empty_host", .http = GET(""), MALFORMED_HTTP },
	{ "http_cut_in_name", .http = "GET / HTTP/1.1\r\nHost: www.exam", MALFORMED_HTTP },
	{ "http_control_byte", .http = GET("www.exa\x01mple.com"), MALFORMED_HTTP },
	/* VLAN, IPv6 */
	{ "http_vlan", .tpid = { ETH_P_8021Q }, .http = GET("www.example.com"),
	  DROP_BY(L_DROP, "example.com") },
	{ "http_qinq", .tpid = { ETH_P_8021AD, ETH_P_8021Q }, .http = GET("www.example.com"),
	  DROP_BY(L_DROP, "example.com") },
	{ "http_v6", .v6 = 1, .http = GET("Www.Example.Com"), DROP_BY(L_DROP, "example.com") },
	{ "http_v6_vlan_not_listed", .v6 = 1, .tpid = { ETH_P_8021Q }, .http = GET("example.org"),
	  NO_MATCH },
	{ "http_v6_malformed", .v6 = 1, .http = GET("a..b"), MALFORMED_HTTP },
	/* TLS SNI */
	{ "tls_sni", .tls = 1, .sni = "www.example.com", DROP_BY(L_DROP, "example.com") },
	{ "tls_sni_after_pq_key_share", .tls = 1, .sni = "www.example.com", .sni_last = 1,
	  DROP_BY(L_DROP, "example.com") },
	{ "tls_upper_case", .tls = 1, .sni = "WWW.EXAMPLE.Com", DROP_BY(L_DROP, "example.com") },
	{ "tls_trailing_dot", .tls = 1, .sni = "www.example.com.", .sni_last = 1,
	  DROP_BY(L_DROP, "example.com") },
	{ "tls_deepest", .tls = 1, .sni = deepest, DROP_BY(L_DROP, "example.com") },
	{ "tls_longest_exact_dot", .tls = 1, .sni = longest_dot,
	  DROP_BY(L_DROP, LONGEST) },
	{ "tls_exact", .tls = 1, .sni = "exact.example.net", DROP_BY(L_DROP, "exact.example.net") },
	{ "tls_below_exact", .tls = 1, .sni = "a.exact.example.net", NO_MATCH },
	{ "tls_not_listed", .tls = 1, .sni = "example.org", .sni_last = 1, NO_MATCH },
	{ "tls_nxdomain_rule_resets", .tls = 1, .sni = "x.web.example.org",
	  RESET_BY(L_NX, "x.web.example.org") },
	{ "tls_nxdomain_list_resets", .tls = 1, .v6 = 1, .sni = "nx.example.org",
	  RESET_BY(L_NX, "nx.example.org") },
	{ "tls_sinkhole_web_only_resets", .tls = 1, .sni = "a.sink.example.org",
	  RESET_BY(L_SINK, "sink.example.org") },
	{ "tls_protocols_dns_list", .tls = 1, .sni = "dnsonly.example.org", NO_MATCH },
	{ "tls_protocols_dns_rule_skipped", .tls = 1, .sni = "y.web.example.org",
	  DROP_BY(L_DROP, "web.example.org") },
	{ "tls_allow_exact", .tls = 1, .sni = "ok.example.com", ALLOW_BY(L_ALLOW, "ok.example.com") },
	{ "tls_monitor", .tls = 1, .sni = "mon.example.org", MONITOR_BY(L_MONITOR, "mon.example.org") },
	{ "tls_port_853", .tls = 1, .dport = 853, .sni = "www.example.com",
	  DROP_BY(L_DROP, "example.com") },
	{ "tls_other_port", .tls = 1, .dport = 8443, .sni = "www.example.com", NO_MATCH },
	{ "tls_ip_allow_beats_name", .tls = 1, .src = "10.77.0.1", .sni = "www.example.com",
	  ALLOW_BY(L_IP_ALLOW, "10.77.0.1/32") },
	{ "tls_vlan", .tls = 1, .tpid = { ETH_P_8021Q }, .sni = "www.example.com", .sni_last = 1,
	  DROP_BY(L_DROP, "example.com") },
	{ "tls_qinq", .tls = 1, .tpid = { ETH_P_8021AD, ETH_P_8021Q }, .sni = "www.example.com",
	  DROP_BY(L_DROP, "example.com") },
	{ "tls_v6", .tls = 1, .v6 = 1, .sni = "www.example.com", .sni_last = 1,
	  DROP_BY(L_DROP, "example.com") },
	{ "tls_v6_qinq_not_listed", .tls = 1, .v6 = 1, .tpid = { ETH_P_8021AD, ETH_P_8021Q },
	  .sni = "example.org", .sni_last = 1, NO_MATCH },
	/* not a ClientHello with a name: passes, not counted as malformed */
	{ "tls_no_sni", .tls = 1, NO_MATCH },
	{ "tls_not_client_hello", .tls = 1, .sni = "www.example.com", .fault = TF_NOT_HELLO, NO_MATCH },
	{ "tls_app_data", .tls = 1, .sni = "www.example.com", .fault = TF_APP_DATA, NO_MATCH },
	{ "tls_syn", .tls = 1, .syn = 1, NO_MATCH },
	/* cut: the rest would come in the next segment (no flow state here) */
	{ "tls_sni_not_in_segment", .tls = 1, .sni = "www.example.com", .sni_last = 1,
	  .cut = 40, NO_MATCH },
	/* malformed ClientHellos and names pass, counted */
	{ "tls_ext_len", .tls = 1, .sni = "www.example.com", .fault = TF_EXT_LEN, MALFORMED_TLS },
	{ "tls_ext_past", .tls = 1, .sni = "www.example.com", .fault = TF_EXT_PAST, MALFORMED_TLS },
	{ "tls_sni_list_len", .tls = 1, .sni = "www.example.com", .fault = TF_SNI_LIST_LEN,
	  MALFORMED_TLS },
	{ "tls_sni_type", .tls = 1, .sni = "www.example.com", .fault = TF_SNI_TYPE, MALFORMED_TLS },
	{ "tls_name_empty", .tls = 1, .sni = "www.example.com", .fault = TF_NAME_EMPTY,
	  MALFORMED_TLS },
	{ "tls_name_past_list", .tls = 1, .sni = "www.example.com", .fault = TF_NAME_PAST,
	  MALFORMED_TLS },
	{ "tls_two_records", .tls = 1, .sni = "www.example.com", .fault = TF_TWO_RECORDS,
	  MALFORMED_TLS },
	{ "tls_session_id_33", .tls = 1, .sni = "www.example.com", .fault = TF_SID_33, MALFORMED_TLS },
	{ "tls_name_empty_label", .tls = 1, .sni = "www..example.com", MALFORMED_TLS },
	{ "tls_name_label_64", .tls = 1, .sni = L64 ".example.com", MALFORMED_TLS },
	{ "tls_name_over_253", .tls = 1, .sni = LONGEST ".com", MALFORMED_TLS },
	{ "tls_name_space", .tls = 1, .sni = "www.example.com ", MALFORMED_TLS },
	{ "tls_v6_vlan_malformed", .tls = 1, .v6 = 1, .tpid = { ETH_P_8021Q }, .sni = "a..b",
	  MALFORMED_TLS },
	/* reset: a RST to the client, checked byte for byte */
	{ "tls_reset", .tls = 1, .sni = "www.reset.example.net", RESET_BY(L_RESET, "reset.example.net") },
	{ "tls_reset_pq", .tls = 1, .sni = "Reset.Example.Net.", .sni_last = 1,
	  RESET_BY(L_RESET, "reset.example.net") },
	{ "tls_reset_v6", .tls = 1, .v6 = 1, .sni = "reset.example.net",
	  RESET_BY(L_RESET, "reset.example.net") },
	{ "tls_reset_qinq", .tls = 1, .tpid = { ETH_P_8021AD, ETH_P_8021Q },
	  .sni = "reset.example.net", RESET_BY(L_RESET, "reset.example.net") },
	{ "tls_reset_v6_vlan", .tls = 1, .v6 = 1, .tpid = { ETH_P_8021Q },
	  .sni = "a.reset.example.net", RESET_BY(L_RESET, "reset.example.net") },
	{ "http_reset", .http = GET("reset.example.net"), RESET_BY(L_RESET, "reset.example.net") },
	{ "http_reset_fin", .fin = 1, .http = GET("reset.example.net:80"),
	  RESET_BY(L_RESET, "reset.example.net") },
	{ "http_reset_v6_qinq", .v6 = 1, .tpid = { ETH_P_8021AD, ETH_P_8021Q },
	  .http = GET("x.reset.example.net"), RESET_BY(L_RESET, "reset.example.net") },
	/* IPv4 options are not answered: the segment is dropped, counted as reset */
	{ "http_reset_ip_options_dropped", .ip_options = 1, .http = GET("reset.example.net"),
	  .verdict = XDP_DROP, .list = L_RESET, .rule = "reset.example.net",
	  .stat = XDPB_STAT_RESET },
	{ "http_ip_options_drop", .ip_options = 1, .http = GET("www.example.com"),
	  DROP_BY(L_DROP, "example.com") },
};
/* clang-format on */

/* ---- frames ----------------------------------------------------------------- */

/*
 * The client's port: one per row, so that each row is a flow of its own
 * and no row meets a verdict an earlier one left in the flow cache.
 */
static uint16_t client_port = 40000;
/* The client's sequence number of the next segment built. */
static uint32_t client_seq = 1000;

#define TCP_SEQ client_seq
#define TCP_ACK 2000
#define TCP_SYN 0x02
#define TCP_PSH_ACK 0x18
#define TCP_FIN 0x01
#define TCP_RST_ACK 0x14

/*
 * The client's segment of row @c, carrying @payload; or (@reset) the RST
 * the datapath must send back for a segment of @len payload bytes, built
 * from the row alone.
 */
static void build_frame(const struct web_case *c, struct frame *f,
			const void *payload, size_t len, int reset)
{
	const char *src = c->src ? c->src : c->v6 ? C6 : C4;
	const char *dst = c->dst ? c->dst : c->v6 ? S6 : S4;
	uint16_t cport = client_port, sport = c->dport ? c->dport
					      : c->tls ? 443
						       : 80;
	size_t l3, l4;

	frame_init(f);
	l2_tagged_put(f, c->tpid, c->v6, reset);
	if (reset) {
		const char *t = src;

		src = dst;
		dst = t;
	}
	l3 = c->v6 ? ipv6_put(f, src, dst, IPPROTO_TCP)
		   : ipv4_put(f, src, dst, IPPROTO_TCP,
			      c->ip_options && !reset ? 8 : 0, IPV4_DF);
	l4 = f->len;
	put_be16(f, reset ? sport : cport);
	put_be16(f, reset ? cport : sport);
	if (reset) {
		put_be32(f, TCP_ACK);
		put_be32(f, TCP_SEQ + len + (c->fin ? 1 : 0));
		put_u8(f, 5 << 4);
		put_u8(f, TCP_RST_ACK);
		put_be16(f, 0); /* window */
	} else {
		put_be32(f, TCP_SEQ);
		put_be32(f, c->syn ? 0 : TCP_ACK);
		put_u8(f, 5 << 4);
		put_u8(f, c->syn   ? TCP_SYN
			  : c->rst ? TCP_RST_ACK
				   : TCP_PSH_ACK | (c->fin ? TCP_FIN : 0));
		put_be16(f, 65535);
	}
	put_be16(f, 0); /* checksum: below */
	put_be16(f, 0);
	if (payload && !reset)
		put_bytes(f, payload, len);
	if (c->v6)
		ipv6_finish(f, l3);
	else
		ipv4_finish(f, l3);
	set_be16(f, l4 + 16, l4_checksum(f, l3, l4, IPPROTO_TCP, c->v6));
}

/* ---- ClientHellos ------------------------------------------------------- */

struct bytes {
	uint8_t b[FRAME_MAX];
	size_t n;
};

static void b_u8(struct bytes *o, uint8_t v)
{
	if (o->n >= sizeof(o->b))
		abort();
	o->b[o->n++] = v;
}

static void b_be16(struct bytes *o, uint16_t v)
{
	b_u8(o, v >> 8);
	b_u8(o, v);
}

static void b_fill(struct bytes *o, uint8_t v, size_t n)
{
	while (n--)
		b_u8(o, v);
}

static void b_set16(struct bytes *o, size_t at, uint16_t v)
{
	o->b[at] = v >> 8;
	o->b[at + 1] = v;
}

/* Bytes of the X25519MLKEM768 key share a 2025 browser sends. */
#define PQ_KEY_SHARE 1216

static void ext_sni_put(struct bytes *o, const char *sni, int fault)
{
	size_t n = strlen(sni);

	b_be16(o, 0); /* server_name */
	b_be16(o, 5 + n);
	b_be16(o, 3 + n + (fault == TF_SNI_LIST_LEN ? 40 : 0));
	b_u8(o, fault == TF_SNI_TYPE ? 1 : 0);
	b_be16(o, fault == TF_NAME_EMPTY ? 0
					 : n + (fault == TF_NAME_PAST ? 1 : 0));
	for (size_t i = 0; i < n; i++)
		b_u8(o, sni[i]);
}

/*
 * A TLS 1.3 ClientHello as browsers send it: GREASE, supported_versions,
 * a post-quantum key share and an X25519 one, the server_name before or
 * after them, ALPN; then the @fault asked for.
 */
static void tls_hello_put(struct bytes *o, const struct web_case *c)
{
	size_t rec, hs, exts, ks;

	b_u8(o, c->fault == TF_APP_DATA ? 0x17 : 0x16);
	b_be16(o, 0x0301);
	rec = o->n;
	b_be16(o, 0);
	b_u8(o, c->fault == TF_NOT_HELLO ? 2 : 1);
	hs = o->n;
	b_u8(o, 0);
	b_be16(o, 0);
	b_be16(o, 0x0303);
	b_fill(o, 0x5a, 32); /* random */
	b_u8(o, c->fault == TF_SID_33 ? 33 : 32);
	b_fill(o, 0x33, c->fault == TF_SID_33 ? 33 : 32);
	b_be16(o, 6);
	b_be16(o, 0x1301);
	b_be16(o, 0x1302);
	b_be16(o, 0x1303);
	b_u8(o, 1);
	b_u8(o, 0); /* null compression */
	exts = o->n;
	b_be16(o, 0);
	b_be16(o, 0x2a2a); /* GREASE */
	b_be16(o, c->fault == TF_EXT_PAST ? 0x7fff : 0);
	if (c->sni && !c->sni_last)
		ext_sni_put(o, c->sni, c->fault);
	b_be16(o, 0x002b); /* supported_versions: TLS 1.3, 1.2 */
	b_be16(o, 5);
	b_u8(o, 4);
	b_be16(o, 0x0304);
	b_be16(o, 0x0303);
	if (c->sni_last) {
		b_be16(o, 0x0033); /* key_share */
		ks = o->n;
		b_be16(o, 0);
		b_be16(o, 0);
		b_be16(o, 0x11ec); /* X25519MLKEM768 */
		b_be16(o, PQ_KEY_SHARE);
		b_fill(o, 0x4b, PQ_KEY_SHARE);
		b_be16(o, 0x001d); /* X25519 */
		b_be16(o, 32);
		b_fill(o, 0x58, 32);
		b_set16(o, ks, o->n - ks - 2);
		b_set16(o, ks + 2, o->n - ks - 4);
	}
	if (c->sni && c->sni_last)
		ext_sni_put(o, c->sni, c->fault);
	b_be16(o, 0x0010); /* ALPN: h2 */
	b_be16(o, 5);
	b_be16(o, 3);
	b_u8(o, 2);
	b_u8(o, 'h');
	b_u8(o, '2');
	b_set16(o, exts, o->n - exts - 2 + (c->fault == TF_EXT_LEN ? 9 : 0));
	o->b[hs] = (o->n - hs - 3) >> 16;
	b_set16(o, hs + 1, o->n - hs - 3);
	b_set16(o, rec, o->n - rec - 2 - (c->fault == TF_TWO_RECORDS ? 10 : 0));
}

/* ---- the rule set ------------------------------------------------------- */

static int build_ruleset(struct ruleset *rs)
{
	return build_name_ruleset(rs, name_defs,
				  sizeof(name_defs) / sizeof(name_defs[0]),
				  list_forms,
				  sizeof(list_forms) / sizeof(list_forms[0]),
				  L_IP_ALLOW, L_IP_DROP);
}

/* ---- the table ------------------------------------------------------------ */

static struct loader ld;
static struct ruleset rs;

static struct counts before, after;

/*
 * The interface slot of a name verdict that row @c's segment moves when
 * rule @id of @set decides it: 0 for none or an address rule.
 */
static int name_slot_of(const struct ruleset *set, const struct web_case *c,
			uint32_t id)
{
	for (size_t i = 0; id && i < set->names.nr; i++)
		if (set->names.rules[i].rule_id == id)
			return c->tls ? XDPB_STAT_NAME_TLS
				      : XDPB_STAT_NAME_HTTP;
	return 0;
}

/*
 * Run @f and check the verdict, that only the rule @want_id moved (by one
 * packet of f->len bytes), and the interface slots @stat, @malformed and
 * @name_stat. Returns the result for further checks.
 */
static void run_frame(const struct frame *f, uint32_t verdict, uint32_t want_id,
		      int stat, int malformed, int name_stat,
		      struct xdp_result *res)
{
	int err;

	counts_take(&ld, &before);
	err = xdp_run(loader_prog_fd(&ld), f, res);
	counts_take(&ld, &after);
	CHECK(!err, "BPF_PROG_TEST_RUN (%zu bytes): %s", f->len,
	      strerror(-err));
	if (err)
		return;
	CHECK(res->retval == verdict, "verdict %s, expected %s",
	      xdp_verdict_name(res->retval), xdp_verdict_name(verdict));
	if (verdict == XDP_PASS)
		CHECK(res->out_len == f->len &&
			      !memcmp(res->out, f->data, f->len),
		      "a passed frame came out changed");
	counts_check(&before, &after, want_id, f->len, stat, malformed,
		     name_stat);
}

/* The frame sent back is @want, byte for byte. */
static void reply_check(const struct xdp_result *res, const struct frame *want)
{
	CHECK(res->out_len == want->len, "reply of %u bytes, expected %zu",
	      res->out_len, want->len);
	for (size_t i = 0; i < want->len && i < res->out_len; i++)
		if (res->out[i] != want->data[i]) {
			CHECK(0, "reply byte %zu is 0x%02x, expected 0x%02x", i,
			      res->out[i], want->data[i]);
			break;
		}
}

static void run_case(const struct web_case *c)
{
	uint32_t want_id = c->list ? rule_id_of(&rs, c->list, c->rule) : 0;
	struct xdp_result res;
	struct frame f;

	if (c->list)
		CHECK(want_id, "no rule %s in list %u", c->rule, c->list);
	static struct bytes payload;
	struct frame want;

	memset(&payload, 0, sizeof(payload));
	if (c->tls && !c->syn) {
		tls_hello_put(&payload, c);
		payload.n -= c->cut;
	} else if (c->http) {
		payload.n = strlen(c->http);
		memcpy(payload.b, c->http, payload.n);
	}
	build_frame(c, &f, payload.b, payload.n, 0);
	run_frame(&f, c->verdict, want_id, c->stat, c->malformed,
		  name_slot_of(&rs, c, want_id), &res);
	if (c->verdict == XDP_TX && res.retval == XDP_TX) {
		build_frame(c, &want, NULL, payload.n, 1);
		reply_check(&res, &want);
	}
}

/* ---- the flow cache ------------------------------------------------------ */

/* Later segments of one flow: @data bytes of payload, not a ClientHello. */
static void flow_segment(const struct web_case *c, size_t data,
			 uint32_t verdict, uint32_t want_id, int stat)
{
	static uint8_t junk[1200];
	struct xdp_result res;
	struct frame f, want;

	memset(junk, 0x17, sizeof(junk)); /* TLS application data, say */
	build_frame(c, &f, junk, data, 0);
	run_frame(&f, verdict, want_id, stat, 0, name_slot_of(&rs, c, want_id),
		  &res);
	if (verdict == XDP_TX && res.retval == XDP_TX) {
		build_frame(c, &want, NULL, data, 1);
		reply_check(&res, &want);
	}
	client_seq += data;
}

/* The first data segment of row @c: its ClientHello or request. */
static size_t flow_first(const struct web_case *c, uint32_t want_id)
{
	static struct bytes payload;
	struct xdp_result res;
	struct frame f;

	memset(&payload, 0, sizeof(payload));
	if (c->tls) {
		tls_hello_put(&payload, c);
	} else {
		payload.n = strlen(c->http);
		memcpy(payload.b, c->http, payload.n);
	}
	build_frame(c, &f, payload.b, payload.n, 0);
	run_frame(&f, c->verdict, want_id, c->stat, 0,
		  name_slot_of(&rs, c, want_id), &res);
	return payload.n;
}

static uint32_t rule_of(const struct web_case *c)
{
	return c->list ? rule_id_of(&rs, c->list, c->rule) : 0;
}

/* A blocked ClientHello: every later segment of the flow is dropped. */
static void flow_drop_later_segments(void)
{
	struct web_case c = {.tls = 1,
			     .sni = "www.example.com",
			     DROP_BY(L_DROP, "example.com")};
	uint32_t id = rule_of(&c);

	client_port = 31001;
	client_seq = 1000;
	client_seq += flow_first(&c, id);
	flow_segment(&c, 300, XDP_DROP, id, XDPB_STAT_DROP);
	flow_segment(&c, 0, XDP_DROP, id, XDPB_STAT_DROP); /* a pure ACK */
	c.fin = 1;
	flow_segment(&c, 0, XDP_DROP, id, XDPB_STAT_DROP);
	/* the server's segments are not the flow's key: they pass */
	{
		struct web_case back = c;
		struct xdp_result res;
		struct frame f;

		back.src = S4;
		back.dst = C4;
		back.dport = 31001;
		client_port = 443;
		build_frame(&back, &f, "reply", 5, 0);
		run_frame(&f, XDP_PASS, 0, XDPB_STAT_PASS, 0, 0, &res);
	}
}

/* A reset flow: later data gets a RST again, a RST from the client none. */
static void flow_reset_later_segments(void)
{
	struct web_case c = {.http = GET("reset.example.net"),
			     RESET_BY(L_RESET, "reset.example.net")};
	uint32_t id = rule_of(&c);

	client_port = 31002;
	client_seq = 5000;
	client_seq += flow_first(&c, id);
	flow_segment(&c, 40, XDP_TX, id, XDPB_STAT_RESET);
	c.rst = 1;
	flow_segment(&c, 0, XDP_DROP, id, XDPB_STAT_RESET);
}

/* A SYN on the four-tuple is a new connection: the old verdict goes. */
static void flow_syn_starts_over(void)
{
	struct web_case c = {.tls = 1,
			     .v6 = 1,
			     .tpid = {ETH_P_8021Q},
			     .sni = "www.example.com",
			     DROP_BY(L_DROP, "example.com")};
	struct web_case syn = c;
	uint32_t id = rule_of(&c);
	struct xdp_result res;
	struct frame f;

	client_port = 31003;
	client_seq = 1000;
	client_seq += flow_first(&c, id);
	flow_segment(&c, 100, XDP_DROP, id, XDPB_STAT_DROP);
	syn.syn = 1;
	build_frame(&syn, &f, NULL, 0, 0);
	run_frame(&f, XDP_PASS, 0, XDPB_STAT_PASS, 0, 0, &res);
	flow_segment(&c, 100, XDP_PASS, 0, XDPB_STAT_PASS);
}

/*
 * A reload makes a new generation: a verdict remembered under the old one
 * no longer decides, but the flow's ClientHello, retransmitted, is matched
 * again.
 */
static void flow_reload_forgets(void)
{
	struct web_case c = {.tls = 1,
			     .sni = "a.example.com",
			     DROP_BY(L_DROP, "example.com")};
	uint32_t id = rule_of(&c);
	int err;

	client_port = 31004;
	client_seq = 1000;
	flow_first(&c, id);
	flow_segment(&c, 0, XDP_DROP, id, XDPB_STAT_DROP);
	err = loader_activate(&ld, &rs, NULL, NULL);
	CHECK(!err, "reload: %s", strerror(-err));
	flow_segment(&c, 0, XDP_PASS, 0, XDPB_STAT_PASS);
	flow_first(&c, id);
	flow_segment(&c, 0, XDP_DROP, id, XDPB_STAT_DROP);
}

/* Only blocks are remembered: a monitored flow's later data passes. */
static void flow_monitor_not_cached(void)
{
	struct web_case c = {.tls = 1,
			     .sni = "mon.example.org",
			     MONITOR_BY(L_MONITOR, "mon.example.org")};

	client_port = 31005;
	client_seq = 1000;
	client_seq += flow_first(&c, rule_of(&c));
	flow_segment(&c, 200, XDP_PASS, 0, XDPB_STAT_PASS);
}

/* ---- ClientHellos over several segments ----------------------------------- */

/* One segment of a split ClientHello: bytes [from, to) and what it gets. */
struct seg {
	size_t from, to;
	uint32_t verdict;
	int by_rule; /* counted on the row's rule */
	int stat;
	int malformed;
};

#define SEG_PASS(a, b)                               \
	{                                            \
		a, b, XDP_PASS, 0, XDPB_STAT_PASS, 0 \
	}
#define SEG_DROP(a, b)                               \
	{                                            \
		a, b, XDP_DROP, 1, XDPB_STAT_DROP, 0 \
	}
#define SEG_RESET(a, b)                             \
	{                                           \
		a, b, XDP_TX, 1, XDPB_STAT_RESET, 0 \
	}
#define SEG_STAT(a, b, st)                            \
	{                                             \
		a, b, XDP_PASS, 0, XDPB_STAT_PASS, st \
	}
#define HELLO_END ((size_t)-1)

static struct bytes split_hello;

/* Where @text first occurs in the ClientHello of the last split_run(). */
static size_t hello_find(const struct web_case *c, const char *text)
{
	size_t n = strlen(text);

	memset(&split_hello, 0, sizeof(split_hello));
	tls_hello_put(&split_hello, c);
	for (size_t i = 0; i + n <= split_hello.n; i++)
		if (!memcmp(split_hello.b + i, text, n))
			return i;
	CHECK(0, "'%s' not in the ClientHello", text);
	return 0;
}

/*
 * Send row @c's ClientHello as the segments @segs (stream offsets from
 * the ClientHello's first byte; HELLO_END for its end) in that order, each
 * checked as run_frame() checks a row. A RST must acknowledge exactly the
 * segment it answers.
 */
static void split_run(const struct web_case *c, uint16_t port,
		      const struct seg *segs, int nr)
{
	uint32_t id = c->list ? rule_id_of(&rs, c->list, c->rule) : 0;

	memset(&split_hello, 0, sizeof(split_hello));
	tls_hello_put(&split_hello, c);
	client_port = port;
	for (int i = 0; i < nr; i++) {
		size_t to = segs[i].to == HELLO_END ? split_hello.n
						    : segs[i].to;
		size_t len = to - segs[i].from;
		struct xdp_result res;
		struct frame f, want;

		client_seq = 1000 + segs[i].from;
		build_frame(c, &f, split_hello.b + segs[i].from, len, 0);
		run_frame(&f, segs[i].verdict, segs[i].by_rule ? id : 0,
			  segs[i].stat, segs[i].malformed,
			  name_slot_of(&rs, c, segs[i].by_rule ? id : 0), &res);
		if (tl_case_failed) {
			printf("  (segment %d: bytes %zu..%zu)\n", i + 1,
			       segs[i].from, to);
			return;
		}
		if (segs[i].verdict == XDP_TX && res.retval == XDP_TX) {
			build_frame(c, &want, NULL, len, 1);
			reply_check(&res, &want);
		}
	}
}

static const struct web_case pq_blocked = {.tls = 1,
					   .sni = "www.example.com",
					   .sni_last = 1,
					   DROP_BY(L_DROP, "example.com")};

/* The SNI in the second segment, as a browser's post-quantum key share puts it. */
static void split_sni_in_second(void)
{
	const struct seg segs[] = {SEG_PASS(0, 600), SEG_DROP(600, HELLO_END),
				   SEG_DROP(HELLO_END, HELLO_END)};

	split_run(&pq_blocked, 32001, segs, 2);
	/* and the flow's later segments are dropped without parsing */
	flow_segment(&pq_blocked, 50, XDP_DROP,
		     rule_id_of(&rs, L_DROP, "example.com"), XDPB_STAT_DROP);
	(void)segs[2];
}

/* Three segments, the cut inside the key share. */
static void split_three_segments(void)
{
	const struct seg segs[] = {SEG_PASS(0, 300), SEG_PASS(300, 900),
				   SEG_DROP(900, HELLO_END)};

	split_run(&pq_blocked, 32002, segs, 3);
}

/* Cuts inside the name, the server_name header, the record header. */
static void split_in_fields(void)
{
	size_t name = hello_find(&pq_blocked, "www.example.com");
	const size_t cuts[] = {name + 5, name - 2, name - 7, name - 9, 3, 1};

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		const struct seg segs[] = {SEG_PASS(0, cuts[i]),
					   SEG_DROP(cuts[i], HELLO_END)};

		split_run(&pq_blocked, 32010 + i, segs, 2);
		if (tl_case_failed) {
			printf("  (cut at %zu)\n", cuts[i]);
			return;
		}
	}
}

/* A name on no list: every segment passes; the walk's entry is gone. */
static void split_not_listed(void)
{
	const struct web_case c = {
		.tls = 1, .sni = "example.org", .sni_last = 1, NO_MATCH};
	const struct seg segs[] = {SEG_PASS(0, 700), SEG_PASS(700, HELLO_END),
				   SEG_PASS(HELLO_END, HELLO_END)};

	split_run(&c, 32020, segs, 2);
	flow_segment(&c, 60, XDP_PASS, 0, XDPB_STAT_PASS);
	(void)segs[2];
}

/* A retransmitted first segment changes nothing; an overlap continues. */
static void split_retransmit_overlap(void)
{
	const struct seg retransmit[] = {SEG_PASS(0, 500), SEG_PASS(0, 500),
					 SEG_DROP(500, HELLO_END)};
	const struct seg overlap[] = {SEG_PASS(0, 600),
				      SEG_DROP(400, HELLO_END)};

	split_run(&pq_blocked, 32030, retransmit, 3);
	split_run(&pq_blocked, 32031, overlap, 2);
}

/*
 * Out of order: the third segment overtakes the second. The walk is given
 * up and counted; nothing is dropped.
 */
static void split_out_of_order(void)
{
	const struct seg segs[] = {SEG_PASS(0, 400),
				   SEG_STAT(800, HELLO_END,
					    XDPB_STAT_TLS_OUT_OF_ORDER),
				   SEG_PASS(400, 800)};

	split_run(&pq_blocked, 32040, segs, 3);
}

/* IPv6 with a VLAN tag, and a reset that answers the second segment. */
static void split_v6_vlan_reset(void)
{
	struct web_case c = pq_blocked;
	const struct web_case r = {.tls = 1,
				   .v6 = 1,
				   .sni = "reset.example.net",
				   .sni_last = 1,
				   RESET_BY(L_RESET, "reset.example.net")};
	const struct seg drop[] = {SEG_PASS(0, 1000),
				   SEG_DROP(1000, HELLO_END)};
	const struct seg reset[] = {SEG_PASS(0, 700),
				    SEG_RESET(700, HELLO_END)};

	c.v6 = 1;
	c.tpid[0] = ETH_P_8021Q;
	split_run(&c, 32050, drop, 2);
	split_run(&r, 32051, reset, 2);
}

/* A malformed server_name in the second segment is counted as such. */
static void split_malformed_second(void)
{
	struct web_case c = pq_blocked;
	const struct seg segs[] = {SEG_PASS(0, 600),
				   SEG_STAT(600, HELLO_END,
					    XDPB_STAT_MALFORMED_TLS)};

	c.fault = TF_SNI_LIST_LEN;
	split_run(&c, 32060, segs, 2);
}

/* More segments than XDPB_TLS_MAX_SEGMENTS (16): given up, counted. */
static void split_too_many_segments(void)
{
	struct seg segs[20];
	size_t step = 70;

	for (int i = 0; i < 16; i++)
		segs[i] = (struct seg)SEG_PASS(i * step, (i + 1) * step);
	segs[16] = (struct seg)SEG_STAT(16 * step, 17 * step,
					XDPB_STAT_TLS_INCOMPLETE);
	segs[17] = (struct seg)SEG_PASS(17 * step, HELLO_END);
	split_run(&pq_blocked, 32070, segs, 18);
}

/* ---- differential: random name sets against the reference matcher --------- */

static struct id_keeper keeper;

/*
 * A name of @min..4 labels from a small alphabet, so that names nest;
 * rules are under com and net, queries also under org (which no rule
 * covers).
 */
static void random_name(struct rng *r, char *out, int min, int query)
{
	static const char *const labels[] = {"a", "b", "www", "cdn", "x-y"};
	static const char *const tlds[] = {"com", "net", "org"};
	int n = min + rng_next(r) % (5 - min);
	char *p = out;

	for (int i = 0; i < n - 1; i++)
		p += sprintf(p, "%s.", labels[rng_next(r) % 5]);
	strcpy(p, tlds[rng_next(r) % (query ? 3 : 2)]);
	for (p = out; query && *p; p++)
		if (rng_next(r) % 2)
			*p = (char)toupper((unsigned char)*p);
}

/*
 * Random suffix and exact rules in seven lists, one per action (the DNS
 * answers included: on the web they reset), and random ClientHellos and
 * HTTP requests in random letter case: the rule counted and the verdict
 * are the reference matcher's web view, every time.
 */
static void diff_random_names(void)
{
	static const uint8_t actions[] = {XDPB_ACT_DROP,     XDPB_ACT_RESET,
					  XDPB_ACT_NXDOMAIN, XDPB_ACT_REFUSED,
					  XDPB_ACT_MONITOR,  XDPB_ACT_ALLOW,
					  XDPB_ACT_SINKHOLE};
	struct rng r = {0x3eb5eed};
	struct ruleset set = {0};
	int mismatches = 0, err, by_action[XDPB_ACT_MAX] = {0};
	int by_web_action[XDPB_ACT_MAX] = {0};

	for (int i = 0; i < 60; i++) {
		char name[64];

		random_name(&r, name, 2, 0);
		if (ruleset_add_name(&set, name,
				     rng_next(&r) % 3 ? XDPB_NAME_SUFFIX
						      : XDPB_NAME_EXACT,
				     10 + i % 7, actions[i % 7], i + 1)) {
			CHECK(0, "out of memory");
			return;
		}
	}
	ruleset_finish(&set);
	err = reload_ruleset(&ld, &keeper, &rs, &set, NULL);
	CHECK(!err, "reload: %s", strerror(-err));
	if (err)
		return;
	for (int q = 0; q < 1500 && mismatches < 5; q++) {
		struct web_case c = {.tls = q % 2, .sni_last = q % 3 == 0};
		char name[64], lower[64], http[160];
		const struct name_rule *want;
		struct bytes payload = {0};
		struct xdp_result res;
		struct frame f;
		uint32_t verdict = XDP_PASS;
		int stat = XDPB_STAT_PASS;

		random_name(&r, name, 1, 1);
		for (size_t i = 0; i <= strlen(name); i++)
			lower[i] = (char)tolower((unsigned char)name[i]);
		want = refmatch_name_view(&set, lower, 1);
		by_action[want ? want->action : XDPB_ACT_NONE]++;
		if (want) {
			uint8_t act = name_rule_view_action(want, 1);

			by_web_action[act]++;
			stat = act;
			verdict = act == XDPB_ACT_DROP	  ? XDP_DROP
				  : act == XDPB_ACT_RESET ? XDP_TX
							  : XDP_PASS;
		}
		if (c.tls) {
			c.sni = name;
			tls_hello_put(&payload, &c);
		} else {
			snprintf(http, sizeof(http), GET("%s"), name);
			payload.n = strlen(http);
			memcpy(payload.b, http, payload.n);
		}
		client_port = 1024 + q;
		client_seq = 1000;
		build_frame(&c, &f, payload.b, payload.n, 0);
		tl_case_failed = 0;
		run_frame(&f, verdict, want ? want->rule_id : 0, stat, 0,
			  want ? c.tls ? XDPB_STAT_NAME_TLS
				       : XDPB_STAT_NAME_HTTP
			       : 0,
			  &res);
		if (tl_case_failed) {
			printf("  %s %s: expected %s\n", c.tls ? "SNI" : "Host",
			       name,
			       want ? name_rule_text(&set.names, want)
				    : "none");
			mismatches++;
		}
	}
	tl_case_failed = mismatches > 0;
	printf("  %zu web rules; 1500 SNIs and Hosts: %d dropped, %d reset (%d "
	       "of them by nxdomain, refused or sinkhole rules: must be "
	       "some), %d monitored, %d allowed, %d no rule\n",
	       set.names.nr, by_web_action[XDPB_ACT_DROP],
	       by_web_action[XDPB_ACT_RESET],
	       by_action[XDPB_ACT_NXDOMAIN] + by_action[XDPB_ACT_REFUSED] +
		       by_action[XDPB_ACT_SINKHOLE],
	       by_web_action[XDPB_ACT_MONITOR], by_web_action[XDPB_ACT_ALLOW],
	       by_action[XDPB_ACT_NONE]);
	/* the web view holds no DNS answer, and the DNS lists do reset */
	if (by_web_action[XDPB_ACT_NXDOMAIN] + by_web_action[XDPB_ACT_REFUSED] +
		    by_web_action[XDPB_ACT_SINKHOLE] ||
	    !(by_action[XDPB_ACT_NXDOMAIN] + by_action[XDPB_ACT_REFUSED] +
	      by_action[XDPB_ACT_SINKHOLE]))
		tl_case_failed = 1;
	/* back to the table's rule set */
	err = reload_ruleset(&ld, &keeper, &set, &rs, NULL);
	CHECK(!err, "reload: %s", strerror(-err));
	ruleset_free(&set);
}

/* Each row's Host and the reference matcher's web view agree. */
static void refmatch_agrees(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct web_case *c = &cases[i];
		const char *h = c->http ? strstr(c->http, "\r\nHost: ") : NULL;
		char host[300], text[NAME_TEXT_BUF];
		const struct name_rule *r;
		const char *why;
		size_t n;

		if (c->tls && c->sni) {
			h = c->sni;
			n = strlen(h);
		} else if (h) {
			h += 8;
			n = strcspn(h, "\r:");
		}
		if (!h || c->src || c->dport || c->malformed || c->unparsed ||
		    c->fault || c->cut)
			continue;
		if (n >= sizeof(host) || *h == '[')
			continue;
		memcpy(host, h, n);
		host[n] = '\0';
		if (name_normalize(host, n, text, &why)) {
			CHECK(0, "%s: %s", c->name, why);
			continue;
		}
		r = refmatch_name_view(&rs, text, 1);
		if (!c->list || !strchr(c->rule, '/'))
			CHECK(c->list ? r && r->list_id == c->list &&
						!strcmp(name_rule_text(
								&rs.names, r),
							c->rule)
				      : !r,
			      "%s: the reference matcher disagrees", c->name);
	}
	/*
	 * and the DNS view: the nxdomain rule answers NXDOMAIN there, a
	 * reset rule too, a protocols = dns rule is seen, a protocols = web
	 * one is not
	 */
	{
		const struct name_rule *r =
			refmatch_name_view(&rs, "x.web.example.org", 0);

		CHECK(r && r->list_id == L_NX &&
			      name_rule_view_action(r, 0) == XDPB_ACT_NXDOMAIN,
		      "DNS view of x.web.example.org");
		r = refmatch_name_view(&rs, "www.reset.example.net", 0);
		CHECK(r && r->list_id == L_RESET &&
			      name_rule_view_action(r, 0) == XDPB_ACT_NXDOMAIN,
		      "a reset rule answers a DNS query with NXDOMAIN");
		r = refmatch_name_view(&rs, "y.web.example.org", 0);
		CHECK(r && r->list_id == L_REFUSED_DNS &&
			      name_rule_view_action(r, 0) == XDPB_ACT_REFUSED,
		      "DNS view of a protocols = dns rule");
		r = refmatch_name_view(&rs, "sink.example.org", 0);
		CHECK(!r, "a protocols = web rule decides no DNS query");
	}
}

static void make_names(void)
{
	deepest_make();
	snprintf(http_deepest, sizeof(http_deepest), GET("%s"), deepest);
	snprintf(http_longest, sizeof(http_longest), GET("%s."), LONGEST);
	snprintf(longest_dot, sizeof(longest_dot), "%s.", LONGEST);
}

int main(void)
{
	char errbuf[256];
	struct id_keeper *k = &keeper;
	struct ruleset empty = {0};
	int err;

	log_set_level(LOG_LEVEL_WARN);
	make_names();
	err = loader_open(&ld, RULE_ID_CAP, NULL, errbuf, sizeof(errbuf));
	if (err)
		return load_failed("web", err, errbuf);
	id_keeper_init(k, RULE_ID_CAP);
	err = build_ruleset(&rs);
	if (!err)
		err = reload_ruleset(&ld, k, &empty, &rs, NULL);
	if (!err)
		err = loader_iface_register(&ld, TEST_IFINDEX);
	if (err) {
		printf("FAIL: web/setup (%s)\n", strerror(-err));
		return 1;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tl_case_failed = 0;
		client_port = 20000 + i;
		run_case(&cases[i]);
		tl_case_done("web", cases[i].name);
	}
	RUN_TEST("web", refmatch_agrees);
	RUN_TEST("web", flow_drop_later_segments);
	RUN_TEST("web", flow_reset_later_segments);
	RUN_TEST("web", flow_syn_starts_over);
	RUN_TEST("web", flow_reload_forgets);
	RUN_TEST("web", flow_monitor_not_cached);
	RUN_TEST("web", split_sni_in_second);
	RUN_TEST("web", split_three_segments);
	RUN_TEST("web", split_in_fields);
	RUN_TEST("web", split_not_listed);
	RUN_TEST("web", split_retransmit_overlap);
	RUN_TEST("web", split_out_of_order);
	RUN_TEST("web", split_v6_vlan_reset);
	RUN_TEST("web", split_malformed_second);
	RUN_TEST("web", split_too_many_segments);
	RUN_TEST("web", diff_random_names);
	printf("web_tests: %d passed, %d failed\n", tl_passed, tl_failed);
	ruleset_free(&rs);
	id_keeper_free(k);
	loader_close(&ld, 0);
	return TEST_EXIT_CODE();
}
