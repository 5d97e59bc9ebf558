/* gem-peer and esp-sa lines, the peer table, and the ESP data path between
 * each peer's TUN device and the wire (see esp.h).
 *
 * Outbound: what the kernel routes into a peer's TUN device is read in
 * batches, sealed with the peer's outbound SA (esp_sa.c) into static slots
 * and sent with one sendmmsg on a raw protocol-50 socket, or on the UDP 4500
 * socket with `encap udp`; the kernel builds and routes the outer IPv4
 * header, with the peer's `local` address as its source (IP_PKTINFO).
 * Inbound: ESP read with recvmmsg from either socket is matched to an
 * inbound SA by SPI, checked and decrypted,
 * and the inner packet offered to the GEM layer, else written into the
 * peer's TUN device.  Every socket and device is non-blocking and served by
 * the GEM/ESP worker thread (gem_dp.h), which sends what a batch queued
 * with sendmmsg; nothing on the data path allocates.  The worker owns the
 * SAs (sequence numbers, replay windows, OpenSSL contexts) and the
 * counters; the control plane changes or reads them held. */
#include "gem/esp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "babel/config.h"
#include "babel/config_words.h"
#include "babel/event.h"
#include "babel/extension.h"
#include "babel/local.h"
#include "babel/util.h"
#include "gem/esp_sa.h"
#include "gem/gem_ctr.h"
#include "gem/gem_dp.h"
#include "gem/tun.h"

#define ESP_NAME_MAX 32
#define ESP_UDP_PORT 4500 /* RFC 3948 */
#define ESP_MTU_DEFAULT 1400
#define ESP_MTU_MIN 576
#define ESP_MTU_MAX 9000
#define ESP_KEEPALIVE_DEFAULT 20 /* s; RFC 3948 section 4 suggests 20 */
#define ESP_KEEPALIVE_MAX 3600
#define ESP_BATCH 64 /* packets per read and send batch; no socket starves the others */
#define ESP_PKT_MAX 65535

enum esp_encap { ENCAP_ESP, ENCAP_UDP };

/* What a gem-peer line says. */
struct peer_conf {
    char name[ESP_NAME_MAX];
    uint32_t address; /* network order */
    uint32_t local;
    enum esp_encap encap;
    char tun[IF_NAMESIZE];
    unsigned mtu;
    unsigned keepalive; /* s between NAT keepalives with encap udp; 0: none */
};

struct esp_peer {
    struct peer_conf c;
    uint16_t udp_port; /* where to send with encap udp: 4500, or what
                        * the peer's authenticated packets came from */
    struct esp_sa in, out;
    bool have_in, have_out;
    int tun_fd;             /* -1 while not running */
    uint64_t no_sa;         /* read from the TUN device with no outbound SA */
    uint64_t keepalive_due; /* now_ms of the next NAT keepalive (control plane's) */
    uint64_t last_esp_ms;   /* when the worker last sent ESP (atomic) */
    bool port_moved;        /* the worker learnt a new udp_port: a record is due */
    struct esp_peer *next;
};

/* Drops before any SA is known, by reason. */
static struct {
    uint64_t unknown_spi, truncated, non_esp, keepalives;
} input;

static struct esp_peer *peers;
static esp_inner_fn inner_fn;
static void *inner_ctx;
static int raw_fd = -1, udp_fd = -1;

static void notify_peer(const struct esp_peer *p, const char *kind);
static void notify_sa(const struct esp_peer *p, bool out, const char *kind);
/* The worker's (one thread; a batch is done before the next): slots hold a
 * batch of received datagrams; tun_buf one packet read from a device,
 * plain_buf one decrypted packet.  Sealed packets go into the send batch's
 * slots (gem_dp.h).  Only the pages a packet touches become resident. */
static uint8_t slots[ESP_BATCH][ESP_PKT_MAX + ESP_OVERHEAD_MAX];
static uint8_t tun_buf[ESP_PKT_MAX + 1], plain_buf[ESP_PKT_MAX];

struct esp_peer *esp_peer_find(const char *name)
{
    for (struct esp_peer *p = peers; p; p = p->next)
        if (strcmp(p->c.name, name) == 0)
            return p;
    return NULL;
}

const char *esp_peer_name(const struct esp_peer *p) { return p->c.name; }

void esp_set_inner_handler(esp_inner_fn fn, void *ctx)
{
    inner_fn = fn;
    inner_ctx = ctx;
}

