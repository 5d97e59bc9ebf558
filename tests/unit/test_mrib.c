/* Unit tests of the MRIB's table (mcast/mrib.h) and of the mcast-interface
 * directive (mcast/mcif.h): oif bookkeeping by origin, change callbacks,
 * refusals, RPF toward a connected subnet (in a private network namespace),
 * and the directive's parsing, replacement and refusals. */
#include <arpa/inet.h>
#include <check.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "babel/config.h"
#include "mcast/mcif.h"
#include "mcast/mrib.h"

static struct {
    unsigned adds, changes, flushes;
    struct mrib_view last;
} seen;

static void on_change(const struct mrib_view *v, enum ext_change what, void *ctx)
{
    if (what == EXT_ADD)
        seen.adds++;
    else if (what == EXT_CHANGE)
        seen.changes++;
    else
        seen.flushes++;
    seen.last = *v;
}

static bool registered;
static void setup(void)
{
    if (!registered) {
        mcif_register();
        mrib_register();
        ck_assert_int_eq(mrib_on_change(on_change, NULL), 0);
        registered = true;
    }
    memset(&seen, 0, sizeof(seen));
}

START_TEST(oifs_by_origin)
{
    struct in_addr any = {INADDR_ANY}, g = unit_ip4("239.1.2.3");
    struct mrib_view v;
    ck_assert_int_eq(mrib_add_oif(any, g, 7, MRIB_FROM_IGMP), 0);
    ck_assert_uint_eq(seen.adds, 1);
    /* idempotent: no second callback */
    ck_assert_int_eq(mrib_add_oif(any, g, 7, MRIB_FROM_IGMP), 0);
    ck_assert_uint_eq(seen.adds + seen.changes, 1);
    ck_assert_int_eq(mrib_add_oif(any, g, 7, MRIB_FROM_PIM), 0);
    ck_assert_uint_eq(seen.changes, 1);
    ck_assert_int_eq(mrib_add_oif(any, g, 9, MRIB_FROM_PIM), 0);
    ck_assert_int_eq(mrib_get(any, g, &v), 0);
    ck_assert_uint_eq(v.noifs, 2);
    ck_assert_uint_eq(v.oifs[0], 7);
    ck_assert_uint_eq(v.oif_origins[0], MRIB_FROM_IGMP | MRIB_FROM_PIM);
    ck_assert_uint_eq(v.oifs[1], 9);
    ck_assert_uint_eq(v.oif_origins[1], MRIB_FROM_PIM);
    /* no RP lookup and no route: no iif */
    ck_assert_uint_eq(v.iif, 0);
    /* taking IGMP away from 7 leaves PIM's */
    ck_assert_int_eq(mrib_del_oif(any, g, 7, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_get(any, g, &v), 0);
    ck_assert_uint_eq(v.noifs, 2);
    ck_assert_uint_eq(v.oif_origins[0], MRIB_FROM_PIM);
    ck_assert_int_eq(mrib_del_oif(any, g, 7, MRIB_FROM_PIM), 0);
    ck_assert_int_eq(mrib_get(any, g, &v), 0);
    ck_assert_uint_eq(v.noifs, 1);
    ck_assert_uint_eq(v.oifs[0], 9);
    ck_assert_uint_eq(seen.flushes, 0);
    /* deleting what is not there changes nothing */
    unsigned before = seen.changes;
    ck_assert_int_eq(mrib_del_oif(any, g, 7, MRIB_FROM_PIM), 0);
    ck_assert_uint_eq(seen.changes, before);
    /* the last oif takes the entry with it */
    ck_assert_int_eq(mrib_del_oif(any, g, 9, MRIB_FROM_PIM), 0);
    ck_assert_uint_eq(seen.flushes, 1);
    ck_assert_int_eq(mrib_get(any, g, &v), -1);
}
END_TEST

START_TEST(refusals)
{
    struct in_addr any = {INADDR_ANY};
    struct in_addr s = unit_ip4("10.0.1.2");
    ck_assert_int_eq(mrib_add_oif(any, unit_ip4("224.0.0.5"), 3, MRIB_FROM_PIM),
                     -1); /* link-local */
    ck_assert_int_eq(mrib_add_oif(any, unit_ip4("10.1.1.1"), 3, MRIB_FROM_PIM), -1); /* not mcast */
    ck_assert_int_eq(mrib_add_oif(unit_ip4("239.1.1.1"), unit_ip4("239.1.1.2"), 3, MRIB_FROM_PIM),
                     -1);
    ck_assert_int_eq(mrib_add_oif(unit_ip4("127.0.0.1"), unit_ip4("239.1.1.2"), 3, MRIB_FROM_PIM),
                     -1);
    ck_assert_int_eq(mrib_add_oif(s, unit_ip4("239.1.1.2"), 0, MRIB_FROM_PIM), -1);
    ck_assert_int_eq(mrib_add_oif(s, unit_ip4("239.1.1.2"), 3, 0), -1);
    ck_assert_int_eq(mrib_add_oif(s, unit_ip4("239.1.1.2"), 3, 1u << 7), -1);
    ck_assert_uint_eq(seen.adds, 0);
    /* at most MRIB_MAX_OIFS oifs per entry */
    for (unsigned i = 1; i <= MRIB_MAX_OIFS; i++)
        ck_assert_int_eq(mrib_add_oif(s, unit_ip4("239.1.1.2"), i, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_add_oif(s, unit_ip4("239.1.1.2"), MRIB_MAX_OIFS + 1, MRIB_FROM_IGMP), -1);
    for (unsigned i = 1; i <= MRIB_MAX_OIFS; i++)
        ck_assert_int_eq(mrib_del_oif(s, unit_ip4("239.1.1.2"), i, MRIB_FROM_IGMP), 0);
    struct mrib_view v;
    ck_assert_int_eq(mrib_get(s, unit_ip4("239.1.1.2"), &v), -1);
}
END_TEST

START_TEST(exclusions)
{
    struct in_addr s = unit_ip4("10.0.1.2"), g = unit_ip4("239.1.2.3"), any = {INADDR_ANY};
    ck_assert(!mrib_is_excluded(s, g, 4));
    ck_assert_int_eq(mrib_set_excluded(s, g, 4, true), 0);
    ck_assert_int_eq(mrib_set_excluded(s, g, 4, true), 0);
    ck_assert(mrib_is_excluded(s, g, 4));
    ck_assert(!mrib_is_excluded(s, g, 5));
    ck_assert(!mrib_is_excluded(unit_ip4("10.0.1.3"), g, 4));
    ck_assert_int_eq(mrib_set_excluded(s, g, 4, false), 0);
    ck_assert(!mrib_is_excluded(s, g, 4));
    ck_assert_int_eq(mrib_set_excluded(s, g, 4, false), 0);
    ck_assert_int_eq(mrib_set_excluded(any, g, 4, true), -1);
    ck_assert_int_eq(mrib_set_excluded(s, unit_ip4("224.0.0.9"), 4, true), -1);
    ck_assert_int_eq(mrib_set_excluded(s, g, 0, true), -1);
}
END_TEST

static int fixed_rp(struct in_addr g, struct in_addr *rp, void *ctx)
{
    *rp = unit_ip4("10.5.0.9");
    return 0;
}

/* RPF toward an on-link address, and (*,G) toward an on-link RP. */
START_TEST(rpf_connected)
{
    int rc = unit_private_netns("test_mrib");
    if (rc == 77)
        return; /* not root: nothing to check here */
    ck_assert_int_eq(system("ip link add mt0 type veth peer name mt1 && ip link set mt0 up && "
                            "ip addr add 10.5.0.1/24 dev mt0 && ip tuntap add mode tun mtun0 && "
                            "ip addr add 10.8.0.1 peer 10.8.0.2/32 dev mtun0"),
                     0);
    /* (the MRIB reads addresses once a second or when netlink says they
     * changed: all of them are in place before the first lookup) */
    unsigned idx = if_nametoindex("mt0"), got = 0;
    struct in_addr nb = unit_ip4("1.2.3.4");
    ck_assert_int_eq(mrib_rpf(unit_ip4("10.5.0.7"), &got, &nb), 0);
    ck_assert_uint_eq(got, idx);
    ck_assert_uint_eq(nb.s_addr, INADDR_ANY);
    ck_assert_int_eq(mrib_rpf(unit_ip4("10.6.0.1"), &got, &nb), -1);
    /* the far end of a point-to-point link (a TUN with a /32 and a peer) */
    ck_assert_int_eq(mrib_rpf(unit_ip4("10.8.0.2"), &got, &nb), 0);
    ck_assert_uint_eq(got, if_nametoindex("mtun0"));
    ck_assert_uint_eq(nb.s_addr, INADDR_ANY);
    ck_assert(mrib_is_local_addr(unit_ip4("10.5.0.1")));
    ck_assert(!mrib_is_local_addr(unit_ip4("10.5.0.7")));
    mrib_set_rp_lookup(fixed_rp, NULL);
    struct in_addr any = {INADDR_ANY};
    ck_assert_int_eq(mrib_add_oif(any, unit_ip4("239.4.4.4"), 99, MRIB_FROM_PIM), 0);
    ck_assert_uint_eq(seen.last.iif, idx);
    ck_assert_int_eq(mrib_del_oif(any, unit_ip4("239.4.4.4"), 99, MRIB_FROM_PIM), 0);
    mrib_set_rp_lookup(NULL, NULL);
}
END_TEST

static struct babel_config cfg;

static int line(const char *l, char *err, size_t errlen)
{
    err[0] = 0;
    return config_parse_line(&cfg, l, "test", 1, NULL, err, errlen);
}

START_TEST(directive)
{
    char err[512];
    config_init(&cfg);
    ck_assert_int_eq(line("mcast-interface eth0", err, sizeof(err)), 0);
    const struct mcif_conf *c = mcif_find("eth0");
    ck_assert_ptr_nonnull(c);
    ck_assert(c->igmp && c->pim && !c->auto_her);
    ck_assert_int_eq(c->igmp_version, 3);
    ck_assert_uint_eq(c->dr_priority, 1);
    ck_assert_uint_eq(c->igmp_robustness, 2);
    ck_assert_uint_eq(c->igmp_query_interval, 125);
    ck_assert_uint_eq(c->igmp_qri_ds, 100);
    ck_assert_uint_eq(c->igmp_lmqi_ds, 10);
    ck_assert_int_eq(line("mcast-interface eth0 pim false igmp-version 2 dr-priority 7 auto-her "
                          "true igmp-robustness 3 igmp-query-interval 60 "
                          "igmp-query-response-interval 2.5 igmp-last-member-query-interval 0.3",
                          err, sizeof(err)),
                     0);
    c = mcif_find("eth0");
    ck_assert(c->igmp && !c->pim && c->auto_her);
    ck_assert_int_eq(c->igmp_version, 2);
    ck_assert_uint_eq(c->dr_priority, 7);
    ck_assert_uint_eq(c->igmp_robustness, 3);
    ck_assert_uint_eq(c->igmp_query_interval, 60);
    ck_assert_uint_eq(c->igmp_qri_ds, 25);
    ck_assert_uint_eq(c->igmp_lmqi_ds, 3);
    static const struct {
        const char *line, *reason;
    } bad[] = {
        {"mcast-interface", "expected an interface name"},
        {"mcast-interface eth0 igmp-version 4", "igmp-version is 2 or 3"},
        {"mcast-interface eth0 igmp maybe", "igmp expects true or false"},
        {"mcast-interface eth0 dr-priority -1", "dr-priority is a number"},
        {"mcast-interface eth0 igmp-robustness 0", "igmp-robustness is 1 to 7"},
        {"mcast-interface eth0 igmp-query-interval 0", "igmp-query-interval is 1 to 31744"},
        {"mcast-interface eth0 igmp-query-response-interval 0.25", "one decimal"},
        {"mcast-interface eth0 igmp-query-interval 5 igmp-query-response-interval 5",
         "must be below"},
        {"mcast-interface eth0 pim", "needs a value"},
        {"mcast-interface eth0 bogus 1", "unknown option 'bogus'"},
        {"mcast-interface a-name-far-too-long-for-linux 1", "not an interface name"},
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(line(bad[i].line, err, sizeof(err)), -1);
        ck_assert_msg(strstr(err, bad[i].reason), "'%s': '%s' lacks '%s'", bad[i].line, err,
                      bad[i].reason);
        ck_assert_msg(strstr(err, "test:1"), "'%s' does not name the origin", err);
    }
    /* and nothing changed */
    c = mcif_find("eth0");
    ck_assert_int_eq(c->igmp_version, 2);
    ck_assert_uint_eq(c->dr_priority, 7);
    ck_assert_ptr_null(mcif_find("a-name-far-too-long-for-linux"));
    config_free(&cfg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mrib");
    TCase *tc = tcase_create("mrib");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, oifs_by_origin);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, exclusions);
    tcase_add_test(tc, rpf_connected);
    tcase_add_test(tc, directive);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
