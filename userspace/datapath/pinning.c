// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "common/log.h"
#include "datapath/pinning.h"

#define BPFFS_ROOT "/sys/fs/bpf"

int pin_path_join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

/* mkdir -p, each new directory 0700. */
static int make_dirs(const char *dir)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = saved;
		if (!saved)
			return 0;
	}
}

int pin_dir_prepare(const char *dir, char *err, size_t errlen)
{
	size_t root_len = strlen(BPFFS_ROOT);
	int ret;

	if (dir[0] != '/') {
		snprintf(err, errlen,
			 "pin_path = '%s': give an absolute path below %s", dir,
			 BPFFS_ROOT);
		return -EINVAL;
	}
	if (!strncmp(dir, BPFFS_ROOT, root_len) &&
	    (dir[root_len] == '/' || !dir[root_len]) && !is_bpffs(BPFFS_ROOT)) {
		/* fresh machines and containers come without bpffs */
		if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700") < 0) {
			ret = -errno;
			snprintf(
				err, errlen,
				"no bpf filesystem at %s and mounting one failed: %s (mount -t bpf bpf %s)",
				BPFFS_ROOT, strerror(errno), BPFFS_ROOT);
			return ret;
		}
		log_info("mounted a bpf filesystem at %s", BPFFS_ROOT);
	}
	ret = make_dirs(dir);
	if (ret < 0) {
		snprintf(err, errlen, "cannot create pin_path %s: %s", dir,
			 strerror(-ret));
		return ret;
	}
	if (!is_bpffs(dir)) {
		snprintf(
			err, errlen,
			"pin_path %s is not on a bpf filesystem: choose a directory below %s",
			dir, BPFFS_ROOT);
		return -EINVAL;
	}
	return 0;
}

int pin_dir_has_pins(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	int found = 0;

	if (!dh)
		return 0;
	while (!found && (de = readdir(dh)))
		found = de->d_name[0] != '.';
	closedir(dh);
	return found;
}

/* Pin @fd at <dir>/<name>, replacing an older pin of that name. */
static int pin_fd(const char *dir, const char *name, int fd)
{
	char path[PATH_MAX];
	int ret = pin_path_join(path, sizeof(path), dir, name);

	if (ret)
		return ret;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

static int open_pinned(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (pin_path_join(path, sizeof(path), dir, name))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

static void unpin(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (!pin_path_join(path, sizeof(path), dir, name))
		unlink(path);
}

/* A one-element array holding @value, pinned as <dir>/<name>. */
static int pin_value(const char *dir, const char *name, const char *obj_name,
		     const void *value, uint32_t size)
{
	uint32_t zero = 0;
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, obj_name, sizeof(zero),
				size, 1, NULL);
	int ret;

	if (fd < 0)
		return -errno;
	ret = bpf_map_update_elem(fd, &zero, value, BPF_ANY) ? -errno : 0;
	if (!ret)
		ret = pin_fd(dir, name, fd);
	close(fd);
	return ret;
}

static int read_value(const char *dir, const char *name, void *value,
		      uint32_t size)
{
	struct bpf_map_info info = {0};
	uint32_t info_len = sizeof(info), zero = 0;
	int fd = open_pinned(dir, name), ret = 0;

	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		ret = -errno;
	else if (info.type != BPF_MAP_TYPE_ARRAY || info.value_size != size)
		ret = -EINVAL; /* another layout */
	else if (bpf_map_lookup_elem(fd, &zero, value))
		ret = -errno;
	close(fd);
	return ret;
}

int pin_meta_read(const char *dir, struct xdpb_pin_meta *meta)
{
	return read_value(dir, "meta", meta, sizeof(*meta));
}

int pin_meta_write(const char *dir, const struct xdpb_pin_meta *meta)
{
	return pin_value(dir, "meta", "xdpb_meta", meta, sizeof(*meta));
}

static void slot_name(char *buf, size_t len, uint32_t slot, const char *what)
{
	snprintf(buf, len, "gen%u_%s", slot, what);
}

static size_t page_round(size_t bytes)
{
	size_t page = sysconf(_SC_PAGESIZE);

	return (bytes + page - 1) / page * page;
}

/*
 * An mmapable array of @nr records of @size bytes, filled by @fill and
 * pinned as @name.
 */
static int pin_records(const char *dir, const char *name, const char *obj_name,
		       uint32_t size, size_t nr,
		       void (*fill)(void *records, const void *t),
		       const void *t)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	size_t bytes = page_round((nr ? nr : 1) * size);
	void *mem;
	int fd, ret;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, obj_name, sizeof(uint32_t),
			    size, nr ? nr : 1, &opts);
	if (fd < 0)
		return -errno;
	mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_POPULATE, fd, 0);
	if (mem == MAP_FAILED) {
		ret = -errno;
		close(fd);
		return ret;
	}
	fill(mem, t);
	munmap(mem, bytes);
	ret = pin_fd(dir, name, fd);
	close(fd);
	return ret;
}

