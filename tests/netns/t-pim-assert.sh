#!/bin/bash
# PIM Asserts started by the data: two routers forward the same (S,G) onto
# one link, the kernel tells each (WRONGVIF), they assert, one stops.
#
#            +-- (u1-s) U1 (u1-l) 10.0.5.1 --+
#   S -- br  |                               br -- (d1-l) D1 (d1-v) -- V1
#   10.0.9.2 +-- (u2-s) U2 (u2-l) 10.0.5.2 --+  -- (d2-l) D2 (d2-v) -- V2
#   (in LS)                                 (in LD)
#
# All routers are ours.  U1 and U2 both announce S's subnet into Babel; a
# Babel filter makes D1 hear it only from U1 and D2 only from U2, so D1
# joins toward U1 and D2 toward U2, and both forward S's stream onto the
# downstream link.  Each then sees the other's packets arrive on its own
# outgoing interface; the kernel reports them (MRT_ASSERT, WRONGVIF), each
# sends an Assert (both preference 0, metric 0: S is on-link), U2 wins on
# its higher address, U1 stops forwarding there, and D1 takes U2 as its
# RPF' and joins toward it.  Afterwards V1 and V2 get every datagram once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pim-lib.sh"
need_root; need_ours
command -v python3 >/dev/null || fail "python3 is needed"

ns_new NSS S; ns_new NLS LS; ns_new NLD LD
ns_new NU1 U1; ns_new NU2 U2; ns_new ND1 D1; ns_new ND2 D2; ns_new NV1 V1; ns_new NV2 V2
bridge_lan "$NLS" "$NSS s-l ps" "$NU1 u1-s p1" "$NU2 u2-s p2"
bridge_lan "$NLD" "$NU1 u1-l q1" "$NU2 u2-l q2" "$ND1 d1-l r1" "$ND2 d2-l r2"
veth "$ND1" d1-v "$NV1" v1-d
veth "$ND2" d2-v "$NV2" v2-d
ns_addr "$NSS" 10.0.9.2/24 s-l; ns_addr "$NU1" 10.0.9.11/24 u1-s; ns_addr "$NU2" 10.0.9.12/24 u2-s
ns_addr "$NU1" 10.0.5.1/24 u1-l; ns_addr "$NU2" 10.0.5.2/24 u2-l
ns_addr "$ND1" 10.0.5.11/24 d1-l; ns_addr "$ND2" 10.0.5.12/24 d2-l
ns_addr "$ND1" 10.0.7.1/24 d1-v; ns_addr "$NV1" 10.0.7.2/24 v1-d
ns_addr "$ND2" 10.0.8.1/24 d2-v; ns_addr "$NV2" 10.0.8.2/24 v2-d
ip -n "$NSS" route add default via 10.0.9.11 || fail "route on S"
ip -n "$NV1" route add default via 10.0.7.1 || fail "route on V1"
ip -n "$NV2" route add default via 10.0.8.1 || fail "route on V2"
for ns in "$NV1" "$NV2"; do ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.force_igmp_version=3; done
_ll() { ip -n "$1" -6 addr show dev "$2" scope link | awk '$1 == "inet6" {sub("/.*", "", $2); print $2; exit}'; }
wait_for 5 "link-local addresses on u1-l and u2-l" eval '[ -n "$(_ll "$NU1" u1-l)" ] && [ -n "$(_ll "$NU2" u2-l)" ]'
LL1=$(_ll "$NU1" u1-l); LL2=$(_ll "$NU2" u2-l)

P=(-C 'pim-hello-interval 1')
for u in 1 2; do
    ns=NU$u
    start_babeld "U$u" "${!ns}" "$OURS" "${P[@]}" -C 'redistribute ip 10.0.9.0/24 proto 2 allow' \
        -C "mcast-interface u$u-s" -C "mcast-interface u$u-l" "u$u-l"
done
start_babeld D1 "$ND1" "$OURS" "${P[@]}" -C "in neigh $LL2 deny" \
    -C 'mcast-interface d1-l' -C 'mcast-interface d1-v' d1-l
start_babeld D2 "$ND2" "$OURS" "${P[@]}" -C "in neigh $LL1 deny" \
    -C 'mcast-interface d2-l' -C 'mcast-interface d2-v' d2-l
