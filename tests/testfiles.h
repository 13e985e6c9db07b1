/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Files for C tests: temporary files in one directory removed by
 * tmp_cleanup(), and the data files in tests/data ($XDPBLOCK_TOP/tests/data,
 * or ./tests/data when XDPBLOCK_TOP is unset).
 */
#ifndef XDPBLOCK_TESTFILES_H
#define XDPBLOCK_TESTFILES_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The public keys in tests/data/minisign (key.pub and other.pub). */
#define TEST_KEY "RWSCAGGuFqqKwe+EKkHLco6mB1rMAs88WRcD3j8ZieWp660hpEyHBYzn"
#define TEST_KEY_ID "C18AAA16AE610082"
#define OTHER_KEY "RWQ0Wct8muGJRyA/8cT0ajuDsMOhO43bChVBLvWsi8R/YOsreOY/a58S"
#define OTHER_KEY_ID "4789E19A7CCB5934"

/*
 * Temporary files, all in one directory removed at exit; weak, so that the
 * files of one program (unit_tests and its suites) share the directory.
 */
__attribute__((weak)) char tmp_dir[64];
__attribute__((weak)) char tmp_names[256][128];
__attribute__((weak)) int nr_tmp_names;

static inline const char *tmp_write(const char *name, const char *data,
				    size_t len)
{
	char *path;
	FILE *f;

	if (!tmp_dir[0]) {
		const char *base = getenv("TMPDIR");

		snprintf(tmp_dir, sizeof(tmp_dir), "%s/xdpblock-unit.XXXXXX",
			 base && strlen(base) < 32 ? base : "/tmp");
		if (!mkdtemp(tmp_dir)) {
			perror("mkdtemp");
			exit(2);
		}
	}
	if (nr_tmp_names == (int)(sizeof(tmp_names) / sizeof(tmp_names[0]))) {
		fprintf(stderr, "too many temporary files\n");
		exit(2);
	}
	path = tmp_names[nr_tmp_names++];
	if (snprintf(path, sizeof(tmp_names[0]), "%s/%s", tmp_dir, name) >=
	    (int)sizeof(tmp_names[0])) {
		fprintf(stderr, "temporary file name too long: %s\n", name);
		exit(2);
	}
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(2);
	}
	return path;
}

static inline const char *tmp_write_str(const char *name, const char *text)
{
	return tmp_write(name, text, strlen(text));
}

static inline void tmp_cleanup(void)
{
	for (int i = 0; i < nr_tmp_names; i++)
		unlink(tmp_names[i]);
	if (tmp_dir[0])
		rmdir(tmp_dir);
}

static inline const char *data_path(const char *name)
{
	static char path[PATH_MAX];
	const char *top = getenv("XDPBLOCK_TOP");

	if (snprintf(path, sizeof(path), "%s/tests/data/%s",
		     top && *top ? top : ".", name) >= (int)sizeof(path)) {
		fprintf(stderr, "data path too long: %s\n", name);
		exit(2);
	}
	return path;
}

static inline int file_bytes(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;

	*data = NULL;
	if (!f)
		return -1;
	if (fstat(fileno(f), &st) || !(*data = malloc(st.st_size + 1)) ||
	    fread(*data, 1, st.st_size, f) != (size_t)st.st_size) {
		fclose(f);
		free(*data);
		*data = NULL;
		return -1;
	}
	fclose(f);
	*len = st.st_size;
	return 0;
}

#endif
