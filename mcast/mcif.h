/* mcast-interface: which interfaces run IGMP and PIM, and how.
 *
 *   mcast-interface IF [igmp true|false] [pim true|false] [igmp-version 2|3]
 *                      [dr-priority N] [auto-her true|false]
 *                      [igmp-robustness N] [igmp-query-interval S]
 *                      [igmp-query-response-interval S]
 *                      [igmp-last-member-query-interval S]
 *                      [sa-originate true|false]
 *
 * Defaults: igmp true, pim true, igmp-version 3, dr-priority 1, auto-her
 * false, sa-originate true (native sources on the interface's subnets
 * originate Source-Active entries: mcast/native_sa.h), and RFC 3376's
 * timers: robustness 2, query interval 125 s, query response interval
 * 10 s, last member query interval 1 s (the intervals
 * in seconds with at most one decimal; the response interval must be
 * below the query interval).  The directive works in babeld.conf, with -C
 * and on a read-write local socket (a later line for the same IF replaces
 * its settings); `flush mcast-interface IF` removes it. */
#ifndef MCAST_MCIF_H
#define MCAST_MCIF_H

#include <net/if.h>
#include <stdbool.h>

#include "babel/extension.h"

struct mcif_conf {
    char name[IF_NAMESIZE];
    bool igmp;
    bool pim;
    int igmp_version; /* 2 or 3 */
    unsigned dr_priority;
    bool auto_her;
    /* IGMP timers (added by the IGMP side; PIM ignores them). */
    unsigned igmp_robustness;    /* 1..7 */
    unsigned igmp_query_interval; /* s, 1..31744 */
    unsigned igmp_qri_ds;        /* query response interval, 1/10 s */
    unsigned igmp_lmqi_ds;       /* last member query interval, 1/10 s */
    bool sa_originate;           /* native sources here originate SAs */
};

/* Registers the directive and the flush handler (from mcast_init). */
void mcif_register(void);
/* NULL when IF is not a mcast-interface. */
const struct mcif_conf *mcif_find(const char *ifname);
void mcif_foreach(void (*fn)(const struct mcif_conf *c, void *ctx), void *ctx);
/* Called after an interface is configured (EXT_ADD), reconfigured
 * (EXT_CHANGE) or removed (EXT_FLUSH), at start-up for every configured
 * one once the daemon runs, and at run time.  0 or -1. */
typedef void (*mcif_change_fn)(const struct mcif_conf *c, enum ext_change what, void *ctx);
int mcif_on_change(mcif_change_fn fn, void *ctx);

#endif
