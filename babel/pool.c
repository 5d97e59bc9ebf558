#include "babel/pool.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define POOL_PLAIN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_PLAIN 1
#endif
#endif

#ifdef POOL_PLAIN

void *pool_alloc(struct pool *p)
{
    void *o = calloc(1, p->size);
    if (o)
        p->live++;
    return o;
}

void pool_free(struct pool *p, void *obj)
{
    if (!obj)
        return;
    p->live--;
    free(obj);
}

#else

/* Blocks are aligned on their size, so an object finds its block by
 * masking its address. */
#define BLOCK_SIZE ((size_t)64 * 1024)

struct pool_slot {
    struct pool_slot *next;
};

struct pool_block {
    struct pool_block *next, *prev; /* in the pool's partial list */
    struct pool_slot *free;         /* freed slots */
    size_t used;                    /* live objects */
    size_t fresh;                   /* offset of the first never-used slot */
    size_t cap;                     /* objects that fit */
};

#define FIRST_SLOT ((sizeof(struct pool_block) + 15) & ~(size_t)15)

static struct pool_block *block_new(struct pool *p)
{
    /* Map twice the size and trim, to get the alignment. */
    uint8_t *m = mmap(NULL, 2 * BLOCK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    uintptr_t a = ((uintptr_t)m + BLOCK_SIZE - 1) & ~(uintptr_t)(BLOCK_SIZE - 1);
    size_t head = a - (uintptr_t)m;
    if (head)
        munmap(m, head);
    munmap((uint8_t *)a + BLOCK_SIZE, BLOCK_SIZE - head);
    struct pool_block *b = (struct pool_block *)a;
    b->cap = (BLOCK_SIZE - FIRST_SLOT) / p->size;
    b->fresh = FIRST_SLOT;
    p->blocks++;
    return b;
}

static void partial_add(struct pool *p, struct pool_block *b)
{
    b->prev = NULL;
    b->next = p->partial;
    if (b->next)
        b->next->prev = b;
    p->partial = b;
}

static void partial_remove(struct pool *p, struct pool_block *b)
{
    if (b->prev)
        b->prev->next = b->next;
    else
        p->partial = b->next;
    if (b->next)
        b->next->prev = b->prev;
    b->next = b->prev = NULL;
}

void *pool_alloc(struct pool *p)
{
    struct pool_block *b = p->partial;
    if (!b) {
        if (!(b = block_new(p)))
            return NULL;
        partial_add(p, b);
    }
    void *o;
    if (b->free) {
        o = b->free;
        b->free = b->free->next;
        memset(o, 0, p->size);
    } else {
        /* Never used: still zero from the kernel. */
        o = (uint8_t *)b + b->fresh;
        b->fresh += p->size;
    }
    if (++b->used == b->cap)
        partial_remove(p, b);
    p->live++;
    return o;
}

void pool_free(struct pool *p, void *obj)
{
    if (!obj)
        return;
    struct pool_block *b = (struct pool_block *)((uintptr_t)obj & ~(uintptr_t)(BLOCK_SIZE - 1));
    bool was_full = b->used == b->cap;
    p->live--;
    if (--b->used == 0 && p->blocks > 1) {
        /* Empty: back to the kernel (it was on the partial list unless it
         * held a single object).  The last block stays, so that one route
         * coming and going does not map and unmap each time. */
        if (!was_full)
            partial_remove(p, b);
        munmap(b, BLOCK_SIZE);
        p->blocks--;
        return;
    }
    struct pool_slot *s = obj;
    s->next = b->free;
    b->free = s;
    if (was_full)
        partial_add(p, b);
}

#endif
