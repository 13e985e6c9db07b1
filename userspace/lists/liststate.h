/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Anti-rollback state: per list name, the newest signed version (the
 * trusted comment's timestamp) ever accepted. Kept in
 * STATE_DIR/list-versions so that it survives restarts:
 *
 *   # comment
 *   NAME VERSION
 *
 * It is written in two steps around an activation: list_versions_prepare()
 * writes and syncs a temporary file before the switch, so a state
 * directory that cannot be written fails the reload while nothing has
 * changed; list_versions_commit() renames it into place after the switch.
 */
#ifndef XDPBLOCK_LISTSTATE_H
#define XDPBLOCK_LISTSTATE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "common/safefile.h"
#include "config/config.h"

#define LIST_VERSIONS_FILE "list-versions"

struct list_version {
	char name[LIST_NAME_MAX];
	uint64_t version;
};

struct list_versions {
	struct list_version *v;
	size_t nr;
	int changed; /* set by list_versions_raise() */
	int prepared; /* tmp holds the new state, not yet renamed */
	struct safe_tmp tmp;
};

/*
 * Read STATE_DIR/list-versions; a missing file or directory is an empty
 * state. Returns 0, or a negative errno with @err naming the file and line.
 */
int list_versions_load(const char *state_dir, struct list_versions *vs,
		       char *err, size_t errlen);
/* The same, from the file's contents in @buf (changed in place). */
int list_versions_parse(const char *path, char *buf, size_t len,
			struct list_versions *vs, char *err, size_t errlen);
/* The version accepted for @name, 0 if none. */
uint64_t list_versions_get(const struct list_versions *vs, const char *name);
/* Record @version for @name if it is newer. Returns 0 or -ENOMEM. */
int list_versions_raise(struct list_versions *vs, const char *name,
			uint64_t version);
/*
 * Create @state_dir (0700) if missing, refuse it if others can write it,
 * and write the state to a synced temporary file in it. Returns 0, or a negative errno with @err set.
 */
int list_versions_prepare(const char *state_dir, struct list_versions *vs,
			  char *err, size_t errlen);
/* Rename the prepared file into place and sync the directory. */
int list_versions_commit(const char *state_dir, struct list_versions *vs,
			 char *err, size_t errlen);
/* Remove a prepared file that will not be committed; free everything. */
void list_versions_free(struct list_versions *vs);

/* mkdir -p of @state_dir: missing parents 0755, the directory itself 0700. */
int state_dir_make(const char *state_dir);

#endif
