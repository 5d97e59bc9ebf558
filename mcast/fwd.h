/* The forwarding table: what the data plane reads.  The control plane
 * builds a new table on every change and publishes it with one atomic
 * pointer swap; the old one is freed once every worker has passed a
 * quiescent point (the top of its loop) since the swap.  Tables are never
 * modified after publication.  Counters live in objects the tables point
 * to, one slot per worker, summed by the control plane on demand. */
#ifndef MCAST_FWD_H
#define MCAST_FWD_H

#include <stdbool.h>
#include <stdint.h>

#include "mcast/capture.h"
#include "mcast/egress.h"
#include "mcast/frame.h"

#define FWD_MAX_WORKERS 4

/* Counters of one rule or one output, per worker (cache-line apart). */
struct fwd_counts {
    struct {
        struct egress_counts c;
        uint64_t pad[4];
    } w[FWD_MAX_WORKERS];
    int refs; /* control plane's */
};
/* Counters of one input: frames by what became of them. */
struct fwd_input_counts {
    struct {
        uint64_t frames;
        uint64_t result[FRAME_RESULT_COUNT];
        uint64_t unmatched, own, reassembled;
        uint64_t pad[4];
    } w[FWD_MAX_WORKERS];
    int refs;
};

/* Activity of one rule that originates Source-Active entries (see
 * mcast/norm_sa.h).  The worker records, per worker slot, the time (its
 * loop's CLOCK_MONOTONIC ms, as now_ms) of the last packet relayed, and when
 * the control plane has `armed` the object (the rule is idle: no SA) it
 * disarms it at the first packet and writes the table's activity_fd, so the
 * control plane hears of a stream starting at once rather than at a poll. */
struct fwd_activity {
    uint32_t armed;
    uint32_t pad0[15];
    struct {
        uint64_t last_ms;
        uint64_t pad[7];
    } w[FWD_MAX_WORKERS];
    int refs; /* control plane's */
};

struct fwd_output {
    struct egress_sock *sock;
    uint32_t dst;   /* group or unicast address, network order; 0: the input's */
    uint16_t port;  /* 0: the original */
    struct fwd_counts *counts;
};

struct fwd_rule {
    uint32_t group, source; /* source 0: any */
    uint16_t port;          /* 0: any */
    struct fwd_counts *counts;
    struct fwd_activity *act; /* NULL: the rule originates no SA */
    unsigned nout;
    struct fwd_output *out;
};

struct fwd_input {
    struct capture *cap;
    struct fwd_input_counts *counts;
    unsigned nrules;
    struct fwd_rule *rules;
};

struct fwd_table {
    unsigned ninputs;
    struct fwd_input *inputs;
    unsigned nvips;
    uint32_t *vips; /* our own sources: never relayed */
    int activity_fd; /* eventfd the worker writes when it disarms an activity; -1 */
    uint64_t retire_gen;
    struct fwd_table *retired_next;
};

/* Control plane: a new empty table to fill (calloc'd arrays, every
 * referenced object's refs incremented by the builder). */
struct fwd_table *fwd_table_new(void);
/* Frees a table the data plane never saw (or no longer sees). */
void fwd_table_free(struct fwd_table *t);
/* Publishes t; the previous table is retired. */
void fwd_publish(struct fwd_table *t);
/* Frees retired tables no worker can still see; `release` is called for
 * each freed table (to drop its references) before the free. */
/* True while published-over tables wait for the workers to move on. */
bool fwd_has_retired(void);
void fwd_reclaim(void (*release)(struct fwd_table *t));

/* Data plane. */
struct fwd_table *fwd_current(void);
/* Disarms a and writes fd (the first packet after arming). */
void fwd_activity_signal(struct fwd_activity *a, int fd);
/* A packet of an activity's rule went out at now (worker w): a store only
 * when the millisecond changed, a read of `armed` otherwise.  The store and
 * the read are sequentially consistent, against the control plane's store
 * of `armed` and read of last_ms (norm_sa.c): either it sees this packet's
 * time or this packet sees the arming and signals. */
static inline void fwd_activity_seen(struct fwd_activity *a, unsigned w, uint64_t now, int fd)
{
    if (__atomic_load_n(&a->w[w].last_ms, __ATOMIC_RELAXED) != now)
        __atomic_store_n(&a->w[w].last_ms, now, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&a->armed, __ATOMIC_SEQ_CST))
        fwd_activity_signal(a, fd);
}
void fwd_quiescent(unsigned worker);
void fwd_worker_online(unsigned worker, bool online);

#endif
