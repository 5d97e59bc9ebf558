/* Source-Active: the table, flooding with acknowledgments, origination,
 * directives and records (see sa.h). */
#include "mcast/sa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "babel/config.h"
#include "babel/event.h"
#include "babel/extension.h"
#include "babel/local.h"
#include "babel/metrics.h"
#include "babel/node.h"
#include "babel/packet.h"
#include "babel/util.h"
#include "mcast/sa_codec.h"

#define BUCKETS 4096
#define MAX_SUBS 8
#define ACK_INTERVAL_CS 20 /* what we ask of the neighbour: acknowledge within 200 ms */
/* Route changes remembered between two ticks; beyond, every waiting entry
 * is looked at. */
#define SA_REACHED_MAX 64

struct sa_entry {
    struct sa_entry *hnext;
    uint8_t origin[8];
    uint8_t s[16];
    uint8_t g[16];
    uint64_t id;
    uint16_t seqno;
    bool withdrawn; /* a tombstone: kept until it expires, not shown */
    bool rpf_wait;  /* announced, but no route to S yet: not shown, not sent */
    struct sa_entry *wnext, **wprev; /* the wait list, while rpf_wait */
    bool local;     /* ours and announced: refreshed, never expires */
    uint64_t expires;
    uint64_t updated;
    void *from; /* the neighbour it came from; NULL when ours or gone */
};

/* One entry still to be delivered to one neighbour (or, e NULL, our request
 * for its table).  It sits on the peer's ready list until it is sent, then
 * on its flight list until acknowledged; it is found by entry (queueing,
 * unqueueing) and by the nonce of the copy in flight (acknowledgments)
 * through hash chains, so what a neighbour is owed costs O(1) per entry
 * whatever the size of the table. */
struct sa_pend {
    struct sa_pend *prev, *next;    /* ready or flight list */
    struct sa_pend *hnext;          /* by-entry chain (e non-NULL) */
    struct sa_pend *nnext, **nprev; /* by-nonce chain, while a copy is in flight */
    struct sa_entry *e;
    uint16_t nonce; /* of the copy in flight */
    uint8_t tries;  /* copies sent since the entry last changed */
    bool in_flight;
    uint64_t due; /* (re)send then */
};

struct pend_list {
    struct sa_pend *head, *tail;
};

/* The by-nonce chains: one per TLV in flight, a few hundred at most. */
#define PEND_BUCKETS 1024
/* The by-entry table grows with what is owed (a whole table, for a new
 * neighbour), keeping its chains about one long. */
#define PEND_MIN_BUCKETS 64

struct sa_peer {
    struct sa_peer *next;
    void *nb;
    struct pend_list ready;  /* to send at the next tick, in order */
    struct pend_list flight; /* sent, waiting for an Ack */
    struct sa_pend *request; /* our table request, while owed */
    uint64_t next_retx;      /* no copy in flight is due before this */
    struct sa_pend **by_entry; /* nbuckets chains */
    size_t nbuckets, npend;
    struct sa_pend *by_nonce[PEND_BUCKETS];
};

/* What we originate. */
struct sa_local {
    struct sa_local *next;
    uint8_t s[16];
    uint8_t g[16];
    bool by_config, by_api;
    uint64_t refresh_due;
};

static struct {
    struct sa_entry *buckets[BUCKETS];
    size_t nentries;
    struct sa_peer *peers;
    struct sa_local *locals;
    struct sa_stats stats;
    unsigned lifetime; /* s */
    bool started;
    uint8_t self[8];
    struct sa_ops ops;
    uint16_t next_nonce;
    uint64_t next_expiry; /* earliest expiry of a non-local entry */
    bool send_due;        /* some pend may be due: scan at the next tick */
    uint64_t next_send;
    size_t nwait;           /* entries waiting for a route to their source */
    struct sa_entry *waits; /* those entries */
    bool rpf_recheck;       /* routes changed, which is not known: look at every one */
    /* Destinations that became reachable since the last tick: only the
     * waiting entries they cover are looked at again. */
    struct prefix reached[SA_REACHED_MAX];
    unsigned nreached;
    uint64_t next_recheck; /* and every second anyway */
} sa; /* zero-initialised (34 kB of bss, not .data): sa_register() and
        * sa_core_reset() set the defaults, touching one page */

static struct {
    sa_change_fn fn;
    void *ctx;
} subs[MAX_SUBS];
static unsigned nsubs;

/* ---- helpers -------------------------------------------------------- */

uint64_t sa_entry_id(const uint8_t origin[8], const uint8_t s[16], const uint8_t g[16])
{
    /* FNV-1a over the key: the same SA has the same id on every node. */
    uint64_t h = 0xcbf29ce484222325ull;
    const uint8_t *parts[3] = {origin, s, g};
    const size_t lens[3] = {8, 16, 16};
    for (int i = 0; i < 3; i++)
        for (size_t j = 0; j < lens[i]; j++) {
            h ^= parts[i][j];
            h *= 0x100000001b3ull;
        }
    return h;
}

static bool addr_is_mcast(const uint8_t a[16])
{
    if (addr_is_v4(a))
        return (a[12] & 0xf0) == 0xe0;
    return a[0] == 0xff;
}

/* S unicast and routable-looking, G multicast, same family. */
static bool valid_pair(const uint8_t s[16], const uint8_t g[16])
{
    if (addr_is_v4(s) != addr_is_v4(g) || !addr_is_mcast(g) || addr_is_mcast(s))
        return false;
    if (addr_is_v4(s))
        return s[12] != 0 && !(s[12] == 255 && s[13] == 255 && s[14] == 255 && s[15] == 255);
    return !addr_is_zero(s) && !addr_is_linklocal(s);
}

