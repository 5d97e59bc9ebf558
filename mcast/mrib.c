/* The multicast RIB: entries, RPF from Babel and connected subnets, change
 * subscriptions, records, and the kernel's forwarding cache kept in step
 * (see mrib.h). */
#include "mcast/mrib.h"

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
#include "babel/metrics.h"
#include "babel/packet.h"
#include "babel/util.h"
#include "mcast/mroute.h"

#define MAX_SUBS 8
#define MRIB_MAX_ENTRIES 4096
#define ADDR_CACHE_MAX 256
#define ADDR_CACHE_MS 1000

struct mrib_entry {
    struct mrib_entry *next;
    struct mrib_view v;
};

static struct mrib_entry *entries;
static unsigned nentries;
static struct {
    mrib_change_fn fn;
    void *ctx;
} subs[MAX_SUBS];
static unsigned nsubs;
static int (*rp_lookup)(struct in_addr g, struct in_addr *rp, void *ctx);
static void *rp_ctx;
static bool started;

/* Our IPv4 addresses and their subnets, for RPF toward on-link sources
 * (Babel need not announce a connected subnet for its hosts to be
 * sources).  Re-read when the kernel says an address changed, and at most
 * once a second otherwise. */
static struct {
    uint32_t addr, mask; /* network order */
    uint32_t peer;       /* the far end of a point-to-point link, or 0 */
    unsigned ifindex;
    int plen;
} conn[ADDR_CACHE_MAX];
static unsigned nconn;
static uint64_t conn_read_at;
static bool conn_valid;

static void conn_refresh(void)
{
    if (conn_valid && now_ms < conn_read_at + ADDR_CACHE_MS)
        return;
    struct ifaddrs *ifa0;
    nconn = 0;
    conn_valid = true;
    conn_read_at = now_ms;
    if (getifaddrs(&ifa0) < 0)
        return;
    for (struct ifaddrs *ifa = ifa0; ifa && nconn < ADDR_CACHE_MAX; ifa = ifa->ifa_next) {
        if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET || !ifa->ifa_netmask)
            continue;
        unsigned idx = if_nametoindex(ifa->ifa_name);
        if (!idx)
            continue;
        uint32_t a = ((struct sockaddr_in *)ifa->ifa_addr)->sin_addr.s_addr;
        uint32_t m = ((struct sockaddr_in *)ifa->ifa_netmask)->sin_addr.s_addr;
        conn[nconn].addr = a;
        conn[nconn].mask = m;
        conn[nconn].peer = (ifa->ifa_flags & IFF_POINTOPOINT) && ifa->ifa_dstaddr &&
                                   ifa->ifa_dstaddr->sa_family == AF_INET
                               ? ((struct sockaddr_in *)ifa->ifa_dstaddr)->sin_addr.s_addr
                               : 0;
        conn[nconn].ifindex = idx;
        conn[nconn].plen = __builtin_popcount(m);
        nconn++;
    }
    freeifaddrs(ifa0);
}

static void on_kernel_addr(const struct kernel_addr *a, bool deleted, void *ctx)
{
    conn_valid = false;
}
static const struct kernel_notify_ops kernel_ops = {.addr = on_kernel_addr};

bool mrib_is_local_addr(struct in_addr a)
{
    conn_refresh();
    for (unsigned i = 0; i < nconn; i++)
        if (conn[i].addr == a.s_addr)
            return true;
    return false;
}

int mrib_rpf(struct in_addr addr, unsigned *ifindex, struct in_addr *neighbour)
{
    /* The longest match among connected subnets and Babel's selected
     * routes; a connected subnet wins a tie (the source is on-link). */
    conn_refresh();
    int best_plen = -1;
    unsigned best_if = 0;
    for (unsigned i = 0; i < nconn; i++) {
        /* The far end of a point-to-point link is on-link too. */
        if (conn[i].peer && conn[i].peer == addr.s_addr) {
            best_plen = 32;
            best_if = conn[i].ifindex;
            break;
        }
        if ((addr.s_addr & conn[i].mask) == (conn[i].addr & conn[i].mask) &&
            conn[i].plen > best_plen && conn[i].plen < 32) {
            best_plen = conn[i].plen;
            best_if = conn[i].ifindex;
        }
    }
    uint8_t a16[16];
    addr_from_v4(a16, (const uint8_t *)&addr.s_addr);
    struct route_metrics m;
    if (metrics_route_for_addr(a16, &m) == 0 && m.metric < BABEL_INFINITY &&
        (int)m.prefix.plen - 96 > best_plen && (m.ifindex || !m.local)) {
        *ifindex = m.ifindex;
        neighbour->s_addr = INADDR_ANY;
        if (!m.local && addr_is_v4(m.nexthop) && memcmp(m.nexthop + 12, &addr.s_addr, 4) != 0)
            memcpy(&neighbour->s_addr, m.nexthop + 12, 4);
        return *ifindex ? 0 : -1;
    }
    if (best_plen < 0)
        return -1;
    *ifindex = best_if;
    neighbour->s_addr = INADDR_ANY;
    return 0;
}

