/* kernel.c against a real kernel, inside a private network namespace made at
 * the start of main(): the veth pair, routes and addresses vanish with the
 * process, and nothing outside the namespace is ever touched.  Needs root;
 * exits 77 (skip) without it. */
#include "tests/unit/unit.h"
#include "babel/kernel.h"

#include <check.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define VETH_A "kt0"
#define VETH_B "kt1"

static unsigned veth_index;

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
    char cmd[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    ck_assert_msg(rc == 0, "command failed (%d): %s", rc, cmd);
}

/* True when `ip -N` (numbers, not names from rt_protos) lists a route
 * matching `selector` whose text contains `needle`: the kernel's own view,
 * read by another program than the one under test. */
static bool ip_route_contains(const char *selector, const char *needle)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "ip -N route show %s", selector);
    return unit_output_contains(cmd, needle);
}

static struct prefix P(const char *s)
{
    struct prefix p;
    ck_assert_msg(prefix_parse(s, &p) == 0, "bad prefix %s", s);
    return p;
}

static void A(const char *s, uint8_t out[16]) { ck_assert_int_eq(addr_parse(s, out), 0); }

static struct kernel_route route(const char *dst, const char *gw, unsigned ifindex, uint32_t table,
                                 uint32_t metric)
{
    struct kernel_route r;
    memset(&r, 0, sizeof(r));
    r.prefix = P(dst);
    prefix_default_src(&r.prefix, &r.src_prefix);
    if (gw)
        A(gw, r.gateway);
    r.ifindex = ifindex;
    r.table = table;
    r.metric = metric;
    return r;
}

/* ------------------------------------------------------------------------
 * Finding routes in dumps */

struct find {
    struct prefix prefix;
    bool match_src;
    struct prefix src;
    int count;
    struct kernel_route found;
};

static void find_cb(const struct kernel_route *r, void *ctx)
{
    struct find *f = ctx;
    if (!prefix_eq(&r->prefix, &f->prefix))
        return;
    if (f->match_src && !prefix_eq(&r->src_prefix, &f->src))
        return;
    f->count++;
    f->found = *r;
}

static int find_route(uint32_t table, const char *dst, struct kernel_route *out)
{
    struct find f = {.prefix = P(dst)};
    ck_assert_int_eq(kernel_dump_routes(table, find_cb, &f), 0);
    if (out && f.count)
        *out = f.found;
    return f.count;
}

struct within {
    struct prefix outer;
    int count;
};

static void within_cb(const struct kernel_route *r, void *ctx)
{
    struct within *w = ctx;
    if (prefix_within(&r->prefix, &w->outer))
        w->count++;
}

struct count_proto {
    int babel, other_static;
};

static void count_proto_cb(const struct kernel_route *r, void *ctx)
{
    struct count_proto *c = ctx;
    if (r->protocol == RTPROT_BABEL_NUM)
        c->babel++;
    else if (r->protocol == RTPROT_STATIC)
        c->other_static++;
}

/* ------------------------------------------------------------------------
 * Notifications */

struct seen {
    /* What to wait for. */
    struct prefix want_route;
    struct prefix want_addr;
    const char *want_link;
    unsigned want_flags_set, want_flags_clear;
    /* What arrived. */
    bool route_seen, route_deleted_seen, addr_seen, link_seen, link_deleted_seen;
    int route_count;
    struct kernel_route route;
    struct kernel_addr addr;
    struct kernel_link link;
};

static void seen_link(const struct kernel_link *l, bool deleted, void *ctx)
{
    struct seen *s = ctx;
    if (!s->want_link || strcmp(l->name, s->want_link) != 0)
        return;
    if (deleted) {
        s->link_deleted_seen = true;
        return;
    }
    if ((l->flags & s->want_flags_set) == s->want_flags_set && !(l->flags & s->want_flags_clear)) {
        s->link_seen = true;
        s->link = *l;
    }
}

static void seen_addr(const struct kernel_addr *a, bool deleted, void *ctx)
{
    struct seen *s = ctx;
    if (!deleted && prefix_eq(&a->prefix, &s->want_addr)) {
        s->addr_seen = true;
        s->addr = *a;
    }
}

