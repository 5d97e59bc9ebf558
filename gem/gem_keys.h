/* gem-group lines: the SEK and GAK of each group, by key id (two at most,
 * both accepted while a rollover overlaps; the last one configured is the
 * one packets are sealed with), `flush gem-group G [key-id N]`, and the
 * gem-group records (never key material).  Also the small parsing helpers
 * the gem-send and gem-receive directives share. */
#ifndef GEM_GEM_KEYS_H
#define GEM_GEM_KEYS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gem/gem_crypto.h"

#define GEM_KEYS_PER_GROUP 2

struct gem_key {
    uint16_t id;
    struct gem_crypto *crypto;
    uint64_t sealed, accepted; /* packets sent with it, packets that verified and decrypted */
};

void gem_keys_register(void);

/* The key packets to group are sealed with; NULL when none. */
struct gem_key *gem_keys_current(uint32_t group);
/* A key that may open a packet: the group's key with that id, or NULL. */
struct gem_key *gem_keys_find(uint32_t group, uint16_t id);
bool gem_keys_have_group(uint32_t group);

/* The words of a directive: words[1] must be a multicast group. */
int gem_parse_group(char **words, int nwords, uint32_t *group, char *err, size_t errlen);
/* An interface's MTU (1500 when it cannot be read). */
unsigned gem_if_mtu(const char *ifname);
/* Writes a record line to every monitor (kind add/change/flush). */
void gem_notify(const char *line);

#endif
