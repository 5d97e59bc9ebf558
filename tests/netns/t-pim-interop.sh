#!/bin/bash
# PIM-SM against Debian's pimd 2.3 on one multi-access link (a bridge):
#
#   S (s-a) -- (a-s) A (a-l) --+-- br0 (in L) --+-- (p-l) P (p-r) -- (r-p) R
#   10.0.3.2      ours 10.0.1.1 |                |   pimd 10.0.1.2   10.0.4.2
#                               +-- (x-l) X 10.0.1.9 (injector, no PIM)
#                  A (a-x) 10.0.2.1 -- (x-a) X 10.0.2.2 (not a PIM interface)
#
#   - A and pimd become PIM neighbours of each other; with DR priorities 3
#     (A) and 5 (pimd) both say pimd is the DR (A's dump; pimd -r's VIF
#     flags); A's dr-priority 10 at run time makes both say A is.
#   - R joins (10.0.3.2, 232.1.1.1) with IGMPv3; pimd joins toward A (its
#     static route to S goes via A); A applies the join (pim-downstream, an
#     MRIB oif from PIM) and its kernel forwards S's stream onto the link,
#     which pimd forwards to R.
#   - X, which never sent a Hello, sends a valid Join/Prune (ignored,
#     not-neighbour), a Hello with a wrong checksum, a truncated message,
#     PIM version 1, a Hello with a malformed option, and a Hello on a-x
#     where A runs no PIM: each is counted under its reason and changes
#     nothing (no neighbour X, no join state, pimd still a neighbour).
#   - R2 (behind A) joins (10.0.6.2, 232.1.1.3), a source S2 behind pimd's
#     router; Debian's babeld beside pimd announces S2's subnet, so A's
#     join goes to pimd, whose log shows it (and the prune after R2
#     leaves) decoded.  (pimd 2.3.2 as the source's first-hop router builds
#     no forwarding from an (S,G) join, another pimd's included, so the
#     stream itself is not checked in that direction.)
#   - flush mcast-interface a-l at run time: pimd forgets A at once; the
#     line again brings A back with a new generation id.
#   - A's SIGTERM sends a goodbye Hello: pimd forgets A within 2 s (its
#     holdtime is 7 s).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pim-lib.sh"
need_root; need_ours; need_stock; need_pimd

ns_new NSS S; ns_new NSA A; ns_new NSL L; ns_new NSP P; ns_new NSR R; ns_new NSX X
ns_new NS2 S2; ns_new NR2 R2
bridge_lan "$NSL" "$NSA a-l la" "$NSP p-l lp" "$NSX x-l lx"
veth "$NSS" s-a "$NSA" a-s
veth "$NSP" p-r "$NSR" r-p
veth "$NSA" a-x "$NSX" x-a
veth "$NS2" s2-p "$NSP" p-s2
veth "$NSA" a-r2 "$NR2" r2-a
ip -n "$NS2" addr add 10.0.6.2/24 dev s2-p || fail addr
ip -n "$NSP" addr add 10.0.6.1/24 dev p-s2 || fail addr
ip -n "$NSA" addr add 10.0.8.1/24 dev a-r2 || fail addr
ip -n "$NR2" addr add 10.0.8.2/24 dev r2-a || fail addr
ip -n "$NS2" route add default via 10.0.6.1 || fail "route on S2"
ip -n "$NR2" route add default via 10.0.8.1 || fail "route on R2"
ip netns exec "$NR2" sysctl -qw net.ipv4.conf.all.force_igmp_version=3
ip -n "$NSA" addr add 10.0.1.1/24 dev a-l || fail addr
ip -n "$NSP" addr add 10.0.1.2/24 dev p-l || fail addr
ip -n "$NSX" addr add 10.0.1.9/24 dev x-l || fail addr
ip -n "$NSS" addr add 10.0.3.2/24 dev s-a || fail addr
ip -n "$NSA" addr add 10.0.3.1/24 dev a-s || fail addr
ip -n "$NSP" addr add 10.0.4.1/24 dev p-r || fail addr
ip -n "$NSR" addr add 10.0.4.2/24 dev r-p || fail addr
ip -n "$NSA" addr add 10.0.2.1/24 dev a-x || fail addr
ip -n "$NSX" addr add 10.0.2.2/24 dev x-a || fail addr
ip -n "$NSS" route add default via 10.0.3.1 || fail "route on S"
ip -n "$NSR" route add default via 10.0.4.1 || fail "route on R"
ip -n "$NSP" route add 10.0.3.0/24 via 10.0.1.1 || fail "P's route to S"
ip netns exec "$NSR" sysctl -qw net.ipv4.conf.all.force_igmp_version=3

