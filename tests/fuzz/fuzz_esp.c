/* libFuzzer harness for gem/esp_sa.c: one inbound SA with a fixed key fed a
 * sequence of packets, each either arbitrary bytes or sealed by the
 * matching outbound SA at a chosen sequence number and then possibly
 * altered.  Invariants:
 *   - the replay window moves only on ESP_OK (any other verdict leaves it
 *     byte for byte as it was);
 *   - nothing but ESP_OK sets the inner length or next header;
 *   - an arbitrary packet that opens is exactly what esp_seal makes of its
 *     inner packet at that sequence number (nothing forged is delivered);
 *   - a sealed packet, untouched and new to the window, opens to what was
 *     sealed; touched in any byte it never opens;
 *   - after ESP_OK the window's top is the larger of the old top and the
 *     packet's number, whose bit is then set, and the same packet again is
 *     ESP_REPLAYED.
 * Input: records of [op][len][len bytes]; op bit 0: 0 arbitrary packet,
 * 1 sealed: 8 bytes sequence number, 2 position, 1 XOR mask, 1 next header,
 * then the inner packet. */
#include <string.h>

#include "gem/esp_sa.h"
#include "tests/fuzz/fuzz_common.h"

#define IV_MASK 0x0123456789abcdefull
#define SPI 0x00001001u

static struct esp_sa in, out;
static bool ready;
static uint8_t pkt[512], inner[512], resealed[512 + ESP_OVERHEAD_MAX];

static void setup(void)
{
    uint8_t keymat[ESP_KEYMAT_LEN];
    for (int i = 0; i < ESP_KEYMAT_LEN; i++)
        keymat[i] = (uint8_t)(0x40 + i);
    CHECK(esp_sa_init(&in, false, SPI, keymat, 0) == 0);
    CHECK(esp_sa_init(&out, true, SPI, keymat, IV_MASK) == 0);
    ready = true;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static bool bit(const struct esp_replay *r, uint64_t s)
{
    uint64_t i = s % ESP_REPLAY_WINDOW;
    return r->bits[i / 64] >> (i % 64) & 1;
}

/* Opens one packet, checking what holds whatever it is; the verdict. */
static enum esp_verdict open_one(const uint8_t *p, size_t len, bool *had_seq, uint64_t *seq)
{
    struct esp_replay before = in.replay;
    *had_seq = len >= 8 && esp_replay_check(&before, (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
                                                         (uint32_t)p[6] << 8 | p[7], seq);
    size_t inner_len = (size_t)-1;
    uint8_t nh = 0xee;
    enum esp_verdict v = esp_open(&in, p, len, inner, sizeof(inner), &inner_len, &nh);
    if (v != ESP_OK) {
        CHECK(memcmp(&before, &in.replay, sizeof(before)) == 0);
        CHECK(inner_len == (size_t)-1 && nh == 0xee);
        return v;
    }
    CHECK(*had_seq);
    CHECK(inner_len <= len - ESP_MIN_LEN);
    CHECK(in.replay.top == (*seq > before.top ? *seq : before.top) && bit(&in.replay, *seq));
    /* What was delivered is what the sender seals at that number. */
    out.seq = *seq - 1;
    long n = esp_seal(&out, nh, inner, inner_len, resealed, sizeof(resealed));
    CHECK(n == (long)len && memcmp(resealed, p, len) == 0);
    /* And it is now a replay. */
    struct esp_replay after = in.replay;
    size_t l2 = (size_t)-1;
    CHECK(esp_open(&in, p, len, inner, sizeof(inner), &l2, &nh) == ESP_REPLAYED && l2 == (size_t)-1);
    CHECK(memcmp(&after, &in.replay, sizeof(after)) == 0);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready)
        setup();
    memset(&in.replay, 0, sizeof(in.replay));
    size_t off = 0;
    while (off + 2 <= size) {
        uint8_t op = data[off];
        size_t len = data[off + 1];
        off += 2;
        if (len > size - off)
            len = size - off;
        const uint8_t *rec = data + off;
        off += len;
        bool had;
        uint64_t seq;
        if (!(op & 1)) {
            open_one(rec, len, &had, &seq);
            continue;
        }
        if (len < 12)
            continue;
        uint64_t s = get64(rec);
        size_t pos = (size_t)(rec[8] << 8 | rec[9]);
        uint8_t mask = rec[10], nh = rec[11];
        if (s == 0)
            continue; /* never sent */
        out.seq = s - 1;
        long n = esp_seal(&out, nh, rec + 12, len - 12, pkt, sizeof(pkt));
        CHECK(n == (long)(ESP_HDR_LEN + ESP_IV_LEN + (len - 12) + ((4 - (len - 12 + 2) % 4) % 4) + 2 +
                          ESP_ICV_LEN));
        pkt[pos % (size_t)n] ^= mask;
        struct esp_replay before = in.replay;
        enum esp_verdict v = open_one(pkt, (size_t)n, &had, &seq);
        if (mask != 0) {
            CHECK(v != ESP_OK);
            continue;
        }
        /* Untouched: new to the window (with the high bits it infers)
         * means delivered, with what was sealed. */
        if (had && seq == s) {
            CHECK(v == ESP_OK);
            (void)before;
        } else {
            CHECK(v == ESP_REPLAYED || (had && seq != s && v == ESP_AUTH_FAILED));
        }
    }
    return 0;
}
