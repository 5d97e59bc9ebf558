#include "babel/inst_intern.h"

#include <stdlib.h>
#include <string.h>

#include "babel/addr_intern.h"

/* Handle h is slots[h - 1]; a slot is in use when refs > 0.  next chains
 * a hash bucket, or the free list for unused slots (handle; 0 ends). */
struct slot {
    struct installed_route in;
    uint32_t refs;
    uint32_t next;
};

#define BUCKETS 64

static struct slot *slots;
static uint32_t nslots, cap, free_head, count;
static uint32_t buckets[BUCKETS];

static bool same(const struct installed_route *a, const struct installed_route *b)
{
    return a->gateway == b->gateway && a->ifindex == b->ifindex && a->metric == b->metric &&
           a->table == b->table && a->type == b->type &&
           a->gateway_v6_for_v4 == b->gateway_v6_for_v4;
}

static unsigned bucket(const struct installed_route *in)
{
    uint32_t k[6] = {in->gateway, in->ifindex, in->metric, in->table, in->type,
                     in->gateway_v6_for_v4};
    uint32_t h = 2166136261u;
    for (int i = 0; i < 6; i++)
        h = (h ^ k[i]) * 16777619u;
    return h % BUCKETS;
}

uint32_t inst_intern(const struct installed_route *in)
{
    unsigned b = bucket(in);
    for (uint32_t h = buckets[b]; h; h = slots[h - 1].next) {
        if (same(&slots[h - 1].in, in)) {
            slots[h - 1].refs++;
            addr_unintern(in->gateway);
            return h;
        }
    }
    uint32_t h;
    if (free_head) {
        h = free_head;
        free_head = slots[h - 1].next;
    } else {
        if (nslots == cap) {
            uint32_t ncap = cap ? cap * 2 : 8;
            if (ncap >= UINT32_MAX / 2)
                return INST_INTERN_FAILED;
            struct slot *n = realloc(slots, (size_t)ncap * sizeof(*n));
            if (!n)
                return INST_INTERN_FAILED;
            slots = n;
            cap = ncap;
        }
        h = ++nslots;
    }
    struct slot *s = &slots[h - 1];
    s->in = *in;
    s->refs = 1;
    s->next = buckets[b];
    buckets[b] = h;
    count++;
    return h;
}

void inst_unintern(uint32_t h)
{
    if (h == INST_NONE || h > nslots || slots[h - 1].refs == 0)
        return;
    struct slot *s = &slots[h - 1];
    if (--s->refs)
        return;
    for (uint32_t *pp = &buckets[bucket(&s->in)]; *pp; pp = &slots[*pp - 1].next) {
        if (*pp == h) {
            *pp = s->next;
            break;
        }
    }
    addr_unintern(s->in.gateway);
    memset(&s->in, 0, sizeof(s->in));
    s->next = free_head;
    free_head = h;
    count--;
}

const struct installed_route *inst_interned(uint32_t h)
{
    if (h == INST_NONE || h > nslots || slots[h - 1].refs == 0)
        return NULL;
    return &slots[h - 1].in;
}

unsigned inst_intern_count(void) { return count; }
