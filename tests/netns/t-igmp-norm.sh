#!/bin/bash
# Downstream state attached to a user's normalizer rule: a host that joins
# the group a rule republishes gets the normalized stream, by a companion
# rule the daemon keeps while the host wants it.
#
#   S 10.1.1.50 (s-o) ---- (o-s, no IPv4) O (ours) (o-t) 10.0.12.1 ---- (t-o) 10.0.12.2 T
#                                           O (o-h) 10.0.3.1 ---- (h-o) 10.0.3.2 H
#
# O: mcast-rule cam1 in o-s group 239.1.1.1 resource 192.168.100.1 out o-t,
# and mcast-interface o-h (IGMP).  H joins 239.1.1.1 (a real kernel host's
# IGMPv3 report): O keeps mrib-cam1 (in o-s, same match and VIP, out o-h)
# and H receives every datagram, byte for byte, from the VIP; when H leaves
# mrib-cam1 goes.  A user's rule named like ours is never touched.
. "$(dirname "$0")/lib.sh"
need_root; need_ours
command -v python3 >/dev/null || fail "python3 not found"
SEND="$BM_REPO/tests/tools/mcast_stream.py"
G=239.1.1.1
VIP=192.168.100.1

ns_new NSS S; ns_new NSO O; ns_new NST T; ns_new NSH H
veth "$NSO" o-s "$NSS" s-o
veth "$NSO" o-t "$NST" t-o
veth "$NSO" o-h "$NSH" h-o
ip -n "$NSS" addr add 10.1.1.50/24 dev s-o
ip -n "$NSS" route add default dev s-o
ip -n "$NSO" addr add 10.0.12.1/24 dev o-t
ip -n "$NST" addr add 10.0.12.2/24 dev t-o
ip -n "$NSO" addr add 10.0.3.1/24 dev o-h
ip -n "$NSH" addr add 10.0.3.2/24 dev h-o
ip -n "$NSH" route add default via 10.0.3.1

start_babeld O "$NSO" "$OURS" \
    -C "mcast-rule cam1 in o-s group $G port 5000 resource $VIP out o-t" \
    -C 'mcast-interface o-h pim false igmp-last-member-query-interval 0.5' o-t
wait_for 5 "cam1 active" dump_has O "^add mcast-rule cam1 in o-s group $G .* state active$"

step "1. H joins $G: the companion rule mrib-cam1 serves o-h"
ip netns exec "$NSH" python3 "$SEND" recv --group $G --port 5000 --ifname h-o --source $VIP \
    --count 200 --timeout 20 --ready "$T/h.ready" --out "$T/h.res" >"$T/h.out" 2>&1 &
BM_EXTRA_PIDS+=($!); rp=$!
wait_for 5 "H's receiver ready" test -e "$T/h.ready"
wait_for 5 "igmp-group $G on o-h" dump_has O "^add igmp-group $G if o-h mode exclude "
waited_for 5 "mrib-cam1: in o-s, VIP, out o-h" dump_has O \
    "^add mcast-rule mrib-cam1 in o-s group $G port 5000 source any resource $VIP outputs 1 "
dump_has O "^add mcast-output mrib-cam1/0 rule mrib-cam1 if o-h mode multicast dest $G port 0 ttl 64 state up " \
    || fail "mrib-cam1's output is not o-h"
ip netns exec "$NSS" python3 "$SEND" send --dest $G --port 5000 --ifname s-o --count 200 \
    --rate 400 --size 1000 || fail "sender failed"
wait "$rp"
res=$(cat "$T/h.res")
note "H: $res"
[[ "$res" == "received 200 unique 200 bad-content 0 bad-source 0 "* ]] \
    || soft_fail "H did not get the 200 datagrams, unchanged, from $VIP: $res"
pass "200 of 200 normalized datagrams from $VIP at the IGMP receiver"

step "2. H leaves: mrib-cam1 goes, cam1 stays"
waited_for 5 "mrib-cam1 gone" dump_lacks O "^add mcast-rule mrib-cam1 "
dump_has O "^add mcast-rule cam1 " || fail "the user's rule went too"
pass "companion rule gone with the member"

step "3. a user's rule named mrib-cam1 is left alone"
out=$(lc O "mcast-rule mrib-cam1 in o-s group 239.1.1.2 out o-t")
printf '%s\n' "$out" | grep -qx ok || fail "user rule refused: $out"
ip netns exec "$NSH" python3 "$SEND" recv --group $G --port 5000 --ifname h-o \
    --count 1 --timeout 4 --ready "$T/h2.ready" --out "$T/h2.res" >"$T/h2.out" 2>&1 &
BM_EXTRA_PIDS+=($!)
wait_for 5 "igmp-group $G on o-h again" dump_has O "^add igmp-group $G if o-h mode exclude "
sleep 1.5 # attachments are re-checked every second: give it the chance to be wrong
dump_has O "^add mcast-rule mrib-cam1 in o-s group 239\.1\.1\.2 port 0 source any resource none outputs 1 " \
    || soft_fail "the user's mrib-cam1 was replaced"
pass "a user's rule of the same name is not touched"
clean_exit O
finish
