#!/bin/bash
# GEM gateway through the user-space ESP tunnel (topology in gem-lib.sh):
# Studio A (source, normalizer, GEM ingress) - an internet router I -
# Studio B (GEM egress; T, Debian's babeld with smcrouted and a strict RPF
# check, which learns the source over Babel from B; receiver R).  R gets every
# datagram byte for byte from the normalized source; I's link carries only
# ESP; GEM packets replayed, tampered, sealed with a wrong GAK or a stale key
# id, inside valid ESP packets, are dropped and counted.
. "$(dirname "$0")/lib.sh"
. "$BM_DIR/mcast-lib.sh"
. "$BM_DIR/gem-lib.sh"
need_root; need_ours
gem_esp_scenario esp stock
finish
