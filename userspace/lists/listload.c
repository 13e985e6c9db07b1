// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#define ZLIB_CONST /* next_in is const: the input is never written */
#include <zlib.h>

#include "common/bigalloc.h"
#include "common/escape.h"
#include "common/inputfile.h"
#include "formats/addrlist.h"
#include "formats/minisign.h"
#include "formats/namelist.h"
#include "lists/listload.h"

const char *reload_reason_name(enum reload_reason reason)
{
	static const char *const names[RELOAD_REASON_MAX] = {
		[RELOAD_OK] = "ok",
		[RELOAD_ERR_CONFIG] = "config",
		[RELOAD_ERR_IO] = "io",
		[RELOAD_ERR_SIZE] = "size",
		[RELOAD_ERR_GZIP] = "gzip",
		[RELOAD_ERR_SIGNATURE] = "signature",
		[RELOAD_ERR_ROLLBACK] = "rollback",
		[RELOAD_ERR_PARSE] = "parse",
		[RELOAD_ERR_CAPACITY] = "capacity",
		[RELOAD_ERR_STATE] = "state",
		[RELOAD_ERR_MEMORY] = "memory",
		[RELOAD_ERR_ACTIVATION] = "activation",
	};

	return reason < RELOAD_REASON_MAX ? names[reason] : "?";
}

