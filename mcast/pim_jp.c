/* PIM-SM Join/Prune and Assert state (RFC 7761 4.5, 4.6):
 *
 *  - downstream: joins received on an interface for us, each with its
 *    expiry and the prune-pending delay that lets another router on a
 *    multi-access link override a prune; each becomes an MRIB outgoing
 *    interface (MRIB_FROM_PIM);
 *  - upstream: every MRIB entry with downstream interest makes a join
 *    toward its RPF neighbour (Babel's next hop), sent at once, refreshed
 *    every t_periodic, moved (prune old, join new) as soon as the MRIB says
 *    the RPF changed, suppressed and overridden as 4.5.7 says;
 *  - Source-Active: (*,G) interest becomes (S,G) interest (and so joins)
 *    toward each active source the SA table knows for G;
 *  - Asserts between forwarders on a multi-access link. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "babel/event.h"
#include "babel/metrics.h"
#include "babel/packet.h"
#include "babel/util.h"
#include "mcast/mrib.h"
#include "mcast/pim.h"
#include "mcast/pim_int.h"
#include "mcast/sa.h"

/* Why PIM wants an outgoing interface in the MRIB. */
enum { WHY_JOIN = 1, WHY_SA = 2 };

struct contrib {
    struct contrib *next;
    struct in_addr s, g;
    unsigned ifindex;
    unsigned why;
    bool in_mrib;
    bool mark;
};

struct downstream {
    struct downstream *next;
    struct in_addr s, g; /* s 0 for (*,G) */
    struct in_addr rp;
    unsigned ifindex;
    uint64_t expires;  /* a received 0xffff is clamped: always finite */
    uint64_t prune_at; /* EVENT_NEVER unless prune-pending */
};

struct upstream {
    struct upstream *next;
    struct in_addr s, g, rp;
    unsigned iif;
    struct in_addr rpf; /* Babel's next hop */
    struct in_addr nbr; /* where joins go: RPF' (the assert winner, or rpf) */
    uint64_t next_join;
    bool mark;
};

struct assert_state {
    struct assert_state *next;
    struct in_addr s, g;
    unsigned ifindex;
    /* A forwarder's state (we forward onto ifindex): lost or won.  A
     * downstream router's (ifindex is our RPF interface): who won, our
     * RPF' (4.5.7). */
    bool downstream;
    bool lost;
    struct in_addr winner;
    uint32_t pref, metric;
    uint64_t expires;
    uint64_t last_sent;
};

static struct contrib *contribs;
static struct downstream *downs;
static struct upstream *ups;
static struct assert_state *asserts;
static bool sa_dirty;
static bool jp_started;
/* When the tick next has work.  The tick computes it after a full pass;
 * every entry point from outside (a message, an MRIB or SA change, a
 * neighbour, a timer set from outside) calls wake(), so the tick never
 * scans the tables when nothing can be due. */
static uint64_t jp_due = EVENT_NEVER;

static void wake(void) { jp_due = 0; }


static bool is_star(struct in_addr s) { return s.s_addr == INADDR_ANY; }

static void entry_name(char *buf, size_t len, struct in_addr s, struct in_addr g)
{
    char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
    snprintf(buf, len, "(%s,%s)", is_star(s) ? "*" : pim_ip(s, a), pim_ip(g, b));
}

static const char *ifname(unsigned ifindex, char buf[IF_NAMESIZE])
{
    if (!ifindex || !if_indextoname(ifindex, buf))
        snprintf(buf, IF_NAMESIZE, "%u", ifindex);
    return buf;
}

static unsigned jp_holdtime(void)
{
    unsigned h = pim_jp_interval_s * 7 / 2;
    return h > 0xfffe ? 0xfffe : h;
}

/* ---- MRIB contributions ------------------------------------------------ */

static bool assert_lost(struct in_addr s, struct in_addr g, unsigned ifindex);

static struct contrib *contrib_find(struct in_addr s, struct in_addr g, unsigned ifindex)
{
    for (struct contrib *c = contribs; c; c = c->next)
        if (c->s.s_addr == s.s_addr && c->g.s_addr == g.s_addr && c->ifindex == ifindex)
            return c;
    return NULL;
}

/* Puts the MRIB in step with what c says. */
static void contrib_apply(struct contrib *c)
{
    bool want = c->why && !assert_lost(c->s, c->g, c->ifindex);
    if (want && !c->in_mrib)
        c->in_mrib = mrib_add_oif(c->s, c->g, c->ifindex, MRIB_FROM_PIM) == 0;
    else if (!want && c->in_mrib) {
        mrib_del_oif(c->s, c->g, c->ifindex, MRIB_FROM_PIM);
        c->in_mrib = false;
    }
    if (!c->why) {
        for (struct contrib **pp = &contribs; *pp; pp = &(*pp)->next)
            if (*pp == c) {
                *pp = c->next;
                break;
            }
        free(c);
    }
}

