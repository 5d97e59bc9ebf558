/* User-space ESP (RFC 4303 tunnel mode, AES-256-GCM with a 16-octet ICV as
 * RFC 4106, 64-bit extended sequence numbers, an anti-replay window of at
 * least 1024 packets), optionally in UDP on port 4500 (RFC 3948).  The
 * kernel here has no ESP transform: we encrypt and decrypt, and the kernel
 * builds and routes the outer header (raw protocol-50 or UDP 4500 socket).
 * Each peer has a TUN device (route-based VPN): what the kernel routes into
 * it is encrypted to the peer; what is decrypted from the peer is written
 * into it, unless the inner-packet handler (the GEM layer) takes it.
 *
 * Directives: gem-peer NAME address ADDR local ADDR [encap esp|udp] ...
 *             esp-sa peer NAME dir in|out spi N key HEX
 * Records:    add gem-peer ..., add esp-sa ... (never key material).
 * A sketch agreed between the ESP and GEM sides; the ESP side owns this
 * file and may refine it. */
#ifndef GEM_ESP_H
#define GEM_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct esp_peer;

/* Registers directives, records and lifecycle hooks (from gem_init). */
void esp_register(void);

/* NULL when no gem-peer has that name. */
struct esp_peer *esp_peer_find(const char *name);

/* Encrypts one inner IPv4 packet (tunnel mode, next header 4) with the
 * peer's outbound SA and sends it.  0, or -1 (no outbound SA, send error:
 * counted on the SA). */
int esp_send(struct esp_peer *p, const uint8_t *inner, size_t len);

/* Every inner packet that decrypted and passed the replay check is first
 * offered here; the handler returns true when it consumed it.  Otherwise
 * it is written into the peer's TUN device for the kernel. */
typedef bool (*esp_inner_fn)(struct esp_peer *from, const uint8_t *inner, size_t len, void *ctx);
void esp_set_inner_handler(esp_inner_fn fn, void *ctx);

#endif
