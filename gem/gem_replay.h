/* The anti-replay window of one (sender, key id): the highest sequence
 * number accepted and which of the GEM_REPLAY_WINDOW below it were seen.
 * Checked after the MAC verifies, committed after decryption succeeds, so a
 * forged packet never moves the window. */
#ifndef GEM_GEM_REPLAY_H
#define GEM_GEM_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define GEM_REPLAY_WINDOW 1024
/* Sequence numbers track the sender's wall clock in microseconds (the
 * sender seals with max(last + 1, now)).  A receiver refuses a sequence
 * number more than this from its own clock, either way: the allowed clock
 * skew between gateways plus the age of a packet in flight.  That bounds
 * what a fresh window (a sender not seen yet, or a receiver restarted) can
 * be fooled with, and a window idle for twice this long can be reused:
 * every number it accepted is then refused by the bound anyway. */
#define GEM_SEQ_AGE_US (30 * 1000000ull)

struct gem_replay {
    bool any;
    uint64_t top;
    uint64_t bits[GEM_REPLAY_WINDOW / 64];
};

/* True when seq is new: above the top, or within the window and unseen. */
bool gem_replay_check(const struct gem_replay *r, uint64_t seq);
void gem_replay_commit(struct gem_replay *r, uint64_t seq);
/* True when seq is within GEM_SEQ_AGE_US of now_us (both microseconds of
 * the wall clock). */
bool gem_seq_timely(uint64_t seq, uint64_t now_us);
/* CLOCK_REALTIME in microseconds; gem_wall_test_us instead when it is not
 * 0 (unit tests set the clock with it). */
uint64_t gem_wall_us(void);
extern uint64_t gem_wall_test_us;

#endif