static struct contrib *contrib_set(struct in_addr s, struct in_addr g, unsigned ifindex,
                                   unsigned why, bool on)
{
    struct contrib *c = contrib_find(s, g, ifindex);
    if (!c) {
        if (!on)
            return NULL;
        c = calloc(1, sizeof(*c));
        if (!c)
            return NULL;
        c->s = s;
        c->g = g;
        c->ifindex = ifindex;
        c->next = contribs;
        contribs = c;
    }
    if (on)
        c->why |= why;
    else
        c->why &= ~why;
    unsigned still = c->why;
    contrib_apply(c);
    return still ? c : NULL;
}

static struct assert_state *assert_find(struct in_addr s, struct in_addr g, unsigned ifindex);

/* ---- sending joins and prunes --------------------------------------------- */

static void send_jp(unsigned iif, struct in_addr nbr, struct in_addr s, struct in_addr g,
                    struct in_addr rp, bool join)
{
    struct pim_if *pif = pim_if_by_index(iif);
    if (!pif)
        return;
    static struct pim_jp jp;
    memset(&jp.groups[0], 0, sizeof(jp.groups[0]));
    jp.upstream = nbr;
    jp.holdtime = (uint16_t)jp_holdtime();
    jp.ngroups = 1;
    jp.groups[0].group = g;
    jp.groups[0].masklen = 32;
    jp.groups[0].first = 0;
    jp.groups[0].njoin = join ? 1 : 0;
    jp.groups[0].nprune = join ? 0 : 1;
    jp.nsources = 1;
    if (is_star(s))
        jp.sources[0] = (struct pim_jp_source){rp, 32, PIM_SRC_S | PIM_SRC_W | PIM_SRC_R};
    else
        jp.sources[0] = (struct pim_jp_source){s, 32, PIM_SRC_S};
    uint8_t buf[64];
    size_t len = pim_encode_jp(buf, sizeof(buf), &jp);
    if (len && pim_send(pif, buf, len) == 0) {
        pim_stats.jp_msgs_out++;
        if (join)
            pim_stats.joins_out++;
        else
            pim_stats.prunes_out++;
    }
}

/* Periodic joins to one neighbour go together, as few messages as fit in
 * JP_MAX_BYTES, each group once per message (4.5.7 lets a router bundle). */
#define JP_MAX_BYTES 1400

static int up_cmp(const void *a, const void *b)
{
    const struct upstream *x = *(struct upstream *const *)a, *y = *(struct upstream *const *)b;
    uint32_t gx = ntohl(x->g.s_addr), gy = ntohl(y->g.s_addr);
    if (gx != gy)
        return gx < gy ? -1 : 1;
    uint32_t sx = ntohl(x->s.s_addr), sy = ntohl(y->s.s_addr);
    return sx < sy ? -1 : sx > sy;
}

static void send_bundle(struct pim_if *pif, struct in_addr nbr, struct upstream **v, size_t n)
{
    static struct pim_jp jp;
    static uint8_t buf[JP_MAX_BYTES + 64];
    qsort(v, n, sizeof(*v), up_cmp);
    size_t i = 0;
    while (i < n) {
        jp.upstream = nbr;
        jp.holdtime = (uint16_t)jp_holdtime();
        jp.ngroups = 0;
        jp.nsources = 0;
        size_t bytes = PIM_JP_FIXED_LEN, first = i;
        while (i < n && jp.nsources < PIM_JP_MAX_SOURCES) {
            struct upstream *u = v[i];
            struct pim_jp_group *gr = jp.ngroups ? &jp.groups[jp.ngroups - 1] : NULL;
            bool same = gr && gr->group.s_addr == u->g.s_addr;
            size_t more = same ? 8 : pim_jp_group_len(1, 0);
            if (bytes + more > JP_MAX_BYTES || (!same && jp.ngroups == PIM_JP_MAX_GROUPS))
                break;
            if (!same) {
                gr = &jp.groups[jp.ngroups++];
                memset(gr, 0, sizeof(*gr));
                gr->group = u->g;
                gr->masklen = 32;
                gr->first = jp.nsources;
            }
            gr->njoin++;
            jp.sources[jp.nsources++] =
                is_star(u->s) ? (struct pim_jp_source){u->rp, 32, PIM_SRC_S | PIM_SRC_W | PIM_SRC_R}
                              : (struct pim_jp_source){u->s, 32, PIM_SRC_S};
            bytes += more;
            i++;
        }
        size_t len = pim_encode_jp(buf, sizeof(buf), &jp);
        if (len && pim_send(pif, buf, len) == 0) {
            pim_stats.jp_msgs_out++;
            pim_stats.joins_out += i - first;
        }
    }
}

static void up_send_join(struct upstream *u)
{
    send_jp(u->iif, u->nbr, u->s, u->g, u->rp, true);
    u->next_join = now_ms + jitter_ms((uint64_t)pim_jp_interval_s * 1000);
}

/* ---- upstream state from the MRIB ----------------------------------------- */

