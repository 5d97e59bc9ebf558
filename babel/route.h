/* The route table: routes learned from neighbours, selection with smoothing
 * and hysteresis, installation into the kernel, expiry. */
#ifndef BABEL_ROUTE_H
#define BABEL_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "babel/kernel.h"
#include "babel/neighbour.h"
#include "babel/source.h"

struct route_entry;

/* Field order keeps these small: a router may hold hundreds of thousands
 * (72, 96 and 32 bytes for a route, an entry and a source on x86-64,
 * with no allocator overhead: see pool.h).  Times are ms32 (util.h). */
struct route {
    struct route *next;    /* other routes to the same destination */
    struct route *nnext;   /* other routes through the same neighbour */
    struct route **npprev; /* what points to this one in that list */
    struct route_entry *entry;
    struct source *src;
    struct neighbour *neigh;
    uint32_t expires;
    uint32_t smoothed_time; /* valid with ROUTE_SMOOTHED */
    uint16_t refmetric;
    uint16_t seqno;
    uint16_t add_metric; /* from the in filter */
    uint16_t smoothed;
    uint16_t interval_cs; /* announced; the hold time is 3.5 times it */
    uint8_t flags;        /* ROUTE_* */
    uint32_t nexthop;     /* addr_intern.h: v4-mapped for an IPv4 next hop,
                             else IPv6; ADDR_NONE: the neighbour's address */
};
#define ROUTE_SMOOTHED 0x01  /* smoothed and smoothed_time hold a value */
#define ROUTE_REFRESHED 0x02 /* the route request before expiry went out */

/* What we put in the kernel for an entry: enough to delete it and to tell
 * whether a new selection changes it (the prefixes are the entry's). */
struct installed_route {
    uint32_t gateway; /* addr_intern.h, a reference held while installed */
    uint32_t ifindex;
    uint32_t metric;
    uint32_t table;
    uint8_t type;
    bool gateway_v6_for_v4;
};

struct route_entry {
    struct route_entry *hnext;
    struct route *routes;
    struct route *selected;
    struct source *sources; /* feasibility distances (source.h) */
    struct prefix prefix;
    struct prefix src_prefix;
    bool installed;
    uint16_t last_seqno;
    uint16_t last_metric; /* advertised; 0xFFFF when retracted or never */
    uint32_t retracted_at; /* ms32 */
    struct installed_route inst;
};

struct route_entry *route_entry_find(const struct prefix *p, const struct prefix *src);
/* The source we advertised last for e (its retraction carries that
 * router-id), or NULL; setting it holds a reference. */
struct source *route_entry_last_src(const struct route_entry *e);
void route_entry_set_last_src(struct route_entry *e, struct source *s);
uint16_t route_metric(const struct route *r);
bool route_feasible(const struct route *r);

/* An Update from a neighbour, already resolved by the codec. */
void route_update(struct neighbour *n, const struct prefix *p, const struct prefix *src,
                  const uint8_t id[8], uint16_t seqno, uint16_t refmetric, uint16_t interval_cs,
                  const uint8_t nexthop[16]);
/* Routes examined by the neighbour-wide operations below since start: only
 * the neighbour's own (each neighbour keeps a list), however big the
 * table.  For tests. */
unsigned long route_neighbour_visits(void);
/* A wildcard retraction: every route through n. */
void route_retract_neighbour(struct neighbour *n);
/* The neighbour is gone. */
void route_flush_neighbour(struct neighbour *n);
/* A neighbour's cost changed: re-run selection where it matters. */
void route_neighbour_cost_changed(struct neighbour *n);
/* An xroute appeared or left: learned routes to it are (un)masked. */
void route_xroute_changed(const struct prefix *p, const struct prefix *src);
/* Expiry, route requests before expiry, smoothing; next deadline. */
uint64_t route_tick(void);
/* Removes every installed route from the kernel (exit). */
void route_uninstall_all(void);

void route_foreach_entry(void (*fn)(struct route_entry *, void *), void *ctx);
unsigned route_count(void);

#endif
