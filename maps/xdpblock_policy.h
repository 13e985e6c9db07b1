/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The decision policy both sides run: which of the rules that match a
 * packet decides it (addresses: xdpb_decide(); names: the suffix walk's
 * xdpb_name_rule_beats(), then xdpb_decide_name() against the address
 * verdict). The datapath runs it per packet; userspace runs the same code
 * in the reference matcher (refmatch.c) and the tests.
 */
#ifndef XDPBLOCK_POLICY_H
#define XDPBLOCK_POLICY_H

#include "xdpblock_abi.h"

/*
 * The rule that decides a packet: the higher action of the source-side and
 * destination-side matches, then the longer prefix, then the source side.
 * NULL when neither side has a rule.
 */
static inline const struct xdpb_match *
xdpb_decide(const struct xdpb_leaf *src_leaf, int have_src,
	    const struct xdpb_leaf *dst_leaf, int have_dst)
{
	const struct xdpb_match *s = have_src ? &src_leaf->dir[XDPB_DIR_SRC]
					      : 0;
	const struct xdpb_match *d = have_dst ? &dst_leaf->dir[XDPB_DIR_DST]
					      : 0;

	if (s && s->action == XDPB_ACT_NONE)
		s = 0;
	if (d && d->action == XDPB_ACT_NONE)
		d = 0;
	if (!s)
		return d;
	if (!d)
		return s;
	if (d->action != s->action)
		return d->action > s->action ? d : s;
	return d->prefixlen > s->prefixlen ? d : s;
}

/*
 * Where a domain rule stands against the match @m already chosen: allow
 * beats any block, a block beats monitor; within that the rule of the
 * name with more labels (the more specific), then the higher action,
 * then the lower list id. Returns non-zero if (@action, @labels,
 * @list_id) beats @m.
 */
static inline int xdpb_action_class(__u32 action)
{
	switch (action) {
	case XDPB_ACT_NONE:
		return 0;
	case XDPB_ACT_MONITOR:
		return 1;
	case XDPB_ACT_ALLOW:
		return 3;
	default:
		return 2; /* drop and the replies */
	}
}

/*
 * What a domain rule of @action does in the DNS view (@web 0) or the TLS
 * SNI / HTTP Host view (@web 1) of a name, XDPB_ACT_NONE where it takes
 * no part. A listed name is blocked on every protocol: a DNS answer
 * (nxdomain, refused, sinkhole) means nothing on a TCP connection to a web
 * server, so there the rule resets; a reset means nothing to a DNS query,
 * so there it answers @reset_dns (nxdomain when NONE; the list's
 * dns_action). Drop, monitor and allow are the same everywhere. @views
 * (enum xdpb_name_views, the list's protocols) narrows the views.
 */
static inline __u8 xdpb_view_action(__u8 action, __u8 reset_dns, __u8 views,
				    int web)
{
	if (!(views & (web ? XDPB_VIEW_WEB : XDPB_VIEW_DNS)))
		return XDPB_ACT_NONE;
	switch (action) {
	case XDPB_ACT_NXDOMAIN:
	case XDPB_ACT_REFUSED:
	case XDPB_ACT_SINKHOLE:
		return web ? XDPB_ACT_RESET : action;
	case XDPB_ACT_RESET:
		if (web)
			return action;
		return reset_dns != XDPB_ACT_NONE ? reset_dns
						  : XDPB_ACT_NXDOMAIN;
	default:
		return action;
	}
}

static inline int xdpb_name_rule_beats(__u32 action, __u32 labels,
				       __u32 list_id,
				       const struct xdpb_match *m)
{
	if (xdpb_action_class(action) != xdpb_action_class(m->action))
		return xdpb_action_class(action) > xdpb_action_class(m->action);
	if (labels != m->prefixlen)
		return labels > m->prefixlen;
	if (action != m->action)
		return action > m->action;
	return list_id < m->list_id;
}

/*
 * The rule that decides a DNS query packet, from the address verdict
 * @ip (NULL: no address rule) and the name verdict @name (NULL: none).
 * An address allow wins over everything. A name allow only lifts name
 * blocks: an address drop stands. Otherwise the higher action, and on a
 * tie the address rule.
 */
static inline const struct xdpb_match *
xdpb_decide_name(const struct xdpb_match *ip, const struct xdpb_match *name)
{
	if (!name || name->action == XDPB_ACT_NONE)
		return ip;
	if (!ip)
		return name;
	if (ip->action == XDPB_ACT_ALLOW)
		return ip;
	if (name->action == XDPB_ACT_ALLOW)
		return ip->action == XDPB_ACT_DROP ? ip : name;
	return name->action > ip->action ? name : ip;
}

#endif /* XDPBLOCK_POLICY_H */
