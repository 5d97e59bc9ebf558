/* The kernel interface through rtnetlink, with libmnl doing the framing and
 * the attribute walking.
 *
 * Two sockets: `req` carries our own requests (dumps and route changes) and
 * is read synchronously until the answer is complete; `mon` is subscribed to
 * the link, address and route groups and is only ever read without blocking
 * from the event loop.  Keeping them apart means a dump never has to sort
 * unsolicited notifications out of its replies. */
#include "babel/kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* A dump reply may be as large as 32 KiB per recvmsg() once the kernel has
 * seen us offer a big buffer; twice that leaves room and never truncates. */
#define NL_RECV_SIZE 65536
/* 10,000 route notifications arriving at once each cost an skb of about a
 * kilobyte of truesize; 32 MiB keeps a burst ten times that in the queue. */
#define NL_MON_RCVBUF (32 * 1024 * 1024)

static struct mnl_socket *req_sock;
static struct mnl_socket *mon_sock;
static uint32_t req_portid;
static uint32_t req_seq;
/* Separate buffers: a notification callback may well change a route, which
 * reads replies while the notification batch is still being walked. */
static uint8_t req_buf[NL_RECV_SIZE];
static uint8_t mon_buf[NL_RECV_SIZE];
/* Set while a request is waiting for its answer.  A dump callback that
 * issued another request would interleave two conversations on one socket,
 * so that is refused rather than half-working. */
static bool req_busy;
/* The kernel's extended-ack text of the last failed request, for logs. */
static char last_ext_ack[128];

typedef int (*msg_cb_t)(const struct nlmsghdr *nlh, void *data);

/* ------------------------------------------------------------------------
 * Sockets */

static int set_rcvbuf(struct mnl_socket *s, int size)
{
    int fd = mnl_socket_get_fd(s);
    /* SO_RCVBUFFORCE ignores rmem_max but needs CAP_NET_ADMIN; without it
     * SO_RCVBUF still gets us up to the administrator's limit. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == 0)
        return 0;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == 0) {
        log_msg("kernel: could not force netlink receive buffer, using SO_RCVBUF "
                "(bounded by net.core.rmem_max); bursts may overflow");
        return 0;
    }
    log_msg("kernel: setting netlink receive buffer: %s", strerror(errno));
    return -1;
}

int kernel_open(void)
{
    if (req_sock)
        return 0;

    req_sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!req_sock) {
        log_msg("kernel: opening netlink socket: %s", strerror(errno));
        return -1;
    }
    if (mnl_socket_bind(req_sock, 0, MNL_SOCKET_AUTOPID) < 0) {
        log_msg("kernel: binding netlink socket: %s", strerror(errno));
        goto fail;
    }
    req_portid = mnl_socket_get_portid(req_sock);
    /* Errors explained by the kernel are worth their weight in logs; the
     * echo of our own request in every error is not.  Both are optional. */
    int one = 1;
    mnl_socket_setsockopt(req_sock, NETLINK_EXT_ACK, &one, sizeof(one));
    mnl_socket_setsockopt(req_sock, NETLINK_CAP_ACK, &one, sizeof(one));
    /* A fresh starting point so replies meant for an earlier instance that
     * reused our port id cannot be mistaken for ours. */
    req_seq = (uint32_t)time(NULL);

    mon_sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (!mon_sock) {
        log_msg("kernel: opening netlink notification socket: %s", strerror(errno));
        goto fail;
    }
    if (set_rcvbuf(mon_sock, NL_MON_RCVBUF) < 0)
        goto fail;
    unsigned groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
                      RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
    if (mnl_socket_bind(mon_sock, groups, MNL_SOCKET_AUTOPID) < 0) {
        log_msg("kernel: subscribing to netlink notifications: %s", strerror(errno));
        goto fail;
    }
    return 0;

fail:
    kernel_close();
    return -1;
}

void kernel_close(void)
{
    if (req_sock)
        mnl_socket_close(req_sock);
    if (mon_sock)
        mnl_socket_close(mon_sock);
    req_sock = mon_sock = NULL;
}

int kernel_notify_fd(void) { return mon_sock ? mnl_socket_get_fd(mon_sock) : -1; }

/* ------------------------------------------------------------------------
 * Request/answer on the request socket */

