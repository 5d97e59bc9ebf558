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
import os
import select
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpkt import inet_checksum, tun_open, udp_stream_line  # noqa: E402


def report(src, group, rtype):
    rec = struct.pack("!BBH4s", rtype, 0, 0, socket.inet_aton(group))
    igmp = bytearray(struct.pack("!BBHHH", 0x22, 0, 0, 0, 1) + rec)
    igmp[2:4] = struct.pack("!H", inet_checksum(bytes(igmp)))
    tot = 24 + len(igmp)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x46, 0xC0, tot, 0, 0x4000, 1, 2, 0,
                               socket.inet_aton(src), socket.inet_aton("224.0.0.22"))
                   + b"\x94\x04\x00\x00")
    ip[10:12] = struct.pack("!H", inet_checksum(bytes(ip)))
    return bytes(ip) + bytes(igmp)


def main():
    ifname, src, ctl, out = sys.argv[1:5]
    fd = tun_open(ifname)
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
            f.write("udp %s\n" % udp_stream_line(pkt, ihl))


if __name__ == "__main__":
    sys.exit(main())