static unsigned bucket_of(uint64_t id) { return (unsigned)(id % BUCKETS); }

static struct sa_entry *entry_find(const uint8_t origin[8], const uint8_t s[16],
                                   const uint8_t g[16])
{
    uint64_t id = sa_entry_id(origin, s, g);
    for (struct sa_entry *e = sa.buckets[bucket_of(id)]; e; e = e->hnext)
        if (e->id == id && memcmp(e->origin, origin, 8) == 0 && memcmp(e->s, s, 16) == 0 &&
            memcmp(e->g, g, 16) == 0)
            return e;
    return NULL;
}

/* Shown, synced to new neighbours and answered with. */
static bool active(const struct sa_entry *e)
{
    return !e->withdrawn && !e->rpf_wait && (e->local || e->expires > now_ms);
}

/* The wait list: entries announced to us whose source has no route yet. */
static void wait_set(struct sa_entry *e)
{
    if (e->rpf_wait)
        return;
    e->rpf_wait = true;
    e->wnext = sa.waits;
    if (sa.waits)
        sa.waits->wprev = &e->wnext;
    sa.waits = e;
    e->wprev = &sa.waits;
    sa.nwait++;
}

static void wait_clear(struct sa_entry *e)
{
    if (!e->rpf_wait)
        return;
    e->rpf_wait = false;
    *e->wprev = e->wnext;
    if (e->wnext)
        e->wnext->wprev = e->wprev;
    e->wnext = NULL;
    e->wprev = NULL;
    sa.nwait--;
}

static struct sa_entry *entry_new(const uint8_t origin[8], const uint8_t s[16],
                                  const uint8_t g[16])
{
    if (sa.nentries >= SA_TABLE_MAX) {
        sa.stats.table_full++;
        return NULL;
    }
    struct sa_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    memcpy(e->origin, origin, 8);
    memcpy(e->s, s, 16);
    memcpy(e->g, g, 16);
    e->id = sa_entry_id(origin, s, g);
    e->withdrawn = true; /* until the caller says otherwise */
    unsigned b = bucket_of(e->id);
    e->hnext = sa.buckets[b];
    sa.buckets[b] = e;
    sa.nentries++;
    return e;
}

static void pend_unlink_entry(struct sa_entry *e);

static void entry_free(struct sa_entry *e)
{
    pend_unlink_entry(e);
    wait_clear(e);
    for (struct sa_entry **pp = &sa.buckets[bucket_of(e->id)]; *pp; pp = &(*pp)->hnext)
        if (*pp == e) {
            *pp = e->hnext;
            break;
        }
    sa.nentries--;
    free(e);
}

static void fill_info(const struct sa_entry *e, struct sa_info *out)
{
    out->id = e->id;
    memcpy(out->origin, e->origin, 8);
    memcpy(out->source, e->s, 16);
    memcpy(out->group, e->g, 16);
    out->seqno = e->seqno;
    out->age = now_ms > e->updated ? (unsigned)((now_ms - e->updated) / 1000) : 0;
    out->local = e->local;
}

static void format_entry(char *buf, size_t len, const char *kind, const struct sa_entry *e)
{
    char s[ADDR_STRLEN], g[ADDR_STRLEN], o[ID_STRLEN];
    struct sa_info in;
    fill_info(e, &in);
    snprintf(buf, len, "%s sa %016llx source %s group %s origin %s seqno %u age %u\n", kind,
             (unsigned long long)e->id, addr_fmt(e->s, s), addr_fmt(e->g, g),
             id_fmt(e->origin, o), e->seqno, in.age);
}

/* Monitor lines and subscribers. */
static void changed(const struct sa_entry *e, enum ext_change what)
{
    if (sa.ops.notify) {
        char buf[256];
        format_entry(buf, sizeof(buf),
                     what == EXT_ADD ? "add" : what == EXT_CHANGE ? "change" : "flush", e);
        sa.ops.notify(buf, sa.ops.ctx);
    }
    if (nsubs) {
        struct sa_info in;
        fill_info(e, &in);
        for (unsigned i = 0; i < nsubs; i++)
            subs[i].fn(&in, what, subs[i].ctx);
    }
}

static void note_expiry(uint64_t t)
{
    if (t < sa.next_expiry)
        sa.next_expiry = t;
}

/* ---- neighbours and what each still has to get ------------------------ */

static struct sa_peer *peer_find(void *nb)
{
    for (struct sa_peer *p = sa.peers; p; p = p->next)
        if (p->nb == nb)
            return p;
    return NULL;
}

static struct sa_peer *peer_get(void *nb)
{
    struct sa_peer *p = peer_find(nb);
    if (p)
        return p;
    p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->nb = nb;
    p->next_retx = EVENT_NEVER;
    p->next = sa.peers;
    sa.peers = p;
    return p;
}

static void list_append(struct pend_list *l, struct sa_pend *q)
{
    q->next = NULL;
    q->prev = l->tail;
    if (l->tail)
        l->tail->next = q;
    else
        l->head = q;
    l->tail = q;
}

static void list_remove(struct pend_list *l, struct sa_pend *q)
{
    if (q->prev)
        q->prev->next = q->next;
    else
        l->head = q->next;
    if (q->next)
        q->next->prev = q->prev;
    else
        l->tail = q->prev;
    q->prev = q->next = NULL;
}

static size_t pend_bucket(const struct sa_peer *p, const struct sa_entry *e)
{
    return (size_t)(e->id & (p->nbuckets - 1));
}

