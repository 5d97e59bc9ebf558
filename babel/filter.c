/* Route filters: evaluation.  Parsing lives in config.c. */
#include "babel/filter.h"

#include <stdlib.h>
#include <string.h>

/* Linux's RTPROT_BOOT: routes added by ifup scripts and the like, which
 * babeld does not redistribute unless a filter names the protocol. */
#define PROTO_BOOT 3

static bool plen_matches(int plen, int eq, int le, int ge)
{
    return (eq < 0 || plen == eq) && (le < 0 || plen <= le) && (ge < 0 || plen >= ge);
}

/* The ip/eq/le/ge group (or its src- twin) against one prefix of the
 * route.  A missing prefix only fails when the filter asks about it. */
static bool prefix_matches(bool has, const struct prefix *fp, int eq, int le, int ge,
                           const struct prefix *qp)
{
    if (!has && eq < 0 && le < 0 && ge < 0)
        return true;
    if (!qp)
        return false;
    /* prefix_within alone would let ::/0 swallow every v4-mapped prefix. */
    if (has && (prefix_is_v4(fp) != prefix_is_v4(qp) || !prefix_within(qp, fp)))
        return false;
    return plen_matches(prefix_user_plen(qp), eq, le, ge);
}

/* The family a filter is restricted to: 4, 6, or 0 for both.  As in babeld,
 * any address on the line fixes it, so that "redistribute src-prefix
 * 2001:db8::/64" cannot attach an IPv6 source to an IPv4 route; and length
 * selectors with no address at all mean IPv6, which is how babeld reads
 * "redistribute le 64". */
static int filter_family(const struct filter *f)
{
    if (f->has_prefix)
        return prefix_is_v4(&f->prefix) ? 4 : 6;
    if (f->has_src_prefix)
        return prefix_is_v4(&f->src_prefix) ? 4 : 6;
    if (f->has_set_src_prefix)
        return prefix_is_v4(&f->set_src_prefix) ? 4 : 6;
    if (f->has_pref_src)
        return addr_is_v4(f->pref_src) ? 4 : 6;
    if (f->plen_eq >= 0 || f->plen_le >= 0 || f->plen_ge >= 0 || f->src_plen_eq >= 0 ||
        f->src_plen_le >= 0 || f->src_plen_ge >= 0)
        return 6;
    return 0;
}

static bool filter_matches(enum filter_kind kind, const struct filter *f,
                           const struct filter_query *q)
{
    int fam = filter_family(f);
    if (fam && (!q->prefix || (prefix_is_v4(q->prefix) ? 4 : 6) != fam))
        return false;
    if (!prefix_matches(f->has_prefix, &f->prefix, f->plen_eq, f->plen_le, f->plen_ge, q->prefix))
        return false;

    /* A route without a source prefix is a route from anywhere: treat it as
     * the zero-length source of its family, so "src-eq 0" selects it. */
    struct prefix dflt_src;
    const struct prefix *src = q->src_prefix;
    if (!src && q->prefix) {
        prefix_default_src(q->prefix, &dflt_src);
        src = &dflt_src;
    }
    if (!prefix_matches(f->has_src_prefix, &f->src_prefix, f->src_plen_eq, f->src_plen_le,
                        f->src_plen_ge, src))
        return false;

    if (f->has_neigh && (!q->neigh || memcmp(f->neigh, q->neigh, 16) != 0))
        return false;
    if (f->has_id && (!q->id || memcmp(f->id, q->id, 8) != 0))
        return false;
    if (f->ifname[0] && (!q->ifname || strcmp(f->ifname, q->ifname) != 0))
        return false;

    if (kind == FILTER_REDISTRIBUTE) {
        /* Local addresses are only ever selected by "local"; a filter
         * without proto or local means the ordinary kernel routes, which
         * excludes the boot-time routes. */
        if (f->local)
            return q->local;
        if (q->local)
            return false;
        if (f->proto >= 0)
            return q->proto == f->proto;
        return q->proto != PROTO_BOOT;
    }
    if (f->proto >= 0 && q->proto != f->proto)
        return false;
    if (f->local && !q->local)
        return false;
    return true;
}

bool filter_apply(enum filter_kind kind, const struct filter *list, const struct filter_query *q,
                  struct filter_result *res)
{
    memset(res, 0, sizeof(*res));
    res->table = -1;
    for (const struct filter *f = list; f; f = f->next) {
        if (!filter_matches(kind, f, q))
            continue;
        res->deny = f->action == FILTER_DENY;
        res->metric = f->action == FILTER_METRIC ? f->metric : 0;
        res->has_set_src_prefix = f->has_set_src_prefix;
        if (f->has_set_src_prefix)
            res->set_src_prefix = f->set_src_prefix;
        res->table = f->table;
        res->has_pref_src = f->has_pref_src;
        if (f->has_pref_src)
            memcpy(res->pref_src, f->pref_src, 16);
        return !res->deny;
    }
    /* Nothing matched: babeld announces its own addresses and nothing else
     * from the kernel, and lets every Babel route in, out and into the
     * kernel. */
    if (kind == FILTER_REDISTRIBUTE)
        res->deny = !q->local;
    return !res->deny;
}

void filter_free_list(struct filter *list)
{
    while (list) {
        struct filter *next = list->next;
        free(list);
        list = next;
    }
}
