/* Unit tests for babel/config.c: every directive, the error messages, the
 * all-or-nothing property, interface merging and resolution, keys and
 * extension directives. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "babel/config.h"

static struct babel_config cfg;

static void setup(void) { config_init(&cfg); }
static void teardown(void) { config_free(&cfg); }

static void ok_line(const char *line)
{
    char err[1024] = "";
    int rc = config_parse_line(&cfg, line, "test", 1, NULL, err, sizeof(err));
    ck_assert_msg(rc == 0, "'%s' refused: %s", line, err);
}

/* Parses a multi-line text line by line, as a file would be. */
static void ok_text(const char *text)
{
    char *copy = strdup(text);
    ck_assert_ptr_nonnull(copy);
    int lineno = 0;
    for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char err[1024] = "";
        lineno++;
        ck_assert_msg(config_parse_line(&cfg, l, "text", lineno, NULL, err, sizeof(err)) == 0,
                      "line %d '%s' refused: %s", lineno, l, err);
    }
    free(copy);
}

static const uint8_t *parse_addr(const char *s, uint8_t out[16])
{
    ck_assert_int_eq(addr_parse(s, out), 0);
    return out;
}

/* ---------------------------------------------------------------- */
/* Defaults and global options. */

START_TEST(test_defaults)
{
    uint8_t group[16];
    parse_addr("ff02::1:6", group);
    const struct babel_options *o = &cfg.opt;
    ck_assert_mem_eq(o->protocol_group, group, 16);
    ck_assert_uint_eq(o->protocol_port, 6696);
    ck_assert_uint_eq(o->kernel_priority, 0);
    ck_assert(!o->reflect_kernel_metric);
    ck_assert_int_eq(o->allow_duplicates, -1);
    ck_assert(!o->random_id);
    ck_assert_int_eq(o->ipv6_subtrees, -1);
    ck_assert_int_eq(o->debug, 0);
    ck_assert_int_eq(o->local_port, -1);
    ck_assert_int_eq(o->local_port_rw, -1);
    ck_assert_str_eq(o->local_path, "");
    ck_assert_str_eq(o->local_path_rw, "");
    ck_assert_uint_eq(o->export_table, 254);
    ck_assert_uint_eq(o->n_import_tables, 0);
    ck_assert_uint_eq(o->kernel_check_interval, 300000);
    ck_assert(!o->link_detect);
    ck_assert_uint_eq(o->smoothing_half_life, 4);
    ck_assert(!o->daemonise);
    ck_assert(!o->skip_kernel_setup);
    ck_assert(!o->have_router_id);
    ck_assert_str_eq(o->state_file, "/var/lib/babel-state");
    ck_assert_str_eq(o->log_file, "");
    ck_assert_str_eq(o->pid_file, "/var/run/babeld.pid");
    ck_assert_uint_eq(o->first_rule_priority, 100);
    ck_assert_int_eq(o->diversity, 0);
    ck_assert_uint_eq(o->diversity_factor, 128);
    ck_assert_uint_eq(o->hello_interval_wireless, 4000);
    ck_assert_uint_eq(o->hello_interval_wired, 4000);
    ck_assert(!o->assume_wireless);
    ck_assert(!o->no_split_horizon);

    const struct interface_conf *d = &cfg.default_conf;
    ck_assert_int_eq(d->type, CONF_UNSET);
    ck_assert_int_eq(d->link_quality, CONF_UNSET);
    ck_assert_int_eq(d->split_horizon, CONF_UNSET);
    ck_assert_int_eq(d->rxcost, CONF_UNSET);
    ck_assert_int_eq(d->hello_interval, CONF_UNSET);
    ck_assert_int_eq(d->update_interval, CONF_UNSET);
    ck_assert_int_eq(d->enable_timestamps, CONF_UNSET);
    ck_assert_int_eq(d->unicast, CONF_UNSET);
    ck_assert_int_eq(d->rfc6126_compatible, CONF_UNSET);
    ck_assert_int_eq(d->rtt_decay, CONF_UNSET);
    ck_assert_int_eq(d->rtt_min, CONF_UNSET);
    ck_assert_int_eq(d->rtt_max, CONF_UNSET);
    ck_assert_int_eq(d->max_rtt_penalty, CONF_UNSET);
    ck_assert_int_eq(d->v4_via_v6, CONF_UNSET);
    ck_assert_int_eq(d->channel, CONF_UNSET);
    ck_assert_int_eq(d->faraway, CONF_UNSET);
    ck_assert_int_eq(d->accept_bad_signatures, CONF_UNSET);
    ck_assert_str_eq(d->key_id, "");
    ck_assert_ptr_null(cfg.interfaces);
    ck_assert_ptr_null(cfg.keys);
    for (int k = 0; k < FILTER_KIND_COUNT; k++)
        ck_assert_ptr_null(cfg.filters[k]);
}
END_TEST

