/* Unit tests of the packet codec.  Expected bytes are written out by hand
 * from the layouts of RFC 8966 section 4, RFC 9079, RFC 9229 and the RTT
 * extension, never produced by the code under test. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "babel/packet.h"

#define RID 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55
#define V6_DB8 0x20, 0x01, 0x0d, 0xb8

static const uint8_t rid[8] = {RID};
/* fe80::211:22ff:fe33:4455, the source of every packet read here. */
static const uint8_t src_ll[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, RID};

static struct prefix pfx(const char *s)
{
    struct prefix p;
    ck_assert_msg(prefix_parse(s, &p) == 0, "bad prefix %s", s);
    return p;
}

static void ck_prefix(const struct prefix *got, const char *want)
{
    char a[PREFIX_STRLEN];
    struct prefix w = pfx(want);
    ck_assert_msg(prefix_eq(got, &w), "got %s, want %s", prefix_fmt(got, a), want);
}

static void ck_addr(const uint8_t got[16], const char *want)
{
    uint8_t w[16];
    char a[ADDR_STRLEN];
    unit_addr(want, w);
    ck_assert_msg(memcmp(got, w, 16) == 0, "got %s, want %s", addr_fmt(got, a), want);
}

/* Puts a body behind a Babel header. */
static size_t wrap(uint8_t *pkt, const uint8_t *body, size_t n)
{
    pkt[0] = 42;
    pkt[1] = 2;
    pkt[2] = (uint8_t)(n >> 8);
    pkt[3] = (uint8_t)n;
    memcpy(pkt + 4, body, n);
    return n + 4;
}

static uint8_t pktbuf[2048];

static void open_body(struct pkt_reader *r, const uint8_t *body, size_t n)
{
    size_t len = wrap(pktbuf, body, n);
    ck_assert_int_eq(pkt_reader_init(r, pktbuf, len, src_ll), 0);
}

/* The writer produced exactly a header and then `exp`. */
static void ck_written(struct pkt_writer *w, const uint8_t *exp, size_t n)
{
    size_t len = pkt_writer_finish(w);
    ck_assert_uint_eq(len, 4 + n);
    ck_assert_uint_eq(w->buf[0], 42);
    ck_assert_uint_eq(w->buf[1], 2);
    ck_assert_uint_eq((size_t)(w->buf[2] << 8 | w->buf[3]), n);
    if (n)
        ck_assert_mem_eq(w->buf + 4, exp, n);
}

static void open_written(struct pkt_reader *r, struct pkt_writer *w)
{
    ck_assert_int_eq(pkt_reader_init(r, w->buf, pkt_writer_finish(w), src_ll), 0);
}

static void expect_tlv(struct pkt_reader *r, struct tlv *t, uint8_t type)
{
    enum pkt_read_result rc = pkt_read_next(r, t);
    ck_assert_msg(rc == PKT_TLV, "want TLV %u, got result %d (skip %d)", type, rc, r->last_skip);
    ck_assert_uint_eq(t->type, type);
}

static void expect_skip(struct pkt_reader *r, enum pkt_skip_reason why)
{
    struct tlv t;
    enum pkt_read_result rc = pkt_read_next(r, &t);
    ck_assert_msg(rc == PKT_SKIPPED, "want skip, got result %d", rc);
    ck_assert_int_eq(r->last_skip, why);
}

static void expect_end(struct pkt_reader *r)
{
    struct tlv t;
    ck_assert_int_eq(pkt_read_next(r, &t), PKT_END);
}

static void ck_update_eq(const struct tlv_update *a, const struct tlv_update *b)
{
    ck_assert_uint_eq(a->interval, b->interval);
    ck_assert_uint_eq(a->seqno, b->seqno);
    ck_assert_uint_eq(a->metric, b->metric);
    ck_assert(prefix_eq(&a->prefix, &b->prefix));
    ck_assert(prefix_eq(&a->src_prefix, &b->src_prefix));
    ck_assert_int_eq(a->have_router_id, b->have_router_id);
    ck_assert_mem_eq(a->router_id, b->router_id, 8);
}

static struct tlv_update mk_update(const char *prefix, const char *nexthop)
{
    struct tlv_update u;
    memset(&u, 0, sizeof(u));
    u.interval = 400;
    u.seqno = 7;
    u.metric = 96;
    u.prefix = pfx(prefix);
    prefix_default_src(&u.prefix, &u.src_prefix);
    memcpy(u.router_id, rid, 8);
    u.have_router_id = true;
    if (nexthop)
        unit_addr(nexthop, u.nexthop);
    return u;
}

/* ---- Header ---- */

START_TEST(header_checks)
{
    struct pkt_reader r;
    uint8_t p[16] = {42, 2, 0, 4, 1, 2, 0, 0, 16, 2, 0xaa, 0xbb};
    ck_assert_int_eq(pkt_reader_init(&r, p, 3, src_ll), -1);
    ck_assert_int_eq(pkt_reader_init(&r, p, 7, src_ll), -1); /* body runs past */
    ck_assert_int_eq(pkt_reader_init(&r, p, 8, src_ll), 0);
    ck_assert_uint_eq(r.body_len, 4);
    ck_assert_uint_eq(r.trailer_len, 0);
    expect_end(&r);

    ck_assert_int_eq(pkt_reader_init(&r, p, 12, src_ll), 0);
    ck_assert_uint_eq(r.trailer_len, 4);
    ck_assert_ptr_eq(r.trailer, p + 8);
    ck_assert_uint_eq(r.trailer[0], TLV_MAC);

    p[0] = 43;
    ck_assert_int_eq(pkt_reader_init(&r, p, 12, src_ll), -1);
    p[0] = 42;
    p[1] = 1;
    ck_assert_int_eq(pkt_reader_init(&r, p, 12, src_ll), -1);
}
END_TEST

START_TEST(writer_basics)
{
    uint8_t buf[64];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    ck_assert(pkt_writer_empty(&w));
    ck_written(&w, NULL, 0);
    ck_assert_int_eq(pkt_put_pad(&w, 1), 0);
    ck_assert(!pkt_writer_empty(&w));
    ck_assert_int_eq(pkt_put_pad(&w, 5), 0);
    static const uint8_t exp[] = {0, 1, 3, 0, 0, 0};
    ck_written(&w, exp, sizeof(exp));

    /* Pads are swallowed by the reader. */
    struct pkt_reader r;
    open_written(&r, &w);
    expect_end(&r);
}
END_TEST

/* ---- Golden bytes, one per TLV type, then read back ---- */

