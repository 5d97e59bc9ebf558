#include "babel/message.h"

#include <stdlib.h>
#include <string.h>

#include "babel/extension.h"
#include "babel/filter.h"
#include "babel/local.h"
#include "babel/mac.h"
#include "babel/node.h"
#include "babel/packet.h"
#include "babel/xroute.h"

struct message_stats msg_stats;

/* Recently sent or forwarded seqno requests, for duplicate suppression
 * (RFC 8966 3.8.2.3).  A request is a duplicate only when it went to the
 * same place: asking a second neighbour (starvation asks every neighbour
 * that has a route) is not a repeat. */
#define REQUEST_SLOTS 64
#define REQUEST_HOLD_MS 2000
struct recent_request {
    struct prefix prefix, src_prefix;
    uint8_t id[8];
    uint16_t seqno;
    unsigned ifindex; /* where it went: 0 and a zero address for every interface, */
    uint8_t to[16];   /* an ifindex and a zero address for one, or a neighbour */
    uint64_t time;
};
static struct recent_request recent[REQUEST_SLOTS];
static unsigned recent_next;

static void request_dest(const struct neighbour *n, const struct interface *ifp,
                         unsigned *ifindex, uint8_t to[16])
{
    memset(to, 0, 16);
    *ifindex = 0;
    if (n) {
        *ifindex = n->ifp->ifindex;
        memcpy(to, n->addr, 16);
    } else if (ifp) {
        *ifindex = ifp->ifindex;
    }
}

static bool request_is_recent(const struct neighbour *n, const struct interface *ifp,
                              const struct prefix *p, const struct prefix *src, const uint8_t id[8],
                              uint16_t seqno)
{
    unsigned ifindex;
    uint8_t to[16];
    request_dest(n, ifp, &ifindex, to);
    for (unsigned i = 0; i < REQUEST_SLOTS; i++) {
        struct recent_request *q = &recent[i];
        if (q->time && q->time + REQUEST_HOLD_MS > now_ms && q->ifindex == ifindex &&
            memcmp(q->to, to, 16) == 0 && prefix_eq(&q->prefix, p) &&
            prefix_eq(&q->src_prefix, src) && memcmp(q->id, id, 8) == 0 &&
            seqno_compare(q->seqno, seqno) >= 0)
            return true;
    }
    return false;
}

static void request_remember(const struct neighbour *n, const struct interface *ifp,
                             const struct prefix *p, const struct prefix *src, const uint8_t id[8],
                             uint16_t seqno)
{
    struct recent_request *q = &recent[recent_next++ % REQUEST_SLOTS];
    request_dest(n, ifp, &q->ifindex, q->to);
    q->prefix = *p;
    q->src_prefix = *src;
    memcpy(q->id, id, 8);
    q->seqno = seqno;
    q->time = now_ms;
}

static uint16_t cs(unsigned ms)
{
    unsigned v = (ms + 9) / 10;
    return v > 0xFFFF ? 0xFFFF : (uint16_t)v;
}

/* ---- Sending ---- */

static void send_ihus(struct interface *ifp);

void send_hello(struct interface *ifp)
{
    if (!ifp->up)
        return;
    struct tlv_hello h = {.seqno = ifp->hello_seqno++, .interval = cs(ifp->p.hello_interval)};
    if (ifp->p.enable_timestamps) {
        h.has_timestamp = true;
        h.timestamp = clock_us32();
    }
    SENDBUF_PUT(&ifp->buf, pkt_put_hello(&ifp->buf.w, &h));
    send_ihus(ifp);
    /* Hellos are what neighbours time us by: send them now. */
    flush_updates(ifp);
    sendbuf_flush(&ifp->buf);
}