static bool (*fwd_filter)(unsigned ifindex, unsigned origins, void *ctx);
static void *fwd_ctx;

void mrib_set_forward_filter(bool (*fn)(unsigned ifindex, unsigned origins, void *ctx), void *ctx)
{
    fwd_filter = fn;
    fwd_ctx = ctx;
}

bool mrib_forwards(unsigned ifindex, unsigned origins)
{
    return !fwd_filter || fwd_filter(ifindex, origins, fwd_ctx);
}

void mrib_forwarding_changed(void)
{
    if (started)
        mroute_routes_changed(NULL);
}

void mrib_set_rp_lookup(int (*fn)(struct in_addr g, struct in_addr *rp, void *ctx), void *ctx)
{
    rp_lookup = fn;
    rp_ctx = ctx;
}

/* ---- entries ------------------------------------------------------------ */

static struct mrib_entry *find(struct in_addr s, struct in_addr g)
{
    for (struct mrib_entry *e = entries; e; e = e->next)
        if (e->v.source.s_addr == s.s_addr && e->v.group.s_addr == g.s_addr)
            return e;
    return NULL;
}

static const char *ifname_of(unsigned ifindex, char buf[IF_NAMESIZE])
{
    if (!ifindex || !if_indextoname(ifindex, buf))
        snprintf(buf, IF_NAMESIZE, ifindex ? "if%u" : "-", ifindex);
    return buf;
}

static void (*record_extra)(const struct mrib_view *e, char *buf, size_t len, void *ctx);
static void *record_extra_ctx;

void mrib_set_record_extra(void (*fn)(const struct mrib_view *e, char *buf, size_t len, void *ctx),
                           void *ctx)
{
    record_extra = fn;
    record_extra_ctx = ctx;
}

static void mrib_format(char *buf, size_t len, const char *kind, const struct mrib_view *v)
{
    char s[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN], n[INET_ADDRSTRLEN], name[IF_NAMESIZE];
    size_t off = 0;
    if (v->source.s_addr == INADDR_ANY)
        strcpy(s, "*");
    else
        inet_ntop(AF_INET, &v->source, s, sizeof(s));
    inet_ntop(AF_INET, &v->group, g, sizeof(g));
    off += (size_t)snprintf(buf + off, len - off, "%s mroute %s %s iif %s", kind, s, g,
                            ifname_of(v->iif, name));
    if (v->rpf_neighbour.s_addr != INADDR_ANY) {
        inet_ntop(AF_INET, &v->rpf_neighbour, n, sizeof(n));
        off += (size_t)snprintf(buf + off, len - off, " rpf-neighbour %s", n);
    }
    static const struct {
        const char *key;
        unsigned bits;
    } lists[] = {{"oifs", MRIB_FROM_IGMP | MRIB_FROM_PIM},
                 {"igmp-oifs", MRIB_FROM_IGMP},
                 {"pim-oifs", MRIB_FROM_PIM}};
    for (unsigned l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        const char *sep = " ";
        bool any = false;
        for (unsigned i = 0; i < v->noifs && off < len; i++) {
            if (!(v->oif_origins[i] & lists[l].bits))
                continue;
            if (!any)
                off += (size_t)snprintf(buf + off, len - off, " %s", lists[l].key);
            off += (size_t)snprintf(buf + off, len - off, "%s%s", sep, ifname_of(v->oifs[i], name));
            sep = ",";
            any = true;
        }
        if (!any && l == 0 && off < len)
            off += (size_t)snprintf(buf + off, len - off, " oifs -");
        if (off >= len)
            return;
    }
    if (record_extra && off + 1 < len) {
        buf[off] = 0;
        record_extra(v, buf + off, len - off - 1, record_extra_ctx);
        off += strlen(buf + off);
    }
    if (off < len)
        snprintf(buf + off, len - off, "\n");
}

