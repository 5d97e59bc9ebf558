#include "babel/extension.h"

#include <string.h>

#include "babel/interface.h"
#include "babel/neighbour.h"
#include "babel/packet.h"

#define MAX_HOOKS 16

struct tlv_hook {
    ext_tlv_fn fn;
    void *ctx;
};
static struct tlv_hook tlv_hooks[256];

struct neigh_hook {
    ext_neighbour_fn fn;
    void *ctx;
};
static struct neigh_hook neigh_hooks[MAX_HOOKS];
static unsigned nneigh_hooks;

struct route_hook {
    ext_route_fn fn;
    void *ctx;
};
static struct route_hook route_hooks[MAX_HOOKS];
static unsigned nroute_hooks;

struct ack_hook {
    ext_ack_fn fn;
    void *ctx;
};
static struct ack_hook ack_hooks[MAX_HOOKS];
static unsigned nack_hooks;

struct life_hook {
    void (*start)(void *);
    void (*stop)(void *);
    void *ctx;
};
static struct life_hook life_hooks[MAX_HOOKS];
static unsigned nlife_hooks;
static bool running;

struct flush_hook {
    char kind[32];
    ext_flush_fn fn;
    void *ctx;
};
static struct flush_hook flush_hooks[MAX_HOOKS];
static unsigned nflush_hooks;

struct dump_hook {
    ext_dump_fn fn;
    void *ctx;
};
static struct dump_hook dump_hooks[MAX_HOOKS];
static unsigned ndump_hooks;

int ext_register_tlv(uint8_t type, ext_tlv_fn fn, void *ctx)
{
    if (type < TLV_EXPERIMENTAL_MIN || type > TLV_EXPERIMENTAL_MAX || tlv_hooks[type].fn)
        return -1;
    tlv_hooks[type] = (struct tlv_hook){fn, ctx};
    return 0;
}

bool ext_dispatch_tlv(uint8_t type, struct neighbour *from, const uint8_t *body, size_t len)
{
    if (!tlv_hooks[type].fn)
        return false;
    tlv_hooks[type].fn(from, body, len, tlv_hooks[type].ctx);
    return true;
}

int ext_send_tlv(struct neighbour *n, uint8_t type, const uint8_t *body, size_t len)
{
    if (n) {
        if (SENDBUF_PUT(&n->ubuf, pkt_put_raw(&n->ubuf.w, type, body, len)) < 0)
            return -1;
        sendbuf_schedule(&n->ubuf, 5);
        return 0;
    }
    int rc = 0;
    for (struct interface *ifp = interfaces; ifp; ifp = ifp->next) {
        if (!ifp->up)
            continue;
        if (SENDBUF_PUT(&ifp->buf, pkt_put_raw(&ifp->buf.w, type, body, len)) < 0)
            rc = -1;
        else
            sendbuf_schedule(&ifp->buf, 5);
    }
    return rc;
}

int ext_on_neighbour(ext_neighbour_fn fn, void *ctx)
{
    if (nneigh_hooks == MAX_HOOKS)
        return -1;
    neigh_hooks[nneigh_hooks++] = (struct neigh_hook){fn, ctx};
    return 0;
}

int ext_on_route(ext_route_fn fn, void *ctx)
{
    if (nroute_hooks == MAX_HOOKS)
        return -1;
    route_hooks[nroute_hooks++] = (struct route_hook){fn, ctx};
    return 0;
}

int ext_register_dump(ext_dump_fn fn, void *ctx)
{
    if (ndump_hooks == MAX_HOOKS)
        return -1;
    dump_hooks[ndump_hooks++] = (struct dump_hook){fn, ctx};
    return 0;
}

void ext_neighbour_changed(struct neighbour *n, enum ext_change what)
{
    for (unsigned i = 0; i < nneigh_hooks; i++)
        neigh_hooks[i].fn(n, what, neigh_hooks[i].ctx);
}

void ext_route_changed(struct route_entry *e, enum ext_change what)
{
    for (unsigned i = 0; i < nroute_hooks; i++)
        route_hooks[i].fn(e, what, route_hooks[i].ctx);
}

void ext_dump(void (*emit)(const char *line, void *out), void *out)
{
    for (unsigned i = 0; i < ndump_hooks; i++)
        dump_hooks[i].fn(emit, out, dump_hooks[i].ctx);
}

int ext_send_tlv_acked(struct neighbour *n, uint8_t type, const uint8_t *body, size_t len,
                       uint16_t nonce, uint16_t interval_cs)
{
    if (len > 255)
        return -1;
    /* The request acknowledges the packet, so both TLVs must share one:
     * start a fresh packet when they would not fit together. */
    size_t need = 8 + 2 + len; /* Ack Request TLV, then this one */
    if (n->ubuf.w.len + need > n->ubuf.w.cap)
        sendbuf_flush(&n->ubuf);
    if (pkt_put_ack_req(&n->ubuf.w, nonce, interval_cs) < 0 ||
        pkt_put_raw(&n->ubuf.w, type, body, len) < 0)
        return -1;
    sendbuf_schedule(&n->ubuf, 5);
    return 0;
}

int ext_on_ack(ext_ack_fn fn, void *ctx)
{
    if (nack_hooks == MAX_HOOKS)
        return -1;
    ack_hooks[nack_hooks++] = (struct ack_hook){fn, ctx};
    return 0;
}

void ext_ack_received(struct neighbour *from, uint16_t nonce)
{
    for (unsigned i = 0; i < nack_hooks; i++)
        ack_hooks[i].fn(from, nonce, ack_hooks[i].ctx);
}

int ext_on_lifecycle(void (*start)(void *ctx), void (*stop)(void *ctx), void *ctx)
{
    if (nlife_hooks == MAX_HOOKS)
        return -1;
    life_hooks[nlife_hooks++] = (struct life_hook){start, stop, ctx};
    return 0;
}

bool ext_running(void) { return running; }

void ext_start_all(void)
{
    running = true;
    for (unsigned i = 0; i < nlife_hooks; i++)
        if (life_hooks[i].start)
            life_hooks[i].start(life_hooks[i].ctx);
}

void ext_stop_all(void)
{
    /* In reverse, so what started last (and may use the others) stops first. */
    for (unsigned i = nlife_hooks; i-- > 0;)
        if (life_hooks[i].stop)
            life_hooks[i].stop(life_hooks[i].ctx);
    running = false;
}

int ext_register_flush(const char *kind, ext_flush_fn fn, void *ctx)
{
    if (nflush_hooks == MAX_HOOKS || strlen(kind) >= sizeof(flush_hooks[0].kind) ||
        strcmp(kind, "interface") == 0)
        return -1;
    for (unsigned i = 0; i < nflush_hooks; i++)
        if (strcmp(flush_hooks[i].kind, kind) == 0)
            return -1;
    strlcpy_safe(flush_hooks[nflush_hooks].kind, kind, sizeof(flush_hooks[0].kind));
    flush_hooks[nflush_hooks].fn = fn;
    flush_hooks[nflush_hooks++].ctx = ctx;
    return 0;
}

int ext_dispatch_flush(char **words, int nwords, char *err, size_t errlen)
{
    if (nwords < 1)
        return -2;
    for (unsigned i = 0; i < nflush_hooks; i++)
        if (strcmp(flush_hooks[i].kind, words[0]) == 0)
            return flush_hooks[i].fn(words, nwords, err, errlen, flush_hooks[i].ctx);
    return -2;
}
