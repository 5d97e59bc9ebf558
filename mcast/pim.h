/* PIM-SM (RFC 7761), IPv4, on the interfaces `mcast-interface ... pim true`
 * names: Hellos, neighbours and DR election, Join/Prune for (*,G) and
 * (S,G) toward the RPF neighbour of Babel's selected route, received joins
 * as MRIB outgoing interfaces, Asserts, a static RP and the SSM range
 * 232/8 served with (S,G) only.  (*,G) interest also becomes (S,G) joins
 * toward every source the Source-Active table knows for G.  Registers are
 * not sent or handled.  The codec is mcast/pim_codec.h; the protocol is
 * pim.c (socket, Hellos, neighbours, DR, directives, records) and pim_jp.c
 * (join/prune state, asserts, SA-driven joins).
 *
 * Directives: `pim-rp ADDR [group PREFIX]` (`flush pim-rp ...` at run
 * time), `pim-hello-interval SECONDS` (default 30),
 * `pim-join-prune-interval SECONDS` (default 60).  Records: pim-rp,
 * pim-interface, pim-neighbour, pim-upstream, pim-downstream, pim-assert,
 * pim-stats (README.mcr, "PIM-SM"). */
#ifndef MCAST_PIM_H
#define MCAST_PIM_H

#include <netinet/in.h>

#define PIM_DEFAULT_HELLO_INTERVAL 30 /* s, Hello_Period */
#define PIM_DEFAULT_JP_INTERVAL 60    /* s, t_periodic */

/* Registers the directives, records and lifecycle hooks (from mcast_init,
 * after mcif_register and mrib_register). */
void pim_register(void);

/* The RP of a group: 0, or -1 when none (no pim-rp covers it, or it lies
 * in the SSM range). */
int pim_rp_of(struct in_addr g, struct in_addr *rp);

#endif
