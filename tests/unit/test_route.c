/* Route selection against the feasibility condition (RFC 8966 3.5.1): a
 * selected route refreshed with the same seqno and metric must stay
 * selected; a worse route with the same seqno is unfeasible; a newer seqno
 * is always feasible.  The kernel is kept out with an "install deny" filter. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "babel/addr_intern.h"
#include "babel/config.h"
#include "babel/id_intern.h"
#include "babel/inst_intern.h"
#include "babel/kernel.h"
#include "babel/neighbour.h"
#include "babel/node.h"
#include "babel/packet.h"
#include "babel/route.h"

static struct interface ifp;
static struct neighbour n1, n2, n3;
static struct prefix dst, src;
static const uint8_t origin[8] = {0x02, 0, 0, 0, 0, 0, 0, 0x42};
static const uint8_t nh[16] = {0xfe, 0x80, [15] = 1};

static void make_neighbour(struct neighbour *n, uint8_t last, uint16_t txcost)
{
    memset(n, 0, sizeof(*n));
    n->addr[0] = 0xfe;
    n->addr[1] = 0x80;
    n->addr[15] = last;
    n->ifp = &ifp;
    n->mhello = (struct hello_history){.bits = 0xE000, .count = 3, .valid = true};
    n->txcost = txcost;
    n->ihu_deadline = now_ms + 60000;
    sendbuf_init(&n->ubuf, 0, n->addr, 1400);
}

static void setup(void)
{
    clock_refresh();
    config_init(&node.cfg);
    char err[256];
    ck_assert_int_eq(config_parse_line(&node.cfg, "install deny", "test", 1, NULL, err, sizeof(err)), 0);
    memset(&ifp, 0, sizeof(ifp));
    strcpy(ifp.name, "test0");
    ifp.p.rxcost = 96;
    ifp.p.update_interval = 4000;
    make_neighbour(&n1, 1, 96);
    make_neighbour(&n2, 2, 200);
    ck_assert_int_eq(prefix_parse("10.9.0.0/24", &dst), 0);
    prefix_default_src(&dst, &src);
}

/* What flush_updates does when it announces the selected route. */
static void advertise(struct route_entry *e)
{
    source_advertised(route_selected(e)->src, route_selected(e)->seqno, route_metric(route_selected(e)));
}

static struct route *route_via(struct route_entry *e, const struct neighbour *n)
{
    for (struct route *r = e->routes; r; r = route_next(r))
        if (r->neigh == n)
            return r;
    return NULL;
}

START_TEST(refresh_keeps_selection)
{
    route_update(&n1, &dst, &src, origin, 7, 0, 400, nh);
    struct route_entry *e = route_entry_find(&dst, &src);
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_nonnull(route_selected(e));
    ck_assert_uint_eq(route_metric(route_selected(e)), 96);
    advertise(e);
    /* The periodic update: same seqno, same metric. */
    for (int i = 0; i < 3; i++) {
        route_update(&n1, &dst, &src, origin, 7, 0, 400, nh);
        ck_assert_ptr_nonnull(route_selected(e));
        ck_assert_ptr_eq(route_selected(e)->neigh, &n1);
        ck_assert(route_feasible(route_selected(e)));
    }
}
END_TEST

START_TEST(worse_route_unfeasible)
{
    route_update(&n1, &dst, &src, origin, 7, 0, 400, nh);
    struct route_entry *e = route_entry_find(&dst, &src);
    advertise(e); /* distance (7, 96) */
    /* Through n2 the neighbour's own metric is 100 >= 96: that route could
     * lead back through us, so it is not stored. */
    route_update(&n2, &dst, &src, origin, 7, 100, 400, nh);
    ck_assert_ptr_null(route_via(e, &n2));
    ck_assert_ptr_eq(route_selected(e)->neigh, &n1);
    /* A neighbour's metric below our distance is feasible, and kept as an
     * alternative (it costs more, so n1 stays selected). */
    route_update(&n2, &dst, &src, origin, 7, 50, 400, nh);
    struct route *alt = route_via(e, &n2);
    ck_assert_ptr_nonnull(alt);
    ck_assert(route_feasible(alt));
    ck_assert_ptr_eq(route_selected(e)->neigh, &n1);
    /* n1 retracts: the feasible alternative takes over at once. */
    route_update(&n1, &dst, &src, origin, 7, BABEL_INFINITY, 400, nh);
    ck_assert_ptr_eq(route_selected(e), alt);
    ck_assert_uint_eq(route_metric(alt), 250);
}
END_TEST

/* Where the unfeasible route is the only one left it must still not be
 * used: a router that took it could loop through us. */
