/* Unit tests of the protocol core's arithmetic: seqnos, feasibility
 * distances, link costs (2-out-of-3, ETX, RTT) and prefix helpers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "babel/addr_intern.h"
#include "babel/id_intern.h"
#include "babel/inst_intern.h"
#include "babel/metrics.h"
#include "babel/neighbour.h"
#include "babel/packet.h"
#include "babel/pool.h"
#include "babel/source.h"
#include "babel/util.h"

START_TEST(seqno_arithmetic)
{
    ck_assert_int_eq(seqno_compare(1, 1), 0);
    ck_assert_int_gt(seqno_compare(2, 1), 0);
    ck_assert_int_lt(seqno_compare(1, 2), 0);
    /* Modulo 2^16: 0 comes after 65535, and 32767 after 0. */
    ck_assert_int_gt(seqno_compare(0, 65535), 0);
    ck_assert_int_gt(seqno_compare(32767, 0), 0);
    ck_assert_int_lt(seqno_compare(32769, 0), 0);
    ck_assert_uint_eq(seqno_plus(65535, 1), 0);
}
END_TEST

START_TEST(feasibility)
{
    struct source *list = NULL, *list2 = NULL;
    uint8_t id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    /* No source entry: everything is feasible. */
    ck_assert(source_feasible(NULL, 5, 300));
    struct source *s = source_find(&list, id, true, 100);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_eq(source_find(&list, id, false, 0), s);
    /* A fresh source holds (100, infinity): any finite metric at 100 is fine. */
    ck_assert(source_feasible(s, 100, 1000));
    source_advertised(s, 100, 300);
    ck_assert(source_feasible(s, 100, 299));
    ck_assert(!source_feasible(s, 100, 300));
    ck_assert(!source_feasible(s, 100, 301));
    ck_assert(!source_feasible(s, 99, 10));
    ck_assert(source_feasible(s, 101, 60000));
    /* A retraction is always feasible. */
    ck_assert(source_feasible(s, 1, BABEL_INFINITY));
    /* The distance only goes down for a given seqno, and resets with a
     * newer one. */
    source_advertised(s, 100, 500);
    ck_assert_uint_eq(s->metric, 300);
    source_advertised(s, 102, 900);
    ck_assert_uint_eq(s->seqno, 102);
    ck_assert_uint_eq(s->metric, 900);
    /* Across the wrap. */
    struct source *w = source_find(&list2, id, true, 65535);
    source_advertised(w, 65535, 100);
    ck_assert(source_feasible(w, 0, 5000));
    /* Another router-id for the same destination is another source. */
    uint8_t id2[8] = {9, 9, 9, 9, 9, 9, 9, 9};
    ck_assert_ptr_null(source_find(&list, id2, false, 0));
    struct source *s2 = source_find(&list, id2, true, 7);
    ck_assert_ptr_ne(s2, s);
    ck_assert_ptr_eq(source_find(&list, id, false, 0), s);
    ck_assert_ptr_eq(source_find(&list, id2, false, 0), s2);
    /* Unreferenced, they go after the garbage-collection time. */
    now_ms += 200001;
    source_gc(&list);
    source_gc(&list2);
    ck_assert_ptr_null(list);
    ck_assert_ptr_null(list2);
    clock_refresh();
}
END_TEST

/* A source outlives its last route by 200 s (its distance must still hold
 * a route that comes back soon), counted from when the last reference
 * went, and is never collected while referenced. */
START_TEST(source_gc_time)
{
    struct source *list = NULL;
    uint8_t id[8] = {1};
    clock_refresh();
    now_ms = 0xFFFFF000u; /* the 32-bit clock wraps in the middle */
    unsigned base = source_count(), ids = id_intern_count();
    struct source *s = source_find(&list, id, true, 1);
    ck_assert_mem_eq(source_id(s), id, 8);
    ck_assert_uint_eq(id_intern_count(), ids + 1);
    source_ref(s);
    now_ms += 500000;
    source_gc(&list);
    ck_assert_ptr_eq(list, s); /* referenced */
    source_unref(s);
    now_ms += 199999;
    source_gc(&list);
    ck_assert_ptr_eq(list, s);
    now_ms += 2;
    source_gc(&list);
    ck_assert_ptr_null(list);
    ck_assert_uint_eq(source_count(), base);
    ck_assert_uint_eq(id_intern_count(), ids); /* the router-id went with it */
    clock_refresh();
}
END_TEST

