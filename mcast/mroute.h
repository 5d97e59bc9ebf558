/* The kernel's IPv4 multicast routing, driven by the MRIB: one raw IGMP
 * socket per network namespace with MRT_INIT, a virtual interface (vif) for
 * every mcast-interface and every interface an entry uses, and MFC entries
 * for (S,G) traffic.  A (*,G) MRIB entry becomes (S,G) MFC entries when the
 * kernel reports traffic from S it has no entry for (IGMPMSG_NOCACHE): the
 * iif is the RPF interface toward S, the oifs those of (*,G) and (S,G).  An
 * entry derived that way goes after MROUTE_IDLE_MS without traffic.
 *
 * The same socket carries IGMP: messages addressed to us arrive on it, and
 * IGMP queries leave by it (TTL 1, Router Alert). */
#ifndef MCAST_MROUTE_H
#define MCAST_MROUTE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "babel/extension.h"
#include "mcast/mrib.h"

#define MROUTE_IDLE_MS 210000 /* like PIM's Keepalive period (RFC 7761) */

/* Called by the MRIB only. */
void mroute_register(void);
int mroute_start(void);
void mroute_stop(void);
void mroute_entry_changed(const struct mrib_view *v, enum ext_change what);
/* Babel's route toward p moved (NULL: anything may have): the entries
 * whose source it covers look at their RPF again. */
struct prefix;
void mroute_routes_changed(const struct prefix *p);
/* Rewrites the kernel's entries of one group (after an exclusion changed). */
void mroute_sync_group(struct in_addr g);
uint64_t mroute_tick(void);
void mroute_dump(void (*emit)(const char *line, void *out), void *out);

/* IGMP's use of the socket: every IGMP message that reaches us (the whole
 * IP packet, header included) with the interface it came in on. */
typedef void (*mroute_igmp_fn)(unsigned ifindex, const uint8_t *pkt, size_t len, void *ctx);
void mroute_on_igmp(mroute_igmp_fn fn, void *ctx);
/* Sends an IGMP message (without IP header) out of one interface, with TTL 1
 * and the Router Alert option.  0 or -1. */
int mroute_send_igmp(unsigned ifindex, struct in_addr dst, const uint8_t *msg, size_t len);
/* Joins or leaves a group on an interface (224.0.0.22 for IGMPv3 reports,
 * 224.0.0.2 for IGMPv2 leaves).  0 or -1. */
int mroute_join(unsigned ifindex, struct in_addr group, bool join);
/* Makes sure an interface is a vif (so its traffic can be forwarded and
 * its IGMP reaches us); 0 or -1. */
int mroute_want_vif(unsigned ifindex);

/* Native sources (mcast/native_sa.c): fn hears of every IGMPMSG_NOCACHE
 * upcall, traffic from s to g that arrived on ifindex with no MFC entry,
 * after the entry for it has been installed (so the source's next packets
 * are counted, not reported).  One subscriber. */
typedef void (*mroute_nocache_fn)(struct in_addr s, struct in_addr g, unsigned ifindex, void *ctx);
void mroute_on_nocache(mroute_nocache_fn fn, void *ctx);
/* The kernel's packet count of its (s, g) MFC entry (SIOCGETSGCNT): 0, or
 * -1 when it has none. */
int mroute_sg_count(struct in_addr s, struct in_addr g, unsigned long *pkts);
/* Every (S,G) entry in the kernel now, with its incoming interface. */
void mroute_foreach_sg(void (*fn)(struct in_addr s, struct in_addr g, unsigned iif, void *ctx),
                       void *ctx);

#endif
