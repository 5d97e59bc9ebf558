#!/bin/bash
# RFC 8967 restarts: a router that restarts picks a new random index and
# starts its packet counter again, so its neighbour must challenge it before
# taking its packets.  With ours (A) and Debian's babeld (B) authenticated by
# hmac-sha256: restart ours, then restart stock; each time the adjacency and
# the routes both ways come back within seconds, through a Challenge Request
# and Reply (ours answers stock's challenge in the first case, stock answers
# ours in the second: our counters show both).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mac-lib.sh"
need_root; need_ours; need_stock

LIMIT=15   # seconds allowed for the adjacency to come back

mac_pair
LLB=$(ll_of "$NSB" b-a)

step "ours (A) and stock (B) with hmac-sha256"
mac_start A "$NSA" "$OURS" a-b hmac-sha256 $KEY_SHA
mac_start B "$NSB" "$STOCK" b-a hmac-sha256 $KEY_SHA
waited_for 20 "routes both ways" both_ways

step "restart ours (SIGTERM, then start again: new index, PC from 0)"
stop_daemon A
wait_for 20 "B drops A's routes" no_babel_route "$NSB" "$(lo4 1)"
mac_start A "$NSA" "$OURS" a-b hmac-sha256 $KEY_SHA
waited_for $LIMIT "routes both ways again after our restart" both_ways
wait_for 5 "ours answered stock's challenge" stat_gt A a-b challenge-replies 0
wait_for 5 "stock answered ours" stat_gt A a-b challenges-ok 0
stat_eq A a-b bad-mac 0
note "A's record: $(dump A | grep '^add mac-stats')"
pass "adjacency back after our restart"

step "restart stock (SIGTERM, then start again)"
ok0=$(mac_stat A a-b challenges-ok)
rq0=$(mac_stat A a-b challenge-requests)
stop_daemon B
wait_for 20 "A drops B's routes" no_babel_route "$NSA" "$(lo4 2)"
mac_start B "$NSB" "$STOCK" b-a hmac-sha256 $KEY_SHA
waited_for $LIMIT "routes both ways again after stock's restart" both_ways
wait_for 5 "ours challenged stock's new index" stat_gt A a-b challenge-requests "$rq0"
wait_for 5 "stock answered: its new index adopted" stat_gt A a-b challenges-ok "$ok0"
stat_eq A a-b bad-mac 0
dump_has A "^add neighbour [^ ]+ address $LLB if a-b .* cost 96$" ||
    wait_for 10 "A's neighbour B back at cost 96" dump_has A \
        "^add neighbour [^ ]+ address $LLB if a-b .* cost 96$"
note "A's record: $(dump A | grep '^add mac-stats')"
pass "adjacency back after stock's restart"

finish
