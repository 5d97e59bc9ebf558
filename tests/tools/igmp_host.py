#!/usr/bin/env python3
"""A multicast receiver host for the IGMP tests, and a raw IGMP sender.

member: joins GROUP on IFNAME (any source, or only --source S with
        IP_ADD_SOURCE_MEMBERSHIP, or any source but --block S with
        IP_BLOCK_SOURCE), so the host's kernel sends the IGMP reports of its
        configured version; writes READY once joined; counts UDP datagrams
        to PORT until the file STOP exists, then leaves (closing the socket:
        the kernel sends the leave or state-change report) and writes
        "received N" to OUT.
fuzz:   sends COUNT random IGMP messages (random types among the known
        ones, random lengths and fields, right checksums so that they reach
        the protocol) to 224.0.0.22 out of IFNAME, seeded with SEED.
raw:    sends one IGMP message (hex, without IP header; the kernel adds the
        IP header, TTL 1) to DST out of IFNAME.  --fix-checksum fills in the
        right checksum first; --src S writes the IP header itself, from S.
"""
import argparse
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpkt import inet_checksum  # noqa: E402

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


def raw(a):
    msg = bytearray(bytes.fromhex(a.hex))
    if a.fix_checksum and len(msg) >= 4:
        msg[2:4] = b"\0\0"
        msg[2:4] = struct.pack("!H", inet_checksum(bytes(msg)))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 struct.pack("4s4si", b"\0" * 4, b"\0" * 4, socket.if_nametoindex(a.ifname)))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    if a.src:
        # Our own IP header (with Router Alert), to send from another address.
        s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
        hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x46, 0xC0, 24 + len(msg), 0, 0x4000, 1, 2, 0,
                                    socket.inet_aton(a.src), socket.inet_aton(a.dst))
                        + b"\x94\x04\x00\x00")
        hdr[10:12] = struct.pack("!H", inet_checksum(bytes(hdr)))
        msg = hdr + msg
    s.sendto(bytes(msg), (a.dst, 0))
    return 0


def fuzz(a):
    import random
    rnd = random.Random(a.seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 struct.pack("4s4si", b"\0" * 4, b"\0" * 4, socket.if_nametoindex(a.ifname)))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    for _ in range(a.count):
        t = rnd.choice([0x11, 0x12, 0x16, 0x17, 0x22, 0x22, 0x22])
        body = bytearray(rnd.getrandbits(8) for _ in range(rnd.randrange(4, 120)))
        body[0] = t
        if t == 0x22 and len(body) >= 8:
            # mostly well-formed records with random types, groups, sources
            nrec = rnd.randrange(0, 4)
            recs = b""
            for _ in range(nrec):
                ns = rnd.randrange(0, 4)
                grp = bytes([rnd.choice([224, 232, 239, 10]), rnd.randrange(256), 0, rnd.randrange(4)])
                recs += struct.pack("!BBH", rnd.randrange(0, 9), 0, ns) + grp
                recs += b"".join(bytes([10, 0, 1, rnd.randrange(1, 4)]) for _ in range(ns))
            body = bytearray(body[:6]) + struct.pack("!H", nrec + rnd.choice([0, 0, 0, 1])) + recs
        body[2:4] = b"\0\0"
        body[2:4] = struct.pack("!H", inet_checksum(bytes(body)))
        s.sendto(bytes(body), (rnd.choice(["224.0.0.22", "224.0.0.1", "224.0.0.2"]), 0))
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
    f = sub.add_parser("fuzz")
    f.add_argument("--ifname", required=True)
    f.add_argument("--count", type=int, default=1000)
    f.add_argument("--seed", type=int, default=1)
    r = sub.add_parser("raw")
    r.add_argument("--ifname", required=True)
    r.add_argument("--dst", required=True)
    r.add_argument("--hex", required=True)
    r.add_argument("--fix-checksum", action="store_true")
    r.add_argument("--src", help="send from this address (own IP header)")
    a = p.parse_args()
    return {"member": member, "raw": raw, "fuzz": fuzz}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
