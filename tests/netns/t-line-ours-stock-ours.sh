#!/bin/bash
# Line A - B - C with A=ours, B=stock, C=ours (see line_test in lib.sh):
# all loopbacks routed everywhere as proto babel, ping A<->C v4/v6,
# metric 192 at both ends, C's routes withdrawn when C stops.
. "$(dirname "$0")/lib.sh"
need_root; need_ours; need_stock
line_test "$OURS" "$STOCK" "$OURS"
finish
