/* MAC authentication (RFC 8967); see mac.h for what is matched on the wire. */
#include "babel/mac.h"
#include "babel/byteorder.h"
#include "babel/crypto_lib.h"

#include <net/if.h>
#include <openssl/core_names.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "babel/interface.h"
#include "babel/node.h"
#include "babel/packet.h"
#include "babel/sendbuf.h"

_Static_assert(MAC_OVERHEAD <= SENDBUF_TRAILER_ROOM, "sendbuf must have room for PC and MACs");

/* ---- Primitives ---- */

size_t mac_len(enum key_type type)
{
    switch (type) {
    case KEY_HMAC_SHA256:
        return 32;
    case KEY_BLAKE2S128:
        return 16;
    }
    return 0;
}

/* OpenSSL's constant-time comparison; without libcrypto nothing verifies,
 * so nothing is equal. */
static bool equal_ct(const void *a, const void *b, size_t n)
{
    const struct crypto_lib *c = crypto_lib();
    return c && c->CRYPTO_memcmp(a, b, n) == 0;
}

/* Algorithms are fetched once and kept for the life of the process. */
static EVP_MAC *fetch_alg(const struct crypto_lib *c, enum key_type type)
{
    static EVP_MAC *hmac, *blake2s;
    EVP_MAC **slot = type == KEY_HMAC_SHA256 ? &hmac : &blake2s;
    if (!*slot)
        *slot = c->EVP_MAC_fetch(NULL, type == KEY_HMAC_SHA256 ? "HMAC" : "BLAKE2SMAC", NULL);
    return *slot;
}

int mac_compute(const struct key_conf *key, const uint8_t src[16], uint16_t sport,
                const uint8_t dst[16], uint16_t dport, const uint8_t *pkt, size_t len,
                uint8_t out[MAC_MAX_LEN])
{
    size_t want = mac_len(key->type);
    if (want == 0 || key->len == 0 || key->len > sizeof(key->value))
        return -1;
    const struct crypto_lib *c = crypto_lib();
    if (!c)
        return -1;
    EVP_MAC *alg = fetch_alg(c, key->type);
    if (!alg)
        return -1;
    OSSL_PARAM params[2];
    char digest[] = "SHA256";
    size_t size = want;
    if (key->type == KEY_HMAC_SHA256)
        params[0] = c->OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    else
        params[0] = c->OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size);
    params[1] = c->OSSL_PARAM_construct_end();

    /* The pseudo-header of RFC 8967 section 4.1 (IPv6). */
    uint8_t ph[36];
    memcpy(ph, src, 16);
    ph[16] = (uint8_t)(sport >> 8);
    ph[17] = (uint8_t)sport;
    memcpy(ph + 18, dst, 16);
    ph[34] = (uint8_t)(dport >> 8);
    ph[35] = (uint8_t)dport;

    int rc = -1;
    size_t got = 0;
    EVP_MAC_CTX *ctx = c->EVP_MAC_CTX_new(alg);
    if (ctx && c->EVP_MAC_init(ctx, key->value, key->len, params) == 1 &&
        c->EVP_MAC_update(ctx, ph, sizeof(ph)) == 1 && c->EVP_MAC_update(ctx, pkt, len) == 1 &&
        c->EVP_MAC_final(ctx, out, &got, MAC_MAX_LEN) == 1 && got == want)
        rc = (int)got;
    c->EVP_MAC_CTX_free(ctx);
    return rc;
}

enum mac_check mac_verify(const struct key_conf *const *keys, int nkeys, const uint8_t src[16],
                          uint16_t sport, const uint8_t dst[16], uint16_t dport,
                          const uint8_t *pkt, size_t body_end, const uint8_t *trailer,
                          size_t trailer_len, int *which)
{
    uint8_t mac[MAC_MAX_KEYS][MAC_MAX_LEN];
    int maclen[MAC_MAX_KEYS];
    bool computed[MAC_MAX_KEYS] = {false};
    bool seen = false;
    if (nkeys > MAC_MAX_KEYS)
        nkeys = MAC_MAX_KEYS;
    size_t i = 0;
    while (i < trailer_len) {
        uint8_t type = trailer[i];
        if (type == TLV_PAD1) {
            i++;
            continue;
        }
        if (trailer_len - i < 2 || trailer[i + 1] > trailer_len - i - 2)
            break; /* an overrun: nothing after it is a TLV */
        uint8_t len = trailer[i + 1];
        const uint8_t *v = trailer + i + 2;
        i += 2 + (size_t)len;
        if (type != TLV_MAC)
            continue;
        seen = true;
        for (int k = 0; k < nkeys; k++) {
            if (len != mac_len(keys[k]->type))
                continue;
            if (!computed[k]) {
                maclen[k] = mac_compute(keys[k], src, sport, dst, dport, pkt, body_end, mac[k]);
                computed[k] = true;
            }
            if (maclen[k] == (int)len && equal_ct(mac[k], v, len)) {
                if (which)
                    *which = k;
                return MAC_CHECK_OK;
            }
        }
    }
    return seen ? MAC_CHECK_BAD : MAC_CHECK_NONE;
}

