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
/* Totals of the egress batches (for the records): datagrams, sendmsg
 * operations (several datagrams each with UDP_SEGMENT) and io_uring_enter
 * calls. */
void dataplane_batch_stats(unsigned long long *datagrams, unsigned long long *sends,
                           unsigned long long *syscalls);

#endif