cat >"$T/p.conf" <<EOF
phyint p-l enable dr-priority 5
phyint p-r enable igmpv3
phyint p-s2 enable
EOF
pimd_start P "$NSP" "$T/p.conf"
# Debian's babeld beside pimd announces S2's subnet to A (A's RPF toward S2).
start_babeld PB "$NSP" "$STOCK" -C 'redistribute ip 10.0.6.0/24 proto 2 allow' \
    -C 'redistribute local deny' p-l
start_babeld A "$NSA" "$OURS" -C 'pim-hello-interval 2' \
    -C 'mcast-interface a-l dr-priority 3' -C 'mcast-interface a-s' -C 'mcast-interface a-r2' a-l

# ---- neighbours and DR -------------------------------------------------------
step "A and pimd become neighbours; both elect pimd (priority 5 > 3)"
waited_for 15 "A lists pimd as a neighbour with priority 5, DR" \
    dump_has A '^add pim-neighbour 10\.0\.1\.2 if a-l dr-priority 5 holdtime 105 .* dr true'
wait_for 5 "A's pim-interface a-l says the DR is 10.0.1.2" \
    dump_has A '^add pim-interface a-l address 10\.0\.1\.1 dr 10\.0\.1\.2 dr-priority 3 '
# p-l's line of pimd's VIF table, with the continuation lines listing more neighbours
_pimd_vif() { pimd_show P | awk '$3 == "10.0.1/24" {p = 1; print; next} p && NF == 1 {print; next} {p = 0}'; }
_pimd_sees_a() { _pimd_vif | grep -q '10\.0\.1\.1'; }
_pimd_is_dr() { _pimd_vif | grep -Eq ' DR +PIM '; }
_pimd_not_dr() { _pimd_vif | grep -q ' PIM ' && ! _pimd_vif | grep -q ' DR '; }
waited_for 15 "pimd lists A (10.0.1.1) as a neighbour on p-l" _pimd_sees_a
wait_for 5 "pimd says it is the DR on p-l" _pimd_is_dr
note "pimd: $(_pimd_vif)"
grep -q 'PIM HELLO holdtime from 10.0.1.1 is 7' "$T/P.pimd.out" \
    || fail "pimd's log does not show A's Hello holdtime 7 (3.5 x 2 s)"
grep -q 'PIM DR PRIORITY from 10.0.1.1 is 3' "$T/P.pimd.out" \
    || fail "pimd's log does not show A's DR priority 3"
pass "neighbours both ways, pimd DR in both views"

# ---- pimd joins toward A ----------------------------------------------------------
step "R joins (10.0.3.2, 232.1.1.1) by IGMPv3; pimd's (S,G) join reaches A; S's stream reaches R"
ip netns exec "$NSR" python3 "$PIM_TOOL" listen --group 232.1.1.1 --source 10.0.3.2 \
    --ifname r-p --port 5000 --duration 12 --ready "$T/r.ready" --out "$T/r.res" \
    >"$T/r.out" 2>&1 &
BM_EXTRA_PIDS+=("$!")
RPID=$!
wait_for 5 "R's receiver ready" test -e "$T/r.ready"
waited_for 15 "A holds pimd's join as pim-downstream on a-l" \
    dump_has A '^add pim-downstream \(10\.0\.3\.2,232\.1\.1\.1\)%a-l if a-l expires [0-9]+ state join'
wait_for 5 "A's MRIB has (10.0.3.2, 232.1.1.1) with a-l from PIM" \
    dump_has A '^add mroute .*10\.0\.3\.2.*232\.1\.1\.1.*a-l'