static int ext_ack_attr_cb(const struct nlattr *attr, void *data)
{
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
        mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
        strlcpy_safe(last_ext_ack, mnl_attr_get_str(attr), sizeof(last_ext_ack));
    return MNL_CB_OK;
}

/* Returns 0 for an ACK, else -1 with errno from the kernel. */
static int handle_error_msg(const struct nlmsghdr *nlh)
{
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr))) {
        errno = EBADMSG;
        return -1;
    }
    const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
    if (err->error == 0)
        return 0;
    if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
        /* The TLVs follow the echoed request, which is only its header when
         * the kernel honoured NETLINK_CAP_ACK. */
        size_t off = sizeof(*err);
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && err->msg.nlmsg_len >= sizeof(struct nlmsghdr))
            off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
        off = MNL_ALIGN(off);
        size_t plen = mnl_nlmsg_get_payload_len(nlh);
        if (off < plen)
            mnl_attr_parse_payload((const char *)err + off, plen - off, ext_ack_attr_cb, NULL);
    }
    errno = err->error < 0 ? -err->error : err->error;
    return -1;
}

static int transact_locked(struct nlmsghdr *nlh, msg_cb_t cb, void *data);

/* Sends `nlh` and reads until the request is answered: NLMSG_DONE for a
 * dump, the ACK or error for anything else.  Each data message goes to cb.
 * Returns 0, or -1 with errno set. */
static int transact(struct nlmsghdr *nlh, msg_cb_t cb, void *data)
{
    if (!req_sock) {
        errno = EBADF;
        return -1;
    }
    if (req_busy) {
        log_msg("kernel: netlink request issued from inside a dump callback; refused");
        errno = EBUSY;
        return -1;
    }
    req_busy = true;
    int rc = transact_locked(nlh, cb, data);
    int e = errno;
    req_busy = false;
    errno = e;
    return rc;
}

static int transact_locked(struct nlmsghdr *nlh, msg_cb_t cb, void *data)
{
    uint32_t seq = ++req_seq;
    nlh->nlmsg_seq = seq;
    last_ext_ack[0] = '\0';
    if (mnl_socket_sendto(req_sock, nlh, nlh->nlmsg_len) < 0)
        return -1;

    int result = 0, saved_errno = 0;
    bool intr_logged = false;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(req_sock, req_buf, sizeof(req_buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        int len = (int)n;
        for (const struct nlmsghdr *m = (const struct nlmsghdr *)req_buf; mnl_nlmsg_ok(m, len);
             m = mnl_nlmsg_next(m, &len)) {
            /* Leftovers of a request abandoned on a receive error carry an
             * older sequence number: not the answer we are waiting for. */
            if (m->nlmsg_seq != seq)
                continue;
            if ((m->nlmsg_flags & NLM_F_DUMP_INTR) && !intr_logged) {
                /* The notification socket sees the change that interrupted
                 * the dump, so the caller converges anyway. */
                log_debug(2, "kernel: dump interrupted by a concurrent change");
                intr_logged = true;
            }
            switch (m->nlmsg_type) {
            case NLMSG_NOOP:
                continue;
            case NLMSG_OVERRUN:
                errno = ENOBUFS;
                return -1;
            case NLMSG_ERROR:
                if (handle_error_msg(m) < 0)
                    return -1;
                goto done;
            case NLMSG_DONE:
                /* A dump that failed part-way says so in NLMSG_DONE. */
                if (mnl_nlmsg_get_payload_len(m) >= sizeof(int)) {
                    int e;
                    memcpy(&e, mnl_nlmsg_get_payload(m), sizeof(e));
                    if (e < 0) {
                        errno = -e;
                        return -1;
                    }
                }
                goto done;
            default:
                /* Keep reading to the end even when a callback fails, so the
                 * socket is left clean for the next request. */
                if (cb && result == 0 && cb(m, data) < 0) {
                    result = -1;
                    saved_errno = errno;
                }
            }
        }
    }
done:
    if (result < 0)
        errno = saved_errno;
    return result;
}

/* ------------------------------------------------------------------------
 * Parsing */

static void addr_from_bytes(uint8_t out[16], int family, const void *bytes)
{
    if (family == AF_INET)
        addr_from_v4(out, bytes);
    else
        memcpy(out, bytes, 16);
}

static size_t family_addr_len(int family) { return family == AF_INET ? 4 : 16; }

struct attr_table {
    const struct nlattr **tb;
    unsigned max;
};

/* Stores each known attribute by type; unknown types are skipped so newer
 * kernels do not break us. */
static int attr_store_cb(const struct nlattr *attr, void *data)
{
    struct attr_table *t = data;
    if (mnl_attr_type_valid(attr, (uint16_t)t->max) > 0)
        t->tb[mnl_attr_get_type(attr)] = attr;
    return MNL_CB_OK;
}

static bool attr_u32(const struct nlattr *a, uint32_t *out)
{
    if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
        return false;
    *out = mnl_attr_get_u32(a);
    return true;
}

/* Copies an address attribute of the given family; false when absent or of
 * the wrong size. */
static bool attr_addr(const struct nlattr *a, int family, uint8_t out[16])
{
    if (!a || mnl_attr_get_payload_len(a) != family_addr_len(family))
        return false;
    addr_from_bytes(out, family, mnl_attr_get_payload(a));
    return true;
}

static bool sysfs_exists(const char *name, const char *leaf)
{
    char path[96];
    struct stat st;
    if (snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, leaf) >= (int)sizeof(path))
        return false;
    return stat(path, &st) == 0;
}