/* ---------------------------------------------------------------------
 * Outbound */

/* Where and how a peer's ESP goes: the socket, the destination, and the
 * IP_PKTINFO that makes `local` the outer source.  One per batch. */
struct dest {
    int fd;
    struct sockaddr_in to;
    union {
        char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct cmsghdr align;
    } cb;
};

static int dest_of(const struct esp_peer *p, struct dest *d)
{
    memset(d, 0, sizeof(*d));
    d->to.sin_family = AF_INET;
    d->to.sin_addr.s_addr = p->c.address;
    d->fd = raw_fd;
    if (p->c.encap == ENCAP_UDP) {
        d->fd = udp_fd;
        d->to.sin_port = htons(GEM_CTR(p->udp_port));
    }
    struct cmsghdr *cm = (struct cmsghdr *)d->cb.buf;
    cm->cmsg_level = IPPROTO_IP;
    cm->cmsg_type = IP_PKTINFO;
    cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
    struct in_pktinfo pi = {.ipi_spec_dst.s_addr = p->c.local};
    memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
    return d->fd >= 0 ? 0 : -1;
}

static void msg_to(struct dest *d, struct msghdr *m, struct iovec *iov)
{
    *m = (struct msghdr){.msg_name = &d->to,
                         .msg_namelen = sizeof(d->to),
                         .msg_iov = iov,
                         .msg_iovlen = 1,
                         .msg_control = d->cb.buf,
                         .msg_controllen = sizeof(d->cb.buf)};
}

static int send_packet(struct dest *d, const uint8_t *pkt, size_t len)
{
    struct iovec iov = {(void *)pkt, len};
    struct msghdr m;
    msg_to(d, &m, &iov);
    return sendmsg(d->fd, &m, MSG_DONTWAIT) == (ssize_t)len ? 0 : -1;
}

/* ESP just went to the peer: no NAT keepalive is needed for a while. */
static void sent_now(struct esp_peer *p)
{
    __atomic_store_n(&p->last_esp_ms, gem_dp_now_ms(), __ATOMIC_RELAXED);
}

static int next_header_of(const uint8_t *inner, size_t len)
{
    if (len >= 20 && inner[0] >> 4 == 4)
        return ESP_NH_IPV4;
    if (len >= 40 && inner[0] >> 4 == 6)
        return ESP_NH_IPV6;
    return -1;
}

long esp_seal_for(struct esp_peer *p, const uint8_t *inner, size_t len, uint8_t *out, size_t cap)
{
    int nh = next_header_of(inner, len);
    if (!p->have_out || nh < 0)
        return -1;
    return esp_seal(&p->out, (uint8_t)nh, inner, len, out, cap);
}

/* Seals one inner packet into a send-batch slot and queues it to the peer. */
static int queue_to(struct esp_peer *p, const struct dest *d, const uint8_t *inner, size_t len,
                    uint64_t *sent, uint64_t *errors)
{
    uint8_t *slot = gem_tx_slot();
    long n = esp_seal_for(p, inner, len, slot, GEM_TX_SLOT_LEN);
    if (n < 0) {
        GEM_CTR_INC(p->out.n.errors);
        if (errors)
            GEM_CTR_INC(*errors);
        return -1;
    }
    struct gem_tx_count c = {.ok = sent, .err = errors, .err2 = &p->out.n.errors};
    gem_tx_commit(d->fd, &d->to, sizeof(d->to), d->cb.buf, sizeof(d->cb.buf), (size_t)n, &c);
    sent_now(p);
    return 0;
}

int esp_send(struct esp_peer *p, const uint8_t *inner, size_t len, uint64_t *sent,
             uint64_t *errors)
{
    if (!p->have_out) {
        GEM_CTR_INC(p->no_sa);
        if (errors)
            GEM_CTR_INC(*errors);
        return -1;
    }
    struct dest d;
    if (dest_of(p, &d) < 0) {
        GEM_CTR_INC(p->out.n.errors);
        if (errors)
            GEM_CTR_INC(*errors);
        return -1;
    }
    return queue_to(p, &d, inner, len, sent, errors);
}

/* What the kernel routed into the device: read a batch, seal each packet
 * into a slot of the send batch (which goes out with one sendmmsg). */