ip netns exec "$NSS" python3 "$BM_REPO/tests/tools/mcast_stream.py" send --dest 232.1.1.1 \
    --port 5000 --ifname s-a --count 300 --rate 100 --size 200 || fail "sender"
wait "$RPID" 2>/dev/null
res=$(cat "$T/r.res" 2>/dev/null)
note "R: $res"
n=$(printf '%s\n' "$res" | awk '{print $2}')
[ "${n:-0}" -ge 250 ] || fail "R received ${n:-0} of 300 datagrams through A and pimd"
pass "pimd's join applied by A: $n of 300 datagrams at R"

# ---- A joins toward pimd ------------------------------------------------------------
step "R2 joins (10.0.6.2, 232.1.1.3) behind A; A's (S,G) join goes to pimd, which reads it"
waited_for 20 "A has Babel's route to S2's subnet via pimd's router (10.0.1.2)" \
    eval 'ip -n "$NSA" -4 route show 10.0.6.0/24 proto babel | grep -q "via 10.0.1.2 "'
ip netns exec "$NR2" python3 "$PIM_TOOL" listen --group 232.1.1.3 --source 10.0.6.2 \
    --ifname r2-a --port 5000 --duration 60 --ready "$T/r2.ready" --out "$T/r2.res" \
    >"$T/r2.out" 2>&1 &
BM_EXTRA_PIDS+=("$!")
R2PID=$!
wait_for 5 "R2's receiver ready" test -e "$T/r2.ready"
waited_for 10 "A joins (10.0.6.2,232.1.1.3) toward pimd" \
    dump_has A '^add pim-upstream \(10\.0\.6\.2,232\.1\.1\.3\) group 232\.1\.1\.3 if a-l neighbour 10\.0\.1\.2 '
wait_for 5 "pimd's log shows A's join decoded" \
    grep -q 'Received PIM JOIN from 10.0.1.1 to group 232.1.1.3 for multicast source 10.0.6.2 on p-l' "$T/P.pimd.out"
kill "$R2PID" 2>/dev/null; wait "$R2PID" 2>/dev/null
waited_for 10 "A prunes when R2 leaves, and pimd's log shows the prune decoded" \
    grep -q 'Received PIM PRUNE from 10.0.1.1 to group 232.1.1.3 for multicast source 10.0.6.2 on p-l' "$T/P.pimd.out"
pass "pimd decodes A's join and prune"

# ---- DR priority at run time ---------------------------------------------------------
step "A's dr-priority 10 at run time: both elect A"
mon_start m A
mon_send m monitor
wait_for 5 "A's monitor starts with its dump" grep -q '^add pim-neighbour 10\.0\.1\.2 if a-l ' "$T/m.mon"
lc A 'mcast-interface a-l dr-priority 10' | grep -qx ok || fail "run-time mcast-interface refused"
waited_for 10 "A says it is the DR on a-l" \
    dump_has A '^add pim-interface a-l address 10\.0\.1\.1 dr 10\.0\.1\.1 dr-priority 10 '
waited_for 10 "pimd no longer says it is the DR on p-l" _pimd_not_dr
wait_for 5 "pimd's log shows A's priority 10" grep -q 'PIM DR PRIORITY from 10.0.1.1 is 10' "$T/P.pimd.out"
wait_for 5 "A's monitor hears the new DR" \
    grep -Eq '^change pim-interface a-l address 10\.0\.1\.1 dr 10\.0\.1\.1 dr-priority 10 ' "$T/m.mon"
grep -Eq '^change pim-neighbour 10\.0\.1\.2 if a-l .* dr false' "$T/m.mon" \
    || fail "A's monitor did not hear pimd's neighbour record lose its DR flag"
mon_stop m
pass "both agree A is the DR"

