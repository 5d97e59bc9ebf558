/* User-space ESP (RFC 4303 tunnel mode, AES-256-GCM with a 16-octet ICV as
 * RFC 4106, 64-bit extended sequence numbers, an anti-replay window of 4096
 * packets), optionally in UDP on port 4500 (RFC 3948).  The kernel here has
 * no ESP transform: we encrypt and decrypt, and the kernel builds and
 * routes the outer header (raw protocol-50 or UDP 4500 socket).
 * Each peer has a TUN device of its own (route-based VPN, point to point):
 * what the kernel routes into it is encrypted to that peer; what is
 * decrypted from the peer is written into it, unless the inner-packet
 * handler (the GEM layer) takes it.
 *
 * Directives: gem-peer NAME address ADDR local ADDR [encap esp|udp]
 *                      [tun IF] [mtu N]        (tun: first free ipsecN)
 *             esp-sa peer NAME dir in|out spi N key HEX
 * Records:    add gem-peer ..., add esp-sa ..., add esp-input ...
 *             (never key material); flush gem-peer NAME,
 *             flush esp-sa peer NAME dir in|out.
 * The codec itself is esp_sa.h. */
#ifndef GEM_ESP_H
#define GEM_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct esp_peer;

/* Registers directives, records and lifecycle hooks (from gem_init). */
void esp_register(void);

/* NULL when no gem-peer has that name.  A pointer stays valid until the
 * peer is flushed (flush gem-peer, or exit): look it up again after any
 * control-plane event rather than keeping it. */
struct esp_peer *esp_peer_find(const char *name);
const char *esp_peer_name(const struct esp_peer *p);

/* Encrypts one inner IPv4 (next header 4) or IPv6 (41) packet with the
 * peer's outbound SA into the worker's send batch (gem_dp.h), which goes
 * out when the handler returns.  From the GEM/ESP worker only (or the one
 * thread when there is none), as everything here: the SA's sequence and
 * buffers are not shared across threads.  0, or -1 (no outbound SA,
 * sequence numbers used up: counted on the peer or SA, and in *errors).
 * When the kernel's answer is known, *sent or *errors (either may be NULL)
 * is bumped. */
int esp_send(struct esp_peer *p, const uint8_t *inner, size_t len, uint64_t *sent,
             uint64_t *errors);

/* What esp_send does before sending: builds the ESP packet (from the SPI
 * on) into out, which needs len + 37 octets, using the peer's outbound SA
 * and so its next sequence number.  The packet's length or -1.  For the
 * GEM+ESP benchmark, which seals in a loop without the network. */
long esp_seal_for(struct esp_peer *p, const uint8_t *inner, size_t len, uint8_t *out, size_t cap);

/* Every inner packet that decrypted and passed the replay check is first
 * offered here; the handler returns true when it consumed it.  Otherwise
 * it is written into the peer's TUN device for the kernel. */
typedef bool (*esp_inner_fn)(struct esp_peer *from, const uint8_t *inner, size_t len, void *ctx);
void esp_set_inner_handler(esp_inner_fn fn, void *ctx);

#endif
