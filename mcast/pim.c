/* PIM-SM: the socket, interfaces, Hellos, neighbours, DR election, the
 * static RP, directives and records (see pim.h).  Join/Prune and Assert
 * state is pim_jp.c's. */
#include "mcast/pim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "babel/config.h"
#include "babel/event.h"
#include "babel/extension.h"
#include "babel/local.h"
#include "babel/util.h"
#include "mcast/mcif.h"
#include "mcast/mrib.h"
#include "mcast/pim_codec.h"
#include "mcast/pim_int.h"

#define ALL_PIM_ROUTERS 0xe000000du /* 224.0.0.13, host order */
#define MAX_RPS 64
#define MAX_NBRS_PER_IF 256
#define RX_BUF 65536
#define IF_POLL_MS 1000

struct pim_stats pim_stats;
unsigned pim_hello_interval_s = PIM_DEFAULT_HELLO_INTERVAL;
unsigned pim_jp_interval_s = PIM_DEFAULT_JP_INTERVAL;

static struct pim_if *ifs;
static int fd = -1;
static bool started;
static uint64_t next_if_poll;
static uint64_t nbr_due; /* the earliest neighbour expiry */

static struct {
    struct in_addr rp;
    struct in_addr prefix; /* network order, host bits clear */
    unsigned plen;
} rps[MAX_RPS];
static unsigned nrps;

/* ---- small helpers ------------------------------------------------------ */

