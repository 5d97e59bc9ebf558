/* Unit tests of RFC 8967 MAC authentication: the MAC primitives against
 * golden values computed independently (openssl mac on a hand-built
 * pseudo-header, and packets captured from Debian's babeld 1.12.1), the
 * trailer and body scanners, and the replay / challenge state machine. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "babel/interface.h"
#include "babel/mac.h"
#include "babel/node.h"
#include "babel/packet.h"

static struct key_conf mkkey(enum key_type type, const char *hex)
{
    struct key_conf k;
    memset(&k, 0, sizeof(k));
    strcpy(k.id, "k");
    k.type = type;
    unit_unhex(hex, k.value, &k.len);
    return k;
}

static void ck_mac(const uint8_t *got, int gotlen, const char *want)
{
    uint8_t w[64];
    size_t wl;
    unit_unhex(want, w, &wl);
    ck_assert_int_eq(gotlen, (int)wl);
    ck_assert_msg(memcmp(got, w, wl) == 0, "MAC differs from %s", want);
}

/* The hand-built packet: a Hello (seqno 0x1234, interval 4 s) and a PC TLV
 * (PC 5, index 0102030405060708), from fe80::211:22ff:fe33:4455 to
 * ff02::1:6, both ports 6696.  Golden MACs: openssl mac over the 36-byte
 * pseudo-header followed by these 26 bytes. */
static const char *hand_pkt = "2a0200160406000012340190110c000000050102030405060708";
static uint8_t hsrc[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55};
static uint8_t mcast[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 6};

struct golden {
    enum key_type type;
    const char *key, *mac;
};

static const struct golden goldens[] = {
    {KEY_HMAC_SHA256, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     "35e9992e71355c06826c37d79f944ff28208c3c5f5b9ffeb72bb53958b958ac7"},
    /* A full 64-byte block, and a one-byte key. */
    {KEY_HMAC_SHA256,
     "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
     "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
     "fe537757f6d03d068c81cea305929c41b852d288fc48678d851e6384f9279705"},
    {KEY_HMAC_SHA256, "01", "c5f429ac16ae45fa31c782dc88b3ec77c18e07f72bd792f61ebd4bdae9fcc11b"},
    {KEY_BLAKE2S128, "000102030405060708090a0b0c0d0e0f", "29d08da7cddabe129804e8bb7b4f51ec"},
    /* A short key is used as it is, not zero-padded. */
    {KEY_BLAKE2S128, "0102030405", "5c710933ebddf29eb61c77b7221e18de"},
    {KEY_BLAKE2S128, "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5",
     "82e2fc74628f81e4120b7ebd5c2e579b"},
};

START_TEST(test_golden_macs)
{
    uint8_t pkt[64];
    size_t len;
    unit_unhex(hand_pkt, pkt, &len);
    for (size_t i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
        struct key_conf k = mkkey(goldens[i].type, goldens[i].key);
        uint8_t out[MAC_MAX_LEN];
        int n = mac_compute(&k, hsrc, 6696, mcast, 6696, pkt, len, out);
        ck_mac(out, n, goldens[i].mac);
    }
}
END_TEST

START_TEST(test_mac_len)
{
    ck_assert_uint_eq(mac_len(KEY_HMAC_SHA256), 32);
    ck_assert_uint_eq(mac_len(KEY_BLAKE2S128), 16);
}
END_TEST

START_TEST(test_pseudo_header_covers_addresses_and_ports)
{
    uint8_t pkt[64], a[MAC_MAX_LEN], b[MAC_MAX_LEN];
    size_t len;
    unit_unhex(hand_pkt, pkt, &len);
    struct key_conf k = mkkey(KEY_HMAC_SHA256, "0102");
    ck_assert_int_eq(mac_compute(&k, hsrc, 6696, mcast, 6696, pkt, len, a), 32);
    uint8_t other[16];
    memcpy(other, hsrc, 16);
    other[15] ^= 1;
    ck_assert_int_eq(mac_compute(&k, other, 6696, mcast, 6696, pkt, len, b), 32);
    ck_assert(memcmp(a, b, 32) != 0);
    ck_assert_int_eq(mac_compute(&k, hsrc, 6696, other, 6696, pkt, len, b), 32);
    ck_assert(memcmp(a, b, 32) != 0);
    ck_assert_int_eq(mac_compute(&k, hsrc, 6697, mcast, 6696, pkt, len, b), 32);
    ck_assert(memcmp(a, b, 32) != 0);
    ck_assert_int_eq(mac_compute(&k, hsrc, 6696, mcast, 6697, pkt, len, b), 32);
    ck_assert(memcmp(a, b, 32) != 0);
}
END_TEST

