#include "mcast/fwd.h"

#include <stdlib.h>
#include <unistd.h>

static struct fwd_table *current;  /* atomic */
static uint64_t generation = 1;    /* atomic */
static uint64_t seen[FWD_MAX_WORKERS];   /* atomic; 0: offline */
static struct fwd_table *retired; /* control plane only */

struct fwd_table *fwd_table_new(void)
{
    struct fwd_table *t = calloc(1, sizeof(struct fwd_table));
    if (t)
        t->activity_fd = -1;
    return t;
}

/* The slow path of fwd_activity_seen: the first packet after arming. */
void fwd_activity_signal(struct fwd_activity *a, int fd)
{
    if (__atomic_exchange_n(&a->armed, 0, __ATOMIC_SEQ_CST) && fd >= 0) {
        uint64_t one = 1;
        if (write(fd, &one, sizeof(one)) < 0) {
            /* Saturated: the control plane is due to wake anyway. */
        }
    }
}

struct fwd_table *fwd_current(void) { return __atomic_load_n(&current, __ATOMIC_ACQUIRE); }

void fwd_quiescent(unsigned worker)
{
    __atomic_store_n(&seen[worker], __atomic_load_n(&generation, __ATOMIC_ACQUIRE),
                     __ATOMIC_RELEASE);
}

void fwd_worker_online(unsigned worker, bool online)
{
    if (online)
        fwd_quiescent(worker);
    else
        __atomic_store_n(&seen[worker], 0, __ATOMIC_RELEASE);
}

void fwd_publish(struct fwd_table *t)
{
    struct fwd_table *old = __atomic_exchange_n(&current, t, __ATOMIC_ACQ_REL);
    uint64_t g = __atomic_add_fetch(&generation, 1, __ATOMIC_ACQ_REL);
    if (old) {
        old->retire_gen = g;
        old->retired_next = retired;
        retired = old;
    }
}

void fwd_table_free(struct fwd_table *t)
{
    for (unsigned i = 0; i < t->ninputs; i++) {
        for (unsigned j = 0; j < t->inputs[i].nrules; j++)
            free(t->inputs[i].rules[j].out);
        free(t->inputs[i].rules);
    }
    free(t->inputs);
    free(t->vips);
    free(t);
}

bool fwd_has_retired(void) { return retired != NULL; }

void fwd_reclaim(void (*release)(struct fwd_table *t))
{
    uint64_t min = UINT64_MAX;
    for (unsigned w = 0; w < FWD_MAX_WORKERS; w++) {
        uint64_t s = __atomic_load_n(&seen[w], __ATOMIC_ACQUIRE);
        if (s && s < min)
            min = s;
    }
    for (struct fwd_table **pp = &retired; *pp;) {
        struct fwd_table *t = *pp;
        if (t->retire_gen <= min) {
            *pp = t->retired_next;
            if (release)
                release(t);
            fwd_table_free(t);
        } else {
            pp = &t->retired_next;
        }
    }
}
