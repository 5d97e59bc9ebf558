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

struct route {
    struct route *next; /* other routes to the same destination */
    struct route_entry *entry;
    uint64_t id; /* for the local interface */
    struct source *src;
    struct neighbour *neigh;
    uint16_t refmetric;
    uint16_t seqno;
    uint16_t add_metric; /* from the in filter */
    uint8_t nexthop[16];  /* v4-mapped for an IPv4 next hop, else IPv6 */
    uint32_t hold_ms;     /* 3.5 times the announced interval */
    uint64_t expires;
    uint64_t refresh_due; /* route request before expiry */
    uint16_t smoothed;
    uint64_t smoothed_time;
};

struct route_entry {
    struct route_entry *hnext;
    struct prefix prefix;
    struct prefix src_prefix;
    struct route *routes;
    struct route *selected;
    bool installed;
    struct kernel_route kroute; /* as installed */
    struct source *last_src;    /* what we advertised last, for retractions */
    uint16_t last_seqno;
    uint16_t last_metric; /* advertised; 0xFFFF when retracted or never */
    uint64_t retracted_at;
};

struct route_entry *route_entry_find(const struct prefix *p, const struct prefix *src);
uint16_t route_metric(const struct route *r);
bool route_feasible(const struct route *r);

/* An Update from a neighbour, already resolved by the codec. */
void route_update(struct neighbour *n, const struct prefix *p, const struct prefix *src,
                  const uint8_t id[8], uint16_t seqno, uint16_t refmetric, uint16_t interval_cs,
                  const uint8_t nexthop[16]);
/* A wildcard retraction: every route through n. */
void route_retract_neighbour(struct neighbour *n);
/* The neighbour is gone. */
void route_flush_neighbour(struct neighbour *n);
/* A neighbour's cost changed: re-run selection where it matters. */
void route_neighbour_cost_changed(struct neighbour *n);
/* Re-runs selection for every entry (smoothing, filter change). */
void route_reselect_all(void);
/* An xroute appeared or left: learned routes to it are (un)masked. */
void route_xroute_changed(const struct prefix *p, const struct prefix *src);
/* Expiry, route requests before expiry, smoothing; next deadline. */
uint64_t route_tick(void);
/* Removes every installed route from the kernel (exit). */
void route_uninstall_all(void);

void route_foreach_entry(void (*fn)(struct route_entry *, void *), void *ctx);
unsigned route_count(void);

#endif
