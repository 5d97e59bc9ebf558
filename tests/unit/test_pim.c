/* Unit tests of PIM's directives and RP table (mcast/pim.h): pim-rp with
 * and without a group prefix, the longest prefix winning, the SSM range
 * refused and never given an RP, flush pim-rp, and the timers' bounds.
 * The protocol itself runs in tests/netns/t-pim-*. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "babel/config.h"
#include "babel/extension.h"
#include "mcast/mcif.h"
#include "mcast/mrib.h"
#include "mcast/pim.h"
#include "mcast/pim_codec.h"
#include "mcast/pim_int.h"

static struct babel_config cfg;
static char err[512];

static int line(const char *l)
{
    err[0] = 0;
    return config_parse_line(&cfg, l, "test", 7, NULL, err, sizeof(err));
}

static int flush(const char *l)
{
    char buf[128], *words[8];
    int n = 0;
    strncpy(buf, l, sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = 0;
    for (char *t = strtok(buf, " "); t && n < 8; t = strtok(NULL, " "))
        words[n++] = t;
    err[0] = 0;
    return ext_dispatch_flush(words, n, err, sizeof(err));
}

/* The RP of g, as text, or "none". */
static const char *rp(const char *g)
{
    static char buf[INET_ADDRSTRLEN];
    struct in_addr r;
    if (pim_rp_of(unit_ip4(g), &r) < 0)
        return "none";
    return inet_ntop(AF_INET, &r, buf, sizeof(buf));
}

static bool registered;
static void setup(void)
{
    if (!registered) {
        mcif_register();
        mrib_register();
        pim_register();
        registered = true;
    }
    config_init(&cfg);
}

START_TEST(rp_table)
{
    ck_assert_str_eq(rp("239.1.1.1"), "none");
    ck_assert_int_eq(line("pim-rp 10.254.0.1"), 0);
    ck_assert_str_eq(rp("239.1.1.1"), "10.254.0.1");
    ck_assert_str_eq(rp("224.1.2.3"), "10.254.0.1");
    /* the SSM range has no RP, whatever covers it */
    ck_assert_str_eq(rp("232.1.1.1"), "none");
    ck_assert_int_eq(line("pim-rp 10.254.0.2 group 239.2.0.0/16"), 0);
    ck_assert_str_eq(rp("239.2.9.9"), "10.254.0.2");
    ck_assert_str_eq(rp("239.3.9.9"), "10.254.0.1");
    /* host bits of the prefix are cleared */
    ck_assert_int_eq(line("pim-rp 10.254.0.3 group 239.2.3.4/24"), 0);
    ck_assert_str_eq(rp("239.2.3.200"), "10.254.0.3");
    ck_assert_str_eq(rp("239.2.4.1"), "10.254.0.2");
    /* the same prefix again replaces its RP */
    ck_assert_int_eq(line("pim-rp 10.254.0.4 group 239.2.0.0/16"), 0);
    ck_assert_str_eq(rp("239.2.4.1"), "10.254.0.4");
    /* flush: exactly the line's RP and prefix */
    ck_assert_int_eq(flush("pim-rp 10.254.0.2 group 239.2.0.0/16"), -1);
    ck_assert_str_ne(err, "");
    ck_assert_int_eq(flush("pim-rp 10.254.0.4 group 239.2.0.0/16"), 0);
    ck_assert_str_eq(rp("239.2.4.1"), "10.254.0.1");
    ck_assert_int_eq(flush("pim-rp 10.254.0.3 group 239.2.3.0/24"), 0);
    ck_assert_int_eq(flush("pim-rp 10.254.0.1"), 0);
    ck_assert_str_eq(rp("239.1.1.1"), "none");
    ck_assert_int_eq(flush("pim-rp 10.254.0.1"), -1);
}
END_TEST

