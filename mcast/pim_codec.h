/* PIM-SM (RFC 7761) message codec, IPv4: bytes <-> structs, nothing else.
 * What the messages mean (neighbours, DR election, join/prune state,
 * asserts) is mcast/pim*.c's business.  The decoder never reads outside the
 * buffer it is given and takes a PIM message without its IP header.
 *
 * Header (4.9):  0 version 2 (high nibble) | type (low nibble)
 *                1 reserved (sent 0, ignored)
 *                2 checksum: the Internet checksum of the whole message
 * Encoded-Unicast: family 1, encoding 0, address (4)
 * Encoded-Group:   family 1, encoding 0, flags (B 0x80, Z 0x01), mask
 *                  length, group (4)
 * Encoded-Source:  family 1, encoding 0, flags (S 0x04, W 0x02, R 0x01),
 *                  mask length, source (4)
 * Hello (4.9.2):   options, each type (16), length (16), value
 * Join/Prune (4.9.5): upstream neighbour (Encoded-Unicast), reserved (1),
 *                  number of groups (1), holdtime (16); then each group:
 *                  Encoded-Group, joined count (16), pruned count (16),
 *                  joined then pruned Encoded-Sources
 * Assert (4.9.6):  Encoded-Group, source (Encoded-Unicast), R bit (0x80 of
 *                  the first byte) | metric preference (31 bits), metric (32)
 *
 * Multi-byte fields are in network order. */
#ifndef MCAST_PIM_CODEC_H
#define MCAST_PIM_CODEC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PIM_VERSION 2
#define PIM_HEADER_LEN 4

enum pim_type {
    PIM_HELLO = 0,
    PIM_REGISTER = 1,
    PIM_REGISTER_STOP = 2,
    PIM_JOIN_PRUNE = 3,
    PIM_BOOTSTRAP = 4,
    PIM_ASSERT = 5,
    PIM_GRAFT = 6,
    PIM_GRAFT_ACK = 7,
    PIM_CAND_RP_ADV = 8,
};

/* Hello options (4.9.2). */
#define PIM_OPT_HOLDTIME 1
#define PIM_OPT_LAN_PRUNE_DELAY 2
#define PIM_OPT_DR_PRIORITY 19
#define PIM_OPT_GENID 20
#define PIM_OPT_ADDRESS_LIST 24

/* Encoded-Source flags. */
#define PIM_SRC_S 0x04 /* sparse (always set) */
#define PIM_SRC_W 0x02 /* wildcard: (*,G), the address is the RP */
#define PIM_SRC_R 0x01 /* RPT: toward the RP */
#define PIM_GRP_B 0x80 /* bidirectional */
#define PIM_GRP_Z 0x01 /* admin scope zone */
#define PIM_ASSERT_R 0x80000000u

#define PIM_HELLO_MAX_ADDRS 16
#define PIM_JP_MAX_GROUPS 255  /* the count is one byte */
#define PIM_JP_MAX_SOURCES 512 /* per message; more is refused as too many */

struct pim_hello {
    bool has_holdtime, has_dr_priority, has_genid, has_lan_prune_delay;
    uint16_t holdtime; /* s; 0xffff never expires, 0 goodbye */
    uint32_t dr_priority;
    uint32_t genid;
    bool t_bit; /* join suppression disabled */
    uint16_t propagation_delay; /* ms (15 bits) */
    uint16_t override_interval; /* ms */
    unsigned naddrs;            /* secondary addresses (decode only) */
    struct in_addr addrs[PIM_HELLO_MAX_ADDRS];
};

struct pim_jp_source {
    struct in_addr addr;
    uint8_t masklen;
    uint8_t flags; /* PIM_SRC_* as on the wire */
};

struct pim_jp_group {
    struct in_addr group;
    uint8_t masklen;
    uint8_t flags; /* PIM_GRP_* as on the wire */
    uint16_t njoin, nprune;
    /* index into pim_jp.sources: njoin joins then nprune prunes */
    unsigned first;
};

struct pim_jp {
    struct in_addr upstream;
    uint16_t holdtime; /* s */
    unsigned ngroups;
    struct pim_jp_group groups[PIM_JP_MAX_GROUPS];
    unsigned nsources;
    struct pim_jp_source sources[PIM_JP_MAX_SOURCES];
};

struct pim_assert {
    struct in_addr group;
    uint8_t group_masklen;
    struct in_addr source; /* 0.0.0.0 for (*,G) asserts */
    bool rpt;
    uint32_t preference; /* 31 bits */
    uint32_t metric;
};

enum pim_decode_status {
    PIM_DECODE_OK = 0,
    PIM_DECODE_TRUNCATED = -1, /* shorter than its header or fields say */
    PIM_DECODE_CHECKSUM = -2,
    PIM_DECODE_VERSION = -3,   /* not PIM version 2 */
    PIM_DECODE_MALFORMED = -4, /* impossible contents: bad family,
                                  encoding, mask length, option length */
    PIM_DECODE_TOO_MANY = -5,  /* more groups/sources than we hold */
};

/* The Internet checksum of len bytes (the checksum field as it is). */
uint16_t pim_checksum(const uint8_t *buf, size_t len);

/* Checks version, length and checksum; gives the type.  The checksum is
 * over the whole message except for Registers, where it covers the first
 * 8 bytes (4.9.3). */
enum pim_decode_status pim_decode_header(const uint8_t *buf, size_t len, uint8_t *type);
/* The body decoders take the whole message (header included, already
 * checked by pim_decode_header). */
enum pim_decode_status pim_decode_hello(const uint8_t *buf, size_t len, struct pim_hello *out);
enum pim_decode_status pim_decode_jp(const uint8_t *buf, size_t len, struct pim_jp *out);
enum pim_decode_status pim_decode_assert(const uint8_t *buf, size_t len, struct pim_assert *out);

/* Encoders: the whole message with its checksum; the length, or 0 when it
 * does not fit in cap.  A Hello carries holdtime, LAN prune delay (when
 * has_lan_prune_delay), DR priority and generation id, in that order. */
size_t pim_encode_hello(uint8_t *buf, size_t cap, const struct pim_hello *h);
size_t pim_encode_jp(uint8_t *buf, size_t cap, const struct pim_jp *jp);
size_t pim_encode_assert(uint8_t *buf, size_t cap, const struct pim_assert *a);
/* The bytes one group with nj joins and np prunes takes in a Join/Prune,
 * so a sender can split what does not fit in one message. */
size_t pim_jp_group_len(unsigned nj, unsigned np);
#define PIM_JP_FIXED_LEN (PIM_HEADER_LEN + 6 + 4)

#endif
