/* The control plane's event loop: file descriptors and periodic work.
 * Everything that owns protocol state runs on this one thread. */
#ifndef BABEL_EVENT_H
#define BABEL_EVENT_H

#include <stdint.h>

#define EVENT_NEVER UINT64_MAX

typedef void (*event_fd_fn)(int fd, short revents, void *ctx);
/* Does whatever is due at now_ms and returns when it next wants to run
 * (a now_ms value), or EVENT_NEVER.  Ticks run on every iteration, so they
 * must return quickly when nothing is due. */
typedef uint64_t (*event_tick_fn)(void *ctx);

int event_add_fd(int fd, short events, event_fd_fn fn, void *ctx);
void event_set_events(int fd, short events);
void event_del_fd(int fd);
int event_add_tick(event_tick_fn fn, void *ctx);
/* Runs until event_stop(); returns 0, or -1 on a poll error. */
int event_run(void);
void event_stop(void);

#endif
