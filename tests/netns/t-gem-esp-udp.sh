#!/bin/bash
# GEM gateway through the user-space ESP tunnel in UDP (RFC 3948, port 4500;
# topology in gem-lib.sh):
# Studio A (source, normalizer, GEM ingress) - an internet router I -
# Studio B (GEM egress, receiver R with a strict RPF check).  R gets every
# datagram byte for byte from the normalized source; I's link carries only
# UDP 4500; GEM packets replayed, tampered, sealed with a wrong GAK or a stale key
# id, inside valid ESP packets, are dropped and counted.
. "$(dirname "$0")/lib.sh"
. "$BM_DIR/mcast-lib.sh"
. "$BM_DIR/gem-lib.sh"
need_root; need_ours
gem_esp_scenario udp
finish
