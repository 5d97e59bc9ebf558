/* IGMP codec (see igmp_codec.h). */
#include "mcast/igmp_codec.h"

#include <string.h>

#include "babel/byteorder.h"
#include "mcast/frame.h"

uint16_t igmp_checksum(const uint8_t *buf, size_t len)
{
    return (uint16_t)~inet_fold(inet_sum(buf, len, 0));
}

unsigned igmp_code_decode(uint8_t code)
{
    if (code < 128)
        return code;
    unsigned exp = (code >> 4) & 7, mant = code & 0x0f;
    return (mant | 0x10) << (exp + 3);
}

uint8_t igmp_code_encode(unsigned v)
{
    if (v < 128)
        return (uint8_t)v;
    /* The largest representable value not above v: 1|exp|mant means
     * (16 + mant) << (exp + 3), from 128 up to 31744. */
    for (int exp = 7; exp >= 0; exp--) {
        unsigned base = 16u << (exp + 3);
        if (v < base)
            continue;
        unsigned mant = (v >> (exp + 3)) - 16;
        if (mant > 15)
            mant = 15;
        return (uint8_t)(0x80 | exp << 4 | mant);
    }
    return 127;
}

/* Router Alert among the IP options (RFC 2113). */
static bool has_router_alert(const uint8_t *opt, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t t = opt[i];
        if (t == 0)
            break;
        if (t == 1) {
            i++;
            continue;
        }
        if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
            break;
        if (t == 0x94 && opt[i + 1] == 4)
            return true;
        i += opt[i + 1];
    }
    return false;
}

static bool is_multicast(struct in_addr a) { return (ntohl(a.s_addr) >> 28) == 0xe; }

int igmp_parse(const uint8_t *pkt, size_t len, struct igmp_msg *out)
{
    if (len < 20)
        return IGMP_ERR_TRUNCATED;
    if (pkt[0] >> 4 != 4)
        return IGMP_ERR_MALFORMED;
    size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
    size_t tot = get16(pkt + 2);
    if (ihl < 20 || tot < ihl)
        return IGMP_ERR_MALFORMED;
    if (ihl > len || tot > len)
        return IGMP_ERR_TRUNCATED;
    if (pkt[9] != IPPROTO_IGMP)
        return IGMP_ERR_MALFORMED;
    memset(out, 0, offsetof(struct igmp_msg, records));
    out->ttl = pkt[8];
    memcpy(&out->src.s_addr, pkt + 12, 4);
    memcpy(&out->dst.s_addr, pkt + 16, 4);
    out->router_alert = has_router_alert(pkt + 20, ihl - 20);
    const uint8_t *m = pkt + ihl;
    size_t mlen = tot - ihl;
    if (mlen < 8)
        return IGMP_ERR_TRUNCATED;
    if (igmp_checksum(m, mlen) != 0)
        return IGMP_ERR_CHECKSUM;
    out->type = m[0];
    switch (m[0]) {
    case IGMP_TYPE_QUERY:
        memcpy(&out->group.s_addr, m + 4, 4);
        if (out->group.s_addr != INADDR_ANY && !is_multicast(out->group))
            return IGMP_ERR_MALFORMED;
        if (mlen == 8) {
            out->version = m[1] == 0 ? 1 : 2;
            out->max_resp_ds = m[1] == 0 ? 100 : m[1];
            return IGMP_OK;
        }
        /* RFC 3376 7.1: 9 to 11 octets is no version at all. */
        if (mlen < IGMP_V3_QUERY_MIN)
            return IGMP_ERR_MALFORMED;
        out->version = 3;
        out->max_resp_ds = igmp_code_decode(m[1]);
        out->s_flag = (m[8] & 0x08) != 0;
        out->qrv = m[8] & 0x07;
        out->qqi = igmp_code_decode(m[9]);
        out->nsources = get16(m + 10);
        if (IGMP_V3_QUERY_MIN + (size_t)out->nsources * 4 > mlen)
            return IGMP_ERR_TRUNCATED;
        out->sources = m + 12;
        return IGMP_OK;
    case IGMP_TYPE_V1_REPORT:
    case IGMP_TYPE_V2_REPORT:
    case IGMP_TYPE_V2_LEAVE:
        memcpy(&out->group.s_addr, m + 4, 4);
        if (!is_multicast(out->group))
            return IGMP_ERR_MALFORMED;
        return IGMP_OK;
    case IGMP_TYPE_V3_REPORT: {
        unsigned n = get16(m + 6);
        if (n > IGMP_MAX_RECORDS)
            return IGMP_ERR_TRUNCATED; /* cannot fit in any packet we accept */
        size_t off = 8;
        for (unsigned i = 0; i < n; i++) {
            if (off + 8 > mlen)
                return IGMP_ERR_TRUNCATED;
            struct igmp_record *r = &out->records[i];
            r->type = m[off];
            size_t aux = (size_t)m[off + 1] * 4;
            r->nsources = get16(m + off + 2);
            memcpy(&r->group.s_addr, m + off + 4, 4);
            r->sources = m + off + 8;
            size_t rlen = 8 + (size_t)r->nsources * 4 + aux;
            if (off + rlen > mlen)
                return IGMP_ERR_TRUNCATED;
            if (!is_multicast(r->group))
                return IGMP_ERR_MALFORMED;
            off += rlen;
        }
        out->nrecords = n;
        return IGMP_OK;
    }
    default:
        return IGMP_ERR_UNKNOWN_TYPE;
    }
}

size_t igmp_build_query(uint8_t *buf, size_t cap, const struct igmp_query_spec *q)
{
    size_t len = q->version == 3 ? IGMP_V3_QUERY_MIN + (size_t)q->nsources * 4 : 8;
    if (len > cap || (q->version == 3 && q->nsources > 0xffff))
        return 0;
    memset(buf, 0, len);
    buf[0] = IGMP_TYPE_QUERY;
    if (q->version == 2)
        buf[1] = (uint8_t)(q->max_resp_ds > 255 ? 255 : q->max_resp_ds);
    else if (q->version == 3)
        buf[1] = igmp_code_encode(q->max_resp_ds);
    memcpy(buf + 4, &q->group.s_addr, 4);
    if (q->version == 3) {
        buf[8] = (uint8_t)((q->s_flag ? 0x08 : 0) | (q->qrv <= 7 ? q->qrv : 0));
        buf[9] = igmp_code_encode(q->qqi);
        buf[10] = (uint8_t)(q->nsources >> 8);
        buf[11] = (uint8_t)q->nsources;
        for (unsigned i = 0; i < q->nsources; i++)
            memcpy(buf + 12 + 4 * i, &q->sources[i].s_addr, 4);
    }
    uint16_t c = igmp_checksum(buf, len);
    buf[2] = (uint8_t)(c >> 8);
    buf[3] = (uint8_t)c;
    return len;
}
