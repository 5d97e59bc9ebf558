#include "gem/gem_replay.h"

#include <string.h>
#include <time.h>

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

bool gem_seq_timely(uint64_t seq, uint64_t now_us)
{
    if (seq <= now_us)
        return now_us - seq <= GEM_SEQ_AGE_US;
    return seq - now_us <= GEM_SEQ_AGE_US;
}

uint64_t gem_wall_test_us;

uint64_t gem_wall_us(void)
{
    if (gem_wall_test_us)
        return gem_wall_test_us;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
