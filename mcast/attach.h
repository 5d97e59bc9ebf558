/* Downstream state attached to the user's normalizer rules: when IGMP
 * members or PIM joins ask for a group that a user's mcast-rule republishes
 * (its output group, from the rule's VIP or from anywhere), the daemon keeps
 * a companion rule `mrib-NAME` with the same input, match and VIP whose
 * outputs are those MRIB oifs the user's rule does not already serve, so
 * the normalized stream reaches them too.  It goes when they go. */
#ifndef MCAST_ATTACH_H
#define MCAST_ATTACH_H

/* From mcast_init, after mrib_register and norm_init. */
void attach_register(void);

#endif
