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

/* Reliable delivery (RFC 8966 3.3): the TLV goes to one neighbour in a
 * unicast packet that also carries an Acknowledgment Request with this
 * nonce; the neighbour answers with an Ack, delivered to the ack
 * callbacks.  Retransmission is the caller's business.  0 or -1. */
int ext_send_tlv_acked(struct neighbour *n, uint8_t type, const uint8_t *body, size_t len,
                       uint16_t nonce, uint16_t interval_cs);
typedef void (*ext_ack_fn)(struct neighbour *from, uint16_t nonce, void *ctx);
int ext_on_ack(ext_ack_fn fn, void *ctx);

/* Lifecycle: directives are parsed before the daemon touches the kernel
 * (a configuration error must change nothing), so extensions act on their
 * configuration in start(), called once the kernel, the Babel socket and the
 * local interface are up, and undo it in stop() at exit.  A directive given
 * at run time (ext_running() true) takes effect at once. */
int ext_on_lifecycle(void (*start)(void *ctx), void (*stop)(void *ctx), void *ctx);
bool ext_running(void);

/* "flush KIND ..." lines on a read-write local socket, for the record kinds
 * an extension owns (flush mcast-rule NAME, flush sa-announce S G).  The
 * handler gets the words after "flush" (words[0] is KIND); on refusal it
 * writes a reason and returns -1, and the client reads "no <reason>". */
typedef int (*ext_flush_fn)(char **words, int nwords, char *err, size_t errlen, void *ctx);
int ext_register_flush(const char *kind, ext_flush_fn fn, void *ctx);
/* -2: no extension owns KIND; else what the handler returned. */
int ext_dispatch_flush(char **words, int nwords, char *err, size_t errlen);

/* Change callbacks. */
enum ext_change { EXT_ADD, EXT_CHANGE, EXT_FLUSH };
typedef void (*ext_neighbour_fn)(struct neighbour *n, enum ext_change what, void *ctx);
typedef void (*ext_route_fn)(struct route_entry *e, enum ext_change what, void *ctx);
int ext_on_neighbour(ext_neighbour_fn fn, void *ctx);
int ext_on_route(ext_route_fn fn, void *ctx);

/* Local interface: an extension writes its own records into a dump. */
typedef void (*ext_dump_fn)(void (*emit)(const char *line, void *out), void *out, void *ctx);
int ext_register_dump(ext_dump_fn fn, void *ctx);

/* Called by the core (and by main for the lifecycle). */
void ext_ack_received(struct neighbour *from, uint16_t nonce);
void ext_start_all(void);
void ext_stop_all(void);
bool ext_dispatch_tlv(uint8_t type, struct neighbour *from, const uint8_t *body, size_t len);
void ext_neighbour_changed(struct neighbour *n, enum ext_change what);
void ext_route_changed(struct route_entry *e, enum ext_change what);
void ext_dump(void (*emit)(const char *line, void *out), void *out);

#endif
