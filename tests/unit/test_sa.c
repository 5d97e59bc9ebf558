/* Unit tests of the Source-Active table and flooding (mcast/sa.c) with a fake
 * transport: neighbours are opaque handles, every TLV sent is captured and
 * decoded, the clock is now_ms set by hand. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "babel/event.h"
#include "babel/util.h"
#include "mcast/sa.h"
#include "mcast/sa_codec.h"

static const uint8_t self[8] = {0x02, 0, 0, 0xff, 0xfe, 0, 0, 0x01};
static const uint8_t other[8] = {0x02, 0, 0, 0xff, 0xfe, 0, 0, 0x02};
static int peer_a, peer_b, peer_c;
#define A ((void *)&peer_a)
#define B ((void *)&peer_b)
#define C ((void *)&peer_c)

struct sent {
    void *peer;
    uint16_t nonce;
    struct sa_decoded d;
};
static struct sent sent[256];
static int nsent;
static bool rpf_ok;
static char lines[64][256];
static int nlines;
static int send_fails;

static int fake_send(void *peer, const uint8_t *body, size_t len, uint16_t nonce, void *ctx)
{
    if (send_fails)
        return -1;
    ck_assert_int_lt(nsent, 256);
    ck_assert_uint_le(len, 255);
    sent[nsent].peer = peer;
    sent[nsent].nonce = nonce;
    ck_assert_int_eq(sa_decode(body, len, &sent[nsent].d), SA_DECODE_OK);
    nsent++;
    return 0;
}

static int rpf_calls;
static bool fake_rpf(const uint8_t s[16], void *ctx)
{
    rpf_calls++;
    return rpf_ok;
}

static void fake_notify(const char *line, void *ctx)
{
    if (nlines < 64)
        strlcpy_safe(lines[nlines++], line, sizeof(lines[0]));
}

static const struct sa_ops ops = {fake_send, fake_rpf, fake_notify, NULL};

static uint8_t S1[16], G1[16], S6[16], G6[16];

static void setup(void)
{
    sa_core_reset();
    now_ms = 100000;
    nsent = 0;
    nlines = 0;
    rpf_ok = true;
    send_fails = 0;
    unit_addr("10.254.0.1", S1);
    unit_addr("239.1.1.1", G1);
    unit_addr("fd00:bb::1", S6);
    unit_addr("ff0e::1:1", G6);
}

/* A new neighbour is asked for its table (a header-only TLV with the
 * request flag, acknowledged like any other). */
static void peer_up(void *peer)
{
    int mark = nsent;
    sa_core_peer(peer, true);
    sa_core_tick();
    ck_assert_int_ge(nsent, mark + 1);
    ck_assert_ptr_eq(sent[nsent - 1].peer, peer);
    ck_assert_uint_eq(sent[nsent - 1].d.hflags, SA_HFLAG_REQUEST);
    sa_core_ack(peer, sent[nsent - 1].nonce);
}

static void start(void)
{
    sa_core_start(self, &ops);
    peer_up(A);
    peer_up(B);
    ck_assert_int_eq(nsent, 2);
    ck_assert_uint_eq(sent[0].d.n, 0);
    nsent = 0;
}

static void tick_at(uint64_t t)
{
    now_ms = t;
    sa_core_tick();
}

/* Entries sent to a peer since index `from`. */
static int count_to(void *peer, int from)
{
    int n = 0;
    for (int i = from; i < nsent; i++)
        if (sent[i].peer == peer)
            n += (int)sent[i].d.n;
    return n;
}

static const struct sent *last_to(void *peer)
{
    for (int i = nsent - 1; i >= 0; i--)
        if (sent[i].peer == peer)
            return &sent[i];
    return NULL;
}

static size_t body_of(uint8_t *buf, const uint8_t origin[8], const uint8_t s[16],
                      const uint8_t g[16], uint16_t seqno, uint8_t flags, uint16_t lifetime)
{
    struct sa_wire_entry e;
    memcpy(e.origin, origin, 8);
    memcpy(e.source, s, 16);
    memcpy(e.group, g, 16);
    e.seqno = seqno;
    e.flags = flags;
    e.lifetime = lifetime;
    size_t len = sa_encode_header(buf, SA_TLV_MAX);
    ck_assert_int_eq(sa_encode_entry(buf, SA_TLV_MAX, &len, &e), 0);
    return len;
}

