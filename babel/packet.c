#include "babel/packet.h"

#include <string.h>

#include "babel/byteorder.h"

/* How an AE carries an address: `len` bytes that land at byte `off` of the
 * 16-byte form, the rest being implied (v4-mapped prefix, fe80::/64).  A
 * wire prefix length therefore counts only the carried bits, and the full
 * length is wire + 8 * off. */
struct ae_geom {
    uint8_t off;
    uint8_t len;
    uint8_t max_plen;
};

static const struct ae_geom ae_geoms[AE_V4_VIA_V6 + 1] = {
    [AE_WILDCARD] = {0, 0, 0},
    [AE_IPV4] = {12, 4, 32},
    [AE_IPV6] = {0, 16, 128},
    [AE_IPV6_LL] = {8, 8, 64},
    [AE_V4_VIA_V6] = {12, 4, 32},
};

/* Largest Router-Id + Next Hop + Update-with-source-prefix group. */
#define GROUP_MAX 96
#define TLV_MAX (2 + 255)

static bool ae_known(uint8_t ae) { return ae <= AE_V4_VIA_V6; }

/* The implied part of an address of this AE, carried bytes zeroed. */
static void ae_base(uint8_t ae, uint8_t out[16])
{
    memset(out, 0, 16);
    if (ae == AE_IPV4 || ae == AE_V4_VIA_V6) {
        memcpy(out, v4_mapped_prefix, sizeof(v4_mapped_prefix));
    } else if (ae == AE_IPV6_LL) {
        out[0] = 0xfe;
        out[1] = 0x80;
    }
}

static size_t plen_bytes(unsigned plen) { return (plen + 7) / 8; }

/* ---- Reader ---- */

int pkt_reader_init(struct pkt_reader *r, const uint8_t *pkt, size_t len,
                    const uint8_t src_addr[16])
{
    if (len < BABEL_HEADER_LEN || pkt[0] != BABEL_MAGIC || pkt[1] != BABEL_VERSION)
        return -1;
    size_t body_len = get16(pkt + 2);
    if (body_len > len - BABEL_HEADER_LEN)
        return -1;
    memset(r, 0, sizeof(*r));
    r->body = pkt + BABEL_HEADER_LEN;
    r->body_len = body_len;
    r->trailer = r->body + body_len;
    r->trailer_len = len - BABEL_HEADER_LEN - body_len;
    memcpy(r->src_addr, src_addr, 16);
    memcpy(r->nh_v6, src_addr, 16);
    return 0;
}

/* Reads an uncompressed address of a known AE; returns the bytes consumed or
 * -1 when it does not fit. */
static int read_addr(uint8_t ae, const uint8_t *b, size_t len, uint8_t out[16])
{
    const struct ae_geom *g = &ae_geoms[ae];
    if (len < g->len)
        return -1;
    ae_base(ae, out);
    memcpy(out + g->off, b, g->len);
    return g->len;
}

/* An IPv6 prefix inside ::ffff:0:0/96 reads as IPv4 in the util.h
 * representation: taking it would let an AE 2 TLV pass for an IPv4 one. */
static bool v6_looks_v4(uint8_t ae, const struct prefix *p)
{
    return ae == AE_IPV6 && prefix_is_v4(p);
}

/* Reads an uncompressed prefix of a known, non-wildcard AE; returns the bytes
 * consumed or -1. */
static int read_plain_prefix(uint8_t ae, uint8_t wplen, const uint8_t *b, size_t len,
                             struct prefix *out)
{
    const struct ae_geom *g = &ae_geoms[ae];
    size_t nb = plen_bytes(wplen);
    if (wplen > g->max_plen || len < nb)
        return -1;
    ae_base(ae, out->addr);
    memcpy(out->addr + g->off, b, nb);
    out->plen = (uint8_t)(wplen + 8 * g->off);
    prefix_normalise(out);
    return v6_looks_v4(ae, out) ? -1 : (int)nb;
}