static void seen_route(const struct kernel_route *r, bool deleted, void *ctx)
{
    struct seen *s = ctx;
    if (!prefix_eq(&r->prefix, &s->want_route) && !prefix_within(&r->prefix, &s->want_route))
        return;
    if (deleted) {
        s->route_deleted_seen = true;
        return;
    }
    s->route_count++;
    s->route_seen = true;
    s->route = *r;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Reads notifications until done(s) or the timeout; the poll is what waits,
 * never a sleep. */
static bool wait_for(struct seen *s, bool (*done)(const struct seen *), int timeout_ms)
{
    struct kernel_notify_ops ops = {seen_link, seen_addr, seen_route, s};
    uint64_t deadline = mono_ms() + (uint64_t)timeout_ms;
    for (;;) {
        ck_assert_int_eq(kernel_notify_read(&ops), 0);
        if (done(s))
            return true;
        uint64_t now = mono_ms();
        if (now >= deadline)
            return false;
        struct pollfd pfd = {.fd = kernel_notify_fd(), .events = POLLIN};
        int rc = poll(&pfd, 1, (int)(deadline - now));
        ck_assert_int_ge(rc, 0);
    }
}

static void drain(void)
{
    struct kernel_notify_ops ops = {0};
    ck_assert_int_eq(kernel_notify_read(&ops), 0);
}

static bool done_route(const struct seen *s) { return s->route_seen; }
static bool done_addr(const struct seen *s) { return s->addr_seen; }
static bool done_link(const struct seen *s) { return s->link_seen; }
static bool done_link_deleted(const struct seen *s) { return s->link_deleted_seen; }
static bool done_addr_route(const struct seen *s) { return s->addr_seen && s->route_seen; }

/* ------------------------------------------------------------------------
 * Fixture */

static void setup(void)
{
    ck_assert_int_eq(kernel_open(), 0);
    ck_assert_int_ge(kernel_notify_fd(), 0);
    ck_assert_int_ge(kernel_flush_babel_routes(0), 0);
}

static void teardown(void)
{
    kernel_flush_babel_routes(0);
    kernel_close();
}

/* ------------------------------------------------------------------------
 * Tests */

struct link_find {
    const char *name;
    struct kernel_link l;
    int count;
};

static void link_find_cb(const struct kernel_link *l, void *ctx)
{
    struct link_find *f = ctx;
    if (strcmp(l->name, f->name) == 0) {
        f->l = *l;
        f->count++;
    }
}

START_TEST(test_links)
{
    struct link_find f = {.name = VETH_A};
    ck_assert_int_eq(kernel_dump_links(link_find_cb, &f), 0);
    ck_assert_int_eq(f.count, 1);
    ck_assert_uint_eq(f.l.ifindex, veth_index);
    ck_assert_uint_eq(f.l.mac_len, 6);
    ck_assert_uint_eq(f.l.mtu, 1500);
    ck_assert(f.l.flags & IFF_UP);
    ck_assert(f.l.flags & IFF_MULTICAST);
    ck_assert(!f.l.is_wireless);

    struct link_find lo = {.name = "lo"};
    ck_assert_int_eq(kernel_dump_links(link_find_cb, &lo), 0);
    ck_assert_int_eq(lo.count, 1);
    ck_assert(lo.l.flags & IFF_LOOPBACK);

    struct kernel_link l;
    ck_assert_int_eq(kernel_link_by_name(VETH_A, &l), 0);
    ck_assert_uint_eq(l.ifindex, veth_index);
    ck_assert_str_eq(l.name, VETH_A);
    ck_assert_mem_eq(l.mac, f.l.mac, 6);
    errno = 0;
    ck_assert_int_eq(kernel_link_by_name("nosuchkt9", &l), -1);
    ck_assert_int_eq(errno, ENODEV);
}
END_TEST

START_TEST(test_route_v4_gateway)
{
    struct kernel_route r = route("10.1.0.0/24", "10.0.0.1", veth_index, 0, 100), got;
    ck_assert_int_eq(kernel_route_add(&r), 0);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "10.1.0.0/24", &got), 1);
    ck_assert_uint_eq(got.protocol, RTPROT_BABEL_NUM);
    ck_assert_uint_eq(got.type, RTN_UNICAST);
    ck_assert_uint_eq(got.table, RT_TABLE_MAIN);
    ck_assert_uint_eq(got.ifindex, veth_index);
    ck_assert_uint_eq(got.metric, 100);
    ck_assert_uint_eq(got.prefix.plen, 96 + 24);
    ck_assert_mem_eq(got.gateway, r.gateway, 16);
    ck_assert(!got.gateway_v6_for_v4);
    ck_assert(prefix_is_default_src(&got.src_prefix));
    ck_assert(prefix_is_v4(&got.src_prefix));
    ck_assert(ip_route_contains("10.1.0.0/24", "onlink"));
    ck_assert(ip_route_contains("10.1.0.0/24", "proto 42"));

    /* Adding twice is refused with the kernel's errno. */
    errno = 0;
    ck_assert_int_eq(kernel_route_add(&r), -1);
    ck_assert_int_eq(errno, EEXIST);
}
END_TEST

