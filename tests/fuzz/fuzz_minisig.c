// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the signature reader (minisign.c). The input is read
 * as a .minisig file, a .pub file and a key line; a signature that parses
 * is verified against tests/data/minisign/signed-list.txt and its key,
 * so mutations of the real signatures (the seed corpus) reach the
 * verification and the timestamp: and file: parsers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/minisign.h"

#include "fuzz_target.h"

/* tests/data/minisign/key.pub and signed-list.txt */
#define TEST_KEY "RWSCAGGuFqqKwe+EKkHLco6mB1rMAs88WRcD3j8ZieWp660hpEyHBYzn"
static const char signed_list[] =
	"# xdpblock test list, signed by tests/data/minisign/key.pub\n"
	"192.0.2.0/24\n198.51.100.7\n2001:db8:dead::/48\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct minisign_sig sig;
	struct minisign_key key, keys[1];
	const char *why, *name;
	char err[256], *text;
	size_t name_len;
	uint64_t ts;
	int ret;

	if (minisign_key_parse(TEST_KEY, &keys[0], &why))
		__builtin_trap();
	ret = minisign_sig_parse((const char *)data, size, &sig, err,
				 sizeof(err));
	if (ret == 0) {
		if (sig.trusted_comment_len != strlen(sig.trusted_comment))
			__builtin_trap();
		ret = minisign_verify(&sig, keys, 1, signed_list,
				      sizeof(signed_list) - 1);
		if (ret != 0 && ret != -ENOKEY && ret != -EBADMSG)
			__builtin_trap();
		ret = minisign_timestamp(sig.trusted_comment, &ts, &why);
		if (ret != 0 && ret != -ENOENT && ret != -EINVAL)
			__builtin_trap();
		ret = minisign_signed_file(sig.trusted_comment, &name,
					   &name_len, &why);
		if (ret == 0 && (name_len > strlen(name) ||
				 !minisign_file_is(name, name_len, name,
						   name_len) != !name_len))
			__builtin_trap();
		if (ret != 0 && ret != -ENOENT && ret != -EINVAL)
			__builtin_trap();
	} else if (!err[0]) {
		__builtin_trap();
	}
	minisign_pubfile_parse((const char *)data, size, &key, &why);

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	minisign_key_parse(text, &key, &why);
	minisign_timestamp(text, &ts, &why);
	free(text);
	return 0;
}
