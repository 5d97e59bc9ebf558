/* Interned installed routes: what we put in the kernel for a route entry
 * (gateway, interface, metric, table, type), one copy of each distinct
 * combination, named by a 32-bit handle.  Thousands of entries learned
 * through a few neighbours share a handful of combinations, so an entry
 * stores 4 bytes instead of 20. */
#ifndef BABEL_INST_INTERN_H
#define BABEL_INST_INTERN_H

#include <stdbool.h>
#include <stdint.h>

struct installed_route {
    uint32_t gateway; /* addr_intern.h */
    uint32_t ifindex;
    uint32_t metric;
    uint32_t table;
    uint8_t type;
    bool gateway_v6_for_v4;
};

/* Not installed: never a valid handle. */
#define INST_NONE 0u
#define INST_INTERN_FAILED UINT32_MAX

/* Takes a reference to *in, and over the caller's reference to
 * in->gateway (dropped when the combination is already held, kept by it
 * otherwise).  INST_INTERN_FAILED when out of memory: the caller keeps
 * its gateway reference then. */
uint32_t inst_intern(const struct installed_route *in);
/* Drops a reference taken by inst_intern (and with the last one, the
 * combination's gateway reference).  INST_NONE is ignored. */
void inst_unintern(uint32_t h);
/* The combination (valid until the next inst_intern call, which may move
 * the table: copy it out rather than keep the pointer).  NULL for
 * INST_NONE or a handle not in use. */
const struct installed_route *inst_interned(uint32_t h);
/* Distinct combinations held. */
unsigned inst_intern_count(void);

#endif
