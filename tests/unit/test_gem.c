/* gem/gem_keys.c and gem/gem_receive.c: gem-group, gem-send and gem-receive
 * lines parsed or refused with a reason and no change, key rollover, and
 * every verdict of the receive path counted by reason in the gem-input
 * record (packets fed to gem_receive_packet, sealed with gem/gem_crypto.h). */
#include "tests/unit/unit.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "babel/config.h"
#include "babel/extension.h"
#include "gem/gem.h"
#include "gem/gem_codec.h"
#include "gem/gem_crypto.h"
#include "gem/gem_keys.h"
#include "gem/gem_receive.h"
#include "gem/gem_replay.h"
#include "gem/gem_seq.h"

#define G "239.1.1.1"
#define K1 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define K2 "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
#define K3 "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"

static struct babel_config cfg;

static int line(const char *l, char *err, size_t errlen)
{
    return config_parse_line(&cfg, l, "test.conf", 7, NULL, err, errlen);
}

static void ok(const char *l)
{
    char err[512] = "";
    ck_assert_msg(line(l, err, sizeof(err)) == 0, "%s: refused: %s", l, err);
}

static void refused(const char *l, const char *why)
{
    char err[512] = "";
    ck_assert_msg(line(l, err, sizeof(err)) < 0, "%s: accepted", l);
    ck_assert_msg(strstr(err, why) != NULL, "%s: error '%s' lacks '%s'", l, err, why);
    ck_assert_msg(strstr(err, "test.conf:7:") == err, "%s: error '%s' lacks file and line", l, err);
}

static int flush(const char *l)
{
    char buf[256], *words[16], err[256];
    int n = 0;
    strlcpy_safe(buf, l + strlen("flush "), sizeof(buf)); /* the handler gets the words after it */
    for (char *w = strtok(buf, " "); w && n < 16; w = strtok(NULL, " "))
        words[n++] = w;
    return ext_dispatch_flush(words, n, err, sizeof(err));
}

static char dumped[8192];
static void emit(const char *l, void *out) { strncat(dumped, l, sizeof(dumped) - strlen(dumped) - 1); }
static const char *dump(void)
{
    dumped[0] = '\0';
    ext_dump(emit, NULL);
    return dumped;
}

/* A number from the gem-input record. */
static unsigned long input(const char *field)
{
    const char *l = strstr(dump(), "add gem-input ");
    ck_assert_ptr_nonnull(l);
    char key[64];
    snprintf(key, sizeof(key), " %s ", field);
    const char *f = strstr(l, key);
    ck_assert_msg(f != NULL, "no %s in %s", field, l);
    return strtoul(f + strlen(key), NULL, 10);
}

/* The same, 0 before the record exists (nothing arrived yet). */
static unsigned long input_or0(const char *field)
{
    return strstr(dump(), "add gem-input ") ? input(field) : 0;
}

static void setup(void)
{
    static bool registered;
    if (!registered) {
        gem_init();
        registered = true;
    }
    config_init(&cfg);
}

static void teardown(void)
{
    flush("flush gem-group " G);
    flush("flush gem-receive " G);
    flush("flush gem-send " G);
    config_free(&cfg);
    gem_wall_test_us = 0;
}

