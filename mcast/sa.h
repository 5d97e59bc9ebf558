/* Source-Active: which multicast sources are active where, flooded through
 * the Babel mesh in TLV 224 (the wire format is in mcast/sa_codec.h and
 * README.mcr).
 *
 * Each entry is (originator router-id, source S, group G) with the
 * originator's seqno and a lifetime.  A node floods what is new to every
 * neighbour but the one it came from, each copy in a unicast packet with an
 * Acknowledgment Request, retransmitted (200 ms, doubling up to 2 s, at most
 * 8 times) until that neighbour acknowledges it; it suppresses what it has
 * already seen (same or older seqno, answering an older one with what it
 * has), accepts an announcement only when Babel has a route to S (peer-RPF;
 * one that arrives before the route waits for it, unseen) and drops it when
 * its lifetime runs out.  The originator refreshes every
 * lifetime/3 with a new seqno and withdraws explicitly (flag, new seqno),
 * also when it stops.  A neighbour whose link comes up (first, or again
 * after an outage that made its cost infinite) is sent the whole table and
 * asked for its own.
 *
 * Directives: `sa-announce S G` (configuration, or a read-write local
 * socket at run time; `flush sa-announce S G` withdraws it) and
 * `sa-lifetime SECONDS` (default 30).  Records: `add|change|flush sa ...`
 * and `add sa-stats ...`. */
#ifndef MCAST_SA_H
#define MCAST_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "babel/extension.h"

#define SA_DEFAULT_LIFETIME 30 /* seconds */
#define SA_MIN_LIFETIME 3
#define SA_MAX_LIFETIME 65535
#define SA_RETRANSMIT_FIRST 200 /* ms */
#define SA_RETRANSMIT_MAX 2000  /* ms */
#define SA_MAX_TRIES 8
#define SA_TABLE_MAX 65536 /* entries; beyond, new ones are dropped and counted */

/* Registers the directives, the TLV handler, the records and the lifecycle
 * hooks with the Babel core (called once, from mcast_init). */
void sa_register(void);

/* Originates an SA for (s, g) (util.h addresses: IPv4 v4-mapped; s unicast,
 * g multicast of the same family) until sa_withdraw.  Before the daemon
 * runs it is remembered and flooded at start.  Independent of the
 * `sa-announce` directive: an SA both announce stays until both withdraw
 * it.  0, or -1 for bad addresses or a full table. */
int sa_originate(const uint8_t s[16], const uint8_t g[16]);
/* 0, or -1 when sa_originate did not announce (s, g). */
int sa_withdraw(const uint8_t s[16], const uint8_t g[16]);

/* A read-only view of the table, for the MRIB. */
struct sa_info {
    uint64_t id;
    uint8_t origin[8];
    uint8_t source[16];
    uint8_t group[16];
    uint16_t seqno;
    unsigned age; /* seconds since the current seqno arrived */
    bool local;   /* originated here */
};
/* Every active (not withdrawn) entry. */
void sa_foreach(void (*fn)(const struct sa_info *, void *), void *ctx);
/* Called after an entry appears (EXT_ADD), is refreshed (EXT_CHANGE) or
 * goes (EXT_FLUSH: withdrawn or expired).  0 or -1. */
typedef void (*sa_change_fn)(const struct sa_info *sa, enum ext_change what, void *ctx);
int sa_on_change(sa_change_fn fn, void *ctx);

struct sa_stats {
    uint64_t received;        /* entries received */
    uint64_t accepted;        /* new or newer, accepted */
    uint64_t duplicates;      /* same or older seqno */
    uint64_t rpf_failures;    /* no route to the source */
    uint64_t malformed;       /* TLVs dropped whole */
    uint64_t invalid;         /* entries with impossible contents */
    uint64_t unknown_version; /* TLVs of a version we do not know */
    uint64_t own;             /* our own entries coming back */
    uint64_t table_full;
    uint64_t sent;        /* entries sent (first copies and retransmissions) */
    uint64_t retransmits; /* entries sent again for want of an Ack */
    uint64_t acked;
    uint64_t gave_up;  /* entries a neighbour never acknowledged */
    uint64_t requests; /* table requests received */
};
const struct sa_stats *sa_get_stats(void);

/* ---- The table without the Babel core, for unit tests. ----
 * Neighbours are opaque handles; the transport sends one TLV body to one
 * of them with an Acknowledgment Request carrying nonce (0 or -1); rpf
 * says whether a source is routable; notify gets monitor lines. */
struct sa_ops {
    int (*send)(void *peer, const uint8_t *body, size_t len, uint16_t nonce, void *ctx);
    bool (*rpf)(const uint8_t s[16], void *ctx);
    void (*notify)(const char *line, void *ctx); /* may be NULL */
    void *ctx;
};
/* Forgets everything: entries, neighbours, origination, counters, the
 * lifetime setting. */
void sa_core_reset(void);
/* Starts flooding as router self_id (what was originated before is
 * announced now). */
void sa_core_start(const uint8_t self_id[8], const struct sa_ops *ops);
/* Withdraws what we originate (sent once, not retransmitted) and stops. */
void sa_core_stop(void);
/* A neighbour whose link is up (a new one gets our table and is asked for
 * its own) or down (gone, or its link's cost infinite: it is a new peer
 * when it comes back).  Only peers are sent anything; what a neighbour
 * that is not one sends is still believed. */
void sa_core_peer(void *peer, bool up);
void sa_core_receive(void *peer, const uint8_t *body, size_t len);
void sa_core_ack(void *peer, uint16_t nonce);
/* Babel's routes changed: announcements waiting for a route to their
 * source are looked at again at the next tick (all of them). */
void sa_core_routes_changed(void);
/* The selected route to prefix/plen changed (reachable: it has a finite
 * metric now): only the waiting announcements whose source it covers are
 * looked at again, and none when it was lost. */
void sa_core_route_changed(const uint8_t prefix[16], unsigned plen, bool reachable);
/* Does what is due at now_ms; returns when it next has work (EVENT_NEVER
 * when nothing). */
uint64_t sa_core_tick(void);
/* The directives' and flush's work, as the handlers do it. */
int sa_set_lifetime(unsigned seconds);
int sa_announce_static(const uint8_t s[16], const uint8_t g[16]);
int sa_flush_static(const uint8_t s[16], const uint8_t g[16]);
/* The records a dump gives, one line each (with "\n"). */
void sa_dump(void (*emit)(const char *line, void *out), void *out);
/* Stable record id of (origin, S, G). */
uint64_t sa_entry_id(const uint8_t origin[8], const uint8_t s[16], const uint8_t g[16]);

#endif
