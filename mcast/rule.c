/* mcast-rule lines: parsing (validate everything, change nothing on error),
 * the table of rules by name, the directive and `flush mcast-rule NAME`. */
#include "mcast/rule.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "babel/config.h"
#include "babel/config_words.h"
#include "babel/extension.h"
#include "babel/util.h"

struct rule *rules;
static void (*change_hook)(struct rule *r, enum rule_event ev);
static void (*flush_hook)(void);

const char *ip4_fmt(uint32_t a, char buf[16])
{
    if (!inet_ntop(AF_INET, &a, buf, 16))
        strcpy(buf, "?");
    return buf;
}

static int parse_port(const char *name, const char *v, uint16_t *out, char *err, size_t errlen)
{
    unsigned long p;
    if (parse_uint(v, 65535, &p) < 0)
        return config_bad(err, errlen, "mcast-rule %s: port '%s' is not a port number (0-65535)",
                          name, v);
    *out = (uint16_t)p;
    return 0;
}

int rule_parse(char **w, int n, struct rule_conf *out, char *err, size_t errlen)
{
    struct rule_conf c;
    memset(&c, 0, sizeof(c));
    if (n < 2)
        return config_bad(err, errlen, "mcast-rule: missing rule name");
    if (!config_valid_name(w[1], RULE_NAME_MAX))
        return config_bad(
            err, errlen,
            "mcast-rule: '%s' is not a rule name (1-%d letters, digits, '-', '_', '.')", w[1],
            RULE_NAME_MAX - 1);
    strlcpy_safe(c.name, w[1], sizeof(c.name));
    bool have_group = false, have_port = false, have_source = false, have_vip = false;
    struct rule_output *o = NULL;
    bool o_group = false, o_port = false, o_ttl = false, o_unicast = false;
    for (int i = 2; i < n; i++) {
        const char *kw = w[i];
        if (strcmp(kw, "out") == 0) {
            if (i + 1 >= n)
                return config_bad(err, errlen, "mcast-rule %s: 'out' needs an interface", c.name);
            if (c.nout == RULE_MAX_OUTPUTS)
                return config_bad(err, errlen, "mcast-rule %s: more than %d outputs", c.name,
                                  RULE_MAX_OUTPUTS);
            if (!config_valid_ifname(w[i + 1]))
                return config_bad(err, errlen, "mcast-rule %s: '%s' is not an interface name",
                                  c.name, w[i + 1]);
            o = &c.out[c.nout++];
            strlcpy_safe(o->ifname, w[++i], sizeof(o->ifname));
            o_group = o_port = o_ttl = o_unicast = false;
            continue;
        }
        if (i + 1 >= n)
            return config_bad(err, errlen, "mcast-rule %s: missing value after '%s'", c.name, kw);
        const char *v = w[++i];
        if (!o) {
            if (strcmp(kw, "in") == 0) {
                if (c.in_if[0])
                    return config_bad(err, errlen, "mcast-rule %s: 'in' given twice", c.name);
                if (!config_valid_ifname(v))
                    return config_bad(err, errlen, "mcast-rule %s: '%s' is not an interface name",
                                      c.name, v);
                strlcpy_safe(c.in_if, v, sizeof(c.in_if));
            } else if (strcmp(kw, "group") == 0) {
                if (have_group)
                    return config_bad(err, errlen, "mcast-rule %s: 'group' given twice", c.name);
                if (config_parse_ip4(v, &c.group) < 0 || !ip4_is_multicast(c.group))
                    return config_bad(err, errlen,
                                      "mcast-rule %s: group '%s' is not an IPv4 multicast address",
                                      c.name, v);
                have_group = true;
            } else if (strcmp(kw, "port") == 0) {
                if (have_port)
                    return config_bad(err, errlen, "mcast-rule %s: 'port' given twice", c.name);
                if (parse_port(c.name, v, &c.port, err, errlen) < 0)
                    return -1;
                have_port = true;
            } else if (strcmp(kw, "source") == 0) {
                if (have_source)
                    return config_bad(err, errlen, "mcast-rule %s: 'source' given twice", c.name);
                if (config_parse_ip4(v, &c.source) < 0 || !ip4_is_unicast(c.source))
                    return config_bad(err, errlen,
                                      "mcast-rule %s: source '%s' is not an IPv4 unicast address",
                                      c.name, v);
                have_source = true;
            } else if (strcmp(kw, "resource") == 0) {
                if (have_vip)
                    return config_bad(err, errlen, "mcast-rule %s: 'resource' given twice", c.name);
                if (config_parse_ip4(v, &c.vip) < 0 || !ip4_is_unicast(c.vip))
                    return config_bad(err, errlen,
                                      "mcast-rule %s: resource '%s' is not an IPv4 unicast address",
                                      c.name, v);
                have_vip = true;
            } else {
                return config_bad(err, errlen, "mcast-rule %s: unknown keyword '%s'", c.name, kw);
            }
            continue;
        }
        /* Inside an out clause. */
        if (strcmp(kw, "group") == 0) {
            if (o_group)
                return config_bad(err, errlen, "mcast-rule %s: out %s: 'group' given twice", c.name,
                                  o->ifname);
            if (config_parse_ip4(v, &o->group) < 0 || !ip4_is_multicast(o->group))
                return config_bad(
                    err, errlen,
                    "mcast-rule %s: out %s: group '%s' is not an IPv4 multicast address", c.name,
                    o->ifname, v);
            o_group = true;
        } else if (strcmp(kw, "port") == 0) {
            if (o_port)
                return config_bad(err, errlen, "mcast-rule %s: out %s: 'port' given twice", c.name,
                                  o->ifname);
            if (parse_port(c.name, v, &o->port, err, errlen) < 0)
                return -1;
            o_port = true;
        } else if (strcmp(kw, "ttl") == 0) {
            unsigned long t;
            if (o_ttl)
                return config_bad(err, errlen, "mcast-rule %s: out %s: 'ttl' given twice", c.name,
                                  o->ifname);
            if (parse_uint(v, 255, &t) < 0 || t == 0)
                return config_bad(err, errlen, "mcast-rule %s: out %s: ttl '%s' is not 1-255",
                                  c.name, o->ifname, v);
            o->ttl = (uint8_t)t;
            o_ttl = true;
        } else if (strcmp(kw, "unicast") == 0) {
            if (o_unicast)
                return config_bad(err, errlen, "mcast-rule %s: out %s: 'unicast' given twice",
                                  c.name, o->ifname);
            if (config_parse_ip4(v, &o->uaddr) < 0 || !ip4_is_unicast(o->uaddr))
                return config_bad(
                    err, errlen,
                    "mcast-rule %s: out %s: unicast '%s' is not an IPv4 unicast address", c.name,
                    o->ifname, v);
            o->unicast = true;
            o_unicast = true;
        } else {
            return config_bad(err, errlen, "mcast-rule %s: out %s: unknown keyword '%s'", c.name,
                              o->ifname, kw);
        }
    }
    if (!c.in_if[0])
        return config_bad(err, errlen, "mcast-rule %s: missing 'in IF'", c.name);
    if (!have_group)
        return config_bad(err, errlen, "mcast-rule %s: missing 'group G'", c.name);
    if (c.nout == 0)
        return config_bad(err, errlen, "mcast-rule %s: missing 'out IF'", c.name);
    for (int i = 0; i < c.nout; i++)
        if (c.out[i].unicast && c.out[i].group)
            return config_bad(err, errlen,
                              "mcast-rule %s: out %s: 'group' and 'unicast' exclude each other",
                              c.name, c.out[i].ifname);
    *out = c;
    return 0;
}