static void fill_rules4(void *records, const void *table)
{
	const struct rule_table *t = table;
	struct xdpb_pinned_rule4 *rec = records;

	for (size_t i = 0; i < t->nr; i++) {
		const struct rule *r = &t->rules[i];

		memcpy(&rec[i].addr, r->prefix.addr, 4);
		rec[i].rule_id = r->rule_id;
		rec[i].line = r->line;
		rec[i].list_id = r->list_id;
		rec[i].prefixlen = r->prefix.plen;
	}
}

static void fill_rules6(void *records, const void *table)
{
	const struct rule_table *t = table;
	struct xdpb_pinned_rule6 *rec = records;

	for (size_t i = 0; i < t->nr; i++) {
		const struct rule *r = &t->rules[i];

		memcpy(rec[i].addr, r->prefix.addr, 16);
		rec[i].rule_id = r->rule_id;
		rec[i].line = r->line;
		rec[i].list_id = r->list_id;
		rec[i].prefixlen = r->prefix.plen;
	}
}

static void fill_names(void *records, const void *table)
{
	const struct name_table *t = table;
	struct xdpb_pinned_name *rec = records;

	for (size_t i = 0; i < t->nr; i++) {
		const struct name_rule *r = &t->rules[i];

		rec[i].text_off = r->text_off;
		rec[i].rule_id = r->rule_id;
		rec[i].line = r->line;
		rec[i].list_id = r->list_id;
		rec[i].kind = r->kind;
		rec[i].action = r->action;
	}
}

/* The text arena, in 64-byte chunks (zero past its end). */
static void fill_name_text(void *chunks, const void *table)
{
	const struct name_table *t = table;

	if (t->text_len)
		memcpy(chunks, t->text, t->text_len);
}

#define NAME_TEXT_CHUNK 64

int pin_gen_write(const char *dir, uint32_t slot,
		  const struct xdpb_pinned_gen *hdr, const struct ruleset *rs)
{
	struct xdpb_pinned_gen *copy;
	char name[32];
	int ret;

	/* the header goes last: where it is, the records are complete */
	pin_gen_remove(dir, slot);
	slot_name(name, sizeof(name), slot, "rules4");
	ret = pin_records(dir, name, "xdpb_rules4",
			  sizeof(struct xdpb_pinned_rule4), rs->v4.nr,
			  fill_rules4, &rs->v4);
	if (ret)
		return ret;
	slot_name(name, sizeof(name), slot, "rules6");
	ret = pin_records(dir, name, "xdpb_rules6",
			  sizeof(struct xdpb_pinned_rule6), rs->v6.nr,
			  fill_rules6, &rs->v6);
	if (ret)
		return ret;
	slot_name(name, sizeof(name), slot, "names");
	ret = pin_records(dir, name, "xdpb_names_rec",
			  sizeof(struct xdpb_pinned_name), rs->names.nr,
			  fill_names, &rs->names);
	if (ret)
		return ret;
	slot_name(name, sizeof(name), slot, "nametext");
	ret = pin_records(dir, name, "xdpb_name_text", NAME_TEXT_CHUNK,
			  (rs->names.text_len + NAME_TEXT_CHUNK - 1) /
				  NAME_TEXT_CHUNK,
			  fill_name_text, &rs->names);
	if (ret)
		return ret;
	copy = malloc(sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	*copy = *hdr;
	copy->nr_rules_v4 =
		rs->v4.nr; /* what was written, whatever @hdr said */
	copy->nr_rules_v6 = rs->v6.nr;
	copy->nr_names = rs->names.nr;
	copy->name_text_bytes = rs->names.text_len;
	slot_name(name, sizeof(name), slot, "state");
	ret = pin_value(dir, name, "xdpb_gen_state", copy, sizeof(*copy));
	free(copy);
	return ret;
}

void pin_gen_remove(const char *dir, uint32_t slot)
{
	static const char *const what[] = {"state", "rules4", "rules6", "names",
					   "nametext"};
	char name[32];

	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		slot_name(name, sizeof(name), slot, what[i]);
		unpin(dir, name);
	}
}