static void on_tun(int fd, void *ctx)
{
    struct esp_peer *p = ctx;
    struct dest d;
    bool have_dest = dest_of(p, &d) == 0;
    for (int i = 0; i < ESP_BATCH; i++) {
        ssize_t n = read(fd, tun_buf, sizeof(tun_buf));
        if (n <= 0)
            break;
        if (!p->have_out) {
            GEM_CTR_INC(p->no_sa);
            continue;
        }
        if (!have_dest) {
            GEM_CTR_INC(p->out.n.errors);
            continue;
        }
        queue_to(p, &d, tun_buf, (size_t)n, NULL, NULL);
    }
}

/* ---------------------------------------------------------------------
 * Inbound */

static struct esp_peer *peer_by_in_spi(uint32_t spi)
{
    for (struct esp_peer *p = peers; p; p = p->next)
        if (p->have_in && p->in.spi == spi)
            return p;
    return NULL;
}

static void deliver(struct esp_peer *p, uint8_t nh, const uint8_t *inner, size_t len)
{
    if (nh == ESP_NH_NONE)
        return; /* RFC 4303 section 2.6: a dummy packet */
    if (next_header_of(inner, len) != nh) {
        GEM_CTR_INC(p->in.n.malformed);
        return;
    }
    if (inner_fn && inner_fn(p, inner, len, inner_ctx))
        return;
    if (p->tun_fd < 0 || write(p->tun_fd, inner, len) != (ssize_t)len)
        GEM_CTR_INC(p->in.n.errors);
}

/* One ESP packet (from the SPI on), from `sport` (0: not UDP). */
static void input_esp(const uint8_t *pkt, size_t len, uint16_t sport)
{
    if (len < ESP_HDR_LEN) {
        GEM_CTR_INC(input.truncated);
        return;
    }
    struct esp_peer *p = peer_by_in_spi(esp_packet_spi(pkt));
    if (!p) {
        GEM_CTR_INC(input.unknown_spi);
        return;
    }
    size_t ilen;
    uint8_t nh;
    enum esp_verdict v = esp_open(&p->in, pkt, len, plain_buf, sizeof(plain_buf), &ilen, &nh);
    if (v == ESP_CRYPTO_ERROR)
        GEM_CTR_INC(p->in.n.errors);
    if (v != ESP_OK)
        return;
    /* Behind a NAT the peer's packets come from another port than 4500:
     * answer there, learnt from authenticated packets only. */
    if (sport && p->c.encap == ENCAP_UDP && p->udp_port != sport) {
        GEM_CTR_SET(p->udp_port, sport);
        p->port_moved = true; /* the record goes out from the control plane */
        gem_dp_notice(0);
    }
    deliver(p, nh, plain_buf, ilen);
}

/* Up to a batch of datagrams into the slots, with their sources; the
 * number read (0 when none). */
static int recv_batch(int fd, struct mmsghdr *mm, struct iovec *iov, struct sockaddr_in *from)
{
    for (int i = 0; i < ESP_BATCH; i++) {
        iov[i] = (struct iovec){slots[i], sizeof(slots[i])};
        mm[i].msg_hdr = (struct msghdr){.msg_name = &from[i],
                                        .msg_namelen = sizeof(from[i]),
                                        .msg_iov = &iov[i],
                                        .msg_iovlen = 1};
    }
    int n = recvmmsg(fd, mm, ESP_BATCH, MSG_DONTWAIT, NULL);
    return n > 0 ? n : 0;
}

static void on_raw(int fd, void *ctx)
{
    struct mmsghdr mm[ESP_BATCH];
    struct iovec iov[ESP_BATCH];
    struct sockaddr_in from[ESP_BATCH];
    int n = recv_batch(fd, mm, iov, from);
    for (int i = 0; i < n; i++) {
        /* A raw IPv4 socket reads the whole packet, IP header first. */
        const uint8_t *b = slots[i];
        size_t len = mm[i].msg_len, ihl = len >= 1 ? (size_t)(b[0] & 0x0f) * 4 : 0;
        if ((mm[i].msg_hdr.msg_flags & MSG_TRUNC) || len < 20 || b[0] >> 4 != 4 || ihl < 20 ||
            len < ihl) {
            GEM_CTR_INC(input.truncated);
            continue;
        }
        input_esp(b + ihl, len - ihl, 0);
    }
}

