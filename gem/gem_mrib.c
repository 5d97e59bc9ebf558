/* The GEM egress's view of the MRIB (see gem_mrib.h). */
#include "gem/gem_mrib.h"

#include <stdbool.h>

static unsigned add(unsigned *out, unsigned n, unsigned ifindex)
{
    for (unsigned i = 0; i < n; i++)
        if (out[i] == ifindex)
            return n;
    if (n < GEM_MRIB_MAX)
        out[n++] = ifindex;
    return n;
}

static bool in_view(const struct mrib_view *v, unsigned ifindex)
{
    for (unsigned i = 0; i < v->noifs; i++)
        if (v->oifs[i] == ifindex)
            return true;
    return false;
}

unsigned gem_mrib_entry_oifs(const struct mrib_view *e, unsigned out[GEM_MRIB_MAX])
{
    unsigned n = 0;
    for (unsigned i = 0; i < e->noifs; i++)
        if (e->oifs[i] != e->iif && mrib_forwards(e->oifs[i], e->oif_origins[i]))
            n = add(out, n, e->oifs[i]);
    return n;
}

unsigned gem_mrib_oifs(struct in_addr s, struct in_addr g, unsigned out[GEM_MRIB_MAX])
{
    struct mrib_view sg, star;
    bool have_sg = s.s_addr != INADDR_ANY && mrib_get(s, g, &sg) == 0;
    unsigned n = have_sg ? gem_mrib_entry_oifs(&sg, out) : 0;
    if (mrib_get((struct in_addr){INADDR_ANY}, g, &star) < 0)
        return n;
    /* The RPF interface toward S, not the (*,G)'s toward the RP. */
    unsigned iif = 0;
    struct in_addr nb;
    if (have_sg)
        iif = sg.iif;
    else if (s.s_addr != INADDR_ANY && mrib_rpf(s, &iif, &nb) < 0)
        iif = 0;
    for (unsigned i = 0; i < star.noifs; i++) {
        unsigned oif = star.oifs[i], origins = star.oif_origins[i];
        if (oif == iif || !mrib_forwards(oif, origins))
            continue;
        if (s.s_addr != INADDR_ANY && !(origins & MRIB_FROM_PIM) &&
            mrib_is_excluded(s, g, oif) && !(have_sg && in_view(&sg, oif)))
            continue;
        n = add(out, n, oif);
    }
    return n;
}