static void receive(void *peer, const uint8_t origin[8], uint16_t seqno, uint8_t flags,
                    uint16_t lifetime)
{
    uint8_t buf[SA_TLV_MAX];
    size_t len = body_of(buf, origin, S1, G1, seqno, flags, lifetime);
    sa_core_receive(peer, buf, len);
}

static void count_one(const struct sa_info *in, void *ctx) { (*(int *)ctx)++; }

static int count_active(void)
{
    int n = 0;
    sa_foreach(count_one, &n);
    return n;
}

START_TEST(originate_floods_with_acks_and_retransmits)
{
    start();
    ck_assert_int_eq(sa_originate(S1, G1), 0);
    tick_at(now_ms);
    ck_assert_int_eq(count_to(A, 0), 1);
    ck_assert_int_eq(count_to(B, 0), 1);
    const struct sent *sa_ = last_to(A);
    ck_assert_mem_eq(sa_->d.e[0].origin, self, 8);
    ck_assert_uint_eq(sa_->d.e[0].flags, 0);
    ck_assert_uint_eq(sa_->d.e[0].lifetime, SA_DEFAULT_LIFETIME);
    ck_assert_int_eq(nlines, 1);
    ck_assert_msg(strncmp(lines[0], "add sa ", 7) == 0, "%s", lines[0]);
    ck_assert_ptr_nonnull(strstr(lines[0], " source 10.254.0.1 group 239.1.1.1 origin "
                                           "02:00:00:ff:fe:00:00:01 seqno "));
    /* A acknowledges, B does not: only B hears it again, after 200 ms, then
     * after 400 ms more. */
    sa_core_ack(A, last_to(A)->nonce);
    int mark = nsent;
    tick_at(now_ms + 199);
    ck_assert_int_eq(nsent, mark);
    tick_at(now_ms + 1);
    ck_assert_int_eq(count_to(A, mark), 0);
    ck_assert_int_eq(count_to(B, mark), 1);
    mark = nsent;
    tick_at(now_ms + 399);
    ck_assert_int_eq(nsent, mark);
    tick_at(now_ms + 1);
    ck_assert_int_eq(count_to(B, mark), 1);
    ck_assert_uint_eq(sa_get_stats()->retransmits, 2);
    /* A stale nonce acknowledges nothing; the right one stops it. */
    sa_core_ack(B, (uint16_t)(last_to(B)->nonce + 1));
    sa_core_ack(B, last_to(B)->nonce);
    mark = nsent;
    tick_at(now_ms + 5000);
    ck_assert_int_eq(count_to(B, mark), 0);
    ck_assert_uint_eq(sa_get_stats()->acked, 2);
}
END_TEST

START_TEST(gives_up_after_max_tries)
{
    sa_set_lifetime(SA_MAX_LIFETIME); /* no refresh during the test */
    start();
    sa_originate(S1, G1);
    for (int i = 0; i < 40; i++)
        tick_at(now_ms + 500);
    ck_assert_int_eq(count_to(A, 0), SA_MAX_TRIES);
    ck_assert_uint_eq(sa_get_stats()->gave_up, 2);
}
END_TEST

START_TEST(receive_floods_except_sender_and_suppresses_duplicates)
{
    start();
    sa_core_peer(C, true);
    receive(A, other, 7, 0, 30);
    tick_at(now_ms);
    ck_assert_int_eq(count_to(A, 0), 0);
    ck_assert_int_eq(count_to(B, 0), 1);
    ck_assert_int_eq(count_to(C, 0), 1);
    ck_assert_uint_eq(last_to(B)->d.e[0].seqno, 7);
    ck_assert_mem_eq(last_to(B)->d.e[0].origin, other, 8);
    ck_assert_int_eq(count_active(), 1);
    ck_assert_uint_eq(sa_get_stats()->accepted, 1);
    /* B sends the same seqno back (it had it from elsewhere): a duplicate,
     * not flooded, and B no longer needs our copy. */
    int mark = nsent;
    receive(B, other, 7, 0, 30);
    ck_assert_uint_eq(sa_get_stats()->duplicates, 1);
    tick_at(now_ms + 200);
    ck_assert_int_eq(count_to(A, mark), 0);
    ck_assert_int_eq(count_to(B, mark), 0);
    ck_assert_int_eq(count_to(C, mark), 1); /* retransmitted: no Ack from C */
    /* A newer seqno is a change. */
    receive(A, other, 8, 0, 30);
    ck_assert_msg(strncmp(lines[nlines - 1], "change sa ", 10) == 0, "%s", lines[nlines - 1]);
    ck_assert_ptr_nonnull(strstr(lines[nlines - 1], " seqno 8 age 0\n"));
}
END_TEST

