// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * BPF_PROG_TEST_RUN table tests of DNS query matching: crafted queries
 * (case, trailing dot, deep and maximal names, IDN, VLAN tags, IPv6, TCP,
 * EDNS, malformed names, responses, fragments) against one rule set of
 * domain and address rules. Each row names the verdict, the deciding rule
 * (the only rule counter that may move, by one packet) and the interface
 * slot; a malformed row also the malformed_dns count. A reply must equal,
 * byte for byte, the reply this file builds from the row on its own:
 * swapped MACs, addresses and ports, VLAN tags kept, lengths, the IPv4
 * header checksum, the UDP checksum, the DNS header, the question, the OPT
 * record. Passed frames must come out unchanged.
 *
 * Needs root (BPF): without it, prints SKIP and exits 77; as root, a
 * program that does not load is a failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/names.h"
#include "datapath/loader.h"
#include "datapath/protectmap.h"
#include "rules/refmatch.h"
#include "rules/ruleset.h"
#include "testlib.h"

#include "frames.h"
#include "xdprun.h"

#define RULE_ID_CAP 1024
#include "name_rules.h"

enum {
	L_NX = 1,
	L_REFUSED = 2,
	L_DROP = 3,
	L_ALLOW = 4,
	L_MONITOR = 5,
	L_IP_ALLOW = 6,
	L_IP_DROP = 7,
	L_NX_DEEP = 8,
	L_RESET = 9, /* a reset list: DNS answered NXDOMAIN */
	L_SINK = 10, /* sinkhole to 192.0.2.53 and 2001:db8::53 */
	L_SINK4 = 11, /* sinkhole to 198.51.100.53 only */
	L_RESET_REFUSED = 12, /* reset, dns_action = refused */
	L_RESET_DROP = 13, /* reset, dns_action = drop */
	L_RESET_SINK = 14, /* reset, dns_action = sinkhole to SINK4_V4 */
	L_WEB_ONLY = 15, /* nxdomain, protocols = web: never matches DNS */
	L_DNS_ONLY = 16, /* reset, protocols = dns */
};

#define SINK_V4 "192.0.2.53"
#define SINK_V6 "2001:db8::53"
#define SINK4_V4 "198.51.100.53"

/* clang-format off */
static const struct name_def name_defs[] = {
	{ L_NX, XDPB_ACT_NXDOMAIN, "example.com" },
	{ L_NX, XDPB_ACT_NXDOMAIN, "=exact.example.net" },
	{ L_NX, XDPB_ACT_NXDOMAIN, "=" LONGEST },
	{ L_NX, XDPB_ACT_NXDOMAIN, "b\xc3\xbc" "cher.example" },
	{ L_NX, XDPB_ACT_NXDOMAIN, "blocked.allowed.example.net" },
	{ L_REFUSED, XDPB_ACT_REFUSED, "refused.example.net" },
	{ L_DROP, XDPB_ACT_DROP, "drop.example.org" },
	{ L_NX_DEEP, XDPB_ACT_NXDOMAIN, "a.drop.example.org" },
	{ L_ALLOW, XDPB_ACT_ALLOW, "=ok.example.com" },
	{ L_ALLOW, XDPB_ACT_ALLOW, "allowed.example.net" },
	{ L_MONITOR, XDPB_ACT_MONITOR, "mon.example.org" },
	{ L_RESET, XDPB_ACT_RESET, "reset.example.net" },
	{ L_RESET, XDPB_ACT_RESET, "a.refused.example.net" },
	{ L_SINK, XDPB_ACT_SINKHOLE, "sink.example.net" },
	{ L_SINK4, XDPB_ACT_SINKHOLE, "sink4.example.net" },
	{ L_RESET_REFUSED, XDPB_ACT_RESET, "rr.example.net" },
	{ L_RESET_DROP, XDPB_ACT_RESET, "rd.example.net" },
	{ L_RESET_SINK, XDPB_ACT_RESET, "rs.example.net" },
	{ L_WEB_ONLY, XDPB_ACT_NXDOMAIN, "webonly.example.net" },
	{ L_DNS_ONLY, XDPB_ACT_RESET, "dnsonly.example.net" },
};

static const struct list_form list_forms[] = {
	{ L_RESET_REFUSED, XDPB_ACT_REFUSED, XDPB_VIEWS_ALL },
	{ L_RESET_DROP, XDPB_ACT_DROP, XDPB_VIEWS_ALL },
	{ L_RESET_SINK, XDPB_ACT_SINKHOLE, XDPB_VIEWS_ALL },
	{ L_WEB_ONLY, XDPB_ACT_NONE, XDPB_VIEW_WEB },
	{ L_DNS_ONLY, XDPB_ACT_NONE, XDPB_VIEW_DNS },
};
/* clang-format on */

