/* The IGMP router state machine (mcast/igmp.h) against RFC 3376's tables
 * 6.4.1 and 6.4.2, its timers (6.3, 6.5, 6.6.1) and the compatibility
 * modes (7.3.2), driven with hand-made reports and a clock set by hand, in
 * a private network namespace (the daemon's MRT socket and one veth).  What
 * is checked is what the daemon shows: its igmp-group records and the MRIB
 * entries IGMP makes. */
#include <arpa/inet.h>
#include <check.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "babel/config.h"
#include "babel/extension.h"
#include "babel/util.h"
#include "mcast/igmp.h"
#include "mcast/igmp_codec.h"
#include "mcast/mcif.h"
#include "mcast/mrib.h"

static unsigned ifindex;
static struct babel_config cfg;

/* An IPv4 packet with Router Alert around an IGMP message, from SRC. */
static void deliver(const char *src, const char *dst, const uint8_t *msg, size_t len)
{
    uint8_t p[1500];
    memset(p, 0, 24);
    p[0] = 0x46;
    p[2] = (uint8_t)((24 + len) >> 8);
    p[3] = (uint8_t)(24 + len);
    p[8] = 1;
    p[9] = 2;
    struct in_addr s = unit_ip4(src), d = unit_ip4(dst);
    memcpy(p + 12, &s, 4);
    memcpy(p + 16, &d, 4);
    p[20] = 0x94;
    p[21] = 4;
    memcpy(p + 24, msg, len);
    p[26] = p[27] = 0;
    uint16_t c = igmp_checksum(p + 24, len);
    p[26] = (uint8_t)(c >> 8);
    p[27] = (uint8_t)c;
    igmp_input(ifindex, p, 24 + len);
}

/* A v3 report with one record of TYPE for G and the given sources. */
static void record(uint8_t type, const char *g, int nsrc, const char **src)
{
    uint8_t m[256] = {0x22, 0, 0, 0, 0, 0, 0, 1, type, 0, 0, (uint8_t)nsrc};
    struct in_addr ga = unit_ip4(g);
    memcpy(m + 12, &ga, 4);
    for (int i = 0; i < nsrc; i++) {
        struct in_addr a = unit_ip4(src[i]);
        memcpy(m + 16 + 4 * i, &a, 4);
    }
    deliver("10.7.0.9", "224.0.0.22", m, 16 + 4 * (size_t)nsrc);
}

static void v2(uint8_t type, const char *g)
{
    uint8_t m[8] = {type, 0, 0, 0};
    struct in_addr ga = unit_ip4(g);
    memcpy(m + 4, &ga, 4);
    deliver("10.7.0.9", type == IGMP_TYPE_V2_LEAVE ? "224.0.0.2" : g, m, 8);
}

/* Lets time pass, running the timers at every 100 ms as the loop would. */
static void advance(unsigned ms)
{
    for (unsigned t = 0; t < ms; t += 100) {
        now_ms += 100;
        igmp_run_timers();
    }
}

/* The dump, and whether a line of it starts with PREFIX and holds NEEDLE. */
static char dumped[65536];
static size_t dlen;
static void collect(const char *line, void *out)
{
    size_t n = strlen(line);
    if (dlen + n < sizeof(dumped)) {
        memcpy(dumped + dlen, line, n + 1);
        dlen += n;
    }
}
static bool shows(const char *prefix, const char *needle)
{
    dlen = 0;
    dumped[0] = 0;
    ext_dump(collect, NULL);
    for (char *l = dumped; l && *l;) {
        char *nl = strchr(l, '\n');
        if (nl)
            *nl = 0;
        bool hit = strncmp(l, prefix, strlen(prefix)) == 0 && (!needle || strstr(l, needle));
        if (nl)
            *nl = '\n';
        if (hit)
            return true;
        l = nl ? nl + 1 : NULL;
    }
    return false;
}

