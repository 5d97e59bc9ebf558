/* mcast-rule: the normalizer's rules as configured (babeld.conf, -C, or a
 * read-write local socket), their parsing, and their local-interface
 * records.  Nothing here touches the kernel or the data plane: after every
 * change the rule table calls the hook set with rule_set_change_hook(). */
#ifndef MCAST_RULE_H
#define MCAST_RULE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RULE_NAME_MAX 32
#define RULE_MAX_OUTPUTS 16

/* Addresses are IPv4 in network byte order; ports in host order. */
struct rule_output {
    char ifname[IF_NAMESIZE];
    uint32_t group;    /* 0: the input group */
    uint16_t port;     /* 0: the original destination port */
    uint8_t ttl;       /* 0: the default (RULE_DEFAULT_TTL) */
    bool unicast;      /* head-end replication to `uaddr` */
    uint32_t uaddr;
};

#define RULE_DEFAULT_TTL 64

struct rule_conf {
    char name[RULE_NAME_MAX];
    char in_if[IF_NAMESIZE];
    uint32_t group;
    uint16_t port;   /* 0: any */
    uint32_t source; /* 0: any */
    uint32_t vip;    /* 0: none (send from the interface's address) */
    int nout;
    struct rule_output out[RULE_MAX_OUTPUTS];
};

/* Parses the words of a `mcast-rule` line (words[0] is the keyword) into
 * *out.  0, or -1 with a reason in err. */
int rule_parse(char **words, int nwords, struct rule_conf *out, char *err, size_t errlen);

/* The rule table (control plane only). */
struct rule {
    struct rule_conf c;
    struct rule *next;
    void *state; /* the control plane's (mcast/norm.c) */
};
extern struct rule *rules;
struct rule *rule_find(const char *name);

enum rule_event { RULE_ADDED, RULE_CHANGED, RULE_REMOVED };
/* Called after a rule was added or replaced (r is in the table) or before
 * it is removed (r is about to be freed). */
void rule_set_change_hook(void (*fn)(struct rule *r, enum rule_event ev));
/* Called after a rule has left the table. */
void rule_set_flush_hook(void (*fn)(void));

/* Adds or replaces by name; removes by name (-1 when there is none). */
struct rule *rule_upsert(const struct rule_conf *c, bool *replaced);
int rule_remove(const char *name);
void rule_remove_all(void);

/* Registers the directive, the flush kind and the dump records. */
void rule_init(void);

/* Formatting helpers shared with the records. */
const char *ip4_fmt(uint32_t a, char buf[16]);

#endif
