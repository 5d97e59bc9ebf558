/* mcast/frame.c on golden frames: a valid multicast UDP frame byte by byte,
 * its 802.1Q-tagged form, and every way of breaking it; plus fragments. */
#include "tests/unit/unit.h"
#include "mcast/frame.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

/* 10.1.1.50:40000 -> 239.1.1.1:5000, TTL 8, id 0x1234, "hello"; checksums
 * computed independently (Python) and pasted here. */
static const uint8_t golden[] = {
    0x01, 0x00, 0x5e, 0x01, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x21, 0x12, 0x34, 0x00, 0x00, 0x08, 0x11, 0xa5, 0x63, 0x0a, 0x01, 0x01, 0x32, 0xef, 0x01,
    0x01, 0x01, 0x9c, 0x40, 0x13, 0x88, 0x00, 0x0d, 0x11, 0x04, 0x68, 0x65, 0x6c, 0x6c, 0x6f};

static uint8_t buf[2048];

static size_t copy_golden(void)
{
    memcpy(buf, golden, sizeof(golden));
    return sizeof(golden);
}

static size_t tagged(int tags)
{
    /* Insert tags after the MAC addresses. */
    size_t off = 12;
    memcpy(buf, golden, 12);
    for (int i = 0; i < tags; i++) {
        uint8_t tag[4] = {i == 0 && tags == 2 ? 0x88 : 0x81, i == 0 && tags == 2 ? 0xa8 : 0x00,
                          0x00, (uint8_t)(100 + i)};
        memcpy(buf + off, tag, 4);
        off += 4;
    }
    memcpy(buf + off, golden + 12, sizeof(golden) - 12);
    return off + sizeof(golden) - 12;
}

START_TEST(test_golden)
{
    struct frame_view v;
    ck_assert_int_eq(frame_parse(golden, sizeof(golden), false, &v), FRAME_OK);
    ck_assert_uint_eq(v.src, inet_addr("10.1.1.50"));
    ck_assert_uint_eq(v.dst, inet_addr("239.1.1.1"));
    ck_assert_uint_eq(v.sport, 40000);
    ck_assert_uint_eq(v.dport, 5000);
    ck_assert_uint_eq(v.ttl, 8);
    ck_assert_uint_eq(v.id, 0x1234);
    ck_assert_uint_eq(v.payload_len, 5);
    ck_assert_mem_eq(v.payload, "hello", 5);
    ck_assert_int_eq(v.vlans, 0);
}
END_TEST

START_TEST(test_padding)
{
    /* Ethernet pads short frames to 60 bytes: trailing bytes are allowed. */
    size_t n = copy_golden();
    memset(buf + n, 0, 60 - n);
    struct frame_view v;
    ck_assert_int_eq(frame_parse(buf, 60, false, &v), FRAME_OK);
    ck_assert_uint_eq(v.payload_len, 5);
}
END_TEST

START_TEST(test_vlan)
{
    struct frame_view v;
    size_t n = tagged(1);
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_OK);
    ck_assert_int_eq(v.vlans, 1);
    ck_assert_uint_eq(v.vlan_id, 100);
    ck_assert_mem_eq(v.payload, "hello", 5);
    n = tagged(2); /* QinQ: 802.1ad outside, 802.1Q inside */
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_OK);
    ck_assert_int_eq(v.vlans, 2);
    ck_assert_int_eq(frame_parse(buf, 12 + 4 + 2, false, &v), FRAME_TRUNCATED);
}
END_TEST

START_TEST(test_truncated)
{
    struct frame_view v;
    for (size_t n = 0; n < sizeof(golden); n++)
        ck_assert_msg(frame_parse(golden, n, false, &v) == FRAME_TRUNCATED, "length %zu", n);
}
END_TEST

