#include "babel/route.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "babel/addr_intern.h"
#include "babel/extension.h"
#include "babel/filter.h"
#include "babel/inst_intern.h"
#include "babel/local.h"
#include "babel/message.h"
#include "babel/node.h"
#include "babel/packet.h"
#include "babel/pool.h"
#include "babel/xroute.h"

#define ROUTE_BUCKETS 8192

static struct route_entry *buckets[ROUTE_BUCKETS];
/* A source-specific entry: the common part, then its source prefix. */
struct route_entry_ss {
    struct route_entry e;
    struct prefix src_prefix;
};

static struct pool entry_pool = POOL_INIT(sizeof(struct route_entry));
static struct pool entry_ss_pool = POOL_INIT(sizeof(struct route_entry_ss));
static struct pool route_pool = POOL_INIT(sizeof(struct route));
static unsigned nroutes;
static uint64_t next_scan;

static unsigned hash_key(const struct prefix *p, const struct prefix *src)
{
    return prefix_pair_hash(p, src, 0) % ROUTE_BUCKETS;
}

const struct prefix *route_entry_src(const struct route_entry *e)
{
    static const struct prefix default6 = {.plen = 0},
                               default4 = {.addr = {[10] = 0xff, [11] = 0xff}, .plen = 96};
    if (e->source_specific)
        return &((const struct route_entry_ss *)e)->src_prefix;
    return prefix_is_v4(&e->prefix) ? &default4 : &default6;
}

struct route_entry *route_entry_find(const struct prefix *p, const struct prefix *src)
{
    for (struct route_entry *e = buckets[hash_key(p, src)]; e; e = e->hnext)
        if (prefix_eq(&e->prefix, p) && prefix_eq(route_entry_src(e), src))
            return e;
    return NULL;
}

static struct route_entry *entry_create(const struct prefix *p, const struct prefix *src)
{
    struct prefix dflt;
    prefix_default_src(p, &dflt);
    bool ss = !prefix_eq(src, &dflt);
    struct route_entry *e = pool_alloc(ss ? &entry_ss_pool : &entry_pool);
    if (!e)
        return NULL;
    e->prefix = *p;
    if (ss) {
        e->source_specific = true;
        ((struct route_entry_ss *)e)->src_prefix = *src;
    }
    e->last_metric = BABEL_INFINITY;
    unsigned h = hash_key(p, src);
    e->hnext = buckets[h];
    buckets[h] = e;
    return e;
}

static void entry_delete(struct route_entry *e)
{
    for (struct route_entry **pp = &buckets[hash_key(&e->prefix, route_entry_src(e))]; *pp;
         pp = &(*pp)->hnext) {
        if (*pp == e) {
            *pp = e->hnext;
            break;
        }
    }
    pool_free(e->source_specific ? &entry_ss_pool : &entry_pool, e);
}

struct source *route_entry_last_src(const struct route_entry *e)
{
    for (struct source *s = e->sources; s; s = s->next)
        if (s->last)
            return s;
    return NULL;
}

void route_entry_set_last_src(struct route_entry *e, struct source *s)
{
    struct source *old = route_entry_last_src(e);
    if (old == s)
        return;
    if (old) {
        old->last = false;
        source_unref(old);
    }
    if (s) {
        s->last = true;
        source_ref(s);
    }
}

uint16_t route_metric(const struct route *r)
{
    if (r->refmetric >= BABEL_INFINITY)
        return BABEL_INFINITY;
    unsigned m = (unsigned)r->refmetric + r->add_metric + neighbour_cost(r->neigh);
    return m >= BABEL_INFINITY ? BABEL_INFINITY : (uint16_t)m;
}

/* RFC 8966 3.5.1 judges the metric the neighbour advertised (its own
 * distance to the source), not our metric through it: that is what proves
 * the neighbour does not route through us. */
bool route_feasible(const struct route *r)
{
    return source_feasible(r->src, r->seqno, r->refmetric);
}

/* 2^(-i/16) in units of 1/65536, for i = 0..16. */
static const uint32_t neg_pow2_16ths[17] = {65536, 62757, 60097, 57549, 55109, 52773,
                                            50535, 48393, 46341, 44376, 42495, 40693,
                                            38968, 37316, 35734, 34219, 32768};