/* Returns 0 when `nlh` described a link, 1 when it is to be ignored. */
static int parse_link(const struct nlmsghdr *nlh, struct kernel_link *l, bool deleted)
{
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ifinfomsg)))
        return 1;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    /* Bridge port notifications (AF_BRIDGE) reuse RTM_NEWLINK/RTM_DELLINK
     * about links that still exist; only the generic ones are about links. */
    if (ifi->ifi_family != AF_UNSPEC)
        return 1;
    const struct nlattr *tb[IFLA_MAX + 1] = {0};
    struct attr_table t = {tb, IFLA_MAX};
    if (mnl_attr_parse(nlh, sizeof(*ifi), attr_store_cb, &t) < 0)
        return 1;

    memset(l, 0, sizeof(*l));
    l->ifindex = (unsigned)ifi->ifi_index;
    l->flags = ifi->ifi_flags;
    if (tb[IFLA_IFNAME] && mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) == 0)
        strlcpy_safe(l->name, mnl_attr_get_str(tb[IFLA_IFNAME]), sizeof(l->name));
    if (tb[IFLA_ADDRESS]) {
        uint16_t alen = mnl_attr_get_payload_len(tb[IFLA_ADDRESS]);
        /* Tunnels carry 16-byte "addresses"; they have no MAC to offer. */
        if (alen <= sizeof(l->mac)) {
            memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), alen);
            l->mac_len = alen;
        }
    }
    uint32_t mtu;
    if (attr_u32(tb[IFLA_MTU], &mtu))
        l->mtu = mtu;
    if (!deleted && l->name[0])
        l->is_wireless = sysfs_exists(l->name, "wireless") || sysfs_exists(l->name, "phy80211");
    return 0;
}

static int parse_addr(const struct nlmsghdr *nlh, struct kernel_addr *a)
{
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ifaddrmsg)))
        return 1;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
        return 1;
    const struct nlattr *tb[IFA_MAX + 1] = {0};
    struct attr_table t = {tb, IFA_MAX};
    if (mnl_attr_parse(nlh, sizeof(*ifa), attr_store_cb, &t) < 0)
        return 1;

    memset(a, 0, sizeof(*a));
    a->ifindex = ifa->ifa_index;
    a->scope = ifa->ifa_scope;
    uint8_t local[16], address[16];
    bool has_local = attr_addr(tb[IFA_LOCAL], ifa->ifa_family, local);
    bool has_address = attr_addr(tb[IFA_ADDRESS], ifa->ifa_family, address);
    /* IFA_LOCAL is our end; IFA_ADDRESS is the far end on point-to-point
     * links and a copy of IFA_LOCAL (or the only one, for IPv6) otherwise. */
    if (has_local)
        memcpy(a->prefix.addr, local, 16);
    else if (has_address)
        memcpy(a->prefix.addr, address, 16);
    else
        return 1;
    a->prefix.plen = (uint8_t)(ifa->ifa_prefixlen + (ifa->ifa_family == AF_INET ? 96 : 0));
    if (has_local && has_address && memcmp(local, address, 16) != 0) {
        memcpy(a->peer, address, 16);
        a->has_peer = true;
    }
    return 0;
}

