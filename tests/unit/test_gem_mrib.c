/* gem/gem_mrib.c: where a `gem-receive G mrib true` sends a datagram from S
 * to G, from the MRIB's (S,G) and (*,G) entries: their oifs together, the
 * forwarding filter (PIM's DR rule), IGMP's excluded sources, never the RPF
 * interface toward S.  Interfaces are ifindexes the MRIB takes as they are
 * (nothing is sent here). */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "gem/gem_mrib.h"
#include "mcast/mrib.h"

static const struct in_addr any = {INADDR_ANY};

/* The oifs as a sorted string, "2,3", for comparisons. */
static const char *oifs(struct in_addr s, struct in_addr g)
{
    static char buf[256];
    unsigned o[GEM_MRIB_MAX];
    unsigned n = gem_mrib_oifs(s, g, o);
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++)
            if (o[j] < o[i]) {
                unsigned t = o[i];
                o[i] = o[j];
                o[j] = t;
            }
    size_t l = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < n; i++)
        l += (size_t)snprintf(buf + l, sizeof(buf) - l, "%s%u", i ? "," : "", o[i]);
    return n ? buf : "-";
}

static unsigned refused_if;
static bool filter(unsigned ifindex, unsigned origins, void *ctx)
{
    /* Like PIM's DR rule: an IGMP-only oif where we are not the DR. */
    return !(ifindex == refused_if && origins == MRIB_FROM_IGMP);
}

static void setup(void)
{
    static bool registered;
    if (!registered) {
        mrib_register();
        registered = true;
    }
    refused_if = 0;
    mrib_set_forward_filter(filter, NULL);
}

START_TEST(nobody)
{
    struct in_addr g = unit_ip4("239.9.0.1");
    ck_assert_str_eq(oifs(any, g), "-");
    ck_assert_str_eq(oifs(unit_ip4("10.1.1.1"), g), "-");
}
END_TEST