int list_read_file(const char *path, uint64_t max_bytes, char **data,
		   size_t *len, char *err, size_t errlen)
{
	struct stat st;
	size_t got = 0;
	char *buf = NULL, extra, why[200];
	int fd, ret, read_errno = 0;

	*data = NULL;
	*len = 0;
	fd = input_open(path, &st, why, sizeof(why));
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return fd;
	}
	if ((uint64_t)st.st_size > max_bytes) {
		snprintf(
			err, errlen,
			"%s: %lld bytes, over max_list_bytes = %llu (raise it in [daemon] if the list is really this big)",
			path, (long long)st.st_size,
			(unsigned long long)max_bytes);
		ret = -EFBIG;
		goto out;
	}
	/* one byte more, so that a string parser may read a terminator */
	buf = big_malloc(st.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		ret = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			read_errno = errno;
		if (n <= 0)
			break;
		got += n;
	}
	/* a file that shrank or grew while read is not the file we sized */
	if (got != (size_t)st.st_size || read(fd, &extra, 1) != 0) {
		snprintf(
			err, errlen, "%s: cannot read: %s", path,
			read_errno
				? strerror(read_errno)
				: "the file changed while it was read (replace lists by rename)");
		ret = read_errno ? -read_errno : -EIO;
		goto out;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

/* A private, NUL-terminated copy of @len bytes (-ENOENT for none). */
static int copy_bytes(const char *from, size_t len, char **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (!from)
		return -ENOENT;
	*out = big_malloc(len + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, from, len);
	(*out)[len] = '\0';
	*out_len = len;
	return 0;
}

int list_is_gzip(const void *data, size_t len)
{
	const unsigned char *b = data;

	return len >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

int list_gunzip(const char *name, const void *in, size_t len, uint64_t max_out,
		char **out, size_t *out_len, char *err, size_t errlen)
{
	const unsigned char *bytes = in;
	z_stream zs = {0};
	size_t cap, used = 0;
	uint32_t isize;
	char *buf;
	int zret, ret = 0;

	*out = NULL;
	*out_len = 0;
	/*
	 * The trailer's ISIZE (size mod 2^32 of the last member) sizes the
	 * buffer so a normal list inflates without copying; it is only a
	 * hint: the buffer grows as needed, never past max_out.
	 */
	isize = len >= 4 ? (uint32_t)bytes[len - 4] |
				   (uint32_t)bytes[len - 3] << 8 |
				   (uint32_t)bytes[len - 2] << 16 |
				   (uint32_t)bytes[len - 1] << 24
			 : 0;
	cap = (size_t)isize + 1 > len * 2 ? (size_t)isize + 1 : len * 2;
	if (cap > max_out + 1)
		cap = max_out + 1;
	if (cap < 4096)
		cap = 4096;
	buf = big_malloc(cap + 1);
	if (!buf)
		goto nomem;
	/* 16 + MAX_WBITS: a gzip header and trailer, not raw zlib */
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		goto nomem;
	zs.next_in = bytes;
	zs.avail_in = 0;
	for (;;) {
		size_t in_left = len - (zs.next_in - bytes);
		uInt chunk_in = in_left > (1u << 30) ? 1u << 30 : in_left;

		if (used == cap) {
			size_t grown = cap * 2 > max_out + 1 ? max_out + 1
							     : cap * 2;
			char *n;

			if (grown <= cap)
				goto too_big;
			n = big_realloc(buf, grown + 1);
			if (!n)
				goto nomem;
			buf = n;
			cap = grown;
		}
		if (!zs.avail_in)
			zs.avail_in = chunk_in;
		zs.next_out = (unsigned char *)buf + used;
		zs.avail_out = cap - used > (1u << 30) ? 1u << 30 : cap - used;
		{
			uInt before = zs.avail_out;

			zret = inflate(&zs, Z_NO_FLUSH);
			used += before - zs.avail_out;
		}
		if (used > max_out)
			goto too_big;
		if (zret == Z_STREAM_END) {
			/* another member may follow (cat a.gz b.gz) */
			if ((size_t)(zs.next_in - bytes) == len)
				break;
			if (!list_is_gzip(zs.next_in,
					  len - (zs.next_in - bytes))) {
				snprintf(
					err, errlen,
					"%s: data after the end of the gzip stream, at byte %zu",
					name, (size_t)(zs.next_in - bytes));
				ret = -EINVAL;
				goto out;
			}
			inflateReset(&zs);
			continue;
		}
		if (zret == Z_BUF_ERROR && !zs.avail_in &&
		    (size_t)(zs.next_in - bytes) == len) {
			snprintf(
				err, errlen,
				"%s: the gzip stream is truncated (the file was cut short: fetch it again)",
				name);
			ret = -EINVAL;
			goto out;
		}
		if (zret != Z_OK && zret != Z_BUF_ERROR) {
			if (zret == Z_MEM_ERROR)
				goto nomem;
			snprintf(err, errlen, "%s: corrupt gzip data: %s", name,
				 zs.msg ? zs.msg : "inflate failed");
			ret = -EINVAL;
			goto out;
		}
	}
	buf[used] = '\0';
	*out = buf;
	*out_len = used;
	buf = NULL;
	goto out;
too_big:
	snprintf(
		err, errlen,
		"%s: inflates to more than max_list_bytes = %llu bytes (a gzip bomb, or raise max_list_bytes in [daemon])",
		name, (unsigned long long)max_out);
	ret = -EFBIG;
	goto out;
nomem:
	snprintf(err, errlen, "%s: out of memory inflating it", name);
	ret = -ENOMEM;
out:
	inflateEnd(&zs);
	free(buf);
	return ret;
}

static void utc(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t > (uint64_t)INT32_MAX * 64 || !gmtime_r(&tt, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "?");
}

/* Paths make messages long; a message cut at 600 bytes is still useful. */
__attribute__((format(printf, 2, 3))) static void
set_error(struct loaded_list *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->error, sizeof(l->error), fmt, ap);
	va_end(ap);
	/* messages quote lists and signatures: no terminal escapes */
	text_escape(l->error, sizeof(l->error));
}

static int fail(struct loaded_list *l, enum reload_reason reason, int err)
{
	l->reason = reason;
	return err;
}

/* The last component of @path ("" for a path that ends in '/'). */
static const char *base_name(const char *path, size_t *len)
{
	const char *slash = strrchr(path, '/');

	path = slash ? slash + 1 : path;
	*len = strlen(path);
	return path;
}

/* The file name of @url: the last path component, before any ? or #. */
static const char *url_file_name(const char *url, size_t *len)
{
	const char *start = strstr(url, "://"), *end, *name = NULL;

	start = start ? start + 3 : url;
	end = start + strcspn(start, "?#");
	/* after the host: "https://host" and "https://host/" name no file */
	for (const char *c = start; c < end; c++)
		if (*c == '/')
			name = c + 1;
	*len = name ? (size_t)(end - name) : 0;
	return name ? name : end;
}

/*
 * A signature verifies for any file its key signed: one made for another
 * list of the same signer (a newer one, say) would pass for this list.
 * minisign writes the signed file's base name into the trusted comment
 * (file:NAME), so the signature names the list it is for: the base name
 * of path, or for a url list also the file name of the url (the signer
 * signed the file under its name there, the local copy may be named
 * otherwise). A comment without file: (a hand-written one) passes.
 */
static int check_signed_file(const struct list_config *lc,
			     const struct minisign_sig *sig,
			     const char *sig_path, struct loaded_list *l)
{
	const char *signed_name, *name, *url_name = NULL, *why;
	size_t signed_len, name_len, url_len = 0;
	int ret;

	if (lc->ignore_signed_file)
		return 0;
	ret = minisign_signed_file(sig->trusted_comment, &signed_name,
				   &signed_len, &why);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0) {
		set_error(l, "%s: %s", sig_path, why);
		return fail(l, RELOAD_ERR_SIGNATURE, ret);
	}
	name = base_name(lc->path, &name_len);
	if (lc->url[0])
		url_name = url_file_name(lc->url, &url_len);
	/* a url without a file name names none; the same name is said once */
	if (url_name && (!url_len || (url_len == name_len &&
				      !memcmp(url_name, name, url_len))))
		url_name = NULL;
	if (minisign_file_is(signed_name, signed_len, name, name_len) ||
	    (url_name &&
	     minisign_file_is(signed_name, signed_len, url_name, url_len)))
		return 0;
	set_error(
		l,
		"%s: %s was signed for the file %.*s, not %.*s%s%.*s: it is the signature of another list (install this list's own signature; if the signer names the file otherwise, set signature_file_check = no in [list:%s])",
		lc->path, sig_path, signed_len > 200 ? 200 : (int)signed_len,
		signed_name, (int)name_len, name, url_name ? " or " : "",
		(int)url_len, url_name ? url_name : "", lc->name);
	return fail(l, RELOAD_ERR_SIGNATURE, -EINVAL);
}

