#include "mcast/sa_codec.h"

#include <string.h>

#include "babel/byteorder.h"
#include "babel/util.h"

static void get_addr(uint8_t out[16], const uint8_t *p, bool v4)
{
    if (v4)
        addr_from_v4(out, p);
    else
        memcpy(out, p, 16);
}

enum sa_decode_status sa_decode(const uint8_t *body, size_t len, struct sa_decoded *out)
{
    out->n = 0;
    out->skipped = 0;
    out->version = 0;
    out->hflags = 0;
    if (!body || len < SA_HEADER_LEN || len > SA_TLV_MAX)
        return SA_DECODE_MALFORMED;
    out->version = body[0];
    out->hflags = body[1];
    if (body[0] != SA_VERSION)
        return SA_DECODE_VERSION;
    size_t pos = SA_HEADER_LEN;
    while (pos < len) {
        if (len - pos < 2)
            return SA_DECODE_MALFORMED;
        uint8_t ae = body[pos];
        size_t elen = 2 + (size_t)body[pos + 1];
        if (elen > len - pos)
            return SA_DECODE_MALFORMED;
        if (ae != SA_AE_IPV4 && ae != SA_AE_IPV6) {
            out->skipped++;
            pos += elen;
            continue;
        }
        bool v4 = ae == SA_AE_IPV4;
        if (elen < (size_t)(v4 ? SA_ENTRY_LEN_V4 : SA_ENTRY_LEN_V6))
            return SA_DECODE_MALFORMED;
        if (out->n == SA_MAX_ENTRIES) /* cannot happen within 255 bytes */
            return SA_DECODE_MALFORMED;
        const uint8_t *p = body + pos;
        struct sa_wire_entry *e = &out->e[out->n++];
        e->flags = p[2];
        e->seqno = get16(p + 4);
        e->lifetime = get16(p + 6);
        memcpy(e->origin, p + 8, 8);
        size_t alen = v4 ? 4 : 16;
        get_addr(e->source, p + 16, v4);
        get_addr(e->group, p + 16 + alen, v4);
        pos += elen;
    }
    return SA_DECODE_OK;
}

size_t sa_entry_len(const struct sa_wire_entry *e)
{
    bool s4 = addr_is_v4(e->source), g4 = addr_is_v4(e->group);
    if (s4 != g4)
        return 0;
    return s4 ? SA_ENTRY_LEN_V4 : SA_ENTRY_LEN_V6;
}

size_t sa_encode_header_flags(uint8_t *buf, size_t cap, uint8_t hflags)
{
    if (cap < SA_HEADER_LEN)
        return 0;
    buf[0] = SA_VERSION;
    buf[1] = hflags;
    return SA_HEADER_LEN;
}

size_t sa_encode_header(uint8_t *buf, size_t cap) { return sa_encode_header_flags(buf, cap, 0); }

int sa_encode_entry(uint8_t *buf, size_t cap, size_t *len, const struct sa_wire_entry *e)
{
    size_t elen = sa_entry_len(e);
    if (cap > SA_TLV_MAX)
        cap = SA_TLV_MAX;
    if (elen == 0 || *len > cap || cap - *len < elen)
        return -1;
    bool v4 = elen == SA_ENTRY_LEN_V4;
    uint8_t *p = buf + *len;
    p[0] = v4 ? SA_AE_IPV4 : SA_AE_IPV6;
    p[1] = (uint8_t)(elen - 2);
    p[2] = e->flags;
    p[3] = 0;
    put16(p + 4, e->seqno);
    put16(p + 6, e->lifetime);
    memcpy(p + 8, e->origin, 8);
    size_t alen = v4 ? 4 : 16;
    memcpy(p + 16, v4 ? e->source + 12 : e->source, alen);
    memcpy(p + 16 + alen, v4 ? e->group + 12 : e->group, alen);
    *len += elen;
    return 0;
}
