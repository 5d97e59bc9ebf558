/* Unit tests of Source-Active origination by normalizer rules
 * (mcast/norm_sa.c): the worker's side is fwd_activity_seen called by
 * hand, the SA table is mcast/sa.c with a transport that drops everything,
 * the clock is now_ms set by hand. */
#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "babel/event.h"
#include "babel/util.h"
#include "mcast/norm_sa.h"
#include "mcast/rule.h"
#include "mcast/sa.h"

static const uint8_t self[8] = {0x02, 0, 0, 0xff, 0xfe, 0, 0, 0x01};

static int drop_send(void *peer, const uint8_t *body, size_t len, uint16_t nonce, void *ctx)
{
    return 0;
}
static bool yes_rpf(const uint8_t s[16], void *ctx) { return true; }
static const struct sa_ops ops = {drop_send, yes_rpf, NULL, NULL};

static void setup(void)
{
    sa_core_reset();
    now_ms = 1000000;
    sa_core_start(self, &ops);
    ck_assert_int_eq(norm_sa_set_idle_time(NORM_SA_IDLE_DEFAULT), 0);
    norm_sa_start();
}

static void teardown(void)
{
    norm_sa_stop();
    sa_core_stop();
}

/* A rule from a mcast-rule line. */
static struct rule_conf conf(const char *line)
{
    char buf[512], *w[64];
    int n = 0;
    strlcpy_safe(buf, line, sizeof(buf));
    for (char *t = strtok(buf, " "); t && n < 64; t = strtok(NULL, " "))
        w[n++] = t;
    struct rule_conf c;
    char err[256];
    ck_assert_msg(rule_parse(w, n, &c, err, sizeof(err)) == 0, "%s: %s", line, err);
    return c;
}

struct seen {
    char list[16][2 * ADDR_STRLEN];
    int n;
};
static void collect(const struct sa_info *i, void *ctx)
{
    struct seen *s = ctx;
    ck_assert(i->local);
    char a[ADDR_STRLEN], b[ADDR_STRLEN];
    addr_fmt(i->source, a);
    addr_fmt(i->group, b);
    if (s->n < 16)
        snprintf(s->list[s->n++], sizeof(s->list[0]), "%s %s", a, b);
}
/* Our SAs, as "S G" lines in table order, joined by '|' after sorting. */
static const char *sas(void)
{
    static char out[640];
    struct seen s = {.n = 0};
    sa_foreach(collect, &s);
    for (int i = 0; i < s.n; i++)
        for (int j = i + 1; j < s.n; j++)
            if (strcmp(s.list[j], s.list[i]) < 0) {
                char t[2 * ADDR_STRLEN];
                memcpy(t, s.list[i], sizeof(t));
                memcpy(s.list[i], s.list[j], sizeof(t));
                memcpy(s.list[j], t, sizeof(t));
            }
    out[0] = '\0';
    for (int i = 0; i < s.n; i++) {
        if (i)
            strcat(out, "|");
        strcat(out, s.list[i]);
    }
    return out;
}

/* The worker relays one packet of the rule whose table holds a. */
static void packet(struct fwd_activity *a) { fwd_activity_seen(a, 0, now_ms, norm_sa_fd()); }

/* Whether the eventfd was written (and empties it). */
static bool woken(void)
{
    struct pollfd p = {.fd = norm_sa_fd(), .events = POLLIN};
    if (poll(&p, 1, 0) != 1)
        return false;
    uint64_t v;
    ck_assert_int_eq(read(norm_sa_fd(), &v, sizeof(v)), (int)sizeof(v));
    return true;
}

START_TEST(output_groups_originate)
{
    /* G on o-a, G2 on o-b, G again on o-c, HER on o-d: SAs (VIP, G) and
     * (VIP, G2), nothing for the unicast output nor the input group alone. */
    struct rule_conf c = conf("mcast-rule cam in i group 239.1.1.1 resource 192.168.100.1 "
                              "out o-a out o-b group 239.2.2.2 out o-c out o-d unicast 10.0.0.9");
    struct norm_sa *s = norm_sa_new(&c);
    struct fwd_activity *a = norm_sa_activity(s);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(sas(), "");
    ck_assert(!woken());
    packet(a);
    ck_assert(woken());
    /* Only the first packet after idleness wakes the control plane. */
    now_ms += 3;
    packet(a);
    ck_assert(!woken());
    norm_sa_poll();
    ck_assert_str_eq(sas(), "192.168.100.1 239.1.1.1|192.168.100.1 239.2.2.2");
    norm_sa_activity_unref(a);
    norm_sa_free(s);
    ck_assert_str_eq(sas(), "");
}
END_TEST

