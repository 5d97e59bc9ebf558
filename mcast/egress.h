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
#include <sys/socket.h>
#include <sys/uio.h>

struct egress_sock {
    int fd;
    bool unicast;
    uint32_t src; /* bound address (network order), 0 if none */
    unsigned ifindex;
    uint8_t ttl;
    unsigned mtu;  /* of the interface, set by the control plane; 0: unknown */
    bool no_gso;   /* the worker saw UDP_SEGMENT fail here: never again */
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
/* Consecutive datagrams of one size to one destination go out as one
 * UDP_SEGMENT (GSO) send of up to this many: the kernel cuts them apart
 * again, byte for byte, at a fraction of the cost of separate sends. */
#define EGRESS_GSO_SEGS 48
#define EGRESS_GSO_MAX 65000

struct egress_entry {
    struct egress_sock *sock;
    struct msghdr msg;
    struct sockaddr_in dst;
    struct iovec iov[EGRESS_GSO_SEGS];
    unsigned niov;
    size_t seglen, total;
    union {
        char buf[CMSG_SPACE(sizeof(uint16_t))];
        struct cmsghdr align;
    } cmsg;
    struct egress_counts *counts;
};

struct egress_batch {
    struct io_uring ring;
    bool ring_ok;
    bool gso;
    unsigned n;
    struct egress_entry e[EGRESS_BATCH];
    uint64_t submitted, syscalls, datagrams;
};

int egress_batch_init(struct egress_batch *b);
void egress_batch_free(struct egress_batch *b);
/* Queues one datagram (the payload must stay valid until the next
 * egress_flush); flushes first when the batch is full. */
void egress_queue(struct egress_batch *b, struct egress_sock *s, uint32_t dst, uint16_t port,
                  const void *data, size_t len, struct egress_counts *counts);
/* Submits what is queued, waits for every completion and counts them. */
void egress_flush(struct egress_batch *b);

#endif