/* 2^(-dt/half) in units of 1/65536: whole halvings by shifting, the rest
 * interpolated in the table.  Smoothing needs no better, and it keeps the
 * daemon off libm. */
static uint32_t decay(uint64_t dt, uint64_t half)
{
    uint64_t halvings = dt / half;
    if (halvings >= 32)
        return 0;
    uint64_t pos = (dt % half) * 16 * 65536 / half; /* in 1/65536 of a table step */
    unsigned i = (unsigned)(pos >> 16);
    uint32_t frac = (uint32_t)(pos & 0xffff);
    uint32_t a = neg_pow2_16ths[i], b = neg_pow2_16ths[i + 1];
    uint32_t f = a - (uint32_t)(((uint64_t)(a - b) * frac) >> 16);
    return f >> halvings;
}

/* Exponential decay of the smoothed metric toward the current one, with
 * the configured half-life (RFC 8966 3.6 allows any such smoothing). */
static uint16_t route_smoothed(struct route *r)
{
    uint16_t m = route_metric(r);
    unsigned half = node.cfg.opt.smoothing_half_life;
    uint32_t dt = ms32_since(r->smoothed_time);
    if (half == 0 || m == BABEL_INFINITY || r->smoothed == BABEL_INFINITY ||
        !(r->flags & ROUTE_SMOOTHED)) {
        r->smoothed = m;
    } else if (dt > 0) {
        int64_t diff = (int64_t)r->smoothed - m;
        int64_t scaled = diff * decay(dt, (uint64_t)half * 1000);
        int64_t s = m + (scaled >= 0 ? (scaled + 32768) >> 16 : -((-scaled + 32768) >> 16));
        r->smoothed = (uint16_t)(s < 0 ? 0 : s > BABEL_INFINITY ? BABEL_INFINITY : s);
    }
    r->smoothed_time = ms32_now();
    r->flags |= ROUTE_SMOOTHED;
    return r->smoothed;
}

static bool martian(const struct prefix *p)
{
    static const uint8_t loopback6[16] = {[15] = 1};
    if (prefix_is_v4(p)) {
        uint8_t a = p->addr[12];
        return a == 127 || a >= 224 || (p->plen == 128 && a == 0);
    }
    return p->addr[0] == 0xff || addr_is_linklocal(p->addr) ||
           (p->plen == 128 && memcmp(p->addr, loopback6, 16) == 0);
}

static void to_kernel(const struct route_entry *e, const struct installed_route *in,
                      struct kernel_route *kr)
{
    memset(kr, 0, sizeof(*kr));
    kr->prefix = e->prefix;
    kr->src_prefix = *route_entry_src(e);
    memcpy(kr->gateway, addr_interned(in->gateway), 16);
    kr->gateway_v6_for_v4 = in->gateway_v6_for_v4;
    kr->ifindex = in->ifindex;
    kr->metric = in->metric;
    kr->table = in->table;
    kr->type = in->type;
    kr->protocol = RTPROT_BABEL_NUM;
}

static void uninstall(struct route_entry *e)
{
    const struct installed_route *in = inst_interned(e->inst);
    if (!in)
        return;
    struct kernel_route kr;
    to_kernel(e, in, &kr);
    if (kernel_route_del(&kr) < 0 && errno != ESRCH)
        log_msg("removing a route from the kernel: %s", strerror(errno));
    inst_unintern(e->inst);
    e->inst = INST_NONE;
}

#define RTN_UNICAST_NUM 1
#define RTN_UNREACHABLE_NUM 7
#define KERNEL_INFINITY 0xFFFFFFFFu

/* Puts `in` (with the entry's prefixes and pref_src when given) into the
 * kernel, replacing what was there.  Takes over the reference to
 * in->gateway. */
