#include "gem/gem_seq.h"

#include "babel/util.h"
#include "gem/gem_replay.h"

void gem_seq_start(struct gem_seq *s)
{
    random_bytes(&s->run, sizeof(s->run));
    s->last = 0;
}

uint64_t gem_seq_next(struct gem_seq *s)
{
    uint64_t now = gem_wall_us();
    s->last = now > s->last ? now : s->last + 1;
    return s->last;
}
