/* libFuzzer harness for the Babel MAC path (babel/mac.c, RFC 8967) without
 * sockets: what mac_receive does with a packet on an interface with keys
 * (pkt_reader_init, mac_verify with two fixed keys, mac_scan_body,
 * mac_freshness on one neighbour's state), for a sequence of packets.
 * Input: records [op][len][len bytes].  op bit 0: 0 the bytes are a whole
 * packet; 1 they are a body (after 3 bytes: position (2) and XOR mask) that
 * is given a header and a MAC TLV with key (op bit 1), optionally a
 * Challenge Reply carrying the outstanding nonce (op bit 3), then altered
 * at the position.  op bit 2: multicast.  Invariants:
 *   - a packet whose MAC verifies carries in its trailer a MAC TLV equal to
 *     the MAC the harness computes itself over header and body;
 *   - an altered sealed packet never verifies, an untouched one always;
 *   - the neighbour's state changes only on MAC_FRESH (or a challenge being
 *     started), and a known index's PC only goes up;
 *   - mac_scan_body's pointers lie inside the body. */
#include <string.h>

#include "babel/mac.h"
#include "babel/packet.h"
#include "babel/util.h"
#include "tests/fuzz/fuzz_common.h"

static struct key_conf k_hmac, k_blake;
static const struct key_conf *keys[2] = {&k_hmac, &k_blake};
static const uint8_t src[16] = {0xfe, 0x80, [15] = 1}, dst[16] = {0xff, 0x02, [13] = 1, [15] = 6};
#define PORT 6696

static void setup(void)
{
    strcpy(k_hmac.id, "h");
    k_hmac.type = KEY_HMAC_SHA256;
    k_hmac.len = 32;
    strcpy(k_blake.id, "b");
    k_blake.type = KEY_BLAKE2S128;
    k_blake.len = 16;
    for (int i = 0; i < 32; i++)
        k_hmac.value[i] = (uint8_t)(0x10 + i);
    for (int i = 0; i < 16; i++)
        k_blake.value[i] = (uint8_t)(0x80 + i);
}

static void inside(const uint8_t *body, size_t len, const uint8_t *p, size_t n)
{
    CHECK(p >= body && n <= len && (size_t)(p - body) <= len - n);
}

static struct mac_neigh st;

/* The receive path on one packet; true when it would be processed. */
static bool receive(const uint8_t *pkt, size_t len, bool multicast)
{
    struct pkt_reader r;
    if (pkt_reader_init(&r, pkt, len, src) < 0)
        return false;
    CHECK(r.body == pkt + BABEL_HEADER_LEN && BABEL_HEADER_LEN + r.body_len <= len);
    CHECK(r.trailer == r.body + r.body_len && r.body_len + r.trailer_len + BABEL_HEADER_LEN == len);
    int which = -1;
    enum mac_check c = mac_verify(keys, 2, src, PORT, dst, PORT, pkt, BABEL_HEADER_LEN + r.body_len,
                                  r.trailer, r.trailer_len, &which);
    CHECK(c == MAC_CHECK_OK || c == MAC_CHECK_NONE || c == MAC_CHECK_BAD);
    if (c != MAC_CHECK_OK)
        return false;
    CHECK(which == 0 || which == 1);
    uint8_t mac[MAC_MAX_LEN];
    int ml = mac_compute(keys[which], src, PORT, dst, PORT, pkt, BABEL_HEADER_LEN + r.body_len, mac);
    CHECK(ml == (int)mac_len(keys[which]->type));
    bool found = false;
    for (size_t i = 0; i + 1 < r.trailer_len && !found;) {
        if (r.trailer[i] == TLV_PAD1) {
            i++;
            continue;
        }
        size_t l = r.trailer[i + 1];
        if (i + 2 + l > r.trailer_len)
            break;
        found = r.trailer[i] == TLV_MAC && l == (size_t)ml && memcmp(r.trailer + i + 2, mac, l) == 0;
        i += 2 + l;
    }
    CHECK(found);

    struct mac_body b;
    if (mac_scan_body(r.body, r.body_len, &b) < 0)
        return false;
    if (b.have_pc)
        inside(r.body, r.body_len, b.index, b.index_len);
    CHECK(b.index_len <= MAC_INDEX_MAX);
    CHECK(b.nrequests <= MAC_MAX_CHALLENGES && b.nreplies <= MAC_MAX_CHALLENGES);
    for (int i = 0; i < b.nrequests; i++)
        inside(r.body, r.body_len, b.request[i], b.request_len[i]);
    for (int i = 0; i < b.nreplies; i++)
        inside(r.body, r.body_len, b.reply[i], b.reply_len[i]);

    struct mac_neigh before = st;
    bool want = false;
    now_ms += 100;
    enum mac_fresh f = mac_freshness(&st, &b, multicast, now_ms, &want);
    if (f != MAC_FRESH) {
        /* Only an expired nonce may be forgotten. */
        before.nonce_expiry = st.nonce_expiry;
        CHECK(memcmp(&before, &st, sizeof(st)) == 0);
    } else if (before.have_index && before.index_len == b.index_len &&
               memcmp(before.index, b.index, b.index_len) == 0) {
        bool had = multicast ? before.have_pc_mcast : before.have_pc_ucast;
        uint32_t last = multicast ? before.pc_mcast : before.pc_ucast;
        CHECK(!had || b.pc > last);
    } else {
        CHECK(before.nonce_expiry != 0); /* adopted only through a reply */
    }
    if (want) {
        uint8_t nonce[MAC_NONCE_LEN];
        mac_new_challenge(&st, now_ms, nonce);
    }
    return f == MAC_FRESH;
}