/*
 * Check the signature of @data; sets version, key and the reason. The
 * signature is read from its file, or taken from @in (a last good copy);
 * with @keep, its text is handed over there.
 */
static int verify(const struct list_config *lc, const char *data, size_t len,
		  uint64_t accepted, const struct list_bytes *in,
		  struct list_bytes *keep, struct loaded_list *l)
{
	struct minisign_sig *sig = NULL;
	char sig_path[PATH_MAX + 16], why_buf[256];
	char *text = NULL;
	size_t text_len;
	const char *why;
	int idx, ret;

	list_signature_path(lc, sig_path, sizeof(sig_path));
	snprintf(why_buf, sizeof(why_buf), "out of memory");
	if (in)
		ret = copy_bytes(in->sig, in->sig_len, &text, &text_len);
	else
		ret = list_read_file(sig_path, LIST_SIGNATURE_MAX_BYTES, &text,
				     &text_len, why_buf, sizeof(why_buf));
	if (in && ret == -ENOENT) {
		set_error(l, "%s: the last good copy holds no signature",
			  lc->path);
		ret = fail(l, RELOAD_ERR_SIGNATURE, ret);
		goto out;
	}
	if (ret == -ENOENT) {
		set_error(
			l,
			"%s: the list is not signed, %s is missing (sign it with scripts/sign-list.sh, or set signature = none for an unsigned list)",
			lc->path, sig_path);
		ret = fail(l, RELOAD_ERR_SIGNATURE, ret);
		goto out;
	}
	if (ret == -EFBIG) {
		set_error(
			l,
			"%s: larger than %d bytes, so not a minisign signature",
			sig_path, LIST_SIGNATURE_MAX_BYTES);
		ret = fail(l, RELOAD_ERR_SIGNATURE, ret);
		goto out;
	}
	if (ret < 0) {
		set_error(l, "%s", why_buf);
		ret = fail(l,
			   ret == -ENOMEM ? RELOAD_ERR_MEMORY : RELOAD_ERR_IO,
			   ret);
		goto out;
	}
	sig = malloc(sizeof(*sig));
	if (!sig) {
		ret = fail(l, RELOAD_ERR_MEMORY, -ENOMEM);
		set_error(l, "out of memory");
		goto out;
	}
	if (minisign_sig_parse(text, text_len, sig, why_buf, sizeof(why_buf)) <
	    0) {
		set_error(l, "%s: not a minisign signature: %s", sig_path,
			  why_buf);
		ret = fail(l, RELOAD_ERR_SIGNATURE, -EINVAL);
		goto out;
	}
	minisign_key_id_str(sig->key_id, l->key_id);
	idx = minisign_verify(sig, lc->keys, lc->nr_keys, data, len);
	if (idx == -ENOKEY) {
		char ids[LIST_MAX_KEYS * MINISIGN_KEY_ID_STRLEN + 8] = "";

		for (int i = 0; i < lc->nr_keys; i++) {
			char id[MINISIGN_KEY_ID_STRLEN];

			minisign_key_id_str(lc->keys[i].id, id);
			strcat(ids, i ? ", " : "");
			strcat(ids, id);
		}
		set_error(
			l,
			"%s: signed with key %s, which is not a public_key of this list (it has %s): add that key if you trust it",
			sig_path, l->key_id, ids);
		ret = fail(l, RELOAD_ERR_SIGNATURE, -EKEYREJECTED);
		goto out;
	}
	if (idx < 0) {
		set_error(
			l,
			idx == -ENOMEM
				? "%s: out of memory verifying %s"
				: "%s: bad signature in %s: the list or the signature's trusted comment was changed after signing (fetch both again)",
			lc->path, sig_path);
		ret = fail(l,
			   idx == -ENOMEM ? RELOAD_ERR_MEMORY
					  : RELOAD_ERR_SIGNATURE,
			   idx == -ENOMEM ? idx : -EBADMSG);
		goto out;
	}
	l->verified = 1;
	l->prehashed = sig->prehashed;
	/* the trusted comment is known to come from the key holder */
	ret = check_signed_file(lc, sig, sig_path, l);
	if (ret < 0) {
		l->verified = 0;
		goto out;
	}

