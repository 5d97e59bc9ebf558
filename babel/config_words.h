/* The words of directive lines, checked the same way by every parser.
 *
 * Part of the configuration surface offered to extensions (next to
 * config.h): a directive handler validates its words with these, so that a
 * name, an interface, a boolean or an IPv4 address is accepted or refused
 * alike whichever directive it appears in.  Each returns 0 / true when the
 * word is good and changes nothing otherwise; the handler writes its own
 * reason, which names the directive and the word. */
#ifndef BABEL_CONFIG_WORDS_H
#define BABEL_CONFIG_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes a refusal reason into err (as snprintf) and returns -1, so that a
 * handler can `return config_bad(err, errlen, "...", ...);`. */
int config_bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A name the user gives an object (a rule, a peer): 1 to max-1 of letters,
 * digits, '-', '_', '.', so that it is one word in records and commands. */
bool config_valid_name(const char *s, size_t max);

/* A word that can name a network interface: 1 to IF_NAMESIZE-1 bytes, no
 * '/', ':', blank or control character (what the kernel refuses). */
bool config_valid_ifname(const char *s);

/* true|yes or false|no (babeld takes both spellings). */
int config_parse_bool(const char *w, bool *out);

/* A dotted quad, strictly (no inet_aton shorthand), in network order. */
int config_parse_ip4(const char *s, uint32_t *out);

/* Address classes of an IPv4 address in network order.  Unicast: one we
 * could send to or from, so not 0/8, loopback, multicast, reserved (240/4)
 * or broadcast. */
bool ip4_is_multicast(uint32_t a);
bool ip4_is_unicast(uint32_t a);

#endif
