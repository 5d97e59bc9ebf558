#include "mcast/egress.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SNDBUF (4 * 1024 * 1024)

static void ctr_add(uint64_t *c, uint64_t v)
{
    __atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

struct egress_sock *egress_open(bool unicast, uint32_t src, unsigned ifindex, uint8_t ttl)
{
    struct egress_sock *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->unicast = unicast;
    s->src = src;
    s->ifindex = ifindex;
    s->ttl = ttl;
    s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s->fd < 0)
        goto fail;
    int one = 1, zero = 0, sz = SNDBUF, t = ttl;
    if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
        setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    /* Datagrams over the MTU leave in fragments, as the source sent them. */
    int pmtu = IP_PMTUDISC_DONT;
    setsockopt(s->fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
    /* The VIP may be put on its link a moment after the rule appears. */
    setsockopt(s->fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
    if (unicast) {
        if (setsockopt(s->fd, IPPROTO_IP, IP_TTL, &t, sizeof(t)) < 0)
            goto fail;
        char name[IF_NAMESIZE];
        if (if_indextoname(ifindex, name) &&
            setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)strlen(name)) < 0)
            goto fail;
    } else {
        struct ip_mreqn mr = {.imr_ifindex = (int)ifindex};
        if (setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) < 0 ||
            setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_TTL, &t, sizeof(t)) < 0 ||
            setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero)) < 0)
            goto fail;
    }
    if (src) {
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = src};
        if (bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
            goto fail;
    }
    return s;
fail:;
    int e = errno;
    egress_close(s);
    errno = e;
    return NULL;
}

void egress_close(struct egress_sock *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

int egress_batch_init(struct egress_batch *b)
{
    b->n = 0;
    b->submitted = b->syscalls = 0;
    int rc = io_uring_queue_init(EGRESS_BATCH, &b->ring, 0);
    if (rc < 0) {
        errno = -rc;
        b->ring_ok = false;
        return -1;
    }
    b->ring_ok = true;
    return 0;
}

void egress_batch_free(struct egress_batch *b)
{
    if (b->ring_ok)
        io_uring_queue_exit(&b->ring);
    b->ring_ok = false;
}

void egress_queue(struct egress_batch *b, int fd, uint32_t dst, uint16_t port, const void *data,
                  size_t len, struct egress_counts *counts)
{
    if (b->n == EGRESS_BATCH)
        egress_flush(b);
    unsigned i = b->n;
    b->dst[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(port),
                                     .sin_addr.s_addr = dst};
    b->iov[i] = (struct iovec){.iov_base = (void *)data, .iov_len = len};
    b->msg[i] = (struct msghdr){.msg_name = &b->dst[i], .msg_namelen = sizeof(b->dst[i]),
                                .msg_iov = &b->iov[i], .msg_iovlen = 1};
    b->counts[i] = counts;
    if (!b->ring_ok) {
        /* No io_uring (an old kernel or a seccomp policy): plain sendmsg. */
        ssize_t r = sendmsg(fd, &b->msg[i], MSG_DONTWAIT);
        if (r < 0) {
            ctr_add(&counts->drops, 1);
            counts->last_error = errno;
        } else {
            ctr_add(&counts->packets, 1);
            ctr_add(&counts->bytes, len);
        }
        return;
    }
    struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
    if (!sqe) {
        egress_flush(b);
        sqe = io_uring_get_sqe(&b->ring);
    }
    io_uring_prep_sendmsg(sqe, fd, &b->msg[i], 0);
    io_uring_sqe_set_data64(sqe, i);
    b->n++;
}

void egress_flush(struct egress_batch *b)
{
    if (!b->ring_ok || b->n == 0)
        return;
    unsigned want = b->n, got = 0;
    int rc;
    do
        rc = io_uring_submit_and_wait(&b->ring, want);
    while (rc == -EINTR);
    b->syscalls++;
    b->submitted += want;
    while (got < want) {
        struct io_uring_cqe *cqe;
        rc = io_uring_wait_cqe(&b->ring, &cqe);
        if (rc == -EINTR)
            continue;
        if (rc < 0)
            break;
        unsigned i = (unsigned)io_uring_cqe_get_data64(cqe);
        if (i < want) {
            struct egress_counts *c = b->counts[i];
            if (cqe->res < 0) {
                ctr_add(&c->drops, 1);
                c->last_error = -cqe->res;
            } else {
                ctr_add(&c->packets, 1);
                ctr_add(&c->bytes, (uint64_t)cqe->res);
            }
        }
        io_uring_cqe_seen(&b->ring, cqe);
        got++;
    }
    b->n = 0;
}