static void on_udp(int fd, void *ctx)
{
    struct mmsghdr mm[ESP_BATCH];
    struct iovec iov[ESP_BATCH];
    struct sockaddr_in from[ESP_BATCH];
    int n = recv_batch(fd, mm, iov, from);
    for (int i = 0; i < n; i++) {
        const uint8_t *b = slots[i];
        size_t len = mm[i].msg_len;
        /* RFC 3948 section 2: a lone 0xff is a NAT keepalive; four zero
         * octets (the non-ESP marker, where an SPI of 0 would be) start an
         * IKE message, which is not ours to read. */
        if (mm[i].msg_hdr.msg_flags & MSG_TRUNC)
            GEM_CTR_INC(input.truncated);
        else if (len == 1 && b[0] == 0xff)
            GEM_CTR_INC(input.keepalives);
        else if (len >= 4 && memcmp(b, "\0\0\0\0", 4) == 0)
            GEM_CTR_INC(input.non_esp);
        else
            input_esp(b, len, ntohs(from[i].sin_port));
    }
}

/* ---------------------------------------------------------------------
 * Sockets and devices: opened when the daemon starts, or at once for a
 * line given at run time. */

static bool any_udp(void)
{
    for (struct esp_peer *p = peers; p; p = p->next)
        if (p->c.encap == ENCAP_UDP)
            return true;
    return false;
}

/* Room for a few thousand packets each way: a burst waits in the kernel
 * while the worker is busy (or parked) rather than being lost. */
static void big_rcvbuf(int fd)
{
    int sz = 4 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

static int open_raw(char *err, size_t errlen)
{
    int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);
    if (fd < 0)
        return config_bad(err, errlen, "cannot open a raw ESP socket: %s", strerror(errno));
    /* Never DF on the outer header: an inner packet that fits the TUN
     * device's MTU must get through even where the path is narrower. */
    int v = IP_PMTUDISC_DONT;
    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
    big_rcvbuf(fd);
    if (gem_dp_add_fd(fd, on_raw, NULL) < 0) {
        close(fd);
        return config_bad(err, errlen, "cannot watch the raw ESP socket");
    }
    raw_fd = fd;
    return 0;
}

static int open_udp(char *err, size_t errlen)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return config_bad(err, errlen, "cannot open a UDP socket: %s", strerror(errno));
    int one = 1, v = IP_PMTUDISC_DONT;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
    big_rcvbuf(fd);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(ESP_UDP_PORT)};
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        int e = errno;
        close(fd);
        return config_bad(err, errlen, "cannot bind UDP port %d: %s", ESP_UDP_PORT, strerror(e));
    }
    if (gem_dp_add_fd(fd, on_udp, NULL) < 0) {
        close(fd);
        return config_bad(err, errlen, "cannot watch the UDP %d socket", ESP_UDP_PORT);
    }
    udp_fd = fd;
    return 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        gem_dp_del_fd(*fd);
        close(*fd);
        *fd = -1;
    }
}

/* The sockets every peer needs, and the UDP one if `udp` (a peer about to
 * be added or changed wants it). */
static int open_sockets(bool udp, char *err, size_t errlen)
{
    if (raw_fd < 0 && open_raw(err, errlen) < 0)
        return -1;
    if (udp_fd < 0 && (udp || any_udp()) && open_udp(err, errlen) < 0)
        return -1;
    return 0;
}

static int open_tun(struct esp_peer *p, char *err, size_t errlen)
{
    int fd = tun_open(p->c.tun, p->c.mtu, err, errlen);
    if (fd < 0)
        return -1;
    if (gem_dp_add_fd(fd, on_tun, p) < 0) {
        close(fd);
        return config_bad(err, errlen, "cannot watch TUN device %s", p->c.tun);
    }
    p->tun_fd = fd;
    return 0;
}

/* RFC 3948 section 2.3: one octet 0xff to the peer's UDP port keeps a NAT's
 * mapping alive while no ESP flows (sending ESP pushes the next one back);
 * the receiver discards it.  Runs on every loop iteration: the peer list
 * and configuration are the control plane's own; what the worker writes
 * (when ESP last went out, the learnt port) is read atomically or held. */
static uint64_t on_tick(void *ctx)
{
    uint64_t next = EVENT_NEVER;
    static const uint8_t keepalive = 0xff;
    for (struct esp_peer *p = peers; p; p = p->next) {
        if (p->c.encap != ENCAP_UDP || p->c.keepalive == 0 || udp_fd < 0)
            continue;
        uint64_t ka = (uint64_t)p->c.keepalive * 1000,
                 last = __atomic_load_n(&p->last_esp_ms, __ATOMIC_RELAXED);
        if (last && last + ka > p->keepalive_due)
            p->keepalive_due = last + ka;
        if (now_ms >= p->keepalive_due) {
            struct dest d;
            gem_dp_hold();
            if (dest_of(p, &d) == 0)
                send_packet(&d, &keepalive, 1);
            gem_dp_release();
            p->keepalive_due = now_ms + ka;
        }
        if (p->keepalive_due < next)
            next = p->keepalive_due;
    }
    return next;
}