static void notify_up(const struct upstream *u, const char *kind)
{
    char buf[512], e[64], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];
    char i[IF_NAMESIZE];
    entry_name(e, sizeof(e), u->s, u->g);
    snprintf(buf, sizeof(buf), "%s pim-upstream %s group %s if %s neighbour %s rp %s\n", kind, e,
             pim_ip(u->g, a), ifname(u->iif, i), pim_ip(u->nbr, b),
             is_star(u->s) ? pim_ip(u->rp, r) : "none");
    pim_notify(buf);
}

static struct upstream *up_find(struct in_addr s, struct in_addr g)
{
    for (struct upstream *u = ups; u; u = u->next)
        if (u->s.s_addr == s.s_addr && u->g.s_addr == g.s_addr)
            return u;
    return NULL;
}

static void up_remove(struct upstream *u, bool prune)
{
    if (prune)
        send_jp(u->iif, u->nbr, u->s, u->g, u->rp, false);
    notify_up(u, "flush");
    for (struct upstream **pp = &ups; *pp; pp = &(*pp)->next)
        if (*pp == u) {
            *pp = u->next;
            break;
        }
    free(u);
}

/* RPF'(S,G) (4.5.7): the winner of an assert on the RPF interface, else
 * Babel's next hop. */
static struct in_addr rpf_prime(const struct upstream *u)
{
    struct assert_state *a = assert_find(u->s, u->g, u->iif);
    return a && a->downstream ? a->winner : u->rpf;
}

/* JoinDesired: downstream interest on an interface other than the one
 * toward the source or RP, and an upstream router to join. */
static void up_sync(const struct mrib_view *v, bool gone)
{
    struct upstream *u = up_find(v->source, v->group);
    bool want = !gone && v->iif && v->rpf_neighbour.s_addr != INADDR_ANY &&
                pim_if_by_index(v->iif);
    struct in_addr rp = {0};
    if (want && is_star(v->source))
        want = !pim_is_ssm(v->group) && pim_rp_of(v->group, &rp) == 0;
    if (want) {
        /* 4.1.6: receivers heard by IGMP count only where we are the DR
         * (on a link with PIM); another router there joins for them. */
        bool down = false;
        for (unsigned i = 0; i < v->noifs; i++) {
            if (v->oifs[i] == v->iif)
                continue;
            struct pim_if *o = pim_if_by_index(v->oifs[i]);
            if (v->oif_origins[i] == MRIB_FROM_IGMP && o && o->dr.s_addr != o->addr.s_addr)
                continue;
            down = true;
        }
        want = down;
    }
    if (!want) {
        if (u)
            up_remove(u, true);
        return;
    }
    if (u && u->iif == v->iif && u->rpf.s_addr == v->rpf_neighbour.s_addr &&
        u->rp.s_addr == rp.s_addr)
        return;
    if (u) {
        /* The RPF moved (Babel chose another route): the old upstream hears
         * a prune, the new one a join, now. */
        char e[64], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
        entry_name(e, sizeof(e), u->s, u->g);
        log_debug(1, "pim: %s upstream %s -> %s", e, pim_ip(u->nbr, a),
                  pim_ip(v->rpf_neighbour, b));
        send_jp(u->iif, u->nbr, u->s, u->g, u->rp, false);
    } else {
        u = calloc(1, sizeof(*u));
        if (!u)
            return;
        u->s = v->source;
        u->g = v->group;
        u->next = ups;
        ups = u;
    }
    u->iif = v->iif;
    u->rpf = v->rpf_neighbour;
    u->nbr = rpf_prime(u);
    u->rp = rp;
    notify_up(u, "add");
    up_send_join(u);
}

/* An assert on our RPF interface changed who we join toward. */
static void up_retarget(struct in_addr s, struct in_addr g)
{
    struct upstream *u = up_find(s, g);
    if (!u)
        return;
    struct in_addr t = rpf_prime(u);
    if (t.s_addr == u->nbr.s_addr)
        return;
    u->nbr = t;
    notify_up(u, "change");
    up_send_join(u);
}

static void on_mrib(const struct mrib_view *v, enum ext_change what, void *ctx)
{
    wake();
    if (!jp_started)
        return;
    up_sync(v, what == EXT_FLUSH);
    if (is_star(v->source))
        sa_dirty = true;
}

static void resync_one(const struct mrib_view *v, void *ctx)
{
    struct upstream *u = up_find(v->source, v->group);
    if (u)
        u->mark = true;
    up_sync(v, false);
    if ((u = up_find(v->source, v->group)))
        u->mark = true;
}

/* Every upstream state against the MRIB as it is (start, a new RP). */
static void up_resync(void)
{
    for (struct upstream *u = ups; u; u = u->next)
        u->mark = false;
    mrib_foreach(resync_one, NULL);
    struct upstream *u = ups;
    while (u) {
        struct upstream *nx = u->next;
        if (!u->mark)
            up_remove(u, true);
        u = nx;
    }
}

/* ---- Source-Active: (*,G) interest becomes (S,G) interest ----------------- */

/* What the SA table and the (*,G) entries want, gathered before the MRIB
 * is touched (adding an oif while walking the MRIB or the SA table would
 * change what is walked). */
struct sa_want {
    struct in_addr s, g;
    unsigned ifindex;
};

