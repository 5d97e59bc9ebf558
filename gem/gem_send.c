#include "gem/gem_send.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "babel/byteorder.h"
#include "babel/config.h"
#include "babel/config_words.h"
#include "babel/event.h"
#include "babel/extension.h"
#include "babel/util.h"
#include "gem/esp.h"
#include "gem/gem_codec.h"
#include "gem/gem_ctr.h"
#include "gem/gem_dp.h"
#include "gem/gem_keys.h"
#include "gem/gem_seq.h"
#include "mcast/frame.h"
#include "mcast/reasm.h"
#include "mcast/rule.h"

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5 /* linux/virtio_net.h of 5.18 and later */
#endif
#define GEM_MAX_PEERS 8
#define PEER_NAME_MAX 64
#define RESOLVE_MS 1000
/* Frames per read: a UDP_SEGMENT frame may hold dozens of datagrams, and
 * the worker has other sockets to serve. */
#define BATCH 32
/* A captured frame: the virtio header, Ethernet, up to a whole (GSO) IP packet. */
#define FRAME_MAX (sizeof(struct virtio_net_hdr) + ETH_HLEN + 65535)

struct gem_send {
    /* As configured. */
    uint32_t group;
    char in_if[IF_NAMESIZE];
    uint16_t port;   /* 0: any */
    uint32_t source; /* 0: any */
    char peers[GEM_MAX_PEERS][PEER_NAME_MAX];
    int npeers;
    char veth_if[IF_NAMESIZE]; /* "" : none */
    uint32_t from;             /* 0: the veth's or the in interface's address */
    uint8_t ttl;
    /* Run time. */
    int cap_fd, veth_fd;
    unsigned in_ifindex, veth_ifindex;
    uint32_t sender;
    uint16_t ip_id;
    char state[32];
    unsigned veth_mtu;
    struct reasm reasm; /* fragments seen on IF */
    uint64_t expired_at; /* the worker's last reasm_expire */
    uint64_t captured, packets, bytes, no_key, fragments, reassembled, bad, own, esp_sent,
        esp_errors, veth_sent, veth_errors;
    struct gem_send *next;
};

static struct gem_send *sends;
static bool started;
/* One numbering for every group this gateway seals (gem_seq.h): a SEK
 * shared by two groups (or a group re-keyed to an old key) still never
 * sees a nonce twice, since the nonce is sender address, run and sequence
 * number.  The run is drawn when the first gem-send is made. */
static struct gem_seq seq;
static bool seq_started;
static uint64_t next_resolve;

static void fmt(const struct gem_send *s, const char *kind, char *buf, size_t len)
{
    char g[16], f[16], so[16];
    size_t l = (size_t)snprintf(buf, len, "%s gem-send %s in %s port %u source %s", kind,
                                ip4_fmt(s->group, g), s->in_if, s->port,
                                s->source ? ip4_fmt(s->source, so) : "any");
    for (int i = 0; i < s->npeers && l < len; i++)
        l += (size_t)snprintf(buf + l, len - l, " to %s", s->peers[i]);
    if (s->veth_if[0] && l < len)
        l += (size_t)snprintf(buf + l, len - l, " veth %s", s->veth_if);
    if (l < len)
        snprintf(buf + l, len - l,
                 " from %s ttl %u state %s captured %llu packets %llu bytes %llu no-key %llu "
                 "fragments %llu reassembled %llu bad %llu own %llu esp-sent %llu esp-errors %llu "
                 "veth-sent %llu veth-errors %llu\n",
                 s->sender ? ip4_fmt(s->sender, f) : "-", s->ttl, s->state,
                 (unsigned long long)GEM_CTR(s->captured), (unsigned long long)GEM_CTR(s->packets),
                 (unsigned long long)GEM_CTR(s->bytes), (unsigned long long)GEM_CTR(s->no_key),
                 (unsigned long long)GEM_CTR(s->fragments),
                 (unsigned long long)GEM_CTR(s->reassembled), (unsigned long long)GEM_CTR(s->bad),
                 (unsigned long long)GEM_CTR(s->own), (unsigned long long)GEM_CTR(s->esp_sent),
                 (unsigned long long)GEM_CTR(s->esp_errors),
                 (unsigned long long)GEM_CTR(s->veth_sent),
                 (unsigned long long)GEM_CTR(s->veth_errors));
}

