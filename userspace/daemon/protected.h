/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The protected set of the running daemon: gathered from the host's
 * interface addresses (every interface of its network namespace), the
 * addresses of the url lists' servers, and `protect =`; kept in the
 * datapath (datapath/protectmap.h) and checked against each address list
 * at its load. No address of the set is ever logged or shown: only counts.
 */
#ifndef XDPBLOCK_PROTECTED_H
#define XDPBLOCK_PROTECTED_H

#include "daemon/daemon.h"

/*
 * Resolve every url list's host now (a numeric host as written, a name
 * through the system's resolver, which may block): at start-up, before
 * the first load, so that a cached list covering its own server cannot
 * cut off the download that would replace it; and after each reload of
 * the configuration.
 */
void protected_resolve_sources(struct daemon *d);

/*
 * Gather the set again (the host's addresses as they are now, the
 * resolved sources and the addresses the downloads connected to, the
 * configured prefixes) and make the datapath hold it. Logs the set's
 * size when it changes. Returns 0 or a negative errno.
 */
int protected_update(struct daemon *d);

/*
 * Check address list @lc, just parsed as @parsed under configuration
 * @cfg, against the protected set and the special-purpose ranges: the
 * counts go into @st, and a warning names the list and the numbers.
 */
void protected_check_list(const struct daemon *d,
			  const struct daemon_config *cfg,
			  const struct list_config *lc,
			  const struct parsed_list *parsed,
			  struct list_state *st);

#endif
