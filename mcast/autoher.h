/* auto-her: on a mcast-interface with `auto-her true` whose link has no
 * IFF_MULTICAST (a TUN, a tunnel), downstream state (IGMP members, PIM
 * joins) becomes unicast replication to the link's far end: for every MRIB
 * entry with such an oif, a normalizer rule (mcast/rule.h) named
 * her-SSSSSSSSGGGGGGGG-IFINDEX captures (S,G) (or G from any source) on the
 * entry's incoming interface (for a (*,G) without RPF, on every other
 * multicast-capable mcast-interface) and sends it out of the oif, which the
 * normalizer does as unicast to the point-to-point peer.  The kernel's MFC
 * entries leave those oifs out. */
#ifndef MCAST_AUTOHER_H
#define MCAST_AUTOHER_H

#include <stdbool.h>

/* From mcast_init, after mrib_register and norm_init. */
void autoher_register(void);
/* Whether an oif is served by unicast replication (not by the kernel). */
bool autoher_owns(unsigned ifindex);

#endif
