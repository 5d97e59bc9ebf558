/* babeld.conf: global options, interface and default lines, filters, keys,
 * and directives registered by extensions.  The same parser serves the
 * configuration files, -C statements and run-time lines of the local
 * interface.  Parsing is all-or-nothing: a line that fails changes nothing,
 * and the error names the file (or origin), the line and the reason. */
#ifndef BABEL_CONFIG_H
#define BABEL_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "babel/filter.h"
#include "babel/util.h"

#define CONF_UNSET (-1)
#define CONF_PATH_MAX 256
#define CONF_KEY_ID_MAX 64
#define CONF_MAX_IMPORT_TABLES 32

enum if_type { IF_TYPE_AUTO = 0, IF_TYPE_WIRED, IF_TYPE_WIRELESS, IF_TYPE_TUNNEL };
enum { CHANNEL_INTERFERING = 255, CHANNEL_NONINTERFERING = 0 };

/* One `interface NAME ...` or `default ...` line set, as written: every
 * field CONF_UNSET ("" for strings) unless the configuration said it. */
struct interface_conf {
    char ifname[IF_NAMESIZE]; /* "" for the default line */
    int type;                 /* enum if_type */
    int link_quality;         /* 0, 1, or 2 for auto */
    int split_horizon;        /* 0, 1, or 2 for auto */
    int rxcost;
    int hello_interval;  /* ms */
    int update_interval; /* ms */
    int enable_timestamps;
    int unicast;
    int rfc6126_compatible;
    int rtt_decay;
    int rtt_min; /* ms */
    int rtt_max; /* ms */
    int max_rtt_penalty;
    int v4_via_v6;
    int channel;
    int faraway;
    int accept_bad_signatures;
    char key_id[CONF_KEY_ID_MAX];
    struct interface_conf *next;
};

/* The parameters an interface runs with, every one resolved. */
struct interface_params {
    enum if_type type; /* never AUTO */
    bool link_quality;
    bool split_horizon;
    bool enable_timestamps;
    bool unicast;
    bool rfc6126_compatible;
    bool v4_via_v6;
    bool faraway;
    bool accept_bad_signatures;
    unsigned rxcost;
    unsigned hello_interval;  /* ms */
    unsigned update_interval; /* ms */
    unsigned rtt_decay;
    unsigned rtt_min; /* ms */
    unsigned rtt_max; /* ms */
    unsigned max_rtt_penalty;
    int channel;
    char key_id[CONF_KEY_ID_MAX];
};

enum key_type { KEY_HMAC_SHA256 = 1, KEY_BLAKE2S128 = 2 };

struct key_conf {
    char id[CONF_KEY_ID_MAX];
    enum key_type type;
    uint8_t value[64];
    size_t len;
    struct key_conf *next;
};

/* Global options, with babeld's defaults after config_init(). */
struct babel_options {
    uint8_t protocol_group[16]; /* ff02::1:6 */
    unsigned protocol_port;     /* 6696 */
    unsigned kernel_priority;   /* 0 */
    bool reflect_kernel_metric;
    int allow_duplicates; /* -1: off */
    bool random_id;
    int ipv6_subtrees; /* -1: automatic */
    int debug;
    int local_port;    /* -1: none */
    int local_port_rw; /* -1: none */
    char local_path[CONF_PATH_MAX];
    char local_path_rw[CONF_PATH_MAX];
    unsigned export_table; /* 254 (main) */
    unsigned import_tables[CONF_MAX_IMPORT_TABLES];
    unsigned n_import_tables; /* 0 means the main table */
    unsigned kernel_check_interval; /* ms */
    bool link_detect;
    unsigned smoothing_half_life; /* s; 0 disables smoothing */
    bool daemonise;
    bool skip_kernel_setup;
    bool have_router_id;
    uint8_t router_id[8];
    char state_file[CONF_PATH_MAX]; /* /var/lib/babel-state */
    char log_file[CONF_PATH_MAX];   /* "" : stderr */
    char pid_file[CONF_PATH_MAX];   /* /var/run/babeld.pid */
    unsigned first_rule_priority;   /* 100 */
    int diversity;                  /* 0..3 */
    unsigned diversity_factor;      /* 128 */
    /* Command-line only: */
    unsigned hello_interval_wireless; /* -h, ms, 4000 */
    unsigned hello_interval_wired;    /* -H, ms, 4000 */
    bool assume_wireless;             /* -w */
    bool no_split_horizon;            /* -s */
};

/* An extension's directive: called with the line split into words
 * (words[0] is the keyword).  It validates everything before changing
 * anything; on error it writes a reason (without file or line) to err and
 * returns -1. */
typedef int (*config_directive_fn)(char **words, int nwords, char *err, size_t errlen, void *ctx);

struct babel_config {
    struct babel_options opt;
    struct interface_conf default_conf;
    struct interface_conf *interfaces; /* one per name, merged, in order */
    struct filter *filters[FILTER_KIND_COUNT];
    struct key_conf *keys;
};

/* What a successfully parsed line changed, so a running daemon can apply
 * it. */
enum config_effect_kind {
    EFFECT_OPTION,    /* a global option; `option` names it */
    EFFECT_INTERFACE, /* `ifname` was (re)configured */
    EFFECT_DEFAULT,   /* the default line: every interface */
    EFFECT_FILTER,
    EFFECT_KEY,
    EFFECT_EXTENSION,
    EFFECT_NONE, /* blank line or comment */
};

struct config_effect {
    enum config_effect_kind kind;
    char option[32];
    char ifname[IF_NAMESIZE];
};

void config_init(struct babel_config *c);
void config_free(struct babel_config *c);

/* Parses one line.  `origin` and `lineno` go into the error message as
 * "origin:lineno: reason".  Returns 0 (and fills *eff when not NULL) or -1
 * with *c unchanged. */
int config_parse_line(struct babel_config *c, const char *line, const char *origin, int lineno,
                      struct config_effect *eff, char *err, size_t errlen);
/* Every line of a file; stops at the first error.  0 or -1. */
int config_parse_file(struct babel_config *c, const char *path, char *err, size_t errlen);

/* The interface_conf for a name, or NULL. */
const struct interface_conf *config_find_interface(const struct babel_config *c, const char *ifname);
/* Resolves an interface's parameters: built-in defaults, then command-line
 * defaults, then the default line, then the interface's own line. */
void config_resolve_interface(const struct babel_config *c, const char *ifname, bool is_wireless,
                              struct interface_params *out);
const struct key_conf *config_find_key(const struct babel_config *c, const char *id);

/* Extensions register their directives before the configuration is read. */
int config_register_directive(const char *keyword, config_directive_fn fn, void *ctx);
bool config_is_extension(const char *keyword);

#endif
