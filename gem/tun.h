/* TUN devices for the ESP tunnels: the plaintext side of a route-based VPN.
 * What the kernel routes into the device we read (and encrypt to the peer);
 * what we decrypt from the peer we write into it, for the kernel to deliver
 * or forward.  The device lives as long as its descriptor: closing it takes
 * the device and its routes away, so a daemon that dies leaves nothing. */
#ifndef GEM_TUN_H
#define GEM_TUN_H

#include <stddef.h>

/* Creates the TUN device `name` (IFF_TUN, no packet information header),
 * non-blocking, with this MTU, and brings it up.  The descriptor, or -1 with
 * a reason in err. */
int tun_open(const char *name, unsigned mtu, char *err, size_t errlen);

/* Sets an existing device's MTU: 0, or -1 with a reason in err. */
int tun_set_mtu(const char *name, unsigned mtu, char *err, size_t errlen);

#endif