_route() { ip -n "$1" -4 route show 10.0.9.0/24 proto babel | grep -q "via $2 "; }
waited_for 20 "D1 reaches S through U1, D2 through U2" eval '_route "$ND1" 10.0.5.1 && _route "$ND2" 10.0.5.2'

listen() {   # listen NAME NS IF
    rm -f "$T/$1.ready" "$T/$1.res" "$T/$1.progress"
    ip netns exec "$2" python3 "$PIM_TOOL" listen --group 232.1.1.1 --source 10.0.9.2 --ifname "$3" \
        --port 5000 --duration 60 --ready "$T/$1.ready" --progress "$T/$1.progress" \
        --out "$T/$1.res" >"$T/$1.out" 2>&1 &
    BM_EXTRA_PIDS+=("$!")
    wait_for 5 "receiver $1 ready" test -e "$T/$1.ready"
}
step "V1 and V2 join (10.0.9.2, 232.1.1.1): D1 joins toward U1, D2 toward U2"
listen v1 "$NV1" v1-d
listen v2 "$NV2" v2-d
waited_for 10 "U1 and U2 each hold a join on the downstream link" \
    eval 'dump_has U1 "^add pim-downstream \(10\.0\.9\.2,232\.1\.1\.1\)%u1-l " && dump_has U2 "^add pim-downstream \(10\.0\.9\.2,232\.1\.1\.1\)%u2-l "'
a1=$(pim_stat U1 asserts-out); a2=$(pim_stat U2 asserts-out)
[ "$a1" = 0 ] && [ "$a2" = 0 ] || fail "asserts before any data ($a1, $a2)"

step "S sends: both forward, the kernel reports it, they assert, U2 wins"
ip netns exec "$NSS" python3 "$BM_REPO/tests/tools/mcast_stream.py" send --dest 232.1.1.1 --port 5000 \
    --ifname s-l --count 6000 --rate 200 --size 200 >"$T/send.out" 2>&1 &
BM_EXTRA_PIDS+=("$!")
waited_for 10 "U1 has lost the assert to U2" \
    dump_has U1 '^add pim-assert \(10\.0\.9\.2,232\.1\.1\.1\)%u1-l if u1-l role forwarder winner 10\.0\.5\.2 preference 0 metric 0 lost true'
wait_for 5 "U2 has won it" \
    dump_has U2 '^add pim-assert \(10\.0\.9\.2,232\.1\.1\.1\)%u2-l if u2-l role forwarder winner 10\.0\.5\.2 preference 0 metric 0 lost false'
[ "$(pim_stat U1 asserts-out)" -ge 1 ] && [ "$(pim_stat U2 asserts-out)" -ge 1 ] \
    || fail "each forwarder should have asserted on the data (U1 $(pim_stat U1 asserts-out), U2 $(pim_stat U2 asserts-out))"
note "U1: $(dump U1 | grep '^add mroute-stats' || true)"
_u1_stopped() { ! ip -n "$NU1" mroute show 2>/dev/null | grep -E '10\.0\.9\.2, *232\.1\.1\.1' | grep -q 'Oifs:.*u1-l'; }
wait_for 5 "U1's kernel no longer forwards onto u1-l" _u1_stopped
wait_for 5 "D1 takes U2 as its RPF' and joins toward it" \
    dump_has D1 '^add pim-upstream \(10\.0\.9\.2,232\.1\.1\.1\) group 232\.1\.1\.1 if d1-l neighbour 10\.0\.5\.2 '
pass "asserted on the data; U2 forwards alone"

step "every datagram arrives once at V1 and V2 now"
r1=$(pim_count v1); u1=$(pim_count v1 unique); r2=$(pim_count v2); u2=$(pim_count v2 unique)
wait_for 10 "400 more datagrams at V1 and V2" eval 'pim_progress v1 $((r1 + 400)) && pim_progress v2 $((r2 + 400))'
for v in 1 2; do
    r=r$v; u=u$v
    dr=$(( $(pim_count v$v) - ${!r} )); du=$(( $(pim_count v$v unique) - ${!u} ))
    note "V$v: $dr datagrams, $du distinct"
    [ "$dr" -le $((du + 2)) ] || fail "V$v still gets duplicates ($dr datagrams, $du distinct)"
done
pass "no duplicates after the assert"
pim_stop_checked U1 U2 D1 D2
finish