const char *pim_ip(struct in_addr a, char buf[INET_ADDRSTRLEN])
{
    return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

bool pim_running(void) { return started; }

void pim_notify(const char *line)
{
    if (local_have_monitors())
        local_notify_line(line);
}

bool pim_is_ssm(struct in_addr g) { return (ntohl(g.s_addr) >> 24) == 232; }

static uint32_t mask_of(unsigned plen) { return plen ? htonl(~0u << (32 - plen)) : 0; }

int pim_rp_of(struct in_addr g, struct in_addr *rp)
{
    if (pim_is_ssm(g))
        return -1;
    int best = -1;
    for (unsigned i = 0; i < nrps; i++)
        if ((g.s_addr & mask_of(rps[i].plen)) == rps[i].prefix.s_addr &&
            (best < 0 || rps[i].plen > rps[best].plen))
            best = (int)i;
    if (best < 0)
        return -1;
    *rp = rps[best].rp;
    return 0;
}

static int rp_lookup(struct in_addr g, struct in_addr *rp, void *ctx) { return pim_rp_of(g, rp); }

/* The kernel saw (S,G) arrive on one of its outgoing interfaces: another
 * router forwards onto that link too, and an Assert decides (4.6.1). */
static void on_wrong_iif(struct in_addr s, struct in_addr g, unsigned ifindex, void *ctx)
{
    if (started)
        pim_assert_data_on_oif(s, g, ifindex);
}

/* 4.1.6: receivers heard by IGMP on a link with other PIM routers are
 * served by the DR alone (a join from a router there is its own business). */
static bool forward_filter(unsigned ifindex, unsigned origins, void *ctx)
{
    if (origins & MRIB_FROM_PIM)
        return true;
    struct pim_if *p = pim_if_by_index(ifindex);
    return !p || !p->addr.s_addr || p->dr.s_addr == p->addr.s_addr;
}

struct pim_if *pim_if_first(void) { return ifs; }

struct pim_if *pim_if_by_index(unsigned ifindex)
{
    for (struct pim_if *p = ifs; p; p = p->next)
        if (p->ifindex == ifindex && ifindex)
            return p;
    return NULL;
}

static struct pim_if *if_by_name(const char *name)
{
    for (struct pim_if *p = ifs; p; p = p->next)
        if (strcmp(p->name, name) == 0)
            return p;
    return NULL;
}

struct pim_nbr *pim_nbr_find(struct pim_if *pif, struct in_addr a)
{
    for (struct pim_nbr *n = pif->nbrs; n; n = n->next)
        if (n->addr.s_addr == a.s_addr)
            return n;
    return NULL;
}

/* 4.3.3: the LAN prune delay values are used only when every neighbour
 * sent them. */
static bool all_lan_delay(const struct pim_if *pif)
{
    for (const struct pim_nbr *n = pif->nbrs; n; n = n->next)
        if (!n->has_lan_prune_delay)
            return false;
    return true;
}

bool pim_if_suppression_enabled(const struct pim_if *pif)
{
    if (!all_lan_delay(pif))
        return true;
    for (const struct pim_nbr *n = pif->nbrs; n; n = n->next)
        if (n->t_bit)
            return false;
    return true;
}

unsigned pim_if_override_ms(const struct pim_if *pif)
{
    if (!all_lan_delay(pif) || !pif->nbrs)
        return PIM_DEFAULT_OVERRIDE_INTERVAL;
    unsigned o = PIM_DEFAULT_OVERRIDE_INTERVAL; /* ours */
    for (const struct pim_nbr *n = pif->nbrs; n; n = n->next)
        if (n->override_interval > o)
            o = n->override_interval;
    return o;
}

unsigned pim_if_jp_override_ms(const struct pim_if *pif)
{
    unsigned p = PIM_DEFAULT_PROPAGATION_DELAY;
    if (all_lan_delay(pif))
        for (const struct pim_nbr *n = pif->nbrs; n; n = n->next)
            if (n->propagation_delay > p)
                p = n->propagation_delay;
    return p + pim_if_override_ms(pif);
}

/* ---- records ------------------------------------------------------------ */

static void format_if(char *buf, size_t len, const char *kind, const struct pim_if *p)
{
    char a[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
    snprintf(buf, len,
             "%s pim-interface %s address %s dr %s dr-priority %u genid %08x neighbours %u "
             "hello-interval %u\n",
             kind, p->name, pim_ip(p->addr, a), pim_ip(p->dr, d), p->dr_priority, p->genid,
             p->nnbrs, pim_hello_interval_s);
}

static void format_nbr(char *buf, size_t len, const char *kind, const struct pim_if *p,
                       const struct pim_nbr *n)
{
    char a[INET_ADDRSTRLEN], exp[24];
    if (n->expires == EVENT_NEVER)
        snprintf(exp, sizeof(exp), "never");
    else
        snprintf(exp, sizeof(exp), "%llu",
                 (unsigned long long)(n->expires > now_ms ? (n->expires - now_ms + 999) / 1000 : 0));
    char pri[16] = "none";
    if (n->has_dr_priority)
        snprintf(pri, sizeof(pri), "%u", n->dr_priority);
    snprintf(buf, len,
             "%s pim-neighbour %s if %s dr-priority %s holdtime %u genid %08x expires %s dr %s "
             "uptime %llu\n",
             kind, pim_ip(n->addr, a), p->name, pri, n->holdtime, n->genid, exp,
             n->addr.s_addr == p->dr.s_addr ? "true" : "false",
             (unsigned long long)((now_ms - n->since) / 1000));
}

static void notify_if(const struct pim_if *p, const char *kind)
{
    if (!local_have_monitors())
        return;
    char buf[512];
    format_if(buf, sizeof(buf), kind, p);
    local_notify_line(buf);
}

static void notify_nbr(const struct pim_if *p, const struct pim_nbr *n, const char *kind)
{
    if (!local_have_monitors())
        return;
    char buf[512];
    format_nbr(buf, sizeof(buf), kind, p, n);
    local_notify_line(buf);
}

static void format_stats(char *buf, size_t len)
{
    const struct pim_stats *s = &pim_stats;
    snprintf(buf, len,
             "add pim-stats received %llu sent %llu send-errors %llu hello %llu join-prune %llu "
             "assert %llu other %llu truncated %llu bad-checksum %llu bad-version %llu "
             "malformed %llu too-many %llu no-pim-interface %llu not-neighbour %llu own %llu "
             "jp-not-ours %llu rp-mismatch %llu ssm-star %llu rpt-ignored %llu bad-entry %llu "
             "joins-in %llu prunes-in %llu joins-out %llu prunes-out %llu jp-messages-out %llu "
             "joins-suppressed %llu prune-overrides %llu asserts-out %llu "
             "assert-won %llu assert-lost %llu downstream-refused %llu\n",
             (unsigned long long)s->received, (unsigned long long)s->sent,
             (unsigned long long)s->send_errors, (unsigned long long)s->hello_in,
             (unsigned long long)s->jp_in, (unsigned long long)s->assert_in,
             (unsigned long long)s->other_in, (unsigned long long)s->truncated,
             (unsigned long long)s->bad_checksum, (unsigned long long)s->bad_version,
             (unsigned long long)s->malformed, (unsigned long long)s->too_many,
             (unsigned long long)s->no_pim_if, (unsigned long long)s->not_neighbour,
             (unsigned long long)s->own, (unsigned long long)s->jp_not_ours,
             (unsigned long long)s->rp_mismatch, (unsigned long long)s->ssm_star,
             (unsigned long long)s->rpt_ignored, (unsigned long long)s->bad_entry,
             (unsigned long long)s->joins_in, (unsigned long long)s->prunes_in,
             (unsigned long long)s->joins_out, (unsigned long long)s->prunes_out,
             (unsigned long long)s->jp_msgs_out, (unsigned long long)s->suppressed,
             (unsigned long long)s->overrides, (unsigned long long)s->asserts_out, (unsigned long long)s->assert_won,
             (unsigned long long)s->assert_lost, (unsigned long long)s->down_refused);
}

static void on_dump(void (*emit)(const char *, void *), void *out, void *ctx)
{
    /* A router without PIM interfaces or RPs prints nothing of PIM. */
    if (!ifs && !nrps)
        return;
    char buf[1024];
    for (unsigned i = 0; i < nrps; i++) {
        char r[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
        snprintf(buf, sizeof(buf), "add pim-rp %s group %s/%u\n", pim_ip(rps[i].rp, r),
                 pim_ip(rps[i].prefix, g), rps[i].plen);
        emit(buf, out);
    }
    for (struct pim_if *p = ifs; p; p = p->next) {
        format_if(buf, sizeof(buf), "add", p);
        emit(buf, out);
        for (struct pim_nbr *n = p->nbrs; n; n = n->next) {
            format_nbr(buf, sizeof(buf), "add", p, n);
            emit(buf, out);
        }
    }
    pim_jp_dump(emit, out);
    format_stats(buf, sizeof(buf));
    emit(buf, out);
}

/* ---- sending ------------------------------------------------------------ */

int pim_send(struct pim_if *pif, const uint8_t *msg, size_t len)
{
    if (fd < 0 || !pif->ifindex || !pif->addr.s_addr)
        return -1;
    struct sockaddr_in to = {.sin_family = AF_INET};
    to.sin_addr.s_addr = htonl(ALL_PIM_ROUTERS);
    union {
        char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct cmsghdr align;
    } cm;
    memset(&cm, 0, sizeof(cm));
    struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
    struct msghdr mh = {.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
                        .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
    struct in_pktinfo pi = {.ipi_ifindex = (int)pif->ifindex, .ipi_spec_dst = pif->addr};
    memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    if (sendmsg(fd, &mh, 0) < 0) {
        pim_stats.send_errors++;
        log_debug(1, "pim: send on %s: %s", pif->name, strerror(errno));
        return -1;
    }
    pim_stats.sent++;
    return 0;
}

static uint16_t hello_holdtime(void)
{
    unsigned h = pim_hello_interval_s * 7 / 2;
    return (uint16_t)(h > 0xfffe ? 0xfffe : h);
}

static void send_hello(struct pim_if *pif, uint16_t holdtime)
{
    struct pim_hello h = {.holdtime = holdtime,
                          .dr_priority = pif->dr_priority,
                          .genid = pif->genid,
                          .has_lan_prune_delay = true,
                          .t_bit = false,
                          .propagation_delay = PIM_DEFAULT_PROPAGATION_DELAY,
                          .override_interval = PIM_DEFAULT_OVERRIDE_INTERVAL};
    uint8_t buf[64];
    size_t len = pim_encode_hello(buf, sizeof(buf), &h);
    if (len)
        pim_send(pif, buf, len);
    pif->next_hello = now_ms + jitter_ms((uint64_t)pim_hello_interval_s * 1000);
}

/* ---- DR election (4.3.2) ------------------------------------------------- */

static bool dr_better(bool use_pri, uint32_t pa, struct in_addr a, uint32_t pb, struct in_addr b)
{
    if (use_pri && pa != pb)
        return pa > pb;
    return ntohl(a.s_addr) > ntohl(b.s_addr);
}

static void elect_dr(struct pim_if *pif)
{
    bool use_pri = true;
    for (struct pim_nbr *n = pif->nbrs; n; n = n->next)
        if (!n->has_dr_priority)
            use_pri = false;
    struct in_addr dr = pif->addr;
    uint32_t pri = pif->dr_priority;
    for (struct pim_nbr *n = pif->nbrs; n; n = n->next)
        if (dr_better(use_pri, n->dr_priority, n->addr, pri, dr)) {
            dr = n->addr;
            pri = n->dr_priority;
        }
    if (dr.s_addr != pif->dr.s_addr) {
        char a[INET_ADDRSTRLEN];
        log_debug(1, "pim: DR on %s is now %s", pif->name, pim_ip(dr, a));
        struct in_addr old = pif->dr;
        pif->dr = dr;
        notify_if(pif, "change");
        /* the neighbour records' `dr` field moved with it */
        for (struct pim_nbr *n = pif->nbrs; n; n = n->next)
            if (n->addr.s_addr == old.s_addr || n->addr.s_addr == dr.s_addr)
                notify_nbr(pif, n, "change");
        /* Who joins and forwards for IGMP receivers changed. */
        pim_jp_resync();
        mrib_forwarding_changed();
    }
}

/* ---- neighbours ----------------------------------------------------------- */

static void nbr_free(struct pim_if *pif, struct pim_nbr *n, bool tell)
{
    for (struct pim_nbr **pp = &pif->nbrs; *pp; pp = &(*pp)->next)
        if (*pp == n) {
            *pp = n->next;
            break;
        }
    pif->nnbrs--;
    struct in_addr a = n->addr;
    if (tell)
        notify_nbr(pif, n, "flush");
    free(n);
    if (tell) {
        pim_jp_nbr_down(pif, a);
        elect_dr(pif);
    }
}

static void receive_hello(struct pim_if *pif, struct in_addr from, const struct pim_hello *h)
{
    struct pim_nbr *n = pim_nbr_find(pif, from);
    /* Without the option, the default Hello_Holdtime (4.11): 105 s. */
    uint16_t hold = h->has_holdtime ? h->holdtime : 105;
    if (hold == 0) { /* goodbye */
        if (n)
            nbr_free(pif, n, true);
        return;
    }
    bool fresh = false, restarted = false;
    if (!n) {
        if (pif->nnbrs >= MAX_NBRS_PER_IF)
            return;
        n = calloc(1, sizeof(*n));
        if (!n)
            return;
        n->addr = from;
        n->since = now_ms;
        n->next = pif->nbrs;
        pif->nbrs = n;
        pif->nnbrs++;
        fresh = true;
    } else if (h->has_genid && n->genid != h->genid) {
        restarted = true;
        n->since = now_ms;
    }
    bool changed = fresh || restarted || n->holdtime != hold ||
                   n->has_dr_priority != h->has_dr_priority || n->dr_priority != h->dr_priority;
    n->holdtime = hold;
    n->has_dr_priority = h->has_dr_priority;
    n->dr_priority = h->has_dr_priority ? h->dr_priority : 1;
    n->genid = h->genid;
    n->has_lan_prune_delay = h->has_lan_prune_delay;
    n->t_bit = h->t_bit;
    n->propagation_delay = h->propagation_delay;
    n->override_interval = h->override_interval;
    n->expires = hold == 0xffff ? EVENT_NEVER : now_ms + (uint64_t)hold * 1000;
    if (n->expires < nbr_due)
        nbr_due = n->expires;
    if (changed)
        notify_nbr(pif, n, fresh ? "add" : "change");
    if (fresh || restarted) {
        /* 4.3.1: a new or restarted neighbour hears our Hello soon, so that
         * it accepts our joins, and then our join state. */
        uint64_t soon = now_ms + random_u32() % 500;
        if (pif->next_hello > soon)
            pif->next_hello = soon;
        notify_if(pif, "change");
        pim_jp_nbr_up(pif, n);
    }
    elect_dr(pif);
}

static uint64_t expire_nbrs(void)
{
    uint64_t next = EVENT_NEVER;
    for (struct pim_if *p = ifs; p; p = p->next) {
        struct pim_nbr *n = p->nbrs;
        while (n) {
            struct pim_nbr *nx = n->next;
            if (n->expires <= now_ms) {
                char a[INET_ADDRSTRLEN];
                log_debug(1, "pim: neighbour %s on %s expired", pim_ip(n->addr, a), p->name);
                nbr_free(p, n, true);
            } else if (n->expires < next) {
                next = n->expires;
            }
            n = nx;
        }
    }
    return next;
}

/* ---- receiving ------------------------------------------------------------ */

static bool is_own_addr(struct in_addr a)
{
    for (struct pim_if *p = ifs; p; p = p->next)
        if (p->addr.s_addr == a.s_addr && a.s_addr)
            return true;
    return false;
}

static void handle_message(unsigned ifindex, struct in_addr from, const uint8_t *m, size_t len)
{
    static struct pim_jp jp;
    pim_stats.received++;
    uint8_t type;
    enum pim_decode_status st = pim_decode_header(m, len, &type);
    struct pim_if *pif = pim_if_by_index(ifindex);
    if (st == PIM_DECODE_OK) {
        if (is_own_addr(from)) {
            pim_stats.own++;
            return;
        }
        if (!pif || !pif->addr.s_addr) {
            pim_stats.no_pim_if++;
            return;
        }
        switch (type) {
        case PIM_HELLO: {
            struct pim_hello h;
            st = pim_decode_hello(m, len, &h);
            if (st == PIM_DECODE_OK) {
                pim_stats.hello_in++;
                receive_hello(pif, from, &h);
            }
            break;
        }
        case PIM_JOIN_PRUNE:
            st = pim_decode_jp(m, len, &jp);
            if (st == PIM_DECODE_OK) {
                pim_stats.jp_in++;
                /* 4.5: J/P from a router that is not a neighbour is
                 * ignored. */
                if (!pim_nbr_find(pif, from)) {
                    pim_stats.not_neighbour++;
                    return;
                }
                pim_jp_receive(pif, from, &jp);
            }
            break;
        case PIM_ASSERT: {
            struct pim_assert a;
            st = pim_decode_assert(m, len, &a);
            if (st == PIM_DECODE_OK) {
                pim_stats.assert_in++;
                if (!pim_nbr_find(pif, from)) {
                    pim_stats.not_neighbour++;
                    return;
                }
                pim_assert_receive(pif, from, &a);
            }
            break;
        }
        default:
            pim_stats.other_in++;
            return;
        }
    }
    switch (st) {
    case PIM_DECODE_OK:
        break;
    case PIM_DECODE_TRUNCATED:
        pim_stats.truncated++;
        break;
    case PIM_DECODE_CHECKSUM:
        pim_stats.bad_checksum++;
        break;
    case PIM_DECODE_VERSION:
        pim_stats.bad_version++;
        break;
    case PIM_DECODE_MALFORMED:
        pim_stats.malformed++;
        break;
    case PIM_DECODE_TOO_MANY:
        pim_stats.too_many++;
        break;
    }
}

static void on_readable(int sfd, short revents, void *ctx)
{
    static uint8_t buf[RX_BUF];
    for (int i = 0; i < 64; i++) {
        union {
            char b[CMSG_SPACE(sizeof(struct in_pktinfo))];
            struct cmsghdr align;
        } cm;
        struct sockaddr_in src;
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
        struct msghdr mh = {.msg_name = &src, .msg_namelen = sizeof(src), .msg_iov = &iov,
                            .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof(cm.b)};
        ssize_t n = recvmsg(sfd, &mh, MSG_DONTWAIT);
        if (n < 0)
            return;
        unsigned ifindex = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
            if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                struct in_pktinfo pi;
                memcpy(&pi, CMSG_DATA(c), sizeof(pi));
                ifindex = (unsigned)pi.ipi_ifindex;
            }
        /* A raw IPv4 socket gives the IP header too. */
        if (n < 20 || (buf[0] >> 4) != 4 || (size_t)(buf[0] & 0x0f) * 4 > (size_t)n) {
            pim_stats.received++;
            pim_stats.truncated++;
            continue;
        }
        size_t hl = (size_t)(buf[0] & 0x0f) * 4;
        size_t tot = (size_t)(buf[2] << 8 | buf[3]);
        size_t plen = (size_t)n - hl;
        if (tot >= hl && tot < (size_t)n)
            plen = tot - hl; /* link-layer padding is not PIM */
        struct in_addr from;
        memcpy(&from.s_addr, buf + 12, 4);
        handle_message(ifindex, from, buf + hl, plen);
    }
}

/* The raw PIM socket, opened when the first PIM interface comes up (a
 * router without PIM has none).  0 or -1. */
static int sock_open(void)
{
    if (fd >= 0)
        return 0;
    fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_PIM);
    if (fd < 0) {
        log_msg("pim: raw socket: %s", strerror(errno));
        return -1;
    }
    int one = 1, zero = 0, ttl = 1;
    if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) < 0 ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero)) < 0 ||
        event_add_fd(fd, POLLIN, on_readable, NULL) < 0) {
        log_msg("pim: socket options: %s", strerror(errno));
        close(fd);
        fd = -1;
        return -1;
    }
    /* Only the groups joined on this socket: 224.0.0.13. */
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &zero, sizeof(zero));
    return 0;
}

