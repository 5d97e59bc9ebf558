/* IGMP, the router side (see igmp.h).  Section numbers are RFC 3376's. */
#include "mcast/igmp.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "babel/event.h"
#include "babel/extension.h"
#include "babel/kernel.h"
#include "babel/kernel_watch.h"
#include "babel/local.h"
#include "babel/util.h"
#include "mcast/igmp_codec.h"
#include "mcast/mcif.h"
#include "mcast/mrib.h"
#include "mcast/mroute.h"

#define IF_RECHECK_MS 1000
#define MAX_GROUPS_PER_IF 1024
#define MAX_SOURCES_PER_GROUP 256
/* Sources per query: what fits in a 1500-byte packet with IP header and
 * Router Alert (24 bytes) after the 12-byte query header. */
#define QUERY_MAX_SOURCES 366

struct igmp_source {
    struct igmp_source *next;
    struct in_addr addr;
    uint64_t timer;   /* expiry; 0: not running (EXCLUDE mode's excluded list) */
    unsigned rexmit;  /* group-and-source-specific queries still to send */
};

struct igmp_group {
    struct igmp_group *next;
    struct in_addr g;
    bool exclude;
    uint64_t timer; /* group timer (EXCLUDE mode); 0: not running */
    struct igmp_source *sources;
    unsigned nsources;
    uint64_t v1_host_until, v2_host_until; /* Older Host Present timers (7.3.2) */
    unsigned g_rexmit;                     /* group-specific queries still to send */
    uint64_t next_rexmit;                  /* when the next specific query goes */
    struct in_addr reporter;
    /* What we gave the MRIB, so a change takes back exactly that. */
    bool applied_star;
    unsigned napplied;
    struct in_addr *applied;
    unsigned nexcl; /* excluded sources given to the MRIB */
    struct in_addr *excl;
    char shown[512]; /* the record as monitors last saw it (without timers) */
};

struct igmp_if {
    struct igmp_if *next;
    struct mcif_conf conf;
    unsigned ifindex;
    struct in_addr addr, mask; /* our first IPv4 address there */
    struct in_addr peer;       /* the far end of a point-to-point link */
    bool joined;
    bool querier;
    struct in_addr querier_addr;
    uint64_t other_querier_until;
    uint64_t v1_querier_until, v2_querier_until; /* Older Version Querier Present */
    unsigned startup_left;
    uint64_t next_general;
    /* Values in use: configured, or adopted from the querier (4.1.6, 4.1.7). */
    unsigned rv, qi;
    struct igmp_group *groups;
    unsigned ngroups;
    char shown[256];
};

static struct igmp_if *ifs;
/* What the igmp-stats record shows. */
static struct igmp_stats {
    uint64_t received, queries, v1_reports, v2_reports, v3_reports, leaves;
    uint64_t truncated, bad_checksum, malformed, unknown_type, not_on_link, unknown_records;
    uint64_t queries_sent, send_errors;
} stats;
static bool started;
static uint64_t next_due = EVENT_NEVER;
static uint64_t next_if_check;

static void due(uint64_t t)
{
    if (t && t < next_due)
        next_due = t;
}

/* ---- timers of RFC 3376 section 8, in ms -------------------------------- */

static uint64_t qri_ms(const struct igmp_if *i) { return (uint64_t)i->conf.igmp_qri_ds * 100; }
static uint64_t lmqi_ms(const struct igmp_if *i) { return (uint64_t)i->conf.igmp_lmqi_ds * 100; }
static uint64_t gmi_ms(const struct igmp_if *i) { return (uint64_t)i->rv * i->qi * 1000 + qri_ms(i); }
static uint64_t oqpi_ms(const struct igmp_if *i)
{
    return (uint64_t)i->rv * i->qi * 1000 + qri_ms(i) / 2;
}
static uint64_t lmqt_ms(const struct igmp_if *i) { return lmqi_ms(i) * i->rv; }
/* Older Host Present Interval and Older Version Querier Present Timeout. */
static uint64_t ohpi_ms(const struct igmp_if *i) { return gmi_ms(i); }

static bool running(uint64_t t) { return t && t > now_ms; }

/* The version we query with: configured, lowered while an older querier
 * is present (7.3.1). */
static int if_version(const struct igmp_if *i)
{
    int v = i->conf.igmp_version;
    if (running(i->v1_querier_until))
        return 1;
    if (running(i->v2_querier_until) && v > 2)
        return 2;
    return v;
}

/* Group Compatibility Mode (7.3.2). */
static int group_version(const struct igmp_if *i, const struct igmp_group *g)
{
    int v = if_version(i);
    if (running(g->v1_host_until))
        return 1;
    if (running(g->v2_host_until) && v > 2)
        return 2;
    return v;
}

/* ---- records ------------------------------------------------------------ */

static unsigned secs_left(uint64_t t) { return t > now_ms ? (unsigned)((t - now_ms + 999) / 1000) : 0; }

