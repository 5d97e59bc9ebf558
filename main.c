/* babeld: command line, start-up, the main loop and a clean exit. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "babel/config.h"
#include "babel/crypto_lib.h"
#include "babel/extension.h"
#include "babel/event.h"
#include "babel/interface.h"
#include "babel/kernel.h"
#include "babel/kernel_watch.h"
#include "babel/local.h"
#include "babel/message.h"
#include "babel/metrics.h"
#include "babel/neighbour.h"
#include "babel/net.h"
#include "babel/node.h"
#include "babel/route.h"
#include "babel/runtime.h"
#include "babel/source.h"
#include "babel/xroute.h"
#include "gem/gem.h"
#include "mcast/mcast.h"

#define VERSION_STRING "babeld-mcr 0.1 (a Babel routing daemon compatible with babeld 1.12)"
#define DEFAULT_CONFIG "/etc/babeld.conf"
#define MAX_ARGS 64

struct saved_sysctl {
    const char *path;
    char old[32];
    bool changed;
};

static struct saved_sysctl sysctls[] = {
    {"net/ipv6/conf/all/forwarding", "", false},
    {"net/ipv4/conf/all/forwarding", "", false},
    {"net/ipv6/conf/all/accept_redirects", "", false},
    {"net/ipv4/conf/all/rp_filter", "", false},
};
static const char *sysctl_values[] = {"1", "1", "0", "0"};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: babeld [-V] [-m multicast_address] [-p port] [-S state-file]\n"
            "              [-h hello] [-H wired_hello] [-z kind[,factor]] [-M half-time]\n"
            "              [-k metric] [-A metric] [-s] [-l] [-w] [-r] [-u] [-g port|path]\n"
            "              [-G port|path] [-t table] [-T table] [-c file] [-C statement]\n"
            "              [-d level] [-D] [-L logfile] [-I pidfile] interface...\n");
}

static int parse_seconds_ms(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || v <= 0 || v > 655.35)
        return -1;
    *out = (unsigned)(v * 1000 + 0.5);
    return 0;
}

static int fail(const char *fmt, const char *arg)
{
    fprintf(stderr, "babeld: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    return -1;
}

/* Command-line flags set the same options as the configuration, which is
 * read afterwards and so may override them, as babeld does. */
