#!/bin/bash
# Line A - B - C with A=stock, B=ours, C=stock (see line_test in lib.sh):
# ours is the transit router; same checks as t-line-ours-stock-ours.sh.
. "$(dirname "$0")/lib.sh"
need_root; need_ours; need_stock
line_test "$STOCK" "$OURS" "$STOCK"
finish
