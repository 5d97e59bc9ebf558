/* Normalizer rules the daemon makes for itself (auto-her, downstream state
 * attached to the user's rules): each maker rebuilds its whole set in one
 * pass (begin, want..., end) and only ever touches rules it made, so a
 * user's rule of the same name is never replaced or removed. */
#ifndef MCAST_GENRULE_H
#define MCAST_GENRULE_H

#include <stdbool.h>

#include "mcast/rule.h"

enum genrule_maker { GENRULE_AUTOHER, GENRULE_ATTACH, GENRULE_MAKERS };

void genrule_begin(enum genrule_maker m);
/* Adds or updates (only when it differs) a rule of ours; false when the
 * name belongs to a user's rule or the table is full. */
bool genrule_want(enum genrule_maker m, const struct rule_conf *c);
/* Removes the maker's rules not wanted in this pass. */
void genrule_end(enum genrule_maker m);
/* Whether a rule is one the daemon made. */
bool genrule_is_ours(const char *name);

#endif