static int parse_args(int argc, char **argv, const char **files, int *nfiles, const char **stmts,
                      int *nstmts)
{
    struct babel_options *o = &node.cfg.opt;
    int c;
    unsigned long v;
    while ((c = getopt(argc, argv, "Vm:p:S:h:H:z:M:k:A:sruwlg:G:t:T:c:C:d:DL:I:")) != -1) {
        switch (c) {
        case 'V':
            printf("%s\n", VERSION_STRING);
            exit(0);
        case 'm':
            if (addr_parse(optarg, o->protocol_group) < 0 || o->protocol_group[0] != 0xff)
                return fail("-m: '%s' is not an IPv6 multicast address", optarg);
            break;
        case 'p':
            if (parse_uint(optarg, 65535, &v) < 0 || v == 0)
                return fail("-p: '%s' is not a port number", optarg);
            o->protocol_port = (unsigned)v;
            break;
        case 'S':
            strlcpy_safe(o->state_file, optarg, sizeof(o->state_file));
            break;
        case 'h':
            if (parse_seconds_ms(optarg, &o->hello_interval_wireless) < 0)
                return fail("-h: '%s' is not an interval in seconds", optarg);
            break;
        case 'H':
            if (parse_seconds_ms(optarg, &o->hello_interval_wired) < 0)
                return fail("-H: '%s' is not an interval in seconds", optarg);
            break;
        case 'z': {
            unsigned kind, factor = 128;
            int n = sscanf(optarg, "%u,%u", &kind, &factor);
            if (n < 1 || kind > 3 || factor < 1 || factor > 256)
                return fail("-z: '%s' is not kind[,factor]", optarg);
            o->diversity = (int)kind;
            o->diversity_factor = factor;
            break;
        }
        case 'M':
            if (parse_uint(optarg, 3600, &v) < 0)
                return fail("-M: '%s' is not a half-life in seconds", optarg);
            o->smoothing_half_life = (unsigned)v;
            break;
        case 'k':
            if (parse_uint(optarg, 0xFFFFFFFFul, &v) < 0)
                return fail("-k: '%s' is not a priority", optarg);
            o->kernel_priority = (unsigned)v;
            break;
        case 'A':
            if (parse_uint(optarg, 0xFFFFFFFFul, &v) < 0)
                return fail("-A: '%s' is not a priority", optarg);
            o->allow_duplicates = (int)v;
            break;
        case 's':
            o->no_split_horizon = true;
            break;
        case 'r':
            o->random_id = true;
            break;
        case 'u':
            /* babeld's "-u" (keep unfeasible routes) needs nothing here:
             * unfeasible routes are always kept until they expire. */
            break;
        case 'w':
            o->assume_wireless = true;
            break;
        case 'l':
            o->link_detect = true;
            break;
        case 'g':
        case 'G': {
            bool rw = c == 'G';
            if (optarg[0] == '/') {
                strlcpy_safe(rw ? o->local_path_rw : o->local_path, optarg, CONF_PATH_MAX);
            } else {
                if (parse_uint(optarg, 65535, &v) < 0 || v == 0)
                    return fail("-g/-G: '%s' is neither a port nor an absolute path", optarg);
                if (rw)
                    o->local_port_rw = (int)v;
                else
                    o->local_port = (int)v;
            }
            break;
        }
        case 't':
            if (parse_uint(optarg, 0xFFFFFFFEul, &v) < 0 || v == 0)
                return fail("-t: '%s' is not a table number", optarg);
            o->export_table = (unsigned)v;
            break;
        case 'T':
            if (parse_uint(optarg, 0xFFFFFFFEul, &v) < 0 || v == 0)
                return fail("-T: '%s' is not a table number", optarg);
            if (o->n_import_tables == CONF_MAX_IMPORT_TABLES)
                return fail("-T: too many import tables%s", "");
            o->import_tables[o->n_import_tables++] = (unsigned)v;
            break;
        case 'c':
            if (*nfiles == MAX_ARGS)
                return fail("-c: too many configuration files%s", "");
            files[(*nfiles)++] = optarg;
            break;
        case 'C':
            if (*nstmts == MAX_ARGS)
                return fail("-C: too many statements%s", "");
            stmts[(*nstmts)++] = optarg;
            break;
        case 'd':
            if (parse_uint(optarg, 10, &v) < 0)
                return fail("-d: '%s' is not a debug level", optarg);
            o->debug = (int)v;
            break;
        case 'D':
            o->daemonise = true;
            break;
        case 'L':
            strlcpy_safe(o->log_file, optarg, sizeof(o->log_file));
            break;
        case 'I':
            strlcpy_safe(o->pid_file, optarg, sizeof(o->pid_file));
            break;
        default:
            usage(stderr);
            return -1;
        }
    }
    return 0;
}

static int write_pid_file(const char *path)
{
    if (!*path)
        return 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST) {
        /* A pid file from a process that no longer runs is stale. */
        FILE *f = fopen(path, "r");
        long pid = 0;
        if (f) {
            if (fscanf(f, "%ld", &pid) != 1)
                pid = 0;
            fclose(f);
        }
        if (pid > 0 && kill((pid_t)pid, 0) == 0) {
            log_msg("%s: another babeld (pid %ld) is running", path, pid);
            return -1;
        }
        unlink(path);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    }
    if (fd < 0) {
        log_msg("creating pid file %s: %s", path, strerror(errno));
        return -1;
    }
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    if (write(fd, buf, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static int daemonise(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0)
        _exit(0);
    setsid();
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0)
        _exit(0);
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        if (node.cfg.opt.log_file[0])
            dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
    return 0;
}

static void choose_router_id(void)
{
    const struct babel_options *o = &node.cfg.opt;
    if (o->have_router_id) {
        memcpy(node.id, o->router_id, 8);
        return;
    }
    if (!o->random_id) {
        /* A modified EUI-64 from the first interface with a MAC-48. */
        for (struct interface *ifp = interfaces; ifp; ifp = ifp->next) {
            struct kernel_link l;
            if (kernel_link_by_name(ifp->name, &l) == 0 && l.mac_len == 6) {
                const uint8_t *m = l.mac;
                uint8_t id[8] = {(uint8_t)(m[0] ^ 0x02), m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]};
                if (!id_is_zero(id)) {
                    memcpy(node.id, id, 8);
                    return;
                }
            }
        }
    }
    do
        random_bytes(node.id, 8);
    while (id_is_zero(node.id));
}

