/* Downstream state as outputs of the user's normalizer rules (see
 * attach.h). */
#include "mcast/attach.h"

#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "babel/event.h"
#include "babel/extension.h"
#include "mcast/genrule.h"
#include "mcast/mrib.h"
#include "mcast/rule.h"

#define RECHECK_MS 1000
#define PREFIX "mrib-"

static bool started, dirty;
static uint64_t next_check;

/* The MRIB's oifs for (src,g) and (*,g), by ifindex. */
static unsigned wanted_oifs(uint32_t src, uint32_t g, unsigned *out, unsigned max)
{
    unsigned n = 0;
    struct mrib_view v;
    struct in_addr sa = {src}, ga = {g}, any = {INADDR_ANY};
    for (int k = 0; k < 2; k++) {
        if (mrib_get(k ? any : sa, ga, &v) < 0 || (k == 0 && src == 0))
            continue;
        for (unsigned i = 0; i < v.noifs && n < max; i++) {
            if (!mrib_forwards(v.oifs[i], v.oif_origins[i]))
                continue;
            bool dup = false;
            for (unsigned j = 0; j < n && !dup; j++)
                dup = out[j] == v.oifs[i];
            if (!dup)
                out[n++] = v.oifs[i];
        }
    }
    return n;
}

static bool served(const struct rule *r, const char *ifname, uint32_t g)
{
    for (int o = 0; o < r->c.nout; o++)
        if (strcmp(r->c.out[o].ifname, ifname) == 0 && !r->c.out[o].unicast &&
            (r->c.out[o].group ? r->c.out[o].group : r->c.group) == g)
            return true;
    return false;
}

static void attach_rule(const struct rule *r)
{
    struct rule_conf c;
    memset(&c, 0, sizeof(c)); /* compared with memcmp */
    c = r->c;
    memset(c.name, 0, sizeof(c.name));
    memset(c.out, 0, sizeof(c.out));
    c.nout = 0;
    if (snprintf(c.name, sizeof(c.name), PREFIX "%s", r->c.name) >= (int)sizeof(c.name))
        return; /* the user's name is too long to derive ours from */
    /* Each group the rule publishes (one per distinct output group). */
    for (int o = 0; o < r->c.nout; o++) {
        uint32_t g = r->c.out[o].group ? r->c.out[o].group : r->c.group;
        bool seen = false;
        for (int p = 0; p < o && !seen; p++)
            seen = (r->c.out[p].group ? r->c.out[p].group : r->c.group) == g;
        if (seen)
            continue;
        unsigned oifs[MRIB_MAX_OIFS * 2];
        unsigned n = wanted_oifs(r->c.vip, g, oifs, sizeof(oifs) / sizeof(oifs[0]));
        for (unsigned i = 0; i < n && c.nout < RULE_MAX_OUTPUTS; i++) {
            struct rule_output out;
            memset(&out, 0, sizeof(out));
            if (!if_indextoname(oifs[i], out.ifname) || strcmp(out.ifname, r->c.in_if) == 0 ||
                served(r, out.ifname, g))
                continue;
            out.group = g == r->c.group ? 0 : g;
            out.port = r->c.out[o].port;
            out.ttl = r->c.out[o].ttl;
            c.out[c.nout++] = out;
        }
    }
    if (c.nout)
        genrule_want(GENRULE_ATTACH, &c);
}

static void resync(void)
{
    dirty = false;
    genrule_begin(GENRULE_ATTACH);
    if (started)
        for (struct rule *r = rules; r; r = r->next)
            if (!genrule_is_ours(r->c.name))
                attach_rule(r);
    genrule_end(GENRULE_ATTACH);
}

static void on_mrib(const struct mrib_view *v, enum ext_change what, void *ctx)
{
    /* Not from inside the MRIB's change: rules change the normalizer's
     * tables, which is for the tick. */
    dirty = true;
}

static uint64_t on_tick(void *ctx)
{
    if (!started)
        return EVENT_NEVER;
    if (dirty || now_ms >= next_check) {
        /* The user's rules change without telling us: look every second. */
        next_check = now_ms + RECHECK_MS;
        resync();
    }
    return dirty ? now_ms : next_check;
}

static void on_start(void *ctx)
{
    started = true;
    next_check = now_ms;
}

static void on_stop(void *ctx)
{
    started = false;
    resync();
}

void attach_register(void)
{
    mrib_on_change(on_mrib, NULL);
    ext_on_lifecycle(on_start, on_stop, NULL);
    event_add_tick(on_tick, NULL);
}
