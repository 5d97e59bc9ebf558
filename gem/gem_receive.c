#include "gem/gem_receive.h"

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
#include "babel/event.h"
#include "babel/extension.h"
#include "babel/util.h"
#include "gem/esp.h"
#include "gem/gem_codec.h"
#include "gem/gem_ctr.h"
#include "gem/gem_dp.h"
#include "gem/gem_keys.h"
#include "gem/gem_replay.h"
#include "mcast/frame.h"
#include "mcast/rule.h"

#define MAX_IN 4
#define MAX_SENDERS 16
#define RESOLVE_MS 1000
#define BATCH 32

/* Why a GEM packet was dropped (or not). */
enum gem_drop {
    DROP_TRUNCATED,   /* shorter than header, tag and MAC; or a bad carrying datagram */
    DROP_BAD_VERSION, /* not version 1 */
    DROP_UNKNOWN_GROUP, /* no gem-receive (or no gem-group) for its group */
    DROP_STALE_KEY,   /* a key id the group does not have (retired or never configured) */
    DROP_BAD_MAC,     /* forged, tampered, or sealed with another GAK */
    DROP_REPLAYED,    /* seen already, or older than the window */
    DROP_BAD_DECRYPT, /* the GAK verified but the SEK's tag did not */
    DROP_COUNT
};
static const char *const drop_names[DROP_COUNT] = {
    "truncated", "bad-version", "unknown-group", "stale-key", "bad-mac", "replayed", "bad-decrypt",
};

struct sender_window {
    uint32_t sender;
    uint16_t key_id;
    uint64_t last_used; /* for replacement when the table is full */
    struct gem_replay w;
};

struct gem_receive {
    uint32_t group;
    char out_if[IF_NAMESIZE];
    char in_if[MAX_IN][IF_NAMESIZE];
    int nin;
    uint8_t ttl;
    unsigned out_ifindex, mtu;
    unsigned in_ifindex[MAX_IN];
    int raw_fd;
    char state[32];
    uint16_t ip_id;
    uint64_t packets, bytes, drops;
    struct sender_window senders[MAX_SENDERS];
    uint64_t use_clock;
    struct gem_receive *next;
};

static struct gem_receive *receives;
static bool started, handler_set;
static int udp_fd = -1;
static uint64_t next_resolve;
static uint64_t arrived, accepted, dropped[DROP_COUNT];
static bool counted; /* the gem-input record appears once there is something to say */

static void fmt(const struct gem_receive *r, const char *kind, char *buf, size_t len)
{
    char g[16];
    size_t l = (size_t)snprintf(buf, len, "%s gem-receive %s out %s", kind, ip4_fmt(r->group, g),
                                r->out_if);
    for (int i = 0; i < r->nin && l < len; i++)
        l += (size_t)snprintf(buf + l, len - l, " in %s", r->in_if[i]);
    if (l < len)
        snprintf(buf + l, len - l, " ttl %u state %s packets %llu bytes %llu drops %llu\n", r->ttl,
                 r->state, (unsigned long long)GEM_CTR(r->packets),
                 (unsigned long long)GEM_CTR(r->bytes), (unsigned long long)GEM_CTR(r->drops));
}

static void notify(const struct gem_receive *r, const char *kind)
{
    char buf[512];
    fmt(r, kind, buf, sizeof(buf));
    gem_notify(buf);
}

static struct gem_receive *find(uint32_t group)
{
    for (struct gem_receive *r = receives; r; r = r->next)
        if (r->group == group)
            return r;
    return NULL;
}

/* ---------------------------------------------------------------------
 * The data path, on the GEM/ESP worker (gem_dp.h): what verifies is
 * decrypted straight into a slot of the worker's send batch, which goes out
 * with one sendmmsg per socket when the batch is done.  The worker owns the
 * windows and counters; the control plane reads and changes them held. */

static uint8_t frag[65536];

static bool drop(enum gem_drop why)
{
    GEM_CTR_INC(dropped[why]);
    return false;
}