static struct sa_pend *pend_find(struct sa_peer *p, const struct sa_entry *e)
{
    if (!e)
        return p->request;
    if (!p->by_entry)
        return NULL;
    for (struct sa_pend *q = p->by_entry[pend_bucket(p, e)]; q; q = q->hnext)
        if (q->e == e)
            return q;
    return NULL;
}

static void nonce_unlink(struct sa_pend *q)
{
    if (!q->nprev)
        return;
    *q->nprev = q->nnext;
    if (q->nnext)
        q->nnext->nprev = q->nprev;
    q->nnext = NULL;
    q->nprev = NULL;
}

static void nonce_link(struct sa_peer *p, struct sa_pend *q)
{
    struct sa_pend **head = &p->by_nonce[q->nonce % PEND_BUCKETS];
    q->nnext = *head;
    if (*head)
        (*head)->nprev = &q->nnext;
    *head = q;
    q->nprev = head;
}

static void pend_free(struct sa_peer *p, struct sa_pend *q)
{
    list_remove(q->in_flight ? &p->flight : &p->ready, q);
    nonce_unlink(q);
    if (!q->e) {
        p->request = NULL;
    } else {
        for (struct sa_pend **pp = &p->by_entry[pend_bucket(p, q->e)]; *pp; pp = &(*pp)->hnext)
            if (*pp == q) {
                *pp = q->hnext;
                break;
            }
        p->npend--;
    }
    free(q);
}

/* Room for one more pend in the by-entry table (doubled when it would be
 * more than full; never shrunk).  -1 when out of memory. */
static int pend_room(struct sa_peer *p)
{
    if (p->by_entry && p->npend < p->nbuckets)
        return 0;
    size_t n = p->nbuckets ? p->nbuckets * 2 : PEND_MIN_BUCKETS;
    struct sa_pend **t = calloc(n, sizeof(*t));
    if (!t)
        return p->by_entry ? 0 : -1; /* longer chains, still correct */
    for (size_t b = 0; b < p->nbuckets; b++)
        while (p->by_entry[b]) {
            struct sa_pend *q = p->by_entry[b];
            p->by_entry[b] = q->hnext;
            size_t nb = (size_t)(q->e->id & (n - 1));
            q->hnext = t[nb];
            t[nb] = q;
        }
    free(p->by_entry);
    p->by_entry = t;
    p->nbuckets = n;
    return 0;
}

/* (Re)queues e for p, to go out at the next tick; e NULL is a table
 * request. */
static void queue(struct sa_peer *p, struct sa_entry *e)
{
    struct sa_pend *q = pend_find(p, e);
    if (!q) {
        if (e && pend_room(p) < 0)
            return;
        q = calloc(1, sizeof(*q));
        if (!q)
            return;
        q->e = e;
        if (e) {
            size_t b = pend_bucket(p, e);
            q->hnext = p->by_entry[b];
            p->by_entry[b] = q;
            p->npend++;
        } else {
            p->request = q;
        }
        list_append(&p->ready, q);
    } else if (q->in_flight) {
        /* A newer copy replaces the one in flight: its Ack no longer
         * counts. */
        nonce_unlink(q);
        list_remove(&p->flight, q);
        q->in_flight = false;
        list_append(&p->ready, q);
    }
    q->tries = 0;
    q->nonce = 0;
    q->due = now_ms;
    sa.send_due = true;
}

static void unqueue(struct sa_peer *p, const struct sa_entry *e)
{
    struct sa_pend *q = pend_find(p, e);
    if (q)
        pend_free(p, q);
}

static void pend_unlink_entry(struct sa_entry *e)
{
    for (struct sa_peer *p = sa.peers; p; p = p->next)
        unqueue(p, e);
}

static void flood(struct sa_entry *e, void *except)
{
    for (struct sa_peer *p = sa.peers; p; p = p->next)
        if (p->nb != except)
            queue(p, e);
}

/* Every active entry, for a new neighbour or one that asks. */
static void queue_table(struct sa_peer *p)
{
    for (unsigned b = 0; b < BUCKETS; b++)
        for (struct sa_entry *e = sa.buckets[b]; e; e = e->hnext)
            if (active(e))
                queue(p, e);
}

/* Frees p and what it is owed without looking at the entries (which may
 * be gone already, when everything is reset). */
static void peer_free(struct sa_peer *p)
{
    struct pend_list *lists[2] = {&p->ready, &p->flight};
    for (int i = 0; i < 2; i++)
        while (lists[i]->head) {
            struct sa_pend *q = lists[i]->head;
            lists[i]->head = q->next;
            free(q);
        }
    free(p->by_entry);
    free(p);
}

void sa_core_peer(void *nb, bool up)
{
    if (up) {
        bool fresh = peer_find(nb) == NULL;
        struct sa_peer *p = peer_get(nb);
        if (!p || !fresh || !sa.started)
            return;
        /* A new neighbour gets the whole table, and is asked for its own:
         * it may have restarted, and then not noticed that we did. */
        queue_table(p);
        queue(p, NULL);
        return;
    }
    for (struct sa_peer **pp = &sa.peers; *pp; pp = &(*pp)->next)
        if ((*pp)->nb == nb) {
            struct sa_peer *p = *pp;
            *pp = p->next;
            peer_free(p);
            break;
        }
    for (unsigned b = 0; b < BUCKETS; b++)
        for (struct sa_entry *e = sa.buckets[b]; e; e = e->hnext)
            if (e->from == nb)
                e->from = NULL;
}

