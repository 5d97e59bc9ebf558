/* Source-Active origination for native sources (see native_sa.h). */
#include "mcast/native_sa.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "babel/event.h"
#include "babel/extension.h"
#include "babel/kernel.h"
#include "babel/kernel_watch.h"
#include "babel/util.h"
#include "mcast/mcif.h"
#include "mcast/mroute.h"
#include "mcast/norm_sa.h"
#include "mcast/sa.h"

#define ADDRS_MAX 256
#define ADDRS_MAX_AGE_MS 1000

/* ---- the decision ------------------------------------------------------- */

static bool in_net(uint32_t a, uint32_t net, uint32_t bits) /* host order */
{
    return (a & bits) == net;
}

enum native_sa_verdict native_sa_judge(uint32_t s_n, uint32_t g_n, unsigned ifindex,
                                       const struct native_sa_addr *addrs, unsigned naddrs)
{
    uint32_t s = ntohl(s_n), g = ntohl(g_n);
    if (!in_net(g, 0xe0000000u, 0xf0000000u))
        return NATIVE_SA_NOT_MULTICAST;
    if (in_net(g, 0xe0000000u, 0xffffff00u))
        return NATIVE_SA_LINK_LOCAL;
    if (in_net(g, 0xe8000000u, 0xff000000u))
        return NATIVE_SA_SSM;
    if (s == 0 || s == 0xffffffffu || in_net(s, 0x7f000000u, 0xff000000u) ||
        s >= 0xe0000000u || in_net(s, 0xa9fe0000u, 0xffff0000u))
        return NATIVE_SA_BAD_SOURCE;
    for (unsigned i = 0; i < naddrs; i++)
        if (addrs[i].addr == s_n)
            return NATIVE_SA_OWN;
    bool on_subnet = false;
    for (unsigned i = 0; i < naddrs; i++) {
        const struct native_sa_addr *a = &addrs[i];
        if (a->ifindex != ifindex)
            continue;
        if (a->peer && a->peer == s_n) {
            on_subnet = true;
            continue;
        }
        uint32_t m = ntohl(a->mask), net = ntohl(a->addr) & m;
        if (m == 0xffffffffu || !in_net(s, net, m))
            continue;
        /* Below /31 the lowest and highest addresses are no host's. */
        if (m != 0xfffffffeu && (s == net || s == (net | ~m)))
            return NATIVE_SA_BAD_SOURCE;
        on_subnet = true;
    }
    return on_subnet ? NATIVE_SA_OK : NATIVE_SA_OFF_SUBNET;
}

const char *native_sa_verdict_name(enum native_sa_verdict v)
{
    switch (v) {
    case NATIVE_SA_OK: return "ok";
    case NATIVE_SA_NOT_MULTICAST: return "not-multicast";
    case NATIVE_SA_LINK_LOCAL: return "link-local";
    case NATIVE_SA_SSM: return "ssm";
    case NATIVE_SA_BAD_SOURCE: return "bad-source";
    case NATIVE_SA_OWN: return "own";
    case NATIVE_SA_OFF_SUBNET: return "off-subnet";
    }
    return "?";
}

/* ---- tracking ------------------------------------------------------------ */

struct nsrc {
    struct nsrc *next;
    uint32_t s, g; /* network order */
    unsigned ifindex;
    uint64_t last_active; /* ms: reported, or its count moved */
    unsigned long pkts;   /* the count at the last reading */
    bool have_count;      /* pkts is a reading of the current kernel entry */
    bool originated;      /* false: a candidate (native_sa_core_candidate) */
};

static struct nsrc *srcs;
static unsigned nsrcs;
static struct native_sa_ops ops;
static struct native_sa_stats stats;
static uint64_t next_poll = EVENT_NEVER;

static uint64_t idle_ms(void) { return (uint64_t)norm_sa_idle_time() * 1000; }

