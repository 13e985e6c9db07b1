// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the datapath's DNS, HTTP and TLS parsing. The XDP
 * programs are loaded once with a rule set of domain names; each input is
 * turned into a frame and run through them with BPF_PROG_TEST_RUN.
 *
 * The first byte picks what the rest is:
 *   0: a DNS message in a UDP datagram to port 53;
 *   1: the payload of a TCP segment to port 80 (HTTP);
 *   2: the payload of a TCP segment to port 443 (a TLS ClientHello);
 * the headers around it are well formed, so the mutations land in the
 * parsers under test.
 *
 * DNS is checked against a userspace decoding of the same message: the
 * question's name, walked as RFC 1035 says and the datapath does, then
 * decided by the reference matcher (refmatch_name_view()). The verdict
 * must be the one its rule's action gives: NXDOMAIN or REFUSED answered
 * (XDP_TX, with the query's ID and the rcode), drop dropped, anything else
 * passed unchanged. HTTP and TLS are held to what any verdict must keep:
 * a passed or dropped frame unchanged, a reset a 40-byte IPv4/TCP RST with
 * correct checksums. Every invariant broken is a crash (__builtin_trap()).
 *
 * The BPF code is not instrumented: libFuzzer's coverage comes from the
 * userspace decoding, which follows the datapath's steps. Needs root.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "rules/refmatch.h"
#include "rules/ruleids.h"

#include "bpf/xdprun.h"

#include "fuzz_target.h"

#define RULE_ID_CAP 256
#define DNS_MAX 512 /* what the datapath copies of a message */
#define CLIENT "192.0.2.2"
#define SERVER "198.51.100.2"

struct fuzz_rule {
	uint16_t list;
	uint8_t action;
	uint8_t kind;
	const char *name;
};

/* clang-format off */
static const struct fuzz_rule fuzz_rules[] = {
	{ 1, XDPB_ACT_NXDOMAIN, XDPB_NAME_SUFFIX, "example.com" },
	{ 1, XDPB_ACT_NXDOMAIN, XDPB_NAME_EXACT, "exact.example.net" },
	{ 2, XDPB_ACT_REFUSED, XDPB_NAME_SUFFIX, "refused.example.net" },
	{ 3, XDPB_ACT_DROP, XDPB_NAME_SUFFIX, "drop.example.org" },
	{ 4, XDPB_ACT_ALLOW, XDPB_NAME_EXACT, "ok.example.com" },
	{ 5, XDPB_ACT_MONITOR, XDPB_NAME_SUFFIX, "mon.example.org" },
	{ 6, XDPB_ACT_RESET, XDPB_NAME_SUFFIX, "reset.example.net" },
	{ 6, XDPB_ACT_RESET, XDPB_NAME_SUFFIX, "a" },
	{ 3, XDPB_ACT_DROP, XDPB_NAME_EXACT, "x.y.z" },
};
/* clang-format on */

static struct loader ld;
static struct ruleset rs;
static int prog_fd = -1;

__attribute__((noreturn)) static void fail(const char *what)
{
	fprintf(stderr, "fuzz_datapath: %s\n", what);
	__builtin_trap();
}

/*
 * The flow cache and the pending ClientHellos (maps of the web stage),
 * emptied after each run: every input is judged on its own, as its
 * reproduction will be.
 */
static int flow_fds[2] = {-1, -1};

static void find_flow_maps(void)
{
	static const char *const names[] = {"flow_verdict", "tls_pending"};
	int stages = prog_map_fd(prog_fd, "stages"), stage_fd;
	uint32_t slot = XDPB_STAGE_WEB, id;

	if (stages < 0 || bpf_map_lookup_elem(stages, &slot, &id))
		fail("the web stage");
	stage_fd = bpf_prog_get_fd_by_id(id);
	for (int i = 0; i < 2; i++)
		flow_fds[i] = prog_map_fd(stage_fd, names[i]);
	if (stage_fd < 0 || flow_fds[0] < 0 || flow_fds[1] < 0)
		fail("the web stage's flow maps");
	close(stage_fd);
	close(stages);
}

static void forget_flows(void)
{
	struct xdpb_flow_key key;

	for (int i = 0; i < 2; i++)
		while (!bpf_map_get_next_key(flow_fds[i], NULL, &key))
			bpf_map_delete_elem(flow_fds[i], &key);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ruleset empty = {0};
	struct rule_ids ids;
	uint32_t *released = NULL;
	size_t nr_released = 0;
	char errbuf[256], text[NAME_TEXT_BUF];
	const char *why;

	(void)argc;
	(void)argv;
	log_init("fuzz_datapath", LOG_LEVEL_ERR);
	if (loader_open(&ld, RULE_ID_CAP, NULL, errbuf, sizeof(errbuf))) {
		fprintf(stderr, "fuzz_datapath: %s (needs root and BPF)\n",
			errbuf);
		exit(1);
	}
	for (size_t i = 0; i < sizeof(fuzz_rules) / sizeof(fuzz_rules[0]);
	     i++) {
		const struct fuzz_rule *r = &fuzz_rules[i];

		if (name_normalize(r->name, strlen(r->name), text, &why) ||
		    ruleset_add_name(&rs, text, r->kind, r->list, r->action,
				     i + 1))
			fail("rule set");
	}
	ruleset_finish(&rs);
	if (rule_ids_init(&ids, RULE_ID_CAP) ||
	    rule_ids_assign(&ids, &empty, &rs, &released, &nr_released) ||
	    loader_activate(&ld, &rs, NULL, NULL))
		fail("activation");
	free(released);
	prog_fd = loader_prog_fd(&ld);
	find_flow_maps();
	return 0;
}

/* Frame @f with @proto to port @port, @payload after its header. */
static size_t build(struct frame *f, uint8_t proto, uint16_t port,
		    const uint8_t *payload, size_t len)
{
	size_t l3, l4;

	frame_init(f);
	eth_put(f, ETH_P_IP);
	l3 = ipv4_put(f, CLIENT, SERVER, proto, 0, 0);
	l4 = f->len;
	put_be16(f, 40000);
	put_be16(f, port);
	if (proto == IPPROTO_UDP) {
		put_be16(f, UDP_HLEN + len);
		put_be16(f, 0); /* no checksum */
	} else {
		put_be32(f, 1); /* seq */
		put_be32(f, 1); /* ack */
		put_u8(f, 5 << 4);
		put_u8(f, 0x18); /* PSH, ACK */
		put_be16(f, 0xffff);
		put_be32(f, 0); /* checksum, urgent pointer */
	}
	put_bytes(f, payload, len);
	ipv4_finish(f, l3);
	if (proto == IPPROTO_TCP)
		set_be16(f, l4 + 16, l4_checksum(f, l3, l4, IPPROTO_TCP, 0));
	return l3;
}

/* The sum over what a checksum covers, 0 when it is right. */
static uint16_t sum_of(const uint8_t *p, size_t n)
{
	return csum_finish(csum_add_bytes(0, p, n));
}

/*
 * The question's name of DNS message @m, as the datapath reads it: a
 * standard query (QR 0, opcode 0) with one question, labels of 1..63
 * bytes, at most 255 wire bytes, QTYPE and QCLASS after it. Returns the
 * number of labels (0: the root), with the name as lower-case text in
 * @text when every label is of letters, digits, '-' and '_'
 * (@clean); -1 if the datapath does not take it for a query (passed
 * unmatched), -2 if it is malformed (passed, counted).
 */
static int dns_decode(const uint8_t *m, size_t len, char *text, int *clean)
{
	size_t pos = DNS_HLEN, t = 0;
	int labels = 0;

	*clean = 1;
	if (len < DNS_HLEN || (m[2] & 0xf8) || m[4] != 0 || m[5] != 1)
		return -1;
	for (;;) {
		uint8_t l;

		if (pos >= len || pos - DNS_HLEN >= 255)
			return -2;
		l = m[pos];
		if (l == 0)
			break;
		if (l > 63)
			return -2;
		if (t)
			text[t++] = '.';
		for (size_t i = 1; i <= l && pos + i < len; i++) {
			uint8_t c = m[pos + i];

			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if (!((c >= 'a' && c <= 'z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_'))
				*clean = 0;
			if (t < NAME_TEXT_BUF - 1)
				text[t++] = c;
		}
		pos += 1 + l;
		labels++;
	}
	text[t] = '\0';
	/* the root byte, then QTYPE and QCLASS */
	if (pos + 1 + 4 > len)
		return -2;
	return labels;
}

static void run(const struct frame *f, struct xdp_result *res)
{
	if (xdp_run(prog_fd, f, res))
		fail("BPF_PROG_TEST_RUN");
	/* to see what one input does: XDPB_FUZZ_VERBOSE=1 fuzz_datapath FILE */
	if (getenv("XDPB_FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_datapath: %zu bytes: %s, %u out\n",
			f->len, xdp_verdict_name(res->retval), res->out_len);
}

static void check_unchanged(const struct frame *f, const struct xdp_result *res)
{
	if (res->out_len != f->len || memcmp(f->data, res->out, f->len))
		fail("a passed or dropped frame came out changed");
}

static void fuzz_dns(const uint8_t *msg, size_t msg_len)
{
	char text[NAME_TEXT_BUF], canon[NAME_TEXT_BUF];
	const struct name_rule *r = NULL;
	struct xdp_result res;
	struct frame f;
	uint32_t want;
	uint8_t dns_action;
	int labels, clean;
	const char *why;
	size_t l3;

	if (msg_len > DNS_MAX)
		msg_len = DNS_MAX;
	l3 = build(&f, IPPROTO_UDP, 53, msg, msg_len);
	run(&f, &res);

	labels = dns_decode(msg, msg_len, text, &clean);
	if (labels > 0 && !clean) {
		/* unusual bytes in a label: no rule's, so only the shape */
		if (res.retval != XDP_PASS && res.retval != XDP_DROP &&
		    res.retval != XDP_TX)
			fail("an unexpected verdict");
		if (res.retval != XDP_TX)
			check_unchanged(&f, &res);
		return;
	}
	if (labels > 0) {
		if (name_normalize(text, strlen(text), canon, &why))
			return; /* a name no list could hold */
		r = refmatch_name_view(&rs, canon, 0);
	}
	want = XDP_PASS;
	/* what the rule does to a DNS query: a reset list answers NXDOMAIN */
	dns_action = r ? name_rule_view_action(r, 0) : XDPB_ACT_NONE;
	if (dns_action == XDPB_ACT_NXDOMAIN || dns_action == XDPB_ACT_REFUSED)
		want = XDP_TX;
	else if (dns_action == XDPB_ACT_DROP)
		want = XDP_DROP;
	if (res.retval != want) {
		fprintf(stderr, "%d labels, '%s': verdict %u, want %u\n",
			labels, labels > 0 ? text : "", res.retval, want);
		fail("the datapath and the reference matcher disagree");
	}
	if (want != XDP_TX) {
		check_unchanged(&f, &res);
		return;
	}
	/* the reply: same ID, QR set, the rule's rcode, addresses swapped */
	{
		const uint8_t *ip = res.out + l3, *u = ip + IPV4_HLEN,
			      *d = u + UDP_HLEN;
		size_t ulen = (size_t)u[4] << 8 | u[5];
		uint8_t pseudo[12];

		if (res.out_len < l3 + IPV4_HLEN + UDP_HLEN + DNS_HLEN ||
		    l3 + IPV4_HLEN + ulen != res.out_len)
			fail("the reply's length");
		if (memcmp(d, msg, 2) || !(d[2] & 0x80) ||
		    (d[3] & 0xf) != (dns_action == XDPB_ACT_NXDOMAIN ? 3 : 5))
			fail("the reply's ID, QR or rcode");
		if (memcmp(ip + 12, f.data + l3 + 16, 4) ||
		    memcmp(ip + 16, f.data + l3 + 12, 4) ||
		    memcmp(u, f.data + l3 + IPV4_HLEN + 2, 2))
			fail("the reply's addresses or ports");
		memcpy(pseudo, ip + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = IPPROTO_UDP;
		pseudo[10] = ulen >> 8;
		pseudo[11] = ulen & 0xff;
		if (sum_of(ip, IPV4_HLEN) ||
		    csum_finish(csum_add_bytes(csum_add_bytes(0, pseudo, 12), u,
					       ulen)))
			fail("the reply's checksums");
	}
}

static void fuzz_tcp(const uint8_t *payload, size_t len, uint16_t port)
{
	struct xdp_result res;
	struct frame f;
	size_t l3;

	if (len > FRAME_MAX - 14 - IPV4_HLEN - TCP_HLEN)
		len = FRAME_MAX - 14 - IPV4_HLEN - TCP_HLEN;
	l3 = build(&f, IPPROTO_TCP, port, payload, len);
	run(&f, &res);
	forget_flows();
	if (res.retval == XDP_PASS || res.retval == XDP_DROP) {
		check_unchanged(&f, &res);
	} else if (res.retval == XDP_TX) {
		const uint8_t *ip = res.out + l3, *t = ip + IPV4_HLEN;
		uint8_t seg[12 + TCP_HLEN];

		memcpy(seg, ip + 12, 8);
		seg[8] = 0;
		seg[9] = IPPROTO_TCP;
		seg[10] = 0;
		seg[11] = TCP_HLEN;
		memcpy(seg + 12, t, TCP_HLEN);
		if (res.out_len != l3 + IPV4_HLEN + TCP_HLEN || t[13] != 0x14 ||
		    memcmp(t, f.data + l3 + IPV4_HLEN + 2, 2) ||
		    sum_of(ip, IPV4_HLEN) || sum_of(seg, sizeof(seg)))
			fail("a reset that is not a well-formed RST to the client");
	} else {
		fail("an unexpected verdict");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_dns(data + 1, size - 1);
		break;
	case 1:
		fuzz_tcp(data + 1, size - 1, 80);
		break;
	case 2:
		fuzz_tcp(data + 1, size - 1, 443);
		break;
	}
	return 0;
}
