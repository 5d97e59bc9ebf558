#include "babel/node.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "babel/util.h"

struct babel_node node;

/* The state file is one line: "router-id ID seqno N".  A restarted router
 * continues from the saved seqno so neighbours do not see it go backwards. */
int node_load_state(const char *path, uint8_t id_out[8], uint16_t *seqno_out)
{
    if (!path || !*path)
        return -1;
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char idbuf[64];
    unsigned seqno;
    int rc = fscanf(f, "router-id %63s seqno %u", idbuf, &seqno);
    fclose(f);
    if (rc != 2 || seqno > 0xFFFF || id_parse(idbuf, id_out) < 0) {
        log_msg("%s: unreadable state file, ignoring it", path);
        return -1;
    }
    *seqno_out = (uint16_t)seqno;
    return 0;
}

int node_save_state(const char *path)
{
    if (!path || !*path)
        return 0;
    char tmp[CONF_PATH_MAX + 8], idbuf[ID_STRLEN];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        log_msg("%s: %s", tmp, strerror(errno));
        return -1;
    }
    fprintf(f, "router-id %s seqno %u\n", id_fmt(node.id, idbuf), node.seqno);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        log_msg("%s: %s", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}