static void send_ihus(struct interface *ifp)
{
    for (struct neighbour *n = neighbours; n; n = n->next) {
        if (n->ifp != ifp)
            continue;
        struct tlv_ihu ihu = {.ae = AE_IPV6_LL,
                              .rxcost = neighbour_rxcost(n),
                              .interval = cs(ifp->p.hello_interval * 3)};
        memcpy(ihu.addr, n->addr, 16);
        if (ifp->p.enable_timestamps && n->have_hello_ts) {
            ihu.has_timestamp = true;
            ihu.ts_origin = n->hello_ts;
            ihu.ts_receive = n->hello_rx_us;
        }
        struct sendbuf *b = ifp->p.unicast ? &n->ubuf : &ifp->buf;
        SENDBUF_PUT(b, pkt_put_ihu(&b->w, &ihu));
        if (b == &n->ubuf)
            sendbuf_schedule(b, 0);
    }
}

void send_update(struct interface *ifp, const struct prefix *p, const struct prefix *src,
                 bool urgent)
{
    if (!ifp) {
        for (struct interface *i = interfaces; i; i = i->next)
            send_update(i, p, src, urgent);
        return;
    }
    if (!ifp->up)
        return;
    if (!p) {
        ifp->full_update_pending = true;
        ifp->npending = 0;
    } else if (!ifp->full_update_pending) {
        for (unsigned i = 0; i < ifp->npending; i++)
            if (prefix_eq(&ifp->pending[i].prefix, p) && prefix_eq(&ifp->pending[i].src_prefix, src))
                goto scheduled;
        /* Past a few hundred, a full dump is cheaper than the bookkeeping. */
        if (ifp->npending >= 512) {
            ifp->full_update_pending = true;
            ifp->npending = 0;
            goto scheduled;
        }
        if (ifp->npending == ifp->pending_cap) {
            unsigned cap = ifp->pending_cap ? ifp->pending_cap * 2 : 16;
            struct pending_update *np = realloc(ifp->pending, cap * sizeof(*np));
            if (!np) {
                ifp->full_update_pending = true;
                goto scheduled;
            }
            ifp->pending = np;
            ifp->pending_cap = cap;
        }
        ifp->pending[ifp->npending].prefix = *p;
        ifp->pending[ifp->npending].src_prefix = *src;
        ifp->npending++;
    }
scheduled:
    sendbuf_schedule(&ifp->buf, urgent ? 5 : 50);
}

static void put_update(struct interface *ifp, struct sendbuf *b, const struct prefix *p,
                       const struct prefix *src, const uint8_t id[8], uint16_t seqno,
                       uint16_t metric)
{
    if (!prefix_is_default_src(src) && ifp->p.rfc6126_compatible)
        return;
    struct filter_query q = {.prefix = p, .src_prefix = src, .id = id, .ifname = ifp->name,
                             .proto = -1};
    struct filter_result res;
    if (!filter_apply(FILTER_OUT, node.cfg.filters[FILTER_OUT], &q, &res))
        return;
    unsigned m = metric == BABEL_INFINITY ? BABEL_INFINITY : metric + res.metric;
    struct tlv_update u = {.interval = cs(ifp->p.update_interval),
                           .seqno = seqno,
                           .metric = m >= BABEL_INFINITY ? BABEL_INFINITY : (uint16_t)m,
                           .prefix = *p,
                           .src_prefix = *src,
                           .have_router_id = true};
    memcpy(u.router_id, id, 8);
    uint8_t ae;
    if (!prefix_is_v4(p)) {
        ae = AE_IPV6;
    } else if (ifp->have_ipv4) {
        ae = AE_IPV4;
        memcpy(u.nexthop, ifp->ipv4, 16);
    } else if (ifp->p.v4_via_v6) {
        ae = AE_V4_VIA_V6;
    } else {
        return;
    }
    SENDBUF_PUT(b, pkt_put_update(&b->w, ae, &u));
}

/* One destination's update on one interface: our own route, the selected
 * route, or a retraction of what we announced before. */