START_TEST(older_seqno_is_answered)
{
    start();
    receive(A, other, 100, 0, 30);
    tick_at(now_ms);
    sa_core_ack(B, last_to(B)->nonce);
    int mark = nsent;
    receive(B, other, 99, 0, 30);
    tick_at(now_ms);
    ck_assert_int_eq(count_to(B, mark), 1);
    ck_assert_uint_eq(last_to(B)->d.e[0].seqno, 100);
    ck_assert_int_eq(count_to(A, mark), 0);
    /* Seqno arithmetic wraps: 100 -> 32866 -> 65535 -> 0 are each newer. */
    receive(A, other, 32866, 0, 30);
    receive(A, other, 65535, 0, 30);
    receive(A, other, 0, 0, 30);
    ck_assert_uint_eq(sa_get_stats()->accepted, 4);
    receive(A, other, 65000, 0, 30); /* just before 0: older */
    ck_assert_uint_eq(sa_get_stats()->accepted, 4);
}
END_TEST

START_TEST(rpf_failure_waits_for_a_route)
{
    start();
    rpf_ok = false;
    receive(A, other, 1, 0, 30);
    tick_at(now_ms);
    ck_assert_int_eq(nsent, 0);
    ck_assert_int_eq(count_active(), 0);
    ck_assert_int_eq(nlines, 0);
    ck_assert_uint_eq(sa_get_stats()->rpf_failures, 1);
    ck_assert_uint_eq(sa_get_stats()->accepted, 0);
    /* A newer copy still without a route: still waiting. */
    receive(B, other, 2, 0, 30);
    ck_assert_uint_eq(sa_get_stats()->rpf_failures, 2);
    ck_assert_int_eq(count_active(), 0);
    /* The route appears: accepted, announced, flooded except to where it
     * came from. */
    rpf_ok = true;
    sa_core_routes_changed();
    tick_at(now_ms + 10);
    ck_assert_int_eq(count_active(), 1);
    ck_assert_uint_eq(sa_get_stats()->accepted, 1);
    ck_assert_int_eq(nlines, 1);
    ck_assert_msg(strncmp(lines[0], "add sa ", 7) == 0, "%s", lines[0]);
    ck_assert_int_eq(count_to(A, 0), 1);
    ck_assert_int_eq(count_to(B, 0), 0);
    ck_assert_uint_eq(last_to(A)->d.e[0].seqno, 2);
    /* Without a change notification, waiting entries are looked at every
     * second. */
    rpf_ok = false;
    uint8_t buf[SA_TLV_MAX];
    size_t len = body_of(buf, other, S6, G6, 7, 0, 30);
    sa_core_receive(A, buf, len);
    ck_assert_int_eq(count_active(), 1);
    rpf_ok = true;
    tick_at(now_ms + 1000);
    ck_assert_int_eq(count_active(), 2);
    /* A refresh of an entry we believe that fails peer-RPF leaves it as it
     * was (it expires unless the route comes back). */
    rpf_ok = false;
    receive(A, other, 3, 0, 30);
    ck_assert_int_eq(count_active(), 2);
    /* A withdrawal needs no route. */
    receive(A, other, 4, SA_FLAG_WITHDRAW, 30);
    ck_assert_int_eq(count_active(), 1);
    /* A waiting entry that expires goes silently. */
    uint8_t g2[16];
    unit_addr("239.5.5.5", g2);
    len = body_of(buf, other, S1, g2, 1, 0, 2);
    sa_core_receive(A, buf, len);
    int nl = nlines;
    tick_at(now_ms + 2500);
    ck_assert_int_eq(nlines, nl);
    rpf_ok = true;
    sa_core_routes_changed();
    tick_at(now_ms + 10);
    ck_assert_int_eq(count_active(), 1);
}
END_TEST

/* A route change looks only at the waiting entries whose source it
 * covers, a lost route at none, and the accepted entries never. */
