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
esp-inject: an attacker who holds the ESP keys but not the GEM keys: takes
        the GEM packets out of the ESP packets of one SA in a capture (RFC
        4303/4106, tunnel mode, ESN in the AAD), and sends, each in a valid
        ESP packet with a fresh sequence number, one GEM packet replayed,
        tampered, re-sealed with a wrong GAK and sealed under a stale key id.
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


def seal(sek, gak, key_id, sender, run, seq, src, grp, sport, dport, payload):
    hdr = struct.pack("!BBH4sIQ4s4sHH", 2, 0, key_id, socket.inet_aton(sender), run, seq,
                      socket.inet_aton(src), socket.inet_aton(grp), sport, dport)
    ct = AESGCM(sek).encrypt(hdr[4:20], payload, hdr)
    return hdr + ct + hmac.new(gak, hdr + ct, hashlib.sha256).digest()[:16]


def parse(pkt):
    ver, flags, key_id, sender, run, seq, src, grp, sport, dport = struct.unpack("!BBH4sIQ4s4sHH", pkt[:32])
    return key_id, socket.inet_ntoa(sender), run, seq, socket.inet_ntoa(src), socket.inet_ntoa(grp), sport, dport


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
        t = bytearray(p); t[34] ^= 1
        tx.sendto(bytes(t), dst); n["tampered"] += 1
        tx.sendto(p[:40], dst); n["truncated"] += 1
        key_id, sender, run, seq, src, grp, sport, dport = parse(p)
        pl = b"injected" * 10
        # Fresh sequence numbers well above the real sender's: only the key
        # can make these fail.
        tx.sendto(seal(sek, wrong_gak, key_id, sender, run, seq + 10**6, src, grp, sport, dport, pl), dst)
        n["wrong-gak"] += 1
        tx.sendto(seal(sek, gak, a.stale_key_id, sender, run, seq + 10**6, src, grp, sport, dport, pl), dst)
        n["stale-key"] += 1
    tx.sendto(b"\x02" + os.urandom(99), dst); n["forged"] += 1
    print(" ".join("%s %d" % kv for kv in n.items()))
    return 0


def read_pcap(path):
    """IPv4 packets (bytes) of a pcap file with Ethernet link type."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) > 34 and frame[12:14] == b"\x08\x00":
            out.append(frame[14:])
    return out


def esp_packets(pcap, spi, dst):
    """(seq, src, inner) of each ESP packet of SPI to dst (raw or in UDP 4500)."""
    for ip in read_pcap(pcap):
        ihl = (ip[0] & 15) * 4
        if socket.inet_ntoa(ip[16:20]) != dst:
            continue
        body = ip[ihl:]
        if ip[9] == 17 and len(body) > 12 and struct.unpack(">H", body[2:4])[0] == 4500:
            body = body[8:]
        elif ip[9] != 50:
            continue
        if len(body) < 32 or struct.unpack(">I", body[:4])[0] != spi:
            continue
        yield struct.unpack(">I", body[4:8])[0], socket.inet_ntoa(ip[12:16]), body


def esp_open(key, body):
    spi, seq = struct.unpack(">II", body[:8])
    iv = body[8:16]
    plain = AESGCM(key[:32]).decrypt(key[32:] + iv, body[16:], struct.pack(">IQ", spi, seq))
    padlen = plain[-2]
    return plain[:len(plain) - 2 - padlen]


def esp_seal(key, spi, seq, inner):
    iv = struct.pack(">Q", seq)
    npad = (4 - (len(inner) + 2) % 4) % 4
    plain = inner + bytes(range(1, npad + 1)) + bytes([npad, 4])
    return struct.pack(">II", spi, seq) + iv + AESGCM(key[:32]).encrypt(
        key[32:] + iv, plain, struct.pack(">IQ", spi, seq))


def ip_checksum(h):
    s = sum(struct.unpack(">10H", h))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def esp_inject(a):
    key = bytes.fromhex(a.esp_key)
    sek, gak = bytes.fromhex(a.sek), bytes.fromhex(a.gak)
    gems, top, src = [], 0, None
    for seq, s, body in esp_packets(a.pcap, a.spi, a.dst):
        top, src = max(top, seq), s
        inner = esp_open(key, body)
        ihl = (inner[0] & 15) * 4
        if inner[9] == 17 and struct.unpack(">H", inner[ihl + 2:ihl + 4])[0] == GEM_PORT:
            gems.append(inner)
    if not gems:
        print("no GEM packet in the ESP packets of SPI %d to %s" % (a.spi, a.dst), file=sys.stderr)
        return 1
    inner = gems[-1]
    ihl = (inner[0] & 15) * 4
    ip_hdr, gem = inner[:ihl], inner[ihl + 8:]
    key_id, sender, run, gseq, gsrc, grp, sport, dport = parse(gem)
    pl = b"injected through ESP" * 5
    kinds = {
        "replayed": gem,
        "tampered": gem[:34] + bytes([gem[34] ^ 1]) + gem[35:],
        "wrong-gak": seal(sek, bytes(b ^ 0x5A for b in gak), key_id, sender, run, gseq + 10**6, gsrc,
                          grp, sport, dport, pl),
        "stale-key": seal(sek, gak, a.stale_key_id, sender, run, gseq + 10**6, gsrc, grp, sport, dport, pl),
    }
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    n = 0
    for kind, g in kinds.items():
        udp = struct.pack(">HHHH", GEM_PORT, GEM_PORT, 8 + len(g), 0) + g
        h = bytearray(ip_hdr[:20])
        struct.pack_into(">H", h, 2, 20 + len(udp))
        struct.pack_into(">H", h, 10, 0)
        struct.pack_into(">H", h, 10, ip_checksum(bytes(h)))
        n += 1
        esp = esp_seal(key, a.spi, top + 100 * n, bytes(h) + udp)
        if a.encap == "udp":
            payload, proto = struct.pack(">HHHH", 4500, 4500, 8 + len(esp), 0) + esp, 17
        else:
            payload, proto = esp, 50
        outer = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x4747, 0, 64, proto, 0,
                            socket.inet_aton(src), socket.inet_aton(a.dst))
        s.sendto(outer + payload, (a.dst, 0))
    print("sent through ESP (SPI %d, from %s): %s" % (a.spi, src, " ".join("%s 1" % k for k in kinds)))
    return 0


def seal_cmd(a):
    pkt = seal(bytes.fromhex(a.sek), bytes.fromhex(a.gak), a.key_id, a.sender, a.run, a.seq, a.source,
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
    s.add_argument("--run", type=int, default=0)
    e = sub.add_parser("esp-inject")
    e.add_argument("pcap")
    for k in ("esp-key", "dst", "sek", "gak"):
        e.add_argument("--" + k, required=True)
    e.add_argument("--spi", type=int, required=True)
    e.add_argument("--encap", choices=["esp", "udp"], default="esp")
    e.add_argument("--stale-key-id", type=int, default=9)
    a = p.parse_args()
    return {"inject": inject, "seal": seal_cmd, "esp-inject": esp_inject}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