/* The worker learnt a peer's port behind a NAT (held). */
static void on_port_moved(void)
{
    for (struct esp_peer *p = peers; p; p = p->next)
        if (p->port_moved) {
            p->port_moved = false;
            notify_peer(p, "change");
        }
}

static void on_start(void *ctx)
{
    char err[256];
    if (peers && open_sockets(false, err, sizeof(err)) < 0)
        log_msg("gem-peer: %s", err);
    for (struct esp_peer *p = peers; p; p = p->next)
        if (p->tun_fd < 0 && open_tun(p, err, sizeof(err)) < 0)
            log_msg("gem-peer %s: %s", p->c.name, err);
}

static void peer_free(struct esp_peer *p)
{
    close_fd(&p->tun_fd);
    if (p->have_in)
        esp_sa_clear(&p->in);
    if (p->have_out)
        esp_sa_clear(&p->out);
    free(p);
}

static void on_stop(void *ctx)
{
    while (peers) {
        struct esp_peer *p = peers;
        peers = p->next;
        peer_free(p);
    }
    close_fd(&raw_fd);
    close_fd(&udp_fd);
}

/* ---------------------------------------------------------------------
 * Directives */

/* A TUN device we create: the kernel takes a '%' in a new name as a
 * template (ipsec%d), so such a name would not be the one we asked for. */
static bool valid_tun_name(const char *s) { return config_valid_ifname(s) && !strchr(s, '%'); }

static const struct esp_peer *peer_with_tun(const char *tun, const struct esp_peer *except)
{
    for (struct esp_peer *p = peers; p; p = p->next)
        if (p != except && strcmp(p->c.tun, tun) == 0)
            return p;
    return NULL;
}

