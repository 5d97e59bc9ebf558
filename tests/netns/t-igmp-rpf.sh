#!/bin/bash
# The MRIB's RPF follows Babel: when the route toward the source moves, the
# MRIB entry's iif and the kernel's MFC entries move with it, within the
# event-loop pass that changed the route.
#
#   S 10.0.1.2 (s-u) -- (u-s) U (u-r1) 10.0.11.0/24 (r-u1) R (r-h) -- (h-r) H 10.0.2.2
#                             U (u-r2) 10.0.12.0/24 (r-u2) R
#
# U runs our babeld (no multicast directives) redistributing 10.0.1.0/24,
# and smcrouted copying both streams from u-s to u-r1 and u-r2, so R sees
# every datagram twice and must take only those on its RPF interface.  R
# runs ours with mcast-interface on r-u1, r-u2, r-h; U gives r-u2 rxcost 400, so
# Babel prefers r-u1.  H joins (10.0.1.2, 232.5.5.5) and (*, 239.5.5.5).
# While both streams flow, r-u1 goes down on R: the (S,G) entry's iif (a
# `change mroute` line on the monitor) and both MFC entries move to r-u2, and
# H's streams continue; the gap is measured.
. "$(dirname "$0")/lib.sh"
. "$BM_DIR/mcast-lib.sh"
need_root; need_ours; need_mcast_tools
HOST="$BM_REPO/tests/tools/igmp_host.py"
SEND="$BM_REPO/tests/tools/mcast_stream.py"
GS=232.5.5.5
GA=239.5.5.5

ns_new NSS S; ns_new NSU U; ns_new NSR R; ns_new NSH H
veth "$NSU" u-s "$NSS" s-u
veth "$NSU" u-r1 "$NSR" r-u1
veth "$NSU" u-r2 "$NSR" r-u2
veth "$NSR" r-h "$NSH" h-r
ip -n "$NSS" addr add 10.0.1.2/24 dev s-u
ip -n "$NSU" addr add 10.0.1.1/24 dev u-s
ip -n "$NSU" addr add 10.0.11.1/24 dev u-r1
ip -n "$NSU" addr add 10.0.12.1/24 dev u-r2
ip -n "$NSR" addr add 10.0.11.2/24 dev r-u1
ip -n "$NSR" addr add 10.0.12.2/24 dev r-u2
ip -n "$NSR" addr add 10.0.2.1/24 dev r-h
ip -n "$NSH" addr add 10.0.2.2/24 dev h-r
ip -n "$NSS" route add default via 10.0.1.1
ip -n "$NSH" route add default via 10.0.2.1
sysctl_ns "$NSU" net.ipv4.ip_forward 1
sysctl_ns "$NSR" net.ipv4.ip_forward 1
for i in all default u-r1 u-r2 u-s; do sysctl_ns "$NSU" "net.ipv4.conf.$i.rp_filter" 0; done
for i in all default r-u1 r-u2 r-h; do sysctl_ns "$NSR" "net.ipv4.conf.$i.rp_filter" 0; done

printf 'mroute from u-s source 10.0.1.2 group %s to u-r1 u-r2\nmroute from u-s group %s to u-r1 u-r2\n' \
    "$GS" "$GA" >"$T/u.smc.conf"
mc_smcroute u "$NSU" "$T/u.smc.conf"
start_babeld U "$NSU" "$OURS" -C 'redistribute ip 10.0.1.0/24 eq 24 allow' -C 'interface u-r2 rxcost 400' u-r1 u-r2
start_babeld R "$NSR" "$OURS" \
    -C 'mcast-interface r-u1 pim false' -C 'mcast-interface r-u2 pim false' \
    -C 'mcast-interface r-h pim false' r-u1 r-u2
mon_start m R
mon_send m monitor

step "1. R's route to 10.0.1.0/24 goes by r-u1"
waited_for 30 "R installs 10.0.1.0/24 via r-u1" sh -c \
    "ip -n $NSR route show 10.0.1.0/24 proto babel | grep -q 'dev r-u1'"