START_TEST(golden_ack_req_ack)
{
    uint8_t buf[64];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    ck_assert_int_eq(pkt_put_ack_req(&w, 0x1234, 400), 0);
    ck_assert_int_eq(pkt_put_ack(&w, 0xbeef), 0);
    static const uint8_t exp[] = {
        2, 6, 0, 0, 0x12, 0x34, 0x01, 0x90, /* Ack Req: reserved, nonce, interval */
        3, 2, 0xbe, 0xef,                   /* Ack: nonce */
    };
    ck_written(&w, exp, sizeof(exp));

    struct pkt_reader r;
    struct tlv t;
    open_written(&r, &w);
    expect_tlv(&r, &t, TLV_ACK_REQ);
    ck_assert_uint_eq(t.ack_req.nonce, 0x1234);
    ck_assert_uint_eq(t.ack_req.interval, 400);
    expect_tlv(&r, &t, TLV_ACK);
    ck_assert_uint_eq(t.ack.nonce, 0xbeef);
    expect_end(&r);
}
END_TEST

START_TEST(golden_hello)
{
    uint8_t buf[64];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    struct tlv_hello h = {.flags = HELLO_FLAG_UNICAST, .seqno = 0x0102, .interval = 400};
    ck_assert_int_eq(pkt_put_hello(&w, &h), 0);
    h.flags = 0;
    h.has_timestamp = true;
    h.timestamp = 0xdeadbeef;
    ck_assert_int_eq(pkt_put_hello(&w, &h), 0);
    static const uint8_t exp[] = {
        4, 6, 0x80, 0x00, 0x01, 0x02, 0x01, 0x90,
        4, 12, 0x00, 0x00, 0x01, 0x02, 0x01, 0x90, 3, 4, 0xde, 0xad, 0xbe, 0xef,
    };
    ck_written(&w, exp, sizeof(exp));

    struct pkt_reader r;
    struct tlv t;
    open_written(&r, &w);
    expect_tlv(&r, &t, TLV_HELLO);
    ck_assert_uint_eq(t.hello.flags, HELLO_FLAG_UNICAST);
    ck_assert_uint_eq(t.hello.seqno, 0x0102);
    ck_assert_uint_eq(t.hello.interval, 400);
    ck_assert(!t.hello.has_timestamp);
    expect_tlv(&r, &t, TLV_HELLO);
    ck_assert_uint_eq(t.hello.flags, 0);
    ck_assert(t.hello.has_timestamp);
    ck_assert_uint_eq(t.hello.timestamp, 0xdeadbeef);
    expect_end(&r);
}
END_TEST

START_TEST(golden_ihu)
{
    uint8_t buf[128];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    struct tlv_ihu ihu = {.ae = AE_IPV6, .rxcost = 96, .interval = 400};
    memcpy(ihu.addr, src_ll, 16);
    ihu.has_timestamp = true;
    ihu.ts_origin = 0x01020304;
    ihu.ts_receive = 0x05060708;
    ck_assert_int_eq(pkt_put_ihu(&w, &ihu), 0); /* link-local: AE 3 */
    ihu.has_timestamp = false;
    unit_addr("192.0.2.1", ihu.addr);
    ck_assert_int_eq(pkt_put_ihu(&w, &ihu), 0);
    unit_addr("2001:db8::1", ihu.addr);
    ck_assert_int_eq(pkt_put_ihu(&w, &ihu), 0);
    ihu.ae = AE_WILDCARD;
    ihu.rxcost = 0xffff;
    ck_assert_int_eq(pkt_put_ihu(&w, &ihu), 0);
    static const uint8_t exp[] = {
        5, 24, 3, 0, 0x00, 0x60, 0x01, 0x90, RID, 3, 8, 1, 2, 3, 4, 5, 6, 7, 8,
        5, 10, 1, 0, 0x00, 0x60, 0x01, 0x90, 192, 0, 2, 1,
        5, 22, 2, 0, 0x00, 0x60, 0x01, 0x90, V6_DB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        5, 6, 0, 0, 0xff, 0xff, 0x01, 0x90,
    };
    ck_written(&w, exp, sizeof(exp));

    struct pkt_reader r;
    struct tlv t;
    open_written(&r, &w);
    expect_tlv(&r, &t, TLV_IHU);
    ck_assert_uint_eq(t.ihu.ae, AE_IPV6_LL);
    ck_assert_uint_eq(t.ihu.rxcost, 96);
    ck_assert_uint_eq(t.ihu.interval, 400);
    ck_assert_mem_eq(t.ihu.addr, src_ll, 16);
    ck_assert(t.ihu.has_timestamp);
    ck_assert_uint_eq(t.ihu.ts_origin, 0x01020304);
    ck_assert_uint_eq(t.ihu.ts_receive, 0x05060708);
    expect_tlv(&r, &t, TLV_IHU);
    ck_assert_uint_eq(t.ihu.ae, AE_IPV4);
    ck_addr(t.ihu.addr, "192.0.2.1");
    ck_assert(!t.ihu.has_timestamp);
    expect_tlv(&r, &t, TLV_IHU);
    ck_assert_uint_eq(t.ihu.ae, AE_IPV6);
    ck_addr(t.ihu.addr, "2001:db8::1");
    expect_tlv(&r, &t, TLV_IHU);
    ck_assert_uint_eq(t.ihu.ae, AE_WILDCARD);
    ck_assert_uint_eq(t.ihu.rxcost, 0xffff);
    ck_assert(addr_is_zero(t.ihu.addr));
    expect_end(&r);
}
END_TEST

START_TEST(golden_update_v4)
{
    uint8_t buf[128];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    struct tlv_update u = mk_update("10.1.0.0/16", "192.0.2.1");
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV4, &u), 0);
    static const uint8_t exp[] = {
        6, 10, 0, 0, RID,                   /* Router-Id */
        7, 6, 1, 0, 192, 0, 2, 1,           /* Next Hop AE 1 */
        8, 12, 1, 0x80, 16, 0, 0x01, 0x90,  /* Update: AE, flags, plen, omitted, interval */
        0x00, 0x07, 0x00, 0x60, 10, 1,      /* seqno, metric, prefix */
    };
    ck_written(&w, exp, sizeof(exp));

    struct pkt_reader r;
    struct tlv t;
    open_written(&r, &w);
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_update_eq(&t.update, &u);
    ck_assert_uint_eq(t.update.ae, AE_IPV4);
    ck_assert_uint_eq(t.update.flags, UPDATE_FLAG_DEFAULT_PREFIX);
    ck_prefix(&t.update.src_prefix, "0.0.0.0/0");
    ck_addr(t.update.nexthop, "192.0.2.1");
    expect_end(&r);
}
END_TEST

