#include "mcast/norm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "babel/event.h"
#include "babel/extension.h"
#include "babel/kernel.h"
#include "babel/kernel_watch.h"
#include "babel/util.h"
#include "mcast/capture.h"
#include "mcast/dataplane.h"
#include "mcast/egress.h"
#include "mcast/norm_sa.h"
#include "mcast/report.h"
#include "mcast/vip.h"

/* Links and addresses are followed through the core's netlink
 * notifications; this periodic re-check is only a backstop. */
#define RECONCILE_MS 5000
/* A burst of notifications is handled in one go, this long after the first. */
#define NOTIFY_DELAY_MS 20
#define MAX_LINKS 256
#define MAX_ADDRS 512
#define MAX_INPUTS 64

/* A snapshot of the kernel's links and IPv4 addresses. */
struct snap {
    struct kernel_link links[MAX_LINKS];
    unsigned nlinks;
    struct kernel_addr addrs[MAX_ADDRS];
    unsigned naddrs;
};

/* Open resources, shared by tables; refs count the tables (and for
 * counters the rule) holding them. */
struct cap_entry {
    struct capture *cap;
    struct fwd_input_counts *counts;
    char ifname[IF_NAMESIZE];
    struct cap_entry *next;
};
static struct cap_entry *caps;
static struct egress_sock *socks;
static bool started;
static uint64_t next_reconcile;
static char last_plan[8192];
static bool plan_valid;
/* dataplane_start() failed: said once, not again at every reconcile. */
static bool dp_failed;

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);
    if (!p) {
        log_msg("mcast: out of memory");
        abort();
    }
    return p;
}

/* ---------------------------------------------------------------------
 * Kernel snapshot */

static void snap_link(const struct kernel_link *l, void *ctx)
{
    struct snap *s = ctx;
    if (s->nlinks < MAX_LINKS)
        s->links[s->nlinks++] = *l;
}

static void snap_addr(const struct kernel_addr *a, void *ctx)
{
    struct snap *s = ctx;
    if (prefix_is_v4(&a->prefix) && s->naddrs < MAX_ADDRS)
        s->addrs[s->naddrs++] = *a;
}

static const struct kernel_link *snap_find(const struct snap *s, const char *name)
{
    for (unsigned i = 0; i < s->nlinks; i++)
        if (strcmp(s->links[i].name, name) == 0)
            return &s->links[i];
    return NULL;
}

/* The first IPv4 address of a link (and its peer, on point-to-point). */
static const struct kernel_addr *snap_addr4(const struct snap *s, unsigned ifindex)
{
    for (unsigned i = 0; i < s->naddrs; i++)
        if (s->addrs[i].ifindex == ifindex)
            return &s->addrs[i];
    return NULL;
}

static uint32_t v4_of(const uint8_t a[16])
{
    uint32_t v;
    memcpy(&v, a + 12, 4);
    return v;
}

/* ---------------------------------------------------------------------
 * Resources */

static struct cap_entry *cap_get(unsigned ifindex, const char *ifname)
{
    for (struct cap_entry *e = caps; e; e = e->next)
        if (e->cap->ifindex == ifindex)
            return e;
    struct capture *c = capture_open(ifindex);
    if (!c) {
        log_msg("mcast: capturing on %s: %s", ifname, strerror(errno));
        return NULL;
    }
    struct cap_entry *e = xcalloc(1, sizeof(*e));
    e->cap = c;
    e->counts = xcalloc(1, sizeof(*e->counts));
    strlcpy_safe(e->ifname, ifname, sizeof(e->ifname));
    e->next = caps;
    caps = e;
    return e;
}

static void cap_unref(struct capture *c)
{
    for (struct cap_entry **pp = &caps; *pp; pp = &(*pp)->next) {
        struct cap_entry *e = *pp;
        if (e->cap != c)
            continue;
        if (--c->refs > 0)
            return;
        *pp = e->next;
        capture_close(c);
        free(e->counts);
        free(e);
        return;
    }
}

