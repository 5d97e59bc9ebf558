#!/bin/bash
# RFC 8967 interop: ours (A) and Debian's babeld (B) on one link, both with
# the same key: first hmac-sha256, then blake2s128 (a 20-byte key, which
# babeld does not pad).  Routes both ways each time, our counters show
# authenticated packets and no rejection, and every packet on the link, of
# either daemon, carries a MAC that verifies independently and one PC TLV
# whose counter goes up packet after packet (mac-tool.py verify).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mac-lib.sh"
need_root; need_ours; need_stock

mac_pair
LLA=$(ll_of "$NSA" a-b)
LLB=$(ll_of "$NSB" b-a)

for type in hmac-sha256 blake2s128; do
    if [ $type = hmac-sha256 ]; then key=$KEY_SHA; else key=$KEY_B2S; fi
    step "$type: ours (A) and stock (B) with the same key"
    cap_start $type "$NSA" a-b "$T/$type.pcap"
    mac_start A "$NSA" "$OURS" a-b $type $key
    mac_start B "$NSB" "$STOCK" b-a $type $key
    waited_for 20 "$type: routes both ways (A has B's loopbacks, B has A's)" both_ways
    wait_for 10 "$type: ping A -> B over the authenticated adjacency" \
        ping_ok "$NSA" "$(lo6 1)" "$(lo6 2)"
    pass "$type: routes both ways"

    wait_for 5 "our dump counts authenticated packets" stat_gt A a-b accepted 5
    stat_eq A a-b keys 1
    stat_eq A a-b bad-mac 0
    stat_eq A a-b no-mac 0
    stat_eq A a-b replayed 0
    stat_gt A a-b challenges-ok 0 || soft_fail "our challenge to stock never succeeded"
    stat_gt A a-b challenge-replies 0 || soft_fail "we never answered stock's challenge"
    note "A's record: $(dump A | grep '^add mac-stats')"
    dump_has A "^add neighbour [^ ]+ address $LLB if a-b .* cost 96$" ||
        soft_fail "A's neighbour B is not at cost 96"

    cap_stop $type
    for who in A B; do
        if [ $who = A ]; then src=$LLA; else src=$LLB; fi
        out=$(python3 "$MAC_TOOL" verify "$T/$type.pcap" $type $key --src "$src") ||
            soft_fail "$type: packets from $who ($src) that do not verify: $out"
        note "$type: packets from $who verified independently: $out"
    done
    stop_daemon A
    stop_daemon B
    [ "${BM_RC[A]}" = 0 ] || soft_fail "A exited with status ${BM_RC[A]}"
done

finish
