#include "babel/sendbuf.h"

#include <string.h>

#include "babel/mac.h"
#include "babel/interface.h"
#include "babel/message.h"
#include "babel/net.h"

/* On an interface with a key, the TLVs leave room for the PC and MACs. */
static size_t writer_cap(const struct sendbuf *b)
{
    size_t keep = mac_overhead(b->ifindex);
    return b->cap > 2 * keep ? b->cap - keep : b->cap;
}

void sendbuf_init(struct sendbuf *b, unsigned ifindex, const uint8_t dst[16], size_t cap)
{
    b->ifindex = ifindex;
    memcpy(b->dst, dst, 16);
    b->cap = cap > SENDBUF_MAX ? SENDBUF_MAX : cap;
    b->deadline = 0;
    pkt_writer_init(&b->w, b->data, writer_cap(b));
}

void sendbuf_schedule(struct sendbuf *b, uint64_t delay_ms)
{
    uint64_t when = now_ms + delay_ms;
    if (b->deadline == 0 || when < b->deadline)
        b->deadline = when;
}

void sendbuf_flush(struct sendbuf *b)
{
    if (!pkt_writer_empty(&b->w)) {
        size_t len = mac_seal(&b->w, sizeof(b->data), b->ifindex, b->dst);
        const struct interface *ifp = interface_by_index(b->ifindex);
        const uint8_t *src = ifp && ifp->have_ll ? ifp->ll : NULL;
        if (len == 0 || net_send(b->ifindex, src, b->dst, b->data, len) < 0)
            msg_stats.tx_errors++;
        else
            msg_stats.tx_packets++;
    }
    b->deadline = 0;
    pkt_writer_init(&b->w, b->data, writer_cap(b));
}

uint64_t sendbuf_tick(struct sendbuf *b)
{
    if (b->deadline && b->deadline <= now_ms)
        sendbuf_flush(b);
    return b->deadline ? b->deadline : UINT64_MAX;
}
