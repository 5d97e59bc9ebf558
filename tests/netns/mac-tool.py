#!/usr/bin/env python3
"""mac-tool.py -- crafts, signs, captures and replays Babel packets for the
RFC 8967 tests (t-mac-*.sh).  Run inside the namespace of the router whose
link-local address is used as the source.

  mac-tool.py replay PCAP SRC IFNAME [--nth N]
      re-sends, byte for byte, the N-th (from 0, modulo their number; default:
      the last) packet that SRC sent to ff02::1:6 in PCAP (tcpdump -w), from
      SRC on IFNAME (raw socket)
  mac-tool.py send IFNAME SRC DST --type hmac-sha256|blake2s128 --key HEX
                   --index HEX --pc N [--tlv HEX]... [--no-pc] [--bad-mac]
      sends one signed packet whose body is the given TLVs and a PC TLV
  mac-tool.py verify PCAP TYPE KEY [--src ADDR]
      checks the MAC TLVs of every Babel packet in PCAP (or only SRC's), and
      that each has one PC TLV whose counter is above the previous one of the
      same source and index: prints "ok N bad N unsigned N pc-errors N" and
      exits 1 unless every packet passes
  mac-tool.py listen IFNAME SECONDS
      prints the TLVs of the Babel packets received on port 6696 (no daemon
      may hold the port in that namespace)

The MAC is computed here with Python's hmac/hashlib, independently of the
daemon: HMAC-SHA256, or keyed BLAKE2s with a 16-byte digest, over the
pseudo-header (source, port, destination, port) and the packet without its
trailer.
"""
import argparse
import hashlib
import hmac
import ipaddress
import select
import socket
import struct
import sys
import time

PORT = 6696
GROUP = "ff02::1:6"
IPV6_CHECKSUM = 7
IPV6_MULTICAST_IF = 17
IPV6_MULTICAST_HOPS = 18
IPV6_MULTICAST_LOOP = 19


def pcap_packets(path):
    with open(path, "rb") as f:
        d = f.read()
    magic = struct.unpack("<I", d[:4])[0]
    le = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(le + "I", d[20:24])[0]
    off = 24
    while off + 16 <= len(d):
        _, _, incl, _ = struct.unpack(le + "IIII", d[off:off + 16])
        off += 16
        yield linktype, d[off:off + incl]
        off += incl


def ipv6_udp(linktype, frame):
    """(src, sport, dst, dport, payload) of an IPv6/UDP frame, or None."""
    skip = {1: 14, 113: 16, 276: 20, 101: 0}.get(linktype)
    if skip is None:
        return None
    frame = frame[skip:]
    if len(frame) < 48 or frame[0] >> 4 != 6 or frame[6] != 17:
        return None
    src, dst = frame[8:24], frame[24:40]
    sport, dport, ulen = struct.unpack(">HHH", frame[40:46])
    return src, sport, dst, dport, frame[48:40 + ulen]


def tlvs(b):
    i, out = 0, []
    while i < len(b):
        t = b[i]
        if t == 0:
            out.append((0, b""))
            i += 1
            continue
        if i + 2 > len(b) or i + 2 + b[i + 1] > len(b):
            break
        out.append((t, b[i + 2:i + 2 + b[i + 1]]))
        i += 2 + b[i + 1]
    return out


def compute_mac(ktype, key, src, dst, packet):
    data = (ipaddress.ip_address(src).packed + struct.pack(">H", PORT) +
            ipaddress.ip_address(dst).packed + struct.pack(">H", PORT) + packet)
    if ktype == "hmac-sha256":
        return hmac.new(key, data, hashlib.sha256).digest()
    return hashlib.blake2s(data, key=key, digest_size=16).digest()


def build(ktype, key, src, dst, body_tlvs, index, pc, with_pc=True, bad_mac=False):
    body = b"".join(body_tlvs)
    if with_pc:
        body += bytes([17, 4 + len(index)]) + struct.pack(">I", pc) + index
    packet = bytes([42, 2]) + struct.pack(">H", len(body)) + body
    mac = compute_mac(ktype, key, src, dst, packet)
    if bad_mac:
        mac = bytes([mac[0] ^ 1]) + mac[1:]
    return packet + bytes([16, len(mac)]) + mac


def raw_send(ifname, src, dst, payload):
    """Sends payload as UDP 6696 -> 6696 from src on ifname."""
    ifindex = socket.if_nametoindex(ifname)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_UDP)
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_CHECKSUM, 6)
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex)
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 1)
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0)
    s.bind((src, 0, 0, ifindex))
    udp = struct.pack(">HHHH", PORT, PORT, 8 + len(payload), 0) + payload
    s.sendto(udp, (dst, 0, 0, ifindex))
    s.close()