START_TEST(test_route_v4_via_v6)
{
    struct kernel_route r = route("10.2.0.0/24", "fe80::1", veth_index, 0, 0), got;
    r.gateway_v6_for_v4 = true;
    ck_assert_int_eq(kernel_route_add(&r), 0);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "10.2.0.0/24", &got), 1);
    ck_assert(got.gateway_v6_for_v4);
    ck_assert_mem_eq(got.gateway, r.gateway, 16);
    ck_assert_uint_eq(got.ifindex, veth_index);
    ck_assert_uint_eq(got.protocol, RTPROT_BABEL_NUM);
    ck_assert(ip_route_contains("10.2.0.0/24", "via inet6 fe80::1"));
}
END_TEST

START_TEST(test_route_v4_default)
{
    struct kernel_route r = route("0.0.0.0/0", "10.0.0.1", veth_index, 0, 0), got;
    ck_assert_int_eq(kernel_route_add(&r), 0);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "0.0.0.0/0", &got), 1);
    ck_assert_uint_eq(got.prefix.plen, 96);
    ck_assert(prefix_is_v4(&got.prefix));
    ck_assert_uint_eq(got.protocol, RTPROT_BABEL_NUM);
}
END_TEST

START_TEST(test_route_v6)
{
    struct kernel_route r = route("2001:db8:1::/48", "fe80::2", veth_index, 0, 256), got;
    A("2001:db8:ffff::1", r.pref_src);
    run("ip -6 addr add 2001:db8:ffff::1/128 dev lo nodad");
    ck_assert_int_eq(kernel_route_add(&r), 0);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "2001:db8:1::/48", &got), 1);
    ck_assert_uint_eq(got.protocol, RTPROT_BABEL_NUM);
    ck_assert_uint_eq(got.ifindex, veth_index);
    ck_assert_uint_eq(got.metric, 256);
    ck_assert_uint_eq(got.prefix.plen, 48);
    ck_assert_mem_eq(got.gateway, r.gateway, 16);
    ck_assert_mem_eq(got.pref_src, r.pref_src, 16);
    ck_assert(prefix_is_default_src(&got.src_prefix));
    ck_assert(!prefix_is_v4(&got.src_prefix));
    run("ip -6 addr del 2001:db8:ffff::1/128 dev lo");
}
END_TEST

START_TEST(test_route_v6_source_specific)
{
    struct kernel_route r = route("2001:db8:2::/48", "fe80::2", veth_index, 0, 0);
    r.src_prefix = P("2001:db8:ff::/56");
    ck_assert_int_eq(kernel_route_add(&r), 0);
    /* The same destination from everywhere is a different route. */
    struct kernel_route plain = route("2001:db8:2::/48", "fe80::3", veth_index, 0, 0);
    ck_assert_int_eq(kernel_route_add(&plain), 0);

    struct find f = {.prefix = P("2001:db8:2::/48"), .match_src = true, .src = r.src_prefix};
    ck_assert_int_eq(kernel_dump_routes(RT_TABLE_MAIN, find_cb, &f), 0);
    ck_assert_int_eq(f.count, 1);
    ck_assert_mem_eq(f.found.gateway, r.gateway, 16);
    ck_assert_uint_eq(f.found.src_prefix.plen, 56);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "2001:db8:2::/48", NULL), 2);

    ck_assert_int_eq(kernel_route_del(&r), 0);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "2001:db8:2::/48", &f.found), 1);
    ck_assert(prefix_is_default_src(&f.found.src_prefix));

    /* Linux has no IPv4 source-specific routes. */
    struct kernel_route v4 = route("10.7.0.0/24", "10.0.0.1", veth_index, 0, 0);
    v4.src_prefix = P("10.8.0.0/16");
    errno = 0;
    ck_assert_int_eq(kernel_route_add(&v4), -1);
    ck_assert_int_eq(errno, EAFNOSUPPORT);
}
END_TEST

