#include "mcast/reasm.h"

#include <stdlib.h>
#include <string.h>

#define MAX_L4 (65535 - 20)
#define UNITS ((MAX_L4 + 7) / 8)

struct reasm_entry {
    struct reasm_entry *next;
    uint32_t src, dst;
    uint16_t id;
    uint8_t proto, ttl;
    bool csum_partial;
    uint64_t first_ms;
    size_t total; /* known once the last fragment arrived, else 0 */
    size_t have;  /* highest byte covered + 1 */
    size_t cap;
    uint8_t *buf;
    uint8_t bits[(UNITS + 7) / 8]; /* 8-byte units received */
};

void reasm_init(struct reasm *r) { memset(r, 0, sizeof(*r)); }

static void entry_free(struct reasm *r, struct reasm_entry *e)
{
    r->bytes -= e->cap;
    r->npending--;
    free(e->buf);
    free(e);
}

void reasm_free(struct reasm *r)
{
    while (r->pending) {
        struct reasm_entry *e = r->pending;
        r->pending = e->next;
        entry_free(r, e);
    }
}

void reasm_expire(struct reasm *r, uint64_t now_ms)
{
    for (struct reasm_entry **pp = &r->pending; *pp;) {
        struct reasm_entry *e = *pp;
        if (now_ms - e->first_ms >= REASM_TIMEOUT_MS) {
            *pp = e->next;
            entry_free(r, e);
            r->st.expired++;
        } else {
            pp = &e->next;
        }
    }
}

/* Drops the oldest pending datagram (the list's tail) to make room. */
static void evict_oldest(struct reasm *r)
{
    struct reasm_entry **pp = &r->pending;
    if (!*pp)
        return;
    while ((*pp)->next)
        pp = &(*pp)->next;
    entry_free(r, *pp);
    *pp = NULL;
    r->st.evicted++;
}

static bool grow(struct reasm *r, struct reasm_entry *e, size_t need)
{
    if (need <= e->cap)
        return true;
    size_t cap = e->cap ? e->cap : 4096;
    while (cap < need)
        cap *= 2;
    if (cap > MAX_L4)
        cap = MAX_L4;
    while (r->bytes + (cap - e->cap) > REASM_MAX_BYTES && r->pending && r->pending->next != NULL) {
        /* Never evict e itself: it is the newest (at the head). */
        struct reasm_entry *last = r->pending;
        while (last->next)
            last = last->next;
        if (last == e)
            break;
        evict_oldest(r);
    }
    if (r->bytes + (cap - e->cap) > REASM_MAX_BYTES)
        return false;
    uint8_t *nb = realloc(e->buf, cap);
    if (!nb)
        return false;
    r->bytes += cap - e->cap;
    e->buf = nb;
    e->cap = cap;
    return true;
}

static bool unit_get(const struct reasm_entry *e, size_t u) { return e->bits[u / 8] & (1u << (u % 8)); }

static bool complete(const struct reasm_entry *e)
{
    if (!e->total)
        return false;
    for (size_t u = 0; u < (e->total + 7) / 8; u++)
        if (!unit_get(e, u))
            return false;
    return true;
}

int reasm_add(struct reasm *r, const struct frame_view *v, bool csum_partial, uint64_t now_ms,
              struct reasm_datagram *out, enum frame_result *why)
{
    r->st.fragments++;
    size_t end = v->frag_off + v->l4_len;
    if (end > MAX_L4) {
        r->st.oversized++;
        *why = FRAME_OVERSIZED;
        return -1;
    }
    struct reasm_entry **pp = &r->pending, *e = NULL;
    for (; *pp; pp = &(*pp)->next) {
        struct reasm_entry *x = *pp;
        if (x->src == v->src && x->dst == v->dst && x->id == v->id && x->proto == v->proto) {
            e = x;
            *pp = x->next; /* moved to the head below */
            break;
        }
    }
    if (!e) {
        if (r->npending == REASM_MAX_PENDING)
            evict_oldest(r);
        e = calloc(1, sizeof(*e));
        if (!e) {
            *why = FRAME_OVERSIZED;
            return -1;
        }
        e->src = v->src;
        e->dst = v->dst;
        e->id = v->id;
        e->proto = v->proto;
        e->first_ms = now_ms;
        r->npending++;
    }
    e->next = r->pending;
    r->pending = e;
    if (csum_partial)
        e->csum_partial = true;
    if (v->frag_off == 0)
        e->ttl = v->ttl;
    if (!v->more_frags) {
        if ((e->total && e->total != end) || end < e->have) {
            /* Two different ends: the datagram cannot be trusted. */
            r->pending = e->next;
            entry_free(r, e);
            r->st.overlaps++;
            *why = FRAME_BAD_IP_HEADER;
            return -1;
        }
        e->total = end;
    } else if (e->total && end > e->total) {
        r->pending = e->next;
        entry_free(r, e);
        r->st.overlaps++;
        *why = FRAME_BAD_IP_HEADER;
        return -1;
    }
    if (!grow(r, e, end)) {
        r->pending = e->next;
        entry_free(r, e);
        r->st.oversized++;
        *why = FRAME_OVERSIZED;
        return -1;
    }
    memcpy(e->buf + v->frag_off, v->l4, v->l4_len);
    size_t u0 = v->frag_off / 8, u1 = (end + 7) / 8;
    for (size_t u = u0; u < u1; u++) {
        if (unit_get(e, u))
            r->st.overlaps++;
        e->bits[u / 8] |= (uint8_t)(1u << (u % 8));
    }
    if (end > e->have)
        e->have = end;
    if (!complete(e))
        return 0;
    r->pending = e->next;
    out->src = e->src;
    out->dst = e->dst;
    out->ttl = e->ttl;
    out->l4 = e->buf;
    out->l4_len = e->total;
    out->csum_partial = e->csum_partial;
    r->bytes -= e->cap;
    r->npending--;
    free(e);
    r->st.datagrams++;
    return 1;
}

void reasm_done(struct reasm_datagram *d)
{
    free(d->l4);
    d->l4 = NULL;
}
