/* The SA table's costs without the network (tests/bench/sa-table builds
 * and runs this against build/libcore.a).  For a table of N entries:
 *   join    a neighbour comes up: the whole table is queued for it and
 *           sent at the next tick (ms per join, ns per entry);
 *   route   Babel's selected route to one destination changes while 10
 *           announcements wait for a route to their source, then a tick
 *           (us per change; the accepted entries should cost nothing).
 * Usage: sa_table N [ROUNDS].  One line per measure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "babel/util.h"
#include "mcast/sa.h"
#include "mcast/sa_codec.h"

static const uint8_t self[8] = {2, 0, 0, 0xff, 0xfe, 0, 0, 1};
static const uint8_t other[8] = {2, 0, 0, 0xff, 0xfe, 0, 0, 2};
static int from, peers[64];
static long tlvs;

static int count_send(void *p, const uint8_t *b, size_t l, uint16_t n, void *c)
{
    tlvs++;
    return 0;
}
/* Sources ending in .99 have no route. */
static bool rpf(const uint8_t s[16], void *c) { return s[15] != 99; }
static const struct sa_ops ops = {count_send, rpf, NULL, NULL};

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void receive(const char *src, const char *grp)
{
    struct sa_wire_entry e = {.seqno = 1, .lifetime = 600};
    memcpy(e.origin, other, 8);
    addr_parse(src, e.source);
    addr_parse(grp, e.group);
    uint8_t buf[SA_TLV_MAX];
    size_t len = sa_encode_header(buf, sizeof(buf));
    sa_encode_entry(buf, sizeof(buf), &len, &e);
    sa_core_receive(&from, buf, len);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int n = atoi(argv[1]), rounds = argc > 2 ? atoi(argv[2]) : 1000;
    if (n < 1 || n > 60000 || rounds < 1)
        return 2;
    sa_core_reset();
    now_ms = 1000000;
    sa_core_start(self, &ops);
    char s[32], g[32];
    for (int i = 0; i < n; i++) {
        snprintf(s, sizeof(s), "10.%d.%d.1", i / 250, i % 250);
        snprintf(g, sizeof(g), "239.%d.%d.%d", 1 + i / 62500, i / 250 % 250, i % 250 + 1);
        receive(s, g);
    }
    for (int i = 0; i < 10; i++) {
        snprintf(s, sizeof(s), "10.250.%d.99", i);
        receive(s, "239.1.1.1");
    }
    sa_core_tick();

    int joins = rounds / 100 > 0 ? (rounds / 100 < 64 ? rounds / 100 : 64) : 1;
    double t0 = now_us();
    for (int i = 0; i < joins; i++) {
        sa_core_peer(&peers[i], true);
        sa_core_tick();
    }
    double t1 = now_us();
    printf("join n=%d ms=%.3f ns-per-entry=%.1f tlvs=%ld\n", n, (t1 - t0) / 1000 / joins,
           (t1 - t0) * 1000 / joins / n, tlvs / joins);
    for (int i = 0; i < joins; i++)
        sa_core_peer(&peers[i], false);

    uint8_t p[16];
    addr_parse("10.251.0.0", p);
    t0 = now_us();
    for (int i = 0; i < rounds; i++) {
        sa_core_route_changed(p, 96 + 16, true);
        now_ms++;
        sa_core_tick();
    }
    t1 = now_us();
    printf("route n=%d us=%.3f\n", n, (t1 - t0) / rounds);
    sa_core_stop();
    sa_core_reset();
    return 0;
}