START_TEST(route_change_rechecks_only_what_it_covers)
{
    start();
    /* 200 accepted entries. */
    for (int i = 0; i < 200; i++) {
        uint8_t g[16], buf[SA_TLV_MAX];
        char gs[32];
        snprintf(gs, sizeof(gs), "239.6.0.%d", i + 1);
        unit_addr(gs, g);
        size_t len = body_of(buf, other, S1, g, 1, 0, 30);
        sa_core_receive(A, buf, len);
    }
    ck_assert_int_eq(count_active(), 200);
    /* Three waiting: 10.1.0.1, 10.2.0.1, fd00:bb::1. */
    rpf_ok = false;
    const char *srcs[3] = {"10.1.0.1", "10.2.0.1", "fd00:bb::1"};
    for (int i = 0; i < 3; i++) {
        uint8_t src[16], buf[SA_TLV_MAX];
        unit_addr(srcs[i], src);
        size_t len = body_of(buf, other, src, i == 2 ? G6 : G1, 1, 0, 30);
        sa_core_receive(A, buf, len);
    }
    tick_at(now_ms);
    ck_assert_int_eq(count_active(), 200);
    rpf_ok = true;
    /* 10.1.0.0/16 becomes reachable: one lookup, one entry accepted. */
    uint8_t p[16];
    unit_addr("10.1.0.0", p);
    rpf_calls = 0;
    sa_core_route_changed(p, 96 + 16, true);
    tick_at(now_ms + 10);
    ck_assert_int_eq(rpf_calls, 1);
    ck_assert_int_eq(count_active(), 201);
    /* Lost routes, or routes covering nothing that waits: no lookup. */
    unit_addr("10.2.0.0", p);
    sa_core_route_changed(p, 96 + 16, false);
    unit_addr("10.3.0.0", p);
    sa_core_route_changed(p, 96 + 16, true);
    unit_addr("fd00:cc::", p);
    sa_core_route_changed(p, 32, true);
    tick_at(now_ms + 10);
    ck_assert_int_eq(rpf_calls, 1);
    ck_assert_int_eq(count_active(), 201);
    /* The IPv6 host route: its entry. */
    unit_addr("fd00:bb::1", p);
    sa_core_route_changed(p, 128, true);
    tick_at(now_ms + 10);
    ck_assert_int_eq(rpf_calls, 2);
    ck_assert_int_eq(count_active(), 202);
    /* More changes in one tick than are remembered: every waiting entry
     * (one left) is looked at, once. */
    for (int i = 0; i < 100; i++) {
        char ps[32];
        snprintf(ps, sizeof(ps), "10.9.%d.0", i);
        unit_addr(ps, p);
        sa_core_route_changed(p, 96 + 24, true);
    }
    tick_at(now_ms + 10);
    ck_assert_int_eq(rpf_calls, 3);
    ck_assert_int_eq(count_active(), 203);
}
END_TEST

START_TEST(withdraw_and_expiry)
{
    start();
    receive(A, other, 1, 0, 30);
    ck_assert_int_eq(count_active(), 1);
    receive(A, other, 2, SA_FLAG_WITHDRAW, 30);
    ck_assert_int_eq(count_active(), 0);
    ck_assert_msg(strncmp(lines[nlines - 1], "flush sa ", 9) == 0, "%s", lines[nlines - 1]);
    tick_at(now_ms);
    ck_assert_uint_eq(last_to(B)->d.e[0].flags & SA_FLAG_WITHDRAW, SA_FLAG_WITHDRAW);
    /* The tombstone keeps an older announcement out. */
    receive(B, other, 1, 0, 30);
    ck_assert_int_eq(count_active(), 0);
    /* An entry that is not refreshed expires after its lifetime. */
    uint8_t buf[SA_TLV_MAX];
    size_t len = body_of(buf, other, S6, G6, 5, 0, 3);
    sa_core_receive(A, buf, len);
    ck_assert_int_eq(count_active(), 1);
    tick_at(now_ms + 2999);
    ck_assert_int_eq(count_active(), 1);
    int nl = nlines;
    tick_at(now_ms + 1);
    ck_assert_int_eq(count_active(), 0);
    ck_assert_int_eq(nlines, nl + 1);
    ck_assert_msg(strncmp(lines[nl], "flush sa ", 9) == 0, "%s", lines[nl]);
    /* Forwarded copies carry the remaining lifetime. */
    receive(A, other, 9, 0, 20);
    tick_at(now_ms + 5500);
    const struct sent *s = last_to(B);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_ge(s->d.n, 1);
    ck_assert_uint_eq(s->d.e[0].seqno, 9);
    ck_assert_uint_eq(s->d.e[0].lifetime, 15); /* 20 s less 5.5 s, rounded up */
}
END_TEST

