/* Unit tests of the ESP codec (gem/esp_sa.c): a known-answer packet built
 * independently (tests/unit/esp_kat.py: the RFC 4303 layout by hand around
 * python3-cryptography's AES-GCM), OpenSSL decrypting what we seal with a
 * context of its own, the anti-replay window's edges with extended
 * sequence numbers across a 2^32 boundary, and every malformed, tampered,
 * truncated, replayed or wrong-key packet dropped and counted by reason. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "babel/crypto_lib.h"
#include "babel/util.h"
#include "babel/config.h"
#include "babel/extension.h"
#include "gem/esp.h"
#include "gem/esp_sa.h"

/* tests/unit/esp_kat.py's output. */
static const char *kat_inner = "4500002100004000401100000a0100020a0200020fa01388000d000068656c6c6f";
static const char *kat_packet =
    "1234567800000002000000010000000215e488cca5900f9984ceaf58eb6ac8673a6b75fb0cd98bcc49f3"
    "dfd3fd865aabe11c27d1ff6bc8c031e2e21bfb9df2e24cc0c3b2";
#define KAT_SPI 0x12345678u
#define KAT_SEQ 0x0000000100000002ull

static void kat_keymat(uint8_t km[ESP_KEYMAT_LEN])
{
    for (int i = 0; i < ESP_KEY_LEN; i++)
        km[i] = (uint8_t)i;
    memcpy(km + ESP_KEY_LEN, "\xca\xfe\xba\xbe", 4);
}

static void sa_pair(struct esp_sa *out, struct esp_sa *in, uint32_t spi, uint64_t mask)
{
    uint8_t km[ESP_KEYMAT_LEN];
    kat_keymat(km);
    ck_assert_int_eq(esp_sa_init(out, true, spi, km, mask), 0);
    ck_assert_int_eq(esp_sa_init(in, false, spi, km, 0), 0);
}

START_TEST(known_answer_seal)
{
    uint8_t inner[64], want[128], got[128];
    size_t ilen, wlen;
    unit_unhex(kat_inner, inner, &ilen);
    unit_unhex(kat_packet, want, &wlen);
    struct esp_sa out, in;
    sa_pair(&out, &in, KAT_SPI, 0);
    out.seq = KAT_SEQ - 1;
    long n = esp_seal(&out, ESP_NH_IPV4, inner, ilen, got, sizeof(got));
    ck_assert_int_eq(n, (long)wlen);
    ck_assert_msg(memcmp(got, want, wlen) == 0, "sealed packet differs from the known answer");
    ck_assert_uint_eq(out.seq, KAT_SEQ);
    ck_assert_uint_eq(out.n.packets, 1);
    ck_assert_uint_eq(out.n.bytes, ilen);
    esp_sa_clear(&out);
    esp_sa_clear(&in);
}
END_TEST

START_TEST(known_answer_open)
{
    uint8_t inner[64], pkt[128], got[128];
    size_t ilen, plen, glen = 0;
    unit_unhex(kat_inner, inner, &ilen);
    unit_unhex(kat_packet, pkt, &plen);
    struct esp_sa out, in;
    sa_pair(&out, &in, KAT_SPI, 0);
    /* A receiver whose window is at 0x1_00000000 - 5: the low half 2 must
     * be taken as 0x1_00000002 (Appendix A, case A). */
    esp_replay_accept(&in.replay, 0xfffffffbull);
    uint8_t nh = 0;
    ck_assert_uint_eq(esp_packet_spi(pkt), KAT_SPI);
    ck_assert_int_eq(esp_open(&in, pkt, plen, got, sizeof(got), &glen, &nh), ESP_OK);
    ck_assert_uint_eq(glen, ilen);
    ck_assert(memcmp(got, inner, ilen) == 0);
    ck_assert_uint_eq(nh, ESP_NH_IPV4);
    ck_assert_uint_eq(in.replay.top, KAT_SEQ);
    ck_assert_uint_eq(in.n.packets, 1);
    /* The same packet again is a replay. */
    ck_assert_int_eq(esp_open(&in, pkt, plen, got, sizeof(got), &glen, &nh), ESP_REPLAYED);
    ck_assert_uint_eq(in.n.replay_drops, 1);
    esp_sa_clear(&out);
    esp_sa_clear(&in);
}
END_TEST

