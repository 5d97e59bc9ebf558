/* Per-peer link metrics and route queries: the one read-only view of the
 * Babel core that other subsystems (policy, PIM's RPF, GEM) use.  Nothing
 * outside babel/ reads neighbour or route internals; they ask here, by value,
 * and may subscribe to changes. */
#ifndef BABEL_METRICS_H
#define BABEL_METRICS_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "babel/util.h"

struct hello_history;

struct link_metrics {
    uint64_t neighbour_id; /* as in the local interface's neighbour records */
    uint8_t addr[16];      /* the neighbour's link-local address */
    char ifname[IF_NAMESIZE];
    unsigned ifindex;
    unsigned cost, rxcost, txcost; /* 0xFFFF: unusable */
    bool rtt_valid;
    unsigned rtt_us;
    unsigned rttcost;
    double loss; /* 0..1, from the Hello history */
};

struct route_metrics {
    struct prefix prefix; /* the selected route's destination */
    struct prefix src_prefix;
    bool local;     /* originated here (an xroute): no next hop */
    bool feasible;  /* the selected route is feasible (always, once selected) */
    unsigned metric;
    uint8_t router_id[8];
    uint8_t nexthop[16]; /* v4-mapped for an IPv4 next hop, else IPv6 */
    char ifname[IF_NAMESIZE];
    unsigned ifindex;
    uint64_t neighbour_id;
};

/* Fraction of the Hellos the history expected that did not arrive. */
double metrics_history_loss(const struct hello_history *h);

void metrics_foreach_link(void (*fn)(const struct link_metrics *, void *), void *ctx);
/* 0, or -1 when there is no such neighbour. */
int metrics_link(const uint8_t addr[16], const char *ifname, struct link_metrics *out);
/* The figures of the neighbour an extension callback was given. */
struct neighbour;
void metrics_link_of(const struct neighbour *n, struct link_metrics *out);

/* The selected route for exactly this destination (default source). */
int metrics_route_exact(const struct prefix *dest, struct route_metrics *out);
/* The selected route that an address would follow: longest prefix match
 * over Babel's selected routes and our own (what an RPF check needs). */
int metrics_route_for_addr(const uint8_t addr[16], struct route_metrics *out);
/* The best selected route originated by a router-id. */
int metrics_route_to_router(const uint8_t id[8], struct route_metrics *out);

/* Subscriptions: called after a neighbour's cost changes (or it comes or
 * goes: then `gone` is set), and after a destination's selected route
 * changes (out->metric 0xFFFF and !out->local when it was lost). */
typedef void (*metrics_link_fn)(const struct link_metrics *m, bool gone, void *ctx);
typedef void (*metrics_route_fn)(const struct route_metrics *m, void *ctx);
int metrics_on_link(metrics_link_fn fn, void *ctx);
int metrics_on_route(metrics_route_fn fn, void *ctx);

/* Registers the link-metrics records with the local interface and the
 * change hooks with the core; called once at start-up. */
void metrics_init(void);

#endif