static void write_update(struct interface *ifp, struct sendbuf *b, const struct prefix *p,
                         const struct prefix *src)
{
    struct xroute *x = xroute_find(p, src);
    if (x) {
        put_update(ifp, b, p, src, node.id, node.seqno, x->metric);
        return;
    }
    struct route_entry *e = route_entry_find(p, src);
    if (!e)
        return;
    struct route *r = route_selected(e);
    struct source *last;
    if (r) {
        uint16_t metric = route_metric(r);
        /* What we announce is decided here whether or not split horizon
         * keeps it off this interface: selection compares against it to
         * know when a triggered update is due. */
        route_entry_set_last_src(e, r->src);
        e->last_seqno = r->seqno;
        e->last_metric = metric;
        /* Split horizon: not back out of the interface it came in by. */
        if (ifp->p.split_horizon && r->neigh->ifp == ifp)
            return;
        put_update(ifp, b, p, src, source_id(r->src), r->seqno, metric);
        source_advertised(r->src, r->seqno, metric);
    } else if ((last = route_entry_last_src(e))) {
        put_update(ifp, b, p, src, source_id(last), e->last_seqno, BABEL_INFINITY);
        e->last_metric = BABEL_INFINITY;
    }
}

struct update_target {
    struct interface *ifp;
    struct sendbuf *b;
};

static void write_xroute(struct xroute *x, void *ctx)
{
    struct update_target *t = ctx;
    write_update(t->ifp, t->b, &x->prefix, &x->src_prefix);
}

static void write_entry(struct route_entry *e, void *ctx)
{
    struct update_target *t = ctx;
    if (!xroute_find(&e->prefix, route_entry_src(e)))
        write_update(t->ifp, t->b, &e->prefix, route_entry_src(e));
}

static void write_pending(struct interface *ifp, struct sendbuf *b, bool full)
{
    struct update_target t = {ifp, b};
    if (full) {
        xroute_foreach(write_xroute, &t);
        route_foreach_entry(write_entry, &t);
    } else {
        for (unsigned i = 0; i < ifp->npending; i++)
            write_update(ifp, b, &ifp->pending[i].prefix, &ifp->pending[i].src_prefix);
    }
}

void flush_updates(struct interface *ifp)
{
    if (!ifp->up)
        return;
    bool full = ifp->full_update_pending;
    if (ifp->p.unicast) {
        /* babeld's "unicast": a copy for every neighbour instead of one
         * multicast packet (links where multicast is unreliable). */
        for (struct neighbour *n = neighbours; n; n = n->next) {
            if (n->ifp != ifp)
                continue;
            write_pending(ifp, &n->ubuf, full);
            sendbuf_flush(&n->ubuf);
        }
    } else {
        write_pending(ifp, &ifp->buf, full);
    }
    ifp->full_update_pending = false;
    ifp->npending = 0;
}

static struct sendbuf *buffer_for(struct neighbour *n, struct interface *ifp)
{
    return n ? &n->ubuf : &ifp->buf;
}

void send_route_request(struct neighbour *n, struct interface *ifp, const struct prefix *p,
                        const struct prefix *src)
{
    if (!n && !ifp) {
        for (struct interface *i = interfaces; i; i = i->next)
            if (i->up)
                send_route_request(NULL, i, p, src);
        return;
    }
    struct tlv_route_req rq = {.ae = AE_WILDCARD};
    if (p) {
        rq.ae = pkt_ae_for(p, false); /* AE 1 for IPv4: every peer parses it */
        rq.prefix = *p;
        rq.src_prefix = *src;
    }
    struct sendbuf *b = buffer_for(n, ifp);
    SENDBUF_PUT(b, pkt_put_route_req(&b->w, &rq));
    sendbuf_schedule(b, 5);
}

