/* Unit tests of the Source-Active TLV codec (mcast/sa_codec.h).  The expected
 * bytes are written out by hand from the layout in README.mcr, never produced
 * by the code under test. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "babel/util.h"
#include "mcast/sa_codec.h"

#define RID 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55

static const uint8_t rid[8] = {RID};

static struct sa_wire_entry entry(const char *s, const char *g, uint16_t seqno, uint8_t flags,
                                  uint16_t lifetime)
{
    struct sa_wire_entry e;
    memset(&e, 0, sizeof(e));
    memcpy(e.origin, rid, 8);
    e.seqno = seqno;
    e.flags = flags;
    e.lifetime = lifetime;
    unit_addr(s, e.source);
    unit_addr(g, e.group);
    return e;
}

/* version 1, reserved; AE 1, length 22, flags 0, reserved, seqno 0x1234,
 * lifetime 30, router-id, 10.254.0.1, 239.1.1.1 */
static const uint8_t golden_v4[] = {
    0x01, 0x00,                                     /* header */
    0x01, 0x16, 0x00, 0x00, 0x12, 0x34, 0x00, 0x1e, /* AE, len, flags, rsvd, seqno, lifetime */
    RID,                                            /* originator */
    0x0a, 0xfe, 0x00, 0x01,                         /* S */
    0xef, 0x01, 0x01, 0x01,                         /* G */
};

/* AE 2, length 46, withdraw, seqno 0xfffe, lifetime 600, fd00:bb::1, ff0e::1:1 */
static const uint8_t golden_v6_entry[] = {
    0x02, 0x2e, 0x80, 0x00, 0xff, 0xfe, 0x02, 0x58, RID,
    0xfd, 0x00, 0x00, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0xff, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0x01,
};

static void ck_entry(const struct sa_wire_entry *got, const struct sa_wire_entry *want)
{
    ck_assert_mem_eq(got->origin, want->origin, 8);
    ck_assert_uint_eq(got->seqno, want->seqno);
    ck_assert_uint_eq(got->flags, want->flags);
    ck_assert_uint_eq(got->lifetime, want->lifetime);
    ck_assert_mem_eq(got->source, want->source, 16);
    ck_assert_mem_eq(got->group, want->group, 16);
}

START_TEST(encode_v4)
{
    uint8_t buf[SA_TLV_MAX];
    size_t len = sa_encode_header(buf, sizeof(buf));
    struct sa_wire_entry e = entry("10.254.0.1", "239.1.1.1", 0x1234, 0, 30);
    ck_assert_uint_eq(sa_entry_len(&e), 24);
    ck_assert_int_eq(sa_encode_entry(buf, sizeof(buf), &len, &e), 0);
    ck_assert_uint_eq(len, sizeof(golden_v4));
    ck_assert_mem_eq(buf, golden_v4, sizeof(golden_v4));
}
END_TEST

START_TEST(encode_v6_after_v4)
{
    uint8_t buf[SA_TLV_MAX], want[sizeof(golden_v4) + sizeof(golden_v6_entry)];
    memcpy(want, golden_v4, sizeof(golden_v4));
    memcpy(want + sizeof(golden_v4), golden_v6_entry, sizeof(golden_v6_entry));
    size_t len = sa_encode_header(buf, sizeof(buf));
    struct sa_wire_entry e4 = entry("10.254.0.1", "239.1.1.1", 0x1234, 0, 30);
    struct sa_wire_entry e6 = entry("fd00:bb::1", "ff0e::1:1", 0xfffe, SA_FLAG_WITHDRAW, 600);
    ck_assert_uint_eq(sa_entry_len(&e6), 48);
    ck_assert_int_eq(sa_encode_entry(buf, sizeof(buf), &len, &e4), 0);
    ck_assert_int_eq(sa_encode_entry(buf, sizeof(buf), &len, &e6), 0);
    ck_assert_uint_eq(len, sizeof(want));
    ck_assert_mem_eq(buf, want, sizeof(want));
}
END_TEST

