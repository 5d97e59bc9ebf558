/* delayline -- a layer-2 delay line (and lossy link) between two interfaces.
 *
 * Stands in for tc netem, which this test machine does not have.  Run it in a
 * namespace that holds two interfaces (typically veths, one to each endpoint
 * namespace), both up and without addresses: every frame received on A is
 * sent out of B after the A->B delay, and every frame received on B is sent
 * out of A after the B->A delay, so the two endpoints see one Ethernet link,
 * as through a switch.  Optionally a random percentage of frames is dropped.
 *
 *   delayline -a IF_A -b IF_B [-d MS[,MS]] [-l PCT[,PCT]] [-q FRAMES] [-s SEED] [-P]
 *
 * -d is the ONE-WAY delay of each direction (A->B first, then B->A; a single
 * value applies to both), so a round trip through the line takes about 2 * d
 * more than without it.  -l is the percentage of frames dropped at random in
 * each direction (same convention).  -q bounds each direction's queue: a
 * frame arriving when its queue is full is dropped and counted as overflow.
 *
 * Frames are read and written with AF_PACKET raw sockets bound to each
 * interface (ETH_P_ALL).  The sockets use PACKET_VNET_HDR so that checksum
 * offload state (CHECKSUM_PARTIAL skbs between veths) and GSO frames survive
 * the trip; frames we send ourselves are ignored (PACKET_IGNORE_OUTGOING and
 * a check of sll_pkttype).  Both interfaces are put in promiscuous mode (a
 * packet-socket membership, undone when the socket closes).  Release times are
 * kept on CLOCK_MONOTONIC and a timerfd wakes the loop when the oldest frame
 * is due; signals arrive through a signalfd.  SIGTERM or SIGINT ends the
 * program with status 0 after printing one summary line on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME (65536 + 64)   /* a GSO frame can be up to 64 KiB */
#define BURST 64                 /* frames read from one socket per wake-up */

struct frame {
    uint64_t due_ns;             /* CLOCK_MONOTONIC time to send it */
    size_t len;                  /* bytes in data (vnet header included if used) */
    unsigned char data[];
};

struct direction {
    const char *name;            /* "A->B" */
    int in_fd, out_fd;
    uint64_t delay_ns;
    uint32_t loss_ppm;           /* frames dropped per million */
    struct frame **ring;
    size_t cap, head, count;
    unsigned long long rx, fwd, lost, overflow, txerr;
};

static const char *prog = "delayline";
static bool use_vnet = true;
static uint64_t rng_state;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void usage(int status)
{
    fprintf(status ? stderr : stdout,
            "usage: %s -a IF_A -b IF_B [-d MS[,MS]] [-l PCT[,PCT]] [-q FRAMES] [-s SEED] [-P]\n"
            "  -d MS       one-way delay in milliseconds (A->B,B->A or one value for both;\n"
            "              a round trip takes 2*MS longer); default 0\n"
            "  -l PCT      percentage of frames dropped at random (same convention); default 0\n"
            "  -q FRAMES   queue bound per direction, overflow is dropped and counted; default 4096\n"
            "  -s SEED     seed of the loss generator (default: from the clock and pid)\n"
            "  -P          plain frames, without PACKET_VNET_HDR (offloaded checksums\n"
            "              then arrive unfinished: for experiments only)\n"
            "Ends on SIGTERM/SIGINT with a summary line on stderr.\n",
            prog);
    exit(status);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: plenty for picking frames to drop. */
static uint64_t rng_next(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static double parse_number(const char *s, const char *what, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < lo || v > hi)
        die("bad %s '%s' (expected a number from %g to %g)", what, s, lo, hi);
    return v;
}

/* "X" -> both X; "X,Y" -> X then Y */
static void parse_pair(const char *arg, const char *what, double lo, double hi,
                       double *first, double *second)
{
    char buf[64];
    if (strlen(arg) >= sizeof(buf))
        die("bad %s '%s'", what, arg);
    strcpy(buf, arg);
    char *comma = strchr(buf, ',');
    if (comma) {
        *comma = '\0';
        *first = parse_number(buf, what, lo, hi);
        *second = parse_number(comma + 1, what, lo, hi);
    } else {
        *first = *second = parse_number(buf, what, lo, hi);
    }
}

static int open_port(const char *ifname)
{
    unsigned idx = if_nametoindex(ifname);
    if (idx == 0)
        die("no interface '%s': %s", ifname, strerror(errno));

    /* Protocol 0 receives nothing until bind() names the interface. */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket(AF_PACKET): %s", strerror(errno));

    int one = 1;
    if (use_vnet && setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
        die("PACKET_VNET_HDR on %s: %s (-P runs without it)", ifname, strerror(errno));
    if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 &&
        errno != ENOPROTOOPT)
        die("PACKET_IGNORE_OUTGOING on %s: %s", ifname, strerror(errno));

    int bufsz = 4 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));

    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = (int)idx;
    if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
        die("bind to %s: %s", ifname, strerror(errno));

    /* Unicast between the endpoints is addressed to neither of our ports. */
    struct packet_mreq mr;
    memset(&mr, 0, sizeof(mr));
    mr.mr_ifindex = (int)idx;
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
        die("promiscuous mode on %s: %s", ifname, strerror(errno));
    return fd;
}

