/* The anti-replay window of one (sender, key id): the highest sequence
 * number accepted and which of the GEM_REPLAY_WINDOW below it were seen.
 * Checked after the MAC verifies, committed after decryption succeeds, so a
 * forged packet never moves the window. */
#ifndef GEM_GEM_REPLAY_H
#define GEM_GEM_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define GEM_REPLAY_WINDOW 1024

struct gem_replay {
    bool any;
    uint64_t top;
    uint64_t bits[GEM_REPLAY_WINDOW / 64];
};

/* True when seq is new: above the top, or within the window and unseen. */
bool gem_replay_check(const struct gem_replay *r, uint64_t seq);
void gem_replay_commit(struct gem_replay *r, uint64_t seq);

#endif
