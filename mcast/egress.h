/* Egress: UDP sockets the data plane sends from, and io_uring batches of
 * sendmsg.  A multicast socket is bound to the rule's VIP (or left to the
 * kernel's choice of the interface address when the rule has none) with
 * IP_MULTICAST_IF on the output interface, the output's TTL and loopback
 * off; a unicast (HER) socket is bound to the interface's address and to
 * the device.  The kernel fragments what exceeds the MTU. */
#ifndef MCAST_EGRESS_H
#define MCAST_EGRESS_H

#include <liburing.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct egress_sock {
    int fd;
    bool unicast;
    uint32_t src; /* bound address (network order), 0 if none */
    unsigned ifindex;
    uint8_t ttl;
    int refs; /* control plane's */
    struct egress_sock *next;
};

/* Opens a socket; NULL with errno. */
struct egress_sock *egress_open(bool unicast, uint32_t src, unsigned ifindex, uint8_t ttl);
void egress_close(struct egress_sock *s);

/* Counters the batch adds its completions to (one writer: the worker). */
struct egress_counts {
    uint64_t packets, bytes, drops;
    int last_error;
};

#define EGRESS_BATCH 256

struct egress_batch {
    struct io_uring ring;
    bool ring_ok;
    unsigned n;
    struct msghdr msg[EGRESS_BATCH];
    struct iovec iov[EGRESS_BATCH];
    struct sockaddr_in dst[EGRESS_BATCH];
    struct egress_counts *counts[EGRESS_BATCH];
    uint64_t submitted, syscalls;
};

int egress_batch_init(struct egress_batch *b);
void egress_batch_free(struct egress_batch *b);
/* Queues one datagram (the payload must stay valid until the next
 * egress_flush); flushes first when the batch is full. */
void egress_queue(struct egress_batch *b, int fd, uint32_t dst, uint16_t port, const void *data,
                  size_t len, struct egress_counts *counts);
/* Submits what is queued, waits for every completion and counts them. */
void egress_flush(struct egress_batch *b);

#endif