static struct sender_window *window(struct gem_receive *r, uint32_t sender, uint16_t key_id,
                                    bool create)
{
    struct sender_window *oldest = &r->senders[0];
    for (int i = 0; i < MAX_SENDERS; i++) {
        struct sender_window *w = &r->senders[i];
        if (w->last_used && w->sender == sender && w->key_id == key_id)
            return w;
        if (w->last_used < oldest->last_used)
            oldest = w;
    }
    if (!create)
        return NULL;
    /* Created only for a packet whose MAC verified, so forgeries cannot
     * push a real sender out. */
    memset(oldest, 0, sizeof(*oldest));
    oldest->sender = sender;
    oldest->key_id = key_id;
    return oldest;
}

/* One GEM packet: true when its re-emission was queued (*rp: its role). */
static bool receive_one(const uint8_t *buf, size_t len, struct gem_receive **rp)
{
    struct gem_header h;
    struct gem_view v;
    GEM_CTR_INC(arrived);
    GEM_CTR_SET(counted, true);
    switch (gem_parse(buf, len, &h, &v)) {
    case GEM_PARSE_OK:
        break;
    case GEM_PARSE_TRUNCATED:
        return drop(DROP_TRUNCATED);
    case GEM_PARSE_BAD_VERSION:
        return drop(DROP_BAD_VERSION);
    }
    struct gem_receive *r = find(h.group);
    if (!r || !gem_keys_have_group(h.group))
        return drop(DROP_UNKNOWN_GROUP);
    struct gem_key *k = gem_keys_find(h.group, h.key_id);
    if (!k)
        return drop(DROP_STALE_KEY);
    if (!gem_verify(k->crypto, &v))
        return drop(DROP_BAD_MAC);
    struct sender_window *w = window(r, h.sender, h.key_id, false);
    if (w && !gem_replay_check(&w->w, h.seq))
        return drop(DROP_REPLAYED);
    /* Decrypted into the next slot; committed only if it goes out. */
    uint8_t *pt = gem_tx_slot();
    uint8_t *payload = pt + GEM_IP_UDP_LEN;
    if (!gem_decrypt(k->crypto, &h, &v, payload))
        return drop(DROP_BAD_DECRYPT);
    if (!w)
        w = window(r, h.sender, h.key_id, true);
    gem_replay_commit(&w->w, h.seq);
    w->last_used = ++r->use_clock;
    GEM_CTR_INC(k->accepted);
    GEM_CTR_INC(accepted);
    *rp = r;
    if (r->raw_fd < 0) {
        GEM_CTR_INC(r->drops);
        return false;
    }
    gem_udp4_build(pt, v.ct_len, h.source, h.group, h.sport, h.dport, r->ttl, r->ip_id++);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = h.group};
    size_t total = GEM_IP_UDP_LEN + v.ct_len;
    bool sent = true;
    if (total <= r->mtu) {
        struct gem_tx_count c = {.ok = &r->packets, .bytes = &r->bytes, .nbytes = v.ct_len,
                                 .err = &r->drops};
        gem_tx_commit(r->raw_fd, &to, sizeof(to), NULL, 0, total, &c);
        return true;
    } else {
        /* A raw socket does not fragment what we built: fragments of our
         * own, as the kernel would make them (rare: sent at once, after
         * what is queued; pt is not committed, so the flush keeps it). */
        gem_tx_flush();
        size_t off = 0, next, flen;
        while (sent && off < total - 20 &&
               (flen = gem_ip4_fragment(pt, total, r->mtu, off, frag, &next)) > 0) {
            sent = sendto(r->raw_fd, frag, flen, 0, (struct sockaddr *)&to, sizeof(to)) ==
                   (ssize_t)flen;
            off = next;
        }
        sent &= off == total - 20;
    }
    if (!sent) {
        GEM_CTR_INC(r->drops);
        return false;
    }
    GEM_CTR_INC(r->packets);
    GEM_CTR_ADD(r->bytes, v.ct_len);
    return true;
}