START_TEST(test_global_options)
{
    ok_text("# a comment on its own\n"
            "   \n"
            "protocol-group ff02::1:7\n"
            "protocol-port 6697\n"
            "kernel-priority 5\n"
            "reflect-kernel-metric true\n"
            "allow-duplicates 64\n"
            "random-id yes\n"
            "ipv6-subtrees false\n"
            "debug 2\n"
            "local-port 33123\n"
            "local-port-readwrite 33124\n"
            "local-path \"/run/babel ro.sock\"\n"
            "local-path-readwrite /run/babel-rw.sock\n"
            "export-table 100\n"
            "import-table 101\n"
            "import-table 102\n"
            "import-table 101\n"
            "link-detect true\n"
            "diversity true\n"
            "diversity-factor 64\n"
            "smoothing-half-life 0\n"
            "daemonise true\n"
            "skip-kernel-setup true\n"
            "router-id 02:11:22:33:44:55:66:77\n"
            "state-file /tmp/state\n"
            "log-file \"/tmp/babel#1 log\"   # a trailing comment\n"
            "pid-file \"\"\n"
            "first-rule-priority 200\n"
            "\tkernel-check-interval 2.5\n");
    const struct babel_options *o = &cfg.opt;
    uint8_t group[16];
    ck_assert_mem_eq(o->protocol_group, parse_addr("ff02::1:7", group), 16);
    ck_assert_uint_eq(o->protocol_port, 6697);
    ck_assert_uint_eq(o->kernel_priority, 5);
    ck_assert(o->reflect_kernel_metric);
    ck_assert_int_eq(o->allow_duplicates, 64);
    ck_assert(o->random_id);
    ck_assert_int_eq(o->ipv6_subtrees, 0);
    ck_assert_int_eq(o->debug, 2);
    ck_assert_int_eq(o->local_port, 33123);
    ck_assert_int_eq(o->local_port_rw, 33124);
    ck_assert_str_eq(o->local_path, "/run/babel ro.sock");
    ck_assert_str_eq(o->local_path_rw, "/run/babel-rw.sock");
    ck_assert_uint_eq(o->export_table, 100);
    ck_assert_uint_eq(o->n_import_tables, 2); /* repeating a table is harmless */
    ck_assert_uint_eq(o->import_tables[0], 101);
    ck_assert_uint_eq(o->import_tables[1], 102);
    ck_assert(o->link_detect);
    ck_assert_int_eq(o->diversity, 3);
    ck_assert_uint_eq(o->diversity_factor, 64);
    ck_assert_uint_eq(o->smoothing_half_life, 0);
    ck_assert(o->daemonise);
    ck_assert(o->skip_kernel_setup);
    ck_assert(o->have_router_id);
    const uint8_t id[8] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
    ck_assert_mem_eq(o->router_id, id, 8);
    ck_assert_str_eq(o->state_file, "/tmp/state");
    ck_assert_str_eq(o->log_file, "/tmp/babel#1 log");
    ck_assert_str_eq(o->pid_file, "");
    ck_assert_uint_eq(o->first_rule_priority, 200);
    ck_assert_uint_eq(o->kernel_check_interval, 2500);

    /* The other spellings. */
    ok_text("diversity 2\n"
            "ipv6-subtrees true\n"
            "router-id 00:11:22:33:44:55\n"
            "random-id no\n"
            "kernel-check-interval 300\n"
            "export-table 4294967294\n");
    ck_assert_int_eq(o->diversity, 2);
    ck_assert_int_eq(o->ipv6_subtrees, 1);
    const uint8_t mac_id[8] = {0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55};
    ck_assert_mem_eq(o->router_id, mac_id, 8);
    ck_assert(!o->random_id);
    ck_assert_uint_eq(o->kernel_check_interval, 300000);
    ck_assert_uint_eq(o->export_table, 4294967294u);
    ok_line("diversity false");
    ck_assert_int_eq(o->diversity, 0);
    ok_line("local-path \"/with \\\"quotes\\\"\"");
    ck_assert_str_eq(o->local_path, "/with \"quotes\"");
}
END_TEST

START_TEST(test_import_table_limit)
{
    char line[64], err[256];
    for (int i = 0; i < CONF_MAX_IMPORT_TABLES; i++) {
        snprintf(line, sizeof(line), "import-table %d", 1000 + i);
        ok_line(line);
    }
    ck_assert_uint_eq(cfg.opt.n_import_tables, CONF_MAX_IMPORT_TABLES);
    struct babel_options before = cfg.opt;
    ck_assert_int_eq(config_parse_line(&cfg, "import-table 5", "f", 3, NULL, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "f:3: import-table: at most"));
    ck_assert_mem_eq(&before, &cfg.opt, sizeof(before));
}
END_TEST

/* ---------------------------------------------------------------- */
/* Interfaces. */

START_TEST(test_interface_params)
{
    ok_text(
        "key id k1 type hmac-sha256 value 0123456789abcdef\n"
        "interface eth0 type wired link-quality true split-horizon false rxcost 65534 "
        "channel 11 faraway true hello-interval 0.5 update-interval 20 "
        "enable-timestamps true unicast true rfc6126-compatible true rtt-decay 256 "
        "rtt-min 5 rtt-max 200.7 max-rtt-penalty 150 v4-via-v6 false key k1 "
        "accept-bad-signatures true\n"
        "interface wlan0 type wireless link-quality auto split-horizon auto channel interfering "
        "hello-interval 655.35 rxcost 1 rtt-decay 1\n"
        "interface tun0 type tunnel channel noninterfering\n"
        "interface \"eth 1\" type auto\n");
    const struct interface_conf *e = config_find_interface(&cfg, "eth0");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->ifname, "eth0");
    ck_assert_int_eq(e->type, IF_TYPE_WIRED);
    ck_assert_int_eq(e->link_quality, 1);
    ck_assert_int_eq(e->split_horizon, 0);
    ck_assert_int_eq(e->rxcost, 65534);
    ck_assert_int_eq(e->channel, 11);
    ck_assert_int_eq(e->faraway, 1);
    ck_assert_int_eq(e->hello_interval, 500);
    ck_assert_int_eq(e->update_interval, 20000);
    ck_assert_int_eq(e->enable_timestamps, 1);
    ck_assert_int_eq(e->unicast, 1);
    ck_assert_int_eq(e->rfc6126_compatible, 1);
    ck_assert_int_eq(e->rtt_decay, 256);
    ck_assert_int_eq(e->rtt_min, 5);
    ck_assert_int_eq(e->rtt_max, 200);
    ck_assert_int_eq(e->max_rtt_penalty, 150);
    ck_assert_int_eq(e->v4_via_v6, 0);
    ck_assert_str_eq(e->key_id, "k1");
    ck_assert_int_eq(e->accept_bad_signatures, 1);

    const struct interface_conf *w = config_find_interface(&cfg, "wlan0");
    ck_assert_ptr_nonnull(w);
    ck_assert_int_eq(w->type, IF_TYPE_WIRELESS);
    ck_assert_int_eq(w->link_quality, 2);
    ck_assert_int_eq(w->split_horizon, 2);
    ck_assert_int_eq(w->channel, CHANNEL_INTERFERING);
    ck_assert_int_eq(w->hello_interval, 655350);
    ck_assert_int_eq(w->rxcost, 1);
    ck_assert_int_eq(w->rtt_decay, 1);
    ck_assert_int_eq(w->faraway, CONF_UNSET);
    ck_assert_str_eq(w->key_id, "");

    const struct interface_conf *t = config_find_interface(&cfg, "tun0");
    ck_assert_int_eq(t->type, IF_TYPE_TUNNEL);
    ck_assert_int_eq(t->channel, CHANNEL_NONINTERFERING);
    const struct interface_conf *q = config_find_interface(&cfg, "eth 1");
    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(q->type, IF_TYPE_AUTO);
    ck_assert_ptr_null(config_find_interface(&cfg, "eth9"));

    /* In order of first appearance. */
    ck_assert_str_eq(cfg.interfaces->ifname, "eth0");
    ck_assert_str_eq(cfg.interfaces->next->ifname, "wlan0");
    ck_assert_str_eq(cfg.interfaces->next->next->ifname, "tun0");
    ck_assert_str_eq(cfg.interfaces->next->next->next->ifname, "eth 1");
    ck_assert_ptr_null(cfg.interfaces->next->next->next->next);

    /* babeld's deprecated spelling of the type. */
    ok_line("interface eth2 wired false");
    ck_assert_int_eq(config_find_interface(&cfg, "eth2")->type, IF_TYPE_WIRELESS);
    ok_line("interface eth2 wired true");
    ck_assert_int_eq(config_find_interface(&cfg, "eth2")->type, IF_TYPE_WIRED);
    /* A 15-character name is the longest the kernel takes. */
    ok_line("interface abcdefghijklmno");
}
END_TEST