START_TEST(golden_update_v6_src)
{
    uint8_t buf[128];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    struct tlv_update u = mk_update("2001:db8:1::/48", NULL);
    u.src_prefix = pfx("2001:db8:ff::/56");
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV6, &u), 0);
    static const uint8_t exp[] = {
        6, 10, 0, 0, RID,
        8, 26, 2, 0x80, 48, 0, 0x01, 0x90, 0x00, 0x07, 0x00, 0x60, V6_DB8, 0x00, 0x01,
        128, 8, 56, V6_DB8, 0x00, 0xff, 0x00, /* source prefix: plen, 7 bytes */
    };
    ck_written(&w, exp, sizeof(exp));

    struct pkt_reader r;
    struct tlv t;
    open_written(&r, &w);
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_update_eq(&t.update, &u);
    ck_prefix(&t.update.src_prefix, "2001:db8:ff::/56");
    ck_assert_mem_eq(t.update.nexthop, src_ll, 16); /* no Next Hop: the source */
    expect_end(&r);
}
END_TEST

START_TEST(golden_update_v4_via_v6)
{
    uint8_t buf[128];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    struct tlv_update u = mk_update("10.2.0.0/16", NULL);
    u.src_prefix = pfx("192.168.0.0/16");
    ck_assert_int_eq(pkt_ae_for(&u.prefix, true), AE_V4_VIA_V6);
    ck_assert_int_eq(pkt_put_update(&w, AE_V4_VIA_V6, &u), 0);
    static const uint8_t exp[] = {
        6, 10, 0, 0, RID, /* and no Next Hop: AE 4 uses the IPv6 one */
        8, 17, 4, 0x80, 16, 0, 0x01, 0x90, 0x00, 0x07, 0x00, 0x60, 10, 2,
        128, 3, 16, 192, 168,
    };
    ck_written(&w, exp, sizeof(exp));

    struct pkt_reader r;
    struct tlv t;
    open_written(&r, &w);
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_assert_uint_eq(t.update.ae, AE_V4_VIA_V6);
    ck_update_eq(&t.update, &u);
    ck_assert_mem_eq(t.update.nexthop, src_ll, 16);
    expect_end(&r);

    /* After a Next Hop AE 2 the IPv6 next hop is that address instead. */
    static const uint8_t body[] = {
        6, 10, 0, 0, RID,
        7, 18, 2, 0, V6_DB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99,
        8, 13, 4, 0, 24, 0, 0x01, 0x90, 0x00, 0x07, 0x00, 0x60, 10, 3, 4,
    };
    open_body(&r, body, sizeof(body));
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_prefix(&t.update.prefix, "10.3.4.0/24");
    ck_prefix(&t.update.src_prefix, "0.0.0.0/0");
    ck_addr(t.update.nexthop, "2001:db8::99");
    expect_end(&r);
}
END_TEST

START_TEST(golden_update_wildcard)
{
    uint8_t buf[64];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    struct tlv_update u;
    memset(&u, 0, sizeof(u));
    u.interval = 400;
    u.seqno = 7;
    u.metric = BABEL_INFINITY;
    ck_assert_int_eq(pkt_put_update(&w, AE_WILDCARD, &u), 0);
    static const uint8_t exp[] = {8, 10, 0, 0, 0, 0, 0x01, 0x90, 0x00, 0x07, 0xff, 0xff};
    ck_written(&w, exp, sizeof(exp));

    struct pkt_reader r;
    struct tlv t;
    open_written(&r, &w);
    expect_tlv(&r, &t, TLV_UPDATE); /* no router-id needed for a retraction */
    ck_assert_uint_eq(t.update.ae, AE_WILDCARD);
    ck_assert_uint_eq(t.update.metric, BABEL_INFINITY);
    ck_prefix(&t.update.prefix, "::/0");
    ck_assert(prefix_is_default_src(&t.update.src_prefix));
    ck_assert(!t.update.have_router_id);
    expect_end(&r);

    u.metric = 5;
    ck_assert_int_eq(pkt_put_update(&w, AE_WILDCARD, &u), -1);
}
END_TEST

START_TEST(golden_requests)
{
    uint8_t buf[128];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    struct tlv_route_req rq;
    memset(&rq, 0, sizeof(rq));
    ck_assert_int_eq(pkt_put_route_req(&w, &rq), 0); /* wildcard */
    rq.ae = AE_IPV6;
    rq.prefix = pfx("2001:db8:1::/48");
    rq.src_prefix = pfx("2001:db8:ff::/48");
    ck_assert_int_eq(pkt_put_route_req(&w, &rq), 0);
    struct tlv_seqno_req sq;
    memset(&sq, 0, sizeof(sq));
    sq.ae = AE_IPV4;
    sq.seqno = 0x0102;
    sq.hop_count = 64;
    memcpy(sq.router_id, rid, 8);
    sq.prefix = pfx("10.1.0.0/16");
    prefix_default_src(&sq.prefix, &sq.src_prefix);
    ck_assert_int_eq(pkt_put_seqno_req(&w, &sq), 0);
    static const uint8_t exp[] = {
        9, 2, 0, 0,
        9, 17, 2, 48, V6_DB8, 0x00, 0x01, 128, 7, 48, V6_DB8, 0x00, 0xff,
        10, 16, 1, 16, 0x01, 0x02, 64, 0, RID, 10, 1,
    };
    ck_written(&w, exp, sizeof(exp));

    struct pkt_reader r;
    struct tlv t;
    open_written(&r, &w);
    expect_tlv(&r, &t, TLV_ROUTE_REQ);
    ck_assert_uint_eq(t.route_req.ae, AE_WILDCARD);
    ck_assert_uint_eq(t.route_req.prefix.plen, 0);
    ck_assert(addr_is_zero(t.route_req.prefix.addr));
    ck_assert(prefix_is_default_src(&t.route_req.src_prefix));
    expect_tlv(&r, &t, TLV_ROUTE_REQ);
    ck_assert_uint_eq(t.route_req.ae, AE_IPV6);
    ck_prefix(&t.route_req.prefix, "2001:db8:1::/48");
    ck_prefix(&t.route_req.src_prefix, "2001:db8:ff::/48");
    expect_tlv(&r, &t, TLV_SEQNO_REQ);
    ck_assert_uint_eq(t.seqno_req.ae, AE_IPV4);
    ck_assert_uint_eq(t.seqno_req.seqno, 0x0102);
    ck_assert_uint_eq(t.seqno_req.hop_count, 64);
    ck_assert_mem_eq(t.seqno_req.router_id, rid, 8);
    ck_prefix(&t.seqno_req.prefix, "10.1.0.0/16");
    ck_prefix(&t.seqno_req.src_prefix, "0.0.0.0/0");
    expect_end(&r);
}
END_TEST

