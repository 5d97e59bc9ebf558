/* Unit tests of SA origination for native sources (mcast/native_sa.c): the
 * decision (which source and group qualify) over a hand-made address list,
 * and the tracking with a fake kernel count, a fake SA table and the clock
 * (now_ms) set by hand. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "babel/event.h"
#include "babel/util.h"
#include "mcast/native_sa.h"
#include "mcast/norm_sa.h"

static uint32_t ip(const char *s)
{
    struct in_addr a;
    ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
    return a.s_addr;
}

/* Interface 2: 10.1.1.1/24 (the hosts' link); 3: 10.0.12.1/24 (toward
 * another router); 4: a point-to-point link 10.9.0.1 peer 10.9.0.2;
 * 1: lo with 10.254.0.1/32. */
static struct native_sa_addr addrs[4];
static unsigned naddrs;

static void setup_addrs(void)
{
    naddrs = 0;
    addrs[naddrs++] = (struct native_sa_addr){ip("10.1.1.1"), ip("255.255.255.0"), 0, 2};
    addrs[naddrs++] = (struct native_sa_addr){ip("10.0.12.1"), ip("255.255.255.0"), 0, 3};
    addrs[naddrs++] =
        (struct native_sa_addr){ip("10.9.0.1"), ip("255.255.255.255"), ip("10.9.0.2"), 4};
    addrs[naddrs++] = (struct native_sa_addr){ip("10.254.0.1"), ip("255.255.255.255"), 0, 1};
}

static enum native_sa_verdict judge(const char *s, const char *g, unsigned ifindex)
{
    return native_sa_judge(ip(s), ip(g), ifindex, addrs, naddrs);
}

START_TEST(on_subnet_qualifies)
{
    setup_addrs();
    ck_assert_int_eq(judge("10.1.1.50", "239.1.1.1", 2), NATIVE_SA_OK);
    ck_assert_int_eq(judge("10.1.1.254", "224.0.1.1", 2), NATIVE_SA_OK);
    ck_assert_int_eq(judge("10.1.1.50", "238.255.255.255", 2), NATIVE_SA_OK);
    /* The far end of a point-to-point link is on it. */
    ck_assert_int_eq(judge("10.9.0.2", "239.1.1.1", 4), NATIVE_SA_OK);
}
END_TEST

START_TEST(off_subnet_refused)
{
    setup_addrs();
    /* Forwarded to us from elsewhere: S is not on the interface it came in on. */
    ck_assert_int_eq(judge("10.1.1.50", "239.1.1.1", 3), NATIVE_SA_OFF_SUBNET);
    ck_assert_int_eq(judge("10.2.2.2", "239.1.1.1", 2), NATIVE_SA_OFF_SUBNET);
    ck_assert_int_eq(judge("10.9.0.3", "239.1.1.1", 4), NATIVE_SA_OFF_SUBNET);
    /* An interface without addresses has no subnet. */
    ck_assert_int_eq(judge("10.1.1.50", "239.1.1.1", 9), NATIVE_SA_OFF_SUBNET);
}
END_TEST

START_TEST(own_addresses_refused)
{
    setup_addrs();
    /* What we send ourselves loops back through the kernel. */
    ck_assert_int_eq(judge("10.1.1.1", "239.1.1.1", 2), NATIVE_SA_OWN);
    ck_assert_int_eq(judge("10.254.0.1", "239.1.1.1", 2), NATIVE_SA_OWN);
    ck_assert_int_eq(judge("10.9.0.1", "239.1.1.1", 4), NATIVE_SA_OWN);
}
END_TEST

