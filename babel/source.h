/* Sources and feasibility distances (RFC 8966 section 3.5.1 and 3.7.3). */
#ifndef BABEL_SOURCE_H
#define BABEL_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "babel/util.h"

struct source {
    struct source *hnext;
    uint8_t id[8];
    struct prefix prefix;
    struct prefix src_prefix;
    uint16_t seqno;  /* feasibility distance: (seqno, metric) */
    uint16_t metric;
    uint64_t time; /* last time the distance was refreshed */
    unsigned refcount;
};

/* Finds the source, creating it with a distance that makes any update
 * feasible when create is set. */
struct source *source_find(const uint8_t id[8], const struct prefix *p, const struct prefix *src,
                           bool create, uint16_t seqno);
void source_ref(struct source *s);
void source_unref(struct source *s);
/* RFC 8966 3.5.1: (seqno, metric) is feasible against s. */
bool source_feasible(const struct source *s, uint16_t seqno, uint16_t metric);
/* We advertised (seqno, metric) for this source: lower the distance. */
void source_advertised(struct source *s, uint16_t seqno, uint16_t metric);
/* Drops unreferenced sources older than the garbage-collection time. */
void source_gc(void);
unsigned source_count(void);

#endif