	/* Only now is the trusted comment known to come from the key holder. */
	ret = minisign_timestamp(sig->trusted_comment, &l->version, &why);
	if (ret == -ENOENT && !lc->require_timestamp) {
		l->version = 0;
		ret = 0;
		goto out;
	}
	if (ret < 0) {
		set_error(
			l,
			"%s: %s, so the list cannot be checked against rollback (sign without -t so that minisign adds one, or set require_timestamp = no)",
			sig_path, why);
		ret = fail(l, RELOAD_ERR_SIGNATURE, -EINVAL);
		goto out;
	}
	if (l->version < accepted) {
		char signed_at[40], accepted_at[40];

		utc(l->version, signed_at, sizeof(signed_at));
		utc(accepted, accepted_at, sizeof(accepted_at));
		set_error(
			l,
			"%s: rollback: signed at %s (timestamp %llu), but a version signed at %s (timestamp %llu) was already accepted: install the current list (to accept an older one on purpose, lower its line in list-versions in state_dir)",
			lc->path, signed_at, (unsigned long long)l->version,
			accepted_at, (unsigned long long)accepted);
		ret = fail(l, RELOAD_ERR_ROLLBACK, -ESTALE);
		goto out;
	}
out:
	free(sig);
	if (keep && ret == 0) {
		keep->sig = text;
		keep->sig_len = text_len;
		text = NULL;
	}
	free(text);
	return ret;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * list_load(), list_load_keep() and list_load_bytes(): the bytes come from
 * @in, else from the files of @lc; with @keep they are handed over there.
 */
static int load(const struct list_config *lc, uint64_t max_bytes,
		uint64_t accepted, const struct list_bytes *in,
		struct list_bytes *keep, struct loaded_list *out)
{
	struct list_parse_opts opts = {
		.format = lc->format,
		.on_error = lc->on_error,
		.max_bad_lines = lc->max_bad_lines,
		.origin = lc->origin,
	};
	enum list_format format;
	char *data = NULL, *inflated = NULL, why[256];
	struct stat st;
	uint64_t t;
	size_t len;
	int ret;

