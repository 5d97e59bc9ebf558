/* Interned addresses: one copy of each next-hop address, shared by every
 * route and installed route that uses it, named by a 32-bit handle.  A
 * router holds many routes but only a few distinct next hops (its
 * neighbours' addresses), so a route stores 4 bytes instead of 16. */
#ifndef BABEL_ADDR_INTERN_H
#define BABEL_ADDR_INTERN_H

#include <stdint.h>

/* The all-zero address: always interned, not counted, never freed. */
#define ADDR_NONE 0u
#define ADDR_INTERN_FAILED UINT32_MAX

/* Takes a reference to a (creating it); ADDR_INTERN_FAILED when out of
 * memory. */
uint32_t addr_intern(const uint8_t a[16]);
/* Drops a reference taken by addr_intern. */
void addr_unintern(uint32_t h);
/* The address (valid until the next addr_intern call, which may move the
 * table: copy it out rather than keep the pointer). */
const uint8_t *addr_interned(uint32_t h);
/* Distinct addresses held, the zero address excepted. */
unsigned addr_intern_count(void);

#endif
