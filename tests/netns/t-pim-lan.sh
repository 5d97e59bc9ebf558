#!/bin/bash
# PIM-SM on a multi-access link: prune override and Asserts.
#
#   S (s-u) -- (u-s) U (u-l) --+-- br0 (in L) --+-- (d1-l) D1 (d1-v) -- V1
#   10.0.6.2        10.0.5.1   |                |   10.0.5.11           10.0.7.2
#                              +-- (x-l) X      +-- (d2-l) D2 (d2-v) -- V2
#                                  10.0.5.9         10.0.5.12           10.0.8.2
#
# U, D1 and D2 are ours (Babel and PIM on the link); X injects PIM.
#   1. V1 and V2 join (10.0.6.2, 232.1.1.1) by IGMPv3; D1 and D2 join
#      toward U, which forwards S's stream onto the link.  With t_periodic
#      2 s, each hears the other's periodic join and delays its own (join
#      suppression) while U keeps the state.  Then D2's t_periodic becomes
#      60 s (at run time).
#   2. V1 leaves: D1 prunes.  U does not cut the link at once (others may
#      still want it: prune-pending, J/P override interval 3 s); D2 hears
#      the prune and overrides it with a join (counted: its own next join
#      was a minute away), so U's state goes back to
#      join and V2's stream never stops (its longest gap, printed, stays
#      under 500 ms).
#   3. X becomes a neighbour (a Hello) and asserts (S,G) with a better
#      metric (preference 0, metric 0, higher address): U loses, stops
#      forwarding onto the link (pim-assert lost, no u-l in its MFC entry)
#      and V2's stream stops; D2 (downstream) makes X its RPF' and joins
#      toward it.  X then asserts with preference 200: U wins, answers with
#      its own Assert and forwards again, and D2 joins toward U again.
#   4. X joins (*,G) in the SSM range, (*,G) naming an RP U does not have,
#      an (S,G,rpt) prune and a link-local group: U counts each, applies none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pim-lib.sh"
need_root; need_ours
command -v python3 >/dev/null || fail "python3 is needed"

ns_new NSS S; ns_new NU U; ns_new NL L; ns_new N1 D1; ns_new N2 D2; ns_new NX X
ns_new NV1 V1; ns_new NV2 V2
bridge_lan "$NL" "$NU u-l lu" "$N1 d1-l l1" "$N2 d2-l l2" "$NX x-l lx"
veth "$NSS" s-u "$NU" u-s
veth "$N1" d1-v "$NV1" v1-d
veth "$N2" d2-v "$NV2" v2-d
ns_addr "$NSS" 10.0.6.2/24 s-u; ns_addr "$NU" 10.0.6.1/24 u-s
ns_addr "$NU" 10.0.5.1/24 u-l; ns_addr "$N1" 10.0.5.11/24 d1-l; ns_addr "$N2" 10.0.5.12/24 d2-l
ns_addr "$NX" 10.0.5.9/24 x-l
ns_addr "$N1" 10.0.7.1/24 d1-v; ns_addr "$NV1" 10.0.7.2/24 v1-d
ns_addr "$N2" 10.0.8.1/24 d2-v; ns_addr "$NV2" 10.0.8.2/24 v2-d
ip -n "$NSS" route add default via 10.0.6.1 || fail "route on S"
ip -n "$NV1" route add default via 10.0.7.1 || fail "route on V1"
ip -n "$NV2" route add default via 10.0.8.1 || fail "route on V2"
for ns in "$NV1" "$NV2"; do ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.force_igmp_version=3; done

start_babeld U "$NU" "$OURS" -C 'pim-hello-interval 1' -C 'redistribute ip 10.0.6.0/24 proto 2 allow' \
    -C 'mcast-interface u-s' -C 'mcast-interface u-l' u-l
start_babeld D1 "$N1" "$OURS" -C 'pim-hello-interval 1' -C 'pim-join-prune-interval 2' -C 'mcast-interface d1-l' \
    -C 'mcast-interface d1-v igmp-query-interval 5 igmp-query-response-interval 2 igmp-last-member-query-interval 0.2' d1-l
start_babeld D2 "$N2" "$OURS" -C 'pim-hello-interval 1' -C 'pim-join-prune-interval 2' -C 'mcast-interface d2-l' \
    -C 'mcast-interface d2-v' d2-l
_route() { ip -n "$1" -4 route show 10.0.6.0/24 proto babel | grep -q 'via 10.0.5.1 '; }
waited_for 20 "D1 and D2 reach S's subnet through U" eval '_route "$N1" && _route "$N2"'
waited_for 10 "U has PIM neighbours D1 and D2" \
    eval 'dump_has U "^add pim-neighbour 10\.0\.5\.11 if u-l " && dump_has U "^add pim-neighbour 10\.0\.5\.12 if u-l "'

