// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the anti-rollback state file (liststate.c). A state
 * that parses names each list once, with a valid name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lists/liststate.h"

#include "fuzz_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct list_versions vs;
	char *buf = malloc(size + 1), err[512];

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (list_versions_parse("fuzz-state", buf, size, &vs, err,
				sizeof(err)) == 0) {
		for (size_t i = 0; i < vs.nr; i++) {
			if (!vs.v[i].name[0] ||
			    list_versions_get(&vs, vs.v[i].name) !=
				    vs.v[i].version)
				__builtin_trap();
			for (size_t j = 0; j < i; j++)
				if (!strcmp(vs.v[i].name, vs.v[j].name))
					__builtin_trap();
		}
	} else if (strncmp(err, "fuzz-state:", 11) &&
		   !strstr(err, "out of memory")) {
		__builtin_trap();
	}
	list_versions_free(&vs);
	free(buf);
	return 0;
}
