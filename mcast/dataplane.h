/* The data-plane worker: reads the published forwarding table, polls its
 * inputs' rings, parses, reassembles, matches and relays in io_uring
 * batches.  It takes no lock the control plane holds; a publication wakes
 * it through an eventfd. */
#ifndef MCAST_DATAPLANE_H
#define MCAST_DATAPLANE_H

/* 0, or -1 with a message logged. */
int dataplane_start(void);
void dataplane_stop(void);
/* Tells the workers a new table was published. */
void dataplane_kick(void);

#endif
