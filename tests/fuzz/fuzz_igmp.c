/* libFuzzer harness for mcast/igmp_codec.c.  Each input is a whole IPv4
 * packet (the raw socket's view).  Invariants: everything an accepted
 * message points to (query sources, record sources) lies inside the
 * packet's IGMP part; record counts stay within IGMP_MAX_RECORDS; an
 * accepted query rebuilt with igmp_build_query (for its version) parses
 * back to the same version, group, sources and, for v3, S/QRV and codes
 * within the floating-point encoding's precision. */
#include <string.h>

#include "mcast/igmp_codec.h"
#include "tests/fuzz/fuzz_common.h"

static void inside(const uint8_t *buf, size_t len, const uint8_t *p, size_t n)
{
    CHECK(p >= buf && n <= len && (size_t)(p - buf) <= len - n);
}

static struct igmp_msg m, m2;

static void rebuild_query(void)
{
    struct in_addr srcs[64];
    unsigned ns = m.version == 3 ? m.nsources : 0;
    if (ns > 64)
        ns = 64;
    for (unsigned i = 0; i < ns; i++)
        memcpy(&srcs[i].s_addr, m.sources + 4 * i, 4);
    struct igmp_query_spec q = {.version = m.version, .max_resp_ds = m.max_resp_ds,
                                .group = m.group, .s_flag = m.s_flag, .qrv = m.qrv,
                                .qqi = m.qqi, .nsources = ns, .sources = srcs};
    uint8_t pkt[24 + 12 + 64 * 4] = {0x46, 0xc0, 0, 0, 0, 0, 0x40, 0, 1, 2, 0, 0,
                                     10, 0, 0, 1, 224, 0, 0, 1, 0x94, 4, 0, 0};
    size_t n = igmp_build_query(pkt + 24, sizeof(pkt) - 24, &q);
    CHECK(n > 0);
    pkt[2] = (uint8_t)((24 + n) >> 8);
    pkt[3] = (uint8_t)(24 + n);
    CHECK(igmp_parse(pkt, 24 + n, &m2) == IGMP_OK);
    CHECK(m2.type == IGMP_TYPE_QUERY && m2.router_alert && m2.group.s_addr == m.group.s_addr);
    if (m.version == 1) {
        CHECK(m2.version == 1);
        return;
    }
    /* A v2 query with Max Resp Time 0 reads back as v1: that is the
     * protocol (RFC 2236 4), not a codec fault. */
    if (m.version == 2) {
        CHECK(m2.version == 2 && m2.max_resp_ds == m.max_resp_ds);
        return;
    }
    CHECK(m2.version == 3 && m2.nsources == ns && m2.s_flag == m.s_flag && m2.qrv == m.qrv);
    CHECK(m2.max_resp_ds == m.max_resp_ds && m2.qqi == m.qqi); /* decoded codes re-encode exactly */
    CHECK(ns == 0 || memcmp(m2.sources, m.sources, 4 * ns) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int rc = igmp_parse(data, size, &m);
    CHECK(rc <= 0 && rc >= IGMP_ERR_UNKNOWN_TYPE);
    if (rc != IGMP_OK)
        return 0;
    size_t ihl = (size_t)(data[0] & 0x0f) * 4, tot = (size_t)(data[2] << 8 | data[3]);
    CHECK(ihl >= 20 && tot >= ihl + 8 && tot <= size);
    const uint8_t *igmp = data + ihl;
    size_t mlen = tot - ihl;
    CHECK(igmp_checksum(igmp, mlen) == 0);
    switch (m.type) {
    case IGMP_TYPE_QUERY:
        CHECK(m.version >= 1 && m.version <= 3);
        if (m.version == 3 && m.nsources)
            inside(igmp, mlen, m.sources, (size_t)m.nsources * 4);
        rebuild_query();
        break;
    case IGMP_TYPE_V1_REPORT:
    case IGMP_TYPE_V2_REPORT:
    case IGMP_TYPE_V2_LEAVE:
        CHECK((ntohl(m.group.s_addr) >> 28) == 0xe);
        break;
    case IGMP_TYPE_V3_REPORT:
        CHECK(m.nrecords <= IGMP_MAX_RECORDS);
        for (unsigned i = 0; i < m.nrecords; i++) {
            CHECK((ntohl(m.records[i].group.s_addr) >> 28) == 0xe);
            inside(igmp, mlen, m.records[i].sources, (size_t)m.records[i].nsources * 4);
        }
        break;
    default:
        CHECK(!"accepted an unknown type");
    }
    return 0;
}
