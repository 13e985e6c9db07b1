// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <curl/curl.h>

#include "common/log.h"
#include "common/safefile.h"
#include "lists/fetch.h"

/* The first retry after a failure; doubled per failure, up to the interval. */
#define FETCH_RETRY_FIRST_S 5
#define FETCH_MAX_SOURCES 255

int fetch_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

/* ---- one download ------------------------------------------------------ */

struct download {
	int fd;
	uint64_t written, max;
	int too_big, write_failed;
};

static size_t write_body(char *data, size_t size, size_t n, void *arg)
{
	struct download *dl = arg;
	size_t len = size * n;

	if (dl->written + len > dl->max) {
		dl->too_big = 1;
		return 0; /* aborts the transfer */
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(dl->fd, data + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			dl->write_failed = errno;
			return 0;
		}
		off += w;
	}
	dl->written += len;
	return len;
}

/* The validators of the copy in the cache, from the hidden .NAME.meta. */
struct validators {
	char etag[256];
	long long last_modified; /* 0 = none */
};

/* The directory holding @path ("." for a bare name). */
static void dir_of(const char *path, char *buf, size_t len)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(buf, len, "%s", dirname(tmp));
}

/* hidden, and not named after the list: no reload when it changes */
static void meta_name(const struct fetch_source *src, char *buf, size_t len)
{
	snprintf(buf, len, ".%s.meta", src->name);
}

static void read_validators(const struct fetch_source *src,
			    struct validators *v)
{
	char dir[PATH_MAX], name[96], path[PATH_MAX + 100], line[300];
	FILE *f;
	int fd;

	memset(v, 0, sizeof(*v));
	dir_of(src->path, dir, sizeof(dir));
	meta_name(src, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open_read_nofollow(path);
	if (fd < 0)
		return;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return;
	}
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		snprintf(v->etag, sizeof(v->etag), "%.255s", line);
	}
	if (fgets(line, sizeof(line), f))
		v->last_modified = atoll(line);
	fclose(f);
}

static void write_validators(const struct fetch_source *src,
			     const struct validators *v)
{
	char dir[PATH_MAX], name[96], text[sizeof(v->etag) + 32],
		err[PATH_MAX + 300];
	int len;

	dir_of(src->path, dir, sizeof(dir));
	meta_name(src, name, sizeof(name));
	len = snprintf(text, sizeof(text), "%s\n%lld\n", v->etag,
		       v->last_modified);
	/* without it the next check is a full download: worth a word only */
	if (safe_write_atomic(dir, name, text, len, "the list directory", err,
			      sizeof(err)) < 0)
		log_debug("list %s: %s", src->name, err);
}

/* curl's header callback: the ETag of the response, for the next check */
static size_t read_header(char *data, size_t size, size_t n, void *arg)
{
	struct validators *v = arg;
	size_t len = size * n, value_len;
	const char *value;

	if (len < 5 || strncasecmp(data, "etag:", 5))
		return len;
	value = data + 5;
	value_len = len - 5;
	while (value_len && (*value == ' ' || *value == '\t')) {
		value++;
		value_len--;
	}
	while (value_len &&
	       (value[value_len - 1] == '\r' || value[value_len - 1] == '\n' ||
		value[value_len - 1] == ' '))
		value_len--;
	/*
	 * It goes back in the next request's If-None-Match: visible bytes
	 * only (RFC 9110 etagc), or none kept (a CR inside would end that
	 * header line early). Without one the next check is a full download.
	 */
	for (size_t i = 0; i < value_len; i++)
		if ((unsigned char)value[i] < 0x21 || value[i] == 0x7f)
			return len;
	if (value_len < sizeof(v->etag)) {
		memcpy(v->etag, value, value_len);
		v->etag[value_len] = '\0';
	}
	return len;
}

/*
 * GET @url into @fd (@tmp_path names it in messages). With @cond, a conditional GET on its
 * validators, and @fresh gets the new ones. Returns the HTTP status (200,
 * 304), or a negative errno with @err set.
 */
#define PRIMARY_IP_MAX sizeof(((struct fetch_status *)0)->primary_ip)

