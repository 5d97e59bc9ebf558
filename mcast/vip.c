#include "mcast/vip.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "babel/kernel.h"
#include "babel/util.h"

struct vip {
    uint32_t addr;
    int refs;
    bool installed;
    struct vip *next;
};

static struct vip *vips;
static unsigned link_index;
static char link_name[IF_NAMESIZE];
static bool link_created;

static int ensure_link(void)
{
    struct kernel_link l;
    if (link_index && kernel_link_by_name(link_name, &l) == 0 && l.ifindex == link_index)
        return 0;
    link_index = 0;
    link_created = false;
    /* A dummy link left by a previous instance is reused. */
    if (kernel_link_by_name(VIP_LINK, &l) == 0 ||
        (kernel_link_create(VIP_LINK, "dummy") == 0 && kernel_link_by_name(VIP_LINK, &l) == 0)) {
        strlcpy_safe(link_name, VIP_LINK, sizeof(link_name));
        link_index = l.ifindex;
        link_created = true;
        return 0;
    }
    log_debug(1, "mcast: no dummy link (%s); VIPs go on lo", strerror(errno));
    if (kernel_link_by_name("lo", &l) < 0) {
        log_msg("mcast: no lo link for VIPs");
        return -1;
    }
    strlcpy_safe(link_name, "lo", sizeof(link_name));
    link_index = l.ifindex;
    return 0;
}

static struct prefix vip_prefix(uint32_t a)
{
    struct prefix p;
    addr_from_v4(p.addr, (const uint8_t *)&a);
    p.plen = 128;
    return p;
}

int vip_hold(uint32_t addr)
{
    struct vip *v;
    for (v = vips; v; v = v->next)
        if (v->addr == addr)
            break;
    if (!v) {
        v = calloc(1, sizeof(*v));
        if (!v)
            return -1;
        v->addr = addr;
        v->next = vips;
        vips = v;
    }
    v->refs++;
    if (!v->installed) {
        if (ensure_link() < 0)
            return -1;
        struct prefix p = vip_prefix(addr);
        if (kernel_addr_add(link_index, &p, true) < 0)
            return -1;
        v->installed = true;
    }
    return 0;
}

void vip_release(uint32_t addr)
{
    for (struct vip **pp = &vips; *pp; pp = &(*pp)->next) {
        struct vip *v = *pp;
        if (v->addr != addr)
            continue;
        if (--v->refs > 0)
            return;
        if (v->installed && link_index) {
            struct prefix p = vip_prefix(addr);
            kernel_addr_del(link_index, &p);
        }
        *pp = v->next;
        free(v);
        return;
    }
}

void vip_cleanup(void)
{
    while (vips) {
        struct vip *v = vips;
        vips = v->next;
        if (v->installed && link_index) {
            struct prefix p = vip_prefix(v->addr);
            kernel_addr_del(link_index, &p);
        }
        free(v);
    }
    if (link_created && link_index)
        kernel_link_delete(link_index);
    link_index = 0;
    link_created = false;
    link_name[0] = '\0';
}
