// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: gzip inflation (listload.c, list_gunzip) under a
 * 1 MiB cap. Checks that the cap holds, the output is terminated, and
 * that an input that inflates also inflates, byte for byte the same,
 * under a cap of exactly its size and fails under one byte less.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lists/listload.h"

#include "fuzz_target.h"

#define CAP (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL, *again = NULL, err[256];
	size_t out_len = 0, again_len = 0;
	int ret = list_gunzip("fuzz.gz", data, size, CAP, &out, &out_len, err,
			      sizeof(err));

	if (ret) {
		if (out ||
		    (ret != -EINVAL && ret != -EFBIG && ret != -ENOMEM) ||
		    strncmp(err, "fuzz.gz: ", 9))
			__builtin_trap();
		return 0;
	}
	if (!out || out_len > CAP || out[out_len] != '\0')
		__builtin_trap();
	if (out_len >= 4096) {
		ret = list_gunzip("fuzz.gz", data, size, out_len, &again,
				  &again_len, err, sizeof(err));
		if (ret || again_len != out_len || memcmp(again, out, out_len))
			__builtin_trap();
		free(again);
		again = NULL;
		ret = list_gunzip("fuzz.gz", data, size, out_len - 1, &again,
				  &again_len, err, sizeof(err));
		if (ret != -EFBIG || again)
			__builtin_trap();
	}
	free(out);
	return 0;
}
