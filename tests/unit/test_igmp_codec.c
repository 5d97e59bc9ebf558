/* Unit tests of the IGMP codec (mcast/igmp_codec.h).  The reports are bytes
 * a Linux 6.x host sent (captured with tcpdump); the queries and their
 * checksums are written out by hand from RFC 3376 4.1 (checksums computed
 * with a separate script), never produced by the code under test. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "mcast/igmp_codec.h"

/* IPv4 header with Router Alert, then an IGMPv3 report: one record,
 * ALLOW_NEW_SOURCES 232.1.1.1 {10.7.0.9}, from 10.7.0.1 to 224.0.0.22. */
static const uint8_t v3_allow[] = {
    0x46, 0xc0, 0x00, 0x2c, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02, 0xf9, 0xed,
    0x0a, 0x07, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x16, 0x94, 0x04, 0x00, 0x00,
    0x22, 0x00, 0xe5, 0xea, 0x00, 0x00, 0x00, 0x01,
    0x05, 0x00, 0x00, 0x01, 0xe8, 0x01, 0x01, 0x01, 0x0a, 0x07, 0x00, 0x09,
};

/* IGMPv2 report for 239.1.2.3 from 10.7.0.1. */
static const uint8_t v2_report[] = {
    0x46, 0xc0, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02, 0xe9, 0x0b,
    0x0a, 0x07, 0x00, 0x01, 0xef, 0x01, 0x02, 0x03, 0x94, 0x04, 0x00, 0x00,
    0x16, 0x00, 0xf8, 0xfa, 0xef, 0x01, 0x02, 0x03,
};

static uint8_t buf[2048];

/* A copy of pkt in buf with IGMP bytes appended/changed by the caller. */
static size_t with_igmp(const uint8_t *igmp, size_t len, bool fix)
{
    static const uint8_t ip[] = {0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02,
                                 0x00, 0x00, 0x0a, 0x07, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x16};
    memcpy(buf, ip, 20);
    memcpy(buf + 20, igmp, len);
    buf[2] = (uint8_t)((20 + len) >> 8);
    buf[3] = (uint8_t)(20 + len);
    if (fix && len >= 4) {
        buf[22] = buf[23] = 0;
        uint16_t c = igmp_checksum(buf + 20, len);
        buf[22] = (uint8_t)(c >> 8);
        buf[23] = (uint8_t)c;
    }
    return 20 + len;
}

static struct igmp_msg m;

START_TEST(parse_v3_report)
{
    ck_assert_int_eq(igmp_parse(v3_allow, sizeof(v3_allow), &m), IGMP_OK);
    ck_assert_uint_eq(m.type, IGMP_TYPE_V3_REPORT);
    ck_assert(m.router_alert);
    ck_assert_uint_eq(m.ttl, 1);
    ck_assert_str_eq(inet_ntoa(m.src), "10.7.0.1");
    ck_assert_uint_eq(m.nrecords, 1);
    ck_assert_uint_eq(m.records[0].type, IGMP_ALLOW_NEW_SOURCES);
    ck_assert_str_eq(inet_ntoa(m.records[0].group), "232.1.1.1");
    ck_assert_uint_eq(m.records[0].nsources, 1);
    static const uint8_t s[4] = {10, 7, 0, 9};
    ck_assert_mem_eq(m.records[0].sources, s, 4);
}
END_TEST

START_TEST(parse_v2_report)
{
    ck_assert_int_eq(igmp_parse(v2_report, sizeof(v2_report), &m), IGMP_OK);
    ck_assert_uint_eq(m.type, IGMP_TYPE_V2_REPORT);
    ck_assert_str_eq(inet_ntoa(m.group), "239.1.2.3");
}
END_TEST