START_TEST(test_interface_merge)
{
    ok_line("interface eth0 rxcost 100 hello-interval 2 link-quality true");
    ok_line("interface eth1 rxcost 7");
    ok_line("interface eth0 rxcost 200 faraway true link-quality auto");
    const struct interface_conf *e = config_find_interface(&cfg, "eth0");
    ck_assert_int_eq(e->rxcost, 200);
    ck_assert_int_eq(e->hello_interval, 2000);
    ck_assert_int_eq(e->faraway, 1);
    ck_assert_int_eq(e->link_quality, 2);
    ck_assert_int_eq(e->update_interval, CONF_UNSET);
    ck_assert_str_eq(cfg.interfaces->ifname, "eth0");
    ck_assert_str_eq(cfg.interfaces->next->ifname, "eth1");
    ck_assert_ptr_null(cfg.interfaces->next->next);
    ck_assert_int_eq(config_find_interface(&cfg, "eth1")->rxcost, 7);

    /* The default line merges the same way. */
    ok_line("default rxcost 300 unicast true");
    ok_line("default rxcost 301");
    ck_assert_int_eq(cfg.default_conf.rxcost, 301);
    ck_assert_int_eq(cfg.default_conf.unicast, 1);
    ck_assert_str_eq(cfg.default_conf.ifname, "");
    /* A bare default line is accepted and changes nothing. */
    ok_line("default");
    ck_assert_int_eq(cfg.default_conf.rxcost, 301);
}
END_TEST

START_TEST(test_resolve_wired)
{
    struct interface_params p;
    config_resolve_interface(&cfg, "eth0", false, &p);
    ck_assert_int_eq(p.type, IF_TYPE_WIRED);
    ck_assert(!p.link_quality);
    ck_assert(p.split_horizon);
    ck_assert(!p.enable_timestamps);
    ck_assert(!p.unicast);
    ck_assert(!p.rfc6126_compatible);
    ck_assert(p.v4_via_v6);
    ck_assert(!p.faraway);
    ck_assert(!p.accept_bad_signatures);
    ck_assert_uint_eq(p.rxcost, 96);
    ck_assert_uint_eq(p.hello_interval, 4000);
    ck_assert_uint_eq(p.update_interval, 16000);
    ck_assert_uint_eq(p.rtt_decay, 42);
    ck_assert_uint_eq(p.rtt_min, 10);
    ck_assert_uint_eq(p.rtt_max, 120);
    ck_assert_uint_eq(p.max_rtt_penalty, 0);
    ck_assert_int_eq(p.channel, CHANNEL_NONINTERFERING);
    ck_assert_str_eq(p.key_id, "");
}
END_TEST

START_TEST(test_resolve_wireless)
{
    struct interface_params p;
    config_resolve_interface(&cfg, "wlan0", true, &p);
    ck_assert_int_eq(p.type, IF_TYPE_WIRELESS);
    ck_assert(p.link_quality);
    ck_assert(!p.split_horizon);
    ck_assert(!p.enable_timestamps);
    ck_assert_uint_eq(p.rxcost, 256);
    ck_assert_uint_eq(p.hello_interval, 4000);
    ck_assert_uint_eq(p.update_interval, 16000);
    ck_assert_uint_eq(p.max_rtt_penalty, 0);
    ck_assert_int_eq(p.channel, CONF_UNSET); /* to be detected */

    ok_line("interface wlan0 channel 6");
    config_resolve_interface(&cfg, "wlan0", true, &p);
    ck_assert_int_eq(p.channel, 6);
}
END_TEST

START_TEST(test_resolve_tunnel)
{
    ok_line("interface tun0 type tunnel");
    struct interface_params p;
    config_resolve_interface(&cfg, "tun0", true, &p); /* type beats detection */
    ck_assert_int_eq(p.type, IF_TYPE_TUNNEL);
    ck_assert(!p.link_quality);
    ck_assert(!p.split_horizon);
    ck_assert(p.enable_timestamps);
    ck_assert_uint_eq(p.rxcost, 96);
    ck_assert_uint_eq(p.max_rtt_penalty, 96);
    ck_assert_uint_eq(p.hello_interval, 4000);
    ck_assert_int_eq(p.channel, CHANNEL_NONINTERFERING);

    ok_line("interface tun0 enable-timestamps false max-rtt-penalty 0");
    config_resolve_interface(&cfg, "tun0", false, &p);
    ck_assert(!p.enable_timestamps);
    ck_assert_uint_eq(p.max_rtt_penalty, 0);
}
END_TEST

START_TEST(test_resolve_command_line)
{
    struct interface_params p;
    cfg.opt.hello_interval_wireless = 2000;
    cfg.opt.hello_interval_wired = 3000;
    config_resolve_interface(&cfg, "wlan0", true, &p);
    ck_assert_uint_eq(p.hello_interval, 2000);
    ck_assert_uint_eq(p.update_interval, 8000);
    config_resolve_interface(&cfg, "eth0", false, &p);
    ck_assert_uint_eq(p.hello_interval, 3000);
    ck_assert_uint_eq(p.update_interval, 12000);

    /* -w: everything not typed explicitly is wireless. */
    cfg.opt.assume_wireless = true;
    config_resolve_interface(&cfg, "eth0", false, &p);
    ck_assert_int_eq(p.type, IF_TYPE_WIRELESS);
    ck_assert_uint_eq(p.rxcost, 256);
    ok_line("interface eth0 type wired");
    config_resolve_interface(&cfg, "eth0", false, &p);
    ck_assert_int_eq(p.type, IF_TYPE_WIRED);
    ck_assert(p.split_horizon);

    /* -s: no split horizon, unless a line asks for it. */
    cfg.opt.no_split_horizon = true;
    config_resolve_interface(&cfg, "eth0", false, &p);
    ck_assert(!p.split_horizon);
    ok_line("interface eth0 split-horizon true");
    config_resolve_interface(&cfg, "eth0", false, &p);
    ck_assert(p.split_horizon);
}
END_TEST

