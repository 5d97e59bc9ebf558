/* libFuzzer harness for mcast/frame.c and mcast/reasm.c: every input is
 * parsed as a captured frame (checksums checked and not); whatever the
 * parser accepts must lie inside the input, and fragments go through a
 * reassembler that must stay within its bounds.  A broken invariant
 * aborts, so libFuzzer keeps the input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcast/frame.h"
#include "mcast/reasm.h"

#define CHECK(c)                                                             \
    do {                                                                     \
        if (!(c)) {                                                          \
            fprintf(stderr, "fuzz_frame: %s:%d: %s\n", __FILE__, __LINE__, #c); \
            abort();                                                         \
        }                                                                    \
    } while (0)

static struct reasm r;
static int inited;
static uint64_t clock_ms;

static void inside(const uint8_t *buf, size_t len, const uint8_t *p, size_t n)
{
    CHECK(p >= buf && p + n <= buf + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!inited) {
        reasm_init(&r);
        inited = 1;
    }
    for (int partial = 0; partial < 2; partial++) {
        struct frame_view v;
        enum frame_result res = frame_parse(data, size, partial, &v);
        CHECK((unsigned)res < FRAME_RESULT_COUNT);
        if (res == FRAME_OK) {
            inside(data, size, v.ip, v.ip_len);
            inside(data, size, v.payload, v.payload_len);
            CHECK(v.payload_len + 8 == v.l4_len);
        } else if (res == FRAME_FRAGMENT && !partial) {
            inside(data, size, v.l4, v.l4_len);
            struct reasm_datagram d;
            enum frame_result why;
            int rc = reasm_add(&r, &v, false, clock_ms++, &d, &why);
            if (rc == 1) {
                struct frame_view u;
                frame_parse_udp(d.l4, d.l4_len, d.src, d.dst, false, &u);
                CHECK(d.l4_len <= 65535 - 20);
                reasm_done(&d);
            }
            CHECK(r.npending <= REASM_MAX_PENDING);
            CHECK(r.bytes <= REASM_MAX_BYTES);
            if (clock_ms % 64 == 0)
                reasm_expire(&r, clock_ms);
        }
    }
    return 0;
}
