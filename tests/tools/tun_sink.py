#!/usr/bin/env python3
"""Holds a TUN device open (so its link has a carrier) and writes one line
per IPv4/UDP packet it receives: "DST SPORT DPORT LEN OK" to OUT, where OK
says whether the payload is mcast_stream.body(n, LEN).

  tun_sink.py IFNAME OUT
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpkt import tun_open, udp_stream_line  # noqa: E402


def main():
    ifname, out = sys.argv[1], sys.argv[2]
    fd = tun_open(ifname)
    with open(out, "a", buffering=1) as f:
        f.write("ready\n")
        while True:
            pkt = os.read(fd, 70000)
            if len(pkt) < 28 or pkt[0] >> 4 != 4 or pkt[9] != 17:
                continue
            f.write(udp_stream_line(pkt, (pkt[0] & 15) * 4) + "\n")


if __name__ == "__main__":
    sys.exit(main())