/* Interned next hops: one handle per distinct address, counted, the zero
 * address free; handles and addresses survive the table growing. */
START_TEST(addr_interning)
{
    uint8_t zero[16] = {0}, a[16] = {0xfe, 0x80, [15] = 1}, b[16] = {0xfe, 0x80, [15] = 2};
    unsigned base = addr_intern_count();
    ck_assert_uint_eq(addr_intern(zero), ADDR_NONE);
    ck_assert_mem_eq(addr_interned(ADDR_NONE), zero, 16);
    uint32_t ha = addr_intern(a), hb = addr_intern(b);
    ck_assert_uint_ne(ha, hb);
    ck_assert_uint_ne(ha, ADDR_NONE);
    ck_assert_uint_eq(addr_intern(a), ha);
    ck_assert_uint_eq(addr_intern_count(), base + 2);
    enum { N = 300 };
    uint32_t h[N];
    for (int i = 0; i < N; i++) {
        uint8_t x[16] = {0x20, 0x01, [13] = 7, [14] = (uint8_t)(i >> 8), [15] = (uint8_t)i};
        h[i] = addr_intern(x);
        ck_assert_uint_ne(h[i], ADDR_INTERN_FAILED);
    }
    ck_assert_mem_eq(addr_interned(ha), a, 16);
    ck_assert_mem_eq(addr_interned(hb), b, 16);
    for (int i = 0; i < N; i++) {
        uint8_t x[16] = {0x20, 0x01, [13] = 7, [14] = (uint8_t)(i >> 8), [15] = (uint8_t)i};
        ck_assert_mem_eq(addr_interned(h[i]), x, 16);
        addr_unintern(h[i]);
    }
    /* a was taken twice: one release keeps it. */
    addr_unintern(ha);
    ck_assert_uint_eq(addr_intern_count(), base + 2);
    ck_assert_mem_eq(addr_interned(ha), a, 16);
    addr_unintern(ha);
    addr_unintern(hb);
    ck_assert_uint_eq(addr_intern_count(), base);
    /* A released slot is reused for the next address. */
    uint32_t hc = addr_intern(b);
    ck_assert_mem_eq(addr_interned(hc), b, 16);
    addr_unintern(hc);
    ck_assert_uint_eq(addr_intern_count(), base);
}
END_TEST

/* Interned router-ids: one handle per id, counted, released with the
 * last reference and reused; the bytes never move while held, however
 * much the table grows (sources hand out pointers to them). */
START_TEST(id_interning)
{
    uint8_t a[8] = {0x02, [7] = 1}, b[8] = {0x02, [7] = 2};
    unsigned base = id_intern_count();
    uint32_t ha = id_intern(a), hb = id_intern(b);
    ck_assert_uint_ne(ha, ID_INTERN_FAILED);
    ck_assert_uint_ne(ha, hb);
    ck_assert_uint_eq(id_intern(a), ha);
    const uint8_t *pa = id_interned(ha);
    ck_assert_mem_eq(pa, a, 8);
    enum { N = 1000 };
    uint32_t h[N];
    for (int i = 0; i < N; i++) {
        uint8_t x[8] = {0x04, [6] = (uint8_t)(i >> 8), [7] = (uint8_t)i};
        ck_assert_uint_ne(h[i] = id_intern(x), ID_INTERN_FAILED);
    }
    ck_assert_ptr_eq(id_interned(ha), pa); /* not moved */
    ck_assert_mem_eq(pa, a, 8);
    ck_assert_uint_eq(id_intern_count(), base + 2 + N);
    for (int i = 0; i < N; i++) {
        uint8_t x[8] = {0x04, [6] = (uint8_t)(i >> 8), [7] = (uint8_t)i};
        ck_assert_mem_eq(id_interned(h[i]), x, 8);
        id_unintern(h[i]);
    }
    id_unintern(ha);
    ck_assert_mem_eq(id_interned(ha), a, 8); /* taken twice */
    id_unintern(ha);
    id_unintern(hb);
    ck_assert_uint_eq(id_intern_count(), base);
    uint32_t hc = id_intern(b);
    ck_assert_mem_eq(id_interned(hc), b, 8);
    id_unintern(hc);
    ck_assert_uint_eq(id_intern_count(), base);
}
END_TEST

