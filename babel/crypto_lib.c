#include "babel/crypto_lib.h"

#include <dlfcn.h>
#include <stdbool.h>

#include "babel/util.h"

/* The soname of OpenSSL 3's libcrypto (Debian package libssl3). */
#define LIBCRYPTO_SONAME "libcrypto.so.3"

static struct crypto_lib table;
static bool loaded, failed;

const struct crypto_lib *crypto_lib(void)
{
    if (loaded)
        return &table;
    if (failed)
        return NULL;
    void *h = dlopen(LIBCRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        log_msg("cannot load %s (install Debian's libssl3): %s", LIBCRYPTO_SONAME, dlerror());
        failed = true;
        return NULL;
    }
#define CRYPTO_LIB_RESOLVE(name)                                                                   \
    table.name = (__typeof__(name) *)dlsym(h, #name);                                              \
    if (!table.name) {                                                                             \
        log_msg("%s lacks %s: is it OpenSSL 3?", LIBCRYPTO_SONAME, #name);                         \
        dlclose(h);                                                                                \
        failed = true;                                                                             \
        return NULL;                                                                               \
    }
    CRYPTO_LIB_FUNCTIONS(CRYPTO_LIB_RESOLVE)
#undef CRYPTO_LIB_RESOLVE
    loaded = true;
    return &table;
}