/* A source prefix is in the family of its TLV's AE and never compressed. */
static uint8_t src_family(uint8_t ae)
{
    return (ae == AE_IPV4 || ae == AE_V4_VIA_V6) ? AE_IPV4 : AE_IPV6;
}

static enum pkt_skip_reason read_src_prefix(uint8_t ae, const uint8_t *b, size_t len,
                                            struct prefix *out)
{
    /* A wildcard has no family to put a source prefix in, and a zero-length
     * source is expressed by leaving the sub-TLV out (RFC 9079). */
    if (ae == AE_WILDCARD || len < 1 || b[0] == 0 ||
        read_plain_prefix(src_family(ae), b[0], b + 1, len - 1, out) < 0)
        return SKIP_MALFORMED;
    return SKIP_NONE;
}

/* What the sub-TLVs of one TLV carried. */
struct subtlvs {
    bool has_timestamp;
    uint8_t timestamp[8];
    bool has_src;
    struct prefix src;
};

static enum pkt_skip_reason read_subtlvs(uint8_t tlv_type, uint8_t ae, const uint8_t *b,
                                         size_t len, struct subtlvs *out)
{
    memset(out, 0, sizeof(*out));
    size_t pos = 0;
    while (pos < len) {
        uint8_t type = b[pos];
        if (type == SUBTLV_PAD1) {
            pos++;
            continue;
        }
        if (len - pos < 2 || b[pos + 1] > len - pos - 2)
            return SKIP_MALFORMED;
        size_t sl = b[pos + 1];
        const uint8_t *body = b + pos + 2;
        pos += 2 + sl;
        switch (type) {
        case SUBTLV_PADN:
            break;
        case SUBTLV_TIMESTAMP:
            /* Optional sub-TLV: one of an unexpected size is ignored, as an
             * unknown optional one would be. */
            if ((tlv_type == TLV_HELLO && sl == 4) || (tlv_type == TLV_IHU && sl == 8)) {
                out->has_timestamp = true;
                memcpy(out->timestamp, body, sl);
            }
            break;
        case SUBTLV_SOURCE_PREFIX: {
            if (tlv_type != TLV_UPDATE && tlv_type != TLV_ROUTE_REQ &&
                tlv_type != TLV_SEQNO_REQ)
                return SKIP_MANDATORY_SUBTLV;
            /* Two source prefixes would make the route ambiguous. */
            if (out->has_src)
                return SKIP_MALFORMED;
            enum pkt_skip_reason why = read_src_prefix(ae, body, sl, &out->src);
            if (why != SKIP_NONE)
                return why;
            out->has_src = true;
            break;
        }
        default:
            if (type >= 128)
                return SKIP_MANDATORY_SUBTLV;
            break;
        }
    }
    return SKIP_NONE;
}