listen() {   # listen NAME NS IF
    rm -f "$T/$1.ready" "$T/$1.res" "$T/$1.progress"
    ip netns exec "$2" python3 "$PIM_TOOL" listen --group 232.1.1.1 --source 10.0.6.2 --ifname "$3" \
        --port 5000 --duration 60 --ready "$T/$1.ready" --progress "$T/$1.progress" \
        --out "$T/$1.res" >"$T/$1.out" 2>&1 &
    BM_EXTRA_PIDS+=("$!")
    LPID[$1]=$!
    wait_for 5 "receiver $1 ready" test -e "$T/$1.ready"
}
declare -A LPID
_u_oif() { ip -n "$NU" mroute show 2>/dev/null | grep -E '10\.0\.6\.2, *232\.1\.1\.1' | grep -q 'Oifs:.*u-l'; }
_u_no_oif() { ! _u_oif; }

# ---- 1. two downstream routers ---------------------------------------------------
step "V1 and V2 join; D1 and D2 join toward U; the stream flows"
mon_start m U
mon_send m monitor
listen v1 "$NV1" v1-d
listen v2 "$NV2" v2-d
waited_for 10 "U holds a join for (10.0.6.2,232.1.1.1) on u-l" \
    dump_has U '^add pim-downstream \(10\.0\.6\.2,232\.1\.1\.1\)%u-l if u-l expires [0-9]+ state join'
for r in D1 D2; do
    wait_for 5 "$r joins toward U" dump_has "$r" '^add pim-upstream \(10\.0\.6\.2,232\.1\.1\.1\) .* neighbour 10\.0\.5\.1 '
done
ip netns exec "$NSS" python3 "$BM_REPO/tests/tools/mcast_stream.py" send --dest 232.1.1.1 --port 5000 \
    --ifname s-u --count 8000 --rate 200 --size 200 >"$T/send.out" 2>&1 &
BM_EXTRA_PIDS+=("$!")
SPID=$!
waited_for 10 "the stream reaches V1 and V2" eval 'pim_progress v1 100 && pim_progress v2 100'
_suppressed() { [ $(( $(pim_stat D1 joins-suppressed) + $(pim_stat D2 joins-suppressed) )) -ge 2 ]; }
waited_for 10 "D1 and D2 delay their periodic joins on hearing each other's (t_periodic 2 s)" _suppressed
note "joins-suppressed D1 $(pim_stat D1 joins-suppressed) D2 $(pim_stat D2 joins-suppressed); joins-out D1 $(pim_stat D1 joins-out) D2 $(pim_stat D2 joins-out)"
dump_has U '^add pim-downstream \(10\.0\.6\.2,232\.1\.1\.1\)%u-l if u-l expires [0-9]+ state join' \
    || fail "U lost the join state while D1 and D2 suppressed each other"
pass "both receivers get the stream; joins suppressed"
# D2's own refresh now comes only a minute later, so what keeps U's state
# after D1's prune can only be D2's override.
lc D2 'pim-join-prune-interval 60' | grep -qx ok || fail "run-time pim-join-prune-interval refused"
_d2_late() { dump D2 | grep -Eq '^add pim-upstream \(10\.0\.6\.2,232\.1\.1\.1\) .* next-join ([1-9][0-9])$'; }
wait_for 5 "D2's next join is at least 10 s away" _d2_late

# ---- 2. prune override ------------------------------------------------------------------
step "V1 leaves: D1 prunes, D2 overrides, U keeps forwarding"
kill "${LPID[v1]}" 2>/dev/null; wait "${LPID[v1]}" 2>/dev/null
waited_for 15 "D1 stops joining (its IGMP receiver left)" \
    dump_lacks D1 '^add pim-upstream \(10\.0\.6\.2,232\.1\.1\.1\)'
_pp() { grep -Eq '^change pim-downstream \(10\.0\.6\.2,232\.1\.1\.1\)%u-l if u-l expires [0-9]+ state prune-pending' "$T/m.mon"; }
_back() { sed -n '/state prune-pending/,$p' "$T/m.mon" | grep -Eq '^change pim-downstream \(10\.0\.6\.2,232\.1\.1\.1\)%u-l .* state join'; }
wait_for 5 "U puts u-l in prune-pending on D1's prune" _pp
wait_for 5 "U goes back to join (D2's override within 3 s)" _back
dump_has U '^add pim-downstream \(10\.0\.6\.2,232\.1\.1\.1\)%u-l .* state join' || fail "U's state is not join"
grep -Eq '^flush pim-downstream \(10\.0\.6\.2,232\.1\.1\.1\)%u-l' "$T/m.mon" && fail "U removed u-l's state"
[ "$(pim_stat D2 prune-overrides)" -ge 1 ] || fail "D2 counted no prune override"
note "D2 prune-overrides $(pim_stat D2 prune-overrides); U: $(dump U | grep '^add pim-stats' | grep -o 'prunes-in [0-9]*')"
before=$(pim_count v2)
wait_for 5 "V2 still receives" pim_progress v2 $((before + 200))
_u_oif || fail "U's MFC entry lost u-l"
kill "${LPID[v2]}" 2>/dev/null; wait "${LPID[v2]}" 2>/dev/null
wait_for 5 "V2's summary" test -s "$T/v2.res"
res=$(cat "$T/v2.res")
gap=$(printf '%s\n' "$res" | awk '{for (i = 1; i < NF; i++) if ($i == "max-gap-ms") print $(i + 1)}')
note "V2 through the prune and its override: $res"
[ "$gap" -lt 500 ] || fail "V2's stream stopped for $gap ms around D1's prune"
pass "prune overridden; V2's longest gap $gap ms"
listen v2 "$NV2" v2-d
wait_for 5 "V2 receives again" pim_progress v2 100