static struct {
    struct sa_want *v;
    size_t n, cap;
    struct in_addr s, g;
} want;

static void want_add(struct in_addr s, struct in_addr g, unsigned ifindex)
{
    if (want.n == want.cap) {
        size_t cap = want.cap ? want.cap * 2 : 64;
        struct sa_want *v = realloc(want.v, cap * sizeof(*v));
        if (!v)
            return;
        want.v = v;
        want.cap = cap;
    }
    want.v[want.n++] = (struct sa_want){s, g, ifindex};
}

static void sa_star_oifs(const struct mrib_view *v, void *ctx)
{
    if (!is_star(v->source) || v->group.s_addr != want.g.s_addr)
        return;
    for (unsigned i = 0; i < v->noifs; i++)
        if (v->oifs[i] != v->iif)
            want_add(want.s, want.g, v->oifs[i]);
}

static void sa_one(const struct sa_info *sa, void *ctx)
{
    if (!addr_is_v4(sa->source) || !addr_is_v4(sa->group))
        return;
    memcpy(&want.s.s_addr, sa->source + 12, 4);
    memcpy(&want.g.s_addr, sa->group + 12, 4);
    if (pim_is_ssm(want.g))
        return;
    /* A source on one of our links (a native source we announce
     * ourselves): there is no one to join, and the kernel already forwards
     * its traffic to the (*,G) oifs, IGMP exclusions included.  (S,G)
     * interest would add nothing but a second auto-her copy. */
    unsigned rif;
    struct in_addr nb;
    if (mrib_rpf(want.s, &rif, &nb) == 0 && nb.s_addr == INADDR_ANY)
        return;
    mrib_foreach(sa_star_oifs, NULL);
}

static void sa_recompute(void)
{
    sa_dirty = false;
    want.n = 0;
    sa_foreach(sa_one, NULL);
    for (struct contrib *c = contribs; c; c = c->next)
        c->mark = false;
    for (size_t k = 0; k < want.n; k++) {
        struct sa_want *w = &want.v[k];
        struct contrib *c = contrib_find(w->s, w->g, w->ifindex);
        if (!c || !(c->why & WHY_SA))
            c = contrib_set(w->s, w->g, w->ifindex, WHY_SA, true);
        if (c)
            c->mark = true;
    }
    struct contrib *c = contribs;
    while (c) {
        struct contrib *nx = c->next;
        if ((c->why & WHY_SA) && !c->mark)
            contrib_set(c->s, c->g, c->ifindex, WHY_SA, false);
        c = nx;
    }
}

static void on_sa(const struct sa_info *sa, enum ext_change what, void *ctx)
{
    sa_dirty = true;
    wake();
}

/* ---- downstream state ------------------------------------------------------ */

static void notify_down(const struct downstream *d, const char *kind)
{
    char buf[512], e[64], i[IF_NAMESIZE];
    entry_name(e, sizeof(e), d->s, d->g);
    char exp[24] = "never";
    if (d->expires != EVENT_NEVER)
        snprintf(exp, sizeof(exp), "%llu",
                 (unsigned long long)(d->expires > now_ms ? (d->expires - now_ms + 999) / 1000 : 0));
    snprintf(buf, sizeof(buf), "%s pim-downstream %s%%%s if %s expires %s state %s\n", kind, e,
             ifname(d->ifindex, i), i, exp, d->prune_at == EVENT_NEVER ? "join" : "prune-pending");
    pim_notify(buf);
}

static struct downstream *down_find(struct in_addr s, struct in_addr g, unsigned ifindex)
{
    for (struct downstream *d = downs; d; d = d->next)
        if (d->s.s_addr == s.s_addr && d->g.s_addr == g.s_addr && d->ifindex == ifindex)
            return d;
    return NULL;
}

/* Like down_find, also counting the entries on ifindex and in all. */
static struct downstream *down_find_count(struct in_addr s, struct in_addr g, unsigned ifindex,
                                          unsigned *on_if, unsigned *all)
{
    struct downstream *found = NULL;
    *on_if = *all = 0;
    for (struct downstream *d = downs; d; d = d->next) {
        (*all)++;
        if (d->ifindex != ifindex)
            continue;
        (*on_if)++;
        if (d->s.s_addr == s.s_addr && d->g.s_addr == g.s_addr)
            found = d;
    }
    return found;
}

static void down_remove(struct downstream *d)
{
    notify_down(d, "flush");
    for (struct downstream **pp = &downs; *pp; pp = &(*pp)->next)
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    struct in_addr s = d->s, g = d->g;
    unsigned ifx = d->ifindex;
    free(d);
    contrib_set(s, g, ifx, WHY_JOIN, false);
}

