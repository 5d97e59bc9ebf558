/* Virtual source addresses (VIPs): VIP/32 on a virtual link, so the Babel
 * core redistributes it as a local address and the normalizer can send
 * from it.  The link is a dummy link the daemon creates (VIP_LINK) where
 * the kernel has the dummy kind, otherwise lo.  Each VIP is refcounted by
 * the rules using it; the last release removes the address. */
#ifndef MCAST_VIP_H
#define MCAST_VIP_H

#include <stdbool.h>
#include <stdint.h>

#define VIP_LINK "mcr-vip0"

/* Takes a reference (adding the address on the first); 0 or -1. */
int vip_hold(uint32_t vip);
void vip_release(uint32_t vip);
/* Removes every VIP and the dummy link, if we made one. */
void vip_cleanup(void);

#endif