/* Interned installed routes: equal combinations share a handle, which
 * holds one reference to the gateway however many entries use it; the
 * last release gives the gateway back; handles survive the table growing. */
START_TEST(inst_interning)
{
    uint8_t gw[16] = {0xfe, 0x80, [15] = 9};
    unsigned abase = addr_intern_count(), base = inst_intern_count();
    ck_assert_ptr_null(inst_interned(INST_NONE));
    inst_unintern(INST_NONE); /* ignored */
    struct installed_route a = {.gateway = addr_intern(gw), .ifindex = 3, .metric = 0,
                                .table = 254, .type = 1};
    uint32_t ha = inst_intern(&a);
    ck_assert_uint_ne(ha, INST_NONE);
    ck_assert_uint_ne(ha, INST_INTERN_FAILED);
    ck_assert_uint_eq(addr_intern_count(), abase + 1);
    /* The same combination again: same handle, the caller's gateway
     * reference is dropped, so the address stays held once. */
    struct installed_route a2 = a;
    a2.gateway = addr_intern(gw);
    ck_assert_uint_eq(inst_intern(&a2), ha);
    ck_assert_uint_eq(inst_intern_count(), base + 1);
    /* Each field makes a different combination. */
    struct installed_route v[5];
    for (int i = 0; i < 5; i++) {
        v[i] = a;
        v[i].gateway = addr_intern(gw);
    }
    v[0].ifindex = 4;
    v[1].metric = 7;
    v[2].table = 100;
    v[3].type = 7;
    v[4].gateway_v6_for_v4 = true;
    uint32_t hv[5];
    for (int i = 0; i < 5; i++) {
        hv[i] = inst_intern(&v[i]);
        ck_assert_uint_ne(hv[i], ha);
        for (int j = 0; j < i; j++)
            ck_assert_uint_ne(hv[i], hv[j]);
    }
    ck_assert_uint_eq(inst_intern_count(), base + 6);
    enum { N = 300 };
    uint32_t h[N];
    for (int i = 0; i < N; i++) {
        struct installed_route x = {.metric = 1000 + (uint32_t)i, .type = 7};
        ck_assert_uint_ne(h[i] = inst_intern(&x), INST_INTERN_FAILED);
    }
    const struct installed_route *got = inst_interned(hv[2]);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(got->table, 100);
    ck_assert_uint_eq(got->ifindex, 3);
    for (int i = 0; i < N; i++) {
        ck_assert_uint_eq(inst_interned(h[i])->metric, 1000 + (uint32_t)i);
        inst_unintern(h[i]);
    }
    for (int i = 0; i < 5; i++)
        inst_unintern(hv[i]);
    ck_assert_uint_eq(inst_intern_count(), base + 1);
    ck_assert_uint_eq(addr_intern_count(), abase + 1);
    inst_unintern(ha);
    ck_assert_ptr_nonnull(inst_interned(ha)); /* taken twice */
    inst_unintern(ha);
    ck_assert_ptr_null(inst_interned(ha));
    ck_assert_uint_eq(inst_intern_count(), base);
    ck_assert_uint_eq(addr_intern_count(), abase);
}
END_TEST

/* Pools hand out distinct zeroed objects, reuse freed ones, and give whole
 * blocks back once empty. */