struct dns_case {
	const char *name;
	/* the query */
	uint16_t tpid[3]; /* VLAN tags, outermost first; 0 ends */
	int v6, tcp;
	/*
	 * TCP options of the query: 1 NOP, NOP, timestamps; 2 a SACK block
	 * before them. FIN or SYN set with the data.
	 */
	int tcp_ts, tcp_fin, tcp_syn;
	int v6_hbh; /* a hop-by-hop options header before UDP/TCP */
	const char *src, *dst; /* client, server; defaults C4/S4, C6/S6 */
	const char *qname; /* dotted, written as is */
	const uint8_t *raw; /* or these wire bytes as the name */
	size_t raw_len;
	uint16_t qdcount; /* 0: 1 */
	int qr; /* a response, not a query */
	int edns; /* 1: OPT; 2: OPT with DO and a cookie option */
	size_t cut; /* bytes cut off the end of the frame */
	size_t pad; /* zero bytes after the datagram (Ethernet padding) */
	int no_question_tail; /* no QTYPE and QCLASS after the name */
	int v4_more_frags;
	uint16_t qtype; /* 0: A over IPv4, AAAA over IPv6 */
	/* expected */
	uint32_t verdict;
	uint16_t list; /* the deciding rule's list, 0: none */
	const char *rule; /* its name (domain rules) or prefix (address) */
	int stat;
	int malformed;
	uint8_t rcode; /* of the reply (XDP_TX) */
	const char *answer; /* the address of its answer record, if any */
};

#define C4 "192.0.2.2"
#define S4 "198.51.100.2"
#define C6 "2001:db8:1::2"
#define S6 "2001:db8:2::2"

/* besides xdprun.h's DROP_BY, ALLOW_BY, MONITOR_BY and NO_MATCH */
#define NXDOMAIN_BY(l, r)                                                    \
	.verdict = XDP_TX, .list = l, .rule = r, .stat = XDPB_STAT_NXDOMAIN, \
	.rcode = 3
#define REFUSED_BY(l, r)                                                    \
	.verdict = XDP_TX, .list = l, .rule = r, .stat = XDPB_STAT_REFUSED, \
	.rcode = 5
#define SINK_BY(l, r, a)                                                     \
	.verdict = XDP_TX, .list = l, .rule = r, .stat = XDPB_STAT_SINKHOLE, \
	.rcode = 0, .answer = a
/* a reply action this packet cannot get: counted under it, dropped */
#define UNANSWERED_BY(l, r, s) \
	.verdict = XDP_DROP, .list = l, .rule = r, .stat = s
#define MALFORMED .verdict = XDP_PASS, .stat = XDPB_STAT_PASS, .malformed = 1

static const uint8_t label64[] = {64,  'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
				  'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
				  'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
				  'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
				  'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
				  'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
				  'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
				  'a', 'a', 'a', 3,   'c', 'o', 'm', 0};
/* www, then a pointer to offset 12 (the name itself) */
static const uint8_t compressed[] = {3, 'w', 'w', 'w', 0xc0, 12};
/* extended label type 0x41 (RFC 6891 deprecated bitstring) */
static const uint8_t ext_label[] = {0x41, 3, 'c', 'o', 'm', 0};
static uint8_t too_long[330]; /* five 63-byte labels: 321 bytes */
static uint8_t no_root[40]; /* labels until the frame ends */

