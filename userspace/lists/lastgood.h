/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The last good copy of each list: the bytes of the last version a reload
 * accepted (as stored, gzip still compressed) with its signature, kept in
 * STATE_DIR/lastgood/list-NAME so that a list that cannot be loaded at
 * start-up (rolled back, truncated, deleted, no network) starts with the
 * rules it had instead of none. One file holds both, so a crash can never
 * pair a list with another version's signature:
 *
 *   xdpblock-last-good 1\n
 *   signature BYTES\n        (0: an unsigned list)
 *   list BYTES\n
 *   \n
 *   SIGNATURE LIST
 *
 * A copy is verified again when it is used, like the file it came from:
 * same keys, same file name in the trusted comment, same rollback check.
 *
 * Copies are written in two steps around an activation, like the
 * anti-rollback state: lastgood_stage() writes and syncs a hidden file,
 * lastgood_commit() renames it into place once the new rules are active.
 */
#ifndef XDPBLOCK_LASTGOOD_H
#define XDPBLOCK_LASTGOOD_H

#include <stddef.h>

#include "config/config.h"
#include "lists/listload.h"

#define LASTGOOD_DIR "lastgood"

struct lastgood_staged {
	char hidden[300]; /* the synced file, not yet under its name */
	char target[LIST_NAME_MAX + 8]; /* list-NAME */
};

/* The copies one reload writes. */
struct lastgood_batch {
	struct lastgood_staged items[XDPB_MAX_LISTS];
	int nr;
};

/*
 * Stage @bytes as the last good copy of list @name, unless the copy there
 * already holds exactly these bytes. 0 (staged or already there), or a
 * negative errno with @err set: the list is still good, only its copy is
 * missing.
 */
int lastgood_stage(struct lastgood_batch *b, const char *state_dir,
		   const char *name, const struct list_bytes *bytes, char *err,
		   size_t errlen);
/* Rename the staged copies into place and sync the directory. */
int lastgood_commit(struct lastgood_batch *b, const char *state_dir, char *err,
		    size_t errlen);
/* Remove staged copies that will not be committed. */
void lastgood_discard(struct lastgood_batch *b, const char *state_dir);

/*
 * Read the last good copy of list @name into @out (free it with
 * list_bytes_free()); @out->mtime is when it was saved. -ENOENT if there
 * is none; another negative errno with @err saying what is wrong with it.
 */
int lastgood_read(const char *state_dir, const char *name, uint64_t max_bytes,
		  struct list_bytes *out, char *err, size_t errlen);

/* The copy's path, for messages. */
void lastgood_path(char *buf, size_t len, const char *state_dir,
		   const char *name);

/*
 * Remove the copies of lists @cfg no longer has (a list added back under
 * the same name months later must not start from its old copy), and
 * copies a daemon staged but died before committing.
 */
void lastgood_prune(const char *state_dir, const struct daemon_config *cfg);

#endif