/* The record without its timers when `timers` is false (what decides
 * whether monitors hear of a change). */
static void format_group(char *buf, size_t len, const char *kind, const struct igmp_if *i,
                         const struct igmp_group *g, bool timers)
{
    char ga[INET_ADDRSTRLEN], a[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &g->g, ga, sizeof(ga));
    inet_ntop(AF_INET, &g->reporter, a, sizeof(a));
    size_t off = (size_t)snprintf(buf, len, "%s igmp-group %s if %s mode %s version %d", kind,
                                  ga, i->conf.name, g->exclude ? "exclude" : "include",
                                  group_version(i, g));
    if (timers && g->exclude && off < len)
        off += (size_t)snprintf(buf + off, len - off, " expires %u", secs_left(g->timer));
    for (int pass = 0; pass < 2; pass++) {
        /* pass 0: sources forwarded (timer running); 1: excluded. */
        const char *sep = pass == 0 ? " sources " : " excluded ";
        for (const struct igmp_source *s = g->sources; s && off < len; s = s->next) {
            if ((pass == 0) != (s->timer != 0))
                continue;
            inet_ntop(AF_INET, &s->addr, ga, sizeof(ga));
            off += (size_t)snprintf(buf + off, len - off, "%s%s", sep, ga);
            if (timers && pass == 0 && off < len)
                off += (size_t)snprintf(buf + off, len - off, ":%u", secs_left(s->timer));
            sep = ",";
        }
    }
    if (off < len)
        snprintf(buf + off, len - off, " reporter %s\n", a);
}

static void format_if(char *buf, size_t len, const char *kind, const struct igmp_if *i,
                      bool timers)
{
    char a[INET_ADDRSTRLEN], q[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &i->addr, a, sizeof(a));
    inet_ntop(AF_INET, &i->querier_addr, q, sizeof(q));
    size_t off = (size_t)snprintf(buf, len,
                                  "%s igmp-interface %s address %s querier %s self %s version %d "
                                  "robustness %u query-interval %u groups %u",
                                  kind, i->conf.name, i->addr.s_addr ? a : "-",
                                  i->querier_addr.s_addr ? q : "-", i->querier ? "true" : "false",
                                  if_version(i), i->rv, i->qi, i->ngroups);
    if (timers && !i->querier && off < len)
        off += (size_t)snprintf(buf + off, len - off, " other-querier-expires %u",
                                secs_left(i->other_querier_until));
    if (off < len)
        snprintf(buf + off, len - off, "\n");
}

static void notify_line(const char *line)
{
    if (local_have_monitors())
        local_notify_line(line);
}

static void group_shown(struct igmp_if *i, struct igmp_group *g, bool gone)
{
    char now[512];
    if (gone) {
        if (g->shown[0]) {
            format_group(now, sizeof(now), "flush", i, g, false);
            notify_line(now);
        }
        return;
    }
    format_group(now, sizeof(now), "x", i, g, false);
    if (strcmp(now, g->shown) == 0)
        return;
    bool fresh = g->shown[0] == 0;
    strlcpy_safe(g->shown, now, sizeof(g->shown));
    format_group(now, sizeof(now), fresh ? "add" : "change", i, g, true);
    notify_line(now);
}

static void if_shown(struct igmp_if *i)
{
    char now[256];
    format_if(now, sizeof(now), "x", i, false);
    if (strcmp(now, i->shown) == 0)
        return;
    bool fresh = i->shown[0] == 0;
    strlcpy_safe(i->shown, now, sizeof(i->shown));
    format_if(now, sizeof(now), fresh ? "add" : "change", i, true);
    notify_line(now);
}

/* ---- the MRIB ------------------------------------------------------------- */

/* EXCLUDE mode: (*,G) on the interface (excluded sources are kept and
 * shown, but not carved out of forwarding).  INCLUDE mode: (S,G) for each
 * source whose timer runs. */
static struct igmp_source *src_find(struct igmp_group *g, struct in_addr a);

/* EXCLUDE mode's excluded sources (timer 0) as MRIB exclusions. */
static void group_sync_excluded(struct igmp_if *i, struct igmp_group *g, bool gone)
{
    unsigned k = 0;
    for (unsigned j = 0; j < g->nexcl; j++) {
        struct igmp_source *s = gone || !g->exclude ? NULL : src_find(g, g->excl[j]);
        if (s && !s->timer)
            g->excl[k++] = g->excl[j];
        else
            mrib_set_excluded(g->excl[j], g->g, i->ifindex, false);
    }
    g->nexcl = k;
    if (gone || !g->exclude)
        return;
    for (struct igmp_source *s = g->sources; s; s = s->next) {
        if (s->timer)
            continue;
        bool have = false;
        for (unsigned j = 0; j < g->nexcl && !have; j++)
            have = g->excl[j].s_addr == s->addr.s_addr;
        if (have)
            continue;
        struct in_addr *n = realloc(g->excl, (g->nexcl + 1) * sizeof(*n));
        if (!n)
            return;
        g->excl = n;
        if (mrib_set_excluded(s->addr, g->g, i->ifindex, true) == 0)
            g->excl[g->nexcl++] = s->addr;
    }
}

