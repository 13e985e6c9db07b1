/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The HTTP metrics endpoint (libmicrohttpd): GET /metrics in the
 * Prometheus text format, GET /top?n=N&list=NAME as JSON (only with
 * metrics_top = yes). It runs in a thread of its own and renders under
 * d->lock (metrics.c says why). Metric names and labels: docs/metrics.md.
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
void metrics_stop(struct metrics *m);

#endif
