/* Unit tests of the GEM/ESP worker (gem/gem_dp.c) over loopback UDP: the
 * send batch (one sendmmsg per run of slots, counters bumped with the
 * kernel's answer), the worker running handlers for the descriptors it is
 * given, and the hand-over: while the control plane holds, no handler runs,
 * and a descriptor removed while held is never polled again. */
#include "tests/unit/unit.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "babel/extension.h"
#include "gem/gem_ctr.h"
#include "gem/gem_dp.h"

static int udp_bound(struct sockaddr_in *a)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    ck_assert_int_ge(fd, 0);
    *a = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(fd, (struct sockaddr *)a, sizeof(*a)), 0);
    socklen_t l = sizeof(*a);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)a, &l), 0);
    int sz = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
    return fd;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Reads one datagram, waiting up to 2 s: its length, or -1. */
static ssize_t recv_wait(int fd, void *buf, size_t len)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 2000) != 1)
        return -1;
    return recv(fd, buf, len, 0);
}

START_TEST(tx_batch)
{
    /* No worker: the batch is the calling thread's. */
    struct sockaddr_in ra;
    int rx = udp_bound(&ra), tx = socket(AF_INET, SOCK_DGRAM, 0);
    ck_assert_int_ge(tx, 0);
    uint64_t ok = 0, bytes = 0, err = 0, err2 = 0;
    unsigned long long p0, c0, p1, c1;
    gem_tx_stats(&p0, &c0);
    for (int i = 0; i < 100; i++) {
        uint8_t *slot = gem_tx_slot();
        ck_assert_ptr_nonnull(slot);
        memset(slot, i, 100 + i);
        struct gem_tx_count c = {.ok = &ok, .bytes = &bytes, .nbytes = 1, .err = &err};
        gem_tx_commit(tx, &ra, sizeof(ra), NULL, 0, 100 + (size_t)i, &c);
    }
    /* 64 went out when the batch filled; the rest wait for the flush. */
    ck_assert_uint_eq(ok, 64);
    gem_tx_flush();
    ck_assert_uint_eq(ok, 100);
    ck_assert_uint_eq(bytes, 100);
    ck_assert_uint_eq(err, 0);
    gem_tx_stats(&p1, &c1);
    ck_assert_uint_eq(p1 - p0, 100);
    ck_assert_uint_eq(c1 - c0, 2); /* one sendmmsg per full batch and one for the rest */
    uint8_t buf[512];
    for (int i = 0; i < 100; i++) {
        ssize_t n = recv_wait(rx, buf, sizeof(buf));
        ck_assert_int_eq(n, 100 + i); /* in order, whole */
        ck_assert_uint_eq(buf[0], (uint8_t)i);
        ck_assert_uint_eq(buf[n - 1], (uint8_t)i);
    }
    /* A socket the kernel refuses (closed): counted as errors, both counters. */
    int dead = socket(AF_INET, SOCK_DGRAM, 0);
    close(dead);
    for (int i = 0; i < 3; i++) {
        gem_tx_slot()[0] = 1;
        struct gem_tx_count c = {.ok = &ok, .err = &err, .err2 = &err2};
        gem_tx_commit(dead, &ra, sizeof(ra), NULL, 0, 1, &c);
    }
    gem_tx_flush();
    ck_assert_uint_eq(ok, 100);
    ck_assert_uint_eq(err, 3);
    ck_assert_uint_eq(err2, 3);
    close(rx);
    close(tx);
}
END_TEST

/* The worker's handler: drains the socket, counts, and echoes each datagram
 * to `echo_to` through the send batch. */
static uint64_t handled, echoed;
static struct sockaddr_in echo_to;
static int echo_fd = -1;
static pthread_t handler_thread;
static bool handler_thread_set;

static void on_input(int fd, void *ctx)
{
    uint8_t buf[2048];
    ssize_t n;
    handler_thread = pthread_self();
    __atomic_store_n(&handler_thread_set, true, __ATOMIC_RELEASE);
    while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
        GEM_CTR_INC(handled);
        uint8_t *slot = gem_tx_slot();
        memcpy(slot, buf, (size_t)n);
        struct gem_tx_count c = {.ok = &echoed};
        gem_tx_commit(echo_fd, &echo_to, sizeof(echo_to), NULL, 0, (size_t)n, &c);
    }
}

static bool wait_handled(uint64_t want)
{
    uint64_t end = mono_ms() + 5000;
    while (mono_ms() < end) {
        if (GEM_CTR(handled) >= want)
            return true;
        usleep(1000);
    }
    return false;
}

START_TEST(worker_and_hold)
{
    gem_dp_register();
    ext_start_all();
    struct sockaddr_in in_a;
    int in = udp_bound(&in_a), out = udp_bound(&echo_to), snd = socket(AF_INET, SOCK_DGRAM, 0);
    echo_fd = socket(AF_INET, SOCK_DGRAM, 0);
    ck_assert_int_ge(snd, 0);
    ck_assert_int_ge(echo_fd, 0);
    ck_assert_int_eq(gem_dp_add_fd(in, on_input, NULL), 0); /* starts the worker */
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(sendto(snd, "abcdef", 6, 0, (struct sockaddr *)&in_a, sizeof(in_a)), 6);
    ck_assert_msg(wait_handled(10), "the worker handled %llu of 10",
                  (unsigned long long)GEM_CTR(handled));
    ck_assert(__atomic_load_n(&handler_thread_set, __ATOMIC_ACQUIRE));
    ck_assert(!pthread_equal(handler_thread, pthread_self())); /* not the control thread */
    uint8_t buf[64];
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(recv_wait(out, buf, sizeof(buf)), 6); /* echoed by the batch */

    /* Held: datagrams wait in the socket, no handler runs (checked for
     * 200 ms: a worker not parked would take them within a millisecond). */
    gem_dp_hold();
    uint64_t before = handled; /* plain read: held, the worker is parked */
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(sendto(snd, "held", 4, 0, (struct sockaddr *)&in_a, sizeof(in_a)), 4);
    usleep(200000);
    ck_assert_uint_eq(handled, before);
    gem_dp_hold(); /* nested: still held after the inner release */
    gem_dp_release();
    usleep(50000);
    ck_assert_uint_eq(handled, before);
    gem_dp_release();
    ck_assert_msg(wait_handled(before + 5), "after release: %llu of %llu",
                  (unsigned long long)GEM_CTR(handled), (unsigned long long)before + 5);

    /* Removed (held inside): never polled again, even with data waiting. */
    gem_dp_del_fd(in);
    uint64_t after = GEM_CTR(handled);
    ck_assert_int_eq(sendto(snd, "gone", 4, 0, (struct sockaddr *)&in_a, sizeof(in_a)), 4);
    usleep(200000);
    ck_assert_uint_eq(GEM_CTR(handled), after);

    ext_stop_all(); /* joins the worker */
    ck_assert_uint_eq(echoed, GEM_CTR(handled));
    close(in);
    close(out);
    close(snd);
    close(echo_fd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gem_dp");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, tx_batch);
    tcase_add_test(tc, worker_and_hold);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