/* ---- interfaces ----------------------------------------------------------- */

static void membership(struct pim_if *pif, bool join)
{
    if (fd < 0 || !pif->ifindex)
        return;
    struct ip_mreqn mr = {.imr_ifindex = (int)pif->ifindex};
    mr.imr_multiaddr.s_addr = htonl(ALL_PIM_ROUTERS);
    if (setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mr,
                   sizeof(mr)) < 0 &&
        join)
        log_msg("pim: joining 224.0.0.13 on %s: %s", pif->name, strerror(errno));
    pif->joined = join;
}

static void if_down(struct pim_if *pif)
{
    if (pif->joined)
        membership(pif, false);
    pim_jp_if_down(pif);
    while (pif->nbrs)
        nbr_free(pif, pif->nbrs, false);
    pif->ifindex = 0;
    pif->addr.s_addr = 0;
    pif->dr.s_addr = 0;
}

/* Follows each PIM interface's index and primary IPv4 address. */
static void poll_interfaces(void)
{
    struct ifaddrs *all = NULL;
    if (getifaddrs(&all) < 0)
        return;
    for (struct pim_if *p = ifs; p; p = p->next) {
        unsigned idx = if_nametoindex(p->name);
        struct in_addr a = {0};
        for (struct ifaddrs *i = all; i && idx; i = i->ifa_next)
            if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
                strcmp(i->ifa_name, p->name) == 0 && (i->ifa_flags & IFF_UP)) {
                a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
                break;
            }
        if (idx == p->ifindex && a.s_addr == p->addr.s_addr)
            continue;
        if (p->ifindex && p->addr.s_addr) {
            send_hello(p, 0);
            if_down(p);
            notify_if(p, "flush");
        }
        if (!idx || !a.s_addr || sock_open() < 0)
            continue;
        p->ifindex = idx;
        p->addr = a;
        p->dr = a;
        p->genid = random_u32();
        membership(p, true);
        /* 4.3.1: the first Hello goes at once (our triggered-hello delay
         * is 0 on a new interface). */
        send_hello(p, hello_holdtime());
        notify_if(p, "add");
        mrib_forwarding_changed();
    }
    freeifaddrs(all);
}