void native_sa_core_reset(const struct native_sa_ops *o)
{
    while (srcs) {
        struct nsrc *n = srcs;
        srcs = n->next;
        free(n);
    }
    nsrcs = 0;
    memset(&stats, 0, sizeof(stats));
    ops = *o;
    next_poll = EVENT_NEVER;
}

struct native_sa_stats *native_sa_core_stats(void) { return &stats; }
unsigned native_sa_core_count(void)
{
    unsigned n = 0;
    for (struct nsrc *p = srcs; p; p = p->next)
        n += p->originated;
    return n;
}

/* A baseline reading of the kernel's count: the packets counted so far are
 * not news (the report, or the entry's reinstallation, was). */
static void read_baseline(struct nsrc *n)
{
    n->have_count = ops.count && ops.count(n->s, n->g, &n->pkts, ops.ctx) == 0;
}

static struct nsrc *find(uint32_t s, uint32_t g)
{
    for (struct nsrc *n = srcs; n; n = n->next)
        if (n->s == s && n->g == g)
            return n;
    return NULL;
}

static bool originate(struct nsrc *n)
{
    if (ops.originate(n->s, n->g, ops.ctx) < 0) {
        stats.table_full++;
        return false;
    }
    stats.originated++;
    n->originated = true;
    return true;
}

static void forget(struct nsrc **pp)
{
    struct nsrc *n = *pp;
    *pp = n->next;
    nsrcs--;
    free(n);
}

/* A new entry at the head of the list, or NULL (counted). */
static struct nsrc *track(uint32_t s, uint32_t g, unsigned ifindex)
{
    struct nsrc *n = nsrcs < NATIVE_SA_MAX ? calloc(1, sizeof(*n)) : NULL;
    if (!n) {
        stats.table_full++;
        return NULL;
    }
    n->s = s;
    n->g = g;
    n->ifindex = ifindex;
    n->last_active = now_ms;
    read_baseline(n);
    n->next = srcs;
    srcs = n;
    nsrcs++;
    if (next_poll == EVENT_NEVER || next_poll > now_ms + NATIVE_SA_POLL_MS)
        next_poll = now_ms + NATIVE_SA_POLL_MS;
    return n;
}

bool native_sa_core_seen(uint32_t s, uint32_t g, unsigned ifindex)
{
    struct nsrc *n = find(s, g);
    if (n) {
        n->last_active = now_ms;
        n->ifindex = ifindex;
        read_baseline(n);
        return !n->originated && originate(n);
    }
    n = track(s, g, ifindex);
    if (!n)
        return false;
    if (!originate(n)) {
        forget(&srcs);
        return false;
    }
    return true;
}

void native_sa_core_candidate(uint32_t s, uint32_t g, unsigned ifindex)
{
    if (!find(s, g))
        track(s, g, ifindex);
}

/* Withdraws its SA (a candidate had none) and forgets it. */
static void drop(struct nsrc **pp)
{
    struct nsrc *n = *pp;
    if (n->originated) {
        ops.withdraw(n->s, n->g, ops.ctx);
        stats.withdrawn++;
    }
    forget(pp);
}

uint64_t native_sa_core_tick(void)
{
    if (!srcs) {
        next_poll = EVENT_NEVER;
        return EVENT_NEVER;
    }
    if (now_ms < next_poll)
        return next_poll;
    for (struct nsrc **pp = &srcs; *pp;) {
        struct nsrc *n = *pp;
        unsigned long c;
        if (ops.count && ops.count(n->s, n->g, &c, ops.ctx) == 0) {
            /* Moved: packets since the last reading.  A count that appears
             * (a new kernel entry) is only a baseline: the packet that made
             * the entry was reported. */
            if (n->have_count && c != n->pkts) {
                n->last_active = now_ms;
                if (!n->originated && !originate(n)) {
                    forget(pp);
                    continue;
                }
            }
            n->pkts = c;
            n->have_count = true;
        } else {
            n->have_count = false;
        }
        if (now_ms - n->last_active >= idle_ms() ||
            (ops.still_ok && !ops.still_ok(n->s, n->g, n->ifindex, ops.ctx)))
            drop(pp);
        else
            pp = &n->next;
    }
    next_poll = srcs ? now_ms + NATIVE_SA_POLL_MS : EVENT_NEVER;
    return next_poll;
}