bool gem_receive_packet(const uint8_t *buf, size_t len)
{
    struct gem_receive *r = NULL;
    bool queued = receive_one(buf, len, &r);
    uint64_t before = r ? r->packets : 0;
    gem_tx_flush();
    return queued && r->packets > before;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* ESP's decrypted inner packets: ours when an unfragmented IPv4/UDP
 * datagram to the GEM port and some gem-receive is configured; anything
 * else goes on to the TUN device. */
static bool esp_inner(struct esp_peer *from, const uint8_t *inner, size_t len, void *ctx)
{
    /* A gateway that receives no group leaves the GEM port to the kernel. */
    if (!receives || len < GEM_IP_UDP_LEN || inner[0] >> 4 != 4 || inner[9] != 17)
        return false;
    size_t ihl = (size_t)(inner[0] & 15) * 4;
    if (ihl < 20 || len < ihl + 8 || rd16(inner + ihl + 2) != GEM_UDP_PORT)
        return false;
    if (rd16(inner + 6) & 0x3fff)
        return false; /* a fragment: the kernel reassembles it for the UDP socket */
    size_t tot = rd16(inner + 2), ulen = rd16(inner + ihl + 4);
    if (tot > len || tot < ihl + 8 || ulen != tot - ihl) {
        GEM_CTR_INC(arrived);
        GEM_CTR_SET(counted, true);
        GEM_CTR_INC(dropped[DROP_TRUNCATED]);
        return true;
    }
    struct gem_receive *r;
    receive_one(inner + ihl + 8, ulen - 8, &r);
    return true;
}

static uint8_t rx[BATCH][65536];

static void udp_event(int fd, void *ctx)
{
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){rx[i], sizeof(rx[i])};
        msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
    }
    int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    struct gem_receive *r;
    for (int i = 0; i < n; i++)
        receive_one(rx[i], msgs[i].msg_len, &r);
}

/* ---------------------------------------------------------------------
 * Sockets */

/* The UDP socket on the GEM port, for bridged encrypted multicast. */
static int udp_open(void)
{
    if (udp_fd >= 0)
        return 0;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1, zero = 0, rcvbuf = 4 << 20;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(GEM_UDP_PORT)};
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* Only the groups this socket joined, not every group some other
     * socket on the host joined. */
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &zero, sizeof(zero));
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (gem_dp_add_fd(fd, udp_event, NULL) < 0) {
        close(fd);
        errno = EMFILE;
        return -1;
    }
    udp_fd = fd;
    return 0;
}

static void join(uint32_t group, unsigned ifindex, bool on)
{
    if (udp_fd < 0 || !ifindex)
        return;
    struct ip_mreqn m = {.imr_multiaddr.s_addr = group, .imr_ifindex = (int)ifindex};
    if (setsockopt(udp_fd, IPPROTO_IP, on ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &m,
                   sizeof(m)) < 0 && on)
        log_msg("gem: joining the group on interface %u: %s", ifindex, strerror(errno));
}

static void close_fds(struct gem_receive *r)
{
    for (int i = 0; i < r->nin; i++) {
        join(r->group, r->in_ifindex[i], false);
        r->in_ifindex[i] = 0;
    }
    if (r->raw_fd >= 0)
        close(r->raw_fd);
    r->raw_fd = -1;
    r->out_ifindex = 0;
}

/* A raw socket on the output interface: we write the IPv4 header, with the
 * original source, ourselves. */
static int raw_open(unsigned ifindex, const char *ifname)
{
    int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    if (fd < 0)
        return -1;
    int zero = 0, sz = 4 << 20;
    struct ip_mreqn m = {.imr_ifindex = (int)ifindex};
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0 ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof(m)) < 0 ||
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Whether resolve would change anything (the periodic check, unheld: it
 * reads only what the control plane writes). */
