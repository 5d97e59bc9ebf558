/* mcast-interface: the directive, its records and change subscriptions
 * (see mcif.h). */
#include "mcast/mcif.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "babel/config.h"
#include "babel/config_words.h"
#include "babel/event.h"
#include "babel/extension.h"
#include "babel/local.h"
#include "babel/util.h"
#include "mcast/igmp_codec.h"

#define MAX_SUBS 8
#define MAX_MCIFS 256

struct mcif {
    struct mcif *next;
    struct mcif_conf c;
};

static struct mcif *mcifs, **mcifs_tail = &mcifs;
static unsigned nmcifs;
static struct {
    mcif_change_fn fn;
    void *ctx;
} subs[MAX_SUBS];
static unsigned nsubs;
/* The daemon runs but subscribers have not yet heard of what the
 * configuration files said: they hear it at the first tick, once every
 * subsystem's start() has run, whatever the registration order. */
static bool announce_pending;
static bool announced;

static void format_conf(char *buf, size_t len, const char *kind, const struct mcif_conf *c)
{
    snprintf(buf, len,
             "%s mcast-interface %s igmp %s pim %s igmp-version %d dr-priority %u auto-her %s "
             "igmp-robustness %u igmp-query-interval %u igmp-query-response-interval %u.%u "
             "igmp-last-member-query-interval %u.%u sa-originate %s\n",
             kind, c->name, c->igmp ? "true" : "false", c->pim ? "true" : "false",
             c->igmp_version, c->dr_priority, c->auto_her ? "true" : "false", c->igmp_robustness,
             c->igmp_query_interval, c->igmp_qri_ds / 10, c->igmp_qri_ds % 10,
             c->igmp_lmqi_ds / 10, c->igmp_lmqi_ds % 10, c->sa_originate ? "true" : "false");
}

static void notify(const struct mcif_conf *c, enum ext_change what)
{
    if (!announced)
        return;
    if (local_have_monitors()) {
        char buf[320];
        format_conf(buf, sizeof(buf),
                    what == EXT_ADD ? "add" : what == EXT_CHANGE ? "change" : "flush", c);
        local_notify_line(buf);
    }
    for (unsigned i = 0; i < nsubs; i++)
        subs[i].fn(c, what, subs[i].ctx);
}

static struct mcif *find(const char *name)
{
    for (struct mcif *m = mcifs; m; m = m->next)
        if (strcmp(m->c.name, name) == 0)
            return m;
    return NULL;
}

const struct mcif_conf *mcif_find(const char *ifname)
{
    struct mcif *m = find(ifname);
    return m ? &m->c : NULL;
}

void mcif_foreach(void (*fn)(const struct mcif_conf *c, void *ctx), void *ctx)
{
    for (struct mcif *m = mcifs; m; m = m->next)
        fn(&m->c, ctx);
}

int mcif_on_change(mcif_change_fn fn, void *ctx)
{
    if (nsubs == MAX_SUBS)
        return -1;
    subs[nsubs].fn = fn;
    subs[nsubs++].ctx = ctx;
    return 0;
}

/* Seconds with at most one decimal, as deciseconds: 1 to 31744 (what a
 * Max Resp Code can carry). */
static int parse_ds(const char *w, unsigned *out)
{
    unsigned long whole = 0, tenth = 0;
    const char *dot = strchr(w, '.');
    char intpart[16];
    size_t il = dot ? (size_t)(dot - w) : strlen(w);
    if (il == 0 || il >= sizeof(intpart))
        return -1;
    memcpy(intpart, w, il);
    intpart[il] = 0;
    /* whole seconds; the exact bound is checked in deciseconds below */
    if (parse_uint(intpart, IGMP_CODE_MAX / 10 + 1, &whole) < 0)
        return -1;
    if (dot) {
        if (dot[1] < '0' || dot[1] > '9' || dot[2] != 0)
            return -1;
        tenth = (unsigned long)(dot[1] - '0');
    }
    unsigned long ds = whole * 10 + tenth;
    if (ds < 1 || ds > IGMP_CODE_MAX)
        return -1;
    *out = (unsigned)ds;
    return 0;
}

/* mcast-interface IF [igmp B] [pim B] [igmp-version 2|3] [dr-priority N]
 * [auto-her B]: everything is checked before anything changes. */