static bool mrib_has(const char *s, const char *g)
{
    struct mrib_view v;
    return mrib_get(s ? unit_ip4(s) : (struct in_addr){INADDR_ANY}, unit_ip4(g), &v) == 0 &&
           v.noifs == 1 && v.oifs[0] == ifindex && v.oif_origins[0] == MRIB_FROM_IGMP;
}

static int line(const char *l)
{
    char err[256];
    if (config_parse_line(&cfg, l, "test", 1, NULL, err, sizeof(err)) == 0)
        return 0;
    fprintf(stderr, "test_igmp: %s\n", err);
    return -1;
}

/* GMI 2*10+1 = 21 s, LMQT 2*1 = 2 s, OQPI 2*10+0.5 = 20.5 s. */
static int setup_once(void)
{
    int rc = unit_private_netns("test_igmp");
    if (rc)
        return rc;
    if (system("ip link add ut0 type veth peer name ut1 && ip link set ut0 up && "
               "ip link set ut1 up && ip addr add 10.7.0.5/24 dev ut0") != 0)
        return 77;
    ifindex = if_nametoindex("ut0");
    config_init(&cfg);
    mcif_register();
    mrib_register();
    igmp_register();
    if (line("mcast-interface ut0 pim false igmp-query-interval 10 "
             "igmp-query-response-interval 1 igmp-last-member-query-interval 1") < 0)
        return 1;
    clock_refresh();
    ext_start_all();
    return 0;
}

static const char *S1[] = {"10.1.0.1"};
static const char *S12[] = {"10.1.0.1", "10.1.0.2"};

START_TEST(exclude_mode_and_timers)
{
    /* INCLUDE({}) + TO_EX({}): EXCLUDE, (*,G) */
    record(IGMP_CHANGE_TO_EXCLUDE, "239.1.1.1", 0, NULL);
    ck_assert(shows("add igmp-group 239.1.1.1 if ut0 mode exclude version 3 expires 21 ", NULL));
    ck_assert(mrib_has(NULL, "239.1.1.1"));
    /* EXCLUDE(X,Y) + BLOCK(A): (A-X-Y) = group timer, Q(G,A-Y) lowers it to
     * LMQT; no report: after LMQT the source is excluded (Y). */
    record(IGMP_BLOCK_OLD_SOURCES, "239.1.1.1", 1, S1);
    ck_assert(shows("add igmp-group 239.1.1.1 if ut0 mode exclude", "sources 10.1.0.1:2 "));
    advance(2100);
    ck_assert(shows("add igmp-group 239.1.1.1 if ut0 mode exclude", " excluded 10.1.0.1 "));
    ck_assert(mrib_is_excluded(unit_ip4("10.1.0.1"), unit_ip4("239.1.1.1"), ifindex));
    /* EXCLUDE(X,Y) + ALLOW(A): (X+A, Y-A), (A) = GMI */
    record(IGMP_ALLOW_NEW_SOURCES, "239.1.1.1", 1, S1);
    ck_assert(shows("add igmp-group 239.1.1.1 if ut0 mode exclude", "sources 10.1.0.1:21 "));
    ck_assert(!mrib_is_excluded(unit_ip4("10.1.0.1"), unit_ip4("239.1.1.1"), ifindex));
    /* IS_EX({}) keeps the group timer at GMI; then the group timer runs out
     * before 10.1.0.1's (refreshed 5 s later): EXCLUDE becomes INCLUDE of
     * what still runs (6.5), (*,G) becomes (S,G). */
    advance(5000);
    record(IGMP_ALLOW_NEW_SOURCES, "239.1.1.1", 1, S1);
    advance(16500);
    ck_assert(shows("add igmp-group 239.1.1.1 if ut0 mode include version 3 sources 10.1.0.1:", NULL));
    ck_assert(!mrib_has(NULL, "239.1.1.1"));
    ck_assert(mrib_has("10.1.0.1", "239.1.1.1"));
    /* and the source's timer ends the group */
    advance(5000);
    ck_assert(!shows("add igmp-group 239.1.1.1 ", NULL));
    ck_assert(!mrib_has("10.1.0.1", "239.1.1.1"));
}
END_TEST