member() {
    local name=$1; shift
    ip netns exec "$NSH" python3 "$HOST" member --ifname h-r --addr 10.0.2.2 \
        --ready "$T/$name.ready" --stop "$T/$name.stop" --out "$T/$name.res" "$@" \
        >"$T/$name.out" 2>&1 &
    BM_EXTRA_PIDS+=($!)
    wait_for 5 "H joined ($name)" test -e "$T/$name.ready"
}
member ssm --group $GS --source 10.0.1.2
member asm --group $GA
wait_for 5 "mroute (10.0.1.2,$GS) iif r-u1" dump_has R \
    "^add mroute 10\.0\.1\.2 $GS iif r-u1 rpf-neighbour 10\.0\.11\.1 oifs r-h igmp-oifs r-h$"
mfc_iif() { ip -n "$NSR" mroute show | grep -Eq "\(10\.0\.1\.2,$1\) +Iif: $2 +Oifs: r-h"; }
wait_for 5 "MFC (10.0.1.2,$GS) iif r-u1" mfc_iif $GS r-u1
pass "RPF by r-u1, (S,G) from the MRIB in the kernel"

step "2. r-u1 fails while both streams flow"
# 8 s of each stream at 100/s; the link goes down 3 s in.
ip netns exec "$NSS" python3 "$SEND" send --dest $GS --port 5000 --ifname s-u --count 800 \
    --rate 100 --ttl 8 >"$T/send-s.out" 2>&1 &
BM_EXTRA_PIDS+=($!); ps=$!
ip netns exec "$NSS" python3 "$SEND" send --dest $GA --port 5000 --ifname s-u --count 800 \
    --rate 100 --ttl 8 >"$T/send-a.out" 2>&1 &
BM_EXTRA_PIDS+=($!); pa=$!
wait_for 5 "derived MFC (10.0.1.2,$GA) iif r-u1" mfc_iif $GA r-u1
wait_for 5 "derived record" dump_has R "^add mroute 10\.0\.1\.2 $GA iif r-u1 oifs r-h from \*$"
sleep 2 # let the streams run on the first path for a while (a fixed part of the scenario)
t0=$(_now_ms)
ip -n "$NSR" link set r-u1 down
wait_for 10 "R's route to 10.0.1.0/24 moves to r-u2" sh -c \
    "ip -n $NSR route show 10.0.1.0/24 proto babel | grep -q 'dev r-u2'"
t1=$(_now_ms)
wait_for 2 "MFC (10.0.1.2,$GS) iif r-u2" mfc_iif $GS r-u2
wait_for 2 "MFC (10.0.1.2,$GA) iif r-u2" mfc_iif $GA r-u2
t2=$(_now_ms)
note "link down -> Babel route moved: $((t1 - t0)) ms; -> both MFC iifs moved: $((t2 - t0)) ms (polled every 0.2 s)"
[ $((t2 - t1)) -le 1000 ] || soft_fail "MFC iif moved $((t2 - t1)) ms after the route"
wait_for 2 "monitor: change mroute (10.0.1.2,$GS) iif r-u2" \
    grep -Eq "^change mroute 10\.0\.1\.2 $GS iif r-u2 rpf-neighbour 10\.0\.12\.1 " "$T/m.mon"
wait_for 2 "monitor: change mroute (10.0.1.2,$GA) iif r-u2 from *" \
    grep -Eq "^change mroute 10\.0\.1\.2 $GA iif r-u2 oifs r-h from \*$" "$T/m.mon"
wait "$ps" "$pa"
touch "$T/ssm.stop" "$T/asm.stop"
wait_for 5 "H's receivers finished" sh -c "test -s $T/ssm.res && test -s $T/asm.res"
ns=$(awk '{print $2}' "$T/ssm.res"); na=$(awk '{print $2}' "$T/asm.res")
note "H received $ns of 800 (S,G) and $na of 800 (*,G) datagrams across the failover"
[ "$ns" -ge 700 ] || soft_fail "(S,G) stream lost $((800 - ns)) datagrams (more than 1 s)"
[ "$na" -ge 700 ] || soft_fail "(*,G) stream lost $((800 - na)) datagrams (more than 1 s)"
[ "$ns" -le 800 ] && [ "$na" -le 800 ] || soft_fail "duplicates reached H"
pass "iif followed Babel; H got $ns and $na of 800"
clean_exit U R
finish
