#include "babel/local.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "babel/event.h"
#include "babel/extension.h"
#include "babel/interface.h"
#include "babel/mac.h"
#include "babel/neighbour.h"
#include "babel/node.h"
#include "babel/route.h"
#include "babel/runtime.h"
#include "babel/xroute.h"

#define LOCAL_VERSION "babeld-mcr-0.1"
#define MAX_CLIENTS 16
#define MAX_LINE 1024
/* A client that lets this much output pile up is too slow to keep. */
#define MAX_BACKLOG (64u << 20)

struct listener {
    int fd;
    bool readwrite;
    char path[CONF_PATH_MAX]; /* UNIX sockets: unlinked at exit */
};

struct client {
    int fd;
    bool readwrite;
    bool monitor;
    /* Set when the connection failed or fell too far behind: nothing more
     * is written, and the owner of the current event frees it when done
     * (the client may be in use further up the stack). */
    bool dead;
    char in[MAX_LINE];
    size_t inlen;
    char *out;
    size_t outlen, outcap;
};

static struct listener listeners[4];
static unsigned nlisteners;
static struct client *clients[MAX_CLIENTS];

static void client_close(struct client *c)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (clients[i] == c)
            clients[i] = NULL;
    event_del_fd(c->fd);
    close(c->fd);
    free(c->out);
    free(c);
}

static void client_kill(struct client *c)
{
    c->dead = true;
    c->outlen = 0;
}

static void client_try_write(struct client *c)
{
    while (c->outlen > 0 && !c->dead) {
        ssize_t n = write(c->fd, c->out, c->outlen);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                break;
            client_kill(c);
            return;
        }
        memmove(c->out, c->out + n, c->outlen - (size_t)n);
        c->outlen -= (size_t)n;
    }
    event_set_events(c->fd, (short)(POLLIN | (c->outlen ? POLLOUT : 0)));
}

static void client_puts(struct client *c, const char *s)
{
    size_t len = strlen(s);
    if (c->dead)
        return;
    if (c->outlen + len > MAX_BACKLOG) {
        log_msg("local client too slow, disconnecting it");
        client_kill(c);
        return;
    }
    if (c->outlen + len > c->outcap) {
        size_t cap = c->outcap ? c->outcap : 4096;
        while (cap < c->outlen + len)
            cap *= 2;
        char *n = realloc(c->out, cap);
        if (!n) {
            client_kill(c);
            return;
        }
        c->out = n;
        c->outcap = cap;
    }
    memcpy(c->out + c->outlen, s, len);
    c->outlen += len;
    event_set_events(c->fd, POLLIN | POLLOUT);
}

static const char *kind_word(enum local_kind k)
{
    return k == LOCAL_ADD ? "add" : k == LOCAL_CHANGE ? "change" : "flush";
}

static void fmt_interface(char *buf, size_t len, struct interface *ifp, enum local_kind k)
{
    char a[ADDR_STRLEN], b[ADDR_STRLEN];
    if (!ifp->up)
        snprintf(buf, len, "%s interface %s up false\n", kind_word(k), ifp->name);
    else if (ifp->have_ll && ifp->have_ipv4)
        snprintf(buf, len, "%s interface %s up true ipv6 %s ipv4 %s\n", kind_word(k), ifp->name,
                 addr_fmt(ifp->ll, a), addr_fmt(ifp->ipv4, b));
    else if (ifp->have_ll)
        snprintf(buf, len, "%s interface %s up true ipv6 %s\n", kind_word(k), ifp->name,
                 addr_fmt(ifp->ll, a));
    else
        snprintf(buf, len, "%s interface %s up true\n", kind_word(k), ifp->name);
}

static void fmt_neighbour(char *buf, size_t len, struct neighbour *n, enum local_kind k)
{
    char a[ADDR_STRLEN], rtt[64] = "";
    /* As babeld: the RTT is shown only while a sample is recent. */
    if (n->rtt_time && now_ms - n->rtt_time < 180000)
        snprintf(rtt, sizeof(rtt), " rtt %u.%03u rttcost %u", n->rtt_us / 1000, n->rtt_us % 1000,
                 neighbour_rttcost(n));
    snprintf(buf, len,
             "%s neighbour %llx address %s if %s reach %04x ureach %04x rxcost %u txcost %u%s "
             "cost %u\n",
             kind_word(k), (unsigned long long)n->id, addr_fmt(n->addr, a), n->ifp->name,
             n->mhello.bits, n->uhello.bits, neighbour_rxcost(n), neighbour_txcost(n), rtt,
             neighbour_cost(n));
}

