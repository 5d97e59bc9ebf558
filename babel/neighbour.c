#include "babel/neighbour.h"

#include <stdlib.h>
#include <string.h>

#include "babel/extension.h"
#include "babel/local.h"
#include "babel/message.h"
#include "babel/packet.h"
#include "babel/route.h"

struct neighbour *neighbours;
static uint64_t next_neighbour_id = 0x100;

static struct neighbour *neighbour_find(const uint8_t addr[16], const struct interface *ifp)
{
    for (struct neighbour *n = neighbours; n; n = n->next)
        if (n->ifp == ifp && memcmp(n->addr, addr, 16) == 0)
            return n;
    return NULL;
}

struct neighbour *neighbour_get(const uint8_t addr[16], struct interface *ifp)
{
    struct neighbour *n = neighbour_find(addr, ifp);
    if (n)
        return n;
    n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->id = next_neighbour_id++;
    memcpy(n->addr, addr, 16);
    n->ifp = ifp;
    n->txcost = BABEL_INFINITY;
    n->last_cost = BABEL_INFINITY;
    sendbuf_init(&n->ubuf, ifp->ifindex, addr, ifp->buf.cap);
    n->next = neighbours;
    neighbours = n;
    local_notify_neighbour(n, LOCAL_ADD);
    ext_neighbour_changed(n, EXT_ADD);
    /* Tell it about us at once rather than at our next scheduled Hello, so
     * the adjacency comes up in one round trip. */
    interface_send_hello(ifp);
    return n;
}

static void neighbour_flush(struct neighbour *n)
{
    route_flush_neighbour(n);
    sendbuf_flush(&n->ubuf);
    local_notify_neighbour(n, LOCAL_FLUSH);
    ext_neighbour_changed(n, EXT_FLUSH);
    for (struct neighbour **pp = &neighbours; *pp; pp = &(*pp)->next) {
        if (*pp == n) {
            *pp = n->next;
            break;
        }
    }
    free(n);
}

void neighbour_flush_interface(struct interface *ifp)
{
    struct neighbour *n = neighbours;
    while (n) {
        struct neighbour *next = n->next;
        if (n->ifp == ifp)
            neighbour_flush(n);
        n = next;
    }
}

/* RFC 8966 A.1.  `h->seqno` is the last Hello received or presumed missed,
 * so the one expected next is h->seqno + 1. */
static void history_receive(struct hello_history *h, uint16_t seqno, uint16_t interval_cs)
{
    bool reset = !h->valid;
    if (h->valid) {
        int d = (int16_t)(seqno - h->seqno);
        if (d > 16 || d <= -16) {
            reset = true; /* the neighbour restarted or we lost track */
        } else if (d > 0) {
            /* d - 1 Hellos were lost, then this one arrived. */
            h->bits = (uint16_t)((d >= 16 ? 0 : h->bits >> d) | 0x8000);
            h->count = (uint8_t)(h->count + d > 16 ? 16 : h->count + d);
        } else {
            /* Older than expected: our miss timer counted it (and maybe
             * more) as lost while it was only late.  Undo those 1 - d
             * entries, then record this one, so a delayed link is not
             * taken for a dead one. */
            h->bits = (uint16_t)((uint16_t)(h->bits << -d) | 0x8000);
            h->count = (uint8_t)(h->count + d < 1 ? 1 : h->count + d);
        }
    }
    if (reset) {
        h->bits = 0x8000;
        h->count = 1;
        h->valid = true;
    }
    h->seqno = seqno;
    h->interval = (uint32_t)interval_cs * 10;
    /* Senders jitter their Hellos; 0.7 of an interval of slack (babeld's)
     * avoids counting a merely delayed one as lost. */
    h->deadline = interval_cs ? now_ms + h->interval * 17 / 10 : 0;
}

void neighbour_rtt(struct neighbour *n, uint32_t origin, uint32_t receive, uint32_t their_send,
                   uint32_t rx_us)
{
    /* RTT = (our receive - our send) - (their send - their receive). */
    int64_t local = (int32_t)(rx_us - origin);
    int64_t remote = (int32_t)(their_send - receive);
    int64_t rtt = local - remote;
    if (local < 0 || remote < 0 || rtt < 0 || rtt > 10 * 1000 * 1000)
        return;
    unsigned decay = n->ifp->p.rtt_decay ? n->ifp->p.rtt_decay : 42;
    if (n->rtt_time == 0)
        n->rtt_us = (unsigned)rtt;
    else
        n->rtt_us = (unsigned)((decay * (uint64_t)rtt + (256 - decay) * (uint64_t)n->rtt_us) / 256);
    n->rtt_time = now_ms;
}

void neighbour_hello(struct neighbour *n, uint16_t seqno, uint16_t interval_cs, bool unicast,
                     bool has_ts, uint32_t ts, uint32_t rx_us)
{
    history_receive(unicast ? &n->uhello : &n->mhello, seqno, interval_cs);
    if (has_ts) {
        n->hello_ts = ts;
        n->hello_rx_us = rx_us;
        n->have_hello_ts = true;
    }
}

