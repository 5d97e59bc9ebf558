/* gem-seal: the per-packet cost of the GEM ingress's crypto on one core, for
 * tests/bench/gem.  Each iteration does what gem-send does to a captured
 * datagram: seal it into a GEM packet (AES-256-GCM with the SEK, HMAC-SHA-256
 * with the GAK), put the IPv4/UDP header around it, and seal that into an ESP
 * packet (AES-256-GCM, RFC 4106), all through OpenSSL (babel/crypto_lib.h).
 *
 *   gem-seal SIZE SECONDS    prints "packets N cpu-seconds S pps P"
 *
 * Built by tests/bench/gem against build/libcore.a. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gem/esp_sa.h"
#include "gem/gem_codec.h"
#include "gem/gem_crypto.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return fprintf(stderr, "usage: gem-seal SIZE SECONDS\n"), 2;
    size_t size = (size_t)atol(argv[1]);
    double secs = atof(argv[2]);
    if (size == 0 || size > 9000 || secs <= 0)
        return fprintf(stderr, "gem-seal: bad size or duration\n"), 2;
    uint8_t sek[GEM_SEK_LEN], gak[GEM_GAK_LEN], keymat[ESP_KEYMAT_LEN];
    for (size_t i = 0; i < sizeof(sek); i++)
        sek[i] = (uint8_t)i, gak[i] = (uint8_t)(0x80 + i);
    for (size_t i = 0; i < sizeof(keymat); i++)
        keymat[i] = (uint8_t)(0x40 + i);
    struct gem_crypto *c = gem_crypto_new(sek, gak);
    struct esp_sa sa;
    if (!c || esp_sa_init(&sa, true, 4096, keymat, 0x1234567890abcdefull) < 0)
        return fprintf(stderr, "gem-seal: OpenSSL setup failed\n"), 1;
    static uint8_t payload[9000], inner[GEM_IP_UDP_LEN + GEM_OVERHEAD + 9000],
        esp[GEM_IP_UDP_LEN + GEM_OVERHEAD + 9000 + ESP_OVERHEAD_MAX];
    for (size_t i = 0; i < size; i++)
        payload[i] = (uint8_t)(i * 7);
    struct gem_header h = {.version = GEM_VERSION, .key_id = 1, .sender = 0x0100000a,
                           .seq = 1, .source = 0x0164a8c0, .group = 0x010101ef,
                           .sport = 40000, .dport = 5000};
    unsigned long n = 0;
    double t0 = cpu_now(), t = t0;
    while (t - t0 < secs) {
        for (int k = 0; k < 256; k++) {
            h.seq++;
            size_t glen = gem_seal(c, &h, payload, size, inner + GEM_IP_UDP_LEN);
            gem_udp4_build(inner, glen, h.sender, h.group, GEM_UDP_PORT, GEM_UDP_PORT, 64,
                           (uint16_t)n);
            long elen = esp_seal(&sa, ESP_NH_IPV4, inner, GEM_IP_UDP_LEN + glen, esp, sizeof(esp));
            if (!glen || elen < 0)
                return fprintf(stderr, "gem-seal: sealing failed\n"), 1;
            n++;
        }
        t = cpu_now();
    }
    printf("packets %lu cpu-seconds %.3f pps %.0f\n", n, t - t0, (double)n / (t - t0));
    gem_crypto_free(c);
    esp_sa_clear(&sa);
    return 0;
}