START_TEST(keys_lines)
{
    refused("gem-group " G " sek " K1, "exactly one of gak or gak-file");
    refused("gem-group " G " gak " K1, "exactly one of sek or sek-file");
    refused("gem-group " G " sek zz" K1 " gak " K2, "not hex");
    refused("gem-group " G " sek " K1 "0 gak " K2, "not hex");
    refused("gem-group " G " sek " K1 "00 gak " K2, "33 bytes, must be 32");
    refused("gem-group " G " sek " K1 " gak 0011", "gak: 2 bytes, must be 32");
    refused("gem-group 10.0.0.1 sek " K1 " gak " K2, "not an IPv4 multicast group");
    refused("gem-group " G " sek " K1 " gak " K2 " key-id 65536", "key-id 65536");
    refused("gem-group " G " sek " K1 " gak " K2 " colour blue", "unknown keyword colour");
    refused("gem-group " G " sek " K1 " sek " K1 " gak " K2, "given twice");
    refused("gem-group " G " sek-file /nonexistent/sek gak " K2, "sek-file /nonexistent/sek: No such file");
    ck_assert_ptr_null(gem_keys_current(inet_addr(G)));
    ck_assert_ptr_null(strstr(dump(), "gem-group"));

    /* A key from a file, white space around it. */
    char path[] = "/tmp/test_gem_keyXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "  " K2 "\n\n", 68), 68);
    close(fd);
    char l[512];
    snprintf(l, sizeof(l), "gem-group " G " sek " K1 " gak-file %s", path);
    ok(l);
    unlink(path);
    struct gem_key *k1 = gem_keys_current(inet_addr(G));
    ck_assert_ptr_nonnull(k1);
    ck_assert_uint_eq(k1->id, 1);
    ck_assert_ptr_nonnull(strstr(dump(), "add gem-group " G " key-id 1 current yes sealed 0 accepted 0\n"));
    ck_assert_ptr_null(strstr(dump(), "0001020304"));

    /* Rollover: a second key id becomes current, both open; a third is refused. */
    ok("gem-group " G " sek " K3 " gak " K3 " key-id 2");
    ck_assert_uint_eq(gem_keys_current(inet_addr(G))->id, 2);
    ck_assert_ptr_nonnull(gem_keys_find(inet_addr(G), 1));
    ck_assert_ptr_nonnull(strstr(dump(), "key-id 1 current no"));
    ck_assert_ptr_nonnull(strstr(dump(), "key-id 2 current yes"));
    refused("gem-group " G " sek " K3 " gak " K3 " key-id 3", "has key ids 1 and 2 already");
    ck_assert_ptr_null(gem_keys_find(inet_addr(G), 3));
    ck_assert_int_eq(flush("flush gem-group " G " key-id 1"), 0);
    ck_assert_ptr_null(gem_keys_find(inet_addr(G), 1));
    ck_assert_int_eq(flush("flush gem-group " G " key-id 2"), -1); /* the only key */
    ck_assert_int_eq(flush("flush gem-group 239.9.9.9"), -1);
    ck_assert_int_eq(flush("flush gem-group " G), 0);
    ck_assert_ptr_null(gem_keys_current(inet_addr(G)));
}
END_TEST