/* The gateway of a next hop: RTA_GATEWAY in the route's own family, or
 * RTA_VIA naming its family (IPv4 routes through IPv6 neighbours). */
static void parse_gateway(const struct nlattr *const *tb, int family, struct kernel_route *r)
{
    if (attr_addr(tb[RTA_GATEWAY], family, r->gateway))
        return;
    const struct nlattr *via = tb[RTA_VIA];
    if (!via || mnl_attr_get_payload_len(via) < sizeof(struct rtvia))
        return;
    const struct rtvia *v = mnl_attr_get_payload(via);
    size_t alen = mnl_attr_get_payload_len(via) - sizeof(struct rtvia);
    if (v->rtvia_family == AF_INET6 && alen == 16) {
        memcpy(r->gateway, v->rtvia_addr, 16);
        r->gateway_v6_for_v4 = family == AF_INET;
    } else if (v->rtvia_family == AF_INET && alen == 4) {
        addr_from_v4(r->gateway, v->rtvia_addr);
    }
}

/* Multipath routes are reported through their first next hop: Babel never
 * installs them, so the caller only needs to know the route is there. */
static void parse_first_nexthop(const struct nlattr *mp, int family, struct kernel_route *r)
{
    size_t len = mnl_attr_get_payload_len(mp);
    const struct rtnexthop *nh = mnl_attr_get_payload(mp);
    if (len < sizeof(*nh) || nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > len)
        return;
    r->ifindex = (unsigned)nh->rtnh_ifindex;
    const struct nlattr *tb[RTA_MAX + 1] = {0};
    struct attr_table t = {tb, RTA_MAX};
    size_t hdr = RTNH_LENGTH(0);
    if (nh->rtnh_len > hdr &&
        mnl_attr_parse_payload((const char *)nh + hdr, nh->rtnh_len - hdr, attr_store_cb, &t) < 0)
        return;
    parse_gateway(tb, family, r);
}

static int parse_route(const struct nlmsghdr *nlh, struct kernel_route *r)
{
    if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct rtmsg)))
        return 1;
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
    int family = rtm->rtm_family;
    /* AF_UNSPEC dumps also bring multicast and MPLS tables; IPv6 exceptions
     * (RTM_F_CLONED) are the kernel's cache, not routes. */
    if (family != AF_INET && family != AF_INET6)
        return 1;
    if (rtm->rtm_flags & RTM_F_CLONED)
        return 1;
    unsigned maxlen = family == AF_INET ? 32 : 128;
    if (rtm->rtm_dst_len > maxlen || rtm->rtm_src_len > maxlen)
        return 1;
    const struct nlattr *tb[RTA_MAX + 1] = {0};
    struct attr_table t = {tb, RTA_MAX};
    if (mnl_attr_parse(nlh, sizeof(*rtm), attr_store_cb, &t) < 0)
        return 1;

    memset(r, 0, sizeof(*r));
    uint8_t off = family == AF_INET ? 96 : 0;
    /* No RTA_DST means the default route, which for IPv4 is ::ffff:0/96. */
    if (!attr_addr(tb[RTA_DST], family, r->prefix.addr) && family == AF_INET)
        memcpy(r->prefix.addr, v4_mapped_prefix, 12);
    r->prefix.plen = (uint8_t)(rtm->rtm_dst_len + off);
    if (attr_addr(tb[RTA_SRC], family, r->src_prefix.addr)) {
        r->src_prefix.plen = (uint8_t)(rtm->rtm_src_len + off);
    } else {
        prefix_default_src(&r->prefix, &r->src_prefix);
    }
    uint32_t v;
    r->table = attr_u32(tb[RTA_TABLE], &v) ? v : rtm->rtm_table;
    r->protocol = rtm->rtm_protocol;
    r->type = rtm->rtm_type;
    if (attr_u32(tb[RTA_OIF], &v))
        r->ifindex = v;
    if (attr_u32(tb[RTA_PRIORITY], &v))
        r->metric = v;
    parse_gateway(tb, family, r);
    if (tb[RTA_MULTIPATH] && r->ifindex == 0 && addr_is_zero(r->gateway))
        parse_first_nexthop(tb[RTA_MULTIPATH], family, r);
    attr_addr(tb[RTA_PREFSRC], family, r->pref_src);
    return 0;
}