static bool resolve_needed(const struct gem_receive *r)
{
    unsigned out = if_nametoindex(r->out_if);
    if (out != r->out_ifindex || !out || r->raw_fd < 0 || gem_if_mtu(r->out_if) != r->mtu)
        return true;
    for (int i = 0; i < r->nin; i++) {
        unsigned x = if_nametoindex(r->in_if[i]);
        if (x != r->in_ifindex[i] || !x)
            return true;
    }
    if (r->nin && udp_fd < 0)
        return true;
    return strcmp(r->state, gem_keys_have_group(r->group) ? "active" : "no-key") != 0;
}

/* Held. */
static void resolve(struct gem_receive *r)
{
    char before[32];
    strlcpy_safe(before, r->state, sizeof(before));
    unsigned out = if_nametoindex(r->out_if);
    if (out != r->out_ifindex && r->raw_fd >= 0) {
        close(r->raw_fd);
        r->raw_fd = -1;
    }
    r->out_ifindex = out;
    if (out)
        r->mtu = gem_if_mtu(r->out_if);
    if (out && r->raw_fd < 0) {
        r->raw_fd = raw_open(out, r->out_if);
        if (r->raw_fd < 0)
            log_msg("gem: a raw socket on %s: %s", r->out_if, strerror(errno));
    }
    bool in_ok = true;
    for (int i = 0; i < r->nin; i++) {
        unsigned x = if_nametoindex(r->in_if[i]);
        if (x != r->in_ifindex[i]) {
            join(r->group, r->in_ifindex[i], false);
            join(r->group, x, true);
            r->in_ifindex[i] = x;
        }
        in_ok &= x != 0;
    }
    if (!out || !in_ok)
        snprintf(r->state, sizeof(r->state), "waiting-for-interface");
    else if (r->raw_fd < 0 || (r->nin && udp_fd < 0))
        snprintf(r->state, sizeof(r->state), "socket-error");
    else if (!gem_keys_have_group(r->group))
        snprintf(r->state, sizeof(r->state), "no-key");
    else
        snprintf(r->state, sizeof(r->state), "active");
    if (strcmp(before, r->state) != 0)
        notify(r, "change");
}

static uint64_t tick(void *ctx)
{
    if (!started)
        return EVENT_NEVER;
    if (now_ms >= next_resolve) {
        /* Held only when something changes. */
        for (struct gem_receive *r = receives; r; r = r->next)
            if (resolve_needed(r)) {
                gem_dp_hold();
                resolve(r);
                gem_dp_release();
            }
        next_resolve = now_ms + RESOLVE_MS;
    }
    return next_resolve;
}

static void start_io(void)
{
    if (!handler_set) {
        esp_set_inner_handler(esp_inner, NULL);
        handler_set = true;
    }
    bool need_udp = false;
    for (struct gem_receive *r = receives; r; r = r->next)
        need_udp |= r->nin > 0;
    if (need_udp && udp_open() < 0)
        log_msg("gem: a UDP socket on port %d: %s", GEM_UDP_PORT, strerror(errno));
}

/* ---------------------------------------------------------------------
 * Directives */

