#include "babel/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

uint64_t now_ms;
int debug_level;
static FILE *log_file;

bool addr_is_v4(const uint8_t a[16]) { return memcmp(a, v4_mapped_prefix, 12) == 0; }

bool addr_is_linklocal(const uint8_t a[16]) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }

bool addr_is_zero(const uint8_t a[16])
{
    static const uint8_t zero[16];
    return memcmp(a, zero, 16) == 0;
}

void addr_from_v4(uint8_t out[16], const uint8_t v4[4])
{
    memcpy(out, v4_mapped_prefix, 12);
    memcpy(out + 12, v4, 4);
}

int addr_parse(const char *s, uint8_t out[16])
{
    uint8_t v4[4];
    if (inet_pton(AF_INET, s, v4) == 1) {
        addr_from_v4(out, v4);
        return 0;
    }
    if (inet_pton(AF_INET6, s, out) == 1)
        return 0;
    return -1;
}

const char *addr_fmt(const uint8_t a[16], char buf[ADDR_STRLEN])
{
    if (addr_is_v4(a))
        inet_ntop(AF_INET, a + 12, buf, ADDR_STRLEN);
    else
        inet_ntop(AF_INET6, a, buf, ADDR_STRLEN);
    return buf;
}

bool prefix_is_v4(const struct prefix *p) { return p->plen >= 96 && addr_is_v4(p->addr); }

void prefix_normalise(struct prefix *p)
{
    if (p->plen > 128)
        p->plen = 128;
    int full = p->plen / 8, rem = p->plen % 8;
    if (full < 16) {
        if (rem)
            p->addr[full] &= (uint8_t)(0xff << (8 - rem));
        memset(p->addr + full + (rem ? 1 : 0), 0, 16 - full - (rem ? 1 : 0));
    }
}

int prefix_parse(const char *s, struct prefix *out)
{
    char buf[ADDR_STRLEN];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof(buf))
        return -1;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    if (addr_parse(buf, out->addr) < 0)
        return -1;
    bool v4 = addr_is_v4(out->addr) && strchr(buf, ':') == NULL;
    unsigned long len = v4 ? 32 : 128;
    if (slash && parse_uint(slash + 1, v4 ? 32 : 128, &len) < 0)
        return -1;
    out->plen = (uint8_t)(v4 ? len + 96 : len);
    prefix_normalise(out);
    return 0;
}

const char *prefix_fmt(const struct prefix *p, char buf[PREFIX_STRLEN])
{
    char a[ADDR_STRLEN];
    if (prefix_is_v4(p))
        snprintf(buf, PREFIX_STRLEN, "%s/%d", addr_fmt(p->addr, a), p->plen - 96);
    else
        snprintf(buf, PREFIX_STRLEN, "%s/%d", inet_ntop(AF_INET6, p->addr, a, sizeof(a)), p->plen);
    return buf;
}

bool prefix_eq(const struct prefix *a, const struct prefix *b)
{
    return a->plen == b->plen && memcmp(a->addr, b->addr, 16) == 0;
}

bool prefix_within(const struct prefix *inner, const struct prefix *outer)
{
    if (inner->plen < outer->plen)
        return false;
    int full = outer->plen / 8, rem = outer->plen % 8;
    if (memcmp(inner->addr, outer->addr, full) != 0)
        return false;
    if (rem) {
        uint8_t mask = (uint8_t)(0xff << (8 - rem));
        if ((inner->addr[full] & mask) != (outer->addr[full] & mask))
            return false;
    }
    return true;
}

void prefix_default_src(const struct prefix *p, struct prefix *out)
{
    memset(out, 0, sizeof(*out));
    if (prefix_is_v4(p)) {
        memcpy(out->addr, v4_mapped_prefix, 12);
        out->plen = 96;
    }
}

bool prefix_is_default_src(const struct prefix *src)
{
    return src->plen == 0 || (src->plen == 96 && addr_is_v4(src->addr));
}

int prefix_user_plen(const struct prefix *p) { return prefix_is_v4(p) ? p->plen - 96 : p->plen; }

/* FNV-1a, byte by byte. */
static uint32_t fnv1a(uint32_t h, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        h = (h ^ data[i]) * 16777619u;
    return h;
}

uint32_t prefix_pair_hash(const struct prefix *p, const struct prefix *src, uint64_t seed)
{
    uint8_t s[8];
    memcpy(s, &seed, 8);
    uint32_t h = fnv1a(2166136261u, s, 8);
    h = fnv1a(h, p->addr, 16);
    h = fnv1a(h, &p->plen, 1);
    h = fnv1a(h, src->addr, 16);
    return fnv1a(h, &src->plen, 1);
}

const char *id_fmt(const uint8_t id[8], char buf[ID_STRLEN])
{
    snprintf(buf, ID_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x:%02x:%02x", id[0], id[1], id[2], id[3],
             id[4], id[5], id[6], id[7]);
    return buf;
}

int id_parse(const char *s, uint8_t id[8])
{
    unsigned v[8];
    int n;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &v[6], &v[7], &n) == 8 &&
        s[n] == '\0') {
        for (int i = 0; i < 8; i++)
            id[i] = (uint8_t)v[i];
        return 0;
    }
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &n) == 6 &&
        s[n] == '\0') {
        /* MAC-48 to modified EUI-64: insert ff:fe, flip the U/L bit. */
        id[0] = (uint8_t)(v[0] ^ 0x02);
        id[1] = (uint8_t)v[1];
        id[2] = (uint8_t)v[2];
        id[3] = 0xff;
        id[4] = 0xfe;
        id[5] = (uint8_t)v[3];
        id[6] = (uint8_t)v[4];
        id[7] = (uint8_t)v[5];
        return 0;
    }
    return -1;
}

bool id_is_zero(const uint8_t id[8])
{
    static const uint8_t zero[8];
    return memcmp(id, zero, 8) == 0;
}

int seqno_compare(uint16_t a, uint16_t b)
{
    if (a == b)
        return 0;
    return ((uint16_t)(b - a) & 0x8000) ? 1 : -1;
}

void clock_refresh(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint32_t clock_us32(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

void random_bytes(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* getrandom cannot fail on a kernel this daemon runs on;
             * refuse to continue with predictable state. */
            perror("getrandom");
            abort();
        }
        p += n;
        len -= (size_t)n;
    }
}

uint32_t random_u32(void)
{
    uint32_t v;
    random_bytes(&v, sizeof(v));
    return v;
}

uint64_t jitter_ms(uint64_t base)
{
    /* Up to a quarter early, never late. */
    uint64_t span = base / 4;
    return base - (span ? random_u32() % span : 0);
}

int log_open(const char *path)
{
    if (log_file && log_file != stderr)
        fclose(log_file);
    log_file = NULL;
    if (!path || !*path)
        return 0;
    log_file = fopen(path, "a");
    if (!log_file)
        return -1;
    setvbuf(log_file, NULL, _IOLBF, 0);
    return 0;
}

static void log_v(const char *fmt, va_list ap)
{
    FILE *f = log_file ? log_file : stderr;
    vfprintf(f, fmt, ap);
    fputc('\n', f);
}

void log_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_v(fmt, ap);
    va_end(ap);
}

void log_debug(int level, const char *fmt, ...)
{
    if (level > debug_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_v(fmt, ap);
    va_end(ap);
}

size_t strlcpy_safe(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

int hex_decode(const char *s, uint8_t *out, size_t max, size_t *len)
{
    size_t n = strlen(s);
    if (n % 2 || n / 2 > max)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
            sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    *len = n / 2;
    return 0;
}
