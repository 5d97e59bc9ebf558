/* mcast/rule.c: mcast-rule lines parsed, refused with a reason and no
 * change, replaced and flushed by name. */
#include "tests/unit/unit.h"
#include "mcast/rule.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "babel/config.h"
#include "babel/extension.h"

static struct babel_config cfg;

static int line(const char *l, char *err, size_t errlen)
{
    return config_parse_line(&cfg, l, "test.conf", 7, NULL, err, errlen);
}

static void setup(void)
{
    static bool registered;
    if (!registered) {
        rule_init();
        registered = true;
    }
    config_init(&cfg);
}

static void teardown(void)
{
    rule_remove_all();
    config_free(&cfg);
}

START_TEST(test_full)
{
    char err[512] = "";
    ck_assert_int_eq(line("mcast-rule cam1 in eth0 group 239.1.1.1 port 5000 source 10.1.1.50 "
                          "resource 192.168.100.1 out eth1 out eth2 group 239.2.2.2 port 6000 "
                          "ttl 5 out gre0 unicast 10.2.0.5 port 7000",
                          err, sizeof(err)),
                     0);
    struct rule *r = rule_find("cam1");
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->c.in_if, "eth0");
    ck_assert_uint_eq(r->c.group, inet_addr("239.1.1.1"));
    ck_assert_uint_eq(r->c.port, 5000);
    ck_assert_uint_eq(r->c.source, inet_addr("10.1.1.50"));
    ck_assert_uint_eq(r->c.vip, inet_addr("192.168.100.1"));
    ck_assert_int_eq(r->c.nout, 3);
    ck_assert_str_eq(r->c.out[0].ifname, "eth1");
    ck_assert_uint_eq(r->c.out[0].group, 0);
    ck_assert_uint_eq(r->c.out[0].port, 0);
    ck_assert_uint_eq(r->c.out[1].group, inet_addr("239.2.2.2"));
    ck_assert_uint_eq(r->c.out[1].port, 6000);
    ck_assert_uint_eq(r->c.out[1].ttl, 5);
    ck_assert(r->c.out[2].unicast);
    ck_assert_uint_eq(r->c.out[2].uaddr, inet_addr("10.2.0.5"));
    ck_assert_uint_eq(r->c.out[2].port, 7000);
}
END_TEST

START_TEST(test_minimal_and_replace)
{
    char err[512];
    ck_assert_int_eq(line("mcast-rule a in eth0 group 239.1.1.1 out eth1", err, sizeof(err)), 0);
    struct rule *r = rule_find("a");
    ck_assert_uint_eq(r->c.port, 0);
    ck_assert_uint_eq(r->c.source, 0);
    ck_assert_uint_eq(r->c.vip, 0);
    ck_assert_int_eq(line("mcast-rule b in eth0 group 239.1.1.2 out eth1", err, sizeof(err)), 0);
    ck_assert_int_eq(line("mcast-rule a in eth3 group 239.1.1.1 out eth1 out eth2", err, sizeof(err)),
                     0);
    ck_assert_ptr_eq(rule_find("a"), r); /* replaced in place */
    ck_assert_str_eq(r->c.in_if, "eth3");
    ck_assert_int_eq(r->c.nout, 2);
    ck_assert_str_eq(rules->c.name, "a");
    ck_assert_str_eq(rules->next->c.name, "b");
    ck_assert_int_eq(rule_remove("a"), 0);
    ck_assert_ptr_null(rule_find("a"));
    ck_assert_int_eq(rule_remove("a"), -1);
    char w0[] = "mcast-rule", w1[] = "b";
    char *words[] = {w0, w1};
    ck_assert_int_eq(ext_dispatch_flush(words, 2, err, sizeof(err)), 0);
    ck_assert_ptr_null(rules);
    ck_assert_int_eq(ext_dispatch_flush(words, 2, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "no mcast-rule named 'b'"));
}
END_TEST

static void refused(const char *l, const char *reason)
{
    char err[512] = "";
    ck_assert_int_eq(line("mcast-rule keep in eth0 group 239.1.1.1 out eth1", err, sizeof(err)), 0);
    struct rule_conf before = rule_find("keep")->c;
    ck_assert_msg(line(l, err, sizeof(err)) == -1, "accepted: %s", l);
    ck_assert_msg(strncmp(err, "test.conf:7: ", 13) == 0, "no file:line in '%s'", err);
    ck_assert_msg(strstr(err, reason), "'%s': reason '%s' lacks '%s'", l, err, reason);
    ck_assert_int_eq(memcmp(&rule_find("keep")->c, &before, sizeof(before)), 0);
    ck_assert_ptr_null(rules->next);
}

START_TEST(test_refusals)
{
    refused("mcast-rule keep in eth0 group 239.1.1.300 out eth1", "not an IPv4 multicast address");
    refused("mcast-rule keep in eth0 group 10.0.0.1 out eth1", "not an IPv4 multicast address");
    refused("mcast-rule keep in eth0 group 239.1.1.1 port 65536 out eth1", "not a port number");
    refused("mcast-rule keep in eth0 group 239.1.1.1 port -1 out eth1", "not a port number");
    refused("mcast-rule keep in eth0 group 239.1.1.1 out eth1 port 99999", "not a port number");
    refused("mcast-rule keep in eth0 group 239.1.1.1 source 239.0.0.1 out eth1", "source");
    refused("mcast-rule keep in eth0 group 239.1.1.1 resource 0.0.0.0 out eth1", "resource");
    refused("mcast-rule keep in eth0 group 239.1.1.1 resource 10.1 out eth1", "resource");
    refused("mcast-rule keep in eth0 group 239.1.1.1 out eth1 unicast 239.1.1.1", "unicast");
    refused("mcast-rule keep in eth0 group 239.1.1.1 out eth1 ttl 0", "ttl");
    refused("mcast-rule keep in eth0 group 239.1.1.1 out eth1 ttl 256", "ttl");
    refused("mcast-rule keep in eth0 group 239.1.1.1", "missing 'out IF'");
    refused("mcast-rule keep group 239.1.1.1 out eth1", "missing 'in IF'");
    refused("mcast-rule keep in eth0 out eth1", "missing 'group G'");
    refused("mcast-rule keep in eth0 group 239.1.1.1 out", "needs an interface");
    refused("mcast-rule keep in eth0 group 239.1.1.1 out eth1 colour red", "unknown keyword");
    refused("mcast-rule keep in eth0 group 239.1.1.1 port", "missing value");
    refused("mcast-rule keep in averyveryverylongname group 239.1.1.1 out eth1", "interface name");
    refused("mcast-rule k/x in eth0 group 239.1.1.1 out eth1", "rule name");
    refused("mcast-rule keep in eth0 group 239.1.1.1 group 239.1.1.2 out eth1", "twice");
    refused("mcast-rule keep in eth0 group 239.1.1.1 out eth1 group 239.2.2.2 unicast 10.0.0.1",
            "exclude");
    refused("mcast-rule", "missing rule name");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rule");
    TCase *tc = tcase_create("rule");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_full);
    tcase_add_test(tc, test_minimal_and_replace);
    tcase_add_test(tc, test_refusals);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