static void if_remove(struct pim_if *pif)
{
    if (pif->ifindex && pif->addr.s_addr) {
        send_hello(pif, 0);
        notify_if(pif, "flush");
    }
    if_down(pif);
    for (struct pim_if **pp = &ifs; *pp; pp = &(*pp)->next)
        if (*pp == pif) {
            *pp = pif->next;
            break;
        }
    free(pif);
}

static void on_mcif(const struct mcif_conf *c, enum ext_change what, void *ctx)
{
    struct pim_if *p = if_by_name(c->name);
    if (what == EXT_FLUSH || !c->pim) {
        if (p)
            if_remove(p);
        return;
    }
    if (!p) {
        p = calloc(1, sizeof(*p));
        if (!p)
            return;
        strlcpy_safe(p->name, c->name, sizeof(p->name));
        p->next = ifs;
        ifs = p;
    }
    if (p->dr_priority != c->dr_priority) {
        p->dr_priority = c->dr_priority;
        if (p->ifindex && p->addr.s_addr) {
            send_hello(p, hello_holdtime());
            elect_dr(p);
            notify_if(p, "change");
        }
    }
    next_if_poll = 0; /* look at the link now */
}

/* ---- lifecycle ------------------------------------------------------------ */

static void on_start(void *ctx)
{
    started = true;
    next_if_poll = 0;
    pim_jp_start();
}