START_TEST(refusals)
{
    uint8_t p[sizeof(v3_allow)];
    /* a flipped bit anywhere in the IGMP part: checksum */
    memcpy(p, v3_allow, sizeof(p));
    p[sizeof(p) - 1] ^= 1;
    ck_assert_int_eq(igmp_parse(p, sizeof(p), &m), IGMP_ERR_CHECKSUM);
    /* cut short: the IP total length says more */
    ck_assert_int_eq(igmp_parse(v3_allow, sizeof(v3_allow) - 4, &m), IGMP_ERR_TRUNCATED);
    ck_assert_int_eq(igmp_parse(v3_allow, 10, &m), IGMP_ERR_TRUNCATED);
    /* not IGMP, not IPv4 */
    memcpy(p, v3_allow, sizeof(p));
    p[9] = 17;
    ck_assert_int_eq(igmp_parse(p, sizeof(p), &m), IGMP_ERR_MALFORMED);
    p[9] = 2;
    p[0] = 0x66;
    ck_assert_int_eq(igmp_parse(p, sizeof(p), &m), IGMP_ERR_MALFORMED);
    /* a record that says it has 2 sources but carries 1 */
    static const uint8_t r2[] = {0x22, 0, 0, 0, 0, 0, 0, 1, 5, 0, 0, 2, 232, 1, 1, 1, 10, 7, 0, 9};
    ck_assert_int_eq(igmp_parse(buf, with_igmp(r2, sizeof(r2), true), &m), IGMP_ERR_TRUNCATED);
    /* two records announced, one present */
    static const uint8_t n2[] = {0x22, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 239, 9, 9, 9};
    ck_assert_int_eq(igmp_parse(buf, with_igmp(n2, sizeof(n2), true), &m), IGMP_ERR_TRUNCATED);
    /* aux data beyond the end */
    static const uint8_t aux[] = {0x22, 0, 0, 0, 0, 0, 0, 1, 2, 1, 0, 0, 239, 9, 9, 9};
    ck_assert_int_eq(igmp_parse(buf, with_igmp(aux, sizeof(aux), true), &m), IGMP_ERR_TRUNCATED);
    /* a record for a unicast "group" */
    static const uint8_t uni[] = {0x22, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 10, 9, 9, 9};
    ck_assert_int_eq(igmp_parse(buf, with_igmp(uni, sizeof(uni), true), &m), IGMP_ERR_MALFORMED);
    /* a v2 report for a unicast group */
    static const uint8_t v2u[] = {0x16, 0, 0, 0, 10, 1, 2, 3};
    ck_assert_int_eq(igmp_parse(buf, with_igmp(v2u, sizeof(v2u), true), &m), IGMP_ERR_MALFORMED);
    /* a query of 10 octets is no version at all (RFC 3376 7.1) */
    static const uint8_t q10[] = {0x11, 100, 0, 0, 0, 0, 0, 0, 2, 125};
    ck_assert_int_eq(igmp_parse(buf, with_igmp(q10, sizeof(q10), true), &m), IGMP_ERR_MALFORMED);
    /* a v3 query announcing more sources than it carries */
    static const uint8_t q3[] = {0x11, 100, 0, 0, 239, 1, 2, 3, 2, 125, 0, 2, 10, 0, 0, 1};
    ck_assert_int_eq(igmp_parse(buf, with_igmp(q3, sizeof(q3), true), &m), IGMP_ERR_TRUNCATED);
    /* an unknown type, checksum right */
    static const uint8_t unk[] = {0x33, 0, 0, 0, 0, 0, 0, 0};
    ck_assert_int_eq(igmp_parse(buf, with_igmp(unk, sizeof(unk), true), &m),
                     IGMP_ERR_UNKNOWN_TYPE);
    /* shorter than an IGMP header */
    static const uint8_t tiny[] = {0x22, 0, 0, 0};
    ck_assert_int_eq(igmp_parse(buf, with_igmp(tiny, sizeof(tiny), true), &m),
                     IGMP_ERR_TRUNCATED);
}
END_TEST

START_TEST(query_versions)
{
    static const uint8_t v1[] = {0x11, 0, 0, 0, 0, 0, 0, 0};
    ck_assert_int_eq(igmp_parse(buf, with_igmp(v1, sizeof(v1), true), &m), IGMP_OK);
    ck_assert_int_eq(m.version, 1);
    static const uint8_t v2[] = {0x11, 50, 0, 0, 239, 1, 2, 3};
    ck_assert_int_eq(igmp_parse(buf, with_igmp(v2, sizeof(v2), true), &m), IGMP_OK);
    ck_assert_int_eq(m.version, 2);
    ck_assert_uint_eq(m.max_resp_ds, 50);
    ck_assert_str_eq(inet_ntoa(m.group), "239.1.2.3");
    /* v3, Max Resp Code 0x8a = (16+10)<<3 = 208, S set, QRV 3, QQIC 0x81 =
     * 17<<3 = 136 s, one source */
    static const uint8_t v3[] = {0x11, 0x8a, 0, 0, 239, 1, 2, 3, 0x0b, 0x81, 0, 1, 10, 0, 0, 1};
    ck_assert_int_eq(igmp_parse(buf, with_igmp(v3, sizeof(v3), true), &m), IGMP_OK);
    ck_assert_int_eq(m.version, 3);
    ck_assert_uint_eq(m.max_resp_ds, 208);
    ck_assert(m.s_flag);
    ck_assert_uint_eq(m.qrv, 3);
    ck_assert_uint_eq(m.qqi, 136);
    ck_assert_uint_eq(m.nsources, 1);
}
END_TEST

