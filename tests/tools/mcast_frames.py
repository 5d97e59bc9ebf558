#!/usr/bin/env python3
"""Crafted Ethernet frames for the normalizer's bad-input tests, sent with
AF_PACKET on IFNAME.  Each frame kind is 10.1.1.50:40000 -> GROUP:PORT and,
when valid, carries mcast_stream.body(n, SIZE), so a receiver checks it.

  mcast_frames.py IFNAME GROUP PORT KIND COUNT [START] [SIZE]

KIND: good, vlan (802.1Q tag 100), bad-ip-checksum, bad-udp-checksum,
truncated (IP total length beyond the frame), bad-udp-length, bad-ip-header
(version 5), fragmented (SIZE bytes in 1480-byte fragments, last first),
oversized (a fragment ending beyond 65535).
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcast_stream import body  # noqa: E402
from netpkt import inet_checksum  # noqa: E402

SRC = socket.inet_aton("10.1.1.50")


def udp(dst, port, payload):
    u = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload
    ph = SRC + dst + struct.pack("!BBH", 0, 17, len(u))
    c = inet_checksum(ph + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def ip(dst, l4, ident, frag=0, ver=4, tot=None):
    h = struct.pack("!BBHHHBBH4s4s", (ver << 4) | 5, 0, tot or 20 + len(l4), ident, frag, 8, 17,
                    0, SRC, dst)
    h = h[:10] + struct.pack("!H", inet_checksum(h)) + h[12:]
    return h + l4


def eth(dst, payload, vlan=None):
    g = dst
    mac = bytes([1, 0, 0x5E, g[1] & 0x7F, g[2], g[3]]) + bytes([2, 0, 0, 0, 0, 0x50])
    if vlan is not None:
        return mac + struct.pack("!HH", 0x8100, vlan) + b"\x08\x00" + payload
    return mac + b"\x08\x00" + payload


def frames(kind, dst, port, n, size):
    p = body(n, size)
    ident = n & 0xFFFF
    if kind == "good":
        return [eth(dst, ip(dst, udp(dst, port, p), ident))]
    if kind == "vlan":
        return [eth(dst, ip(dst, udp(dst, port, p), ident), vlan=100)]
    if kind == "bad-ip-checksum":
        f = bytearray(eth(dst, ip(dst, udp(dst, port, p), ident)))
        f[14 + 10] ^= 0x55
        return [bytes(f)]
    if kind == "bad-udp-checksum":
        f = bytearray(eth(dst, ip(dst, udp(dst, port, p), ident)))
        f[-1] ^= 0xFF
        return [bytes(f)]
    if kind == "truncated":
        u = udp(dst, port, p)
        return [eth(dst, ip(dst, u, ident, tot=20 + len(u) + 100))]
    if kind == "bad-udp-length":
        u = bytearray(udp(dst, port, p))
        u[4:6] = struct.pack("!H", len(u) - 3)
        return [eth(dst, ip(dst, bytes(u), ident))]
    if kind == "bad-ip-header":
        return [eth(dst, ip(dst, udp(dst, port, p), ident, ver=5))]
    if kind == "fragmented":
        u = udp(dst, port, p)
        out = []
        for off in range(0, len(u), 1480):
            chunk = u[off:off + 1480]
            mf = 0x2000 if off + 1480 < len(u) else 0
            out.append(eth(dst, ip(dst, chunk, ident, frag=mf | (off // 8))))
        return list(reversed(out))
    if kind == "oversized":
        return [eth(dst, ip(dst, b"\0" * 64, ident, frag=0x1FFC))]
    raise SystemExit("unknown kind " + kind)


def main():
    ifname, group, port, kind, count = sys.argv[1:6]
    start = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    size = int(sys.argv[7]) if len(sys.argv) > 7 else 200
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    dst = socket.inet_aton(group)
    for i in range(int(count)):
        for f in frames(kind, dst, int(port), start + i, size):
            s.send(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