static void changed(const struct mrib_entry *e, enum ext_change what)
{
    if (local_have_monitors()) {
        char buf[1024];
        mrib_format(buf, sizeof(buf),
                    what == EXT_ADD ? "add" : what == EXT_CHANGE ? "change" : "flush", &e->v);
        local_notify_line(buf);
    }
    if (started)
        mroute_entry_changed(&e->v, what);
    for (unsigned i = 0; i < nsubs; i++)
        subs[i].fn(&e->v, what, subs[i].ctx);
}

/* Recomputes the entry's RPF; true when iif or neighbour moved. */
static bool compute_rpf(struct mrib_entry *e)
{
    unsigned iif = 0;
    struct in_addr nb = {INADDR_ANY};
    struct in_addr target = e->v.source;
    bool have = true;
    if (target.s_addr == INADDR_ANY)
        have = rp_lookup && rp_lookup(e->v.group, &target, rp_ctx) == 0 &&
               target.s_addr != INADDR_ANY;
    if (!have || mrib_rpf(target, &iif, &nb) < 0) {
        iif = 0;
        nb.s_addr = INADDR_ANY;
    }
    if (iif == e->v.iif && nb.s_addr == e->v.rpf_neighbour.s_addr)
        return false;
    e->v.iif = iif;
    e->v.rpf_neighbour = nb;
    return true;
}

static bool valid_group(struct in_addr g)
{
    uint32_t h = ntohl(g.s_addr);
    return (h >> 28) == 0xe && !mrib_group_is_local(g);
}

static bool valid_source(struct in_addr s)
{
    uint32_t h = ntohl(s.s_addr);
    return h == 0 || ((h >> 28) < 0xe && (h >> 24) != 127 && (h >> 24) != 0);
}

int mrib_add_oif(struct in_addr s, struct in_addr g, unsigned ifindex, unsigned origin)
{
    if (!valid_group(g) || !valid_source(s) || ifindex == 0 || origin == 0 ||
        (origin & ~(unsigned)(MRIB_FROM_IGMP | MRIB_FROM_PIM)))
        return -1;
    struct mrib_entry *e = find(s, g);
    bool fresh = false;
    if (!e) {
        if (nentries >= MRIB_MAX_ENTRIES)
            return -1;
        e = calloc(1, sizeof(*e));
        if (!e)
            return -1;
        e->v.source = s;
        e->v.group = g;
        compute_rpf(e);
        fresh = true;
    }
    unsigned i;
    for (i = 0; i < e->v.noifs; i++)
        if (e->v.oifs[i] == ifindex)
            break;
    if (i < e->v.noifs && (e->v.oif_origins[i] & origin) == origin)
        return 0;
    if (i == e->v.noifs) {
        if (e->v.noifs == MRIB_MAX_OIFS) {
            if (fresh)
                free(e);
            return -1;
        }
        e->v.oifs[i] = ifindex;
        e->v.oif_origins[i] = 0;
        e->v.noifs++;
    }
    e->v.oif_origins[i] |= origin;
    if (fresh) {
        e->next = entries;
        entries = e;
        nentries++;
    }
    changed(e, fresh ? EXT_ADD : EXT_CHANGE);
    return 0;
}

static void entry_remove(struct mrib_entry *e)
{
    for (struct mrib_entry **pp = &entries; *pp; pp = &(*pp)->next)
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    nentries--;
    changed(e, EXT_FLUSH);
    free(e);
}

int mrib_del_oif(struct in_addr s, struct in_addr g, unsigned ifindex, unsigned origin)
{
    if (ifindex == 0 || origin == 0)
        return -1;
    struct mrib_entry *e = find(s, g);
    if (!e)
        return 0;
    for (unsigned i = 0; i < e->v.noifs; i++) {
        if (e->v.oifs[i] != ifindex || !(e->v.oif_origins[i] & origin))
            continue;
        e->v.oif_origins[i] &= ~origin;
        if (e->v.oif_origins[i] == 0) {
            e->v.noifs--;
            memmove(&e->v.oifs[i], &e->v.oifs[i + 1], (e->v.noifs - i) * sizeof(e->v.oifs[0]));
            memmove(&e->v.oif_origins[i], &e->v.oif_origins[i + 1],
                    (e->v.noifs - i) * sizeof(e->v.oif_origins[0]));
        }
        if (e->v.noifs == 0)
            entry_remove(e);
        else
            changed(e, EXT_CHANGE);
        return 0;
    }
    return 0;
}

/* Excluded (S,G,oif) triples: few (what hosts block), so a list. */
#define MAX_EXCLUDED 4096
struct excl {
    struct excl *next;
    struct in_addr s, g;
    unsigned ifindex;
};
static struct excl *excls;
static unsigned nexcls;

