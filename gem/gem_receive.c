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
#include "gem/gem_mrib.h"
#include "gem/gem_replay.h"
#include "mcast/frame.h"
#include "mcast/mrib.h"
#include "mcast/rule.h"

#define MAX_IN 4
#define MAX_SENDERS 16
#define RESOLVE_MS 1000
#define BATCH 32
#define MAX_OUTS GEM_MRIB_MAX /* bits of a uint32_t mask */
#define MAX_SRCS 16
#define NOTICE_NEW_SOURCE 1 /* gem_dp notice bit (ESP's port moves use 0) */

/* Why a GEM packet was dropped (or not). */
enum gem_drop {
    DROP_TRUNCATED,   /* shorter than header, tag and MAC; or a bad carrying datagram */
    DROP_BAD_VERSION, /* not version 1 */
    DROP_UNKNOWN_GROUP, /* no gem-receive (or no gem-group) for its group */
    DROP_STALE_KEY,   /* a key id the group does not have (retired or never configured) */
    DROP_BAD_MAC,     /* forged, tampered, or sealed with another GAK */
    DROP_REPLAYED,    /* seen already, or older than the window */
    DROP_BAD_DECRYPT, /* the GAK verified but the SEK's tag did not */
    DROP_BAD_TIME,    /* sequence number over GEM_SEQ_AGE_US from our clock */
    DROP_NO_WINDOW,   /* a new sender, every window busy in the last 2 * GEM_SEQ_AGE_US */
    DROP_COUNT
};
static const char *const drop_names[DROP_COUNT] = {
    "truncated", "bad-version", "unknown-group", "stale-key", "bad-mac", "replayed", "bad-decrypt",
    "bad-time", "no-window",
};

struct sender_window {
    uint32_t sender, run;
    uint16_t key_id;
    uint64_t last_used; /* wall clock (us) of its last packet; 0: a free slot */
    struct gem_replay w;
};

/* An interface the MRIB wants the group on (`mrib true`): a raw socket
 * there while some source's mask names it. */
struct mrib_out {
    unsigned ifindex; /* 0: a free slot */
    char name[IF_NAMESIZE];
    int fd;
    unsigned mtu;
    uint64_t packets, errors; /* the worker's */
};

/* The outputs of one source: a bit per outs[] slot. */
struct src_outs {
    uint32_t source;
    uint32_t mask;
};

struct gem_receive {
    uint32_t group;
    bool mrib;
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
    /* MRIB outputs, written by the control plane held, read by the worker:
     * a source in srcs goes out on its mask, any other on star_mask (the
     * (*,G) oifs) while the control plane is told of it (new_source). */
    struct mrib_out outs[MAX_OUTS];
    uint32_t star_mask;
    struct src_outs srcs[MAX_SRCS];
    unsigned nsrcs;
    uint32_t new_source; /* the worker's, atomic: 0 or a source not in srcs */
    uint64_t unwanted;   /* verified datagrams no output wanted */
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
                                r->out_if[0] ? r->out_if : "-");
    for (int i = 0; i < r->nin && l < len; i++)
        l += (size_t)snprintf(buf + l, len - l, " in %s", r->in_if[i]);
    if (r->mrib && l < len)
        l += (size_t)snprintf(buf + l, len - l, " mrib true");
    if (l < len)
        l += (size_t)snprintf(buf + l, len - l, " ttl %u state %s packets %llu bytes %llu drops %llu",
                              r->ttl, r->state, (unsigned long long)GEM_CTR(r->packets),
                              (unsigned long long)GEM_CTR(r->bytes),
                              (unsigned long long)GEM_CTR(r->drops));
    if (r->mrib && l < len) {
        l += (size_t)snprintf(buf + l, len - l, " no-listener %llu outputs",
                              (unsigned long long)GEM_CTR(r->unwanted));
        const char *sep = " ";
        for (int i = 0; i < MAX_OUTS && l < len; i++) {
            if (!r->outs[i].ifindex)
                continue;
            l += (size_t)snprintf(buf + l, len - l, "%s%s:%llu", sep, r->outs[i].name,
                                  (unsigned long long)GEM_CTR(r->outs[i].packets));
            sep = ",";
        }
        if (*sep == ' ' && l < len)
            l += (size_t)snprintf(buf + l, len - l, " -");
    }
    if (l < len)
        snprintf(buf + l, len - l, "\n");
}

