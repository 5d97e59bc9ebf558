#include "gem/gem_codec.h"

#include <string.h>

#include "babel/byteorder.h"
#include "mcast/frame.h"

void gem_header_encode(const struct gem_header *h, uint8_t out[GEM_HEADER_LEN])
{
    out[0] = h->version;
    out[1] = h->flags;
    put16(out + 2, h->key_id);
    memcpy(out + 4, &h->sender, 4);
    put32(out + 8, h->run);
    for (int i = 0; i < 8; i++)
        out[12 + i] = (uint8_t)(h->seq >> (56 - 8 * i));
    memcpy(out + 20, &h->source, 4);
    memcpy(out + 24, &h->group, 4);
    put16(out + 28, h->sport);
    put16(out + 30, h->dport);
}

enum gem_parse_result gem_parse(const uint8_t *buf, size_t len, struct gem_header *h,
                                struct gem_view *v)
{
    /* The version first: a later version may have another length. */
    if (len < 1)
        return GEM_PARSE_TRUNCATED;
    if (buf[0] != GEM_VERSION)
        return GEM_PARSE_BAD_VERSION;
    if (len < GEM_OVERHEAD)
        return GEM_PARSE_TRUNCATED;
    h->version = buf[0];
    h->flags = buf[1];
    h->key_id = get16(buf + 2);
    memcpy(&h->sender, buf + 4, 4);
    h->run = get32(buf + 8);
    h->seq = 0;
    for (int i = 0; i < 8; i++)
        h->seq = h->seq << 8 | buf[12 + i];
    memcpy(&h->source, buf + 20, 4);
    memcpy(&h->group, buf + 24, 4);
    h->sport = get16(buf + 28);
    h->dport = get16(buf + 30);
    v->header = buf;
    v->ct = buf + GEM_HEADER_LEN;
    v->ct_len = len - GEM_OVERHEAD;
    v->tag = v->ct + v->ct_len;
    v->mac = v->tag + GEM_TAG_LEN;
    return GEM_PARSE_OK;
}

void gem_nonce(const struct gem_header *h, uint8_t out[GEM_NONCE_LEN])
{
    memcpy(out, &h->sender, 4);
    put32(out + 4, h->run);
    for (int i = 0; i < 8; i++)
        out[8 + i] = (uint8_t)(h->seq >> (56 - 8 * i));
}

void gem_udp4_build(uint8_t *buf, size_t payload_len, uint32_t src, uint32_t dst,
                    uint16_t sport, uint16_t dport, uint8_t ttl, uint16_t id)
{
    size_t udp_len = 8 + payload_len;
    uint8_t *ip = buf, *udp = buf + 20;
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (uint16_t)(20 + udp_len));
    put16(ip + 4, id);
    put16(ip + 6, 0); /* DF clear: a path with a smaller MTU fragments it */
    ip[8] = ttl;
    ip[9] = 17;
    put16(ip + 10, 0);
    memcpy(ip + 12, &src, 4);
    memcpy(ip + 16, &dst, 4);
    put16(ip + 10, (uint16_t)~inet_fold(inet_sum(ip, 20, 0)));
    put16(udp, sport);
    put16(udp + 2, dport);
    put16(udp + 4, (uint16_t)udp_len);
    put16(udp + 6, 0);
    /* Pseudo-header: addresses, protocol, UDP length. */
    uint8_t ph[12];
    memcpy(ph, &src, 4);
    memcpy(ph + 4, &dst, 4);
    ph[8] = 0;
    ph[9] = 17;
    put16(ph + 10, (uint16_t)udp_len);
    uint16_t c = (uint16_t)~inet_fold(inet_sum(udp, udp_len, inet_sum(ph, 12, 0)));
    put16(udp + 6, c ? c : 0xffff); /* 0 means "no checksum" in UDP */
}

size_t gem_ip4_fragment(const uint8_t *dg, size_t len, size_t mtu, size_t off, uint8_t *out,
                        size_t *next)
{
    if (mtu < 28 || len < 20)
        return 0;
    size_t total = len - 20, room = (mtu - 20) & ~(size_t)7;
    size_t n = total - off > room ? room : total - off;
    bool last = off + n == total;
    memcpy(out, dg, 20);
    put16(out + 2, (uint16_t)(20 + n));
    put16(out + 6, (uint16_t)((last ? 0 : 0x2000) | (off / 8)));
    put16(out + 10, 0);
    put16(out + 10, (uint16_t)~inet_fold(inet_sum(out, 20, 0)));
    memcpy(out + 20, dg + 20 + off, n);
    *next = off + n;
    return 20 + n;
}
