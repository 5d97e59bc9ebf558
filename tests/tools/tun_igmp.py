#!/usr/bin/env python3
"""The far end of a TUN link for the auto-her test: holds the TUN open, sends
IGMPv3 reports into it on request, and logs what the router sends it.

  tun_igmp.py IFNAME SRC CTL OUT

Every 50 ms, if the file CTL exists, reads its lines and removes it:
  join G    a CHANGE_TO_EXCLUDE({}) report for G, from SRC to 224.0.0.22
  leave G   a CHANGE_TO_INCLUDE({}) report for G
Writes "ready" to OUT, then one line per packet from the router:
  "udp DST SPORT DPORT LEN OK" (OK: the payload is mcast_stream.body(n, LEN))
  "igmp TYPE DST"
"""
import fcntl
import os
import select
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcast_stream import body  # noqa: E402

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xFFFF) + (t >> 16)
    return ~t & 0xFFFF


def report(src, group, rtype):
    rec = struct.pack("!BBH4s", rtype, 0, 0, socket.inet_aton(group))
    igmp = bytearray(struct.pack("!BBHHH", 0x22, 0, 0, 0, 1) + rec)
    igmp[2:4] = struct.pack("!H", csum(bytes(igmp)))
    tot = 24 + len(igmp)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x46, 0xC0, tot, 0, 0x4000, 1, 2, 0,
                               socket.inet_aton(src), socket.inet_aton("224.0.0.22"))
                   + b"\x94\x04\x00\x00")
    ip[10:12] = struct.pack("!H", csum(bytes(ip)))
    return bytes(ip) + bytes(igmp)


def main():
    ifname, src, ctl, out = sys.argv[1:5]
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TUN | IFF_NO_PI))
    with open(out, "a", buffering=1) as f:
        f.write("ready\n")
        while True:
            if os.path.exists(ctl):
                with open(ctl) as c:
                    lines = c.read().split("\n")
                os.unlink(ctl)
                for line in lines:
                    w = line.split()
                    if len(w) == 2 and w[0] in ("join", "leave"):
                        os.write(fd, report(src, w[1], 4 if w[0] == "join" else 3))
                        f.write("sent %s %s\n" % (w[0], w[1]))
            r, _, _ = select.select([fd], [], [], 0.05)
            if not r:
                continue
            pkt = os.read(fd, 70000)
            if len(pkt) < 20 or pkt[0] >> 4 != 4:
                continue
            ihl = (pkt[0] & 15) * 4
            dst = ".".join(str(b) for b in pkt[16:20])
            if pkt[9] == 2 and len(pkt) > ihl:
                f.write("igmp %#x %s\n" % (pkt[ihl], dst))
                continue
            if pkt[9] != 17 or len(pkt) < ihl + 8:
                continue
            sport, dport, ulen = struct.unpack("!HHH", pkt[ihl:ihl + 6])
            data = pkt[ihl + 8:ihl + ulen]
            ok = False
            if len(data) >= 12 and data[:4] == b"MCRT":
                n, size = struct.unpack("!II", data[4:12])
                ok = size == len(data) and data == body(n, size)
            f.write("udp %s %d %d %d %s\n" % (dst, sport, dport, len(data), "ok" if ok else "bad"))


if __name__ == "__main__":
    sys.exit(main())
