#include "babel/source.h"

#include <stdlib.h>
#include <string.h>

#include "babel/packet.h"

/* A source that no route uses is kept this long, so a route that comes
 * back soon is still held to its old feasibility distance. */
#define SOURCE_GC_MS (200 * 1000)
#define SOURCE_BUCKETS 4096

static struct source *buckets[SOURCE_BUCKETS];
static unsigned nsources;

static unsigned hash_key(const uint8_t id[8], const struct prefix *p, const struct prefix *src)
{
    uint64_t seed;
    memcpy(&seed, id, 8);
    return prefix_pair_hash(p, src, seed) % SOURCE_BUCKETS;
}

struct source *source_find(const uint8_t id[8], const struct prefix *p, const struct prefix *src,
                           bool create, uint16_t seqno)
{
    unsigned h = hash_key(id, p, src);
    for (struct source *s = buckets[h]; s; s = s->hnext)
        if (memcmp(s->id, id, 8) == 0 && prefix_eq(&s->prefix, p) && prefix_eq(&s->src_prefix, src))
            return s;
    if (!create)
        return NULL;
    struct source *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    memcpy(s->id, id, 8);
    s->prefix = *p;
    s->src_prefix = *src;
    /* An infinite metric at the first seqno seen: every finite update with
     * that seqno is feasible until we advertise something. */
    s->seqno = seqno;
    s->metric = BABEL_INFINITY;
    s->time = now_ms;
    s->hnext = buckets[h];
    buckets[h] = s;
    nsources++;
    return s;
}

void source_ref(struct source *s) { s->refcount++; }

void source_unref(struct source *s)
{
    if (s->refcount > 0)
        s->refcount--;
}

bool source_feasible(const struct source *s, uint16_t seqno, uint16_t metric)
{
    if (!s || metric == BABEL_INFINITY)
        return true;
    int c = seqno_compare(seqno, s->seqno);
    return c > 0 || (c == 0 && metric < s->metric);
}

void source_advertised(struct source *s, uint16_t seqno, uint16_t metric)
{
    if (metric == BABEL_INFINITY)
        return;
    int c = seqno_compare(seqno, s->seqno);
    if (c > 0 || (c == 0 && metric < s->metric)) {
        s->seqno = seqno;
        s->metric = metric;
    }
    s->time = now_ms;
}

void source_gc(void)
{
    for (unsigned h = 0; h < SOURCE_BUCKETS; h++) {
        struct source **pp = &buckets[h];
        while (*pp) {
            struct source *s = *pp;
            if (s->refcount == 0 && s->time + SOURCE_GC_MS < now_ms) {
                *pp = s->hnext;
                free(s);
                nsources--;
            } else {
                pp = &s->hnext;
            }
        }
    }
}

unsigned source_count(void) { return nsources; }