START_TEST(pool_objects)
{
    struct pool p = POOL_INIT(44);
    ck_assert_uint_eq(p.size, 48);
    enum { N = 5000 };
    static unsigned char *o[N];
    for (int i = 0; i < N; i++) {
        o[i] = pool_alloc(&p);
        ck_assert_ptr_nonnull(o[i]);
        for (int j = 0; j < 48; j++)
            ck_assert_uint_eq(o[i][j], 0);
        memset(o[i], 0xA5, 48);
        ck_assert_uint_eq((uintptr_t)o[i] % 8, 0);
    }
    ck_assert_uint_eq(p.live, N);
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < i + 3 && j < N; j++)
            ck_assert(o[i] + 48 <= o[j] || o[j] + 48 <= o[i]);
    /* Free every other one, then take as many again: zeroed, no new block. */
    size_t blocks = p.blocks;
    for (int i = 0; i < N; i += 2)
        pool_free(&p, o[i]);
    for (int i = 0; i < N; i += 2) {
        o[i] = pool_alloc(&p);
        for (int j = 0; j < 48; j++)
            ck_assert_uint_eq(o[i][j], 0);
    }
    ck_assert_uint_le(p.blocks, blocks);
    for (int i = 0; i < N; i++)
        pool_free(&p, o[i]);
    ck_assert_uint_eq(p.live, 0);
    ck_assert_uint_le(p.blocks, 1);
    void *again = pool_alloc(&p);
    ck_assert_ptr_nonnull(again);
    pool_free(&p, again);
}
END_TEST

static struct interface test_ifp;
static struct neighbour test_n;

static void setup_link(bool lq, unsigned rxcost)
{
    memset(&test_ifp, 0, sizeof(test_ifp));
    memset(&test_n, 0, sizeof(test_n));
    test_ifp.p.link_quality = lq;
    test_ifp.p.rxcost = rxcost;
    test_ifp.p.rtt_decay = 42;
    test_ifp.p.rtt_min = 10;
    test_ifp.p.rtt_max = 120;
    test_n.ifp = &test_ifp;
    clock_refresh();
    test_n.ihu_deadline = now_ms + 10000;
}

START_TEST(cost_two_out_of_three)
{
    setup_link(false, 96);
    test_n.txcost = 96;
    test_n.mhello = (struct hello_history){.bits = 0xE000, .count = 3, .valid = true};
    ck_assert_uint_eq(neighbour_rxcost(&test_n), 96);
    ck_assert_uint_eq(neighbour_cost(&test_n), 96);
    /* Two of the last three. */
    test_n.mhello.bits = 0xA000;
    ck_assert_uint_eq(neighbour_cost(&test_n), 96);
    /* One of the last three: down. */
    test_n.mhello.bits = 0x8000 | 0x1000;
    test_n.mhello.count = 4;
    ck_assert_uint_eq(neighbour_rxcost(&test_n), BABEL_INFINITY);
    ck_assert_uint_eq(neighbour_cost(&test_n), BABEL_INFINITY);
    /* The first Hello alone brings the link up. */
    test_n.mhello = (struct hello_history){.bits = 0x8000, .count = 1, .valid = true};
    ck_assert_uint_eq(neighbour_rxcost(&test_n), 96);
    /* Our cost follows what the neighbour says of the link (its IHU). */
    test_n.mhello.bits = 0xF000;
    test_n.txcost = 200;
    ck_assert_uint_eq(neighbour_cost(&test_n), 200);
    /* An expired IHU makes the link unusable. */
    test_n.ihu_deadline = now_ms - 1;
    ck_assert_uint_eq(neighbour_txcost(&test_n), BABEL_INFINITY);
    ck_assert_uint_eq(neighbour_cost(&test_n), BABEL_INFINITY);
}
END_TEST

