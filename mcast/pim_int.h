/* What the PIM files share among themselves (not for other subsystems):
 * interfaces and neighbours (pim.c), join/prune and assert state
 * (pim_jp.c), counters. */
#ifndef MCAST_PIM_INT_H
#define MCAST_PIM_INT_H

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "mcast/pim_codec.h"

/* RFC 7761 4.11 defaults. */
#define PIM_DEFAULT_PROPAGATION_DELAY 500 /* ms */
#define PIM_DEFAULT_OVERRIDE_INTERVAL 2500 /* ms */
#define PIM_ASSERT_TIME 180000 /* ms */
#define PIM_ASSERT_OVERRIDE 3000 /* ms */
/* Metric preference of Babel routes in Asserts (an administrative
 * distance; lower wins).  Directly connected sources assert with 0. */
#define PIM_BABEL_PREFERENCE 120

/* Bounds on state other routers can make us hold (every neighbour that
 * sent a Hello may send joins): a join beyond them is refused and counted
 * (downstream-refused), like IGMP's per-interface caps.  Upstream state
 * is one entry per MRIB entry at most, so the MRIB's own bound
 * (MRIB_MAX_ENTRIES) holds it.  The lists are linear: the bounds also
 * bound the cost of one message. */
#define PIM_MAX_DOWN_PER_IF 2048
#define PIM_MAX_DOWN 8192
/* RFC 7761 4.9.5 lets a Join/Prune holdtime of 0xffff mean "never time
 * out".  We clamp it to 0xfffe s (about 18 hours): a router that sends it
 * and then goes away (or a forger) cannot pin state forever, while a
 * sender that relies on it loses the entry only after 18 idle hours. */
#define PIM_JP_MAX_HOLD_S 0xfffe

struct pim_nbr {
    struct pim_nbr *next;
    struct in_addr addr;
    uint16_t holdtime;
    bool has_dr_priority;
    uint32_t dr_priority;
    uint32_t genid;
    bool has_lan_prune_delay, t_bit;
    uint16_t propagation_delay, override_interval;
    uint64_t expires; /* EVENT_NEVER for holdtime 0xffff */
    uint64_t since;
};

struct pim_if {
    struct pim_if *next;
    char name[IF_NAMESIZE];
    unsigned ifindex;    /* 0 while the link is missing */
    struct in_addr addr; /* our primary address; 0 while missing */
    unsigned dr_priority;
    uint32_t genid;
    bool joined;         /* 224.0.0.13 joined on ifindex */
    uint64_t next_hello;
    struct pim_nbr *nbrs;
    unsigned nnbrs;
    struct in_addr dr;
};

struct pim_stats {
    uint64_t received, sent, send_errors;
    uint64_t hello_in, jp_in, assert_in, other_in;
    uint64_t truncated, bad_checksum, bad_version, malformed, too_many;
    uint64_t no_pim_if;    /* arrived on an interface without PIM */
    uint64_t not_neighbour; /* J/P or Assert from a router that sent no Hello */
    uint64_t own;          /* our own messages looped back */
    uint64_t jp_not_ours;  /* J/P for another upstream router (used for
                              suppression and override only) */
    uint64_t rp_mismatch;  /* (*,G) join naming another RP */
    uint64_t ssm_star;     /* (*,G) join for an SSM group */
    uint64_t rpt_ignored;  /* (S,G,rpt) entries (no shared-tree pruning) */
    uint64_t bad_entry;    /* impossible group or source in a J/P */
    uint64_t joins_in, prunes_in, joins_out, prunes_out;
    uint64_t jp_msgs_out; /* Join/Prune messages (a periodic one carries many entries) */
    uint64_t suppressed;  /* our periodic join delayed by another router's (4.5.7) */
    uint64_t overrides;   /* another router's prune answered with our join */
    uint64_t asserts_out, assert_lost, assert_won;
    uint64_t down_refused; /* a new downstream join beyond PIM_MAX_DOWN(_PER_IF) */
};

extern struct pim_stats pim_stats;
extern unsigned pim_hello_interval_s;
extern unsigned pim_jp_interval_s;

/* pim.c */
struct pim_if *pim_if_by_index(unsigned ifindex);
struct pim_if *pim_if_first(void);
struct pim_nbr *pim_nbr_find(struct pim_if *pif, struct in_addr a);
/* Sends a whole message out of pif to 224.0.0.13; 0 or -1. */
int pim_send(struct pim_if *pif, const uint8_t *msg, size_t len);
/* The J/P override interval of a link (4.3.3): the largest propagation
 * delay plus the largest override interval among its neighbours, in ms. */
unsigned pim_if_jp_override_ms(const struct pim_if *pif);
unsigned pim_if_override_ms(const struct pim_if *pif);
bool pim_if_suppression_enabled(const struct pim_if *pif);
bool pim_is_ssm(struct in_addr g);
bool pim_running(void);
/* Monitor lines and our own formatting helper. */
void pim_notify(const char *line);
const char *pim_ip(struct in_addr a, char buf[INET_ADDRSTRLEN]);

/* pim_jp.c */
void pim_jp_start(void);
void pim_jp_stop(void);
uint64_t pim_jp_tick(void);
void pim_jp_receive(struct pim_if *pif, struct in_addr from, const struct pim_jp *jp);
void pim_assert_receive(struct pim_if *pif, struct in_addr from, const struct pim_assert *a);
/* Data of (s, g) arrived on ifindex, one of its outgoing interfaces (the
 * kernel's WRONGVIF upcall, through mrib_on_wrong_iif): another router
 * forwards onto the same link, so an Assert decides which one goes on. */
void pim_assert_data_on_oif(struct in_addr s, struct in_addr g, unsigned ifindex);
/* A neighbour came, restarted (new generation id) or went. */
void pim_jp_nbr_up(struct pim_if *pif, struct pim_nbr *n);
void pim_jp_nbr_down(struct pim_if *pif, struct in_addr addr);
/* PIM stops on an interface: its downstream state goes. */
void pim_jp_if_down(struct pim_if *pif);
/* The RP set or a DR changed: upstream joins are looked at again. */
void pim_jp_resync(void);
void pim_jp_dump(void (*emit)(const char *line, void *out), void *out);

#endif
