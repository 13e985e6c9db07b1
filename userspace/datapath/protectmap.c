// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath/protectmap.h"
/* bpftool's generated skeleton casts const away (-Wcast-qual) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "xdpblock.skel.h"
#pragma GCC diagnostic pop

/* Both families' keys fit this: the length, then up to 16 bytes. */
struct protect_key {
	__u32 prefixlen;
	__u8 addr[16];
};

static int map_fd(struct loader *ld, int family)
{
	return bpf_map__fd(family == AF_INET ? ld->skel->maps.protected4
					     : ld->skel->maps.protected6);
}

static void key_of(const struct prefix *p, struct protect_key *key)
{
	memset(key, 0, sizeof(*key));
	key->prefixlen = p->plen;
	memcpy(key->addr, p->addr, p->family == AF_INET ? 4 : 16);
}

/* Every key of the family's map into @out, with its kinds. */
static int read_family(struct loader *ld, int family, struct protect_set *out)
{
	struct protect_key key, next;
	int fd = map_fd(ld, family), err;
	void *prev = NULL;
	__u32 kinds;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct prefix p = {.family = family, .plen = next.prefixlen};

		memcpy(p.addr, next.addr, family == AF_INET ? 4 : 16);
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &kinds))
			continue; /* deleted meanwhile */
		err = protect_set_add(out, &p, kinds);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

int protectmap_read(struct loader *ld, struct protect_set *out)
{
	int err;

	out->nr = 0;
	err = read_family(ld, AF_INET, out);
	return err ? err : read_family(ld, AF_INET6, out);
}

/*
 * Write both families' hints (protected_hint) for the union of @a and
 * @b (@b may be NULL).
 */
static int write_hints(struct loader *ld, const struct protect_set *a,
		       const struct protect_set *b)
{
	static const int families[] = {AF_INET, AF_INET6};
	int fd = bpf_map__fd(ld->skel->maps.protected_hint);
	struct xdpb_protect_hint *hint = calloc(1, sizeof(*hint));
	int err = hint ? 0 : -ENOMEM;

	for (__u32 i = 0; !err && i < 2; i++) {
		memset(hint, 0, sizeof(*hint));
		protect_set_hint(a, families[i], hint);
		if (b)
			protect_set_hint(b, families[i], hint);
		if (bpf_map_update_elem(fd, &i, hint, BPF_ANY))
			err = -errno;
	}
	free(hint);
	return err;
}

/*
 * The hint may say "maybe" too often, never too rarely: it holds the
 * union of the old and the new set while the tries change, and the new
 * set's bits only once the stale entries are gone.
 */
int protectmap_sync(struct loader *ld, const struct protect_set *s)
{
	struct protect_set old = {0};
	struct protect_key key;
	int err = protectmap_read(ld, &old);

	if (!err)
		err = write_hints(ld, &old, s);
	for (size_t i = 0; !err && i < s->nr; i++) {
		const struct protect_entry *e = &s->entries[i];

		key_of(&e->prefix, &key);
		if (bpf_map_update_elem(map_fd(ld, e->prefix.family), &key,
					&e->kinds, BPF_ANY))
			err = -errno;
	}
	for (size_t i = 0; !err && i < old.nr; i++) {
		const struct prefix *p = &old.entries[i].prefix;
		int kept = 0;

		for (size_t j = 0; j < s->nr && !kept; j++)
			kept = !prefix_cmp(p, &s->entries[j].prefix);
		if (kept)
			continue;
		key_of(p, &key);
		if (bpf_map_delete_elem(map_fd(ld, p->family), &key) &&
		    errno != ENOENT)
			err = -errno;
	}
	if (!err)
		err = write_hints(ld, s, NULL);
	protect_set_free(&old);
	return err;
}
