/* OpenSSL's libcrypto, loaded on first use.  Every cryptographic primitive
 * still comes from OpenSSL; this only decides when the library is mapped: a
 * router without keys never maps it (some 1.4 MB of pages per process).
 * Callers go through the table, whose pointers have the exact types of
 * OpenSSL's declarations, so the compiler checks every call as usual. */
#ifndef BABEL_CRYPTO_LIB_H
#define BABEL_CRYPTO_LIB_H

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* The functions the daemon uses, each named once. */
#define CRYPTO_LIB_FUNCTIONS(X)                                                                    \
    X(EVP_MAC_fetch)                                                                               \
    X(EVP_MAC_CTX_new)                                                                             \
    X(EVP_MAC_CTX_free)                                                                            \
    X(EVP_MAC_init)                                                                                \
    X(EVP_MAC_update)                                                                              \
    X(EVP_MAC_final)                                                                               \
    X(OSSL_PARAM_construct_utf8_string)                                                            \
    X(OSSL_PARAM_construct_size_t)                                                                 \
    X(OSSL_PARAM_construct_end)                                                                    \
    X(EVP_CIPHER_fetch)                                                                            \
    X(EVP_CIPHER_free)                                                                             \
    X(EVP_CIPHER_CTX_new)                                                                          \
    X(EVP_CIPHER_CTX_free)                                                                         \
    X(EVP_CIPHER_CTX_ctrl)                                                                         \
    X(EVP_EncryptInit_ex)                                                                          \
    X(EVP_EncryptUpdate)                                                                           \
    X(EVP_EncryptFinal_ex)                                                                         \
    X(EVP_DecryptInit_ex)                                                                          \
    X(EVP_DecryptUpdate)                                                                           \
    X(EVP_DecryptFinal_ex)                                                                         \
    X(EVP_MAC_free)                                                                                \
    X(CRYPTO_memcmp)

struct crypto_lib {
#define CRYPTO_LIB_FIELD(name) __typeof__(name) *name;
    CRYPTO_LIB_FUNCTIONS(CRYPTO_LIB_FIELD)
#undef CRYPTO_LIB_FIELD
};

/* The table, loading libcrypto the first time.  NULL when it cannot be
 * loaded (the reason is logged once). */
const struct crypto_lib *crypto_lib(void);

#endif