static void put_in_kernel(struct route_entry *e, const struct installed_route *in,
                          const uint8_t *pref_src)
{
    uint32_t h = inst_intern(in);
    if (h == INST_INTERN_FAILED) {
        log_msg("installing a route: out of memory");
        addr_unintern(in->gateway);
        return; /* what was installed, if anything, stays */
    }
    if (h == e->inst) {
        inst_unintern(h); /* the same as installed: the entry's reference stays */
        return;
    }
    /* The kernel identifies a route by table, prefix and metric.  When those
     * stay, the route is replaced in place; when they change, the new one
     * goes in before the old one comes out: either way traffic never falls
     * back to a less specific route in between.  (Copies: the table behind
     * inst_interned may move.) */
    struct installed_route now = *inst_interned(h), was = {0};
    bool installed = route_entry_installed(e);
    if (installed)
        was = *inst_interned(e->inst);
    bool moved = installed && (was.table != now.table || was.metric != now.metric);
    struct kernel_route kr, old;
    to_kernel(e, &was, &old);
    to_kernel(e, &now, &kr);
    if (pref_src)
        memcpy(kr.pref_src, pref_src, 16);
    if (kernel_route_replace(&kr) < 0) {
        char pb[PREFIX_STRLEN];
        log_msg("installing %s: %s", prefix_fmt(&e->prefix, pb), strerror(errno));
        inst_unintern(h);
        return; /* what was installed, if anything, stays */
    }
    if (moved && kernel_route_del(&old) < 0 && errno != ESRCH)
        log_msg("removing a route from the kernel: %s", strerror(errno));
    inst_unintern(e->inst);
    e->inst = h;
}

/* A lost route stays in the kernel as unreachable until its entry goes, as
 * babeld does: while the retraction propagates, packets must not follow a
 * less specific route (a default, say) back into a loop. */
static void make_unreachable(struct route_entry *e)
{
    const struct installed_route *was = inst_interned(e->inst);
    if (!was || was->type == RTN_UNREACHABLE_NUM)
        return;
    struct installed_route in = {.table = was->table,
                                 .metric = KERNEL_INFINITY,
                                 .type = RTN_UNREACHABLE_NUM};
    put_in_kernel(e, &in, NULL);
}

static void install(struct route_entry *e)
{
    struct route *r = route_selected(e);
    if (xroute_find(&e->prefix, route_entry_src(e))) {
        uninstall(e);
        return;
    }
    if (!r) {
        make_unreachable(e);
        return;
    }
    if (prefix_is_v4(&e->prefix) && !prefix_is_default_src(route_entry_src(e))) {
        /* The kernel has no IPv4 source-specific routes. */
        uninstall(e);
        return;
    }
    struct filter_result res;
    struct filter_query q = {.prefix = &e->prefix,
                             .src_prefix = route_entry_src(e),
                             .id = source_id(r->src),
                             .neigh = r->neigh->addr,
                             .ifname = r->neigh->ifp->name,
                             .proto = -1};
    if (!filter_apply(FILTER_INSTALL, node.cfg.filters[FILTER_INSTALL], &q, &res)) {
        uninstall(e);
        return;
    }
    struct installed_route in = {.ifindex = r->neigh->ifp->ifindex, .type = RTN_UNICAST_NUM};
    uint8_t nh[16], gw[16];
    memcpy(nh, addr_interned(r->nexthop), 16);
    if (prefix_is_v4(&e->prefix)) {
        if (addr_is_v4(nh) && !addr_is_zero(nh)) {
            memcpy(gw, nh, 16);
        } else {
            memcpy(gw, r->neigh->addr, 16);
            in.gateway_v6_for_v4 = true;
        }
    } else {
        memcpy(gw, addr_is_zero(nh) ? r->neigh->addr : nh, 16);
    }
    if ((in.gateway = addr_intern(gw)) == ADDR_INTERN_FAILED) {
        log_msg("installing a route: out of memory");
        return; /* what was installed, if anything, stays */
    }
    in.metric = node.cfg.opt.kernel_priority +
                (node.cfg.opt.reflect_kernel_metric ? route_metric(r) : 0);
    in.table = res.table >= 0 ? (uint32_t)res.table : node.cfg.opt.export_table;
    put_in_kernel(e, &in, res.has_pref_src ? res.pref_src : NULL);
}

static void notify_entry_routes(struct route_entry *e)
{
    if (!local_have_monitors())
        return;
    for (struct route *r = e->routes; r; r = route_next(r))
        local_notify_route(e, r, LOCAL_CHANGE);
}

/* Starvation: routes exist but none is feasible.  Ask their originators
 * for a newer seqno (RFC 8966 3.8.2.1). */
static void request_new_seqno(struct route_entry *e)
{
    for (struct route *r = e->routes; r; r = route_next(r)) {
        if (r->refmetric == BABEL_INFINITY || neighbour_cost(r->neigh) == BABEL_INFINITY)
            continue;
        send_seqno_request(r->neigh, NULL, &e->prefix, route_entry_src(e), source_id(r->src),
                           seqno_plus(r->src->seqno, 1), 127);
    }
}

