#!/bin/bash
# GEM gateway, bridged encrypted multicast (topology in gem-lib.sh): A's
# gem-send writes the GEM datagrams, still addressed to the group, into its
# veth a-u; the underlay U is a bridge (a-u, b-u and an attacker's c-u); B's
# gem-receive takes them off b-u, verifies, decrypts and re-emits the stream
# on b-r from its original (normalized) source.
# 1. R gets every datagram byte for byte from the VIP, through R's strict
#    reverse-path filter; the bridge carries no plaintext of the stream.
# 2. Tampered, replayed, truncated, wrong-GAK, stale-key and forged packets
#    injected on the bridge are counted by reason, and nothing more reaches R.
# 3. Key rollover: a second key id on both sides, the sender moves to it,
#    the first is retired; packets under the retired key are stale.  Then
#    the underlay veths are deleted and created again: the stream resumes.
# 4. Refused run-time lines change nothing.
. "$(dirname "$0")/lib.sh"
. "$BM_DIR/mcast-lib.sh"
. "$BM_DIR/gem-lib.sh"
need_root; need_ours

gem_ns_studios
ns_new NSU U; ns_new NSC C
ip -n "$NSU" link add br0 type bridge || fail "bridge in U"
ip -n "$NSU" link set br0 up || fail "bridge up"
for x in a b c; do
    eval "ns=\$NS${x^^}"
    veth "$ns" "$x-u" "$NSU" "u-$x"
    ip -n "$NSU" link set "u-$x" master br0 || fail "u-$x into the bridge"
done
ip -n "$NSA" addr add 10.0.9.1/24 dev a-u || fail "address on a-u"
ip -n "$NSB" addr add 10.0.9.2/24 dev b-u || fail "address on b-u"
ip -n "$NSC" addr add 10.0.9.3/24 dev c-u || fail "address on c-u"

KEY1="sek $GEM_SEK gak $GEM_GAK key-id 1"
step "0. a bad gem line in the configuration file stops the daemon with the file, line and reason"
bad_conf() {   # NAME LINE2 REASON: line 2 of a file is bad
    printf '%s\n' "gem-group $GROUP $KEY1" "$2" >"$T/$1.conf"
    BM_EXPECT_EXIT=1 start_raw "$1" "$NSB" "$OURS" -c "$T/$1.conf" -I "$T/$1.pid" -S "$T/$1.state" -G "$BM_PORT" b-u
    wait_exit "$1" 2
    [ "${BM_RC[$1]}" = 1 ] || soft_fail "$1: exit status ${BM_RC[$1]}, expected 1"
    grep -qF "$T/$1.conf:2: $3" "$T/$1.out" || soft_fail "$1: no '$T/$1.conf:2: $3' in: $(cat "$T/$1.out")"
    note "$(head -n 1 "$T/$1.out")"
}
bad_conf bad1 "gem-group $GROUP sek ${GEM_SEK}00 gak $GEM_GAK key-id 2" "gem-group: sek: 33 bytes, must be 32"
bad_conf bad2 "gem-group $GROUP sek-file $T/nonexistent gak $GEM_GAK key-id 2" "gem-group: sek-file $T/nonexistent: No such file"
bad_conf bad3 "gem-send $GROUP in a-l port 5000 to nosuchpeer" "gem-send: no gem-peer nosuchpeer"
bad_conf bad4 "gem-receive $GROUP in b-u" "gem-receive: missing out IF"
pass "bad keys, an unknown peer and a missing clause refused at start"

start_babeld A "$NSA" "$OURS" \
    -C "mcast-rule cam1 in a-s group $GROUP port 5000 source 10.1.1.50 resource $VIP out a-l" \
    -C "gem-group $GROUP $KEY1" -C "gem-send $GROUP in a-l port 5000 source $VIP veth a-u" a-u
start_babeld B "$NSB" "$OURS" -C "gem-group $GROUP $KEY1" \
    -C "gem-receive $GROUP out b-r in b-u" b-u
wait_for 5 "A's gem-send active" dump_has A "^add gem-send $GROUP in a-l port 5000 source $VIP veth a-u from 10.0.9.1 ttl 64 state active "
wait_for 5 "B's gem-receive active" dump_has B "^add gem-receive $GROUP out b-r in b-u ttl 64 state active "

mon_start m B
mon_send m monitor