static void down_join(struct pim_if *pif, struct in_addr s, struct in_addr g, struct in_addr rp,
                      uint16_t holdtime)
{
    pim_stats.joins_in++;
    unsigned on_if, all;
    struct downstream *d = down_find_count(s, g, pif->ifindex, &on_if, &all);
    if (holdtime == 0) {
        if (d)
            down_remove(d);
        return;
    }
    if (holdtime > PIM_JP_MAX_HOLD_S)
        holdtime = PIM_JP_MAX_HOLD_S;
    bool fresh = !d;
    if (!d) {
        if (on_if >= PIM_MAX_DOWN_PER_IF || all >= PIM_MAX_DOWN) {
            pim_stats.down_refused++;
            return;
        }
        d = calloc(1, sizeof(*d));
        if (!d)
            return;
        d->s = s;
        d->g = g;
        d->ifindex = pif->ifindex;
        d->next = downs;
        downs = d;
    }
    d->rp = rp;
    uint64_t exp = now_ms + (uint64_t)holdtime * 1000;
    /* 4.5.2: the expiry timer only grows with a join. */
    if (fresh || exp > d->expires)
        d->expires = exp;
    bool was_pending = d->prune_at != EVENT_NEVER;
    d->prune_at = EVENT_NEVER;
    if (fresh || was_pending)
        notify_down(d, fresh ? "add" : "change");
    if (fresh)
        contrib_set(s, g, pif->ifindex, WHY_JOIN, true);
}

static void down_prune(struct pim_if *pif, struct in_addr s, struct in_addr g)
{
    pim_stats.prunes_in++;
    struct downstream *d = down_find(s, g, pif->ifindex);
    if (!d)
        return;
    /* 4.5.2: with other routers on the link, one of them may still want
     * the traffic: it has J/P_Override_Interval to say so. */
    if (pif->nnbrs > 1) {
        if (d->prune_at == EVENT_NEVER) {
            d->prune_at = now_ms + pim_if_jp_override_ms(pif);
            notify_down(d, "change");
        }
    } else {
        down_remove(d);
    }
}

static bool valid_group(const struct pim_jp_group *gr)
{
    uint32_t h = ntohl(gr->group.s_addr);
    return gr->masklen == 32 && (h >> 28) == 0xe && !mrib_group_is_local(gr->group);
}

static bool valid_source(const struct pim_jp_source *src)
{
    uint32_t h = ntohl(src->addr.s_addr);
    return src->masklen == 32 && h != 0 && (h >> 28) < 0xe && (h >> 24) != 127;
}

/* Another router's J/P on our RPF interface for an entry we join too. */
static void seen_other(struct pim_if *pif, struct in_addr upstream, struct in_addr s,
                       struct in_addr g, bool join, uint16_t holdtime)
{
    struct upstream *u = up_find(s, g);
    if (!u || u->iif != pif->ifindex || u->nbr.s_addr != upstream.s_addr)
        return;
    if (join) {
        /* 4.5.7: join suppression. */
        if (!pim_if_suppression_enabled(pif))
            return;
        uint64_t t_periodic = (uint64_t)pim_jp_interval_s * 1000;
        uint64_t sup = t_periodic * 11 / 10 + random_u32() % (t_periodic * 3 / 10 + 1);
        if (holdtime != 0xffff && sup > (uint64_t)holdtime * 1000)
            sup = (uint64_t)holdtime * 1000;
        if (u->next_join < now_ms + sup) {
            u->next_join = now_ms + sup;
            pim_stats.suppressed++;
        }
    } else {
        /* 4.5.7: a prune of what we still want is overridden by our join
         * within the override interval. */
        uint64_t t = now_ms + random_u32() % (pim_if_override_ms(pif) + 1);
        if (u->next_join > t) {
            u->next_join = t;
            pim_stats.overrides++;
        }
    }
}

void pim_jp_receive(struct pim_if *pif, struct in_addr from, const struct pim_jp *jp)
{
    wake();
    bool ours = jp->upstream.s_addr == pif->addr.s_addr;
    if (!ours)
        pim_stats.jp_not_ours++;
    for (unsigned gi = 0; gi < jp->ngroups; gi++) {
        const struct pim_jp_group *gr = &jp->groups[gi];
        if (!valid_group(gr)) {
            pim_stats.bad_entry++;
            continue;
        }
        for (unsigned k = 0; k < (unsigned)gr->njoin + gr->nprune; k++) {
            const struct pim_jp_source *src = &jp->sources[gr->first + k];
            bool join = k < gr->njoin;
            bool wc = src->flags & PIM_SRC_W, rpt = src->flags & PIM_SRC_R;
            if (!valid_source(src)) {
                pim_stats.bad_entry++;
                continue;
            }
            if (rpt && !wc) {
                pim_stats.rpt_ignored++;
                continue;
            }
            struct in_addr s = src->addr, rp = {0};
            if (wc) {
                struct in_addr ours_rp;
                if (pim_is_ssm(gr->group)) {
                    pim_stats.ssm_star++;
                    continue;
                }
                if (pim_rp_of(gr->group, &ours_rp) < 0 || ours_rp.s_addr != src->addr.s_addr) {
                    pim_stats.rp_mismatch++;
                    continue;
                }
                rp = src->addr;
                s.s_addr = INADDR_ANY;
            }
            if (!ours) {
                seen_other(pif, jp->upstream, s, gr->group, join, jp->holdtime);
                continue;
            }
            if (join)
                down_join(pif, s, gr->group, rp, jp->holdtime);
            else
                down_prune(pif, s, gr->group);
        }
    }
}

