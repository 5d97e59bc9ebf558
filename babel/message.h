/* Protocol logic for received TLVs and the messages we send: Hellos, IHUs,
 * Updates, Route and Seqno Requests, Acks. */
#ifndef BABEL_MESSAGE_H
#define BABEL_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "babel/interface.h"
#include "babel/neighbour.h"
#include "babel/route.h"

/* Handles one received datagram. */
void message_receive(struct interface *ifp, const uint8_t src[16], const uint8_t dst[16],
                     const uint8_t *pkt, size_t len);

void send_hello(struct interface *ifp);
/* Queues an update for one destination (or a full dump when p is NULL) on
 * one interface, or on all when ifp is NULL.  urgent: send soon. */
void send_update(struct interface *ifp, const struct prefix *p, const struct prefix *src,
                 bool urgent);
/* Writes the queued updates of an interface into its buffer. */
void flush_updates(struct interface *ifp);
void send_route_request(struct neighbour *n, struct interface *ifp, const struct prefix *p,
                        const struct prefix *src);
void send_seqno_request(struct neighbour *n, struct interface *ifp, const struct prefix *p,
                        const struct prefix *src, const uint8_t id[8], uint16_t seqno,
                        uint8_t hop_count);
/* At exit: retract everything we announce. */
void send_retractions_all(void);

/* Counters, for the local interface and tests. */
struct message_stats {
    uint64_t rx_packets, rx_bad_packets, rx_truncated, rx_skipped[SKIP_REASON_COUNT];
    uint64_t tx_packets, tx_errors;
};
extern struct message_stats msg_stats;

#endif