START_TEST(test_route_tables)
{
    struct kernel_route r = route("10.3.0.0/24", "10.0.0.1", veth_index, 100, 0), got;
    ck_assert_int_eq(kernel_route_add(&r), 0);
    struct kernel_route big = route("2001:db8:3::/48", "fe80::1", veth_index, 1000, 0);
    ck_assert_int_eq(kernel_route_add(&big), 0);

    ck_assert_int_eq(find_route(100, "10.3.0.0/24", &got), 1);
    ck_assert_uint_eq(got.table, 100);
    ck_assert_uint_eq(got.protocol, RTPROT_BABEL_NUM);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "10.3.0.0/24", NULL), 0);
    ck_assert_int_eq(find_route(0, "10.3.0.0/24", NULL), 1);

    ck_assert_int_eq(find_route(1000, "2001:db8:3::/48", &got), 1);
    ck_assert_uint_eq(got.table, 1000);
    ck_assert_int_eq(find_route(100, "2001:db8:3::/48", NULL), 0);
    ck_assert(ip_route_contains("table 100 10.3.0.0/24", "10.3.0.0/24"));

    /* Deleting in the wrong table finds nothing. */
    struct kernel_route wrong = r;
    wrong.table = 101;
    errno = 0;
    ck_assert_int_eq(kernel_route_del(&wrong), -1);
    ck_assert_int_eq(errno, ESRCH);
    ck_assert_int_eq(kernel_route_del(&r), 0);
    ck_assert_int_eq(find_route(100, "10.3.0.0/24", NULL), 0);
}
END_TEST

START_TEST(test_route_unreachable)
{
    struct kernel_route r = route("10.5.0.0/24", NULL, 0, 0, 0), got;
    r.type = RTN_UNREACHABLE;
    ck_assert_int_eq(kernel_route_add(&r), 0);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "10.5.0.0/24", &got), 1);
    ck_assert_uint_eq(got.type, RTN_UNREACHABLE);
    struct kernel_route r6 = route("2001:db8:5::/48", NULL, 0, 0, 0);
    r6.type = RTN_UNREACHABLE;
    ck_assert_int_eq(kernel_route_add(&r6), 0);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "2001:db8:5::/48", &got), 1);
    ck_assert_uint_eq(got.type, RTN_UNREACHABLE);
    ck_assert_int_eq(kernel_route_del(&r), 0);
    ck_assert_int_eq(kernel_route_del(&r6), 0);
}
END_TEST

START_TEST(test_route_replace)
{
    struct kernel_route r = route("10.4.0.0/24", "10.0.0.1", veth_index, 0, 50), got;
    ck_assert_int_eq(kernel_route_add(&r), 0);
    struct kernel_route r6 = route("2001:db8:4::/48", "fe80::1", veth_index, 0, 50);
    ck_assert_int_eq(kernel_route_add(&r6), 0);
    drain();

    A("10.0.0.2", r.gateway);
    ck_assert_int_eq(kernel_route_replace(&r), 0);
    struct seen s = {.want_route = P("10.4.0.0/24")};
    ck_assert(wait_for(&s, done_route, 2000));
    ck_assert(!s.route_deleted_seen);
    ck_assert_mem_eq(s.route.gateway, r.gateway, 16);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "10.4.0.0/24", &got), 1);
    ck_assert_mem_eq(got.gateway, r.gateway, 16);

    A("fe80::9", r6.gateway);
    ck_assert_int_eq(kernel_route_replace(&r6), 0);
    struct seen s6 = {.want_route = P("2001:db8:4::/48")};
    ck_assert(wait_for(&s6, done_route, 2000));
    ck_assert(!s6.route_deleted_seen);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "2001:db8:4::/48", &got), 1);
    ck_assert_mem_eq(got.gateway, r6.gateway, 16);

    /* Replace also creates when nothing was there. */
    struct kernel_route fresh = route("10.6.0.0/24", "10.0.0.1", veth_index, 0, 0);
    ck_assert_int_eq(kernel_route_replace(&fresh), 0);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "10.6.0.0/24", NULL), 1);
}
END_TEST