/* ---- Asserts (4.6) ---------------------------------------------------------- */

static struct assert_state *assert_find(struct in_addr s, struct in_addr g, unsigned ifindex)
{
    for (struct assert_state *a = asserts; a; a = a->next)
        if (a->s.s_addr == s.s_addr && a->g.s_addr == g.s_addr && a->ifindex == ifindex)
            return a;
    return NULL;
}

static bool assert_lost(struct in_addr s, struct in_addr g, unsigned ifindex)
{
    struct assert_state *a = assert_find(s, g, ifindex);
    return a && a->lost;
}

/* Our own assert metric toward s: a connected source 0/0, a Babel route
 * PIM_BABEL_PREFERENCE and its metric; false when we have no route. */
static bool our_metric(struct in_addr s, uint32_t *pref, uint32_t *metric)
{
    unsigned ifx;
    struct in_addr nb;
    if (mrib_rpf(s, &ifx, &nb) < 0)
        return false;
    uint8_t a16[16];
    struct route_metrics m;
    addr_from_v4(a16, (const uint8_t *)&s.s_addr);
    if (nb.s_addr == INADDR_ANY || metrics_route_for_addr(a16, &m) < 0 || m.local) {
        *pref = 0;
        *metric = 0;
    } else {
        *pref = PIM_BABEL_PREFERENCE;
        *metric = m.metric;
    }
    return true;
}

static bool forwarding_on(struct in_addr s, struct in_addr g, unsigned ifindex)
{
    struct mrib_view v;
    struct in_addr any = {INADDR_ANY};
    for (int k = 0; k < 2; k++)
        if (mrib_get(k ? any : s, g, &v) == 0 && v.iif != ifindex)
            for (unsigned i = 0; i < v.noifs; i++)
                if (v.oifs[i] == ifindex)
                    return true;
    struct contrib *c = contrib_find(s, g, ifindex);
    return c && c->why;
}

static void send_assert(struct pim_if *pif, struct in_addr s, struct in_addr g, uint32_t pref,
                        uint32_t metric)
{
    struct pim_assert a = {.group = g, .group_masklen = 32, .source = s, .rpt = false,
                           .preference = pref, .metric = metric};
    uint8_t buf[64];
    size_t len = pim_encode_assert(buf, sizeof(buf), &a);
    if (len && pim_send(pif, buf, len) == 0)
        pim_stats.asserts_out++;
}

static struct assert_state *assert_get(struct in_addr s, struct in_addr g, unsigned ifindex)
{
    struct assert_state *a = assert_find(s, g, ifindex);
    if (a)
        return a;
    a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->s = s;
    a->g = g;
    a->ifindex = ifindex;
    a->next = asserts;
    asserts = a;
    return a;
}

static void assert_set_lost(struct assert_state *a, bool lost)
{
    if (a->lost == lost)
        return;
    a->lost = lost;
    struct contrib *c = contrib_find(a->s, a->g, a->ifindex);
    if (c)
        contrib_apply(c);
}

static bool assert_better(uint32_t pa, uint32_t ma, struct in_addr a, uint32_t pb, uint32_t mb,
                          struct in_addr b)
{
    /* 4.6.3: lower preference, then lower metric, then the higher address. */
    if (pa != pb)
        return pa < pb;
    if (ma != mb)
        return ma < mb;
    return ntohl(a.s_addr) > ntohl(b.s_addr);
}

/* An assert on the link toward our upstream: its winner is where our
 * joins go (4.5.7, 4.6.1 for a router that cannot assert there). */
static void assert_downstream(struct pim_if *pif, struct in_addr from, const struct pim_assert *in)
{
    struct upstream *u = up_find(in->source, in->group);
    if (!u || u->iif != pif->ifindex)
        return;
    struct assert_state *a = assert_find(in->source, in->group, pif->ifindex);
    if (a && !a->downstream)
        return;
    if (a && a->winner.s_addr == from.s_addr &&
        assert_better(a->pref, a->metric, a->winner, in->preference, in->metric, from)) {
        /* the winner asserts worse than it did: no winner until the next
         * assert (its state goes, RPF' is Babel's next hop again) */
        a->expires = now_ms;
        a->winner = u->rpf;
        a->downstream = false;
        a->lost = false;
        up_retarget(in->source, in->group);
        return;
    }
    if (a && a->winner.s_addr != from.s_addr &&
        !assert_better(in->preference, in->metric, from, a->pref, a->metric, a->winner))
        return;
    if (!a && !(a = assert_get(in->source, in->group, pif->ifindex)))
        return;
    a->downstream = true;
    a->winner = from;
    a->pref = in->preference;
    a->metric = in->metric;
    a->expires = now_ms + PIM_ASSERT_TIME;
    up_retarget(in->source, in->group);
}

