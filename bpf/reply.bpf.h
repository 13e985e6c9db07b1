/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a reply built in place needs, for the DNS answer (dns.bpf.h) and
 * the TCP reset (web.bpf.h) alike: checksum arithmetic, the pseudo-header
 * sums of UDP and TCP, and the frame sent back where it came from.
 */
#ifndef XDPBLOCK_REPLY_BPF_H
#define XDPBLOCK_REPLY_BPF_H

#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

static __always_inline __u16 csum_fold(__s64 sum)
{
	__u64 s = (__u64)sum & 0xffffffff;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* RFC 1624: the checksum after one 16-bit field went from @old to @new. */
static __always_inline __u16 csum_replace16(__u16 check, __u16 old, __u16 new)
{
	__u32 sum = (__u16)~check + (__u16)~old + (__u32) new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * Checksums of UDP and TCP (here, and the reset in web.bpf.h): the ones'
 * complement sum of the pseudo-header of a segment of @len bytes, added to
 * @sum, with the addresses as the IP header holds them now (RFC 768,
 * RFC 9293 3.1, RFC 8200 8.1).
 */
struct pseudo4 {
	__be32 saddr, daddr;
	__u8 zero, proto;
	__be16 len;
};

struct pseudo6 {
	struct in6_addr saddr, daddr;
	__be32 len;
	__u8 zero[3], nexthdr;
};

/* A reply goes back to where the frame came from: swap its MACs. */
static __always_inline int eth_swap_macs(void *data, void *end)
{
	struct ethhdr *eth = data;
	__u8 mac[ETH_ALEN];

	if ((void *)(eth + 1) > end)
		return -1;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	return 0;
}

static __always_inline __s64 pseudo4_sum(const struct iphdr *ip, __u8 proto,
					 __u32 len, __s64 sum)
{
	struct pseudo4 ph = {
		.saddr = ip->saddr,
		.daddr = ip->daddr,
		.proto = proto,
		.len = bpf_htons(len),
	};

	return bpf_csum_diff(NULL, 0, (__be32 *)&ph, sizeof(ph), sum);
}

static __always_inline __s64 pseudo6_sum(const struct ipv6hdr *ip6, __u8 proto,
					 __u32 len, __s64 sum)
{
	struct pseudo6 ph = {
		.saddr = ip6->saddr,
		.daddr = ip6->daddr,
		.len = bpf_htonl(len),
		.nexthdr = proto,
	};

	return bpf_csum_diff(NULL, 0, (__be32 *)&ph, sizeof(ph), sum);
}

#endif /* XDPBLOCK_REPLY_BPF_H */