START_TEST(rp_refusals)
{
    const char *bad[] = {
        "pim-rp",
        "pim-rp 10.0.0.1 group",
        "pim-rp 10.0.0.1 groups 239.0.0.0/8",
        "pim-rp fd00::1",
        "pim-rp 239.1.1.1",
        "pim-rp 0.0.0.0",
        "pim-rp 127.0.0.1",
        "pim-rp 10.0.0.1 group 10.0.0.0/8",
        "pim-rp 10.0.0.1 group 239.0.0.0/33",
        "pim-rp 10.0.0.1 group 232.1.0.0/16",
        "pim-rp 10.0.0.1 group 232.0.0.0/8",
        "pim-rp 10.0.0.1 group 224.0.0.0/3",
        "pim-rp 10.0.0.1 group 239.0.0.0/8 extra",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(line(bad[i]) < 0, "accepted: %s", bad[i]);
        /* the error names the origin and line, then a reason */
        ck_assert_msg(strncmp(err, "test:7: ", 8) == 0 && strlen(err) > 12, "%s: '%s'", bad[i],
                      err);
    }
    ck_assert_str_eq(rp("239.1.1.1"), "none");
    ck_assert_str_eq(rp("232.1.1.1"), "none");
}
END_TEST

START_TEST(timers)
{
    ck_assert_int_eq(line("pim-hello-interval 1"), 0);
    ck_assert_int_eq(line("pim-hello-interval 18000"), 0);
    ck_assert_int_lt(line("pim-hello-interval 0"), 0);
    ck_assert_int_lt(line("pim-hello-interval 18001"), 0);
    ck_assert_int_lt(line("pim-hello-interval x"), 0);
    ck_assert_int_lt(line("pim-hello-interval"), 0);
    ck_assert_int_eq(line("pim-join-prune-interval 60"), 0);
    ck_assert_int_lt(line("pim-join-prune-interval 0"), 0);
    ck_assert_int_lt(line("pim-join-prune-interval 5 6"), 0);
}
END_TEST

/* Counts the pim-downstream lines of a dump on ifindex, and finds one. */
struct down_count {
    unsigned ifindex, n;
    const char *want; /* "(S,G)%ifindex if ..." prefix looked for */
    char found[256];
};

static void count_down(const char *l, void *out)
{
    struct down_count *c = out;
    char tag[32];
    snprintf(tag, sizeof(tag), "%%%u if ", c->ifindex);
    if (strncmp(l, "add pim-downstream ", 19) != 0 || !strstr(l, tag))
        return;
    c->n++;
    if (c->want && strncmp(l + 19, c->want, strlen(c->want)) == 0)
        snprintf(c->found, sizeof(c->found), "%s", l);
}

static unsigned downs_on(unsigned ifindex, const char *want, char *found, size_t len)
{
    struct down_count c = {.ifindex = ifindex, .want = want};
    pim_jp_dump(count_down, &c);
    if (found)
        snprintf(found, len, "%s", c.found);
    return c.n;
}

/* Joins for n unique (S,G), S = 10.1.x.y, G = 239.1.x.y from `first` on,
 * sent to pif as its upstream neighbour, 200 groups a message. */
static void flood(struct pim_if *pif, unsigned first, unsigned n, uint16_t holdtime)
{
    static struct pim_jp jp;
    for (unsigned done = 0; done < n;) {
        memset(&jp, 0, sizeof(jp));
        jp.upstream = pif->addr;
        jp.holdtime = holdtime;
        while (done < n && jp.ngroups < 200) {
            unsigned k = first + done;
            struct pim_jp_group *gr = &jp.groups[jp.ngroups++];
            gr->group.s_addr = htonl(0xef010000u | (k & 0xffff));
            gr->masklen = 32;
            gr->first = jp.nsources;
            gr->njoin = 1;
            jp.sources[jp.nsources++] =
                (struct pim_jp_source){{htonl(0x0a010000u | (k & 0xffff))}, 32, PIM_SRC_S};
            done++;
        }
        pim_jp_receive(pif, unit_ip4("10.0.0.2"), &jp);
    }
}