static int directive(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    struct gem_receive n = {.ttl = 64, .raw_fd = -1};
    if (gem_parse_group(words, nwords, &n.group, err, errlen) < 0)
        return -1;
    bool have_ttl = false;
    for (int i = 2; i < nwords; i += 2) {
        const char *k = words[i];
        if (i + 1 >= nwords)
            return gem_bad(err, errlen, "gem-receive: %s without a value", k);
        const char *v = words[i + 1];
        unsigned long u;
        if (strcmp(k, "out") == 0) {
            if (n.out_if[0])
                return gem_bad(err, errlen, "gem-receive: out given twice");
            if (!gem_valid_ifname(v))
                return gem_bad(err, errlen, "gem-receive: bad interface name %s", v);
            strlcpy_safe(n.out_if, v, sizeof(n.out_if));
        } else if (strcmp(k, "in") == 0) {
            if (!gem_valid_ifname(v))
                return gem_bad(err, errlen, "gem-receive: bad interface name %s", v);
            if (n.nin == MAX_IN)
                return gem_bad(err, errlen, "gem-receive: more than %d in interfaces", MAX_IN);
            for (int j = 0; j < n.nin; j++)
                if (strcmp(n.in_if[j], v) == 0)
                    return gem_bad(err, errlen, "gem-receive: in %s given twice", v);
            strlcpy_safe(n.in_if[n.nin++], v, IF_NAMESIZE);
        } else if (strcmp(k, "ttl") == 0) {
            if (have_ttl || parse_uint(v, 255, &u) < 0 || u == 0)
                return gem_bad(err, errlen, "gem-receive: ttl %s is not 1-255", v);
            n.ttl = (uint8_t)u;
            have_ttl = true;
        } else {
            return gem_bad(err, errlen, "gem-receive: unknown keyword %s", k);
        }
    }
    if (!n.out_if[0])
        return gem_bad(err, errlen, "gem-receive: missing out IF");
    struct gem_receive *r = find(n.group);
    bool replace = r != NULL;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r)
            return gem_bad(err, errlen, "gem-receive: out of memory");
        r->raw_fd = -1;
        r->next = receives;
        receives = r;
    } else {
        close_fds(r);
    }
    /* Counters and replay windows carry over a replacement. */
    r->group = n.group;
    memcpy(r->out_if, n.out_if, sizeof(r->out_if));
    memcpy(r->in_if, n.in_if, sizeof(r->in_if));
    r->nin = n.nin;
    r->ttl = n.ttl;
    snprintf(r->state, sizeof(r->state), started ? "pending" : "not-started");
    if (started) {
        start_io();
        resolve(r);
    }
    notify(r, replace ? "change" : "add");
    return 0;
}

static int flush(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    uint32_t group;
    if (nwords != 2)
        return gem_bad(err, errlen, "usage: flush gem-receive G");
    if (gem_parse_group(words, nwords, &group, err, errlen) < 0)
        return -1;
    for (struct gem_receive **pp = &receives; *pp; pp = &(*pp)->next) {
        struct gem_receive *r = *pp;
        if (r->group != group)
            continue;
        notify(r, "flush");
        close_fds(r);
        *pp = r->next;
        free(r);
        return 0;
    }
    return gem_bad(err, errlen, "unknown gem-receive %s", words[1]);
}

static void dump(void (*emit)(const char *line, void *out), void *out, void *ctx)
{
    char buf[512];
    for (const struct gem_receive *r = receives; r; r = r->next) {
        fmt(r, "add", buf, sizeof(buf));
        emit(buf, out);
    }
    if (!GEM_CTR(counted))
        return;
    size_t l = (size_t)snprintf(buf, sizeof(buf), "add gem-input packets %llu accepted %llu",
                                (unsigned long long)GEM_CTR(arrived),
                                (unsigned long long)GEM_CTR(accepted));
    for (int i = 0; i < DROP_COUNT && l < sizeof(buf); i++)
        l += (size_t)snprintf(buf + l, sizeof(buf) - l, " %s %llu", drop_names[i],
                              (unsigned long long)GEM_CTR(dropped[i]));
    if (l < sizeof(buf))
        snprintf(buf + l, sizeof(buf) - l, "\n");
    emit(buf, out);
}

static void start(void *ctx)
{
    started = true;
    start_io();
    for (struct gem_receive *r = receives; r; r = r->next)
        resolve(r);
    next_resolve = now_ms + RESOLVE_MS;
    event_add_tick(tick, NULL);
}

static void stop(void *ctx)
{
    started = false;
    while (receives) {
        struct gem_receive *r = receives;
        receives = r->next;
        close_fds(r);
        free(r);
    }
    if (udp_fd >= 0) {
        gem_dp_del_fd(udp_fd);
        close(udp_fd);
        udp_fd = -1;
    }
}

void gem_receive_register(void)
{
    gem_dp_directive("gem-receive", directive, NULL);
    gem_dp_flush("gem-receive", flush, NULL);
    ext_register_dump(dump, NULL); /* unheld: counters read atomically */
    gem_dp_lifecycle(start, stop, NULL);
}