START_TEST(star_and_sg)
{
    struct in_addr g = unit_ip4("239.9.0.2"), s1 = unit_ip4("10.1.1.1"), s2 = unit_ip4("10.1.1.2");
    ck_assert_int_eq(mrib_add_oif(any, g, 2, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_add_oif(any, g, 3, MRIB_FROM_PIM), 0);
    ck_assert_str_eq(oifs(any, g), "2,3");
    ck_assert_str_eq(oifs(s1, g), "2,3");
    /* an (S,G) member adds its interface for that source only */
    ck_assert_int_eq(mrib_add_oif(s1, g, 4, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_add_oif(s1, g, 2, MRIB_FROM_IGMP), 0);
    ck_assert_str_eq(oifs(s1, g), "2,3,4");
    ck_assert_str_eq(oifs(s2, g), "2,3");
    ck_assert_str_eq(oifs(any, g), "2,3");
    /* another group is not touched */
    ck_assert_str_eq(oifs(s1, unit_ip4("239.9.0.3")), "-");
    /* members leave */
    ck_assert_int_eq(mrib_del_oif(any, g, 2, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_del_oif(any, g, 3, MRIB_FROM_PIM), 0);
    ck_assert_str_eq(oifs(s1, g), "2,4");
    ck_assert_str_eq(oifs(s2, g), "-");
    ck_assert_int_eq(mrib_del_oif(s1, g, 4, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_del_oif(s1, g, 2, MRIB_FROM_IGMP), 0);
    ck_assert_str_eq(oifs(s1, g), "-");
}
END_TEST

START_TEST(excluded_sources)
{
    struct in_addr g = unit_ip4("239.9.0.4"), s1 = unit_ip4("10.1.1.1"), s2 = unit_ip4("10.1.1.2");
    ck_assert_int_eq(mrib_add_oif(any, g, 2, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_add_oif(any, g, 3, MRIB_FROM_IGMP | MRIB_FROM_PIM), 0);
    /* IGMP's EXCLUDE {s1} on 2 and on 3: 3 has PIM's (*,G) too, which wins */
    ck_assert_int_eq(mrib_set_excluded(s1, g, 2, true), 0);
    ck_assert_int_eq(mrib_set_excluded(s1, g, 3, true), 0);
    ck_assert_str_eq(oifs(s1, g), "3");
    ck_assert_str_eq(oifs(s2, g), "2,3");
    /* a source not known yet goes by (*,G) alone */
    ck_assert_str_eq(oifs(any, g), "2,3");
    /* an (S,G) member on 2 wants s1 there after all */
    ck_assert_int_eq(mrib_add_oif(s1, g, 2, MRIB_FROM_IGMP), 0);
    ck_assert_str_eq(oifs(s1, g), "2,3");
    ck_assert_int_eq(mrib_del_oif(s1, g, 2, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_set_excluded(s1, g, 2, false), 0);
    ck_assert_str_eq(oifs(s1, g), "2,3");
    ck_assert_int_eq(mrib_set_excluded(s1, g, 3, false), 0);
    ck_assert_int_eq(mrib_del_oif(any, g, 2, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_del_oif(any, g, 3, MRIB_FROM_IGMP | MRIB_FROM_PIM), 0);
}
END_TEST

START_TEST(forwarding_filter)
{
    struct in_addr g = unit_ip4("239.9.0.5"), s1 = unit_ip4("10.1.1.1");
    ck_assert_int_eq(mrib_add_oif(any, g, 2, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_add_oif(s1, g, 3, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_add_oif(s1, g, 5, MRIB_FROM_PIM), 0);
    ck_assert_str_eq(oifs(s1, g), "2,3,5");
    /* not the DR on 2, then on 3: their IGMP-only oifs are another's */
    refused_if = 2;
    ck_assert_str_eq(oifs(s1, g), "3,5");
    refused_if = 3;
    ck_assert_str_eq(oifs(s1, g), "2,5");
    /* a PIM join counts wherever it is */
    refused_if = 5;
    ck_assert_str_eq(oifs(s1, g), "2,3,5");
    ck_assert_int_eq(mrib_del_oif(any, g, 2, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_del_oif(s1, g, 3, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_del_oif(s1, g, 5, MRIB_FROM_PIM), 0);
}
END_TEST

START_TEST(never_the_iif)
{
    /* An entry whose oif is its own RPF interface (S is behind it): GEM
     * never sends S's stream back toward S. */
    struct mrib_view v = {.source = unit_ip4("10.1.1.1"),
                          .group = unit_ip4("239.9.0.6"),
                          .iif = 3,
                          .noifs = 3,
                          .oifs = {2, 3, 4},
                          .oif_origins = {MRIB_FROM_IGMP, MRIB_FROM_IGMP, MRIB_FROM_PIM}};
    unsigned o[GEM_MRIB_MAX];
    ck_assert_uint_eq(gem_mrib_entry_oifs(&v, o), 2);
    ck_assert_uint_eq(o[0], 2);
    ck_assert_uint_eq(o[1], 4);
    refused_if = 2;
    ck_assert_uint_eq(gem_mrib_entry_oifs(&v, o), 1);
    ck_assert_uint_eq(o[0], 4);
}
END_TEST

START_TEST(rpf_toward_source)
{
    /* In a namespace of our own: S on a connected subnet of interface X
     * makes X its RPF interface, and the (*,G) oif on X is left out for S
     * (not for other sources). */
    int rc = unit_private_netns("test_gem_mrib");
    if (rc == 77)
        return; /* not root: the rest of the suite still ran */
    ck_assert_int_eq(system("ip link add gm0 type veth peer name gm1 && ip link set gm0 up && "
                            "ip link set gm1 up && ip addr add 10.77.0.1/24 dev gm0"),
                     0);
    unsigned x = if_nametoindex("gm0"), y = if_nametoindex("gm1");
    ck_assert_uint_ne(x, 0);
    struct in_addr g = unit_ip4("239.9.0.7");
    ck_assert_int_eq(mrib_add_oif(any, g, x, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_add_oif(any, g, y, MRIB_FROM_IGMP), 0);
    unsigned o[GEM_MRIB_MAX];
    ck_assert_uint_eq(gem_mrib_oifs(unit_ip4("10.77.0.9"), g, o), 1);
    ck_assert_uint_eq(o[0], y);
    ck_assert_uint_eq(gem_mrib_oifs(unit_ip4("10.78.0.9"), g, o), 2);
    ck_assert_int_eq(mrib_del_oif(any, g, x, MRIB_FROM_IGMP), 0);
    ck_assert_int_eq(mrib_del_oif(any, g, y, MRIB_FROM_IGMP), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gem_mrib");
    TCase *tc = tcase_create("all");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, nobody);
    tcase_add_test(tc, star_and_sg);
    tcase_add_test(tc, excluded_sources);
    tcase_add_test(tc, forwarding_filter);
    tcase_add_test(tc, never_the_iif);
    tcase_add_test(tc, rpf_toward_source);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
