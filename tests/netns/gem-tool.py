#!/usr/bin/env python3
"""GEM test helper (the GEM packet layout of README.mcr, written apart from
the daemon's code, with python3-cryptography).

inject: joins GROUP on IFNAME, takes COUNT real GEM packets off the wire
        (UDP port 6698), then sends forgeries to GROUP:6698 out of IFNAME:
        each captured packet replayed as is, tampered (one ciphertext byte
        flipped), truncated (40 bytes), re-sealed with a wrong GAK, sealed
        with the right keys under a key id the receiver does not have, and
        one packet of random bytes with version 1.  Prints what it sent:
        replayed N tampered N truncated N wrong-gak N stale-key N forged N
seal:   prints one GEM packet in hex (for checks against the daemon).
"""
import argparse
import hashlib
import hmac
import os
import socket
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

GEM_PORT = 6698


def seal(sek, gak, key_id, sender, seq, src, grp, sport, dport, payload):
    hdr = struct.pack("!BBH4sQ4s4sHH", 1, 0, key_id, socket.inet_aton(sender), seq,
                      socket.inet_aton(src), socket.inet_aton(grp), sport, dport)
    ct = AESGCM(sek).encrypt(hdr[4:16], payload, hdr)
    return hdr + ct + hmac.new(gak, hdr + ct, hashlib.sha256).digest()[:16]


def parse(pkt):
    ver, flags, key_id, sender, seq, src, grp, sport, dport = struct.unpack("!BBH4sQ4s4sHH", pkt[:28])
    return key_id, socket.inet_ntoa(sender), seq, socket.inet_ntoa(src), socket.inet_ntoa(grp), sport, dport


def ifaddr(ifname):
    import fcntl
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", ifname.encode()[:15]))  # SIOCGIFADDR
    return socket.inet_ntoa(r[20:24])


def inject(a):
    sek, gak = bytes.fromhex(a.sek), bytes.fromhex(a.gak)
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    rx.bind(("", GEM_PORT))
    idx = socket.if_nametoindex(a.ifname)
    rx.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                  socket.inet_aton(a.group) + b"\0" * 4 + struct.pack("=i", idx))
    rx.settimeout(a.timeout)
    if a.ready:
        open(a.ready, "w").close()
    got = []
    try:
        while len(got) < a.count:
            got.append(rx.recv(70000))
    except socket.timeout:
        print("captured only %d of %d GEM packets" % (len(got), a.count), file=sys.stderr)
        return 1
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                  struct.pack("4s4si", b"\0" * 4, b"\0" * 4, idx))
    tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    dst = (a.group, GEM_PORT)
    n = {"replayed": 0, "tampered": 0, "truncated": 0, "wrong-gak": 0, "stale-key": 0, "forged": 0}
    wrong_gak = bytes(b ^ 0x5a for b in gak)
    for p in got:
        tx.sendto(p, dst); n["replayed"] += 1
        t = bytearray(p); t[30] ^= 1
        tx.sendto(bytes(t), dst); n["tampered"] += 1
        tx.sendto(p[:40], dst); n["truncated"] += 1
        key_id, sender, seq, src, grp, sport, dport = parse(p)
        pl = b"injected" * 10
        # Fresh sequence numbers well above the real sender's: only the key
        # can make these fail.
        tx.sendto(seal(sek, wrong_gak, key_id, sender, seq + 10**6, src, grp, sport, dport, pl), dst)
        n["wrong-gak"] += 1
        tx.sendto(seal(sek, gak, a.stale_key_id, sender, seq + 10**6, src, grp, sport, dport, pl), dst)
        n["stale-key"] += 1
    tx.sendto(b"\x01" + os.urandom(99), dst); n["forged"] += 1
    print(" ".join("%s %d" % kv for kv in n.items()))
    return 0


def seal_cmd(a):
    pkt = seal(bytes.fromhex(a.sek), bytes.fromhex(a.gak), a.key_id, a.sender, a.seq, a.source,
               a.group, a.sport, a.dport, a.payload.encode())
    print(pkt.hex())
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("inject")
    i.add_argument("--group", required=True)
    i.add_argument("--ifname", required=True)
    i.add_argument("--count", type=int, default=5)
    i.add_argument("--sek", required=True)
    i.add_argument("--gak", required=True)
    i.add_argument("--stale-key-id", type=int, default=9)
    i.add_argument("--timeout", type=float, default=10)
    i.add_argument("--ready")
    s = sub.add_parser("seal")
    for k in ("sek", "gak", "sender", "source", "group", "payload"):
        s.add_argument("--" + k, required=True)
    for k in ("key-id", "seq", "sport", "dport"):
        s.add_argument("--" + k, type=int, required=True)
    a = p.parse_args()
    return inject(a) if a.cmd == "inject" else seal_cmd(a)


if __name__ == "__main__":
    sys.exit(main())
