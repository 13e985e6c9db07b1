/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Messages that quote a list, a signature or the configuration go to the
 * journal, a terminal (xdpblockctl) and JSON. A byte from such a file may
 * be a terminal escape (ESC [ 31 m, or the 8-bit CSI 0x9b), so every byte
 * outside printable ASCII is written as \xNN. The output is printable
 * ASCII, so escaping twice changes nothing: log.c escapes every line again
 * as a last guard without doubling what the message's source escaped.
 */
#ifndef XDPBLOCK_ESCAPE_H
#define XDPBLOCK_ESCAPE_H

#include <stddef.h>

/*
 * Escape the string in @msg (a buffer of @size bytes) in place, cutting
 * it at a whole escape when it no longer fits. Returns the new length.
 */
size_t text_escape(char *msg, size_t size);

#endif
