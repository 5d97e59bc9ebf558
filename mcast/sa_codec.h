/* The Source-Active TLV (type 224) codec: bytes <-> structs, nothing else.
 * What the entries mean (flooding, peer-RPF, expiry) is mcast/sa.c's
 * business.  The decoder never reads outside the body it is given.
 *
 * Body (README.mcr, "Source-Active TLVs", has the byte-by-byte layout):
 *
 *   0  version (1)
 *   1  flags: 0x80 table request ("send me every SA you have"); the other
 *      bits are sent 0 and ignored
 *   2  entries, each:
 *        0  AE: 1 IPv4, 2 IPv6 (any other value: the entry is skipped)
 *        1  length of the rest of the entry (IPv4 >= 22, IPv6 >= 46; bytes
 *           beyond those fields are ignored)
 *        2  flags: 0x80 withdraw; the other bits are sent 0 and ignored
 *        3  reserved (0)
 *        4  originator seqno (16 bits)
 *        6  lifetime in seconds (16 bits)
 *        8  originator router-id (8 bytes)
 *       16  source S (4 or 16 bytes), then group G (4 or 16 bytes)
 *
 * Addresses use the util.h representation (IPv4 v4-mapped). */
#ifndef MCAST_SA_CODEC_H
#define MCAST_SA_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SA_TLV_TYPE 224
#define SA_VERSION 1
#define SA_TLV_MAX 255 /* a TLV body's length is one byte */
#define SA_HEADER_LEN 2
#define SA_ENTRY_FIXED 16 /* AE, length, flags, reserved, seqno, lifetime, router-id */
#define SA_ENTRY_LEN_V4 (SA_ENTRY_FIXED + 8)
#define SA_ENTRY_LEN_V6 (SA_ENTRY_FIXED + 32)
#define SA_AE_IPV4 1
#define SA_AE_IPV6 2
#define SA_FLAG_WITHDRAW 0x80
#define SA_HFLAG_REQUEST 0x80 /* in the body's second byte */
/* The most entries a body can hold: (255 - 2) / 24. */
#define SA_MAX_ENTRIES ((SA_TLV_MAX - SA_HEADER_LEN) / SA_ENTRY_LEN_V4)

struct sa_wire_entry {
    uint8_t origin[8];
    uint16_t seqno;
    uint8_t flags; /* as on the wire: unknown bits are kept, not interpreted */
    uint16_t lifetime;
    uint8_t source[16];
    uint8_t group[16];
};

enum sa_decode_status {
    SA_DECODE_OK = 0,
    SA_DECODE_VERSION = -1,   /* a version we do not know: ignore the TLV */
    SA_DECODE_MALFORMED = -2, /* too short, or an entry overruns the body */
};

struct sa_decoded {
    uint8_t version;
    uint8_t hflags; /* the body's flags byte, as on the wire */
    size_t n; /* entries in out[] */
    size_t skipped; /* entries with an AE we do not know */
    struct sa_wire_entry e[SA_MAX_ENTRIES];
};

/* Decodes a whole body; on anything but SA_DECODE_OK nothing in it may be
 * used (a malformed TLV is dropped whole). */
enum sa_decode_status sa_decode(const uint8_t *body, size_t len, struct sa_decoded *out);

/* The bytes an entry takes on the wire; 0 when S and G are not both IPv4
 * or both IPv6. */
size_t sa_entry_len(const struct sa_wire_entry *e);
/* Starts a body in buf (cap >= SA_HEADER_LEN); returns its length (0 when
 * cap is too small).  The second one sets the body's flags. */
size_t sa_encode_header(uint8_t *buf, size_t cap);
size_t sa_encode_header_flags(uint8_t *buf, size_t cap, uint8_t hflags);
/* Appends an entry at *len; 0, or -1 (nothing written) when it does not fit
 * in cap (at most SA_TLV_MAX) or its families are mixed. */
int sa_encode_entry(uint8_t *buf, size_t cap, size_t *len, const struct sa_wire_entry *e);

#endif