step "1. 1000 datagrams through the bridge, encrypted on the wire"
ip netns exec "$NSU" tcpdump -B 32768 -i br0 -n -U -w "$T/bridge.pcap" udp >"$T/tcpdump.out" 2>&1 &
BM_EXTRA_PIDS+=("$!"); TCPDUMP=$!
wait_for 5 "tcpdump listening" grep -q "listening on" "$T/tcpdump.out"
# What B re-emits, as R's link carries it, for tshark's checks below.
ip netns exec "$NSR" tcpdump -B 32768 -i r-b -n -U -w "$T/out.pcap" "udp port 5000" >"$T/tcpdump-r.out" 2>&1 &
BM_EXTRA_PIDS+=("$!"); TCPDUMP_R=$!
wait_for 5 "tcpdump on r-b listening" grep -q "listening on" "$T/tcpdump-r.out"
gem_recv r1 1000
gem_send_stream 1000 0
gem_check_stream r1 1000
wait_for 5 "gem-send counts 1000" dump_has A "^add gem-send $GROUP .* packets 1000 bytes 1316000 no-key 0 "
wait_for 5 "gem-receive counts 1000" dump_has B "^add gem-receive $GROUP .* packets 1000 bytes 1316000 drops 0$"
# The same group and port from another source on A's LAN is not taken.
ip -n "$NSL" route add 224.0.0.0/4 dev l-a || fail "multicast route on L"
c0=$(gem_field A gem-send "$GROUP" captured)
mc_send "$NSL" --dest "$GROUP" --port 5000 --ifname l-a --count 10 --rate 100
captured_ge() { [ "$(gem_field A gem-send "$GROUP" captured)" -ge "$1" ]; }
wait_for 5 "gem-send sees L's 10 datagrams (captured >= $((c0 + 10)))" captured_ge $((c0 + 10))
dump_has A "^add gem-send $GROUP .* packets 1000 bytes 1316000 " || soft_fail "a datagram from another source was sealed: $(dump A | grep gem-send)"
dump_has B "^add gem-group $GROUP key-id 1 current yes sealed 0 accepted 1000$" || soft_fail "B's gem-group record: $(dump B | grep gem-group)"
dump A | grep gem- | sed 's/^/    /'
dump B | grep gem- | sed 's/^/    /'
soft_wait_for 5 "tcpdump on the bridge writes 1000 GEM datagrams" sh -c "[ \$(tcpdump -n -r $T/bridge.pcap 'dst host $GROUP and udp dst port 6698' 2>/dev/null | wc -l) -ge 1000 ]"
kill -INT "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null
gem_pkts=$(tcpdump -n -r "$T/bridge.pcap" "dst host $GROUP and udp dst port 6698" 2>/dev/null | wc -l)
plain=$(tcpdump -n -r "$T/bridge.pcap" "udp dst port 5000" 2>/dev/null | wc -l)
magic=$(tcpdump -n -r "$T/bridge.pcap" -X 2>/dev/null | grep -c "MCRT" || true)
note "bridge: $gem_pkts GEM datagrams to $GROUP:6698, $plain to port 5000, $magic with the stream's magic"
[ "$gem_pkts" -ge 1000 ] || soft_fail "only $gem_pkts GEM datagrams on the bridge"
[ "$plain" = 0 ] || soft_fail "$plain plaintext datagrams to port 5000 on the bridge"
[ "$magic" = 0 ] || soft_fail "the stream's plaintext is visible on the bridge"
soft_wait_for 5 "tcpdump on r-b writes 1000 datagrams" sh -c "[ \$(tcpdump -n -r $T/out.pcap 2>/dev/null | wc -l) -ge 1000 ]"
kill -INT "$TCPDUMP_R"; wait "$TCPDUMP_R" 2>/dev/null
# tshark's dissectors check the IPv4 and UDP headers B built.
# (The payload is decoded as data: tshark's heuristics would take the test
# pattern for other protocols and call it malformed.)
ts() { tshark -n -r "$T/out.pcap" -d udp.port==5000,data -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -Y "$1" 2>/dev/null | wc -l; }
good=$(ts "ip.src == $VIP && ip.dst == $GROUP && ip.ttl == 64 && ip.flags.df == 0 && ip.checksum.status == \"Good\" && udp.dstport == 5000 && udp.checksum.status == \"Good\" && udp.length == 1324")
bad=$(ts "ip.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" || _ws.malformed || _ws.expert.severity >= \"Warning\"")
note "tshark on R's link: $good datagrams from $VIP with good IPv4 and UDP checksums, TTL 64, DF clear; $bad bad or malformed"
[ "$good" = 1000 ] || soft_fail "tshark finds $good of 1000 well-formed datagrams on R's link"
[ "$bad" = 0 ] || soft_fail "tshark finds $bad bad or malformed datagrams on R's link"
pass "1000 of 1000 byte-identical from $VIP; the bridge saw only GEM datagrams"

