#!/usr/bin/env python3
"""Writes the seed corpora under tests/fuzz/seeds/<harness>/: golden bytes
from the unit tests (tests/unit/test_*_codec.c, test_gem_codec.c) framed as
each harness reads its input, and the directives of babeld.conf.example and
README.mcr's examples for fuzz_config.  Run from the top of the tree."""
import os, re, struct

def put(h, name, data):
    d = os.path.join("tests/fuzz/seeds", h)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))

RID = [0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55]
sa_v4 = [1, 0, 1, 0x16, 0, 0, 0x12, 0x34, 0, 0x1e] + RID + [10, 254, 0, 1, 239, 1, 1, 1]
sa_v6 = ([2, 0x2e, 0x80, 0, 0xff, 0xfe, 0x02, 0x58] + RID +
         [0xfd, 0, 0, 0xbb] + [0] * 11 + [1] + [0xff, 0x0e] + [0] * 11 + [1, 0, 1])
put("sa", "v4", sa_v4)
put("sa", "v4v6", sa_v4 + sa_v6)
put("sa", "request", [1, 0x80])
put("sa", "unknown-ae", [1, 0, 3, 2, 0, 0] + sa_v4[2:])

put("igmp", "v3-allow", [0x46, 0xc0, 0x00, 0x2c, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02, 0xf9, 0xed,
    0x0a, 0x07, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x16, 0x94, 0x04, 0x00, 0x00,
    0x22, 0x00, 0xe5, 0xea, 0x00, 0x00, 0x00, 0x01,
    0x05, 0x00, 0x00, 0x01, 0xe8, 0x01, 0x01, 0x01, 0x0a, 0x07, 0x00, 0x09])
put("igmp", "v2-report", [0x46, 0xc0, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02, 0xe9, 0x0b,
    0x0a, 0x07, 0x00, 0x01, 0xef, 0x01, 0x02, 0x03, 0x94, 0x04, 0x00, 0x00,
    0x16, 0x00, 0xf8, 0xfa, 0xef, 0x01, 0x02, 0x03])

