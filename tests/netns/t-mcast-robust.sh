#!/bin/bash
# The normalizer's harder cases, on a short chain (ours in the middle):
#
#   S (s-o) ---- (o-s) O (o-r) ---- (r-o) R       and on O a TUN o-tun
#                                                  (point-to-point, no multicast)
# 1. A configuration error in an mcast-rule line: exit 1, FILE:LINE: reason.
# 2. Rules from a configuration file: r1 relays 239.1.1.1 to o-r; p2p names
#    o-tun, which does not exist yet, and waits for it.
# 3. Bad input injected as raw frames (bad checksums, lengths, truncation,
#    an oversized fragment) is counted by reason and dropped; an 802.1Q-tagged
#    frame and a datagram whose fragments come last-first are relayed whole.
#    A hub-and-spoke rule (two unicast outputs on one interface) sends
#    each datagram to both spokes.
# 4. Output and input interfaces going down and up: relaying resumes without
#    a restart.
# 5. Point-to-point: o-tun appears (without IFF_MULTICAST) and p2p replicates
#    to its peer address as unicast; when the peer changes, so does the
#    destination.
# 6. SIGTERM removes the VIP.
. "$(dirname "$0")/lib.sh"
. "$BM_DIR/mcast-lib.sh"
need_root; need_ours
need_mcast_tools
FR="$BM_REPO/tests/tools/mcast_frames.py"
SINK="$BM_REPO/tests/tools/tun_sink.py"

ns_new NSS S; ns_new NSO O; ns_new NSR R
veth "$NSS" s-o "$NSO" o-s
veth "$NSO" o-r "$NSR" r-o
ip -n "$NSS" addr add 10.1.1.50/24 dev s-o
ip -n "$NSS" route add 224.0.0.0/4 dev s-o
ip -n "$NSO" addr add 10.0.12.1/24 dev o-r
ip -n "$NSR" addr add 10.0.12.2/24 dev r-o
sysctl_ns "$NSR" net.ipv4.conf.all.rp_filter 0
sysctl_ns "$NSR" net.ipv4.conf.r-o.rp_filter 0

step "1. a bad mcast-rule line in a configuration file: exit 1 with file, line and reason"
printf '%s\n' '# line 1' "mcast-rule ok1 in o-s group $GROUP port 5000 resource $VIP out o-r" \
    "mcast-rule bad in o-s group $GROUP port 70000 out o-r" >"$T/bad.conf"
BM_EXPECT_EXIT=1 start_raw bad "$NSO" "$OURS" -I "$T/bad.pid" -L "$T/bad.log" -S "$T/bad.state" \
    -c "$T/bad.conf" o-r
wait_exit bad 5
err=$(cat "$T/bad.out")
note "exit ${BM_RC[bad]}: $err"
[ "${BM_RC[bad]}" = 1 ] || soft_fail "exit status ${BM_RC[bad]}, expected 1"
printf '%s\n' "$err" | grep -qF "$T/bad.conf:3: mcast-rule bad: port '70000' is not a port number" \
    || soft_fail "no FILE:3: reason in: $err"
# line 2 is valid and names resource $VIP: a daemon that applied it before
# reading line 3 would have installed the VIP (on the mcr-vip0 dummy link)
ao=$(ip -n "$NSO" -4 addr) || fail "ip addr in O"
printf '%s\n' "$ao" | grep -qF " $VIP/" && soft_fail "VIP installed by a daemon that refused its config"
ip -n "$NSO" link show mcr-vip0 >/dev/null 2>&1 &&
    soft_fail "mcr-vip0 created by a daemon that refused its config: $(ip -n "$NSO" link show mcr-vip0)"

step "2. rules from a configuration file; one waits for its interface"
printf '%s\n' "mcast-rule r1 in o-s group $GROUP port 5000 resource $VIP out o-r" \
    "mcast-rule p2p in o-s group 239.5.5.5 out o-tun" >"$T/o.conf"
start_babeld O "$NSO" "$OURS" -c "$T/o.conf" o-r
wait_for 5 "r1 active" dump_has O "^add mcast-rule r1 in o-s group $GROUP port 5000 source any resource $VIP outputs 1 .* state active$"
wait_for 5 "p2p waits for o-tun" dump_has O "^add mcast-output p2p/0 rule p2p if o-tun mode multicast dest - port 0 ttl 64 state waiting-for-interface "
ip -n "$NSO" -4 addr | grep -q " $VIP/32 " || fail "VIP not on O"
pass "config-file rules: r1 active, p2p waiting"

step "3. bad input counted by reason; tagged and fragmented frames relayed"
mc_recv good "$NSR" --group "$GROUP" --port 5000 --ifname r-o --count 40 --source "$VIP" --timeout 8
for kind in bad-ip-checksum bad-udp-checksum truncated bad-udp-length bad-ip-header oversized; do
    ip netns exec "$NSS" python3 "$FR" s-o "$GROUP" 5000 "$kind" 5 1000 || fail "injecting $kind"
