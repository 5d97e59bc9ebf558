/* Unit tests for babel/filter.c: each selector and action, first-match
 * order, and the defaults when nothing matches.  Filters are written in
 * babeld.conf syntax and parsed by config.c, which is what users write. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "babel/config.h"
#include "babel/filter.h"

static struct babel_config cfg;

static void setup(void) { config_init(&cfg); }
static void teardown(void) { config_free(&cfg); }

static void add(const char *line)
{
    char err[512] = "";
    ck_assert_msg(config_parse_line(&cfg, line, "test", 1, NULL, err, sizeof(err)) == 0, "%s", err);
}

/* A query built from strings; NULL leaves the field out. */
struct q {
    struct prefix prefix, src;
    uint8_t id[8], neigh[16];
    struct filter_query fq;
};

static struct filter_query *query(struct q *q, const char *prefix, const char *src, const char *id,
                                  const char *neigh, const char *ifname, int proto, bool local)
{
    memset(q, 0, sizeof(*q));
    if (prefix) {
        ck_assert_int_eq(prefix_parse(prefix, &q->prefix), 0);
        q->fq.prefix = &q->prefix;
    }
    if (src) {
        ck_assert_int_eq(prefix_parse(src, &q->src), 0);
        q->fq.src_prefix = &q->src;
    }
    if (id) {
        ck_assert_int_eq(id_parse(id, q->id), 0);
        q->fq.id = q->id;
    }
    if (neigh) {
        ck_assert_int_eq(addr_parse(neigh, q->neigh), 0);
        q->fq.neigh = q->neigh;
    }
    q->fq.ifname = ifname;
    q->fq.proto = proto;
    q->fq.local = local;
    return &q->fq;
}

/* The common case: a route for a prefix, nothing else known. */
static bool allowed(enum filter_kind kind, const char *prefix, struct filter_result *res)
{
    struct q q;
    struct filter_result r;
    return filter_apply(kind, cfg.filters[kind],
                        query(&q, prefix, NULL, NULL, NULL, NULL, -1, false), res ? res : &r);
}

START_TEST(test_empty_lists)
{
    struct q q;
    struct filter_result r;
    for (enum filter_kind k = FILTER_IN; k <= FILTER_INSTALL; k++) {
        if (k == FILTER_REDISTRIBUTE)
            continue;
        memset(&r, 0x55, sizeof(r));
        ck_assert(filter_apply(k, NULL,
                               query(&q, "2001:db8::/32", NULL, NULL, NULL, NULL, -1, false), &r));
        ck_assert(!r.deny);
        ck_assert_uint_eq(r.metric, 0);
        ck_assert_int_eq(r.table, -1);
        ck_assert(!r.has_set_src_prefix);
        ck_assert(!r.has_pref_src);
    }
}
END_TEST

START_TEST(test_redistribute_defaults)
{
    struct q q;
    struct filter_result r;
    /* Local addresses: allowed with metric 0. */
    ck_assert(filter_apply(FILTER_REDISTRIBUTE, NULL,
                           query(&q, "10.0.0.1/32", NULL, NULL, NULL, "eth0", -1, true), &r));
    ck_assert(!r.deny);
    ck_assert_uint_eq(r.metric, 0);
    ck_assert_int_eq(r.table, -1);
    /* Any other kernel route: denied. */
    ck_assert(!filter_apply(FILTER_REDISTRIBUTE, NULL,
                            query(&q, "10.0.0.0/8", NULL, NULL, NULL, "eth0", 4, false), &r));
    ck_assert(r.deny);
    ck_assert(!filter_apply(FILTER_REDISTRIBUTE, NULL,
                            query(&q, "10.0.0.0/8", NULL, NULL, NULL, "eth0", 3, false), &r));

    /* A filter that does not match falls through to the same defaults. */
    add("redistribute ip 192.168.0.0/16 deny");
    ck_assert(filter_apply(FILTER_REDISTRIBUTE, cfg.filters[FILTER_REDISTRIBUTE],
                           query(&q, "10.0.0.1/32", NULL, NULL, NULL, NULL, -1, true), &r));
    ck_assert(!filter_apply(FILTER_REDISTRIBUTE, cfg.filters[FILTER_REDISTRIBUTE],
                            query(&q, "10.0.0.0/8", NULL, NULL, NULL, NULL, 4, false), &r));
}
END_TEST

