#include "babel/id_intern.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Slots live in chunks that are never moved or freed once allocated, so
 * id_interned's pointers stay put while the table grows.  Handle h is slot
 * h % CHUNK of chunk h / CHUNK; a slot is in use when refs > 0.  next
 * chains a hash bucket, or the free list (handle + 1; 0 ends either). */
struct slot {
    uint8_t id[8];
    uint32_t refs;
    uint32_t next;
};

#define CHUNK 256
#define BUCKETS 256

static struct slot **chunks;
static uint32_t nchunks, nslots, free_head, count;
static uint32_t buckets[BUCKETS];

static struct slot *slot(uint32_t h) { return &chunks[h / CHUNK][h % CHUNK]; }

static unsigned bucket(const uint8_t id[8])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 8; i++)
        h = (h ^ id[i]) * 16777619u;
    return h % BUCKETS;
}

static bool grow(void)
{
    if (nchunks >= UINT32_MAX / CHUNK - 1)
        return false;
    struct slot **n = realloc(chunks, ((size_t)nchunks + 1) * sizeof(*n));
    if (!n)
        return false;
    chunks = n;
    if (!(chunks[nchunks] = calloc(CHUNK, sizeof(struct slot))))
        return false;
    nchunks++;
    return true;
}

uint32_t id_intern(const uint8_t id[8])
{
    unsigned b = bucket(id);
    for (uint32_t i = buckets[b]; i; i = slot(i - 1)->next) {
        if (memcmp(slot(i - 1)->id, id, 8) == 0) {
            slot(i - 1)->refs++;
            return i - 1;
        }
    }
    uint32_t h;
    if (free_head) {
        h = free_head - 1;
        free_head = slot(h)->next;
    } else {
        if (nslots == nchunks * CHUNK && !grow())
            return ID_INTERN_FAILED;
        h = nslots++;
    }
    struct slot *s = slot(h);
    memcpy(s->id, id, 8);
    s->refs = 1;
    s->next = buckets[b];
    buckets[b] = h + 1;
    count++;
    return h;
}

void id_unintern(uint32_t h)
{
    if (h >= nslots || slot(h)->refs == 0)
        return;
    struct slot *s = slot(h);
    if (--s->refs)
        return;
    for (uint32_t *pp = &buckets[bucket(s->id)]; *pp; pp = &slot(*pp - 1)->next) {
        if (*pp == h + 1) {
            *pp = s->next;
            break;
        }
    }
    memset(s->id, 0, 8);
    s->next = free_head;
    free_head = h + 1;
    count--;
}

const uint8_t *id_interned(uint32_t h)
{
    static const uint8_t none[8];
    return h < nslots ? slot(h)->id : none;
}

unsigned id_intern_count(void) { return count; }