/* clang-format off */
static const struct dns_case cases[] = {
	/* the blocked suffix and names below it */
	{ "v4_suffix_self", .qname = "example.com", NXDOMAIN_BY(L_NX, "example.com") },
	{ "v4_suffix_below", .qname = "www.example.com", NXDOMAIN_BY(L_NX, "example.com") },
	{ "v4_upper_case", .qname = "WWW.ExAmPlE.CoM", NXDOMAIN_BY(L_NX, "example.com") },
	{ "v4_trailing_dot", .qname = "www.example.com.", NXDOMAIN_BY(L_NX, "example.com") },
	{ "v4_deep", .qname = "a.b.c.d.e.f.g.h.i.j.k.l.www.example.com",
	  NXDOMAIN_BY(L_NX, "example.com") },
	{ "v4_deepest", .qname = deepest, NXDOMAIN_BY(L_NX, "example.com") },
	{ "v4_not_below", .qname = "wwwexample.com", NO_MATCH },
	{ "v4_parent_not_blocked", .qname = "com", NO_MATCH },
	{ "v4_other_tld", .qname = "example.com.org", NO_MATCH },
	/* exact rules */
	{ "v4_exact", .qname = "exact.example.net", NXDOMAIN_BY(L_NX, "exact.example.net") },
	{ "v4_exact_upper", .qname = "EXACT.EXAMPLE.NET", NXDOMAIN_BY(L_NX, "exact.example.net") },
	{ "v4_below_exact", .qname = "sub.exact.example.net", NO_MATCH },
	{ "v4_longest_name_exact", .qname = LONGEST, NXDOMAIN_BY(L_NX, LONGEST) },
	{ "v4_idn_punycode", .qname = "www.xn--bcher-kva.example",
	  NXDOMAIN_BY(L_NX, "xn--bcher-kva.example") },
	/* other actions, precedence */
	{ "v4_refused", .qname = "x.refused.example.net", REFUSED_BY(L_REFUSED, "refused.example.net") },
	{ "v4_drop", .qname = "drop.example.org", DROP_BY(L_DROP, "drop.example.org") },
	{ "v4_longest_block_wins", .qname = "x.a.drop.example.org",
	  NXDOMAIN_BY(L_NX_DEEP, "a.drop.example.org") },
	{ "v4_allow_exact_in_blocked_suffix", .qname = "ok.example.com",
	  ALLOW_BY(L_ALLOW, "ok.example.com") },
	{ "v4_below_exact_allow_blocked", .qname = "x.ok.example.com",
	  NXDOMAIN_BY(L_NX, "example.com") },
	{ "v4_allow_beats_longer_block", .qname = "blocked.allowed.example.net",
	  ALLOW_BY(L_ALLOW, "allowed.example.net") },
	{ "v4_monitor", .qname = "mon.example.org", MONITOR_BY(L_MONITOR, "mon.example.org") },
	/*
	 * a listed name is blocked on every protocol: a reset list answers
	 * DNS with NXDOMAIN, or its dns_action; protocols narrows the views
	 */
	{ "v4_reset_list_nxdomain", .qname = "www.reset.example.net",
	  NXDOMAIN_BY(L_RESET, "reset.example.net") },
	{ "v4_reset_deeper_beats_refused", .qname = "x.a.refused.example.net",
	  NXDOMAIN_BY(L_RESET, "a.refused.example.net") },
	{ "v4_reset_dns_action_refused", .qname = "www.rr.example.net",
	  REFUSED_BY(L_RESET_REFUSED, "rr.example.net") },
	{ "v6_reset_dns_action_drop", .v6 = 1, .qname = "rd.example.net",
	  DROP_BY(L_RESET_DROP, "rd.example.net") },
	{ "v4_reset_dns_action_sinkhole", .qname = "a.rs.example.net",
	  SINK_BY(L_RESET_SINK, "rs.example.net", SINK4_V4) },
	{ "v4_protocols_web_not_dns", .qname = "www.webonly.example.net", NO_MATCH },
	{ "v4_protocols_dns", .qname = "www.dnsonly.example.net",
	  NXDOMAIN_BY(L_DNS_ONLY, "dnsonly.example.net") },
	{ "v4_ip_allow_beats_name", .src = "10.77.0.1", .qname = "www.example.com",
	  ALLOW_BY(L_IP_ALLOW, "10.77.0.1/32") },
	{ "v4_ip_drop_beats_nxdomain", .src = "10.88.1.1", .qname = "www.example.com",
	  DROP_BY(L_IP_DROP, "10.88.0.0/16") },
	{ "v4_ip_drop_unlisted_name", .src = "10.88.1.1", .qname = "example.org",
	  DROP_BY(L_IP_DROP, "10.88.0.0/16") },
	/* sinkhole: the list's notice address, NODATA for other types */
	{ "v4_sinkhole_a", .qname = "www.sink.example.net",
	  SINK_BY(L_SINK, "sink.example.net", SINK_V4) },
	{ "v4_sinkhole_aaaa", .qname = "Sink.Example.Net.", .qtype = 28,
	  SINK_BY(L_SINK, "sink.example.net", SINK_V6) },
	{ "v6_sinkhole_aaaa", .v6 = 1, .qname = "a.b.sink.example.net",
	  SINK_BY(L_SINK, "sink.example.net", SINK_V6) },
	{ "v6_sinkhole_a", .v6 = 1, .qtype = 1, .qname = "sink.example.net",
	  SINK_BY(L_SINK, "sink.example.net", SINK_V4) },
	{ "v4_sinkhole_mx_nodata", .qname = "sink.example.net", .qtype = 15,
	  SINK_BY(L_SINK, "sink.example.net", NULL) },
	{ "v4_sinkhole_v4_only_aaaa_nodata", .qname = "www.sink4.example.net", .qtype = 28,
	  SINK_BY(L_SINK4, "sink4.example.net", NULL) },
	{ "v4_sinkhole_v4_only_a", .qname = "www.sink4.example.net",
	  SINK_BY(L_SINK4, "sink4.example.net", SINK4_V4) },
	{ "v4_sinkhole_edns_do", .qname = "www.sink.example.net", .edns = 2,
	  SINK_BY(L_SINK, "sink.example.net", SINK_V4) },
	{ "v6_sinkhole_qinq_edns", .v6 = 1, .tpid = { ETH_P_8021AD, ETH_P_8021Q }, .edns = 1,
	  .qname = "x.sink.example.net", SINK_BY(L_SINK, "sink.example.net", SINK_V6) },
	{ "v4_tcp_sinkhole", .tcp = 1, .qname = "www.sink.example.net",
	  SINK_BY(L_SINK, "sink.example.net", SINK_V4) },
	/* EDNS */
	{ "v4_edns", .qname = "www.example.com", .edns = 1, NXDOMAIN_BY(L_NX, "example.com") },
	{ "v4_edns_do_cookie", .qname = "www.example.com", .edns = 2,
	  NXDOMAIN_BY(L_NX, "example.com") },
	/* VLAN tags are kept */
	{ "v4_vlan", .tpid = { ETH_P_8021Q }, .qname = "www.example.com",
	  NXDOMAIN_BY(L_NX, "example.com") },
	{ "v4_qinq_edns", .tpid = { ETH_P_8021AD, ETH_P_8021Q }, .edns = 2,
	  .qname = "www.example.com", NXDOMAIN_BY(L_NX, "example.com") },
	/* IPv6 */
	{ "v6_suffix_below", .v6 = 1, .qname = "www.example.com", NXDOMAIN_BY(L_NX, "example.com") },
	{ "v6_refused_edns", .v6 = 1, .edns = 2, .qname = "refused.example.net",
	  REFUSED_BY(L_REFUSED, "refused.example.net") },
	{ "v6_qinq", .v6 = 1, .tpid = { ETH_P_8021AD, ETH_P_8021Q },
	  .qname = "Exact.Example.Net.", NXDOMAIN_BY(L_NX, "exact.example.net") },
	{ "v6_not_listed", .v6 = 1, .qname = "example.org", NO_MATCH },
	{ "v6_deepest", .v6 = 1, .qname = deepest, NXDOMAIN_BY(L_NX, "example.com") },
	/*
	 * TCP: the query after its length; the answer is the server's next
	 * segment with FIN, the client's timestamps echoed
	 */
	{ "v4_tcp_nxdomain", .tcp = 1, .qname = "www.example.com",
	  NXDOMAIN_BY(L_NX, "example.com") },
	{ "v4_tcp_timestamps", .tcp = 1, .tcp_ts = 1, .qname = "www.example.com",
	  NXDOMAIN_BY(L_NX, "example.com") },
	{ "v4_tcp_sack_then_timestamps", .tcp = 1, .tcp_ts = 2, .qname = "www.example.com",
	  NXDOMAIN_BY(L_NX, "example.com") },
	{ "v4_tcp_fin_with_query", .tcp = 1, .tcp_fin = 1, .qname = "Exact.Example.Net",
	  NXDOMAIN_BY(L_NX, "exact.example.net") },
	{ "v6_tcp_refused_edns_ts", .v6 = 1, .tcp = 1, .tcp_ts = 1, .edns = 2,
	  .qname = "refused.example.net", REFUSED_BY(L_REFUSED, "refused.example.net") },
	{ "v6_tcp_qinq_sinkhole", .v6 = 1, .tcp = 1, .tpid = { ETH_P_8021AD, ETH_P_8021Q },
	  .qname = "a.sink.example.net", SINK_BY(L_SINK, "sink.example.net", SINK_V6) },
	/* extension headers would be echoed: matched and counted, not answered */
	{ "v6_hbh_nxdomain_dropped", .v6 = 1, .v6_hbh = 1, .qname = "www.example.com",
	  UNANSWERED_BY(L_NX, "example.com", XDPB_STAT_NXDOMAIN) },
	{ "v6_hbh_tcp_sinkhole_dropped", .v6 = 1, .v6_hbh = 1, .tcp = 1,
	  .qname = "www.sink.example.net",
	  UNANSWERED_BY(L_SINK, "sink.example.net", XDPB_STAT_SINKHOLE) },
	/* data in a SYN (TCP Fast Open) cannot be answered by a data segment */
	{ "v4_tcp_syn_data_dropped", .tcp = 1, .tcp_syn = 1, .qname = "www.example.com",
	  UNANSWERED_BY(L_NX, "example.com", XDPB_STAT_NXDOMAIN) },
	{ "v6_tcp_drop", .v6 = 1, .tcp = 1, .qname = "drop.example.org",
	  DROP_BY(L_DROP, "drop.example.org") },
	{ "v4_tcp_not_listed", .tcp = 1, .qname = "example.org", NO_MATCH },
	/* not a query we match */
	{ "v4_response", .qr = 1, .qname = "www.example.com", NO_MATCH },
	{ "v4_two_questions", .qdcount = 2, .qname = "www.example.com", NO_MATCH },
	{ "v4_later_fragment_kind", .v4_more_frags = 1, .qname = "www.example.com", NO_MATCH },
	{ "v4_dns_header_cut", .qname = "www.example.com", .cut = 1000, NO_MATCH },
	/* malformed names pass, counted */
	{ "v4_label_64", .raw = label64, .raw_len = sizeof(label64), MALFORMED },
	{ "v4_compression_pointer", .raw = compressed, .raw_len = sizeof(compressed), MALFORMED },
	{ "v4_extended_label", .raw = ext_label, .raw_len = sizeof(ext_label), MALFORMED },
	{ "v4_name_over_255", .raw = too_long, .raw_len = 321, MALFORMED },
	{ "v4_name_past_packet", .raw = no_root, .raw_len = sizeof(no_root), .cut = 4, MALFORMED },
	{ "v4_question_cut", .qname = "www.example.com", .cut = 2, MALFORMED },
	/* the datagram ends inside the question: zero Ethernet padding after it
	 * must not complete it */
	{ "v4_name_into_padding",
	  .raw = (const uint8_t *)"\x03" "www" "\x07" "example" "\x03" "com",
	  .raw_len = 16, .no_question_tail = 1, .pad = 20, MALFORMED },
	{ "v6_vlan_label_64", .v6 = 1, .tpid = { ETH_P_8021Q }, .raw = label64,
	  .raw_len = sizeof(label64), MALFORMED },
};
/* clang-format on */

