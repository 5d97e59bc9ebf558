/* kernel_addr_add/del and kernel_link_create/delete against a real kernel,
 * in a private network namespace (as test_kernel.c).  Needs root; exits 77
 * (skip) without it. */
#include "tests/unit/unit.h"
#include "babel/kernel.h"

#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool ip_addr_shows(const char *dev, const char *needle)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "ip addr show dev %s", dev);
    return unit_output_contains(cmd, needle);
}

static struct prefix P(const char *s)
{
    struct prefix p;
    ck_assert_int_eq(prefix_parse(s, &p), 0);
    return p;
}

static void setup(void) { ck_assert_int_eq(kernel_open(), 0); }
static void teardown(void) { kernel_close(); }

START_TEST(test_addr_v4_on_lo)
{
    struct kernel_link lo;
    ck_assert_int_eq(kernel_link_by_name("lo", &lo), 0);
    struct prefix a = P("192.168.100.1/32");
    ck_assert_int_eq(kernel_addr_add(lo.ifindex, &a, true), 0);
    ck_assert(ip_addr_shows("lo", "inet 192.168.100.1/32 "));
    ck_assert_int_eq(kernel_addr_add(lo.ifindex, &a, true), 0); /* already there */
    ck_assert_int_eq(kernel_addr_del(lo.ifindex, &a), 0);
    ck_assert(!ip_addr_shows("lo", "192.168.100.1"));
    ck_assert_int_eq(kernel_addr_del(lo.ifindex, &a), 0); /* already gone */
}
END_TEST

START_TEST(test_addr_v6_and_errors)
{
    struct kernel_link lo;
    ck_assert_int_eq(kernel_link_by_name("lo", &lo), 0);
    struct prefix a = P("fd00:99::1/128");
    ck_assert_int_eq(kernel_addr_add(lo.ifindex, &a, false), 0);
    ck_assert(ip_addr_shows("lo", "inet6 fd00:99::1/128"));
    ck_assert_int_eq(kernel_addr_del(lo.ifindex, &a), 0);
    ck_assert(!ip_addr_shows("lo", "fd00:99::1"));
    struct prefix b = P("10.1.2.3/32");
    ck_assert_int_eq(kernel_addr_add(999999, &b, false), -1);
    ck_assert_int_eq(errno, ENODEV);
}
END_TEST

START_TEST(test_link_create)
{
    int rc = kernel_link_create("kt-dummy", "dummy");
    if (rc < 0) {
        /* Kernels without the dummy kind say so; that is the fallback case. */
        ck_assert_msg(errno == EOPNOTSUPP || errno == ENOENT || errno == EINVAL,
                      "unexpected errno %d", errno);
        struct kernel_link l;
        ck_assert_int_eq(kernel_link_by_name("kt-dummy", &l), -1);
        return;
    }
    struct kernel_link l;
    ck_assert_int_eq(kernel_link_by_name("kt-dummy", &l), 0);
    ck_assert(l.flags & IFF_UP);
    ck_assert_int_eq(kernel_link_create("kt-dummy", "dummy"), -1);
    ck_assert_int_eq(errno, EEXIST);
    ck_assert_int_eq(kernel_link_delete(l.ifindex), 0);
    ck_assert_int_eq(kernel_link_by_name("kt-dummy", &l), -1);
    ck_assert_int_eq(kernel_link_delete(l.ifindex), 0);
}
END_TEST

START_TEST(test_link_create_unknown_kind)
{
    ck_assert_int_eq(kernel_link_create("kt-x", "no-such-kind"), -1);
    ck_assert_int_eq(kernel_link_create("name-far-too-long-for-a-link", "dummy"), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

int main(void)
{
    int rc = unit_private_netns("test_kernel_addr");
    if (rc != 0)
        return rc;
    Suite *s = suite_create("kernel_addr");
    TCase *tc = tcase_create("kernel_addr");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_addr_v4_on_lo);
    tcase_add_test(tc, test_addr_v6_and_errors);
    tcase_add_test(tc, test_link_create);
    tcase_add_test(tc, test_link_create_unknown_kind);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
