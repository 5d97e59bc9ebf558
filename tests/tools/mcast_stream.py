#!/usr/bin/env python3
"""Numbered UDP test streams for the mcast normalizer tests.

send: sends COUNT datagrams of SIZE bytes to GROUP:PORT (multicast, out of
      IFNAME, TTL) or to a unicast address, at RATE per second (--first FILE:
      writes the wall-clock ms of the first send to FILE).  Datagram
      number n carries a 12-byte header (magic, n, size) and then bytes that
      depend only on n and their position, so any change is detected.
recv: receives on PORT (joining GROUP on IFNAME for multicast) until COUNT
      distinct datagrams arrived or TIMEOUT passed, checks every byte and
      the source address, and prints one summary line:
      received N unique N bad-content N bad-source N sizes A,B sources S,..
"""
import argparse
import os
import socket
import struct
import sys
import time

MAGIC = b"MCRT"


def body(n, size):
    hdr = MAGIC + struct.pack("!II", n, size)
    if size <= len(hdr):
        return hdr[:size]
    k = (n * 7) & 0xFF
    fill = bytes(((k + i) & 0xFF) for i in range(256))
    rest = size - len(hdr)
    reps = rest // 256 + 1
    return hdr + (fill * reps)[:rest]


def ifindex(name):
    return socket.if_nametoindex(name)


def send(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if a.bind:
        s.bind((a.bind, 0))
    if a.ifname:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                     struct.pack("4s4si", b"\0" * 4, b"\0" * 4, ifindex(a.ifname)))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, a.ttl)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    interval = 1.0 / a.rate if a.rate > 0 else 0
    t0 = time.monotonic()
    for i in range(a.count):
        n = a.start + i
        s.sendto(body(n, a.size), (a.dest, a.port))
        if i == 0 and a.first:
            # the wall-clock time of the first datagram, in ms (date +%s%3N)
            with open(a.first + ".tmp", "w") as f:
                f.write("%d\n" % int(time.time() * 1000))
            os.rename(a.first + ".tmp", a.first)
        if interval:
            due = t0 + (i + 1) * interval
            d = due - time.monotonic()
            if d > 0:
                time.sleep(d)
    return 0


def recv(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    if a.group:
        s.bind((a.group, a.port))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     struct.pack("4s4si", socket.inet_aton(a.group), b"\0" * 4,
                                 ifindex(a.ifname)))
    else:
        s.bind(("0.0.0.0", a.port))
    if a.ready:
        open(a.ready, "w").close()
    seen = set()
    received = bad_content = bad_source = 0
    sizes = set()
    sources = set()
    deadline = time.monotonic() + a.timeout
    while len(seen) < a.count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, (src, _port) = s.recvfrom(70000)
        except socket.timeout:
            break
        received += 1
        sources.add(src)
        if a.source and src != a.source:
            bad_source += 1
            continue
        if len(data) < 12 or data[:4] != MAGIC:
            bad_content += 1
            continue
        n, size = struct.unpack("!II", data[4:12])
        if size != len(data) or data != body(n, size):
            bad_content += 1
            continue
        sizes.add(size)
        seen.add(n)
    line = "received %d unique %d bad-content %d bad-source %d sizes %s sources %s" % (
        received, len(seen), bad_content, bad_source,
        ",".join(str(x) for x in sorted(sizes)) or "-",
        ",".join(sorted(sources)) or "-")
    if a.out:
        with open(a.out, "w") as f:
            f.write(line + "\n")
    print(line)
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    ps = sub.add_parser("send")
    ps.add_argument("--dest", required=True)
    ps.add_argument("--port", type=int, required=True)
    ps.add_argument("--ifname")
    ps.add_argument("--bind")
    ps.add_argument("--ttl", type=int, default=8)
    ps.add_argument("--count", type=int, default=100)
    ps.add_argument("--start", type=int, default=0)
    ps.add_argument("--size", type=int, default=1316)
    ps.add_argument("--rate", type=float, default=1000)
    ps.add_argument("--first", help="write the time of the first send (ms) here")
    pr = sub.add_parser("recv")
    pr.add_argument("--group")
    pr.add_argument("--port", type=int, required=True)
    pr.add_argument("--ifname")
    pr.add_argument("--source")
    pr.add_argument("--count", type=int, default=100)
    pr.add_argument("--timeout", type=float, default=10)
    pr.add_argument("--ready")
    pr.add_argument("--out")
    a = p.parse_args()
    return send(a) if a.cmd == "send" else recv(a)


if __name__ == "__main__":
    sys.exit(main())
