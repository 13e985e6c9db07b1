// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <linux/rtnetlink.h>

#include "common/log.h"
#include "daemon/linkwatch.h"

struct linkwatch {
	struct nl_sock *sk;
	int changed;
};

static void log_link(struct nl_object *obj, void *arg)
{
	struct rtnl_link *link = (struct rtnl_link *)obj;
	const char *what = arg;

	/* interface names only: they are configuration, not traffic */
	log_debug("link event: %s %s (ifindex %d)", what,
		  rtnl_link_get_name(link) ? rtnl_link_get_name(link) : "?",
		  rtnl_link_get_ifindex(link));
}

static int on_message(struct nl_msg *msg, void *arg)
{
	struct linkwatch *lw = arg;
	int type = nlmsg_hdr(msg)->nlmsg_type;

	/* which address: nobody's business but the protected set's */
	if (type == RTM_NEWADDR || type == RTM_DELADDR) {
		lw->changed |= LINKWATCH_ADDRS;
		return NL_OK;
	}
	if (type != RTM_NEWLINK && type != RTM_DELLINK)
		return NL_OK;
	lw->changed |= LINKWATCH_LINKS;
	nl_msg_parse(msg, log_link,
		     (void *)(type == RTM_NEWLINK ? "new/changed" : "deleted"));
	return NL_OK;
}

struct linkwatch *linkwatch_open(char *err, size_t errlen)
{
	struct linkwatch *lw = calloc(1, sizeof(*lw));
	int ret;

	if (!lw) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	lw->sk = nl_socket_alloc();
	if (!lw->sk) {
		snprintf(err, errlen, "cannot allocate a netlink socket");
		free(lw);
		return NULL;
	}
	/* events are unsolicited: no sequence numbers to check */
	nl_socket_disable_seq_check(lw->sk);
	nl_socket_modify_cb(lw->sk, NL_CB_VALID, NL_CB_CUSTOM, on_message, lw);
	ret = nl_connect(lw->sk, NETLINK_ROUTE);
	if (!ret)
		ret = nl_socket_add_memberships(lw->sk, RTNLGRP_LINK,
						RTNLGRP_IPV4_IFADDR,
						RTNLGRP_IPV6_IFADDR, 0);
	if (!ret)
		ret = nl_socket_set_nonblocking(lw->sk);
	if (ret) {
		snprintf(err, errlen,
			 "cannot subscribe to link events (rtnetlink): %s",
			 nl_geterror(ret));
		linkwatch_close(lw);
		return NULL;
	}
	return lw;
}

int linkwatch_fd(const struct linkwatch *lw)
{
	return nl_socket_get_fd(lw->sk);
}

int linkwatch_read(struct linkwatch *lw)
{
	struct nl_cb *cb = nl_socket_get_cb(lw->sk);
	int ret;

	lw->changed = 0;
	/* one datagram per call; 0 when none is left (non-blocking) */
	while ((ret = nl_recvmsgs_report(lw->sk, cb)) > 0)
		;
	nl_cb_put(cb);
	if (ret < 0) {
		/* an overrun lost events: have everything re-checked */
		log_debug(
			"link events: %s; re-checking interfaces and addresses",
			nl_geterror(ret));
		lw->changed = LINKWATCH_LINKS | LINKWATCH_ADDRS;
	}
	return lw->changed;
}

void linkwatch_close(struct linkwatch *lw)
{
	if (!lw)
		return;
	nl_socket_free(lw->sk);
	free(lw);
}
