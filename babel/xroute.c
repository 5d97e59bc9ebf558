#include "babel/xroute.h"

#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "babel/filter.h"
#include "babel/kernel.h"
#include "babel/local.h"
#include "babel/message.h"
#include "babel/node.h"
#include "babel/packet.h"
#include "babel/route.h"

#define XROUTE_BUCKETS 4096
#define RTN_UNICAST_NUM 1
#define RTN_BLACKHOLE_NUM 6
#define RTN_PROHIBIT_NUM 8
#define RTPROT_KERNEL_NUM 2

static struct xroute *buckets[XROUTE_BUCKETS];
static unsigned nxroutes;

static unsigned hash_key(const struct prefix *p, const struct prefix *src)
{
    return prefix_pair_hash(p, src, 0) % XROUTE_BUCKETS;
}

struct xroute *xroute_find(const struct prefix *p, const struct prefix *src)
{
    for (struct xroute *x = buckets[hash_key(p, src)]; x; x = x->hnext)
        if (prefix_eq(&x->prefix, p) && prefix_eq(&x->src_prefix, src))
            return x;
    return NULL;
}

static void changed(const struct prefix *p, const struct prefix *src)
{
    send_update(NULL, p, src, true);
    route_xroute_changed(p, src);
}

static void xroute_set(const struct prefix *p, const struct prefix *src, uint16_t metric,
                       unsigned ifindex, int proto, bool local)
{
    struct xroute *x = xroute_find(p, src);
    if (x) {
        x->seen = true;
        if (x->metric == metric && x->ifindex == ifindex && x->proto == proto && x->local == local)
            return;
        x->metric = metric;
        x->ifindex = ifindex;
        x->proto = proto;
        x->local = local;
        local_notify_xroute(x, LOCAL_CHANGE);
        changed(p, src);
        return;
    }
    x = calloc(1, sizeof(*x));
    if (!x)
        return;
    x->prefix = *p;
    x->src_prefix = *src;
    x->metric = metric;
    x->ifindex = ifindex;
    x->proto = proto;
    x->local = local;
    x->seen = true;
    unsigned h = hash_key(p, src);
    x->hnext = buckets[h];
    buckets[h] = x;
    nxroutes++;
    local_notify_xroute(x, LOCAL_ADD);
    changed(p, src);
}

static void xroute_unlink(struct xroute *x)
{
    for (struct xroute **pp = &buckets[hash_key(&x->prefix, &x->src_prefix)]; *pp;
         pp = &(*pp)->hnext) {
        if (*pp == x) {
            *pp = x->hnext;
            break;
        }
    }
    nxroutes--;
    local_notify_xroute(x, LOCAL_FLUSH);
    struct prefix p = x->prefix, src = x->src_prefix;
    free(x);
    /* Our own route is gone: neighbours must hear it retracted. */
    send_update(NULL, &p, &src, true);
    route_xroute_changed(&p, &src);
}

/* The name of an interface, for the filters' "if" selector.  Imported
 * routes come in runs through one interface, so one remembered answer
 * saves a system call per route. */
static const char *ifname_of(unsigned ifindex, char buf[IF_NAMESIZE])
{
    static unsigned cached_index;
    static char cached_name[IF_NAMESIZE];
    buf[0] = '\0';
    if (ifindex == 0)
        return buf;
    if (ifindex != cached_index) {
        if (!if_indextoname(ifindex, cached_name))
            return buf;
        cached_index = ifindex;
    }
    strlcpy_safe(buf, cached_name, IF_NAMESIZE);
    return buf;
}

static void xroute_del(const struct prefix *p, const struct prefix *src, bool local)
{
    struct xroute *x = xroute_find(p, src);
    if (x && x->local == local)
        xroute_unlink(x);
}

/* Addresses babeld never announces: link-local, loopback, unspecified,
 * multicast. */
static bool addr_is_special(const uint8_t a[16])
{
    static const uint8_t loopback6[16] = {[15] = 1};
    if (addr_is_v4(a))
        return a[12] == 127 || a[12] == 0 || a[12] >= 224;
    return addr_is_linklocal(a) || a[0] == 0xff || addr_is_zero(a) ||
           memcmp(a, loopback6, 16) == 0;
}