START_TEST(test_redistribute_proto_rules)
{
    struct q q;
    struct filter_result r;
    add("redistribute metric 256"); /* no proto, no local */
    struct filter *l = cfg.filters[FILTER_REDISTRIBUTE];
    /* Matches ordinary kernel routes, with the given metric. */
    ck_assert(filter_apply(FILTER_REDISTRIBUTE, l,
                           query(&q, "10.0.0.0/8", NULL, NULL, NULL, NULL, 4, false), &r));
    ck_assert_uint_eq(r.metric, 256);
    /* Not boot routes: they fall to the default, deny. */
    ck_assert(!filter_apply(FILTER_REDISTRIBUTE, l,
                            query(&q, "10.0.0.0/8", NULL, NULL, NULL, NULL, 3, false), &r));
    /* Not local addresses: default allow with metric 0. */
    ck_assert(filter_apply(FILTER_REDISTRIBUTE, l,
                           query(&q, "10.0.0.1/32", NULL, NULL, NULL, NULL, -1, true), &r));
    ck_assert_uint_eq(r.metric, 0);

    config_free(&cfg);
    config_init(&cfg);
    add("redistribute proto 3 metric 10");
    add("redistribute proto 11 deny");
    l = cfg.filters[FILTER_REDISTRIBUTE];
    ck_assert(filter_apply(FILTER_REDISTRIBUTE, l,
                           query(&q, "10.0.0.0/8", NULL, NULL, NULL, NULL, 3, false), &r));
    ck_assert_uint_eq(r.metric, 10);
    ck_assert(!filter_apply(FILTER_REDISTRIBUTE, l,
                            query(&q, "10.0.0.0/8", NULL, NULL, NULL, NULL, 11, false), &r));
    /* proto 4 matches neither: default deny. */
    ck_assert(!filter_apply(FILTER_REDISTRIBUTE, l,
                            query(&q, "10.0.0.0/8", NULL, NULL, NULL, NULL, 4, false), &r));
    /* A proto filter never matches local addresses. */
    config_free(&cfg);
    config_init(&cfg);
    add("redistribute proto 2 deny");
    ck_assert(filter_apply(FILTER_REDISTRIBUTE, cfg.filters[FILTER_REDISTRIBUTE],
                           query(&q, "10.0.0.1/32", NULL, NULL, NULL, NULL, 2, true), &r));
}
END_TEST

START_TEST(test_redistribute_local)
{
    struct q q;
    struct filter_result r;
    add("redistribute local ip 10.0.0.0/8 metric 5");
    add("redistribute local deny");
    struct filter *l = cfg.filters[FILTER_REDISTRIBUTE];
    ck_assert(filter_apply(FILTER_REDISTRIBUTE, l,
                           query(&q, "10.1.2.3/32", NULL, NULL, NULL, NULL, -1, true), &r));
    ck_assert_uint_eq(r.metric, 5);
    ck_assert(!filter_apply(FILTER_REDISTRIBUTE, l,
                            query(&q, "192.168.1.1/32", NULL, NULL, NULL, NULL, -1, true), &r));
    ck_assert(r.deny);
    /* "local" does not select kernel routes. */
    ck_assert(!filter_apply(FILTER_REDISTRIBUTE, l,
                            query(&q, "10.0.0.0/8", NULL, NULL, NULL, NULL, 4, false), &r));
}
END_TEST

START_TEST(test_ip_selector)
{
    add("in ip 10.0.0.0/8 deny");
    add("in ip 2001:db8::/32 deny");
    ck_assert(!allowed(FILTER_IN, "10.0.0.0/8", NULL));
    ck_assert(!allowed(FILTER_IN, "10.1.2.0/24", NULL));
    ck_assert(allowed(FILTER_IN, "10.0.0.0/7", NULL)); /* wider than the filter */
    ck_assert(allowed(FILTER_IN, "11.0.0.0/8", NULL));
    ck_assert(!allowed(FILTER_IN, "2001:db8:1::/48", NULL));
    ck_assert(allowed(FILTER_IN, "2001:db9::/32", NULL));

    /* Families never cross: ::/0 covers no IPv4 route, 0.0.0.0/0 no IPv6. */
    config_free(&cfg);
    config_init(&cfg);
    add("out ip ::/0 deny");
    ck_assert(allowed(FILTER_OUT, "10.0.0.0/8", NULL));
    ck_assert(allowed(FILTER_OUT, "0.0.0.0/0", NULL));
    ck_assert(!allowed(FILTER_OUT, "::/0", NULL));
    /* A v4-mapped literal is the same IPv4 prefix in util's representation. */
    ck_assert(allowed(FILTER_OUT, "::ffff:10.0.0.0/104", NULL));
    config_free(&cfg);
    config_init(&cfg);
    add("out ip 0.0.0.0/0 deny");
    ck_assert(!allowed(FILTER_OUT, "10.0.0.0/8", NULL));
    ck_assert(allowed(FILTER_OUT, "2001:db8::/32", NULL));
    ck_assert(allowed(FILTER_OUT, "::/0", NULL));

    /* A selector needs the route to have a prefix. */
    struct q q;
    struct filter_result r;
    ck_assert(filter_apply(FILTER_OUT, cfg.filters[FILTER_OUT],
                           query(&q, NULL, NULL, NULL, NULL, NULL, -1, false), &r));
}
END_TEST