START_TEST(cost_etx)
{
    setup_link(true, 256);
    test_n.txcost = 256;
    test_n.mhello = (struct hello_history){.bits = 0xFFFF, .count = 16, .valid = true};
    ck_assert_uint_eq(neighbour_rxcost(&test_n), 256);
    ck_assert_uint_eq(neighbour_cost(&test_n), 256);
    /* Half the Hellos: rxcost doubles; with a perfect reverse link the
     * cost is 256 / (1 * 0.5). */
    test_n.mhello.bits = 0xAAAA;
    ck_assert_uint_eq(neighbour_rxcost(&test_n), 512);
    ck_assert_uint_eq(neighbour_cost(&test_n), 512);
    /* Both directions at 50 %: ETX 4. */
    test_n.txcost = 512;
    ck_assert_uint_eq(neighbour_cost(&test_n), 1024);
    /* 30 % loss (11 of 16 received, rounded): 256 * 16 / 11. */
    test_n.txcost = 256;
    test_n.mhello.bits = 0xFFE0;
    ck_assert_uint_eq(neighbour_rxcost(&test_n), 256 * 16 / 11);
}
END_TEST

START_TEST(cost_rtt)
{
    setup_link(false, 96);
    test_ifp.p.enable_timestamps = true;
    test_ifp.p.max_rtt_penalty = 96;
    test_n.txcost = 96;
    test_n.mhello = (struct hello_history){.bits = 0xE000, .count = 3, .valid = true};
    test_n.rtt_time = now_ms;
    test_n.rtt_us = 5000;
    ck_assert_uint_eq(neighbour_rttcost(&test_n), 0);
    test_n.rtt_us = 65000; /* halfway between 10 and 120 ms */
    ck_assert_uint_eq(neighbour_rttcost(&test_n), 48);
    ck_assert_uint_eq(neighbour_cost(&test_n), 96 + 48);
    test_n.rtt_us = 500000;
    ck_assert_uint_eq(neighbour_rttcost(&test_n), 96);
    /* Microsecond precision, as babeld: 96 * 32975 / 110000 = 28 (whole
     * milliseconds would give 27). */
    test_n.rtt_us = 42975;
    ck_assert_uint_eq(neighbour_rttcost(&test_n), 28);
    /* A sample older than 180 s adds nothing. */
    test_n.rtt_time = now_ms - 180000;
    ck_assert_uint_eq(neighbour_rttcost(&test_n), 0);
    test_n.rtt_time = now_ms;
    /* An RTT sample: (our rx - our tx) - (their tx - their rx). */
    test_n.rtt_time = 0;
    neighbour_rtt(&test_n, 1000000, 50000, 58000, 1048000);
    ck_assert_uint_eq(test_n.rtt_us, 40000);
    /* Samples are smoothed with rtt-decay/256 of the new one. */
    neighbour_rtt(&test_n, 2000000, 50000, 50000, 2040000 + 256);
    ck_assert_uint_eq(test_n.rtt_us, (42u * 40256 + 214u * 40000) / 256);
    /* Nonsense (negative) samples are ignored. */
    unsigned before = test_n.rtt_us;
    neighbour_rtt(&test_n, 3000000, 50000, 90000, 3010000);
    ck_assert_uint_eq(test_n.rtt_us, before);
}
END_TEST

START_TEST(prefixes)
{
    struct prefix p, q;
    char buf[PREFIX_STRLEN];
    ck_assert_int_eq(prefix_parse("10.1.2.3/16", &p), 0);
    ck_assert_str_eq(prefix_fmt(&p, buf), "10.1.0.0/16");
    ck_assert(prefix_is_v4(&p));
    ck_assert_int_eq(prefix_user_plen(&p), 16);
    ck_assert_int_eq(prefix_parse("10.1.200.0/24", &q), 0);
    ck_assert(prefix_within(&q, &p));
    ck_assert(!prefix_within(&p, &q));
    ck_assert_int_eq(prefix_parse("2001:db8::1/48", &p), 0);
    ck_assert_str_eq(prefix_fmt(&p, buf), "2001:db8::/48");
    ck_assert_int_eq(prefix_parse("fd00::1", &p), 0);
    ck_assert_uint_eq(p.plen, 128);
    ck_assert_int_eq(prefix_parse("10.0.0.0/33", &p), -1);
    ck_assert_int_eq(prefix_parse("::/129", &p), -1);
    ck_assert_int_eq(prefix_parse("nonsense", &p), -1);
    struct prefix src;
    ck_assert_int_eq(prefix_parse("10.0.0.0/8", &p), 0);
    prefix_default_src(&p, &src);
    ck_assert_str_eq(prefix_fmt(&src, buf), "0.0.0.0/0");
    ck_assert(prefix_is_default_src(&src));
    uint8_t id[8];
    ck_assert_int_eq(id_parse("02:11:22:33:44:55", id), 0);
    char ib[ID_STRLEN];
    ck_assert_str_eq(id_fmt(id, ib), "00:11:22:ff:fe:33:44:55");
}
END_TEST

