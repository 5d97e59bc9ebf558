#include "gem/gem_replay.h"

#include <string.h>

static bool bit(const struct gem_replay *r, uint64_t s)
{
    unsigned i = (unsigned)(s % GEM_REPLAY_WINDOW);
    return r->bits[i / 64] >> (i % 64) & 1;
}

static void set_bit(struct gem_replay *r, uint64_t s, bool on)
{
    unsigned i = (unsigned)(s % GEM_REPLAY_WINDOW);
    if (on)
        r->bits[i / 64] |= (uint64_t)1 << (i % 64);
    else
        r->bits[i / 64] &= ~((uint64_t)1 << (i % 64));
}

bool gem_replay_check(const struct gem_replay *r, uint64_t seq)
{
    if (!r->any || seq > r->top)
        return true;
    if (r->top - seq >= GEM_REPLAY_WINDOW)
        return false; /* too old to tell: refused */
    return !bit(r, seq);
}

void gem_replay_commit(struct gem_replay *r, uint64_t seq)
{
    if (!r->any) {
        memset(r->bits, 0, sizeof(r->bits));
        r->any = true;
        r->top = seq;
    } else if (seq > r->top) {
        /* The slots the window slides over now stand for new numbers. */
        if (seq - r->top >= GEM_REPLAY_WINDOW)
            memset(r->bits, 0, sizeof(r->bits));
        else
            for (uint64_t s = r->top + 1; s < seq; s++)
                set_bit(r, s, false);
        r->top = seq;
    }
    set_bit(r, seq, true);
}
