/* The Babel packet codec (RFC 8966 section 4, RFC 9079, RFC 9229, the RTT
 * extension's timestamp sub-TLVs): bytes <-> structs, nothing else.
 *
 * The reader keeps the per-packet parser state of RFC 8966 section 4.5
 * (default prefixes for compression, current router-id, current next hops),
 * so every Update it yields is fully resolved.  It never reads outside the
 * buffer it was given; anything malformed is reported, never trusted.
 *
 * The writer builds one packet, emitting Router-Id and Next Hop TLVs only when
 * they change and compressing prefixes against the previous Update of the same
 * AE.  Each put_* call is all-or-nothing: when the TLV (with any Router-Id or
 * Next Hop it needs) does not fit, nothing is written and -1 is returned, so
 * the caller flushes the packet and retries on a fresh one.
 *
 * Prefixes use the util.h representation: IPv4 v4-mapped with plen + 96. */
#ifndef BABEL_PACKET_H
#define BABEL_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "babel/util.h"

#define BABEL_MAGIC 42
#define BABEL_VERSION 2
#define BABEL_HEADER_LEN 4
#define BABEL_INFINITY 0xFFFF

enum tlv_type {
    TLV_PAD1 = 0,
    TLV_PADN = 1,
    TLV_ACK_REQ = 2,
    TLV_ACK = 3,
    TLV_HELLO = 4,
    TLV_IHU = 5,
    TLV_ROUTER_ID = 6,
    TLV_NEXT_HOP = 7,
    TLV_UPDATE = 8,
    TLV_ROUTE_REQ = 9,
    TLV_SEQNO_REQ = 10,
    TLV_MAC = 16,           /* RFC 8967, only in the trailer */
    TLV_PC = 17,            /* RFC 8967 */
    TLV_CHALLENGE_REQ = 18, /* RFC 8967 */
    TLV_CHALLENGE_REPLY = 19,
    /* 224..254: experimental range, used by extensions (see extension.h). */
    TLV_EXPERIMENTAL_MIN = 224,
    TLV_EXPERIMENTAL_MAX = 254,
};

enum babel_ae {
    AE_WILDCARD = 0,
    AE_IPV4 = 1,
    AE_IPV6 = 2,
    AE_IPV6_LL = 3,
    AE_V4_VIA_V6 = 4, /* RFC 9229 */
};

enum subtlv_type {
    SUBTLV_PAD1 = 0,
    SUBTLV_PADN = 1,
    SUBTLV_DIVERSITY = 2,
    SUBTLV_TIMESTAMP = 3,
    SUBTLV_SOURCE_PREFIX = 128, /* RFC 9079; mandatory */
};

#define HELLO_FLAG_UNICAST 0x8000
#define UPDATE_FLAG_DEFAULT_PREFIX 0x80
#define UPDATE_FLAG_ROUTER_ID 0x40

struct tlv_hello {
    uint16_t flags;
    uint16_t seqno;
    uint16_t interval; /* centiseconds */
    bool has_timestamp;
    uint32_t timestamp; /* microseconds, sender's clock */
};

struct tlv_ihu {
    uint8_t ae;
    uint16_t rxcost;
    uint16_t interval; /* centiseconds */
    uint8_t addr[16];  /* AE 0: all zero */
    bool has_timestamp;
    uint32_t ts_origin;  /* the Hello timestamp being answered */
    uint32_t ts_receive; /* when that Hello was received */
};

struct tlv_update {
    uint8_t ae;    /* as on the wire; for AE 0 the prefix is ::/0 */
    uint8_t flags; /* as on the wire */
    uint16_t interval;
    uint16_t seqno;
    uint16_t metric;
    struct prefix prefix;
    struct prefix src_prefix; /* default source when no sub-TLV */
    /* Resolved from parser state when reading; read by the writer too. */
    uint8_t router_id[8];
    bool have_router_id;
    uint8_t nexthop[16]; /* AE 1: the current IPv4 next hop; else the v6 next hop */
};

struct tlv_route_req {
    uint8_t ae;
    struct prefix prefix; /* AE 0: wildcard request, prefix zeroed */
    struct prefix src_prefix;
};

struct tlv_seqno_req {
    uint8_t ae;
    uint16_t seqno;
    uint8_t hop_count;
    uint8_t router_id[8];
    struct prefix prefix;
    struct prefix src_prefix;
};

/* An extension TLV or one the core passes on: its body, as received. */
struct tlv_raw {
    const uint8_t *body;
    size_t len;
};

struct tlv {
    uint8_t type;
    union {
        struct {
            uint16_t nonce;
            uint16_t interval; /* centiseconds */
        } ack_req;
        struct {
            uint16_t nonce;
        } ack;
        struct tlv_hello hello;
        struct tlv_ihu ihu;
        struct tlv_update update;
        struct tlv_route_req route_req;
        struct tlv_seqno_req seqno_req;
        struct tlv_raw raw; /* TLV_PC, challenges and types >= 224 */
    };
};

