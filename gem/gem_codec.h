/* The GEM packet format, bytes <-> structs only (no keys, no sockets): the
 * header, the view of a received packet's parts, the nonce, and the IPv4/UDP
 * datagram that carries a GEM packet (through ESP or on a veth) or the
 * re-emitted plaintext.  Byte layout and a test vector: README.mcr, "GEM
 * gateway".  Addresses are IPv4 in network order, as in mcast/frame.h;
 * ports, key ids and sequence numbers in host order. */
#ifndef GEM_GEM_CODEC_H
#define GEM_GEM_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEM_VERSION 2
#define GEM_HEADER_LEN 32
#define GEM_TAG_LEN 16 /* AES-256-GCM tag, SEK */
#define GEM_MAC_LEN 16 /* HMAC-SHA-256 with the GAK, first 16 bytes */
/* The GCM IV: 16 bytes, sender, run and sequence number (SP 800-38D allows
 * IVs other than 96 bits; GCM hashes them to its counter block). */
#define GEM_NONCE_LEN 16
#define GEM_OVERHEAD (GEM_HEADER_LEN + GEM_TAG_LEN + GEM_MAC_LEN)
/* The UDP port GEM datagrams are sent to (and from). */
#define GEM_UDP_PORT 6698
#define GEM_IP_UDP_LEN 28 /* IPv4 header without options + UDP header */
/* The largest plaintext payload a GEM packet carries: the whole fits one
 * IPv4 datagram. */
#define GEM_MAX_PAYLOAD (65535 - GEM_IP_UDP_LEN - GEM_OVERHEAD)

struct gem_header {
    uint8_t version;
    uint8_t flags;  /* sent 0, ignored */
    uint16_t key_id;
    uint32_t sender; /* the ingress gateway's address */
    uint32_t run;    /* random, drawn when the sender's daemon starts */
    uint64_t seq;    /* the sender's wall clock in microseconds, or just above */
    uint32_t source, group;
    uint16_t sport, dport;
};

/* What a received packet is made of, pointing into its buffer. */
struct gem_view {
    const uint8_t *header; /* GEM_HEADER_LEN bytes: the AAD and start of the MAC input */
    const uint8_t *ct;     /* ciphertext, ct_len bytes (= the plaintext's length) */
    size_t ct_len;
    const uint8_t *tag; /* GEM_TAG_LEN */
    const uint8_t *mac; /* GEM_MAC_LEN */
};

enum gem_parse_result { GEM_PARSE_OK = 0, GEM_PARSE_TRUNCATED, GEM_PARSE_BAD_VERSION };

void gem_header_encode(const struct gem_header *h, uint8_t out[GEM_HEADER_LEN]);
/* Checks the length and version, fills *h and *v. */
enum gem_parse_result gem_parse(const uint8_t *buf, size_t len, struct gem_header *h,
                                struct gem_view *v);
/* The AES-GCM IV: sender (4 bytes), run (4), sequence number (8). */
void gem_nonce(const struct gem_header *h, uint8_t out[GEM_NONCE_LEN]);

/* Fills the 20-byte IPv4 header (no options, DF clear, the given TTL and
 * identification, header checksum) and the 8-byte UDP header (with its
 * checksum) in front of a payload already at buf + GEM_IP_UDP_LEN. */
void gem_udp4_build(uint8_t *buf, size_t payload_len, uint32_t src, uint32_t dst,
                    uint16_t sport, uint16_t dport, uint8_t ttl, uint16_t id);

/* One fragment of an IPv4 datagram without options (as gem_udp4_build makes
 * them) for a link of the given MTU (RFC 791): the fragment whose payload
 * starts `off` bytes into the datagram's payload, at most mtu bytes in all,
 * its payload a multiple of 8 bytes unless it is the last, MF set unless it
 * is the last, the offset in 8-byte units, the header checksum redone.  It is
 * written to out (mtu bytes); returns its length and sets *next to where the
 * next one starts (the payload's length after the last).  0 when mtu < 28. */
size_t gem_ip4_fragment(const uint8_t *dg, size_t len, size_t mtu, size_t off, uint8_t *out,
                        size_t *next);

#endif
