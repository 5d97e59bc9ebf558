/* The kernel's multicast forwarding cache, kept in step with the MRIB (see
 * mroute.h). */
#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/mroute.h>

#include "mcast/mroute.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "babel/event.h"
#include "babel/kernel.h"
#include "babel/kernel_watch.h"
#include "babel/local.h"
#include "babel/util.h"
#include "mcast/autoher.h"
#include "mcast/mcif.h"

#define VIF_SYNC_MS 5000
#define IDLE_CHECK_MS 10000
#define MAX_KMFC 8192

/* One (S,G) forwarding entry as we want it in the kernel. */
struct kmfc {
    struct kmfc *next;
    struct in_addr s, g;
    bool derived;      /* learnt from a NOCACHE upcall, not an (S,G) MRIB entry */
    bool installed;    /* in the kernel now, with iif and oifs below */
    unsigned iif;      /* ifindex; 0: no RPF, not installed */
    uint32_t oif_mask; /* of vif numbers */
    int iif_vif;
    unsigned long pktcnt;
    uint64_t active_at; /* last time its packet count moved */
    bool shown;         /* monitors were told of it (derived entries only) */
};

static int fd = -1;
static bool allowed; /* the daemon runs: the socket may be opened */
static int open_socket(void);

/* The socket is opened when the first mcast-interface (or MRIB entry)
 * needs it: a router with no multicast configuration never takes the
 * namespace's one MRT_INIT socket (smcrouted or pimd may want it). */
static bool ensure(void)
{
    if (fd < 0 && allowed)
        open_socket();
    return fd >= 0;
}
static int vif_ifindex[MAXVIFS]; /* 0: free */
static struct kmfc *kmfcs;
static unsigned nkmfc;
static mroute_igmp_fn igmp_fn;
static mroute_nocache_fn nocache_fn;
static void *nocache_ctx;
static void (*wrong_fn)(struct in_addr s, struct in_addr g, unsigned ifindex, void *ctx);
static void *wrong_ctx;
static void *igmp_ctx;
static bool vif_dirty;
static uint64_t next_vif_sync, next_idle_check;
static struct {
    unsigned long nocache, wrongvif, wholepkt, installs, removals, failures;
} stats;

static void set_assert(void)
{
    int on = wrong_fn != NULL;
    if (fd >= 0)
        setsockopt(fd, IPPROTO_IP, MRT_ASSERT, &on, sizeof(on));
}

void mrib_on_wrong_iif(void (*fn)(struct in_addr s, struct in_addr g, unsigned ifindex, void *ctx),
                       void *ctx)
{
    wrong_fn = fn;
    wrong_ctx = ctx;
    set_assert();
}

void mroute_on_nocache(mroute_nocache_fn fn, void *ctx)
{
    nocache_fn = fn;
    nocache_ctx = ctx;
}

int mroute_sg_count(struct in_addr s, struct in_addr g, unsigned long *pkts)
{
    struct sioc_sg_req req = {.src = s, .grp = g};
    if (fd < 0 || ioctl(fd, SIOCGETSGCNT, &req) < 0)
        return -1;
    *pkts = req.pktcnt;
    return 0;
}

void mroute_foreach_sg(void (*fn)(struct in_addr s, struct in_addr g, unsigned iif, void *ctx),
                       void *ctx)
{
    for (struct kmfc *k = kmfcs, *next; k; k = next) {
        next = k->next;
        if (k->installed && k->iif)
            fn(k->s, k->g, k->iif, ctx);
    }
}

void mroute_on_igmp(mroute_igmp_fn fn, void *ctx)
{
    igmp_fn = fn;
    igmp_ctx = ctx;
}

/* ---- vifs --------------------------------------------------------------- */

static int vif_of(unsigned ifindex)
{
    if (!ifindex)
        return -1;
    for (int i = 0; i < MAXVIFS; i++)
        if (vif_ifindex[i] == (int)ifindex)
            return i;
    return -1;
}