static void group_sync_mrib(struct igmp_if *i, struct igmp_group *g, bool gone)
{
    group_sync_excluded(i, g, gone);
    struct in_addr any = {INADDR_ANY};
    bool want_star = !gone && g->exclude;
    if (want_star && !g->applied_star)
        mrib_add_oif(any, g->g, i->ifindex, MRIB_FROM_IGMP);
    else if (!want_star && g->applied_star)
        mrib_del_oif(any, g->g, i->ifindex, MRIB_FROM_IGMP);
    g->applied_star = want_star;
    /* Take back what is no longer wanted, then add what is new. */
    unsigned k = 0;
    for (unsigned j = 0; j < g->napplied; j++) {
        bool keep = false;
        if (!gone && !g->exclude)
            for (struct igmp_source *s = g->sources; s; s = s->next)
                if (s->addr.s_addr == g->applied[j].s_addr && s->timer)
                    keep = true;
        if (keep)
            g->applied[k++] = g->applied[j];
        else
            mrib_del_oif(g->applied[j], g->g, i->ifindex, MRIB_FROM_IGMP);
    }
    g->napplied = k;
    if (gone || g->exclude)
        return;
    for (struct igmp_source *s = g->sources; s; s = s->next) {
        if (!s->timer)
            continue;
        bool have = false;
        for (unsigned j = 0; j < g->napplied && !have; j++)
            have = g->applied[j].s_addr == s->addr.s_addr;
        if (have)
            continue;
        struct in_addr *n = realloc(g->applied, (g->napplied + 1) * sizeof(*n));
        if (!n)
            return;
        g->applied = n;
        if (mrib_add_oif(s->addr, g->g, i->ifindex, MRIB_FROM_IGMP) == 0)
            g->applied[g->napplied++] = s->addr;
    }
}

/* ---- groups and sources ------------------------------------------------- */

static struct igmp_group *group_find(struct igmp_if *i, struct in_addr ga)
{
    for (struct igmp_group *g = i->groups; g; g = g->next)
        if (g->g.s_addr == ga.s_addr)
            return g;
    return NULL;
}

static struct igmp_group *group_get(struct igmp_if *i, struct in_addr ga)
{
    struct igmp_group *g = group_find(i, ga);
    if (g || i->ngroups >= MAX_GROUPS_PER_IF)
        return g;
    g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->g = ga;
    g->next = i->groups;
    i->groups = g;
    i->ngroups++;
    return g;
}

static struct igmp_source *src_find(struct igmp_group *g, struct in_addr a)
{
    for (struct igmp_source *s = g->sources; s; s = s->next)
        if (s->addr.s_addr == a.s_addr)
            return s;
    return NULL;
}

static struct igmp_source *src_add(struct igmp_group *g, struct in_addr a, uint64_t timer)
{
    struct igmp_source *s = src_find(g, a);
    if (s)
        return s;
    if (g->nsources >= MAX_SOURCES_PER_GROUP)
        return NULL;
    s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->addr = a;
    s->timer = timer;
    s->next = g->sources;
    g->sources = s;
    g->nsources++;
    due(timer);
    return s;
}

static void src_del(struct igmp_group *g, struct igmp_source *s)
{
    for (struct igmp_source **pp = &g->sources; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            g->nsources--;
            free(s);
            return;
        }
}

static void group_free(struct igmp_if *i, struct igmp_group *g)
{
    group_sync_mrib(i, g, true);
    group_shown(i, g, true);
    for (struct igmp_group **pp = &i->groups; *pp; pp = &(*pp)->next)
        if (*pp == g) {
            *pp = g->next;
            i->ngroups--;
            break;
        }
    while (g->sources)
        src_del(g, g->sources);
    free(g->applied);
    free(g->excl);
    free(g);
}

/* An INCLUDE-mode group with no sources has no reason to exist. */
static bool group_settle(struct igmp_if *i, struct igmp_group *g)
{
    if (!g->exclude && !g->sources) {
        group_free(i, g);
        return false;
    }
    group_sync_mrib(i, g, false);
    group_shown(i, g, false);
    return true;
}

static bool in_list(const uint8_t *list, unsigned n, struct in_addr a)
{
    for (unsigned k = 0; k < n; k++)
        if (memcmp(list + 4 * k, &a.s_addr, 4) == 0)
            return true;
    return false;
}

static struct in_addr list_at(const uint8_t *list, unsigned k)
{
    struct in_addr a;
    memcpy(&a.s_addr, list + 4 * k, 4);
    return a;
}

/* ---- sending queries ---------------------------------------------------- */