int mac_scan_body(const uint8_t *body, size_t len, struct mac_body *out)
{
    memset(out, 0, sizeof(*out));
    size_t i = 0;
    while (i < len) {
        uint8_t type = body[i];
        if (type == TLV_PAD1) {
            i++;
            continue;
        }
        if (len - i < 2 || body[i + 1] > len - i - 2)
            break;
        uint8_t l = body[i + 1];
        const uint8_t *v = body + i + 2;
        i += 2 + (size_t)l;
        switch (type) {
        case TLV_PC:
            /* Only the first PC TLV counts (RFC 8967 section 4.3). */
            if (out->have_pc)
                break;
            if (l < 4 || l - 4 > MAC_INDEX_MAX)
                return -1;
            out->have_pc = true;
            out->pc = get32(v);
            out->index = v + 4;
            out->index_len = (uint8_t)(l - 4);
            break;
        case TLV_CHALLENGE_REQ:
            if (out->nrequests < MAC_MAX_CHALLENGES && l <= MAC_NONCE_MAX) {
                out->request[out->nrequests] = v;
                out->request_len[out->nrequests++] = l;
            }
            break;
        case TLV_CHALLENGE_REPLY:
            if (out->nreplies < MAC_MAX_CHALLENGES && l <= MAC_NONCE_MAX) {
                out->reply[out->nreplies] = v;
                out->reply_len[out->nreplies++] = l;
            }
            break;
        default:
            break;
        }
    }
    return 0;
}

static bool gap_passed(uint64_t last, uint64_t now)
{
    return last == 0 || now < last || now - last >= MAC_CHALLENGE_GAP_MS;
}

enum mac_fresh mac_freshness(struct mac_neigh *st, const struct mac_body *b, bool multicast,
                             uint64_t now, bool *want_request)
{
    *want_request = false;
    if (!b->have_pc)
        return MAC_NO_PC;
    if (st->nonce_expiry && now >= st->nonce_expiry)
        st->nonce_expiry = 0;
    bool known = st->have_index && st->index_len == b->index_len &&
                 memcmp(st->index, b->index, b->index_len) == 0;
    if (known) {
        bool *have = multicast ? &st->have_pc_mcast : &st->have_pc_ucast;
        uint32_t *last = multicast ? &st->pc_mcast : &st->pc_ucast;
        if (*have && b->pc <= *last)
            return MAC_REPLAYED;
        *have = true;
        *last = b->pc;
        return MAC_FRESH;
    }
    if (st->nonce_expiry) {
        for (int i = 0; i < b->nreplies; i++) {
            if (b->reply_len[i] == MAC_NONCE_LEN &&
                equal_ct(b->reply[i], st->nonce, MAC_NONCE_LEN)) {
                /* The reply proves the packet is new: its index and PC
                 * become the reference for both kinds of packets. */
                st->have_index = true;
                st->index_len = b->index_len;
                memcpy(st->index, b->index, b->index_len);
                st->have_pc_mcast = st->have_pc_ucast = true;
                st->pc_mcast = st->pc_ucast = b->pc;
                st->nonce_expiry = 0;
                return MAC_FRESH;
            }
        }
    }
    *want_request = gap_passed(st->last_request, now);
    return MAC_UNKNOWN_INDEX;
}

void mac_new_challenge(struct mac_neigh *st, uint64_t now, uint8_t nonce[MAC_NONCE_LEN])
{
    if (!st->nonce_expiry || now >= st->nonce_expiry) {
        random_bytes(st->nonce, MAC_NONCE_LEN);
        st->nonce_expiry = now + MAC_CHALLENGE_MS;
    }
    st->last_request = now;
    memcpy(nonce, st->nonce, MAC_NONCE_LEN);
}

