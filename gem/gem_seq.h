/* The numbering of the GEM packets a gateway seals: one run per daemon
 * start, drawn at random, and sequence numbers that track the wall clock in
 * microseconds (max(last + 1, now)).  Both are in the nonce (gem_codec.h),
 * so a run that starts with its clock set back below numbers an earlier
 * run used, or a gateway sharing our sender address and SEK, uses other
 * nonces (but for a 2^-32 chance of the same run); receivers keep one
 * replay window per (sender, run, key id) and refuse numbers too far from
 * their clock (gem_replay.h).  No allocation; one thread. */
#ifndef GEM_GEM_SEQ_H
#define GEM_GEM_SEQ_H

#include <stdint.h>

struct gem_seq {
    uint32_t run;
    uint64_t last;
};

/* A new run: a random run value, numbering from the clock. */
void gem_seq_start(struct gem_seq *s);
/* The next sequence number: max(last + 1, gem_wall_us()). */
uint64_t gem_seq_next(struct gem_seq *s);

#endif
