/* auto-her: MRIB oifs on non-multicast links as normalizer rules (see
 * autoher.h). */
#include "mcast/autoher.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "babel/event.h"
#include "babel/extension.h"
#include "babel/util.h"
#include "mcast/genrule.h"
#include "mcast/mcif.h"
#include "mcast/mrib.h"
#include "mcast/rule.h"

#define RECHECK_MS 1000
#define PREFIX "her-"

static bool started;
static uint64_t next_check;
static int ctl_fd = -1;

/* The link's flags, or 0 when it does not exist. */
static unsigned link_flags(const char *name)
{
    if (ctl_fd < 0)
        ctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strlcpy_safe(ifr.ifr_name, name, sizeof(ifr.ifr_name));
    if (ctl_fd < 0 || ioctl(ctl_fd, SIOCGIFFLAGS, &ifr) < 0)
        return 0;
    return (unsigned)ifr.ifr_flags;
}

static bool owns_name(const char *name)
{
    const struct mcif_conf *c = mcif_find(name);
    if (!c || !c->auto_her)
        return false;
    unsigned f = link_flags(name);
    return f && !(f & IFF_MULTICAST);
}

/* Whether any mcast-interface asks for auto-her: when none does (the usual
 * case) nothing here costs a system call. */
static bool any_configured;

static void note_configured(const struct mcif_conf *c, void *ctx)
{
    if (c->auto_her)
        *(bool *)ctx = true;
}

bool autoher_owns(unsigned ifindex)
{
    char name[IF_NAMESIZE];
    return started && any_configured && ifindex && if_indextoname(ifindex, name) &&
           owns_name(name);
}

static void rule_name(char *buf, size_t len, struct in_addr s, struct in_addr g, unsigned in)
{
    snprintf(buf, len, PREFIX "%08x%08x-%u", ntohl(s.s_addr), ntohl(g.s_addr), in);
}

static void want_rule(const struct mrib_view *v, unsigned in, const unsigned *outs, unsigned nout)
{
    struct rule_conf c;
    memset(&c, 0, sizeof(c)); /* compared with memcmp */
    if (!if_indextoname(in, c.in_if))
        return;
    rule_name(c.name, sizeof(c.name), v->source, v->group, in);
    c.group = v->group.s_addr;
    c.source = v->source.s_addr;
    for (unsigned i = 0; i < nout && c.nout < RULE_MAX_OUTPUTS; i++)
        if (outs[i] != in && if_indextoname(outs[i], c.out[c.nout].ifname))
            c.nout++;
    if (c.nout)
        genrule_want(GENRULE_AUTOHER, &c);
}

struct inputs {
    unsigned idx[64];
    unsigned n;
};

static void add_input(const struct mcif_conf *c, void *ctx)
{
    struct inputs *in = ctx;
    unsigned f = link_flags(c->name);
    unsigned idx = if_nametoindex(c->name);
    if (idx && (f & IFF_MULTICAST) && in->n < 64)
        in->idx[in->n++] = idx;
}

static void sync_entry(const struct mrib_view *v, void *ctx)
{
    unsigned outs[MRIB_MAX_OIFS], nout = 0;
    for (unsigned i = 0; i < v->noifs; i++)
        if (autoher_owns(v->oifs[i]) && mrib_forwards(v->oifs[i], v->oif_origins[i]))
            outs[nout++] = v->oifs[i];
    if (!nout)
        return;
    if (v->iif) {
        want_rule(v, v->iif, outs, nout);
        return;
    }
    if (v->source.s_addr != INADDR_ANY)
        return; /* no route toward S: nothing to capture */
    struct inputs in = {.n = 0};
    mcif_foreach(add_input, &in);
    for (unsigned k = 0; k < in.n; k++)
        want_rule(v, in.idx[k], outs, nout);
}

static void resync(void)
{
    genrule_begin(GENRULE_AUTOHER);
    if (started)
        mrib_foreach(sync_entry, NULL);
    genrule_end(GENRULE_AUTOHER);
}

static bool dirty;

static void on_mrib(const struct mrib_view *v, enum ext_change what, void *ctx)
{
    /* Rebuilt from the whole MRIB (cheap at this scale, never wrong) at the
     * next tick, not from inside the change: a rule change may put a VIP on
     * a link, a netlink request the MRIB's caller may not allow. */
    dirty = true;
}

static uint64_t on_tick(void *ctx)
{
    if (!started)
        return EVENT_NEVER;
    if (now_ms >= next_check) {
        next_check = now_ms + RECHECK_MS;
        bool was = any_configured;
        any_configured = false;
        mcif_foreach(note_configured, &any_configured);
        /* Links gain or lose IFF_MULTICAST, interfaces come and go. */
        if (any_configured || was)
            mrib_forwarding_changed();
        dirty = any_configured || was;
    }
    if (dirty) {
        dirty = false;
        resync();
    }
    return next_check;
}

static void on_start(void *ctx)
{
    started = true;
    next_check = now_ms;
}

static void on_stop(void *ctx)
{
    started = false;
    resync(); /* removes every rule of ours */
    if (ctl_fd >= 0)
        close(ctl_fd);
    ctl_fd = -1;
}

void autoher_register(void)
{
    mrib_on_change(on_mrib, NULL);
    ext_on_lifecycle(on_start, on_stop, NULL);
    event_add_tick(on_tick, NULL);
}