START_TEST(test_resolve_layers)
{
    ok_text("key id k type blake2s128 value 00112233\n"
            "default rxcost 200 hello-interval 1 link-quality true key k\n"
            "interface eth0 rxcost 300 link-quality auto\n"
            "interface eth1 update-interval 9\n");
    struct interface_params p;
    config_resolve_interface(&cfg, "eth0", false, &p);
    ck_assert_uint_eq(p.rxcost, 300);
    ck_assert_uint_eq(p.hello_interval, 1000);
    ck_assert_uint_eq(p.update_interval, 4000);
    ck_assert(!p.link_quality); /* explicit auto: detected, wired */
    ck_assert_str_eq(p.key_id, "k");
    config_resolve_interface(&cfg, "eth1", false, &p);
    ck_assert_uint_eq(p.rxcost, 200);
    ck_assert_uint_eq(p.update_interval, 9000);
    ck_assert(p.link_quality);
    config_resolve_interface(&cfg, "unknown0", true, &p);
    ck_assert_uint_eq(p.rxcost, 200);
    ck_assert(p.link_quality);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Keys. */

static char *hex_of_len(size_t bytes)
{
    char *s = malloc(bytes * 2 + 1);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < bytes * 2; i++)
        s[i] = "0123456789abcdef"[i % 16];
    s[bytes * 2] = '\0';
    return s;
}

static int try_key(const char *type, size_t bytes)
{
    char *hex = hex_of_len(bytes);
    char line[512], err[512];
    snprintf(line, sizeof(line), "key id kk type %s value %s", type, hex);
    free(hex);
    return config_parse_line(&cfg, line, "t", 1, NULL, err, sizeof(err));
}

START_TEST(test_keys)
{
    ck_assert_int_eq(try_key("hmac-sha256", 1), 0);
    ck_assert_int_eq(try_key("hmac-sha256", 64), 0);
    ck_assert_int_eq(try_key("hmac-sha256", 65), -1);
    ck_assert_int_eq(try_key("blake2s128", 1), 0);
    ck_assert_int_eq(try_key("blake2s128", 32), 0);
    ck_assert_int_eq(try_key("blake2s128", 33), -1);

    ok_line("key id k1 type hmac-sha256 value DEADbeef");
    const struct key_conf *k = config_find_key(&cfg, "k1");
    ck_assert_ptr_nonnull(k);
    ck_assert_int_eq(k->type, KEY_HMAC_SHA256);
    ck_assert_uint_eq(k->len, 4);
    const uint8_t v[4] = {0xde, 0xad, 0xbe, 0xef};
    ck_assert_mem_eq(k->value, v, 4);

    /* Redefinition replaces, without adding a second entry. */
    ok_line("key value 0102 type blake2s128 id k1");
    k = config_find_key(&cfg, "k1");
    ck_assert_int_eq(k->type, KEY_BLAKE2S128);
    ck_assert_uint_eq(k->len, 2);
    int n = 0;
    for (const struct key_conf *x = cfg.keys; x; x = x->next)
        n++;
    ck_assert_int_eq(n, 2); /* kk and k1 */
    ck_assert_ptr_null(config_find_key(&cfg, "nope"));

    /* An interface may only name a defined key. */
    ok_line("interface eth0 key k1");
    ck_assert_str_eq(config_find_interface(&cfg, "eth0")->key_id, "k1");
    ok_line("default key kk");
    ck_assert_str_eq(cfg.default_conf.key_id, "kk");
}
END_TEST

/* ---------------------------------------------------------------- */
/* Errors leave everything unchanged. */

struct snapshot {
    struct babel_options opt;
    struct interface_conf dflt;
    char *lists;
    size_t len;
};

static void append(struct snapshot *s, const void *p, size_t n)
{
    s->lists = realloc(s->lists, s->len + n);
    ck_assert_ptr_nonnull(s->lists);
    memcpy(s->lists + s->len, p, n);
    s->len += n;
}

static void take_snapshot(struct snapshot *s)
{
    memset(s, 0, sizeof(*s));
    memcpy(&s->opt, &cfg.opt, sizeof(s->opt));
    memcpy(&s->dflt, &cfg.default_conf, sizeof(s->dflt));
    for (const struct interface_conf *ic = cfg.interfaces; ic; ic = ic->next) {
        struct interface_conf c = *ic;
        c.next = NULL;
        append(s, &c, sizeof(c));
    }
    for (int k = 0; k < FILTER_KIND_COUNT; k++) {
        append(s, "|", 1);
        for (const struct filter *f = cfg.filters[k]; f; f = f->next) {
            struct filter c = *f;
            c.next = NULL;
            append(s, &c, sizeof(c));
        }
    }
    for (const struct key_conf *k = cfg.keys; k; k = k->next) {
        struct key_conf c = *k;
        c.next = NULL;
        append(s, &c, sizeof(c));
    }
}

static void assert_same(const struct snapshot *a, const struct snapshot *b, const char *line)
{
    ck_assert_msg(memcmp(&a->opt, &b->opt, sizeof(a->opt)) == 0, "options changed by '%s'", line);
    ck_assert_msg(memcmp(&a->dflt, &b->dflt, sizeof(a->dflt)) == 0, "default changed by '%s'",
                  line);
    ck_assert_msg(a->len == b->len && memcmp(a->lists, b->lists, a->len) == 0,
                  "lists changed by '%s'", line);
}

