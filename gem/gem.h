/* The GEM gateway: registration point of gem/ (called from main.c, as
 * mcast_init is).  ESP first: the GEM layer sends through it. */
#ifndef GEM_GEM_H
#define GEM_GEM_H

void gem_init(void);

#endif