/* ---- frames ----------------------------------------------------------------- */

static void opt_put(struct frame *f, int edns, int reply)
{
	put_u8(f, 0); /* root */
	put_be16(f, 41); /* OPT */
	put_be16(f, reply ? 1232 : 4096);
	put_u8(f, 0); /* extended RCODE */
	put_u8(f, 0); /* version */
	put_u8(f, edns == 2 ? 0x80 : 0); /* DO */
	put_u8(f, 0);
	if (reply || edns == 1) {
		put_be16(f, 0);
		return;
	}
	put_be16(f, 12); /* a COOKIE option (RFC 7873): client cookie only */
	put_be16(f, 10);
	put_be16(f, 8);
	put_bytes(f, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
}

#define TCP_SEQ_CLIENT 1000 /* the query's sequence number */
#define TCP_SEQ_SERVER 2000 /* what it acknowledges */
#define TSVAL_CLIENT 0x11223344u
#define TSVAL_SERVER 0x55667788u

/* NOP, NOP, timestamps (TSval, TSecr) */
static void tcp_ts_put(struct frame *f, uint32_t tsval, uint32_t tsecr)
{
	put_bytes(f, "\x01\x01\x08\x0a", 4);
	put_be32(f, tsval);
	put_be32(f, tsecr);
}

/*
 * The query of row @c, or (@reply) the reply the datapath must make of it
 * with @c->rcode, built from the row alone. Returns the DNS message's
 * length.
 */
static size_t build_frame(const struct dns_case *c, struct frame *f, int reply)
{
	const char *src = c->src ? c->src : c->v6 ? C6 : C4;
	const char *dst = c->dst ? c->dst : c->v6 ? S6 : S4;
	size_t l3, l4, dns, msg_len;
	uint8_t proto = c->tcp ? IPPROTO_TCP : IPPROTO_UDP;
	size_t query_len = 0; /* TCP: what the answer acknowledges */

	if (c->tcp && reply) {
		struct frame q;

		query_len = 2 + build_frame(c, &q, 0);
	}

	frame_init(f);
	l2_tagged_put(f, c->tpid, c->v6, reply);
	if (reply) {
		const char *t = src;

		src = dst;
		dst = t;
	}
	l3 = c->v6 ? ipv6_put(f, src, dst, c->v6_hbh ? 0 : proto)
		   : ipv4_put(f, src, dst, proto, 0,
			      c->v4_more_frags ? IPV4_MF : 0);
	if (c->v6_hbh)
		ipv6_opts_put(f, proto, 0);
	l4 = f->len;
	put_be16(f, reply ? 53 : 40000);
	put_be16(f, reply ? 40000 : 53);
	if (c->tcp) {
		put_be32(f, reply ? TCP_SEQ_SERVER : TCP_SEQ_CLIENT);
		put_be32(f, reply ? TCP_SEQ_CLIENT + query_len + c->tcp_fin
				  : TCP_SEQ_SERVER);
		put_u8(f, (reply || c->tcp_ts != 2 ? c->tcp_ts ? 8 : 5 : 11)
				  << 4);
		if (reply)
			put_u8(f, 0x19); /* FIN, PSH, ACK */
		else
			put_u8(f, (c->tcp_syn ? 0x02 : 0x18) | c->tcp_fin);
		put_be16(f, 65535);
		put_be16(f, 0);
		put_be16(f, 0);
		if (c->tcp_ts == 2 && !reply) /* NOP, NOP, SACK: one block */
			put_bytes(f, "\x01\x01\x05\x0a\0\0\x07\xd0\0\0\x0b\xb8",
				  12);
		if (c->tcp_ts && reply)
			tcp_ts_put(f, TSVAL_SERVER, TSVAL_CLIENT);
		else if (c->tcp_ts)
			tcp_ts_put(f, TSVAL_CLIENT, TSVAL_SERVER);
		put_be16(f, 0); /* DNS length: below */
	} else {
		put_be16(f, 0); /* length: below */
		put_be16(f, 0);
	}
	dns = f->len;
	put_be16(f, 0xbeef);
	if (reply) {
		put_u8(f, 0x81); /* QR, RD */
		put_u8(f, 0x80 | c->rcode); /* RA */
	} else {
		put_u8(f, (c->qr ? 0x80 : 0) | 0x01); /* RD */
		put_u8(f, 0);
	}
	put_be16(f, reply ? 1 : c->qdcount ? c->qdcount : 1);
	put_be16(f, reply && c->answer ? 1 : 0);
	put_be16(f, 0);
	put_be16(f, c->edns ? 1 : 0);
	if (c->raw)
		put_bytes(f, c->raw, c->raw_len);
	else
		dns_name_put(f, c->qname);
	if ((!c->raw || c->raw[0] < 64) && !c->no_question_tail) {
		put_be16(f, c->qtype ? c->qtype : c->v6 ? 28 : 1); /* AAAA, A */
		put_be16(f, 1); /* IN */
	}
	if (reply && c->answer) {
		uint8_t addr[16];
		int v6 = strchr(c->answer, ':') != NULL;

		parse_or_die(v6 ? AF_INET6 : AF_INET, c->answer, addr);
		put_be16(f, 0xc00c); /* the question's name */
		put_be16(f, v6 ? 28 : 1);
		put_be16(f, 1); /* IN */
		put_be32(f, 60); /* TTL */
		put_be16(f, v6 ? 16 : 4);
		put_bytes(f, addr, v6 ? 16 : 4);
	}
	if (c->edns)
		opt_put(f, c->edns, reply);
	msg_len = f->len - dns;
	if (c->tcp)
		set_be16(f, dns - 2, f->len - dns);
	else
		set_be16(f, l4 + 4, f->len - l4);
	if (c->v6)
		ipv6_finish(f, l3);
	else
		ipv4_finish(f, l3);
	if (reply)
		set_be16(f, l4 + (c->tcp ? 16 : 6),
			 l4_checksum(f, l3, l4, proto, c->v6));
	if (c->pad)
		put_fill(f, 0, c->pad);
	if (c->cut)
		f->len = c->cut >= f->len - dns ? dns + 4 : f->len - c->cut;
	return msg_len;
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

static void run_case(const struct dns_case *c)
{
	uint32_t want_id = c->list ? rule_id_of(&rs, c->list, c->rule) : 0;
	struct frame f, want;
	struct xdp_result res;
	int err;

	build_frame(c, &f, 0);
	counts_take(&ld, &before);
	err = xdp_run(loader_prog_fd(&ld), &f, &res);
	counts_take(&ld, &after);
	CHECK(!err, "BPF_PROG_TEST_RUN (%zu bytes): %s", f.len, strerror(-err));
	if (err)
		return;
	CHECK(res.retval == c->verdict, "verdict %s, expected %s",
	      xdp_verdict_name(res.retval), xdp_verdict_name(c->verdict));
	if (c->list)
		CHECK(want_id, "no rule %s in list %u", c->rule, c->list);
	if (c->verdict == XDP_TX && res.retval == XDP_TX) {
		build_frame(c, &want, 1);
		CHECK(res.out_len == want.len,
		      "reply of %u bytes, expected %zu", res.out_len, want.len);
		for (size_t i = 0; i < want.len && i < res.out_len; i++)
			if (res.out[i] != want.data[i]) {
				CHECK(0,
				      "reply byte %zu is 0x%02x, expected 0x%02x",
				      i, res.out[i], want.data[i]);
				break;
			}
	} else if (c->verdict == XDP_PASS) {
		CHECK(res.out_len == f.len && !memcmp(res.out, f.data, f.len),
		      "a passed frame came out changed");
	}
	counts_check(&before, &after, want_id, f.len, c->stat,
		     c->malformed ? XDPB_STAT_MALFORMED_DNS : 0,
		     want_id && !strchr(c->rule, '/') ? XDPB_STAT_NAME_DNS : 0);
}

/* A name's rule set and the reference matcher agree on every row. */
static void refmatch_agrees(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dns_case *c = &cases[i];
		char text[NAME_TEXT_BUF];
		const struct name_rule *r;
		const char *why;

		if (c->raw || c->src || c->qr || c->qdcount || c->cut ||
		    c->v4_more_frags || !c->list)
			continue;
		if (name_normalize(c->qname, strlen(c->qname), text, &why)) {
			CHECK(0, "%s: %s", c->name, why);
			continue;
		}
		r = refmatch_name(&rs, text);
		CHECK(r && r->list_id == c->list &&
			      !strcmp(name_rule_text(&rs.names, r), c->rule),
		      "%s: the reference matcher disagrees", c->name);
	}
}

/*
 * @f, a TCP query frame of row @c, made into the client's next segment
 * without data: @flags, the sequence number after the query's bytes.
 */
static void tcp_followup(const struct dns_case *c, struct frame *f,
			 size_t query_len, uint8_t flags)
{
	size_t l3 = 14 + 4 * (c->tpid[0] != 0) + 4 * (c->tpid[1] != 0);
	size_t l4 = l3 + (c->v6 ? IPV6_HLEN : IPV4_HLEN);

	f->len = l4 + TCP_HLEN;
	set_be16(f, l4 + 4, 0);
	set_be16(f, l4 + 6, TCP_SEQ_CLIENT + query_len); /* high half is 0 */
	f->data[l4 + 12] = 5 << 4;
	f->data[l4 + 13] = flags;
	if (c->v6)
		ipv6_finish(f, l3);
	else
		ipv4_finish(f, l3);
}

/* The TCP checksum of a frame out of the program, and its IPv4 header's. */
static int checksums_ok(const struct xdp_result *res, size_t l3, size_t l4,
			int v6)
{
	struct frame out = {.len = res->out_len};

	memcpy(out.data, res->out, res->out_len);
	if (l4_checksum(&out, l3, l4, IPPROTO_TCP, v6) != 0)
		return 0;
	return v6 ||
	       csum_finish(csum_add_bytes(0, out.data + l3, IPV4_HLEN)) == 0;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/*
 * After a query over TCP was answered in the server's place, the
 * client's next segment on that connection (its FIN, ACK) goes on to the
 * server as a RST at the query's sequence number, which closes the
 * server's side at once; counted as a reset on the interface. The
 * client's FIN after that is acknowledged back to it. A SYN on the
 * same four-tuple (a new connection) forgets it.
 */
static void tcp_answered_flow_resets_server(void)
{
	for (int v6 = 0; v6 < 2; v6++) {
		struct dns_case c = {.v6 = v6,
				     .tcp = 1,
				     .qname = "www.example.com",
				     .src = v6 ? "2001:db8:1::77"
					       : "192.0.2.77"};
		size_t l3 = 14, l4 = l3 + (v6 ? IPV6_HLEN : IPV4_HLEN);
		uint32_t id = rule_id_of(&rs, L_NX, "example.com");
		struct frame q, fin, syn;
		struct xdp_result res;
		size_t query_len = 2 + build_frame(&c, &q, 0);
		const uint8_t *t = res.out + l4;

		CHECK(!xdp_run(loader_prog_fd(&ld), &q, &res) &&
			      res.retval == XDP_TX,
		      "IPv%d: the query is answered", v6 ? 6 : 4);
		fin = q;
		tcp_followup(&c, &fin, query_len, 0x11); /* FIN, ACK */
		counts_take(&ld, &before);
		CHECK(!xdp_run(loader_prog_fd(&ld), &fin, &res), "run");
		counts_take(&ld, &after);
		CHECK(res.retval == XDP_PASS && res.out_len == l4 + TCP_HLEN,
		      "IPv%d: the FIN goes on (%s, %u bytes)", v6 ? 6 : 4,
		      xdp_verdict_name(res.retval), res.out_len);
		CHECK(!memcmp(res.out + l3 + (v6 ? 8 : 12),
			      fin.data + l3 + (v6 ? 8 : 12), v6 ? 32 : 8) &&
			      !memcmp(t, fin.data + l4, 4),
		      "IPv%d: addresses and ports as they were", v6 ? 6 : 4);
		CHECK(t[13] == 0x04 && be32_at(t + 4) == TCP_SEQ_CLIENT &&
			      be32_at(t + 8) == 0 && t[12] == 5 << 4,
		      "IPv%d: a RST at the query's sequence number (flags 0x%02x, seq %u)",
		      v6 ? 6 : 4, t[13], be32_at(t + 4));
		CHECK(checksums_ok(&res, l3, l4, v6), "IPv%d: checksums",
		      v6 ? 6 : 4);
		CHECK(after.rules[id].packets == before.rules[id].packets &&
			      after.iface.stat[XDPB_STAT_RESET].packets -
					      before.iface.stat[XDPB_STAT_RESET]
						      .packets ==
				      1,
		      "IPv%d: counted as a reset on the interface, not on the rule (it counted the query)",
		      v6 ? 6 : 4);

		/* then the client's FIN is acknowledged, back to the client */
		CHECK(!xdp_run(loader_prog_fd(&ld), &fin, &res) &&
			      res.retval == XDP_TX &&
			      res.out_len == l4 + TCP_HLEN,
		      "IPv%d: the FIN after the RST is answered (%s)",
		      v6 ? 6 : 4, xdp_verdict_name(res.retval));
		CHECK(t[13] == 0x10 && be32_at(t + 4) == TCP_SEQ_SERVER &&
			      be32_at(t + 8) ==
				      TCP_SEQ_CLIENT + query_len + 1 &&
			      !memcmp(t, fin.data + l4 + 2, 2) &&
			      !memcmp(t + 2, fin.data + l4, 2),
		      "IPv%d: an ACK of the FIN, ports swapped (flags 0x%02x, ack %u)",
		      v6 ? 6 : 4, t[13], be32_at(t + 8));
		CHECK(checksums_ok(&res, l3, l4, v6),
		      "IPv%d: checksums of the ACK", v6 ? 6 : 4);

		/* a new connection on the same four-tuple forgets the answer */
		syn = fin;
		syn.data[l4 + 13] = 0x02;
		CHECK(!xdp_run(loader_prog_fd(&ld), &syn, &res) &&
			      res.retval == XDP_PASS,
		      "IPv%d: SYN passes", v6 ? 6 : 4);
		CHECK(!xdp_run(loader_prog_fd(&ld), &fin, &res) &&
			      res.retval == XDP_PASS &&
			      res.out_len == fin.len &&
			      !memcmp(res.out, fin.data, fin.len),
		      "IPv%d: after a SYN the FIN passes unchanged",
		      v6 ? 6 : 4);
	}
}

static const struct dns_case *case_named(const char *name)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(cases[i].name, name))
			return &cases[i];
	return NULL;
}

