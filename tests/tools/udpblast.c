/* udpblast: a UDP stream source and sink for tests/bench/relay.
 *
 *   udpblast send GROUP PORT IFNAME SIZE SECONDS RATE   (RATE 0: as fast as possible)
 *   udpblast recv GROUP PORT SECONDS IFNAME...          (joins GROUP on each IFNAME)
 *
 * send prints "sent N pps P"; recv prints "received N unique U pps P" once SECONDS
 * have passed since the first datagram (or 2 s of silence after it). Each
 * datagram starts with a 64-bit sequence number; sendmmsg/recvmmsg batches
 * of 64 keep the tool's own cost per packet low. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int do_send(int argc, char **argv)
{
    if (argc != 8)
        return 2;
    const char *group = argv[2];
    int port = atoi(argv[3]);
    unsigned ifindex = if_nametoindex(argv[4]);
    size_t size = (size_t)atoi(argv[5]);
    double secs = atof(argv[6]), rate = atof(argv[7]);
    if (!ifindex || size < 8 || size > 65000)
        return 2;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct ip_mreqn mr = {.imr_ifindex = (int)ifindex};
    int ttl = 16, zero = 0, sz = 4 << 20;
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr));
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, group, &dst.sin_addr);
    static uint8_t bufs[BATCH][65536];
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    for (int i = 0; i < BATCH; i++) {
        memset(bufs[i], 0x5a, size);
        iov[i] = (struct iovec){bufs[i], size};
        msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &dst, .msg_namelen = sizeof(dst),
                                               .msg_iov = &iov[i], .msg_iovlen = 1}};
    }
    uint64_t seq = 0;
    double t0 = now(), end = t0 + secs;
    int batch = rate > 0 && rate < 20000 ? 1 : BATCH;
    while (1) {
        double t = now();
        if (t >= end)
            break;
        if (rate > 0) {
            double due = t0 + (double)seq / rate;
            if (due > t) {
                struct timespec ts = {0, (long)((due - t) * 1e9)};
                nanosleep(&ts, NULL);
                continue;
            }
        }
        for (int i = 0; i < batch; i++)
            memcpy(bufs[i], &(uint64_t){seq + (uint64_t)i}, 8);
        int n = sendmmsg(fd, msgs, (unsigned)batch, 0);
        if (n > 0)
            seq += (uint64_t)n;
        else if (errno != ENOBUFS && errno != EAGAIN)
            break;
    }
    double el = now() - t0;
    printf("sent %llu pps %.0f\n", (unsigned long long)seq, (double)seq / el);
    return 0;
}

static int do_recv(int argc, char **argv)
{
    if (argc < 6)
        return 2;
    const char *group = argv[2];
    int port = atoi(argv[3]);
    double secs = atof(argv[4]);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int one = 1, sz = 64 << 20;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, group, &sin.sin_addr);
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        perror("bind");
        return 1;
    }
    for (int i = 5; i < argc; i++) {
        struct ip_mreqn mr = {.imr_multiaddr = sin.sin_addr, .imr_ifindex = (int)if_nametoindex(argv[i])};
        if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
            perror("IP_ADD_MEMBERSHIP");
            return 1;
        }
    }
    printf("ready\n");
    fflush(stdout);
    static uint8_t bufs[BATCH][2048];
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
        msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
    }
    uint64_t count = 0, unique = 0;
    static uint8_t seen[1 << 21]; /* 16 M sequence numbers */
    double first = 0, last = 0;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, first ? 2000 : 30000);
        if (r <= 0)
            break;
        int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            continue;
        last = now();
        if (!first)
            first = last;
        count += (uint64_t)n;
        for (int i = 0; i < n; i++) {
            uint64_t q;
            memcpy(&q, bufs[i], 8);
            if (msgs[i].msg_len >= 8 && q < (uint64_t)sizeof(seen) * 8 &&
                !(seen[q / 8] & (1u << (q % 8)))) {
                seen[q / 8] |= (uint8_t)(1u << (q % 8));
                unique++;
            }
        }
        if (last - first >= secs + 1.5)
            break;
    }
    double el = last > first ? last - first : 1;
    printf("received %llu unique %llu pps %.0f\n", (unsigned long long)count,
           (unsigned long long)unique, (double)count / el);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "send") == 0)
        return do_send(argc, argv);
    if (argc > 1 && strcmp(argv[1], "recv") == 0)
        return do_recv(argc, argv);
    fprintf(stderr, "usage: udpblast send GROUP PORT IFNAME SIZE SECONDS RATE\n"
                    "       udpblast recv GROUP PORT SECONDS IFNAME...\n");
    return 2;
}
