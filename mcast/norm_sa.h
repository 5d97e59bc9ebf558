/* Source-Active origination by normalizer rules.
 *
 * A rule with `resource VIP` republishes its stream from VIP to the group
 * of each of its multicast outputs: the input group G, or the output's
 * `group G2`.  That group is what receivers downstream join and what their
 * routers see, so SA(VIP, G2) is what the rule originates, one per
 * distinct output group; the input group is not announced (its source is
 * unroutable: no peer-RPF check would pass).  `unicast` (HER) outputs send
 * to no group and originate nothing; neither does a rule without a VIP
 * (its packets leave from each interface's own address).
 *
 * The SAs are originated at the first packet relayed after idleness: the
 * worker disarms the rule's activity object and writes an eventfd (see
 * struct fwd_activity), so the SA is flooded within milliseconds.  They
 * stay while packets flow and are withdrawn when none was relayed for
 * `sa-idle-time` seconds (default 10): a stream with gaps shorter than that
 * never flaps.  Rules with the same (VIP, G) share one SA, announced while
 * any of them is active.  A rule replaced with another VIP or other output
 * groups withdraws its SAs and originates the new ones at its next packet;
 * a flushed rule withdraws them; so does the daemon's exit. */
#ifndef MCAST_NORM_SA_H
#define MCAST_NORM_SA_H

#include <stdint.h>

#include "mcast/fwd.h"
#include "mcast/rule.h"

#define NORM_SA_IDLE_DEFAULT 10 /* seconds */
#define NORM_SA_IDLE_MAX 86400

struct norm_sa;

/* Registers the `sa-idle-time SECONDS` directive and the timer. */
void norm_sa_init(void);
/* A rule's origination state, from its configuration; never NULL (aborts
 * when out of memory, as the normalizer does). */
struct norm_sa *norm_sa_new(const struct rule_conf *c);
/* The rule was replaced: its SAs are withdrawn if its VIP or output groups
 * changed. */
void norm_sa_update(struct norm_sa *s, const struct rule_conf *c);
/* The rule goes: its SAs are withdrawn. */
void norm_sa_free(struct norm_sa *s);

/* For a forwarding table: the rule's activity object with one more
 * reference, or NULL when the rule originates nothing. */
struct fwd_activity *norm_sa_activity(struct norm_sa *s);
void norm_sa_activity_unref(struct fwd_activity *a);
/* The eventfd the worker writes (fwd_table.activity_fd), -1 if none. */
int norm_sa_fd(void);

/* Lifecycle, called by the normalizer: start opens the eventfd; stop
 * withdraws every SA the rules originated. */
void norm_sa_start(void);
void norm_sa_stop(void);

/* The directive's work: 0, or -1 for a value out of 1..NORM_SA_IDLE_MAX. */
int norm_sa_set_idle_time(unsigned seconds);
/* Its value, which native sources' SAs follow too (mcast/native_sa.h). */
unsigned norm_sa_idle_time(void);
/* What the eventfd's wake-up does: originates the SAs of every rule the
 * worker disarmed (exposed for unit tests). */
void norm_sa_poll(void);
/* What the timer does at now_ms: withdraws the SAs of rules idle for the
 * idle time; returns when it next has work (EVENT_NEVER: nothing). */
uint64_t norm_sa_tick(void);

#endif