bool mrib_is_excluded(struct in_addr s, struct in_addr g, unsigned ifindex)
{
    for (struct excl *x = excls; x; x = x->next)
        if (x->s.s_addr == s.s_addr && x->g.s_addr == g.s_addr && x->ifindex == ifindex)
            return true;
    return false;
}

int mrib_set_excluded(struct in_addr s, struct in_addr g, unsigned ifindex, bool excluded)
{
    if (!valid_group(g) || !valid_source(s) || s.s_addr == INADDR_ANY || !ifindex)
        return -1;
    for (struct excl **pp = &excls; *pp; pp = &(*pp)->next) {
        struct excl *x = *pp;
        if (x->s.s_addr != s.s_addr || x->g.s_addr != g.s_addr || x->ifindex != ifindex)
            continue;
        if (excluded)
            return 0;
        *pp = x->next;
        free(x);
        nexcls--;
        if (started)
            mroute_sync_group(g);
        return 0;
    }
    if (!excluded)
        return 0;
    if (nexcls >= MAX_EXCLUDED)
        return -1;
    struct excl *x = calloc(1, sizeof(*x));
    if (!x)
        return -1;
    x->s = s;
    x->g = g;
    x->ifindex = ifindex;
    x->next = excls;
    excls = x;
    nexcls++;
    if (started)
        mroute_sync_group(g);
    return 0;
}

int mrib_get(struct in_addr s, struct in_addr g, struct mrib_view *out)
{
    struct mrib_entry *e = find(s, g);
    if (!e)
        return -1;
    *out = e->v;
    return 0;
}

void mrib_foreach(void (*fn)(const struct mrib_view *e, void *ctx), void *ctx)
{
    for (struct mrib_entry *e = entries; e; e = e->next)
        fn(&e->v, ctx);
}

int mrib_on_change(mrib_change_fn fn, void *ctx)
{
    if (nsubs == MAX_SUBS)
        return -1;
    subs[nsubs].fn = fn;
    subs[nsubs++].ctx = ctx;
    return 0;
}

static void mrib_recompute_rpf(void)
{
    for (struct mrib_entry *e = entries; e; e = e->next)
        if (compute_rpf(e))
            changed(e, EXT_CHANGE);
}

/* Babel's selected route toward a destination moved: every entry whose
 * source (or RP) it may cover is looked at again now, in the same pass of
 * the event loop, so that joins and the kernel's iif follow at once. */
static bool covers(const struct prefix *p, struct in_addr a)
{
    struct prefix host;
    addr_from_v4(host.addr, (const uint8_t *)&a.s_addr);
    host.plen = 128;
    return prefix_within(&host, p);
}

static void on_route(const struct route_metrics *m, void *ctx)
{
    if (!prefix_is_v4(&m->prefix))
        return;
    /* Only a route that covers the target can change its best match. */
    for (struct mrib_entry *e = entries; e; e = e->next) {
        struct in_addr t = e->v.source;
        if (t.s_addr == INADDR_ANY &&
            !(rp_lookup && rp_lookup(e->v.group, &t, rp_ctx) == 0 && t.s_addr != INADDR_ANY))
            continue;
        if (covers(&m->prefix, t) && compute_rpf(e))
            changed(e, EXT_CHANGE);
    }
    if (started)
        mroute_routes_changed(&m->prefix);
}

static void on_dump(void (*emit)(const char *, void *), void *out, void *ctx)
{
    char buf[1024];
    for (struct mrib_entry *e = entries; e; e = e->next) {
        mrib_format(buf, sizeof(buf), "add", &e->v);
        emit(buf, out);
    }
    mroute_dump(emit, out);
}

static void on_start(void *ctx)
{
    started = true;
    mroute_start();
    for (struct mrib_entry *e = entries; e; e = e->next)
        mroute_entry_changed(&e->v, EXT_ADD);
}

static void on_stop(void *ctx)
{
    mroute_stop();
    started = false;
}

static uint64_t on_tick(void *ctx)
{
    if (!started)
        return EVENT_NEVER;
    /* Connected subnets are not Babel routes: catch their changes here. */
    static uint64_t next;
    if (now_ms >= next) {
        next = now_ms + ADDR_CACHE_MS;
        if (!conn_valid)
            mrib_recompute_rpf();
    }
    return mroute_tick() < next ? mroute_tick() : next;
}

void mrib_register(void)
{
    ext_register_dump(on_dump, NULL);
    ext_on_lifecycle(on_start, on_stop, NULL);
    event_add_tick(on_tick, NULL);
    metrics_on_route(on_route, NULL);
    kernel_watch_subscribe(&kernel_ops);
    mroute_register();
}
