/* Sources and feasibility distances (RFC 8966 section 3.5.1 and 3.7.3).
 * A source is (router-id, prefix, source prefix); the prefixes are those
 * of the route entry that holds the list, so a source stores only the
 * router-id and its distance. */
#ifndef BABEL_SOURCE_H
#define BABEL_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "babel/util.h"

struct source {
    struct source *next; /* the other sources of the same destination */
    uint32_t id;         /* the router-id, interned: see source_id */
    uint16_t seqno;      /* feasibility distance: (seqno, metric) */
    uint16_t metric;
    uint32_t time;           /* ms32: when the last reference went (or creation) */
    uint32_t refcount : 31;  /* routes and the entry's last advertisement */
    uint32_t last : 1;       /* what the entry advertised last (route.h) */
};

/* The source's router-id (8 bytes, valid while the source exists). */
const uint8_t *source_id(const struct source *s);

/* Finds the source of router `id` in a destination's list, creating it
 * with a distance that makes any update feasible when create is set. */
struct source *source_find(struct source **list, const uint8_t id[8], bool create,
                           uint16_t seqno);
void source_ref(struct source *s);
void source_unref(struct source *s);
/* RFC 8966 3.5.1: (seqno, metric) is feasible against s. */
bool source_feasible(const struct source *s, uint16_t seqno, uint16_t metric);
/* We advertised (seqno, metric) for this source: lower the distance. */
void source_advertised(struct source *s, uint16_t seqno, uint16_t metric);
/* Drops the list's sources that nothing has used for the garbage-collection
 * time (200 s). */
void source_gc(struct source **list);
unsigned source_count(void);

#endif