START_TEST(golden_raw)
{
    uint8_t buf[600];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    static const uint8_t body[3] = {1, 2, 3};
    ck_assert_int_eq(pkt_put_raw(&w, 224, body, 3), 0);
    ck_assert_int_eq(pkt_put_raw(&w, TLV_PC, body, 2), 0);
    ck_assert_int_eq(pkt_put_raw(&w, TLV_CHALLENGE_REQ, NULL, 0), 0);
    ck_assert_int_eq(pkt_put_raw(&w, TLV_CHALLENGE_REPLY, body, 1), 0);
    ck_assert_int_eq(pkt_put_raw(&w, 254, body, 1), 0);
    uint8_t big[256] = {0};
    ck_assert_int_eq(pkt_put_raw(&w, 224, big, 256), -1);
    static const uint8_t exp[] = {224, 3, 1, 2, 3, 17, 2, 1, 2, 18, 0, 19, 1, 1, 254, 1, 1};
    ck_written(&w, exp, sizeof(exp));

    struct pkt_reader r;
    struct tlv t;
    open_written(&r, &w);
    expect_tlv(&r, &t, 224);
    ck_assert_uint_eq(t.raw.len, 3);
    ck_assert_mem_eq(t.raw.body, body, 3);
    expect_tlv(&r, &t, TLV_PC);
    ck_assert_uint_eq(t.raw.len, 2);
    expect_tlv(&r, &t, TLV_CHALLENGE_REQ);
    ck_assert_uint_eq(t.raw.len, 0);
    expect_tlv(&r, &t, TLV_CHALLENGE_REPLY);
    expect_tlv(&r, &t, 254);
    expect_end(&r);
}
END_TEST

/* ---- Prefix compression and parser state ---- */

START_TEST(compression_round_trip)
{
    uint8_t buf[512];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    static const struct {
        const char *prefix;
        uint8_t ae;
    } seq[] = {
        {"2001:db8:1::/48", AE_IPV6},   {"2001:db8:1:1::/64", AE_IPV6},
        {"2001:db8:2::/48", AE_IPV6},   {"10.0.0.0/8", AE_IPV4},
        {"10.1.0.0/16", AE_IPV4},       {"10.1.0.0/16", AE_V4_VIA_V6},
        {"2001:db8:2::/48", AE_IPV6},   {"10.1.2.128/25", AE_V4_VIA_V6},
    };
    struct tlv_update u[8];
    for (int i = 0; i < 8; i++) {
        u[i] = mk_update(seq[i].prefix, "192.0.2.1");
        u[i].seqno = (uint16_t)i;
        ck_assert_int_eq(pkt_put_update(&w, seq[i].ae, &u[i]), 0);
    }
    /* An Update's length is its 10 fixed bytes plus the prefix bytes sent. */
#define UPD(len, ae, plen, omitted, seqno) \
    8, len, ae, 0x80, plen, omitted, 0x01, 0x90, 0, seqno, 0, 0x60
    static const uint8_t exp[] = {
        6, 10, 0, 0, RID,
        UPD(16, 2, 48, 0, 0), V6_DB8, 0, 1,
        UPD(11, 2, 64, 7, 1), 1,        /* shares 2001:0db8:0001:00 */
        UPD(11, 2, 48, 5, 2), 2,        /* shares 2001:0db8:00 */
        7, 6, 1, 0, 192, 0, 2, 1,
        UPD(11, 1, 8, 0, 3), 10,        /* first AE 1: nothing to share */
        UPD(11, 1, 16, 1, 4), 1,
        UPD(12, 4, 16, 0, 5), 10, 1,    /* AE 4 shares nothing with AE 1 */
        UPD(10, 2, 48, 6, 6),           /* identical: all bytes omitted */
        UPD(12, 4, 25, 2, 7), 2, 128,
    };
#undef UPD
    ck_written(&w, exp, sizeof(exp));

    struct pkt_reader r;
    struct tlv t;
    open_written(&r, &w);
    for (int i = 0; i < 8; i++) {
        expect_tlv(&r, &t, TLV_UPDATE);
        ck_assert_uint_eq(t.update.ae, seq[i].ae);
        ck_update_eq(&t.update, &u[i]);
        if (seq[i].ae == AE_IPV4)
            ck_addr(t.update.nexthop, "192.0.2.1");
        else
            ck_assert_mem_eq(t.update.nexthop, src_ll, 16);
    }
    expect_end(&r);
}
END_TEST

/* Compressed by hand: only Updates with the 0x80 flag move the default. */
START_TEST(compression_hand_built)
{
    static const uint8_t body[] = {
        6, 10, 0, 0, RID,
        8, 18, 2, 0x80, 64, 0, 0, 100, 0, 1, 0, 10, V6_DB8, 0, 0, 0, 1, /* 2001:db8:0:1::/64 */
        8, 11, 2, 0, 64, 7, 0, 100, 0, 1, 0, 10, 2,                    /* 2001:db8:0:2::/64 */
        8, 11, 2, 0, 56, 6, 0, 100, 0, 1, 0, 10, 5,                    /* 2001:db8:0:500::/56 */
        8, 12, 2, 0x80, 48, 4, 0, 100, 0, 1, 0, 10, 0, 7,              /* 2001:db8:7::/48 */
        8, 12, 2, 0, 64, 6, 0, 100, 0, 1, 0, 10, 0, 9,                 /* 2001:db8:7:9::/64 */
        8, 10, 2, 0, 16, 4, 0, 100, 0, 1, 0, 10,                       /* omitted > nb: 2001::/16 */
        8, 13, 1, 0x80, 24, 0, 0, 100, 0, 1, 0, 10, 10, 1, 2,          /* 10.1.2.0/24 */
        8, 11, 1, 0, 24, 2, 0, 100, 0, 1, 0, 10, 3,                    /* 10.1.3.0/24 */
    };
    static const char *want[] = {
        "2001:db8:0:1::/64", "2001:db8:0:2::/64", "2001:db8:0:500::/56", "2001:db8:7::/48",
        "2001:db8:7:9::/64", "2001::/16",         "10.1.2.0/24",         "10.1.3.0/24",
    };
    struct pkt_reader r;
    struct tlv t;
    open_body(&r, body, sizeof(body));
    for (int i = 0; i < 8; i++) {
        expect_tlv(&r, &t, TLV_UPDATE);
        ck_prefix(&t.update.prefix, want[i]);
        ck_assert_uint_eq(t.update.interval, 100);
        ck_assert_uint_eq(t.update.metric, 10);
        ck_assert(t.update.have_router_id);
        ck_assert_mem_eq(t.update.router_id, rid, 8);
    }
    expect_end(&r);
    ck_assert(r.have_def[AE_IPV6]);
    ck_assert_uint_eq(r.def_plen[AE_IPV6], 48);
}
END_TEST