static int vif_add(unsigned ifindex)
{
    int v = vif_of(ifindex);
    if (v >= 0 || !ensure())
        return v;
    for (v = 0; v < MAXVIFS && vif_ifindex[v]; v++)
        ;
    if (v == MAXVIFS) {
        log_msg("mroute: no free vif for ifindex %u (the kernel has %d)", ifindex, MAXVIFS);
        return -1;
    }
    struct vifctl vc = {0};
    vc.vifc_vifi = (vifi_t)v;
    vc.vifc_flags = VIFF_USE_IFINDEX;
    vc.vifc_threshold = 1;
    vc.vifc_lcl_ifindex = (int)ifindex;
    if (setsockopt(fd, IPPROTO_IP, MRT_ADD_VIF, &vc, sizeof(vc)) < 0) {
        if (errno != ENODEV)
            log_msg("mroute: MRT_ADD_VIF ifindex %u: %s", ifindex, strerror(errno));
        return -1;
    }
    vif_ifindex[v] = (int)ifindex;
    return v;
}

static void vif_del(int v)
{
    struct vifctl vc = {0};
    vc.vifc_vifi = (vifi_t)v;
    setsockopt(fd, IPPROTO_IP, MRT_DEL_VIF, &vc, sizeof(vc));
    vif_ifindex[v] = 0;
}

int mroute_want_vif(unsigned ifindex) { return vif_add(ifindex) < 0 ? -1 : 0; }

/* ---- MFC entries ---------------------------------------------------------- */

static struct kmfc *kmfc_find(struct in_addr s, struct in_addr g)
{
    for (struct kmfc *k = kmfcs; k; k = k->next)
        if (k->s.s_addr == s.s_addr && k->g.s_addr == g.s_addr)
            return k;
    return NULL;
}

static struct kmfc *kmfc_get(struct in_addr s, struct in_addr g, bool derived)
{
    struct kmfc *k = kmfc_find(s, g);
    if (k || nkmfc >= MAX_KMFC)
        return k;
    k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    k->s = s;
    k->g = g;
    k->derived = derived;
    k->iif_vif = -1;
    k->active_at = now_ms;
    k->next = kmfcs;
    kmfcs = k;
    nkmfc++;
    return k;
}

/* A derived entry's record: `mroute S G iif IF oifs IF,... from *`. */
static void format_kmfc(char *buf, size_t len, const char *kind, const struct kmfc *k)
{
    char s[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN], name[IF_NAMESIZE];
    inet_ntop(AF_INET, &k->s, s, sizeof(s));
    inet_ntop(AF_INET, &k->g, g, sizeof(g));
    size_t off = (size_t)snprintf(buf, len, "%s mroute %s %s iif %s", kind, s, g,
                                  if_indextoname(k->iif, name) ? name : "-");
    const char *sep = " oifs ";
    for (int v = 0; v < MAXVIFS && off < len; v++)
        if (k->oif_mask & (1u << v)) {
            off += (size_t)snprintf(buf + off, len - off, "%s%s", sep,
                                    if_indextoname((unsigned)vif_ifindex[v], name) ? name : "-");
            sep = ",";
        }
    if (off < len)
        snprintf(buf + off, len - off, "%s from *\n", k->oif_mask ? "" : " oifs -");
}

/* Monitors hear of derived entries as they are installed, change and go
 * (an (S,G) MRIB entry has its own record). */
static void show_kmfc(struct kmfc *k)
{
    bool want = k->installed && k->derived;
    const char *kind = want ? (k->shown ? "change" : "add") : "flush";
    if (!want && !k->shown)
        return;
    k->shown = want;
    if (!local_have_monitors())
        return;
    char buf[1024];
    format_kmfc(buf, sizeof(buf), kind, k);
    local_notify_line(buf);
}

