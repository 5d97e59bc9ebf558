#!/bin/bash
# ESP in UDP (RFC 3948) through a NAT (topology in esp-lib.sh; R source-
# translates GA's UDP 4500 to its own address and port 14500): GB, which
# knows GA only as the NAT's address, answers to the port GA's authenticated
# packets come from; ping both ways; GA's NAT keepalives reach GB; a replay
# from another port is dropped and does not move GB's port; R's outer link
# carries only ESP in UDP, every packet authenticating.
. "$(dirname "$0")/lib.sh"
. "$BM_DIR/esp-lib.sh"
need_root; need_ours
esp_nat_scenario
finish