static void setup_kernel(void)
{
    if (node.cfg.opt.skip_kernel_setup)
        return;
    for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++) {
        if (kernel_sysctl_set(sysctls[i].path, sysctl_values[i], sysctls[i].old,
                              sizeof(sysctls[i].old)) == 0)
            sysctls[i].changed = strcmp(sysctls[i].old, sysctl_values[i]) != 0;
        else
            log_msg("could not set %s (use skip-kernel-setup if this is intended)", sysctls[i].path);
    }
}

static void restore_kernel(void)
{
    for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++)
        if (sysctls[i].changed)
            kernel_sysctl_set(sysctls[i].path, sysctls[i].old, NULL, 0);
}

static void dump_to_log(void)
{
    char id[ID_STRLEN];
    log_msg("My id %s seqno %u; %u neighbours' routes, %u exported routes, %u sources",
            id_fmt(node.id, id), node.seqno, route_count(), xroute_count(), source_count());
    for (struct neighbour *n = neighbours; n; n = n->next) {
        char a[ADDR_STRLEN];
        log_msg("Neighbour %s dev %s reach %04x rxcost %u txcost %u cost %u", addr_fmt(n->addr, a),
                n->ifp->name, n->mhello.bits, neighbour_rxcost(n), neighbour_txcost(n),
                neighbour_cost(n));
    }
}

static void signal_event(int fd, short revents, void *ctx)
{
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        switch (si.ssi_signo) {
        case SIGUSR1:
            dump_to_log();
            break;
        case SIGUSR2:
            kernel_watch_resync();
            if (log_open(node.cfg.opt.log_file) < 0)
                log_open(NULL);
            break;
        default:
            event_stop();
            break;
        }
    }
}

static void packet_event(int fd, short revents, void *ctx)
{
    static uint8_t buf[65536];
    for (int i = 0; i < 256; i++) {
        uint8_t src[16], dst[16];
        unsigned ifindex;
        long n = net_recv(buf, sizeof(buf), src, dst, &ifindex);
        if (n == 0)
            return;
        if (n < 0) {
            msg_stats.rx_bad_packets++;
            if (n == -1)
                return;
            continue;
        }
        struct interface *ifp = interface_by_index(ifindex);
        if (ifp)
            message_receive(ifp, src, dst, buf, (size_t)n);
    }
}

static uint64_t tick_interfaces(void *ctx) { return interface_tick(); }
static uint64_t tick_neighbours(void *ctx) { return neighbour_tick(); }
static uint64_t tick_routes(void *ctx) { return route_tick(); }

static int read_configuration(const char **files, int nfiles, const char **stmts, int nstmts)
{
    char err[640];
    struct stat st;
    if (nfiles == 0 && stat(DEFAULT_CONFIG, &st) == 0)
        files[nfiles++] = DEFAULT_CONFIG;
    for (int i = 0; i < nfiles; i++) {
        if (config_parse_file(&node.cfg, files[i], err, sizeof(err)) < 0) {
            fprintf(stderr, "babeld: %s\n", err);
            return -1;
        }
    }
    for (int i = 0; i < nstmts; i++) {
        if (config_parse_line(&node.cfg, stmts[i], "command line", 0, NULL, err, sizeof(err)) < 0) {
            fprintf(stderr, "babeld: %s\n", err);
            return -1;
        }
    }
    return 0;
}