START_TEST(encode_limits)
{
    uint8_t buf[300];
    size_t len = sa_encode_header(buf, sizeof(buf));
    struct sa_wire_entry e = entry("10.0.0.1", "239.0.0.1", 1, 0, 30);
    for (int i = 0; i < SA_MAX_ENTRIES; i++)
        ck_assert_int_eq(sa_encode_entry(buf, sizeof(buf), &len, &e), 0);
    ck_assert_uint_eq(len, 2 + 10 * 24);
    /* An eleventh does not fit in 255 bytes, even with a larger buffer. */
    ck_assert_int_eq(sa_encode_entry(buf, sizeof(buf), &len, &e), -1);
    ck_assert_uint_eq(len, 242);
    /* Mixed families are refused. */
    struct sa_wire_entry m = entry("10.0.0.1", "ff0e::1", 1, 0, 30);
    ck_assert_uint_eq(sa_entry_len(&m), 0);
    len = sa_encode_header(buf, sizeof(buf));
    ck_assert_int_eq(sa_encode_entry(buf, sizeof(buf), &len, &m), -1);
    ck_assert_uint_eq(len, 2);
    /* Five IPv6 entries fit (242 bytes), a sixth does not. */
    struct sa_wire_entry e6 = entry("2001:db8::1", "ff0e::1", 1, 0, 30);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(sa_encode_entry(buf, sizeof(buf), &len, &e6), 0);
    ck_assert_int_eq(sa_encode_entry(buf, sizeof(buf), &len, &e6), -1);
}
END_TEST

START_TEST(decode_golden)
{
    uint8_t body[sizeof(golden_v4) + sizeof(golden_v6_entry)];
    memcpy(body, golden_v4, sizeof(golden_v4));
    memcpy(body + sizeof(golden_v4), golden_v6_entry, sizeof(golden_v6_entry));
    struct sa_decoded d;
    ck_assert_int_eq(sa_decode(body, sizeof(body), &d), SA_DECODE_OK);
    ck_assert_uint_eq(d.n, 2);
    ck_assert_uint_eq(d.skipped, 0);
    struct sa_wire_entry e4 = entry("10.254.0.1", "239.1.1.1", 0x1234, 0, 30);
    struct sa_wire_entry e6 = entry("fd00:bb::1", "ff0e::1:1", 0xfffe, SA_FLAG_WITHDRAW, 600);
    ck_entry(&d.e[0], &e4);
    ck_entry(&d.e[1], &e6);
    ck_assert(addr_is_v4(d.e[0].source));
}
END_TEST

START_TEST(decode_header_only_and_short)
{
    struct sa_decoded d;
    static const uint8_t empty[] = {0x01, 0x00};
    ck_assert_int_eq(sa_decode(empty, 2, &d), SA_DECODE_OK);
    ck_assert_uint_eq(d.n, 0);
    ck_assert_int_eq(sa_decode(empty, 1, &d), SA_DECODE_MALFORMED);
    ck_assert_int_eq(sa_decode(empty, 0, &d), SA_DECODE_MALFORMED);
    ck_assert_int_eq(sa_decode(NULL, 0, &d), SA_DECODE_MALFORMED);
    /* The flags byte: 0x80 is a table request, other bits are passed on
     * (and ignored by the table). */
    static const uint8_t req[] = {0x01, 0x80};
    ck_assert_int_eq(sa_decode(req, 2, &d), SA_DECODE_OK);
    ck_assert_uint_eq(d.hflags, SA_HFLAG_REQUEST);
    static const uint8_t rsvd[] = {0x01, 0x7f};
    ck_assert_int_eq(sa_decode(rsvd, 2, &d), SA_DECODE_OK);
    ck_assert_uint_eq(d.hflags, 0x7f);
    uint8_t buf[2];
    ck_assert_uint_eq(sa_encode_header_flags(buf, sizeof(buf), SA_HFLAG_REQUEST), 2);
    ck_assert_mem_eq(buf, req, 2);
    ck_assert_uint_eq(sa_encode_header(buf, 1), 0);
}
END_TEST

