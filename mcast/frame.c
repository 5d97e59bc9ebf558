#include "mcast/frame.h"

#include <string.h>

#include "babel/byteorder.h"

static const char *const result_names[FRAME_RESULT_COUNT] = {
    [FRAME_OK] = "ok",
    [FRAME_FRAGMENT] = "fragment",
    [FRAME_NOT_IPV4] = "not-ipv4",
    [FRAME_NOT_UDP] = "not-udp",
    [FRAME_TRUNCATED] = "truncated",
    [FRAME_BAD_IP_HEADER] = "bad-ip-header",
    [FRAME_BAD_IP_CHECKSUM] = "bad-ip-checksum",
    [FRAME_BAD_UDP_LENGTH] = "bad-udp-length",
    [FRAME_BAD_UDP_CHECKSUM] = "bad-udp-checksum",
    [FRAME_OVERSIZED] = "oversized",
};

const char *frame_result_name(enum frame_result r)
{
    return (unsigned)r < FRAME_RESULT_COUNT ? result_names[r] : "?";
}

uint32_t inet_sum(const void *buf, size_t len, uint32_t sum)
{
    const uint8_t *p = buf;
    uint64_t s = sum;
    while (len >= 2) {
        s += get16(p);
        p += 2;
        len -= 2;
    }
    if (len)
        s += (uint32_t)p[0] << 8;
    while (s >> 32)
        s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}

uint16_t inet_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

enum frame_result frame_parse_udp(const uint8_t *l4, size_t l4_len, uint32_t src, uint32_t dst,
                                  bool csum_partial, struct frame_view *v)
{
    if (l4_len < 8)
        return FRAME_TRUNCATED;
    size_t ulen = get16(l4 + 4);
    /* The UDP length must describe exactly what IP carries. */
    if (ulen < 8 || ulen != l4_len)
        return FRAME_BAD_UDP_LENGTH;
    uint16_t csum = get16(l4 + 6);
    if (csum != 0 && !csum_partial) {
        uint8_t pseudo[12];
        memcpy(pseudo, &src, 4);
        memcpy(pseudo + 4, &dst, 4);
        pseudo[8] = 0;
        pseudo[9] = 17;
        pseudo[10] = (uint8_t)(ulen >> 8);
        pseudo[11] = (uint8_t)ulen;
        uint32_t s = inet_sum(pseudo, sizeof(pseudo), 0);
        s = inet_sum(l4, ulen, s);
        if (inet_fold(s) != 0xffff)
            return FRAME_BAD_UDP_CHECKSUM;
    }
    v->sport = get16(l4);
    v->dport = get16(l4 + 2);
    v->payload = l4 + 8;
    v->payload_len = ulen - 8;
    return FRAME_OK;
}

enum frame_result frame_parse(const uint8_t *buf, size_t len, bool csum_partial,
                              struct frame_view *v)
{
    memset(v, 0, sizeof(*v));
    if (len < 14)
        return FRAME_TRUNCATED;
    size_t off = 12;
    uint16_t type = get16(buf + off);
    off += 2;
    while (type == 0x8100 || type == 0x88a8) {
        if (v->vlans == 2)
            return FRAME_NOT_IPV4;
        if (len < off + 4)
            return FRAME_TRUNCATED;
        if (v->vlans == 0)
            v->vlan_id = get16(buf + off) & 0x0fff;
        v->vlans++;
        type = get16(buf + off + 2);
        off += 4;
    }
    if (type != 0x0800)
        return FRAME_NOT_IPV4;
    const uint8_t *ip = buf + off;
    size_t avail = len - off;
    if (avail < 20)
        return FRAME_TRUNCATED;
    if ((ip[0] >> 4) != 4)
        return FRAME_BAD_IP_HEADER;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    size_t tot = get16(ip + 2);
    if (ihl < 20 || tot < ihl)
        return FRAME_BAD_IP_HEADER;
    if (avail < ihl || avail < tot)
        return FRAME_TRUNCATED; /* Ethernet padding may follow; nothing may be missing */
    if (inet_fold(inet_sum(ip, ihl, 0)) != 0xffff)
        return FRAME_BAD_IP_CHECKSUM;
    v->ip = ip;
    v->ip_len = tot;
    v->ihl = ihl;
    memcpy(&v->src, ip + 12, 4);
    memcpy(&v->dst, ip + 16, 4);
    v->ttl = ip[8];
    v->proto = ip[9];
    v->id = get16(ip + 4);
    uint16_t fo = get16(ip + 6);
    v->more_frags = (fo & 0x2000) != 0;
    v->frag_off = (size_t)(fo & 0x1fff) * 8;
    v->l4 = ip + ihl;
    v->l4_len = tot - ihl;
    if (v->more_frags || v->frag_off) {
        if (v->frag_off + v->l4_len > 65535 - 20)
            return FRAME_OVERSIZED;
        /* Every fragment but the last carries a multiple of 8 bytes. */
        if (v->more_frags && (v->l4_len == 0 || v->l4_len % 8))
            return FRAME_BAD_IP_HEADER;
        return v->proto == 17 ? FRAME_FRAGMENT : FRAME_NOT_UDP;
    }
    if (v->proto != 17)
        return FRAME_NOT_UDP;
    return frame_parse_udp(v->l4, v->l4_len, v->src, v->dst, csum_partial, v);
}