static void select_route(struct route_entry *e)
{
    struct route *cur = route_selected(e), *best = NULL;
    uint16_t best_metric = BABEL_INFINITY;
    bool any_unfeasible = false;
    for (struct route *r = e->routes; r; r = route_next(r)) {
        uint16_t m = route_metric(r);
        route_smoothed(r);
        if (m == BABEL_INFINITY)
            continue;
        if (!route_feasible(r)) {
            any_unfeasible = true;
            continue;
        }
        if (!best || m < best_metric || (m == best_metric && r == cur)) {
            best = r;
            best_metric = m;
        }
    }
    bool cur_ok = cur && route_metric(cur) != BABEL_INFINITY && route_feasible(cur);
    /* Hysteresis: leave a working route only for one that is better both
     * now and on the smoothed metric, so small oscillations do not flap. */
    if (cur_ok && best != cur &&
        !(best_metric < route_metric(cur) && best->smoothed < cur->smoothed))
        best = cur;

    if (best != cur) {
        if (cur)
            cur->flags &= ~ROUTE_SELECTED;
        if (best)
            best->flags |= ROUTE_SELECTED;
        if (!best)
            e->retracted_at = ms32_now();
        install(e);
        send_update(NULL, &e->prefix, route_entry_src(e), true);
        notify_entry_routes(e);
        ext_route_changed(e, best ? (cur ? EXT_CHANGE : EXT_ADD) : EXT_FLUSH);
        if (!best && any_unfeasible)
            request_new_seqno(e);
    } else if (best) {
        if (node.cfg.opt.reflect_kernel_metric)
            install(e);
        if (route_metric(best) != e->last_metric) {
            send_update(NULL, &e->prefix, route_entry_src(e), false);
            ext_route_changed(e, EXT_CHANGE);
        }
    } else if (any_unfeasible) {
        request_new_seqno(e);
    }
}

/* 3.5 times the announced interval (RFC 8966 appendix B); a minute when
 * the update announced none. */
static uint32_t hold_ms(const struct route *r)
{
    return r->interval_cs ? (uint32_t)r->interval_cs * 35 : 60000;
}

static void neighbour_link(struct neighbour *n, struct route *r)
{
    r->nnext = n->routes;
    if (r->nnext)
        r->nnext->npprev = &r->nnext;
    r->npprev = &n->routes;
    n->routes = r;
}

static void neighbour_unlink(struct route *r)
{
    *r->npprev = r->nnext;
    if (r->nnext)
        r->nnext->npprev = r->npprev;
}

static struct route *route_of(struct route_entry *e, const struct neighbour *n)
{
    for (struct route *r = e->routes; r; r = route_next(r))
        if (r->neigh == n)
            return r;
    return NULL;
}

/* The entry at the end of r's list (see struct route). */
static struct route_entry *entry_of(const struct route *r)
{
    while (!(r->link & 1))
        r = (const struct route *)r->link;
    return (struct route_entry *)(r->link & ~(uintptr_t)1);
}

static void entry_link(struct route_entry *e, struct route *r)
{
    r->link = e->routes ? (uintptr_t)e->routes : (uintptr_t)e | 1;
    e->routes = r;
}

static void entry_unlink(struct route_entry *e, struct route *r)
{
    struct route *prev = NULL, *q = e->routes;
    while (q && q != r) {
        prev = q;
        q = route_next(q);
    }
    if (!q)
        return;
    if (prev)
        prev->link = r->link; /* the next route, or the tagged entry */
    else
        e->routes = route_next(r);
}

static void route_free(struct route_entry *e, struct route *r)
{
    entry_unlink(e, r); /* so the entry has no selected route if r was it */
    if (r->flags & ROUTE_SELECTED) {
        /* Losing the selected route is a selection change: retract (or
         * announce the successor that select_route will pick). */
        make_unreachable(e);
        e->retracted_at = ms32_now();
        send_update(NULL, &e->prefix, route_entry_src(e), true);
        ext_route_changed(e, EXT_FLUSH);
    }
    local_notify_route(e, r, LOCAL_FLUSH);
    neighbour_unlink(r);
    source_unref(r->src);
    addr_unintern(r->nexthop);
    pool_free(&route_pool, r);
    nroutes--;
}