/* Outcome of one pkt_read_next call. */
enum pkt_read_result {
    PKT_TLV = 1,      /* *out holds a TLV the protocol should handle */
    PKT_END = 0,      /* body fully consumed */
    PKT_SKIPPED = 2,  /* a TLV was ignored (unknown type or AE, mandatory
                         unknown sub-TLV, or malformed contents); go on */
    PKT_TRUNCATED = -1 /* a TLV overran the body: stop reading this packet */
};

/* Why a TLV was skipped, for counters. */
enum pkt_skip_reason {
    SKIP_NONE = 0,
    SKIP_UNKNOWN_TYPE,
    SKIP_UNKNOWN_AE,
    SKIP_MANDATORY_SUBTLV,
    SKIP_MALFORMED,
    SKIP_NO_ROUTER_ID, /* Update with finite metric and no router-id yet */
    SKIP_REASON_COUNT
};

struct pkt_reader {
    const uint8_t *body;
    size_t body_len;
    size_t pos;
    const uint8_t *trailer; /* bytes after the body (RFC 8967 MACs) */
    size_t trailer_len;
    uint8_t src_addr[16]; /* the packet's source: default v6 next hop */
    /* Parser state (RFC 8966 4.5). */
    uint8_t router_id[8];
    bool have_router_id;
    uint8_t nh_v4[16];
    bool have_nh_v4;
    uint8_t nh_v6[16];
    uint8_t def_prefix[5][16]; /* indexed by AE */
    uint8_t def_plen[5];
    bool have_def[5];
    enum pkt_skip_reason last_skip;
};

/* Checks magic, version and body length.  Returns 0, or -1 when the packet
 * is not a Babel packet (it must then be dropped whole). */
int pkt_reader_init(struct pkt_reader *r, const uint8_t *pkt, size_t len,
                    const uint8_t src_addr[16]);
/* Yields the next TLV of the body (Pad1, PadN and Router-Id/Next Hop are
 * consumed internally and not yielded). */
enum pkt_read_result pkt_read_next(struct pkt_reader *r, struct tlv *out);

struct pkt_writer {
    uint8_t *buf;
    size_t cap;
    size_t len; /* header included */
    uint8_t router_id[8];
    bool have_router_id;
    uint8_t nh_v4[16];
    bool have_nh_v4;
    uint8_t def_prefix[5][16];
    uint8_t def_plen[5];
    bool have_def[5];
};

void pkt_writer_init(struct pkt_writer *w, uint8_t *buf, size_t cap);
bool pkt_writer_empty(const struct pkt_writer *w);
/* Writes the body length into the header; returns the packet's length. */
size_t pkt_writer_finish(struct pkt_writer *w);

int pkt_put_pad(struct pkt_writer *w, size_t n); /* Pad1 for 1, PadN otherwise */
int pkt_put_ack_req(struct pkt_writer *w, uint16_t nonce, uint16_t interval);
int pkt_put_ack(struct pkt_writer *w, uint16_t nonce);
int pkt_put_hello(struct pkt_writer *w, const struct tlv_hello *h);
int pkt_put_ihu(struct pkt_writer *w, const struct tlv_ihu *ihu);
/* ae must be AE_IPV4 (a Next Hop TLV for u->nexthop is emitted when it
 * differs from the current one), AE_IPV6 or AE_V4_VIA_V6 (next hop implied by
 * the source address), or AE_WILDCARD for a wildcard retraction.  A Router-Id
 * TLV is emitted when u->router_id differs from the current one. */
int pkt_put_update(struct pkt_writer *w, uint8_t ae, const struct tlv_update *u);
int pkt_put_route_req(struct pkt_writer *w, const struct tlv_route_req *r);
int pkt_put_seqno_req(struct pkt_writer *w, const struct tlv_seqno_req *r);
/* Any other TLV, body given verbatim (extensions, RFC 8967 TLVs). */
int pkt_put_raw(struct pkt_writer *w, uint8_t type, const uint8_t *body, size_t len);
/* A TLV after the body (the RFC 8967 trailer): only after pkt_writer_finish,
 * whose body length it leaves as it was; w->len then counts the trailer. */
int pkt_put_trailer(struct pkt_writer *w, uint8_t type, const uint8_t *body, size_t len);

/* The AE to use on the wire for a prefix, given whether v4-via-v6 is wanted:
 * AE_IPV6 for IPv6, AE_IPV4 or AE_V4_VIA_V6 for IPv4. */
uint8_t pkt_ae_for(const struct prefix *p, bool v4_via_v6);

#endif
