#!/bin/bash
# GEM egress outputs from the MRIB: Studio A (source, normalizer, gem-send
# through ESP) - an internet router I - Studio B (`gem-receive G mrib true`,
# IGMP on two LANs).  B re-emits the decrypted stream exactly where IGMP
# members want it, and stops when they leave.
#
#   S - A (normalizer, gem-send to b) - I - B (gem-receive mrib true)
#                                             (b-r) 10.0.2.1 ---- 10.0.2.2 R
#                                             (b-q) 10.0.4.1 ---- 10.0.4.2 Q
#                                             (b-p) 10.0.5.1 ---- 10.0.5.2 P (ours, PIM)
#                                                         10.0.6.1 (p-h) ---- 10.0.6.2 H
#
# 1. nobody has joined: B verifies and counts every datagram (no-listener),
#    nothing reaches either LAN;
# 2. R joins G (a kernel host's IGMPv3 report, (*,G)): the stream reaches R
#    byte for byte from the VIP, Q's LAN still gets nothing; the records show
#    the output (gem-receive outputs, mroute gem-oifs);
# 3. Q joins too: both get it;
# 4. R leaves while the stream flows: B stops sending on b-r within the IGMP
#    leave latency, Q gets all of it;
# 5. R joins with a source list (IGMPv3 INCLUDE {VIP}, an (S,G) entry): it
#    gets the stream; then a source list naming another source gets nothing;
# 6. a PIM router downstream: H, behind P, joins INCLUDE {VIP}; P learns the
#    VIP over Babel from B (routed over the overlay), sends its (S,G) join to
#    B, B adds b-p as an output and P's kernel forwards the stream to H (its
#    MFC entry's iif is the RPF interface toward the VIP: the check passes).
. "$(dirname "$0")/lib.sh"
. "$BM_DIR/mcast-lib.sh"
. "$BM_DIR/gem-lib.sh"
need_root; need_ours

gem_ns_studios
ns_new NSQ Q
veth "$NSB" b-q "$NSQ" q-b
ip -n "$NSB" addr add 10.0.4.1/24 dev b-q || fail "address on B"
ip -n "$NSQ" addr add 10.0.4.2/24 dev q-b || fail "address on Q"
ip -n "$NSQ" route add default via 10.0.4.1 || fail "default route on Q"
sysctl_ns "$NSQ" net.ipv4.conf.all.rp_filter 1
sysctl_ns "$NSQ" net.ipv4.conf.q-b.rp_filter 1
ns_new NSP P; ns_new NSH H
veth "$NSB" b-p "$NSP" p-b
veth "$NSP" p-h "$NSH" h-p
ip -n "$NSB" addr add 10.0.5.1/24 dev b-p || fail "address on B"
ip -n "$NSP" addr add 10.0.5.2/24 dev p-b || fail "address on P"
ip -n "$NSP" addr add 10.0.6.1/24 dev p-h || fail "address on P"
ip -n "$NSH" addr add 10.0.6.2/24 dev h-p || fail "address on H"
ip -n "$NSH" route add default via 10.0.6.1 || fail "default route on H"
sysctl_ns "$NSP" net.ipv4.ip_forward 1
sysctl_ns "$NSP" net.ipv4.conf.all.rp_filter 1
sysctl_ns "$NSP" net.ipv4.conf.p-b.rp_filter 1
gem_ns_internet

start_babeld A "$NSA" "$OURS" \
    -C "mcast-rule cam1 in a-s group $GROUP port 5000 source 10.1.1.50 resource $VIP out a-l" \
    -C "gem-peer b address $GEM_B local $GEM_A" \
    -C "esp-sa peer b dir out spi $GEM_SPI_AB key $GEM_ESP_KEY_AB" \
    -C "esp-sa peer b dir in spi $GEM_SPI_BA key $GEM_ESP_KEY_BA" \
    -C "gem-group $GROUP sek $GEM_SEK gak $GEM_GAK" \
    -C "gem-send $GROUP in a-l port 5000 to b" a-l