START_TEST(unfeasible_never_selected)
{
    route_update(&n1, &dst, &src, origin, 7, 0, 400, nh);
    struct route_entry *e = route_entry_find(&dst, &src);
    advertise(e); /* distance (7, 96) */
    route_update(&n2, &dst, &src, origin, 7, 96, 400, nh);
    route_update(&n1, &dst, &src, origin, 7, BABEL_INFINITY, 400, nh);
    ck_assert_ptr_null(route_selected(e));
    ck_assert_ptr_null(route_via(e, &n2));
}
END_TEST

START_TEST(newer_seqno_feasible)
{
    route_update(&n1, &dst, &src, origin, 7, 0, 400, nh);
    struct route_entry *e = route_entry_find(&dst, &src);
    advertise(e);
    route_update(&n1, &dst, &src, origin, 8, 300, 400, nh);
    ck_assert_ptr_nonnull(route_selected(e));
    ck_assert_uint_eq(route_selected(e)->seqno, 8);
    ck_assert_uint_eq(route_metric(route_selected(e)), 396);
}
END_TEST

/* Starvation (RFC 8966 3.8.2.1): when every route left is unfeasible, each
 * neighbour that has one is asked for a newer seqno, not only the first:
 * the duplicate suppression of seqno requests must tell them apart. */
START_TEST(starvation_asks_every_neighbour)
{
    route_update(&n1, &dst, &src, origin, 7, 0, 400, nh);
    struct route_entry *e = route_entry_find(&dst, &src);
    advertise(e); /* distance (7, 96) */
    route_update(&n2, &dst, &src, origin, 7, 50, 400, nh);
    ck_assert_ptr_nonnull(route_via(e, &n2));
    route_update(&n1, &dst, &src, origin, 7, 200, 400, nh); /* n2 takes over */
    ck_assert_ptr_eq(route_selected(e)->neigh, &n2);
    ck_assert(pkt_writer_empty(&n1.ubuf.w));
    ck_assert(pkt_writer_empty(&n2.ubuf.w));
    route_update(&n2, &dst, &src, origin, 7, 150, 400, nh); /* starved */
    ck_assert_ptr_null(route_selected(e));
    ck_assert(!pkt_writer_empty(&n1.ubuf.w));
    ck_assert(!pkt_writer_empty(&n2.ubuf.w));
    ck_assert_uint_ne(n1.ubuf.deadline, 0);
    ck_assert_uint_ne(n2.ubuf.deadline, 0);
}
END_TEST

/* A neighbour-wide operation (cost change, flush, wildcard retraction)
 * looks only at that neighbour's routes, whatever else the table holds,
 * and still reselects where they matter. */
START_TEST(neighbour_operations_visit_its_routes_only)
{
    node.cfg.opt.smoothing_half_life = 0; /* no hysteresis on smoothed metrics */
    for (int i = 0; i < 1000; i++) {
        struct prefix p, ps;
        char buf[32];
        snprintf(buf, sizeof(buf), "10.%d.%d.0/24", i / 256, i % 256);
        ck_assert_int_eq(prefix_parse(buf, &p), 0);
        prefix_default_src(&p, &ps);
        route_update(&n1, &p, &ps, origin, 7, 0, 400, nh);
    }
    route_update(&n1, &dst, &src, origin, 7, 0, 400, nh);
    route_update(&n2, &dst, &src, origin, 7, 0, 400, nh);
    struct route_entry *e = route_entry_find(&dst, &src);
    ck_assert_uint_eq(route_count(), 1002);
    ck_assert_ptr_eq(route_selected(e)->neigh, &n1); /* 96 against 200 */

    unsigned long v = route_neighbour_visits();
    n2.txcost = 10;
    route_neighbour_cost_changed(&n2);
    ck_assert_uint_eq(route_neighbour_visits() - v, 1);
    ck_assert_ptr_eq(route_selected(e)->neigh, &n2);

    v = route_neighbour_visits();
    route_flush_neighbour(&n2);
    ck_assert_uint_eq(route_neighbour_visits() - v, 1);
    ck_assert_ptr_null(n2.routes);
    ck_assert_ptr_null(route_via(e, &n2));
    ck_assert_ptr_eq(route_selected(e)->neigh, &n1);

    v = route_neighbour_visits();
    route_retract_neighbour(&n1);
    ck_assert_uint_eq(route_neighbour_visits() - v, 1001);
    ck_assert_ptr_null(route_selected(e));
    route_flush_neighbour(&n1);
    ck_assert_ptr_null(n1.routes);
    ck_assert_uint_eq(route_count(), 0);
}
END_TEST

/* The sizes route.h promises on 64-bit targets (a router may hold hundreds
 * of thousands of each): a field added carelessly shows here. */
START_TEST(record_sizes)
{
    if (sizeof(void *) != 8)
        return;
    ck_assert_uint_le(sizeof(struct route), 64);
    ck_assert_uint_le(sizeof(struct route_entry), 56);
    ck_assert_uint_le(sizeof(struct source), 24);
}
END_TEST