/*
 * A rule set with names loads the DNS and web stages. Without its stage
 * (the PROG_ARRAY slot emptied), a query is decided on its addresses
 * alone, never silently: stage_missed counts it. Put back, names match
 * again.
 */
static void stage_missed_leaves_addresses_deciding(void)
{
	const struct dns_case *listed = case_named("v4_suffix_below");
	const struct dns_case *ip_drop =
		case_named("v4_ip_drop_beats_nxdomain");
	int prog_fd = loader_prog_fd(&ld);
	int stages_fd = prog_map_fd(prog_fd, "stages");
	uint32_t slot = XDPB_STAGE_DNS, stage_id = 0;
	uint32_t drop_id = rule_id_of(&rs, L_IP_DROP, "10.88.0.0/16");
	struct xdp_result res;
	struct frame f;
	int stage_fd;

	CHECK(ld.loaded_stages == (1u << XDPB_STAGE_DNS | 1u << XDPB_STAGE_WEB),
	      "a rule set with names loads the dns and web stages (%#x)",
	      ld.loaded_stages);
	CHECK(listed && ip_drop && stages_fd >= 0 && drop_id,
	      "the rows, the stages map and the rule");
	if (!listed || !ip_drop || stages_fd < 0 || !drop_id)
		return;
	CHECK(!bpf_map_lookup_elem(stages_fd, &slot, &stage_id) && stage_id,
	      "the dns stage is in its slot");
	stage_fd = bpf_prog_get_fd_by_id(stage_id);
	CHECK(stage_fd >= 0 && !bpf_map_delete_elem(stages_fd, &slot),
	      "the dns stage taken out: %s", strerror(errno));

	build_frame(listed, &f, 0);
	counts_take(&ld, &before);
	CHECK(!xdp_run(prog_fd, &f, &res) && res.retval == XDP_PASS &&
		      res.out_len == f.len && !memcmp(res.out, f.data, f.len),
	      "a listed name without its stage passes unchanged (%s)",
	      xdp_verdict_name(res.retval));
	counts_take(&ld, &after);
	CHECK(after.iface.stat[XDPB_STAT_STAGE_MISSED].packets -
			      before.iface.stat[XDPB_STAT_STAGE_MISSED].packets ==
		      1,
	      "counted as stage_missed");

	build_frame(ip_drop, &f, 0);
	counts_take(&ld, &before);
	CHECK(!xdp_run(prog_fd, &f, &res) && res.retval == XDP_DROP,
	      "a listed address without the stage is still dropped (%s)",
	      xdp_verdict_name(res.retval));
	counts_take(&ld, &after);
	CHECK(after.rules[drop_id].packets - before.rules[drop_id].packets ==
			      1 &&
		      after.iface.stat[XDPB_STAT_STAGE_MISSED].packets -
				      before.iface.stat[XDPB_STAT_STAGE_MISSED]
					      .packets ==
			      1,
	      "by its address rule, and counted as stage_missed");

	CHECK(stage_fd >= 0 && !bpf_map_update_elem(stages_fd, &slot, &stage_fd,
						    BPF_ANY),
	      "the dns stage put back: %s", strerror(errno));
	build_frame(listed, &f, 0);
	CHECK(!xdp_run(prog_fd, &f, &res) && res.retval == XDP_TX,
	      "with its stage back, the listed name is answered (%s)",
	      xdp_verdict_name(res.retval));
	if (stage_fd >= 0)
		close(stage_fd);
	close(stages_fd);
}