START_TEST(test_length_selectors)
{
    add("in ip 10.0.0.0/8 eq 24 metric 1");
    add("in ip 10.0.0.0/8 le 16 metric 2");
    add("in ip 10.0.0.0/8 ge 28 le 30 metric 3");
    add("in ge 64 le 64 metric 4"); /* no address: IPv6, as babeld reads it */
    add("in eq 0 metric 5");
    struct filter_result r;
    ck_assert(allowed(FILTER_IN, "10.1.2.0/24", &r));
    ck_assert_uint_eq(r.metric, 1);
    ck_assert(allowed(FILTER_IN, "10.1.0.0/16", &r));
    ck_assert_uint_eq(r.metric, 2);
    ck_assert(allowed(FILTER_IN, "10.0.0.0/8", &r));
    ck_assert_uint_eq(r.metric, 2);
    ck_assert(allowed(FILTER_IN, "10.1.2.0/29", &r));
    ck_assert_uint_eq(r.metric, 3);
    ck_assert(allowed(FILTER_IN, "10.1.2.0/31", &r)); /* nothing */
    ck_assert_uint_eq(r.metric, 0);
    ck_assert(allowed(FILTER_IN, "10.1.2.0/20", &r));
    ck_assert_uint_eq(r.metric, 0);
    ck_assert(allowed(FILTER_IN, "2001:db8:0:1::/64", &r));
    ck_assert_uint_eq(r.metric, 4);
    ck_assert(allowed(FILTER_IN, "::/0", &r));
    ck_assert_uint_eq(r.metric, 5);
    /* Neither length-only line applies to IPv4. */
    ck_assert(allowed(FILTER_IN, "0.0.0.0/0", &r));
    ck_assert_uint_eq(r.metric, 0);
    ck_assert(allowed(FILTER_IN, "11.0.0.0/8", &r));
    ck_assert_uint_eq(r.metric, 0);

    /* IPv4 lengths are user lengths: 0.0.0.0/0 has length 0, not 96. */
    add("in ip 0.0.0.0/0 eq 0 metric 6");
    ck_assert(allowed(FILTER_IN, "0.0.0.0/0", &r));
    ck_assert_uint_eq(r.metric, 6);
}
END_TEST

START_TEST(test_src_selectors)
{
    add("out src-ip 2001:db8::/32 src-ge 48 metric 1");
    add("out src-eq 0 metric 2");
    add("out src-le 40 metric 3");
    struct q q;
    struct filter_result r;
    struct filter *l = cfg.filters[FILTER_OUT];
    ck_assert(filter_apply(
        FILTER_OUT, l, query(&q, "2001:db8:1::/48", "2001:db8:5::/56", NULL, NULL, NULL, -1, false),
        &r));
    ck_assert_uint_eq(r.metric, 1);
    /* Too short for src-ge 48; matches src-le 40. */
    ck_assert(filter_apply(
        FILTER_OUT, l, query(&q, "2001:db8:1::/48", "2001:db8::/32", NULL, NULL, NULL, -1, false),
        &r));
    ck_assert_uint_eq(r.metric, 3);
    /* No source prefix: the route is from anywhere, length 0. */
    ck_assert(filter_apply(FILTER_OUT, l,
                           query(&q, "2001:db8:1::/48", NULL, NULL, NULL, NULL, -1, false), &r));
    ck_assert_uint_eq(r.metric, 2);
    /* src-eq alone means IPv6; an IPv4 route needs an IPv4 address on the line. */
    ck_assert(filter_apply(FILTER_OUT, l,
                           query(&q, "10.0.0.0/8", "0.0.0.0/0", NULL, NULL, NULL, -1, false), &r));
    ck_assert_uint_eq(r.metric, 0);
    add("out src-ip 0.0.0.0/0 src-eq 0 metric 6");
    ck_assert(filter_apply(FILTER_OUT, l,
                           query(&q, "10.0.0.0/8", NULL, NULL, NULL, NULL, -1, false), &r));
    ck_assert_uint_eq(r.metric, 6);
    /* Outside the src-ip prefix and long: nothing matches. */
    ck_assert(filter_apply(
        FILTER_OUT, l, query(&q, "2001:db8:1::/48", "2001:db9::/48", NULL, NULL, NULL, -1, false),
        &r));
    ck_assert_uint_eq(r.metric, 0);
}
END_TEST