/* All zeros and all ones are not valid router-ids (RFC 8966 section 4.6.7). */
static bool id_reserved(const uint8_t id[8])
{
    static const uint8_t ones[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    return id_is_zero(id) || memcmp(id, ones, 8) == 0;
}

static enum pkt_skip_reason read_router_id(struct pkt_reader *r, const uint8_t *b, size_t len)
{
    struct subtlvs sub;
    /* Whatever is wrong, forget the old id: the Updates that follow were
     * meant for another router and must not be credited to the previous one. */
    if (len < 10 || id_reserved(b + 2) ||
        read_subtlvs(TLV_ROUTER_ID, AE_WILDCARD, b + 10, len - 10, &sub) == SKIP_MALFORMED) {
        r->have_router_id = false;
        return SKIP_MALFORMED;
    }
    /* An unknown mandatory sub-TLV voids the TLV but not its effect on the
     * parser state (RFC 8966 section 4.4); there is nothing else to void. */
    memcpy(r->router_id, b + 2, 8);
    r->have_router_id = true;
    return SKIP_NONE;
}

static enum pkt_skip_reason read_next_hop(struct pkt_reader *r, const uint8_t *b, size_t len)
{
    if (len < 2)
        return SKIP_MALFORMED;
    uint8_t ae = b[0];
    /* AE 4 carries prefixes only: its next hop is the IPv6 one (RFC 9229). */
    if (!ae_known(ae) || ae == AE_V4_VIA_V6)
        return SKIP_UNKNOWN_AE;
    if (ae == AE_WILDCARD)
        return SKIP_MALFORMED;
    uint8_t addr[16];
    int n = read_addr(ae, b + 2, len - 2, addr);
    /* A v4-mapped IPv6 next hop would pass for an IPv4 one. */
    if (n < 0 || (ae == AE_IPV6 && addr_is_v4(addr)))
        return SKIP_MALFORMED;
    struct subtlvs sub;
    if (read_subtlvs(TLV_NEXT_HOP, ae, b + 2 + n, len - 2 - (size_t)n, &sub) == SKIP_MALFORMED)
        return SKIP_MALFORMED;
    if (ae == AE_IPV4) {
        memcpy(r->nh_v4, addr, 16);
        r->have_nh_v4 = true;
    } else {
        memcpy(r->nh_v6, addr, 16);
    }
    return SKIP_NONE;
}

static enum pkt_skip_reason read_update(struct pkt_reader *r, const uint8_t *b, size_t len,
                                        struct tlv_update *u)
{
    if (len < 10)
        return SKIP_MALFORMED;
    uint8_t ae = b[0], wplen = b[2], omitted = b[3];
    u->ae = ae;
    u->flags = b[1];
    u->interval = get16(b + 4);
    u->seqno = get16(b + 6);
    u->metric = get16(b + 8);
    if (!ae_known(ae))
        return SKIP_UNKNOWN_AE;
    size_t used = 10;
    if (ae == AE_WILDCARD) {
        /* Only a retraction of everything makes sense without a prefix, and
         * there are no prefix bytes to take a router-id from. */
        if (wplen != 0 || omitted != 0 || u->metric != BABEL_INFINITY ||
            (u->flags & UPDATE_FLAG_ROUTER_ID))
            return SKIP_MALFORMED;
    } else {
        const struct ae_geom *g = &ae_geoms[ae];
        if (wplen > g->max_plen || omitted > g->len || (omitted && !r->have_def[ae]))
            return SKIP_MALFORMED;
        size_t nb = plen_bytes(wplen);
        /* omitted may exceed the prefix's own bytes: then nothing follows on
         * the wire and the excess is masked off below. */
        size_t wire = nb > omitted ? nb - omitted : 0;
        if (wire > len - used)
            return SKIP_MALFORMED;
        uint8_t bytes[16] = {0};
        memcpy(bytes, r->def_prefix[ae], omitted);
        memcpy(bytes + omitted, b + used, wire);
        used += wire;
        ae_base(ae, u->prefix.addr);
        memcpy(u->prefix.addr + g->off, bytes, g->len);
        u->prefix.plen = (uint8_t)(wplen + 8 * g->off);
        /* The parser state follows the bytes as sent, before masking, since
         * that is what the sender compressed against. */
        if (u->flags & UPDATE_FLAG_DEFAULT_PREFIX) {
            memcpy(r->def_prefix[ae], bytes, g->len);
            r->def_plen[ae] = wplen;
            r->have_def[ae] = true;
        }
        if (u->flags & UPDATE_FLAG_ROUTER_ID) {
            /* As for a Router-Id TLV carrying a reserved id. */
            if (id_reserved(u->prefix.addr + 8)) {
                r->have_router_id = false;
                return SKIP_MALFORMED;
            }
            memcpy(r->router_id, u->prefix.addr + 8, 8);
            r->have_router_id = true;
        }
        prefix_normalise(&u->prefix);
        if (v6_looks_v4(ae, &u->prefix))
            return SKIP_MALFORMED;
    }

    struct subtlvs sub;
    enum pkt_skip_reason why = read_subtlvs(TLV_UPDATE, ae, b + used, len - used, &sub);
    if (why != SKIP_NONE)
        return why;
    if (sub.has_src)
        u->src_prefix = sub.src;
    else
        prefix_default_src(&u->prefix, &u->src_prefix);

    if (u->metric != BABEL_INFINITY && !r->have_router_id)
        return SKIP_NO_ROUTER_ID;
    u->have_router_id = r->have_router_id;
    if (r->have_router_id)
        memcpy(u->router_id, r->router_id, 8);
    if (ae == AE_IPV4) {
        if (r->have_nh_v4)
            memcpy(u->nexthop, r->nh_v4, 16);
    } else if (ae != AE_WILDCARD) {
        memcpy(u->nexthop, r->nh_v6, 16);
    }
    return SKIP_NONE;
}

static enum pkt_skip_reason read_hello(const uint8_t *b, size_t len, struct tlv_hello *h)
{
    if (len < 6)
        return SKIP_MALFORMED;
    h->flags = get16(b);
    h->seqno = get16(b + 2);
    h->interval = get16(b + 4);
    struct subtlvs sub;
    enum pkt_skip_reason why = read_subtlvs(TLV_HELLO, AE_WILDCARD, b + 6, len - 6, &sub);
    if (why != SKIP_NONE)
        return why;
    h->has_timestamp = sub.has_timestamp;
    if (sub.has_timestamp)
        h->timestamp = get32(sub.timestamp);
    return SKIP_NONE;
}

static enum pkt_skip_reason read_ihu(const uint8_t *b, size_t len, struct tlv_ihu *ihu)
{
    if (len < 6)
        return SKIP_MALFORMED;
    ihu->ae = b[0];
    ihu->rxcost = get16(b + 2);
    ihu->interval = get16(b + 4);
    /* AE 4 encodes prefixes, not a neighbour's address (RFC 9229). */
    if (!ae_known(ihu->ae) || ihu->ae == AE_V4_VIA_V6)
        return SKIP_UNKNOWN_AE;
    int n = read_addr(ihu->ae, b + 6, len - 6, ihu->addr);
    if (n < 0)
        return SKIP_MALFORMED;
    if (ihu->ae == AE_WILDCARD)
        memset(ihu->addr, 0, 16);
    struct subtlvs sub;
    enum pkt_skip_reason why =
        read_subtlvs(TLV_IHU, ihu->ae, b + 6 + n, len - 6 - (size_t)n, &sub);
    if (why != SKIP_NONE)
        return why;
    ihu->has_timestamp = sub.has_timestamp;
    if (sub.has_timestamp) {
        ihu->ts_origin = get32(sub.timestamp);
        ihu->ts_receive = get32(sub.timestamp + 4);
    }
    return SKIP_NONE;
}

/* Shared tail of the two requests: sub-TLVs and the default source. */
static enum pkt_skip_reason read_req_tail(uint8_t type, uint8_t ae, const uint8_t *b, size_t len,
                                          const struct prefix *p, struct prefix *src)
{
    struct subtlvs sub;
    enum pkt_skip_reason why = read_subtlvs(type, ae, b, len, &sub);
    if (why != SKIP_NONE)
        return why;
    if (sub.has_src)
        *src = sub.src;
    else
        prefix_default_src(p, src);
    return SKIP_NONE;
}

static enum pkt_skip_reason read_route_req(const uint8_t *b, size_t len,
                                           struct tlv_route_req *rq)
{
    if (len < 2)
        return SKIP_MALFORMED;
    rq->ae = b[0];
    if (!ae_known(rq->ae))
        return SKIP_UNKNOWN_AE;
    int n = 0;
    if (rq->ae == AE_WILDCARD) {
        if (b[1] != 0)
            return SKIP_MALFORMED;
    } else {
        n = read_plain_prefix(rq->ae, b[1], b + 2, len - 2, &rq->prefix);
        if (n < 0)
            return SKIP_MALFORMED;
    }
    return read_req_tail(TLV_ROUTE_REQ, rq->ae, b + 2 + n, len - 2 - (size_t)n, &rq->prefix,
                         &rq->src_prefix);
}

static enum pkt_skip_reason read_seqno_req(const uint8_t *b, size_t len,
                                           struct tlv_seqno_req *rq)
{
    if (len < 14)
        return SKIP_MALFORMED;
    rq->ae = b[0];
    rq->seqno = get16(b + 2);
    rq->hop_count = b[4];
    memcpy(rq->router_id, b + 6, 8);
    if (!ae_known(rq->ae))
        return SKIP_UNKNOWN_AE;
    /* A seqno is only meaningful for one prefix. */
    if (rq->ae == AE_WILDCARD)
        return SKIP_MALFORMED;
    int n = read_plain_prefix(rq->ae, b[1], b + 14, len - 14, &rq->prefix);
    if (n < 0)
        return SKIP_MALFORMED;
    return read_req_tail(TLV_SEQNO_REQ, rq->ae, b + 14 + n, len - 14 - (size_t)n, &rq->prefix,
                         &rq->src_prefix);
}

static enum pkt_skip_reason read_simple(uint8_t type, const uint8_t *b, size_t len,
                                        size_t fixed)
{
    struct subtlvs sub;
    if (len < fixed)
        return SKIP_MALFORMED;
    return read_subtlvs(type, AE_WILDCARD, b + fixed, len - fixed, &sub);
}

static bool passed_on_raw(uint8_t type)
{
    return type == TLV_PC || type == TLV_CHALLENGE_REQ || type == TLV_CHALLENGE_REPLY ||
           (type >= TLV_EXPERIMENTAL_MIN && type <= TLV_EXPERIMENTAL_MAX);
}

enum pkt_read_result pkt_read_next(struct pkt_reader *r, struct tlv *out)
{
    r->last_skip = SKIP_NONE;
    while (r->pos < r->body_len) {
        const uint8_t *p = r->body + r->pos;
        size_t left = r->body_len - r->pos;
        uint8_t type = p[0];
        if (type == TLV_PAD1) {
            r->pos++;
            continue;
        }
        if (left < 2 || p[1] > left - 2) {
            /* Nothing after an overrun can be trusted to be a TLV boundary. */
            r->pos = r->body_len;
            return PKT_TRUNCATED;
        }
        const uint8_t *b = p + 2;
        size_t len = p[1];
        r->pos += 2 + len;

        memset(out, 0, sizeof(*out));
        out->type = type;
        enum pkt_skip_reason why;
        switch (type) {
        case TLV_PADN:
            continue;
        case TLV_ROUTER_ID:
            why = read_router_id(r, b, len);
            if (why == SKIP_NONE)
                continue;
            break;
        case TLV_NEXT_HOP:
            why = read_next_hop(r, b, len);
            if (why == SKIP_NONE)
                continue;
            break;
        case TLV_ACK_REQ:
            why = read_simple(type, b, len, 6);
            if (why == SKIP_NONE) {
                out->ack_req.nonce = get16(b + 2);
                out->ack_req.interval = get16(b + 4);
            }
            break;
        case TLV_ACK:
            why = read_simple(type, b, len, 2);
            if (why == SKIP_NONE)
                out->ack.nonce = get16(b);
            break;
        case TLV_HELLO:
            why = read_hello(b, len, &out->hello);
            break;
        case TLV_IHU:
            why = read_ihu(b, len, &out->ihu);
            break;
        case TLV_UPDATE:
            why = read_update(r, b, len, &out->update);
            break;
        case TLV_ROUTE_REQ:
            why = read_route_req(b, len, &out->route_req);
            break;
        case TLV_SEQNO_REQ:
            why = read_seqno_req(b, len, &out->seqno_req);
            break;
        default:
            if (!passed_on_raw(type)) {
                why = SKIP_UNKNOWN_TYPE;
                break;
            }
            out->raw.body = b;
            out->raw.len = len;
            why = SKIP_NONE;
            break;
        }
        if (why != SKIP_NONE) {
            r->last_skip = why;
            return PKT_SKIPPED;
        }
        return PKT_TLV;
    }
    return PKT_END;
}

/* ---- Writer ---- */

void pkt_writer_init(struct pkt_writer *w, uint8_t *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    /* The body length is 16 bits: never build more than it can describe. */
    w->cap = cap > BABEL_HEADER_LEN + 0xFFFF ? BABEL_HEADER_LEN + 0xFFFF : cap;
    if (w->cap < BABEL_HEADER_LEN) {
        w->cap = 0;
        return;
    }
    buf[0] = BABEL_MAGIC;
    buf[1] = BABEL_VERSION;
    buf[2] = buf[3] = 0;
    w->len = BABEL_HEADER_LEN;
}

bool pkt_writer_empty(const struct pkt_writer *w) { return w->len <= BABEL_HEADER_LEN; }

size_t pkt_writer_finish(struct pkt_writer *w)
{
    if (w->len < BABEL_HEADER_LEN)
        return 0;
    put16(w->buf + 2, (uint16_t)(w->len - BABEL_HEADER_LEN));
    return w->len;
}

static int commit(struct pkt_writer *w, const uint8_t *data, size_t n)
{
    if (n > w->cap - w->len)
        return -1;
    memcpy(w->buf + w->len, data, n);
    w->len += n;
    return 0;
}

/* The wire form of p under a non-wildcard AE: the carried bytes (host bits
 * cleared) and the wire length.  -1 when p is not of that AE's family. */
static int prefix_to_wire(uint8_t ae, const struct prefix *p, uint8_t *wplen, uint8_t bytes[16])
{
    if (ae == AE_WILDCARD || !ae_known(ae))
        return -1;
    const struct ae_geom *g = &ae_geoms[ae];
    uint8_t base[16];
    ae_base(ae, base);
    if (p->plen > 128 || p->plen < 8 * g->off || memcmp(p->addr, base, g->off) != 0)
        return -1;
    /* ::ffff:0:0/96 and longer is IPv4 in this representation. */
    if (ae == AE_IPV6 && prefix_is_v4(p))
        return -1;
    struct prefix n = *p;
    prefix_normalise(&n);
    *wplen = (uint8_t)(p->plen - 8 * g->off);
    memset(bytes, 0, 16);
    memcpy(bytes, n.addr + g->off, g->len);
    return 0;
}

/* Appends a source-prefix sub-TLV unless src is the default source; returns
 * the bytes written or -1 when src cannot go with a TLV of this AE. */
static int put_src_subtlv(uint8_t *t, uint8_t ae, const struct prefix *src)
{
    if (prefix_is_default_src(src))
        return 0;
    if (ae == AE_WILDCARD)
        return -1;
    uint8_t wplen, bytes[16];
    if (prefix_to_wire(src_family(ae), src, &wplen, bytes) < 0)
        return -1;
    size_t nb = plen_bytes(wplen);
    t[0] = SUBTLV_SOURCE_PREFIX;
    t[1] = (uint8_t)(1 + nb);
    t[2] = wplen;
    memcpy(t + 3, bytes, nb);
    return (int)(3 + nb);
}

int pkt_put_pad(struct pkt_writer *w, size_t n)
{
    uint8_t t[TLV_MAX] = {0};
    if (n == 0)
        return 0;
    if (n > TLV_MAX)
        return -1;
    t[0] = n == 1 ? TLV_PAD1 : TLV_PADN;
    if (n > 1)
        t[1] = (uint8_t)(n - 2);
    return commit(w, t, n);
}

int pkt_put_ack_req(struct pkt_writer *w, uint16_t nonce, uint16_t interval)
{
    uint8_t t[8] = {TLV_ACK_REQ, 6, 0, 0};
    put16(t + 4, nonce);
    put16(t + 6, interval);
    return commit(w, t, sizeof(t));
}

int pkt_put_ack(struct pkt_writer *w, uint16_t nonce)
{
    uint8_t t[4] = {TLV_ACK, 2};
    put16(t + 2, nonce);
    return commit(w, t, sizeof(t));
}

int pkt_put_hello(struct pkt_writer *w, const struct tlv_hello *h)
{
    uint8_t t[14] = {TLV_HELLO, 6};
    put16(t + 2, h->flags);
    put16(t + 4, h->seqno);
    put16(t + 6, h->interval);
    size_t n = 8;
    if (h->has_timestamp) {
        t[n++] = SUBTLV_TIMESTAMP;
        t[n++] = 4;
        put32(t + n, h->timestamp);
        n += 4;
    }
    t[1] = (uint8_t)(n - 2);
    return commit(w, t, n);
}

int pkt_put_ihu(struct pkt_writer *w, const struct tlv_ihu *ihu)
{
    static const uint8_t ll_prefix[8] = {0xfe, 0x80};
    uint8_t ae;
    if (ihu->ae == AE_WILDCARD)
        ae = AE_WILDCARD;
    else if (addr_is_v4(ihu->addr))
        ae = AE_IPV4;
    else if (memcmp(ihu->addr, ll_prefix, 8) == 0)
        ae = AE_IPV6_LL;
    else
        ae = AE_IPV6;
    const struct ae_geom *g = &ae_geoms[ae];
    uint8_t t[2 + 6 + 16 + 10] = {TLV_IHU, 0, ae, 0};
    put16(t + 4, ihu->rxcost);
    put16(t + 6, ihu->interval);
    size_t n = 8;
    memcpy(t + n, ihu->addr + g->off, g->len);
    n += g->len;
    if (ihu->has_timestamp) {
        t[n++] = SUBTLV_TIMESTAMP;
        t[n++] = 8;
        put32(t + n, ihu->ts_origin);
        put32(t + n + 4, ihu->ts_receive);
        n += 8;
    }
    t[1] = (uint8_t)(n - 2);
    return commit(w, t, n);
}

int pkt_put_update(struct pkt_writer *w, uint8_t ae, const struct tlv_update *u)
{
    uint8_t t[GROUP_MAX];
    size_t n = 0;
    /* Parser state changes are staged and only kept if the group fits. */
    struct pkt_writer next = *w;
    bool finite = u->metric != BABEL_INFINITY;

    if (ae == AE_WILDCARD) {
        if (finite || !prefix_is_default_src(&u->src_prefix))
            return -1;
        uint8_t *h = t;
        h[0] = TLV_UPDATE;
        h[1] = 10;
        h[2] = h[3] = h[4] = h[5] = 0;
        put16(h + 6, u->interval);
        put16(h + 8, u->seqno);
        put16(h + 10, u->metric);
        n = 12;
    } else {
        if (ae != AE_IPV4 && ae != AE_IPV6 && ae != AE_V4_VIA_V6)
            return -1;
        uint8_t wplen, bytes[16];
        if (prefix_to_wire(ae, &u->prefix, &wplen, bytes) < 0)
            return -1;

        if (u->have_router_id) {
            if (id_reserved(u->router_id))
                return -1;
            if (!next.have_router_id || memcmp(next.router_id, u->router_id, 8) != 0) {
                t[n++] = TLV_ROUTER_ID;
                t[n++] = 10;
                t[n++] = 0;
                t[n++] = 0;
                memcpy(t + n, u->router_id, 8);
                n += 8;
                memcpy(next.router_id, u->router_id, 8);
                next.have_router_id = true;
            }
        } else if (finite) {
            return -1;
        }

        if (ae == AE_IPV4) {
            if (addr_is_v4(u->nexthop)) {
                if (!next.have_nh_v4 || memcmp(next.nh_v4, u->nexthop, 16) != 0) {
                    t[n++] = TLV_NEXT_HOP;
                    t[n++] = 6;
                    t[n++] = AE_IPV4;
                    t[n++] = 0;
                    memcpy(t + n, u->nexthop + 12, 4);
                    n += 4;
                    memcpy(next.nh_v4, u->nexthop, 16);
                    next.have_nh_v4 = true;
                }
            } else if (finite) {
                /* A retraction needs no next hop; a route does. */
                return -1;
            }
        }

        size_t nb = plen_bytes(wplen);
        size_t omitted = 0;
        if (next.have_def[ae])
            while (omitted < nb && bytes[omitted] == next.def_prefix[ae][omitted])
                omitted++;
        /* Every Update becomes the new default: consecutive prefixes sent
         * in order share the most with their immediate predecessor. */
        memcpy(next.def_prefix[ae], bytes, 16);
        next.def_plen[ae] = wplen;
        next.have_def[ae] = true;

        uint8_t *h = t + n;
        h[0] = TLV_UPDATE;
        h[2] = ae;
        h[3] = UPDATE_FLAG_DEFAULT_PREFIX;
        h[4] = wplen;
        h[5] = (uint8_t)omitted;
        put16(h + 6, u->interval);
        put16(h + 8, u->seqno);
        put16(h + 10, u->metric);
        size_t tl = 12;
        memcpy(h + tl, bytes + omitted, nb - omitted);
        tl += nb - omitted;
        int s = put_src_subtlv(h + tl, ae, &u->src_prefix);
        if (s < 0)
            return -1;
        tl += (size_t)s;
        h[1] = (uint8_t)(tl - 2);
        n += tl;
    }

    if (n > w->cap - w->len)
        return -1;
    memcpy(w->buf + w->len, t, n);
    next.len = w->len + n;
    *w = next;
    return 0;
}

int pkt_put_route_req(struct pkt_writer *w, const struct tlv_route_req *r)
{
    uint8_t t[2 + 2 + 16 + 19] = {TLV_ROUTE_REQ, 0, r->ae, 0};
    size_t n = 4;
    if (r->ae != AE_WILDCARD) {
        uint8_t wplen, bytes[16];
        if (prefix_to_wire(r->ae, &r->prefix, &wplen, bytes) < 0)
            return -1;
        size_t nb = plen_bytes(wplen);
        t[3] = wplen;
        memcpy(t + n, bytes, nb);
        n += nb;
    }
    int s = put_src_subtlv(t + n, r->ae, &r->src_prefix);
    if (s < 0)
        return -1;
    n += (size_t)s;
    t[1] = (uint8_t)(n - 2);
    return commit(w, t, n);
}

int pkt_put_seqno_req(struct pkt_writer *w, const struct tlv_seqno_req *r)
{
    uint8_t t[2 + 14 + 16 + 19] = {TLV_SEQNO_REQ, 0, r->ae};
    uint8_t wplen, bytes[16];
    if (prefix_to_wire(r->ae, &r->prefix, &wplen, bytes) < 0)
        return -1;
    size_t nb = plen_bytes(wplen);
    t[3] = wplen;
    put16(t + 4, r->seqno);
    t[6] = r->hop_count;
    memcpy(t + 8, r->router_id, 8);
    size_t n = 16;
    memcpy(t + n, bytes, nb);
    n += nb;
    int s = put_src_subtlv(t + n, r->ae, &r->src_prefix);
    if (s < 0)
        return -1;
    n += (size_t)s;
    t[1] = (uint8_t)(n - 2);
    return commit(w, t, n);
}

int pkt_put_raw(struct pkt_writer *w, uint8_t type, const uint8_t *body, size_t len)
{
    uint8_t t[TLV_MAX];
    if (len > 255)
        return -1;
    t[0] = type;
    t[1] = (uint8_t)len;
    if (len)
        memcpy(t + 2, body, len);
    return commit(w, t, 2 + len);
}

int pkt_put_trailer(struct pkt_writer *w, uint8_t type, const uint8_t *body, size_t len)
{
    /* The header already says where the body ends; this only appends. */
    return pkt_put_raw(w, type, body, len);
}

uint8_t pkt_ae_for(const struct prefix *p, bool v4_via_v6)
{
    if (!prefix_is_v4(p))
        return AE_IPV6;
    return v4_via_v6 ? AE_V4_VIA_V6 : AE_IPV4;
}
