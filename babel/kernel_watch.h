/* Feeds the kernel's links, addresses and routes into interfaces and
 * xroutes: an initial dump, then netlink notifications, and a full re-dump
 * when notifications were lost or periodically. */
#ifndef BABEL_KERNEL_WATCH_H
#define BABEL_KERNEL_WATCH_H

#include <stdint.h>

struct interface;

/* Dumps everything and starts listening; 0 or -1. */
int kernel_watch_start(void);
/* Re-reads links and addresses for one interface (added at run time). */
void kernel_watch_interface(struct interface *ifp);
/* Re-dumps links, addresses and import tables. */
void kernel_watch_resync(void);
/* The periodic re-check (kernel-check-interval); next deadline. */
uint64_t kernel_watch_tick(void *ctx);

/* Other subsystems may follow links and addresses as well: ops->link and
 * ops->addr (either may be NULL) are called after the core has handled each
 * notification, and ops->link for each link of a re-dump.  They run inside
 * the netlink read, so they must not issue kernel requests themselves
 * (kernel.h refuses that); they note what to do and do it later.
 * 0, or -1 when there are too many subscribers. */
struct kernel_notify_ops;
int kernel_watch_subscribe(const struct kernel_notify_ops *ops);

#endif
