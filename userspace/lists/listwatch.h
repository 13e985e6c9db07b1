/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reload a list when its file changes (inotify). The directories holding
 * the list files are watched, not the files: list updaters replace files
 * by rename, editors write a new inode, and a file may be deleted and come
 * back; all of that shows as events on the directory.
 */
#ifndef XDPBLOCK_LISTWATCH_H
#define XDPBLOCK_LISTWATCH_H

#include <stdint.h>

#include "config/config.h"

struct listwatch;

struct listwatch *listwatch_open(char *err, size_t errlen);
int listwatch_fd(const struct listwatch *lw);
/* Watch the directories of @cfg's lists (and nothing else any more). */
int listwatch_set(struct listwatch *lw, const struct daemon_config *cfg);
/*
 * Drain pending events: stale[i] is set for every list i of @cfg whose
 * file or signature file changed (no other name: temporaries beside a
 * list come and go without changing it). Returns how many lists it
 * marked, or -1 if events were lost (then every list is marked).
 */
int listwatch_read(struct listwatch *lw, const struct daemon_config *cfg,
		   uint8_t *stale);
void listwatch_close(struct listwatch *lw);

#endif
