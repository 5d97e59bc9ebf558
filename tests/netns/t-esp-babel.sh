#!/bin/bash
# Babel over the ESP tunnel ("Babel over IPsec", topology in esp-lib.sh):
# ipsec0, the point-to-point TUN device of each gateway's gem-peer, is a
# Babel `tunnel` interface; the gateways become Babel neighbours through it
# and install routes to each other's inner subnet via ipsec0, with no static
# route; ping HA -> HB then works; R's link carries only ESP, Babel's own
# Hellos and updates included, and every packet authenticates.
. "$(dirname "$0")/lib.sh"
. "$BM_DIR/esp-lib.sh"
need_root; need_ours
esp_babel_scenario
finish
