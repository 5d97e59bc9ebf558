/* The GEM and ESP data plane's worker thread, apart from the Babel event
 * loop: it polls the gateway's sockets and TUN devices (GEM capture, ESP
 * raw and UDP 4500, the GEM UDP port, the TUN devices), runs their handlers
 * and sends what they queued in batches (sendmmsg), so sealing, opening and
 * sending never hold up a Hello or a local-interface answer.
 *
 * Ownership.  While the worker runs, every piece of GEM and ESP state its
 * handlers touch (sequence numbers, replay windows, OpenSSL contexts,
 * counters, the peer, key and role tables) belongs to the worker.  The
 * control plane changes any of it only between gem_dp_hold() and
 * gem_dp_release(): hold parks the worker at the end of the batch it is in
 * (it checks once per batch, never per packet, and takes no lock on the
 * data path) and waits until it is parked; release lets it go on, and it
 * then re-reads the descriptor set.  So a key rollover, an SA added or
 * replaced, a peer flushed, never meets a packet half sealed with the old
 * one, and a freed object is never used: the park is the grace period.
 * The gem-* and esp-* directive and flush handlers registered through the
 * wrappers below run held, and the periodic work holds when it has
 * something to change.  Records (dump) are not held: the counters have one
 * writer and are read atomically (gem_ctr.h), so a local-interface answer
 * never waits for the worker.  Before the first descriptor is added, and
 * after the daemon stops, there is no worker and holding costs nothing
 * (configuration parsing and the unit tests run everything on one
 * thread). */
#ifndef GEM_GEM_DP_H
#define GEM_GEM_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "babel/config.h"
#include "babel/extension.h"

void gem_dp_register(void);

void gem_dp_hold(void);
void gem_dp_release(void);

/* Descriptors the worker polls for input (it starts with the first one).
 * fn drains a batch and returns; the worker then sends what it queued.
 * From the control plane (they hold). */
typedef void (*gem_dp_fd_fn)(int fd, void *ctx);
int gem_dp_add_fd(int fd, gem_dp_fd_fn fn, void *ctx);
void gem_dp_del_fd(int fd);

/* CLOCK_MONOTONIC in ms (as the event loop's now_ms): the worker's, read
 * once per batch; on the control plane's thread, now_ms. */
uint64_t gem_dp_now_ms(void);

/* The worker tells the control plane something happened (a NAT port learnt):
 * fn runs on the event loop, held, soon after gem_dp_notice(bit). */
void gem_dp_on_notice(unsigned bit, void (*fn)(void));
void gem_dp_notice(unsigned bit);

/* Registration with the control plane, each handler run held.  (Dump
 * handlers are registered as they are: they read the worker's counters
 * with gem_ctr.h, unheld, so an answer never waits for the worker.) */
void gem_dp_directive(const char *keyword, config_directive_fn fn, void *ctx);
void gem_dp_flush(const char *kind, ext_flush_fn fn, void *ctx);
void gem_dp_lifecycle(void (*start)(void *ctx), void (*stop)(void *ctx), void *ctx);

/* ---------------------------------------------------------------------
 * The send batch.  A handler fills a slot (gem_tx_slot: GEM_TX_SLOT_LEN
 * octets, valid until the next gem_tx_commit or flush) and commits it with
 * where it goes; the batch goes out with one sendmmsg per run of slots on
 * the same socket when the handler returns (or when it is full).  Counters
 * are bumped when the kernel's answer is known: *ok, *ok2 and *bytes (+= nbytes)
 * for a packet sent, *err and *err2 for one it would not take (any may be
 * NULL).  Worker only (or the one thread when there is no worker). */
#define GEM_TX_SLOT_LEN (65535 + 64)
struct gem_tx_count {
    uint64_t *ok, *bytes, *err, *err2;
    size_t nbytes;
    uint64_t *ok2; /* a second counter of packets sent (NULL: none) */
};
uint8_t *gem_tx_slot(void);
/* cmsg (IP_PKTINFO, say) is copied; len octets of the slot are sent. */
void gem_tx_commit(int fd, const void *to, socklen_t tolen, const void *cmsg, size_t cmsglen,
                   size_t len, const struct gem_tx_count *count);
void gem_tx_flush(void);
/* Totals: packets committed, sendmmsg calls. */
void gem_tx_stats(unsigned long long *packets, unsigned long long *calls);

#endif