static void on_stop(void *ctx)
{
    if (!started)
        return;
    pim_jp_stop(); /* prunes upstream */
    for (struct pim_if *p = ifs; p; p = p->next)
        if (p->ifindex && p->addr.s_addr)
            send_hello(p, 0);
    while (ifs) {
        struct pim_if *p = ifs;
        ifs = p->next;
        while (p->nbrs)
            nbr_free(p, p->nbrs, false);
        free(p);
    }
    if (fd >= 0) {
        event_del_fd(fd);
        close(fd);
        fd = -1;
    }
    started = false;
}

static uint64_t on_tick(void *ctx)
{
    if (!started)
        return EVENT_NEVER;
    if (next_if_poll <= now_ms) {
        poll_interfaces();
        next_if_poll = now_ms + IF_POLL_MS;
    }
    uint64_t next = next_if_poll;
    for (struct pim_if *p = ifs; p; p = p->next) {
        if (!p->ifindex || !p->addr.s_addr)
            continue;
        if (p->next_hello <= now_ms)
            send_hello(p, hello_holdtime());
        if (p->next_hello < next)
            next = p->next_hello;
    }
    if (nbr_due <= now_ms)
        nbr_due = expire_nbrs();
    if (nbr_due < next)
        next = nbr_due;
    uint64_t t = pim_jp_tick();
    return t < next ? t : next;
}

