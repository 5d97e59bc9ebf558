/* libFuzzer harness for mcast/pim_codec.c.  Each input is a PIM message
 * (no IP header).  The first byte of the input also picks whether the
 * checksum is fixed up before parsing (odd: yes), so the fuzzer reaches the
 * body decoders without having to find checksums.  Invariants: decoders
 * stay within their bounds (counts, source indices); a Hello, Join/Prune or
 * Assert that decodes re-encodes into a message that passes the header
 * check and decodes to the same values. */
#include <string.h>

#include "mcast/pim_codec.h"
#include "tests/fuzz/fuzz_common.h"

static uint8_t msg[65536], out[65536];

static void hello(size_t len)
{
    struct pim_hello h, h2;
    if (pim_decode_hello(msg, len, &h) != PIM_DECODE_OK)
        return;
    CHECK(h.naddrs <= PIM_HELLO_MAX_ADDRS);
    size_t n = pim_encode_hello(out, sizeof(out), &h);
    CHECK(n > 0);
    uint8_t type;
    CHECK(pim_decode_header(out, n, &type) == PIM_DECODE_OK && type == PIM_HELLO);
    CHECK(pim_decode_hello(out, n, &h2) == PIM_DECODE_OK);
    /* The encoder always writes holdtime, DR priority and genid. */
    CHECK(h2.holdtime == h.holdtime && h2.dr_priority == h.dr_priority && h2.genid == h.genid);
    CHECK(h2.has_lan_prune_delay == h.has_lan_prune_delay);
    if (h.has_lan_prune_delay)
        CHECK(h2.t_bit == h.t_bit && h2.propagation_delay == h.propagation_delay &&
              h2.override_interval == h.override_interval);
}

static void jp(size_t len)
{
    static struct pim_jp j, j2;
    enum pim_decode_status st = pim_decode_jp(msg, len, &j);
    CHECK(j.ngroups <= PIM_JP_MAX_GROUPS && j.nsources <= PIM_JP_MAX_SOURCES);
    if (st != PIM_DECODE_OK)
        return;
    for (unsigned g = 0; g < j.ngroups; g++)
        CHECK(j.groups[g].first + j.groups[g].njoin + j.groups[g].nprune <= j.nsources);
    size_t n = pim_encode_jp(out, sizeof(out), &j);
    CHECK(n > 0 && n <= len);
    uint8_t type;
    CHECK(pim_decode_header(out, n, &type) == PIM_DECODE_OK && type == PIM_JOIN_PRUNE);
    CHECK(pim_decode_jp(out, n, &j2) == PIM_DECODE_OK);
    CHECK(j2.upstream.s_addr == j.upstream.s_addr && j2.holdtime == j.holdtime);
    CHECK(j2.ngroups == j.ngroups && j2.nsources == j.nsources);
    for (unsigned g = 0; g < j.ngroups; g++) {
        const struct pim_jp_group *a = &j.groups[g], *b = &j2.groups[g];
        CHECK(a->group.s_addr == b->group.s_addr && a->masklen == b->masklen &&
              a->flags == b->flags && a->njoin == b->njoin && a->nprune == b->nprune &&
              a->first == b->first);
    }
    for (unsigned s = 0; s < j.nsources; s++)
        CHECK(j.sources[s].addr.s_addr == j2.sources[s].addr.s_addr &&
              j.sources[s].masklen == j2.sources[s].masklen &&
              j.sources[s].flags == j2.sources[s].flags);
}

static void assert_msg(size_t len)
{
    struct pim_assert a, a2;
    if (pim_decode_assert(msg, len, &a) != PIM_DECODE_OK)
        return;
    CHECK(a.group_masklen <= 32 && (a.preference & PIM_ASSERT_R) == 0);
    size_t n = pim_encode_assert(out, sizeof(out), &a);
    CHECK(n > 0 && n <= len);
    uint8_t type;
    CHECK(pim_decode_header(out, n, &type) == PIM_DECODE_OK && type == PIM_ASSERT);
    CHECK(pim_decode_assert(out, n, &a2) == PIM_DECODE_OK);
    CHECK(a2.group.s_addr == a.group.s_addr && a2.group_masklen == a.group_masklen &&
          a2.source.s_addr == a.source.s_addr && a2.rpt == a.rpt &&
          a2.preference == a.preference && a2.metric == a.metric);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size - 1 > sizeof(msg))
        return 0;
    bool fix = data[0] & 1;
    size_t len = size - 1;
    /* A private copy: the decoders must not need more than len bytes, and
     * ASan sees any read past them because the harness copies into a
     * buffer of exactly len bytes. */
    uint8_t *m = malloc(len ? len : 1);
    memcpy(m, data + 1, len);
    if (fix && len >= PIM_HEADER_LEN) {
        m[2] = m[3] = 0;
        uint8_t t = m[0] & 0x0f;
        size_t covered = t == PIM_REGISTER && len >= 8 ? 8 : len;
        uint16_t c = pim_checksum(m, covered);
        m[2] = (uint8_t)(c >> 8);
        m[3] = (uint8_t)c;
    }
    uint8_t type = 0xff;
    enum pim_decode_status st = pim_decode_header(m, len, &type);
    if (st == PIM_DECODE_OK) {
        CHECK(len >= PIM_HEADER_LEN && type <= 0x0f);
        /* The body decoders read the message from m (exact size) first;
         * the round trip works on the static copy. */
        struct pim_hello h;
        static struct pim_jp j;
        struct pim_assert a;
        switch (type) {
        case PIM_HELLO:
            (void)pim_decode_hello(m, len, &h);
            break;
        case PIM_JOIN_PRUNE:
            (void)pim_decode_jp(m, len, &j);
            break;
        case PIM_ASSERT:
            (void)pim_decode_assert(m, len, &a);
            break;
        }
        memcpy(msg, m, len);
        if (type == PIM_HELLO)
            hello(len);
        else if (type == PIM_JOIN_PRUNE)
            jp(len);
        else if (type == PIM_ASSERT)
            assert_msg(len);
    }
    free(m);
    return 0;
}