start_babeld B "$NSB" "$OURS" \
    -C "gem-peer a address $GEM_A local $GEM_B tun ipsec0" \
    -C "esp-sa peer a dir out spi $GEM_SPI_BA key $GEM_ESP_KEY_BA" \
    -C "esp-sa peer a dir in spi $GEM_SPI_AB key $GEM_ESP_KEY_AB" \
    -C "gem-group $GROUP sek $GEM_SEK gak $GEM_GAK" \
    -C "mcast-interface b-r pim false igmp-last-member-query-interval 0.5" \
    -C "mcast-interface b-q pim false igmp-last-member-query-interval 0.5" \
    -C "mcast-interface b-p igmp false" -C "pim-hello-interval 1" \
    -C "gem-receive $GROUP mrib true" -C "redistribute ip $VIP/32 allow" b-p
start_babeld P "$NSP" "$OURS" -C "pim-hello-interval 1" -C "mcast-interface p-b igmp false" \
    -C "mcast-interface p-h pim false igmp-last-member-query-interval 0.5" p-b
wait_for 5 "A's gem-send active" dump_has A "^add gem-send $GROUP .* state active "
wait_for 5 "B's gem-receive active, no outputs" \
    dump_has B "^add gem-receive $GROUP out - mrib true ttl 64 state active packets 0 bytes 0 drops 0 no-listener 0 outputs -$"
wait_for 5 "B's ipsec0" ip -n "$NSB" link show ipsec0
# R and Q are strict: the VIP is routed back through B, over the overlay.
ip -n "$NSB" route add $VIP/32 dev ipsec0 proto static || fail "B: the VIP routed over the overlay"

# What reaches each LAN, whoever asked: tcpdump on R's and Q's links.
for h in r q; do
    ns=$NSR; [ $h = q ] && ns=$NSQ
    ip netns exec "$ns" tcpdump -B 8192 -i $h-b -n -U --immediate-mode -w "$T/$h.pcap" \
        "udp and dst host $GROUP and dst port 5000" >"$T/$h.tcpdump" 2>&1 &
    BM_EXTRA_PIDS+=($!)
    wait_for 5 "tcpdump on $h-b" grep -q "listening on" "$T/$h.tcpdump"
done
on_lan() { tcpdump -n -r "$T/$1.pcap" 2>/dev/null | wc -l; }
# on_lan_after H EPOCH: packets captured later than EPOCH (seconds, fractional)
on_lan_after() { tcpdump -tt -n -r "$T/$1.pcap" 2>/dev/null | awk -v t="$2" '$1 > t' | wc -l; }
gem_outputs() { dump B | awk -v g="$GROUP" '$2 == "gem-receive" && $3 == g {for (i = 4; i < NF; i++) if ($i == "outputs") print $(i + 1)}'; }
outputs_are() { [ "$(gem_outputs | sed 's/:[0-9]*//g')" = "$1" ]; }

step "1. nobody has joined: 200 datagrams verified and counted, none on either LAN"
gem_send_stream 200 0
wait_for 5 "B counts 200 datagrams with no listener" \
    dump_has B "^add gem-receive $GROUP .* packets 0 bytes 0 drops 0 no-listener 200 outputs -$"
[ "$(on_lan r)" = 0 ] && [ "$(on_lan q)" = 0 ] || soft_fail "$(on_lan r) datagrams on R's LAN, $(on_lan q) on Q's"
dump_lacks B "^add mroute " || soft_fail "an mroute entry with nobody joined: $(dump B | grep mroute)"
pass "nothing emitted where nobody listens"

step "2. R joins $GROUP (IGMPv3): the stream reaches R, not Q's LAN"
t0=$(_now_ms)
gem_recv r1 1000
waited_for 5 "b-r among B's gem-receive outputs" outputs_are b-r
wait_for 5 "B's mroute (*,G) shows GEM on b-r" \
    dump_has B "^add mroute \* $GROUP iif - oifs b-r igmp-oifs b-r gem-oifs b-r$"