def csum(b):
    if len(b) % 2:
        b = b + [0]
    s = sum((b[i] << 8) | b[i + 1] for i in range(0, len(b), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def ip_igmp(m):
    m = list(m)
    m[2] = m[3] = 0
    c = csum(m)
    m[2], m[3] = c >> 8, c & 0xff
    tot = 20 + len(m)
    return [0x45, 0, tot >> 8, tot & 0xff, 0, 0, 0, 0, 1, 2, 0, 0, 10, 7, 0, 1, 224, 0, 0, 1] + m

put("igmp", "v1-query", ip_igmp([0x11, 0, 0, 0, 0, 0, 0, 0]))
put("igmp", "v2-query", ip_igmp([0x11, 50, 0, 0, 239, 1, 2, 3]))
put("igmp", "v3-query", ip_igmp([0x11, 0x8a, 0, 0, 239, 1, 2, 3, 0x0b, 0x81, 0, 1, 10, 0, 0, 1]))
put("igmp", "v2-leave", ip_igmp([0x17, 0, 0, 0, 239, 1, 2, 3]))

# fuzz_pim: first byte odd = fix the checksum up.
hello = [0x20, 0x00, 0x76, 0xb7, 0x00, 0x01, 0x00, 0x02, 0x00, 0x69,
         0x00, 0x13, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x14, 0x00, 0x04, 0x12, 0x34, 0x56, 0x78]
jp_sg = [0x23, 0x00, 0xca, 0xb3, 0x01, 0x00, 0x0a, 0x00, 0x0c, 0x02, 0x00, 0x01, 0x00, 0xd2,
         0x01, 0x00, 0x00, 0x20, 0xe8, 0x01, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00,
         0x01, 0x00, 0x04, 0x20, 0x0a, 0x01, 0x01, 0x32]
jp_star = [0x23, 0x00, 0xaf, 0x93, 0x01, 0x00, 0x0a, 0x00, 0x0c, 0x02, 0x00, 0x01, 0x00, 0xd2,
           0x01, 0x00, 0x00, 0x20, 0xef, 0x01, 0x01, 0x01, 0x00, 0x01, 0x00, 0x01,
           0x01, 0x00, 0x07, 0x20, 0x0a, 0xfe, 0x00, 0x01, 0x01, 0x00, 0x05, 0x20, 0x0a, 0x01, 0x01, 0x32]
asrt = [0x25, 0x00, 0xdc, 0xdb, 0x01, 0x00, 0x00, 0x20, 0xef, 0x01, 0x01, 0x01,
        0x01, 0x00, 0x0a, 0x01, 0x01, 0x32, 0x00, 0x00, 0x00, 0x6e, 0x00, 0x00, 0x00, 0x60]
hello_lpd_addr = [0x20, 0, 0, 0, 0, 2, 0, 4, 0x80, 0x01, 0x0b, 0xb8,
                  0, 24, 0, 12, 1, 0, 10, 0, 0, 2, 1, 0, 10, 0, 0, 3]
for n, m in (("hello", hello), ("jp-sg", jp_sg), ("jp-star", jp_star), ("assert", asrt)):
    put("pim", n, [0] + m)
put("pim", "hello-lpd-addrs", [1] + hello_lpd_addr)

# fuzz_gem: even first byte = a received packet (the unit test's vector);
# odd = header, position, mask, plaintext to seal.
vector = bytes.fromhex(
    "020000010a000c0189abcdef0001020304050607c0a86401ef0101019c401388"
    "b337f7f0a6ac7837d06c6f3597b1cf24"
    "baee7861e91d4c0ac82ae85c3830e6c3"
    "a1dc10bd43f2027934aaa299ac68b0cb")
put("gem", "vector", b"\x00" + vector)
put("gem", "seal", b"\x01" + vector[:32] + b"\x00\x00\x00" + b"GEM test vector!")
put("gem", "seal-flip", b"\x01" + vector[:32] + b"\x00\x30\x01" + b"GEM test vector!")

# fuzz_esp: records [op][len][...]; op 1 = seal at seq (8), pos (2), mask, nh, inner.
def esp_seal(seq, inner, mask=0, pos=0, nh=4):
    r = struct.pack(">QHBB", seq, pos, mask, nh) + inner
    return bytes([1, len(r)]) + r
inner = bytes([0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 239, 1, 1, 1])
put("esp", "in-order", esp_seal(1, inner) + esp_seal(2, inner) + esp_seal(3, inner))
put("esp", "replay", esp_seal(5, inner) + esp_seal(5, inner) + esp_seal(4, inner))
put("esp", "jump", esp_seal(1, inner) + esp_seal(5000, inner) + esp_seal(2, inner) +
    esp_seal(0xffffffff, inner) + esp_seal(0x100000001, inner))
put("esp", "tampered", esp_seal(1, inner, mask=0x80, pos=20))
put("esp", "raw", bytes([0, 40]) + bytes(range(40)))

# fuzz_mac: records [op][len][...]; op bit 0 seal (pos, mask, body), bit 1 key,
# bit 2 multicast, bit 3 add the challenge reply.
pc = bytes([17, 12, 0, 0, 0, 1]) + bytes([7] * 8)
pc2 = bytes([17, 12, 0, 0, 0, 2]) + bytes([7] * 8)
hello_tlv = bytes([4, 6, 0, 0, 0, 1, 1, 0x90])
def mac_rec(op, body, pos=0, mask=0):
    r = struct.pack(">HB", pos, mask) + body
    return bytes([op, len(r)]) + r
put("mac", "challenge", mac_rec(5, hello_tlv + pc) + mac_rec(13, hello_tlv + pc2) +
    mac_rec(5, hello_tlv + pc2))
put("mac", "blake", mac_rec(7, hello_tlv + pc))
put("mac", "tampered", mac_rec(1, hello_tlv + pc, pos=6, mask=1))
put("mac", "raw", bytes([4, 12, 42, 2, 0, 8]) + hello_tlv)

# fuzz_config: the example configuration's directives, a few per seed.
lines = []
for path in ("babeld.conf.example",):
    for l in open(path):
        l = l.strip()
        if l.startswith("#"):
            l = l.lstrip("# ").strip()
            if not re.match(r"^[a-z][a-z-]+ ", l):
                continue
        if l:
            lines.append(l)
for i in range(0, len(lines), 4):
    put("config", "example-%03d" % (i // 4), ("\n".join(lines[i:i + 4]) + "\n").encode())
put("config", "flush", b"gem-group 239.1.1.1 sek " + b"00" * 32 + b" gak " + b"11" * 32 +
    b"\nflush gem-group 239.1.1.1\nflush gem-group 239.1.1.2\nflush interface eth0\n")