static void notify(const struct gem_send *s, const char *kind)
{
    char buf[768];
    fmt(s, kind, buf, sizeof(buf));
    gem_notify(buf);
}

/* ---------------------------------------------------------------------
 * The data path, on the GEM/ESP worker (gem_dp.h): one frame in, one GEM
 * packet out to each output, queued in the worker's send batch.  No
 * allocation: the buffers are static (one thread).  The worker owns the
 * counters, the reassembly state and the sequence; the control plane reads
 * and changes them held. */

static uint8_t rx[BATCH][FRAME_MAX];
static uint8_t tx[GEM_IP_UDP_LEN + GEM_OVERHEAD + 65536];
static uint8_t frag[65536];

static void emit_one(struct gem_send *s, struct gem_key *k, struct esp_peer **peers, int npeers,
                     uint32_t src, uint16_t sport, uint16_t dport, const uint8_t *pl, size_t plen)
{
    if (plen > GEM_MAX_PAYLOAD) {
        GEM_CTR_INC(s->bad);
        return;
    }
    struct gem_header h = {.version = GEM_VERSION,
                           .key_id = k->id,
                           .sender = s->sender,
                           .run = seq.run,
                           .seq = gem_seq_next(&seq),
                           .source = src,
                           .group = s->group,
                           .sport = sport,
                           .dport = dport};
    size_t glen = gem_seal(k->crypto, &h, pl, plen, tx + GEM_IP_UDP_LEN);
    if (!glen) {
        GEM_CTR_INC(s->bad);
        return;
    }
    gem_udp4_build(tx, glen, s->sender, s->group, GEM_UDP_PORT, GEM_UDP_PORT, s->ttl, s->ip_id++);
    size_t total = GEM_IP_UDP_LEN + glen;
    GEM_CTR_INC(k->sealed);
    GEM_CTR_INC(s->packets);
    GEM_CTR_ADD(s->bytes, plen);
    for (int i = 0; i < npeers; i++) {
        if (peers[i])
            esp_send(peers[i], tx, total, &s->esp_sent, &s->esp_errors);
        else
            GEM_CTR_INC(s->esp_errors);
    }
    if (s->veth_fd >= 0) {
        /* The datagram keeps its multicast destination: 01:00:5e and the
         * group's low 23 bits (RFC 1112). */
        uint32_t g = ntohl(s->group);
        struct sockaddr_ll to = {.sll_family = AF_PACKET,
                                 .sll_protocol = htons(ETH_P_IP),
                                 .sll_ifindex = (int)s->veth_ifindex,
                                 .sll_halen = 6,
                                 .sll_addr = {0x01, 0x00, 0x5e, (uint8_t)(g >> 16 & 0x7f),
                                              (uint8_t)(g >> 8), (uint8_t)g}};
        bool sent = true;
        if (total <= s->veth_mtu) {
            uint8_t *slot = gem_tx_slot();
            memcpy(slot, tx, total);
            struct gem_tx_count c = {.ok = &s->veth_sent, .err = &s->veth_errors};
            gem_tx_commit(s->veth_fd, &to, sizeof(to), NULL, 0, total, &c);
            return;
        } else {
            /* Larger than the veth's MTU: fragments, as the kernel would
             * make them; the far side's kernel puts them together.  Rare:
             * sent at once, after what is queued. */
            gem_tx_flush();
            size_t off = 0, next, flen;
            while (sent && off < total - 20 &&
                   (flen = gem_ip4_fragment(tx, total, s->veth_mtu, off, frag, &next)) > 0) {
                sent = sendto(s->veth_fd, frag, flen, 0, (struct sockaddr *)&to, sizeof(to)) ==
                       (ssize_t)flen;
                off = next;
            }
            sent &= off == total - 20;
        }
        if (sent)
            GEM_CTR_INC(s->veth_sent);
        else
            GEM_CTR_INC(s->veth_errors);
    }
}

/* One whole datagram seen on IF (or, with gso_size, several of that size
 * behind one UDP header): filtered, then each sealed and sent. */