bool mac_may_reply(struct mac_neigh *st, uint64_t now)
{
    if (!gap_passed(st->last_reply, now))
        return false;
    st->last_reply = now;
    return true;
}

/* ---- Per-interface state ---- */

struct mac_stats {
    uint64_t received;       /* packets seen on the interface while it had a key */
    uint64_t accepted;       /* authenticated and fresh */
    uint64_t no_mac;         /* no MAC TLV */
    uint64_t bad_mac;        /* MAC TLVs, none verifying */
    uint64_t accepted_bad;   /* of those two, processed under accept-bad-signatures */
    uint64_t replayed;       /* index known, PC not above the last */
    uint64_t no_pc;          /* authenticated, without (or with a malformed) PC TLV */
    uint64_t unknown_index;  /* authenticated, index unknown: dropped, challenged */
    uint64_t requests_sent;  /* Challenge Requests */
    uint64_t replies_sent;   /* Challenge Replies */
    uint64_t challenges_ok;  /* indexes adopted on a matching reply */
    uint64_t old_key;        /* accepted with the previous key during a rollover */
    uint64_t sent;           /* packets signed */
};

struct mac_if {
    struct mac_if *next;
    char name[IF_NAMESIZE];
    bool have_cur;
    struct key_conf cur;
    uint64_t old_expiry; /* 0: no old key */
    struct key_conf old;
    uint8_t index[MAC_INDEX_LEN];
    uint32_t pc;
    struct mac_stats st;
};

static struct mac_if *mac_ifs;

static bool same_key(const struct key_conf *a, const struct key_conf *b)
{
    return a->type == b->type && a->len == b->len && memcmp(a->value, b->value, a->len) == 0;
}

static void new_index(struct mac_if *m)
{
    random_bytes(m->index, MAC_INDEX_LEN);
    m->pc = 0;
}

/* Brings the interface's key state in line with the configuration (a key
 * line or an interface line may have changed it at run time): a replaced
 * key stays usable for MAC_ROLLOVER_MS.  NULL when the interface has never
 * had a key. */
static struct mac_if *sync_if(const struct interface *ifp)
{
    struct mac_if *m = mac_ifs;
    while (m && strcmp(m->name, ifp->name) != 0)
        m = m->next;
    const struct key_conf *k = ifp->p.key_id[0] ? config_find_key(&node.cfg, ifp->p.key_id) : NULL;
    if (!m) {
        if (!k)
            return NULL;
        m = calloc(1, sizeof(*m));
        if (!m)
            return NULL;
        strlcpy_safe(m->name, ifp->name, sizeof(m->name));
        new_index(m);
        m->next = mac_ifs;
        mac_ifs = m;
    }
    if (m->old_expiry && now_ms >= m->old_expiry) {
        m->old_expiry = 0;
        memset(&m->old, 0, sizeof(m->old));
    }
    if (k && (!m->have_cur || !same_key(k, &m->cur))) {
        if (m->have_cur) {
            m->old = m->cur;
            m->old_expiry = now_ms + MAC_ROLLOVER_MS;
            log_msg("interface %s: key changed to %s; the previous key stays in use for %d s",
                    ifp->name, k->id, MAC_ROLLOVER_MS / 1000);
        }
        m->cur = *k;
        m->cur.next = NULL;
        m->have_cur = true;
    } else if (!k && m->have_cur) {
        log_msg("interface %s: no key any more: packets are no longer authenticated", ifp->name);
        memset(&m->cur, 0, sizeof(m->cur));
        memset(&m->old, 0, sizeof(m->old));
        m->have_cur = false;
        m->old_expiry = 0;
    }
    return m;
}

static int active_keys(const struct mac_if *m, const struct key_conf *keys[MAC_MAX_KEYS])
{
    int n = 0;
    if (m->have_cur)
        keys[n++] = &m->cur;
    if (m->old_expiry)
        keys[n++] = &m->old;
    return n;
}

static struct mac_if *keyed_if(unsigned ifindex, struct interface **ifpp)
{
    struct interface *ifp = interface_by_index(ifindex);
    if (!ifp)
        return NULL;
    struct mac_if *m = sync_if(ifp);
    if (!m || !m->have_cur)
        return NULL;
    if (ifpp)
        *ifpp = ifp;
    return m;
}

/* ---- Sending ---- */

bool mac_signing(unsigned ifindex) { return keyed_if(ifindex, NULL) != NULL; }