void native_sa_core_flush(unsigned ifindex)
{
    for (struct nsrc **pp = &srcs; *pp;)
        if (!ifindex || (*pp)->ifindex == ifindex)
            drop(pp);
        else
            pp = &(*pp)->next;
}

/* ---- the daemon's side ---------------------------------------------------- */

static struct native_sa_addr addrs[ADDRS_MAX];
static unsigned naddrs;
static bool addrs_valid, running;
static uint64_t addrs_read_at;
static bool kicked; /* an SA changed outside the tick: come back at once */

static void addrs_refresh(void)
{
    if (addrs_valid && now_ms < addrs_read_at + ADDRS_MAX_AGE_MS)
        return;
    struct ifaddrs *ifa0;
    naddrs = 0;
    addrs_valid = true;
    addrs_read_at = now_ms;
    if (getifaddrs(&ifa0) < 0)
        return;
    for (struct ifaddrs *ifa = ifa0; ifa && naddrs < ADDRS_MAX; ifa = ifa->ifa_next) {
        if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET || !ifa->ifa_netmask)
            continue;
        struct native_sa_addr *a = &addrs[naddrs];
        a->ifindex = if_nametoindex(ifa->ifa_name);
        a->addr = ((struct sockaddr_in *)ifa->ifa_addr)->sin_addr.s_addr;
        a->mask = ((struct sockaddr_in *)ifa->ifa_netmask)->sin_addr.s_addr;
        a->peer = (ifa->ifa_flags & IFF_POINTOPOINT) && ifa->ifa_dstaddr &&
                          ifa->ifa_dstaddr->sa_family == AF_INET
                      ? ((struct sockaddr_in *)ifa->ifa_dstaddr)->sin_addr.s_addr
                      : 0;
        if (a->peer == a->addr)
            a->peer = 0;
        naddrs++;
    }
    freeifaddrs(ifa0);
}

static void on_kernel_addr(const struct kernel_addr *a, bool deleted, void *ctx)
{
    addrs_valid = false;
}
static const struct kernel_notify_ops kernel_ops = {.addr = on_kernel_addr};

/* The mcast-interface that ifindex is, if it originates SAs: 1 yes, 0 it
 * is none, -1 it is one with sa-originate false. */
static int mcif_originates(unsigned ifindex)
{
    char name[IF_NAMESIZE];
    const struct mcif_conf *c = if_indextoname(ifindex, name) ? mcif_find(name) : NULL;
    return !c ? 0 : c->sa_originate ? 1 : -1;
}

static int do_originate(uint32_t s, uint32_t g, void *ctx)
{
    uint8_t s16[16], g16[16];
    addr_from_v4(s16, (const uint8_t *)&s);
    addr_from_v4(g16, (const uint8_t *)&g);
    if (sa_originate(s16, g16) < 0) {
        char a[16], b[16];
        log_msg("mcast: cannot originate SA (%s, %s)", ip4_fmt(s, a), ip4_fmt(g, b));
        return -1;
    }
    kicked = true;
    return 0;
}

static void do_withdraw(uint32_t s, uint32_t g, void *ctx)
{
    uint8_t s16[16], g16[16];
    addr_from_v4(s16, (const uint8_t *)&s);
    addr_from_v4(g16, (const uint8_t *)&g);
    sa_withdraw(s16, g16);
    kicked = true;
}

static int do_count(uint32_t s, uint32_t g, unsigned long *pkts, void *ctx)
{
    struct in_addr sa = {s}, ga = {g};
    return mroute_sg_count(sa, ga, pkts);
}

static bool do_still_ok(uint32_t s, uint32_t g, unsigned ifindex, void *ctx)
{
    if (mcif_originates(ifindex) != 1)
        return false;
    addrs_refresh();
    return native_sa_judge(s, g, ifindex, addrs, naddrs) == NATIVE_SA_OK;
}