/*
 * Map @name's records read-only (PROT_READ: not const, so that munmap()
 * takes it back); checks they hold @nr of @size bytes.
 */
static void *map_records(const char *dir, const char *name, uint32_t size,
			 size_t nr, size_t *bytes)
{
	struct bpf_map_info info = {0};
	uint32_t info_len = sizeof(info);
	void *mem = MAP_FAILED;
	int fd = open_pinned(dir, name);

	if (fd < 0)
		return NULL;
	if (!bpf_obj_get_info_by_fd(fd, &info, &info_len) &&
	    info.value_size == size && info.max_entries >= nr) {
		*bytes = page_round((size_t)info.max_entries * size);
		mem = mmap(NULL, *bytes, PROT_READ, MAP_SHARED, fd, 0);
	}
	close(fd);
	return mem == MAP_FAILED ? NULL : mem;
}

static int add_rule(struct ruleset *rs, const struct xdpb_pinned_gen *hdr,
		    const struct prefix *p, uint16_t list_id, uint32_t rule_id,
		    uint32_t line)
{
	struct rule_table *t = p->family == AF_INET ? &rs->v4 : &rs->v6;
	const struct xdpb_pinned_list *l;

	if (list_id == 0 || list_id >= XDPB_MAX_LISTS ||
	    p->plen > prefix_max_len(p))
		return -EINVAL;
	l = &hdr->lists[list_id];
	if (!l->name[0])
		return -EINVAL;
	if (ruleset_add(rs, p, list_id, l->action, l->match, line))
		return -ENOMEM;
	t->rules[t->nr - 1].rule_id = rule_id;
	return 0;
}

static int add_name_rule(struct ruleset *rs, const struct xdpb_pinned_gen *hdr,
			 const char *text, size_t text_bytes,
			 const struct xdpb_pinned_name *rec)
{
	const struct xdpb_pinned_list *l;
	struct name_table *t = &rs->names;
	uint8_t action;

	if (rec->list_id == 0 || rec->list_id >= XDPB_MAX_LISTS ||
	    rec->action >= XDPB_ACT_MAX || rec->text_off >= text_bytes ||
	    !memchr(text + rec->text_off, '\0', text_bytes - rec->text_off))
		return -EINVAL;
	l = &hdr->lists[rec->list_id];
	if (!l->name[0] || l->dns_action >= XDPB_ACT_MAX)
		return -EINVAL;
	action = rec->action != XDPB_ACT_NONE ? rec->action : l->action;
	/* the views as the daemon that wrote them made them (reload.c) */
	if (ruleset_add_name_views(
		    rs, text + rec->text_off, rec->kind, rec->list_id, action,
		    xdpb_view_action(action, l->dns_action, l->protocols, 0),
		    xdpb_view_action(action, l->dns_action, l->protocols, 1),
		    rec->line))
		return -ENOMEM;
	t->rules[t->nr - 1].rule_id = rec->rule_id;
	return 0;
}

int pin_gen_read(const char *dir, uint32_t slot, struct xdpb_pinned_gen *hdr,
		 struct ruleset *rs)
{
	/* read-only mappings (PROT_READ), unmapped at the end */
	struct xdpb_pinned_rule4 *r4 = NULL;
	struct xdpb_pinned_rule6 *r6 = NULL;
	struct xdpb_pinned_name *rn = NULL;
	char *text = NULL;
	size_t bytes4 = 0, bytes6 = 0, bytesn = 0, bytest = 0;
	char name[32];
	int ret;