static int dir_peer(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    if (nwords < 2 || !config_valid_name(words[1], ESP_NAME_MAX))
        return config_bad(err, errlen,
                          "gem-peer: expected a NAME (letters, digits, '-', '_', '.')");
    struct peer_conf c = {
        .encap = ENCAP_ESP, .mtu = ESP_MTU_DEFAULT, .keepalive = ESP_KEEPALIVE_DEFAULT};
    strlcpy_safe(c.name, words[1], sizeof(c.name));
    bool have_addr = false, have_local = false;
    for (int i = 2; i < nwords; i += 2) {
        const char *kw = words[i], *v = i + 1 < nwords ? words[i + 1] : NULL;
        if (!v)
            return config_bad(err, errlen, "gem-peer %s: '%s' needs a value", c.name, kw);
        if (strcmp(kw, "address") == 0) {
            if (have_addr || config_parse_ip4(v, &c.address) < 0 || !ip4_is_unicast(c.address))
                return config_bad(err, errlen,
                                  "gem-peer %s: address '%s' is not an IPv4 unicast address",
                                  c.name, v);
            have_addr = true;
        } else if (strcmp(kw, "local") == 0) {
            if (have_local || config_parse_ip4(v, &c.local) < 0 || !ip4_is_unicast(c.local))
                return config_bad(err, errlen,
                                  "gem-peer %s: local '%s' is not an IPv4 unicast address", c.name,
                                  v);
            have_local = true;
        } else if (strcmp(kw, "encap") == 0) {
            if (strcmp(v, "esp") == 0)
                c.encap = ENCAP_ESP;
            else if (strcmp(v, "udp") == 0)
                c.encap = ENCAP_UDP;
            else
                return config_bad(err, errlen, "gem-peer %s: encap '%s' is not 'esp' or 'udp'",
                                  c.name, v);
        } else if (strcmp(kw, "tun") == 0) {
            if (!valid_tun_name(v))
                return config_bad(err, errlen, "gem-peer %s: tun '%s' is not an interface name",
                                  c.name, v);
            strlcpy_safe(c.tun, v, sizeof(c.tun));
        } else if (strcmp(kw, "mtu") == 0) {
            unsigned long m;
            if (parse_uint(v, ESP_MTU_MAX, &m) < 0 || m < ESP_MTU_MIN)
                return config_bad(err, errlen, "gem-peer %s: mtu '%s' is not %d-%d", c.name, v,
                                  ESP_MTU_MIN, ESP_MTU_MAX);
            c.mtu = (unsigned)m;
        } else if (strcmp(kw, "keepalive") == 0) {
            unsigned long k;
            if (parse_uint(v, ESP_KEEPALIVE_MAX, &k) < 0)
                return config_bad(err, errlen, "gem-peer %s: keepalive '%s' is not 0-%d seconds",
                                  c.name, v, ESP_KEEPALIVE_MAX);
            c.keepalive = (unsigned)k;
        } else {
            return config_bad(err, errlen, "gem-peer %s: unknown keyword '%s'", c.name, kw);
        }
    }
    if (!have_addr)
        return config_bad(err, errlen, "gem-peer %s: missing 'address ADDR'", c.name);
    if (!have_local)
        return config_bad(err, errlen, "gem-peer %s: missing 'local ADDR'", c.name);
    struct esp_peer *old = esp_peer_find(c.name);
    if (!c.tun[0]) {
        /* The first free ipsecN, or the one the peer already has. */
        if (old)
            strlcpy_safe(c.tun, old->c.tun, sizeof(c.tun));
        for (int n = 0; !c.tun[0] || peer_with_tun(c.tun, old); n++)
            snprintf(c.tun, sizeof(c.tun), "ipsec%d", n);
    }
    const struct esp_peer *clash = peer_with_tun(c.tun, old);
    if (clash)
        return config_bad(err, errlen, "gem-peer %s: tun %s is gem-peer %s's", c.name, c.tun,
                          clash->c.name);

    struct esp_peer *p = old;
    if (!p) {
        p = calloc(1, sizeof(*p));
        if (!p)
            return config_bad(err, errlen, "gem-peer %s: out of memory", c.name);
        p->tun_fd = -1;
    }
    /* A new name needs a new device (and one that could not be created at
     * start is tried again); a new MTU on the same device is just set. */
    bool new_tun = !old || strcmp(old->c.tun, c.tun) != 0 || old->tun_fd < 0;
    if (ext_running()) {
        /* Everything that can fail, before anything changes. */
        int fd = -1;
        if (open_sockets(c.encap == ENCAP_UDP, err, errlen) < 0 ||
            (new_tun && (fd = tun_open(c.tun, c.mtu, err, errlen)) < 0) ||
            (!new_tun && old->c.mtu != c.mtu && tun_set_mtu(c.tun, c.mtu, err, errlen) < 0)) {
            if (fd >= 0)
                close(fd);
            if (!old)
                free(p);
            return -1;
        }
        if (fd >= 0 && gem_dp_add_fd(fd, on_tun, p) < 0) {
            close(fd);
            if (!old)
                free(p);
            return config_bad(err, errlen, "cannot watch TUN device %s", c.tun);
        }
        if (new_tun) {
            close_fd(&p->tun_fd);
            p->tun_fd = fd;
        }
    }
    if (!old || old->c.encap != c.encap)
        p->udp_port = ESP_UDP_PORT;
    p->c = c;
    if (!old) {
        struct esp_peer **pp = &peers;
        while (*pp)
            pp = &(*pp)->next;
        *pp = p;
    }
    notify_peer(p, old ? "change" : "add");
    return 0;
}

