#!/bin/bash
# RFC 8967 rejection: ours (A) and Debian's babeld (B) with different keys
# never become neighbours: no routes either way, no neighbour in our dump,
# and our bad-mac counter keeps rising.  Then accept-bad-signatures: ours with
# a key and `accept-bad-signatures true` takes the packets of an unkeyed stock
# neighbour (routes both ways; counted as no-mac and accepted-bad), and
# without it drops them all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mac-lib.sh"
need_root; need_ours; need_stock

mac_pair
LLB=$(ll_of "$NSB" b-a)

step "hmac-sha256 with different keys on each side"
mac_start A "$NSA" "$OURS" a-b hmac-sha256 $KEY_SHA
mac_start B "$NSB" "$STOCK" b-a hmac-sha256 $KEY_SHA2
waited_for 10 "our bad-mac counter counts stock's packets" stat_gt A a-b bad-mac 3
first=$(mac_stat A a-b bad-mac)
sleep 6
both_ways && soft_fail "routes were exchanged despite the wrong key"
has_babel_route "$NSA" "$(lo4 2)" && soft_fail "A has a route to B's $(lo4 2)"
has_babel_route "$NSB" "$(lo4 1)" && soft_fail "B has a route to A's $(lo4 1)"
dump_has A "^add neighbour .* address $LLB " && soft_fail "A lists B as a neighbour"
dump_has A "^add route " && soft_fail "A has learned routes from B"
stat_gt A a-b bad-mac "$first" || soft_fail "bad-mac stopped rising (still $first)"
stat_eq A a-b accepted 0
note "A's record: $(dump A | grep '^add mac-stats')"
pass "no adjacency, no routes; bad-mac rose from $first to $(mac_stat A a-b bad-mac)"
stop_daemon A
stop_daemon B

step "an unkeyed stock neighbour, ours keyed without accept-bad-signatures"
mac_start A "$NSA" "$OURS" a-b hmac-sha256 $KEY_SHA
start_babeld B "$NSB" "$STOCK" b-a
waited_for 10 "our no-mac counter counts stock's unsigned packets" stat_gt A a-b no-mac 3
sleep 5
has_babel_route "$NSA" "$(lo4 2)" && soft_fail "A took routes from an unsigned neighbour"
dump_has A "^add neighbour .* address $LLB " && soft_fail "A lists the unsigned B as a neighbour"
stat_eq A a-b accepted-bad 0
pass "unsigned packets dropped: no-mac $(mac_stat A a-b no-mac)"
stop_daemon A

step "the same with accept-bad-signatures true on ours"
mac_start A "$NSA" "$OURS" a-b hmac-sha256 $KEY_SHA accept-bad-signatures true
waited_for 20 "routes both ways with accept-bad-signatures" both_ways
soft_wait_for 10 "accepted-bad counts the unsigned packets" stat_gt A a-b accepted-bad 3
soft_wait_for 10 "no-mac counts the unsigned packets" stat_gt A a-b no-mac 3
note "A's record: $(dump A | grep '^add mac-stats')"
pass "unsigned packets counted and processed"

finish
