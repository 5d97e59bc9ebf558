#!/usr/bin/env python3
"""esp-tool.py -- reads, checks and forges the ESP of the t-esp-*.sh tests,
independently of the daemon: RFC 4303 parsing and RFC 4106 AES-256-GCM
(nonce = salt || IV, AAD = SPI || 64-bit extended sequence number) done here
around python3-cryptography's AESGCM.

  esp-tool.py verify PCAP --sa SPI:KEYHEX [--sa ...] [--find TEXT]
      decrypts every ESP packet (IP protocol 50, or UDP port 4500 that is not
      a keepalive or IKE) in PCAP (tcpdump -w, Ethernet) with the SA of its
      SPI, inferring the sequence number's high half from the last one seen;
      prints "esp N ok N bad N unknown-spi N other-ip N found N" and exits 1
      unless every ESP packet authenticates, with a valid trailer, sequence
      numbers that never repeat, and an inner IPv4/IPv6 packet.  --find
      counts inner packets that contain TEXT.
  esp-tool.py inject PCAP --sa SPI:KEYHEX --find TEXT --dst ADDR --how HOW [--sport N]
      finds the first ESP packet of that SA whose inner packet contains TEXT
      and sends a copy of it to ADDR, from the packet's own source address
      (a raw IP_HDRINCL socket), as HOW says: replay (byte for byte),
      tamper (a fresh sequence number, one ciphertext bit flipped), forge
      (the same inner packet sealed with another key), unknown-spi (SPI + 1),
      truncate (the first 20 octets of ESP), ike (UDP only: a non-ESP marker
      then the rest).  Keeps the packet's encapsulation (ESP or UDP to 4500,
      from --sport, default 4500).
"""
import argparse
import socket
import struct
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def read_pcap(path):
    """Yields the IPv4 packets of an Ethernet (or Linux cooked) pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = ">"
    else:
        raise SystemExit("%s: not a pcap file" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:
            if len(frame) < 14 or frame[12:14] != b"\x08\x00":
                continue
            yield frame[14:]
        elif linktype == 113:
            if len(frame) < 16 or frame[14:16] != b"\x08\x00":
                continue
            yield frame[16:]
        elif linktype in (12, 101, 228):
            if frame and frame[0] >> 4 == 4:
                yield frame


def esp_of(ip):
    """(src, dst, esp bytes, udp?) for an ESP or ESP-in-UDP packet, else None."""
    if len(ip) < 20 or ip[0] >> 4 != 4:
        return None
    ihl = (ip[0] & 15) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    ip = ip[:total]
    src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
    if ip[9] == 50:
        return src, dst, ip[ihl:], False
    if ip[9] == 17 and len(ip) >= ihl + 8:
        sport, dport = struct.unpack(">HH", ip[ihl:ihl + 4])
        if 4500 in (sport, dport):
            pl = ip[ihl + 8:]
            if pl == b"\xff" or pl[:4] == b"\0\0\0\0":
                return None
            return src, dst, pl, True
    return None


class Sa:
    def __init__(self, spec):
        spi, key = spec.split(":")
        self.spi = int(spi, 0)
        km = bytes.fromhex(key[2:] if key.startswith("0x") else key)
        if len(km) != 36:
            raise SystemExit("--sa %s: the key must be 36 octets" % spec)
        self.aead, self.salt = AESGCM(km[:32]), km[32:]
        self.top = 0
        self.seen = set()

    def infer(self, low):
        """RFC 4303 Appendix A, for a window of 2^31 (this is a check, not a
        defence: it only needs to follow one sender's numbers)."""
        th, tl = self.top >> 32, self.top & 0xFFFFFFFF
        cands = [((th + d) << 32) | low for d in (-1, 0, 1) if th + d >= 0]
        return min(cands, key=lambda s: abs(s - self.top))

    def open(self, esp):
        """(inner, next header, seq) or raises ValueError."""
        if len(esp) < 8 + 8 + 2 + 16:
            raise ValueError("truncated")
        spi, low = struct.unpack(">II", esp[:8])
        seq = self.infer(low)
        iv = esp[8:16]
        aad = struct.pack(">IQ", spi, seq)
        try:
            plain = self.aead.decrypt(self.salt + iv, esp[16:], aad)
        except InvalidTag:
            raise ValueError("ICV mismatch with the 64-bit sequence %#x in the AAD" % seq)
        padlen, nh = plain[-2], plain[-1]
        if padlen + 2 > len(plain) or plain[-2 - padlen:-2] != bytes(range(1, padlen + 1)):
            raise ValueError("bad padding")
        if (len(esp) - 16 - 16) % 4:
            raise ValueError("payload not 4-octet aligned")
        inner = plain[:-2 - padlen]
        if nh == 4 and not (inner and inner[0] >> 4 == 4):
            raise ValueError("next header 4 but not IPv4 inside")
        if nh == 41 and not (inner and inner[0] >> 4 == 6):
            raise ValueError("next header 41 but not IPv6 inside")
        if nh not in (4, 41):
            raise ValueError("next header %d" % nh)
        if seq in self.seen:
            raise ValueError("sequence number %#x repeated" % seq)
        self.seen.add(seq)
        self.top = max(self.top, seq)
        return inner, nh, seq


def cmd_verify(a):
    sas = {s.spi: s for s in (Sa(x) for x in a.sa)}
    n = {"esp": 0, "ok": 0, "bad": 0, "unknown-spi": 0, "other-ip": 0, "found": 0}
    errors = []
    for ip in read_pcap(a.pcap):
        e = esp_of(ip)
        if not e:
            n["other-ip"] += 1
            continue
        n["esp"] += 1
        spi = struct.unpack(">I", e[2][:4])[0] if len(e[2]) >= 4 else None
        sa = sas.get(spi)
        if not sa:
            n["unknown-spi"] += 1
            continue
        try:
            inner, _, _ = sa.open(e[2])
            n["ok"] += 1
            if a.find and a.find.encode() in inner:
                n["found"] += 1
        except ValueError as x:
            n["bad"] += 1
            errors.append("%s -> %s spi %#x: %s" % (e[0], e[1], spi, x))
    print(" ".join("%s %d" % kv for kv in n.items()))
    for x in errors[:5]:
        print("  " + x)
    sys.exit(0 if n["bad"] == 0 and n["unknown-spi"] == 0 and n["ok"] > 0 else 1)


def cmd_inject(a):
    sa = Sa(a.sa)
    for ip in read_pcap(a.pcap):
        e = esp_of(ip)
        if not e or len(e[2]) < 8 or struct.unpack(">I", e[2][:4])[0] != sa.spi:
            continue
        try:
            inner, _, _ = sa.open(e[2])
        except ValueError:
            continue
        if a.find.encode() in inner:
            break
    else:
        raise SystemExit("no packet of SPI %#x carries %r" % (sa.spi, a.find))
    src, _, esp, udp = e
    if a.how == "replay":
        pass
    elif a.how == "tamper":
        # A sequence number the receiver has not seen (else the replay
        # check would stop it first) and one ciphertext bit flipped.
        low = (struct.unpack(">I", esp[4:8])[0] + 1000) & 0xFFFFFFFF
        esp = esp[:4] + struct.pack(">I", low) + esp[8:20] + bytes([esp[20] ^ 0x01]) + esp[21:]
    elif a.how == "forge":
        # A well-formed packet, fresh sequence number, sealed with a key
        # that is not the SA's.
        low = (struct.unpack(">I", esp[4:8])[0] + 2000) & 0xFFFFFFFF
        hdr = struct.pack(">II", sa.spi, low)
        iv = struct.pack(">Q", low)
        npad = (4 - (len(inner) + 2) % 4) % 4
        plain = inner + bytes(range(1, npad + 1)) + bytes([npad, 4])
        esp = hdr + iv + AESGCM(bytes(32)).encrypt(bytes(4) + iv, plain, struct.pack(">IQ", sa.spi, low))
    elif a.how == "unknown-spi":
        esp = struct.pack(">I", sa.spi + 1) + esp[4:]
    elif a.how == "truncate":
        esp = esp[:20]
    elif a.how == "ike":
        if not udp:
            raise SystemExit("--how ike needs an ESP-in-UDP packet")
        esp = b"\0\0\0\0" + esp
    if udp:
        payload = struct.pack(">HHHH", a.sport, 4500, 8 + len(esp), 0) + esp
        proto = 17
    else:
        payload, proto = esp, 50
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x4242, 0, 64, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(a.dst))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(hdr + payload, (a.dst, 0))
    print("sent %s of a %s packet from %s: %d octets" % (a.how, "UDP 4500" if udp else "ESP", src,
                                                           len(esp)))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verify")
    v.add_argument("pcap")
    v.add_argument("--sa", action="append", required=True)
    v.add_argument("--find")
    v.set_defaults(fn=cmd_verify)
    i = sub.add_parser("inject")
    i.add_argument("pcap")
    i.add_argument("--sa", required=True)
    i.add_argument("--find", required=True)
    i.add_argument("--dst", required=True)
    i.add_argument("--sport", type=int, default=4500)
    i.add_argument("--how", required=True, choices=["replay", "tamper", "forge", "unknown-spi", "truncate", "ike"])
    i.set_defaults(fn=cmd_inject)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