START_TEST(test_route_del)
{
    struct kernel_route r = route("10.10.0.0/24", "10.0.0.1", veth_index, 0, 10);
    ck_assert_int_eq(kernel_route_add(&r), 0);
    /* A different metric is a different route. */
    struct kernel_route other_metric = r;
    other_metric.metric = 11;
    errno = 0;
    ck_assert_int_eq(kernel_route_del(&other_metric), -1);
    ck_assert_int_eq(errno, ESRCH);
    /* So is another gateway. */
    struct kernel_route other_gw = r;
    A("10.0.0.77", other_gw.gateway);
    ck_assert_int_eq(kernel_route_del(&other_gw), -1);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "10.10.0.0/24", NULL), 1);

    ck_assert_int_eq(kernel_route_del(&r), 0);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "10.10.0.0/24", NULL), 0);
    errno = 0;
    ck_assert_int_eq(kernel_route_del(&r), -1);
    ck_assert_int_eq(errno, ESRCH);

    struct kernel_route r6 = route("2001:db8:10::/48", "fe80::1", veth_index, 0, 0);
    struct kernel_route via6 = route("10.11.0.0/24", "fe80::1", veth_index, 0, 0);
    via6.gateway_v6_for_v4 = true;
    ck_assert_int_eq(kernel_route_add(&r6), 0);
    ck_assert_int_eq(kernel_route_add(&via6), 0);
    ck_assert_int_eq(kernel_route_del(&r6), 0);
    ck_assert_int_eq(kernel_route_del(&via6), 0);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "2001:db8:10::/48", NULL), 0);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "10.11.0.0/24", NULL), 0);

    /* A non-Babel route is not ours to delete. */
    run("ip route add 10.12.0.0/24 dev " VETH_A " proto static");
    struct kernel_route theirs = route("10.12.0.0/24", NULL, veth_index, 0, 0);
    ck_assert_int_eq(kernel_route_del(&theirs), -1);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "10.12.0.0/24", NULL), 1);
    run("ip route del 10.12.0.0/24 dev " VETH_A);
}
END_TEST

START_TEST(test_flush)
{
    const char *v4[] = {"10.20.0.0/24", "10.20.1.0/24", "0.0.0.0/0"};
    for (size_t i = 0; i < 3; i++) {
        struct kernel_route r = route(v4[i], "10.0.0.1", veth_index, 0, (uint32_t)i);
        ck_assert_int_eq(kernel_route_add(&r), 0);
    }
    struct kernel_route r6 = route("2001:db8:20::/48", "fe80::1", veth_index, 0, 0);
    ck_assert_int_eq(kernel_route_add(&r6), 0);
    struct kernel_route ss = route("2001:db8:21::/48", "fe80::1", veth_index, 0, 0);
    ss.src_prefix = P("2001:db8:99::/48");
    ck_assert_int_eq(kernel_route_add(&ss), 0);
    struct kernel_route t100 = route("10.21.0.0/24", "10.0.0.1", veth_index, 100, 0);
    ck_assert_int_eq(kernel_route_add(&t100), 0);
    struct kernel_route t1000 = route("2001:db8:22::/48", "fe80::1", veth_index, 1000, 0);
    ck_assert_int_eq(kernel_route_add(&t1000), 0);
    run("ip route add 10.29.0.0/24 dev " VETH_A " proto static");
    run("ip -6 route add 2001:db8:29::/48 dev " VETH_A " proto static");
    run("ip route add 10.29.1.0/24 dev " VETH_A " proto static table 100");

    /* One table only. */
    ck_assert_int_eq(kernel_flush_babel_routes(100), 1);
    ck_assert_int_eq(find_route(100, "10.21.0.0/24", NULL), 0);
    ck_assert_int_eq(find_route(1000, "2001:db8:22::/48", NULL), 1);

    ck_assert_int_eq(kernel_flush_babel_routes(0), 6);
    struct count_proto c = {0};
    ck_assert_int_eq(kernel_dump_routes(0, count_proto_cb, &c), 0);
    ck_assert_int_eq(c.babel, 0);
    ck_assert_int_eq(c.other_static, 3);
    ck_assert_int_eq(kernel_flush_babel_routes(0), 0);

    run("ip route del 10.29.0.0/24 dev " VETH_A);
    run("ip -6 route del 2001:db8:29::/48 dev " VETH_A);
    run("ip route del 10.29.1.0/24 dev " VETH_A " table 100");
}
END_TEST