/* A neighbour flooding unique (S,G) joins: each interface holds at most
 * PIM_MAX_DOWN_PER_IF, all together PIM_MAX_DOWN; the rest is counted as
 * refused, what was there stays (and can be refreshed), and a holdtime of
 * 0xffff is clamped to a finite expiry. */
START_TEST(join_flood_capped)
{
    struct pim_if pifs[5];
    memset(pifs, 0, sizeof(pifs));
    for (unsigned i = 0; i < 5; i++) {
        pifs[i].ifindex = 900 + i;
        pifs[i].addr.s_addr = htonl(0x0a000001u + (i << 8));
        pifs[i].nnbrs = 1;
    }
    uint64_t refused0 = pim_stats.down_refused;
    flood(&pifs[0], 0, 10, 0xffff);
    char line0[256];
    ck_assert_uint_eq(downs_on(900, "(10.1.0.0,239.1.0.0)%900 if ", line0, sizeof(line0)), 10);
    ck_assert_msg(strstr(line0, "state join"), "first entry: '%s'", line0);
    /* 0xffff is not "never": 0xfffe s at most */
    ck_assert_msg(!strstr(line0, "expires never"), "'%s'", line0);
    const char *ex = strstr(line0, "expires ");
    ck_assert_ptr_nonnull(ex);
    unsigned long secs = strtoul(ex + 8, NULL, 10);
    ck_assert_uint_le(secs, PIM_JP_MAX_HOLD_S);
    ck_assert_uint_ge(secs, PIM_JP_MAX_HOLD_S - 2);

    /* one interface: the per-interface cap holds, refusals are counted */
    flood(&pifs[0], 10, PIM_MAX_DOWN_PER_IF + 500 - 10, 210);
    ck_assert_uint_eq(downs_on(900, NULL, NULL, 0), PIM_MAX_DOWN_PER_IF);
    ck_assert_uint_eq(pim_stats.down_refused - refused0, 500);
    /* existing state intact, and still refreshed at the cap */
    char again[256];
    downs_on(900, "(10.1.0.0,239.1.0.0)%900 if ", again, sizeof(again));
    ck_assert_str_eq(again, line0);
    flood(&pifs[0], 0, 1, 210);
    ck_assert_uint_eq(pim_stats.down_refused - refused0, 500);
    downs_on(900, "(10.1.0.9,239.1.0.9)%900 if ", again, sizeof(again));
    ck_assert_msg(strstr(again, "state join"), "'%s'", again);

    /* other interfaces have their own share, up to the global cap */
    for (unsigned i = 1; i < 4; i++)
        flood(&pifs[i], 0, PIM_MAX_DOWN_PER_IF, 210);
    ck_assert_uint_eq(pim_stats.down_refused - refused0, 500);
    flood(&pifs[4], 0, 100, 210);
    ck_assert_uint_eq(downs_on(904, NULL, NULL, 0), PIM_MAX_DOWN - 4 * PIM_MAX_DOWN_PER_IF);
    ck_assert_uint_eq(pim_stats.down_refused - refused0, 600);

    /* state goes with its interface; room comes back */
    for (unsigned i = 0; i < 5; i++)
        pim_jp_if_down(&pifs[i]);
    ck_assert_uint_eq(downs_on(900, NULL, NULL, 0), 0);
    flood(&pifs[4], 0, 100, 210);
    ck_assert_uint_eq(downs_on(904, NULL, NULL, 0), 100);
    ck_assert_uint_eq(pim_stats.down_refused - refused0, 600);
    pim_jp_if_down(&pifs[4]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pim");
    TCase *tc = tcase_create("directives");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, rp_table);
    tcase_add_test(tc, rp_refusals);
    tcase_add_test(tc, timers);
    tcase_add_test(tc, join_flood_capped);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
