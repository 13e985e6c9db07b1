/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The release, as xdpblock_build_info{version=...} reports it. */
#ifndef XDPBLOCK_VERSION_H
#define XDPBLOCK_VERSION_H

#define XDPBLOCK_VERSION "0.1.0"

#endif
