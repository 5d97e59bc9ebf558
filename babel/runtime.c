#include "babel/runtime.h"

#include <stdio.h>
#include <string.h>

#include "babel/interface.h"
#include "babel/kernel_watch.h"
#include "babel/node.h"

static bool word_in(const char *word, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(word, list[i]) == 0)
            return true;
    return false;
}

/* A read-write socket takes what babeld 1.12 takes (interface, default,
 * key, link-detect, log-file, smoothing-half-life, flush interface) and the
 * extensions' directives.  The other core directives (start-up options,
 * debug, filters) are answered "bad", as babeld answers them. */
static const char *const startup_words[] = {
    "protocol-group", "protocol-port", "kernel-priority", "reflect-kernel-metric",
    "allow-duplicates", "random-id", "ipv6-subtrees", "local-port", "local-port-readwrite",
    "local-path", "local-path-readwrite", "export-table", "import-table",
    "kernel-check-interval", "diversity", "diversity-factor", "daemonise", "skip-kernel-setup",
    "router-id", "state-file", "pid-file", "first-rule-priority", "debug", "in", "out",
    "redistribute", "install", NULL,
};

void runtime_apply(const struct config_effect *eff)
{
    switch (eff->kind) {
    case EFFECT_INTERFACE: {
        struct interface *ifp = interface_find(eff->ifname);
        if (!ifp) {
            ifp = interface_add(eff->ifname);
            if (ifp)
                kernel_watch_interface(ifp);
        } else {
            interface_reconfigure(ifp);
        }
        break;
    }
    case EFFECT_DEFAULT:
        for (struct interface *ifp = interfaces; ifp; ifp = ifp->next)
            interface_reconfigure(ifp);
        break;
    case EFFECT_OPTION:
        if (strcmp(eff->option, "log-file") == 0) {
            if (log_open(node.cfg.opt.log_file) < 0)
                log_open(NULL);
        } else if (strcmp(eff->option, "link-detect") == 0) {
            kernel_watch_resync();
        }
        break;
    case EFFECT_FILTER: /* refused before parsing, as babeld does */
    case EFFECT_KEY:
    case EFFECT_EXTENSION:
    case EFFECT_NONE:
        break;
    }
}

void runtime_config_line(const char *line, char *reply, size_t len)
{
    char word[64] = "";
    sscanf(line, "%63s", word);
    if (strcmp(word, "flush") == 0) {
        char what[32] = "", name[IF_NAMESIZE + 1] = "";
        if (sscanf(line, "flush %31s %16s", what, name) != 2 || strcmp(what, "interface") != 0) {
            snprintf(reply, len, "bad\n");
            return;
        }
        struct interface *ifp = interface_find(name);
        if (!ifp) {
            snprintf(reply, len, "no No such interface\n");
            return;
        }
        interface_remove(ifp);
        snprintf(reply, len, "ok\n");
        return;
    }
    if (word_in(word, startup_words)) {
        log_debug(1, "local: '%s' cannot be given at run time", word);
        snprintf(reply, len, "bad\n");
        return;
    }
    struct config_effect eff;
    char err[512];
    if (config_parse_line(&node.cfg, line, "local", 0, &eff, err, sizeof(err)) < 0) {
        /* Like babeld, a line the parser rejects is "bad". */
        log_debug(1, "%s", err);
        snprintf(reply, len, "bad\n");
        return;
    }
    runtime_apply(&eff);
    snprintf(reply, len, "ok\n");
}