/* A destination's routes end in a link back to their entry (route.h):
 * neighbour-wide operations find the entry from any position in the list,
 * and unlinking the first, a middle or the last route keeps the rest. */
START_TEST(entry_list_ends_at_entry)
{
    make_neighbour(&n3, 3, 300);
    route_update(&n1, &dst, &src, origin, 7, 0, 400, nh);
    route_update(&n2, &dst, &src, origin, 7, 0, 400, nh);
    route_update(&n3, &dst, &src, origin, 7, 0, 400, nh);
    struct route_entry *e = route_entry_find(&dst, &src);
    ck_assert_uint_eq(route_count(), 3);
    int k = 0;
    for (struct route *r = e->routes; r; r = route_next(r))
        k++;
    ck_assert_int_eq(k, 3);
    /* One selected route, flagged on the route itself. */
    k = 0;
    for (struct route *r = e->routes; r; r = route_next(r))
        k += (r->flags & ROUTE_SELECTED) != 0;
    ck_assert_int_eq(k, 1);
    ck_assert_ptr_eq(route_selected(e), route_via(e, &n1)); /* cheapest */
    route_flush_neighbour(&n2); /* the middle one (newest first) */
    ck_assert_ptr_null(route_via(e, &n2));
    ck_assert_ptr_nonnull(route_via(e, &n1));
    ck_assert_ptr_nonnull(route_via(e, &n3));
    route_retract_neighbour(&n3); /* the first: found its entry */
    ck_assert_uint_eq(route_via(e, &n3)->refmetric, BABEL_INFINITY);
    route_flush_neighbour(&n3);
    ck_assert_ptr_eq(e->routes, route_via(e, &n1));
    ck_assert_ptr_null(route_next(e->routes));
    route_retract_neighbour(&n1); /* the only one: its link is the entry */
    ck_assert_ptr_null(route_selected(e));
    route_flush_neighbour(&n1);
    ck_assert_uint_eq(route_count(), 0);
}
END_TEST

/* An entry stores its source prefix only when it is not the family's
 * default: a source-specific destination and the plain one with the same
 * prefix are two entries, each finds its own source prefix, and both go
 * when their routes do. */
START_TEST(source_specific_entries)
{
    struct prefix p6, d6, s6, d4;
    ck_assert_int_eq(prefix_parse("2001:db8:1::/48", &p6), 0);
    ck_assert_int_eq(prefix_parse("2001:db8:ff::/56", &s6), 0);
    prefix_default_src(&p6, &d6);
    prefix_default_src(&dst, &d4);
    route_update(&n1, &p6, &d6, origin, 7, 0, 400, nh);
    route_update(&n1, &p6, &s6, origin, 7, 0, 400, nh);
    route_update(&n1, &dst, &d4, origin, 7, 0, 400, nh);
    ck_assert_uint_eq(route_count(), 3);
    struct route_entry *plain = route_entry_find(&p6, &d6), *ss = route_entry_find(&p6, &s6),
                       *v4 = route_entry_find(&dst, &d4);
    ck_assert_ptr_nonnull(plain);
    ck_assert_ptr_nonnull(ss);
    ck_assert_ptr_nonnull(v4);
    ck_assert_ptr_ne(plain, ss);
    ck_assert(!plain->source_specific);
    ck_assert(ss->source_specific);
    ck_assert(!v4->source_specific);
    ck_assert(prefix_eq(route_entry_src(plain), &d6));
    ck_assert(prefix_eq(route_entry_src(ss), &s6));
    ck_assert(prefix_eq(route_entry_src(v4), &d4));
    ck_assert(prefix_is_v4(route_entry_src(v4)));
    ck_assert(prefix_eq(&ss->prefix, &p6));
    ck_assert_ptr_nonnull(route_selected(ss));
    ck_assert_ptr_eq(route_selected(ss)->neigh, &n1);
    route_flush_neighbour(&n1);
    ck_assert_uint_eq(route_count(), 0);
}
END_TEST

/* Route timers are 32-bit milliseconds: a route learned just before the
 * 32-bit clock wraps must not look expired right after (its expiry has
 * wrapped, the clock not yet), and must still be refreshed and expire on
 * time on the other side. */