static void queue_init(struct direction *d, size_t cap)
{
    d->cap = cap;
    d->ring = calloc(cap, sizeof(*d->ring));
    if (!d->ring)
        die("out of memory");
}

/* Read up to BURST frames from d->in_fd and queue (or drop) them. */
static void receive(struct direction *d, unsigned char *buf)
{
    for (int i = 0; i < BURST; i++) {
        struct sockaddr_ll from;
        socklen_t fromlen = sizeof(from);
        ssize_t n = recvfrom(d->in_fd, buf, MAX_FRAME, MSG_TRUNC,
                             (struct sockaddr *)&from, &fromlen);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return;
            die("%s: recv: %s", d->name, strerror(errno));
        }
        if (from.sll_pkttype == PACKET_OUTGOING)
            continue;            /* our own transmission (older kernels) */
        uint64_t t = now_ns();
        d->rx++;
        if ((size_t)n > MAX_FRAME) {
            d->overflow++;       /* truncated: cannot happen with 64 KiB frames */
            continue;
        }
        if (d->loss_ppm && rng_next() % 1000000u < d->loss_ppm) {
            d->lost++;
            continue;
        }
        if (d->count == d->cap) {
            d->overflow++;
            continue;
        }
        struct frame *f = malloc(sizeof(*f) + (size_t)n);
        if (!f) {
            d->overflow++;
            continue;
        }
        f->due_ns = t + d->delay_ns;
        f->len = (size_t)n;
        memcpy(f->data, buf, (size_t)n);
        if (use_vnet) {
            /* DATA_VALID is receive-side information: let the far side check. */
            struct virtio_net_hdr *h = (struct virtio_net_hdr *)f->data;
            h->flags &= (uint8_t)~VIRTIO_NET_HDR_F_DATA_VALID;
        }
        d->ring[(d->head + d->count) % d->cap] = f;
        d->count++;
    }
}

/* Send every queued frame whose time has come.  The delay is fixed per
 * direction, so the queue is in due order and only its head need be looked at. */
