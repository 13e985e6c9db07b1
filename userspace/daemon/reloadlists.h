/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The lists of a reload (reloadlists.c), the part of the transaction
 * (reload.c) that reads them: each list gets its list id and is loaded
 * whole into the next rule set; a list the reload does not read again
 * keeps its running rules. A list that cannot be loaded fails the reload,
 * unless it falls back (at start-up, or while it is degraded already): to
 * its last good copy, the rules it runs, or nothing, and is marked
 * degraded (xdpblockd(8), START-UP).
 */
#ifndef XDPBLOCK_RELOADLISTS_H
#define XDPBLOCK_RELOADLISTS_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/daemon.h"
#include "lists/lastgood.h"
#include "lists/liststate.h"

/*
 * Every list of @cfg into @next, its state into @states[i]. With @stale,
 * only lists i with stale[i] are read again. @names maps list ids to the
 * names of the new set (ids of @running, the running set's, are kept for
 * their names); signed versions are raised in @versions; the bytes of
 * each list read are staged in @copies as its last good copy. Returns 0,
 * or a negative errno with @res->error and @res->reason set.
 */
int reload_load_lists(const struct daemon *d, const struct daemon_config *cfg,
		      const uint8_t *stale, char (*names)[LIST_NAME_MAX],
		      char (*running)[LIST_NAME_MAX], struct ruleset *next,
		      struct list_state *states, struct list_versions *versions,
		      struct lastgood_batch *copies, struct reload_result *res);

/*
 * Does loaded list @loaded suit its configuration @lc (a reply action, or
 * protocols or dns_action, on a file of addresses; action or dns_action
 * on an RPZ zone)? 0, or -EINVAL with what to change in @err (naming
 * the file; the caller names the list). A reload and xdpblockd --check
 * ask the same.
 */
int daemon_list_fits(const struct list_config *lc,
		     const struct loaded_list *loaded, char *err,
		     size_t errlen);

#endif