START_TEST(send_receive_lines)
{
    refused("gem-send " G " in eth0", "no output");
    refused("gem-send " G " veth v0", "missing in IF");
    refused("gem-send " G " in eth0 veth v0 port 70000", "bad or repeated port");
    refused("gem-send " G " in eth0 veth v0 ttl 0", "ttl 0 is not 1-255");
    refused("gem-send " G " in eth0 veth v0 from 239.0.0.1", "from address");
    refused("gem-send " G " in eth0 veth v0 source 0.0.0.0", "bad or repeated source");
    refused("gem-send " G " in eth0 to a to a", "peer a given twice");
    refused("gem-send " G " in eth0 veth v0 in eth1", "in given twice");
    refused("gem-send 1.2.3.4 in eth0 veth v0", "not an IPv4 multicast group");
    refused("gem-receive " G " in eth0", "missing out IF");
    refused("gem-receive " G " out eth0 out eth1", "out given twice");
    refused("gem-receive " G " out eth0 ttl 300", "ttl 300");
    refused("gem-receive " G " mrib yes", "mrib yes is not true or false");
    refused("gem-receive " G " mrib false", "missing out IF (or mrib true)");
    refused("gem-receive " G " mrib true mrib true", "mrib true is not true or false");
    ck_assert_ptr_null(strstr(dump(), "gem-send"));
    ck_assert_ptr_null(strstr(dump(), "gem-receive"));
    ok("gem-send " G " in eth0 port 5000 source 192.168.100.1 veth v0 from 10.0.0.1 ttl 9");
    ck_assert_ptr_nonnull(strstr(dump(), "add gem-send " G " in eth0 port 5000 source 192.168.100.1 veth v0 from - ttl 9 state not-started "));
    ok("gem-receive " G " out eth1 in eth2 in eth3");
    ck_assert_ptr_nonnull(strstr(dump(), "add gem-receive " G " out eth1 in eth2 in eth3 ttl 64 state not-started packets 0 bytes 0 drops 0\n"));
    /* MRIB outputs, alone or with a fixed one; the same line replaces it. */
    ok("gem-receive " G " mrib true");
    ck_assert_ptr_nonnull(strstr(dump(), "add gem-receive " G " out - mrib true ttl 64 state not-started packets 0 bytes 0 drops 0 no-listener 0 outputs -\n"));
    ok("gem-receive " G " out eth1 mrib true ttl 5");
    ck_assert_ptr_nonnull(strstr(dump(), "add gem-receive " G " out eth1 mrib true ttl 5 state not-started packets 0 bytes 0 drops 0 no-listener 0 outputs -\n"));
    ok("gem-receive " G " out eth1 mrib false");
    ck_assert_ptr_nonnull(strstr(dump(), "add gem-receive " G " out eth1 ttl 64 state not-started packets 0 bytes 0 drops 0\n"));
    ck_assert_int_eq(flush("flush gem-send " G), 0);
    ck_assert_int_eq(flush("flush gem-send " G), -1);
    ck_assert_ptr_null(strstr(dump(), "gem-send"));
}
END_TEST

static uint8_t sek1[32], gak1[32], sek3[32];

/* Sequence numbers track the sender's clock: seq is in microseconds from
 * now (the receiver refuses one over GEM_SEQ_AGE_US from its clock). */
static size_t make_from(uint8_t *out, const uint8_t *sek, const uint8_t *gak, uint16_t key_id,
                        uint64_t seq, const char *group, const char *sender)
{
    struct gem_crypto *c = gem_crypto_new(sek, gak);
    ck_assert_ptr_nonnull(c);
    struct gem_header h = {.version = GEM_VERSION, .key_id = key_id, .run = 7,
                           .seq = gem_wall_us() + seq, .sport = 1234, .dport = 5000};
    h.sender = inet_addr(sender);
    h.source = inet_addr("192.168.100.1");
    h.group = inet_addr(group);
    size_t n = gem_seal(c, &h, (const uint8_t *)"payload of the test", 19, out);
    gem_crypto_free(c);
    return n;
}

static size_t make(uint8_t *out, const uint8_t *sek, const uint8_t *gak, uint16_t key_id,
                   uint64_t seq, const char *group)
{
    return make_from(out, sek, gak, key_id, seq, group, "10.0.0.1");
}

