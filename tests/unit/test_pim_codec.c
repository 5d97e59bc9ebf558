/* Unit tests of the PIM-SM codec (mcast/pim_codec.h).  The expected bytes,
 * checksums included, are written out by hand from RFC 7761 section 4.9
 * (checksums computed apart, with a few lines of Python), never produced by
 * the code under test. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "mcast/pim_codec.h"

/* Hello: holdtime 105, DR priority 1, generation id 0x12345678 */
static const uint8_t golden_hello[] = {
    0x20, 0x00, 0x76, 0xb7,                         /* v2 Hello, checksum */
    0x00, 0x01, 0x00, 0x02, 0x00, 0x69,             /* holdtime 105 */
    0x00, 0x13, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, /* DR priority 1 */
    0x00, 0x14, 0x00, 0x04, 0x12, 0x34, 0x56, 0x78, /* generation id */
};

/* Join/Prune to 10.0.12.2, holdtime 210: join (10.1.1.50, 232.1.1.1) */
static const uint8_t golden_jp_sg[] = {
    0x23, 0x00, 0xca, 0xb3,             /* v2 Join/Prune, checksum */
    0x01, 0x00, 0x0a, 0x00, 0x0c, 0x02, /* upstream 10.0.12.2 */
    0x00, 0x01, 0x00, 0xd2,             /* reserved, 1 group, holdtime 210 */
    0x01, 0x00, 0x00, 0x20, 0xe8, 0x01, 0x01, 0x01, /* 232.1.1.1/32 */
    0x00, 0x01, 0x00, 0x00,                         /* 1 joined, 0 pruned */
    0x01, 0x00, 0x04, 0x20, 0x0a, 0x01, 0x01, 0x32, /* S 10.1.1.50/32 */
};

/* Join (*,239.1.1.1) with RP 10.254.0.1 (S|W|R), prune (10.1.1.50,
 * 239.1.1.1,rpt) (S|R) */
static const uint8_t golden_jp_star[] = {
    0x23, 0x00, 0xaf, 0x93, 0x01, 0x00, 0x0a, 0x00, 0x0c, 0x02, 0x00, 0x01, 0x00, 0xd2,
    0x01, 0x00, 0x00, 0x20, 0xef, 0x01, 0x01, 0x01, 0x00, 0x01, 0x00, 0x01,
    0x01, 0x00, 0x07, 0x20, 0x0a, 0xfe, 0x00, 0x01, /* RP, S|W|R */
    0x01, 0x00, 0x05, 0x20, 0x0a, 0x01, 0x01, 0x32, /* S, S|R */
};

/* Assert (10.1.1.50, 239.1.1.1), preference 110, metric 96 */
static const uint8_t golden_assert[] = {
    0x25, 0x00, 0xdc, 0xdb, 0x01, 0x00, 0x00, 0x20, 0xef, 0x01, 0x01, 0x01,
    0x01, 0x00, 0x0a, 0x01, 0x01, 0x32, 0x00, 0x00, 0x00, 0x6e, 0x00, 0x00, 0x00, 0x60,
};

START_TEST(checksum_known)
{
    /* RFC 1071's example: 0001 f203 f4f5 f6f7 sums to ddf2, so ~ is 220d */
    const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    ck_assert_uint_eq(pim_checksum(b, sizeof(b)), 0x220d);
    /* odd length: the last byte is padded with zero */
    const uint8_t c[] = {0x00, 0x01, 0xf2};
    ck_assert_uint_eq(pim_checksum(c, sizeof(c)), (uint16_t)~0xf201);
}
END_TEST

START_TEST(hello_encode_decode)
{
    struct pim_hello h = {.holdtime = 105, .dr_priority = 1, .genid = 0x12345678};
    uint8_t buf[64];
    size_t len = pim_encode_hello(buf, sizeof(buf), &h);
    ck_assert_uint_eq(len, sizeof(golden_hello));
    ck_assert_mem_eq(buf, golden_hello, len);
    ck_assert_uint_eq(pim_encode_hello(buf, len - 1, &h), 0);

    uint8_t type = 0xff;
    ck_assert_int_eq(pim_decode_header(golden_hello, sizeof(golden_hello), &type), PIM_DECODE_OK);
    ck_assert_uint_eq(type, PIM_HELLO);
    struct pim_hello d;
    ck_assert_int_eq(pim_decode_hello(golden_hello, sizeof(golden_hello), &d), PIM_DECODE_OK);
    ck_assert(d.has_holdtime && d.has_dr_priority && d.has_genid && !d.has_lan_prune_delay);
    ck_assert_uint_eq(d.holdtime, 105);
    ck_assert_uint_eq(d.dr_priority, 1);
    ck_assert_uint_eq(d.genid, 0x12345678);
}
END_TEST