START_TEST(codes)
{
    ck_assert_uint_eq(igmp_code_decode(100), 100);
    ck_assert_uint_eq(igmp_code_decode(0x80), 128);
    ck_assert_uint_eq(igmp_code_decode(0xff), 31744);
    ck_assert_uint_eq(igmp_code_encode(100), 100);
    ck_assert_uint_eq(igmp_code_encode(128), 0x80);
    ck_assert_uint_eq(igmp_code_encode(31744), 0xff);
    ck_assert_uint_eq(igmp_code_encode(40000), 0xff);
    /* 10000 is not representable: the largest code below it, 9728 */
    ck_assert_uint_eq(igmp_code_encode(10000), 0xe3);
    for (unsigned v = 1; v <= 31744; v++) {
        unsigned got = igmp_code_decode(igmp_code_encode(v));
        ck_assert_uint_le(got, v);
        ck_assert_uint_ge(got * 17, v * 16); /* within one mantissa step */
    }
}
END_TEST

START_TEST(build_queries)
{
    uint8_t out[64];
    /* v3 general query: Max Resp 10 s, QRV 2, QQI 125 s */
    static const uint8_t general[] = {0x11, 0x64, 0xec, 0x1e, 0, 0, 0, 0, 0x02, 0x7d, 0, 0};
    struct igmp_query_spec q = {.version = 3, .max_resp_ds = 100, .qrv = 2, .qqi = 125};
    ck_assert_uint_eq(igmp_build_query(out, sizeof(out), &q), sizeof(general));
    ck_assert_mem_eq(out, general, sizeof(general));
    /* group-and-source-specific, S flag, 1 s, QQI 2 s */
    static const uint8_t gss[] = {0x11, 0x0a, 0xe9, 0xdd, 0xef, 0x01, 0x02, 0x03,
                                  0x0a, 0x02, 0x00, 0x01, 0x0a, 0x07, 0x00, 0x09};
    struct in_addr src;
    inet_pton(AF_INET, "10.7.0.9", &src);
    struct igmp_query_spec s = {.version = 3, .max_resp_ds = 10, .s_flag = true, .qrv = 2,
                                .qqi = 2, .nsources = 1, .sources = &src};
    inet_pton(AF_INET, "239.1.2.3", &s.group);
    ck_assert_uint_eq(igmp_build_query(out, sizeof(out), &s), sizeof(gss));
    ck_assert_mem_eq(out, gss, sizeof(gss));
    /* v2 group-specific */
    static const uint8_t v2[] = {0x11, 0x64, 0xfd, 0x96, 0xef, 0x01, 0x02, 0x03};
    struct igmp_query_spec q2 = {.version = 2, .max_resp_ds = 100, .group = s.group};
    ck_assert_uint_eq(igmp_build_query(out, sizeof(out), &q2), sizeof(v2));
    ck_assert_mem_eq(out, v2, sizeof(v2));
    /* too small a buffer */
    ck_assert_uint_eq(igmp_build_query(out, 11, &q), 0);
    /* what we build, we parse back */
    ck_assert_int_eq(igmp_parse(buf, with_igmp(gss, sizeof(gss), false), &m), IGMP_OK);
    ck_assert(m.s_flag);
    ck_assert_uint_eq(m.nsources, 1);
}
END_TEST

/* Random bytes never crash the parser, and what it accepts is within the
 * packet. */
START_TEST(fuzz)
{
    srand(12345);
    for (int n = 0; n < 200000; n++) {
        size_t len = (size_t)(rand() % 80);
        uint8_t p[80];
        for (size_t i = 0; i < len; i++)
            p[i] = (uint8_t)rand();
        if (len >= 20 && n % 2) {
            p[0] = 0x45;
            p[9] = 2;
            p[2] = 0;
            p[3] = (uint8_t)len;
            uint8_t *igmp = p + 20;
            size_t il = len - 20;
            if (il >= 4) {
                igmp[0] = (uint8_t[]){0x11, 0x12, 0x16, 0x17, 0x22}[rand() % 5];
                igmp[2] = igmp[3] = 0;
                uint16_t c = igmp_checksum(igmp, il);
                igmp[2] = (uint8_t)(c >> 8);
                igmp[3] = (uint8_t)c;
            }
        }
        if (igmp_parse(p, len, &m) == IGMP_OK && m.type == IGMP_TYPE_V3_REPORT)
            for (unsigned r = 0; r < m.nrecords; r++)
                ck_assert(m.records[r].sources + 4 * m.records[r].nsources <= p + len);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("igmp_codec");
    TCase *tc = tcase_create("codec");
    tcase_add_test(tc, parse_v3_report);
    tcase_add_test(tc, parse_v2_report);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, query_versions);
    tcase_add_test(tc, codes);
    tcase_add_test(tc, build_queries);
    tcase_add_test(tc, fuzz);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
