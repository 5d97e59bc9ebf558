/* The surface through which mcast/, gem/ and policy/ plug into the Babel
 * core.  The core calls out through these registrations and knows nothing
 * of what is registered. */
#ifndef BABEL_EXTENSION_H
#define BABEL_EXTENSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "babel/config.h"

struct interface;
struct neighbour;
struct route_entry;

/* Extension TLVs (types 224..254), received from a neighbour. */
typedef void (*ext_tlv_fn)(struct neighbour *from, const uint8_t *body, size_t len, void *ctx);
int ext_register_tlv(uint8_t type, ext_tlv_fn fn, void *ctx);
/* Sends an extension TLV to one neighbour (unicast) or, with n NULL, on
 * every interface; 0 or -1. */
int ext_send_tlv(struct neighbour *n, uint8_t type, const uint8_t *body, size_t len);

/* Change callbacks. */
enum ext_change { EXT_ADD, EXT_CHANGE, EXT_FLUSH };
typedef void (*ext_neighbour_fn)(struct neighbour *n, enum ext_change what, void *ctx);
typedef void (*ext_route_fn)(struct route_entry *e, enum ext_change what, void *ctx);
int ext_on_neighbour(ext_neighbour_fn fn, void *ctx);
int ext_on_route(ext_route_fn fn, void *ctx);

/* Local interface: an extension writes its own records into a dump. */
typedef void (*ext_dump_fn)(void (*emit)(const char *line, void *out), void *out, void *ctx);
int ext_register_dump(ext_dump_fn fn, void *ctx);

/* Called by the core. */
bool ext_dispatch_tlv(uint8_t type, struct neighbour *from, const uint8_t *body, size_t len);
void ext_neighbour_changed(struct neighbour *n, enum ext_change what);
void ext_route_changed(struct route_entry *e, enum ext_change what);
void ext_dump(void (*emit)(const char *line, void *out), void *out);

#endif
