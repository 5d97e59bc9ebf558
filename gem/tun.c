/* TUN device creation (see tun.h).  ioctl rather than netlink: these are
 * three one-shot, non-blocking calls made when a peer is configured. */
#include "gem/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define TUN_TXQUEUELEN 2048

int tun_open(const char *name, unsigned mtu, char *err, size_t errlen)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open /dev/net/tun: %s", strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        snprintf(err, errlen, "cannot create TUN device %s: %s", name, strerror(errno));
        close(fd);
        return -1;
    }
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        close(fd);
        return -1;
    }
    const char *what = "MTU";
    ifr.ifr_mtu = (int)mtu;
    int rc = ioctl(s, SIOCSIFMTU, &ifr);
    if (rc == 0) {
        /* The queue the kernel fills while the daemon is busy elsewhere
         * (the control plane, the other direction): a burst waits there
         * rather than being dropped.  500 by default. */
        what = "txqueuelen";
        ifr.ifr_qlen = TUN_TXQUEUELEN;
        rc = ioctl(s, SIOCSIFTXQLEN, &ifr);
    }
    if (rc == 0) {
        what = "flags";
        rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    }
    if (rc == 0) {
        what = "up";
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (rc < 0) {
        snprintf(err, errlen, "TUN device %s: cannot set %s: %s", name, what, strerror(errno));
        close(s);
        close(fd);
        return -1;
    }
    close(s);
    return fd;
}

int tun_set_mtu(const char *name, unsigned mtu, char *err, size_t errlen)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    ifr.ifr_mtu = (int)mtu;
    int rc = ioctl(s, SIOCSIFMTU, &ifr);
    if (rc < 0)
        snprintf(err, errlen, "TUN device %s: cannot set MTU %u: %s", name, mtu, strerror(errno));
    close(s);
    return rc < 0 ? -1 : 0;
}
