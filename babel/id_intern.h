/* Interned router-ids: one copy of each 8-byte router-id, shared by every
 * source (feasibility distance) that names it, under a 32-bit handle.  A
 * network has a few routers but a source per destination and originator,
 * so a source stores 4 bytes instead of 8. */
#ifndef BABEL_ID_INTERN_H
#define BABEL_ID_INTERN_H

#include <stdint.h>

#define ID_INTERN_FAILED UINT32_MAX

/* Takes a reference to id (creating it); ID_INTERN_FAILED when out of
 * memory. */
uint32_t id_intern(const uint8_t id[8]);
/* Drops a reference taken by id_intern. */
void id_unintern(uint32_t h);
/* The router-id.  Ids never move: the pointer stays valid as long as a
 * reference to h is held. */
const uint8_t *id_interned(uint32_t h);
/* Distinct router-ids held. */
unsigned id_intern_count(void);

#endif
