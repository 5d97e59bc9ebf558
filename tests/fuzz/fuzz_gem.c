/* libFuzzer harness for gem/gem_codec.c and gem/gem_crypto.c: the GEM
 * packet parser and the open path of gem/gem_receive.c (parse, MAC with the
 * GAK, GCM decryption with the SEK) with one fixed key pair.
 *
 * Input: byte 0 picks the mode.
 *   even: the rest is a received packet.  If it parses, verifies and
 *         decrypts, it must be exactly what gem_seal makes of that header
 *         and plaintext: nothing unverified comes out as plaintext.
 *   odd:  bytes 1..28 are a header, 29..30 a position, 31 a XOR mask, the
 *         rest a plaintext.  It is sealed, the byte at the position (mod
 *         the packet's length) XORed with the mask, and opened: untouched
 *         it must open to the same header and plaintext; touched it must
 *         not verify (every byte is covered by the MAC). */
#include <string.h>

#include "gem/gem_codec.h"
#include "gem/gem_crypto.h"
#include "tests/fuzz/fuzz_common.h"

#define MAX_PT 4096

static struct gem_crypto *crypto;
static uint8_t pkt[MAX_PT + GEM_OVERHEAD], again[MAX_PT + GEM_OVERHEAD], pt[MAX_PT];

static void setup(void)
{
    uint8_t sek[GEM_SEK_LEN], gak[GEM_GAK_LEN];
    for (int i = 0; i < 32; i++) {
        sek[i] = (uint8_t)i;
        gak[i] = (uint8_t)(0x20 + i);
    }
    crypto = gem_crypto_new(sek, gak);
    CHECK(crypto != NULL);
}

/* The receive path's order: parse, MAC, then decrypt.  True when the
 * plaintext in pt may be used. */
static bool open_packet(const uint8_t *buf, size_t len, struct gem_header *h, struct gem_view *v)
{
    enum gem_parse_result r = gem_parse(buf, len, h, v);
    if (r != GEM_PARSE_OK) {
        CHECK(r == GEM_PARSE_TRUNCATED || r == GEM_PARSE_BAD_VERSION);
        return false;
    }
    CHECK(len >= GEM_OVERHEAD && v->header == buf && v->ct == buf + GEM_HEADER_LEN);
    CHECK(v->ct_len == len - GEM_OVERHEAD && v->mac + GEM_MAC_LEN == buf + len);
    CHECK(v->tag == v->ct + v->ct_len && v->mac == v->tag + GEM_TAG_LEN);
    if (v->ct_len > MAX_PT)
        return false;
    if (!gem_verify(crypto, v))
        return false;
    return gem_decrypt(crypto, h, v, pt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!crypto)
        setup();
    if (size < 1)
        return 0;
    struct gem_header h, h2;
    struct gem_view v;
    if (!(data[0] & 1)) {
        const uint8_t *buf = data + 1;
        size_t len = size - 1;
        if (!open_packet(buf, len, &h, &v))
            return 0;
        size_t n = gem_seal(crypto, &h, pt, v.ct_len, again);
        CHECK(n == len && memcmp(again, buf, len) == 0);
        return 0;
    }
    if (size < 1 + GEM_HEADER_LEN + 3)
        return 0;
    size_t ptlen = size - 1 - GEM_HEADER_LEN - 3;
    if (ptlen > MAX_PT)
        return 0;
    /* The header as the parser reads it (version forced to GEM_VERSION), so the
     * sealed packet parses. */
    memcpy(pkt, data + 1, GEM_HEADER_LEN);
    pkt[0] = GEM_VERSION;
    CHECK(gem_parse(pkt, GEM_OVERHEAD, &h, &v) == GEM_PARSE_OK);
    const uint8_t *plain = data + 1 + GEM_HEADER_LEN + 3;
    size_t n = gem_seal(crypto, &h, plain, ptlen, pkt);
    CHECK(n == ptlen + GEM_OVERHEAD);
    size_t pos = (size_t)(data[1 + GEM_HEADER_LEN] << 8 | data[2 + GEM_HEADER_LEN]) % n;
    uint8_t mask = data[3 + GEM_HEADER_LEN];
    pkt[pos] ^= mask;
    bool opened = open_packet(pkt, n, &h2, &v);
    if (mask == 0) {
        CHECK(opened && v.ct_len == ptlen && memcmp(pt, plain, ptlen) == 0);
        CHECK(h2.key_id == h.key_id && h2.seq == h.seq && h2.sender == h.sender &&
              h2.source == h.source && h2.group == h.group && h2.sport == h.sport &&
              h2.dport == h.dport && h2.flags == h.flags);
    } else {
        CHECK(!opened);
    }
    return 0;
}
