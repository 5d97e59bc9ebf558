#!/usr/bin/env python3
"""Helpers for the PIM namespace tests (tests/netns/t-pim-*.sh).

inject: sends one PIM message (hex, without the IP header) in a raw
        IPPROTO_PIM socket to DST out of IFNAME, with TTL 1; --fix-checksum
        writes the correct checksum into bytes 2-3 first (otherwise the
        bytes go as given).
listen: joins GROUP (for SOURCE only with --source: an IGMPv3
        source-specific join) on IFNAME and receives UDP on PORT until
        DURATION seconds passed; writes one line to OUT:
        received N unique U first-ms T last-ms T max-gap-ms G gap-at-ms A
        (times relative to the start; max-gap is the longest silence
        between two datagrams after the first one, gap-at when it began).
        SIGTERM ends it early (the line is still written).
        Touches READY once the socket is joined; PROGRESS holds the counts
        so far, received and unique (mcast_stream.py's datagram numbers),
        rewritten every 50 datagrams.
"""
import argparse
import os
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpkt import inet_checksum  # noqa: E402

IPPROTO_PIM = 103


def inject(a):
    msg = bytearray(bytes.fromhex(a.hex))
    if a.fix_checksum:
        msg[2:4] = b"\0\0"
        msg[2:4] = struct.pack("!H", inet_checksum(bytes(msg)))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_PIM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.ifname.encode())
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 struct.pack("4s4si", b"\0" * 4, b"\0" * 4, socket.if_nametoindex(a.ifname)))
    s.sendto(bytes(msg), (a.dst, 0))
    return 0


def listen(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.group, a.port))
    # the interface's address, for the membership request
    import fcntl
    req = struct.pack("256s", a.ifname.encode()[:15])
    ifaddr = fcntl.ioctl(s.fileno(), 0x8915, req)[20:24]  # SIOCGIFADDR
    if a.source:
        # struct ip_mreq_source: multiaddr, interface, sourceaddr
        mreq = socket.inet_aton(a.group) + ifaddr + socket.inet_aton(a.source)
        s.setsockopt(socket.IPPROTO_IP, 39, mreq)  # IP_ADD_SOURCE_MEMBERSHIP
    else:
        mreq = socket.inet_aton(a.group) + ifaddr
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    if a.ready:
        open(a.ready, "w").close()
    t0 = time.monotonic()
    end = t0 + a.duration
    n = 0
    first = last = None
    gap = 0.0
    gap_at = 0.0
    stop = []
    seen = set()
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not stop:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(min(left, 0.2))
        try:
            data, _ = s.recvfrom(65536)
        except (socket.timeout, InterruptedError):
            continue
        now = time.monotonic() - t0
        n += 1
        if len(data) >= 8 and data[:4] == b"MCRT":
            seen.add(struct.unpack("!I", data[4:8])[0])
        if a.progress and (n % 50 == 0 or n == 1):
            with open(a.progress + ".tmp", "w") as f:
                f.write("%d %d\n" % (n, len(seen)))
            os.rename(a.progress + ".tmp", a.progress)
        if first is None:
            first = now
        elif now - last > gap:
            gap = now - last
            gap_at = last
        last = now
    line = "received %d unique %d first-ms %d last-ms %d max-gap-ms %d gap-at-ms %d\n" % (
        n, len(seen), int((first or 0) * 1000), int((last or 0) * 1000), int(gap * 1000),
        int(gap_at * 1000))
    with open(a.out, "w") as f:
        f.write(line)
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    pi = sub.add_parser("inject")
    pi.add_argument("--ifname", required=True)
    pi.add_argument("--dst", required=True)
    pi.add_argument("--hex", required=True)
    pi.add_argument("--fix-checksum", action="store_true")
    pl = sub.add_parser("listen")
    pl.add_argument("--group", required=True)
    pl.add_argument("--source")
    pl.add_argument("--ifname", required=True)
    pl.add_argument("--port", type=int, required=True)
    pl.add_argument("--duration", type=float, required=True)
    pl.add_argument("--ready")
    pl.add_argument("--progress")
    pl.add_argument("--out", required=True)
    a = p.parse_args()
    return inject(a) if a.cmd == "inject" else listen(a)


if __name__ == "__main__":
    sys.exit(main())