START_TEST(groups)
{
    setup_addrs();
    ck_assert_int_eq(judge("10.1.1.50", "224.0.0.251", 2), NATIVE_SA_LINK_LOCAL);
    ck_assert_int_eq(judge("10.1.1.50", "224.0.0.0", 2), NATIVE_SA_LINK_LOCAL);
    ck_assert_int_eq(judge("10.1.1.50", "224.0.0.255", 2), NATIVE_SA_LINK_LOCAL);
    ck_assert_int_eq(judge("10.1.1.50", "224.0.1.0", 2), NATIVE_SA_OK);
    ck_assert_int_eq(judge("10.1.1.50", "232.1.1.1", 2), NATIVE_SA_SSM);
    ck_assert_int_eq(judge("10.1.1.50", "232.255.255.255", 2), NATIVE_SA_SSM);
    ck_assert_int_eq(judge("10.1.1.50", "231.255.255.255", 2), NATIVE_SA_OK);
    ck_assert_int_eq(judge("10.1.1.50", "233.0.0.0", 2), NATIVE_SA_OK);
    ck_assert_int_eq(judge("10.1.1.50", "10.1.1.255", 2), NATIVE_SA_NOT_MULTICAST);
    ck_assert_int_eq(judge("10.1.1.50", "240.0.0.1", 2), NATIVE_SA_NOT_MULTICAST);
}
END_TEST

START_TEST(bad_sources)
{
    setup_addrs();
    ck_assert_int_eq(judge("0.0.0.0", "239.1.1.1", 2), NATIVE_SA_BAD_SOURCE);
    ck_assert_int_eq(judge("127.0.0.1", "239.1.1.1", 2), NATIVE_SA_BAD_SOURCE);
    ck_assert_int_eq(judge("169.254.3.4", "239.1.1.1", 2), NATIVE_SA_BAD_SOURCE);
    ck_assert_int_eq(judge("225.1.1.1", "239.1.1.1", 2), NATIVE_SA_BAD_SOURCE);
    ck_assert_int_eq(judge("10.1.1.0", "239.1.1.1", 2), NATIVE_SA_BAD_SOURCE);
    ck_assert_int_eq(judge("10.1.1.255", "239.1.1.1", 2), NATIVE_SA_BAD_SOURCE);
    ck_assert_str_eq(native_sa_verdict_name(NATIVE_SA_OFF_SUBNET), "off-subnet");
}
END_TEST

/* ---- tracking ---- */

static struct {
    char log[64][48];
    int n;
    unsigned long count;
    bool have_entry, ok;
    int fail_originate;
} k;

static void logf_(const char *what, uint32_t s, uint32_t g)
{
    char a[16], b[16];
    inet_ntop(AF_INET, &s, a, sizeof(a));
    inet_ntop(AF_INET, &g, b, sizeof(b));
    if (k.n < 64)
        snprintf(k.log[k.n++], sizeof(k.log[0]), "%s %s %s", what, a, b);
}
static int f_originate(uint32_t s, uint32_t g, void *ctx)
{
    if (k.fail_originate)
        return -1;
    logf_("add", s, g);
    return 0;
}
static void f_withdraw(uint32_t s, uint32_t g, void *ctx) { logf_("flush", s, g); }
static int f_count(uint32_t s, uint32_t g, unsigned long *pkts, void *ctx)
{
    if (!k.have_entry)
        return -1;
    *pkts = k.count;
    return 0;
}
static bool f_ok(uint32_t s, uint32_t g, unsigned ifindex, void *ctx) { return k.ok; }
static const struct native_sa_ops fake = {f_originate, f_withdraw, f_count, f_ok, NULL};

static void setup(void)
{
    memset(&k, 0, sizeof(k));
    k.ok = true;
    k.have_entry = true;
    now_ms = 5000000;
    native_sa_core_reset(&fake);
    ck_assert_int_eq(norm_sa_set_idle_time(3), 0);
}

/* Runs the tick every 100 ms until `until`, with the kernel counting
 * packets (every 100 ms) while `flowing`. */
static void run(uint64_t until, bool flowing)
{
    while (now_ms < until) {
        now_ms += 100;
        if (flowing)
            k.count += 20;
        native_sa_core_tick();
    }
}

