/* gem-peer and esp-sa lines, the peer table, and the ESP data path's entry
 * points (see esp.h).  First cut: configuration and lookups; the data path
 * (esp_send) is not wired yet. */
#include "gem/esp.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "babel/config.h"
#include "babel/extension.h"
#include "babel/util.h"

#define ESP_NAME_MAX 32
#define ESP_KEYMAT_LEN 36 /* 32-byte AES-256 key, 4-byte salt (RFC 4106) */

enum esp_encap { ENCAP_ESP, ENCAP_UDP };

struct esp_sa_conf {
    bool set;
    uint32_t spi;
    uint8_t keymat[ESP_KEYMAT_LEN];
};

struct esp_peer {
    char name[ESP_NAME_MAX];
    uint32_t address; /* network order */
    uint32_t local;
    enum esp_encap encap;
    char tun[IF_NAMESIZE];
    struct esp_sa_conf in, out;
    struct esp_peer *next;
};

static struct esp_peer *peers;
static esp_inner_fn inner_fn;
static void *inner_ctx;

static int bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

struct esp_peer *esp_peer_find(const char *name)
{
    for (struct esp_peer *p = peers; p; p = p->next)
        if (strcmp(p->name, name) == 0)
            return p;
    return NULL;
}

void esp_set_inner_handler(esp_inner_fn fn, void *ctx)
{
    inner_fn = fn;
    inner_ctx = ctx;
}

int esp_send(struct esp_peer *p, const uint8_t *inner, size_t len)
{
    (void)p;
    (void)inner;
    (void)len;
    return -1;
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= ESP_NAME_MAX)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_' || *c == '.'))
            return false;
    return true;
}

static int parse_unicast4(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return -1;
    uint32_t h = ntohl(a.s_addr);
    if ((h >> 24) == 0 || (h >> 24) == 127 || h >= 0xe0000000u)
        return -1;
    *out = a.s_addr;
    return 0;
}

static int dir_peer(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    if (nwords < 2 || !valid_name(words[1]))
        return bad(err, errlen, "gem-peer: expected a NAME (letters, digits, '-', '_', '.')");
    struct esp_peer c = {0};
    strlcpy_safe(c.name, words[1], sizeof(c.name));
    bool have_addr = false, have_local = false;
    for (int i = 2; i < nwords; i += 2) {
        const char *kw = words[i], *v = i + 1 < nwords ? words[i + 1] : NULL;
        if (!v)
            return bad(err, errlen, "gem-peer %s: '%s' needs a value", c.name, kw);
        if (strcmp(kw, "address") == 0) {
            if (parse_unicast4(v, &c.address) < 0)
                return bad(err, errlen, "gem-peer %s: address '%s' is not an IPv4 unicast address",
                           c.name, v);
            have_addr = true;
        } else if (strcmp(kw, "local") == 0) {
            if (parse_unicast4(v, &c.local) < 0)
                return bad(err, errlen, "gem-peer %s: local '%s' is not an IPv4 unicast address",
                           c.name, v);
            have_local = true;
        } else if (strcmp(kw, "encap") == 0) {
            if (strcmp(v, "esp") == 0)
                c.encap = ENCAP_ESP;
            else if (strcmp(v, "udp") == 0)
                c.encap = ENCAP_UDP;
            else
                return bad(err, errlen, "gem-peer %s: encap '%s' is not 'esp' or 'udp'", c.name, v);
        } else if (strcmp(kw, "tun") == 0) {
            if (strlen(v) == 0 || strlen(v) >= IF_NAMESIZE)
                return bad(err, errlen, "gem-peer %s: tun '%s' is not an interface name", c.name, v);
            strlcpy_safe(c.tun, v, sizeof(c.tun));
        } else {
            return bad(err, errlen, "gem-peer %s: unknown keyword '%s'", c.name, kw);
        }
    }
    if (!have_addr)
        return bad(err, errlen, "gem-peer %s: missing 'address ADDR'", c.name);
    if (!have_local)
        return bad(err, errlen, "gem-peer %s: missing 'local ADDR'", c.name);
    struct esp_peer *p = esp_peer_find(c.name);
    if (p) {
        c.in = p->in;
        c.out = p->out;
        c.next = p->next;
        *p = c;
        return 0;
    }
    p = calloc(1, sizeof(*p));
    if (!p)
        return bad(err, errlen, "gem-peer %s: out of memory", c.name);
    *p = c;
    struct esp_peer **pp = &peers;
    while (*pp)
        pp = &(*pp)->next;
    *pp = p;
    return 0;
}

static int dir_sa(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    struct esp_peer *p = NULL;
    int dir = -1;
    bool have_spi = false, have_key = false;
    struct esp_sa_conf c = {.set = true};
    for (int i = 1; i < nwords; i += 2) {
        const char *kw = words[i], *v = i + 1 < nwords ? words[i + 1] : NULL;
        if (!v)
            return bad(err, errlen, "esp-sa: '%s' needs a value", kw);
        if (strcmp(kw, "peer") == 0) {
            p = esp_peer_find(v);
            if (!p)
                return bad(err, errlen, "esp-sa: no gem-peer named '%s'", v);
        } else if (strcmp(kw, "dir") == 0) {
            if (strcmp(v, "in") == 0)
                dir = 0;
            else if (strcmp(v, "out") == 0)
                dir = 1;
            else
                return bad(err, errlen, "esp-sa: dir '%s' is not 'in' or 'out'", v);
        } else if (strcmp(kw, "spi") == 0) {
            unsigned long s;
            if (parse_uint(v, 0xffffffffUL, &s) < 0 || s < 256)
                return bad(err, errlen, "esp-sa: spi '%s' is not a number from 256 to 4294967295",
                           v);
            c.spi = (uint32_t)s;
            have_spi = true;
        } else if (strcmp(kw, "key") == 0) {
            size_t n;
            const char *h = strncmp(v, "0x", 2) == 0 ? v + 2 : v;
            if (hex_decode(h, c.keymat, sizeof(c.keymat), &n) < 0 || n != ESP_KEYMAT_LEN)
                return bad(err, errlen,
                           "esp-sa: key must be %d hex digits (a 32-byte key, then a 4-byte salt)",
                           2 * ESP_KEYMAT_LEN);
            have_key = true;
        } else {
            return bad(err, errlen, "esp-sa: unknown keyword '%s'", kw);
        }
    }
    if (!p)
        return bad(err, errlen, "esp-sa: missing 'peer NAME'");
    if (dir < 0)
        return bad(err, errlen, "esp-sa: missing 'dir in|out'");
    if (!have_spi)
        return bad(err, errlen, "esp-sa: missing 'spi N'");
    if (!have_key)
        return bad(err, errlen, "esp-sa: missing 'key HEX'");
    if (dir == 0)
        p->in = c;
    else
        p->out = c;
    return 0;
}

void esp_register(void)
{
    config_register_directive("gem-peer", dir_peer, NULL);
    config_register_directive("esp-sa", dir_sa, NULL);
}
