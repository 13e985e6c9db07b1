/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What libFuzzer calls in a target (each defines TestOneInput, some Initialize). */
#ifndef XDPBLOCK_FUZZ_TARGET_H
#define XDPBLOCK_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
