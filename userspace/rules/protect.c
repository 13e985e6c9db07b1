// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules/protect.h"

const char *protect_kind_name(int kind)
{
	static const char *const names[PROTECT_NR_KINDS] = {
		[PROTECT_KIND_HOST] = "host",
		[PROTECT_KIND_SOURCE] = "source",
		[PROTECT_KIND_OPERATOR] = "operator",
	};

	return kind >= 0 && kind < PROTECT_NR_KINDS ? names[kind] : "?";
}

int protect_set_add(struct protect_set *s, const struct prefix *p,
		    uint32_t kind)
{
	struct prefix clean = *p;
	size_t same_family = 0;

	prefix_truncate(&clean, p->plen);
	for (size_t i = 0; i < s->nr; i++) {
		if (!prefix_cmp(&s->entries[i].prefix, &clean)) {
			s->entries[i].kinds |= kind;
			return 0;
		}
		same_family += s->entries[i].prefix.family == clean.family;
	}
	if (same_family >= XDPB_MAX_PROTECTED)
		return -E2BIG;
	if (s->nr == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct protect_entry *e = realloc(s->entries, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		s->entries = e;
		s->cap = cap;
	}
	s->entries[s->nr].prefix = clean;
	s->entries[s->nr].kinds = kind;
	s->nr++;
	return 0;
}

size_t protect_set_count(const struct protect_set *s, uint32_t kind)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nr; i++)
		n += !!(s->entries[i].kinds & kind);
	return n;
}

uint32_t protect_set_lookup(const struct protect_set *s,
			    const struct prefix *addr)
{
	uint32_t kinds = 0;

	for (size_t i = 0; i < s->nr; i++)
		if (prefix_contains(&s->entries[i].prefix, addr))
			kinds |= s->entries[i].kinds;
	return kinds;
}

int protect_set_equal(const struct protect_set *a, const struct protect_set *b)
{
	if (a->nr != b->nr)
		return 0;
	/* entries are unique within a set: each of a found in b suffices */
	for (size_t i = 0; i < a->nr; i++) {
		size_t j;

		for (j = 0; j < b->nr; j++)
			if (!prefix_cmp(&a->entries[i].prefix,
					&b->entries[j].prefix))
				break;
		if (j == b->nr || a->entries[i].kinds != b->entries[j].kinds)
			return 0;
	}
	return 1;
}

/* The first 64 bits of @p's address, in host order. */
static uint64_t prefix_hi(const struct prefix *p)
{
	size_t len = p->family == AF_INET ? 4 : 8;
	uint64_t hi = 0;

	for (size_t i = 0; i < 8; i++)
		hi = hi << 8 | (i < len ? p->addr[i] : 0);
	return hi;
}

void protect_set_hint(const struct protect_set *s, int family,
		      struct xdpb_protect_hint *hint)
{
	const int v4 = family == AF_INET;
	const uint32_t root_bits = XDPB_TRIE_ROOT_BITS(v4);

	for (size_t i = 0; i < s->nr; i++) {
		const struct prefix *p = &s->entries[i].prefix;
		uint32_t slot, count;

		if (p->family != family)
			continue;
		/*
		 * A prefix shorter than the root covers 2^(root_bits - plen)
		 * root entries, aligned: as many slots from its first, or
		 * every slot once that is 2^16 or more.
		 */
		slot = XDPB_PROTECT_HINT_SLOT(prefix_hi(p), v4);
		count = p->plen >= root_bits ? 1
			: root_bits - p->plen >= 16
				? XDPB_PROTECT_HINT_SLOTS
				: 1u << (root_bits - p->plen);
		slot &= ~(count - 1);
		for (uint32_t k = slot; k < slot + count; k++)
			hint->word[k / 64] |= 1ULL << (k % 64);
	}
}

void protect_set_free(struct protect_set *s)
{
	free(s->entries);
	memset(s, 0, sizeof(*s));
}

int protect_overlap_init(struct protect_overlap *o, const struct protect_set *s)
{
	o->set = s;
	o->covered = calloc(s->nr ? s->nr : 1, 1);
	return o->covered ? 0 : -ENOMEM;
}

/* Do the first @bits bits of @a and @b agree? (no copy: per list entry) */
static int leading_bits_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return 0;
	return !rest || !((a[bytes] ^ b[bytes]) & (0xff << (8 - rest)));
}

void protect_overlap_add(struct protect_overlap *o, const struct prefix *p)
{
	for (size_t i = 0; i < o->set->nr; i++) {
		const struct prefix *q = &o->set->entries[i].prefix;

		if (q->family == p->family && !o->covered[i] &&
		    leading_bits_equal(q->addr, p->addr,
				       q->plen < p->plen ? q->plen : p->plen))
			o->covered[i] = 1;
	}
}

void protect_overlap_counts(const struct protect_overlap *o,
			    uint32_t counts[PROTECT_NR_KINDS])
{
	memset(counts, 0, PROTECT_NR_KINDS * sizeof(counts[0]));
	for (size_t i = 0; i < o->set->nr; i++)
		for (int k = 0; k < PROTECT_NR_KINDS; k++)
			if (o->covered[i] && o->set->entries[i].kinds & 1u << k)
				counts[k]++;
}

void protect_overlap_free(struct protect_overlap *o)
{
	free(o->covered);
	o->covered = NULL;
}

_Static_assert(XDPB_PROTECT_HOST == 1u << PROTECT_KIND_HOST &&
		       XDPB_PROTECT_SOURCE == 1u << PROTECT_KIND_SOURCE &&
		       XDPB_PROTECT_OPERATOR == 1u << PROTECT_KIND_OPERATOR,
	       "a kind's index is its bit");
