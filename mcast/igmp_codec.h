/* IGMP messages (RFC 1112 v1, RFC 2236 v2, RFC 3376 v3): parsing a whole
 * received IPv4 packet, and building queries.  Pure functions on bytes, kept
 * apart from the protocol so they can be tested with golden bytes and
 * fuzzed. */
#ifndef MCAST_IGMP_CODEC_H
#define MCAST_IGMP_CODEC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum igmp_type {
    IGMP_TYPE_QUERY = 0x11,
    IGMP_TYPE_V1_REPORT = 0x12,
    IGMP_TYPE_V2_REPORT = 0x16,
    IGMP_TYPE_V2_LEAVE = 0x17,
    IGMP_TYPE_V3_REPORT = 0x22,
};

/* Group Record Types (RFC 3376 4.2.12). */
enum igmp_record_type {
    IGMP_MODE_IS_INCLUDE = 1,
    IGMP_MODE_IS_EXCLUDE = 2,
    IGMP_CHANGE_TO_INCLUDE = 3,
    IGMP_CHANGE_TO_EXCLUDE = 4,
    IGMP_ALLOW_NEW_SOURCES = 5,
    IGMP_BLOCK_OLD_SOURCES = 6,
};

/* Why a packet was refused. */
enum igmp_error {
    IGMP_OK = 0,
    IGMP_ERR_TRUNCATED = -1, /* shorter than its headers or counts say */
    IGMP_ERR_CHECKSUM = -2,
    IGMP_ERR_MALFORMED = -3, /* bad IP header, bad field values */
    IGMP_ERR_UNKNOWN_TYPE = -4,
};

#define IGMP_MAX_RECORDS 512
#define IGMP_V3_QUERY_MIN 12

struct igmp_record {
    uint8_t type;       /* enum igmp_record_type; others are skipped by the caller */
    struct in_addr group;
    unsigned nsources;
    const uint8_t *sources; /* nsources * 4 bytes, network order, in the packet */
};

struct igmp_msg {
    uint8_t type;
    struct in_addr src, dst; /* from the IP header */
    uint8_t ttl;
    bool router_alert;
    /* Queries. */
    int version;          /* 1, 2 or 3, from the length and Max Resp Code */
    unsigned max_resp_ds; /* deciseconds, decoded */
    struct in_addr group; /* also the group of v1/v2 reports and leaves */
    bool s_flag;
    unsigned qrv;
    unsigned qqi; /* seconds, decoded */
    unsigned nsources;
    const uint8_t *sources;
    /* v3 reports. */
    unsigned nrecords;
    struct igmp_record records[IGMP_MAX_RECORDS];
};

/* Parses a whole IPv4 packet carrying IGMP.  IGMP_OK, or why it was
 * refused (then *out is meaningless).  The pointers in *out point into
 * pkt. */
int igmp_parse(const uint8_t *pkt, size_t len, struct igmp_msg *out);

/* The Max Resp Code / QQIC floating-point encoding (RFC 3376 4.1.1, 4.1.7):
 * values below 128 as such, larger ones as 1|exp(3)|mant(4).  The largest
 * value a code carries, (16 + 15) << (7 + 3): what bounds the configurable
 * query interval (seconds) and response intervals (deciseconds). */
#define IGMP_CODE_MAX 31744
unsigned igmp_code_decode(uint8_t code);
/* The largest code whose value does not exceed v (at most IGMP_CODE_MAX). */
uint8_t igmp_code_encode(unsigned v);

/* The Internet checksum of a buffer. */
uint16_t igmp_checksum(const uint8_t *buf, size_t len);

struct igmp_query_spec {
    int version;          /* 1, 2 or 3 */
    unsigned max_resp_ds; /* v2, v3 */
    struct in_addr group; /* INADDR_ANY: general query */
    bool s_flag;          /* v3 */
    unsigned qrv;         /* v3, 0..7 */
    unsigned qqi;         /* v3, seconds */
    unsigned nsources;    /* v3 */
    const struct in_addr *sources;
};

/* Builds a query (IGMP message only, no IP header) into buf; its length, or
 * 0 when it does not fit in cap. */
size_t igmp_build_query(uint8_t *buf, size_t cap, const struct igmp_query_spec *q);

#endif