void xroute_kernel_addr(unsigned ifindex, const struct prefix *addr, bool deleted)
{
    if (addr_is_special(addr->addr))
        return;
    struct prefix host = *addr, src;
    host.plen = 128;
    prefix_default_src(&host, &src);
    if (deleted) {
        xroute_del(&host, &src, true);
        return;
    }
    char ifname[IF_NAMESIZE];
    ifname_of(ifindex, ifname);
    struct filter_query q = {.prefix = &host, .src_prefix = &src, .ifname = ifname, .proto = -1,
                             .local = true};
    struct filter_result res;
    if (!filter_apply(FILTER_REDISTRIBUTE, node.cfg.filters[FILTER_REDISTRIBUTE], &q, &res)) {
        xroute_del(&host, &src, true);
        return;
    }
    if (res.has_set_src_prefix)
        src = res.set_src_prefix;
    uint16_t metric = res.metric >= BABEL_INFINITY ? BABEL_INFINITY - 1 : (uint16_t)res.metric;
    xroute_set(&host, &src, metric, ifindex, -1, true);
}

static bool import_table(uint32_t table)
{
    const struct babel_options *o = &node.cfg.opt;
    if (o->n_import_tables == 0)
        return table == 254;
    for (unsigned i = 0; i < o->n_import_tables; i++)
        if (o->import_tables[i] == table)
            return true;
    return false;
}

void xroute_kernel_route(const struct prefix *p, const struct prefix *src, unsigned ifindex,
                         int proto, uint32_t table, uint8_t type, bool deleted)
{
    if (proto == RTPROT_BABEL_NUM || !import_table(table))
        return;
    if (type != RTN_UNICAST_NUM && type != RTN_BLACKHOLE_NUM && type != RTN_PROHIBIT_NUM &&
        type != 7 /* RTN_UNREACHABLE */)
        return;
    if (!prefix_is_v4(p) && (addr_is_linklocal(p->addr) || p->addr[0] == 0xff))
        return;
    if (prefix_is_v4(p) && (p->addr[12] == 127 || p->addr[12] >= 224))
        return;
    struct prefix s = *src;
    if (deleted) {
        xroute_del(p, &s, false);
        return;
    }
    char ifname[IF_NAMESIZE];
    ifname_of(ifindex, ifname);
    struct filter_query q = {.prefix = p, .src_prefix = &s, .ifname = ifname, .proto = proto,
                             .local = false};
    struct filter_result res;
    if (!filter_apply(FILTER_REDISTRIBUTE, node.cfg.filters[FILTER_REDISTRIBUTE], &q, &res)) {
        xroute_del(p, &s, false);
        return;
    }
    if (res.has_set_src_prefix)
        s = res.set_src_prefix;
    uint16_t metric = res.metric >= BABEL_INFINITY ? BABEL_INFINITY - 1 : (uint16_t)res.metric;
    xroute_set(p, &s, metric, ifindex, proto, false);
}

static void resync_addr(const struct kernel_addr *a, void *ctx)
{
    xroute_kernel_addr(a->ifindex, &a->prefix, false);
}

static void resync_route(const struct kernel_route *r, void *ctx)
{
    xroute_kernel_route(&r->prefix, &r->src_prefix, r->ifindex, r->protocol, r->table, r->type,
                        false);
}

void xroute_resync(void)
{
    for (unsigned h = 0; h < XROUTE_BUCKETS; h++)
        for (struct xroute *x = buckets[h]; x; x = x->hnext)
            x->seen = false;
    kernel_dump_addrs(resync_addr, NULL);
    const struct babel_options *o = &node.cfg.opt;
    if (o->n_import_tables == 0) {
        kernel_dump_routes(254, resync_route, NULL);
    } else {
        for (unsigned i = 0; i < o->n_import_tables; i++)
            kernel_dump_routes(o->import_tables[i], resync_route, NULL);
    }
    for (unsigned h = 0; h < XROUTE_BUCKETS; h++) {
        struct xroute *x = buckets[h];
        while (x) {
            struct xroute *next = x->hnext;
            if (!x->seen)
                xroute_unlink(x);
            x = next;
        }
    }
}

void xroute_foreach(void (*fn)(struct xroute *, void *), void *ctx)
{
    for (unsigned h = 0; h < XROUTE_BUCKETS; h++) {
        struct xroute *x = buckets[h];
        while (x) {
            struct xroute *next = x->hnext;
            fn(x, ctx);
            x = next;
        }
    }
}

unsigned xroute_count(void) { return nxroutes; }