step "1b. 4000-byte datagrams: reassembled, sealed whole, fragmented on the veth and on the way out"
gem_recv big 50
gem_send_big 50 20000
gem_check_stream big 50 4000
wait_for 5 "gem-send counts 50 reassembled" dump_has A "^add gem-send $GROUP .* reassembled 50 "
wait_for 5 "gem-receive counts 1050" dump_has B "^add gem-receive $GROUP .* packets 1050 bytes 1516000 drops 0$"
pass "50 of 50 4000-byte datagrams whole at R"

step "2. forgeries injected on the bridge are counted by reason and dropped"
rm -f "$T/inj.ready"
ip netns exec "$NSC" python3 "$GEM_TOOL" inject --group "$GROUP" --ifname c-u --count 5 \
    --sek "$GEM_SEK" --gak "$GEM_GAK" --ready "$T/inj.ready" >"$T/inj.out" 2>&1 &
INJ=$!; BM_EXTRA_PIDS+=("$INJ")
wait_for 5 "injector ready" test -e "$T/inj.ready"
gem_recv r2 200
gem_send_stream 200 2000
gem_check_stream r2 200
wait "$INJ" || fail "injector: $(cat "$T/inj.out")"
note "injected: $(cat "$T/inj.out")"
wait_for 5 "B counts 5 stale-key" gem_input_is B stale-key 5
rec=$(dump B | grep '^add gem-input')
note "$rec"
[ "$(mc_field "$rec" replayed)" = 5 ] || soft_fail "replayed: $(mc_field "$rec" replayed), expected 5"
[ "$(mc_field "$rec" bad-mac)" -ge 10 ] || soft_fail "bad-mac: $(mc_field "$rec" bad-mac), expected 10 (tampered, wrong GAK) or 11"
[ "$(mc_field "$rec" truncated)" = 5 ] || soft_fail "truncated: $(mc_field "$rec" truncated)"
[ $(( $(mc_field "$rec" bad-mac) + $(mc_field "$rec" unknown-group) + $(mc_field "$rec" bad-version) )) = 11 ] \
    || soft_fail "the forged packet is not counted once"
[ "$(mc_field "$rec" accepted)" = 1250 ] || soft_fail "accepted: $(mc_field "$rec" accepted), expected 1250"
dump_has B "^add gem-receive $GROUP .* packets 1250 bytes 1779200 drops 0$" \
    || soft_fail "B re-emitted something else than the 1250 real datagrams: $(dump B | grep gem-receive)"
pass "tampered, replayed, truncated, wrong-GAK, stale-key and forged packets dropped and counted"

step "3. key rollover: key-id 2 on B, then on A; key-id 1 retired"
KEY2="sek $GEM_SEK2 gak $GEM_GAK2 key-id 2"
out=$(lc B "gem-group $GROUP $KEY2"); printf '%s\n' "$out" | grep -qx ok || fail "B refused key-id 2: $out"
dump_has B "^add gem-group $GROUP key-id 1 current no " || soft_fail "B: key-id 1 still current"
gem_recv r3 400
gem_send_stream 200 3000
out=$(lc A "gem-group $GROUP $KEY2"); printf '%s\n' "$out" | grep -qx ok || fail "A refused key-id 2: $out"
gem_send_stream 200 3200
gem_check_stream r3 400
dump_has A "^add gem-group $GROUP key-id 2 current yes sealed 200 " || soft_fail "A: $(dump A | grep gem-group)"
dump_has B "^add gem-group $GROUP key-id 2 current yes sealed 0 accepted 200$" || soft_fail "B: $(dump B | grep gem-group)"
out=$(lc B "flush gem-group $GROUP key-id 1"); printf '%s\n' "$out" | grep -qx ok || fail "flush key-id 1: $out"
dump_lacks B "^add gem-group $GROUP key-id 1 " || soft_fail "key-id 1 still in B's dump"
s0=$(gem_input_field B stale-key)
rm -f "$T/inj.ready"
# The injector sends packets sealed under key-id 1 (the retired one).
ip netns exec "$NSC" python3 "$GEM_TOOL" inject --group "$GROUP" --ifname c-u --count 2 \
    --sek "$GEM_SEK2" --gak "$GEM_GAK2" --stale-key-id 1 --ready "$T/inj.ready" >"$T/inj2.out" 2>&1 &