/* ---- directives ------------------------------------------------------------ */

/* words: pim-rp ADDRESS [group PREFIX] (after "flush" too) */
static int parse_rp(char **words, int nwords, struct in_addr *rp_out, struct in_addr *pfx_out,
                    unsigned *plen_out, char *err, size_t errlen)
{
    struct in_addr rp, pfx;
    unsigned plen = 4;
    pfx.s_addr = htonl(0xe0000000u);
    if ((nwords != 2 && nwords != 4) || inet_pton(AF_INET, words[1], &rp) != 1 ||
        (nwords == 4 && strcmp(words[2], "group") != 0)) {
        snprintf(err, errlen, "pim-rp: expected pim-rp ADDRESS [group PREFIX] (IPv4)");
        return -1;
    }
    uint32_t h = ntohl(rp.s_addr);
    if (h == 0 || (h >> 28) >= 0xe || (h >> 24) == 127) {
        snprintf(err, errlen, "pim-rp: %s is not a unicast address", words[1]);
        return -1;
    }
    if (nwords == 4) {
        char tmp[32];
        strlcpy_safe(tmp, words[3], sizeof(tmp));
        char *slash = strchr(tmp, '/');
        unsigned long l = 32;
        if (slash)
            *slash = 0;
        if (inet_pton(AF_INET, tmp, &pfx) != 1 ||
            (slash && parse_uint(slash + 1, 32, &l) < 0)) {
            snprintf(err, errlen, "pim-rp: bad group prefix %s", words[3]);
            return -1;
        }
        plen = (unsigned)l;
        if ((ntohl(pfx.s_addr) >> 28) != 0xe || plen < 4) {
            snprintf(err, errlen, "pim-rp: %s is not within 224.0.0.0/4", words[3]);
            return -1;
        }
        pfx.s_addr &= mask_of(plen);
        if (plen >= 8 && pim_is_ssm(pfx)) {
            snprintf(err, errlen, "pim-rp: %s lies in the SSM range 232.0.0.0/8, which has no RP",
                     words[3]);
            return -1;
        }
    }
    *rp_out = rp;
    *pfx_out = pfx;
    *plen_out = plen;
    return 0;
}