static const struct native_sa_ops daemon_ops = {do_originate, do_withdraw, do_count, do_still_ok,
                                                NULL};

static void on_nocache(struct in_addr s, struct in_addr g, unsigned ifindex, void *ctx)
{
    if (!running)
        return;
    stats.reported++;
    int m = mcif_originates(ifindex);
    if (m == 0) {
        stats.not_mcif++;
        return;
    }
    if (m < 0) {
        stats.disabled++;
        return;
    }
    addrs_refresh();
    enum native_sa_verdict v = native_sa_judge(s.s_addr, g.s_addr, ifindex, addrs, naddrs);
    if (v != NATIVE_SA_OK) {
        stats.refused[v]++;
        return;
    }
    native_sa_core_seen(s.s_addr, g.s_addr, ifindex);
}

/* A kernel entry of a source that may be flowing on an interface that has
 * just started to originate. */
static void maybe_candidate(struct in_addr s, struct in_addr g, unsigned iif, void *ctx)
{
    if (iif == *(unsigned *)ctx &&
        native_sa_judge(s.s_addr, g.s_addr, iif, addrs, naddrs) == NATIVE_SA_OK)
        native_sa_core_candidate(s.s_addr, g.s_addr, iif);
}

static void on_mcif(const struct mcif_conf *c, enum ext_change what, void *ctx)
{
    unsigned i = if_nametoindex(c->name);
    if (!running || !i)
        return; /* an interface that is gone has no index: the next poll
                   finds its sources no longer qualify */
    if (what != EXT_FLUSH && c->sa_originate) {
        /* Sources already flowing there send no report any more (their
         * kernel entries exist): look at their counters. */
        addrs_refresh();
        mroute_foreach_sg(maybe_candidate, &i);
        return;
    }
    native_sa_core_flush(i);
}

static uint64_t on_tick(void *ctx)
{
    if (!running)
        return EVENT_NEVER;
    uint64_t next = native_sa_core_tick();
    if (kicked) {
        /* The SA table's timer may have run already in this turn of the
         * loop: come back at once, so it floods the change now. */
        kicked = false;
        return now_ms;
    }
    return next;
}

static void on_start(void *ctx)
{
    native_sa_core_reset(&daemon_ops);
    addrs_valid = false;
    running = true;
}

static void on_stop(void *ctx)
{
    if (!running)
        return;
    native_sa_core_flush(0);
    running = false;
}

static void on_dump(void (*emit)(const char *line, void *out), void *out, void *ctx)
{
    /* Like sa-stats, it appears once there is something to count. */
    if (!stats.reported)
        return;
    char buf[512];
    snprintf(buf, sizeof(buf),
             "add sa-native-stats reported %lu originated %lu withdrawn %lu active %u "
             "off-subnet %lu own %lu link-local %lu ssm %lu bad-source %lu "
             "not-mcast-interface %lu disabled %lu table-full %lu idle-time %u\n",
             stats.reported, stats.originated, stats.withdrawn, native_sa_core_count(),
             stats.refused[NATIVE_SA_OFF_SUBNET], stats.refused[NATIVE_SA_OWN],
             stats.refused[NATIVE_SA_LINK_LOCAL], stats.refused[NATIVE_SA_SSM],
             stats.refused[NATIVE_SA_BAD_SOURCE] + stats.refused[NATIVE_SA_NOT_MULTICAST],
             stats.not_mcif, stats.disabled, stats.table_full, norm_sa_idle_time());
    emit(buf, out);
}

void native_sa_register(void)
{
    ops = daemon_ops;
    mroute_on_nocache(on_nocache, NULL);
    mcif_on_change(on_mcif, NULL);
    kernel_watch_subscribe(&kernel_ops);
    ext_register_dump(on_dump, NULL);
    ext_on_lifecycle(on_start, on_stop, NULL);
    event_add_tick(on_tick, NULL);
}