static int http_get(const struct fetch_source *src, const char *url, int fd,
		    const char *tmp_path, const struct validators *cond,
		    struct validators *fresh, char *primary_ip, char *err,
		    size_t errlen)
{
	struct download dl = {.fd = fd, .max = src->max_bytes};
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", hdr[300];
	long code = 0;
	curl_off_t filetime = -1;
	CURLcode rc;
	CURL *curl;

	curl = curl_easy_init();
	if (!curl) {
		snprintf(err, errlen, "cannot set up a download (libcurl)");
		return -ENOMEM;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	/* TLS chosen by the operator is not for a redirect to take away */
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR,
			 strncasecmp(url, "https://", 8) ? "http,https"
							 : "https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)src->timeout_s);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
			 (long)(src->timeout_s < 10 ? src->timeout_s : 10));
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "xdpblockd");
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &dl);
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)src->max_bytes);
	curl_easy_setopt(curl, CURLOPT_FILETIME, 1L);
	if (src->ca_file[0])
		curl_easy_setopt(curl, CURLOPT_CAINFO, src->ca_file);
	if (fresh) {
		memset(fresh, 0, sizeof(*fresh));
		curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, read_header);
		curl_easy_setopt(curl, CURLOPT_HEADERDATA, fresh);
	}
	if (cond && cond->etag[0]) {
		snprintf(hdr, sizeof(hdr), "If-None-Match: %s", cond->etag);
		headers = curl_slist_append(headers, hdr);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	}
	if (cond && cond->last_modified > 0) {
		curl_easy_setopt(curl, CURLOPT_TIMECONDITION,
				 (long)CURL_TIMECOND_IFMODSINCE);
		curl_easy_setopt(curl, CURLOPT_TIMEVALUE_LARGE,
				 (curl_off_t)cond->last_modified);
	}
	rc = curl_easy_perform(curl);
	if (primary_ip) {
		char *ip = NULL;

		/* set once a connection was tried, even one that failed */
		if (curl_easy_getinfo(curl, CURLINFO_PRIMARY_IP, &ip) ==
			    CURLE_OK &&
		    ip && ip[0])
			snprintf(primary_ip, PRIMARY_IP_MAX, "%s", ip);
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(curl, CURLINFO_FILETIME_T, &filetime);
	if (fresh && filetime > 0)
		fresh->last_modified = filetime;
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);

	if (dl.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(err, errlen,
			 "%s is larger than max_list_bytes (%llu bytes)", url,
			 (unsigned long long)src->max_bytes);
		return -EFBIG;
	}
	if (dl.write_failed) {
		snprintf(err, errlen, "cannot write %s: %s", tmp_path,
			 strerror(dl.write_failed));
		return -dl.write_failed;
	}
	if (rc == CURLE_UNSUPPORTED_PROTOCOL &&
	    !strncasecmp(url, "https://", 8)) {
		snprintf(
			err, errlen,
			"%s redirects to a plain http URL, refused: an https source must stay https (correct the url, or have the server redirect to https)",
			url);
		return -EPROTO;
	}
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", url,
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
	}
	/* a time condition that did not hold may come back as 200, empty */
	if (code == 304 || (code == 200 && cond && cond->last_modified > 0 &&
			    dl.written == 0 && filetime > 0 &&
			    filetime <= cond->last_modified))
		return 304;
	if (code != 200) {
		snprintf(err, errlen, "%s: HTTP status %ld", url, code);
		return -EIO;
	}
	return 200;
}