void sa_core_ack(void *nb, uint16_t nonce)
{
    struct sa_peer *p = peer_find(nb);
    if (!p)
        return;
    struct sa_pend *q = p->by_nonce[nonce % PEND_BUCKETS];
    while (q) {
        struct sa_pend *nx = q->nnext;
        if (q->nonce == nonce) {
            if (q->e)
                sa.stats.acked++;
            pend_free(p, q);
        }
        q = nx;
    }
}

/* ---- sending ---------------------------------------------------------- */

static uint64_t rto(unsigned tries)
{
    uint64_t t = SA_RETRANSMIT_FIRST;
    for (unsigned i = 1; i < tries && t < SA_RETRANSMIT_MAX; i++)
        t *= 2;
    return t < SA_RETRANSMIT_MAX ? t : SA_RETRANSMIT_MAX;
}

static void to_wire(const struct sa_entry *e, struct sa_wire_entry *w)
{
    memcpy(w->origin, e->origin, 8);
    memcpy(w->source, e->s, 16);
    memcpy(w->group, e->g, 16);
    w->seqno = e->seqno;
    w->flags = e->withdrawn ? SA_FLAG_WITHDRAW : 0;
    uint64_t left = e->local ? (uint64_t)sa.lifetime * 1000
                             : (e->expires > now_ms ? e->expires - now_ms : 0);
    uint64_t secs = (left + 999) / 1000;
    w->lifetime = (uint16_t)(secs > SA_MAX_LIFETIME ? SA_MAX_LIFETIME : secs);
}

/* One TLV being filled for one neighbour, and the pends it carries. */
struct batch {
    uint8_t body[SA_TLV_MAX];
    size_t len;
    struct sa_pend *items[SA_MAX_ENTRIES + 1]; /* the entries, and a table request */
    unsigned n, entries;
    bool request;
};

static void batch_reset(struct batch *b)
{
    b->n = b->entries = 0;
    b->request = false;
    b->len = sa_encode_header(b->body, sizeof(b->body));
}

static void batch_send(struct sa_peer *p, struct batch *b)
{
    if (b->n == 0)
        return;
    if (b->request)
        sa_encode_header_flags(b->body, sizeof(b->body), SA_HFLAG_REQUEST);
    uint16_t nonce = sa.next_nonce++;
    int rc = sa.ops.send ? sa.ops.send(p->nb, b->body, b->len, nonce, sa.ops.ctx) : -1;
    for (unsigned i = 0; i < b->n; i++) {
        struct sa_pend *q = b->items[i];
        if (q->e) {
            if (q->tries > 0)
                sa.stats.retransmits++;
            sa.stats.sent++;
        }
        q->tries++;
        nonce_unlink(q);
        q->nonce = nonce;
        nonce_link(p, q);
        /* A copy that could not even be queued is tried again soon. */
        q->due = now_ms + (rc < 0 ? SA_RETRANSMIT_FIRST : rto(q->tries));
        if (q->due < p->next_retx)
            p->next_retx = q->due;
    }
    batch_reset(b);
}

/* Adds q to the batch (sending the batch first when q does not fit). */
static void batch_add(struct sa_peer *p, struct batch *b, struct sa_pend *q)
{
    if (!q->e) {
        /* A table request rides in the flags of the next TLV. */
        if (b->request)
            batch_send(p, b);
        b->request = true;
        b->items[b->n++] = q;
        return;
    }
    struct sa_wire_entry w;
    to_wire(q->e, &w);
    if (b->entries == SA_MAX_ENTRIES || sa_encode_entry(b->body, sizeof(b->body), &b->len, &w) < 0) {
        batch_send(p, b);
        if (sa_encode_entry(b->body, sizeof(b->body), &b->len, &w) < 0)
            return; /* cannot happen: one entry always fits */
    }
    b->items[b->n++] = q;
    b->entries++;
}

static bool pend_gone(const struct sa_pend *q)
{
    return q->e && !q->e->local && q->e->expires <= now_ms;
}

/* Sends what is due to p: what is ready, and the copies in flight whose
 * retransmission is due (the flight list is walked only then).  Returns
 * the earliest later due time. */
static uint64_t peer_send(struct sa_peer *p)
{
    static struct batch b;
    batch_reset(&b);
    if (p->next_retx <= now_ms) {
        uint64_t next = EVENT_NEVER;
        struct sa_pend *q = p->flight.head;
        while (q) {
            struct sa_pend *nx = q->next;
            if (q->due <= now_ms && (pend_gone(q) || q->tries >= SA_MAX_TRIES)) {
                if (!pend_gone(q) && q->e)
                    sa.stats.gave_up++;
                pend_free(p, q);
            } else if (q->due <= now_ms) {
                batch_add(p, &b, q);
            } else if (q->due < next) {
                next = q->due;
            }
            q = nx;
        }
        p->next_retx = next;
    }
    struct sa_pend *q;
    while ((q = p->ready.head)) {
        if (pend_gone(q)) {
            pend_free(p, q);
            continue;
        }
        list_remove(&p->ready, q);
        q->in_flight = true;
        list_append(&p->flight, q);
        batch_add(p, &b, q);
    }
    batch_send(p, &b);
    return p->next_retx;
}

/* ---- origination ------------------------------------------------------ */

static struct sa_local *local_find(const uint8_t s[16], const uint8_t g[16])
{
    for (struct sa_local *l = sa.locals; l; l = l->next)
        if (memcmp(l->s, s, 16) == 0 && memcmp(l->g, g, 16) == 0)
            return l;
    return NULL;
}

static uint64_t refresh_interval(void)
{
    return jitter_ms((uint64_t)sa.lifetime * 1000 / 3);
}

