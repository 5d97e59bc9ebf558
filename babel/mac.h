/* MAC authentication (RFC 8967).
 *
 * On an interface with a key, every packet we send carries a Packet Counter
 * (PC) TLV at the end of its body and one MAC TLV per active key in its
 * trailer; every packet we receive is processed only when a MAC TLV of its
 * trailer verifies with one of the interface's keys and its (index, PC) pair
 * is fresh for that neighbour.  A neighbour whose index we do not know (it
 * restarted, or we did) is sent a Challenge Request, and its index and PC are
 * adopted from the packet that carries the matching Challenge Reply.
 *
 * The MAC covers a pseudo-header (source address, source port, destination
 * address, destination port: 16 + 2 + 16 + 2 bytes) followed by the packet
 * header and body, trailer excluded.  Both ports are the protocol port, as
 * babeld sends and checks them.  hmac-sha256 is HMAC with SHA-256 over the
 * key as given (HMAC itself zero-pads keys shorter than the 64-byte block);
 * blake2s128 is keyed BLAKE2s with a 16-byte output over the key as given,
 * not padded (which is what babeld 1.12 puts on the wire).
 *
 * What babeld 1.12 does on the wire, which we match: one 8-byte random index
 * and one PC per interface, starting at 0 and shared by the multicast and
 * unicast packets of that interface; 8-byte challenge nonces; the PC TLV as
 * the last TLV of the body; Challenge Requests and Replies sent unicast. */
#ifndef BABEL_MAC_H
#define BABEL_MAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "babel/config.h"

struct interface;
struct neighbour;
struct pkt_reader;
struct pkt_writer;

#define MAC_MAX_LEN 32       /* the longest MAC we produce (HMAC-SHA256) */
#define MAC_INDEX_LEN 8      /* the length of the index we send */
#define MAC_INDEX_MAX 32     /* the longest index we keep for a neighbour */
#define MAC_NONCE_LEN 8      /* the length of the nonces we send */
#define MAC_NONCE_MAX 192    /* the longest nonce we answer */
#define MAC_MAX_KEYS 2       /* the current key and, during a rollover, the old one */
#define MAC_ROLLOVER_MS 30000 /* how long an old key stays in use after a change */
#define MAC_CHALLENGE_MS 5000 /* how long a Challenge Request waits for its reply */
#define MAC_CHALLENGE_GAP_MS 300 /* at most one request, and one reply, per neighbour so often */
/* What a packet needs beyond its TLVs: a PC TLV and a MAC TLV per key. */
#define MAC_OVERHEAD (2 + 4 + MAC_INDEX_LEN + MAC_MAX_KEYS * (2 + MAC_MAX_LEN))

/* Per-neighbour replay state (RFC 8967 section 4.3). */
struct mac_neigh {
    bool have_index;
    uint8_t index_len;
    uint8_t index[MAC_INDEX_MAX];
    /* The highest PC accepted from this index, apart for multicast and
     * unicast packets: the sender's one counter is shared by both, but a
     * unicast packet may overtake a multicast one that left earlier. */
    bool have_pc_mcast, have_pc_ucast;
    uint32_t pc_mcast, pc_ucast;
    /* The outstanding Challenge Request: 0 when none. */
    uint64_t nonce_expiry;
    uint8_t nonce[MAC_NONCE_LEN];
    uint64_t last_request;          /* when we last sent a Challenge Request */
    uint64_t last_reply;            /* when we last sent a Challenge Reply */
};

/* ---- Primitives (pure, unit-tested) ---- */

/* The MAC length of a key type: 32 for hmac-sha256, 16 for blake2s128. */
size_t mac_len(enum key_type type);

/* Computes the MAC of a packet (header and body, without trailer) under
 * the pseudo-header (src, sport, dst, dport).  Returns the MAC's length or
 * -1 (bad key, crypto failure). */
int mac_compute(const struct key_conf *key, const uint8_t src[16], uint16_t sport,
                const uint8_t dst[16], uint16_t dport, const uint8_t *pkt, size_t len,
                uint8_t out[MAC_MAX_LEN]);

