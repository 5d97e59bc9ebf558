/* The normalizer's local-interface records:
 *   add mcast-rule NAME in IF group G port P source S resource VIP outputs N
 *       packets N bytes N drops N state STATE
 *   add mcast-output NAME/K rule NAME if IF mode multicast|unicast dest A
 *       port P ttl N state STATE packets N bytes N drops N
 *   add mcast-input IF frames N ok N fragment N ... (drops by reason)
 * in dump, and add/change/flush mcast-rule (with its outputs) to monitors. */
#ifndef MCAST_REPORT_H
#define MCAST_REPORT_H

#include "mcast/rule.h"

void report_init(void);
/* Tells monitors about a rule (kind: "add", "change" or "flush"). */
void report_rule(const struct rule *r, const char *kind);

#endif