START_TEST(test_bad_keys_refused)
{
    uint8_t pkt[4] = {42, 2, 0, 0}, out[MAC_MAX_LEN];
    struct key_conf k = mkkey(KEY_BLAKE2S128, "01");
    k.len = 0;
    ck_assert_int_eq(mac_compute(&k, hsrc, 6696, mcast, 6696, pkt, 4, out), -1);
    k.len = 33; /* BLAKE2s keys are at most 32 bytes */
    ck_assert_int_eq(mac_compute(&k, hsrc, 6696, mcast, 6696, pkt, 4, out), -1);
}
END_TEST

/* Packets sent by Debian's babeld 1.12.1 from fe80::2454:51ff:fe50:646e to
 * ff02::1:6, as captured with tcpdump: a Hello, a wildcard Route Request and
 * a PC TLV (PC 0, 8-byte index) in the body, one MAC TLV in the trailer. */
static uint8_t ssrc[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x24, 0x54, 0x51, 0xff, 0xfe, 0x50, 0x64, 0x6e};
static const char *stock_sha =
    "2a02001a04060000742d006409020000110c0000000053ddf5faedef5a70"
    "1020e67f871611d4dbb1270f9f8268fe6686e189f3c6d8fce0adedb8a29e7849b7d8";
static const char *stock_b2s = "2a02001a040600004618006409020000110c00000000bbb793a1d8a9b5ca"
                               "1010d2896020aa17401290353e4af8d6f68e";

static enum mac_check verify_hex(const char *hex, const struct key_conf *const *keys, int n,
                                 int *which)
{
    uint8_t pkt[256];
    size_t len;
    unit_unhex(hex, pkt, &len);
    struct pkt_reader r;
    ck_assert_int_eq(pkt_reader_init(&r, pkt, len, ssrc), 0);
    return mac_verify(keys, n, ssrc, 6696, mcast, 6696, pkt, BABEL_HEADER_LEN + r.body_len,
                      r.trailer, r.trailer_len, which);
}

