/* Exported routes: what this router originates (local addresses and kernel
 * routes allowed by the redistribute filters). */
#ifndef BABEL_XROUTE_H
#define BABEL_XROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "babel/util.h"

struct xroute {
    struct xroute *hnext;
    struct prefix prefix;
    struct prefix src_prefix;
    uint16_t metric;
    unsigned ifindex;
    int proto;
    bool local; /* a local address */
    bool seen;  /* mark for the re-dump sweep */
};

struct xroute *xroute_find(const struct prefix *p, const struct prefix *src);
/* Feed from the kernel: addresses and import-table routes. */
void xroute_kernel_addr(unsigned ifindex, const struct prefix *addr, bool deleted);
void xroute_kernel_route(const struct prefix *p, const struct prefix *src, unsigned ifindex,
                         int proto, uint32_t table, uint8_t type, bool deleted);
/* Re-reads addresses and import tables from scratch (start-up, after lost
 * notifications, after a redistribute filter changed). */
void xroute_resync(void);
/* Iteration. */
void xroute_foreach(void (*fn)(struct xroute *, void *), void *ctx);
unsigned xroute_count(void);

#endif