note "$(dump B | grep -E '^add (mroute|igmp-group|gem-receive) ')"
gem_send_stream 1000 1000
gem_check_stream r1 1000
[ "$(on_lan q)" = 0 ] || soft_fail "$(on_lan q) datagrams on Q's LAN, where nobody joined"
wait_for 5 "B counts 1000 on b-r" dump_has B "^add gem-receive $GROUP .* packets 1000 bytes 1316000 drops 0 no-listener 200 outputs b-r:1000$"
pass "1000 of 1000 byte-identical from $VIP at R, nothing on Q's LAN"

step "3. Q joins too: both LANs get the stream"
gem_recv r2 500
mc_recv q1 "$NSQ" --group "$GROUP" --port 5000 --ifname q-b --count 500 --source "$VIP" --timeout 20
waited_for 5 "b-q among B's outputs" outputs_are b-r,b-q
wait_for 5 "B's mroute shows GEM on both" \
    dump_has B "^add mroute \* $GROUP iif - oifs b-[rq],b-[rq] igmp-oifs b-[rq],b-[rq] gem-oifs b-[rq],b-[rq]$"
q0=$(on_lan q)
gem_send_stream 500 2000
gem_check_stream r2 500
note "(the line above is Q's)"; gem_check_stream q1 500
[ "$q0" = 0 ] || soft_fail "$q0 datagrams reached Q's LAN before Q joined"
pass "500 of 500 at R and at Q"

step "4. R leaves while the stream flows: b-r stops within the leave latency, Q gets everything"
gem_recv r3 300
mc_recv q2 "$NSQ" --group "$GROUP" --port 5000 --ifname q-b --count 3000 --source "$VIP" --timeout 20
gem_send_stream 3000 3000 &
sender=$!; BM_EXTRA_PIDS+=($sender)
mc_recv_wait r3 >/dev/null
left=$(date +%s.%N)
waited_for 5 "b-r gone from B's outputs" outputs_are b-q
gone=$(date +%s.%N)
wait "$sender" || soft_fail "the sender failed"
gem_check_stream q2 3000
late=$(on_lan_after r "$(awk -v t="$gone" 'BEGIN {printf "%.6f", t + 0.05}')")
note "R left at $left; b-r gone from B's outputs $(awk -v a="$left" -v b="$gone" 'BEGIN {printf "%.2f", b - a}') s later (last member query time 1 s); $late datagrams on R's LAN after that"
[ "$late" = 0 ] || soft_fail "$late datagrams reached R's LAN after B dropped the output"
awk -v a="$left" -v b="$gone" 'BEGIN {exit !(b - a < 3)}' || soft_fail "the leave took more than 3 s"
wait_for 5 "B's mroute back to Q only" dump_has B "^add mroute \* $GROUP iif - oifs b-q igmp-oifs b-q gem-oifs b-q$"
pass "R's LAN stopped getting the stream after its leave; Q got 3000 of 3000"

step "5. R joins with a source list: INCLUDE {$VIP} gets the stream, INCLUDE {10.9.9.9} does not"
ssm_recv() {   # NAME SOURCE COUNT TIMEOUT [NS LOCAL-ADDRESS]
    rm -f "$T/$1.res" "$T/$1.ready"
    ip netns exec "${5:-$NSR}" python3 - "$2" "$3" "$4" "$T/$1.ready" "$T/$1.res" "${6:-10.0.2.2}" \
        2>"$T/$1.err" <<'PY' &
import socket, struct, sys, time
src, count, timeout, ready, out, local = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("239.1.1.1", 5000))
# struct ip_mreq_source: group, interface address, source
m = socket.inet_aton("239.1.1.1") + socket.inet_aton(local) + socket.inet_aton(src)
s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_ADD_SOURCE_MEMBERSHIP", 39), m)  # 39 on Linux
open(ready, "w").close()
n, end = 0, time.monotonic() + timeout
while n < count and time.monotonic() < end:
    s.settimeout(max(0.01, end - time.monotonic()))
    try:
        data, (a, _) = s.recvfrom(65535)
    except socket.timeout:
        break
    n += a == src
