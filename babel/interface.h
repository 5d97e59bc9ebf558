/* Interfaces Babel runs on: their configuration, link state, addresses and
 * the Hello and periodic-update schedules. */
#ifndef BABEL_INTERFACE_H
#define BABEL_INTERFACE_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "babel/config.h"
#include "babel/sendbuf.h"

struct interface {
    struct interface *next;
    char name[IF_NAMESIZE];
    unsigned ifindex; /* 0 while the link does not exist */
    bool up;          /* link exists, is up (and running with link-detect) */
    bool joined;      /* member of the protocol group */
    unsigned mtu;
    bool is_wireless;
    struct interface_params p;
    uint8_t ll[16]; /* a link-local address; zero if none */
    bool have_ll;
    uint8_t ipv4[16]; /* v4-mapped; zero if none */
    bool have_ipv4;
    uint16_t hello_seqno;
    uint64_t hello_due;
    uint64_t update_due;
    struct sendbuf buf; /* multicast */
    /* Updates waiting for the next flush: a whole table dump, or a list. */
    bool full_update_pending;
    struct pending_update *pending;
    unsigned npending, pending_cap;
};

struct pending_update {
    struct prefix prefix;
    struct prefix src_prefix;
};

extern struct interface *interfaces;

/* Adds an interface by name (from the command line or an interface line);
 * it starts when its link shows up.  Returns the interface (new or
 * existing), or NULL on allocation failure. */
struct interface *interface_add(const char *name);
/* Stops and removes it (flush interface). */
void interface_remove(struct interface *ifp);
struct interface *interface_find(const char *name);
struct interface *interface_by_index(unsigned ifindex);
/* Re-reads the parameters from the configuration. */
void interface_reconfigure(struct interface *ifp);
/* Link and address changes from the kernel. */
void interface_link_changed(unsigned ifindex, const char *name, unsigned flags, unsigned mtu,
                            bool wireless, bool deleted);
void interface_addr_changed(unsigned ifindex, const struct prefix *addr, bool deleted);
/* True when addr (16 bytes) is one of this interface's addresses. */
bool interface_has_addr(const struct interface *ifp, const uint8_t addr[16]);
/* Hellos and periodic updates due; returns the next deadline. */
uint64_t interface_tick(void);
/* Asks for a full update on one interface (or all when ifp is NULL). */
void interface_schedule_full_update(struct interface *ifp);
/* Sends a Hello now (new neighbour, start-up). */
void interface_send_hello(struct interface *ifp);

#endif