static int dir_rp(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    struct in_addr rp, pfx;
    unsigned plen;
    if (parse_rp(words, nwords, &rp, &pfx, &plen, err, errlen) < 0)
        return -1;
    unsigned i;
    for (i = 0; i < nrps; i++)
        if (rps[i].prefix.s_addr == pfx.s_addr && rps[i].plen == plen)
            break;
    if (i == nrps) {
        if (nrps == MAX_RPS) {
            snprintf(err, errlen, "pim-rp: too many (at most %d)", MAX_RPS);
            return -1;
        }
        nrps++;
    }
    rps[i].rp = rp;
    rps[i].prefix = pfx;
    rps[i].plen = plen;
    if (ext_running())
        pim_jp_resync();
    return 0;
}

static int flush_rp(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    struct in_addr rp, pfx;
    unsigned plen;
    if (parse_rp(words, nwords, &rp, &pfx, &plen, err, errlen) < 0)
        return -1;
    for (unsigned i = 0; i < nrps; i++)
        if (rps[i].prefix.s_addr == pfx.s_addr && rps[i].plen == plen &&
            rps[i].rp.s_addr == rp.s_addr) {
            rps[i] = rps[--nrps];
            if (ext_running())
                pim_jp_resync();
            return 0;
        }
    snprintf(err, errlen, "no such pim-rp");
    return -1;
}

