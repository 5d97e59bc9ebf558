/* PIM-SM message codec (see pim_codec.h). */
#include "mcast/pim_codec.h"

#include <string.h>

#include "babel/byteorder.h"
#include "mcast/frame.h"

#define AF_PIM_IPV4 1 /* IANA address family 1 */
#define ENC_NATIVE 0
#define ENC_UNICAST_LEN 6
#define ENC_GROUP_LEN 8
#define ENC_SOURCE_LEN 8

uint16_t pim_checksum(const uint8_t *buf, size_t len)
{
    return (uint16_t)~inet_fold(inet_sum(buf, len, 0));
}

enum pim_decode_status pim_decode_header(const uint8_t *buf, size_t len, uint8_t *type)
{
    if (len < PIM_HEADER_LEN)
        return PIM_DECODE_TRUNCATED;
    if (buf[0] >> 4 != PIM_VERSION)
        return PIM_DECODE_VERSION;
    *type = buf[0] & 0x0f;
    size_t covered = *type == PIM_REGISTER && len >= 8 ? 8 : len;
    if (pim_checksum(buf, covered) != 0)
        return PIM_DECODE_CHECKSUM;
    return PIM_DECODE_OK;
}

/* ---- encoded addresses ------------------------------------------------- */

static enum pim_decode_status dec_unicast(const uint8_t *p, size_t left, struct in_addr *a)
{
    if (left < ENC_UNICAST_LEN)
        return PIM_DECODE_TRUNCATED;
    if (p[0] != AF_PIM_IPV4 || p[1] != ENC_NATIVE)
        return PIM_DECODE_MALFORMED;
    memcpy(&a->s_addr, p + 2, 4);
    return PIM_DECODE_OK;
}

static enum pim_decode_status dec_masked(const uint8_t *p, size_t left, struct in_addr *a,
                                         uint8_t *flags, uint8_t *masklen)
{
    if (left < ENC_GROUP_LEN)
        return PIM_DECODE_TRUNCATED;
    if (p[0] != AF_PIM_IPV4 || p[1] != ENC_NATIVE || p[3] > 32)
        return PIM_DECODE_MALFORMED;
    *flags = p[2];
    *masklen = p[3];
    memcpy(&a->s_addr, p + 4, 4);
    return PIM_DECODE_OK;
}

static void enc_unicast(uint8_t *p, struct in_addr a)
{
    p[0] = AF_PIM_IPV4;
    p[1] = ENC_NATIVE;
    memcpy(p + 2, &a.s_addr, 4);
}

static void enc_masked(uint8_t *p, struct in_addr a, uint8_t flags, uint8_t masklen)
{
    p[0] = AF_PIM_IPV4;
    p[1] = ENC_NATIVE;
    p[2] = flags;
    p[3] = masklen;
    memcpy(p + 4, &a.s_addr, 4);
}

static void finish(uint8_t *buf, size_t len, uint8_t type)
{
    buf[0] = (uint8_t)(PIM_VERSION << 4 | type);
    buf[1] = 0;
    put16(buf + 2, 0);
    put16(buf + 2, pim_checksum(buf, len));
}

/* ---- Hello ------------------------------------------------------------- */

