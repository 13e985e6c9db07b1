/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading one configured list, whole, before anything is activated:
 *
 *   read (max_list_bytes) -> verify the minisign signature over the bytes
 *   as stored -> refuse a rollback -> inflate gzip (max_list_bytes) ->
 *   parse (listfile.c)
 *
 * The signature is checked before the file is inflated or parsed, so
 * neither zlib nor the parsers see bytes that were not signed. A failure
 * at any step says which file (and line) and why, with a reason category.
 */
#ifndef XDPBLOCK_LISTLOAD_H
#define XDPBLOCK_LISTLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "formats/listfile.h"

/*
 * Why a list load, or a whole reload, failed. The names (reload_reason_name)
 * appear in `xdpblockctl status` and are meant as a metric label.
 */
enum reload_reason {
	RELOAD_OK,
	RELOAD_ERR_CONFIG, /* the configuration file */
	RELOAD_ERR_IO, /* a list or signature file cannot be read */
	RELOAD_ERR_SIZE, /* a list over max_list_bytes, stored or inflated */
	RELOAD_ERR_GZIP, /* a corrupt or truncated gzip stream */
	RELOAD_ERR_SIGNATURE, /* missing, malformed, unknown key, bad */
	RELOAD_ERR_ROLLBACK, /* signed before the version already accepted */
	RELOAD_ERR_PARSE, /* malformed lines, an unreadable format */
	RELOAD_ERR_CAPACITY, /* more rules than max_rules_ipv4/ipv6 */
	RELOAD_ERR_STATE, /* state_dir cannot be read or written */
	RELOAD_ERR_MEMORY,
	RELOAD_ERR_ACTIVATION, /* rule ids, BPF maps, the switch */
	RELOAD_REASON_MAX
};

const char *reload_reason_name(enum reload_reason reason);

/* Signature files are a few hundred bytes; anything this big is not one. */
#define LIST_SIGNATURE_MAX_BYTES 65536

struct loaded_list {
	int is_domain; /* a domain list: @names, else @parsed */
	struct parsed_list parsed;
	struct parsed_names names;
	int64_t mtime; /* the file's, when it was read */
	int compressed; /* the file was gzip */
	size_t stored_bytes, list_bytes; /* as stored, inflated */
	/* signature = minisign: who signed and when */
	int verified;
	int prehashed; /* an "ED" signature (else legacy "Ed") */
	char key_id[MINISIGN_KEY_ID_STRLEN];
	uint64_t version; /* trusted comment timestamp; 0 if none */
	/* where the time went (debug log, benchmarks) */
	uint64_t read_ns, verify_ns, inflate_ns, parse_ns;
	/* on failure */
	enum reload_reason reason;
	char error[600];
};

/*
 * A list's bytes as stored (gzip still compressed) and its signature's
 * text (NULL for an unsigned list): what the last good copy keeps
 * (lastgood.h).
 */
struct list_bytes {
	char *data;
	size_t len;
	char *sig;
	size_t sig_len;
	int64_t mtime; /* when they were saved (list_load_bytes()) */
};

void list_bytes_free(struct list_bytes *b);

/*
 * Load @lc whole. @accepted is the newest version of this list accepted
 * before (0: none); an older signed list is refused as a rollback.
 * Returns 0, or a negative errno with @out->reason and @out->error set.
 * Free @out with loaded_list_free() either way.
 */
int list_load(const struct list_config *lc, uint64_t max_bytes,
	      uint64_t accepted, struct loaded_list *out);
void loaded_list_free(struct loaded_list *l);
/* list_load(), also handing the bytes it verified to @keep (on success). */
int list_load_keep(const struct list_config *lc, uint64_t max_bytes,
		   uint64_t accepted, struct list_bytes *keep,
		   struct loaded_list *out);
/*
 * list_load() of bytes already read (a last good copy): verified against
 * @lc's keys and file name, checked for rollback and parsed the same way.
 */
int list_load_bytes(const struct list_config *lc, uint64_t max_bytes,
		    uint64_t accepted, const struct list_bytes *in,
		    struct loaded_list *out);

/*
 * Read a whole regular file into a private buffer (a mapping would let
 * a writer change the bytes between verification and parsing). Fails
 * with -EFBIG when it is larger than @max_bytes.
 */
int list_read_file(const char *path, uint64_t max_bytes, char **data,
		   size_t *len, char *err, size_t errlen);
/* Does @data start with the gzip magic bytes 1f 8b? */
int list_is_gzip(const void *data, size_t len);
/*
 * Inflate a gzip file (one or more members) into a new buffer of at most
 * @max_out bytes. Returns 0, -EFBIG past @max_out, -EINVAL for a corrupt
 * or truncated stream (@err says which, naming @name), -ENOMEM.
 */
int list_gunzip(const char *name, const void *in, size_t len, uint64_t max_out,
		char **out, size_t *out_len, char *err, size_t errlen);

#endif
