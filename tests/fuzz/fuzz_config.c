/* libFuzzer harness for the configuration grammar: babel/config.c and
 * every extension directive registered by mcast_init() and gem_init()
 * (mcast-rule, sa-announce, mcast-interface, pim-rp, gem-group, gem-send,
 * gem-receive, gem-peer, esp-sa, ...), as the daemon parses them before it
 * starts (ext_running() false: config parse only, no sockets), and the
 * run-time `flush KIND ...` lines through runtime_config_line.
 * Each input is a text, one directive per line.  Invariants: a refused line
 * has a reason that starts with "origin:line:" and changes nothing (global
 * options, default interface line, interface and key lists, and every
 * extension's dump are as before); a refused flush changes no dump either.
 * Extension state is kept between inputs (as in a daemon fed many lines);
 * the invariants hold line by line whatever came before.
 * Run with stdin from /dev/null: a key file named /dev/stdin is read. */
#include <string.h>

#include "babel/config.h"
#include "babel/extension.h"
#include "babel/runtime.h"
#include "gem/gem.h"
#include "mcast/mcast.h"
#include "tests/fuzz/fuzz_common.h"

#define DUMP_MAX (1 << 20)

static struct babel_config cfg;
static char *dump_a, *dump_b;
static size_t dump_len;

static void emit(const char *line, void *out)
{
    char *d = out;
    size_t l = strlen(line);
    if (dump_len + l < DUMP_MAX) {
        memcpy(d + dump_len, line, l + 1);
        dump_len += l;
    }
}

static void dump(char *into)
{
    dump_len = 0;
    into[0] = '\0';
    ext_dump(emit, into);
}

static size_t count_ifs(void)
{
    size_t n = 0;
    for (const struct interface_conf *i = cfg.interfaces; i; i = i->next)
        n++;
    return n;
}

static size_t count_keys(void)
{
    size_t n = 0;
    for (const struct key_conf *k = cfg.keys; k; k = k->next)
        n++;
    return n;
}

static void one_line(const char *line, int lineno)
{
    static struct babel_options opt;
    static struct interface_conf def;
    opt = cfg.opt;
    def = cfg.default_conf;
    size_t nifs = count_ifs(), nkeys = count_keys();
    dump(dump_a);
    char word[64] = "";
    sscanf(line, "%63s", word);
    bool refused;
    if (strcmp(word, "flush") == 0) {
        char reply[600];
        runtime_config_line(line, reply, sizeof(reply));
        CHECK(strcmp(reply, "ok\n") == 0 || strcmp(reply, "bad\n") == 0 ||
              strncmp(reply, "no ", 3) == 0);
        refused = strcmp(reply, "ok\n") != 0;
    } else {
        char err[512] = "";
        struct config_effect eff;
        int rc = config_parse_line(&cfg, line, "fuzz", lineno, &eff, err, sizeof(err));
        CHECK(rc == 0 || rc == -1);
        refused = rc < 0;
        if (refused) {
            char want[32];
            snprintf(want, sizeof(want), "fuzz:%d: ", lineno);
            CHECK(strncmp(err, want, strlen(want)) == 0 && err[strlen(want)] != '\0');
            CHECK(memcmp(&opt, &cfg.opt, sizeof(opt)) == 0);
            CHECK(memcmp(&def, &cfg.default_conf, sizeof(def)) == 0);
            CHECK(count_ifs() == nifs && count_keys() == nkeys);
        }
    }
    if (refused) {
        dump(dump_b);
        CHECK(strcmp(dump_a, dump_b) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dump_a) {
        mcast_init();
        gem_init();
        dump_a = malloc(DUMP_MAX);
        dump_b = malloc(DUMP_MAX);
        CHECK(dump_a && dump_b);
    }
    config_init(&cfg);
    char line[1024];
    size_t off = 0;
    int lineno = 0;
    while (off < size) {
        const uint8_t *nl = memchr(data + off, '\n', size - off);
        size_t l = nl ? (size_t)(nl - (data + off)) : size - off;
        size_t c = l < sizeof(line) - 1 ? l : sizeof(line) - 1;
        memcpy(line, data + off, c);
        line[c] = '\0';
        off += l + 1;
        if (strlen(line) != c)
            continue; /* a NUL inside: no socket or file hands such a line over */
        one_line(line, ++lineno);
    }
    config_free(&cfg);
    return 0;
}