START_TEST(router_id_flag)
{
    static const uint8_t body[] = {
        /* 2001:db8::211:22ff:fe33:4455/128, router-id from its last 8 bytes,
         * with no Router-Id TLV before it. */
        8, 26, 2, 0xc0, 128, 0, 0, 100, 0, 1, 0, 10, V6_DB8, 0, 0, 0, 0, RID,
        /* 2001:db8::1/128 from the default: same router-id carried on. */
        8, 18, 2, 0, 128, 8, 0, 100, 0, 2, 0, 10, 0, 0, 0, 0, 0, 0, 0, 1,
        /* A Router-Id TLV replaces it. */
        6, 10, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
        8, 10, 2, 0, 64, 8, 0, 100, 0, 3, 0, 10,
    };
    static const uint8_t id2[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct pkt_reader r;
    struct tlv t;
    open_body(&r, body, sizeof(body));
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_prefix(&t.update.prefix, "2001:db8::211:22ff:fe33:4455/128");
    ck_assert_uint_eq(t.update.flags, 0xc0);
    ck_assert(t.update.have_router_id);
    ck_assert_mem_eq(t.update.router_id, rid, 8);
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_prefix(&t.update.prefix, "2001:db8::1/128");
    ck_assert_mem_eq(t.update.router_id, rid, 8);
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_prefix(&t.update.prefix, "2001:db8::/64");
    ck_assert_mem_eq(t.update.router_id, id2, 8);
    expect_end(&r);

    /* A flag that derives a reserved id voids the Update and forgets the
     * current id, like a Router-Id TLV carrying one would. */
    static const uint8_t reserved[] = {
        6, 10, 0, 0, RID,
        8, 26, 2, 0x40, 128, 0, 0, 100, 0, 1, 0xff, 0xff, V6_DB8, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
        8, 14, 2, 0, 32, 0, 0, 100, 0, 1, 0, 10, V6_DB8,
    };
    open_body(&r, reserved, sizeof(reserved));
    expect_skip(&r, SKIP_MALFORMED);
    expect_skip(&r, SKIP_NO_ROUTER_ID);
    expect_end(&r);

    /* Nor will the writer send one. */
    uint8_t buf[64];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    struct tlv_update u = mk_update("2001:db8::/32", NULL);
    memset(u.router_id, 0, 8);
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV6, &u), -1);
    memset(u.router_id, 0xff, 8);
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV6, &u), -1);
    ck_assert(pkt_writer_empty(&w));
}
END_TEST

START_TEST(next_hops)
{
    static const uint8_t body[] = {
        6, 10, 0, 0, RID,
        8, 13, 1, 0, 24, 0, 0, 100, 0, 1, 0, 10, 10, 1, 2, /* no v4 next hop yet */
        7, 6, 1, 0, 192, 0, 2, 7,
        8, 13, 1, 0, 24, 0, 0, 100, 0, 1, 0, 10, 10, 1, 3,
        7, 10, 3, 0, 0, 0, 0, 0, 0, 0, 0, 5,                /* fe80::5 */
        8, 14, 2, 0, 32, 0, 0, 100, 0, 1, 0, 10, V6_DB8,
        8, 13, 1, 0, 24, 0, 0, 100, 0, 1, 0, 10, 10, 1, 4,  /* v4 one unchanged */
        /* AE 3 prefix: fe80::/64 plus the wire bits. */
        8, 18, 3, 0, 64, 0, 0, 100, 0, 1, 0, 10, 0, 0, 0, 0, 0, 0, 0, 9,
    };
    struct pkt_reader r;
    struct tlv t;
    open_body(&r, body, sizeof(body));
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_assert(addr_is_zero(t.update.nexthop));
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_addr(t.update.nexthop, "192.0.2.7");
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_prefix(&t.update.prefix, "2001:db8::/32");
    ck_addr(t.update.nexthop, "fe80::5");
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_addr(t.update.nexthop, "192.0.2.7");
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_assert_uint_eq(t.update.ae, AE_IPV6_LL);
    ck_prefix(&t.update.prefix, "fe80::9/128");
    ck_addr(t.update.nexthop, "fe80::5");
    expect_end(&r);
}
END_TEST

/* ---- Sub-TLVs and unknown things ---- */

START_TEST(source_prefix_subtlv)
{
    static const uint8_t body[] = {
        6, 10, 0, 0, RID,
        /* Pad1, PadN, then the source prefix 10.0.0.0/8 for an AE 1 route. */
        8, 20, 1, 0, 24, 0, 0, 100, 0, 1, 0, 10, 10, 1, 2, 0, 1, 0, 128, 2, 8, 10,
        9, 8, 2, 16, 0x20, 0x01, 128, 2, 8, 0xfc,          /* route req, src fc00::/8 */
        8, 15, 2, 0, 16, 0, 0, 100, 0, 1, 0, 10, 0x20, 0x01, 128, 1, 0, /* src plen 0 */
        8, 16, 2, 0, 16, 0, 0, 100, 0, 1, 0, 10, 0x20, 0x01, 128, 2, 129, 0, /* too long */
        8, 15, 1, 0, 8, 0, 0, 100, 0, 1, 0, 10, 10, 128, 2, 33, 0,    /* > 32 for AE 1 */
        8, 16, 2, 0, 16, 0, 0, 100, 0, 1, 0, 10, 0x20, 0x01, 128, 2, 16, 0x20, /* short */
        /* two source prefixes */
        8, 20, 2, 0, 16, 0, 0, 100, 0, 1, 0, 10, 0x20, 0x01, 128, 2, 8, 0xfc, 128, 2, 8, 0xfd,
        9, 6, 0, 0, 128, 2, 8, 0xfc,                       /* wildcard request with a source */
        4, 11, 0, 0, 0, 1, 0, 100, 128, 2, 8, 0xfc, 0,     /* not allowed in a Hello */
        10, 20, 2, 16, 0, 1, 1, 0, RID, 0x20, 0x01, 128, 2, 8, 0xfc,
    };
    struct pkt_reader r;
    struct tlv t;
    open_body(&r, body, sizeof(body));
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_prefix(&t.update.prefix, "10.1.2.0/24");
    ck_prefix(&t.update.src_prefix, "10.0.0.0/8");
    expect_tlv(&r, &t, TLV_ROUTE_REQ);
    ck_prefix(&t.route_req.prefix, "2001::/16");
    ck_prefix(&t.route_req.src_prefix, "fc00::/8");
    expect_skip(&r, SKIP_MALFORMED);
    expect_skip(&r, SKIP_MALFORMED);
    expect_skip(&r, SKIP_MALFORMED);
    expect_skip(&r, SKIP_MALFORMED);
    expect_skip(&r, SKIP_MALFORMED);
    expect_skip(&r, SKIP_MALFORMED);
    expect_skip(&r, SKIP_MANDATORY_SUBTLV);
    expect_tlv(&r, &t, TLV_SEQNO_REQ);
    ck_prefix(&t.seqno_req.prefix, "2001::/16");
    ck_prefix(&t.seqno_req.src_prefix, "fc00::/8");
    expect_end(&r);
}
END_TEST