START_TEST(hello_options)
{
    /* LAN prune delay (T set, 500 ms, 2500 ms), an unknown option 65001
     * (skipped), an address list with 10.0.0.9, and no holdtime */
    uint8_t m[] = {
        0x20, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x04, 0x81, 0xf4, 0x09, 0xc4,
        0xfd, 0xe9, 0x00, 0x03, 0xaa, 0xbb, 0xcc, /* unknown, odd length */
        0x00, 0x18, 0x00, 0x06, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x09,
    };
    uint16_t ck = pim_checksum(m, sizeof(m));
    m[2] = (uint8_t)(ck >> 8);
    m[3] = (uint8_t)ck;
    uint8_t type;
    ck_assert_int_eq(pim_decode_header(m, sizeof(m), &type), PIM_DECODE_OK);
    struct pim_hello d;
    ck_assert_int_eq(pim_decode_hello(m, sizeof(m), &d), PIM_DECODE_OK);
    ck_assert(!d.has_holdtime && d.has_lan_prune_delay && d.t_bit);
    ck_assert_uint_eq(d.propagation_delay, 500);
    ck_assert_uint_eq(d.override_interval, 2500);
    ck_assert_uint_eq(d.naddrs, 1);
    ck_assert_uint_eq(d.addrs[0].s_addr, unit_ip4("10.0.0.9").s_addr);
}
END_TEST

START_TEST(hello_bad)
{
    uint8_t m[sizeof(golden_hello)];
    struct pim_hello d;
    uint8_t type;
    /* every truncation of the options is refused, never read beyond */
    for (size_t n = PIM_HEADER_LEN + 1; n < sizeof(golden_hello); n++) {
        if (n == 10 || n == 18)
            continue; /* option boundaries: a shorter but valid Hello */
        ck_assert_int_eq(pim_decode_hello(golden_hello, n, &d), PIM_DECODE_TRUNCATED);
    }
    ck_assert_int_eq(pim_decode_header(golden_hello, 3, &type), PIM_DECODE_TRUNCATED);
    /* a wrong checksum */
    memcpy(m, golden_hello, sizeof(m));
    m[9] ^= 1;
    ck_assert_int_eq(pim_decode_header(m, sizeof(m), &type), PIM_DECODE_CHECKSUM);
    /* version 1 */
    memcpy(m, golden_hello, sizeof(m));
    m[0] = 0x10;
    ck_assert_int_eq(pim_decode_header(m, sizeof(m), &type), PIM_DECODE_VERSION);
    /* holdtime with length 4 */
    memcpy(m, golden_hello, sizeof(m));
    m[7] = 4;
    ck_assert_int_eq(pim_decode_hello(m, sizeof(m), &d), PIM_DECODE_MALFORMED);
}
END_TEST

START_TEST(jp_sg_encode_decode)
{
    struct pim_jp jp;
    memset(&jp, 0, sizeof(jp));
    jp.upstream = unit_ip4("10.0.12.2");
    jp.holdtime = 210;
    jp.ngroups = 1;
    jp.groups[0] = (struct pim_jp_group){.group = unit_ip4("232.1.1.1"), .masklen = 32, .njoin = 1};
    jp.nsources = 1;
    jp.sources[0] = (struct pim_jp_source){unit_ip4("10.1.1.50"), 32, PIM_SRC_S};
    uint8_t buf[128];
    size_t len = pim_encode_jp(buf, sizeof(buf), &jp);
    ck_assert_uint_eq(len, sizeof(golden_jp_sg));
    ck_assert_mem_eq(buf, golden_jp_sg, len);
    ck_assert_uint_eq(len, PIM_JP_FIXED_LEN + pim_jp_group_len(1, 0));
    ck_assert_uint_eq(pim_encode_jp(buf, len - 1, &jp), 0);

    static struct pim_jp d;
    uint8_t type;
    ck_assert_int_eq(pim_decode_header(golden_jp_sg, sizeof(golden_jp_sg), &type), 0);
    ck_assert_uint_eq(type, PIM_JOIN_PRUNE);
    ck_assert_int_eq(pim_decode_jp(golden_jp_sg, sizeof(golden_jp_sg), &d), PIM_DECODE_OK);
    ck_assert_uint_eq(d.upstream.s_addr, unit_ip4("10.0.12.2").s_addr);
    ck_assert_uint_eq(d.holdtime, 210);
    ck_assert_uint_eq(d.ngroups, 1);
    ck_assert_uint_eq(d.groups[0].group.s_addr, unit_ip4("232.1.1.1").s_addr);
    ck_assert_uint_eq(d.groups[0].njoin, 1);
    ck_assert_uint_eq(d.groups[0].nprune, 0);
    ck_assert_uint_eq(d.sources[d.groups[0].first].addr.s_addr, unit_ip4("10.1.1.50").s_addr);
    ck_assert_uint_eq(d.sources[d.groups[0].first].flags, PIM_SRC_S);
}
END_TEST

