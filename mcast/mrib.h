/* The multicast RIB (IPv4): (S,G) and (*,G) entries, each with an incoming
 * interface from Babel's route toward S (or toward the RP for (*,G)) and
 * outgoing interfaces contributed by IGMP membership and PIM joins.  The
 * MRIB programs routable traffic into the kernel's multicast forwarding
 * (mcast/mroute.h: MRT_INIT, vifs, MFC entries) and re-computes RPF when
 * Babel's routes change. */
#ifndef MCAST_MRIB_H
#define MCAST_MRIB_H

#include <netinet/in.h>
#include <stdbool.h>

#include "babel/extension.h"

enum mrib_origin {
    MRIB_FROM_IGMP = 1u << 0,
    MRIB_FROM_PIM = 1u << 1,
};

#define MRIB_MAX_OIFS 32

struct mrib_view {
    struct in_addr source;        /* INADDR_ANY for (*,G) */
    struct in_addr group;
    unsigned iif;                 /* 0: no route toward the source (or RP) */
    struct in_addr rpf_neighbour; /* next hop toward S (or the RP); INADDR_ANY
                                     when it is on-link or local */
    unsigned noifs;
    unsigned oifs[MRIB_MAX_OIFS];        /* ifindexes */
    unsigned oif_origins[MRIB_MAX_OIFS]; /* enum mrib_origin bits, per oif */
};

/* 224.0.0.0/24, the Local Network Control Block (RFC 5771): link-local,
 * never forwarded, so never in the MRIB nor in IGMP or PIM state. */
static inline bool mrib_group_is_local(struct in_addr g)
{
    return (ntohl(g.s_addr) >> 8) == 0xe00000;
}

/* Registers records and lifecycle hooks (from mcast_init). */
void mrib_register(void);

/* Downstream interest of an interface in (S,G), or (*,G) with source
 * INADDR_ANY.  Idempotent per (entry, ifindex, origin); an entry goes when
 * its last oif of every origin goes.  0, or -1 on bad arguments. */
int mrib_add_oif(struct in_addr s, struct in_addr g, unsigned ifindex, unsigned origin);
int mrib_del_oif(struct in_addr s, struct in_addr g, unsigned ifindex, unsigned origin);

/* IGMP's EXCLUDE mode: (*,G) traffic from S is not forwarded on ifindex,
 * unless PIM's (*,G) state or an (S,G) entry wants that oif there too.
 * Idempotent; 0, or -1 on bad arguments or when the table is full.
 * (Added by the IGMP/MRIB side.) */
int mrib_set_excluded(struct in_addr s, struct in_addr g, unsigned ifindex, bool excluded);
bool mrib_is_excluded(struct in_addr s, struct in_addr g, unsigned ifindex);

/* RPF toward an address, from Babel's selected route (babel/metrics.h):
 * the interface and the next hop (INADDR_ANY when on-link or ours).  The
 * router's connected subnets (and point-to-point peers) count as routes
 * too: the longest match wins, a connected subnet on a tie.  0, or -1 when
 * there is no route. */
int mrib_rpf(struct in_addr addr, unsigned *ifindex, struct in_addr *neighbour);

/* Whether an address is one of ours (on any interface). */
bool mrib_is_local_addr(struct in_addr a);

/* PIM tells the MRIB the RP of a group (static pim-rp); without it (*,G)
 * entries have no RPF toward an RP. */
void mrib_set_rp_lookup(int (*fn)(struct in_addr g, struct in_addr *rp, void *ctx), void *ctx);

/* Which oifs the kernel forwards on: by default every oif of an entry.
 * PIM may narrow it (an IGMP-only oif counts only where we are the DR,
 * RFC 7761 4.1.6): fn gets the oif and its origin bits and says whether to
 * forward there.  Call mrib_forwarding_changed() when fn's answers change
 * (a DR election), so the kernel's entries are rebuilt.  (Added by the
 * IGMP/MRIB side.) */
void mrib_set_forward_filter(bool (*fn)(unsigned ifindex, unsigned origins, void *ctx), void *ctx);
bool mrib_forwards(unsigned ifindex, unsigned origins);
void mrib_forwarding_changed(void);

/* The kernel saw (S,G) traffic arrive on one of the entry's outgoing
 * interfaces (IGMPMSG_WRONGVIF): another router forwards onto that link,
 * and PIM may start an Assert there (RFC 7761 4.6).  Setting fn turns the
 * kernel's MRT_ASSERT on; the kernel reports at most one per entry every
 * 3 s.  (Added by the IGMP/MRIB side.) */
void mrib_on_wrong_iif(void (*fn)(struct in_addr s, struct in_addr g, unsigned ifindex, void *ctx),
                       void *ctx);

/* Words added at the end of an mroute record by another module (the GEM
 * egress names the oifs it serves: ` gem-oifs IF,...`): fn writes at most
 * len - 1 octets and a NUL into buf, "" for none.  (Added by the GEM side.) */
void mrib_set_record_extra(void (*fn)(const struct mrib_view *e, char *buf, size_t len, void *ctx),
                           void *ctx);

/* 0, or -1 when there is no such entry. */
int mrib_get(struct in_addr s, struct in_addr g, struct mrib_view *out);
void mrib_foreach(void (*fn)(const struct mrib_view *e, void *ctx), void *ctx);

/* Called after an entry appears (EXT_ADD), changes (oifs, iif or RPF
 * neighbour, e.g. when Babel's route toward S moves: in the same pass of
 * the event loop as the route change) or goes (EXT_FLUSH). */
typedef void (*mrib_change_fn)(const struct mrib_view *e, enum ext_change what, void *ctx);
int mrib_on_change(mrib_change_fn fn, void *ctx);

#endif