static void kernel_del(struct kmfc *k)
{
    if (!k->installed)
        return;
    struct mfcctl mc = {0};
    mc.mfcc_origin = k->s;
    mc.mfcc_mcastgrp = k->g;
    if (setsockopt(fd, IPPROTO_IP, MRT_DEL_MFC, &mc, sizeof(mc)) == 0)
        stats.removals++;
    k->installed = false;
    show_kmfc(k);
}

static void kmfc_free(struct kmfc *k)
{
    kernel_del(k);
    for (struct kmfc **pp = &kmfcs; *pp; pp = &(*pp)->next)
        if (*pp == k) {
            *pp = k->next;
            break;
        }
    nkmfc--;
    free(k);
}

/* What (S,G) should look like: iif from the (S,G) entry, or RPF toward S
 * for a derived one; oifs the union of (S,G)'s and (*,G)'s, less the iif.
 * Installs, changes or removes the kernel's entry to match.  Returns false
 * when the entry has no reason to exist any more. */
static bool kmfc_sync(struct kmfc *k)
{
    struct mrib_view sg, star;
    bool have_sg = mrib_get(k->s, k->g, &sg) == 0;
    struct in_addr any = {INADDR_ANY};
    bool have_star = mrib_get(any, k->g, &star) == 0;
    k->derived = !have_sg;
    unsigned iif = 0;
    if (have_sg) {
        iif = sg.iif;
    } else {
        struct in_addr nb;
        if (mrib_rpf(k->s, &iif, &nb) < 0)
            iif = 0;
    }
    int iv = iif ? vif_add(iif) : -1;
    uint32_t mask = 0;
    const struct mrib_view *views[2] = {have_sg ? &sg : NULL, have_star ? &star : NULL};
    for (int w = 0; w < 2; w++)
        for (unsigned i = 0; views[w] && i < views[w]->noifs; i++) {
            if (views[w]->oifs[i] == iif || autoher_owns(views[w]->oifs[i]) ||
                !mrib_forwards(views[w]->oifs[i], views[w]->oif_origins[i]))
                continue;
            /* An IGMP-only (*,G) oif whose hosts exclude S (EXCLUDE mode);
             * an (S,G) oif there, seen first, has already been taken. */
            if (w == 1 && views[w]->oif_origins[i] == MRIB_FROM_IGMP &&
                mrib_is_excluded(k->s, k->g, views[w]->oifs[i]))
                continue;
            int ov = vif_add(views[w]->oifs[i]);
            if (ov >= 0)
                mask |= 1u << ov;
        }
    if (iv < 0) {
        kernel_del(k);
        k->iif = 0;
        k->iif_vif = -1;
        k->oif_mask = 0;
        /* A derived entry without RPF goes; its next packet asks again. */
        return have_sg;
    }
    if (k->installed && k->iif_vif == iv && k->oif_mask == mask) {
        if (k->shown != k->derived)
            show_kmfc(k); /* it became, or stopped being, derived */
        return true;
    }
    struct mfcctl mc = {0};
    mc.mfcc_origin = k->s;
    mc.mfcc_mcastgrp = k->g;
    mc.mfcc_parent = (vifi_t)iv;
    for (int v = 0; v < MAXVIFS; v++)
        mc.mfcc_ttls[v] = (mask & (1u << v)) ? 1 : 0;
    if (setsockopt(fd, IPPROTO_IP, MRT_ADD_MFC, &mc, sizeof(mc)) < 0) {
        stats.failures++;
        log_msg("mroute: MRT_ADD_MFC: %s", strerror(errno));
        kernel_del(k);
        return true;
    }
    stats.installs++;
    k->installed = true;
    k->iif = iif;
    k->iif_vif = iv;
    k->oif_mask = mask;
    show_kmfc(k);
    return true;
}