static void send_query(struct igmp_if *i, struct in_addr group, bool s_flag,
                       const struct in_addr *src, unsigned nsrc)
{
    if (!i->addr.s_addr || !i->ifindex)
        return;
    int v = if_version(i);
    uint8_t buf[12 + 4 * QUERY_MAX_SOURCES];
    struct igmp_query_spec q = {.version = v,
                                .max_resp_ds = group.s_addr ? i->conf.igmp_lmqi_ds
                                                            : i->conf.igmp_qri_ds,
                                .group = group,
                                .s_flag = s_flag,
                                .qrv = i->rv,
                                .qqi = i->qi};
    /* Group-and-source-specific queries exist only in IGMPv3; a v1 querier
     * never sends specific queries at all. */
    if ((nsrc && v < 3) || (group.s_addr && v == 1))
        return;
    unsigned done = 0;
    do {
        unsigned n = nsrc - done > QUERY_MAX_SOURCES ? QUERY_MAX_SOURCES : nsrc - done;
        q.nsources = n;
        q.sources = src + done;
        size_t len = igmp_build_query(buf, sizeof(buf), &q);
        struct in_addr dst = group;
        if (!group.s_addr)
            inet_pton(AF_INET, "224.0.0.1", &dst);
        if (len && mroute_send_igmp(i->ifindex, dst, buf, len) == 0)
            stats.queries_sent++;
        else
            stats.send_errors++;
        done += n;
    } while (done < nsrc);
}

static void send_general(struct igmp_if *i)
{
    struct in_addr any = {INADDR_ANY};
    send_query(i, any, false, NULL, 0);
}

/* One round of the pending specific queries of a group (6.6.3): the
 * group-specific one, then the sources split by whether their timers are
 * above LMQT (S flag set) or not. */
static void send_specific(struct igmp_if *i, struct igmp_group *g)
{
    uint64_t lmqt = now_ms + lmqt_ms(i);
    if (g->g_rexmit) {
        send_query(i, g->g, g->exclude && g->timer > lmqt, NULL, 0);
        g->g_rexmit--;
    }
    struct in_addr above[QUERY_MAX_SOURCES], below[QUERY_MAX_SOURCES];
    unsigned na = 0, nb = 0;
    for (struct igmp_source *s = g->sources; s; s = s->next) {
        if (!s->rexmit)
            continue;
        s->rexmit--;
        if (s->timer > lmqt && na < QUERY_MAX_SOURCES)
            above[na++] = s->addr;
        else if (s->timer <= lmqt && nb < QUERY_MAX_SOURCES)
            below[nb++] = s->addr;
    }
    if (na)
        send_query(i, g->g, true, above, na);
    if (nb)
        send_query(i, g->g, false, below, nb);
    bool more = g->g_rexmit > 0;
    for (struct igmp_source *s = g->sources; s && !more; s = s->next)
        more = s->rexmit > 0;
    g->next_rexmit = more ? now_ms + lmqi_ms(i) : 0;
    due(g->next_rexmit);
}

/* Send Q(G): the group timer comes down to LMQT (6.6.3.1). */
static void query_group(struct igmp_if *i, struct igmp_group *g)
{
    if (!i->querier || group_version(i, g) == 1)
        return;
    uint64_t lmqt = now_ms + lmqt_ms(i);
    if (g->exclude && g->timer > lmqt)
        g->timer = lmqt;
    due(g->timer);
    g->g_rexmit = i->rv;
    send_specific(i, g);
}

/* Send Q(G,A) for the sources of g that pick() selects (6.6.3.2). */
static void query_sources(struct igmp_if *i, struct igmp_group *g, const uint8_t *list,
                          unsigned n, bool in_a, int want_y)
{
    if (!i->querier || group_version(i, g) < 3)
        return;
    uint64_t lmqt = now_ms + lmqt_ms(i);
    bool any = false;
    for (struct igmp_source *s = g->sources; s; s = s->next) {
        if (in_list(list, n, s->addr) != in_a)
            continue;
        /* want_y: 0 only X (timer running), 1 any. */
        if (want_y == 0 && !s->timer)
            continue;
        if (s->timer > lmqt)
            s->timer = lmqt;
        due(s->timer);
        s->rexmit = i->rv;
        any = true;
    }
    if (any)
        send_specific(i, g);
}

/* ---- reports (6.4) ------------------------------------------------------- */