START_TEST(mandatory_subtlv)
{
    static const uint8_t body[] = {
        6, 10, 0, 0, RID,
        /* Unknown mandatory sub-TLV 200: this Update is void, but its
         * default prefix still holds for the next one. */
        8, 19, 2, 0x80, 48, 0, 0, 100, 0, 1, 0, 10, V6_DB8, 0, 1, 200, 1, 0,
        8, 12, 2, 0, 64, 6, 0, 100, 0, 1, 0, 10, 0, 2,
        /* Unknown optional sub-TLV 5 and padding: ignored. */
        4, 14, 0, 0, 0, 1, 0, 100, 0, 1, 1, 0, 5, 2, 0xaa, 0xbb,
        4, 9, 0, 0, 0, 2, 0, 100, 255, 1, 0,
        4, 6, 0, 0, 0, 3, 0, 100,
        /* A sub-TLV overrunning its TLV. */
        4, 9, 0, 0, 0, 4, 0, 100, 1, 5, 0,
        4, 6, 0, 0, 0, 5, 0, 100,
        /* Timestamp of the wrong size: ignored. */
        4, 11, 0, 0, 0, 6, 0, 100, 3, 3, 1, 2, 3,
        /* Mandatory sub-TLVs in an Ack void it as well. */
        3, 5, 0, 1, 129, 1, 0,
    };
    struct pkt_reader r;
    struct tlv t;
    open_body(&r, body, sizeof(body));
    expect_skip(&r, SKIP_MANDATORY_SUBTLV);
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_prefix(&t.update.prefix, "2001:db8:1:2::/64");
    expect_tlv(&r, &t, TLV_HELLO);
    ck_assert_uint_eq(t.hello.seqno, 1);
    expect_skip(&r, SKIP_MANDATORY_SUBTLV);
    expect_tlv(&r, &t, TLV_HELLO);
    ck_assert_uint_eq(t.hello.seqno, 3);
    expect_skip(&r, SKIP_MALFORMED);
    expect_tlv(&r, &t, TLV_HELLO);
    ck_assert_uint_eq(t.hello.seqno, 5);
    expect_tlv(&r, &t, TLV_HELLO);
    ck_assert_uint_eq(t.hello.seqno, 6);
    ck_assert(!t.hello.has_timestamp);
    expect_skip(&r, SKIP_MANDATORY_SUBTLV);
    expect_end(&r);
}
END_TEST

START_TEST(unknown_tlv)
{
    static const uint8_t body[] = {
        50, 3, 1, 2, 3,
        16, 2, 0, 0, /* MAC belongs in the trailer only */
        255, 0,
        4, 6, 0, 0, 0, 9, 0, 100,
        /* Unknown AEs. */
        8, 10, 9, 0, 0, 0, 0, 100, 0, 1, 0xff, 0xff,
        5, 6, 7, 0, 0, 96, 0, 100,
        5, 10, 4, 0, 0, 96, 0, 100, 10, 0, 0, 1, /* AE 4 is for prefixes only */
        9, 2, 5, 0,
        10, 14, 6, 0, 0, 1, 1, 0, RID,
        7, 6, 4, 0, 10, 0, 0, 1,
        3, 2, 0, 7,
    };
    struct pkt_reader r;
    struct tlv t;
    open_body(&r, body, sizeof(body));
    expect_skip(&r, SKIP_UNKNOWN_TYPE);
    expect_skip(&r, SKIP_UNKNOWN_TYPE);
    expect_skip(&r, SKIP_UNKNOWN_TYPE);
    expect_tlv(&r, &t, TLV_HELLO);
    ck_assert_uint_eq(t.hello.seqno, 9);
    for (int i = 0; i < 6; i++)
        expect_skip(&r, SKIP_UNKNOWN_AE);
    expect_tlv(&r, &t, TLV_ACK);
    ck_assert_uint_eq(t.ack.nonce, 7);
    expect_end(&r);
}
END_TEST

START_TEST(truncated_tlv)
{
    static const uint8_t body[] = {
        4, 6, 0, 0, 0, 1, 0, 100,
        4, 20, 0, 0, 0, 2, 0, 100,
    };
    struct pkt_reader r;
    struct tlv t;
    open_body(&r, body, sizeof(body));
    expect_tlv(&r, &t, TLV_HELLO);
    ck_assert_int_eq(pkt_read_next(&r, &t), PKT_TRUNCATED);
    expect_end(&r);

    /* A lone type byte with no room for its length. */
    static const uint8_t lone[] = {0, 0, 4};
    open_body(&r, lone, sizeof(lone));
    ck_assert_int_eq(pkt_read_next(&r, &t), PKT_TRUNCATED);
}
END_TEST

/* ---- Malformed contents ---- */

START_TEST(malformed)
{
    static const uint8_t body[] = {
        /* Finite metric before any router-id; a retraction is fine. */
        8, 13, 1, 0, 24, 0, 0, 100, 0, 1, 0, 10, 10, 1, 2,
        8, 13, 1, 0, 24, 0, 0, 100, 0, 1, 0xff, 0xff, 10, 1, 2,
        6, 10, 0, 0, RID,
        /* Omitted with no default prefix yet. */
        8, 10, 2, 0, 16, 2, 0, 100, 0, 1, 0, 10,
        8, 13, 1, 0x80, 24, 0, 0, 100, 0, 1, 0, 10, 10, 1, 2,
        /* Omitted longer than an IPv4 address. */
        8, 10, 1, 0, 32, 5, 0, 100, 0, 1, 0, 10,
        /* Prefix lengths beyond the AE. */
        8, 14, 1, 0, 33, 0, 0, 100, 0, 1, 0, 10, 10, 1, 2, 3,
        8, 10, 2, 0, 129, 16, 0, 100, 0, 1, 0, 10,
        8, 10, 3, 0, 65, 0, 0, 100, 0, 1, 0, 10,
        8, 10, 4, 0, 33, 0, 0, 100, 0, 1, 0, 10,
        /* Prefix longer than the TLV. */
        8, 14, 2, 0, 64, 0, 0, 100, 0, 1, 0, 10, V6_DB8,
        /* Wildcard Update: finite metric, a length, the router-id flag. */
        8, 10, 0, 0, 0, 0, 0, 100, 0, 1, 0, 10,
        8, 10, 0, 0, 8, 0, 0, 100, 0, 1, 0xff, 0xff,
        8, 10, 0, 0x40, 0, 0, 0, 100, 0, 1, 0xff, 0xff,
        /* Short fixed parts. */
        8, 9, 2, 0, 0, 0, 0, 100, 0, 1, 0,
        4, 5, 0, 0, 0, 1, 0,
        5, 9, 2, 0, 0, 96, 0, 100, 0xfe, 0x80, 0,
        2, 4, 0, 0, 0, 1,
        3, 1, 0,
        9, 1, 2,
        9, 3, 2, 16, 0x20,
        9, 2, 0, 8,
        10, 13, 2, 16, 0, 1, 1, 0, 1, 2, 3, 4, 5, 6, 7,
        10, 14, 0, 0, 0, 1, 1, 0, RID,
        10, 16, 1, 33, 0, 1, 1, 0, RID, 10, 0,
        7, 4, 2, 0, 0x20, 0x01,
        7, 2, 0, 0,
        /* The v4 default prefix survived all that. */
        8, 10, 1, 0, 24, 3, 0, 100, 0, 1, 0, 10,
        /* A reserved router-id forgets the old one. */
        6, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        8, 10, 1, 0, 24, 3, 0, 100, 0, 1, 0, 10,
        6, 10, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        6, 8, 0, 0, 1, 2, 3, 4, 5, 6,
    };
    static const enum pkt_skip_reason want[] = {
        SKIP_NO_ROUTER_ID, SKIP_NONE,
        SKIP_MALFORMED, SKIP_NONE,
        SKIP_MALFORMED,
        SKIP_MALFORMED, SKIP_MALFORMED, SKIP_MALFORMED, SKIP_MALFORMED,
        SKIP_MALFORMED,
        SKIP_MALFORMED, SKIP_MALFORMED, SKIP_MALFORMED,
        SKIP_MALFORMED, SKIP_MALFORMED, SKIP_MALFORMED, SKIP_MALFORMED, SKIP_MALFORMED,
        SKIP_MALFORMED, SKIP_MALFORMED, SKIP_MALFORMED, SKIP_MALFORMED, SKIP_MALFORMED,
        SKIP_MALFORMED, SKIP_MALFORMED, SKIP_MALFORMED,
        SKIP_NONE,
        SKIP_MALFORMED, SKIP_NO_ROUTER_ID, SKIP_MALFORMED, SKIP_MALFORMED,
    };
    struct pkt_reader r;
    struct tlv t;
    open_body(&r, body, sizeof(body));
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        enum pkt_read_result rc = pkt_read_next(&r, &t);
        if (want[i] == SKIP_NONE) {
            ck_assert_msg(rc == PKT_TLV, "item %zu: result %d skip %d", i, rc, r.last_skip);
            ck_assert_uint_eq(t.type, TLV_UPDATE);
        } else {
            ck_assert_msg(rc == PKT_SKIPPED && r.last_skip == want[i],
                          "item %zu: result %d skip %d, want skip %d", i, rc, r.last_skip,
                          want[i]);
        }
        if (i == 1) {
            ck_assert_uint_eq(t.update.metric, BABEL_INFINITY);
            ck_assert(!t.update.have_router_id);
        }
        if (i == 26)
            ck_prefix(&t.update.prefix, "10.1.2.0/24");
    }
    expect_end(&r);
}
END_TEST

