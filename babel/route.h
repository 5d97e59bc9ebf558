/* The route table: routes learned from neighbours, selection with smoothing
 * and hysteresis, installation into the kernel, expiry. */
#ifndef BABEL_ROUTE_H
#define BABEL_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "babel/inst_intern.h"
#include "babel/kernel.h"
#include "babel/neighbour.h"
#include "babel/source.h"

struct route_entry;

/* Field order keeps these small: a router may hold hundreds of thousands
 * (64, 56 and 24 bytes for a route, an entry and a source on x86-64,
 * with no allocator overhead: see pool.h).  Times are ms32 (util.h). */
struct route {
    /* The other routes to the same destination: the entry's list ends not
     * with NULL but with the entry itself, its address tagged with a 1 in
     * the low bit, so that a route finds its entry without storing a
     * pointer to it.  Walk the list with route_next. */
    uintptr_t link;
    struct route *nnext;   /* other routes through the same neighbour */
    struct route **npprev; /* what points to this one in that list */
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
#define ROUTE_SELECTED 0x04  /* its entry's selected route (one at most) */

/* A destination: a prefix and a source prefix (RFC 9079).  Most entries
 * have the family's default source prefix (::/0, or ::ffff:0.0.0.0/96 for
 * IPv4) and do not store it; a source-specific one carries it after these
 * fields, in a pool of its own (route_entry_src finds it either way). */
struct route_entry {
    struct route_entry *hnext;
    struct route *routes; /* route_selected: the one in use, if any */
    struct source *sources; /* feasibility distances (source.h) */
    struct prefix prefix;
    bool source_specific; /* the source prefix follows the entry */
    uint16_t last_seqno;
    uint16_t last_metric; /* advertised; 0xFFFF when retracted or never */
    uint32_t retracted_at; /* ms32 */
    /* What we put in the kernel (with the prefixes above), shared with the
     * other entries installed the same way: INST_NONE when nothing. */
    uint32_t inst;
};

/* The next route to r's destination, NULL after the last. */
static inline struct route *route_next(const struct route *r)
{
    return (r->link & 1) ? NULL : (struct route *)r->link;
}

/* The route e uses and advertises (flagged ROUTE_SELECTED), or NULL.  An
 * entry holds a route per neighbour, so the walk is short. */
static inline struct route *route_selected(const struct route_entry *e)
{
    for (struct route *r = e->routes; r; r = route_next(r))
        if (r->flags & ROUTE_SELECTED)
            return r;
    return NULL;
}

/* The entry is in the kernel (possibly as unreachable). */
static inline bool route_entry_installed(const struct route_entry *e)
{
    return e->inst != INST_NONE;
}

/* The entry's source prefix. */
const struct prefix *route_entry_src(const struct route_entry *e);
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
