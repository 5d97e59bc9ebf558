#!/bin/bash
# The mcast normalizer end to end (topology in mcast-lib.sh):
#   S 10.1.1.50 -> O (ours) -> T (stock babeld + smcrouted, strict rp_filter) -> R
# 1. Without the normalizer, plain kernel forwarding on O (smcrouted) carries
#    the stream to T, whose reverse-path filter drops every packet: R gets
#    nothing (the test can fail).
# 2. With `mcast-rule cam1 ... resource VIP out o-t` added on O's read-write
#    socket, T learns the VIP over Babel and R gets every packet, byte for
#    byte, from the VIP; the rule's records count them.
# 3. 4000-byte datagrams (fragmented by S) arrive whole.
# 4. A head-end replication output added at run time (the rule replaced by
#    name while a stream flows) delivers the same packets as unicast UDP
#    from O's address, and the multicast flow loses nothing meanwhile.
# 5. Refused lines change nothing; a rule on a missing interface waits;
#    flush mcast-rule removes the rule and the VIP.
. "$(dirname "$0")/lib.sh"
. "$BM_DIR/mcast-lib.sh"
need_root; need_ours; need_stock

mc_setup
mon_start m O
mon_send m monitor

step "1. kernel forwarding on O (smcrouted), no normalizer: T's strict RPF drops the stream"
printf 'mroute from o-s group %s to o-t\n' "$GROUP" >"$T/o.smc.conf"
mc_smcroute o "$NSO" "$T/o.smc.conf"
rx0=$(mc_rx_packets "$NST" t-o); rpf0=$(mc_rpf_drops "$NST")
mc_recv raw "$NSR" --group "$GROUP" --port 5000 --ifname r-t --count 200 --timeout 6
mc_send "$NSS" --dest "$GROUP" --port 5000 --ifname s-o --count 200 --rate 500
res=$(mc_recv_wait raw)
rx1=$(mc_rx_packets "$NST" t-o); rpf1=$(mc_rpf_drops "$NST")
note "R: $res; T received $((rx1 - rx0)) packets on t-o, rp_filter dropped $((rpf1 - rpf0))"
[ "$((rx1 - rx0))" -ge 200 ] || fail "the raw stream did not reach T (kernel forwarding on O failed)"
[ "$((rpf1 - rpf0))" -ge 200 ] || fail "T's reverse-path filter did not drop the raw stream"
[ "$(mc_field "$res" received)" = 0 ] || fail "R received the raw stream: the test cannot tell"
pass "raw stream forwarded by O's kernel, dropped by T's rp_filter, nothing at R"
mc_smcroute_stop o

step "2. mcast-rule at run time: every packet arrives at R from the VIP, byte-identical"
out=$(lc O "mcast-rule cam1 in o-s group $GROUP port 5000 source 10.1.1.50 resource $VIP out o-t")
printf '%s\n' "$out" | grep -qx ok || fail "mcast-rule refused: $out"
wait_for 5 "VIP $VIP on O's virtual link" sh -c "ip -n $NSO -4 addr | grep -q ' $VIP/32 '"
note "VIP link: $(ip -n "$NSO" -4 -br addr | grep "$VIP")"
waited_for 30 "T learns $VIP over Babel" has_babel_route "$NST" "$VIP"
wait_for 10 "rule record: active" dump_has O "^add mcast-rule cam1 in o-s group $GROUP port 5000 source 10.1.1.50 resource $VIP outputs 1 packets [0-9]+ bytes [0-9]+ drops [0-9]+ state active$"
rpf0=$(mc_rpf_drops "$NST")
mc_recv norm "$NSR" --group "$GROUP" --port 5000 --ifname r-t --count 1000 --source "$VIP" --timeout 20
mc_send "$NSS" --dest "$GROUP" --port 5000 --ifname s-o --count 1000 --rate 1000 --size 1316
res=$(mc_recv_wait norm)
note "R: $res"
[ "$(mc_field "$res" unique)" = 1000 ] || soft_fail "R got $(mc_field "$res" unique) of 1000 datagrams"
[ "$(mc_field "$res" bad-content)" = 0 ] || soft_fail "datagrams changed on the way"
[ "$(mc_field "$res" bad-source)" = 0 ] || soft_fail "datagrams from a source other than $VIP"
rpf1=$(mc_rpf_drops "$NST")
[ "$rpf1" = "$rpf0" ] || soft_fail "T's rp_filter dropped $((rpf1 - rpf0)) packets"
dump O | grep mcast- | sed 's/^/    /'
wait_for 5 "rule record counts 1000 packets" dump_has O "^add mcast-rule cam1 .* packets 1000 bytes 1316000 drops 0 "
wait_for 5 "output record counts 1000 packets" dump_has O "^add mcast-output cam1/0 rule cam1 if o-t mode multicast dest $GROUP port 0 ttl 64 state up packets 1000 bytes 1316000 drops 0$"
pass "1000 of 1000 datagrams, byte-identical, from $VIP"