START_TEST(test_neigh_id_if_proto)
{
    add("in neigh fe80::1 metric 1");
    add("in id 02:00:00:00:00:00:00:07 metric 2");
    add("in if eth1 metric 3");
    add("in proto 9 metric 4");
    struct filter *l = cfg.filters[FILTER_IN];
    struct q q;
    struct filter_result r;
    ck_assert(filter_apply(FILTER_IN, l,
                           query(&q, "::/0", NULL, NULL, "fe80::1", "eth0", -1, false), &r));
    ck_assert_uint_eq(r.metric, 1);
    ck_assert(filter_apply(
        FILTER_IN, l,
        query(&q, "::/0", NULL, "02:00:00:00:00:00:00:07", "fe80::2", "eth0", -1, false), &r));
    ck_assert_uint_eq(r.metric, 2);
    ck_assert(filter_apply(
        FILTER_IN, l,
        query(&q, "::/0", NULL, "02:00:00:00:00:00:00:08", "fe80::2", "eth1", -1, false), &r));
    ck_assert_uint_eq(r.metric, 3);
    ck_assert(
        filter_apply(FILTER_IN, l, query(&q, "::/0", NULL, NULL, NULL, "eth2", 9, false), &r));
    ck_assert_uint_eq(r.metric, 4);
    /* Missing fields never satisfy a selector on them. */
    ck_assert(filter_apply(FILTER_IN, l, query(&q, "::/0", NULL, NULL, NULL, NULL, -1, false), &r));
    ck_assert_uint_eq(r.metric, 0);

    /* Several selectors on one line must all hold. */
    config_free(&cfg);
    config_init(&cfg);
    add("out ip 10.0.0.0/8 if eth0 deny");
    l = cfg.filters[FILTER_OUT];
    ck_assert(!filter_apply(FILTER_OUT, l,
                            query(&q, "10.0.0.0/16", NULL, NULL, NULL, "eth0", -1, false), &r));
    ck_assert(filter_apply(FILTER_OUT, l,
                           query(&q, "10.0.0.0/16", NULL, NULL, NULL, "eth1", -1, false), &r));
    ck_assert(filter_apply(FILTER_OUT, l,
                           query(&q, "11.0.0.0/16", NULL, NULL, NULL, "eth0", -1, false), &r));
}
END_TEST