/* ------------------------------------------------------------------------
 * Dumps */

struct dump_ctx {
    void (*link_cb)(const struct kernel_link *, void *);
    void (*addr_cb)(const struct kernel_addr *, void *);
    void (*route_cb)(const struct kernel_route *, void *);
    uint32_t table;
    void *ctx;
};

static int dump_msg_cb(const struct nlmsghdr *nlh, void *data)
{
    struct dump_ctx *d = data;
    switch (nlh->nlmsg_type) {
    case RTM_NEWLINK: {
        struct kernel_link l;
        if (d->link_cb && parse_link(nlh, &l, false) == 0)
            d->link_cb(&l, d->ctx);
        break;
    }
    case RTM_NEWADDR: {
        struct kernel_addr a;
        if (d->addr_cb && parse_addr(nlh, &a) == 0)
            d->addr_cb(&a, d->ctx);
        break;
    }
    case RTM_NEWROUTE: {
        struct kernel_route r;
        if (d->route_cb && parse_route(nlh, &r) == 0 && (d->table == 0 || r.table == d->table))
            d->route_cb(&r, d->ctx);
        break;
    }
    default:
        break;
    }
    return 0;
}

static struct nlmsghdr *dump_request(void *buf, uint16_t type)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    return nlh;
}

int kernel_dump_links(void (*cb)(const struct kernel_link *, void *), void *ctx)
{
    char buf[256];
    struct nlmsghdr *nlh = dump_request(buf, RTM_GETLINK);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    /* Statistics are most of a link message and we have no use for them. */
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    struct dump_ctx d = {.link_cb = cb, .ctx = ctx};
    if (transact(nlh, dump_msg_cb, &d) < 0) {
        log_msg("kernel: dumping links: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int kernel_dump_addrs(void (*cb)(const struct kernel_addr *, void *), void *ctx)
{
    char buf[256];
    struct nlmsghdr *nlh = dump_request(buf, RTM_GETADDR);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    ifa->ifa_family = AF_UNSPEC;
    struct dump_ctx d = {.addr_cb = cb, .ctx = ctx};
    if (transact(nlh, dump_msg_cb, &d) < 0) {
        log_msg("kernel: dumping addresses: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int kernel_dump_routes(uint32_t table, void (*cb)(const struct kernel_route *, void *), void *ctx)
{
    char buf[256];
    struct nlmsghdr *nlh = dump_request(buf, RTM_GETROUTE);
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    rtm->rtm_family = AF_UNSPEC;
    /* Filtered here rather than by the kernel: table filtering in dumps
     * needs strict checking, which older kernels lack. */
    struct dump_ctx d = {.route_cb = cb, .table = table, .ctx = ctx};
    if (transact(nlh, dump_msg_cb, &d) < 0) {
        log_msg("kernel: dumping routes: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Route changes */

static bool type_is_reject(uint8_t type)
{
    return type == RTN_UNREACHABLE || type == RTN_PROHIBIT || type == RTN_BLACKHOLE ||
           type == RTN_THROW;
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type, int family, const uint8_t a[16])
{
    mnl_attr_put(nlh, type, family_addr_len(family), family == AF_INET ? a + 12 : a);
}

/* Builds an RTM_NEWROUTE/RTM_DELROUTE for `r`.  Returns -1 with errno when
 * the route cannot be expressed. */
static int build_route_msg(void *buf, uint16_t type, uint16_t flags, const struct kernel_route *r)
{
    bool v4 = prefix_is_v4(&r->prefix);
    int family = v4 ? AF_INET : AF_INET6;
    uint8_t off = v4 ? 96 : 0;
    bool del = type == RTM_DELROUTE;
    uint8_t rtype = r->type ? r->type : (del ? RTN_UNSPEC : RTN_UNICAST);

    if (r->prefix.plen < off || r->prefix.plen > 128) {
        errno = EINVAL;
        return -1;
    }
    bool has_src = !prefix_is_default_src(&r->src_prefix);
    /* Linux has no source-specific IPv4 routes; those need rule tables,
     * which are the caller's business. */
    if (has_src && (v4 || prefix_is_v4(&r->src_prefix))) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    if (!addr_is_zero(r->pref_src) && addr_is_v4(r->pref_src) != v4) {
        errno = EINVAL;
        return -1;
    }

    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    uint32_t table = r->table ? r->table : RT_TABLE_MAIN;
    rtm->rtm_family = (uint8_t)family;
    rtm->rtm_dst_len = (uint8_t)(r->prefix.plen - off);
    rtm->rtm_src_len = has_src ? r->src_prefix.plen : 0;
    /* rtm_table is only 8 bits wide; RTA_TABLE carries the full id and
     * takes precedence, so it is always sent. */
    rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
    rtm->rtm_protocol = RTPROT_BABEL_NUM;
    /* On deletion, "nowhere" is the kernel's wildcard for the scope. */
    rtm->rtm_scope = del ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE;
    rtm->rtm_type = rtype;

    mnl_attr_put_u32(nlh, RTA_TABLE, table);
    put_addr(nlh, RTA_DST, family, r->prefix.addr);
    if (has_src)
        mnl_attr_put(nlh, RTA_SRC, 16, r->src_prefix.addr);
    if (r->metric != 0)
        mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
    if (!addr_is_zero(r->pref_src))
        put_addr(nlh, RTA_PREFSRC, family, r->pref_src);

    /* Reject routes have no next hop and the kernel refuses one. */
    if (!type_is_reject(rtype)) {
        if (r->ifindex)
            mnl_attr_put_u32(nlh, RTA_OIF, r->ifindex);
        if (!addr_is_zero(r->gateway)) {
            if (v4 && (r->gateway_v6_for_v4 || !addr_is_v4(r->gateway))) {
                char via[sizeof(struct rtvia) + 16];
                struct rtvia *rv = (struct rtvia *)via;
                rv->rtvia_family = AF_INET6;
                memcpy(via + sizeof(struct rtvia), r->gateway, 16);
                mnl_attr_put(nlh, RTA_VIA, sizeof(via), via);
            } else if (v4 == addr_is_v4(r->gateway)) {
                put_addr(nlh, RTA_GATEWAY, family, r->gateway);
            } else {
                errno = EINVAL;
                return -1;
            }
            /* Babel neighbours are on-link by definition, whatever the
             * addresses configured on the interface (RFC 8966 section 3.2);
             * the flag only matters, and is only accepted, with a device. */
            if (r->ifindex && !del)
                rtm->rtm_flags |= RTNH_F_ONLINK;
        }
    }
    return 0;
}

static const char *route_fmt(const struct kernel_route *r, char *buf, size_t len)
{
    char p[PREFIX_STRLEN], s[PREFIX_STRLEN], g[ADDR_STRLEN];
    snprintf(buf, len, "%s from %s via %s%s dev %u table %u metric %u", prefix_fmt(&r->prefix, p),
             prefix_fmt(&r->src_prefix, s), addr_is_zero(r->gateway) ? "-" : addr_fmt(r->gateway, g),
             r->gateway_v6_for_v4 ? " (inet6)" : "", r->ifindex,
             r->table ? (unsigned)r->table : RT_TABLE_MAIN,
             (unsigned)r->metric);
    return buf;
}

static int route_change(const char *what, uint16_t type, uint16_t flags,
                        const struct kernel_route *r, bool quiet_missing)
{
    char buf[1024];
    char desc[256];
    if (build_route_msg(buf, type, flags, r) < 0) {
        int e = errno;
        log_msg("kernel: cannot %s route %s: %s", what, route_fmt(r, desc, sizeof(desc)),
                strerror(e));
        errno = e;
        return -1;
    }
    if (transact((struct nlmsghdr *)buf, NULL, NULL) < 0) {
        int e = errno;
        if (quiet_missing && (e == ESRCH || e == ENOENT))
            log_debug(1, "kernel: %s route %s: already gone", what,
                      route_fmt(r, desc, sizeof(desc)));
        else
            log_msg("kernel: %s route %s: %s%s%s", what, route_fmt(r, desc, sizeof(desc)),
                    strerror(e), last_ext_ack[0] ? ": " : "", last_ext_ack);
        errno = e;
        return -1;
    }
    return 0;
}

int kernel_route_add(const struct kernel_route *r)
{
    return route_change("add", RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r, false);
}

int kernel_route_replace(const struct kernel_route *r)
{
    return route_change("replace", RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r, false);
}

int kernel_route_del(const struct kernel_route *r)
{
    return route_change("delete", RTM_DELROUTE, 0, r, true);
}

struct route_vec {
    struct kernel_route *v;
    size_t n, cap;
    bool oom;
};

static void collect_babel_route(const struct kernel_route *r, void *data)
{
    struct route_vec *vec = data;
    if (r->protocol != RTPROT_BABEL_NUM || vec->oom)
        return;
    if (vec->n == vec->cap) {
        size_t cap = vec->cap ? vec->cap * 2 : 64;
        struct kernel_route *nv = realloc(vec->v, cap * sizeof(*nv));
        if (!nv) {
            vec->oom = true;
            return;
        }
        vec->v = nv;
        vec->cap = cap;
    }
    vec->v[vec->n++] = *r;
}

int kernel_flush_babel_routes(uint32_t table)
{
    /* Collected first: the request socket cannot carry deletions while it is
     * in the middle of a dump. */
    struct route_vec vec = {0};
    if (kernel_dump_routes(table, collect_babel_route, &vec) < 0) {
        free(vec.v);
        return -1;
    }
    if (vec.oom) {
        log_msg("kernel: out of memory collecting routes to flush");
        free(vec.v);
        errno = ENOMEM;
        return -1;
    }
    int count = 0;
    for (size_t i = 0; i < vec.n; i++) {
        /* Prefix, source, table, metric and protocol identify the route;
         * leaving the next hop out also deletes multipath ones. */
        struct kernel_route d = vec.v[i];
        d.ifindex = 0;
        memset(d.gateway, 0, sizeof(d.gateway));
        d.gateway_v6_for_v4 = false;
        memset(d.pref_src, 0, sizeof(d.pref_src));
        if (kernel_route_del(&d) == 0)
            count++;
    }
    free(vec.v);
    return count;
}

/* ------------------------------------------------------------------------
 * Notifications */

static void notify_dispatch(const struct nlmsghdr *nlh, const struct kernel_notify_ops *ops)
{
    switch (nlh->nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK: {
        bool del = nlh->nlmsg_type == RTM_DELLINK;
        struct kernel_link l;
        if (ops->link && parse_link(nlh, &l, del) == 0)
            ops->link(&l, del, ops->ctx);
        break;
    }
    case RTM_NEWADDR:
    case RTM_DELADDR: {
        struct kernel_addr a;
        if (ops->addr && parse_addr(nlh, &a) == 0)
            ops->addr(&a, nlh->nlmsg_type == RTM_DELADDR, ops->ctx);
        break;
    }
    case RTM_NEWROUTE:
    case RTM_DELROUTE: {
        struct kernel_route r;
        if (ops->route && parse_route(nlh, &r) == 0)
            ops->route(&r, nlh->nlmsg_type == RTM_DELROUTE, ops->ctx);
        break;
    }
    default:
        break;
    }
}

int kernel_notify_read(const struct kernel_notify_ops *ops)
{
    if (!mon_sock) {
        errno = EBADF;
        return -1;
    }
    bool lost = false;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(mon_sock, mon_buf, sizeof(mon_buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == ENOBUFS) {
                /* The caller re-dumps everything, which supersedes what is
                 * still queued, so the rest is drained without dispatch. */
                if (!lost)
                    log_msg("kernel: netlink notifications lost, resynchronising");
                lost = true;
                continue;
            }
            log_msg("kernel: reading netlink notifications: %s", strerror(errno));
            return -1;
        }
        if (lost)
            continue;
        int len = (int)n;
        for (const struct nlmsghdr *m = (const struct nlmsghdr *)mon_buf; mnl_nlmsg_ok(m, len);
             m = mnl_nlmsg_next(m, &len))
            notify_dispatch(m, ops);
    }
    if (lost) {
        errno = ENOBUFS;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Links by name, sysctl */

static int link_by_name_cb(const struct nlmsghdr *nlh, void *data)
{
    struct kernel_link *out = data;
    if (nlh->nlmsg_type == RTM_NEWLINK)
        parse_link(nlh, out, false);
    return 0;
}

int kernel_link_by_name(const char *name, struct kernel_link *out)
{
    if (strlen(name) >= IF_NAMESIZE) {
        errno = ENODEV;
        return -1;
    }
    char buf[256];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    memset(out, 0, sizeof(*out));
    if (transact(nlh, link_by_name_cb, out) < 0) {
        /* A missing interface is an answer, not a failure worth a log. */
        if (errno != ENODEV)
            log_msg("kernel: looking up interface %s: %s", name, strerror(errno));
        return -1;
    }
    if (out->ifindex == 0) {
        errno = ENODEV;
        return -1;
    }
    return 0;
}

static int read_whole(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got + 1 < len) {
        ssize_t n = read(fd, buf + got, len - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == ' '))
        buf[--got] = '\0';
    return 0;
}

int kernel_sysctl_set(const char *path, const char *value, char *old, size_t oldlen)
{
    char full[256];
    int n = path[0] == '/' ? snprintf(full, sizeof(full), "%s", path)
                           : snprintf(full, sizeof(full), "/proc/sys/%s", path);
    if (n < 0 || n >= (int)sizeof(full)) {
        errno = ENAMETOOLONG;
        log_msg("kernel: sysctl path too long: %s", path);
        return -1;
    }
    char cur[256];
    if (read_whole(full, cur, sizeof(cur)) < 0) {
        log_msg("kernel: reading %s: %s", full, strerror(errno));
        return -1;
    }
    if (old && oldlen > 0)
        strlcpy_safe(old, cur, oldlen);
    /* Already right: no write, so a read-only /proc/sys (containers) is no
     * obstacle when there is nothing to change. */
    if (strcmp(cur, value) == 0)
        return 0;

    int fd = open(full, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        log_msg("kernel: opening %s for writing: %s", full, strerror(errno));
        return -1;
    }
    size_t vlen = strlen(value);
    ssize_t w;
    do
        w = write(fd, value, vlen);
    while (w < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (w < 0 || (size_t)w != vlen) {
        if (w >= 0)
            e = EIO;
        log_msg("kernel: writing %s to %s: %s", value, full, strerror(e));
        errno = e;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Addresses and virtual links */

static int addr_change(uint16_t type, uint16_t flags, unsigned ifindex, const struct prefix *a,
                       bool noprefixroute)
{
    char buf[256];
    bool v4 = prefix_is_v4(a);
    unsigned plen = a->plen;
    if (v4 && plen < 96) {
        errno = EINVAL;
        return -1;
    }
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    ifa->ifa_family = v4 ? AF_INET : AF_INET6;
    ifa->ifa_prefixlen = (uint8_t)(v4 ? plen - 96 : plen);
    ifa->ifa_index = ifindex;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    put_addr(nlh, IFA_LOCAL, ifa->ifa_family, a->addr);
    put_addr(nlh, IFA_ADDRESS, ifa->ifa_family, a->addr);
    if (noprefixroute && type == RTM_NEWADDR)
        mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NOPREFIXROUTE);
    return transact(nlh, NULL, NULL);
}

int kernel_addr_add(unsigned ifindex, const struct prefix *a, bool noprefixroute)
{
    if (addr_change(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, a, noprefixroute) == 0)
        return 0;
    if (errno == EEXIST)
        return 0;
    int e = errno;
    char p[PREFIX_STRLEN];
    log_msg("kernel: adding address %s to link %u: %s%s%s", prefix_fmt(a, p), ifindex,
            strerror(e), last_ext_ack[0] ? ": " : "", last_ext_ack);
    errno = e;
    return -1;
}

int kernel_addr_del(unsigned ifindex, const struct prefix *a)
{
    if (addr_change(RTM_DELADDR, 0, ifindex, a, false) == 0)
        return 0;
    if (errno == EADDRNOTAVAIL || errno == ENODEV || errno == ENOENT || errno == ESRCH)
        return 0;
    int e = errno;
    char p[PREFIX_STRLEN];
    log_msg("kernel: removing address %s from link %u: %s", prefix_fmt(a, p), ifindex,
            strerror(e));
    errno = e;
    return -1;
}

int kernel_link_create(const char *name, const char *kind)
{
    if (strlen(name) >= IF_NAMESIZE || strlen(kind) >= 32) {
        errno = EINVAL;
        return -1;
    }
    char buf[512];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
    mnl_attr_nest_end(nlh, info);
    if (transact(nlh, NULL, NULL) < 0)
        return -1;
    return 0;
}

int kernel_link_delete(unsigned ifindex)
{
    char buf[256];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_DELLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = (int)ifindex;
    if (transact(nlh, NULL, NULL) < 0) {
        if (errno == ENODEV)
            return 0;
        return -1;
    }
    return 0;
}
