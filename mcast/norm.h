/* The normalizer's control plane: turns the rules and the kernel's links
 * and addresses into forwarding tables, owns the capture rings, egress
 * sockets, VIPs and counters, and reports them on the local interface. */
#ifndef MCAST_NORM_H
#define MCAST_NORM_H

#include <stdbool.h>
#include <stdint.h>

#include "mcast/fwd.h"
#include "mcast/rule.h"

struct norm_sa;

/* Per-rule state (rule->state). */
struct norm_rule {
    struct fwd_counts *counts;
    struct fwd_counts *out_counts[RULE_MAX_OUTPUTS];
    struct norm_sa *sa; /* its Source-Active origination (norm_sa.h) */
    uint32_t held_vip; /* the VIP we hold a reference on, 0 if none */
    char state[64];    /* active | waiting ... */
    char out_state[RULE_MAX_OUTPUTS][48];
    char out_dest[RULE_MAX_OUTPUTS][24]; /* resolved destination */
};

/* Registers the rules, the records and the lifecycle. */
void norm_init(void);

/* For the records (mcast/report.c). */
struct norm_input_view {
    char ifname[16];
    struct fwd_input_counts *counts;
    uint64_t ring_drops;
};
unsigned norm_inputs(struct norm_input_view *out, unsigned max);
void norm_sum(const struct fwd_counts *c, struct egress_counts *out);

#endif