void neighbour_ihu(struct neighbour *n, uint16_t rxcost, uint16_t interval_cs)
{
    n->txcost = rxcost;
    n->ihu_interval = (uint32_t)interval_cs * 10;
    /* An IHU is valid for 3.5 of its intervals (RFC 8966 A.3). */
    n->ihu_deadline = now_ms + (n->ihu_interval ? n->ihu_interval * 7 / 2 : 60000);
}

static uint16_t history_rxcost(const struct hello_history *h, const struct interface *ifp)
{
    if (!h->valid || h->bits == 0)
        return BABEL_INFINITY;
    if (!ifp->p.link_quality) {
        /* 2-out-of-3: the link is up when two of the last three Hellos
         * arrived (one is enough while we have seen only one). */
        unsigned last3 = h->bits >> 13;
        unsigned got = (unsigned)__builtin_popcount(last3);
        if (got >= 2 || (h->count == 1 && got == 1))
            return (uint16_t)ifp->p.rxcost;
        return BABEL_INFINITY;
    }
    /* ETX: the nominal cost divided by the fraction of Hellos received. */
    unsigned got = (unsigned)__builtin_popcount(h->bits);
    unsigned expected = h->count ? h->count : 1;
    unsigned long cost = (unsigned long)ifp->p.rxcost * expected / got;
    return cost >= BABEL_INFINITY ? BABEL_INFINITY - 1 : (uint16_t)cost;
}

uint16_t neighbour_rxcost(const struct neighbour *n)
{
    uint16_t m = history_rxcost(&n->mhello, n->ifp);
    uint16_t u = history_rxcost(&n->uhello, n->ifp);
    return m < u ? m : u;
}

uint16_t neighbour_txcost(const struct neighbour *n)
{
    return n->ihu_deadline > now_ms ? n->txcost : BABEL_INFINITY;
}

/* A sample older than this no longer says anything about the link (babeld
 * uses the same age, and so does our dump). */
#define RTT_VALID_MS 180000

unsigned neighbour_rttcost(const struct neighbour *n)
{
    const struct interface_params *p = &n->ifp->p;
    if (!p->enable_timestamps || p->max_rtt_penalty == 0 || n->rtt_time == 0 ||
        now_ms - n->rtt_time >= RTT_VALID_MS)
        return 0;
    /* In microseconds, as babeld computes it, so both ends agree on the
     * cost to the unit. */
    uint64_t rtt = n->rtt_us, lo = (uint64_t)p->rtt_min * 1000, hi = (uint64_t)p->rtt_max * 1000;
    if (rtt <= lo)
        return 0;
    if (rtt >= hi || hi <= lo)
        return p->max_rtt_penalty;
    return (unsigned)((uint64_t)p->max_rtt_penalty * (rtt - lo) / (hi - lo));
}

uint16_t neighbour_cost(const struct neighbour *n)
{
    unsigned tx = neighbour_txcost(n), rx = neighbour_rxcost(n);
    if (tx >= BABEL_INFINITY || rx >= BABEL_INFINITY)
        return BABEL_INFINITY;
    unsigned cost;
    if (!n->ifp->p.link_quality) {
        cost = tx;
    } else {
        /* ETX of both directions: each cost is 256 over a delivery ratio,
         * so their product over 256 is 256 over the round-trip ratio. */
        unsigned a = tx < 256 ? 256 : tx, b = rx < 256 ? 256 : rx;
        cost = (a * b + 128) >> 8;
    }
    cost += neighbour_rttcost(n);
    return cost >= BABEL_INFINITY ? BABEL_INFINITY : (uint16_t)cost;
}

static bool history_dead(const struct hello_history *h) { return !h->valid || h->bits == 0; }

uint64_t neighbour_tick(void)
{
    uint64_t next = UINT64_MAX;
    struct neighbour *n = neighbours;
    while (n) {
        struct neighbour *nx = n->next;
        bool changed = false;
        struct hello_history *hs[2] = {&n->mhello, &n->uhello};
        for (int i = 0; i < 2; i++) {
            struct hello_history *h = hs[i];
            while (h->valid && h->deadline && h->deadline <= now_ms) {
                h->bits >>= 1;
                h->seqno++;
                if (h->count < 16)
                    h->count++;
                h->deadline += h->interval ? h->interval : 1000;
                changed = true;
                if (h->bits == 0)
                    break;
            }
            if (h->valid && h->deadline && h->deadline < next)
                next = h->deadline;
        }
        if (n->ihu_deadline > now_ms && n->ihu_deadline < next)
            next = n->ihu_deadline;
        if (history_dead(&n->mhello) && history_dead(&n->uhello) &&
            neighbour_txcost(n) == BABEL_INFINITY) {
            neighbour_flush(n);
            n = nx;
            continue;
        }
        uint16_t cost = neighbour_cost(n);
        if (cost != n->last_cost) {
            bool came_up = n->last_cost == BABEL_INFINITY;
            n->last_cost = cost;
            route_neighbour_cost_changed(n);
            ext_neighbour_changed(n, EXT_CHANGE);
            /* A new adjacency: ask for its full table now rather than
             * waiting for its next periodic update. */
            if (came_up)
                send_route_request(n, NULL, NULL, NULL);
        }
        if (changed)
            local_notify_neighbour(n, LOCAL_CHANGE);
        uint64_t d = sendbuf_tick(&n->ubuf);
        if (d < next)
            next = d;
        n = nx;
    }
    return next;
}
