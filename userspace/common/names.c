// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"

static int is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_';
}

/* Check canonical ASCII text: labels 1..63 of LDH or '_', total <= 253. */
static int check_ascii(const char *s, const char **why)
{
	size_t len = strlen(s), label = 0;

	if (!len) {
		*why = "empty name";
		return -EINVAL;
	}
	if (len > XDPB_NAME_TEXT_MAX) {
		*why = "name longer than 253 characters";
		return -EINVAL;
	}
	for (size_t i = 0; i <= len; i++) {
		if (s[i] == '.' || !s[i]) {
			if (!label) {
				*why = "empty label (two dots, or a leading dot)";
				return -EINVAL;
			}
			label = 0;
			continue;
		}
		if (!is_name_char((unsigned char)s[i])) {
			*why = "a character other than a-z 0-9 - _ in a label";
			return -EINVAL;
		}
		if (++label > XDPB_LABEL_MAX) {
			*why = "label longer than 63 characters";
			return -EINVAL;
		}
	}
	return 0;
}

int name_normalize(const char *in, size_t len, char *out, const char **why)
{
	char buf[1024];
	int ascii = 1;

	*why = NULL;
	if (len && in[len - 1] == '.')
		len--; /* the root label, written or not */
	if (!len) {
		*why = "empty name";
		return -EINVAL;
	}
	if (len >= sizeof(buf)) {
		*why = "name longer than 253 characters";
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = in[i];

		if (!c) {
			*why = "NUL byte in name";
			return -EINVAL;
		}
		if (c >= 0x80)
			ascii = 0;
		buf[i] = c >= 'A' && c <= 'Z' ? c + 32 : c;
	}
	buf[len] = '\0';
	if (!ascii) {
		char *ace = NULL;
		int rc = idn2_to_ascii_8z(buf, &ace, IDN2_NONTRANSITIONAL);

		if (rc != IDN2_OK) {
			*why = "not a valid internationalised name (IDNA2008)";
			return -EINVAL;
		}
		if (strlen(ace) >= sizeof(buf)) {
			idn2_free(ace);
			*why = "name longer than 253 characters";
			return -EINVAL;
		}
		strcpy(buf, ace);
		idn2_free(ace);
	}
	if (check_ascii(buf, why))
		return -EINVAL;
	strcpy(out, buf);
	return 0;
}

int name_to_wire(const char *text, uint8_t *wire, uint8_t *label_off)
{
	size_t pos = 0;
	int n = 0;

	memset(wire, 0, XDPB_NAME_BUF);
	while (*text) {
		const char *dot = strchr(text, '.');
		size_t l = dot ? (size_t)(dot - text) : strlen(text);

		label_off[n++] = pos;
		wire[pos] = l;
		memcpy(wire + pos + 1, text, l);
		pos += 1 + l;
		text += l + (dot ? 1 : 0);
	}
	wire[pos] = 0; /* root */
	return n;
}

int name_suffix_keys(const char *text, struct xdpb_name_key *keys,
		     struct xdpb_name_key *anchors)
{
	uint8_t wire[XDPB_NAME_BUF], label_off[XDPB_NAME_MAX_LABELS + 1];
	struct xdpb_name_state st;
	int n = name_to_wire(text, wire, label_off);

	/* as the datapath: from the right, each key extends the next one's */
	xdpb_name_state_init(&st);
	for (int i = n - 1; i >= 0; i--) {
		xdpb_name_mix_label(&st, wire, label_off[i]);
		xdpb_name_key_of(&st, &keys[i]);
	}
	for (int i = 0; i < n; i++)
		anchors[i] = keys[n - 2 >= i ? n - 2 : i];
	return n;
}

void name_key(const char *text, struct xdpb_name_key *key,
	      struct xdpb_name_key *anchor)
{
	struct xdpb_name_key keys[XDPB_NAME_MAX_LABELS + 1],
		anchors[XDPB_NAME_MAX_LABELS + 1];

	name_suffix_keys(text, keys, anchors);
	*key = keys[0];
	if (anchor)
		*anchor = anchors[0];
}

int name_key_cmp(const struct xdpb_name_key *a, const struct xdpb_name_key *b)
{
	if (a->hash[0] != b->hash[0])
		return a->hash[0] < b->hash[0] ? -1 : 1;
	if (a->hash[1] != b->hash[1])
		return a->hash[1] < b->hash[1] ? -1 : 1;
	return 0;
}

int name_labels(const char *text)
{
	int n = *text ? 1 : 0;

	for (; *text; text++)
		n += *text == '.';
	return n;
}

int name_looks_like_name(const char *text)
{
	/* addresses have ':' or are all digits and dots */
	if (strchr(text, ':') || strchr(text, '/'))
		return 0;
	for (const char *c = text; *c; c++)
		if (!((*c >= '0' && *c <= '9') || *c == '.'))
			return 1;
	return 0;
}
