#include "mcast/report.h"

#include <stdio.h>
#include <string.h>

#include "babel/extension.h"
#include "babel/local.h"
#include "mcast/dataplane.h"
#include "mcast/norm.h"

static void fmt_rule(const struct rule *r, const char *kind, char *buf, size_t len)
{
    const struct norm_rule *nr = r->state;
    struct egress_counts c;
    norm_sum(nr ? nr->counts : NULL, &c);
    char g[16], s[16], v[16];
    snprintf(buf, len,
             "%s mcast-rule %s in %s group %s port %u source %s resource %s outputs %d "
             "packets %llu bytes %llu drops %llu state %s\n",
             kind, r->c.name, r->c.in_if, ip4_fmt(r->c.group, g), r->c.port,
             r->c.source ? ip4_fmt(r->c.source, s) : "any",
             r->c.vip ? ip4_fmt(r->c.vip, v) : "none", r->c.nout, (unsigned long long)c.packets,
             (unsigned long long)c.bytes, (unsigned long long)c.drops,
             nr && nr->state[0] ? nr->state : "pending");
}

static void fmt_output(const struct rule *r, int k, const char *kind, char *buf, size_t len)
{
    const struct norm_rule *nr = r->state;
    const struct rule_output *o = &r->c.out[k];
    struct egress_counts c;
    norm_sum(nr ? nr->out_counts[k] : NULL, &c);
    const char *state = nr && nr->out_state[k][0] ? nr->out_state[k] : "pending";
    snprintf(buf, len,
             "%s mcast-output %s/%d rule %s if %s mode %s dest %s port %u ttl %u state %s "
             "packets %llu bytes %llu drops %llu\n",
             kind, r->c.name, k, r->c.name, o->ifname,
             (o->unicast || strcmp(state, "up-unicast") == 0) ? "unicast" : "multicast",
             nr && nr->out_dest[k][0] ? nr->out_dest[k] : "-", o->port,
             o->ttl ? o->ttl : RULE_DEFAULT_TTL, state, (unsigned long long)c.packets,
             (unsigned long long)c.bytes, (unsigned long long)c.drops);
}

static void fmt_input(const struct norm_input_view *in, char *buf, size_t len)
{
    unsigned long long frames = 0, res[FRAME_RESULT_COUNT] = {0}, unmatched = 0, own = 0,
                       reasm = 0;
    for (unsigned w = 0; w < FWD_MAX_WORKERS; w++) {
        frames += __atomic_load_n(&in->counts->w[w].frames, __ATOMIC_RELAXED);
        for (unsigned k = 0; k < FRAME_RESULT_COUNT; k++)
            res[k] += __atomic_load_n(&in->counts->w[w].result[k], __ATOMIC_RELAXED);
        unmatched += __atomic_load_n(&in->counts->w[w].unmatched, __ATOMIC_RELAXED);
        own += __atomic_load_n(&in->counts->w[w].own, __ATOMIC_RELAXED);
        reasm += __atomic_load_n(&in->counts->w[w].reassembled, __ATOMIC_RELAXED);
    }
    size_t l = (size_t)snprintf(buf, len, "add mcast-input %s frames %llu", in->ifname, frames);
    for (unsigned k = 0; k < FRAME_RESULT_COUNT && l < len; k++)
        l += (size_t)snprintf(buf + l, len - l, " %s %llu", frame_result_name(k), res[k]);
    if (l < len)
        snprintf(buf + l, len - l, " reassembled %llu unmatched %llu own %llu ring-drops %llu\n",
                 reasm, unmatched, own, (unsigned long long)in->ring_drops);
}

static void dump(void (*emit)(const char *line, void *out), void *out, void *ctx)
{
    char buf[512];
    for (const struct rule *r = rules; r; r = r->next) {
        fmt_rule(r, "add", buf, sizeof(buf));
        emit(buf, out);
        for (int k = 0; k < r->c.nout; k++) {
            fmt_output(r, k, "add", buf, sizeof(buf));
            emit(buf, out);
        }
    }
    struct norm_input_view in[64];
    unsigned n = norm_inputs(in, 64);
    for (unsigned i = 0; i < n; i++) {
        fmt_input(&in[i], buf, sizeof(buf));
        emit(buf, out);
    }
}

void report_rule(const struct rule *r, const char *kind)
{
    if (!local_have_monitors())
        return;
    char buf[512];
    fmt_rule(r, kind, buf, sizeof(buf));
    local_notify_line(buf);
    for (int k = 0; k < r->c.nout; k++) {
        fmt_output(r, k, kind, buf, sizeof(buf));
        local_notify_line(buf);
    }
}

void report_init(void) { ext_register_dump(dump, NULL); }