static const struct {
    const char *line;
    const char *reason; /* the whole reason after "origin:line: " */
} bad_lines[] = {
    {"interface eth0 rxcost abc", "rxcost: expected a number from 1 to 65534, got 'abc'"},
    {"interface eth0 rxcost 0", "rxcost: expected a number from 1 to 65534, got '0'"},
    {"interface eth0 rxcost 65535", "rxcost: expected a number from 1 to 65534, got '65535'"},
    {"interface eth0 rxcost -5", "rxcost: expected a number from 1 to 65534, got '-5'"},
    {"interface eth0 foo 1", "unknown interface parameter 'foo'"},
    {"interface eth0 rxcost 10 foo", "unknown interface parameter 'foo'"},
    {"interface eth0 hello-interval", "missing value for 'hello-interval'"},
    {"interface eth0 rxcost 10 hello-interval 0",
     "hello-interval: expected a duration in seconds from 0.001 to 655.35, got '0'"},
    {"interface eth0 hello-interval 655.36",
     "hello-interval: expected a duration in seconds from 0.001 to 655.35, got '655.36'"},
    {"interface eth0 hello-interval 1.0005",
     "hello-interval: expected a duration in seconds from 0.001 to 655.35, got '1.0005'"},
    {"interface eth0 update-interval 1s",
     "update-interval: expected a duration in seconds from 0.001 to 655.35, got '1s'"},
    {"interface eth0 key k1", "key 'k1' is not defined"},
    {"interface", "missing value for 'interface'"},
    {"interface abcdefghijklmnop", "interface: interface name 'abcdefghijklmnop' is longer than "
                                   "15 characters"},
    {"interface \"\"", "interface: empty interface name"},
    {"interface eth0 type fast", "type: expected auto, wired, wireless or tunnel, got 'fast'"},
    {"interface eth0 link-quality maybe", "link-quality: expected true, false or auto, got "
                                          "'maybe'"},
    {"interface eth0 faraway 1", "faraway: expected true or false, got '1'"},
    {"interface eth0 channel 255",
     "channel: expected a number from 1 to 254, interfering or noninterfering, got '255'"},
    {"interface eth0 channel 0",
     "channel: expected a number from 1 to 254, interfering or noninterfering, got '0'"},
    {"interface eth0 rtt-decay 257", "rtt-decay: expected a number from 1 to 256, got '257'"},
    {"interface eth0 rtt-decay 0", "rtt-decay: expected a number from 1 to 256, got '0'"},
    {"interface eth0 rtt-min 0.5",
     "rtt-min: expected a time in milliseconds from 1 to 1000000, got '0.5'"},
    {"interface eth0 max-rtt-penalty 65536",
     "max-rtt-penalty: expected a number from 0 to 65535, got '65536'"},
    {"interface eth0 \"unterminated", "unterminated quoted string"},
    {"interface \"eth0\"x", "unexpected text after a quoted string"},
    {"default rxcost -1", "rxcost: expected a number from 1 to 65534, got '-1'"},
    {"default bogus", "unknown interface parameter 'bogus'"},
    {"protocol-port 0", "protocol-port: expected a number from 1 to 65535, got '0'"},
    {"protocol-port 65536", "protocol-port: expected a number from 1 to 65535, got '65536'"},
    {"protocol-port", "missing value for 'protocol-port'"},
    {"protocol-port 1 2", "protocol-port: unexpected '2' after the value"},
    {"protocol-group fe80::1", "protocol-group: expected an IPv6 multicast address, got "
                               "'fe80::1'"},
    {"protocol-group 224.0.0.1", "protocol-group: expected an IPv6 multicast address, got "
                                 "'224.0.0.1'"},
    {"kernel-priority 4294967296",
     "kernel-priority: expected a number from 0 to 4294967295, got '4294967296'"},
    {"allow-duplicates -1", "allow-duplicates: expected a number from 0 to 2147483647, got '-1'"},
    {"debug 4", "debug: expected a number from 0 to 3, got '4'"},
    {"diversity 4", "diversity: expected true, false or a kind from 0 to 3, got '4'"},
    {"diversity-factor 0", "diversity-factor: expected a number from 1 to 256, got '0'"},
    {"diversity-factor 257", "diversity-factor: expected a number from 1 to 256, got '257'"},
    {"export-table 0", "export-table: expected a number from 1 to 4294967294, got '0'"},
    {"export-table 4294967295",
     "export-table: expected a number from 1 to 4294967294, got '4294967295'"},
    {"import-table 0", "import-table: expected a number from 1 to 4294967294, got '0'"},
    {"router-id 01:02:03", "router-id: expected an EUI-64 or a MAC-48 address, got '01:02:03'"},
    {"random-id maybe", "random-id: expected true or false, got 'maybe'"},
    {"link-detect", "missing value for 'link-detect'"},
    {"local-port 0", "local-port: expected a number from 1 to 65535, got '0'"},
    {"local-port-readwrite 70000",
     "local-port-readwrite: expected a number from 1 to 65535, got '70000'"},
    {"smoothing-half-life x", "smoothing-half-life: expected a number from 0 to 65535, got 'x'"},
    {"kernel-check-interval 0",
     "kernel-check-interval: expected a duration in seconds from 0.001 to 65535, got '0'"},
    {"first-rule-priority 40000",
     "first-rule-priority: expected a number from 0 to 32765, got '40000'"},
    {"frobnicate 1", "unknown directive 'frobnicate'"},
    {"key id k2 type md5 value 00", "key: type: expected hmac-sha256 or blake2s128, got 'md5'"},
    {"key id k2 type hmac-sha256 value 0", "key: value: expected an even number of hexadecimal "
                                           "digits"},
    {"key id k2 type hmac-sha256 value zz", "key: value: expected an even number of hexadecimal "
                                            "digits"},
    {"key type hmac-sha256 value 00", "key: missing 'id'"},
    {"key id k2 value 00", "key: missing 'type'"},
    {"key id k2 type hmac-sha256", "key: missing 'value'"},
    {"key id k2 type hmac-sha256 value", "missing value for 'value'"},
    {"key id k2 colour red", "key: unknown key parameter 'colour'"},
    {"in ip 10.0.0.0/33", "ip: expected a prefix, got '10.0.0.0/33'"},
    {"in ip 10.0.0.0/8 le 33", "le: expected a length from 0 to 32 for IPv4, got 33"},
    {"out src-ip 10.0.0.0/8 src-ge 40", "src-ge: expected a length from 0 to 32 for IPv4, got 40"},
    {"in eq 129", "eq: expected a number from 0 to 128, got '129'"},
    {"in local", "local: only valid in a redistribute filter, not 'in'"},
    {"out table 5", "table: only valid in an install filter, not 'out'"},
    {"in src-prefix ::/0", "src-prefix: only valid in a redistribute filter, not 'in'"},
    {"redistribute pref-src 10.0.0.1", "pref-src: only valid in an install filter, not "
                                       "'redistribute'"},
    {"install table 0", "table: expected a number from 1 to 2147483647, got '0'"},
    {"in metric 65536", "metric: expected a number from 0 to 65535, got '65536'"},
    {"in ip 10.0.0.0/8 src-ip ::/0", "src-ip: mixes IPv4 and IPv6"},
    {"redistribute ip 2001:db8::/32 src-prefix 10.0.0.0/8", "src-prefix: mixes IPv4 and IPv6"},
    {"in proto 256", "proto: expected a number from 0 to 255, got '256'"},
    {"in frob", "in: unknown filter keyword 'frob'"},
    {"in ip", "missing value for 'ip'"},
    {"in neigh fe80::zz", "neigh: expected an address, got 'fe80::zz'"},
    {"in id 1:2", "id: expected an EUI-64 or a MAC-48 address, got '1:2'"},
    {"out if abcdefghijklmnop", "if: interface name 'abcdefghijklmnop' is longer than 15 "
                                "characters"},
    {"redistribute local proto 4", "redistribute: 'local' and 'proto' cannot be combined"},
};