/* Does the download in @fd hold the same bytes as the file at @path? */
static int same_content(int fd, const char *path)
{
	FILE *fa, *fb;
	char ba[65536], bb[65536];
	int same, dup_fd = dup(fd), path_fd = open_read_nofollow(path);

	fa = dup_fd >= 0 ? fdopen(dup_fd, "r") : NULL;
	fb = path_fd >= 0 ? fdopen(path_fd, "r") : NULL;
	if (!fa && dup_fd >= 0)
		close(dup_fd);
	if (!fb && path_fd >= 0)
		close(path_fd);
	same = fa && fb && fseek(fa, 0, SEEK_SET) == 0;
	while (same) {
		size_t na = fread(ba, 1, sizeof(ba), fa),
		       nb = fread(bb, 1, sizeof(bb), fb);

		if (na != nb || memcmp(ba, bb, na))
			same = 0;
		if (na < sizeof(ba))
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int fetch_source_once(const struct fetch_source *src, struct fetch_status *st)
{
	struct safe_tmp tmp = {.dir_fd = -1, .fd = -1},
			sig_tmp = {.dir_fd = -1, .fd = -1};
	char dir[PATH_MAX], what[128];
	struct validators have, fresh;
	int code, ret = 0;

	st->last_attempt = time(NULL);
	st->error[0] = '\0';
	st->warning[0] = '\0';
	/* nothing vouches for such a copy: anyone on the path can rewrite it */
	if (!strncasecmp(src->url, "http://", 7) && !src->sig_url[0])
		snprintf(
			st->warning, sizeof(st->warning),
			"unsigned list over plain http: anyone on the network path can change its rules; use an https url, or sign the list (signature = minisign)");
	read_validators(src, &have);
	/* without a cached copy, validators would only get a 304 for nothing */
	if (access(src->path, F_OK) != 0)
		memset(&have, 0, sizeof(have));

	/* a new, unnamed file: nothing planted at any name is written through */
	snprintf(what, sizeof(what), "the directory of list %s", src->name);
	dir_of(src->path, dir, sizeof(dir));
	ret = safe_tmp_open(&tmp, dir, what, st->error, sizeof(st->error));
	if (ret < 0)
		goto out;
	code = http_get(src, src->url, tmp.fd, src->path, &have, &fresh,
			st->primary_ip, st->error, sizeof(st->error));
	if (code < 0) {
		ret = code;
		goto out;
	}
	if (code == 304 || same_content(tmp.fd, src->path)) {
		if (code == 200)
			write_validators(src, &fresh);
		st->not_modified = 1;
		goto out;
	}
	if (src->sig_url[0]) {
		snprintf(what, sizeof(what),
			 "the directory of the signature of list %s",
			 src->name);
		dir_of(src->sig_path, dir, sizeof(dir));
		ret = safe_tmp_open(&sig_tmp, dir, what, st->error,
				    sizeof(st->error));
		if (ret < 0)
			goto out;
		code = http_get(src, src->sig_url, sig_tmp.fd, src->sig_path,
				NULL, NULL, NULL, st->error, sizeof(st->error));
		if (code < 0) {
			ret = code;
			goto out;
		}
		ret = safe_tmp_install(&sig_tmp, base_of(src->sig_path));
	}
	/* synced by safe_tmp_install() before it replaces the last good copy */
	if (!ret)
		ret = safe_tmp_install(&tmp, base_of(src->path));
	if (ret) {
		snprintf(st->error, sizeof(st->error),
			 "cannot put the download in place at %s: %s",
			 src->path, strerror(-ret));
		goto out;
	}
	write_validators(src, &fresh);
	if (st->warning[0])
		log_warn("list %s: %s", src->name, st->warning);
	st->not_modified = 0;
	ret = 1;
out:
	safe_tmp_discard(&tmp);
	safe_tmp_discard(&sig_tmp);
	st->last_ok = ret >= 0;
	if (ret >= 0) {
		st->last_success = st->last_attempt;
		st->failures = 0;
	} else {
		st->failures++;
	}
	return ret;
}

int fetch_url_addrs(const char *url, struct prefix *out, int max)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	char *host = NULL;
	CURLU *u = curl_url();
	int n = 0, ret;

	if (!u)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0)) {
		curl_url_cleanup(u);
		return -EINVAL;
	}
	curl_url_cleanup(u);
	/* an IPv6 literal comes in brackets */
	if (host[0] == '[') {
		size_t len = strlen(host);

		memmove(host, host + 1, len);
		if (len >= 2 && host[len - 2] == ']')
			host[len - 2] = '\0';
	}
	ret = getaddrinfo(host, NULL, &hints, &res);
	curl_free(host);
	if (ret)
		return ret == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	for (struct addrinfo *ai = res; ai && n < max; ai = ai->ai_next) {
		struct prefix *p = &out[n];

		memset(p, 0, sizeof(*p));
		p->family = ai->ai_family;
		if (ai->ai_family == AF_INET) {
			p->plen = 32;
			memcpy(p->addr,
			       &((struct sockaddr_in *)ai->ai_addr)->sin_addr,
			       4);
		} else if (ai->ai_family == AF_INET6) {
			p->plen = 128;
			memcpy(p->addr,
			       &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr,
			       16);
		} else {
			continue;
		}
		n++;
	}
	freeaddrinfo(res);
	return n;
}

/* ---- the thread --------------------------------------------------------- */

struct source_state {
	struct fetch_source src;
	struct fetch_status st;
	struct timespec due;
	int updated; /* a new copy the main thread has not taken */
	int new_address; /* st.primary_ip changed since the main thread looked */
};

struct fetcher {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int event_fd;
	int stopping;
	uint64_t version; /* bumped by fetcher_set_sources */
	struct source_state sources[FETCH_MAX_SOURCES];
	int nr_sources;
};

static void due_in(struct timespec *ts, uint32_t seconds)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += seconds;
}

static int ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static uint32_t retry_delay(const struct source_state *s)
{
	unsigned int shift = s->st.failures > 10 ? 10 : s->st.failures - 1;
	uint64_t delay = (uint64_t)FETCH_RETRY_FIRST_S << shift;

	return delay < s->src.interval_s ? delay : s->src.interval_s;
}