size_t mac_overhead(unsigned ifindex) { return mac_signing(ifindex) ? MAC_OVERHEAD : 0; }

size_t mac_seal(struct pkt_writer *w, size_t room, unsigned ifindex, const uint8_t dst[16])
{
    struct interface *ifp = NULL;
    struct mac_if *m = keyed_if(ifindex, &ifp);
    if (!m)
        return pkt_writer_finish(w);
    if (!ifp->have_ll)
        return 0; /* the source address is part of what is signed */
    if (room > BABEL_HEADER_LEN + 0xFFFF)
        room = BABEL_HEADER_LEN + 0xFFFF;
    if (room > w->cap)
        w->cap = room;
    uint8_t pc[4 + MAC_INDEX_LEN];
    put32(pc, m->pc);
    memcpy(pc + 4, m->index, MAC_INDEX_LEN);
    if (pkt_put_raw(w, TLV_PC, pc, sizeof(pc)) < 0)
        return 0;
    /* Never reuse a (index, PC) pair: past the last PC, a new index. */
    if (m->pc == UINT32_MAX)
        new_index(m);
    else
        m->pc++;
    size_t len = pkt_writer_finish(w);
    const struct key_conf *keys[MAC_MAX_KEYS];
    int nkeys = active_keys(m, keys);
    uint16_t port = (uint16_t)node.protocol_port;
    for (int k = 0; k < nkeys; k++) {
        uint8_t mac[MAC_MAX_LEN];
        int n = mac_compute(keys[k], ifp->ll, port, dst, port, w->buf, len, mac);
        if (n < 0 || pkt_put_trailer(w, TLV_MAC, mac, (size_t)n) < 0)
            return 0;
    }
    m->st.sent++;
    return w->len;
}

/* ---- Receiving ---- */

/* The replay state of every neighbour heard with a valid MAC, kept apart
 * from the neighbour table: a neighbour is created only for a packet that
 * passes, and a challenge must outlive the packets that triggered it. */
#define MAC_PEERS_MAX 256
struct mac_peer {
    struct mac_peer *next;
    char ifname[IF_NAMESIZE];
    uint8_t addr[16];
    uint64_t used;
    struct mac_neigh st;
};
static struct mac_peer *mac_peers;
static unsigned mac_npeers;

static struct mac_peer *peer_get(const struct interface *ifp, const uint8_t addr[16])
{
    struct mac_peer *p, *lru = NULL;
    for (p = mac_peers; p; p = p->next) {
        if (memcmp(p->addr, addr, 16) == 0 && strcmp(p->ifname, ifp->name) == 0) {
            p->used = now_ms;
            return p;
        }
        if (!lru || p->used < lru->used)
            lru = p;
    }
    if (mac_npeers >= MAC_PEERS_MAX && lru) {
        /* Forgetting is safe: the neighbour is challenged again. */
        p = lru;
        struct mac_peer *next = p->next;
        memset(p, 0, sizeof(*p));
        p->next = next;
    } else {
        p = calloc(1, sizeof(*p));
        if (!p)
            return NULL;
        p->next = mac_peers;
        mac_peers = p;
        mac_npeers++;
    }
    strlcpy_safe(p->ifname, ifp->name, sizeof(p->ifname));
    memcpy(p->addr, addr, 16);
    p->used = now_ms;
    return p;
}

/* Challenge TLVs go in a unicast packet of their own, sent at once. */
static struct sendbuf ctl;

static void queue_challenge_tlv(uint8_t type, const uint8_t *nonce, size_t len)
{
    SENDBUF_PUT(&ctl, pkt_put_raw(&ctl.w, type, nonce, len));
}