START_TEST(timers_across_the_wrap)
{
    now_ms = 0xFFFFF000u; /* 4.096 s before the wrap */
    n1.ihu_deadline = now_ms + 600000;
    route_update(&n1, &dst, &src, origin, 7, 0, 400, nh); /* hold 14 s */
    struct route_entry *e = route_entry_find(&dst, &src);
    ck_assert_ptr_nonnull(route_selected(e));
    now_ms += 1000;
    route_tick();
    ck_assert_ptr_nonnull(route_selected(e));
    ck_assert_uint_eq(route_selected(e)->refmetric, 0);
    now_ms += 10000; /* past the wrap, 11 s */
    route_tick();
    ck_assert_ptr_nonnull(route_selected(e));
    ck_assert(pkt_writer_empty(&n1.ubuf.w));
    now_ms += 1500; /* 12.5 s: within the last seventh, a route request goes out */
    route_tick();
    ck_assert_ptr_nonnull(route_selected(e));
    ck_assert(!pkt_writer_empty(&n1.ubuf.w));
    now_ms += 2000; /* 14.5 s: expired */
    route_tick();
    ck_assert_ptr_null(route_selected(e));
    clock_refresh();
}
END_TEST

/* Interning is reference-counted (next hops, what is installed, router-ids,
 * sources): routes learned from several neighbours and router-ids, some
 * installed in a real kernel (a private namespace), some moved between
 * neighbours, then flushed, must leave every interned table and the
 * sources as they were once the sources' garbage-collection time passed.
 * A leaked reference shows as a count that stays up. */
START_TEST(flush_releases_interned)
{
    if (unit_private_netns("flush_releases_interned") != 0)
        return; /* skipped: printed why */
    ck_assert_int_eq(system("ip link add rt0 type veth peer name rt1 && ip link set rt0 up && "
                            "ip link set rt1 up"),
                     0);
    ck_assert_int_eq(kernel_open(), 0);
    config_free(&node.cfg); /* no "install deny": routes go into the kernel */
    config_init(&node.cfg);
    ifp.ifindex = if_nametoindex("rt0");
    ck_assert_uint_ne(ifp.ifindex, 0);
    make_neighbour(&n3, 3, 300);
    struct neighbour *ns[3] = {&n1, &n2, &n3};
    unsigned a0 = addr_intern_count(), i0 = inst_intern_count(), d0 = id_intern_count(),
             s0 = source_count();
    uint8_t ids[4][8];
    for (int k = 0; k < 4; k++) {
        memcpy(ids[k], origin, 8);
        ids[k][6] = (uint8_t)k;
    }
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 60; i++) {
            struct prefix p, ps;
            char buf[40];
            snprintf(buf, sizeof(buf), i % 2 ? "10.77.%d.0/24" : "2001:db8:%x::/48", i);
            ck_assert_int_eq(prefix_parse(buf, &p), 0);
            prefix_default_src(&p, &ps);
            for (int k = 0; k < 3; k++) {
                uint8_t hop[16] = {0xfe, 0x80, [14] = (uint8_t)round, [15] = (uint8_t)(10 + k)};
                /* the second round: other next hops and a better metric
                 * from the third neighbour, so the installed route moves */
                uint16_t metric = round && k == 2 ? 0 : (uint16_t)(100 * (k + 1));
                route_update(ns[k], &p, &ps, ids[(i + k) % 4], (uint16_t)(7 + round), metric, 400,
                             hop);
            }
        }
    ck_assert_uint_eq(route_count(), 180);
    ck_assert_uint_gt(inst_intern_count(), i0); /* something was installed */
    ck_assert(unit_output_contains("ip -N route show 10.77.1.0/24", "rt0"));
    ck_assert_uint_gt(id_intern_count(), d0);
    ck_assert_uint_gt(addr_intern_count(), a0);
    ck_assert_uint_gt(source_count(), s0);
    for (int k = 0; k < 3; k++)
        route_flush_neighbour(ns[k]);
    ck_assert_uint_eq(route_count(), 0);
    /* Past the sources' garbage-collection time (200 s). */
    for (int t = 0; t < 5; t++) {
        now_ms += 60000;
        route_tick();
    }
    ck_assert_uint_eq(source_count(), s0);
    ck_assert_uint_eq(id_intern_count(), d0);
    ck_assert_uint_eq(inst_intern_count(), i0);
    ck_assert_uint_eq(addr_intern_count(), a0);
    ck_assert(!unit_output_contains("ip -N route show 10.77.1.0/24", "10.77"));
    kernel_close();
    clock_refresh();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("route");
    TCase *tc = tcase_create("selection");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, refresh_keeps_selection);
    tcase_add_test(tc, worse_route_unfeasible);
    tcase_add_test(tc, newer_seqno_feasible);
    tcase_add_test(tc, starvation_asks_every_neighbour);
    tcase_add_test(tc, neighbour_operations_visit_its_routes_only);
    tcase_add_test(tc, timers_across_the_wrap);
    tcase_add_test(tc, source_specific_entries);
    tcase_add_test(tc, entry_list_ends_at_entry);
    tcase_add_test(tc, record_sizes);
    tcase_add_test(tc, unfeasible_never_selected);
    tcase_add_test(tc, flush_releases_interned);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
