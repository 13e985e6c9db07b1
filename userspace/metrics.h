/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The HTTP metrics endpoint (libmicrohttpd): GET /metrics in the
 * Prometheus text format, GET /top?n=N&list=NAME as JSON. It runs inside
 * the daemon's poll loop, without threads of its own: add metrics_fd() to
 * the poll set, poll no longer than metrics_timeout_ms(), and call
 * metrics_run() after every poll. Metric names and labels: docs/metrics.md.
 */
#ifndef XDPBLOCK_METRICS_H
#define XDPBLOCK_METRICS_H

struct daemon;
struct metrics;

/*
 * Listen where d->cfg.metrics_addr says and serve @d's state. With
 * metrics off, *@out is NULL and 0 is returned; the other functions
 * accept NULL. Returns a negative errno after logging what to change.
 */
int metrics_start(struct metrics **out, struct daemon *d);
/* The one fd to poll for POLLIN; -1 (ignored by poll) when off. */
int metrics_fd(const struct metrics *m);
/* The longest the poll may wait, in ms; -1 when there is no limit. */
int metrics_timeout_ms(struct metrics *m);
/* Accept, read, answer and time out whatever is ready; never blocks. */
void metrics_run(struct metrics *m);
void metrics_stop(struct metrics *m);

#endif
