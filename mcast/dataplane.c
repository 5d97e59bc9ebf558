#include "mcast/dataplane.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "babel/util.h"
#include "mcast/fwd.h"
#include "mcast/reasm.h"

#define MAX_INPUTS 64
#define BLOCKS_PER_TURN 8

struct worker {
    unsigned id;
    pthread_t thread;
    bool started;
    int wake_fd;
    struct egress_batch batch;
    struct reasm reasm;
    struct fwd_table *t;
    struct fwd_input *in; /* the input being drained */
    uint64_t now;
};

static struct worker workers[1];
static volatile int stopping;

static void ctr_add(uint64_t *c, uint64_t v)
{
    __atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool is_own(const struct fwd_table *t, uint32_t src)
{
    for (unsigned i = 0; i < t->nvips; i++)
        if (t->vips[i] == src)
            return true;
    return false;
}

/* Relays one whole UDP datagram to every output of every matching rule. */
static void relay(struct worker *w, uint32_t src, uint32_t dst, uint16_t dport,
                  const uint8_t *payload, size_t len)
{
    struct fwd_input *in = w->in;
    bool matched = false;
    for (unsigned r = 0; r < in->nrules; r++) {
        struct fwd_rule *fr = &in->rules[r];
        if (fr->group != dst || (fr->source && fr->source != src) ||
            (fr->port && fr->port != dport))
            continue;
        matched = true;
        struct egress_counts *rc = &fr->counts->w[w->id].c;
        ctr_add(&rc->packets, 1);
        ctr_add(&rc->bytes, len);
        if (fr->nout == 0)
            ctr_add(&rc->drops, 1);
        bool sent = false;
        for (unsigned o = 0; o < fr->nout; o++) {
            struct fwd_output *fo = &fr->out[o];
            if (!fo->sock) {
                /* The output's interface is missing or down. */
                ctr_add(&fo->counts->w[w->id].c.drops, 1);
                continue;
            }
            sent = true;
            egress_queue(&w->batch, fo->sock, fo->dst ? fo->dst : dst,
                         fo->port ? fo->port : dport, payload, len, &fo->counts->w[w->id].c);
        }
        /* A stream that goes nowhere is not active anywhere. */
        if (fr->act && sent)
            fwd_activity_seen(fr->act, w->id, w->now, w->t->activity_fd);
    }
    if (!matched)
        ctr_add(&in->counts->w[w->id].unmatched, 1);
}

static bool wanted_group(const struct fwd_input *in, uint32_t dst)
{
    for (unsigned r = 0; r < in->nrules; r++)
        if (in->rules[r].group == dst)
            return true;
    return false;
}

static void on_frame(const struct capture_frame *f, void *ctx)
{
    struct worker *w = ctx;
    struct fwd_input *in = w->in;
    struct fwd_input_counts *ic = in->counts;
    ctr_add(&ic->w[w->id].frames, 1);
    struct frame_view v;
    enum frame_result res;
    if (f->len < f->wirelen)
        res = FRAME_TRUNCATED;
    else
        res = frame_parse(f->data, f->len, f->csum_partial, &v);
    if (res == FRAME_NOT_IPV4 || res == FRAME_NOT_UDP) {
        ctr_add(&ic->w[w->id].result[res], 1);
        return;
    }
    if (res != FRAME_OK && res != FRAME_FRAGMENT) {
        ctr_add(&ic->w[w->id].result[res], 1);
        return;
    }
    if (!wanted_group(in, v.dst)) {
        ctr_add(&ic->w[w->id].unmatched, 1);
        return;
    }
    if (is_own(w->t, v.src)) {
        ctr_add(&ic->w[w->id].own, 1);
        return;
    }
    ctr_add(&ic->w[w->id].result[res], 1);
    if (res == FRAME_OK) {
        relay(w, v.src, v.dst, v.dport, v.payload, v.payload_len);
        return;
    }
    struct reasm_datagram d;
    enum frame_result why;
    int rc = reasm_add(&w->reasm, &v, f->csum_partial, w->now, &d, &why);
    if (rc < 0) {
        ctr_add(&ic->w[w->id].result[why], 1);
        return;
    }
    if (rc == 0)
        return;
    struct frame_view u;
    res = frame_parse_udp(d.l4, d.l4_len, d.src, d.dst, d.csum_partial, &u);
    if (res != FRAME_OK) {
        ctr_add(&ic->w[w->id].result[res], 1);
    } else {
        ctr_add(&ic->w[w->id].reassembled, 1);
        relay(w, d.src, d.dst, u.dport, u.payload, u.payload_len);
        /* The datagram's buffer must outlive its sends. */
        egress_flush(&w->batch);
    }
    reasm_done(&d);
}

static void on_block_done(void *ctx)
{
    struct worker *w = ctx;
    egress_flush(&w->batch);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pollfd pfd[MAX_INPUTS + 1];
    struct fwd_table *polled = NULL;
    unsigned npfd = 0;
    uint64_t last_expire = 0;
    fwd_worker_online(w->id, true);
    while (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
        fwd_quiescent(w->id);
        struct fwd_table *t = fwd_current();
        w->t = t;
        if (t != polled || !t) {
            npfd = 0;
            pfd[npfd++] = (struct pollfd){.fd = w->wake_fd, .events = POLLIN};
            for (unsigned i = 0; t && i < t->ninputs && npfd <= MAX_INPUTS; i++)
                pfd[npfd++] = (struct pollfd){.fd = t->inputs[i].cap->fd, .events = POLLIN};
            polled = t;
        }
        /* Blocks may already be ready: drain before sleeping. */
        unsigned frames = 0;
        w->now = mono_ms();
        for (unsigned i = 0; t && i < t->ninputs && i < MAX_INPUTS; i++) {
            w->in = &t->inputs[i];
            frames += capture_drain(t->inputs[i].cap, on_frame, on_block_done, w, BLOCKS_PER_TURN);
        }
        if (w->now - last_expire >= 500) {
            reasm_expire(&w->reasm, w->now);
            last_expire = w->now;
        }
        if (frames)
            continue;
        int n = poll(pfd, npfd, 200);
        if (n > 0 && (pfd[0].revents & POLLIN)) {
            uint64_t v;
            if (read(w->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
                break;
        }
        /* A link going down leaves an error on its packet socket; reading
         * it clears it, and the socket resumes when the link comes up. */
        for (unsigned i = 1; n > 0 && i < npfd; i++)
            if (pfd[i].revents & POLLERR) {
                int err;
                socklen_t el = sizeof(err);
                getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &el);
            }
    }
    egress_flush(&w->batch);
    fwd_worker_online(w->id, false);
    return NULL;
}

int dataplane_start(void)
{
    struct worker *w = &workers[0];
    if (w->started)
        return 0;
    /* Field by field, not memset: the batch's entries (over 200 KiB) are
     * written before they are read, and clearing them would make every
     * daemon pay for them in resident memory, relaying or not. */
    w->id = 0;
    w->t = NULL;
    w->in = NULL;
    w->now = 0;
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->wake_fd < 0) {
        log_msg("mcast: eventfd: %s", strerror(errno));
        return -1;
    }
    if (egress_batch_init(&w->batch) < 0)
        log_msg("mcast: io_uring unavailable (%s); sending with sendmsg", strerror(errno));
    reasm_init(&w->reasm);
    __atomic_store_n(&stopping, 0, __ATOMIC_RELEASE);
    /* Mark the worker online before it runs, so a table published in the
     * meantime is not reclaimed under it. */
    fwd_worker_online(w->id, true);
    int rc = pthread_create(&w->thread, NULL, worker_main, w);
    if (rc != 0) {
        fwd_worker_online(w->id, false);
        log_msg("mcast: starting the data-plane thread: %s", strerror(rc));
        close(w->wake_fd);
        egress_batch_free(&w->batch);
        return -1;
    }
    pthread_setname_np(w->thread, "mcast-dp0");
    w->started = true;
    return 0;
}

void dataplane_kick(void)
{
    struct worker *w = &workers[0];
    if (!w->started)
        return;
    uint64_t one = 1;
    if (write(w->wake_fd, &one, sizeof(one)) < 0) {
        /* The counter is saturated: the worker is already due to wake. */
    }
}

void dataplane_stop(void)
{
    struct worker *w = &workers[0];
    if (!w->started)
        return;
    __atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
    dataplane_kick();
    pthread_join(w->thread, NULL);
    close(w->wake_fd);
    egress_batch_free(&w->batch);
    reasm_free(&w->reasm);
    w->started = false;
}