static int dir_sa(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    struct esp_peer *p = NULL;
    int dir = -1;
    bool have_spi = false, have_key = false;
    uint32_t spi = 0;
    uint8_t keymat[ESP_KEYMAT_LEN];
    for (int i = 1; i < nwords; i += 2) {
        const char *kw = words[i], *v = i + 1 < nwords ? words[i + 1] : NULL;
        if (!v)
            return config_bad(err, errlen, "esp-sa: '%s' needs a value", kw);
        if (strcmp(kw, "peer") == 0) {
            p = esp_peer_find(v);
            if (!p)
                return config_bad(err, errlen, "esp-sa: no gem-peer named '%s'", v);
        } else if (strcmp(kw, "dir") == 0) {
            if (strcmp(v, "in") == 0)
                dir = 0;
            else if (strcmp(v, "out") == 0)
                dir = 1;
            else
                return config_bad(err, errlen, "esp-sa: dir '%s' is not 'in' or 'out'", v);
        } else if (strcmp(kw, "spi") == 0) {
            unsigned long s;
            /* 1-255 are reserved by IANA, 0 is the non-ESP marker. */
            if (parse_uint(v, 0xffffffffUL, &s) < 0 || s < 256)
                return config_bad(err, errlen,
                                  "esp-sa: spi '%s' is not a number from 256 to 4294967295", v);
            spi = (uint32_t)s;
            have_spi = true;
        } else if (strcmp(kw, "key") == 0) {
            size_t n = 0;
            const char *h = strncmp(v, "0x", 2) == 0 ? v + 2 : v;
            if (strlen(h) != 2 * ESP_KEYMAT_LEN || hex_decode(h, keymat, sizeof(keymat), &n) < 0 ||
                n != ESP_KEYMAT_LEN)
                return config_bad(
                    err, errlen,
                    "esp-sa: key must be %d hex digits (a 32-byte AES-256 key, then a "
                    "4-byte salt)",
                    2 * ESP_KEYMAT_LEN);
            have_key = true;
        } else {
            return config_bad(err, errlen, "esp-sa: unknown keyword '%s'", kw);
        }
    }
    if (!p)
        return config_bad(err, errlen, "esp-sa: missing 'peer NAME'");
    if (dir < 0)
        return config_bad(err, errlen, "esp-sa: missing 'dir in|out'");
    if (!have_spi)
        return config_bad(err, errlen, "esp-sa: missing 'spi N'");
    if (!have_key)
        return config_bad(err, errlen, "esp-sa: missing 'key HEX'");
    bool out = dir == 1;
    struct esp_sa *cur = out ? &p->out : &p->in;
    bool have = out ? p->have_out : p->have_in;
    if (!out) {
        const struct esp_peer *q = peer_by_in_spi(spi);
        if (q && q != p)
            return config_bad(err, errlen, "esp-sa: spi %u is gem-peer %s's inbound SA", spi,
                              q->c.name);
    }
    bool same_key = have && memcmp(cur->key_check, keymat, ESP_KEYMAT_LEN) == 0;
    if (same_key && cur->spi == spi) {
        explicit_bzero(keymat, sizeof(keymat));
        return 0; /* given again: the SA, its sequence and window go on */
    }
    uint64_t mask;
    random_bytes(&mask, sizeof(mask));
    struct esp_sa sa;
    int rc = esp_sa_init(&sa, out, spi, keymat, mask);
    explicit_bzero(keymat, sizeof(keymat));
    if (rc < 0)
        return config_bad(err, errlen,
                          "esp-sa: cannot key AES-256-GCM (is libcrypto.so.3 installed?)");
    if (same_key && out) {
        /* A new SPI for the same key must not restart the sequence, which
         * is the IV: GCM never survives a repeated nonce under one key. */
        sa.seq = cur->seq;
        sa.iv_mask = cur->iv_mask;
    }
    if (have)
        esp_sa_clear(cur);
    *cur = sa;
    explicit_bzero(&sa, sizeof(sa));
    if (out)
        p->have_out = true;
    else
        p->have_in = true;
    notify_sa(p, out, have ? "change" : "add");
    return 0;
}

static int flush_peer(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    if (nwords != 2)
        return config_bad(err, errlen, "usage: flush gem-peer NAME");
    for (struct esp_peer **pp = &peers; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->c.name, words[1]) == 0) {
            struct esp_peer *p = *pp;
            if (p->have_in)
                notify_sa(p, false, "flush");
            if (p->have_out)
                notify_sa(p, true, "flush");
            notify_peer(p, "flush");
            *pp = p->next;
            peer_free(p);
            return 0;
        }
    }
    return config_bad(err, errlen, "no gem-peer named '%s'", words[1]);
}

static int flush_sa(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    struct esp_peer *p;
    if (nwords != 5 || strcmp(words[1], "peer") != 0 || strcmp(words[3], "dir") != 0 ||
        (strcmp(words[4], "in") != 0 && strcmp(words[4], "out") != 0))
        return config_bad(err, errlen, "usage: flush esp-sa peer NAME dir in|out");
    if (!(p = esp_peer_find(words[2])))
        return config_bad(err, errlen, "no gem-peer named '%s'", words[2]);
    bool out = strcmp(words[4], "out") == 0;
    bool *have = out ? &p->have_out : &p->have_in;
    if (!*have)
        return config_bad(err, errlen, "gem-peer %s has no %s SA", p->c.name, words[4]);
    notify_sa(p, out, "flush");
    esp_sa_clear(out ? &p->out : &p->in);
    *have = false;
    return 0;
}

