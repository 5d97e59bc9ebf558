/* This router's identity and global protocol state: router-id, the seqno of
 * the routes it originates, and the running configuration. */
#ifndef BABEL_NODE_H
#define BABEL_NODE_H

#include <stdint.h>

#include "babel/config.h"

struct babel_node {
    uint8_t id[8];
    uint16_t seqno;
    struct babel_config cfg;
    uint8_t protocol_group[16];
    unsigned protocol_port;
};

extern struct babel_node node;

/* Reads the state file (seqno, router-id) if it exists; 0 or -1. */
int node_load_state(const char *path, uint8_t id_out[8], uint16_t *seqno_out);
/* Writes it (seqno and router-id) at exit; 0 or -1. */
int node_save_state(const char *path);

#endif