START_TEST(remaining_lifetime_forwarded)
{
    start();
    sa_core_peer(C, false);
    receive(A, other, 1, 0, 20);
    now_ms += 5500; /* B sees it late (first copy after 5.5 s) */
    tick_at(now_ms);
    ck_assert_uint_eq(last_to(B)->d.e[0].lifetime, 15); /* 14.5 s, rounded up */
}
END_TEST

START_TEST(refresh_and_withdraw_by_originator)
{
    ck_assert_int_eq(sa_set_lifetime(9), 0);
    ck_assert_int_eq(sa_set_lifetime(2), -1);
    ck_assert_int_eq(sa_announce_static(S1, G1), 0); /* before start: remembered */
    sa_core_start(self, &ops);
    sa_core_peer(A, true);
    sa_core_peer(B, true);
    tick_at(now_ms);
    ck_assert_int_eq(count_to(A, 0), 1);
    ck_assert_uint_eq(last_to(A)->d.hflags, SA_HFLAG_REQUEST); /* entry and request in one */
    uint16_t seq = last_to(A)->d.e[0].seqno;
    ck_assert_uint_eq(last_to(A)->d.e[0].lifetime, 9);
    sa_core_ack(A, last_to(A)->nonce);
    sa_core_ack(B, last_to(B)->nonce);
    /* Refreshed within lifetime/3 with the next seqno. */
    int mark = nsent;
    for (int i = 0; i < 30 && count_to(A, mark) == 0; i++)
        tick_at(now_ms + 100);
    ck_assert_int_eq(count_to(A, mark), 1);
    ck_assert_uint_eq(last_to(A)->d.e[0].seqno, (uint16_t)(seq + 1));
    sa_core_ack(A, last_to(A)->nonce);
    sa_core_ack(B, last_to(B)->nonce);
    /* sa_originate on the same pair; flush of the directive alone keeps it. */
    ck_assert_int_eq(sa_originate(S1, G1), 0);
    ck_assert_int_eq(sa_flush_static(S1, G1), 0);
    ck_assert_int_eq(sa_flush_static(S1, G1), -1);
    ck_assert_int_eq(count_active(), 1);
    mark = nsent;
    ck_assert_int_eq(sa_withdraw(S1, G1), 0);
    ck_assert_int_eq(sa_withdraw(S1, G1), -1);
    tick_at(now_ms);
    ck_assert_int_eq(count_to(A, mark), 1);
    ck_assert_uint_eq(last_to(A)->d.e[0].flags, SA_FLAG_WITHDRAW);
    ck_assert_uint_eq(last_to(A)->d.e[0].seqno, (uint16_t)(seq + 2));
    ck_assert_int_eq(count_active(), 0);
    /* Announced again: newer still. */
    ck_assert_int_eq(sa_announce_static(S1, G1), 0);
    tick_at(now_ms);
    ck_assert_uint_eq(last_to(A)->d.e[0].seqno, (uint16_t)(seq + 3));
    ck_assert_uint_eq(last_to(A)->d.e[0].flags, 0);
    /* Bad pairs are refused. */
    ck_assert_int_eq(sa_originate(G1, S1), -1);
    ck_assert_int_eq(sa_originate(S1, G6), -1);
}
END_TEST

