/* The local interface: babeld's line protocol on TCP ::1 and UNIX sockets
 * (dump, monitor, configuration lines on read-write sockets). */
#ifndef BABEL_LOCAL_H
#define BABEL_LOCAL_H

#include <stdbool.h>

struct interface;
struct neighbour;
struct route;
struct route_entry;
struct xroute;

enum local_kind { LOCAL_ADD, LOCAL_CHANGE, LOCAL_FLUSH };

/* Listening sockets; each returns 0 or -1 (with a message). */
int local_listen_tcp(int port, bool readwrite);
int local_listen_unix(const char *path, bool readwrite);
void local_close_all(void);

/* Notifications to monitoring clients. */
void local_notify_interface(struct interface *ifp, enum local_kind kind);
void local_notify_neighbour(struct neighbour *n, enum local_kind kind);
void local_notify_route(struct route_entry *e, struct route *r, enum local_kind kind);
void local_notify_xroute(struct xroute *x, enum local_kind kind);
/* A line from an extension, already formatted with its kind word. */
void local_notify_line(const char *line);
bool local_have_monitors(void);

#endif