/* ---------------------------------------------------------------------
 * Records (never key material) */

static void fmt_sa(const struct esp_peer *p, bool out, const char *kind, char *buf, size_t len)
{
    /* Unheld (a dump): what the worker writes is read atomically. */
    const struct esp_sa *sa = out ? &p->out : &p->in;
    snprintf(buf, len,
             "%s esp-sa peer %s dir %s spi %u packets %llu bytes %llu replay-drops %llu "
             "auth-failures %llu malformed %llu errors %llu seq %llu\n",
             kind, p->c.name, out ? "out" : "in", sa->spi,
             (unsigned long long)GEM_CTR(sa->n.packets), (unsigned long long)GEM_CTR(sa->n.bytes),
             (unsigned long long)GEM_CTR(sa->n.replay_drops),
             (unsigned long long)GEM_CTR(sa->n.auth_failures),
             (unsigned long long)GEM_CTR(sa->n.malformed),
             (unsigned long long)(GEM_CTR(sa->n.errors) + GEM_CTR(sa->n.seq_exhausted)),
             (unsigned long long)(sa->outbound ? GEM_CTR(sa->seq) : GEM_CTR(sa->replay.top)));
}

static void fmt_peer(const struct esp_peer *p, const char *kind, char *buf, size_t len)
{
    char a[INET_ADDRSTRLEN], l[INET_ADDRSTRLEN];
    int n = snprintf(buf, len, "%s gem-peer %s address %s local %s encap %s tun %s mtu %u", kind,
                     p->c.name, inet_ntop(AF_INET, &p->c.address, a, sizeof(a)),
                     inet_ntop(AF_INET, &p->c.local, l, sizeof(l)),
                     p->c.encap == ENCAP_UDP ? "udp" : "esp", p->c.tun, p->c.mtu);
    if (p->c.encap == ENCAP_UDP)
        n += snprintf(buf + n, len - (size_t)n, " port %u keepalive %u", GEM_CTR(p->udp_port),
                      p->c.keepalive);
    snprintf(buf + n, len - (size_t)n, " no-sa %llu\n", (unsigned long long)GEM_CTR(p->no_sa));
}

/* Monitors hear of configuration changes (and a NAT's port moving), not of
 * every packet: the counters are read with dump. */
static void notify_peer(const struct esp_peer *p, const char *kind)
{
    char buf[512];
    if (!ext_running() || !local_have_monitors())
        return;
    fmt_peer(p, kind, buf, sizeof(buf));
    local_notify_line(buf);
}

static void notify_sa(const struct esp_peer *p, bool out, const char *kind)
{
    char buf[512];
    if (!ext_running() || !local_have_monitors())
        return;
    fmt_sa(p, out, kind, buf, sizeof(buf));
    local_notify_line(buf);
}

static void on_dump(void (*emit)(const char *, void *), void *out, void *ctx)
{
    char buf[512];
    for (struct esp_peer *p = peers; p; p = p->next) {
        fmt_peer(p, "add", buf, sizeof(buf));
        emit(buf, out);
        if (p->have_in) {
            fmt_sa(p, false, "add", buf, sizeof(buf));
            emit(buf, out);
        }
        if (p->have_out) {
            fmt_sa(p, true, "add", buf, sizeof(buf));
            emit(buf, out);
        }
    }
    if (peers) {
        snprintf(buf, sizeof(buf),
                 "add esp-input unknown-spi %llu truncated %llu non-esp %llu keepalives %llu\n",
                 (unsigned long long)GEM_CTR(input.unknown_spi),
                 (unsigned long long)GEM_CTR(input.truncated),
                 (unsigned long long)GEM_CTR(input.non_esp),
                 (unsigned long long)GEM_CTR(input.keepalives));
        emit(buf, out);
    }
}

void esp_register(void)
{
    gem_dp_directive("gem-peer", dir_peer, NULL);
    gem_dp_directive("esp-sa", dir_sa, NULL);
    gem_dp_flush("gem-peer", flush_peer, NULL);
    gem_dp_flush("esp-sa", flush_sa, NULL);
    /* A dump is not held: it reads the worker's counters atomically, so the
     * local interface answers whatever the data plane is doing. */
    ext_register_dump(on_dump, NULL);
    gem_dp_lifecycle(on_start, on_stop, NULL);
    gem_dp_on_notice(0, on_port_moved);
    event_add_tick(on_tick, NULL);
}
