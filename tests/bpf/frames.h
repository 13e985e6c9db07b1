/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Frame building for the BPF tests: every header is written byte by byte
 * into a flat buffer, in wire order. Build a frame front to back with the
 * *_put() helpers, then fix the IP length fields with ipv4_finish() /
 * ipv6_finish(). A test that wants a truncated or invalid frame changes
 * bytes or f->len afterwards.
 *
 *   struct frame f;
 *   size_t l3;
 *
 *   frame_init(&f);
 *   eth_put(&f, ETH_P_8021Q);
 *   vlan_put(&f, 100, ETH_P_IP);
 *   l3 = ipv4_put(&f, "192.0.2.1", "198.51.100.2", IPPROTO_UDP, 0, 0);
 *   udp_put(&f, 32);
 *   ipv4_finish(&f, l3);
 */
#ifndef XDPBLOCK_TESTS_FRAMES_H
#define XDPBLOCK_TESTS_FRAMES_H

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#ifndef ETH_P_LLDP
#define ETH_P_LLDP 0x88CC
#endif

#define FRAME_MAX 1600

#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define VLAN_HLEN 4
#define UDP_HLEN 8

/* IPv4 frag_off field (host order): flags and offset in 8-byte units. */
#define IPV4_MF 0x2000
#define IPV4_DF 0x4000

struct frame {
	uint8_t data[FRAME_MAX];
	size_t len;
};

static inline void frame_init(struct frame *f)
{
	memset(f, 0, sizeof(*f));
}

static inline uint8_t *frame_room(struct frame *f, size_t n)
{
	uint8_t *p;

	if (f->len + n > FRAME_MAX) {
		fprintf(stderr, "frame: %zu + %zu bytes do not fit\n", f->len,
			n);
		abort();
	}
	p = f->data + f->len;
	f->len += n;
	return p;
}

static inline void put_u8(struct frame *f, uint8_t v)
{
	*frame_room(f, 1) = v;
}

static inline void put_be16(struct frame *f, uint16_t v)
{
	uint8_t *p = frame_room(f, 2);

	p[0] = v >> 8;
	p[1] = v;
}