START_TEST(decode_unknown_version)
{
    uint8_t body[sizeof(golden_v4)];
    memcpy(body, golden_v4, sizeof(body));
    body[0] = 2;
    struct sa_decoded d;
    ck_assert_int_eq(sa_decode(body, sizeof(body), &d), SA_DECODE_VERSION);
    ck_assert_uint_eq(d.n, 0);
    body[0] = 0;
    ck_assert_int_eq(sa_decode(body, sizeof(body), &d), SA_DECODE_VERSION);
}
END_TEST

START_TEST(decode_truncated)
{
    struct sa_decoded d;
    /* Every proper prefix of a one-entry body longer than the header is
     * malformed. */
    for (size_t n = 3; n < sizeof(golden_v4); n++)
        ck_assert_msg(sa_decode(golden_v4, n, &d) == SA_DECODE_MALFORMED, "length %zu", n);
    /* A length byte too small for the AE. */
    uint8_t body[sizeof(golden_v4)];
    memcpy(body, golden_v4, sizeof(body));
    body[3] = 0x15;
    ck_assert_int_eq(sa_decode(body, sizeof(body) - 1, &d), SA_DECODE_MALFORMED);
    /* A length byte that overruns the body. */
    body[3] = 0x17;
    ck_assert_int_eq(sa_decode(body, sizeof(body), &d), SA_DECODE_MALFORMED);
    /* An IPv6 AE with an IPv4-sized entry. */
    memcpy(body, golden_v4, sizeof(body));
    body[2] = SA_AE_IPV6;
    ck_assert_int_eq(sa_decode(body, sizeof(body), &d), SA_DECODE_MALFORMED);
}
END_TEST

START_TEST(decode_skips_unknown_ae_and_extra_bytes)
{
    /* An entry of AE 9 (3 bytes of contents), then the IPv4 entry with two
     * extra bytes (length 24) and unknown flag bits. */
    uint8_t body[2 + 5 + 26];
    body[0] = 1;
    body[1] = 0;
    body[2] = 9;
    body[3] = 3;
    body[4] = body[5] = body[6] = 0xaa;
    memcpy(body + 7, golden_v4 + 2, 24);
    body[7 + 1] = 24;
    body[7 + 2] = 0x41; /* unknown bits, no withdraw */
    body[7 + 24] = 0xde;
    body[7 + 25] = 0xad;
    struct sa_decoded d;
    ck_assert_int_eq(sa_decode(body, sizeof(body), &d), SA_DECODE_OK);
    ck_assert_uint_eq(d.skipped, 1);
    ck_assert_uint_eq(d.n, 1);
    struct sa_wire_entry want = entry("10.254.0.1", "239.1.1.1", 0x1234, 0x41, 30);
    ck_entry(&d.e[0], &want);
    /* An unknown AE with a zero length and nothing after it. */
    static const uint8_t z[] = {1, 0, 200, 0};
    ck_assert_int_eq(sa_decode(z, sizeof(z), &d), SA_DECODE_OK);
    ck_assert_uint_eq(d.skipped, 1);
    ck_assert_uint_eq(d.n, 0);
}
END_TEST

/* The contract tests/fuzz/fuzz_sa relies on: an IPv6 entry whose S or G is
 * IPv4-mapped decodes (the codec does not judge addresses), and a mixed
 * pair is one sa_entry_len refuses, so no caller can send it on: mcast/sa.c
 * counts such an entry invalid (valid_pair) and skips it.  Both mapped, it
 * is the IPv4 pair and re-encodes as an IPv4 entry with the same values. */
START_TEST(decode_v6_entry_with_v4_mapped_address)
{
    uint8_t body[2 + sizeof(golden_v6_entry)];
    struct sa_decoded d;
    body[0] = 1;
    body[1] = 0;
    memcpy(body + 2, golden_v6_entry, sizeof(golden_v6_entry));
    /* S = ::ffff:10.1.2.3, G stays ff0e::1:1 */
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3};
    memcpy(body + 2 + 16, mapped, 16);
    ck_assert_int_eq(sa_decode(body, sizeof(body), &d), SA_DECODE_OK);
    ck_assert_uint_eq(d.n, 1);
    ck_assert_uint_eq(sa_entry_len(&d.e[0]), 0);
    /* G mapped too (224.1.1.1): the IPv4 pair. */
    static const uint8_t gmapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 224, 1, 1, 1};
    memcpy(body + 2 + 32, gmapped, 16);
    ck_assert_int_eq(sa_decode(body, sizeof(body), &d), SA_DECODE_OK);
    ck_assert_uint_eq(sa_entry_len(&d.e[0]), SA_ENTRY_LEN_V4);
    uint8_t buf[SA_TLV_MAX];
    size_t len = sa_encode_header(buf, sizeof(buf));
    ck_assert_int_eq(sa_encode_entry(buf, sizeof(buf), &len, &d.e[0]), 0);
    struct sa_decoded d2;
    ck_assert_int_eq(sa_decode(buf, len, &d2), SA_DECODE_OK);
    ck_assert_uint_eq(d2.n, 1);
    ck_entry(&d2.e[0], &d.e[0]);
}
END_TEST