done
ip netns exec "$NSS" python3 "$FR" s-o "$GROUP" 5000 good 10 0 || fail "injecting good"
ip netns exec "$NSS" python3 "$FR" s-o "$GROUP" 5000 vlan 10 100 || fail "injecting vlan"
ip netns exec "$NSS" python3 "$FR" s-o "$GROUP" 5000 fragmented 10 200 3000 || fail "injecting fragments"
mc_send "$NSS" --dest "$GROUP" --port 5000 --ifname s-o --count 10 --start 300
res=$(mc_recv_wait good)
note "R: $res"
[ "$(mc_field "$res" unique)" = 40 ] || soft_fail "R got $(mc_field "$res" unique) of 40 valid datagrams"
[ "$(mc_field "$res" bad-content)" = 0 ] || soft_fail "changed datagrams at R"
[ "$(mc_field "$res" sizes)" = 200,1316,3000 ] || soft_fail "sizes at R: $(mc_field "$res" sizes)"
rec=$(dump O | grep '^add mcast-input o-s ')
note "$rec"
for k in bad-ip-checksum bad-udp-checksum truncated bad-udp-length bad-ip-header oversized; do
    [ "$(mc_field "$rec" "$k")" = 5 ] || soft_fail "$k counted $(mc_field "$rec" "$k"), expected 5"
done
[ "$(mc_field "$rec" reassembled)" = 10 ] || soft_fail "reassembled: $(mc_field "$rec" reassembled)"
pass "bad input dropped and counted by reason; VLAN and fragments relayed"

step "3b. hub and spoke: two unicast outputs on one interface"
out=$(lc O "mcast-rule hub in o-s group 239.6.6.6 out o-r unicast 10.0.12.2 port 7001 out o-r unicast 10.0.12.2 port 7002")
printf '%s\n' "$out" | grep -qx ok || fail "hub rule refused: $out"
mc_recv spoke1 "$NSR" --port 7001 --count 50 --source 10.0.12.1 --timeout 8
mc_recv spoke2 "$NSR" --port 7002 --count 50 --source 10.0.12.1 --timeout 8
mc_send "$NSS" --dest 239.6.6.6 --port 5006 --ifname s-o --count 50 --start 700
r1=$(mc_recv_wait spoke1); r2=$(mc_recv_wait spoke2)
note "spoke 1: $r1"
note "spoke 2: $r2"
[ "$(mc_field "$r1" unique)" = 50 ] && [ "$(mc_field "$r2" unique)" = 50 ] \
    || soft_fail "hub and spoke: $(mc_field "$r1" unique) and $(mc_field "$r2" unique) of 50"
out=$(lc O "flush mcast-rule hub")
pass "two unicast copies of each datagram on one interface"

step "4. interfaces down and up: relaying resumes without a restart"
ip -n "$NSO" link set o-r down
wait_for 5 "output record says down" dump_has O "^add mcast-output r1/0 .* state down "
ip -n "$NSO" link set o-r up
ip -n "$NSO" link set o-s down
wait_for 5 "rule record says interface-down" dump_has O "^add mcast-rule r1 .* state interface-down$"
ip -n "$NSO" link set o-s up
wait_for 5 "r1 active again" dump_has O "^add mcast-rule r1 .* state active$"
wait_for 5 "r1/0 up again" dump_has O "^add mcast-output r1/0 .* state up "
mc_recv again "$NSR" --group "$GROUP" --port 5000 --ifname r-o --count 100 --source "$VIP" --timeout 8
mc_send "$NSS" --dest "$GROUP" --port 5000 --ifname s-o --count 100 --start 400
res=$(mc_recv_wait again)
note "R: $res"
[ "$(mc_field "$res" unique)" = 100 ] || soft_fail "after down/up R got $(mc_field "$res" unique) of 100"
pass "down and up handled"

step "5. point-to-point output: unicast to the peer, following a change of peer"
ip netns exec "$NSO" python3 "$SINK" o-tun "$T/tun.log" >"$T/tun.out" 2>&1 &
BM_EXTRA_PIDS+=("$!")
wait_for 5 "TUN sink ready" grep -q ready "$T/tun.log"
ip -n "$NSO" link set o-tun multicast off up
ip -n "$NSO" addr add 10.9.0.1 peer 10.9.0.2/32 dev o-tun
wait_for 5 "p2p output goes to the peer" dump_has O "^add mcast-output p2p/0 rule p2p if o-tun mode unicast dest 10.9.0.2 port 0 ttl 64 state up-unicast "
wait_for 5 "p2p active" dump_has O "^add mcast-rule p2p .* state active$"
mc_send "$NSS" --dest 239.5.5.5 --port 5005 --ifname s-o --count 20 --start 500
wait_for 5 "20 datagrams to 10.9.0.2 in the TUN" sh -c "[ \$(grep -c '^10.9.0.2 [0-9]* 5005 1316 ok' $T/tun.log) = 20 ]"
ip -n "$NSO" addr del 10.9.0.1 peer 10.9.0.2/32 dev o-tun
ip -n "$NSO" addr add 10.9.0.1 peer 10.9.0.3/32 dev o-tun
wait_for 5 "p2p output follows the new peer" dump_has O "^add mcast-output p2p/0 .* dest 10.9.0.3 "
mc_send "$NSS" --dest 239.5.5.5 --port 5005 --ifname s-o --count 20 --start 600
wait_for 5 "20 datagrams to 10.9.0.3 in the TUN" sh -c "[ \$(grep -c '^10.9.0.3 [0-9]* 5005 1316 ok' $T/tun.log) = 20 ]"
grep -q ' bad$' "$T/tun.log" && soft_fail "changed datagrams in the TUN"
pass "point-to-point replication follows the peer"

step "6. SIGTERM: the VIP goes"
stop_daemon O TERM 10
[ "${BM_RC[O]}" = 0 ] || soft_fail "exit status ${BM_RC[O]}"
ip -n "$NSO" -4 addr | grep -q " $VIP/32 " && soft_fail "VIP left on O after exit"
ip -n "$NSO" link show mcr-vip0 >/dev/null 2>&1 && soft_fail "VIP link left after exit"
finish