static inline void put_be32(struct frame *f, uint32_t v)
{
	uint8_t *p = frame_room(f, 4);

	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void put_bytes(struct frame *f, const void *src, size_t n)
{
	memcpy(frame_room(f, n), src, n);
}

static inline void put_fill(struct frame *f, uint8_t v, size_t n)
{
	memset(frame_room(f, n), v, n);
}

static inline void set_be16(struct frame *f, size_t off, uint16_t v)
{
	f->data[off] = v >> 8;
	f->data[off + 1] = v;
}

/* A payload pattern that is easy to recognise in a dump. */
static inline void put_payload(struct frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_u8(f, 0xa0 + (i & 0x0f));
}

static inline void parse_or_die(int family, const char *text, void *out)
{
	if (inet_pton(family, text, out) != 1) {
		fprintf(stderr, "frame: bad address %s\n", text);
		abort();
	}
}

/* ---- layer 2 ------------------------------------------------------------ */

/* Destination and source MAC (locally administered), then the EtherType. */
static inline void eth_put(struct frame *f, uint16_t ethertype)
{
	static const uint8_t dst[ETH_ALEN] = {0x02, 0x00, 0x00,
					      0x00, 0x00, 0x02};
	static const uint8_t src[ETH_ALEN] = {0x02, 0x00, 0x00,
					      0x00, 0x00, 0x01};

	put_bytes(f, dst, ETH_ALEN);
	put_bytes(f, src, ETH_ALEN);
	put_be16(f, ethertype);
}

/*
 * One 802.1Q / 802.1ad tag body: TCI (PCP 0, DEI 0, @vid), then the
 * EtherType that follows it. The TPID is the EtherType written before.
 */
static inline void vlan_put(struct frame *f, uint16_t vid, uint16_t next_type)
{
	put_be16(f, vid & 0x0fff);
	put_be16(f, next_type);
}

/*
 * The Ethernet header of a client's frame seen by the router (@reply:
 * the router's frame back to the client), with the VLAN tags @tpid
 * (outermost first, 0 ends; at most 3) before IPv4 or (@v6) IPv6.
 */
static const uint8_t mac_client[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t mac_router[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x02};

static inline void l2_tagged_put(struct frame *f, const uint16_t tpid[3],
				 int v6, int reply)
{
	uint16_t l3type = v6 ? ETH_P_IPV6 : ETH_P_IP;
	int n = 0;

	put_bytes(f, reply ? mac_client : mac_router, ETH_ALEN);
	put_bytes(f, reply ? mac_router : mac_client, ETH_ALEN);
	while (n < 3 && tpid[n])
		n++;
	put_be16(f, n ? tpid[0] : l3type);
	for (int i = 0; i < n; i++)
		vlan_put(f, 100 + i, i + 1 < n ? tpid[i + 1] : l3type);
}

/* ARP request, Ethernet/IPv4: who has @target, tell @sender. */
static inline void arp_put(struct frame *f, const char *sender,
			   const char *target)
{
	static const uint8_t sha[ETH_ALEN] = {0x02, 0x00, 0x00,
					      0x00, 0x00, 0x01};
	uint8_t spa[4], tpa[4];

	parse_or_die(AF_INET, sender, spa);
	parse_or_die(AF_INET, target, tpa);
	put_be16(f, 1); /* hardware type: Ethernet */
	put_be16(f, ETH_P_IP);
	put_u8(f, ETH_ALEN);
	put_u8(f, 4);
	put_be16(f, 1); /* request */
	put_bytes(f, sha, ETH_ALEN);
	put_bytes(f, spa, 4);
	put_fill(f, 0, ETH_ALEN);
	put_bytes(f, tpa, 4);
}

/* ---- IPv4 ---------------------------------------------------------------- */

static inline uint16_t ip_checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/*
 * IPv4 header with @opt_len bytes of options (a multiple of 4, at most
 * 40): a Router Alert option, then NOPs, then End of Options. @frag is the
 * frag_off field (IPV4_MF | offset in 8-byte units). Addresses in network
 * order (4 bytes each). Returns the header's offset for ipv4_finish().
 */
static inline size_t ipv4_put_raw(struct frame *f, const uint8_t *src,
				  const uint8_t *dst, uint8_t proto,
				  size_t opt_len, uint16_t frag)
{
	size_t off = f->len;

	put_u8(f,
	       0x40 | (uint8_t)((IPV4_HLEN + opt_len) / 4)); /* version, IHL */
	put_u8(f, 0); /* DSCP, ECN */
	put_be16(f, 0); /* total length: ipv4_finish() */
	put_be16(f, 0x1234); /* identification */
	put_be16(f, frag);
	put_u8(f, 64); /* TTL */
	put_u8(f, proto);
	put_be16(f, 0); /* checksum: ipv4_finish() */
	put_bytes(f, src, 4);
	put_bytes(f, dst, 4);
	if (opt_len >= 4) {
		/* Router Alert (RFC 2113): type 148, length 4, value 0 */
		put_u8(f, 148);
		put_u8(f, 4);
		put_be16(f, 0);
		if (opt_len > 4) {
			put_fill(f, 1, opt_len - 5); /* NOP */
			put_u8(f, 0); /* End of Options */
		}
	}
	return off;
}

static inline size_t ipv4_put(struct frame *f, const char *src, const char *dst,
			      uint8_t proto, size_t opt_len, uint16_t frag)
{
	uint8_t s[4], d[4];

	parse_or_die(AF_INET, src, s);
	parse_or_die(AF_INET, dst, d);
	return ipv4_put_raw(f, s, d, proto, opt_len, frag);
}

/* Total length = everything after @off; header checksum. */
static inline void ipv4_finish(struct frame *f, size_t off)
{
	size_t hlen = (f->data[off] & 0x0f) * 4;

	set_be16(f, off + 2, f->len - off);
	set_be16(f, off + 10, 0);
	set_be16(f, off + 10, ip_checksum(f->data + off, hlen));
}

/* ---- IPv6 ---------------------------------------------------------------- */

/* Fixed header; returns its offset for ipv6_finish(). */
static inline size_t ipv6_put_raw(struct frame *f, const uint8_t *src,
				  const uint8_t *dst, uint8_t nexthdr)
{
	size_t off = f->len;

	put_be32(f, 0x60000000); /* version 6, traffic class 0, flow label 0 */
	put_be16(f, 0); /* payload length: ipv6_finish() */
	put_u8(f, nexthdr);
	put_u8(f, 64); /* hop limit */
	put_bytes(f, src, 16);
	put_bytes(f, dst, 16);
	return off;
}

static inline size_t ipv6_put(struct frame *f, const char *src, const char *dst,
			      uint8_t nexthdr)
{
	uint8_t s[16], d[16];

	parse_or_die(AF_INET6, src, s);
	parse_or_die(AF_INET6, dst, d);
	return ipv6_put_raw(f, s, d, nexthdr);
}

static inline void ipv6_finish(struct frame *f, size_t off)
{
	set_be16(f, off + 4, f->len - off - IPV6_HLEN);
}

/*
 * Hop-by-hop or destination options header of (@hdrlen + 1) * 8 bytes:
 * next header, length, then one PadN option filling the rest.
 */
static inline void ipv6_opts_put(struct frame *f, uint8_t nexthdr,
				 uint8_t hdrlen)
{
	size_t pad = (size_t)hdrlen * 8 + 6;

	put_u8(f, nexthdr);
	put_u8(f, hdrlen);
	put_u8(f, 1); /* PadN */
	put_u8(f, pad - 2);
	put_fill(f, 0, pad - 2);
}

/* Type 2 routing header (RFC 6275): one address, 24 bytes. */
static inline void ipv6_routing_put(struct frame *f, uint8_t nexthdr,
				    const char *addr)
{
	uint8_t a[16];

	parse_or_die(AF_INET6, addr, a);
	put_u8(f, nexthdr);
	put_u8(f, 2); /* length in 8-octet units past the first 8 */
	put_u8(f, 2); /* routing type */
	put_u8(f, 1); /* segments left */
	put_be32(f, 0); /* reserved */
	put_bytes(f, a, 16);
}

/* Fragment header; @offset in 8-byte units. */
static inline void ipv6_frag_put(struct frame *f, uint8_t nexthdr,
				 uint16_t offset, int more)
{
	put_u8(f, nexthdr);
	put_u8(f, 0);
	put_be16(f, (uint16_t)(offset << 3) | (more ? 1 : 0));
	put_be32(f, 0xdecafbad); /* identification */
}

/* Authentication header with a 96-bit ICV: 24 bytes, length field 4. */
static inline void ipv6_ah_put(struct frame *f, uint8_t nexthdr)
{
	put_u8(f, nexthdr);
	put_u8(f, 4); /* length in 4-octet units, minus 2 */
	put_be16(f, 0);
	put_be32(f, 0x100); /* SPI */
	put_be32(f, 1); /* sequence number */
	put_fill(f, 0x5a, 12); /* ICV */
}

/* ---- layer 4 ------------------------------------------------------------- */

/* UDP header and @payload bytes. The checksum is left 0 (not checked). */
static inline void udp_put(struct frame *f, size_t payload)
{
	put_be16(f, 40000);
	put_be16(f, 53);
	put_be16(f, UDP_HLEN + payload);
	put_be16(f, 0);
	put_payload(f, payload);
}

/* ---- DNS ----------------------------------------------------------------- */

#define DNS_HLEN 12
#define TCP_HLEN 20

/*
 * A name in wire format from dotted text, written as is (no case change,
 * a trailing dot is the root label either way). Labels of any length up
 * to 255 (for malformed rows); returns the bytes written.
 */
static inline size_t dns_name_put(struct frame *f, const char *text)
{
	size_t start = f->len;

	while (*text) {
		const char *dot = strchr(text, '.');
		size_t l = dot ? (size_t)(dot - text) : strlen(text);

		put_u8(f, (uint8_t)l);
		put_bytes(f, text, l);
		text += l + (dot ? 1 : 0);
	}
	put_u8(f, 0);
	return f->len - start;
}

/* The one's complement sum of @n bytes, unfolded. */
static inline uint32_t csum_add_bytes(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static inline uint16_t csum_finish(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/*
 * The UDP or TCP checksum of the segment at @l4 (through the end of the
 * frame), under the IPv4 (@v6 = 0) or IPv6 header at @l3. The checksum
 * field must be zero.
 */
static inline uint16_t l4_checksum(const struct frame *f, size_t l3, size_t l4,
				   uint8_t proto, int v6)
{
	size_t len = f->len - l4;
	uint32_t sum = 0;

	if (v6)
		sum = csum_add_bytes(sum, f->data + l3 + 8, 32);
	else
		sum = csum_add_bytes(sum, f->data + l3 + 12, 8);
	sum += proto + (uint32_t)len;
	sum = csum_add_bytes(sum, f->data + l4, len);
	return csum_finish(sum);
}

#endif