static uint8_t pkt[BABEL_HEADER_LEN + 255 + 2 + MAC_NONCE_LEN + 2 + MAC_MAX_LEN];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!k_hmac.type)
        setup();
    memset(&st, 0, sizeof(st));
    now_ms = 1000000;
    size_t off = 0;
    while (off + 2 <= size) {
        uint8_t op = data[off];
        size_t len = data[off + 1];
        off += 2;
        if (len > size - off)
            len = size - off;
        const uint8_t *rec = data + off;
        off += len;
        bool multicast = op & 4;
        if (!(op & 1)) {
            receive(rec, len, multicast);
            continue;
        }
        if (len < 3)
            continue;
        size_t pos = (size_t)(rec[0] << 8 | rec[1]);
        uint8_t mask = rec[2];
        size_t blen = len - 3;
        memcpy(pkt + BABEL_HEADER_LEN, rec + 3, blen);
        if ((op & 8) && st.nonce_expiry) {
            pkt[BABEL_HEADER_LEN + blen] = TLV_CHALLENGE_REPLY;
            pkt[BABEL_HEADER_LEN + blen + 1] = MAC_NONCE_LEN;
            memcpy(pkt + BABEL_HEADER_LEN + blen + 2, st.nonce, MAC_NONCE_LEN);
            blen += 2 + MAC_NONCE_LEN;
        }
        pkt[0] = BABEL_MAGIC;
        pkt[1] = BABEL_VERSION;
        pkt[2] = (uint8_t)(blen >> 8);
        pkt[3] = (uint8_t)blen;
        const struct key_conf *k = keys[(op >> 1) & 1];
        uint8_t *t = pkt + BABEL_HEADER_LEN + blen;
        int ml = mac_compute(k, src, PORT, dst, PORT, pkt, BABEL_HEADER_LEN + blen, t + 2);
        CHECK(ml == (int)mac_len(k->type));
        t[0] = TLV_MAC;
        t[1] = (uint8_t)ml;
        size_t n = BABEL_HEADER_LEN + blen + 2 + (size_t)ml;
        pkt[pos % n] ^= mask;
        struct pkt_reader r;
        int which;
        bool ok = pkt_reader_init(&r, pkt, n, src) == 0 &&
                  mac_verify(keys, 2, src, PORT, dst, PORT, pkt, BABEL_HEADER_LEN + r.body_len,
                             r.trailer, r.trailer_len, &which) == MAC_CHECK_OK;
        CHECK(ok == (mask == 0));
        receive(pkt, n, multicast);
    }
    return 0;
}