START_TEST(include_mode)
{
    /* INCLUDE(A) + IS_IN(B): A+B */
    record(IGMP_MODE_IS_INCLUDE, "232.1.1.1", 1, S1);
    record(IGMP_MODE_IS_INCLUDE, "232.1.1.1", 1, S12 + 1);
    ck_assert(shows("add igmp-group 232.1.1.1 if ut0 mode include version 3 sources ", "10.1.0.1:21"));
    ck_assert(shows("add igmp-group 232.1.1.1 if ut0 mode include", "10.1.0.2:21"));
    ck_assert(mrib_has("10.1.0.1", "232.1.1.1") && mrib_has("10.1.0.2", "232.1.1.1"));
    /* INCLUDE(A) + TO_IN(B): (B)=GMI, Q(G,A-B): 10.1.0.2 falls to LMQT */
    advance(3000);
    record(IGMP_CHANGE_TO_INCLUDE, "232.1.1.1", 1, S1);
    ck_assert(shows("add igmp-group 232.1.1.1 if ut0 mode include", "10.1.0.1:21"));
    ck_assert(shows("add igmp-group 232.1.1.1 if ut0 mode include", "10.1.0.2:2"));
    advance(2100);
    ck_assert(!mrib_has("10.1.0.2", "232.1.1.1"));
    ck_assert(mrib_has("10.1.0.1", "232.1.1.1"));
    /* INCLUDE(A) + IS_EX(B): EXCLUDE(A*B, B-A): 10.1.0.1 stays wanted,
     * 10.1.0.2 is excluded */
    record(IGMP_MODE_IS_EXCLUDE, "232.1.1.1", 2, S12);
    ck_assert(shows("add igmp-group 232.1.1.1 if ut0 mode exclude version 3 expires 21 sources 10.1.0.1:",
                    " excluded 10.1.0.2 "));
    ck_assert(mrib_has(NULL, "232.1.1.1"));
    ck_assert(mrib_is_excluded(unit_ip4("10.1.0.2"), unit_ip4("232.1.1.1"), ifindex));
    /* EXCLUDE + TO_IN({}): Q(G,X) and Q(G): everything at LMQT, then gone */
    record(IGMP_CHANGE_TO_INCLUDE, "232.1.1.1", 0, NULL);
    advance(2100);
    ck_assert(!shows("add igmp-group 232.1.1.1 ", NULL));
    ck_assert(!mrib_has(NULL, "232.1.1.1"));
    ck_assert(!mrib_is_excluded(unit_ip4("10.1.0.2"), unit_ip4("232.1.1.1"), ifindex));
}
END_TEST

static const char *S2[] = {"10.1.0.2"};
static const char *S23[] = {"10.1.0.2", "10.1.0.3"};

