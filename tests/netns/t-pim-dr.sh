#!/bin/bash
# The DR serves a link's IGMP receivers alone (RFC 7761 4.1.6), and hands
# them over when the election changes:
#
#   S (s-u) -- (u-s) U (u-a) -- (a-u) A (a-l) --+
#   10.0.9.2         U (u-b) -- (b-u) B (b-l) --+-- br0 (in L) -- (h-l) H
#                                  10.0.5.1 (A), 10.0.5.2 (B)     10.0.5.9
#
# U, A and B are ours.  H joins (10.0.9.2, 232.1.1.1) by IGMPv3; A and B
# both hear it, but only the DR (B: the higher address, equal priorities)
# joins toward U and forwards onto the link, so H gets each datagram once.
# Then A's dr-priority 10 at run time makes A the DR: A joins and forwards,
# B prunes and stops, and H's stream goes on (its longest gap is printed)
# still without duplicates.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pim-lib.sh"
need_root; need_ours
command -v python3 >/dev/null || fail "python3 is needed"

ns_new NSS S; ns_new NU U; ns_new NA A; ns_new NB B; ns_new NL L; ns_new NH H
bridge_lan "$NL" "$NA a-l la" "$NB b-l lb" "$NH h-l lh"
veth "$NSS" s-u "$NU" u-s
veth "$NU" u-a "$NA" a-u
veth "$NU" u-b "$NB" b-u
ns_addr "$NSS" 10.0.9.2/24 s-u; ns_addr "$NU" 10.0.9.1/24 u-s
ns_addr "$NU" 10.0.1.1/24 u-a; ns_addr "$NA" 10.0.1.2/24 a-u
ns_addr "$NU" 10.0.2.1/24 u-b; ns_addr "$NB" 10.0.2.2/24 b-u
ns_addr "$NA" 10.0.5.1/24 a-l; ns_addr "$NB" 10.0.5.2/24 b-l; ns_addr "$NH" 10.0.5.9/24 h-l
ip -n "$NSS" route add default via 10.0.9.1 || fail "route on S"
ip -n "$NH" route add default via 10.0.5.2 || fail "route on H"
ip netns exec "$NH" sysctl -qw net.ipv4.conf.all.force_igmp_version=3

P=(-C 'pim-hello-interval 1')
start_babeld U "$NU" "$OURS" "${P[@]}" -C 'redistribute ip 10.0.9.0/24 proto 2 allow' \
    -C 'mcast-interface u-s' -C 'mcast-interface u-a' -C 'mcast-interface u-b' u-a u-b
start_babeld A "$NA" "$OURS" "${P[@]}" -C 'mcast-interface a-u' -C 'mcast-interface a-l' a-u
start_babeld B "$NB" "$OURS" "${P[@]}" -C 'mcast-interface b-u' -C 'mcast-interface b-l' b-u
_route() { ip -n "$1" -4 route show 10.0.9.0/24 proto babel | grep -q via; }
waited_for 20 "A and B reach S's subnet" eval '_route "$NA" && _route "$NB"'
waited_for 10 "A and B elect B (10.0.5.2) on the link" \
    eval 'dump_has A "^add pim-interface a-l address 10\.0\.5\.1 dr 10\.0\.5\.2 " && dump_has B "^add pim-interface b-l address 10\.0\.5\.2 dr 10\.0\.5\.2 "'

rm -f "$T/h.ready"
ip netns exec "$NH" python3 "$PIM_TOOL" listen --group 232.1.1.1 --source 10.0.9.2 --ifname h-l \
    --port 5000 --duration 60 --ready "$T/h.ready" --progress "$T/h.progress" --out "$T/h.res" \
    >"$T/h.out" 2>&1 &
BM_EXTRA_PIDS+=("$!")
HPID=$!
wait_for 5 "H's receiver ready" test -e "$T/h.ready"

step "H joins: both hear it, only the DR B joins and forwards"
waited_for 10 "B joins (10.0.9.2,232.1.1.1) toward U" \
    dump_has B '^add pim-upstream \(10\.0\.9\.2,232\.1\.1\.1\) group 232\.1\.1\.1 if b-u neighbour 10\.0\.2\.1 '
wait_for 5 "A knows H's membership too" dump_has A '^add igmp-group 232\.1\.1\.1 if a-l '
dump_lacks A '^add pim-upstream \(10\.0\.9\.2,232\.1\.1\.1\)' || fail "A (not the DR) joins for H"
ip netns exec "$NSS" python3 "$BM_REPO/tests/tools/mcast_stream.py" send --dest 232.1.1.1 --port 5000 \
    --ifname s-u --count 6000 --rate 200 --size 200 >"$T/send.out" 2>&1 &
BM_EXTRA_PIDS+=("$!")
SPID=$!
waited_for 10 "the stream reaches H" pim_progress h 100
r0=$(pim_count h); u0=$(pim_count h unique)
wait_for 5 "200 more datagrams at H" pim_progress h $((r0 + 200))
dr=$(( $(pim_count h) - r0 )); du=$(( $(pim_count h unique) - u0 ))
[ "$dr" -le $((du + 2)) ] || fail "H gets duplicates ($dr datagrams, $du distinct)"
pass "B alone joins and forwards ($dr datagrams, $du distinct)"

step "A's dr-priority 10 at run time: A takes H over"
lc A 'mcast-interface a-l dr-priority 10' | grep -qx ok || fail "run-time mcast-interface refused"
waited_for 5 "A joins toward U" \
    dump_has A '^add pim-upstream \(10\.0\.9\.2,232\.1\.1\.1\) group 232\.1\.1\.1 if a-u neighbour 10\.0\.1\.1 '
wait_for 5 "B stops joining" dump_lacks B '^add pim-upstream \(10\.0\.9\.2,232\.1\.1\.1\)'
wait_for 5 "U no longer forwards toward B" \
    eval '! ip -n "$NU" mroute show | grep -E "10\.0\.9\.2, *232\.1\.1\.1" | grep -q "Oifs:.*u-b"'
r1=$(pim_count h); u1=$(pim_count h unique)
wait_for 5 "200 more datagrams at H through A" pim_progress h $((r1 + 200))
dr=$(( $(pim_count h) - r1 )); du=$(( $(pim_count h unique) - u1 ))
[ "$dr" -le $((du + 2)) ] || fail "H gets duplicates after the hand-over ($dr datagrams, $du distinct)"
kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
kill "$HPID" 2>/dev/null; wait "$HPID" 2>/dev/null
wait_for 5 "H's summary" test -s "$T/h.res"
res=$(cat "$T/h.res")
gap=$(printf '%s\n' "$res" | awk '{for (i = 1; i < NF; i++) if ($i == "max-gap-ms") print $(i + 1)}')
note "H: $res"
note "FIGURE DR hand-over: longest gap at H $gap ms"
[ "$gap" -lt 1000 ] || fail "H's stream stopped for $gap ms at the hand-over"
pass "A took over; gap $gap ms, no duplicates"
pim_stop_checked U A B
finish
