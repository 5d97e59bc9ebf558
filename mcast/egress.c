#include "mcast/egress.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/udp.h>
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
    b->submitted = b->syscalls = b->datagrams = 0;
    b->gso = getenv("BABELD_MCAST_NO_GSO") == NULL;
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

static bool can_join(const struct egress_batch *b, const struct egress_entry *e, size_t len)
{
    unsigned mtu = __atomic_load_n(&e->sock->mtu, __ATOMIC_RELAXED);
    return b->gso && !e->sock->no_gso && e->seglen == len && e->niov < EGRESS_GSO_SEGS &&
           e->total + len <= EGRESS_GSO_MAX && mtu && len + 28 <= mtu;
}

void egress_queue(struct egress_batch *b, struct egress_sock *s, uint32_t dst, uint16_t port,
                  const void *data, size_t len, struct egress_counts *counts)
{
    /* The latest entry for this socket and destination, among the last
     * few (a fan-out interleaves its outputs), takes the datagram if it is
     * of the same size: order per destination is kept. */
    unsigned lookback = b->n < 16 ? b->n : 16;
    for (unsigned k = 1; k <= lookback; k++) {
        struct egress_entry *e = &b->e[b->n - k];
        if (e->sock != s || e->dst.sin_addr.s_addr != dst || e->dst.sin_port != htons(port))
            continue;
        if (!can_join(b, e, len) || e->counts != counts)
            break;
        e->iov[e->niov++] = (struct iovec){.iov_base = (void *)data, .iov_len = len};
        e->total += len;
        return;
    }
    if (b->n == EGRESS_BATCH)
        egress_flush(b);
    struct egress_entry *e = &b->e[b->n++];
    e->sock = s;
    e->dst = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(port),
                                  .sin_addr.s_addr = dst};
    e->iov[0] = (struct iovec){.iov_base = (void *)data, .iov_len = len};
    e->niov = 1;
    e->seglen = e->total = len;
    e->counts = counts;
}

static void prepare(struct egress_entry *e)
{
    e->msg = (struct msghdr){.msg_name = &e->dst, .msg_namelen = sizeof(e->dst),
                             .msg_iov = e->iov, .msg_iovlen = e->niov};
    if (e->niov > 1) {
        e->msg.msg_control = e->cmsg.buf;
        e->msg.msg_controllen = sizeof(e->cmsg.buf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&e->msg);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t seg = (uint16_t)e->seglen;
        memcpy(CMSG_DATA(c), &seg, sizeof(seg));
    }
}

static void complete(struct egress_entry *e, int res)
{
    struct egress_counts *c = e->counts;
    if (res < 0) {
        if (e->niov > 1 && (res == -EIO || res == -EINVAL || res == -EOPNOTSUPP)) {
            /* No segmentation offload on this path: send them one by one,
             * now and from now on. */
            e->sock->no_gso = true;
            for (unsigned i = 0; i < e->niov; i++) {
                struct msghdr m = {.msg_name = &e->dst, .msg_namelen = sizeof(e->dst),
                                   .msg_iov = &e->iov[i], .msg_iovlen = 1};
                ssize_t r = sendmsg(e->sock->fd, &m, 0);
                if (r < 0) {
                    ctr_add(&c->drops, 1);
                    c->last_error = errno;
                } else {
                    ctr_add(&c->packets, 1);
                    ctr_add(&c->bytes, (uint64_t)r);
                }
            }
            return;
        }
        ctr_add(&c->drops, e->niov);
        c->last_error = -res;
    } else {
        ctr_add(&c->packets, e->niov);
        ctr_add(&c->bytes, (uint64_t)res);
    }
}

void egress_flush(struct egress_batch *b)
{
    if (b->n == 0)
        return;
    unsigned want = b->n;
    for (unsigned i = 0; i < want; i++) {
        prepare(&b->e[i]);
        __atomic_store_n(&b->datagrams, b->datagrams + b->e[i].niov, __ATOMIC_RELAXED);
    }
    if (!b->ring_ok) {
        /* No io_uring (an old kernel or a seccomp policy): plain sendmsg. */
        for (unsigned i = 0; i < want; i++) {
            ssize_t r = sendmsg(b->e[i].sock->fd, &b->e[i].msg, 0);
            complete(&b->e[i], r < 0 ? -errno : (int)r);
        }
        b->n = 0;
        return;
    }
    for (unsigned i = 0; i < want; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
        if (!sqe) { /* cannot happen: the ring has EGRESS_BATCH entries */
            complete(&b->e[i], -ENOBUFS);
            continue;
        }
        io_uring_prep_sendmsg(sqe, b->e[i].sock->fd, &b->e[i].msg, 0);
        io_uring_sqe_set_data64(sqe, i);
    }
    int rc;
    do
        rc = io_uring_submit_and_wait(&b->ring, want);
    while (rc == -EINTR);
    __atomic_store_n(&b->syscalls, b->syscalls + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&b->submitted, b->submitted + want, __ATOMIC_RELAXED);
    unsigned got = 0;
    while (got < want) {
        struct io_uring_cqe *cqe;
        rc = io_uring_wait_cqe(&b->ring, &cqe);
        if (rc == -EINTR)
            continue;
        if (rc < 0)
            break;
        unsigned i = (unsigned)io_uring_cqe_get_data64(cqe);
        if (i < want)
            complete(&b->e[i], cqe->res);
        io_uring_cqe_seen(&b->ring, cqe);
        got++;
    }
    b->n = 0;
}