static void handle_record(struct igmp_if *i, struct in_addr ga, uint8_t type, const uint8_t *b,
                          unsigned n, struct in_addr reporter)
{
    struct igmp_group *g = group_find(i, ga);
    /* Compatibility translations (7.3.2). */
    int gv = g ? group_version(i, g) : if_version(i);
    if (gv < 3) {
        if (type == IGMP_BLOCK_OLD_SOURCES)
            return;
        if (type == IGMP_CHANGE_TO_EXCLUDE || type == IGMP_MODE_IS_EXCLUDE) {
            type = IGMP_MODE_IS_EXCLUDE; /* an IGMPv2 report */
            n = 0;
        } else if (type == IGMP_CHANGE_TO_INCLUDE) {
            if (gv == 1)
                return;
            n = 0; /* an IGMPv2 leave */
        }
    }
    if (!g) {
        /* Nothing to leave or block in a group we do not have. */
        if ((type == IGMP_CHANGE_TO_INCLUDE || type == IGMP_MODE_IS_INCLUDE ||
             type == IGMP_ALLOW_NEW_SOURCES) && n == 0)
            return;
        if (type == IGMP_BLOCK_OLD_SOURCES)
            return;
        g = group_get(i, ga);
        if (!g)
            return;
    }
    g->reporter = reporter;
    uint64_t gmi = now_ms + gmi_ms(i);
    switch (type) {
    case IGMP_MODE_IS_INCLUDE:
    case IGMP_ALLOW_NEW_SOURCES:
        /* INCLUDE(A)+B, or EXCLUDE(X+A, Y-A): (B)=GMI */
        for (unsigned k = 0; k < n; k++) {
            struct igmp_source *s = src_add(g, list_at(b, k), gmi);
            if (s)
                s->timer = gmi;
        }
        due(gmi);
        break;
    case IGMP_CHANGE_TO_INCLUDE: {
        /* INCLUDE: A+B, (B)=GMI, Q(G,A-B).  EXCLUDE: (X+A, Y-A), (A)=GMI,
         * Q(G,X-A), Q(G). */
        bool was_ex = g->exclude;
        for (unsigned k = 0; k < n; k++) {
            struct igmp_source *s = src_add(g, list_at(b, k), gmi);
            if (s)
                s->timer = gmi;
        }
        due(gmi);
        query_sources(i, g, b, n, false, 0);
        if (was_ex)
            query_group(i, g);
        break;
    }
    case IGMP_MODE_IS_EXCLUDE:
    case IGMP_CHANGE_TO_EXCLUDE: {
        bool to = type == IGMP_CHANGE_TO_EXCLUDE;
        if (!g->exclude) {
            /* INCLUDE(A) -> EXCLUDE(A*B, B-A): (B-A)=0, Delete(A-B). */
            for (struct igmp_source *s = g->sources, *nx; s; s = nx) {
                nx = s->next;
                if (!in_list(b, n, s->addr))
                    src_del(g, s);
            }
            for (unsigned k = 0; k < n; k++)
                src_add(g, list_at(b, k), 0);
            g->exclude = true;
            g->timer = gmi;
            due(gmi);
            if (to) /* Q(G,A*B) */
                query_sources(i, g, b, n, true, 0);
        } else {
            /* EXCLUDE(X,Y) -> EXCLUDE(A-Y, Y*A): (A-X-Y)=GMI (IS_EX) or the
             * group timer (TO_EX); Delete(X-A), Delete(Y-A). */
            uint64_t t = to ? g->timer : gmi;
            for (struct igmp_source *s = g->sources, *nx; s; s = nx) {
                nx = s->next;
                if (!in_list(b, n, s->addr))
                    src_del(g, s);
            }
            for (unsigned k = 0; k < n; k++)
                src_add(g, list_at(b, k), t);
            g->timer = gmi;
            due(gmi);
            if (to) /* Q(G,A-Y) */
                query_sources(i, g, b, n, true, 0);
        }
        break;
    }
    case IGMP_BLOCK_OLD_SOURCES:
        if (!g->exclude) {
            /* INCLUDE(A): Q(G,A*B). */
            query_sources(i, g, b, n, true, 0);
        } else {
            /* EXCLUDE(X+(A-Y),Y): (A-X-Y)=group timer; Q(G,A-Y). */
            for (unsigned k = 0; k < n; k++)
                src_add(g, list_at(b, k), g->timer);
            query_sources(i, g, b, n, true, 0);
        }
        break;
    default:
        stats.unknown_records++;
        break;
    }
    group_settle(i, g);
}

static bool on_link(const struct igmp_if *i, struct in_addr a)
{
    if (a.s_addr == INADDR_ANY)
        return true; /* a host without an address yet may report (4.2.13) */
    if (!i->addr.s_addr)
        return true; /* unnumbered: nothing to compare with */
    if (i->peer.s_addr && a.s_addr == i->peer.s_addr)
        return true;
    return (a.s_addr & i->mask.s_addr) == (i->addr.s_addr & i->mask.s_addr);
}

static void handle_v3_report(struct igmp_if *i, const struct igmp_msg *m)
{
    for (unsigned r = 0; r < m->nrecords; r++) {
        const struct igmp_record *rec = &m->records[r];
        if (rec->type < IGMP_MODE_IS_INCLUDE || rec->type > IGMP_BLOCK_OLD_SOURCES) {
            stats.unknown_records++; /* silently ignored (4.2.12) */
            continue;
        }
        if (mrib_group_is_local(rec->group))
            continue;
        handle_record(i, rec->group, rec->type, rec->sources, rec->nsources, m->src);
    }
}