step "3. 4000-byte datagrams arrive whole"
mc_recv big "$NSR" --group "$GROUP" --port 5000 --ifname r-t --count 50 --source "$VIP" --timeout 10
mc_send "$NSS" --dest "$GROUP" --port 5000 --ifname s-o --count 50 --rate 200 --size 4000 --start 5000
res=$(mc_recv_wait big)
note "R: $res"
[ "$(mc_field "$res" unique)" = 50 ] || soft_fail "R got $(mc_field "$res" unique) of 50 4000-byte datagrams"
[ "$(mc_field "$res" sizes)" = 4000 ] || soft_fail "sizes at R: $(mc_field "$res" sizes)"
wait_for 5 "input record counts 50 reassembled" dump_has O "^add mcast-input o-s .* reassembled 50 "
pass "4000-byte datagrams reassembled and relayed whole"

step "4. HER output added at run time: unicast copies, multicast flow undisturbed"
mc_recv flow "$NSR" --group "$GROUP" --port 5000 --ifname r-t --count 3000 --source "$VIP" --timeout 25
mc_recv her "$NSR" --port 6000 --count 2000 --source 10.0.12.1 --timeout 15
mc_send "$NSS" --dest "$GROUP" --port 5000 --ifname s-o --count 1000 --rate 1000 --start 10000
out=$(lc O "mcast-rule cam1 in o-s group $GROUP port 5000 source 10.1.1.50 resource $VIP out o-t out o-t unicast 10.0.23.2 port 6000")
printf '%s\n' "$out" | grep -qx ok || fail "replacing cam1 refused: $out"
mc_send "$NSS" --dest "$GROUP" --port 5000 --ifname s-o --count 2000 --rate 1000 --start 11000
res=$(mc_recv_wait flow); her=$(mc_recv_wait her)
note "R multicast: $res"
note "R unicast:   $her"
[ "$(mc_field "$res" unique)" = 3000 ] || soft_fail "multicast flow: $(mc_field "$res" unique) of 3000 across the replacement"
[ "$(mc_field "$res" bad-content)" = 0 ] || soft_fail "multicast flow: changed datagrams"
h=$(mc_field "$her" unique)
[ "$h" -ge 1900 ] || soft_fail "HER copies: $h (expected the 2000 sent after the change)"
[ "$(mc_field "$her" bad-content)" = 0 ] && [ "$(mc_field "$her" bad-source)" = 0 ] \
    || soft_fail "HER copies changed or from another source than 10.0.12.1"
wait_for 5 "HER output record" dump_has O "^add mcast-output cam1/1 rule cam1 if o-t mode unicast dest 10.0.23.2 port 6000 ttl 64 state up-unicast packets [0-9]+ "
grep -q "^change mcast-rule cam1 " "$T/m.mon" || soft_fail "no 'change mcast-rule cam1' for monitors"
grep -q "^add mcast-rule cam1 " "$T/m.mon" || soft_fail "no 'add mcast-rule cam1' for monitors"
pass "HER at run time: $h unicast copies, multicast flow intact"

step "5. refused lines, a rule waiting for its interface, flush"
before=$(dump O | grep '^add mcast-rule' | sed 's/ packets.*//')
for line in "mcast-rule bad in o-s group 239.1.1.300 out o-t" \
            "mcast-rule bad in o-s group $GROUP port 70000 out o-t" \
            "mcast-rule bad in o-s group 10.1.1.1 out o-t" \
            "mcast-rule cam1 in o-s group $GROUP out o-t unicast 239.9.9.9" \
            "mcast-rule bad in o-s group $GROUP"; do
    out=$(lc O "$line")
    ans=$(printf '%s\n' "$out" | tail -n 1)
    case $ans in "no "*) note "'$line' -> $ans" ;; *) soft_fail "'$line' answered '$ans'" ;; esac
done
after=$(dump O | grep '^add mcast-rule' | sed 's/ packets.*//')
[ "$before" = "$after" ] || soft_fail "a refused line changed the rules: $before / $after"
out=$(lc O "mcast-rule later in nosuch0 group 239.2.2.2 out o-t")
printf '%s\n' "$out" | grep -qx ok || soft_fail "a rule on a missing interface was refused: $out"
wait_for 5 "waiting rule's record" dump_has O "^add mcast-rule later in nosuch0 .* state waiting-for-interface$"
out=$(lc O "flush mcast-rule nosuch")
printf '%s\n' "$out" | tail -n 1 | grep -q '^no ' || soft_fail "flush of a missing rule: $out"
out=$(lc O "flush mcast-rule cam1" "flush mcast-rule later")
[ "$(printf '%s\n' "$out" | grep -cx ok)" -ge 3 ] || soft_fail "flush mcast-rule: $out"
wait_for 5 "VIP removed with the last rule using it" sh -c "! ip -n $NSO -4 addr | grep -q ' $VIP/32 '"
dump_has O "^add mcast-rule" && soft_fail "rules left after flush"
grep -q "^flush mcast-rule cam1 " "$T/m.mon" || soft_fail "no 'flush mcast-rule cam1' for monitors"
pass "refusals, waiting rule, flush"
mon_stop m
finish
