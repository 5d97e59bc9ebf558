/* babeld.conf parser.
 *
 * A line is split into words first, then handed to the parser of its
 * directive, which fills temporaries only; the configuration is modified in
 * one step once the whole line has been accepted.  That way a line coming
 * from the local interface either takes effect entirely or not at all. */
#include "babel/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "babel/config_words.h"

#define LINE_MAX_CHARS 4096
#define REASON_MAX 512
#define MAX_EXTENSIONS 64
#define EXT_KEYWORD_MAX 32

/* ------------------------------------------------------------------ */
/* Errors and small value parsers.  Each parser writes a complete reason
 * naming the directive, so callers only propagate -1. */

static int fail(char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, REASON_MAX, fmt, ap);
    va_end(ap);
    return -1;
}

static int get_uint(const char *name, const char *word, unsigned long min, unsigned long max,
                    unsigned long *out, char *reason)
{
    unsigned long v = 0;
    if (parse_uint(word, max, &v) < 0 || v < min)
        return fail(reason, "%s: expected a number from %lu to %lu, got '%s'", name, min, max,
                    word);
    *out = v;
    return 0;
}

static int get_bool(const char *name, const char *word, bool *out, char *reason)
{
    if (config_parse_bool(word, out) < 0)
        return fail(reason, "%s: expected true or false, got '%s'", name, word);
    return 0;
}

/* A decimal with at most three fractional digits, in thousandths.  Used for
 * seconds (giving ms) and for milliseconds (giving µs). */
static int parse_thousandths(const char *s, unsigned long long *out)
{
    unsigned long long v = 0;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (++digits > 12)
            return -1;
        v = v * 10 + (unsigned)(*s - '0');
    }
    if (digits == 0)
        return -1;
    v *= 1000;
    if (*s == '.') {
        s++;
        unsigned long long scale = 100;
        int frac = 0;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (++frac > 3)
                return -1;
            v += (unsigned)(*s - '0') * scale;
            scale /= 10;
        }
        if (frac == 0)
            return -1;
    }
    if (*s != '\0')
        return -1;
    *out = v;
    return 0;
}

/* Formats thousandths as a short decimal ("0.001", "655.35", "4"). */
static const char *fmt_thousandths(unsigned long long v, char buf[32])
{
    int n = snprintf(buf, 32, "%llu.%03llu", v / 1000, v % 1000);
    while (n > 0 && buf[n - 1] == '0')
        buf[--n] = '\0';
    if (n > 0 && buf[n - 1] == '.')
        buf[--n] = '\0';
    return buf;
}

/* Seconds with up to millisecond precision, returned in ms. */
static int get_seconds_ms(const char *name, const char *word, unsigned long long min_ms,
                          unsigned long long max_ms, unsigned *out, char *reason)
{
    unsigned long long v = 0;
    if (parse_thousandths(word, &v) < 0 || v < min_ms || v > max_ms) {
        char a[32], b[32];
        return fail(reason, "%s: expected a duration in seconds from %s to %s, got '%s'", name,
                    fmt_thousandths(min_ms, a), fmt_thousandths(max_ms, b), word);
    }
    *out = (unsigned)v;
    return 0;
}

static int check_path(const char *name, const char *word, char *reason)
{
    if (strlen(word) >= CONF_PATH_MAX)
        return fail(reason, "%s: path longer than %d characters", name, CONF_PATH_MAX - 1);
    return 0;
}

