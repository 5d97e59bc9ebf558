#!/bin/bash
# ESP tunnel (RFC 4303 tunnel mode, AES-256-GCM, 64-bit ESN) between two
# gateways across an "internet" router (topology in esp-lib.sh): ping and
# UDP from an inner host on side A reach an inner host on side B through
# ipsec0; R's link carries only IP protocol 50; tshark, given the SAs,
# decodes the inner packets, and python3-cryptography verifies every ICV;
# replayed, tampered, truncated and unknown-SPI packets injected at R are
# counted in GB's records and never delivered; bad run-time lines refused.
. "$(dirname "$0")/lib.sh"
. "$BM_DIR/esp-lib.sh"
need_root; need_ours
esp_scenario esp
finish