void mroute_sync_group(struct in_addr g)
{
    for (struct kmfc *k = kmfcs, *next; k; k = next) {
        next = k->next;
        if (k->g.s_addr != g.s_addr)
            continue;
        struct in_addr any = {INADDR_ANY};
        struct mrib_view v;
        /* A derived entry goes with its (*,G) (without being rewritten
         * first); if S still sends, the kernel asks again and gets a
         * negative entry (no oifs). */
        if ((mrib_get(k->s, g, &v) < 0 && mrib_get(any, g, &v) < 0) || !kmfc_sync(k))
            kmfc_free(k);
    }
}

void mroute_entry_changed(const struct mrib_view *v, enum ext_change what)
{
    if (!ensure())
        return;
    if (v->source.s_addr != INADDR_ANY && what != EXT_FLUSH)
        kmfc_get(v->source, v->group, false);
    if (v->source.s_addr != INADDR_ANY && what == EXT_FLUSH) {
        struct kmfc *k = kmfc_find(v->source, v->group);
        struct in_addr any = {INADDR_ANY};
        struct mrib_view star;
        /* Without (*,G) nothing else wants it. */
        if (k && mrib_get(any, v->group, &star) < 0)
            kmfc_free(k);
    }
    mroute_sync_group(v->group);
}

void mroute_routes_changed(const struct prefix *p)
{
    if (fd < 0)
        return;
    for (struct kmfc *k = kmfcs, *next; k; k = next) {
        next = k->next;
        if (p) {
            struct prefix host;
            addr_from_v4(host.addr, (const uint8_t *)&k->s.s_addr);
            host.plen = 128;
            if (!prefix_within(&host, p))
                continue;
        }
        if (!kmfc_sync(k))
            kmfc_free(k);
    }
}

static void tell_nocache(struct in_addr s, struct in_addr g, int vif)
{
    if (nocache_fn && vif >= 0 && vif < MAXVIFS && vif_ifindex[vif])
        nocache_fn(s, g, (unsigned)vif_ifindex[vif], nocache_ctx);
}

/* The kernel has traffic from S to G and no entry for it. */
static void on_nocache(struct in_addr s, struct in_addr g, int vif)
{
    stats.nocache++;
    struct kmfc *k = kmfc_get(s, g, true);
    if (!k) {
        tell_nocache(s, g, vif);
        return;
    }
    if (!kmfc_sync(k)) {
        kmfc_free(k);
        tell_nocache(s, g, vif);
        return;
    }
    if (!k->installed && vif >= 0 && vif < MAXVIFS && vif_ifindex[vif]) {
        /* No RPF toward S: a negative entry (no oifs) on the interface it
         * came in on stops the kernel from asking at every packet. */
        struct mfcctl mc = {0};
        mc.mfcc_origin = s;
        mc.mfcc_mcastgrp = g;
        mc.mfcc_parent = (vifi_t)vif;
        if (setsockopt(fd, IPPROTO_IP, MRT_ADD_MFC, &mc, sizeof(mc)) == 0) {
            k->installed = true;
            k->iif_vif = vif;
            k->iif = (unsigned)vif_ifindex[vif];
            k->oif_mask = 0;
            show_kmfc(k);
        }
    }
    tell_nocache(s, g, vif);
}

/* Derived entries go when their packet count has not moved for
 * MROUTE_IDLE_MS. */
static void idle_check(void)
{
    for (struct kmfc *k = kmfcs, *next; k; k = next) {
        next = k->next;
        if (!k->derived)
            continue;
        struct sioc_sg_req req = {.src = k->s, .grp = k->g};
        if (k->installed && ioctl(fd, SIOCGETSGCNT, &req) == 0 && req.pktcnt != k->pktcnt) {
            k->pktcnt = req.pktcnt;
            k->active_at = now_ms;
        } else if (now_ms - k->active_at >= MROUTE_IDLE_MS) {
            kmfc_free(k);
        }
    }
}

/* ---- the socket ----------------------------------------------------------- */

