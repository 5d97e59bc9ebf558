#!/usr/bin/env python3
"""Builds the known-answer ESP packet of tests/unit/test_esp.c independently of
our C code: RFC 4303 layout and RFC 4106 AES-256-GCM (nonce = salt || IV, AAD =
SPI || 64-bit ESN) done by hand around python3-cryptography's AESGCM.  Run it
to regenerate the golden hex; the C test holds its output."""
import struct
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

key = bytes(range(32))
salt = bytes.fromhex("cafebabe")
spi = 0x12345678
seq = 0x0000000100000002          # ESN: high half 1, so the AAD's high word matters
iv = struct.pack(">Q", seq)        # IV mask 0: the IV is the sequence number
# An inner IPv4/UDP packet, 10.1.0.2:4000 -> 10.2.0.2:5000, 5 bytes of payload (33 bytes).
inner = bytes.fromhex("45000021000040004011" "0000" "0a010002" "0a020002"
                      "0fa01388000d0000" "68656c6c6f")
pad = bytes(range(1, 1 + (4 - (len(inner) + 2) % 4) % 4))
plain = inner + pad + bytes([len(pad), 4])
aad = struct.pack(">IQ", spi, seq)
sealed = AESGCM(key).encrypt(salt + iv, plain, aad)   # ciphertext || 16-byte tag
pkt = struct.pack(">II", spi, seq & 0xffffffff) + iv + sealed
print("inner  ", inner.hex())
print("packet ", pkt.hex())
