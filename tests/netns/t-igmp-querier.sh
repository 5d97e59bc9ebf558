#!/bin/bash
# IGMP querier election between two of ours on one LAN (a bridge, snooping
# off), with a real kernel host:
#
#   R1 10.0.2.1 (r1-l) ---+
#   R2 10.0.2.30 (r2-l) ---+--- bridge (L) --- (h-l) 10.0.2.2 H
#
# 1. The lower address wins: R1 is the querier, R2 records R1 as querier.
# 2. Both learn H's membership; when H leaves, R1's group-specific queries
#    (S flag clear) lower R2's group timer too, so R2 forgets the group
#    within the Last Member Query Time, not the Group Membership Interval.
# 3. R1 switched to igmp-version 2 at run time (read-write socket): R2 hears
#    IGMPv2 queries and falls back to version 2 (older querier present).
# 4. R1 stops: R2 becomes the querier once the Other Querier Present
#    Interval (2*2+0.5 s) has passed.
# 5. The Linux bridge's own IGMPv3 querier (a kernel querier) on a lower
#    address: R2 yields to it and adopts its query interval.  (Not checked:
#    the takeover when the bridge stops; its querier sends erratically after
#    its startup queries on this kernel.)
# 6. Debian's pimd 2.3 as IGMPv3 querier on a lower address: R2 yields and
#    adopts its query interval (QQIC).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pim-lib.sh"
need_root; need_ours
command -v python3 >/dev/null || fail "python3 not found"
HOST="$BM_REPO/tests/tools/igmp_host.py"

ns_new NSL L; ns_new NS1 R1; ns_new NS2 R2; ns_new NSH H
bridge_lan "$NSL" "$NS1 r1-l l-r1" "$NS2 r2-l l-r2" "$NSH h-l l-h"
ip -n "$NS1" addr add 10.0.2.1/24 dev r1-l
ip -n "$NS2" addr add 10.0.2.30/24 dev r2-l
ip -n "$NSH" addr add 10.0.2.2/24 dev h-l

TIMERS="igmp-query-interval 2 igmp-query-response-interval 1 igmp-last-member-query-interval 0.5"
# R2 first, so it starts as querier and must give way when R1 comes.
start_babeld R2 "$NS2" "$OURS" -C "mcast-interface r2-l pim false igmp-query-interval 20 igmp-query-response-interval 1" r2-l
wait_for 5 "R2 queries while alone" dump_has R2 \
    '^add igmp-interface r2-l address 10\.0\.2\.30 querier 10\.0\.2\.30 self true '
start_babeld R1 "$NS1" "$OURS" -C "mcast-interface r1-l pim false $TIMERS" r1-l

step "1. the lower address wins"
waited_for 5 "R2 records R1 (10.0.2.1) as the querier" dump_has R2 \
    '^add igmp-interface r2-l address 10\.0\.2\.30 querier 10\.0\.2\.1 self false version 3 robustness 2 query-interval 2 groups [0-9]+ other-querier-expires [0-9]+$'
dump_has R1 '^add igmp-interface r1-l address 10\.0\.2\.1 querier 10\.0\.2\.1 self true ' \
    || fail "R1 is not the querier"
pass "R1 querier, R2 not (and R2 adopted R1's query interval, 2 s)"

step "2. both track H; R1's specific queries age R2's state too"
G=239.3.3.3
ip netns exec "$NSH" python3 "$HOST" member --group $G --ifname h-l --addr 10.0.2.2 \
    --ready "$T/j.ready" --stop "$T/j.stop" --out "$T/j.res" >"$T/j.out" 2>&1 &