/* Retires an entry that holds no route any more.  One we announced keeps
 * announcing its retraction a while after it was queued, so every
 * interface's pending update still finds what to retract.  Then it leaves
 * the kernel and the entry goes once its feasibility distances have been
 * garbage-collected (source.c): a route that comes back within that time
 * is judged against them. */
#define RETRACTION_KEEP_MS 10000
static void entry_maybe_delete(struct route_entry *e)
{
    if (e->routes)
        return;
    bool announced = route_entry_last_src(e) != NULL;
    if (announced && !ms32_reached(e->retracted_at + RETRACTION_KEEP_MS))
        return;
    uninstall(e);
    route_entry_set_last_src(e, NULL);
    if (!e->sources)
        entry_delete(e);
}

void route_update(struct neighbour *n, const struct prefix *p, const struct prefix *src,
                  const uint8_t id[8], uint16_t seqno, uint16_t refmetric, uint16_t interval_cs,
                  const uint8_t nexthop[16])
{
    if (memcmp(id, node.id, 8) == 0 && refmetric != BABEL_INFINITY)
        return; /* our own route, come back to us */
    if (martian(p))
        return;
    struct filter_result res;
    struct filter_query q = {.prefix = p,
                             .src_prefix = src,
                             .id = id,
                             .neigh = n->addr,
                             .ifname = n->ifp->name,
                             .proto = -1};
    uint16_t add = 0;
    if (!filter_apply(FILTER_IN, node.cfg.filters[FILTER_IN], &q, &res))
        refmetric = BABEL_INFINITY;
    else
        add = res.metric > BABEL_INFINITY ? BABEL_INFINITY : (uint16_t)res.metric;

    struct route_entry *e = route_entry_find(p, src);
    struct route *r = e ? route_of(e, n) : NULL;
    if (!r) {
        if (refmetric == BABEL_INFINITY)
            return; /* retraction of something we never had */
        /* A new destination has no source yet, hence no distance: the
         * update is feasible, and the entry is needed to hold both. */
        if (!e && !(e = entry_create(p, src)))
            return;
        struct source *s = source_find(&e->sources, id, true, seqno);
        if (!s) {
            entry_maybe_delete(e);
            return;
        }
        if (!source_feasible(s, seqno, refmetric)) {
            /* Unfeasible: not stored.  If we have nothing better, ask the
             * originator for a newer seqno. */
            unsigned m = (unsigned)refmetric + add + neighbour_cost(n);
            if (!e || !route_selected(e) || route_metric(route_selected(e)) > m)
                send_seqno_request(n, NULL, p, src, id, seqno_plus(s->seqno, 1), 127);
            return;
        }
        uint32_t nh = addr_intern(nexthop);
        r = nh == ADDR_INTERN_FAILED ? NULL : pool_alloc(&route_pool);
        if (!r) {
            addr_unintern(nh);
            entry_maybe_delete(e);
            return;
        }
        r->nexthop = nh;
        r->neigh = n;
        entry_link(e, r);
        neighbour_link(n, r);
        r->src = s;
        source_ref(s);
        r->smoothed = BABEL_INFINITY;
        nroutes++;
        r->refmetric = refmetric;
        r->seqno = seqno;
        r->add_metric = add;
        local_notify_route(e, r, LOCAL_ADD);
    } else {
        if (refmetric != BABEL_INFINITY && memcmp(source_id(r->src), id, 8) != 0) {
            struct source *s = source_find(&e->sources, id, true, seqno);
            if (!s)
                return;
            source_unref(r->src);
            r->src = s;
            source_ref(s);
        }
        uint32_t nh = addr_intern(nexthop);
        if (nh == ADDR_INTERN_FAILED)
            return;
        bool nh_changed = nh != r->nexthop;
        addr_unintern(r->nexthop);
        r->nexthop = nh;
        r->refmetric = refmetric;
        if (refmetric != BABEL_INFINITY)
            r->seqno = seqno;
        r->add_metric = add;
        if (nh_changed && (r->flags & ROUTE_SELECTED))
            install(e);
        local_notify_route(e, r, LOCAL_CHANGE);
    }
    r->interval_cs = interval_cs;
    r->expires = ms32_now() + hold_ms(r);
    r->flags &= (uint8_t)~ROUTE_REFRESHED;
    select_route(e);
    if (refmetric != BABEL_INFINITY && !route_feasible(r) && !(r->flags & ROUTE_SELECTED)) {
        if (!route_selected(e) || route_metric(route_selected(e)) > route_metric(r))
            send_seqno_request(n, NULL, p, src, id, seqno_plus(r->src->seqno, 1), 127);
    }
}