static int check_ifname(const char *name, const char *word, char *reason)
{
    if (word[0] == '\0')
        return fail(reason, "%s: empty interface name", name);
    if (strlen(word) >= IF_NAMESIZE)
        return fail(reason, "%s: interface name '%s' is longer than %d characters", name, word,
                    IF_NAMESIZE - 1);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Splitting a line into words. */

struct words {
    char *buf;
    char **w;
    int n;
};

static void words_free(struct words *w)
{
    free(w->buf);
    free(w->w);
    w->buf = NULL;
    w->w = NULL;
    w->n = 0;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

/* Words are separated by blanks, '#' outside quotes ends the line, and a
 * double-quoted word may contain blanks, '#' and backslash escapes (so that
 * any path can be written). */
static int tokenize(const char *line, struct words *out, char *reason)
{
    size_t len = strlen(line);
    out->n = 0;
    out->buf = malloc(len + 1);
    out->w = malloc((len / 2 + 2) * sizeof(char *));
    if (!out->buf || !out->w) {
        words_free(out);
        return fail(reason, "out of memory");
    }
    const char *p = line;
    char *q = out->buf;
    for (;;) {
        while (is_space(*p))
            p++;
        if (*p == '\0' || *p == '#')
            break;
        out->w[out->n++] = q;
        if (*p == '"') {
            p++;
            while (*p != '"') {
                if (*p == '\\' && p[1] != '\0')
                    p++;
                else if (*p == '\0') {
                    words_free(out);
                    return fail(reason, "unterminated quoted string");
                }
                *q++ = *p++;
            }
            p++;
            if (*p != '\0' && *p != '#' && !is_space(*p)) {
                words_free(out);
                return fail(reason, "unexpected text after a quoted string");
            }
        } else {
            while (*p != '\0' && *p != '#' && !is_space(*p))
                *q++ = *p++;
        }
        *q++ = '\0';
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Global options. */

enum opt_kind { OPT_BOOL, OPT_UINT, OPT_INT, OPT_PATH, OPT_SECONDS, OPT_SPECIAL };

struct global_opt;
typedef int (*special_fn)(const struct global_opt *g, const char *word, struct babel_options *o,
                          char *reason);

struct global_opt {
    const char *name;
    enum opt_kind kind;
    size_t off;
    unsigned long min, max; /* OPT_SECONDS: in ms */
    special_fn special;
};

static int opt_protocol_group(const struct global_opt *g, const char *word, struct babel_options *o,
                              char *reason)
{
    uint8_t a[16];
    if (addr_parse(word, a) < 0 || addr_is_v4(a) || a[0] != 0xff)
        return fail(reason, "%s: expected an IPv6 multicast address, got '%s'", g->name, word);
    memcpy(o->protocol_group, a, 16);
    return 0;
}

static int opt_router_id(const struct global_opt *g, const char *word, struct babel_options *o,
                         char *reason)
{
    if (id_parse(word, o->router_id) < 0)
        return fail(reason, "%s: expected an EUI-64 or a MAC-48 address, got '%s'", g->name, word);
    o->have_router_id = true;
    return 0;
}

static int opt_diversity(const struct global_opt *g, const char *word, struct babel_options *o,
                         char *reason)
{
    bool b = false;
    unsigned long v = 0;
    if (get_bool(g->name, word, &b, reason) == 0)
        o->diversity = b ? 3 : 0; /* "true" is the algorithm with memory */
    else if (parse_uint(word, 3, &v) == 0)
        o->diversity = (int)v;
    else
        return fail(reason, "%s: expected true, false or a kind from 0 to 3, got '%s'", g->name,
                    word);
    return 0;
}

/* An int rather than a bool so that -1 can mean "decide from the kernel
 * version". */
static int opt_ipv6_subtrees(const struct global_opt *g, const char *word, struct babel_options *o,
                             char *reason)
{
    bool b = false;
    if (get_bool(g->name, word, &b, reason) < 0)
        return -1;
    o->ipv6_subtrees = b;
    return 0;
}

static int opt_import_table(const struct global_opt *g, const char *word, struct babel_options *o,
                            char *reason)
{
    unsigned long v = 0;
    if (get_uint(g->name, word, 1, 0xFFFFFFFEul, &v, reason) < 0)
        return -1;
    for (unsigned i = 0; i < o->n_import_tables; i++)
        if (o->import_tables[i] == v)
            return 0; /* cumulative: naming a table twice is harmless */
    if (o->n_import_tables >= CONF_MAX_IMPORT_TABLES)
        return fail(reason, "%s: at most %d tables may be imported", g->name,
                    CONF_MAX_IMPORT_TABLES);
    o->import_tables[o->n_import_tables++] = (unsigned)v;
    return 0;
}

#define OFF(field) offsetof(struct babel_options, field)

static const struct global_opt global_opts[] = {
    {"protocol-group", OPT_SPECIAL, 0, 0, 0, opt_protocol_group},
    {"protocol-port", OPT_UINT, OFF(protocol_port), 1, 65535, NULL},
    {"kernel-priority", OPT_UINT, OFF(kernel_priority), 0, 0xFFFFFFFFul, NULL},
    {"reflect-kernel-metric", OPT_BOOL, OFF(reflect_kernel_metric), 0, 0, NULL},
    {"allow-duplicates", OPT_INT, OFF(allow_duplicates), 0, INT_MAX, NULL},
    {"random-id", OPT_BOOL, OFF(random_id), 0, 0, NULL},
    {"ipv6-subtrees", OPT_SPECIAL, 0, 0, 0, opt_ipv6_subtrees},
    {"debug", OPT_INT, OFF(debug), 0, 3, NULL},
    {"local-port", OPT_INT, OFF(local_port), 1, 65535, NULL},
    {"local-port-readwrite", OPT_INT, OFF(local_port_rw), 1, 65535, NULL},
    {"local-path", OPT_PATH, OFF(local_path), 0, 0, NULL},
    {"local-path-readwrite", OPT_PATH, OFF(local_path_rw), 0, 0, NULL},
    /* 0 and 0xFFFFFFFF are not usable routing tables (unspec and the
     * kernel's reserved value). */
    {"export-table", OPT_UINT, OFF(export_table), 1, 0xFFFFFFFEul, NULL},
    {"import-table", OPT_SPECIAL, 0, 0, 0, opt_import_table},
    {"link-detect", OPT_BOOL, OFF(link_detect), 0, 0, NULL},
    {"diversity", OPT_SPECIAL, 0, 0, 0, opt_diversity},
    {"diversity-factor", OPT_UINT, OFF(diversity_factor), 1, 256, NULL},
    {"smoothing-half-life", OPT_UINT, OFF(smoothing_half_life), 0, 65535, NULL},
    {"daemonise", OPT_BOOL, OFF(daemonise), 0, 0, NULL},
    {"skip-kernel-setup", OPT_BOOL, OFF(skip_kernel_setup), 0, 0, NULL},
    {"router-id", OPT_SPECIAL, 0, 0, 0, opt_router_id},
    {"state-file", OPT_PATH, OFF(state_file), 0, 0, NULL},
    {"log-file", OPT_PATH, OFF(log_file), 0, 0, NULL},
    {"pid-file", OPT_PATH, OFF(pid_file), 0, 0, NULL},
    /* Source-specific rules must sort before the kernel's main-table rule
     * at 32766, or they would never be consulted. */
    {"first-rule-priority", OPT_UINT, OFF(first_rule_priority), 0, 32765, NULL},
    {"kernel-check-interval", OPT_SECONDS, OFF(kernel_check_interval), 1, 65535000, NULL},
};

#undef OFF

static const struct global_opt *find_global_opt(const char *name)
{
    for (size_t i = 0; i < sizeof(global_opts) / sizeof(global_opts[0]); i++)
        if (strcmp(global_opts[i].name, name) == 0)
            return &global_opts[i];
    return NULL;
}

static int apply_global_opt(const struct global_opt *g, const char *word, struct babel_options *o,
                            char *reason)
{
    char *base = (char *)o;
    unsigned long v = 0;
    bool b = false;
    unsigned ms = 0;
    switch (g->kind) {
    case OPT_BOOL:
        if (get_bool(g->name, word, &b, reason) < 0)
            return -1;
        *(bool *)(base + g->off) = b;
        return 0;
    case OPT_UINT:
        if (get_uint(g->name, word, g->min, g->max, &v, reason) < 0)
            return -1;
        *(unsigned *)(base + g->off) = (unsigned)v;
        return 0;
    case OPT_INT:
        if (get_uint(g->name, word, g->min, g->max, &v, reason) < 0)
            return -1;
        *(int *)(base + g->off) = (int)v;
        return 0;
    case OPT_PATH:
        if (check_path(g->name, word, reason) < 0)
            return -1;
        strlcpy_safe(base + g->off, word, CONF_PATH_MAX);
        return 0;
    case OPT_SECONDS:
        if (get_seconds_ms(g->name, word, g->min, g->max, &ms, reason) < 0)
            return -1;
        *(unsigned *)(base + g->off) = ms;
        return 0;
    case OPT_SPECIAL:
        return g->special(g, word, o, reason);
    }
    return fail(reason, "%s: internal error", g->name);
}

static int parse_global(struct babel_config *c, const struct global_opt *g, struct words *w,
                        struct config_effect *eff, char *reason)
{
    if (w->n < 2)
        return fail(reason, "missing value for '%s'", g->name);
    if (w->n > 2)
        return fail(reason, "%s: unexpected '%s' after the value", g->name, w->w[2]);
    struct babel_options tmp = c->opt;
    if (apply_global_opt(g, w->w[1], &tmp, reason) < 0)
        return -1;
    c->opt = tmp;
    eff->kind = EFFECT_OPTION;
    strlcpy_safe(eff->option, g->name, sizeof(eff->option));
    return 0;
}

/* ------------------------------------------------------------------ */
/* Interface and default lines. */

enum param_kind {
    P_BOOL,     /* true/false */
    P_AUTOBOOL, /* true/false/auto (2) */
    P_UINT,
    P_SECONDS, /* seconds, stored in ms */
    P_MSEC,    /* milliseconds (fractions accepted, truncated) */
    P_TYPE,
    P_WIRED, /* babeld's deprecated spelling of type */
    P_CHANNEL,
    P_KEY,
};

struct if_param {
    const char *name;
    enum param_kind kind;
    size_t off;
    unsigned long min, max;
};

#define IOFF(field) offsetof(struct interface_conf, field)

static const struct if_param if_params[] = {
    {"type", P_TYPE, IOFF(type), 0, 0},
    {"wired", P_WIRED, IOFF(type), 0, 0},
    {"link-quality", P_AUTOBOOL, IOFF(link_quality), 0, 0},
    {"split-horizon", P_AUTOBOOL, IOFF(split_horizon), 0, 0},
    /* 0xFFFF is infinity on the wire: a link costing that is unusable. */
    {"rxcost", P_UINT, IOFF(rxcost), 1, 65534},
    {"channel", P_CHANNEL, IOFF(channel), 0, 0},
    {"faraway", P_BOOL, IOFF(faraway), 0, 0},
    /* Hellos and updates carry their interval in centiseconds in 16 bits. */
    {"hello-interval", P_SECONDS, IOFF(hello_interval), 1, 655350},
    {"update-interval", P_SECONDS, IOFF(update_interval), 1, 655350},
    {"enable-timestamps", P_BOOL, IOFF(enable_timestamps), 0, 0},
    {"unicast", P_BOOL, IOFF(unicast), 0, 0},
    {"rfc6126-compatible", P_BOOL, IOFF(rfc6126_compatible), 0, 0},
    {"rtt-decay", P_UINT, IOFF(rtt_decay), 1, 256},
    {"rtt-min", P_MSEC, IOFF(rtt_min), 1, 1000000},
    {"rtt-max", P_MSEC, IOFF(rtt_max), 1, 1000000},
    {"max-rtt-penalty", P_UINT, IOFF(max_rtt_penalty), 0, 65535},
    {"v4-via-v6", P_BOOL, IOFF(v4_via_v6), 0, 0},
    {"key", P_KEY, IOFF(key_id), 0, 0},
    {"accept-bad-signatures", P_BOOL, IOFF(accept_bad_signatures), 0, 0},
};

/* Every int field of interface_conf, for clearing and merging. */
static const size_t ifconf_int_fields[] = {
    IOFF(type),
    IOFF(link_quality),
    IOFF(split_horizon),
    IOFF(rxcost),
    IOFF(hello_interval),
    IOFF(update_interval),
    IOFF(enable_timestamps),
    IOFF(unicast),
    IOFF(rfc6126_compatible),
    IOFF(rtt_decay),
    IOFF(rtt_min),
    IOFF(rtt_max),
    IOFF(max_rtt_penalty),
    IOFF(v4_via_v6),
    IOFF(channel),
    IOFF(faraway),
    IOFF(accept_bad_signatures),
};

#undef IOFF

#define N_INT_FIELDS (sizeof(ifconf_int_fields) / sizeof(ifconf_int_fields[0]))

static int *ifconf_int(struct interface_conf *ic, size_t off) { return (int *)((char *)ic + off); }

static void ifconf_clear(struct interface_conf *ic)
{
    memset(ic, 0, sizeof(*ic));
    for (size_t i = 0; i < N_INT_FIELDS; i++)
        *ifconf_int(ic, ifconf_int_fields[i]) = CONF_UNSET;
}

/* Fields set in src overwrite dst; the others keep their value. */
static void ifconf_overlay(struct interface_conf *dst, const struct interface_conf *src)
{
    for (size_t i = 0; i < N_INT_FIELDS; i++) {
        int v = *(const int *)((const char *)src + ifconf_int_fields[i]);
        if (v != CONF_UNSET)
            *ifconf_int(dst, ifconf_int_fields[i]) = v;
    }
    if (src->key_id[0])
        strlcpy_safe(dst->key_id, src->key_id, sizeof(dst->key_id));
}

static const struct if_param *find_if_param(const char *name)
{
    for (size_t i = 0; i < sizeof(if_params) / sizeof(if_params[0]); i++)
        if (strcmp(if_params[i].name, name) == 0)
            return &if_params[i];
    return NULL;
}

static int apply_if_param(const struct babel_config *c, const struct if_param *p, const char *word,
                          struct interface_conf *ic, char *reason)
{
    int *field = p->kind == P_KEY ? NULL : ifconf_int(ic, p->off);
    unsigned long v = 0;
    unsigned ms = 0;
    bool b = false;
    switch (p->kind) {
    case P_BOOL:
        if (get_bool(p->name, word, &b, reason) < 0)
            return -1;
        *field = b;
        return 0;
    case P_AUTOBOOL:
        if (strcmp(word, "auto") == 0 || strcmp(word, "default") == 0) {
            *field = 2;
            return 0;
        }
        if (get_bool(p->name, word, &b, reason) < 0)
            return fail(reason, "%s: expected true, false or auto, got '%s'", p->name, word);
        *field = b;
        return 0;
    case P_UINT:
        if (get_uint(p->name, word, p->min, p->max, &v, reason) < 0)
            return -1;
        *field = (int)v;
        return 0;
    case P_SECONDS:
        if (get_seconds_ms(p->name, word, p->min, p->max, &ms, reason) < 0)
            return -1;
        *field = (int)ms;
        return 0;
    case P_MSEC: {
        /* babeld reads these with a fractional part; we keep whole ms. */
        unsigned long long us = 0;
        if (parse_thousandths(word, &us) < 0 || us / 1000 < p->min || us / 1000 > p->max)
            return fail(reason, "%s: expected a time in milliseconds from %lu to %lu, got '%s'",
                        p->name, p->min, p->max, word);
        *field = (int)(us / 1000);
        return 0;
    }
    case P_TYPE:
        if (strcmp(word, "auto") == 0 || strcmp(word, "default") == 0)
            *field = IF_TYPE_AUTO;
        else if (strcmp(word, "wired") == 0)
            *field = IF_TYPE_WIRED;
        else if (strcmp(word, "wireless") == 0)
            *field = IF_TYPE_WIRELESS;
        else if (strcmp(word, "tunnel") == 0)
            *field = IF_TYPE_TUNNEL;
        else
            return fail(reason, "%s: expected auto, wired, wireless or tunnel, got '%s'", p->name,
                        word);
        return 0;
    case P_WIRED:
        if (get_bool(p->name, word, &b, reason) < 0)
            return -1;
        *field = b ? IF_TYPE_WIRED : IF_TYPE_WIRELESS;
        return 0;
    case P_CHANNEL:
        if (strcmp(word, "interfering") == 0)
            *field = CHANNEL_INTERFERING;
        else if (strcmp(word, "noninterfering") == 0)
            *field = CHANNEL_NONINTERFERING;
        else if (parse_uint(word, 254, &v) == 0 && v >= 1)
            *field = (int)v;
        else
            return fail(reason,
                        "%s: expected a number from 1 to 254, interfering or noninterfering, "
                        "got '%s'",
                        p->name, word);
        return 0;
    case P_KEY:
        /* Like babeld, a key must be defined before an interface uses it,
         * so that a typo is caught when the line is read. */
        if (!config_find_key(c, word))
            return fail(reason, "key '%s' is not defined", word);
        strlcpy_safe(ic->key_id, word, sizeof(ic->key_id));
        return 0;
    }
    return fail(reason, "%s: internal error", p->name);
}

static int parse_if_params(const struct babel_config *c, char **w, int n, struct interface_conf *ic,
                           char *reason)
{
    for (int i = 0; i < n; i += 2) {
        const struct if_param *p = find_if_param(w[i]);
        if (!p)
            return fail(reason, "unknown interface parameter '%s'", w[i]);
        if (i + 1 >= n)
            return fail(reason, "missing value for '%s'", w[i]);
        if (apply_if_param(c, p, w[i + 1], ic, reason) < 0)
            return -1;
    }
    return 0;
}

static struct interface_conf *find_ifconf(const struct babel_config *c, const char *ifname)
{
    for (struct interface_conf *ic = c->interfaces; ic; ic = ic->next)
        if (strcmp(ic->ifname, ifname) == 0)
            return ic;
    return NULL;
}

static int parse_interface(struct babel_config *c, struct words *w, struct config_effect *eff,
                           char *reason)
{
    if (w->n < 2)
        return fail(reason, "missing value for 'interface'");
    const char *name = w->w[1];
    if (check_ifname("interface", name, reason) < 0)
        return -1;
    struct interface_conf tmp;
    ifconf_clear(&tmp);
    if (parse_if_params(c, w->w + 2, w->n - 2, &tmp, reason) < 0)
        return -1;

    struct interface_conf *ic = find_ifconf(c, name);
    if (ic) {
        ifconf_overlay(ic, &tmp);
    } else {
        ic = malloc(sizeof(*ic));
        if (!ic)
            return fail(reason, "out of memory");
        *ic = tmp;
        strlcpy_safe(ic->ifname, name, sizeof(ic->ifname));
        ic->next = NULL;
        struct interface_conf **pp = &c->interfaces;
        while (*pp)
            pp = &(*pp)->next;
        *pp = ic;
    }
    eff->kind = EFFECT_INTERFACE;
    strlcpy_safe(eff->ifname, name, sizeof(eff->ifname));
    return 0;
}

static int parse_default(struct babel_config *c, struct words *w, struct config_effect *eff,
                         char *reason)
{
    struct interface_conf tmp;
    ifconf_clear(&tmp);
    if (parse_if_params(c, w->w + 1, w->n - 1, &tmp, reason) < 0)
        return -1;
    ifconf_overlay(&c->default_conf, &tmp);
    eff->kind = EFFECT_DEFAULT;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Keys. */

static int parse_key(struct babel_config *c, struct words *w, struct config_effect *eff,
                     char *reason)
{
    const char *id = NULL, *type = NULL, *value = NULL;
    for (int i = 1; i < w->n; i += 2) {
        const char **slot;
        if (strcmp(w->w[i], "id") == 0)
            slot = &id;
        else if (strcmp(w->w[i], "type") == 0)
            slot = &type;
        else if (strcmp(w->w[i], "value") == 0)
            slot = &value;
        else
            return fail(reason, "key: unknown key parameter '%s'", w->w[i]);
        if (i + 1 >= w->n)
            return fail(reason, "missing value for '%s'", w->w[i]);
        *slot = w->w[i + 1];
    }
    if (!id)
        return fail(reason, "key: missing 'id'");
    if (!type)
        return fail(reason, "key: missing 'type'");
    if (!value)
        return fail(reason, "key: missing 'value'");
    if (id[0] == '\0' || strlen(id) >= CONF_KEY_ID_MAX)
        return fail(reason, "key: id must be 1 to %d characters long", CONF_KEY_ID_MAX - 1);

    struct key_conf tmp = {0};
    size_t max;
    if (strcmp(type, "hmac-sha256") == 0) {
        tmp.type = KEY_HMAC_SHA256;
        max = 64; /* one SHA-256 block; HMAC pads shorter keys itself */
    } else if (strcmp(type, "blake2s128") == 0) {
        tmp.type = KEY_BLAKE2S128;
        max = 32; /* BLAKE2s keys are at most 32 bytes */
    } else {
        return fail(reason, "key: type: expected hmac-sha256 or blake2s128, got '%s'", type);
    }
    size_t hexlen = strlen(value);
    bool hex = hexlen > 0 && hexlen % 2 == 0;
    for (size_t i = 0; hex && i < hexlen; i++)
        hex = isxdigit((unsigned char)value[i]);
    if (!hex)
        return fail(reason, "key: value: expected an even number of hexadecimal digits");
    if (hexlen / 2 > max)
        return fail(reason, "key: a %s key is 1 to %zu bytes long, got %zu", type, max, hexlen / 2);
    uint8_t scratch[64];
    size_t len;
    if (hex_decode(value, scratch, max, &len) < 0)
        return fail(reason, "key: value: expected an even number of hexadecimal digits");
    strlcpy_safe(tmp.id, id, sizeof(tmp.id));
    memcpy(tmp.value, scratch, len);
    tmp.len = len;

    struct key_conf **pp = &c->keys;
    while (*pp && strcmp((*pp)->id, id) != 0)
        pp = &(*pp)->next;
    if (*pp) {
        tmp.next = (*pp)->next;
        **pp = tmp;
    } else {
        struct key_conf *k = malloc(sizeof(*k));
        if (!k)
            return fail(reason, "out of memory");
        *k = tmp;
        *pp = k;
    }
    eff->kind = EFFECT_KEY;
    strlcpy_safe(eff->option, "key", sizeof(eff->option));
    return 0;
}

/* ------------------------------------------------------------------ */
/* Filters. */

static const char *const filter_names[FILTER_KIND_COUNT] = {"in", "out", "redistribute", "install"};

/* Which family a filter's addresses are in: 0 until one is seen. */
static int note_family(int *fam, bool v4, const char *name, char *reason)
{
    int f = v4 ? 4 : 6;
    if (*fam && *fam != f)
        return fail(reason, "%s: mixes IPv4 and IPv6", name);
    *fam = f;
    return 0;
}

static int get_prefix(const char *name, const char *word, struct prefix *out, char *reason)
{
    if (prefix_parse(word, out) < 0)
        return fail(reason, "%s: expected a prefix, got '%s'", name, word);
    return 0;
}

/* Up to FW_LOCAL the words stand alone; the others take a value. */
enum filter_word {
    FW_ALLOW,
    FW_DENY,
    FW_LOCAL,
    FW_IP,
    FW_SRC_IP,
    FW_EQ,
    FW_LE,
    FW_GE,
    FW_SRC_EQ,
    FW_SRC_LE,
    FW_SRC_GE,
    FW_NEIGH,
    FW_ID,
    FW_PROTO,
    FW_IF,
    FW_METRIC,
    FW_SRC_PREFIX,
    FW_TABLE,
    FW_PREF_SRC,
};

static const struct {
    const char *name;
    enum filter_word word;
    int only; /* the one filter kind that takes it, or -1 */
} filter_words[] = {
    {"allow", FW_ALLOW, -1},
    {"deny", FW_DENY, -1},
    {"local", FW_LOCAL, FILTER_REDISTRIBUTE},
    {"ip", FW_IP, -1},
    {"src-ip", FW_SRC_IP, -1},
    {"eq", FW_EQ, -1},
    {"le", FW_LE, -1},
    {"ge", FW_GE, -1},
    {"src-eq", FW_SRC_EQ, -1},
    {"src-le", FW_SRC_LE, -1},
    {"src-ge", FW_SRC_GE, -1},
    {"neigh", FW_NEIGH, -1},
    {"id", FW_ID, -1},
    {"proto", FW_PROTO, -1},
    {"if", FW_IF, -1},
    {"metric", FW_METRIC, -1},
    {"src-prefix", FW_SRC_PREFIX, FILTER_REDISTRIBUTE},
    {"table", FW_TABLE, FILTER_INSTALL},
    {"pref-src", FW_PREF_SRC, FILTER_INSTALL},
};

static int parse_filter(enum filter_kind kind, char **w, int n, struct filter *f, char *reason)
{
    const char *kname = filter_names[kind];
    memset(f, 0, sizeof(*f));
    f->plen_eq = f->plen_le = f->plen_ge = -1;
    f->src_plen_eq = f->src_plen_le = f->src_plen_ge = -1;
    f->proto = -1;
    f->table = -1;
    f->action = FILTER_ALLOW;
    int fam = 0;

    for (int i = 0; i < n; i++) {
        const char *tok = w[i];
        size_t k = 0, nwords = sizeof(filter_words) / sizeof(filter_words[0]);
        while (k < nwords && strcmp(filter_words[k].name, tok) != 0)
            k++;
        if (k == nwords)
            return fail(reason, "%s: unknown filter keyword '%s'", kname, tok);
        enum filter_word fw = filter_words[k].word;
        int only = filter_words[k].only;
        if (only >= 0 && (int)kind != only)
            return fail(reason, "%s: only valid in %s %s filter, not '%s'", tok,
                        only == FILTER_INSTALL ? "an" : "a", filter_names[only], kname);
        const char *val = NULL;
        if (fw > FW_LOCAL) {
            if (i + 1 >= n)
                return fail(reason, "missing value for '%s'", tok);
            val = w[++i];
        }
        unsigned long v = 0;
        struct prefix *p;

        switch (fw) {
        case FW_ALLOW:
            f->action = FILTER_ALLOW;
            break;
        case FW_DENY:
            f->action = FILTER_DENY;
            break;
        case FW_LOCAL:
            f->local = true;
            break;
        case FW_IP:
        case FW_SRC_IP:
        case FW_SRC_PREFIX:
            p = fw == FW_IP ? &f->prefix : fw == FW_SRC_IP ? &f->src_prefix : &f->set_src_prefix;
            if (get_prefix(tok, val, p, reason) < 0 ||
                note_family(&fam, prefix_is_v4(p), tok, reason) < 0)
                return -1;
            *(fw == FW_IP       ? &f->has_prefix
              : fw == FW_SRC_IP ? &f->has_src_prefix
                                : &f->has_set_src_prefix) = true;
            break;
        case FW_EQ:
        case FW_LE:
        case FW_GE:
        case FW_SRC_EQ:
        case FW_SRC_LE:
        case FW_SRC_GE: {
            /* Checked against 32 at the end, once the family is known. */
            if (get_uint(tok, val, 0, 128, &v, reason) < 0)
                return -1;
            int *slots[] = {&f->plen_eq,     &f->plen_le,     &f->plen_ge,
                            &f->src_plen_eq, &f->src_plen_le, &f->src_plen_ge};
            *slots[fw - FW_EQ] = (int)v;
            break;
        }
        case FW_NEIGH:
            if (addr_parse(val, f->neigh) < 0)
                return fail(reason, "neigh: expected an address, got '%s'", val);
            f->has_neigh = true;
            break;
        case FW_ID:
            if (id_parse(val, f->id) < 0)
                return fail(reason, "id: expected an EUI-64 or a MAC-48 address, got '%s'", val);
            f->has_id = true;
            break;
        case FW_PROTO:
            if (get_uint(tok, val, 0, 255, &v, reason) < 0)
                return -1;
            f->proto = (int)v;
            break;
        case FW_IF:
            if (check_ifname(tok, val, reason) < 0)
                return -1;
            strlcpy_safe(f->ifname, val, sizeof(f->ifname));
            break;
        case FW_METRIC:
            if (get_uint(tok, val, 0, 65535, &v, reason) < 0)
                return -1;
            f->action = FILTER_METRIC;
            f->metric = (unsigned)v;
            break;
        case FW_TABLE:
            if (get_uint(tok, val, 1, INT_MAX, &v, reason) < 0)
                return -1;
            f->table = (int)v;
            break;
        case FW_PREF_SRC:
            if (addr_parse(val, f->pref_src) < 0)
                return fail(reason, "pref-src: expected an address, got '%s'", val);
            if (note_family(&fam, addr_is_v4(f->pref_src), tok, reason) < 0)
                return -1;
            f->has_pref_src = true;
            break;
        }
    }

    if (f->local && f->proto >= 0)
        return fail(reason, "%s: 'local' and 'proto' cannot be combined", kname);
    if (fam == 4) {
        static const char *const names[] = {"eq", "le", "ge", "src-eq", "src-le", "src-ge"};
        /* Same order as the FW_EQ..FW_SRC_GE slots above. */
        const int vals[] = {f->plen_eq,     f->plen_le,     f->plen_ge,
                            f->src_plen_eq, f->src_plen_le, f->src_plen_ge};
        for (int k = 0; k < 6; k++)
            if (vals[k] > 32)
                return fail(reason, "%s: expected a length from 0 to 32 for IPv4, got %d", names[k],
                            vals[k]);
    }
    return 0;
}

static int parse_filter_line(struct babel_config *c, enum filter_kind kind, struct words *w,
                             struct config_effect *eff, char *reason)
{
    struct filter tmp;
    if (parse_filter(kind, w->w + 1, w->n - 1, &tmp, reason) < 0)
        return -1;
    struct filter *f = malloc(sizeof(*f));
    if (!f)
        return fail(reason, "out of memory");
    *f = tmp;
    f->next = NULL;
    struct filter **pp = &c->filters[kind];
    while (*pp)
        pp = &(*pp)->next;
    *pp = f;
    eff->kind = EFFECT_FILTER;
    strlcpy_safe(eff->option, filter_names[kind], sizeof(eff->option));
    return 0;
}

/* ------------------------------------------------------------------ */
/* Directives registered by extensions. */

static struct {
    char keyword[EXT_KEYWORD_MAX];
    config_directive_fn fn;
    void *ctx;
} extensions[MAX_EXTENSIONS];
static int n_extensions;

static bool is_builtin(const char *kw)
{
    if (strcmp(kw, "interface") == 0 || strcmp(kw, "default") == 0 || strcmp(kw, "key") == 0)
        return true;
    for (int k = 0; k < FILTER_KIND_COUNT; k++)
        if (strcmp(kw, filter_names[k]) == 0)
            return true;
    return find_global_opt(kw) != NULL;
}

int config_register_directive(const char *keyword, config_directive_fn fn, void *ctx)
{
    if (!keyword || !fn || keyword[0] == '\0' || strlen(keyword) >= EXT_KEYWORD_MAX)
        return -1;
    /* Two owners of one keyword would make dispatch depend on load order. */
    if (is_builtin(keyword))
        return -1;
    for (int i = 0; i < n_extensions; i++)
        if (strcmp(extensions[i].keyword, keyword) == 0)
            return -1;
    if (n_extensions >= MAX_EXTENSIONS)
        return -1;
    strlcpy_safe(extensions[n_extensions].keyword, keyword, EXT_KEYWORD_MAX);
    extensions[n_extensions].fn = fn;
    extensions[n_extensions].ctx = ctx;
    n_extensions++;
    return 0;
}

bool config_is_extension(const char *keyword)
{
    for (int i = 0; i < n_extensions; i++)
        if (strcmp(extensions[i].keyword, keyword) == 0)
            return true;
    return false;
}

static int parse_extension(struct words *w, struct config_effect *eff, char *reason)
{
    for (int i = 0; i < n_extensions; i++) {
        if (strcmp(extensions[i].keyword, w->w[0]) != 0)
            continue;
        reason[0] = '\0';
        if (extensions[i].fn(w->w, w->n, reason, REASON_MAX, extensions[i].ctx) < 0) {
            if (reason[0] == '\0')
                fail(reason, "%s: rejected", w->w[0]);
            return -1;
        }
        eff->kind = EFFECT_EXTENSION;
        strlcpy_safe(eff->option, w->w[0], sizeof(eff->option));
        return 0;
    }
    return fail(reason, "unknown directive '%s'", w->w[0]);
}

/* ------------------------------------------------------------------ */
/* Public entry points. */

void config_init(struct babel_config *c)
{
    memset(c, 0, sizeof(*c));
    struct babel_options *o = &c->opt;
    static const uint8_t group[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 6};
    memcpy(o->protocol_group, group, 16);
    o->protocol_port = 6696;
    o->kernel_priority = 0;
    o->allow_duplicates = -1;
    o->ipv6_subtrees = -1;
    o->local_port = -1;
    o->local_port_rw = -1;
    o->export_table = 254;
    o->kernel_check_interval = 300000;
    o->smoothing_half_life = 4;
    strlcpy_safe(o->state_file, "/var/lib/babel-state", sizeof(o->state_file));
    strlcpy_safe(o->pid_file, "/var/run/babeld.pid", sizeof(o->pid_file));
    o->first_rule_priority = 100;
    o->diversity = 0;
    o->diversity_factor = 128;
    o->hello_interval_wireless = 4000;
    o->hello_interval_wired = 4000;
    ifconf_clear(&c->default_conf);
}

void config_free(struct babel_config *c)
{
    while (c->interfaces) {
        struct interface_conf *next = c->interfaces->next;
        free(c->interfaces);
        c->interfaces = next;
    }
    for (int k = 0; k < FILTER_KIND_COUNT; k++) {
        filter_free_list(c->filters[k]);
        c->filters[k] = NULL;
    }
    while (c->keys) {
        struct key_conf *next = c->keys->next;
        /* Key material should not linger in freed memory. */
        memset(c->keys->value, 0, sizeof(c->keys->value));
        free(c->keys);
        c->keys = next;
    }
}

static void set_error(char *err, size_t errlen, const char *origin, int lineno, const char *reason)
{
    if (!err || errlen == 0)
        return;
    if (!origin)
        origin = "config";
    if (lineno > 0)
        snprintf(err, errlen, "%s:%d: %s", origin, lineno, reason);
    else
        snprintf(err, errlen, "%s: %s", origin, reason);
}

static int dispatch(struct babel_config *c, struct words *w, struct config_effect *eff,
                    char *reason)
{
    const char *kw = w->w[0];
    if (strcmp(kw, "interface") == 0)
        return parse_interface(c, w, eff, reason);
    if (strcmp(kw, "default") == 0)
        return parse_default(c, w, eff, reason);
    if (strcmp(kw, "key") == 0)
        return parse_key(c, w, eff, reason);
    for (int k = 0; k < FILTER_KIND_COUNT; k++)
        if (strcmp(kw, filter_names[k]) == 0)
            return parse_filter_line(c, (enum filter_kind)k, w, eff, reason);
    const struct global_opt *g = find_global_opt(kw);
    if (g)
        return parse_global(c, g, w, eff, reason);
    return parse_extension(w, eff, reason);
}

int config_parse_line(struct babel_config *c, const char *line, const char *origin, int lineno,
                      struct config_effect *eff, char *err, size_t errlen)
{
    char reason[REASON_MAX] = "";
    struct config_effect e;
    memset(&e, 0, sizeof(e));
    e.kind = EFFECT_NONE;
    struct words w = {0};
    int rc = tokenize(line ? line : "", &w, reason);
    if (rc == 0 && w.n > 0)
        rc = dispatch(c, &w, &e, reason);
    words_free(&w);
    if (rc < 0) {
        set_error(err, errlen, origin, lineno, reason);
        return -1;
    }
    if (eff)
        *eff = e;
    return 0;
}

int config_parse_file(struct babel_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        char reason[REASON_MAX];
        snprintf(reason, sizeof(reason), "%s", strerror(errno));
        set_error(err, errlen, path, 0, reason);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, rc = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len > LINE_MAX_CHARS) {
            char reason[64];
            snprintf(reason, sizeof(reason), "line longer than %d characters", LINE_MAX_CHARS);
            set_error(err, errlen, path, lineno, reason);
            rc = -1;
            break;
        }
        if (config_parse_line(c, line, path, lineno, NULL, err, errlen) < 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        set_error(err, errlen, path, 0, strerror(errno));
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

const struct interface_conf *config_find_interface(const struct babel_config *c, const char *ifname)
{
    return find_ifconf(c, ifname);
}

const struct key_conf *config_find_key(const struct babel_config *c, const char *id)
{
    for (const struct key_conf *k = c->keys; k; k = k->next)
        if (strcmp(k->id, id) == 0)
            return k;
    return NULL;
}

void config_resolve_interface(const struct babel_config *c, const char *ifname, bool is_wireless,
                              struct interface_params *out)
{
    /* The default line, then the interface's own line on top.  An explicit
     * "auto" counts as set: it asks for detection even if the default line
     * says otherwise. */
    struct interface_conf m = c->default_conf;
    const struct interface_conf *own = ifname ? find_ifconf(c, ifname) : NULL;
    if (own)
        ifconf_overlay(&m, own);

    const struct babel_options *o = &c->opt;
    memset(out, 0, sizeof(*out));
    if (m.type == CONF_UNSET || m.type == IF_TYPE_AUTO)
        out->type = (is_wireless || o->assume_wireless) ? IF_TYPE_WIRELESS : IF_TYPE_WIRED;
    else
        out->type = (enum if_type)m.type;
    bool wireless = out->type == IF_TYPE_WIRELESS;
    bool tunnel = out->type == IF_TYPE_TUNNEL;

#define PICK(field, dflt) ((m.field) != CONF_UNSET ? (m.field) : (dflt))
    out->link_quality = m.link_quality == 0 || m.link_quality == 1 ? m.link_quality : wireless;
    if (m.split_horizon == 0 || m.split_horizon == 1)
        out->split_horizon = m.split_horizon;
    else
        out->split_horizon = out->type == IF_TYPE_WIRED && !o->no_split_horizon;
    out->rxcost = (unsigned)PICK(rxcost, wireless ? 256 : 96);
    out->hello_interval = (unsigned)PICK(
        hello_interval, (int)(wireless ? o->hello_interval_wireless : o->hello_interval_wired));
    out->update_interval = (unsigned)PICK(update_interval, (int)(4 * out->hello_interval));
    out->enable_timestamps = PICK(enable_timestamps, tunnel);
    out->unicast = PICK(unicast, 0);
    out->rfc6126_compatible = PICK(rfc6126_compatible, 0);
    out->rtt_decay = (unsigned)PICK(rtt_decay, 42);
    out->rtt_min = (unsigned)PICK(rtt_min, 10);
    out->rtt_max = (unsigned)PICK(rtt_max, 120);
    out->max_rtt_penalty = (unsigned)PICK(max_rtt_penalty, tunnel ? 96 : 0);
    out->v4_via_v6 = PICK(v4_via_v6, 1);
    out->faraway = PICK(faraway, 0);
    out->accept_bad_signatures = PICK(accept_bad_signatures, 0);
    /* Wireless with no channel configured: CONF_UNSET asks the caller to
     * detect it. */
    out->channel = PICK(channel, wireless ? CONF_UNSET : CHANNEL_NONINTERFERING);
#undef PICK
    strlcpy_safe(out->key_id, m.key_id, sizeof(out->key_id));
}