static void datagram_in(struct gem_send *s, struct gem_key *k, struct esp_peer **peers,
                        int npeers, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                        const uint8_t *pl, size_t plen, size_t gso_size)
{
    if (dst != s->group)
        return; /* the kernel filter lets only these through; a race at set-up */
    if (dport == GEM_UDP_PORT) {
        GEM_CTR_INC(s->own); /* a GEM packet (ours, on the same link): never sealed again */
        return;
    }
    if ((s->port && dport != s->port) || (s->source && src != s->source))
        return;
    if (!k) {
        GEM_CTR_INC(s->no_key);
        return;
    }
    if (!gso_size) {
        emit_one(s, k, peers, npeers, src, sport, dport, pl, plen);
        return;
    }
    /* What the sender wrote, before the kernel cut it apart: datagrams of
     * gso_size bytes, the last shorter. */
    while (plen) {
        size_t n = plen < gso_size ? plen : gso_size;
        emit_one(s, k, peers, npeers, src, sport, dport, pl, n);
        pl += n;
        plen -= n;
    }
}

/* One captured frame, behind its virtio header: a datagram, a fragment (put
 * together with the others first), or a local sender's UDP_SEGMENT
 * super-frame. */
static void frame_in(struct gem_send *s, struct gem_key *k, struct esp_peer **peers, int npeers,
                     const uint8_t *buf, size_t len)
{
    struct virtio_net_hdr vh;
    GEM_CTR_INC(s->captured);
    if (len < sizeof(vh) + ETH_HLEN + 20) {
        GEM_CTR_INC(s->bad);
        return;
    }
    memcpy(&vh, buf, sizeof(vh));
    const uint8_t *eth = buf + sizeof(vh);
    len -= sizeof(vh);
    /* A checksum the kernel has not filled in yet (a local sender's
     * offload) is not checked. */
    bool partial = vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;
    bool gso = (vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_UDP_L4;
    if (gso && vh.gso_size) {
        /* One IPv4 and UDP header for all: the UDP length is the whole's. */
        const uint8_t *ip = eth + ETH_HLEN;
        size_t ihl = (size_t)(ip[0] & 15) * 4, tot = get16(ip + 2);
        len -= ETH_HLEN;
        if (ip[0] >> 4 != 4 || ihl < 20 || ip[9] != 17 || tot < ihl + 8 || tot > len ||
            (get16(ip + 6) & 0x3fff) || inet_fold(inet_sum(ip, ihl, 0)) != 0xffff) {
            GEM_CTR_INC(s->bad);
            return;
        }
        uint32_t src, dst;
        memcpy(&src, ip + 12, 4);
        memcpy(&dst, ip + 16, 4);
        const uint8_t *udp = ip + ihl;
        datagram_in(s, k, peers, npeers, src, dst, get16(udp), get16(udp + 2), udp + 8,
                    tot - ihl - 8, vh.gso_size);
        return;
    }
    struct frame_view v;
    memset(&v, 0, sizeof(v));
    switch (frame_parse(eth, len, partial, &v)) {
    case FRAME_OK:
        datagram_in(s, k, peers, npeers, v.src, v.dst, v.sport, v.dport, v.payload,
                    v.payload_len, 0);
        return;
    case FRAME_FRAGMENT: {
        GEM_CTR_INC(s->fragments);
        if (v.dst != s->group)
            return;
        struct reasm_datagram d;
        enum frame_result why;
        int rc = reasm_add(&s->reasm, &v, partial, gem_dp_now_ms(), &d, &why);
        if (rc < 0)
            GEM_CTR_INC(s->bad);
        if (rc != 1)
            return;
        struct frame_view u;
        memset(&u, 0, sizeof(u));
        if (frame_parse_udp(d.l4, d.l4_len, d.src, d.dst, d.csum_partial, &u) == FRAME_OK) {
            GEM_CTR_INC(s->reassembled);
            datagram_in(s, k, peers, npeers, d.src, d.dst, u.sport, u.dport, u.payload,
                        u.payload_len, 0);
        } else {
            GEM_CTR_INC(s->bad);
        }
        reasm_done(&d);
        return;
    }
    case FRAME_NOT_IPV4:
    case FRAME_NOT_UDP:
        return; /* the kernel filter lets none through */
    default:
        GEM_CTR_INC(s->bad);
        return;
    }
}

static void cap_event(int fd, void *ctx)
{
    struct gem_send *s = ctx;
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){rx[i], FRAME_MAX};
        msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
    }
    int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0)
        return;
    /* Peers and key looked up once per batch: the control plane may change
     * them between two batches (held), never during one. */
    struct esp_peer *peers[GEM_MAX_PEERS];
    for (int i = 0; i < s->npeers; i++)
        peers[i] = esp_peer_find(s->peers[i]);
    struct gem_key *k = gem_keys_current(s->group);
    uint64_t now = gem_dp_now_ms();
    if (now - s->expired_at >= RESOLVE_MS) {
        reasm_expire(&s->reasm, now);
        s->expired_at = now;
    }
    for (int i = 0; i < n; i++) {
        if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
            GEM_CTR_INC(s->bad);
            continue;
        }
        frame_in(s, k, peers, s->npeers, rx[i], msgs[i].msg_len);
    }
}