static unsigned long neighbour_visits;

unsigned long route_neighbour_visits(void) { return neighbour_visits; }

/* fn may free the route it is given (and its entry), never another route
 * through n: an entry holds one route per neighbour. */
static void for_each_route_of(struct neighbour *n, void (*fn)(struct route_entry *, struct route *))
{
    struct route *r = n->routes;
    while (r) {
        struct route *rnext = r->nnext;
        neighbour_visits++;
        fn(entry_of(r), r);
        r = rnext;
    }
}

static void retract_one(struct route_entry *e, struct route *r)
{
    r->refmetric = BABEL_INFINITY;
    local_notify_route(e, r, LOCAL_CHANGE);
    select_route(e);
}

void route_retract_neighbour(struct neighbour *n) { for_each_route_of(n, retract_one); }

static void flush_one(struct route_entry *e, struct route *r)
{
    /* Retract it first, so selection moves to an alternative (or retracts)
     * in one step before the route goes. */
    r->refmetric = BABEL_INFINITY;
    select_route(e);
    route_free(e, r);
    entry_maybe_delete(e);
}

void route_flush_neighbour(struct neighbour *n) { for_each_route_of(n, flush_one); }

static void reselect_one(struct route_entry *e, struct route *r)
{
    local_notify_route(e, r, LOCAL_CHANGE);
    select_route(e);
}

void route_neighbour_cost_changed(struct neighbour *n) { for_each_route_of(n, reselect_one); }

void route_xroute_changed(const struct prefix *p, const struct prefix *src)
{
    struct route_entry *e = route_entry_find(p, src);
    if (e)
        install(e);
}

uint64_t route_tick(void)
{
    if (now_ms < next_scan)
        return next_scan;
    for (unsigned h = 0; h < ROUTE_BUCKETS; h++) {
        struct route_entry *e = buckets[h];
        while (e) {
            struct route_entry *enext = e->hnext;
            struct route *r = e->routes;
            /* Smoothing moves metrics between updates; without it nothing
             * changes here that an update did not already act on. */
            bool reselect = node.cfg.opt.smoothing_half_life && e->routes && route_next(e->routes);
            while (r) {
                struct route *rnext = route_next(r);
                if (ms32_reached(r->expires)) {
                    if (r->refmetric != BABEL_INFINITY) {
                        /* Expired: keep it as a retraction for one more hold
                         * time, so a late update is judged against it. */
                        r->refmetric = BABEL_INFINITY;
                        r->expires = ms32_now() + hold_ms(r);
                        local_notify_route(e, r, LOCAL_CHANGE);
                    } else {
                        route_free(e, r);
                    }
                    reselect = true;
                } else if ((r->flags & ROUTE_SELECTED) && !(r->flags & ROUTE_REFRESHED) &&
                           ms32_reached(r->expires - hold_ms(r) / 7)) {
                    /* A little before the route would expire. */
                    r->flags |= ROUTE_REFRESHED;
                    send_route_request(r->neigh, NULL, &e->prefix, route_entry_src(e));
                }
                r = rnext;
            }
            if (reselect)
                select_route(e);
            source_gc(&e->sources);
            entry_maybe_delete(e);
            e = enext;
        }
    }
    next_scan = now_ms + 1000;
    return next_scan;
}

void route_uninstall_all(void)
{
    for (unsigned h = 0; h < ROUTE_BUCKETS; h++)
        for (struct route_entry *e = buckets[h]; e; e = e->hnext)
            uninstall(e);
}

void route_foreach_entry(void (*fn)(struct route_entry *, void *), void *ctx)
{
    for (unsigned h = 0; h < ROUTE_BUCKETS; h++) {
        struct route_entry *e = buckets[h];
        while (e) {
            struct route_entry *enext = e->hnext;
            fn(e, ctx);
            e = enext;
        }
    }
}

unsigned route_count(void) { return nroutes; }