START_TEST(receive_verdicts)
{
    size_t len;
    hex_decode(K1, sek1, 32, &len);
    hex_decode(K2, gak1, 32, &len);
    hex_decode(K3, sek3, 32, &len);
    ok("gem-group " G " sek " K1 " gak " K2 " key-id 1");
    /* Key id 2: the same GAK, another SEK than the sender will use. */
    ok("gem-group " G " sek " K1 " gak " K2 " key-id 2");
    ok("gem-receive " G " out eth9");
    ck_assert_ptr_null(strstr(dump(), "gem-input")); /* nothing arrived yet: no record */
    unsigned long a0 = 0;
    uint8_t p[256];

    /* Good: verified and decrypted (re-emission fails: not started, counted as a drop). */
    len = make(p, sek1, gak1, 1, 100, G);
    gem_receive_packet(p, len);
    ck_assert_uint_eq(input("accepted"), a0 + 1);
    ck_assert_ptr_nonnull(strstr(dump(), "packets 0 bytes 0 drops 1\n"));
    /* The same again: replayed. */
    gem_receive_packet(p, len);
    ck_assert_uint_eq(input("replayed"), 1);
    /* One byte changed anywhere after the version: bad-mac (or, for the
     * group and key id bytes, unknown-group / stale-key). */
    for (size_t i = 1; i < len; i++) {
        uint8_t t[256];
        memcpy(t, p, len);
        t[i] ^= 0x10;
        ck_assert(!gem_receive_packet(t, len));
    }
    ck_assert_uint_eq(input("accepted"), a0 + 1);
    /* A forged packet with a high sequence number moves no window: a later
     * real packet below it is still accepted. */
    len = make(p, sek1, sek1, 1, 1000000, G);
    unsigned long bm = input("bad-mac");
    gem_receive_packet(p, len);
    ck_assert_uint_eq(input("bad-mac"), bm + 1);
    len = make(p, sek1, gak1, 1, 101, G);
    gem_receive_packet(p, len);
    ck_assert_uint_eq(input("accepted"), a0 + 2);
    /* Key id 2 with the right GAK but another SEK: bad-decrypt. */
    len = make(p, sek3, gak1, 2, 102, G);
    gem_receive_packet(p, len);
    ck_assert_uint_eq(input("bad-decrypt"), 1);
    /* A key id the group does not have: stale-key. */
    unsigned long sk = input("stale-key");
    len = make(p, sek1, gak1, 9, 103, G);
    gem_receive_packet(p, len);
    ck_assert_uint_eq(input("stale-key"), sk + 1);
    /* Another group: unknown-group. */
    unsigned long ug = input("unknown-group");
    len = make(p, sek1, gak1, 1, 104, "239.9.9.9");
    gem_receive_packet(p, len);
    ck_assert_uint_eq(input("unknown-group"), ug + 1);
    /* Short, and another version. */
    unsigned long tr = input("truncated");
    gem_receive_packet(p, GEM_OVERHEAD - 1);
    gem_receive_packet(p, 0);
    ck_assert_uint_eq(input("truncated"), tr + 2);
    p[0] = 1; /* the first layout, without the run */
    gem_receive_packet(p, len);
    ck_assert_uint_eq(input("bad-version"), 1);
    /* Retired key: stale. */
    ck_assert_int_eq(flush("flush gem-group " G " key-id 1"), 0);
    len = make(p, sek1, gak1, 1, 105, G);
    gem_receive_packet(p, len);
    ck_assert_uint_eq(input("stale-key"), sk + 2);
    ck_assert_uint_eq(input("accepted"), a0 + 2);
}
END_TEST

/* More senders than windows under one key (or captures of them replayed in
 * rotation): a new sender is refused while every window is busy, never
 * given one by evicting another, so no replay ever gets through; a window
 * idle over 2 * GEM_SEQ_AGE_US is reused, and what it had accepted is then
 * refused as untimely, as it is by a restarted receiver. */