void pim_assert_receive(struct pim_if *pif, struct in_addr from, const struct pim_assert *in)
{
    wake();
    if (in->rpt || is_star(in->source) || in->group_masklen != 32)
        return; /* (*,G) asserts: no shared-tree forwarding to arbitrate */
    uint32_t pref, metric;
    if (!forwarding_on(in->source, in->group, pif->ifindex)) {
        assert_downstream(pif, from, in);
        return;
    }
    if (!our_metric(in->source, &pref, &metric))
        return;
    bool they_win = assert_better(in->preference, in->metric, from, pref, metric, pif->addr);
    struct assert_state *a = assert_get(in->source, in->group, pif->ifindex);
    if (!a)
        return;
    a->downstream = false;
    char e[64], w[INET_ADDRSTRLEN];
    entry_name(e, sizeof(e), in->source, in->group);
    if (they_win) {
        if (!a->lost)
            pim_stats.assert_lost++;
        a->winner = from;
        a->pref = in->preference;
        a->metric = in->metric;
        a->expires = now_ms + PIM_ASSERT_TIME;
        log_debug(1, "pim: assert for %s on %s lost to %s", e, pif->name, pim_ip(from, w));
        assert_set_lost(a, true);
    } else {
        assert_set_lost(a, false);
        pim_stats.assert_won++;
        a->winner = pif->addr;
        a->pref = pref;
        a->metric = metric;
        a->expires = now_ms + PIM_ASSERT_TIME;
        a->last_sent = now_ms;
        send_assert(pif, in->source, in->group, pref, metric);
    }
}

void pim_assert_data_on_oif(struct in_addr s, struct in_addr g, unsigned ifindex)
{
    wake();
    struct pim_if *pif = pim_if_by_index(ifindex);
    uint32_t pref, metric;
    if (!pif || is_star(s) || !our_metric(s, &pref, &metric))
        return;
    struct assert_state *a = assert_get(s, g, ifindex);
    if (!a || a->lost || a->downstream || now_ms < a->last_sent + 1000)
        return;
    a->last_sent = now_ms;
    a->winner = pif->addr;
    a->pref = pref;
    a->metric = metric;
    a->expires = now_ms + PIM_ASSERT_TIME;
    send_assert(pif, s, g, pref, metric);
}

static uint64_t assert_tick(void)
{
    uint64_t next = EVENT_NEVER;
    struct assert_state **pp = &asserts;
    while (*pp) {
        struct assert_state *a = *pp;
        struct pim_if *pif = pim_if_by_index(a->ifindex);
        if (a->expires <= now_ms || !pif) {
            *pp = a->next;
            bool was_lost = a->lost, was_down = a->downstream;
            struct in_addr s = a->s, g = a->g;
            a->lost = false;
            struct contrib *c = was_lost ? contrib_find(a->s, a->g, a->ifindex) : NULL;
            free(a);
            if (c)
                contrib_apply(c);
            if (was_down)
                up_retarget(s, g);
            continue;
        }
        if (!a->lost && !a->downstream) {
            /* The winner re-asserts before the losers' timers run out. */
            uint64_t due = a->last_sent + PIM_ASSERT_TIME - PIM_ASSERT_OVERRIDE;
            if (due <= now_ms) {
                a->last_sent = now_ms;
                a->expires = now_ms + PIM_ASSERT_TIME;
                send_assert(pif, a->s, a->g, a->pref, a->metric);
                due = a->last_sent + PIM_ASSERT_TIME - PIM_ASSERT_OVERRIDE;
            }
            if (due < next)
                next = due;
        }
        if (a->expires < next)
            next = a->expires;
        pp = &a->next;
    }
    return next;
}

/* ---- neighbours, interfaces, timers ----------------------------------------- */

void pim_jp_nbr_up(struct pim_if *pif, struct pim_nbr *n)
{
    wake();
    /* 4.5.7: a new or restarted upstream neighbour hears our joins within
     * a short random delay (after the Hello it needs to accept them). */
    for (struct upstream *u = ups; u; u = u->next)
        if (u->iif == pif->ifindex && u->nbr.s_addr == n->addr.s_addr) {
            uint64_t t = now_ms + 50 + random_u32() % 200;
            if (u->next_join > t)
                u->next_join = t;
        }
}

void pim_jp_nbr_down(struct pim_if *pif, struct in_addr addr)
{
    wake();
    /* Downstream state lives until its holdtime (4.5.2); asserts won by
     * the router that went are void (4.6.1). */
    for (struct assert_state *a = asserts; a; a = a->next)
        if (a->ifindex == pif->ifindex && (a->lost || a->downstream) &&
            a->winner.s_addr == addr.s_addr)
            a->expires = now_ms;
}

void pim_jp_if_down(struct pim_if *pif)
{
    wake();
    struct downstream *d = downs;
    while (d) {
        struct downstream *nx = d->next;
        if (d->ifindex == pif->ifindex)
            down_remove(d);
        d = nx;
    }
    for (struct assert_state *a = asserts; a; a = a->next)
        if (a->ifindex == pif->ifindex)
            a->expires = now_ms;
    for (struct upstream *u = ups; u; u = u->next)
        if (u->iif == pif->ifindex)
            u->next_join = now_ms; /* goes nowhere until the MRIB moves it */
}

