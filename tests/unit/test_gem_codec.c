/* Unit tests of the GEM packet format (gem/gem_codec.h), its protection
 * (gem/gem_crypto.h) and the replay window (gem/gem_replay.h).  The test
 * vector was computed apart from this code (Python's `cryptography` AESGCM
 * and `hmac`), from the layout in README.mcr. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "gem/gem_codec.h"
#include "gem/gem_crypto.h"
#include "gem/gem_replay.h"
#include "mcast/frame.h"

/* SEK 00 01 .. 1f, GAK 20 21 .. 3f; version 2, key id 1, sender 10.0.12.1,
 * run 0x89abcdef, seq 0x0001020304050607, S 192.168.100.1, G 239.1.1.1,
 * ports 40000 -> 5000, payload "GEM test vector!" (16 bytes). */
static const uint8_t vector[] = {
    0x02, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x0c, 0x01, 0x89, 0xab, 0xcd, 0xef, 0x00, 0x01, 0x02, 0x03,
    0x04, 0x05, 0x06, 0x07, 0xc0, 0xa8, 0x64, 0x01, 0xef, 0x01, 0x01, 0x01, 0x9c, 0x40, 0x13, 0x88,
    /* header */
    0xb3, 0x37, 0xf7, 0xf0, 0xa6, 0xac, 0x78, 0x37, 0xd0, 0x6c, 0x6f, 0x35, 0x97, 0xb1, 0xcf, 0x24,
    /* ciphertext */
    0xba, 0xee, 0x78, 0x61, 0xe9, 0x1d, 0x4c, 0x0a, 0xc8, 0x2a, 0xe8, 0x5c, 0x38, 0x30, 0xe6, 0xc3,
    /* GCM tag */
    0xa1, 0xdc, 0x10, 0xbd, 0x43, 0xf2, 0x02, 0x79, 0x34, 0xaa, 0xa2, 0x99, 0xac, 0x68, 0xb0, 0xcb,
    /* MAC */
};
static const char plain[] = "GEM test vector!";

static uint8_t sek[32], gak[32];

static struct gem_header vector_header(void)
{
    struct gem_header h = {.version = 2, .key_id = 1, .run = 0x89abcdef, .seq = 0x0001020304050607ull,
                           .sport = 40000, .dport = 5000};
    h.sender = inet_addr("10.0.12.1");
    h.source = inet_addr("192.168.100.1");
    h.group = inet_addr("239.1.1.1");
    return h;
}

static void keys(void)
{
    for (int i = 0; i < 32; i++) {
        sek[i] = (uint8_t)i;
        gak[i] = (uint8_t)(0x20 + i);
    }
}

START_TEST(header_encode_parse)
{
    struct gem_header h = vector_header(), p;
    uint8_t out[GEM_HEADER_LEN];
    gem_header_encode(&h, out);
    ck_assert_mem_eq(out, vector, GEM_HEADER_LEN);
    struct gem_view v;
    ck_assert_int_eq(gem_parse(vector, sizeof(vector), &p, &v), GEM_PARSE_OK);
    ck_assert_uint_eq(p.version, 2);
    ck_assert_uint_eq(p.key_id, 1);
    ck_assert_uint_eq(p.sender, h.sender);
    ck_assert_uint_eq(p.run, 0x89abcdef);
    ck_assert(p.seq == h.seq);
    ck_assert_uint_eq(p.source, h.source);
    ck_assert_uint_eq(p.group, h.group);
    ck_assert_uint_eq(p.sport, 40000);
    ck_assert_uint_eq(p.dport, 5000);
    ck_assert_uint_eq(v.ct_len, 16);
    ck_assert_ptr_eq(v.ct, vector + 32);
    ck_assert_ptr_eq(v.tag, vector + 48);
    ck_assert_ptr_eq(v.mac, vector + 64);
    uint8_t nonce[16], want[16] = {0x0a, 0x00, 0x0c, 0x01, 0x89, 0xab, 0xcd, 0xef,
                                   0,    1,    2,    3,    4,    5,    6,    7};
    gem_nonce(&p, nonce);
    ck_assert_mem_eq(nonce, want, 16);
}
END_TEST

START_TEST(parse_rejects)
{
    struct gem_header h;
    struct gem_view v;
    /* Header, tag and MAC with an empty payload is the shortest. */
    ck_assert_int_eq(gem_parse(vector, GEM_OVERHEAD, &h, &v), GEM_PARSE_OK);
    ck_assert_uint_eq(v.ct_len, 0);
    ck_assert_int_eq(gem_parse(vector, GEM_OVERHEAD - 1, &h, &v), GEM_PARSE_TRUNCATED);
    ck_assert_int_eq(gem_parse(vector, 0, &h, &v), GEM_PARSE_TRUNCATED);
    uint8_t b[sizeof(vector)];
    memcpy(b, vector, sizeof(b));
    b[0] = 1; /* the first layout (28-byte header, no run) */
    ck_assert_int_eq(gem_parse(b, sizeof(b), &h, &v), GEM_PARSE_BAD_VERSION);
}
END_TEST

