/* Fixed-size object pools for the tables that grow with the network
 * (routes, route entries, sources).  malloc spends 8 bytes of header and
 * rounds every chunk up to 16; a pool packs objects of one size back to
 * back in 64 KiB blocks mapped from the kernel, touches pages only as
 * objects are first handed out, and returns a block to the kernel as soon
 * as its last object is freed.  Objects come back zeroed, like calloc.
 * Built with AddressSanitizer, pools are plain calloc/free so that the
 * sanitizer still sees every object. */
#ifndef BABEL_POOL_H
#define BABEL_POOL_H

#include <stddef.h>

struct pool_block;

struct pool {
    size_t size;                /* object size, a multiple of 8 */
    struct pool_block *partial; /* blocks with a free slot */
    size_t live;                /* objects handed out */
    size_t blocks;              /* blocks mapped */
};

/* A pool for objects of `size` bytes, e.g. POOL_INIT(sizeof(struct route)). */
#define POOL_INIT(sz) {.size = ((sz) + 7) & ~(size_t)7}

void *pool_alloc(struct pool *p);
void pool_free(struct pool *p, void *obj);

#endif
