#!/usr/bin/env python3
"""A multicast receiver host for the IGMP tests, and a raw IGMP sender.

member: joins GROUP on IFNAME (any source, or only --source S with
        IP_ADD_SOURCE_MEMBERSHIP, or any source but --block S with
        IP_BLOCK_SOURCE), so the host's kernel sends the IGMP reports of its
        configured version; writes READY once joined; counts UDP datagrams
        to PORT until the file STOP exists, then leaves (closing the socket:
        the kernel sends the leave or state-change report) and writes
        "received N" to OUT.
raw:    sends one IGMP message (hex, without IP header; the kernel adds the
        IP header, TTL 1) to DST out of IFNAME.  --fix-checksum fills in the
        right checksum first.
"""
import argparse
import os
import socket
import struct
import sys
import time

IP_ADD_SOURCE_MEMBERSHIP = 39
IP_BLOCK_SOURCE = 38


def member(a):
    ifindex = socket.if_nametoindex(a.ifname)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.group, a.port))
    g = socket.inet_aton(a.group)
    # The interface by its address: struct ip_mreq_source has no ifindex.
    local = socket.inet_aton(a.addr)
    if a.source:
        s.setsockopt(socket.IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP,
                     struct.pack("4s4s4s", g, local, socket.inet_aton(a.source)))
    else:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     struct.pack("4s4si", g, b"\0" * 4, ifindex))
        if a.block:
            s.setsockopt(socket.IPPROTO_IP, IP_BLOCK_SOURCE,
                         struct.pack("4s4s4s", g, local, socket.inet_aton(a.block)))
    with open(a.ready, "w") as f:
        f.write("joined\n")
    s.settimeout(0.05)
    n = 0
    deadline = time.monotonic() + a.timeout
    while not os.path.exists(a.stop) and time.monotonic() < deadline:
        try:
            s.recv(65536)
            n += 1
        except socket.timeout:
            pass
    s.close()
    with open(a.out, "w") as f:
        f.write("received %d\n" % n)
    return 0


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xFFFF) + (t >> 16)
    return ~t & 0xFFFF


def raw(a):
    msg = bytearray(bytes.fromhex(a.hex))
    if a.fix_checksum and len(msg) >= 4:
        msg[2:4] = b"\0\0"
        msg[2:4] = struct.pack("!H", checksum(bytes(msg)))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 struct.pack("4s4si", b"\0" * 4, b"\0" * 4, socket.if_nametoindex(a.ifname)))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    s.sendto(bytes(msg), (a.dst, 0))
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("member")
    m.add_argument("--group", required=True)
    m.add_argument("--source")
    m.add_argument("--block")
    m.add_argument("--ifname", required=True)
    m.add_argument("--addr", required=True, help="the host's address on IFNAME")
    m.add_argument("--port", type=int, default=5000)
    m.add_argument("--ready", required=True)
    m.add_argument("--stop", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--timeout", type=float, default=60)
    r = sub.add_parser("raw")
    r.add_argument("--ifname", required=True)
    r.add_argument("--dst", required=True)
    r.add_argument("--hex", required=True)
    r.add_argument("--fix-checksum", action="store_true")
    a = p.parse_args()
    return member(a) if a.cmd == "member" else raw(a)


if __name__ == "__main__":
    sys.exit(main())
