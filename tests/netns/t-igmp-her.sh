#!/bin/bash
# auto-her: IGMP membership learnt on a point-to-point link without
# IFF_MULTICAST (a TUN) becomes unicast replication to the link's far end.
#
#   S 10.0.1.2 (s-r) ---- (r-s) 10.0.1.1 R (ours) 10.9.0.1 (r-tun) ~~ TUN ~~ 10.9.0.2 far end
#
# The far end (tests/tools/tun_igmp.py) sends an IGMPv3 join for G into the
# TUN; R records the group on r-tun, its (*,G) mroute, and a normalizer rule
# her-... that captures G on r-s and sends it to 10.9.0.2 as unicast: every
# datagram of S's stream arrives at the far end, byte for byte; the kernel's
# MFC entry does not list r-tun.  The leave takes the group and the rule
# away.  Without auto-her on r-tun the same join gives no rule.
. "$(dirname "$0")/lib.sh"
need_root; need_ours
command -v python3 >/dev/null || fail "python3 not found"
TUN="$BM_REPO/tests/tools/tun_igmp.py"
SEND="$BM_REPO/tests/tools/mcast_stream.py"
G=239.7.7.7

ns_new NSS S; ns_new NSR R
veth "$NSR" r-s "$NSS" s-r
ip -n "$NSR" addr add 10.0.1.1/24 dev r-s
ip -n "$NSS" addr add 10.0.1.2/24 dev s-r
ip -n "$NSS" route add default via 10.0.1.1
ip netns exec "$NSR" python3 "$TUN" r-tun 10.9.0.2 "$T/ctl" "$T/tun.log" >"$T/tun.out" 2>&1 &
BM_EXTRA_PIDS+=($!)
wait_for 5 "TUN far end ready" grep -q ready "$T/tun.log"
ip -n "$NSR" link set r-tun multicast off up
ip -n "$NSR" addr add 10.9.0.1 peer 10.9.0.2/32 dev r-tun
ip netns exec "$NSR" sysctl -qw net.ipv4.conf.all.rp_filter=0
ip netns exec "$NSR" sysctl -qw net.ipv4.conf.r-tun.rp_filter=0

start_babeld R "$NSR" "$OURS" -C 'mcast-interface r-s pim false' \
    -C 'mcast-interface r-tun pim false auto-her true igmp-last-member-query-interval 0.5' r-s
ctl() { echo "$1" >"$T/ctl.tmp"; mv "$T/ctl.tmp" "$T/ctl"; }

step "1. a join from the far end of the TUN"
ctl "join $G"
wait_for 5 "igmp-group $G on r-tun" dump_has R "^add igmp-group $G if r-tun mode exclude version 3 "
wait_for 5 "mroute (*,$G) oif r-tun" dump_has R "^add mroute \* $G iif - oifs r-tun igmp-oifs r-tun$"
wait_for 5 "auto-her rule capturing $G on r-s" dump_has R \
    "^add mcast-rule her-00000000ef070707-[0-9]+ in r-s group $G port 0 source any resource none outputs 1 "
wait_for 5 "its output: unicast to 10.9.0.2" dump_has R \
    "^add mcast-output her-00000000ef070707-[0-9]+/0 rule her-[0-9a-f-]+ if r-tun mode unicast dest 10\.9\.0\.2 port 0 ttl 64 state up-unicast "
pass "group, (*,G) and the auto-her rule"

step "2. S's stream arrives at the far end as unicast"
ip netns exec "$NSS" python3 "$SEND" send --dest $G --port 5000 --ifname s-r --count 100 \
    --rate 200 --ttl 8 --size 500 || fail "sender failed"
wait_for 5 "100 datagrams to 10.9.0.2 in the TUN" sh -c \
    "[ \$(grep -c '^udp 10.9.0.2 [0-9]* 5000 500 ok' $T/tun.log) = 100 ]"
grep -q ' bad$' "$T/tun.log" && soft_fail "changed datagrams in the TUN"
ip -n "$NSR" mroute show | grep -q 'r-tun' && soft_fail "the kernel forwards on r-tun as well: $(ip -n "$NSR" mroute show)"
grep -q "^igmp 0x11 " "$T/tun.log" || soft_fail "no IGMP query reached the far end"
pass "100 of 100 datagrams as unicast to the peer, none by the kernel"

step "3. the leave takes the group and the rule away"
ctl "leave $G"
waited_for 3 "group $G gone" dump_lacks R "^add igmp-group $G "
wait_for 3 "auto-her rule gone" dump_lacks R "^add mcast-rule her-"
pass "leave: group and rule gone"

step "4. without auto-her, no rule"
out=$(lc R "mcast-interface r-tun pim false auto-her false igmp-last-member-query-interval 0.5")
printf '%s\n' "$out" | grep -qx ok || fail "run-time mcast-interface refused: $out"
ctl "join $G"
wait_for 5 "igmp-group $G on r-tun again" dump_has R "^add igmp-group $G if r-tun "
sleep 1.5 # auto-her re-checks every second: give it the chance to be wrong
dump_lacks R "^add mcast-rule her-" || soft_fail "an auto-her rule without auto-her"
pass "no rule without auto-her"
clean_exit R
finish
