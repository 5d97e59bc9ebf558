/* What the unit tests share: running a suite, entering a network namespace
 * of their own (the tests that talk to the kernel), reading another
 * program's view of the kernel, and literals (addresses, hex) that fail the
 * test when mistyped.  Header-only: each test is one program. */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "babel/util.h"

/* Runs the suite; the process's exit status. */
static inline int unit_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Moves the process into a network namespace of its own, with lo up: the
 * kernel tears it down with the last process, so nothing outside is touched
 * or left behind.  0, or 77 (the "skipped" status) with the reason printed. */
static inline int unit_private_netns(const char *test)
{
    if (geteuid() != 0) {
        fprintf(stderr, "%s: skipped, needs root to create a network namespace\n", test);
        return 77;
    }
    if (unshare(CLONE_NEWNET) < 0) {
        fprintf(stderr, "%s: skipped, unshare(CLONE_NEWNET): %s\n", test, strerror(errno));
        return 77;
    }
    if (system("ip link set lo up") != 0) {
        fprintf(stderr, "%s: skipped, cannot bring lo up with ip(8)\n", test);
        return 77;
    }
    return 0;
}

/* True when a line of `cmd`'s output contains `needle`: the kernel's view
 * as another program than the one under test reads it. */
static inline bool unit_output_contains(const char *cmd, const char *needle)
{
    char line[512];
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    bool found = false;
    while (fgets(line, sizeof(line), f))
        if (strstr(line, needle))
            found = true;
    pclose(f);
    return found;
}

/* An IPv4 literal, as the MRIB and the codecs take it. */
static inline struct in_addr unit_ip4(const char *s)
{
    struct in_addr a;
    ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
    return a;
}

/* An IPv4 or IPv6 literal in the 16-byte form of util.h. */
static inline void unit_addr(const char *s, uint8_t out[16])
{
    ck_assert_int_eq(addr_parse(s, out), 0);
}

/* Hex into the array out (its size the limit); the length into *len. */
#define unit_unhex(s, out, len) unit_unhex_((s), (out), sizeof(out), (len))
static inline void unit_unhex_(const char *s, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = 0;
    ck_assert_msg(hex_decode(s, out, cap, &n) == 0, "bad hex or too long: %s", s);
    *len = n;
}

#endif