static void handle_old_report(struct igmp_if *i, const struct igmp_msg *m, int version)
{
    if (mrib_group_is_local(m->group))
        return;
    struct igmp_group *g = group_get(i, m->group);
    if (!g)
        return;
    if (version == 1)
        g->v1_host_until = now_ms + ohpi_ms(i);
    else
        g->v2_host_until = now_ms + ohpi_ms(i);
    due(g->v1_host_until);
    due(g->v2_host_until);
    handle_record(i, m->group, IGMP_MODE_IS_EXCLUDE, NULL, 0, m->src);
}

static void handle_leave(struct igmp_if *i, const struct igmp_msg *m)
{
    struct igmp_group *g = group_find(i, m->group);
    if (!g || group_version(i, g) == 1)
        return;
    handle_record(i, m->group, IGMP_CHANGE_TO_INCLUDE, NULL, 0, m->src);
}

/* ---- queries from others (6.6.1, 6.6.2, 7.3.1) ---------------------------- */

static void handle_query(struct igmp_if *i, const struct igmp_msg *m)
{
    if (m->version == 1)
        i->v1_querier_until = now_ms + ohpi_ms(i);
    else if (m->version == 2)
        i->v2_querier_until = now_ms + ohpi_ms(i);
    due(i->v1_querier_until);
    due(i->v2_querier_until);
    /* Querier election: the lowest address wins. */
    bool lower = !i->addr.s_addr || ntohl(m->src.s_addr) < ntohl(i->addr.s_addr);
    if (lower && m->src.s_addr) {
        if (i->querier)
            log_debug(1, "igmp %s: %s is the querier now", i->conf.name, inet_ntoa(m->src));
        i->querier = false;
        i->querier_addr = m->src;
        i->startup_left = 0;
        i->other_querier_until = now_ms + oqpi_ms(i);
        due(i->other_querier_until);
        if (m->version == 3) {
            if (m->qrv)
                i->rv = m->qrv;
            if (m->qqi)
                i->qi = m->qqi;
        }
    }
    /* A non-querier keeps its timers in step with the querier's specific
     * queries (6.6.1). */
    if (m->group.s_addr && !m->s_flag && !i->querier) {
        struct igmp_group *g = group_find(i, m->group);
        uint64_t t = now_ms + (uint64_t)m->max_resp_ds * 100 * i->rv;
        if (g && m->nsources == 0 && g->exclude && g->timer > t)
            g->timer = t;
        for (unsigned k = 0; g && k < m->nsources; k++) {
            struct igmp_source *s = src_find(g, list_at(m->sources, k));
            if (s && s->timer > t)
                s->timer = t;
        }
        due(t);
    }
    if_shown(i);
}

/* ---- packets ------------------------------------------------------------ */

static struct igmp_if *if_by_index(unsigned idx)
{
    for (struct igmp_if *i = ifs; i; i = i->next)
        if (i->ifindex == idx)
            return i;
    return NULL;
}

static void on_packet(unsigned ifindex, const uint8_t *pkt, size_t len, void *ctx)
{
    igmp_input(ifindex, pkt, len);
}

void igmp_input(unsigned ifindex, const uint8_t *pkt, size_t len)
{
    static struct igmp_msg m;
    struct igmp_if *i = if_by_index(ifindex);
    if (!i)
        return; /* not an IGMP interface: not ours to judge */
    stats.received++;
    int rc = igmp_parse(pkt, len, &m);
    switch (rc) {
    case IGMP_OK:
        break;
    case IGMP_ERR_TRUNCATED:
        stats.truncated++;
        return;
    case IGMP_ERR_CHECKSUM:
        stats.bad_checksum++;
        return;
    case IGMP_ERR_UNKNOWN_TYPE:
        stats.unknown_type++;
        return;
    default:
        stats.malformed++;
        return;
    }
    if (mrib_is_local_addr(m.src))
        return; /* our own, looped back */
    if (m.type == IGMP_TYPE_QUERY) {
        stats.queries++;
        handle_query(i, &m);
        return;
    }
    if (!on_link(i, m.src)) {
        stats.not_on_link++;
        return;
    }
    switch (m.type) {
    case IGMP_TYPE_V1_REPORT:
        stats.v1_reports++;
        handle_old_report(i, &m, 1);
        break;
    case IGMP_TYPE_V2_REPORT:
        stats.v2_reports++;
        handle_old_report(i, &m, 2);
        break;
    case IGMP_TYPE_V2_LEAVE:
        stats.leaves++;
        handle_leave(i, &m);
        break;
    case IGMP_TYPE_V3_REPORT:
        stats.v3_reports++;
        handle_v3_report(i, &m);
        break;
    }
}

/* ---- interfaces ----------------------------------------------------------- */