bool mac_receive(struct interface *ifp, const uint8_t src[16], const uint8_t dst[16],
                 const uint8_t *pkt, size_t len, const struct pkt_reader *r)
{
    struct mac_if *m = sync_if(ifp);
    if (!m || !m->have_cur)
        return true;
    m->st.received++;
    char a[ADDR_STRLEN];
    const struct key_conf *keys[MAC_MAX_KEYS];
    int nkeys = active_keys(m, keys);
    uint16_t port = (uint16_t)node.protocol_port;
    int which = -1;
    enum mac_check c = MAC_CHECK_BAD;
    if (!addr_is_zero(dst))
        c = mac_verify(keys, nkeys, src, port, dst, port, pkt, BABEL_HEADER_LEN + r->body_len,
                       r->trailer, r->trailer_len, &which);
    (void)len;
    if (c != MAC_CHECK_OK) {
        if (c == MAC_CHECK_NONE)
            m->st.no_mac++;
        else
            m->st.bad_mac++;
        if (ifp->p.accept_bad_signatures) {
            m->st.accepted_bad++;
            return true;
        }
        log_debug(2, "%s: packet from %s dropped: %s", ifp->name, addr_fmt(src, a),
                  c == MAC_CHECK_NONE ? "no MAC" : "no MAC verifies");
        return false;
    }
    if (which > 0)
        m->st.old_key++;

    struct mac_peer *peer = peer_get(ifp, src);
    if (!peer)
        return false;
    struct mac_neigh *st = &peer->st;
    struct mac_body b;
    if (mac_scan_body(r->body, r->body_len, &b) < 0) {
        m->st.no_pc++;
        return false;
    }
    bool queued = false;
    sendbuf_init(&ctl, ifp->ifindex, src, ifp->buf.cap);
    if (b.have_pc && b.nrequests > 0 && mac_may_reply(st, now_ms)) {
        for (int i = 0; i < b.nrequests; i++) {
            queue_challenge_tlv(TLV_CHALLENGE_REPLY, b.request[i], b.request_len[i]);
            m->st.replies_sent++;
        }
        queued = true;
    }
    bool had_nonce = st->nonce_expiry != 0;
    bool want_request;
    bool multicast = dst[0] == 0xff;
    enum mac_fresh f = mac_freshness(st, &b, multicast, now_ms, &want_request);
    if (want_request) {
        uint8_t nonce[MAC_NONCE_LEN];
        mac_new_challenge(st, now_ms, nonce);
        queue_challenge_tlv(TLV_CHALLENGE_REQ, nonce, MAC_NONCE_LEN);
        m->st.requests_sent++;
        queued = true;
    }
    if (queued)
        sendbuf_flush(&ctl);
    switch (f) {
    case MAC_FRESH:
        if (had_nonce && st->nonce_expiry == 0) {
            m->st.challenges_ok++;
            log_debug(1, "%s: %s answered our challenge; its index is adopted", ifp->name,
                      addr_fmt(src, a));
            /* A new index mostly means a restart, whose first packets (its
             * route request among them) we had to drop: send it our table
             * rather than let it wait for the periodic update. */
            interface_schedule_full_update(ifp);
        }
        m->st.accepted++;
        return true;
    case MAC_REPLAYED:
        m->st.replayed++;
        log_debug(2, "%s: packet from %s dropped: PC %u not above the last one", ifp->name,
                  addr_fmt(src, a), (unsigned)b.pc);
        return false;
    case MAC_NO_PC:
        m->st.no_pc++;
        return false;
    case MAC_UNKNOWN_INDEX:
        m->st.unknown_index++;
        log_debug(2, "%s: packet from %s dropped: unknown index, %s", ifp->name,
                  addr_fmt(src, a), want_request ? "challenge sent" : "challenge pending");
        return false;
    }
    return false;
}

/* ---- Local interface ---- */

void mac_dump(void (*emit)(const char *line, void *out), void *out)
{
    for (struct interface *ifp = interfaces; ifp; ifp = ifp->next) {
        struct mac_if *m = sync_if(ifp);
        if (!m)
            continue;
        const struct key_conf *keys[MAC_MAX_KEYS];
        const struct mac_stats *s = &m->st;
        char line[640];
        snprintf(line, sizeof(line),
                 "add mac-stats if %s keys %d sent %llu received %llu accepted %llu no-mac %llu "
                 "bad-mac %llu accepted-bad %llu replayed %llu no-pc %llu unknown-index %llu "
                 "challenge-requests %llu challenge-replies %llu challenges-ok %llu old-key %llu\n",
                 ifp->name, active_keys(m, keys), (unsigned long long)s->sent,
                 (unsigned long long)s->received, (unsigned long long)s->accepted,
                 (unsigned long long)s->no_mac, (unsigned long long)s->bad_mac,
                 (unsigned long long)s->accepted_bad, (unsigned long long)s->replayed,
                 (unsigned long long)s->no_pc, (unsigned long long)s->unknown_index,
                 (unsigned long long)s->requests_sent, (unsigned long long)s->replies_sent,
                 (unsigned long long)s->challenges_ok, (unsigned long long)s->old_key);
        emit(line, out);
    }
}
