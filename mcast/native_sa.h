/* Source-Active origination for native sources: a host on a
 * mcast-interface's subnet that starts sending to a group.
 *
 * The kernel reports the source's first packet (IGMPMSG_NOCACHE: every
 * mcast-interface is a vif, and there is no MFC entry for (S,G) yet);
 * mcast/mroute.c installs an entry for it (with no outgoing interface while
 * nobody wants the traffic), so later packets are counted by the kernel,
 * not reported.  If the source qualifies, SA(S, G) is originated at once.
 * The entry's packet count (SIOCGETSGCNT) is read every NATIVE_SA_POLL_MS;
 * when it has not moved for `sa-idle-time` seconds (the normalizer's
 * directive, default 10) the SA is withdrawn, so a stream with shorter gaps
 * never flaps.  A kernel entry that went meanwhile (the MRIB removed it)
 * comes back at the source's next packet, which is reported again.  When
 * an interface starts originating at run time (`mcast-interface IF`, or
 * `sa-originate true`), the kernel's entries of sources already flowing on
 * it are looked at: the next poll that sees their count move originates.
 *
 * A source qualifies when it arrived on a mcast-interface with
 * `sa-originate true` (the default), its address is inside one of that
 * interface's connected subnets (or is the far end of a point-to-point
 * link there) and is none of our own addresses (what we send ourselves,
 * e.g. a normalizer's VIP, comes back through the kernel's loopback), the
 * group is outside 224.0.0.0/24 (link-local, never routed) and outside
 * 232.0.0.0/8 (SSM: receivers name the source themselves, RFC 4607; PIM
 * ignores SAs there anyway).  Traffic that was routed in from elsewhere is
 * off-subnet and announced by its own first-hop router, not by us.
 *
 * The SAs go when the source idles, when its interface leaves the
 * configuration (`flush mcast-interface`), is set `sa-originate false` or
 * loses the subnet, and when the daemon stops.  Record: `add
 * sa-native-stats ...` (dump only), once a native source was seen. */
#ifndef MCAST_NATIVE_SA_H
#define MCAST_NATIVE_SA_H

#include <stdbool.h>
#include <stdint.h>

#define NATIVE_SA_POLL_MS 500
#define NATIVE_SA_MAX 4096 /* sources tracked at once; more are counted, not announced */

/* Registers with the MRIB's kernel side, mcast-interface and the
 * lifecycle (from mcast_init, after sa_register). */
void native_sa_register(void);

/* ---- The decision, without the kernel (unit-tested). ---- */

enum native_sa_verdict {
    NATIVE_SA_OK,
    NATIVE_SA_NOT_MULTICAST, /* g outside 224.0.0.0/4 */
    NATIVE_SA_LINK_LOCAL,    /* g in 224.0.0.0/24 */
    NATIVE_SA_SSM,           /* g in 232.0.0.0/8 */
    NATIVE_SA_BAD_SOURCE,    /* s zero, loopback, multicast, broadcast, or a subnet's
                                network or broadcast address */
    NATIVE_SA_OWN,           /* s is one of our addresses */
    NATIVE_SA_OFF_SUBNET,    /* s is on no subnet of the interface it came in on */
};

/* One of our IPv4 addresses (network byte order). */
struct native_sa_addr {
    uint32_t addr, mask;
    uint32_t peer; /* the far end of a point-to-point link, or 0 */
    unsigned ifindex;
};

/* Whether traffic from s to g arriving on ifindex (network byte order)
 * makes an SA, given all our addresses. */
enum native_sa_verdict native_sa_judge(uint32_t s, uint32_t g, unsigned ifindex,
                                       const struct native_sa_addr *addrs, unsigned naddrs);
const char *native_sa_verdict_name(enum native_sa_verdict v);

/* ---- The tracking, with the kernel and the SA table as callbacks. ---- */

struct native_sa_ops {
    int (*originate)(uint32_t s, uint32_t g, void *ctx); /* 0 or -1 */
    void (*withdraw)(uint32_t s, uint32_t g, void *ctx);
    int (*count)(uint32_t s, uint32_t g, unsigned long *pkts, void *ctx); /* 0 or -1 */
    /* Whether the source still qualifies (interface, subnet), at each poll. */
    bool (*still_ok)(uint32_t s, uint32_t g, unsigned ifindex, void *ctx);
    void *ctx;
};

struct native_sa_stats {
    unsigned long reported;   /* NOCACHE upcalls looked at */
    unsigned long originated; /* SAs originated (a source that comes back counts again) */
    unsigned long withdrawn;  /* ... and withdrawn */
    unsigned long refused[NATIVE_SA_OFF_SUBNET + 1]; /* by verdict (index 0 unused) */
    unsigned long not_mcif;   /* arrived on a vif that is no mcast-interface */
    unsigned long disabled;   /* on a mcast-interface with sa-originate false */
    unsigned long table_full;
};

/* Forgets every source (without withdrawing) and takes ops. */
void native_sa_core_reset(const struct native_sa_ops *ops);
/* A qualifying source's packet was reported at now_ms: its SA is
 * originated if it was not; true then. */
bool native_sa_core_seen(uint32_t s, uint32_t g, unsigned ifindex);
/* A source that may be sending (a kernel entry from s on a mcast-interface
 * that has just started to originate SAs: its packets are not reported any
 * more): its SA is originated at the first poll that sees its count move,
 * and it is forgotten without one after the idle time. */
void native_sa_core_candidate(uint32_t s, uint32_t g, unsigned ifindex);
/* Reads the counters of the sources due and withdraws the idle ones and
 * those that no longer qualify; returns when it next has work (EVENT_NEVER:
 * nothing tracked). */
uint64_t native_sa_core_tick(void);
/* Withdraws the SAs of every source seen on ifindex (0: all of them). */
void native_sa_core_flush(unsigned ifindex);
unsigned native_sa_core_count(void);
struct native_sa_stats *native_sa_core_stats(void);

#endif
