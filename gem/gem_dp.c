/* The GEM/ESP worker: one thread, a poll loop over the descriptors the GEM
 * and ESP modules add, the hold/release rendezvous with the control plane,
 * and the send batch (see gem_dp.h). */
#include "gem/gem_dp.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "babel/event.h"
#include "babel/util.h"
#include "gem/gem_ctr.h"

#define MAX_FDS 64
#define MAX_HOOKS 48
#define MAX_NOTICES 4
#define TX_SLOTS 64
/* How long a send batch waits, once, for room in a full socket buffer
 * before what does not fit is dropped (and counted). */
#define TX_WAIT_MS 2

struct fd_entry {
    int fd;
    gem_dp_fd_fn fn;
    void *ctx;
};

/* The descriptor set: changed by the control plane only while the worker
 * is parked (or absent), read by the worker between parks. */
static struct fd_entry fds[MAX_FDS];
static unsigned nfds;
static unsigned fds_gen;

static pthread_t worker;
static bool running; /* control plane's view: the thread exists */
static int wake_fd = -1, notice_fd = -1;
static pthread_mutex_t park_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cv = PTHREAD_COND_INITIALIZER;
static int hold_req, stopping; /* atomics */
static bool parked;            /* under park_mu */
static unsigned hold_depth;    /* control plane only */
static uint64_t worker_now;    /* the worker's own */
static __thread bool is_worker;
static unsigned notice_bits;   /* atomic */
static void (*notice_fns[MAX_NOTICES])(void);

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool on_worker(void) { return is_worker; }

uint64_t gem_dp_now_ms(void) { return on_worker() ? worker_now : now_ms; }

static void kick(int fd)
{
    uint64_t one = 1;
    if (fd >= 0 && write(fd, &one, sizeof(one)) < 0) {
        /* Saturated: the reader is due to wake anyway. */
    }
}

/* ---------------------------------------------------------------------
 * The rendezvous */

void gem_dp_hold(void)
{
    if (on_worker())
        return; /* a handler's own call into shared code */
    if (hold_depth++ || !running)
        return;
    pthread_mutex_lock(&park_mu);
    __atomic_store_n(&hold_req, 1, __ATOMIC_RELEASE);
    kick(wake_fd);
    while (!parked)
        pthread_cond_wait(&park_cv, &park_mu);
    pthread_mutex_unlock(&park_mu);
}

void gem_dp_release(void)
{
    if (on_worker())
        return;
    if (!hold_depth || --hold_depth || !running)
        return;
    pthread_mutex_lock(&park_mu);
    __atomic_store_n(&hold_req, 0, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&park_cv);
    pthread_mutex_unlock(&park_mu);
}

/* The worker, between batches: parks while the control plane holds. */
static void maybe_park(void)
{
    if (!__atomic_load_n(&hold_req, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&park_mu);
    parked = true;
    pthread_cond_broadcast(&park_cv);
    while (__atomic_load_n(&hold_req, __ATOMIC_ACQUIRE))
        pthread_cond_wait(&park_cv, &park_mu);
    parked = false;
    pthread_mutex_unlock(&park_mu);
}

/* ---------------------------------------------------------------------
 * The worker */

static void *worker_main(void *arg)
{
    struct pollfd pfd[MAX_FDS + 1];
    struct fd_entry ent[MAX_FDS];
    unsigned n = 0, gen = ~0u;
    is_worker = true;
    for (;;) {
        maybe_park();
        if (__atomic_load_n(&stopping, __ATOMIC_ACQUIRE))
            break;
        if (gen != fds_gen) {
            pfd[0] = (struct pollfd){.fd = wake_fd, .events = POLLIN};
            for (n = 0; n < nfds; n++) {
                ent[n] = fds[n];
                pfd[n + 1] = (struct pollfd){.fd = fds[n].fd, .events = POLLIN};
            }
            gen = fds_gen;
        }
        int r = poll(pfd, n + 1, -1);
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0)
            continue;
        if (pfd[0].revents & POLLIN) {
            uint64_t v;
            if (read(wake_fd, &v, sizeof(v)) < 0) {
                /* EAGAIN: another reader took it; nothing lost. */
            }
        }
        worker_now = mono_ms();
        for (unsigned i = 0; i < n; i++) {
            if (!pfd[i + 1].revents)
                continue;
            if (__atomic_load_n(&hold_req, __ATOMIC_ACQUIRE))
                break; /* the descriptor may be gone once released */
            if (pfd[i + 1].revents & POLLERR) {
                /* A link going down leaves an error on its socket; reading
                 * it clears it, and the socket goes on when it is back. */
                int err;
                socklen_t el = sizeof(err);
                getsockopt(ent[i].fd, SOL_SOCKET, SO_ERROR, &err, &el);
            }
            if (pfd[i + 1].revents & POLLIN)
                ent[i].fn(ent[i].fd, ent[i].ctx);
            gem_tx_flush();
        }
    }
    gem_tx_flush();
    return NULL;
}

static void on_notice(int fd, short revents, void *ctx);