START_TEST(originated_at_once_and_once)
{
    ck_assert(native_sa_core_seen(ip("10.1.1.50"), ip("239.1.1.1"), 2));
    ck_assert_int_eq(k.n, 1);
    ck_assert_str_eq(k.log[0], "add 10.1.1.50 239.1.1.1");
    /* Reported again (the kernel entry was replaced): no new SA. */
    ck_assert(!native_sa_core_seen(ip("10.1.1.50"), ip("239.1.1.1"), 2));
    ck_assert_int_eq(k.n, 1);
    ck_assert_uint_eq(native_sa_core_count(), 1);
    ck_assert_uint_eq(native_sa_core_stats()->originated, 1);
}
END_TEST

START_TEST(steady_stream_never_flaps)
{
    native_sa_core_seen(ip("10.1.1.50"), ip("239.1.1.1"), 2);
    run(now_ms + 60000, true);
    ck_assert_int_eq(k.n, 1);
    ck_assert_uint_eq(native_sa_core_count(), 1);
}
END_TEST

START_TEST(withdrawn_after_idle_time)
{
    native_sa_core_seen(ip("10.1.1.50"), ip("239.1.1.1"), 2);
    run(now_ms + 5000, true);
    uint64_t stop = now_ms;
    /* Quiet: withdrawn no earlier than 3 s, no later than 3 s + one poll. */
    while (k.n < 2 && now_ms < stop + 10000)
        run(now_ms + 100, false);
    ck_assert_int_eq(k.n, 2);
    ck_assert_str_eq(k.log[1], "flush 10.1.1.50 239.1.1.1");
    ck_assert_uint_ge(now_ms - stop, 3000);
    ck_assert_uint_le(now_ms - stop, 3000 + NATIVE_SA_POLL_MS + 100);
    ck_assert_uint_eq(native_sa_core_count(), 0);
    /* It comes back with the next packet's report. */
    ck_assert(native_sa_core_seen(ip("10.1.1.50"), ip("239.1.1.1"), 2));
    ck_assert_str_eq(k.log[2], "add 10.1.1.50 239.1.1.1");
}
END_TEST

START_TEST(gaps_shorter_than_idle_keep_it)
{
    native_sa_core_seen(ip("10.1.1.50"), ip("239.1.1.1"), 2);
    for (int i = 0; i < 5; i++) {
        run(now_ms + 500, true);
        run(now_ms + 2000, false);
    }
    ck_assert_int_eq(k.n, 1);
}
END_TEST

START_TEST(entry_gone_then_reported)
{
    native_sa_core_seen(ip("10.1.1.50"), ip("239.1.1.1"), 2);
    run(now_ms + 1000, true);
    /* The MRIB removed the kernel's entry; the source still sends, so the
     * kernel reports it again: that keeps the SA. */
    k.have_entry = false;
    run(now_ms + 2000, false);
    native_sa_core_seen(ip("10.1.1.50"), ip("239.1.1.1"), 2);
    k.have_entry = true;
    k.count = 3; /* a new entry counts from 0 */
    run(now_ms + 2500, true);
    ck_assert_int_eq(k.n, 1);
}
END_TEST

START_TEST(reinstalled_entry_is_a_baseline)
{
    /* A kernel entry that reappears without a report (the MRIB installed
     * it for a join) does not make an idle source active. */
    k.count = 100;
    native_sa_core_seen(ip("10.1.1.50"), ip("239.1.1.1"), 2);
    uint64_t quiet_since = now_ms;
    run(now_ms + 1000, false);
    k.have_entry = false;
    run(now_ms + 500, false);
    k.have_entry = true;
    k.count = 0;
    while (k.n < 2 && now_ms < quiet_since + 10000)
        run(now_ms + 100, false);
    ck_assert_int_eq(k.n, 2);
    ck_assert_uint_le(now_ms - quiet_since, 3000 + NATIVE_SA_POLL_MS + 100);
}
END_TEST