START_TEST(seal_matches_vector)
{
    keys();
    struct gem_crypto *c = gem_crypto_new(sek, gak);
    ck_assert_ptr_nonnull(c);
    struct gem_header h = vector_header();
    uint8_t out[128];
    size_t n = gem_seal(c, &h, (const uint8_t *)plain, 16, out);
    ck_assert_uint_eq(n, sizeof(vector));
    ck_assert_mem_eq(out, vector, sizeof(vector));
    gem_crypto_free(c);
}
END_TEST

START_TEST(open_vector_and_reject_changes)
{
    keys();
    struct gem_crypto *c = gem_crypto_new(sek, gak);
    ck_assert_ptr_nonnull(c);
    struct gem_header h;
    struct gem_view v;
    uint8_t pt[64];
    ck_assert_int_eq(gem_parse(vector, sizeof(vector), &h, &v), GEM_PARSE_OK);
    ck_assert(gem_verify(c, &v));
    ck_assert(gem_decrypt(c, &h, &v, pt));
    ck_assert_mem_eq(pt, plain, 16);
    /* Any byte changed anywhere fails the MAC. */
    for (size_t i = 0; i < sizeof(vector); i++) {
        uint8_t b[sizeof(vector)];
        memcpy(b, vector, sizeof(b));
        b[i] ^= 0x01;
        if (gem_parse(b, sizeof(b), &h, &v) != GEM_PARSE_OK)
            continue; /* the version byte */
        ck_assert_msg(!gem_verify(c, &v), "byte %zu changed and the MAC still verifies", i);
    }
    gem_crypto_free(c);
}
END_TEST

START_TEST(wrong_keys)
{
    keys();
    uint8_t other[32];
    memset(other, 0x55, sizeof(other));
    struct gem_header h;
    struct gem_view v;
    uint8_t pt[64];
    ck_assert_int_eq(gem_parse(vector, sizeof(vector), &h, &v), GEM_PARSE_OK);
    /* Another GAK: the MAC fails. */
    struct gem_crypto *c = gem_crypto_new(sek, other);
    ck_assert(!gem_verify(c, &v));
    gem_crypto_free(c);
    /* The right GAK, another SEK: the MAC verifies, decryption does not. */
    c = gem_crypto_new(other, gak);
    ck_assert(gem_verify(c, &v));
    ck_assert(!gem_decrypt(c, &h, &v, pt));
    gem_crypto_free(c);
}
END_TEST

START_TEST(seal_round_trip_sizes)
{
    keys();
    struct gem_crypto *c = gem_crypto_new(sek, gak);
    static uint8_t in[1500], out[1600], back[1600];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(i * 7);
    size_t sizes[] = {0, 1, 15, 16, 17, 1316, 1500};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        struct gem_header h = vector_header(), p;
        h.seq += s;
        size_t n = gem_seal(c, &h, in, sizes[s], out);
        ck_assert_uint_eq(n, sizes[s] + GEM_OVERHEAD);
        struct gem_view v;
        ck_assert_int_eq(gem_parse(out, n, &p, &v), GEM_PARSE_OK);
        ck_assert(gem_verify(c, &v));
        ck_assert(gem_decrypt(c, &p, &v, back));
        ck_assert_mem_eq(back, in, sizes[s]);
    }
    gem_crypto_free(c);
}
END_TEST

START_TEST(udp4_build_checksums)
{
    uint8_t b[GEM_IP_UDP_LEN + 5] = {0};
    memcpy(b + GEM_IP_UDP_LEN, "hello", 5);
    gem_udp4_build(b, 5, inet_addr("192.168.100.1"), inet_addr("239.1.1.1"), 40000, 5000, 64,
                   0x1234);
    const uint8_t want_ip[20] = {0x45, 0, 0, 33, 0x12, 0x34, 0, 0, 64, 17, 0, 0,
                                 192,  168, 100, 1, 239, 1, 1, 1};
    ck_assert_mem_eq(b, want_ip, 10);
    ck_assert_mem_eq(b + 12, want_ip + 12, 8);
    /* Both checksums verify as a receiver checks them (sum of all = 0xffff). */
    ck_assert_uint_eq(inet_fold(inet_sum(b, 20, 0)), 0xffff);
    struct frame_view v;
    memset(&v, 0, sizeof(v));
    ck_assert_int_eq(frame_parse_udp(b + 20, 13, inet_addr("192.168.100.1"),
                                     inet_addr("239.1.1.1"), false, &v),
                     FRAME_OK);
    ck_assert_uint_eq(v.sport, 40000);
    ck_assert_uint_eq(v.dport, 5000);
    ck_assert_uint_eq(v.payload_len, 5);
}
END_TEST

