#include "babel/interface.h"

#include <stdlib.h>
#include <string.h>

#include "babel/local.h"
#include "babel/message.h"
#include "babel/neighbour.h"
#include "babel/net.h"
#include "babel/node.h"

struct interface *interfaces;

struct interface *interface_find(const char *name)
{
    for (struct interface *ifp = interfaces; ifp; ifp = ifp->next)
        if (strcmp(ifp->name, name) == 0)
            return ifp;
    return NULL;
}

struct interface *interface_by_index(unsigned ifindex)
{
    if (ifindex == 0)
        return NULL;
    for (struct interface *ifp = interfaces; ifp; ifp = ifp->next)
        if (ifp->ifindex == ifindex)
            return ifp;
    return NULL;
}

static size_t packet_cap(const struct interface *ifp)
{
    /* IPv6 and UDP headers come out of the MTU. */
    size_t mtu = ifp->mtu ? ifp->mtu : 1280;
    size_t cap = mtu > 48 ? mtu - 48 : 512;
    return cap > SENDBUF_MAX ? SENDBUF_MAX : cap;
}

void interface_reconfigure(struct interface *ifp)
{
    unsigned old_hello = ifp->p.hello_interval;
    config_resolve_interface(&node.cfg, ifp->name, ifp->is_wireless, &ifp->p);
    if (ifp->up && ifp->p.hello_interval < old_hello)
        ifp->hello_due = now_ms;
}

struct interface *interface_add(const char *name)
{
    struct interface *ifp = interface_find(name);
    if (ifp)
        return ifp;
    ifp = calloc(1, sizeof(*ifp));
    if (!ifp)
        return NULL;
    strlcpy_safe(ifp->name, name, sizeof(ifp->name));
    config_resolve_interface(&node.cfg, name, false, &ifp->p);
    /* Keep the command-line order, which is babeld's order in dumps. */
    struct interface **pp = &interfaces;
    while (*pp)
        pp = &(*pp)->next;
    *pp = ifp;
    return ifp;
}

static void interface_go_down(struct interface *ifp)
{
    if (!ifp->up)
        return;
    sendbuf_flush(&ifp->buf);
    neighbour_flush_interface(ifp);
    if (ifp->joined && ifp->ifindex)
        net_leave_group(ifp->ifindex, node.protocol_group);
    ifp->joined = false;
    ifp->up = false;
    ifp->npending = 0;
    ifp->full_update_pending = false;
}

static void interface_go_up(struct interface *ifp)
{
    ifp->up = true;
    ifp->joined = net_join_group(ifp->ifindex, node.protocol_group) == 0;
    sendbuf_init(&ifp->buf, ifp->ifindex, node.protocol_group, packet_cap(ifp));
    ifp->hello_seqno = (uint16_t)random_u32();
    ifp->hello_due = now_ms;
    ifp->update_due = now_ms + 200;
    /* Ask the neighbours for their tables now: convergence at start-up
     * should not wait for their periodic updates. */
    send_route_request(NULL, ifp, NULL, NULL);
}

void interface_remove(struct interface *ifp)
{
    interface_go_down(ifp);
    local_notify_interface(ifp, LOCAL_FLUSH);
    for (struct interface **pp = &interfaces; *pp; pp = &(*pp)->next) {
        if (*pp == ifp) {
            *pp = ifp->next;
            break;
        }
    }
    free(ifp->pending);
    free(ifp);
}

void interface_link_changed(unsigned ifindex, const char *name, unsigned flags, unsigned mtu,
                            bool wireless, bool deleted)
{
    struct interface *ifp = interface_find(name);
    if (!ifp) {
        /* A rename: the index is still ours under another name. */
        ifp = interface_by_index(ifindex);
        if (!ifp || deleted)
            return;
    }
    bool was_up = ifp->up;
    bool want_up = !deleted && (flags & IFF_UP) &&
                   (!node.cfg.opt.link_detect || (flags & IFF_RUNNING));
    if (deleted) {
        interface_go_down(ifp);
        ifp->ifindex = 0;
        ifp->have_ll = ifp->have_ipv4 = false;
    } else {
        if (ifp->ifindex && ifp->ifindex != ifindex)
            interface_go_down(ifp);
        ifp->ifindex = ifindex;
        ifp->mtu = mtu;
        if (wireless != ifp->is_wireless) {
            ifp->is_wireless = wireless;
            interface_reconfigure(ifp);
        }
        if (want_up && !ifp->up)
            interface_go_up(ifp);
        else if (!want_up && ifp->up)
            interface_go_down(ifp);
        else if (ifp->up)
            ifp->buf.cap = packet_cap(ifp);
    }
    if (was_up != ifp->up)
        local_notify_interface(ifp, LOCAL_CHANGE);
}

void interface_addr_changed(unsigned ifindex, const struct prefix *addr, bool deleted)
{
    struct interface *ifp = interface_by_index(ifindex);
    if (!ifp)
        return;
    bool changed = false;
    if (addr_is_linklocal(addr->addr) && !prefix_is_v4(addr)) {
        if (deleted && ifp->have_ll && memcmp(ifp->ll, addr->addr, 16) == 0) {
            ifp->have_ll = false;
            changed = true;
        } else if (!deleted && !ifp->have_ll) {
            memcpy(ifp->ll, addr->addr, 16);
            ifp->have_ll = true;
            changed = true;
        }
    } else if (prefix_is_v4(addr)) {
        if (deleted && ifp->have_ipv4 && memcmp(ifp->ipv4, addr->addr, 16) == 0) {
            ifp->have_ipv4 = false;
            changed = true;
        } else if (!deleted && !ifp->have_ipv4) {
            memcpy(ifp->ipv4, addr->addr, 16);
            ifp->have_ipv4 = true;
            changed = true;
        }
    }
    if (changed) {
        local_notify_interface(ifp, LOCAL_CHANGE);
        /* The next hops we announce depend on our addresses. */
        if (ifp->up)
            send_update(ifp, NULL, NULL, false);
    }
}

bool interface_has_addr(const struct interface *ifp, const uint8_t addr[16])
{
    return (ifp->have_ll && memcmp(ifp->ll, addr, 16) == 0) ||
           (ifp->have_ipv4 && memcmp(ifp->ipv4, addr, 16) == 0);
}

void interface_schedule_full_update(struct interface *ifp) { send_update(ifp, NULL, NULL, false); }

void interface_send_hello(struct interface *ifp)
{
    if (!ifp->up)
        return;
    /* A Hello at most every 100 ms however many neighbours appear. */
    if (ifp->hello_due > now_ms + 100)
        ifp->hello_due = now_ms + 100;
}

uint64_t interface_tick(void)
{
    uint64_t next = UINT64_MAX;
    for (struct interface *ifp = interfaces; ifp; ifp = ifp->next) {
        if (!ifp->up)
            continue;
        if (ifp->hello_due <= now_ms) {
            send_hello(ifp);
            ifp->hello_due = now_ms + jitter_ms(ifp->p.hello_interval);
        }
        if (ifp->update_due <= now_ms) {
            send_update(ifp, NULL, NULL, false);
            ifp->update_due = now_ms + jitter_ms(ifp->p.update_interval);
        }
        if (ifp->buf.deadline && ifp->buf.deadline <= now_ms) {
            flush_updates(ifp);
            sendbuf_flush(&ifp->buf);
        }
        uint64_t cands[3] = {ifp->hello_due, ifp->update_due,
                             ifp->buf.deadline ? ifp->buf.deadline : UINT64_MAX};
        for (int i = 0; i < 3; i++)
            if (cands[i] < next)
                next = cands[i];
    }
    return next;
}
