#include "babel/runtime.h"

#include <stdio.h>
#include <string.h>

#include "babel/extension.h"
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

/* Applies what a parsed line changed to the running daemon. */
static void runtime_apply(const struct config_effect *eff)
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

/* "flush interface IF" is babeld's; other kinds belong to extensions. */
static void runtime_flush(const char *line, char *reply, size_t len)
{
    char copy[1024], *words[32];
    int n = 0;
    strlcpy_safe(copy, line, sizeof(copy));
    for (char *t = strtok(copy, " \t"); t && n < 32; t = strtok(NULL, " \t"))
        words[n++] = t;
    if (n == 3 && strcmp(words[1], "interface") == 0) {
        struct interface *ifp = interface_find(words[2]);
        if (!ifp) {
            snprintf(reply, len, "no No such interface\n");
            return;
        }
        interface_remove(ifp);
        snprintf(reply, len, "ok\n");
        return;
    }
    char err[512] = "";
    int rc = ext_dispatch_flush(words + 1, n - 1, err, sizeof(err));
    if (rc == -2)
        snprintf(reply, len, "bad\n");
    else if (rc < 0)
        snprintf(reply, len, "no %s\n", err[0] ? err : "refused");
    else
        snprintf(reply, len, "ok\n");
}

void runtime_config_line(const char *line, char *reply, size_t len)
{
    char word[64] = "";
    sscanf(line, "%63s", word);
    if (strcmp(word, "flush") == 0) {
        runtime_flush(line, reply, len);
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
        /* Like babeld, a line the parser rejects is "bad"; the extensions'
         * directives say why ("local: " is the origin the parser added). */
        log_debug(1, "%s", err);
        if (config_is_extension(word))
            snprintf(reply, len, "no %s\n", strncmp(err, "local: ", 7) == 0 ? err + 7 : err);
        else
            snprintf(reply, len, "bad\n");
        return;
    }
    runtime_apply(&eff);
    snprintf(reply, len, "ok\n");
}