START_TEST(nothing_without_vip_or_group)
{
    struct rule_conf c = conf("mcast-rule cam in i group 239.1.1.1 out o-a");
    struct norm_sa *s = norm_sa_new(&c);
    ck_assert_ptr_null(norm_sa_activity(s));
    norm_sa_free(s);
    c = conf("mcast-rule her in i group 239.1.1.1 resource 192.168.100.1 out o-a unicast 10.0.0.9");
    s = norm_sa_new(&c);
    ck_assert_ptr_null(norm_sa_activity(s));
    norm_sa_free(s);
}
END_TEST

START_TEST(stays_while_flowing_then_idles_out)
{
    ck_assert_int_eq(norm_sa_set_idle_time(3), 0);
    struct rule_conf c = conf("mcast-rule cam in i group 239.1.1.1 resource 192.168.100.1 out o");
    struct norm_sa *s = norm_sa_new(&c);
    struct fwd_activity *a = norm_sa_activity(s);
    packet(a);
    ck_assert(woken());
    norm_sa_poll();
    ck_assert_str_eq(sas(), "192.168.100.1 239.1.1.1");
    /* A bursty stream: packets 2.5 s apart, for 20 s: never withdrawn. */
    uint64_t end = now_ms + 20000;
    while (now_ms < end) {
        now_ms += 500;
        if (now_ms % 2500 == 0)
            packet(a);
        uint64_t next = norm_sa_tick();
        ck_assert_uint_ne(next, EVENT_NEVER);
        ck_assert_str_eq(sas(), "192.168.100.1 239.1.1.1");
        ck_assert(!woken());
    }
    /* The stream stops: withdrawn exactly 3 s after its last packet. */
    packet(a);
    uint64_t last = now_ms;
    ck_assert_uint_le(norm_sa_tick(), last + 3000);
    now_ms = last + 2999;
    norm_sa_tick();
    ck_assert_str_eq(sas(), "192.168.100.1 239.1.1.1");
    now_ms = last + 3000;
    ck_assert_uint_eq(norm_sa_tick(), now_ms); /* come back at once: flood it */
    ck_assert_str_eq(sas(), "");
    ck_assert_uint_eq(norm_sa_tick(), EVENT_NEVER);
    /* Armed again: the next packet brings it back. */
    now_ms += 10000;
    packet(a);
    ck_assert(woken());
    norm_sa_poll();
    ck_assert_str_eq(sas(), "192.168.100.1 239.1.1.1");
    norm_sa_activity_unref(a);
    norm_sa_free(s);
}
END_TEST

START_TEST(packet_racing_the_withdrawal)
{
    ck_assert_int_eq(norm_sa_set_idle_time(1), 0);
    struct rule_conf c = conf("mcast-rule cam in i group 239.1.1.1 resource 192.168.100.1 out o");
    struct norm_sa *s = norm_sa_new(&c);
    struct fwd_activity *a = norm_sa_activity(s);
    packet(a);
    ck_assert(woken());
    norm_sa_poll();
    /* Idle: withdrawn, and the object is armed. */
    now_ms += 1000;
    norm_sa_tick();
    ck_assert_str_eq(sas(), "");
    ck_assert_uint_eq(__atomic_load_n(&a->armed, __ATOMIC_SEQ_CST), 1);
    /* A packet in the same millisecond as the check still signals. */
    packet(a);
    ck_assert(woken());
    norm_sa_poll();
    ck_assert_str_eq(sas(), "192.168.100.1 239.1.1.1");
    norm_sa_activity_unref(a);
    norm_sa_free(s);
}
END_TEST

START_TEST(shared_sa_needs_every_rule_idle)
{
    ck_assert_int_eq(norm_sa_set_idle_time(2), 0);
    struct rule_conf c1 = conf("mcast-rule a in i1 group 239.1.1.1 resource 192.168.100.1 out o");
    struct rule_conf c2 = conf("mcast-rule b in i2 group 239.5.5.5 resource 192.168.100.1 "
                               "out o group 239.1.1.1");
    struct norm_sa *s1 = norm_sa_new(&c1), *s2 = norm_sa_new(&c2);
    struct fwd_activity *a1 = norm_sa_activity(s1), *a2 = norm_sa_activity(s2);
    packet(a1);
    packet(a2);
    norm_sa_poll();
    ck_assert_str_eq(sas(), "192.168.100.1 239.1.1.1");
    /* b keeps flowing, a stops: the SA stays. */
    for (int i = 0; i < 10; i++) {
        now_ms += 500;
        packet(a2);
        norm_sa_tick();
        ck_assert_str_eq(sas(), "192.168.100.1 239.1.1.1");
    }
    now_ms += 2000;
    norm_sa_tick();
    ck_assert_str_eq(sas(), "");
    norm_sa_activity_unref(a1);
    norm_sa_activity_unref(a2);
    norm_sa_free(s1);
    norm_sa_free(s2);
}
END_TEST