START_TEST(own_ghost_is_overridden)
{
    start();
    /* A previous life of ours announced (S1, G1) with seqno 500; we do not
     * announce it now: we withdraw it above 500. */
    receive(A, self, 500, 0, 30);
    ck_assert_int_eq(count_active(), 0);
    tick_at(now_ms);
    const struct sent *s = last_to(A);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(s->d.e[0].flags, SA_FLAG_WITHDRAW);
    ck_assert_uint_eq(s->d.e[0].seqno, 501);
    ck_assert_uint_eq(sa_get_stats()->own, 1);
    /* We do announce (S6, G6); a ghost newer than ours pushes our seqno. */
    sa_originate(S6, G6);
    tick_at(now_ms);
    uint16_t ours = last_to(B)->d.e[0].seqno;
    uint16_t ghost = (uint16_t)(ours + 1000);
    uint8_t buf[SA_TLV_MAX];
    size_t len = body_of(buf, self, S6, G6, ghost, 0, 30);
    sa_core_receive(B, buf, len);
    tick_at(now_ms);
    s = last_to(B);
    ck_assert_uint_eq(s->d.e[0].flags, 0);
    ck_assert_uint_eq(s->d.e[0].seqno, (uint16_t)(ghost + 1));
    /* An older copy of ours is answered with ours. */
    len = body_of(buf, self, S6, G6, ours, 0, 30);
    int mark = nsent;
    sa_core_receive(A, buf, len);
    tick_at(now_ms);
    ck_assert_int_eq(count_to(A, mark), 1);
    ck_assert_uint_eq(last_to(A)->d.e[0].seqno, (uint16_t)(ghost + 1));
}
END_TEST

START_TEST(new_neighbour_gets_table_and_gone_neighbour_is_forgotten)
{
    start();
    receive(A, other, 1, 0, 30);
    sa_originate(S6, G6);
    receive(A, other, 2, SA_FLAG_WITHDRAW, 30); /* tombstones are not synced */
    uint8_t buf[SA_TLV_MAX];
    size_t len = body_of(buf, other, S6, G6, 3, 0, 30);
    sa_core_receive(A, buf, len);
    tick_at(now_ms);
    int mark = nsent;
    sa_core_peer(C, true);
    tick_at(now_ms);
    ck_assert_int_eq(count_to(C, mark), 2);
    ck_assert_int_eq(nsent - mark, 1); /* both in one TLV */
    sa_core_peer(A, false);
    sa_core_peer(C, false);
    mark = nsent;
    for (int i = 0; i < 20; i++)
        tick_at(now_ms + 500);
    ck_assert_int_eq(count_to(A, mark), 0);
    ck_assert_int_eq(count_to(C, mark), 0);
}
END_TEST

START_TEST(batches_many_entries)
{
    start();
    for (int i = 0; i < 25; i++) {
        uint8_t g[16];
        char gs[32];
        snprintf(gs, sizeof(gs), "239.9.9.%d", i + 1);
        unit_addr(gs, g);
        sa_originate(S1, g);
    }
    tick_at(now_ms);
    ck_assert_int_eq(count_to(A, 0), 25);
    int tlvs = 0;
    for (int i = 0; i < nsent; i++)
        if (sent[i].peer == A)
            tlvs++;
    ck_assert_int_eq(tlvs, 3); /* 10 + 10 + 5 */
    /* One Ack clears one TLV's entries only. */
    for (int i = 0; i < nsent; i++)
        if (sent[i].peer == A && sent[i].d.n == 10) {
            sa_core_ack(A, sent[i].nonce);
            break;
        }
    int mark = nsent;
    tick_at(now_ms + 200);
    ck_assert_int_eq(count_to(A, mark), 15);
}
END_TEST

/* Many copies in flight: each Ack clears exactly the entries of its TLV,
 * and an entry queued again while in flight (withdrawn here) is not
 * cleared by the Ack of its older copy. */
START_TEST(many_in_flight_acked_by_nonce)
{
    sa_set_lifetime(SA_MAX_LIFETIME); /* no refresh during the test */
    start();
    for (int i = 0; i < 1000; i++) {
        uint8_t g[16];
        char gs[32];
        snprintf(gs, sizeof(gs), "239.8.%d.%d", i / 250, i % 250 + 1);
        unit_addr(gs, g);
        ck_assert_int_eq(sa_announce_static(S1, g), 0);
    }
    tick_at(now_ms);
    ck_assert_int_eq(count_to(A, 0), 1000);
    ck_assert_int_eq(count_to(B, 0), 1000);
    ck_assert_int_eq(nsent, 200);
    int k = -1, seen_a = 0;
    for (int i = 0; i < nsent; i++) {
        if (sent[i].peer == B) {
            sa_core_ack(B, sent[i].nonce);
        } else if (seen_a++ % 2 == 0) {
            sa_core_ack(A, sent[i].nonce);
        } else if (k < 0) {
            k = i;
        }
    }
    ck_assert_uint_eq(sa_get_stats()->acked, 1500);
    uint8_t ws[16], wg[16];
    memcpy(ws, sent[k].d.e[3].source, 16);
    memcpy(wg, sent[k].d.e[3].group, 16);
    uint16_t old_nonce = sent[k].nonce;
    ck_assert_int_eq(sa_flush_static(ws, wg), 0);
    sa_core_ack(A, old_nonce); /* the 9 others of that TLV, not the withdrawal */
    ck_assert_uint_eq(sa_get_stats()->acked, 1509);
    nsent = 0;
    tick_at(now_ms);
    ck_assert_int_eq(count_to(A, 0), 1);
    ck_assert_int_eq(count_to(B, 0), 1);
    ck_assert_uint_eq(last_to(A)->d.e[0].flags, SA_FLAG_WITHDRAW);
    ck_assert_mem_eq(last_to(A)->d.e[0].group, wg, 16);
    /* 200 ms on: A gets the 49 other unacknowledged TLVs' entries again and
     * the withdrawal, B only the withdrawal. */
    nsent = 0;
    tick_at(now_ms + 200);
    ck_assert_int_eq(count_to(A, 0), 491);
    ck_assert_int_eq(count_to(B, 0), 1);
}
END_TEST