START_TEST(test_notify_addr_route)
{
    drain();
    run("ip addr add 192.0.2.1/24 dev " VETH_A);
    run("ip route add 198.51.100.0/24 via 192.0.2.254 dev " VETH_A " proto static metric 7");
    struct seen s = {.want_route = P("198.51.100.0/24"), .want_addr = P("192.0.2.1")};
    s.want_addr.plen = 96 + 24; /* the address keeps its host bits */
    ck_assert(wait_for(&s, done_addr_route, 2000));
    ck_assert_uint_eq(s.addr.ifindex, veth_index);
    ck_assert(!s.addr.has_peer);
    ck_assert_uint_eq(s.addr.scope, RT_SCOPE_UNIVERSE);
    ck_assert_uint_eq(s.route.protocol, RTPROT_STATIC);
    ck_assert_uint_eq(s.route.metric, 7);
    ck_assert_uint_eq(s.route.ifindex, veth_index);

    /* A point-to-point address names its peer. */
    struct seen p = {.want_addr = P("192.0.2.100")};
    p.want_addr.plen = 128;
    run("ip addr add 192.0.2.100 peer 198.51.100.200 dev " VETH_A);
    ck_assert(wait_for(&p, done_addr, 2000));
    ck_assert(p.addr.has_peer);
    uint8_t peer[16];
    A("198.51.100.200", peer);
    ck_assert_mem_eq(p.addr.peer, peer, 16);

    struct seen a6 = {.want_addr = P("2001:db8:aa::1")};
    a6.want_addr.plen = 64;
    run("ip -6 addr add 2001:db8:aa::1/64 dev " VETH_A " nodad");
    ck_assert(wait_for(&a6, done_addr, 2000));
    ck_assert(!a6.addr.has_peer);
    ck_assert_uint_eq(a6.addr.ifindex, veth_index);

    /* Deletions are flagged. */
    struct seen del = {.want_route = P("198.51.100.0/24")};
    run("ip route del 198.51.100.0/24");
    struct kernel_notify_ops ops = {NULL, NULL, seen_route, &del};
    uint64_t deadline = mono_ms() + 2000;
    while (!del.route_deleted_seen && mono_ms() < deadline) {
        struct pollfd pfd = {.fd = kernel_notify_fd(), .events = POLLIN};
        poll(&pfd, 1, 200);
        ck_assert_int_eq(kernel_notify_read(&ops), 0);
    }
    ck_assert(del.route_deleted_seen);

    run("ip addr del 192.0.2.1/24 dev " VETH_A);
    run("ip addr del 192.0.2.100 peer 198.51.100.200 dev " VETH_A);
    run("ip -6 addr del 2001:db8:aa::1/64 dev " VETH_A);
}
END_TEST

struct addr_find {
    struct prefix want;
    int count;
    struct kernel_addr a;
};

static void addr_find_cb(const struct kernel_addr *a, void *ctx)
{
    struct addr_find *f = ctx;
    if (prefix_eq(&a->prefix, &f->want)) {
        f->count++;
        f->a = *a;
    }
}

START_TEST(test_dump_addrs)
{
    run("ip addr add 203.0.113.9/28 dev " VETH_A);
    struct addr_find f = {0};
    A("203.0.113.9", f.want.addr);
    f.want.plen = 96 + 28;
    ck_assert_int_eq(kernel_dump_addrs(addr_find_cb, &f), 0);
    ck_assert_int_eq(f.count, 1);
    ck_assert_uint_eq(f.a.ifindex, veth_index);
    ck_assert(!f.a.has_peer);

    struct addr_find lo6 = {0};
    A("::1", lo6.want.addr);
    lo6.want.plen = 128;
    ck_assert_int_eq(kernel_dump_addrs(addr_find_cb, &lo6), 0);
    ck_assert_int_eq(lo6.count, 1);
    ck_assert_uint_eq(lo6.a.scope, RT_SCOPE_HOST);
    run("ip addr del 203.0.113.9/28 dev " VETH_A);
}
END_TEST

START_TEST(test_notify_link)
{
    drain();
    run("ip link set " VETH_A " down");
    struct seen down = {.want_link = VETH_A, .want_flags_clear = IFF_UP};
    ck_assert(wait_for(&down, done_link, 2000));
    ck_assert_uint_eq(down.link.ifindex, veth_index);

    run("ip link set " VETH_A " up");
    struct seen up = {.want_link = VETH_A, .want_flags_set = IFF_UP | IFF_RUNNING};
    ck_assert(wait_for(&up, done_link, 2000));
    ck_assert_uint_eq(up.link.mac_len, 6);

    run("ip link set " VETH_A " mtu 1400");
    struct kernel_link l;
    ck_assert_int_eq(kernel_link_by_name(VETH_A, &l), 0);
    ck_assert_uint_eq(l.mtu, 1400);
    run("ip link set " VETH_A " mtu 1500");

    struct seen added = {.want_link = "kt2"};
    run("ip link add kt2 type veth peer name kt3");
    ck_assert(wait_for(&added, done_link, 2000));
    ck_assert(!(added.link.flags & IFF_UP));
    struct seen gone = {.want_link = "kt2"};
    run("ip link del kt2");
    ck_assert(wait_for(&gone, done_link_deleted, 2000));
    errno = 0;
    ck_assert_int_eq(kernel_link_by_name("kt2", &l), -1);
    ck_assert_int_eq(errno, ENODEV);
}
END_TEST