enum pim_decode_status pim_decode_hello(const uint8_t *buf, size_t len, struct pim_hello *out)
{
    memset(out, 0, sizeof(*out));
    size_t off = PIM_HEADER_LEN;
    while (off < len) {
        if (len - off < 4)
            return PIM_DECODE_TRUNCATED;
        uint16_t type = get16(buf + off), olen = get16(buf + off + 2);
        off += 4;
        if (olen > len - off)
            return PIM_DECODE_TRUNCATED;
        const uint8_t *v = buf + off;
        switch (type) {
        case PIM_OPT_HOLDTIME:
            if (olen != 2)
                return PIM_DECODE_MALFORMED;
            out->has_holdtime = true;
            out->holdtime = get16(v);
            break;
        case PIM_OPT_LAN_PRUNE_DELAY:
            if (olen != 4)
                return PIM_DECODE_MALFORMED;
            out->has_lan_prune_delay = true;
            out->t_bit = v[0] & 0x80;
            out->propagation_delay = get16(v) & 0x7fff;
            out->override_interval = get16(v + 2);
            break;
        case PIM_OPT_DR_PRIORITY:
            if (olen != 4)
                return PIM_DECODE_MALFORMED;
            out->has_dr_priority = true;
            out->dr_priority = get32(v);
            break;
        case PIM_OPT_GENID:
            if (olen != 4)
                return PIM_DECODE_MALFORMED;
            out->has_genid = true;
            out->genid = get32(v);
            break;
        case PIM_OPT_ADDRESS_LIST:
            for (size_t a = 0; a < olen;) {
                struct in_addr ia;
                enum pim_decode_status st = dec_unicast(v + a, olen - a, &ia);
                if (st == PIM_DECODE_TRUNCATED)
                    return PIM_DECODE_MALFORMED; /* the option's length is wrong */
                if (st == PIM_DECODE_MALFORMED) {
                    /* another family (IPv6 secondaries): its length is not
                     * ours to know, so the rest of the list is skipped */
                    break;
                }
                if (out->naddrs < PIM_HELLO_MAX_ADDRS)
                    out->addrs[out->naddrs++] = ia;
                a += ENC_UNICAST_LEN;
            }
            break;
        default: /* unknown options are ignored (4.9.2) */
            break;
        }
        off += olen;
    }
    return PIM_DECODE_OK;
}

size_t pim_encode_hello(uint8_t *buf, size_t cap, const struct pim_hello *h)
{
    size_t need = PIM_HEADER_LEN + 6 + 8 + 8 + (h->has_lan_prune_delay ? 8 : 0);
    if (cap < need)
        return 0;
    size_t off = PIM_HEADER_LEN;
    put16(buf + off, PIM_OPT_HOLDTIME);
    put16(buf + off + 2, 2);
    put16(buf + off + 4, h->holdtime);
    off += 6;
    if (h->has_lan_prune_delay) {
        put16(buf + off, PIM_OPT_LAN_PRUNE_DELAY);
        put16(buf + off + 2, 4);
        put16(buf + off + 4, (uint16_t)((h->t_bit ? 0x8000 : 0) | (h->propagation_delay & 0x7fff)));
        put16(buf + off + 6, h->override_interval);
        off += 8;
    }
    put16(buf + off, PIM_OPT_DR_PRIORITY);
    put16(buf + off + 2, 4);
    put32(buf + off + 4, h->dr_priority);
    off += 8;
    put16(buf + off, PIM_OPT_GENID);
    put16(buf + off + 2, 4);
    put32(buf + off + 4, h->genid);
    off += 8;
    finish(buf, off, PIM_HELLO);
    return off;
}

/* ---- Join/Prune -------------------------------------------------------- */

enum pim_decode_status pim_decode_jp(const uint8_t *buf, size_t len, struct pim_jp *out)
{
    out->ngroups = 0;
    out->nsources = 0;
    size_t off = PIM_HEADER_LEN;
    enum pim_decode_status st = dec_unicast(buf + off, len - off, &out->upstream);
    if (st)
        return st;
    off += ENC_UNICAST_LEN;
    if (len - off < 4)
        return PIM_DECODE_TRUNCATED;
    unsigned ngroups = buf[off + 1];
    out->holdtime = get16(buf + off + 2);
    off += 4;
    for (unsigned g = 0; g < ngroups; g++) {
        struct pim_jp_group *grp = &out->groups[g];
        st = dec_masked(buf + off, len - off, &grp->group, &grp->flags, &grp->masklen);
        if (st)
            return st;
        off += ENC_GROUP_LEN;
        if (len - off < 4)
            return PIM_DECODE_TRUNCATED;
        grp->njoin = get16(buf + off);
        grp->nprune = get16(buf + off + 2);
        off += 4;
        unsigned n = (unsigned)grp->njoin + grp->nprune;
        if ((size_t)n * ENC_SOURCE_LEN > len - off)
            return PIM_DECODE_TRUNCATED;
        if (out->nsources + n > PIM_JP_MAX_SOURCES)
            return PIM_DECODE_TOO_MANY;
        grp->first = out->nsources;
        for (unsigned i = 0; i < n; i++) {
            struct pim_jp_source *s = &out->sources[out->nsources++];
            st = dec_masked(buf + off, len - off, &s->addr, &s->flags, &s->masklen);
            if (st)
                return st;
            off += ENC_SOURCE_LEN;
        }
        out->ngroups = g + 1;
    }
    /* Bytes after the last group are ignored, as trailing data after any
     * PIM message is. */
    return PIM_DECODE_OK;
}