/* Every upstream entry whose join is due goes, with those to the same
 * neighbour due within half a period (so that the entries toward one
 * neighbour fall into step and share messages). */
static void periodic_joins(void)
{
    static struct upstream **v;
    static size_t cap;
    uint64_t half = (uint64_t)pim_jp_interval_s * 500;
    for (struct upstream *u = ups; u; u = u->next)
        u->mark = false;
    for (struct upstream *u = ups; u; u = u->next) {
        if (u->mark || u->next_join > now_ms)
            continue;
        size_t n = 0;
        for (struct upstream *w = ups; w; w = w->next) {
            if (w->mark || w->iif != u->iif || w->nbr.s_addr != u->nbr.s_addr ||
                w->next_join > now_ms + half)
                continue;
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 64;
                struct upstream **nv = realloc(v, nc * sizeof(*nv));
                if (!nv)
                    break;
                v = nv;
                cap = nc;
            }
            w->mark = true;
            v[n++] = w;
        }
        struct pim_if *pif = pim_if_by_index(u->iif);
        if (pif && n)
            send_bundle(pif, u->nbr, v, n);
        for (size_t k = 0; k < n; k++)
            v[k]->next_join = now_ms + jitter_ms((uint64_t)pim_jp_interval_s * 1000);
    }
}

uint64_t pim_jp_tick(void)
{
    if (!jp_started)
        return EVENT_NEVER;
    if (jp_due > now_ms)
        return jp_due;
    if (sa_dirty)
        sa_recompute();
    uint64_t next = EVENT_NEVER;
    struct downstream *d = downs;
    while (d) {
        struct downstream *nx = d->next;
        if (d->expires <= now_ms || d->prune_at <= now_ms)
            down_remove(d);
        else {
            if (d->expires < next)
                next = d->expires;
            if (d->prune_at < next)
                next = d->prune_at;
        }
        d = nx;
    }
    periodic_joins();
    for (struct upstream *u = ups; u; u = u->next)
        if (u->next_join < next)
            next = u->next_join;
    uint64_t t = assert_tick();
    jp_due = t < next ? t : next;
    return jp_due;
}

void pim_jp_start(void)
{
    wake();
    static bool subscribed;
    if (!subscribed) {
        mrib_on_change(on_mrib, NULL);
        sa_on_change(on_sa, NULL);
        subscribed = true;
    }
    jp_started = true;
    up_resync();
    sa_dirty = true;
}

void pim_jp_stop(void)
{
    if (!jp_started)
        return;
    /* First, so that the MRIB changes caused below (our oifs going) do not
     * make new upstream state through on_mrib. */
    jp_started = false;
    while (ups)
        up_remove(ups, true);
    while (downs)
        down_remove(downs);
    while (contribs) {
        contribs->why = 0;
        contrib_apply(contribs);
    }
    while (asserts) {
        struct assert_state *a = asserts;
        asserts = a->next;
        free(a);
    }
    free(want.v);
    memset(&want, 0, sizeof(want));
}

void pim_jp_resync(void)
{
    wake();
    if (jp_started)
        up_resync();
}

void pim_jp_dump(void (*emit)(const char *line, void *out), void *out)
{
    char buf[512], e[64], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];
    char i[IF_NAMESIZE];
    for (struct upstream *u = ups; u; u = u->next) {
        entry_name(e, sizeof(e), u->s, u->g);
        snprintf(buf, sizeof(buf),
                 "add pim-upstream %s group %s if %s neighbour %s rp %s next-join %llu\n", e,
                 pim_ip(u->g, a), ifname(u->iif, i), pim_ip(u->nbr, b),
                 is_star(u->s) ? pim_ip(u->rp, r) : "none",
                 (unsigned long long)(u->next_join > now_ms ? (u->next_join - now_ms) / 1000 : 0));
        emit(buf, out);
    }
    for (struct downstream *d = downs; d; d = d->next) {
        entry_name(e, sizeof(e), d->s, d->g);
        char exp[24] = "never";
        if (d->expires != EVENT_NEVER)
            snprintf(exp, sizeof(exp), "%llu",
                     (unsigned long long)(d->expires > now_ms ? (d->expires - now_ms + 999) / 1000
                                                              : 0));
        snprintf(buf, sizeof(buf), "add pim-downstream %s%%%s if %s expires %s state %s\n", e,
                 ifname(d->ifindex, i), i, exp,
                 d->prune_at == EVENT_NEVER ? "join" : "prune-pending");
        emit(buf, out);
    }
    for (struct assert_state *as = asserts; as; as = as->next) {
        entry_name(e, sizeof(e), as->s, as->g);
        snprintf(buf, sizeof(buf),
                 "add pim-assert %s%%%s if %s role %s winner %s preference %u metric %u lost %s\n",
                 e, ifname(as->ifindex, i), i, as->downstream ? "downstream" : "forwarder",
                 pim_ip(as->winner, a), as->pref, as->metric, as->lost ? "true" : "false");
        emit(buf, out);
    }
}