START_TEST(late_hellos_undo_misses)
{
    setup_link(false, 96);
    test_n.txcost = 96;
    test_n.last_cost = 96;
    static const uint8_t dst[16] = {0xfe, 0x80, [15] = 9};
    sendbuf_init(&test_n.ubuf, 0, dst, 512);
    for (uint16_t s = 100; s <= 102; s++)
        neighbour_hello(&test_n, s, 100, false, false, 0, 0);
    ck_assert_uint_eq(test_n.mhello.bits, 0xE000);
    /* The miss timer runs three times while the link's delay grows. */
    neighbours = &test_n;
    test_n.mhello.deadline = now_ms - 2500;
    neighbour_tick();
    ck_assert_uint_eq(test_n.mhello.bits, 0x1C00);
    ck_assert_uint_eq(test_n.mhello.seqno, 105);
    ck_assert_uint_eq(neighbour_rxcost(&test_n), BABEL_INFINITY);
    /* Hello 103 arrives late: the two misses after it are undone and it
     * counts as received (RFC 8966 A.1). */
    neighbour_hello(&test_n, 103, 100, false, false, 0, 0);
    ck_assert_uint_eq(test_n.mhello.bits, 0xF000);
    ck_assert_uint_eq(test_n.mhello.seqno, 103);
    ck_assert_uint_eq(neighbour_rxcost(&test_n), 96);
    /* The next ones follow in order. */
    neighbour_hello(&test_n, 104, 100, false, false, 0, 0);
    ck_assert_uint_eq(test_n.mhello.bits, 0xF800);
    neighbours = NULL;
}
END_TEST

START_TEST(loss_from_history)
{
    struct hello_history h = {.bits = 0xFFFF, .count = 16, .valid = true};
    ck_assert_double_eq_tol(metrics_history_loss(&h), 0.0, 1e-9);
    h.bits = 0xAAAA;
    ck_assert_double_eq_tol(metrics_history_loss(&h), 0.5, 1e-9);
    /* 11 of 16: the 30 %-loss case of the RTT/loss scenario. */
    h.bits = 0xFFE0;
    ck_assert_double_eq_tol(metrics_history_loss(&h), 5.0 / 16, 1e-9);
    /* A young history counts only the slots it has filled. */
    h = (struct hello_history){.bits = 0xA000, .count = 3, .valid = true};
    ck_assert_double_eq_tol(metrics_history_loss(&h), 1.0 / 3, 1e-9);
    h.valid = false;
    ck_assert_double_eq_tol(metrics_history_loss(&h), 0.0, 1e-9);
}
END_TEST

static Suite *core_suite(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, seqno_arithmetic);
    tcase_add_test(tc, feasibility);
    tcase_add_test(tc, source_gc_time);
    tcase_add_test(tc, pool_objects);
    tcase_add_test(tc, addr_interning);
    tcase_add_test(tc, inst_interning);
    tcase_add_test(tc, id_interning);
    tcase_add_test(tc, cost_two_out_of_three);
    tcase_add_test(tc, cost_etx);
    tcase_add_test(tc, cost_rtt);
    tcase_add_test(tc, prefixes);
    tcase_add_test(tc, loss_from_history);
    tcase_add_test(tc, late_hellos_undo_misses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(core_suite());
}
