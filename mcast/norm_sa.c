/* Source-Active origination by normalizer rules (see norm_sa.h). */
#include "mcast/norm_sa.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "babel/config.h"
#include "babel/event.h"
#include "babel/util.h"
#include "mcast/sa.h"

/* Without an eventfd, the armed flags are looked at this often instead. */
#define POLL_FALLBACK_MS 50

struct norm_sa {
    struct norm_sa *next;
    struct fwd_activity *act; /* NULL: nothing to originate */
    uint32_t vip;
    unsigned ngroups;
    uint32_t groups[RULE_MAX_OUTPUTS];
    bool active;        /* its SAs are originated */
    uint64_t check_due; /* when to look at its idleness again */
};

/* One (VIP, G) and the number of active rules originating it. */
struct origin {
    struct origin *next;
    uint32_t vip, group;
    unsigned users;
};

static struct norm_sa *all;
static struct origin *origins;
static unsigned idle_s = NORM_SA_IDLE_DEFAULT;
static int wake_fd = -1;
static bool started;
static uint64_t next_fallback;

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n, sz);
    if (!p) {
        log_msg("mcast: out of memory");
        abort();
    }
    return p;
}

static uint64_t idle_ms(void) { return (uint64_t)idle_s * 1000; }

/* ---- (VIP, G) shared by rules ----------------------------------------- */

static void origin_take(uint32_t vip, uint32_t group)
{
    struct origin *o;
    for (o = origins; o; o = o->next)
        if (o->vip == vip && o->group == group)
            break;
    if (!o) {
        o = xcalloc(1, sizeof(*o));
        o->vip = vip;
        o->group = group;
        o->next = origins;
        origins = o;
    }
    if (o->users++ == 0) {
        uint8_t s[16], g[16];
        addr_from_v4(s, (const uint8_t *)&vip);
        addr_from_v4(g, (const uint8_t *)&group);
        if (sa_originate(s, g) < 0) {
            char a[16], b[16];
            log_msg("mcast: cannot originate SA (%s, %s)", ip4_fmt(vip, a), ip4_fmt(group, b));
        }
    }
}

static void origin_drop(uint32_t vip, uint32_t group)
{
    for (struct origin **pp = &origins; *pp; pp = &(*pp)->next) {
        struct origin *o = *pp;
        if (o->vip != vip || o->group != group)
            continue;
        if (--o->users > 0)
            return;
        uint8_t s[16], g[16];
        addr_from_v4(s, (const uint8_t *)&vip);
        addr_from_v4(g, (const uint8_t *)&group);
        sa_withdraw(s, g);
        *pp = o->next;
        free(o);
        return;
    }
}

static void go_active(struct norm_sa *s)
{
    for (unsigned i = 0; i < s->ngroups; i++)
        origin_take(s->vip, s->groups[i]);
    s->active = true;
}

static void go_idle(struct norm_sa *s)
{
    if (!s->active)
        return;
    for (unsigned i = 0; i < s->ngroups; i++)
        origin_drop(s->vip, s->groups[i]);
    s->active = false;
}

/* ---- activity objects ------------------------------------------------- */

static struct fwd_activity *activity_new(void)
{
    struct fwd_activity *a = xcalloc(1, sizeof(*a));
    a->refs = 1;
    /* Tell us about the first packet. */
    __atomic_store_n(&a->armed, 1, __ATOMIC_SEQ_CST);
    return a;
}

void norm_sa_activity_unref(struct fwd_activity *a)
{
    if (a && --a->refs == 0)
        free(a);
}

struct fwd_activity *norm_sa_activity(struct norm_sa *s)
{
    if (!s || !s->act)
        return NULL;
    s->act->refs++;
    return s->act;
}

int norm_sa_fd(void) { return wake_fd; }

/* The latest packet any worker relayed for it (0: none yet). */
static uint64_t last_packet(const struct fwd_activity *a)
{
    uint64_t last = 0;
    for (unsigned w = 0; w < FWD_MAX_WORKERS; w++) {
        uint64_t t = __atomic_load_n(&a->w[w].last_ms, __ATOMIC_SEQ_CST);
        if (t > last)
            last = t;
    }
    return last;
}

/* ---- rules ------------------------------------------------------------ */

/* What c originates: its VIP and its distinct output groups. */
static void keys_of(const struct rule_conf *c, uint32_t *vip, uint32_t groups[], unsigned *n)
{
    *n = 0;
    *vip = c->vip;
    if (!c->vip)
        return;
    for (int k = 0; k < c->nout; k++) {
        const struct rule_output *o = &c->out[k];
        if (o->unicast)
            continue;
        uint32_t g = o->group ? o->group : c->group;
        bool dup = false;
        for (unsigned i = 0; i < *n; i++)
            dup |= groups[i] == g;
        if (!dup)
            groups[(*n)++] = g;
    }
}

struct norm_sa *norm_sa_new(const struct rule_conf *c)
{
    struct norm_sa *s = xcalloc(1, sizeof(*s));
    keys_of(c, &s->vip, s->groups, &s->ngroups);
    if (s->ngroups)
        s->act = activity_new();
    s->next = all;
    all = s;
    return s;
}

