/* libFuzzer harness for mcast/sa_codec.c (the Source-Active TLV body).
 * Each input is a TLV body.  Invariants: a decoded entry count never exceeds
 * SA_MAX_ENTRIES; every accepted body re-encodes (header flags and entries
 * as decoded, unknown-AE entries and trailing bytes dropped) into a body
 * that decodes to the same values; a re-encoded body is never longer than
 * the original. */
#include <string.h>

#include "babel/util.h"
#include "mcast/sa_codec.h"
#include "tests/fuzz/fuzz_common.h"

static void same_entry(const struct sa_wire_entry *a, const struct sa_wire_entry *b)
{
    CHECK(memcmp(a->origin, b->origin, 8) == 0);
    CHECK(a->seqno == b->seqno && a->flags == b->flags && a->lifetime == b->lifetime);
    CHECK(memcmp(a->source, b->source, 16) == 0 && memcmp(a->group, b->group, 16) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sa_decoded d, d2;
    enum sa_decode_status st = sa_decode(data, size, &d);
    CHECK(d.n <= SA_MAX_ENTRIES);
    if (st != SA_DECODE_OK) {
        CHECK(st == SA_DECODE_VERSION || st == SA_DECODE_MALFORMED);
        return 0;
    }
    CHECK(size >= SA_HEADER_LEN && size <= SA_TLV_MAX);
    uint8_t buf[SA_TLV_MAX];
    size_t len = sa_encode_header_flags(buf, sizeof(buf), d.hflags);
    CHECK(len == SA_HEADER_LEN);
    /* A mixed pair (an IPv6 entry naming one IPv4-mapped address) cannot
     * be re-encoded; mcast/sa.c refuses it (valid_pair) before using it.
     * Every other entry goes round. */
    size_t kept[SA_MAX_ENTRIES], nk = 0;
    for (size_t i = 0; i < d.n; i++) {
        if (sa_entry_len(&d.e[i]) == 0) {
            CHECK(addr_is_v4(d.e[i].source) != addr_is_v4(d.e[i].group));
            continue;
        }
        CHECK(sa_encode_entry(buf, sizeof(buf), &len, &d.e[i]) == 0);
        kept[nk++] = i;
    }
    CHECK(len <= size);
    CHECK(sa_decode(buf, len, &d2) == SA_DECODE_OK);
    CHECK(d2.n == nk && d2.skipped == 0 && d2.hflags == d.hflags && d2.version == SA_VERSION);
    for (size_t i = 0; i < nk; i++)
        same_entry(&d.e[kept[i]], &d2.e[i]);
    return 0;
}