/* The outcome of checking a packet's trailer. */
enum mac_check {
    MAC_CHECK_OK = 0,   /* a MAC TLV verified with one of the keys */
    MAC_CHECK_NONE,     /* no MAC TLV at all */
    MAC_CHECK_BAD,      /* MAC TLVs, none of which verifies */
};

/* Checks the MAC TLVs of a packet: pkt/body_end is the header and body,
 * trailer/trailer_len what follows.  *which is set to the index in keys of
 * the key that verified.  Malformed trailers count as BAD. */
enum mac_check mac_verify(const struct key_conf *const *keys, int nkeys, const uint8_t src[16],
                          uint16_t sport, const uint8_t dst[16], uint16_t dport,
                          const uint8_t *pkt, size_t body_end, const uint8_t *trailer,
                          size_t trailer_len, int *which);

/* What of a body matters to authentication: the first PC TLV, and the
 * Challenge Requests and Replies. */
#define MAC_MAX_CHALLENGES 4
struct mac_body {
    bool have_pc;
    uint32_t pc;
    uint8_t index_len;
    const uint8_t *index;
    int nrequests, nreplies; /* at most MAC_MAX_CHALLENGES of each kept */
    const uint8_t *request[MAC_MAX_CHALLENGES], *reply[MAC_MAX_CHALLENGES];
    uint8_t request_len[MAC_MAX_CHALLENGES], reply_len[MAC_MAX_CHALLENGES];
};

/* Walks the TLVs of a body; a TLV that overruns ends the walk (what came
 * before stands).  Returns 0, or -1 when a PC TLV is malformed (an index
 * longer than MAC_INDEX_MAX counts as malformed). */
int mac_scan_body(const uint8_t *body, size_t len, struct mac_body *out);

/* The freshness verdict on an authenticated packet. */
enum mac_fresh {
    MAC_FRESH = 0,     /* process it */
    MAC_REPLAYED,      /* known index, PC not above the last one: drop */
    MAC_NO_PC,         /* no PC TLV: drop */
    MAC_UNKNOWN_INDEX, /* index unknown and no matching reply: challenge, drop */
};

/* Decides on one authenticated packet and updates the state: adopts the
 * index and PC of a packet that carries a reply to our outstanding
 * challenge, raises the PC of a fresh one.  *want_request is set when a
 * Challenge Request should be sent now (rate-limited); the caller then calls
 * mac_new_challenge. */
enum mac_fresh mac_freshness(struct mac_neigh *st, const struct mac_body *b, bool multicast,
                             uint64_t now, bool *want_request);
/* Starts (or repeats) a challenge: copies the nonce to send into
 * nonce[MAC_NONCE_LEN].  An unexpired nonce is sent again rather than
 * replaced, so a late reply to the first request still counts. */
void mac_new_challenge(struct mac_neigh *st, uint64_t now, uint8_t nonce[MAC_NONCE_LEN]);
/* Whether a Challenge Reply may be sent now (rate limit); records it. */
bool mac_may_reply(struct mac_neigh *st, uint64_t now);

/* ---- The daemon's side ---- */

/* Receive hook, before any TLV is processed.  Returns true when the packet
 * is to be processed (no key on the interface, authenticated and fresh, or a
 * bad MAC accepted under accept-bad-signatures), false when it was dropped
 * (counted; challenge TLVs of an authenticated packet are handled even
 * then). */
bool mac_receive(struct interface *ifp, const uint8_t src[16], const uint8_t dst[16],
                 const uint8_t *pkt, size_t len, const struct pkt_reader *r);

/* Room to keep free in a packet being built for this interface. */
size_t mac_overhead(unsigned ifindex);
/* Whether packets on this interface are signed. */
bool mac_signing(unsigned ifindex);
/* Finishes a packet on a keyed interface: PC TLV, body length, MAC TLVs.
 * room is the size of w's buffer.  Returns the packet's length, or 0 when it
 * cannot be signed (no link-local address yet, no room): then it must not be
 * sent. */
size_t mac_seal(struct pkt_writer *w, size_t room, unsigned ifindex, const uint8_t dst[16]);

/* Local interface: one `add mac-stats if NAME ...` line per interface with
 * a key or with something counted. */
void mac_dump(void (*emit)(const char *line, void *out), void *out);

#endif
