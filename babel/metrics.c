#include "babel/metrics.h"

#include <stdio.h>
#include <string.h>

#include "babel/addr_intern.h"
#include "babel/extension.h"
#include "babel/local.h"
#include "babel/neighbour.h"
#include "babel/packet.h"
#include "babel/route.h"
#include "babel/xroute.h"

#define MAX_SUBSCRIBERS 16

static struct {
    metrics_link_fn fn;
    void *ctx;
} link_subs[MAX_SUBSCRIBERS];
static unsigned nlink_subs;

static struct {
    metrics_route_fn fn;
    void *ctx;
} route_subs[MAX_SUBSCRIBERS];
static unsigned nroute_subs;

double metrics_history_loss(const struct hello_history *h)
{
    if (!h->valid || h->count == 0)
        return 0.0;
    /* Only the slots the history has filled say anything. */
    unsigned count = h->count > 16 ? 16 : h->count;
    uint16_t mask = (uint16_t)(0xFFFFu << (16 - count));
    unsigned got = (unsigned)__builtin_popcount(h->bits & mask);
    return 1.0 - (double)got / count;
}

static void fill_link(const struct neighbour *n, struct link_metrics *m)
{
    memset(m, 0, sizeof(*m));
    m->neighbour_id = n->id;
    memcpy(m->addr, n->addr, 16);
    strlcpy_safe(m->ifname, n->ifp->name, sizeof(m->ifname));
    m->ifindex = n->ifp->ifindex;
    m->cost = neighbour_cost(n);
    m->rxcost = neighbour_rxcost(n);
    m->txcost = neighbour_txcost(n);
    m->rtt_valid = n->rtt_time != 0;
    m->rtt_us = n->rtt_us;
    m->rttcost = neighbour_rttcost(n);
    /* Unicast Hellos count when they are what the neighbour sends. */
    const struct hello_history *h = n->mhello.valid ? &n->mhello : &n->uhello;
    m->loss = metrics_history_loss(h);
}

void metrics_foreach_link(void (*fn)(const struct link_metrics *, void *), void *ctx)
{
    struct link_metrics m;
    for (struct neighbour *n = neighbours; n; n = n->next) {
        fill_link(n, &m);
        fn(&m, ctx);
    }
}

void metrics_link_of(const struct neighbour *n, struct link_metrics *out) { fill_link(n, out); }

int metrics_link(const uint8_t addr[16], const char *ifname, struct link_metrics *out)
{
    for (struct neighbour *n = neighbours; n; n = n->next) {
        if (memcmp(n->addr, addr, 16) == 0 && (!ifname || strcmp(n->ifp->name, ifname) == 0)) {
            fill_link(n, out);
            return 0;
        }
    }
    return -1;
}

static void fill_route(const struct route_entry *e, struct route_metrics *m)
{
    memset(m, 0, sizeof(*m));
    m->prefix = e->prefix;
    m->src_prefix = *route_entry_src(e);
    const struct route *r = route_selected(e);
    if (!r) {
        m->metric = BABEL_INFINITY;
        return;
    }
    m->feasible = route_feasible(r);
    m->metric = route_metric(r);
    memcpy(m->router_id, source_id(r->src), 8);
    memcpy(m->nexthop, r->nexthop == ADDR_NONE ? r->neigh->addr : addr_interned(r->nexthop), 16);
    strlcpy_safe(m->ifname, r->neigh->ifp->name, sizeof(m->ifname));
    m->ifindex = r->neigh->ifp->ifindex;
    m->neighbour_id = r->neigh->id;
}

static int lookup(const struct prefix *p, struct route_metrics *out)
{
    struct prefix src;
    prefix_default_src(p, &src);
    const struct xroute *x = xroute_find(p, &src);
    if (x) {
        memset(out, 0, sizeof(*out));
        out->prefix = *p;
        out->src_prefix = src;
        out->local = true;
        out->feasible = true;
        out->metric = x->metric;
        out->ifindex = x->ifindex;
        return 0;
    }
    const struct route_entry *e = route_entry_find(p, &src);
    if (!e || !route_selected(e))
        return -1;
    fill_route(e, out);
    return 0;
}