static void notify(const struct gem_receive *r, const char *kind)
{
    char buf[1024];
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

static struct sender_window *window(struct gem_receive *r, const struct gem_header *h)
{
    for (int i = 0; i < MAX_SENDERS; i++) {
        struct sender_window *w = &r->senders[i];
        if (w->last_used && w->sender == h->sender && w->run == h->run && w->key_id == h->key_id)
            return w;
    }
    return NULL;
}

/* A slot for a new sender's window: a free one, else the one idle longest
 * if it has been idle over 2 * GEM_SEQ_AGE_US (every number it accepted was
 * within GEM_SEQ_AGE_US of our clock then, so is refused as untimely now:
 * dropping it reopens nothing).  NULL when every window is busier: the new
 * sender is refused (no-window) rather than a window evicted, which would
 * let that window's packets be replayed. */
static struct sender_window *window_slot(struct gem_receive *r, uint64_t now)
{
    struct sender_window *oldest = &r->senders[0];
    for (int i = 0; i < MAX_SENDERS; i++) {
        struct sender_window *w = &r->senders[i];
        if (!w->last_used)
            return w;
        if (w->last_used < oldest->last_used)
            oldest = w;
    }
    return now > oldest->last_used && now - oldest->last_used > 2 * GEM_SEQ_AGE_US ? oldest
                                                                                : NULL;
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
    uint64_t now = gem_wall_us();
    if (!gem_seq_timely(h.seq, now))
        return drop(DROP_BAD_TIME);
    struct sender_window *w = window(r, &h), *slot = NULL;
    if (w && !gem_replay_check(&w->w, h.seq))
        return drop(DROP_REPLAYED);
    if (!w && !(slot = window_slot(r, now)))
        return drop(DROP_NO_WINDOW);
    /* Decrypted into the next slot; committed only if it goes out. */
    uint8_t *pt = gem_tx_slot();
    uint8_t *payload = pt + GEM_IP_UDP_LEN;
    if (!gem_decrypt(k->crypto, &h, &v, payload))
        return drop(DROP_BAD_DECRYPT);
    if (!w) {
        /* Only for a packet that verified and decrypted: forgeries cannot
         * take the slots of real senders. */
        w = slot;
        memset(w, 0, sizeof(*w));
        w->sender = h.sender;
        w->run = h.run;
        w->key_id = h.key_id;
    }
    gem_replay_commit(&w->w, h.seq);
    w->last_used = now ? now : 1;
    GEM_CTR_INC(k->accepted);
    GEM_CTR_INC(accepted);
    *rp = r;
    /* Where it goes: the fixed `out` interface, and with `mrib true` the
     * interfaces the MRIB wants (S,G) or (*,G) on. */
    struct target {
        int fd;
        unsigned mtu;
        struct gem_tx_count c;
    } t[MAX_OUTS + 1];
    unsigned nt = 0;
    if (r->out_if[0]) {
        if (r->raw_fd < 0) {
            GEM_CTR_INC(r->drops);
            return false;
        }
        t[nt++] = (struct target){r->raw_fd, r->mtu, {.ok = &r->packets, .err = &r->drops}};
    }
    if (r->mrib) {
        uint32_t mask = r->star_mask;
        unsigned i;
        for (i = 0; i < r->nsrcs; i++)
            if (r->srcs[i].source == h.source) {
                mask = r->srcs[i].mask;
                break;
            }
        /* new_source has two writers (we set it, the control plane
         * clears it once taken): compare-exchange on both sides. */
        uint32_t none = 0;
        if (i == r->nsrcs &&
            __atomic_compare_exchange_n(&r->new_source, &none, h.source, false,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            gem_dp_notice(NOTICE_NEW_SOURCE);
        for (i = 0; i < MAX_OUTS; i++) {
            struct mrib_out *o = &r->outs[i];
            if (!(mask & 1u << i))
                continue;
            if (o->fd < 0) {
                GEM_CTR_INC(o->errors);
                GEM_CTR_INC(r->drops);
                continue;
            }
            t[nt++] = (struct target){o->fd, o->mtu,
                                      {.ok = &o->packets, .err = &o->errors, .err2 = &r->drops}};
        }
        if (nt == 0) {
            GEM_CTR_INC(r->unwanted);
            return false;
        }
    }
    if (nt == 0)
        return false;
    /* The datagram is counted once, on its first output. */
    t[0].c.ok2 = t[0].c.ok == &r->packets ? NULL : &r->packets;
    t[0].c.bytes = &r->bytes;
    t[0].c.nbytes = v.ct_len;
    gem_udp4_build(pt, v.ct_len, h.source, h.group, h.sport, h.dport, r->ttl, r->ip_id++);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = h.group};
    size_t total = GEM_IP_UDP_LEN + v.ct_len;
    bool any = false;
    /* Each further output gets a copy in its own slot, made from the slot
     * committed before it: a committed slot keeps its octets until the
     * batch comes round to it again, after more slots than outputs. */
    const uint8_t *src = pt;
    for (unsigned i = 0; i < nt; i++) {
        if (total <= t[i].mtu) {
            uint8_t *slot = i == 0 ? pt : gem_tx_slot();
            if (slot != src)
                memcpy(slot, src, total);
            gem_tx_commit(t[i].fd, &to, sizeof(to), NULL, 0, total, &t[i].c);
            src = slot;
            any = true;
            continue;
        }
        /* A raw socket does not fragment what we built: fragments of our
         * own, as the kernel would make them (rare: sent at once, after
         * what is queued; the flush leaves src's octets alone). */
        gem_tx_flush();
        bool sent = true;
        size_t off = 0, next, flen;
        while (sent && off < total - 20 &&
               (flen = gem_ip4_fragment(src, total, t[i].mtu, off, frag, &next)) > 0) {
            sent = sendto(t[i].fd, frag, flen, 0, (struct sockaddr *)&to, sizeof(to)) ==
                   (ssize_t)flen;
            off = next;
        }
        sent &= off == total - 20;
        const struct gem_tx_count *c = &t[i].c;
        if (sent) {
            GEM_CTR_INC(*c->ok);
            if (c->ok2)
                GEM_CTR_INC(*c->ok2);
            if (c->bytes)
                GEM_CTR_ADD(*c->bytes, c->nbytes);
            any = true;
        } else {
            GEM_CTR_INC(*c->err);
            if (c->err2)
                GEM_CTR_INC(*c->err2);
        }
    }
    return any;
}

bool gem_receive_packet(const uint8_t *buf, size_t len)
{
    struct gem_receive *r = NULL;
    bool queued = receive_one(buf, len, &r);
    uint64_t before = r ? r->packets : 0;
    gem_tx_flush();
    return queued && r->packets > before;
}

/* ESP's decrypted inner packets: ours when an unfragmented IPv4/UDP
 * datagram to the GEM port and some gem-receive is configured; anything
 * else goes on to the TUN device. */
static bool esp_inner(struct esp_peer *from, const uint8_t *inner, size_t len, void *ctx)
{
    /* A gateway that receives no group leaves the GEM port to the kernel. */
    if (!receives || len < GEM_IP_UDP_LEN || inner[0] >> 4 != 4 || inner[9] != 17)
        return false;
    size_t ihl = (size_t)(inner[0] & 15) * 4;
    if (ihl < 20 || len < ihl + 8 || get16(inner + ihl + 2) != GEM_UDP_PORT)
        return false;
    if (get16(inner + 6) & 0x3fff)
        return false; /* a fragment: the kernel reassembles it for the UDP socket */
    size_t tot = get16(inner + 2), ulen = get16(inner + ihl + 4);
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

static int raw_open(unsigned ifindex, const char *ifname);
static void outs_close(struct gem_receive *r);

static void close_fds(struct gem_receive *r)
{
    outs_close(r);
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
    unsigned out = r->out_if[0] ? if_nametoindex(r->out_if) : 0;
    if (r->out_if[0] &&
        (out != r->out_ifindex || !out || r->raw_fd < 0 || gem_if_mtu(r->out_if) != r->mtu))
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
    unsigned out = r->out_if[0] ? if_nametoindex(r->out_if) : 0;
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
    if ((r->out_if[0] && !out) || !in_ok)
        snprintf(r->state, sizeof(r->state), "waiting-for-interface");
    else if ((r->out_if[0] && r->raw_fd < 0) || (r->nin && udp_fd < 0))
        snprintf(r->state, sizeof(r->state), "socket-error");
    else if (!gem_keys_have_group(r->group))
        snprintf(r->state, sizeof(r->state), "no-key");
    else
        snprintf(r->state, sizeof(r->state), "active");
    if (strcmp(before, r->state) != 0)
        notify(r, "change");
}

/* ---------------------------------------------------------------------
 * MRIB outputs (`mrib true`).  The plan is computed on the control plane
 * from the MRIB (gem_mrib.h) and applied held when it differs from what the
 * worker uses: on an MRIB change (at the next pass of the event loop), when
 * the worker meets a new source, and every second (IGMP's excluded sources
 * and PIM's DR election change no entry). */

struct plan {
    unsigned ifindex[MAX_OUTS];
    uint32_t star_mask;
    struct src_outs srcs[MAX_SRCS];
    unsigned nsrcs;
};

static bool mrib_dirty;

static uint32_t plan_mask(struct plan *p, const struct gem_receive *r, uint32_t source)
{
    unsigned oifs[GEM_MRIB_MAX];
    unsigned n = gem_mrib_oifs((struct in_addr){source}, (struct in_addr){r->group}, oifs);
    uint32_t mask = 0;
    for (unsigned i = 0; i < n; i++) {
        if (oifs[i] == r->out_ifindex && r->out_if[0])
            continue; /* the fixed output has it already */
        int slot = -1;
        for (int j = 0; j < MAX_OUTS && slot < 0; j++)
            if (p->ifindex[j] == oifs[i])
                slot = j;
        for (int j = 0; j < MAX_OUTS && slot < 0; j++)
            if (!p->ifindex[j])
                slot = j;
        if (slot < 0)
            continue; /* every slot taken (by interfaces about to go) */
        p->ifindex[slot] = oifs[i];
        mask |= 1u << slot;
    }
    return mask;
}

struct collect {
    struct gem_receive *r;
    struct plan *p;
};

static void add_source(struct plan *p, uint32_t source)
{
    if (!source || p->nsrcs == MAX_SRCS)
        return;
    for (unsigned i = 0; i < p->nsrcs; i++)
        if (p->srcs[i].source == source)
            return;
    p->srcs[p->nsrcs++].source = source;
}

static void collect_sg(const struct mrib_view *e, void *ctx)
{
    struct collect *c = ctx;
    if (e->group.s_addr == c->r->group && e->source.s_addr != INADDR_ANY)
        add_source(c->p, e->source.s_addr);
}

static void plan_make(struct gem_receive *r, uint32_t new_source, struct plan *p)
{
    memset(p, 0, sizeof(*p));
    if (!r->mrib || !started)
        return;
    for (int j = 0; j < MAX_OUTS; j++)
        p->ifindex[j] = r->outs[j].ifindex;
    /* Sources with (S,G) state first, then the one the worker just met,
     * then those already known (the oldest fall off a full table). */
    struct collect c = {r, p};
    mrib_foreach(collect_sg, &c);
    add_source(p, new_source);
    for (unsigned i = 0; i < r->nsrcs; i++)
        add_source(p, r->srcs[i].source);
    uint32_t used = p->star_mask = plan_mask(p, r, INADDR_ANY);
    for (unsigned i = 0; i < p->nsrcs; i++)
        used |= p->srcs[i].mask = plan_mask(p, r, p->srcs[i].source);
    for (int j = 0; j < MAX_OUTS; j++)
        if (!(used & 1u << j))
            p->ifindex[j] = 0;
}

static bool plan_differs(const struct gem_receive *r, const struct plan *p)
{
    if (p->star_mask != r->star_mask || p->nsrcs != r->nsrcs)
        return true;
    for (int j = 0; j < MAX_OUTS; j++)
        if (p->ifindex[j] != r->outs[j].ifindex)
            return true;
    return memcmp(p->srcs, r->srcs, p->nsrcs * sizeof(p->srcs[0])) != 0;
}

/* Held. */
static void plan_apply(struct gem_receive *r, const struct plan *p)
{
    for (int j = 0; j < MAX_OUTS; j++) {
        struct mrib_out *o = &r->outs[j];
        if (o->ifindex == p->ifindex[j])
            continue;
        if (o->ifindex && o->fd >= 0)
            close(o->fd);
        memset(o, 0, sizeof(*o));
        o->fd = -1;
        o->ifindex = p->ifindex[j];
        if (!o->ifindex)
            continue;
        if (!if_indextoname(o->ifindex, o->name))
            snprintf(o->name, sizeof(o->name), "if%u", o->ifindex);
        o->mtu = gem_if_mtu(o->name);
        o->fd = raw_open(o->ifindex, o->name);
        if (o->fd < 0)
            log_msg("gem: a raw socket on %s: %s", o->name, strerror(errno));
    }
    r->star_mask = p->star_mask;
    r->nsrcs = p->nsrcs;
    memcpy(r->srcs, p->srcs, sizeof(r->srcs));
}

/* Unheld: holds only when the plan changed.  (From a held context, the
 * hold nests.)  True when it did. */
static bool outs_sync(struct gem_receive *r)
{
    uint32_t pending = GEM_CTR(r->new_source);
    struct plan p;
    plan_make(r, pending, &p);
    bool differs = plan_differs(r, &p);
    if (differs) {
        gem_dp_hold();
        plan_apply(r, &p);
        gem_dp_release();
    }
    /* Taken (or the table is full of sources with state): cleared only if
     * it is still the one the plan was made with, so a source the worker
     * stored meanwhile is kept for the next pass. */
    if (pending)
        __atomic_compare_exchange_n(&r->new_source, &pending, 0, false, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED);
    return differs;
}

static void outs_close(struct gem_receive *r)
{
    struct plan p;
    memset(&p, 0, sizeof(p));
    plan_apply(r, &p);
}

static void outs_sync_all(void)
{
    for (struct gem_receive *r = receives; r; r = r->next)
        if (r->mrib && outs_sync(r))
            notify(r, "change");
}

static void on_new_source(void)
{
    outs_sync_all();
}

static void on_mrib(const struct mrib_view *e, enum ext_change what, void *ctx)
{
    for (struct gem_receive *r = receives; r; r = r->next)
        if (r->mrib && r->group == e->group.s_addr)
            mrib_dirty = true;
}

/* The mroute record's gem-oifs: where a `mrib true` gem-receive serves the
 * entry. */
static void record_extra(const struct mrib_view *e, char *buf, size_t len, void *ctx)
{
    struct gem_receive *r = find(e->group.s_addr);
    buf[0] = 0;
    if (!r || !r->mrib)
        return;
    unsigned oifs[GEM_MRIB_MAX];
    unsigned n = gem_mrib_entry_oifs(e, oifs);
    size_t l = 0;
    for (unsigned i = 0; i < n && l < len; i++) {
        char name[IF_NAMESIZE];
        if (!if_indextoname(oifs[i], name))
            snprintf(name, sizeof(name), "if%u", oifs[i]);
        l += (size_t)snprintf(buf + l, len - l, "%s%s", i ? "," : " gem-oifs ", name);
    }
    if (l >= len)
        buf[0] = 0;
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
        mrib_dirty = true;
    }
    if (mrib_dirty) {
        mrib_dirty = false;
        outs_sync_all();
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
    bool have_ttl = false, have_mrib = false;
    for (int i = 2; i < nwords; i += 2) {
        const char *k = words[i];
        if (i + 1 >= nwords)
            return config_bad(err, errlen, "gem-receive: %s without a value", k);
        const char *v = words[i + 1];
        unsigned long u;
        if (strcmp(k, "out") == 0) {
            if (n.out_if[0])
                return config_bad(err, errlen, "gem-receive: out given twice");
            if (!config_valid_ifname(v))
                return config_bad(err, errlen, "gem-receive: bad interface name %s", v);
            strlcpy_safe(n.out_if, v, sizeof(n.out_if));
        } else if (strcmp(k, "in") == 0) {
            if (!config_valid_ifname(v))
                return config_bad(err, errlen, "gem-receive: bad interface name %s", v);
            if (n.nin == MAX_IN)
                return config_bad(err, errlen, "gem-receive: more than %d in interfaces", MAX_IN);
            for (int j = 0; j < n.nin; j++)
                if (strcmp(n.in_if[j], v) == 0)
                    return config_bad(err, errlen, "gem-receive: in %s given twice", v);
            strlcpy_safe(n.in_if[n.nin++], v, IF_NAMESIZE);
        } else if (strcmp(k, "mrib") == 0) {
            if (have_mrib || (strcmp(v, "true") != 0 && strcmp(v, "false") != 0))
                return config_bad(err, errlen, "gem-receive: mrib %s is not true or false", v);
            n.mrib = strcmp(v, "true") == 0;
            have_mrib = true;
        } else if (strcmp(k, "ttl") == 0) {
            if (have_ttl || parse_uint(v, 255, &u) < 0 || u == 0)
                return config_bad(err, errlen, "gem-receive: ttl %s is not 1-255", v);
            n.ttl = (uint8_t)u;
            have_ttl = true;
        } else {
            return config_bad(err, errlen, "gem-receive: unknown keyword %s", k);
        }
    }
    if (!n.out_if[0] && !n.mrib)
        return config_bad(err, errlen, "gem-receive: missing out IF (or mrib true)");
    struct gem_receive *r = find(n.group);
    bool replace = r != NULL;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r)
            return config_bad(err, errlen, "gem-receive: out of memory");
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
    r->mrib = n.mrib;
    r->nsrcs = 0;
    r->star_mask = 0;
    snprintf(r->state, sizeof(r->state), started ? "pending" : "not-started");
    if (started) {
        start_io();
        resolve(r);
        outs_sync(r);
    }
    notify(r, replace ? "change" : "add");
    return 0;
}

static int flush(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    uint32_t group;
    if (nwords != 2)
        return config_bad(err, errlen, "usage: flush gem-receive G");
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
    return config_bad(err, errlen, "unknown gem-receive %s", words[1]);
}

static void dump(void (*emit)(const char *line, void *out), void *out, void *ctx)
{
    char buf[1024];
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
    for (struct gem_receive *r = receives; r; r = r->next) {
        resolve(r);
        outs_sync(r);
    }
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
    gem_dp_on_notice(NOTICE_NEW_SOURCE, on_new_source);
    mrib_on_change(on_mrib, NULL);
    mrib_set_record_extra(record_extra, NULL);
}