static void fmt_xroute(char *buf, size_t len, struct xroute *x, enum local_kind k)
{
    char p[PREFIX_STRLEN], s[PREFIX_STRLEN];
    prefix_fmt(&x->prefix, p);
    prefix_fmt(&x->src_prefix, s);
    snprintf(buf, len, "%s xroute %s-%s prefix %s from %s metric %u\n", kind_word(k), p, s, p, s,
             x->metric);
}

static void fmt_route(char *buf, size_t len, struct route_entry *e, struct route *r,
                      enum local_kind k)
{
    char p[PREFIX_STRLEN], s[PREFIX_STRLEN], id[ID_STRLEN], a[ADDR_STRLEN];
    bool installed = route_selected(e) == r && route_entry_installed(e);
    snprintf(buf, len,
             "%s route %llx prefix %s from %s installed %s id %s metric %u refmetric %u via %s "
             "if %s\n",
             kind_word(k), (unsigned long long)(uintptr_t)r, prefix_fmt(&e->prefix, p),
             prefix_fmt(route_entry_src(e), s), installed ? "yes" : "no", id_fmt(source_id(r->src), id),
             route_metric(r), r->refmetric, addr_fmt(r->neigh->addr, a), r->neigh->ifp->name);
}

static void broadcast(const char *line)
{
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (clients[i] && clients[i]->monitor) {
            client_puts(clients[i], line);
            if (clients[i]->dead)
                client_close(clients[i]);
        }
    }
}

bool local_have_monitors(void)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (clients[i] && clients[i]->monitor)
            return true;
    return false;
}

void local_notify_interface(struct interface *ifp, enum local_kind kind)
{
    if (!local_have_monitors())
        return;
    char buf[512];
    fmt_interface(buf, sizeof(buf), ifp, kind);
    broadcast(buf);
}

void local_notify_neighbour(struct neighbour *n, enum local_kind kind)
{
    if (!local_have_monitors())
        return;
    char buf[512];
    fmt_neighbour(buf, sizeof(buf), n, kind);
    broadcast(buf);
}

void local_notify_route(struct route_entry *e, struct route *r, enum local_kind kind)
{
    if (!local_have_monitors())
        return;
    char buf[512];
    fmt_route(buf, sizeof(buf), e, r, kind);
    broadcast(buf);
}

void local_notify_xroute(struct xroute *x, enum local_kind kind)
{
    if (!local_have_monitors())
        return;
    char buf[512];
    fmt_xroute(buf, sizeof(buf), x, kind);
    broadcast(buf);
}

void local_notify_line(const char *line) { broadcast(line); }

static void dump_xroute(struct xroute *x, void *ctx)
{
    char buf[512];
    fmt_xroute(buf, sizeof(buf), x, LOCAL_ADD);
    client_puts(ctx, buf);
}

static void dump_entry(struct route_entry *e, void *ctx)
{
    char buf[512];
    for (struct route *r = e->routes; r; r = route_next(r)) {
        fmt_route(buf, sizeof(buf), e, r, LOCAL_ADD);
        client_puts(ctx, buf);
    }
}

static void emit_line(const char *line, void *out) { client_puts(out, line); }

static void dump(struct client *c)
{
    char buf[512];
    for (struct interface *ifp = interfaces; ifp; ifp = ifp->next) {
        fmt_interface(buf, sizeof(buf), ifp, LOCAL_ADD);
        client_puts(c, buf);
    }
    for (struct neighbour *n = neighbours; n; n = n->next) {
        fmt_neighbour(buf, sizeof(buf), n, LOCAL_ADD);
        client_puts(c, buf);
    }
    xroute_foreach(dump_xroute, c);
    route_foreach_entry(dump_entry, c);
    mac_dump(emit_line, c);
    ext_dump(emit_line, c);
}

