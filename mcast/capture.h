/* AF_PACKET ingress: one TPACKET_V3 receive ring per input interface.
 * Outgoing frames (our own sends among them) are never seen: the socket
 * asks the kernel to leave them out (PACKET_IGNORE_OUTGOING) and the frame's
 * packet type is checked too.  The control plane opens and closes rings; a
 * worker thread reads them. */
#ifndef MCAST_CAPTURE_H
#define MCAST_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct capture {
    int fd;
    unsigned ifindex;
    uint8_t *map;
    size_t map_len;
    unsigned block_size, nblocks, next_block;
    int refs; /* control plane's */
    /* Groups joined on the link (MAC filter and IGMP), control plane's. */
    int igmp_fd;
    unsigned ngroups;
    uint32_t groups[64];
    uint64_t ring_drops; /* frames the kernel found no room for, so far */
};

/* Opens a ring on ifindex; NULL with errno on failure. */
struct capture *capture_open(unsigned ifindex);
void capture_close(struct capture *c);
/* Joins a multicast group on the link: its MAC (so a NIC that filters lets
 * it in) and an IGMP membership (so a snooping switch sends it); once per
 * group.  0 or -1. */
int capture_add_group(struct capture *c, uint32_t group);

/* Adds the kernel's count of frames dropped for want of room in the ring
 * since the last call to c->ring_drops, and returns the total (control
 * plane). */
uint64_t capture_ring_drops(struct capture *c);

/* Frame callback: data/len as captured (from the MAC header), with the
 * kernel's word on the checksum and the original length. */
struct capture_frame {
    const uint8_t *data;
    size_t len;     /* captured */
    size_t wirelen; /* on the wire */
    bool csum_partial;
    bool vlan_valid;   /* a tag the kernel took out of the frame */
    uint16_t vlan_tci;
};
typedef void (*capture_fn)(const struct capture_frame *f, void *ctx);

/* Walks the ready blocks, calling fn for each frame and `done` after each
 * block (before the block goes back to the kernel, so buffers handed out
 * stay valid until `done` returns).  Returns the number of frames. */
unsigned capture_drain(struct capture *c, capture_fn fn, void (*done)(void *ctx), void *ctx,
                       unsigned max_blocks);

#endif