struct rule *rule_find(const char *name)
{
    for (struct rule *r = rules; r; r = r->next)
        if (strcmp(r->c.name, name) == 0)
            return r;
    return NULL;
}

void rule_set_change_hook(void (*fn)(struct rule *r, enum rule_event ev)) { change_hook = fn; }
void rule_set_flush_hook(void (*fn)(void)) { flush_hook = fn; }

struct rule *rule_upsert(const struct rule_conf *c, bool *replaced)
{
    struct rule *r = rule_find(c->name);
    if (r) {
        r->c = *c;
        if (replaced)
            *replaced = true;
        if (change_hook)
            change_hook(r, RULE_CHANGED);
        return r;
    }
    r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->c = *c;
    struct rule **pp = &rules;
    while (*pp)
        pp = &(*pp)->next;
    *pp = r;
    if (replaced)
        *replaced = false;
    if (change_hook)
        change_hook(r, RULE_ADDED);
    return r;
}

int rule_remove(const char *name)
{
    for (struct rule **pp = &rules; *pp; pp = &(*pp)->next) {
        struct rule *r = *pp;
        if (strcmp(r->c.name, name) != 0)
            continue;
        if (change_hook)
            change_hook(r, RULE_REMOVED);
        *pp = r->next;
        free(r);
        if (flush_hook)
            flush_hook();
        return 0;
    }
    return -1;
}

void rule_remove_all(void)
{
    while (rules)
        rule_remove(rules->c.name);
}

static int directive(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    struct rule_conf c;
    if (rule_parse(words, nwords, &c, err, errlen) < 0)
        return -1;
    if (!rule_upsert(&c, NULL))
        return config_bad(err, errlen, "mcast-rule %s: out of memory", c.name);
    return 0;
}

static int flush(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    if (nwords != 2)
        return config_bad(err, errlen, "usage: flush mcast-rule NAME");
    if (rule_remove(words[1]) < 0)
        return config_bad(err, errlen, "no mcast-rule named '%s'", words[1]);
    return 0;
}

void rule_init(void)
{
    config_register_directive("mcast-rule", directive, NULL);
    ext_register_flush("mcast-rule", flush, NULL);
}