/* ---------------------------------------------------------------------
 * Sockets */

static void close_fds(struct gem_send *s)
{
    if (s->cap_fd >= 0) {
        gem_dp_del_fd(s->cap_fd);
        close(s->cap_fd);
    }
    if (s->veth_fd >= 0)
        close(s->veth_fd);
    s->cap_fd = s->veth_fd = -1;
    s->in_ifindex = s->veth_ifindex = 0;
}

/* Only IPv4 UDP to the group (offsets from the Ethernet header): filtered
 * in the kernel, so other traffic costs nothing. */
static int attach_filter(int fd, uint32_t group)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 5),
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, ETH_HLEN + 9),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ETH_HLEN + 16),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(group), 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int open_capture(struct gem_send *s, unsigned ifindex)
{
    /* Ethernet frames (the kernel takes the virtio header only on raw
     * packet sockets), each behind a virtio header that tells of
     * UDP_SEGMENT super-frames and of checksums not filled in yet. */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1, rcvbuf = 4 << 20;
    /* ETH_P_ALL: the kernel shows outgoing frames only to such sockets. */
    struct sockaddr_ll a = {.sll_family = AF_PACKET,
                            .sll_protocol = htons(ETH_P_ALL),
                            .sll_ifindex = (int)ifindex};
    uint32_t g = ntohl(s->group);
    struct packet_mreq mr = {.mr_ifindex = (int)ifindex,
                             .mr_type = PACKET_MR_MULTICAST,
                             .mr_alen = 6,
                             .mr_address = {0x01, 0x00, 0x5e, (uint8_t)(g >> 16 & 0x7f),
                                            (uint8_t)(g >> 8), (uint8_t)g}};
    if (attach_filter(fd, s->group) < 0 ||
        setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
    return fd;
}

static uint32_t if_addr4(const char *ifname)
{
    struct ifaddrs *ifa, *p;
    uint32_t r = 0;
    if (getifaddrs(&ifa) < 0)
        return 0;
    for (p = ifa; p && !r; p = p->ifa_next)
        if (p->ifa_addr && p->ifa_addr->sa_family == AF_INET && strcmp(p->ifa_name, ifname) == 0)
            r = ((struct sockaddr_in *)p->ifa_addr)->sin_addr.s_addr;
    freeifaddrs(ifa);
    return r;
}

static uint32_t sender_of(const struct gem_send *s)
{
    uint32_t sender = s->from;
    if (!sender && s->veth_if[0])
        sender = if_addr4(s->veth_if);
    if (!sender)
        sender = if_addr4(s->in_if);
    return sender;
}

/* Whether resolve would change anything the worker reads (the periodic
 * check, unheld: it reads only what the control plane writes). */
static bool resolve_needed(const struct gem_send *s)
{
    unsigned in = if_nametoindex(s->in_if);
    unsigned ve = s->veth_if[0] ? if_nametoindex(s->veth_if) : 0;
    if (in != s->in_ifindex || ve != s->veth_ifindex || !in || (s->veth_if[0] && !ve))
        return true;
    uint32_t sender = sender_of(s);
    return sender != s->sender || !sender || (ve && gem_if_mtu(s->veth_if) != s->veth_mtu) ||
           s->cap_fd < 0 || (s->veth_if[0] && s->veth_fd < 0);
}

/* Follows the interfaces (they may come, go or be renumbered), the veth's
 * MTU and the sender address; opens what is missing.  Held. */
static void resolve(struct gem_send *s)
{
    char before[32];
    strlcpy_safe(before, s->state, sizeof(before));
    unsigned in = if_nametoindex(s->in_if);
    unsigned ve = s->veth_if[0] ? if_nametoindex(s->veth_if) : 0;
    if (in != s->in_ifindex || (s->veth_if[0] && ve != s->veth_ifindex))
        close_fds(s);
    uint32_t sender = sender_of(s);
    s->sender = sender;
    if (ve)
        s->veth_mtu = gem_if_mtu(s->veth_if);
    if (!in || (s->veth_if[0] && !ve)) {
        snprintf(s->state, sizeof(s->state), "waiting-for-interface");
    } else if (!sender) {
        snprintf(s->state, sizeof(s->state), "no-address");
    } else {
        if (s->cap_fd < 0) {
            s->cap_fd = open_capture(s, in);
            if (s->cap_fd < 0)
                log_msg("gem: capturing on %s: %s", s->in_if, strerror(errno));
            else if (gem_dp_add_fd(s->cap_fd, cap_event, s) < 0) {
                close(s->cap_fd);
                s->cap_fd = -1;
            }
        }
        if (s->veth_if[0] && s->veth_fd < 0) {
            s->veth_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(0));
            int sz = 4 << 20;
            if (s->veth_fd < 0)
                log_msg("gem: a packet socket for %s: %s", s->veth_if, strerror(errno));
            else
                setsockopt(s->veth_fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
        }
        s->in_ifindex = in;
        s->veth_ifindex = ve;
        bool ok = s->cap_fd >= 0 && (!s->veth_if[0] || s->veth_fd >= 0);
        snprintf(s->state, sizeof(s->state), ok ? "active" : "socket-error");
    }
    if (strcmp(before, s->state) != 0)
        notify(s, "change");
}

static uint64_t tick(void *ctx)
{
    if (!started)
        return EVENT_NEVER;
    if (now_ms >= next_resolve) {
        /* Held only when something changes: a steady gateway's worker is
         * never stopped by this check. */
        for (struct gem_send *s = sends; s; s = s->next)
            if (resolve_needed(s)) {
                gem_dp_hold();
                resolve(s);
                gem_dp_release();
            }
        next_resolve = now_ms + RESOLVE_MS;
    }
    return next_resolve;
}

/* ---------------------------------------------------------------------
 * Directives */

static struct gem_send *find(uint32_t group)
{
    for (struct gem_send *s = sends; s; s = s->next)
        if (s->group == group)
            return s;
    return NULL;
}

static int directive(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    struct gem_send n = {.ttl = 64, .cap_fd = -1, .veth_fd = -1};
    if (gem_parse_group(words, nwords, &n.group, err, errlen) < 0)
        return -1;
    bool have_in = false, have_port = false, have_from = false, have_ttl = false,
         have_source = false;
    for (int i = 2; i < nwords; i += 2) {
        const char *k = words[i];
        if (i + 1 >= nwords)
            return config_bad(err, errlen, "gem-send: %s without a value", k);
        const char *v = words[i + 1];
        unsigned long u;
        if (strcmp(k, "in") == 0) {
            if (have_in)
                return config_bad(err, errlen, "gem-send: in given twice");
            if (!config_valid_ifname(v))
                return config_bad(err, errlen, "gem-send: bad interface name %s", v);
            strlcpy_safe(n.in_if, v, sizeof(n.in_if));
            have_in = true;
        } else if (strcmp(k, "port") == 0) {
            if (have_port || parse_uint(v, 65535, &u) < 0)
                return config_bad(err, errlen, "gem-send: bad or repeated port %s", v);
            n.port = (uint16_t)u;
            have_port = true;
        } else if (strcmp(k, "source") == 0) {
            if (have_source || config_parse_ip4(v, &n.source) < 0 || ip4_is_multicast(n.source) ||
                n.source == 0)
                return config_bad(err, errlen, "gem-send: bad or repeated source %s", v);
            have_source = true;
        } else if (strcmp(k, "to") == 0) {
            if (n.npeers == GEM_MAX_PEERS)
                return config_bad(err, errlen, "gem-send: more than %d peers", GEM_MAX_PEERS);
            if (strlen(v) >= PEER_NAME_MAX)
                return config_bad(err, errlen, "gem-send: peer name %s too long", v);
            for (int j = 0; j < n.npeers; j++)
                if (strcmp(n.peers[j], v) == 0)
                    return config_bad(err, errlen, "gem-send: peer %s given twice", v);
            strlcpy_safe(n.peers[n.npeers++], v, PEER_NAME_MAX);
        } else if (strcmp(k, "veth") == 0) {
            if (n.veth_if[0])
                return config_bad(err, errlen, "gem-send: veth given twice");
            if (!config_valid_ifname(v))
                return config_bad(err, errlen, "gem-send: bad interface name %s", v);
            strlcpy_safe(n.veth_if, v, sizeof(n.veth_if));
        } else if (strcmp(k, "from") == 0) {
            if (have_from || config_parse_ip4(v, &n.from) < 0 || ip4_is_multicast(n.from) ||
                n.from == 0)
                return config_bad(err, errlen, "gem-send: bad or repeated from address %s", v);
            have_from = true;
        } else if (strcmp(k, "ttl") == 0) {
            if (have_ttl || parse_uint(v, 255, &u) < 0 || u == 0)
                return config_bad(err, errlen, "gem-send: ttl %s is not 1-255", v);
            n.ttl = (uint8_t)u;
            have_ttl = true;
        } else {
            return config_bad(err, errlen, "gem-send: unknown keyword %s", k);
        }
    }
    if (!have_in)
        return config_bad(err, errlen, "gem-send: missing in IF");
    if (!n.npeers && !n.veth_if[0])
        return config_bad(err, errlen, "gem-send: no output (to PEER or veth IF)");
    /* As esp-sa lines, a gem-send names peers defined before it (a peer
     * flushed later only makes its sends fail, counted as esp-errors). */
    for (int j = 0; j < n.npeers; j++)
        if (!esp_peer_find(n.peers[j]))
            return config_bad(err, errlen, "gem-send: no gem-peer %s", n.peers[j]);
    struct gem_send *s = find(n.group);
    bool replace = s != NULL;
    if (!s) {
        s = calloc(1, sizeof(*s));
        if (!s)
            return config_bad(err, errlen, "gem-send: out of memory");
        s->cap_fd = s->veth_fd = -1;
        reasm_init(&s->reasm);
        if (!seq_started) {
            gem_seq_start(&seq);
            seq_started = true;
        }
        s->next = sends;
        sends = s;
    } else if (strcmp(s->in_if, n.in_if) != 0 || strcmp(s->veth_if, n.veth_if) != 0) {
        close_fds(s); /* reopened on the new interfaces below */
    } /* else the sockets stay: a replaced line loses no packet */
    /* Counters carry over a replacement (the sequence is the gateway's). */
    s->group = n.group;
    memcpy(s->in_if, n.in_if, sizeof(s->in_if));
    s->port = n.port;
    s->source = n.source;
    memcpy(s->peers, n.peers, sizeof(s->peers));
    s->npeers = n.npeers;
    memcpy(s->veth_if, n.veth_if, sizeof(s->veth_if));
    s->from = n.from;
    s->ttl = n.ttl;
    snprintf(s->state, sizeof(s->state), started ? "pending" : "not-started");
    if (started)
        resolve(s);
    notify(s, replace ? "change" : "add");
    return 0;
}

static int flush(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    uint32_t group;
    if (nwords != 2)
        return config_bad(err, errlen, "usage: flush gem-send G");
    if (gem_parse_group(words, nwords, &group, err, errlen) < 0)
        return -1;
    for (struct gem_send **pp = &sends; *pp; pp = &(*pp)->next) {
        struct gem_send *s = *pp;
        if (s->group != group)
            continue;
        notify(s, "flush");
        close_fds(s);
        reasm_free(&s->reasm);
        *pp = s->next;
        free(s);
        return 0;
    }
    return config_bad(err, errlen, "unknown gem-send %s", words[1]);
}

static void dump(void (*emit)(const char *line, void *out), void *out, void *ctx)
{
    char buf[768];
    for (const struct gem_send *s = sends; s; s = s->next) {
        fmt(s, "add", buf, sizeof(buf));
        emit(buf, out);
    }
}

static void start(void *ctx)
{
    started = true;
    for (struct gem_send *s = sends; s; s = s->next)
        resolve(s);
    next_resolve = now_ms + RESOLVE_MS;
    event_add_tick(tick, NULL);
}

static void stop(void *ctx)
{
    started = false;
    while (sends) {
        struct gem_send *s = sends;
        sends = s->next;
        close_fds(s);
        reasm_free(&s->reasm);
        free(s);
    }
}

void gem_send_register(void)
{
    gem_dp_directive("gem-send", directive, NULL);
    gem_dp_flush("gem-send", flush, NULL);
    ext_register_dump(dump, NULL); /* unheld: counters read atomically */
    gem_dp_lifecycle(start, stop, NULL);
}