static void on_readable(int sfd, short revents, void *ctx)
{
    for (int n = 0; n < 64; n++) {
        uint8_t buf[4096];
        union {
            char c[CMSG_SPACE(sizeof(struct in_pktinfo))];
            struct cmsghdr align;
        } cbuf;
        struct iovec iov = {buf, sizeof(buf)};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.c,
                             .msg_controllen = sizeof(cbuf.c)};
        ssize_t len = recvmsg(sfd, &msg, MSG_DONTWAIT);
        if (len < 0)
            return;
        if (len < 20)
            continue;
        if (buf[9] == 0 && (size_t)len >= sizeof(struct igmpmsg)) {
            /* An upcall: struct igmpmsg overlays an IP header whose
             * protocol byte (im_mbz) is zero. */
            struct igmpmsg im;
            memcpy(&im, buf, sizeof(im));
            int vif = im.im_vif | (im.im_vif_hi << 8);
            if (im.im_msgtype == IGMPMSG_NOCACHE)
                on_nocache(im.im_src, im.im_dst, vif);
            else if (im.im_msgtype == IGMPMSG_WRONGVIF) {
                stats.wrongvif++;
                if (wrong_fn && vif >= 0 && vif < MAXVIFS && vif_ifindex[vif])
                    wrong_fn(im.im_src, im.im_dst, (unsigned)vif_ifindex[vif], wrong_ctx);
            }
            else if (im.im_msgtype == IGMPMSG_WHOLEPKT)
                stats.wholepkt++;
            continue;
        }
        unsigned ifindex = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                struct in_pktinfo pi;
                memcpy(&pi, CMSG_DATA(c), sizeof(pi));
                ifindex = (unsigned)pi.ipi_ifindex;
            }
        if (igmp_fn && ifindex)
            igmp_fn(ifindex, buf, (size_t)len, igmp_ctx);
    }
}

int mroute_send_igmp(unsigned ifindex, struct in_addr dst, const uint8_t *m, size_t len)
{
    if (!ensure())
        return -1;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr = dst};
    union {
        char c[CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct cmsghdr align;
    } cbuf;
    memset(&cbuf, 0, sizeof(cbuf));
    struct iovec iov = {(void *)m, len};
    struct msghdr msg = {.msg_name = &sin, .msg_namelen = sizeof(sin), .msg_iov = &iov,
                         .msg_iovlen = 1, .msg_control = cbuf.c, .msg_controllen = sizeof(cbuf.c)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
    struct in_pktinfo pi = {.ipi_ifindex = (int)ifindex};
    memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    return sendmsg(fd, &msg, 0) == (ssize_t)len ? 0 : -1;
}

int mroute_join(unsigned ifindex, struct in_addr group, bool join)
{
    if (!ensure())
        return -1;
    struct ip_mreqn mr = {.imr_multiaddr = group, .imr_ifindex = (int)ifindex};
    int rc = setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mr,
                        sizeof(mr));
    return rc == 0 || (join && errno == EADDRINUSE) ? 0 : -1;
}

static void vif_sync_one(const struct mcif_conf *c, void *ctx)
{
    unsigned i = if_nametoindex(c->name);
    if (i && vif_of(i) < 0 && vif_add(i) >= 0)
        *(bool *)ctx = true;
}

/* Every mcast-interface that exists is a vif; vifs whose link went are
 * forgotten (the kernel drops them itself). */
static void vif_sync(void)
{
    char name[IF_NAMESIZE];
    bool changed = false;
    for (int v = 0; v < MAXVIFS; v++) {
        if (!vif_ifindex[v])
            continue;
        if (!if_indextoname((unsigned)vif_ifindex[v], name)) {
            vif_del(v);
            changed = true;
        }
    }
    mcif_foreach(vif_sync_one, &changed);
    if (changed)
        mroute_routes_changed(NULL);
}

