/* mcast/reasm.c: datagrams put together from fragments in any order,
 * checksums verified on the whole, bounds on memory and time. */
#include "tests/unit/unit.h"
#include "mcast/reasm.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

static uint8_t data[8000];

static struct frame_view frag(uint32_t src, uint16_t id, size_t off, size_t len, bool mf)
{
    struct frame_view v;
    memset(&v, 0, sizeof(v));
    v.src = src;
    v.dst = inet_addr("239.1.1.1");
    v.proto = 17;
    v.ttl = 9;
    v.id = id;
    v.frag_off = off;
    v.more_frags = mf;
    v.l4 = off + len <= sizeof(data) ? data + off : data;
    v.l4_len = len;
    return v;
}

/* A UDP datagram of `payload` bytes in data[], checksum filled in. */
static size_t make_udp(size_t payload, uint32_t src)
{
    size_t len = 8 + payload;
    data[0] = 0x9c;
    data[1] = 0x40;
    data[2] = 0x13;
    data[3] = 0x88;
    data[4] = (uint8_t)(len >> 8);
    data[5] = (uint8_t)len;
    data[6] = data[7] = 0;
    for (size_t i = 0; i < payload; i++)
        data[8 + i] = (uint8_t)(i * 13 + 1);
    uint32_t dst = inet_addr("239.1.1.1");
    uint8_t ph[12];
    memcpy(ph, &src, 4);
    memcpy(ph + 4, &dst, 4);
    ph[8] = 0;
    ph[9] = 17;
    ph[10] = (uint8_t)(len >> 8);
    ph[11] = (uint8_t)len;
    uint16_t c = (uint16_t)~inet_fold(inet_sum(data, len, inet_sum(ph, 12, 0)));
    data[6] = (uint8_t)(c >> 8);
    data[7] = (uint8_t)c;
    return len;
}

START_TEST(test_in_order_and_reverse)
{
    uint32_t src = inet_addr("10.1.1.50");
    size_t len = make_udp(3992, src); /* 4000 bytes of UDP */
    for (int reverse = 0; reverse < 2; reverse++) {
        struct reasm r;
        reasm_init(&r);
        struct reasm_datagram d;
        enum frame_result why;
        size_t offs[3] = {0, 1480, 2960};
        int got = 0;
        for (int k = 0; k < 3; k++) {
            int i = reverse ? 2 - k : k;
            size_t o = offs[i], l = i == 2 ? len - o : 1480;
            struct frame_view v = frag(src, 7, o, l, i != 2);
            got = reasm_add(&r, &v, false, 1000, &d, &why);
            ck_assert_int_eq(got, k == 2 ? 1 : 0);
        }
        ck_assert_uint_eq(d.l4_len, len);
        ck_assert_mem_eq(d.l4, data, len);
        ck_assert_uint_eq(d.ttl, 9);
        struct frame_view u;
        ck_assert_int_eq(frame_parse_udp(d.l4, d.l4_len, d.src, d.dst, false, &u), FRAME_OK);
        ck_assert_uint_eq(u.payload_len, 3992);
        ck_assert_uint_eq(u.dport, 5000);
        reasm_done(&d);
        ck_assert_uint_eq(r.npending, 0);
        ck_assert_uint_eq(r.bytes, 0);
        reasm_free(&r);
    }
}
END_TEST

START_TEST(test_interleaved_and_expiry)
{
    uint32_t a = inet_addr("10.1.1.50"), b = inet_addr("10.1.1.51");
    make_udp(2000, a);
    struct reasm r;
    reasm_init(&r);
    struct reasm_datagram d;
    enum frame_result why;
    struct frame_view v = frag(a, 1, 0, 1480, true);
    ck_assert_int_eq(reasm_add(&r, &v, false, 0, &d, &why), 0);
    v = frag(b, 1, 0, 1480, true);
    ck_assert_int_eq(reasm_add(&r, &v, false, 0, &d, &why), 0);
    ck_assert_uint_eq(r.npending, 2);
    reasm_expire(&r, REASM_TIMEOUT_MS - 1);
    ck_assert_uint_eq(r.npending, 2);
    v = frag(a, 1, 1480, 528, false);
    ck_assert_int_eq(reasm_add(&r, &v, false, 10, &d, &why), 1);
    reasm_done(&d);
    reasm_expire(&r, REASM_TIMEOUT_MS);
    ck_assert_uint_eq(r.npending, 0);
    ck_assert_uint_eq(r.st.expired, 1);
    ck_assert_uint_eq(r.bytes, 0);
    reasm_free(&r);
}
END_TEST

START_TEST(test_bounds)
{
    struct reasm r;
    reasm_init(&r);
    struct reasm_datagram d;
    enum frame_result why;
    memset(data, 0, sizeof(data));
    /* More incomplete datagrams than allowed: the oldest go. */
    for (unsigned i = 0; i < REASM_MAX_PENDING + 10; i++) {
        struct frame_view v = frag(inet_addr("10.1.1.50"), (uint16_t)i, 0, 1480, true);
        ck_assert_int_eq(reasm_add(&r, &v, false, 0, &d, &why), 0);
    }
    ck_assert_uint_eq(r.npending, REASM_MAX_PENDING);
    ck_assert_uint_eq(r.st.evicted, 10);
    ck_assert_uint_le(r.bytes, REASM_MAX_BYTES);
    /* A fragment beyond 65535 bytes. */
    struct frame_view v = frag(inet_addr("10.1.1.60"), 1, 65528, 16, false);
    v.l4 = data;
    ck_assert_int_eq(reasm_add(&r, &v, false, 0, &d, &why), -1);
    ck_assert_int_eq(why, FRAME_OVERSIZED);
    /* Two different ends. */
    v = frag(inet_addr("10.1.1.61"), 1, 1480, 100, false);
    ck_assert_int_eq(reasm_add(&r, &v, false, 0, &d, &why), 0);
    v = frag(inet_addr("10.1.1.61"), 1, 1480, 200, false);
    ck_assert_int_eq(reasm_add(&r, &v, false, 0, &d, &why), -1);
    reasm_free(&r);
    ck_assert_uint_eq(r.bytes, 0);
}
END_TEST

START_TEST(test_bad_checksum_after_reassembly)
{
    uint32_t src = inet_addr("10.1.1.50");
    size_t len = make_udp(2000, src);
    data[1000] ^= 0xff;
    struct reasm r;
    reasm_init(&r);
    struct reasm_datagram d;
    enum frame_result why;
    struct frame_view v = frag(src, 3, 0, 1480, true);
    reasm_add(&r, &v, false, 0, &d, &why);
    v = frag(src, 3, 1480, len - 1480, false);
    ck_assert_int_eq(reasm_add(&r, &v, false, 0, &d, &why), 1);
    struct frame_view u;
    ck_assert_int_eq(frame_parse_udp(d.l4, d.l4_len, d.src, d.dst, false, &u),
                     FRAME_BAD_UDP_CHECKSUM);
    reasm_done(&d);
    reasm_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reasm");
    TCase *tc = tcase_create("reasm");
    tcase_add_test(tc, test_in_order_and_reverse);
    tcase_add_test(tc, test_interleaved_and_expiry);
    tcase_add_test(tc, test_bounds);
    tcase_add_test(tc, test_bad_checksum_after_reassembly);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
