/* Unit tests of PIM's directives and RP table (mcast/pim.h): pim-rp with
 * and without a group prefix, the longest prefix winning, the SSM range
 * refused and never given an RP, flush pim-rp, and the timers' bounds.
 * The protocol itself runs in tests/netns/t-pim-*. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "babel/config.h"
#include "babel/extension.h"
#include "mcast/mcif.h"
#include "mcast/mrib.h"
#include "mcast/pim.h"

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

int main(void)
{
    Suite *s = suite_create("pim");
    TCase *tc = tcase_create("directives");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, rp_table);
    tcase_add_test(tc, rp_refusals);
    tcase_add_test(tc, timers);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