static int dir_seconds(char **words, int nwords, char *err, size_t errlen, unsigned *out,
                       unsigned max)
{
    unsigned long v;
    if (nwords != 2 || parse_uint(words[1], max, &v) < 0 || v < 1) {
        snprintf(err, errlen, "%s: expected a number of seconds from 1 to %u", words[0], max);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static int dir_hello(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    if (dir_seconds(words, nwords, err, errlen, &pim_hello_interval_s, 18000) < 0)
        return -1;
    for (struct pim_if *p = ifs; p; p = p->next)
        if (p->next_hello > now_ms + (uint64_t)pim_hello_interval_s * 1000)
            p->next_hello = now_ms;
    return 0;
}

static int dir_jp(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    return dir_seconds(words, nwords, err, errlen, &pim_jp_interval_s, 18000);
}

void pim_register(void)
{
    config_register_directive("pim-rp", dir_rp, NULL);
    config_register_directive("pim-hello-interval", dir_hello, NULL);
    config_register_directive("pim-join-prune-interval", dir_jp, NULL);
    ext_register_dump(on_dump, NULL);
    ext_on_lifecycle(on_start, on_stop, NULL);
    event_add_tick(on_tick, NULL);
    mcif_on_change(on_mcif, NULL);
    ext_register_flush("pim-rp", flush_rp, NULL);
    mrib_set_rp_lookup(rp_lookup, NULL);
    mrib_set_forward_filter(forward_filter, NULL);
    mrib_on_wrong_iif(on_wrong_iif, NULL);
}
