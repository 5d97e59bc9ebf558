/* GEM ingress: `gem-send G in IF [port P] [source S] [to PEER ...] [veth IF]
 * [from ADDR] [ttl N]` takes the UDP stream to group G seen on IF (arriving or leaving:
 * an AF_PACKET socket, so it also sees a local normalizer's output), seals
 * each datagram into a GEM packet and sends the IPv4/UDP datagram carrying
 * it through ESP to every listed gem-peer and/or onto a veth (bridged
 * encrypted multicast).  `flush gem-send G`; the gem-send record. */
#ifndef GEM_GEM_SEND_H
#define GEM_GEM_SEND_H

void gem_send_register(void);

#endif