void send_seqno_request(struct neighbour *n, struct interface *ifp, const struct prefix *p,
                        const struct prefix *src, const uint8_t id[8], uint16_t seqno,
                        uint8_t hop_count)
{
    if (request_is_recent(n, ifp, p, src, id, seqno))
        return;
    request_remember(n, ifp, p, src, id, seqno);
    struct tlv_seqno_req rq = {.ae = pkt_ae_for(p, false),
                               .seqno = seqno,
                               .hop_count = hop_count,
                               .prefix = *p,
                               .src_prefix = *src};
    memcpy(rq.router_id, id, 8);
    if (!n && !ifp) {
        for (struct interface *i = interfaces; i; i = i->next) {
            if (!i->up)
                continue;
            SENDBUF_PUT(&i->buf, pkt_put_seqno_req(&i->buf.w, &rq));
            sendbuf_schedule(&i->buf, 5);
        }
        return;
    }
    struct sendbuf *b = buffer_for(n, ifp);
    SENDBUF_PUT(b, pkt_put_seqno_req(&b->w, &rq));
    sendbuf_schedule(b, 5);
}

static void send_ack(struct neighbour *n, uint16_t nonce)
{
    SENDBUF_PUT(&n->ubuf, pkt_put_ack(&n->ubuf.w, nonce));
    sendbuf_schedule(&n->ubuf, 0);
}

static void retract_xroute(struct xroute *x, void *ctx)
{
    struct interface *ifp = ctx;
    put_update(ifp, &ifp->buf, &x->prefix, &x->src_prefix, node.id, node.seqno, BABEL_INFINITY);
}

static void retract_entry(struct route_entry *e, void *ctx)
{
    struct interface *ifp = ctx;
    if (route_selected(e) && !xroute_find(&e->prefix, route_entry_src(e)))
        put_update(ifp, &ifp->buf, &e->prefix, route_entry_src(e), source_id(route_selected(e)->src),
                   route_selected(e)->seqno, BABEL_INFINITY);
}

void send_retractions_all(void)
{
    for (struct interface *ifp = interfaces; ifp; ifp = ifp->next) {
        if (!ifp->up)
            continue;
        xroute_foreach(retract_xroute, ifp);
        route_foreach_entry(retract_entry, ifp);
        sendbuf_flush(&ifp->buf);
    }
}

/* ---- Receiving ---- */

static void handle_seqno_request(struct neighbour *n, const struct tlv_seqno_req *rq)
{
    struct xroute *x = xroute_find(&rq->prefix, &rq->src_prefix);
    if (x) {
        if (memcmp(rq->router_id, node.id, 8) == 0 && seqno_compare(rq->seqno, node.seqno) > 0)
            node.seqno = seqno_plus(node.seqno, 1);
        send_update(NULL, &rq->prefix, &rq->src_prefix, true);
        return;
    }
    struct route_entry *e = route_entry_find(&rq->prefix, &rq->src_prefix);
    struct route *r = e ? route_selected(e) : NULL;
    if (!r || route_metric(r) == BABEL_INFINITY)
        return; /* nothing to offer and nowhere to forward (3.8.1.2) */
    if (memcmp(source_id(r->src), rq->router_id, 8) != 0 || seqno_compare(r->seqno, rq->seqno) >= 0) {
        send_update(n->ifp, &rq->prefix, &rq->src_prefix, true);
        return;
    }
    if (rq->hop_count >= 2 && r->neigh != n)
        send_seqno_request(r->neigh, NULL, &rq->prefix, &rq->src_prefix, rq->router_id,
                           rq->seqno, (uint8_t)(rq->hop_count - 1));
}

static void handle_update(struct neighbour *n, const uint8_t src_addr[16], const struct tlv_update *u)
{
    if (u->ae == AE_WILDCARD) {
        route_retract_neighbour(n);
        return;
    }
    uint8_t nexthop[16];
    if (u->ae == AE_IPV4 && !addr_is_zero(u->nexthop))
        memcpy(nexthop, u->nexthop, 16);
    else if (u->ae == AE_IPV4 || u->ae == AE_V4_VIA_V6)
        memcpy(nexthop, addr_is_zero(u->nexthop) || addr_is_v4(u->nexthop) ? src_addr : u->nexthop,
               16);
    else
        memcpy(nexthop, addr_is_zero(u->nexthop) ? src_addr : u->nexthop, 16);
    static const uint8_t no_id[8];
    route_update(n, &u->prefix, &u->src_prefix, u->have_router_id ? u->router_id : no_id, u->seqno,
                 u->metric, u->interval, nexthop);
}

