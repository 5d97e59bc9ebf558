#include "gem/gem_crypto.h"

#include <stdlib.h>
#include <string.h>

#include "babel/crypto_lib.h"
#include "babel/util.h"

struct gem_crypto {
    const struct crypto_lib *lib;
    EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *enc, *dec;
    EVP_MAC *hmac;
    EVP_MAC_CTX *mac;
};

void gem_crypto_free(struct gem_crypto *c)
{
    if (!c)
        return;
    const struct crypto_lib *l = c->lib;
    if (c->enc)
        l->EVP_CIPHER_CTX_free(c->enc);
    if (c->dec)
        l->EVP_CIPHER_CTX_free(c->dec);
    if (c->cipher)
        l->EVP_CIPHER_free(c->cipher);
    if (c->mac)
        l->EVP_MAC_CTX_free(c->mac);
    if (c->hmac)
        l->EVP_MAC_free(c->hmac);
    free(c);
}

struct gem_crypto *gem_crypto_new(const uint8_t sek[GEM_SEK_LEN], const uint8_t gak[GEM_GAK_LEN])
{
    const struct crypto_lib *l = crypto_lib();
    if (!l)
        return NULL;
    struct gem_crypto *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->lib = l;
    c->cipher = l->EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    c->enc = l->EVP_CIPHER_CTX_new();
    c->dec = l->EVP_CIPHER_CTX_new();
    c->hmac = l->EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!c->cipher || !c->enc || !c->dec || !c->hmac)
        goto fail;
    c->mac = l->EVP_MAC_CTX_new(c->hmac);
    if (!c->mac)
        goto fail;
    /* Keyed once; each packet only sets its nonce (or re-uses the key). */
    if (l->EVP_EncryptInit_ex(c->enc, c->cipher, NULL, NULL, NULL) != 1 ||
        l->EVP_CIPHER_CTX_ctrl(c->enc, EVP_CTRL_GCM_SET_IVLEN, GEM_NONCE_LEN, NULL) != 1 ||
        l->EVP_EncryptInit_ex(c->enc, NULL, NULL, sek, NULL) != 1)
        goto fail;
    if (l->EVP_DecryptInit_ex(c->dec, c->cipher, NULL, NULL, NULL) != 1 ||
        l->EVP_CIPHER_CTX_ctrl(c->dec, EVP_CTRL_GCM_SET_IVLEN, GEM_NONCE_LEN, NULL) != 1 ||
        l->EVP_DecryptInit_ex(c->dec, NULL, NULL, sek, NULL) != 1)
        goto fail;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {l->OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                           l->OSSL_PARAM_construct_end()};
    if (l->EVP_MAC_init(c->mac, gak, GEM_GAK_LEN, params) != 1)
        goto fail;
    return c;
fail:
    log_msg("gem: OpenSSL refused AES-256-GCM or HMAC-SHA256");
    gem_crypto_free(c);
    return NULL;
}

/* HMAC-SHA-256 over the header, ciphertext and tag, with the GAK keyed at
 * creation (a NULL key re-initialises with the same one). */
static bool mac_compute(struct gem_crypto *c, const uint8_t *start, size_t len,
                        uint8_t out[GEM_MAC_LEN])
{
    const struct crypto_lib *l = c->lib;
    uint8_t full[32];
    size_t outl = 0;
    if (l->EVP_MAC_init(c->mac, NULL, 0, NULL) != 1 || l->EVP_MAC_update(c->mac, start, len) != 1 ||
        l->EVP_MAC_final(c->mac, full, &outl, sizeof(full)) != 1 || outl != sizeof(full))
        return false;
    memcpy(out, full, GEM_MAC_LEN);
    return true;
}

size_t gem_seal(struct gem_crypto *c, const struct gem_header *h, const uint8_t *pt, size_t len,
                uint8_t *out)
{
    const struct crypto_lib *l = c->lib;
    uint8_t nonce[GEM_NONCE_LEN];
    int n = 0, fin = 0;
    gem_header_encode(h, out);
    gem_nonce(h, nonce);
    uint8_t *ct = out + GEM_HEADER_LEN;
    if (l->EVP_EncryptInit_ex(c->enc, NULL, NULL, NULL, nonce) != 1 ||
        l->EVP_EncryptUpdate(c->enc, NULL, &n, out, GEM_HEADER_LEN) != 1 ||
        l->EVP_EncryptUpdate(c->enc, ct, &n, pt, (int)len) != 1 || (size_t)n != len ||
        l->EVP_EncryptFinal_ex(c->enc, ct + n, &fin) != 1 ||
        l->EVP_CIPHER_CTX_ctrl(c->enc, EVP_CTRL_GCM_GET_TAG, GEM_TAG_LEN, ct + len) != 1)
        return 0;
    size_t mac_at = GEM_HEADER_LEN + len + GEM_TAG_LEN;
    if (!mac_compute(c, out, mac_at, out + mac_at))
        return 0;
    return mac_at + GEM_MAC_LEN;
}

bool gem_verify(struct gem_crypto *c, const struct gem_view *v)
{
    uint8_t mac[GEM_MAC_LEN];
    if (!mac_compute(c, v->header, GEM_HEADER_LEN + v->ct_len + GEM_TAG_LEN, mac))
        return false;
    return c->lib->CRYPTO_memcmp(mac, v->mac, GEM_MAC_LEN) == 0;
}

bool gem_decrypt(struct gem_crypto *c, const struct gem_header *h, const struct gem_view *v,
                 uint8_t *pt)
{
    const struct crypto_lib *l = c->lib;
    uint8_t nonce[GEM_NONCE_LEN], tag[GEM_TAG_LEN];
    int n = 0, fin = 0;
    gem_nonce(h, nonce);
    memcpy(tag, v->tag, GEM_TAG_LEN); /* the ctrl call wants a writable buffer */
    return l->EVP_DecryptInit_ex(c->dec, NULL, NULL, NULL, nonce) == 1 &&
           l->EVP_DecryptUpdate(c->dec, NULL, &n, v->header, GEM_HEADER_LEN) == 1 &&
           l->EVP_DecryptUpdate(c->dec, pt, &n, v->ct, (int)v->ct_len) == 1 &&
           l->EVP_CIPHER_CTX_ctrl(c->dec, EVP_CTRL_GCM_SET_TAG, GEM_TAG_LEN, tag) == 1 &&
           l->EVP_DecryptFinal_ex(c->dec, pt + n, &fin) == 1;
}