/* IPv6 prefixes inside ::ffff:0:0/96 would read as IPv4 routes. */
START_TEST(v4_mapped_v6)
{
#define MAPPED 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
    static const uint8_t body[] = {
        6, 10, 0, 0, RID,
        8, 23, 2, 0, 104, 0, 0, 100, 0, 1, 0, 10, MAPPED, 10,
        9, 15, 2, 104, MAPPED, 10,
        8, 27, 2, 0, 16, 0, 0, 100, 0, 1, 0, 10, 0x20, 0x01, 128, 13, 96, MAPPED,
        7, 18, 2, 0, MAPPED, 1, 2, 3, 4,
        /* Just below the mapped range is fine. */
        8, 22, 2, 0, 96, 0, 0, 100, 0, 1, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe,
    };
#undef MAPPED
    struct pkt_reader r;
    struct tlv t;
    open_body(&r, body, sizeof(body));
    for (int i = 0; i < 4; i++)
        expect_skip(&r, SKIP_MALFORMED);
    expect_tlv(&r, &t, TLV_UPDATE);
    ck_prefix(&t.update.prefix, "::fffe:0:0/96");
    ck_assert(!prefix_is_v4(&t.update.prefix));
    ck_assert_mem_eq(t.update.nexthop, src_ll, 16);
    expect_end(&r);
}
END_TEST

/* Every cut of a valid packet, both as a short datagram and with the header's
 * length shortened to match, in a buffer of exactly that size so that ASan
 * catches any read past it. */
START_TEST(every_prefix_length)
{
    uint8_t buf[1024];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    struct tlv_hello h = {.seqno = 1, .interval = 400, .has_timestamp = true, .timestamp = 5};
    struct tlv_ihu ihu = {.ae = AE_IPV6, .rxcost = 96, .interval = 400, .has_timestamp = true};
    memcpy(ihu.addr, src_ll, 16);
    ck_assert_int_eq(pkt_put_hello(&w, &h), 0);
    ck_assert_int_eq(pkt_put_ihu(&w, &ihu), 0);
    ck_assert_int_eq(pkt_put_ack_req(&w, 1, 2), 0);
    ck_assert_int_eq(pkt_put_pad(&w, 1), 0);
    const char *v6[] = {"2001:db8:1::/48", "2001:db8:1:1::/64", "2001:db8::1/128"};
    for (int i = 0; i < 3; i++) {
        struct tlv_update u = mk_update(v6[i], NULL);
        if (i == 1)
            u.src_prefix = pfx("2001:db8:ff::/56");
        ck_assert_int_eq(pkt_put_update(&w, AE_IPV6, &u), 0);
    }
    struct tlv_update u4 = mk_update("10.1.0.0/16", "192.0.2.1");
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV4, &u4), 0);
    ck_assert_int_eq(pkt_put_update(&w, AE_V4_VIA_V6, &u4), 0);
    struct tlv_seqno_req sq = {.ae = AE_IPV6, .seqno = 3, .hop_count = 2};
    sq.prefix = pfx("2001:db8:1::/48");
    sq.src_prefix = pfx("2001:db8:ff::/56");
    ck_assert_int_eq(pkt_put_seqno_req(&w, &sq), 0);
    ck_assert_int_eq(pkt_put_raw(&w, 230, (const uint8_t *)"xyz", 3), 0);
    ck_assert_int_eq(pkt_put_pad(&w, 4), 0);
    size_t full = pkt_writer_finish(&w);

    int full_count = 0;
    for (size_t len = 0; len <= full; len++) {
        for (int fix = 0; fix < 2; fix++) {
            uint8_t *p = malloc(len ? len : 1);
            ck_assert_ptr_nonnull(p);
            memcpy(p, buf, len);
            if (fix && len >= 4) {
                p[2] = (uint8_t)((len - 4) >> 8);
                p[3] = (uint8_t)(len - 4);
            }
            struct pkt_reader r;
            struct tlv t;
            int rc = pkt_reader_init(&r, p, len, src_ll);
            ck_assert_int_eq(rc, (len == full || (fix && len >= 4)) ? 0 : -1);
            int n = 0, tlvs = 0;
            enum pkt_read_result res = PKT_END;
            while (rc == 0 && (res = pkt_read_next(&r, &t)) != PKT_END && res != PKT_TRUNCATED) {
                ck_assert_int_lt(++n, 100);
                if (res == PKT_TLV)
                    tlvs++;
            }
            if (len == full && fix)
                full_count = tlvs;
            free(p);
        }
    }
    /* Hello, IHU, Ack Req, 5 Updates, Seqno Req, raw. */
    ck_assert_int_eq(full_count, 10);
}
END_TEST