START_TEST(replaced_rule)
{
    struct rule_conf c = conf("mcast-rule cam in i group 239.1.1.1 resource 192.168.100.1 out o");
    struct norm_sa *s = norm_sa_new(&c);
    struct fwd_activity *a = norm_sa_activity(s);
    packet(a);
    norm_sa_poll();
    ck_assert_str_eq(sas(), "192.168.100.1 239.1.1.1");
    /* Same VIP and groups (another port, another TTL): kept, same object. */
    c = conf("mcast-rule cam in i group 239.1.1.1 port 5000 resource 192.168.100.1 out o ttl 9");
    norm_sa_update(s, &c);
    ck_assert_str_eq(sas(), "192.168.100.1 239.1.1.1");
    struct fwd_activity *b = norm_sa_activity(s);
    ck_assert_ptr_eq(a, b);
    norm_sa_activity_unref(b);
    /* Another output group: withdrawn; a new object, armed; a packet under
     * the old table does not bring anything back. */
    c = conf("mcast-rule cam in i group 239.1.1.1 resource 192.168.100.1 out o group 239.9.9.9");
    norm_sa_update(s, &c);
    ck_assert_str_eq(sas(), "");
    b = norm_sa_activity(s);
    ck_assert_ptr_ne(a, b);
    packet(a);
    norm_sa_poll();
    ck_assert_str_eq(sas(), "");
    packet(b);
    ck_assert(woken());
    norm_sa_poll();
    ck_assert_str_eq(sas(), "192.168.100.1 239.9.9.9");
    /* Another VIP. */
    c = conf("mcast-rule cam in i group 239.1.1.1 resource 192.168.100.2 out o group 239.9.9.9");
    norm_sa_update(s, &c);
    ck_assert_str_eq(sas(), "");
    /* No VIP any more: no object. */
    c = conf("mcast-rule cam in i group 239.1.1.1 out o");
    norm_sa_update(s, &c);
    ck_assert_ptr_null(norm_sa_activity(s));
    norm_sa_activity_unref(a);
    norm_sa_activity_unref(b);
    norm_sa_free(s);
}
END_TEST

START_TEST(stop_withdraws_and_idle_time_bounds)
{
    ck_assert_int_eq(norm_sa_set_idle_time(0), -1);
    ck_assert_int_eq(norm_sa_set_idle_time(NORM_SA_IDLE_MAX + 1), -1);
    ck_assert_int_eq(norm_sa_set_idle_time(NORM_SA_IDLE_MAX), 0);
    struct rule_conf c = conf("mcast-rule cam in i group 239.1.1.1 resource 192.168.100.1 out o");
    struct norm_sa *s = norm_sa_new(&c);
    struct fwd_activity *a = norm_sa_activity(s);
    packet(a);
    norm_sa_poll();
    ck_assert_str_eq(sas(), "192.168.100.1 239.1.1.1");
    /* A shorter idle time applies at once to what is active. */
    now_ms += 5000;
    ck_assert_int_eq(norm_sa_set_idle_time(4), 0);
    norm_sa_tick();
    ck_assert_str_eq(sas(), "");
    packet(a);
    norm_sa_poll();
    ck_assert_str_eq(sas(), "192.168.100.1 239.1.1.1");
    norm_sa_stop();
    ck_assert_str_eq(sas(), "");
    norm_sa_activity_unref(a);
    norm_sa_free(s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("norm_sa");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, output_groups_originate);
    tcase_add_test(tc, nothing_without_vip_or_group);
    tcase_add_test(tc, stays_while_flowing_then_idles_out);
    tcase_add_test(tc, packet_racing_the_withdrawal);
    tcase_add_test(tc, shared_sa_needs_every_rule_idle);
    tcase_add_test(tc, replaced_rule);
    tcase_add_test(tc, stop_withdraws_and_idle_time_bounds);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return unit_run(suite()); }
