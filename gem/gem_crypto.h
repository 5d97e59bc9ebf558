/* GEM packet protection with one key pair: the payload encrypted with the
 * SEK (AES-256-GCM, the header as associated data), then a MAC with the GAK
 * (HMAC-SHA-256, first 16 bytes) over header, ciphertext and tag.  Each key
 * keeps its OpenSSL contexts keyed once, so sealing and opening a packet
 * allocate nothing.  Every primitive comes from OpenSSL through
 * babel/crypto_lib.h.  Not thread-safe: one user per key. */
#ifndef GEM_GEM_CRYPTO_H
#define GEM_GEM_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gem/gem_codec.h"

#define GEM_SEK_LEN 32
#define GEM_GAK_LEN 32

struct gem_crypto;

/* NULL when libcrypto cannot be loaded or refuses the keys (logged). */
struct gem_crypto *gem_crypto_new(const uint8_t sek[GEM_SEK_LEN], const uint8_t gak[GEM_GAK_LEN]);
void gem_crypto_free(struct gem_crypto *c);

/* Writes the whole GEM packet (header, ciphertext, tag, MAC: len +
 * GEM_OVERHEAD bytes) to out, which must not overlap pt.  The length, or 0
 * on an OpenSSL failure. */
size_t gem_seal(struct gem_crypto *c, const struct gem_header *h, const uint8_t *pt, size_t len,
                uint8_t *out);

/* True when the GAK's MAC over the parsed packet verifies. */
bool gem_verify(struct gem_crypto *c, const struct gem_view *v);
/* Decrypts v->ct into pt (v->ct_len bytes) and checks the GCM tag; false
 * when it does not verify (pt is then garbage). */
bool gem_decrypt(struct gem_crypto *c, const struct gem_header *h, const struct gem_view *v,
                 uint8_t *pt);

#endif
