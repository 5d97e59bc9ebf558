/* IPv4 reassembly for the normalizer: fragments of one datagram (source,
 * destination, protocol, id) are put together and handed back whole.
 * Memory is bounded (REASM_MAX_PENDING datagrams, each at most 65535 bytes,
 * REASM_MAX_BYTES in all) and an incomplete datagram expires after
 * REASM_TIMEOUT_MS.  One reassembler per worker thread: no locking. */
#ifndef MCAST_REASM_H
#define MCAST_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcast/frame.h"

#define REASM_MAX_PENDING 64
#define REASM_MAX_BYTES (4u * 1024 * 1024)
#define REASM_TIMEOUT_MS 2000

struct reasm_entry;

struct reasm_stats {
    uint64_t fragments, datagrams, expired, evicted, overlaps, oversized;
};

struct reasm {
    struct reasm_entry *pending; /* a list, oldest last */
    unsigned npending;
    size_t bytes;
    struct reasm_stats st;
};

/* A reassembled datagram: the whole IP payload, in a buffer the caller
 * frees with reasm_done(). */
struct reasm_datagram {
    uint32_t src, dst;
    uint8_t ttl;
    uint8_t *l4;
    size_t l4_len;
    bool csum_partial;
};

void reasm_init(struct reasm *r);
void reasm_free(struct reasm *r);
/* Adds one fragment (v from frame_parse, result FRAME_FRAGMENT) at time
 * now_ms.  Returns 1 with *out filled when it completed a datagram, 0 when
 * more is needed, or -1 when the fragment was dropped (FRAME_OVERSIZED or
 * FRAME_BAD_IP_HEADER in *why). */
int reasm_add(struct reasm *r, const struct frame_view *v, bool csum_partial, uint64_t now_ms,
              struct reasm_datagram *out, enum frame_result *why);
void reasm_done(struct reasm_datagram *d);
/* Drops what has waited longer than the timeout. */
void reasm_expire(struct reasm *r, uint64_t now_ms);

#endif