void norm_sa_update(struct norm_sa *s, const struct rule_conf *c)
{
    uint32_t vip, groups[RULE_MAX_OUTPUTS];
    unsigned n;
    keys_of(c, &vip, groups, &n);
    if (vip == s->vip && n == s->ngroups && memcmp(groups, s->groups, n * sizeof(groups[0])) == 0)
        return; /* same SAs: a stream that flows keeps them */
    go_idle(s);
    /* A fresh activity object: a packet the worker still relays under the
     * old table marks the old one, not the new SAs. */
    norm_sa_activity_unref(s->act);
    s->act = n ? activity_new() : NULL;
    s->vip = vip;
    s->ngroups = n;
    memcpy(s->groups, groups, n * sizeof(groups[0]));
}

void norm_sa_free(struct norm_sa *s)
{
    if (!s)
        return;
    go_idle(s);
    for (struct norm_sa **pp = &all; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    norm_sa_activity_unref(s->act);
    free(s);
}

/* ---- activity and idleness -------------------------------------------- */

void norm_sa_poll(void)
{
    if (!started)
        return;
    for (struct norm_sa *s = all; s; s = s->next) {
        if (!s->act || s->active || __atomic_load_n(&s->act->armed, __ATOMIC_SEQ_CST))
            continue;
        /* The worker disarmed it: a packet went out. */
        go_active(s);
        s->check_due = now_ms + idle_ms();
    }
}

/* Withdraws s's SAs if it has been idle long enough; true if it did. */
static bool check_idle(struct norm_sa *s)
{
    uint64_t last = last_packet(s->act);
    if (last + idle_ms() > now_ms) {
        s->check_due = last + idle_ms();
        return false;
    }
    /* Arm first, then look again: a packet relayed meanwhile is either
     * seen here or sees the arming and signals (fwd_activity_seen). */
    __atomic_store_n(&s->act->armed, 1, __ATOMIC_SEQ_CST);
    last = last_packet(s->act);
    if (last + idle_ms() > now_ms) {
        __atomic_store_n(&s->act->armed, 0, __ATOMIC_SEQ_CST);
        s->check_due = last + idle_ms();
        return false;
    }
    go_idle(s);
    return true;
}

uint64_t norm_sa_tick(void)
{
    if (!started)
        return EVENT_NEVER;
    uint64_t next = EVENT_NEVER;
    if (wake_fd < 0) {
        if (now_ms >= next_fallback) {
            norm_sa_poll();
            next_fallback = now_ms + POLL_FALLBACK_MS;
        }
        if (all)
            next = next_fallback;
    }
    bool withdrew = false;
    for (struct norm_sa *s = all; s; s = s->next) {
        if (!s->active)
            continue;
        if (s->check_due <= now_ms)
            withdrew |= check_idle(s);
        if (s->active && s->check_due < next)
            next = s->check_due;
    }
    /* The SA table's timer has already run in this turn of the loop: come
     * back at once, so it floods the withdrawal now. */
    return withdrew ? now_ms : next;
}

static uint64_t on_tick(void *ctx) { return norm_sa_tick(); }

static void on_wake(int fd, short revents, void *ctx)
{
    uint64_t v;
    if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        log_msg("mcast: reading the activity eventfd: %s", strerror(errno));
    norm_sa_poll();
}

/* ---- lifecycle and the directive -------------------------------------- */

void norm_sa_start(void)
{
    if (started)
        return;
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0)
        log_msg("mcast: eventfd: %s; streams starting are noticed within %d ms", strerror(errno),
                POLL_FALLBACK_MS);
    else if (event_add_fd(wake_fd, POLLIN, on_wake, NULL) < 0) {
        close(wake_fd);
        wake_fd = -1;
    }
    started = true;
    next_fallback = now_ms;
}

void norm_sa_stop(void)
{
    if (!started)
        return;
    for (struct norm_sa *s = all; s; s = s->next)
        go_idle(s);
    if (wake_fd >= 0) {
        event_del_fd(wake_fd);
        close(wake_fd);
        wake_fd = -1;
    }
    started = false;
}

int norm_sa_set_idle_time(unsigned seconds)
{
    if (seconds < 1 || seconds > NORM_SA_IDLE_MAX)
        return -1;
    idle_s = seconds;
    /* Judge every active rule again by the new time. */
    for (struct norm_sa *s = all; s; s = s->next)
        s->check_due = now_ms;
    return 0;
}

unsigned norm_sa_idle_time(void) { return idle_s; }

static int dir_idle(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    unsigned long v;
    if (nwords != 2 || parse_uint(words[1], NORM_SA_IDLE_MAX, &v) < 0 || v < 1) {
        snprintf(err, errlen, "sa-idle-time: expected a number of seconds from 1 to %d",
                 NORM_SA_IDLE_MAX);
        return -1;
    }
    return norm_sa_set_idle_time((unsigned)v);
}

void norm_sa_init(void)
{
    config_register_directive("sa-idle-time", dir_idle, NULL);
    event_add_tick(on_tick, NULL);
}