INJ=$!; BM_EXTRA_PIDS+=("$INJ")
wait_for 5 "injector ready" test -e "$T/inj.ready"
gem_recv r4 50
gem_send_stream 50 4000
gem_check_stream r4 50
wait "$INJ" || fail "injector: $(cat "$T/inj2.out")"
wait_for 5 "B counts key-id 1 packets as stale" gem_input_is B stale-key $((s0 + 2))
grep -q "^add gem-group $GROUP key-id 2 current yes " "$T/m.mon" || soft_fail "no 'add gem-group ... key-id 2' on B's monitor"
grep -q "^flush gem-group $GROUP key-id 1 " "$T/m.mon" || soft_fail "no 'flush gem-group ... key-id 1' on B's monitor"
grep -q "^change gem-group $GROUP key-id 2 " "$T/m.mon" || soft_fail "no 'change gem-group ... key-id 2' on B's monitor"
grep -E "^(add|change|flush) gem-" "$T/m.mon" | sed 's/^/    monitor: /'
pass "both keys accepted during the overlap, the stream never stopped; the retired key is stale"

step "3a. gem-send replaced at run time while the stream flows: nothing lost"
gem_recv r6 1000
gem_send_stream 1000 6000 1000 &
SP=$!
sleep 0.3
for t in 32 64; do
    out=$(lc A "gem-send $GROUP in a-l port 5000 source $VIP veth a-u ttl $t")
    printf '%s\n' "$out" | grep -qx ok || fail "replacing gem-send refused: $out"
    sleep 0.2
done
wait "$SP" || fail "sender failed"
gem_check_stream r6 1000
dump_has A "^add gem-send $GROUP .* ttl 64 state active " || soft_fail "A: $(dump A | grep gem-send)"
pass "1000 of 1000 while gem-send was replaced twice"

step "3b. both underlay veths deleted and created again: the gateways wait, then carry the stream again"
ip -n "$NSA" link del a-u || fail "deleting a-u"
ip -n "$NSB" link del b-u || fail "deleting b-u"
wait_for 5 "A's gem-send waits for a-u" dump_has A "^add gem-send $GROUP .* state waiting-for-interface "
wait_for 5 "B's gem-receive waits for b-u" dump_has B "^add gem-receive $GROUP .* state waiting-for-interface "
for x in a b; do
    eval "ns=\$NS${x^^}"
    veth "$ns" "$x-u" "$NSU" "u-$x"
    ip -n "$NSU" link set "u-$x" master br0 || fail "u-$x into the bridge"
done
ip -n "$NSA" addr add 10.0.9.1/24 dev a-u || fail "address on a-u"
ip -n "$NSB" addr add 10.0.9.2/24 dev b-u || fail "address on b-u"
wait_for 5 "A's gem-send active again" dump_has A "^add gem-send $GROUP .* state active "
wait_for 5 "B's gem-receive active again" dump_has B "^add gem-receive $GROUP .* state active "
gem_recv r5 100
gem_send_stream 100 5000
gem_check_stream r5 100
pass "the stream resumes on the new interfaces without a restart"

step "4. refused run-time lines change nothing"
for line in "gem-group $GROUP sek zz gak $GEM_GAK" "gem-group $GROUP sek ${GEM_SEK}00 gak $GEM_GAK" \
    "gem-group 10.1.1.1 sek $GEM_SEK gak $GEM_GAK" "gem-send $GROUP in a-l" \
    "gem-send $GROUP in a-l to nosuchpeer" "gem-receive $GROUP in b-u" "flush gem-group 239.9.9.9" \
    "gem-group $GROUP sek-file /nonexistent gak $GEM_GAK" "gem-group $GROUP sek $GEM_SEK gak $GEM_GAK key-id 70000" \
    "flush gem-group $GROUP key-id 2"; do
    out=$(lc B "$line" | tail -n 1)
    case $out in no\ *) note "'$line' -> $out" ;; *) soft_fail "'$line' answered '$out'" ;; esac
done
dump_has B "^add gem-group $GROUP key-id 2 current yes " || soft_fail "B's key changed"
out=$(lc B "gem-group $GROUP sek $GEM_SEK gak $GEM_GAK key-id 3" | tail -n 1)
[ "$out" = ok ] || soft_fail "a second key id refused: $out"
out=$(lc B "gem-group $GROUP sek $GEM_SEK gak $GEM_GAK key-id 4" | tail -n 1)
case $out in no\ *) note "a third key id -> $out" ;; *) soft_fail "a third key id answered '$out'" ;; esac
dump_lacks B "^add gem-group $GROUP key-id 4 " || soft_fail "a third key id was taken"
pass "bad keys, groups and missing clauses refused with a reason"

step "5. SIGTERM"
mon_stop m
stop_daemon A TERM 10; stop_daemon B TERM 10
[ "${BM_RC[A]}" = 0 ] && [ "${BM_RC[B]}" = 0 ] || soft_fail "exit status A ${BM_RC[A]} B ${BM_RC[B]}"
finish