size_t pim_jp_group_len(unsigned nj, unsigned np)
{
    return ENC_GROUP_LEN + 4 + (size_t)(nj + np) * ENC_SOURCE_LEN;
}

size_t pim_encode_jp(uint8_t *buf, size_t cap, const struct pim_jp *jp)
{
    if (jp->ngroups > PIM_JP_MAX_GROUPS)
        return 0;
    size_t need = PIM_JP_FIXED_LEN;
    for (unsigned g = 0; g < jp->ngroups; g++) {
        const struct pim_jp_group *grp = &jp->groups[g];
        if (grp->first + grp->njoin + grp->nprune > jp->nsources)
            return 0;
        need += pim_jp_group_len(grp->njoin, grp->nprune);
    }
    if (cap < need)
        return 0;
    size_t off = PIM_HEADER_LEN;
    enc_unicast(buf + off, jp->upstream);
    off += ENC_UNICAST_LEN;
    buf[off] = 0;
    buf[off + 1] = (uint8_t)jp->ngroups;
    put16(buf + off + 2, jp->holdtime);
    off += 4;
    for (unsigned g = 0; g < jp->ngroups; g++) {
        const struct pim_jp_group *grp = &jp->groups[g];
        enc_masked(buf + off, grp->group, grp->flags, grp->masklen);
        off += ENC_GROUP_LEN;
        put16(buf + off, grp->njoin);
        put16(buf + off + 2, grp->nprune);
        off += 4;
        for (unsigned i = 0; i < (unsigned)grp->njoin + grp->nprune; i++) {
            const struct pim_jp_source *s = &jp->sources[grp->first + i];
            enc_masked(buf + off, s->addr, s->flags, s->masklen);
            off += ENC_SOURCE_LEN;
        }
    }
    finish(buf, off, PIM_JOIN_PRUNE);
    return off;
}

/* ---- Assert ------------------------------------------------------------ */

enum pim_decode_status pim_decode_assert(const uint8_t *buf, size_t len, struct pim_assert *out)
{
    memset(out, 0, sizeof(*out));
    size_t off = PIM_HEADER_LEN;
    uint8_t flags;
    enum pim_decode_status st =
        dec_masked(buf + off, len - off, &out->group, &flags, &out->group_masklen);
    if (st)
        return st;
    off += ENC_GROUP_LEN;
    if ((st = dec_unicast(buf + off, len - off, &out->source)))
        return st;
    off += ENC_UNICAST_LEN;
    if (len - off < 8)
        return PIM_DECODE_TRUNCATED;
    uint32_t pref = get32(buf + off);
    out->rpt = pref & PIM_ASSERT_R;
    out->preference = pref & ~PIM_ASSERT_R;
    out->metric = get32(buf + off + 4);
    return PIM_DECODE_OK;
}

size_t pim_encode_assert(uint8_t *buf, size_t cap, const struct pim_assert *a)
{
    size_t need = PIM_HEADER_LEN + ENC_GROUP_LEN + ENC_UNICAST_LEN + 8;
    if (cap < need)
        return 0;
    size_t off = PIM_HEADER_LEN;
    enc_masked(buf + off, a->group, 0, a->group_masklen);
    off += ENC_GROUP_LEN;
    enc_unicast(buf + off, a->source);
    off += ENC_UNICAST_LEN;
    put32(buf + off, (a->rpt ? PIM_ASSERT_R : 0) | (a->preference & ~PIM_ASSERT_R));
    put32(buf + off + 4, a->metric);
    off += 8;
    finish(buf, off, PIM_ASSERT);
    return off;
}