/* ---- Writer state and limits ---- */

START_TEST(writer_all_or_nothing)
{
    uint8_t buf[64];
    struct pkt_writer w;
    struct tlv_update u = mk_update("10.1.0.0/16", "192.0.2.1");
    /* Router-Id (12) + Next Hop (8) fit, the Update (14) does not. */
    pkt_writer_init(&w, buf, 4 + 12 + 8 + 13);
    memset(buf + 4, 0xee, sizeof(buf) - 4);
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV4, &u), -1);
    ck_assert_uint_eq(w.len, 4);
    ck_assert(!w.have_router_id);
    ck_assert(!w.have_nh_v4);
    ck_assert(!w.have_def[AE_IPV4]);
    ck_assert_uint_eq(buf[4], 0xee);

    /* With one more byte the whole group goes in. */
    pkt_writer_init(&w, buf, 4 + 12 + 8 + 14);
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV4, &u), 0);
    ck_assert_uint_eq(w.len, 38);
    ck_assert(w.have_router_id && w.have_nh_v4 && w.have_def[AE_IPV4]);
    /* A compressed second Update (13 bytes) no longer fits: state kept. */
    struct tlv_update u2 = mk_update("10.2.0.0/16", "192.0.2.1");
    struct pkt_writer before = w;
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV4, &u2), -1);
    ck_assert_uint_eq(w.len, before.len);
    ck_assert_mem_eq(w.def_prefix[AE_IPV4], before.def_prefix[AE_IPV4], 16);
    ck_assert_int_eq(pkt_put_hello(&w, &(struct tlv_hello){0}), -1);
    ck_assert_int_eq(pkt_put_ack(&w, 1), -1);
    ck_assert_int_eq(pkt_put_pad(&w, 1), -1);

    /* Same router-id and next hop: only the Update is added. */
    pkt_writer_init(&w, buf, sizeof(buf));
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV4, &u), 0);
    size_t l1 = w.len;
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV4, &u2), 0);
    ck_assert_uint_eq(w.len - l1, 13);

    /* A tiny buffer never gets written to. */
    uint8_t tiny[2] = {9, 9};
    pkt_writer_init(&w, tiny, sizeof(tiny));
    ck_assert_int_eq(pkt_put_pad(&w, 1), -1);
    ck_assert_uint_eq(pkt_writer_finish(&w), 0);
    ck_assert_uint_eq(tiny[0], 9);
}
END_TEST

START_TEST(writer_rejects)
{
    uint8_t buf[256];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    struct tlv_update u = mk_update("2001:db8::/32", NULL);
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV4, &u), -1);       /* wrong family */
    ck_assert_int_eq(pkt_put_update(&w, AE_V4_VIA_V6, &u), -1);
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV6_LL, &u), -1);    /* not sent */
    ck_assert_int_eq(pkt_put_update(&w, 9, &u), -1);
    u.src_prefix = pfx("10.0.0.0/8");
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV6, &u), -1);       /* source of another family */
    u = mk_update("10.0.0.0/8", NULL);
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV6, &u), -1);
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV4, &u), -1);       /* route without next hop */
    u.have_router_id = false;
    ck_assert_int_eq(pkt_put_update(&w, AE_V4_VIA_V6, &u), -1);  /* route without router-id */
    ck_assert(pkt_writer_empty(&w));

    /* Retractions need neither. */
    u.metric = BABEL_INFINITY;
    ck_assert_int_eq(pkt_put_update(&w, AE_IPV4, &u), 0);
    static const uint8_t exp[] = {8, 11, 1, 0x80, 8, 0, 0x01, 0x90, 0, 7, 0xff, 0xff, 10};
    ck_written(&w, exp, sizeof(exp));

    struct tlv_route_req rq = {.ae = AE_IPV4, .prefix = pfx("2001:db8::/32")};
    ck_assert_int_eq(pkt_put_route_req(&w, &rq), -1);
    rq.ae = AE_WILDCARD;
    rq.src_prefix = pfx("2001:db8::/32");
    ck_assert_int_eq(pkt_put_route_req(&w, &rq), -1);
    struct tlv_seqno_req sq = {.ae = AE_WILDCARD};
    ck_assert_int_eq(pkt_put_seqno_req(&w, &sq), -1);
    ck_assert_int_eq(pkt_put_pad(&w, 258), -1);
    ck_assert_int_eq(pkt_put_pad(&w, 0), 0);
    ck_written(&w, exp, sizeof(exp));
}
END_TEST

START_TEST(ae_for)
{
    struct prefix v4 = pfx("10.0.0.0/8"), v6 = pfx("2001:db8::/32");
    ck_assert_int_eq(pkt_ae_for(&v4, false), AE_IPV4);
    ck_assert_int_eq(pkt_ae_for(&v4, true), AE_V4_VIA_V6);
    ck_assert_int_eq(pkt_ae_for(&v6, false), AE_IPV6);
    ck_assert_int_eq(pkt_ae_for(&v6, true), AE_IPV6);
}
END_TEST

static Suite *packet_suite(void)
{
    Suite *s = suite_create("packet");
    TCase *tc = tcase_create("header");
    tcase_add_test(tc, header_checks);
    tcase_add_test(tc, writer_basics);
    suite_add_tcase(s, tc);

    tc = tcase_create("golden");
    tcase_add_test(tc, golden_ack_req_ack);
    tcase_add_test(tc, golden_hello);
    tcase_add_test(tc, golden_ihu);
    tcase_add_test(tc, golden_update_v4);
    tcase_add_test(tc, golden_update_v6_src);
    tcase_add_test(tc, golden_update_v4_via_v6);
    tcase_add_test(tc, golden_update_wildcard);
    tcase_add_test(tc, golden_requests);
    tcase_add_test(tc, golden_raw);
    suite_add_tcase(s, tc);

    tc = tcase_create("state");
    tcase_add_test(tc, compression_round_trip);
    tcase_add_test(tc, compression_hand_built);
    tcase_add_test(tc, router_id_flag);
    tcase_add_test(tc, next_hops);
    suite_add_tcase(s, tc);

    tc = tcase_create("robustness");
    tcase_add_test(tc, source_prefix_subtlv);
    tcase_add_test(tc, mandatory_subtlv);
    tcase_add_test(tc, unknown_tlv);
    tcase_add_test(tc, truncated_tlv);
    tcase_add_test(tc, malformed);
    tcase_add_test(tc, v4_mapped_v6);
    tcase_add_test(tc, every_prefix_length);
    suite_add_tcase(s, tc);

    tc = tcase_create("writer");
    tcase_add_test(tc, writer_all_or_nothing);
    tcase_add_test(tc, writer_rejects);
    tcase_add_test(tc, ae_for);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(packet_suite());
}