START_TEST(bad_input_counted)
{
    start();
    static const uint8_t junk[] = {1, 0, 1, 30};
    sa_core_receive(A, junk, sizeof(junk));
    ck_assert_uint_eq(sa_get_stats()->malformed, 1);
    static const uint8_t v9[] = {9, 0, 1, 2, 3};
    sa_core_receive(A, v9, sizeof(v9));
    ck_assert_uint_eq(sa_get_stats()->unknown_version, 1);
    /* A unicast group, a multicast source, lifetime 0, a zero origin. */
    uint8_t buf[SA_TLV_MAX];
    static const uint8_t zero[8];
    size_t len = body_of(buf, other, S1, S1, 1, 0, 30);
    sa_core_receive(A, buf, len);
    len = body_of(buf, other, G1, G1, 1, 0, 30);
    sa_core_receive(A, buf, len);
    len = body_of(buf, other, S1, G1, 1, 0, 0);
    sa_core_receive(A, buf, len);
    len = body_of(buf, zero, S1, G1, 1, 0, 30);
    sa_core_receive(A, buf, len);
    ck_assert_uint_eq(sa_get_stats()->invalid, 4);
    ck_assert_int_eq(count_active(), 0);
    tick_at(now_ms);
    ck_assert_int_eq(nsent, 0);
}
END_TEST

static void collect(const char *line, void *out)
{
    char *buf = out;
    strcat(buf, line);
}

START_TEST(dump_records)
{
    start();
    receive(A, other, 42, 0, 30);
    now_ms += 3200;
    static char out[4096];
    out[0] = '\0';
    sa_dump(collect, out);
    static const char head[] = "add sa-stats received 1 accepted 1 duplicates 0 rpf-failures 0 "
                               "malformed 0 retransmits 0 ";
    ck_assert_msg(strncmp(out, head, strlen(head)) == 0, "%s", out);
    char want[256];
    snprintf(want, sizeof(want),
             "add sa %016llx source 10.254.0.1 group 239.1.1.1 origin 02:00:00:ff:fe:00:00:02 "
             "seqno 42 age 3\n",
             (unsigned long long)sa_entry_id(other, S1, G1));
    ck_assert_msg(strstr(out, want) != NULL, "%s", out);
}
END_TEST

START_TEST(stop_withdraws)
{
    start();
    sa_originate(S1, G1);
    tick_at(now_ms);
    int mark = nsent;
    sa_core_stop();
    ck_assert_int_eq(count_to(A, mark), 1);
    ck_assert_uint_eq(last_to(A)->d.e[0].flags, SA_FLAG_WITHDRAW);
    ck_assert_uint_eq(sa_core_tick(), EVENT_NEVER);
}
END_TEST

