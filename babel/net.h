/* The Babel UDP socket: one socket for all interfaces, link-local. */
#ifndef BABEL_NET_H
#define BABEL_NET_H

#include <stddef.h>
#include <stdint.h>

/* Opens and binds the socket on the protocol port; -1 on error. */
int net_open(unsigned port);
void net_close(void);
int net_fd(void);
int net_join_group(unsigned ifindex, const uint8_t group[16]);
int net_leave_group(unsigned ifindex, const uint8_t group[16]);
/* Receives one datagram; returns its length, 0 when nothing is pending,
 * -1 on error.  src and dst are 16-byte addresses. */
long net_recv(uint8_t *buf, size_t cap, uint8_t src[16], uint8_t dst[16], unsigned *ifindex);
/* Sends from src (our link-local address on that link) when it is known,
 * else from the kernel's choice. */
int net_send(unsigned ifindex, const uint8_t src[16], const uint8_t dst[16], const uint8_t *buf,
             size_t len);

#endif
