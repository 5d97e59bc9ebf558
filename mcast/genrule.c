/* Rules the daemon makes (see genrule.h). */
#include "mcast/genrule.h"

#include <stdlib.h>
#include <string.h>

#include "babel/util.h"

#define MAX_OURS 2048

static struct {
    char name[RULE_NAME_MAX];
    enum genrule_maker maker;
    bool wanted;
} ours[MAX_OURS];
static unsigned nours;

static int find(const char *name)
{
    for (unsigned k = 0; k < nours; k++)
        if (strcmp(ours[k].name, name) == 0)
            return (int)k;
    return -1;
}

bool genrule_is_ours(const char *name) { return find(name) >= 0; }

void genrule_begin(enum genrule_maker m)
{
    for (unsigned k = 0; k < nours; k++)
        if (ours[k].maker == m)
            ours[k].wanted = false;
}

bool genrule_want(enum genrule_maker m, const struct rule_conf *c)
{
    int k = find(c->name);
    struct rule *r = rule_find(c->name);
    if (k < 0) {
        if (r || nours == MAX_OURS)
            return false; /* a user's rule has that name */
        k = (int)nours++;
        strlcpy_safe(ours[k].name, c->name, RULE_NAME_MAX);
        ours[k].maker = m;
    } else if (ours[k].maker != m) {
        return false;
    }
    ours[k].wanted = true;
    if (r && memcmp(&r->c, c, sizeof(*c)) == 0)
        return true;
    if (!rule_upsert(c, NULL)) {
        log_msg("cannot add rule %s", c->name);
        return false;
    }
    return true;
}

void genrule_end(enum genrule_maker m)
{
    for (unsigned k = 0; k < nours;) {
        if (ours[k].maker != m || ours[k].wanted) {
            k++;
            continue;
        }
        rule_remove(ours[k].name); /* -1 when a user flushed it: fine */
        ours[k] = ours[--nours];
    }
}
