#include "babel/net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "babel/util.h"

static int sock = -1;
static unsigned bound_port;

int net_open(unsigned port)
{
    bound_port = port;
    sock = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        log_msg("socket: %s", strerror(errno));
        return -1;
    }
    int one = 1, zero = 0, hops = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(sock, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    setsockopt(sock, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
    /* We must not hear our own multicast as if from a neighbour. */
    setsockopt(sock, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero));
    setsockopt(sock, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
    /* Babel packets are link-local; a hop limit of 1 keeps them there. */
    setsockopt(sock, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops));
    /* A neighbour's full table arrives as a burst of datagrams (10,000
     * routes are about 100 packets); the default buffer drops part of it. */
    int rcvbuf = 4 << 20;
    if (setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
        setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    int tclass = 0xc0; /* network control */
    setsockopt(sock, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof(tclass));
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    if (bind(sock, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
        log_msg("bind to port %u: %s (is another babeld running?)", port, strerror(errno));
        close(sock);
        sock = -1;
        return -1;
    }
    return 0;
}

void net_close(void)
{
    if (sock >= 0)
        close(sock);
    sock = -1;
}

int net_fd(void) { return sock; }

static int group_op(int op, unsigned ifindex, const uint8_t group[16])
{
    struct ipv6_mreq mreq;
    memcpy(&mreq.ipv6mr_multiaddr, group, 16);
    mreq.ipv6mr_interface = ifindex;
    return setsockopt(sock, IPPROTO_IPV6, op, &mreq, sizeof(mreq));
}

int net_join_group(unsigned ifindex, const uint8_t group[16])
{
    if (group_op(IPV6_ADD_MEMBERSHIP, ifindex, group) < 0 && errno != EADDRINUSE) {
        log_msg("joining the Babel group on ifindex %u: %s", ifindex, strerror(errno));
        return -1;
    }
    return 0;
}

int net_leave_group(unsigned ifindex, const uint8_t group[16])
{
    return group_op(IPV6_DROP_MEMBERSHIP, ifindex, group);
}

long net_recv(uint8_t *buf, size_t cap, uint8_t src[16], uint8_t dst[16], unsigned *ifindex)
{
    struct sockaddr_in6 from;
    char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
    struct iovec iov = {.iov_base = buf, .iov_len = cap};
    struct msghdr msg = {.msg_name = &from,
                         .msg_namelen = sizeof(from),
                         .msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = cbuf,
                         .msg_controllen = sizeof(cbuf)};
    ssize_t n = recvmsg(sock, &msg, 0);
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    memcpy(src, &from.sin6_addr, 16);
    memset(dst, 0, 16);
    *ifindex = from.sin6_scope_id;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            memcpy(dst, &pi.ipi6_addr, 16);
            *ifindex = pi.ipi6_ifindex;
        }
    }
    if (msg.msg_flags & MSG_TRUNC)
        return -2;
    return (long)n;
}

int net_send(unsigned ifindex, const uint8_t src[16], const uint8_t dst[16], const uint8_t *buf,
             size_t len)
{
    struct sockaddr_in6 to = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)bound_port),
                              .sin6_scope_id = ifindex};
    memcpy(&to.sin6_addr, dst, 16);
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))] = {0};
    struct msghdr msg = {.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov, .msg_iovlen = 1};
    if (src) {
        /* The source is part of what a MAC covers (RFC 8967), so it must be
         * the address we signed with, not whichever one the kernel picks. */
        msg.msg_control = cbuf;
        msg.msg_controllen = sizeof(cbuf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
        struct in6_pktinfo pi = {.ipi6_ifindex = ifindex};
        memcpy(&pi.ipi6_addr, src, 16);
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    }
    ssize_t n = sendmsg(sock, &msg, 0);
    if (n < 0) {
        log_debug(1, "send on ifindex %u: %s", ifindex, strerror(errno));
        return -1;
    }
    return 0;
}
