/* Route filters: in, out, redistribute and install (babeld.conf's filtering
 * rules).  First match wins; when nothing matches, babeld's defaults apply:
 * in/out/install allow; redistribute allows local addresses (metric 0) and
 * denies every other kernel route. */
#ifndef BABEL_FILTER_H
#define BABEL_FILTER_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "babel/util.h"

enum filter_kind { FILTER_IN, FILTER_OUT, FILTER_REDISTRIBUTE, FILTER_INSTALL, FILTER_KIND_COUNT };

enum filter_action { FILTER_ALLOW, FILTER_DENY, FILTER_METRIC };

struct filter {
    /* Selectors; a selector left out matches everything. */
    bool has_prefix;
    struct prefix prefix;
    int plen_eq, plen_le, plen_ge; /* user lengths (0..32 for IPv4); -1 unset */
    bool has_src_prefix;
    struct prefix src_prefix;
    int src_plen_eq, src_plen_le, src_plen_ge;
    bool has_neigh;
    uint8_t neigh[16];
    bool has_id;
    uint8_t id[8];
    int proto;  /* -1: unset */
    bool local; /* matches local addresses only */
    char ifname[IF_NAMESIZE]; /* "" unset */
    /* Action. */
    enum filter_action action;
    unsigned metric; /* FILTER_METRIC */
    bool has_set_src_prefix;
    struct prefix set_src_prefix; /* redistribute: src-prefix */
    int table;                    /* install: table, -1 unset */
    bool has_pref_src;
    uint8_t pref_src[16]; /* install: pref-src */
    struct filter *next;
};

/* What a route looks like to the filters.  Pointers may be NULL when the
 * filter kind has no such notion (e.g. no neighbour for redistribute). */
struct filter_query {
    const struct prefix *prefix;
    const struct prefix *src_prefix;
    const uint8_t *id;    /* originating router-id */
    const uint8_t *neigh; /* neighbour's link-local address */
    const char *ifname;
    int proto;  /* kernel protocol, -1 when not a kernel route */
    bool local; /* a local address (redistribute) */
};

struct filter_result {
    bool deny;
    /* in/out: added to the metric.  redistribute: the metric to announce. */
    unsigned metric;
    bool has_set_src_prefix;
    struct prefix set_src_prefix;
    int table; /* -1: the default export table */
    bool has_pref_src;
    uint8_t pref_src[16];
};

/* Runs the list for one route; always fills *res (defaults included).
 * Returns true when the route is allowed. */
bool filter_apply(enum filter_kind kind, const struct filter *list, const struct filter_query *q,
                  struct filter_result *res);

/* Frees a list. */
void filter_free_list(struct filter *list);

#endif