static void on_mcif(const struct mcif_conf *c, enum ext_change what, void *ctx)
{
    if (what != EXT_FLUSH)
        ensure();
    vif_dirty = true;
    if (what == EXT_FLUSH && fd >= 0) {
        int v = vif_of(if_nametoindex(c->name));
        if (v >= 0) {
            vif_del(v);
            mroute_routes_changed(NULL);
        }
    }
}

static void on_kernel_link(const struct kernel_link *l, bool deleted, void *ctx) { vif_dirty = true; }
static const struct kernel_notify_ops kernel_ops = {.link = on_kernel_link};

uint64_t mroute_tick(void)
{
    if (fd < 0)
        return EVENT_NEVER;
    if (vif_dirty || now_ms >= next_vif_sync) {
        vif_dirty = false;
        next_vif_sync = now_ms + VIF_SYNC_MS;
        vif_sync();
    }
    if (now_ms >= next_idle_check) {
        next_idle_check = now_ms + IDLE_CHECK_MS;
        idle_check();
    }
    return next_vif_sync < next_idle_check ? next_vif_sync : next_idle_check;
}

static void count_mcif(const struct mcif_conf *c, void *ctx) { ++*(unsigned *)ctx; }

int mroute_start(void)
{
    allowed = true;
    unsigned n = 0;
    mcif_foreach(count_mcif, &n);
    return n ? open_socket() : 0;
}

static int open_socket(void)
{
    fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_IGMP);
    if (fd < 0) {
        log_msg("mroute: raw IGMP socket: %s", strerror(errno));
        return -1;
    }
    int one = 1, zero = 0;
    if (setsockopt(fd, IPPROTO_IP, MRT_INIT, &one, sizeof(one)) < 0) {
        log_msg("mroute: MRT_INIT: %s (is another multicast router running here?)",
                strerror(errno));
        close(fd);
        fd = -1;
        return -1;
    }
    /* Router Alert (RFC 2113) on everything we send: IGMP queries. */
    static const uint8_t ra[4] = {0x94, 0x04, 0x00, 0x00};
    setsockopt(fd, IPPROTO_IP, IP_OPTIONS, ra, sizeof(ra));
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &one, sizeof(one));
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero));
    set_assert();
    event_add_fd(fd, POLLIN, on_readable, NULL);
    memset(vif_ifindex, 0, sizeof(vif_ifindex));
    vif_dirty = true;
    next_idle_check = now_ms + IDLE_CHECK_MS;
    return 0;
}

void mroute_stop(void)
{
    allowed = false;
    if (fd < 0)
        return;
    while (kmfcs)
        kmfc_free(kmfcs);
    for (int v = 0; v < MAXVIFS; v++)
        if (vif_ifindex[v])
            vif_del(v);
    setsockopt(fd, IPPROTO_IP, MRT_DONE, NULL, 0);
    event_del_fd(fd);
    close(fd);
    fd = -1;
}

void mroute_dump(void (*emit)(const char *line, void *out), void *out)
{
    if (fd < 0)
        return;
    char buf[1024];
    unsigned nvifs = 0;
    for (int v = 0; v < MAXVIFS; v++)
        nvifs += vif_ifindex[v] != 0;
    snprintf(buf, sizeof(buf),
             "add mroute-stats vifs %u entries %u nocache %lu wrongvif %lu wholepkt %lu "
             "installs %lu removals %lu failures %lu\n",
             nvifs, nkmfc, stats.nocache, stats.wrongvif, stats.wholepkt, stats.installs,
             stats.removals, stats.failures);
    emit(buf, out);
    for (struct kmfc *k = kmfcs; k; k = k->next) {
        if (!k->derived || !k->installed)
            continue;
        format_kmfc(buf, sizeof(buf), "add", k);
        emit(buf, out);
    }
}

void mroute_register(void)
{
    mcif_on_change(on_mcif, NULL);
    kernel_watch_subscribe(&kernel_ops);
}
