/* One ESP security association's packet codec, apart from sockets and
 * configuration so it can be tested with golden bytes: RFC 4303 ESP with
 * AES-256-GCM and a 16-octet ICV (RFC 4106), 64-bit extended sequence
 * numbers, and the RFC 4303 section 3.4.3 anti-replay window with the
 * high-order bits inferred as in its Appendix A.
 *
 * Packet (from the SPI; the outer IPv4 header, and the UDP header with
 * `encap udp`, are the kernel's):
 *   0  SPI (4, big-endian)
 *   4  sequence number, low 32 bits (4)
 *   8  IV (8): the 64-bit sequence number XOR the SA's IV mask
 *  16  ciphertext of: inner packet, padding 1,2,3.. to a 4-octet boundary,
 *      pad length (1), next header (1: 4 IPv4, 41 IPv6, 59 dummy)
 *  ..  ICV (16)
 * GCM nonce = salt (4, the last 4 octets of the key material) || IV;
 * AAD = SPI || sequence high 32 bits || sequence low 32 bits (RFC 4106
 * section 5, extended sequence numbers). */
#ifndef GEM_ESP_SA_H
#define GEM_ESP_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ESP_KEY_LEN 32
#define ESP_SALT_LEN 4
#define ESP_KEYMAT_LEN (ESP_KEY_LEN + ESP_SALT_LEN)
#define ESP_HDR_LEN 8 /* SPI, sequence low */
#define ESP_IV_LEN 8
#define ESP_ICV_LEN 16
#define ESP_MIN_LEN (ESP_HDR_LEN + ESP_IV_LEN + 2 + ESP_ICV_LEN)
/* The most a packet grows: header, IV, up to 3 octets of padding, pad
 * length, next header, ICV. */
#define ESP_OVERHEAD_MAX (ESP_HDR_LEN + ESP_IV_LEN + 3 + 2 + ESP_ICV_LEN)
/* Anti-replay window, in packets (RFC 4303 asks for at least 32, the
 * issue for at least 1024). */
#define ESP_REPLAY_WINDOW 4096

#define ESP_NH_IPV4 4
#define ESP_NH_IPV6 41
#define ESP_NH_NONE 59 /* RFC 4303 section 2.6: a dummy packet, discarded */

/* Why an inbound packet was dropped. */
enum esp_verdict {
    ESP_OK = 0,
    ESP_TRUNCATED,    /* shorter than header, IV, trailer and ICV */
    ESP_REPLAYED,     /* seen already, or older than the window */
    ESP_AUTH_FAILED,  /* ICV mismatch: forged, tampered, wrong key */
    ESP_BAD_TRAILER,  /* authenticated, but padding or pad length invalid */
    ESP_TOO_BIG,      /* does not fit the caller's buffer */
    ESP_CRYPTO_ERROR, /* OpenSSL failed (or could not be loaded) */
};

struct esp_replay {
    uint64_t top;                          /* highest authenticated sequence number; 0: none yet */
    uint64_t bits[ESP_REPLAY_WINDOW / 64]; /* bit (seq mod W) set: seen */
};

struct esp_sa_counters {
    uint64_t packets, bytes; /* sealed or delivered; bytes of inner packets */
    uint64_t replay_drops, auth_failures, malformed; /* inbound drops */
    uint64_t seq_exhausted;                          /* outbound refusals */
    uint64_t errors; /* the caller's: packets not sent, or not written to the TUN */
};

struct esp_sa {
    uint32_t spi;
    bool outbound;
    uint8_t salt[ESP_SALT_LEN];
    uint8_t key_check[ESP_KEYMAT_LEN]; /* to recognise the same key again */
    void *ctx;                         /* EVP_CIPHER_CTX, keyed once */
    uint64_t seq;                      /* outbound: last sequence number used */
    uint64_t iv_mask;
    struct esp_replay replay; /* inbound */
    struct esp_sa_counters n;
};

/* Keys an SA (one EVP context, reused for every packet).  iv_mask is XORed
 * into the sequence number to make the explicit IV: any value keeps IVs
 * unique within the SA; a random one per start keeps a manually keyed SA
 * that restarts from sequence 1 from reusing a nonce.  0 or -1 (libcrypto
 * missing or failed).  esp_sa_clear frees the context and wipes the key. */
int esp_sa_init(struct esp_sa *sa, bool outbound, uint32_t spi,
                const uint8_t keymat[ESP_KEYMAT_LEN], uint64_t iv_mask);
void esp_sa_clear(struct esp_sa *sa);

/* Builds the ESP packet for one inner packet into out (cap must be at least
 * len + ESP_OVERHEAD_MAX) with the next sequence number.  The packet's
 * length, or -1: the sequence number space is used up (the SA then refuses
 * for ever: numbers are never reused), or OpenSSL failed.  No allocation. */
long esp_seal(struct esp_sa *sa, uint8_t next_header, const uint8_t *inner, size_t len,
              uint8_t *out, size_t cap);

/* The SPI of a packet (len >= 4). */
uint32_t esp_packet_spi(const uint8_t *pkt);

/* Checks and decrypts one packet addressed to this SA: replay window first
 * (cheap), then the ICV, then the trailer; only then is the window moved.
 * On ESP_OK the inner packet is in out[0..*inner_len) and *next_header is
 * set; otherwise nothing is delivered and the reason is counted on the SA.
 * out needs len - ESP_HDR_LEN - ESP_IV_LEN - ESP_ICV_LEN octets. */
enum esp_verdict esp_open(struct esp_sa *sa, const uint8_t *pkt, size_t len, uint8_t *out,
                          size_t cap, size_t *inner_len, uint8_t *next_header);

/* The window alone (for tests and for esp_open).  esp_replay_check infers
 * the full sequence number from its low 32 bits (RFC 4303 Appendix A) and
 * says whether it may be new: true with *seq set, or false (a replay, or
 * below the window).  esp_replay_accept records an authenticated number. */
bool esp_replay_check(const struct esp_replay *r, uint32_t seq_low, uint64_t *seq);
void esp_replay_accept(struct esp_replay *r, uint64_t seq);

#endif
