#include "gem/gem_keys.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "babel/config.h"
#include "babel/config_words.h"
#include "babel/extension.h"
#include "babel/local.h"
#include "babel/util.h"
#include "gem/gem_ctr.h"
#include "gem/gem_dp.h"
#include "mcast/rule.h"

struct gem_group {
    uint32_t group;
    struct gem_key *keys[GEM_KEYS_PER_GROUP]; /* keys[nkeys - 1] is the current one */
    int nkeys;
    struct gem_group *next;
};

static struct gem_group *groups;

int gem_parse_group(char **words, int nwords, uint32_t *group, char *err, size_t errlen)
{
    if (nwords < 2)
        return config_bad(err, errlen, "%s: missing group", words[0]);
    if (config_parse_ip4(words[1], group) < 0 || !ip4_is_multicast(*group))
        return config_bad(err, errlen, "%s: %s is not an IPv4 multicast group", words[0], words[1]);
    return 0;
}

unsigned gem_if_mtu(const char *ifname)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strlcpy_safe(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 1500;
    int rc = ioctl(fd, SIOCGIFMTU, &ifr);
    close(fd);
    return rc < 0 || ifr.ifr_mtu < 68 ? 1500 : (unsigned)ifr.ifr_mtu;
}

void gem_notify(const char *line)
{
    if (ext_running() && local_have_monitors())
        local_notify_line(line);
}

static struct gem_group *group_find(uint32_t group)
{
    for (struct gem_group *g = groups; g; g = g->next)
        if (g->group == group)
            return g;
    return NULL;
}

struct gem_key *gem_keys_current(uint32_t group)
{
    struct gem_group *g = group_find(group);
    return g && g->nkeys ? g->keys[g->nkeys - 1] : NULL;
}

struct gem_key *gem_keys_find(uint32_t group, uint16_t id)
{
    struct gem_group *g = group_find(group);
    for (int i = 0; g && i < g->nkeys; i++)
        if (g->keys[i]->id == id)
            return g->keys[i];
    return NULL;
}

bool gem_keys_have_group(uint32_t group) { return group_find(group) != NULL; }

/* A key as hex, on the line or alone in a file (surrounding white space
 * allowed); exactly `want` bytes. */
static int parse_key(const char *what, const char *hex, const char *path, uint8_t *out,
                     size_t want, char *err, size_t errlen)
{
    char buf[512];
    if (path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return config_bad(err, errlen, "gem-group: %s-file %s: %s", what, path,
                              strerror(errno));
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        int e = errno;
        close(fd);
        if (n < 0)
            return config_bad(err, errlen, "gem-group: %s-file %s: %s", what, path, strerror(e));
        buf[n] = '\0';
        char *s = buf;
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        size_t l = strlen(s);
        while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\n' || s[l - 1] == '\r'))
            s[--l] = '\0';
        memmove(buf, s, l + 1);
        hex = buf;
    }
    uint8_t tmp[256];
    size_t len = 0;
    int rc = hex_decode(hex, tmp, sizeof(tmp), &len);
    explicit_bzero(buf, sizeof(buf));
    if (rc < 0) {
        explicit_bzero(tmp, sizeof(tmp));
        return config_bad(err, errlen, "gem-group: %s%s%s: not hex (an even number of hex digits)",
                          what, path ? "-file " : "", path ? path : "");
    }
    if (len != want) {
        explicit_bzero(tmp, sizeof(tmp));
        return config_bad(err, errlen, "gem-group: %s%s%s: %zu bytes, must be %zu (%zu hex digits)",
                          what, path ? "-file " : "", path ? path : "", len, want, 2 * want);
    }
    memcpy(out, tmp, want);
    explicit_bzero(tmp, sizeof(tmp));
    return 0;
}

static void fmt_key(const struct gem_group *g, const struct gem_key *k, const char *kind,
                    char *buf, size_t len)
{
    char a[16];
    snprintf(buf, len, "%s gem-group %s key-id %u current %s sealed %llu accepted %llu\n", kind,
             ip4_fmt(g->group, a), k->id, k == g->keys[g->nkeys - 1] ? "yes" : "no",
             (unsigned long long)GEM_CTR(k->sealed), (unsigned long long)GEM_CTR(k->accepted));
}

static void notify_group(const struct gem_group *g, const char *kind)
{
    char buf[256];
    for (int i = 0; i < g->nkeys; i++) {
        fmt_key(g, g->keys[i], kind, buf, sizeof(buf));
        gem_notify(buf);
    }
}

static void key_free(struct gem_key *k)
{
    if (k) {
        gem_crypto_free(k->crypto);
        free(k);
    }
}