START_TEST(replay_many_senders)
{
    hex_decode(K1, sek1, 32, &(size_t){0});
    hex_decode(K2, gak1, 32, &(size_t){0});
    ok("gem-group " G " sek " K1 " gak " K2);
    ok("gem-receive " G " out eth9");
    enum { N = 20 };
    uint8_t cap[N][256];
    size_t len[N];
    char who[N][24];
    unsigned long a0 = input_or0("accepted"), r0 = input_or0("replayed");
    unsigned long nw0 = input_or0("no-window"), bt0 = input_or0("bad-time");
    for (int i = 0; i < N; i++) {
        snprintf(who[i], sizeof(who[i]), "10.0.1.%d", i + 1);
        len[i] = make_from(cap[i], sek1, gak1, 1, (uint64_t)i, G, who[i]);
        gem_receive_packet(cap[i], len[i]);
    }
    ck_assert_uint_eq(input("accepted"), a0 + 16);
    ck_assert_uint_eq(input("no-window"), nw0 + N - 16);
    /* The captures replayed in rotation, many times: nothing accepted. */
    for (int round = 0; round < 5; round++)
        for (int i = 0; i < N; i++)
            ck_assert(!gem_receive_packet(cap[i], len[i]));
    ck_assert_uint_eq(input("accepted"), a0 + 16);
    ck_assert_uint_eq(input("replayed"), r0 + 5 * 16);
    ck_assert_uint_eq(input("no-window"), nw0 + 6 * (N - 16));

    /* 61 s on, every window idle: a new sender gets one, and the old
     * captures, the first sender's included, are refused as untimely. */
    gem_wall_test_us = gem_wall_us() + 2 * GEM_SEQ_AGE_US + 1000000;
    uint8_t p[256];
    size_t l = make_from(p, sek1, gak1, 1, 0, G, who[N - 1]);
    gem_receive_packet(p, l);
    ck_assert_uint_eq(input("accepted"), a0 + 17);
    for (int i = 0; i < N; i++)
        ck_assert(!gem_receive_packet(cap[i], len[i]));
    ck_assert_uint_eq(input("bad-time"), bt0 + N);
    /* A restarted receiver (no windows at all) refuses them too. */
    ck_assert_int_eq(flush("flush gem-receive " G), 0);
    ok("gem-receive " G " out eth9");
    for (int i = 0; i < N; i++)
        ck_assert(!gem_receive_packet(cap[i], len[i]));
    ck_assert_uint_eq(input("bad-time"), bt0 + 2 * N);
    /* A packet from too far ahead of our clock is refused as well. */
    l = make_from(p, sek1, gak1, 1, GEM_SEQ_AGE_US + 1000000, G, who[0]);
    ck_assert(!gem_receive_packet(p, l));
    ck_assert_uint_eq(input("bad-time"), bt0 + 2 * N + 1);
    ck_assert_uint_eq(input("accepted"), a0 + 17);
}
END_TEST

/* A sender restarted with its clock set back (no RTC, an NTP step): its new
 * run numbers its packets exactly as the old run did (the clock is held
 * still), yet no nonce repeats (the run is in it) and the receiver accepts
 * them (a window per run). */
START_TEST(sender_restart_clock_back)
{
    hex_decode(K1, sek1, 32, &(size_t){0});
    hex_decode(K2, gak1, 32, &(size_t){0});
    ok("gem-group " G " sek " K1 " gak " K2);
    ok("gem-receive " G " out eth9");
    struct gem_crypto *c = gem_crypto_new(sek1, gak1);
    ck_assert_ptr_nonnull(c);
    enum { N = 50 };
    uint8_t nonces[2 * N][GEM_NONCE_LEN], p[256];
    uint64_t first_seq[2], last_seq[2];
    unsigned long a0 = input_or0("accepted");
    struct gem_seq seq;
    uint64_t t0 = gem_wall_us();
    for (int run = 0; run < 2; run++) {
        gem_wall_test_us = t0; /* the second run: restarted, its clock back to t0 */
        gem_seq_start(&seq);
        for (int i = 0; i < N; i++) {
            struct gem_header h = {.version = GEM_VERSION, .key_id = 1, .run = seq.run,
                                   .seq = gem_seq_next(&seq), .sport = 1, .dport = 2};
            h.sender = inet_addr("10.0.0.1");
            h.source = inet_addr("192.168.100.1");
            h.group = inet_addr(G);
            if (i == 0)
                first_seq[run] = h.seq;
            last_seq[run] = h.seq;
            gem_nonce(&h, nonces[run * N + i]);
            size_t n = gem_seal(c, &h, (const uint8_t *)"x", 1, p);
            gem_receive_packet(p, n);
        }
    }
    gem_crypto_free(c);
    /* The second run's numbers are the first's... */
    ck_assert(first_seq[1] == first_seq[0] && last_seq[1] == last_seq[0]);
    /* ...but no nonce was used twice, and every packet was accepted. */
    for (int i = 0; i < 2 * N; i++)
        for (int j = i + 1; j < 2 * N; j++)
            ck_assert_msg(memcmp(nonces[i], nonces[j], GEM_NONCE_LEN) != 0, "nonce %d = %d", i, j);
    ck_assert_uint_eq(input("accepted"), a0 + 2 * N);
}
END_TEST