static void *fetch_thread(void *arg)
{
	struct fetcher *f = arg;

	pthread_mutex_lock(&f->lock);
	while (!f->stopping) {
		struct source_state *next = NULL;
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		for (int i = 0; i < f->nr_sources; i++)
			if (!next || ts_before(&f->sources[i].due, &next->due))
				next = &f->sources[i];
		if (!next) {
			pthread_cond_wait(&f->wake, &f->lock);
			continue;
		}
		if (ts_before(&now, &next->due)) {
			pthread_cond_timedwait(&f->wake, &f->lock, &next->due);
			continue;
		}

		/* download unlocked, on a copy: the sources may change meanwhile */
		struct fetch_source src = next->src;
		struct fetch_status st = next->st;
		uint64_t version = f->version;
		int ret;

		pthread_mutex_unlock(&f->lock);
		ret = fetch_source_once(&src, &st);
		if (ret < 0)
			log_warn(
				"list %s: download failed, keeping the last good copy: %s",
				src.name, st.error);
		else if (ret > 0)
			log_info("list %s: new copy downloaded", src.name);
		pthread_mutex_lock(&f->lock);

		for (int i = 0; i < f->nr_sources; i++) {
			struct source_state *s = &f->sources[i];

			if (version != f->version &&
			    (strcmp(s->src.name, src.name) ||
			     strcmp(s->src.url, src.url)))
				continue;
			if (version == f->version && s != next)
				continue;
			/* a new server address: the main thread protects it */
			if (strcmp(s->st.primary_ip, st.primary_ip))
				s->new_address = 1;
			s->st = st;
			due_in(&s->due,
			       ret < 0 ? retry_delay(s) : s->src.interval_s);
			if (ret > 0 || s->new_address) {
				uint64_t one = 1;

				s->updated |= ret > 0;
				if (write(f->event_fd, &one, sizeof(one)) < 0)
					log_warn(
						"cannot wake the main loop: %s",
						strerror(errno));
			}
			break;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

struct fetcher *fetcher_start(char *err, size_t errlen)
{
	struct fetcher *f = calloc(1, sizeof(*f));
	pthread_condattr_t attr;

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&f->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&f->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (f->event_fd < 0 ||
	    pthread_create(&f->thread, NULL, fetch_thread, f)) {
		snprintf(err, errlen, "cannot start the list download thread");
		if (f->event_fd >= 0)
			close(f->event_fd);
		free(f);
		return NULL;
	}
	return f;
}

void fetcher_set_sources(struct fetcher *f, const struct fetch_source *src,
			 int nr, uint32_t first_due_s)
{
	struct source_state *old = malloc(sizeof(f->sources));
	int nr_old;

	pthread_mutex_lock(&f->lock);
	nr_old = f->nr_sources;
	if (old)
		memcpy(old, f->sources, nr_old * sizeof(*old));
	if (nr > FETCH_MAX_SOURCES)
		nr = FETCH_MAX_SOURCES;
	for (int i = 0; i < nr; i++) {
		struct source_state *s = &f->sources[i];
		int kept = 0;

		for (int j = 0; old && j < nr_old && !kept; j++)
			if (!strcmp(old[j].src.name, src[i].name) &&
			    !strcmp(old[j].src.url, src[i].url)) {
				*s = old[j];
				kept = 1;
			}
		if (!kept) {
			memset(s, 0, sizeof(*s));
			due_in(&s->due, first_due_s);
		}
		s->src = src[i];
	}
	f->nr_sources = nr;
	f->version++;
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
	free(old);
}

int fetcher_fd(const struct fetcher *f)
{
	return f->event_fd;
}

void fetcher_take_updated(struct fetcher *f,
			  void (*fn)(const char *name, void *arg), void *arg)
{
	uint64_t count;

	if (read(f->event_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_warn("download events: %s", strerror(errno));
	pthread_mutex_lock(&f->lock);
	for (int i = 0; i < f->nr_sources; i++) {
		f->sources[i].new_address = 0;
		if (f->sources[i].updated) {
			f->sources[i].updated = 0;
			fn(f->sources[i].src.name, arg);
		}
	}
	pthread_mutex_unlock(&f->lock);
}

int fetcher_status(struct fetcher *f, const char *name, struct fetch_status *st)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&f->lock);
	for (int i = 0; i < f->nr_sources; i++)
		if (!strcmp(f->sources[i].src.name, name)) {
			*st = f->sources[i].st;
			ret = 0;
		}
	pthread_mutex_unlock(&f->lock);
	return ret;
}

void fetcher_stop(struct fetcher *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stopping = 1;
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
	/* a download in progress ends within its timeout */
	pthread_join(f->thread, NULL);
	close(f->event_fd);
	free(f);
}