	memset(out, 0, sizeof(*out));
	if (keep)
		memset(keep, 0, sizeof(*keep));
	t = now_ns();
	if (in) {
		out->mtime = in->mtime;
		ret = in->len > max_bytes
			      ? -EFBIG
			      : copy_bytes(in->data, in->len, &data, &len);
		if (ret < 0)
			set_error(
				out, "%s: %s", lc->path,
				ret == -EFBIG
					? "the last good copy is over max_list_bytes"
					: strerror(-ret));
	} else {
		if (stat(lc->path, &st) == 0)
			out->mtime = st.st_mtime;
		ret = list_read_file(lc->path, max_bytes, &data, &len,
				     out->error, sizeof(out->error));
	}
	out->read_ns = now_ns() - t;
	if (ret < 0) {
		ret = fail(out,
			   ret == -EFBIG    ? RELOAD_ERR_SIZE
			   : ret == -ENOMEM ? RELOAD_ERR_MEMORY
					    : RELOAD_ERR_IO,
			   ret);
		goto out;
	}
	out->stored_bytes = out->list_bytes = len;
	t = now_ns();
	if (lc->signature == LIST_SIGNATURE_MINISIGN) {
		ret = verify(lc, data, len, accepted, in, keep, out);
		if (ret < 0)
			goto out;
	}
	out->verify_ns = now_ns() - t;
	t = now_ns();
	if (list_is_gzip(data, len)) {
		ret = list_gunzip(lc->path, data, len, max_bytes, &inflated,
				  &out->list_bytes, out->error,
				  sizeof(out->error));
		if (ret < 0) {
			ret = fail(out,
				   ret == -EFBIG    ? RELOAD_ERR_SIZE
				   : ret == -ENOMEM ? RELOAD_ERR_MEMORY
						    : RELOAD_ERR_GZIP,
				   ret);
			goto out;
		}
		out->compressed = 1;
		/* the compressed copy is not needed past this point */
		if (keep) {
			keep->data = data;
			keep->len = len;
		} else {
			free(data);
		}
		data = inflated;
		len = out->list_bytes;
	}
	out->inflate_ns = now_ns() - t;
	t = now_ns();
	/*
	 * The configured format, else what the file holds; type = domain
	 * makes a file that is not in a domain format a plain domain list
	 */
	format = lc->format;
	if (format == LIST_FORMAT_AUTO) {
		if (listfile_detect(data, len, &format, why, sizeof(why)) < 0)
			format = LIST_FORMAT_AUTO; /* the parser reports it */
		if (lc->type == LIST_TYPE_DOMAIN &&
		    !list_format_is_domain(format))
			format = LIST_FORMAT_DOMAINS;
	}
	if (lc->type == LIST_TYPE_IP && list_format_is_domain(format)) {
		set_error(
			out,
			"%s holds domain names (format %s), and type = ip: set type = domain or auto",
			lc->path, list_format_name(format));
		ret = fail(out, RELOAD_ERR_PARSE, -EINVAL);
		goto out;
	}
	opts.format = format;
	if (list_format_is_domain(format)) {
		out->is_domain = 1;
		ret = listfile_parse_names_data(lc->path, data, len, &opts,
						&out->names);
		if (ret < 0)
			set_error(out, "%s", out->names.error);
	} else {
		ret = listfile_parse_data(lc->path, data, len, &opts,
					  &out->parsed);
		if (ret < 0)
			set_error(out, "%s", out->parsed.error);
	}
	out->parse_ns = now_ns() - t;
	if (ret < 0) {
		ret = fail(out,
			   ret == -ENOMEM ? RELOAD_ERR_MEMORY
					  : RELOAD_ERR_PARSE,
			   ret);
		goto out;
	}
out:
	if (keep && ret == 0 && !keep->data) {
		keep->data = data; /* not compressed: as stored */
		keep->len = len;
		data = NULL;
	}
	if (keep && ret < 0)
		list_bytes_free(keep);
	free(data);
	return ret;
}

int list_load(const struct list_config *lc, uint64_t max_bytes,
	      uint64_t accepted, struct loaded_list *out)
{
	return load(lc, max_bytes, accepted, NULL, NULL, out);
}

int list_load_keep(const struct list_config *lc, uint64_t max_bytes,
		   uint64_t accepted, struct list_bytes *keep,
		   struct loaded_list *out)
{
	return load(lc, max_bytes, accepted, NULL, keep, out);
}

int list_load_bytes(const struct list_config *lc, uint64_t max_bytes,
		    uint64_t accepted, const struct list_bytes *in,
		    struct loaded_list *out)
{
	return load(lc, max_bytes, accepted, in, NULL, out);
}

void list_bytes_free(struct list_bytes *b)
{
	free(b->data);
	free(b->sig);
	memset(b, 0, sizeof(*b));
}

void loaded_list_free(struct loaded_list *l)
{
	parsed_list_free(&l->parsed);
	parsed_names_free(&l->names);
}