/* 10,000 changes made faster than anyone reads: the notification socket's
 * buffer has to hold them all, and they must all arrive. */
START_TEST(test_notify_burst)
{
    enum { N = 10000 };
    int rcvbuf = 0;
    socklen_t optlen = sizeof(rcvbuf);
    ck_assert_int_eq(getsockopt(kernel_notify_fd(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, &optlen), 0);
    ck_assert_int_ge(rcvbuf, 16 * 1024 * 1024);
    drain();
    for (int i = 0; i < N; i++) {
        struct kernel_route r = route("172.16.0.0/32", "10.0.0.1", veth_index, 0, 0);
        r.prefix.addr[14] = (uint8_t)(i / 256);
        r.prefix.addr[15] = (uint8_t)(i % 256);
        ck_assert_int_eq(kernel_route_add(&r), 0);
    }
    struct seen s = {.want_route = P("172.16.0.0/16")};
    struct kernel_notify_ops ops = {NULL, NULL, seen_route, &s};
    uint64_t deadline = mono_ms() + 10000;
    while (s.route_count < N && mono_ms() < deadline) {
        ck_assert_int_eq(kernel_notify_read(&ops), 0);
        struct pollfd pfd = {.fd = kernel_notify_fd(), .events = POLLIN};
        poll(&pfd, 1, 100);
    }
    ck_assert_int_eq(s.route_count, N);
    ck_assert_int_eq(kernel_flush_babel_routes(RT_TABLE_MAIN), N);
}
END_TEST

/* With the buffer shrunk behind kernel.c's back, a burst overflows: the
 * caller is told once, and reading goes on normally afterwards. */
START_TEST(test_notify_overflow)
{
    drain();
    int small = 4096;
    ck_assert_int_eq(
        setsockopt(kernel_notify_fd(), SOL_SOCKET, SO_RCVBUFFORCE, &small, sizeof(small)), 0);
    for (int i = 0; i < 500; i++) {
        struct kernel_route r = route("172.17.0.0/32", "10.0.0.1", veth_index, 0, 0);
        r.prefix.addr[14] = (uint8_t)(i / 256);
        r.prefix.addr[15] = (uint8_t)(i % 256);
        ck_assert_int_eq(kernel_route_add(&r), 0);
    }
    struct kernel_notify_ops ops = {0};
    errno = 0;
    ck_assert_int_eq(kernel_notify_read(&ops), -1);
    ck_assert_int_eq(errno, ENOBUFS);
    ck_assert_int_eq(kernel_notify_read(&ops), 0);

    /* What the caller does next: a dump, which sees every route. */
    struct within w = {.outer = P("172.17.0.0/16")};
    ck_assert_int_eq(kernel_dump_routes(RT_TABLE_MAIN, within_cb, &w), 0);
    ck_assert_int_eq(w.count, 500);
    ck_assert_int_eq(kernel_flush_babel_routes(RT_TABLE_MAIN), 500);
}
END_TEST

START_TEST(test_route_multipath)
{
    run("ip route add 10.30.0.0/24 proto 42 nexthop via 10.0.0.1 dev " VETH_A
        " onlink nexthop via 10.0.0.2 dev " VETH_A " onlink");
    struct kernel_route got, want_gw = route("0.0.0.0/0", "10.0.0.1", 0, 0, 0);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "10.30.0.0/24", &got), 1);
    ck_assert_uint_eq(got.protocol, RTPROT_BABEL_NUM);
    ck_assert_uint_eq(got.ifindex, veth_index);
    ck_assert_mem_eq(got.gateway, want_gw.gateway, 16);
    /* flush deletes what it cannot describe fully. */
    ck_assert_int_eq(kernel_flush_babel_routes(0), 1);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "10.30.0.0/24", NULL), 0);
}
END_TEST

/* A notification callback may change routes (the daemon's normal reaction);
 * a dump callback may not, and is told so instead of corrupting the dump. */
