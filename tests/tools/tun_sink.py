#!/usr/bin/env python3
"""Holds a TUN device open (so its link has a carrier) and writes one line
per IPv4/UDP packet it receives: "DST SPORT DPORT LEN OK" to OUT, where OK
says whether the payload is mcast_stream.body(n, LEN).

  tun_sink.py IFNAME OUT
"""
import fcntl
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcast_stream import body  # noqa: E402

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def main():
    ifname, out = sys.argv[1], sys.argv[2]
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TUN | IFF_NO_PI))
    with open(out, "a", buffering=1) as f:
        f.write("ready\n")
        while True:
            pkt = os.read(fd, 70000)
            if len(pkt) < 28 or pkt[0] >> 4 != 4 or pkt[9] != 17:
                continue
            ihl = (pkt[0] & 15) * 4
            dst = ".".join(str(b) for b in pkt[16:20])
            sport, dport, ulen = struct.unpack("!HHH", pkt[ihl:ihl + 6])
            data = pkt[ihl + 8:ihl + ulen]
            ok = False
            if len(data) >= 12 and data[:4] == b"MCRT":
                n, size = struct.unpack("!II", data[4:12])
                ok = size == len(data) and data == body(n, size)
            f.write("%s %d %d %d %s\n" % (dst, sport, dport, len(data), "ok" if ok else "bad"))


if __name__ == "__main__":
    sys.exit(main())
