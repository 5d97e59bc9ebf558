/* An outgoing packet being filled: multicast on an interface, or unicast to
 * one neighbour.  It is sent when full or when its deadline passes. */
#ifndef BABEL_SENDBUF_H
#define BABEL_SENDBUF_H

#include <stdbool.h>
#include <stdint.h>

#include "babel/packet.h"

#define SENDBUF_MAX 1500
/* Beyond the packet size: where RFC 8967's PC and MAC TLVs go when a key
 * was configured after the packet was started (see mac.h). */
#define SENDBUF_TRAILER_ROOM 96

struct sendbuf {
    uint8_t data[SENDBUF_MAX + SENDBUF_TRAILER_ROOM];
    struct pkt_writer w;
    size_t cap;         /* packet size for this link */
    uint64_t deadline;  /* 0: nothing waiting */
    unsigned ifindex;
    uint8_t dst[16];
};

void sendbuf_init(struct sendbuf *b, unsigned ifindex, const uint8_t dst[16], size_t cap);
/* Makes sure the packet goes out at most delay_ms from now. */
void sendbuf_schedule(struct sendbuf *b, uint64_t delay_ms);
/* Sends what is buffered (if anything) and starts a new packet. */
void sendbuf_flush(struct sendbuf *b);
/* Flushes when the deadline has passed; returns the (next) deadline. */
uint64_t sendbuf_tick(struct sendbuf *b);

/* Wrap a put: on "no room", flush and retry once on an empty packet. */
#define SENDBUF_PUT(b, call)                                                                       \
    ({                                                                                             \
        int rc_ = (call);                                                                          \
        if (rc_ < 0 && !pkt_writer_empty(&(b)->w)) {                                               \
            sendbuf_flush(b);                                                                      \
            rc_ = (call);                                                                          \
        }                                                                                          \
        rc_;                                                                                       \
    })

#endif