static int dir_mcif(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    if (nwords < 2) {
        snprintf(err, errlen, "mcast-interface: expected an interface name");
        return -1;
    }
    if (strlen(words[1]) == 0 || strlen(words[1]) >= IF_NAMESIZE) {
        snprintf(err, errlen, "mcast-interface: '%s' is not an interface name", words[1]);
        return -1;
    }
    struct mcif_conf c;
    memset(&c, 0, sizeof(c)); /* compared with memcmp: no stray padding */
    c.igmp = c.pim = true;
    c.sa_originate = true;
    c.igmp_version = 3;
    c.dr_priority = 1;
    c.igmp_robustness = 2;
    c.igmp_query_interval = 125;
    c.igmp_qri_ds = 100;
    c.igmp_lmqi_ds = 10;
    strlcpy_safe(c.name, words[1], sizeof(c.name));
    for (int i = 2; i < nwords; i += 2) {
        const char *k = words[i];
        if (i + 1 >= nwords) {
            snprintf(err, errlen, "mcast-interface %s: '%s' needs a value", c.name, k);
            return -1;
        }
        const char *v = words[i + 1];
        unsigned long n;
        bool *flag = strcmp(k, "igmp") == 0       ? &c.igmp
                     : strcmp(k, "pim") == 0      ? &c.pim
                     : strcmp(k, "auto-her") == 0 ? &c.auto_her
                     : strcmp(k, "sa-originate") == 0 ? &c.sa_originate
                                                  : NULL;
        if (flag) {
            if (config_parse_bool(v, flag) < 0) {
                snprintf(err, errlen, "mcast-interface %s: %s expects true or false, not '%s'",
                         c.name, k, v);
                return -1;
            }
        } else if (strcmp(k, "igmp-version") == 0) {
            if (strcmp(v, "2") != 0 && strcmp(v, "3") != 0) {
                snprintf(err, errlen, "mcast-interface %s: igmp-version is 2 or 3, not '%s'",
                         c.name, v);
                return -1;
            }
            c.igmp_version = v[0] - '0';
        } else if (strcmp(k, "dr-priority") == 0) {
            if (parse_uint(v, 0xffffffffUL, &n) < 0) {
                snprintf(err, errlen,
                         "mcast-interface %s: dr-priority is a number from 0 to 4294967295, "
                         "not '%s'",
                         c.name, v);
                return -1;
            }
            c.dr_priority = (unsigned)n;
        } else if (strcmp(k, "igmp-robustness") == 0) {
            if (parse_uint(v, 7, &n) < 0 || n < 1) {
                snprintf(err, errlen, "mcast-interface %s: igmp-robustness is 1 to 7, not '%s'",
                         c.name, v);
                return -1;
            }
            c.igmp_robustness = (unsigned)n;
        } else if (strcmp(k, "igmp-query-interval") == 0) {
            if (parse_uint(v, IGMP_CODE_MAX, &n) < 0 || n < 1) {
                snprintf(err, errlen,
                         "mcast-interface %s: igmp-query-interval is 1 to 31744 seconds, not '%s'",
                         c.name, v);
                return -1;
            }
            c.igmp_query_interval = (unsigned)n;
        } else if (strcmp(k, "igmp-query-response-interval") == 0 ||
                   strcmp(k, "igmp-last-member-query-interval") == 0) {
            unsigned ds;
            if (parse_ds(v, &ds) < 0) {
                snprintf(err, errlen,
                         "mcast-interface %s: %s is 0.1 to 3174.4 seconds (one decimal), not '%s'",
                         c.name, k, v);
                return -1;
            }
            if (k[5] == 'q')
                c.igmp_qri_ds = ds;
            else
                c.igmp_lmqi_ds = ds;
        } else {
            snprintf(err, errlen, "mcast-interface %s: unknown option '%s'", c.name, k);
            return -1;
        }
    }
    if (c.igmp_qri_ds >= c.igmp_query_interval * 10) {
        snprintf(err, errlen,
                 "mcast-interface %s: igmp-query-response-interval must be below "
                 "igmp-query-interval",
                 c.name);
        return -1;
    }
    struct mcif *m = find(c.name);
    if (m) {
        if (memcmp(&m->c, &c, sizeof(c)) == 0)
            return 0;
        m->c = c;
        notify(&m->c, EXT_CHANGE);
        return 0;
    }
    if (nmcifs >= MAX_MCIFS) {
        snprintf(err, errlen, "mcast-interface: more than %d interfaces", MAX_MCIFS);
        return -1;
    }
    m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "mcast-interface: out of memory");
        return -1;
    }
    m->c = c;
    *mcifs_tail = m;
    mcifs_tail = &m->next;
    nmcifs++;
    notify(&m->c, EXT_ADD);
    return 0;
}

static int flush_mcif(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    if (nwords != 2) {
        snprintf(err, errlen, "expected 'flush mcast-interface IF'");
        return -1;
    }
    for (struct mcif **pp = &mcifs; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->c.name, words[1]) == 0) {
            struct mcif *m = *pp;
            *pp = m->next;
            if (mcifs_tail == &m->next)
                mcifs_tail = pp;
            nmcifs--;
            /* Subscribers see the settings once more, as it goes. */
            notify(&m->c, EXT_FLUSH);
            free(m);
            return 0;
        }
    snprintf(err, errlen, "%s is not a mcast-interface", words[1]);
    return -1;
}

static void on_dump(void (*emit)(const char *, void *), void *out, void *ctx)
{
    char buf[320];
    for (struct mcif *m = mcifs; m; m = m->next) {
        format_conf(buf, sizeof(buf), "add", &m->c);
        emit(buf, out);
    }
}

static void on_start(void *ctx) { announce_pending = true; }

static void on_stop(void *ctx)
{
    announce_pending = false;
    announced = false;
}

static uint64_t on_tick(void *ctx)
{
    if (announce_pending) {
        announce_pending = false;
        announced = true;
        for (struct mcif *m = mcifs; m; m = m->next)
            notify(&m->c, EXT_ADD);
    }
    return EVENT_NEVER;
}

void mcif_register(void)
{
    config_register_directive("mcast-interface", dir_mcif, NULL);
    ext_register_flush("mcast-interface", flush_mcif, NULL);
    ext_register_dump(on_dump, NULL);
    ext_on_lifecycle(on_start, on_stop, NULL);
    event_add_tick(on_tick, NULL);
}