static int worker_start(void)
{
    /* The worker's notices reach the event loop through this one (a router
     * with no GEM or ESP descriptor has neither thread nor descriptor). */
    if (notice_fd < 0) {
        notice_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (notice_fd < 0 || event_add_fd(notice_fd, POLLIN, on_notice, NULL) < 0) {
            log_msg("gem: the data plane's notice descriptor: %s", strerror(errno));
            if (notice_fd >= 0)
                close(notice_fd);
            notice_fd = -1;
            return -1;
        }
    }
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) {
        log_msg("gem: eventfd: %s", strerror(errno));
        return -1;
    }
    __atomic_store_n(&stopping, 0, __ATOMIC_RELEASE);
    /* Started inside a hold: it parks before it touches anything. */
    __atomic_store_n(&hold_req, hold_depth ? 1 : 0, __ATOMIC_RELEASE);
    int rc = pthread_create(&worker, NULL, worker_main, NULL);
    if (rc != 0) {
        log_msg("gem: starting the data-plane thread: %s", strerror(rc));
        close(wake_fd);
        wake_fd = -1;
        return -1;
    }
    pthread_setname_np(worker, "gem-dp");
    running = true;
    if (hold_depth) {
        pthread_mutex_lock(&park_mu);
        while (!parked)
            pthread_cond_wait(&park_cv, &park_mu);
        pthread_mutex_unlock(&park_mu);
    }
    return 0;
}

static void worker_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&park_mu);
    __atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&hold_req, 0, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&park_cv);
    pthread_mutex_unlock(&park_mu);
    kick(wake_fd);
    pthread_join(worker, NULL);
    running = false;
    parked = false;
    close(wake_fd);
    wake_fd = -1;
}

int gem_dp_add_fd(int fd, gem_dp_fd_fn fn, void *ctx)
{
    if (nfds == MAX_FDS) {
        log_msg("gem: more than %d data-plane descriptors", MAX_FDS);
        return -1;
    }
    gem_dp_hold();
    fds[nfds++] = (struct fd_entry){fd, fn, ctx};
    fds_gen++;
    int rc = running ? 0 : worker_start();
    if (rc < 0)
        nfds--;
    gem_dp_release();
    return rc;
}

void gem_dp_del_fd(int fd)
{
    gem_dp_hold();
    for (unsigned i = 0; i < nfds; i++)
        if (fds[i].fd == fd) {
            fds[i] = fds[--nfds];
            fds_gen++;
            break;
        }
    gem_dp_release();
}

/* ---------------------------------------------------------------------
 * Notices from the worker */

void gem_dp_on_notice(unsigned bit, void (*fn)(void))
{
    if (bit < MAX_NOTICES)
        notice_fns[bit] = fn;
}

void gem_dp_notice(unsigned bit)
{
    __atomic_fetch_or(&notice_bits, 1u << bit, __ATOMIC_RELEASE);
    kick(notice_fd);
}

static void on_notice(int fd, short revents, void *ctx)
{
    uint64_t v;
    if (read(fd, &v, sizeof(v)) < 0)
        return;
    unsigned bits = __atomic_exchange_n(&notice_bits, 0, __ATOMIC_ACQUIRE);
    gem_dp_hold();
    for (unsigned b = 0; b < MAX_NOTICES; b++)
        if ((bits >> b & 1) && notice_fns[b])
            notice_fns[b]();
    gem_dp_release();
}

/* ---------------------------------------------------------------------
 * Registration wrappers: the handler, held. */

static struct hook {
    union {
        config_directive_fn dir;
        ext_flush_fn flush;
        struct {
            void (*start)(void *);
            void (*stop)(void *);
        } life;
    } fn;
    void *ctx;
} hooks[MAX_HOOKS];
static unsigned nhooks;

static struct hook *new_hook(void *ctx)
{
    if (nhooks == MAX_HOOKS) {
        log_msg("gem: too many data-plane hooks");
        abort(); /* a build-time constant too small: fail loudly */
    }
    hooks[nhooks].ctx = ctx;
    return &hooks[nhooks++];
}

static int held_directive(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    struct hook *h = ctx;
    gem_dp_hold();
    int rc = h->fn.dir(words, nwords, err, errlen, h->ctx);
    gem_dp_release();
    return rc;
}

static int held_flush(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    struct hook *h = ctx;
    gem_dp_hold();
    int rc = h->fn.flush(words, nwords, err, errlen, h->ctx);
    gem_dp_release();
    return rc;
}

static void held_start(void *ctx)
{
    struct hook *h = ctx;
    gem_dp_hold();
    h->fn.life.start(h->ctx);
    gem_dp_release();
}

static void held_stop(void *ctx)
{
    struct hook *h = ctx;
    gem_dp_hold();
    h->fn.life.stop(h->ctx);
    gem_dp_release();
}

void gem_dp_directive(const char *keyword, config_directive_fn fn, void *ctx)
{
    struct hook *h = new_hook(ctx);
    h->fn.dir = fn;
    config_register_directive(keyword, held_directive, h);
}