START_TEST(test_bad_ip)
{
    struct frame_view v;
    size_t n = copy_golden();
    buf[14] = 0x65; /* version 6 */
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_BAD_IP_HEADER);
    n = copy_golden();
    buf[14] = 0x44; /* header length 16 */
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_BAD_IP_HEADER);
    n = copy_golden();
    buf[17] = 0x10; /* total length 16 < header */
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_BAD_IP_HEADER);
    n = copy_golden();
    buf[17] = 0x40; /* total length beyond the frame */
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_TRUNCATED);
    n = copy_golden();
    buf[22] = 7; /* TTL changed, checksum not */
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_BAD_IP_CHECKSUM);
    n = copy_golden();
    buf[12] = 0x86;
    buf[13] = 0xdd;
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_NOT_IPV4);
}
END_TEST

START_TEST(test_bad_udp)
{
    struct frame_view v;
    size_t n = copy_golden();
    buf[n - 1] ^= 1; /* payload changed */
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_BAD_UDP_CHECKSUM);
    /* ... which a partial checksum (local offload) does not catch. */
    ck_assert_int_eq(frame_parse(buf, n, true, &v), FRAME_OK);
    n = copy_golden();
    buf[40] = 0;
    buf[41] = 0; /* no checksum: accepted */
    buf[n - 1] ^= 1;
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_OK);
    n = copy_golden();
    buf[39] = 0x0c; /* UDP length 12 != 13 */
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_BAD_UDP_LENGTH);
    n = copy_golden();
    buf[39] = 0x07;
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_BAD_UDP_LENGTH);
}
END_TEST

START_TEST(test_not_udp)
{
    struct frame_view v;
    size_t n = copy_golden();
    buf[23] = 6;  /* TCP */
    buf[25] += 11; /* checksum adjusted for the protocol byte: 0x11 -> 0x06 */
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_NOT_UDP);
}
END_TEST

/* A fragment: the golden frame with MF set and offset 0 (checksum fixed). */
static size_t fragment(uint16_t fo_field, size_t l4len)
{
    size_t n = copy_golden();
    (void)n;
    buf[20] = (uint8_t)(fo_field >> 8);
    buf[21] = (uint8_t)fo_field;
    size_t tot = 20 + l4len;
    buf[16] = (uint8_t)(tot >> 8);
    buf[17] = (uint8_t)tot;
    memset(buf + 34, 0xab, l4len);
    buf[24] = buf[25] = 0;
    uint16_t c = (uint16_t)~inet_fold(inet_sum(buf + 14, 20, 0));
    buf[24] = (uint8_t)(c >> 8);
    buf[25] = (uint8_t)c;
    return 14 + tot;
}

START_TEST(test_fragments)
{
    struct frame_view v;
    size_t n = fragment(0x2000, 16);
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_FRAGMENT);
    ck_assert(v.more_frags);
    ck_assert_uint_eq(v.frag_off, 0);
    ck_assert_uint_eq(v.l4_len, 16);
    n = fragment(0x0002, 5); /* last, at 16 */
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_FRAGMENT);
    ck_assert(!v.more_frags);
    ck_assert_uint_eq(v.frag_off, 16);
    n = fragment(0x2000, 15); /* not a multiple of 8 */
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_BAD_IP_HEADER);
    n = fragment(0x1fff, 16); /* 65528 + 16: over 65535 */
    ck_assert_int_eq(frame_parse(buf, n, false, &v), FRAME_OVERSIZED);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(frame_result_name(FRAME_BAD_UDP_CHECKSUM), "bad-udp-checksum");
    for (int r = 0; r < FRAME_RESULT_COUNT; r++)
        ck_assert_ptr_nonnull(frame_result_name(r));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("frame");
    TCase *tc = tcase_create("frame");
    tcase_add_test(tc, test_golden);
    tcase_add_test(tc, test_padding);
    tcase_add_test(tc, test_vlan);
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_bad_ip);
    tcase_add_test(tc, test_bad_udp);
    tcase_add_test(tc, test_not_udp);
    tcase_add_test(tc, test_fragments);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
