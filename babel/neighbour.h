/* Neighbours: Hello histories, IHU, link cost (2-out-of-3 on wired and
 * tunnel links, ETX on wireless), RTT. */
#ifndef BABEL_NEIGHBOUR_H
#define BABEL_NEIGHBOUR_H

#include <stdbool.h>
#include <stdint.h>

#include "babel/interface.h"
#include "babel/sendbuf.h"

struct hello_history {
    uint16_t bits;  /* most recent Hello in the top bit */
    uint16_t seqno; /* the last one received or presumed missed */
    uint8_t count;  /* how many slots of bits carry information, <= 16 */
    bool valid;
    uint32_t interval; /* ms, from the last Hello */
    uint64_t deadline; /* when the next one counts as missed; 0 none */
};

struct route;

struct neighbour {
    struct neighbour *next;
    struct route *routes; /* the routes through it (route.c) */
    uint64_t id; /* for the local interface */
    uint8_t addr[16];
    struct interface *ifp;
    struct hello_history mhello; /* multicast Hellos */
    struct hello_history uhello; /* unicast Hellos */
    uint16_t txcost;             /* from its IHU */
    uint64_t ihu_deadline;       /* txcost expires then */
    uint32_t ihu_interval;       /* ms */
    /* RTT (timestamps): the last Hello timestamp and when it arrived. */
    uint32_t hello_ts;
    uint32_t hello_rx_us;
    bool have_hello_ts;
    unsigned rtt_us; /* smoothed */
    uint64_t rtt_time;
    struct sendbuf ubuf; /* unicast to this neighbour */
    uint16_t last_cost;  /* to notice changes */
};

extern struct neighbour *neighbours;

struct neighbour *neighbour_get(const uint8_t addr[16], struct interface *ifp);
void neighbour_flush_interface(struct interface *ifp);

void neighbour_hello(struct neighbour *n, uint16_t seqno, uint16_t interval_cs, bool unicast,
                     bool has_ts, uint32_t ts, uint32_t rx_us);
void neighbour_ihu(struct neighbour *n, uint16_t rxcost, uint16_t interval_cs);
/* An RTT sample from one packet: the IHU's echo of our Hello timestamp
 * (origin) and its receive time, the packet's own Hello timestamp
 * (their_send), and when we received it (rx_us). */
void neighbour_rtt(struct neighbour *n, uint32_t origin, uint32_t receive, uint32_t their_send,
                   uint32_t rx_us);

/* What we send in our IHU: our estimate of the link from it to us. */
uint16_t neighbour_rxcost(const struct neighbour *n);
uint16_t neighbour_txcost(const struct neighbour *n);
unsigned neighbour_rttcost(const struct neighbour *n);
/* The cost of the link, used in route metrics; 0xFFFF when unusable. */
uint16_t neighbour_cost(const struct neighbour *n);
/* Hello timeouts and IHU expiry; returns the next deadline. */
uint64_t neighbour_tick(void);

#endif
