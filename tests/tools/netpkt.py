"""What the test tools that build or read raw IPv4 packets share: the
Internet checksum, a TUN device, and the check of a received mcast_stream
datagram (imported by tun_igmp.py, tun_sink.py, igmp_host.py, pim_tool.py,
mcast_frames.py; not a command)."""
import fcntl
import os
import struct

from mcast_stream import body

TUNSETIFF = 0x400454CA  # _IOW('T', 202, int), from <linux/if_tun.h>
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000  # packets without the 4-byte protocol information header


def inet_checksum(b):
    """The Internet checksum (RFC 1071) of b, ready to store."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tun_open(ifname):
    """Creates (or attaches to) the TUN device ifname; its fd carries bare
    IP packets."""
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def udp_stream_line(pkt, ihl):
    """For an IPv4/UDP packet whose IP header is ihl bytes: "DST SPORT DPORT
    LEN OK", OK saying whether the payload is mcast_stream.body(n, LEN)."""
    dst = ".".join(str(b) for b in pkt[16:20])
    sport, dport, ulen = struct.unpack("!HHH", pkt[ihl:ihl + 6])
    data = pkt[ihl + 8:ihl + ulen]
    ok = False
    if len(data) >= 12 and data[:4] == b"MCRT":
        n, size = struct.unpack("!II", data[4:12])
        ok = size == len(data) and data == body(n, size)
    return "%s %d %d %d %s" % (dst, sport, dport, len(data), "ok" if ok else "bad")