	memset(rs, 0, sizeof(*rs));
	slot_name(name, sizeof(name), slot, "state");
	ret = read_value(dir, name, hdr, sizeof(*hdr));
	if (ret)
		return ret;
	if (hdr->magic != XDPB_PIN_MAGIC ||
	    hdr->layout_version != XDPB_PIN_LAYOUT_VERSION)
		return -EINVAL;
	for (int id = 0; id < XDPB_MAX_LISTS; id++)
		hdr->lists[id].name[XDPB_LIST_NAME_MAX - 1] = '\0';
	slot_name(name, sizeof(name), slot, "rules4");
	r4 = map_records(dir, name, sizeof(*r4), hdr->nr_rules_v4, &bytes4);
	slot_name(name, sizeof(name), slot, "rules6");
	r6 = map_records(dir, name, sizeof(*r6), hdr->nr_rules_v6, &bytes6);
	slot_name(name, sizeof(name), slot, "names");
	rn = map_records(dir, name, sizeof(*rn), hdr->nr_names, &bytesn);
	slot_name(name, sizeof(name), slot, "nametext");
	text = map_records(dir, name, NAME_TEXT_CHUNK,
			   (hdr->name_text_bytes + NAME_TEXT_CHUNK - 1) /
				   NAME_TEXT_CHUNK,
			   &bytest);
	if (!r4 || !r6 || !rn || !text) {
		ret = -EINVAL;
		goto out;
	}
	ret = ruleset_reserve(rs, hdr->nr_rules_v4, hdr->nr_rules_v6);
	for (size_t i = 0; !ret && i < hdr->nr_rules_v4; i++) {
		struct prefix p = {.family = AF_INET, .plen = r4[i].prefixlen};

		memcpy(p.addr, &r4[i].addr, 4);
		ret = add_rule(rs, hdr, &p, r4[i].list_id, r4[i].rule_id,
			       r4[i].line);
	}
	for (size_t i = 0; !ret && i < hdr->nr_rules_v6; i++) {
		struct prefix p = {.family = AF_INET6, .plen = r6[i].prefixlen};

		memcpy(p.addr, r6[i].addr, 16);
		ret = add_rule(rs, hdr, &p, r6[i].list_id, r6[i].rule_id,
			       r6[i].line);
	}
	for (size_t i = 0; !ret && i < hdr->nr_names; i++)
		ret = add_name_rule(rs, hdr, text, hdr->name_text_bytes,
				    &rn[i]);
	/* written from a finished set: sorted already, and the ids match */
	if (!ret)
		ruleset_finish(rs);
out:
	if (r4)
		munmap(r4, bytes4);
	if (r6)
		munmap(r6, bytes6);
	if (rn)
		munmap(rn, bytesn);
	if (text)
		munmap(text, bytest);
	if (ret)
		ruleset_free(rs);
	return ret;
}

int pin_counters_open(const char *dir)
{
	struct xdpb_daemon_counters zero_counters = {0};
	struct bpf_map_info info = {0};
	uint32_t info_len = sizeof(info);
	int fd = open_pinned(dir, "daemon_counters"), ret;

	if (fd >= 0) {
		if (!bpf_obj_get_info_by_fd(fd, &info, &info_len) &&
		    info.value_size == sizeof(zero_counters))
			return fd;
		close(fd);
	}
	ret = pin_value(dir, "daemon_counters", "xdpb_dcounters",
			&zero_counters, sizeof(zero_counters));
	if (ret)
		return ret;
	return open_pinned(dir, "daemon_counters");
}

static void link_name(char *buf, size_t len, const char *ifname)
{
	snprintf(buf, len, "%s%s", PIN_LINK_PREFIX, ifname);
}

int pin_link(const char *dir, const char *ifname, int link_fd)
{
	char name[64];

	link_name(name, sizeof(name), ifname);
	return pin_fd(dir, name, link_fd);
}

int pin_link_open(const char *dir, const char *ifname)
{
	char name[64];

	link_name(name, sizeof(name), ifname);
	return open_pinned(dir, name);
}

void pin_link_remove(const char *dir, const char *ifname)
{
	char name[64];

	link_name(name, sizeof(name), ifname);
	unpin(dir, name);
}

int pin_for_each_link(const char *dir, int (*fn)(const char *ifname, void *arg),
		      void *arg)
{
	size_t plen = strlen(PIN_LINK_PREFIX);
	DIR *dh = opendir(dir);
	struct dirent *de;
	int ret = 0;

	if (!dh)
		return errno == ENOENT ? 0 : -errno;
	while (!ret && (de = readdir(dh)))
		if (!strncmp(de->d_name, PIN_LINK_PREFIX, plen))
			ret = fn(de->d_name + plen, arg);
	closedir(dh);
	return ret;
}

/* Unlink the pins of @dir whose name does (@links) or does not start with
 * the link prefix; returns how many. */
static int remove_pins(const char *dir, int links)
{
	size_t plen = strlen(PIN_LINK_PREFIX);
	DIR *dh = opendir(dir);
	struct dirent *de;
	int removed = 0;

	if (!dh)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dh))) {
		if (de->d_name[0] == '.')
			continue;
		if (!strncmp(de->d_name, PIN_LINK_PREFIX, plen) != !!links)
			continue;
		unpin(dir, de->d_name);
		removed++;
	}
	closedir(dh);
	return removed;
}

void pin_remove_maps(const char *dir)
{
	remove_pins(dir, 0);
}

int pin_remove_all(const char *dir)
{
	int links = remove_pins(dir, 1), maps;

	if (links < 0)
		return links;
	maps = remove_pins(dir, 0);
	if (maps < 0)
		return maps;
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -errno;
	return links + maps;
}