/* Announces l with a new seqno (a new entry, a refresh, or after hearing a
 * newer one of ours from a previous life). */
static void local_announce(struct sa_local *l, const uint16_t *above)
{
    if (!sa.started)
        return;
    struct sa_entry *e = entry_find(sa.self, l->s, l->g);
    bool fresh = false;
    if (!e) {
        e = entry_new(sa.self, l->s, l->g);
        if (!e)
            return;
        e->seqno = (uint16_t)random_u32();
        fresh = true;
    } else {
        fresh = e->withdrawn;
        e->seqno = seqno_plus(e->seqno, 1);
    }
    if (above && seqno_compare(e->seqno, *above) <= 0)
        e->seqno = seqno_plus(*above, 1);
    wait_clear(e);
    e->withdrawn = false;
    e->local = true;
    e->from = NULL;
    e->updated = now_ms;
    e->expires = EVENT_NEVER;
    l->refresh_due = now_ms + refresh_interval();
    changed(e, fresh ? EXT_ADD : EXT_CHANGE);
    flood(e, NULL);
}

/* Withdraws our entry for (s, g) (new seqno, withdraw flag), or makes sure
 * a ghost of ours newer than `above` is killed. */
static void local_withdraw_entry(const uint8_t s[16], const uint8_t g[16], const uint16_t *above)
{
    if (!sa.started)
        return;
    struct sa_entry *e = entry_find(sa.self, s, g);
    bool was_active = e && active(e);
    if (e)
        wait_clear(e);
    if (!e) {
        e = entry_new(sa.self, s, g);
        if (!e)
            return;
        e->seqno = above ? *above : (uint16_t)random_u32();
    }
    e->seqno = seqno_plus(e->seqno, 1);
    if (above && seqno_compare(e->seqno, *above) <= 0)
        e->seqno = seqno_plus(*above, 1);
    e->withdrawn = true;
    e->local = false;
    e->from = NULL;
    e->updated = now_ms;
    e->expires = now_ms + (uint64_t)sa.lifetime * 1000;
    note_expiry(e->expires);
    if (was_active)
        changed(e, EXT_FLUSH);
    flood(e, NULL);
}

static int originate(const uint8_t s[16], const uint8_t g[16], bool api)
{
    if (!valid_pair(s, g))
        return -1;
    struct sa_local *l = local_find(s, g);
    if (l) {
        if (api)
            l->by_api = true;
        else
            l->by_config = true;
        return 0;
    }
    l = calloc(1, sizeof(*l));
    if (!l)
        return -1;
    memcpy(l->s, s, 16);
    memcpy(l->g, g, 16);
    l->by_api = api;
    l->by_config = !api;
    l->next = sa.locals;
    sa.locals = l;
    local_announce(l, NULL);
    return 0;
}

static int unoriginate(const uint8_t s[16], const uint8_t g[16], bool api)
{
    struct sa_local *l = local_find(s, g);
    if (!l || !(api ? l->by_api : l->by_config))
        return -1;
    if (api)
        l->by_api = false;
    else
        l->by_config = false;
    if (l->by_api || l->by_config)
        return 0;
    for (struct sa_local **pp = &sa.locals; *pp; pp = &(*pp)->next)
        if (*pp == l) {
            *pp = l->next;
            break;
        }
    local_withdraw_entry(s, g, NULL);
    free(l);
    return 0;
}

int sa_originate(const uint8_t s[16], const uint8_t g[16]) { return originate(s, g, true); }
int sa_withdraw(const uint8_t s[16], const uint8_t g[16]) { return unoriginate(s, g, true); }
int sa_announce_static(const uint8_t s[16], const uint8_t g[16]) { return originate(s, g, false); }
int sa_flush_static(const uint8_t s[16], const uint8_t g[16]) { return unoriginate(s, g, false); }

int sa_set_lifetime(unsigned seconds)
{
    if (seconds < SA_MIN_LIFETIME || seconds > SA_MAX_LIFETIME)
        return -1;
    sa.lifetime = seconds;
    /* Refresh soon enough for the new lifetime. */
    uint64_t latest = now_ms + (uint64_t)seconds * 1000 / 3;
    for (struct sa_local *l = sa.locals; l; l = l->next)
        if (l->refresh_due > latest)
            l->refresh_due = latest;
    return 0;
}

/* ---- receiving -------------------------------------------------------- */

/* One of our own entries came back. */
static void receive_own(struct sa_peer *p, const struct sa_wire_entry *w)
{
    sa.stats.own++;
    struct sa_entry *e = entry_find(sa.self, w->source, w->group);
    int cmp = e ? seqno_compare(w->seqno, e->seqno) : 1;
    if (cmp < 0) {
        if (p)
            queue(p, e); /* it is behind: tell it what we have */
        return;
    }
    if (cmp == 0 && e && e->withdrawn == ((w->flags & SA_FLAG_WITHDRAW) != 0)) {
        sa.stats.duplicates++;
        if (p)
            unqueue(p, e);
        return;
    }
    /* Newer than (or conflicting with) what we have: left over from a
     * previous life of ours.  Say what is true now, above it. */
    struct sa_local *l = local_find(w->source, w->group);
    if (l)
        local_announce(l, &w->seqno);
    else
        local_withdraw_entry(w->source, w->group, &w->seqno);
}

/* Holds an announcement that failed peer-RPF until a route to its source
 * appears (or it expires): a node learns SAs that arrive with, or just
 * before, the routes to their sources. */
