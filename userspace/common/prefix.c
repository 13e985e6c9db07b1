// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/prefix.h"

int prefix_max_len(const struct prefix *p)
{
	return p->family == AF_INET ? 32 : 128;
}

void prefix_truncate(struct prefix *p, int plen)
{
	int bytes = p->family == AF_INET ? 4 : 16;

	for (int i = 0; i < bytes; i++) {
		int keep = plen - i * 8;

		if (keep <= 0)
			p->addr[i] = 0;
		else if (keep < 8)
			p->addr[i] &= (uint8_t)(0xff << (8 - keep));
	}
	p->plen = plen;
}

int address_parse(const char *text, struct prefix *out)
{
	memset(out, 0, sizeof(*out));
	if (strchr(text, ':')) {
		if (inet_pton(AF_INET6, text, out->addr) != 1)
			return -EINVAL;
		out->family = AF_INET6;
		out->plen = 128;
	} else {
		if (inet_pton(AF_INET, text, out->addr) != 1)
			return -EINVAL;
		out->family = AF_INET;
		out->plen = 32;
	}
	return 0;
}

int prefix_parse(const char *text, struct prefix *out, const char **why)
{
	char buf[PREFIX_STRLEN];
	const char *slash = strchr(text, '/');
	size_t addr_len = slash ? (size_t)(slash - text) : strlen(text);
	struct prefix masked;

	if (addr_len == 0 || addr_len >= sizeof(buf)) {
		*why = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	memcpy(buf, text, addr_len);
	buf[addr_len] = '\0';
	if (address_parse(buf, out) < 0) {
		*why = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	if (slash) {
		char *end;
		long plen;

		if (slash[1] < '0' || slash[1] > '9') {
			*why = "prefix length is not a number";
			return -EINVAL;
		}
		plen = strtol(slash + 1, &end, 10);
		if (*end != '\0' || plen > prefix_max_len(out)) {
			*why = out->family == AF_INET
				       ? "IPv4 prefix length must be 0..32"
				       : "IPv6 prefix length must be 0..128";
			return -EINVAL;
		}
		out->plen = plen;
	}
	masked = *out;
	prefix_truncate(&masked, out->plen);
	if (memcmp(masked.addr, out->addr, sizeof(out->addr)) != 0) {
		*why = "host bits set past the prefix length (write the network address)";
		return -EINVAL;
	}
	return 0;
}

void prefix_format(const struct prefix *p, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, addr, sizeof(addr));
	snprintf(buf, len, "%s/%u", addr, p->plen);
}

int prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
	if (r)
		return r;
	return (int)a->plen - (int)b->plen;
}

int prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	struct prefix t;

	if (outer->family != inner->family || outer->plen > inner->plen)
		return 0;
	t = *inner;
	prefix_truncate(&t, outer->plen);
	return memcmp(t.addr, outer->addr, sizeof(t.addr)) == 0;
}
