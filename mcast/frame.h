/* A pure parser for captured frames: Ethernet, up to two 802.1Q/802.1ad
 * tags, IPv4 and UDP, with every length and checksum checked.  It never
 * copies: the view points into the caller's buffer. */
#ifndef MCAST_FRAME_H
#define MCAST_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What became of a frame.  FRAME_OK and FRAME_FRAGMENT are to be relayed
 * (the latter through reassembly); FRAME_NOT_IPV4 and FRAME_NOT_UDP are
 * traffic we do not handle (ignored, not errors); the rest are drops,
 * counted by reason. */
enum frame_result {
    FRAME_OK = 0,
    FRAME_FRAGMENT,
    FRAME_NOT_IPV4,
    FRAME_NOT_UDP,
    FRAME_TRUNCATED,       /* shorter than its headers say */
    FRAME_BAD_IP_HEADER,   /* version, header length, total length */
    FRAME_BAD_IP_CHECKSUM,
    FRAME_BAD_UDP_LENGTH,
    FRAME_BAD_UDP_CHECKSUM,
    FRAME_OVERSIZED,       /* a reassembled datagram over 65535 bytes */
    FRAME_RESULT_COUNT
};

/* The record field name of each result ("ok", "bad-ip-checksum", ...). */
const char *frame_result_name(enum frame_result r);

struct frame_view {
    int vlans;          /* tags skipped */
    uint16_t vlan_id;   /* of the outer tag, if any */
    const uint8_t *ip;  /* IPv4 header */
    size_t ip_len;      /* total length from the header */
    size_t ihl;         /* header length in bytes */
    uint32_t src, dst;  /* network order */
    uint8_t ttl, proto;
    uint16_t id;        /* host order */
    size_t frag_off;    /* in bytes */
    bool more_frags;
    const uint8_t *l4;  /* the IP payload */
    size_t l4_len;
    uint16_t sport, dport; /* host order, FRAME_OK only */
    const uint8_t *payload;
    size_t payload_len;
};

/* Parses an Ethernet frame.  `csum_partial`: the kernel says the UDP
 * checksum is not yet filled in (a local sender's offload), so it is not
 * checked. */
enum frame_result frame_parse(const uint8_t *buf, size_t len, bool csum_partial,
                              struct frame_view *v);

/* Parses the UDP header of a whole datagram (l4, l4_len: the IP payload;
 * src and dst for the pseudo-header) and fills sport, dport, payload. */
enum frame_result frame_parse_udp(const uint8_t *l4, size_t l4_len, uint32_t src, uint32_t dst,
                                  bool csum_partial, struct frame_view *v);

/* The Internet checksum (RFC 1071) of a buffer, folded, not inverted,
 * continuing from `sum`. */
uint32_t inet_sum(const void *buf, size_t len, uint32_t sum);
uint16_t inet_fold(uint32_t sum);

#endif
