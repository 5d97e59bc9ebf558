/* ESP packet codec and anti-replay window; see esp_sa.h for the layout. */
#include "gem/esp_sa.h"

#include <string.h>

#include "babel/byteorder.h"
#include "babel/crypto_lib.h"
#include "gem/gem_ctr.h"

uint32_t esp_packet_spi(const uint8_t *pkt) { return get32(pkt); }

/* ---- Anti-replay window (RFC 4303 section 3.4.3, Appendix A) ---- */

static bool bit_get(const struct esp_replay *r, uint64_t seq)
{
    uint64_t i = seq % ESP_REPLAY_WINDOW;
    return r->bits[i / 64] >> (i % 64) & 1;
}

static void bit_put(struct esp_replay *r, uint64_t seq, bool v)
{
    uint64_t i = seq % ESP_REPLAY_WINDOW;
    if (v)
        r->bits[i / 64] |= (uint64_t)1 << (i % 64);
    else
        r->bits[i / 64] &= ~((uint64_t)1 << (i % 64));
}

bool esp_replay_check(const struct esp_replay *r, uint32_t seq_low, uint64_t *seq)
{
    const uint32_t w = ESP_REPLAY_WINDOW;
    uint32_t th = (uint32_t)(r->top >> 32), tl = (uint32_t)r->top;
    uint32_t bottom_low = tl - w + 1; /* mod 2^32 */
    uint32_t sh;
    if (tl >= w - 1) {
        /* Case A: the window lies within one 2^32 subspace; a number below
         * its bottom can only belong to the next subspace. */
        sh = seq_low >= bottom_low ? th : th + 1;
    } else {
        /* Case B: the window spans the end of the previous subspace.  At
         * th 0 there is no previous subspace: such numbers are ahead. */
        sh = seq_low >= bottom_low && th > 0 ? th - 1 : th;
    }
    uint64_t s = (uint64_t)sh << 32 | seq_low;
    if (s == 0)
        return false; /* never sent: the first number is 1 */
    if (s > r->top) {
        *seq = s;
        return true;
    }
    if (r->top - s >= w || bit_get(r, s))
        return false;
    *seq = s;
    return true;
}

void esp_replay_accept(struct esp_replay *r, uint64_t seq)
{
    if (seq > r->top) {
        uint64_t d = seq - r->top;
        if (d >= ESP_REPLAY_WINDOW)
            memset(r->bits, 0, sizeof(r->bits));
        else
            for (uint64_t s = r->top + 1; s != seq; s++)
                bit_put(r, s, false);
        GEM_CTR_SET(r->top, seq);
    }
    bit_put(r, seq, true);
}

/* ---- Keys ---- */

/* Fetched once for the life of the process. */
static EVP_CIPHER *gcm_cipher(const struct crypto_lib *c)
{
    static EVP_CIPHER *gcm;
    if (!gcm)
        gcm = c->EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    return gcm;
}

int esp_sa_init(struct esp_sa *sa, bool outbound, uint32_t spi,
                const uint8_t keymat[ESP_KEYMAT_LEN], uint64_t iv_mask)
{
    memset(sa, 0, sizeof(*sa));
    const struct crypto_lib *c = crypto_lib();
    if (!c)
        return -1;
    EVP_CIPHER *gcm = gcm_cipher(c);
    if (!gcm)
        return -1;
    EVP_CIPHER_CTX *ctx = c->EVP_CIPHER_CTX_new();
    if (!ctx)
        return -1;
    int ok = outbound ? c->EVP_EncryptInit_ex(ctx, gcm, NULL, keymat, NULL)
                      : c->EVP_DecryptInit_ex(ctx, gcm, NULL, keymat, NULL);
    if (ok != 1) {
        c->EVP_CIPHER_CTX_free(ctx);
        return -1;
    }
    sa->ctx = ctx;
    sa->spi = spi;
    sa->outbound = outbound;
    sa->iv_mask = iv_mask;
    memcpy(sa->salt, keymat + ESP_KEY_LEN, ESP_SALT_LEN);
    memcpy(sa->key_check, keymat, ESP_KEYMAT_LEN);
    return 0;
}

void esp_sa_clear(struct esp_sa *sa)
{
    const struct crypto_lib *c = crypto_lib();
    if (sa->ctx && c)
        c->EVP_CIPHER_CTX_free(sa->ctx); /* OpenSSL wipes the key schedule */
    explicit_bzero(sa, sizeof(*sa));
}

/* ---- Packets ---- */

static void make_nonce(const struct esp_sa *sa, const uint8_t iv[ESP_IV_LEN], uint8_t nonce[12])
{
    memcpy(nonce, sa->salt, ESP_SALT_LEN);
    memcpy(nonce + ESP_SALT_LEN, iv, ESP_IV_LEN);
}

static void make_aad(uint32_t spi, uint64_t seq, uint8_t aad[12])
{
    put32(aad, spi);
    put64(aad + 4, seq);
}