int metrics_route_exact(const struct prefix *dest, struct route_metrics *out)
{
    return lookup(dest, out);
}

int metrics_route_for_addr(const uint8_t addr[16], struct route_metrics *out)
{
    struct prefix p;
    int shortest = addr_is_v4(addr) ? 96 : 0;
    for (int len = 128; len >= shortest; len--) {
        memcpy(p.addr, addr, 16);
        p.plen = (uint8_t)len;
        prefix_normalise(&p);
        if (lookup(&p, out) == 0)
            return 0;
    }
    return -1;
}

struct router_search {
    const uint8_t *id;
    const struct route_entry *best;
};

static void search_router(struct route_entry *e, void *ctx)
{
    struct router_search *s = ctx;
    if (!route_selected(e) || memcmp(source_id(route_selected(e)->src), s->id, 8) != 0)
        return;
    if (!s->best || route_metric(route_selected(e)) < route_metric(route_selected(s->best)))
        s->best = e;
}

int metrics_route_to_router(const uint8_t id[8], struct route_metrics *out)
{
    struct router_search s = {id, NULL};
    route_foreach_entry(search_router, &s);
    if (!s.best)
        return -1;
    fill_route(s.best, out);
    return 0;
}

int metrics_on_link(metrics_link_fn fn, void *ctx)
{
    if (nlink_subs == MAX_SUBSCRIBERS)
        return -1;
    link_subs[nlink_subs].fn = fn;
    link_subs[nlink_subs++].ctx = ctx;
    return 0;
}

int metrics_on_route(metrics_route_fn fn, void *ctx)
{
    if (nroute_subs == MAX_SUBSCRIBERS)
        return -1;
    route_subs[nroute_subs].fn = fn;
    route_subs[nroute_subs++].ctx = ctx;
    return 0;
}

/* The local interface record: babeld's neighbour line stays as babeld prints
 * it; the extra figures get a record kind of their own. */
static void format_link(char *buf, size_t len, const char *kind, const struct link_metrics *m)
{
    char a[ADDR_STRLEN];
    snprintf(buf, len,
             "%s link-metrics %llx address %s if %s cost %u rxcost %u txcost %u rtt %u.%03u "
             "rttcost %u loss %.2f\n",
             kind, (unsigned long long)m->neighbour_id, addr_fmt(m->addr, a), m->ifname, m->cost,
             m->rxcost, m->txcost, m->rtt_valid ? m->rtt_us / 1000 : 0,
             m->rtt_valid ? m->rtt_us % 1000 : 0, m->rttcost, m->loss);
}

struct dump_ctx {
    void (*emit)(const char *, void *);
    void *out;
};

static void dump_one(const struct link_metrics *m, void *ctx)
{
    struct dump_ctx *d = ctx;
    char buf[512];
    format_link(buf, sizeof(buf), "add", m);
    d->emit(buf, d->out);
}

static void dump_links(void (*emit)(const char *, void *), void *out, void *ctx)
{
    struct dump_ctx d = {emit, out};
    metrics_foreach_link(dump_one, &d);
}

static void neighbour_changed(struct neighbour *n, enum ext_change what, void *ctx)
{
    struct link_metrics m;
    fill_link(n, &m);
    if (local_have_monitors()) {
        char buf[512];
        format_link(buf, sizeof(buf),
                    what == EXT_ADD ? "add" : what == EXT_FLUSH ? "flush" : "change", &m);
        local_notify_line(buf);
    }
    for (unsigned i = 0; i < nlink_subs; i++)
        link_subs[i].fn(&m, what == EXT_FLUSH, link_subs[i].ctx);
}

static void route_changed(struct route_entry *e, enum ext_change what, void *ctx)
{
    if (nroute_subs == 0)
        return;
    struct route_metrics m;
    fill_route(e, &m);
    for (unsigned i = 0; i < nroute_subs; i++)
        route_subs[i].fn(&m, route_subs[i].ctx);
}

void metrics_init(void)
{
    ext_register_dump(dump_links, NULL);
    ext_on_neighbour(neighbour_changed, NULL);
    ext_on_route(route_changed, NULL);
}