void message_receive(struct interface *ifp, const uint8_t src[16], const uint8_t dst[16],
                     const uint8_t *pkt, size_t len)
{
    msg_stats.rx_packets++;
    uint32_t rx_us = clock_us32();
    if (!addr_is_linklocal(src) || !ifp->up) {
        /* Babel speaks link-local only (RFC 8966 4.1). */
        msg_stats.rx_bad_packets++;
        return;
    }
    struct pkt_reader r;
    if (pkt_reader_init(&r, pkt, len, src) < 0) {
        msg_stats.rx_bad_packets++;
        return;
    }
    /* RFC 8967: on an interface with a key, the MAC and the packet counter
     * are checked before any TLV is processed (challenges are handled
     * there). */
    if (!mac_receive(ifp, src, dst, pkt, len, &r))
        return;
    struct neighbour *n = neighbour_get(src, ifp);
    if (!n)
        return;
    bool touched = false;
    /* The IHU timestamp is answered against the Hello timestamp of the same
     * packet, whichever comes first, so remember both until the end. */
    bool have_hello_ts = false, have_ihu_ts = false;
    uint32_t hello_ts = 0, ihu_origin = 0, ihu_receive = 0;
    struct tlv t;
    for (;;) {
        enum pkt_read_result rc = pkt_read_next(&r, &t);
        if (rc == PKT_END)
            break;
        if (rc == PKT_TRUNCATED) {
            msg_stats.rx_truncated++;
            break;
        }
        if (rc == PKT_SKIPPED) {
            if (r.last_skip < SKIP_REASON_COUNT)
                msg_stats.rx_skipped[r.last_skip]++;
            continue;
        }
        switch (t.type) {
        case TLV_ACK_REQ:
            send_ack(n, t.ack_req.nonce);
            break;
        case TLV_ACK:
            ext_ack_received(n, t.ack.nonce);
            break;
        case TLV_HELLO: {
            bool unicast = (t.hello.flags & HELLO_FLAG_UNICAST) != 0;
            neighbour_hello(n, t.hello.seqno, t.hello.interval, unicast, t.hello.has_timestamp,
                            t.hello.timestamp, rx_us);
            if (t.hello.has_timestamp) {
                have_hello_ts = true;
                hello_ts = t.hello.timestamp;
            }
            touched = true;
            break;
        }
        case TLV_IHU:
            if (t.ihu.ae != AE_WILDCARD && !interface_has_addr(ifp, t.ihu.addr))
                break; /* about someone else's link */
            neighbour_ihu(n, t.ihu.rxcost, t.ihu.interval);
            if (t.ihu.has_timestamp) {
                have_ihu_ts = true;
                ihu_origin = t.ihu.ts_origin;
                ihu_receive = t.ihu.ts_receive;
            }
            touched = true;
            break;
        case TLV_UPDATE:
            handle_update(n, src, &t.update);
            break;
        case TLV_ROUTE_REQ:
            if (t.route_req.ae == AE_WILDCARD)
                send_update(ifp, NULL, NULL, true);
            else
                send_update(ifp, &t.route_req.prefix, &t.route_req.src_prefix, true);
            break;
        case TLV_SEQNO_REQ:
            handle_seqno_request(n, &t.seqno_req);
            break;
        case TLV_PC:
        case TLV_CHALLENGE_REQ:
        case TLV_CHALLENGE_REPLY:
            break; /* done by mac_receive */
        default:
            if (t.type >= TLV_EXPERIMENTAL_MIN && t.type <= TLV_EXPERIMENTAL_MAX)
                ext_dispatch_tlv(t.type, n, t.raw.body, t.raw.len);
            break;
        }
    }
    if (have_ihu_ts && have_hello_ts)
        neighbour_rtt(n, ihu_origin, ihu_receive, hello_ts, rx_us);
    (void)dst;
    if (touched)
        local_notify_neighbour(n, LOCAL_CHANGE);
}
