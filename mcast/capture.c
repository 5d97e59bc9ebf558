#include "mcast/capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define BLOCK_SIZE (1u << 18) /* 256 KiB */
#define NBLOCKS 64            /* 16 MiB per input */
#define FRAME_SIZE 2048       /* the ring's nominal frame: a hint in V3 */
#define RETIRE_MS 2           /* a partly filled block goes to us after this */

struct capture *capture_open(unsigned ifindex)
{
    struct capture *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->ifindex = ifindex;
    c->igmp_fd = -1;
    c->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
    if (c->fd < 0)
        goto fail;
    /* Nothing is bound yet, so nothing queues up before the ring exists;
     * binding last means the ring only ever sees this interface. */
    int v = TPACKET_V3;
    if (setsockopt(c->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0)
        goto fail;
    int one = 1;
    setsockopt(c->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
    struct tpacket_req3 req = {
        .tp_block_size = BLOCK_SIZE,
        .tp_block_nr = NBLOCKS,
        .tp_frame_size = FRAME_SIZE,
        .tp_frame_nr = (BLOCK_SIZE / FRAME_SIZE) * NBLOCKS,
        .tp_retire_blk_tov = RETIRE_MS,
    };
    if (setsockopt(c->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
        goto fail;
    c->block_size = BLOCK_SIZE;
    c->nblocks = NBLOCKS;
    c->map_len = (size_t)BLOCK_SIZE * NBLOCKS;
    c->map = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, c->fd, 0);
    if (c->map == MAP_FAILED)
        c->map = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
    if (c->map == MAP_FAILED) {
        c->map = NULL;
        goto fail;
    }
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = (int)ifindex,
    };
    if (bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
        goto fail;
    return c;
fail:;
    int e = errno;
    capture_close(c);
    errno = e;
    return NULL;
}

void capture_close(struct capture *c)
{
    if (!c)
        return;
    if (c->map)
        munmap(c->map, c->map_len);
    if (c->fd >= 0)
        close(c->fd);
    if (c->igmp_fd >= 0)
        close(c->igmp_fd);
    free(c);
}

int capture_add_group(struct capture *c, uint32_t group)
{
    for (unsigned i = 0; i < c->ngroups; i++)
        if (c->groups[i] == group)
            return 0;
    if (c->ngroups == sizeof(c->groups) / sizeof(c->groups[0])) {
        errno = ENOSPC;
        return -1;
    }
    c->groups[c->ngroups++] = group;
    if (c->igmp_fd < 0)
        c->igmp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (c->igmp_fd >= 0) {
        struct ip_mreqn mreq = {.imr_multiaddr.s_addr = group, .imr_ifindex = (int)c->ifindex};
        setsockopt(c->igmp_fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq));
    }
    uint32_t h = ntohl(group);
    struct packet_mreq mr = {
        .mr_ifindex = (int)c->ifindex,
        .mr_type = PACKET_MR_MULTICAST,
        .mr_alen = 6,
        .mr_address = {0x01, 0x00, 0x5e, (uint8_t)((h >> 16) & 0x7f), (uint8_t)(h >> 8),
                       (uint8_t)h},
    };
    return setsockopt(c->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr));
}

unsigned capture_drain(struct capture *c, capture_fn fn, void (*done)(void *ctx), void *ctx,
                       unsigned max_blocks)
{
    unsigned frames = 0;
    for (unsigned b = 0; b < max_blocks; b++) {
        struct tpacket_block_desc *bd =
            (struct tpacket_block_desc *)(c->map + (size_t)c->next_block * c->block_size);
        if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
            break;
        uint32_t n = bd->hdr.bh1.num_pkts;
        const uint8_t *p = (const uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
        for (uint32_t i = 0; i < n; i++) {
            const struct tpacket3_hdr *h = (const struct tpacket3_hdr *)p;
            const struct sockaddr_ll *sll =
                (const struct sockaddr_ll *)((const uint8_t *)h +
                                             TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
            if (sll->sll_pkttype != PACKET_OUTGOING) {
                struct capture_frame f = {
                    .data = (const uint8_t *)h + h->tp_mac,
                    .len = h->tp_snaplen,
                    .wirelen = h->tp_len,
                    .csum_partial = (h->tp_status & TP_STATUS_CSUMNOTREADY) != 0,
                    .vlan_valid = (h->tp_status & TP_STATUS_VLAN_VALID) != 0,
                    .vlan_tci = (uint16_t)h->hv1.tp_vlan_tci,
                };
                fn(&f, ctx);
                frames++;
            }
            p += h->tp_next_offset;
        }
        if (done)
            done(ctx);
        __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        c->next_block = (c->next_block + 1) % c->nblocks;
    }
    return frames;
}

uint64_t capture_ring_drops(struct capture *c)
{
    struct tpacket_stats_v3 st;
    socklen_t len = sizeof(st);
    if (getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
        c->ring_drops += st.tp_drops;
    return c->ring_drops;
}
