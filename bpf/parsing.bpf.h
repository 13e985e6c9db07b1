/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Bounds-checked packet cursor. Every header is reached through
 * cursor_pull(), which checks the bounds once; nothing else in bpf/ touches
 * ctx->data directly.
 */
#ifndef XDPBLOCK_PARSING_BPF_H
#define XDPBLOCK_PARSING_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "../maps/xdpblock_maps.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

struct cursor {
	void *pos;
	void *end;
};

/* Return a pointer to the next @len bytes and advance, or NULL if short. */
static __always_inline void *cursor_pull(struct cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return NULL;
	c->pos = p + len;
	return p;
}

struct vlan_tag {
	__be16 tci;
	__be16 encap_proto;
};

static __always_inline int is_vlan(__be16 type)
{
	return type == bpf_htons(ETH_P_8021Q) ||
	       type == bpf_htons(ETH_P_8021AD);
}

/*
 * Ethernet plus up to XDPB_MAX_VLAN_TAGS 802.1Q/802.1ad tags. Returns the
 * inner EtherType (network order), or -1 if the frame is truncated or has
 * more tags than that (counted as malformed, not as "not IP").
 */
static __always_inline int parse_ethernet(struct cursor *c, __be16 *proto)
{
	struct ethhdr *eth = cursor_pull(c, sizeof(*eth));
	__be16 type;

	if (!eth)
		return -1;
	type = eth->h_proto;

#pragma unroll
	for (int i = 0; i < XDPB_MAX_VLAN_TAGS; i++) {
		struct vlan_tag *tag;

		if (!is_vlan(type))
			break;
		tag = cursor_pull(c, sizeof(*tag));
		if (!tag)
			return -1;
		type = tag->encap_proto;
	}
	if (is_vlan(type))
		return -1;
	*proto = type;
	return 0;
}

/* Returns the IPv4 header, with options skipped, or NULL if invalid. */
static __always_inline struct iphdr *parse_ipv4(struct cursor *c)
{
	struct iphdr *ip = cursor_pull(c, sizeof(*ip));
	__u32 hdr_len;

	if (!ip || ip->version != 4 || ip->ihl < 5)
		return NULL;
	hdr_len = ip->ihl * 4;
	if (bpf_ntohs(ip->tot_len) < hdr_len)
		return NULL;
	/* Options: the verifier needs a constant-bounded length. */
	if (hdr_len > sizeof(*ip) &&
	    !cursor_pull(c, (hdr_len - sizeof(*ip)) & 0x3f))
		return NULL;
	return ip;
}

struct ipv6_opt_hdr_min {
	__u8 nexthdr;
	__u8 hdrlen;
};

/* IPv6 header only; the extension chain is walked by parse_ipv6_ext(). */
static __always_inline struct ipv6hdr *parse_ipv6(struct cursor *c)
{
	struct ipv6hdr *ip6 = cursor_pull(c, sizeof(*ip6));

	if (!ip6 || ip6->version != 6)
		return NULL;
	return ip6;
}

static __always_inline int is_ipv6_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_AH ||
	       nexthdr == IPPROTO_FRAGMENT;
}

/*
 * Skip IPv6 extension headers (bounded). Returns the upper-layer protocol
 * (any next-header value that is not an extension header), or -1 if the
 * chain is truncated or has more than XDPB_MAX_IPV6_EXT_HDRS headers.
 * A non-first fragment has no upper-layer header: returns IPPROTO_FRAGMENT.
 */
static __always_inline int parse_ipv6_ext(struct cursor *c, __u8 nexthdr)
{
#pragma unroll
	for (int i = 0; i < XDPB_MAX_IPV6_EXT_HDRS; i++) {
		struct ipv6_opt_hdr_min *h;

		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			h = cursor_pull(c, sizeof(*h));
			if (!h || !cursor_pull(c, h->hdrlen * 8 + 6))
				return -1;
			nexthdr = h->nexthdr;
			break;
		case IPPROTO_AH:
			/* AH counts its length in 4-octet units, minus 2. */
			h = cursor_pull(c, sizeof(*h));
			if (!h || !cursor_pull(c, (h->hdrlen + 2) * 4 - 2))
				return -1;
			nexthdr = h->nexthdr;
			break;
		case IPPROTO_FRAGMENT: {
			struct frag_hdr {
				__u8 nexthdr;
				__u8 reserved;
				__be16 frag_off;
				__be32 identification;
			} *f = cursor_pull(c, sizeof(*f));

			if (!f)
				return -1;
			if (f->frag_off & bpf_htons(0xfff8))
				return IPPROTO_FRAGMENT;
			nexthdr = f->nexthdr;
			break;
		}
		default:
			return nexthdr;
		}
	}
	return is_ipv6_ext(nexthdr) ? -1 : nexthdr;
}

#endif /* XDPBLOCK_PARSING_BPF_H */