START_TEST(ip4_fragments)
{
    static uint8_t dg[GEM_IP_UDP_LEN + 4000], out[1600], back[4008];
    for (size_t i = 0; i < 4000; i++)
        dg[GEM_IP_UDP_LEN + i] = (uint8_t)(i * 13);
    gem_udp4_build(dg, 4000, inet_addr("192.168.100.1"), inet_addr("239.1.1.1"), 1, 2, 64, 77);
    size_t total = sizeof(dg), off = 0, next = 0;
    /* 4008 bytes of IP payload at MTU 1501: 1480 (a multiple of 8), 1480, 1048. */
    const size_t want_len[] = {1500, 1500, 1068};
    const uint16_t want_frag[] = {0x2000 | 0, 0x2000 | 185, 370};
    for (int k = 0; k < 3; k++) {
        size_t n = gem_ip4_fragment(dg, total, 1501, off, out, &next);
        ck_assert_uint_eq(n, want_len[k]);
        ck_assert_uint_eq((size_t)(out[2] << 8 | out[3]), n);         /* total length */
        ck_assert_uint_eq((unsigned)(out[6] << 8 | out[7]), want_frag[k]); /* MF, offset */
        ck_assert_uint_eq(out[4] << 8 | out[5], 77);                  /* the same id */
        ck_assert_mem_eq(out + 8, dg + 8, 2);                         /* TTL, protocol */
        ck_assert_mem_eq(out + 12, dg + 12, 8);                       /* addresses */
        ck_assert_uint_eq(inet_fold(inet_sum(out, 20, 0)), 0xffff);
        memcpy(back + off, out + 20, n - 20);
        off = next;
    }
    ck_assert_uint_eq(off, 4008);
    ck_assert_mem_eq(back, dg + 20, 4008);
    /* Put together, the UDP checksum still verifies. */
    struct frame_view v;
    memset(&v, 0, sizeof(v));
    ck_assert_int_eq(frame_parse_udp(back, 4008, inet_addr("192.168.100.1"), inet_addr("239.1.1.1"),
                                     false, &v),
                     FRAME_OK);
    ck_assert_uint_eq(gem_ip4_fragment(dg, total, 27, 0, out, &next), 0);
}
END_TEST

START_TEST(replay_window)
{
    struct gem_replay r;
    memset(&r, 0, sizeof(r));
    ck_assert(gem_replay_check(&r, 1000));
    gem_replay_commit(&r, 1000);
    ck_assert(!gem_replay_check(&r, 1000));
    ck_assert(gem_replay_check(&r, 999));  /* late, unseen, within the window */
    ck_assert(gem_replay_check(&r, 1001));
    gem_replay_commit(&r, 1005);
    ck_assert(gem_replay_check(&r, 1003));
    gem_replay_commit(&r, 1003);
    ck_assert(!gem_replay_check(&r, 1003));
    ck_assert(!gem_replay_check(&r, 1000));
    ck_assert(gem_replay_check(&r, 1004));
    /* At the window's edge. */
    gem_replay_commit(&r, 1005 + GEM_REPLAY_WINDOW - 1);
    ck_assert(!gem_replay_check(&r, 1005));           /* seen, still inside */
    ck_assert(!gem_replay_check(&r, 1004 - 0));        /* now outside: too old */
    ck_assert(gem_replay_check(&r, 1006));            /* inside, unseen */
    /* A jump beyond the window forgets everything below it; the slots the
     * window slid over are fresh again. */
    gem_replay_commit(&r, 100000);
    ck_assert(!gem_replay_check(&r, 100000));
    ck_assert(gem_replay_check(&r, 100000 - 5));
    ck_assert(!gem_replay_check(&r, 100000 - GEM_REPLAY_WINDOW));
    ck_assert(gem_replay_check(&r, 100000 - GEM_REPLAY_WINDOW + 1));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gem_codec");
    TCase *tc = tcase_create("all");
    tcase_add_test(tc, header_encode_parse);
    tcase_add_test(tc, parse_rejects);
    tcase_add_test(tc, seal_matches_vector);
    tcase_add_test(tc, open_vector_and_reject_changes);
    tcase_add_test(tc, wrong_keys);
    tcase_add_test(tc, seal_round_trip_sizes);
    tcase_add_test(tc, udp4_build_checksums);
    tcase_add_test(tc, ip4_fragments);
    tcase_add_test(tc, replay_window);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