START_TEST(table_request_is_answered)
{
    start();
    receive(A, other, 1, 0, 30);
    sa_originate(S6, G6);
    tick_at(now_ms);
    for (int i = 0; i < nsent; i++)
        sa_core_ack(sent[i].peer, sent[i].nonce);
    /* B restarted without us noticing: it asks for our table. */
    uint8_t req[2];
    sa_encode_header_flags(req, sizeof(req), SA_HFLAG_REQUEST);
    int mark = nsent;
    sa_core_receive(B, req, sizeof(req));
    ck_assert_uint_eq(sa_get_stats()->requests, 1);
    tick_at(now_ms);
    ck_assert_int_eq(count_to(B, mark), 2);
    ck_assert_int_eq(count_to(A, mark), 0);
    ck_assert_uint_eq(last_to(B)->d.hflags, 0);
    /* A request that is never acknowledged is given up like an entry. */
    sa_core_peer(C, true);
    for (int i = 0; i < 40; i++)
        tick_at(now_ms + 500);
    int reqs = 0;
    for (int i = mark; i < nsent; i++)
        if (sent[i].peer == C && sent[i].d.hflags == SA_HFLAG_REQUEST)
            reqs++;
    ck_assert_int_eq(reqs, SA_MAX_TRIES);
}
END_TEST

/* Random operations on the table (entries from random origins with random
 * seqnos and flags, acks, neighbours coming and going, origination, time
 * passing): nothing crashes or leaks (run under ASan by make check-asan),
 * every TLV sent decodes and fits, and the table stays consistent. */
START_TEST(random_soak)
{
    srandom(4242);
    sa_set_lifetime(6);
    sa_core_start(self, &ops);
    void *peers[3] = {A, B, C};
    bool up[3] = {false, false, false};
    static const uint8_t origins[3][8] = {{2, 0, 0, 0xff, 0xfe, 0, 0, 9},
                                          {2, 0, 0, 0xff, 0xfe, 0, 0, 8},
                                          {2, 0, 0, 0xff, 0xfe, 0, 0, 1}}; /* the last is us */
    for (int i = 0; i < 20000; i++) {
        int op = (int)(random() % 100);
        int k = (int)(random() % 3);
        uint8_t g[16];
        char gs[32];
        snprintf(gs, sizeof(gs), "239.1.1.%ld", 1 + random() % 6);
        unit_addr(gs, g);
        if (op < 40) {
            uint8_t buf[SA_TLV_MAX];
            size_t len = body_of(buf, origins[random() % 3], S1, g, (uint16_t)(random() % 8),
                                 random() % 4 == 0 ? SA_FLAG_WITHDRAW : 0,
                                 (uint16_t)(random() % 8));
            if (random() % 10 == 0)
                buf[1] = SA_HFLAG_REQUEST;
            if (random() % 20 == 0)
                buf[2 + random() % (len - 2)] = (uint8_t)random();
            sa_core_receive(peers[k], buf, len);
        } else if (op < 55 && nsent > 0) {
            const struct sent *x = &sent[random() % nsent];
            sa_core_ack(x->peer, x->nonce);
        } else if (op < 62) {
            up[k] = !up[k];
            sa_core_peer(peers[k], up[k]);
        } else if (op < 70) {
            if (random() % 2)
                sa_originate(S1, g);
            else
                sa_withdraw(S1, g);
        } else if (op < 75) {
            rpf_ok = !rpf_ok;
            sa_core_routes_changed();
        } else {
            tick_at(now_ms + (uint64_t)(random() % 700));
        }
        if (nsent > 200)
            nsent = 0;
        nlines = 0;
    }
    ck_assert_int_le(count_active(), 6 * 3);
    sa_core_stop();
    sa_core_reset();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sa");
    TCase *tc = tcase_create("table");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, originate_floods_with_acks_and_retransmits);
    tcase_add_test(tc, gives_up_after_max_tries);
    tcase_add_test(tc, receive_floods_except_sender_and_suppresses_duplicates);
    tcase_add_test(tc, older_seqno_is_answered);
    tcase_add_test(tc, rpf_failure_waits_for_a_route);
    tcase_add_test(tc, withdraw_and_expiry);
    tcase_add_test(tc, remaining_lifetime_forwarded);
    tcase_add_test(tc, refresh_and_withdraw_by_originator);
    tcase_add_test(tc, own_ghost_is_overridden);
    tcase_add_test(tc, new_neighbour_gets_table_and_gone_neighbour_is_forgotten);
    tcase_add_test(tc, batches_many_entries);
    tcase_add_test(tc, route_change_rechecks_only_what_it_covers);
    tcase_add_test(tc, many_in_flight_acked_by_nonce);
    tcase_add_test(tc, bad_input_counted);
    tcase_add_test(tc, dump_records);
    tcase_add_test(tc, stop_withdraws);
    tcase_add_test(tc, table_request_is_answered);
    tcase_add_test(tc, random_soak);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