static void release(struct direction *d, uint64_t now)
{
    while (d->count) {
        struct frame *f = d->ring[d->head];
        if (f->due_ns > now)
            return;
        ssize_t n = send(d->out_fd, f->data, f->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            d->txerr++;          /* ENOBUFS, interface down, ...: the frame is lost */
        else
            d->fwd++;
        free(f);
        d->ring[d->head] = NULL;
        d->head = (d->head + 1) % d->cap;
        d->count--;
    }
}

static void arm_timer(int tfd, struct direction *dirs, int ndirs)
{
    uint64_t next = 0;
    for (int i = 0; i < ndirs; i++) {
        if (dirs[i].count) {
            uint64_t due = dirs[i].ring[dirs[i].head]->due_ns;
            if (next == 0 || due < next)
                next = due;
        }
    }
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    if (next) {                  /* a zero it_value would disarm: due is never 0 */
        its.it_value.tv_sec = (time_t)(next / 1000000000u);
        its.it_value.tv_nsec = (long)(next % 1000000000u);
    }
    if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
        die("timerfd_settime: %s", strerror(errno));
}

static void print_summary(const struct direction *d, int ndirs)
{
    fprintf(stderr, "%s:", prog);
    for (int i = 0; i < ndirs; i++)
        fprintf(stderr, "%s %s received %llu forwarded %llu lost %llu overflow %llu"
                " txerr %llu queued %zu", i ? ";" : "", d[i].name, d[i].rx, d[i].fwd,
                d[i].lost, d[i].overflow, d[i].txerr, d[i].count);
    fputc('\n', stderr);
}

int main(int argc, char **argv)
{
    const char *ifa = NULL, *ifb = NULL;
    double delay[2] = {0, 0}, loss[2] = {0, 0};
    size_t qcap = 4096;
    bool seeded = false;
    int c;

    while ((c = getopt(argc, argv, "a:b:d:l:q:s:Ph")) != -1) {
        switch (c) {
        case 'a': ifa = optarg; break;
        case 'b': ifb = optarg; break;
        case 'd': parse_pair(optarg, "delay", 0, 60000, &delay[0], &delay[1]); break;
        case 'l': parse_pair(optarg, "loss", 0, 100, &loss[0], &loss[1]); break;
        case 'q': qcap = (size_t)parse_number(optarg, "queue size", 1, 1000000); break;
        case 's':
            rng_state = (uint64_t)parse_number(optarg, "seed", 0, 1e18);
            seeded = true;
            break;
        case 'P': use_vnet = false; break;
        case 'h': usage(0); break;
        default: usage(2);
        }
    }
    if (optind != argc || !ifa || !ifb)
        usage(2);
    if (strcmp(ifa, ifb) == 0)
        die("-a and -b must name two different interfaces");
    if (!seeded)
        rng_state = now_ns() ^ ((uint64_t)getpid() << 32);
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    if (rng_state == 0)
        rng_state = 1;

    /* Signals: blocked, then read from a signalfd. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
        die("sigprocmask: %s", strerror(errno));
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0)
        die("signalfd: %s", strerror(errno));
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (tfd < 0)
        die("timerfd_create: %s", strerror(errno));

    int fa = open_port(ifa), fb = open_port(ifb);

    char name_ab[2 * IF_NAMESIZE + 8], name_ba[2 * IF_NAMESIZE + 8];
    snprintf(name_ab, sizeof(name_ab), "%s->%s", ifa, ifb);
    snprintf(name_ba, sizeof(name_ba), "%s->%s", ifb, ifa);
    struct direction dirs[2];
    memset(dirs, 0, sizeof(dirs));
    dirs[0].name = name_ab; dirs[0].in_fd = fa; dirs[0].out_fd = fb;
    dirs[1].name = name_ba; dirs[1].in_fd = fb; dirs[1].out_fd = fa;
    for (int i = 0; i < 2; i++) {
        dirs[i].delay_ns = (uint64_t)(delay[i] * 1e6 + 0.5);
        dirs[i].loss_ppm = (uint32_t)(loss[i] * 1e4 + 0.5);
        queue_init(&dirs[i], qcap);
    }

    unsigned char *buf = malloc(MAX_FRAME);
    if (!buf)
        die("out of memory");

    fprintf(stderr, "%s: ready: %s <-> %s, one-way delay %.3f/%.3f ms, loss %.2f/%.2f %%,"
            " queue %zu\n", prog, ifa, ifb, delay[0], delay[1], loss[0], loss[1], qcap);

    struct pollfd pfd[4] = {
        {.fd = fa, .events = POLLIN}, {.fd = fb, .events = POLLIN},
        {.fd = tfd, .events = POLLIN}, {.fd = sfd, .events = POLLIN},
    };
    for (;;) {
        if (poll(pfd, 4, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll: %s", strerror(errno));
        }
        if (pfd[3].revents) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
                break;
        }
        for (int i = 0; i < 2; i++) {
            if (pfd[i].revents & POLLNVAL)
                die("socket of %s is invalid", i ? ifb : ifa);
            if (pfd[i].revents & POLLERR) {
                /* e.g. ENETDOWN while the link is down: clear it and go on */
                int err = 0;
                socklen_t el = sizeof(err);
                getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &el);
            }
        }
        if (pfd[0].revents & POLLIN)
            receive(&dirs[0], buf);
        if (pfd[1].revents & POLLIN)
            receive(&dirs[1], buf);
        if (pfd[2].revents & POLLIN) {
            uint64_t expirations;
            if (read(tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
                die("timerfd read: %s", strerror(errno));
        }
        uint64_t now = now_ns();
        release(&dirs[0], now);
        release(&dirs[1], now);
        arm_timer(tfd, dirs, 2);
    }

    print_summary(dirs, 2);
    for (int i = 0; i < 2; i++) {
        while (dirs[i].count) {
            free(dirs[i].ring[dirs[i].head]);
            dirs[i].head = (dirs[i].head + 1) % dirs[i].cap;
            dirs[i].count--;
        }
        free(dirs[i].ring);
    }
    free(buf);
    close(fa);
    close(fb);
    close(tfd);
    close(sfd);
    return 0;
}