# ---- pim-rp at run time ---------------------------------------------------------------
step "pim-rp and flush pim-rp at run time; refusals change nothing"
_reply() { lc A "$1" | sed -n '/^>>> /{n;p}' | tail -1; }
[ "$(_reply 'pim-rp 10.0.1.2 group 239.5.0.0/16')" = ok ] || fail "pim-rp refused"
dump_has A '^add pim-rp 10\.0\.1\.2 group 239\.5\.0\.0/16$' || fail "no pim-rp record"
r=$(_reply 'pim-rp 10.0.1.2 group 232.1.0.0/16')
case $r in "no "*SSM*) ;; *) fail "an RP for part of 232/8 was answered '$r'" ;; esac
r=$(_reply 'pim-rp 224.1.1.1')
case $r in "no "*) ;; *) fail "a multicast RP was answered '$r'" ;; esac
dump_lacks A 'pim-rp .*232\.1\.0\.0|pim-rp 224\.1\.1\.1' || fail "a refused pim-rp changed the table"
[ "$(_reply 'flush pim-rp 10.0.1.2 group 239.5.0.0/16')" = ok ] || fail "flush pim-rp refused"
dump_lacks A '^add pim-rp ' || fail "pim-rp still there after its flush"
r=$(_reply 'flush pim-rp 10.0.1.2 group 239.5.0.0/16')
case $r in "no "*) ;; *) fail "flushing a missing pim-rp was answered '$r'" ;; esac
pass "pim-rp added, refused, flushed"

# ---- bad input ----------------------------------------------------------------------
step "X (no Hello ever) sends bad and unwelcome PIM messages"
JP='230000000100'"0a000101"'000100d2'"01000020e8010102"'00010000'"010004200a000302"
pim_inject "$NSX" x-l 224.0.0.13 "$JP" fix
pim_inject "$NSX" x-l 224.0.0.13 '2000dead000100020069'
pim_inject "$NSX" x-l 10.0.1.1 '2000'
pim_inject "$NSX" x-l 224.0.0.13 '10000000000100020069' fix
pim_inject "$NSX" x-l 224.0.0.13 '200000000001000400690000' fix
pim_inject "$NSX" x-a 10.0.2.1 '20000000000100020069' fix
_counted() {
    local k v want
    for k in not-neighbour bad-checksum truncated bad-version malformed no-pim-interface; do
        v=$(pim_stat A "$k")
        [ "$v" = 1 ] || { BM_WHY="$k is ${v:-missing}, not 1"; return 1; }
    done
}
wait_for 5 "each bad message counted once under its reason" _counted
dump_lacks A 'pim-neighbour 10\.0\.1\.9|pim-neighbour 10\.0\.2\.2' || fail "X became a neighbour"
dump_lacks A 'pim-downstream \(10\.0\.3\.2,232\.1\.1\.2\)' || fail "X's join was applied"
dump_has A '^add pim-neighbour 10\.0\.1\.2 if a-l ' || fail "pimd is no longer A's neighbour"
note "$(dump A | grep '^add pim-stats')"
pass "counted by reason, nothing changed"

# ---- PIM off and on again at run time ------------------------------------------------------
step "flush mcast-interface a-l: A says goodbye; the line again: A is back with a new generation id"
_pimd_forgot_a() { ! _pimd_sees_a; }
_genid() { dump A | awk '$2 == "pim-interface" && $3 == "a-l" {for (i = 4; i < NF; i++) if ($i == "genid") print $(i + 1)}'; }
g0=$(_genid)
lc A 'flush mcast-interface a-l' | grep -qx ok || fail "flush mcast-interface refused"
wait_for 2 "pimd forgets A at once (goodbye; holdtime 7 s)" _pimd_forgot_a
dump_lacks A '^add pim-(interface a-l|neighbour 10\.0\.1\.2) ' || fail "A still runs PIM on a-l"
lc A 'mcast-interface a-l' | grep -qx ok || fail "mcast-interface refused"
waited_for 5 "pimd sees A again" _pimd_sees_a
g1=$(_genid)
[ -n "$g1" ] && [ "$g1" != "$g0" ] || fail "generation id $g0 -> '$g1'"
pass "off and on again (genid $g0 -> $g1)"

# ---- goodbye --------------------------------------------------------------------------
step "A stops: its goodbye Hello (holdtime 0) makes pimd forget it at once"
t0=$(_now_ms)
pim_stop_checked A
stop_daemon PB
wait_for 2 "pimd forgets A within 2 s of its SIGTERM (holdtime 7 s)" _pimd_forgot_a
pass "pimd forgot A $(( $(_now_ms) - t0 )) ms after SIGTERM"
finish