open(out, "w").write("received %d\n" % n)
PY
    BM_EXTRA_PIDS+=($!)
    true
    wait_for 5 "SSM receiver $1 ready" test -e "$T/$1.ready"
}
mc_recv_wait q2 >/dev/null 2>&1
waited_for 5 "Q's leave: no outputs" outputs_are -
ssm_recv s1 "$VIP" 200 15
waited_for 5 "B's (S,G) entry shows GEM on b-r" \
    dump_has B "^add mroute $VIP $GROUP iif [^ ]+ oifs b-r igmp-oifs b-r gem-oifs b-r$"
outputs_are b-r || soft_fail "B's outputs: $(gem_outputs)"
gem_send_stream 200 7000
wait_for 10 "the INCLUDE {$VIP} receiver done" test -s "$T/s1.res"
[ "$(cat "$T/s1.res")" = "received 200" ] || soft_fail "INCLUDE {$VIP}: $(cat "$T/s1.res")"
waited_for 5 "R's (S,G) leave: no outputs" outputs_are -
r0=$(on_lan r)
ssm_recv s2 10.9.9.9 1 3
wait_for 5 "B's (10.9.9.9,G) entry" dump_has B "^add mroute 10\.9\.9\.9 $GROUP "
gem_send_stream 200 8000
wait_for 10 "the INCLUDE {10.9.9.9} receiver done" test -s "$T/s2.res"
[ "$(on_lan r)" = "$r0" ] || soft_fail "$(( $(on_lan r) - r0 )) datagrams from $VIP sent to R, which wants only 10.9.9.9"
dump_has B "^add gem-receive $GROUP .* no-listener 400 outputs b-r:0$" \
    || soft_fail "B did not count the 200 datagrams nobody wanted: $(dump B | grep '^add gem-receive ')"
note "$(dump B | grep -E '^add gem-receive ')"
waited_for 5 "R's INCLUDE {10.9.9.9} leave: no outputs" outputs_are -
pass "an (S,G) member gets S's stream; one that wants another source gets none"

step "6. a PIM router downstream: H behind P joins INCLUDE {$VIP}; P's (S,G) join reaches B"
waited_for 20 "P learns $VIP over Babel from B" has_babel_route "$NSP" "$VIP"
rpf0=$(mc_rpf_drops "$NSP")
ssm_recv h1 "$VIP" 200 15 "$NSH" 10.0.6.2
waited_for 10 "P's (S,G) entry toward B" \
    dump_has P "^add mroute $VIP $GROUP iif p-b rpf-neighbour 10\.0\.5\.1 oifs p-h igmp-oifs p-h$"
waited_for 10 "P's join at B: b-p a GEM output" \
    dump_has B "^add mroute $VIP $GROUP iif [^ ]+ oifs b-p pim-oifs b-p gem-oifs b-p$"
outputs_are b-p || soft_fail "B's outputs: $(gem_outputs)"
gem_send_stream 200 9000
wait_for 10 "H's receiver done" test -s "$T/h1.res"
[ "$(cat "$T/h1.res")" = "received 200" ] || soft_fail "H behind P: $(cat "$T/h1.res")"
[ "$(mc_rpf_drops "$NSP")" = "$rpf0" ] || soft_fail "P's reverse-path filter dropped $(( $(mc_rpf_drops "$NSP") - rpf0 )) packets"
note "P: $(ip netns exec "$NSP" ip mroute show | grep "$VIP" | head -n 1)"
pass "200 of 200 at H through P: B re-emitted from $VIP on P's join, P's RPF toward $VIP (over the overlay, via B) passed"

step "SIGTERM"
clean_exit A B P
finish