def describe(payload):
    bl = struct.unpack(">H", payload[2:4])[0]
    out = []
    for t, v in tlvs(payload[4:4 + bl]):
        if t == 17:
            out.append("PC(%d,%s)" % (struct.unpack(">I", v[:4])[0], v[4:].hex()))
        elif t == 18:
            out.append("CREQ(%s)" % v.hex())
        elif t == 19:
            out.append("CREP(%s)" % v.hex())
        elif t == 3:
            out.append("ACK(%d)" % struct.unpack(">H", v[:2])[0])
        else:
            out.append(str(t))
    out.append("|")
    out += ["MAC%d" % len(v) if t == 16 else "T%d" % t for t, v in tlvs(payload[4 + bl:])]
    return " ".join(out)


def cmd_replay(a):
    want = ipaddress.ip_address(a.src).packed
    group = ipaddress.ip_address(GROUP).packed
    found = [r for r in (ipv6_udp(lt, fr) for lt, fr in pcap_packets(a.pcap))
             if r and r[0] == want and r[2] == group and r[1] == PORT and r[3] == PORT]
    if not found:
        sys.exit("no packet from %s to %s in %s" % (a.src, GROUP, a.pcap))
    pkt = found[a.nth % len(found) if a.nth is not None else -1][4]
    raw_send(a.ifname, a.src, GROUP, pkt)
    print("replayed %d bytes: %s" % (len(pkt), describe(pkt)))


def cmd_send(a):
    body = [bytes.fromhex(t) for t in a.tlv]
    pkt = build(a.type, bytes.fromhex(a.key), a.src, a.dst, body, bytes.fromhex(a.index), a.pc,
                not a.no_pc, a.bad_mac)
    raw_send(a.ifname, a.src, a.dst, pkt)
    print("sent %d bytes: %s" % (len(pkt), describe(pkt)))


def cmd_verify(a):
    key = bytes.fromhex(a.key)
    want = ipaddress.ip_address(a.src).packed if a.src else None
    ok = bad = unsigned = pc_errors = 0
    last_pc = {}
    for lt, fr in pcap_packets(a.pcap):
        r = ipv6_udp(lt, fr)
        if not r or r[1] != PORT or r[3] != PORT or (want and r[0] != want):
            continue
        src, _, dst, _, pkt = r
        if len(pkt) < 4 or pkt[0] != 42:
            continue
        bl = struct.unpack(">H", pkt[2:4])[0]
        macs = [v for t, v in tlvs(pkt[4 + bl:]) if t == 16]
        # One PC TLV, the counter above the last one of that source and index.
        pcs = [v for t, v in tlvs(pkt[4:4 + bl]) if t == 17]
        if len(pcs) != 1 or len(pcs[0]) < 4:
            pc_errors += 1
        else:
            k = (src, pcs[0][4:])
            pc = struct.unpack(">I", pcs[0][:4])[0]
            if k in last_pc and pc <= last_pc[k]:
                pc_errors += 1
            last_pc[k] = pc
        mine = compute_mac(a.type, key, ipaddress.ip_address(src).compressed,
                           ipaddress.ip_address(dst).compressed, pkt[:4 + bl])
        if not macs:
            unsigned += 1
        elif any(hmac.compare_digest(m, mine) for m in macs):
            ok += 1
        else:
            bad += 1
    print("ok %d bad %d unsigned %d pc-errors %d" % (ok, bad, unsigned, pc_errors))
    sys.exit(0 if ok > 0 and bad == 0 and unsigned == 0 and pc_errors == 0 else 1)


def cmd_listen(a):
    ifindex = socket.if_nametoindex(a.ifname)
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", PORT))
    mreq = ipaddress.ip_address(GROUP).packed + struct.pack("@I", ifindex)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    end = time.time() + a.seconds
    while time.time() < end:
        r, _, _ = select.select([s], [], [], max(0, end - time.time()))
        if not r:
            break
        data, addr = s.recvfrom(4096)
        print("%s %s" % (addr[0].split("%")[0], describe(data)), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("replay")
    r.add_argument("pcap")
    r.add_argument("src")
    r.add_argument("ifname")
    r.add_argument("--nth", type=int)
    s = sub.add_parser("send")
    s.add_argument("ifname")
    s.add_argument("src")
    s.add_argument("dst")
    s.add_argument("--type", required=True, choices=["hmac-sha256", "blake2s128"])
    s.add_argument("--key", required=True)
    s.add_argument("--index", default="0102030405060708")
    s.add_argument("--pc", type=int, default=0)
    s.add_argument("--tlv", action="append", default=[])
    s.add_argument("--no-pc", action="store_true")
    s.add_argument("--bad-mac", action="store_true")
    v = sub.add_parser("verify")
    v.add_argument("pcap")
    v.add_argument("type", choices=["hmac-sha256", "blake2s128"])
    v.add_argument("key")
    v.add_argument("--src")
    li = sub.add_parser("listen")
    li.add_argument("ifname")
    li.add_argument("seconds", type=float)
    a = p.parse_args()
    {"replay": cmd_replay, "send": cmd_send, "verify": cmd_verify, "listen": cmd_listen}[a.cmd](a)


if __name__ == "__main__":
    main()