# ---- 3. Asserts ------------------------------------------------------------------------
step "X becomes a neighbour and asserts a better route to S: U stops forwarding"
pim_inject "$NX" x-l 224.0.0.13 '2000000000010002006900130004000000010014000400000042' fix
wait_for 5 "U lists X as a neighbour" dump_has U '^add pim-neighbour 10\.0\.5\.9 if u-l '
pim_inject "$NX" x-l 224.0.0.13 '2500000001000020e801010101000a0006020000000000000000' fix
waited_for 5 "U has lost the assert to X" \
    dump_has U '^add pim-assert \(10\.0\.6\.2,232\.1\.1\.1\)%u-l if u-l role forwarder winner 10\.0\.5\.9 preference 0 metric 0 lost true'
wait_for 5 "U's kernel no longer forwards onto u-l" _u_no_oif
wait_for 5 "D2 (downstream) takes the winner X as its RPF' and joins toward it" \
    dump_has D2 '^add pim-upstream \(10\.0\.6\.2,232\.1\.1\.1\) group 232\.1\.1\.1 if d2-l neighbour 10\.0\.5\.9 '
dump_has D2 '^add pim-assert \(10\.0\.6\.2,232\.1\.1\.1\)%d2-l if d2-l role downstream winner 10\.0\.5\.9 ' \
    || fail "D2 has no downstream assert state naming X"
n1=$(pim_count v2); sleep 1; n2=$(pim_count v2)
# the progress file moves every 50 datagrams: 200/s would move it 4 times a second
[ "$((n2 - n1))" -le 50 ] || fail "V2 still receives after U lost the assert ($n1 -> $n2)"
step "X asserts with preference 200: U wins, answers with its own Assert, forwards again"
out0=$(pim_stat U asserts-out)
pim_inject "$NX" x-l 224.0.0.13 '2500000001000020e801010101000a000602000000c800000400' fix
waited_for 5 "U has won the assert" \
    dump_has U '^add pim-assert \(10\.0\.6\.2,232\.1\.1\.1\)%u-l if u-l role forwarder winner 10\.0\.5\.1 preference 0 metric 0 lost false'
wait_for 5 "U's kernel forwards onto u-l again" _u_oif
wait_for 5 "D2 joins toward U again (X asserted worse, U asserted)" \
    dump_has D2 '^add pim-upstream \(10\.0\.6\.2,232\.1\.1\.1\) group 232\.1\.1\.1 if d2-l neighbour 10\.0\.5\.1 '
[ "$(pim_stat U asserts-out)" -gt "$out0" ] || fail "U did not send its own Assert"
n1=$(pim_count v2)
wait_for 5 "V2 receives again" pim_progress v2 $((n1 + 200))
pass "asserts lost and won, forwarding follows"
kill "$SPID" 2>/dev/null
kill "${LPID[v2]}" 2>/dev/null; wait "${LPID[v2]}" 2>/dev/null
note "V2: $(cat "$T/v2.res" 2>/dev/null)"

# ---- 4. joins U must not apply ---------------------------------------------------------
step "X (a neighbour now) joins what U must refuse: each entry counted, none applied"
# to 10.0.5.1, 4 groups: (*,232.1.1.9) with RP 10.9.9.9 (SSM: no (*,G)); (*,239.9.9.9)
# with RP 10.9.9.9 (U has no RP for it); an (S,G,rpt) prune; a join for 224.0.0.5
JP='23000000''01000a000501''000400d2'
JP+='01000020e8010109''00010000''010007200a090909'
JP+='01000020ef090909''00010000''010007200a090909'
JP+='01000020ef010101''00000001''010005200a000602'
JP+='01000020e0000005''00010000''010004200a000602'
pim_inject "$NX" x-l 224.0.0.13 "$JP" fix
_refused() {
    local k
    for k in ssm-star rp-mismatch rpt-ignored bad-entry; do
        [ "$(pim_stat U "$k")" = 1 ] || { BM_WHY="$k is $(pim_stat U "$k")"; return 1; }
    done
}
wait_for 5 "U counts each refused entry once" _refused
dump_lacks U 'pim-downstream \((\*|10\.0\.6\.2),(232\.1\.1\.9|239\.9\.9\.9|224\.0\.0\.5)\)' \
    || fail "U applied a join it must refuse"
pass "refused and counted"
pim_stop_checked U D1 D2
finish