START_TEST(test_actions)
{
    struct q q;
    struct filter_result r;
    add("redistribute ip 2001:db8::/32 src-prefix 2001:db8:1::/64 metric 77");
    ck_assert(filter_apply(FILTER_REDISTRIBUTE, cfg.filters[FILTER_REDISTRIBUTE],
                           query(&q, "2001:db8:2::/48", NULL, NULL, NULL, NULL, 4, false), &r));
    ck_assert_uint_eq(r.metric, 77);
    ck_assert(r.has_set_src_prefix);
    struct prefix p;
    prefix_parse("2001:db8:1::/64", &p);
    ck_assert(prefix_eq(&r.set_src_prefix, &p));
    ck_assert_int_eq(r.table, -1);

    /* The src-prefix's family restricts the line. */
    ck_assert(!filter_apply(FILTER_REDISTRIBUTE, cfg.filters[FILTER_REDISTRIBUTE],
                            query(&q, "10.0.0.0/8", NULL, NULL, NULL, NULL, 4, false), &r));
    add("redistribute src-prefix 2001:db8:9::/64");
    ck_assert(!filter_apply(FILTER_REDISTRIBUTE, cfg.filters[FILTER_REDISTRIBUTE],
                            query(&q, "10.0.0.0/8", NULL, NULL, NULL, NULL, 4, false), &r));
    ck_assert(filter_apply(FILTER_REDISTRIBUTE, cfg.filters[FILTER_REDISTRIBUTE],
                           query(&q, "2001:db9::/32", NULL, NULL, NULL, NULL, 4, false), &r));
    ck_assert(r.has_set_src_prefix);

    add("install pref-src 2001:db8::1 table 7");
    add("install ip 192.168.0.0/16 table 100 pref-src 192.168.1.1");
    add("install ip 10.0.0.0/8 deny");
    struct filter *l = cfg.filters[FILTER_INSTALL];
    ck_assert(filter_apply(FILTER_INSTALL, l,
                           query(&q, "192.168.5.0/24", NULL, NULL, NULL, NULL, -1, false), &r));
    ck_assert_int_eq(r.table, 100);
    ck_assert(r.has_pref_src);
    uint8_t a[16];
    addr_parse("192.168.1.1", a);
    ck_assert_mem_eq(r.pref_src, a, 16);
    ck_assert(!filter_apply(FILTER_INSTALL, l,
                            query(&q, "10.5.0.0/16", NULL, NULL, NULL, NULL, -1, false), &r));
    ck_assert(r.deny);
    ck_assert_int_eq(r.table, -1);
    ck_assert(!r.has_pref_src);
    ck_assert(filter_apply(FILTER_INSTALL, l,
                           query(&q, "172.16.0.0/12", NULL, NULL, NULL, NULL, -1, false), &r));
    ck_assert_int_eq(r.table, -1);
    /* The first install line has an IPv6 pref-src: only IPv6 routes take it. */
    ck_assert(filter_apply(FILTER_INSTALL, l,
                           query(&q, "2001:db8::/32", NULL, NULL, NULL, NULL, -1, false), &r));
    ck_assert_int_eq(r.table, 7);
    ck_assert_mem_eq(r.pref_src, (addr_parse("2001:db8::1", a), a), 16);

    /* in: allow is metric 0, metric N is added, deny denies. */
    add("in ip 10.0.0.0/8 allow");
    add("in ip 11.0.0.0/8 metric 300");
    add("in ip 12.0.0.0/8 metric 0");
    add("in ip 13.0.0.0/8");
    add("in deny");
    ck_assert(allowed(FILTER_IN, "10.0.0.0/8", &r));
    ck_assert_uint_eq(r.metric, 0);
    ck_assert(allowed(FILTER_IN, "11.0.0.0/8", &r));
    ck_assert_uint_eq(r.metric, 300);
    ck_assert(allowed(FILTER_IN, "12.0.0.0/8", &r));
    ck_assert_uint_eq(r.metric, 0);
    ck_assert(allowed(FILTER_IN, "13.1.0.0/16", &r));
    ck_assert(!allowed(FILTER_IN, "14.0.0.0/8", &r));
    ck_assert(r.deny);
}
END_TEST

START_TEST(test_first_match_wins)
{
    add("out ip 10.0.0.0/8 metric 10");
    add("out ip 10.1.0.0/16 deny"); /* shadowed by the line above */
    add("out ip 10.0.0.0/8 metric 20");
    add("out deny");
    struct filter_result r;
    ck_assert(allowed(FILTER_OUT, "10.1.0.0/16", &r));
    ck_assert_uint_eq(r.metric, 10);
    ck_assert(!allowed(FILTER_OUT, "192.168.0.0/16", &r));

    /* Order of addition is order of evaluation. */
    add("in ip 10.1.0.0/16 deny");
    add("in ip 10.0.0.0/8 metric 10");
    ck_assert(!allowed(FILTER_IN, "10.1.0.0/16", &r));
    ck_assert(allowed(FILTER_IN, "10.2.0.0/16", &r));
    ck_assert_uint_eq(r.metric, 10);
}
END_TEST

START_TEST(test_free_list)
{
    struct filter *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    a->next = b;
    filter_free_list(a);
    filter_free_list(NULL);
}
END_TEST

static Suite *filter_suite(void)
{
    Suite *s = suite_create("filter");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_empty_lists);
    tcase_add_test(tc, test_redistribute_defaults);
    tcase_add_test(tc, test_redistribute_proto_rules);
    tcase_add_test(tc, test_redistribute_local);
    tcase_add_test(tc, test_ip_selector);
    tcase_add_test(tc, test_length_selectors);
    tcase_add_test(tc, test_src_selectors);
    tcase_add_test(tc, test_neigh_id_if_proto);
    tcase_add_test(tc, test_actions);
    tcase_add_test(tc, test_first_match_wins);
    tcase_add_test(tc, test_free_list);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(filter_suite());
}
