/* Configuration lines received on a read-write local socket, applied to the
 * running daemon.  A line that cannot be applied changes nothing. */
#ifndef BABEL_RUNTIME_H
#define BABEL_RUNTIME_H

#include <stddef.h>

#include "babel/config.h"

/* Handles one line; writes the answer ("ok\n", "no <reason>\n" or
 * "bad\n") into reply. */
void runtime_config_line(const char *line, char *reply, size_t len);

#endif