START_TEST(test_errors_change_nothing)
{
    ok_text("interface eth0 rxcost 100\n"
            "key id k0 type hmac-sha256 value 00ff\n"
            "in ip 10.0.0.0/8 deny\n"
            "redistribute local allow\n"
            "default hello-interval 2\n"
            "import-table 7\n");
    struct snapshot before, after;
    take_snapshot(&before);
    for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
        char err[1024] = "", want[1024];
        struct config_effect eff = {.kind = EFFECT_OPTION};
        int rc = config_parse_line(&cfg, bad_lines[i].line, "/etc/babeld.conf", 12, &eff, err,
                                   sizeof(err));
        ck_assert_msg(rc == -1, "'%s' accepted", bad_lines[i].line);
        snprintf(want, sizeof(want), "/etc/babeld.conf:12: %s", bad_lines[i].reason);
        ck_assert_str_eq(err, want);
        ck_assert_int_eq(eff.kind, EFFECT_OPTION); /* not written on error */
        take_snapshot(&after);
        assert_same(&before, &after, bad_lines[i].line);
        free(after.lists);
    }
    free(before.lists);
}
END_TEST

START_TEST(test_command_line_origin)
{
    char err[256];
    ck_assert_int_eq(config_parse_line(&cfg, "bogus", "command line", 0, NULL, err, sizeof(err)),
                     -1);
    ck_assert_str_eq(err, "command line: unknown directive 'bogus'");
    /* A small buffer truncates rather than overflows. */
    char small[8];
    ck_assert_int_eq(
        config_parse_line(&cfg, "bogus", "command line", 0, NULL, small, sizeof(small)), -1);
    ck_assert_str_eq(small, "command");
    ck_assert_int_eq(config_parse_line(&cfg, "bogus", "x", 1, NULL, NULL, 0), -1);
}
END_TEST