START_TEST(jp_star_decode_and_encode)
{
    static struct pim_jp d;
    ck_assert_int_eq(pim_decode_jp(golden_jp_star, sizeof(golden_jp_star), &d), PIM_DECODE_OK);
    ck_assert_uint_eq(d.ngroups, 1);
    ck_assert_uint_eq(d.groups[0].njoin, 1);
    ck_assert_uint_eq(d.groups[0].nprune, 1);
    const struct pim_jp_source *j = &d.sources[d.groups[0].first];
    ck_assert_uint_eq(j[0].addr.s_addr, unit_ip4("10.254.0.1").s_addr);
    ck_assert_uint_eq(j[0].flags, PIM_SRC_S | PIM_SRC_W | PIM_SRC_R);
    ck_assert_uint_eq(j[1].addr.s_addr, unit_ip4("10.1.1.50").s_addr);
    ck_assert_uint_eq(j[1].flags, PIM_SRC_S | PIM_SRC_R);
    uint8_t buf[128];
    size_t len = pim_encode_jp(buf, sizeof(buf), &d);
    ck_assert_uint_eq(len, sizeof(golden_jp_star));
    ck_assert_mem_eq(buf, golden_jp_star, len);
}
END_TEST

START_TEST(jp_bad)
{
    static struct pim_jp d;
    uint8_t m[sizeof(golden_jp_star)];
    for (size_t n = PIM_HEADER_LEN; n < sizeof(golden_jp_star); n++)
        ck_assert_int_eq(pim_decode_jp(golden_jp_star, n, &d), PIM_DECODE_TRUNCATED);
    /* IPv6 family in the upstream neighbour */
    memcpy(m, golden_jp_star, sizeof(m));
    m[4] = 2;
    ck_assert_int_eq(pim_decode_jp(m, sizeof(m), &d), PIM_DECODE_MALFORMED);
    /* a source mask length of 33 */
    memcpy(m, golden_jp_star, sizeof(m));
    m[29] = 33;
    ck_assert_int_eq(pim_decode_jp(m, sizeof(m), &d), PIM_DECODE_MALFORMED);
    /* counts that claim more sources than there are bytes */
    memcpy(m, golden_jp_star, sizeof(m));
    m[22] = 0xff;
    ck_assert_int_eq(pim_decode_jp(m, sizeof(m), &d), PIM_DECODE_TRUNCATED);
    /* 255 groups claimed, one present */
    memcpy(m, golden_jp_star, sizeof(m));
    m[11] = 255;
    ck_assert_int_eq(pim_decode_jp(m, sizeof(m), &d), PIM_DECODE_TRUNCATED);
}
END_TEST

START_TEST(jp_too_many)
{
    /* one group with 600 joins: more than we hold */
    static uint8_t m[PIM_JP_FIXED_LEN + 12 + 600 * 8];
    memcpy(m, golden_jp_sg, 22);
    m[22] = 600 >> 8;
    m[23] = 600 & 0xff;
    m[24] = m[25] = 0;
    for (int i = 0; i < 600; i++)
        memcpy(m + 26 + i * 8, golden_jp_sg + 26, 8);
    static struct pim_jp d;
    ck_assert_int_eq(pim_decode_jp(m, sizeof(m), &d), PIM_DECODE_TOO_MANY);
}
END_TEST

