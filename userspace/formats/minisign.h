/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * minisign signatures (https://jedisct1.github.io/minisign/), verified with
 * libsodium. Only verification: the daemon never sees a secret key.
 *
 * Public key: base64 of "Ed" || key id (8 bytes) || Ed25519 key (32).
 * Signature file, four lines:
 *   untrusted comment: <anything>
 *   base64 of "Ed" or "ED" || key id (8) || signature (64)
 *   trusted comment: <text>
 *   base64 of the global signature (64) over signature || <text>
 * "Ed" (legacy) signs the file itself, "ED" (the default since minisign
 * 0.8) signs its BLAKE2b-512 hash.
 */
#ifndef XDPBLOCK_MINISIGN_H
#define XDPBLOCK_MINISIGN_H

#include <stddef.h>
#include <stdint.h>

#define MINISIGN_KEY_ID_BYTES 8
#define MINISIGN_PK_BYTES 32
#define MINISIGN_SIG_BYTES 64
/* minisign's own limit on a trusted comment line (TRUSTEDCOMMENTMAXBYTES) */
#define MINISIGN_TRUSTED_COMMENT_MAX 8192
/* A key id as minisign prints it: 16 upper-case hex digits. */
#define MINISIGN_KEY_ID_STRLEN 17

struct minisign_key {
	uint8_t id[MINISIGN_KEY_ID_BYTES];
	uint8_t pk[MINISIGN_PK_BYTES];
};

struct minisign_sig {
	int prehashed; /* "ED": the signature is over BLAKE2b-512(file) */
	uint8_t key_id[MINISIGN_KEY_ID_BYTES];
	uint8_t sig[MINISIGN_SIG_BYTES];
	uint8_t global_sig[MINISIGN_SIG_BYTES];
	char trusted_comment[MINISIGN_TRUSTED_COMMENT_MAX];
	size_t trusted_comment_len;
};

/*
 * Parse the base64 public key (what `minisign -G` prints, the second line
 * of its .pub file). Returns 0, or -EINVAL with *why set.
 */
int minisign_key_parse(const char *text, struct minisign_key *key,
		       const char **why);
/*
 * Parse the contents of a .pub file: an optional "untrusted comment:"
 * line, then the key line. Returns 0, or -EINVAL with *why set.
 */
int minisign_pubfile_parse(const char *text, size_t len,
			   struct minisign_key *key, const char **why);
/*
 * Parse a .minisig file. Returns 0, or -EINVAL with @err saying which line
 * of it is wrong and how.
 */
int minisign_sig_parse(const char *text, size_t len, struct minisign_sig *sig,
		       char *err, size_t errlen);
/*
 * Verify @sig over @msg with whichever of @keys has the signature's key
 * id. Returns the index of that key, -ENOKEY when no key has that id, or
 * -EBADMSG when the signature or the trusted comment does not verify.
 */
int minisign_verify(const struct minisign_sig *sig,
		    const struct minisign_key *keys, int nr_keys,
		    const void *msg, size_t len);
/*
 * The "timestamp:N" field of a trusted comment (minisign writes
 * "timestamp:<unix time>\tfile:<name>[\thashed]"). Returns 0, -ENOENT when
 * there is none, -EINVAL (with *why) when it is malformed or repeated.
 */
int minisign_timestamp(const char *trusted_comment, uint64_t *ts,
		       const char **why);
/*
 * The "file:NAME" field of a trusted comment: the base name of the file
 * minisign signed. Sets *@name to it and *@name_len to its length up to
 * the next tab. Returns 0, -ENOENT when there is none, -EINVAL (with
 * *why) when there are two.
 */
int minisign_signed_file(const char *trusted_comment, const char **name,
			 size_t *name_len, const char **why);
/*
 * Does the file: value @value (@value_len bytes, as minisign_signed_file
 * gives it) name the file @name? It does when it is @name whole, or
 * @name followed by a space (a hand-written comment). Returns 1 or 0.
 */
int minisign_file_is(const char *value, size_t value_len, const char *name,
		     size_t name_len);
void minisign_key_id_str(const uint8_t id[MINISIGN_KEY_ID_BYTES],
			 char out[MINISIGN_KEY_ID_STRLEN]);

#endif
