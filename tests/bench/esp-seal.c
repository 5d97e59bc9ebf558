/* tests/bench/esp: seals and opens ESP packets in a loop, without the
 * network, through the daemon's own codec (gem/esp_sa.c): packets per
 * second and bytes per second of inner packet for one core.  Built and run
 * by tests/bench/esp, which compares the figures with `openssl speed` on
 * the same packet size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gem/esp_sa.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    size_t len = argc > 1 ? (size_t)atoi(argv[1]) : 1316;
    double secs = argc > 2 ? atof(argv[2]) : 3.0;
    if (len < 20 || len > 65000 || secs <= 0) {
        fprintf(stderr, "usage: esp-seal [SIZE [SECONDS]]\n");
        return 2;
    }
    uint8_t km[ESP_KEYMAT_LEN];
    for (int i = 0; i < ESP_KEYMAT_LEN; i++)
        km[i] = (uint8_t)(i * 13 + 1);
    struct esp_sa out, in;
    if (esp_sa_init(&out, true, 0x1000, km, 0x1234) < 0 ||
        esp_sa_init(&in, false, 0x1000, km, 0) < 0) {
        fprintf(stderr, "esp-seal: cannot key AES-256-GCM\n");
        return 1;
    }
    uint8_t *inner = calloc(1, len), *pkt = malloc(len + ESP_OVERHEAD_MAX),
            *plain = malloc(len + 64);
    inner[0] = 0x45;
    /* Seal: as esp_send does, one packet at a time into one buffer. */
    unsigned long n = 0;
    double t0 = now_s(), t;
    long plen = 0;
    do {
        for (int i = 0; i < 1000; i++)
            plen = esp_seal(&out, ESP_NH_IPV4, inner, len, pkt, len + ESP_OVERHEAD_MAX);
        n += 1000;
        t = now_s() - t0;
    } while (t < secs);
    if (plen < 0)
        return 1;
    printf("seal %zu %.0f %.0f\n", len, n / t, n * (double)len / t);
    /* Open: a packet sealed for each number (the window wants new ones). */
    unsigned long m = 0;
    t0 = now_s();
    do {
        for (int i = 0; i < 1000; i++) {
            size_t ilen;
            uint8_t nh;
            esp_seal(&out, ESP_NH_IPV4, inner, len, pkt, len + ESP_OVERHEAD_MAX);
            if (esp_open(&in, pkt, (size_t)plen, plain, len + 64, &ilen, &nh) != ESP_OK)
                return 1;
        }
        m += 1000;
        t = now_s() - t0;
    } while (t < secs);
    printf("seal+open %zu %.0f %.0f\n", len, m / t, m * (double)len / t);
    esp_sa_clear(&out);
    esp_sa_clear(&in);
    return 0;
}
