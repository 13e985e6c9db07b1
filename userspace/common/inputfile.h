/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Opening a file an operator names (a list, a signature, a public key, the
 * configuration). The daemon runs as root, so such a path is opened with
 * O_NOFOLLOW (a last component that is a symlink is refused) and
 * O_NONBLOCK, checked to be a regular file with fstat, and only then made
 * blocking: open() of a FIFO without a writer would otherwise hang the
 * daemon, and read() of a device could return forever.
 */
#ifndef XDPBLOCK_INPUTFILE_H
#define XDPBLOCK_INPUTFILE_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Open @path read-only as above. Returns the descriptor (and fills @st if
 * not NULL), or a negative errno with @err saying what is wrong and what
 * to do (without the path, which the caller puts where it belongs):
 * -ELOOP for a symlink, -EINVAL for anything but a regular file.
 */
int input_open(const char *path, struct stat *st, char *err, size_t errlen);

#endif