static void hold(void *nb, struct sa_entry *e, const struct sa_wire_entry *w)
{
    wait_set(e);
    e->withdrawn = false;
    e->local = false;
    e->seqno = w->seqno;
    e->from = nb;
    e->updated = now_ms;
    e->expires = now_ms + (uint64_t)w->lifetime * 1000;
    note_expiry(e->expires);
}

/* p is NULL when the neighbour nb is not up yet (no link cost): what it
 * sends is believed, but nothing is sent to it. */
static void receive_entry(void *nb, struct sa_peer *p, const struct sa_wire_entry *w)
{
    sa.stats.received++;
    bool withdraw = (w->flags & SA_FLAG_WITHDRAW) != 0;
    if (!valid_pair(w->source, w->group) || id_is_zero(w->origin) || w->lifetime == 0) {
        sa.stats.invalid++;
        return;
    }
    if (memcmp(w->origin, sa.self, 8) == 0) {
        receive_own(p, w);
        return;
    }
    struct sa_entry *e = entry_find(w->origin, w->source, w->group);
    if (e && seqno_compare(w->seqno, e->seqno) <= 0) {
        sa.stats.duplicates++;
        if (!p)
            return;
        if (seqno_compare(w->seqno, e->seqno) == 0)
            unqueue(p, e); /* it has it already */
        else if (!e->rpf_wait && e->expires > now_ms)
            queue(p, e); /* it is behind */
        return;
    }
    /* Peer-RPF: an announcement for a source Babel cannot reach is not
     * believed (a withdrawal only removes state, so it always is).  An
     * entry we already believe keeps its older copy until it expires; a
     * new one waits for a route. */
    if (!withdraw && !(sa.ops.rpf && sa.ops.rpf(w->source, sa.ops.ctx))) {
        sa.stats.rpf_failures++;
        if (e && active(e))
            return;
        if (!e)
            e = entry_new(w->origin, w->source, w->group);
        if (e)
            hold(nb, e, w);
        return;
    }
    sa.stats.accepted++;
    if (!e) {
        e = entry_new(w->origin, w->source, w->group);
        if (!e)
            return;
    }
    bool was_active = active(e);
    wait_clear(e);
    e->seqno = w->seqno;
    e->withdrawn = withdraw;
    e->local = false;
    e->from = nb;
    e->updated = now_ms;
    e->expires = now_ms + (uint64_t)w->lifetime * 1000;
    note_expiry(e->expires);
    if (withdraw) {
        if (was_active)
            changed(e, EXT_FLUSH);
    } else {
        changed(e, was_active ? EXT_CHANGE : EXT_ADD);
    }
    flood(e, nb);
}

/* Does p cover address a (both v4-mapped for IPv4)? */
static bool prefix_covers(const struct prefix *p, const uint8_t a[16])
{
    unsigned bytes = p->plen / 8, bits = p->plen % 8;
    if (memcmp(p->addr, a, bytes) != 0)
        return false;
    if (bits == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - bits));
    return (p->addr[bytes] & mask) == (a[bytes] & mask);
}

/* Waiting entries whose source has a route now: every one after an
 * unspecified change (and every second), else only those under a
 * destination that became reachable.  The wait list only: the entries
 * already accepted are never looked at. */
static void recheck_rpf(void)
{
    bool all = sa.rpf_recheck || sa.next_recheck <= now_ms;
    if (all)
        sa.next_recheck = now_ms + 1000;
    unsigned nreached = sa.nreached;
    sa.rpf_recheck = false;
    sa.nreached = 0;
    struct sa_entry *e = sa.waits;
    while (e) {
        /* changed() and flood() below never touch the wait list. */
        struct sa_entry *nx = e->wnext;
        bool covered = all;
        for (unsigned i = 0; !covered && i < nreached; i++)
            covered = prefix_covers(&sa.reached[i], e->s);
        if (covered && e->expires > now_ms && sa.ops.rpf && sa.ops.rpf(e->s, sa.ops.ctx)) {
            wait_clear(e);
            sa.stats.accepted++;
            changed(e, EXT_ADD);
            flood(e, e->from);
        }
        e = nx;
    }
}

void sa_core_routes_changed(void) { sa.rpf_recheck = true; }

void sa_core_route_changed(const uint8_t prefix[16], unsigned plen, bool reachable)
{
    /* A lost route makes no waiting entry acceptable; and with nothing
     * waiting there is nothing to remember. */
    if (!reachable || !sa.nwait || sa.rpf_recheck)
        return;
    if (sa.nreached == SA_REACHED_MAX || plen > 128) {
        sa.rpf_recheck = true;
        return;
    }
    memcpy(sa.reached[sa.nreached].addr, prefix, 16);
    sa.reached[sa.nreached++].plen = (uint8_t)plen;
}

void sa_core_receive(void *nb, const uint8_t *body, size_t len)
{
    static struct sa_decoded d;
    enum sa_decode_status st = sa_decode(body, len, &d);
    if (st == SA_DECODE_VERSION) {
        sa.stats.unknown_version++;
        return;
    }
    if (st != SA_DECODE_OK) {
        sa.stats.malformed++;
        return;
    }
    if (!sa.started)
        return;
    /* A neighbour is a peer once its link is up (sa_core_peer): one heard
     * for the first time may be gone at the next tick, and answering it
     * would make it hear us for the first time too. */
    struct sa_peer *p = peer_find(nb);
    for (size_t i = 0; i < d.n; i++)
        receive_entry(nb, p, &d.e[i]);
    if (d.hflags & SA_HFLAG_REQUEST) {
        sa.stats.requests++;
        if (p)
            queue_table(p); /* (a new peer gets it anyway) */
    }
}

