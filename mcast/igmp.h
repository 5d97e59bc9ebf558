/* IGMP, the router side (RFC 2236, RFC 3376): on every mcast-interface with
 * `igmp true`, querier election, general, group-specific and
 * group-and-source-specific queries, per-group INCLUDE/EXCLUDE state with
 * source lists and all of RFC 3376's timers, and the compatibility modes for
 * IGMPv1 and IGMPv2 hosts and queriers.  What receivers want becomes MRIB
 * oifs (mrib.h): an EXCLUDE-mode group is (*,G) on the interface, an
 * INCLUDE-mode group (S,G) for each source whose timer runs.
 *
 * Records: igmp-group G if IF ..., igmp-interface IF ..., igmp-stats. */
#ifndef MCAST_IGMP_H
#define MCAST_IGMP_H

#include <stddef.h>
#include <stdint.h>

/* Registers with mcast-interface, the MRIB's socket and the local
 * interface (from mcast_init, after mrib_register). */
void igmp_register(void);

/* What the MRT socket and the event loop drive (tests drive them too, with
 * now_ms set by hand): one IGMP packet, IP header included, received on an
 * interface; and the timers, returning when they next want to run. */
void igmp_input(unsigned ifindex, const uint8_t *pkt, size_t len);
uint64_t igmp_run_timers(void);

#endif
