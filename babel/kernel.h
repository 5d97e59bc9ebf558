/* The kernel, through rtnetlink (libmnl): routes in and out, links and
 * addresses, and notifications of their changes.  Nothing here knows Babel;
 * the caller decides what to install and what to redistribute. */
#ifndef BABEL_KERNEL_H
#define BABEL_KERNEL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "babel/util.h"

#define RTPROT_BABEL_NUM 42

struct kernel_route {
    struct prefix prefix;
    struct prefix src_prefix; /* default source when none */
    unsigned ifindex;         /* output interface, 0 if none */
    uint8_t gateway[16];      /* v4-mapped or IPv6; zero if none */
    bool gateway_v6_for_v4;   /* an IPv4 route via an IPv6 gateway (RTA_VIA) */
    uint32_t metric;          /* RTA_PRIORITY */
    uint32_t table;
    uint8_t protocol;
    uint8_t type;      /* RTN_UNICAST, RTN_UNREACHABLE, ... */
    uint8_t pref_src[16]; /* zero if none */
};

struct kernel_link {
    unsigned ifindex;
    char name[IF_NAMESIZE];
    unsigned flags; /* IFF_UP, IFF_RUNNING, IFF_POINTOPOINT, IFF_MULTICAST ... */
    uint8_t mac[8];
    unsigned mac_len;
    unsigned mtu;
    bool is_wireless; /* /sys/class/net/NAME/wireless exists */
};

struct kernel_addr {
    unsigned ifindex;
    struct prefix prefix; /* the address with the interface's prefix length */
    uint8_t peer[16];     /* IFA_ADDRESS on point-to-point links, else zero */
    bool has_peer;
    uint8_t scope;
};

/* Opens the netlink sockets.  Returns 0, or -1 with a message logged. */
int kernel_open(void);
void kernel_close(void);
/* The socket to poll for notifications (links, addresses, routes). */
int kernel_notify_fd(void);

/* Notifications, delivered by kernel_notify_read(); any may be NULL. */
struct kernel_notify_ops {
    void (*link)(const struct kernel_link *l, bool deleted, void *ctx);
    void (*addr)(const struct kernel_addr *a, bool deleted, void *ctx);
    void (*route)(const struct kernel_route *r, bool deleted, void *ctx);
    void *ctx;
};
/* Reads what is pending on kernel_notify_fd() without blocking.  Returns 0;
 * -1 when notifications were lost (ENOBUFS): the caller then re-dumps. */
int kernel_notify_read(const struct kernel_notify_ops *ops);

/* Dumps: call cb once per object. Return 0 or -1. */
int kernel_dump_links(void (*cb)(const struct kernel_link *, void *), void *ctx);
int kernel_dump_addrs(void (*cb)(const struct kernel_addr *, void *), void *ctx);
/* Routes of one table (all families), or of every table when table is 0. */
int kernel_dump_routes(uint32_t table, void (*cb)(const struct kernel_route *, void *), void *ctx);

/* Route changes.  `r->protocol` is forced to RTPROT_BABEL_NUM.  Return 0, or
 * -1 with errno set.  kernel_route_replace uses NLM_F_REPLACE so a change of
 * next hop never leaves a gap. */
int kernel_route_add(const struct kernel_route *r);
int kernel_route_replace(const struct kernel_route *r);
int kernel_route_del(const struct kernel_route *r);
/* Removes every route with protocol RTPROT_BABEL_NUM from `table` (a
 * previous instance that crashed). Returns how many, or -1. */
int kernel_flush_babel_routes(uint32_t table);

/* sysctl helpers for start-up (skip-kernel-setup turns them off).
 * Each returns 0 or -1 and, when old is not NULL, stores the old value. */
int kernel_sysctl_set(const char *path, const char *value, char *old, size_t oldlen);

/* Link information by name or index (through the dumps above). */
int kernel_link_by_name(const char *name, struct kernel_link *out);

/* Addresses on a link: `a` is the address with its prefix length (an IPv4
 * one v4-mapped, length plus 96, as everywhere).  `noprefixroute` asks the
 * kernel for no connected route (IFA_F_NOPREFIXROUTE).  kernel_addr_add
 * returns 0 when the address was added or was already there with that
 * length; kernel_addr_del 0 when it was removed or absent.  Else -1 with
 * errno set. */
int kernel_addr_add(unsigned ifindex, const struct prefix *a, bool noprefixroute);
int kernel_addr_del(unsigned ifindex, const struct prefix *a);

/* Virtual links: kernel_link_create makes a link of a kind that needs no
 * parameters ("dummy") and sets it up; 0, or -1 with errno (EOPNOTSUPP when
 * the kernel has no such kind).  kernel_link_delete removes a link by index;
 * 0 when it is gone. */
int kernel_link_create(const char *name, const char *kind);
int kernel_link_delete(unsigned ifindex);

#endif