/* OpenSSL, with a context of its own, decrypts and authenticates what we
 * seal: nonce salt||IV, AAD SPI||ESN, and the trailer where RFC 4303 puts
 * it. */
START_TEST(openssl_decrypts_ours)
{
    const struct crypto_lib *c = crypto_lib();
    ck_assert_ptr_nonnull(c);
    struct esp_sa out, in;
    uint64_t mask = 0x0123456789abcdefull;
    sa_pair(&out, &in, 0x1000, mask);
    /* A receiver knows the high half only from where its window is. */
    out.seq = 0x00000004fffffffeull;
    esp_replay_accept(&in.replay, out.seq - 100);
    uint8_t km[ESP_KEYMAT_LEN];
    kat_keymat(km);
    for (size_t len = 1; len <= 1400; len += 1399 / 7) {
        uint8_t inner[1500], pkt[1600], plain[1600], tag[16];
        for (size_t i = 0; i < len; i++)
            inner[i] = (uint8_t)(i * 7 + len);
        long n = esp_seal(&out, ESP_NH_IPV6, inner, len, pkt, sizeof(pkt));
        ck_assert_int_gt(n, 0);
        ck_assert_int_eq(n % 4, 0);
        uint64_t seq = out.seq;
        ck_assert_uint_eq(esp_packet_spi(pkt), 0x1000);
        /* Low half of the sequence number in the header, IV = seq ^ mask. */
        uint8_t want_hdr[16];
        for (int i = 0; i < 4; i++)
            want_hdr[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
        for (int i = 0; i < 8; i++)
            want_hdr[8 + i] = (uint8_t)((seq ^ mask) >> (56 - 8 * i));
        ck_assert(memcmp(pkt + 4, want_hdr + 4, 12) == 0);
        uint8_t nonce[12], aad[12];
        memcpy(nonce, km + 32, 4);
        memcpy(nonce + 4, pkt + 8, 8);
        memcpy(aad, pkt, 4);
        for (int i = 0; i < 8; i++)
            aad[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
        size_t ctlen = (size_t)n - 16 - 16;
        memcpy(tag, pkt + n - 16, 16);
        EVP_CIPHER *gcm = c->EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
        EVP_CIPHER_CTX *ctx = c->EVP_CIPHER_CTX_new();
        int a, b, f;
        ck_assert_int_eq(c->EVP_DecryptInit_ex(ctx, gcm, NULL, km, nonce), 1);
        ck_assert_int_eq(c->EVP_DecryptUpdate(ctx, NULL, &a, aad, 12), 1);
        ck_assert_int_eq(c->EVP_DecryptUpdate(ctx, plain, &b, pkt + 16, (int)ctlen), 1);
        ck_assert_int_eq(c->EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag), 1);
        ck_assert_int_eq(c->EVP_DecryptFinal_ex(ctx, plain + b, &f), 1);
        c->EVP_CIPHER_CTX_free(ctx);
        c->EVP_CIPHER_free(gcm);
        ck_assert(memcmp(plain, inner, len) == 0);
        uint8_t padlen = plain[ctlen - 2];
        ck_assert_uint_eq(len + padlen + 2, ctlen);
        for (unsigned i = 0; i < padlen; i++)
            ck_assert_uint_eq(plain[len + i], i + 1);
        ck_assert_uint_eq(plain[ctlen - 1], ESP_NH_IPV6);
        /* And our receiver agrees. */
        size_t glen;
        uint8_t nh;
        ck_assert_int_eq(esp_open(&in, pkt, (size_t)n, plain, sizeof(plain), &glen, &nh), ESP_OK);
        ck_assert_uint_eq(glen, len);
        ck_assert(memcmp(plain, inner, len) == 0);
    }
    esp_sa_clear(&out);
    esp_sa_clear(&in);
}
END_TEST

static bool check(struct esp_replay *r, uint32_t low, uint64_t *seq)
{
    return esp_replay_check(r, low, seq);
}

START_TEST(replay_window_edges)
{
    struct esp_replay r;
    memset(&r, 0, sizeof(r));
    uint64_t s;
    const uint64_t W = ESP_REPLAY_WINDOW;
    ck_assert_int_ge(W, 1024);
    ck_assert(!check(&r, 0, &s)); /* 0 is never sent */
    ck_assert(check(&r, 1, &s) && s == 1);
    esp_replay_accept(&r, 1);
    ck_assert(!check(&r, 1, &s));
    /* Out of order within the window. */
    esp_replay_accept(&r, 100);
    for (uint32_t i = 2; i < 100; i++)
        ck_assert(check(&r, i, &s) && s == i);
    esp_replay_accept(&r, 50);
    ck_assert(!check(&r, 50, &s));
    ck_assert(check(&r, 51, &s));
    /* The window's bottom edge: top - W + 1 is in, top - W is out. */
    esp_replay_accept(&r, 10000);
    ck_assert(check(&r, (uint32_t)(10000 - W + 1), &s) && s == 10000 - W + 1);
    /* Below the bottom, RFC 4303 Appendix A reads the low half as the next
     * 2^32 subspace: a replay that old then fails the ICV instead. */
    ck_assert(check(&r, (uint32_t)(10000 - W), &s) && s == (1ull << 32) + 10000 - W);
    esp_replay_accept(&r, 10000 - W + 1);
    ck_assert(!check(&r, (uint32_t)(10000 - W + 1), &s));
    /* Bits of numbers that slid out are cleared when the window moves:
     * 10000 - W + 1 seen, then a jump of W - 1 keeps it... */
    esp_replay_accept(&r, 10000 + W - 1);
    ck_assert(!check(&r, 10000, &s));
    ck_assert(check(&r, 10001, &s));
    /* ...and a jump of more than W forgets everything below. */
    esp_replay_accept(&r, 10000 + 3 * W);
    ck_assert(check(&r, 10000 + 2 * W, &s) && s == (1ull << 32) + 10000 + 2 * W);
    ck_assert(check(&r, (uint32_t)(10000 + 2 * W + 1), &s));
    ck_assert(!check(&r, (uint32_t)(10000 + 3 * W), &s));
}
END_TEST

START_TEST(replay_esn_wrap)
{
    struct esp_replay r;
    memset(&r, 0, sizeof(r));
    uint64_t s;
    const uint64_t W = ESP_REPLAY_WINDOW;
    /* Case A, near the top of subspace 0: small low halves are subspace 1. */
    esp_replay_accept(&r, 0xfffffff0ull);
    ck_assert(check(&r, 5, &s) && s == 0x100000005ull);
    ck_assert(check(&r, 0xfffffff8u, &s) && s == 0xfffffff8ull);
    ck_assert(!check(&r, 0xfffffff0u, &s));
    esp_replay_accept(&r, 0x100000005ull);
    ck_assert_uint_eq(r.top, 0x100000005ull);
    /* Case B, the window spans the boundary: high low halves are subspace 0. */
    ck_assert(check(&r, 0xfffffff8u, &s) && s == 0xfffffff8ull);
    ck_assert(!check(&r, 0xfffffff0u, &s)); /* seen before the wrap */
    ck_assert(!check(&r, 5, &s));
    ck_assert(check(&r, 4, &s) && s == 0x100000004ull);
    ck_assert(check(&r, 6, &s) && s == 0x100000006ull);
    /* Bottom of a spanning window: top 0x1_00000005 - W + 1 is in subspace 0. */
    uint64_t bottom = 0x100000005ull - W + 1;
    ck_assert(check(&r, (uint32_t)bottom, &s) && s == bottom);
    /* One below the bottom is taken as far ahead in subspace 1 (Appendix
     * A): the ICV then fails, since the sender never used that number. */
    ck_assert(check(&r, (uint32_t)(bottom - 1), &s) &&
              s == 0x100000000ull + (uint32_t)(bottom - 1));
    /* Fresh window: numbers near 2^32 are ahead in subspace 0, not behind. */
    struct esp_replay z;
    memset(&z, 0, sizeof(z));
    ck_assert(check(&z, 0xffffffffu, &s) && s == 0xffffffffull);
}
END_TEST

/* Sealed and opened across the 2^32 boundary, in order and out of order. */
START_TEST(esn_round_trip)
{
    struct esp_sa out, in;
    sa_pair(&out, &in, 0x2000, 0x55aa);
    out.seq = 0xfffffffcull;
    uint8_t pkts[8][128];
    long len[8];
    uint8_t inner[40] = {0x45};
    for (int i = 0; i < 8; i++) {
        len[i] = esp_seal(&out, ESP_NH_IPV4, inner, sizeof(inner), pkts[i], sizeof(pkts[i]));
        ck_assert_int_gt(len[i], 0);
    }
    ck_assert_uint_eq(out.seq, 0x100000004ull);
    static const int order[8] = {0, 5, 1, 7, 2, 3, 6, 4};
    uint8_t plain[128], nh;
    size_t glen;
    for (int k = 0; k < 8; k++) {
        int i = order[k];
        ck_assert_msg(esp_open(&in, pkts[i], (size_t)len[i], plain, sizeof(plain), &glen, &nh) ==
                          ESP_OK,
                      "packet %d refused", i);
    }
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(esp_open(&in, pkts[i], (size_t)len[i], plain, sizeof(plain), &glen, &nh),
                         ESP_REPLAYED);
    ck_assert_uint_eq(in.n.packets, 8);
    ck_assert_uint_eq(in.n.replay_drops, 8);
    esp_sa_clear(&out);
    esp_sa_clear(&in);
}
END_TEST

START_TEST(sequence_never_repeats)
{
    struct esp_sa out, in;
    sa_pair(&out, &in, 0x3000, 0);
    uint8_t inner[20] = {0x45}, pkt[128];
    out.seq = UINT64_MAX - 1;
    ck_assert_int_gt(esp_seal(&out, ESP_NH_IPV4, inner, sizeof(inner), pkt, sizeof(pkt)), 0);
    ck_assert_uint_eq(out.seq, UINT64_MAX);
    ck_assert(memcmp(pkt + 4, "\xff\xff\xff\xff", 4) == 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(esp_seal(&out, ESP_NH_IPV4, inner, sizeof(inner), pkt, sizeof(pkt)), -1);
    ck_assert_uint_eq(out.seq, UINT64_MAX);
    ck_assert_uint_eq(out.n.seq_exhausted, 3);
    ck_assert_uint_eq(out.n.packets, 1);
    /* No room for the overhead: refused, and no number used. */
    out.seq = 7;
    ck_assert_int_eq(esp_seal(&out, ESP_NH_IPV4, inner, sizeof(inner), pkt, sizeof(inner) + 20),
                     -1);
    ck_assert_uint_eq(out.seq, 7);
    esp_sa_clear(&out);
    esp_sa_clear(&in);
}
END_TEST

/* Every kind of bad packet is counted by reason, delivers nothing and
 * leaves the window where it was. */
START_TEST(bad_packets_dropped)
{
    struct esp_sa out, in;
    sa_pair(&out, &in, 0x4000, 0);
    uint8_t inner[100], pkt[256], bad[256], plain[256], nh;
    for (size_t i = 0; i < sizeof(inner); i++)
        inner[i] = (uint8_t)i;
    out.seq = 999;
    long n = esp_seal(&out, ESP_NH_IPV4, inner, sizeof(inner), pkt, sizeof(pkt));
    ck_assert_int_gt(n, 0);
    size_t glen;
    uint64_t auth = 0;
    /* Truncated: every length below the minimum. */
    for (size_t l = 0; l < ESP_MIN_LEN; l++)
        ck_assert_int_eq(esp_open(&in, pkt, l, plain, sizeof(plain), &glen, &nh), ESP_TRUNCATED);
    ck_assert_uint_eq(in.n.malformed, ESP_MIN_LEN);
    /* Cut short but long enough: the ICV no longer matches. */
    ck_assert_int_eq(esp_open(&in, pkt, (size_t)n - 1, plain, sizeof(plain), &glen, &nh),
                     ESP_AUTH_FAILED);
    auth++;
    /* One bit flipped anywhere: SPI (in the AAD), sequence, IV, ciphertext, ICV. */
    for (long at = 0; at < n; at++) {
        memcpy(bad, pkt, (size_t)n);
        bad[at] ^= 0x10;
        enum esp_verdict v = esp_open(&in, bad, (size_t)n, plain, sizeof(plain), &glen, &nh);
        ck_assert_msg(v == ESP_AUTH_FAILED, "bit flipped at %ld: verdict %d", at, v);
        auth++;
    }
    ck_assert_uint_eq(in.n.auth_failures, auth);
    ck_assert_uint_eq(in.replay.top, 0);
    ck_assert_uint_eq(in.n.packets, 0);
    /* Wrong key. */
    uint8_t km[ESP_KEYMAT_LEN];
    kat_keymat(km);
    km[3] ^= 1;
    struct esp_sa other;
    ck_assert_int_eq(esp_sa_init(&other, false, 0x4000, km, 0), 0);
    ck_assert_int_eq(esp_open(&other, pkt, (size_t)n, plain, sizeof(plain), &glen, &nh),
                     ESP_AUTH_FAILED);
    /* Wrong salt alone. */
    kat_keymat(km);
    km[35] ^= 1;
    esp_sa_clear(&other);
    ck_assert_int_eq(esp_sa_init(&other, false, 0x4000, km, 0), 0);
    ck_assert_int_eq(esp_open(&other, pkt, (size_t)n, plain, sizeof(plain), &glen, &nh),
                     ESP_AUTH_FAILED);
    ck_assert_uint_eq(other.n.auth_failures, 1);
    esp_sa_clear(&other);
    /* A forged packet far ahead must not move the window: the genuine one
     * is still accepted afterwards. */
    memcpy(bad, pkt, (size_t)n);
    memcpy(bad + 4, "\x7f\x00\x00\x00", 4);
    ck_assert_int_eq(esp_open(&in, bad, (size_t)n, plain, sizeof(plain), &glen, &nh),
                     ESP_AUTH_FAILED);
    ck_assert_int_eq(esp_open(&in, pkt, (size_t)n, plain, sizeof(plain), &glen, &nh), ESP_OK);
    ck_assert_uint_eq(glen, sizeof(inner));
    ck_assert(memcmp(plain, inner, glen) == 0);
    ck_assert_uint_eq(in.replay.top, 1000);
    /* Too big for the caller's buffer. */
    ck_assert_int_eq(esp_open(&in, pkt, (size_t)n, plain, 10, &glen, &nh), ESP_TOO_BIG);
    esp_sa_clear(&out);
    esp_sa_clear(&in);
}
END_TEST

/* A packet that authenticates but whose padding is not 1, 2, 3... (or
 * whose pad length overruns the payload) is refused: built here with
 * OpenSSL directly, as a sender with a bug would. */
static size_t forge_trailer(uint8_t *pkt, const uint8_t *plain, size_t plen, uint64_t seq)
{
    const struct crypto_lib *c = crypto_lib();
    uint8_t km[ESP_KEYMAT_LEN], nonce[12], aad[12];
    kat_keymat(km);
    memcpy(pkt, "\x00\x00\x50\x00", 4);
    for (int i = 0; i < 4; i++)
        pkt[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
    for (int i = 0; i < 8; i++)
        pkt[8 + i] = (uint8_t)(seq >> (56 - 8 * i));
    memcpy(nonce, km + 32, 4);
    memcpy(nonce + 4, pkt + 8, 8);
    memcpy(aad, pkt, 4);
    memcpy(aad + 4, pkt + 8, 8);
    EVP_CIPHER *gcm = c->EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    EVP_CIPHER_CTX *ctx = c->EVP_CIPHER_CTX_new();
    int a, b, f;
    ck_assert_int_eq(c->EVP_EncryptInit_ex(ctx, gcm, NULL, km, nonce), 1);
    ck_assert_int_eq(c->EVP_EncryptUpdate(ctx, NULL, &a, aad, 12), 1);
    ck_assert_int_eq(c->EVP_EncryptUpdate(ctx, pkt + 16, &b, plain, (int)plen), 1);
    ck_assert_int_eq(c->EVP_EncryptFinal_ex(ctx, pkt + 16 + b, &f), 1);
    ck_assert_int_eq(c->EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, pkt + 16 + plen), 1);
    c->EVP_CIPHER_CTX_free(ctx);
    c->EVP_CIPHER_free(gcm);
    return 16 + plen + 16;
}

START_TEST(bad_trailer_dropped)
{
    struct esp_sa out, in;
    sa_pair(&out, &in, 0x5000, 0);
    /* 11 octets of inner packet, 3 of padding, pad length 3, next header 4. */
    uint8_t plain[16] = {0x45, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2, 3, 3, 3, 4};
    uint8_t pkt[128], got[128], nh;
    size_t glen;
    size_t n = forge_trailer(pkt, plain, sizeof(plain), 1); /* padding 2 3 3 */
    ck_assert_int_eq(esp_open(&in, pkt, n, got, sizeof(got), &glen, &nh), ESP_BAD_TRAILER);
    memcpy(plain + 11, "\x01\x02\x04", 3);
    n = forge_trailer(pkt, plain, sizeof(plain), 2); /* padding 1 2 4 */
    ck_assert_int_eq(esp_open(&in, pkt, n, got, sizeof(got), &glen, &nh), ESP_BAD_TRAILER);
    memcpy(plain + 11, "\x01\x02\x03", 3);
    n = forge_trailer(pkt, plain, sizeof(plain), 3); /* padding 1 2 3: right */
    ck_assert_int_eq(esp_open(&in, pkt, n, got, sizeof(got), &glen, &nh), ESP_OK);
    ck_assert_uint_eq(glen, 11);
    ck_assert_uint_eq(nh, 4);
    /* Pad length larger than the payload. */
    plain[14] = 200;
    n = forge_trailer(pkt, plain, sizeof(plain), 4);
    ck_assert_int_eq(esp_open(&in, pkt, n, got, sizeof(got), &glen, &nh), ESP_BAD_TRAILER);
    ck_assert_uint_eq(in.n.malformed, 3);
    ck_assert_uint_eq(in.n.packets, 1);
    /* A refused trailer does not move the window: 4 can come again, right. */
    plain[14] = 3;
    n = forge_trailer(pkt, plain, sizeof(plain), 4);
    ck_assert_int_eq(esp_open(&in, pkt, n, got, sizeof(got), &glen, &nh), ESP_OK);
    esp_sa_clear(&out);
    esp_sa_clear(&in);
}
END_TEST

/* Random octets of every length, and mutations of a genuine packet: never
 * accepted, never read past their end (run under ASan), every one counted. */
START_TEST(random_packets)
{
    struct esp_sa out, in;
    sa_pair(&out, &in, 0x6000, 0);
    uint8_t inner[200] = {0x45}, pkt[300], bad[300], plain[300], nh;
    long n = esp_seal(&out, ESP_NH_IPV4, inner, sizeof(inner), pkt, sizeof(pkt));
    ck_assert_int_gt(n, 0);
    srandom(4303);
    size_t glen;
    uint64_t tried = 0;
    for (int i = 0; i < 20000; i++) {
        size_t len;
        if (i % 2) {
            len = (size_t)(random() % (long)sizeof(bad));
            for (size_t j = 0; j < len; j++)
                bad[j] = (uint8_t)random();
            if (len >= 4)
                memcpy(bad, pkt, 4); /* our SPI, so the SA is the one to judge it */
        } else {
            len = (size_t)n;
            memcpy(bad, pkt, len);
            for (int k = 1 + (int)(random() % 4); k > 0; k--)
                bad[random() % n] ^= (uint8_t)(1 + random() % 255);
            if (random() % 3 == 0)
                len = (size_t)(random() % n);
        }
        enum esp_verdict v = esp_open(&in, bad, len, plain, sizeof(plain), &glen, &nh);
        ck_assert_msg(v != ESP_OK || (len == (size_t)n && memcmp(bad, pkt, len) == 0),
                      "a forged packet of %zu octets was accepted", len);
        tried++;
    }
    ck_assert_uint_eq(in.n.packets, 0);
    ck_assert_uint_eq(in.n.replay_drops + in.n.auth_failures + in.n.malformed, tried);
    /* The genuine one still gets through. */
    ck_assert_int_eq(esp_open(&in, pkt, (size_t)n, plain, sizeof(plain), &glen, &nh), ESP_OK);
    esp_sa_clear(&out);
    esp_sa_clear(&in);
}
END_TEST

/* ---- gem-peer and esp-sa lines, records ---- */

static struct babel_config cfg;
static char dumped[8192];

static void setup_config(void)
{
    static bool registered;
    if (!registered) {
        esp_register();
        registered = true;
    }
    config_init(&cfg);
}

static int line(const char *l, char *err, size_t errlen)
{
    return config_parse_line(&cfg, l, "esp.conf", 7, NULL, err, errlen);
}

static void ok_line(const char *l)
{
    char err[256] = "";
    ck_assert_msg(line(l, err, sizeof(err)) == 0, "refused: %s: %s", l, err);
}

static void bad_line(const char *l, const char *reason)
{
    char err[256] = "";
    ck_assert_msg(line(l, err, sizeof(err)) < 0, "accepted: %s", l);
    ck_assert_msg(strstr(err, "esp.conf:7: ") == err, "no file and line: %s", err);
    ck_assert_msg(strstr(err, reason), "'%s' lacks '%s'", err, reason);
}

static void emit(const char *l, void *out) { strncat(out, l, sizeof(dumped) - strlen(out) - 1); }
static const char *records(void)
{
    dumped[0] = 0;
    ext_dump(emit, dumped);
    return dumped;
}

#define KEY_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fcafebabe"
#define KEY_B "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fcafebabe"

START_TEST(config_refused)
{
    ck_assert_str_eq(records(), ""); /* nothing configured: babeld's dump */
    bad_line("gem-peer", "expected a NAME");
    bad_line("gem-peer b local 10.0.0.1", "missing 'address ADDR'");
    bad_line("gem-peer b address 10.0.0.2", "missing 'local ADDR'");
    bad_line("gem-peer b address 224.0.0.1 local 10.0.0.1",
             "address '224.0.0.1' is not an IPv4 unicast");
    bad_line("gem-peer b address 10.0.0.2 local 10.0.0.1 encap gre", "encap 'gre'");
    bad_line("gem-peer b address 10.0.0.2 local 10.0.0.1 mtu 100", "mtu '100'");
    bad_line("gem-peer b address 10.0.0.2 local 10.0.0.1 tun a/b", "tun 'a/b'");
    bad_line("gem-peer b address 10.0.0.2 local 10.0.0.1 color red", "unknown keyword 'color'");
    bad_line("gem-peer b address 10.0.0.2 local 10.0.0.1 keepalive 3601", "keepalive '3601'");
    bad_line("esp-sa peer b dir in spi 300 key " KEY_A, "no gem-peer named 'b'");
    ck_assert_str_eq(records(), "");
    ok_line("gem-peer b address 10.0.0.2 local 10.0.0.1");
    bad_line("esp-sa peer b dir in spi 300", "missing 'key HEX'");
    bad_line("esp-sa peer b dir sideways spi 300 key " KEY_A, "dir 'sideways'");
    bad_line("esp-sa peer b dir in spi 255 key " KEY_A, "spi '255'");
    bad_line("esp-sa peer b dir in spi 4294967296 key " KEY_A, "spi '4294967296'");
    bad_line("esp-sa peer b dir in spi 300 key 0011", "key must be 72 hex digits");
    /* 32 octets: the salt is missing. */
    bad_line("esp-sa peer b dir in spi 300 key "
             "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
             "key must be 72 hex digits");
    bad_line("esp-sa peer b dir in spi 300 key " KEY_A "00", "key must be 72 hex digits");
    bad_line("esp-sa peer b dir in spi 300 key "
             "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fcafebabe",
             "key must be 72 hex digits");
    ck_assert_ptr_null(strstr(records(), "esp-sa"));
}
END_TEST

START_TEST(config_records)
{
    ok_line("gem-peer b address 10.0.0.2 local 10.0.0.1");
    ok_line("gem-peer c address 10.0.0.3 local 10.0.0.1 encap udp mtu 1300");
    ok_line("esp-sa peer b dir out spi 300 key " KEY_A);
    ok_line("esp-sa peer b dir in spi 301 key 0x" KEY_B);
    /* An inbound SPI is one SA's only. */
    bad_line("esp-sa peer c dir in spi 301 key " KEY_A, "spi 301 is gem-peer b's inbound SA");
    /* Default devices: the first free ipsecN; a clash is refused. */
    bad_line("gem-peer d address 10.0.0.4 local 10.0.0.1 tun ipsec1", "tun ipsec1 is gem-peer c's");
    const char *want =
        "add gem-peer b address 10.0.0.2 local 10.0.0.1 encap esp tun ipsec0 mtu 1400 no-sa 0\n"
        "add esp-sa peer b dir in spi 301 packets 0 bytes 0 replay-drops 0 auth-failures 0 "
        "malformed 0 errors 0 seq 0\n"
        "add esp-sa peer b dir out spi 300 packets 0 bytes 0 replay-drops 0 auth-failures 0 "
        "malformed 0 errors 0 seq 0\n"
        "add gem-peer c address 10.0.0.3 local 10.0.0.1 encap udp tun ipsec1 mtu 1300 port 4500 "
        "keepalive 20 no-sa 0\n"
        "add esp-input unknown-spi 0 truncated 0 non-esp 0 keepalives 0\n";
    ck_assert_str_eq(records(), want);
    ck_assert_ptr_null(strstr(records(), "cafebabe"));
    ck_assert_ptr_null(strstr(records(), "0102030405"));

    /* Sealing through the peer uses its outbound SA... */
    struct esp_peer *b = esp_peer_find("b");
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(esp_peer_name(b), "b");
    ck_assert_ptr_null(esp_peer_find("x"));
    uint8_t inner[60] = {0x45}, pkt[128];
    ck_assert_int_gt(esp_seal_for(b, inner, sizeof(inner), pkt, sizeof(pkt)), 0);
    ck_assert_int_gt(esp_seal_for(b, inner, sizeof(inner), pkt, sizeof(pkt)), 0);
    inner[0] = 0x00; /* neither IPv4 nor IPv6 */
    ck_assert_int_eq(esp_seal_for(b, inner, sizeof(inner), pkt, sizeof(pkt)), -1);
    ck_assert_ptr_nonnull(strstr(records(), "dir out spi 300 packets 2 bytes 120 "));
    /* ...the same line again changes nothing; the same key under a new SPI
     * goes on with the sequence (a restart would repeat GCM nonces)... */
    ok_line("esp-sa peer b dir out spi 300 key " KEY_A);
    ck_assert_ptr_nonnull(strstr(records(), "dir out spi 300 packets 2 bytes 120 "));
    ok_line("esp-sa peer b dir out spi 302 key " KEY_A);
    ck_assert_ptr_nonnull(strstr(records(), "dir out spi 302 packets 0 bytes 0 replay-drops 0 "
                                            "auth-failures 0 malformed 0 errors 0 seq 2\n"));
    /* ...and a new key starts from 1. */
    ok_line("esp-sa peer b dir out spi 302 key " KEY_B);
    ck_assert_ptr_nonnull(strstr(records(), "dir out spi 302 packets 0 bytes 0 replay-drops 0 "
                                            "auth-failures 0 malformed 0 errors 0 seq 0\n"));
    /* The packet sealed under the SA carries its SPI. */
    inner[0] = 0x45;
    ck_assert_int_gt(esp_seal_for(b, inner, sizeof(inner), pkt, sizeof(pkt)), 0);
    ck_assert_uint_eq(esp_packet_spi(pkt), 302);

    /* A peer given again keeps its SAs and device. */
    ok_line("gem-peer b address 10.0.0.9 local 10.0.0.1");
    ck_assert_ptr_nonnull(
        strstr(records(), "add gem-peer b address 10.0.0.9 local 10.0.0.1 encap esp tun ipsec0 "));
    ck_assert_ptr_nonnull(strstr(records(), "dir out spi 302 "));

    /* Flushes. */
    char *w1[] = {"esp-sa", "peer", "b", "dir", "in"};
    char *w2[] = {"gem-peer", "c"};
    char *w3[] = {"gem-peer", "zz"};
    char err[128];
    ck_assert_int_eq(ext_dispatch_flush(w1, 5, err, sizeof(err)), 0);
    ck_assert_ptr_null(strstr(records(), "dir in spi 301"));
    ck_assert_int_eq(ext_dispatch_flush(w1, 5, err, sizeof(err)), -1);
    ck_assert_int_eq(ext_dispatch_flush(w2, 2, err, sizeof(err)), 0);
    ck_assert_int_eq(ext_dispatch_flush(w3, 2, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "no gem-peer named 'zz'");
    ck_assert_ptr_null(strstr(records(), "gem-peer c "));
    /* ipsec1 is free again. */
    ok_line("gem-peer d address 10.0.0.4 local 10.0.0.1");
    ck_assert_ptr_nonnull(
        strstr(records(), "add gem-peer d address 10.0.0.4 local 10.0.0.1 encap esp tun ipsec1 "));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("esp");
    TCase *tc = tcase_create("codec");
    tcase_add_test(tc, known_answer_seal);
    tcase_add_test(tc, known_answer_open);
    tcase_add_test(tc, openssl_decrypts_ours);
    tcase_add_test(tc, replay_window_edges);
    tcase_add_test(tc, replay_esn_wrap);
    tcase_add_test(tc, esn_round_trip);
    tcase_add_test(tc, sequence_never_repeats);
    tcase_add_test(tc, bad_packets_dropped);
    tcase_add_test(tc, bad_trailer_dropped);
    tcase_add_test(tc, random_packets);
    suite_add_tcase(s, tc);
    TCase *tcc = tcase_create("config");
    tcase_add_checked_fixture(tcc, setup_config, NULL);
    tcase_add_test(tcc, config_refused);
    tcase_add_test(tcc, config_records);
    suite_add_tcase(s, tcc);
    return unit_run(s);
}
