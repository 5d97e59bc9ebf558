/* Small shared helpers: addresses and prefixes, time, seqno arithmetic, logging.
 *
 * Addresses are always 16 bytes.  An IPv4 address is stored v4-mapped
 * (::ffff:a.b.c.d) and an IPv4 prefix length is stored plus 96, so one code
 * path handles both families. */
#ifndef BABEL_UTIL_H
#define BABEL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_STRLEN 48   /* enough for any formatted address */
#define PREFIX_STRLEN 56 /* address, '/', length */
#define ID_STRLEN 24     /* "xx:xx:xx:xx:xx:xx:xx:xx" */

struct prefix {
    uint8_t addr[16];
    uint8_t plen; /* 0..128; IPv4 prefixes are 96..128 */
};

extern const uint8_t v4_mapped_prefix[12];

/* Addresses. */
bool addr_is_v4(const uint8_t a[16]);
bool addr_is_linklocal(const uint8_t a[16]);
bool addr_is_zero(const uint8_t a[16]);
void addr_from_v4(uint8_t out[16], const uint8_t v4[4]);
/* Parses an IPv4 or IPv6 literal; returns 0 or -1. */
int addr_parse(const char *s, uint8_t out[16]);
const char *addr_fmt(const uint8_t a[16], char buf[ADDR_STRLEN]);

/* Prefixes. */
bool prefix_is_v4(const struct prefix *p);
/* Clears the host bits. */
void prefix_normalise(struct prefix *p);
/* Parses "addr/len" or a bare address (host prefix); returns 0 or -1. */
int prefix_parse(const char *s, struct prefix *out);
const char *prefix_fmt(const struct prefix *p, char buf[PREFIX_STRLEN]);
bool prefix_eq(const struct prefix *a, const struct prefix *b);
/* True when inner lies within outer (same family, longer or equal length). */
bool prefix_within(const struct prefix *inner, const struct prefix *outer);
/* The "no source prefix" of the family of p: 0.0.0.0/0 or ::/0. */
void prefix_default_src(const struct prefix *p, struct prefix *out);
bool prefix_is_default_src(const struct prefix *src);
/* The user-visible length: 0..32 for IPv4. */
int prefix_user_plen(const struct prefix *p);

/* A hash of a (prefix, source prefix) pair, for the tables keyed by one
 * (routes, sources, xroutes); `seed` folds in more of the key (a
 * router-id for sources), 0 otherwise. */
uint32_t prefix_pair_hash(const struct prefix *p, const struct prefix *src, uint64_t seed);

/* Router-ids. */
const char *id_fmt(const uint8_t id[8], char buf[ID_STRLEN]);
/* Accepts a modified EUI-64 (8 bytes) or a MAC-48 (6 bytes, expanded). */
int id_parse(const char *s, uint8_t id[8]);
bool id_is_zero(const uint8_t id[8]);

/* Seqno arithmetic modulo 2^16 (RFC 8966 section 3.2.1). */
int seqno_compare(uint16_t a, uint16_t b); /* <0, 0, >0 */
static inline uint16_t seqno_plus(uint16_t s, int n) { return (uint16_t)(s + n); }

/* Monotonic time in milliseconds, refreshed by clock_refresh() once per
 * iteration of the event loop, so all decisions in one iteration agree. */
extern uint64_t now_ms;
void clock_refresh(void);
/* now_ms cut to 32 bits, for the per-route timers of the big tables: it
 * wraps every 49.7 days, so such a timer must never be more than 24.8 days
 * away (route timers are at most a few hold times, 38 minutes at worst)
 * and is compared with ms32_reached, never with < or >. */
static inline uint32_t ms32_now(void) { return (uint32_t)now_ms; }
static inline bool ms32_reached(uint32_t t) { return (int32_t)(ms32_now() - t) >= 0; }
/* Milliseconds from t to now (t in the past), or 0 if t is ahead. */
static inline uint32_t ms32_since(uint32_t t)
{
    int32_t d = (int32_t)(ms32_now() - t);
    return d > 0 ? (uint32_t)d : 0;
}
/* Microseconds, wrapping at 2^32, as the RTT timestamps carry them. */
uint32_t clock_us32(void);

/* Randomness from the kernel (getrandom). */
void random_bytes(void *buf, size_t len);
uint32_t random_u32(void);
/* A value uniformly jittered in [base*(1-frac), base]: used on timers so
 * that routers do not synchronise. */
uint64_t jitter_ms(uint64_t base);

/* Logging: messages always go out; debug lines only up to debug_level. */
extern int debug_level;
int log_open(const char *path); /* NULL or "" for stderr; 0 or -1 */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bounded string helpers. */
size_t strlcpy_safe(char *dst, const char *src, size_t size);
int parse_uint(const char *s, unsigned long max, unsigned long *out);
int hex_decode(const char *s, uint8_t *out, size_t max, size_t *len);

#endif