BM_EXTRA_PIDS+=($!)
wait_for 5 "H joined" test -e "$T/j.ready"
wait_for 5 "R1 has $G" dump_has R1 "^add igmp-group $G if r1-l mode exclude version 3 "
wait_for 5 "R2 has $G" dump_has R2 "^add igmp-group $G if r2-l mode exclude version 3 "
touch "$T/j.stop"
wait_for 5 "H left" test -s "$T/j.res"
waited_for 2 "R1 forgets $G after the leave (LMQT 1 s; GMI is 5 s)" dump_lacks R1 "^add igmp-group $G "
waited_for 1 "R2 (not querier) forgets $G with R1, not at its GMI (5 s)" dump_lacks R2 "^add igmp-group $G "
pass "both learned and forgot the group"

step "3. R1 falls back to IGMPv2 at run time; R2 follows"
out=$(lc R1 "mcast-interface r1-l pim false igmp-version 2 $TIMERS")
printf '%s\n' "$out" | grep -qx ok || fail "run-time mcast-interface refused: $out"
waited_for 6 "R2 runs version 2 (an IGMPv2 querier is present)" dump_has R2 \
    '^add igmp-interface r2-l .* self false version 2 '
out=$(lc R1 "mcast-interface r1-l igmp-version 4")
printf '%s\n' "$out" | grep -q '^no .*igmp-version is 2 or 3' || fail "igmp-version 4 not refused: $out"
dump_has R1 '^add mcast-interface r1-l igmp true pim false igmp-version 2 ' \
    || fail "a refused line changed R1's mcast-interface"
pass "R2 follows the older querier; a bad line is refused and changes nothing"

step "4. R1 goes: R2 takes over"
stop_daemon R1
waited_for 8 "R2 becomes the querier (Other Querier Present Interval 4.5 s)" dump_has R2 \
    '^add igmp-interface r2-l address 10\.0\.2\.30 querier 10\.0\.2\.30 self true '
pass "R2 is the querier again"

step "5. against the kernel's own querier: the Linux bridge, from a lower address"
ip -n "$NSL" addr add 10.0.2.5/24 dev br0
ip -n "$NSL" link set br0 type bridge mcast_snooping 1 mcast_igmp_version 3 \
    mcast_query_interval 200 mcast_query_response_interval 100 mcast_querier 1 \
    mcast_query_use_ifaddr 1 || fail "bridge querier settings"
# The bridge starts its querier when it comes up with its address.
ip -n "$NSL" link set br0 down; ip -n "$NSL" link set br0 up
waited_for 10 "R2 yields to the bridge (10.0.2.5) and adopts its 2 s query interval" dump_has R2 \
    '^add igmp-interface r2-l address 10\.0\.2\.30 querier 10\.0\.2\.5 self false version 3 robustness 2 query-interval 2 '
pass "the kernel's bridge querier wins with its lower address; R2 adopts its QQIC"

step "6. against pimd's IGMPv3 querier, from a lower address"
if [ ! -x "$PIMD" ]; then
    [ -n "${CI:-}" ] && fail "pimd missing on CI (tools/install-deps unpacks it)"
    note "SKIPPED (visible): pimd not unpacked here; tools/install-deps does it"
else
    ip -n "$NSL" link set br0 type bridge mcast_querier 0
    ip -n "$NSL" addr del 10.0.2.5/24 dev br0
    # (pimd's address is below the bridge's, so whatever the bridge still
    # sends, pimd must end up the querier in R2's view)
    ns_new NSP P
    veth "$NSP" p-l "$NSL" l-p
    ip -n "$NSL" link set l-p master br0 || fail "bridge port l-p"
    ip -n "$NSP" addr add 10.0.2.4/24 dev p-l
    printf 'phyint p-l enable igmpv3\nigmp-query-interval 5\n' >"$T/p.conf"
    pimd_start P "$NSP" "$T/p.conf"
    waited_for 15 "R2 yields to pimd (10.0.2.4), version 3, query interval 5 from its QQIC" dump_has R2 \
        '^add igmp-interface r2-l address 10\.0\.2\.30 querier 10\.0\.2\.4 self false version 3 robustness 2 query-interval 5 '
    pimd_stop P
    pass "pimd's IGMPv3 queries understood: R2 yields and adopts its query interval"
fi
clean_exit R1 R2
finish
