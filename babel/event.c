#include "babel/event.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "babel/util.h"

struct fd_slot {
    int fd;
    short events;
    event_fd_fn fn;
    void *ctx;
};

struct tick_slot {
    event_tick_fn fn;
    void *ctx;
    uint64_t due;
};

static struct fd_slot *fds;
static size_t nfds, fds_cap;
static struct tick_slot ticks[32];
static size_t nticks;
static volatile bool stop_requested;

int event_add_fd(int fd, short events, event_fd_fn fn, void *ctx)
{
    if (nfds == fds_cap) {
        size_t cap = fds_cap ? fds_cap * 2 : 16;
        struct fd_slot *n = realloc(fds, cap * sizeof(*n));
        if (!n)
            return -1;
        fds = n;
        fds_cap = cap;
    }
    fds[nfds++] = (struct fd_slot){fd, events, fn, ctx};
    return 0;
}

void event_set_events(int fd, short events)
{
    for (size_t i = 0; i < nfds; i++)
        if (fds[i].fd == fd)
            fds[i].events = events;
}

void event_del_fd(int fd)
{
    for (size_t i = 0; i < nfds; i++) {
        if (fds[i].fd == fd) {
            /* Mark and compact later: a callback may be removing its own fd
             * while event_run iterates. */
            fds[i].fd = -1;
            fds[i].fn = NULL;
        }
    }
}

int event_add_tick(event_tick_fn fn, void *ctx)
{
    if (nticks == sizeof(ticks) / sizeof(ticks[0]))
        return -1;
    ticks[nticks++] = (struct tick_slot){fn, ctx, 0};
    return 0;
}

void event_stop(void) { stop_requested = true; }

static void compact(void)
{
    size_t j = 0;
    for (size_t i = 0; i < nfds; i++)
        if (fds[i].fd >= 0)
            fds[j++] = fds[i];
    nfds = j;
}

static void iterate(int max_wait_ms)
{
    clock_refresh();
    uint64_t next = EVENT_NEVER;
    for (size_t i = 0; i < nticks; i++) {
        /* Ticks keep their own deadlines and return quickly when nothing is
         * due; running them every iteration means work scheduled by a packet
         * handler is never missed. */
        ticks[i].due = ticks[i].fn(ticks[i].ctx);
        if (ticks[i].due < next)
            next = ticks[i].due;
    }
    int timeout = max_wait_ms;
    if (next != EVENT_NEVER) {
        uint64_t wait = next > now_ms ? next - now_ms : 0;
        if (timeout < 0 || wait < (uint64_t)timeout)
            timeout = (int)wait;
    }
    compact();
    size_t n = nfds;
    struct pollfd pfd[n ? n : 1];
    for (size_t i = 0; i < n; i++)
        pfd[i] = (struct pollfd){.fd = fds[i].fd, .events = fds[i].events};
    int rc = poll(pfd, n, timeout);
    if (rc < 0) {
        if (errno != EINTR)
            log_msg("poll: %s", strerror(errno));
        return;
    }
    clock_refresh();
    for (size_t i = 0; i < n && rc > 0; i++) {
        if (!pfd[i].revents)
            continue;
        rc--;
        /* The slot may have been removed by an earlier callback. */
        for (size_t k = 0; k < nfds; k++) {
            if (fds[k].fd == pfd[i].fd && fds[k].fn) {
                fds[k].fn(fds[k].fd, pfd[i].revents, fds[k].ctx);
                break;
            }
        }
    }
}

int event_run(void)
{
    stop_requested = false;
    while (!stop_requested)
        iterate(-1);
    return 0;
}