START_TEST(assert_encode_decode)
{
    struct pim_assert a = {.group = unit_ip4("239.1.1.1"),
                           .group_masklen = 32,
                           .source = unit_ip4("10.1.1.50"),
                           .preference = 110,
                           .metric = 96};
    uint8_t buf[64];
    size_t len = pim_encode_assert(buf, sizeof(buf), &a);
    ck_assert_uint_eq(len, sizeof(golden_assert));
    ck_assert_mem_eq(buf, golden_assert, len);
    struct pim_assert d;
    ck_assert_int_eq(pim_decode_assert(golden_assert, sizeof(golden_assert), &d), PIM_DECODE_OK);
    ck_assert(!d.rpt);
    ck_assert_uint_eq(d.preference, 110);
    ck_assert_uint_eq(d.metric, 96);
    ck_assert_uint_eq(d.source.s_addr, a.source.s_addr);
    a.rpt = true;
    len = pim_encode_assert(buf, sizeof(buf), &a);
    ck_assert_uint_eq(buf[18], 0x80);
    ck_assert_int_eq(pim_decode_assert(buf, len, &d), PIM_DECODE_OK);
    ck_assert(d.rpt);
    ck_assert_uint_eq(d.preference, 110);
    for (size_t n = PIM_HEADER_LEN; n < sizeof(golden_assert); n++)
        ck_assert_int_eq(pim_decode_assert(golden_assert, n, &d), PIM_DECODE_TRUNCATED);
}
END_TEST

/* Every golden message with random bytes changed, cut short or grown:
 * the decoders answer something and read nothing outside the buffer (the
 * ASan build checks that), and what decodes as OK re-encodes to a message
 * that decodes to the same thing. */
START_TEST(mutations)
{
    const uint8_t *golden[] = {golden_hello, golden_jp_sg, golden_jp_star, golden_assert};
    const size_t lens[] = {sizeof(golden_hello), sizeof(golden_jp_sg), sizeof(golden_jp_star),
                           sizeof(golden_assert)};
    static struct pim_jp jp, jp2;
    uint32_t seed = 12345;
    for (int round = 0; round < 20000; round++) {
        int k = round % 4;
        size_t len = lens[k];
        uint8_t *m = malloc(len + 16);
        memcpy(m, golden[k], len);
        seed = seed * 1103515245u + 12345u;
        int flips = 1 + (seed >> 16) % 4;
        for (int f = 0; f < flips; f++) {
            seed = seed * 1103515245u + 12345u;
            m[(seed >> 8) % len] = (uint8_t)(seed >> 20);
        }
        seed = seed * 1103515245u + 12345u;
        if ((seed >> 16) % 3 == 0)
            len = (seed >> 4) % (len + 1); /* cut short */
        uint8_t *exact = malloc(len ? len : 1);
        memcpy(exact, m, len);
        uint8_t type;
        struct pim_hello h;
        struct pim_assert a;
        (void)pim_decode_header(exact, len, &type);
        if (len >= PIM_HEADER_LEN) {
            if (pim_decode_hello(exact, len, &h) == PIM_DECODE_OK) {
                uint8_t buf[64];
                struct pim_hello h2;
                size_t n = pim_encode_hello(buf, sizeof(buf), &h);
                ck_assert_uint_gt(n, 0);
                ck_assert_int_eq(pim_decode_hello(buf, n, &h2), PIM_DECODE_OK);
                ck_assert_uint_eq(h2.holdtime, h.holdtime);
                ck_assert_uint_eq(h2.genid, h.genid);
            }
            if (pim_decode_jp(exact, len, &jp) == PIM_DECODE_OK) {
                uint8_t buf[128];
                size_t n = pim_encode_jp(buf, sizeof(buf), &jp);
                if (n) {
                    ck_assert_int_eq(pim_decode_jp(buf, n, &jp2), PIM_DECODE_OK);
                    ck_assert_uint_eq(jp2.ngroups, jp.ngroups);
                    ck_assert_uint_eq(jp2.nsources, jp.nsources);
                }
            }
            (void)pim_decode_assert(exact, len, &a);
        }
        free(exact);
        free(m);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pim_codec");
    TCase *tc = tcase_create("codec");
    tcase_add_test(tc, checksum_known);
    tcase_add_test(tc, hello_encode_decode);
    tcase_add_test(tc, hello_options);
    tcase_add_test(tc, hello_bad);
    tcase_add_test(tc, jp_sg_encode_decode);
    tcase_add_test(tc, jp_star_decode_and_encode);
    tcase_add_test(tc, jp_bad);
    tcase_add_test(tc, jp_too_many);
    tcase_add_test(tc, assert_encode_decode);
    tcase_add_test(tc, mutations);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