static struct egress_sock *sock_get(bool unicast, uint32_t src, unsigned ifindex, uint8_t ttl,
                                    char *why, size_t whylen)
{
    for (struct egress_sock *s = socks; s; s = s->next)
        if (s->unicast == unicast && s->src == src && s->ifindex == ifindex && s->ttl == ttl)
            return s;
    struct egress_sock *s = egress_open(unicast, src, ifindex, ttl);
    if (!s) {
        snprintf(why, whylen, "socket-error");
        log_msg("mcast: opening a socket for interface %u: %s", ifindex, strerror(errno));
        return NULL;
    }
    s->next = socks;
    socks = s;
    return s;
}

static void sock_unref(struct egress_sock *s)
{
    if (--s->refs > 0)
        return;
    for (struct egress_sock **pp = &socks; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    egress_close(s);
}

static struct fwd_counts *counts_new(void)
{
    struct fwd_counts *c = xcalloc(1, sizeof(*c));
    c->refs = 1;
    return c;
}

static void counts_unref(struct fwd_counts *c)
{
    if (c && --c->refs == 0)
        free(c);
}

/* Drops the references a retired table held. */
static void table_release(struct fwd_table *t)
{
    for (unsigned i = 0; i < t->ninputs; i++) {
        struct fwd_input *in = &t->inputs[i];
        for (unsigned j = 0; j < in->nrules; j++) {
            struct fwd_rule *r = &in->rules[j];
            for (unsigned k = 0; k < r->nout; k++) {
                if (r->out[k].sock)
                    sock_unref(r->out[k].sock);
                counts_unref(r->out[k].counts);
            }
            counts_unref(r->counts);
            norm_sa_activity_unref(r->act);
        }
        cap_unref(in->cap);
    }
}

void norm_sum(const struct fwd_counts *c, struct egress_counts *out)
{
    memset(out, 0, sizeof(*out));
    if (!c)
        return;
    for (unsigned w = 0; w < FWD_MAX_WORKERS; w++) {
        out->packets += __atomic_load_n(&c->w[w].c.packets, __ATOMIC_RELAXED);
        out->bytes += __atomic_load_n(&c->w[w].c.bytes, __ATOMIC_RELAXED);
        out->drops += __atomic_load_n(&c->w[w].c.drops, __ATOMIC_RELAXED);
        if (c->w[w].c.last_error)
            out->last_error = c->w[w].c.last_error;
    }
}

unsigned norm_inputs(struct norm_input_view *out, unsigned max)
{
    unsigned n = 0;
    for (struct cap_entry *e = caps; e && n < max; e = e->next) {
        strlcpy_safe(out[n].ifname, e->ifname, sizeof(out[n].ifname));
        out[n].counts = e->counts;
        out[n].ring_drops = capture_ring_drops(e->cap);
        n++;
    }
    return n;
}

/* ---------------------------------------------------------------------
 * Building and publishing tables */

struct plan_out {
    bool ok;
    bool unicast;
    uint32_t src, dst;
    unsigned ifindex;
    uint8_t ttl;
    uint16_t port;
    unsigned mtu;
};

/* Resolves one output against the snapshot; fills the state text. */
static struct plan_out resolve_output(const struct rule *r, const struct rule_output *o,
                                      const struct snap *s, char *state, size_t slen, char *dest,
                                      size_t dlen)
{
    struct plan_out p = {.ttl = o->ttl ? o->ttl : RULE_DEFAULT_TTL, .port = o->port};
    char a[16];
    const struct kernel_link *l = snap_find(s, o->ifname);
    if (!l) {
        snprintf(state, slen, "waiting-for-interface");
        snprintf(dest, dlen, "-");
        return p;
    }
    p.ifindex = l->ifindex;
    p.mtu = l->mtu;
    if (!(l->flags & IFF_UP)) {
        snprintf(state, slen, "down");
        snprintf(dest, dlen, "-");
        return p;
    }
    const struct kernel_addr *ka = snap_addr4(s, l->ifindex);
    if (o->unicast) {
        p.unicast = true;
        p.dst = o->uaddr;
        p.src = ka ? v4_of(ka->prefix.addr) : 0;
    } else if ((l->flags & IFF_POINTOPOINT) && !(l->flags & IFF_MULTICAST)) {
        /* No multicast on this link: replicate to its far end. */
        if (!ka || !ka->has_peer) {
            snprintf(state, slen, "no-peer-address");
            snprintf(dest, dlen, "-");
            return p;
        }
        p.unicast = true;
        p.dst = v4_of(ka->peer);
        p.src = v4_of(ka->prefix.addr);
    } else {
        p.dst = o->group ? o->group : r->c.group;
        p.src = r->c.vip;
    }
    p.ok = true;
    snprintf(state, slen, p.unicast ? "up-unicast" : "up");
    snprintf(dest, dlen, "%s", ip4_fmt(p.dst, a));
    return p;
}

/* Builds the next table from the rules and the snapshot, and a text plan
 * that changes exactly when the table would. */
static struct fwd_table *build(const struct snap *s, char *plan, size_t planlen)
{
    struct fwd_table *t = fwd_table_new();
    if (!t)
        return NULL;
    size_t pl = 0;
    plan[0] = '\0';
#define PLAN(...)                                                                     \
    do {                                                                              \
        if (pl < planlen)                                                             \
            pl += (size_t)snprintf(plan + pl, planlen - pl, __VA_ARGS__);             \
    } while (0)
    unsigned nrules = 0;
    for (struct rule *r = rules; r; r = r->next)
        nrules++;
    t->inputs = xcalloc(nrules, sizeof(*t->inputs));
    t->vips = xcalloc(nrules, sizeof(*t->vips));
    t->activity_fd = norm_sa_fd();
    /* Which input each rule goes to, inputs in first-seen order. */
    for (struct rule *r = rules; r; r = r->next) {
        struct norm_rule *nr = r->state;
        if (r->c.vip) {
            bool dup = false;
            for (unsigned i = 0; i < t->nvips; i++)
                dup |= t->vips[i] == r->c.vip;
            if (!dup)
                t->vips[t->nvips++] = r->c.vip;
        }
        const struct kernel_link *in = snap_find(s, r->c.in_if);
        for (int k = 0; k < r->c.nout; k++) {
            char st[48], de[24];
            resolve_output(r, &r->c.out[k], s, st, sizeof(st), de, sizeof(de));
            strlcpy_safe(nr->out_state[k], st, sizeof(nr->out_state[k]));
            strlcpy_safe(nr->out_dest[k], de, sizeof(nr->out_dest[k]));
        }
        if (!in) {
            snprintf(nr->state, sizeof(nr->state), "waiting-for-interface");
            PLAN("%s:wait;", r->c.name);
            continue;
        }
        if (!(in->flags & IFF_UP)) {
            snprintf(nr->state, sizeof(nr->state), "interface-down");
            PLAN("%s:down;", r->c.name);
            continue;
        }
        unsigned ii;
        for (ii = 0; ii < t->ninputs; ii++)
            if (t->inputs[ii].cap->ifindex == in->ifindex)
                break;
        if (ii == t->ninputs) {
            if (t->ninputs == MAX_INPUTS) {
                snprintf(nr->state, sizeof(nr->state), "too-many-inputs");
                continue;
            }
            struct cap_entry *ce = cap_get(in->ifindex, in->name);
            if (!ce) {
                snprintf(nr->state, sizeof(nr->state), "capture-error");
                PLAN("%s:caperr;", r->c.name);
                continue;
            }
            ce->cap->refs++;
            t->inputs[ii].cap = ce->cap;
            t->inputs[ii].counts = ce->counts;
            t->inputs[ii].rules = xcalloc(nrules, sizeof(struct fwd_rule));
            t->ninputs++;
        }
        struct fwd_input *fi = &t->inputs[ii];
        capture_add_group(fi->cap, r->c.group);
        struct fwd_rule *fr = &fi->rules[fi->nrules++];
        fr->group = r->c.group;
        fr->source = r->c.source;
        fr->port = r->c.port;
        fr->counts = nr->counts;
        nr->counts->refs++;
        fr->act = norm_sa_activity(nr->sa);
        fr->out = xcalloc((size_t)r->c.nout, sizeof(*fr->out));
        fr->nout = (unsigned)r->c.nout;
        PLAN("%s:in%u/%x/%x/%u:", r->c.name, in->ifindex, r->c.group, r->c.source, r->c.port);
        for (int k = 0; k < r->c.nout; k++) {
            char st[48], de[24];
            struct plan_out p = resolve_output(r, &r->c.out[k], s, st, sizeof(st), de, sizeof(de));
            struct fwd_output *fo = &fr->out[k];
            fo->counts = nr->out_counts[k];
            fo->counts->refs++;
            fo->port = p.port;
            PLAN("[%d%d%x%x%u%u%u]", p.ok, p.unicast, p.src, p.dst, p.ifindex, p.ttl, p.port);
            if (!p.ok)
                continue;
            fo->dst = p.dst;
            fo->sock = sock_get(p.unicast, p.src, p.ifindex, p.ttl, nr->out_state[k],
                                sizeof(nr->out_state[k]));
            if (fo->sock) {
                fo->sock->refs++;
                __atomic_store_n(&fo->sock->mtu, p.mtu, __ATOMIC_RELAXED);
            }
        }
        snprintf(nr->state, sizeof(nr->state), "active");
        PLAN(";");
    }
#undef PLAN
    return t;
}

static void reconcile(bool force)
{
    if (!started)
        return;
    /* No rules and nothing published for them: nothing to look at. */
    if (!rules && !force && plan_valid && last_plan[0] == '\0')
        return;
    static struct snap s;
    s.nlinks = s.naddrs = 0;
    kernel_dump_links(snap_link, &s);
    kernel_dump_addrs(snap_addr, &s);
    static char plan[sizeof(last_plan)];
    /* Remember the states, to tell monitors about changes. */
    struct rule *r;
    char before[8192];
    size_t bl = 0;
    for (r = rules; r && bl < sizeof(before); r = r->next) {
        struct norm_rule *nr = r->state;
        bl += (size_t)snprintf(before + bl, sizeof(before) - bl, "%s", nr->state);
        for (int k = 0; k < r->c.nout && bl < sizeof(before); k++)
            bl += (size_t)snprintf(before + bl, sizeof(before) - bl, "%s", nr->out_state[k]);
    }
    struct fwd_table *t = build(&s, plan, sizeof(plan));
    if (!t)
        return;
    if (!force && plan_valid && strcmp(plan, last_plan) == 0) {
        /* Nothing changed for the data plane: the table is never published,
         * so its references go at once. */
        table_release(t);
        fwd_table_free(t);
    } else {
        strlcpy_safe(last_plan, plan, sizeof(last_plan));
        plan_valid = true;
        if (t->ninputs) {
            if (dataplane_start() == 0)
                dp_failed = false;
            else if (!dp_failed) {
                dp_failed = true;
                log_msg("mcast: no data plane; mcast-rule lines are kept but relay nothing");
            }
        }
        fwd_publish(t);
        dataplane_kick();
    }
    fwd_reclaim(table_release);
    char after[8192];
    size_t al = 0;
    for (r = rules; r && al < sizeof(after); r = r->next) {
        struct norm_rule *nr = r->state;
        al += (size_t)snprintf(after + al, sizeof(after) - al, "%s", nr->state);
        for (int k = 0; k < r->c.nout && al < sizeof(after); k++)
            al += (size_t)snprintf(after + al, sizeof(after) - al, "%s", nr->out_state[k]);
    }
    if (strcmp(before, after) != 0)
        for (r = rules; r; r = r->next)
            report_rule(r, "change");
}

/* A link or address changed: look again soon (not from inside the
 * netlink read, where kernel requests are refused). */
static void kernel_changed(void)
{
    if (started && rules && next_reconcile > now_ms + NOTIFY_DELAY_MS)
        next_reconcile = now_ms + NOTIFY_DELAY_MS;
}
static void on_kernel_link(const struct kernel_link *l, bool deleted, void *ctx) { kernel_changed(); }
static void on_kernel_addr(const struct kernel_addr *a, bool deleted, void *ctx) { kernel_changed(); }
static const struct kernel_notify_ops kernel_ops = {.link = on_kernel_link, .addr = on_kernel_addr};

static uint64_t tick(void *ctx)
{
    if (!started)
        return EVENT_NEVER;
    if (now_ms >= next_reconcile) {
        reconcile(false);
        next_reconcile = now_ms + RECONCILE_MS;
    }
    /* A replaced table holds capture rings and sockets until the worker has
     * moved on (one loop after its kick): free it then, not at the next
     * reconcile, which never comes once the last rule is gone. */
    if (fwd_has_retired()) {
        fwd_reclaim(table_release);
        if (fwd_has_retired())
            return now_ms + 10 < next_reconcile ? now_ms + 10 : next_reconcile;
    }
    return next_reconcile;
}

/* ---------------------------------------------------------------------
 * Rules coming and going */

static void hold_vip(struct norm_rule *nr, uint32_t vip)
{
    if (nr->held_vip == vip)
        return;
    /* Take the new one first: a rule moving between VIPs never leaves a
     * shared one without holders in between. */
    if (vip && vip_hold(vip) < 0) {
        char a[16];
        log_msg("mcast: cannot put VIP %s on a link", ip4_fmt(vip, a));
    }
    if (nr->held_vip)
        vip_release(nr->held_vip);
    nr->held_vip = vip;
}

static void on_rule(struct rule *r, enum rule_event ev)
{
    struct norm_rule *nr = r->state;
    if (ev == RULE_REMOVED) {
        if (nr) {
            if (started)
                report_rule(r, "flush");
            if (nr->held_vip)
                vip_release(nr->held_vip);
            norm_sa_free(nr->sa);
            counts_unref(nr->counts);
            for (int k = 0; k < RULE_MAX_OUTPUTS; k++)
                counts_unref(nr->out_counts[k]);
            free(nr);
            r->state = NULL;
        }
        /* The rule is gone from the list by the next reconcile; it runs
         * now, without it, from the flush handler's caller. */
        return;
    }
    if (!nr) {
        nr = xcalloc(1, sizeof(*nr));
        nr->counts = counts_new();
        nr->sa = norm_sa_new(&r->c);
        snprintf(nr->state, sizeof(nr->state), started ? "pending" : "not-started");
        r->state = nr;
    } else {
        norm_sa_update(nr->sa, &r->c);
    }
    /* A replaced rule keeps its counters, and each output those of the
     * output at the same position; outputs beyond the new count go. */
    for (int k = 0; k < RULE_MAX_OUTPUTS; k++) {
        if (k < r->c.nout && !nr->out_counts[k])
            nr->out_counts[k] = counts_new();
        else if (k >= r->c.nout && nr->out_counts[k]) {
            counts_unref(nr->out_counts[k]);
            nr->out_counts[k] = NULL;
            nr->out_state[k][0] = '\0';
        }
    }
    if (!started)
        return;
    hold_vip(nr, r->c.vip);
    reconcile(true);
    report_rule(r, ev == RULE_ADDED ? "add" : "change");
}

static void on_flushed(void)
{
    if (started)
        reconcile(true);
}

static void start(void *ctx)
{
    started = true;
    norm_sa_start(); /* before the first table: it carries the eventfd */
    for (struct rule *r = rules; r; r = r->next)
        hold_vip(r->state, r->c.vip);
    /* The data-plane worker (its thread, stack and io_uring ring) starts
     * with the first table that has an input: a router relaying nothing
     * pays for none of it. */
    if (rules) {
        reconcile(true);
    } else {
        /* No rule, nothing to plan: the empty plan is the state (nothing is
         * published), and the link/address snapshot is never taken. */
        last_plan[0] = '\0';
        plan_valid = true;
    }
    next_reconcile = now_ms + RECONCILE_MS;
    event_add_tick(tick, NULL);
    kernel_watch_subscribe(&kernel_ops);
}

static void stop(void *ctx)
{
    if (!started)
        return;
    /* An empty table, then the worker stops; everything is released. */
    fwd_publish(fwd_table_new());
    dataplane_stop();
    fwd_reclaim(table_release);
    fwd_publish(NULL);
    fwd_reclaim(table_release);
    for (struct rule *r = rules; r; r = r->next) {
        struct norm_rule *nr = r->state;
        if (nr && nr->held_vip) {
            vip_release(nr->held_vip);
            nr->held_vip = 0;
        }
    }
    vip_cleanup();
    norm_sa_stop();
    started = false;
}

void norm_init(void)
{
    rule_set_change_hook(on_rule);
    rule_set_flush_hook(on_flushed);
    rule_init();
    report_init();
    norm_sa_init();
    ext_on_lifecycle(start, stop, NULL);
}
