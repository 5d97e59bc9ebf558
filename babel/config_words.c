/* Directive words (see config_words.h). */
#include "babel/config_words.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int config_bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

bool config_valid_name(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n >= max)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

bool config_valid_ifname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= IF_NAMESIZE)
        return false;
    for (const char *p = s; *p; p++)
        if (*p == '/' || *p == ':' || (unsigned char)*p <= ' ')
            return false;
    return true;
}

int config_parse_bool(const char *w, bool *out)
{
    if (strcmp(w, "true") == 0 || strcmp(w, "yes") == 0) {
        *out = true;
        return 0;
    }
    if (strcmp(w, "false") == 0 || strcmp(w, "no") == 0) {
        *out = false;
        return 0;
    }
    return -1;
}

int config_parse_ip4(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return -1;
    *out = a.s_addr;
    return 0;
}

bool ip4_is_multicast(uint32_t a) { return (ntohl(a) & 0xf0000000u) == 0xe0000000u; }

bool ip4_is_unicast(uint32_t a)
{
    uint32_t h = ntohl(a);
    return (h >> 24) != 0 && (h >> 24) != 127 && h < 0xe0000000u;
}
