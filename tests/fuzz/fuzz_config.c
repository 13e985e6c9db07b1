// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the configuration file (config.c, through libinih).
 * The input is written to a file, as the daemon reads one, and loaded.
 * Besides memory errors (ASan, UBSan), it checks what the daemon relies
 * on: a configuration that loads has an interface and lists with names
 * and paths, each list named once; one that does not says why, starting
 * with the file's name, in printable text only (issue 12, finding 9).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

#include "fuzz_target.h"

static char path[64];

static void remove_file(void)
{
	unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "/tmp/fuzz_config.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);
	atexit(remove_file);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct daemon_config cfg;
	char err[1024];
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	if (config_load(path, &cfg, err, sizeof(err)) == 0) {
		if (cfg.nr_ifaces < 1)
			__builtin_trap();
		for (int i = 0; i < cfg.nr_lists; i++) {
			if (!cfg.lists[i].name[0] || !cfg.lists[i].path[0])
				__builtin_trap();
			for (int j = 0; j < i; j++)
				if (!strcmp(cfg.lists[i].name,
					    cfg.lists[j].name))
					__builtin_trap();
		}
	} else {
		if (strncmp(err, path, strlen(path)))
			__builtin_trap();
		for (const char *p = err; *p; p++)
			if ((unsigned char)*p < 0x20 ||
			    (unsigned char)*p > 0x7e)
				__builtin_trap();
	}
	return 0;
}