/*
 * A resolver inside a dropped prefix (10.88.0.0/16) and protected, as
 * the host's own resolver is: its queries for listed names are still
 * answered (names are not set aside), those for other names pass as
 * protected instead of being dropped, over UDP and TCP. Without the
 * protection, the address drop decides again.
 */
static void protected_resolver_names_still_decide(void)
{
	struct dns_case rows[] = {
		{"protected_listed_name", .dst = "10.88.0.53",
		 .qname = "www.example.com", NXDOMAIN_BY(L_NX, "example.com")},
		{"protected_listed_name_tcp", .dst = "10.88.0.53", .tcp = 1,
		 .qname = "www.example.com", NXDOMAIN_BY(L_NX, "example.com")},
		{"protected_refused_name", .dst = "10.88.0.53",
		 .qname = "x.refused.example.net",
		 REFUSED_BY(L_REFUSED, "refused.example.net")},
		{"protected_unlisted_name", .dst = "10.88.0.53",
		 .qname = "example.org", .verdict = XDP_PASS,
		 .stat = XDPB_STAT_PROTECTED},
		/* a name allow passes, counted on its rule */
		{"protected_allowed_name", .dst = "10.88.0.53",
		 .qname = "ok.example.com",
		 ALLOW_BY(L_ALLOW, "ok.example.com")},
	};
	struct dns_case unprotected = rows[3];
	struct protect_set set = {0}, none = {0};
	struct prefix resolver = prefix_of("10.88.0.53");
	int err;

	CHECK(!protect_set_add(&set, &resolver, XDPB_PROTECT_HOST) &&
		      !(err = protectmap_sync(&ld, &set)),
	      "protecting the resolver");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int failed = tl_case_failed;

		tl_case_failed = 0;
		run_case(&rows[i]);
		if (tl_case_failed)
			printf("  in row %s\n", rows[i].name);
		tl_case_failed |= failed;
	}
	CHECK(!protectmap_sync(&ld, &none), "unprotecting");
	unprotected.verdict = XDP_DROP;
	unprotected.stat = XDPB_STAT_DROP;
	unprotected.list = L_IP_DROP;
	unprotected.rule = "10.88.0.0/16";
	run_case(&unprotected);
	protect_set_free(&set);
}