static int open_local_sockets(void)
{
    const struct babel_options *o = &node.cfg.opt;
    if (o->local_port > 0 && local_listen_tcp(o->local_port, false) < 0)
        return -1;
    if (o->local_port_rw > 0 && local_listen_tcp(o->local_port_rw, true) < 0)
        return -1;
    if (o->local_path[0] && local_listen_unix(o->local_path, false) < 0)
        return -1;
    if (o->local_path_rw[0] && local_listen_unix(o->local_path_rw, true) < 0)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    clock_refresh();
    config_init(&node.cfg);
    /* Subsystems register their directives before the configuration is
     * read. */
    mcast_init();
    gem_init();
    const char *files[MAX_ARGS + 1], *stmts[MAX_ARGS];
    int nfiles = 0, nstmts = 0;
    if (parse_args(argc, argv, files, &nfiles, stmts, &nstmts) < 0)
        return 1;
    if (read_configuration(files, nfiles, stmts, nstmts) < 0)
        return 1;
    struct babel_options *o = &node.cfg.opt;
    debug_level = o->debug;
    memcpy(node.protocol_group, o->protocol_group, 16);
    node.protocol_port = o->protocol_port;

    for (int i = optind; i < argc; i++) {
        if (strlen(argv[i]) >= IF_NAMESIZE) {
            fprintf(stderr, "babeld: interface name too long: %s\n", argv[i]);
            return 1;
        }
        interface_add(argv[i]);
    }
    for (const struct interface_conf *ic = node.cfg.interfaces; ic; ic = ic->next)
        interface_add(ic->ifname);
    if (!interfaces) {
        fprintf(stderr, "babeld: no interfaces given (name them on the command line or with "
                        "'interface' lines)\n");
        usage(stderr);
        return 1;
    }
    for (struct interface *ifp = interfaces; ifp; ifp = ifp->next)
        interface_reconfigure(ifp);
    for (struct interface *ifp = interfaces; ifp; ifp = ifp->next) {
        if (ifp->p.key_id[0] && !crypto_lib()) {
            /* Keys without the library that computes MACs: refuse rather
             * than run unauthenticated. */
            fprintf(stderr, "babeld: interface %s has key %s, but libcrypto cannot be "
                            "loaded (install Debian's libssl3)\n", ifp->name, ifp->p.key_id);
            return 1;
        }
    }

    if (o->daemonise && !o->log_file[0])
        strlcpy_safe(o->log_file, "/var/log/babeld.log", sizeof(o->log_file));
    if (o->log_file[0] && log_open(o->log_file) < 0) {
        fprintf(stderr, "babeld: cannot open log file %s: %s\n", o->log_file, strerror(errno));
        return 1;
    }
    if (o->daemonise && daemonise() < 0) {
        log_msg("daemonise: %s", strerror(errno));
        return 1;
    }
    if (write_pid_file(o->pid_file) < 0)
        return 1;

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGUSR2);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

    int rc = 1;
    if (kernel_open() < 0)
        goto out_pid;
    choose_router_id();
    uint8_t saved_id[8];
    uint16_t saved_seqno;
    if (node_load_state(o->state_file, saved_id, &saved_seqno) == 0 &&
        memcmp(saved_id, node.id, 8) == 0)
        node.seqno = seqno_plus(saved_seqno, 1);
    else
        node.seqno = (uint16_t)random_u32();
    node_save_state(o->state_file);

    if (net_open(o->protocol_port) < 0)
        goto out_kernel;
    setup_kernel();
    int stale = kernel_flush_babel_routes(o->export_table);
    if (stale > 0)
        log_msg("removed %d routes left by a previous babeld", stale);
    if (open_local_sockets() < 0)
        goto out_net;

    event_add_fd(sfd, POLLIN, signal_event, NULL);
    event_add_fd(net_fd(), POLLIN, packet_event, NULL);
    event_add_tick(tick_interfaces, NULL);
    event_add_tick(tick_neighbours, NULL);
    event_add_tick(tick_routes, NULL);
    event_add_tick(kernel_watch_tick, NULL);
    metrics_init();
    if (kernel_watch_start() < 0)
        goto out_local;

    char idbuf[ID_STRLEN];
    log_msg("babeld-mcr starting, router-id %s", id_fmt(node.id, idbuf));
    ext_start_all();
    event_run();
    rc = 0;

    clock_refresh();
    ext_stop_all();
    /* Leave cleanly: neighbours hear our routes retracted at once instead
     * of waiting for them to expire. */
    send_retractions_all();
    for (struct neighbour *n = neighbours; n; n = n->next)
        sendbuf_flush(&n->ubuf);
    route_uninstall_all();
    node_save_state(o->state_file);
out_local:
    local_close_all();
out_net:
    restore_kernel();
    net_close();
out_kernel:
    kernel_close();
out_pid:
    if (o->pid_file[0])
        unlink(o->pid_file);
    return rc;
}
