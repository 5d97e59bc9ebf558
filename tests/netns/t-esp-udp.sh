#!/bin/bash
# The ESP tunnel of t-esp-tunnel.sh with `encap udp`: ESP in UDP port 4500
# (RFC 3948) on the internet link, nothing else; tshark decodes it; the same
# forgeries, plus a non-ESP marker (IKE) and a NAT keepalive, are counted.
. "$(dirname "$0")/lib.sh"
. "$BM_DIR/esp-lib.sh"
need_root; need_ours
esp_scenario udp
finish