/* The EXCLUDE-mode rows not seen above: IS_EX(A), IS_IN(A), TO_EX(A). */
START_TEST(exclude_rows)
{
    record(IGMP_CHANGE_TO_EXCLUDE, "239.5.5.5", 0, NULL);
    /* EXCLUDE(X,Y) + IS_EX(A): EXCLUDE(A-Y, Y*A), (A-X-Y) = GMI */
    record(IGMP_MODE_IS_EXCLUDE, "239.5.5.5", 1, S1);
    ck_assert(shows("add igmp-group 239.5.5.5 if ut0 mode exclude version 3 expires 21 sources 10.1.0.1:21 reporter", NULL));
    /* BLOCK and silence put 10.1.0.1 in Y */
    record(IGMP_BLOCK_OLD_SOURCES, "239.5.5.5", 1, S1);
    advance(2100);
    ck_assert(shows("add igmp-group 239.5.5.5 if ut0 mode exclude", " excluded 10.1.0.1 "));
    /* EXCLUDE(X,Y) + IS_IN(A): EXCLUDE(X+A, Y-A), (A) = GMI */
    record(IGMP_MODE_IS_INCLUDE, "239.5.5.5", 1, S1);
    ck_assert(shows("add igmp-group 239.5.5.5 if ut0 mode exclude", "sources 10.1.0.1:21 reporter"));
    record(IGMP_BLOCK_OLD_SOURCES, "239.5.5.5", 1, S1);
    advance(2100);
    ck_assert(shows("add igmp-group 239.5.5.5 if ut0 mode exclude", " excluded 10.1.0.1 "));
    /* EXCLUDE(X,Y={10.1.0.1}) + TO_EX({10.1.0.1,10.1.0.2}): EXCLUDE(A-Y,
     * Y*A): 10.1.0.2 gets the group timer, then Q(G,A-Y) lowers it to LMQT;
     * 10.1.0.1 stays excluded */
    const char *s12[] = {"10.1.0.1", "10.1.0.2"};
    record(IGMP_CHANGE_TO_EXCLUDE, "239.5.5.5", 2, s12);
    ck_assert(shows("add igmp-group 239.5.5.5 if ut0 mode exclude version 3 expires 21 sources 10.1.0.2:2 excluded 10.1.0.1 ", NULL));
    /* IS_EX({10.1.0.2}): Delete(Y-A) takes 10.1.0.1 out of Y */
    record(IGMP_MODE_IS_EXCLUDE, "239.5.5.5", 1, S2);
    ck_assert(shows("add igmp-group 239.5.5.5 if ut0 mode exclude version 3 expires 21 sources 10.1.0.2:2 reporter", NULL));
    ck_assert(!mrib_is_excluded(unit_ip4("10.1.0.1"), unit_ip4("239.5.5.5"), ifindex));
}
END_TEST

/* The INCLUDE-mode rows not seen above: ALLOW(B), BLOCK(B), TO_EX(B). */
START_TEST(include_rows)
{
    /* INCLUDE({}) + ALLOW(B): INCLUDE(B), (B) = GMI */
    record(IGMP_ALLOW_NEW_SOURCES, "232.6.6.6", 1, S1);
    ck_assert(shows("add igmp-group 232.6.6.6 if ut0 mode include version 3 sources 10.1.0.1:21 ", NULL));
    /* INCLUDE(A) + BLOCK(B): Q(G,A*B); unanswered, the source and the
     * group go after LMQT */
    record(IGMP_BLOCK_OLD_SOURCES, "232.6.6.6", 1, S1);
    ck_assert(shows("add igmp-group 232.6.6.6 if ut0 mode include version 3 sources 10.1.0.1:2 ", NULL));
    advance(2100);
    ck_assert(!shows("add igmp-group 232.6.6.6 ", NULL));
    /* INCLUDE(A={1,2}) + TO_EX(B={2,3}): EXCLUDE(A*B, B-A), Delete(A-B),
     * Q(G,A*B) */
    record(IGMP_ALLOW_NEW_SOURCES, "232.6.6.6", 2, S12);
    record(IGMP_CHANGE_TO_EXCLUDE, "232.6.6.6", 2, S23);
    ck_assert(shows("add igmp-group 232.6.6.6 if ut0 mode exclude version 3 expires 21 sources 10.1.0.2:2 excluded 10.1.0.3 ", NULL));
    ck_assert(!shows("add igmp-group 232.6.6.6 ", "10.1.0.1"));
    ck_assert(mrib_has(NULL, "232.6.6.6"));
    ck_assert(mrib_is_excluded(unit_ip4("10.1.0.3"), unit_ip4("232.6.6.6"), ifindex));
    ck_assert(!mrib_has("10.1.0.1", "232.6.6.6"));
}
END_TEST

