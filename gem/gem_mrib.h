/* Where the MRIB wants a group's traffic, for the GEM egress
 * (`gem-receive G mrib true`): the interfaces with downstream interest
 * (IGMP members, PIM joins) in (S,G) or (*,G), as the kernel would forward a
 * datagram from S to G that arrived on the RPF interface toward S.  Kept
 * apart from gem_receive.c so the rules can be tested on the MRIB alone. */
#ifndef GEM_GEM_MRIB_H
#define GEM_GEM_MRIB_H

#include <netinet/in.h>

#include "mcast/mrib.h"

#define GEM_MRIB_MAX MRIB_MAX_OIFS

/* The interfaces a datagram from s to g goes out on: the (S,G) entry's oifs
 * and the (*,G) entry's, each through the MRIB's forwarding filter (PIM's DR
 * rule), never on the RPF interface toward S (where S's own traffic comes
 * from: no loop), and an IGMP-only (*,G) oif where IGMP excludes S left out
 * (as mroute.c does).  s INADDR_ANY: a source with no state of its own yet,
 * (*,G)'s oifs only.  Returns how many (at most GEM_MRIB_MAX), in out. */
unsigned gem_mrib_oifs(struct in_addr s, struct in_addr g, unsigned out[GEM_MRIB_MAX]);

/* The oifs of one entry that a GEM egress serves (the mroute record's
 * gem-oifs): those that forward, less the entry's iif. */
unsigned gem_mrib_entry_oifs(const struct mrib_view *e, unsigned out[GEM_MRIB_MAX]);

#endif