/* The notice addresses of the sinkhole lists (and the reset one's). */
static int set_sinkholes(void)
{
	struct xdpb_sinkhole both = {.has_v4 = 1, .has_v6 = 1},
			     v4_only = {.has_v4 = 1};
	int err;

	parse_or_die(AF_INET, SINK_V4, &both.v4);
	parse_or_die(AF_INET6, SINK_V6, both.v6);
	parse_or_die(AF_INET, SINK4_V4, &v4_only.v4);
	err = loader_set_sinkhole(&ld, L_SINK, &both);
	if (!err)
		err = loader_set_sinkhole(&ld, L_RESET_SINK, &v4_only);
	return err ? err : loader_set_sinkhole(&ld, L_SINK4, &v4_only);
}

static void make_names(void)
{
	deepest_make();
	for (int l = 0; l < 5; l++) {
		too_long[l * 64] = 63;
		memset(too_long + l * 64 + 1, 'z', 63);
	}
	too_long[320] = 0;
	for (size_t i = 0; i + 4 <= sizeof(no_root); i += 4) {
		no_root[i] = 3;
		memcpy(no_root + i + 1, "abc", 3);
	}
}

int main(void)
{
	char errbuf[256];
	struct id_keeper k;
	struct ruleset empty = {0};
	int err;

	log_set_level(LOG_LEVEL_WARN);
	make_names();
	err = loader_open(&ld, RULE_ID_CAP, NULL, errbuf, sizeof(errbuf));
	if (err)
		return load_failed("dns", err, errbuf);
	id_keeper_init(&k, RULE_ID_CAP);
	err = build_ruleset(&rs);
	if (!err)
		err = reload_ruleset(&ld, &k, &empty, &rs, NULL);
	if (!err)
		err = loader_iface_register(&ld, TEST_IFINDEX);
	if (!err)
		err = set_sinkholes();
	if (err) {
		printf("FAIL: dns/setup (%s)\n", strerror(-err));
		return 1;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tl_case_failed = 0;
		run_case(&cases[i]);
		tl_case_done("dns", cases[i].name);
	}
	RUN_TEST("dns", refmatch_agrees);
	RUN_TEST("dns", tcp_answered_flow_resets_server);
	RUN_TEST("dns", stage_missed_leaves_addresses_deciding);
	RUN_TEST("dns", protected_resolver_names_still_decide);
	printf("dns_tests: %d passed, %d failed\n", tl_passed, tl_failed);
	ruleset_free(&rs);
	id_keeper_free(&k);
	loader_close(&ld, 0);
	return TEST_EXIT_CODE();
}
