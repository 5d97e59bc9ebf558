/* The multicast subsystem's one entry point: main calls mcast_init() before
 * the configuration is read, so its directives, TLV handlers, records and
 * lifecycle hooks are registered with the core's extension surface. */
#ifndef MCAST_MCAST_H
#define MCAST_MCAST_H

void mcast_init(void);

#endif
