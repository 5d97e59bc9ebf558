#!/bin/bash
# RFC 8967 replay protection, ours (A) receiving from Debian's babeld (B):
# authenticated multicast packets that B really sent, captured with tcpdump
# and sent again byte for byte from B's own link-local address (a raw socket
# in B's namespace, mac-tool.py replay), are dropped and counted as replayed,
# and the adjacency stays up.  Packets crafted with the right key but a bad
# MAC, no PC TLV or an unknown index are dropped and counted too; an unknown
# index makes us send a Challenge Request.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mac-lib.sh"
need_root; need_ours; need_stock

mac_pair
LLA=$(ll_of "$NSA" a-b)
LLB=$(ll_of "$NSB" b-a)

step "ours (A) and stock (B) with hmac-sha256; capture B's packets"
cap_start link "$NSB" b-a "$T/link.pcap"
mac_start A "$NSA" "$OURS" a-b hmac-sha256 $KEY_SHA
mac_start B "$NSB" "$STOCK" b-a hmac-sha256 $KEY_SHA
waited_for 20 "routes both ways" both_ways
sleep 4
cap_stop link

replay() {   # replay [--nth N]: one of B's captured multicast packets, from B
    ip netns exec "$NSB" python3 "$MAC_TOOL" replay "$T/link.pcap" "$LLB" b-a "$@"
}

step "replay B's latest captured multicast packet, then its first one"
r0=$(mac_stat A a-b replayed)
note "$(replay)"
waited_for 5 "the replay is counted (replayed > $r0)" stat_gt A a-b replayed "$r0"
note "$(replay --nth 0)"
waited_for 5 "the replay of the first one is counted" stat_gt A a-b replayed $((r0 + 1))
step "the same packets five more times"
for i in 1 2 3 4 5; do replay --nth $i >/dev/null; replay >/dev/null; done
waited_for 5 "ten more replays counted" stat_gt A a-b replayed $((r0 + 11))
note "replayed: $r0 -> $(mac_stat A a-b replayed)"
both_ways || soft_fail "the adjacency was lost"
dump_has A "^add neighbour [^ ]+ address $LLB if a-b .* cost 96$" ||
    soft_fail "A's neighbour B is not at cost 96 any more"
pass "replays dropped and counted, adjacency intact"

craft() {    # craft ARGS...: a packet from B's address, signed by mac-tool.py
    ip netns exec "$NSB" python3 "$MAC_TOOL" send b-a "$LLB" ff02::1:6 "$@"
}
HELLO=0406000012340190

step "crafted: a bad MAC"
b0=$(mac_stat A a-b bad-mac)
note "$(craft --type hmac-sha256 --key $KEY_SHA --pc 4000000000 --tlv $HELLO --bad-mac)"
waited_for 5 "bad-mac counted" stat_gt A a-b bad-mac "$b0"

step "crafted: a good MAC but no PC TLV"
n0=$(mac_stat A a-b no-pc)
note "$(craft --type hmac-sha256 --key $KEY_SHA --no-pc --tlv $HELLO)"
waited_for 5 "no-pc counted" stat_gt A a-b no-pc "$n0"

step "crafted: a good MAC, an index we do not know: challenged, dropped"
u0=$(mac_stat A a-b unknown-index)
c0=$(mac_stat A a-b challenge-requests)
note "$(craft --type hmac-sha256 --key $KEY_SHA --index 5555555555555555 --pc 7 --tlv $HELLO)"
waited_for 5 "unknown-index counted" stat_gt A a-b unknown-index "$u0"
waited_for 5 "a Challenge Request sent" stat_gt A a-b challenge-requests "$c0"

step "the adjacency survives all of it"
sleep 3
both_ways || soft_fail "the adjacency was lost"
a0=$(mac_stat A a-b accepted)
waited_for 5 "B's packets are still accepted" stat_gt A a-b accepted "$a0"
note "A's record: $(dump A | grep '^add mac-stats')"
pass "crafted packets rejected and counted"

finish