START_TEST(older_hosts)
{
    /* a v2 report: IS_EX({}), version 2 */
    v2(IGMP_TYPE_V2_REPORT, "239.2.2.2");
    ck_assert(shows("add igmp-group 239.2.2.2 if ut0 mode exclude version 2 ", NULL));
    /* in v2 mode BLOCK is ignored, TO_EX(x) is TO_EX({}) */
    record(IGMP_BLOCK_OLD_SOURCES, "239.2.2.2", 1, S1);
    record(IGMP_CHANGE_TO_EXCLUDE, "239.2.2.2", 1, S1);
    ck_assert(!shows("add igmp-group 239.2.2.2 ", "10.1.0.1"));
    /* a v2 leave: the group goes after LMQT */
    v2(IGMP_TYPE_V2_LEAVE, "239.2.2.2");
    advance(2100);
    ck_assert(!shows("add igmp-group 239.2.2.2 ", NULL));
    /* a v1 report: version 1; leaves and TO_IN are ignored */
    v2(IGMP_TYPE_V1_REPORT, "239.3.3.3");
    ck_assert(shows("add igmp-group 239.3.3.3 if ut0 mode exclude version 1 ", NULL));
    v2(IGMP_TYPE_V2_LEAVE, "239.3.3.3");
    record(IGMP_CHANGE_TO_INCLUDE, "239.3.3.3", 0, NULL);
    advance(5000);
    ck_assert(shows("add igmp-group 239.3.3.3 if ut0 mode exclude version 1 ", NULL));
    /* the Older Host Present timer runs out with the group (both GMI) */
    advance(17000);
    ck_assert(!shows("add igmp-group 239.3.3.3 ", NULL));
}
END_TEST

START_TEST(querier_election)
{
    ck_assert(shows("add igmp-interface ut0 address 10.7.0.5 querier 10.7.0.5 self true ", NULL));
    /* a v3 general query from a higher address changes nothing */
    uint8_t q[12] = {0x11, 100, 0, 0, 0, 0, 0, 0, 0x03, 30, 0, 0};
    deliver("10.7.0.9", "224.0.0.1", q, 12);
    ck_assert(shows("add igmp-interface ut0 address 10.7.0.5 querier 10.7.0.5 self true ", NULL));
    /* one from a lower address wins; its QRV (3) and QQIC (30) are adopted */
    deliver("10.7.0.3", "224.0.0.1", q, 12);
    ck_assert(shows("add igmp-interface ut0 address 10.7.0.5 querier 10.7.0.3 self false version 3 "
                    "robustness 3 query-interval 30 ",
                    NULL));
    /* a group-specific query with S clear lowers our group timer to
     * LMQT (the query's 1 s times our robustness, 3) */
    record(IGMP_CHANGE_TO_EXCLUDE, "239.4.4.4", 0, NULL);
    uint8_t gq[12] = {0x11, 10, 0, 0, 239, 4, 4, 4, 0x03, 30, 0, 0};
    deliver("10.7.0.3", "239.4.4.4", gq, 12);
    ck_assert(shows("add igmp-group 239.4.4.4 if ut0 mode exclude version 3 expires 3 ", NULL));
    advance(3100);
    ck_assert(!shows("add igmp-group 239.4.4.4 ", NULL));
    /* the other querier falls silent: after OQPI (3*30+0.5 s) we query */
    advance(91000);
    ck_assert(shows("add igmp-interface ut0 address 10.7.0.5 querier 10.7.0.5 self true ", NULL));
    /* an IGMPv2 querier makes us query with version 2 (7.3.1), but never
     * lets a higher address win */
    uint8_t q2[8] = {0x11, 100, 0, 0, 0, 0, 0, 0};
    deliver("10.7.0.9", "224.0.0.1", q2, 8);
    ck_assert(shows("add igmp-interface ut0 address 10.7.0.5 querier 10.7.0.5 self true version 2 ", NULL));
}
END_TEST

int main(void)
{
    int rc = setup_once();
    if (rc == 77) {
        fprintf(stderr, "test_igmp: skipped\n");
        return 77;
    }
    if (rc)
        return EXIT_FAILURE;
    Suite *s = suite_create("igmp");
    TCase *tc = tcase_create("igmp");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, exclude_mode_and_timers);
    tcase_add_test(tc, include_mode);
    tcase_add_test(tc, exclude_rows);
    tcase_add_test(tc, include_rows);
    tcase_add_test(tc, older_hosts);
    tcase_add_test(tc, querier_election);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
