/* libFuzzer harness for the packet codec (see README.md).
 *
 * Besides memory safety, it checks that the reader and the writer agree:
 * every TLV the reader yields and the writer accepts is written into a new
 * packet, which is read back and must yield the same values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "babel/packet.h"

#define MAX_TLVS 512

static const uint8_t src_addr[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

#define require(cond)                                                                    \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);                   \
            abort();                                                                     \
        }                                                                                \
    } while (0)

static int put(struct pkt_writer *w, const struct tlv *t)
{
    switch (t->type) {
    case TLV_ACK_REQ:
        return pkt_put_ack_req(w, t->ack_req.nonce, t->ack_req.interval);
    case TLV_ACK:
        return pkt_put_ack(w, t->ack.nonce);
    case TLV_HELLO:
        return pkt_put_hello(w, &t->hello);
    case TLV_IHU:
        return pkt_put_ihu(w, &t->ihu);
    case TLV_UPDATE:
        return pkt_put_update(w, t->update.ae, &t->update);
    case TLV_ROUTE_REQ:
        return pkt_put_route_req(w, &t->route_req);
    case TLV_SEQNO_REQ:
        return pkt_put_seqno_req(w, &t->seqno_req);
    default:
        return pkt_put_raw(w, t->type, t->raw.body, t->raw.len);
    }
}

static void compare(const struct tlv *a, const struct tlv *b)
{
    require(a->type == b->type);
    switch (a->type) {
    case TLV_ACK_REQ:
        require(a->ack_req.nonce == b->ack_req.nonce &&
                a->ack_req.interval == b->ack_req.interval);
        break;
    case TLV_ACK:
        require(a->ack.nonce == b->ack.nonce);
        break;
    case TLV_HELLO:
        require(a->hello.flags == b->hello.flags && a->hello.seqno == b->hello.seqno &&
                a->hello.interval == b->hello.interval &&
                a->hello.has_timestamp == b->hello.has_timestamp &&
                a->hello.timestamp == b->hello.timestamp);
        break;
    case TLV_IHU:
        /* The writer picks the AE from the address, so only the wildcard
         * case must survive as such. */
        require((a->ihu.ae == AE_WILDCARD) == (b->ihu.ae == AE_WILDCARD));
        require(a->ihu.rxcost == b->ihu.rxcost && a->ihu.interval == b->ihu.interval &&
                memcmp(a->ihu.addr, b->ihu.addr, 16) == 0 &&
                a->ihu.has_timestamp == b->ihu.has_timestamp &&
                a->ihu.ts_origin == b->ihu.ts_origin && a->ihu.ts_receive == b->ihu.ts_receive);
        break;
    case TLV_UPDATE: {
        const struct tlv_update *x = &a->update, *y = &b->update;
        require(x->ae == y->ae && x->interval == y->interval && x->seqno == y->seqno &&
                x->metric == y->metric && prefix_eq(&x->prefix, &y->prefix) &&
                prefix_eq(&x->src_prefix, &y->src_prefix));
        if (x->metric != BABEL_INFINITY)
            require(y->have_router_id && memcmp(x->router_id, y->router_id, 8) == 0);
        /* The IPv6 next hop is the source of the rewritten packet, but an
         * IPv4 one is carried explicitly. */
        if (x->ae == AE_IPV4 && addr_is_v4(x->nexthop))
            require(memcmp(x->nexthop, y->nexthop, 16) == 0);
        break;
    }
    case TLV_ROUTE_REQ:
        require(a->route_req.ae == b->route_req.ae &&
                prefix_eq(&a->route_req.prefix, &b->route_req.prefix) &&
                prefix_eq(&a->route_req.src_prefix, &b->route_req.src_prefix));
        break;
    case TLV_SEQNO_REQ:
        require(a->seqno_req.ae == b->seqno_req.ae && a->seqno_req.seqno == b->seqno_req.seqno &&
                a->seqno_req.hop_count == b->seqno_req.hop_count &&
                memcmp(a->seqno_req.router_id, b->seqno_req.router_id, 8) == 0 &&
                prefix_eq(&a->seqno_req.prefix, &b->seqno_req.prefix) &&
                prefix_eq(&a->seqno_req.src_prefix, &b->seqno_req.src_prefix));
        break;
    default:
        require(a->raw.len == b->raw.len && memcmp(a->raw.body, b->raw.body, a->raw.len) == 0);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tlv got[MAX_TLVS];
    static uint8_t out[BABEL_HEADER_LEN + 0xFFFF];
    struct pkt_reader r;
    struct pkt_writer w;
    size_t n = 0;

    if (pkt_reader_init(&r, data, size, src_addr) < 0)
        return 0;
    require(r.body_len + r.trailer_len + BABEL_HEADER_LEN == size);

    pkt_writer_init(&w, out, sizeof(out));
    enum pkt_read_result rc;
    struct tlv t;
    while ((rc = pkt_read_next(&r, &t)) != PKT_END && rc != PKT_TRUNCATED) {
        require(rc == PKT_TLV || rc == PKT_SKIPPED);
        require(r.pos <= r.body_len);
        if (rc == PKT_SKIPPED) {
            require(r.last_skip > SKIP_NONE && r.last_skip < SKIP_REASON_COUNT);
            continue;
        }
        if (t.type == TLV_UPDATE || t.type == TLV_ROUTE_REQ || t.type == TLV_SEQNO_REQ) {
            const struct prefix *p = t.type == TLV_UPDATE      ? &t.update.prefix
                                     : t.type == TLV_ROUTE_REQ ? &t.route_req.prefix
                                                               : &t.seqno_req.prefix;
            struct prefix norm = *p;
            prefix_normalise(&norm);
            require(prefix_eq(p, &norm));
        }
        size_t before = w.len;
        if (n < MAX_TLVS && put(&w, &t) == 0)
            got[n++] = t;
        else
            require(w.len == before);
    }

    size_t len = pkt_writer_finish(&w);
    require(pkt_reader_init(&r, out, len, src_addr) == 0);
    for (size_t i = 0; i < n; i++) {
        require(pkt_read_next(&r, &t) == PKT_TLV);
        compare(&got[i], &t);
    }
    require(pkt_read_next(&r, &t) == PKT_END);
    return 0;
}