/* ---- timers ----------------------------------------------------------- */

static void expire(void)
{
    sa.next_expiry = EVENT_NEVER;
    for (unsigned b = 0; b < BUCKETS; b++) {
        struct sa_entry *e = sa.buckets[b];
        while (e) {
            struct sa_entry *nx = e->hnext;
            if (!e->local) {
                if (e->expires <= now_ms) {
                    if (!e->withdrawn && !e->rpf_wait)
                        changed(e, EXT_FLUSH);
                    entry_free(e);
                } else {
                    note_expiry(e->expires);
                }
            }
            e = nx;
        }
    }
}

uint64_t sa_core_tick(void)
{
    if (!sa.started)
        return EVENT_NEVER;
    uint64_t next = EVENT_NEVER;
    for (struct sa_local *l = sa.locals; l; l = l->next) {
        if (l->refresh_due <= now_ms)
            local_announce(l, NULL);
        if (l->refresh_due < next)
            next = l->refresh_due;
    }
    if (sa.next_expiry <= now_ms)
        expire();
    if (sa.nwait && (sa.rpf_recheck || sa.nreached || sa.next_recheck <= now_ms))
        recheck_rpf();
    if (sa.nwait && sa.next_recheck < next)
        next = sa.next_recheck;
    if (sa.next_expiry < next)
        next = sa.next_expiry;
    if (sa.send_due || sa.next_send <= now_ms) {
        sa.send_due = false;
        sa.next_send = EVENT_NEVER;
        for (struct sa_peer *p = sa.peers; p; p = p->next) {
            uint64_t t = peer_send(p);
            if (t < sa.next_send)
                sa.next_send = t;
        }
    }
    if (sa.next_send < next)
        next = sa.next_send;
    return next;
}

void sa_core_reset(void)
{
    for (unsigned b = 0; b < BUCKETS; b++)
        while (sa.buckets[b]) {
            struct sa_entry *e = sa.buckets[b];
            sa.buckets[b] = e->hnext;
            free(e);
        }
    while (sa.peers) {
        struct sa_peer *p = sa.peers;
        sa.peers = p->next;
        peer_free(p);
    }
    while (sa.locals) {
        struct sa_local *l = sa.locals;
        sa.locals = l->next;
        free(l);
    }
    memset(&sa, 0, sizeof(sa));
    sa.lifetime = SA_DEFAULT_LIFETIME;
    sa.next_expiry = EVENT_NEVER;
    sa.next_send = EVENT_NEVER;
    nsubs = 0;
}

void sa_core_start(const uint8_t self_id[8], const struct sa_ops *ops)
{
    memcpy(sa.self, self_id, 8);
    sa.ops = *ops;
    sa.started = true;
    sa.next_nonce = (uint16_t)random_u32();
    for (struct sa_local *l = sa.locals; l; l = l->next)
        local_announce(l, NULL);
}

void sa_core_stop(void)
{
    if (!sa.started)
        return;
    /* Neighbours hear our SAs withdrawn rather than waiting for them to
     * expire; sent once (the daemon is leaving). */
    for (struct sa_local *l = sa.locals; l; l = l->next)
        local_withdraw_entry(l->s, l->g, NULL);
    for (struct sa_peer *p = sa.peers; p; p = p->next)
        peer_send(p);
    sa.started = false;
}

/* ---- reading the table ------------------------------------------------ */

const struct sa_stats *sa_get_stats(void) { return &sa.stats; }

void sa_foreach(void (*fn)(const struct sa_info *, void *), void *ctx)
{
    for (unsigned b = 0; b < BUCKETS; b++)
        for (struct sa_entry *e = sa.buckets[b]; e; e = e->hnext)
            if (active(e)) {
                struct sa_info in;
                fill_info(e, &in);
                fn(&in, ctx);
            }
}

int sa_on_change(sa_change_fn fn, void *ctx)
{
    if (nsubs == MAX_SUBS)
        return -1;
    subs[nsubs].fn = fn;
    subs[nsubs++].ctx = ctx;
    return 0;
}

void sa_dump(void (*emit)(const char *line, void *out), void *out)
{
    char buf[512];
    const struct sa_stats *st = &sa.stats;
    /* Like mac-stats, the counters appear once there is something to count:
     * a router that never saw an SA dumps exactly what babeld dumps. */
    bool used = sa.nentries || sa.locals || st->received || st->malformed ||
                st->unknown_version || st->sent;
    if (used) {
        snprintf(buf, sizeof(buf),
                 "add sa-stats received %llu accepted %llu duplicates %llu rpf-failures %llu "
                 "malformed %llu retransmits %llu invalid %llu unknown-version %llu own %llu "
                 "table-full %llu sent %llu acked %llu gave-up %llu requests %llu entries %zu "
                 "lifetime %u\n",
                 (unsigned long long)st->received, (unsigned long long)st->accepted,
                 (unsigned long long)st->duplicates, (unsigned long long)st->rpf_failures,
                 (unsigned long long)st->malformed, (unsigned long long)st->retransmits,
                 (unsigned long long)st->invalid, (unsigned long long)st->unknown_version,
                 (unsigned long long)st->own, (unsigned long long)st->table_full,
                 (unsigned long long)st->sent, (unsigned long long)st->acked,
                 (unsigned long long)st->gave_up, (unsigned long long)st->requests, sa.nentries,
                 sa.lifetime);
        emit(buf, out);
    }
    for (unsigned b = 0; b < BUCKETS; b++)
        for (struct sa_entry *e = sa.buckets[b]; e; e = e->hnext)
            if (active(e)) {
                format_entry(buf, sizeof(buf), "add", e);
                emit(buf, out);
            }
}