long esp_seal(struct esp_sa *sa, uint8_t next_header, const uint8_t *inner, size_t len,
              uint8_t *out, size_t cap)
{
    const struct crypto_lib *c = crypto_lib();
    if (!c || !sa->ctx || !sa->outbound || len > 0xffff || cap < len + ESP_OVERHEAD_MAX)
        return -1;
    if (sa->seq == UINT64_MAX) {
        /* RFC 4303 section 3.3.3: the counter must not cycle. */
        GEM_CTR_INC(sa->n.seq_exhausted);
        return -1;
    }
    uint64_t seq = sa->seq + 1;
    size_t padlen = (4 - (len + 2) % 4) % 4;
    uint8_t trailer[3 + 2];
    for (size_t i = 0; i < padlen; i++)
        trailer[i] = (uint8_t)(i + 1);
    trailer[padlen] = (uint8_t)padlen;
    trailer[padlen + 1] = next_header;
    size_t tlen = padlen + 2;

    put32(out, sa->spi);
    put32(out + 4, (uint32_t)seq);
    put64(out + ESP_HDR_LEN, seq ^ sa->iv_mask);
    uint8_t nonce[12], aad[12];
    make_nonce(sa, out + ESP_HDR_LEN, nonce);
    make_aad(sa->spi, seq, aad);

    EVP_CIPHER_CTX *ctx = sa->ctx;
    uint8_t *ct = out + ESP_HDR_LEN + ESP_IV_LEN;
    int n1, n2, n3, n4;
    if (c->EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
        c->EVP_EncryptUpdate(ctx, NULL, &n1, aad, sizeof(aad)) != 1 ||
        c->EVP_EncryptUpdate(ctx, ct, &n2, inner, (int)len) != 1 ||
        c->EVP_EncryptUpdate(ctx, ct + n2, &n3, trailer, (int)tlen) != 1 ||
        c->EVP_EncryptFinal_ex(ctx, ct + n2 + n3, &n4) != 1 ||
        (size_t)(n2 + n3 + n4) != len + tlen ||
        c->EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, ESP_ICV_LEN, ct + len + tlen) != 1)
        return -1;
    GEM_CTR_SET(sa->seq, seq); /* used, whatever happens to the packet next */
    GEM_CTR_INC(sa->n.packets);
    GEM_CTR_ADD(sa->n.bytes, len);
    return (long)(ESP_HDR_LEN + ESP_IV_LEN + len + tlen + ESP_ICV_LEN);
}

enum esp_verdict esp_open(struct esp_sa *sa, const uint8_t *pkt, size_t len, uint8_t *out,
                          size_t cap, size_t *inner_len, uint8_t *next_header)
{
    const struct crypto_lib *c = crypto_lib();
    if (len < ESP_MIN_LEN) {
        GEM_CTR_INC(sa->n.malformed);
        return ESP_TRUNCATED;
    }
    size_t ctlen = len - ESP_HDR_LEN - ESP_IV_LEN - ESP_ICV_LEN;
    if (ctlen > cap || ctlen > 0xffff) {
        GEM_CTR_INC(sa->n.malformed);
        return ESP_TOO_BIG;
    }
    uint64_t seq;
    if (!esp_replay_check(&sa->replay, get32(pkt + 4), &seq)) {
        GEM_CTR_INC(sa->n.replay_drops);
        return ESP_REPLAYED;
    }
    if (!c || !sa->ctx || sa->outbound)
        return ESP_CRYPTO_ERROR;
    uint8_t nonce[12], aad[12], tag[ESP_ICV_LEN];
    make_nonce(sa, pkt + ESP_HDR_LEN, nonce);
    make_aad(get32(pkt), seq, aad);
    memcpy(tag, pkt + len - ESP_ICV_LEN, ESP_ICV_LEN);
    EVP_CIPHER_CTX *ctx = sa->ctx;
    int n1, n2, n3;
    if (c->EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
        c->EVP_DecryptUpdate(ctx, NULL, &n1, aad, sizeof(aad)) != 1 ||
        c->EVP_DecryptUpdate(ctx, out, &n2, pkt + ESP_HDR_LEN + ESP_IV_LEN, (int)ctlen) != 1 ||
        c->EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, ESP_ICV_LEN, tag) != 1)
        return ESP_CRYPTO_ERROR;
    if (c->EVP_DecryptFinal_ex(ctx, out + n2, &n3) != 1) {
        /* Nothing of out may be used: it is unauthenticated plaintext. */
        GEM_CTR_INC(sa->n.auth_failures);
        return ESP_AUTH_FAILED;
    }
    uint8_t padlen = out[ctlen - 2];
    bool ok = (size_t)padlen + 2 <= ctlen;
    for (size_t i = 0; ok && i < padlen; i++)
        ok = out[ctlen - 2 - padlen + i] == (uint8_t)(i + 1);
    if (!ok) {
        GEM_CTR_INC(sa->n.malformed);
        return ESP_BAD_TRAILER;
    }
    esp_replay_accept(&sa->replay, seq);
    *inner_len = ctlen - 2 - padlen;
    *next_header = out[ctlen - 1];
    GEM_CTR_INC(sa->n.packets);
    GEM_CTR_ADD(sa->n.bytes, *inner_len);
    return ESP_OK;
}