START_TEST(test_effects)
{
    struct config_effect eff;
    char err[256];
    const struct {
        const char *line;
        enum config_effect_kind kind;
        const char *option, *ifname;
    } cases[] = {
        {"", EFFECT_NONE, "", ""},
        {"   # only a comment", EFFECT_NONE, "", ""},
        {"debug 1", EFFECT_OPTION, "debug", ""},
        {"smoothing-half-life 8 # comment", EFFECT_OPTION, "smoothing-half-life", ""},
        {"interface eth3 rxcost 5", EFFECT_INTERFACE, "", "eth3"},
        {"default rxcost 5", EFFECT_DEFAULT, "", ""},
        {"out deny", EFFECT_FILTER, "out", ""},
        {"key id a type blake2s128 value 01", EFFECT_KEY, "key", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&eff, 0x55, sizeof(eff));
        ck_assert_int_eq(config_parse_line(&cfg, cases[i].line, "t", 1, &eff, err, sizeof(err)), 0);
        ck_assert_int_eq(eff.kind, cases[i].kind);
        ck_assert_str_eq(eff.option, cases[i].option);
        ck_assert_str_eq(eff.ifname, cases[i].ifname);
    }
    ck_assert_int_eq(cfg.opt.smoothing_half_life, 8);
    ck_assert_int_eq(config_parse_line(&cfg, "debug 1", "t", 1, NULL, err, sizeof(err)), 0);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Filters, as parsed. */

START_TEST(test_filter_parsing)
{
    ok_text("in ip 2001:db8::/32 ge 48 le 64 src-ip 2001:db8:1::/48 src-eq 56 neigh fe80::1 "
            "id 02:00:00:00:00:00:00:01 if eth0 metric 128\n"
            "in deny\n"
            "out ip 10.0.0.0/8 eq 24 src-le 0 allow\n"
            "redistribute proto 4 ip 0.0.0.0/0 le 24 metric 256 src-prefix 10.1.0.0/16\n"
            "redistribute local deny\n"
            "install ip 192.168.0.0/16 table 100 pref-src 192.168.1.1\n");
    const struct filter *f = cfg.filters[FILTER_IN];
    ck_assert_ptr_nonnull(f);
    struct prefix p;
    ck_assert(f->has_prefix);
    prefix_parse("2001:db8::/32", &p);
    ck_assert(prefix_eq(&f->prefix, &p));
    ck_assert_int_eq(f->plen_ge, 48);
    ck_assert_int_eq(f->plen_le, 64);
    ck_assert_int_eq(f->plen_eq, -1);
    ck_assert(f->has_src_prefix);
    prefix_parse("2001:db8:1::/48", &p);
    ck_assert(prefix_eq(&f->src_prefix, &p));
    ck_assert_int_eq(f->src_plen_eq, 56);
    ck_assert_int_eq(f->src_plen_le, -1);
    ck_assert_int_eq(f->src_plen_ge, -1);
    uint8_t a[16];
    ck_assert(f->has_neigh);
    ck_assert_mem_eq(f->neigh, parse_addr("fe80::1", a), 16);
    ck_assert(f->has_id);
    const uint8_t id[8] = {2, 0, 0, 0, 0, 0, 0, 1};
    ck_assert_mem_eq(f->id, id, 8);
    ck_assert_str_eq(f->ifname, "eth0");
    ck_assert_int_eq(f->proto, -1);
    ck_assert_int_eq(f->action, FILTER_METRIC);
    ck_assert_uint_eq(f->metric, 128);
    ck_assert_int_eq(f->table, -1);
    f = f->next;
    ck_assert_int_eq(f->action, FILTER_DENY);
    ck_assert(!f->has_prefix);
    ck_assert_ptr_null(f->next);

    f = cfg.filters[FILTER_OUT];
    ck_assert_int_eq(f->plen_eq, 24);
    ck_assert_int_eq(f->src_plen_le, 0);
    ck_assert_int_eq(f->action, FILTER_ALLOW);

    f = cfg.filters[FILTER_REDISTRIBUTE];
    ck_assert_int_eq(f->proto, 4);
    ck_assert_int_eq(f->plen_le, 24);
    ck_assert_uint_eq(f->metric, 256);
    ck_assert(f->has_set_src_prefix);
    prefix_parse("10.1.0.0/16", &p);
    ck_assert(prefix_eq(&f->set_src_prefix, &p));
    ck_assert(!f->local);
    ck_assert(f->next->local);
    ck_assert_int_eq(f->next->action, FILTER_DENY);

    f = cfg.filters[FILTER_INSTALL];
    ck_assert_int_eq(f->table, 100);
    ck_assert(f->has_pref_src);
    ck_assert_mem_eq(f->pref_src, parse_addr("192.168.1.1", a), 16);
    /* No action given: allow. */
    ck_assert_int_eq(f->action, FILTER_ALLOW);

    /* A length up to 128 is fine when the family is not IPv4. */
    ok_line("out le 128");
    ok_line("out ip ::/0 ge 100");
}
END_TEST

/* ---------------------------------------------------------------- */
/* Extensions. */

static int ext_calls;
static char ext_seen[256];

static int ext_handler(char **words, int nwords, char *err, size_t errlen, void *ctx)
{
    ext_calls++;
    ck_assert_ptr_eq(ctx, &ext_calls);
    if (nwords > 1 && strcmp(words[1], "bad") == 0) {
        snprintf(err, errlen, "%s: bad is not good", words[0]);
        return -1;
    }
    if (nwords > 1 && strcmp(words[1], "silent") == 0)
        return -1;
    ext_seen[0] = '\0';
    for (int i = 0; i < nwords; i++) {
        strncat(ext_seen, words[i], sizeof(ext_seen) - strlen(ext_seen) - 1);
        strncat(ext_seen, "|", sizeof(ext_seen) - strlen(ext_seen) - 1);
    }
    return 0;
}

START_TEST(test_extension_dispatch)
{
    ck_assert_int_eq(config_register_directive("mcast-test", ext_handler, &ext_calls), 0);
    /* Duplicates and built-ins are refused. */
    ck_assert_int_eq(config_register_directive("mcast-test", ext_handler, NULL), -1);
    ck_assert_int_eq(config_register_directive("interface", ext_handler, NULL), -1);
    ck_assert_int_eq(config_register_directive("debug", ext_handler, NULL), -1);
    ck_assert_int_eq(config_register_directive("redistribute", ext_handler, NULL), -1);
    ck_assert_int_eq(config_register_directive("", ext_handler, NULL), -1);
    ck_assert_int_eq(config_register_directive("x", NULL, NULL), -1);

    struct config_effect eff;
    char err[256];
    ck_assert_int_eq(config_parse_line(&cfg, "mcast-test group ff05::1 \"two words\" # c", "t", 4,
                                       &eff, err, sizeof(err)),
                     0);
    ck_assert_int_eq(ext_calls, 1);
    ck_assert_str_eq(ext_seen, "mcast-test|group|ff05::1|two words|");
    ck_assert_int_eq(eff.kind, EFFECT_EXTENSION);
    ck_assert_str_eq(eff.option, "mcast-test");

    ck_assert_int_eq(
        config_parse_line(&cfg, "mcast-test bad", "/etc/babeld.conf", 9, &eff, err, sizeof(err)),
        -1);
    ck_assert_str_eq(err, "/etc/babeld.conf:9: mcast-test: bad is not good");
    ck_assert_int_eq(
        config_parse_line(&cfg, "mcast-test silent", "command line", 0, &eff, err, sizeof(err)),
        -1);
    ck_assert_str_eq(err, "command line: mcast-test: rejected");
    ck_assert_int_eq(ext_calls, 3);
}
END_TEST

static int ext_noop(char **words, int nwords, char *err, size_t errlen, void *ctx) { return 0; }

START_TEST(test_extension_registry_full)
{
    char kw[32];
    int added = 0;
    for (int i = 0; i < 100; i++) {
        snprintf(kw, sizeof(kw), "full-test-%d", i);
        if (config_register_directive(kw, ext_noop, NULL) == 0)
            added++;
    }
    ck_assert_int_le(added, 64);
    ck_assert_int_ge(added, 32);
    ck_assert_int_eq(
        config_register_directive("a-keyword-far-too-long-to-be-stored-here", ext_noop, NULL), -1);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Files. */

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/test_config_XXXXXX");
    ck_assert_ptr_nonnull(path);
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    size_t n = strlen(text);
    ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
    close(fd);
    return path;
}

START_TEST(test_parse_file)
{
    char *path = write_temp("# babeld.conf\r\n"
                            "interface eth0 rxcost 10\r\n"
                            "\n"
                            "redistribute local deny\n"
                            "debug 1"); /* no final newline */
    char err[512] = "";
    ck_assert_msg(config_parse_file(&cfg, path, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(config_find_interface(&cfg, "eth0")->rxcost, 10);
    ck_assert_ptr_nonnull(cfg.filters[FILTER_REDISTRIBUTE]);
    ck_assert_int_eq(cfg.opt.debug, 1);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(test_parse_file_error_line)
{
    char *path = write_temp("debug 2\n"
                            "\n"
                            "interface eth0 rxcost abc\n"
                            "debug 3\n");
    char err[512], want[600];
    ck_assert_int_eq(config_parse_file(&cfg, path, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:3: rxcost: expected a number from 1 to 65534, got 'abc'",
             path);
    ck_assert_str_eq(err, want);
    /* Lines before the error took effect; the rest were not read. */
    ck_assert_int_eq(cfg.opt.debug, 2);
    ck_assert_ptr_null(cfg.interfaces);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(test_parse_file_long_lines)
{
    /* Exactly 4096 characters is accepted; one more is not. */
    size_t n = 4096;
    char *text = malloc(2 * n + 64);
    ck_assert_ptr_nonnull(text);
    memset(text, ' ', n);
    memcpy(text, "debug 1", 7);
    text[n - 2] = '#';
    text[n] = '\n';
    memset(text + n + 1, '#', n + 1);
    strcpy(text + 2 * n + 2, "\n");
    char *path = write_temp(text);
    char err[512], want[600];
    ck_assert_int_eq(config_parse_file(&cfg, path, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:2: line longer than 4096 characters", path);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(cfg.opt.debug, 1);
    unlink(path);
    free(path);
    free(text);
}
END_TEST

START_TEST(test_parse_file_missing)
{
    char err[512];
    ck_assert_int_eq(config_parse_file(&cfg, "/nonexistent/babeld.conf", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "/nonexistent/babeld.conf: No such file or directory");
}
END_TEST

START_TEST(test_example_file)
{
    /* The shipped example must itself be a valid configuration. */
    char err[512] = "";
    const char *path = "babeld.conf.example";
    if (access(path, R_OK) != 0)
        path = "../../babeld.conf.example";
    ck_assert_msg(config_parse_file(&cfg, path, err, sizeof(err)) == 0, "%s", err);

    /* And every example in it, uncommented, must parse: this keeps the
     * documentation honest.  Examples are the "# keyword ..." lines. */
    static const char *const keywords[] = {
        "protocol-group",
        "protocol-port",
        "kernel-priority",
        "reflect-kernel-metric",
        "allow-duplicates",
        "random-id",
        "ipv6-subtrees",
        "debug",
        "local-port",
        "local-port-readwrite",
        "local-path",
        "local-path-readwrite",
        "export-table",
        "import-table",
        "link-detect",
        "diversity",
        "diversity-factor",
        "smoothing-half-life",
        "daemonise",
        "skip-kernel-setup",
        "router-id",
        "state-file",
        "log-file",
        "pid-file",
        "first-rule-priority",
        "kernel-check-interval",
        "key",
        "interface",
        "default",
        "in",
        "out",
        "redistribute",
        "install",
    };
    const size_t nkw = sizeof(keywords) / sizeof(keywords[0]);
    bool seen[sizeof(keywords) / sizeof(keywords[0])] = {false};
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[1024];
    int lineno = 0, examples = 0;
    char if_examples[4096] = "";
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "# ", 2) != 0)
            continue;
        size_t wl = strcspn(line + 2, " ");
        for (size_t k = 0; k < nkw; k++) {
            if (strlen(keywords[k]) != wl || strncmp(line + 2, keywords[k], wl) != 0)
                continue;
            ck_assert_msg(config_parse_line(&cfg, line + 2, path, lineno, NULL, err, sizeof(err)) ==
                              0,
                          "%s", err);
            seen[k] = true;
            examples++;
            if (strcmp(keywords[k], "interface") == 0 || strcmp(keywords[k], "default") == 0) {
                strncat(if_examples, line + 1, sizeof(if_examples) - strlen(if_examples) - 2);
                strcat(if_examples, " ");
            }
        }
    }
    fclose(f);
    for (size_t k = 0; k < nkw; k++)
        ck_assert_msg(seen[k], "no example of '%s'", keywords[k]);
    ck_assert_int_ge(examples, (int)nkw);

    /* Each interface parameter appears in some example. */
    static const char *const params[] = {
        "type",
        "link-quality",
        "split-horizon",
        "rxcost",
        "channel",
        "faraway",
        "hello-interval",
        "update-interval",
        "enable-timestamps",
        "unicast",
        "rfc6126-compatible",
        "rtt-decay",
        "rtt-min",
        "rtt-max",
        "max-rtt-penalty",
        "v4-via-v6",
        "key",
        "accept-bad-signatures",
    };
    for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
        char needle[64];
        snprintf(needle, sizeof(needle), " %s ", params[i]);
        ck_assert_msg(strstr(if_examples, needle), "no example of interface parameter '%s'",
                      params[i]);
    }
    const struct interface_conf *e2 = config_find_interface(&cfg, "eth2");
    ck_assert_ptr_nonnull(e2);
    ck_assert_str_eq(e2->key_id, "mykey");
}
END_TEST

START_TEST(test_free_and_reuse)
{
    ok_text("interface eth0\ninterface eth1\nkey id a type hmac-sha256 value 00\n"
            "in deny\nout deny\nredistribute deny\ninstall deny\n");
    config_free(&cfg);
    ck_assert_ptr_null(cfg.interfaces);
    ck_assert_ptr_null(cfg.keys);
    for (int k = 0; k < FILTER_KIND_COUNT; k++)
        ck_assert_ptr_null(cfg.filters[k]);
    config_free(&cfg); /* twice is harmless */
    config_init(&cfg);
    ok_line("interface eth0");
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_global_options);
    tcase_add_test(tc, test_import_table_limit);
    tcase_add_test(tc, test_interface_params);
    tcase_add_test(tc, test_interface_merge);
    tcase_add_test(tc, test_resolve_wired);
    tcase_add_test(tc, test_resolve_wireless);
    tcase_add_test(tc, test_resolve_tunnel);
    tcase_add_test(tc, test_resolve_command_line);
    tcase_add_test(tc, test_resolve_layers);
    tcase_add_test(tc, test_keys);
    tcase_add_test(tc, test_errors_change_nothing);
    tcase_add_test(tc, test_command_line_origin);
    tcase_add_test(tc, test_effects);
    tcase_add_test(tc, test_filter_parsing);
    tcase_add_test(tc, test_extension_dispatch);
    tcase_add_test(tc, test_extension_registry_full);
    tcase_add_test(tc, test_parse_file);
    tcase_add_test(tc, test_parse_file_error_line);
    tcase_add_test(tc, test_parse_file_long_lines);
    tcase_add_test(tc, test_parse_file_missing);
    tcase_add_test(tc, test_example_file);
    tcase_add_test(tc, test_free_and_reuse);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(config_suite());
}
