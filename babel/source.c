#include "babel/source.h"

#include <string.h>

#include "babel/id_intern.h"
#include "babel/packet.h"
#include "babel/pool.h"

/* A source that no route uses is kept this long, so a route that comes
 * back soon is still held to its old feasibility distance. */
#define SOURCE_GC_MS (200 * 1000)

static struct pool source_pool = POOL_INIT(sizeof(struct source));
static unsigned nsources;

struct source *source_find(struct source **list, const uint8_t id[8], bool create,
                           uint16_t seqno)
{
    for (struct source *s = *list; s; s = s->next)
        if (memcmp(source_id(s), id, 8) == 0)
            return s;
    if (!create)
        return NULL;
    uint32_t h = id_intern(id);
    struct source *s = h == ID_INTERN_FAILED ? NULL : pool_alloc(&source_pool);
    if (!s) {
        id_unintern(h);
        return NULL;
    }
    s->id = h;
    /* An infinite metric at the first seqno seen: every finite update with
     * that seqno is feasible until we advertise something. */
    s->seqno = seqno;
    s->metric = BABEL_INFINITY;
    s->time = ms32_now();
    s->next = *list;
    *list = s;
    nsources++;
    return s;
}

const uint8_t *source_id(const struct source *s) { return id_interned(s->id); }

void source_ref(struct source *s) { s->refcount++; }

void source_unref(struct source *s)
{
    if (s->refcount > 0 && --s->refcount == 0)
        s->time = ms32_now();
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
}

void source_gc(struct source **list)
{
    struct source **pp = list;
    while (*pp) {
        struct source *s = *pp;
        if (s->refcount == 0 && ms32_reached(s->time + SOURCE_GC_MS)) {
            *pp = s->next;
            id_unintern(s->id);
            pool_free(&source_pool, s);
            nsources--;
        } else {
            pp = &s->next;
        }
    }
}

unsigned source_count(void) { return nsources; }