/* ---- the Babel core's side -------------------------------------------- */

static int core_send(void *peer, const uint8_t *body, size_t len, uint16_t nonce, void *ctx)
{
    return ext_send_tlv_acked(peer, SA_TLV_TYPE, body, len, nonce, ACK_INTERVAL_CS);
}

static bool core_rpf(const uint8_t s[16], void *ctx)
{
    struct route_metrics m;
    return metrics_route_for_addr(s, &m) == 0 && m.metric < BABEL_INFINITY;
}

static void core_notify(const char *line, void *ctx)
{
    if (local_have_monitors())
        local_notify_line(line);
}

static void on_tlv(struct neighbour *from, const uint8_t *body, size_t len, void *ctx)
{
    sa_core_receive(from, body, len);
}

static void on_ack(struct neighbour *from, uint16_t nonce, void *ctx) { sa_core_ack(from, nonce); }

/* The core announces a neighbour (EXT_ADD) at its first packet, and every
 * change of its link's cost (EXT_CHANGE).  A usable cost makes it a peer;
 * an infinite one (the link went silent, the neighbour not flushed yet)
 * makes it none: when the link comes back it is a new peer again, and the
 * two exchange their tables, so what either missed meanwhile (new SAs,
 * withdrawals: answered with the newer tombstone) is made good at once
 * instead of at the next refresh. */
static void on_neighbour(struct neighbour *n, enum ext_change what, void *ctx)
{
    if (what == EXT_CHANGE) {
        struct link_metrics m;
        metrics_link_of(n, &m);
        sa_core_peer(n, m.cost < BABEL_INFINITY);
    } else if (what == EXT_FLUSH) {
        sa_core_peer(n, false);
    }
}

static void on_dump(void (*emit)(const char *, void *), void *out, void *ctx) { sa_dump(emit, out); }

static uint64_t on_tick(void *ctx) { return sa_core_tick(); }

static void on_route(const struct route_metrics *m, void *ctx)
{
    sa_core_route_changed(m->prefix.addr, m->prefix.plen, m->local || m->metric < BABEL_INFINITY);
}

static void on_start(void *ctx)
{
    static const struct sa_ops ops = {core_send, core_rpf, core_notify, NULL};
    sa_core_start(node.id, &ops);
}

static void on_stop(void *ctx) { sa_core_stop(); }

/* "S G" -> addresses, or a reason. */
static int parse_pair(char **words, int nwords, uint8_t s[16], uint8_t g[16], char *err,
                      size_t errlen)
{
    if (nwords != 3) {
        snprintf(err, errlen, "%s: expected '%s SOURCE GROUP'", words[0], words[0]);
        return -1;
    }
    if (addr_parse(words[1], s) < 0) {
        snprintf(err, errlen, "%s: '%s' is not an IPv4 or IPv6 address", words[0], words[1]);
        return -1;
    }
    if (addr_parse(words[2], g) < 0) {
        snprintf(err, errlen, "%s: '%s' is not an IPv4 or IPv6 address", words[0], words[2]);
        return -1;
    }
    if (addr_is_v4(s) != addr_is_v4(g)) {
        snprintf(err, errlen, "%s: source and group must be both IPv4 or both IPv6", words[0]);
        return -1;
    }
    if (!addr_is_mcast(g)) {
        snprintf(err, errlen, "%s: group '%s' is not a multicast address", words[0], words[2]);
        return -1;
    }
    if (!valid_pair(s, g)) {
        snprintf(err, errlen, "%s: source '%s' is not a routable unicast address", words[0],
                 words[1]);
        return -1;
    }
    return 0;
}

static int dir_announce(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    uint8_t s[16], g[16];
    if (parse_pair(words, nwords, s, g, err, errlen) < 0)
        return -1;
    if (sa_announce_static(s, g) < 0) {
        snprintf(err, errlen, "%s: out of memory", words[0]);
        return -1;
    }
    return 0;
}

static int dir_lifetime(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    unsigned long v;
    if (nwords != 2 || parse_uint(words[1], SA_MAX_LIFETIME, &v) < 0 || v < SA_MIN_LIFETIME) {
        snprintf(err, errlen, "sa-lifetime: expected a number of seconds from %d to %d",
                 SA_MIN_LIFETIME, SA_MAX_LIFETIME);
        return -1;
    }
    return sa_set_lifetime((unsigned)v);
}

static int flush_announce(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    uint8_t s[16], g[16];
    if (parse_pair(words, nwords, s, g, err, errlen) < 0)
        return -1;
    if (sa_flush_static(s, g) < 0) {
        snprintf(err, errlen, "sa-announce %s %s was not announced", words[1], words[2]);
        return -1;
    }
    return 0;
}

void sa_register(void)
{
    sa.lifetime = SA_DEFAULT_LIFETIME;
    sa.next_expiry = EVENT_NEVER;
    sa.next_send = EVENT_NEVER;
    config_register_directive("sa-announce", dir_announce, NULL);
    config_register_directive("sa-lifetime", dir_lifetime, NULL);
    ext_register_flush("sa-announce", flush_announce, NULL);
    ext_register_tlv(SA_TLV_TYPE, on_tlv, NULL);
    ext_on_ack(on_ack, NULL);
    ext_on_neighbour(on_neighbour, NULL);
    ext_register_dump(on_dump, NULL);
    ext_on_lifecycle(on_start, on_stop, NULL);
    event_add_tick(on_tick, NULL);
    metrics_on_route(on_route, NULL);
}
