#include "babel/kernel_watch.h"

#include <poll.h>
#include <string.h>

#include "babel/event.h"
#include "babel/interface.h"
#include "babel/kernel.h"
#include "babel/node.h"
#include "babel/xroute.h"

static uint64_t next_check;

#define MAX_SUBSCRIBERS 8
static const struct kernel_notify_ops *subscribers[MAX_SUBSCRIBERS];
static unsigned nsubscribers;

int kernel_watch_subscribe(const struct kernel_notify_ops *ops)
{
    if (nsubscribers == MAX_SUBSCRIBERS)
        return -1;
    subscribers[nsubscribers++] = ops;
    return 0;
}

static void on_link(const struct kernel_link *l, bool deleted, void *ctx)
{
    interface_link_changed(l->ifindex, l->name, l->flags, l->mtu, l->is_wireless, deleted);
    for (unsigned i = 0; i < nsubscribers; i++)
        if (subscribers[i]->link)
            subscribers[i]->link(l, deleted, subscribers[i]->ctx);
}

static void on_addr(const struct kernel_addr *a, bool deleted, void *ctx)
{
    interface_addr_changed(a->ifindex, &a->prefix, deleted);
    xroute_kernel_addr(a->ifindex, &a->prefix, deleted);
    for (unsigned i = 0; i < nsubscribers; i++)
        if (subscribers[i]->addr)
            subscribers[i]->addr(a, deleted, subscribers[i]->ctx);
}

static void on_route(const struct kernel_route *r, bool deleted, void *ctx)
{
    xroute_kernel_route(&r->prefix, &r->src_prefix, r->ifindex, r->protocol, r->table, r->type,
                        deleted);
}

static void dump_link(const struct kernel_link *l, void *ctx) { on_link(l, false, ctx); }

static void dump_addr_for(const struct kernel_addr *a, void *ctx)
{
    unsigned only = ctx ? *(unsigned *)ctx : 0;
    if (!only || a->ifindex == only)
        interface_addr_changed(a->ifindex, &a->prefix, false);
}

void kernel_watch_resync(void)
{
    kernel_dump_links(dump_link, NULL);
    kernel_dump_addrs(dump_addr_for, NULL);
    xroute_resync();
}

void kernel_watch_interface(struct interface *ifp)
{
    struct kernel_link l;
    if (kernel_link_by_name(ifp->name, &l) < 0)
        return; /* not there yet: a link notification will bring it up */
    on_link(&l, false, NULL);
    unsigned idx = l.ifindex;
    kernel_dump_addrs(dump_addr_for, &idx);
}

static void notify_event(int fd, short revents, void *ctx)
{
    static const struct kernel_notify_ops ops = {.link = on_link, .addr = on_addr, .route = on_route};
    if (kernel_notify_read(&ops) < 0) {
        log_msg("kernel notifications were lost; re-reading kernel state");
        kernel_watch_resync();
    }
}

int kernel_watch_start(void)
{
    kernel_watch_resync();
    next_check = now_ms + node.cfg.opt.kernel_check_interval;
    return event_add_fd(kernel_notify_fd(), POLLIN, notify_event, NULL);
}

uint64_t kernel_watch_tick(void *ctx)
{
    if (now_ms >= next_check) {
        kernel_watch_resync();
        next_check = now_ms + (node.cfg.opt.kernel_check_interval ? node.cfg.opt.kernel_check_interval
                                                                  : 300000);
    }
    return next_check;
}