START_TEST(decode_roundtrip_full)
{
    uint8_t buf[SA_TLV_MAX];
    size_t len = sa_encode_header(buf, sizeof(buf));
    struct sa_wire_entry es[SA_MAX_ENTRIES];
    for (int i = 0; i < SA_MAX_ENTRIES; i++) {
        char g[32];
        snprintf(g, sizeof(g), "239.0.0.%d", i + 1);
        es[i] = entry("192.0.2.7", g, (uint16_t)(65530 + i), i % 2 ? SA_FLAG_WITHDRAW : 0,
                      (uint16_t)(i * 100 + 1));
        ck_assert_int_eq(sa_encode_entry(buf, sizeof(buf), &len, &es[i]), 0);
    }
    struct sa_decoded d;
    ck_assert_int_eq(sa_decode(buf, len, &d), SA_DECODE_OK);
    ck_assert_uint_eq(d.n, SA_MAX_ENTRIES);
    for (int i = 0; i < SA_MAX_ENTRIES; i++)
        ck_entry(&d.e[i], &es[i]);
}
END_TEST

/* Random and mutated bodies: the decoder must never read out of bounds
 * (run under ASan by make asan) and must say OK only when every entry it
 * returns fits in the body. */
START_TEST(decode_fuzz)
{
    srandom(1234);
    uint8_t body[SA_TLV_MAX + 10];
    struct sa_decoded d;
    for (int iter = 0; iter < 200000; iter++) {
        size_t len = (size_t)(random() % (SA_TLV_MAX + 5));
        uint8_t *heap = malloc(len ? len : 1);
        if (iter % 2) {
            for (size_t i = 0; i < len; i++)
                heap[i] = (uint8_t)random();
            if (len)
                heap[0] = 1;
            if (len > 2 && iter % 4 == 1)
                heap[2] = (uint8_t)(1 + random() % 2);
        } else {
            memcpy(body, golden_v4, sizeof(golden_v4));
            memcpy(body + sizeof(golden_v4), golden_v6_entry, sizeof(golden_v6_entry));
            size_t full = sizeof(golden_v4) + sizeof(golden_v6_entry);
            if (len > full)
                len = full;
            body[random() % full] = (uint8_t)random();
            memcpy(heap, body, len);
        }
        enum sa_decode_status st = sa_decode(heap, len, &d);
        ck_assert(st == SA_DECODE_OK || st == SA_DECODE_VERSION || st == SA_DECODE_MALFORMED);
        if (st == SA_DECODE_OK)
            ck_assert_uint_le(2 + d.n * SA_ENTRY_LEN_V4 + d.skipped * 2, len);
        free(heap);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sa_codec");
    TCase *tc = tcase_create("codec");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, encode_v4);
    tcase_add_test(tc, encode_v6_after_v4);
    tcase_add_test(tc, encode_limits);
    tcase_add_test(tc, decode_golden);
    tcase_add_test(tc, decode_header_only_and_short);
    tcase_add_test(tc, decode_unknown_version);
    tcase_add_test(tc, decode_truncated);
    tcase_add_test(tc, decode_skips_unknown_ae_and_extra_bytes);
    tcase_add_test(tc, decode_roundtrip_full);
    tcase_add_test(tc, decode_v6_entry_with_v4_mapped_address);
    tcase_add_test(tc, decode_fuzz);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