void gem_dp_flush(const char *kind, ext_flush_fn fn, void *ctx)
{
    struct hook *h = new_hook(ctx);
    h->fn.flush = fn;
    ext_register_flush(kind, held_flush, h);
}

void gem_dp_lifecycle(void (*start)(void *ctx), void (*stop)(void *ctx), void *ctx)
{
    struct hook *h = new_hook(ctx);
    h->fn.life.start = start;
    h->fn.life.stop = stop;
    ext_on_lifecycle(start ? held_start : NULL, stop ? held_stop : NULL, h);
}

/* Registered first, so it stops last: every module has closed its
 * descriptors (held) before the worker is joined. */
static void dp_stop(void *ctx)
{
    worker_stop();
    if (notice_fd >= 0) {
        event_del_fd(notice_fd);
        close(notice_fd);
        notice_fd = -1;
    }
}

void gem_dp_register(void) { ext_on_lifecycle(NULL, dp_stop, NULL); }

/* ---------------------------------------------------------------------
 * The send batch */

struct tx_entry {
    int fd;
    union {
        struct sockaddr_in in;
        struct sockaddr_ll ll;
    } to;
    socklen_t tolen;
    union {
        char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct cmsghdr align;
    } cb;
    size_t cmsglen, len;
    struct gem_tx_count count;
};

static uint8_t tx_slots[TX_SLOTS][GEM_TX_SLOT_LEN];
static struct tx_entry tx[TX_SLOTS];
static unsigned ntx;
static uint64_t tx_packets, tx_calls; /* worker's; read held */

uint8_t *gem_tx_slot(void)
{
    if (ntx == TX_SLOTS)
        gem_tx_flush();
    return tx_slots[ntx];
}

void gem_tx_commit(int fd, const void *to, socklen_t tolen, const void *cmsg, size_t cmsglen,
                   size_t len, const struct gem_tx_count *count)
{
    struct tx_entry *e = &tx[ntx];
    e->fd = fd;
    if (tolen > sizeof(e->to) || cmsglen > sizeof(e->cb.buf))
        abort(); /* a caller's bug */
    memcpy(&e->to, to, tolen);
    e->tolen = tolen;
    if (cmsglen)
        memcpy(e->cb.buf, cmsg, cmsglen);
    e->cmsglen = cmsglen;
    e->len = len;
    e->count = *count;
    ntx++;
    GEM_CTR_INC(tx_packets);
    if (ntx == TX_SLOTS)
        gem_tx_flush();
}

static void counted(const struct gem_tx_count *c, bool ok)
{
    if (ok) {
        if (c->ok)
            GEM_CTR_INC(*c->ok);
        if (c->ok2)
            GEM_CTR_INC(*c->ok2);
        if (c->bytes)
            GEM_CTR_ADD(*c->bytes, c->nbytes);
    } else {
        if (c->err)
            GEM_CTR_INC(*c->err);
        if (c->err2)
            GEM_CTR_INC((*c->err2));
    }
}

/* One run of entries on the same socket. */
static void send_run(unsigned from, unsigned to)
{
    struct mmsghdr mm[TX_SLOTS];
    struct iovec iov[TX_SLOTS];
    int fd = tx[from].fd;
    for (unsigned i = from; i < to; i++) {
        struct tx_entry *e = &tx[i];
        iov[i - from] = (struct iovec){tx_slots[i], e->len};
        mm[i - from].msg_hdr = (struct msghdr){.msg_name = &e->to,
                                               .msg_namelen = e->tolen,
                                               .msg_iov = &iov[i - from],
                                               .msg_iovlen = 1,
                                               .msg_control = e->cmsglen ? e->cb.buf : NULL,
                                               .msg_controllen = e->cmsglen};
    }
    bool waited = false;
    unsigned i = from;
    while (i < to) {
        int r = fd >= 0 ? sendmmsg(fd, &mm[i - from], to - i, MSG_DONTWAIT) : -1;
        if (fd >= 0)
            GEM_CTR_INC(tx_calls);
        if (r > 0) {
            for (int k = 0; k < r; k++)
                counted(&tx[i + (unsigned)k].count, true);
            i += (unsigned)r;
            continue;
        }
        if (fd >= 0 && (errno == EAGAIN || errno == ENOBUFS) && !waited) {
            /* The socket's buffer is full: the worker has nothing better
             * to do than wait a little (the input queues hold meanwhile). */
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            poll(&p, 1, TX_WAIT_MS);
            waited = true;
            continue;
        }
        counted(&tx[i].count, false); /* this one the kernel refused */
        i++;
    }
}

void gem_tx_flush(void)
{
    unsigned i = 0;
    while (i < ntx) {
        unsigned j = i + 1;
        while (j < ntx && tx[j].fd == tx[i].fd)
            j++;
        send_run(i, j);
        i = j;
    }
    ntx = 0;
}

void gem_tx_stats(unsigned long long *packets, unsigned long long *calls)
{
    *packets = GEM_CTR(tx_packets);
    *calls = GEM_CTR(tx_calls);
}