/* Random bytes of every length up to 300, and the real packet cut at every
 * length: counted, never accepted, never a crash (run under ASan too). */
START_TEST(receive_garbage)
{
    hex_decode(K1, sek1, 32, &(size_t){0});
    hex_decode(K2, gak1, 32, &(size_t){0});
    ok("gem-group " G " sek " K1 " gak " K2);
    ok("gem-receive " G " out eth9");
    uint8_t p[512];
    unsigned long a0 = input_or0("accepted"), n0 = input_or0("packets");
    srandom(7);
    for (int round = 0; round < 20; round++)
        for (size_t len = 0; len <= 300; len++) {
            for (size_t i = 0; i < len; i++)
                p[i] = (uint8_t)random();
            if (round % 2 && len)
                p[0] = GEM_VERSION; /* past the version check */
            ck_assert(!gem_receive_packet(p, len));
        }
    size_t len = make(p, sek1, gak1, 1, 7, G);
    for (size_t cut = 0; cut < len; cut++)
        ck_assert(!gem_receive_packet(p, cut));
    ck_assert_uint_eq(input("accepted"), a0);
    ck_assert_uint_eq(input("packets"), n0 + 20 * 301 + len);
}
END_TEST

/* The GEM and ESP examples of babeld.conf.example, uncommented and in their
 * order, parse (syntax lines, with upper-case placeholders, and lines naming
 * key files that do not exist here are skipped). */
START_TEST(example_file)
{
    FILE *f = fopen("babeld.conf.example", "r");
    if (!f)
        f = fopen("../../babeld.conf.example", "r");
    ck_assert_ptr_nonnull(f);
    char buf[1024];
    int n = 0;
    while (fgets(buf, sizeof(buf), f)) {
        buf[strcspn(buf, "\n")] = '\0';
        static const char *const kinds[] = {"# gem-peer ", "# esp-sa ", "# gem-group ",
                                            "# gem-send ", "# gem-receive "};
        bool example = false;
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
            example |= strncmp(buf, kinds[i], strlen(kinds[i])) == 0;
        if (!example || strstr(buf, "-file "))
            continue;
        bool placeholder = false;
        char copy[1024];
        strlcpy_safe(copy, buf + 2, sizeof(copy));
        for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) {
            bool upper = true;
            for (char *c = w; *c; c++)
                upper &= (*c >= 'A' && *c <= 'Z') || *c == '[' || *c == ']' || *c == '(' ||
                         *c == ')' || *c == '|' || *c == '.';
            placeholder |= upper;
        }
        if (placeholder)
            continue;
        ok(buf + 2);
        n++;
    }
    fclose(f);
    ck_assert_int_ge(n, 4); /* a gem-group, gem-send and gem-receive at least, and a gem-peer */
    ck_assert_ptr_nonnull(strstr(dump(), "add gem-send 239.1.1.1 in eth1 port 5000 source any to studio-b veth gem-u0 "));
    flush("flush gem-group 239.1.1.2");
    flush("flush gem-receive 239.1.1.1");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gem");
    TCase *tc = tcase_create("all");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, keys_lines);
    tcase_add_test(tc, send_receive_lines);
    tcase_add_test(tc, receive_verdicts);
    tcase_add_test(tc, replay_many_senders);
    tcase_add_test(tc, sender_restart_clock_back);
    tcase_add_test(tc, receive_garbage);
    tcase_add_test(tc, example_file);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
