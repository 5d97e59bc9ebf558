/* GEM egress: `gem-receive G [out IF] [mrib true] [in IF ...] [ttl N]` verifies and
 * decrypts the GEM packets for group G that arrive through ESP (the inner
 * handler) or as bridged encrypted multicast on an `in` interface (a UDP
 * socket on the GEM port joined to G there), and re-emits each plaintext
 * datagram on IF from its original source, group and ports (a raw socket
 * with our own IPv4 header).  With `mrib true` (out IF then optional) it
 * is re-emitted on the interfaces where the MRIB has downstream interest in
 * (S,G) or (*,G) (gem_mrib.h), following joins and leaves, and nowhere else.
 * Drops are counted by reason in the gem-input record; nothing that did not
 * verify is re-emitted.  `flush gem-receive G`. */
#ifndef GEM_GEM_RECEIVE_H
#define GEM_GEM_RECEIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void gem_receive_register(void);

/* One GEM packet (the UDP payload), as it arrived; for tests and the
 * benchmark as much as for the two input paths.  True when re-emitted. */
bool gem_receive_packet(const uint8_t *buf, size_t len);

#endif