static int reentrant_adds;

static void add_on_notify(const struct kernel_route *r, bool deleted, void *ctx)
{
    struct kernel_route copy = route("10.41.0.0/24", "10.0.0.1", veth_index, 0, 0);
    if (!deleted && r->prefix.plen == 96 + 24 && r->prefix.addr[12] == 10 &&
        r->prefix.addr[13] == 40 && kernel_route_add(&copy) == 0)
        reentrant_adds++;
}

static void add_on_dump(const struct kernel_route *r, void *ctx)
{
    int *refused = ctx;
    struct kernel_route x = route("10.42.0.0/24", "10.0.0.1", veth_index, 0, 0);
    errno = 0;
    if (kernel_route_add(&x) < 0 && errno == EBUSY)
        (*refused)++;
}

START_TEST(test_reentrancy)
{
    drain();
    run("ip route add 10.40.0.0/24 dev " VETH_A " proto static");
    struct kernel_notify_ops ops = {.route = add_on_notify};
    uint64_t deadline = mono_ms() + 2000;
    while (reentrant_adds == 0 && mono_ms() < deadline) {
        struct pollfd pfd = {.fd = kernel_notify_fd(), .events = POLLIN};
        poll(&pfd, 1, 200);
        ck_assert_int_eq(kernel_notify_read(&ops), 0);
    }
    ck_assert_int_eq(reentrant_adds, 1);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "10.41.0.0/24", NULL), 1);

    int refused = 0;
    ck_assert_int_eq(kernel_dump_routes(RT_TABLE_MAIN, add_on_dump, &refused), 0);
    ck_assert_int_gt(refused, 0);
    ck_assert_int_eq(find_route(RT_TABLE_MAIN, "10.42.0.0/24", NULL), 0);
    run("ip route del 10.40.0.0/24 dev " VETH_A);
}
END_TEST

START_TEST(test_sysctl)
{
    char old[32];
    ck_assert_int_eq(kernel_sysctl_set("net/ipv6/conf/all/forwarding", "1", old, sizeof(old)), 0);
    ck_assert_str_eq(old, "0");
    char now[32];
    ck_assert_int_eq(
        kernel_sysctl_set("/proc/sys/net/ipv6/conf/all/forwarding", "0", now, sizeof(now)), 0);
    ck_assert_str_eq(now, "1");
    ck_assert_int_eq(kernel_sysctl_set("net/ipv6/conf/all/forwarding", "0", NULL, 0), 0);
    ck_assert_int_eq(kernel_sysctl_set("net/ipv4/no_such_knob", "1", NULL, 0), -1);
}
END_TEST

/* ------------------------------------------------------------------------
 * Namespace set-up and the runner */

static Suite *kernel_suite(void)
{
    Suite *s = suite_create("kernel");
    TCase *tc = tcase_create("netns");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_links);
    tcase_add_test(tc, test_route_v4_gateway);
    tcase_add_test(tc, test_route_v4_via_v6);
    tcase_add_test(tc, test_route_v4_default);
    tcase_add_test(tc, test_route_v6);
    tcase_add_test(tc, test_route_v6_source_specific);
    tcase_add_test(tc, test_route_tables);
    tcase_add_test(tc, test_route_unreachable);
    tcase_add_test(tc, test_route_replace);
    tcase_add_test(tc, test_route_del);
    tcase_add_test(tc, test_flush);
    tcase_add_test(tc, test_notify_addr_route);
    tcase_add_test(tc, test_dump_addrs);
    tcase_add_test(tc, test_notify_link);
    tcase_add_test(tc, test_notify_burst);
    tcase_add_test(tc, test_notify_overflow);
    tcase_add_test(tc, test_route_multipath);
    tcase_add_test(tc, test_reentrancy);
    tcase_add_test(tc, test_sysctl);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int rc = unit_private_netns("test_kernel");
    if (rc != 0)
        return rc;
    if (system("ip link add " VETH_A " type veth peer name " VETH_B) != 0 ||
        system("ip link set " VETH_B " up") != 0 || system("ip link set " VETH_A " up") != 0) {
        fprintf(stderr, "test_kernel: skipped, cannot set up links with ip(8)\n");
        return 77;
    }
    veth_index = if_nametoindex(VETH_A);
    if (veth_index == 0) {
        fprintf(stderr, "test_kernel: %s missing after creation\n", VETH_A);
        return 1;
    }

    return unit_run(kernel_suite());
}
