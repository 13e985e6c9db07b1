// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "formats/minisign.h"

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "

_Static_assert(MINISIGN_PK_BYTES == crypto_sign_PUBLICKEYBYTES,
	       "Ed25519 public key size");
_Static_assert(MINISIGN_SIG_BYTES == crypto_sign_BYTES,
	       "Ed25519 signature size");

/* Decode exactly @want bytes of standard base64 from [text, text + len). */
static int b64_decode(const char *text, size_t len, void *out, size_t want)
{
	const char *end = NULL;
	size_t got = 0;

	if (sodium_base642bin(out, want, text, len, NULL, &got, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -EINVAL;
	return got == want && end == text + len ? 0 : -EINVAL;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int minisign_key_parse(const char *text, struct minisign_key *key,
		       const char **why)
{
	uint8_t raw[2 + MINISIGN_KEY_ID_BYTES + MINISIGN_PK_BYTES];
	size_t len = strlen(text);

	while (len && (is_blank(text[len - 1]) || text[len - 1] == '\r'))
		len--;
	while (len && is_blank(*text)) {
		text++;
		len--;
	}
	if (b64_decode(text, len, raw, sizeof(raw)) < 0) {
		*why = "not a minisign public key (expected the 56-character base64 line starting with RW that minisign -G writes)";
		return -EINVAL;
	}
	if (memcmp(raw, "Ed", 2)) {
		*why = "not an Ed25519 minisign public key";
		return -EINVAL;
	}
	memcpy(key->id, raw + 2, MINISIGN_KEY_ID_BYTES);
	memcpy(key->pk, raw + 2 + MINISIGN_KEY_ID_BYTES, MINISIGN_PK_BYTES);
	return 0;
}

/* The next line of [*pos, end) without its "\n"; NULL at the end. */
static const char *next_line(const char **pos, const char *end,
			     size_t *line_len, int *had_newline)
{
	const char *line = *pos, *nl;

	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', end - line);
	*had_newline = nl != NULL;
	if (!nl)
		nl = end;
	*line_len = nl - line;
	*pos = nl < end ? nl + 1 : end;
	return line;
}

int minisign_pubfile_parse(const char *text, size_t len,
			   struct minisign_key *key, const char **why)
{
	const char *pos = text, *end = text + len, *line;
	char buf[128];
	size_t line_len;
	int nl;

	while ((line = next_line(&pos, end, &line_len, &nl))) {
		if (line_len >= sizeof(UNTRUSTED_PREFIX) - 1 &&
		    !memcmp(line, UNTRUSTED_PREFIX,
			    sizeof(UNTRUSTED_PREFIX) - 1))
			continue;
		if (line_len >= sizeof(buf) || memchr(line, '\0', line_len))
			break;
		memcpy(buf, line, line_len);
		buf[line_len] = '\0';
		return minisign_key_parse(buf, key, why);
	}
	*why = "no public key in it (expected the .pub file minisign -G writes)";
	return -EINVAL;
}

int minisign_sig_parse(const char *text, size_t len, struct minisign_sig *sig,
		       char *err, size_t errlen)
{
	uint8_t raw[2 + MINISIGN_KEY_ID_BYTES + MINISIGN_SIG_BYTES];
	const char *pos = text, *end = text + len, *line[4];
	size_t line_len[4];
	int nl[4], n;
	const char *tc;
	size_t tc_len;

	memset(sig, 0, sizeof(*sig));
	for (n = 0; n < 4; n++) {
		line[n] = next_line(&pos, end, &line_len[n], &nl[n]);
		if (!line[n]) {
			snprintf(
				err, errlen,
				"ends after %d line(s): a minisign signature has 4 (was the file cut short?)",
				n);
			return -EINVAL;
		}
		/* minisign allows one CR before the LF and nowhere else */
		if (line_len[n] && line[n][line_len[n] - 1] == '\r')
			line_len[n]--;
		if (memchr(line[n], '\r', line_len[n]) ||
		    memchr(line[n], '\0', line_len[n])) {
			snprintf(err, errlen,
				 "line %d: stray carriage return or NUL byte",
				 n + 1);
			return -EINVAL;
		}
		if (n < 3 && !nl[n]) {
			snprintf(
				err, errlen,
				"line %d: no line end (was the file cut short?)",
				n + 1);
			return -EINVAL;
		}
	}
	if (line_len[0] < sizeof(UNTRUSTED_PREFIX) - 1 ||
	    memcmp(line[0], UNTRUSTED_PREFIX, sizeof(UNTRUSTED_PREFIX) - 1)) {
		snprintf(err, errlen,
			 "line 1: does not start with \"" UNTRUSTED_PREFIX
			 "\" (not a minisign signature file)");
		return -EINVAL;
	}
	if (b64_decode(line[1], line_len[1], raw, sizeof(raw)) < 0) {
		snprintf(err, errlen,
			 "line 2: not a base64 minisign signature of %zu bytes",
			 sizeof(raw));
		return -EINVAL;
	}
	if (!memcmp(raw, "ED", 2)) {
		sig->prehashed = 1;
	} else if (memcmp(raw, "Ed", 2)) {
		snprintf(
			err, errlen,
			"line 2: unknown signature algorithm (minisign writes Ed or ED)");
		return -EINVAL;
	}
	memcpy(sig->key_id, raw + 2, MINISIGN_KEY_ID_BYTES);
	memcpy(sig->sig, raw + 2 + MINISIGN_KEY_ID_BYTES, MINISIGN_SIG_BYTES);

	if (line_len[2] < sizeof(TRUSTED_PREFIX) - 1 ||
	    memcmp(line[2], TRUSTED_PREFIX, sizeof(TRUSTED_PREFIX) - 1)) {
		snprintf(err, errlen,
			 "line 3: does not start with \"" TRUSTED_PREFIX "\"");
		return -EINVAL;
	}
	tc = line[2] + sizeof(TRUSTED_PREFIX) - 1;
	tc_len = line_len[2] - (sizeof(TRUSTED_PREFIX) - 1);
	if (tc_len >= sizeof(sig->trusted_comment)) {
		snprintf(err, errlen,
			 "line 3: trusted comment longer than %d bytes",
			 MINISIGN_TRUSTED_COMMENT_MAX - 1);
		return -EINVAL;
	}
	/* as minisign: tabs and UTF-8 are fine, control characters are not */
	for (size_t i = 0; i < tc_len; i++) {
		unsigned char c = tc[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			snprintf(
				err, errlen,
				"line 3: control character in the trusted comment");
			return -EINVAL;
		}
	}
	memcpy(sig->trusted_comment, tc, tc_len);
	sig->trusted_comment[tc_len] = '\0';
	sig->trusted_comment_len = tc_len;

	if (b64_decode(line[3], line_len[3], sig->global_sig,
		       MINISIGN_SIG_BYTES) < 0) {
		snprintf(
			err, errlen,
			"line 4: not a base64 signature of the trusted comment");
		return -EINVAL;
	}
	return 0;
}

int minisign_verify(const struct minisign_sig *sig,
		    const struct minisign_key *keys, int nr_keys,
		    const void *msg, size_t len)
{
	uint8_t hash[crypto_generichash_BYTES_MAX];
	uint8_t *signed_comment;
	const struct minisign_key *key = NULL;
	int idx, ok;

	for (idx = 0; idx < nr_keys; idx++) {
		if (!memcmp(keys[idx].id, sig->key_id, MINISIGN_KEY_ID_BYTES)) {
			key = &keys[idx];
			break;
		}
	}
	if (!key)
		return -ENOKEY;
	if (sodium_init() < 0)
		return -ENOMEM;

	if (sig->prehashed) {
		crypto_generichash(hash, sizeof(hash), msg, len, NULL, 0);
		ok = crypto_sign_verify_detached(sig->sig, hash, sizeof(hash),
						 key->pk) == 0;
	} else {
		ok = crypto_sign_verify_detached(sig->sig, msg, len, key->pk) ==
		     0;
	}
	if (!ok)
		return -EBADMSG;

	/* The trusted comment is bound to this signature, not to the file. */
	signed_comment = malloc(MINISIGN_SIG_BYTES + sig->trusted_comment_len);
	if (!signed_comment)
		return -ENOMEM;
	memcpy(signed_comment, sig->sig, MINISIGN_SIG_BYTES);
	memcpy(signed_comment + MINISIGN_SIG_BYTES, sig->trusted_comment,
	       sig->trusted_comment_len);
	ok = crypto_sign_verify_detached(sig->global_sig, signed_comment,
					 MINISIGN_SIG_BYTES +
						 sig->trusted_comment_len,
					 key->pk) == 0;
	free(signed_comment);
	return ok ? idx : -EBADMSG;
}

int minisign_timestamp(const char *trusted_comment, uint64_t *ts,
		       const char **why)
{
	static const char field[] = "timestamp:";
	const char *p = trusted_comment;
	int found = 0;

	while (*p) {
		const char *tok = p, *tok_end;

		while (*tok && is_blank(*tok))
			tok++;
		tok_end = tok;
		while (*tok_end && !is_blank(*tok_end))
			tok_end++;
		p = tok_end;
		if ((size_t)(tok_end - tok) < sizeof(field) - 1 ||
		    memcmp(tok, field, sizeof(field) - 1))
			continue;
		if (found) {
			*why = "the trusted comment has two timestamp: fields";
			return -EINVAL;
		}
		found = 1;
		tok += sizeof(field) - 1;
		*ts = 0;
		if (tok == tok_end) {
			*why = "the trusted comment's timestamp: is empty";
			return -EINVAL;
		}
		for (; tok < tok_end; tok++) {
			if (*tok < '0' || *tok > '9' ||
			    *ts > (UINT64_MAX - (uint64_t)(*tok - '0')) / 10) {
				*why = "the trusted comment's timestamp: is not a number of seconds";
				return -EINVAL;
			}
			*ts = *ts * 10 + (*tok - '0');
		}
	}
	if (!found) {
		*why = "the trusted comment has no timestamp: field";
		return -ENOENT;
	}
	return 0;
}

int minisign_signed_file(const char *trusted_comment, const char **name,
			 size_t *name_len, const char **why)
{
	static const char field[] = "file:";
	const char *p = trusted_comment, *found = NULL;

	for (; *p; p++) {
		if (p != trusted_comment && !is_blank(p[-1]))
			continue;
		if (strncmp(p, field, sizeof(field) - 1))
			continue;
		if (found) {
			*why = "the trusted comment has two file: fields";
			return -EINVAL;
		}
		found = p + sizeof(field) - 1;
	}
	if (!found)
		return -ENOENT;
	*name = found;
	/* minisign separates fields with tabs; a name may hold spaces */
	*name_len = strcspn(found, "\t");
	return 0;
}

int minisign_file_is(const char *value, size_t value_len, const char *name,
		     size_t name_len)
{
	/*
	 * minisign's "file:NAME\t..." ends at the tab; a hand-written comment
	 * ("file:NAME more words") at a space: the name, then a field end.
	 */
	if (!name_len || name_len > value_len || memcmp(value, name, name_len))
		return 0;
	return name_len == value_len || is_blank(value[name_len]);
}

void minisign_key_id_str(const uint8_t id[MINISIGN_KEY_ID_BYTES],
			 char out[MINISIGN_KEY_ID_STRLEN])
{
	/* minisign prints the id as a little-endian 64-bit number */
	for (int i = 0; i < MINISIGN_KEY_ID_BYTES; i++)
		snprintf(out + 2 * i, 3, "%02X",
			 id[MINISIGN_KEY_ID_BYTES - 1 - i]);
}