static void if_read_addr(struct igmp_if *i)
{
    struct ifaddrs *ifa0;
    struct in_addr a = {INADDR_ANY}, mk = {INADDR_ANY}, peer = {INADDR_ANY};
    if (getifaddrs(&ifa0) == 0) {
        for (struct ifaddrs *ifa = ifa0; ifa; ifa = ifa->ifa_next)
            if (ifa->ifa_addr && ifa->ifa_addr->sa_family == AF_INET && ifa->ifa_netmask &&
                strcmp(ifa->ifa_name, i->conf.name) == 0) {
                a = ((struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
                mk = ((struct sockaddr_in *)ifa->ifa_netmask)->sin_addr;
                if ((ifa->ifa_flags & IFF_POINTOPOINT) && ifa->ifa_dstaddr &&
                    ifa->ifa_dstaddr->sa_family == AF_INET)
                    peer = ((struct sockaddr_in *)ifa->ifa_dstaddr)->sin_addr;
                break;
            }
        freeifaddrs(ifa0);
    }
    i->peer = peer;
    if (a.s_addr == i->addr.s_addr)
        return;
    i->addr = a;
    i->mask = mk;
    if (i->querier)
        i->querier_addr = a;
}

static void if_join(struct igmp_if *i, bool join)
{
    if (!i->ifindex || i->joined == join)
        return;
    struct in_addr g22, g2;
    inet_pton(AF_INET, "224.0.0.22", &g22);
    inet_pton(AF_INET, "224.0.0.2", &g2);
    if (join)
        mroute_want_vif(i->ifindex);
    mroute_join(i->ifindex, g22, join);
    mroute_join(i->ifindex, g2, join);
    i->joined = join;
}

/* Starts as the querier (6.6.2), with the startup queries (8.6, 8.7). */
static void if_become_querier(struct igmp_if *i)
{
    i->querier = true;
    i->querier_addr = i->addr;
    i->other_querier_until = 0;
    i->rv = i->conf.igmp_robustness;
    i->qi = i->conf.igmp_query_interval;
    i->startup_left = i->rv;
    i->next_general = now_ms;
    due(now_ms);
}

static void if_clear_groups(struct igmp_if *i)
{
    while (i->groups)
        group_free(i, i->groups);
}

/* The interface's index (it may come, go or be re-created). */
static void if_check(struct igmp_if *i)
{
    unsigned idx = if_nametoindex(i->conf.name);
    if (idx != i->ifindex) {
        if_clear_groups(i);
        if (i->joined && i->ifindex)
            if_join(i, false);
        i->joined = false;
        i->ifindex = idx;
        i->addr.s_addr = INADDR_ANY;
        if (idx)
            if_become_querier(i);
    }
    if (!idx)
        return;
    if_read_addr(i);
    if_join(i, true);
    if (i->querier)
        i->querier_addr = i->addr;
    if_shown(i);
}

static void if_free(struct igmp_if *i)
{
    if_clear_groups(i);
    if_join(i, false);
    char line[256];
    if (i->shown[0]) {
        format_if(line, sizeof(line), "flush", i, false);
        notify_line(line);
    }
    for (struct igmp_if **pp = &ifs; *pp; pp = &(*pp)->next)
        if (*pp == i) {
            *pp = i->next;
            break;
        }
    free(i);
}

static struct igmp_if *if_find(const char *name)
{
    for (struct igmp_if *i = ifs; i; i = i->next)
        if (strcmp(i->conf.name, name) == 0)
            return i;
    return NULL;
}

static void on_mcif(const struct mcif_conf *c, enum ext_change what, void *ctx)
{
    if (!started)
        return;
    struct igmp_if *i = if_find(c->name);
    if (what == EXT_FLUSH || !c->igmp) {
        if (i)
            if_free(i);
        return;
    }
    if (!i) {
        i = calloc(1, sizeof(*i));
        if (!i)
            return;
        i->next = ifs;
        ifs = i;
    }
    bool timers_changed = i->conf.igmp_robustness != c->igmp_robustness ||
                          i->conf.igmp_query_interval != c->igmp_query_interval;
    i->conf = *c;
    if (timers_changed && (i->querier || !i->ifindex)) {
        i->rv = c->igmp_robustness;
        i->qi = c->igmp_query_interval;
    }
    if_check(i);
}

static void on_kernel_addr(const struct kernel_addr *a, bool deleted, void *ctx)
{
    next_if_check = now_ms; /* re-read our addresses at the next tick */
    due(now_ms);
}
static const struct kernel_notify_ops kernel_ops = {.addr = on_kernel_addr,
                                                    .link = NULL};

/* ---- timers ----------------------------------------------------------------- */

static void group_timers(struct igmp_if *i, struct igmp_group *g)
{
    if (g->next_rexmit && g->next_rexmit <= now_ms)
        send_specific(i, g);
    due(g->next_rexmit);
    /* Source timers (6.3): INCLUDE deletes, EXCLUDE moves to the excluded
     * list. */
    for (struct igmp_source *s = g->sources, *nx; s; s = nx) {
        nx = s->next;
        if (s->timer && s->timer <= now_ms) {
            if (g->exclude)
                s->timer = 0;
            else
                src_del(g, s);
        } else {
            due(s->timer);
        }
    }
    /* Group timer (6.5): EXCLUDE becomes INCLUDE of what still runs. */
    if (g->exclude && g->timer && g->timer <= now_ms) {
        g->exclude = false;
        g->timer = 0;
        for (struct igmp_source *s = g->sources, *nx; s; s = nx) {
            nx = s->next;
            if (!s->timer)
                src_del(g, s);
        }
    }
    due(g->timer);
    due(running(g->v1_host_until) ? g->v1_host_until : 0);
    due(running(g->v2_host_until) ? g->v2_host_until : 0);
    group_settle(i, g);
}

static uint64_t on_tick(void *ctx) { return igmp_run_timers(); }

uint64_t igmp_run_timers(void)
{
    if (!started)
        return EVENT_NEVER;
    if (now_ms >= next_if_check) {
        next_if_check = now_ms + IF_RECHECK_MS;
        for (struct igmp_if *i = ifs; i; i = i->next)
            if_check(i);
    }
    if (now_ms < next_due)
        return next_due < next_if_check ? next_due : next_if_check;
    next_due = EVENT_NEVER;
    for (struct igmp_if *i = ifs; i; i = i->next) {
        if (!i->ifindex)
            continue;
        if (!i->querier && i->other_querier_until <= now_ms) {
            log_debug(1, "igmp %s: other querier gone, querying again", i->conf.name);
            if_become_querier(i);
        }
        due(i->querier ? 0 : i->other_querier_until);
        if (i->querier && i->next_general <= now_ms) {
            send_general(i);
            uint64_t gap = (uint64_t)i->qi * 1000;
            if (i->startup_left) {
                i->startup_left--;
                if (i->startup_left)
                    gap /= 4; /* Startup Query Interval (8.6) */
            }
            i->next_general = now_ms + gap;
        }
        due(i->querier ? i->next_general : 0);
        due(running(i->v1_querier_until) ? i->v1_querier_until : 0);
        due(running(i->v2_querier_until) ? i->v2_querier_until : 0);
        for (struct igmp_group *g = i->groups, *nx; g; g = nx) {
            nx = g->next;
            group_timers(i, g);
        }
        if_shown(i);
    }
    return next_due < next_if_check ? next_due : next_if_check;
}

/* ---- records, lifecycle -------------------------------------------------- */

static void on_dump(void (*emit)(const char *, void *), void *out, void *ctx)
{
    char buf[4096];
    for (struct igmp_if *i = ifs; i; i = i->next) {
        if (!i->ifindex)
            continue;
        format_if(buf, sizeof(buf), "add", i, true);
        emit(buf, out);
        for (struct igmp_group *g = i->groups; g; g = g->next) {
            format_group(buf, sizeof(buf), "add", i, g, true);
            emit(buf, out);
        }
    }
    if (!stats.received && !stats.queries_sent)
        return;
    snprintf(buf, sizeof(buf),
             "add igmp-stats received %llu queries %llu v1-reports %llu v2-reports %llu "
             "v3-reports %llu leaves %llu truncated %llu bad-checksum %llu malformed %llu "
             "unknown-type %llu not-on-link %llu unknown-records %llu queries-sent %llu "
             "send-errors %llu\n",
             (unsigned long long)stats.received, (unsigned long long)stats.queries,
             (unsigned long long)stats.v1_reports, (unsigned long long)stats.v2_reports,
             (unsigned long long)stats.v3_reports, (unsigned long long)stats.leaves,
             (unsigned long long)stats.truncated, (unsigned long long)stats.bad_checksum,
             (unsigned long long)stats.malformed, (unsigned long long)stats.unknown_type,
             (unsigned long long)stats.not_on_link, (unsigned long long)stats.unknown_records,
             (unsigned long long)stats.queries_sent, (unsigned long long)stats.send_errors);
    emit(buf, out);
}

static void start_one(const struct mcif_conf *c, void *ctx) { on_mcif(c, EXT_ADD, ctx); }

static void on_start(void *ctx)
{
    started = true;
    next_if_check = now_ms + IF_RECHECK_MS;
    mcif_foreach(start_one, NULL);
}

static void on_stop(void *ctx)
{
    while (ifs)
        if_free(ifs);
    started = false;
}

void igmp_register(void)
{
    mcif_on_change(on_mcif, NULL);
    mroute_on_igmp(on_packet, NULL);
    kernel_watch_subscribe(&kernel_ops);
    ext_register_dump(on_dump, NULL);
    ext_on_lifecycle(on_start, on_stop, NULL);
    event_add_tick(on_tick, NULL);
}