static void handle_line(struct client *c, char *line)
{
    /* Strip the line end and surrounding blanks. */
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
        line[--len] = '\0';
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line == '\0' || *line == '#') {
        client_puts(c, "ok\n"); /* as babeld: nothing to do, done */
        return;
    }
    if (strcmp(line, "quit") == 0) {
        client_try_write(c);
        client_kill(c);
        return;
    }
    if (strcmp(line, "dump") == 0) {
        dump(c);
        client_puts(c, "ok\n");
    } else if (strcmp(line, "monitor") == 0) {
        dump(c);
        c->monitor = true;
        client_puts(c, "ok\n");
    } else if (strcmp(line, "unmonitor") == 0) {
        c->monitor = false;
        client_puts(c, "ok\n");
    } else if (!c->readwrite) {
        client_puts(c, "bad\n");
    } else {
        char reply[600];
        runtime_config_line(line, reply, sizeof(reply));
        client_puts(c, reply);
    }
}

static void client_read(struct client *c, int fd)
{
    char buf[2048];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) {
        if (!(n < 0 && (errno == EAGAIN || errno == EINTR)))
            client_kill(c);
        return;
    }
    for (ssize_t i = 0; i < n && !c->dead; i++) {
        if (buf[i] == '\n') {
            c->in[c->inlen] = '\0';
            c->inlen = 0;
            handle_line(c, c->in);
        } else if (c->inlen < MAX_LINE - 1) {
            c->in[c->inlen++] = buf[i];
        } else {
            /* An over-long line is answered as babeld does with any line
             * it cannot parse, and dropped. */
            c->inlen = 0;
            client_puts(c, "bad\n");
        }
    }
}

/* The one place (with broadcast and shutdown) where a client is freed. */
static void client_event(int fd, short revents, void *ctx)
{
    struct client *c = ctx;
    if (revents & POLLOUT)
        client_try_write(c);
    if (!c->dead && (revents & (POLLIN | POLLHUP | POLLERR)))
        client_read(c, fd);
    if (c->dead)
        client_close(c);
}

static void listener_event(int fd, short revents, void *ctx)
{
    struct listener *l = ctx;
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0)
        return;
    int slot = -1;
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (!clients[i]) {
            slot = i;
            break;
        }
    if (slot < 0) {
        close(cfd);
        return;
    }
    struct client *c = calloc(1, sizeof(*c));
    if (!c) {
        close(cfd);
        return;
    }
    c->fd = cfd;
    c->readwrite = l->readwrite;
    clients[slot] = c;
    event_add_fd(cfd, POLLIN, client_event, c);
    char host[256] = "unknown", id[ID_STRLEN], buf[512];
    gethostname(host, sizeof(host) - 1);
    snprintf(buf, sizeof(buf), "BABEL 1.0\nversion %s\nhost %s\nmy-id %s\nok\n", LOCAL_VERSION, host,
             id_fmt(node.id, id));
    client_puts(c, buf);
}

static int add_listener(int fd, bool readwrite, const char *path)
{
    if (nlisteners == sizeof(listeners) / sizeof(listeners[0])) {
        close(fd);
        return -1;
    }
    struct listener *l = &listeners[nlisteners++];
    l->fd = fd;
    l->readwrite = readwrite;
    strlcpy_safe(l->path, path ? path : "", sizeof(l->path));
    return event_add_fd(fd, POLLIN, listener_event, l);
}

int local_listen_tcp(int port, bool readwrite)
{
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        log_msg("local interface socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
                                .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0 || listen(fd, 8) < 0) {
        log_msg("local interface on [::1]:%d: %s", port, strerror(errno));
        close(fd);
        return -1;
    }
    return add_listener(fd, readwrite, NULL);
}

int local_listen_unix(const char *path, bool readwrite)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sun.sun_path)) {
        log_msg("local interface path too long: %s", path);
        return -1;
    }
    strlcpy_safe(sun.sun_path, path, sizeof(sun.sun_path));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* A socket file left by a previous instance is ours to replace. */
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path);
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 8) < 0) {
        log_msg("local interface on %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return add_listener(fd, readwrite, path);
}

void local_close_all(void)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (clients[i]) {
            client_try_write(clients[i]);
            client_close(clients[i]);
        }
    for (unsigned i = 0; i < nlisteners; i++) {
        event_del_fd(listeners[i].fd);
        close(listeners[i].fd);
        if (listeners[i].path[0])
            unlink(listeners[i].path);
    }
    nlisteners = 0;
}