/* gem-group G (sek HEX | sek-file PATH) (gak HEX | gak-file PATH) [key-id N] */
static int directive(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    uint32_t group;
    if (gem_parse_group(words, nwords, &group, err, errlen) < 0)
        return -1;
    const char *sek = NULL, *sek_file = NULL, *gak = NULL, *gak_file = NULL;
    unsigned long id = 1;
    bool have_id = false;
    for (int i = 2; i < nwords; i += 2) {
        const char *k = words[i];
        if (i + 1 >= nwords)
            return config_bad(err, errlen, "gem-group: %s without a value", k);
        const char *v = words[i + 1];
        const char **slot = strcmp(k, "sek") == 0        ? &sek
                            : strcmp(k, "sek-file") == 0 ? &sek_file
                            : strcmp(k, "gak") == 0      ? &gak
                            : strcmp(k, "gak-file") == 0 ? &gak_file
                                                         : NULL;
        if (slot) {
            if (*slot)
                return config_bad(err, errlen, "gem-group: %s given twice", k);
            *slot = v;
        } else if (strcmp(k, "key-id") == 0) {
            if (have_id)
                return config_bad(err, errlen, "gem-group: key-id given twice");
            if (parse_uint(v, 65535, &id) < 0)
                return config_bad(err, errlen, "gem-group: key-id %s is not a number 0-65535", v);
            have_id = true;
        } else {
            return config_bad(err, errlen, "gem-group: unknown keyword %s", k);
        }
    }
    if (!sek == !sek_file)
        return config_bad(err, errlen, "gem-group: exactly one of sek or sek-file is needed");
    if (!gak == !gak_file)
        return config_bad(err, errlen, "gem-group: exactly one of gak or gak-file is needed");
    uint8_t sk[GEM_SEK_LEN], ak[GEM_GAK_LEN];
    if (parse_key("sek", sek, sek_file, sk, sizeof(sk), err, errlen) < 0)
        return -1;
    if (parse_key("gak", gak, gak_file, ak, sizeof(ak), err, errlen) < 0) {
        explicit_bzero(sk, sizeof(sk));
        return -1;
    }
    struct gem_group *g = group_find(group);
    int slot = -1;
    for (int i = 0; g && i < g->nkeys; i++)
        if (g->keys[i]->id == id)
            slot = i;
    if (g && slot < 0 && g->nkeys == GEM_KEYS_PER_GROUP) {
        explicit_bzero(sk, sizeof(sk));
        explicit_bzero(ak, sizeof(ak));
        return config_bad(
            err, errlen,
            "gem-group: %s has key ids %u and %u already; flush gem-group %s key-id N "
            "first",
            words[1], g->keys[0]->id, g->keys[1]->id, words[1]);
    }
    struct gem_crypto *c = gem_crypto_new(sk, ak);
    explicit_bzero(sk, sizeof(sk));
    explicit_bzero(ak, sizeof(ak));
    if (!c)
        return config_bad(err, errlen, "gem-group: OpenSSL's AES-256-GCM or HMAC is not available");
    struct gem_key *k = calloc(1, sizeof(*k));
    if (!g)
        g = calloc(1, sizeof(*g));
    if (!k || !g) {
        gem_crypto_free(c);
        free(k);
        if (g && !group_find(group))
            free(g);
        return config_bad(err, errlen, "gem-group: out of memory");
    }
    k->id = (uint16_t)id;
    k->crypto = c;
    if (!group_find(group)) {
        g->group = group;
        g->next = groups;
        groups = g;
    }
    /* The key this line names becomes the current one (last); a key id
     * given again gets its new keys and keeps its counters. */
    if (slot >= 0) {
        struct gem_key *old = g->keys[slot];
        k->sealed = old->sealed;
        k->accepted = old->accepted;
        key_free(old);
        for (int i = slot; i + 1 < g->nkeys; i++)
            g->keys[i] = g->keys[i + 1];
        g->nkeys--;
    }
    g->keys[g->nkeys++] = k;
    /* The new key is added (or changed); the other one is no longer current. */
    char buf[256];
    for (int i = 0; i < g->nkeys; i++) {
        fmt_key(g, g->keys[i], g->keys[i] == k && slot < 0 ? "add" : "change", buf, sizeof(buf));
        gem_notify(buf);
    }
    return 0;
}

/* flush gem-group G [key-id N] */
static int flush(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    uint32_t group;
    if (gem_parse_group(words, nwords, &group, err, errlen) < 0)
        return -1;
    struct gem_group *g = group_find(group);
    if (!g)
        return config_bad(err, errlen, "unknown gem-group %s", words[1]);
    if (nwords == 2) {
        notify_group(g, "flush");
        for (struct gem_group **pp = &groups; *pp; pp = &(*pp)->next)
            if (*pp == g) {
                *pp = g->next;
                break;
            }
        for (int i = 0; i < g->nkeys; i++)
            key_free(g->keys[i]);
        free(g);
        return 0;
    }
    unsigned long id;
    if (nwords != 4 || strcmp(words[2], "key-id") != 0 || parse_uint(words[3], 65535, &id) < 0)
        return config_bad(err, errlen, "usage: flush gem-group G [key-id N]");
    for (int i = 0; i < g->nkeys; i++) {
        if (g->keys[i]->id != id)
            continue;
        if (g->nkeys == 1)
            return config_bad(err, errlen, "key-id %lu is %s's only key: flush gem-group %s", id,
                              words[1], words[1]);
        char buf[256];
        fmt_key(g, g->keys[i], "flush", buf, sizeof(buf));
        gem_notify(buf);
        key_free(g->keys[i]);
        for (int j = i; j + 1 < g->nkeys; j++)
            g->keys[j] = g->keys[j + 1];
        g->nkeys--;
        notify_group(g, "change");
        return 0;
    }
    return config_bad(err, errlen, "gem-group %s has no key-id %lu", words[1], id);
}

static void dump(void (*emit)(const char *line, void *out), void *out, void *ctx)
{
    char buf[256];
    for (const struct gem_group *g = groups; g; g = g->next)
        for (int i = 0; i < g->nkeys; i++) {
            fmt_key(g, g->keys[i], "add", buf, sizeof(buf));
            emit(buf, out);
        }
}

static void stop(void *ctx)
{
    while (groups) {
        struct gem_group *g = groups;
        groups = g->next;
        for (int i = 0; i < g->nkeys; i++)
            key_free(g->keys[i]);
        free(g);
    }
}

void gem_keys_register(void)
{
    /* The keys' OpenSSL contexts and counters are the worker's while it
     * runs: every change and every read is held (gem_dp.h). */
    gem_dp_directive("gem-group", directive, NULL);
    gem_dp_flush("gem-group", flush, NULL);
    ext_register_dump(dump, NULL); /* unheld: counters read atomically */
    gem_dp_lifecycle(NULL, stop, NULL);
}
