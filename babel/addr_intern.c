#include "babel/addr_intern.h"

#include <stdlib.h>
#include <string.h>

/* A slot is in use when refs > 0 (slot 0, the zero address, always).
 * next chains a hash bucket, or the free list for unused slots. */
struct slot {
    uint8_t addr[16];
    uint32_t refs;
    uint32_t next; /* slot index + 1; 0 ends the chain */
};

#define BUCKETS 64

static struct slot *slots;
static uint32_t nslots, cap, free_head, count;
static uint32_t buckets[BUCKETS];

static unsigned bucket(const uint8_t a[16])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ a[i]) * 16777619u;
    return h % BUCKETS;
}

static int ensure_zero_slot(void)
{
    if (slots)
        return 0;
    cap = 8;
    if (!(slots = calloc(cap, sizeof(*slots))))
        return -1;
    nslots = 1; /* slot 0: the zero address, never in a bucket */
    return 0;
}

uint32_t addr_intern(const uint8_t a[16])
{
    static const uint8_t zero[16];
    if (ensure_zero_slot() < 0)
        return ADDR_INTERN_FAILED;
    if (memcmp(a, zero, 16) == 0)
        return ADDR_NONE;
    unsigned b = bucket(a);
    for (uint32_t i = buckets[b]; i; i = slots[i - 1].next) {
        if (memcmp(slots[i - 1].addr, a, 16) == 0) {
            slots[i - 1].refs++;
            return i - 1;
        }
    }
    uint32_t h;
    if (free_head) {
        h = free_head - 1;
        free_head = slots[h].next;
    } else {
        if (nslots == cap) {
            if (cap >= UINT32_MAX / 2)
                return ADDR_INTERN_FAILED;
            struct slot *n = realloc(slots, (size_t)cap * 2 * sizeof(*n));
            if (!n)
                return ADDR_INTERN_FAILED;
            slots = n;
            cap *= 2;
        }
        h = nslots++;
    }
    memcpy(slots[h].addr, a, 16);
    slots[h].refs = 1;
    slots[h].next = buckets[b];
    buckets[b] = h + 1;
    count++;
    return h;
}

void addr_unintern(uint32_t h)
{
    if (h == ADDR_NONE || h >= nslots || slots[h].refs == 0)
        return;
    if (--slots[h].refs)
        return;
    unsigned b = bucket(slots[h].addr);
    for (uint32_t *pp = &buckets[b]; *pp; pp = &slots[*pp - 1].next) {
        if (*pp == h + 1) {
            *pp = slots[h].next;
            break;
        }
    }
    memset(slots[h].addr, 0, 16);
    slots[h].next = free_head;
    free_head = h + 1;
    count--;
}

const uint8_t *addr_interned(uint32_t h)
{
    static const uint8_t zero[16];
    if (h == ADDR_NONE || h >= nslots)
        return zero;
    return slots[h].addr;
}

unsigned addr_intern_count(void) { return count; }