START_TEST(test_verify_stock_packets)
{
    struct key_conf sha =
        mkkey(KEY_HMAC_SHA256, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    struct key_conf b2s = mkkey(KEY_BLAKE2S128, "0102030405");
    struct key_conf wrong = mkkey(KEY_HMAC_SHA256, "0102030405");
    const struct key_conf *k1[] = {&sha};
    const struct key_conf *k2[] = {&wrong, &b2s};
    const struct key_conf *k3[] = {&wrong};
    int which = -1;
    ck_assert_int_eq(verify_hex(stock_sha, k1, 1, &which), MAC_CHECK_OK);
    ck_assert_int_eq(which, 0);
    ck_assert_int_eq(verify_hex(stock_b2s, k2, 2, &which), MAC_CHECK_OK);
    ck_assert_int_eq(which, 1);
    ck_assert_int_eq(verify_hex(stock_sha, k3, 1, &which), MAC_CHECK_BAD);
    ck_assert_int_eq(verify_hex(stock_b2s, k1, 1, &which), MAC_CHECK_BAD);
    /* The body without its trailer: no MAC at all. */
    ck_assert_int_eq(verify_hex("2a02001a04060000742d006409020000110c0000000053ddf5faedef5a70", k1,
                                1, &which),
                     MAC_CHECK_NONE);
    /* One flipped bit in the body. */
    ck_assert_int_eq(verify_hex("2a02001a04060000742d006409020000110c0000000053ddf5faedef5a71"
                                "1020e67f871611d4dbb1270f9f8268fe6686e189f3c6d8fce0adedb8a29e7849b7d8",
                                k1, 1, &which),
                     MAC_CHECK_BAD);
    /* Padding and an unknown TLV before the MAC do not matter; a truncated
     * TLV after a good one does not either. */
    ck_assert_int_eq(verify_hex("2a02001a04060000742d006409020000110c0000000053ddf5faedef5a70"
                                "00010100630101"
                                "1020e67f871611d4dbb1270f9f8268fe6686e189f3c6d8fce0adedb8a29e7849b7d8"
                                "10",
                                k1, 1, &which),
                     MAC_CHECK_OK);
}
END_TEST

START_TEST(test_scan_body)
{
    uint8_t body[128];
    size_t len;
    /* Pad1, CREQ(aabb), PC(7, 0102), CREP(ccdd), a second PC ignored. */
    unit_unhex("00"
               "1202aabb"
               "1106000000070102"
               "1302ccdd"
               "1106000000090303",
               body, &len);
    struct mac_body b;
    ck_assert_int_eq(mac_scan_body(body, len, &b), 0);
    ck_assert(b.have_pc);
    ck_assert_uint_eq(b.pc, 7);
    ck_assert_uint_eq(b.index_len, 2);
    ck_assert_int_eq(b.index[0], 1);
    ck_assert_int_eq(b.nrequests, 1);
    ck_assert_int_eq(b.request_len[0], 2);
    ck_assert_int_eq(b.request[0][0], 0xaa);
    ck_assert_int_eq(b.nreplies, 1);
    ck_assert_int_eq(b.reply[0][1], 0xdd);
    /* A PC TLV too short for its counter. */
    unit_unhex("1103000000", body, &len);
    ck_assert_int_eq(mac_scan_body(body, len, &b), -1);
    /* No PC; a TLV overrunning the body ends the walk. */
    unit_unhex("0406000012340190"
               "1202aabb"
               "1105",
               body, &len);
    ck_assert_int_eq(mac_scan_body(body, len, &b), 0);
    ck_assert(!b.have_pc);
    ck_assert_int_eq(b.nrequests, 1);
}
END_TEST

static struct mac_body body_of(uint32_t pc, const uint8_t *index, uint8_t ilen)
{
    struct mac_body b;
    memset(&b, 0, sizeof(b));
    b.have_pc = true;
    b.pc = pc;
    b.index = index;
    b.index_len = ilen;
    return b;
}

static const uint8_t idx1[8] = {1, 1, 1, 1, 1, 1, 1, 1};
static const uint8_t idx2[8] = {2, 2, 2, 2, 2, 2, 2, 2};

/* Runs the challenge to completion for idx at PC pc. */
static void adopt(struct mac_neigh *st, const uint8_t *idx, uint32_t pc, uint64_t now)
{
    bool want;
    struct mac_body b = body_of(pc, idx, 8);
    ck_assert_int_eq(mac_freshness(st, &b, true, now, &want), MAC_UNKNOWN_INDEX);
    uint8_t nonce[MAC_NONCE_LEN];
    if (want)
        mac_new_challenge(st, now, nonce);
    else
        memcpy(nonce, st->nonce, MAC_NONCE_LEN);
    b = body_of(pc + 1, idx, 8);
    b.nreplies = 1;
    b.reply[0] = nonce;
    b.reply_len[0] = MAC_NONCE_LEN;
    ck_assert_int_eq(mac_freshness(st, &b, false, now + 10, &want), MAC_FRESH);
    ck_assert(!want);
}

START_TEST(test_unknown_index_challenged_then_adopted)
{
    struct mac_neigh st;
    memset(&st, 0, sizeof(st));
    bool want;
    struct mac_body b = body_of(0, idx1, 8);
    ck_assert_int_eq(mac_freshness(&st, &b, true, 1000, &want), MAC_UNKNOWN_INDEX);
    ck_assert(want);
    uint8_t nonce[MAC_NONCE_LEN];
    mac_new_challenge(&st, 1000, nonce);
    /* More packets before the reply: still unknown, and no new request
     * within the rate limit. */
    b = body_of(1, idx1, 8);
    ck_assert_int_eq(mac_freshness(&st, &b, true, 1100, &want), MAC_UNKNOWN_INDEX);
    ck_assert(!want);
    /* A reply with a wrong nonce does nothing. */
    uint8_t wrong[MAC_NONCE_LEN];
    memcpy(wrong, nonce, sizeof(wrong));
    wrong[0] ^= 0xff;
    b = body_of(2, idx1, 8);
    b.nreplies = 1;
    b.reply[0] = wrong;
    b.reply_len[0] = MAC_NONCE_LEN;
    ck_assert_int_eq(mac_freshness(&st, &b, false, 1200, &want), MAC_UNKNOWN_INDEX);
    /* Past the rate limit, a request again, with the same nonce. */
    b = body_of(3, idx1, 8);
    ck_assert_int_eq(mac_freshness(&st, &b, true, 1400, &want), MAC_UNKNOWN_INDEX);
    ck_assert(want);
    uint8_t again[MAC_NONCE_LEN];
    mac_new_challenge(&st, 1400, again);
    ck_assert(memcmp(again, nonce, MAC_NONCE_LEN) == 0);
    /* The right reply: index and PC adopted. */
    b = body_of(4, idx1, 8);
    b.nreplies = 1;
    b.reply[0] = nonce;
    b.reply_len[0] = MAC_NONCE_LEN;
    ck_assert_int_eq(mac_freshness(&st, &b, false, 1500, &want), MAC_FRESH);
    ck_assert(st.have_index);
    ck_assert_uint_eq(st.pc_ucast, 4);
    ck_assert_uint_eq(st.pc_mcast, 4);
    ck_assert_uint_eq(st.nonce_expiry, 0);
    /* The same reply packet again is a replay. */
    ck_assert_int_eq(mac_freshness(&st, &b, false, 1600, &want), MAC_REPLAYED);
}
END_TEST

START_TEST(test_replay_and_order)
{
    struct mac_neigh st;
    memset(&st, 0, sizeof(st));
    adopt(&st, idx1, 10, 1000);
    bool want;
    struct mac_body b = body_of(12, idx1, 8);
    ck_assert_int_eq(mac_freshness(&st, &b, true, 2000, &want), MAC_FRESH);
    ck_assert_int_eq(mac_freshness(&st, &b, true, 2001, &want), MAC_REPLAYED);
    b.pc = 11;
    ck_assert_int_eq(mac_freshness(&st, &b, true, 2002, &want), MAC_REPLAYED);
    ck_assert(!want);
    /* One counter is shared by unicast and multicast packets: a unicast
     * packet that left before the last multicast one is still taken, once. */
    b = body_of(12, idx1, 8);
    ck_assert_int_eq(mac_freshness(&st, &b, false, 2003, &want), MAC_FRESH);
    ck_assert_int_eq(mac_freshness(&st, &b, false, 2004, &want), MAC_REPLAYED);
    b.pc = 13;
    ck_assert_int_eq(mac_freshness(&st, &b, true, 2005, &want), MAC_FRESH);
    /* A PC near the top of the range. */
    b.pc = 0xFFFFFFFFu;
    ck_assert_int_eq(mac_freshness(&st, &b, true, 2006, &want), MAC_FRESH);
    ck_assert_int_eq(mac_freshness(&st, &b, true, 2007, &want), MAC_REPLAYED);
    /* No PC at all. */
    b.have_pc = false;
    ck_assert_int_eq(mac_freshness(&st, &b, true, 2008, &want), MAC_NO_PC);
}
END_TEST

START_TEST(test_restart_with_lower_pc)
{
    /* The neighbour restarted: new index, PC back to 0.  Its packets are
     * dropped until it answers our challenge, then taken again. */
    struct mac_neigh st;
    memset(&st, 0, sizeof(st));
    adopt(&st, idx1, 5000, 1000);
    bool want;
    struct mac_body b = body_of(0, idx2, 8);
    ck_assert_int_eq(mac_freshness(&st, &b, true, 3000, &want), MAC_UNKNOWN_INDEX);
    ck_assert(want);
    adopt(&st, idx2, 1, 3400);
    b = body_of(3, idx2, 8);
    ck_assert_int_eq(mac_freshness(&st, &b, true, 3500, &want), MAC_FRESH);
    /* The old index is not known any more: its packets are challenged. */
    b = body_of(6000, idx1, 8);
    ck_assert_int_eq(mac_freshness(&st, &b, true, 3600, &want), MAC_UNKNOWN_INDEX);
    /* An index of another length is another index. */
    b = body_of(10, idx2, 4);
    ck_assert_int_eq(mac_freshness(&st, &b, true, 3700, &want), MAC_UNKNOWN_INDEX);
}
END_TEST

START_TEST(test_challenge_expires)
{
    struct mac_neigh st;
    memset(&st, 0, sizeof(st));
    bool want;
    struct mac_body b = body_of(0, idx1, 8);
    ck_assert_int_eq(mac_freshness(&st, &b, true, 1000, &want), MAC_UNKNOWN_INDEX);
    uint8_t nonce[MAC_NONCE_LEN];
    mac_new_challenge(&st, 1000, nonce);
    /* The reply comes too late. */
    b = body_of(1, idx1, 8);
    b.nreplies = 1;
    b.reply[0] = nonce;
    b.reply_len[0] = MAC_NONCE_LEN;
    ck_assert_int_eq(mac_freshness(&st, &b, false, 1000 + MAC_CHALLENGE_MS, &want),
                     MAC_UNKNOWN_INDEX);
    ck_assert(want);
    /* The next challenge has a new nonce. */
    uint8_t next[MAC_NONCE_LEN];
    mac_new_challenge(&st, 1000 + MAC_CHALLENGE_MS, next);
    ck_assert(memcmp(next, nonce, MAC_NONCE_LEN) != 0);
}
END_TEST

START_TEST(test_reply_rate_limit)
{
    struct mac_neigh st;
    memset(&st, 0, sizeof(st));
    ck_assert(mac_may_reply(&st, 1000));
    ck_assert(!mac_may_reply(&st, 1000 + MAC_CHALLENGE_GAP_MS - 1));
    ck_assert(mac_may_reply(&st, 1000 + MAC_CHALLENGE_GAP_MS));
}
END_TEST

START_TEST(test_trailer_after_body)
{
    /* pkt_put_trailer appends after the body without changing its length. */
    uint8_t buf[64];
    struct pkt_writer w;
    pkt_writer_init(&w, buf, sizeof(buf));
    ck_assert_int_eq(pkt_put_pad(&w, 2), 0);
    size_t len = pkt_writer_finish(&w);
    ck_assert_uint_eq(len, 6);
    uint8_t mac[3] = {7, 8, 9};
    ck_assert_int_eq(pkt_put_trailer(&w, TLV_MAC, mac, 3), 0);
    ck_assert_uint_eq(w.len, 11);
    const uint8_t want[11] = {42, 2, 0, 2, 1, 0, 16, 3, 7, 8, 9};
    ck_assert(memcmp(buf, want, sizeof(want)) == 0);
    struct pkt_reader r;
    ck_assert_int_eq(pkt_reader_init(&r, buf, w.len, hsrc), 0);
    ck_assert_uint_eq(r.trailer_len, 5);
}
END_TEST

/* ---- The daemon's side, on a fake interface (no socket: sends fail) ---- */

static struct interface *fake_if(const char *name, unsigned ifindex, const char *conf)
{
    char err[256];
    static bool init;
    if (!init) {
        config_init(&node.cfg);
        node.protocol_port = 6696;
        init = true;
    }
    ck_assert_msg(config_parse_line(&node.cfg, conf, "test", 1, NULL, err, sizeof(err)) == 0, "%s",
                  err);
    struct interface *ifp = calloc(1, sizeof(*ifp));
    strcpy(ifp->name, name);
    ifp->ifindex = ifindex;
    ifp->have_ll = true;
    ck_assert_int_eq(addr_parse("fe80::1", ifp->ll), 0);
    ifp->buf.cap = 1400;
    ifp->next = interfaces;
    interfaces = ifp;
    clock_refresh();
    return ifp;
}

static char dumped[4096];
static void collect(const char *line, void *out)
{
    (void)out;
    strncat(dumped, line, sizeof(dumped) - strlen(dumped) - 1);
}

static const char *record(void)
{
    dumped[0] = '\0';
    mac_dump(collect, NULL);
    return dumped;
}

/* Seals a packet holding one Hello; returns its length. */
static size_t seal_hello(struct interface *ifp, uint8_t *buf, size_t room)
{
    struct pkt_writer w;
    pkt_writer_init(&w, buf, room - mac_overhead(ifp->ifindex));
    struct tlv_hello h = {.seqno = 7, .interval = 400};
    ck_assert_int_eq(pkt_put_hello(&w, &h), 0);
    return mac_seal(&w, room, ifp->ifindex, mcast);
}

START_TEST(test_seal_and_rollover)
{
    struct interface *ifp = fake_if("eth9", 42, "key id s1 type hmac-sha256 value 0a0b0c0d");
    strcpy(ifp->p.key_id, "s1");
    ck_assert(mac_signing(42));
    ck_assert_uint_eq(mac_overhead(42), MAC_OVERHEAD);
    ck_assert(!mac_signing(43));
    ck_assert_uint_eq(mac_overhead(43), 0);

    uint8_t buf[SENDBUF_MAX + SENDBUF_TRAILER_ROOM];
    uint32_t last_pc = 0;
    uint8_t index[MAC_INDEX_LEN];
    for (int i = 0; i < 3; i++) {
        size_t len = seal_hello(ifp, buf, sizeof(buf));
        ck_assert_uint_gt(len, 0);
        struct pkt_reader r;
        ck_assert_int_eq(pkt_reader_init(&r, buf, len, ifp->ll), 0);
        /* Hello (8) then PC (2 + 4 + 8) in the body; one HMAC in the trailer. */
        ck_assert_uint_eq(r.body_len, 8 + 14);
        ck_assert_int_eq(r.body[8], TLV_PC);
        ck_assert_int_eq(r.body[9], 12);
        struct mac_body b;
        ck_assert_int_eq(mac_scan_body(r.body, r.body_len, &b), 0);
        ck_assert(b.have_pc);
        ck_assert_uint_eq(b.index_len, MAC_INDEX_LEN);
        if (i == 0) {
            ck_assert_uint_eq(b.pc, 0); /* as babeld: the counter starts at 0 */
            memcpy(index, b.index, MAC_INDEX_LEN);
        } else {
            ck_assert_uint_eq(b.pc, last_pc + 1);
            ck_assert(memcmp(index, b.index, MAC_INDEX_LEN) == 0);
        }
        last_pc = b.pc;
        ck_assert_uint_eq(r.trailer_len, 34);
        struct key_conf k = mkkey(KEY_HMAC_SHA256, "0a0b0c0d");
        const struct key_conf *keys[] = {&k};
        ck_assert_int_eq(mac_verify(keys, 1, ifp->ll, 6696, mcast, 6696, buf,
                                    BABEL_HEADER_LEN + r.body_len, r.trailer, r.trailer_len, NULL),
                         MAC_CHECK_OK);
    }

    /* A new key at run time: both MACs for a while, the new one first. */
    char err[256];
    ck_assert_int_eq(config_parse_line(&node.cfg, "key id s2 type blake2s128 value 0102", "test",
                                       2, NULL, err, sizeof(err)),
                     0);
    strcpy(ifp->p.key_id, "s2");
    size_t len = seal_hello(ifp, buf, sizeof(buf));
    struct pkt_reader r;
    ck_assert_int_eq(pkt_reader_init(&r, buf, len, ifp->ll), 0);
    ck_assert_uint_eq(r.trailer_len, 18 + 34);
    ck_assert_int_eq(r.trailer[0], TLV_MAC);
    ck_assert_int_eq(r.trailer[1], 16);
    struct key_conf k1 = mkkey(KEY_HMAC_SHA256, "0a0b0c0d"), k2 = mkkey(KEY_BLAKE2S128, "0102");
    const struct key_conf *old[] = {&k1}, *new[] = {&k2};
    ck_assert_int_eq(mac_verify(old, 1, ifp->ll, 6696, mcast, 6696, buf,
                                BABEL_HEADER_LEN + r.body_len, r.trailer, r.trailer_len, NULL),
                     MAC_CHECK_OK);
    ck_assert_int_eq(mac_verify(new, 1, ifp->ll, 6696, mcast, 6696, buf,
                                BABEL_HEADER_LEN + r.body_len, r.trailer, r.trailer_len, NULL),
                     MAC_CHECK_OK);
    ck_assert_ptr_nonnull(strstr(record(), "add mac-stats if eth9 keys 2 sent 4 "));

    /* No link-local address: nothing can be signed, nothing is sent. */
    ifp->have_ll = false;
    ck_assert_uint_eq(seal_hello(ifp, buf, sizeof(buf)), 0);
    ifp->have_ll = true;
}
END_TEST

/* Builds a signed packet from src to us, as a neighbour would. */
static size_t neighbour_packet(uint8_t *buf, const struct key_conf *k, const uint8_t src[16],
                               const uint8_t *index, uint32_t pc, bool with_pc)
{
    struct pkt_writer w;
    pkt_writer_init(&w, buf, 512);
    struct tlv_hello h = {.seqno = 1, .interval = 400};
    ck_assert_int_eq(pkt_put_hello(&w, &h), 0);
    if (with_pc) {
        uint8_t pcb[12] = {(uint8_t)(pc >> 24), (uint8_t)(pc >> 16), (uint8_t)(pc >> 8), (uint8_t)pc};
        memcpy(pcb + 4, index, 8);
        ck_assert_int_eq(pkt_put_raw(&w, TLV_PC, pcb, sizeof(pcb)), 0);
    }
    size_t len = pkt_writer_finish(&w);
    uint8_t mac[MAC_MAX_LEN];
    int n = mac_compute(k, src, 6696, mcast, 6696, buf, len, mac);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(pkt_put_trailer(&w, TLV_MAC, mac, (size_t)n), 0);
    return w.len;
}

static bool receive(struct interface *ifp, const uint8_t src[16], const uint8_t *pkt, size_t len)
{
    struct pkt_reader r;
    ck_assert_int_eq(pkt_reader_init(&r, pkt, len, src), 0);
    return mac_receive(ifp, src, mcast, pkt, len, &r);
}

START_TEST(test_receive_drops_and_counts)
{
    struct interface *ifp = fake_if("eth8", 52, "key id r1 type hmac-sha256 value 1122");
    strcpy(ifp->p.key_id, "r1");
    struct key_conf good = mkkey(KEY_HMAC_SHA256, "1122"), bad = mkkey(KEY_HMAC_SHA256, "3344");
    uint8_t src[16], buf[600];
    ck_assert_int_eq(addr_parse("fe80::99", src), 0);

    /* A wrong key, then no MAC at all: dropped. */
    size_t len = neighbour_packet(buf, &bad, src, idx1, 1, true);
    ck_assert(!receive(ifp, src, buf, len));
    struct pkt_reader r;
    ck_assert_int_eq(pkt_reader_init(&r, buf, len, src), 0);
    ck_assert(!receive(ifp, src, buf, BABEL_HEADER_LEN + r.body_len));
    /* The right key, but an index never challenged: dropped, challenged. */
    len = neighbour_packet(buf, &good, src, idx1, 1, true);
    ck_assert(!receive(ifp, src, buf, len));
    /* The right key, no PC TLV. */
    len = neighbour_packet(buf, &good, src, idx1, 2, false);
    ck_assert(!receive(ifp, src, buf, len));
    /* sent 1: the Challenge Request, signed (its sending fails here). */
    const char *rec = record();
    ck_assert_msg(strstr(rec, "add mac-stats if eth8 keys 1 sent 1 received 4 accepted 0 "
                              "no-mac 1 bad-mac 1 accepted-bad 0 replayed 0 no-pc 1 "
                              "unknown-index 1 challenge-requests 1 ") != NULL,
                  "record: %s", rec);

    /* accept-bad-signatures: bad MACs go through, counted. */
    ifp->p.accept_bad_signatures = true;
    len = neighbour_packet(buf, &bad, src, idx1, 3, true);
    ck_assert(receive(ifp, src, buf, len));
    ck_assert_ptr_nonnull(strstr(record(), "bad-mac 2 accepted-bad 1 "));
    ifp->p.accept_bad_signatures = false;

    /* An interface without a key lets everything through, uncounted. */
    struct interface *plain = fake_if("eth7", 53, "");
    ck_assert(receive(plain, src, buf, len));
    ck_assert_ptr_null(strstr(record(), "if eth7 "));
}
END_TEST

static Suite *mac_suite(void)
{
    Suite *s = suite_create("mac");
    TCase *tc = tcase_create("primitives");
    tcase_add_test(tc, test_golden_macs);
    tcase_add_test(tc, test_mac_len);
    tcase_add_test(tc, test_pseudo_header_covers_addresses_and_ports);
    tcase_add_test(tc, test_bad_keys_refused);
    tcase_add_test(tc, test_verify_stock_packets);
    tcase_add_test(tc, test_scan_body);
    tcase_add_test(tc, test_trailer_after_body);
    suite_add_tcase(s, tc);
    tc = tcase_create("replay");
    tcase_add_test(tc, test_unknown_index_challenged_then_adopted);
    tcase_add_test(tc, test_replay_and_order);
    tcase_add_test(tc, test_restart_with_lower_pc);
    tcase_add_test(tc, test_challenge_expires);
    tcase_add_test(tc, test_reply_rate_limit);
    suite_add_tcase(s, tc);
    tc = tcase_create("daemon");
    tcase_add_test(tc, test_seal_and_rollover);
    tcase_add_test(tc, test_receive_drops_and_counts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(mac_suite());
}