START_TEST(no_longer_qualifies)
{
    native_sa_core_seen(ip("10.1.1.50"), ip("239.1.1.1"), 2);
    run(now_ms + 1000, true);
    k.ok = false; /* sa-originate false, or the subnet went */
    run(now_ms + NATIVE_SA_POLL_MS + 100, true);
    ck_assert_int_eq(k.n, 2);
    ck_assert_str_eq(k.log[1], "flush 10.1.1.50 239.1.1.1");
}
END_TEST

START_TEST(flush_by_interface)
{
    native_sa_core_seen(ip("10.1.1.50"), ip("239.1.1.1"), 2);
    native_sa_core_seen(ip("10.1.1.51"), ip("239.1.1.2"), 2);
    native_sa_core_seen(ip("10.9.0.2"), ip("239.1.1.1"), 4);
    native_sa_core_flush(2);
    ck_assert_int_eq(k.n, 5);
    ck_assert_uint_eq(native_sa_core_count(), 1);
    native_sa_core_flush(0);
    ck_assert_int_eq(k.n, 6);
    ck_assert_str_eq(k.log[5], "flush 10.9.0.2 239.1.1.1");
    ck_assert_uint_eq(native_sa_core_stats()->withdrawn, 3);
}
END_TEST

START_TEST(failed_origination_not_tracked)
{
    k.fail_originate = 1;
    ck_assert(!native_sa_core_seen(ip("10.1.1.50"), ip("239.1.1.1"), 2));
    ck_assert_uint_eq(native_sa_core_count(), 0);
    ck_assert_uint_eq(native_sa_core_stats()->table_full, 1);
}
END_TEST

START_TEST(candidate_originates_when_its_count_moves)
{
    /* An interface starts originating while its source's entry exists. */
    native_sa_core_candidate(ip("10.1.1.50"), ip("239.1.1.1"), 2);
    native_sa_core_candidate(ip("10.1.1.51"), ip("239.1.1.1"), 2);
    ck_assert_uint_eq(native_sa_core_count(), 0);
    ck_assert_int_eq(k.n, 0);
    run(now_ms + NATIVE_SA_POLL_MS + 100, true); /* both counts move (one fake kernel) */
    ck_assert_int_eq(k.n, 2);
    ck_assert_uint_eq(native_sa_core_count(), 2);
}
END_TEST

START_TEST(quiet_candidate_forgotten_silently)
{
    native_sa_core_candidate(ip("10.1.1.50"), ip("239.1.1.1"), 2);
    run(now_ms + 10000, false);
    ck_assert_int_eq(k.n, 0);
    native_sa_core_flush(0);
    ck_assert_int_eq(k.n, 0);
    /* A report makes it an SA at once. */
    native_sa_core_candidate(ip("10.1.1.50"), ip("239.1.1.1"), 2);
    ck_assert(native_sa_core_seen(ip("10.1.1.50"), ip("239.1.1.1"), 2));
    ck_assert_int_eq(k.n, 1);
    native_sa_core_flush(2);
    ck_assert_int_eq(k.n, 2);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("native_sa");
    TCase *d = tcase_create("decision");
    tcase_add_test(d, on_subnet_qualifies);
    tcase_add_test(d, off_subnet_refused);
    tcase_add_test(d, own_addresses_refused);
    tcase_add_test(d, groups);
    tcase_add_test(d, bad_sources);
    suite_add_tcase(s, d);
    TCase *t = tcase_create("tracking");
    tcase_add_checked_fixture(t, setup, NULL);
    tcase_add_test(t, originated_at_once_and_once);
    tcase_add_test(t, steady_stream_never_flaps);
    tcase_add_test(t, withdrawn_after_idle_time);
    tcase_add_test(t, gaps_shorter_than_idle_keep_it);
    tcase_add_test(t, entry_gone_then_reported);
    tcase_add_test(t, reinstalled_entry_is_a_baseline);
    tcase_add_test(t, no_longer_qualifies);
    tcase_add_test(t, flush_by_interface);
    tcase_add_test(t, failed_origination_not_tracked);
    tcase_add_test(t, candidate_originates_when_its_count_moves);
    tcase_add_test(t, quiet_candidate_forgotten_silently);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return unit_run(suite()); }
